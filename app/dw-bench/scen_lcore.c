/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lcore scenarios: BH lanes against a plain rte_ring handoff with a polling
 * consumer and against a floor (a loop doing only what a work item's
 * semantics force per item), and the napi loop's idle cost and wake-up
 * latency against a raw eventfd -> epoll floor. The main lcore produces; the
 * second lcore runs one function whose phase says what it does (poll the
 * ring, run the napi loop, wait in a bare epoll), so every mechanism is
 * measured in the same run, interleaved per repetition.
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

/* PH_NAPI_SRC: the napi loop with the ring and the floor as its sources. */
enum phase { PH_IDLE, PH_RING, PH_NAPI, PH_NAPI_SRC, PH_EPOLL, PH_EXIT };

/* A handoff item: the same callback whether a lane, the ring or the floor delivers it. */
struct lat_item {
	struct dw_work w;
	void (*fn)(struct lat_item *li);
	uint64_t ran; /* rte_rdtsc() when run (atomic), 0 before */
	bool last;    /* rate: the batch's last item, its run ends the batch */
};

static struct rte_ring *ring;
static int phase __rte_cache_aligned;		/* atomic; main: wo, worker: ro */
static int worker_state;			/* atomic; 0 starting, 1 running, -1 failed */
static clockid_t worker_clk;			/* worker's CPU clock, set before worker_state */
static int efd = -1, epfd = -1;			/* the eventfd floor */
static uint64_t epoll_woke __rte_cache_aligned; /* atomic; tsc when the bare epoll returned */
static unsigned int worker_lcore;
/*
 * Rate items count on a line only the consumer writes, and only the batch's
 * last item writes the line the producer waits on: a counter the producer
 * polls would cost the consumer a line transfer per item (for the ring,
 * whose producer finishes long before its consumer, that was most of the
 * measured time). Each has a 128-byte pair to itself (the adjacent-line
 * prefetcher pairs lines).
 */
static struct {
	uint64_t ran; /* consumer: rw; producer: ro after batch_done */
} cons __attribute__((aligned(128)));
static struct {
	uint64_t done; /* atomic; set (release) by the last item of a batch */
} batch __attribute__((aligned(128)));

static void
stamp_fn(struct lat_item *li)
{
	__atomic_store_n(&li->ran, rte_rdtsc(), __ATOMIC_RELEASE);
}

