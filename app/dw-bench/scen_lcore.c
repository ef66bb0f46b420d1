/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lcore scenarios: BH lanes against a plain rte_ring handoff with a polling
 * consumer, and the napi loop's idle cost and wake-up latency against a raw
 * eventfd -> epoll floor. The main lcore produces; the second lcore runs one
 * function whose phase says what it does (poll the ring, run the napi loop,
 * wait in a bare epoll), so both mechanisms are measured in the same run,
 * interleaved per repetition.
 *
 * Writes lcore_lat.csv, lcore_rate.csv and lcore_idle.csv.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "bench.h"
#include "dw_bh.h"
#include "dw_napi.h"

enum phase { PH_IDLE, PH_RING, PH_NAPI, PH_EPOLL, PH_EXIT };

/* A handoff item: the same callback whether a lane or the ring delivers it. */
struct lat_item {
	struct dw_work w;
	void (*fn)(struct lat_item *li);
	uint64_t ran; /* rte_rdtsc() when run (atomic), 0 before */
};

static struct rte_ring *ring;
static int phase __rte_cache_aligned;		/* atomic; main: wo, worker: ro */
static int worker_state;			/* atomic; 0 starting, 1 running, -1 failed */
static clockid_t worker_clk;			/* worker's CPU clock, set before worker_state */
static int efd = -1, epfd = -1;			/* the eventfd floor */
static uint64_t epoll_woke __rte_cache_aligned; /* atomic; tsc when the bare epoll returned */
static uint64_t drained __rte_cache_aligned;	/* atomic; items run by count_fn */
static unsigned int worker_lcore;

static void
stamp_fn(struct lat_item *li)
{
	__atomic_store_n(&li->ran, rte_rdtsc(), __ATOMIC_RELEASE);
}

