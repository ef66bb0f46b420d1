/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/netdev's port table and the calls applications make on ports.
 *
 * dw_netdev_open() picks the driver registered for the devargs (longest
 * prefix, then the driver's match()), lets it probe, and only then publishes
 * the port in netdev_ports[] (release; lcore-side lookups acquire), so nobody
 * sees a half-probed port. Opens are serialised by netdev_open_lock; the
 * table and names by netdev_table_lock.
 *
 * Control calls (configure, start, stop, close, stats, info) look the port up
 * and take its control lock (netdev_get_locked()), which serialises them with
 * the driver's own work (reset, link) that takes the same lock. A port's
 * state machine is PROBED -> CONFIGURED <-> STARTED -> CLOSING; CLOSING makes
 * every later call fail with -ENODEV. The fast path never takes a lock: stop
 * and close replace it with dummies that receive and send nothing before the
 * driver touches the device. Close drops the lock before calling the driver
 * (which cancels its work synchronously, and that work takes the lock), then
 * cancels the event subscriptions, removes the port from the table and takes
 * the lock once more so that a caller that found the port before the removal
 * has left before the memory goes.
 *
 * The lcore-side calls (rx interrupt fd, arm, disarm) use netdev_get_fast():
 * no lock and no sleep, as the napi loop needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "common_private.h"
#include "dw_debug.h"
#include "netdev_private.h"

RTE_LOG_REGISTER(dw_netdev_logtype, dw.netdev, INFO);

RTE_INIT(netdev_init)
{
	netdev_telemetry_register();
}

/* The fast path of a stopped (or never opened) port: nothing in, nothing out. */
static uint16_t
netdev_dummy_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return 0;
}

static void *netdev_dummy_queues[DW_NETDEV_MAX_QUEUES];

const struct dw_netdev_fp netdev_fp_dummy = {
	.rx_burst = netdev_dummy_burst,
	.rxq = netdev_dummy_queues,
	.tx_burst = netdev_dummy_burst,
	.txq = netdev_dummy_queues,
};

const struct dw_netdev_fp *dw_netdev_fps[DW_NETDEV_MAX_PORTS] = {
	[0 ... DW_NETDEV_MAX_PORTS - 1] = &netdev_fp_dummy,
};

/*
 * The tables dw_netdev_fp_set() publishes, two per port id: while one is
 * published the other is unused (every publication waits for the readers
 * before it returns), so it can be filled in place for the next one. Static,
 * not in struct dw_netdev: a stale reader never touches freed memory.
 */
static struct dw_netdev_fp netdev_fp_slots[DW_NETDEV_MAX_PORTS][2];

static void netdev_reset_work(struct dw_work *work);

pthread_mutex_t netdev_table_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * Serializes dw_netdev_open() calls from probe to publication, so that two
 * opens of one device cannot both probe it (the loser's cleanup would close
 * the winner's device). Taken before netdev_table_lock.
 */
static pthread_mutex_t netdev_open_lock = PTHREAD_MUTEX_INITIALIZER;
struct dw_netdev *netdev_ports[DW_NETDEV_MAX_PORTS]; /* Under netdev_table_lock. */

/* Drivers; written by constructors and read at open, under netdev_table_lock. */
static TAILQ_HEAD(, dw_netdev_driver) netdev_drivers = TAILQ_HEAD_INITIALIZER(netdev_drivers);

void
dw_netdev_driver_register(struct dw_netdev_driver *drv)
{
	pthread_mutex_lock(&netdev_table_lock);
	TAILQ_INSERT_TAIL(&netdev_drivers, drv, next);
	pthread_mutex_unlock(&netdev_table_lock);
}

/* The driver for @p devargs: longest matching prefix, then match(). Table lock held. */
static const struct dw_netdev_driver *
netdev_driver_find(const char *devargs)
{
	const struct dw_netdev_driver *drv, *best = NULL;
	size_t best_len = 0;

	TAILQ_FOREACH(drv, &netdev_drivers, next) {
		size_t len = drv->prefix != NULL ? strlen(drv->prefix) : 0;

		if (len > 0 && strncmp(devargs, drv->prefix, len) == 0 && len > best_len) {
			best = drv;
			best_len = len;
		}
	}
	if (best != NULL)
		return best;
	TAILQ_FOREACH(drv, &netdev_drivers, next) {
		if (drv->match != NULL && drv->match(devargs))
			return drv;
	}
	return NULL;
}

static struct dw_netdev *
netdev_find_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < DW_NETDEV_MAX_PORTS; i++) {
		if (netdev_ports[i] != NULL && strcmp(netdev_ports[i]->name, name) == 0)
			return netdev_ports[i];
	}
	return NULL;
}

