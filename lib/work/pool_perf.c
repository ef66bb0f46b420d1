/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blocking detection from the scheduler's own records (DESIGN.md, third
 * method): each pool worker opens a software dummy perf event on itself with
 * context_switch=1, so the kernel writes a PERF_RECORD_SWITCH into a small
 * ring each time the worker is switched in or out. The event is enabled only
 * while the worker runs an item. One watcher thread sleeps in epoll on every
 * worker's event fd (the kernel wakes it per record) and reads the last record
 * of each ring:
 *   - switched out and not preempted (no PERF_RECORD_MISC_SWITCH_OUT_PREEMPT):
 *     the worker sleeps inside its item; pool_perf_switched() takes it out of
 *     nr_running and wakes an idle worker if work is pending;
 *   - switched out preempted, or switched in: it is runnable; a worker that was
 *     taken out comes back into nr_running.
 * When perf events are refused (perf_event_paranoid, seccomp, no kernel
 * support) nothing is opened and the /proc + CPU-clock monitor in pool.c
 * remains the only detector; it runs in both cases (CPU-hog detection, and a
 * safety net). DW_WORK_LIB_F_NO_PERF turns this detector off.
 *
 * Lock order: perf.lock -> pool->lock. A worker registers and unregisters its
 * ring under perf.lock without holding its pool lock; the watcher only touches
 * a worker through a slot still registered under perf.lock.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common_private.h"
#include "work_private.h"

/* Data pages of each ring (a power of two): 512 switch records of 8 bytes per page. */
#define PERF_RING_PAGES 1

struct perf_slot {
	struct worker *wk; /* NULL: free */
	int fd;
	struct perf_event_mmap_page *meta;
	uint32_t gen; /* bumped when the slot is freed: stale epoll events miss */
};

static struct {
	pthread_mutex_t lock; /* protects everything below but the atomics */
	int state;	      /* atomic: PERF_UNKNOWN, PERF_ON, PERF_OFF */
	int epfd;
	int stopfd; /* eventfd: stops the watcher */
	pthread_t thread;
	bool running;
	struct perf_slot *slots;
	unsigned int nr_slots;
	size_t page_size;
} perf = { .lock = PTHREAD_MUTEX_INITIALIZER, .epfd = -1, .stopfd = -1 };

enum { PERF_UNKNOWN, PERF_ON, PERF_OFF };

static int
perf_open_self(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.context_switch = 1;
	attr.disabled = 1;
	attr.exclude_kernel = 1; /* allowed at perf_event_paranoid 2 */
	attr.exclude_hv = 1;
	/* Side-band records wake by bytes, not events: every record wakes the watcher. */
	attr.watermark = 1;
	attr.wakeup_watermark = 1;
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/*
 * The state the last record of @p s tells: 1 asleep, 0 runnable, -1 nothing
 * new. Consumes every record (perf.lock held).
 */
static int
perf_ring_last(struct perf_slot *s)
{
	struct perf_event_mmap_page *m = s->meta;
	const uint8_t *data = (const uint8_t *)m + perf.page_size;
	uint64_t size = (uint64_t)PERF_RING_PAGES * perf.page_size;
	uint64_t head, tail;
	int state = -1;

	/* Pairs with the kernel's release of data_head after writing records. */
	head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
	tail = m->data_tail;
	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		uint64_t off = tail % size;

		/* A header never wraps: records are 8-byte aligned, the ring a page multiple. */
		memcpy(&h, data + off, sizeof(h));
		if (h.size == 0)
			break;
		if (h.type == PERF_RECORD_SWITCH) {
			if (!(h.misc & PERF_RECORD_MISC_SWITCH_OUT))
				state = 0;
			else
				state = (h.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT) ? 0 : 1;
		}
		tail += h.size;
	}
	/* Pairs with the kernel's read of data_tail before it overwrites. */
	__atomic_store_n(&m->data_tail, head, __ATOMIC_RELEASE);
	return state;
}

static void *
perf_watcher_main(void *arg)
{
	struct epoll_event ev[32];
	int n, i;

	RTE_SET_USED(arg);
	pthread_setname_np(pthread_self(), "dw-perf");
	/*
	 * Lowest weight: woken per record, the watcher would otherwise preempt the
	 * worker on its CPU, and that preemption writes two more records that wake it
	 * again. A worker that blocks leaves its CPU free, so the watcher still runs
	 * at once when it matters.
	 */
	if (setpriority(PRIO_PROCESS, 0, 19) < 0)
		WORK_LOG(DEBUG, "cannot lower the perf watcher's priority");
	for (;;) {
		n = epoll_wait(perf.epfd, ev, RTE_DIM(ev), -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		pthread_mutex_lock(&perf.lock);
		for (i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)ev[i].data.u64,
				 gen = (uint32_t)(ev[i].data.u64 >> 32);
			struct perf_slot *s;
			int st;

			if (idx == UINT32_MAX)
				goto stop; /* the stop eventfd */
			if (idx >= perf.nr_slots)
				continue;
			s = &perf.slots[idx];
			if (s->wk == NULL || s->gen != gen)
				continue; /* its worker left since epoll_wait() */
			st = perf_ring_last(s);
			if (st >= 0)
				pool_perf_switched(s->wk, st == 1);
		}
		pthread_mutex_unlock(&perf.lock);
	}
	return NULL;
stop:
	pthread_mutex_unlock(&perf.lock);
	return NULL;
}

