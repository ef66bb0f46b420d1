/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_NETDEV_DRIVER_H
#define DW_NETDEV_DRIVER_H

/**
 * @file
 * What a dwork network driver implements and may call.
 *
 * A driver registers a struct dw_netdev_driver (DW_NETDEV_DRIVER_REGISTER)
 * keyed by a devargs prefix. dw_netdev_open() picks the driver with the
 * longest prefix matching the devargs (a driver may also claim strings with
 * its match() function) and calls its probe(). The driver then fills the port's
 * ops and, at start, the fast-path table through dw_netdev_fp_set().
 *
 * Locking: lib/netdev calls every op but close() with the port's control lock
 * held, so ops are serialized with each other. Driver work (reset handling)
 * takes the same lock with dw_netdev_ctrl_lock(). close() is called without
 * the lock, after the port has been marked closing (dw_netdev_ctrl_lock()
 * then fails), so that it can cancel the driver's work synchronously.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>

#include "dw_netdev.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dw_netdev;

/** Port operations; every one may be NULL except configure/start/stop/close. */
struct dw_netdev_ops {
	/** Configure queues; conf already checked against DW_NETDEV_MAX_QUEUES. */
	int (*configure)(struct dw_netdev *nd, const struct dw_netdev_conf *conf);
	/** Start; set the fast path with dw_netdev_fp_set() on success. */
	int (*start)(struct dw_netdev *nd);
	/** Stop; lib/netdev has already put dummies in the fast-path table. */
	int (*stop)(struct dw_netdev *nd);
	/** Stop if needed, cancel the driver's work, detach. Called unlocked. */
	int (*close)(struct dw_netdev *nd);
	/** Interrupt fd of rx queue @p q, or -ENOTSUP. Queue already range checked. */
	int (*rx_intr_fd)(struct dw_netdev *nd, uint16_t q);
	/**
	 * Arm and re-check: 0, -EAGAIN or an error. Called without the lock
	 * (fast), only while the port's real fast path is published: a reset
	 * or stop waits for an arm in flight on a reader (as for a burst).
	 */
	int (*rx_intr_arm)(struct dw_netdev *nd, uint16_t q);
	/** Disarm. Called without the lock, under the same rule as arm. */
	int (*rx_intr_disarm)(struct dw_netdev *nd, uint16_t q);
	int (*link_get)(struct dw_netdev *nd, struct dw_netdev_link *link);
	int (*stats_get)(struct dw_netdev *nd, struct dw_netdev_stats *stats);
	int (*stats_reset)(struct dw_netdev *nd);
	/** As dw_netdev_xstats_get(). */
	int (*xstats_get)(struct dw_netdev *nd, struct dw_netdev_xstat *xstats, unsigned int n);
	/** Fill the device facts of @p info (limits, lsc_intr, nb_rxq_intr). */
	int (*info_get)(struct dw_netdev *nd, struct dw_netdev_info *info);
	/**
	 * Optional: reset the device, set it up again with the last
	 * configuration and, if @p restart, start it and publish the fast path
	 * (dw_netdev_fp_set()). Called by lib/netdev's reset work (see
	 * dw_netdev_reset_request()) with the control lock held, after the
	 * dummy fast path is published and every reader's burst has returned:
	 * no lcore touches the queues while this runs. Return 0 or a negative
	 * errno (the port then counts as stopped).
	 */
	int (*reset)(struct dw_netdev *nd, bool restart);
};

/** A driver. Registered once, lives for the whole process. */
struct dw_netdev_driver {
	const char *name;   /**< Short name ("ethdev"). */
	const char *prefix; /**< Devargs prefix it owns ("net_"); NULL: match() only. */
	/** Optional: claim @p devargs no prefix covers (PCI addresses...). */
	bool (*match)(const char *devargs);
	/**
	 * Probe @p devargs for port @p nd: set the ops (dw_netdev_ops_set()), the
	 * name (dw_netdev_name_set()) and the private data. Return 0 or a
	 * negative errno (the port is then freed).
	 */
	int (*probe)(struct dw_netdev *nd, const char *devargs);
	TAILQ_ENTRY(dw_netdev_driver) next; /**< Registry list, lib/netdev only. */
};

/**
 * Register @p drv. Context: constructors (DW_NETDEV_DRIVER_REGISTER) or a
 * control thread before the ports it serves are opened.
 */
void dw_netdev_driver_register(struct dw_netdev_driver *drv);

