/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_BENCH_RUN_H
#define DW_BENCH_RUN_H

/* One timed run of a batch of items on one executor, and its CSV row. */

#include "bench.h"

/** What a scenario asks of a run. */
struct run_spec {
	const char *scenario;
	const char *param; /* the swept value, as text */
	const char *label; /* CSV executor label; NULL: the variant's name */
	unsigned int rep;
	struct bench_item *items;
	unsigned int n;	       /* items in the batch */
	unsigned int nsubmit;  /* submitted by the run (the rest by items); 0 = n */
	const uint64_t *at_ns; /* arrival offsets for the submitted items, NULL = all at once */
	uint64_t timeout_ns;
	uint32_t lat_kind; /* latency percentiles over items of this kind */
	double ideal_ms;   /* 0 if none */
	double floor_ms;   /* measured CPU floor, 0 if none */
};

struct run_result {
	bool timed_out;
	double makespan_ms;
	double p50_us, p99_us, max_us;
	unsigned int peak_threads;
	double mean_threads;
	unsigned int tids;
	double csw_per_item;
	uint64_t rss_kib;
	double cpu_ms;		    /* process CPU time during the run (all threads) */
	struct bench_pool_sum pool; /* deltas */
	uint32_t peak_running;
};

#define RUN_CSV_HEADER                                                                             \
	"scenario,param,rep,executor,status,items,makespan_ms,ideal_ms,floor_ms,ratio_ideal,"      \
	"ratio_floor,items_per_s,p50_us,p99_us,max_us,peak_threads,mean_threads,tids,"             \
	"csw_per_item,rss_kib,dw_created,dw_blocked,dw_hogs,dw_peak_running,cpu_ms,eff_cpus"

/** Run @p sp on variant @p exec_name; fills @p res, writes a row to @p csv (unless NULL). */
int bench_run(struct bench_csv *csv, const char *exec_name, const struct run_spec *sp,
	      struct run_result *res);

#endif /* DW_BENCH_RUN_H */
