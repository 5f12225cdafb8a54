/* SPDX-License-Identifier: MIT
 * test_answer.c -- unit tests for the query path (server/query/answer.c and the parser,
 * renderer, EDNS and CHAOS code under it): a snapshot built by hand from the fixture
 * zones in tests/data/answer/, hand-crafted query messages, answer_packet() in process,
 * and every response parsed back with ldns, an independent parser. */
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
#include <ldns/ldns.h>

#include "server/query/answer.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/query/snapshot.h"
#include "zones/zone_load.h"
#include "zones/zoneset.h"
#include "tests/unit/testlib.h"

#define QID 0x1234u

enum {
	T_A = 1,
	T_NS = 2,
	T_CNAME = 5,
	T_SOA = 6,
	T_MX = 15,
	T_TXT = 16,
	T_AAAA = 28,
	T_SRV = 33,
	T_OPT = 41,
	T_DS = 43,
	T_IXFR = 251,
	T_AXFR = 252,
	T_ANY = 255
};
enum { C_IN = 1, C_CH = 3, C_HS = 4 };
#define F_QR 0x8000u
#define F_RD 0x0100u
#define F_AD 0x0020u
#define F_CD 0x0010u

static const uint8_t identity[] = "ns1.test";

struct fixture {
	struct snapshot snap;
	struct answer_ctx *ctx;
	struct sockaddr_in src;
	size_t out_len;
	uint8_t out[ANSWER_TCP_MAX];
};

/* ---- fixture ---------------------------------------------------------------------- */

static const struct zone *load_zone(struct arena *a, const char *file, const char *origin_text)
{
	char path[1024];
	snprintf(path, sizeof(path), TL_SRC("tests/data/answer/%s"), file);
	uint8_t origin[DNAME_MAX];
	size_t olen;
	assert_int_equal(dname_from_text(origin_text, NULL, origin, &olen), GS_OK);
	struct diag d;
	diag_init(&d);
	const struct zone *z = NULL;
	int rc = zone_load(path, origin, a, &d, &z);
	if (rc != GS_OK || diag_has_errors(&d))
		diag_print(&d, stderr);
	assert_int_equal(rc, GS_OK);
	assert_false(diag_has_errors(&d));
	diag_free(&d);
	return z;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	struct arena *a = arena_new();
	const struct zone **zones = arena_alloc(a, 4 * sizeof(*zones));
	zones[0] = load_zone(a, "example.com.zone", "example.com.");
	zones[1] = load_zone(a, "other.test.zone", "other.test.");
	zones[2] = load_zone(a, "deep.example.com.zone", "deep.example.com.");
	zones[3] = load_zone(a, "island.example.com.zone", "island.example.com.");
	f->snap.arena = a;
	zoneset_build(&f->snap.zones, a, zones, 4);
	f->snap.identity = identity;
	f->snap.identity_len = (uint8_t)strlen((const char *)identity);
	f->snap.generation = 1;
	f->ctx = answer_ctx_new();
	f->src.sin_family = AF_INET;
	f->src.sin_addr.s_addr = htonl(0x7f000001);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	answer_ctx_free(f->ctx);
	arena_destroy(f->snap.arena);
	free(f);
	return 0;
}

/* ---- asking and checking ---------------------------------------------------------- */

static size_t run(struct fixture *f, const struct tl_msg *q, bool tcp)
{
	f->out_len = answer_packet(&f->snap, f->ctx, q->b, q->n, (const struct sockaddr *)&f->src,
	                           tcp, f->out, tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX);
	return f->out_len;
}

static ldns_pkt *parse_out(struct fixture *f)
{
	ldns_pkt *p = tl_parse(f->out, f->out_len);
	assert_int_equal(ldns_pkt_id(p), QID);
	assert_true(ldns_pkt_qr(p));
	assert_false(ldns_pkt_ra(p)); /* never recursion available */
	assert_false(ldns_pkt_ad(p));
	return p;
}

static ldns_pkt *ask_q(struct fixture *f, const struct tl_msg *q, bool tcp)
{
	assert_true(run(f, q, tcp) > 0);
	return parse_out(f);
}

static ldns_pkt *ask_full(struct fixture *f, const char *name, unsigned type, unsigned cls,
                          const struct tl_edns *e, bool tcp)
{
	struct tl_msg q;
	tl_query(&q, QID, name, type, cls, 0, e);
	return ask_q(f, &q, tcp);
}

static ldns_pkt *ask(struct fixture *f, const char *name, unsigned type)
{
	return ask_full(f, name, type, C_IN, NULL, false);
}

static unsigned raw_count(const struct fixture *f, unsigned idx)
{
	return (unsigned)(f->out[4 + 2 * idx] << 8 | f->out[5 + 2 * idx]);
}

/* True when the response carries an OPT record (ldns moves it out of the additional
 * list, so compare with the raw ARCOUNT). */
static bool has_opt(const struct fixture *f, ldns_pkt *p)
{
	return raw_count(f, 3) == ldns_rr_list_rr_count(ldns_pkt_additional(p)) + 1;
}

static const char soa_example[] = "example.com. 300 IN SOA ns1.example.com. "
                                  "hostmaster.example.com. 2024010101 7200 3600 1209600 300";

static void expect_rcode(ldns_pkt *p, ldns_pkt_rcode rc, bool aa)
{
	assert_int_equal(ldns_pkt_get_rcode(p), rc);
	assert_int_equal(ldns_pkt_aa(p), aa);
}

