/* SPDX-License-Identifier: MIT
 * timefmt.h -- a wall-clock time as operators read it in command output: UTC, ISO 8601
 * (2026-12-01T10:00:00Z). Any thread; no allocation. */
#ifndef GS_TIMEFMT_H
#define GS_TIMEFMT_H

#include <time.h>

#include "server/base/compiler.h"

/* Room for the text and its NUL. */
#define TIMEFMT_UTC_MAX 32

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into out, or "-" for 0 (never) or a time that does
 * not convert. */
void timefmt_utc(time_t t, char out[TIMEFMT_UTC_MAX]) GS_NONNULL;

#endif
