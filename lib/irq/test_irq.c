/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/irq unit tests. Check runs each test in its own process, so every test
 * starts with no line and no interrupt thread. Waits have deadlines; a short
 * sleep appears only where a test gives a broken guarantee time to show.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_telemetry.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include "dw_irq.h"
#include "dw_test.h"
#include "irq_private.h"

#define WAIT_MS 5000

/* What a test's handlers see and do; one per handler. */
struct probe {
	atomic_int primary_calls;
	atomic_int thread_calls;
	atomic_int thread_done;
	enum dw_irq_return primary_ret;
	sem_t *block;	       /* thread handler waits on it when set */
	atomic_int rets[5];    /* results of API calls made from handlers */
	pthread_t primary_tid; /* written by the handler, read after a wait */
	pthread_t thread_tid;
	char thread_name[16];
	atomic_bool freed; /* set by the test once dw_free_irq() returned */
	atomic_int late;   /* handler calls that started after freed */
};

static int
efd_new(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static void
fire(int fd)
{
	ck_assert_int_eq(eventfd_write(fd, 1), 0);
}

static bool
readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static struct dw_irq_stats
stats_of(int fd, void *arg)
{
	struct dw_irq_stats st;

	ck_assert_int_eq(dw_irq_stats_get(fd, arg, &st), 0);
	return st;
}

static enum dw_irq_return
primary_count(int fd, void *arg)
{
	struct probe *p = arg;

	if (atomic_load(&p->freed))
		atomic_fetch_add(&p->late, 1);
	p->primary_tid = pthread_self();
	atomic_fetch_add(&p->primary_calls, 1);
	return p->primary_ret;
}

static enum dw_irq_return
thread_count(int fd, void *arg)
{
	struct probe *p = arg;

	if (atomic_load(&p->freed))
		atomic_fetch_add(&p->late, 1);
	p->thread_tid = pthread_self();
	pthread_getname_np(pthread_self(), p->thread_name, sizeof(p->thread_name));
	atomic_fetch_add(&p->thread_calls, 1);
	if (p->block != NULL)
		sem_wait(p->block);
	atomic_fetch_add(&p->thread_done, 1);
	return DW_IRQ_HANDLED;
}

START_TEST(test_primary_handled)
{
	struct probe p = { .primary_ret = DW_IRQ_HANDLED };
	struct dw_irq_stats st;
	int fd = efd_new(), i;

	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "prim", &p), 0);
	for (i = 1; i <= 3; i++) {
		fire(fd);
		ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == i, WAIT_MS));
		/* dwork read the counter, so the line is quiet again. */
		ck_assert(DW_TEST_WAIT(!readable(fd), WAIT_MS));
	}
	ck_assert(!pthread_equal(p.primary_tid, pthread_self()));
	st = stats_of(fd, &p);
	ck_assert_uint_eq(st.count, 3);
	ck_assert_uint_eq(st.handled, 3);
	ck_assert_uint_eq(st.unhandled, 0);
	ck_assert_uint_eq(st.thread_wakeups, 0);
	ck_assert_uint_eq(st.nr_handlers, 1);
	ck_assert_uint_eq(st.masked, 0);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	close(fd);
}
END_TEST

START_TEST(test_wake_thread)
{
	struct probe p = { .primary_ret = DW_IRQ_WAKE_THREAD };
	struct probe q = { 0 };
	int fd = efd_new(), fd2 = efd_new();

	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, thread_count, 0, "wake", &p),
			 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_done) == 1, WAIT_MS));
	ck_assert_int_eq(atomic_load(&p.primary_calls), 1);
	ck_assert(!pthread_equal(p.thread_tid, pthread_self()));
	ck_assert(!pthread_equal(p.thread_tid, p.primary_tid));
	ck_assert_str_eq(p.thread_name, "irq/wake");
	ck_assert_uint_eq(stats_of(fd, &p).thread_wakeups, 1);
	ck_assert(DW_TEST_WAIT(stats_of(fd, &p).thread_runs == 1, WAIT_MS));

	/* No primary: the default one wakes the thread. */
	ck_assert_int_eq(dw_request_threaded_irq(fd2, NULL, thread_count, 0, "dflt", &q), 0);
	fire(fd2);
	ck_assert(DW_TEST_WAIT(atomic_load(&q.thread_done) == 1, WAIT_MS));
	ck_assert_str_eq(q.thread_name, "irq/dflt");

	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	ck_assert_int_eq(dw_free_irq(fd2, &q), 0);
	close(fd);
	close(fd2);
}
END_TEST

