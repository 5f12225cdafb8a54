/* SPDX-License-Identifier: MIT
 * explain.c -- `geosteerctl explain --offline`: one question answered by the server's
 * own query path (answer_packet() on a snapshot built here), then explained: which
 * service, which map rule and ordered datacenter list (geo_map_explain), which
 * datacenter, which TTL and ECS scope. The explanation is rebuilt from the
 * configuration and checked against the response; any disagreement is printed as a
 * "mismatch:" line, so a zone repository's CI catches a server that does not do what
 * its configuration says. Main thread of geosteerctl only (ldns, libmaxminddb,
 * allocation: none of this runs in the daemon). */
#include <config.h>

#include "server/explain.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "geoip/geo.h"
#include "geoip/geodb.h"
#include "server/answer.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/config.h"
#include "server/daemon.h"
#include "server/edns.h"
#include "server/snapshot.h"

/* DNS constants used here (RFC 1035 section 3.2, RFC 3596). */
#define EX_TYPE_A     1u
#define EX_TYPE_CNAME 5u
#define EX_TYPE_AAAA  28u
#define EX_CLASS_IN   1u
/* The query's ID: any value works, answer_packet copies it. */
#define EX_QUERY_ID 0x6765u
/* Source port of the simulated client (only the address matters for steering). */
#define EX_CLIENT_PORT 53053u

/* Everything loaded for one explanation; freed by ex_close. */
struct ex_env {
	struct cfg *cfg;
	struct snapshot *snap;
	struct geo_db *db;
	struct arena *arena; /* explain's own compiled map */
	struct answer_ctx *ctx;
	ldns_pkt *pkt;
};

/* What the response said, taken apart. */
struct ex_reply {
	const char *transport;
	uint8_t target[DNAME_MAX]; /* qname after the response's CNAME chain, lowercase */
	bool has_ecs;              /* the response carries an ECS option */
	struct edns_ecs ecs;
	uint8_t ecs_scope;
	unsigned rcode;
};

static void ex_close(struct ex_env *e)
{
	if (e->pkt)
		ldns_pkt_free(e->pkt);
	answer_ctx_free(e->ctx);
	arena_destroy(e->arena);
	geodb_close(e->db);
	snapshot_free(e->snap);
	cfg_free(e->cfg);
}

static void put_u16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Bytes of address an ECS option carries for a source prefix (RFC 7871 section 6). */
static unsigned ecs_addr_len(unsigned source)
{
	return (source + 7) / 8;
}

/* Writes the query: no RD (an authoritative question), one question, an OPT record
 * advertising ANSWER_UDP_MAX (RFC 6891) and, with a subnet, an ECS option with SCOPE
 * 0 and only the address bytes the source prefix needs (RFC 7871 section 6).
 * Returns the length. buf holds at least 512 bytes. */
static size_t build_query(const struct explain_req *req, const uint8_t *qname, size_t qname_len,
                          uint8_t *buf)
{
	memset(buf, 0, 12);
	put_u16(buf, EX_QUERY_ID);
	put_u16(buf + 4, 1);  /* QDCOUNT */
	put_u16(buf + 10, 1); /* ARCOUNT: the OPT record */
	size_t n = 12;
	memcpy(buf + n, qname, qname_len);
	n += qname_len;
	put_u16(buf + n, req->qtype);
	put_u16(buf + n + 2, EX_CLASS_IN);
	n += 4;
	buf[n++] = 0; /* OPT owner: the root */
	put_u16(buf + n, EDNS_TYPE_OPT);
	put_u16(buf + n + 2, ANSWER_UDP_MAX);
	memset(buf + n + 4, 0, 4); /* extended RCODE, version 0, no DO */
	n += 8;
	if (!req->has_subnet) {
		put_u16(buf + n, 0);
		return n + 2;
	}
	unsigned alen = ecs_addr_len(req->subnet.len);
	put_u16(buf + n, 8 + alen); /* RDLENGTH */
	put_u16(buf + n + 2, EDNS_OPTION_ECS);
	put_u16(buf + n + 4, 4 + alen);
	put_u16(buf + n + 6, req->subnet.a.family == AF_INET ? EDNS_ECS_IPV4 : EDNS_ECS_IPV6);
	buf[n + 8] = req->subnet.len;
	buf[n + 9] = 0; /* SCOPE PREFIX-LENGTH: 0 in queries */
	memcpy(buf + n + 10, req->subnet.a.addr, alen);
	return n + 10 + alen;
}

