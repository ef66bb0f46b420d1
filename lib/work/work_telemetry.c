/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry: /dwork/wq/list, /dwork/wq/info,<name>, /dwork/pool/list and
 * /dwork/pool/info,<id>, readable with dpdk-telemetry.py once EAL is up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "work_private.h"

static int
tel_wq_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dw_wq *wq;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&work_lib.lock);
	TAILQ_FOREACH(wq, &work_lib.wqs, entry)
		rte_tel_data_add_array_string(d, wq->name);
	pthread_mutex_unlock(&work_lib.lock);
	return 0;
}

static int
tel_wq_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dw_wq_stats st;
	struct dw_wq *wq;
	uint32_t flags, max_active;
	int rc = -EINVAL;

	RTE_SET_USED(cmd);
	if (params == NULL)
		return -EINVAL;
	pthread_mutex_lock(&work_lib.lock);
	TAILQ_FOREACH(wq, &work_lib.wqs, entry)
		if (strcmp(wq->name, params) == 0)
			break;
	if (wq != NULL) {
		rc = dw_wq_stats_get(wq, &st);
		flags = wq->flags;
		max_active = wq->max_active;
	}
	pthread_mutex_unlock(&work_lib.lock);
	if (rc < 0)
		return rc;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", params);
	rte_tel_data_add_dict_u64(d, "flags", flags);
	rte_tel_data_add_dict_string(d, "kind",
				     flags & DW_WQ_BH	     ? "bh"
				     : flags & DW_WQ_ORDERED ? "ordered"
				     : flags & DW_WQ_UNBOUND ? "unbound"
				     : flags & DW_WQ_HIGHPRI ? "highpri"
							     : "bound");
	rte_tel_data_add_dict_u64(d, "max_active", max_active);
	rte_tel_data_add_dict_u64(d, "queued", st.queued);
	rte_tel_data_add_dict_u64(d, "started", st.started);
	rte_tel_data_add_dict_u64(d, "completed", st.completed);
	rte_tel_data_add_dict_u64(d, "cancelled", st.cancelled);
	rte_tel_data_add_dict_u64(d, "pending", st.pending);
	rte_tel_data_add_dict_u64(d, "running", st.running);
	rte_tel_data_add_dict_u64(d, "cpu_ns", st.cpu_ns);
	rte_tel_data_add_dict_u64(d, "rescued", st.rescued);
	rte_tel_data_add_dict_u64(d, "maydays", st.maydays);
	if (flags & DW_WQ_BH) /* how the fast path orders its counts against flush and drain */
		rte_tel_data_add_dict_string(d, "fences", bh_fences_name());
	return 0;
}

static int
tel_pool_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (i = 0; i < dw_pool_count(); i++)
		rte_tel_data_add_array_int(d, (int)i);
	return 0;
}

static int
tel_pool_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dw_pool_stats st;
	unsigned long id;
	char *end;
	int rc;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || id > UINT32_MAX)
		return -EINVAL;
	rc = dw_pool_stats_get((unsigned int)id, &st);
	if (rc < 0)
		return rc;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", id);
	rte_tel_data_add_dict_int(d, "node", st.node);
	/* From the copy: the pool itself may be gone once the stats call returned. */
	rte_tel_data_add_dict_string(d, "kind",
				     st.unbound	  ? "unbound"
				     : st.highpri ? "highpri"
						  : "normal");
	rte_tel_data_add_dict_u64(d, "concurrency", st.concurrency);
	rte_tel_data_add_dict_u64(d, "workers", st.nr_workers);
	rte_tel_data_add_dict_u64(d, "idle", st.nr_idle);
	rte_tel_data_add_dict_u64(d, "running", st.nr_running);
	rte_tel_data_add_dict_u64(d, "pending", st.nr_pending);
	rte_tel_data_add_dict_u64(d, "peak_workers", st.peak_workers);
	rte_tel_data_add_dict_u64(d, "started", st.started);
	rte_tel_data_add_dict_u64(d, "completed", st.completed);
	rte_tel_data_add_dict_u64(d, "workers_created", st.workers_created);
	rte_tel_data_add_dict_u64(d, "workers_reaped", st.workers_reaped);
	rte_tel_data_add_dict_u64(d, "create_failures", st.create_failures);
	rte_tel_data_add_dict_u64(d, "cm_wakeups", st.cm_wakeups);
	rte_tel_data_add_dict_u64(d, "blocked_detected", st.blocked_detected);
	rte_tel_data_add_dict_u64(d, "blocked_perf", st.blocked_perf);
	rte_tel_data_add_dict_int(d, "perf_events", st.perf_events);
	rte_tel_data_add_dict_u64(d, "hogs_detected", st.hogs_detected);
	rte_tel_data_add_dict_u64(d, "maydays", st.maydays);
	rte_tel_data_add_dict_u64(d, "rescued", st.rescued);
	rte_tel_data_add_dict_u64(d, "watchdog_hits", st.watchdog_hits);
	rte_tel_data_add_dict_u64(d, "wake_pinned", st.wake_pinned);
	return 0;
}

void
work_telemetry_register(void)
{
	static bool done;

	/* Commands cannot be unregistered: register once per process. */
	if (done)
		return;
	done = true;
	rte_telemetry_register_cmd("/dwork/wq/list", tel_wq_list, "Workqueue names");
	rte_telemetry_register_cmd("/dwork/wq/info", tel_wq_info,
				   "Workqueue counters. Parameter: workqueue name");
	rte_telemetry_register_cmd("/dwork/pool/list", tel_pool_list, "Worker pool ids");
	rte_telemetry_register_cmd("/dwork/pool/info", tel_pool_info,
				   "Worker pool state and counters. Parameter: pool id");
}
