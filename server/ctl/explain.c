/* SPDX-License-Identifier: MIT
 * explain.c -- `geosteerctl explain`: one question answered by the server's own query
 * path (answer_packet() on the daemon's snapshot, or, for --offline, on one built
 * here), then explained: which service, which map rule and ordered datacenter list
 * (geo_map_explain), which datacenter, which TTL and ECS scope. The decision is taken
 * again with the query path's own functions (steer_find, steer_locate, steer_decide on
 * the snapshot's tables) and checked against the response; any disagreement is printed
 * as a "mismatch:" line. The rule behind the list comes from geo_map_explain on the
 * snapshot's compiled map, with explain's own handle on the GeoIP databases. Runs on
 * geosteerctl's main thread (--offline) or on the daemon's control thread (`explain`
 * over the control socket, control.c), never on a worker: it uses ldns, libmaxminddb
 * and the heap freely. */
#include <config.h>

#include "server/ctl/explain.h"
#include "server/ctl/explain_weight.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "geoip/geo.h"
#include "geoip/geodb.h"
#include "geoip/nearest.h"
#include "server/query/answer.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"
#include "server/config/config.h"
#include "server/base/kv.h"
#include "server/query/edns.h"
#include "server/health/health.h"
#include "server/load/snapshot_build.h"
#include "server/query/snapshot.h"
#include "server/query/steer.h"

/* The query's ID: any value works, answer_packet copies it. */
#define EX_QUERY_ID 0x6765u
/* Source port of the simulated client (only the address matters for steering). */
#define EX_CLIENT_PORT 53053u

/* What explain --offline loads itself; freed by loaded_close. */
struct ex_loaded {
	struct cfg *cfg;
	struct snapshot *snap;
	struct geo_db *db;     /* explain's own handle, for the rule behind an answer */
	struct health *health; /* the state file's forces, applied to the snapshot's cells */
};

/* One explanation in progress: what it reads (borrowed) and what it made. */
struct ex_env {
	const struct snapshot *snap;
	const struct geo_db *db;
	const char *health_note;
	struct answer_ctx *ctx;
	uint8_t *buf; /* ANSWER_TCP_MAX bytes: the response */
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
	free(e->buf);
}

