/* SPDX-License-Identifier: MIT
 * zone_signer.c -- signs a zone between reading and compiling it: adds the DNSKEY, CDS,
 * CDNSKEY and NSEC3PARAM records, the NSEC or NSEC3 chain (RFC 4034, RFC 5155; NSEC3
 * with no salt and no extra iterations, RFC 9276) over the names of the zone file and
 * the names steering answers, and an RRSIG for every authoritative RRset (RFC 4035
 * section 2.2). The result is what a zone file signed elsewhere would hold, handed to
 * zone_compile like records read from a file. Load thread only; ldns objects live only
 * for the call. */
#include "zones/zone_signer.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <ldns/ldns.h>

#include "server/base/arena.h"
#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"
#include "zones/zone_rrsig.h"

#define SHA1_LEN         20
#define NSEC3_HASH_SHA1  1
#define DS_DIGEST_SHA256 2

/* One record of the signed zone: from the zone file, or made here. */
struct srec {
	const uint8_t *owner; /* lowercase wire */
	const uint8_t *rdata;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	bool is_new;    /* made here: handed to zone_compile */
	bool dump_only; /* a sample steered answer: printed, never compiled */
};

/* One name of the zone, in canonical order, with what the denial chain says of it. */
struct sname {
	const uint8_t *name;
	size_t first, n; /* its records in the sorted record array */
	bool steer_a, steer_aaaa;
	bool is_cut, is_occluded;
	uint8_t hash[SHA1_LEN]; /* NSEC3 */
};

struct signer {
	struct zone_compile *zc;
	const struct zone_sign_params *p;
	const struct zone_keyset *ks;
	struct arena *tmp; /* everything made here, until zone_compile has copied it */
	struct srec *v;
	size_t n, cap;
	uint32_t inception, expiration;
	uint32_t soa_ttl, soa_minimum;
	bool has_soa;
	bool sampling;             /* records pushed now are dump_only */
	const uint8_t *emit_owner; /* sign_rrset: owner and TTL of the RRSIGs being made */
	uint32_t emit_ttl;
};

static void push(struct signer *s, const uint8_t *owner, uint16_t type, uint32_t ttl,
                 const uint8_t *rdata, size_t rdlen, bool is_new)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = (struct srec){.owner = owner,
	                             .rdata = rdata,
	                             .ttl = ttl,
	                             .type = type,
	                             .rdlen = (uint16_t)rdlen,
	                             .is_new = is_new && !s->sampling,
	                             .dump_only = s->sampling};
}

