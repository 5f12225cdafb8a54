/* SPDX-License-Identifier: MIT
 * zone_compile.c -- turns the records zone_load.c parsed into the immutable struct zone:
 * interns owner names (adding every empty non-terminal), groups records into RRsets,
 * merges duplicates, runs the semantic checks and builds the node hash index.
 * Load thread only; the result lives in the caller's arena. */
#include "zones/zone_compile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"
#include "zones/zone_hash.h"

#define NO_NAME UINT32_MAX
/* rdata bytes are packed into arena chunks of this size: small records would waste most
 * of a 16-byte-aligned arena allocation each. */
#define POOL_CHUNK 16384u
/* A message that names several other RRsets stops listing after this many bytes. */
#define LIST_MAX 200
/* Room for "FILE:LINE" in a message. */
#define WHERE_MAX 512

void zone_compile_init(struct zone_compile *zc, struct arena *a, struct diag *d,
                       const uint8_t *origin)
{
	memset(zc, 0, sizeof(*zc));
	zc->a = a;
	zc->d = d;
	zc->errors_before = d->n_errors;
	size_t olen = dname_len(origin);
	memcpy(zc->origin, origin, olen);
	dname_lower(zc->origin);
	zc->origin_len = (uint8_t)olen;
	zc->origin_labels = (uint8_t)dname_labels(origin);

	zc->ntab_mask = 1023;
	zc->ntab = xcalloc(zc->ntab_mask + 1, sizeof(*zc->ntab));
	zc->cap_names = 256;
	zc->names = xmalloc(zc->cap_names * sizeof(*zc->names));
	/* Name 0 is the apex. */
	struct zone_compile_name *apex = &zc->names[0];
	memset(apex, 0, sizeof(*apex));
	apex->name = arena_memdup(a, zc->origin, olen);
	apex->len = zc->origin_len;
	apex->labels = zc->origin_labels;
	apex->hash = ZONE_HASH_SEED;
	apex->parent = NO_NAME;
	zc->n_names = 1;
	zc->ntab[zone_hash_final(ZONE_HASH_SEED) & zc->ntab_mask] = 1;
	zc->now = (uint32_t)time(NULL);
}

void zone_compile_free(struct zone_compile *zc)
{
	free(zc->files);
	free(zc->recs);
	free(zc->names);
	free(zc->ntab);
	free(zc->n3);
	for (size_t i = 0; i < zc->n_msgs; i++)
		free(zc->msgs[i].text);
	free(zc->msgs);
	memset(zc, 0, sizeof(*zc));
}

uint16_t zone_compile_file(struct zone_compile *zc, const char *path)
{
	zc->files = xrealloc(zc->files, (zc->n_files + 1) * sizeof(*zc->files));
	zc->files[zc->n_files] = arena_strdup(zc->a, path);
	return (uint16_t)zc->n_files++;
}

const char *zone_compile_file_name(const struct zone_compile *zc, uint16_t f)
{
	return zc->files[f];
}

static uint8_t *pool_alloc(struct zone_compile *zc, size_t n)
{
	if (n > zc->pool_left) {
		size_t chunk = n > POOL_CHUNK ? n : POOL_CHUNK;
		zc->pool = arena_alloc(zc->a, chunk);
		zc->pool_left = chunk;
	}
	uint8_t *p = zc->pool;
	zc->pool += n;
	zc->pool_left -= n;
	return p;
}

/* ---- names ---- */

static uint32_t ntab_find(const struct zone_compile *zc, uint32_t hash, const uint8_t *name,
                          size_t len)
{
	size_t i = zone_hash_final(hash) & zc->ntab_mask;
	for (;;) {
		uint32_t v = zc->ntab[i];
		if (v == 0)
			return NO_NAME;
		const struct zone_compile_name *n = &zc->names[v - 1];
		if (n->hash == hash && n->len == len && memcmp(n->name, name, len) == 0)
			return v - 1;
		i = (i + 1) & zc->ntab_mask;
	}
}

static void ntab_put(uint32_t *tab, size_t mask, uint32_t hash, uint32_t idx)
{
	size_t i = zone_hash_final(hash) & mask;
	while (tab[i])
		i = (i + 1) & mask;
	tab[i] = idx + 1;
}

static uint32_t name_add(struct zone_compile *zc, const uint8_t *name, size_t len, unsigned labels,
                         uint32_t hash, uint32_t parent)
{
	if (zc->n_names == zc->cap_names) {
		zc->cap_names *= 2;
		zc->names = xrealloc(zc->names, zc->cap_names * sizeof(*zc->names));
	}
	/* Keep the table at most half full. */
	if ((zc->n_names + 1) * 2 > zc->ntab_mask + 1) {
		size_t mask = zc->ntab_mask * 2 + 1;
		uint32_t *tab = xcalloc(mask + 1, sizeof(*tab));
		for (size_t i = 0; i < zc->n_names; i++)
			ntab_put(tab, mask, zc->names[i].hash, (uint32_t)i);
		free(zc->ntab);
		zc->ntab = tab;
		zc->ntab_mask = mask;
	}
	uint32_t idx = (uint32_t)zc->n_names++;
	struct zone_compile_name *n = &zc->names[idx];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->len = (uint8_t)len;
	n->labels = (uint8_t)labels;
	n->hash = hash;
	n->parent = parent;
	ntab_put(zc->ntab, zc->ntab_mask, hash, idx);
	return idx;
}

