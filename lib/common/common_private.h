/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef COMMON_PRIVATE_H
#define COMMON_PRIVATE_H

/* Helpers shared by dwork's libraries, never installed. */

#include <pthread.h>
#include <stdbool.h>

#include <rte_lcore.h>

/*
 * Start one of dwork's own threads, pinned where dwork threads belong:
 * @p cpus (a pool's worker CPUs), or, when NULL, dw_topo_ctrl_cpus(); never
 * inherited from the creating thread, which may be a polling lcore.
 * @p name (at most 15 characters used) names the thread.
 * Returns 0 or a negative errno from pthread_create().
 * Context: any thread; may sleep.
 */
int dw_thread_create(pthread_t *t, const char *name, const rte_cpuset_t *cpus, bool detached,
		     void *(*fn)(void *), void *arg);

#endif /* COMMON_PRIVATE_H */
