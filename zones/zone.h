/* SPDX-License-Identifier: MIT
 * zone.h -- the immutable, compiled form of one zone, as worker threads read it.
 *
 * Shape: a zone is a flat array of nodes (one per owner name that has data, plus every
 * empty non-terminal between the apex and those names), indexed by an open-addressing
 * hash of the lowercase wire name. Each node holds its RRsets sorted by type; each RRset
 * holds its records' rdata pre-rendered in wire format, with the offsets of the embedded
 * names that RFC 3597 section 4 allows us to compress.
 *
 * Life cycle: zone_load() builds it once on the load thread, entirely inside the
 * snapshot's arena; from then on it is read-only and shared by every worker without
 * locks; it is freed with the arena after the RCU grace period that retires it. */
#ifndef GS_ZONE_H
#define GS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/base/dname.h"

#define ZONE_NO_NAME      0xffffu /* zone_rdata.name_off: no (further) compressible name */
#define ZONE_NAME_OUTSIDE 0xffu   /* zone_rdata.name_above: the name is not in the zone */

/* One record's rdata in wire format. Embedded names are stored uncompressed, as written
 * in the zone file; name_off[] gives where the ones RFC 3597 lets us compress start
 * (NS, CNAME, PTR, MX, SOA, ...), in increasing order, ZONE_NO_NAME when unused. */
struct zone_rdata {
	const uint8_t *data; /* arena */
	uint16_t len;
	uint16_t name_off[2];
	/* For each name of name_off[]: its labels above the zone's origin (0: the origin
	 * itself), or ZONE_NAME_OUTSIDE when it is not at or below the origin. Lets the
	 * response writer start its compression search at the origin. */
	uint8_t name_above[2];
};

/* All records of one type at one name. RFC 2181 5.2: one TTL per RRset (the loader
 * uses the lowest and warns when they differ). */
struct zone_rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	const struct zone_rdata *rdata; /* count entries, arena */
	unsigned line;                  /* zone-file line of the first record */
	/* The RRSIG records at the same owner that cover this type (RFC 4034 section 3),
	 * as an RRSIG set of their own, or NULL: what a DO=1 answer adds after the set. */
	const struct zone_rrset *sigs;
};

enum zone_node_flag {
	ZONE_NODE_APEX = 1u << 0,     /* the zone's origin */
	ZONE_NODE_CUT = 1u << 1,      /* has NS and is not the apex: a delegation point */
	ZONE_NODE_OCCLUDED = 1u << 2, /* strictly below a cut: glue, never answered directly */
	ZONE_NODE_WILDCARD = 1u << 3, /* first label is "*" */
};

struct zone_node {
	const uint8_t *name; /* lowercase wire format, arena */
	uint8_t name_len;
	uint8_t n_labels;
	uint16_t flags; /* enum zone_node_flag */
	uint16_t n_rrsets;
	const struct zone_rrset *rrsets; /* sorted by type, arena; NULL for empty non-terminals */
};

/* ---- DNSSEC (zones/zone_dnssec.c builds it, zones/zone_denial.c searches it) ---- */

enum zone_denial {
	ZONE_DENIAL_NONE,  /* signed, but no NSEC or NSEC3 chain: nothing proves a negative */
	ZONE_DENIAL_NSEC,  /* RFC 4034 section 4 */
	ZONE_DENIAL_NSEC3, /* RFC 5155 (SHA-1 is its only hash algorithm) */
};

#define ZONE_NSEC3_HASH_LEN 20u /* SHA-1 */
/* zone_node_sec.deny in an NSEC3 zone: the entry only covers the node's hash (the node
 * has no NSEC3 of its own: an opt-out delegation, or an empty non-terminal above one). */
#define ZONE_SEC_COVER 0x80000000u
#define ZONE_SEC_NONE  0xffffffffu /* no entry (occluded names, names too long) */

/* What proves a negative about one node, parallel to struct zone.nodes. NSEC zones:
 * indices into zone_dnssec.nsec; NSEC3 zones: into zone_dnssec.nsec3. */