static void loaded_close(struct ex_loaded *e)
{
	geodb_close(e->db);
	health_free(e->health); /* not the installed table: the snapshot owns that */
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
	put_u16(buf + n + 2, DNS_CLASS_IN);
	n += 4;
	buf[n++] = 0; /* OPT owner: the root */
	put_u16(buf + n, DNS_TYPE_OPT);
	put_u16(buf + n + 2, ANSWER_UDP_MAX);
	memset(buf + n + 4, 0, 4); /* extended RCODE, version 0 */
	buf[n + 6] = 0x80;         /* DO (RFC 3225): a signed zone's RRSIGs come too */
	n += 8;
	if (!req->has_subnet) {
		put_u16(buf + n, 0);
		return n + 2;
	}
	unsigned alen = ecs_addr_len(req->subnet.len);
	put_u16(buf + n, 8 + alen); /* RDLENGTH */
	put_u16(buf + n + 2, DNS_EDNS_ECS);
	put_u16(buf + n + 4, 4 + alen);
	put_u16(buf + n + 6,
	        req->subnet.a.family == AF_INET ? DNS_ECS_FAMILY_IPV4 : DNS_ECS_FAMILY_IPV6);
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
 * diagnostic goes to err, warnings too unless quiet. */
static int load(const char *path, bool quiet, struct ex_loaded *e, FILE *err)
{
	struct diag d;
	diag_init(&d);
	int rc = cfg_load(path, &d, &e->cfg);
	if (rc == GS_OK) {
		rc = snapshot_build(e->cfg, &d, &e->snap);
		if (rc == GS_OK && e->cfg->geoip.enabled)
			rc = geodb_open(&e->cfg->geoip, &d, &e->db);
		/* As geosteerd starts: the state file's forces (geosteerctl force) decide
		 * the cells they cover; no monitor runs, so checked addresses stay up. */
		if (rc == GS_OK && e->cfg->state_file && e->snap->health) {
			rc = health_new(e->cfg->state_file, &d, &e->health);
			if (rc == GS_OK)
				(void)health_install(e->health, e->snap->health);
		}
		if (rc == GS_OK && diag_has_errors(&d))
			rc = GS_EPARSE;
	}
	for (size_t i = 0; i < d.n; i++)
		if (!quiet || !d.v[i].is_warning)
			fprintf(err, "%s\n", d.v[i].text);
	diag_free(&d);
	if (rc != GS_OK)
		fprintf(err, "%s: cannot explain: the configuration has errors\n", path);
	return rc;
}

/* One record in presentation format with single blanks ("www.a. 60 IN A 192.0.2.1");
 * the JSON form has its parts too (name, ttl, class, type, data). */
static void print_rr(struct kv *out, const char *key, const ldns_rr *rr)
{
	char *s = ldns_rr2str(rr);
	if (!s) {
		kv_item(out, key, KV_NONE, "(unprintable record)");
		return;
	}
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\t')
			*p = ' ';
	/* The first four words are owner, TTL, class and type; the rest is the data. */
	char *part[4] = {0}, *copy = xstrdup(s), *rest = copy;
	for (int i = 0; i < 4 && rest; i++) {
		part[i] = rest;
		rest = strchr(rest, ' ');
		if (rest)
			*rest++ = '\0';
	}
	kv_item(out, key,
	        KV_F(KV_STR("name", part[0]), KV_UINT("ttl", ldns_rr_ttl(rr)),
	             KV_STR("class", part[2]), KV_STR("type", part[3]),
	             KV_STR("data", rest ? rest : "")),
	        "%s", s);
	free(copy);
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
		if (code == DNS_EDNS_ECS && olen >= 4 && olen - 4 <= 16) {
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

/* The addresses of type rrtype at owner in the answer section, and their TTL. */
static size_t answer_addrs(const ldns_pkt *pkt, const uint8_t *owner, uint16_t rrtype,
                           struct netaddr *out, size_t cap, uint32_t *ttl)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t n = 0;
	*ttl = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		uint8_t o[DNAME_MAX];
		if (ldns_rr_get_type(rr) != rrtype || ldns_rr_rd_count(rr) != 1 ||
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

/* Address i of type ty of dc, as a netaddr. */
static void dc_addr(const struct steer_dc *dc, enum steer_type ty, uint16_t i, struct netaddr *a)
{
	size_t len = ty == STEER_A ? 4 : 16;
	memset(a, 0, sizeof(*a));
	a->family = ty == STEER_A ? AF_INET : AF_INET6;
	memcpy(a->addr, dc->rdata[ty] + (size_t)i * len, len);
}

/* A health cell's state in words (server/health/health.h HEALTH_CELL_* bits). */
static const char *cell_state(const struct steer_table *t, uint32_t cell)
{
	unsigned v = atomic_load_explicit(&t->cells[cell], memory_order_relaxed);
	bool up = v & HEALTH_CELL_UP;
	if (v & HEALTH_CELL_FORCED)
		return up ? "up (forced)" : "down (forced)";
	if (v & HEALTH_CELL_FLEET)
		return up ? "up (fleet)" : "down (fleet)";
	if (v & HEALTH_CELL_INITIAL)
		return "up (no check result yet)";
	if (v & HEALTH_CELL_CHECKED)
		return up ? "up (checked)" : "down (checked)";
	return up ? "up (no check)" : "down";
}

/* Appends dc's addresses of type ty with their health to text (" A 192.0.2.10 up
 * (checked),") and to json (an array of {type, address, up, state}). */
static void dc_addrs(struct kv_json *text, struct kv_json *json, const struct steer_table *t,
                     const struct steer_dc *dc, enum steer_type ty)
{
	const char *tname = ty == STEER_A ? "A" : "AAAA";
	kv_json_raw(json, "[");
	for (uint16_t j = 0; j < dc->n[ty]; j++) {
		struct netaddr a;
		char at[NETADDR_TEXT_MAX];
		dc_addr(dc, ty, j, &a);
		netaddr_format(&a, at);
		const char *cs = cell_state(t, dc->cells[ty][j]);
		kv_json_raw(text, " %s %s %s%s", tname, at, cs, j + 1 < dc->n[ty] ? "," : "");
		kv_json_raw(json, "%s{\"type\": \"%s\", \"address\": ", j ? ", " : "", tname);
		kv_json_str(json, at);
		kv_json_raw(json, ", \"up\": %s, \"state\": ",
		            health_cell_is_up(t->cells, dc->cells[ty][j]) ? "true" : "false");
		kv_json_str(json, cs);
		kv_json_raw(json, "}");
	}
	kv_json_raw(json, "]");
}

/* What the decision was, for the consistency checks against the response. */
struct ex_decision {
	bool steered;            /* A/AAAA at a steered name: the answer depends on location */
	enum steer_type ty;      /* the address type decided */
	struct steer_decision d; /* steer_decide's result */
	struct steer_client c;   /* whom it was decided for */
	int mismatches;
};

static void mismatch(struct kv *out, struct ex_decision *dec, const char *fmt, ...) GS_PRINTF(3, 4);
static void mismatch(struct kv *out, struct ex_decision *dec, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	kv_item(out, "mismatch", KV_NONE, "%s", text);
	dec->mismatches++;
}

/* The datacenter lines: each datacenter of the decided list with its addresses of the
 * type and their health, what steer_decide made of it, and whether the response
 * carries exactly the addresses it serves. */
static void explain_choice(struct kv *out, const struct ex_env *e, const struct steer_name *sn,
                           const uint8_t *target, struct ex_decision *dec)
{
	const struct steer_service *svc = sn->svc;
	const struct steer_table *t = e->snap->steer;
	const struct steer_decision *d = &dec->d;
	enum steer_type ty = dec->ty;
	const char *tname = ty == STEER_A ? "A" : "AAAA";
	size_t n;
	const uint16_t *ids = geo_map_list(svc->map, d->hit.list, &n);
	const char **names = xcalloc(n ? n : 1, sizeof(*names));
	struct kv_json text = {0};
	for (size_t i = 0; i < n; i++) {
		names[i] = geo_map_dc_name(svc->map, ids[i]);
		kv_json_raw(&text, "%s%s", i ? " " : "", names[i]);
	}
	kv_put(out, "list", KV_F(KV_STRS("", names, n)), "%s", kv_json_text(&text));
	kv_json_free(&text);
	free(names);
	kv_put(out, "health", KV_NONE, "%s", e->health_note);
	for (size_t i = 0; i < n; i++) {
		const char *name = geo_map_dc_name(svc->map, ids[i]);
		uint16_t k = svc->dc_of[ids[i]];
		if (k == STEER_GROUP) {
			explain_weight_group(out, t, svc, &dec->c, ty, d, i, ids[i], dc_addrs);
			continue;
		}
		if (k == STEER_NO_DC) {
			kv_item(out, "dc",
			        KV_F(KV_STR("datacenter", name), KV_STR("state", "skipped"),
			             KV_RAW("addresses", "[]")),
			        "%s: skipped (service %s has no such datacenter)", name, svc->name);
			continue;
		}
		const struct steer_dc *dc = &svc->dcs[k];
		bool any_up = false;
		for (uint16_t j = 0; j < dc->n[ty]; j++)
			any_up |= health_cell_is_up(t->cells, dc->cells[ty][j]);
		/* state: chosen | skipped | not needed; the text says why. */
		const char *state = "skipped";
		if (dc == d->dc && d->fail_open) {
			state = "chosen";
			kv_json_raw(&text, "chosen, fail open (no datacenter of the list is up);");
		} else if (dc == d->dc) {
			state = "chosen";
			kv_json_raw(&text, "chosen;");
		} else if (dc->n[ty] == 0) {
			kv_json_raw(&text, "skipped (no %s address);", tname);
		} else if (d->fail_open) {
			kv_json_raw(&text, "skipped (every address down);");
		} else if (d->dc && i > d->pos) {
			state = "not needed";
			kv_json_raw(&text, "not needed;");
		} else {
			kv_json_raw(&text, "skipped (%s);",
			            any_up ? "passed over" : "every address down");
		}
		struct kv_json addrs = {0};
		dc_addrs(&text, &addrs, t, dc, ty);
		kv_item(out, "dc",
		        KV_F(KV_STR("datacenter", name), KV_STR("state", state),
		             KV_RAW("addresses", kv_json_text(&addrs))),
		        "%s: %s", name, kv_json_text(&text));
		kv_json_free(&addrs);
		kv_json_free(&text);
	}
	bool by_policy = d->fail_open && svc->all_down != CFG_ALL_DOWN_OPEN;
	const char *policy = svc->all_down == CFG_ALL_DOWN_SERVFAIL ? "servfail"
	                     : svc->all_down == CFG_ALL_DOWN_NODATA ? "nodata"
	                                                            : "open";
	/* datacenter: what answers (null: none); fail_open: nothing was up. */
	if (!d->dc)
		kv_put(out, "chosen",
		       KV_F(KV_STR("datacenter", NULL), KV_BOOL("failover", false),
		            KV_BOOL("fail_open", false)),
		       "none: no datacenter in the list has an %s address (NODATA)", tname);
	else if (by_policy)
		kv_put(out, "chosen",
		       KV_F(KV_STR("datacenter", NULL), KV_BOOL("failover", false),
		            KV_BOOL("fail_open", true), KV_STR("all_down", policy)),
		       "none: no datacenter with an %s address is up, and all_down: %s answers %s",
		       tname, policy,
		       svc->all_down == CFG_ALL_DOWN_SERVFAIL ? "SERVFAIL"
		                                              : "NOERROR without records (NODATA)");
	else if (d->fail_open)
		kv_put(out, "chosen",
		       KV_F(KV_STR("datacenter", d->dc->name), KV_BOOL("failover", false),
		            KV_BOOL("fail_open", true), KV_STR("all_down", policy)),
		       "%s (no datacenter with an %s address is up: fail open to the first, every "
		       "address, as all_down: open says)",
		       d->dc->name, tname);
	else if (d->pick != STEER_PICK_NONE)
		kv_put(out, "chosen",
		       KV_F(KV_STR("datacenter", d->dc->name), KV_BOOL("failover", d->failover),
		            KV_BOOL("fail_open", false), KV_UINT("group_position", d->pos + 1u),
		            KV_STR("pick", explain_weight_pick_name(d->pick))),
		       "%s (weighted group at position %u: %s)", d->dc->name, (unsigned)d->pos + 1,
		       explain_weight_reason(d));
	else
		kv_put(out, "chosen",
		       KV_F(KV_STR("datacenter", d->dc->name), KV_BOOL("failover", d->failover),
		            KV_BOOL("fail_open", false)),
		       "%s (first in the list with an %s address up)", d->dc->name, tname);

	/* The response must carry exactly the served addresses of the chosen one. */
	struct netaddr got[256];
	uint32_t ttl;
	size_t n_got = answer_addrs(e->pkt, target, ty == STEER_A ? DNS_TYPE_A : DNS_TYPE_AAAA, got,
	                            GS_ARRAY_LEN(got), &ttl);
	size_t want = 0;
	bool same = true;
	/* In a zone geosteer signs, the set with a signature (answer.c does the same). */
	uint64_t signed_set = 0;
	bool narrowed = d->dc && !by_policy && sn->sigs && d->dc->n[ty] <= STEER_SIGN_ADDRS_MAX;
	if (narrowed) {
		signed_set = steer_served_mask(t, d, ty);
		(void)steer_sigs_pick(&sn->sigs[(size_t)(d->dc - svc->dcs) * STEER_N_TYPES + ty],
		                      &signed_set);
	}
	for (uint16_t j = 0; d->dc && !by_policy && j < d->dc->n[ty]; j++) {
		if (narrowed ? !(signed_set >> j & 1u) : !steer_addr_served(t, d, ty, j))
			continue;
		struct netaddr a;
		dc_addr(d->dc, ty, j, &a);
		want++;
		bool found = false;
		for (size_t g = 0; g < n_got && !found; g++)
			found = got[g].family == a.family && memcmp(got[g].addr, a.addr, 16) == 0;
		same &= found;
	}
	if (!same || n_got != want)
		mismatch(out, dec, "the answer's %s records are not the served addresses of %s",
		         tname,
		         d->dc && !by_policy ? d->dc->name : "no datacenter (no address expected)");
}

/* An RRSIG time field (RFC 4034 section 3.2) as YYYYMMDDHHmmSS, UTC. */
static void sig_time(uint32_t v, char out[20])
{
	time_t t = (time_t)v;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 20, "%Y%m%d%H%M%S", &tm))
		snprintf(out, 20, "%u", v);
}

/* DNSSEC: the signature that goes with the served set in a zone geosteer signs (made at
 * load for exactly that set, or the largest signed set of addresses that are up), one
 * line per key, checked against the RRSIGs of the response. */
static void explain_signature(struct kv *out, const struct ex_env *e, const struct steer_name *sn,
                              const uint8_t *target, struct ex_decision *dec)
{
	const struct steer_decision *d = &dec->d;
	if (!sn->sigs || !d->dc || d->dc->n[dec->ty] > STEER_SIGN_ADDRS_MAX)
		return;
	const struct steer_service *svc = sn->svc;
	uint64_t served = steer_served_mask(e->snap->steer, d, dec->ty);
	uint64_t mask = served;
	const struct steer_sigs *sg =
	        &sn->sigs[(size_t)(d->dc - svc->dcs) * STEER_N_TYPES + dec->ty];
	const struct zone_rrset *sig = steer_sigs_pick(sg, &mask);
	/* Signed by the signer thread after a health change rather than at load. */
	const struct steer_signed_set *dyn =
	        sg->slot ? atomic_load_explicit(sg->slot, memory_order_acquire) : NULL;
	const char *when = dyn && dyn->sig == sig ? "after the health change" : "at load";
	if (!sig) {
		kv_item(out, "signature", KV_NONE, "none (no signed set of these addresses)");
		return;
	}
	unsigned n_addr = (unsigned)__builtin_popcountll(mask);
	for (uint16_t i = 0; i < sig->count; i++) {
		const struct zone_rdata *rd = &sig->rdata[i];
		if (rd->len < 18)
			continue;
		const uint8_t *p = rd->data;
		char inc[20], exp[20];
		sig_time((uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11],
		         exp);
		sig_time((uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 8 |
		                 p[15],
		         inc);
		unsigned tag = (unsigned)p[16] << 8 | p[17];
		kv_item(out, "signature",
		        KV_F(KV_UINT("algorithm", p[2]), KV_UINT("key_tag", tag),
		             KV_STR("inception", inc), KV_STR("expiration", exp)),
		        "RRSIG %s algorithm %u key tag %u, inception %s, expiration %s, "
		        "original TTL %u: made %s for %s %u %s address%s",
		        dec->ty == STEER_A ? "A" : "AAAA", p[2], tag, inc, exp,
		        (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7],
		        when, mask == served ? "exactly the" : "the largest signed set of", n_addr,
		        mask == served ? "served" : "up", n_addr == 1 ? "" : "es");
	}
	if (mask != served)
		kv_item(out, "note", KV_NONE,
		        "the set of addresses up is not signed: the answer carries the largest "
		        "signed set inside it (until the signer thread has signed the set up)");
	/* The response must carry these signatures. */
	const ldns_rr_list *an = ldns_pkt_answer(e->pkt);
	size_t found = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || ldns_rr_rd_count(rr) < 9)
			continue;
		const ldns_rdf *o = ldns_rr_owner(rr);
		uint8_t own[DNAME_MAX];
		if (ldns_rdf_size(o) > DNAME_MAX)
			continue;
		memcpy(own, ldns_rdf_data(o), ldns_rdf_size(o));
		dname_lower(own);
		if (!dname_equal(own, target))
			continue;
		const ldns_rdf *sf = ldns_rr_rdf(rr, 8);
		for (uint16_t k = 0; k < sig->count; k++) {
			const struct zone_rdata *rd = &sig->rdata[k];
			size_t head = rd->len - ldns_rdf_size(sf);
			if (ldns_rdf_size(sf) <= rd->len &&
			    memcmp(rd->data + head, ldns_rdf_data(sf), ldns_rdf_size(sf)) == 0)
				found++;
		}
	}
	if (found != sig->count)
		mismatch(out, dec, "the answer carries %zu of the %u signatures of the served set",
		         found, sig->count);
}

/* The service part: which address is located, the rule, the list, the datacenters. */
/* A nearest-first rule's distances as JSON: [{"datacenter": "us-east", "km": 354}, ...],
 * nearest first, rounded to the km as the rule line shows them. */
static void nearest_json(struct kv_json *j, const struct geo_map *m, double lat, double lon)
{
	uint16_t *order = xcalloc(m->n_sites ? m->n_sites : 1, sizeof(*order));
	double *km = xcalloc(m->n_sites ? m->n_sites : 1, sizeof(*km));
	nearest_order(m->sites, m->n_sites, lat, lon, order, km);
	kv_json_raw(j, "[");
	for (size_t i = 0; i < m->n_sites; i++) {
		kv_json_raw(j, "%s{\"datacenter\": ", i ? ", " : "");
		kv_json_str(j, m->sites[order[i]].dc);
		kv_json_raw(j, ", \"km\": %.0f}", km[i]);
	}
	kv_json_raw(j, "]");
	free(order);
	free(km);
}

static void explain_service(struct kv *out, struct ex_env *e, const struct explain_req *req,
                            const struct ex_reply *r, const struct steer_name *sn,
                            struct ex_decision *dec)
{
	const struct steer_service *svc = sn->svc;
	kv_put(out, "service",
	       KV_F(KV_STR("name", svc->name), KV_STR("map", svc->map->name),
	            KV_UINT("ttl", svc->ttl), KV_UINT("failover_ttl", svc->failover_ttl)),
	       "%s (map %s, ttl %u, failover_ttl %u)", svc->name, svc->map->name, svc->ttl,
	       svc->failover_ttl);
	bool any = req->qtype == DNS_TYPE_ANY;
	if (req->qtype != DNS_TYPE_A && req->qtype != DNS_TYPE_AAAA && !any) {
		kv_item(out, "note", KV_NONE,
		        "steering decides A and AAAA only: this type comes from the zone");
		return;
	}
	/* The same steps as the query path (answer.c): locate, then decide. */
	struct edns_query eq = {.present = true, .payload = ANSWER_UDP_MAX};
	if (req->has_subnet) {
		eq.has_ecs = true;
		eq.ecs.family =
		        req->subnet.a.family == AF_INET ? DNS_ECS_FAMILY_IPV4 : DNS_ECS_FAMILY_IPV6;
		eq.ecs.source = req->subnet.len;
		eq.ecs.addr_len = (uint8_t)ecs_addr_len(req->subnet.len);
		memcpy(eq.ecs.addr, req->subnet.a.addr, sizeof(eq.ecs.addr));
	}
	struct sockaddr_storage ss;
	client_sockaddr(&req->client, &ss);
	struct steer_client c;
	steer_locate(&eq, !e->snap->ecs_ignored, (const struct sockaddr *)&ss, &c);
	dec->c = c;
	dec->ty = req->qtype == DNS_TYPE_AAAA ? STEER_AAAA : STEER_A;
	steer_decide(e->snap->steer, svc, &c, dec->ty, &dec->d);
	if (any && !dec->d.dc) {
		/* RFC 8482 4.1 as answer.c applies it: the AAAA set when there is no A. */
		dec->ty = STEER_AAAA;
		steer_decide(e->snap->steer, svc, &c, dec->ty, &dec->d);
	}
	dec->steered = true;

	struct geo_explain ex;
	if (!c.known) {
		kv_put(out, "located", KV_F(KV_STR("address", NULL)), "nothing (not an IP client)");
		kv_put(out, "rule", KV_F(KV_STR("kind", "default"), KV_STR("key", NULL)),
		       "default");
	} else if (geo_map_explain(svc->map, e->db, &c.addr, c.source_prefix, &ex) == GS_OK) {
		char text[NETADDR_TEXT_MAX];
		netaddr_format(&ex.located, text);
		bool by_ecs = req->has_subnet && !e->snap->ecs_ignored && !c.scope_zero;
		/* An embedded IPv4 client is shown as its IPv4 address alone. */
		char len[8] = "";
		if (ex.located.family == c.addr.family)
			snprintf(len, sizeof(len), "/%u", c.source_prefix);
		kv_put(out, "located",
		       KV_F(KV_STR("address", text), KV_STR("embedded", ex.embed),
		            KV_STR("by", by_ecs ? "ecs" : "source"), KV_STR("where", ex.where)),
		       "%s%s%s%s%s by %s: %s", text, len, ex.embed ? " (" : "",
		       ex.embed ? ex.embed : "", ex.embed ? ")" : "",
		       by_ecs         ? "the ECS subnet"
		       : c.scope_zero ? "the source address (ECS source prefix 0)"
		                      : "the source address",
		       ex.where);
		/* "countries: GB" -> kind countries, key GB; "default" has no key, nor has
		 * "nearest: ...", whose distances are an array of {datacenter, km}. */
		const char *colon = strchr(ex.rule, ':');
		bool nearest = ex.rule_kind == GEO_HIT_NEAREST;
		struct kv_json km = {0};
		if (nearest && ex.has_coords)
			nearest_json(&km, svc->map, ex.lat, ex.lon);
		kv_put(out, "rule",
		       KV_F(KV_STR("kind", geo_hit_rule_name(ex.rule_kind)),
		            KV_STR("key", colon && !nearest ? colon + 2 : NULL),
		            KV_RAW("distances", kv_json_text(&km))),
		       "%s", ex.rule);
		kv_json_free(&km);
		if (!ex.consistent || ex.hit.list != dec->d.hit.list)
			mismatch(out, dec,
			         "rule %s and the compiled table disagree on the list or the rule "
			         "kind (%s)",
			         ex.rule, geo_hit_rule_name(dec->d.hit.rule));
	} else {
		mismatch(out, dec, "map %s could not explain the client", svc->map->name);
	}
	explain_choice(out, e, sn, r->target, dec);
}

static void explain_ttl(struct kv *out, const struct ex_env *e, const struct ex_reply *r,
                        struct ex_decision *dec)
{
	struct netaddr got[256];
	uint32_t ttl;
	size_t n = 0;
	if (dec->steered)
		n = answer_addrs(e->pkt, r->target, dec->ty == STEER_A ? DNS_TYPE_A : DNS_TYPE_AAAA,
		                 got, GS_ARRAY_LEN(got), &ttl);
	if (n) {
		const struct steer_decision *d = &dec->d;
		const char *why =
		        d->fail_open ? "failover_ttl: every datacenter is down, failing open"
		        : d->failover && d->pick >= STEER_PICK_REPICK
		                ? "failover_ttl: the group member the client network's hash names "
		                  "is down (or a datacenter ahead of the group)"
		        : d->failover ? "failover_ttl: a datacenter ahead of the chosen one is down"
		                      : "the service's ttl: no datacenter ahead of the chosen one "
		                        "is down";
		kv_put(out, "ttl", KV_F(KV_UINT("value", ttl)), "%u (%s)", ttl, why);
		if (ttl != d->ttl)
			mismatch(out, dec, "answer TTL %u, the decision's %u", ttl, d->ttl);
		return;
	}
	const ldns_rr_list *an = ldns_pkt_answer(e->pkt);
	if (ldns_rr_list_rr_count(an) == 0) {
		kv_put(out, "ttl", KV_F(KV_RAW("value", "null")), "none (no answer records)");
		return;
	}
	uint32_t min = UINT32_MAX;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		uint32_t t = ldns_rr_ttl(ldns_rr_list_rr(an, i));
		min = t < min ? t : min;
	}
	kv_put(out, "ttl", KV_F(KV_UINT("value", min)),
	       "%u (from the zone file; the lowest in the answer)", min);
}

