/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e1000e_hw.h"

/* One "key=value" integer within [min, max]. */
static int
args_uint(const char *key, const char *val, size_t len, uint32_t min, uint32_t max, uint32_t *out)
{
	char buf[16], *end;
	unsigned long v;

	if (len == 0 || len >= sizeof(buf)) {
		E1000E_LOG(ERR, "devargs: %s needs a number", key);
		return -EINVAL;
	}
	memcpy(buf, val, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno != 0 || *end != '\0' || buf[0] == '-' || v < min || v > max) {
		E1000E_LOG(ERR, "devargs: %s=%s is not a number in %u..%u", key, buf, min, max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int
e1000e_args_parse(const char *devargs, struct e1000e_args *a)
{
	const char *p, *kv, *eq;
	size_t plen = strlen(E1000E_PREFIX);
	int n, ret = 0;

	memset(a, 0, sizeof(*a));
	a->itr_us = E1000E_ITR_US_DEFAULT;
	a->watchdog_ms = E1000E_WATCHDOG_MS_DEFAULT;
	if (devargs == NULL || strncmp(devargs, E1000E_PREFIX, plen) != 0) {
		E1000E_LOG(ERR, "devargs: not '%sDDDD:BB:DD.F[,...]'", E1000E_PREFIX);
		return -EINVAL;
	}
	p = devargs + plen;
	n = dw_pci_addr_parse(p, &a->addr);
	if (n < 0) {
		E1000E_LOG(ERR, "devargs: '%s' does not start with a PCI address", p);
		return -EINVAL;
	}
	dw_pci_addr_fmt(&a->addr, a->name, sizeof(a->name));
	for (p += n; *p == ',' && ret == 0; p = kv + strcspn(kv, ",")) {
		size_t klen, vlen;

		kv = p + 1;
		eq = strchr(kv, '=');
		klen = strcspn(kv, ",=");
		if (eq == NULL || eq != kv + klen) {
			E1000E_LOG(ERR, "devargs: '%.*s' is not key=value", (int)strcspn(kv, ","),
				   kv);
			return -EINVAL;
		}
		vlen = strcspn(eq + 1, ",");
		if (klen == 6 && strncmp(kv, "itr_us", klen) == 0) {
			ret = args_uint("itr_us", eq + 1, vlen, 0, 16000, &a->itr_us);
		} else if (klen == 11 && strncmp(kv, "watchdog_ms", klen) == 0) {
			ret = args_uint("watchdog_ms", eq + 1, vlen, 100, 60000, &a->watchdog_ms);
		} else if (klen == 17 && strncmp(kv, "test_tx_hang_pkts", klen) == 0) {
			ret = args_uint("test_tx_hang_pkts", eq + 1, vlen, 1, 1000000000,
					&a->test_tx_hang_pkts);
		} else if (klen == 4 && strncmp(kv, "intr", klen) == 0) {
			if (vlen == 4 && strncmp(eq + 1, "msix", 4) == 0) {
				a->poll = false;
			} else if (vlen == 4 && strncmp(eq + 1, "poll", 4) == 0) {
				a->poll = true;
			} else {
				E1000E_LOG(ERR, "devargs: intr=%.*s: use intr=msix or intr=poll",
					   (int)vlen, eq + 1);
				return -EINVAL;
			}
		} else {
			E1000E_LOG(ERR,
				   "devargs: unknown key '%.*s' (itr_us, intr, watchdog_ms, "
				   "test_tx_hang_pkts)",
				   (int)klen, kv);
			return -EINVAL;
		}
	}
	if (ret == 0 && *p != '\0') {
		E1000E_LOG(ERR, "devargs: trailing '%s'", p);
		ret = -EINVAL;
	}
	return ret;
}
