/* SPDX-License-Identifier: MIT
 * test_weight.c -- unit tests for weighted groups (server/query/steer_weight.c,
 * geoip/geo_weight.c, the groups of geoip/dclist.c): a configuration with networks
 * rules and a default list only (no GeoIP database), loaded with cfg_load and
 * snapshot_build as the daemon does; decisions taken with steer_decide and
 * steer_weight_pick directly, health changed through the health API.
 *
 * The map:
 *   default        [{a: 3, b: 1, z: 0}, c]
 *   10.0.0.0/8     [{a: 2, b: 1, d: 1}, c]
 *   172.16.0.0/12  [c, {a: 1, b: 1}]      a group behind a plain position
 *   192.168.0.0/16 [c]                    no group: the scope stays 16
 * Service web: a 192.0.2.1 (no AAAA), b 192.0.2.2 2001:db8::2, c 192.0.2.3 2001:db8::3,
 * d 192.0.2.4, z 192.0.2.26. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "geoip/geo_weight.h"
#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/config/config.h"
#include "server/health/health.h"
#include "server/load/snapshot_build.h"
#include "server/query/snapshot.h"
#include "server/query/steer.h"
#include "server/query/steer_weight.h"
#include "tests/unit/testlib.h"

static const char CONFIG[] =
        "listen: [\"127.0.0.1:5353\"]\n"
        "zones:\n"
        "  - {name: geo.example., file: " TL_SRC(
                "tests/data/steer") "/geo.example.zone}\n"
                                    "maps:\n"
                                    "  w:\n"
                                    "    default: [{a: 3, b: 1, z: 0}, c]\n"
                                    "    networks:\n"
                                    "      10.0.0.0/8: [{a: 2, b: 1, d: 1}, c]\n"
                                    "      172.16.0.0/12: [c, {a: 1, b: 1}]\n"
                                    "      192.168.0.0/16: [c]\n"
                                    "services:\n"
                                    "  web:\n"
                                    "    names: [www.geo.example.]\n"
                                    "    map: w\n"
                                    "    ttl: 60\n"
                                    "    failover_ttl: 20\n"
                                    "    datacenters:\n"
                                    "      a: [192.0.2.1]\n"
                                    "      b: [192.0.2.2, \"2001:db8::2\"]\n"
                                    "      c: [192.0.2.3, \"2001:db8::3\"]\n"
                                    "      d: [192.0.2.4]\n"
                                    "      z: [192.0.2.26]\n";

struct fixture {
	char *dir;
	struct cfg *cfg;
	struct snapshot *snap;
	struct health *health;
	const struct steer_service *svc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = tl_tmpdir("test_weight");
	char *path = tl_write_file(f->dir, "geosteer.yaml", CONFIG);
	struct diag d;
	diag_init(&d);
	int rc = cfg_load(path, &d, &f->cfg);
	if (rc == GS_OK)
		rc = snapshot_build(f->cfg, &d, &f->snap);
	if (rc != GS_OK || d.n)
		diag_print(&d, stderr);
	assert_int_equal(rc, GS_OK);
	diag_free(&d);
	free(path);
	assert_int_equal(health_new(NULL, &d, &f->health), GS_OK);
	assert_null(health_install(f->health, f->snap->health));
	f->svc = &f->snap->steer->services[0];
	assert_true(f->svc->weighted);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	health_free(f->health);
	snapshot_free(f->snap);
	cfg_free(f->cfg);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void force(struct fixture *f, const char *dc, enum health_force how)
{
	assert_int_equal(health_force_dc(f->health, dc, how), GS_OK);
}

/* Decides for client address text with ECS source prefix len. */
static void decide(struct fixture *f, const char *text, unsigned len, enum steer_type ty,
                   struct steer_decision *d)
{
	struct steer_client c = {.known = true, .source_prefix = len};
	assert_int_equal(netaddr_parse(text, &c.addr), GS_OK);
	steer_decide(f->snap->steer, f->svc, &c, ty, d);
}

/* The chosen datacenter's name, "-" for none. */
static const char *chosen(const struct steer_decision *d)
{
	return d->dc ? d->dc->name : "-";
}

/* 11.x.y.0/24 for network i (default list), 10.x.y.0/24 for the networks rule. */
static void net_of(unsigned first, unsigned i, char out[32])
{
	snprintf(out, 32, "%u.%u.%u.0", first, (i >> 8) & 0xff, i & 0xff);
}

#define N_NETS 16384u

/* 3:1 over 16,384 /24s: 75 % +- 1.5 % (the standard deviation is 0.34 %); the weight-0
 * member never; every scope 24; the same member for another address of the network. */