START_TEST(test_wake_without_thread)
{
	struct probe p = { .primary_ret = DW_IRQ_WAKE_THREAD };
	int fd = efd_new();

	/* Logged once and counted as handled, never a crash. */
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "nothr", &p), 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(stats_of(fd, &p).count == 1, WAIT_MS));
	ck_assert_uint_eq(stats_of(fd, &p).handled, 1);
	ck_assert_uint_eq(stats_of(fd, &p).unhandled, 0);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	close(fd);
}
END_TEST

START_TEST(test_oneshot)
{
	sem_t block;
	struct probe p = { .primary_ret = DW_IRQ_WAKE_THREAD, .block = &block };
	int fd = efd_new();

	sem_init(&block, 0, 0);
	ck_assert_int_eq(
	    dw_request_threaded_irq(fd, primary_count, thread_count, DW_IRQF_ONESHOT, "one", &p),
	    0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_calls) == 1, WAIT_MS));
	ck_assert(stats_of(fd, &p).masked);
	fire(fd);
	/* Masked: the interrupt stays in the fd and no primary runs. */
	dw_test_sleep_us(20000);
	ck_assert(readable(fd));
	ck_assert_int_eq(atomic_load(&p.primary_calls), 1);
	sem_post(&block);
	/* The thread handler returned: unmasked, the pending interrupt is delivered. */
	ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == 2, WAIT_MS));
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_calls) == 2, WAIT_MS));
	sem_post(&block);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_done) == 2, WAIT_MS));
	ck_assert(DW_TEST_WAIT(!stats_of(fd, &p).masked, WAIT_MS));
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	close(fd);
	sem_destroy(&block);
}
END_TEST

START_TEST(test_thread_wakeups_merge)
{
	sem_t block;
	struct probe p = { .primary_ret = DW_IRQ_WAKE_THREAD, .block = &block };
	int fd = efd_new();

	/* Without ONESHOT the primary keeps running; wakeups during a run merge into one rerun. */
	sem_init(&block, 0, 0);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, thread_count, 0, "merge", &p),
			 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_calls) == 1, WAIT_MS));
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == 2, WAIT_MS));
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == 3, WAIT_MS));
	sem_post(&block);
	sem_post(&block);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_done) == 2, WAIT_MS));
	ck_assert(DW_TEST_WAIT(stats_of(fd, &p).thread_runs == 2, WAIT_MS));
	ck_assert_uint_eq(stats_of(fd, &p).thread_wakeups, 3);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	ck_assert_int_eq(atomic_load(&p.thread_calls), 2);
	close(fd);
	sem_destroy(&block);
}
END_TEST

