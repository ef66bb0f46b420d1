/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net/virtio on the host, no device: split-ring index arithmetic
 * (wrap, the EVENT_IDX rule), capability parsing and feature negotiation on
 * a fake device in memory (every refusal the spec allows), devargs, the rx
 * interrupt arm/re-check race made deterministic with a pause point, and the
 * rx/tx bursts against a fake device that consumes the rings in memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_mbuf.h>

#include "dw_debug.h"
#include "dw_netdev.h"
#include "dw_pci.h"
#include "dw_test.h"
#include "dw_virtio.h"
#include "dw_work.h"
#include "virtio_pci.h"
#include "virtio_private.h"
#include "virtio_ring.h"

START_TEST(ring_need_event)
{
	/* Event index inside [old, new): notify; outside: not. */
	ck_assert(vring_need_event(5, 6, 5));
	ck_assert(!vring_need_event(6, 6, 5));
	ck_assert(vring_need_event(5, 10, 3));
	ck_assert(!vring_need_event(2, 10, 3));
	ck_assert(!vring_need_event(10, 10, 3));
	/* Across the 16-bit wrap. */
	ck_assert(vring_need_event(0xffff, 2, 0xfffe));
	ck_assert(vring_need_event(0, 2, 0xfffe));
	ck_assert(vring_need_event(1, 2, 0xfffe));
	ck_assert(!vring_need_event(2, 2, 0xfffe));
	ck_assert(!vring_need_event(0xfffd, 2, 0xfffe));
	/* Nothing moved: never. */
	ck_assert(!vring_need_event(7, 7, 7));
	/* The disarm value stays out of any window short of 2^16 - 1 entries. */
	ck_assert(!vring_need_event(vring_used_event_off(100), (uint16_t)(100 + 0xfffe), 100));
	ck_assert(!vring_need_event(vring_used_event_off(0xfff0), 0x20, 0xfff0));
}
END_TEST

START_TEST(ring_indices)
{
	struct vring_layout l = vring_layout(256);

	ck_assert_uint_eq(vring_used_pending(5, 3), 2);
	ck_assert_uint_eq(vring_used_pending(2, 0xfffe), 4);
	ck_assert_uint_eq(vring_used_pending(0, 0), 0);
	ck_assert(vring_size_ok(1));
	ck_assert(vring_size_ok(256));
	ck_assert(vring_size_ok(32768));
	ck_assert(!vring_size_ok(0));
	ck_assert(!vring_size_ok(384));
	ck_assert_uint_eq(l.desc_off, 0);
	ck_assert_uint_ge(l.avail_off, 16 * 256);
	ck_assert_uint_ge(l.used_off, l.avail_off + 2 * (3 + 256));
	ck_assert_uint_ge(l.total, l.used_off + 6 + 8 * 256);
	ck_assert_uint_eq(l.avail_off % 16, 0);
	ck_assert_uint_eq(l.used_off % 4, 0);
}
END_TEST

/* A config space with the four virtio capabilities at 0x40.. (a chain). */
static void
fake_cfg(uint8_t *cfg, int skip_type)
{
	uint8_t pos = 0x40, prev = PCI_CAP_PTR;
	int t;

	memset(cfg, 0, 256);
	cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	/* An MSI-X capability first: not a vendor one, skipped. */
	cfg[prev] = pos;
	cfg[pos] = 0x11;
	prev = (uint8_t)(pos + 1);
	pos = (uint8_t)(pos + 12);
	for (t = 1; t <= 4; t++) {
		uint32_t off = 0x1000u * (uint32_t)(t - 1), len = 0x1000, mult = 4;

		if (t == skip_type)
			continue;
		cfg[prev] = pos;
		cfg[pos] = PCI_CAP_ID_VNDR;
		cfg[pos + 2] = t == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20 : 16;
		cfg[pos + 3] = (uint8_t)t;
		cfg[pos + 4] = 4; /* BAR 4 */
		memcpy(&cfg[pos + 8], &off, 4);
		memcpy(&cfg[pos + 12], &len, 4);
		if (t == VIRTIO_PCI_CAP_NOTIFY_CFG)
			memcpy(&cfg[pos + 16], &mult, 4);
		prev = (uint8_t)(pos + 1);
		pos = (uint8_t)(pos + 20);
	}
	cfg[prev] = 0;
}

START_TEST(caps_parse)
{
	struct virtio_caps caps;
	const char *why;
	uint8_t cfg[256];

	fake_cfg(cfg, 0);
	ck_assert_int_eq(virtio_caps_parse(cfg, sizeof(cfg), &caps, &why), 0);
	ck_assert(caps.common.found && caps.notify.found && caps.isr.found && caps.device.found);
	ck_assert_uint_eq(caps.common.bar, 4);
	ck_assert_uint_eq(caps.notify.offset, 0x1000);
	ck_assert_uint_eq(caps.device.offset, 0x3000);
	ck_assert_uint_eq(caps.notify_mult, 4);

	fake_cfg(cfg, VIRTIO_PCI_CAP_NOTIFY_CFG);
	ck_assert_int_eq(virtio_caps_parse(cfg, sizeof(cfg), &caps, &why), -ENOTSUP);
	ck_assert_str_eq(why, "notify");

	fake_cfg(cfg, 0);
	cfg[PCI_STATUS] = 0; /* No capability list at all (a legacy-only device, say). */
	ck_assert_int_eq(virtio_caps_parse(cfg, sizeof(cfg), &caps, &why), -ENOTSUP);

	fake_cfg(cfg, 0);
	cfg[0x41] = 0x40; /* A loop. */
	ck_assert_int_eq(virtio_caps_parse(cfg, sizeof(cfg), &caps, &why), -EINVAL);

	fake_cfg(cfg, 0);
	cfg[PCI_CAP_PTR] = 0x10; /* Into the header. */
	ck_assert_int_eq(virtio_caps_parse(cfg, sizeof(cfg), &caps, &why), -EINVAL);
}
END_TEST

