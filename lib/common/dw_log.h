/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_LOG_H
#define DW_LOG_H

/**
 * @file
 * Logging for dwork libraries and drivers.
 *
 * Each library or driver registers one rte_log type (dw.work, dw.bh, dw.irq,
 * ...) and wraps DW_LOG() in a macro of its own. DW_LOG() appends the newline
 * and refuses, at compile time, a format that already ends in one.
 */

#include <assert.h>

#include <rte_log.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && !defined(__clang__) && !defined(__cplusplus)
#define DW_LOG_CHECK_NO_NEWLINE(fmt)                                                               \
	static_assert(!__builtin_strchr(fmt, '\n'), "log format has a \\n: DW_LOG adds it")
#else
#define DW_LOG_CHECK_NO_NEWLINE(fmt)                                                               \
	do {                                                                                       \
	} while (0)
#endif

/**
 * Log one line with rte_log at @p level (ERR, WARNING, INFO, DEBUG...) on
 * @p type, prefixed with the calling function's name.
 */
#define DW_LOG(type, level, fmt, ...)                                                              \
	do {                                                                                       \
		DW_LOG_CHECK_NO_NEWLINE(fmt);                                                      \
		rte_log(RTE_LOG_##level, type, "%s(): " fmt "\n", __func__, ##__VA_ARGS__);        \
	} while (0)

/** Log type of lib/common (dw.common). */
extern int dw_common_logtype;

#ifdef __cplusplus
}
#endif

#endif /* DW_LOG_H */
