/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lib/irq API: request and free handlers, enable and disable lines,
 * counters and the spurious detector's settings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common_private.h"
#include "irq_private.h"

RTE_LOG_REGISTER(dw_irq_logtype, dw.irq, INFO);

pthread_mutex_t irq_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t irq_cond = PTHREAD_COND_INITIALIZER;
struct irq_core irq_core = {
	.descs = TAILQ_HEAD_INITIALIZER(irq_core.descs),
	.state = IRQ_CORE_STOPPED,
	.epfd = -1,
	.ctl_fd = -1,
	.spur_window = DW_IRQ_SPURIOUS_WINDOW,
	.spur_threshold = DW_IRQ_SPURIOUS_THRESHOLD,
};

/* The linked line on @p fd, or NULL; under irq_lock. */
struct irq_desc *
irq_desc_find(int fd)
{
	struct irq_desc *desc;

	TAILQ_FOREACH(desc, &irq_core.descs, next)
		if (desc->fd == fd)
			return desc;
	return NULL;
}

static struct irq_action *
irq_action_find(struct irq_desc *desc, void *arg)
{
	struct irq_action *a;

	TAILQ_FOREACH(a, &desc->actions, next)
		if (a->arg == arg)
			return a;
	return NULL;
}

/* The handler (@p fd, @p arg), or NULL after logging; under irq_lock. */
static struct irq_action *
irq_handler_find(int fd, void *arg)
{
	struct irq_desc *desc = irq_desc_find(fd);
	struct irq_action *a = desc != NULL ? irq_action_find(desc, arg) : NULL;

	if (a == NULL)
		IRQ_LOG(ERR, "fd %d: no handler with arg %p", fd, arg);
	return a;
}

/*
 * -EDEADLK, logged, when the caller may not wait for handlers of a line: on
 * the interrupt thread, or in a thread handler of the line (@p own). Under irq_lock.
 */
static int
irq_check_may_wait(const char *op, int fd, bool own)
{
	if (!irq_on_irq_thread && !own)
		return 0;
	IRQ_LOG(ERR, "fd %d: %s from %s would deadlock", fd, op,
		irq_on_irq_thread ? "a primary handler" : "its own thread handler");
	return -EDEADLK;
}

/* Copy the counters of @p desc and, unless NULL, of @p a; under irq_lock. */
void
irq_stats_fill(const struct irq_desc *desc, const struct irq_action *a, struct dw_irq_stats *st)
{
	*st = (struct dw_irq_stats){
		.count = desc->count,
		.unhandled = desc->unhandled,
		.spurious_disables = desc->spurious_disables,
		.error_disables = desc->error_disables,
		.depth = desc->depth,
		.flags = desc->flags,
		.masked = !desc->armed,
		.nr_handlers = desc->nr_actions,
	};
	if (a == NULL)
		return;
	st->handled = a->handled;
	st->thread_wakeups = a->thread_wakeups;
	st->thread_runs = a->thread_runs;
	st->primary_last_ns = a->primary_last_ns;
	st->primary_max_ns = a->primary_max_ns;
	st->thread_last_ns = a->thread_last_ns;
	st->thread_max_ns = a->thread_max_ns;
}

/* Drop a reference to @p desc; under irq_lock. */
static void
irq_desc_put(struct irq_desc *desc)
{
	if (--desc->refs == 0)
		free(desc);
}

/*
 * Wait until no primary batch that started before this call is running on
 * @p desc; under irq_lock, which it drops while sleeping. The caller holds a
 * reference. Waiting for primary_seq to move, not for !in_primary, keeps a
 * busy line from starving the waiter.
 */
static void
irq_wait_primary(struct irq_desc *desc)
{
	uint64_t seq = desc->primary_seq;

	/* Pairs with the broadcast at the end of irq_handle_event(). */
	while (desc->in_primary && desc->primary_seq == seq)
		pthread_cond_wait(&irq_cond, &irq_lock);
}

