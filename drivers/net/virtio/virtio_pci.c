/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_io.h>

#include "virtio_pci.h"

int
virtio_caps_parse(const uint8_t *cfg, size_t len, struct virtio_caps *caps, const char **why)
{
	unsigned int pos, hops = 0;

	memset(caps, 0, sizeof(*caps));
	*why = "capability list";
	if (len < 0x40 || !(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return -ENOTSUP;
	for (pos = cfg[PCI_CAP_PTR] & ~3u; pos != 0; pos = cfg[pos + 1] & ~3u) {
		struct virtio_cap *c = NULL;
		uint8_t type;

		/* 48 capabilities fit in 192 bytes: more means a loop. */
		if (pos < 0x40 || pos + 2 > len || ++hops > 48) {
			*why = "malformed capability list";
			return -EINVAL;
		}
		if (cfg[pos] != PCI_CAP_ID_VNDR)
			continue;
		if (pos + 16 > len || cfg[pos + 2] < 16) {
			*why = "malformed virtio capability";
			return -EINVAL;
		}
		type = cfg[pos + 3];
		switch (type) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			c = &caps->common;
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			c = &caps->notify;
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			c = &caps->isr;
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			c = &caps->device;
			break;
		default:
			break;
		}
		if (c == NULL || c->found || cfg[pos + 4] > 5)
			continue;
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
			if (pos + 20 > len || cfg[pos + 2] < 20) {
				*why = "malformed notify capability";
				return -EINVAL;
			}
			memcpy(&caps->notify_mult, &cfg[pos + 16], 4);
		}
		c->found = true;
		c->bar = cfg[pos + 4];
		memcpy(&c->offset, &cfg[pos + 8], 4);
		memcpy(&c->length, &cfg[pos + 12], 4);
	}
	if (!caps->common.found || caps->common.length < VIRTIO_COMMON_LEN)
		*why = "common configuration";
	else if (!caps->notify.found || caps->notify.length < 2)
		*why = "notify";
	else if (!caps->isr.found)
		*why = "ISR";
	else if (!caps->device.found || caps->device.length < VIRTIO_NET_CFG_STATUS + 2)
		*why = "device configuration";
	else
		return 0;
	return -ENOTSUP;
}

int
virtio_features_pick(uint64_t offered, uint64_t *out, const char **why)
{
	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		*why = "VIRTIO_F_VERSION_1 (legacy-only device)";
		return -ENOTSUP;
	}
	if (!(offered & VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM))) {
		*why = "VIRTIO_F_ACCESS_PLATFORM (device bypasses the IOMMU: iommu_platform=on)";
		return -ENOTSUP;
	}
	*out = offered & (VIRTIO_FEATURES_REQUIRED | VIRTIO_FEATURES_WANTED);
	/* The control queue commands we send need their features too. */
	if (!(*out & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)))
		*out &= ~(VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | VIRTIO_BIT(VIRTIO_NET_F_MQ) |
			  VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR));
	*why = NULL;
	return 0;
}

static uint32_t
mmio_read(struct virtio_regs *r, unsigned int region, uint32_t off, unsigned int width)
{
	const volatile uint8_t *a = r->base[region] + off;

	switch (width) {
	case 1:
		return rte_read8(a);
	case 2:
		return rte_read16(a);
	default:
		return rte_read32(a);
	}
}

static void
mmio_write(struct virtio_regs *r, unsigned int region, uint32_t off, unsigned int width,
	   uint32_t val)
{
	volatile uint8_t *a = r->base[region] + off;

	switch (width) {
	case 1:
		rte_write8((uint8_t)val, a);
		break;
	case 2:
		rte_write16((uint16_t)val, a);
		break;
	default:
		rte_write32(val, a);
		break;
	}
}

const struct virtio_regs_ops virtio_regs_mmio = { .read = mmio_read, .write = mmio_write };

#define CMN VIRTIO_REGION_COMMON

