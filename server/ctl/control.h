/* SPDX-License-Identifier: MIT
 * control.h -- the daemon's control plane: the control socket (`control:`, a Unix
 * stream socket served on its own thread and libev loop, never on a worker) and the
 * optional read-only one (`control_readonly:`, which refuses force and reload), and the
 * commands behind them (status, health, force, stats, reload, explain; protocol in
 * ctl_proto.h and docs/control.md). Reloading itself is server/load/reload.h.
 *
 * Threads: control_new, control_start, control_stop and control_free run on the main
 * thread; the commands on the control thread.
 *
 * Daemon order (server/daemon.c):
 *
 *   control_new(&params, &c)                 binds the socket (before dropping
 *                                            privileges: /run/geosteer is root's)
 *   workers start; control_start(c, actx)    serves the socket
 *   control_stop(c)                          joins the control thread (before the
 *                                            workers it reads counters from are freed)
 *   workers stop and are freed
 *   control_free(c)                          closes and unlinks the socket
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
struct reload;

struct control_params {
	/* The configuration loaded at start (borrowed until control_free): its control:
	 * and control_readonly: paths are the sockets; status shows its path. */
	const struct cfg *cfg;
	struct health *health; /* borrowed until control_free */
	struct reload *reload; /* borrowed until control_free: `reload`, status, explain */
	/* With `fleet:` (else NULL), borrowed until control_free: force goes through etcd;
	 * status and explain show the fleet. */
	struct fleet *fleet;
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

/* Starts the control thread serving the socket (no-op without one). The answer contexts
 * actx[0 .. n_ctx) of the n_workers workers are read for `stats` and `status` (borrowed
 * until control_stop). Returns GS_OK or GS_EIO (logged). Main thread. */
int control_start(struct control *c, struct answer_ctx *const *actx, unsigned n_ctx,
                  unsigned n_workers) GS_NONNULL GS_WUR;

/* Stops and joins the control thread (no-op when it does not run). Main thread. */
void control_stop(struct control *c) GS_NONNULL;

/* Closes and unlinks the socket, frees c; accepts NULL. After control_stop. Main
 * thread. */
void control_free(struct control *c);

#endif