/* ---- positive answers ------------------------------------------------------------- */

static void test_exact(void **state)
{
	struct fixture *f = *state;
	ldns_pkt *p = ask(f, "www.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "www.example.com. 3600 IN A 192.0.2.10");
	TL_EMPTY(p, LDNS_SECTION_AUTHORITY); /* minimal responses: no apex NS */
	TL_EMPTY(p, LDNS_SECTION_ADDITIONAL);
	assert_int_equal(raw_count(f, 3), 0); /* no OPT without EDNS in the query */
	ldns_pkt_free(p);

	p = ask(f, "txt.example.com.", T_TXT);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "txt.example.com. 3600 IN TXT \"hello world\"");
	ldns_pkt_free(p);

	p = ask(f, "example.com.", T_NS);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "example.com. 3600 IN NS ns1.example.com.",
	           "example.com. 3600 IN NS ns2.example.com.");
	ldns_pkt_free(p);

	p = ask(f, "example.com.", T_MX);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "example.com. 3600 IN MX 10 mail.example.com.");
	ldns_pkt_free(p);
}

static void test_header_bits(void **state)
{
	struct fixture *f = *state;
	struct tl_msg q;
	/* RD and CD copied, AD cleared (RFC 6840 5.7/5.9), RA never set. */
	tl_query(&q, QID, "www.example.com.", T_A, C_IN, F_RD | F_AD | F_CD, NULL);
	ldns_pkt *p = ask_q(f, &q, false);
	assert_true(ldns_pkt_rd(p));
	assert_true(ldns_pkt_cd(p));
	ldns_pkt_free(p);
	tl_query(&q, QID, "www.example.com.", T_A, C_IN, 0, NULL);
	p = ask_q(f, &q, false);
	assert_false(ldns_pkt_rd(p));
	assert_false(ldns_pkt_cd(p));
	ldns_pkt_free(p);
}

static void test_case_preserved(void **state)
{
	struct fixture *f = *state;
	struct tl_msg q;
	tl_query(&q, QID, "WwW.ExAmPlE.CoM.", T_A, C_IN, 0, NULL);
	ldns_pkt *p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	/* The question is the client's bytes; the answer owner points at it. */
	size_t qname_len = 17;
	assert_memory_equal(f->out + 12, q.b + 12, qname_len + 4);
	assert_int_equal(f->out[12 + qname_len + 4], 0xc0);
	assert_int_equal(f->out[12 + qname_len + 5], 12);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "WwW.ExAmPlE.CoM. 3600 IN A 192.0.2.10");
	ldns_pkt_free(p);
}

static void test_nxdomain_nodata(void **state)
{
	struct fixture *f = *state;
	ldns_pkt *p = ask(f, "nothere.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NXDOMAIN, true);
	TL_EMPTY(p, LDNS_SECTION_ANSWER);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, soa_example); /* TTL = min(3600, 300) */
	ldns_pkt_free(p);

	/* NODATA: the name exists, the type does not. */
	p = ask(f, "www.example.com.", T_TXT);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_EMPTY(p, LDNS_SECTION_ANSWER);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, soa_example);
	ldns_pkt_free(p);

	/* Empty non-terminals exist (RFC 8020): NODATA, not NXDOMAIN. */
	p = ask(f, "b.c.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_EMPTY(p, LDNS_SECTION_ANSWER);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, soa_example);
	ldns_pkt_free(p);
	p = ask(f, "a.b.c.example.com.", T_A);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "a.b.c.example.com. 3600 IN A 192.0.2.30");
	ldns_pkt_free(p);

	/* Below an existing name that has no wildcard: NXDOMAIN. */
	p = ask(f, "x.www.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NXDOMAIN, true);
	ldns_pkt_free(p);
}

static void test_cname(void **state)
{
	struct fixture *f = *state;
	ldns_pkt *p = ask(f, "alias.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "alias.example.com. 3600 IN CNAME www.example.com.",
	           "www.example.com. 3600 IN A 192.0.2.10");
	TL_EMPTY(p, LDNS_SECTION_AUTHORITY);
	ldns_pkt_free(p);

	/* CNAME asked for: no following. */
	p = ask(f, "alias.example.com.", T_CNAME);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "alias.example.com. 3600 IN CNAME www.example.com.");
	ldns_pkt_free(p);

	/* Two hops; the relative target "www" is www.example.com. */
	p = ask(f, "chain1.example.com.", T_AAAA);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "chain1.example.com. 3600 IN CNAME chain2.example.com.",
	           "chain2.example.com. 3600 IN CNAME www.example.com.",
	           "www.example.com. 3600 IN AAAA 2001:db8::10");
	ldns_pkt_free(p);

	/* Chain ending in NODATA: the SOA of the zone the chain ended in. */
	p = ask(f, "alias.example.com.", T_TXT);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "alias.example.com. 3600 IN CNAME www.example.com.");
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, soa_example);
	ldns_pkt_free(p);

	/* Chain ending in a missing name: NXDOMAIN (RFC 6604). */
	p = ask(f, "dangling.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NXDOMAIN, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER,
	           "dangling.example.com. 3600 IN CNAME nothere.example.com.");
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, soa_example);
	ldns_pkt_free(p);

	/* Into another zone we serve. */
	p = ask(f, "crosszone.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "crosszone.example.com. 3600 IN CNAME host.other.test.",
	           "host.other.test. 600 IN A 198.51.100.7");
	ldns_pkt_free(p);
	p = ask(f, "crossnx.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NXDOMAIN, true);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY,
	           "other.test. 60 IN SOA ns.other.test. admin.other.test. 7 3600 600 86400 60");
	ldns_pkt_free(p);

	/* Out of our zones: the CNAME alone, NOERROR. */
	p = ask(f, "outside.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER,
	           "outside.example.com. 3600 IN CNAME www.elsewhere.invalid.");
	TL_EMPTY(p, LDNS_SECTION_AUTHORITY);
	ldns_pkt_free(p);

	/* A loop stops when it comes back. */
	p = ask(f, "loop1.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "loop1.example.com. 3600 IN CNAME loop2.example.com.",
	           "loop2.example.com. 3600 IN CNAME loop1.example.com.");
	ldns_pkt_free(p);

	/* A long chain stops at 8 CNAMEs. */
	p = ask(f, "hop1.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	assert_int_equal(ldns_pkt_ancount(p), 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), i)),
		                 LDNS_RR_TYPE_CNAME);
	ldns_pkt_free(p);
}

