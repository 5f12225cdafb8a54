/* SPDX-License-Identifier: MIT
 * nearest.h -- nearest-first lists (a map's `coordinates`, docs/design.md rule 7): a located
 * client that no rule of the map matches gets every datacenter with coordinates,
 * ordered by great-circle distance from the client's location (ties in configuration
 * order). Everything happens when a map is compiled: each distinct location of the
 * database gets its order computed once, interned as an ordinary list (dclist.h), and
 * the compiled tables and their ECS scopes are built from those lists as from any
 * rule's, so the query path does not know nearest-first lists exist. Datacenters
 * without coordinates are not in these lists.
 *
 * Distances: haversine on a sphere of the mean Earth radius (IUGG, 6371.0088 km); the
 * database's coordinates are kept as floats (geodb.h), about a metre. Load thread,
 * except nearest_km / nearest_order / nearest_describe, which any thread may call. */
#ifndef GS_NEAREST_H
#define GS_NEAREST_H

#include <stddef.h>
#include <stdint.h>

#include "geoip/dclist.h"
#include "geoip/geodb.h"
#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"

/* Mean Earth radius in km (IUGG). */
#define NEAREST_EARTH_KM 6371.0088

/* A datacenter with coordinates, as a compiled map keeps it (for explain). */
struct geo_site {
	const char *dc; /* datacenter name */
	double lat, lon;
};

/* Great-circle distance in km between two points given in degrees. */
double nearest_km(double lat1, double lon1, double lat2, double lon2);

/* Orders sites[0..n) by distance from (lat, lon): order[i] is the index of the i-th
 * nearest site (equal distances in configuration order), km[i] its distance (km may
 * be NULL). n <= UINT16_MAX. */
void nearest_order(const struct geo_site *sites, size_t n, double lat, double lon, uint16_t *order,
                   double *km) GS_NONNULLX(1, 5);

/* Writes "us-east 120 km, eu-central 6,214 km" (nearest first, distances rounded to
 * the km) into out, truncated to len. */
void nearest_describe(const struct geo_site *sites, size_t n, double lat, double lon, char *out,
                      size_t len) GS_NONNULL;

/* Builds one map's nearest-first lists during geo_compile_map. */
struct nearest;

/* Checks map m's coordinates against db: they need a database whose records carry
 * location.latitude/longitude (a City-shaped one): anything else is an error at the
 * `coordinates` key, as subdivisions rules against a Country database are. Sets *out
 * to a new builder (free with nearest_free), or to NULL when m has no coordinates.
 * Returns GS_OK or GS_EPARSE. */
int nearest_new(const struct cfg_map *m, const struct geo_db *db, struct diag *d,
                struct nearest **out) GS_NONNULLX(1, 3, 4) GS_WUR;
void nearest_free(struct nearest *n);

/* The nearest-first list for a located loc, interned into b; computed once per
 * distinct coordinates. Returns GS_OK, or GS_ERANGE when the map would have more
 * distinct lists than DCLIST_MAX (reported once in d; every later call fails too). */
int nearest_list(struct nearest *n, struct dclist_builder *b, const struct geo_loc *loc,
                 struct diag *d, uint16_t *list) GS_NONNULL GS_WUR;

/* After every location is resolved: warns when no location got a nearest-first list
 * (every located client matches a rule), then copies the sites into arena a. */
void nearest_finish(const struct nearest *n, struct diag *d, struct arena *a,
                    const struct geo_site **sites, size_t *n_sites) GS_NONNULL;

#endif
