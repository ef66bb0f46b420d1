/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A source over a netdev rx queue: bursts to the caller's handler, the
 * queue's interrupt fd, and DW_NETDEV_EV_RXQ_FD to follow fd changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>

#include "dw_netdev.h"
#include "dw_work.h"
#include "napi_private.h"

#define NAPI_RXQ_BURST 32

struct napi_rxq {
	struct dw_napi_source src;
	uint16_t port, q;
	dw_napi_rx_handler_t handler;
	void *arg;
	int sub; /* event subscription, -1 none */
};

static unsigned int
napi_rxq_poll(struct dw_napi_source *src, unsigned int budget)
{
	struct napi_rxq *rq = container_of(src, struct napi_rxq, src);
	struct rte_mbuf *pkts[NAPI_RXQ_BURST];
	unsigned int done = 0;
	uint16_t want, n;

	while (done < budget) {
		want = (uint16_t)RTE_MIN(budget - done, (unsigned int)NAPI_RXQ_BURST);
		n = dw_netdev_rx_burst(rq->port, rq->q, pkts, want);
		if (n == 0)
			break;
		rq->handler(rq->port, rq->q, pkts, n, rq->arg);
		done += n;
		if (n < want)
			break;
	}
	return done;
}

static int
napi_rxq_arm(struct dw_napi_source *src)
{
	struct napi_rxq *rq = container_of(src, struct napi_rxq, src);

	return dw_netdev_rx_intr_arm(rq->port, rq->q);
}

static void
napi_rxq_disarm(struct dw_napi_source *src)
{
	struct napi_rxq *rq = container_of(src, struct napi_rxq, src);

	dw_netdev_rx_intr_disarm(rq->port, rq->q);
}

/* Tries, 2 ms apart, of a queue that reports -EIO (not started yet) in napi_rxq_event(). */
#define NAPI_RXQ_EIO_TRIES 50

/*
 * DW_NETDEV_EV_RXQ_FD, on the subscriber's workqueue: hand the new fd to the
 * lcore. The ethdev driver raises the event from its start, before the port
 * counts as started, so -EIO is retried for a while (this is a work item: it
 * may sleep, and says so).
 */
static void
napi_rxq_event(uint16_t port, uint32_t event, void *arg)
{
	struct napi_rxq *rq = arg;
	unsigned int tries = 0;
	int fd;

	RTE_SET_USED(event);
	while ((fd = dw_netdev_rx_intr_fd(port, rq->q)) == -EIO && ++tries < NAPI_RXQ_EIO_TRIES) {
		dw_blocking_begin();
		usleep(2000);
		dw_blocking_end();
	}
	dw_napi_source_set_fd(&rq->src, fd >= 0 ? fd : -1);
}

struct dw_napi_source *
dw_napi_source_from_rxq(uint16_t port, uint16_t q, const char *name, uint32_t weight,
			dw_napi_rx_handler_t handler, void *arg, struct dw_wq *event_wq)
{
	struct dw_napi_source_conf c = { .size = sizeof(c), .weight = weight, .fd = -1 };
	struct dw_netdev_info info;
	char dflt[DW_NAPI_NAME_LEN];
	struct napi_rxq *rq;
	int fd, rc;

	if (handler == NULL) {
		NAPI_LOG(ERR, "port %u rxq %u: NULL handler", port, q);
		rc = -EINVAL;
		goto fail;
	}
	rc = dw_netdev_info_get(port, &info);
	if (rc < 0) {
		NAPI_LOG(ERR, "port %u: %s", port, strerror(-rc));
		goto fail;
	}
	if (!info.started || q >= info.nb_rxq) {
		NAPI_LOG(ERR, "port %u: %s", port,
			 info.started ? "no such rx queue" : "not started");
		rc = info.started ? -EINVAL : -EIO;
		goto fail;
	}
	fd = dw_netdev_rx_intr_fd(port, q);
	if (fd < 0 && fd != -ENOTSUP) {
		NAPI_LOG(ERR, "port %u rxq %u: interrupt fd: %s", port, q, strerror(-fd));
		rc = fd;
		goto fail;
	}
	rq = calloc(1, sizeof(*rq));
	if (rq == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rq->port = port;
	rq->q = q;
	rq->handler = handler;
	rq->arg = arg;
	rq->sub = -1;
	if (name == NULL) {
		snprintf(dflt, sizeof(dflt), "%.20s:rx%u", info.name, (unsigned int)q);
		name = dflt;
	}
	c.name = name;
	c.poll = napi_rxq_poll;
	if (fd >= 0) {
		c.fd = fd;
		c.arm = napi_rxq_arm;
		c.disarm = napi_rxq_disarm;
		/* Arm cannot see packets that came before it: sleeps stay bounded. */
		if (info.nb_rxq_intr_nocheck > 0)
			c.flags |= DW_NAPI_SRC_F_ARM_NOCHECK;
	}
	c.arg = arg;
	rc = dw_napi_source_init(&rq->src, &c);
	if (rc < 0)
		goto free_rq;
	if (event_wq != NULL) {
		rc = dw_netdev_event_subscribe(port, DW_NETDEV_EV_RXQ_FD, event_wq, napi_rxq_event,
					       rq);
		if (rc < 0) {
			NAPI_LOG(ERR, "%s: event subscription: %s", rq->src.name, strerror(-rc));
			goto free_rq;
		}
		rq->sub = rc;
	}
	return &rq->src;

free_rq:
	free(rq);
fail:
	rte_errno = -rc;
	return NULL;
}

int
dw_napi_source_free(struct dw_napi_source *src)
{
	struct napi_rxq *rq;
	int rc;

	if (!napi_src_valid(src) || src->poll != napi_rxq_poll) {
		NAPI_LOG(ERR, "not a source made by dw_napi_source_from_rxq()");
		return -EINVAL;
	}
	rq = container_of(src, struct napi_rxq, src);
	/* Acquire: pairs with the release in dw_napi_source_unregister(). */
	if (__atomic_load_n(&src->lcore, __ATOMIC_ACQUIRE) >= 0) {
		NAPI_LOG(ERR, "%s: still registered on lcore %d", src->name, src->lcore);
		return -EBUSY;
	}
	if (rq->sub >= 0) {
		/* Ids are unique per process: after the port closed (and its id
		 * was reused) this fails with -ENODEV or -ENOENT, never drops
		 * another subscriber's subscription. */
		rc = dw_netdev_event_unsubscribe(rq->port, rq->sub);
		if (rc < 0 && rc != -ENODEV && rc != -ENOENT)
			NAPI_LOG(WARNING, "%s: unsubscribe: %s", src->name, strerror(-rc));
	}
	src->magic = 0;
	free(rq);
	return 0;
}
