/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_RING_H
#define VIRTIO_RING_H

/*
 * Split virtqueues (virtio 1.x, section "Split Virtqueues"): the layout the
 * device reads and writes, and the index arithmetic both sides agree on.
 * Private to drivers/net/virtio; header-only so that the host unit tests
 * exercise exactly what the driver runs.
 *
 * Every ring field is little-endian on the wire; dwork builds for x86 and
 * arm64 little-endian hosts only, so fields are used as they are (checked at
 * build time below).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "drivers/net/virtio assumes a little-endian host (ring fields are le16/le32/le64)"
#endif

/* Descriptor flags. */
#define VRING_DESC_F_NEXT 1u
#define VRING_DESC_F_WRITE 2u
/* avail->flags: no interrupt wanted (ignored by the device with EVENT_IDX). */
#define VRING_AVAIL_F_NO_INTERRUPT 1u
/* used->flags: no notification wanted (superseded by avail_event with EVENT_IDX). */
#define VRING_USED_F_NO_NOTIFY 1u

struct vring_desc {
	uint64_t addr; /* IOVA of the buffer. */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* size entries, then used_event (EVENT_IDX). */
};

struct vring_used_elem {
	uint32_t id; /* Head of the descriptor chain. */
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[]; /* size entries, then avail_event. */
};

/* Alignment of the three parts (virtio 1.x: 16, 2 and 4 bytes); the driver
 * puts each part on its own cache line anyway. */
#define VRING_ALIGN RTE_CACHE_LINE_SIZE

/* Where the parts of a ring of @p size entries sit in one block. */
struct vring_layout {
	size_t desc_off, avail_off, used_off, total;
};

static inline struct vring_layout
vring_layout(uint16_t size)
{
	struct vring_layout l;

	l.desc_off = 0;
	l.avail_off = RTE_ALIGN_CEIL(sizeof(struct vring_desc) * size, VRING_ALIGN);
	/* flags, idx, ring[size], used_event */
	l.used_off = l.avail_off + RTE_ALIGN_CEIL(sizeof(uint16_t) * (3u + size), VRING_ALIGN);
	/* flags, idx, ring[size], avail_event */
	l.total = l.used_off +
		  RTE_ALIGN_CEIL(sizeof(uint16_t) * 3u + sizeof(struct vring_used_elem) * size,
				 VRING_ALIGN);
	return l;
}

/* A queue size the spec allows for split rings: a power of 2, 1 .. 32768. */
static inline bool
vring_size_ok(uint16_t size)
{
	return size != 0 && size <= 32768 && (size & (size - 1)) == 0;
}

/* used_event lives right after avail->ring[size]: written by the driver. */
static inline uint16_t *
vring_used_event(struct vring_avail *avail, uint16_t size)
{
	return &avail->ring[size];
}

/* avail_event lives right after used->ring[size]: written by the device. */
static inline uint16_t *
vring_avail_event(struct vring_used *used, uint16_t size)
{
	return (uint16_t *)(void *)&used->ring[size];
}

/*
 * The EVENT_IDX rule (both directions): having moved an index from @p old to
 * @p new_idx, notify the other side if its event index lies in [old, new_idx),
 * all modulo 2^16.
 */
static inline bool
vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* Entries the device has used that the driver has not consumed yet. */
static inline uint16_t
vring_used_pending(uint16_t used_idx, uint16_t last_used)
{
	return (uint16_t)(used_idx - last_used);
}

/*
 * used_event value that asks for no interrupt: behind the next index to be
 * consumed, the device's window [old, new) reaches it only after 2^16 - 1
 * further entries without a re-arm (a spurious interrupt then, nothing lost).
 */
static inline uint16_t
vring_used_event_off(uint16_t last_used)
{
	return (uint16_t)(last_used - 1);
}

#endif /* VIRTIO_RING_H */
