/* SPDX-License-Identifier: MIT
 * test_geo.c -- unit tests for geoip/: compiled geo maps (rule precedence, longest
 * prefix, ECS scopes merged and unmerged, IPv6, embedded IPv4 forms, ECS source
 * prefixes), the databases (refusals with FILE:LINE), the range table and the list
 * interner, and two maps compared (geo_diff.h). The tiny databases are built from the descriptions
 * in tests/data/geo at `make check` time; world.mmdb checks run only when that file exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "geoip/dclist.h"
#include "geoip/geo.h"
#include "geoip/geo_diff.h"
#include "geoip/geodb.h"
#include "geoip/nettree.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/base/netaddr.h"
#include "server/config/config.h"
#include "tests/unit/testlib.h"

/* The tiny databases tests/unit/geoip.mk builds, and the full one next to the tree. */
#define GEO_TEST_DATA  TL_BUILD("tests/data/geo")
#define GEO_WORLD_MMDB TL_SRC("../shared/testdata/world.mmdb")

#define CFG_FILE "test.yaml"

/* --- building config maps by hand --------------------------------------------------- */

/* One rule: kind is "continents", "countries", "subdivisions", "asns" or "networks";
 * list is comma-separated; line is the srcpos line the diagnostics must carry. */
struct rule_spec {
	const char *kind, *key, *list;
	unsigned line;
};

static void make_list(struct cfg_dclist *l, const char *list, unsigned line)
{
	char *copy = strdup(list);
	l->n = 0;
	l->group = NULL;
	l->weight = NULL;
	l->dcs = calloc(16, sizeof(char *));
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		l->dcs[l->n++] = strdup(t);
	free(copy);
	l->pos.file = CFG_FILE;
	l->pos.line = line;
}

static struct cfg_map *make_map(const char *dflt, const struct rule_spec *r, size_t n)
{
	struct cfg_map *m = calloc(1, sizeof(*m));
	m->name = strdup("regional");
	m->pos.file = CFG_FILE;
	m->pos.line = 1;
	make_list(&m->dflt, dflt ? dflt : "", 2);
	for (size_t i = 0; i < n; i++) {
		struct cfg_map_rule **v;
		size_t *cnt;
		if (strcmp(r[i].kind, "continents") == 0) {
			v = &m->continents;
			cnt = &m->n_continents;
		} else if (strcmp(r[i].kind, "countries") == 0) {
			v = &m->countries;
			cnt = &m->n_countries;
		} else if (strcmp(r[i].kind, "subdivisions") == 0) {
			v = &m->subdivisions;
			cnt = &m->n_subdivisions;
		} else if (strcmp(r[i].kind, "asns") == 0) {
			v = &m->asns;
			cnt = &m->n_asns;
		} else {
			assert_string_equal(r[i].kind, "networks");
			v = &m->networks;
			cnt = &m->n_networks;
		}
		*v = realloc(*v, (*cnt + 1) * sizeof(**v));
		struct cfg_map_rule *out = &(*v)[(*cnt)++];
		memset(out, 0, sizeof(*out));
		out->key = strdup(r[i].key);
		if (strcmp(r[i].kind, "networks") == 0) {
			const char *why;
			assert_int_equal(netprefix_parse(r[i].key, &out->net, &why), GS_OK);
		}
		if (strcmp(r[i].kind, "asns") == 0)
			out->asn = (uint32_t)strtoul(r[i].key, NULL, 10);
		make_list(&out->list, r[i].list, r[i].line);
	}
	return m;
}

static void free_list(struct cfg_dclist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->dcs[i]);
	free(l->dcs);
}

static void free_rules(struct cfg_map_rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free_list(&v[i].list);
	}
	free(v);
}

static void free_map(struct cfg_map *m)
{
	free(m->name);
	free_list(&m->dflt);
	free_rules(m->continents, m->n_continents);
	free_rules(m->countries, m->n_countries);
	free_rules(m->subdivisions, m->n_subdivisions);
	free_rules(m->asns, m->n_asns);
	free_rules(m->networks, m->n_networks);
	free(m);
}

static struct cfg_geoip geoip_cfg(const char *db, const char *asn)
{
	struct cfg_geoip g;
	memset(&g, 0, sizeof(g));
	g.enabled = true;
	g.database = (char *)db;
	g.asn_database = (char *)asn;
	g.client_subnet = true;
	g.pos = (struct srcpos){CFG_FILE, 20};
	g.database_pos = (struct srcpos){CFG_FILE, 21};
	g.asn_database_pos = (struct srcpos){CFG_FILE, 22};
	return g;
}

static char *data_path(const char *name)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];
	snprintf(p, sizeof(buf[0]), "%s/%s", GEO_TEST_DATA, name);
	return p;
}

/* True when some diagnostic equals text exactly. */
static bool diag_has(const struct diag *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].text, text) == 0)
			return true;
	return false;
}

static void expect_diag(const struct diag *d, const char *text)
{
	if (!diag_has(d, text)) {
		fprintf(stderr, "missing diagnostic: %s\nhave:\n", text);
		diag_print(d, stderr);
		fail();
	}
}

/* --- lookups ------------------------------------------------------------------------ */

struct geo_case {
	const char *addr;
	unsigned source; /* ECS source prefix; 0 = the address's full length */
	const char *list;
	unsigned scope;
	const char *rule; /* what geo_map_explain must say; NULL = not checked */
};

static void list_text(const struct geo_map *m, uint16_t id, char *out, size_t len)
{
	size_t n, used = 0;
	const uint16_t *v = geo_map_list(m, id, &n);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "",
		                         geo_map_dc_name(m, v[i]));
}

