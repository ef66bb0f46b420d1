/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake clock (dw_clock.h): dw_now_ns() stands still until advanced,
 * hooks run at each advance, and an advance returns only after a sleeper
 * waiting in real-time slices has looked at the new time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dw_clock.h"
#include "dw_common.h"
#include "dw_test.h"

static unsigned int hook_runs; /* atomic */
static uint64_t hook_saw;      /* atomic: dw_now_ns() inside the hook */

static void
count_hook(void *arg)
{
	__atomic_store_n(&hook_saw, dw_now_ns(), __ATOMIC_RELAXED);
	__atomic_add_fetch((unsigned int *)arg, 1, __ATOMIC_RELAXED);
}

START_TEST(test_stands_still_and_advances)
{
	uint64_t t0, real0;

	dw_test_need_fake_clock();
	real0 = dw_now_ns();
	ck_assert_int_eq(dw_clock_fake_start(), 0);
	ck_assert_int_eq(dw_clock_fake_start(), -EBUSY);
	t0 = dw_now_ns();
	ck_assert_uint_ge(t0, real0); /* starts at the real time */
	dw_test_sleep_us(2000);
	ck_assert_uint_eq(dw_now_ns(), t0);
	ck_assert_int_eq(dw_clock_hook_add(count_hook, &hook_runs), 0);
	ck_assert_int_eq(dw_clock_fake_advance(12345), 0);
	ck_assert_uint_eq(dw_now_ns(), t0 + 12345);
	ck_assert_uint_eq(__atomic_load_n(&hook_runs, __ATOMIC_RELAXED), 1);
	ck_assert_uint_eq(__atomic_load_n(&hook_saw, __ATOMIC_RELAXED), t0 + 12345);
	dw_clock_fake_stop();
	ck_assert_uint_eq(__atomic_load_n(&hook_runs, __ATOMIC_RELAXED), 2); /* stop runs hooks */
	ck_assert_int_eq(dw_clock_fake_advance(1), -EINVAL);
	dw_clock_hook_del(count_hook, &hook_runs);
	ck_assert_int_eq(dw_clock_fake_start(), 0);
	ck_assert_int_eq(dw_clock_fake_advance(1), 0);
	ck_assert_uint_eq(__atomic_load_n(&hook_runs, __ATOMIC_RELAXED), 2); /* removed */
	dw_clock_fake_stop();
	/* Real again: moves by itself. */
	t0 = dw_now_ns();
	dw_test_sleep_us(1000);
	ck_assert_uint_gt(dw_now_ns(), t0);
}
END_TEST

struct sleeper {
	uint64_t deadline;
	uint64_t woke_at; /* atomic: dw_now_ns() when the deadline was seen */
	bool done;	  /* atomic */
};

static void *
sleeper_main(void *arg)
{
	struct sleeper *sl = arg;
	struct dw_clock_sleeper s;

	dw_clock_sleep_begin(&s);
	while (!dw_clock_sleep_check(&s, sl->deadline))
		dw_test_sleep_us(1000); /* the real-time slice */
	__atomic_store_n(&sl->woke_at, dw_now_ns(), __ATOMIC_RELAXED);
	dw_clock_sleep_end(&s);
	__atomic_store_n(&sl->done, true, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_sleeper_sees_each_advance)
{
	struct sleeper sl = { 0 };
	pthread_t t;
	uint64_t t0;

	dw_test_need_fake_clock();
	ck_assert_int_eq(dw_clock_fake_start(), 0);
	t0 = dw_now_ns();
	sl.deadline = t0 + 1000;
	ck_assert_int_eq(pthread_create(&t, NULL, sleeper_main, &sl), 0);
	ck_assert(DW_TEST_WAIT(dw_clock_fake_sleepers() == 1, 10000));
	/* The advance returns after the sleeper looked: still asleep at deadline - 1. */
	ck_assert_int_eq(dw_clock_fake_advance(999), 0);
	ck_assert(!__atomic_load_n(&sl.done, __ATOMIC_ACQUIRE));
	ck_assert_uint_eq(dw_clock_fake_sleepers(), 1);
	/* At the deadline it saw it (and left, or is leaving). */
	ck_assert_int_eq(dw_clock_fake_advance(1), 0);
	pthread_join(t, NULL);
	ck_assert_uint_eq(sl.woke_at, t0 + 1000);
	ck_assert_uint_eq(dw_clock_fake_sleepers(), 0);
	/* No sleepers: an advance does not wait for anyone. */
	ck_assert_int_eq(dw_clock_fake_advance(1), 0);
	/* Stopping the fake clock ends a fake sleep too. */
	sl = (struct sleeper){ .deadline = UINT64_MAX - 1 };
	ck_assert_int_eq(pthread_create(&t, NULL, sleeper_main, &sl), 0);
	ck_assert(DW_TEST_WAIT(dw_clock_fake_sleepers() == 1, 10000));
	dw_clock_fake_stop();
	pthread_join(t, NULL);
	ck_assert(__atomic_load_n(&sl.done, __ATOMIC_ACQUIRE));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("clock");

	tcase_add_test(tc, test_stands_still_and_advances);
	tcase_add_test(tc, test_sleeper_sees_each_advance);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
