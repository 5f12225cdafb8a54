/* SPDX-License-Identifier: MIT
 * zone_rrsig.h -- private to zones/: makes the RRSIG records of one RRset (RFC 4034
 * section 3, RFC 4035 section 2.2) with every key of a key set whose role covers the
 * set's type. Shared by the zone signer (every RRset of a zone at load) and the signer of
 * steered address sets (zone_signing.h). Load and monitor threads; never a worker. */
#ifndef GS_ZONE_RRSIG_H
#define GS_ZONE_RRSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "zones/zone_keys.h"

/* Called once per RRSIG made, with its rdata (valid for the call only). */
typedef void (*zone_rrsig_emit_fn)(void *arg, const uint8_t *rdata, size_t len);

/* The validity window and signer of the signatures. */
struct zone_rrsig_window {
	const uint8_t *signer; /* the zone's origin, lowercase wire */
	uint32_t inception, expiration;
};

/* Signs the RRset of owner (lowercase wire), type and ttl made of the n records
 * rdata[i] (rdlen[i] bytes each, any order, repeats allowed) with every key of ks that
 * signs this type (DNSKEY, CDS and CDNSKEY: the KSKs or CSKs; the rest: the ZSKs or
 * CSKs), calling emit for each RRSIG. Returns false when the crypto library failed. */
bool zone_rrsig_sign(const struct zone_keyset *ks, const struct zone_rrsig_window *w,
                     const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *const *rdata,
                     const uint16_t *rdlen, size_t n, zone_rrsig_emit_fn emit, void *arg)
        GS_NONNULLX(1, 2, 3, 9);

#endif