static int
irq_check_request(int fd, dw_irq_handler_t primary, dw_irq_handler_t thread, uint32_t flags,
		  const char *name)
{
	int fl;

	/*
	 * It creates threads, and it could wait for an interrupt thread that is
	 * stopping: the caller's own.
	 */
	if (irq_on_irq_thread) {
		IRQ_LOG(ERR, "fd %d: request from a primary handler would block or deadlock", fd);
		return -EDEADLK;
	}
	if (name == NULL || name[0] == '\0') {
		IRQ_LOG(ERR, "fd %d: handler name is NULL or empty", fd);
		return -EINVAL;
	}
	if (flags & ~DW_IRQF_ALL) {
		IRQ_LOG(ERR, "%s: unknown flags 0x%x", name, flags & ~DW_IRQF_ALL);
		return -EINVAL;
	}
	if (primary == NULL && thread == NULL) {
		IRQ_LOG(ERR, "%s: no primary and no thread handler", name);
		return -EINVAL;
	}
	if ((flags & DW_IRQF_ONESHOT) && thread == NULL) {
		IRQ_LOG(ERR, "%s: ONESHOT needs a thread handler", name);
		return -EINVAL;
	}
	fl = fd < 0 ? -1 : fcntl(fd, F_GETFL);
	if (fl < 0) {
		IRQ_LOG(ERR, "%s: fd %d is not an open file descriptor", name, fd);
		return -EBADF;
	}
	if (!(flags & DW_IRQF_NO_READ) && !(fl & O_NONBLOCK)) {
		IRQ_LOG(ERR, "%s: fd %d is blocking; dwork reads it: set O_NONBLOCK or NO_READ",
			name, fd);
		return -EINVAL;
	}
	return 0;
}

/* Link @p a to the line on @p fd, creating the line; under irq_lock. */
static int
irq_attach(int fd, uint32_t flags, struct irq_action *a)
{
	struct irq_desc *desc = irq_desc_find(fd);
	int ret;

	if (desc != NULL) {
		if (!(desc->flags & flags & DW_IRQF_SHARED) || desc->flags != flags) {
			IRQ_LOG(ERR, "%s: fd %d is taken by %s with flags 0x%x (asked 0x%x)",
				a->name, fd, TAILQ_FIRST(&desc->actions)->name, desc->flags, flags);
			return -EBUSY;
		}
		if (irq_action_find(desc, a->arg) != NULL) {
			IRQ_LOG(ERR, "%s: fd %d already has a handler with arg %p", a->name, fd,
				a->arg);
			return -EEXIST;
		}
		if (desc->nr_actions >= DW_IRQ_MAX_SHARED) {
			IRQ_LOG(ERR, "%s: fd %d has %d handlers already", a->name, fd,
				DW_IRQ_MAX_SHARED);
			return -ENOSPC;
		}
		goto link;
	}

	desc = calloc(1, sizeof(*desc));
	if (desc == NULL) {
		IRQ_LOG(ERR, "%s: out of memory", a->name);
		return -ENOMEM;
	}
	desc->fd = fd;
	desc->gen = ++irq_core.next_gen;
	desc->flags = flags;
	TAILQ_INIT(&desc->actions);
	desc->refs = 1; /* the link in irq_core.descs */
	desc->linked = true;
	ret = irq_update_mask(desc);
	if (ret < 0) {
		IRQ_LOG(ERR, "%s: fd %d cannot be polled: %s", a->name, fd, strerror(-ret));
		free(desc);
		return ret == -EPERM ? -EINVAL : ret;
	}
	TAILQ_INSERT_TAIL(&irq_core.descs, desc, next);
	irq_core.nr_descs++;
link:
	a->desc = desc;
	TAILQ_INSERT_TAIL(&desc->actions, a, next);
	desc->nr_actions++;
	return 0;
}