static socklen_t client_sockaddr(const struct netaddr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(EX_CLIENT_PORT);
		memcpy(&sin->sin_addr, a->addr, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(EX_CLIENT_PORT);
	memcpy(&sin6->sin6_addr, a->addr, 16);
	return sizeof(*sin6);
}

/* Loads the configuration and builds the snapshot as `geosteerd --check` does, plus
 * explain's own handle on the GeoIP databases (for the rule behind an answer). Every
 * diagnostic, warnings included, goes to err. */
static int load(const char *path, struct ex_env *e, FILE *err)
{
	struct diag d;
	diag_init(&d);
	int rc = cfg_load(path, &d, &e->cfg);
	if (rc == GS_OK) {
		if (cfg_check_supported(e->cfg, DAEMON_SUPPORTED_SECTIONS, &d) != GS_OK)
			rc = GS_EPARSE;
		int brc = snapshot_build(e->cfg, &d, &e->snap);
		if (rc == GS_OK)
			rc = brc;
		if (rc == GS_OK && e->cfg->geoip.enabled)
			rc = geodb_open(&e->cfg->geoip, &d, &e->db);
		if (rc == GS_OK && diag_has_errors(&d))
			rc = GS_EPARSE;
	}
	diag_print(&d, err);
	diag_free(&d);
	if (rc != GS_OK)
		fprintf(err, "%s: cannot explain: the configuration has errors\n", path);
	return rc;
}

/* One record in presentation format with single blanks ("www.a. 60 IN A 192.0.2.1"). */
static void print_rr(FILE *out, const char *key, const ldns_rr *rr)
{
	char *s = ldns_rr2str(rr);
	if (!s) {
		fprintf(out, "%-12s(unprintable record)\n", key);
		return;
	}
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\t')
			*p = ' ';
	fprintf(out, "%-12s%s\n", key, s);
	free(s);
}

/* Reads the ECS option from the response's OPT rdata, if any. */
static void read_ecs(const ldns_pkt *pkt, struct ex_reply *r)
{
	ldns_rdf *data = ldns_pkt_edns_data(pkt);
	if (!data)
		return;
	const uint8_t *p = ldns_rdf_data(data);
	size_t len = ldns_rdf_size(data), off = 0;
	while (off + 4 <= len) {
		unsigned code = (unsigned)p[off] << 8 | p[off + 1];
		unsigned olen = (unsigned)p[off + 2] << 8 | p[off + 3];
		off += 4;
		if (off + olen > len)
			return;
		if (code == EDNS_OPTION_ECS && olen >= 4 && olen - 4 <= 16) {
			r->has_ecs = true;
			r->ecs.family = (uint16_t)((unsigned)p[off] << 8 | p[off + 1]);
			r->ecs.source = p[off + 2];
			r->ecs_scope = p[off + 3];
			r->ecs.addr_len = (uint8_t)(olen - 4);
			memset(r->ecs.addr, 0, sizeof(r->ecs.addr));
			memcpy(r->ecs.addr, p + off + 4, olen - 4);
		}
		off += olen;
	}
}

/* Lowercase wire form of an ldns name rdf (uncompressed, as ldns keeps them). */
static bool rdf_to_wire(const ldns_rdf *rdf, uint8_t out[DNAME_MAX])
{
	size_t n = ldns_rdf_size(rdf);
	if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME || n == 0 || n > DNAME_MAX)
		return false;
	memcpy(out, ldns_rdf_data(rdf), n);
	dname_lower(out);
	return true;
}

/* The name the answer is about: qname, then each CNAME's target found in the answer
 * section (RFC 1034 section 4.3.2), as the server followed them. */
