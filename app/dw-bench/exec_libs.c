/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Executors over other libraries, used only through their public APIs:
 * GLib's GThreadPool, libuv's threadpool (uv_queue_work), DPDK's EAL alarm
 * thread, and dwork's workqueues.
 */
#include <errno.h>
#include <stdlib.h>

#include <glib.h>
#include <rte_alarm.h>
#include <uv.h>

#include "bench.h"

/* GLib: a non-exclusive GThreadPool of N threads. */
static void
glib_fn(gpointer data, gpointer user)
{
	RTE_SET_USED(user);
	bench_exec_run_item(data);
}

static int
glib_open(struct bench_exec *ex)
{
	GError *err = NULL;

	ex->priv = g_thread_pool_new(glib_fn, ex, (gint)ex->nthreads, FALSE, &err);
	if (ex->priv == NULL) {
		g_clear_error(&err);
		return -EAGAIN;
	}
	return 0;
}

static int
glib_submit(struct bench_exec *ex, struct bench_item *it)
{
	return g_thread_pool_push(ex->priv, it, NULL) ? 0 : -EAGAIN;
}

static void
glib_close(struct bench_exec *ex)
{
	g_thread_pool_free(ex->priv, FALSE, TRUE);
	ex->priv = NULL;
}

const struct bench_exec_ops bench_glib_ops = {
	.open = glib_open,
	.submit = glib_submit,
	.close = glib_close,
};

/*
 * libuv: uv_queue_work() must be called on the loop's thread, so submissions
 * from any thread go through a list and a uv_async_t to a loop thread.
 */
struct uv_exec {
	uv_loop_t loop;
	uv_async_t async;
	pthread_t thr;
	pthread_mutex_t lock;
	struct bench_fifo q; /* under lock */
	bool stop;	     /* under lock */
};

static void
uv_work_fn(uv_work_t *req)
{
	bench_exec_run_item(req->data);
}

static void
uv_after_fn(uv_work_t *req, int status)
{
	RTE_SET_USED(status);
	free(req);
}

static void
uv_async_fn(uv_async_t *a)
{
	struct uv_exec *u = a->data;
	struct bench_item *it, *next;
	uv_work_t *req;
	bool stop;

	pthread_mutex_lock(&u->lock);
	it = u->q.head;
	u->q.head = u->q.tail = NULL;
	stop = u->stop;
	pthread_mutex_unlock(&u->lock);
	for (; it != NULL; it = next) {
		next = it->next;
		req = malloc(sizeof(*req));
		if (req == NULL)
			abort();
		req->data = it;
		uv_queue_work(&u->loop, req, uv_work_fn, uv_after_fn);
	}
	if (stop)
		uv_close((uv_handle_t *)&u->async, NULL);
}

static void *
uv_loop_thread(void *arg)
{
	struct uv_exec *u = arg;

	uv_run(&u->loop, UV_RUN_DEFAULT);
	return NULL;
}

static int
uv_open(struct bench_exec *ex)
{
	struct uv_exec *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return -ENOMEM;
	pthread_mutex_init(&u->lock, NULL);
	uv_loop_init(&u->loop);
	uv_async_init(&u->loop, &u->async, uv_async_fn);
	u->async.data = u;
	if (pthread_create(&u->thr, NULL, uv_loop_thread, u) != 0) {
		uv_close((uv_handle_t *)&u->async, NULL);
		uv_run(&u->loop, UV_RUN_DEFAULT);
		uv_loop_close(&u->loop);
		free(u);
		return -EAGAIN;
	}
	ex->priv = u;
	return 0;
}

static int
uv_submit(struct bench_exec *ex, struct bench_item *it)
{
	struct uv_exec *u = ex->priv;

	pthread_mutex_lock(&u->lock);
	bench_fifo_push(&u->q, it);
	pthread_mutex_unlock(&u->lock);
	uv_async_send(&u->async);
	return 0;
}

static void
uv_close_exec(struct bench_exec *ex)
{
	struct uv_exec *u = ex->priv;

	pthread_mutex_lock(&u->lock);
	u->stop = true;
	pthread_mutex_unlock(&u->lock);
	uv_async_send(&u->async);
	pthread_join(u->thr, NULL);
	uv_loop_close(&u->loop);
	free(u);
	ex->priv = NULL;
}

const struct bench_exec_ops bench_uv_ops = {
	.open = uv_open,
	.submit = uv_submit,
	.close = uv_close_exec,
};

/* DPDK's way: a 1 us alarm per item, all run in series on the EAL interrupt thread. */
static void
alarm_fn(void *arg)
{
	bench_exec_run_item(arg);
}

static int
alarm_open(struct bench_exec *ex)
{
	RTE_SET_USED(ex);
	return 0;
}

static int
alarm_submit(struct bench_exec *ex, struct bench_item *it)
{
	RTE_SET_USED(ex);
	return rte_eal_alarm_set(1, alarm_fn, it);
}

static void
alarm_close(struct bench_exec *ex)
{
	RTE_SET_USED(ex);
}

const struct bench_exec_ops bench_alarm_ops = {
	.open = alarm_open,
	.submit = alarm_submit,
	.close = alarm_close,
};

/* dwork: the item's embedded dw_work on the variant's system workqueue. */
static void
dwork_fn(struct dw_work *w)
{
	bench_exec_run_item(container_of(w, struct bench_item, work));
}

static int
dwork_open(struct bench_exec *ex)
{
	return ex->wq != NULL ? 0 : -ENOTSUP;
}

static int
dwork_submit(struct bench_exec *ex, struct bench_item *it)
{
	dw_work_init(&it->work, dwork_fn);
	return dw_queue_work(ex->wq, &it->work) ? 0 : -EBUSY;
}

static void
dwork_close(struct bench_exec *ex)
{
	/* The items' memory goes after this: wait until dwork has let go of them. */
	dw_flush_wq(ex->wq);
}

const struct bench_exec_ops bench_dwork_ops = {
	.open = dwork_open,
	.submit = dwork_submit,
	.close = dwork_close,
};
