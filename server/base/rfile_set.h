/* SPDX-License-Identifier: MIT
 * rfile_set.h -- a source set: the files one load read through rfile_read (rfile.h),
 * each kept whole in memory with what fstat said of it, so that the same load can be
 * made again without the disk. A re-sign (server/load/reload.c) builds its snapshot from
 * the source set of the data being served, never from what the files hold now.
 *
 * What rfile_read does is a setting of the calling thread (each load runs on one
 * thread): read the disk (the default), read the disk and add every file read to a set
 * (recording), or serve every read from a set and open nothing (replaying). A set is
 * immutable once its recording ended; any thread may free it. */
#ifndef GS_RFILE_SET_H
#define GS_RFILE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "server/base/compiler.h"

struct rfile_set;

/* An empty set. Never NULL. */
struct rfile_set *rfile_set_new(void) GS_WUR;
/* Frees s; accepts NULL. */
void rfile_set_free(struct rfile_set *s);
/* How many files, and how many bytes of file data, s holds. */
size_t rfile_set_files(const struct rfile_set *s) GS_NONNULL;
size_t rfile_set_bytes(const struct rfile_set *s) GS_NONNULL;

/* On the calling thread, until the next of these three calls: every rfile_read also
 * adds the file it read to s (a file read twice is kept twice, in order); ... */
void rfile_set_record(struct rfile_set *s) GS_NONNULL;
/* ... or every rfile_read is served from s (the copies of one path in the order they
 * were recorded, then the last one again), a path s lacks fails with ENOENT, and
 * rfile_open fails with ENOENT (nothing is opened); s must stay unchanged meanwhile; ... */
void rfile_set_replay(const struct rfile_set *s) GS_NONNULL;
/* ... or rfile_read and rfile_open use the disk only, as at thread start. */
void rfile_set_direct(void);

/* Whether the calling thread records into a set or replays one (not the default). */
bool rfile_set_active(void);

/* For rfile.c. Whether the calling thread replays; rfile_set_serve then serves path as
 * rfile_read would (same results, errno and *why). */
bool rfile_set_replaying(void);
int rfile_set_serve(const char *path, size_t max, char **buf, size_t *len, struct stat *st,
                    const char **why) GS_NONNULLX(1, 3, 4, 6);
/* When the calling thread records: adds a copy of the file just read (buf[0..len), st). */
void rfile_set_note(const char *path, const char *buf, size_t len,
                    const struct stat *st) GS_NONNULL;

#endif