static void explain_scope(struct kv *out, const struct explain_req *req, const struct ex_env *e,
                          const struct ex_reply *r, struct ex_decision *dec)
{
	if (!r->has_ecs) {
		const char *why = !req->has_subnet ? "no ECS option was sent"
		                  : e->snap->ecs_ignored
		                          ? "geoip.client_subnet is false: ECS ignored"
		                          : "no ECS option in the response";
		kv_put(out, "scope", KV_F(KV_RAW("value", "null")), "none (%s)", why);
		if (req->has_subnet && !e->snap->ecs_ignored && r->rcode == LDNS_RCODE_NOERROR)
			mismatch(out, dec, "the query's ECS option was not echoed");
		return;
	}
	struct netaddr a = {.family = r->ecs.family == DNS_ECS_FAMILY_IPV4 ? AF_INET : AF_INET6};
	memcpy(a.addr, r->ecs.addr, r->ecs.addr_len);
	char text[NETADDR_TEXT_MAX];
	netaddr_format(&a, text);
	kv_put(out, "scope", KV_F(KV_UINT("value", r->ecs_scope), KV_UINT("source", r->ecs.source)),
	       "%u (ECS option in the response: %s/%u scope %u)", r->ecs_scope, text, r->ecs.source,
	       r->ecs_scope);
	unsigned want = dec->steered ? dec->d.scope : 0;
	if (!req->has_subnet)
		mismatch(out, dec, "an ECS option came back but none was sent");
	else if (e->snap->ecs_ignored)
		mismatch(out, dec, "ECS is ignored (geoip.client_subnet: false) but was echoed");
	else if (r->ecs_scope != want)
		mismatch(out, dec, "response scope %u, the decision's %u", r->ecs_scope, want);
}