struct dw_netdev *
netdev_get_locked(uint16_t port, const char *caller)
{
	struct dw_netdev *nd = NULL;

	pthread_mutex_lock(&netdev_table_lock);
	if (port < DW_NETDEV_MAX_PORTS)
		nd = netdev_ports[port];
	if (nd != NULL) {
		pthread_mutex_lock(&nd->ctrl_lock);
		if (nd->state == NETDEV_CLOSING) {
			pthread_mutex_unlock(&nd->ctrl_lock);
			nd = NULL;
		}
	}
	pthread_mutex_unlock(&netdev_table_lock);
	if (nd == NULL)
		rte_log(RTE_LOG_ERR, dw_netdev_logtype, "%s(): port %u: no such port\n", caller,
			port);
	return nd;
}

/* Unlocked lookup for the lcore-side calls (arm, disarm, fd): no lock, no sleep. */
static struct dw_netdev *
netdev_get_fast(uint16_t port, uint16_t q, int *err, const char *caller)
{
	struct dw_netdev *nd = NULL;

	if (port < DW_NETDEV_MAX_PORTS)
		nd = __atomic_load_n(&netdev_ports[port], __ATOMIC_ACQUIRE);
	if (nd == NULL || __atomic_load_n(&nd->state, __ATOMIC_RELAXED) == NETDEV_CLOSING) {
		*err = -ENODEV;
		rte_log(RTE_LOG_ERR, dw_netdev_logtype, "%s(): port %u: no such port\n", caller,
			port);
		return NULL;
	}
	if (__atomic_load_n(&nd->state, __ATOMIC_RELAXED) != NETDEV_STARTED) {
		*err = -EIO;
		rte_log(RTE_LOG_ERR, dw_netdev_logtype, "%s(): port %u: not started\n", caller,
			port);
		return NULL;
	}
	/*
	 * Started, but the dummy table is published: a reset is under way.
	 * A reader that loaded the real table before the reset published the
	 * dummy is waited for by the reset (it is inside its read-side
	 * section until its next quiescent state), so the driver is never
	 * called on a device being reset. Expected while lcores keep polling:
	 * debug level only.
	 */
	if (__atomic_load_n(&dw_netdev_fps[port], __ATOMIC_ACQUIRE) == &netdev_fp_dummy) {
		*err = -EIO;
		rte_log(RTE_LOG_DEBUG, dw_netdev_logtype, "%s(): port %u: resetting\n", caller,
			port);
		return NULL;
	}
	if (q >= nd->conf.nb_rxq) {
		*err = -EINVAL;
		rte_log(RTE_LOG_ERR, dw_netdev_logtype,
			"%s(): port %u: rx queue %u out of range (%u queues)\n", caller, port, q,
			nd->conf.nb_rxq);
		return NULL;
	}
	return nd;
}

