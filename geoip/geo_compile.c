/* SPDX-License-Identifier: MIT
 * geo_compile.c -- MaxMind tree walk, and map rules -> compiled nettrees (see
 * geo_compile.h and geo.h). Load thread only. */
#include "geoip/geo_compile.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoip/dclist.h"
#include "geoip/geo.h"
#include "geoip/geo_embed.h"
#include "geoip/geodb.h"
#include "geoip/nearest.h"
#include "geoip/nettree.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"

/* --- map rules --------------------------------------------------------------------- */

static const char *const kind_names[GEO_RULE_KINDS] = {
        [GEO_RULE_NETWORKS] = "networks",         [GEO_RULE_ASNS] = "asns",
        [GEO_RULE_SUBDIVISIONS] = "subdivisions", [GEO_RULE_COUNTRIES] = "countries",
        [GEO_RULE_CONTINENTS] = "continents",
};

/* Continent codes as GeoIP2 writes them (continent.code). */
static const char *const continents[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};

/* Marks "no networks rule here" / "not an embedded range" in overlay partitions. */
#define NONE UINT32_MAX
/* A location no rule matches, while resolving (list ids stay below DCLIST_MAX). */
#define NO_RULE UINT16_MAX

/* Rule lookup keys: the kind in the top byte, up to 7 bytes of payload. */
static uint64_t rule_key(enum geo_rule_kind kind, const char *text, uint32_t asn)
{
	uint64_t k = 0;
	if (kind == GEO_RULE_ASNS)
		k = asn;
	else
		for (size_t i = 0; text[i] && i < 7; i++)
			k = k << 8 | (unsigned char)text[i];
	return (uint64_t)kind << 56 | k;
}

static bool all(const char *s, size_t from, size_t to, int (*pred)(int))
{
	for (size_t i = from; i < to; i++)
		if (!pred((unsigned char)s[i]))
			return false;
	return true;
}

/* Normalises and checks the key of a continents, countries or subdivisions rule into
 * out (upper case). Returns a static reason when it is not valid. */
static const char *check_key(enum geo_rule_kind kind, const char *key, char out[16])
{
	size_t n = strlen(key);
	if (n >= 16)
		return "is too long";
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)toupper((unsigned char)key[i]);
	switch (kind) {
	case GEO_RULE_CONTINENTS:
		for (size_t i = 0; i < GS_ARRAY_LEN(continents); i++)
			if (strcmp(out, continents[i]) == 0)
				return NULL;
		return "is not a continent code (AF AN AS EU NA OC SA)";
	case GEO_RULE_COUNTRIES:
		if (n == 2 && all(out, 0, 2, isalpha))
			return NULL;
		return "is not a two-letter country code (ISO 3166-1 alpha-2)";
	case GEO_RULE_SUBDIVISIONS:
		if (n >= 4 && n <= 6 && all(out, 0, 2, isalpha) && out[2] == '-' &&
		    all(out, 3, n, isalnum))
			return NULL;
		return "is not a subdivision code like US-CA (ISO 3166-2)";
	default:
		return NULL;
	}
}

static void to_u128(const struct netaddr *a, unsigned __int128 *x)
{
	unsigned n = a->family == AF_INET ? 4 : 16;
	*x = 0;
	for (unsigned i = 0; i < n; i++)
		*x = *x << 8 | a->addr[i];
}

static void format_net(const struct netprefix *p, char *out, size_t len)
{
	char text[NETADDR_TEXT_MAX];
	netaddr_format(&p->a, text);
	size_t n = strlen(text);
	if (n + 5 > len) /* "/128" and the NUL; every formatted address fits the callers' */
		n = len > 5 ? len - 5 : 0;
	memcpy(out, text, n);
	snprintf(out + n, len - n, "/%u", (unsigned)p->len & 0xffu);
}

struct compile {
	const struct cfg_map *m;
	const struct geo_db *db;
	struct diag *d;
	struct dclist_builder *b;
	struct geopart_idmap keys;              /* rule_key -> index in rules[kind] */
	struct geo_rule *rules[GEO_RULE_KINDS]; /* heap; key strings heap too */
	bool *matched[GEO_RULE_KINDS];          /* heap */
	size_t n_rules[GEO_RULE_KINDS];
	const struct srcpos *pos[GEO_RULE_KINDS]; /* per rule, borrowed from m */
	uint32_t *loc_val;                        /* heap; loc id -> GEO_VAL(list, kind) */
	struct nearest *near;                     /* heap; NULL without coordinates */
};

