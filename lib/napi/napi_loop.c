/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/napi, the loop: poll sources and the BH lane, park in epoll with the
 * arm / re-check / announce / re-check protocol, account every wake-up.
 * Everything here runs on the lcore that owns the state.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_launch.h>

#include "dw_bh.h"
#include "dw_clock.h"
#include "dw_common.h"
#include "common_private.h"
#include "dw_debug.h"
#include "dw_netdev.h"
#include "dw_trace.h"
#include "napi_private.h"

#define NAPI_MAX_EVENTS (DW_NAPI_MAX_SOURCES + 1)
/* At most one self-test warning per lcore per second. */
#define NAPI_WARN_INTERVAL_NS DW_NS_PER_S
/* Timer slack of a looping lcore, so that the first steps of the ramp are microseconds. */
#define NAPI_TIMERSLACK_NS 1000

/* Cleared (relaxed, by any lcore) when the kernel lacks epoll_pwait2(). */
static uint32_t napi_have_pwait2 = 1;

static inline struct napi_lcore *
napi_self(void)
{
	unsigned int id = rte_lcore_id();

	if (unlikely(id >= RTE_MAX_LCORE))
		return NULL;
	/* Only the owner sets running for its own lcore: a plain read is its own write. */
	if (unlikely(!__atomic_load_n(&napi_lcores[id].running, __ATOMIC_RELAXED)))
		return NULL;
	return &napi_lcores[id];
}

static void
napi_kick(unsigned int lcore, void *arg)
{
	RTE_SET_USED(lcore);
	napi_ring(arg);
}

/*
 * The epoll set holds the loop's own dup of a source's fd, never the
 * source's number: a source may close its fd before telling us
 * (dw_napi_source_set_fd() after close()), and that number may meanwhile name
 * another file (another source's new fd, any other thread's fd); deleting by
 * the old number would then drop or hit the wrong registration.
 */
void
napi_epoll_drop(struct napi_lcore *lc, struct dw_napi_source *src)
{
	if (src->ep_dup >= 0) {
		if (lc->epfd >= 0)
			epoll_ctl(lc->epfd, EPOLL_CTL_DEL, src->ep_dup, NULL);
		close(src->ep_dup);
	}
	src->ep_dup = -1;
	src->ep_fd = -1;
}

void
napi_sync_fds(struct napi_lcore *lc)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct dw_napi_source *src;
	uint32_t i, gen;
	int want, dup;

	for (i = 0; i < lc->nb_srcs; i++) {
		src = lc->srcs[i];
		/* Acquire: pairs with the release in dw_napi_source_set_fd(); fd read after. */
		gen = __atomic_load_n(&src->fd_gen, __ATOMIC_ACQUIRE);
		if (gen != src->ep_gen)
			NAPI_STAT_SET(src->intr_ok,
				      src->arm != NULL); /* a new fd is tested afresh */
		want = src->intr_ok ? __atomic_load_n(&src->fd, __ATOMIC_RELAXED) : -1;
		if (want == src->ep_fd && gen == src->ep_gen)
			continue;
		napi_epoll_drop(lc, src);
		src->ep_gen = gen;
		NAPI_STAT_SET(src->intr_seen, false);
		src->silent = 0;
		NAPI_STAT_ADD(lc->st.fd_updates, 1);
		if (want < 0)
			continue;
		ev.data.ptr = src;
		dup = fcntl(want, F_DUPFD_CLOEXEC, 0);
		if (dup < 0 || epoll_ctl(lc->epfd, EPOLL_CTL_ADD, dup, &ev) < 0) {
			NAPI_LOG(WARNING, "lcore %u: %s: fd %d not added to epoll (%s): sleep ramp",
				 lc->lcore, src->name, want, strerror(errno));
			if (dup >= 0)
				close(dup);
			continue;
		}
		src->ep_fd = want;
		src->ep_dup = dup;
	}
}

static inline void
napi_lat_add(struct napi_lcore *lc, uint64_t ns)
{
	unsigned int b = 63 - (unsigned int)__builtin_clzll(ns | 1);

	if (b >= DW_NAPI_LAT_BUCKETS)
		b = DW_NAPI_LAT_BUCKETS - 1;
	NAPI_STAT_ADD(lc->st.wake_lat[b], 1);
}