static void check_case(const struct geo_map *m, const struct geo_db *db, const struct geo_case *c)
{
	struct netaddr a;
	assert_int_equal(netaddr_parse(c->addr, &a), GS_OK);
	unsigned source = c->source ? c->source : netaddr_bits(&a);
	struct geo_hit hit;
	geo_map_lookup(m, &a, source, &hit);
	char got[256];
	list_text(m, hit.list, got, sizeof(got));
	if (strcmp(got, c->list) != 0 || hit.scope != c->scope) {
		fprintf(stderr, "%s/%u: got %s scope %u, want %s scope %u\n", c->addr, source, got,
		        hit.scope, c->list, c->scope);
		fail();
	}
	struct geo_explain ex;
	assert_int_equal(geo_map_explain(m, db, &a, source, &ex), GS_OK);
	assert_int_equal(ex.hit.list, hit.list);
	assert_int_equal(ex.hit.scope, hit.scope);
	if (!ex.consistent || (c->rule && strcmp(ex.rule, c->rule) != 0)) {
		fprintf(stderr, "%s: explain says '%s' (%s, consistent %d), want '%s'\n", c->addr,
		        ex.rule, ex.where, ex.consistent, c->rule ? c->rule : "");
		fail();
	}
}

static void check_cases(const struct geo_map *m, const struct geo_db *db, const struct geo_case *c,
                        size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_case(m, db, &c[i]);
}

/* Soundness of scopes on random addresses: every address inside the scope network of
 * x gets x's list (a scope is never a lie), and explain agrees with libmaxminddb. */
static void check_random(const struct geo_map *m, const struct geo_db *db, unsigned seed,
                         int rounds)
{
	srandom(seed);
	/* Interesting places to aim at, so that random bits land near real data. */
	static const char *const bases[] = {
	        "1.0.0.0",          "2.0.0.0",    "9.9.9.0",
	        "2001:db8:1::",     "2a00::",     "::ffff:1.0.0.0",
	        "64:ff9b::1.0.0.0", "2002:100::", "2001:0:0:0:0:0:feff::",
	        "8.8.8.0",          "81.169.0.0", "2a00:1450::"};
	for (int r = 0; r < rounds; r++) {
		struct netaddr x;
		assert_int_equal(netaddr_parse(bases[random() % GS_ARRAY_LEN(bases)], &x), GS_OK);
		unsigned bits = netaddr_bits(&x);
		unsigned keep = (unsigned)random() % (bits + 1); /* bits kept from the base */
		for (unsigned i = keep; i < bits; i++)
			if (random() & 1)
				x.addr[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
		struct geo_hit hit;
		geo_map_lookup(m, &x, bits, &hit);
		assert_true(hit.scope <= bits);
		for (int k = 0; k < 8; k++) {
			struct netaddr y = x;
			for (unsigned i = hit.scope; i < bits; i++)
				if (random() & 1)
					y.addr[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
			struct geo_hit hy;
			geo_map_lookup(m, &y, bits, &hy);
			if (hy.list != hit.list) {
				char tx[NETADDR_TEXT_MAX], ty[NETADDR_TEXT_MAX];
				netaddr_format(&x, tx);
				netaddr_format(&y, ty);
				fprintf(stderr, "%s scope %u, but %s has list %u not %u\n", tx,
				        hit.scope, ty, hy.list, hit.list);
				fail();
			}
		}
		if (db || !m->has_db) {
			struct geo_explain ex;
			assert_int_equal(geo_map_explain(m, db, &x, bits, &ex), GS_OK);
			if (!ex.consistent) {
				char tx[NETADDR_TEXT_MAX];
				netaddr_format(&x, tx);
				fprintf(stderr, "%s: table list %u, explain %s (%s)\n", tx,
				        hit.list, ex.rule, ex.where);
				fail();
			}
		}
	}
}

/* --- the regional map against the tiny City + ASN databases -------------------------- */

static const struct rule_spec regional_rules[] = {
        {"continents", "NA", "us,eu", 10},
        {"continents", "EU", "eu,us", 11},
        {"continents", "as", "ap,us", 12}, /* keys are case-insensitive */
        {"continents", "OC", "ap,us", 13},
        {"countries", "GB", "uk,eu", 14},
        {"countries", "JP", "jp,ap", 15},
        {"countries", "BR", "us", 16},
        {"countries", "IE", "ie,eu", 17},
        {"subdivisions", "US-CA", "usw,us", 18},
        {"asns", "64500", "as1", 19},
        {"asns", "64501", "as2", 20},
        {"asns", "64502", "as3", 21},
        {"asns", "64503", "as4", 22},
        {"networks", "1.0.0.128/25", "net1", 23},
        {"networks", "1.0.0.192/26", "net2", 24},
        {"networks", "2001:db8:1:2::/64", "net6", 25},
};

struct fixture {
	struct arena *a;
	struct geo_db *db;
	struct cfg_map *cm;
	const struct geo_map *m;
	struct diag d;
};

static int regional_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	diag_init(&f->d);
	struct cfg_geoip g = geoip_cfg(data_path("city.mmdb"), data_path("asn.mmdb"));
	if (geodb_open(&g, &f->d, &f->db) != GS_OK) {
		diag_print(&f->d, stderr);
		return -1;
	}
	f->a = arena_new();
	f->cm = make_map("eu,us", regional_rules, GS_ARRAY_LEN(regional_rules));
	if (geo_map_compile(f->cm, f->db, f->a, &f->d, &f->m) != GS_OK) {
		diag_print(&f->d, stderr);
		return -1;
	}
	*state = f;
	return 0;
}

static int regional_teardown(void **state)
{
	struct fixture *f = *state;
	geodb_close(f->db);
	arena_destroy(f->a);
	free_map(f->cm);
	diag_free(&f->d);
	free(f);
	return 0;
}

static void test_regional_no_warnings(void **state)
{
	struct fixture *f = *state;
	if (f->d.n) {
		diag_print(&f->d, stderr);
		fail();
	}
}

static const struct geo_case precedence_cases[] = {
        {"1.0.0.1", 0, "as1", 25, "asns: 64500"}, /* asn over subdivision/country */
        {"1.0.0.130", 0, "net1", 26, "networks: 1.0.0.128/25"},
        {"1.0.0.200", 0, "net2", 26, "networks: 1.0.0.192/26"}, /* longest prefix wins */
        {"1.0.1.5", 0, "eu,us", 24, "continents: EU"},          /* DE has no country rule */
        {"1.0.2.1", 0, "uk,eu", 23, "countries: GB"},           /* country over continent */
        {"1.0.3.255", 0, "uk,eu", 23, "countries: GB"},
        {"1.0.4.1", 0, "as2", 23, "asns: 64501"},            /* asn over subdivision */
        {"1.0.6.1", 0, "usw,us", 23, "subdivisions: US-CA"}, /* subdivision over country */
        {"1.0.8.1", 0, "us,eu", 21, "continents: NA"},       /* US-NY and Canada merge: /21 */
        {"1.0.15.255", 0, "us,eu", 21, "continents: NA"},
        {"1.0.16.1", 0, "eu,us", 20, "continents: EU"}, /* neither neighbour merges */
        {"1.0.32.1", 0, "jp,ap", 19, "countries: JP"},
        /* continent-only range merged with the unknown space behind it (default = EU's
         * list) */
        {"1.0.64.1", 0, "eu,us", 18, "continents: EU"},
        {"1.200.0.0", 0, "eu,us", 9, "default"},
        {"2.0.0.1", 0, "us", 16, "countries: BR"},
        {"2.1.255.255", 0, "ap,us", 16, "continents: OC"},
        {"5.1.2.3", 0, "eu,us", 6, "default"},    /* ZA: no rule; merged 4.0.0.0/6 */
        {"8.8.8.8", 0, "eu,us", 8, "default"},    /* unknown to the db */
        {"9.9.9.9", 0, "as4", 24, "asns: 64503"}, /* only the ASN db knows it */
        {"0.0.0.0", 0, "eu,us", 8, "default"},
        {"255.255.255.255", 0, "eu,us", 1, "default"},
};

static void test_precedence(void **state)
{
	struct fixture *f = *state;
	check_cases(f->m, f->db, precedence_cases, GS_ARRAY_LEN(precedence_cases));
}

/* The rule kind the table gives (what the answer counters count): pure ranges and the
 * parts of mixed ones (default and continents EU share the list eu,us, so 1.0.64.0/18,
 * EU only, and the unknown space after it are one table range). */
static void test_rule_kinds(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *addr;
		unsigned rule;
	} cases[] = {
	        {"1.0.0.129", GEO_RULE_NETWORKS},       {"1.0.0.1", GEO_RULE_ASNS},
	        {"1.0.2.1", GEO_RULE_COUNTRIES},        {"1.0.6.1", GEO_RULE_SUBDIVISIONS},
	        {"1.0.64.1", GEO_RULE_CONTINENTS},      {"1.0.128.1", GEO_HIT_DEFAULT},
	        {"2001:db8:1::1", GEO_RULE_CONTINENTS}, {"2001:db8:1:1::5", GEO_RULE_ASNS},
	        {"::ffff:1.0.2.1", GEO_RULE_COUNTRIES}, {"2400::1", GEO_HIT_DEFAULT},
	};
	assert_true(f->m->v4.run_index != NULL); /* some ranges share a list across kinds */
	for (size_t i = 0; i < GS_ARRAY_LEN(cases); i++) {
		struct netaddr a;
		assert_int_equal(netaddr_parse(cases[i].addr, &a), GS_OK);
		struct geo_hit hit;
		geo_map_lookup(f->m, &a, netaddr_bits(&a), &hit);
		if (hit.rule != cases[i].rule) {
			fprintf(stderr, "%s: rule kind %u (%s), want %s\n", cases[i].addr, hit.rule,
			        geo_hit_rule_name(hit.rule), geo_hit_rule_name(cases[i].rule));
			fail();
		}
	}
	assert_string_equal(geo_hit_rule_name(GEO_HIT_NEAREST), "nearest");
	assert_string_equal(geo_hit_rule_name(GEO_HIT_DEFAULT), "default");
	assert_null(geo_hit_rule_name(GEO_HIT_RULES));
}

