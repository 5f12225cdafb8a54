/* SPDX-License-Identifier: MIT
 * log.h -- daemon logging to stderr (journald reads it; levels become <N> prefixes when
 * stderr is the journal). Any thread; never called per packet. */
#ifndef GS_LOG_H
#define GS_LOG_H

#include <stdbool.h>

#include "server/base/compiler.h"

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* Messages above this level are dropped. Default LOG_LVL_INFO. Set before threads start. */
void log_set_level(enum log_level level);
/* Writes one line "LEVEL: message" (or "<N>message" under journald). */
void log_msg(enum log_level level, const char *fmt, ...) GS_PRINTF(2, 3);

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