int
dw_netdev_open(const char *devargs)
{
	const struct dw_netdev_driver *drv;
	struct dw_netdev *nd;
	int port = -1, ret;
	unsigned int i;

	if (devargs == NULL || strnlen(devargs, NETDEV_DEVARGS_LEN) == NETDEV_DEVARGS_LEN) {
		NETDEV_LOG(ERR, "NULL or too long devargs");
		return -EINVAL;
	}
	nd = calloc(1, sizeof(*nd));
	if (nd == NULL) {
		NETDEV_LOG(ERR, "%s: no memory for a port", devargs);
		ret = -ENOMEM;
		goto out;
	}
	pthread_mutex_init(&nd->ctrl_lock, NULL);
	dw_work_init(&nd->reset_work, netdev_reset_work);
	rte_spinlock_init(&nd->subs_lock);
	TAILQ_INIT(&nd->subs);
	nd->state = NETDEV_PROBED;

	pthread_mutex_lock(&netdev_open_lock);
	pthread_mutex_lock(&netdev_table_lock);
	drv = netdev_driver_find(devargs);
	for (i = 0; i < DW_NETDEV_MAX_PORTS && port < 0; i++) {
		if (netdev_ports[i] == NULL)
			port = (int)i;
	}
	pthread_mutex_unlock(&netdev_table_lock);
	if (drv == NULL) {
		NETDEV_LOG(ERR, "%s: no driver for these devargs", devargs);
		ret = -ENODEV;
		goto free_nd;
	}
	if (port < 0) {
		NETDEV_LOG(ERR, "%s: all %d ports in use", devargs, DW_NETDEV_MAX_PORTS);
		ret = -ENOSPC;
		goto free_nd;
	}
	nd->drv = drv;
	nd->port_id = (uint16_t)port;
	/* The driver names the port; the slot is claimed once it is probed. */
	ret = drv->probe(nd, devargs);
	if (ret < 0) {
		NETDEV_LOG(ERR, "%s: %s driver probe failed: %s", devargs, drv->name,
			   strerror(-ret));
		goto free_nd;
	}
	pthread_mutex_lock(&netdev_table_lock);
	if (netdev_ports[port] != NULL || nd->name[0] == '\0' || netdev_find_name(nd->name)) {
		pthread_mutex_unlock(&netdev_table_lock);
		NETDEV_LOG(ERR, "%s: port %d or name '%s' taken meanwhile", devargs, port,
			   nd->name);
		ret = -EEXIST;
		goto close_drv;
	}
	/* Pairs with the acquire in netdev_get_fast(): the port is complete. */
	__atomic_store_n(&netdev_ports[port], nd, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&netdev_table_lock);
	pthread_mutex_unlock(&netdev_open_lock);
	NETDEV_LOG(INFO, "port %d: %s (driver %s)", port, nd->name, drv->name);
	return port;

close_drv:
	nd->state = NETDEV_CLOSING;
	nd->ops->close(nd);
free_nd:
	pthread_mutex_unlock(&netdev_open_lock);
	pthread_mutex_destroy(&nd->ctrl_lock);
	free(nd);
out:
	return ret;
}

