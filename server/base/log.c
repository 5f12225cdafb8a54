/* SPDX-License-Identifier: MIT
 * log.c -- one formatted line per message on stderr, written with a single write()
 * so lines from different threads never interleave. Any thread. */
#include "server/base/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static enum log_level max_level = LOG_LVL_INFO;

void log_set_level(enum log_level level)
{
	max_level = level;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERR:
		return "error";
	case LOG_LVL_WARN:
		return "warning";
	case LOG_LVL_INFO:
		return "info";
	case LOG_LVL_DEBUG:
		return "debug";
	}
	return "log";
}

/* Whether stderr is the stream journald reads: JOURNAL_STREAM is "DEV:INODE" of that
 * stream (systemd.exec(5)), and a child whose stderr was redirected elsewhere inherits
 * the variable, so it is compared with stderr itself. Checked once: stderr does not
 * change under the daemon. */
static bool to_journal(void)
{
	static int state = -1; /* -1 unknown, 0 no, 1 yes */
	int s = __atomic_load_n(&state, __ATOMIC_RELAXED);
	if (s >= 0)
		return s;
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	s = v && sscanf(v, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	__atomic_store_n(&state, s, __ATOMIC_RELAXED);
	return s;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > max_level)
		return;
	char line[2048];
	int n;
	/* journald parses a "<N>" priority prefix on the streams it reads. */
	if (to_journal())
		n = snprintf(line, sizeof(line), "<%d>", (int)level);
	else
		n = snprintf(line, sizeof(line), "geosteerd: %s: ", level_name(level));
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