static const struct geo_case ipv6_cases[] = {
        {"2001:db8:1::1", 0, "eu,us", 64, "continents: EU"},
        {"2001:db8:1:1::5", 0, "as3", 64, "asns: 64502"},
        {"2001:db8:1:2::5", 0, "net6", 64, "networks: 2001:db8:1:2::/64"},
        {"2001:db8:1:3::1", 0, "eu,us", 64, "continents: EU"}, /* /63 would hold net6 */
        {"2001:db8:1:4::1", 0, "eu,us", 62, "continents: EU"},
        {"2001:db8:2::1", 0, "usw,us", 48, "subdivisions: US-CA"},
        {"2a00:1450:4001:80b::200e", 0, "ie,eu", 16, "countries: IE"},
        {"2400::1", 0, "eu,us", 6, "default"}, /* 2400::/6 lies inside [2a00::-1 back to 2003::] */
        {"::1", 0, "eu,us", 104, "default"},   /* IPv4-compatible: 0.0.0.1 is in 0/8 */
};

static void test_ipv6(void **state)
{
	struct fixture *f = *state;
	check_cases(f->m, f->db, ipv6_cases, GS_ARRAY_LEN(ipv6_cases));
}

/* Teredo: client 1.0.2.1 obfuscated is feff:fdfe; 1.0.6.1 is feff:f9fe. */
static const struct geo_case embedded_cases[] = {
        {"::ffff:1.0.2.1", 0, "uk,eu", 96 + 23, "countries: GB"},
        {"::ffff:1.0.0.130", 0, "net1", 96 + 26, "networks: 1.0.0.128/25"},
        {"64:ff9b::1.0.6.1", 0, "usw,us", 96 + 23, "subdivisions: US-CA"},
        {"::1.0.4.1", 0, "as2", 96 + 23, "asns: 64501"},
        {"2002:100:201::1", 0, "uk,eu", 16 + 23, "countries: GB"},
        {"2002:100:601:ffff::1", 0, "usw,us", 16 + 23, "subdivisions: US-CA"},
        {"2002:808:808::", 0, "eu,us", 16 + 8, "default"},
        {"2001:0:4136:e378:8000:63bf:feff:fdfe", 0, "uk,eu", 96 + 23, "countries: GB"},
        {"2001:0:4136:e378:8000:63bf:feff:f9fe", 0, "usw,us", 96 + 23, "subdivisions: US-CA"},
        {"2001:0:4136:e378:8000:63bf:f6f6:f6f6", 0, "as4", 96 + 24, "asns: 64503"},
};

static void test_embedded(void **state)
{
	struct fixture *f = *state;
	check_cases(f->m, f->db, embedded_cases, GS_ARRAY_LEN(embedded_cases));
}

