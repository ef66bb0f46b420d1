/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pure helpers of the loop, fed with numbers instead of clocks: the TSC to
 * ns conversion of the busy/poll time accounting, and adaptive mode's
 * busy-poll window (napi_window.h) driven with made-up timestamps.
 */
#include <stdint.h>

#include "dw_test.h"
#include "napi_private.h"

START_TEST(test_tsc_to_ns)
{
	const uint64_t ghz3 = UINT64_C(3000000000);

	ck_assert_uint_eq(napi_tsc_to_ns(0, ghz3), 0);
	ck_assert_uint_eq(napi_tsc_to_ns(3, ghz3), 1);
	ck_assert_uint_eq(napi_tsc_to_ns(ghz3, ghz3), DW_NS_PER_S);
	ck_assert_uint_eq(napi_tsc_to_ns(ghz3 * 5 / 2, ghz3), 2500 * DW_NS_PER_MS);
	/* A TSC that is not a whole number of MHz. */
	ck_assert_uint_eq(napi_tsc_to_ns(2100000007, 2100000007), DW_NS_PER_S);
	/* A year of cycles at 3 GHz: cycles * 1e9 would overflow 64 bits. */
	ck_assert_uint_eq(napi_tsc_to_ns(ghz3 * 86400 * 365, ghz3), DW_NS_PER_S * 86400 * 365);
	/* The largest count: exact (floor of cycles * 1e9 / hz). */
	ck_assert_uint_eq(napi_tsc_to_ns(UINT64_MAX, ghz3), UINT64_C(6148914691236517205));
	ck_assert_uint_eq(napi_tsc_to_ns(12345, 0), 0);
}
END_TEST

#define US DW_NS_PER_US

/* One request/response round as the loop reports it: rx wake, request found, then @p gap idle. */
static bool
round_trip(struct napi_win *w, uint64_t *t, uint64_t gap)
{
	uint64_t end;
	bool caught = false;

	napi_win_wake(w, *t, true);
	napi_win_work(w, *t + 1 * US); /* the request */
	end = *t + 1 * US + gap;
	/* Idle iterations every microsecond until the response or the window's end. */
	for (*t += 2 * US; *t < end; *t += US)
		if (!napi_win_idle(w, *t))
			break;
	if (*t >= end) {
		napi_win_work(w, end); /* polled it: a hit */
		caught = true;
		/* Then nothing until the window closes: the lcore parks. */
		while (napi_win_idle(w, *t))
			*t += US;
	} else {
		*t = end; /* parked: the response's interrupt wakes the lcore */
		napi_win_wake(w, *t, true);
		napi_win_work(w, *t);
		while (napi_win_idle(w, *t))
			*t += US;
	}
	*t += 10 * DW_NS_PER_MS; /* next request */
	return caught;
}

/* Responses 80 us after their requests: the 50 us seed misses once, then the window holds them. */
START_TEST(test_window_learns_gap)
{
	struct napi_win w = { 0 };
	uint64_t t = 1000 * US;
	unsigned int i, caught = 0;

	napi_win_init(&w, 50 * US, 200 * US);
	ck_assert_uint_eq(napi_win_len(&w), 50 * US + 50 * US / 4 + NAPI_WIN_MARGIN_NS);
	ck_assert(!round_trip(&w, &t, 80 * US));
	/* The window that missed the response, and the one after it that found nothing. */
	ck_assert_uint_eq(w.misses, 2);
	ck_assert_uint_eq(w.est_ns, 80 * US);
	for (i = 0; i < 20; i++)
		caught += round_trip(&w, &t, 80 * US);
	ck_assert_uint_eq(caught, 20);
	ck_assert_uint_ge(w.est_ns, 80 * US - 10 * US);
	ck_assert_uint_le(napi_win_len(&w), 200 * US);
}
END_TEST

