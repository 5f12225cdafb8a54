/* SPDX-License-Identifier: MIT
 * sdnotify.c -- writes sd_notify(3) datagrams to $NOTIFY_SOCKET ourselves, so the daemon
 * needs no libsystemd. The socket is a filesystem path ("/run/systemd/notify") or, with a
 * leading '@', a Linux abstract socket (the '@' stands for the initial NUL byte).
 * Main thread only. */
#include <config.h> /* first: _GNU_SOURCE */

#include "server/sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server/base/err.h"

/* The connected notification socket, or -1. */
static int g_fd = -1;

int sdnotify_open(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !path[0] || g_fd >= 0)
		return GS_OK;

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
}
