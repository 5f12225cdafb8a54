/* SPDX-License-Identifier: MIT
 * daemon.h -- the running daemon's life cycle once its configuration and first snapshot
 * are loaded: bind, drop privileges, publish the snapshot, start the workers, tell
 * systemd we are ready, wait for a signal, stop everything and free it. Main thread. */
#ifndef GS_DAEMON_H
#define GS_DAEMON_H

#include <stddef.h>

#include "server/base/compiler.h"
#include "server/config/config.h"
#include "server/query/snapshot.h"

/* Most worker threads "threads: auto" starts, whatever the number of CPUs. */
#define DAEMON_MAX_AUTO_THREADS 64

/* Worker threads for cfg: its threads value, or one per CPU this process may run on
 * (capped at DAEMON_MAX_AUTO_THREADS) for auto. */
unsigned daemon_thread_count(const struct cfg *cfg) GS_NONNULL;

/* Checks what can be checked about cfg->user without switching to it: warns in d, at
 * the user: line, when the account does not exist on this machine; likewise for the
 * group of control_readonly. */
void daemon_check_user(const struct cfg *cfg, struct diag *d) GS_NONNULL;

struct rfile_set;
/* Runs the daemon until SIGTERM or SIGINT (SIGHUP reloads). Takes ownership of snap (it
 * is published, then freed at exit or by a reload) and of src (NULL for none: the files
 * snap was loaded from, server/base/rfile_set.h, which re-signs rebuild it from); cfg
 * stays the caller's, and must live until this returns (the control plane reads it).
 * Returns the process exit status: 0 after a clean stop, 1 when start-up failed
 * (already logged). */
int daemon_run(const struct cfg *cfg, struct snapshot *snap, struct rfile_set *src)
        GS_NONNULLX(1, 2) GS_WUR;

#endif