/* Label offsets of name and the hash fold of each suffix below the origin:
 * hs[i] is the hash of the suffix starting at label i; hs[below] is the apex's. */
struct name_split {
	uint8_t off[DNAME_MAX / 2 + 1];
	uint32_t hs[DNAME_MAX / 2 + 1];
	unsigned n, below;
	size_t len;
};

static void name_split(const struct zone_compile *zc, const uint8_t *name, struct name_split *s)
{
	size_t p = 0;
	s->n = 0;
	while (name[p]) {
		s->off[s->n++] = (uint8_t)p;
		p += name[p] + 1u;
	}
	s->len = p + 1;
	s->below = s->n - zc->origin_labels;
	s->hs[s->below] = ZONE_HASH_SEED;
	for (unsigned i = s->below; i-- > 0;)
		s->hs[i] = zone_hash_label(s->hs[i + 1], name + s->off[i]);
}

/* Returns the deepest existing name at or above name (lowercase, at or below the
 * origin) and sets *is_exact when it is name itself. */
static uint32_t name_closest(const struct zone_compile *zc, const uint8_t *name, bool *is_exact)
{
	struct name_split s;
	name_split(zc, name, &s);
	for (unsigned i = 0; i < s.below; i++) {
		uint32_t idx = ntab_find(zc, s.hs[i], name + s.off[i], s.len - s.off[i]);
		if (idx != NO_NAME) {
			*is_exact = i == 0;
			return idx;
		}
	}
	*is_exact = s.below == 0;
	return 0;
}

/* Interns name (lowercase, at or below the origin) and every name between it and the
 * apex; returns its index. */
static uint32_t name_intern(struct zone_compile *zc, const uint8_t *name)
{
	struct name_split s;
	name_split(zc, name, &s);
	unsigned i = 0;
	uint32_t idx = 0;
	for (; i < s.below; i++) {
		idx = ntab_find(zc, s.hs[i], name + s.off[i], s.len - s.off[i]);
		if (idx != NO_NAME)
			break;
	}
	if (i == s.below)
		idx = 0;
	if (i == 0)
		return idx;
	/* One copy of the full name; the new ancestors point into it. */
	uint8_t *copy = pool_alloc(zc, s.len);
	memcpy(copy, name, s.len);
	while (i-- > 0)
		idx = name_add(zc, copy + s.off[i], s.len - s.off[i], s.n - i, s.hs[i], idx);
	return idx;
}

/* ---- records ---- */

/* Length of the uncompressed name at rd[0], or 0 when it does not end within len. */
static size_t rdata_name_len(const uint8_t *rd, size_t len)
{
	size_t p = 0;
	while (p < len && rd[p])
		p += rd[p] + 1u;
	return p < len ? p + 1 : 0;
}

/* RFC 3597 section 4: the well-known types whose embedded names may be compressed. */
static void rdata_name_offsets(uint16_t type, const uint8_t *rd, size_t len, uint16_t off[2])
{
	off[0] = off[1] = ZONE_NO_NAME;
	switch (type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_MD:
	case DNS_TYPE_MF:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_MB:
	case DNS_TYPE_MG:
	case DNS_TYPE_MR:
	case DNS_TYPE_PTR:
		if (rdata_name_len(rd, len))
			off[0] = 0;
		break;
	case DNS_TYPE_SOA:
	case DNS_TYPE_MINFO: {
		size_t first = rdata_name_len(rd, len);
		if (first && rdata_name_len(rd + first, len - first)) {
			off[0] = 0;
			off[1] = (uint16_t)first;
		}
		break;
	}
	case DNS_TYPE_MX:
		if (len > 2 && rdata_name_len(rd + 2, len - 2))
			off[0] = 2;
		break;
	default:
		break;
	}
}

/* zone_rdata.name_above of an embedded name (well-formed, as rdata_name_offsets found
 * it): its labels above the origin, compared without regard to case (RFC 4343). */
static uint8_t rdata_name_above(const struct zone_compile *zc, const uint8_t *name)
{
	uint8_t lc[DNAME_MAX];
	memcpy(lc, name, dname_len(name));
	dname_lower(lc);
	if (!dname_is_subdomain(lc, zc->origin))
		return ZONE_NAME_OUTSIDE;
	return (uint8_t)(dname_labels(lc) - zc->origin_labels);
}

