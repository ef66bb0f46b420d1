/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The size rule of configuration structs: an application built against an
 * older header (smaller struct) or a newer one (bigger struct) keeps working
 * as long as it sets nothing this library does not know; and the same rule
 * for the structs the library fills for the caller (stats, info).
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

/* "Release 1" of an output struct, and "release 2" that appended a counter. */
struct out_v1 {
	uint64_t a, b;
};

struct out_v2 {
	uint64_t a, b;
	uint64_t c;
};

START_TEST(test_out_sizes)
{
	struct out_v2 lib = { .a = 1, .b = 2, .c = 3 };
	unsigned char buf[sizeof(struct out_v2) + 8];
	size_t min = DW_CONF_END(struct out_v1, b), i;

	/* An older caller: its struct only, not a byte beyond. */
	memset(buf, 0xa5, sizeof(buf));
	ck_assert_int_eq(dw_out_check(dw_common_logtype, __func__, buf, sizeof(struct out_v1), min),
			 0);
	dw_out_put(buf, sizeof(struct out_v1), &lib, sizeof(lib));
	ck_assert_uint_eq(((struct out_v1 *)buf)->a, 1);
	ck_assert_uint_eq(((struct out_v1 *)buf)->b, 2);
	for (i = sizeof(struct out_v1); i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0xa5);
	/* A newer caller: what we have, zeros for what we do not. */
	memset(buf, 0xa5, sizeof(buf));
	dw_out_put(buf, sizeof(buf), &lib, sizeof(lib));
	ck_assert_uint_eq(((struct out_v2 *)buf)->c, 3);
	for (i = sizeof(lib); i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0);
	/* Below the first release, or nowhere to write. */
	ck_assert_int_eq(dw_out_check(dw_common_logtype, __func__, buf, min - 1, min), -EINVAL);
	ck_assert_int_eq(dw_out_check(dw_common_logtype, __func__, buf, 0, min), -EINVAL);
	ck_assert_int_eq(dw_out_check(dw_common_logtype, __func__, NULL, sizeof(lib), min),
			 -EINVAL);
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
	tcase_add_test(tc, test_out_sizes);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