static const struct geo_case source_cases[] = {
        /* The zero-filled address is located; the scope may exceed the source prefix. */
        {"1.0.0.0", 24, "as1", 25, "asns: 64500"},
        {"1.0.8.0", 22, "us,eu", 21, "continents: NA"},
        {"1.0.8.0", 21, "us,eu", 21, "continents: NA"},
        {"1.0.9.77", 22, "us,eu", 21, "continents: NA"}, /* bits past the prefix ignored */
        {"1.0.0.200", 24, "as1", 25, "asns: 64500"},
        {"1.0.0.200", 0, "net2", 26, "networks: 1.0.0.192/26"},
        {"2001:db8:1:2::", 56, "eu,us", 64, "continents: EU"},
        {"2001:db8:1:2::", 64, "net6", 64, "networks: 2001:db8:1:2::/64"},
        {"::ffff:1.0.2.0", 120, "uk,eu", 96 + 23, "countries: GB"},
        /* 6to4 with only 24 bits: the IPv4 bits not sent are zero -> 1.0.0.0 */
        {"2002:100::", 24, "as1", 16 + 25, "asns: 64500"},
        /* Teredo with only the server part: missing client bits are zero, 255.255.255.255
         * after the inversion, which is in the merged default /1 */
        {"2001:0:4136:e378::", 64, "eu,us", 96 + 1, "default"},
};

static void test_source_prefix(void **state)
{
	struct fixture *f = *state;
	check_cases(f->m, f->db, source_cases, GS_ARRAY_LEN(source_cases));
}

static void test_regional_random(void **state)
{
	struct fixture *f = *state;
	check_random(f->m, f->db, 1, 20000);
}

/* --- a map without a database -------------------------------------------------------- */

static void test_no_db(void **state)
{
	(void)state;
	static const struct rule_spec rules[] = {
	        {"networks", "192.0.2.0/24", "a", 10},
	        {"networks", "192.0.2.128/25", "b", 11},
	        {"networks", "2001:db8::/32", "c", 12},
	        {"networks", "2001:db8:0:1::/64", "d", 13}, /* default's list, inside c */
	        {"networks", "::/0", "d", 14},
	};
	static const struct geo_case cases[] = {
	        {"192.0.2.1", 0, "a", 25, "networks: 192.0.2.0/24"},
	        {"192.0.2.200", 0, "b", 25, "networks: 192.0.2.128/25"},
	        {"10.0.0.1", 0, "d", 1, "default"},
	        {"200.0.0.1", 0, "d", 5, "default"},
	        {"2001:db8::1", 0, "c", 64, "networks: 2001:db8::/32"},
	        {"2001:db8:0:1::1", 0, "d", 64, "networks: 2001:db8:0:1::/64"},
	        {"2001:db8:ffff::1", 0, "c", 33, "networks: 2001:db8::/32"},
	        {"2001:db9::1", 0, "d", 32, "networks: ::/0"},
	        {"2400::1", 0, "d", 6, "networks: ::/0"},
	        {"::ffff:192.0.2.1", 0, "a", 96 + 25, "networks: 192.0.2.0/24"},
	        {"::ffff:10.0.0.1", 0, "d", 96 + 1, "default"},
	        /* Teredo client 10.0.0.1 = ~f5ff:fffe */
	        {"2001:0:4136:e378:8000:63bf:f5ff:fffe", 0, "d", 96 + 1, "default"},
	        {"2002:c000:280::1", 0, "b", 16 + 25, "networks: 192.0.2.128/25"},
	};
	struct arena *a = arena_new();
	struct diag d;
	diag_init(&d);
	struct cfg_map *cm = make_map("d", rules, GS_ARRAY_LEN(rules));
	const struct geo_map *m;
	assert_int_equal(geo_map_compile(cm, NULL, a, &d, &m), GS_OK);
	assert_int_equal(d.n, 0);
	check_cases(m, NULL, cases, GS_ARRAY_LEN(cases));
	check_random(m, NULL, 2, 5000);

	/* With one list for everything, an embedded client's scope is its whole range. */
	struct cfg_map *plain = make_map("only", NULL, 0);
	assert_int_equal(geo_map_compile(plain, NULL, a, &d, &m), GS_OK);
	static const struct geo_case plain_cases[] = {
	        {"192.0.2.1", 0, "only", 0, "default"},
	        {"2001:db8::1", 0, "only", 21, "default"}, /* /20 would hold Teredo */
	        {"::ffff:192.0.2.1", 0, "only", 96, "default"},
	        {"2001:0:4136:e378:8000:63bf:f5ff:fffe", 0, "only", 32, "default"},
	        {"2002:c000:280::1", 0, "only", 16, "default"},
	        {"8000::1", 0, "only", 1, "default"},
	};
	check_cases(m, NULL, plain_cases, GS_ARRAY_LEN(plain_cases));
	free_map(plain);
	free_map(cm);
	diag_free(&d);
	arena_destroy(a);
}

/* --- an IPv4-only Country database ------------------------------------------------- */

static void test_country4(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct geo_db *db;
	struct cfg_geoip g = geoip_cfg(data_path("country4.mmdb"), NULL);
	assert_int_equal(geodb_open(&g, &d, &db), GS_OK);
	static const struct rule_spec rules[] = {
	        {"continents", "EU", "eu", 10},
	        {"countries", "US", "us", 11},
	};
	struct cfg_map *cm = make_map("def", rules, GS_ARRAY_LEN(rules));
	struct arena *a = arena_new();
	const struct geo_map *m;
	assert_int_equal(geo_map_compile(cm, db, a, &d, &m), GS_OK);
	static const struct geo_case cases[] = {
	        {"1.0.0.1", 0, "eu", 24, "continents: EU"},
	        {"1.0.5.1", 0, "us", 22, "countries: US"},
	        {"::ffff:1.0.5.1", 0, "us", 96 + 22, "countries: US"},
	        {"2001:db8::1", 0, "def", 21, "default"}, /* IPv6 lookups: not in an IPv4 db */
	};
	check_cases(m, db, cases, GS_ARRAY_LEN(cases));
	check_random(m, db, 3, 3000);

	/* subdivisions rules against a database without subdivisions: refused */
	static const struct rule_spec sub[] = {
	        {"countries", "US", "us", 11},
	        {"subdivisions", "US-CA", "usw", 12},
	        {"subdivisions", "US-NY", "us", 13},
	};
	struct cfg_map *cs = make_map("def", sub, GS_ARRAY_LEN(sub));
	diag_free(&d);
	diag_init(&d);
	assert_int_equal(geo_map_compile(cs, db, a, &d, &m), GS_EPARSE);
	assert_null(m);
	char want[1024];
	snprintf(want, sizeof(want),
	         CFG_FILE ":12: map 'regional': subdivisions rules need a database with "
	                  "subdivisions (a City database); %s (GeoIP2-Country) has none",
	         data_path("country4.mmdb"));
	expect_diag(&d, want);
	assert_int_equal(d.n, 1);
	free_map(cs);
	free_map(cm);
	arena_destroy(a);
	geodb_close(db);
	diag_free(&d);
}

