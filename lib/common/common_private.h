/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef COMMON_PRIVATE_H
#define COMMON_PRIVATE_H

/*
 * Helpers shared by the libraries; not installed.
 *
 * Field legend. Every private header tags the fields of its shared structs
 * with who may touch them, kernel style: the comment opens with one or more
 * letters, then says whatever else a reader needs.
 *
 *   I  Set while the object is created (or the library initialised), before
 *      any other thread can see it; read-only afterwards, read without a lock.
 *   L  Protected by the lock the struct's (or header's) comment names as its
 *      main lock (irq_lock, pool->lock, the port's control lock...): written
 *      and read under it.
 *   S  Protected by a second lock, named in the field's comment.
 *   A  Accessed with atomics; the comment names the ordering, and for
 *      release/acquire or seq_cst the site it pairs with.
 *   O  Owned by one thread, named in the comment (an lcore, the interrupt
 *      thread, a handler thread): only it writes; it reads plainly, others
 *      read only as another letter allows (O+A: others load it atomically).
 *   D  Memory shared with a device (descriptor rings): written and read with
 *      the barriers the code names at each access, never under a lock alone.
 *
 * Letters combine: "L/A" is written under the lock and read lock-free with
 * atomics (counters a stats call reads). A field with no tag is covered by the
 * nearest comment above it that has one.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <rte_lcore.h>

/*
 * Configuration structs grow: every public `struct dw_*_conf` starts with
 * `size_t size`, set by the application to sizeof() as its headers had it.
 * dw_conf_copy() takes such a struct into the library's own version:
 *   - size below @p min_size (the end of the last field of the first release
 *     that had the struct, 0.1.0 for all of today's): -EINVAL;
 *   - size up to the library's sizeof: copied, the fields the application
 *     did not know about zero-filled (a field added later must mean "default"
 *     when zero);
 *   - size above the library's sizeof: accepted only if every byte beyond it
 *     is zero (the application set none of the newer fields), else -E2BIG,
 *     as the kernel's copy_struct_from_user(); sizes over DW_CONF_MAX_SIZE are
 *     refused with -E2BIG without reading them.
 * @p dst's size field is set to @p dst_size. One ERR line on @p logtype names
 * @p caller and the problem.
 */
#define DW_CONF_MAX_SIZE 4096

int dw_conf_copy(int logtype, const char *caller, void *dst, size_t dst_size, size_t min_size,
		 const void *src);

/* Offset just past @p field of @p type: the size of the struct when @p field was its last. */
#define DW_CONF_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * Copy application conf @p src into library conf @p dst (same struct type);
 * @p last_v0_1 is the last field the struct had in 0.1.0.
 */
#define DW_CONF_COPY(logtype, dst, src, last_v0_1)                                                 \
	dw_conf_copy(logtype, __func__, dst, sizeof(*(dst)),                                       \
		     DW_CONF_END(__typeof__(*(dst)), last_v0_1) +                                  \
			 0 * sizeof(char[offsetof(__typeof__(*(dst)), size) == 0 ? 1 : -1]),       \
		     src)

/*
 * Structs the library fills for the caller (stats, info) grow at their end
 * too. Their public get call is a static inline in the header that passes
 * sizeof(*out) as the caller was compiled with to an exported
 * dw_*_get_sized(); the library fills its own, full struct and
 * dw_out_copy() hands the caller what its struct holds:
 *   - @p size below @p min_size (DW_CONF_END() of the last field of the
 *     first release that had the struct): -EINVAL, one ERR line on
 *     @p logtype naming @p caller; a NULL @p out is -EINVAL too;
 *   - @p size up to the library's: that many bytes (a caller built against
 *     an older header never sees its struct overrun);
 *   - @p size above the library's (a newer header): the library's fields,
 *     the rest zero (counters this library does not have read as 0).
 * dw_out_check() does the checks before the library's work, dw_out_put() the copy.
 */
int dw_out_check(int logtype, const char *caller, const void *out, size_t size, size_t min_size);
void dw_out_put(void *out, size_t size, const void *full, size_t full_size);

/*
 * Start one of dwork's own threads, pinned where dwork threads belong:
 * @p cpus (a pool's worker CPUs), or, when NULL, dw_topo_ctrl_cpus(); never
 * inherited from the creating thread, which may be a polling lcore.
 * @p name (at most 15 characters used) names the thread.
 * Returns 0 or a negative errno from pthread_create().
 * Context: any thread; may sleep.
 */
int dw_thread_create(pthread_t *t, const char *name, const rte_cpuset_t *cpus, bool detached,
		     void *(*fn)(void *), void *arg);

#endif /* COMMON_PRIVATE_H */
