/* SPDX-License-Identifier: MIT
 * zone_keys.h -- private to zones/: loads and checks the DNSSEC key pairs a zone is
 * signed with (BIND/ldns files: PATH.key holds the DNSKEY record, PATH.private the
 * private key) and decides which key signs what. Load thread only. */
#ifndef GS_ZONE_KEYS_H
#define GS_ZONE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "zones/zone_sign.h"

/* The flags of a DNSKEY (RFC 4034 section 2.1.1). */
#define ZONE_KEY_FLAG_ZONE 0x0100u
#define ZONE_KEY_FLAG_SEP  0x0001u

struct zone_key {
	ldns_key *key;   /* owned; owner, flags and key tag set from the .key file */
	uint8_t *dnskey; /* owned: the DNSKEY rdata in wire format */
	uint16_t dnskey_len;
	uint16_t flags;
	uint16_t tag;
	uint8_t algorithm;
	bool signs_keys; /* signs DNSKEY, CDS and CDNSKEY (a KSK or CSK) */
	bool signs_data; /* signs every other RRset (a ZSK or CSK) */
};

struct zone_keyset {
	struct zone_key *v; /* owned */
	size_t n;
};

/* Loads every key of p for the zone at origin (lowercase wire). Problems go to d at the
 * key's configured position: unreadable files, a .key that holds no DNSKEY or one for
 * another name, a .private that is not the .key's pair, an algorithm that cannot sign,
 * a key set without a KSK or CSK, a KSK without a ZSK of its algorithm. The roles:
 * when no key has flags 256 every key is a CSK and signs everything; otherwise keys with
 * flags 257 (KSKs) sign the key RRsets and keys with 256 (ZSKs) the rest.
 * Returns GS_OK and fills out, or GS_EPARSE (out is then empty). */
int zone_keys_load(const struct zone_sign_params *p, const uint8_t *origin, struct diag *d,
                   struct zone_keyset *out) GS_NONNULL GS_WUR;
/* Frees what ks owns; accepts an empty one. */
void zone_keys_free(struct zone_keyset *ks) GS_NONNULL;

#endif
