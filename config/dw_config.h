/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_CONFIG_H
#define DW_CONFIG_H

/**
 * @file
 * Compile-time defaults. Every one of them can be overridden at run time
 * through the matching field of a dw_*_conf structure; these are only what
 * a zero field means.
 */

/** Most worker threads all pools together may have (global thread cap). */
#define DW_CFG_MAX_THREADS 512
/** Idle workers above the kept minimum are reaped after this long idle. */
#define DW_CFG_IDLE_TIMEOUT_MS 5000
/** Idle workers a pool always keeps. */
#define DW_CFG_MIN_IDLE_WORKERS 2
/** A work item that used this much CPU in one run is treated as CPU intensive. */
#define DW_CFG_CPU_INTENSIVE_THRESH_US 10000
/** Safety-net monitor period while some pool has pending work. */
#define DW_CFG_MONITOR_INTERVAL_US 2000
/** A work item pending or running longer than this is logged by the watchdog. */
#define DW_CFG_WATCHDOG_THRESH_MS 30000
/** A pool that needs a worker and has had none for this long calls its rescuers. */
#define DW_CFG_MAYDAY_TIMEOUT_MS 10
/** Default and largest max_active of a workqueue. */
#define DW_CFG_WQ_DFL_ACTIVE 256
#define DW_CFG_WQ_MAX_ACTIVE 512
/** Length of workqueue names, terminating NUL included. */
#define DW_CFG_WQ_NAME_LEN 32

#endif /* DW_CONFIG_H */
