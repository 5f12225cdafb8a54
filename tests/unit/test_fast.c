/* SPDX-License-Identifier: MIT
 * test_fast.c -- unit tests for the pre-rendered responses (server/query/fast.h,
 * server/load/fast_build.c): a snapshot built by snapshot_build from the fixture zones
 * of tests/data/answer (CNAME chains within and across zones, wildcards, delegations
 * with glue, empty non-terminals, a zone signed elsewhere, a zone nested without a
 * delegation) and, when the test GeoIP
 * database is built, the steering fixture of tests/data/steer. Every name of every zone,
 * a missing child of each, a name under the apex named like the SOA's RNAME and a
 * mixed-case spelling are asked for many types, over UDP with and without EDNS, with a
 * 512-byte buffer, with DO, with ECS and over TCP; each response with the table must be
 * byte for byte the one without it, also with rate limiting dropping and slipping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/config/config.h"
#include "server/load/snapshot_build.h"
#include "server/query/answer.h"
#include "server/query/fast.h"
#include "server/query/snapshot.h"
#include "tests/unit/testlib.h"

#define ANSWER_DATA TL_SRC("tests/data/answer")
#define STEER_DATA  TL_SRC("tests/data/steer")
#define GEO_DATA    TL_BUILD("tests/data/geo")

static const char ZONES_CONFIG[] =
        "listen: [\"127.0.0.1:5353\"]\n"
        "identity: ns1.test\n"
        "zones:\n"
        "  - {name: example.com., file: " ANSWER_DATA "/example.com.zone}\n"
        "  - {name: deep.example.com., file: " ANSWER_DATA "/deep.example.com.zone}\n"
        "  - {name: island.example.com., file: " ANSWER_DATA "/island.example.com.zone}\n"
        "  - {name: other.test., file: " ANSWER_DATA "/other.test.zone}\n"
        "  - {name: nsec.example., file: " ANSWER_DATA "/nsec.example.signed}\n"
        "  - {name: 0.example.com., file: zero.zone}\n";

/* A zone under example.com that example.com does not delegate, named like the first
 * made-up name fast_build would try under example.com's apex. */
static const char ZERO_ZONE[] = "$ORIGIN 0.example.com.\n"
                                "@ 3600 IN SOA ns.other.test. h.other.test. 1 3600 600 86400 60\n"
                                "@ 3600 IN NS ns.other.test.\n"
                                "@ 3600 IN A 192.0.2.99\n";

static const char STEER_CONFIG[] =
        "listen: [\"127.0.0.1:5353\"]\n"
        "geoip:\n"
        "  database: " GEO_DATA "/city.mmdb\n"
        "zones:\n"
        "  - {name: geo.example., file: " STEER_DATA "/geo.example.zone}\n"
        "  - {name: other.test., file: " STEER_DATA "/other.test.zone}\n"
        "maps:\n"
        "  m:\n"
        "    default: [eu, us]\n"
        "services:\n"
        "  web:\n"
        "    names: [www.geo.example., x.deep.geo.example.]\n"
        "    map: m\n"
        "    ttl: 60\n"
        "    datacenters:\n"
        "      us: [192.0.2.10, \"2001:db8:10::10\"]\n"
        "      eu: [198.51.100.10]\n";

struct fixture {
	char *dir;
	struct cfg *cfg;
	struct snapshot *snap;
	/* One context per path: with rate limiting, each keeps its own buckets, which
	 * must evolve alike when both paths account alike. */
	struct answer_ctx *ctx, *ctx_general;
	struct sockaddr_in src;
	uint8_t with[ANSWER_TCP_MAX], without[ANSWER_TCP_MAX];
	unsigned asked, answered;
};