static void test_wildcard(void **state)
{
	struct fixture *f = *state;
	ldns_pkt *p = ask(f, "Foo.wild.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "Foo.wild.example.com. 3600 IN A 192.0.2.50");
	ldns_pkt_free(p);
	p = ask(f, "a.b.wild.example.com.", T_TXT);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "a.b.wild.example.com. 3600 IN TXT \"wild\"");
	ldns_pkt_free(p);
	/* NODATA at a wildcard. */
	p = ask(f, "foo.wild.example.com.", T_AAAA);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_EMPTY(p, LDNS_SECTION_ANSWER);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, soa_example);
	ldns_pkt_free(p);
	/* The parent of the wildcard is an empty non-terminal. */
	p = ask(f, "wild.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_EMPTY(p, LDNS_SECTION_ANSWER);
	ldns_pkt_free(p);
	/* CNAME at a wildcard: synthesised with owner qname, then followed. */
	p = ask(f, "x.wcname.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "x.wcname.example.com. 3600 IN CNAME www.example.com.",
	           "www.example.com. 3600 IN A 192.0.2.10");
	ldns_pkt_free(p);
}

static void test_referral(void **state)
{
	struct fixture *f = *state;
	const char *ns1 = "sub.example.com. 3600 IN NS ns1.sub.example.com.";
	const char *ns2 = "sub.example.com. 3600 IN NS ns.other.test.";
	/* Below the cut, at the cut, and an occluded glue name: all referrals. */
	const char *names[] = {"www.sub.example.com.", "sub.example.com.", "ns1.sub.example.com."};
	for (size_t i = 0; i < GS_ARRAY_LEN(names); i++) {
		ldns_pkt *p = ask(f, names[i], T_A);
		expect_rcode(p, LDNS_RCODE_NOERROR, false);
		TL_EMPTY(p, LDNS_SECTION_ANSWER);
		TL_SECTION(p, LDNS_SECTION_AUTHORITY, ns1, ns2);
		/* Glue for the in-zone server only. */
		TL_SECTION(p, LDNS_SECTION_ADDITIONAL, "ns1.sub.example.com. 3600 IN A 192.0.2.53",
		           "ns1.sub.example.com. 3600 IN AAAA 2001:db8::53");
		ldns_pkt_free(p);
	}
}

static void test_ds_at_cut(void **state)
{
	struct fixture *f = *state;
	/* DS is answered from the parent side, authoritatively (RFC 4035 3.1.4.1). */
	ldns_pkt *p = ask(f, "sub.example.com.", T_DS);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER,
	           "sub.example.com. 3600 IN DS 12345 8 1 "
	           "49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de");
	TL_EMPTY(p, LDNS_SECTION_AUTHORITY);
	ldns_pkt_free(p);
	/* A cut without DS: NODATA from the parent. */
	p = ask(f, "nods.example.com.", T_DS);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_EMPTY(p, LDNS_SECTION_ANSWER);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, soa_example);
	ldns_pkt_free(p);
	/* DS below a cut is the child's business: a referral. */
	p = ask(f, "x.sub.example.com.", T_DS);
	expect_rcode(p, LDNS_RCODE_NOERROR, false);
	assert_int_equal(ldns_pkt_nscount(p), 2);
	ldns_pkt_free(p);
}