static void push_copy(struct signer *s, const uint8_t *owner, uint16_t type, uint32_t ttl,
                      const uint8_t *rdata, size_t rdlen)
{
	push(s, owner, type, ttl, rdlen ? arena_memdup(s->tmp, rdata, rdlen) : (const uint8_t *)"",
	     rdlen, true);
}

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

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int memcmp_len(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

static int srec_cmp(const void *pa, const void *pb)
{
	const struct srec *a = pa, *b = pb;
	int c = dname_compare(a->owner, b->owner);
	if (c)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return memcmp_len(a->rdata, a->rdlen, b->rdata, b->rdlen);
}

/* Turns one record into an ldns_rr (for canonical forms and printing); NULL on failure. */
static ldns_rr *to_ldns(const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *rdata,
                        size_t rdlen)
{
	size_t olen = dname_len(owner);
	uint8_t *wire = xmalloc(olen + 10 + rdlen);
	memcpy(wire, owner, olen);
	put16(wire + olen, type);
	put16(wire + olen + 2, DNS_CLASS_IN);
	put32(wire + olen + 4, ttl);
	put16(wire + olen + 8, (uint32_t)rdlen);
	memcpy(wire + olen + 10, rdata, rdlen);
	ldns_rr *rr = NULL;
	size_t pos = 0;
	if (ldns_wire2rr(&rr, wire, olen + 10 + rdlen, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		rr = NULL;
	free(wire);
	return rr;
}

/* ---- reading the zone's own records ---- */

/* Takes the zone file's records from zc, refusing the ones a signer makes. */
static bool take_records(struct signer *s, bool *has_cds, bool *has_cdnskey)
{
	struct zone_compile *zc = s->zc;
	bool ok = true;
	for (size_t i = 0; i < zc->n_recs; i++) {
		const struct zone_compile_rec *r = &zc->recs[i];
		const uint8_t *owner = zc->names[r->name].name;
		switch (r->type) {
		case LDNS_RR_TYPE_RRSIG:
		case LDNS_RR_TYPE_NSEC:
		case LDNS_RR_TYPE_NSEC3:
		case LDNS_RR_TYPE_NSEC3PARAM: {
			char *tn = ldns_rr_type2str(r->type);
			diag_err(zc->d, (struct srcpos){zc->files[r->file], r->line},
			         "%s record in a zone that geosteer signs (dnssec: in the "
			         "configuration): remove the RRSIG, NSEC, NSEC3 and NSEC3PARAM "
			         "records from the zone file",
			         tn ? tn : "?");
			free(tn);
			ok = false;
			continue;
		}
		case LDNS_RR_TYPE_CDS:
			*has_cds = *has_cds || r->name == 0;
			break;
		case LDNS_RR_TYPE_CDNSKEY:
			*has_cdnskey = *has_cdnskey || r->name == 0;
			break;
		case LDNS_RR_TYPE_SOA:
			if (r->name == 0 && !s->has_soa) {
				/* MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM. */
				size_t p = 0;
				for (int k = 0; k < 2 && p < r->rdlen; k++)
					p += dname_len(r->rdata + p);
				if (p + 20 <= r->rdlen) {
					s->soa_minimum = get32(r->rdata + p + 16);
					s->soa_ttl = r->ttl;
					s->has_soa = true;
				}
			}
			break;
		default:
			break;
		}
		push(s, owner, r->type, r->ttl, r->rdata, r->rdlen, false);
	}
	return ok;
}

/* ---- the key records at the apex ---- */

/* True when the zone file itself holds key's DNSKEY record at the apex. */
static bool published_in_file(const struct signer *s, const uint8_t *apex,
                              const struct zone_key *key)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct srec *r = &s->v[i];
		if (r->type == LDNS_RR_TYPE_DNSKEY && r->owner == apex && !r->is_new &&
		    r->rdlen == key->dnskey_len && memcmp(r->rdata, key->dnskey, r->rdlen) == 0)
			return true;
	}
	return false;
}

static void add_key_records(struct signer *s, bool has_cds, bool has_cdnskey, uint32_t nsec_ttl)
{
	const uint8_t *apex = s->zc->names[0].name;
	/* The DNSKEY RRset takes the TTL of DNSKEYs the file publishes (keys published
	 * ahead of a rollover), else the SOA's. */
	uint32_t ttl = s->soa_ttl;
	bool file_keys = false;
	for (size_t i = 0; i < s->n; i++) {
		const struct srec *r = &s->v[i];
		if (r->type == LDNS_RR_TYPE_DNSKEY && r->owner == apex) {
			if (!file_keys || r->ttl < ttl)
				ttl = r->ttl;
			file_keys = true;
		}
	}
	for (size_t k = 0; k < s->ks->n; k++) {
		const struct zone_key *key = &s->ks->v[k];
		/* A configured key the zone file publishes too is one DNSKEY, not two. */
		if (!published_in_file(s, apex, key))
			push_copy(s, apex, LDNS_RR_TYPE_DNSKEY, ttl, key->dnskey, key->dnskey_len);
		if (!key->signs_keys)
			continue;
		/* RFC 7344 and RFC 8078: CDS and CDNSKEY for the keys the parent's DS should
		 * point at. */
		if (!has_cdnskey)
			push_copy(s, apex, LDNS_RR_TYPE_CDNSKEY, ttl, key->dnskey, key->dnskey_len);
		if (!has_cds) {
			ldns_rr *pub = to_ldns(apex, LDNS_RR_TYPE_DNSKEY, ttl, key->dnskey,
			                       key->dnskey_len);
			ldns_rr *ds = pub ? ldns_key_rr2ds(pub, LDNS_SHA256) : NULL;
			if (ds) {
				uint8_t rd[4 + 64];
				size_t len = 0;
				for (size_t i = 0; i < ldns_rr_rd_count(ds); i++) {
					const ldns_rdf *f = ldns_rr_rdf(ds, i);
					if (len + ldns_rdf_size(f) <= sizeof(rd))
						memcpy(rd + len, ldns_rdf_data(f),
						       ldns_rdf_size(f));
					len += ldns_rdf_size(f);
				}
				if (len <= sizeof(rd))
					push_copy(s, apex, LDNS_RR_TYPE_CDS, ttl, rd, len);
			}
			ldns_rr_free(ds);
			ldns_rr_free(pub);
		}
	}
	if (s->p->denial == ZONE_SIGN_NSEC3) {
		/* Hash SHA-1, flags 0, 0 iterations, no salt (RFC 9276 section 3.1). */
		static const uint8_t param[5] = {NSEC3_HASH_SHA1, 0, 0, 0, 0};
		push_copy(s, apex, LDNS_RR_TYPE_NSEC3PARAM, nsec_ttl, param, sizeof(param));
	}
}

/* ---- names and the denial chain ---- */

static int name_ptr_cmp(const void *pa, const void *pb)
{
	return dname_compare(*(const uint8_t *const *)pa, *(const uint8_t *const *)pb);
}

/* The zone's names in canonical order: owners of records, steered names and every
 * empty non-terminal between them and the apex. s->v must be sorted. */
static struct sname *collect_names(struct signer *s, size_t *n_out)
{
	const struct zone_sign_params *p = s->p;
	unsigned apex_labels = s->zc->origin_labels;
	size_t cap = 0, n = 0;
	const uint8_t **all = NULL;
	for (size_t pass = 0; pass < 2; pass++) {
		size_t k = 0;
		for (size_t i = 0; i <= s->n + p->n_steered; i++) {
			const uint8_t *name;
			if (i < s->n) {
				if (i > 0 && s->v[i - 1].owner == s->v[i].owner)
					continue;
				name = s->v[i].owner;
			} else if (i - s->n < p->n_steered) {
				name = p->steered[i - s->n].name;
				if (!dname_is_subdomain(name, s->zc->origin))
					continue;
			} else {
				break;
			}
			/* The name and each of its ancestors down to the apex. */
			for (unsigned l = dname_labels(name); l >= apex_labels; l--) {
				if (pass)
					all[k] = dname_suffix(name, l);
				k++;
				if (l == 0)
					break;
			}
		}
		if (!pass) {
			cap = k;
			all = xmalloc((cap ? cap : 1) * sizeof(*all));
		}
	}
	qsort(all, cap, sizeof(*all), name_ptr_cmp);
	struct sname *names = xcalloc(cap ? cap : 1, sizeof(*names));
	size_t r = 0;
	for (size_t i = 0; i < cap; i++) {
		if (n && dname_compare(names[n - 1].name, all[i]) == 0)
			continue;
		struct sname *sn = &names[n++];
		sn->name = all[i];
		while (r < s->n && dname_compare(s->v[r].owner, sn->name) < 0)
			r++;
		sn->first = r;
		while (r < s->n && dname_compare(s->v[r].owner, sn->name) == 0)
			r++;
		sn->n = r - sn->first;
		for (size_t j = 0; j < p->n_steered; j++) {
			if (dname_equal(p->steered[j].name, sn->name)) {
				sn->steer_a |= p->steered[j].has_a;
				sn->steer_aaaa |= p->steered[j].has_aaaa;
			}
		}
	}
	free(all);

	/* Delegations and what they hide: in canonical order a name's descendants follow
	 * it, so one pass with the innermost open cut settles both (RFC 1034 4.2.1). */
	const uint8_t *cut = NULL;
	for (size_t i = 0; i < n; i++) {
		struct sname *sn = &names[i];
		if (cut && dname_is_subdomain(sn->name, cut)) {
			sn->is_occluded = true;
			continue;
		}
		cut = NULL;
		if (i == 0)
			continue; /* the apex */
		for (size_t j = sn->first; j < sn->first + sn->n; j++)
			if (s->v[j].type == LDNS_RR_TYPE_NS)
				sn->is_cut = true;
		if (sn->is_cut)
			cut = sn->name;
	}
	*n_out = n;
	return names;
}

static bool sname_has(const struct signer *s, const struct sname *sn, uint16_t type)
{
	for (size_t j = sn->first; j < sn->first + sn->n; j++)
		if (s->v[j].type == type)
			return true;
	return false;
}

/* The types the denial chain lists for sn (sorted, unique); extra is NSEC for an NSEC
 * chain (the NSEC lives at the name itself), 0 for NSEC3. Returns the count. */
static size_t chain_types(const struct signer *s, const struct sname *sn, uint16_t extra,
                          uint16_t *out, size_t cap)
{
	size_t n = 0;
	bool has_ds = sname_has(s, sn, LDNS_RR_TYPE_DS);
	if (sn->is_cut) {
		/* RFC 4035 section 2.3: at a delegation only NS and what the parent holds
		 * (DS, and the NSEC with its RRSIG). */
		out[n++] = LDNS_RR_TYPE_NS;
		if (has_ds)
			out[n++] = LDNS_RR_TYPE_DS;
		if (has_ds || extra)
			out[n++] = LDNS_RR_TYPE_RRSIG;
		if (extra)
			out[n++] = extra;
	} else {
		for (size_t j = sn->first; j < sn->first + sn->n && n + 5 < cap; j++)
			if (!n || out[n - 1] != s->v[j].type)
				out[n++] = s->v[j].type;
		if (sn->steer_a)
			out[n++] = LDNS_RR_TYPE_A;
		if (sn->steer_aaaa)
			out[n++] = LDNS_RR_TYPE_AAAA;
		if (n || extra)
			out[n++] = LDNS_RR_TYPE_RRSIG;
		if (extra)
			out[n++] = extra;
	}
	/* Sort and drop repeats (steered types may meet the file's). */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			uint16_t t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || out[u - 1] != out[i])
			out[u++] = out[i];
	return u;
}