static void follow_chain(const ldns_pkt *pkt, const uint8_t *qname, uint8_t target[DNAME_MAX])
{
	memcpy(target, qname, dname_len(qname));
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t n = ldns_rr_list_rr_count(an);
	/* Each step consumes one CNAME, so n steps bound any chain, loops included. */
	for (size_t step = 0; step < n; step++) {
		bool moved = false;
		for (size_t i = 0; i < n && !moved; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);
			uint8_t owner[DNAME_MAX];
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME ||
			    ldns_rr_rd_count(rr) != 1 || !rdf_to_wire(ldns_rr_owner(rr), owner) ||
			    !dname_equal(owner, target))
				continue;
			uint8_t next[DNAME_MAX];
			if (rdf_to_wire(ldns_rr_rdf(rr, 0), next) && !dname_equal(next, target)) {
				memcpy(target, next, dname_len(next));
				moved = true;
			}
		}
		if (!moved)
			return;
	}
}

static const struct cfg_service *find_service(const struct cfg *c, const uint8_t *name)
{
	for (size_t i = 0; i < c->n_services; i++)
		for (size_t j = 0; j < c->services[i].n_names; j++)
			if (dname_equal(c->services[i].names[j].wire, name))
				return &c->services[i];
	return NULL;
}

static const struct cfg_map *find_map(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_maps; i++)
		if (strcmp(c->maps[i].name, name) == 0)
			return &c->maps[i];
	return NULL;
}

static const struct cfg_datacenter *find_dc(const struct cfg_service *s, const char *name)
{
	for (size_t i = 0; i < s->n_dcs; i++)
		if (strcmp(s->dcs[i].name, name) == 0)
			return &s->dcs[i];
	return NULL;
}

static size_t count_family(const struct cfg_datacenter *dc, int family)
{
	size_t n = 0;
	for (size_t i = 0; i < dc->n_addrs; i++)
		n += dc->addrs[i].family == family;
	return n;
}

/* The addresses of type qtype at owner in the answer section. */
static size_t answer_addrs(const ldns_pkt *pkt, const uint8_t *owner, uint16_t qtype,
                           struct netaddr *out, size_t cap, uint32_t *ttl)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t n = 0;
	*ttl = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		uint8_t o[DNAME_MAX];
		if (ldns_rr_get_type(rr) != qtype || ldns_rr_rd_count(rr) != 1 ||
		    !rdf_to_wire(ldns_rr_owner(rr), o) || !dname_equal(o, owner))
			continue;
		const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
		size_t len = ldns_rdf_size(rd);
		if (n == cap || (len != 4 && len != 16))
			continue;
		out[n].family = len == 4 ? AF_INET : AF_INET6;
		memset(out[n].addr, 0, sizeof(out[n].addr));
		memcpy(out[n].addr, ldns_rdf_data(rd), len);
		*ttl = ldns_rr_ttl(rr);
		n++;
	}
	return n;
}

static bool addr_in(const struct netaddr *a, const struct netaddr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].family == a->family && memcmp(v[i].addr, a->addr, 16) == 0)
			return true;
	return false;
}

/* Where the decision stands, for the consistency checks at the end. */
struct ex_decision {
	bool steered;       /* A/AAAA at a steered name: the answer depends on location */
	const char *chosen; /* the datacenter the configuration says, or NULL for NODATA */
	unsigned scope;     /* the scope the compiled map gives */
	unsigned ttl;       /* the TTL the service gives */
	int mismatches;
};

static void mismatch(FILE *out, struct ex_decision *dec, const char *fmt, ...) GS_PRINTF(3, 4);
static void mismatch(FILE *out, struct ex_decision *dec, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(out, "%-12s", "mismatch:");
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	va_end(ap);
	dec->mismatches++;
}

/* The datacenter lines: each datacenter of the list with its addresses of the asked
 * family and their health, which one the configuration picks (DESIGN.md answer
 * semantics 2 with every address up), and whether the response carries exactly its
 * addresses. */
