/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 82574L driver on the host, without a device: descriptor ring
 * arithmetic, the IVAR/IMS/EIAC/ITR/MDIC encodings checked against the
 * datasheet's bit layout, devargs parsing, and opening a port whose PCI
 * address does not exist (one clear error, no crash). The device itself is
 * driven in the vm suite, and a reset's quiescence is lib/netdev's (tested
 * in lib/netdev/test_netdev_rcu.c). Also the watchdog's tx hang check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "dw_netdev.h"
#include "dw_test.h"
#include "e1000e_hw.h"

START_TEST(ring_size)
{
	ck_assert_uint_eq(e1000e_ring_size(0), E1000E_RING_DEFAULT);
	ck_assert_uint_eq(e1000e_ring_size(1), 64);
	ck_assert_uint_eq(e1000e_ring_size(64), 64);
	ck_assert_uint_eq(e1000e_ring_size(65), 128);
	ck_assert_uint_eq(e1000e_ring_size(512), 512);
	ck_assert_uint_eq(e1000e_ring_size(4096), 4096);
	ck_assert_uint_eq(e1000e_ring_size(4097), 0);
	/* 16-byte descriptors: every size is a multiple of 128 bytes. */
	ck_assert_uint_eq((e1000e_ring_size(65) * 16u) % 128u, 0);
}
END_TEST

START_TEST(ring_arith)
{
	/* Empty ring: all but one descriptor free. */
	ck_assert_uint_eq(e1000e_ring_used(5, 5, 64), 0);
	ck_assert_uint_eq(e1000e_ring_free(5, 5, 64), 63);
	/* Tail wrapped past the end. */
	ck_assert_uint_eq(e1000e_ring_used(60, 4, 64), 8);
	ck_assert_uint_eq(e1000e_ring_free(60, 4, 64), 55);
	/* Full: tail one behind clean. */
	ck_assert_uint_eq(e1000e_ring_used(10, 9, 64), 63);
	ck_assert_uint_eq(e1000e_ring_free(10, 9, 64), 0);
	ck_assert_uint_eq(e1000e_ring_add(63, 1, 64), 0);
	ck_assert_uint_eq(e1000e_ring_add(4000, 200, 4096), 104);
}
END_TEST

START_TEST(ivar_encoding)
{
	/* Datasheet IVAR: RXQ0 bits 3:0, RXQ1 7:4, TXQ0 11:8, TXQ1 15:12,
	 * other 19:16; each field is a vector number (2:0) and a valid bit (3). */
	uint32_t v = e1000e_ivar(1, 2, 0);

	ck_assert_uint_eq(v & 0xf, 0x8 | 1);
	ck_assert_uint_eq((v >> 4) & 0xf, 0); /* RXQ1 unused: not valid. */
	ck_assert_uint_eq((v >> 8) & 0xf, 0x8 | 2);
	ck_assert_uint_eq((v >> 12) & 0xf, 0);
	ck_assert_uint_eq((v >> 16) & 0xf, 0x8 | 0);
	ck_assert_uint_eq(v >> 20, 0);
	ck_assert_uint_eq(v, 0x00080a09u);
	ck_assert_uint_eq(e1000e_ivar(4, 3, 2), 0x000a0b0cu);
}
END_TEST

START_TEST(ims_encoding)
{
	/* ICR/IMS: LSC bit 2, RXQ0 bit 20, TXQ0 bit 22, OTHER bit 24. */
	ck_assert_uint_eq(e1000e_ims_other(), (1u << 2) | (1u << 24));
	ck_assert_uint_eq(e1000e_eiac(), (1u << 20) | (1u << 22));
	ck_assert_uint_eq(E1000E_ICR_RXQ0, 0x00100000u);
	/* The other vector's acknowledgement never clears the queue causes. */
	ck_assert_uint_eq(E1000E_ICR_OTHER_CAUSES & e1000e_eiac(), 0);
}
END_TEST

START_TEST(itr_encoding)
{
	ck_assert_uint_eq(e1000e_itr_reg(0), 0);
	ck_assert_uint_eq(e1000e_itr_reg(1), 4);     /* 1000 ns / 256, rounded up. */
	ck_assert_uint_eq(e1000e_itr_reg(20), 79);   /* 20 us: at most 50k interrupts/s. */
	ck_assert_uint_eq(e1000e_itr_reg(128), 500); /* 128 us. */
	ck_assert_uint_eq(e1000e_itr_reg(100000), 0xffff);
}
END_TEST

START_TEST(mdic_encoding)
{
	/* MDIC: data 15:0, register 20:16, PHY 25:21 (1), op 27:26 (1 write, 2 read). */
	ck_assert_uint_eq(e1000e_mdic_cmd(1, false, 0), (1u << 16) | (1u << 21) | (2u << 26));
	ck_assert_uint_eq(e1000e_mdic_cmd(0, true, 0x1340), 0x1340u | (1u << 21) | (1u << 26));
	ck_assert_uint_eq(e1000e_status_speed(0 << 6), 10);
	ck_assert_uint_eq(e1000e_status_speed(1 << 6), 100);
	ck_assert_uint_eq(e1000e_status_speed(2 << 6), 1000);
}
END_TEST

