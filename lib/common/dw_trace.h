/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_TRACE_H
#define DW_TRACE_H

/*
 * dwork's rte_trace points; not installed. Enable them with EAL's
 * --trace=dw.* (or a narrower regex): names follow the kernel's workqueue
 * tracepoints (queue_work, activate_work, execute_start, execute_end) plus
 * the lcore loop (napi park and wake), BH lane runs and irq thread handlers.
 * doc/guides/tracing.md shows a capture and how to read it.
 *
 * Each emit site is one call. Disabled, a point costs rte_trace's own check:
 * one acquire load of the point's word and a predicted branch, no call.
 *
 * rte_trace_point.h emits nothing unless ALLOW_EXPERIMENTAL_API was defined
 * before its first inclusion anywhere in the file: libdwork is compiled with
 * -DALLOW_EXPERIMENTAL_API (meson.build) for that reason.
 */

#ifndef ALLOW_EXPERIMENTAL_API
#define ALLOW_EXPERIMENTAL_API /* a stand-alone compile of this header */
#endif

#include <stdint.h>

#include <rte_trace_point.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dw.work.queue_work: @work handed to @wq_name (pool or BH lane), @target as asked. */
RTE_TRACE_POINT(dw_trace_work_queue_work,
		RTE_TRACE_POINT_ARGS(const void *work, const void *func, const char *wq_name,
				     int32_t target),
		rte_trace_point_emit_ptr(work);
		rte_trace_point_emit_ptr(func); rte_trace_point_emit_string(wq_name);
		rte_trace_point_emit_i32(target);)

/* dw.work.activate_work: @work may run now (on the pool's worklist or a BH lane). */
RTE_TRACE_POINT(dw_trace_work_activate_work, RTE_TRACE_POINT_ARGS(const void *work),
		rte_trace_point_emit_ptr(work);)

/* dw.work.execute_start: a worker or lcore calls @func(@work). */
RTE_TRACE_POINT(dw_trace_work_execute_start,
		RTE_TRACE_POINT_ARGS(const void *work, const void *func),
		rte_trace_point_emit_ptr(work);
		rte_trace_point_emit_ptr(func);)

/* dw.work.execute_end: @func(@work) returned (@work may be freed already: a value only). */
RTE_TRACE_POINT(dw_trace_work_execute_end, RTE_TRACE_POINT_ARGS(const void *work, const void *func),
		rte_trace_point_emit_ptr(work);
		rte_trace_point_emit_ptr(func);)

/* dw.bh.lane_run: lcore @lcore ran @ran items of its lane; @left: items still queued. */
RTE_TRACE_POINT(dw_trace_bh_lane_run,
		RTE_TRACE_POINT_ARGS(uint32_t lcore, uint32_t ran, uint8_t left),
		rte_trace_point_emit_u32(lcore);
		rte_trace_point_emit_u32(ran); rte_trace_point_emit_u8(left);)

/* dw.napi.park: lcore @lcore goes to sleep, for at most @timeout_ns (0: no bound). */
RTE_TRACE_POINT(dw_trace_napi_park, RTE_TRACE_POINT_ARGS(uint32_t lcore, uint64_t timeout_ns),
		rte_trace_point_emit_u32(lcore);
		rte_trace_point_emit_u64(timeout_ns);)

/* dw.napi.wake: lcore @lcore woke for @reason (enum dw_napi_wake) after @slept_ns. */
RTE_TRACE_POINT(dw_trace_napi_wake,
		RTE_TRACE_POINT_ARGS(uint32_t lcore, uint32_t reason, uint64_t slept_ns),
		rte_trace_point_emit_u32(lcore);
		rte_trace_point_emit_u32(reason); rte_trace_point_emit_u64(slept_ns);)

/* dw.irq.thread_start: the thread handler of @name runs for line @fd. */
RTE_TRACE_POINT(dw_trace_irq_thread_start, RTE_TRACE_POINT_ARGS(int32_t fd, const char *name),
		rte_trace_point_emit_i32(fd);
		rte_trace_point_emit_string(name);)

/* dw.irq.thread_end: it returned. */
RTE_TRACE_POINT(dw_trace_irq_thread_end, RTE_TRACE_POINT_ARGS(int32_t fd, const char *name),
		rte_trace_point_emit_i32(fd);
		rte_trace_point_emit_string(name);)

#ifdef __cplusplus
}
#endif

#endif /* DW_TRACE_H */
