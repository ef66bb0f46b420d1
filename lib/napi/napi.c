/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/napi, control side: sources, registration, the producers' doorbell,
 * stop, mode switches and counters. The loop itself is in napi_loop.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>

#include "dw_common.h"
#include "common_private.h"
#include "dw_debug.h"
#include "napi_private.h"

RTE_LOG_REGISTER(dw_napi_logtype, dw.napi, INFO);

struct napi_lcore napi_lcores[RTE_MAX_LCORE];
pthread_mutex_t napi_lock = PTHREAD_MUTEX_INITIALIZER;
#if defined(__SANITIZE_THREAD__) || defined(NAPI_TSAN)
uint32_t napi_tsan_fence;
#endif

static pthread_once_t napi_once = PTHREAD_ONCE_INIT;

static void
napi_once_init(void)
{
	napi_telemetry_register();
}

void
napi_lib_once(void)
{
	pthread_once(&napi_once, napi_once_init);
}

static const char *const napi_mode_names[DW_NAPI_MODE_MAX] = {
	[DW_NAPI_MODE_POLL] = "poll",
	[DW_NAPI_MODE_INTERRUPT] = "interrupt",
	[DW_NAPI_MODE_ADAPTIVE] = "adaptive",
};

const char *
dw_napi_mode_name(enum dw_napi_mode mode)
{
	if ((unsigned int)mode >= DW_NAPI_MODE_MAX)
		return NULL;
	return napi_mode_names[mode];
}

int
dw_napi_source_init(struct dw_napi_source *src, const struct dw_napi_source_conf *conf)
{
	struct dw_napi_source_conf c;
	size_t len;
	int rc;

	if (conf != NULL && (rc = DW_CONF_COPY(dw_napi_logtype, &c, conf, arg)) < 0)
		return rc;
	conf = conf != NULL ? &c : NULL;
	if (src == NULL || conf == NULL || conf->poll == NULL || conf->name == NULL) {
		NAPI_LOG(ERR, "NULL source, conf, poll or name, or bad conf size");
		return -EINVAL;
	}
	len = strnlen(conf->name, DW_NAPI_NAME_LEN);
	if (len == 0 || len >= DW_NAPI_NAME_LEN) {
		NAPI_LOG(ERR, "source name empty or longer than %d bytes", DW_NAPI_NAME_LEN - 1);
		return -EINVAL;
	}
	if ((conf->arm == NULL) != (conf->disarm == NULL) || (conf->fd >= 0 && conf->arm == NULL) ||
	    conf->fd < -1) {
		NAPI_LOG(ERR, "%s: arm and disarm go together, an fd needs them", conf->name);
		return -EINVAL;
	}
	if (conf->flags & ~DW_NAPI_SRC_F_ALL) {
		NAPI_LOG(ERR, "%s: unknown flags 0x%x", conf->name,
			 conf->flags & ~DW_NAPI_SRC_F_ALL);
		return -EINVAL;
	}
	/* Acquire: pairs with the release in dw_napi_source_unregister(). */
	if (src->magic == NAPI_SRC_MAGIC && __atomic_load_n(&src->lcore, __ATOMIC_ACQUIRE) >= 0) {
		NAPI_LOG(ERR, "%s: registered on lcore %d", src->name, src->lcore);
		return -EBUSY;
	}
	memset(src, 0, sizeof(*src));
	memcpy(src->name, conf->name, len);
	src->poll = conf->poll;
	src->arm = conf->arm;
	src->disarm = conf->disarm;
	src->arg = conf->arg;
	src->weight = conf->weight ? conf->weight : DW_NAPI_DFL_WEIGHT;
	src->flags = conf->flags;
	src->fd = conf->fd;
	src->ep_fd = -1;
	src->ep_dup = -1;
	src->lcore = -1;
	src->intr_ok = conf->arm != NULL;
	src->magic = NAPI_SRC_MAGIC;
	napi_lib_once();
	return 0;
}

/* Error if a control thread touches the sources of a running loop. */
static int
napi_check_owner(const struct napi_lcore *lc)
{
	/* Acquire: pairs with the releases of running in loop begin/end. */
	if (__atomic_load_n(&lc->running, __ATOMIC_ACQUIRE) && rte_lcore_id() != lc->lcore)
		return -EBUSY;
	return 0;
}

