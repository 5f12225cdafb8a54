/* SPDX-License-Identifier: MIT
 * test_zones.c -- unit tests for zones/: loading zone files (every error and warning with
 * its exact text), the compiled form (nodes, flags, wire rdata, name offsets), lookup
 * (exact, empty non-terminal, RFC 4592 wildcards, delegation, NXDOMAIN) and the zoneset.
 * Fixtures live in tests/data/zones/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "zones/zone.h"
#include "zones/zone_load.h"
#include "zones/zoneset.h"
#include "tests/unit/testlib.h"

enum {
	T_A = 1,
	T_NS = 2,
	T_CNAME = 5,
	T_SOA = 6,
	T_PTR = 12,
	T_MINFO = 14,
	T_MX = 15,
	T_TXT = 16,
	T_AAAA = 28,
	T_SRV = 33,
};

/* The fixture folder. */
static const char data_dir[] = TL_SRC("tests/data/zones");

struct loaded {
	struct arena *a;
	struct diag d;
	const struct zone *z;
	int rc;
	char path[2200];
};

static void wire(const char *text, uint8_t out[DNAME_MAX])
{
	size_t len;
	assert_int_equal(dname_from_text(text, NULL, out, &len), GS_OK);
	dname_lower(out);
}

/* Loads data_dir/rel with the given origin into a fresh arena and diag. */
static void load(struct loaded *l, const char *rel, const char *origin)
{
	uint8_t o[DNAME_MAX];
	wire(origin, o);
	snprintf(l->path, sizeof(l->path), "%s/%s", data_dir, rel);
	l->a = arena_new();
	diag_init(&l->d);
	l->z = NULL;
	l->rc = zone_load(l->path, o, l->a, &l->d, &l->z);
}

static void unload(struct loaded *l)
{
	diag_free(&l->d);
	arena_destroy(l->a);
}

/* Loads a fixture that must load without any diagnostic. */
static void load_clean(struct loaded *l, const char *rel, const char *origin)
{
	load(l, rel, origin);
	if (l->d.n)
		diag_print(&l->d, stderr);
	assert_int_equal(l->rc, GS_OK);
	assert_int_equal(l->d.n, 0);
	assert_non_null(l->z);
}

static void name_is(const struct zone_node *n, const char *expect)
{
	char text[DNAME_TEXT_MAX];
	if (!expect) {
		assert_null(n);
		return;
	}
	assert_non_null(n);
	dname_to_text(n->name, text);
	assert_string_equal(text, expect);
}

static const struct zone_node *find(const struct zone *z, const char *name)
{
	uint8_t w[DNAME_MAX];
	wire(name, w);
	return zone_find(z, w);
}

/* ---- lookup tables ---- */

struct lookup_case {
	const char *qname;
	enum zone_match match;
	const char *node;     /* expected hit.node, NULL for none */
	const char *encloser; /* expected hit.encloser, NULL for none */
};

static void check_lookups(const struct zone *z, const struct lookup_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t q[DNAME_MAX];
		wire(c[i].qname, q); /* lowercases: queries in any case find the same node */
		struct zone_hit hit = {NULL, NULL};
		enum zone_match m = zone_lookup(z, q, &hit);
		if (m != c[i].match)
			fail_msg("%s: match %d, expected %d", c[i].qname, m, c[i].match);
		name_is(hit.node, c[i].node);
		name_is(hit.encloser, c[i].encloser);
	}
}

static const struct lookup_case example_com_cases[] = {
        {"example.com.", ZONE_MATCH_EXACT, "example.com.", "example.com."},
        {"www.example.com.", ZONE_MATCH_EXACT, "www.example.com.", "www.example.com."},
        {"WwW.ExAmPlE.cOm.", ZONE_MATCH_EXACT, "www.example.com.", "www.example.com."},
        {"alias.example.com.", ZONE_MATCH_EXACT, "alias.example.com.", "alias.example.com."},
        /* Empty non-terminals exist (NODATA, not NXDOMAIN). */
        {"c.example.com.", ZONE_MATCH_EXACT, "c.example.com.", "c.example.com."},
        {"b.c.example.com.", ZONE_MATCH_EXACT, "b.c.example.com.", "b.c.example.com."},
        {"a.b.c.example.com.", ZONE_MATCH_EXACT, "a.b.c.example.com.", "a.b.c.example.com."},
        /* NXDOMAIN with the closest encloser. */
        {"nope.example.com.", ZONE_MATCH_NXDOMAIN, NULL, "example.com."},
        {"x.b.c.example.com.", ZONE_MATCH_NXDOMAIN, NULL, "b.c.example.com."},
        {"q.r.a.b.c.example.com.", ZONE_MATCH_NXDOMAIN, NULL, "a.b.c.example.com."},
        /* The cut itself and everything below it, data or not, is a referral. */
        {"sub.example.com.", ZONE_MATCH_DELEGATION, "sub.example.com.", "sub.example.com."},
        {"www.sub.example.com.", ZONE_MATCH_DELEGATION, "sub.example.com.", "sub.example.com."},
        {"ns1.sub.example.com.", ZONE_MATCH_DELEGATION, "sub.example.com.", "sub.example.com."},
        {"a.b.sub.example.com.", ZONE_MATCH_DELEGATION, "sub.example.com.", "sub.example.com."},
        /* Wildcards: hit.node is the "*" node, hit.encloser the closest encloser. */
        {"a.wild.example.com.", ZONE_MATCH_WILDCARD, "*.wild.example.com.", "wild.example.com."},
        {"a.b.wild.example.com.", ZONE_MATCH_WILDCARD, "*.wild.example.com.", "wild.example.com."},
        {"wild.example.com.", ZONE_MATCH_EXACT, "wild.example.com.", "wild.example.com."},
        {"*.wild.example.com.", ZONE_MATCH_EXACT, "*.wild.example.com.", "*.wild.example.com."},
        /* From the $INCLUDE (with its own origin), after it, and after a relative $ORIGIN. */
        {"inc.example.com.", ZONE_MATCH_EXACT, "inc.example.com.", "inc.example.com."},
        {"x.inc.example.com.", ZONE_MATCH_EXACT, "x.inc.example.com.", "x.inc.example.com."},
        {"after.example.com.", ZONE_MATCH_EXACT, "after.example.com.", "after.example.com."},
        {"host.dc1.example.com.", ZONE_MATCH_EXACT, "host.dc1.example.com.",
         "host.dc1.example.com."},
};