static const struct cfg_map_rule *cfg_rules(const struct cfg_map *m, enum geo_rule_kind k,
                                            size_t *n)
{
	switch (k) {
	case GEO_RULE_NETWORKS:
		*n = m->n_networks;
		return m->networks;
	case GEO_RULE_ASNS:
		*n = m->n_asns;
		return m->asns;
	case GEO_RULE_SUBDIVISIONS:
		*n = m->n_subdivisions;
		return m->subdivisions;
	case GEO_RULE_COUNTRIES:
		*n = m->n_countries;
		return m->countries;
	default:
		*n = m->n_continents;
		return m->continents;
	}
}

/* Checks and interns every rule of kind k. */
static int collect(struct compile *c, enum geo_rule_kind k)
{
	int rc = GS_OK;
	size_t n;
	const struct cfg_map_rule *in = cfg_rules(c->m, k, &n);
	c->rules[k] = xcalloc(n ? n : 1, sizeof(struct geo_rule));
	c->matched[k] = xcalloc(n ? n : 1, sizeof(bool));
	c->pos[k] = NULL;
	struct srcpos *pos = xcalloc(n ? n : 1, sizeof(*pos));
	c->pos[k] = pos;
	for (size_t i = 0; i < n; i++) {
		const struct cfg_map_rule *r = &in[i];
		struct geo_rule out = {0};
		char key[64];
		if (k == GEO_RULE_NETWORKS) {
			if (netaddr_has_bits_beyond(&r->net.a, r->net.len)) {
				diag_err(c->d, r->list.pos, "map '%s': networks: %s: host bits set",
				         c->m->name, r->key);
				rc = GS_EPARSE;
				continue;
			}
			out.net = r->net;
			format_net(&r->net, key, sizeof(key));
		} else if (k == GEO_RULE_ASNS) {
			if (r->asn == 0) {
				diag_err(c->d, r->list.pos,
				         "map '%s': asns: %s is not an AS number", c->m->name,
				         r->key);
				rc = GS_EPARSE;
				continue;
			}
			out.asn = r->asn;
			snprintf(key, sizeof(key), "%" PRIu32, r->asn);
		} else {
			char norm[16];
			const char *why = check_key(k, r->key, norm);
			if (why) {
				diag_err(c->d, r->list.pos, "map '%s': %s: '%s' %s", c->m->name,
				         kind_names[k], r->key, why);
				rc = GS_EPARSE;
				continue;
			}
			snprintf(key, sizeof(key), "%s", norm);
		}
		if (k != GEO_RULE_NETWORKS) {
			/* subdivisions: "US-CA" -> "USCA" so that the key fits 7 bytes */
			char packed[64];
			memcpy(packed, key, sizeof(packed));
			if (k == GEO_RULE_SUBDIVISIONS)
				memmove(packed + 2, packed + 3, strlen(packed + 3) + 1);
			uint64_t rk = rule_key(k, packed, out.asn);
			uint32_t dummy;
			if (geopart_idmap_get(&c->keys, rk, &dummy)) {
				diag_err(c->d, r->list.pos, "map '%s': %s: %s is listed twice",
				         c->m->name, kind_names[k], key);
				rc = GS_EPARSE;
				continue;
			}
			geopart_idmap_put(&c->keys, rk, (uint32_t)c->n_rules[k]);
		}
		int irc = dclist_intern(c->b, &r->list, c->d, &out.list);
		if (irc != GS_OK) {
			rc = irc;
			continue;
		}
		out.key = xstrdup(key);
		pos[c->n_rules[k]] = r->list.pos;
		c->rules[k][c->n_rules[k]++] = out;
	}
	return rc;
}

