/* SPDX-License-Identifier: BSD-3-Clause */
#include "dw_log.h"

RTE_LOG_REGISTER(dw_common_logtype, dw.common, INFO);
