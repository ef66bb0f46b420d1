/* SPDX-License-Identifier: BSD-3-Clause */
/* Registration of the points declared in dw_trace.h, under their --trace names. */
#include <rte_trace_point_register.h>

#include "dw_trace.h"

RTE_TRACE_POINT_REGISTER(dw_trace_work_queue_work, dw.work.queue_work)
RTE_TRACE_POINT_REGISTER(dw_trace_work_activate_work, dw.work.activate_work)
RTE_TRACE_POINT_REGISTER(dw_trace_work_execute_start, dw.work.execute_start)
RTE_TRACE_POINT_REGISTER(dw_trace_work_execute_end, dw.work.execute_end)
RTE_TRACE_POINT_REGISTER(dw_trace_bh_lane_run, dw.bh.lane_run)
RTE_TRACE_POINT_REGISTER(dw_trace_napi_park, dw.napi.park)
RTE_TRACE_POINT_REGISTER(dw_trace_napi_wake, dw.napi.wake)
RTE_TRACE_POINT_REGISTER(dw_trace_irq_thread_start, dw.irq.thread_start)
RTE_TRACE_POINT_REGISTER(dw_trace_irq_thread_end, dw.irq.thread_end)
