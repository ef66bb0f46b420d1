/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fast-path readers: one rte_rcu_qsbr variable for the whole process, one
 * reader slot per lcore id. Readers are the napi loops (and applications
 * with loops of their own); the writers are the port teardowns in
 * dw_netdev.c, which publish a new table and then wait here.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "dw_common.h"
#include "dw_debug.h"
#include "netdev_private.h"

/* A wait longer than this is logged once (an online reader that stopped reporting). */
#define NETDEV_RCU_WARN_NS (2 * DW_NS_PER_S)
/* Sleep between checks: from 10 us, doubling, up to 1 ms. */
#define NETDEV_RCU_SLEEP_MIN_US 10u
#define NETDEV_RCU_SLEEP_MAX_US 1000u

/* Set by the constructor, ro afterwards; NULL if its allocation failed. */
static struct rte_rcu_qsbr *netdev_qsbr;

/* This thread as a reader: its lcore id, whether it is online. */
static __thread unsigned int netdev_reader_id = RTE_QSBR_THRID_INVALID;
static __thread bool netdev_reader_on;

RTE_INIT(netdev_rcu_init)
{
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	struct rte_rcu_qsbr *v;

	/* The variable must be cache-line aligned; its size is a multiple of a line. */
	v = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sz, RTE_CACHE_LINE_SIZE));
	if (v == NULL || rte_rcu_qsbr_init(v, RTE_MAX_LCORE) != 0) {
		free(v);
		return; /* dw_netdev_reader_register() reports it. */
	}
	netdev_qsbr = v;
}

int
dw_netdev_reader_register(void)
{
	unsigned int id = rte_lcore_id();

	if (id >= RTE_MAX_LCORE) {
		NETDEV_LOG(ERR, "reader: not called on an lcore");
		return -ENOTSUP;
	}
	if (netdev_qsbr == NULL) {
		NETDEV_LOG(ERR, "reader: no RCU variable (no memory at start-up)");
		return -ENOMEM;
	}
	if (netdev_reader_id != RTE_QSBR_THRID_INVALID) {
		NETDEV_LOG(ERR, "reader: lcore %u is a reader already", id);
		return -EALREADY;
	}
	rte_rcu_qsbr_thread_register(netdev_qsbr, id);
	rte_rcu_qsbr_thread_online(netdev_qsbr, id);
	netdev_reader_id = id;
	netdev_reader_on = true;
	return 0;
}

int
dw_netdev_reader_unregister(void)
{
	if (netdev_reader_id == RTE_QSBR_THRID_INVALID) {
		NETDEV_LOG(ERR, "reader: this thread is not a reader");
		return -ENOENT;
	}
	dw_netdev_reader_offline();
	rte_rcu_qsbr_thread_unregister(netdev_qsbr, netdev_reader_id);
	netdev_reader_id = RTE_QSBR_THRID_INVALID;
	return 0;
}

void
dw_netdev_reader_quiescent(void)
{
	if (netdev_reader_on)
		rte_rcu_qsbr_quiescent(netdev_qsbr, netdev_reader_id);
}

void
dw_netdev_reader_offline(void)
{
	if (netdev_reader_on) {
		rte_rcu_qsbr_thread_offline(netdev_qsbr, netdev_reader_id);
		netdev_reader_on = false;
	}
}

void
dw_netdev_reader_online(void)
{
	if (netdev_reader_id != RTE_QSBR_THRID_INVALID && !netdev_reader_on) {
		/* Ends with a seq_cst fence: pairs with the one in netdev_rcu_sync(). */
		rte_rcu_qsbr_thread_online(netdev_qsbr, netdev_reader_id);
		netdev_reader_on = true;
	}
}

/*
 * rte_rcu_qsbr_synchronize() made of its two halves, start and check, so that
 * the wait sleeps (the control thread shares CPUs with lcores) and counts as
 * blocking for lib/work's pools. The check is the inline one, which
 * ThreadSanitizer sees pair with the readers' quiescent stores.
 */
void
netdev_rcu_sync(uint16_t port)
{
	unsigned int sleep_us = NETDEV_RCU_SLEEP_MIN_US;
	uint64_t t, t0 = 0;
	bool warned = false;

	if (netdev_qsbr == NULL)
		return; /* No reader could register. */
	/*
	 * Seq_cst fence: the table the caller published is visible before we
	 * read the readers' counters; pairs with the fence that ends
	 * rte_rcu_qsbr_thread_online(). A reader either is seen online (and
	 * waited for) or comes online after the fence and loads the new table.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t = rte_rcu_qsbr_start(netdev_qsbr);
	/* A reader calling (from a BH item, between bursts) answers for itself. */
	if (netdev_reader_on)
		rte_rcu_qsbr_quiescent(netdev_qsbr, netdev_reader_id);
	while (rte_rcu_qsbr_check(netdev_qsbr, t, false) == 0) {
		/* A reader is still inside a burst (or an arm) that may use the old table. */
		DW_PAUSE_POINT("netdev.rcu_sync.wait");
		if (t0 == 0) {
			t0 = dw_now_ns();
		} else if (!warned && dw_now_ns() - t0 > NETDEV_RCU_WARN_NS) {
			NETDEV_LOG(WARNING,
				   "port %u: a fast-path reader has not been quiescent for %u s "
				   "(an lcore blocked while online?): still waiting",
				   port, (unsigned int)(NETDEV_RCU_WARN_NS / DW_NS_PER_S));
			warned = true;
		}
		dw_blocking_begin();
		usleep(sleep_us);
		dw_blocking_end();
		sleep_us = RTE_MIN(sleep_us * 2, NETDEV_RCU_SLEEP_MAX_US);
	}
}
