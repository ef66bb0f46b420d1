/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ETHDEV_TESTHOOK_H
#define ETHDEV_TESTHOOK_H

/*
 * Test hooks of the ethdev driver: not installed, not part of the ABI. The
 * symbol is exported in libdwork.map's INTERNAL node only because dw-testpmd
 * (linked against the shared library) uses it for `port reset`.
 */

#include <stdint.h>

#include <rte_ethdev.h>

/**
 * Handle @p type (RTE_ETH_EVENT_INTR_LSC, RTE_ETH_EVENT_INTR_RESET or
 * RTE_ETH_EVENT_INTR_RMV) for dwork port @p port exactly as if the device had
 * raised it on DPDK's interrupt thread, but on the calling thread.
 *
 * @return 0; -ENODEV (not an open ethdev port); -EINVAL (other event type).
 * Context: any thread; does not sleep (work is queued, not run).
 */
int dw_ethdev_event_inject(uint16_t port, enum rte_eth_event_type type);

#endif /* ETHDEV_TESTHOOK_H */
