/* SPDX-License-Identifier: MIT
 * steer_build.h -- compiles the `geoip`, `maps` and `services` sections of a configuration
 * into the immutable struct steer_table (steer.h) of a snapshot, with the health table
 * whose cells it reads. Load thread only: opens the GeoIP databases, compiles every map
 * once, and closes the databases again before it returns, so that nothing on the query
 * path ever calls libmaxminddb. */
#ifndef GS_STEER_BUILD_H
#define GS_STEER_BUILD_H

#include "geoip/geodb.h"
#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"
#include "server/health/health.h"
#include "server/load/steer_maps.h"
#include "server/load/steer_sign.h"
#include "server/query/steer.h"
#include "zones/zoneset.h"

/* Builds the steering of cfg against the loaded zones zs into arena a. Checks, each an
 * error in d at the steered name's FILE:LINE in the configuration, naming the zone
 * file's line too: a steered name that also has A or AAAA records in its zone file (the
 * answer would be ambiguous), a CNAME there (RFC 1034 3.6.2: a CNAME has no other data),
 * a steered name at or below a delegation (it would never be answered). Map and
 * database problems are reported by geodb_open / geo_map_compile.
 *
 * Sets *table (arena-owned; NULL when cfg has no services) and *health (owned by the
 * caller, to be freed with the snapshot with health_table_free; NULL when there are no
 * services): one cell per (datacenter, address, check), all up until a monitor says
 * otherwise. Returns GS_OK, or GS_EPARSE / GS_EIO with both NULL.
 *
 * *maps: the compiled maps (steer_maps.h). When NULL, they are compiled from cfg and the
 * databases, and *maps is set (a reference for the caller, also on failure; left NULL
 * when cfg has neither geoip nor maps); otherwise they are used as they are, and must
 * have been compiled from the same configuration text.
 *
 * sg[0..n_sg): the zones geosteer signed, with their keys: the steered names in them
 * get signatures for the address sets they may serve (server/load/steer_sign.h). */
int steer_build(const struct cfg *cfg, const struct zoneset *zs, const struct steer_signer *sg,
                size_t n_sg, struct arena *a, struct diag *d, const struct steer_table **table,
                struct health_table **health, struct steer_maps **maps)
        GS_NONNULLX(1, 2, 5, 6, 7, 8, 9) GS_WUR;

#endif