START_TEST(test_shared)
{
	struct probe a = { .primary_ret = DW_IRQ_NONE }, b = { .primary_ret = DW_IRQ_HANDLED };
	struct probe c = { 0 };
	struct probe many[DW_IRQ_MAX_SHARED];
	int fd = efd_new(), i;

	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_SHARED, "sa", &a),
			 0);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_SHARED, "sb", &b),
			 0);
	/* Flags must agree, args must differ, and the first must have said SHARED. */
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, thread_count,
						 DW_IRQF_SHARED | DW_IRQF_ONESHOT, "sc", &c),
			 -EBUSY);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "sc", &c), -EBUSY);
	ck_assert_int_eq(
	    dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_SHARED, "sa2", &a), -EEXIST);

	fire(fd);
	ck_assert(DW_TEST_WAIT(
	    atomic_load(&a.primary_calls) == 1 && atomic_load(&b.primary_calls) == 1, WAIT_MS));
	ck_assert(DW_TEST_WAIT(stats_of(fd, &a).count == 1, WAIT_MS));
	ck_assert_uint_eq(stats_of(fd, &a).handled, 0);
	ck_assert_uint_eq(stats_of(fd, &b).handled, 1);
	ck_assert_uint_eq(stats_of(fd, &a).unhandled, 0);
	ck_assert_uint_eq(stats_of(fd, &a).nr_handlers, 2);

	/* With b gone nobody handles it. */
	ck_assert_int_eq(dw_free_irq(fd, &b), 0);
	ck_assert_int_eq(dw_irq_stats_get(fd, &b, &(struct dw_irq_stats){ 0 }), -ENOENT);
	fire(fd);
	ck_assert(DW_TEST_WAIT(stats_of(fd, &a).unhandled == 1, WAIT_MS));
	ck_assert_int_eq(atomic_load(&b.primary_calls), 1);

	/* Up to DW_IRQ_MAX_SHARED handlers. */
	memset(many, 0, sizeof(many));
	for (i = 0; i < DW_IRQ_MAX_SHARED - 1; i++)
		ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_SHARED,
							 "many", &many[i]),
				 0);
	ck_assert_int_eq(
	    dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_SHARED, "many", &many[i]),
	    -ENOSPC);
	for (i = 0; i < DW_IRQ_MAX_SHARED - 1; i++)
		ck_assert_int_eq(dw_free_irq(fd, &many[i]), 0);
	ck_assert_int_eq(dw_free_irq(fd, &a), 0);
	close(fd);
}
END_TEST

struct disabler {
	int fd;
	struct probe *p;
	atomic_bool done;
	int ret;
	int thread_done_at_return;
};

static void *
disable_thread(void *arg)
{
	struct disabler *d = arg;

	d->ret = dw_disable_irq(d->fd);
	d->thread_done_at_return = atomic_load(&d->p->thread_done);
	atomic_store(&d->done, true);
	return NULL;
}

START_TEST(test_disable_waits_for_thread)
{
	sem_t block;
	struct probe p = { .primary_ret = DW_IRQ_WAKE_THREAD, .block = &block };
	struct disabler d = { .p = &p };
	pthread_t t;
	int fd = efd_new();

	sem_init(&block, 0, 0);
	d.fd = fd;
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, thread_count, 0, "dis", &p), 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_calls) == 1, WAIT_MS));
	ck_assert_int_eq(pthread_create(&t, NULL, disable_thread, &d), 0);
	/* The disable has taken effect but must not return while the handler is blocked. */
	ck_assert(DW_TEST_WAIT(stats_of(fd, &p).depth == 1, WAIT_MS));
	dw_test_sleep_us(20000);
	ck_assert(!atomic_load(&d.done));
	sem_post(&block);
	ck_assert(DW_TEST_WAIT(atomic_load(&d.done), WAIT_MS));
	pthread_join(t, NULL);
	ck_assert_int_eq(d.ret, 0);
	ck_assert_int_eq(d.thread_done_at_return, 1);
	ck_assert_int_eq(dw_enable_irq(fd), 0);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	close(fd);
	sem_destroy(&block);
}
END_TEST

static atomic_bool spin_release;
static atomic_int spin_entered, spin_left;

/* A primary that busy-waits (it must not sleep) until the test lets it go, 10 s at most. */
static enum dw_irq_return
primary_spin(int fd, void *arg)
{
	uint64_t deadline = dw_test_now_ms() + 10000;

	atomic_fetch_add(&spin_entered, 1);
	while (!atomic_load(&spin_release) && dw_test_now_ms() < deadline)
		;
	atomic_fetch_add(&spin_left, 1);
	return DW_IRQ_HANDLED;
}

