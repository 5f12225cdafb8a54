/* SPDX-License-Identifier: MIT
 * procstat.h -- the daemon's own process facts for /metrics (the process_* metrics
 * every Prometheus exporter has): CPU time, resident and virtual memory, open and
 * allowed file descriptors, start time. Read from /proc/self and getrlimit at each
 * scrape, on the metrics thread; never on the query path. */
#ifndef GS_PROCSTAT_H
#define GS_PROCSTAT_H

#include <stdbool.h>

#include "server/base/compiler.h"

struct procstat {
	/* From /proc/self/stat (and the boot time of /proc/stat for start_s): */
	bool have_stat;
	double cpu_s;                   /* user + system CPU seconds, every thread */
	unsigned long long rss_bytes;   /* resident set */
	unsigned long long vsize_bytes; /* virtual memory */
	bool have_start;
	double start_s; /* start time, seconds since the Unix epoch */
	/* Entries of /proc/self/fd (the directory's own descriptor not counted): */
	bool have_fds;
	unsigned long long open_fds;
	/* RLIMIT_NOFILE's soft limit (what open() is held to): */
	bool have_max_fds;
	unsigned long long max_fds;
};

/* Fills out with what could be read; a fact that could not be is marked absent. */
void procstat_read(struct procstat *out) GS_NONNULL;

/* Parses one /proc/PID/stat line (its command name may hold blanks and parentheses):
 * the CPU ticks (utime + stime), the start time in ticks after boot, the virtual size
 * in bytes and the resident size in pages. False when the line does not have them. */
bool procstat_parse_stat(const char *line, unsigned long long *cpu_ticks,
                         unsigned long long *start_ticks, unsigned long long *vsize,
                         unsigned long long *rss_pages) GS_NONNULL;

#endif