/* RFC 4034 section 4.1.2: the type bit maps field. Returns its length in out. */
static size_t type_bitmap(const uint16_t *types, size_t n, uint8_t *out)
{
	size_t len = 0, i = 0;
	while (i < n) {
		unsigned window = types[i] >> 8;
		uint8_t bits[32] = {0};
		unsigned top = 0;
		for (; i < n && (unsigned)(types[i] >> 8) == window; i++) {
			unsigned lo = types[i] & 0xffu;
			bits[lo / 8] |= (uint8_t)(0x80u >> (lo % 8));
			top = lo / 8 + 1;
		}
		out[len++] = (uint8_t)window;
		out[len++] = (uint8_t)top;
		memcpy(out + len, bits, top);
		len += top;
	}
	return len;
}

#define TYPES_MAX  1024
#define BITMAP_MAX (256 * 34)

static void make_nsec_chain(struct signer *s, const struct sname *names, size_t n, uint32_t ttl)
{
	size_t *in = xmalloc((n ? n : 1) * sizeof(*in)), m = 0;
	for (size_t i = 0; i < n; i++)
		if (!names[i].is_occluded &&
		    (names[i].n || names[i].steer_a || names[i].steer_aaaa))
			in[m++] = i;
	uint16_t *types = xmalloc(TYPES_MAX * sizeof(*types));
	uint8_t *rd = xmalloc(DNAME_MAX + BITMAP_MAX);
	for (size_t k = 0; k < m; k++) {
		const struct sname *sn = &names[in[k]], *next = &names[in[(k + 1) % m]];
		size_t nl = dname_len(next->name);
		memcpy(rd, next->name, nl);
		size_t nt = chain_types(s, sn, LDNS_RR_TYPE_NSEC, types, TYPES_MAX);
		size_t len = nl + type_bitmap(types, nt, rd + nl);
		push_copy(s, sn->name, LDNS_RR_TYPE_NSEC, ttl, rd, len);
	}
	free(rd);
	free(types);
	free(in);
}