/* --- refused databases --------------------------------------------------------------- */

static void expect_open_fails(const char *db, const char *asn, const char *want)
{
	struct diag d;
	diag_init(&d);
	struct geo_db *gdb = (struct geo_db *)1;
	struct cfg_geoip g = geoip_cfg(db, asn);
	assert_int_equal(geodb_open(&g, &d, &gdb), GS_EPARSE);
	assert_null(gdb);
	expect_diag(&d, want);
	assert_int_equal(d.n_errors, 1);
	diag_free(&d);
}

static void test_bad_databases(void **state)
{
	(void)state;
	char want[1024], bad[512];
	/* A text file is not an mmdb. */
	snprintf(bad, sizeof(bad), "%s/not-an-mmdb.txt", GEO_TEST_DATA);
	FILE *fp = fopen(bad, "w");
	assert_non_null(fp);
	fputs("1.0.0.0/24 continent=EU\n", fp);
	fclose(fp);
	snprintf(want, sizeof(want),
	         CFG_FILE ":21: database: %s is not a MaxMind DB file (The MaxMind DB file "
	                  "contains invalid metadata)",
	         bad);
	expect_open_fails(bad, NULL, want);
	unlink(bad);

	snprintf(want, sizeof(want),
	         CFG_FILE ":21: database: cannot read %s/missing.mmdb: No such file or directory",
	         GEO_TEST_DATA);
	snprintf(bad, sizeof(bad), "%s/missing.mmdb", GEO_TEST_DATA);
	expect_open_fails(bad, NULL, want);

	/* A search tree overwritten with 0xff: records point nowhere. */
	snprintf(bad, sizeof(bad), "%s/corrupt.mmdb", GEO_TEST_DATA);
	fp = fopen(data_path("city.mmdb"), "rb");
	assert_non_null(fp);
	static unsigned char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	memset(buf, 0xff, 48);
	fp = fopen(bad, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, n, fp), n);
	fclose(fp);
	snprintf(want, sizeof(want),
	         CFG_FILE ":21: database: %s: corrupt search tree: invalid record 16777215", bad);
	expect_open_fails(bad, NULL, want);
	unlink(bad);

	/* The wrong kind of database in each place. */
	snprintf(want, sizeof(want),
	         CFG_FILE ":21: database: %s (GeoLite2-ASN) has no record with continent.code or "
	                  "country.iso_code (or IPinfo's continent or country); it needs a "
	                  "Country or City database (docs/geoip.md lists the layouts read)",
	         data_path("asn.mmdb"));
	expect_open_fails(data_path("asn.mmdb"), NULL, want);
	snprintf(want, sizeof(want),
	         CFG_FILE ":22: asn_database: %s (GeoIP2-City) has no record with "
	                  "autonomous_system_number (or IPinfo's asn); it needs an ASN database "
	                  "(GeoLite2 ASN, DB-IP ASN Lite, IPinfo ASN)",
	         data_path("city.mmdb"));
	expect_open_fails(data_path("city.mmdb"), data_path("city.mmdb"), want);
}

/* --- rule checks ------------------------------------------------------------------- */

static void expect_compile(const struct geo_db *db, const char *dflt, const struct rule_spec *r,
                           size_t n, int rc, const char *want)
{
	struct diag d;
	diag_init(&d);
	struct arena *a = arena_new();
	struct cfg_map *cm = make_map(dflt, r, n);
	const struct geo_map *m;
	assert_int_equal(geo_map_compile(cm, db, a, &d, &m), rc);
	expect_diag(&d, want);
	free_map(cm);
	arena_destroy(a);
	diag_free(&d);
}

