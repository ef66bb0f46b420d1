/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path of dwork's virtio-net driver: split-ring rx/tx bursts and the
 * rx interrupt arm/re-check. No locks, no allocation but mbufs, no syscalls.
 *
 * Memory ordering with the device (another CPU for our purposes: QEMU's
 * thread, or hardware behind the IOMMU): descriptors and ring entries are
 * written before the release store of avail->idx; used entries are read after
 * the acquire load of used->idx. The arm path needs a full barrier between
 * publishing used_event and re-reading used->idx (see virtio_vq_intr_arm()).
 */
#include <errno.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_io.h>
#include <rte_mbuf.h>

#include "dw_debug.h"
#include "virtio_private.h"

/* Refill rx descriptors once this many are empty (fewer doorbells). */
#define VIRTIO_RX_REFILL_BATCH 32

void
virtio_vq_init(struct virtio_vq *vq, void *va, uint64_t iova, uint16_t size, uint16_t qidx,
	       bool event_idx)
{
	struct vring_layout l = vring_layout(size);
	uint16_t i;

	memset(va, 0, l.total);
	vq->desc = (struct vring_desc *)va;
	vq->avail = (struct vring_avail *)(void *)((uint8_t *)va + l.avail_off);
	vq->used = (struct vring_used *)(void *)((uint8_t *)va + l.used_off);
	vq->iova = iova;
	vq->size = size;
	vq->mask = (uint16_t)(size - 1);
	vq->qidx = qidx;
	vq->event_idx = event_idx;
	vq->avail_idx = 0;
	vq->last_used = 0;
	vq->free_head = 0;
	vq->nfree = size;
	for (i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	/* No interrupt until a consumer arms the queue. */
	vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	*vring_used_event(vq->avail, size) = vring_used_event_off(0);
}

void
virtio_vq_kick(struct virtio_vq *vq, uint16_t old)
{
	bool kick;

	/* Our avail->idx store before reading the device's suppression state;
	 * pairs with the device publishing avail_event (or used->flags) before
	 * re-reading avail->idx. */
	rte_smp_mb();
	if (vq->event_idx)
		kick = vring_need_event(
		    __atomic_load_n(vring_avail_event(vq->used, vq->size), __ATOMIC_RELAXED),
		    vq->avail_idx, old);
	else
		kick =
		    !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) & VRING_USED_F_NO_NOTIFY);
	if (kick && vq->doorbell != NULL)
		rte_write16_relaxed(vq->qidx, vq->doorbell);
}

int
virtio_vq_intr_arm(struct virtio_vq *vq)
{
	if (vq->event_idx)
		__atomic_store_n(vring_used_event(vq->avail, vq->size), vq->last_used,
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags, 0, __ATOMIC_RELAXED);
	DW_PAUSE_POINT("virtio.intr_arm.published");
	/*
	 * Full barrier: used_event must be visible before used->idx is read
	 * again. Pairs with the device's store of used->idx followed by its
	 * read of used_event (the spec's notification rule): either the device
	 * sees our used_event and interrupts, or we see its new idx here.
	 */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) != vq->last_used)
		return -EAGAIN;
	return 0;
}