static void *
disable_thread_primary(void *arg)
{
	struct disabler *d = arg;

	d->ret = dw_disable_irq(d->fd);
	d->thread_done_at_return = atomic_load(&spin_left);
	atomic_store(&d->done, true);
	return NULL;
}

START_TEST(test_disable_waits_for_primary)
{
	struct disabler d = { 0 };
	pthread_t t;
	int fd = efd_new();

	d.fd = fd;
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_spin, NULL, 0, "spin", &d), 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&spin_entered) == 1, WAIT_MS));
	ck_assert_int_eq(pthread_create(&t, NULL, disable_thread_primary, &d), 0);
	ck_assert(DW_TEST_WAIT(stats_of(fd, &d).depth == 1, WAIT_MS));
	dw_test_sleep_us(20000);
	ck_assert(!atomic_load(&d.done));
	atomic_store(&spin_release, true);
	ck_assert(DW_TEST_WAIT(atomic_load(&d.done), WAIT_MS));
	pthread_join(t, NULL);
	ck_assert_int_eq(d.ret, 0);
	ck_assert_int_eq(d.thread_done_at_return, 1);
	ck_assert_int_eq(dw_free_irq(fd, &d), 0);
	close(fd);
}
END_TEST

static int sibling_fd = -1;
static struct probe sibling;

/* A thread handler may free a sibling on its line and disable (sync) another line. */
static enum dw_irq_return
thread_frees_sibling(int fd, void *arg)
{
	struct probe *p = arg;

	p->rets[0] = dw_free_irq(fd, &sibling);
	p->rets[1] = dw_disable_irq(sibling_fd);
	p->rets[2] = dw_enable_irq(sibling_fd);
	atomic_fetch_add(&p->thread_done, 1);
	return DW_IRQ_HANDLED;
}

START_TEST(test_thread_handler_may_free_sibling)
{
	struct probe p = { 0 }, other = { .primary_ret = DW_IRQ_HANDLED };
	int fd = efd_new();

	sibling_fd = efd_new();
	sibling.primary_ret = DW_IRQ_NONE;
	ck_assert_int_eq(
	    dw_request_threaded_irq(fd, NULL, thread_frees_sibling, DW_IRQF_SHARED, "sib-a", &p),
	    0);
	ck_assert_int_eq(
	    dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_SHARED, "sib-b", &sibling), 0);
	ck_assert_int_eq(
	    dw_request_threaded_irq(sibling_fd, primary_count, NULL, 0, "other", &other), 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_done) == 1, WAIT_MS));
	ck_assert_int_eq(p.rets[0], 0);
	ck_assert_int_eq(p.rets[1], 0);
	ck_assert_int_eq(p.rets[2], 0);
	ck_assert_uint_eq(stats_of(fd, &p).nr_handlers, 1);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	ck_assert_int_eq(dw_free_irq(sibling_fd, &other), 0);
	close(fd);
	close(sibling_fd);
}
END_TEST

START_TEST(test_disable_delivers_on_enable)
{
	struct probe p = { .primary_ret = DW_IRQ_HANDLED };
	int fd = efd_new();

	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "den", &p), 0);
	ck_assert_int_eq(dw_enable_irq(fd), -EINVAL); /* unbalanced */

	/* Nested: the line comes back only with the last enable. */
	ck_assert_int_eq(dw_disable_irq(fd), 0);
	ck_assert_int_eq(dw_disable_irq_nosync(fd), 0);
	fire(fd);
	ck_assert(stats_of(fd, &p).masked);
	ck_assert_uint_eq(stats_of(fd, &p).depth, 2);
	ck_assert_int_eq(dw_enable_irq(fd), 0);
	dw_test_sleep_us(20000);
	ck_assert(readable(fd));
	ck_assert_int_eq(atomic_load(&p.primary_calls), 0);
	ck_assert_int_eq(dw_enable_irq(fd), 0);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == 1, WAIT_MS));
	ck_assert_uint_eq(stats_of(fd, &p).depth, 0);
	ck_assert_int_eq(dw_enable_irq(fd), -EINVAL);

	/* Again with nosync alone. */
	ck_assert_int_eq(dw_disable_irq_nosync(fd), 0);
	fire(fd);
	ck_assert_int_eq(dw_enable_irq(fd), 0);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == 2, WAIT_MS));
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	close(fd);
}
END_TEST