static void test_split(void **state)
{
	struct fixture *f = *state;
	unsigned n_a = 0, n_b = 0;
	for (unsigned i = 0; i < N_NETS; i++) {
		char net[32], host[32];
		net_of(11, i, net);
		struct steer_decision d, h;
		decide(f, net, 24, STEER_A, &d);
		assert_non_null(d.dc);
		n_a += strcmp(chosen(&d), "a") == 0;
		n_b += strcmp(chosen(&d), "b") == 0;
		assert_int_equal(d.scope, 24);
		assert_int_equal(d.pick, STEER_PICK_HASH);
		assert_false(d.failover);
		assert_int_equal(d.ttl, 60);
		snprintf(host, sizeof(host), "11.%u.%u.%u", (i >> 8) & 0xff, i & 0xff, i % 251 + 1);
		decide(f, host, 32, STEER_A, &h);
		assert_ptr_equal(h.dc, d.dc);
		assert_int_equal(h.scope, 24);
	}
	assert_int_equal(n_a + n_b, N_NETS);
	double share = (double)n_a / N_NETS;
	assert_true(share > 0.735 && share < 0.765);
}

/* One member down: exactly its networks move, to the others by weight (2:1 here), with
 * failover_ttl; back up, everyone returns. */
static void test_member_down(void **state)
{
	struct fixture *f = *state;
	static const struct steer_dc *before[N_NETS];
	unsigned had_b = 0, to_a = 0, to_d = 0;
	for (unsigned i = 0; i < N_NETS; i++) {
		char net[32];
		net_of(10, i, net);
		struct steer_decision d;
		decide(f, net, 24, STEER_A, &d);
		before[i] = d.dc;
	}
	force(f, "b", HEALTH_FORCE_DOWN);
	for (unsigned i = 0; i < N_NETS; i++) {
		char net[32];
		net_of(10, i, net);
		struct steer_decision d;
		decide(f, net, 24, STEER_A, &d);
		if (strcmp(before[i]->name, "b") != 0) {
			assert_ptr_equal(d.dc, before[i]); /* the others do not move */
			assert_int_equal(d.ttl, 60);
			assert_int_equal(d.pick, STEER_PICK_HASH);
			continue;
		}
		had_b++;
		assert_int_equal(d.pick, STEER_PICK_REPICK);
		assert_true(d.failover);
		assert_int_equal(d.ttl, 20);
		to_a += strcmp(chosen(&d), "a") == 0;
		to_d += strcmp(chosen(&d), "d") == 0;
	}
	assert_int_equal(to_a + to_d, had_b);
	assert_true(had_b > N_NETS / 5 && had_b < N_NETS * 3 / 10);
	double share_a = (double)to_a / had_b; /* 2/3 expected */
	assert_true(share_a > 0.62 && share_a < 0.71);
	force(f, "b", HEALTH_FORCE_AUTO);
	for (unsigned i = 0; i < N_NETS; i++) {
		char net[32];
		net_of(10, i, net);
		struct steer_decision d;
		decide(f, net, 24, STEER_A, &d);
		assert_ptr_equal(d.dc, before[i]);
	}
}

/* Weight 0 only when every other member is down; all down: the next position (a
 * failover); everything down: fail open to the network's own member. */
static void test_weight_zero_and_next(void **state)
{
	struct fixture *f = *state;
	struct steer_decision d, first;
	decide(f, "11.1.2.0", 24, STEER_A, &first);
	force(f, "a", HEALTH_FORCE_DOWN);
	decide(f, "11.1.2.0", 24, STEER_A, &d);
	assert_string_equal(chosen(&d), "b"); /* the only other member above 0 */
	force(f, "b", HEALTH_FORCE_DOWN);
	decide(f, "11.1.2.0", 24, STEER_A, &d);
	assert_string_equal(chosen(&d), "z");
	assert_int_equal(d.pick, STEER_PICK_ZERO);
	assert_true(d.failover);
	assert_int_equal(d.ttl, 20);
	force(f, "z", HEALTH_FORCE_DOWN);
	decide(f, "11.1.2.0", 24, STEER_A, &d);
	assert_string_equal(chosen(&d), "c");
	assert_int_equal(d.pos, 1);
	assert_int_equal(d.pick, STEER_PICK_NONE);
	assert_true(d.failover);
	assert_int_equal(d.scope, 24); /* the list holds a group */
	force(f, "c", HEALTH_FORCE_DOWN);
	decide(f, "11.1.2.0", 24, STEER_A, &d);
	assert_true(d.fail_open);
	assert_ptr_equal(d.dc, first.dc);
	assert_int_equal(d.pos, 0);
	for (const char *dc = "abzc"; *dc; dc++) {
		char name[2] = {*dc, 0};
		force(f, name, HEALTH_FORCE_AUTO);
	}
	decide(f, "11.1.2.0", 24, STEER_A, &d);
	assert_ptr_equal(d.dc, first.dc);
	assert_false(d.failover);
}