static void explain_choice(FILE *out, const struct ex_env *e, const struct cfg_service *svc,
                           const struct geo_map *gm, uint16_t list, uint16_t qtype,
                           const uint8_t *target, struct ex_decision *dec)
{
	int family = qtype == EX_TYPE_A ? AF_INET : AF_INET6;
	const char *tname = qtype == EX_TYPE_A ? "A" : "AAAA";
	size_t n;
	const uint16_t *ids = geo_map_list(gm, list, &n);
	fprintf(out, "%-12s", "list:");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? " " : "", geo_map_dc_name(gm, ids[i]));
	fputc('\n', out);
	fprintf(out, "%-12soffline: every address counts as up (no health monitor runs)\n",
	        "health:");
	const struct cfg_datacenter *chosen = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *name = geo_map_dc_name(gm, ids[i]);
		const struct cfg_datacenter *dc = find_dc(svc, name);
		fprintf(out, "%-12s%s: ", "dc:", name);
		if (!dc) {
			fprintf(out, "skipped (service %s has no such datacenter)\n", svc->name);
			continue;
		}
		if (chosen)
			fputs("not needed;", out);
		else if (count_family(dc, family) == 0)
			fprintf(out, "skipped (no %s address);", tname);
		else {
			chosen = dc;
			fputs("chosen;", out);
		}
		for (size_t j = 0; j < dc->n_addrs; j++) {
			if (dc->addrs[j].family != family)
				continue;
			char text[NETADDR_TEXT_MAX];
			netaddr_format(&dc->addrs[j], text);
			fprintf(out, " %s %s up", tname, text);
		}
		fputc('\n', out);
	}
	if (!chosen) {
		fprintf(out, "%-12snone: no datacenter in the list has a %s address (NODATA)\n",
		        "chosen:", tname);
		dec->chosen = NULL;
	} else {
		fprintf(out, "%-12s%s (first in the list with an %s address up)\n",
		        "chosen:", chosen->name, tname);
		dec->chosen = chosen->name;
	}

	struct netaddr got[64];
	uint32_t ttl;
	size_t n_got = answer_addrs(e->pkt, target, qtype, got, GS_ARRAY_LEN(got), &ttl);
	size_t want = chosen ? count_family(chosen, family) : 0;
	bool same = n_got == want;
	for (size_t i = 0; same && i < n_got; i++)
		same = addr_in(&got[i], chosen->addrs, chosen->n_addrs);
	if (!same)
		mismatch(out, dec, "the answer's %s records are not the addresses of %s", tname,
		         chosen ? chosen->name : "no datacenter (NODATA expected)");
}

/* The service part: located address, rule, list, datacenters. */
static void explain_service(FILE *out, struct ex_env *e, const struct explain_req *req,
                            const struct ex_reply *r, const struct cfg_service *svc,
                            struct ex_decision *dec)
{
	fprintf(out, "%-12s%s (map %s, ttl %u, failover_ttl %u)\n", "service:", svc->name, svc->map,
	        svc->ttl, svc->failover_ttl);
	if (req->qtype != EX_TYPE_A && req->qtype != EX_TYPE_AAAA) {
		fprintf(out,
		        "%-12ssteering decides A and AAAA only: this type comes from the zone\n",
		        "note:");
		return;
	}
	dec->steered = true;
	dec->ttl = svc->ttl;
	const struct cfg_map *m = find_map(e->cfg, svc->map);
	if (!m) {
		mismatch(out, dec, "service %s names map %s, which is not configured", svc->name,
		         svc->map);
		return;
	}
	/* Which address the server locates (DESIGN.md answer semantics 1 and 3). */
	bool by_ecs = req->has_subnet && e->cfg->geoip.client_subnet && req->subnet.len > 0;
	struct netaddr where = by_ecs ? req->subnet.a : req->client;
	unsigned prefix = by_ecs ? req->subnet.len : netaddr_bits(&req->client);

	struct diag d;
	diag_init(&d);
	const struct geo_map *gm = NULL;
	int rc = geo_map_compile(m, e->db, e->arena, &d, &gm);
	diag_free(&d);
	struct geo_explain ex;
	if (rc != GS_OK || geo_map_explain(gm, e->db, &where, prefix, &ex) != GS_OK) {
		mismatch(out, dec, "map %s could not be compiled or explained", m->name);
		return;
	}
	char text[NETADDR_TEXT_MAX];
	netaddr_format(&ex.located, text);
	fprintf(out, "%-12s%s%s%s%s by %s: %s\n", "located:", text, ex.embed ? " (" : "",
	        ex.embed ? ex.embed : "", ex.embed ? ")" : "",
	        by_ecs ? "the ECS subnet" : "the source address", ex.where);
	fprintf(out, "%-12s%s\n", "rule:", ex.rule);
	if (!ex.consistent)
		mismatch(out, dec, "rule %s and the compiled table disagree on the list", ex.rule);
	/* Source prefix 0: the answer is located by the source address but must not be
	 * cached by subnet (RFC 7871 section 7.1.2, DESIGN.md 3). */
	dec->scope = req->has_subnet && req->subnet.len == 0 ? 0 : ex.hit.scope;
	explain_choice(out, e, svc, gm, ex.hit.list, req->qtype, r->target, dec);
}