/*
 * Interrupt self-test, after a wake by timeout found work on @p src: an
 * interrupt never seen to fire while work keeps arriving is not trusted
 * any more. The warning and the epoll removal wait for the next park.
 */
static void
napi_selftest(struct napi_lcore *lc, struct dw_napi_source *src)
{
	if (!src->intr_ok || src->ep_fd < 0 || src->intr_seen)
		return;
	if (++src->silent < lc->conf.selftest_misses)
		return;
	NAPI_STAT_SET(src->intr_ok, false);
	memcpy(lc->demoted, src->name, sizeof(lc->demoted));
	NAPI_STAT_ADD(lc->st.selftest_fallbacks, 1);
	__atomic_store_n(&lc->fd_dirty, 1, __ATOMIC_RELAXED); /* our own flag: no pairing */
}

/* Poll every source once; returns the work done. */
static inline unsigned int
napi_poll_sources(struct napi_lcore *lc)
{
	struct dw_napi_source *src;
	unsigned int work = 0, n;
	uint32_t i;

	for (i = 0; i < lc->nb_srcs; i++) {
		src = lc->srcs[i];
		n = src->poll(src, src->weight);
		if (n == 0)
			continue;
		if (unlikely(n > src->weight))
			n = src->weight;
		work += n;
		NAPI_STAT_ADD(src->work, n);
		NAPI_STAT_ADD(src->polls, 1);
		if (lc->last_busy != src)
			__atomic_store_n(&lc->last_busy, src, __ATOMIC_RELAXED);
		if (unlikely(lc->timeout_wake))
			napi_selftest(lc, src);
	}
	if (work != 0) {
		NAPI_STAT_ADD(lc->st.work, work);
		lc->ramp_ns = lc->ramp_min_ns;
	}
	return work;
}

/* dw_napi_poll_once() for the loop's own @p lc. */
static inline unsigned int
napi_poll_once(struct napi_lcore *lc)
{
	unsigned int work, bh;
	uint64_t t0, t1;

	/* Statistics only: the TSC (decisions on time stay on dw_now_ns()). */
	t0 = rte_rdtsc();
	if (unlikely(lc->wake_ns != 0)) {
		/* wake_ns is a dw_now_ns() time (the ringer's or epoll's return). */
		napi_lat_add(lc, dw_now_ns() - lc->wake_ns);
		lc->wake_ns = 0;
	}
	work = napi_poll_sources(lc);
	lc->timeout_wake = false;
	bh = dw_bh_lane_run(lc->conf.bh_items, lc->bh_ns);
	/* Nothing loaded from a port's fast path is held past this point. */
	dw_netdev_reader_quiescent();
	t1 = rte_rdtsc();
	NAPI_STAT_ADD(lc->st.loops, 1);
	if (work + bh == 0) {
		NAPI_STAT_ADD(lc->poll_tsc, t1 - t0);
		return 0;
	}
	NAPI_STAT_ADD(lc->busy_tsc, t1 - t0);
	NAPI_STAT_ADD(lc->st.bh_items, bh);
	return work + bh;
}

unsigned int
dw_napi_poll_once(void)
{
	struct napi_lcore *lc = napi_self();

	if (unlikely(lc == NULL))
		return 0;
	return napi_poll_once(lc);
}

/*
 * Anything that would make sleeping wrong: work on a source, BH items or an
 * expired BH timer, a stop, a new fd, poll mode. Producers publish each of
 * these before their fence in napi_ring().
 */
static bool
napi_recheck(struct napi_lcore *lc)
{
	uint64_t now;

	if (napi_poll_sources(lc) != 0) {
		/*
		 * Work that came while the lcore was going to sleep is what an rx
		 * wake would have brought: adaptive mode opens its window on it.
		 */
		if (__atomic_load_n(&lc->mode, __ATOMIC_RELAXED) == DW_NAPI_MODE_ADAPTIVE) {
			now = dw_now_ns();
			napi_win_wake(&lc->win, now, true);
			napi_win_work(&lc->win, now);
		}
		return true;
	}
	if (dw_bh_lane_pending(lc->lcore) || dw_bh_lane_next_timer(lc->lcore) <= dw_now_ns())
		return true;
	return __atomic_load_n(&lc->stop, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&lc->fd_dirty, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&lc->mode, __ATOMIC_RELAXED) == DW_NAPI_MODE_POLL;
}

