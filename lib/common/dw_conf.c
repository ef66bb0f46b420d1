/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Growing configuration and output structs (see common_private.h): the size
 * rules every dw_*_conf and every sized get call follow, in one place.
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

int
dw_out_check(int logtype, const char *caller, const void *out, size_t size, size_t min_size)
{
	if (out == NULL) {
		rte_log(RTE_LOG_ERR, logtype, "%s(): NULL output struct\n", caller);
		return -EINVAL;
	}
	if (size < min_size) {
		rte_log(RTE_LOG_ERR, logtype,
			"%s(): output struct size %zu, below the first release's %zu\n", caller,
			size, min_size);
		return -EINVAL;
	}
	return 0;
}

void
dw_out_put(void *out, size_t size, const void *full, size_t full_size)
{
	memcpy(out, full, size < full_size ? size : full_size);
	if (size > full_size)
		memset((char *)out + full_size, 0, size - full_size);
}
