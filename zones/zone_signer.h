/* SPDX-License-Identifier: MIT
 * zone_signer.h -- private to zones/: signs the records a zone_compile holds, between
 * reading the zone file and compiling it. Load thread only. */
#ifndef GS_ZONE_SIGNER_H
#define GS_ZONE_SIGNER_H

#include <stdint.h>

#include "server/base/compiler.h"
#include "zones/zone_compile.h"
#include "zones/zone_keys.h"
#include "zones/zone_sign.h"

/* Adds to zc what signing its records with ks makes: the DNSKEY RRset (the keys, plus
 * any DNSKEY the zone file holds), CDS and CDNSKEY for the KSKs (unless the file has
 * its own), NSEC3PARAM, the NSEC or NSEC3 chain over the static and the steered names,
 * and an RRSIG for every authoritative RRset. A zone file that already holds RRSIG, NSEC,
 * NSEC3 or NSEC3PARAM records is refused (each at its line). Returns GS_OK and sets
 * *signed_at and *expires (Unix seconds), or GS_EPARSE with the reasons in zc's diag. */
int zone_signer_run(struct zone_compile *zc, const struct zone_sign_params *p,
                    const struct zone_keyset *ks, int64_t *signed_at,
                    int64_t *expires) GS_NONNULL GS_WUR;

#endif