int
dw_napi_source_register(unsigned int lcore, struct dw_napi_source *src)
{
	struct napi_lcore *lc;
	int32_t none = -1;
	int rc;

	if (!napi_src_valid(src)) {
		NAPI_LOG(ERR, "NULL or uninitialised source");
		return -EINVAL;
	}
	if (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore)) {
		NAPI_LOG(ERR, "%s: lcore %u is not an EAL lcore", src->name, lcore);
		return -EINVAL;
	}
	lc = &napi_lcores[lcore];
	pthread_mutex_lock(&napi_lock);
	rc = napi_check_owner(lc);
	if (rc < 0) {
		NAPI_LOG(ERR, "%s: lcore %u runs its loop; register from that lcore", src->name,
			 lcore);
		goto unlock;
	}
	if (lc->nb_srcs == DW_NAPI_MAX_SOURCES) {
		NAPI_LOG(ERR, "%s: lcore %u has %d sources already", src->name, lcore,
			 DW_NAPI_MAX_SOURCES);
		rc = -ENOSPC;
		goto unlock;
	}
	/* Acq_rel: claims the source; pairs with the release in dw_napi_source_unregister(). */
	if (!__atomic_compare_exchange_n(&src->lcore, &none, (int32_t)lcore, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		NAPI_LOG(ERR, "%s: already registered on lcore %d", src->name, none);
		rc = -EEXIST;
		goto unlock;
	}
	lc->lcore = lcore;
	lc->srcs[lc->nb_srcs] = src;
	__atomic_store_n(&lc->nb_srcs, lc->nb_srcs + 1, __ATOMIC_RELAXED);
	/* A running loop (we are its lcore) syncs now; a stopped one at loop begin. */
	if (lc->running)
		napi_sync_fds(lc);
	rc = 0;
unlock:
	pthread_mutex_unlock(&napi_lock);
	return rc;
}

int
dw_napi_source_unregister(struct dw_napi_source *src)
{
	struct napi_lcore *lc;
	int32_t lcore;
	unsigned int i;
	int rc;

	if (!napi_src_valid(src)) {
		NAPI_LOG(ERR, "NULL or uninitialised source");
		return -EINVAL;
	}
	pthread_mutex_lock(&napi_lock);
	/* Acquire: pairs with the CAS in dw_napi_source_register(). */
	lcore = __atomic_load_n(&src->lcore, __ATOMIC_ACQUIRE);
	if (lcore < 0) {
		NAPI_LOG(ERR, "%s: not registered", src->name);
		rc = -ENOENT;
		goto unlock;
	}
	lc = &napi_lcores[lcore];
	rc = napi_check_owner(lc);
	if (rc < 0) {
		NAPI_LOG(ERR, "%s: lcore %d runs its loop; unregister from that lcore", src->name,
			 lcore);
		goto unlock;
	}
	for (i = 0; i < lc->nb_srcs && lc->srcs[i] != src; i++)
		;
	memmove(&lc->srcs[i], &lc->srcs[i + 1], (lc->nb_srcs - i - 1) * sizeof(lc->srcs[0]));
	__atomic_store_n(&lc->nb_srcs, lc->nb_srcs - 1, __ATOMIC_RELAXED);
	napi_epoll_drop(lc, src);
	if (__atomic_load_n(&lc->last_busy, __ATOMIC_RELAXED) == src)
		__atomic_store_n(&lc->last_busy, NULL, __ATOMIC_RELAXED);
	/* Pairs with the acquire in register and init: the source is free for reuse. */
	__atomic_store_n(&src->lcore, -1, __ATOMIC_RELEASE);
	rc = 0;
unlock:
	pthread_mutex_unlock(&napi_lock);
	return rc;
}

