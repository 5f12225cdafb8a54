/* SPDX-License-Identifier: MIT
 * ctl_client.c -- geosteerctl's control-socket client (ctl_client.h): one request per
 * connection, response lines parsed with server/ctl/ctl_proto.h, everything bounded by one
 * deadline so that a stuck daemon cannot hang a script. Single-threaded tool code. */
#include <config.h>

#include "tools/ctl_client.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/ctl/ctl_proto.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connects to path with the send timeout set (a full backlog makes connect wait).
 * Returns the socket, or -1 with errno set. */
static int connect_to(const char *path, unsigned timeout_ms)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* What reading the response came to. */
enum outcome { GOT_OK, GOT_ERR, BROKEN };

/* Handles one response line: data lines are kept in data until the status line says
 * where they belong (standard output after OK, standard error after ERR: a failed
 * reload's FILE:LINE lines are errors). Returns true when it was the status line. */
static bool one_line(const char *line, FILE *data, enum outcome *res)
{
	const char *text;
	switch (ctl_parse_line(line, &text)) {
	case CTL_LINE_DATA:
		fprintf(data, "%s\n", text);
		return false;
	case CTL_LINE_OK:
		if (*text)
			fprintf(data, "%s\n", text);
		*res = GOT_OK;
		return true;
	case CTL_LINE_ERR:
		fprintf(data, "geosteerctl: %s\n", *text ? text : "the daemon reports an error");
		*res = GOT_ERR;
		return true;
	default:
		fprintf(data, "geosteerctl: unexpected line from the daemon: %.200s\n", text);
		*res = BROKEN;
		return true;
	}
}

/* Reads and prints the response until its status line. */
static enum outcome read_response(int fd, const char *path, long long deadline, FILE *out,
                                  FILE *err)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	enum outcome res = BROKEN;
	char *data_text = NULL;
	size_t data_len = 0;
	FILE *data = open_memstream(&data_text, &data_len);
	if (!buf || !data) {
		fprintf(err, "geosteerctl: out of memory\n");
		free(buf);
		if (data)
			fclose(data);
		free(data_text);
		return BROKEN;
	}
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			fprintf(data, "geosteerctl: no complete answer from %s in time%s%s\n", path,
			        pr < 0 ? ": " : "", pr < 0 ? strerror(errno) : "");
			break;
		}
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				fprintf(data, "geosteerctl: out of memory\n");
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(data, "geosteerctl: reading from %s: %s\n", path, strerror(errno));
			break;
		}
		if (r == 0) {
			fprintf(data,
			        "geosteerctl: %s closed the connection before the status line\n",
			        path);
			break;
		}
		len += (size_t)r;
		/* Handle every complete line; keep the rest. */
		size_t start = 0;
		bool done = false;
		for (size_t i = 0; i < len && !done; i++) {
			if (buf[i] != '\n')
				continue;
			buf[i] = '\0';
			done = one_line(buf + start, data, &res);
			start = i + 1;
		}
		if (done)
			break;
		memmove(buf, buf + start, len - start);
		len -= start;
	}
	free(buf);
	fclose(data);
	fwrite(data_text, 1, data_len, res == GOT_OK ? out : err);
	free(data_text);
	return res;
}

int ctl_client_run(const char *path, char *const *words, int n, unsigned timeout_ms, FILE *out,
                   FILE *err)
{
	char req[CTL_REQUEST_MAX];
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		size_t wl = strlen(words[i]);
		if (len + wl + 2 > sizeof(req)) {
			fprintf(err, "geosteerctl: the request is longer than %d bytes\n",
			        CTL_REQUEST_MAX - 1);
			return 1;
		}
		if (i > 0)
			req[len++] = ' ';
		memcpy(req + len, words[i], wl);
		len += wl;
	}
	req[len++] = '\n';

	long long deadline = now_ms() + timeout_ms;
	int fd = connect_to(path, timeout_ms);
	if (fd < 0) {
		fprintf(err, "geosteerctl: cannot connect to %s: %s\n", path, strerror(errno));
		fprintf(err,
		        "geosteerctl: is geosteerd running with this control socket? (-s SOCKET, "
		        "or -c FILE for its control: path)\n");
		return 1;
	}
	enum outcome res = BROKEN;
	if (!send_all(fd, req, len))
		fprintf(err, "geosteerctl: sending to %s: %s\n", path, strerror(errno));
	else
		res = read_response(fd, path, deadline, out, err);
	close(fd);
	fflush(out);
	return res == GOT_OK ? 0 : 1;
}
