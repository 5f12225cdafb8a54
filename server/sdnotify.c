/* SPDX-License-Identifier: MIT
 * sdnotify.c -- writes sd_notify(3) datagrams to $NOTIFY_SOCKET ourselves, and reads the
 * watchdog interval from $WATCHDOG_USEC / $WATCHDOG_PID, as sd_watchdog_enabled(3) does.
 * The socket is a filesystem path ("/run/systemd/notify") or, with a leading '@', a Linux
 * abstract socket (the '@' stands for the initial NUL byte).
 *
 * Why not libsystemd: sd_notify() opens the socket named by $NOTIFY_SOCKET anew on every
 * call, so the variable has to stay in the environment, where the exec health checks
 * (child processes) would inherit it and could speak for the daemon; and after `user:`
 * drops root the path may no longer be reachable. One socket connected at start, before
 * the privilege drop, with the variables removed at once, avoids both. The datagram
 * protocol is a documented stable interface of systemd; what is written here is small.
 * Main thread only. */
#include <config.h> /* first: _GNU_SOURCE */

#include "server/sdnotify.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server/base/err.h"

/* The connected notification socket, or -1. */
static int g_fd = -1;
/* $WATCHDOG_USEC when it is meant for this process, else 0. */
static uint64_t g_watchdog_usec;

/* Reads $WATCHDOG_USEC (and $WATCHDOG_PID, which when set must be our PID) into
 * g_watchdog_usec and removes both from the environment. */
static void watchdog_read(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	g_watchdog_usec = 0;
	if (usec && usec[0]) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(usec, &end, 10);
		bool is_ours = true;
		if (pid && pid[0]) {
			char *pend;
			long p = strtol(pid, &pend, 10);
			is_ours = *pend == '\0' && p == (long)getpid();
		}
		if (errno == 0 && *end == '\0' && v > 0 && is_ours)
			g_watchdog_usec = v;
	}
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int sdnotify_open(void)
{
	if (g_fd >= 0)
		return GS_OK;
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !path[0]) {
		/* Without a socket to send the pings to, there is no watchdog either. */
		g_watchdog_usec = 0;
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
		return GS_OK;
	}
	watchdog_read();

	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	size_t len = strlen(path);
	/* Abstract names count exactly their bytes (no terminating NUL); paths need room
	 * for the NUL inside sun_path. */
	if (path[0] != '@' && path[0] != '/')
		return GS_EINVAL;
	if (len > sizeof(sun.sun_path) - (path[0] == '@' ? 0 : 1))
		return GS_EINVAL;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	socklen_t sun_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (path[0] == '/')
		sun_len++; /* the terminating NUL */

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return GS_EIO;
	if (connect(fd, (const struct sockaddr *)&sun, sun_len) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return GS_EIO;
	}
	g_fd = fd;
	unsetenv("NOTIFY_SOCKET");
	return GS_OK;
}

bool sdnotify_is_open(void)
{
	return g_fd >= 0;
}

uint64_t sdnotify_watchdog_usec(void)
{
	return g_fd >= 0 ? g_watchdog_usec : 0;
}

int sdnotify_send(const char *state)
{
	if (g_fd < 0)
		return GS_OK;
	size_t n = strlen(state);
	ssize_t sent;
	do {
		sent = send(g_fd, state, n, MSG_NOSIGNAL);
	} while (sent < 0 && errno == EINTR);
	return sent == (ssize_t)n ? GS_OK : GS_EIO;
}

void sdnotify_close(void)
{
	if (g_fd >= 0)
		close(g_fd);
	g_fd = -1;
	g_watchdog_usec = 0;
}