START_TEST(test_spurious_disables_line)
{
	struct probe p = { .primary_ret = DW_IRQ_NONE };
	struct dw_irq_stats st;
	int fd = efd_new(), i;

	ck_assert_int_eq(dw_irq_spurious_config(10, 11), -EINVAL);
	ck_assert_int_eq(dw_irq_spurious_config(10, 0), -EINVAL);
	ck_assert_int_eq(dw_irq_spurious_config(10, 9), 0);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "spur", &p), 0);
	for (i = 1; i <= 10; i++) {
		fire(fd);
		ck_assert(DW_TEST_WAIT(stats_of(fd, &p).count == (uint64_t)i, WAIT_MS));
	}
	st = stats_of(fd, &p);
	ck_assert_uint_eq(st.unhandled, 10);
	ck_assert_uint_eq(st.spurious_disables, 1);
	ck_assert_uint_eq(st.depth, 1);
	ck_assert(st.masked);
	/* Disabled: further interrupts wait in the fd. */
	fire(fd);
	dw_test_sleep_us(20000);
	ck_assert_uint_eq(stats_of(fd, &p).count, 10);
	ck_assert(readable(fd));

	/* Re-enabled by hand, with a handler that now cares: no more disables. */
	p.primary_ret = DW_IRQ_HANDLED;
	ck_assert_int_eq(dw_enable_irq(fd), 0);
	for (i = 11; i <= 25; i++) {
		if (i > 11)
			fire(fd);
		ck_assert(DW_TEST_WAIT(stats_of(fd, &p).count == (uint64_t)i, WAIT_MS));
	}
	ck_assert_uint_eq(stats_of(fd, &p).spurious_disables, 1);
	ck_assert_uint_eq(stats_of(fd, &p).depth, 0);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	close(fd);
}
END_TEST

static enum dw_irq_return
primary_calls_api(int fd, void *arg)
{
	struct probe *p = arg;

	p->rets[0] = dw_free_irq(fd, arg);
	p->rets[1] = dw_disable_irq(fd);
	p->rets[2] = dw_disable_irq_nosync(fd);
	p->rets[3] = dw_enable_irq(fd);
	p->rets[4] = dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_SHARED, "req", NULL);
	atomic_fetch_add(&p->primary_calls, 1);
	return DW_IRQ_HANDLED;
}

static enum dw_irq_return
thread_calls_api(int fd, void *arg)
{
	struct probe *p = arg;

	p->rets[0] = dw_free_irq(fd, arg);
	p->rets[1] = dw_disable_irq(fd);
	atomic_fetch_add(&p->thread_done, 1);
	return DW_IRQ_HANDLED;
}

START_TEST(test_free_from_own_handler)
{
	struct probe p = { 0 }, q = { 0 };
	int fd = efd_new(), i;

	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_calls_api, NULL, 0, "self", &p), 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == 1, WAIT_MS));
	ck_assert_int_eq(p.rets[0], -EDEADLK);
	ck_assert_int_eq(p.rets[1], -EDEADLK);
	ck_assert_int_eq(p.rets[2], 0); /* nosync is fine from a primary */
	ck_assert_int_eq(p.rets[3], 0);
	ck_assert_int_eq(p.rets[4], -EDEADLK);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);

	ck_assert_int_eq(dw_request_threaded_irq(fd, NULL, thread_calls_api, 0, "selft", &q), 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&q.thread_done) == 1, WAIT_MS));
	ck_assert_int_eq(q.rets[0], -EDEADLK);
	ck_assert_int_eq(q.rets[1], -EDEADLK);
	/* The refused calls changed nothing: still enabled and working. */
	ck_assert_uint_eq(stats_of(fd, &q).depth, 0);
	for (i = 2; i <= 3; i++) {
		fire(fd);
		ck_assert(DW_TEST_WAIT(atomic_load(&q.thread_done) == i, WAIT_MS));
	}
	ck_assert_int_eq(dw_free_irq(fd, &q), 0);
	close(fd);
}
END_TEST