static void test_rule_checks(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct geo_db *city;
	struct cfg_geoip g = geoip_cfg(data_path("city.mmdb"), NULL);
	assert_int_equal(geodb_open(&g, &d, &city), GS_OK);

	const struct rule_spec asn[] = {{"asns", "64500", "x", 30}};
	char want_asn[512];
	snprintf(want_asn, sizeof(want_asn),
	         CFG_FILE ":30: map 'regional': asns rules need AS numbers: geoip.asn_database, "
	                  "or a database that carries them (IPinfo country_asn); %s (GeoIP2-City) "
	                  "has none",
	         data_path("city.mmdb"));
	expect_compile(city, "d", asn, 1, GS_EPARSE, want_asn);
	const struct rule_spec cont[] = {{"continents", "EU", "x", 31}};
	expect_compile(NULL, "d", cont, 1, GS_EPARSE,
	               CFG_FILE ":31: map 'regional': continents rules need geoip.database");
	const struct rule_spec badc[] = {{"continents", "XX", "x", 32}};
	expect_compile(city, "d", badc, 1, GS_EPARSE,
	               CFG_FILE ":32: map 'regional': continents: 'XX' is not a continent code "
	                        "(AF AN AS EU NA OC SA)");
	const struct rule_spec badcc[] = {{"countries", "G1", "x", 33}};
	expect_compile(city, "d", badcc, 1, GS_EPARSE,
	               CFG_FILE ":33: map 'regional': countries: 'G1' is not a two-letter country "
	                        "code (ISO 3166-1 alpha-2)");
	const struct rule_spec badsub[] = {{"subdivisions", "CA", "x", 34}};
	expect_compile(city, "d", badsub, 1, GS_EPARSE,
	               CFG_FILE ":34: map 'regional': subdivisions: 'CA' is not a subdivision code "
	                        "like US-CA (ISO 3166-2)");
	const struct rule_spec dupc[] = {{"countries", "GB", "x", 35},
	                                 {"countries", "gb", "y", 36}};
	expect_compile(city, "d", dupc, 2, GS_EPARSE,
	               CFG_FILE ":36: map 'regional': countries: GB is listed twice");
	const struct rule_spec dupn[] = {{"networks", "10.0.0.0/8", "x", 37},
	                                 {"networks", "10.0.0.0/8", "y", 38}};
	expect_compile(NULL, "d", dupn, 2, GS_EPARSE,
	               CFG_FILE ":38: map 'regional': networks: 10.0.0.0/8 is listed twice");
	expect_compile(NULL, NULL, NULL, 0, GS_EPARSE,
	               CFG_FILE ":1: map 'regional': a default list is required");
	const struct rule_spec empty[] = {{"countries", "GB", "", 39}};
	expect_compile(city, "d", empty, 1, GS_EPARSE, CFG_FILE ":39: empty datacenter list");

	/* Warnings only: a key the database never mentions, a list naming a datacenter
	 * twice, an IPv6 rule inside an embedded range. */
	const struct rule_spec warn[] = {{"countries", "ZZ", "x", 40},
	                                 {"countries", "GB", "x,y,x", 41},
	                                 {"networks", "64:ff9b::/112", "z", 42}};
	expect_compile(
	        city, "d", warn, 3, GS_OK,
	        CFG_FILE
	        ":40: warning: map 'regional': countries: ZZ matches nothing in " GEO_TEST_DATA
	        "/city.mmdb; the rule never applies");
	expect_compile(city, "d", warn, 3, GS_OK,
	               CFG_FILE
	               ":41: warning: datacenter 'x' appears twice in one list; the second "
	               "is ignored");
	expect_compile(city, "d", warn, 3, GS_OK,
	               CFG_FILE ":42: warning: map 'regional': networks: 64:ff9b::/112 lies inside "
	                        "NAT64 64:ff9b::/96, whose clients are located by their IPv4 "
	                        "address; the rule never applies");
	geodb_close(city);
	diag_free(&d);
}

/* --- the range table and the list interner ---------------------------------------- */

static void test_nettree(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct nettree t;
	struct nettree_hit h;
	unsigned __int128 one[] = {0};
	uint32_t v1[] = {7};
	assert_int_equal(nettree_build(&t, 32, one, v1, 1, UINT32_MAX, a), GS_OK);
	nettree_lookup4(&t, 0x01020304, &h);
	assert_int_equal(h.val, 7);
	assert_int_equal(h.scope, 0);

	/* 0/8 -> 1, 1.0.0.0 - 1.0.0.2 -> 2 (not aligned), rest -> 3, last /32 -> 4 */
	unsigned __int128 s[] = {0, 0x01000000, 0x01000003, 0xffffffff};
	uint32_t v[] = {1, 2, 3, 4};
	assert_int_equal(nettree_build(&t, 32, s, v, 4, UINT32_MAX, a), GS_OK);
	static const struct {
		uint32_t x;
		uint16_t val;
		uint8_t scope;
	} cases[] = {
	        {0x00000000, 1, 8},  {0x00ffffff, 1, 8},  {0x01000000, 2, 31}, {0x01000001, 2, 31},
	        {0x01000002, 2, 32}, {0x01000003, 3, 32}, {0x01000004, 3, 30}, {0x02000000, 3, 7},
	        {0x80000000, 3, 2},  {0xfffffffe, 3, 32}, {0xffffffff, 4, 32},
	};
	for (size_t i = 0; i < GS_ARRAY_LEN(cases); i++) {
		nettree_lookup4(&t, cases[i].x, &h);
		assert_int_equal(h.val, cases[i].val);
		assert_int_equal(h.scope, cases[i].scope);
	}

	unsigned __int128 s6[] = {0, (unsigned __int128)1 << 127, ~(unsigned __int128)0};
	uint32_t v6[] = {1, 2, 3};
	assert_int_equal(nettree_build(&t, 128, s6, v6, 3, UINT32_MAX, a), GS_OK);
	nettree_lookup6(&t, 5, &h);
	assert_int_equal(h.val, 1);
	assert_int_equal(h.scope, 1);
	nettree_lookup6(&t, ~(unsigned __int128)0 - 1, &h);
	assert_int_equal(h.val, 2);
	assert_int_equal(h.scope, 128);
	nettree_lookup6(&t, ~(unsigned __int128)0, &h);
	assert_int_equal(h.val, 3);
	assert_int_equal(h.scope, 128);

	/* Refused: not starting at 0, not ascending, equal neighbours, IPv4 overflow. */
	unsigned __int128 bad1[] = {1}, bad2[] = {0, 5, 5}, big[] = {0, (unsigned __int128)1 << 32};
	uint32_t vv[] = {1, 2, 1}, same[] = {1, 1};
	assert_int_equal(nettree_build(&t, 32, bad1, vv, 1, UINT32_MAX, a), GS_EINVAL);
	assert_int_equal(nettree_build(&t, 32, bad2, vv, 3, UINT32_MAX, a), GS_EINVAL);
	assert_int_equal(nettree_build(&t, 32, s, same, 2, UINT32_MAX, a), GS_EINVAL);
	assert_int_equal(nettree_build(&t, 32, big, vv, 2, UINT32_MAX, a), GS_EINVAL);
	uint32_t flagged[] = {1, NETTREE_RUN | 2};
	assert_int_equal(nettree_build(&t, 32, s, flagged, 2, UINT32_MAX, a), GS_EINVAL);

	/* A run: ranges 0 and 1 share the low 16 bits (one list, two rule kinds), so the
	 * scope of an address in range 1 is that of [0, 0x1ff] (23), not of its own range
	 * [0x100, 0x1ff] (24); the value is the range's own. */
	unsigned __int128 rs[] = {0, 0x100, 0x200};
	uint32_t rv[] = {0x00001, 0x10001, 0x00002};
	assert_int_equal(nettree_build(&t, 32, rs, rv, 3, 0xffffu, a), GS_OK);
	assert_non_null(t.run_index);
	nettree_lookup4(&t, 0x150, &h);
	assert_int_equal(h.val, 0x10001);
	assert_int_equal(h.scope, 23);
	nettree_lookup4(&t, 0x50, &h);
	assert_int_equal(h.val, 0x00001);
	assert_int_equal(h.scope, 23);
	nettree_lookup4(&t, 0x250, &h);
	assert_int_equal(h.val, 0x00002);
	assert_int_equal(h.scope, 23);
	/* Without the mask the same ranges have their own scopes. */
	assert_int_equal(nettree_build(&t, 32, rs, rv, 3, UINT32_MAX, a), GS_OK);
	assert_null(t.run_index);
	nettree_lookup4(&t, 0x150, &h);
	assert_int_equal(h.scope, 24);

	for (unsigned b = 0; b < 256; b++)
		assert_int_equal(nettree_pop8[b], __builtin_popcount(b));
	/* Many runs, some across the 8-range groups of the run index and one of 71
	 * ranges: every range's bounds are its run's, found by counting run starts. */
	enum { NR = 300 };
	unsigned __int128 ms[NR];
	uint32_t mv[NR], want_first[NR], want_last[NR];
	uint32_t list = 0;
	for (uint32_t i = 0; i < NR; i++) {
		ms[i] = (unsigned __int128)i << 8;
		/* A new list every 1, 3 or 7 ranges, and ranges 120-190 all one list. */
		bool new_list = i == 0 ||
		                (i >= 120 && i <= 190 ? i == 120
		                                      : i % (1 + (i / 7) % 3 * 3) == 0 || i == 191);
		list += new_list;
		mv[i] = list | (i % 2 ? 0x10000u : 0); /* two kinds alternate: never equal */
	}
	for (uint32_t i = 0; i < NR; i++) {
		uint32_t f = i, l = i;
		while (f > 0 && (mv[f - 1] & 0xffffu) == (mv[i] & 0xffffu))
			f--;
		while (l + 1 < NR && (mv[l + 1] & 0xffffu) == (mv[i] & 0xffffu))
			l++;
		want_first[i] = f;
		want_last[i] = l;
	}
	assert_int_equal(nettree_build(&t, 32, ms, mv, NR, 0xffffu, a), GS_OK);
	assert_non_null(t.run_index);
	for (uint32_t i = 0; i < NR; i++) {
		uint32_t f, l;
		assert_int_equal(nettree_bounds(&t, i, &f, &l), mv[i]);
		assert_int_equal(f, want_first[i]);
		assert_int_equal(l, want_last[i]);
	}
	arena_destroy(a);
}

