/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Slow-path scenarios: dwork's concurrency-managed pools against a fixed
 * pthread pool of N and 4N, a thread per item, GLib, libuv and the EAL alarm
 * thread. Each writes <out>/<scenario>.csv (columns: RUN_CSV_HEADER).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define MS (UINT64_C(1000000))
#define SEC (UINT64_C(1000000000))

enum { K_SHORT = 0, K_LONG = 1 };

static const char *const all_execs[] = {
	"fixed-N",   "fixed-4N", "per-item",	"glib",		 "libuv",
	"eal-alarm", "dwork",	 "dwork-noann", "dwork-unbound",
};

static struct bench_item *
items_new(unsigned int n)
{
	struct bench_item *it = calloc(n, sizeof(*it));
	unsigned int i;

	if (it == NULL) {
		fprintf(stderr, "dw-bench: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++)
		it[i].idx = i;
	return it;
}

/* CPU first, then sleep (annotated or not, as the executor says). */
static void
cpu_sleep_fn(struct bench_item *it)
{
	if (it->cpu_us)
		bench_burn_us(it->cpu_us);
	if (it->sleep_us)
		bench_sleep_us(it->ex, it->sleep_us);
}

/* Measured CPU floor: @p n items of @p cpu_us on the fixed-N pool, no output. */
static double
cpu_floor_ms(unsigned int n, uint64_t cpu_us)
{
	struct bench_item *items = items_new(n);
	struct bench_exec ex;
	uint64_t t0, last = 0;
	unsigned int i;

	bench_exec_lookup("fixed-N", &ex);
	bench_exec_open(&ex);
	for (i = 0; i < n; i++) {
		items[i].fn = cpu_sleep_fn;
		items[i].cpu_us = cpu_us;
	}
	t0 = bench_now_ns();
	for (i = 0; i < n; i++)
		bench_exec_submit(&ex, &items[i]);
	bench_exec_wait_all(&ex, 60 * SEC);
	for (i = 0; i < n; i++)
		if (items[i].t_end > last)
			last = items[i].t_end;
	bench_exec_close(&ex);
	free(items);
	return (double)(last - t0) / 1e6;
}

/* 1. CPU-then-sleep items, sweeping the sleep/CPU ratio. */
static int
scen_sleep_ratio(const struct bench_opts *o)
{
	static const double full[] = { 0.1, 0.3, 1, 3, 10 };
	static const double quick[] = { 0.1, 10 };
	const double *ratios = o->quick ? quick : full;
	unsigned int nr = o->quick ? RTE_DIM(quick) : RTE_DIM(full);
	unsigned int n = o->quick ? 40 : 200, r, rep, e, i;
	const uint64_t cpu_us = 1000;
	struct run_result res;
	struct bench_csv csv;
	struct bench_item *items = items_new(n);
	char param[32];

	if (bench_csv_open(&csv, o->out_dir, "s1_sleep_ratio", RUN_CSV_HEADER) < 0)
		return -1;
	for (rep = 0; rep < o->reps; rep++)
		for (r = 0; r < nr; r++) {
			uint64_t sleep_us = (uint64_t)(ratios[r] * (double)cpu_us);
			double ideal = RTE_MAX((double)n * cpu_us / 1000.0 / bench_ncpu,
					       (double)(cpu_us + sleep_us) / 1000.0);
			double floor =
			    RTE_MAX(cpu_floor_ms(n, cpu_us), (double)(cpu_us + sleep_us) / 1000.0);
			struct run_spec sp = {
				.scenario = "s1",
				.param = param,
				.rep = rep,
				.items = items,
				.n = n,
				.timeout_ns = 60 * SEC,
				.ideal_ms = ideal,
				.floor_ms = floor,
			};

			snprintf(param, sizeof(param), "%g", ratios[r]);
			for (i = 0; i < n; i++) {
				items[i].fn = cpu_sleep_fn;
				items[i].cpu_us = cpu_us;
				items[i].sleep_us = sleep_us;
			}
			for (e = 0; e < RTE_DIM(all_execs); e++)
				bench_run(&csv, all_execs[(e + rep) % RTE_DIM(all_execs)], &sp,
					  &res);
			/*
			 * dwork again right after a dwork run, its workers still there:
			 * separates the pool's ramp-up from its steady state.
			 */
			bench_run(NULL, "dwork", &sp, &res);
			sp.label = "dwork-warm";
			bench_run(&csv, "dwork", &sp, &res);
		}
	bench_csv_close(&csv);
	free(items);
	return 0;
}

/* 2. Work that waits on work: item i queues item i+1 and waits for it. */
struct chain {
	struct bench_item *items;
	sem_t *sems; /* sems[i] is posted when item i ends; outlive the run */
	unsigned int depth;
};

static void
chain_fn(struct bench_item *it)
{
	struct chain *c = it->arg;
	struct bench_item *child;

	if (it->idx + 1 >= c->depth)
		return;
	child = &c->items[it->idx + 1];
	if (bench_exec_submit(it->ex, child) == 0)
		bench_wait_sem(it->ex, child->done);
	else
		fprintf(stderr, "dw-bench: chain submit failed\n");
}

static int
scen_chain(const struct bench_opts *o)
{
	static const unsigned int depths[] = { 8, 32 };
	struct run_result res;
	struct bench_csv csv;
	unsigned int d, e, i;
	char param[16];

	if (bench_csv_open(&csv, o->out_dir, "s2_chain", RUN_CSV_HEADER) < 0)
		return -1;
	for (d = 0; d < RTE_DIM(depths); d++) {
		struct chain c = { .depth = depths[d] };
		struct run_spec sp = {
			.scenario = "s2",
			.param = param,
			.n = c.depth,
			.nsubmit = 1,
			.timeout_ns = (o->quick ? 2 : 5) * SEC,
		};

		c.items = items_new(c.depth);
		c.sems = calloc(c.depth, sizeof(*c.sems));
		sp.items = c.items;
		snprintf(param, sizeof(param), "%u", c.depth);
		for (e = 0; e < RTE_DIM(all_execs); e++) {
			for (i = 0; i < c.depth; i++) {
				sem_init(&c.sems[i], 0, 0);
				c.items[i].fn = chain_fn;
				c.items[i].arg = &c;
				c.items[i].done = &c.sems[i];
			}
			bench_run(&csv, all_execs[e], &sp, &res);
			for (i = 0; i < c.depth; i++)
				sem_destroy(&c.sems[i]);
		}
		free(c.sems);
		free(c.items);
	}
	bench_csv_close(&csv);
	return 0;
}

/* Poisson arrivals: exponential gaps of mean @p mean_us, from a fixed seed. */
static uint64_t *
poisson(unsigned int n, double mean_us, unsigned short seed)
{
	unsigned short xs[3] = { seed, 0x1234, 0x5678 };
	uint64_t *at = malloc(n * sizeof(*at));
	double t = 0;
	unsigned int i;

	if (at == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		t += -log(1.0 - erand48(xs)) * mean_us;
		at[i] = (uint64_t)(t * 1000.0);
	}
	return at;
}

/* Restart the work library with @p flags added to the conf the bench started with. */
static int
relib(const struct dw_work_lib_conf *base, uint32_t flags)
{
	struct dw_work_lib_conf c = *base;
	int rc;

	c.flags |= flags;
	dw_work_lib_fini();
	rc = dw_work_lib_init(&c);
	if (rc < 0)
		fprintf(stderr, "dw-bench: dw_work_lib_init: %s\n", strerror(-rc));
	return rc;
}

/*
 * A Poisson mix of short items (50 us CPU) and long ones, run on each of
 * @p execs; latency percentiles are the short items'. With @p lib_conf, dwork
 * also runs once more with hog detection off (label dwork-nohogdet).
 */
struct mix_spec {
	const char *file, *scenario, *param;
	unsigned int n;
	double mean_gap_us;
	unsigned short seed;
	unsigned int long_every, long_first; /* item i is long if i % every == first... */
	unsigned int long_head;		     /* ...or if i < long_head (queued at t=0) */
	uint64_t long_cpu_us, long_sleep_us;
	const char *const *execs;
	unsigned int nexecs;
	const struct dw_work_lib_conf *lib_conf;
};

/* Every short item's latency, for the CDF plots. */
static void
raw_latencies(struct bench_csv *raw, unsigned int rep, const char *label,
	      const struct bench_item *items, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (items[i].kind == K_SHORT && items[i].t_end != 0)
			bench_csv_row(raw, "%u,%s,%.1f", rep, label,
				      (double)(items[i].t_end - items[i].t_submit) / 1000.0);
}

static int
mixed_load(const struct bench_opts *o, const struct mix_spec *m)
{
	uint64_t *at = poisson(m->n, m->mean_gap_us, m->seed);
	struct bench_item *items = items_new(m->n);
	struct bench_csv csv, raw;
	unsigned int rep, e, i;
	struct run_result res;
	char rawname[64];
	struct run_spec sp = {
		.scenario = m->scenario,
		.param = m->param,
		.items = items,
		.n = m->n,
		.at_ns = at,
		.timeout_ns = 60 * SEC,
		.lat_kind = K_SHORT,
	};
	int rc = 0;

	snprintf(rawname, sizeof(rawname), "%s_raw", m->file);
	if (bench_csv_open(&csv, o->out_dir, m->file, RUN_CSV_HEADER) < 0 ||
	    bench_csv_open(&raw, o->out_dir, rawname, "rep,executor,latency_us") < 0)
		return -1;
	for (i = 0; i < m->n; i++) {
		bool lng =
		    i < m->long_head || (m->long_every && i % m->long_every == m->long_first);

		items[i].fn = cpu_sleep_fn;
		items[i].kind = lng ? K_LONG : K_SHORT;
		items[i].cpu_us = lng ? m->long_cpu_us : 50;
		items[i].sleep_us = lng ? m->long_sleep_us : 0;
		if (i < m->long_head)
			at[i] = 0;
	}
	for (rep = 0; rep < o->reps && rc == 0; rep++) {
		sp.rep = rep;
		sp.label = NULL;
		for (e = 0; e < m->nexecs; e++) {
			bench_run(&csv, m->execs[(e + rep) % m->nexecs], &sp, &res);
			raw_latencies(&raw, rep, m->execs[(e + rep) % m->nexecs], items, m->n);
		}
		if (m->lib_conf == NULL)
			continue;
		if (relib(m->lib_conf, DW_WORK_LIB_F_NO_HOG_DETECT) == 0) {
			sp.label = "dwork-nohogdet";
			bench_run(&csv, "dwork", &sp, &res);
			raw_latencies(&raw, rep, sp.label, items, m->n);
		}
		rc = relib(m->lib_conf, 0);
	}
	bench_csv_close(&raw);
	bench_csv_close(&csv);
	free(items);
	free(at);
	return rc;
}

/* 3. Head-of-line blocking: 1% of items sleep 50 ms among short items at ~5 kHz. */
static int
scen_hol(const struct bench_opts *o)
{
	const struct mix_spec m = {
		.file = "s3_hol",
		.scenario = "s3",
		.param = "1%x50ms",
		.n = o->quick ? 400 : 2000,
		.mean_gap_us = 200,
		.seed = 3,
		.long_every = 100,
		.long_first = 37,
		.long_sleep_us = 50000,
		.execs = all_execs,
		.nexecs = RTE_DIM(all_execs),
	};

	return mixed_load(o, &m);
}

/* 4. CPU hogs (2N items of 300 ms CPU) queued first, then short items at ~1 kHz. */
static int
scen_hogs(const struct bench_opts *o, const struct dw_work_lib_conf *lib_conf)
{
	static const char *const execs[] = { "fixed-N", "fixed-4N", "per-item",
					     "glib",	"libuv",    "dwork" };
	const struct mix_spec m = {
		.file = "s4_hogs",
		.scenario = "s4",
		.param = o->quick ? "2Nx100ms" : "2Nx300ms",
		.n = 2 * bench_ncpu + (o->quick ? 100 : 500),
		.mean_gap_us = 1000,
		.seed = 4,
		.long_head = 2 * bench_ncpu,
		.long_cpu_us = o->quick ? 100000 : 300000,
		.execs = execs,
		.nexecs = RTE_DIM(execs),
		.lib_conf = lib_conf,
	};

	return mixed_load(o, &m);
}

/* 5. Pure CPU: dwork against the fixed N pool, alternating, median ratio. */
static int
scen_cpu(const struct bench_opts *o)
{
	static const char *const execs[] = { "fixed-N", "dwork", "dwork-unbound", "glib" };
	unsigned int n = o->quick ? 100 : 400, reps = o->quick ? 1 : RTE_MAX(o->reps, 5u);
	struct bench_item *items = items_new(n);
	struct run_result res;
	struct bench_csv csv;
	unsigned int rep, e, i;
	struct run_spec sp = {
		.scenario = "s5",
		.param = "1ms",
		.items = items,
		.n = n,
		.timeout_ns = 60 * SEC,
		.ideal_ms = (double)n * 1.0 / bench_ncpu,
	};

	if (bench_csv_open(&csv, o->out_dir, "s5_cpu", RUN_CSV_HEADER) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		items[i].fn = cpu_sleep_fn;
		items[i].cpu_us = 1000;
	}
	for (rep = 0; rep < reps; rep++) {
		sp.rep = rep;
		for (e = 0; e < RTE_DIM(execs); e++)
			bench_run(&csv, execs[(e + rep) % RTE_DIM(execs)], &sp, &res);
	}
	bench_csv_close(&csv);
	free(items);
	return 0;
}

/* A thread that only burns CPU: makes the pool's workers preempted, not blocked. */
static volatile bool spin_stop;

static void *
spinner(void *arg)
{
	RTE_SET_USED(arg);
	while (!spin_stop)
		bench_burn_us(1000);
	return NULL;
}

/*
 * 6. Unannotated blocking. "block": N items sleep 100 ms without telling the
 * pool, then 4N short items; the delay is from the last blocker starting to
 * the first short item starting (detection delay). "preempt": pure CPU items
 * while N spinning threads compete: nothing blocks, so any blocked_detected
 * or extra worker is spurious.
 */
static int
scen_unannotated(const struct bench_opts *o)
{
	static const char *const block_execs[] = { "fixed-N", "dwork", "dwork-noann" };
	unsigned int nb = bench_ncpu, ns = 4 * bench_ncpu, n = nb + ns, rep, e, i;
	unsigned int ncpu_items = o->quick ? 50 : 200;
	struct bench_item *items = items_new(RTE_MAX(n, ncpu_items));
	struct bench_csv csv, dcsv;
	struct run_result res;
	pthread_t spin[8];

	if (bench_csv_open(&csv, o->out_dir, "s6_unannotated", RUN_CSV_HEADER) < 0 ||
	    bench_csv_open(&dcsv, o->out_dir, "s6_detect",
			   "rep,executor,detect_delay_ms,dw_blocked,dw_created") < 0)
		return -1;
	for (rep = 0; rep < o->reps; rep++) {
		struct run_spec sp = {
			.scenario = "s6",
			.param = "block",
			.rep = rep,
			.items = items,
			.n = n,
			.timeout_ns = 30 * SEC,
			.lat_kind = K_SHORT,
		};

		for (e = 0; e < RTE_DIM(block_execs); e++) {
			uint64_t last_block = 0, first_short = UINT64_MAX;

			for (i = 0; i < n; i++) {
				items[i].fn = cpu_sleep_fn;
				items[i].kind = i < nb ? K_LONG : K_SHORT;
				items[i].cpu_us = i < nb ? 0 : 50;
				items[i].sleep_us = i < nb ? 100000 : 0;
			}
			bench_run(&csv, block_execs[e], &sp, &res);
			for (i = 0; i < n; i++) {
				if (i < nb && items[i].t_start > last_block)
					last_block = items[i].t_start;
				if (i >= nb && items[i].t_start < first_short)
					first_short = items[i].t_start;
			}
			bench_csv_row(&dcsv, "%u,%s,%.3f,%" PRIu64 ",%" PRIu64, rep, block_execs[e],
				      first_short > last_block
					  ? (double)(first_short - last_block) / 1e6
					  : 0.0,
				      res.pool.blocked, res.pool.created);
		}

		/* Preempted, never blocked. */
		sp.param = "preempt";
		sp.n = ncpu_items;
		sp.lat_kind = K_SHORT;
		for (i = 0; i < ncpu_items; i++) {
			items[i].fn = cpu_sleep_fn;
			items[i].kind = K_SHORT;
			items[i].cpu_us = 1000;
			items[i].sleep_us = 0;
		}
		spin_stop = false;
		for (i = 0; i < bench_ncpu && i < RTE_DIM(spin); i++)
			pthread_create(&spin[i], NULL, spinner, NULL);
		bench_run(&csv, "dwork-noann", &sp, &res);
		bench_run(&csv, "fixed-N", &sp, &res);
		spin_stop = true;
		for (i = 0; i < bench_ncpu && i < RTE_DIM(spin); i++)
			pthread_join(spin[i], NULL);
	}
	bench_csv_close(&dcsv);
	bench_csv_close(&csv);
	free(items);
	return 0;
}

int
bench_pool_scenarios(const struct bench_opts *o, const struct dw_work_lib_conf *lib_conf)
{
	int rc = 0;

	if (bench_want(o, "s5"))
		rc |= scen_cpu(o);
	if (bench_want(o, "s1"))
		rc |= scen_sleep_ratio(o);
	if (bench_want(o, "s2"))
		rc |= scen_chain(o);
	if (bench_want(o, "s3"))
		rc |= scen_hol(o);
	if (bench_want(o, "s4"))
		rc |= scen_hogs(o, lib_conf);
	if (bench_want(o, "s6"))
		rc |= scen_unannotated(o);
	return rc ? -1 : 0;
}
