/* SPDX-License-Identifier: MIT
 * timefmt.c -- UTC timestamps for command output. Any thread; no allocation. */
#include "server/base/timefmt.h"

#include <stdio.h>

void timefmt_utc(time_t t, char out[TIMEFMT_UTC_MAX])
{
	struct tm tm;
	if (t == 0 || !gmtime_r(&t, &tm) ||
	    strftime(out, TIMEFMT_UTC_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, TIMEFMT_UTC_MAX, "-");
}
