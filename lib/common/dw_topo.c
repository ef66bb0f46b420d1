/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Machine topology for the worker pools: which NUMA nodes exist and which
 * CPUs each has, read once by dw_topo_init() with hwloc (memory-only nodes
 * skipped, nodes beyond DW_TOPO_MAX_NODES folded into node 0), else libnuma,
 * else one node. The table is written once, before any pool exists, and read
 * without locks afterwards.
 *
 * A fake layout ("NxM", from DW_FAKE_TOPO; a test hook) invents N nodes of M
 * CPUs so the pool logic for several nodes runs on any machine; its CPU ids
 * are mapped onto the real CPUs modulo their count whenever a thread is
 * pinned, so the pins stay valid.
 *
 * dw_topo_node_worker_cpus() is where thread placement starts: a node's CPUs
 * minus the CPUs of EAL lcores, when that leaves any, so pool workers do not
 * compete with polling lcores.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hwloc.h>
#include <numa.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "dw_log.h"
#include "dw_topo.h"

#define TOPO_LOG(level, ...) DW_LOG(dw_common_logtype, level, __VA_ARGS__)

/* Written once by dw_topo_init(), read by everyone after. */
static struct {
	unsigned int nr_nodes;
	bool fake;
	unsigned int fake_cpus_per_node;
	rte_cpuset_t node_cpus[DW_TOPO_MAX_NODES];
	int cpu_node[CPU_SETSIZE];
} topo = { .nr_nodes = 1 };

static int
topo_parse_fake(const char *s)
{
	unsigned int n, m, i, c;
	char tail;

	if (sscanf(s, "%ux%u%c", &n, &m, &tail) != 2 || n == 0 || n > DW_TOPO_MAX_NODES || m == 0 ||
	    m > CPU_SETSIZE / n) {
		TOPO_LOG(ERR, "bad fake topology '%s' (want NxM, N <= %d)", s, DW_TOPO_MAX_NODES);
		return -EINVAL;
	}
	topo.nr_nodes = n;
	topo.fake = true;
	topo.fake_cpus_per_node = m;
	for (i = 0; i < n; i++) {
		CPU_ZERO(&topo.node_cpus[i]);
		for (c = i * m; c < (i + 1) * m; c++) {
			CPU_SET(c, &topo.node_cpus[i]);
			topo.cpu_node[c] = (int)i;
		}
	}
	return 0;
}

static int
topo_read_hwloc(void)
{
	hwloc_topology_t t;
	hwloc_obj_t obj = NULL;
	unsigned int n = 0;
	int rc = -ENODEV;

	if (hwloc_topology_init(&t) < 0)
		return -ENODEV;
	if (hwloc_topology_load(t) < 0)
		goto destroy;
	while ((obj = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, obj)) != NULL) {
		unsigned int cpu;

		if (n == DW_TOPO_MAX_NODES) {
			TOPO_LOG(WARNING, "more than %d NUMA nodes; extra nodes folded into node 0",
				 DW_TOPO_MAX_NODES);
			break;
		}
		if (obj->cpuset == NULL || hwloc_bitmap_iszero(obj->cpuset))
			continue; /* memory-only node: nothing to run on */
		CPU_ZERO(&topo.node_cpus[n]);
		hwloc_bitmap_foreach_begin(cpu, obj->cpuset)
		{
			if (cpu < CPU_SETSIZE) {
				CPU_SET(cpu, &topo.node_cpus[n]);
				topo.cpu_node[cpu] = (int)n;
			}
		}
		hwloc_bitmap_foreach_end();
		n++;
	}
	if (n > 0) {
		topo.nr_nodes = n;
		rc = 0;
	}
destroy:
	hwloc_topology_destroy(t);
	return rc;
}

static int
topo_read_libnuma(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	int cpu, max_node;

	if (numa_available() < 0 || ncpu <= 0)
		return -ENODEV;
	max_node = numa_max_node();
	if (max_node >= DW_TOPO_MAX_NODES)
		max_node = DW_TOPO_MAX_NODES - 1;
	topo.nr_nodes = (unsigned int)max_node + 1;
	for (cpu = 0; cpu < ncpu && cpu < CPU_SETSIZE; cpu++) {
		int node = numa_node_of_cpu(cpu);

		if (node < 0 || node > max_node)
			node = 0;
		CPU_SET(cpu, &topo.node_cpus[node]);
		topo.cpu_node[cpu] = node;
	}
	return 0;
}

int
dw_topo_init(const char *fake)
{
	int rc;

	memset(&topo, 0, sizeof(topo));
	topo.nr_nodes = 1;
	if (fake == NULL)
		fake = getenv("DW_FAKE_TOPO");
	if (fake != NULL && fake[0] != '\0')
		return topo_parse_fake(fake);

	rc = topo_read_hwloc();
	if (rc < 0) {
		TOPO_LOG(WARNING, "hwloc gave no topology, trying libnuma");
		rc = topo_read_libnuma();
	}
	if (rc < 0)
		TOPO_LOG(ERR, "cannot read the CPU topology");
	return rc;
}

