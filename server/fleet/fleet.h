/* SPDX-License-Identifier: MIT
 * fleet.h -- one view of health and forces across nameservers, on etcd
 * (docs/design.md rule 6; operator page docs/fleet.md).
 *
 * Each node publishes its own check result for every monitored (check, address) under
 * PREFIX/obs/NODE/CHECK/ADDRESS, bound to a lease of stale_after that it renews, plus
 * PREFIX/node/NODE (renewed with the lease: the node is alive). It watches PREFIX and
 * computes, for every address it monitors, the fleet's verdict from the fresh
 * observations of every node that runs the same check definition (verdict.h); the
 * verdict goes into the health table's targets (health_fleet_visit), so the query path
 * keeps reading the same cells and never waits for etcd. Forces live under
 * PREFIX/force/dc/NAME and PREFIX/force/addr/ADDRESS; every node mirrors them into its
 * health forces (and so its state file), a timed one with a lease of its duration.
 *
 * When etcd cannot be reached, or this node's lease is lost, the node is degraded: its
 * targets follow its own checks, the forces it knew stay, status, metrics and the log
 * say so, and it reconnects by itself (back-off up to 2 s).
 *
 * Threads: the fleet thread does all of the above (blocking curl calls with deadlines);
 * a watch thread holds the watch stream; fleet_force runs on the control thread;
 * fleet_*_text on the control and metrics threads. */
#ifndef GS_FLEET_H
#define GS_FLEET_H

#include <stdbool.h>
#include <stdio.h>

#include "server/base/compiler.h"
#include "server/base/kv.h"
#include "server/config/config.h"
#include "server/health/health.h"

struct fleet;

/* Creates the fleet client for cfg->fleet (which must be set) and h (borrowed until
 * fleet_free), reading password_file if given. The node name is fleet.node, else
 * identity, else the host name. GS_OK and *out, or GS_EIO (logged). Main thread. */
int fleet_new(const struct cfg *cfg, struct health *h, struct fleet **out) GS_NONNULL GS_WUR;
/* Starts the fleet thread. GS_OK or GS_EIO (logged). Main thread, after the health
 * table is installed. */
int fleet_start(struct fleet *f) GS_NONNULL GS_WUR;
/* Stops the threads, revokes this node's lease (its observations go at once; bounded
 * wait), frees f; accepts NULL. Main thread. */
void fleet_free(struct fleet *f);

/* Writes a force to etcd for every node: what is a datacenter name or, with is_addr,
 * an address text; HEALTH_FORCE_AUTO deletes it. info: who, when, why, until (a timed
 * force gets a lease of its duration). Returns GS_OK once etcd accepted it, else
 * GS_EIO with the reason in why. The caller applies it locally as well. Control
 * thread. */
int fleet_force(struct fleet *f, const char *what, bool is_addr, enum health_force force,
                const struct health_force_info *info, char *why, size_t cap) GS_NONNULL GS_WUR;

/* This node's name in the fleet (borrowed until fleet_free). */
const char *fleet_node(const struct fleet *f) GS_NONNULL;
/* The records of `geosteerctl status` about the fleet (kv.h: the text lines and the
 * JSON members fleet, nodes, verdicts, fleet_forces, conflict[]). */
void fleet_status_kv(struct fleet *f, struct kv *k) GS_NONNULL;
/* The Prometheus families geosteer_fleet_* (owned text). */
char *fleet_metrics_text(struct fleet *f) GS_NONNULL;
/* For `geosteerctl explain`: for every monitored address that occurs in shown (the
 * addresses the explanation shows, any separators), the verdict (a "fleet" item) and
 * each node's observation with its age ("fleet_node" items, "  node:" lines); nothing
 * when none occurs. */
void fleet_explain_kv(struct fleet *f, const char *shown, struct kv *k) GS_NONNULL;

#endif