struct hammer {
	int fd;
	atomic_bool stop;
	atomic_long writes;
};

static void *
hammer_thread(void *arg)
{
	struct hammer *h = arg;

	while (!atomic_load(&h->stop)) {
		eventfd_write(h->fd, 1);
		atomic_fetch_add(&h->writes, 1);
	}
	return NULL;
}

START_TEST(test_free_while_firing)
{
	struct probe a, b;
	struct hammer h = { 0 };
	pthread_t t;
	int round, calls = 0;

	for (round = 0; round < 40; round++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.primary_ret = DW_IRQ_WAKE_THREAD;
		b.primary_ret = round % 2 ? DW_IRQ_WAKE_THREAD : DW_IRQ_HANDLED;
		h.fd = efd_new();
		atomic_store(&h.stop, false);
		ck_assert_int_eq(dw_request_threaded_irq(h.fd, primary_count, thread_count,
							 DW_IRQF_SHARED, "ha", &a),
				 0);
		ck_assert_int_eq(dw_request_threaded_irq(h.fd, primary_count, thread_count,
							 DW_IRQF_SHARED, "hb", &b),
				 0);
		ck_assert_int_eq(pthread_create(&t, NULL, hammer_thread, &h), 0);
		ck_assert(DW_TEST_WAIT(atomic_load(&a.primary_calls) > 2, WAIT_MS));
		/* b goes while the line keeps firing; then a, the last one. */
		ck_assert_int_eq(dw_free_irq(h.fd, &b), 0);
		atomic_store(&b.freed, true);
		ck_assert(DW_TEST_WAIT(atomic_load(&a.primary_calls) > 4, WAIT_MS));
		ck_assert_int_eq(dw_free_irq(h.fd, &a), 0);
		atomic_store(&a.freed, true);
		ck_assert(DW_TEST_WAIT(atomic_load(&h.writes) > 1000, WAIT_MS));
		atomic_store(&h.stop, true);
		pthread_join(t, NULL);
		ck_assert_int_eq(atomic_load(&a.late), 0);
		ck_assert_int_eq(atomic_load(&b.late), 0);
		ck_assert_int_eq(atomic_load(&a.thread_calls), atomic_load(&a.thread_done));
		calls += atomic_load(&a.primary_calls);
		close(h.fd);
	}
	ck_assert_int_gt(calls, 0);
}
END_TEST

