/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port event delivery: drivers raise events (link, reset, removal, rx fd
 * change) from any thread, DPDK's interrupt thread included; subscribers get
 * a callback on the workqueue they chose, never on the raising thread.
 *
 * A subscription owns one work item and a pending mask: raising ORs the
 * event bits into the mask and queues the item; the work function takes the
 * whole mask and calls back once per bit. Because queueing is a test-and-set
 * whose pending instance starts after it, a bit set before dw_queue_work() is
 * always seen by a later run: nothing is lost, and repeats of one event merge
 * while a delivery is pending.
 *
 * Raising walks the subscription list under the port's subs_lock, a spinlock
 * held only for the walk (queueing does not sleep), so it is safe from the
 * interrupt thread. Subscribe and unsubscribe also take the port's control
 * lock; unsubscribe cancels the item synchronously after dropping it (the
 * callback may take the control lock), and refuses, with -EDEADLK, to drop
 * a subscription from its own callback.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>

#include "netdev_private.h"

/*
 * Subscription ids are unique in the process, not per port: an id kept past
 * its port's close (a napi rxq source freed late) must not name a
 * subscription of the next port opened under the same port id.
 */
static uint32_t netdev_next_sub_id; /* atomic */

static void
netdev_sub_work(struct dw_work *work)
{
	struct netdev_sub *s = container_of(work, struct netdev_sub, work);
	/* Pairs with the release fetch_or in dw_netdev_event_raise(). */
	uint32_t ev = __atomic_exchange_n(&s->pending, 0, __ATOMIC_ACQUIRE);

	while (ev != 0) {
		uint32_t bit = ev & -ev;

		ev &= ~bit;
		s->cb(s->port, bit, s->arg);
	}
}

void
dw_netdev_event_raise(struct dw_netdev *nd, uint32_t events)
{
	struct netdev_sub *s;

	rte_spinlock_lock(&nd->subs_lock);
	TAILQ_FOREACH(s, &nd->subs, next) {
		uint32_t ev = events & s->events;

		if (ev == 0)
			continue;
		/* Pairs with the acquire exchange in netdev_sub_work(). */
		__atomic_fetch_or(&s->pending, ev, __ATOMIC_RELEASE);
		if (!dw_queue_work(s->wq, &s->work) && rte_errno != 0)
			NETDEV_LOG(ERR, "port %u: cannot queue event 0x%x for subscription %d: %s",
				   nd->port_id, ev, s->id, rte_strerror(rte_errno));
	}
	rte_spinlock_unlock(&nd->subs_lock);
}

int
dw_netdev_event_subscribe(uint16_t port, uint32_t events, struct dw_wq *wq, dw_netdev_event_cb_t cb,
			  void *arg)
{
	struct netdev_sub *s;
	struct dw_netdev *nd;
	int ret;

	if (events == 0 || (events & ~DW_NETDEV_EV_ALL) || wq == NULL || cb == NULL) {
		NETDEV_LOG(ERR, "port %u: bad subscription (events 0x%x, wq %p, cb %p)", port,
			   events, (void *)wq, (void *)(uintptr_t)cb);
		return -EINVAL;
	}
	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		NETDEV_LOG(ERR, "port %u: no memory for a subscription", port);
		ret = -ENOMEM;
		goto unlock;
	}
	dw_work_init(&s->work, netdev_sub_work);
	s->events = events;
	s->port = port;
	s->wq = wq;
	s->cb = cb;
	s->arg = arg;
	s->id = (int)(__atomic_fetch_add(&netdev_next_sub_id, 1, __ATOMIC_RELAXED) & INT32_MAX);
	rte_spinlock_lock(&nd->subs_lock);
	TAILQ_INSERT_TAIL(&nd->subs, s, next);
	rte_spinlock_unlock(&nd->subs_lock);
	ret = s->id;
unlock:
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

int
dw_netdev_event_unsubscribe(uint16_t port, int sub_id)
{
	struct netdev_sub *s;
	struct dw_netdev *nd;
	int ret = 0;

	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	rte_spinlock_lock(&nd->subs_lock);
	TAILQ_FOREACH(s, &nd->subs, next) {
		if (s->id == sub_id)
			break;
	}
	if (s != NULL && dw_current_work() != &s->work)
		TAILQ_REMOVE(&nd->subs, s, next);
	rte_spinlock_unlock(&nd->subs_lock);
	/* Not waiting under the control lock: the callback may take it. */
	pthread_mutex_unlock(&nd->ctrl_lock);
	if (s == NULL) {
		NETDEV_LOG(ERR, "port %u: no subscription %d", port, sub_id);
		return -ENOENT;
	}
	if (dw_current_work() == &s->work) {
		NETDEV_LOG(ERR, "port %u: subscription %d dropped from its own callback", port,
			   sub_id);
		return -EDEADLK;
	}
	dw_cancel_work_sync(&s->work);
	free(s);
	return ret;
}
