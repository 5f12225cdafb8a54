/* SPDX-License-Identifier: MIT
 * test_steer.c -- unit tests for steering in the query path (server/query/steer.c,
 * server/load/steer_build.c and their use in server/query/answer.c): a configuration written at run
 * time around the zones in tests/data/steer/ and the tiny GeoIP2-City database that
 * tests/unit/geoip.mk builds from tests/data/geo/city.txt, loaded with cfg_load and
 * snapshot_build as the daemon does; queries through answer_packet() in process;
 * responses read back with ldns (tests/unit/testlib.h).
 *
 * The map (see CONFIG below) against city.txt:
 *   1.0.0.0/22   DE, DE, GB (EU)     default     [eu, us]   merged: scope 22
 *   1.0.4.0/22   US-CA (NA)          continents  [us, eu]   scope 22
 *   1.0.8.0/24   US-NY               networks    [ap, eu]   scope 24
 *   1.0.9.0/24   US-NY               subdivs     [eu, us]   scope 24 (1.0.10/23: 23)
 *   1.0.12.0/22  CA (NA)             continents  [us, eu]   scope 22
 *   1.0.16.0/20  FR (EU)             countries   [us, eu]   scope 20
 *   1.0.32.0/19  JP (AS)             continents  [ap, us]   scope 19
 *   8.0.0.0/5    not in the database default     [eu, us]   scope 5
 *   2001:db8:2::/48  US-CA           continents  [us, eu]   scope 48
 * Service web: us 192.0.2.10, 192.0.2.11, 2001:db8:10::10; eu 198.51.100.10,
 * 2001:db8:20::10; ap 203.0.113.10 (no AAAA). Service v4: IPv4 addresses only. */
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

#include "server/query/answer.h"
#include "server/base/diag.h"
#include "server/base/dns.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/config/config.h"
#include "server/health/health.h"
#include "server/load/snapshot_build.h"
#include "server/query/snapshot.h"
#include "server/query/steer.h"
#include "tests/unit/testlib.h"

#define STEER_TEST_DATA TL_SRC("tests/data/steer")
#define GEO_TEST_DATA   TL_BUILD("tests/data/geo")

/* The configuration; %s: geoip options, then the two zone folders. */
static const char CONFIG[] =
        "listen: [\"127.0.0.1:5353\"]\n"
        "geoip:\n"
        "  database: " GEO_TEST_DATA "/city.mmdb\n"
        "%s"
        "zones:\n"
        "  - {name: geo.example., file: " STEER_TEST_DATA "/geo.example.zone}\n"
        "  - {name: other.test., file: " STEER_TEST_DATA "/other.test.zone}\n"
        "maps:\n"
        "  regional:\n"
        "    default: [eu, us]\n"
        "    continents: {NA: [us, eu], AS: [ap, us]}\n"
        "    countries: {FR: [us, eu]}\n"
        "    subdivisions: {US-NY: [eu, us]}\n"
        "    networks: {1.0.8.0/24: [ap, eu]}\n"
        "services:\n"
        "  web:\n"
        "    names: [www.geo.example., API.geo.example., x.deep.geo.example.]\n"
        "    map: regional\n"
        "    ttl: 60\n"
        "    failover_ttl: 20\n"
        "    datacenters:\n"
        "      us: [192.0.2.10, 192.0.2.11, \"2001:db8:10::10\"]\n"
        "      eu: [198.51.100.10, \"2001:db8:20::10\"]\n"
        "      ap: [203.0.113.10]\n"
        "  v4:\n"
        "    names: [v4.geo.example.]\n"
        "    map: regional\n"
        "    ttl: 30\n"
        "    failover_ttl: 10\n"
        "    datacenters:\n"
        "      us: [192.0.2.20]\n"
        "      eu: [198.51.100.20]\n"
        "      ap: [203.0.113.20]\n";

struct fixture {
	char *dir;
	char *path;
	struct cfg *cfg;
	struct snapshot *snap;
	struct health *health;
	struct answer_ctx *ctx;
	struct sockaddr_storage src;
	uint8_t out[ANSWER_TCP_MAX];
	size_t out_len;
};

/* Writes text to f->path (in a fresh temporary folder). */
static void write_config(struct fixture *f, const char *text)
{
	f->dir = tl_tmpdir("test_steer");
	f->path = tl_write_file(f->dir, "geosteer.yaml", text);
}

static void remove_config(struct fixture *f)
{
	tl_rmtree(f->dir);
	free(f->path);
	free(f->dir);
}