static void
count_fn(struct lat_item *li)
{
	RTE_SET_USED(li);
	/* Single writer per measurement; relaxed add keeps it cheap on one lcore. */
	__atomic_store_n(&drained, __atomic_load_n(&drained, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

static void
bh_fn(struct dw_work *w)
{
	struct lat_item *li = container_of(w, struct lat_item, w);

	li->fn(li);
}

static void
ring_poll(void)
{
	void *objs[32];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(ring, objs, RTE_DIM(objs), NULL);
	for (i = 0; i < n; i++) {
		struct lat_item *li = objs[i];

		li->fn(li);
	}
}

static int
worker_main(void *arg)
{
	struct dw_lcore_conf conf = { .size = sizeof(conf), .mode = DW_NAPI_MODE_POLL };
	struct epoll_event ev;
	uint64_t v;
	int ph;

	RTE_SET_USED(arg);
	pthread_getcpuclockid(pthread_self(), &worker_clk);
	if (dw_napi_loop_begin(&conf) < 0) {
		__atomic_store_n(&worker_state, -1, __ATOMIC_RELEASE);
		return -1;
	}
	__atomic_store_n(&worker_state, 1, __ATOMIC_RELEASE);
	while ((ph = __atomic_load_n(&phase, __ATOMIC_ACQUIRE)) != PH_EXIT) {
		switch (ph) {
		case PH_RING:
			ring_poll();
			break;
		case PH_NAPI:
			dw_napi_try_park(dw_napi_poll_once());
			break;
		case PH_EPOLL:
			if (epoll_wait(epfd, &ev, 1, 100) == 1 && read(efd, &v, sizeof(v)) > 0)
				__atomic_store_n(&epoll_woke, rte_rdtsc(), __ATOMIC_RELEASE);
			break;
		default:
			rte_pause();
		}
	}
	dw_napi_loop_end();
	return 0;
}

static void
set_phase(int ph, enum dw_napi_mode mode)
{
	dw_lcore_set_mode(worker_lcore, mode);
	__atomic_store_n(&phase, ph, __ATOMIC_RELEASE);
	dw_lcore_wake(worker_lcore);
	bench_sleep_until(bench_now_ns() + 20000000); /* let it settle */
}

/* Wait (bounded) until the worker's napi loop is parked. */
static void
wait_parked(void)
{
	struct dw_lcore_stats st;
	uint64_t end = bench_now_ns() + 10000000;

	bench_sleep_until(bench_now_ns() + 100000);
	do {
		dw_lcore_stats_get(worker_lcore, &st);
		if (st.parked)
			return;
		bench_sleep_until(bench_now_ns() + 20000);
	} while (bench_now_ns() < end);
}

enum lat_mech { M_BH_SELF, M_RING_SELF, M_BH_REMOTE, M_RING_REMOTE, M_EVENTFD };

/* One queue-to-run latency sample, in TSC cycles. */
static uint64_t
lat_once(enum lat_mech m, struct lat_item *li)
{
	uint64_t t0, t;

	li->fn = stamp_fn;
	__atomic_store_n(&li->ran, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&epoll_woke, 0, __ATOMIC_RELAXED);
	t0 = rte_rdtsc();
	switch (m) {
	case M_BH_SELF:
		dw_queue_work(dw_system_bh_wq, &li->w);
		dw_bh_lane_run(64, 0);
		break;
	case M_RING_SELF:
		rte_ring_mp_enqueue(ring, li);
		ring_poll();
		break;
	case M_BH_REMOTE:
		dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &li->w);
		break;
	case M_RING_REMOTE:
		rte_ring_mp_enqueue(ring, li);
		break;
	case M_EVENTFD:
		eventfd_write(efd, 1);
		while ((t = __atomic_load_n(&epoll_woke, __ATOMIC_ACQUIRE)) == 0)
			rte_pause();
		return t - t0;
	}
	while ((t = __atomic_load_n(&li->ran, __ATOMIC_ACQUIRE)) == 0)
		rte_pause();
	return t - t0;
}

static void
lat_series(struct bench_csv *csv, unsigned int rep, const char *cas, const char *mech,
	   enum lat_mech m, unsigned int n, bool parked)
{
	double *v = malloc(n * sizeof(*v)), ns_per_cyc = 1e9 / (double)rte_get_tsc_hz();
	struct lat_item li = { 0 };
	double p50, p99, p999;
	unsigned int i;

	dw_work_init(&li.w, bh_fn);
	for (i = 0; i < n; i++) {
		if (parked && m == M_EVENTFD)
			bench_sleep_until(bench_now_ns() + 200000);
		else if (parked)
			wait_parked();
		v[i] = (double)lat_once(m, &li) * ns_per_cyc;
	}
	p999 = bench_pct(v, n, 99.9);
	p99 = bench_pct(v, n, 99);
	p50 = bench_pct(v, n, 50);
	bench_csv_row(csv, "%u,%s,%s,%u,%.0f,%.0f,%.0f,%.0f", rep, cas, mech, n, p50, p99, p999,
		      v[n - 1]);
	printf("  lat  %-14s %-9s p50 %8.0f ns  p99 %8.0f ns\n", cas, mech, p50, p99);
	fflush(stdout);
	free(v);
}

/* Batch of the same-lcore rate test: small enough to stay in the lcore's caches. */
#define RATE_BATCH 4096u

/* Push @p n items to the lane or ring of @p lcore (DW_WORK_ANY: the caller's). */
static void
rate_push(struct lat_item *items, unsigned int n, int lcore, bool bh)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (bh)
			dw_queue_work_on(lcore, dw_system_bh_wq, &items[i].w);
		else
			while (rte_ring_mp_enqueue(ring, &items[i]) != 0)
				rte_pause();
	}
}

/*
 * Items/s. Same lcore: push a batch on the lcore's own lane (or the ring),
 * then drain it, @p n items in all; push and drain are timed apart. Other
 * lcore: push @p n items to the busy-polling worker, timed from the first push
 * to the last run (a pipeline: the slower side sets the rate).
 */
static void
rate_series(struct bench_csv *csv, unsigned int rep, const char *cas, const char *mech,
	    struct lat_item *items, unsigned int n, bool remote, bool bh)
{
	double ns_per_cyc = 1e9 / (double)rte_get_tsc_hz(), rates[64], prates[64], pmed, med, best;
	unsigned int i, b = remote ? n : RTE_MIN(n, RATE_BATCH), nb = 0;
	uint64_t t0, t1, done;

