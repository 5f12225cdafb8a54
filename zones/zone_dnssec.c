/* SPDX-License-Identifier: MIT
 * zone_dnssec.c -- the load-time half of serving a signed zone: after zone_compile.c has
 * built the nodes (each RRset with its RRSIGs attached), works out how the zone denies
 * (NSEC or NSEC3), sorts the NSEC chain by canonical name order or the NSEC3 records by
 * hash, and precomputes for every node which record proves a negative about it and
 * about the wildcard below it (struct zone_node_sec), so that the query path only
 * searches for names that do not exist. Warns about signatures that will not validate.
 * Load thread only; everything lives in the zone's arena. */
#include <stdlib.h>
#include <string.h>

#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/timefmt.h"
#include "server/base/xalloc.h"
#include "zones/zone_compile.h"

/* RFC 4648 section 7: base32 with the extended hex alphabet, as NSEC3 owner labels
 * spell the hash (RFC 5155 section 3.3). Returns the value of c, or -1. */
static int b32hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the first label of owner (an NSEC3 owner name) into a SHA-1 hash; false when it
 * is not 32 base32hex digits. */
static bool owner_hash(const uint8_t *owner, uint8_t hash[ZONE_NSEC3_HASH_LEN])
{
	if (owner[0] != 32)
		return false;
	uint64_t acc = 0;
	unsigned bits = 0, n = 0;
	for (unsigned i = 1; i <= 32; i++) {
		int v = b32hex_value(owner[i]);
		if (v < 0)
			return false;
		acc = acc << 5 | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			hash[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n == ZONE_NSEC3_HASH_LEN;
}

/* The text form of name for a message. */
static const char *text(const uint8_t *name, char buf[DNAME_TEXT_MAX])
{
	dname_to_text(name, buf);
	return buf;
}

/* Reports the first instance of a signature problem, with how many there are. */
static void report_signatures(struct zone_compile *zc)
{
	char nm[DNAME_TEXT_MAX], tb[16], when[TIMEFMT_UTC_MAX];
	const struct zone_compile_first *f = &zc->unsigned_set;
	if (f->count)
		zone_compile_report(zc, true, f->file, f->line,
		                    "the %s RRset at %s has no RRSIG (%zu RRset%s of this signed "
		                    "zone have none): validating resolvers will reject %s; "
		                    "sign the zone again",
		                    zone_compile_type_name(f->type, tb),
		                    text(zc->names[f->name].name, nm), f->count,
		                    f->count == 1 ? "" : "s", f->count == 1 ? "it" : "them");
	f = &zc->expired_sig;
	if (f->count) {
		timefmt_utc((time_t)f->value, when);
		zone_compile_report(zc, true, f->file, f->line,
		                    "the RRSIG over the %s RRset at %s expired on %s (%zu RRSIG "
		                    "record%s of this zone have expired): validating resolvers "
		                    "will reject what %s cover; sign the zone again and reload",
		                    zone_compile_type_name(f->type, tb),
		                    text(zc->names[f->name].name, nm), when, f->count,
		                    f->count == 1 ? "" : "s", f->count == 1 ? "it" : "they");
	}
}

/* ---- NSEC ---- */

static int nsec_cmp(const void *pa, const void *pb)
{
	const struct zone_nsec *a = pa, *b = pb;
	size_t m = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, m);
	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : (a->key_len > b->key_len);
}

/* The NSEC chain: its owners in canonical order, and for every node the NSEC that
 * matches or covers it and the one that covers its wildcard. */
static void build_nsec(struct zone_compile *zc, struct zone *z, struct zone_dnssec *d,
                       struct zone_node_sec *sec)
{
	size_t n = 0;
	for (size_t i = 0; i < z->n_nodes; i++)
		if (!(z->nodes[i].flags & ZONE_NODE_OCCLUDED) &&
		    zone_node_rrset(&z->nodes[i], DNS_TYPE_NSEC))
			n++;
	struct zone_nsec *chain = arena_alloc(zc->a, (n ? n : 1) * sizeof(*chain));
	uint8_t key[ZONE_DENIAL_KEY_MAX + 2];
	size_t k = 0;
	for (size_t i = 0; i < z->n_nodes; i++) {
		const struct zone_node *node = &z->nodes[i];
		if ((node->flags & ZONE_NODE_OCCLUDED) || !zone_node_rrset(node, DNS_TYPE_NSEC))
			continue;
		size_t len = zone_denial_key(node->name, node->name_len, z->origin_labels, key);
		chain[k].key = arena_memdup(zc->a, key, len ? len : 1);
		chain[k].key_len = (uint16_t)len;
		chain[k].node = (uint32_t)i;
		k++;
	}
	qsort(chain, n, sizeof(*chain), nsec_cmp);
	d->nsec = chain;
	d->n_nsec = n;
	d->denial = ZONE_DENIAL_NSEC;
	if (!zone_node_rrset(z->apex, DNS_TYPE_NSEC)) {
		char zn[DNAME_TEXT_MAX];
		zone_compile_report(zc, true, 0, z->soa ? z->soa->line : 0,
		                    "the signed zone %s has NSEC records but none at its apex: "
		                    "its negative answers will not validate",
		                    text(z->origin, zn));
		if (!n)
			return;
	}
	for (size_t i = 0; i < z->n_nodes; i++) {
		const struct zone_node *node = &z->nodes[i];
		if (node->flags & ZONE_NODE_OCCLUDED)
			continue;
		size_t len = zone_denial_key(node->name, node->name_len, z->origin_labels, key);
		sec[i].deny = zone_denial_nsec_find(d, key, len);
		if (node->name_len + 2u > DNAME_MAX)
			continue;
		/* key("*.<name>") is key(name) followed by the label "*". */
		key[len] = '*';
		key[len + 1] = 0;
		uint32_t w = zone_denial_nsec_find(d, key, len + 2);
		const struct zone_nsec *e = &d->nsec[w];
		bool is_match = e->key_len == len + 2 && memcmp(e->key, key, len + 2) == 0;
		if (!is_match)
			sec[i].wild = w;
	}
}

/* ---- NSEC3 ---- */

static int nsec3_cmp(const void *pa, const void *pb)
{
	const struct zone_nsec3 *a = pa, *b = pb;
	return memcmp(a->hash, b->hash, ZONE_NSEC3_HASH_LEN);
}

/* Reads the hash parameters at the start of NSEC3 or NSEC3PARAM rdata (RFC 5155
 * sections 3.2 and 4.2: algorithm, flags, iterations, salt length, salt). */
static bool read_params(const uint8_t *rd, size_t len, uint8_t *alg, uint16_t *iterations,
                        uint8_t *salt_len, const uint8_t **salt)
{
	if (len < 5 || len < 5u + rd[4])
		return false;
	*alg = rd[0];
	*iterations = (uint16_t)(rd[2] << 8 | rd[3]);
	*salt_len = rd[4];
	*salt = rd + 5;
	return true;
}

/* Which NSEC3 record of zc->n3 belongs to the chain d serves (same parameters, an owner
 * that is a hash right below the origin); its hash in hash. */
static bool n3_usable(const struct zone_compile *zc, const struct zone_dnssec *d,
                      const struct zone_compile_n3 *r, uint8_t hash[ZONE_NSEC3_HASH_LEN])
{
	uint8_t alg, salt_len;
	uint16_t iterations;
	const uint8_t *salt;
	if (!owner_hash(r->owner, hash) || !dname_equal(r->owner + 33, zc->origin))
		return false;
	if (r->type == DNS_TYPE_RRSIG)
		return true;
	return read_params(r->rdata, r->rdlen, &alg, &iterations, &salt_len, &salt) && alg == 1 &&
	       iterations == d->iterations && salt_len == d->salt_len &&
	       memcmp(salt, d->salt, salt_len) == 0;
}

/* The NSEC3 chain: the records sorted by hash (each with its RRSIGs), and for every
 * node the NSEC3 that matches or covers its hash and the one covering its wildcard's. */
static void build_nsec3(struct zone_compile *zc, struct zone *z, struct zone_dnssec *d,
                        struct zone_node_sec *sec, const struct zone_compile_n3 *first)
{
	char zn[DNAME_TEXT_MAX], nm[DNAME_TEXT_MAX];
	text(z->origin, zn);
	/* The parameters: the apex NSEC3PARAM's, or the first NSEC3 record's. */
	const struct zone_rrset *param = zone_node_rrset(z->apex, DNS_TYPE_NSEC3PARAM);
	const uint8_t *rd = param ? param->rdata[0].data : first->rdata;
	size_t rdlen = param ? param->rdata[0].len : first->rdlen;
	uint8_t alg, salt_len;
	uint16_t iterations;
	const uint8_t *salt;
	if (!read_params(rd, rdlen, &alg, &iterations, &salt_len, &salt) || alg != 1) {
		zone_compile_report(zc, true, param ? 0 : first->file,
		                    param ? param->line : first->line,
		                    "NSEC3 hash algorithm %u is not SHA-1 (1): the zone %s is "
		                    "served without denial of existence",
		                    rdlen ? rd[0] : 0u, zn);
		return;
	}
	d->iterations = iterations;
	d->salt_len = salt_len;
	d->salt = arena_memdup(zc->a, salt, salt_len ? salt_len : 1);
	if (iterations > 0)
		zone_compile_report(zc, true, param ? 0 : first->file,
		                    param ? param->line : first->line,
		                    "NSEC3 with %u extra iterations: each one costs resolvers and "
		                    "this server a hash per name; RFC 9276 says 0",
		                    (unsigned)iterations);

	size_t n = 0;
	uint8_t hash[ZONE_NSEC3_HASH_LEN];
	for (size_t i = 0; i < zc->n_n3; i++)
		if (zc->n3[i].type == DNS_TYPE_NSEC3 && n3_usable(zc, d, &zc->n3[i], hash))
			n++;
	struct zone_nsec3 *chain = arena_alloc(zc->a, (n ? n : 1) * sizeof(*chain));
	size_t k = 0;
	for (size_t i = 0; i < zc->n_n3; i++) {
		const struct zone_compile_n3 *r = &zc->n3[i];
		if (r->type != DNS_TYPE_NSEC3)
			continue;
		if (k == n || !n3_usable(zc, d, r, hash)) {
			zone_compile_report(
			        zc, true, r->file, r->line,
			        "NSEC3 record at %s is not part of the chain served (its "
			        "owner is not a hash right below %s, or its parameters "
			        "differ from the NSEC3PARAM's)",
			        text(r->owner, nm), zn);
			continue;
		}
		struct zone_rdata *one = arena_alloc(zc->a, sizeof(*one));
		one->data = r->rdata;
		one->len = r->rdlen;
		one->name_off[0] = one->name_off[1] = ZONE_NO_NAME;
		one->name_above[0] = one->name_above[1] = ZONE_NAME_OUTSIDE;
		struct zone_rrset *set = arena_alloc(zc->a, sizeof(*set));
		set->type = DNS_TYPE_NSEC3;
		set->count = 1;
		set->ttl = r->ttl;
		set->rdata = one;
		set->line = r->line;
		memcpy(chain[k].hash, hash, sizeof(hash));
		chain[k].owner = r->owner;
		chain[k].set = set;
		k++;
	}
	qsort(chain, n, sizeof(*chain), nsec3_cmp);
	/* One record per hash: a second one at the same owner is dropped. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && memcmp(chain[m - 1].hash, chain[i].hash, ZONE_NSEC3_HASH_LEN) == 0) {
			zone_compile_report(zc, true, 0, chain[i].set->line,
			                    "more than one NSEC3 record at %s with the same "
			                    "parameters: only one is served",
			                    text(chain[i].owner, nm));
			continue;
		}
		chain[m++] = chain[i];
	}
	n = m;
	d->nsec3 = chain;
	d->n_nsec3 = n;
	z->n_records += n;
	if (!n)
		return;
	d->denial = ZONE_DENIAL_NSEC3;

	/* The RRSIGs over each NSEC3: counted, then gathered per record. */
	uint16_t *n_sigs = xcalloc(n, sizeof(*n_sigs));
	for (size_t i = 0; i < zc->n_n3; i++) {
		const struct zone_compile_n3 *r = &zc->n3[i];
		if (r->type != DNS_TYPE_RRSIG || !n3_usable(zc, d, r, hash))
			continue;
		uint32_t e = zone_denial_nsec3_find(d, hash);
		if (!(e & ZONE_SEC_COVER) && n_sigs[e] < UINT16_MAX)
			n_sigs[e]++;
	}
	for (size_t e = 0; e < n; e++) {
		if (!n_sigs[e])
			continue;
		struct zone_rrset *sigs = arena_alloc(zc->a, sizeof(*sigs));
		sigs->type = DNS_TYPE_RRSIG;
		sigs->rdata = arena_alloc(zc->a, n_sigs[e] * sizeof(struct zone_rdata));
		sigs->ttl = UINT32_MAX;
		((struct zone_rrset *)chain[e].set)->sigs = sigs;
	}
	for (size_t i = 0; i < zc->n_n3; i++) {
		const struct zone_compile_n3 *r = &zc->n3[i];
		if (r->type != DNS_TYPE_RRSIG || !n3_usable(zc, d, r, hash))
			continue;
		uint32_t e = zone_denial_nsec3_find(d, hash);
		if (e & ZONE_SEC_COVER) {
			zone_compile_report(zc, true, r->file, r->line,
			                    "RRSIG at %s covers an NSEC3 record that is not served",
			                    text(r->owner, nm));
			continue;
		}
		struct zone_rrset *sigs = (struct zone_rrset *)chain[e].set->sigs;
		if (sigs->count == n_sigs[e])
			continue;
		struct zone_rdata *one = (struct zone_rdata *)&sigs->rdata[sigs->count++];
		one->data = r->rdata;
		one->len = r->rdlen;
		one->name_off[0] = one->name_off[1] = ZONE_NO_NAME;
		one->name_above[0] = one->name_above[1] = ZONE_NAME_OUTSIDE;
		if (r->ttl < sigs->ttl)
			sigs->ttl = r->ttl;
		if (sigs->line == 0)
			sigs->line = r->line;
		if (r->rdlen >= 12) {
			uint32_t exp = (uint32_t)r->rdata[8] << 24 | (uint32_t)r->rdata[9] << 16 |
			               (uint32_t)r->rdata[10] << 8 | r->rdata[11];
			if ((int32_t)(exp - zc->now) < 0 && !zc->expired_sig.count) {
				/* Reported like the others, at this record's line. */
				zc->expired_sig.count = 1;
				zc->expired_sig.file = r->file;
				zc->expired_sig.line = r->line;
				zc->expired_sig.type = DNS_TYPE_NSEC3;
				zc->expired_sig.value = exp;
				zc->expired_sig.name = 0;
			}
		}
	}
	for (size_t e = 0; e < n; e++)
		if (!n_sigs[e])
			zone_compile_report(zc, true, 0, chain[e].set->line,
			                    "the NSEC3 record at %s has no RRSIG: the negative "
			                    "answers it proves will not validate",
			                    text(chain[e].owner, nm));
	free(n_sigs);

	/* Every node's hash, and its wildcard's: the only hashes of existing names the
	 * query path will ever need, computed once here. */
	uint8_t wild[DNAME_MAX];
	for (size_t i = 0; i < z->n_nodes; i++) {
		const struct zone_node *node = &z->nodes[i];
		if (node->flags & ZONE_NODE_OCCLUDED)
			continue;
		zone_denial_nsec3_hash(d, node->name, node->name_len, hash);
		sec[i].deny = zone_denial_nsec3_find(d, hash);
		if (node->name_len + 2u > DNAME_MAX)
			continue;
		wild[0] = 1;
		wild[1] = '*';
		memcpy(wild + 2, node->name, node->name_len);
		zone_denial_nsec3_hash(d, wild, node->name_len + 2u, hash);
		uint32_t w = zone_denial_nsec3_find(d, hash);
		if (w & ZONE_SEC_COVER)
			sec[i].wild = w;
	}
}

void zone_dnssec_build(struct zone_compile *zc, struct zone *z)
{
	struct zone_dnssec *d = arena_alloc(zc->a, sizeof(*d));
	struct zone_node_sec *sec = arena_alloc(zc->a, z->n_nodes * sizeof(*sec));
	for (size_t i = 0; i < z->n_nodes; i++)
		sec[i].deny = sec[i].wild = ZONE_SEC_NONE;
	d->sec = sec;
	d->presigned = zc->presigned;
	d->denial = ZONE_DENIAL_NONE;
	z->dnssec = d;

	char zn[DNAME_TEXT_MAX];
	text(z->origin, zn);
	unsigned soa_line = z->soa ? z->soa->line : 0;
	if (!zone_node_rrset(z->apex, DNS_TYPE_DNSKEY))
		zone_compile_report(zc, true, 0, soa_line,
		                    "the zone %s has RRSIG records but no DNSKEY at its apex: "
		                    "validating resolvers cannot check them",
		                    zn);

	const struct zone_compile_n3 *first_n3 = NULL;
	for (size_t i = 0; i < zc->n_n3 && !first_n3; i++)
		if (zc->n3[i].type == DNS_TYPE_NSEC3)
			first_n3 = &zc->n3[i];
	if (first_n3)
		build_nsec3(zc, z, d, sec, first_n3);
	else if (zone_node_rrset(z->apex, DNS_TYPE_NSEC))
		build_nsec(zc, z, d, sec);
	else {
		bool any = false;
		for (size_t i = 0; i < z->n_nodes && !any; i++)
			any = zone_node_rrset(&z->nodes[i], DNS_TYPE_NSEC) != NULL;
		if (any)
			build_nsec(zc, z, d, sec);
		else
			zone_compile_report(
			        zc, true, 0, soa_line,
			        "the signed zone %s has neither NSEC nor NSEC3 records: "
			        "its NXDOMAIN and NODATA answers cannot be proven",
			        zn);
	}
	report_signatures(zc);
}
