/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_NAPI_H
#define DW_NAPI_H

/**
 * @file
 * The lcore run loop: poll rx sources and the BH lane while there is work,
 * sleep in epoll when there is none, without ever losing a wake-up.
 *
 * An lcore owns rx sources (struct dw_napi_source): a poll function that
 * returns the work it did (more than 0: busy, 0: idle), and optionally an
 * interrupt fd with arm and disarm callbacks. The loop polls every source up
 * to its weight, then runs the lcore's BH lane (dw_bh.h) under a budget. When
 * it has been idle long enough for its mode it parks: arm every source,
 * re-check, announce itself parked, re-check once more, then sleep in epoll on
 * the sources' fds and the lcore's doorbell eventfd. Producers (BH queueing,
 * dw_lcore_wake(), mode changes, stop) ring the doorbell only when the lcore
 * is parked. doc/guides/napi.md draws the protocol.
 *
 * Two ways to use it: dw_lcore_run() is the whole loop, launched with
 * rte_eal_remote_launch(); an application with a loop of its own calls
 * dw_napi_loop_begin(), then dw_napi_poll_once() and dw_napi_try_park() in its
 * loop until dw_napi_should_stop(), then dw_napi_loop_end().
 *
 * Either way the lcore is a fast-path reader of lib/netdev (see
 * dw_netdev_reader_register()): online from loop begin, quiescent at the end
 * of each dw_napi_poll_once(), offline while asleep, unregistered at loop
 * end. Ports may therefore be stopped, reset or closed while it polls them:
 * the teardown waits for its burst in flight, then it polls nothing.
 *
 * Errors: int calls return 0 (or a documented count) or a negative errno, and
 * log the error on the dw.napi log type; pointer calls return NULL and set
 * rte_errno. Nothing on the busy path logs, locks, allocates or makes a
 * system call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dw_wq;
struct dw_napi_source;

/** Size of a source name, terminating NUL included. */
#define DW_NAPI_NAME_LEN 32
/** Most sources one lcore polls. */
#define DW_NAPI_MAX_SOURCES 32
/** Weight of a source whose conf says 0. */
#define DW_NAPI_DFL_WEIGHT 64
/** Buckets of the wake-latency histogram: bucket i counts latencies in [2^i, 2^(i+1)) ns. */
#define DW_NAPI_LAT_BUCKETS 32

/**
 * Poll a source: do at most @p budget units of work (packets received and
 * handled). Runs on the owning lcore; must not sleep.
 * @return Work done, 0 .. @p budget (values above are clamped).
 */
typedef unsigned int (*dw_napi_poll_t)(struct dw_napi_source *src, unsigned int budget);

/**
 * Arm a source's interrupt, then re-check it.
 * @return 0 (armed, looked empty: sleeping is safe); -EAGAIN (work may be
 *   waiting: poll again); -ENOTSUP (no interrupt: the source is handled with
 *   the sleep ramp from now on); another negative errno (treated as -ENOTSUP
 *   for this sleep only, and counted).
 */
typedef int (*dw_napi_arm_t)(struct dw_napi_source *src);

/** Disarm a source's interrupt after a sleep (back to polling). */
typedef void (*dw_napi_disarm_t)(struct dw_napi_source *src);

/**
 * @name Source flags
 * @{
 */
/**
 * Arm cannot re-check for work that came before the interrupt was enabled
 * (dw_netdev_info.nb_rxq_intr_nocheck): sleeps on this source are bounded by
 * the probe timeout even after its interrupt has been seen to work.
 */
#define DW_NAPI_SRC_F_ARM_NOCHECK RTE_BIT32(0)
/** @} */
/** Every flag dw_napi_source_init() accepts. */
#define DW_NAPI_SRC_F_ALL (DW_NAPI_SRC_F_ARM_NOCHECK)