static void
napi_warn_demoted(struct napi_lcore *lc, uint64_t now)
{
	if (now - lc->warn_ns < NAPI_WARN_INTERVAL_NS && lc->warn_ns != 0) {
		lc->warn_suppressed++;
	} else {
		NAPI_LOG(WARNING,
			 "lcore %u: %s: work found after %u timeout wakes but its interrupt never "
			 "fired: polled with the sleep ramp from now on (%u similar suppressed)",
			 lc->lcore, lc->demoted, lc->conf.selftest_misses, lc->warn_suppressed);
		lc->warn_ns = now;
		lc->warn_suppressed = 0;
	}
	lc->demoted[0] = '\0';
}

static void
napi_disarm(struct napi_lcore *lc)
{
	struct dw_napi_source *src;
	uint32_t i;

	for (i = 0; i < lc->nb_srcs; i++) {
		src = lc->srcs[i];
		if (src->armed) {
			src->disarm(src);
			src->armed = false;
		}
	}
}

/*
 * Test builds, fake clock running: the deadline comes when a test advances the
 * clock, so wait in 1 ms slices and look at the (fake) time between them.
 */
static int
napi_wait_fake(struct napi_lcore *lc, struct epoll_event *evs, uint64_t deadline)
{
	struct dw_clock_sleeper s;
	int n;

	dw_clock_sleep_begin(&s);
	while ((n = epoll_wait(lc->epfd, evs, NAPI_MAX_EVENTS, 1)) == 0 &&
	       !dw_clock_sleep_check(&s, deadline))
		;
	dw_clock_sleep_end(&s);
	return n;
}