static void test_several_zones(void **state)
{
	struct fixture *f = *state;
	/* deep.example.com is loaded too: it wins below itself, even though
	 * example.com delegates it. */
	ldns_pkt *p = ask(f, "www.deep.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "www.deep.example.com. 1800 IN A 198.51.100.80");
	ldns_pkt_free(p);
	p = ask(f, "deep.example.com.", T_SOA);
	TL_SECTION(p, LDNS_SECTION_ANSWER,
	           "deep.example.com. 1800 IN SOA ns1.example.com. "
	           "hostmaster.example.com. 3 3600 600 86400 120");
	ldns_pkt_free(p);
	p = ask(f, "nothere.deep.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NXDOMAIN, true);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY,
	           "deep.example.com. 120 IN SOA ns1.example.com. "
	           "hostmaster.example.com. 3 3600 600 86400 120");
	ldns_pkt_free(p);
	/* ...except DS at its apex, which the parent zone answers. */
	p = ask(f, "deep.example.com.", T_DS);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER,
	           "deep.example.com. 3600 IN DS 54321 8 1 "
	           "0123456789abcdef0123456789abcdef01234567");
	ldns_pkt_free(p);
	p = ask(f, "host.other.test.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "host.other.test. 600 IN A 198.51.100.7");
	ldns_pkt_free(p);

	/* A zone the parent does not delegate: it answers everything itself, DS at its
	 * apex included (NODATA, its own SOA), instead of the parent's NXDOMAIN. */
	const char *island_soa = "island.example.com. 90 IN SOA ns1.example.com. "
	                         "hostmaster.example.com. 5 3600 600 86400 90";
	p = ask(f, "island.example.com.", T_DS);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_EMPTY(p, LDNS_SECTION_ANSWER);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, island_soa);
	ldns_pkt_free(p);
	p = ask(f, "WWW.island.example.com.", T_A);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "WWW.island.example.com. 900 IN A 198.51.100.90");
	ldns_pkt_free(p);
}

static void test_any(void **state)
{
	struct fixture *f = *state;
	/* RFC 8482: one RRset, the lowest type at the node (A before AAAA). */
	ldns_pkt *p = ask(f, "www.example.com.", T_ANY);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "www.example.com. 3600 IN A 192.0.2.10");
	ldns_pkt_free(p);
	p = ask_full(f, "example.com.", T_ANY, C_IN, NULL, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "example.com. 3600 IN NS ns1.example.com.",
	           "example.com. 3600 IN NS ns2.example.com.");
	ldns_pkt_free(p);
	/* A CNAME node answers ANY with the CNAME, unfollowed. */
	p = ask(f, "alias.example.com.", T_ANY);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "alias.example.com. 3600 IN CNAME www.example.com.");
	ldns_pkt_free(p);
	p = ask(f, "b.c.example.com.", T_ANY);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_EMPTY(p, LDNS_SECTION_ANSWER);
	TL_SECTION(p, LDNS_SECTION_AUTHORITY, soa_example);
	ldns_pkt_free(p);
	p = ask(f, "nothere.example.com.", T_ANY);
	expect_rcode(p, LDNS_RCODE_NXDOMAIN, true);
	ldns_pkt_free(p);
}

/* ---- compression and truncation --------------------------------------------------- */

static void test_compression(void **state)
{
	struct fixture *f = *state;
	ldns_pkt *p = ask(f, "www.sub.example.com.", T_A);
	size_t plain = 12 + 21 + 4; /* header + question */
	ldns_pkt_section secs[] = {LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
	                           LDNS_SECTION_ADDITIONAL};
	for (size_t s = 0; s < GS_ARRAY_LEN(secs); s++) {
		ldns_rr_list *l = ldns_pkt_get_section_clone(p, secs[s]);
		for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++)
			plain += ldns_rr_uncompressed_size(ldns_rr_list_rr(l, i));
		ldns_rr_list_deep_free(l);
	}
	/* Owners and the NS rdata names are pointers: much smaller than spelt out. */
	assert_true(f->out_len + 60 < plain);
	ldns_pkt_free(p);

	/* SRV targets are never compressed (RFC 2782; RFC 3597 section 4). */
	p = ask(f, "_sip._tcp.example.com.", T_SRV);
	TL_SECTION(p, LDNS_SECTION_ANSWER,
	           "_sip._tcp.example.com. 3600 IN SRV 10 5 5060 "
	           "www.example.com.");
	static const uint8_t target[] = "\3www\7example\3com";
	assert_memory_equal(f->out + f->out_len - sizeof(target), target, sizeof(target));
	ldns_pkt_free(p);

	/* MX exchange names are compressed: "mail" + pointer. */
	p = ask(f, "example.com.", T_MX);
	static const uint8_t mx_tail[] = {0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12};
	assert_memory_equal(f->out + f->out_len - sizeof(mx_tail), mx_tail, sizeof(mx_tail));
	ldns_pkt_free(p);
}

static void test_truncation(void **state)
{
	struct fixture *f = *state;
	/* 64 A records need about 1 KiB: over UDP without EDNS (512) it is TC with the
	 * question only; never a partial RRset. */
	ldns_pkt *p = ask(f, "big.example.com.", T_A);
	assert_true(ldns_pkt_tc(p));
	assert_true(f->out_len <= 512);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 0);
	assert_int_equal(raw_count(f, 3), 0);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	ldns_pkt_free(p);

	/* Over TCP: all of it. */
	p = ask_full(f, "big.example.com.", T_A, C_IN, NULL, true);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 64);
	ldns_pkt_free(p);

	/* With EDNS and a 1232-byte buffer it fits over UDP. */
	struct tl_edns e = {.present = true, .payload = 4096};
	p = ask_full(f, "big.example.com.", T_A, C_IN, &e, false);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 64);
	assert_true(f->out_len <= ANSWER_UDP_MAX);
	assert_true(has_opt(f, p));
	ldns_pkt_free(p);

	/* A requestor payload below 512 counts as 512 (RFC 6891 6.2.5): TC for the big
	 * RRset, an ordinary answer for a small one. */
	e.payload = 100;
	p = ask_full(f, "big.example.com.", T_A, C_IN, &e, false);
	assert_true(ldns_pkt_tc(p));
	assert_true(f->out_len <= 512);
	assert_true(has_opt(f, p)); /* TC responses keep the OPT record */
	ldns_pkt_free(p);
	p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);

	/* A payload between 512 and 1232 is honoured as is. */
	e.payload = 700;
	p = ask_full(f, "big.example.com.", T_A, C_IN, &e, false);
	assert_true(ldns_pkt_tc(p));
	ldns_pkt_free(p);
}