struct zone_node_sec {
	/* NSEC: the NSEC owned by the node, or else the one whose range covers its name
	 * (an empty non-terminal). NSEC3: the NSEC3 whose hash is the node's, or the one
	 * covering it with ZONE_SEC_COVER set. */
	uint32_t deny;
	/* The NSEC or NSEC3 that covers "*.<node>": proves that no wildcard below the node
	 * could have matched (RFC 4035 3.1.3.2, RFC 5155 7.2.2). ZONE_SEC_NONE when that
	 * wildcard exists (a query under the node then matches it). */
	uint32_t wild;
};

/* One NSEC owner of the chain, in canonical order (RFC 4034 section 6.1). */
struct zone_nsec {
	const uint8_t *key; /* zone_denial_key() of the owner, arena */
	uint16_t key_len;
	uint32_t node; /* index into zone.nodes */
};

/* One NSEC3 record, by its owner's hash; the array is sorted by hash. */
struct zone_nsec3 {
	uint8_t hash[ZONE_NSEC3_HASH_LEN];
	const uint8_t *owner;         /* lowercase wire: base32hex(hash).<origin>, arena */
	const struct zone_rrset *set; /* the NSEC3 record, its RRSIGs in set->sigs */
};

/* A signed zone: its records hold RRSIGs, its chain what proves negative answers. */
struct zone_dnssec {
	enum zone_denial denial;
	/* The zone file itself carried RRSIG records (it was signed elsewhere), as opposed
	 * to signatures added while loading. */
	bool presigned;
	const struct zone_node_sec *sec; /* zone.n_nodes entries, arena */
	const struct zone_nsec *nsec;    /* n_nsec entries, canonical order, arena */
	size_t n_nsec;
	const struct zone_nsec3 *nsec3; /* n_nsec3 entries, by hash, arena */
	size_t n_nsec3;
	/* NSEC3 parameters (the apex NSEC3PARAM; only NSEC3 records with the same ones
	 * are kept): extra iterations and salt. */
	uint16_t iterations;
	uint8_t salt_len;
	const uint8_t *salt;
};

/* A key of a zone geosteer signs, as status and metrics show it: plain data. */
enum zone_key_role {
	ZONE_KEY_KSK,       /* flags 257 next to ZSKs: signs DNSKEY, CDS and CDNSKEY */
	ZONE_KEY_ZSK,       /* flags 256: signs every other RRset */
	ZONE_KEY_CSK,       /* flags 257 and no ZSK: signs everything */
	ZONE_KEY_PUBLISHED, /* a DNSKEY of the zone file: published, signs nothing */
};

struct zone_key_info {
	uint16_t tag;   /* key tag (RFC 4034 appendix B) */
	uint16_t flags; /* DNSKEY flags: 256 or 257 */
	uint8_t algorithm;
	uint8_t role; /* enum zone_key_role */
};

struct zone {
	const uint8_t *origin; /* lowercase wire format, arena */
	uint8_t origin_len;
	uint8_t origin_labels;
	const char *file; /* path the zone was loaded from, arena */
	uint32_t serial;
	const struct zone_node *apex;
	const struct zone_rrset *soa; /* the apex SOA (exactly one record) */
	/* TTL for negative answers: min(SOA TTL, SOA MINIMUM), RFC 2308 section 5. */
	uint32_t neg_ttl;
	const struct zone_node *nodes; /* n_nodes entries, arena */
	size_t n_nodes;
	/* Hash index over nodes, by zone_hash_name of the part of a name below the origin:
	 * slot values are node index + 1, 0 = empty; hash_mask + 1 slots (a power of two,
	 * at most half full). */
	const uint32_t *slots;
	size_t hash_mask;
	size_t n_records; /* for status reports */
	/* When geosteer signed the zone at load (a `dnssec:` block), the signing time and
	 * when the signatures expire, in Unix seconds; both 0 for any other zone. */
	int64_t signed_at, sig_expires;
	/* The same zones: every key of the apex DNSKEY RRset, the configured ones first in
	 * configuration order, then those only published (arena); NULL and 0 otherwise. */
	const struct zone_key_info *keys;
	size_t n_keys;
	/* DNSSEC: NULL for a zone without RRSIG records, which is served as unsigned. */
	const struct zone_dnssec *dnssec;
};