/* epoll_wait until @p deadline (dw_now_ns() clock, UINT64_MAX: none), with ns resolution. */
static int
napi_wait(struct napi_lcore *lc, struct epoll_event *evs, uint64_t deadline)
{
	uint64_t now, rel, ms;
	struct timespec ts;
	int n;

	if (deadline == UINT64_MAX)
		return epoll_wait(lc->epfd, evs, NAPI_MAX_EVENTS, -1);
	if (unlikely(dw_clock_is_fake()))
		return napi_wait_fake(lc, evs, deadline);
	now = dw_now_ns();
	rel = deadline > now ? deadline - now : 0;
	if (__atomic_load_n(&napi_have_pwait2, __ATOMIC_RELAXED)) {
		ts = dw_ns_to_timespec(rel);
		n = epoll_pwait2(lc->epfd, evs, NAPI_MAX_EVENTS, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		__atomic_store_n(&napi_have_pwait2, 0, __ATOMIC_RELAXED);
	}
	ms = (rel + DW_NS_PER_MS - 1) / DW_NS_PER_MS;
	return epoll_wait(lc->epfd, evs, NAPI_MAX_EVENTS, (int)RTE_MIN(ms, (uint64_t)INT_MAX));
}

/*
 * Empty the doorbell after epoll reported it @p readable, or after an
 * aborted park during which a producer may have rung, and let the next
 * sleep be rung again. Returns the ring's time, 0 if none.
 */
static uint64_t
napi_drain_doorbell(struct napi_lcore *lc, bool readable)
{
	uint64_t val, ring_ns;

	/* Acquire: pairs with the ringer's CAS; its ring_ns store comes after it. */
	if (!readable && !__atomic_load_n(&lc->rung, __ATOMIC_ACQUIRE))
		return 0;
	if (read(lc->doorbell, &val, sizeof(val)) < 0) {
		/* EAGAIN: the ringer has not written yet; its write makes one spurious wake. */
	}
	ring_ns = __atomic_exchange_n(&lc->ring_ns, 0, __ATOMIC_RELAXED);
	/* Release: the drain is done before a new ringer's CAS (acq_rel) can win. */
	__atomic_store_n(&lc->rung, 0, __ATOMIC_RELEASE);
	return ring_ns;
}

int
dw_napi_park(void)
{
	struct napi_lcore *lc = napi_self();
	struct epoll_event evs[NAPI_MAX_EVENTS];
	uint64_t t0, t_sleep, t_wake, timer, deadline = UINT64_MAX, ring_ns;
	bool bound = false, probe = false, by_timer = false, doorbell = false, rx = false;
	struct dw_napi_source *src;
	enum dw_napi_wake why;
	int i, n, rc;

	if (lc == NULL)
		return -ENOTSUP;
	/* Poll mode never sleeps, even when asked directly. */
	if (__atomic_load_n(&lc->mode, __ATOMIC_RELAXED) == DW_NAPI_MODE_POLL)
		return 0;
	t0 = dw_now_ns();
	/* Acquire: pairs with the release in dw_napi_source_set_fd(). */
	if (__atomic_exchange_n(&lc->fd_dirty, 0, __ATOMIC_ACQUIRE))
		napi_sync_fds(lc);
	if (lc->demoted[0] != '\0')
		napi_warn_demoted(lc, t0);

	/* 1. Arm every source that has a working interrupt. */
	for (i = 0; i < (int)lc->nb_srcs; i++) {
		src = lc->srcs[i];
		src->armed = false;
		if (!src->intr_ok || src->ep_fd < 0) {
			bound = true;
			continue;
		}
		rc = src->arm(src);
		if (rc == 0) {
			src->armed = true;
			if (!src->intr_seen || (src->flags & DW_NAPI_SRC_F_ARM_NOCHECK))
				probe = true;
		} else if (rc == -EAGAIN) {
			src->armed = true;
			NAPI_STAT_ADD(src->arm_retries, 1);
			goto abort;
		} else if (rc == -ENOTSUP) {
			NAPI_STAT_SET(src->intr_ok, false);
			__atomic_store_n(&lc->fd_dirty, 1, __ATOMIC_RELAXED); /* own flag */
			bound = true;
		} else {
			NAPI_STAT_ADD(src->arm_errors, 1);
			bound = true;
		}
	}
	DW_PAUSE_POINT("napi.park.armed");
	/* 2. Re-check what arming does not cover: sources without fd, the lane, timers, flags. */
	if (napi_recheck(lc))
		goto abort;
	/*
	 * 3. Announce. Seq_cst store then fence: pairs with the fence in
	 * napi_ring(). A producer either sees parked and rings, or published
	 * its work before our fence, and the re-check below sees it.
	 */
	DW_PAUSE_POINT("napi.park.announcing");
	__atomic_store_n(&lc->parked, 1, __ATOMIC_SEQ_CST);
	NAPI_SEQ_CST_FENCE();
	DW_PAUSE_POINT("napi.park.announced");
	/* 4. Re-check once more, now that producers may skip the ring. */
	if (napi_recheck(lc)) {
		/* Seq_cst: same pairing as the announce; a producer may have rung meanwhile. */
		__atomic_store_n(&lc->parked, 0, __ATOMIC_SEQ_CST);
		napi_drain_doorbell(lc, false);
		goto abort;
	}

	/* 5. Sleep: source fds and the doorbell, until the next timer or the ramp/probe bound. */
	t_sleep = dw_now_ns();
	/* Readers count a sleep in progress too (a long one would show as 0 % otherwise). */
	__atomic_store_n(&lc->sleep_since, t_sleep, __ATOMIC_RELAXED);
	if (bound)
		deadline = t_sleep + lc->ramp_ns;
	if (probe)
		deadline = RTE_MIN(deadline, t_sleep + lc->probe_ns);
	timer = dw_bh_lane_next_timer(lc->lcore);
	if (timer != UINT64_MAX && timer <= deadline) {
		deadline = timer;
		by_timer = true;
	}
	DW_PAUSE_POINT("napi.park.sleeping");
	/* Asleep, the lcore holds no fast path: port teardowns do not wait for it. */
	dw_netdev_reader_offline();
	dw_trace_napi_park(lc->lcore, deadline == UINT64_MAX ? 0 : deadline - t_sleep);
	n = napi_wait(lc, evs, deadline);
	rc = n < 0 ? -errno : 0;
	/* Online (its fence ends it) before anything below touches a port (disarm). */
	dw_netdev_reader_online();
	t_wake = dw_now_ns();

	/*
	 * 6. Un-announce. Seq_cst store + fence: a producer that still sees
	 * parked rings a doorbell we drain below or at the next sleep; one
	 * that sees 0 published its work before our poll (after this fence).
	 */
	__atomic_store_n(&lc->parked, 0, __ATOMIC_SEQ_CST);
	NAPI_SEQ_CST_FENCE();
	for (i = 0; i < n; i++) {
		if (evs[i].data.ptr == lc) {
			doorbell = true;
			continue;
		}
		src = evs[i].data.ptr;
		rx = true;
		NAPI_STAT_SET(src->intr_seen, true);
		src->silent = 0;
		NAPI_STAT_ADD(src->intr_wakes, 1);
	}
	/* Level-triggered: a readable doorbell is always read, or the next sleep would spin. */
	ring_ns = napi_drain_doorbell(lc, doorbell);
	napi_disarm(lc);

	if (rx)
		why = DW_NAPI_WAKE_RX;
	else if (doorbell)
		why = DW_NAPI_WAKE_DOORBELL;
	else if (by_timer)
		why = DW_NAPI_WAKE_TIMER;
	else
		why = DW_NAPI_WAKE_TIMEOUT;
	/*
	 * Wake latency, for wakes something asked for: a doorbell's starts at
	 * the ring; an fd's at epoll's return (the device's edge is not timed).
	 */
	if (why == DW_NAPI_WAKE_DOORBELL && ring_ns != 0 && ring_ns <= t_wake)
		lc->wake_ns = ring_ns;
	else if (why == DW_NAPI_WAKE_DOORBELL || why == DW_NAPI_WAKE_RX)
		lc->wake_ns = t_wake;
	if (why == DW_NAPI_WAKE_TIMEOUT || why == DW_NAPI_WAKE_TIMER)
		lc->timeout_wake = true;
	if (why == DW_NAPI_WAKE_TIMEOUT && bound)
		lc->ramp_ns = RTE_MIN(lc->ramp_ns * 2, lc->ramp_max_ns);
	/* Adaptive mode follows an rx wake with its busy-poll window (napi_window.h). */
	if (__atomic_load_n(&lc->mode, __ATOMIC_RELAXED) == DW_NAPI_MODE_ADAPTIVE)
		napi_win_wake(&lc->win, t_wake, why == DW_NAPI_WAKE_RX);
	else
		napi_win_reset(&lc->win);
	NAPI_STAT_ADD(lc->st.parks, 1);
	NAPI_STAT_ADD(lc->st.wakeups[why], 1);
	dw_trace_napi_wake(lc->lcore, why, t_wake - t_sleep);
	/* Clear first: a reader may undercount this sleep for a moment, never count it twice. */
	__atomic_store_n(&lc->sleep_since, 0, __ATOMIC_RELAXED);
	NAPI_STAT_ADD(lc->st.sleep_ns, t_wake - t_sleep);
	NAPI_STAT_ADD(lc->st.poll_ns, (t_sleep - t0) + (dw_now_ns() - t_wake));
	if (rc < 0 && rc != -EINTR) {
		NAPI_LOG(ERR, "lcore %u: epoll_wait: %s", lc->lcore, strerror(-rc));
		return rc;
	}
	return 1;

abort:
	napi_disarm(lc);
	NAPI_STAT_ADD(lc->st.park_aborts, 1);
	NAPI_STAT_ADD(lc->st.poll_ns, dw_now_ns() - t0);
	return 0;
}

/* dw_napi_try_park() for the loop's own @p lc. */
static inline int
napi_try_park(struct napi_lcore *lc, unsigned int work)
{
	if (work != 0) {
		/* Only after an rx wake in adaptive mode: poll mode never reads the clock. */
		if (unlikely(napi_win_watching(&lc->win)))
			napi_win_work(&lc->win, dw_now_ns());
		return 0;
	}
	switch (__atomic_load_n(&lc->mode, __ATOMIC_RELAXED)) {
	case DW_NAPI_MODE_INTERRUPT:
		break;
	case DW_NAPI_MODE_ADAPTIVE:
		/* An open window (after an rx wake's work) keeps the lcore polling. */
		if (lc->win.open_ns != 0 && napi_win_idle(&lc->win, dw_now_ns()))
			return 0;
		break;
	default:
		return 0;
	}
	return dw_napi_park();
}

int
dw_napi_try_park(unsigned int work)
{
	struct napi_lcore *lc = napi_self();

	if (unlikely(lc == NULL))
		return -ENOTSUP;
	return napi_try_park(lc, work);
}

/* Validate @p conf (NULL: defaults) into @p lc's runtime parameters. */
static int
napi_apply_conf(struct napi_lcore *lc, unsigned int id, const struct dw_lcore_conf *conf)
{
	struct dw_lcore_conf c = { .size = sizeof(c), .trustee = -1 };
	int32_t t;
	int rc;

	if (conf != NULL && (rc = DW_CONF_COPY(dw_napi_logtype, &c, conf, trustee)) < 0)
		return rc;
	if ((c.flags & ~DW_LCORE_F_ALL) || (unsigned int)c.mode >= DW_NAPI_MODE_MAX) {
		NAPI_LOG(ERR, "lcore %u: bad conf size, flags 0x%x or mode %d", id, c.flags,
			 (int)c.mode);
		return -EINVAL;
	}
	c.spin_us = c.spin_us ? c.spin_us : DW_NAPI_DFL_SPIN_US;
	c.busy_poll_budget_us =
	    c.busy_poll_budget_us ? c.busy_poll_budget_us : DW_NAPI_DFL_BUSY_POLL_BUDGET_US;
	c.bh_items = c.bh_items ? c.bh_items : DW_NAPI_DFL_BH_ITEMS;
	c.bh_us = c.bh_us ? c.bh_us : DW_NAPI_DFL_BH_US;
	c.ramp_min_us = c.ramp_min_us ? c.ramp_min_us : DW_NAPI_DFL_RAMP_MIN_US;
	c.ramp_max_us = c.ramp_max_us ? c.ramp_max_us : DW_NAPI_DFL_RAMP_MAX_US;
	c.probe_us = c.probe_us ? c.probe_us : DW_NAPI_DFL_PROBE_US;
	c.selftest_misses = c.selftest_misses ? c.selftest_misses : DW_NAPI_DFL_SELFTEST_MISSES;
	if (c.busy_poll_budget_us > DW_NAPI_MAX_BUSY_POLL_BUDGET_US) {
		NAPI_LOG(ERR, "lcore %u: busy_poll_budget_us %u over %u", id, c.busy_poll_budget_us,
			 DW_NAPI_MAX_BUSY_POLL_BUDGET_US);
		return -EINVAL;
	}
	if (c.ramp_min_us > c.ramp_max_us) {
		NAPI_LOG(ERR, "lcore %u: ramp_min_us %u over ramp_max_us %u", id, c.ramp_min_us,
			 c.ramp_max_us);
		return -EINVAL;
	}
	t = c.trustee;
	if (t == -1) {
		/* The main lcore, or for the main lcore itself the next lcore; none: no hand-over.
		 */
		t = (int32_t)rte_get_main_lcore();
		if ((unsigned int)t == id) {
			unsigned int next = rte_get_next_lcore(id, 1, 1);

			t = next < RTE_MAX_LCORE && next != id ? (int32_t)next : -1;
		}
	} else if (t < 0 || t >= RTE_MAX_LCORE || !rte_lcore_is_enabled((unsigned int)t) ||
		   (unsigned int)t == id) {
		NAPI_LOG(ERR, "lcore %u: trustee %d is not another EAL lcore", id, (int)t);
		return -EINVAL;
	}
	lc->conf = c;
	lc->trustee = t;
	napi_win_init(&lc->win, c.spin_us * DW_NS_PER_US, c.busy_poll_budget_us * DW_NS_PER_US);
	lc->bh_ns = c.bh_us * DW_NS_PER_US;
	lc->ramp_min_ns = c.ramp_min_us * DW_NS_PER_US;
	lc->ramp_max_ns = c.ramp_max_us * DW_NS_PER_US;
	lc->probe_ns = c.probe_us * DW_NS_PER_US;
	lc->ramp_ns = lc->ramp_min_ns;
	__atomic_store_n(&lc->mode, (uint32_t)c.mode, __ATOMIC_RELAXED);
	return 0;
}

/* Epoll set and doorbell, made by an lcore's first loop and kept for the process. */
static int
napi_make_fds(struct napi_lcore *lc)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = lc };
	int rc;

	lc->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lc->epfd < 0) {
		rc = -errno;
		NAPI_LOG(ERR, "lcore %u: epoll_create1: %s", lc->lcore, strerror(errno));
		goto fail;
	}
	lc->doorbell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (lc->doorbell < 0) {
		rc = -errno;
		NAPI_LOG(ERR, "lcore %u: eventfd: %s", lc->lcore, strerror(errno));
		goto close_ep;
	}
	/* Level-triggered: the doorbell is drained after every wake that saw it. */
	if (epoll_ctl(lc->epfd, EPOLL_CTL_ADD, lc->doorbell, &ev) < 0) {
		rc = -errno;
		NAPI_LOG(ERR, "lcore %u: epoll_ctl(doorbell): %s", lc->lcore, strerror(errno));
		goto close_db;
	}
	return 0;

