/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_COMMON_H
#define DW_COMMON_H

/**
 * @file
 * Small helpers shared by every dwork library: clocks and container macros.
 *
 * Configuration structs (struct dw_*_conf) open with `size_t size`, which the
 * application sets to sizeof() of the struct as its headers declare it. A
 * struct only grows at its end, and a field added later means "default" when
 * zero. So the libraries accept any size from the end of the struct's first
 * release (0.1.0) up to their own sizeof, zero-filling what an older
 * application did not know; a larger size (a newer application) is accepted
 * only if every byte beyond the library's struct is zero, else the call fails
 * with E2BIG (as the kernel's copy_struct_from_user()). A size below the
 * first release's struct is EINVAL.
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

#if defined(DW_TEST_CLOCK) && DW_TEST_CLOCK
/*
 * libdwork's own test builds only, never an application's (lib/common/dw_clock.h).
 * Hidden: not part of libdwork.so's ABI, not exported.
 */
extern __attribute__((visibility("hidden"))) uint64_t dw_clock_fake_ns;
#endif

/**
 * Monotonic time in nanoseconds (CLOCK_MONOTONIC, vDSO: no syscall), always
 * the real clock: for deadlines that must pass in real time even while a
 * libdwork test runs its fake clock (dw_now_ns() follows that one).
 * Context: any thread; never sleeps, fit for the fast path.
 */
static inline uint64_t
dw_real_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * DW_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/**
 * Monotonic time in nanoseconds (CLOCK_MONOTONIC, vDSO: no syscall): the
 * time every libdwork decision is taken on.
 * Context: any thread; never sleeps, fit for the fast path.
 */
static inline uint64_t
dw_now_ns(void)
{
#if defined(DW_TEST_CLOCK) && DW_TEST_CLOCK
	/* Acquire: pairs with the release in dw_clock_fake_advance(). */
	uint64_t fake = __atomic_load_n(&dw_clock_fake_ns, __ATOMIC_ACQUIRE);

	if (__builtin_expect(fake != 0, 0))
		return fake;
#endif
	return dw_real_now_ns();
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