/** Configuration of a source, for dw_napi_source_init(). */
struct dw_napi_source_conf {
	size_t size;		 /**< sizeof(struct dw_napi_source_conf); rules in dw_common.h. */
	const char *name;	 /**< Shown in stats; shorter than DW_NAPI_NAME_LEN. */
	dw_napi_poll_t poll;	 /**< Required. */
	dw_napi_arm_t arm;	 /**< NULL: no interrupt (sleep ramp). */
	dw_napi_disarm_t disarm; /**< Required with arm. */
	int fd;			 /**< Interrupt fd for epoll (EPOLLET), -1 for none; never read. */
	uint32_t weight;	 /**< Max work per poll; 0: DW_NAPI_DFL_WEIGHT. */
	uint32_t flags;		 /**< DW_NAPI_SRC_F_*. */
	void *arg;		 /**< For the callbacks: dw_napi_source_arg(). */
};

/**
 * An rx source. Embedded in the caller's structure and initialised with
 * dw_napi_source_init(); every field is private. It must stay valid while
 * registered.
 */
struct dw_napi_source {
	/* Set by dw_napi_source_init(); ro afterwards. */
	char name[DW_NAPI_NAME_LEN];
	dw_napi_poll_t poll;
	dw_napi_arm_t arm;
	dw_napi_disarm_t disarm;
	void *arg;
	uint32_t weight;
	uint32_t flags;
	uint32_t magic;
	/* Atomic. Written by dw_napi_source_set_fd() (any thread); owner lcore: ro. */
	int fd;
	uint32_t fd_gen; /**< Bumped by every dw_napi_source_set_fd() (release). */
	/*
	 * Owner lcore: rw (relaxed stores where telemetry reads); control
	 * threads: under the napi lock while the loop does not run.
	 */
	int ep_fd;	      /**< Source fd the epoll registration is for, -1 none. */
	int ep_dup;	      /**< The loop's own dup of ep_fd, what epoll holds; -1 none. */
	uint32_t ep_gen;      /**< fd_gen when ep_fd was registered. */
	int32_t lcore;	      /**< Owning lcore, -1 when not registered (atomic). */
	bool intr_ok;	      /**< Interrupt usable (not -ENOTSUP, not demoted). */
	bool intr_seen;	      /**< Its fd woke the lcore at least once. */
	bool armed;	      /**< Armed during the current park. */
	uint32_t silent;      /**< Timeout wakes that found work, in a row, fd never seen. */
	uint64_t work;	      /**< Work done in total. */
	uint64_t polls;	      /**< Polls that found work. */
	uint64_t intr_wakes;  /**< Wakes by its fd. */
	uint64_t arm_errors;  /**< Arm calls that failed with other than -EAGAIN/-ENOTSUP. */
	uint64_t arm_retries; /**< Arm calls that returned -EAGAIN. */
};

/**
 * Initialise @p src from @p conf (copied; @p conf may go).
 * @return 0; -EINVAL (NULL src, conf or poll; conf size below 0.1.0's; long
 *   or NULL name; arm without disarm or the reverse; an fd without arm;
 *   unknown flags); -E2BIG (conf bigger than this library's with a non-zero
 *   byte beyond it). A source with arm but no fd yet sleeps on the ramp until
 *   dw_napi_source_set_fd() gives it one.
 *   -EBUSY (@p src is registered).
 * Context: any thread.
 */
int dw_napi_source_init(struct dw_napi_source *src, const struct dw_napi_source_conf *conf);

/**
 * The conf's arg of @p src (for its callbacks).
 * @return The arg given to dw_napi_source_init().
 * Context: any thread.
 */
static inline void *
dw_napi_source_arg(const struct dw_napi_source *src)
{
	return src->arg;
}

/**
 * Register @p src on @p lcore; it is polled from the next loop iteration.
 * @return 0; -EINVAL (NULL or uninitialised source, lcore not an EAL lcore);
 *   -EEXIST (already registered, on this lcore or another); -ENOSPC
 *   (DW_NAPI_MAX_SOURCES on the lcore); -EBUSY (the lcore runs its loop and
 *   the caller is not that lcore).
 * Context: a control thread while the lcore's loop does not run, or the lcore
 *   itself (e.g. from a BH item queued on it). Does not sleep.
 */