START_TEST(features_pick)
{
	uint64_t out, base = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
	const char *why;

	ck_assert_int_eq(virtio_features_pick(VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM), &out, &why),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "VERSION_1"));
	ck_assert_int_eq(virtio_features_pick(VIRTIO_BIT(VIRTIO_F_VERSION_1), &out, &why),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "ACCESS_PLATFORM"));
	/* Unknown offers are dropped, wanted ones kept. */
	ck_assert_int_eq(virtio_features_pick(base | VIRTIO_BIT(0) | VIRTIO_BIT(15) |
						  VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX) |
						  VIRTIO_BIT(VIRTIO_NET_F_STATUS),
					      &out, &why),
			 0);
	ck_assert_uint_eq(out, base | VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX) |
				   VIRTIO_BIT(VIRTIO_NET_F_STATUS));
	/* Control-queue commands without the control queue: dropped. */
	ck_assert_int_eq(virtio_features_pick(base | VIRTIO_BIT(VIRTIO_NET_F_MQ) |
						  VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX),
					      &out, &why),
			 0);
	ck_assert_uint_eq(out, base);
	ck_assert_int_eq(virtio_features_pick(base | VIRTIO_BIT(VIRTIO_NET_F_MQ) |
						  VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ),
					      &out, &why),
			 0);
	ck_assert_uint_eq(out,
			  base | VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ));
}
END_TEST

/* A fake modern device behind struct virtio_regs. */
struct fake_dev {
	uint64_t offered, driver;
	uint32_t dfsel, gfsel;
	uint8_t status;	      /* atomic: the config irq thread reads it */
	bool refuse_features; /* drops FEATURES_OK */
	bool stuck_reset;     /* status never reads 0 */
	uint16_t numq, qsel, qsize[4], qmsix[4], cfg_msix;
	uint32_t qaddr[4][6]; /* desc, avail, used (lo, hi) as the driver wrote them */
	uint8_t devcfg[16];
	unsigned int resets;
	/* Resets (status 0 written) made from a work item, and from elsewhere. */
	unsigned int resets_in_work, resets_elsewhere;
};

static uint32_t
fake_read(struct virtio_regs *r, unsigned int region, uint32_t off, unsigned int width)
{
	struct fake_dev *f = r->fake;

	if (region == VIRTIO_REGION_DEVICE)
		return f->devcfg[off];
	switch (off) {
	case VIRTIO_COMMON_DF:
		return (uint32_t)(f->offered >> (32 * f->dfsel));
	case VIRTIO_COMMON_STATUS:
		return __atomic_load_n(&f->status, __ATOMIC_ACQUIRE);
	case VIRTIO_COMMON_NUMQ:
		return f->numq;
	case VIRTIO_COMMON_CFGGEN:
		return 0;
	case VIRTIO_COMMON_Q_SIZE:
		return f->qsize[f->qsel];
	case VIRTIO_COMMON_Q_MSIX:
		return f->qmsix[f->qsel];
	case VIRTIO_COMMON_MSIX:
		return f->cfg_msix;
	default:
		return 0;
	}
}

static void
fake_write(struct virtio_regs *r, unsigned int region, uint32_t off, unsigned int width,
	   uint32_t val)
{
	struct fake_dev *f = r->fake;

	switch (off) {
	case VIRTIO_COMMON_DFSELECT:
		f->dfsel = val;
		break;
	case VIRTIO_COMMON_GFSELECT:
		f->gfsel = val;
		break;
	case VIRTIO_COMMON_GF:
		f->driver = (f->driver & ~(0xffffffffull << (32 * f->gfsel))) |
			    (uint64_t)val << (32 * f->gfsel);
		break;
	case VIRTIO_COMMON_STATUS:
		if (val == 0) {
			f->resets++;
			if (dw_current_work() != NULL)
				f->resets_in_work++;
			else
				f->resets_elsewhere++;
			__atomic_store_n(&f->status, f->stuck_reset ? VIRTIO_S_DRIVER : 0,
					 __ATOMIC_RELEASE);
			break;
		}
		if ((val & VIRTIO_S_FEATURES_OK) &&
		    (f->refuse_features || (f->driver & ~f->offered)))
			val &= ~(uint32_t)VIRTIO_S_FEATURES_OK;
		__atomic_store_n(&f->status, (uint8_t)val, __ATOMIC_RELEASE);
		break;
	case VIRTIO_COMMON_Q_DESCLO:
	case VIRTIO_COMMON_Q_DESCHI:
	case VIRTIO_COMMON_Q_AVAILLO:
	case VIRTIO_COMMON_Q_AVAILHI:
	case VIRTIO_COMMON_Q_USEDLO:
	case VIRTIO_COMMON_Q_USEDHI:
		f->qaddr[f->qsel][(off - VIRTIO_COMMON_Q_DESCLO) / 4] = val;
		break;
	case VIRTIO_COMMON_Q_SELECT:
		f->qsel = (uint16_t)(val & 3);
		break;
	case VIRTIO_COMMON_Q_MSIX:
		/* Like a device out of vectors: only 0 .. 2 are kept. */
		f->qmsix[f->qsel] = val <= 2 ? (uint16_t)val : VIRTIO_MSI_NO_VECTOR;
		break;
	case VIRTIO_COMMON_MSIX:
		f->cfg_msix = (uint16_t)val;
		break;
	default:
		break;
	}
}