/* Runs the query through answer_packet: UDP first, as a resolver would; when the
 * response is truncated, again as over TCP. Returns false when the server drops it. */
static bool ask(struct ex_env *e, const struct explain_req *req, const uint8_t *q, size_t qlen,
                struct ex_reply *r, FILE *err)
{
	uint8_t *buf = e->buf;
	struct sockaddr_storage ss;
	client_sockaddr(&req->client, &ss);
	bool tcp = req->tcp;
	size_t len = answer_packet(e->snap, e->ctx, q, qlen, (const struct sockaddr *)&ss, tcp, buf,
	                           tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX);
	r->transport = tcp ? "tcp" : "udp";
	if (len >= 3 && !tcp && (wire_get_u16(buf + 2) & DNS_FLAG_TC)) {
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

int explain_snapshot(const struct explain_req *req, const struct snapshot *snap,
                     const struct geo_db *db, const char *health_note, FILE *outf, FILE *err)
{
	struct ex_env e = {.snap = snap, .db = db, .health_note = health_note};
	uint8_t qname[DNAME_MAX];
	size_t qname_len;
	if (dname_from_text(req->name, NULL, qname, &qname_len) != GS_OK) {
		fprintf(err, "explain: '%s' is not a valid domain name\n", req->name);
		return EXPLAIN_LOAD_ERROR;
	}
	e.ctx = answer_ctx_new();
	e.buf = xmalloc(ANSWER_TCP_MAX);

	uint8_t q[512];
	size_t qlen = build_query(req, qname, qname_len, q);
	char name_text[DNAME_TEXT_MAX], type_text[32], client_text[NETADDR_TEXT_MAX];
	dname_to_text(qname, name_text);
	char *tstr = ldns_rr_type2str((ldns_rr_type)req->qtype);
	snprintf(type_text, sizeof(type_text), "%s", tstr ? tstr : "?");
	free(tstr);
	netaddr_format(&req->client, client_text);

	struct ex_reply r = {0};
	bool answered = ask(&e, req, q, qlen, &r, err);
	struct kv *out = kv_new(req->json ? KV_JSON : KV_TEXT, outf, 12);
	kv_put(out, "query",
	       KV_F(KV_STR("name", name_text), KV_STR("class", "IN"), KV_STR("type", type_text)),
	       "%s IN %s", name_text, type_text);
	kv_put(out, "transport", KV_NONE, "%s", answered ? r.transport : req->tcp ? "tcp" : "udp");
	kv_put(out, "client", KV_F(KV_STR("address", client_text)),
	       "%s (the query's source address)", client_text);
	if (req->has_subnet) {
		char s[NETADDR_TEXT_MAX], sub[NETADDR_TEXT_MAX + 8];
		netaddr_format(&req->subnet.a, s);
		snprintf(sub, sizeof(sub), "%s/%u", s, req->subnet.len);
		kv_put(out, "ecs",
		       KV_F(KV_STR("subnet", sub), KV_BOOL("ignored", snap->ecs_ignored)),
		       "%s sent%s", sub,
		       !snap->ecs_ignored ? "" : " (ignored: geoip.client_subnet is false)");
	} else {
		kv_put(out, "ecs", KV_F(KV_STR("subnet", NULL), KV_BOOL("ignored", false)), "none");
	}
	if (!answered) {
		kv_put(out, "rcode", KV_NONE, "none (the server sends no response to this query)");
		if (req->tail)
			req->tail(req->tail_arg, out);
		kv_finish(out);
		ex_close(&e);
		return EXPLAIN_ANSWERED;
	}
	r.rcode = ldns_pkt_get_rcode(e.pkt);
	read_ecs(e.pkt, &r);
	dname_lower(qname);
	/* RFC 1034 4.3.2 step 3a: a CNAME is chased unless the question asked for it
	 * (CNAME) or for everything at the name (ANY). */
	if (req->qtype != LDNS_RR_TYPE_CNAME && req->qtype != DNS_TYPE_ANY)
		follow_chain(e.pkt, qname, r.target);
	else
		memcpy(r.target, qname, dname_len(qname));

	struct ex_decision dec = {0};
	if (!dname_equal(r.target, qname)) {
		char tt[DNAME_TEXT_MAX];
		dname_to_text(r.target, tt);
		kv_put(out, "target", KV_F(KV_STR("name", tt)),
		       "%s (after the CNAME records in the answer)", tt);
	}
	const struct steer_table *t = e.snap->steer;
	const struct steer_name *sn = t ? steer_find(t, r.target, dname_len(r.target)) : NULL;
	if (sn && sn->svc) {
		explain_service(out, &e, req, &r, sn, &dec);
		if (dec.steered)
			explain_signature(out, &e, sn, r.target, &dec);
	} else if (sn)
		kv_put(out, "service", KV_F(KV_STR("name", NULL)),
		       "none (an empty non-terminal above a steered name: NODATA)");
	else
		kv_put(out, "service", KV_F(KV_STR("name", NULL)),
		       "none (not a steered name: answered from the zone file)");

	const ldns_rr_list *an = ldns_pkt_answer(e.pkt);
	if (ldns_rr_list_rr_count(an) == 0)
		kv_empty(out, "answer", "none");
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		print_rr(out, "answer", ldns_rr_list_rr(an, i));
	const ldns_rr_list *ns = ldns_pkt_authority(e.pkt);
	kv_array(out, "authority");
	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++)
		print_rr(out, "authority", ldns_rr_list_rr(ns, i));
	explain_ttl(out, &e, &r, &dec);
	explain_scope(out, req, &e, &r, &dec);
	const ldns_lookup_table *rc = ldns_lookup_by_id(ldns_rcodes, (int)r.rcode);
	kv_put(out, "rcode", KV_F(KV_STR("", rc ? rc->name : "?")), "%s", rc ? rc->name : "?");
	kv_array(out, "mismatch");

	int status = dec.mismatches ? EXPLAIN_MISMATCH : EXPLAIN_ANSWERED;
	if (status == EXPLAIN_ANSWERED && req->tail)
		req->tail(req->tail_arg, out);
	kv_finish(out);
	ex_close(&e);
	return status;
}

int explain_offline(const struct explain_req *req, FILE *out, FILE *err)
{
	struct ex_loaded l = {0};
	if (load(req->config, req->quiet, &l, err) != GS_OK) {
		loaded_close(&l);
		return EXPLAIN_LOAD_ERROR;
	}
	char note[512];
	if (l.health)
		snprintf(note, sizeof(note),
		         "offline: forces from the state file %s; no monitor runs (a checked "
		         "address is up until its first result)",
		         l.cfg->state_file);
	else
		snprintf(note, sizeof(note),
		         "offline: no monitor runs (a checked address is up until its first "
		         "result)");
	int status = explain_snapshot(req, l.snap, l.db, note, out, err);
	loaded_close(&l);
	return status;
}

bool explain_parse_subnet(const char *text, struct netprefix *out)
{
	char buf[NETADDR_TEXT_MAX];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen >= sizeof(buf))
		return false;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (netaddr_parse(buf, &out->a) != GS_OK)
		return false;
	unsigned bits = netaddr_bits(&out->a), len = bits;
	if (slash) {
		const char *p = slash + 1;
		if (*p < '0' || *p > '9')
			return false;
		unsigned long v = 0;
		for (; *p >= '0' && *p <= '9' && v <= bits; p++)
			v = v * 10 + (unsigned long)(*p - '0');
		if (*p || v > bits)
			return false;
		len = (unsigned)v;
	}
	out->len = (uint8_t)len;
	for (unsigned i = len; i < 128; i++)
		out->a.addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return true;
}

