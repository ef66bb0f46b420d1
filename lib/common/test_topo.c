/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "dw_test.h"
#include "dw_topo.h"

START_TEST(test_fake_layout)
{
	rte_cpuset_t set;

	ck_assert_int_eq(dw_topo_init("2x3"), 0);
	ck_assert(dw_topo_is_fake());
	ck_assert_uint_eq(dw_topo_nr_nodes(), 2);
	ck_assert_int_eq(CPU_COUNT(dw_topo_node_cpus(0)), 3);
	ck_assert(CPU_ISSET(3, dw_topo_node_cpus(1)));
	ck_assert(!CPU_ISSET(3, dw_topo_node_cpus(0)));
	ck_assert_uint_eq(dw_topo_cpu_to_node(2), 0);
	ck_assert_uint_eq(dw_topo_cpu_to_node(5), 1);
	ck_assert_uint_eq(dw_topo_cpu_to_node(6), 0); /* wraps */
	ck_assert_ptr_null(dw_topo_node_cpus(2));
	/* Worker CPUs are real ones, never empty. */
	ck_assert_int_gt(dw_topo_node_worker_cpus(1, &set), 0);
	ck_assert_int_eq(dw_topo_node_worker_cpus(2, &set), -EINVAL);
}
END_TEST

START_TEST(test_bad_fake_layout)
{
	ck_assert_int_eq(dw_topo_init("0x2"), -EINVAL);
	ck_assert_int_eq(dw_topo_init("2x"), -EINVAL);
	ck_assert_int_eq(dw_topo_init("99x1"), -EINVAL);
	ck_assert_int_eq(dw_topo_init("2x2junk"), -EINVAL);
}
END_TEST

START_TEST(test_real_layout)
{
	unsigned int n, i, total = 0;

	ck_assert_int_eq(dw_topo_init(""), 0);
	ck_assert(!dw_topo_is_fake());
	n = dw_topo_nr_nodes();
	ck_assert_uint_ge(n, 1);
	for (i = 0; i < n; i++)
		total += (unsigned int)CPU_COUNT(dw_topo_node_cpus(i));
	ck_assert_uint_ge(total, 1);
	ck_assert_uint_lt(dw_topo_current_node(), n);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("topo");
	TCase *tc = tcase_create("topo");

	tcase_add_test(tc, test_fake_layout);
	tcase_add_test(tc, test_bad_fake_layout);
	tcase_add_test(tc, test_real_layout);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
