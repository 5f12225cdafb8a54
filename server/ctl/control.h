/* SPDX-License-Identifier: MIT
 * control.h -- the daemon's control plane: the control socket (`control:`, a Unix
 * stream socket served on its own thread and libev loop, never on a worker) and the
 * optional read-only one (`control_readonly:`, which refuses force and reload), the
 * commands behind them (status, health, force, stats, reload; protocol in ctl_proto.h and
 * docs/control.md), reloading (also on SIGHUP), and the health monitor's life cycle,
 * which a reload may have to start.
 *
 * Threads: control_new, control_monitor_start, control_start, control_stop and
 * control_free run on the main thread; control_reload on the main thread (SIGHUP) or
 * the control thread (the reload command). Reloads, status and the snapshot
 * publication they do are serialised by a mutex inside struct control, so the main
 * thread and the control thread never publish at the same time.
 *
 * Daemon order (server/daemon.c):
 *
 *   health_new(cfg->state_file)              main, once
 *   control_new(&params, &c)                 binds the socket (before dropping
 *                                            privileges: /run/geosteer is root's)
 *   health_install(h, snap->health); snapshot_publish(snap);
 *   control_monitor_start(c)                 starts the monitor when some service has
 *                                            a check (else a later reload may)
 *   workers start; control_start(c, workers) serves the socket
 *   ... SIGHUP: control_reload(c, ...) ...
 *   control_stop(c)                          joins the control thread (before the
 *                                            workers it reads counters from are freed)
 *   workers stop and are freed
 *   control_free(c)                          monitor_stop, close and unlink the socket
 *   snapshot_publish(NULL); health_free(h)
 */
#ifndef GS_CONTROL_H
#define GS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"
#include "server/health/health.h"

struct control;
struct answer_ctx;

struct control_params {
	/* The configuration loaded at start (borrowed until control_free): its path is
	 * what a reload loads again, its control: path is the socket, and settings that
	 * only a restart applies are compared against it. */
	const struct cfg *cfg;
	struct health *health; /* borrowed until control_free */
	/* Create the socket. False: control_start serves nothing (reload still works
	 * through SIGHUP). */
	bool has_socket;
};

/* Creates the control plane and, when p->has_socket, the socket at p->cfg->control:
 * creates its folder when missing (mode 0755), refuses when another daemon answers on
 * it, removes a stale socket file, binds with mode 0660 and listens. When cfg->user is
 * set the socket (and a folder created here) is given to that user and its group. The
 * read-only socket of cfg->control_readonly, when set, is made the same way, then given
 * to its group when one is named (failing to is an error).
 * When control: is not in the configuration and the default path cannot be created
 * for lack of permission, a warning is logged and the daemon runs without a socket.
 * Returns GS_OK and sets *out, or GS_EIO / GS_EEXIST (logged). Main thread. */
int control_new(const struct control_params *p, struct control **out) GS_NONNULL GS_WUR;

/* Starts the health monitor when the published snapshot has monitored targets and it
 * does not run yet. Returns GS_OK or GS_EIO (logged). Main thread, after the first
 * snapshot_publish. */
int control_monitor_start(struct control *c) GS_NONNULL GS_WUR;

/* Starts the control thread serving the socket (no-op without one). workers[0 .. n)
 * are read for `stats` and `status` (borrowed until control_stop). Returns GS_OK or
 * GS_EIO (logged). Main thread. */
int control_start(struct control *c, struct answer_ctx *const *actx, unsigned n) GS_NONNULL GS_WUR;

/* Loads the configuration file again and, when it and every zone load without error,
 * installs the new health table (through the monitor when it runs) and publishes the
 * new snapshot; otherwise the old snapshot keeps serving. Every FILE:LINE problem goes
 * to d (warnings too, such as settings that need a restart); summary receives one line
 * saying what happened. Returns GS_OK or the load error. Main or control thread. */
int control_reload(struct control *c, struct diag *d, char *summary, size_t cap) GS_NONNULL;

/* Calls fn(arg) at the end of every reload, successful or not, on the thread that
 * reloaded (the watcher uses it to learn the files of the new configuration). Main
 * thread, before any thread that reloads runs. */
void control_on_reload(struct control *c, void (*fn)(void *arg), void *arg) GS_NONNULLX(1);

/* Reload counters for the metrics endpoint: read with relaxed atomic loads, so this
 * never waits for a reload in progress. Any thread. */
struct control_counters {
	uint64_t reloads_ok, reloads_failed; /* since start (the first load not counted) */
	time_t last_success, last_failure;   /* wall clock; 0 when none yet */
	time_t started;                      /* wall clock of control_new (process start) */
};
void control_counters(const struct control *c, struct control_counters *out) GS_NONNULL;

/* Stops and joins the control thread (no-op when it does not run). Main thread. */
void control_stop(struct control *c) GS_NONNULL;

/* Stops the monitor, closes and unlinks the socket, frees c; accepts NULL. After
 * control_stop, before the last snapshot is freed. Main thread. */
void control_free(struct control *c);

#endif