bool explain_parse_type(const char *text, uint16_t *out)
{
	ldns_rr_type t = ldns_get_rr_type_by_name(text);
	if (t == 0)
		return false;
	*out = (uint16_t)t;
	return true;
}

/* The value of option word w[*i] ("--client X" or "--client=X"); advances *i past it. */
static const char *opt_value(char *const *w, size_t n, size_t *i, const char *opt)
{
	size_t len = strlen(opt);
	if (strncmp(w[*i], opt, len) != 0)
		return NULL;
	if (w[*i][len] == '=')
		return w[*i] + len + 1;
	if (w[*i][len] != '\0' || *i + 1 >= n)
		return NULL;
	(*i)++;
	return w[*i];
}

int explain_parse_words(char *const *w, size_t n, struct explain_req *req, char *why, size_t cap)
{
	const char *pos[2];
	size_t n_pos = 0;
	bool has_client = false;
	memset(req, 0, sizeof(*req));
	req->qtype = DNS_TYPE_A;
	for (size_t i = 0; i < n; i++) {
		const char *v;
		if (strncmp(w[i], "--", 2) != 0) {
			if (n_pos == GS_ARRAY_LEN(pos)) {
				snprintf(why, cap, "unexpected argument '%.64s'", w[i]);
				return GS_EINVAL;
			}
			pos[n_pos++] = w[i];
		} else if (strcmp(w[i], "--tcp") == 0) {
			req->tcp = true;
		} else if (strcmp(w[i], "--json") == 0) {
			req->json = true;
		} else if ((v = opt_value(w, n, &i, "--client"))) {
			if (netaddr_parse(v, &req->client) != GS_OK) {
				snprintf(why, cap,
				         "--client: '%.64s' is not an IPv4 or IPv6 address", v);
				return GS_EINVAL;
			}
			has_client = true;
		} else if ((v = opt_value(w, n, &i, "--subnet"))) {
			if (!explain_parse_subnet(v, &req->subnet)) {
				snprintf(why, cap, "--subnet: '%.64s' is not ADDRESS/LENGTH", v);
				return GS_EINVAL;
			}
			req->has_subnet = true;
		} else {
			snprintf(why, cap, "unknown option or missing value: '%.64s'", w[i]);
			return GS_EINVAL;
		}
	}
	if (n_pos == 0) {
		snprintf(why, cap, "which NAME?");
		return GS_EINVAL;
	}
	req->name = pos[0];
	if (n_pos == 2 && !explain_parse_type(pos[1], &req->qtype)) {
		snprintf(why, cap, "'%.64s' is not a record type", pos[1]);
		return GS_EINVAL;
	}
	if (!has_client) {
		snprintf(why, cap, "--client IP is required");
		return GS_EINVAL;
	}
	return GS_OK;
}
