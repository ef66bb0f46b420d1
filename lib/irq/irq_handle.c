/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interrupt thread (one epoll loop calling primary handlers), the handler
 * threads (one per action with a thread handler), masking, and the spurious
 * interrupt detector.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common_private.h"
#include "dw_common.h"
#include "dw_trace.h"
#include "irq_private.h"

#define IRQ_EPOLL_BATCH 16
/* At most one "nobody cared" warning per this interval; the rest are counted. */
#define IRQ_SPUR_REPORT_INTERVAL_NS (5 * DW_NS_PER_S)

__thread bool irq_on_irq_thread;
__thread struct irq_action *irq_current_action;

/*
 * Bring the epoll registration of @p desc in line with its state: polled when
 * linked, enabled (depth 0) and not held by ONESHOT. Called under irq_lock.
 */
int
irq_update_mask(struct irq_desc *desc)
{
	bool want = desc->linked && desc->depth == 0 &&
		    !((desc->flags & DW_IRQF_ONESHOT) && desc->threads_busy > 0);
	struct epoll_event ev = { 0 };

	if (want == desc->armed)
		return 0;
	if (want) {
		ev.events = EPOLLIN | ((desc->flags & DW_IRQF_NO_READ) ? EPOLLET : 0);
		ev.data.u64 = (uint64_t)(uint32_t)desc->fd | (uint64_t)desc->gen << 32;
		if (epoll_ctl(irq_core.epfd, EPOLL_CTL_ADD, desc->fd, &ev) < 0)
			return -errno;
	} else if (epoll_ctl(irq_core.epfd, EPOLL_CTL_DEL, desc->fd, NULL) < 0 && errno != EBADF &&
		   errno != ENOENT) {
		/* EBADF/ENOENT: the caller closed the fd early; it is gone from epoll anyway. */
		IRQ_LOG(ERR, "fd %d: cannot mask: %s", desc->fd, strerror(errno));
	}
	desc->armed = want;
	return 0;
}

