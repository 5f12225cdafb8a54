/* SPDX-License-Identifier: MIT
 * zone_rrsig.c -- the RRSIGs of one RRset: the records in canonical form and order
 * (RFC 4034 section 6), the RRSIG rdata without its signature followed by them as the
 * data to sign (RFC 4034 section 3.1.8.1), signed with ldns. Never on the query path. */
#include "zones/zone_rrsig.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/xalloc.h"

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

struct canon {
	uint8_t *rd;
	size_t len;
};

static int canon_cmp(const void *pa, const void *pb)
{
	const struct canon *a = pa, *b = pb;
	int c = memcmp(a->rd, b->rd, a->len < b->len ? a->len : b->len);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* The rdata of one record in canonical form (names in it lowercased where RFC 4034
 * section 6.2 says so), into c; false on failure. */
static bool canonical_rdata(const uint8_t *owner, uint16_t type, const uint8_t *rdata, size_t rdlen,
                            ldns_buffer *buf, struct canon *c)
{
	size_t olen = dname_len(owner);
	uint8_t *wire = xmalloc(olen + 10 + rdlen);
	memcpy(wire, owner, olen);
	put16(wire + olen, type);
	put16(wire + olen + 2, DNS_CLASS_IN);
	put32(wire + olen + 4, 0);
	put16(wire + olen + 8, (uint32_t)rdlen);
	memcpy(wire + olen + 10, rdata, rdlen);
	ldns_rr *rr = NULL;
	size_t pos = 0;
	bool ok = ldns_wire2rr(&rr, wire, olen + 10 + rdlen, &pos, LDNS_SECTION_ANSWER) ==
	          LDNS_STATUS_OK;
	free(wire);
	if (!ok)
		return false;
	ldns_rr2canonical(rr);
	ldns_buffer_clear(buf);
	ok = ldns_rr_rdata2buffer_wire(buf, rr) == LDNS_STATUS_OK;
	if (ok) {
		c->len = ldns_buffer_position(buf);
		c->rd = xmalloc(c->len ? c->len : 1);
		memcpy(c->rd, ldns_buffer_begin(buf), c->len);
	}
	ldns_rr_free(rr);
	return ok;
}

bool zone_rrsig_sign(const struct zone_keyset *ks, const struct zone_rrsig_window *w,
                     const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *const *rdata,
                     const uint16_t *rdlen, size_t n, zone_rrsig_emit_fn emit, void *arg)
{
	bool key_rrset = type == LDNS_RR_TYPE_DNSKEY || type == LDNS_RR_TYPE_CDS ||
	                 type == LDNS_RR_TYPE_CDNSKEY;
	/* Each record's rdata in canonical form, sorted, repeats dropped. */
	struct canon *c = xcalloc(n ? n : 1, sizeof(*c));
	size_t nc = 0;
	ldns_buffer *buf = ldns_buffer_new(LDNS_MAX_PACKETLEN);
	bool ok = buf != NULL;
	for (size_t i = 0; i < n && ok; i++) {
		ok = canonical_rdata(owner, type, rdata[i], rdlen[i], buf, &c[nc]);
		nc += ok;
	}
	qsort(c, nc, sizeof(*c), canon_cmp);
	size_t u = 0;
	for (size_t i = 0; i < nc; i++) {
		if (u && canon_cmp(&c[u - 1], &c[i]) == 0) {
			free(c[i].rd);
			continue;
		}
		c[u++] = c[i];
	}
	nc = u;

	size_t olen = dname_len(owner), slen = dname_len(w->signer);
	unsigned labels = dname_labels(owner);
	if (owner[0] == 1 && owner[1] == '*')
		labels--; /* RFC 4034 section 3.1.3: the wildcard label is not counted */
	for (size_t k = 0; k < ks->n && ok; k++) {
		const struct zone_key *key = &ks->v[k];
		if (!(key_rrset ? key->signs_keys : key->signs_data))
			continue;
		uint8_t head[18 + DNAME_MAX];
		put16(head, type);
		head[2] = key->algorithm;
		head[3] = (uint8_t)labels;
		put32(head + 4, ttl);
		put32(head + 8, w->expiration);
		put32(head + 12, w->inception);
		put16(head + 16, key->tag);
		memcpy(head + 18, w->signer, slen);
		size_t hlen = 18 + slen;
		ldns_buffer_clear(buf);
		ldns_buffer_write(buf, head, hlen);
		for (size_t i = 0; i < nc; i++) {
			uint8_t fixed[10];
			put16(fixed, type);
			put16(fixed + 2, DNS_CLASS_IN);
			put32(fixed + 4, ttl);
			put16(fixed + 8, (uint32_t)c[i].len);
			ldns_buffer_write(buf, owner, olen);
			ldns_buffer_write(buf, fixed, sizeof(fixed));
			ldns_buffer_write(buf, c[i].rd, c[i].len);
		}
		if (ldns_buffer_status(buf) != LDNS_STATUS_OK) {
			ok = false;
			break;
		}
		ldns_rdf *sig = ldns_sign_public_buffer(buf, key->key);
		if (!sig) {
			ok = false;
			break;
		}
		size_t len = hlen + ldns_rdf_size(sig);
		uint8_t *rd = xmalloc(len);
		memcpy(rd, head, hlen);
		memcpy(rd + hlen, ldns_rdf_data(sig), ldns_rdf_size(sig));
		ldns_rdf_deep_free(sig);
		emit(arg, rd, len);
		free(rd);
	}
	for (size_t i = 0; i < nc; i++)
		free(c[i].rd);
	free(c);
	if (buf)
		ldns_buffer_free(buf);
	return ok;
}