static const struct virtio_regs_ops fake_ops = { .read = fake_read, .write = fake_write };

static void
fake_init(struct fake_dev *f, struct virtio_regs *r)
{
	memset(f, 0, sizeof(*f));
	f->offered = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) |
		     VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
		     VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(0);
	f->numq = 3;
	f->qsize[0] = f->qsize[1] = 256;
	f->qsize[2] = 64;
	memset(r, 0, sizeof(*r));
	r->ops = &fake_ops;
	r->fake = f;
}

START_TEST(negotiate)
{
	struct virtio_regs r;
	struct fake_dev f;
	const char *why;
	uint64_t neg = 0;

	fake_init(&f, &r);
	ck_assert_int_eq(virtio_negotiate(&r, &neg, &why), 0);
	ck_assert_uint_eq(f.resets, 1);
	ck_assert_uint_eq(f.status, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	ck_assert_uint_eq(neg, f.offered & ~VIRTIO_BIT(0));
	ck_assert_uint_eq(f.driver, neg);

	/* FEATURES_OK not kept: -EPROTO, FAILED written, reason given. */
	fake_init(&f, &r);
	f.refuse_features = true;
	ck_assert_int_eq(virtio_negotiate(&r, &neg, &why), -EPROTO);
	ck_assert(f.status & VIRTIO_S_FAILED);
	ck_assert_ptr_nonnull(strstr(why, "FEATURES_OK"));

	/* No VERSION_1 (a transitional device in legacy mode, say). */
	fake_init(&f, &r);
	f.offered &= ~VIRTIO_BIT(VIRTIO_F_VERSION_1);
	ck_assert_int_eq(virtio_negotiate(&r, &neg, &why), -ENOTSUP);
	ck_assert(f.status & VIRTIO_S_FAILED);
	ck_assert_ptr_nonnull(strstr(why, "VERSION_1"));

	/* No ACCESS_PLATFORM: the device would bypass the IOMMU. */
	fake_init(&f, &r);
	f.offered &= ~VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
	ck_assert_int_eq(virtio_negotiate(&r, &neg, &why), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "ACCESS_PLATFORM"));

	/* A device that never finishes its reset: bounded, -ETIMEDOUT. */
	fake_init(&f, &r);
	f.stuck_reset = true;
	ck_assert_int_eq(virtio_negotiate(&r, &neg, &why), -ETIMEDOUT);
}
END_TEST

START_TEST(queue_setup)
{
	struct virtio_regs r;
	struct fake_dev f;
	uint16_t size, noff;

	fake_init(&f, &r);
	ck_assert_int_eq(virtio_queue_size(&r, 0, 0, &size), 0);
	ck_assert_uint_eq(size, 256);
	ck_assert_int_eq(virtio_queue_size(&r, 0, 128, &size), 0);
	ck_assert_uint_eq(size, 128);
	f.qsize[1] = 384; /* Not a power of 2: rounded down. */
	ck_assert_int_eq(virtio_queue_size(&r, 1, 0, &size), 0);
	ck_assert_uint_eq(size, 256);
	f.qsize[2] = 0; /* Queue size 0: the queue does not exist. */
	ck_assert_int_eq(virtio_queue_size(&r, 2, 0, &size), -ENOSPC);
	ck_assert_int_eq(virtio_queue_size(&r, 3, 0, &size), -ERANGE);
	ck_assert_int_eq(virtio_queue_setup(&r, 0, 256, 1, 0x1000, 0x2000, 0x3000, &noff), 0);
	ck_assert_uint_eq(f.qmsix[0], 1);
	/* A vector the device does not keep. */
	ck_assert_int_eq(virtio_queue_setup(&r, 1, 256, 7, 0x1000, 0x2000, 0x3000, &noff), -EIO);
	ck_assert_int_eq(virtio_config_vector(&r, 0), 0);
}
END_TEST

START_TEST(devargs)
{
	char a[DW_PCI_ADDR_LEN];

	ck_assert_int_eq(dw_virtio_devargs_parse("dwvirtio:0000:00:10.0", a, sizeof(a)), 0);
	ck_assert_str_eq(a, "0000:00:10.0");
	ck_assert_int_eq(dw_virtio_devargs_parse("dwvirtio:3b:00.1", a, sizeof(a)), 0);
	ck_assert_str_eq(a, "0000:3b:00.1");
	ck_assert_int_eq(dw_virtio_devargs_parse("0000:00:10.0", a, sizeof(a)), -EINVAL);
	ck_assert_int_eq(dw_virtio_devargs_parse("dwvirtio:", a, sizeof(a)), -EINVAL);
	ck_assert_int_eq(dw_virtio_devargs_parse("dwvirtio:0000:00:20.0", a, sizeof(a)), -EINVAL);
	ck_assert_int_eq(dw_virtio_devargs_parse("dwvirtio:0000:00:10.0,x=1", a, sizeof(a)),
			 -EINVAL);
	ck_assert_int_eq(dw_virtio_devargs_parse(NULL, a, sizeof(a)), -EINVAL);
	ck_assert_int_eq(dw_virtio_devargs_parse("dwvirtio:0000:00:10.0", a, 4), -EINVAL);
}
END_TEST

