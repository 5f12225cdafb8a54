/* SPDX-License-Identifier: MIT
 * zone_load.h -- reads an RFC 1035 zone file (the common record types with the loader's
 * own reader, zones/zone_text.h, the rest with ldns) and compiles it into the immutable
 * struct zone (zones/zone.h). Load thread only. */
#ifndef GS_ZONE_LOAD_H
#define GS_ZONE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "zones/zone.h"
#include "zones/zone_sign.h"
#include "zones/zone_signing.h"

/* Loads the zone file at path with origin (lowercase wire name) into arena a.
 * Every problem is recorded in d as "PATH:LINE: message" (syntax errors, records outside
 * the origin, no or several SOA at the apex, no NS at the apex, CNAME next to other
 * data, several CNAMEs, out-of-zone or missing glue warnings, ...); loading continues
 * past an error so that one run reports them all.
 * TTLs (RFC 2308 section 4, RFC 1035 section 5.1): a record without one takes the $TTL in
 * force; before any $TTL, the last TTL a record stated; an SOA with none and nothing
 * stated before it takes its MINIMUM, with the warning "PATH:LINE: no TTL given and no
 * $TTL before: using the SOA MINIMUM (N) as the TTL" (what BIND does); any other record
 * there is an error. $ORIGIN, $TTL and $INCLUDE are accepted in any case; $INCLUDE reads
 * regular files only and refuses a file that is already being read (an include loop).
 * Returns GS_OK and sets *out (arena-owned), GS_EIO when the file cannot be opened
 * (also recorded in d), or GS_EPARSE. ldns objects never outlive this call. */
int zone_load(const char *path, const uint8_t *origin, struct arena *a, struct diag *d,
              const struct zone **out) GS_NONNULL GS_WUR;

/* zone_load(), then signs the zone as sp says (zones/zone_sign.h) before compiling it.
 * Key problems are reported at the keys' configured positions, and the zone is not
 * loaded then. On success (*out)->signed_at and sig_expires are set, and when keep is
 * not NULL, *keep holds the keys for signing more RRsets of the zone (zone_signing.h;
 * the caller frees it with zone_signing_free; NULL on failure). */
int zone_load_signed(const char *path, const uint8_t *origin, const struct zone_sign_params *sp,
                     struct arena *a, struct diag *d, const struct zone **out,
                     struct zone_signing **keep) GS_NONNULLX(1, 2, 3, 4, 5, 6) GS_WUR;

/* Tests only: when true, every record is read by ldns (the loader's own reader of the
 * common types, zones/zone_text.h, is skipped), so that the two can be compared. */
extern bool zone_load_ldns_only;

#endif