/* RFC 4592 section 2.2.1: the example zone and the queries that section lists. */
static const struct lookup_case rfc4592_cases[] = {
        /* "The following responses would be synthesized from one of the wildcards". */
        {"host3.example.", ZONE_MATCH_WILDCARD, "*.example.", "example."},
        {"foo.bar.example.", ZONE_MATCH_WILDCARD, "*.example.", "example."},
        /* "The following responses would not be synthesized from any of the wildcards". */
        /* host1.example. exists: MX gets NODATA, not the wildcard's MX. */
        {"host1.example.", ZONE_MATCH_EXACT, "host1.example.", "host1.example."},
        /* sub.*.example. exists ("is not a wildcard" for its subdomains). */
        {"sub.*.example.", ZONE_MATCH_EXACT, "sub.*.example.", "sub.*.example."},
        /* The closest encloser is the empty non-terminal _tcp.host1.example., which has no
         * wildcard child: NXDOMAIN. */
        {"_telnet._tcp.host1.example.", ZONE_MATCH_NXDOMAIN, NULL, "_tcp.host1.example."},
        /* At or below a cut there is no wildcard: a referral. */
        {"host.subdel.example.", ZONE_MATCH_DELEGATION, "subdel.example.", "subdel.example."},
        /* The closest encloser is *.example. itself and *.*.example. does not exist. */
        {"ghost.*.example.", ZONE_MATCH_NXDOMAIN, NULL, "*.example."},
        /* Names that exist as empty non-terminals block the wildcard (section 2.2.2). */
        {"_tcp.host1.example.", ZONE_MATCH_EXACT, "_tcp.host1.example.", "_tcp.host1.example."},
        {"host2.example.", ZONE_MATCH_EXACT, "host2.example.", "host2.example."},
        {"*.example.", ZONE_MATCH_EXACT, "*.example.", "*.example."},
        {"subdel.example.", ZONE_MATCH_DELEGATION, "subdel.example.", "subdel.example."},
};

static void test_lookup_example_com(void **state)
{
	(void)state;
	struct loaded l;
	load_clean(&l, "example.com.zone", "example.com.");
	check_lookups(l.z, example_com_cases, GS_ARRAY_LEN(example_com_cases));
	unload(&l);
}

static void test_lookup_rfc4592(void **state)
{
	(void)state;
	struct loaded l;
	load_clean(&l, "rfc4592.zone", "example.");
	check_lookups(l.z, rfc4592_cases, GS_ARRAY_LEN(rfc4592_cases));

	/* host3.example. A: the wildcard matches but owns no A, so the answer is NODATA;
	 * MX is synthesised from it. */
	uint8_t q[DNAME_MAX];
	struct zone_hit hit;
	wire("host3.example.", q);
	assert_int_equal(zone_lookup(l.z, q, &hit), ZONE_MATCH_WILDCARD);
	assert_null(zone_node_rrset(hit.node, T_A));
	assert_non_null(zone_node_rrset(hit.node, T_MX));
	assert_true(hit.node->flags & ZONE_NODE_WILDCARD);
	/* sub.*.example. has a "*" label but is not a wildcard (RFC 4592 section 2.1.1). */
	assert_false(find(l.z, "sub.*.example.")->flags & ZONE_NODE_WILDCARD);
	unload(&l);
}

/* ---- the compiled form ---- */

static void rdata_is(const struct zone_rdata *rd, const char *data, size_t len, uint16_t off0,
                     uint16_t off1)
{
	assert_int_equal(rd->len, len);
	assert_memory_equal(rd->data, data, len);
	assert_int_equal(rd->name_off[0], off0);
	assert_int_equal(rd->name_off[1], off1);
}