static void fixture_load(struct fixture *f, const char *config)
{
	f->dir = tl_tmpdir("test_fast");
	free(tl_write_file(f->dir, "zero.zone", ZERO_ZONE));
	char *path = tl_write_file(f->dir, "geosteer.yaml", config);
	struct diag d;
	diag_init(&d);
	assert_int_equal(cfg_load(path, &d, &f->cfg), GS_OK);
	int rc = snapshot_build(f->cfg, &d, &f->snap);
	if (rc != GS_OK)
		diag_print(&d, stderr);
	assert_int_equal(rc, GS_OK);
	diag_free(&d);
	free(path);
	f->ctx = answer_ctx_new();
	f->ctx_general = answer_ctx_new();
	/* A fixed clock: the rate limiter's buckets never refill during the test. */
	answer_ctx_set_time(f->ctx, 1700000000u, 1000u);
	answer_ctx_set_time(f->ctx_general, 1700000000u, 1000u);
	f->src.sin_family = AF_INET;
	f->src.sin_addr.s_addr = htonl(0x01000001); /* 1.0.0.1 */
}

static void fixture_free(struct fixture *f)
{
	answer_ctx_free(f->ctx);
	answer_ctx_free(f->ctx_general);
	snapshot_free(f->snap);
	cfg_free(f->cfg);
	tl_rmtree(f->dir);
	free(f->dir);
}

/* Asks q over UDP or TCP with and without the snapshot's fast table; the responses must
 * be the same bytes. */
static void same(struct fixture *f, const struct tl_msg *q, bool tcp)
{
	const struct fast_table *t = f->snap->fast;
	size_t cap = tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX;
	size_t a = answer_packet(f->snap, f->ctx, q->b, q->n, (const struct sockaddr *)&f->src, tcp,
	                         f->with, cap);
	f->snap->fast = NULL;
	size_t b = answer_packet(f->snap, f->ctx_general, q->b, q->n,
	                         (const struct sockaddr *)&f->src, tcp, f->without, cap);
	f->snap->fast = t;
	f->asked++;
	f->answered += a > 0;
	if (a != b || memcmp(f->with, f->without, a) != 0) {
		char text[DNAME_TEXT_MAX];
		dname_to_text(q->b + 12, text);
		fail_msg("%s type %u (%zu query bytes, %s): %zu bytes with the table, %zu without",
		         text,
		         (unsigned)(q->b[12 + dname_len(q->b + 12)] << 8 |
		                    q->b[13 + dname_len(q->b + 12)]),
		         q->n, tcp ? "TCP" : "UDP", a, b);
	}
}

/* name (text) asked for every type of the list in every variant. */
static void ask_all(struct fixture *f, const char *name)
{
	static const unsigned types[] = {1,  2,  5,  6,   15,  16,  28,   43,
	                                 46, 47, 48, 255, 252, 251, 65280};
	uint8_t ecs[32];
	size_t ecs_len = tl_ecs_option(ecs, "1.0.0.0/24");
	uint8_t nsid[4] = {0, 3, 0, 0};
	const struct tl_edns variants[] = {
	        {.present = false},
	        {.present = true, .payload = 1232},
	        {.present = true, .payload = 512, .do_bit = true},
	        {.present = true, .payload = 4096, .opts = ecs, .opts_len = ecs_len},
	        {.present = true, .payload = 1232, .opts = nsid, .opts_len = sizeof(nsid)},
	        {.present = true, .payload = 1232, .version = 1},
	};
	for (size_t t = 0; t < GS_ARRAY_LEN(types); t++) {
		for (size_t v = 0; v < GS_ARRAY_LEN(variants); v++) {
			struct tl_msg q;
			tl_query(&q, 0x1234, name, types[t], 1, 0x0100, &variants[v]);
			same(f, &q, false);
			if (v < 2)
				same(f, &q, true);
		}
	}
}

/* Every name of every zone of the snapshot, a missing child of each, hostmaster and a
 * deep missing name under each apex, and a mixed-case spelling. */
static void ask_every_name(struct fixture *f)
{
	const struct zoneset *zs = &f->snap->zones;
	for (size_t i = 0; i < zs->n; i++) {
		const struct zone *z = zs->zones[i];
		char text[DNAME_TEXT_MAX], more[DNAME_TEXT_MAX + 32];
		dname_to_text(z->origin, text);
		snprintf(more, sizeof(more), "hostmaster.%s", text);
		ask_all(f, more);
		snprintf(more, sizeof(more), "HostMaster.ZZ.%s", text);
		ask_all(f, more);
		snprintf(more, sizeof(more), "a.b.c.d.e.f.%s", text);
		ask_all(f, more);
		for (size_t k = 0; k < z->n_nodes; k++) {
			dname_to_text(z->nodes[k].name, text);
			ask_all(f, text);
			snprintf(more, sizeof(more), "zz-nx.%s", text);
			ask_all(f, more);
			for (size_t c = 0; text[c]; c++)
				if (c % 2 == 0 && text[c] >= 'a' && text[c] <= 'z')
					text[c] = (char)(text[c] - 32);
			ask_all(f, text);
		}
	}
}