static void test_dclist(void **state)
{
	(void)state;
	struct dclist_builder *b = dclist_builder_new();
	struct diag d;
	diag_init(&d);
	struct cfg_dclist l1, l2, l3, l4;
	make_list(&l1, "eu,us", 1);
	make_list(&l2, "us,eu", 2);
	make_list(&l3, "eu,us,eu", 3);
	make_list(&l4, "ap", 4);
	uint16_t id1, id2, id3, id4, again;
	assert_int_equal(dclist_intern(b, &l1, &d, &id1), GS_OK);
	assert_int_equal(dclist_intern(b, &l2, &d, &id2), GS_OK);
	assert_int_equal(dclist_intern(b, &l3, &d, &id3), GS_OK);
	assert_int_equal(dclist_intern(b, &l4, &d, &id4), GS_OK);
	assert_int_equal(dclist_intern(b, &l1, &d, &again), GS_OK);
	assert_int_equal(id1, 0);
	assert_int_equal(id2, 1); /* order matters */
	assert_int_equal(id3, 0); /* the repeat is dropped, with a warning */
	assert_int_equal(id4, 2);
	assert_int_equal(again, 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.n_errors, 0);
	/* Many distinct lists: the hash grows and keeps every id. */
	for (unsigned i = 0; i < 300; i++) {
		char text[32];
		struct cfg_dclist l;
		uint16_t id;
		snprintf(text, sizeof(text), "x%u,y%u", i, i % 7);
		make_list(&l, text, 5);
		assert_int_equal(dclist_intern(b, &l, &d, &id), GS_OK);
		assert_int_equal(id, 3 + i);
		free_list(&l);
	}
	struct arena *a = arena_new();
	struct dclist_table t;
	dclist_freeze(b, a, &t);
	assert_int_equal(t.n_lists, 303);
	size_t n;
	const uint16_t *v = dclist_get(&t, 1, &n);
	assert_int_equal(n, 2);
	assert_string_equal(t.names[v[0]], "us");
	assert_string_equal(t.names[v[1]], "eu");
	v = dclist_get(&t, 302, &n);
	assert_string_equal(t.names[v[0]], "x299");
	free_list(&l1);
	free_list(&l2);
	free_list(&l3);
	free_list(&l4);
	dclist_builder_free(b);
	arena_destroy(a);
	diag_free(&d);
}

/* --- world.mmdb (optional) -------------------------------------------------------- */

static void test_world(void **state)
{
	(void)state;
	const char *path = getenv("GS_WORLD_MMDB");
	if (!path || !*path)
		path = GEO_WORLD_MMDB;
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "skipping: %s not readable\n", path);
		skip();
	}
	struct diag d;
	diag_init(&d);
	struct geo_db *db;
	struct cfg_geoip g = geoip_cfg(path, NULL);
	assert_int_equal(geodb_open(&g, &d, &db), GS_OK);
	static const struct rule_spec rules[] = {
	        {"continents", "NA", "na", 10}, {"continents", "OC", "oc", 11},
	        {"continents", "EU", "eu", 12}, {"countries", "US", "us", 13},
	        {"countries", "AU", "au", 14},  {"countries", "DE", "de", 15},
	        {"countries", "IE", "ie", 16},
	};
	struct cfg_map *cm = make_map("def", rules, GS_ARRAY_LEN(rules));
	struct arena *a = arena_new();
	const struct geo_map *m;
	assert_int_equal(geo_map_compile(cm, db, a, &d, &m), GS_OK);
	static const struct {
		const char *addr, *list, *where;
	} known[] = {
	        {"8.8.8.8", "us", "NA/US"},        {"1.1.1.1", "au", "OC/AU"},
	        {"81.169.145.1", "de", "EU/DE"},   {"2a00:1450:4001:80b::200e", "ie", "EU/IE"},
	        {"::ffff:8.8.8.8", "us", "NA/US"}, {"2002:808:808::1", "us", "NA/US"},
	};
	for (size_t i = 0; i < GS_ARRAY_LEN(known); i++) {
		struct netaddr x;
		assert_int_equal(netaddr_parse(known[i].addr, &x), GS_OK);
		struct geo_explain ex;
		assert_int_equal(geo_map_explain(m, db, &x, netaddr_bits(&x), &ex), GS_OK);
		char got[64];
		list_text(m, ex.hit.list, got, sizeof(got));
		assert_string_equal(got, known[i].list);
		assert_string_equal(ex.where, known[i].where);
		assert_true(ex.consistent);
		assert_true(ex.hit.scope > 0);
	}
	check_random(m, db, 4, 20000);
	free_map(cm);
	arena_destroy(a);
	geodb_close(db);
	diag_free(&d);
}