/* A ring in plain memory for the fast-path tests. */
static struct virtio_vq *
fake_vq(uint16_t size, bool event_idx)
{
	struct virtio_vq *vq = calloc(1, sizeof(*vq));
	void *mem = aligned_alloc(64, RTE_ALIGN_CEIL(vring_layout(size).total, 64));

	ck_assert_ptr_nonnull(vq);
	ck_assert_ptr_nonnull(mem);
	virtio_vq_init(vq, mem, 0x100000, size, 0, event_idx);
	return vq;
}

static void
free_vq(struct virtio_vq *vq)
{
	free(vq->desc);
	free(vq);
}

START_TEST(arm_disarm)
{
	struct virtio_vq *vq = fake_vq(64, true);

	vq->last_used = 10;
	vq->used->idx = 10;
	ck_assert_int_eq(virtio_vq_intr_arm(vq), 0);
	/* Armed: the device's next used entry (10 -> 11) must interrupt. */
	ck_assert_uint_eq(*vring_used_event(vq->avail, 64), 10);
	ck_assert(vring_need_event(*vring_used_event(vq->avail, 64), 11, 10));
	virtio_vq_intr_disarm(vq);
	ck_assert(!vring_need_event(*vring_used_event(vq->avail, 64), 11, 10));
	ck_assert(!vring_need_event(*vring_used_event(vq->avail, 64), 200, 10));
	ck_assert(vq->avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
	/* Entries already waiting: arm says poll again. */
	vq->used->idx = 12;
	ck_assert_int_eq(virtio_vq_intr_arm(vq), -EAGAIN);
	free_vq(vq);

	/* Without EVENT_IDX: the flag is the switch. */
	vq = fake_vq(64, false);
	ck_assert_int_eq(virtio_vq_intr_arm(vq), 0);
	ck_assert_uint_eq(vq->avail->flags, 0);
	virtio_vq_intr_disarm(vq);
	ck_assert_uint_eq(vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	free_vq(vq);
}
END_TEST

static void *
arm_thread(void *arg)
{
	return (void *)(intptr_t)virtio_vq_intr_arm(arg);
}

/*
 * The lost-wakeup window: the device uses an entry after the driver's last
 * poll but before it sees used_event (so it sends no interrupt). The
 * re-check after publishing must catch it: -EAGAIN, never 0.
 */
START_TEST(arm_recheck_race)
{
	struct virtio_vq *vq = fake_vq(64, true);
	pthread_t t;
	void *ret;

	dw_test_need_pause_points();
	ck_assert_int_eq(dw_pause_arm("virtio.intr_arm.published", 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, arm_thread, vq), 0);
	ck_assert_int_eq(dw_pause_wait("virtio.intr_arm.published", 5000), 0);
	/* The device, racing: one used entry, and it had read the old used_event
	 * (disarmed), so no interrupt comes for it. */
	__atomic_store_n(&vq->used->idx, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(dw_pause_release("virtio.intr_arm.published"), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_int_eq((int)(intptr_t)ret, -EAGAIN);
	dw_pause_reset();
	free_vq(vq);
}
END_TEST

/* The fake device's side of an rx ring: use the next avail entry with @p len bytes. */
static void
dev_rx_use(struct virtio_vq *vq, uint16_t *dev_avail, uint32_t len)
{
	uint16_t id = vq->avail->ring[*dev_avail & vq->mask];
	uint16_t u = vq->used->idx;

	ck_assert(vq->desc[id].flags & VRING_DESC_F_WRITE);
	ck_assert_uint_ge(vq->desc[id].len, len);
	vq->used->ring[u & vq->mask].id = id;
	vq->used->ring[u & vq->mask].len = len;
	(*dev_avail)++;
	__atomic_store_n(&vq->used->idx, (uint16_t)(u + 1), __ATOMIC_RELEASE);
}

static struct rte_mempool *test_mp;

static void
eal_setup(void)
{
	if (test_mp != NULL)
		return;
	ck_assert_int_ge(dw_test_eal_init(NULL), 0);
	test_mp =
	    rte_pktmbuf_pool_create("vt_mp", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	ck_assert_ptr_nonnull(test_mp);
}

START_TEST(rx_burst_fake_device)
{
	struct virtio_rxq *rxq;
	struct virtio_vq *vq;
	struct rte_mbuf *pkts[8];
	uint16_t dev_avail = 0, i, n, k;
	unsigned int avail0;

	eal_setup();
	avail0 = rte_mempool_avail_count(test_mp);
	rxq = rte_zmalloc(NULL, sizeof(*rxq), RTE_CACHE_LINE_SIZE);
	vq = fake_vq(64, true);
	rxq->vq = *vq;
	rxq->mp = test_mp;
	rxq->sw = calloc(64, sizeof(*rxq->sw));
	rxq->free_ids = calloc(64, sizeof(uint16_t));
	for (i = 0; i < 64; i++)
		rxq->free_ids[rxq->nb_free_ids++] = i;
	ck_assert(virtio_rx_refill(rxq));
	ck_assert_uint_eq(rxq->vq.avail->idx, 64);
	ck_assert_uint_eq(rte_mempool_avail_count(test_mp), avail0 - 64);
	/* 200 frames through a 64-entry ring: the indices wrap past the ring many times. */
	for (k = 0; k < 200; k += n) {
		for (i = 0; i < 5; i++)
			dev_rx_use(&rxq->vq, &dev_avail, VIRTIO_NET_HDR_LEN + 60 + i);
		n = 0;
		while (n < 5) {
			uint16_t got =
			    virtio_rx_burst(rxq, pkts + n, (uint16_t)(RTE_DIM(pkts) - n));

			ck_assert_uint_gt(got, 0);
			n = (uint16_t)(n + got);
		}
		ck_assert_uint_eq(n, 5);
		for (i = 0; i < n; i++) {
			ck_assert_uint_eq(pkts[i]->pkt_len, 60 + i);
			ck_assert_uint_eq(pkts[i]->data_off, RTE_PKTMBUF_HEADROOM);
			rte_pktmbuf_free(pkts[i]);
		}
		ck_assert_uint_eq(virtio_rx_burst(rxq, pkts, 8), 0);
	}
	ck_assert_uint_eq(rxq->packets, 200);
	ck_assert_uint_eq(rxq->errors, 0);
	/* A used entry naming a descriptor we never posted: counted, no crash. */
	rxq->vq.used->ring[rxq->vq.used->idx & 63].id = 999;
	__atomic_store_n(&rxq->vq.used->idx, (uint16_t)(rxq->vq.used->idx + 1), __ATOMIC_RELEASE);
	ck_assert_uint_eq(virtio_rx_burst(rxq, pkts, 8), 0);
	ck_assert_uint_eq(rxq->errors, 1);
	virtio_rx_release(rxq);
	ck_assert_uint_eq(rte_mempool_avail_count(test_mp), avail0);
	free(rxq->sw);
	free(rxq->free_ids);
	free(vq->desc);
	free(vq);
	rte_free(rxq);
}
END_TEST

/* The fake device sends @p n packets: their heads go to the used ring. */
static void
dev_tx_use(struct virtio_vq *vq, uint16_t *dev_avail, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint16_t u = vq->used->idx;

		vq->used->ring[u & vq->mask].id = vq->avail->ring[(*dev_avail)++ & vq->mask];
		__atomic_store_n(&vq->used->idx, (uint16_t)(u + 1), __ATOMIC_RELEASE);
	}
}

START_TEST(tx_burst_fake_device)
{
	struct virtio_txq *txq;
	struct virtio_vq *vq;
	struct rte_mbuf *pkts[80];
	uint16_t i, sent, dev_avail = 0;
	unsigned int avail0;

	eal_setup();
	avail0 = rte_mempool_avail_count(test_mp);
	txq = rte_zmalloc(NULL, sizeof(*txq), RTE_CACHE_LINE_SIZE);
	vq = fake_vq(64, true);
	txq->vq = *vq;
	txq->sw = calloc(64, sizeof(*txq->sw));
	txq->hdrs = calloc(64, VIRTIO_TX_HDR_SLOT);
	memset(txq->hdrs, 0xaa, 64 * VIRTIO_TX_HDR_SLOT);
	txq->hdrs_iova = 0x900000;
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(test_mp, pkts, RTE_DIM(pkts)), 0);
	for (i = 0; i < RTE_DIM(pkts); i++)
		memset(rte_pktmbuf_append(pkts[i], 64), 0x55, 64);
	/* Plain mbufs: the header is pushed into the headroom, one descriptor
	 * a packet, so 64 fit in 64. */
	sent = virtio_tx_burst(txq, pkts, 70);
	ck_assert_uint_eq(sent, 64);
	ck_assert_uint_eq(txq->vq.avail->idx, 64);
	for (i = 0; i < sent; i++) {
		struct vring_desc *d = &txq->vq.desc[txq->vq.avail->ring[i]];
		const uint8_t *h = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

		ck_assert_uint_eq(d->len, VIRTIO_NET_HDR_LEN + 64);
		ck_assert_uint_eq(d->addr, rte_mbuf_data_iova(pkts[i]));
		ck_assert_uint_eq(d->flags, 0);
		ck_assert_uint_eq(h[0] | h[VIRTIO_NET_HDR_LEN - 1], 0);
		ck_assert_uint_eq(h[VIRTIO_NET_HDR_LEN], 0x55);
	}
	/* The device sends 20; the next burst takes their slots back. Shared
	 * mbufs (refcnt 2) must not be written: header slot + frame, 2 each. */
	dev_tx_use(&txq->vq, &dev_avail, 20);
	for (i = 64; i < 80; i++)
		rte_mbuf_refcnt_update(pkts[i], 1);
	sent = virtio_tx_burst(txq, pkts + 64, 16);
	ck_assert_uint_eq(sent, 10);
	for (i = 0; i < sent; i++) {
		uint16_t head = txq->vq.avail->ring[(64 + i) & 63];
		struct vring_desc *d = &txq->vq.desc[head];

		ck_assert_uint_eq(d->len, VIRTIO_NET_HDR_LEN);
		ck_assert_uint_eq(d->addr, 0x900000 + (uint64_t)head * VIRTIO_TX_HDR_SLOT);
		ck_assert(d->flags & VRING_DESC_F_NEXT);
		ck_assert_uint_eq(txq->hdrs[head * VIRTIO_TX_HDR_SLOT], 0);
		ck_assert_uint_eq(txq->vq.desc[d->next].len, 64);
		ck_assert_uint_eq(txq->vq.desc[d->next].flags, 0);
		ck_assert_uint_eq(rte_pktmbuf_data_len(pkts[64 + i]), 64);
	}
	ck_assert_uint_eq(txq->vq.nfree, 0);
	/* Everything sent: reclaim walks both chain shapes back. */
	dev_tx_use(&txq->vq, &dev_avail, 64 - 20 + 10);
	ck_assert_uint_eq(virtio_tx_burst(txq, pkts, 0), 0);
	ck_assert_uint_eq(txq->vq.nfree, 64);
	for (i = 64; i < 80; i++)
		rte_pktmbuf_free(pkts[i]); /* our extra references */
	for (i = 74; i < 80; i++)
		rte_pktmbuf_free(pkts[i]); /* the 6 unsent */
	virtio_tx_release(txq);
	ck_assert_uint_eq(rte_mempool_avail_count(test_mp), avail0);
	free(txq->sw);
	free(txq->hdrs);
	free(vq->desc);
	free(vq);
	rte_free(txq);
}
END_TEST

/* CPU time of the calling thread, in ms. */
static uint64_t
thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct cvq_dev {
	struct virtio_vq *vq;
	int fd;
	unsigned int delay_ms;
};

/* The device answers the command after delay_ms: used entry, then MSI-X. */
static void *
cvq_device(void *arg)
{
	struct cvq_dev *d = arg;
	uint16_t u = d->vq->used->idx;
	uint64_t one = 1;

	dw_test_sleep_us(d->delay_ms * 1000);
	d->vq->used->ring[u & d->vq->mask].id = d->vq->avail->ring[u & d->vq->mask];
	d->vq->used->ring[u & d->vq->mask].len = 1;
	__atomic_store_n(&d->vq->used->idx, (uint16_t)(u + 1), __ATOMIC_RELEASE);
	ck_assert_int_eq(write(d->fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	return NULL;
}

/*
 * Control commands sleep until the completion interrupt: the chain the
 * device gets, an answer after 200 ms waited for in poll() (little CPU), and
 * a device that never answers: -ETIMEDOUT after the timeout, again without
 * spinning.
 */
START_TEST(ctrl_queue_sleeps)
{
	struct virtio_vq *vq = fake_vq(64, true);
	struct cvq_dev dev = { .vq = vq, .delay_ms = 200 };
	uint64_t t0, c0;
	pthread_t t;

	dev.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ck_assert_int_ge(dev.fd, 0);
	virtio_cvq_post(vq, 0x5000, 1);
	ck_assert_uint_eq(vq->avail->idx, 1);
	ck_assert_uint_eq(vq->avail->ring[0], 0);
	ck_assert_uint_eq(vq->desc[0].addr, 0x5000);
	ck_assert_uint_eq(vq->desc[0].len, 2);
	ck_assert_uint_eq(vq->desc[0].next, 1);
	ck_assert_uint_eq(vq->desc[1].addr, 0x5000 + offsetof(struct virtio_ctrl_buf, data));
	ck_assert_uint_eq(vq->desc[1].next, 2);
	ck_assert_uint_eq(vq->desc[2].addr, 0x5000 + offsetof(struct virtio_ctrl_buf, ack));
	ck_assert_uint_eq(vq->desc[2].flags, VRING_DESC_F_WRITE);
	/* The answer's interrupt is armed. */
	ck_assert_uint_eq(*vring_used_event(vq->avail, 64), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, cvq_device, &dev), 0);
	t0 = dw_test_now_ms();
	c0 = thread_cpu_ms();
	ck_assert_int_eq(virtio_cvq_wait(vq, dev.fd, 10000), 0);
	ck_assert_uint_ge(dw_test_now_ms() - t0, 150);
	ck_assert_uint_lt(thread_cpu_ms() - c0, 50); /* slept, did not spin */
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_eq(vq->last_used, 1);

	/* A command without data: header straight to the ack. */
	virtio_cvq_post(vq, 0x5000, 0);
	ck_assert_uint_eq(vq->desc[0].next, 2);
	t0 = dw_test_now_ms();
	c0 = thread_cpu_ms();
	ck_assert_int_eq(virtio_cvq_wait(vq, dev.fd, 300), -ETIMEDOUT);
	ck_assert_uint_ge(dw_test_now_ms() - t0, 300);
	ck_assert_uint_lt(dw_test_now_ms() - t0, 300 + 5000);
	ck_assert_uint_lt(thread_cpu_ms() - c0, 50);
	close(dev.fd);
	free_vq(vq);
}
END_TEST

/*
 * A whole port on the host: the fake device above behind the driver's bus
 * seam (virtio_bus_set()): config space with the four capabilities (BAR 4),
 * BAR 4 in memory, MSI-X vectors as plain eventfds.
 */
static struct {
	struct fake_dev dev;
	uint8_t cfg[256];
	uint8_t *bar; /* 0x4000 bytes: common, notify, ISR, device (fake_cfg) */
	int fds[8];
	unsigned int nb_fds;
} fport;

static struct dw_pci_dev *
fbus_open(const char *addr, const struct dw_pci_conf *conf)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(conf);
	return (struct dw_pci_dev *)&fport;
}

static int
fbus_close(struct dw_pci_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static const char *
fbus_name(const struct dw_pci_dev *dev)
{
	RTE_SET_USED(dev);
	return "fake:00:10.0";
}

static int
fbus_cfg_read(struct dw_pci_dev *dev, unsigned int off, void *buf, size_t len)
{
	RTE_SET_USED(dev);
	memcpy(buf, fport.cfg + off, len);
	return 0;
}

static int
fbus_bus_master(struct dw_pci_dev *dev, bool on)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(on);
	return 0;
}

static void *
fbus_bar_map(struct dw_pci_dev *dev, unsigned int bar, uint64_t *len)
{
	RTE_SET_USED(dev);
	*len = 0x4000;
	return bar == 4 ? fport.bar : NULL;
}

static int
fbus_msix_enable(struct dw_pci_dev *dev, unsigned int n)
{
	unsigned int i;

	RTE_SET_USED(dev);
	ck_assert_uint_le(n, RTE_DIM(fport.fds));
	for (i = 0; i < n; i++) {
		fport.fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ck_assert_int_ge(fport.fds[i], 0);
	}
	fport.nb_fds = n;
	return 0;
}

static int
fbus_msix_fd(const struct dw_pci_dev *dev, unsigned int v)
{
	RTE_SET_USED(dev);
	return v < fport.nb_fds ? fport.fds[v] : -1;
}

static int
fbus_msix_disable(struct dw_pci_dev *dev)
{
	unsigned int i;

	RTE_SET_USED(dev);
	for (i = 0; i < fport.nb_fds; i++)
		close(fport.fds[i]);
	fport.nb_fds = 0;
	return 0;
}

static const struct virtio_bus fake_bus = {
	.open = fbus_open,
	.close = fbus_close,
	.name = fbus_name,
	.cfg_read = fbus_cfg_read,
	.bus_master = fbus_bus_master,
	.bar_map = fbus_bar_map,
	.msix_enable = fbus_msix_enable,
	.msix_fd = fbus_msix_fd,
	.msix_disable = fbus_msix_disable,
	.regs = &fake_ops,
	.regs_fake = &fport.dev,
};

/* The memzone that starts at IOVA @p iova (a ring the driver allocated). */
struct mz_find {
	uint64_t iova;
	void *va;
};

static void
mz_find_cb(const struct rte_memzone *mz, void *arg)
{
	struct mz_find *f = arg;

	if (mz->iova == f->iova)
		f->va = mz->addr;
}

/* Queue @p q's ring as the driver told the fake device, in a struct virtio_vq. */
static void
fport_vq(uint16_t q, struct virtio_vq *vq)
{
	const uint32_t *a = fport.dev.qaddr[q];
	uint64_t desc = a[0] | (uint64_t)a[1] << 32;
	struct mz_find mf = { .iova = desc, .va = NULL };
	struct vring_layout l;
	void *va;

	rte_memzone_walk(mz_find_cb, &mf);
	va = mf.va;

	ck_assert_ptr_nonnull(va);
	/* The device's view: pointers only (virtio_vq_init() would clear the ring). */
	memset(vq, 0, sizeof(*vq));
	vq->size = fport.dev.qsize[q];
	vq->mask = (uint16_t)(vq->size - 1);
	l = vring_layout(vq->size);
	vq->desc = va;
	vq->avail = (struct vring_avail *)(void *)((uint8_t *)va + l.avail_off);
	vq->used = (struct vring_used *)(void *)((uint8_t *)va + l.used_off);
	/* The layout must be the one the driver programmed. */
	ck_assert_uint_eq(desc + l.avail_off, a[2] | (uint64_t)a[3] << 32);
	ck_assert_uint_eq(desc + l.used_off, a[4] | (uint64_t)a[5] << 32);
}

/* Find the mbuf of test_mp whose rx buffer (header included) starts at @p iova. */
struct iova_find {
	uint64_t iova;
	uint8_t *va;
};

static void
iova_find_cb(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct iova_find *f = arg;
	struct rte_mbuf *m = obj;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	if (rte_mbuf_data_iova_default(m) - VIRTIO_NET_HDR_LEN == f->iova)
		f->va = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM - VIRTIO_NET_HDR_LEN;
}

static uint8_t *
rx_buf_va(uint64_t iova)
{
	struct iova_find f = { .iova = iova, .va = NULL };

	rte_mempool_obj_iter(test_mp, iova_find_cb, &f);
	return f.va;
}

/*
 * Play the device for one frame through the port: use the next rx buffer
 * (the frame's first byte is @p tag), then take what the driver sends back
 * on tx queue 0. Returns true if the frame came out of dw_netdev_rx_burst()
 * and went back into the tx ring.
 */
static bool
fport_forward_one(uint16_t port, uint8_t tag)
{
	struct virtio_vq rx, tx;
	struct rte_mbuf *m = NULL;
	uint16_t id, dev_avail, tx_avail;
	uint8_t *buf;

	fport_vq(0, &rx);
	fport_vq(1, &tx);
	dev_avail = rx.used->idx; /* the device used every entry before this one */
	id = rx.avail->ring[dev_avail & rx.mask];
	buf = rx_buf_va(rx.desc[id].addr);
	ck_assert_ptr_nonnull(buf);
	memset(buf, 0, VIRTIO_NET_HDR_LEN + 60);
	buf[VIRTIO_NET_HDR_LEN] = tag;
	dev_rx_use(&rx, &dev_avail, VIRTIO_NET_HDR_LEN + 60);
	tx_avail = tx.avail->idx;
	if (dw_netdev_rx_burst(port, 0, &m, 1) != 1)
		return false;
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), 60);
	ck_assert_uint_eq(*rte_pktmbuf_mtod(m, uint8_t *), tag);
	if (dw_netdev_tx_burst(port, 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return false;
	}
	return (uint16_t)(tx.avail->idx - tx_avail) == 1;
}

/*
 * DEVICE_NEEDS_RESET on the config vector: the threaded handler asks
 * lib/netdev, whose reset work (on the port's ctrl wq, readers quiescent)
 * calls ops->reset: the device is reset from that work item only, once, and
 * the port forwards again on the new rings.
 */
START_TEST(needs_reset_runs_once_on_wq)
{
	struct dw_wq_conf wc = { .size = sizeof(wc) };
	struct dw_netdev_conf nc = { .size = sizeof(nc), .nb_rxq = 1, .nb_txq = 1 };
	struct dw_netdev_info info;
	struct dw_wq_stats ws0, ws1;
	struct dw_wq *wq;
	uint64_t one = 1;
	unsigned int work0, else0;
	int port;

	eal_setup();
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	memset(&fport, 0, sizeof(fport));
	fport.bar = rte_zmalloc("vt_bar", 0x4000, 64);
	ck_assert_ptr_nonnull(fport.bar);
	fake_cfg(fport.cfg, 0);
	{
		struct virtio_regs r;

		fake_init(&fport.dev, &r);
	}
	fport.dev.devcfg[VIRTIO_NET_CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
	virtio_bus_set(&fake_bus);
	port = dw_netdev_open("dwvirtio:0000:00:10.0");
	virtio_bus_set(NULL);
	ck_assert_int_ge(port, 0);
	wq = dw_wq_create("vt_ctrl", &wc);
	ck_assert_ptr_nonnull(wq);
	nc.mp = test_mp;
	nc.ctrl_wq = wq;
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &nc), 0);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), 0);
	ck_assert_uint_eq(fport.nb_fds, 3); /* config, rx 0, control queue */
	ck_assert(fport_forward_one((uint16_t)port, 0xa1));

	work0 = fport.dev.resets_in_work;
	else0 = fport.dev.resets_elsewhere;
	ck_assert_int_eq(dw_wq_stats_get(wq, &ws0), 0);
	/* The device asks for a reset and raises the config vector. */
	__atomic_fetch_or(&fport.dev.status, VIRTIO_S_NEEDS_RESET, __ATOMIC_RELEASE);
	ck_assert_int_eq(write(fport.fds[0], &one, sizeof(one)), (ssize_t)sizeof(one));
	ck_assert(
	    DW_TEST_WAIT(dw_netdev_info_get((uint16_t)port, &info) == 0 && info.resets >= 1, 5000));
	dw_flush_wq(wq);
	/* Nothing more comes: a second reset would show here. */
	usleep(100 * 1000);
	dw_flush_wq(wq);
	ck_assert_int_eq(dw_netdev_info_get((uint16_t)port, &info), 0);
	ck_assert_uint_eq(info.resets, 1);
	/* Every device reset of it came from a work item, on the port's ctrl wq. */
	ck_assert_uint_gt(fport.dev.resets_in_work, work0);
	ck_assert_uint_eq(fport.dev.resets_elsewhere, else0);
	ck_assert_int_eq(dw_wq_stats_get(wq, &ws1), 0);
	ck_assert_uint_ge(ws1.completed - ws0.completed, 1);
	ck_assert(!(__atomic_load_n(&fport.dev.status, __ATOMIC_ACQUIRE) & VIRTIO_S_NEEDS_RESET));
	ck_assert(__atomic_load_n(&fport.dev.status, __ATOMIC_ACQUIRE) & VIRTIO_S_DRIVER_OK);
	/* New rings (new memzones): the port forwards on them. */
	ck_assert(fport_forward_one((uint16_t)port, 0xb2));

	ck_assert_int_eq(dw_netdev_stop((uint16_t)port), 0);
	ck_assert_int_eq(dw_netdev_close((uint16_t)port), 0);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	rte_free(fport.bar);
}
END_TEST

