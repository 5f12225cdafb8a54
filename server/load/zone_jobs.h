/* SPDX-License-Identifier: MIT
 * zone_jobs.h -- loads the zone files of a configuration several at a time, so that a
 * configuration with many zone files loads faster on several cores; for snapshot_build.c.
 * Each zone goes into an arena and a diag of its own on a thread of its own;
 * snapshot_build then takes them in configuration order, so the messages come out in the
 * same order as a serial load and the snapshot's arena adopts each zone's blocks. Zones
 * that geosteer signs (`dnssec:`) are left to snapshot_build, which loads them as before.
 * Called from the thread that builds the snapshot; the threads it starts end before it
 * returns. */
#ifndef GS_ZONE_JOBS_H
#define GS_ZONE_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"
#include "zones/zone.h"

struct zone_jobs;

/* Loads zone i of cfg into a, reporting to d (snapshot_build.c's, for a zone that is
 * not signed here); returns GS_OK and sets *out, or an error. Called on any thread. */
typedef int (*zone_jobs_load_fn)(const struct cfg *cfg, size_t i, struct arena *a, struct diag *d,
                                 const struct zone **out);

/* Loads with load every zone of cfg that is not signed here and does not repeat an
 * earlier entry, when there are at least two of them and more than one CPU; returns
 * NULL otherwise (nothing was loaded: the caller loads every zone itself). */
struct zone_jobs *zone_jobs_run(const struct cfg *cfg, zone_jobs_load_fn load) GS_NONNULL;
/* When zone i was loaded by zone_jobs_run: appends its messages to d, moves its arena
 * into a, sets *out (NULL when it failed) and *rc (what the load function returned),
 * and returns true. False when zone i is the caller's to load (or js is NULL). */
bool zone_jobs_take(struct zone_jobs *js, size_t i, struct arena *a, struct diag *d,
                    const struct zone **out, int *rc) GS_NONNULLX(3, 4, 5, 6);
/* Frees what was not taken; accepts NULL. */
void zone_jobs_free(struct zone_jobs *js);

#endif
