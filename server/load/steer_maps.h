/* SPDX-License-Identifier: MIT
 * steer_maps.h -- the compiled geo maps of a configuration, with what was read of the
 * GeoIP database, in an arena of their own and shared by reference count between the
 * snapshots built from the same configuration: a re-sign (server/load/reload.c) builds
 * a new snapshot from the serving one's configuration and zone bytes, and takes that
 * snapshot's maps instead of reading the databases again (they may have changed on
 * disk). Load thread; the last reference may be dropped by any thread that frees a
 * snapshot. */
#ifndef GS_STEER_MAPS_H
#define GS_STEER_MAPS_H

#include <stddef.h>

#include "geoip/geo.h"
#include "geoip/geodb.h"
#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"

struct steer_maps {
	unsigned refs;
	struct arena *arena;         /* owns the maps */
	const struct geo_map **maps; /* one per cfg->maps entry; NULL: it did not compile */
	size_t n;
	struct geodb_meta meta; /* what was read of geoip.database (zero without one) */
};

/* Opens the databases (when configured), compiles every map of cfg and closes the
 * databases again. Sets *out (one reference) even on failure, so that the caller frees
 * what was made; returns GS_OK or GS_EPARSE (problems in d). */
int steer_maps_compile(const struct cfg *cfg, struct diag *d,
                       struct steer_maps **out) GS_NONNULL GS_WUR;
/* Takes one more reference to m and returns it. */
struct steer_maps *steer_maps_ref(struct steer_maps *m) GS_NONNULL;
/* Drops a reference; the last one frees m. Accepts NULL. */
void steer_maps_unref(struct steer_maps *m);

#endif