const char *zone_compile_type_name(uint16_t type, char buf[16])
{
	const ldns_rr_descriptor *desc = ldns_rr_descript(type);
	if (desc && desc->_type == type && desc->_name)
		return desc->_name;
	snprintf(buf, 16, "TYPE%u", type);
	return buf;
}

/* Keeps an NSEC3 record, or an RRSIG over one, aside for zone_dnssec.c. */
static void add_n3(struct zone_compile *zc, const uint8_t *owner_lc, size_t len, uint16_t type,
                   uint32_t ttl, const uint8_t *rdata, size_t rdlen, uint16_t file, unsigned line)
{
	if (zc->n_n3 == zc->cap_n3) {
		zc->cap_n3 = zc->cap_n3 ? zc->cap_n3 * 2 : 256;
		zc->n3 = xrealloc(zc->n3, zc->cap_n3 * sizeof(*zc->n3));
	}
	struct zone_compile_n3 *r = &zc->n3[zc->n_n3++];
	uint8_t *owner = pool_alloc(zc, len);
	memcpy(owner, owner_lc, len);
	uint8_t *copy = pool_alloc(zc, rdlen ? rdlen : 1);
	if (rdlen)
		memcpy(copy, rdata, rdlen);
	r->owner = owner;
	r->rdata = copy;
	r->ttl = ttl;
	r->line = line;
	r->type = type;
	r->rdlen = (uint16_t)rdlen;
	r->file = file;
}

void zone_compile_add(struct zone_compile *zc, const uint8_t *owner, uint16_t type, uint32_t ttl,
                      const uint8_t *rdata, size_t rdlen, uint16_t file, unsigned line)
{
	uint8_t lc[DNAME_MAX];
	size_t len = dname_len(owner);
	memcpy(lc, owner, len);
	dname_lower(lc);
	if (!dname_is_subdomain(lc, zc->origin)) {
		char on[DNAME_TEXT_MAX], zn[DNAME_TEXT_MAX];
		dname_to_text(lc, on);
		dname_to_text(zc->origin, zn);
		diag_err(zc->d, (struct srcpos){zc->files[file], line}, "%s is outside the zone %s",
		         on, zn);
		return;
	}
	if (type == DNS_TYPE_RRSIG)
		zc->n_rrsig++;
	if (type == DNS_TYPE_NSEC3 || (type == DNS_TYPE_RRSIG && rdlen >= 2 &&
	                               (rdata[0] << 8 | rdata[1]) == DNS_TYPE_NSEC3)) {
		add_n3(zc, lc, len, type, ttl, rdata, rdlen, file, line);
		return;
	}
	uint32_t name;
	const struct zone_compile_name *last = &zc->names[zc->last_name];
	if (last->len == len && memcmp(last->name, lc, len) == 0)
		name = zc->last_name;
	else
		name = zc->last_name = name_intern(zc, lc);

	if (zc->n_recs == zc->cap_recs) {
		zc->cap_recs = zc->cap_recs ? zc->cap_recs * 2 : 1024;
		zc->recs = xrealloc(zc->recs, zc->cap_recs * sizeof(*zc->recs));
	}
	struct zone_compile_rec *r = &zc->recs[zc->n_recs];
	uint8_t *copy = pool_alloc(zc, rdlen ? rdlen : 1);
	if (rdlen)
		memcpy(copy, rdata, rdlen);
	r->rdata = copy;
	r->name = name;
	r->ttl = ttl;
	r->line = line;
	r->seq = (uint32_t)zc->n_recs;
	r->type = type;
	r->rdlen = (uint16_t)rdlen;
	r->file = file;
	rdata_name_offsets(type, copy, rdlen, r->name_off);
	zc->n_recs++;
}

/* ---- diagnostics held back until the end, so they come out in file order ---- */

void zone_compile_add_name(struct zone_compile *zc, const uint8_t *name_lc)
{
	if (dname_is_subdomain(name_lc, zc->origin))
		(void)name_intern(zc, name_lc);
}

void zone_compile_report(struct zone_compile *zc, bool is_warning, uint16_t file, uint32_t line,
                         const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (zc->n_msgs == zc->cap_msgs) {
		zc->cap_msgs = zc->cap_msgs ? zc->cap_msgs * 2 : 16;
		zc->msgs = xrealloc(zc->msgs, zc->cap_msgs * sizeof(*zc->msgs));
	}
	struct zone_compile_msg *m = &zc->msgs[zc->n_msgs];
	m->text = xstrdup(text);
	m->line = line;
	m->seq = (uint32_t)zc->n_msgs;
	m->file = file;
	m->is_warning = is_warning;
	zc->n_msgs++;
}

