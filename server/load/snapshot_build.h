/* SPDX-License-Identifier: MIT
 * snapshot_build.h -- building a struct snapshot (server/query/snapshot.h) from a
 * configuration: zones, steering table, identity, rate limiting, cookies. */
#ifndef GS_SNAPSHOT_BUILD_H
#define GS_SNAPSHOT_BUILD_H

#include <stdio.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"
#include "server/query/snapshot.h"
#include "zones/zone_signing.h"

/* Builds a snapshot from cfg: loads every zone, compiles the GeoIP maps and services
 * (server/load/steer_build.h; the GeoIP databases are closed again before this returns) and
 * runs the checks that need zone data.
 * Problems go to d as FILE:LINE lines. Returns GS_OK and sets *out, or GS_EPARSE /
 * GS_EIO (nothing is leaked). Load thread only. */
int snapshot_build(const struct cfg *cfg, struct diag *d, struct snapshot **out) GS_NONNULL GS_WUR;

/* The same, for a re-sign: cfg was loaded from the same configuration text as from (the
 * serving snapshot), whose compiled maps and GeoIP metadata the new snapshot shares
 * (server/load/steer_maps.h) instead of reading the databases again. Zones and keys are
 * read through rfile_read as always: from the source set when the thread replays one
 * (server/base/rfile_set.h). */
int snapshot_rebuild(const struct cfg *cfg, const struct snapshot *from, struct diag *d,
                     struct snapshot **out) GS_NONNULL GS_WUR;

/* Loads zone zone_idx of cfg into a as snapshot_build() does: signed when it has a `dnssec:`
 * block, its denial chain then covering the names the services steer in it (with A
 * and/or AAAA as their addresses have). When dump is not NULL, a signed zone is also
 * printed there in zone file form. When keep is not NULL, *keep receives the keys of a
 * zone geosteer signed (zones/zone_signing.h; free with zone_signing_free), NULL for
 * any other. Returns what zone_load() returns. */
int snapshot_load_zone(const struct cfg *cfg, size_t zone_idx, struct arena *a, struct diag *d,
                       FILE *dump, const struct zone **out, struct zone_signing **keep)
        GS_NONNULLX(1, 3, 4, 6) GS_WUR;

#endif
