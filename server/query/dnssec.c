/* SPDX-License-Identifier: MIT
 * dnssec.c -- the NSEC and NSEC3 records of DO=1 negative and wildcard answers, each
 * with its RRSIGs, in the authority section. For names that exist the record comes
 * from the node's precomputed entry (struct zone_node_sec); a name that does not exist
 * is searched for: by canonical order in the NSEC chain, or by its NSEC3 hash (one
 * SHA-1 of the next closer name, on the NXDOMAIN and wildcard paths only).
 * Worker threads; no allocation, no locks. */
#include "server/query/dnssec.h"

#include "server/base/dname.h"
#include "server/base/dns.h"

/* Most NSEC/NSEC3 records one proof writes (NSEC3 wildcard NODATA: three). */
#define PROOF_MAX 4

/* The records written so far by one proof, so that a record that proves two things is
 * written once. */
struct proof {
	struct render *r;
	const struct zone *z;
	const struct zone_dnssec *d;
	uint32_t done[PROOF_MAX];
	unsigned n;
};

static void proof_init(struct proof *p, struct render *r, const struct zone *z)
{
	p->r = r;
	p->z = z;
	p->d = z->dnssec;
	p->n = 0;
}

/* Writes set (an NSEC or NSEC3 record) at owner with its RRSIGs. RFC 9077 section 3:
 * in a negative answer, no longer than the SOA's negative TTL. */
static void put_denial(struct proof *p, const uint8_t *owner, const struct zone_rrset *set)
{
	uint32_t ttl = set->ttl < p->z->neg_ttl ? set->ttl : p->z->neg_ttl;
	render_rrset(p->r, RENDER_AUTHORITY, owner, set, ttl);
	dnssec_sigs(p->r, RENDER_AUTHORITY, owner, set, ttl);
}

/* Writes entry e of the zone's chain (NSEC index, or NSEC3 index with or without
 * ZONE_SEC_COVER) unless this proof has written it already. */
static void put_entry(struct proof *p, uint32_t e)
{
	if (e == ZONE_SEC_NONE)
		return;
	e &= ~ZONE_SEC_COVER;
	for (unsigned i = 0; i < p->n; i++)
		if (p->done[i] == e)
			return;
	if (p->n < PROOF_MAX)
		p->done[p->n++] = e;
	const struct zone_dnssec *d = p->d;
	if (d->denial == ZONE_DENIAL_NSEC) {
		if (e >= d->n_nsec)
			return;
		const struct zone_node *node = &p->z->nodes[d->nsec[e].node];
		const struct zone_rrset *set = zone_node_rrset(node, DNS_TYPE_NSEC);
		if (set)
			put_denial(p, node->name, set);
	} else if (d->denial == ZONE_DENIAL_NSEC3) {
		if (e >= d->n_nsec3)
			return;
		put_denial(p, d->nsec3[e].owner, d->nsec3[e].set);
	}
}

static const struct zone_node_sec *sec_of(const struct proof *p, const struct zone_node *node)
{
	return &p->d->sec[node - p->z->nodes];
}

/* The NSEC that covers name_lc, which does not exist in the zone. */
static uint32_t nsec_cover(const struct proof *p, const uint8_t *name_lc, size_t len)
{
	uint8_t key[ZONE_DENIAL_KEY_MAX];
	size_t klen = zone_denial_key(name_lc, len, p->z->origin_labels, key);
	return zone_denial_nsec_find(p->d, key, klen);
}

/* The NSEC3 that matches or covers name_lc: a node's precomputed entry, or else the
 * name's hash, searched for. */
static uint32_t nsec3_entry(const struct proof *p, const uint8_t *name_lc, size_t len)
{
	const struct zone_node *node = zone_find(p->z, name_lc);
	if (node && sec_of(p, node)->deny != ZONE_SEC_NONE)
		return sec_of(p, node)->deny;
	uint8_t hash[ZONE_NSEC3_HASH_LEN];
	zone_denial_nsec3_hash(p->d, name_lc, len, hash);
	return zone_denial_nsec3_find(p->d, hash);
}

