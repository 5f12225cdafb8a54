/* SPDX-License-Identifier: MIT
 * mono.h -- elapsed wall time on the monotonic clock, for the load and reload timings
 * the logs, status and metrics report. Header only; any thread. */
#ifndef GS_MONO_H
#define GS_MONO_H

#include <time.h>

/* Now, on CLOCK_MONOTONIC. */
static inline struct timespec mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

/* Seconds from t0 to t1. */
static inline double mono_between(const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

/* Seconds since t0. */
static inline double mono_since(const struct timespec *t0)
{
	struct timespec t1 = mono_now();
	return mono_between(t0, &t1);
}

#endif