close_db:
	close(lc->doorbell);
close_ep:
	close(lc->epfd);
fail:
	lc->epfd = -1;
	lc->doorbell = -1;
	return rc;
}

int
dw_napi_loop_begin(const struct dw_lcore_conf *conf)
{
	unsigned int id = rte_lcore_id();
	struct napi_lcore *lc;
	int rc, slack;

	if (id >= RTE_MAX_LCORE) {
		NAPI_LOG(ERR, "not called on an EAL lcore");
		return -ENOTSUP;
	}
	napi_lib_once();
	lc = &napi_lcores[id];
	pthread_mutex_lock(&napi_lock);
	if (lc->running) {
		NAPI_LOG(ERR, "lcore %u runs its loop already", id);
		rc = -EALREADY;
		goto unlock;
	}
	lc->lcore = id;
	rc = napi_apply_conf(lc, id, conf);
	if (rc < 0)
		goto unlock;
	if (!lc->configured) {
		rc = napi_make_fds(lc);
		if (rc < 0)
			goto unlock;
	}
	__atomic_store_n(&lc->fd_dirty, 0, __ATOMIC_RELAXED);
	napi_sync_fds(lc);
	lc->wake_ns = 0;
	lc->timeout_wake = false;
	__atomic_store_n(&lc->configured, 1, __ATOMIC_RELAXED);
	/* Release: pairs with the acquire of dw_lcore_stop() and the stats readers. */
	__atomic_store_n(&lc->running, 1, __ATOMIC_RELEASE);
unlock:
	pthread_mutex_unlock(&napi_lock);
	if (rc < 0)
		return rc;
	/*
	 * A fast-path reader from here to loop end. -EALREADY: the application
	 * made this thread a reader itself and keeps it after the loop.
	 */
	rc = dw_netdev_reader_register();
	lc->reader = rc == 0;
	if (rc < 0 && rc != -EALREADY)
		NAPI_LOG(WARNING,
			 "lcore %u: not a fast-path reader (%s): stop ports before their lcores",
			 id, strerror(-rc));
	rc = 0;
	/* Items queued before the hook is in place are seen by the first poll. */
	if (dw_bh_set_kick(id, napi_kick, lc) < 0)
		NAPI_LOG(WARNING, "lcore %u: no BH lane: the loop polls sources only", id);
	slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	lc->timerslack = slack > 0 ? (unsigned long)slack : 0;
	prctl(PR_SET_TIMERSLACK, NAPI_TIMERSLACK_NS, 0, 0, 0);
	return 0;
}

