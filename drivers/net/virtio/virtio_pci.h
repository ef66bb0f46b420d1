/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

/*
 * The virtio 1.x modern PCI transport (spec section "Virtio Over PCI Bus"):
 * vendor capabilities in config space, the common configuration structure,
 * feature negotiation, device status. Private to drivers/net/virtio.
 *
 * Register access on the slow path goes through struct virtio_regs so the
 * host unit tests can put a fake device behind it; the fast path (queue
 * notify) writes the mapped doorbell directly.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Vendor-specific PCI capability and the virtio structure types. */
#define PCI_CAP_PTR 0x34
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_ID_VNDR 0x09
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* Common configuration structure, offsets. */
#define VIRTIO_COMMON_DFSELECT 0x00
#define VIRTIO_COMMON_DF 0x04
#define VIRTIO_COMMON_GFSELECT 0x08
#define VIRTIO_COMMON_GF 0x0c
#define VIRTIO_COMMON_MSIX 0x10
#define VIRTIO_COMMON_NUMQ 0x12
#define VIRTIO_COMMON_STATUS 0x14
#define VIRTIO_COMMON_CFGGEN 0x15
#define VIRTIO_COMMON_Q_SELECT 0x16
#define VIRTIO_COMMON_Q_SIZE 0x18
#define VIRTIO_COMMON_Q_MSIX 0x1a
#define VIRTIO_COMMON_Q_ENABLE 0x1c
#define VIRTIO_COMMON_Q_NOFF 0x1e
#define VIRTIO_COMMON_Q_DESCLO 0x20
#define VIRTIO_COMMON_Q_DESCHI 0x24
#define VIRTIO_COMMON_Q_AVAILLO 0x28
#define VIRTIO_COMMON_Q_AVAILHI 0x2c
#define VIRTIO_COMMON_Q_USEDLO 0x30
#define VIRTIO_COMMON_Q_USEDHI 0x34
#define VIRTIO_COMMON_LEN 0x38
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* Device status bits. */
#define VIRTIO_S_ACKNOWLEDGE 0x01
#define VIRTIO_S_DRIVER 0x02
#define VIRTIO_S_DRIVER_OK 0x04
#define VIRTIO_S_FEATURES_OK 0x08
#define VIRTIO_S_NEEDS_RESET 0x40
#define VIRTIO_S_FAILED 0x80

/* Feature bits (net device and transport). */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_CTRL_RX 18
#define VIRTIO_NET_F_MQ 22
#define VIRTIO_NET_F_CTRL_MAC_ADDR 23
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_BIT(f) (1ull << (f))

/* Required: without them the device is not driven. */
#define VIRTIO_FEATURES_REQUIRED                                                                   \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM))
/* Taken when offered. */
#define VIRTIO_FEATURES_WANTED                                                                     \
	(VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |                          \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) |                     \
	 VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) |                    \
	 VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX))

/* Net device configuration, offsets (device cfg structure). */
#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_CFG_MAX_PAIRS 8
#define VIRTIO_NET_S_LINK_UP 1

/* Where the virtio structures are, found by virtio_caps_parse(). */
struct virtio_cap {
	bool found;
	uint8_t bar;
	uint32_t offset, length;
};

struct virtio_caps {
	struct virtio_cap common, notify, isr, device;
	uint32_t notify_mult; /* notify_off_multiplier */
};

/*
 * Walk the capability list of a 256-byte config space snapshot @p cfg and
 * record the first capability of each virtio type (the spec lets devices
 * offer several; the first is the preferred one). Returns 0, or -ENOTSUP with
 * @p why set to the missing structure ("common", "notify", ...), or -EINVAL on
 * a malformed list (a loop, a capability running past the snapshot).
 */
int virtio_caps_parse(const uint8_t *cfg, size_t len, struct virtio_caps *caps, const char **why);

/*
 * Pick the features to negotiate from the device's @p offered: the required
 * ones (-ENOTSUP and @p why naming the first missing one) plus what is wanted
 * and offered. *@p out is the set to write back.
 */
int virtio_features_pick(uint64_t offered, uint64_t *out, const char **why);

/* Register access of one device (slow path). */
struct virtio_regs;
struct virtio_regs_ops {
	uint32_t (*read)(struct virtio_regs *r, unsigned int region, uint32_t off,
			 unsigned int width);
	void (*write)(struct virtio_regs *r, unsigned int region, uint32_t off, unsigned int width,
		      uint32_t val);
};
enum { VIRTIO_REGION_COMMON, VIRTIO_REGION_DEVICE, VIRTIO_REGION_ISR };

struct virtio_regs {
	const struct virtio_regs_ops *ops;
	volatile uint8_t *base[3]; /* COMMON, DEVICE, ISR in mapped BARs (real device). */
	void *fake;		   /* Test device state. */
};

/* Ops over mapped BARs (base[] filled). */
extern const struct virtio_regs_ops virtio_regs_mmio;

static inline uint32_t
virtio_rd(struct virtio_regs *r, unsigned int region, uint32_t off, unsigned int width)
{
	return r->ops->read(r, region, off, width);
}

static inline void
virtio_wr(struct virtio_regs *r, unsigned int region, uint32_t off, unsigned int width,
	  uint32_t val)
{
	r->ops->write(r, region, off, width, val);
}

/* Write 0 to device_status and wait (bounded, ~1 s) until it reads 0. -ETIMEDOUT. */
int virtio_dev_reset(struct virtio_regs *r);

/* The 64-bit device feature word. */
uint64_t virtio_dev_features(struct virtio_regs *r);

/*
 * Reset, ACKNOWLEDGE, DRIVER, pick and write features, FEATURES_OK and read it
 * back. On success *@p negotiated holds the features. Errors: -ENOTSUP (a
 * required feature missing; @p why names it), -EPROTO (FEATURES_OK not kept:
 * the device refused the set; status FAILED written), -ETIMEDOUT (reset).
 */
int virtio_negotiate(struct virtio_regs *r, uint64_t *negotiated, const char **why);

/*
 * Program queue @p q: size (the device's maximum, capped at @p want; must be a
 * power of 2; -ENOSPC with size 0 meaning the queue does not exist), MSI-X
 * vector (-EIO if the device did not keep it), ring addresses; leaves it
 * disabled. *@p size is the size in use; *@p notify_off the queue's notify
 * offset. -ERANGE: queue index past num_queues.
 */
int virtio_queue_size(struct virtio_regs *r, uint16_t q, uint16_t want, uint16_t *size);
int virtio_queue_setup(struct virtio_regs *r, uint16_t q, uint16_t size, uint16_t vector,
		       uint64_t desc, uint64_t avail, uint64_t used, uint16_t *notify_off);
void virtio_queue_enable(struct virtio_regs *r, uint16_t q);

/* Set the config-change vector; -EIO if the device did not keep it. */
int virtio_config_vector(struct virtio_regs *r, uint16_t vector);

/* Read @p len bytes of the device cfg at @p off consistently (config_generation). */
void virtio_dev_cfg_read(struct virtio_regs *r, uint32_t off, void *buf, size_t len);

#endif /* VIRTIO_PCI_H */
