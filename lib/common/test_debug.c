/* SPDX-License-Identifier: BSD-3-Clause */
/* The pause-point machinery that the race tests rely on, and the lock-held check. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dw_debug.h"
#include "dw_test.h"

static int passed;

static void *
walker(void *arg)
{
	(void)arg;
	DW_PAUSE_POINT("test.walker");
	__atomic_store_n(&passed, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_pause_parks_and_releases)
{
	pthread_t t;

	dw_test_need_pause_points();
	__atomic_store_n(&passed, 0, __ATOMIC_RELAXED);
	ck_assert_int_eq(dw_pause_arm("test.walker", 0), 0);
	ck_assert_int_eq(dw_pause_arm("test.walker", 0), -EBUSY);
	ck_assert_int_eq(pthread_create(&t, NULL, walker, NULL), 0);
	ck_assert_int_eq(dw_pause_wait("test.walker", 5000), 0);
	ck_assert(dw_pause_parked("test.walker"));
	/* Held at the point: the line after it has not run. */
	dw_test_sleep_us(20000);
	ck_assert_int_eq(__atomic_load_n(&passed, __ATOMIC_ACQUIRE), 0);
	ck_assert_int_eq(dw_pause_release("test.walker"), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(passed, 1);
	/* One-shot: the point is free again and a second walker passes. */
	ck_assert_int_eq(dw_pause_release("test.walker"), -ENOENT);
	__atomic_store_n(&passed, 0, __ATOMIC_RELAXED);
	ck_assert_int_eq(pthread_create(&t, NULL, walker, NULL), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(passed, 1);
}
END_TEST

START_TEST(test_pause_skip_and_timeout)
{
	pthread_t t;

	dw_test_need_pause_points();
	ck_assert_int_eq(dw_pause_arm("test.walker", 1), 0);
	/* The first walker passes (skip 1), the second parks. */
	ck_assert_int_eq(pthread_create(&t, NULL, walker, NULL), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(dw_pause_wait("test.walker", 50), -ETIMEDOUT);
	ck_assert_int_eq(pthread_create(&t, NULL, walker, NULL), 0);
	ck_assert_int_eq(dw_pause_wait("test.walker", 5000), 0);
	dw_pause_reset();
	pthread_join(t, NULL);
	ck_assert_int_eq(dw_pause_wait("test.walker", 10), -ENOENT);
	ck_assert_int_eq(dw_pause_arm("", 0), -EINVAL);
}
END_TEST

static int hook_calls;

static void
count_hook(const char *name, void *arg)
{
	if (strcmp(name, "test.walker") == 0)
		__atomic_fetch_add((int *)arg, 1, __ATOMIC_RELAXED);
}

START_TEST(test_pause_hook)
{
	pthread_t t;

	dw_test_need_pause_points();
	ck_assert_int_eq(dw_pause_hook_set(count_hook, &hook_calls), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, walker, NULL), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(dw_pause_hook_set(NULL, NULL), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, walker, NULL), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(hook_calls, 1);
}
END_TEST

START_TEST(test_mutex_held)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	ck_assert(!dw_mutex_held(&m));
	pthread_mutex_lock(&m);
	ck_assert(dw_mutex_held(&m));
	DW_ASSERT_LOCKED(&m);
	pthread_mutex_unlock(&m);
	ck_assert(!dw_mutex_held(&m));
	/* The tid is cached per thread: a forked child must not use its parent's. */
	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(&m);
		_exit(dw_mutex_held(&m) ? 0 : 1);
	}
	int status = -1;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("debug");
	TCase *tc = tcase_create("debug");

	tcase_add_test(tc, test_pause_parks_and_releases);
	tcase_add_test(tc, test_pause_skip_and_timeout);
	tcase_add_test(tc, test_pause_hook);
	tcase_add_test(tc, test_mutex_held);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
