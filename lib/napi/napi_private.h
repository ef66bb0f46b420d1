/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NAPI_PRIVATE_H
#define NAPI_PRIVATE_H

/*
 * Internals of lib/napi, shared by the control side (napi.c), the loop
 * (napi_loop.c), the netdev source (napi_rxq.c) and telemetry.
 * Field tags: the legend in lib/common/common_private.h. In struct
 * napi_lcore, O is the lcore running the loop ("the owner") and S is
 * napi_lock.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "dw_common.h"
#include "dw_log.h"
#include "dw_napi.h"
#include "napi_window.h"

extern int dw_napi_logtype;
#define NAPI_LOG(level, fmt, ...) DW_LOG(dw_napi_logtype, level, fmt, ##__VA_ARGS__)

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NAPI_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(NAPI_TSAN)
/*
 * ThreadSanitizer does not model fences. A seq_cst read-modify-write of one
 * shared word gives it an order to reason about that is at least as strong
 * (builds for TSan only: it bounces a cache line between producers).
 */
extern uint32_t napi_tsan_fence;
#define NAPI_SEQ_CST_FENCE() ((void)__atomic_fetch_add(&napi_tsan_fence, 0, __ATOMIC_SEQ_CST))
#else
#define NAPI_SEQ_CST_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#define NAPI_SRC_MAGIC 0x4e415049u /* "NAPI" */

/*
 * Single-writer counter update: the owner lcore reads its own value plainly
 * and publishes the sum with a relaxed store, so readers on other threads
 * (stats, telemetry) see whole values without a locked instruction here.
 */
#define NAPI_STAT_ADD(field, v) __atomic_store_n(&(field), (field) + (v), __ATOMIC_RELAXED)
#define NAPI_STAT_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

/* One lcore's loop state. */
struct napi_lcore {
	/*
	 * O+A: the owner writes it seq_cst (dw_napi_park()); producers read it
	 * in napi_ring() after their seq_cst fence: the Dekker pair of the
	 * parking protocol.
	 */
	uint32_t parked;
	uint64_t sleep_since; /* O+A: start of the sleep in progress, 0 if none (stats read it) */
	uint32_t running;     /* O+A, written under S (loop begin/end); others load acquire */
	/* A: dw_lcore_stop() stores (release), the owner loads (acquire), cleared at loop end */
	uint32_t stop;
	uint32_t mode;	   /* A: dw_lcore_set_mode() stores; the owner loads relaxed per try_park */
	uint32_t fd_dirty; /* A: set_fd and the self-test set it; the owner exchanges it to 0 */
	/* O: written once, before the first announce that publishes it; producers read it */
	int doorbell;
	/* O; control threads call epoll_ctl() on it only while the loop does not run */
	int epfd;
	unsigned int lcore;  /* S: the slot's own index (registration, loop begin) */
	uint32_t configured; /* O+A: ever began a loop (telemetry list) */

	/* Producers' line: the first ringer of a sleep wins the CAS and writes the eventfd. */
	uint32_t
	    rung __rte_cache_aligned; /* A: producers CAS 0->1; the owner stores 0 after draining */
	uint64_t
	    ring_ns; /* A: the winner stores (relaxed) before its write(); the owner exchanges */

	/* O (control threads write these under S while the loop does not run). */
	struct dw_napi_source *srcs[DW_NAPI_MAX_SOURCES] __rte_cache_aligned;
	uint32_t nb_srcs; /* O+A: stats readers load it */
	struct dw_lcore_conf conf;
	uint64_t bh_ns, ramp_min_ns, ramp_max_ns, probe_ns;
	struct napi_win win; /* adaptive mode's busy-poll window (stats: est, hits, misses) */
	uint64_t ramp_ns;    /* next ramp sleep */
	uint64_t wake_ns;    /* start of the pending wake latency, 0 if none */
	bool timeout_wake;   /* the last wake was a timeout: the self-test looks */
	uint64_t warn_ns;    /* last self-test warning (rate limit) */
	uint32_t warn_suppressed;
	char demoted[DW_NAPI_NAME_LEN]; /* source demoted since the last park, "" if none */
	int32_t trustee;		/* resolved conf.trustee, -1: no hand-over */
	unsigned long timerslack;	/* the thread's timer slack before the loop */
	/* O: dw_lcore_launch()'s until rte_eal_remote_launch() hands it to the lcore */
	struct dw_lcore_conf launch_conf;
	uint32_t launch_done; /* A: the launched dw_lcore_run() returned */
	/* O: the loop registered this lcore as a fast-path reader (dw_netdev_reader_*) */
	bool reader;
	/* O: the source that last did work; unregister clears it under S */
	struct dw_napi_source *last_busy;

	/* O+A: the owner writes (NAPI_STAT_*), readers load relaxed. */
	struct dw_lcore_stats st __rte_cache_aligned;
	/*
	 * TSC cycles of dw_napi_poll_once() iterations that found work / none
	 * (same writer and readers as st). dw_lcore_stats_get() adds them to
	 * st.busy_ns / st.poll_ns in ns: two rte_rdtsc() per iteration cost less
	 * than two clock_gettime().
	 */
	uint64_t busy_tsc, poll_tsc;
} __rte_cache_aligned;

extern struct napi_lcore napi_lcores[RTE_MAX_LCORE];
/* Serialises registration, loop begin/end and readers of source names. Never on the busy path. */
extern pthread_mutex_t napi_lock;

/* Register the telemetry commands (once). */
void napi_lib_once(void);
void napi_telemetry_register(void);

/* Ring @p lc's doorbell if it is parked (producers' side of the protocol). */
void napi_ring(struct napi_lcore *lc);

/* (Re-)register the sources' fds in @p lc's epoll set; owner or stopped loop. */
/* Take @src out of @lc's epoll set and close the loop's dup of its fd. */
void napi_epoll_drop(struct napi_lcore *lc, struct dw_napi_source *src);
void napi_sync_fds(struct napi_lcore *lc);

/*
 * @p cycles of a TSC running at @p hz, in ns, without overflow for any
 * uint64_t count (whole seconds and the remainder apart). 0 when @p hz is 0.
 */
static inline uint64_t
napi_tsc_to_ns(uint64_t cycles, uint64_t hz)
{
	if (hz == 0)
		return 0;
	return cycles / hz * DW_NS_PER_S + cycles % hz * DW_NS_PER_S / hz;
}

/* True for an initialised source. */
static inline bool
napi_src_valid(const struct dw_napi_source *src)
{
	return src != NULL && src->magic == NAPI_SRC_MAGIC;
}

#endif /* NAPI_PRIVATE_H */