unsigned int
dw_topo_nr_nodes(void)
{
	return topo.nr_nodes;
}

bool
dw_topo_is_fake(void)
{
	return topo.fake;
}

const rte_cpuset_t *
dw_topo_node_cpus(unsigned int node)
{
	if (node >= topo.nr_nodes) {
		rte_errno = EINVAL;
		return NULL;
	}
	return &topo.node_cpus[node];
}

/*
 * CPUs of EAL lcores, split in two: @p worker gets the CPUs of every lcore but
 * the main one (they may run a poll loop: dw_lcore_launch() puts napi loops on
 * worker lcores only), @p main the main lcore's. False before rte_eal_init()
 * and without EAL: then there are no lcores to keep clear of.
 */
static bool
topo_lcore_cpus(rte_cpuset_t *worker, rte_cpuset_t *main_set)
{
	unsigned int lcore, main_lcore;

	CPU_ZERO(worker);
	CPU_ZERO(main_set);
	if (rte_lcore_count() == 0) /* zero before rte_eal_init(): roles unset */
		return false;
	main_lcore = rte_get_main_lcore();
	for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++) {
		enum rte_lcore_role_t role = rte_eal_lcore_role(lcore);
		rte_cpuset_t c;

		if (role != ROLE_RTE && role != ROLE_SERVICE)
			continue;
		c = rte_lcore_cpuset(lcore);
		if (lcore == main_lcore)
			CPU_OR(main_set, main_set, &c);
		else
			CPU_OR(worker, worker, &c);
	}
	return true;
}

/* Real online CPU ids, mapped from the layout's ids for a fake layout. */
static void
topo_real_cpus(const rte_cpuset_t *layout, rte_cpuset_t *set)
{
	long nreal = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int cpu;

	if (nreal <= 0)
		nreal = 1;
	CPU_ZERO(set);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, layout))
			continue;
		CPU_SET(topo.fake ? cpu % (unsigned int)nreal : cpu, set);
	}
}

/* Every real CPU of the layout (all online CPUs before dw_topo_init()). */
static void
topo_all_cpus(rte_cpuset_t *set)
{
	rte_cpuset_t node;
	unsigned int i;

	CPU_ZERO(set);
	for (i = 0; i < topo.nr_nodes; i++) {
		topo_real_cpus(&topo.node_cpus[i], &node);
		CPU_OR(set, set, &node);
	}
	if (CPU_COUNT(set) == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		long cpu;

		for (cpu = 0; cpu < n && cpu < CPU_SETSIZE; cpu++)
			CPU_SET((unsigned int)cpu, set);
	}
}

/* @p from minus @p minus into @p out; the number of CPUs left. */
static int
topo_cpus_minus(const rte_cpuset_t *from, const rte_cpuset_t *minus, rte_cpuset_t *out)
{
	unsigned int cpu;

	CPU_ZERO(out);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, from) && !CPU_ISSET(cpu, minus))
			CPU_SET(cpu, out);
	return CPU_COUNT(out);
}

int
dw_topo_ctrl_cpus(rte_cpuset_t *set)
{
	rte_cpuset_t worker, main_set, lcores, all;

	if (set == NULL)
		return -EINVAL;
	CPU_ZERO(set);
	if (!topo_lcore_cpus(&worker, &main_set))
		return 0;
	CPU_OR(&lcores, &worker, &main_set);
	topo_all_cpus(&all);
	if (topo_cpus_minus(&all, &lcores, set) > 0)
		return CPU_COUNT(set);
	if (topo_cpus_minus(&main_set, &worker, set) > 0)
		return CPU_COUNT(set);
	/* The main lcore shares every CPU with a worker lcore: nowhere is clear. */
	*set = main_set;
	return CPU_COUNT(set);
}

int
dw_topo_node_worker_cpus(unsigned int node, rte_cpuset_t *set)
{
	rte_cpuset_t worker, main_set, lcores, node_set;

	if (node >= topo.nr_nodes || set == NULL)
		return -EINVAL;
	topo_real_cpus(&topo.node_cpus[node], &node_set);
	if (!topo_lcore_cpus(&worker, &main_set)) {
		*set = node_set;
		return CPU_COUNT(set);
	}
	/* The node's CPUs of no lcore, else the control threads' CPUs. */
	CPU_OR(&lcores, &worker, &main_set);
	if (topo_cpus_minus(&node_set, &lcores, set) > 0)
		return CPU_COUNT(set);
	return dw_topo_ctrl_cpus(set);
}

unsigned int
dw_topo_cpu_to_node(unsigned int cpu)
{
	if (topo.fake) {
		unsigned int total = topo.nr_nodes * topo.fake_cpus_per_node;

		return (cpu % total) / topo.fake_cpus_per_node;
	}
	if (cpu >= CPU_SETSIZE)
		return 0;
	return (unsigned int)topo.cpu_node[cpu];
}

unsigned int
dw_topo_current_node(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : dw_topo_cpu_to_node((unsigned int)cpu);
}
