/* SPDX-License-Identifier: MIT
 * geo_compile.h -- from MaxMind trees and a map's rules to the compiled tables of a
 * struct geo_map. Two halves: mmdb_walk turns one database's search tree into
 * range partitions (geodb.c calls it once per database), and geo_compile_map applies
 * one map's rules to the resulting location partition and builds the nettrees. Load
 * thread only. Internal to geoip/; the public face is geo.h. */
#ifndef GS_GEO_COMPILE_H
#define GS_GEO_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include <maxminddb.h>

#include "geoip/geopart.h"
#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"

struct geo_db;
struct geo_map;

/* Compiles map m against db (NULL: networks and default only) into *gm (arena a).
 * Rules are checked here; problems go to d at the rule's srcpos. Returns GS_OK or
 * GS_EPARSE / GS_ERANGE. */
int geo_compile_map(const struct cfg_map *m, const struct geo_db *db, struct arena *a,
                    struct diag *d, struct geo_map *gm) GS_NONNULLX(1, 3, 4, 5) GS_WUR;

#endif
