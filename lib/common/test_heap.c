/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The timer heap (dw_heap.h): order against a brute-force reference under
 * random insert / remove / re-key, every element's recorded position, growth,
 * and an allocation failure that leaves the heap usable.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "dw_heap.h"
#include "dw_test.h"

struct elem {
	uint64_t when;
	int32_t pos;
	bool on; /* reference: is it on the heap */
};

#define N_ELEMS 300

/* Every slot's element records that slot, and no child is earlier than its parent. */
static void
check_heap(const struct dw_heap *h)
{
	unsigned int i;

	for (i = 0; i < h->len; i++) {
		struct elem *e = h->v[i];

		ck_assert_int_eq(e->pos, (int32_t)i);
		ck_assert(e->on);
		if (i > 0)
			ck_assert_uint_le(((struct elem *)h->v[(i - 1) / 2])->when, e->when);
	}
}

/* The reference minimum: a linear scan of the elements marked on. */
static uint64_t
ref_min(const struct elem *el, unsigned int n, unsigned int *count)
{
	uint64_t m = UINT64_MAX;
	unsigned int i;

	*count = 0;
	for (i = 0; i < n; i++)
		if (el[i].on) {
			(*count)++;
			if (el[i].when < m)
				m = el[i].when;
		}
	return m;
}

START_TEST(test_random_against_reference)
{
	static struct elem el[N_ELEMS];
	struct dw_heap h;
	unsigned int i, n, step;
	uint64_t expect;

	srand(12345);
	DW_HEAP_INIT(&h, struct elem, when, pos);
	for (i = 0; i < N_ELEMS; i++)
		el[i] = (struct elem){ .pos = -1 };
	for (step = 0; step < 20000; step++) {
		struct elem *e = &el[(unsigned int)rand() % N_ELEMS];
		/* Small key range: many equal keys, the case a sloppy sift gets wrong. */
		uint64_t key = (uint64_t)(rand() % 64);

		switch (rand() % 4) {
		case 0:
		case 1:
			if (e->on) {
				dw_heap_rekey(&h, e, key);
				break;
			}
			e->when = key;
			e->on = true;
			ck_assert_int_eq(dw_heap_insert(&h, e), 0);
			break;
		case 2:
			if (e->on) {
				dw_heap_remove(&h, e);
				e->on = false;
				ck_assert_int_eq(e->pos, -1);
			}
			break;
		default:
			/* Pop the minimum, as the timer thread does at expiry. */
			if (h.len > 0) {
				e = dw_heap_top(&h);
				ck_assert_uint_eq(e->when, ref_min(el, N_ELEMS, &n));
				dw_heap_remove(&h, e);
				e->on = false;
			}
			break;
		}
		expect = ref_min(el, N_ELEMS, &n);
		ck_assert_uint_eq(h.len, n);
		ck_assert_uint_eq(dw_heap_top_key(&h), expect);
		if (step % 64 == 0)
			check_heap(&h);
	}
	/* Draining yields non-decreasing keys. */
	expect = 0;
	while ((struct elem *)dw_heap_top(&h) != NULL) {
		struct elem *e = dw_heap_top(&h);

		ck_assert_uint_ge(e->when, expect);
		expect = e->when;
		dw_heap_remove(&h, e);
		e->on = false;
	}
	ck_assert_uint_eq(dw_heap_top_key(&h), UINT64_MAX);
	dw_heap_fini(&h);
}
END_TEST

START_TEST(test_growth)
{
	static struct elem el[1000];
	struct dw_heap h;
	unsigned int i;

	DW_HEAP_INIT(&h, struct elem, when, pos);
	ck_assert_uint_eq(h.cap, 0); /* nothing allocated until used */
	for (i = 0; i < 1000; i++) {
		el[i] = (struct elem){ .when = 1000 - i, .pos = -1, .on = true };
		ck_assert_int_eq(dw_heap_insert(&h, &el[i]), 0);
		/* One policy: 16 slots, then doubling. */
		ck_assert_uint_eq(h.cap, i < DW_HEAP_MIN_CAP ? DW_HEAP_MIN_CAP
							     : 1u << (32 - __builtin_clz(i)));
		ck_assert_uint_eq(dw_heap_top_key(&h), 1000 - i);
	}
	check_heap(&h);
	dw_heap_fini(&h);
	ck_assert_ptr_null(h.v);
	ck_assert_uint_eq(h.len, 0);
}
END_TEST

static int fail_after; /* allocations left before failing; < 0: never fail */

static void *
failing_realloc(void *p, size_t size)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	return realloc(p, size);
}

START_TEST(test_enomem_leaves_heap_intact)
{
	static struct elem el[DW_HEAP_MIN_CAP + 1];
	struct dw_heap h;
	unsigned int i;

	DW_HEAP_INIT(&h, struct elem, when, pos);
	h.realloc_fn = failing_realloc;
	fail_after = 0;
	el[0] = (struct elem){ .when = 5, .pos = -1, .on = true };
	ck_assert_int_eq(dw_heap_insert(&h, &el[0]), -ENOMEM);
	ck_assert_int_eq(el[0].pos, -1);
	ck_assert_uint_eq(h.len, 0);

	fail_after = 1; /* the first array, not its growth */
	for (i = 0; i < DW_HEAP_MIN_CAP; i++) {
		el[i] = (struct elem){ .when = 100 + i, .pos = -1, .on = true };
		ck_assert_int_eq(dw_heap_insert(&h, &el[i]), 0);
	}
	el[i] = (struct elem){ .when = 1, .pos = -1, .on = true };
	ck_assert_int_eq(dw_heap_insert(&h, &el[i]), -ENOMEM);
	ck_assert_int_eq(el[i].pos, -1);
	ck_assert_uint_eq(h.len, DW_HEAP_MIN_CAP);
	ck_assert_uint_eq(dw_heap_top_key(&h), 100);
	el[i].on = false;
	check_heap(&h);
	/* Memory is back: the same insert succeeds. */
	fail_after = -1;
	el[i].on = true;
	ck_assert_int_eq(dw_heap_insert(&h, &el[i]), 0);
	ck_assert_ptr_eq(dw_heap_top(&h), &el[i]);
	check_heap(&h);
	dw_heap_fini(&h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("heap");

	tcase_add_test(tc, test_random_against_reference);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_enomem_leaves_heap_intact);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
