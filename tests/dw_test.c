/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <rte_eal.h>

#include "dw_test.h"

uint64_t
dw_test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
dw_test_sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

void
dw_test_spin_us(unsigned int us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000 < (long)us);
}

int
dw_test_eal_init(const char *const *extra)
{
	char prefix[64];
	char *argv[64];
	int argc = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=dwt%d", (int)getpid());
	argv[argc++] = (char *)"dw_test";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"256";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--log-level=lib.eal:warning";
	for (; extra != NULL && *extra != NULL && argc < 63; extra++)
		argv[argc++] = (char *)*extra;
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}

int
dw_test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void
dw_test_telemetry(const char *cmd, char *buf, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	ssize_t n;
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	ck_assert_int_ge(s, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	ck_assert_msg(connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0, "connect %s",
		      sun.sun_path);
	ck_assert_int_gt(read(s, buf, len - 1), 0); /* the greeting */
	ck_assert_int_eq(write(s, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	n = read(s, buf, len - 1);
	close(s);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
}

void
dw_test_fake_topology(const char *layout)
{
	if (layout != NULL)
		ck_assert_int_eq(setenv("DW_FAKE_TOPO", layout, 1), 0);
	else
		ck_assert_int_eq(unsetenv("DW_FAKE_TOPO"), 0);
}

unsigned int
dw_test_time_scale(void)
{
	const char *s = getenv("DW_TEST_TIME_SCALE");

	return s != NULL && atoi(s) > 1 ? (unsigned int)atoi(s) : 1;
}