START_TEST(args_ok)
{
	struct e1000e_args a;

	ck_assert_int_eq(e1000e_args_parse("e1000e:0000:00:10.0", &a), 0);
	ck_assert_str_eq(a.name, "0000:00:10.0");
	ck_assert_uint_eq(a.itr_us, E1000E_ITR_US_DEFAULT);
	ck_assert(!a.poll);
	ck_assert_uint_eq(a.watchdog_ms, E1000E_WATCHDOG_MS_DEFAULT);
	ck_assert_uint_eq(a.test_tx_hang_pkts, 0);
	ck_assert_int_eq(e1000e_args_parse("e1000e:00:11.0,itr_us=0,intr=poll,watchdog_ms=500,"
					   "test_tx_hang_pkts=3",
					   &a),
			 0);
	ck_assert_str_eq(a.name, "0000:00:11.0");
	ck_assert_uint_eq(a.itr_us, 0);
	ck_assert(a.poll);
	ck_assert_uint_eq(a.watchdog_ms, 500);
	ck_assert_uint_eq(a.test_tx_hang_pkts, 3);
	ck_assert_int_eq(e1000e_args_parse("e1000e:00:11.0,intr=msix", &a), 0);
	ck_assert(!a.poll);
}
END_TEST

START_TEST(args_bad)
{
	static const char *const bad[] = {
		"e1000e",
		"e1000e:",
		"e1000e:0000:00:10",
		"e1000e:0000:00:10.0,",
		"e1000e:0000:00:10.0,itr_us",
		"e1000e:0000:00:10.0,itr_us=",
		"e1000e:0000:00:10.0,itr_us=-1",
		"e1000e:0000:00:10.0,itr_us=16001",
		"e1000e:0000:00:10.0,itr_us=5x",
		"e1000e:0000:00:10.0,intr=msi",
		"e1000e:0000:00:10.0,watchdog_ms=10",
		"e1000e:0000:00:10.0,speed=100",
		"e1000e:0000:00:10.0;itr_us=5",
		"net_e1000_em0",
	};
	struct e1000e_args a;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++)
		ck_assert_msg(e1000e_args_parse(bad[i], &a) == -EINVAL, "'%s' accepted", bad[i]);
	ck_assert_int_eq(e1000e_args_parse(NULL, &a), -EINVAL);
}
END_TEST

START_TEST(args_log_names_the_problem)
{
	struct e1000e_args a;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	rte_openlog_stream(f);
	ck_assert_int_eq(e1000e_args_parse("e1000e:0000:00:10.0,itr_us=7,colour=blue", &a),
			 -EINVAL);
	rte_openlog_stream(NULL);
	fclose(f);
	ck_assert_msg(strstr(buf, "unknown key 'colour'") != NULL, "log: '%s'", buf);
	ck_assert_msg(strchr(buf, '\n') == buf + len - 1, "not one line: '%s'", buf);
	free(buf);
}
END_TEST

START_TEST(open_no_such_device)
{
	/* Through lib/netdev, as dw-testpmd --port=... does. */
	ck_assert_int_eq(dw_netdev_open("e1000e:ffff:ff:1f.7"), -ENODEV);
	ck_assert_int_eq(dw_netdev_open("e1000e:0000:00:10.0,itr_us=x"), -EINVAL);
}
END_TEST

/*
 * The watchdog's tx hang check, which decides when the driver asks lib/netdev
 * for a reset: pending descriptors, link up, the head still for two periods.
 */
START_TEST(tx_hang_check)
{
	/* One row a watchdog period: head, tail, link up, hung? */
	static const struct {
		uint16_t tdh, tdt;
		bool link, hung;
	} p[] = {
		/* Idle ring (head == tail): never hung. */
		{ 0, 0, true, false },
		{ 0, 0, true, false },
		{ 0, 0, true, false },
		/* Pending and moving: never hung. */
		{ 4, 40, true, false },
		{ 9, 40, true, false },
		{ 20, 40, true, false },
		/* Stuck: the first period still is not a hang, the second is. */
		{ 20, 40, true, false },
		{ 20, 40, true, true },
		/* Progress clears it; stuck again needs two periods again. */
		{ 21, 40, true, false },
		{ 21, 40, true, false },
		{ 21, 40, true, true },
		/* Link down: pending tx waits for the link, not a hang... */
		{ 7, 9, false, false },
		{ 7, 9, false, false },
		{ 7, 9, false, false },
		/* ...and one period down in between starts the count again. */
		{ 7, 9, true, false },
		{ 7, 9, false, false },
		{ 7, 9, true, false },
		{ 7, 9, true, true },
	};
	struct e1000e_tx_watch w = { 0 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(p); i++)
		ck_assert_msg(e1000e_tx_hung(&w, p[i].tdh, p[i].tdt, p[i].link) == p[i].hung,
			      "period %u (head %u tail %u link %d): hung should be %d", i, p[i].tdh,
			      p[i].tdt, p[i].link, p[i].hung);
}
END_TEST

static Suite *
e1000e_suite(void)
{
	Suite *s = suite_create("e1000e");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, ring_size);
	tcase_add_test(tc, ring_arith);
	tcase_add_test(tc, ivar_encoding);
	tcase_add_test(tc, ims_encoding);
	tcase_add_test(tc, itr_encoding);
	tcase_add_test(tc, mdic_encoding);
	tcase_add_test(tc, args_ok);
	tcase_add_test(tc, args_bad);
	tcase_add_test(tc, args_log_names_the_problem);
	tcase_add_test(tc, open_no_such_device);
	tcase_add_test(tc, tx_hang_check);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dw_test_run(e1000e_suite());
}