/* cfg_load + snapshot_build; d receives the diagnostics. Returns snapshot_build's code. */
static int load(struct fixture *f, const char *text, struct diag *d)
{
	write_config(f, text);
	int rc = cfg_load(f->path, d, &f->cfg);
	if (rc != GS_OK) {
		diag_print(d, stderr);
		fail_msg("cfg_load failed");
	}
	rc = snapshot_build(f->cfg, d, &f->snap);
	return rc;
}

static struct fixture *fixture_new(const char *geoip_extra)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	char text[4096];
	snprintf(text, sizeof(text), CONFIG, geoip_extra);
	struct diag d;
	diag_init(&d);
	int rc = load(f, text, &d);
	if (rc != GS_OK || d.n)
		diag_print(&d, stderr);
	assert_int_equal(rc, GS_OK);
	assert_int_equal(d.n, 0); /* not even a warning */
	diag_free(&d);
	assert_non_null(f->snap->steer);
	assert_non_null(f->snap->health);
	/* The health object, as the daemon will own it, so that forces reach the cells. */
	assert_int_equal(health_new(NULL, &d, &f->health), GS_OK);
	assert_null(health_install(f->health, f->snap->health));
	f->ctx = answer_ctx_new();
	return f;
}

static int setup(void **state)
{
	*state = fixture_new("");
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	answer_ctx_free(f->ctx);
	health_free(f->health);
	snapshot_free(f->snap); /* and its health table */
	cfg_free(f->cfg);
	remove_config(f);
	free(f);
	return 0;
}

/* ---- queries ---------------------------------------------------------------------- */

static void set_src(struct fixture *f, const char *addr)
{
	memset(&f->src, 0, sizeof(f->src));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&f->src;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&f->src;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
	}
}

/* An ECS option for the query: subnet "ADDR/LEN" (bits beyond LEN must be zero, as a
 * valid option carries them), or raw bytes. */
struct ecs {
	const char *subnet;
	const uint8_t *raw;
	size_t raw_len;
};

/* Sends name/type from f->src (with EDNS when edns or ecs) and keeps the response. */
static void ask_full(struct fixture *f, const char *name, unsigned type, bool edns,
                     const struct ecs *ecs)
{
	uint8_t opts[64];
	struct tl_edns e = {.present = edns || ecs, .payload = 1232, .opts = opts};
	if (ecs && ecs->subnet) {
		e.opts_len = tl_ecs_option(opts, ecs->subnet);
	} else if (ecs) {
		e.opts = ecs->raw;
		e.opts_len = ecs->raw_len;
	}
	struct tl_msg q;
	tl_query(&q, 0xabcd, name, type, 1, 0, &e);
	f->out_len = answer_packet(f->snap, f->ctx, q.b, q.n, (const struct sockaddr *)&f->src,
	                           false, f->out, sizeof(f->out));
	assert_true(f->out_len >= 12);
}

/* ---- responses -------------------------------------------------------------------- */

struct rr {
	char owner[DNAME_TEXT_MAX];
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[256];
};

struct resp {
	unsigned rcode;
	bool aa;
	unsigned an, ns;
	struct rr ans[16], auth[4];
	bool opt;
	bool has_ecs;
	uint8_t ecs[24]; /* option data: family(2) source scope address */
	size_t ecs_len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Copies record x of ldns into rr: owner text, type, TTL, uncompressed RDATA. */
static void read_rr(const ldns_rr *x, struct rr *rr)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(x));
	assert_non_null(owner);
	snprintf(rr->owner, sizeof(rr->owner), "%s", owner);
	free(owner);
	rr->type = (uint16_t)ldns_rr_get_type(x);
	rr->ttl = ldns_rr_ttl(x);
	ldns_buffer *b = ldns_buffer_new(256);
	assert_int_equal(ldns_rr_rdata2buffer_wire(b, x), LDNS_STATUS_OK);
	size_t n = ldns_buffer_position(b);
	rr->rdlen = (uint16_t)n;
	memcpy(rr->rdata, ldns_buffer_begin(b), n < sizeof(rr->rdata) ? n : sizeof(rr->rdata));
	ldns_buffer_free(b);
}