/* Stop and join @p a's handler thread; under irq_lock, dropped while joining. */
static void
irq_action_stop_thread(struct irq_action *a)
{
	if (!a->has_thread)
		return;
	a->stop = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&irq_lock);
	pthread_join(a->tid, NULL);
	pthread_mutex_lock(&irq_lock);
}

static void
irq_action_destroy(struct irq_action *a)
{
	pthread_cond_destroy(&a->wake);
	free(a);
}

int
dw_request_threaded_irq(int fd, dw_irq_handler_t primary, dw_irq_handler_t thread, uint32_t flags,
			const char *name, void *arg)
{
	char tname[DW_IRQ_NAME_SIZE + 8];
	struct irq_action *a;
	int ret;

	ret = irq_check_request(fd, primary, thread, flags, name);
	if (ret < 0)
		return ret;
	irq_telemetry_register();
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		IRQ_LOG(ERR, "%s: out of memory", name);
		return -ENOMEM;
	}
	a->primary = primary;
	a->thread_fn = thread;
	a->arg = arg;
	snprintf(a->name, sizeof(a->name), "%s", name);
	pthread_cond_init(&a->wake, NULL);
	if (thread != NULL) {
		/* It sleeps until woken, and is woken only once linked. */
		snprintf(tname, sizeof(tname), "irq/%s", a->name);
		ret = irq_thread_create(&a->tid, tname, irq_action_thread, a);
		if (ret < 0) {
			IRQ_LOG(ERR, "%s: cannot create its thread: %s", name, strerror(-ret));
			goto free_action;
		}
		a->has_thread = true;
	}

	pthread_mutex_lock(&irq_lock);
	ret = irq_core_start_locked();
	if (ret == 0)
		ret = irq_attach(fd, flags, a);
	if (ret < 0)
		goto stop_thread;
	pthread_mutex_unlock(&irq_lock);
	return 0;

stop_thread:
	irq_action_stop_thread(a);
	pthread_mutex_unlock(&irq_lock);
	irq_core_maybe_stop(); /* it may have been started for this request alone */
free_action:
	irq_action_destroy(a);
	return ret;
}

int
dw_free_irq(int fd, void *arg)
{
	struct irq_desc *desc;
	struct irq_action *a;
	bool last = false;
	int ret = 0;

	pthread_mutex_lock(&irq_lock);
	/* Only the handler's own thread would deadlock: freeing a sibling joins another thread. */
	ret = irq_check_may_wait("free", fd,
				 irq_current_action != NULL && irq_current_action->arg == arg &&
				     irq_current_action->desc->fd == fd);
	if (ret < 0)
		goto unlock;
	a = irq_handler_find(fd, arg);
	if (a == NULL) {
		ret = -ENOENT;
		goto unlock;
	}
	desc = a->desc;

	TAILQ_REMOVE(&desc->actions, a, next);
	desc->nr_actions--;
	desc->refs++; /* ours, across the waits below */
	if (desc->nr_actions == 0) {
		last = true;
		desc->linked = false;
		TAILQ_REMOVE(&irq_core.descs, desc, next);
		irq_core.nr_descs--;
		irq_update_mask(desc);
	}
	/* A batch that started before the unlink may still call a->primary. */
	irq_wait_primary(desc);
	/* Runs a thread handler that was already woken, then exits. */
	irq_action_stop_thread(a);
	irq_desc_put(desc);
	if (last)
		irq_desc_put(desc); /* the link in irq_core.descs */
	pthread_mutex_unlock(&irq_lock);
	irq_action_destroy(a);
	if (last)
		irq_core_maybe_stop();
	return 0;

unlock:
	pthread_mutex_unlock(&irq_lock);
	return ret;
}

/* Raise the depth of the line on @p fd; under irq_lock. */
static int
irq_disable_locked(int fd, struct irq_desc **descp)
{
	struct irq_desc *desc = irq_desc_find(fd);

	if (desc == NULL) {
		IRQ_LOG(ERR, "fd %d: no handler", fd);
		return -ENOENT;
	}
	if (desc->depth == UINT32_MAX) {
		IRQ_LOG(ERR, "fd %d: disable depth overflow", fd);
		return -EOVERFLOW;
	}
	desc->depth++;
	irq_update_mask(desc);
	*descp = desc;
	return 0;
}

