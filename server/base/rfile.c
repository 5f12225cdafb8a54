/* SPDX-License-Identifier: MIT
 * rfile.c -- nonblocking open of regular files only, and whole-file reads (rfile.h),
 * recorded into or served from a source set when the thread says so (rfile_set.h). */
#include "server/base/rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/base/rfile_set.h"
#include "server/base/xalloc.h"

/* What kind of file st describes, for the refusal message. */
static const char *kind_text(mode_t mode)
{
	if (S_ISDIR(mode))
		return "it is a folder";
	if (S_ISFIFO(mode))
		return "it is a FIFO, not a regular file";
	if (S_ISSOCK(mode))
		return "it is a socket, not a regular file";
	if (S_ISCHR(mode))
		return "it is a character device, not a regular file";
	if (S_ISBLK(mode))
		return "it is a block device, not a regular file";
	return "not a regular file";
}

int rfile_open(const char *path, struct stat *st, const char **why)
{
	if (rfile_set_replaying()) {
		/* A replayed load reads only what its source set holds (rfile_set.h). */
		errno = ENOENT;
		*why = "not among the files the data being served was loaded from";
		return -1;
	}
	/* O_NONBLOCK: opening a FIFO for reading waits for a writer otherwise (and a
	 * device's open may wait for carrier); O_NOCTTY: a terminal never becomes ours. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		*why = strerror(errno);
		return -1;
	}
	struct stat s;
	if (fstat(fd, &s) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		*why = strerror(e);
		return -1;
	}
	if (!S_ISREG(s.st_mode)) {
		close(fd);
		errno = S_ISDIR(s.st_mode) ? EISDIR : EINVAL;
		*why = kind_text(s.st_mode);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		*why = strerror(e);
		return -1;
	}
	if (st)
		*st = s;
	*why = NULL;
	return fd;
}

int rfile_read(const char *path, size_t max, char **buf, size_t *len, struct stat *st,
               const char **why)
{
	if (rfile_set_replaying())
		return rfile_set_serve(path, max, buf, len, st, why);
	*buf = NULL;
	*len = 0;
	struct stat s;
	int fd = rfile_open(path, &s, why);
	if (fd < 0)
		return -1;
	if ((unsigned long long)s.st_size > max) {
		close(fd);
		errno = EFBIG;
		*why = "larger than the limit";
		return -1;
	}
	/* The size is a hint: the file may change while it is read. */
	size_t cap = (size_t)s.st_size + 1 < 4096 ? 4096 : (size_t)s.st_size + 1;
	size_t n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		if (n + 1 == cap) {
			if (cap > max) {
				free(b);
				close(fd);
				errno = EFBIG;
				*why = "larger than the limit";
				return -1;
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		ssize_t got = read(fd, b + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(b);
			close(fd);
			errno = e;
			*why = strerror(e);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n > max) {
		free(b);
		errno = EFBIG;
		*why = "larger than the limit";
		return -1;
	}
	b[n] = '\0';
	rfile_set_note(path, b, n, &s);
	*buf = b;
	*len = n;
	if (st)
		*st = s;
	*why = NULL;
	return 0;
}