static int hash_cmp(const void *pa, const void *pb)
{
	const struct sname *a = *(const struct sname *const *)pa,
	                   *b = *(const struct sname *const *)pb;
	return memcmp(a->hash, b->hash, SHA1_LEN);
}

/* RFC 4648 section 7, lowercase: the label of a hashed owner name. */
static void base32hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = digits[(acc >> (bits - 5)) & 31u];
			bits -= 5;
		}
	}
	if (bits)
		out[o++] = digits[(acc << (5 - bits)) & 31u];
	out[o] = '\0';
}

static bool make_nsec3_chain(struct signer *s, struct sname *names, size_t n, uint32_t ttl)
{
	struct sname **in = xmalloc((n ? n : 1) * sizeof(*in));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (names[i].is_occluded)
			continue;
		/* RFC 5155 section 5 with no salt and 0 extra iterations: one SHA-1 of the
		 * canonical (lowercase) wire name. */
		ldns_sha1(names[i].name, (unsigned)dname_len(names[i].name), names[i].hash);
		in[m++] = &names[i];
	}
	qsort(in, m, sizeof(*in), hash_cmp);
	bool ok = true;
	uint16_t *types = xmalloc(TYPES_MAX * sizeof(*types));
	uint8_t *rd = xmalloc(6 + SHA1_LEN + BITMAP_MAX);
	const uint8_t *origin = s->zc->names[0].name;
	size_t olen = dname_len(origin);
	for (size_t k = 0; k < m; k++) {
		const struct sname *sn = in[k], *next = in[(k + 1) % m];
		if (m > 1 && memcmp(sn->hash, next->hash, SHA1_LEN) == 0 && k + 1 < m) {
			char a[DNAME_TEXT_MAX], b[DNAME_TEXT_MAX];
			dname_to_text(sn->name, a);
			dname_to_text(next->name, b);
			diag_err(s->zc->d, s->p->pos,
			         "dnssec: the NSEC3 hashes of %s and %s collide; sign with denial: "
			         "nsec",
			         a, b);
			ok = false;
			break;
		}
		/* Algorithm, flags (no opt-out), iterations, salt length, hash length. */
		rd[0] = NSEC3_HASH_SHA1;
		rd[1] = 0;
		put16(rd + 2, 0);
		rd[4] = 0;
		rd[5] = SHA1_LEN;
		memcpy(rd + 6, next->hash, SHA1_LEN);
		size_t nt = chain_types(s, sn, 0, types, TYPES_MAX);
		size_t len = 6 + SHA1_LEN + type_bitmap(types, nt, rd + 6 + SHA1_LEN);
		uint8_t *owner = arena_alloc(s->tmp, 1 + 32 + olen);
		char label[40];
		base32hex(sn->hash, SHA1_LEN, label);
		owner[0] = (uint8_t)strlen(label);
		memcpy(owner + 1, label, owner[0]);
		memcpy(owner + 1 + owner[0], origin, olen);
		push_copy(s, owner, LDNS_RR_TYPE_NSEC3, ttl, rd, len);
	}
	free(rd);
	free(types);
	free(in);
	return ok;
}

