/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry: /dwork/lcore/list (lcores that ran a loop) and
 * /dwork/lcore/info,<id> (mode, counters, wake-ups, latency histogram,
 * source names) and /dwork/lcore/sources,<id> (each source's counters).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "napi_private.h"

static int
napi_tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		if (__atomic_load_n(&napi_lcores[i].configured, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&napi_lcores[i].nb_srcs, __ATOMIC_RELAXED) != 0)
			rte_tel_data_add_array_int(d, (int)i);
	}
	return 0;
}

static const char *const napi_wake_names[DW_NAPI_WAKE_MAX] = {
	[DW_NAPI_WAKE_RX] = "wake_rx",
	[DW_NAPI_WAKE_DOORBELL] = "wake_doorbell",
	[DW_NAPI_WAKE_TIMER] = "wake_timer",
	[DW_NAPI_WAKE_TIMEOUT] = "wake_timeout",
};

/* One source as a dict; read relaxed, its owner may be writing. */
static struct rte_tel_data *
napi_tel_source(const struct dw_napi_source *src)
{
	struct rte_tel_data *s = rte_tel_data_alloc();

	if (s == NULL)
		return NULL;
	rte_tel_data_start_dict(s);
	rte_tel_data_add_dict_string(s, "name", src->name);
	rte_tel_data_add_dict_int(s, "fd", __atomic_load_n(&src->fd, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_int(s, "weight", (int)src->weight);
	rte_tel_data_add_dict_int(s, "intr_ok", __atomic_load_n(&src->intr_ok, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_int(s, "intr_seen",
				  __atomic_load_n(&src->intr_seen, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(s, "work", __atomic_load_n(&src->work, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(s, "polls", __atomic_load_n(&src->polls, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(s, "intr_wakes",
				  __atomic_load_n(&src->intr_wakes, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(s, "arm_retries",
				  __atomic_load_n(&src->arm_retries, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(s, "arm_errors",
				  __atomic_load_n(&src->arm_errors, __ATOMIC_RELAXED));
	return s;
}

static int
napi_tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *lat, *srcs;
	struct dw_lcore_stats st;
	struct napi_lcore *lc;
	unsigned long id;
	unsigned int i;
	char *end;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || id >= RTE_MAX_LCORE || dw_lcore_stats_get((unsigned int)id, &st) < 0)
		return -EINVAL;
	lc = &napi_lcores[id];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "lcore", (int)id);
	rte_tel_data_add_dict_string(d, "mode", dw_napi_mode_name(st.mode));
	rte_tel_data_add_dict_int(d, "running", st.running);
	rte_tel_data_add_dict_int(d, "parked", st.parked);
	rte_tel_data_add_dict_u64(d, "loops", st.loops);
	rte_tel_data_add_dict_u64(d, "busy_ns", st.busy_ns);
	rte_tel_data_add_dict_u64(d, "poll_ns", st.poll_ns);
	rte_tel_data_add_dict_u64(d, "sleep_ns", st.sleep_ns);
	rte_tel_data_add_dict_u64(d, "work", st.work);
	rte_tel_data_add_dict_u64(d, "bh_items", st.bh_items);
	rte_tel_data_add_dict_u64(d, "parks", st.parks);
	rte_tel_data_add_dict_u64(d, "park_aborts", st.park_aborts);
	for (i = 0; i < DW_NAPI_WAKE_MAX; i++)
		rte_tel_data_add_dict_u64(d, napi_wake_names[i], st.wakeups[i]);
	rte_tel_data_add_dict_u64(d, "selftest_fallbacks", st.selftest_fallbacks);
	rte_tel_data_add_dict_u64(d, "fd_updates", st.fd_updates);
	rte_tel_data_add_dict_u64(d, "busy_poll_hits", st.busy_poll_hits);
	rte_tel_data_add_dict_u64(d, "busy_poll_misses", st.busy_poll_misses);
	rte_tel_data_add_dict_u64(d, "busy_poll_est_ns", st.busy_poll_est_ns);
	rte_tel_data_add_dict_string(d, "last_busy_source", st.last_busy_source);
	/* Bucket i: wake latencies in [2^i, 2^(i+1)) ns. */
	lat = rte_tel_data_alloc();
	if (lat != NULL) {
		rte_tel_data_start_array(lat, RTE_TEL_U64_VAL);
		for (i = 0; i < DW_NAPI_LAT_BUCKETS; i++)
			rte_tel_data_add_array_u64(lat, st.wake_lat[i]);
		rte_tel_data_add_dict_container(d, "wake_lat_log2_ns", lat, 0);
	}
	/* Names only: DPDK telemetry nests one level; details in /dwork/lcore/sources. */
	srcs = rte_tel_data_alloc();
	if (srcs == NULL)
		return 0;
	rte_tel_data_start_array(srcs, RTE_TEL_STRING_VAL);
	/* Registration takes this lock: the sources stay valid while we read them. */
	pthread_mutex_lock(&napi_lock);
	for (i = 0; i < __atomic_load_n(&lc->nb_srcs, __ATOMIC_RELAXED); i++)
		rte_tel_data_add_array_string(srcs, lc->srcs[i]->name);
	pthread_mutex_unlock(&napi_lock);
	rte_tel_data_add_dict_container(d, "sources", srcs, 0);
	return 0;
}

/* /dwork/lcore/sources,<id>: one dict per source, keyed "src<i>" (names may hold ':'). */
static int
napi_tel_sources(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct napi_lcore *lc;
	struct rte_tel_data *s;
	unsigned long id;
	unsigned int i;
	char key[16];
	char *end;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || id >= RTE_MAX_LCORE || !rte_lcore_is_enabled((unsigned int)id))
		return -EINVAL;
	lc = &napi_lcores[id];
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&napi_lock);
	for (i = 0; i < __atomic_load_n(&lc->nb_srcs, __ATOMIC_RELAXED); i++) {
		s = napi_tel_source(lc->srcs[i]);
		snprintf(key, sizeof(key), "src%u", i);
		if (s != NULL)
			rte_tel_data_add_dict_container(d, key, s, 0);
	}
	pthread_mutex_unlock(&napi_lock);
	return 0;
}

void
napi_telemetry_register(void)
{
	rte_telemetry_register_cmd("/dwork/lcore/list", napi_tel_list,
				   "Lcores running (or having run) a dwork loop");
	rte_telemetry_register_cmd("/dwork/lcore/info", napi_tel_info,
				   "Loop counters of one lcore. Parameters: int lcore_id");
	rte_telemetry_register_cmd("/dwork/lcore/sources", napi_tel_sources,
				   "Rx sources of one lcore. Parameters: int lcore_id");
}