	for (i = 0; i < n; i++) {
		dw_work_init(&items[i].w, bh_fn);
		items[i].fn = count_fn;
	}
	for (done = 0; done + b <= n && nb < RTE_DIM(rates); done += b) {
		__atomic_store_n(&drained, 0, __ATOMIC_RELEASE);
		t0 = rte_rdtsc();
		/*
		 * Same lcore: every batch reuses the first @b items, so they are
		 * in the caches as the batch size intends (walking the array
		 * made each push a cache miss, serialised by the item's CAS, and
		 * measured memory, not the lane; the ring never touches an item
		 * when it enqueues).
		 */
		rate_push(remote ? items + done : items, b,
			  remote ? (int)worker_lcore : DW_WORK_ANY, bh);
		t1 = rte_rdtsc();
		prates[nb] = b / ((double)(t1 - t0) * ns_per_cyc / 1e9);
		while (__atomic_load_n(&drained, __ATOMIC_ACQUIRE) < b) {
			if (remote)
				rte_pause();
			else if (bh)
				dw_bh_lane_run(1u << 30, 0);
			else
				ring_poll();
		}
		rates[nb++] = b / ((double)(rte_rdtsc() - (remote ? t0 : t1)) * ns_per_cyc / 1e9);
	}
	/* A batch during which another tenant preempted the lcore is slow: median and best. */
	best = bench_pct(rates, nb, 100);
	med = bench_pct(rates, nb, 50);
	/* Pushes too: the median batch (a sum over batches is spoilt by one preemption). */
	pmed = bench_pct(prates, nb, 50);
	bench_csv_row(csv, "%u,%s,%s,%u,%.0f,%.0f,%.0f", rep, cas, mech, b, pmed, med, best);
	printf("  rate %-14s %-9s push %6.1f M/s  drain %6.1f M/s (best batch %.1f)\n", cas, mech,
	       pmed / 1e6, med / 1e6, best / 1e6);
	fflush(stdout);
}

static uint64_t
clk_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* CPU share of the worker lcore over @p ms of idleness in a phase and mode. */
static void
idle_series(struct bench_csv *csv, unsigned int rep, const char *name, int ph,
	    enum dw_napi_mode mode, unsigned int ms)
{
	struct dw_lcore_stats s0, s1;
	uint64_t c0, c1, w0, w1;

	set_phase(ph, mode);
	dw_lcore_stats_get(worker_lcore, &s0);
	c0 = clk_ns(worker_clk);
	w0 = bench_now_ns();
	bench_sleep_until(w0 + (uint64_t)ms * 1000000);
	c1 = clk_ns(worker_clk);
	w1 = bench_now_ns();
	dw_lcore_stats_get(worker_lcore, &s1);
	bench_csv_row(csv, "%u,%s,%.3f,%.5f,%" PRIu64 ",%" PRIu64, rep, name, (w1 - w0) / 1e9,
		      (double)(c1 - c0) / (double)(w1 - w0), s1.parks - s0.parks,
		      s1.loops - s0.loops);
	printf("  idle %-10s cpu %6.2f %%  parks %" PRIu64 "\n", name,
	       100.0 * (double)(c1 - c0) / (double)(w1 - w0), s1.parks - s0.parks);
	fflush(stdout);
}

/* Queue-to-run latency: same lcore, a busy polling lcore, a parked lcore. */
static void
lat_part(struct bench_csv *lat, unsigned int rep, unsigned int nlat, unsigned int npark)
{
	set_phase(PH_IDLE, DW_NAPI_MODE_POLL);
	lat_series(lat, rep, "same-lcore", "bh", M_BH_SELF, nlat, false);
	lat_series(lat, rep, "same-lcore", "ring", M_RING_SELF, nlat, false);
	set_phase(PH_RING, DW_NAPI_MODE_POLL);
	lat_series(lat, rep, "busy-lcore", "ring", M_RING_REMOTE, nlat, false);
	set_phase(PH_NAPI, DW_NAPI_MODE_POLL);
	lat_series(lat, rep, "busy-lcore", "bh", M_BH_REMOTE, nlat, false);
	set_phase(PH_NAPI, DW_NAPI_MODE_INTERRUPT);
	lat_series(lat, rep, "parked-lcore", "bh", M_BH_REMOTE, npark, true);
	set_phase(PH_EPOLL, DW_NAPI_MODE_POLL);
	lat_series(lat, rep, "parked-lcore", "eventfd", M_EVENTFD, npark, true);
}

