/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dw-wqdemo: slow control-plane work the way a DPDK driver meets it today
 * (one EAL alarm/interrupt thread, everything in series) and with dwork's
 * concurrency-managed workqueues, side by side, on an EAL with vdev ports.
 *
 *   dw-wqdemo [EAL args] -- [--commands N] [--sleep-ms MS]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "dw_common.h"
#include "dw_work.h"

static unsigned int nr_cmds = 16;
static unsigned int sleep_ms = 50;

/* A simulated firmware/mailbox command: post it, then sleep until it "completes". */
static void
fw_command(void)
{
	dw_blocking_begin();
	usleep(sleep_ms * 1000);
	dw_blocking_end();
}

static sem_t alarm_done;

static void
alarm_cb(void *arg)
{
	RTE_SET_USED(arg);
	fw_command();
	sem_post(&alarm_done);
}

struct cmd {
	struct dw_work work;
	uint16_t port;
};

static void
cmd_fn(struct dw_work *w)
{
	RTE_SET_USED(w);
	fw_command();
}

static unsigned int link_polls;

static void
link_poll_fn(struct dw_work *w)
{
	struct dw_delayed_work *dw = dw_to_delayed_work(w);
	struct rte_eth_link link;
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port)
		rte_eth_link_get_nowait(port, &link);
	if (++link_polls < 5)
		dw_queue_delayed_work(dw_system_wq, dw, 20000); /* again in 20 ms */
}

static unsigned int ordered_log[8], ordered_n;

static void
step_fn(struct dw_work *w)
{
	struct cmd *c = container_of(w, struct cmd, work);

	ordered_log[ordered_n++] = c->port;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "commands", required_argument, NULL, 'n' },
		{ "sleep-ms", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			nr_cmds = (unsigned int)atoi(optarg);
			break;
		case 's':
			sleep_ms = (unsigned int)atoi(optarg);
			break;
		default:
			printf("usage: dw-wqdemo [EAL args] -- [--commands N] [--sleep-ms MS]\n");
			return -EINVAL;
		}
	}
	if (nr_cmds == 0 || nr_cmds > 4096 || sleep_ms == 0 || sleep_ms > 10000) {
		fprintf(stderr, "dw-wqdemo: --commands must be 1..4096, --sleep-ms 1..10000\n");
		return -EINVAL;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct dw_wq_conf oc = { .size = sizeof(oc), .flags = DW_WQ_ORDERED };
	struct dw_delayed_work poll;
	struct dw_pool_stats ps;
	struct dw_wq_stats ws;
	struct cmd *cmds, steps[8];
	uint64_t t0, t_alarm, t_wq;
	struct dw_wq *ordered;
	unsigned int i;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "dw-wqdemo: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (parse_args(argc - ret, argv + ret) < 0)
		return 2;
	ret = dw_work_lib_init(NULL);
	if (ret < 0) {
		fprintf(stderr, "dw-wqdemo: dw_work_lib_init: %s\n", strerror(-ret));
		return 1;
	}
	printf("dw-wqdemo: %u ethdev ports, %u worker pools, %u slow commands of %u ms each\n",
	       rte_eth_dev_count_avail(), dw_pool_count(), nr_cmds, sleep_ms);

	/* 1. DPDK's way: every command on the EAL alarm thread, one after the other. */
	sem_init(&alarm_done, 0, 0);
	t0 = dw_now_ns();
	for (i = 0; i < nr_cmds; i++)
		rte_eal_alarm_set(1, alarm_cb, NULL);
	for (i = 0; i < nr_cmds; i++)
		sem_wait(&alarm_done);
	t_alarm = (dw_now_ns() - t0) / DW_NS_PER_MS;

	/* 2. dwork: the same commands on the system workqueue. */
	cmds = calloc(nr_cmds, sizeof(*cmds));
	if (cmds == NULL)
		return 1;
	t0 = dw_now_ns();
	for (i = 0; i < nr_cmds; i++) {
		dw_work_init(&cmds[i].work, cmd_fn);
		dw_queue_work(dw_system_wq, &cmds[i].work);
	}
	dw_flush_wq(dw_system_wq);
	t_wq = (dw_now_ns() - t0) / DW_NS_PER_MS;
	dw_pool_stats_get(0, &ps);
	printf("EAL alarm thread : %4" PRIu64 " ms (serialised)\n", t_alarm);
	printf("dw_system_wq     : %4" PRIu64 " ms (%.1fx faster; pool 0 ran up to %u workers on "
	       "%u CPUs)\n",
	       t_wq, t_wq ? (double)t_alarm / (double)t_wq : 0.0, ps.peak_workers, ps.concurrency);

	/* 3. An ordered queue keeps a port's reconfiguration steps in sequence. */
	ordered = dw_wq_create("port_steps", &oc);
	for (i = 0; i < RTE_DIM(steps); i++) {
		steps[i].port = (uint16_t)i;
		dw_work_init(&steps[i].work, step_fn);
		dw_queue_work(ordered, &steps[i].work);
	}
	dw_flush_wq(ordered);
	printf("ordered steps    :");
	for (i = 0; i < ordered_n; i++)
		printf(" %u", ordered_log[i]);
	printf("\n");

	/* 4. Delayed work: a link poll that re-arms itself, then cancel_sync stops it. */
	dw_delayed_work_init(&poll, link_poll_fn);
	dw_queue_delayed_work(dw_system_wq, &poll, 1000);
	while (__atomic_load_n(&link_polls, __ATOMIC_RELAXED) < 5)
		usleep(5000);
	dw_cancel_delayed_work_sync(&poll);
	printf("link polls       : %u (self re-arming delayed work, then cancelled)\n", link_polls);

	dw_wq_stats_get(dw_system_wq, &ws);
	printf("events wq        : queued %" PRIu64 " completed %" PRIu64 " cancelled %" PRIu64
	       " cpu %" PRIu64 " us\n",
	       ws.queued, ws.completed, ws.cancelled, ws.cpu_ns / 1000);
	dw_wq_destroy(ordered);
	free(cmds);
	dw_work_lib_fini();
	rte_eal_cleanup();
	return t_wq < t_alarm ? 0 : 3;
}