int
dw_napi_source_set_fd(struct dw_napi_source *src, int fd)
{
	int32_t lcore;

	if (!napi_src_valid(src) || fd < -1) {
		NAPI_LOG(ERR, "NULL or uninitialised source, or bad fd %d", fd);
		return -EINVAL;
	}
	__atomic_store_n(&src->fd, fd, __ATOMIC_RELAXED);
	/* Release: pairs with the acquire in napi_sync_fds(); the fd is read after the gen. */
	__atomic_fetch_add(&src->fd_gen, 1, __ATOMIC_RELEASE);
	/* Acquire: pairs with the CAS in dw_napi_source_register(). */
	lcore = __atomic_load_n(&src->lcore, __ATOMIC_ACQUIRE);
	if (lcore < 0)
		return 0;
	/*
	 * Release: the new fd is visible to the owner once it sees the flag
	 * (its exchange in dw_napi_park() acquires). The ring's fence then
	 * orders the flag before the parked load, so a parked owner is woken
	 * and one about to park sees the flag in its re-check.
	 */
	__atomic_store_n(&napi_lcores[lcore].fd_dirty, 1, __ATOMIC_RELEASE);
	napi_ring(&napi_lcores[lcore]);
	return 0;
}

void
napi_ring(struct napi_lcore *lc)
{
	uint32_t zero = 0;
	uint64_t one = 1;

	/*
	 * The producer half of the Dekker pair: our work (a BH push, a flag, a
	 * packet in a ring) is published before this fence; the owner's
	 * seq_cst store of parked is followed by its own fence before it
	 * re-checks (dw_napi_park()). Either we see parked == 1 and ring, or
	 * the owner's re-check sees our work. Acquire on parked also makes the
	 * owner's doorbell fd (written before its first announce) visible.
	 */
	NAPI_SEQ_CST_FENCE();
	if (!__atomic_load_n(&lc->parked, __ATOMIC_ACQUIRE))
		return;
	/* One write per sleep: later ringers see rung set (the owner clears it after draining). */
	if (__atomic_load_n(&lc->rung, __ATOMIC_RELAXED) ||
	    !__atomic_compare_exchange_n(&lc->rung, &zero, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&lc->ring_ns, dw_now_ns(), __ATOMIC_RELAXED);
	if (write(lc->doorbell, &one, sizeof(one)) < 0) {
		/* EAGAIN only: the counter is at its maximum, the owner will wake anyway. */
	}
}

int
dw_lcore_wake(unsigned int lcore)
{
	if (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore)) {
		NAPI_LOG(ERR, "lcore %u is not an EAL lcore", lcore);
		return -EINVAL;
	}
	napi_ring(&napi_lcores[lcore]);
	return 0;
}

int
dw_lcore_stop(unsigned int lcore)
{
	struct napi_lcore *lc;

	if (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore)) {
		NAPI_LOG(ERR, "lcore %u is not an EAL lcore", lcore);
		return -EINVAL;
	}
	lc = &napi_lcores[lcore];
	/*
	 * Check and store under napi_lock, as loop begin/end write running and
	 * stop: a stop that saw the loop running cannot land after
	 * dw_napi_loop_end() cleared stop (it would stay set and end the next
	 * loop at once).
	 */
	pthread_mutex_lock(&napi_lock);
	/* Acquire: pairs with the release in dw_napi_loop_begin(). */
	if (!__atomic_load_n(&lc->running, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&napi_lock);
		NAPI_LOG(ERR, "lcore %u does not run its loop", lcore);
		return -ENOENT;
	}
	DW_PAUSE_POINT("napi.lcore_stop.checked");
	/* Release: pairs with the acquire in dw_napi_should_stop(); the ring's fence follows. */
	__atomic_store_n(&lc->stop, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&napi_lock);
	napi_ring(lc);
	return 0;
}

int
dw_lcore_set_mode(unsigned int lcore, enum dw_napi_mode mode)
{
	if (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore) ||
	    (unsigned int)mode >= DW_NAPI_MODE_MAX) {
		NAPI_LOG(ERR, "lcore %u is not an EAL lcore or mode %d is unknown", lcore,
			 (int)mode);
		return -EINVAL;
	}
	/* Relaxed: the mode is advice read each iteration; the ring wakes a parked owner. */
	__atomic_store_n(&napi_lcores[lcore].mode, (uint32_t)mode, __ATOMIC_RELAXED);
	napi_ring(&napi_lcores[lcore]);
	return 0;
}