/* ---- signatures ---- */

static void emit_rrsig(void *arg, const uint8_t *rdata, size_t len)
{
	struct signer *s = arg;
	push(s, s->emit_owner, LDNS_RR_TYPE_RRSIG, s->emit_ttl, arena_memdup(s->tmp, rdata, len),
	     len, true);
}

/* Signs the RRset v[0..n) (one owner and type) with every key whose role covers it,
 * adding the RRSIGs. Returns false when the crypto library failed. */
static bool sign_rrset(struct signer *s, const struct srec *v, size_t n)
{
	uint32_t ttl = v[0].ttl;
	for (size_t i = 1; i < n; i++)
		if (v[i].ttl < ttl)
			ttl = v[i].ttl; /* zone_compile serves the lowest too */
	const uint8_t **rd = xmalloc(n * sizeof(*rd));
	uint16_t *len = xmalloc(n * sizeof(*len));
	for (size_t i = 0; i < n; i++) {
		rd[i] = v[i].rdata;
		len[i] = v[i].rdlen;
	}
	/* v may move while RRSIGs are pushed: copy what is needed first. */
	const uint8_t *owner = v[0].owner;
	uint16_t type = v[0].type;
	s->emit_owner = owner;
	s->emit_ttl = ttl;
	struct zone_rrsig_window w = {.signer = s->zc->names[0].name,
	                              .inception = s->inception,
	                              .expiration = s->expiration};
	bool ok = zone_rrsig_sign(s->ks, &w, owner, type, ttl, rd, len, n, emit_rrsig, s);
	free(rd);
	free(len);
	return ok;
}

/* Signs every authoritative RRset of v[0..end): not at or below a delegation, except
 * the DS (and the NSEC) at one (RFC 4035 section 2.2). */
static bool sign_all(struct signer *s, const struct sname *names, size_t n_names, size_t end)
{
	size_t ni = 0;
	for (size_t i = 0; i < end;) {
		size_t j = i + 1;
		while (j < end && s->v[j].owner == s->v[i].owner && s->v[j].type == s->v[i].type)
			j++;
		const struct srec *r = &s->v[i];
		/* Records and names are in the same order; NSEC3 owners are not in names. */
		while (ni < n_names && dname_compare(names[ni].name, r->owner) < 0)
			ni++;
		const struct sname *sn =
		        ni < n_names && dname_compare(names[ni].name, r->owner) == 0 ? &names[ni]
		                                                                     : NULL;
		bool sign = true;
		if (sn && sn->is_occluded)
			sign = false;
		else if (sn && sn->is_cut)
			sign = r->type == LDNS_RR_TYPE_DS || r->type == LDNS_RR_TYPE_NSEC;
		if (sign && !sign_rrset(s, &s->v[i], j - i)) {
			diag_err(s->zc->d, s->p->pos,
			         "dnssec: signing failed (crypto library error)");
			return false;
		}
		i = j;
	}
	return true;
}