/* A response slower than the budget is never waited for, and the window shrinks away. */
START_TEST(test_window_budget)
{
	struct napi_win w = { 0 };
	uint64_t t = 1000 * US, before;
	unsigned int i;

	napi_win_init(&w, 50 * US, 200 * US);
	for (i = 0; i < 40; i++)
		ck_assert(!round_trip(&w, &t, 500 * US));
	ck_assert_uint_eq(w.hits, 0);
	ck_assert_uint_lt(w.est_ns, 5 * US);
	/* Polling per request is now about the margin: close to interrupt mode's CPU. */
	ck_assert_uint_le(napi_win_len(&w), 10 * US);
	/* A seed over the budget is cut to it. */
	napi_win_init(&w, 1000 * US, 200 * US);
	ck_assert_uint_eq(napi_win_len(&w), 200 * US);
	before = w.est_ns;
	ck_assert_uint_eq(before, 200 * US);
	/* A hit found 5 ms late (the lcore was preempted in its window): learned as the budget. */
	napi_win_wake(&w, 0, true);
	napi_win_work(&w, 1 * US);
	napi_win_work(&w, 5001 * US);
	ck_assert_uint_eq(w.est_ns, 200 * US);
}
END_TEST

/* No rx wake, no window: a doorbell or timer wake parks at the first idle iteration. */
START_TEST(test_window_rx_only)
{
	struct napi_win w = { 0 };

	napi_win_init(&w, 50 * US, 200 * US);
	ck_assert(!napi_win_watching(&w));
	napi_win_wake(&w, 100 * US, false);
	napi_win_work(&w, 101 * US);
	ck_assert(!napi_win_idle(&w, 102 * US));
	napi_win_wake(&w, 200 * US, true);
	ck_assert(napi_win_watching(&w));
	/* Idle before the wake found anything: nothing opened yet. */
	ck_assert(!napi_win_idle(&w, 201 * US));
	napi_win_work(&w, 202 * US);
	ck_assert(napi_win_idle(&w, 203 * US));
	napi_win_reset(&w);
	ck_assert(!napi_win_watching(&w));
	ck_assert(!napi_win_idle(&w, 204 * US));
}
END_TEST

/* Work in the window opens the next: a stream with short gaps keeps the lcore polling. */
START_TEST(test_window_stream)
{
	struct napi_win w = { 0 };
	uint64_t t;
	unsigned int i;

	napi_win_init(&w, 50 * US, 200 * US);
	napi_win_wake(&w, 0, true);
	napi_win_work(&w, 1 * US);
	for (i = 1, t = 2 * US; i <= 100; i++) {
		for (; t < 1 * US + i * 30 * US; t += US)
			ck_assert(napi_win_idle(&w, t));
		napi_win_work(&w, t);
	}
	ck_assert_uint_eq(w.hits, 100);
	ck_assert_uint_eq(w.misses, 0);
	/* The estimate follows the 30 us gaps down from the 50 us seed. */
	ck_assert_uint_lt(w.est_ns, 35 * US);
	ck_assert_uint_ge(w.est_ns, 30 * US);
}
END_TEST

/* A park aborted after the window closed: the work found by polling teaches like a wake. */
START_TEST(test_window_missed_then_polled)
{
	struct napi_win w = { 0 };

	napi_win_init(&w, 10 * US, 200 * US);
	napi_win_wake(&w, 0, true);
	napi_win_work(&w, 1 * US);
	ck_assert(!napi_win_idle(&w, 100 * US)); /* closed: a miss */
	ck_assert_uint_eq(w.misses, 1);
	ck_assert(napi_win_watching(&w));
	napi_win_work(&w, 121 * US);
	ck_assert_uint_eq(w.est_ns, 120 * US);
	/* And that work opened the next window, as the work after a wake does. */
	ck_assert(napi_win_idle(&w, 122 * US));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("napi_window");
	TCase *tc = tcase_create("napi_window");

	tcase_add_test(tc, test_tsc_to_ns);
	tcase_add_test(tc, test_window_learns_gap);
	tcase_add_test(tc, test_window_budget);
	tcase_add_test(tc, test_window_rx_only);
	tcase_add_test(tc, test_window_stream);
	tcase_add_test(tc, test_window_missed_then_polled);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