/* The node named name (lowercase wire, len bytes), found by scanning every node. */
static const struct zone_node *scan_node(const struct zone *z, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < z->n_nodes; i++)
		if (z->nodes[i].name_len == len && memcmp(z->nodes[i].name, name, len) == 0)
			return &z->nodes[i];
	return NULL;
}

/* What zone_lookup answers, the slow way (RFC 1034 4.3.2 and RFC 4592 as written): down
 * from the apex label by label, the first cut is a referral, the first missing name
 * ends the walk at its closest encloser, whose "*" child synthesises when it exists. */
static enum zone_match scan_lookup(const struct zone *z, const uint8_t *name, struct zone_hit *hit)
{
	size_t len = dname_len(name);
	unsigned below = dname_labels(name) - z->origin_labels;
	const struct zone_node *cur = z->apex;
	for (unsigned k = below; k-- > 0;) {
		const uint8_t *suffix = name;
		for (unsigned j = 0; j < k; j++)
			suffix += suffix[0] + 1u;
		const struct zone_node *next = scan_node(z, suffix, len - (size_t)(suffix - name));
		if (!next) {
			uint8_t wild[DNAME_MAX];
			wild[0] = 1;
			wild[1] = '*';
			memcpy(wild + 2, cur->name, cur->name_len);
			hit->encloser = cur;
			hit->node = cur->name_len + 2u <= DNAME_MAX
			                    ? scan_node(z, wild, cur->name_len + 2u)
			                    : NULL;
			return hit->node ? ZONE_MATCH_WILDCARD : ZONE_MATCH_NXDOMAIN;
		}
		if (next->flags & ZONE_NODE_CUT) {
			hit->node = hit->encloser = next;
			return ZONE_MATCH_DELEGATION;
		}
		cur = next;
	}
	hit->node = hit->encloser = cur;
	return ZONE_MATCH_EXACT;
}