/** Register @p drv at start-up. */
#define DW_NETDEV_DRIVER_REGISTER(drv)                                                             \
	RTE_INIT(dw_netdev_driver_register_##drv)                                                  \
	{                                                                                          \
		dw_netdev_driver_register(&(drv));                                                 \
	}

/**
 * Port id of @p nd.
 * Context: the driver's callbacks, any thread; lock-free.
 */
uint16_t dw_netdev_port_id(const struct dw_netdev *nd);

/**
 * Set the ops of @p nd.
 * Context: the driver's probe only (the port is not visible yet); no lock.
 */
void dw_netdev_ops_set(struct dw_netdev *nd, const struct dw_netdev_ops *ops);

/**
 * Name the port (in probe). @return 0, -EINVAL (too long), -EEXIST (a port of
 * that name is open).
 * Context: the driver's probe only; does not sleep except briefly on the port
 *   table lock.
 */
int dw_netdev_name_set(struct dw_netdev *nd, const char *name);

/**
 * Driver private data of @p nd (get and set).
 * Context: get: any thread, lock-free; set: the driver's probe (or under the
 *   control lock before anything reads it).
 */
void *dw_netdev_priv(const struct dw_netdev *nd);
void dw_netdev_priv_set(struct dw_netdev *nd, void *priv);

/**
 * Configuration passed to the last successful configure (valid afterwards).
 * Context: the driver's callbacks, under the control lock (configure rewrites it).
 */
const struct dw_netdev_conf *dw_netdev_conf_get(const struct dw_netdev *nd);

/**
 * Publish the fast path of @p nd as one immutable table (see dw_netdev_fps),
 * then wait until no reader can still use the table it replaces. @p rxq and
 * @p txq are arrays of per-queue contexts that must stay valid until the next
 * dw_netdev_fp_clear() returns.
 * Context: control lock held; a control thread or work item, not inside a
 * burst; sleeps (waits for the readers, see dw_netdev_reader_register()).
 */
void dw_netdev_fp_set(struct dw_netdev *nd, dw_netdev_rx_burst_t rx, void **rxq,
		      dw_netdev_tx_burst_t tx, void **txq);

/**
 * Publish the dummy fast path (receive and send nothing) of @p nd and wait
 * until every reader's burst in flight has returned: when this returns no
 * lcore uses the old queues, and dw_netdev_rx_intr_arm()/disarm() from
 * lcores fail with -EIO without calling the driver until the next
 * dw_netdev_fp_set().
 * Context: as dw_netdev_fp_set().
 */
void dw_netdev_fp_clear(struct dw_netdev *nd);

/**
 * Ask lib/netdev to reset @p nd: the one call a driver makes when its device
 * needs a reset (tx hang, a NEEDS_RESET status, a reset interrupt). The reset
 * runs later on the port's ctrl workqueue: control lock, dummy fast path and
 * a wait for the readers (dw_netdev_fp_clear()), then ops->reset(), then
 * DW_NETDEV_EV_RESET to the subscribers. Requests made while one is pending
 * merge into it. Safe from the driver's own work items (it only queues).
 *
 * @return 0 (queued or merged); -ENOTSUP (no reset op); -ENODEV (closing);
 *   -ESHUTDOWN (the ctrl workqueue is destroyed).
 * Context: any thread, including DPDK's interrupt thread; does not sleep.
 */
int dw_netdev_reset_request(struct dw_netdev *nd);

/**
 * Take the control lock of @p nd, as lib/netdev does around ops.
 * @return 0 with the lock held; -ENODEV (port closing: lock not taken).
 * Context: driver work items; sleeps.
 */
int dw_netdev_ctrl_lock(struct dw_netdev *nd);
/**
 * Release the control lock taken by dw_netdev_ctrl_lock().
 * Context: the thread that holds it; never sleeps.
 */
void dw_netdev_ctrl_unlock(struct dw_netdev *nd);

/**
 * True while the port is started.
 * Context: any thread; lock-free (exact only under the control lock).
 */
bool dw_netdev_started(const struct dw_netdev *nd);

/**
 * Deliver @p events (DW_NETDEV_EV_* bits) to the port's subscribers: each
 * interested subscription gets the bits added to its pending set and its work
 * item queued on its workqueue. Nothing else runs here.
 * Context: any thread, including DPDK's interrupt thread; does not sleep.
 */
void dw_netdev_event_raise(struct dw_netdev *nd, uint32_t events);

/**
 * Count a handled reset (dw_netdev_info.resets). lib/netdev's reset work
 * counts its own; only a driver that resets on its own path calls this.
 * Context: any thread; lock-free (one atomic add).
 */
void dw_netdev_reset_count(struct dw_netdev *nd);

/** Log type of lib/netdev (dw.netdev), for drivers reporting on its behalf. */
extern int dw_netdev_logtype;

#ifdef __cplusplus
}
#endif

#endif /* DW_NETDEV_DRIVER_H */
