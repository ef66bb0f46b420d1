/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_NETDEV_H
#define DW_NETDEV_H

/**
 * @file
 * dwork ports: what the application and the lcore run loop use.
 *
 * A port is opened from a devargs string; a driver registered for the
 * string's prefix probes it (see dw_netdev_driver.h). The slow-path calls
 * (configure, start, stop, close, link, stats, interrupts control) take the
 * port's control lock and may sleep. The fast path, dw_netdev_rx_burst() and
 * dw_netdev_tx_burst(), is one indirect call through a cache-aligned per-port
 * table, with no lock, no check and no syscall.
 *
 * Rx interrupts: a queue may have an interrupt fd (dw_netdev_rx_intr_fd()),
 * meant for the caller's own epoll set in edge-triggered mode. The fd is never
 * to be read: on some devices it is the packet fd itself. The sleep protocol is
 * poll until idle, dw_netdev_rx_intr_arm() (which re-checks the queue), then
 * epoll_wait(); -EAGAIN from arm means "packets may already be there, poll
 * again". After waking, poll and call dw_netdev_rx_intr_disarm() if the
 * queue is to stay in polling mode.
 *
 * Events (link change, reset, removal, new rx interrupt fds) are delivered as
 * work items on a workqueue the subscriber chooses; the callback runs in a
 * work function (slow path, may sleep), never on DPDK's interrupt thread.
 *
 * Errors: every int call returns 0 (or a documented non-negative value) or a
 * negative errno, and logs the error on the dw.netdev log type.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dw_wq;

/** Most ports open at once; port ids are 0 .. DW_NETDEV_MAX_PORTS - 1. */
#define DW_NETDEV_MAX_PORTS 32
/** Most rx (and most tx) queues of one port. */
#define DW_NETDEV_MAX_QUEUES 64
/** Size of a port name, terminating NUL included. */
#define DW_NETDEV_NAME_LEN 64
/** Size of an xstat name, terminating NUL included. */
#define DW_NETDEV_XSTAT_NAME_LEN 64

/** Receive function of a driver: @p rxq is the queue's driver context. */
typedef uint16_t (*dw_netdev_rx_burst_t)(void *rxq, struct rte_mbuf **pkts, uint16_t n);
/** Transmit function of a driver: @p txq is the queue's driver context. */
typedef uint16_t (*dw_netdev_tx_burst_t)(void *txq, struct rte_mbuf **pkts, uint16_t n);

/**
 * Fast path of one port: burst functions and per-queue driver contexts. Each
 * table is immutable once published; lib/netdev publishes a port's table as
 * one pointer (dw_netdev_fps[]), so an lcore sees one whole table, never a
 * new queue array with an old function. While the port is stopped or being
 * reset the table is a dummy that receives and sends nothing.
 */
struct dw_netdev_fp {
	dw_netdev_rx_burst_t rx_burst; /**< Receive function. */
	void **rxq;		       /**< Per rx queue driver context. */
	dw_netdev_tx_burst_t tx_burst; /**< Transmit function. */
	void **txq;		       /**< Per tx queue driver context. */
} __rte_cache_aligned;

/**
 * Published table per port id; internal to the inline functions below.
 * lcores: ro (acquire); lib/netdev: wo (release) under the port's control
 * lock, followed by a wait for the readers (see dw_netdev_reader_register()).
 */
extern const struct dw_netdev_fp *dw_netdev_fps[DW_NETDEV_MAX_PORTS];

/**
 * Receive up to @p n packets from rx queue @p q of @p port.
 *
 * No argument is checked: @p port must be a port id below
 * DW_NETDEV_MAX_PORTS and @p q one of its configured rx queues, polled by one
 * thread at a time. A thread registered as a reader
 * (dw_netdev_reader_register(), which every napi loop is) may keep calling
 * this while the port is stopped, reset or closed: it gets 0 packets, and the
 * control side waits for its burst in flight before it touches the device.
 * Any other thread must not poll a port that may stop, reset or close.
 *
 * @return Packets stored in @p pkts (0 .. @p n).
 * Context: the lcore that owns the queue; does not sleep.
 */
static inline uint16_t
dw_netdev_rx_burst(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	/* Acquire: pairs with the release in dw_netdev_fp_set(): the table is complete. */
	const struct dw_netdev_fp *fp = __atomic_load_n(&dw_netdev_fps[port], __ATOMIC_ACQUIRE);

	return fp->rx_burst(fp->rxq[q], pkts, n);
}

