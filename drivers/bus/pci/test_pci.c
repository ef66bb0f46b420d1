/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO PCI layer on the host: address parsing and formatting, and every
 * dw_pci_open() check that runs before VFIO, against a fake sysfs tree made
 * in a temporary directory (device present or not, ids, driver link, IOMMU
 * group). Each failure must be the documented errno plus one log line naming
 * the device and the problem. The VFIO steps themselves run in the vm suite.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "dw_pci.h"
#include "dw_test.h"

START_TEST(addr_parse_ok)
{
	struct dw_pci_addr a;

	ck_assert_int_eq(dw_pci_addr_parse("0000:00:10.0", &a), 12);
	ck_assert_uint_eq(a.domain, 0);
	ck_assert_uint_eq(a.bus, 0);
	ck_assert_uint_eq(a.dev, 0x10);
	ck_assert_uint_eq(a.func, 0);
	ck_assert_int_eq(dw_pci_addr_parse("0001:af:1f.7,itr_us=5", &a), 12);
	ck_assert_uint_eq(a.domain, 1);
	ck_assert_uint_eq(a.bus, 0xaf);
	ck_assert_uint_eq(a.dev, 0x1f);
	ck_assert_uint_eq(a.func, 7);
	ck_assert_int_eq(dw_pci_addr_parse("3b:00.1", &a), 7);
	ck_assert_uint_eq(a.domain, 0);
	ck_assert_uint_eq(a.bus, 0x3b);
	ck_assert_uint_eq(a.dev, 0);
	ck_assert_uint_eq(a.func, 1);
}
END_TEST

START_TEST(addr_parse_bad)
{
	static const char *const bad[] = {
		"",
		"0000",
		"0000:00:10",
		"0000:00:20.0",
		"0000:00:10.8",
		"0000:100:10.0",
		"00:10.0x",
		"zz:10.0",
		"0000:00:10.0 ",
		"100:10.0",
		"0000:00:10.",
		"123456789:00:00.0",
		"0000:00::10.0",
	};
	struct dw_pci_addr a;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++)
		ck_assert_msg(dw_pci_addr_parse(bad[i], &a) == -EINVAL, "'%s' parsed", bad[i]);
	ck_assert_int_eq(dw_pci_addr_parse(NULL, &a), -EINVAL);
	ck_assert_int_eq(dw_pci_addr_parse("0000:00:10.0", NULL), -EINVAL);
}
END_TEST