int
dw_napi_loop_end(void)
{
	struct napi_lcore *lc = napi_self();
	int rc = 0;

	if (lc == NULL)
		return -ENOTSUP;
	dw_bh_set_kick(lc->lcore, NULL, NULL);
	napi_disarm(lc);
	/* After the last disarm: a port teardown no longer waits for this lcore. */
	if (lc->reader)
		dw_netdev_reader_unregister();
	lc->reader = false;
	if (lc->timerslack != 0)
		prctl(PR_SET_TIMERSLACK, lc->timerslack, 0, 0, 0);
	if (lc->conf.flags & DW_LCORE_F_KEEP_LANE) {
		/* Items queued from now on wait for the next loop here. */
	} else if (lc->trustee < 0) {
		NAPI_LOG(INFO, "lcore %u: no other lcore: its BH lane keeps its items", lc->lcore);
	} else {
		/* Nothing queued is lost: items and timers move, later queueing goes there too. */
		rc = dw_bh_lane_offline(lc->lcore, (unsigned int)lc->trustee);
		if (rc < 0)
			NAPI_LOG(ERR, "lcore %u: BH lane not handed to lcore %d: %s", lc->lcore,
				 (int)lc->trustee, strerror(-rc));
		else
			napi_ring(&napi_lcores[lc->trustee]);
	}
	/*
	 * Last: release. Whoever sees running == 0 with acquire (stats,
	 * dw_lcore_launch(), the sources' registration) also sees everything
	 * this loop did, the hand-over included.
	 */
	pthread_mutex_lock(&napi_lock);
	__atomic_store_n(&lc->stop, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&lc->running, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&napi_lock);
	return rc;
}