/* Create a thread with every signal blocked, named @p name, where dwork threads run. */
int
irq_thread_create(pthread_t *tid, const char *name, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = dw_thread_create(tid, name, NULL, false, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Called under irq_lock after a batch of primaries on @p desc. */
static void
irq_note_spurious(struct irq_desc *desc, bool handled)
{
	struct irq_core *c = &irq_core;
	uint64_t now;

	if (c->spur_window == 0 || !desc->linked)
		return; /* !linked: its last handler is being freed */
	desc->win_count++;
	if (!handled)
		desc->win_unhandled++;
	if (desc->win_count < c->spur_window)
		return;
	if (desc->win_unhandled >= c->spur_threshold) {
		desc->spurious_disables++;
		desc->depth++;
		irq_update_mask(desc);
		now = dw_now_ns();
		if (c->spur_last_report_ns == 0 ||
		    now - c->spur_last_report_ns >= IRQ_SPUR_REPORT_INTERVAL_NS) {
			IRQ_LOG(WARNING,
				"fd %d (%s): nobody cared: %u of %u interrupts unhandled, line "
				"disabled (%" PRIu64 " earlier reports suppressed)",
				desc->fd, TAILQ_FIRST(&desc->actions)->name, desc->win_unhandled,
				desc->win_count, c->spur_suppressed);
			c->spur_last_report_ns = now;
			c->spur_suppressed = 0;
		} else {
			c->spur_suppressed++;
		}
	}
	desc->win_count = 0;
	desc->win_unhandled = 0;
}

/* Mark @p a's thread handler woken; under irq_lock. */
static void
irq_wake_thread(struct irq_action *a)
{
	struct irq_desc *desc = a->desc;

	if (!a->has_thread) {
		if (!a->warned_no_thread)
			IRQ_LOG(ERR,
				"fd %d (%s): primary returned WAKE_THREAD without a thread handler",
				desc->fd, a->name);
		a->warned_no_thread = true;
		return;
	}
	a->thread_wakeups++;
	if (a->wake_pending)
		return;
	if (!a->running)
		desc->threads_busy++;
	a->wake_pending = true;
	pthread_cond_signal(&a->wake);
}

static void
irq_time_note(uint64_t d, uint64_t *last, uint64_t *max)
{
	*last = d;
	if (d > *max)
		*max = d;
}

/*
 * Consume the interrupt from the fd unless the line is NO_READ; false when
 * there is none to deliver. Under irq_lock.
 */
static bool
irq_read_counter(struct irq_desc *desc, uint32_t events)
{
	uint64_t cnt;
	ssize_t r;
	int err;

	if (desc->flags & DW_IRQF_NO_READ)
		return true;
	r = read(desc->fd, &cnt, sizeof(cnt));
	err = r < 0 ? errno : 0;
	if (r > 0)
		return true;
	if (err == EAGAIN && !(events & (EPOLLERR | EPOLLHUP)))
		return false; /* somebody else read it */
	/* EOF, an error, or a hang-up with nothing to read: level-triggered, it would fire forever.
	 */
	IRQ_LOG(ERR, "fd %d (%s): %s; line disabled", desc->fd, TAILQ_FIRST(&desc->actions)->name,
		r == 0		? "end of file"
		: err == EAGAIN ? "hang-up or error"
				: strerror(err));
	desc->error_disables++;
	desc->depth++;
	irq_update_mask(desc);
	return false;
}

/* One readiness event of line (fd, gen): read the counter, run the primaries. */
static void
irq_handle_event(int fd, uint32_t gen, uint32_t events)
{
	struct irq_action *acts[DW_IRQ_MAX_SHARED];
	enum dw_irq_return rets[DW_IRQ_MAX_SHARED];
	uint64_t durs[DW_IRQ_MAX_SHARED];
	struct irq_desc *desc;
	struct irq_action *a;
	bool handled = false;
	unsigned int n = 0, i;
	uint64_t t0;

	pthread_mutex_lock(&irq_lock);
	desc = irq_desc_find(fd);
	/* Not armed: masked after epoll_wait() returned this event; the fd keeps it. */
	if (desc == NULL || desc->gen != gen || !desc->armed)
		goto unlock;
	if (!irq_read_counter(desc, events))
		goto unlock;
	TAILQ_FOREACH(a, &desc->actions, next)
		acts[n++] = a;
	/* Pairs with dw_free_irq()/dw_disable_irq(): they wait for primary_seq to move. */
	desc->in_primary = true;
	pthread_mutex_unlock(&irq_lock);

	for (i = 0; i < n; i++) {
		t0 = dw_now_ns();
		rets[i] = acts[i]->primary != NULL ? acts[i]->primary(fd, acts[i]->arg)
						   : DW_IRQ_WAKE_THREAD;
		durs[i] = dw_now_ns() - t0;
	}

	pthread_mutex_lock(&irq_lock);
	/* Actions unlinked meanwhile are still allocated: free waits for primary_seq. */
	for (i = 0; i < n; i++) {
		a = acts[i];
		irq_time_note(durs[i], &a->primary_last_ns, &a->primary_max_ns);
		if (rets[i] == DW_IRQ_NONE)
			continue;
		if (rets[i] != DW_IRQ_HANDLED && rets[i] != DW_IRQ_WAKE_THREAD &&
		    !a->warned_no_thread)
			IRQ_LOG(ERR, "fd %d (%s): primary returned %d, taken as HANDLED", fd,
				a->name, (int)rets[i]);
		a->handled++;
		handled = true;
		if (rets[i] == DW_IRQ_WAKE_THREAD)
			irq_wake_thread(a);
	}
	desc->count++;
	if (!handled)
		desc->unhandled++;
	irq_note_spurious(desc, handled);
	desc->in_primary = false;
	desc->primary_seq++;
	irq_update_mask(desc); /* ONESHOT: masked while a woken thread handler is busy */
	pthread_cond_broadcast(&irq_cond);
unlock:
	pthread_mutex_unlock(&irq_lock);
}

static void *
irq_core_thread(void *unused)
{
	struct epoll_event evs[IRQ_EPOLL_BATCH];
	uint64_t v;
	int n, i;

	irq_on_irq_thread = true;
	for (;;) {
		n = epoll_wait(irq_core.epfd, evs, IRQ_EPOLL_BATCH, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			IRQ_LOG(ERR, "epoll_wait: %s; interrupt thread exits", strerror(errno));
			return NULL;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 != IRQ_CTL_TOKEN) {
				irq_handle_event((int)(uint32_t)evs[i].data.u64,
						 (uint32_t)(evs[i].data.u64 >> 32), evs[i].events);
				continue;
			}
			if (read(irq_core.ctl_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				IRQ_LOG(ERR, "control eventfd: %s", strerror(errno));
			pthread_mutex_lock(&irq_lock);
			if (irq_core.stop) {
				pthread_mutex_unlock(&irq_lock);
				return NULL;
			}
			pthread_mutex_unlock(&irq_lock);
		}
	}
}

/* Start the interrupt thread if it is not running; under irq_lock. */
int
irq_core_start_locked(void)
{
	struct irq_core *c = &irq_core;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = IRQ_CTL_TOKEN };
	int ret;

	while (c->state == IRQ_CORE_STOPPING)
		pthread_cond_wait(&irq_cond, &irq_lock);
	if (c->state == IRQ_CORE_RUNNING)
		return 0;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		ret = -errno;
		goto fail;
	}
	c->ctl_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->ctl_fd < 0) {
		ret = -errno;
		goto close_epfd;
	}
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->ctl_fd, &ev) < 0) {
		ret = -errno;
		goto close_ctl;
	}
	c->stop = false;
	ret = irq_thread_create(&c->tid, "dw-irq", irq_core_thread, NULL);
	if (ret < 0)
		goto close_ctl;
	c->state = IRQ_CORE_RUNNING;
	return 0;