/* A kind of rule the database cannot serve is an error (see geo.h). */
static int check_db_fields(struct compile *c)
{
	static const unsigned need[GEO_RULE_KINDS] = {
	        [GEO_RULE_ASNS] = GEODB_ASN,
	        [GEO_RULE_SUBDIVISIONS] = GEODB_SUBDIVISION,
	        [GEO_RULE_COUNTRIES] = GEODB_COUNTRY,
	        [GEO_RULE_CONTINENTS] = GEODB_CONTINENT,
	};
	int rc = GS_OK;
	for (int k = GEO_RULE_ASNS; k < GEO_RULE_KINDS; k++) {
		if (c->n_rules[k] == 0)
			continue;
		struct srcpos pos = c->pos[k][0];
		if (!c->db) {
			diag_err(c->d, pos, "map '%s': %s rules need geoip.%s", c->m->name,
			         kind_names[k], k == GEO_RULE_ASNS ? "asn_database" : "database");
			rc = GS_EPARSE;
		} else if (!(geodb_fields(c->db) & need[k])) {
			if (k == GEO_RULE_ASNS)
				diag_err(c->d, pos,
				         "map '%s': asns rules need AS numbers: "
				         "geoip.asn_database, or a "
				         "database that carries them (IPinfo country_asn); %s (%s) "
				         "has "
				         "none",
				         c->m->name, geodb_path(c->db), geodb_type(c->db));
			else if (k == GEO_RULE_SUBDIVISIONS &&
			         (geodb_fields(c->db) & GEODB_SUBDIVISION_NAMES))
				diag_err(
				        c->d, pos,
				        "map '%s': subdivisions rules need ISO 3166-2 codes "
				        "(subdivisions.iso_code); %s (%s) names its subdivisions "
				        "without codes (as DB-IP's free City Lite does): use "
				        "countries rules, or a database with codes (GeoLite2 City)",
				        c->m->name, geodb_path(c->db), geodb_type(c->db));
			else if (k == GEO_RULE_SUBDIVISIONS)
				diag_err(c->d, pos,
				         "map '%s': subdivisions rules need a database with "
				         "subdivisions (a City database); %s (%s) has none",
				         c->m->name, geodb_path(c->db), geodb_type(c->db));
			else
				diag_err(c->d, pos,
				         "map '%s': %s rules: %s (%s) has no %s in any record",
				         c->m->name, kind_names[k], geodb_path(c->db),
				         geodb_type(c->db),
				         k == GEO_RULE_COUNTRIES ? "country.iso_code"
				                                 : "continent.code");
			rc = GS_EPARSE;
		}
	}
	return rc;
}

/* Looks a location field up among kind k's rules; marks the rule used. */
static bool find_rule(struct compile *c, enum geo_rule_kind k, const char *text, uint32_t asn,
                      uint16_t *list)
{
	uint32_t ix;
	if (!geopart_idmap_get(&c->keys, rule_key(k, text, asn), &ix))
		return false;
	c->matched[k][ix] = true;
	*list = c->rules[k][ix].list;
	return true;
}

/* The precedence of docs/design.md rule 1 for one location (networks are applied later); a
 * located client no rule matches gets its nearest-first list (rule 7). */
static int resolve_locs(struct compile *c)
{
	uint32_t n;
	int rc = GS_OK;
	const struct geo_loc *locs = geodb_locs(c->db, &n);
	c->loc_val = xcalloc(n ? n : 1, sizeof(*c->loc_val));
	for (uint32_t i = 0; i < n; i++) {
		const struct geo_loc *l = &locs[i];
		uint16_t list = NO_RULE, v;
		unsigned kind = GEO_HIT_DEFAULT;
		if (l->continent[0] && find_rule(c, GEO_RULE_CONTINENTS, l->continent, 0, &v)) {
			list = v;
			kind = GEO_RULE_CONTINENTS;
		}
		if (l->country[0] && find_rule(c, GEO_RULE_COUNTRIES, l->country, 0, &v)) {
			list = v;
			kind = GEO_RULE_COUNTRIES;
		}
		if (l->country[0] && l->subdivision[0]) {
			char packed[8];
			snprintf(packed, sizeof(packed), "%s%s", l->country, l->subdivision);
			if (find_rule(c, GEO_RULE_SUBDIVISIONS, packed, 0, &v)) {
				list = v;
				kind = GEO_RULE_SUBDIVISIONS;
			}
		}
		if (l->asn && find_rule(c, GEO_RULE_ASNS, NULL, l->asn, &v)) {
			list = v;
			kind = GEO_RULE_ASNS;
		}
		if (list == NO_RULE && l->located && c->near && rc == GS_OK) {
			rc = nearest_list(c->near, c->b, l, c->d, &list);
			if (list != NO_RULE)
				kind = GEO_HIT_NEAREST;
		}
		c->loc_val[i] = GEO_VAL(list == NO_RULE ? 0 : list, kind);
	}
	for (int k = GEO_RULE_ASNS; k < GEO_RULE_KINDS; k++)
		for (size_t i = 0; i < c->n_rules[k]; i++)
			if (!c->matched[k][i])
				diag_warn(c->d, c->pos[k][i],
				          "map '%s': %s: %s matches nothing in %s; the rule never "
				          "applies",
				          c->m->name, kind_names[k], c->rules[k][i].key,
				          k == GEO_RULE_ASNS ? "the ASN database"
				                             : geodb_path(c->db));
	return rc;
}

