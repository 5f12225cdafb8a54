/* SPDX-License-Identifier: MIT
 * zone_signing.h -- the keys of a zone geosteer signed at load, kept after the load for
 * RRsets the zone file does not hold: the A/AAAA sets of steered names, which are signed
 * while a snapshot is built (server/load/steer_sign.c), and later, when health leaves up a
 * set of a large datacenter that was not signed then (server/load/steer_resign.c, on the
 * signer thread). Signatures made here have the zone's validity window (the one of its
 * other RRSIGs). Load and signer threads, one at a time: never on the query path; freed
 * with the snapshot that keeps them (or after its build when nothing needs them). */
#ifndef GS_ZONE_SIGNING_H
#define GS_ZONE_SIGNING_H

#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "zones/zone.h"

struct zone_signing;

/* The RRSIGs of the RRset of owner (lowercase wire, in the zone), type and ttl made of
 * the n records rdata[i] (rdlen[i] bytes each), one per key that signs data, as an
 * RRSIG set in arena a (zone_rrset.sigs form, ready for the response writer; origin is
 * z's). Returns NULL when the crypto library failed. */
const struct zone_rrset *zone_signing_sign(const struct zone_signing *g, const struct zone *z,
                                           struct arena *a, const uint8_t *owner, uint16_t type,
                                           uint32_t ttl, const uint8_t *const *rdata,
                                           const uint16_t *rdlen, size_t n) GS_NONNULL;

/* zone_signing_sign into one malloc'd block (the set, its records and their bytes),
 * which free() releases. Returns NULL when the crypto library failed. */
struct zone_rrset *zone_signing_sign_alloc(const struct zone_signing *g, const struct zone *z,
                                           const uint8_t *owner, uint16_t type, uint32_t ttl,
                                           const uint8_t *const *rdata, const uint16_t *rdlen,
                                           size_t n) GS_NONNULL GS_WUR;

/* Frees g and its keys; accepts NULL. */
void zone_signing_free(struct zone_signing *g);

#endif