/* RFC 5155 7.2.1: the closest provable encloser proof for name_lc, starting the search
 * at ce (a node that is an ancestor of name_lc, or name_lc itself when it is a node
 * without an NSEC3 of its own): the NSEC3 matching the nearest ancestor that has one,
 * and the NSEC3 covering the next closer name. Returns the encloser proven. */
static const struct zone_node *closest_encloser(struct proof *p, const uint8_t *name_lc, size_t len,
                                                const struct zone_node *ce)
{
	const struct zone *z = p->z;
	unsigned labels = dname_labels(name_lc);
	/* Walk up while the encloser has no NSEC3 (an empty non-terminal above opt-out
	 * delegations, or name_lc itself); the apex always has one in a signed zone. */
	while (ce != z->apex && (sec_of(p, ce)->deny & ZONE_SEC_COVER)) {
		const struct zone_node *up = zone_find(z, ce->name + ce->name[0] + 1u);
		if (!up)
			break;
		ce = up;
	}
	if (ce->n_labels >= labels)
		return ce; /* name_lc is the encloser itself: nothing to cover */
	put_entry(p, sec_of(p, ce)->deny);
	const uint8_t *next = dname_suffix(name_lc, ce->n_labels + 1u);
	put_entry(p, nsec3_entry(p, next, len - (size_t)(next - name_lc)));
	return ce;
}

void dnssec_nodata(struct render *r, const struct zone *z, const struct zone_node *node)
{
	struct proof p;
	proof_init(&p, r, z);
	uint32_t deny = sec_of(&p, node)->deny;
	if (p.d->denial == ZONE_DENIAL_NSEC3 && deny != ZONE_SEC_NONE && (deny & ZONE_SEC_COVER)) {
		/* A name without an NSEC3 of its own: an empty non-terminal in an opt-out
		 * zone. The closest provable encloser is the best proof there is. */
		closest_encloser(&p, node->name, node->name_len, node);
		return;
	}
	put_entry(&p, deny);
}

void dnssec_nxdomain(struct render *r, const struct zone *z, const uint8_t *name_lc, size_t len,
                     const struct zone_node *ce)
{
	struct proof p;
	proof_init(&p, r, z);
	if (p.d->denial == ZONE_DENIAL_NSEC) {
		put_entry(&p, nsec_cover(&p, name_lc, len));
		put_entry(&p, sec_of(&p, ce)->wild);
	} else if (p.d->denial == ZONE_DENIAL_NSEC3) {
		ce = closest_encloser(&p, name_lc, len, ce);
		put_entry(&p, sec_of(&p, ce)->wild);
	}
}

void dnssec_wildcard(struct render *r, const struct zone *z, const uint8_t *name_lc, size_t len,
                     const struct zone_node *wild, bool is_nodata)
{
	struct proof p;
	proof_init(&p, r, z);
	if (p.d->denial == ZONE_DENIAL_NSEC) {
		put_entry(&p, nsec_cover(&p, name_lc, len));
	} else if (p.d->denial == ZONE_DENIAL_NSEC3) {
		/* The closest encloser is the wildcard's parent; the RRSIG's label count
		 * tells a validator as much for a positive answer, so only the next closer
		 * name's cover goes there (RFC 5155 7.2.6). NODATA proves the encloser. */
		const struct zone_node *ce = zone_find(z, wild->name + 2);
		if (!ce)
			return;
		unsigned labels = dname_labels(name_lc);
		if (ce->n_labels >= labels)
			return;
		if (is_nodata)
			put_entry(&p, sec_of(&p, ce)->deny);
		const uint8_t *next = dname_suffix(name_lc, ce->n_labels + 1u);
		put_entry(&p, nsec3_entry(&p, next, len - (size_t)(next - name_lc)));
	}
	if (is_nodata)
		put_entry(&p, sec_of(&p, wild)->deny);
}

void dnssec_no_ds(struct render *r, const struct zone *z, const struct zone_node *cut)
{
	dnssec_nodata(r, z, cut);
}