static uint32_t map_loc(void *ctx, uint32_t loc)
{
	const struct compile *c = ctx;
	return c->loc_val[loc];
}

static uint32_t overlay(void *ctx, uint32_t under, uint32_t over)
{
	(void)ctx;
	return over != NONE ? over : under;
}

/* Builds the nettree of one family. */
static int build_family(struct compile *c, int family, struct arena *a, struct nettree *t)
{
	unsigned bits = family == AF_INET ? 32 : 128;
	struct geopart l0, nets, l1, marks, l2;
	geopart_init(&l0);
	geopart_init(&nets);
	geopart_init(&l1);
	geopart_init(&marks);
	geopart_init(&l2);
	struct geopart_prefix *pv = xcalloc(c->n_rules[GEO_RULE_NETWORKS] + 1, sizeof(*pv));
	int rc = GS_OK;

	if (c->db)
		geopart_map(geodb_part(c->db, family), map_loc, c, &l0);
	else
		geopart_push(&l0, 0, GEO_VAL(0, GEO_HIT_DEFAULT));

	size_t n = 0;
	for (size_t i = 0; i < c->n_rules[GEO_RULE_NETWORKS]; i++) {
		const struct geo_rule *r = &c->rules[GEO_RULE_NETWORKS][i];
		if (r->net.a.family != family)
			continue;
		to_u128(&r->net.a, &pv[n].start);
		pv[n].len = r->net.len;
		pv[n].val = (uint32_t)i; /* the rule's index until duplicates are checked */
		if (family == AF_INET6) {
			int e = geo_embed_of(pv[n].start, pv[n].len);
			if (e >= 0)
				diag_warn(c->d, c->pos[GEO_RULE_NETWORKS][i],
				          "map '%s': networks: %s lies inside %s %s, whose clients "
				          "are "
				          "located by their IPv4 address; the rule never applies",
				          c->m->name, r->key, geo_embeds[e].name,
				          geo_embeds[e].text);
		}
		n++;
	}
	geopart_sort_prefixes(pv, n);
	for (size_t i = 1; i < n; i++) {
		if (pv[i].start == pv[i - 1].start && pv[i].len == pv[i - 1].len) {
			uint32_t later = pv[i].val > pv[i - 1].val ? pv[i].val : pv[i - 1].val;
			diag_err(c->d, c->pos[GEO_RULE_NETWORKS][later],
			         "map '%s': networks: %s is listed twice", c->m->name,
			         c->rules[GEO_RULE_NETWORKS][later].key);
			rc = GS_EPARSE;
		}
	}
	if (rc != GS_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		pv[i].val = GEO_VAL(c->rules[GEO_RULE_NETWORKS][pv[i].val].list, GEO_RULE_NETWORKS);
	geopart_from_prefixes(pv, n, bits, NONE, &nets);
	geopart_combine(&l0, &nets, overlay, NULL, &l1);
	const struct geopart *fin = &l1;
	if (family == AF_INET6) {
		struct geopart_prefix ev[GEO_EMBED_COUNT];
		for (int i = 0; i < GEO_EMBED_COUNT; i++) {
			ev[i].start = geo_embeds[i].start;
			ev[i].len = geo_embeds[i].len;
			ev[i].val = GEO_EMBED_BASE + (uint32_t)i;
		}
		geopart_sort_prefixes(ev, GEO_EMBED_COUNT);
		geopart_from_prefixes(ev, GEO_EMBED_COUNT, 128, NONE, &marks);
		geopart_combine(&l1, &marks, overlay, NULL, &l2);
		fin = &l2;
	}
	/* Ranges of one list from rules of different kinds form runs: one ECS scope. */
	rc = nettree_build(t, bits, fin->start, fin->val, fin->n, 0xffffu, a);
	assert(rc == GS_OK);
out:
	free(pv);
	geopart_free(&l0);
	geopart_free(&nets);
	geopart_free(&l1);
	geopart_free(&marks);
	geopart_free(&l2);
	return rc;
}

int geo_compile_map(const struct cfg_map *m, const struct geo_db *db, struct arena *a,
                    struct diag *d, struct geo_map *gm)
{
	struct compile c = {.m = m, .db = db, .d = d, .b = dclist_builder_new()};
	geopart_idmap_init(&c.keys);
	int rc = GS_OK;
	uint16_t dflt;

	memset(gm, 0, sizeof(*gm));
	gm->name = arena_strdup(a, m->name ? m->name : "");
	gm->has_db = db != NULL;
	gm->weight_prefix4 = (uint8_t)(m->weight_prefix4 ? m->weight_prefix4 : 24);
	gm->weight_prefix6 = (uint8_t)(m->weight_prefix6 ? m->weight_prefix6 : 48);
	gm->weight_mask4 = ~(uint32_t)0 << (32 - gm->weight_prefix4); /* weight_prefix4 >= 8 */
	unsigned wp6 = gm->weight_prefix6;                            /* 16..128 */
	gm->weight_mask6[0] = wp6 >= 64 ? ~(uint64_t)0 : ~(uint64_t)0 << (64 - wp6);
	gm->weight_mask6[1] = wp6 <= 64    ? 0
	                      : wp6 >= 128 ? ~(uint64_t)0
	                                   : ~(uint64_t)0 << (128 - wp6);
	if (m->dflt.n == 0) {
		diag_err(d, m->pos, "map '%s': a default list is required", gm->name);
		rc = GS_EPARSE;
	} else if (dclist_intern(c.b, &m->dflt, d, &dflt) != GS_OK) {
		rc = GS_EPARSE;
	}
	for (int k = 0; k < GEO_RULE_KINDS; k++) {
		int krc = collect(&c, (enum geo_rule_kind)k);
		if (krc != GS_OK)
			rc = krc;
	}
	if (rc != GS_OK)
		goto out;
	rc = check_db_fields(&c);
	if (rc == GS_OK)
		rc = nearest_new(m, db, d, &c.near);
	if (rc != GS_OK)
		goto out;
	if (db)
		rc = resolve_locs(&c);
	if (rc != GS_OK)
		goto out;
	if (c.near)
		nearest_finish(c.near, d, a, &gm->sites, &gm->n_sites);
	rc = build_family(&c, AF_INET, a, &gm->v4);
	if (rc == GS_OK)
		rc = build_family(&c, AF_INET6, a, &gm->v6);
	if (rc != GS_OK)
		goto out;
	dclist_freeze(c.b, a, &gm->lists);
	for (int k = 0; k < GEO_RULE_KINDS; k++) {
		struct geo_rule *r = arena_alloc(a, (c.n_rules[k] + 1) * sizeof(*r));
		for (size_t i = 0; i < c.n_rules[k]; i++) {
			r[i] = c.rules[k][i];
			r[i].key = arena_strdup(a, c.rules[k][i].key);
		}
		gm->rules[k] = r;
		gm->n_rules[k] = c.n_rules[k];
	}
out:
	for (int k = 0; k < GEO_RULE_KINDS; k++) {
		for (size_t i = 0; i < c.n_rules[k]; i++)
			free((char *)c.rules[k][i].key);
		free(c.rules[k]);
		free(c.matched[k]);
		free((void *)c.pos[k]);
	}
	free(c.loc_val);
	nearest_free(c.near);
	geopart_idmap_free(&c.keys);
	dclist_builder_free(c.b);
	return rc;
}

int geo_map_compile(const struct cfg_map *m, const struct geo_db *db, struct arena *a,
                    struct diag *d, const struct geo_map **out)
{
	struct geo_map *gm = arena_alloc(a, sizeof(*gm));
	int rc = geo_compile_map(m, db, a, d, gm);
	*out = rc == GS_OK ? gm : NULL;
	return rc;
}
