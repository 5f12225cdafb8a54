/* SPDX-License-Identifier: MIT
 * zone_load.h -- reads an RFC 1035 zone file with ldns and compiles it into the
 * immutable struct zone (zones/zone.h). Load thread only. */
#ifndef GS_ZONE_LOAD_H
#define GS_ZONE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "zones/zone.h"

/* Loads the zone file at path with origin (lowercase wire name) into arena a.
 * Every problem is recorded in d as "PATH:LINE: message" (syntax errors, records outside
 * the origin, no or several SOA at the apex, no NS at the apex, CNAME next to other
 * data, several CNAMEs, out-of-zone or missing glue warnings, ...); loading continues
 * past an error so that one run reports them all.
 * Returns GS_OK and sets *out (arena-owned), GS_EIO when the file cannot be opened
 * (also recorded in d), or GS_EPARSE. ldns objects never outlive this call. */
int zone_load(const char *path, const uint8_t *origin, struct arena *a, struct diag *d,
              const struct zone **out) GS_NONNULL GS_WUR;

#endif
