/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_TEST_H
#define DW_TEST_H

/*
 * Helpers shared by the Check suites: a main() that runs one suite, EAL
 * start-up with --no-huge and a unique --file-prefix, and waits with
 * deadlines so a broken guarantee fails a test instead of hanging it.
 */

#include <stdbool.h>
#include <stdint.h>

#include <check.h>

/* Start EAL with --no-huge, a unique file prefix and @p extra arguments (NULL-terminated). */
int dw_test_eal_init(const char *const *extra);

/* Poll @p cond every 100 us until it is true or @p timeout_ms passes; true if it held. */
#define DW_TEST_WAIT(cond, timeout_ms)                                                             \
	({                                                                                         \
		uint64_t dl_ = dw_test_now_ms() + (timeout_ms);                                    \
		bool ok_;                                                                          \
		while (!(ok_ = (cond)) && dw_test_now_ms() < dl_)                                  \
			dw_test_sleep_us(100);                                                     \
		ok_;                                                                               \
	})

uint64_t dw_test_now_ms(void);
void dw_test_sleep_us(unsigned int us);
/* Burn CPU for @p us microseconds of wall time. */
void dw_test_spin_us(unsigned int us);

/* Send @p cmd to this process' DPDK telemetry socket (EAL up); the reply lands in @p buf. */
void dw_test_telemetry(const char *cmd, char *buf, size_t len);

/* DW_TEST_TIME_SCALE (>= 1): how much slower this build runs (sanitizers); stretches bounds. */
unsigned int dw_test_time_scale(void);

/*
 * Race tests need the build's pause points (meson -Dpause_points, on in every
 * non-release build): fail loudly, never pass silently, when they are missing.
 */
#define dw_test_need_pause_points()                                                                \
	ck_assert_msg(DW_PAUSE_POINTS, "this race test needs a build with -Dpause_points=enabled")

/*
 * Timing tests run on the fake clock (lib/common/dw_clock.h), which comes
 * with the pause points: fail loudly in a build without it.
 */
#define dw_test_need_fake_clock()                                                                  \
	ck_assert_msg(DW_TEST_CLOCK, "this timing test needs a build with -Dpause_points=enabled")

/* Fake "NxM" topology (NULL: the machine's) for the next dw_work_lib_init(), via DW_FAKE_TOPO. */
void dw_test_fake_topology(const char *layout);

/* Run @p s with CK_NORMAL output; returns the exit status for main(). */
int dw_test_run(Suite *s);

#endif /* DW_TEST_H */
