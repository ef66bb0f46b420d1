/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/irq stress: lines fired without pause by several threads while a
 * control thread disables, enables, frees and re-requests handlers at random.
 * The handlers check the guarantees as they run:
 *   - no handler runs after dw_free_irq() returned for it;
 *   - no handler of a line runs between dw_disable_irq() and dw_enable_irq();
 *   - on a ONESHOT line no primary runs while a thread handler runs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dw_irq.h"
#include "dw_test.h"

#define NR_LINES 3
#define NR_HANDLERS 2 /* per line, shared */
#define NR_HAMMERS 2
#define RUN_MS 3000

struct line;

struct handler {
	struct line *line;
	atomic_bool live; /* requested and not yet freed */
	atomic_long primary_calls;
	atomic_long thread_calls;
};

struct line {
	int fd;
	uint32_t flags;
	atomic_bool quiet;    /* between dw_disable_irq() and dw_enable_irq() */
	atomic_int in_thread; /* thread handlers of the line running now */
	struct handler h[NR_HANDLERS];
};

static struct line lines[NR_LINES];
static atomic_bool stop;
static atomic_long violations;
static atomic_long writes;

static void
check(struct handler *h, bool primary)
{
	if (!atomic_load(&h->live) || atomic_load(&h->line->quiet))
		atomic_fetch_add(&violations, 1);
	if (primary && (h->line->flags & DW_IRQF_ONESHOT) && atomic_load(&h->line->in_thread) > 0)
		atomic_fetch_add(&violations, 1);
}

static enum dw_irq_return
stress_primary(int fd, void *arg)
{
	struct handler *h = arg;

	check(h, true);
	atomic_fetch_add(&h->primary_calls, 1);
	return DW_IRQ_WAKE_THREAD;
}

static enum dw_irq_return
stress_thread(int fd, void *arg)
{
	struct handler *h = arg;

	atomic_fetch_add(&h->line->in_thread, 1);
	check(h, false);
	atomic_fetch_add(&h->thread_calls, 1);
	if (atomic_load(&h->thread_calls) % 64 == 0)
		dw_test_sleep_us(50); /* a handler that sleeps now and then */
	atomic_fetch_sub(&h->line->in_thread, 1);
	return DW_IRQ_HANDLED;
}

static void
request(struct handler *h)
{
	atomic_store(&h->live, true);
	ck_assert_int_eq(dw_request_threaded_irq(h->line->fd, stress_primary, stress_thread,
						 h->line->flags, "stress", h),
			 0);
}

static void
release(struct handler *h)
{
	ck_assert_int_eq(dw_free_irq(h->line->fd, h), 0);
	atomic_store(&h->live, false);
}

static void *
hammer(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		eventfd_write(lines[rand_r(&seed) % NR_LINES].fd, 1);
		atomic_fetch_add(&writes, 1);
	}
	return NULL;
}

/* One random control operation; keeps at least one handler on each line. */
static void
control_step(unsigned int *seed)
{
	struct line *l = &lines[rand_r(seed) % NR_LINES];
	struct handler *h = &l->h[rand_r(seed) % NR_HANDLERS];

	switch (rand_r(seed) % 3) {
	case 0:
		ck_assert_int_eq(dw_disable_irq(l->fd), 0);
		atomic_store(&l->quiet, true);
		dw_test_sleep_us(200);
		atomic_store(&l->quiet, false);
		ck_assert_int_eq(dw_enable_irq(l->fd), 0);
		break;
	case 1:
		ck_assert_int_eq(dw_disable_irq_nosync(l->fd), 0);
		ck_assert_int_eq(dw_enable_irq(l->fd), 0);
		break;
	default:
		release(h);
		request(h);
		break;
	}
}

START_TEST(test_stress)
{
	struct dw_irq_stats st;
	pthread_t hammers[NR_HAMMERS];
	unsigned int seed = 42;
	uint64_t deadline;
	long calls = 0, steps = 0;
	int i, j;

	for (i = 0; i < NR_LINES; i++) {
		lines[i].fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ck_assert_int_ge(lines[i].fd, 0);
		lines[i].flags = DW_IRQF_SHARED | (i == 0 ? DW_IRQF_ONESHOT : 0);
		for (j = 0; j < NR_HANDLERS; j++) {
			lines[i].h[j].line = &lines[i];
			request(&lines[i].h[j]);
		}
	}
	for (i = 0; i < NR_HAMMERS; i++)
		ck_assert_int_eq(
		    pthread_create(&hammers[i], NULL, hammer, (void *)(uintptr_t)(i + 1)), 0);

	deadline = dw_test_now_ms() + RUN_MS;
	while (dw_test_now_ms() < deadline) {
		control_step(&seed);
		steps++;
	}
	/* Quiet period: everything must still be delivered and handled. */
	for (i = 0; i < NR_LINES; i++)
		for (j = 0; j < NR_HANDLERS; j++) {
			ck_assert_int_eq(dw_irq_stats_get(lines[i].fd, &lines[i].h[j], &st), 0);
			ck_assert_uint_eq(st.depth, 0);
		}
	atomic_store(&stop, true);
	for (i = 0; i < NR_HAMMERS; i++)
		pthread_join(hammers[i], NULL);

	for (i = 0; i < NR_LINES; i++) {
		for (j = 0; j < NR_HANDLERS; j++) {
			release(&lines[i].h[j]);
			calls += atomic_load(&lines[i].h[j].primary_calls);
			ck_assert_int_gt(atomic_load(&lines[i].h[j].thread_calls), 0);
		}
		close(lines[i].fd);
	}
	ck_assert_int_eq(atomic_load(&violations), 0);
	ck_assert_int_gt(calls, 0);
	ck_assert_int_gt(steps, 10);
	ck_assert_int_gt(atomic_load(&writes), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("irq_stress");
	TCase *tc = tcase_create("irq_stress");

	tcase_add_test(tc, test_stress);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
