/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One run: open the executor, submit the batch (at once or on an arrival
 * schedule), wait with a timeout, and account what it cost. A run that times
 * out is reported as such; its waiting items are released (bench_abort) so
 * that the executor can be closed and the bench goes on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "run.h"

static uint64_t
thread_csw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

static unsigned int
distinct_tids(const struct bench_item *items, unsigned int n)
{
	pid_t *t = malloc(n * sizeof(*t));
	unsigned int i, k = 0, d = 0;

	if (t == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (items[i].t_end != 0)
			t[k++] = items[i].tid;
	qsort(t, k, sizeof(*t), cmp_pid);
	for (i = 0; i < k; i++)
		if (i == 0 || t[i] != t[i - 1])
			d++;
	free(t);
	return d;
}

static void
latencies(const struct run_spec *sp, struct run_result *r)
{
	double *v = malloc(sp->n * sizeof(*v));
	unsigned int i, k = 0;

	if (v == NULL)
		return;
	for (i = 0; i < sp->n; i++) {
		const struct bench_item *it = &sp->items[i];

		if (it->kind == sp->lat_kind && it->t_end != 0)
			v[k++] = (double)(it->t_end - it->t_submit) / 1000.0;
	}
	r->p99_us = bench_pct(v, k, 99);
	r->p50_us = bench_pct(v, k, 50);
	r->max_us = k ? v[k - 1] : 0;
	free(v);
}

static void
write_row(struct bench_csv *csv, const char *label, const struct run_spec *sp,
	  const struct run_result *r)
{
	double tput = r->makespan_ms > 0 ? sp->n / (r->makespan_ms / 1000.0) : 0;

	bench_csv_row(
	    csv,
	    "%s,%s,%u,%s,%s,%u,%.3f,%.3f,%.3f,%.4f,%.4f,%.1f,%.1f,%.1f,%.1f,%u,%.2f,%u,%.2f,"
	    "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%.2f,%.3f",
	    sp->scenario, sp->param, sp->rep, label, r->timed_out ? "timeout" : "ok", sp->n,
	    r->makespan_ms, sp->ideal_ms, sp->floor_ms,
	    sp->ideal_ms > 0 ? r->makespan_ms / sp->ideal_ms : 0,
	    sp->floor_ms > 0 ? r->makespan_ms / sp->floor_ms : 0, tput, r->p50_us, r->p99_us,
	    r->max_us, r->peak_threads, r->mean_threads, r->tids, r->csw_per_item, r->rss_kib,
	    r->pool.created, r->pool.blocked, r->pool.hogs, r->peak_running, r->cpu_ms,
	    r->makespan_ms > 0 ? r->cpu_ms / r->makespan_ms : 0);
	printf("  %-8s %-6s %-15s %-7s makespan %9.2f ms  p50 %9.1f us  p99 %9.1f us  thr %3u\n",
	       sp->scenario, sp->param, label, r->timed_out ? "TIMEOUT" : "ok", r->makespan_ms,
	       r->p50_us, r->p99_us, r->peak_threads);
	fflush(stdout);
}

int
bench_run(struct bench_csv *csv, const char *exec_name, const struct run_spec *sp,
	  struct run_result *res)
{
	unsigned int i, nsubmit = sp->nsubmit ? sp->nsubmit : sp->n, base_tasks;
	struct bench_pool_sum p0, p1;
	struct bench_sample s0, s1;
	struct bench_sampler smp;
	uint64_t t0, last = 0, main_csw0, main_csw1, sampler_csw;
	struct bench_exec ex;
	bool unbound;
	int64_t csw;
	int rc;

	memset(res, 0, sizeof(*res));
	if (bench_exec_lookup(exec_name, &ex) < 0)
		return -ENOENT;
	for (i = 0; i < sp->n; i++) {
		sp->items[i].t_submit = sp->items[i].t_start = sp->items[i].t_end = 0;
		sp->items[i].tid = 0;
	}
	unbound = ex.wq != NULL && ex.wq == dw_system_unbound_wq;
	base_tasks = bench_count_tasks();
	bench_pool_sum(&p0, unbound);
	rc = bench_exec_open(&ex);
	if (rc < 0) {
		fprintf(stderr, "dw-bench: cannot open %s: %s\n", exec_name, strerror(-rc));
		return rc;
	}
	bench_sample_now(&s0);
	main_csw0 = thread_csw();
	bench_sampler_start(&smp, 2000, unbound);

	t0 = bench_now_ns();
	for (i = 0; i < nsubmit; i++) {
		if (sp->at_ns != NULL)
			bench_sleep_until(t0 + sp->at_ns[i]);
		if (bench_exec_submit(&ex, &sp->items[i]) < 0)
			fprintf(stderr, "dw-bench: %s: submit failed\n", exec_name);
	}
	rc = bench_exec_wait_all(&ex, sp->timeout_ns);
	if (rc == -ETIMEDOUT) {
		res->timed_out = true;
		__atomic_store_n(&bench_abort, true, __ATOMIC_RELAXED);
		bench_exec_wait_all(&ex, 10ULL * 1000000000);
	}
	for (i = 0; i < sp->n; i++)
		if (sp->items[i].t_end > last)
			last = sp->items[i].t_end;
	res->makespan_ms = (double)(last > t0 ? last - t0 : 0) / 1e6;
	bench_sampler_stop(&smp);
	bench_sample_now(&s1);
	main_csw1 = thread_csw();
	/* The sampler sleeps once per sample: those switches are not the executor's. */
	sampler_csw = smp.nsamples;
	bench_exec_close(&ex);
	__atomic_store_n(&bench_abort, false, __ATOMIC_RELAXED);
	bench_pool_sum(&p1, unbound);

	latencies(sp, res);
	if (ex.ops == &bench_dwork_ops) {
		/* dwork's workers outlive the run: count them from the pools. */
		res->peak_threads = smp.peak_workers;
		res->mean_threads = smp.nsamples ? (double)smp.sum_workers / smp.nsamples : 0;
	} else {
		res->peak_threads =
		    smp.peak_tasks > base_tasks + 1 ? smp.peak_tasks - base_tasks - 1 : 0;
		res->mean_threads =
		    smp.nsamples ? (double)smp.sum_tasks / smp.nsamples - (double)base_tasks - 1.0
				 : 0;
		if (res->mean_threads < 0)
			res->mean_threads = 0;
	}
	res->tids = distinct_tids(sp->items, sp->n);
	/* Nor are the load generator's (this thread: arrivals, the final wait). */
	csw = (int64_t)(s1.csw - s0.csw) - (int64_t)(main_csw1 - main_csw0) - (int64_t)sampler_csw;
	res->csw_per_item = csw > 0 ? (double)csw / sp->n : 0;
	res->cpu_ms = (double)(s1.cpu_ns - s0.cpu_ns) / 1e6;
	res->rss_kib = smp.peak_rss_kib > s0.rss_kib ? smp.peak_rss_kib - s0.rss_kib : 0;
	res->pool.created = p1.created - p0.created;
	res->pool.blocked = p1.blocked - p0.blocked;
	res->pool.hogs = p1.hogs - p0.hogs;
	res->pool.cm_wakeups = p1.cm_wakeups - p0.cm_wakeups;
	res->peak_running = smp.peak_running;
	if (csv != NULL)
		write_row(csv, sp->label ? sp->label : exec_name, sp, res);
	return 0;
}
