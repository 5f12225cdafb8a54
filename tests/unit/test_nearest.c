/* SPDX-License-Identifier: MIT
 * test_nearest.c -- unit tests for geoip/nearest.c and its place in map compiling:
 * great-circle distances against known values, orders with ties in configuration
 * order, explain's text, and maps with `coordinates` compiled against the City-shaped
 * tests/data/geo/nearest.mmdb (first choices, an unlocated record, merged scopes, rules
 * that win) and refused against a database without coordinates. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "geoip/geo.h"
#include "geoip/geodb.h"
#include "geoip/nearest.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/base/netaddr.h"
#include "server/config/config.h"
#include "tests/unit/testlib.h"

#define NEAR_DB TL_BUILD("tests/data/geo/nearest.mmdb")
#define CITY_DB TL_BUILD("tests/data/geo/city.mmdb")
#define CFG     "test.yaml"

static void test_km(void **state)
{
	(void)state;
	/* London - Paris: 343.5 km on the mean sphere (haversine, R = 6371.0088 km). */
	assert_true(fabs(nearest_km(51.5074, -0.1278, 48.8566, 2.3522) - 343.5) < 0.5);
	/* Half the equator, and a quarter meridian: pi R and pi R / 2. */
	assert_true(fabs(nearest_km(0, 0, 0, 180) - 3.14159265358979 * NEAREST_EARTH_KM) < 1e-6);
	assert_true(fabs(nearest_km(0, 0, 90, 0) - 3.14159265358979 * NEAREST_EARTH_KM / 2) < 1e-6);
	assert_true(nearest_km(40.7, -74.0, 40.7, -74.0) == 0.0);
	/* Symmetric, and across the antimeridian the short way round. */
	assert_true(fabs(nearest_km(10, 179.5, 10, -179.5) - nearest_km(10, -0.5, 10, 0.5)) < 1e-9);
}

static void test_order(void **state)
{
	(void)state;
	static const struct geo_site sites[] = {
	        {"far", -33.9, 151.2},
	        {"twin-b", 50.1, 8.7},
	        {"twin-a", 50.1, 8.7},
	        {"near", 51.5, 0},
	};
	uint16_t order[4];
	double km[4];
	nearest_order(sites, 4, 51.5, -0.1, order, km);
	/* London: near first, the twins in configuration order (twin-b listed first). */
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 0);
	assert_true(km[1] == km[2]);
	assert_true(km[0] < km[1] && km[2] < km[3]);

	char text[256];
	static const struct geo_site two[] = {{"b", 0, 11.1}, {"a", 0, 0}};
	nearest_describe(two, 2, 0, 0, text, sizeof(text));
	assert_string_equal(text, "a 0 km, b 1,234 km");
	/* Truncated, still a string. */
	nearest_describe(two, 2, 0, 0, text, 8);
	assert_int_equal(strlen(text), 7);
}

static struct cfg_geoip geoip_cfg(const char *db)
{
	struct cfg_geoip g;
	memset(&g, 0, sizeof(g));
	g.enabled = true;
	g.database = (char *)db;
	g.client_subnet = true;
	g.locations = true;
	g.database_pos = (struct srcpos){CFG, 3};
	return g;
}

static void set_list(struct cfg_dclist *l, unsigned line, size_t n, ...)
{
	va_list ap;
	va_start(ap, n);
	l->dcs = calloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		l->dcs[i] = strdup(va_arg(ap, const char *));
	l->n = n;
	l->pos = (struct srcpos){CFG, line};
	va_end(ap);
}

/* default [fallback, eu], countries GB -> [us-east], and three sites. */
static struct cfg_map *make_map(void)
{
	struct cfg_map *m = calloc(1, sizeof(*m));
	m->name = strdup("near");
	m->pos = (struct srcpos){CFG, 10};
	set_list(&m->dflt, 11, 2, "fallback", "eu");
	m->countries = calloc(1, sizeof(*m->countries));
	m->countries[0].key = strdup("GB");
	set_list(&m->countries[0].list, 12, 1, "us-east");
	m->n_countries = 1;
	static const struct {
		const char *dc;
		double lat, lon;
	} c[] = {{"us-east", 39.0, -77.5}, {"eu", 50.1, 8.7}, {"ap", 35.7, 139.7}};
	m->coords = calloc(3, sizeof(*m->coords));
	for (size_t i = 0; i < 3; i++)
		m->coords[i] = (struct cfg_coord){strdup(c[i].dc), c[i].lat, c[i].lon,
		                                  (struct srcpos){CFG, 14 + (unsigned)i}};
	m->n_coords = 3;
	m->coords_pos = (struct srcpos){CFG, 14};
	return m;
}

static void free_list(struct cfg_dclist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->dcs[i]);
	free(l->dcs);
}

static void free_map(struct cfg_map *m)
{
	free(m->name);
	free_list(&m->dflt);
	free(m->countries[0].key);
	free_list(&m->countries[0].list);
	free(m->countries);
	for (size_t i = 0; i < m->n_coords; i++)
		free(m->coords[i].dc);
	free(m->coords);
	free(m);
}

/* The list of client (ECS subnet text) as "a,b,c", and its scope. */
static void lookup(const struct geo_map *m, const char *client, unsigned prefix, char *out,
                   size_t len, unsigned *scope)
{
	struct netaddr a;
	assert_int_equal(netaddr_parse(client, &a), GS_OK);
	struct geo_hit hit;
	geo_map_lookup(m, &a, prefix, &hit);
	size_t n;
	const uint16_t *ids = geo_map_list(m, hit.list, &n);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t at = strlen(out);
		snprintf(out + at, len - at, "%s%s", i ? "," : "", geo_map_dc_name(m, ids[i]));
	}
	*scope = hit.scope;
}

