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
	struct dw_work work;	      /* Queued by raise, runs the callback. */
	uint32_t pending;	      /* Atomic: raise ORs (release), work swaps to 0 (acquire). */
	uint32_t events;	      /* Mask; set at subscribe, ro afterwards. */
	int id;			      /* Set at subscribe, ro afterwards. */
	uint16_t port;		      /* Set at subscribe, ro afterwards. */
	struct dw_wq *wq;	      /* Set at subscribe, ro afterwards. */
	dw_netdev_event_cb_t cb;      /* Set at subscribe, ro afterwards. */
	void *arg;		      /* Set at subscribe, ro afterwards. */
	TAILQ_ENTRY(netdev_sub) next; /* Protected by dw_netdev.subs_lock. */
};

TAILQ_HEAD(netdev_sub_list, netdev_sub);

struct dw_netdev {
	uint16_t port_id;		    /* Set at open, ro afterwards. */
	char name[DW_NETDEV_NAME_LEN];	    /* Set in probe, ro afterwards. */
	const struct dw_netdev_driver *drv; /* Set at open, ro afterwards. */
	const struct dw_netdev_ops *ops;    /* Set in probe, ro afterwards. */
	void *priv;			    /* Driver's; set in probe. */
	/*
	 * Control lock: serializes configure/start/stop/close and the driver's
	 * work (reset). Taken with netdev_table_lock held (lookup), never the
	 * other way round.
	 */
	pthread_mutex_t ctrl_lock;
	/* Written under ctrl_lock; read unlocked (relaxed) by arm/disarm/fd. */
	enum netdev_state state;
	struct dw_netdev_conf conf; /* Last good configure; under ctrl_lock. */
	struct dw_wq *ctrl_wq; /* conf.ctrl_wq; written at configure, read anywhere (relaxed). */
	uint64_t resets;       /* Atomic; incremented by the reset work. */
	/* dw_netdev_reset_request() queues it on the ctrl wq; close cancels it (sync). */
	struct dw_work reset_work;
	/* Table slot (netdev_fp_slots[port_id]) the next fp_set fills; under ctrl_lock. */
	unsigned int fp_next;
	/* Subscriptions: list under subs_lock (raise may run on the EAL
	 * interrupt thread, hence a spinlock; nothing under it sleeps). */
	rte_spinlock_t subs_lock;
	struct netdev_sub_list subs;
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
