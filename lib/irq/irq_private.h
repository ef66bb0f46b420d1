/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IRQ_PRIVATE_H
#define IRQ_PRIVATE_H

/*
 * Internals of lib/irq, shared by irq_manage.c (the API), irq_handle.c (the
 * interrupt thread and the handler threads) and irq_telemetry.c.
 *
 * Locking: one mutex, irq_lock, protects every field below unless a field
 * says otherwise. It is never held while a handler runs, while a thread is
 * joined, or across epoll_wait(). One condition variable, irq_cond, is
 * broadcast whenever something a waiter may wait for changes: a primary batch
 * ends (primary_seq), a thread handler goes idle (threads_busy), the
 * interrupt thread stops (core.state).
 *
 * Field tags: the legend in lib/common/common_private.h; L is irq_lock.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "dw_irq.h"
#include "dw_log.h"

extern int dw_irq_logtype;
#define IRQ_LOG(level, fmt, ...) DW_LOG(dw_irq_logtype, level, fmt, ##__VA_ARGS__)

struct irq_desc;

/* One handler: created by request, destroyed by free. */
struct irq_action {
	TAILQ_ENTRY(irq_action) next; /* L: desc->actions */
	struct irq_desc *desc;	      /* I: set at link; the desc outlives it */
	dw_irq_handler_t primary;     /* I */
	dw_irq_handler_t thread_fn;   /* I */
	void *arg;		      /* I */
	char name[DW_IRQ_NAME_SIZE];  /* I */

	pthread_t tid;	       /* I: handler thread, when thread_fn; joined by free */
	pthread_cond_t wake;   /* I: the handler thread waits here with irq_lock */
	bool has_thread;       /* I: tid is valid */
	bool wake_pending;     /* L: set by the interrupt thread, cleared by the handler thread */
	bool running;	       /* L: the handler thread is in thread_fn; written by it */
	bool stop;	       /* L: set by free: run what is pending, then exit */
	bool warned_no_thread; /* L: WAKE_THREAD without thread_fn was logged */

	/* L: counters; primary ones written by the interrupt thread, thread ones
	 * by the handler thread. */
	uint64_t handled;
	uint64_t thread_wakeups;
	uint64_t thread_runs;
	uint64_t primary_last_ns;
	uint64_t primary_max_ns;
	uint64_t thread_last_ns;
	uint64_t thread_max_ns;
};

TAILQ_HEAD(irq_action_list, irq_action);

/* One line (fd): created by the first request, freed after the last free. */
struct irq_desc {
	TAILQ_ENTRY(irq_desc) next;	/* L: core.descs while linked */
	int fd;				/* I */
	uint32_t gen;			/* I: tells a stale epoll event from a reused fd */
	uint32_t flags;			/* I: every action on the line has these */
	struct irq_action_list actions; /* L */
	unsigned int nr_actions;	/* L */
	unsigned int refs;		/* L: the list link + sleeping waiters; freed at 0 */
	bool linked;			/* L: in core.descs; false once the last action is gone */
	bool armed;	/* L: fd is in the epoll set; only irq_update_mask() changes it */
	uint32_t depth; /* L: disable depth */
	unsigned int threads_busy; /* L: actions whose thread handler is woken or running */
	bool in_primary;	   /* L: the interrupt thread is calling this line's primaries */
	uint64_t primary_seq;	   /* L: primary batches finished; waiters watch it change */

	/* L: line counters and the spurious window, written by the interrupt thread. */
	uint64_t count;
	uint64_t unhandled;
	uint64_t spurious_disables;
	uint64_t error_disables;
	uint32_t win_count;
	uint32_t win_unhandled;
};

TAILQ_HEAD(irq_desc_list, irq_desc);

enum irq_core_state {
	IRQ_CORE_STOPPED,
	IRQ_CORE_RUNNING,
	IRQ_CORE_STOPPING, /* a free is joining the interrupt thread */
};

/* The interrupt thread and the set of lines. */
struct irq_core {
	struct irq_desc_list descs; /* L */
	unsigned int nr_descs;	    /* L */
	enum irq_core_state state;  /* L */
	bool stop;		    /* L: tells the interrupt thread to exit */
	/*
	 * L, and read lock-free by the interrupt thread they were set up for:
	 * written before it is created and after it is joined.
	 */
	int epfd;		      /* valid while not STOPPED */
	int ctl_fd;		      /* eventfd in epfd that wakes the interrupt thread */
	pthread_t tid;		      /* interrupt thread while not STOPPED */
	uint32_t next_gen;	      /* L */
	uint32_t spur_window;	      /* L: 0: detector off */
	uint32_t spur_threshold;      /* L */
	uint64_t spur_last_report_ns; /* L: rate limit of the "nobody cared" warning */
	uint64_t spur_suppressed;     /* L */
};

extern pthread_mutex_t irq_lock;
extern pthread_cond_t irq_cond;
extern struct irq_core irq_core;

/* epoll_event.data of the control eventfd; line events carry fd | gen << 32. */
#define IRQ_CTL_TOKEN UINT64_MAX

/* Thread-local identity of the caller, for the -EDEADLK checks. */
extern __thread bool irq_on_irq_thread;
extern __thread struct irq_action *irq_current_action;

/* irq_handle.c */
int irq_core_start_locked(void);
void irq_core_maybe_stop(void);
int irq_update_mask(struct irq_desc *desc);
void *irq_action_thread(void *arg);
int irq_thread_create(pthread_t *tid, const char *name, void *(*fn)(void *), void *arg);

/* irq_manage.c */
struct irq_desc *irq_desc_find(int fd);
void irq_stats_fill(const struct irq_desc *desc, const struct irq_action *a,
		    struct dw_irq_stats *st);

/* irq_telemetry.c; exposed for the unit test. */
struct rte_tel_data;
int irq_telemetry_list(const char *cmd, const char *params, struct rte_tel_data *d);
int irq_telemetry_info(const char *cmd, const char *params, struct rte_tel_data *d);
void irq_telemetry_register(void);

#endif /* IRQ_PRIVATE_H */