static void parse(const struct fixture *f, struct resp *r)
{
	memset(r, 0, sizeof(*r));
	ldns_pkt *p = tl_parse(f->out, f->out_len);
	assert_int_equal(ldns_pkt_id(p), 0xabcd);
	r->rcode = ldns_pkt_get_rcode(p);
	r->aa = ldns_pkt_aa(p);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	r->an = ldns_pkt_ancount(p);
	r->ns = ldns_pkt_nscount(p);
	assert_true(r->an <= 16 && r->ns <= 4);
	for (unsigned i = 0; i < r->an; i++) {
		const ldns_rr *x = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		read_rr(x, &r->ans[i]);
		assert_int_equal(ldns_rr_get_class(x), LDNS_RR_CLASS_IN);
	}
	for (unsigned i = 0; i < r->ns; i++)
		read_rr(ldns_rr_list_rr(ldns_pkt_authority(p), i), &r->auth[i]);
	/* ldns takes the OPT record out of the additional section: compare with ARCOUNT. */
	unsigned ar = (unsigned)(f->out[10] << 8 | f->out[11]);
	r->opt = ar == ldns_rr_list_rr_count(ldns_pkt_additional(p)) + 1;
	size_t len;
	const uint8_t *ecs = tl_edns_option(p, 8, &len);
	if (ecs) {
		assert_true(len <= sizeof(r->ecs));
		r->has_ecs = true;
		memcpy(r->ecs, ecs, len);
		r->ecs_len = len;
	}
	ldns_pkt_free(p);
}

/* The text of address record rr. */
static const char *addr_text(const struct rr *rr, char buf[64])
{
	assert_true(rr->type == DNS_TYPE_A || rr->type == DNS_TYPE_AAAA);
	assert_int_equal(rr->rdlen, rr->type == DNS_TYPE_A ? 4 : 16);
	inet_ntop(rr->type == DNS_TYPE_A ? AF_INET : AF_INET6, rr->rdata, buf, 64);
	return buf;
}

/* Asserts that the answer section is exactly the address records in want (a
 * space-separated set, any order), owner qname, TTL ttl. */
