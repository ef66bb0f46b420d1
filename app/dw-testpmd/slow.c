/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --slow-work: realistic sleeping control work running beside forwarding, on
 * dwork workqueues instead of DPDK's interrupt thread:
 *   - a stats export every second (delayed work that re-queues itself, writes
 *     a JSON line and fsync()s the file);
 *   - a simulated firmware command every 200 ms that sleeps --fw-sleep-ms
 *     (a mailbox waiting for the device), then reads the ports' link state.
 * Forwarding lcores never run any of it: watch their rates stay flat.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dw_common.h"
#include "testpmd.h"

#define EXPORT_PERIOD_US 1000000
#define FW_PERIOD_US 200000

static struct dw_delayed_work export_work;
static struct dw_delayed_work fw_work;
static bool slow_on;			/* main: rw */
static bool slow_stopping;		/* main: wo; wq: ro (atomic) */
static char stats_path[256];		/* main: wo before the first queueing */
static uint64_t exports, export_errors; /* wq: wo; main: ro (relaxed) */
static uint64_t fw_cmds, fw_max_ns;	/* wq: wo; main: ro (relaxed) */

static void
export_fn(struct dw_work *w)
{
	struct dw_netdev_stats st;
	char line[1024];
	unsigned int i;
	size_t len;
	int fd;

	len = (size_t)snprintf(line, sizeof(line), "{\"t_ns\": %" PRIu64 ", \"ports\": [",
			       dw_now_ns());
	for (i = 0; i < tp.nb_ports && len < sizeof(line) - 100; i++) {
		if (!tp.ports[i].open || dw_netdev_stats_get(tp.ports[i].id, &st) != 0)
			continue;
		len +=
		    (size_t)snprintf(line + len, sizeof(line) - len,
				     "%s{\"port\": %u, \"rx\": %" PRIu64 ", \"tx\": %" PRIu64 "}",
				     i == 0 ? "" : ", ", i, st.ipackets, st.opackets);
	}
	len += (size_t)snprintf(line + len, sizeof(line) - len, "]}\n");
	dw_blocking_begin();
	fd = open(stats_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len || fsync(fd) != 0)
		__atomic_fetch_add(&export_errors, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&exports, 1, __ATOMIC_RELAXED);
	if (fd >= 0)
		close(fd);
	dw_blocking_end();
	if (!__atomic_load_n(&slow_stopping, __ATOMIC_ACQUIRE))
		dw_queue_delayed_work(tp.slow_wq, dw_to_delayed_work(w), EXPORT_PERIOD_US);
}

static void
fw_fn(struct dw_work *w)
{
	uint64_t t0 = dw_now_ns(), dt;
	struct dw_netdev_link link;
	unsigned int i;

	/* The "mailbox": post a command, sleep until the firmware answers. */
	dw_blocking_begin();
	usleep(tp_conf.fw_sleep_ms * 1000u);
	dw_blocking_end();
	for (i = 0; i < tp.nb_ports; i++)
		if (tp.ports[i].open)
			dw_netdev_link_get(tp.ports[i].id, &link);
	dt = dw_now_ns() - t0;
	if (dt > __atomic_load_n(&fw_max_ns, __ATOMIC_RELAXED))
		__atomic_store_n(&fw_max_ns, dt, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fw_cmds, 1, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&slow_stopping, __ATOMIC_ACQUIRE))
		dw_queue_delayed_work(tp.slow_wq, dw_to_delayed_work(w), FW_PERIOD_US);
}

/* Start the slow work (main thread). */
int
tp_slow_start(void)
{
	if (tp_conf.stats_file != NULL)
		snprintf(stats_path, sizeof(stats_path), "%s", tp_conf.stats_file);
	else
		snprintf(stats_path, sizeof(stats_path), "/tmp/dw-testpmd-%d.stats", (int)getpid());
	dw_delayed_work_init(&export_work, export_fn);
	dw_delayed_work_init(&fw_work, fw_fn);
	__atomic_store_n(&slow_stopping, false, __ATOMIC_RELEASE);
	dw_queue_delayed_work(tp.slow_wq, &export_work, EXPORT_PERIOD_US);
	dw_queue_delayed_work(tp.slow_wq, &fw_work, FW_PERIOD_US);
	slow_on = true;
	printf("Slow work: stats export every 1 s to %s, firmware command (%u ms sleep) every "
	       "200 ms, on workqueue %s\n",
	       stats_path, tp_conf.fw_sleep_ms, dw_wq_name(tp.slow_wq));
	return 0;
}

/* Stop it: neither item pending nor running afterwards (main thread; sleeps). */
void
tp_slow_stop(void)
{
	if (!slow_on)
		return;
	__atomic_store_n(&slow_stopping, true, __ATOMIC_RELEASE);
	dw_cancel_delayed_work_sync(&export_work);
	dw_cancel_delayed_work_sync(&fw_work);
	slow_on = false;
}

void
tp_show_slow(void)
{
	if (!tp_conf.slow_work)
		return;
	printf("Slow work: %" PRIu64 " stats exports (%" PRIu64 " failed) to %s; %" PRIu64
	       " firmware commands, longest %.1f ms\n",
	       __atomic_load_n(&exports, __ATOMIC_RELAXED),
	       __atomic_load_n(&export_errors, __ATOMIC_RELAXED), stats_path,
	       __atomic_load_n(&fw_cmds, __ATOMIC_RELAXED),
	       (double)__atomic_load_n(&fw_max_ns, __ATOMIC_RELAXED) / 1e6);
}
