/* SPDX-License-Identifier: MIT
 * rfile.h -- opening and reading a configured file (the configuration, a zone file, an
 * $INCLUDE, a GeoIP database, the state file) without ever blocking on something that
 * is not a regular file: the open itself is nonblocking (a FIFO with no writer, a
 * terminal), the descriptor is checked with fstat, and only a regular file is handed
 * back. Any thread. */
#ifndef GS_RFILE_H
#define GS_RFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "server/base/compiler.h"

/* Opens path read-only (close-on-exec) as a regular file. Returns the descriptor, in
 * blocking mode, and fills *st when st is not NULL; or -1 with errno set and *why a
 * static text: strerror(errno), "it is a folder", "it is a FIFO, not a regular
 * file", ... (errno EISDIR for a folder, EINVAL for any other kind of file). */
int rfile_open(const char *path, struct stat *st, const char **why) GS_NONNULLX(1, 3);

/* Reads the whole regular file path into a NUL-terminated buffer (owned by the caller;
 * *len excludes the NUL) when it is at most max bytes. Returns 0, or -1 with errno set
 * and *why a static text (as rfile_open; "larger than the limit" with EFBIG). On a
 * thread that records or replays a source set (rfile_set.h), the file is also kept in
 * the set, or served from it without touching the disk. */
int rfile_read(const char *path, size_t max, char **buf, size_t *len, struct stat *st,
               const char **why) GS_NONNULLX(1, 3, 4, 6);

#endif