int
virtio_dev_reset(struct virtio_regs *r)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000 * 1000 };
	unsigned int i;

	virtio_wr(r, CMN, VIRTIO_COMMON_STATUS, 1, 0);
	/* The spec: the reset is complete when device_status reads 0. */
	for (i = 0; i < 1000; i++) {
		if (virtio_rd(r, CMN, VIRTIO_COMMON_STATUS, 1) == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

uint64_t
virtio_dev_features(struct virtio_regs *r)
{
	uint64_t lo, hi;

	virtio_wr(r, CMN, VIRTIO_COMMON_DFSELECT, 4, 0);
	lo = virtio_rd(r, CMN, VIRTIO_COMMON_DF, 4);
	virtio_wr(r, CMN, VIRTIO_COMMON_DFSELECT, 4, 1);
	hi = virtio_rd(r, CMN, VIRTIO_COMMON_DF, 4);
	return lo | hi << 32;
}

static void
status_set(struct virtio_regs *r, uint8_t bits)
{
	uint8_t s = (uint8_t)virtio_rd(r, CMN, VIRTIO_COMMON_STATUS, 1);

	virtio_wr(r, CMN, VIRTIO_COMMON_STATUS, 1, s | bits);
}

int
virtio_negotiate(struct virtio_regs *r, uint64_t *negotiated, const char **why)
{
	uint64_t f;
	int ret;

	*why = NULL;
	ret = virtio_dev_reset(r);
	if (ret < 0) {
		*why = "device did not reset";
		return ret;
	}
	status_set(r, VIRTIO_S_ACKNOWLEDGE);
	status_set(r, VIRTIO_S_DRIVER);
	ret = virtio_features_pick(virtio_dev_features(r), &f, why);
	if (ret < 0) {
		status_set(r, VIRTIO_S_FAILED);
		return ret;
	}
	virtio_wr(r, CMN, VIRTIO_COMMON_GFSELECT, 4, 0);
	virtio_wr(r, CMN, VIRTIO_COMMON_GF, 4, (uint32_t)f);
	virtio_wr(r, CMN, VIRTIO_COMMON_GFSELECT, 4, 1);
	virtio_wr(r, CMN, VIRTIO_COMMON_GF, 4, (uint32_t)(f >> 32));
	status_set(r, VIRTIO_S_FEATURES_OK);
	if (!(virtio_rd(r, CMN, VIRTIO_COMMON_STATUS, 1) & VIRTIO_S_FEATURES_OK)) {
		*why = "device refused the feature set (FEATURES_OK not kept)";
		status_set(r, VIRTIO_S_FAILED);
		return -EPROTO;
	}
	*negotiated = f;
	return 0;
}

int
virtio_queue_size(struct virtio_regs *r, uint16_t q, uint16_t want, uint16_t *size)
{
	uint16_t max;

	if (q >= virtio_rd(r, CMN, VIRTIO_COMMON_NUMQ, 2))
		return -ERANGE;
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_SELECT, 2, q);
	max = (uint16_t)virtio_rd(r, CMN, VIRTIO_COMMON_Q_SIZE, 2);
	*size = max;
	if (max == 0)
		return -ENOSPC;
	while (want != 0 && *size > want)
		*size >>= 1;
	/* Split rings need a power of 2: round a device maximum down to one. */
	while (*size & (*size - 1))
		*size &= (uint16_t)(*size - 1);
	return 0;
}

int
virtio_queue_setup(struct virtio_regs *r, uint16_t q, uint16_t size, uint16_t vector, uint64_t desc,
		   uint64_t avail, uint64_t used, uint16_t *notify_off)
{
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_SELECT, 2, q);
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_SIZE, 2, size);
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_MSIX, 2, vector);
	if (virtio_rd(r, CMN, VIRTIO_COMMON_Q_MSIX, 2) != vector)
		return -EIO;
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_DESCLO, 4, (uint32_t)desc);
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_DESCHI, 4, (uint32_t)(desc >> 32));
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_AVAILLO, 4, (uint32_t)avail);
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_AVAILHI, 4, (uint32_t)(avail >> 32));
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_USEDLO, 4, (uint32_t)used);
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_USEDHI, 4, (uint32_t)(used >> 32));
	*notify_off = (uint16_t)virtio_rd(r, CMN, VIRTIO_COMMON_Q_NOFF, 2);
	return 0;
}

void
virtio_queue_enable(struct virtio_regs *r, uint16_t q)
{
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_SELECT, 2, q);
	virtio_wr(r, CMN, VIRTIO_COMMON_Q_ENABLE, 2, 1);
}

int
virtio_config_vector(struct virtio_regs *r, uint16_t vector)
{
	virtio_wr(r, CMN, VIRTIO_COMMON_MSIX, 2, vector);
	return virtio_rd(r, CMN, VIRTIO_COMMON_MSIX, 2) == vector ? 0 : -EIO;
}

void
virtio_dev_cfg_read(struct virtio_regs *r, uint32_t off, void *buf, size_t len)
{
	uint8_t *b = buf;
	uint32_t gen;
	size_t i;

	do {
		gen = virtio_rd(r, CMN, VIRTIO_COMMON_CFGGEN, 1);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)virtio_rd(r, VIRTIO_REGION_DEVICE, off + (uint32_t)i, 1);
	} while (gen != virtio_rd(r, CMN, VIRTIO_COMMON_CFGGEN, 1));
}