int
dw_netdev_configure(uint16_t port, const struct dw_netdev_conf *conf)
{
	struct dw_netdev_conf c;
	struct dw_netdev *nd;
	int ret;

	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	if (conf != NULL && (ret = DW_CONF_COPY(dw_netdev_logtype, &c, conf, ctrl_wq)) < 0)
		goto unlock;
	conf = conf != NULL ? &c : NULL;
	if (conf == NULL || (conf->flags & ~DW_NETDEV_F_ALL) || conf->nb_rxq == 0 ||
	    conf->nb_rxq > DW_NETDEV_MAX_QUEUES || conf->nb_txq == 0 ||
	    conf->nb_txq > DW_NETDEV_MAX_QUEUES || conf->mp == NULL) {
		NETDEV_LOG(ERR, "port %u: bad configuration", port);
		ret = -EINVAL;
		goto unlock;
	}
	if (nd->state == NETDEV_STARTED) {
		NETDEV_LOG(ERR, "port %u: started, stop it first", port);
		ret = -EBUSY;
		goto unlock;
	}
	ret = nd->ops->configure(nd, conf);
	if (ret < 0) {
		NETDEV_LOG(ERR, "port %u: configure failed: %s", port, strerror(-ret));
		goto unlock;
	}
	nd->conf = *conf;
	/* Relaxed: read by dw_netdev_reset_request(), which may run on any thread. */
	__atomic_store_n(&nd->ctrl_wq, conf->ctrl_wq, __ATOMIC_RELAXED);
	__atomic_store_n(&nd->state, NETDEV_CONFIGURED, __ATOMIC_RELAXED);
unlock:
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

int
dw_netdev_start(uint16_t port)
{
	struct dw_netdev *nd;
	int ret;

	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	if (nd->state == NETDEV_STARTED) {
		ret = -EALREADY;
		goto unlock;
	}
	if (nd->state != NETDEV_CONFIGURED) {
		NETDEV_LOG(ERR, "port %u: not configured", port);
		ret = -EINVAL;
		goto unlock;
	}
	ret = nd->ops->start(nd);
	if (ret < 0) {
		NETDEV_LOG(ERR, "port %u: start failed: %s", port, strerror(-ret));
		goto unlock;
	}
	__atomic_store_n(&nd->state, NETDEV_STARTED, __ATOMIC_RELAXED);
unlock:
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

int
dw_netdev_stop(uint16_t port)
{
	struct dw_netdev *nd;
	int ret;

	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	if (nd->state != NETDEV_STARTED) {
		ret = -EALREADY;
		goto unlock;
	}
	dw_netdev_fp_clear(nd);
	__atomic_store_n(&nd->state, NETDEV_CONFIGURED, __ATOMIC_RELAXED);
	ret = nd->ops->stop(nd);
	if (ret < 0)
		NETDEV_LOG(ERR, "port %u: stop failed: %s", port, strerror(-ret));
unlock:
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

/* True if the calling thread runs an event delivery of @p nd. */
static bool
netdev_in_own_callback(struct dw_netdev *nd)
{
	struct dw_work *cur = dw_current_work();
	struct netdev_sub *s;
	bool found = false;

	if (cur == NULL)
		return false;
	rte_spinlock_lock(&nd->subs_lock);
	TAILQ_FOREACH(s, &nd->subs, next) {
		if (&s->work == cur)
			found = true;
	}
	rte_spinlock_unlock(&nd->subs_lock);
	return found;
}

int
dw_netdev_close(uint16_t port)
{
	struct netdev_sub *s;
	struct dw_netdev *nd;
	int ret;

	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	if (netdev_in_own_callback(nd)) {
		pthread_mutex_unlock(&nd->ctrl_lock);
		NETDEV_LOG(ERR, "port %u: close from its own event callback", port);
		return -EDEADLK;
	}
	dw_netdev_fp_clear(nd);
	__atomic_store_n(&nd->state, NETDEV_CLOSING, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&nd->ctrl_lock);

	/* Unlocked from here: the driver cancels its own work synchronously. */
	ret = nd->ops->close(nd);
	if (ret < 0)
		NETDEV_LOG(ERR, "port %u: driver close failed: %s", port, strerror(-ret));

	/* No event can be raised any more: drop the subscriptions. */
	for (;;) {
		rte_spinlock_lock(&nd->subs_lock);
		s = TAILQ_FIRST(&nd->subs);
		if (s != NULL)
			TAILQ_REMOVE(&nd->subs, s, next);
		rte_spinlock_unlock(&nd->subs_lock);
		if (s == NULL)
			break;
		dw_cancel_work_sync(&s->work);
		free(s);
	}

	pthread_mutex_lock(&netdev_table_lock);
	__atomic_store_n(&netdev_ports[port], NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&netdev_table_lock);
	/*
	 * The driver requests no reset after its close, dw_netdev_reset() only
	 * under the table lock before the removal: a request queued by either
	 * is cancelled here, and a run that starts sees CLOSING and returns.
	 */
	dw_cancel_work_sync(&nd->reset_work);
	/* A caller that took ctrl_lock from the table before the removal is gone
	 * once we get the lock (it saw CLOSING); none can come after it. */
	pthread_mutex_lock(&nd->ctrl_lock);
	pthread_mutex_unlock(&nd->ctrl_lock);
	pthread_mutex_destroy(&nd->ctrl_lock);
	NETDEV_LOG(INFO, "port %u: %s closed", port, nd->name);
	free(nd);
	return ret;
}

int
dw_netdev_lookup(const char *name)
{
	struct dw_netdev *nd;
	int ret;

	if (name == NULL) {
		NETDEV_LOG(ERR, "NULL name");
		return -EINVAL;
	}
	pthread_mutex_lock(&netdev_table_lock);
	nd = netdev_find_name(name);
	ret = nd != NULL ? nd->port_id : -ENODEV;
	pthread_mutex_unlock(&netdev_table_lock);
	if (ret < 0)
		NETDEV_LOG(ERR, "no port named '%s'", name);
	return ret;
}

bool
dw_netdev_is_valid(uint16_t port)
{
	struct dw_netdev *nd;

	if (port >= DW_NETDEV_MAX_PORTS)
		return false;
	nd = __atomic_load_n(&netdev_ports[port], __ATOMIC_ACQUIRE);
	return nd != NULL && __atomic_load_n(&nd->state, __ATOMIC_RELAXED) != NETDEV_CLOSING;
}

const char *
dw_netdev_name(uint16_t port)
{
	struct dw_netdev *nd = NULL;

	if (port < DW_NETDEV_MAX_PORTS)
		nd = __atomic_load_n(&netdev_ports[port], __ATOMIC_ACQUIRE);
	if (nd == NULL) {
		rte_errno = ENODEV;
		return NULL;
	}
	return nd->name;
}

static int
netdev_info_fill(uint16_t port, struct dw_netdev_info *info)
{
	struct dw_netdev *nd;
	int ret = 0;

	if (info == NULL) {
		NETDEV_LOG(ERR, "port %u: NULL info", port);
		return -EINVAL;
	}
	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", nd->name);
	info->driver = nd->drv->name;
	info->started = nd->state == NETDEV_STARTED;
	if (nd->state != NETDEV_PROBED) {
		info->nb_rxq = nd->conf.nb_rxq;
		info->nb_txq = nd->conf.nb_txq;
	}
	info->resets = __atomic_load_n(&nd->resets, __ATOMIC_RELAXED);
	if (nd->ops->info_get != NULL)
		ret = nd->ops->info_get(nd, info);
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

int
dw_netdev_info_get_sized(uint16_t port, struct dw_netdev_info *info, size_t size)
{
	struct dw_netdev_info full;
	int rc = dw_out_check(dw_netdev_logtype, __func__, info, size,
			      DW_CONF_END(struct dw_netdev_info, resets));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = netdev_info_fill(port, &full);
	if (rc == 0)
		dw_out_put(info, size, &full, sizeof(full));
	return rc;
}

int
dw_netdev_rx_intr_fd(uint16_t port, uint16_t q)
{
	struct dw_netdev *nd;
	int ret;

	nd = netdev_get_fast(port, q, &ret, __func__);
	if (nd == NULL)
		return ret;
	if (nd->ops->rx_intr_fd == NULL)
		return -ENOTSUP;
	return nd->ops->rx_intr_fd(nd, q);
}

int
dw_netdev_rx_intr_arm(uint16_t port, uint16_t q)
{
	struct dw_netdev *nd;
	int ret;

	nd = netdev_get_fast(port, q, &ret, __func__);
	if (nd == NULL)
		return ret;
	if (nd->ops->rx_intr_arm == NULL)
		return -ENOTSUP;
	return nd->ops->rx_intr_arm(nd, q);
}

int
dw_netdev_rx_intr_disarm(uint16_t port, uint16_t q)
{
	struct dw_netdev *nd;
	int ret;

	nd = netdev_get_fast(port, q, &ret, __func__);
	if (nd == NULL)
		return ret;
	if (nd->ops->rx_intr_disarm == NULL)
		return -ENOTSUP;
	return nd->ops->rx_intr_disarm(nd, q);
}

static int
netdev_link_fill(uint16_t port, struct dw_netdev_link *link)
{
	struct dw_netdev *nd;
	int ret;

	if (link == NULL) {
		NETDEV_LOG(ERR, "port %u: NULL link", port);
		return -EINVAL;
	}
	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	memset(link, 0, sizeof(*link));
	ret = nd->ops->link_get != NULL ? nd->ops->link_get(nd, link) : -ENOTSUP;
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

int
dw_netdev_link_get_sized(uint16_t port, struct dw_netdev_link *link, size_t size)
{
	struct dw_netdev_link full;
	int rc = dw_out_check(dw_netdev_logtype, __func__, link, size,
			      DW_CONF_END(struct dw_netdev_link, autoneg));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = netdev_link_fill(port, &full);
	if (rc == 0)
		dw_out_put(link, size, &full, sizeof(full));
	return rc;
}

static int
netdev_stats_fill(uint16_t port, struct dw_netdev_stats *stats)
{
	struct dw_netdev *nd;
	int ret;

	if (stats == NULL) {
		NETDEV_LOG(ERR, "port %u: NULL stats", port);
		return -EINVAL;
	}
	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	memset(stats, 0, sizeof(*stats));
	ret = nd->ops->stats_get != NULL ? nd->ops->stats_get(nd, stats) : -ENOTSUP;
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

int
dw_netdev_stats_get_sized(uint16_t port, struct dw_netdev_stats *stats, size_t size)
{
	struct dw_netdev_stats full;
	int rc = dw_out_check(dw_netdev_logtype, __func__, stats, size,
			      DW_CONF_END(struct dw_netdev_stats, rx_nombuf));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = netdev_stats_fill(port, &full);
	if (rc == 0)
		dw_out_put(stats, size, &full, sizeof(full));
	return rc;
}

int
dw_netdev_stats_reset(uint16_t port)
{
	struct dw_netdev *nd;
	int ret;

	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	ret = nd->ops->stats_reset != NULL ? nd->ops->stats_reset(nd) : -ENOTSUP;
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

int
dw_netdev_xstats_get(uint16_t port, struct dw_netdev_xstat *xstats, unsigned int n)
{
	struct dw_netdev *nd;
	int ret;

	if (xstats == NULL && n > 0) {
		NETDEV_LOG(ERR, "port %u: NULL xstats", port);
		return -EINVAL;
	}
	nd = netdev_get_locked(port, __func__);
	if (nd == NULL)
		return -ENODEV;
	ret = nd->ops->xstats_get != NULL ? nd->ops->xstats_get(nd, xstats, n) : -ENOTSUP;
	pthread_mutex_unlock(&nd->ctrl_lock);
	return ret;
}

/* Driver-facing helpers. */

uint16_t
dw_netdev_port_id(const struct dw_netdev *nd)
{
	return nd->port_id;
}

void
dw_netdev_ops_set(struct dw_netdev *nd, const struct dw_netdev_ops *ops)
{
	nd->ops = ops;
}

int
dw_netdev_name_set(struct dw_netdev *nd, const char *name)
{
	int ret = 0;

	if (strnlen(name, DW_NETDEV_NAME_LEN) == DW_NETDEV_NAME_LEN) {
		NETDEV_LOG(ERR, "port name too long");
		return -EINVAL;
	}
	pthread_mutex_lock(&netdev_table_lock);
	if (netdev_find_name(name) != NULL) {
		NETDEV_LOG(ERR, "port name '%s' in use", name);
		ret = -EEXIST;
	} else {
		snprintf(nd->name, sizeof(nd->name), "%s", name);
	}
	pthread_mutex_unlock(&netdev_table_lock);
	return ret;
}

void *
dw_netdev_priv(const struct dw_netdev *nd)
{
	return nd->priv;
}

void
dw_netdev_priv_set(struct dw_netdev *nd, void *priv)
{
	nd->priv = priv;
}

const struct dw_netdev_conf *
dw_netdev_conf_get(const struct dw_netdev *nd)
{
	return &nd->conf;
}

void
dw_netdev_fp_set(struct dw_netdev *nd, dw_netdev_rx_burst_t rx, void **rxq, dw_netdev_tx_burst_t tx,
		 void **txq)
{
	struct dw_netdev_fp *fp = &netdev_fp_slots[nd->port_id][nd->fp_next];

	DW_ASSERT_LOCKED(&nd->ctrl_lock);
	/* The slot was retired by an earlier publication's wait: nobody reads it. */
	fp->rx_burst = rx;
	fp->rxq = rxq;
	fp->tx_burst = tx;
	fp->txq = txq;
	/* Release: pairs with the acquire in dw_netdev_rx_burst()/tx_burst(). */
	__atomic_store_n(&dw_netdev_fps[nd->port_id], fp, __ATOMIC_RELEASE);
	nd->fp_next ^= 1;
	netdev_rcu_sync(nd->port_id);
}

void
dw_netdev_fp_clear(struct dw_netdev *nd)
{
	DW_ASSERT_LOCKED(&nd->ctrl_lock);
	/* Release: pairs with the acquire in dw_netdev_rx_burst()/tx_burst(). */
	__atomic_store_n(&dw_netdev_fps[nd->port_id], &netdev_fp_dummy, __ATOMIC_RELEASE);
	netdev_rcu_sync(nd->port_id);
}

int
dw_netdev_ctrl_lock(struct dw_netdev *nd)
{
	pthread_mutex_lock(&nd->ctrl_lock);
	if (nd->state == NETDEV_CLOSING) {
		pthread_mutex_unlock(&nd->ctrl_lock);
		return -ENODEV;
	}
	return 0;
}

void
dw_netdev_ctrl_unlock(struct dw_netdev *nd)
{
	pthread_mutex_unlock(&nd->ctrl_lock);
}

bool
dw_netdev_started(const struct dw_netdev *nd)
{
	return __atomic_load_n(&nd->state, __ATOMIC_RELAXED) == NETDEV_STARTED;
}

void
dw_netdev_reset_count(struct dw_netdev *nd)
{
	__atomic_fetch_add(&nd->resets, 1, __ATOMIC_RELAXED);
}

/*
 * The reset protocol, on the port's ctrl workqueue: under the control lock,
 * publish the dummy fast path and wait for the readers (no lcore is inside a
 * burst or an arm of this port when fp_clear returns), let the driver reset
 * and restart the device (it publishes the new path), then tell subscribers.
 */
static void
netdev_reset_work(struct dw_work *work)
{
	struct dw_netdev *nd = container_of(work, struct dw_netdev, reset_work);
	bool was_started;
	int ret;

	if (dw_netdev_ctrl_lock(nd) < 0)
		return; /* Closing. */
	was_started = nd->state == NETDEV_STARTED;
	NETDEV_LOG(INFO, "port %u: reset (%s)", nd->port_id, was_started ? "started" : "stopped");
	dw_netdev_fp_clear(nd);
	ret = nd->ops->reset(nd, was_started);
	if (ret < 0) {
		NETDEV_LOG(ERR, "port %u: reset failed: %s; the port is stopped", nd->port_id,
			   strerror(-ret));
		dw_netdev_fp_clear(nd);
		if (was_started)
			__atomic_store_n(&nd->state, NETDEV_CONFIGURED, __ATOMIC_RELAXED);
		dw_netdev_ctrl_unlock(nd);
		return;
	}
	dw_netdev_reset_count(nd);
	dw_netdev_ctrl_unlock(nd);
	NETDEV_LOG(INFO, "port %u: reset done", nd->port_id);
	dw_netdev_event_raise(nd, DW_NETDEV_EV_RESET);
}

int
dw_netdev_reset_request(struct dw_netdev *nd)
{
	struct dw_wq *wq = __atomic_load_n(&nd->ctrl_wq, __ATOMIC_RELAXED);

	if (nd->ops->reset == NULL) {
		NETDEV_LOG(ERR, "port %u: the %s driver cannot reset", nd->port_id, nd->drv->name);
		return -ENOTSUP;
	}
	if (__atomic_load_n(&nd->state, __ATOMIC_RELAXED) == NETDEV_CLOSING) {
		NETDEV_LOG(ERR, "port %u: reset requested while closing", nd->port_id);
		return -ENODEV;
	}
	if (!dw_queue_work(wq != NULL ? wq : dw_system_wq, &nd->reset_work) && rte_errno != 0) {
		NETDEV_LOG(ERR, "port %u: reset not queued: %s", nd->port_id,
			   rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

int
dw_netdev_reset(uint16_t port)
{
	struct dw_netdev *nd = NULL;
	int ret;

	/* The table lock keeps the port from being freed; close cancels what we queue. */
	pthread_mutex_lock(&netdev_table_lock);
	if (port < DW_NETDEV_MAX_PORTS)
		nd = netdev_ports[port];
	if (nd == NULL || __atomic_load_n(&nd->state, __ATOMIC_RELAXED) == NETDEV_CLOSING) {
		pthread_mutex_unlock(&netdev_table_lock);
		NETDEV_LOG(ERR, "port %u: no such port", port);
		return -ENODEV;
	}
	ret = dw_netdev_reset_request(nd);
	pthread_mutex_unlock(&netdev_table_lock);
	return ret;
}