/* ---- refusals, errors, drops ------------------------------------------------------ */

static void test_refused(void **state)
{
	struct fixture *f = *state;
	struct {
		const char *name;
		unsigned type, cls;
		bool tcp;
	} cases[] = {
	        {"www.example.org.", T_A, C_IN, false}, /* no zone */
	        {"com.", T_NS, C_IN, false},            /* above every zone */
	        {"www.example.com.", T_A, C_HS, false}, /* class Hesiod */
	        {"www.example.com.", T_A, 255, false},  /* class ANY */
	        {"example.com.", T_AXFR, C_IN, false},  /* no zone transfers */
	        {"example.com.", T_AXFR, C_IN, true},
	        {"example.com.", T_IXFR, C_IN, false},
	        {"example.com.", T_IXFR, C_IN, true},
	        {"version.bind.", T_TXT, C_CH, false}, /* CH other than the identity */
	        {"www.example.com.", T_A, C_CH, false},
	};
	for (size_t i = 0; i < GS_ARRAY_LEN(cases); i++) {
		ldns_pkt *p =
		        ask_full(f, cases[i].name, cases[i].type, cases[i].cls, NULL, cases[i].tcp);
		expect_rcode(p, LDNS_RCODE_REFUSED, false);
		assert_int_equal(ldns_pkt_qdcount(p), 1);
		assert_int_equal(ldns_pkt_ancount(p) + ldns_pkt_nscount(p) + ldns_pkt_arcount(p),
		                 0);
		ldns_pkt_free(p);
	}
	/* Before the first load there is no snapshot. */
	struct tl_msg q;
	tl_query(&q, QID, "www.example.com.", T_A, C_IN, 0, NULL);
	f->out_len = answer_packet(NULL, f->ctx, q.b, q.n, (const struct sockaddr *)&f->src, false,
	                           f->out, ANSWER_UDP_MAX);
	ldns_pkt *p = parse_out(f);
	expect_rcode(p, LDNS_RCODE_REFUSED, false);
	ldns_pkt_free(p);
}

static void test_chaos(void **state)
{
	struct fixture *f = *state;
	ldns_pkt *p = ask_full(f, "ID.Server.", T_TXT, C_CH, NULL, false);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "ID.Server. 0 CH TXT \"ns1.test\"");
	ldns_pkt_free(p);
	p = ask_full(f, "hostname.bind.", T_TXT, C_CH, NULL, false);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "hostname.bind. 0 CH TXT \"ns1.test\"");
	ldns_pkt_free(p);
	/* Another type at the name: empty NOERROR. */
	p = ask_full(f, "id.server.", T_A, C_CH, NULL, false);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);

	/* Without an identity: REFUSED. */
	f->snap.identity = NULL;
	p = ask_full(f, "id.server.", T_TXT, C_CH, NULL, false);
	expect_rcode(p, LDNS_RCODE_REFUSED, false);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	f->snap.identity = identity;
}