/* A member without the type is passed over for that type, not a failover: AAAA of a
 * network whose member is a (no AAAA) goes to b, ttl 60. */
static void test_type_missing(void **state)
{
	struct fixture *f = *state;
	unsigned seen = 0;
	for (unsigned i = 0; i < 256 && seen < 3; i++) {
		char net[32];
		net_of(11, i, net);
		struct steer_decision d4, d6;
		decide(f, net, 24, STEER_A, &d4);
		if (strcmp(chosen(&d4), "a") != 0)
			continue;
		seen++;
		decide(f, net, 24, STEER_AAAA, &d6);
		assert_string_equal(chosen(&d6), "b");
		assert_false(d6.failover);
		assert_int_equal(d6.ttl, 60);
	}
	assert_int_equal(seen, 3);
}

/* Scopes: a list with a group gives at least weight_prefix wherever the answer comes
 * from; a list without one keeps the table's scope; source prefix 0 keeps 0. */
static void test_scopes(void **state)
{
	struct fixture *f = *state;
	struct steer_decision d;
	decide(f, "172.16.0.0", 12, STEER_A, &d);
	assert_string_equal(chosen(&d), "c"); /* c is first; the group behind it */
	assert_int_equal(d.scope, 24);
	decide(f, "192.168.0.0", 16, STEER_A, &d);
	assert_int_equal(d.scope, 16);
	decide(f, "2001:db8:77::", 48, STEER_AAAA, &d);
	assert_int_equal(d.scope, 48);
	struct steer_client c = {.known = true, .source_prefix = 32, .scope_zero = true};
	assert_int_equal(netaddr_parse("11.0.0.1", &c.addr), GS_OK);
	steer_decide(f->snap->steer, f->svc, &c, STEER_A, &d);
	assert_int_equal(d.scope, 0);
}

/* The key: fixed values (no seed), IPv4 cut at /24, 6to4 hashed as its IPv4 address
 * with the scope inside 2002::/16, IPv6 cut at /48. */
static void test_key(void **state)
{
	struct fixture *f = *state;
	const struct geo_map *m = f->svc->map;
	struct netaddr a, b;
	assert_int_equal(netaddr_parse("23.0.1.0", &a), GS_OK);
	assert_int_equal(netaddr_parse("2002:1700:0100::", &b), GS_OK);
	struct geo_weight_key ka = geo_weight_key(m, &a), kb = geo_weight_key(m, &b);
	assert_true(ka.hash == kb.hash);
	assert_int_equal(ka.min_scope, 24);
	assert_int_equal(kb.min_scope, 40);
	/* A value fixed for good: a change of the hash moves every network of every
	 * deployment at once, which must be a deliberate decision. */
	assert_true(ka.hash == 0x72dec79aa9aacb0aULL);
	struct netaddr x, y;
	assert_int_equal(netaddr_parse("2600:1f00:0:ffff::", &x), GS_OK);
	assert_int_equal(netaddr_parse("2600:1f00::", &y), GS_OK);
	assert_true(geo_weight_key(m, &x).hash == geo_weight_key(m, &y).hash);
	assert_int_equal(geo_weight_key(m, &x).min_scope, 48);
}

/* The pick itself for a given hash: the bucket names the member by running sums. */
static void test_pick_buckets(void **state)
{
	struct fixture *f = *state;
	const struct dclist_table *lt = &f->svc->map->lists;
	assert_int_equal(lt->n_groups, 3);
	const struct dclist_group *g = &lt->groups[0]; /* {a: 3, b: 1, z: 0} */
	assert_int_equal(g->total, 4);
	assert_string_equal(lt->names[lt->n_names], "{a: 3, b: 1, z: 0}");
	const char *want[4] = {"a", "a", "a", "b"};
	for (uint32_t b = 0; b < 4; b++) {
		/* A hash whose top half puts it in bucket b of 4. */
		uint64_t h = (uint64_t)(b * 0x40000000u + 0x1000u) << 32;
		struct steer_group_pick p;
		steer_weight_pick(f->snap->steer, f->svc, g, h, STEER_A, &p);
		assert_int_equal(p.bucket, b);
		assert_string_equal(p.dc->name, want[b]);
		assert_int_equal(p.how, STEER_PICK_HASH);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_split),
	        cmocka_unit_test(test_member_down),
	        cmocka_unit_test(test_weight_zero_and_next),
	        cmocka_unit_test(test_type_missing),
	        cmocka_unit_test(test_scopes),
	        cmocka_unit_test(test_key),
	        cmocka_unit_test(test_pick_buckets),
	};
	return cmocka_run_group_tests_name("weighted groups", tests, setup, teardown);
}
