/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_BENCH_H
#define DW_BENCH_H

/*
 * dw-bench: dwork against the executors people use instead, side by side.
 *
 * Every executor offers the same two calls (submit an item, wait for all of
 * them); scenarios build items, time them and write one CSV row per run.
 * Figures are never asserted: the machine is shared, so every scenario measures
 * its anchors in the same run and the report works with ratios.
 */

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "dw_work.h"

struct bench_exec;
struct bench_item;

typedef void (*bench_fn_t)(struct bench_item *it);

/** One unit of work, embedded or allocated by a scenario. */
struct bench_item {
	struct dw_work work;	 /* used by the dwork executors */
	struct bench_item *next; /* queue link of the executors that need one */
	struct bench_exec *ex;	 /* executor it was submitted to */
	bench_fn_t fn;
	uint32_t idx;
	uint32_t kind; /* scenario-defined */
	uint64_t cpu_us;
	uint64_t sleep_us;
	uint64_t t_submit, t_start, t_end; /* bench_now_ns() */
	pid_t tid;			   /* thread that ran it */
	sem_t *done;			   /* posted when it ends, if set */
	void *arg;
};

struct bench_exec_ops {
	int (*open)(struct bench_exec *ex);
	int (*submit)(struct bench_exec *ex, struct bench_item *it);
	void (*close)(struct bench_exec *ex);
};

/** An executor variant: a kind (ops) with its parameters. */
struct bench_exec {
	const char *name;
	const struct bench_exec_ops *ops;
	unsigned int nthreads; /* for fixed pools; 0 = not applicable */
	bool annotate;	       /* items wrap their waits in dw_blocking_begin/end */
	struct dw_wq *wq;      /* dwork executors */
	void *priv;
	/* Completion accounting, common to all kinds. */
	uint64_t outstanding; /* atomic */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

/** A FIFO of items linked through their next field (callers lock). */
struct bench_fifo {
	struct bench_item *head, *tail;
};
void bench_fifo_push(struct bench_fifo *f, struct bench_item *it);
struct bench_item *bench_fifo_pop(struct bench_fifo *f);

/* exec.c: common part and the variant table. */
extern bool bench_abort; /* set when a scenario timed out: waits give up */
extern unsigned int bench_ncpu;
int bench_exec_open(struct bench_exec *ex);
void bench_exec_close(struct bench_exec *ex);
int bench_exec_submit(struct bench_exec *ex, struct bench_item *it);
int bench_exec_wait_all(struct bench_exec *ex, uint64_t timeout_ns);
void bench_exec_run_item(struct bench_item *it);
/** Variant @p name, filled in @p ex; -ENOENT if unknown. */
int bench_exec_lookup(const char *name, struct bench_exec *ex);

/* Executor kinds. */
extern const struct bench_exec_ops bench_posix_pool_ops;
extern const struct bench_exec_ops bench_per_item_ops;
extern const struct bench_exec_ops bench_glib_ops;
extern const struct bench_exec_ops bench_uv_ops;
extern const struct bench_exec_ops bench_alarm_ops;
extern const struct bench_exec_ops bench_dwork_ops;

/* measure.c */
uint64_t bench_now_ns(void);
void bench_burn_us(uint64_t us);
void bench_sleep_us(const struct bench_exec *ex, uint64_t us);
/** Wait for @p s; gives up on bench_abort. 0 or -ECANCELED. */
int bench_wait_sem(const struct bench_exec *ex, sem_t *s);
void bench_sleep_until(uint64_t t_ns);
double bench_pct(double *v, size_t n, double p); /* sorts v */
double bench_median(double *v, size_t n);

/** Process-wide counters sampled around a run. */
struct bench_sample {
	uint64_t t_ns;
	uint64_t csw;	    /* voluntary + involuntary context switches */
	uint64_t cpu_ns;    /* process CPU time */
	uint64_t rss_kib;   /* resident set now */
	unsigned int tasks; /* /proc/self/task entries */
};
void bench_sample_now(struct bench_sample *s);
unsigned int bench_count_tasks(void);

/** Background sampler of thread count and pool running count during a run. */
struct bench_sampler {
	pthread_t thr;
	volatile bool stop;
	unsigned int period_us;
	bool unbound; /* which dwork pools to watch */
	unsigned int peak_tasks;
	uint64_t sum_tasks, nsamples;
	uint64_t peak_rss_kib;
	uint32_t peak_running; /* dwork pools' nr_running, max over samples */
	uint32_t peak_workers; /* dwork pools' nr_workers, max over samples */
	uint64_t sum_workers;
};
int bench_sampler_start(struct bench_sampler *s, unsigned int period_us, bool unbound);
void bench_sampler_stop(struct bench_sampler *s);

/** Sum of the counters of every dwork pool. */
struct bench_pool_sum {
	uint64_t created, blocked, hogs, cm_wakeups;
	uint32_t peak_workers, running, workers;
};
/** Sum over the pools of one kind: @p unbound selects unbound pools, else the normal bound ones. */
void bench_pool_sum(struct bench_pool_sum *p, bool unbound);

/* csv.c */
struct bench_csv {
	FILE *f;
	const char *path;
};
int bench_csv_open(struct bench_csv *c, const char *dir, const char *name, const char *header);
void bench_csv_row(struct bench_csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bench_csv_close(struct bench_csv *c);

/* Scenarios. */
struct bench_opts {
	const char *out_dir;
	unsigned int reps;
	bool quick;
	const char *only; /* comma list of scenario names, NULL: all of the part */
};
bool bench_want(const struct bench_opts *o, const char *scen);
int bench_pool_scenarios(const struct bench_opts *o, const struct dw_work_lib_conf *lib_conf);
int bench_lcore_scenarios(const struct bench_opts *o);

#endif /* DW_BENCH_H */