void
virtio_vq_intr_disarm(struct virtio_vq *vq)
{
	__atomic_store_n(&vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
	if (vq->event_idx)
		__atomic_store_n(vring_used_event(vq->avail, vq->size),
				 vring_used_event_off(vq->last_used), __ATOMIC_RELAXED);
}

bool
virtio_rx_refill(struct virtio_rxq *rxq)
{
	struct virtio_vq *vq = &rxq->vq;
	struct rte_mbuf *m[64];
	uint16_t old = vq->avail_idx, n, i;

	while (rxq->nb_free_ids > 0) {
		n = RTE_MIN(rxq->nb_free_ids, (uint16_t)RTE_DIM(m));
		if (rte_pktmbuf_alloc_bulk(rxq->mp, m, n) != 0) {
			rxq->nombuf += n;
			break;
		}
		for (i = 0; i < n; i++) {
			uint16_t id = rxq->free_ids[--rxq->nb_free_ids];
			struct vring_desc *d = &vq->desc[id];

			/* The header goes in the headroom, the frame at data_off. */
			d->addr = rte_mbuf_data_iova_default(m[i]) - VIRTIO_NET_HDR_LEN;
			d->len =
			    (uint32_t)(m[i]->buf_len - RTE_PKTMBUF_HEADROOM + VIRTIO_NET_HDR_LEN);
			d->flags = VRING_DESC_F_WRITE;
			rxq->sw[id] = m[i];
			vq->avail->ring[vq->avail_idx & vq->mask] = id;
			vq->avail_idx++;
		}
	}
	if (vq->avail_idx == old)
		return false;
	/* Descriptors and ring entries before the index (device acquires it). */
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	virtio_vq_kick(vq, old);
	return true;
}

uint16_t
virtio_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct virtio_rxq *rxq = q;
	struct virtio_vq *vq = &rxq->vq;
	uint16_t used_idx, avail, i, k = 0;
	uint64_t bytes = 0;

	/* Pairs with the device's release of used->idx after the entries. */
	used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	avail = RTE_MIN(vring_used_pending(used_idx, vq->last_used), n);
	for (i = 0; i < avail; i++) {
		const struct vring_used_elem *e = &vq->used->ring[vq->last_used & vq->mask];
		uint32_t id = e->id, len = e->len;
		struct rte_mbuf *m;

		vq->last_used++;
		if (unlikely(id >= vq->size || rxq->sw[id] == NULL)) {
			rxq->errors++; /* The device used a descriptor we never posted. */
			continue;
		}
		m = rxq->sw[id];
		rxq->sw[id] = NULL;
		rxq->free_ids[rxq->nb_free_ids++] = (uint16_t)id;
		if (unlikely(len <= VIRTIO_NET_HDR_LEN)) {
			rxq->errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->data_len = (uint16_t)(len - VIRTIO_NET_HDR_LEN);
		m->pkt_len = m->data_len;
		m->nb_segs = 1;
		m->next = NULL;
		m->port = rxq->port_id;
		m->ol_flags = 0;
		m->packet_type = 0;
		bytes += m->data_len;
		pkts[k++] = m;
	}
	if (rxq->nb_free_ids >= VIRTIO_RX_REFILL_BATCH ||
	    (k == 0 && rxq->nb_free_ids > 0 && rxq->nb_free_ids == vq->size))
		virtio_rx_refill(rxq);
	rxq->packets += k;
	rxq->bytes += bytes;
	return k;
}

/* Take back the chains the device has sent. */
static void
virtio_tx_reclaim(struct virtio_txq *txq)
{
	struct virtio_vq *vq = &txq->vq;
	uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);

	while (vq->last_used != used_idx) {
		uint32_t head = vq->used->ring[vq->last_used & vq->mask].id;
		uint16_t d, cnt = 1;

		vq->last_used++;
		if (unlikely(head >= vq->size || txq->sw[head] == NULL)) {
			txq->errors++;
			continue;
		}
		for (d = (uint16_t)head; vq->desc[d].flags & VRING_DESC_F_NEXT;
		     d = vq->desc[d].next)
			cnt++;
		vq->desc[d].next = vq->free_head;
		vq->free_head = (uint16_t)head;
		vq->nfree = (uint16_t)(vq->nfree + cnt);
		rte_pktmbuf_free(txq->sw[head]);
		txq->sw[head] = NULL;
	}
}

uint16_t
virtio_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct virtio_txq *txq = q;
	struct virtio_vq *vq = &txq->vq;
	uint16_t old = vq->avail_idx, k;
	uint64_t bytes = 0;

	virtio_tx_reclaim(txq);
	for (k = 0; k < n; k++) {
		struct rte_mbuf *m = pkts[k], *s;
		uint16_t head = vq->free_head, d = head;
		/* The header goes in the packet's own headroom when we may write
		 * there: one descriptor less per packet (twice the packets in
		 * flight on a 256-entry ring). Else a header slot is chained. */
		bool push = rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m) &&
			    rte_pktmbuf_headroom(m) >= VIRTIO_NET_HDR_LEN;
		uint16_t need = (uint16_t)(m->nb_segs + !push);

		if (vq->nfree < need)
			break;
		if (push) {
			memset(rte_pktmbuf_prepend(m, VIRTIO_NET_HDR_LEN), 0, VIRTIO_NET_HDR_LEN);
			bytes -= VIRTIO_NET_HDR_LEN; /* pkt_len below counts it */
		} else {
			/* No offloads: an all-zero header (num_buffers is rx only). */
			memset(txq->hdrs + (size_t)head * VIRTIO_TX_HDR_SLOT, 0,
			       VIRTIO_NET_HDR_LEN);
			vq->desc[d].addr = txq->hdrs_iova + (uint64_t)head * VIRTIO_TX_HDR_SLOT;
			vq->desc[d].len = VIRTIO_NET_HDR_LEN;
			vq->desc[d].flags = VRING_DESC_F_NEXT;
		}
		for (s = m; s != NULL; s = s->next) {
			if (s != m || !push)
				d = vq->desc[d].next;
			vq->desc[d].addr = rte_mbuf_data_iova(s);
			vq->desc[d].len = s->data_len;
			vq->desc[d].flags = s->next != NULL ? VRING_DESC_F_NEXT : 0;
		}
		vq->free_head = vq->desc[d].next;
		vq->nfree = (uint16_t)(vq->nfree - need);
		txq->sw[head] = m;
		vq->avail->ring[vq->avail_idx & vq->mask] = head;
		vq->avail_idx++;
		bytes += m->pkt_len;
	}
	if (k > 0) {
		__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
		virtio_vq_kick(vq, old);
		txq->packets += k;
		txq->bytes += bytes;
	}
	return k;
}

/* Free the mbufs a queue's sw ring (one slot per descriptor) still holds. */
static void
virtio_sw_release(struct rte_mbuf **sw, uint16_t size)
{
	uint16_t i;

	for (i = 0; sw != NULL && i < size; i++) {
		if (sw[i] != NULL)
			rte_pktmbuf_free(sw[i]);
		sw[i] = NULL;
	}
}

void
virtio_rx_release(struct virtio_rxq *rxq)
{
	virtio_sw_release(rxq->sw, rxq->vq.size);
}

void
virtio_tx_release(struct virtio_txq *txq)
{
	virtio_sw_release(txq->sw, txq->vq.size);
}
