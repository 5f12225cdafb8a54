/* SPDX-License-Identifier: MIT
 * geo.c -- compiled geo maps: the hot-path lookup (worker threads: no allocation, no
 * locks, no libmaxminddb) and the explain slow path; compiling them is geo_compile.c.
 * Semantics in geo.h. */
#include "geoip/geo.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoip/geo_embed.h"
#include "geoip/geodb.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"

static inline uint32_t load_be32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline unsigned __int128 load_be128(const uint8_t *p)
{
	uint64_t hi, lo;
	memcpy(&hi, p, 8);
	memcpy(&lo, p + 8, 8);
	return (unsigned __int128)__builtin_bswap64(hi) << 64 | __builtin_bswap64(lo);
}

/* The IPv4 address embedded in x (in embedded range kind). */
static inline uint32_t embedded_v4(unsigned kind, unsigned __int128 x)
{
	if (kind == GEO_EMBED_6TO4)
		return (uint32_t)(x >> 80); /* bits 16-47 */
	if (kind == GEO_EMBED_TEREDO)
		return ~(uint32_t)x; /* RFC 4380 4: obfuscated, bits 96-127 */
	return (uint32_t)x;
}

const char *geo_hit_rule_name(unsigned rule)
{
	static const char *const names[GEO_HIT_RULES] = {
	        [GEO_RULE_NETWORKS] = "networks",
	        [GEO_RULE_ASNS] = "asns",
	        [GEO_RULE_SUBDIVISIONS] = "subdivisions",
	        [GEO_RULE_COUNTRIES] = "countries",
	        [GEO_RULE_CONTINENTS] = "continents",
	        [GEO_HIT_NEAREST] = "nearest",
	        [GEO_HIT_DEFAULT] = "default",
	};
	return rule < GEO_HIT_RULES ? names[rule] : NULL;
}

/* Sets hit's list and rule from table hit h. */
static inline void hit_value(struct geo_hit *hit, const struct nettree_hit *h)
{
	hit->list = GEO_VAL_LIST(h->val);
	hit->rule = GEO_VAL_RULE(h->val);
}

void geo_map_lookup(const struct geo_map *m, const struct netaddr *client, unsigned source_prefix,
                    struct geo_hit *hit)
{
	struct nettree_hit h;
	if (client->family == AF_INET) {
		uint32_t x = load_be32(client->addr);
		if (source_prefix < 32)
			x &= source_prefix ? ~(uint32_t)0 << (32 - source_prefix) : 0;
		nettree_lookup4(&m->v4, x, &h);
		hit_value(hit, &h);
		hit->scope = h.scope;
		return;
	}
	unsigned __int128 x = load_be128(client->addr);
	if (source_prefix < 128)
		x &= source_prefix ? ~(unsigned __int128)0 << (128 - source_prefix) : 0;
	nettree_lookup6(&m->v6, x, &h);
	if (GS_LIKELY(GEO_VAL_LIST(h.val) < GEO_EMBED_BASE)) {
		hit_value(hit, &h);
		hit->scope = h.scope;
		return;
	}
	unsigned kind = GEO_VAL_LIST(h.val) - GEO_EMBED_BASE;
	const struct geo_embed_range *e = &geo_embeds[kind];
	uint32_t v4 = embedded_v4(kind, x);
	nettree_lookup4(&m->v4, v4, &h);
	hit_value(hit, &h);
	/* The IPv4 network of length s sits at bit v4_at of the IPv6 address; a scope of
	 * 0 (one list for all of IPv4) means the whole embedded range (geo.h). */
	hit->scope = (uint8_t)(h.scope ? e->v4_at + h.scope : e->len);
}

/* --- explain ------------------------------------------------------------------------ */