static void test_compiled(void **state)
{
	(void)state;
	struct loaded l;
	load_clean(&l, "example.com.zone", "example.com.");
	const struct zone *z = l.z;

	assert_memory_equal(z->origin, "\7example\3com", 13);
	assert_int_equal(z->origin_len, 13);
	assert_int_equal(z->origin_labels, 2);
	assert_string_equal(z->file, l.path);
	assert_int_equal(z->serial, 2024061501);
	assert_int_equal(z->neg_ttl, 600); /* min(SOA TTL 3600, MINIMUM 600) */
	/* 23 records in the two files, one of them an exact duplicate. */
	assert_int_equal(z->n_records, 22);
	/* 14 names with data plus the empty non-terminals c., b.c., wild., dc1. */
	assert_int_equal(z->n_nodes, 18);
	assert_true(((z->hash_mask + 1) & z->hash_mask) == 0);
	assert_true(z->hash_mask + 1 >= 2 * z->n_nodes);

	/* Apex: flags, RRsets sorted by type, the SOA. */
	const struct zone_node *apex = z->apex;
	name_is(apex, "example.com.");
	assert_int_equal(apex->flags, ZONE_NODE_APEX);
	assert_int_equal(apex->n_labels, 2);
	assert_int_equal(apex->n_rrsets, 3);
	assert_int_equal(apex->rrsets[0].type, T_NS);
	assert_int_equal(apex->rrsets[1].type, T_SOA);
	assert_int_equal(apex->rrsets[2].type, T_MX);
	assert_ptr_equal(z->soa, zone_node_rrset(apex, T_SOA));
	assert_int_equal(z->soa->count, 1);
	assert_int_equal(z->soa->ttl, 3600);
	assert_int_equal(z->soa->line, 6);

	/* SOA: two names (kept in the zone file's case), then five 32-bit numbers. */
	static const char soa[] = "\3NS1\7Example\3COM\0"
	                          "\12hostmaster\7example\3com\0"
	                          "\x78\xa4\xba\x3d" /* 2024061501 */
	                          "\0\0\x1c\x20"     /* 7200 */
	                          "\0\0\x0e\x10"     /* 3600 */
	                          "\0\x12\x75\x00"   /* 1209600 */
	                          "\0\0\x02\x58";    /* 600 */
	rdata_is(&z->soa->rdata[0], soa, sizeof(soa) - 1, 0, 17);

	/* MX: the exchange name starts after the 16-bit preference. */
	const struct zone_rrset *mx = zone_node_rrset(apex, T_MX);
	assert_int_equal(mx->count, 2);
	rdata_is(&mx->rdata[0], "\0\12\4Mail\7example\3com\0", 20, 2, ZONE_NO_NAME);
	rdata_is(&mx->rdata[1], "\0\24\5mail2\7example\3net\0", 21, 2, ZONE_NO_NAME);

	/* NS: a relative name completed with the origin. */
	const struct zone_rrset *ns = zone_node_rrset(apex, T_NS);
	assert_int_equal(ns->count, 2);
	assert_int_equal(ns->line, 8);
	rdata_is(&ns->rdata[0], "\3ns1\7example\3com\0", 17, 0, ZONE_NO_NAME);
	rdata_is(&ns->rdata[1], "\3ns2\7example\3net\0", 17, 0, ZONE_NO_NAME);

	/* A records: no names; TTLs per record; the duplicate merged, file order kept. */
	const struct zone_rrset *a = zone_node_rrset(find(z, "ns1.example.com."), T_A);
	assert_int_equal(a->ttl, 300);
	rdata_is(&a->rdata[0], "\300\0\2\65", 4, ZONE_NO_NAME, ZONE_NO_NAME);
	const struct zone_node *www = find(z, "www.example.com.");
	assert_int_equal(www->n_rrsets, 2);
	a = zone_node_rrset(www, T_A);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->line, 14);
	rdata_is(&a->rdata[0], "\300\0\2\120", 4, ZONE_NO_NAME, ZONE_NO_NAME);
	rdata_is(&a->rdata[1], "\300\0\2\121", 4, ZONE_NO_NAME, ZONE_NO_NAME);
	const struct zone_rrset *aaaa = zone_node_rrset(www, T_AAAA);
	rdata_is(&aaaa->rdata[0], "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x80", 16, ZONE_NO_NAME,
	         ZONE_NO_NAME);

	/* CNAME target keeps its case; owner names are lowercase. */
	const struct zone_rrset *cname = zone_node_rrset(find(z, "alias.example.com."), T_CNAME);
	rdata_is(&cname->rdata[0], "\3WWW\7example\3com\0", 17, 0, ZONE_NO_NAME);
	const struct zone_rrset *txt = zone_node_rrset(find(z, "a.b.c.example.com."), T_TXT);
	rdata_is(&txt->rdata[0], "\21three labels down", 18, ZONE_NO_NAME, ZONE_NO_NAME);

	/* Empty non-terminals have no RRsets. */
	const struct zone_node *ent = find(z, "b.c.example.com.");
	assert_int_equal(ent->n_rrsets, 0);
	assert_null(ent->rrsets);
	assert_int_equal(ent->n_labels, 4);

	/* Flags. */
	assert_int_equal(find(z, "sub.example.com.")->flags, ZONE_NODE_CUT);
	assert_int_equal(find(z, "ns1.sub.example.com.")->flags, ZONE_NODE_OCCLUDED);
	assert_int_equal(find(z, "*.wild.example.com.")->flags, ZONE_NODE_WILDCARD);
	assert_int_equal(find(z, "wild.example.com.")->flags, 0);

	/* Every node is reachable through the index, and names are lowercase. */
	for (size_t i = 0; i < z->n_nodes; i++) {
		const struct zone_node *n = &z->nodes[i];
		assert_ptr_equal(zone_find(z, n->name), n);
		assert_int_equal(n->name_len, dname_len(n->name));
		uint8_t lc[DNAME_MAX];
		memcpy(lc, n->name, n->name_len);
		dname_lower(lc);
		assert_memory_equal(lc, n->name, n->name_len);
		for (unsigned j = 1; j < n->n_rrsets; j++)
			assert_true(n->rrsets[j - 1].type < n->rrsets[j].type);
	}

	/* zone_lookup agrees with a walk down from the apex that finds each node by
	 * scanning them all, on every node, on a name below each node (glue, names below
	 * cuts, wildcard synthesis, NXDOMAIN) and on a name below a wildcard's parent. */
	for (size_t i = 0; i < z->n_nodes; i++) {
		const struct zone_node *n = &z->nodes[i];
		uint8_t child[DNAME_MAX];
		child[0] = 2;
		child[1] = 'q';
		child[2] = 'z';
		size_t n_names = 1;
		if (n->name_len + 3u <= DNAME_MAX) {
			memcpy(child + 3, n->name, n->name_len);
			n_names = 2;
		}
		const uint8_t *names[] = {n->name, child};
		for (size_t k = 0; k < n_names; k++) {
			struct zone_hit by_index, by_scan;
			assert_int_equal(zone_lookup(z, names[k], &by_index),
			                 scan_lookup(z, names[k], &by_scan));
			assert_ptr_equal(by_index.node, by_scan.node);
			assert_ptr_equal(by_index.encloser, by_scan.encloser);
		}
	}
	assert_null(zone_find(z, (const uint8_t *)"\3com"));
	assert_null(zone_find(z, (const uint8_t *)"\7example\3net"));
	unload(&l);
}

/* Name offsets only for the types RFC 3597 section 4 lets us compress. */
static void test_rdata_types(void **state)
{
	(void)state;
	struct loaded l;
	load_clean(&l, "rdata.zone", "rdata.test.");
	const struct zone *z = l.z;
	assert_int_equal(z->neg_ttl, 30);
	const struct zone_rrset *s = zone_node_rrset(find(z, "ptr.rdata.test."), T_PTR);
	rdata_is(&s->rdata[0], "\6Target\5rdata\4test\0", 19, 0, ZONE_NO_NAME);
	s = zone_node_rrset(find(z, "minfo.rdata.test."), T_MINFO);
	rdata_is(&s->rdata[0], "\5rmail\5rdata\4test\0\5email\5rdata\4test\0", 36, 0, 18);
	s = zone_node_rrset(find(z, "srv.rdata.test."), T_SRV);
	rdata_is(&s->rdata[0], "\0\1\0\2\0\65\2ns\5rdata\4test\0", 21, ZONE_NO_NAME, ZONE_NO_NAME);
	s = zone_node_rrset(find(z, "txt.rdata.test."), T_TXT);
	rdata_is(&s->rdata[0], "\1a\2bc", 5, ZONE_NO_NAME, ZONE_NO_NAME);
	/* $TTL 0 applies to records that state no TTL. */
	const struct zone_node *zero = find(z, "zero.rdata.test.");
	assert_int_equal(zone_node_rrset(zero, T_A)->ttl, 0);
	assert_int_equal(zone_node_rrset(zero, T_AAAA)->ttl, 60);
	assert_int_equal(find(z, "ns.rdata.test.")->rrsets[0].ttl, 60);
	s = zone_node_rrset(find(z, "unknown.rdata.test."), 65280);
	rdata_is(&s->rdata[0], "\xab\xcd\xef", 3, ZONE_NO_NAME, ZONE_NO_NAME);
	unload(&l);
}