/**
 * Send up to @p n packets on tx queue @p q of @p port. The packets sent are
 * owned by the driver; the caller keeps (and must free or retry) the rest.
 * Same rules as dw_netdev_rx_burst() (a stopped or resetting port sends
 * nothing: the caller keeps every packet).
 *
 * @return Packets taken from the front of @p pkts (0 .. @p n).
 * Context: the lcore that owns the queue; does not sleep.
 */
static inline uint16_t
dw_netdev_tx_burst(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	/* Acquire: pairs with the release in dw_netdev_fp_set(). */
	const struct dw_netdev_fp *fp = __atomic_load_n(&dw_netdev_fps[port], __ATOMIC_ACQUIRE);

	return fp->tx_burst(fp->txq[q], pkts, n);
}

/**
 * @name Fast-path readers (RCU, quiescent-state based)
 *
 * lib/netdev tears a port down (stop, reset, close, removal) in three steps:
 * publish the dummy table, wait until every registered reader has passed a
 * quiescent state (DPDK's rte_rcu_qsbr), then touch the device. A reader is a
 * thread that calls the burst functions or dw_netdev_rx_intr_arm()/disarm():
 * between two quiescent states it may use what it loaded; after reporting one
 * it holds nothing. Every napi loop is a reader (online at loop begin,
 * quiescent after each dw_napi_poll_once(), offline while it sleeps,
 * unregistered at loop end); an application polling from a loop of its own
 * without lib/napi calls these itself. An online reader that stops reporting
 * holds every port teardown up: go offline before blocking.
 * @{
 */

/**
 * Make the calling lcore a fast-path reader, online.
 * @return 0; -ENOTSUP (not an EAL or registered non-EAL lcore); -EALREADY
 *   (already a reader); -ENOMEM (the library failed its set-up).
 * Context: the lcore itself, outside any burst; does not sleep.
 */
int dw_netdev_reader_register(void);

/**
 * Stop being a reader (going offline first).
 * @return 0; -ENOENT (not a reader).
 * Context: the reader itself, outside any burst; does not sleep.
 */
int dw_netdev_reader_unregister(void);

/**
 * Report a quiescent state: the caller holds nothing it loaded from a port's
 * fast path. A no-op for a thread that is not an online reader.
 * Context: the reader, between bursts; does not sleep.
 */
void dw_netdev_reader_quiescent(void);

/**
 * Go offline (before blocking: teardowns no longer wait for this thread) or
 * back online (before the next burst). No-ops for a thread that is not a
 * reader. Context: the reader, between bursts; does not sleep.
 */
void dw_netdev_reader_offline(void);
/**
 * See dw_netdev_reader_offline().
 * Context: the reader, between bursts; does not sleep.
 */
void dw_netdev_reader_online(void);
/** @} */

/**
 * @name Port configuration flags
 * @{
 */
/** Do not ask the device for rx interrupts (queues report no fd). */
#define DW_NETDEV_F_NO_RX_INTR RTE_BIT32(0)
/** Do not ask the device for link-state-change interrupts. */
#define DW_NETDEV_F_NO_LSC RTE_BIT32(1)
/**
 * Do not watch the link state. By default drivers whose devices may miss
 * link-change interrupts check the link periodically on the ctrl wq and raise
 * DW_NETDEV_EV_LSC for changes nobody reported (see doc/guides/netdev.md).
 */
#define DW_NETDEV_F_NO_LINK_WATCH RTE_BIT32(2)
/** @} */
/** Every flag dw_netdev_configure() accepts. */
#define DW_NETDEV_F_ALL (DW_NETDEV_F_NO_RX_INTR | DW_NETDEV_F_NO_LSC | DW_NETDEV_F_NO_LINK_WATCH)

/** Port configuration for dw_netdev_configure(). */
struct dw_netdev_conf {
	size_t size;		/**< sizeof(struct dw_netdev_conf); rules in dw_common.h. */
	uint32_t flags;		/**< DW_NETDEV_F_* flags. */
	uint16_t nb_rxq;	/**< Rx queues, 1 .. DW_NETDEV_MAX_QUEUES. */
	uint16_t nb_txq;	/**< Tx queues, 1 .. DW_NETDEV_MAX_QUEUES. */
	uint16_t nb_rxd;	/**< Rx descriptors per queue; 0: driver default. */
	uint16_t nb_txd;	/**< Tx descriptors per queue; 0: driver default. */
	struct rte_mempool *mp; /**< Mbuf pool for every rx queue; required. */
	/**
	 * Workqueue for the driver's own slow work (reset handling); NULL means
	 * dw_system_wq. Must outlive the port.
	 */
	struct dw_wq *ctrl_wq;
};