bool
dw_napi_should_stop(void)
{
	unsigned int id = rte_lcore_id();

	if (id >= RTE_MAX_LCORE)
		return true;
	/* Acquire: pairs with the release in dw_lcore_stop(). */
	return __atomic_load_n(&napi_lcores[id].stop, __ATOMIC_ACQUIRE) != 0;
}

static int
lcore_stats_fill(unsigned int lcore, struct dw_lcore_stats *st)
{
	const struct dw_lcore_stats *s;
	struct dw_napi_source *busy;
	struct napi_lcore *lc;
	uint64_t since, now, hz;
	unsigned int i;

	if (st == NULL || lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore)) {
		NAPI_LOG(ERR, "NULL stats or lcore %u not an EAL lcore", lcore);
		return -EINVAL;
	}
	lc = &napi_lcores[lcore];
	s = &lc->st;
	memset(st, 0, sizeof(*st));
	st->mode = (enum dw_napi_mode)__atomic_load_n(&lc->mode, __ATOMIC_RELAXED);
	/* Acquire: pairs with the release in dw_napi_loop_end(): the counters below are final. */
	st->running = __atomic_load_n(&lc->running, __ATOMIC_ACQUIRE) != 0;
	st->parked = __atomic_load_n(&lc->parked, __ATOMIC_RELAXED) != 0;
#define NAPI_RD(f) (st->f = __atomic_load_n(&s->f, __ATOMIC_RELAXED))
	NAPI_RD(loops);
	NAPI_RD(busy_ns);
	NAPI_RD(poll_ns);
	/* The loop's iterations count TSC cycles; parks count ns into poll_ns directly. */
	hz = rte_get_tsc_hz();
	st->busy_ns += napi_tsc_to_ns(__atomic_load_n(&lc->busy_tsc, __ATOMIC_RELAXED), hz);
	st->poll_ns += napi_tsc_to_ns(__atomic_load_n(&lc->poll_tsc, __ATOMIC_RELAXED), hz);
	NAPI_RD(sleep_ns);
	since = __atomic_load_n(&lc->sleep_since, __ATOMIC_RELAXED);
	now = dw_now_ns();
	if (since != 0 && now > since)
		st->sleep_ns += now - since; /* the sleep in progress */
	NAPI_RD(work);
	NAPI_RD(bh_items);
	NAPI_RD(parks);
	NAPI_RD(park_aborts);
	NAPI_RD(selftest_fallbacks);
	st->busy_poll_hits = __atomic_load_n(&lc->win.hits, __ATOMIC_RELAXED);
	st->busy_poll_misses = __atomic_load_n(&lc->win.misses, __ATOMIC_RELAXED);
	st->busy_poll_est_ns = __atomic_load_n(&lc->win.est_ns, __ATOMIC_RELAXED);
	NAPI_RD(fd_updates);
	for (i = 0; i < DW_NAPI_WAKE_MAX; i++)
		NAPI_RD(wakeups[i]);
	for (i = 0; i < DW_NAPI_LAT_BUCKETS; i++)
		NAPI_RD(wake_lat[i]);
#undef NAPI_RD
	/* Unregister clears last_busy under the lock: the source stays valid while we copy. */
	pthread_mutex_lock(&napi_lock);
	busy = __atomic_load_n(&lc->last_busy, __ATOMIC_RELAXED);
	if (busy != NULL)
		memcpy(st->last_busy_source, busy->name, sizeof(st->last_busy_source));
	pthread_mutex_unlock(&napi_lock);
	return 0;
}

int
dw_lcore_stats_get_sized(unsigned int lcore, struct dw_lcore_stats *st, size_t size)
{
	struct dw_lcore_stats full;
	int rc = dw_out_check(dw_napi_logtype, __func__, st, size,
			      DW_CONF_END(struct dw_lcore_stats, busy_poll_est_ns));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = lcore_stats_fill(lcore, &full);
	if (rc == 0)
		dw_out_put(st, size, &full, sizeof(full));
	return rc;
}
