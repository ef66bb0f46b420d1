/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_COMMON_H
#define DW_COMMON_H

/**
 * @file
 * Small helpers shared by every dwork library: clocks and container macros.
 */

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Nanoseconds per microsecond / millisecond / second. */
#define DW_NS_PER_US UINT64_C(1000)
#define DW_NS_PER_MS UINT64_C(1000000)
#define DW_NS_PER_S UINT64_C(1000000000)

/**
 * Monotonic time in nanoseconds (CLOCK_MONOTONIC, vDSO: no syscall).
 * Context: any thread; never sleeps, fit for the fast path.
 */
static inline uint64_t
dw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * DW_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/**
 * CPU time consumed so far by the calling thread, in nanoseconds.
 * Context: any thread. This is a system call, keep it off the fast path.
 */
static inline uint64_t
dw_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * DW_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/**
 * Convert an absolute CLOCK_MONOTONIC time in ns to a timespec.
 * Context: any thread; pure computation.
 */
static inline struct timespec
dw_ns_to_timespec(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / DW_NS_PER_S),
		.tv_nsec = (long)(ns % DW_NS_PER_S),
	};
	return ts;
}

#ifdef __cplusplus
}
#endif

#endif /* DW_COMMON_H */
