/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lost wake-up stress: one event at a time (a packet on a fake source whose
 * eventfd fires, a packet on the same source announced with dw_lcore_wake()
 * instead of its fd, or a BH item queued from this thread) at random gaps of
 * 0..200 us with a few longer ones, so that events land in every step of the
 * lcore's parking protocol. The lcore has no source without interrupt, so
 * once the fd has fired its sleeps have no timeout: a lost wake-up would
 * stall an event past EVENT_BOUND_MS and fail. Every event is counted in and
 * out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_lcore.h>
#include <rte_pause.h>

#include "dw_common.h"
#include "dw_napi.h"
#include "dw_test.h"
#include "dw_work.h"
#include "test_napi_fake.h"

#define EVENTS 4000
/*
 * Sleeps have no timeout, so a lost wake-up fails whatever the bound; the
 * bound leaves room for a machine loaded by other jobs, stretched by
 * DW_TEST_TIME_SCALE in sanitizer builds (TSan here saw 0.5 s under load).
 */
#define EVENT_BOUND_MS (250 * dw_test_time_scale())

static struct dw_work items[EVENTS];
static uint64_t bh_done; /* atomic */

static void
bh_item(struct dw_work *w)
{
	RTE_SET_USED(w);
	__atomic_fetch_add(&bh_done, 1, __ATOMIC_RELEASE);
}

/*
 * Like DW_TEST_WAIT but spinning, so that the next event can follow the
 * lcore's handling within microseconds, while it arms and re-checks.
 */
#define SPIN_WAIT(cond, timeout_ms)                                                                \
	({                                                                                         \
		uint64_t dl_ = dw_now_ns() + (timeout_ms)*DW_NS_PER_MS;                            \
		bool ok_;                                                                          \
		while (!(ok_ = (cond)) && dw_now_ns() < dl_)                                       \
			rte_pause();                                                               \
		ok_;                                                                               \
	})

static void
gap(unsigned int i)
{
	/* A quarter of the gaps are 0..10 us: inside the lcore's park sequence. */
	unsigned int us = (unsigned int)(rand() % 4 ? rand() % 201 : rand() % 11);

	if (i % 250 == 249)
		us = 2000 + (unsigned int)(rand() % 8000);
	/* Short gaps spin: a sleep would round them up to the timer slack. */
	if (us < 60)
		dw_test_spin_us(us);
	else
		dw_test_sleep_us(us);
}

static void
stress(enum dw_napi_mode mode)
{
	struct dw_lcore_conf lconf = { .size = sizeof(lconf), .mode = mode, .trustee = -1 };
	uint64_t sent_pkt = 0, sent_woken = 0, sent_bh = 0, t0, lat, worst = 0;
	struct fake_src fd_src;
	struct dw_lcore_stats st;
	unsigned int worker, i, b;
	int kind;

	worker = fake_env_up();
	srand(12345);
	fake_init(&fd_src, "efd", true, true);
	ck_assert_int_eq(dw_napi_source_register(worker, &fd_src.src), 0);
	ck_assert_int_eq(dw_lcore_launch(worker, &lconf), 0);
	for (i = 0; i < EVENTS; i++) {
		gap(i);
		kind = rand() % 3;
		t0 = dw_now_ns();
		if (kind == 0) {
			fake_inject(&fd_src, 1);
			sent_pkt++;
		} else if (kind == 1) {
			fake_add(&fd_src, 1);
			ck_assert_int_eq(dw_lcore_wake(worker), 0);
			sent_woken++;
		}
		if (kind < 2) {
			ck_assert_msg(SPIN_WAIT(fake_handled(&fd_src) == sent_pkt + sent_woken,
						EVENT_BOUND_MS),
				      "packet %" PRIu64 " (event %u, %s) not handled",
				      sent_pkt + sent_woken, i, kind ? "woken" : "fd");
		} else {
			dw_work_init(&items[i], bh_item);
			ck_assert(dw_queue_work_on((int)worker, dw_system_bh_wq, &items[i]));
			sent_bh++;
			ck_assert_msg(
			    SPIN_WAIT(__atomic_load_n(&bh_done, __ATOMIC_ACQUIRE) == sent_bh,
				      EVENT_BOUND_MS),
			    "BH item %" PRIu64 " (event %u) not run", sent_bh, i);
		}
		lat = dw_now_ns() - t0;
		worst = RTE_MAX(worst, lat);
	}
	fake_stop_worker(worker);
	/* Counted in and out. */
	ck_assert_uint_eq(fake_handled(&fd_src), sent_pkt + sent_woken);
	ck_assert_uint_eq(__atomic_load_n(&bh_done, __ATOMIC_ACQUIRE), sent_bh);
	ck_assert_uint_eq(sent_pkt + sent_woken + sent_bh, EVENTS);
	ck_assert_int_eq(dw_lcore_stats_get(worker, &st), 0);
	printf("%s: %u events (%" PRIu64 " fd, %" PRIu64 " woken, %" PRIu64
	       " BH), worst %.1f us; parks %" PRIu64 " aborts %" PRIu64 "; wakes rx %" PRIu64
	       " doorbell %" PRIu64 " timer %" PRIu64 " timeout %" PRIu64 "\n",
	       dw_napi_mode_name(mode), EVENTS, sent_pkt, sent_woken, sent_bh, (double)worst / 1e3,
	       st.parks, st.park_aborts, st.wakeups[DW_NAPI_WAKE_RX],
	       st.wakeups[DW_NAPI_WAKE_DOORBELL], st.wakeups[DW_NAPI_WAKE_TIMER],
	       st.wakeups[DW_NAPI_WAKE_TIMEOUT]);
	printf("%s: wake latency:", dw_napi_mode_name(mode));
	for (b = 0; b < DW_NAPI_LAT_BUCKETS; b++)
		if (st.wake_lat[b] != 0)
			printf(" >=%.1fus:%" PRIu64, (double)((uint64_t)1 << b) / 1e3,
			       st.wake_lat[b]);
	printf("\n");
	/* Sleeps were not bounded (a probe timeout or two before the fd first fired at most). */
	ck_assert_uint_gt(st.parks, EVENTS / 2);
	ck_assert_uint_le(st.wakeups[DW_NAPI_WAKE_TIMEOUT], 2);
	ck_assert_uint_eq(st.selftest_fallbacks, 0);
	ck_assert_int_eq(dw_napi_source_unregister(&fd_src.src), 0);
	fake_fini(&fd_src);
	fake_env_down();
}

START_TEST(test_stress_interrupt)
{
	stress(DW_NAPI_MODE_INTERRUPT);
}
END_TEST

START_TEST(test_stress_adaptive)
{
	stress(DW_NAPI_MODE_ADAPTIVE);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("napi_stress");
	TCase *tc = tcase_create("napi_stress");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_stress_interrupt);
	tcase_add_test(tc, test_stress_adaptive);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
