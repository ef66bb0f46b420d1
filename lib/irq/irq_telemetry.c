/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry: /dwork/irq/list (the fds with handlers) and /dwork/irq/info,<fd>
 * (a line's counters and, as parallel arrays, its handlers'). Registered with
 * the first request; the copies are taken under irq_lock and formatted after
 * it is dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "irq_private.h"

int
irq_telemetry_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct irq_desc *desc;

	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	pthread_mutex_lock(&irq_lock);
	TAILQ_FOREACH(desc, &irq_core.descs, next)
		rte_tel_data_add_array_int(d, desc->fd);
	pthread_mutex_unlock(&irq_lock);
	return 0;
}

/* Per-handler columns of /dwork/irq/info. */
enum irq_tel_col {
	IRQ_TEL_HANDLED,
	IRQ_TEL_WAKEUPS,
	IRQ_TEL_RUNS,
	IRQ_TEL_PRIMARY_MAX_NS,
	IRQ_TEL_THREAD_MAX_NS,
	IRQ_TEL_NR_COLS,
};

static const char *const irq_tel_col_names[IRQ_TEL_NR_COLS] = {
	"handled", "thread_wakeups", "thread_runs", "primary_max_ns", "thread_max_ns",
};

struct irq_tel_snapshot {
	struct dw_irq_stats line;
	unsigned int n;
	char names[DW_IRQ_MAX_SHARED][DW_IRQ_NAME_SIZE];
	uint64_t cols[IRQ_TEL_NR_COLS][DW_IRQ_MAX_SHARED];
};

/* Copy the line on @p fd; false if there is none. */
static bool
irq_tel_snapshot(int fd, struct irq_tel_snapshot *s)
{
	struct irq_desc *desc;
	struct irq_action *a;

	pthread_mutex_lock(&irq_lock);
	desc = irq_desc_find(fd);
	if (desc == NULL) {
		pthread_mutex_unlock(&irq_lock);
		return false;
	}
	irq_stats_fill(desc, NULL, &s->line);
	s->n = 0;
	TAILQ_FOREACH(a, &desc->actions, next) {
		memcpy(s->names[s->n], a->name, DW_IRQ_NAME_SIZE);
		s->cols[IRQ_TEL_HANDLED][s->n] = a->handled;
		s->cols[IRQ_TEL_WAKEUPS][s->n] = a->thread_wakeups;
		s->cols[IRQ_TEL_RUNS][s->n] = a->thread_runs;
		s->cols[IRQ_TEL_PRIMARY_MAX_NS][s->n] = a->primary_max_ns;
		s->cols[IRQ_TEL_THREAD_MAX_NS][s->n] = a->thread_max_ns;
		s->n++;
	}
	pthread_mutex_unlock(&irq_lock);
	return true;
}

int
irq_telemetry_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct irq_tel_snapshot s;
	struct rte_tel_data *arr;
	unsigned int c, i;
	char *end;
	long fd;

	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	errno = 0;
	fd = strtol(params, &end, 10);
	if (errno != 0 || *end != '\0' || fd < 0 || fd > INT32_MAX)
		return -EINVAL;
	if (!irq_tel_snapshot((int)fd, &s))
		return -ENOENT;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "fd", (int)fd);
	rte_tel_data_add_dict_u64(d, "flags", s.line.flags);
	rte_tel_data_add_dict_u64(d, "depth", s.line.depth);
	rte_tel_data_add_dict_u64(d, "masked", s.line.masked);
	rte_tel_data_add_dict_u64(d, "count", s.line.count);
	rte_tel_data_add_dict_u64(d, "unhandled", s.line.unhandled);
	rte_tel_data_add_dict_u64(d, "spurious_disables", s.line.spurious_disables);
	rte_tel_data_add_dict_u64(d, "error_disables", s.line.error_disables);

	arr = rte_tel_data_alloc();
	if (arr == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(arr, RTE_TEL_STRING_VAL);
	for (i = 0; i < s.n; i++)
		rte_tel_data_add_array_string(arr, s.names[i]);
	rte_tel_data_add_dict_container(d, "names", arr, 0);
	for (c = 0; c < IRQ_TEL_NR_COLS; c++) {
		arr = rte_tel_data_alloc();
		if (arr == NULL)
			return -ENOMEM;
		rte_tel_data_start_array(arr, RTE_TEL_U64_VAL);
		for (i = 0; i < s.n; i++)
			rte_tel_data_add_array_u64(arr, s.cols[c][i]);
		rte_tel_data_add_dict_container(d, irq_tel_col_names[c], arr, 0);
	}
	return 0;
}

static void
irq_telemetry_register_once(void)
{
	rte_telemetry_register_cmd(
	    "/dwork/irq/list", irq_telemetry_list,
	    "Returns the fds that have interrupt handlers. Takes no parameters");
	rte_telemetry_register_cmd(
	    "/dwork/irq/info", irq_telemetry_info,
	    "Returns a line's counters and its handlers'. Parameters: int fd");
}

/*
 * Called by every request rather than by a constructor, so that a program
 * linked with the static libdwork gets the commands too (a constructor in an
 * object nothing references would be left out of the link).
 */
void
irq_telemetry_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, irq_telemetry_register_once);
}