int
dw_disable_irq_nosync(int fd)
{
	struct irq_desc *desc;
	int ret;

	pthread_mutex_lock(&irq_lock);
	ret = irq_disable_locked(fd, &desc);
	pthread_mutex_unlock(&irq_lock);
	return ret;
}

int
dw_disable_irq(int fd)
{
	struct irq_desc *desc;
	int ret;

	pthread_mutex_lock(&irq_lock);
	desc = irq_desc_find(fd);
	ret = irq_check_may_wait("disable (sync)", fd,
				 desc != NULL && irq_current_action != NULL &&
				     irq_current_action->desc == desc);
	if (ret < 0)
		goto unlock;
	ret = irq_disable_locked(fd, &desc);
	if (ret < 0)
		goto unlock;
	desc->refs++;
	irq_wait_primary(desc);
	/* Pairs with the broadcast in irq_action_thread() when a handler goes idle. */
	while (desc->threads_busy > 0)
		pthread_cond_wait(&irq_cond, &irq_lock);
	irq_desc_put(desc);
unlock:
	pthread_mutex_unlock(&irq_lock);
	return ret;
}

int
dw_enable_irq(int fd)
{
	struct irq_desc *desc;
	int ret = 0;

	pthread_mutex_lock(&irq_lock);
	desc = irq_desc_find(fd);
	if (desc == NULL) {
		IRQ_LOG(ERR, "fd %d: no handler", fd);
		ret = -ENOENT;
		goto unlock;
	}
	if (desc->depth == 0) {
		IRQ_LOG(ERR, "fd %d: unbalanced enable", fd);
		ret = -EINVAL;
		goto unlock;
	}
	desc->depth--;
	ret = irq_update_mask(desc);
	if (ret < 0)
		IRQ_LOG(ERR, "fd %d: cannot poll it again: %s", fd, strerror(-ret));
unlock:
	pthread_mutex_unlock(&irq_lock);
	return ret;
}

static int
irq_stats_get_one(int fd, void *arg, struct dw_irq_stats *stats)
{
	struct irq_action *a;
	int ret = 0;

	if (stats == NULL) {
		IRQ_LOG(ERR, "fd %d: stats is NULL", fd);
		return -EINVAL;
	}
	pthread_mutex_lock(&irq_lock);
	a = irq_handler_find(fd, arg);
	if (a != NULL)
		irq_stats_fill(a->desc, a, stats);
	else
		ret = -ENOENT;
	pthread_mutex_unlock(&irq_lock);
	return ret;
}

int
dw_irq_stats_get_sized(int fd, void *arg, struct dw_irq_stats *stats, size_t size)
{
	struct dw_irq_stats full;
	int rc = dw_out_check(dw_irq_logtype, __func__, stats, size,
			      DW_CONF_END(struct dw_irq_stats, thread_max_ns));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = irq_stats_get_one(fd, arg, &full);
	if (rc == 0)
		dw_out_put(stats, size, &full, sizeof(full));
	return rc;
}

int
dw_irq_spurious_config(uint32_t window, uint32_t threshold)
{
	struct irq_desc *desc;

	if (window != 0 && (threshold == 0 || threshold > window)) {
		IRQ_LOG(ERR, "threshold %u not in 1..%u", threshold, window);
		return -EINVAL;
	}
	pthread_mutex_lock(&irq_lock);
	irq_core.spur_window = window;
	irq_core.spur_threshold = threshold;
	TAILQ_FOREACH(desc, &irq_core.descs, next) {
		desc->win_count = 0;
		desc->win_unhandled = 0;
	}
	pthread_mutex_unlock(&irq_lock);
	return 0;
}