static void test_formerr(void **state)
{
	struct fixture *f = *state;
	struct tl_msg q;
	ldns_pkt *p;

	/* QDCOUNT 0 and 2 (RFC 9619): FORMERR, header echoed, no question. */
	for (unsigned qd = 0; qd <= 2; qd += 2) {
		tl_header(&q, QID, F_RD | 0x10u, qd, 0, 0, 0);
		for (unsigned i = 0; i < qd; i++)
			tl_question(&q, "www.example.com.", T_A, C_IN);
		p = ask_q(f, &q, false);
		expect_rcode(p, LDNS_RCODE_FORMERR, false);
		assert_int_equal(ldns_pkt_qdcount(p), 0);
		assert_true(ldns_pkt_rd(p));
		assert_int_equal(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
		assert_int_equal(f->out_len, 12);
		ldns_pkt_free(p);
	}

	/* Truncated question: in the name, and in the type/class. */
	tl_query(&q, QID, "www.example.com.", T_A, C_IN, 0, NULL);
	size_t full = q.n;
	size_t cuts[] = {13, 20, full - 3};
	for (size_t i = 0; i < GS_ARRAY_LEN(cuts); i++) {
		q.n = cuts[i];
		p = ask_q(f, &q, false);
		expect_rcode(p, LDNS_RCODE_FORMERR, false);
		assert_int_equal(ldns_pkt_qdcount(p), 0);
		ldns_pkt_free(p);
	}

	/* A compression pointer in the question name. */
	tl_header(&q, QID, 0, 1, 0, 0, 0);
	tl_put8(&q, 3);
	tl_putbytes(&q, "www", 3);
	tl_put16(&q, 0xc000u | 4); /* into the header */
	tl_put16(&q, T_A);
	tl_put16(&q, C_IN);
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_FORMERR, false);
	ldns_pkt_free(p);

	/* Trailing junk: FORMERR with the question echoed. */
	tl_query(&q, QID, "www.example.com.", T_A, C_IN, 0, NULL);
	tl_put8(&q, 0);
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_FORMERR, false);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);

	/* ARCOUNT promising a record that is not there. */
	tl_header(&q, QID, 0, 1, 0, 0, 1);
	tl_question(&q, "www.example.com.", T_A, C_IN);
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_FORMERR, false);
	ldns_pkt_free(p);

	/* A record in the additional section whose owner points at itself, and one that
	 * points forwards. */
	for (int fwd = 0; fwd <= 1; fwd++) {
		tl_header(&q, QID, 0, 1, 0, 0, 1);
		tl_question(&q, "www.example.com.", T_A, C_IN);
		size_t here = q.n;
		tl_put16(&q, 0xc000u | (unsigned)(here + (fwd ? 2 : 0)));
		tl_put16(&q, T_A);
		tl_put16(&q, C_IN);
		tl_put32(&q, 0);
		tl_put16(&q, 4);
		tl_put32(&q, 0x01020304);
		p = ask_q(f, &q, false);
		expect_rcode(p, LDNS_RCODE_FORMERR, false);
		ldns_pkt_free(p);
	}

	/* Records in answer/authority of a query are legal, ignored once validated; a
	 * backward pointer to the question name is fine. */
	tl_header(&q, QID, 0, 1, 1, 1, 0);
	tl_question(&q, "www.example.com.", T_A, C_IN);
	for (int i = 0; i < 2; i++) {
		tl_put16(&q, 0xc00c);
		tl_put16(&q, T_A);
		tl_put16(&q, C_IN);
		tl_put32(&q, 60);
		tl_put16(&q, 4);
		tl_put32(&q, 0x01020304);
	}
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	TL_SECTION(p, LDNS_SECTION_ANSWER, "www.example.com. 3600 IN A 192.0.2.10");
	ldns_pkt_free(p);
	/* ...but not truncated ones (RDLENGTH past the end). */
	q.n -= 1;
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_FORMERR, false);
	ldns_pkt_free(p);
}

static void test_formerr_opt(void **state)
{
	struct fixture *f = *state;
	struct tl_msg q;
	ldns_pkt *p;
	struct tl_edns e = {.present = true, .payload = 1232};

	/* Two OPT records (RFC 6891 6.1.1). The FORMERR carries an OPT (section 7). */
	tl_header(&q, QID, 0, 1, 0, 0, 2);
	tl_question(&q, "www.example.com.", T_A, C_IN);
	tl_opt(&q, &e);
	tl_opt(&q, &e);
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_FORMERR, false);
	assert_true(has_opt(f, p));
	ldns_pkt_free(p);

	/* OPT owned by a name other than the root. */
	tl_header(&q, QID, 0, 1, 0, 0, 1);
	tl_question(&q, "www.example.com.", T_A, C_IN);
	tl_put16(&q, 0xc00c);
	tl_put16(&q, T_OPT);
	tl_put16(&q, 1232);
	tl_put32(&q, 0);
	tl_put16(&q, 0);
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_FORMERR, false);
	ldns_pkt_free(p);

	/* OPT in the answer section. */
	tl_header(&q, QID, 0, 1, 1, 0, 0);
	tl_question(&q, "www.example.com.", T_A, C_IN);
	tl_opt(&q, &e);
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_FORMERR, false);
	ldns_pkt_free(p);

	/* Option lengths overrunning the rdata; a truncated option header. */
	static const uint8_t overrun[] = {0, 10, 0, 8, 1, 2, 3, 4};
	static const uint8_t short_hdr[] = {0, 10, 0};
	const struct {
		const uint8_t *o;
		size_t n;
	} bad_opts[] = {{overrun, sizeof(overrun)}, {short_hdr, sizeof(short_hdr)}};
	for (size_t i = 0; i < GS_ARRAY_LEN(bad_opts); i++) {
		e.opts = bad_opts[i].o;
		e.opts_len = bad_opts[i].n;
		tl_query(&q, QID, "www.example.com.", T_A, C_IN, 0, &e);
		p = ask_q(f, &q, false);
		expect_rcode(p, LDNS_RCODE_FORMERR, false);
		assert_true(has_opt(f, p));
		ldns_pkt_free(p);
	}

	/* Unknown options are ignored (RFC 6891 6.1.2). */
	static const uint8_t unknown[] = {0xfd, 0xe9, 0, 3, 'a', 'b', 'c', 0, 12, 0, 0};
	e.opts = unknown;
	e.opts_len = sizeof(unknown);
	p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
	expect_rcode(p, LDNS_RCODE_NOERROR, true);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
}

static void test_drop(void **state)
{
	struct fixture *f = *state;
	struct tl_msg q;
	tl_query(&q, QID, "www.example.com.", T_A, C_IN, 0, NULL);
	for (size_t n = 0; n < 12; n++) {
		q.n = n;
		assert_int_equal(run(f, &q, false), 0);
	}
	/* A response (QR=1) is never answered. */
	tl_query(&q, QID, "www.example.com.", T_A, C_IN, F_QR, NULL);
	assert_int_equal(run(f, &q, false), 0);
	assert_int_equal(run(f, &q, true), 0);
	tl_header(&q, QID, F_QR, 0, 0, 0, 0);
	assert_int_equal(run(f, &q, false), 0);
}