int
dw_lcore_run(const struct dw_lcore_conf *conf)
{
	struct napi_lcore *lc;
	int rc, end;

	rc = dw_napi_loop_begin(conf);
	if (rc < 0)
		return rc;
	/*
	 * The building blocks' own loop, on this lcore's state found once:
	 * rte_lcore_id() from a shared library is a __tls_get_addr() call,
	 * three per iteration through the public calls.
	 */
	lc = &napi_lcores[rte_lcore_id()];
	/* Acquire: pairs with the release in dw_lcore_stop() (as dw_napi_should_stop()). */
	while (!__atomic_load_n(&lc->stop, __ATOMIC_ACQUIRE)) {
		rc = napi_try_park(lc, napi_poll_once(lc));
		if (rc < 0)
			break;
	}
	end = dw_napi_loop_end();
	RTE_SET_USED(end); /* logged by dw_napi_loop_end() */
	return rc < 0 ? rc : 0;
}

static int
napi_launch_fn(void *arg)
{
	struct napi_lcore *lc = container_of(arg, struct napi_lcore, launch_conf);
	int rc = dw_lcore_run(arg);

	/* Release: pairs with the acquire in dw_lcore_launch() (a loop that failed to begin). */
	__atomic_store_n(&lc->launch_done, 1, __ATOMIC_RELEASE);
	return rc;
}

