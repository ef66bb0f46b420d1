/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_HEAP_H
#define DW_HEAP_H

/*
 * A binary min-heap of caller structs keyed by a uint64_t (a deadline), for
 * the timers of lib/work (pool timer thread and BH lanes). Private to
 * libdwork and its tests: never installed.
 *
 * The heap stores pointers; each element carries its key and its position
 * (an int32_t, -1 while off the heap) at offsets given once at init, so
 * remove and re-key find the element in O(1) and fix the heap in O(log n).
 * The caller serialises all calls on one heap (its timer lock).
 *
 * Growth: the array starts at DW_HEAP_MIN_CAP slots and doubles when full;
 * it never shrinks until dw_heap_fini(). Only dw_heap_insert() allocates,
 * and a failed allocation leaves the heap as it was and returns -ENOMEM.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DW_HEAP_MIN_CAP 16u

struct dw_heap {
	void **v;	  /* v[0] has the smallest key */
	unsigned int len; /* elements on the heap */
	unsigned int cap; /* slots allocated in v */
	size_t key_off;	  /* offset of the uint64_t key in an element */
	size_t idx_off;	  /* offset of the int32_t position in an element */
	/* The allocator; NULL means realloc() (a test injects failures here). */
	void *(*realloc_fn)(void *ptr, size_t size);
};

/* Static initialiser of an empty heap (the same as DW_HEAP_INIT()). */
#define DW_HEAP_INITIALIZER(type, key, idx)                                                        \
	{                                                                                          \
		.key_off = offsetof(type, key), .idx_off = offsetof(type, idx)                     \
	}

/* An empty heap of @p type elements keyed by member @p key, position in member @p idx. */
#define DW_HEAP_INIT(h, type, key, idx) dw_heap_init(h, offsetof(type, key), offsetof(type, idx))

void dw_heap_init(struct dw_heap *h, size_t key_off, size_t idx_off);
/* Free the array; elements still on the heap are forgotten (their positions left as they are). */
void dw_heap_fini(struct dw_heap *h);

/* Add @p e (position -1) with the key it holds. Return: 0, -ENOMEM (heap unchanged). */
int dw_heap_insert(struct dw_heap *h, void *e);
/* Take @p e (on this heap) off; its position becomes -1. */
void dw_heap_remove(struct dw_heap *h, void *e);
/* Give @p e (on this heap) key @p key and restore the order. */
void dw_heap_rekey(struct dw_heap *h, void *e, uint64_t key);

static inline uint64_t *
dw_heap_key(const struct dw_heap *h, void *e)
{
	return (uint64_t *)(void *)((char *)e + h->key_off);
}

static inline int32_t *
dw_heap_idx(const struct dw_heap *h, void *e)
{
	return (int32_t *)(void *)((char *)e + h->idx_off);
}

/* The element with the smallest key, NULL when empty. */
static inline void *
dw_heap_top(const struct dw_heap *h)
{
	return h->len > 0 ? h->v[0] : NULL;
}

/* The smallest key, UINT64_MAX when empty. */
static inline uint64_t
dw_heap_top_key(const struct dw_heap *h)
{
	return h->len > 0 ? *dw_heap_key(h, h->v[0]) : UINT64_MAX;
}

#ifdef __cplusplus
}
#endif

#endif /* DW_HEAP_H */
