/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "common_private.h"
#include "dw_topo.h"

int
dw_thread_create(pthread_t *t, const char *name, const rte_cpuset_t *cpus, bool detached,
		 void *(*fn)(void *), void *arg)
{
	rte_cpuset_t ctrl;
	pthread_attr_t attr;
	char tname[16];
	bool pin;
	int rc;

	if (cpus == NULL) {
		dw_topo_ctrl_cpus(&ctrl);
		cpus = &ctrl;
	}
	pin = CPU_COUNT(cpus) > 0;
	for (;;) {
		pthread_attr_init(&attr);
		if (detached)
			pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pin)
			pthread_attr_setaffinity_np(&attr, sizeof(*cpus), cpus);
		rc = pthread_create(t, &attr, fn, arg);
		pthread_attr_destroy(&attr);
		if (rc != EINVAL || !pin)
			break;
		pin = false; /* a cpuset cgroup allows none of these CPUs: run where allowed */
	}
	if (rc != 0)
		return -rc;
	if (name != NULL) {
		snprintf(tname, sizeof(tname), "%s", name);
		pthread_setname_np(*t, tname);
	}
	return 0;
}