/* Glue: zone_find reaches occluded nodes that zone_lookup answers with a referral. */
static void test_glue(void **state)
{
	(void)state;
	struct loaded l;
	load_clean(&l, "example.com.zone", "example.com.");
	const struct zone *z = l.z;
	uint8_t q[DNAME_MAX];
	struct zone_hit hit;
	wire("www.sub.example.com.", q);
	assert_int_equal(zone_lookup(z, q, &hit), ZONE_MATCH_DELEGATION);

	/* The referral's glue, the way the answer path collects it. */
	const struct zone_rrset *ns = zone_node_rrset(hit.node, T_NS);
	assert_non_null(ns);
	assert_int_equal(ns->count, 2);
	size_t n_glue = 0;
	for (unsigned i = 0; i < ns->count; i++) {
		const struct zone_rdata *rd = &ns->rdata[i];
		uint8_t target[DNAME_MAX];
		memcpy(target, rd->data + rd->name_off[0], dname_len(rd->data + rd->name_off[0]));
		dname_lower(target);
		if (!dname_is_subdomain(target, z->origin))
			continue; /* ns.example.net. */
		const struct zone_node *g = zone_find(z, target);
		assert_non_null(g);
		assert_true(g->flags & ZONE_NODE_OCCLUDED);
		const struct zone_rrset *a = zone_node_rrset(g, T_A);
		assert_non_null(a);
		assert_memory_equal(a->rdata[0].data, "\300\0\2\66", 4);
		n_glue++;
	}
	assert_int_equal(n_glue, 1);

	/* Occluded non-glue data is still found by name; missing names are not. */
	name_is(find(z, "www.sub.example.com."), "www.sub.example.com.");
	assert_true(find(z, "www.sub.example.com.")->flags & ZONE_NODE_OCCLUDED);
	assert_null(find(z, "nope.sub.example.com."));
	assert_null(find(z, "nope.example.com."));
	name_is(find(z, "example.com."), "example.com.");
	unload(&l);
}

/* ---- the zoneset ---- */

static void test_zoneset(void **state)
{
	(void)state;
	struct loaded parent, child, rfc, again;
	load_clean(&parent, "example.com.zone", "example.com.");
	load_clean(&child, "sub.example.com.zone", "sub.example.com.");
	load_clean(&rfc, "rfc4592.zone", "example.");
	load_clean(&again, "example.com.zone", "example.com.");

	struct arena *a = arena_new();
	const struct zone *zones[] = {rfc.z, parent.z, child.z, again.z};
	struct zoneset zs;
	zoneset_build(&zs, a, zones, GS_ARRAY_LEN(zones));
	assert_int_equal(zs.n, 3); /* the duplicate origin is dropped: the first one wins */

	static const struct {
		const char *qname;
		int zone; /* index into zones[], -1 for none */
	} cases[] = {
	        {"www.sub.example.com.", 2},
	        {"sub.example.com.", 2},
	        {"a.b.c.sub.example.com.", 2},
	        {"www.example.com.", 1},
	        {"example.com.", 1},
	        {"xsub.example.com.", 1},
	        {"host3.example.", 0},
	        {"example.", 0},
	        {"com.example.", 0},
	        {"com.", -1},
	        {"example.org.", -1},
	        {".", -1},
	        {"ample.", -1},
	        {"www.example.com.org.", -1},
	};
	for (size_t i = 0; i < GS_ARRAY_LEN(cases); i++) {
		uint8_t q[DNAME_MAX];
		wire(cases[i].qname, q);
		const struct zone *z = zoneset_find(&zs, q);
		if (cases[i].zone < 0 ? z != NULL : z != zones[cases[i].zone])
			fail_msg("%s: wrong zone", cases[i].qname);
	}

	struct zoneset empty;
	zoneset_build(&empty, a, zones, 0);
	uint8_t q[DNAME_MAX];
	wire("www.example.com.", q);
	assert_null(zoneset_find(&empty, q));

	arena_destroy(a);
	unload(&parent);
	unload(&child);
	unload(&rfc);
	unload(&again);
}

/* zoneset_find compares origins one by one for a few zones and hashes the query name's
 * suffixes for more; both must pick the longest origin. Only the origin fields of
 * struct zone are read, so the zones here are just origins. */