enum zone_match {
	ZONE_MATCH_EXACT,      /* hit.node is qname (no rrsets: an empty non-terminal) */
	ZONE_MATCH_WILDCARD,   /* hit.node is the "*" node to synthesise from (RFC 4592);
	                        * hit.encloser is the closest encloser */
	ZONE_MATCH_DELEGATION, /* hit.node is the topmost zone cut at or above qname */
	ZONE_MATCH_NXDOMAIN,   /* hit.encloser is the closest encloser */
};

struct zone_hit {
	const struct zone_node *node;
	const struct zone_node *encloser;
};

/* Finds how z answers qname_lc, a lowercase wire name at or below z->origin. Walks from
 * the apex down, so a zone cut above qname wins (a referral) even when qname itself has
 * data (occluded). For qname equal to a cut, the result is ZONE_MATCH_DELEGATION too;
 * the caller answers DS there from the parent side (hit.node's DS rrset).
 * No allocation, no locks; any thread. */
enum zone_match zone_lookup(const struct zone *z, const uint8_t *qname_lc,
                            struct zone_hit *hit) GS_NONNULL GS_HOT;

/* zone_lookup for a name already split: len is its wire length, off[0..n) where each of
 * its n labels (root excluded) starts, as query_parse records them. */
enum zone_match zone_lookup_split(const struct zone *z, const uint8_t *qname_lc, size_t len,
                                  const uint8_t *off, unsigned n,
                                  struct zone_hit *hit) GS_NONNULL GS_HOT;

/* Exact-name lookup that also finds occluded (glue) nodes. name_lc must be lowercase and
 * at or below the origin. Returns NULL when absent. Any thread. */
const struct zone_node *zone_find(const struct zone *z, const uint8_t *name_lc) GS_NONNULL GS_HOT;

/* ---- DNSSEC denial lookups (zones/zone_denial.c): no allocation, no locks. ---- */

/* Longest key zone_denial_key writes (every byte escaped, a terminator per label). */
#define ZONE_DENIAL_KEY_MAX (2u * DNAME_MAX)

/* Writes into key the sort key of name_lc (lowercase wire, len bytes, at or below the
 * origin of a zone with origin_labels labels): the labels below the origin from the
 * root-most one, each byte as itself (0 and 1 escaped as 1,1 and 1,2), each label
 * closed by a 0. memcmp order of keys is the canonical DNS name order (RFC 4034 6.1).
 * Returns the key's length. */
size_t zone_denial_key(const uint8_t *name_lc, size_t len, unsigned origin_labels,
                       uint8_t key[ZONE_DENIAL_KEY_MAX]) GS_NONNULL;

/* The index into d->nsec of the NSEC owner that is key's name or precedes it most
 * closely in canonical order: the NSEC that matches or covers the name. d->n_nsec > 0. */
uint32_t zone_denial_nsec_find(const struct zone_dnssec *d, const uint8_t *key,
                               size_t key_len) GS_NONNULL;

/* The NSEC3 hash (RFC 5155 section 5) of name_lc (lowercase wire, len bytes) with d's
 * salt and iterations. SHA-1 of the name, then once more per extra iteration. */
void zone_denial_nsec3_hash(const struct zone_dnssec *d, const uint8_t *name_lc, size_t len,
                            uint8_t out[ZONE_NSEC3_HASH_LEN]) GS_NONNULL;

/* The index into d->nsec3 of the NSEC3 whose hash is hash, or else of the one whose
 * range covers it (the last one covers the hashes past it and before the first), with
 * ZONE_SEC_COVER set. d->n_nsec3 > 0. */
uint32_t zone_denial_nsec3_find(const struct zone_dnssec *d,
                                const uint8_t hash[ZONE_NSEC3_HASH_LEN]) GS_NONNULL;

/* Returns the node's RRset of the given type, or NULL. */
static inline const struct zone_rrset *zone_node_rrset(const struct zone_node *n, uint16_t type)
{
	for (uint16_t i = 0; i < n->n_rrsets; i++)
		if (n->rrsets[i].type == type)
			return &n->rrsets[i];
	return NULL;
}

#endif