/**
 * Open a port: find the driver registered for @p devargs' prefix and probe.
 *
 * @param devargs
 *   Device string, e.g. "net_null0", "net_tap0,iface=dtap0", "0000:00:04.0".
 *   The port is named after the device ("net_tap0").
 * @return
 *   The port id (>= 0), or -EINVAL (NULL or too long devargs), -ENODEV (no
 *   driver for @p devargs, or the driver found no such device), -EEXIST (a
 *   port of that name is open), -ENOSPC (DW_NETDEV_MAX_PORTS ports open),
 *   -ENOMEM, or the driver's probe error.
 * Context: control thread after rte_eal_init(); may sleep.
 */
int dw_netdev_open(const char *devargs);

/**
 * Configure a stopped port: queues, descriptors, mempool, interrupts.
 * May be called again (stopped) to change the configuration.
 *
 * @return
 *   0; -ENODEV (bad port), -EINVAL (NULL or bad conf: size below 0.1.0's,
 *   unknown flags, queue counts 0 or over DW_NETDEV_MAX_QUEUES or over the
 *   device's limits, no mempool), -E2BIG (conf bigger than this library's
 *   with a non-zero byte beyond it), -EBUSY (port started), or the driver's error.
 * Context: control thread; may sleep.
 */
int dw_netdev_configure(uint16_t port, const struct dw_netdev_conf *conf);

/**
 * Start a configured port. Rx interrupt fds may change across stop/start:
 * fetch them again (a DW_NETDEV_EV_RXQ_FD event is also delivered when they
 * changed).
 *
 * @return 0; -ENODEV (bad port); -EALREADY (started); -EINVAL (not
 *   configured); the driver's error.
 * Context: control thread; may sleep.
 */
int dw_netdev_start(uint16_t port);

/**
 * Stop a started port. The dummy fast path is published and every reader's
 * burst in flight is waited for before the device is stopped; readers may keep
 * polling the stopped port (they get nothing). Other threads must have
 * stopped polling it.
 *
 * @return 0; -ENODEV (bad port); -EALREADY (not started); the driver's error.
 * Context: control thread; may sleep.
 */
int dw_netdev_stop(uint16_t port);

/**
 * Close a port (stopping it first, as dw_netdev_stop() does: readers are
 * waited for) and release it: a pending reset is cancelled, pending event deliveries
 * are cancelled, running ones waited for, subscriptions dropped, the driver's
 * work cancelled, the device detached. The port id becomes invalid.
 *
 * @return 0; -ENODEV (bad or already closed port); -EDEADLK (called from an
 *   event callback of this port); the driver's error (the port is still
 *   released).
 * Context: control thread, not an event callback of this port; sleeps.
 */
int dw_netdev_close(uint16_t port);

/**
 * Reset @p port as if its device had asked for it: queue the reset on the
 * port's ctrl workqueue and return. The reset publishes the dummy fast path,
 * waits for the readers' bursts in flight, has the driver reset and set the
 * device up again (restarted if it was started), publishes the new fast path
 * and raises DW_NETDEV_EV_RESET. Readers may keep polling throughout. Requests
 * made while one is pending merge into it.
 *
 * @return 0 (queued or merged); -ENODEV (bad or closing port); -ENOTSUP (the
 *   driver cannot reset); -ESHUTDOWN (the ctrl workqueue is destroyed).
 * Context: any thread; does not sleep.
 */
int dw_netdev_reset(uint16_t port);

/**
 * Look a port up by name (the device name, e.g. "net_tap0").
 * @return The port id, or -EINVAL (NULL name), -ENODEV (no such port).
 * Context: any thread; may sleep briefly (takes the port table lock).
 */
int dw_netdev_lookup(const char *name);

/** True if @p port is an open port. Context: any thread. */
bool dw_netdev_is_valid(uint16_t port);

