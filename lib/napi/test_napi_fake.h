/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_NAPI_FAKE_H
#define TEST_NAPI_FAKE_H

/*
 * Fake rx sources for the lib/napi suites: "packets" are a counter that
 * producer threads raise; a source may have an eventfd as its interrupt
 * (written by the producer when the fake "fires") or none (sleep ramp).
 */

#include <stdbool.h>
#include <stdint.h>

#include "dw_napi.h"

struct fake_src {
	struct dw_napi_source src;
	int efd;	  /* interrupt fd, -1: none */
	bool fire;	  /* inject writes efd (false: a silent interrupt) */
	uint64_t pending; /* atomic: injected, not polled yet */
	uint64_t handled; /* atomic: polled */
	uint32_t eagain;  /* atomic: next arm calls that say -EAGAIN */
	uint32_t arms;	  /* atomic */
	uint32_t disarms; /* atomic */
	uint64_t last_ns; /* atomic: dw_now_ns() of the last poll that found work */
};

/* Set up @p f (with an eventfd if @p with_fd) and init its source. */
void fake_init(struct fake_src *f, const char *name, bool with_fd, bool fire);
void fake_fini(struct fake_src *f);
/* Add @p n packets; write the eventfd if the fake fires. */
void fake_inject(struct fake_src *f, uint64_t n);
/* Add @p n packets without touching the eventfd (the producer wakes the lcore its own way). */
void fake_add(struct fake_src *f, uint64_t n);
uint64_t fake_handled(struct fake_src *f);

/* EAL with -l 0-1 (and @p vdev if not NULL), work library and BH lanes; returns the worker lcore.
 */
unsigned int fake_env_up_vdev(const char *vdev);
unsigned int fake_env_up(void);
void fake_env_down(void);
/*
 * dw_lcore_stop() and rte_eal_wait_lcore(), then the acquire of the loop's
 * running flag (EAL's own wait is invisible to ThreadSanitizer).
 */
void fake_stop_worker(unsigned int worker);

#endif /* TEST_NAPI_FAKE_H */