START_TEST(test_bad_input)
{
	struct probe p = { 0 };
	struct dw_irq_stats st;
	int fd = efd_new(), closed = efd_new(), blocking, memfd, i;

	close(closed);
	ck_assert_int_eq(dw_request_threaded_irq(-1, primary_count, NULL, 0, "bad", &p), -EBADF);
	ck_assert_int_eq(dw_request_threaded_irq(closed, primary_count, NULL, 0, "bad", &p),
			 -EBADF);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, NULL, &p), -EINVAL);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "", &p), -EINVAL);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 1u << 31, "bad", &p),
			 -EINVAL);
	ck_assert_int_eq(dw_request_threaded_irq(fd, NULL, NULL, 0, "bad", &p), -EINVAL);
	ck_assert_int_eq(
	    dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_ONESHOT, "bad", &p), -EINVAL);
	blocking = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(dw_request_threaded_irq(blocking, primary_count, NULL, 0, "bad", &p),
			 -EINVAL);
	memfd = memfd_create("irq-test", MFD_CLOEXEC);
	ck_assert_int_ge(memfd, 0);
	fcntl(memfd, F_SETFL, O_NONBLOCK);
	ck_assert_int_eq(dw_request_threaded_irq(memfd, primary_count, NULL, 0, "bad", &p),
			 -EINVAL);

	ck_assert_int_eq(dw_free_irq(fd, &p), -ENOENT);
	ck_assert_int_eq(dw_disable_irq(fd), -ENOENT);
	ck_assert_int_eq(dw_disable_irq_nosync(fd), -ENOENT);
	ck_assert_int_eq(dw_enable_irq(fd), -ENOENT);
	ck_assert_int_eq(dw_irq_stats_get(fd, &p, &st), -ENOENT);

	/* A refused request leaves nothing behind, the first good one still works. */
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "good", &p), 0);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "dup", &st), -EBUSY);
	ck_assert_int_eq(
	    dw_request_threaded_irq(fd, primary_count, NULL, DW_IRQF_SHARED, "dup", &st), -EBUSY);
	ck_assert_int_eq(dw_free_irq(fd, &st), -ENOENT);
	ck_assert_int_eq(dw_free_irq(fd, NULL), -ENOENT);
	ck_assert_int_eq(dw_irq_stats_get(fd, &p, NULL), -EINVAL);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	ck_assert_int_eq(dw_free_irq(fd, &p), -ENOENT);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "again", &p),
				 0);
		ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	}
	close(fd);
	close(blocking);
	close(memfd);
}
END_TEST

static enum dw_irq_return
primary_drain_pipe(int fd, void *arg)
{
	struct probe *p = arg;
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	atomic_fetch_add(&p->primary_calls, 1);
	return DW_IRQ_HANDLED;
}

START_TEST(test_no_read_edge)
{
	struct probe p = { 0 };
	int pfd[2], i;

	/* A packet-like fd: dwork must not read it, the handler drains it. */
	ck_assert_int_eq(pipe2(pfd, O_NONBLOCK | O_CLOEXEC), 0);
	ck_assert_int_eq(
	    dw_request_threaded_irq(pfd[0], primary_drain_pipe, NULL, DW_IRQF_NO_READ, "tap", &p),
	    0);
	for (i = 1; i <= 3; i++) {
		ck_assert_int_eq(write(pfd[1], "pkt", 3), 3);
		ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == i, WAIT_MS));
	}
	/* Data written while disabled arrives on enable (the re-arm sees it pending). */
	ck_assert_int_eq(dw_disable_irq(pfd[0]), 0);
	ck_assert_int_eq(write(pfd[1], "pkt", 3), 3);
	ck_assert_int_eq(dw_enable_irq(pfd[0]), 0);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == 4, WAIT_MS));
	ck_assert_int_eq(dw_free_irq(pfd[0], &p), 0);
	close(pfd[0]);
	close(pfd[1]);
}
END_TEST

START_TEST(test_hangup_disables_line)
{
	struct probe p = { .primary_ret = DW_IRQ_HANDLED };
	struct dw_irq_stats st;
	int pfd[2];

	/* Read mode on a pipe whose writer goes away: EOF forever; disabled, not spun on. */
	ck_assert_int_eq(pipe2(pfd, O_NONBLOCK | O_CLOEXEC), 0);
	ck_assert_int_eq(dw_request_threaded_irq(pfd[0], primary_count, NULL, 0, "hup", &p), 0);
	ck_assert_int_eq(write(pfd[1], "12345678", 8), 8);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.primary_calls) == 1, WAIT_MS));
	close(pfd[1]);
	ck_assert(DW_TEST_WAIT(stats_of(pfd[0], &p).error_disables == 1, WAIT_MS));
	st = stats_of(pfd[0], &p);
	ck_assert_uint_eq(st.depth, 1);
	ck_assert(st.masked);
	ck_assert_uint_eq(st.count, 1);
	ck_assert_int_eq(dw_free_irq(pfd[0], &p), 0);
	close(pfd[0]);
}
END_TEST