/** Static facts about a port. */
struct dw_netdev_info {
	char name[DW_NETDEV_NAME_LEN]; /**< Port name. */
	const char *driver;	       /**< dwork driver name ("ethdev"). */
	uint16_t max_rxq, max_txq;     /**< Device limits. */
	uint16_t nb_rxq, nb_txq;       /**< Configured queues (0 before configure). */
	bool started;		       /**< Port started. */
	bool lsc_intr;		       /**< Link changes are reported by interrupt. */
	uint16_t nb_rxq_intr;	       /**< Rx queues with an interrupt fd. */
	/**
	 * Of those, queues whose arm cannot re-check for packets that arrived
	 * before the interrupt was enabled (no queue count, no descriptor
	 * status, fd not a packet fd: virtio-user in DPDK 22.11). Arm returns 0
	 * for them; a sleeper must bound its epoll timeout.
	 */
	uint16_t nb_rxq_intr_nocheck;
	uint64_t resets; /**< Resets handled since open. */
};

/**
 * Fill @p info for @p port.
 * @return 0; -ENODEV (bad port); -EINVAL (NULL info).
 * @p size: sizeof the caller's struct as its header had it (dw_netdev_info_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: any control thread; may sleep.
 */
int dw_netdev_info_get_sized(uint16_t port, struct dw_netdev_info *info, size_t size);

/**
 * dw_netdev_info_get_sized() with this header's struct size: the call to use.
 * Context: as dw_netdev_info_get_sized().
 */
static inline int
dw_netdev_info_get(uint16_t port, struct dw_netdev_info *info)
{
	return dw_netdev_info_get_sized(port, info, sizeof(*info));
}

/**
 * Name of @p port, or NULL with rte_errno = ENODEV. The string lives as long
 * as the port. Context: any thread.
 */
const char *dw_netdev_name(uint16_t port);

/**
 * Interrupt fd of rx queue @p q, for the caller's epoll (EPOLLIN | EPOLLET).
 * Never read from it. The fd belongs to the device: do not close it. It may
 * change across stop/start, reset and link-up (DW_NETDEV_EV_RXQ_FD).
 *
 * @return The fd (>= 0); -ENODEV (bad port); -EINVAL (queue out of range);
 *   -EIO (port not started); -ENOTSUP (the queue has no interrupt).
 * Context: control thread or the queue's lcore; does not sleep.
 */
int dw_netdev_rx_intr_fd(uint16_t port, uint16_t q);

/**
 * Arm the interrupt of rx queue @p q, then re-check the queue.
 *
 * @return
 *   0: armed and the queue looked empty after arming: sleeping on the fd is
 *   safe. -EAGAIN: armed, but packets may already be waiting: poll again
 *   (and arm again before sleeping). -ENOTSUP: the queue has no interrupt.
 *   -ENODEV (bad port), -EINVAL (queue out of range), -EIO (not started), or
 *   the driver's error.
 * Context: the lcore that owns the queue; does not sleep.
 */
int dw_netdev_rx_intr_arm(uint16_t port, uint16_t q);

/**
 * Disarm the interrupt of rx queue @p q (back to pure polling).
 * @return 0; -ENOTSUP; -ENODEV; -EINVAL; -EIO; or the driver's error.
 * Context: the lcore that owns the queue; does not sleep.
 */
int dw_netdev_rx_intr_disarm(uint16_t port, uint16_t q);

/** Link state. */
struct dw_netdev_link {
	uint32_t speed_mbps; /**< 0 when unknown or down. */
	bool up;
	bool full_duplex;
	bool autoneg;
};

/**
 * Current link state of @p port, without waiting for negotiation.
 * @return 0; -ENODEV; -EINVAL (NULL link); the driver's error.
 * @p size: sizeof the caller's struct as its header had it (dw_netdev_link_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: control thread or event callback; may sleep.
 */
int dw_netdev_link_get_sized(uint16_t port, struct dw_netdev_link *link, size_t size);

/**
 * dw_netdev_link_get_sized() with this header's struct size: the call to use.
 * Context: as dw_netdev_link_get_sized().
 */
static inline int
dw_netdev_link_get(uint16_t port, struct dw_netdev_link *link)
{
	return dw_netdev_link_get_sized(port, link, sizeof(*link));
}

/** Basic counters of a port (since open or the last reset of counters). */
struct dw_netdev_stats {
	uint64_t ipackets, opackets;
	uint64_t ibytes, obytes;
	uint64_t imissed; /**< Dropped by the device: no rx descriptor. */
	uint64_t ierrors, oerrors;
	uint64_t rx_nombuf; /**< Rx mbuf allocation failures. */
};

