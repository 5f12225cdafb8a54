/* SPDX-License-Identifier: MIT
 * reload.h -- reload orchestration: load the configuration file again, build a new
 * snapshot off the query path, install its health table (through the monitor when one
 * runs), publish it with RCU and count the outcome; a failed load keeps the old
 * snapshot serving. It also owns the health monitor's life cycle, which a reload may
 * have to start (the first service with a check), and the GeoIP database paths of the
 * serving configuration.
 *
 * Callers: the control socket's `reload` (control thread), SIGHUP (main thread) and the
 * file watcher. Reloads, and readers of the published snapshot that must not see it
 * freed under them (status, explain), are serialised by reload_lock / reload_unlock.
 *
 * Daemon order (server/daemon.c):
 *
 *   reload_new(cfg, health)         main, once; cfg is the configuration loaded at start
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
#include "server/base/diag.h"
#include "server/config/config.h"
#include "server/health/health.h"

struct reload;

/* Creates the reload state for the start configuration cfg and the health state h (both
 * borrowed until reload_free). Never NULL. Main thread. */
struct reload *reload_new(const struct cfg *cfg, struct health *h) GS_NONNULL GS_WUR;

/* Starts the health monitor when the published snapshot has monitored targets and it
 * does not run yet. Returns GS_OK or GS_EIO (logged). Main thread, after the first
 * snapshot_publish. */
int reload_monitor_start(struct reload *r) GS_NONNULL GS_WUR;

/* Loads the configuration file again and, when it and every zone load without error,
 * installs the new health table (through the monitor when it runs) and publishes the
 * new snapshot; otherwise the old snapshot keeps serving. Every FILE:LINE problem goes
 * to d (warnings too, such as settings that need a restart); summary receives one line
 * saying what happened. Returns GS_OK or the load error. Any thread but a worker. */
int reload_run(struct reload *r, struct diag *d, char *summary, size_t cap) GS_NONNULL;

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
const char *reload_db_path(const struct reload *r) GS_NONNULL;
const char *reload_asn_db_path(const struct reload *r) GS_NONNULL;

/* Reload counters: read with relaxed atomic loads, so this never waits for a reload in
 * progress (the metrics endpoint). Any thread. */
struct reload_counters {
	uint64_t ok, failed;               /* since start (the first load not counted) */
	time_t last_success, last_failure; /* wall clock; 0 when none yet */
};
void reload_counters(const struct reload *r, struct reload_counters *out) GS_NONNULL;

/* Stops the monitor and frees r; accepts NULL. Once nothing reloads any more, before
 * the last snapshot is freed. Main thread. */
void reload_free(struct reload *r);

#endif