int
dw_lcore_launch(unsigned int lcore, const struct dw_lcore_conf *conf)
{
	struct napi_lcore *lc;
	int rc;

	if (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore) ||
	    lcore == rte_get_main_lcore()) {
		NAPI_LOG(ERR, "lcore %u is not an EAL worker lcore", lcore);
		return -EINVAL;
	}
	lc = &napi_lcores[lcore];
	/* Acquire: pairs with the releases of running in loop begin/end. */
	if (__atomic_load_n(&lc->running, __ATOMIC_ACQUIRE)) {
		NAPI_LOG(ERR, "lcore %u runs its loop already", lcore);
		return -EALREADY;
	}
	if (conf != NULL) {
		rc = DW_CONF_COPY(dw_napi_logtype, &lc->launch_conf, conf, trustee);
		if (rc < 0)
			return rc;
	} else {
		lc->launch_conf = (struct dw_lcore_conf){ .size = sizeof(*conf), .trustee = -1 };
	}
	__atomic_store_n(&lc->launch_done, 0, __ATOMIC_RELAXED);
	rc = rte_eal_remote_launch(napi_launch_fn, &lc->launch_conf, lcore);
	if (rc < 0) {
		NAPI_LOG(ERR, "lcore %u: rte_eal_remote_launch: %s", lcore, strerror(-rc));
		return rc;
	}
	/* Until the loop runs (so dw_lcore_stop() works at once) or has failed. */
	/* Acquires: pair with the release in dw_napi_loop_begin() and in napi_launch_fn(). */
	while (!__atomic_load_n(&lc->running, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&lc->launch_done, __ATOMIC_ACQUIRE))
			return rte_eal_wait_lcore(lcore);
		usleep(50);
	}
	return 0;
}
