/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_TOPO_H
#define DW_TOPO_H

/**
 * @file
 * Machine topology: NUMA nodes and their CPUs, read with hwloc (libnuma as a
 * fallback), or a fake layout for tests ("NxM": N nodes of M CPUs each).
 *
 * A fake layout maps its CPU ids onto the real CPUs modulo the real count,
 * so a 2x2 layout on a 2-CPU machine still pins threads somewhere valid.
 */

#include <stdbool.h>

#include <rte_lcore.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most NUMA nodes dwork handles. */
#define DW_TOPO_MAX_NODES 8

/**
 * Discover the topology, or install a fake one.
 *
 * @param fake
 *   NULL to read the machine (then the DW_FAKE_TOPO environment variable, if
 *   set, is used as if passed here), or "NxM" for N nodes of M CPUs.
 * @return
 *   0 on success; -EINVAL for a malformed fake layout (N in 1..DW_TOPO_MAX_NODES,
 *   M in 1..CPU_SETSIZE/N); -ENODEV when neither hwloc nor libnuma answers.
 * Context: not thread-safe against the other calls; call once before use.
 */
int dw_topo_init(const char *fake);

/** Number of NUMA nodes (at least 1 after dw_topo_init()). */
unsigned int dw_topo_nr_nodes(void);

/** True when the layout is a fake one. */
bool dw_topo_is_fake(void);

/**
 * CPUs of @p node as logical ids of the layout. NULL and rte_errno = EINVAL
 * for a node out of range.
 */
const rte_cpuset_t *dw_topo_node_cpus(unsigned int node);

/**
 * Real CPUs that threads serving @p node (pool workers) should be pinned to:
 * the node's CPUs of no EAL lcore; when every one of them hosts an lcore, the
 * CPUs of dw_topo_ctrl_cpus(). Never a worker lcore's CPU unless the main
 * lcore has no CPU of its own. Without EAL (or before rte_eal_init()): the
 * node's CPUs.
 *
 * @return
 *   The number of CPUs written in @p set; -EINVAL for a node out of range or
 *   a NULL @p set.
 * Context: any thread, after dw_topo_init().
 */
int dw_topo_node_worker_cpus(unsigned int node, rte_cpuset_t *set);

/**
 * Real CPUs for dwork's own control threads (pool manager, timer, rescuers,
 * interrupt threads), by the rule of rte_ctrl_thread_create(): the CPUs of no
 * EAL lcore, else the main lcore's CPUs. CPUs of worker lcores (which may run
 * a poll loop) are left out in both cases unless the main lcore has no other.
 *
 * @return
 *   The number of CPUs written in @p set: 0 (empty set: no constraint) without
 *   EAL or before rte_eal_init(); -EINVAL for a NULL @p set.
 * Context: any thread.
 */
int dw_topo_ctrl_cpus(rte_cpuset_t *set);

/** Node of a logical CPU id; 0 for an unknown CPU. */
unsigned int dw_topo_cpu_to_node(unsigned int cpu);

/** Node of the CPU the caller runs on right now (0 if unknown). */
unsigned int dw_topo_current_node(void);

#ifdef __cplusplus
}
#endif

#endif /* DW_TOPO_H */