/* Bad devargs through dw_netdev_open(): a negative errno, no port, no crash. */
START_TEST(open_bad_input)
{
	eal_setup();
	ck_assert_int_eq(dw_netdev_open("dwvirtio:"), -EINVAL);
	ck_assert_int_eq(dw_netdev_open("dwvirtio:zz:00.0"), -EINVAL);
	ck_assert_int_eq(dw_netdev_open("dwvirtio:0000:00:10.0,rxq=2"), -EINVAL);
	/* A well-formed address with no device behind it (bus ff is unused). */
	ck_assert_int_eq(dw_netdev_open("dwvirtio:0000:ff:1f.7"), -ENODEV);
	ck_assert_int_eq(dw_netdev_lookup("dwvirtio:0000:ff:1f.7"), -ENODEV);
	/* The public control calls on a port that is not a dwvirtio port. */
	ck_assert_int_eq(dw_virtio_promisc_set(3, true), -ENODEV);
	ck_assert_int_eq(dw_virtio_queue_pairs_set(DW_NETDEV_MAX_PORTS, 1), -ENODEV);
	ck_assert_int_eq(dw_virtio_mac_table_set(0, NULL, 17), -EINVAL);
	ck_assert_int_eq(dw_virtio_ctrl_stats_get(0, NULL), -EINVAL);
}
END_TEST

static Suite *
virtio_suite(void)
{
	Suite *s = suite_create("virtio");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, ring_need_event);
	tcase_add_test(tc, ring_indices);
	tcase_add_test(tc, caps_parse);
	tcase_add_test(tc, features_pick);
	tcase_add_test(tc, negotiate);
	tcase_add_test(tc, queue_setup);
	tcase_add_test(tc, devargs);
	tcase_add_test(tc, arm_disarm);
	tcase_add_test(tc, arm_recheck_race);
	tcase_add_test(tc, rx_burst_fake_device);
	tcase_add_test(tc, tx_burst_fake_device);
	tcase_add_test(tc, open_bad_input);
	tcase_add_test(tc, ctrl_queue_sleeps);
	tcase_add_test(tc, needs_reset_runs_once_on_wq);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dw_test_run(virtio_suite());
}