static void explain_ttl(FILE *out, const struct ex_env *e, const struct explain_req *req,
                        const struct ex_reply *r, struct ex_decision *dec)
{
	struct netaddr got[64];
	uint32_t ttl;
	size_t n = dec->steered ? answer_addrs(e->pkt, r->target, req->qtype, got,
	                                       GS_ARRAY_LEN(got), &ttl)
	                        : 0;
	if (n) {
		fprintf(out, "%-12s%u (the service's ttl: no datacenter ahead of %s is down)\n",
		        "ttl:", ttl, dec->chosen ? dec->chosen : "the chosen one");
		if (ttl != dec->ttl)
			mismatch(out, dec, "answer TTL %u, service ttl %u", ttl, dec->ttl);
		return;
	}
	const ldns_rr_list *an = ldns_pkt_answer(e->pkt);
	if (ldns_rr_list_rr_count(an) == 0) {
		fprintf(out, "%-12snone (no answer records)\n", "ttl:");
		return;
	}
	uint32_t min = UINT32_MAX;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		uint32_t t = ldns_rr_ttl(ldns_rr_list_rr(an, i));
		min = t < min ? t : min;
	}
	fprintf(out, "%-12s%u (from the zone file; the lowest in the answer)\n", "ttl:", min);
}

static void explain_scope(FILE *out, const struct explain_req *req, const struct ex_env *e,
                          const struct ex_reply *r, struct ex_decision *dec)
{
	if (!r->has_ecs) {
		fprintf(out, "%-12snone (%s)\n", "scope:",
		        req->has_subnet ? "no ECS option in the response"
		                        : "no ECS option was sent");
		if (req->has_subnet && e->cfg->geoip.client_subnet &&
		    r->rcode == LDNS_RCODE_NOERROR)
			mismatch(out, dec, "the query's ECS option was not echoed");
		return;
	}
	struct netaddr a = {.family = r->ecs.family == EDNS_ECS_IPV4 ? AF_INET : AF_INET6};
	memcpy(a.addr, r->ecs.addr, r->ecs.addr_len);
	char text[NETADDR_TEXT_MAX];
	netaddr_format(&a, text);
	fprintf(out, "%-12s%u (ECS option in the response: %s/%u scope %u)\n",
	        "scope:", r->ecs_scope, text, r->ecs.source, r->ecs_scope);
	unsigned want = dec->steered ? dec->scope : 0;
	if (!req->has_subnet)
		mismatch(out, dec, "an ECS option came back but none was sent");
	else if (r->ecs_scope != want)
		mismatch(out, dec, "response scope %u, the compiled map says %u", r->ecs_scope,
		         want);
}

/* Runs the query through answer_packet: UDP first, as a resolver would; when the
 * response is truncated, again as over TCP. Returns false when the server drops it. */
static bool ask(struct ex_env *e, const struct explain_req *req, const uint8_t *q, size_t qlen,
                struct ex_reply *r, FILE *err)
{
	static uint8_t buf[ANSWER_TCP_MAX];
	struct sockaddr_storage ss;
	client_sockaddr(&req->client, &ss);
	bool tcp = req->tcp;
	size_t len = answer_packet(e->snap, e->ctx, q, qlen, (const struct sockaddr *)&ss, tcp, buf,
	                           tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX);
	r->transport = tcp ? "tcp" : "udp";
	if (len >= 3 && !tcp && (buf[2] & 0x02)) {
		r->transport = "udp, truncated (TC=1), then tcp";
		len = answer_packet(e->snap, e->ctx, q, qlen, (const struct sockaddr *)&ss, true,
		                    buf, ANSWER_TCP_MAX);
	}
	if (len == 0)
		return false;
	ldns_status st = ldns_wire2pkt(&e->pkt, buf, len);
	if (st != LDNS_STATUS_OK) {
		fprintf(err, "explain: the response does not parse: %s\n",
		        ldns_get_errorstr_by_id(st));
		e->pkt = NULL;
		return false;
	}
	return true;
}