/* Items/s: drained by the producing lcore itself, and handed to a polling lcore. */
static void
rate_part(struct bench_csv *rate, unsigned int rep, struct lat_item *items, unsigned int n)
{
	set_phase(PH_IDLE, DW_NAPI_MODE_POLL);
	rate_series(rate, rep, "same-lcore", "bh", items, n, false, true);
	rate_series(rate, rep, "same-lcore", "ring", items, n, false, false);
	set_phase(PH_RING, DW_NAPI_MODE_POLL);
	rate_series(rate, rep, "other-lcore", "ring", items, n, true, false);
	set_phase(PH_NAPI, DW_NAPI_MODE_POLL);
	rate_series(rate, rep, "other-lcore", "bh", items, n, true, true);
}

/* CPU share of an idle lcore: raw ring polling, and the napi loop in each mode. */
static void
idle_part(struct bench_csv *idle, unsigned int rep, unsigned int ms)
{
	idle_series(idle, rep, "ring-poll", PH_RING, DW_NAPI_MODE_POLL, ms);
	idle_series(idle, rep, "poll", PH_NAPI, DW_NAPI_MODE_POLL, ms);
	idle_series(idle, rep, "adaptive", PH_NAPI, DW_NAPI_MODE_ADAPTIVE, ms);
	idle_series(idle, rep, "interrupt", PH_NAPI, DW_NAPI_MODE_INTERRUPT, ms);
}

static int
setup(void)
{
	struct epoll_event ev = { .events = EPOLLIN };

	worker_lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	if (worker_lcore >= RTE_MAX_LCORE || dw_system_bh_wq == NULL) {
		fprintf(stderr,
			"dw-bench: the lcore part needs two lcores (-l 0-1) and BH lanes\n");
		return -EINVAL;
	}
	ring = rte_ring_create("dwb_ring", 1 << 17, (int)rte_socket_id(), RING_F_SC_DEQ);
	efd = eventfd(0, EFD_NONBLOCK);
	epfd = epoll_create1(0);
	if (ring == NULL || efd < 0 || epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0) {
		fprintf(stderr, "dw-bench: ring/eventfd/epoll setup failed\n");
		return -ENOMEM;
	}
	if (rte_eal_remote_launch(worker_main, NULL, worker_lcore) != 0)
		return -EBUSY;
	while (__atomic_load_n(&worker_state, __ATOMIC_ACQUIRE) == 0)
		rte_pause();
	return __atomic_load_n(&worker_state, __ATOMIC_ACQUIRE) > 0 ? 0 : -EIO;
}

static void
teardown(void)
{
	__atomic_store_n(&phase, PH_EXIT, __ATOMIC_RELEASE);
	dw_lcore_wake(worker_lcore);
	rte_eal_wait_lcore(worker_lcore);
	if (epfd >= 0)
		close(epfd);
	if (efd >= 0)
		close(efd);
	rte_ring_free(ring);
}

int
bench_lcore_scenarios(const struct bench_opts *o)
{
	unsigned int nlat = o->quick ? 2000 : 20000, npark = o->quick ? 200 : 2000;
	unsigned int nrate = o->quick ? 1 << 14 : 1 << 16, idle_ms = o->quick ? 300 : 3000, rep, i;
	struct bench_csv lat = { 0 }, rate = { 0 }, idle = { 0 };
	struct lat_item *items = calloc(nrate, sizeof(*items));
	int rc;

	if (items == NULL)
		return -ENOMEM;
	rc = setup();
	if (rc < 0)
		goto out;
	if (bench_csv_open(&lat, o->out_dir, "lcore_lat",
			   "rep,case,mech,samples,p50_ns,p99_ns,p999_ns,max_ns") < 0 ||
	    bench_csv_open(&rate, o->out_dir, "lcore_rate",
			   "rep,case,mech,batch,push_per_s,drain_per_s,drain_best_per_s") < 0 ||
	    bench_csv_open(&idle, o->out_dir, "lcore_idle",
			   "rep,mode,seconds,cpu_share,parks,loops") < 0) {
		rc = -EIO;
		goto stop;
	}
	for (rep = 0; rep < o->reps; rep++) {
		if (bench_want(o, "lat"))
			lat_part(&lat, rep, nlat, npark);
		/* Short windows: a preempted lcore spoils one, so take several. */
		for (i = 0; i < 3 && bench_want(o, "rate"); i++)
			rate_part(&rate, rep, items, nrate);
		if (bench_want(o, "idle"))
			idle_part(&idle, rep, idle_ms);
	}
stop:
	bench_csv_close(&idle);
	bench_csv_close(&rate);
	bench_csv_close(&lat);
	teardown();
out:
	free(items);
	return rc;
}
