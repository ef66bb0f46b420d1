/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Plain POSIX executors: a fixed pool of threads on one FIFO (mutex +
 * condition variable), and a detached thread per item.
 */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

struct posix_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct bench_fifo q; /* under lock */
	bool stop;	     /* under lock */
	unsigned int nthreads;
	pthread_t thr[];
};

static void *
posix_worker(void *arg)
{
	struct posix_pool *p = arg;
	struct bench_item *it;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->q.head == NULL && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		it = bench_fifo_pop(&p->q);
		if (it == NULL)
			break;
		pthread_mutex_unlock(&p->lock);
		bench_exec_run_item(it);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int
posix_pool_open(struct bench_exec *ex)
{
	struct posix_pool *p;
	unsigned int i;

	p = calloc(1, sizeof(*p) + ex->nthreads * sizeof(pthread_t));
	if (p == NULL)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (i = 0; i < ex->nthreads; i++) {
		if (pthread_create(&p->thr[i], NULL, posix_worker, p) != 0)
			break;
		p->nthreads++;
	}
	ex->priv = p;
	return p->nthreads == ex->nthreads ? 0 : -EAGAIN;
}

static int
posix_pool_submit(struct bench_exec *ex, struct bench_item *it)
{
	struct posix_pool *p = ex->priv;

	pthread_mutex_lock(&p->lock);
	bench_fifo_push(&p->q, it);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void
posix_pool_close(struct bench_exec *ex)
{
	struct posix_pool *p = ex->priv;
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->thr[i], NULL);
	free(p);
	ex->priv = NULL;
}

const struct bench_exec_ops bench_posix_pool_ops = {
	.open = posix_pool_open,
	.submit = posix_pool_submit,
	.close = posix_pool_close,
};

/* Thread per item: created detached; close waits until none is left. */
static uint64_t per_item_live; /* atomic */

static void *
per_item_thread(void *arg)
{
	bench_exec_run_item(arg);
	__atomic_fetch_sub(&per_item_live, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
per_item_open(struct bench_exec *ex)
{
	RTE_SET_USED(ex);
	return 0;
}

static int
per_item_submit(struct bench_exec *ex, struct bench_item *it)
{
	pthread_attr_t a;
	pthread_t t;
	int rc;

	RTE_SET_USED(ex);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	__atomic_fetch_add(&per_item_live, 1, __ATOMIC_RELAXED);
	rc = pthread_create(&t, &a, per_item_thread, it);
	pthread_attr_destroy(&a);
	if (rc != 0) {
		__atomic_fetch_sub(&per_item_live, 1, __ATOMIC_RELAXED);
		return -rc;
	}
	return 0;
}

static void
per_item_close(struct bench_exec *ex)
{
	RTE_SET_USED(ex);
	/* Threads that finished their item are about to exit; an aborted run may leave some. */
	while (__atomic_load_n(&per_item_live, __ATOMIC_ACQUIRE) != 0 && !bench_abort)
		bench_sleep_until(bench_now_ns() + 100000);
}

const struct bench_exec_ops bench_per_item_ops = {
	.open = per_item_open,
	.submit = per_item_submit,
	.close = per_item_close,
};