static void test_zoneset_sizes(void **state)
{
	(void)state;
	static const char *const origins[] = {
	        "com.",   "example.com.", "a.example.com.", "b.a.example.com.", "org.", "x.org.",
	        "y.org.", "z.org.",       "net.",           "example.net.",     "t.",   "u.t.",
	};
	struct zone zones[GS_ARRAY_LEN(origins)];
	uint8_t names[GS_ARRAY_LEN(origins)][DNAME_MAX];
	const struct zone *ptrs[GS_ARRAY_LEN(origins)];
	for (size_t i = 0; i < GS_ARRAY_LEN(origins); i++) {
		memset(&zones[i], 0, sizeof(zones[i]));
		wire(origins[i], names[i]);
		zones[i].origin = names[i];
		zones[i].origin_len = (uint8_t)dname_len(names[i]);
		zones[i].origin_labels = (uint8_t)dname_labels(names[i]);
		ptrs[i] = &zones[i];
	}
	static const struct {
		const char *qname;
		int zone; /* index into origins[], -1 for none */
	} cases[] = {
	        {"www.b.a.example.com.", 3},
	        {"b.a.example.com.", 3},
	        {"c.a.example.com.", 2},
	        {"a.example.com.", 2},
	        {"www.example.com.", 1},
	        {"example.com.", 1},
	        {"xexample.com.", 0},
	        {"com.", 0},
	        {"q.z.org.", 7},
	        {"z.org.", 7},
	        {"w.org.", 4},
	        {"example.net.", 9},
	        {"v.u.t.", 11},
	        {"t.", 10},
	        {"example.", -1},
	        {".", -1},
	        {"www.example.com.q.", -1},
	};
	/* The first 3 zones (scanned), then all 12 (hashed). */
	size_t sizes[] = {3, GS_ARRAY_LEN(origins)};
	for (size_t s = 0; s < GS_ARRAY_LEN(sizes); s++) {
		struct arena *a = arena_new();
		struct zoneset zs;
		zoneset_build(&zs, a, ptrs, sizes[s]);
		for (size_t i = 0; i < GS_ARRAY_LEN(cases); i++) {
			uint8_t q[DNAME_MAX];
			wire(cases[i].qname, q);
			const struct zone *z = zoneset_find(&zs, q);
			int want = cases[i].zone;
			/* With fewer zones, the longest origin among those present. */
			while (want >= 0 && (size_t)want >= sizes[s])
				want = want == 3 || want == 2 ? want - 1 : -1;
			if (want < 0 ? z != NULL : z != &zones[want])
				fail_msg("%zu zones, %s: wrong zone", sizes[s], cases[i].qname);
		}
		arena_destroy(a);
	}
}

/* ---- diagnostics: each bad fixture and the exact messages it must produce ---- */

struct bad_case {
	const char *file; /* under tests/data/zones/bad */
	int rc;
	const char *msgs[8]; /* "%D" stands for the fixture folder */
};