int dw_napi_source_register(unsigned int lcore, struct dw_napi_source *src);

/**
 * Unregister @p src from its lcore (disarmed, out of the epoll set).
 * @return 0; -EINVAL (NULL or uninitialised); -ENOENT (not registered);
 *   -EBUSY (the lcore runs its loop and the caller is not that lcore).
 * Context: as dw_napi_source_register(). Must not be called from @p src's
 *   own poll callback.
 */
int dw_napi_source_unregister(struct dw_napi_source *src);

/**
 * Tell the owner of @p src that its interrupt fd changed (netdev restart,
 * reset, DW_NETDEV_EV_RXQ_FD): the lcore re-registers it in its epoll set
 * before it next sleeps. The old fd may already be closed.
 * @return 0; -EINVAL (NULL or uninitialised source, or @p fd < -1).
 * Context: any thread; does not sleep (may write the lcore's doorbell).
 */
int dw_napi_source_set_fd(struct dw_napi_source *src, int fd);

/**
 * Burst handler of a netdev rx source: owns the @p n mbufs in @p pkts
 * (frees, forwards or keeps them). Runs on the lcore; must not sleep.
 */
typedef void (*dw_napi_rx_handler_t)(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n,
				     void *arg);

/**
 * Make a source from rx queue @p q of @p port: its poll receives bursts
 * (up to 32 packets, up to the weight in all) and hands them to @p handler;
 * arm and disarm are dw_netdev_rx_intr_arm()/disarm(); the fd is the queue's
 * interrupt fd when it has one (else the source uses the sleep ramp).
 *
 * @param name
 *   Source name; NULL: "<port name>:rx<q>".
 * @param weight
 *   Max packets per poll; 0: DW_NAPI_DFL_WEIGHT.
 * @param event_wq
 *   When not NULL, the source subscribes to DW_NETDEV_EV_RXQ_FD on this
 *   workqueue and follows the queue's fd across restarts; it must outlive the
 *   source.
 * @return The source (free it with dw_napi_source_free()), or NULL with
 *   rte_errno: EINVAL (NULL handler, long name), ENODEV (bad port), EIO (port
 *   not started), ENOMEM, or the error of dw_netdev_rx_intr_fd() or of
 *   dw_netdev_event_subscribe().
 * Context: control thread, port started; may sleep.
 */
struct dw_napi_source *dw_napi_source_from_rxq(uint16_t port, uint16_t q, const char *name,
					       uint32_t weight, dw_napi_rx_handler_t handler,
					       void *arg, struct dw_wq *event_wq);

/**
 * Free a source made by dw_napi_source_from_rxq(): unsubscribes, then frees.
 * @return 0; -EINVAL (NULL or not such a source); -EBUSY (still registered).
 * Context: control thread; may sleep.
 */
int dw_napi_source_free(struct dw_napi_source *src);

/** Run-loop modes. */
enum dw_napi_mode {
	DW_NAPI_MODE_POLL = 0,	/**< Never sleep. */
	DW_NAPI_MODE_INTERRUPT, /**< Park as soon as a loop found no work. */
	/**
	 * Park as interrupt mode does, except that after an rx wake the lcore
	 * keeps polling for a window learned from the traffic (the gap from
	 * the work the wake found to the next work: a response, the next
	 * packet of a burst), at most busy_poll_budget_us; work found in the
	 * window opens the next one.
	 */
	DW_NAPI_MODE_ADAPTIVE,
	DW_NAPI_MODE_MAX,
};

/**
 * Name of @p mode.
 * @return "poll", "interrupt" or "adaptive"; NULL for an unknown mode.
 * Context: any thread.
 */
const char *dw_napi_mode_name(enum dw_napi_mode mode);

