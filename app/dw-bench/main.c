/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dw-bench: dwork against the anchors, side by side.
 *
 *   dw-bench [EAL args] -- --part pool|lcore [--out DIR] [--reps N] [--quick]
 *                          [--only s1,s2,...]
 *
 * "pool": the slow-path scenarios s1..s6 (concurrency-managed pools against
 * fixed pools, thread per item, GLib, libuv, the EAL alarm thread).
 * "lcore": BH lanes against an rte_ring handoff, and the idle cost and
 * wake-up latency of the napi loop (needs two lcores: -l 0-1).
 * devtools/bench.sh runs both, plots them and updates doc/guides/benchmarks.md.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "bench.h"
#include "dw_bh.h"

static void
usage(void)
{
	fprintf(stderr, "usage: dw-bench [EAL args] -- --part pool|lcore [--out DIR] [--reps N] "
			"[--quick] [--only s1,...]\n");
}

bool
bench_want(const struct bench_opts *o, const char *scen)
{
	const char *p = o->only;
	size_t l = strlen(scen);

	if (p == NULL)
		return true;
	while ((p = strstr(p, scen)) != NULL) {
		if ((p == o->only || p[-1] == ',') && (p[l] == ',' || p[l] == '\0'))
			return true;
		p += l;
	}
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "part", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "reps", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' },
		{ "only", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = { .out_dir = "build-bench/bench", .reps = 3 };
	struct dw_work_lib_conf lib_conf = { .size = sizeof(lib_conf) };
	const char *part = NULL;
	cpu_set_t cpus;
	int rc, c;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "dw-bench: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			part = optarg;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'r':
			o.reps = (unsigned int)atoi(optarg);
			break;
		case 'q':
			o.quick = true;
			break;
		case 's':
			o.only = optarg;
			break;
		default:
			usage();
			rte_eal_cleanup();
			return c == 'h' ? 0 : 2;
		}
	}
	if (part == NULL || o.reps == 0) {
		usage();
		rte_eal_cleanup();
		return 2;
	}
	if (o.quick)
		o.reps = 1;
	mkdir(o.out_dir, 0755);
	CPU_ZERO(&cpus);
	sched_getaffinity(0, sizeof(cpus), &cpus);
	bench_ncpu = (unsigned int)CPU_COUNT(&cpus);

	rc = dw_work_lib_init(&lib_conf);
	if (rc < 0) {
		fprintf(stderr, "dw-bench: dw_work_lib_init: %s\n", strerror(-rc));
		goto out;
	}
	/* Let the pools create their first workers before anything is counted. */
	bench_sleep_until(bench_now_ns() + 200000000);
	printf("dw-bench: part %s, N=%u CPUs (main thread affinity), %u reps%s, CSV in %s\n", part,
	       bench_ncpu, o.reps, o.quick ? " (quick)" : "", o.out_dir);
	if (strcmp(part, "pool") == 0) {
		rc = bench_pool_scenarios(&o, &lib_conf);
	} else if (strcmp(part, "lcore") == 0) {
		rc = dw_bh_init();
		if (rc == 0)
			rc = bench_lcore_scenarios(&o);
		else
			fprintf(stderr, "dw-bench: dw_bh_init: %s\n", strerror(-rc));
	} else {
		usage();
		rc = -EINVAL;
	}
	dw_work_lib_fini();
out:
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
