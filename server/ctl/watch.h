/* SPDX-License-Identifier: MIT
 * watch.h -- `watch: true`: reloads by itself when a file the configuration names
 * changes: the configuration file, every zone file, the GeoIP databases. One thread
 * watches the folders that hold them with inotify (editors and deploy tools replace a
 * file by renaming another over it, which a watch on the file itself would miss) and,
 * 500 ms after the last change to one of those names (at most 5 s after the first),
 * reloads through reload_run() -- the very path of the control socket's `reload`
 * and of SIGHUP: built off the query path, every FILE:LINE problem logged, the old
 * snapshot kept on failure. After every reload, whoever started it, the set of files is
 * read again from the configuration file, so a zone added by a reload is watched too.
 * Files pulled in by $INCLUDE are not watched (the zone loader does not report them):
 * touch the zone file, or reload, after changing one.
 *
 * Threads: watch_new, watch_start, watch_stop, watch_free on the main thread; the
 * watcher on its own thread. */
#ifndef GS_WATCH_H
#define GS_WATCH_H

#include "server/base/compiler.h"
#include "server/config/config.h"

struct watch;
struct reload;

/* Quiet time after the last change before reloading, and the longest a reload waits
 * while changes keep coming (milliseconds). */
#define WATCH_DEBOUNCE_MS  500
#define WATCH_MAX_DELAY_MS 5000

/* Creates the watcher for cfg (the configuration loaded at start; borrowed until
 * watch_free) and registers with r for the end of every reload. Returns GS_OK and sets
 * *out, or GS_EIO (logged: inotify not available). Main thread, before any thread
 * that reloads is started. */
int watch_new(const struct cfg *cfg, struct reload *r, struct watch **out) GS_NONNULL GS_WUR;

/* Starts the watcher thread. Returns GS_OK or GS_EIO (logged). Main thread. */
int watch_start(struct watch *w) GS_NONNULL GS_WUR;

/* Stops and joins the thread (waits for a reload it is running). Main thread. */
void watch_stop(struct watch *w) GS_NONNULL;

/* Frees w; accepts NULL. Main thread. */
void watch_free(struct watch *w);

#endif
