/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The size rule of configuration structs: an application built against an
 * older header (smaller struct) or a newer one (bigger struct) keeps working
 * as long as it sets nothing this library does not know.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common_private.h"
#include "dw_log.h"
#include "dw_test.h"

/* "Release 1" of a conf, and "release 2" that appended a field. */
struct conf_v1 {
	size_t size;
	uint32_t flags;
	uint32_t depth;
};

struct conf_v2 {
	size_t size;
	uint32_t flags;
	uint32_t depth;
	uint64_t added; /* zero means "default" */
};

START_TEST(test_older_application)
{
	struct conf_v1 old = { .size = sizeof(old), .flags = 3, .depth = 7 };
	struct conf_v2 lib;

	memset(&lib, 0xa5, sizeof(lib));
	ck_assert_int_eq(DW_CONF_COPY(dw_common_logtype, &lib, &old, depth), 0);
	ck_assert_uint_eq(lib.size, sizeof(lib));
	ck_assert_uint_eq(lib.flags, 3);
	ck_assert_uint_eq(lib.depth, 7);
	ck_assert_uint_eq(lib.added, 0); /* zero-filled, not left as it was */
}
END_TEST

START_TEST(test_newer_application)
{
	struct conf_v2 app = { .size = sizeof(app), .flags = 1, .depth = 2 };
	struct conf_v1 lib;

	/* The newer field left zero: fine. */
	ck_assert_int_eq(DW_CONF_COPY(dw_common_logtype, &lib, &app, depth), 0);
	ck_assert_uint_eq(lib.size, sizeof(lib));
	ck_assert_uint_eq(lib.flags, 1);
	ck_assert_uint_eq(lib.depth, 2);
	/* The newer field set: this library cannot honour it. */
	app.added = 1;
	ck_assert_int_eq(DW_CONF_COPY(dw_common_logtype, &lib, &app, depth), -E2BIG);
}
END_TEST

START_TEST(test_bad_sizes)
{
	struct conf_v2 app = { .size = sizeof(app) };
	struct conf_v2 lib;

	/* Below the first release's struct. */
	app.size = sizeof(size_t) + sizeof(uint32_t);
	ck_assert_int_eq(DW_CONF_COPY(dw_common_logtype, &lib, &app, depth), -EINVAL);
	app.size = 0;
	ck_assert_int_eq(DW_CONF_COPY(dw_common_logtype, &lib, &app, depth), -EINVAL);
	/* Garbage: refused without reading that far. */
	app.size = SIZE_MAX;
	ck_assert_int_eq(DW_CONF_COPY(dw_common_logtype, &lib, &app, depth), -E2BIG);
	app.size = DW_CONF_MAX_SIZE + 1;
	ck_assert_int_eq(DW_CONF_COPY(dw_common_logtype, &lib, &app, depth), -E2BIG);
	/* Exactly the first release's end (no tail padding): accepted. */
	app.size = DW_CONF_END(struct conf_v2, depth);
	ck_assert_int_eq(DW_CONF_COPY(dw_common_logtype, &lib, &app, depth), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_test(tc, test_older_application);
	tcase_add_test(tc, test_newer_application);
	tcase_add_test(tc, test_bad_sizes);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