static void test_notimp(void **state)
{
	struct fixture *f = *state;
	struct tl_msg q;
	/* NOTIFY (opcode 4) with a question: NOTIMP, question echoed, opcode kept. */
	tl_query(&q, QID, "example.com.", T_SOA, C_IN, 4u << 11, NULL);
	ldns_pkt *p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_NOTIMPL, false);
	assert_int_equal(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	ldns_pkt_free(p);
	/* STATUS (2) without a question; UPDATE (5) with EDNS keeps the OPT. */
	tl_header(&q, QID, 2u << 11, 0, 0, 0, 0);
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_NOTIMPL, false);
	assert_int_equal(ldns_pkt_qdcount(p), 0);
	ldns_pkt_free(p);
	struct tl_edns e = {.present = true, .payload = 1232};
	tl_query(&q, QID, "example.com.", T_SOA, C_IN, 5u << 11, &e);
	p = ask_q(f, &q, false);
	expect_rcode(p, LDNS_RCODE_NOTIMPL, false);
	assert_true(has_opt(f, p));
	ldns_pkt_free(p);
}

/* ---- EDNS ------------------------------------------------------------------------- */

static void test_edns_basic(void **state)
{
	struct fixture *f = *state;
	struct tl_edns e = {.present = true, .payload = 4096};
	ldns_pkt *p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
	assert_true(has_opt(f, p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), ANSWER_UDP_MAX); /* what we advertise */
	assert_int_equal(ldns_pkt_edns_version(p), 0);
	assert_false(ldns_pkt_edns_do(p));
	size_t len;
	assert_null(tl_edns_option(p, 3, &len)); /* no NSID unless asked */
	ldns_pkt_free(p);

	/* DO echoed (RFC 3225 section 3). */
	e.do_bit = true;
	p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
	assert_true(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);

	/* OPT on negative answers and refusals too. */
	p = ask_full(f, "nothere.example.com.", T_A, C_IN, &e, false);
	expect_rcode(p, LDNS_RCODE_NXDOMAIN, true);
	assert_true(has_opt(f, p));
	ldns_pkt_free(p);
	p = ask_full(f, "www.example.org.", T_A, C_IN, &e, false);
	expect_rcode(p, LDNS_RCODE_REFUSED, false);
	assert_true(has_opt(f, p));
	ldns_pkt_free(p);
}

static void test_badvers(void **state)
{
	struct fixture *f = *state;
	struct tl_edns e = {.present = true, .payload = 1232, .version = 1};
	ldns_pkt *p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
	/* BADVERS = 16: low 4 bits (0) in the header, high 8 bits (1) in the OPT TTL. */
	assert_int_equal(ldns_pkt_get_rcode(p), 0);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 1);
	assert_int_equal(ldns_pkt_edns_version(p), 0);
	assert_true(has_opt(f, p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 0);
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(answer_ctx_stats(f->ctx)->rcode[16] > 0, 1);
	ldns_pkt_free(p);
}

static void test_nsid(void **state)
{
	struct fixture *f = *state;
	static const uint8_t nsid_req[] = {0, 3, 0, 0};
	struct tl_edns e = {.present = true, .payload = 1232, .opts = nsid_req, .opts_len = 4};
	ldns_pkt *p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
	size_t len = 0;
	const uint8_t *v = tl_edns_option(p, 3, &len);
	assert_non_null(v);
	assert_int_equal(len, 8);
	assert_memory_equal(v, "ns1.test", 8);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);

	f->snap.identity = NULL;
	p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
	assert_null(tl_edns_option(p, 3, &len));
	assert_true(has_opt(f, p));
	ldns_pkt_free(p);
	f->snap.identity = identity;
}