static void expect_addrs(const struct resp *r, const char *owner, unsigned type, uint32_t ttl,
                         const char *want)
{
	char list[256];
	snprintf(list, sizeof(list), "%s", want);
	unsigned n = 0;
	for (char *save = NULL, *w = strtok_r(list, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		bool found = false;
		for (unsigned i = 0; i < r->an; i++) {
			char buf[64];
			if (r->ans[i].type == type && strcmp(addr_text(&r->ans[i], buf), w) == 0)
				found = true;
		}
		if (!found)
			fail_msg("%s missing from the answer", w);
		n++;
	}
	unsigned n_type = 0;
	for (unsigned i = 0; i < r->an; i++) {
		if (r->ans[i].type != type)
			continue;
		n_type++;
		assert_string_equal(r->ans[i].owner, owner);
		assert_int_equal(r->ans[i].ttl, ttl);
	}
	assert_int_equal(n_type, n);
}

/* Asks name/type with the ECS option subnet (NULL: none, but EDNS) from src, expects
 * NOERROR with exactly the addresses want at ttl, and returns the scope (or -1 when
 * the response has no ECS option). */
static int steered(struct fixture *f, const char *src, const char *subnet, const char *name,
                   unsigned type, uint32_t ttl, const char *want)
{
	set_src(f, src);
	struct ecs e = {.subnet = subnet};
	ask_full(f, name, type, true, subnet ? &e : NULL);
	struct resp r;
	parse(f, &r);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_true(r.aa);
	expect_addrs(&r, name, type == DNS_TYPE_ANY ? DNS_TYPE_A : type, ttl, want);
	assert_int_equal(r.an, (unsigned)(strchr(want, ' ') ? 2 : 1)); /* no more than want */
	if (!r.has_ecs)
		return -1;
	return r.ecs[3];
}

/* ---- client location -------------------------------------------------------------- */

static void test_located_by_source(void **state)
{
	struct fixture *f = *state;
	/* No ECS option: the source address decides. */
	steered(f, "1.0.4.1", NULL, "www.geo.example.", DNS_TYPE_A, 60, "192.0.2.10 192.0.2.11");
	steered(f, "1.0.0.1", NULL, "www.geo.example.", DNS_TYPE_A, 60, "198.51.100.10");
	steered(f, "127.0.0.1", NULL, "www.geo.example.", DNS_TYPE_A, 60, "198.51.100.10");
	steered(f, "1.0.32.5", NULL, "www.geo.example.", DNS_TYPE_A, 60, "203.0.113.10");
	steered(f, "2001:db8:2::1", NULL, "www.geo.example.", DNS_TYPE_AAAA, 60, "2001:db8:10::10");
	/* IPv4-mapped and 6to4 sources are located as their IPv4 address. */
	steered(f, "::ffff:1.0.32.1", NULL, "www.geo.example.", DNS_TYPE_A, 60, "203.0.113.10");
	steered(f, "2002:100:401::1", NULL, "www.geo.example.", DNS_TYPE_A, 60,
	        "192.0.2.10 192.0.2.11");
	/* Names are case-insensitive; the answer keeps the question's case. */
	steered(f, "1.0.32.5", NULL, "WWW.Geo.Example.", DNS_TYPE_A, 60, "203.0.113.10");
	steered(f, "1.0.32.5", NULL, "api.geo.example.", DNS_TYPE_A, 60, "203.0.113.10");
}

static void test_located_by_ecs(void **state)
{
	struct fixture *f = *state;
	/* The ECS address wins over the source address (here a JP one). */
	steered(f, "1.0.32.5", "1.0.4.0/24", "www.geo.example.", DNS_TYPE_A, 60,
	        "192.0.2.10 192.0.2.11");
	steered(f, "1.0.32.5", "1.0.0.0/24", "www.geo.example.", DNS_TYPE_A, 60, "198.51.100.10");
	steered(f, "127.0.0.1", "2001:db8:2::/48", "www.geo.example.", DNS_TYPE_AAAA, 60,
	        "2001:db8:10::10");
}

static void test_precedence(void **state)
{
	struct fixture *f = *state;
	/* networks beats subdivisions: 1.0.8.0/24 is US-NY, but networks says ap. */
	steered(f, "127.0.0.1", "1.0.8.0/24", "www.geo.example.", DNS_TYPE_A, 60, "203.0.113.10");
	/* subdivisions beats continents: US-NY -> eu, not NA's us. */
	steered(f, "127.0.0.1", "1.0.9.0/24", "www.geo.example.", DNS_TYPE_A, 60, "198.51.100.10");
	/* continents: CA and US-CA in NA -> us. */
	steered(f, "127.0.0.1", "1.0.12.0/24", "www.geo.example.", DNS_TYPE_A, 60,
	        "192.0.2.10 192.0.2.11");
	/* countries beats continents: FR (EU, no continent rule) -> us. */
	steered(f, "127.0.0.1", "1.0.16.0/24", "www.geo.example.", DNS_TYPE_A, 60,
	        "192.0.2.10 192.0.2.11");
	/* A continent without a rule, and an address the database does not know: default. */
	steered(f, "127.0.0.1", "1.0.64.0/24", "www.geo.example.", DNS_TYPE_A, 60, "198.51.100.10");
	steered(f, "127.0.0.1", "9.9.9.0/24", "www.geo.example.", DNS_TYPE_A, 60, "198.51.100.10");
}

/* ---- ECS in the response ---------------------------------------------------------- */

static void expect_echo(const struct fixture *f, uint16_t family, uint8_t source, uint8_t scope,
                        const uint8_t *addr, size_t addr_len)
{
	struct resp r;
	parse(f, &r);
	assert_true(r.has_ecs);
	assert_int_equal(r.ecs_len, 4 + addr_len);
	assert_int_equal(get16(r.ecs), family);
	assert_int_equal(r.ecs[2], source);
	assert_int_equal(r.ecs[3], scope);
	assert_memory_equal(r.ecs + 4, addr, addr_len);
}

/* The ECS scope of www.geo.example.'s steered answer for subnet, asked from 127.0.0.1:
 * TTL 60 and the addresses in want. */
static int scope_of(struct fixture *f, const char *subnet, unsigned type, const char *want)
{
	return steered(f, "127.0.0.1", subnet, "www.geo.example.", type, 60, want);
}

static void test_ecs_scope(void **state)
{
	struct fixture *f = *state;
	const char *w = "www.geo.example.";
	/* The scope is the merged network's length, not the database record's. */
	assert_int_equal(scope_of(f, "1.0.4.0/24", DNS_TYPE_A, "192.0.2.10 192.0.2.11"), 22);
	/* Default-list answers too: 1.0.0.0/24 (DE) and 1.0.2.0/23 (GB) share [eu, us]. */
	assert_int_equal(scope_of(f, "1.0.0.0/24", DNS_TYPE_A, "198.51.100.10"), 22);
	assert_int_equal(scope_of(f, "9.9.9.0/24", DNS_TYPE_A, "198.51.100.10"), 5);
	assert_int_equal(scope_of(f, "1.0.16.0/24", DNS_TYPE_A, "192.0.2.10 192.0.2.11"), 20);
	/* Networks rule: its own /24; its neighbour 1.0.9.0/24 is cut short by it. */
	assert_int_equal(scope_of(f, "1.0.8.0/24", DNS_TYPE_A, "203.0.113.10"), 24);
	assert_int_equal(scope_of(f, "1.0.9.0/24", DNS_TYPE_A, "198.51.100.10"), 24);
	/* /32 and /128: the exact address, same scope as its network. */
	assert_int_equal(scope_of(f, "1.0.8.5/32", DNS_TYPE_A, "203.0.113.10"), 24);
	assert_int_equal(scope_of(f, "1.0.33.7/32", DNS_TYPE_A, "203.0.113.10"), 19);
	assert_int_equal(scope_of(f, "2001:db8:2::5/128", DNS_TYPE_AAAA, "2001:db8:10::10"), 48);
	/* IPv4-mapped ECS address: located as 1.0.4.0, scope 96 + 22. */
	assert_int_equal(scope_of(f, "::ffff:1.0.4.0/120", DNS_TYPE_A, "192.0.2.10 192.0.2.11"),
	                 118);
	/* A source prefix wider than the merged network: the answer is that of the
	 * zero-filled address, and the scope says more bits would matter. */
	assert_int_equal(scope_of(f, "1.0.0.0/16", DNS_TYPE_A, "198.51.100.10"), 22);

	/* Echo: family, source prefix and address as sent (RFC 7871 7.2.1). */
	static const uint8_t a24[] = {1, 0, 4};
	steered(f, "127.0.0.1", "1.0.4.0/24", w, DNS_TYPE_A, 60, "192.0.2.10 192.0.2.11");
	expect_echo(f, 1, 24, 22, a24, sizeof(a24));
	static const uint8_t a128[] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
	steered(f, "127.0.0.1", "2001:db8:2::5/128", w, DNS_TYPE_AAAA, 60, "2001:db8:10::10");
	expect_echo(f, 2, 128, 48, a128, sizeof(a128));

	/* Source prefix 0: located by the source address (JP: ap), scope 0. */
	assert_int_equal(steered(f, "1.0.32.5", "0.0.0.0/0", w, DNS_TYPE_A, 60, "203.0.113.10"), 0);
	expect_echo(f, 1, 0, 0, a24, 0);
	assert_int_equal(
	        steered(f, "2001:db8:2::1", "::/0", w, DNS_TYPE_AAAA, 60, "2001:db8:10::10"), 0);

	/* Answers that do not depend on the client: scope 0, with the echo. */
	set_src(f, "127.0.0.1");
	struct ecs e = {.subnet = "1.0.4.0/24"};
	const char *statics[][2] = {{"static.geo.example.", "A"},
	                            {"www.geo.example.", "TXT"},
	                            {"nothere.geo.example.", "A"},
	                            {"x.sub.geo.example.", "A"}};
	for (size_t i = 0; i < GS_ARRAY_LEN(statics); i++) {
		ask_full(f, statics[i][0],
		         strcmp(statics[i][1], "A") == 0 ? DNS_TYPE_A : DNS_TYPE_TXT, true, &e);
		expect_echo(f, 1, 24, 0, a24, sizeof(a24));
	}
	/* No ECS in the query: none in the response. */
	assert_int_equal(steered(f, "1.0.4.1", NULL, w, DNS_TYPE_A, 60, "192.0.2.10 192.0.2.11"),
	                 -1);
}

static void test_ecs_malformed(void **state)
{
	struct fixture *f = *state;
	static const uint8_t fam3[] = {0, 8, 0, 4, 0, 3, 0, 0};
	static const uint8_t v4_33[] = {0, 8, 0, 9, 0, 1, 33, 0, 1, 2, 3, 4, 5};
	static const uint8_t host_bits[] = {0, 8, 0, 7, 0, 1, 20, 0, 1, 0, 4}; /* .4 past /20 */
	static const uint8_t short_addr[] = {0, 8, 0, 6, 0, 1, 24, 0, 1, 0};
	const struct ecs bad[] = {{.raw = fam3, .raw_len = sizeof(fam3)},
	                          {.raw = v4_33, .raw_len = sizeof(v4_33)},
	                          {.raw = host_bits, .raw_len = sizeof(host_bits)},
	                          {.raw = short_addr, .raw_len = sizeof(short_addr)}};
	set_src(f, "1.0.4.1");
	for (size_t i = 0; i < GS_ARRAY_LEN(bad); i++) {
		ask_full(f, "www.geo.example.", DNS_TYPE_A, true, &bad[i]);
		struct resp r;
		parse(f, &r);
		assert_int_equal(r.rcode, DNS_RCODE_FORMERR);
		assert_int_equal(r.an, 0);
		assert_true(r.opt);
		assert_false(r.has_ecs);
	}
}

/* ---- health --------------------------------------------------------------------- */

static void force_dc(struct fixture *f, const char *dc, enum health_force how)
{
	assert_int_equal(health_force_dc(f->health, dc, how), GS_OK);
}

static void test_failover(void **state)
{
	struct fixture *f = *state;
	const char *w = "www.geo.example.";
	/* eu down: the default list [eu, us] fails over to us, with failover_ttl and the
	 * same scope (the list did not change, only health). */
	force_dc(f, "eu", HEALTH_FORCE_DOWN);
	assert_int_equal(
	        steered(f, "127.0.0.1", "1.0.0.0/24", w, DNS_TYPE_A, 20, "192.0.2.10 192.0.2.11"),
	        22);
	steered(f, "127.0.0.1", NULL, w, DNS_TYPE_AAAA, 20, "2001:db8:10::10");
	/* A list where the down datacenter comes second: unaffected, normal ttl. */
	steered(f, "127.0.0.1", "1.0.4.0/24", w, DNS_TYPE_A, 60, "192.0.2.10 192.0.2.11");
	force_dc(f, "eu", HEALTH_FORCE_AUTO);
	steered(f, "127.0.0.1", "1.0.0.0/24", w, DNS_TYPE_A, 60, "198.51.100.10");

	/* ap has no AAAA: skipping it for AAAA is not a failover (ttl 60). */
	steered(f, "127.0.0.1", "1.0.32.0/24", w, DNS_TYPE_AAAA, 60, "2001:db8:10::10");
	/* ap down: A fails over to us (20). */
	force_dc(f, "ap", HEALTH_FORCE_DOWN);
	steered(f, "127.0.0.1", "1.0.32.0/24", w, DNS_TYPE_A, 20, "192.0.2.10 192.0.2.11");
	/* us down too: the list [ap, us] has nothing up; fail open to its first, ap, with
	 * all its addresses and failover_ttl. */
	force_dc(f, "us", HEALTH_FORCE_DOWN);
	steered(f, "127.0.0.1", "1.0.32.0/24", w, DNS_TYPE_A, 20, "203.0.113.10");
	/* ... and for AAAA to the first that has the type. */
	steered(f, "127.0.0.1", "1.0.32.0/24", w, DNS_TYPE_AAAA, 20, "2001:db8:10::10");
	/* Everything down, default list: fail open to eu. */
	force_dc(f, "eu", HEALTH_FORCE_DOWN);
	steered(f, "127.0.0.1", "9.9.9.0/24", w, DNS_TYPE_A, 20, "198.51.100.10");
	force_dc(f, "eu", HEALTH_FORCE_AUTO);
	force_dc(f, "us", HEALTH_FORCE_AUTO);
	force_dc(f, "ap", HEALTH_FORCE_AUTO);

	/* One address of us down: us still counts as up; the other address alone, normal
	 * ttl. */
	struct netaddr a;
	assert_int_equal(netaddr_parse("192.0.2.10", &a), GS_OK);
	assert_int_equal(health_force_addr(f->health, &a, HEALTH_FORCE_DOWN), GS_OK);
	steered(f, "127.0.0.1", "1.0.4.0/24", w, DNS_TYPE_A, 60, "192.0.2.11");
	assert_int_equal(health_force_addr(f->health, &a, HEALTH_FORCE_AUTO), GS_OK);
	steered(f, "127.0.0.1", "1.0.4.0/24", w, DNS_TYPE_A, 60, "192.0.2.10 192.0.2.11");
}

static void test_nodata_no_type(void **state)
{
	struct fixture *f = *state;
	/* Service v4 has no AAAA anywhere: NODATA with the SOA, and the scope of the
	 * client's list (another list might have had one). */
	set_src(f, "127.0.0.1");
	struct ecs e = {.subnet = "1.0.4.0/24"};
	ask_full(f, "v4.geo.example.", DNS_TYPE_AAAA, true, &e);
	struct resp r;
	parse(f, &r);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_true(r.aa);
	assert_int_equal(r.an, 0);
	assert_int_equal(r.ns, 1);
	assert_int_equal(r.auth[0].type, DNS_TYPE_SOA);
	assert_string_equal(r.auth[0].owner, "geo.example.");
	assert_int_equal(r.auth[0].ttl, 300);
	assert_true(r.has_ecs);
	assert_int_equal(r.ecs[3], 22);
	/* Its A answers work (ttl 30). */
	steered(f, "127.0.0.1", "1.0.4.0/24", "v4.geo.example.", DNS_TYPE_A, 30, "192.0.2.20");
}

static void test_round_robin(void **state)
{
	struct fixture *f = *state;
	char first[4][64];
	for (int i = 0; i < 4; i++) {
		steered(f, "1.0.4.1", NULL, "www.geo.example.", DNS_TYPE_A, 60,
		        "192.0.2.10 192.0.2.11");
		struct resp r;
		parse(f, &r);
		addr_text(&r.ans[0], first[i]);
	}
	/* Each answer holds both; the first one alternates. */
	assert_string_not_equal(first[0], first[1]);
	assert_string_equal(first[0], first[2]);
	assert_string_equal(first[1], first[3]);
}

/* ---- names and other types ------------------------------------------------------ */

static void test_cname_to_steered(void **state)
{
	struct fixture *f = *state;
	set_src(f, "127.0.0.1");
	struct ecs e = {.subnet = "1.0.4.0/24"};
	const char *names[] = {"alias.geo.example.", "chain.geo.example.", "cdn.other.test."};
	const unsigned n_cname[] = {1, 2, 1};
	for (size_t i = 0; i < GS_ARRAY_LEN(names); i++) {
		ask_full(f, names[i], DNS_TYPE_A, true, &e);
		struct resp r;
		parse(f, &r);
		assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
		assert_int_equal(r.an, n_cname[i] + 2);
		assert_string_equal(r.ans[0].owner, names[i]);
		assert_int_equal(r.ans[0].type, DNS_TYPE_CNAME);
		assert_int_equal(r.ans[n_cname[i] - 1].type, DNS_TYPE_CNAME);
		expect_addrs(&r, "www.geo.example.", DNS_TYPE_A, 60, "192.0.2.10 192.0.2.11");
		/* The scope of the steering decision, not 0. */
		assert_true(r.has_ecs);
		assert_int_equal(r.ecs[3], 22);
	}
	/* Another client, another answer through the same alias. */
	e.subnet = "1.0.32.0/24";
	ask_full(f, "alias.geo.example.", DNS_TYPE_AAAA, true, &e);
	struct resp r;
	parse(f, &r);
	assert_int_equal(r.an, 2);
	expect_addrs(&r, "www.geo.example.", DNS_TYPE_AAAA, 60, "2001:db8:10::10");
	assert_int_equal(r.ecs[3], 19);
	/* TXT through the alias: the zone's TXT at the steered name, scope 0. */
	ask_full(f, "alias.geo.example.", DNS_TYPE_TXT, true, &e);
	parse(f, &r);
	assert_int_equal(r.an, 2);
	assert_int_equal(r.ans[1].type, DNS_TYPE_TXT);
	assert_int_equal(r.ecs[3], 0);
}

static void expect_negative(struct fixture *f, const char *name, unsigned type, unsigned rcode)
{
	set_src(f, "127.0.0.1");
	ask_full(f, name, type, false, NULL);
	struct resp r;
	parse(f, &r);
	assert_int_equal(r.rcode, rcode);
	assert_true(r.aa);
	assert_int_equal(r.an, 0);
	assert_int_equal(r.ns, 1);
	assert_int_equal(r.auth[0].type, DNS_TYPE_SOA);
}

static void test_other_types(void **state)
{
	struct fixture *f = *state;
	/* TXT at a steered name comes from the zone file. */
	set_src(f, "1.0.4.1");
	ask_full(f, "www.geo.example.", DNS_TYPE_TXT, false, NULL);
	struct resp r;
	parse(f, &r);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.ans[0].type, DNS_TYPE_TXT);
	assert_int_equal(r.ans[0].ttl, 3600);
	assert_memory_equal(r.ans[0].rdata, "\x13steered by geosteer", 20);
	/* A type the zone does not have there: NODATA. */
	expect_negative(f, "www.geo.example.", DNS_TYPE_MX, DNS_RCODE_NOERROR);
	/* A steered name with no node in the zone exists all the same: NODATA, and the
	 * zone's wildcard does not apply to it (RFC 4592 2.2.2). */
	expect_negative(f, "api.geo.example.", DNS_TYPE_TXT, DNS_RCODE_NOERROR);
	/* The empty non-terminal above x.deep (RFC 8020). */
	expect_negative(f, "deep.geo.example.", DNS_TYPE_A, DNS_RCODE_NOERROR);
	expect_negative(f, "deep.geo.example.", DNS_TYPE_TXT, DNS_RCODE_NOERROR);
	/* Below a steered name: its closest encloser has no wildcard, so NXDOMAIN even
	 * though *.geo.example exists. */
	expect_negative(f, "foo.api.geo.example.", DNS_TYPE_TXT, DNS_RCODE_NXDOMAIN);
	expect_negative(f, "foo.x.deep.geo.example.", DNS_TYPE_A, DNS_RCODE_NXDOMAIN);
	/* Names the steering does not touch still get the wildcard. */
	set_src(f, "127.0.0.1");
	ask_full(f, "foo.geo.example.", DNS_TYPE_TXT, false, NULL);
	parse(f, &r);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.ans[0].type, DNS_TYPE_TXT);
	/* ANY (RFC 8482): the steered A set for this client. */
	steered(f, "1.0.32.5", NULL, "www.geo.example.", DNS_TYPE_ANY, 60, "203.0.113.10");
	/* x.deep answers A like www. */
	steered(f, "1.0.4.1", NULL, "x.deep.geo.example.", DNS_TYPE_A, 60, "192.0.2.10 192.0.2.11");
}