/* The table holds what it should: a pre-rendered answer at an existing name, the answer
 * below the apex, and none at a name with a wildcard child. */
static void test_zones(void **state)
{
	(void)state;
	struct fixture f = {0};
	fixture_load(&f, ZONES_CONFIG);
	const struct fast_table *t = f.snap->fast;
	assert_non_null(t);
	assert_true(t->any_signed); /* nsec.example */
	uint8_t name[DNAME_MAX];
	size_t len;
	assert_int_equal(dname_from_text("www.example.com.", NULL, name, &len), GS_OK);
	const struct fast_name *e = fast_find(t, name, len);
	assert_non_null(e);
	assert_non_null(fast_blob_of(e, 1));
	assert_int_equal(dname_from_text("example.com.", NULL, name, &len), GS_OK);
	e = fast_find(t, name, len);
	assert_non_null(e);
	assert_non_null(e->below);
	assert_int_equal(dname_from_text("wild.example.com.", NULL, name, &len), GS_OK);
	e = fast_find(t, name, len);
	assert_non_null(e);
	assert_null(e->below); /* *.wild: the answer below depends on the type */
	ask_every_name(&f);
	assert_true(f.asked > 10000);
	assert_true(f.answered > f.asked / 2);
	fixture_free(&f);
}

/* Steered names: their A, AAAA and ANY answers are not pre-rendered, their other
 * types are; every answer is the general path's. */
static void test_steered(void **state)
{
	(void)state;
	if (access(GEO_DATA "/city.mmdb", R_OK) != 0)
		skip();
	struct fixture f = {0};
	fixture_load(&f, STEER_CONFIG);
	const struct fast_table *t = f.snap->fast;
	assert_non_null(t);
	uint8_t name[DNAME_MAX];
	size_t len;
	assert_int_equal(dname_from_text("www.geo.example.", NULL, name, &len), GS_OK);
	const struct fast_name *e = fast_find(t, name, len);
	assert_non_null(e);
	assert_non_null(e->steer);
	assert_null(fast_blob_of(e, 1));
	assert_null(fast_blob_of(e, 28));
	assert_null(fast_blob_of(e, 255));
	ask_every_name(&f);
	ask_all(&f, "www.geo.example.");
	ask_all(&f, "x.deep.geo.example.");
	ask_all(&f, "deep.geo.example.");
	fixture_free(&f);
}

/* Rate limiting: 2 responses per second and slip 2 on a clock that does not move, so
 * that after the first answers of each name responses are dropped and slipped in turn;
 * the pre-rendered path must account, drop and slip as the general path does (the two
 * contexts' buckets see the same sequence). */
static void test_rate_limited(void **state)
{
	(void)state;
	char config[sizeof(ZONES_CONFIG) + 128];
	snprintf(config, sizeof(config), "%srate_limit: {responses_per_second: 2, slip: 2}\n",
	         ZONES_CONFIG);
	struct fixture f = {0};
	fixture_load(&f, config);
	assert_non_null(f.snap->rrl);
	assert_non_null(f.snap->fast);
	ask_every_name(&f);
	const struct answer_stats *a = answer_ctx_stats(f.ctx);
	const struct answer_stats *b = answer_ctx_stats(f.ctx_general);
	assert_true(a->rrl_dropped > 1000);
	assert_true(a->rrl_slipped > 1000);
	assert_int_equal(a->rrl_dropped, b->rrl_dropped);
	assert_int_equal(a->rrl_slipped, b->rrl_slipped);
	assert_int_equal(a->truncated, b->truncated);
	assert_memory_equal(a->rcode, b->rcode, sizeof(a->rcode));
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_zones),
	        cmocka_unit_test(test_steered),
	        cmocka_unit_test(test_rate_limited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
