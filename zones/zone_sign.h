/* SPDX-License-Identifier: MIT
 * zone_sign.h -- signing a zone at load: what the caller says (keys, denial, signature
 * lifetime, the names steering serves in the zone) and what comes back. The signed zone
 * holds exactly what a zone file signed elsewhere would hold (DNSKEY, CDS and CDNSKEY at
 * the apex, an RRSIG for every authoritative RRset, the NSEC or NSEC3 chain, NSEC3PARAM),
 * so the compiled zone is the same either way. Load thread only. */
#ifndef GS_ZONE_SIGN_H
#define GS_ZONE_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "server/base/diag.h"
#include "server/base/netaddr.h"

/* Signatures are valid from this many seconds before signing: clocks of validators
 * differ. */
#define ZONE_SIGN_INCEPTION_SKEW 3600

enum zone_sign_denial { ZONE_SIGN_NSEC3, ZONE_SIGN_NSEC };

/* One key pair: path names path.key (the DNSKEY record) and path.private. pos is where
 * the key is configured; every problem with the key is reported there. */
struct zone_sign_key {
	const char *path;
	struct srcpos pos;
};

/* A name whose A/AAAA answers come from steering, not from the zone file: the denial
 * chain must show it with the types it answers. */
struct zone_sign_steered {
	const uint8_t *name; /* lowercase wire, at or below the zone's origin */
	bool has_a, has_aaaa;
	/* One answer steering may give (at most one of each family is enough), with its
	 * TTL: printed signed into zone_sign_params.dump only, so that a zone checker
	 * reading the dump finds a record for every type the denial chain lists. */
	const struct netaddr *sample;
	size_t n_sample;
	uint32_t ttl;
};

struct zone_sign_params {
	const struct zone_sign_key *keys;
	size_t n_keys;
	enum zone_sign_denial denial;
	uint32_t validity; /* seconds from now until the signatures expire */
	int64_t now;       /* signing time (Unix seconds); 0 = the clock */
	const struct zone_sign_steered *steered;
	size_t n_steered;
	struct srcpos pos; /* the dnssec: block, for problems with the key set as a whole */
	FILE *dump;        /* not NULL: the signed zone is also printed there as a zone file */
};

#endif