static void test_ecs(void **state)
{
	struct fixture *f = *state;
	struct tl_edns e = {.present = true, .payload = 1232};
	/* Valid options are echoed with SCOPE 0 on answers (RFC 7871 7.2.1). */
	static const uint8_t v4[] = {0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2};
	static const uint8_t v6[] = {0,    8,    0,    11,   0, 2,    56,  0,
	                             0x20, 0x01, 0x0d, 0xb8, 0, 0x12, 0x34};
	static const uint8_t v4_0[] = {0, 8, 0, 4, 0, 1, 0, 0};
	static const uint8_t v4_odd[] = {0, 8, 0, 6, 0, 1, 15, 0, 10, 2}; /* 10.2/15 */
	const uint8_t *good[] = {v4, v6, v4_0, v4_odd};
	size_t good_len[] = {sizeof(v4), sizeof(v6), sizeof(v4_0), sizeof(v4_odd)};
	for (size_t i = 0; i < GS_ARRAY_LEN(good); i++) {
		e.opts = good[i];
		e.opts_len = good_len[i];
		uint64_t ecs_before = answer_ctx_stats(f->ctx)->ecs;
		ldns_pkt *p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
		expect_rcode(p, LDNS_RCODE_NOERROR, true);
		size_t len = 0;
		const uint8_t *v = tl_edns_option(p, 8, &len);
		assert_non_null(v);
		assert_int_equal(len, good_len[i] - 4);
		assert_memory_equal(v, good[i] + 4, 3); /* family, source */
		assert_int_equal(v[3], 0);              /* scope */
		assert_memory_equal(v + 4, good[i] + 8, len - 4);
		assert_int_equal(answer_ctx_stats(f->ctx)->ecs, ecs_before + 1);
		ldns_pkt_free(p);
	}
	/* No echo on REFUSED. */
	e.opts = v4;
	e.opts_len = sizeof(v4);
	ldns_pkt *p = ask_full(f, "www.example.org.", T_A, C_IN, &e, false);
	size_t len;
	assert_null(tl_edns_option(p, 8, &len));
	ldns_pkt_free(p);

	/* Malformed: FORMERR with an OPT record (RFC 7871 7.2.1, RFC 6891 7). */
	static const uint8_t fam3[] = {0, 8, 0, 4, 0, 3, 0, 0};
	static const uint8_t v4_33[] = {0, 8, 0, 9, 0, 1, 33, 0, 1, 2, 3, 4, 5};
	static const uint8_t v6_129[] = {0, 8, 0, 21, 0,  2,  129, 0,  1,  2,  3,  4, 5,
	                                 6, 7, 8, 9,  10, 11, 12,  13, 14, 15, 16, 17};
	static const uint8_t long_addr[] = {0, 8, 0, 8, 0, 1, 24, 0, 192, 0, 2, 0};
	static const uint8_t short_addr[] = {0, 8, 0, 6, 0, 1, 24, 0, 192, 0};
	static const uint8_t host_bits[] = {0, 8, 0, 7, 0, 1, 20, 0, 192, 0, 2}; /* .2 past /20 */
	static const uint8_t too_short[] = {0, 8, 0, 3, 0, 1, 0};
	static const uint8_t two[] = {0, 8, 0, 7, 0, 1, 24, 0, 192, 0,  2,
	                              0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100};
	const uint8_t *bad[] = {fam3,       v4_33,     v6_129,    long_addr,
	                        short_addr, host_bits, too_short, two};
	size_t bad_len[] = {sizeof(fam3),      sizeof(v4_33),      sizeof(v6_129),
	                    sizeof(long_addr), sizeof(short_addr), sizeof(host_bits),
	                    sizeof(too_short), sizeof(two)};
	for (size_t i = 0; i < GS_ARRAY_LEN(bad); i++) {
		e.opts = bad[i];
		e.opts_len = bad_len[i];
		p = ask_full(f, "www.example.com.", T_A, C_IN, &e, false);
		expect_rcode(p, LDNS_RCODE_FORMERR, false);
		assert_true(has_opt(f, p));
		assert_int_equal(ldns_pkt_ancount(p), 0);
		ldns_pkt_free(p);
	}
}

/* ---- counters --------------------------------------------------------------------- */

static void test_stats(void **state)
{
	struct fixture *f = *state;
	struct answer_ctx *saved = f->ctx;
	f->ctx = answer_ctx_new();
	struct tl_msg q;
	ldns_pkt_free(ask(f, "www.example.com.", T_A));                        /* NOERROR udp */
	ldns_pkt_free(ask(f, "nothere.example.com.", T_A));                    /* NXDOMAIN */
	ldns_pkt_free(ask(f, "www.example.org.", T_A));                        /* REFUSED */
	ldns_pkt_free(ask(f, "big.example.com.", T_A));                        /* truncated */
	ldns_pkt_free(ask_full(f, "big.example.com.", T_A, C_IN, NULL, true)); /* tcp */
	struct tl_edns e = {.present = true, .payload = 1232};
	ldns_pkt_free(ask_full(f, "www.example.com.", T_A, C_IN, &e, false)); /* edns */
	tl_header(&q, QID, 0, 0, 0, 0, 0);
	ldns_pkt_free(ask_q(f, &q, false)); /* FORMERR */
	q.n = 5;
	assert_int_equal(run(f, &q, false), 0); /* dropped */

	const struct answer_stats *st = answer_ctx_stats(f->ctx);
	assert_int_equal(st->queries, 8);
	assert_int_equal(st->udp, 7);
	assert_int_equal(st->tcp, 1);
	assert_int_equal(st->dropped, 1);
	assert_int_equal(st->truncated, 1);
	assert_int_equal(st->edns, 1);
	assert_int_equal(st->ecs, 0);
	assert_int_equal(st->rcode[0], 4);
	assert_int_equal(st->rcode[1], 1);
	assert_int_equal(st->rcode[3], 1);
	assert_int_equal(st->rcode[5], 1);
	answer_ctx_free(f->ctx);
	f->ctx = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exact),          cmocka_unit_test(test_header_bits),
	        cmocka_unit_test(test_case_preserved), cmocka_unit_test(test_nxdomain_nodata),
	        cmocka_unit_test(test_cname),          cmocka_unit_test(test_wildcard),
	        cmocka_unit_test(test_referral),       cmocka_unit_test(test_ds_at_cut),
	        cmocka_unit_test(test_several_zones),  cmocka_unit_test(test_any),
	        cmocka_unit_test(test_compression),    cmocka_unit_test(test_truncation),
	        cmocka_unit_test(test_refused),        cmocka_unit_test(test_chaos),
	        cmocka_unit_test(test_formerr),        cmocka_unit_test(test_formerr_opt),
	        cmocka_unit_test(test_drop),           cmocka_unit_test(test_notimp),
	        cmocka_unit_test(test_edns_basic),     cmocka_unit_test(test_badvers),
	        cmocka_unit_test(test_nsid),           cmocka_unit_test(test_ecs),
	        cmocka_unit_test(test_stats),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