/**
 * Read the counters of @p port.
 * @return 0; -ENODEV; -EINVAL (NULL stats); the driver's error.
 * @p size: sizeof the caller's struct as its header had it (dw_netdev_stats_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: control thread; may sleep.
 */
int dw_netdev_stats_get_sized(uint16_t port, struct dw_netdev_stats *stats, size_t size);

/**
 * dw_netdev_stats_get_sized() with this header's struct size: the call to use.
 * Context: as dw_netdev_stats_get_sized().
 */
static inline int
dw_netdev_stats_get(uint16_t port, struct dw_netdev_stats *stats)
{
	return dw_netdev_stats_get_sized(port, stats, sizeof(*stats));
}

/**
 * Zero the counters (and xstats) of @p port.
 * @return 0; -ENODEV; -ENOTSUP; the driver's error.
 * Context: control thread; may sleep.
 */
int dw_netdev_stats_reset(uint16_t port);

/** One extended counter. */
struct dw_netdev_xstat {
	char name[DW_NETDEV_XSTAT_NAME_LEN];
	uint64_t value;
};

/**
 * Read the extended counters of @p port into @p xstats.
 *
 * @param xstats
 *   Array of @p n entries; may be NULL when @p n is 0 (to size the array).
 * @return
 *   The number of counters the port has: when it is greater than @p n only
 *   the first @p n were stored (retry with a larger array). -ENODEV;
 *   -EINVAL (NULL xstats with n > 0); -ENOTSUP; the driver's error.
 * Context: control thread; may sleep.
 */
int dw_netdev_xstats_get(uint16_t port, struct dw_netdev_xstat *xstats, unsigned int n);

/**
 * @name Events (bits of an events mask)
 * @{
 */
/** Link state changed: read it with dw_netdev_link_get(). */
#define DW_NETDEV_EV_LSC RTE_BIT32(0)
/** The device asked for a reset and the driver has reset and restarted the port. */
#define DW_NETDEV_EV_RESET RTE_BIT32(1)
/** The device was removed (hot-unplug): close the port. */
#define DW_NETDEV_EV_RMV RTE_BIT32(2)
/** Rx interrupt fds changed (after start, reset or link-up): re-add them to epoll. */
#define DW_NETDEV_EV_RXQ_FD RTE_BIT32(3)
/** @} */
/** Every event bit. */
#define DW_NETDEV_EV_ALL                                                                           \
	(DW_NETDEV_EV_LSC | DW_NETDEV_EV_RESET | DW_NETDEV_EV_RMV | DW_NETDEV_EV_RXQ_FD)

/**
 * Event callback: runs in a work function on the subscriber's workqueue, once
 * per event bit. Events of one kind raised while a delivery is still pending
 * are merged into that delivery (the callback tells "something changed", the
 * state is read afterwards). May sleep (on a pool workqueue) and may call any
 * dw_netdev function but dw_netdev_close() and dw_netdev_event_unsubscribe()
 * of its own port.
 */
typedef void (*dw_netdev_event_cb_t)(uint16_t port, uint32_t event, void *arg);

/**
 * Subscribe to events of @p port.
 *
 * @param events
 *   Mask of DW_NETDEV_EV_* bits, not 0.
 * @param wq
 *   Workqueue the callback runs on; must outlive the subscription.
 * @return
 *   A subscription id (>= 0, unique in the process: never reused for the
 *   next port opened under the same id) for dw_netdev_event_unsubscribe(); -ENODEV (bad
 *   port), -EINVAL (NULL wq or cb, empty mask or unknown bits), -ENOMEM.
 * Context: control thread; may sleep.
 */
int dw_netdev_event_subscribe(uint16_t port, uint32_t events, struct dw_wq *wq,
			      dw_netdev_event_cb_t cb, void *arg);

/**
 * Drop a subscription: a pending delivery is cancelled and a running one is
 * waited for. No callback of it runs after this returns.
 *
 * @return 0; -ENODEV (bad port); -ENOENT (no such subscription); -EDEADLK
 *   (called from that subscription's own callback).
 * Context: control thread; sleeps.
 */
int dw_netdev_event_unsubscribe(uint16_t port, int sub_id);

#ifdef __cplusplus
}
#endif

#endif /* DW_NETDEV_H */