static void
count_fn(struct lat_item *li)
{
	cons.ran++;
	if (li->last) /* FIFO: every item before it ran */
		__atomic_store_n(&batch.done, 1, __ATOMIC_RELEASE);
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

/*
 * The floor: a queue doing, per item, only what a work item's semantics
 * force. Queueing is PENDING's test-and-set and a link (plain stores on the
 * own lcore, one compare-and-swap on a stack head towards another lcore);
 * running is the compare-and-swap that clears PENDING (it decides the race
 * with a canceller) and the call. No flush colour, queuer count, counters,
 * trace, offline check or kick. It borrows the items' state and next fields
 * (every series re-initialises them with dw_work_init()). Consumer side as a
 * lane's: take the whole stack, reverse it, run under a budget.
 */
#define FLOOR_PENDING 1u
struct floor_list {
	struct dw_work *head, *tail;
};
static struct dw_work *floor_inbound __attribute__((aligned(128))); /* atomic: MP stack */
/* The main lcore's own list (same lcore), and the worker's (it drains floor_inbound). */
static struct floor_list floor_own __attribute__((aligned(128)));
static struct floor_list floor_worker __attribute__((aligned(128)));

static bool
floor_claim(struct dw_work *w)
{
	return !(__atomic_fetch_or(&w->state, FLOOR_PENDING, __ATOMIC_ACQ_REL) & FLOOR_PENDING);
}

/* Same lcore: the owner links with plain stores. */
static void
floor_push_own(struct dw_work *w)
{
	if (!floor_claim(w))
		return;
	w->next = NULL;
	if (floor_own.tail != NULL)
		floor_own.tail->next = w;
	else
		floor_own.head = w;
	floor_own.tail = w;
}

static void
floor_push_remote(struct dw_work *w)
{
	struct dw_work *head = __atomic_load_n(&floor_inbound, __ATOMIC_RELAXED);

	if (!floor_claim(w))
		return;
	do {
		w->next = head;
	} while (!__atomic_compare_exchange_n(&floor_inbound, &head, w, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

/* Move the inbound stack, oldest first, to the tail of @p l (one pass). */
static void
floor_take(struct floor_list *l)
{
	struct dw_work *w = __atomic_exchange_n(&floor_inbound, NULL, __ATOMIC_ACQUIRE);
	struct dw_work *newest = w, *newer = NULL, *next;

	if (w == NULL)
		return;
	for (; w != NULL; newer = w, w = next) {
		next = w->next;
		w->next = newer;
	}
	if (l->tail != NULL)
		l->tail->next = newer; /* @newer is the oldest now */
	else
		l->head = newer;
	l->tail = newest;
}

/* Owner of @p l: run up to @p budget items, oldest first. */
static unsigned int
floor_run(struct floor_list *l, unsigned int budget)
{
	unsigned int n = 0;
	struct dw_work *w;
	uint32_t st;

	if (__atomic_load_n(&floor_inbound, __ATOMIC_RELAXED) != NULL)
		floor_take(l);
	while (n < budget && (w = l->head) != NULL) {
		l->head = w->next;
		if (l->head == NULL)
			l->tail = NULL;
		st = __atomic_load_n(&w->state, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&w->state, &st, st & ~FLOOR_PENDING, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			;
		w->func(w);
		n++;
	}
	return n;
}

/* The ring and the floor polled by the napi loop, like a lane, in PH_NAPI_SRC. */
static unsigned int
src_ring_poll(struct dw_napi_source *src, unsigned int budget)
{
	void *objs[32];
	unsigned int n, i, done = 0;

	RTE_SET_USED(src);
	do {
		n = rte_ring_sc_dequeue_burst(ring, objs, RTE_MIN(budget - done, RTE_DIM(objs)),
					      NULL);
		for (i = 0; i < n; i++) {
			struct lat_item *li = objs[i];

			li->fn(li);
		}
		done += n;
	} while (n != 0 && done < budget);
	return done;
}

static unsigned int
src_floor_poll(struct dw_napi_source *src, unsigned int budget)
{
	RTE_SET_USED(src);
	return floor_run(&floor_worker, budget);
}

static struct dw_napi_source srcs[2];

static int
src_init(struct dw_napi_source *src, const char *name, dw_napi_poll_t poll)
{
	struct dw_napi_source_conf c = { .size = sizeof(c), .name = name, .poll = poll, .fd = -1 };

	return dw_napi_source_init(src, &c);
}

/* Worker: register the sources while in PH_NAPI_SRC, unregister otherwise. */
static void
worker_sources(bool on)
{
	static bool registered;
	unsigned int i;

	if (on == registered)
		return;
	for (i = 0; i < RTE_DIM(srcs); i++)
		if (on)
			dw_napi_source_register(worker_lcore, &srcs[i]);
		else
			dw_napi_source_unregister(&srcs[i]);
	registered = on;
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
		worker_sources(ph == PH_NAPI_SRC);
		switch (ph) {
		case PH_RING:
			ring_poll();
			break;
		case PH_NAPI:
		case PH_NAPI_SRC:
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
	worker_sources(false);
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

enum rate_mech { R_BH, R_RING, R_FLOOR };

/* Queue @p n items on the lane, ring or floor of @p lcore (DW_WORK_ANY: the caller's). */
static void
rate_push(struct lat_item *items, unsigned int n, int lcore, enum rate_mech m)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		switch (m) {
		case R_BH:
			dw_queue_work_on(lcore, dw_system_bh_wq, &items[i].w);
			break;
		case R_RING:
			while (rte_ring_mp_enqueue(ring, &items[i]) != 0)
				rte_pause();
			break;
		case R_FLOOR:
			if (lcore == DW_WORK_ANY)
				floor_push_own(&items[i].w);
			else
				floor_push_remote(&items[i].w);
			break;
		}
	}
}

/* Same lcore: run what the caller queued on its own lane, ring or floor. */
static void
rate_drain(enum rate_mech m)
{
	switch (m) {
	case R_BH:
		dw_bh_lane_run(1u << 30, 0);
		break;
	case R_RING:
		ring_poll();
		break;
	case R_FLOOR:
		floor_run(&floor_own, UINT32_MAX);
		break;
	}
}

/*
 * Items/s. Same lcore: push a batch on the lcore's own lane (or ring, or
 * floor), then drain it, @p n items in all; push and drain are timed apart.
 * Other lcore: push @p n items to the busy-polling worker, timed from the
 * first push to the last run (a pipeline: the slower side sets the rate).
 * The batch's last item signals its end (count_fn()); the consumer's count
 * is checked afterwards.
 */
static void
rate_series(struct bench_csv *csv, unsigned int rep, const char *cas, const char *mech,
	    struct lat_item *items, unsigned int n, bool remote, enum rate_mech m)
{
	double ns_per_cyc = 1e9 / (double)rte_get_tsc_hz(), rates[64], prates[64], pmed, med, best;
	unsigned int i, b = remote ? n : RTE_MIN(n, RATE_BATCH), nb = 0;
	uint64_t t0, t1, done, ran0;

	for (i = 0; i < n; i++) {
		dw_work_init(&items[i].w, bh_fn);
		items[i].fn = count_fn;
		items[i].last = i == b - 1;
	}
	for (done = 0; done + b <= n && nb < RTE_DIM(rates); done += b) {
		__atomic_store_n(&batch.done, 0, __ATOMIC_RELAXED);
		/* Remote: the worker wrote cons.ran before the batch.done we saw last. */
		ran0 = cons.ran;
		t0 = rte_rdtsc();
		/*
		 * Same lcore: every batch reuses the first @b items, so they are
		 * in the caches as the batch size intends (walking the array
		 * made each push a cache miss, serialised by the item's CAS, and
		 * measured memory, not the lane; the ring never touches an item
		 * when it enqueues).
		 */
		rate_push(remote ? items + done : items, b,
			  remote ? (int)worker_lcore : DW_WORK_ANY, m);
		t1 = rte_rdtsc();
		prates[nb] = b / ((double)(t1 - t0) * ns_per_cyc / 1e9);
		while (__atomic_load_n(&batch.done, __ATOMIC_ACQUIRE) == 0) {
			if (remote)
				rte_pause();
			else
				rate_drain(m);
		}
		rates[nb++] = b / ((double)(rte_rdtsc() - (remote ? t0 : t1)) * ns_per_cyc / 1e9);
		if (cons.ran - ran0 != b)
			fprintf(stderr, "dw-bench: %s %s: %" PRIu64 " of %u items ran\n", cas, mech,
				cons.ran - ran0, b);
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
	rate_series(rate, rep, "same-lcore", "bh", items, n, false, R_BH);
	rate_series(rate, rep, "same-lcore", "ring", items, n, false, R_RING);
	rate_series(rate, rep, "same-lcore", "floor", items, n, false, R_FLOOR);
	set_phase(PH_RING, DW_NAPI_MODE_POLL);
	rate_series(rate, rep, "other-lcore", "ring", items, n, true, R_RING);
	/* The napi loop polls the ring and the floor as sources, the lane as itself. */
	set_phase(PH_NAPI_SRC, DW_NAPI_MODE_POLL);
	rate_series(rate, rep, "other-lcore", "ring-napi", items, n, true, R_RING);
	rate_series(rate, rep, "other-lcore", "floor", items, n, true, R_FLOOR);
	rate_series(rate, rep, "other-lcore", "bh", items, n, true, R_BH);
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
	if (src_init(&srcs[0], "ring", src_ring_poll) < 0 ||
	    src_init(&srcs[1], "floor", src_floor_poll) < 0) {
		fprintf(stderr, "dw-bench: napi source setup failed\n");
		return -EINVAL;
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