static bool prefix_holds(const struct netprefix *p, const struct netaddr *a)
{
	if (p->a.family != a->family)
		return false;
	unsigned full = p->len / 8, rest = p->len % 8;
	if (memcmp(p->a.addr, a->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (p->a.addr[full] & mask) == (a->addr[full] & mask);
}

static const struct geo_rule *find_key(const struct geo_map *m, enum geo_rule_kind k,
                                       const char *key, uint32_t asn)
{
	for (size_t i = 0; i < m->n_rules[k]; i++) {
		const struct geo_rule *r = &m->rules[k][i];
		if (k == GEO_RULE_ASNS ? r->asn == asn : strcmp(r->key, key) == 0)
			return r;
	}
	return NULL;
}

/* True when list id holds exactly the sites ordered by distance from (lat, lon). */
static bool same_as_nearest(const struct geo_map *m, uint16_t id, double lat, double lon)
{
	size_t n;
	const uint16_t *ids = geo_map_list(m, id, &n);
	if (n != m->n_sites)
		return false;
	uint16_t *order = xmalloc(n * sizeof(*order));
	nearest_order(m->sites, n, lat, lon, order, NULL);
	bool same = true;
	for (size_t i = 0; i < n && same; i++)
		same = strcmp(geo_map_dc_name(m, ids[i]), m->sites[order[i]].dc) == 0;
	free(order);
	return same;
}

int geo_map_explain(const struct geo_map *m, const struct geo_db *db, const struct netaddr *client,
                    unsigned source_prefix, struct geo_explain *out)
{
	memset(out, 0, sizeof(*out));
	if (client->family != AF_INET && client->family != AF_INET6)
		return GS_EINVAL;
	geo_map_lookup(m, client, source_prefix, &out->hit);

	/* The address exactly as geo_map_lookup located it. */
	struct netaddr x = *client;
	unsigned bits = netaddr_bits(client);
	for (unsigned i = source_prefix < bits ? source_prefix : bits; i < bits; i++)
		x.addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	if (x.family == AF_INET6) {
		unsigned __int128 v = load_be128(x.addr);
		for (unsigned k = 0; k < GEO_EMBED_COUNT; k++) {
			const struct geo_embed_range *e = &geo_embeds[k];
			if ((v >> (128 - e->len)) != (e->start >> (128 - e->len)))
				continue;
			uint32_t v4 = embedded_v4(k, v);
			out->embed = e->name;
			memset(&x, 0, sizeof(x));
			x.family = AF_INET;
			x.addr[0] = (uint8_t)(v4 >> 24);
			x.addr[1] = (uint8_t)(v4 >> 16);
			x.addr[2] = (uint8_t)(v4 >> 8);
			x.addr[3] = (uint8_t)v4;
			break;
		}
	}
	out->located = x;

	const struct geo_rule *best = NULL;
	for (size_t i = 0; i < m->n_rules[GEO_RULE_NETWORKS]; i++) {
		const struct geo_rule *r = &m->rules[GEO_RULE_NETWORKS][i];
		if (prefix_holds(&r->net, &x) && (!best || r->net.len > best->net.len))
			best = r;
	}
	struct geo_loc loc;
	memset(&loc, 0, sizeof(loc));
	if (!m->has_db) {
		snprintf(out->where, sizeof(out->where), "no database");
	} else if (!db) {
		snprintf(out->where, sizeof(out->where), "database not open for explain");
	} else {
		geodb_locate(db, &x, &loc);
		if (!loc.continent[0] && !loc.country[0] && !loc.asn) {
			snprintf(out->where, sizeof(out->where), "not in database");
		} else {
			char asn[16] = "";
			if (loc.asn)
				snprintf(asn, sizeof(asn), " AS%" PRIu32, loc.asn);
			char place[48] = "";
			if (m->n_sites && loc.located) {
				out->has_coords = true;
				out->lat = loc.lat;
				out->lon = loc.lon;
				snprintf(place, sizeof(place), " %.2f,%.2f", loc.lat, loc.lon);
			}
			snprintf(out->where, sizeof(out->where), "%s/%s%s%s%s%s",
			         loc.continent[0] ? loc.continent : "-",
			         loc.country[0] ? loc.country : "-", loc.subdivision[0] ? "/" : "",
			         loc.subdivision, asn, place);
		}
	}

	uint16_t list = 0;
	unsigned rule = GEO_HIT_DEFAULT;
	const char *kind = "default";
	const char *key = "";
	const struct geo_rule *r = NULL;
	char sub[8];
	snprintf(sub, sizeof(sub), "%s-%s", loc.country, loc.subdivision);
	if (best) {
		r = best;
		rule = GEO_RULE_NETWORKS;
	} else if (m->has_db && !db) {
		snprintf(out->rule, sizeof(out->rule), "unknown (no database to explain with)");
		out->rule_kind = out->hit.rule;
		out->consistent = true;
		return GS_OK;
	} else if (loc.asn && (r = find_key(m, GEO_RULE_ASNS, NULL, loc.asn))) {
		rule = GEO_RULE_ASNS;
	} else if (loc.country[0] && loc.subdivision[0] &&
	           (r = find_key(m, GEO_RULE_SUBDIVISIONS, sub, 0))) {
		rule = GEO_RULE_SUBDIVISIONS;
	} else if (loc.country[0] && (r = find_key(m, GEO_RULE_COUNTRIES, loc.country, 0))) {
		rule = GEO_RULE_COUNTRIES;
	} else if (loc.continent[0] && (r = find_key(m, GEO_RULE_CONTINENTS, loc.continent, 0))) {
		rule = GEO_RULE_CONTINENTS;
	}
	kind = geo_hit_rule_name(rule);
	out->rule_kind = (uint8_t)rule;
	if (r) {
		list = r->list;
		key = r->key;
		snprintf(out->rule, sizeof(out->rule), "%s: %s", kind, key);
	} else if (m->n_sites && loc.located) {
		out->rule_kind = GEO_HIT_NEAREST;
		out->consistent = out->hit.rule == GEO_HIT_NEAREST &&
		                  same_as_nearest(m, out->hit.list, loc.lat, loc.lon);
		int w = snprintf(out->rule, sizeof(out->rule), "nearest: ");
		nearest_describe(m->sites, m->n_sites, loc.lat, loc.lon, out->rule + w,
		                 sizeof(out->rule) - (size_t)w);
		return GS_OK;
	} else {
		snprintf(out->rule, sizeof(out->rule), "default");
	}
	/* The table's rule kind (what the answer counters count) must be the one found. */
	out->consistent = list == out->hit.list && rule == out->hit.rule;
	return GS_OK;
}