static const struct bad_case bad_cases[] = {
        {"syntax.zone",
         GS_EPARSE,
         {"%D/syntax.zone:6: cannot parse \"www A 192.0.2.999\": Syntax error, could not parse "
          "the RR's rdata",
          "%D/syntax.zone:7: cannot parse \"mx MX ten mail\": Syntax error, could not parse the "
          "RR's rdata",
          "%D/syntax.zone:9: www.example.org. is outside the zone example.com."}},
        {"soa.zone",
         GS_EPARSE,
         {"%D/soa.zone: no SOA record at the zone apex example.com.",
          "%D/soa.zone:4: SOA record at sub.example.com. is not at the zone apex example.com."}},
        {"twosoa.zone",
         GS_EPARSE,
         {"%D/twosoa.zone:6: more than one SOA record at the zone apex example.com. (the first "
          "is at line 3)"}},
        {"empty.zone",
         GS_EPARSE,
         {"%D/empty.zone: no SOA record at the zone apex example.com.",
          "%D/empty.zone: no NS records at the zone apex example.com."}},
        {"nons.zone", GS_EPARSE, {"%D/nons.zone: no NS records at the zone apex example.com."}},
        {"cname.zone",
         GS_EPARSE,
         {"%D/cname.zone:7: CNAME at www.example.com. cannot coexist with other data (A at line "
          "6, MX at line 8)",
          "%D/cname.zone:10: more than one CNAME record at alias.example.com. (the first is at "
          "line 9)"}},
        {"class.zone", GS_EPARSE, {"%D/class.zone:6: class CH is not supported (only IN)"}},
        {"directives.zone",
         GS_EPARSE,
         {"%D/directives.zone:6: bad $TTL \"5 minutes\": expected one TTL (seconds, or units "
          "like 1h30m)",
          "%D/directives.zone:7: unsupported directive $GENERATE (only $ORIGIN, $TTL and "
          "$INCLUDE)",
          "%D/directives.zone:8: $ORIGIN needs exactly one domain name",
          "%D/directives.zone:11: cannot open $INCLUDE file %D/missing.inc: No such file or "
          "directory",
          "%D/bad.inc:3: cannot parse \"broken AAAA 192.0.2.11\": Syntax error, could not parse "
          "the RR's rdata"}},
        {"missing.zone", GS_EIO, {"%D/missing.zone: cannot open: No such file or directory"}},
        {"nottl-first.zone",
         GS_EPARSE,
         {"%D/nottl-first.zone:2: no TTL given and no $TTL before: add a $TTL line (RFC 2308 "
          "section 4) or a TTL to this record"}},
        {"include-bad.zone",
         GS_EPARSE,
         {"%D/include-bad.zone:6: cannot open $INCLUDE file /dev/zero: it is a character device, "
          "not a regular file",
          "%D/include-bad.zone:7: cannot open $INCLUDE file /: it is a folder",
          "%D/include-bad.zone:8: $INCLUDE file %D/include-bad.zone is already being read (it "
          "includes itself)"}},
        {"loop.zone",
         GS_EPARSE,
         {"%D/loop.zone:5: $INCLUDE file %D/loop.zone is already being read (it includes "
          "itself)"}},
        {"ttl-range.zone",
         GS_EPARSE,
         {"%D/ttl-range.zone:6: TTL 4294967295 is out of range: a TTL is at most 2147483647 "
          "seconds (RFC 2181 section 8)",
          "%D/ttl-range.zone:7: TTL 2147483648 is out of range: a TTL is at most 2147483647 "
          "seconds (RFC 2181 section 8)",
          "%D/ttl-range.zone:8: TTL 99999999999 is out of range: a TTL is at most 2147483647 "
          "seconds (RFC 2181 section 8)",
          "%D/ttl-range.zone:9: bad TTL \"300x\": expected seconds, or units like 1h30m",
          "%D/ttl-range.zone:10: $TTL 99999999999 is out of range: a TTL is at most "
          "2147483647 seconds (RFC 2181 section 8)",
          "%D/ttl-range.zone:11: $TTL 2147483648 is out of range: a TTL is at most "
          "2147483647 seconds (RFC 2181 section 8)",
          "%D/ttl-range.zone:12: $TTL 4w3000000d is out of range: a TTL is at most "
          "2147483647 seconds (RFC 2181 section 8)"}},
        /* Warnings only: the zone loads. */
        {"nottl.zone",
         GS_OK,
         {"%D/nottl.zone:3: warning: no TTL given and no $TTL before: using the SOA MINIMUM "
          "(77) as the TTL"}},
        {"ttl.zone",
         GS_OK,
         {"%D/ttl.zone:7: warning: TTLs differ within the A RRset at www.example.com. (600 at "
          "line 6, 300 at line 7); using the lowest, 300 (RFC 2181 section 5.2)"}},
        {"occluded.zone",
         GS_OK,
         {"%D/occluded.zone:7: warning: MX record at sub.example.com. is at a delegation point "
          "and will not be served (occluded)",
          "%D/occluded.zone:11: warning: TXT record at txt.deep.sub.example.com. is below the "
          "delegation at sub.example.com. and will not be served (occluded)"}},
        {"glue.zone",
         GS_OK,
         {"%D/glue.zone:5: warning: NS record at example.com. names ns.other.example.com., which "
          "is below the delegation at other.example.com. but has no glue (A or AAAA record)",
          "%D/glue.zone:7: warning: NS record at sub.example.com. names ns1.sub.example.com., "
          "which is below the delegation at sub.example.com. but has no glue (A or AAAA record)",
          "%D/glue.zone:11: warning: NS record at other.example.com. names ns.other.example.com., "
          "which is below the delegation at other.example.com. but has no glue (A or AAAA "
          "record)"}},
};

/* Replaces every "%D" in pattern with dir. */
static void expand(const char *pattern, const char *dir, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = pattern; *p && o + 1 < cap; p++) {
		if (p[0] == '%' && p[1] == 'D') {
			o += (size_t)snprintf(out + o, cap - o, "%s", dir);
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o < cap ? o : cap - 1] = '\0';
}

