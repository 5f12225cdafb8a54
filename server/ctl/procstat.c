/* SPDX-License-Identifier: MIT
 * procstat.c -- reads the daemon's process facts (procstat.h) from /proc/self/stat,
 * /proc/stat (the boot time), /proc/self/fd and getrlimit. Metrics thread only. */
#include <config.h>

#include "server/ctl/procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Fields of /proc/PID/stat counted from the state (field 3 of proc(5), the first
 * after the command name): utime 14, stime 15, starttime 22, vsize 23, rss 24. */
enum { F_UTIME = 11, F_STIME = 12, F_START = 19, F_VSIZE = 20, F_RSS = 21, F_LAST = F_RSS };

bool procstat_parse_stat(const char *line, unsigned long long *cpu_ticks,
                         unsigned long long *start_ticks, unsigned long long *vsize,
                         unsigned long long *rss_pages)
{
	/* The command name is "(...)" and may hold anything: the last ')' ends it. */
	const char *p = strrchr(line, ')');
	if (!p)
		return false;
	p++;
	unsigned long long v[F_LAST + 1] = {0};
	for (int i = 0; i <= F_LAST; i++) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return false;
		if (i == 0) { /* the state: a letter */
			p += strcspn(p, " ");
			continue;
		}
		char *end;
		/* Signed fields (priority, nice, ...) are skipped the same way. */
		v[i] = strtoull(p, &end, 10);
		if (end == p || (*end != ' ' && *end != '\n' && *end))
			return false;
		p = end;
	}
	*cpu_ticks = v[F_UTIME] + v[F_STIME];
	*start_ticks = v[F_START];
	*vsize = v[F_VSIZE];
	*rss_pages = v[F_RSS];
	return true;
}

/* The boot time from /proc/stat's "btime" line, seconds since the Unix epoch; 0 when
 * it cannot be read. */
static unsigned long long boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return 0;
	char line[256];
	unsigned long long bt = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "btime ", 6) == 0) {
			bt = strtoull(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return bt;
}

static void read_stat(struct procstat *out)
{
	FILE *f = fopen("/proc/self/stat", "re");
	if (!f)
		return;
	char line[1024];
	bool got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	unsigned long long cpu, start, vsize, rss;
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	if (!got || tick <= 0 || page <= 0 ||
	    !procstat_parse_stat(line, &cpu, &start, &vsize, &rss))
		return;
	out->have_stat = true;
	out->cpu_s = (double)cpu / (double)tick;
	out->vsize_bytes = vsize;
	out->rss_bytes = rss * (unsigned long long)page;
	unsigned long long bt = boot_time();
	if (bt) {
		out->have_start = true;
		out->start_s = (double)bt + (double)start / (double)tick;
	}
}

static void read_fds(struct procstat *out)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int own = dirfd(d);
	unsigned long long n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue; /* "." and ".." */
		if (atoi(e->d_name) != own)
			n++;
	}
	closedir(d);
	out->have_fds = true;
	out->open_fds = n;
}

void procstat_read(struct procstat *out)
{
	*out = (struct procstat){0};
	read_stat(out);
	read_fds(out);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		out->have_max_fds = true;
		out->max_fds = (unsigned long long)rl.rlim_cur;
	}
}
