/* SPDX-License-Identifier: MIT
 * reload.h -- reload orchestration: load the configuration file again, build a new
 * snapshot off the query path, install its health table (through the monitor when one
 * runs), publish it with RCU and count the outcome; a failed load keeps the old
 * snapshot serving. It also owns the health monitor's life cycle, which a reload may
 * have to start (the first service with a check), and the GeoIP database paths of the
 * serving configuration.
 *
 * Callers: the control socket's `reload` (control thread), SIGHUP (main thread), the
 * file watcher, and the main thread's re-signing of signed zones (reload_resign), which
 * rebuilds the serving data from memory (the files its load read, kept as a source set,
 * server/base/rfile_set.h), counted apart. Reloads, and readers of the published snapshot that
 * must not see it freed under them (status, explain), are serialised by reload_lock /
 * reload_unlock.
 *
 * Daemon order (server/daemon.c):
 *
 *   reload_new(cfg, health, src, snap) main, once; cfg is the configuration loaded at
 *                                   start, snap what was built from it, src the files
 *                                   that load read
 *   health_install(h, snap->health); snapshot_publish(snap);
 *   reload_monitor_start(r)         starts the monitor when some service has a check
 *                                   (else a later reload may)
 *   ... reload_run(r, ...) from any of the callers above ...
 *   reload_free(r)                  stops the monitor (before the snapshot that owns
 *                                   the health table it reads is freed)
 */
#ifndef GS_RELOAD_H
#define GS_RELOAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "server/base/compiler.h"
#include "server/base/dname.h"
#include "server/base/diag.h"
#include "server/config/config.h"
#include "server/health/health.h"

struct reload;

struct rfile_set;
struct snapshot;
/* Creates the reload state for the start configuration cfg and the health state h (both
 * borrowed until reload_free), with src (owned from here on; NULL for none): the files
 * the snapshot first was loaded from, recorded by rfile_set_record. A source set is
 * kept only while the serving data has a zone geosteer signs (the only ones re-signed).
 * Never NULL. Main thread. */
struct reload *reload_new(const struct cfg *cfg, struct health *h, struct rfile_set *src,
                          const struct snapshot *first) GS_NONNULLX(1, 2, 4) GS_WUR;

/* Starts the health monitor when the published snapshot has monitored targets and it
 * does not run yet. Returns GS_OK or GS_EIO (logged). Main thread, after the first
 * snapshot_publish. */
int reload_monitor_start(struct reload *r) GS_NONNULL GS_WUR;

/* Loads the configuration file again and, when it and every zone load without error,
 * keeps every file it read (the new source set, replacing the old one; none when no
 * zone is signed by geosteer),
 * installs the new health table (through the monitor when it runs) and publishes the
 * new snapshot; otherwise the old snapshot keeps serving. Every FILE:LINE problem goes
 * to d (warnings too, such as settings that need a restart); summary receives one line
 * saying what happened. Returns GS_OK or the load error. Any thread but a worker. */
int reload_run(struct reload *r, struct diag *d, char *summary, size_t cap) GS_NONNULL;

/* Renews the signatures of the zones geosteer signs: builds and publishes a new snapshot
 * as reload_run does, but from the source set of the serving data (the configuration,
 * zone files and keys as they were read by the last successful load; the disk is not
 * read, so an edit not reloaded yet is not applied and a broken file does not matter)
 * and with the serving snapshot's compiled maps (no GeoIP database is read). Health,
 * forces and the signer carry over as in a reload. Counted in the re-sign counters,
 * not the reload ones; logs for each signed zone until when its new signatures are
 * valid. Main thread. */
int reload_resign(struct reload *r, struct diag *d, char *summary, size_t cap) GS_NONNULL;

/* When the published snapshot's signatures must be made again: a quarter of their
 * lifetime before the earliest expiry among the zones geosteer signs. */
struct reload_resign_plan {
	time_t due;                /* re-sign at or after this time (wall clock) */
	time_t expires;            /* the earliest expiry */
	unsigned retry_s;          /* after a failed re-sign, try again this much later */
	char zone[DNAME_TEXT_MAX]; /* the zone whose signatures expire first */
};
/* Fills out and returns true when some zone of the published snapshot is signed by
 * geosteer; false otherwise. Takes reload_lock (waits for a reload in progress). */
bool reload_resign_plan(struct reload *r, struct reload_resign_plan *out) GS_NONNULL;

/* An eventfd that becomes readable each time a reload or re-sign publishes a snapshot
 * (the re-sign time may have moved): the main thread polls it and reads it empty.
 * -1 when it could not be made. */
int reload_wake_fd(struct reload *r) GS_NONNULL;

/* Calls fn(arg) at the end of every reload, successful or not, on the thread that
 * reloaded (the watcher uses it to learn the files of the new configuration). Main
 * thread, before any thread that reloads runs. */
void reload_on_done(struct reload *r, void (*fn)(void *arg), void *arg) GS_NONNULLX(1);

/* Holds off reloads while the caller reads the published snapshot or the fields below. */
void reload_lock(struct reload *r) GS_NONNULL;
void reload_unlock(struct reload *r) GS_NONNULL;

/* Under reload_lock: the start configuration, whether the monitor runs, and the GeoIP
 * database paths of the serving configuration (NULL without one). */
const struct cfg *reload_start_cfg(const struct reload *r) GS_NONNULL;
bool reload_has_monitor(const struct reload *r) GS_NONNULL;

struct steer_resign;
/* What each reload calls with its snapshot's signing state (server/load/steer_resign.h,
 * NULL for none) before publishing it: the signer thread's attach (server/signer.h);
 * arg outlives r. Set before any thread reloads. */
void reload_set_signer(struct reload *r, void (*attach)(void *arg, struct steer_resign *s),
                       void *arg) GS_NONNULLX(1);
const char *reload_db_path(const struct reload *r) GS_NONNULL;
const char *reload_asn_db_path(const struct reload *r) GS_NONNULL;

/* Reload counters: read with relaxed atomic loads, so this never waits for a reload in
 * progress (the metrics endpoint). Any thread. */
struct reload_counters {
	uint64_t ok, failed;               /* since start (the first load not counted) */
	time_t last_success, last_failure; /* wall clock; 0 when none yet */
	uint64_t resign_ok, resign_failed; /* re-signs (reload_resign), apart from the above */
	time_t last_resign;                /* wall clock of the last good re-sign; 0: none */
};
void reload_counters(const struct reload *r, struct reload_counters *out) GS_NONNULL;

/* Stops the monitor and frees r; accepts NULL. Once nothing reloads any more, before
 * the last snapshot is freed. Main thread. */
void reload_free(struct reload *r);

#endif