/* Adds the sample steered answers of p, signed, for the dump. */
static bool add_samples(struct signer *s, const struct sname *names, size_t n_names)
{
	const struct zone_sign_params *p = s->p;
	s->sampling = true;
	bool ok = true;
	for (size_t i = 0; i < p->n_steered && ok; i++) {
		const struct zone_sign_steered *st = &p->steered[i];
		bool skip = !dname_is_subdomain(st->name, s->zc->origin);
		for (size_t j = 0; j < n_names && !skip; j++)
			if (dname_equal(names[j].name, st->name))
				skip = names[j].is_occluded;
		for (int fam = 0; fam < 2 && !skip && ok; fam++) {
			size_t first = s->n;
			for (size_t k = 0; k < st->n_sample; k++) {
				const struct netaddr *a = &st->sample[k];
				if ((a->family == AF_INET) != (fam == 0))
					continue;
				push_copy(s, st->name, fam ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A,
				          st->ttl, a->addr, fam ? 16 : 4);
			}
			if (s->n > first)
				ok = sign_rrset(s, &s->v[first], s->n - first);
		}
	}
	s->sampling = false;
	return ok;
}

/* ---- the whole run ---- */

static void dump_zone(struct signer *s)
{
	struct srec *all = xmalloc((s->n ? s->n : 1) * sizeof(*all));
	memcpy(all, s->v, s->n * sizeof(*all));
	qsort(all, s->n, sizeof(*all), srec_cmp);
	for (size_t i = 0; i < s->n; i++) {
		ldns_rr *rr =
		        to_ldns(all[i].owner, all[i].type, all[i].ttl, all[i].rdata, all[i].rdlen);
		if (rr)
			ldns_rr_print(s->p->dump, rr);
		ldns_rr_free(rr);
	}
	free(all);
}

int zone_signer_run(struct zone_compile *zc, const struct zone_sign_params *p,
                    const struct zone_keyset *ks, int64_t *signed_at, int64_t *expires)
{
	struct signer s = {.zc = zc, .p = p, .ks = ks, .tmp = arena_new()};
	int64_t now = p->now ? p->now : (int64_t)time(NULL);
	s.inception = (uint32_t)(now - ZONE_SIGN_INCEPTION_SKEW);
	s.expiration = (uint32_t)(now + p->validity);
	bool has_cds = false, has_cdnskey = false;
	bool ok = take_records(&s, &has_cds, &has_cdnskey);
	if (ok && !s.has_soa)
		ok = false; /* zone_compile reports the missing SOA */
	struct sname *names = NULL;
	size_t n_names = 0;
	if (ok) {
		/* RFC 9077: denial records live no longer than the negative answers they
		 * prove. */
		uint32_t nsec_ttl = s.soa_minimum < s.soa_ttl ? s.soa_minimum : s.soa_ttl;
		add_key_records(&s, has_cds, has_cdnskey, nsec_ttl);
		qsort(s.v, s.n, sizeof(*s.v), srec_cmp);
		names = collect_names(&s, &n_names);
		size_t signed_end = s.n;
		if (p->denial == ZONE_SIGN_NSEC)
			make_nsec_chain(&s, names, n_names, nsec_ttl);
		else
			ok = make_nsec3_chain(&s, names, n_names, nsec_ttl);
		if (ok) {
			size_t chain_end = s.n;
			ok = sign_all(&s, names, n_names, signed_end);
			/* The chain records: each an RRset of its own. */
			for (size_t i = signed_end; ok && i < chain_end; i++) {
				if (!sign_rrset(&s, &s.v[i], 1)) {
					diag_err(zc->d, p->pos,
					         "dnssec: signing failed (crypto library error)");
					ok = false;
				}
			}
		}
	}
	if (ok && p->dump)
		ok = add_samples(&s, names, n_names);
	if (ok) {
		for (size_t i = 0; i < s.n; i++)
			if (s.v[i].is_new)
				zone_compile_add(zc, s.v[i].owner, s.v[i].type, s.v[i].ttl,
				                 s.v[i].rdata, s.v[i].rdlen, 0, 0);
		/* Steered names become nodes of the zone: a query for another type there, or
		 * for a name below one, is then answered and proven like at any name. */
		for (size_t i = 0; i < n_names; i++)
			if ((names[i].steer_a || names[i].steer_aaaa) && !names[i].is_occluded)
				zone_compile_add_name(zc, names[i].name);
		if (p->dump)
			dump_zone(&s);
		*signed_at = now;
		*expires = now + p->validity;
	}
	free(names);
	free(s.v);
	arena_destroy(s.tmp);
	return ok ? GS_OK : GS_EPARSE;
}
