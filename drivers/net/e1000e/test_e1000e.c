/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 82574L driver on the host, without a device: descriptor ring
 * arithmetic, the IVAR/IMS/EIAC/ITR/MDIC encodings checked against the
 * datasheet's bit layout, devargs parsing, and opening a port whose PCI
 * address does not exist (one clear error, no crash). The device itself is
 * driven in the vm suite. Also the queue gate between lcores and a reset,
 * with pause points (deterministic).
 */
#include <errno.h>
#include <pthread.h>
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
 * The queue gate (e1000e_hw.h), which keeps a reset off a queue an lcore is
 * using. Deterministic: pause points hold each side at its racing line.
 */
static struct e1000e_gate gate;
static int lcore_result = -1;
static volatile int lcore_go; /* Test -> lcore thread: leave the burst. */
static volatile int closed;   /* Close thread: e1000e_gate_close() returned. */

static void *
close_thread(void *arg)
{
	e1000e_gate_close(&gate);
	__atomic_store_n(&closed, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* An lcore inside a burst: enter, wait for the test, exit. */
static void *
burst_thread(void *arg)
{
	bool in = e1000e_gate_enter(&gate);

	__atomic_store_n(&lcore_result, in, __ATOMIC_RELEASE);
	if (in) {
		while (!__atomic_load_n(&lcore_go, __ATOMIC_ACQUIRE))
			dw_test_sleep_us(100);
		e1000e_gate_exit(&gate);
	}
	return NULL;
}

static void
gate_setup(void)
{
	memset(&gate, 0, sizeof(gate));
	lcore_result = -1;
	lcore_go = 0;
	closed = 0;
}

/* A close that comes while an lcore is inside waits for it to leave. */
START_TEST(gate_close_waits_for_burst)
{
	pthread_t l, c;

	dw_test_need_pause_points();
	gate_setup();
	ck_assert_int_eq(pthread_create(&l, NULL, burst_thread, NULL), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&lcore_result, __ATOMIC_ACQUIRE) == 1, 5000));
	ck_assert_int_eq(dw_pause_arm("e1000e.gate.wait", 0), 0);
	ck_assert_int_eq(pthread_create(&c, NULL, close_thread, NULL), 0);
	/* The closer saw the lcore inside and is waiting: it must not be done. */
	ck_assert_int_eq(dw_pause_wait("e1000e.gate.wait", 5000), 0);
	ck_assert_int_eq(__atomic_load_n(&closed, __ATOMIC_ACQUIRE), 0);
	ck_assert_int_eq(dw_pause_release("e1000e.gate.wait"), 0);
	ck_assert_int_eq(__atomic_load_n(&closed, __ATOMIC_ACQUIRE), 0);
	__atomic_store_n(&lcore_go, 1, __ATOMIC_RELEASE);
	pthread_join(l, NULL);
	pthread_join(c, NULL);
	ck_assert_int_eq(closed, 1);
	/* Closed: a later burst stays out; reopened: it gets in. */
	ck_assert(!e1000e_gate_enter(&gate));
	e1000e_gate_open(&gate);
	ck_assert(e1000e_gate_enter(&gate));
	e1000e_gate_exit(&gate);
}
END_TEST

/*
 * The Dekker interleaving: the lcore announced itself (busy) but has not yet
 * read stopped when the close comes. The close must wait, and the lcore must
 * then see stopped and stay out.
 */
START_TEST(gate_close_vs_enter)
{
	pthread_t l, c;

	dw_test_need_pause_points();
	gate_setup();
	ck_assert_int_eq(dw_pause_arm("e1000e.gate.enter", 0), 0);
	ck_assert_int_eq(pthread_create(&l, NULL, burst_thread, NULL), 0);
	ck_assert_int_eq(dw_pause_wait("e1000e.gate.enter", 5000), 0);
	ck_assert_int_eq(dw_pause_arm("e1000e.gate.wait", 0), 0);
	ck_assert_int_eq(pthread_create(&c, NULL, close_thread, NULL), 0);
	ck_assert_int_eq(dw_pause_wait("e1000e.gate.wait", 5000), 0);
	ck_assert_int_eq(__atomic_load_n(&closed, __ATOMIC_ACQUIRE), 0);
	ck_assert_int_eq(dw_pause_release("e1000e.gate.wait"), 0);
	ck_assert_int_eq(dw_pause_release("e1000e.gate.enter"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&lcore_result, __ATOMIC_ACQUIRE) != -1, 5000));
	/* A broken gate let the lcore in: let it leave so that the test fails, not hangs. */
	__atomic_store_n(&lcore_go, 1, __ATOMIC_RELEASE);
	pthread_join(l, NULL);
	pthread_join(c, NULL);
	ck_assert_int_eq(lcore_result, 0); /* Saw stopped: stayed out of the queue. */
	ck_assert_int_eq(closed, 1);
	ck_assert_uint_eq(gate.busy, 0);
}
END_TEST

static Suite *
e1000e_suite(void)
{
	Suite *s = suite_create("e1000e");
	TCase *tc = tcase_create("host"), *tg;

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
	suite_add_tcase(s, tc);
	tg = tcase_create("gate");
	tcase_add_test(tg, gate_close_waits_for_burst);
	tcase_add_test(tg, gate_close_vs_enter);
	suite_add_tcase(s, tg);
	return s;
}

int
main(void)
{
	return dw_test_run(e1000e_suite());
}
