/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "netdev_private.h"

/* /dwork/port/list: ids of the open ports. */
static int
netdev_tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;

	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	pthread_mutex_lock(&netdev_table_lock);
	for (i = 0; i < DW_NETDEV_MAX_PORTS; i++) {
		if (netdev_ports[i] != NULL)
			rte_tel_data_add_array_int(d, (int)i);
	}
	pthread_mutex_unlock(&netdev_table_lock);
	return 0;
}

/* /dwork/port/info,<id>: facts, link and basic counters of one port. */
static int
netdev_tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dw_netdev_stats st;
	struct dw_netdev_info info;
	struct dw_netdev_link link;
	unsigned long id;
	char *end;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || id >= DW_NETDEV_MAX_PORTS)
		return -EINVAL;
	if (dw_netdev_info_get((uint16_t)id, &info) < 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "port", (int)id);
	rte_tel_data_add_dict_string(d, "name", info.name);
	rte_tel_data_add_dict_string(d, "driver", info.driver);
	rte_tel_data_add_dict_int(d, "started", info.started);
	rte_tel_data_add_dict_int(d, "nb_rxq", info.nb_rxq);
	rte_tel_data_add_dict_int(d, "nb_txq", info.nb_txq);
	rte_tel_data_add_dict_int(d, "max_rxq", info.max_rxq);
	rte_tel_data_add_dict_int(d, "max_txq", info.max_txq);
	rte_tel_data_add_dict_int(d, "lsc_intr", info.lsc_intr);
	rte_tel_data_add_dict_int(d, "nb_rxq_intr", info.nb_rxq_intr);
	rte_tel_data_add_dict_int(d, "nb_rxq_intr_nocheck", info.nb_rxq_intr_nocheck);
	rte_tel_data_add_dict_u64(d, "resets", info.resets);
	if (dw_netdev_link_get((uint16_t)id, &link) == 0) {
		rte_tel_data_add_dict_int(d, "link_up", link.up);
		rte_tel_data_add_dict_u64(d, "link_speed_mbps", link.speed_mbps);
	}
	if (dw_netdev_stats_get((uint16_t)id, &st) == 0) {
		rte_tel_data_add_dict_u64(d, "ipackets", st.ipackets);
		rte_tel_data_add_dict_u64(d, "opackets", st.opackets);
		rte_tel_data_add_dict_u64(d, "ibytes", st.ibytes);
		rte_tel_data_add_dict_u64(d, "obytes", st.obytes);
		rte_tel_data_add_dict_u64(d, "imissed", st.imissed);
		rte_tel_data_add_dict_u64(d, "ierrors", st.ierrors);
		rte_tel_data_add_dict_u64(d, "oerrors", st.oerrors);
	}
	return 0;
}

void
netdev_telemetry_register(void)
{
	rte_telemetry_register_cmd("/dwork/port/list", netdev_tel_list,
				   "Ids of the open dwork ports. No parameters.");
	rte_telemetry_register_cmd("/dwork/port/info", netdev_tel_info,
				   "Facts, link and counters of a dwork port. Parameter: port id.");
}
