/* SPDX-License-Identifier: MIT
 * dnssec.h -- what a DO=1 answer from a signed zone adds (RFC 4035 section 3.1, RFC
 * 5155 section 7.2): the RRSIGs of each RRset written, and the NSEC or NSEC3 records
 * (with theirs) that prove a name or a type does not exist. Everything comes from the
 * compiled zone (zones/zone.h, struct zone_dnssec): signatures and proofs as stored, the
 * records that prove a negative precomputed per node, so that only a name that does
 * not exist costs a search (and, with NSEC3, one hash). Worker threads; no allocation,
 * no locks. */
#ifndef GS_DNSSEC_H
#define GS_DNSSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/query/render.h"
#include "zones/zone.h"

/* Writes the RRSIGs of set, if it has any, as records of owner in section sec with the
 * TTL the set was written with (RFC 4034 section 3: an RRSIG's TTL is its RRset's). */
static inline void dnssec_sigs(struct render *r, enum render_section sec, const uint8_t *owner,
                               const struct zone_rrset *set, uint32_t ttl)
{
	if (set->sigs)
		render_rrset(r, sec, owner, set->sigs, ttl);
}

/* NODATA at node, a name of z (RFC 4035 3.1.3.1, RFC 5155 7.2.3): the NSEC or NSEC3 of
 * the name, which lists the types that exist there; for an empty non-terminal the NSEC
 * that covers it. */
void dnssec_nodata(struct render *r, const struct zone *z, const struct zone_node *node) GS_NONNULL;

/* NXDOMAIN for name_lc (lowercase wire, len bytes) whose closest encloser in z is ce
 * (RFC 4035 3.1.3.2, RFC 5155 7.2.2): the name does not exist, and no wildcard could
 * have matched it. */
void dnssec_nxdomain(struct render *r, const struct zone *z, const uint8_t *name_lc, size_t len,
                     const struct zone_node *ce) GS_NONNULL;

/* An answer synthesised from the wildcard node wild for name_lc (RFC 4035 3.1.3.3 and
 * 3.1.3.4, RFC 5155 7.2.5 and 7.2.6): the proof that no closer name exists, and for a
 * NODATA answer (is_nodata) the NSEC or NSEC3 of the wildcard too. */
void dnssec_wildcard(struct render *r, const struct zone *z, const uint8_t *name_lc, size_t len,
                     const struct zone_node *wild, bool is_nodata) GS_NONNULL;

/* The delegation at cut has no DS (a referral to an unsigned child, or NODATA for DS
 * there; RFC 4035 3.1.4, RFC 5155 7.2.4 and 7.2.7): the cut's NSEC or NSEC3, or with
 * NSEC3 opt-out the closest provable encloser and the opt-out NSEC3 covering the next
 * closer name. */
void dnssec_no_ds(struct render *r, const struct zone *z, const struct zone_node *cut) GS_NONNULL;

#endif