/** Default first busy-poll window of adaptive mode (before one is learned), in microseconds. */
#define DW_NAPI_DFL_SPIN_US 50
/** Default bound on adaptive mode's busy-poll window (the per-lcore latency budget), in us. */
#define DW_NAPI_DFL_BUSY_POLL_BUDGET_US 200
/** Largest busy_poll_budget_us dw_napi_loop_begin() accepts (one second). */
#define DW_NAPI_MAX_BUSY_POLL_BUDGET_US 1000000
/** Default BH items run per loop iteration. */
#define DW_NAPI_DFL_BH_ITEMS 64
/** Default time limit of the BH lane per loop iteration, in microseconds. */
#define DW_NAPI_DFL_BH_US 200
/** Default sleep ramp for sources without interrupts: first sleep and cap, in microseconds. */
#define DW_NAPI_DFL_RAMP_MIN_US 1
#define DW_NAPI_DFL_RAMP_MAX_US 1000
/**
 * Default bound on a sleep while some source's interrupt has not been seen to
 * fire yet (the self-test window), in microseconds.
 */
#define DW_NAPI_DFL_PROBE_US 10000
/** Default number of timeout wakes in a row that found work on a silent source before it is
 * demoted. */
#define DW_NAPI_DFL_SELFTEST_MISSES 4

/**
 * @name Lcore loop flags
 * @{
 */
/**
 * At loop end, keep the BH lane on this lcore instead of handing it to the
 * trustee: items queued meanwhile wait for the next loop here. For loops that
 * are stopped and launched again (dw_bh_lane_offline() is for good).
 */
#define DW_LCORE_F_KEEP_LANE RTE_BIT32(0)
/** @} */
/** Every flag dw_napi_loop_begin() accepts. */
#define DW_LCORE_F_ALL (DW_LCORE_F_KEEP_LANE)

/** Configuration of an lcore's loop; zero fields take the DW_NAPI_DFL_* defaults. */
struct dw_lcore_conf {
	size_t size;		  /**< sizeof(struct dw_lcore_conf); rules in dw_common.h. */
	uint32_t flags;		  /**< DW_LCORE_F_*. */
	enum dw_napi_mode mode;	  /**< Initial mode. */
	uint32_t spin_us;	  /**< Adaptive: the busy-poll window until one is learned. */
	uint32_t bh_items;	  /**< BH items per iteration. */
	uint32_t bh_us;		  /**< BH time per iteration. */
	uint32_t ramp_min_us;	  /**< First sleep of the ramp. */
	uint32_t ramp_max_us;	  /**< Longest sleep of the ramp. */
	uint32_t probe_us;	  /**< Sleep bound while an interrupt is unproven. */
	uint32_t selftest_misses; /**< Misses before an interrupt is demoted. */
	/**
	 * Lcore that receives this lcore's BH lane when the loop ends
	 * (dw_bh_lane_offline()). -1: the main lcore, or for the main lcore
	 * itself the next EAL lcore (none: the lane stays). A zeroed conf
	 * means lcore 0.
	 */
	int32_t trustee;
	/**
	 * Adaptive: the longest busy-poll window after an rx wake, in us
	 * (0: DW_NAPI_DFL_BUSY_POLL_BUDGET_US; at most
	 * DW_NAPI_MAX_BUSY_POLL_BUDGET_US). What a request may cost in polling
	 * to get its response at poll-mode latency.
	 */
	uint32_t busy_poll_budget_us;
};

/**
 * Start the calling lcore's loop state: epoll set and doorbell (created once),
 * sources' fds registered, BH kick hook installed, conf applied.
 * @return 0; -EINVAL (bad conf: size below 0.1.0's, unknown flags, mode,
 *   ramp_min over ramp_max, trustee not an EAL lcore or the caller itself);
 *   -E2BIG (conf bigger than this library's with a non-zero byte beyond it); -ENOTSUP (not an EAL
 *   lcore); -EALREADY (the loop runs already); -EMFILE, -ENFILE, -ENOMEM
 *   (epoll or eventfd). A source fd that epoll refuses is logged and the
 *   source sleeps on the ramp.
 * Context: the lcore itself.
 */