static void test_diagnostics(void **state)
{
	(void)state;
	char dir[2100];
	snprintf(dir, sizeof(dir), "%s/bad", data_dir);
	for (size_t i = 0; i < GS_ARRAY_LEN(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		char rel[256];
		snprintf(rel, sizeof(rel), "bad/%s", c->file);
		struct loaded l;
		load(&l, rel, "example.com.");
		size_t n = 0;
		while (n < GS_ARRAY_LEN(c->msgs) && c->msgs[n])
			n++;
		if (l.rc != c->rc || l.d.n != n) {
			diag_print(&l.d, stderr);
			fail_msg("%s: rc %d (expected %d), %zu messages (expected %zu)", c->file,
			         l.rc, c->rc, l.d.n, n);
		}
		for (size_t j = 0; j < n; j++) {
			char expect[4096];
			expand(c->msgs[j], dir, expect, sizeof(expect));
			assert_string_equal(l.d.v[j].text, expect);
			assert_int_equal(l.d.v[j].is_warning,
			                 strstr(expect, ": warning: ") != NULL);
		}
		if (c->rc == GS_OK)
			assert_non_null(l.z);
		else
			assert_null(l.z);
		unload(&l);
	}
}

/* What the loader does with the data behind the warnings. */
static void test_warning_outcomes(void **state)
{
	(void)state;
	struct loaded l;
	load(&l, "bad/ttl.zone", "example.com.");
	assert_int_equal(l.rc, GS_OK);
	const struct zone_rrset *a = zone_node_rrset(find(l.z, "www.example.com."), T_A);
	assert_int_equal(a->count, 3);
	assert_int_equal(a->ttl, 300); /* the lowest (RFC 2181 section 5.2) */
	unload(&l);

	load(&l, "bad/occluded.zone", "example.com.");
	assert_int_equal(l.rc, GS_OK);
	uint8_t q[DNAME_MAX];
	struct zone_hit hit;
	wire("txt.deep.sub.example.com.", q);
	assert_int_equal(zone_lookup(l.z, q, &hit), ZONE_MATCH_DELEGATION);
	name_is(hit.node, "sub.example.com.");
	/* Both address types of the glue are there. */
	const struct zone_node *g = find(l.z, "ns1.sub.example.com.");
	assert_non_null(zone_node_rrset(g, T_A));
	assert_non_null(zone_node_rrset(g, T_AAAA));
	unload(&l);
}

/* Without $TTL, a record without a TTL takes the last one stated (RFC 1035 section 5.1),
 * the SOA its MINIMUM when none was stated yet; directives in any case. */
static void test_ttl_defaults(void **state)
{
	(void)state;
	struct loaded l;
	load(&l, "bad/nottl.zone", "example.com.");
	assert_int_equal(l.rc, GS_OK);
	const struct zone *z = l.z;
	assert_int_equal(zone_node_rrset(find(z, "example.com."), T_SOA)->ttl, 77);
	assert_int_equal(zone_node_rrset(find(z, "example.com."), T_NS)->ttl, 77);
	assert_int_equal(zone_node_rrset(find(z, "ns1.example.com."), T_A)->ttl, 120);
	assert_int_equal(zone_node_rrset(find(z, "www.example.com."), T_A)->ttl, 120);
	assert_int_equal(zone_node_rrset(find(z, "mail.example.com."), T_A)->ttl, 240);
	assert_int_equal(zone_node_rrset(find(z, "ftp.example.com."), T_A)->ttl, 240);
	/* $ttl, $Origin and $include in lowercase or mixed case. */
	assert_int_equal(zone_node_rrset(find(z, "ftp.example.com."), T_AAAA)->ttl, 30);
	assert_int_equal(zone_node_rrset(find(z, "sub.example.com."), T_A)->ttl, 30);
	assert_int_equal(zone_node_rrset(find(z, "inc.sub.example.com."), T_A)->ttl, 30);
	unload(&l);
}

/* The largest TTL RFC 2181 section 8 allows, and BIND's units in $TTL and in records. */
static void test_ttl_units(void **state)
{
	(void)state;
	struct loaded l;
	load_clean(&l, "ttl-units.zone", "example.com.");
	const struct zone *z = l.z;
	assert_int_equal(zone_node_rrset(find(z, "max.example.com."), T_A)->ttl, 2147483647);
	assert_int_equal(zone_node_rrset(find(z, "units.example.com."), T_A)->ttl, 5400);
	assert_int_equal(zone_node_rrset(find(z, "upper.example.com."), T_A)->ttl, 183600);
	assert_int_equal(zone_node_rrset(find(z, "bare.example.com."), T_A)->ttl, 777600);
	assert_int_equal(zone_node_rrset(find(z, "after.example.com."), T_A)->ttl,
	                 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
	unload(&l);
}

/* Errors already in the diag (say, from the config) do not fail a good zone. */
static void test_shared_diag(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct diag d;
	diag_init(&d);
	diag_err(&d, (struct srcpos){"geosteer.yaml", 3}, "an earlier error");
	uint8_t o[DNAME_MAX];
	wire("example.com.", o);
	char path[2200];
	snprintf(path, sizeof(path), "%s/example.com.zone", data_dir);
	const struct zone *z = NULL;
	assert_int_equal(zone_load(path, o, a, &d, &z), GS_OK);
	assert_non_null(z);
	assert_int_equal(d.n, 1);
	/* And a bad one after it adds its own. */
	snprintf(path, sizeof(path), "%s/bad/nons.zone", data_dir);
	assert_int_equal(zone_load(path, o, a, &d, &z), GS_EPARSE);
	assert_null(z);
	assert_int_equal(d.n, 2);
	diag_free(&d);
	arena_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lookup_example_com),
	        cmocka_unit_test(test_lookup_rfc4592),
	        cmocka_unit_test(test_compiled),
	        cmocka_unit_test(test_rdata_types),
	        cmocka_unit_test(test_glue),
	        cmocka_unit_test(test_zoneset),
	        cmocka_unit_test(test_zoneset_sizes),
	        cmocka_unit_test(test_diagnostics),
	        cmocka_unit_test(test_warning_outcomes),
	        cmocka_unit_test(test_ttl_defaults),
	        cmocka_unit_test(test_ttl_units),
	        cmocka_unit_test(test_shared_diag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
