/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Growing configuration structs (see common_private.h): the size rule every
 * dw_*_conf follows, in one place.
 */
#include <errno.h>
#include <string.h>

#include <rte_log.h>

#include "common_private.h"

int
dw_conf_copy(int logtype, const char *caller, void *dst, size_t dst_size, size_t min_size,
	     const void *src)
{
	const unsigned char *tail = src;
	size_t size, i;

	memcpy(&size, src, sizeof(size));
	if (size < min_size) {
		rte_log(RTE_LOG_ERR, logtype,
			"%s(): conf size %zu, below the first release's %zu\n", caller, size,
			min_size);
		return -EINVAL;
	}
	if (size > DW_CONF_MAX_SIZE) {
		rte_log(RTE_LOG_ERR, logtype, "%s(): conf size %zu, over %d\n", caller, size,
			DW_CONF_MAX_SIZE);
		return -E2BIG;
	}
	for (i = dst_size; i < size; i++) {
		if (tail[i] != 0) {
			rte_log(RTE_LOG_ERR, logtype,
				"%s(): conf size %zu sets byte %zu, beyond the %zu this library "
				"knows\n",
				caller, size, i, dst_size);
			return -E2BIG;
		}
	}
	memset(dst, 0, dst_size);
	memcpy(dst, src, size < dst_size ? size : dst_size);
	memcpy(dst, &dst_size, sizeof(dst_size));
	return 0;
}