/* First worker: start the watcher (perf.lock held). False if it cannot run. */
static bool
perf_watcher_start(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT32_MAX };

	perf.page_size = (size_t)sysconf(_SC_PAGESIZE);
	perf.epfd = epoll_create1(EPOLL_CLOEXEC);
	perf.stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (perf.epfd < 0 || perf.stopfd < 0 ||
	    epoll_ctl(perf.epfd, EPOLL_CTL_ADD, perf.stopfd, &ev) < 0)
		goto fail;
	if (dw_thread_create(&perf.thread, NULL, NULL, false, perf_watcher_main, NULL) < 0)
		goto fail;
	perf.running = true;
	return true;
fail:
	if (perf.epfd >= 0)
		close(perf.epfd);
	if (perf.stopfd >= 0)
		close(perf.stopfd);
	perf.epfd = perf.stopfd = -1;
	return false;
}

void
pool_perf_worker_start(struct worker *wk)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct perf_slot *s = NULL;
	void *ring;
	unsigned int i;
	int fd;

	if ((work_lib.conf.flags & DW_WORK_LIB_F_NO_PERF) ||
	    __atomic_load_n(&perf.state, __ATOMIC_RELAXED) == PERF_OFF)
		return;
	fd = perf_open_self();
	if (fd < 0) {
		if (__atomic_exchange_n(&perf.state, PERF_OFF, __ATOMIC_RELAXED) != PERF_OFF)
			WORK_LOG(INFO,
				 "perf_event_open refused (%s): blocking detected by the "
				 "monitor only",
				 strerror(errno));
		return;
	}
	pthread_mutex_lock(&perf.lock);
	if (!perf.running && !perf_watcher_start())
		goto fail_locked;
	if (perf.page_size == 0)
		perf.page_size = (size_t)sysconf(_SC_PAGESIZE);
	ring = mmap(NULL, (PERF_RING_PAGES + 1) * perf.page_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		goto fail_locked;
	for (i = 0; i < perf.nr_slots; i++)
		if (perf.slots[i].wk == NULL) {
			s = &perf.slots[i];
			break;
		}
	if (s == NULL) {
		struct perf_slot *n = realloc(perf.slots, (perf.nr_slots + 16) * sizeof(*n));

		if (n == NULL)
			goto unmap;
		memset(n + perf.nr_slots, 0, 16 * sizeof(*n));
		perf.slots = n;
		s = &perf.slots[perf.nr_slots];
		perf.nr_slots += 16;
	}
	ev.data.u64 = (uint64_t)(s - perf.slots) | (uint64_t)s->gen << 32;
	if (epoll_ctl(perf.epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto unmap;
	s->wk = wk;
	s->fd = fd;
	s->meta = ring;
	wk->perf_slot = (int)(s - perf.slots);
	wk->perf_fd = fd;
	wk->perf_on = true;
	__atomic_store_n(&perf.state, PERF_ON, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&perf.lock);
	return;
unmap:
	munmap(ring, (PERF_RING_PAGES + 1) * perf.page_size);
fail_locked:
	pthread_mutex_unlock(&perf.lock);
	close(fd);
}

void
pool_perf_worker_exit(struct worker *wk)
{
	struct perf_slot *s;

	if (!wk->perf_on)
		return;
	pthread_mutex_lock(&perf.lock);
	s = &perf.slots[wk->perf_slot];
	epoll_ctl(perf.epfd, EPOLL_CTL_DEL, s->fd, NULL);
	munmap(s->meta, (PERF_RING_PAGES + 1) * perf.page_size);
	close(s->fd);
	s->wk = NULL;
	s->gen++;
	wk->perf_on = false;
	pthread_mutex_unlock(&perf.lock);
}

static void
perf_enable(struct worker *wk, bool on)
{
	if (wk->perf_on)
		ioctl(wk->perf_fd, on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
}

void
pool_perf_item_begin(struct worker *wk)
{
	perf_enable(wk, true);
}

void
pool_perf_item_end(struct worker *wk)
{
	perf_enable(wk, false);
}

/*
 * An annotated wait already took the worker out of nr_running: its switches
 * would only wake the watcher for nothing (a record, an interrupt and a
 * wake-up each). Records written before stay in the ring and are read.
 */
void
pool_perf_block_begin(struct worker *wk)
{
	perf_enable(wk, false);
}

void
pool_perf_block_end(struct worker *wk)
{
	perf_enable(wk, true);
}

bool
pool_perf_active(void)
{
	return __atomic_load_n(&perf.state, __ATOMIC_RELAXED) == PERF_ON;
}

/* After every worker exited (pools_fini). */
void
pool_perf_fini(void)
{
	uint64_t one = 1;

	pthread_mutex_lock(&perf.lock);
	if (perf.running) {
		if (write(perf.stopfd, &one, sizeof(one)) != sizeof(one))
			WORK_LOG(ERR, "cannot stop the perf watcher");
		pthread_mutex_unlock(&perf.lock);
		pthread_join(perf.thread, NULL);
		pthread_mutex_lock(&perf.lock);
		perf.running = false;
		close(perf.epfd);
		close(perf.stopfd);
		perf.epfd = perf.stopfd = -1;
	}
	free(perf.slots);
	perf.slots = NULL;
	perf.nr_slots = 0;
	__atomic_store_n(&perf.state, PERF_UNKNOWN, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&perf.lock);
}
