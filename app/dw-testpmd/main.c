/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dw-testpmd: a testpmd-style application on dwork.
 *
 *   dw-testpmd [EAL options] -- [options]      (--help for the options)
 *
 * Ports come from lib/netdev, each forwarding lcore runs lib/napi's loop
 * (poll, interrupt or adaptive), port events and slow control work run on
 * lib/work workqueues. The main lcore runs the control loop: the prompt,
 * periodic stats, --duration, removed ports.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "dw_bh.h"
#include "dw_common.h"
#include "testpmd.h"

RTE_LOG_REGISTER(testpmd_logtype, app.dw_testpmd, INFO);

struct tp_state tp;

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	tp.quit = 1;
}

/* Index of "--" in argv, or argc when there is none. */
static int
split_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

static int
workqueues_create(void)
{
	struct dw_wq_conf ordered = { .size = sizeof(ordered), .flags = DW_WQ_ORDERED };
	struct dw_wq_conf normal = { .size = sizeof(normal) };

	tp.ctrl_wq = dw_wq_create("testpmd_ctrl", &ordered);
	if (tp.ctrl_wq == NULL)
		return -rte_errno;
	if (tp_conf.slow_work) {
		tp.slow_wq = dw_wq_create("testpmd_slow", &normal);
		if (tp.slow_wq == NULL)
			return -rte_errno;
	}
	return 0;
}

/* Until quit, a signal, --duration or the end of the prompt. */
static void
control_loop(void)
{
	uint64_t start = dw_now_ns(), next_stats = 0, now;
	uint64_t period = (uint64_t)(tp_conf.stats_period * 1e9);
	uint64_t duration = (uint64_t)(tp_conf.duration * 1e9);

	if (period != 0)
		next_stats = start + period;
	while (!tp.quit) {
		if (tp_conf.interactive) {
			if (tp_prompt_poll(100) == 1)
				break;
		} else {
			usleep(100 * 1000);
		}
		now = dw_now_ns();
		if (duration != 0 && now - start >= duration)
			break;
		if (period != 0 && now >= next_stats && tp.forwarding) {
			tp_stats_period(tp_conf.stats_period);
			next_stats += period;
			if (next_stats < now)
				next_stats = now + period;
		}
		tp_ports_handle_removals();
		/* BH work handed over by stopped lcores lands on the main lane. */
		dw_bh_lane_run(64, 0);
	}
}

int
main(int argc, char **argv)
{
	int dashes = split_args(argc, argv), rc, ret = 1, lost;
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Application options first: --help and bad options need no EAL. */
	for (i = 1; i < (unsigned int)dashes; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			tp_usage(stdout, "dw-testpmd");
			return 0;
		}
	if (dashes < argc) {
		argv[dashes] = argv[0];
		rc = tp_parse_args(argc - dashes, argv + dashes);
		if (rc == 1)
			return 0;
		if (rc < 0)
			return 2;
	}
	rc = rte_eal_init(dashes, argv);
	if (rc < 0) {
		fprintf(stderr, "dw-testpmd: EAL initialisation failed: %s (see --help)\n",
			rte_strerror(rte_errno));
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* A vhost-user peer that hangs up must fail a write, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	rc = dw_work_lib_init(NULL);
	if (rc == 0)
		rc = dw_bh_init();
	if (rc < 0) {
		TP_LOG(ERR, "dwork init: %s", strerror(-rc));
		goto eal;
	}
	rc = workqueues_create();
	if (rc < 0) {
		TP_LOG(ERR, "workqueues: %s", strerror(-rc));
		goto work;
	}
	rc = tp_ports_open();
	if (rc < 0)
		goto ports;
	rc = tp_lcores_setup();
	if (rc < 0)
		goto ports;
	rc = tp_pool_create();
	if (rc < 0)
		goto ports;
	for (i = 0; i < tp.nb_ports; i++) {
		rc = tp_port_start(i);
		if (rc < 0)
			goto ports;
	}
	if (tp_telemetry_init() < 0)
		TP_LOG(WARNING, "telemetry command /dwork/testpmd/stats not registered");
	tp_show_config();
	tp_stats_clear();
	if (tp_conf.slow_work)
		tp_slow_start();
	if (tp_conf.auto_start) {
		rc = tp_fwd_start();
		if (rc < 0)
			goto slow;
	}
	if (tp_conf.interactive && tp_prompt_open() < 0)
		goto fwd;
	control_loop();
	tp_prompt_close();
	ret = 0;
fwd:
	tp_fwd_stop();
slow:
	tp_slow_stop();
	tp_stats_summary();
ports:
	tp_ports_close();
	lost = tp_pool_check();
	if (lost != 0 && ret == 0)
		ret = 3;
	rte_mempool_free(tp.mp);
	if (tp.slow_wq != NULL)
		dw_wq_destroy(tp.slow_wq);
	if (tp.ctrl_wq != NULL)
		dw_wq_destroy(tp.ctrl_wq);
work:
	dw_work_lib_fini();
eal:
	rte_eal_cleanup();
	printf("Bye (exit %d)\n", ret);
	return ret;
}
