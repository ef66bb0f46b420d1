/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pure helpers of the loop, fed with numbers instead of clocks: the TSC to
 * ns conversion of the busy/poll time accounting.
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

int
main(void)
{
	Suite *s = suite_create("napi_window");
	TCase *tc = tcase_create("napi_window");

	tcase_add_test(tc, test_tsc_to_ns);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