/* Threads of this process whose name starts with @p prefix. */
static int
count_threads(const char *prefix)
{
	char path[300], name[32];
	struct dirent *de;
	DIR *dir = opendir("/proc/self/task");
	FILE *f;
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(name, sizeof(name), f) != NULL &&
		    strncmp(name, prefix, strlen(prefix)) == 0)
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

START_TEST(test_lifecycle)
{
	struct probe p = { .primary_ret = DW_IRQ_WAKE_THREAD }, q = { 0 };
	int fd = efd_new(), fd2 = efd_new();

	ck_assert_int_eq(count_threads("dw-irq"), 0);
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, thread_count, 0, "life", &p),
			 0);
	ck_assert_int_eq(dw_request_threaded_irq(fd2, primary_count, NULL, 0, "life2", &q), 0);
	ck_assert_int_eq(count_threads("dw-irq"), 1);
	ck_assert_int_eq(count_threads("irq/life"), 1);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	ck_assert_int_eq(count_threads("irq/life"), 0);
	ck_assert_int_eq(count_threads("dw-irq"), 1);
	ck_assert_int_eq(dw_free_irq(fd2, &q), 0);
	ck_assert_int_eq(count_threads("dw-irq"), 0);
	/* And it starts again. */
	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, thread_count, 0, "life", &p),
			 0);
	fire(fd);
	ck_assert(DW_TEST_WAIT(atomic_load(&p.thread_done) == 1, WAIT_MS));
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	close(fd);
	close(fd2);
}
END_TEST

/*
 * Call a telemetry command as the telemetry library would. The library frees
 * the nested arrays after it sends the reply; called directly they stay
 * behind, which is not a leak of lib/irq, so LSan looks away.
 */
static int
tel_call(telemetry_cb fn, const char *params)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	int ret;

	ck_assert_ptr_nonnull(d);
#ifdef __SANITIZE_ADDRESS__
	__lsan_disable();
#endif
	ret = fn("/dwork/irq/test", params, d);
#ifdef __SANITIZE_ADDRESS__
	__lsan_enable();
#endif
	rte_tel_data_free(d);
	return ret;
}

START_TEST(test_telemetry)
{
	struct probe p = { .primary_ret = DW_IRQ_HANDLED };
	char param[16];
	int fd = efd_new();

	ck_assert_int_eq(dw_request_threaded_irq(fd, primary_count, NULL, 0, "tel", &p), 0);
	snprintf(param, sizeof(param), "%d", fd);
	ck_assert_int_eq(tel_call(irq_telemetry_list, NULL), 0);
	ck_assert_int_eq(tel_call(irq_telemetry_info, param), 0);
	ck_assert_int_eq(tel_call(irq_telemetry_info, "x1"), -EINVAL);
	ck_assert_int_eq(tel_call(irq_telemetry_info, NULL), -EINVAL);
	ck_assert_int_eq(tel_call(irq_telemetry_info, "99999"), -ENOENT);
	ck_assert_int_eq(dw_free_irq(fd, &p), 0);
	close(fd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("irq");
	TCase *tc = tcase_create("irq");

	tcase_add_test(tc, test_primary_handled);
	tcase_add_test(tc, test_wake_thread);
	tcase_add_test(tc, test_wake_without_thread);
	tcase_add_test(tc, test_oneshot);
	tcase_add_test(tc, test_thread_wakeups_merge);
	tcase_add_test(tc, test_shared);
	tcase_add_test(tc, test_disable_waits_for_thread);
	tcase_add_test(tc, test_disable_waits_for_primary);
	tcase_add_test(tc, test_thread_handler_may_free_sibling);
	tcase_add_test(tc, test_disable_delivers_on_enable);
	tcase_add_test(tc, test_spurious_disables_line);
	tcase_add_test(tc, test_free_from_own_handler);
	tcase_add_test(tc, test_free_while_firing);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_no_read_edge);
	tcase_add_test(tc, test_hangup_disables_line);
	tcase_add_test(tc, test_lifecycle);
	tcase_add_test(tc, test_telemetry);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
