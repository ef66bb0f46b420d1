/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The part of an executor every kind shares: completion accounting (wait all,
 * with a timeout so that a deadlocked executor never hangs the bench) and the
 * table of variants the scenarios name.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

bool bench_abort;
unsigned int bench_ncpu = 1;

struct variant {
	const char *name;
	const struct bench_exec_ops *ops;
	unsigned int threads_per_cpu; /* fixed pools: N per CPU */
	unsigned int threads_abs;     /* or an absolute count */
	bool annotate;
	int dwq; /* 0 none, 1 dw_system_wq, 2 dw_system_unbound_wq */
};

static const struct variant variants[] = {
	{ "fixed-N", &bench_posix_pool_ops, 1, 0, false, 0 },
	{ "fixed-4N", &bench_posix_pool_ops, 4, 0, false, 0 },
	{ "per-item", &bench_per_item_ops, 0, 0, false, 0 },
	{ "glib", &bench_glib_ops, 1, 0, false, 0 },
	{ "libuv", &bench_uv_ops, 0, 4, false, 0 },
	{ "eal-alarm", &bench_alarm_ops, 0, 1, false, 0 },
	{ "dwork", &bench_dwork_ops, 0, 0, true, 1 },
	{ "dwork-noann", &bench_dwork_ops, 0, 0, false, 1 },
	{ "dwork-unbound", &bench_dwork_ops, 0, 0, true, 2 },
};

int
bench_exec_lookup(const char *name, struct bench_exec *ex)
{
	size_t i;

	for (i = 0; i < RTE_DIM(variants); i++) {
		const struct variant *v = &variants[i];

		if (strcmp(v->name, name) != 0)
			continue;
		memset(ex, 0, sizeof(*ex));
		ex->name = v->name;
		ex->ops = v->ops;
		ex->nthreads = v->threads_abs ? v->threads_abs : v->threads_per_cpu * bench_ncpu;
		ex->annotate = v->annotate;
		if (v->dwq == 1)
			ex->wq = dw_system_wq;
		else if (v->dwq == 2)
			ex->wq = dw_system_unbound_wq;
		return 0;
	}
	return -ENOENT;
}

int
bench_exec_open(struct bench_exec *ex)
{
	pthread_condattr_t ca;

	ex->outstanding = 0;
	pthread_mutex_init(&ex->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ex->cond, &ca);
	pthread_condattr_destroy(&ca);
	return ex->ops->open(ex);
}

void
bench_exec_close(struct bench_exec *ex)
{
	ex->ops->close(ex);
	pthread_cond_destroy(&ex->cond);
	pthread_mutex_destroy(&ex->lock);
}

int
bench_exec_submit(struct bench_exec *ex, struct bench_item *it)
{
	int rc;

	it->ex = ex;
	it->t_start = it->t_end = 0;
	__atomic_fetch_add(&ex->outstanding, 1, __ATOMIC_RELAXED);
	it->t_submit = bench_now_ns();
	rc = ex->ops->submit(ex, it);
	if (rc < 0)
		__atomic_fetch_sub(&ex->outstanding, 1, __ATOMIC_RELAXED);
	return rc;
}

/* Called by the executor's thread for every item it runs. */
void
bench_exec_run_item(struct bench_item *it)
{
	struct bench_exec *ex = it->ex;

	it->t_start = bench_now_ns();
	it->tid = gettid();
	it->fn(it);
	it->t_end = bench_now_ns();
	if (it->done != NULL)
		sem_post(it->done);
	/* Pairs with the acquire load in bench_exec_wait_all(). */
	if (__atomic_sub_fetch(&ex->outstanding, 1, __ATOMIC_ACQ_REL) == 0) {
		pthread_mutex_lock(&ex->lock);
		pthread_cond_broadcast(&ex->cond);
		pthread_mutex_unlock(&ex->lock);
	}
}

int
bench_exec_wait_all(struct bench_exec *ex, uint64_t timeout_ns)
{
	uint64_t deadline = bench_now_ns() + timeout_ns;
	struct timespec ts;
	int rc = 0;

	ts.tv_sec = (time_t)(deadline / 1000000000);
	ts.tv_nsec = (long)(deadline % 1000000000);
	pthread_mutex_lock(&ex->lock);
	while (__atomic_load_n(&ex->outstanding, __ATOMIC_ACQUIRE) != 0) {
		if (pthread_cond_timedwait(&ex->cond, &ex->lock, &ts) == ETIMEDOUT &&
		    __atomic_load_n(&ex->outstanding, __ATOMIC_ACQUIRE) != 0) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&ex->lock);
	return rc;
}

void
bench_fifo_push(struct bench_fifo *f, struct bench_item *it)
{
	it->next = NULL;
	if (f->tail != NULL)
		f->tail->next = it;
	else
		f->head = it;
	f->tail = it;
}

struct bench_item *
bench_fifo_pop(struct bench_fifo *f)
{
	struct bench_item *it = f->head;

	if (it != NULL) {
		f->head = it->next;
		if (f->head == NULL)
			f->tail = NULL;
	}
	return it;
}