static int msg_cmp(const void *pa, const void *pb)
{
	const struct zone_compile_msg *a = pa, *b = pb;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

static void msgs_flush(struct zone_compile *zc)
{
	if (zc->n_msgs > 1)
		qsort(zc->msgs, zc->n_msgs, sizeof(*zc->msgs), msg_cmp);
	for (size_t i = 0; i < zc->n_msgs; i++) {
		const struct zone_compile_msg *m = &zc->msgs[i];
		struct srcpos pos = {zc->files[m->file], m->line};
		if (m->is_warning)
			diag_warn(zc->d, pos, "%s", m->text);
		else
			diag_err(zc->d, pos, "%s", m->text);
	}
}

/* "line 12" for a record in the same file as the message, "other.zone:12" otherwise. */
static const char *where(const struct zone_compile *zc, uint16_t msg_file,
                         const struct zone_compile_rec *r, char buf[WHERE_MAX])
{
	if (r->file == msg_file)
		snprintf(buf, WHERE_MAX, "line %u", r->line);
	else
		snprintf(buf, WHERE_MAX, "%s:%u", zc->files[r->file], r->line);
	return buf;
}

/* ---- compile ---- */

static int rec_cmp(const void *pa, const void *pb)
{
	const struct zone_compile_rec *a = pa, *b = pb;
	if (a->name != b->name)
		return a->name < b->name ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

/* RFC 2181 section 5: records are duplicates when owner, type and rdata match; embedded
 * names compare case-insensitively (RFC 4343). */
static bool rdata_same(const struct zone_compile_rec *x, const struct zone_compile_rec *y)
{
	if (x->rdlen != y->rdlen)
		return false;
	size_t p = 0;
	for (int k = 0; k < 2; k++) {
		uint16_t o = x->name_off[k];
		if (o == ZONE_NO_NAME || o != y->name_off[k])
			break;
		if (memcmp(x->rdata + p, y->rdata + p, o - p) != 0)
			return false;
		size_t nl = rdata_name_len(x->rdata + o, x->rdlen - o);
		if (nl != rdata_name_len(y->rdata + o, y->rdlen - o))
			return false;
		if (!dname_equal(x->rdata + o, y->rdata + o))
			return false;
		p = o + nl;
	}
	return memcmp(x->rdata + p, y->rdata + p, x->rdlen - p) == 0;
}

/* End of the run of records of one type that starts at recs[i], within [i, end). */
static size_t group_end(const struct zone_compile *zc, size_t i, size_t end)
{
	uint16_t t = zc->recs[i].type;
	size_t j = i + 1;
	while (j < end && zc->recs[j].type == t)
		j++;
	return j;
}

/* First record of the given type at name idx, or NULL. */
static const struct zone_compile_rec *name_rec(const struct zone_compile *zc, uint32_t idx,
                                               uint16_t type)
{
	const struct zone_compile_name *n = &zc->names[idx];
	for (size_t i = n->first_rec; i < n->first_rec + n->n_recs; i++)
		if (zc->recs[i].type == type)
			return &zc->recs[i];
	return NULL;
}

/* The topmost zone cut at or above name idx, or NO_NAME. */
static uint32_t topmost_cut(const struct zone_compile *zc, const uint16_t *flags, uint32_t idx)
{
	uint32_t cut = NO_NAME;
	for (uint32_t j = idx; j != NO_NAME && j != 0; j = zc->names[j].parent)
		if (flags[j] & ZONE_NODE_CUT)
			cut = j;
	return cut;
}

/* Marks exact duplicates (all but the first of each) in dup[]. */
static void mark_duplicates(const struct zone_compile *zc, bool *dup)
{
	size_t i = 0;
	while (i < zc->n_recs) {
		size_t end = i + 1;
		while (end < zc->n_recs && zc->recs[end].name == zc->recs[i].name &&
		       zc->recs[end].type == zc->recs[i].type)
			end++;
		/* Quadratic in the RRset size; RRsets are small, and this runs once per load. */
		for (size_t j = i + 1; j < end; j++)
			for (size_t k = i; k < j; k++)
				if (!dup[k] && rdata_same(&zc->recs[k], &zc->recs[j])) {
					dup[j] = true;
					break;
				}
		i = end;
	}
}

/* Semantic checks of one RRset (recs[gs..ge) at name idx). */
static void check_rrset(struct zone_compile *zc, uint32_t idx, size_t gs, size_t ge,
                        const bool *dup)
{
	const struct zone_compile_rec *first = &zc->recs[gs];
	if (ge - gs == 1 && first->type != DNS_TYPE_SOA)
		return; /* the common case: nothing to check, so nothing to format */
	char nm[DNAME_TEXT_MAX], zn[DNAME_TEXT_MAX], tb[16], w[WHERE_MAX], w2[WHERE_MAX];
	dname_to_text(zc->names[idx].name, nm);
	dname_to_text(zc->origin, zn);
	const char *tn = zone_compile_type_name(first->type, tb);

	/* RFC 2181 section 5.2: one TTL per RRset. The RRSIGs at a name are no RRset:
	 * each takes the TTL of the set it covers (RFC 4034 section 3). */
	if (first->type == DNS_TYPE_RRSIG)
		return;
	uint32_t min_ttl = first->ttl;
	const struct zone_compile_rec *differs = NULL;
	for (size_t i = gs + 1; i < ge; i++) {
		if (zc->recs[i].ttl != first->ttl && !differs)
			differs = &zc->recs[i];
		if (zc->recs[i].ttl < min_ttl)
			min_ttl = zc->recs[i].ttl;
	}
	/* RRSIGs at one name cover different RRsets and carry their TTLs (RFC 4034
	 * section 3). */
	if (differs && first->type != DNS_TYPE_RRSIG)
		zone_compile_report(zc, true, differs->file, differs->line,
		                    "TTLs differ within the %s RRset at %s (%u at %s, %u at %s); "
		                    "using the lowest, "
		                    "%u (RFC 2181 section 5.2)",
		                    tn, nm, first->ttl, where(zc, differs->file, first, w),
		                    differs->ttl, where(zc, differs->file, differs, w2), min_ttl);

	if (first->type == DNS_TYPE_SOA && idx != 0)
		zone_compile_report(zc, false, first->file, first->line,
		                    "SOA record at %s is not at the zone apex %s", nm, zn);
	if (first->type == DNS_TYPE_SOA || first->type == DNS_TYPE_CNAME) {
		/* RFC 1035 section 5.2 (one SOA per zone), RFC 2181 section 10.1 (one CNAME). */
		for (size_t i = gs + 1; i < ge; i++) {
			const struct zone_compile_rec *r = &zc->recs[i];
			if (dup[i])
				continue;
			if (first->type == DNS_TYPE_SOA && idx == 0)
				zone_compile_report(zc, false, r->file, r->line,
				                    "more than one SOA record at the zone apex %s "
				                    "(the first is at "
				                    "%s)",
				                    nm, where(zc, r->file, first, w));
			else if (first->type == DNS_TYPE_CNAME)
				zone_compile_report(
				        zc, false, r->file, r->line,
				        "more than one CNAME record at %s (the first is at %s)", nm,
				        where(zc, r->file, first, w));
		}
	}
}

/* Checks that look at a whole name: apex SOA/NS, CNAME exclusivity, occlusion. */
static void check_name(struct zone_compile *zc, uint32_t idx, const uint16_t *flags)
{
	const struct zone_compile_name *n = &zc->names[idx];
	size_t end = n->first_rec + n->n_recs;
	const struct zone_compile_rec *cname = name_rec(zc, idx, DNS_TYPE_CNAME);
	if (idx != 0 && !cname && !(flags[idx] & (ZONE_NODE_CUT | ZONE_NODE_OCCLUDED)))
		return; /* the common case: nothing to check, so nothing to format */
	char nm[DNAME_TEXT_MAX], tb[16], w[WHERE_MAX];
	dname_to_text(n->name, nm);

	if (idx == 0) {
		if (!name_rec(zc, 0, DNS_TYPE_SOA))
			zone_compile_report(zc, false, 0, 0, "no SOA record at the zone apex %s",
			                    nm);
		if (!name_rec(zc, 0, DNS_TYPE_NS))
			zone_compile_report(zc, false, 0, 0, "no NS records at the zone apex %s",
			                    nm);
	}

	/* RFC 1034 section 3.6.2, RFC 2181 section 10.1: a CNAME admits no other data
	 * (DNSSEC's RRSIG and NSEC excepted, RFC 4035 section 2.5). */
	if (cname) {
		char list[LIST_MAX + WHERE_MAX + 64];
		size_t len = 0;
		for (size_t i = n->first_rec; i < end; i = group_end(zc, i, end)) {
			const struct zone_compile_rec *r = &zc->recs[i];
			if (r->type == DNS_TYPE_CNAME || r->type == DNS_TYPE_RRSIG ||
			    r->type == DNS_TYPE_NSEC)
				continue;
			bool is_full = len >= LIST_MAX;
			int k = is_full ? snprintf(list + len, sizeof(list) - len, ", ...")
			                : snprintf(list + len, sizeof(list) - len, "%s%s at %s",
			                           len ? ", " : "",
			                           zone_compile_type_name(r->type, tb),
			                           where(zc, cname->file, r, w));
			/* snprintf returns what it would have written: never step past the end. */
			if (k > 0)
				len = len + (size_t)k < sizeof(list) ? len + (size_t)k
				                                     : sizeof(list) - 1;
			if (is_full)
				break;
		}
		if (len)
			zone_compile_report(zc, false, cname->file, cname->line,
			                    "CNAME at %s cannot coexist with other data (%s)", nm,
			                    list);
	}

	/* RFC 1034 section 4.2.1: below a zone cut only glue (addresses) belongs; at the cut
	 * only the NS set, DS (RFC 4035 section 2.4) and glue. Anything else is never
	 * served. SOA and CNAME are reported as errors already. */
	if (flags[idx] & ZONE_NODE_OCCLUDED) {
		char cn[DNAME_TEXT_MAX];
		dname_to_text(zc->names[topmost_cut(zc, flags, idx)].name, cn);
		for (size_t i = n->first_rec; i < end; i = group_end(zc, i, end)) {
			const struct zone_compile_rec *r = &zc->recs[i];
			if (r->type == DNS_TYPE_A || r->type == DNS_TYPE_AAAA ||
			    r->type == DNS_TYPE_SOA)
				continue;
			zone_compile_report(zc, true, r->file, r->line,
			                    "%s record at %s is below the delegation at %s and "
			                    "will not be served "
			                    "(occluded)",
			                    zone_compile_type_name(r->type, tb), nm, cn);
		}
	} else if (flags[idx] & ZONE_NODE_CUT) {
		for (size_t i = n->first_rec; i < end; i = group_end(zc, i, end)) {
			const struct zone_compile_rec *r = &zc->recs[i];
			switch (r->type) {
			case DNS_TYPE_NS:
			case DNS_TYPE_DS:
			case DNS_TYPE_A:
			case DNS_TYPE_AAAA:
			case DNS_TYPE_RRSIG:
			case DNS_TYPE_NSEC:
			case DNS_TYPE_SOA:
			case DNS_TYPE_CNAME:
				continue;
			default:
				zone_compile_report(
				        zc, true, r->file, r->line,
				        "%s record at %s is at a delegation point and will not be "
				        "served "
				        "(occluded)",
				        zone_compile_type_name(r->type, tb), nm);
			}
		}
	}
}

/* RFC 1034 section 4.2.1: an NS target at or below a zone cut can only be reached
 * through glue, so it needs an A or AAAA record in this zone. */
static void check_glue(struct zone_compile *zc, uint32_t idx, const uint16_t *flags,
                       const bool *dup)
{
	const struct zone_compile_name *n = &zc->names[idx];
	size_t end = n->first_rec + n->n_recs;
	for (size_t i = n->first_rec; i < end; i++) {
		const struct zone_compile_rec *r = &zc->recs[i];
		if (r->type != DNS_TYPE_NS || dup[i] || r->name_off[0] == ZONE_NO_NAME)
			continue;
		uint8_t target[DNAME_MAX];
		memcpy(target, r->rdata, dname_len(r->rdata));
		dname_lower(target);
		if (!dname_is_subdomain(target, zc->origin))
			continue;
		bool is_exact;
		uint32_t near = name_closest(zc, target, &is_exact);
		if (!(flags[near] & (ZONE_NODE_CUT | ZONE_NODE_OCCLUDED)))
			continue;
		if (is_exact &&
		    (name_rec(zc, near, DNS_TYPE_A) || name_rec(zc, near, DNS_TYPE_AAAA)))
			continue;
		char nm[DNAME_TEXT_MAX], tn[DNAME_TEXT_MAX], cn[DNAME_TEXT_MAX];
		dname_to_text(n->name, nm);
		dname_to_text(target, tn);
		dname_to_text(zc->names[topmost_cut(zc, flags, near)].name, cn);
		zone_compile_report(zc, true, r->file, r->line,
		                    "NS record at %s names %s, which is below the delegation at %s "
		                    "but has no glue "
		                    "(A or AAAA record)",
		                    nm, tn, cn);
	}
}

static uint32_t rd_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Notes rec as an instance of the DNSSEC problem f when it comes first in file order;
 * type and value say what is wrong with it. */
static void first_note(struct zone_compile_first *f, const struct zone_compile_rec *r,
                       uint16_t type, uint32_t value)
{
	if (f->count++ == 0 || r->file < f->file || (r->file == f->file && r->line < f->line)) {
		f->name = r->name;
		f->line = r->line;
		f->file = r->file;
		f->type = type;
		f->value = value;
	}
}

/* RFC 4034 section 3.1.5: the expiration is a serial number (RFC 1982) of seconds. */
static bool rrsig_expired(const struct zone_compile *zc, const struct zone_compile_rec *r)
{
	if (r->rdlen < 12)
		return false;
	uint32_t expiration = rd_u32(r->rdata + 8);
	return (int32_t)(expiration - zc->now) < 0;
}

/* Builds the RRSIG set of the records in recs[gs..ge) (the RRSIGs of one name) that
 * cover type: NULL when none does. */
static const struct zone_rrset *build_sigs(struct zone_compile *zc, size_t gs, size_t ge,
                                           uint16_t type, const bool *dup)
{
	size_t count = 0;
	uint32_t ttl = UINT32_MAX;
	for (size_t j = gs; j < ge; j++) {
		const struct zone_compile_rec *r = &zc->recs[j];
		if (!dup[j] && r->rdlen >= 2 && (r->rdata[0] << 8 | r->rdata[1]) == type) {
			count++;
			if (r->ttl < ttl)
				ttl = r->ttl;
		}
	}
	if (!count || count > UINT16_MAX)
		return NULL;
	struct zone_rdata *rd = arena_alloc(zc->a, count * sizeof(*rd));
	struct zone_rrset *set = arena_alloc(zc->a, sizeof(*set));
	size_t k = 0;
	for (size_t j = gs; j < ge; j++) {
		const struct zone_compile_rec *r = &zc->recs[j];
		if (dup[j] || r->rdlen < 2 || (r->rdata[0] << 8 | r->rdata[1]) != type)
			continue;
		rd[k].data = r->rdata;
		rd[k].len = r->rdlen;
		rd[k].name_off[0] = rd[k].name_off[1] = ZONE_NO_NAME;
		rd[k].name_above[0] = rd[k].name_above[1] = ZONE_NAME_OUTSIDE;
		if (rrsig_expired(zc, r))
			first_note(&zc->expired_sig, r, type, rd_u32(r->rdata + 8));
		k++;
	}
	memset(set, 0, sizeof(*set));
	set->type = DNS_TYPE_RRSIG;
	set->count = (uint16_t)count;
	set->ttl = ttl;
	set->rdata = rd;
	set->line = zc->recs[gs].line;
	return set;
}

/* True when the RRset of type at a node with these flags is authoritative data that a
 * signed zone signs (RFC 4035 section 2.2): not glue, not the NS set of a cut. */
static bool is_signed_type(uint16_t flags, uint16_t type)
{
	if (type == DNS_TYPE_RRSIG || (flags & ZONE_NODE_OCCLUDED))
		return false;
	if (flags & ZONE_NODE_CUT)
		return type == DNS_TYPE_DS || type == DNS_TYPE_NSEC;
	return true;
}

/* Builds node idx's RRsets in the arena; returns the number of records kept. */
static size_t build_node(struct zone_compile *zc, uint32_t idx, struct zone_node *node,
                         const bool *dup)
{
	const struct zone_compile_name *n = &zc->names[idx];
	size_t end = n->first_rec + n->n_recs, kept = 0;
	unsigned n_rrsets = 0;
	size_t sig_gs = end, sig_ge = end; /* this name's RRSIG records */
	for (size_t i = n->first_rec; i < end; i = group_end(zc, i, end)) {
		n_rrsets++;
		if (zc->recs[i].type == DNS_TYPE_RRSIG) {
			sig_gs = i;
			sig_ge = group_end(zc, i, end);
		}
	}
	if (!n_rrsets)
		return 0;
	struct zone_rrset *sets = arena_alloc(zc->a, n_rrsets * sizeof(*sets));
	struct zone_rrset *set = sets;
	for (size_t i = n->first_rec; i < end; set++) {
		size_t ge = group_end(zc, i, end), count = 0;
		uint32_t ttl = zc->recs[i].ttl;
		for (size_t j = i; j < ge; j++) {
			count += !dup[j];
			if (zc->recs[j].ttl < ttl)
				ttl = zc->recs[j].ttl;
		}
		if (count > UINT16_MAX) {
			char nm[DNAME_TEXT_MAX], tb[16];
			dname_to_text(n->name, nm);
			zone_compile_report(zc, false, zc->recs[i].file, zc->recs[i].line,
			                    "the %s RRset at %s has more than %u records",
			                    zone_compile_type_name(zc->recs[i].type, tb), nm,
			                    UINT16_MAX);
			count = UINT16_MAX;
		}
		struct zone_rdata *rd = arena_alloc(zc->a, count * sizeof(*rd));
		size_t k = 0;
		for (size_t j = i; j < ge && k < count; j++) {
			if (dup[j])
				continue;
			const struct zone_compile_rec *r = &zc->recs[j];
			rd[k].data = r->rdata;
			rd[k].len = r->rdlen;
			for (unsigned m = 0; m < 2; m++) {
				rd[k].name_off[m] = r->name_off[m];
				rd[k].name_above[m] =
				        r->name_off[m] == ZONE_NO_NAME
				                ? ZONE_NAME_OUTSIDE
				                : rdata_name_above(zc, r->rdata + r->name_off[m]);
			}
			k++;
		}
		set->type = zc->recs[i].type;
		set->count = (uint16_t)count;
		set->ttl = ttl;
		set->rdata = rd;
		set->line = zc->recs[i].line;
		set->sigs = NULL;
		if (zc->n_rrsig && set->type != DNS_TYPE_RRSIG) {
			set->sigs = build_sigs(zc, sig_gs, sig_ge, set->type, dup);
			if (!set->sigs && is_signed_type(node->flags, set->type))
				first_note(&zc->unsigned_set, &zc->recs[i], set->type, 0);
		}
		kept += count;
		i = ge;
	}
	node->rrsets = sets;
	node->n_rrsets = (uint16_t)n_rrsets;
	return kept;
}

int zone_compile_finish(struct zone_compile *zc, const struct zone **out)
{
	*out = NULL;
	if (zc->n_recs > 1)
		qsort(zc->recs, zc->n_recs, sizeof(*zc->recs), rec_cmp);
	for (size_t i = 0; i < zc->n_recs; i++) {
		struct zone_compile_name *n = &zc->names[zc->recs[i].name];
		if (n->n_recs++ == 0)
			n->first_rec = (uint32_t)i;
	}
	bool *dup = xcalloc(zc->n_recs ? zc->n_recs : 1, sizeof(*dup));
	mark_duplicates(zc, dup);

	/* Parents come before children, so one pass settles cuts and occlusion. */
	uint16_t *flags = xcalloc(zc->n_names, sizeof(*flags));
	flags[0] = ZONE_NODE_APEX;
	for (uint32_t i = 1; i < zc->n_names; i++) {
		const struct zone_compile_name *n = &zc->names[i];
		if (name_rec(zc, i, DNS_TYPE_NS))
			flags[i] |= ZONE_NODE_CUT;
		if (flags[n->parent] & (ZONE_NODE_CUT | ZONE_NODE_OCCLUDED))
			flags[i] |= ZONE_NODE_OCCLUDED;
		if (n->name[0] == 1 && n->name[1] == '*')
			flags[i] |= ZONE_NODE_WILDCARD;
	}

	for (uint32_t i = 0; i < zc->n_names; i++) {
		const struct zone_compile_name *n = &zc->names[i];
		size_t end = n->first_rec + n->n_recs;
		for (size_t g = n->first_rec; g < end; g = group_end(zc, g, end))
			check_rrset(zc, i, g, group_end(zc, g, end), dup);
		check_name(zc, i, flags);
		if (i == 0 || (flags[i] & (ZONE_NODE_CUT | ZONE_NODE_OCCLUDED)) == ZONE_NODE_CUT)
			check_glue(zc, i, flags, dup);
	}

	struct zone *z = arena_alloc(zc->a, sizeof(*z));
	struct zone_node *nodes = arena_alloc(zc->a, zc->n_names * sizeof(*nodes));
	for (uint32_t i = 0; i < zc->n_names; i++) {
		const struct zone_compile_name *n = &zc->names[i];
		nodes[i].name = n->name;
		nodes[i].name_len = n->len;
		nodes[i].n_labels = n->labels;
		nodes[i].flags = flags[i];
		nodes[i].rrsets = NULL;
		nodes[i].n_rrsets = 0;
		z->n_records += build_node(zc, i, &nodes[i], dup);
	}

	/* The node index: a power of two at least twice the node count (at most half full,
	 * so linear probes stay short). */
	size_t cap = 2;
	while (cap < 2 * zc->n_names)
		cap *= 2;
	uint32_t *slots = arena_alloc(zc->a, cap * sizeof(*slots));
	for (uint32_t i = 0; i < zc->n_names; i++) {
		const struct zone_compile_name *n = &zc->names[i];
		size_t j = zone_hash_name(n->name, n->len - zc->origin_len, n->len) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = i + 1;
	}

	z->origin = nodes[0].name;
	z->origin_len = zc->origin_len;
	z->origin_labels = zc->origin_labels;
	z->file = zc->files[0];
	z->apex = &nodes[0];
	z->nodes = nodes;
	z->n_nodes = zc->n_names;
	z->slots = slots;
	z->hash_mask = cap - 1;
	z->soa = zone_node_rrset(&nodes[0], DNS_TYPE_SOA);
	if (z->soa && z->soa->count == 1) {
		/* RFC 1035 section 3.3.13: MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM. */
		const struct zone_rdata *rd = &z->soa->rdata[0];
		if (rd->name_off[1] != ZONE_NO_NAME) {
			size_t p = rd->name_off[1] + rdata_name_len(rd->data + rd->name_off[1],
			                                            rd->len - rd->name_off[1]);
			if (p + 20 <= rd->len) {
				z->serial = rd_u32(rd->data + p);
				uint32_t minimum = rd_u32(rd->data + p + 16);
				z->neg_ttl = minimum < z->soa->ttl ? minimum : z->soa->ttl;
			}
		}
	}

	z->dnssec = NULL;
	if (zc->n_rrsig)
		zone_dnssec_build(zc, z);

	free(flags);
	free(dup);
	msgs_flush(zc);
	if (zc->d->n_errors > zc->errors_before)
		return GS_EPARSE;
	*out = z;
	return GS_OK;
}