/* ---- configuration -------------------------------------------------------------- */

static void test_client_subnet_off(void **state)
{
	(void)state;
	struct fixture *f = fixture_new("  client_subnet: false\n");
	/* The option is ignored: located by the source address (JP: ap) and never echoed
	 * (RFC 7871 7.2.1), though the OPT record is there. */
	assert_int_equal(steered(f, "1.0.32.5", "1.0.4.0/24", "www.geo.example.", DNS_TYPE_A, 60,
	                         "203.0.113.10"),
	                 -1);
	struct resp r;
	parse(f, &r);
	assert_true(r.opt);
	set_src(f, "127.0.0.1");
	struct ecs e = {.subnet = "1.0.4.0/24"};
	ask_full(f, "static.geo.example.", DNS_TYPE_A, true, &e);
	parse(f, &r);
	assert_true(r.opt);
	assert_false(r.has_ecs);
	/* Ignored means not validated either: a malformed option is answered normally. */
	static const uint8_t host_bits[] = {0, 8, 0, 7, 0, 1, 20, 0, 1, 0, 4};
	const struct ecs bad = {.raw = host_bits, .raw_len = sizeof(host_bits)};
	set_src(f, "1.0.32.5");
	ask_full(f, "www.geo.example.", DNS_TYPE_A, true, &bad);
	parse(f, &r);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 1);
	assert_false(r.has_ecs);
	void *p = f;
	teardown(&p);
}

