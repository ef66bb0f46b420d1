/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Clocks, the work an item does (burn CPU, sleep, wait), percentiles, and what
 * the process costs while a run goes: threads (/proc/self/task), context
 * switches (getrusage), resident memory (/proc/self/statm).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/*
 * Burn @p us of this thread's CPU time (not wall time): a preempted item still
 * does all of its work, so executors are compared on the same CPU demand.
 */
void
bench_burn_us(uint64_t us)
{
	uint64_t end = thread_cpu_ns() + us * 1000;
	volatile uint64_t x = 0;
	unsigned int i;

	do {
		for (i = 0; i < 2000; i++)
			x += i;
	} while (thread_cpu_ns() < end);
}

void
bench_sleep_until(uint64_t t_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t_ns / 1000000000),
		.tv_nsec = (long)(t_ns % 1000000000),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void
bench_sleep_us(const struct bench_exec *ex, uint64_t us)
{
	if (ex->annotate)
		dw_blocking_begin();
	bench_sleep_until(bench_now_ns() + us * 1000);
	if (ex->annotate)
		dw_blocking_end();
}

int
bench_wait_sem(const struct bench_exec *ex, sem_t *s)
{
	struct timespec ts;
	int rc = 0;

	if (ex->annotate)
		dw_blocking_begin();
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (sem_timedwait(s, &ts) == 0)
			break;
		if (__atomic_load_n(&bench_abort, __ATOMIC_RELAXED)) {
			rc = -ECANCELED;
			break;
		}
	}
	if (ex->annotate)
		dw_blocking_end();
	return rc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile; sorts @p v. */
double
bench_pct(double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

double
bench_median(double *v, size_t n)
{
	return bench_pct(v, n, 50);
}

unsigned int
bench_count_tasks(void)
{
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir("/proc/self/task");

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static uint64_t
rss_kib(void)
{
	unsigned long size, res;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (f == NULL)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &res);
	fclose(f);
	return n == 2 ? (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024 : 0;
}

void
bench_sample_now(struct bench_sample *s)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	s->t_ns = bench_now_ns();
	s->csw = (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
	s->cpu_ns = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000 +
		    ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000;
	s->rss_kib = rss_kib();
	s->tasks = bench_count_tasks();
}

void
bench_pool_sum(struct bench_pool_sum *p, bool unbound)
{
	struct dw_pool_stats st;
	unsigned int i, n = dw_pool_count();

	*p = (struct bench_pool_sum){ 0 };
	for (i = 0; i < n; i++) {
		if (dw_pool_stats_get(i, &st) < 0 || st.highpri || st.unbound != unbound)
			continue;
		p->created += st.workers_created;
		p->blocked += st.blocked_detected + st.blocked_perf;
		p->hogs += st.hogs_detected;
		p->cm_wakeups += st.cm_wakeups;
		p->peak_workers += st.peak_workers;
		p->running += st.nr_running;
		p->workers += st.nr_workers;
	}
}

static void *
sampler_fn(void *arg)
{
	struct bench_sampler *s = arg;
	struct bench_pool_sum ps;
	unsigned int t;
	uint64_t r;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		t = bench_count_tasks();
		if (t > s->peak_tasks)
			s->peak_tasks = t;
		s->sum_tasks += t;
		s->nsamples++;
		if ((s->nsamples & 7) == 1) {
			r = rss_kib();
			if (r > s->peak_rss_kib)
				s->peak_rss_kib = r;
		}
		bench_pool_sum(&ps, s->unbound);
		if (ps.running > s->peak_running)
			s->peak_running = ps.running;
		if (ps.workers > s->peak_workers)
			s->peak_workers = ps.workers;
		s->sum_workers += ps.workers;
		bench_sleep_until(bench_now_ns() + (uint64_t)s->period_us * 1000);
	}
	return NULL;
}

int
bench_sampler_start(struct bench_sampler *s, unsigned int period_us, bool unbound)
{
	*s = (struct bench_sampler){ .period_us = period_us, .unbound = unbound };
	return -pthread_create(&s->thr, NULL, sampler_fn, s);
}

void
bench_sampler_stop(struct bench_sampler *s)
{
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	pthread_join(s->thr, NULL);
}