int dw_napi_loop_begin(const struct dw_lcore_conf *conf);

/**
 * One loop iteration's busy part: account the previous wake-up, poll every
 * source up to its weight, run the BH lane under its budget.
 * @return Work done (packets plus BH items).
 * Context: the lcore, between dw_napi_loop_begin() and dw_napi_loop_end();
 *   does not sleep, log, lock, allocate or make system calls.
 */
unsigned int dw_napi_poll_once(void);

/**
 * Given the @p work the last dw_napi_poll_once() did, park if the mode says
 * the lcore has been idle long enough (see dw_napi_park()). Poll mode never
 * parks; interrupt mode parks after one idle iteration; adaptive mode too,
 * unless its busy-poll window after an rx wake is open.
 * @return 1 if it slept, 0 if it did not (busy, spinning, poll mode, or the
 *   park was aborted because work showed up); -ENOTSUP (not in a loop).
 * Context: the lcore, inside its loop; may sleep.
 */
int dw_napi_try_park(unsigned int work);

/**
 * Park now: arm every source (-EAGAIN: abort), re-check sources, BH lane,
 * timers and control flags, announce parked, re-check once more, then sleep
 * in epoll until a source fd, the doorbell, the next BH timer or the sleep
 * ramp wakes it; un-announce, drain the doorbell, disarm. Sources are polled
 * by the next dw_napi_poll_once().
 * @return 1 if it slept, 0 if the park was aborted; -ENOTSUP (not in a loop);
 *   -errno of epoll_wait() other than EINTR.
 * Context: the lcore, inside its loop; may sleep.
 */
int dw_napi_park(void);

/**
 * Whether the calling lcore was asked to stop.
 * @return true once dw_lcore_stop() was called for it (or when called off an
 *   EAL lcore); false otherwise.
 * Context: the lcore; one acquire load.
 */
bool dw_napi_should_stop(void);

/**
 * End the calling lcore's loop: sources disarmed, kick hook removed, the BH
 * lane handed to the conf's trustee with dw_bh_lane_offline() (for good:
 * later BH work queued on this lcore runs on the trustee, even if a loop is
 * launched here again) and the trustee woken; with DW_LCORE_F_KEEP_LANE the
 * lane stays here instead. Sources stay registered.
 * @return Number of BH items and timers moved (>= 0); -ENOTSUP (not in a
 *   loop); the error of dw_bh_lane_offline() (the loop is ended anyway).
 * Context: the lcore itself.
 */
int dw_napi_loop_end(void);

/**
 * The whole loop: dw_napi_loop_begin(@p conf), then poll and park until
 * dw_lcore_stop(), then dw_napi_loop_end(). Meant for
 * rte_eal_remote_launch((lcore_function_t *)dw_lcore_run, conf, lcore).
 * @return 0 after a stop; the error of dw_napi_loop_begin(); the error of
 *   dw_napi_park() that ended the loop (after dw_napi_loop_end()).
 * Context: an EAL worker lcore (or the main lcore); runs until stopped.
 */
int dw_lcore_run(const struct dw_lcore_conf *conf);

/**
 * Launch dw_lcore_run() on worker @p lcore (@p conf is copied; NULL:
 * defaults) and wait until its loop runs, so that dw_lcore_stop() can follow
 * at once. Wait for the end with rte_eal_wait_lcore().
 * @return 0; -EINVAL (not an EAL worker lcore, conf size below 0.1.0's);
 *   -E2BIG (conf bigger than this library's with a non-zero byte beyond it);
 *   -EALREADY (its loop runs);
 *   -EBUSY (the lcore is busy with another function); the error
 *   dw_napi_loop_begin() returned on the lcore.
 * Context: main lcore (rte_eal_remote_launch()'s rule); sleeps briefly.
 */
int dw_lcore_launch(unsigned int lcore, const struct dw_lcore_conf *conf);