static void test_compiled(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct cfg_geoip g = geoip_cfg(NEAR_DB);
	struct geo_db *db;
	assert_int_equal(geodb_open(&g, &d, &db), GS_OK);
	assert_true(geodb_fields(db) & GEODB_LOCATION);
	struct cfg_map *cm = make_map();
	struct arena *a = arena_new();
	const struct geo_map *m;
	assert_int_equal(geo_map_compile(cm, db, a, &d, &m), GS_OK);
	assert_int_equal(d.n, 0);
	static const struct {
		const char *client;
		unsigned prefix;
		const char *list;
		unsigned scope;
		const char *rule; /* prefix of explain's rule */
	} cases[] = {
	        {"11.0.0.0", 24, "us-east,eu,ap", 24, "nearest: us-east 354 km, eu 6,204 km"},
	        {"11.0.5.0", 24, "ap,eu,us-east", 24, "nearest: ap 5 km,"},       /* Tokyo */
	        {"11.0.4.0", 24, "eu,us-east,ap", 24, "nearest: eu 2 km,"},       /* Frankfurt */
	        {"11.0.9.0", 24, "us-east,eu,ap", 22, "nearest: us-east 659"},    /* merged /22 */
	        {"11.0.3.0", 24, "us-east", 24, "countries: GB"},                 /* rule wins */
	        {"11.0.7.0", 24, "fallback,eu", 24, "default"},                   /* no location */
	        {"11.1.0.0", 24, "fallback,eu", 16, "default"},                   /* not in db */
	        {"::ffff:11.0.5.7", 128, "ap,eu,us-east", 120, "nearest: ap"},    /* mapped */
	        {"2400:cb00::", 48, "ap,eu,us-east", 32, "nearest: ap 5,316 km"}, /* Singapore */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[128];
		unsigned scope;
		lookup(m, cases[i].client, cases[i].prefix, got, sizeof(got), &scope);
		if (strcmp(got, cases[i].list) != 0 || scope != cases[i].scope)
			fail_msg("%s/%u: got %s scope %u, want %s scope %u", cases[i].client,
			         cases[i].prefix, got, scope, cases[i].list, cases[i].scope);
		struct netaddr x;
		assert_int_equal(netaddr_parse(cases[i].client, &x), GS_OK);
		struct geo_explain ex;
		assert_int_equal(geo_map_explain(m, db, &x, cases[i].prefix, &ex), GS_OK);
		if (strncmp(ex.rule, cases[i].rule, strlen(cases[i].rule)) != 0 || !ex.consistent)
			fail_msg("%s: rule '%s' (consistent %d), want '%s...'", cases[i].client,
			         ex.rule, ex.consistent, cases[i].rule);
		/* The table's rule kind (what the answer counters count) names the rule. */
		const char *kind = geo_hit_rule_name(ex.hit.rule);
		if (!kind || strncmp(cases[i].rule, kind, strlen(kind)) != 0 ||
		    ex.rule_kind != ex.hit.rule)
			fail_msg("%s: rule kind %s (explain's %u), want the kind of '%s'",
			         cases[i].client, kind ? kind : "?", (unsigned)ex.rule_kind,
			         cases[i].rule);
	}
	/* Every continent a rule: the coordinates never apply (a warning). */
	static const char *const conts[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
	cm->continents = calloc(7, sizeof(*cm->continents));
	for (size_t i = 0; i < 7; i++) {
		cm->continents[i].key = strdup(conts[i]);
		set_list(&cm->continents[i].list, 20 + (unsigned)i, 1, "eu");
	}
	cm->n_continents = 7;
	diag_free(&d);
	diag_init(&d);
	assert_int_equal(geo_map_compile(cm, db, a, &d, &m), GS_OK);
	assert_int_equal(d.n_errors, 0);
	bool warned = false;
	for (size_t i = 0; i < d.n; i++)
		warned |= strstr(d.v[i].text, CFG ":14: warning: map 'near': coordinates "
		                                  "never apply") != NULL;
	assert_true(warned);
	for (size_t i = 0; i < 7; i++) {
		free(cm->continents[i].key);
		free_list(&cm->continents[i].list);
	}
	free(cm->continents);
	cm->continents = NULL;
	cm->n_continents = 0;
	geodb_close(db);

	/* A database without coordinates: refused at the coordinates key. */
	diag_free(&d);
	diag_init(&d);
	g = geoip_cfg(CITY_DB);
	assert_int_equal(geodb_open(&g, &d, &db), GS_OK);
	assert_false(geodb_fields(db) & GEODB_LOCATION);
	assert_int_equal(geo_map_compile(cm, db, a, &d, &m), GS_EPARSE);
	assert_null(m);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.v[0].text, CFG ":14: map 'near': coordinates need a "
	                                        "City-shaped database"));
	/* No database at all: refused too. */
	diag_free(&d);
	diag_init(&d);
	assert_int_equal(geo_map_compile(cm, NULL, a, &d, &m), GS_EPARSE);
	assert_int_equal(d.n_errors, 1);
	geodb_close(db);
	free_map(cm);
	arena_destroy(a);
	diag_free(&d);
}

int main(void)
{
	if (access(NEAR_DB, R_OK) != 0) {
		printf("SKIP: %s is not built: configure found no Perl MaxMind::DB::Writer\n",
		       NEAR_DB);
		return 77;
	}
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_km),
	        cmocka_unit_test(test_order),
	        cmocka_unit_test(test_compiled),
	};
	return cmocka_run_group_tests_name("nearest", tests, NULL, NULL);
}