static void test_clash(void **state)
{
	(void)state;
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	static const char text[] =
	        "zones:\n" /* 1 */
	        "  - {name: clash.example., file: " STEER_TEST_DATA "/clash.example.zone}\n"
	        "maps:\n"                        /* 3 */
	        "  m: {default: [a]}\n"          /* 4 */
	        "services:\n"                    /* 5 */
	        "  s:\n"                         /* 6 */
	        "    names:\n"                   /* 7 */
	        "      - www.clash.example.\n"   /* 8 */
	        "      - v6.clash.example.\n"    /* 9 */
	        "      - alias.clash.example.\n" /* 10 */
	        "      - x.sub.clash.example.\n" /* 11 */
	        "      - fine.clash.example.\n"  /* 12 */
	        "    map: m\n"
	        "    ttl: 60\n"
	        "    datacenters: {a: [192.0.2.1]}\n";
	struct diag d;
	diag_init(&d);
	assert_int_equal(load(f, text, &d), GS_EPARSE);
	assert_null(f->snap);
	char *got = NULL;
	size_t got_len = 0;
	FILE *mem = open_memstream(&got, &got_len);
	diag_print(&d, mem);
	fclose(mem);
	const char *zone = STEER_TEST_DATA "/clash.example.zone";
	char want[2048];
	snprintf(want, sizeof(want),
	         "%1$s:8: services.s.names: www.clash.example. also has A records in its zone "
	         "file (%2$s:8); a steered name takes its addresses from its service only\n"
	         "%1$s:9: services.s.names: v6.clash.example. also has AAAA records in its "
	         "zone file (%2$s:9); a steered name takes its addresses from its service "
	         "only\n"
	         "%1$s:10: services.s.names: alias.clash.example. is a CNAME in its zone file "
	         "(%2$s:10); a steered name cannot be an alias (RFC 1034 3.6.2)\n"
	         "%1$s:11: services.s.names: x.sub.clash.example. is at or below the "
	         "delegation to sub.clash.example. (%2$s:11), so it would never be answered "
	         "here\n",
	         f->path, zone);
	assert_string_equal(got, want);
	free(got);
	diag_free(&d);
	cfg_free(f->cfg);
	remove_config(f);
	free(f);
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
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_located_by_source), cmocka_unit_test(test_located_by_ecs),
	        cmocka_unit_test(test_precedence),        cmocka_unit_test(test_ecs_scope),
	        cmocka_unit_test(test_ecs_malformed),     cmocka_unit_test(test_failover),
	        cmocka_unit_test(test_nodata_no_type),    cmocka_unit_test(test_round_robin),
	        cmocka_unit_test(test_cname_to_steered),  cmocka_unit_test(test_other_types),
	        cmocka_unit_test(test_client_subnet_off), cmocka_unit_test(test_clash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
