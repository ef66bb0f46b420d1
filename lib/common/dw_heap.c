/* SPDX-License-Identifier: BSD-3-Clause */
/* The binary min-heap behind lib/work's timers (dw_heap.h). */
#include <errno.h>
#include <stdlib.h>

#include "dw_debug.h"
#include "dw_heap.h"

void
dw_heap_init(struct dw_heap *h, size_t key_off, size_t idx_off)
{
	h->v = NULL;
	h->len = h->cap = 0;
	h->key_off = key_off;
	h->idx_off = idx_off;
	h->realloc_fn = NULL;
}

void
dw_heap_fini(struct dw_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->len = h->cap = 0;
}

static void
heap_put(struct dw_heap *h, unsigned int i, void *e)
{
	h->v[i] = e;
	*dw_heap_idx(h, e) = (int32_t)i;
}

/* Move the element at @p i up or down until its parent is no later and its children no earlier. */
static void
heap_fix(struct dw_heap *h, unsigned int i)
{
	void *e = h->v[i];
	uint64_t key = *dw_heap_key(h, e);
	unsigned int c;

	while (i > 0 && *dw_heap_key(h, h->v[(i - 1) / 2]) > key) {
		heap_put(h, i, h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->len)
			break;
		if (c + 1 < h->len && *dw_heap_key(h, h->v[c + 1]) < *dw_heap_key(h, h->v[c]))
			c++;
		if (*dw_heap_key(h, h->v[c]) >= key)
			break;
		heap_put(h, i, h->v[c]);
		i = c;
	}
	heap_put(h, i, e);
}

int
dw_heap_insert(struct dw_heap *h, void *e)
{
	unsigned int cap;
	void **v;

	DW_ASSERT(*dw_heap_idx(h, e) < 0);
	if (h->len == h->cap) {
		if (h->cap >= (unsigned int)INT32_MAX / 2)
			return -ENOMEM; /* positions are int32_t */
		cap = h->cap ? h->cap * 2 : DW_HEAP_MIN_CAP;
		v = (h->realloc_fn ? h->realloc_fn : realloc)(h->v, sizeof(*v) * cap);
		if (v == NULL)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	heap_put(h, h->len++, e);
	heap_fix(h, h->len - 1);
	return 0;
}

void
dw_heap_remove(struct dw_heap *h, void *e)
{
	int32_t i = *dw_heap_idx(h, e);
	void *last;

	DW_ASSERT(i >= 0 && (unsigned int)i < h->len && h->v[i] == e);
	last = h->v[--h->len];
	*dw_heap_idx(h, e) = -1;
	if (last != e) {
		heap_put(h, (unsigned int)i, last);
		heap_fix(h, (unsigned int)i);
	}
}

void
dw_heap_rekey(struct dw_heap *h, void *e, uint64_t key)
{
	int32_t i = *dw_heap_idx(h, e);

	DW_ASSERT(i >= 0 && (unsigned int)i < h->len && h->v[i] == e);
	*dw_heap_key(h, e) = key;
	heap_fix(h, (unsigned int)i);
}
