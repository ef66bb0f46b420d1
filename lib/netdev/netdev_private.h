/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NETDEV_PRIVATE_H
#define NETDEV_PRIVATE_H

/*
 * lib/netdev internals shared by its own files; never installed.
 * Field tags: the legend in lib/common/common_private.h.
 */

#include <pthread.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_spinlock.h>

#include "dw_log.h"
#include "dw_netdev.h"
#include "dw_netdev_driver.h"
#include "dw_work.h"

#define NETDEV_LOG(level, fmt, ...) DW_LOG(dw_netdev_logtype, level, fmt, ##__VA_ARGS__)

/* Devargs strings longer than this are refused. */
#define NETDEV_DEVARGS_LEN 256

enum netdev_state {
	NETDEV_PROBED,	   /* Opened, never configured. */
	NETDEV_CONFIGURED, /* Configured and stopped. */
	NETDEV_STARTED,
	NETDEV_CLOSING, /* dw_netdev_close() under way: every call fails. */
};

/* One event subscription; its work item delivers the pending events. */
struct netdev_sub {
	struct dw_work work;	      /* I: queued by raise, runs the callback */
	uint32_t pending;	      /* A: raise ORs (release), the work swaps to 0 (acquire) */
	uint32_t events;	      /* I: mask, set at subscribe */
	int id;			      /* I: set at subscribe */
	uint16_t port;		      /* I */
	struct dw_wq *wq;	      /* I */
	dw_netdev_event_cb_t cb;      /* I */
	void *arg;		      /* I */
	TAILQ_ENTRY(netdev_sub) next; /* S: dw_netdev.subs_lock */
};

TAILQ_HEAD(netdev_sub_list, netdev_sub);

/* One open port. Main lock (L): ctrl_lock. */
struct dw_netdev {
	uint16_t port_id;		    /* I: set at open */
	char name[DW_NETDEV_NAME_LEN];	    /* I: set in probe */
	const struct dw_netdev_driver *drv; /* I: set at open */
	const struct dw_netdev_ops *ops;    /* I: set in probe */
	void *priv;			    /* I: the driver's, set in probe */
	/*
	 * Control lock: serializes configure/start/stop/close and the driver's
	 * work (reset). Taken with netdev_table_lock held (lookup), never the
	 * other way round.
	 */
	pthread_mutex_t ctrl_lock;
	enum netdev_state state;    /* L/A: read unlocked (relaxed) by arm/disarm/fd */
	struct dw_netdev_conf conf; /* L: the last good configure */
	struct dw_wq *ctrl_wq; /* L/A: conf.ctrl_wq, set at configure, read anywhere (relaxed) */
	uint64_t resets;       /* A: relaxed, incremented by the reset work */
	/* I: dw_netdev_reset_request() queues it on ctrl_wq; close cancels it (sync) */
	struct dw_work reset_work;
	unsigned int fp_next; /* L: slot of netdev_fp_slots[port_id] the next fp_set fills */
	/* Subscriptions. A spinlock: raise may run on the EAL interrupt thread;
	 * nothing under it sleeps. */
	rte_spinlock_t subs_lock;
	struct netdev_sub_list subs; /* S: subs_lock */
};

/*
 * Port table: ports[] and port names. Taken before a port's ctrl_lock.
 */
extern pthread_mutex_t netdev_table_lock;
extern struct dw_netdev *netdev_ports[DW_NETDEV_MAX_PORTS];

/*
 * Find open port @p port and take its control lock. Returns NULL (and logs)
 * if the port is not open or closing.
 */
struct dw_netdev *netdev_get_locked(uint16_t port, const char *caller);

/* The dummy fast path: published while a port is stopped, resetting or closed. */
extern const struct dw_netdev_fp netdev_fp_dummy;

/*
 * Wait until every online fast-path reader has passed a quiescent state
 * (after the caller published a new table for port @p port). Sleeps; not from
 * inside a burst. Reports the caller's own quiescent state if it is a reader.
 */
void netdev_rcu_sync(uint16_t port);

/*
 * Register the /dwork/port/... telemetry commands. Called by a constructor
 * in dw_netdev.c, so that linking the static library for the port API alone
 * brings the commands along.
 */
void netdev_telemetry_register(void);

#endif /* NETDEV_PRIVATE_H */