close_ctl:
	close(c->ctl_fd);
close_epfd:
	close(c->epfd);
fail:
	IRQ_LOG(ERR, "cannot start the interrupt thread: %s", strerror(-ret));
	return ret;
}

/* Stop the interrupt thread when no line is left. Called without irq_lock. */
void
irq_core_maybe_stop(void)
{
	struct irq_core *c = &irq_core;
	uint64_t one = 1;

	pthread_mutex_lock(&irq_lock);
	if (c->nr_descs != 0 || c->state != IRQ_CORE_RUNNING)
		goto unlock;
	c->state = IRQ_CORE_STOPPING; /* a concurrent request waits in irq_core_start_locked() */
	c->stop = true;
	if (write(c->ctl_fd, &one, sizeof(one)) < 0)
		IRQ_LOG(ERR, "control eventfd: %s", strerror(errno));
	pthread_mutex_unlock(&irq_lock);

	pthread_join(c->tid, NULL);

	pthread_mutex_lock(&irq_lock);
	close(c->ctl_fd);
	close(c->epfd);
	c->state = IRQ_CORE_STOPPED;
	pthread_cond_broadcast(&irq_cond);
unlock:
	pthread_mutex_unlock(&irq_lock);
}

/* A handler thread: run thread_fn once per wakeup (merged), exit on stop. */
void *
irq_action_thread(void *arg)
{
	struct irq_action *a = arg;
	struct irq_desc *desc;
	uint64_t t0;
	int ret;

	irq_current_action = a;
	pthread_mutex_lock(&irq_lock);
	for (;;) {
		while (!a->wake_pending && !a->stop)
			pthread_cond_wait(&a->wake, &irq_lock);
		if (!a->wake_pending)
			break; /* stop with nothing pending */
		a->wake_pending = false;
		a->running = true;
		desc = a->desc;
		pthread_mutex_unlock(&irq_lock);

		t0 = dw_now_ns();
		dw_trace_irq_thread_start(desc->fd, a->name);
		a->thread_fn(desc->fd, a->arg);
		dw_trace_irq_thread_end(desc->fd, a->name);

		pthread_mutex_lock(&irq_lock);
		irq_time_note(dw_now_ns() - t0, &a->thread_last_ns, &a->thread_max_ns);
		a->thread_runs++;
		a->running = false;
		if (!a->wake_pending) {
			desc->threads_busy--;
			/* ONESHOT: unmask; an interrupt that came meanwhile is delivered now. */
			ret = irq_update_mask(desc);
			if (ret < 0)
				IRQ_LOG(ERR, "fd %d (%s): cannot unmask: %s", desc->fd, a->name,
					strerror(-ret));
			/* Pairs with the waits on threads_busy in dw_disable_irq(). */
			pthread_cond_broadcast(&irq_cond);
		}
	}
	pthread_mutex_unlock(&irq_lock);
	return NULL;
}