/**
 * Ask @p lcore's loop to stop; it ends after its current iteration (a parked
 * lcore is woken). Wait for it with rte_eal_wait_lcore().
 * @return 0; -EINVAL (not an EAL lcore); -ENOENT (its loop does not run).
 * Context: any thread; may wait briefly for napi_lock (loop begin/end, registration).
 */
int dw_lcore_stop(unsigned int lcore);

/**
 * Wake @p lcore if it is parked (a relaxed load when it is not): for
 * producers that made work visible to one of its sources without an fd.
 * Call it after publishing the work.
 * @return 0; -EINVAL (not an EAL lcore).
 * Context: any thread; does not sleep; one eventfd write if parked.
 */
int dw_lcore_wake(unsigned int lcore);

/**
 * Switch @p lcore's mode at run time; a parked lcore is woken to apply it.
 * @return 0; -EINVAL (not an EAL lcore or bad mode).
 * Context: any thread; does not sleep.
 */
int dw_lcore_set_mode(unsigned int lcore, enum dw_napi_mode mode);

/** Why a parked lcore woke up. */
enum dw_napi_wake {
	DW_NAPI_WAKE_RX = 0,   /**< A source's interrupt fd. */
	DW_NAPI_WAKE_DOORBELL, /**< The doorbell (BH work, dw_lcore_wake(), control). */
	DW_NAPI_WAKE_TIMER,    /**< The next BH timer's deadline. */
	DW_NAPI_WAKE_TIMEOUT,  /**< The sleep ramp or the probe bound. */
	DW_NAPI_WAKE_MAX,
};

/** Counters of one lcore's loop (single writer: the lcore). */
struct dw_lcore_stats {
	enum dw_napi_mode mode;
	bool running;	      /**< Between loop begin and end. */
	bool parked;	      /**< Sleeping now. */
	uint64_t loops;	      /**< dw_napi_poll_once() calls. */
	uint64_t busy_ns;     /**< Time in iterations that found work. */
	uint64_t poll_ns;     /**< Time in iterations that found none (incl. spinning, parking). */
	uint64_t sleep_ns;    /**< Time asleep in epoll. */
	uint64_t work;	      /**< Work done by sources (packets). */
	uint64_t bh_items;    /**< BH items run. */
	uint64_t parks;	      /**< Sleeps. */
	uint64_t park_aborts; /**< Parks given up because work showed up. */
	uint64_t wakeups[DW_NAPI_WAKE_MAX];	 /**< Wakes by reason. */
	uint64_t wake_lat[DW_NAPI_LAT_BUCKETS];	 /**< Wake latency, log2 ns buckets. */
	uint64_t selftest_fallbacks;		 /**< Sources demoted by the self-test. */
	uint64_t fd_updates;			 /**< Source fds (re-)registered in epoll. */
	char last_busy_source[DW_NAPI_NAME_LEN]; /**< Source that last kept the lcore awake. */
	uint64_t busy_poll_hits;		 /**< Adaptive: work found in a busy-poll window. */
	uint64_t busy_poll_misses; /**< Adaptive: windows that closed without work (then parked). */
	uint64_t busy_poll_est_ns; /**< Adaptive: the learned gap the next window follows. */
};

/**
 * Read @p lcore's counters.
 * @return 0; -EINVAL (NULL @p st, not an EAL lcore).
 * @p size: sizeof the caller's struct as its header had it (dw_lcore_stats_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: any thread; the values are read one by one (not a snapshot).
 */
int dw_lcore_stats_get_sized(unsigned int lcore, struct dw_lcore_stats *st, size_t size);

/**
 * dw_lcore_stats_get_sized() with this header's struct size: the call to use.
 * Context: as dw_lcore_stats_get_sized().
 */
static inline int
dw_lcore_stats_get(unsigned int lcore, struct dw_lcore_stats *st)
{
	return dw_lcore_stats_get_sized(lcore, st, sizeof(*st));
}

#ifdef __cplusplus
}
#endif

#endif /* DW_NAPI_H */