int explain_offline(const struct explain_req *req, FILE *out, FILE *err)
{
	struct ex_env e = {0};
	uint8_t qname[DNAME_MAX];
	size_t qname_len;
	if (dname_from_text(req->name, NULL, qname, &qname_len) != GS_OK) {
		fprintf(err, "explain: '%s' is not a valid domain name\n", req->name);
		return EXPLAIN_LOAD_ERROR;
	}
	if (load(req->config, &e, err) != GS_OK) {
		ex_close(&e);
		return EXPLAIN_LOAD_ERROR;
	}
	e.arena = arena_new();
	e.ctx = answer_ctx_new();

	uint8_t q[512];
	size_t qlen = build_query(req, qname, qname_len, q);
	char name_text[DNAME_TEXT_MAX], type_text[32], client_text[NETADDR_TEXT_MAX];
	dname_to_text(qname, name_text);
	char *t = ldns_rr_type2str((ldns_rr_type)req->qtype);
	snprintf(type_text, sizeof(type_text), "%s", t ? t : "?");
	free(t);
	netaddr_format(&req->client, client_text);

	struct ex_reply r = {0};
	bool answered = ask(&e, req, q, qlen, &r, err);
	fprintf(out, "%-12s%s IN %s\n", "query:", name_text, type_text);
	fprintf(out, "%-12s%s\n", "transport:", answered ? r.transport : req->tcp ? "tcp" : "udp");
	fprintf(out, "%-12s%s (the query's source address)\n", "client:", client_text);
	if (req->has_subnet) {
		char s[NETADDR_TEXT_MAX];
		netaddr_format(&req->subnet.a, s);
		fprintf(out, "%-12s%s/%u sent%s\n", "ecs:", s, req->subnet.len,
		        e.cfg->geoip.client_subnet ? ""
		                                   : " (ignored: geoip.client_subnet is false)");
	} else {
		fprintf(out, "%-12snone\n", "ecs:");
	}
	if (!answered) {
		fprintf(out, "%-12snone (the server sends no response to this query)\n", "rcode:");
		ex_close(&e);
		return EXPLAIN_ANSWERED;
	}
	r.rcode = ldns_pkt_get_rcode(e.pkt);
	read_ecs(e.pkt, &r);
	dname_lower(qname);
	follow_chain(e.pkt, qname, r.target);

	struct ex_decision dec = {0};
	if (!dname_equal(r.target, qname)) {
		char tt[DNAME_TEXT_MAX];
		dname_to_text(r.target, tt);
		fprintf(out, "%-12s%s (after the CNAME records in the answer)\n", "target:", tt);
	}
	const struct cfg_service *svc = find_service(e.cfg, r.target);
	if (svc)
		explain_service(out, &e, req, &r, svc, &dec);
	else
		fprintf(out, "%-12snone (not a steered name: answered from the zone file)\n",
		        "service:");

	const ldns_rr_list *an = ldns_pkt_answer(e.pkt);
	if (ldns_rr_list_rr_count(an) == 0)
		fprintf(out, "%-12snone\n", "answer:");
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		print_rr(out, "answer:", ldns_rr_list_rr(an, i));
	const ldns_rr_list *ns = ldns_pkt_authority(e.pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++)
		print_rr(out, "authority:", ldns_rr_list_rr(ns, i));
	explain_ttl(out, &e, req, &r, &dec);
	explain_scope(out, req, &e, &r, &dec);
	const ldns_lookup_table *rc = ldns_lookup_by_id(ldns_rcodes, (int)r.rcode);
	fprintf(out, "%-12s%s\n", "rcode:", rc ? rc->name : "?");

	int status = dec.mismatches ? EXPLAIN_MISMATCH : EXPLAIN_ANSWERED;
	ex_close(&e);
	return status;
}