START_TEST(addr_fmt)
{
	struct dw_pci_addr a = { .domain = 0, .bus = 3, .dev = 0x1c, .func = 2 };
	char buf[DW_PCI_ADDR_LEN];

	ck_assert_int_eq(dw_pci_addr_fmt(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0000:03:1c.2");
	ck_assert_int_eq(dw_pci_addr_fmt(&a, buf, 5), -ENOSPC);
}
END_TEST

/* A fake sysfs devices directory, and the log captured while a test runs. */
static char root[64];
static char *logbuf;
static size_t loglen;
static FILE *log_fp;

static void
fake_setup(void)
{
	snprintf(root, sizeof(root), "/tmp/dw-test-pci.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	log_fp = open_memstream(&logbuf, &loglen);
	ck_assert_ptr_nonnull(log_fp);
	rte_openlog_stream(log_fp);
}

static void
fake_teardown(void)
{
	char cmd[128];

	rte_openlog_stream(NULL);
	fclose(log_fp);
	free(logbuf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

static void
put(const char *dev, const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, dev);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, dev, file);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A device with ids; @p driver NULL: unbound; @p group: iommu_group link. */
static void
fake_dev(const char *dev, const char *device_id, const char *driver, bool group)
{
	char path[256], target[256];

	put(dev, "vendor", "0x8086\n");
	put(dev, "device", device_id);
	if (driver != NULL) {
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
		snprintf(path, sizeof(path), "%s/%s/driver", root, dev);
		ck_assert_int_eq(symlink(target, path), 0);
	}
	if (group) {
		snprintf(path, sizeof(path), "%s/%s/iommu_group", root, dev);
		ck_assert_int_eq(symlink("../../../kernel/iommu_groups/7", path), 0);
	}
}

static const uint16_t ids_82574[] = { 0x10d3, 0 };

/* Open @p addr on the fake tree expecting @p err and a log line with @p what. */
static void
open_fails(const char *addr, int err, const char *what)
{
	struct dw_pci_conf c = {
		.size = sizeof(c),
		.vendor = 0x8086,
		.devices = ids_82574,
		.sysfs_devices = root,
	};

	rte_errno = 0;
	ck_assert_ptr_null(dw_pci_open(addr, &c));
	ck_assert_int_eq(rte_errno, err);
	fflush(log_fp);
	ck_assert_msg(loglen > 0 && strstr(logbuf, what) != NULL, "log '%s' lacks '%s'",
		      loglen > 0 ? logbuf : "", what);
	ck_assert_msg(strchr(logbuf, '\n') == logbuf + loglen - 1, "not one log line: '%s'",
		      logbuf);
}

START_TEST(open_bad_address)
{
	open_fails("0000:00:99.0", EINVAL, "not a PCI address");
}
END_TEST

START_TEST(open_no_device)
{
	open_fails("0000:00:10.0", ENODEV, "0000:00:10.0: no such PCI device");
}
END_TEST

START_TEST(open_real_sysfs_no_device)
{
	/* Bus ff, device 1f, function 7 of domain ffff: on no machine. */
	ck_assert_ptr_null(dw_pci_open("ffff:ff:1f.7", NULL));
	ck_assert_int_eq(rte_errno, ENODEV);
}
END_TEST

START_TEST(open_wrong_device_id)
{
	fake_dev("0000:00:10.0", "0x100e\n", "vfio-pci", true);
	open_fails("0000:00:10.0", ENOTSUP, "unsupported device 8086:100e");
}
END_TEST

START_TEST(open_unbound)
{
	fake_dev("0000:00:10.0", "0x10d3\n", NULL, true);
	open_fails("00:10.0", EPERM, "bound to no driver, not vfio-pci");
}
END_TEST

START_TEST(open_other_driver)
{
	fake_dev("0000:00:10.0", "0x10d3\n", "e1000e", true);
	open_fails("0000:00:10.0", EPERM, "bound to e1000e, not vfio-pci");
}
END_TEST

START_TEST(open_no_iommu_group)
{
	fake_dev("0000:00:10.0", "0x10d3\n", "vfio-pci", false);
	open_fails("0000:00:10.0", ENXIO, "no IOMMU group");
}
END_TEST

START_TEST(open_bad_conf)
{
	struct dw_pci_conf c = { .size = sizeof(c) - 1 };

	ck_assert_ptr_null(dw_pci_open("0000:00:10.0", &c));
	ck_assert_int_eq(rte_errno, EINVAL);
	c.size = sizeof(c);
	c.flags = 0x80;
	ck_assert_ptr_null(dw_pci_open("0000:00:10.0", &c));
	ck_assert_int_eq(rte_errno, EINVAL);
}
END_TEST

START_TEST(null_device_calls)
{
	uint16_t v;

	ck_assert_int_eq(dw_pci_close(NULL), 0);
	ck_assert_int_eq(dw_pci_cfg_read(NULL, 0, &v, sizeof(v)), -EINVAL);
	ck_assert_int_eq(dw_pci_bus_master(NULL, true), -EINVAL);
	ck_assert_ptr_null(dw_pci_bar_map(NULL, 0, NULL));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert_int_eq(dw_pci_msix_enable(NULL, 1), -EINVAL);
	ck_assert_int_eq(dw_pci_msix_fd(NULL, 0), -EINVAL);
	ck_assert_int_eq(dw_pci_msix_disable(NULL), -EINVAL);
	ck_assert_uint_eq(dw_pci_msix_count(NULL), 0);
}
END_TEST

static Suite *
pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("addr");
	TCase *tf = tcase_create("open");

	tcase_add_test(tc, addr_parse_ok);
	tcase_add_test(tc, addr_parse_bad);
	tcase_add_test(tc, addr_fmt);
	tcase_add_test(tc, open_real_sysfs_no_device);
	tcase_add_test(tc, open_bad_conf);
	tcase_add_test(tc, null_device_calls);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, fake_setup, fake_teardown);
	tcase_add_test(tf, open_bad_address);
	tcase_add_test(tf, open_no_device);
	tcase_add_test(tf, open_wrong_device_id);
	tcase_add_test(tf, open_unbound);
	tcase_add_test(tf, open_other_driver);
	tcase_add_test(tf, open_no_iommu_group);
	suite_add_tcase(s, tf);
	return s;
}

int
main(void)
{
	return dw_test_run(pci_suite());
}
