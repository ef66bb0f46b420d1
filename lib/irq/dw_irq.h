/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_IRQ_H
#define DW_IRQ_H

/**
 * @file
 * Threaded interrupt handlers over pollable file descriptors (eventfds from
 * VFIO MSI-X vectors, timerfds, tap fds...): the user-space counterpart of
 * the kernel's request_threaded_irq().
 *
 * An interrupt line is a file descriptor. Each line may carry one handler, or
 * several with DW_IRQF_SHARED; a handler is identified by (fd, arg). When the
 * fd becomes readable, dwork's interrupt thread (one epoll loop, not DPDK's
 * EAL interrupt thread) calls every primary handler of the line. A primary
 * handler must not sleep; it returns DW_IRQ_HANDLED, DW_IRQ_NONE or
 * DW_IRQ_WAKE_THREAD. The last one wakes the handler's own thread ("irq/<name>"),
 * which runs the thread handler and may sleep.
 *
 * Reading the counter: unless DW_IRQF_NO_READ is given, dwork itself reads
 * (and so clears) the 8-byte eventfd/timerfd counter on the interrupt thread
 * before it calls the primary handlers, and waits for the fd with
 * level-triggered epoll. Such an fd must be O_NONBLOCK. A read that finds
 * nothing delivers no interrupt; end of file, a read error or a hang-up
 * disables the line (logged, error_disables) instead of spinning on it.
 * With DW_IRQF_NO_READ
 * dwork never reads the fd and waits for it edge-triggered: the handlers
 * consume the data (a tap fd's packets) and each new edge is one interrupt.
 *
 * Lifecycle: the interrupt thread starts with the first dw_request_threaded_irq()
 * and stops when dw_free_irq() removes the last handler. There is no init or
 * fini call. The telemetry commands /dwork/irq/list and /dwork/irq/info,<fd>
 * are registered by the first dw_request_threaded_irq().
 *
 * Every function is thread-safe. No handler is ever called under an internal
 * lock, so handlers may call dw_enable_irq() and dw_disable_irq_nosync().
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a handler tells dwork about one interrupt. */
enum dw_irq_return {
	DW_IRQ_NONE = 0,	/**< Not from this handler's device. */
	DW_IRQ_HANDLED = 1,	/**< Handled, nothing more to do. */
	DW_IRQ_WAKE_THREAD = 2, /**< Primary only: run the thread handler. */
};

/**
 * A primary or thread handler.
 *
 * @param fd  The interrupt line.
 * @param arg The arg given to dw_request_threaded_irq().
 */
typedef enum dw_irq_return (*dw_irq_handler_t)(int fd, void *arg);

/** Several handlers may share the fd; every one of them must pass the same flags. */
#define DW_IRQF_SHARED (1u << 0)
/** Keep the fd masked after the primary handlers until the woken thread handlers return. */
#define DW_IRQF_ONESHOT (1u << 1)
/** dwork never reads the fd; it is polled edge-triggered and the handlers drain it. */
#define DW_IRQF_NO_READ (1u << 2)
/** Every flag dw_request_threaded_irq() knows. */
#define DW_IRQF_ALL (DW_IRQF_SHARED | DW_IRQF_ONESHOT | DW_IRQF_NO_READ)

/** Longest handler name, terminating NUL included. */
#define DW_IRQ_NAME_SIZE 32
/** Most handlers on one shared fd. */
#define DW_IRQ_MAX_SHARED 16

/** Default spurious-interrupt window and threshold (as the kernel's note_interrupt). */
#define DW_IRQ_SPURIOUS_WINDOW 100000
#define DW_IRQ_SPURIOUS_THRESHOLD 99900

/**
 * Install a handler for the interrupt line @p fd.
 *
 * The line is enabled (epoll armed) when the first handler is installed and
 * may fire before this returns. When @p thread is not NULL a thread named
 * "irq/<name>" (truncated to 15 characters) is created for this handler.
 *
 * @param fd      Pollable fd; O_NONBLOCK unless DW_IRQF_NO_READ. Still owned by
 *                the caller, who closes it after dw_free_irq().
 * @param primary Primary handler, or NULL for one that returns DW_IRQ_WAKE_THREAD.
 * @param thread  Thread handler, or NULL; then a primary that returns
 *                DW_IRQ_WAKE_THREAD is logged once and counted as handled.
 * @param flags   DW_IRQF_* flags.
 * @param name    Handler name (logs, thread name, telemetry); not NULL or empty.
 * @param arg     Passed to both handlers; identifies the handler on a shared fd.
 * @return
 *   - 0: installed.
 *   - -EBADF: @p fd is negative or not open.
 *   - -EINVAL: unknown flag, NULL or empty @p name, both handlers NULL,
 *     DW_IRQF_ONESHOT without a thread handler, @p fd not pollable (a regular
 *     file), or @p fd blocking without DW_IRQF_NO_READ.
 *   - -EBUSY: @p fd already has a handler and one of the two requests is not
 *     DW_IRQF_SHARED, or their flags differ.
 *   - -EEXIST: @p fd already has a handler with this @p arg.
 *   - -ENOSPC: @p fd already has DW_IRQ_MAX_SHARED handlers.
 *   - -EDEADLK: called from a primary handler (it may sleep).
 *   - -ENOMEM, -EAGAIN, -EMFILE: allocation, thread, epoll or eventfd creation failed.
 * Context: any thread but the interrupt thread, thread handlers included; sleeps
 * (creates threads).
 */
int dw_request_threaded_irq(int fd, dw_irq_handler_t primary, dw_irq_handler_t thread,
			    uint32_t flags, const char *name, void *arg);