/* --- two compiled maps compared (geosteerctl diff) ----------------------------------- */

struct diff_seen {
	const struct geo_map *o, *n;
	char text[512];
};

static bool diff_same(void *ctx, uint16_t old_list, uint16_t new_list)
{
	const struct diff_seen *s = ctx;
	char a[64], b[64];
	list_text(s->o, old_list, a, sizeof(a));
	list_text(s->n, new_list, b, sizeof(b));
	return strcmp(a, b) == 0;
}

/* Appends each run as "FIRST/LEN..:OLD>NEW " with its networks. */
static void diff_emit(void *ctx, const struct geo_diff_range *r)
{
	struct diff_seen *s = ctx;
	unsigned bits = r->family == AF_INET ? 32 : 128;
	char a[64], b[64];
	list_text(s->o, r->old_list, a, sizeof(a));
	list_text(s->n, r->new_list, b, sizeof(b));
	unsigned __int128 at = r->first;
	for (;;) {
		unsigned len = geo_diff_cidr(at, r->last, bits);
		size_t used = strlen(s->text);
		snprintf(s->text + used, sizeof(s->text) - used, "%s%08x/%u",
		         at == r->first ? "" : ",", (unsigned)at, len);
		unsigned __int128 end =
		        at | (len >= bits ? 0 : (((unsigned __int128)1 << (bits - len)) - 1));
		if (end >= r->last)
			break;
		at = end + 1;
	}
	size_t used = strlen(s->text);
	snprintf(s->text + used, sizeof(s->text) - used, ":%s>%s ", a, b);
}

static void test_geo_diff(void **state)
{
	(void)state;
	static const struct rule_spec old_rules[] = {
	        {"networks", "192.0.2.0/24", "a", 10},
	        {"networks", "2001:db8::/32", "c", 11},
	};
	static const struct rule_spec new_rules[] = {
	        {"networks", "192.0.2.0/25", "a", 10},
	        {"networks", "192.0.2.128/26", "b", 11},
	        {"networks", "198.51.100.0/24", "b", 12},
	        {"networks", "198.51.101.0/24", "b", 13},
	        {"networks", "2001:db8::/32", "c", 14},
	        {"networks", "::/0", "d", 15}, /* default's list: no change */
	};
	struct arena *a = arena_new();
	struct diag d;
	diag_init(&d);
	struct cfg_map *om = make_map("d", old_rules, 2), *nm = make_map("d", new_rules, 6);
	struct diff_seen s = {.text = ""};
	assert_int_equal(geo_map_compile(om, NULL, a, &d, &s.o), GS_OK);
	assert_int_equal(geo_map_compile(nm, NULL, a, &d, &s.n), GS_OK);
	geo_diff_walk(s.o, s.n, AF_INET, diff_same, diff_emit, &s);
	/* Runs merged per (old, new) pair; 198.51.100.0/23 is one run, two /24s merged. */
	assert_string_equal(s.text, "c0000280/26:a>b c00002c0/26:a>d c6336400/23:d>b ");
	s.text[0] = '\0';
	geo_diff_walk(s.o, s.n, AF_INET6, diff_same, diff_emit, &s);
	assert_string_equal(s.text, "");
	/* The same map against itself: nothing. */
	s.o = s.n;
	geo_diff_walk(s.n, s.n, AF_INET, diff_same, diff_emit, &s);
	assert_string_equal(s.text, "");
	/* Cutting runs into networks. */
	assert_int_equal(geo_diff_cidr(0, 0xffffffffu, 32), 0);
	assert_int_equal(geo_diff_cidr(1, 2, 32), 32);
	assert_int_equal(geo_diff_cidr(2, 3, 32), 31);
	assert_int_equal(geo_diff_cidr(0x80000000u, 0xffffffffu, 32), 1);
	assert_int_equal(geo_diff_cidr(0, ~(unsigned __int128)0, 128), 0);
	free_map(om);
	free_map(nm);
	arena_destroy(a);
	diag_free(&d);
}

int main(void)
{
	if (access(GEO_TEST_DATA "/city.mmdb", R_OK) != 0) {
		/* 77: automake's "skipped". */
		printf("SKIP: %s is not built: configure found no Perl MaxMind::DB::Writer "
		       "(apt-get install libmaxmind-db-writer-perl, then configure again)\n",
		       GEO_TEST_DATA "/city.mmdb");
		return 77;
	}
	const struct CMUnitTest regional[] = {
	        cmocka_unit_test(test_regional_no_warnings),
	        cmocka_unit_test(test_precedence),
	        cmocka_unit_test(test_rule_kinds),
	        cmocka_unit_test(test_ipv6),
	        cmocka_unit_test(test_embedded),
	        cmocka_unit_test(test_source_prefix),
	        cmocka_unit_test(test_regional_random),
	};
	const struct CMUnitTest other[] = {
	        cmocka_unit_test(test_no_db),         cmocka_unit_test(test_country4),
	        cmocka_unit_test(test_bad_databases), cmocka_unit_test(test_rule_checks),
	        cmocka_unit_test(test_nettree),       cmocka_unit_test(test_dclist),
	        cmocka_unit_test(test_world),         cmocka_unit_test(test_geo_diff),
	};
	int fails = cmocka_run_group_tests_name("geo regional map", regional, regional_setup,
	                                        regional_teardown);
	fails += cmocka_run_group_tests_name("geo", other, NULL, NULL);
	return fails ? 1 : 0;
}