/**
 * Remove the handler (@p fd, @p arg).
 *
 * When this returns, the handler's primary is not running and will not run
 * again; a thread handler that was already woken has run to completion and the
 * handler's thread has exited. Removing the last handler of @p fd stops
 * polling it; removing the last handler of all stops the interrupt thread.
 * The disable depth of a line goes away with its last handler.
 *
 * @return
 *   - 0: removed.
 *   - -ENOENT: no handler (@p fd, @p arg).
 *   - -EDEADLK: called from a primary handler (any line), or from the
 *     thread handler being removed. Nothing is changed; there is no deferred free.
 * Context: any thread but the interrupt thread and the handler's own thread; sleeps.
 */
int dw_free_irq(int fd, void *arg);

/**
 * Disable the line @p fd and wait for its handlers to finish.
 *
 * Increments the disable depth; the first disable masks the fd (removes it from
 * epoll). Returns once no primary handler of the line is running and no thread
 * handler of it is running or woken. Interrupts that arrive while the line is
 * disabled stay pending in the fd and are delivered by the dw_enable_irq()
 * that brings the depth back to zero.
 *
 * @return
 *   - 0: disabled and quiet.
 *   - -ENOENT: no handler on @p fd.
 *   - -EDEADLK: called from a primary handler (any line) or from a thread
 *     handler of @p fd; the depth is not changed. Use dw_disable_irq_nosync().
 *   - -EOVERFLOW: depth would overflow; nothing is changed.
 * Context: any thread but the interrupt thread and @p fd's handler threads; sleeps.
 */
int dw_disable_irq(int fd);

/**
 * Disable the line @p fd without waiting for its running handlers.
 *
 * @return
 *   - 0: disabled (the depth was incremented).
 *   - -ENOENT: no handler on @p fd.
 *   - -EOVERFLOW: depth would overflow; nothing is changed.
 * Context: any thread, handlers included; does not sleep (takes a mutex).
 */
int dw_disable_irq_nosync(int fd);

/**
 * Undo one dw_disable_irq() or dw_disable_irq_nosync(), or re-enable a line
 * that spurious-interrupt detection disabled. At depth zero the fd is polled
 * again and interrupts that came while it was disabled are delivered.
 *
 * @return
 *   - 0: depth decremented.
 *   - -ENOENT: no handler on @p fd.
 *   - -EINVAL: the line is not disabled (unbalanced enable); nothing is changed.
 * Context: any thread, handlers included; does not sleep (takes a mutex).
 */
int dw_enable_irq(int fd);

/** Counters of one handler and of its line, see dw_irq_stats_get(). */
struct dw_irq_stats {
	/* The line (fd): shared by every handler on it. */
	uint64_t count;		    /**< Interrupts dispatched to the primary handlers. */
	uint64_t unhandled;	    /**< ... of which every primary returned DW_IRQ_NONE. */
	uint64_t spurious_disables; /**< Times the spurious detector disabled the line. */
	uint64_t error_disables;    /**< Times a read error, EOF or hang-up disabled the line. */
	uint32_t depth;		    /**< Disable depth (0: enabled). */
	uint32_t flags;		    /**< DW_IRQF_* flags of the line. */
	uint32_t masked;	    /**< 1 when the fd is not polled (disabled or ONESHOT). */
	uint32_t nr_handlers;	    /**< Handlers on the line. */
	/* This handler. */
	uint64_t handled;	  /**< Primary returned DW_IRQ_HANDLED or DW_IRQ_WAKE_THREAD. */
	uint64_t thread_wakeups;  /**< Primary returned DW_IRQ_WAKE_THREAD. */
	uint64_t thread_runs;	  /**< Thread handler calls (wakeups while running merge). */
	uint64_t primary_last_ns; /**< Duration of the last primary call. */
	uint64_t primary_max_ns;  /**< Longest primary call. */
	uint64_t thread_last_ns;  /**< Duration of the last thread handler call. */
	uint64_t thread_max_ns;	  /**< Longest thread handler call. */
};

/**
 * Read the counters of the handler (@p fd, @p arg) and of its line.
 *
 * @return
 *   - 0: @p stats filled.
 *   - -EINVAL: @p stats is NULL.
 *   - -ENOENT: no handler (@p fd, @p arg).
 * @p size: sizeof the caller's struct as its header had it (dw_irq_stats_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: any thread, handlers included; does not sleep (takes a mutex).
 */
int dw_irq_stats_get_sized(int fd, void *arg, struct dw_irq_stats *stats, size_t size);

/**
 * dw_irq_stats_get_sized() with this header's struct size: the call to use.
 * Context: as dw_irq_stats_get_sized().
 */
static inline int
dw_irq_stats_get(int fd, void *arg, struct dw_irq_stats *stats)
{
	return dw_irq_stats_get_sized(fd, arg, stats, sizeof(*stats));
}

/**
 * Set the spurious-interrupt detector for every line: when @p threshold of the
 * last @p window interrupts of a line were unhandled (every primary returned
 * DW_IRQ_NONE), a rate-limited warning is logged ("nobody cared"), the line is
 * disabled as by dw_disable_irq_nosync() and its spurious_disables counter
 * goes up. Windows in progress restart. The default is
 * DW_IRQ_SPURIOUS_THRESHOLD of DW_IRQ_SPURIOUS_WINDOW.
 *
 * @param window    Interrupts per window; 0 turns the detector off.
 * @param threshold Unhandled interrupts in a window that disable the line,
 *                  1..@p window (ignored when @p window is 0).
 * @return
 *   - 0: set.
 *   - -EINVAL: @p threshold is 0 or above @p window.
 * Context: any thread; does not sleep (takes a mutex).
 */
int dw_irq_spurious_config(uint32_t window, uint32_t threshold);

#ifdef __cplusplus
}
#endif

#endif /* DW_IRQ_H */
