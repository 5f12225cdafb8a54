/* SPDX-License-Identifier: MIT
 * answer.c -- the query path: parse (query.c), decide, render (render.c). Resolution
 * of class IN questions against the snapshot's zones: exact answers, CNAME chains,
 * wildcards, referrals with glue, DS at cuts, NXDOMAIN/NODATA, ANY per RFC 8482;
 * CHAOS identity names; EDNS, ECS echo, truncation and counters. Steered names
 * (docs/design.md, rules 1-3): A/AAAA from the datacenter steer.c chooses for the
 * client, with the ECS scope of that choice; other types from the zone. DNS Cookies
 * (cookie.c) and response rate limiting over UDP (rrl.c) when configured. DNSSEC
 * (dnssec.c): with DO=1, a signed zone's RRSIGs and NSEC/NSEC3 proofs.
 * Worker threads: no allocation, no locks, no logging per packet. */
#include "server/query/answer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/base/dname.h"
#include "server/base/xalloc.h"
#include "server/query/chaos.h"
#include "server/query/cookie.h"
#include "server/query/dnssec.h"
#include "server/query/edns.h"
#include "server/query/fast.h"
#include "server/query/query.h"
#include "server/query/render.h"
#include "server/query/rrl.h"
#include "server/query/steer.h"
#include "zones/zone.h"
#include "zones/zoneset.h"

/* Most CNAME records one answer carries. RFC 1034 3.6.2 lets chains exist but does not
 * bound them; 8 follows common resolver practice and bounds the work per query (a loop
 * in the zone data stops here at the latest). */
#define ANSWER_CNAME_MAX 8u

/* Requestors advertising less than this get it anyway (RFC 6891 6.2.5). */
#define ANSWER_UDP_MIN 512u

struct answer_ctx {
	struct answer_stats stats;
	struct steer_counts counts; /* steered answers by service, datacenter and decision */
	struct query q;
	struct render r;
	uint8_t name_lc[DNAME_MAX]; /* lowercase copy of a CNAME or NS target */
	const struct sockaddr *src; /* the query's source address, for steering */
	/* Round-robin position for steered answers: rot_own, or the one of the context
	 * it shares with (answer_ctx_share_rotation); relaxed loads and stores. */
	uint32_t *rot;
	uint32_t rot_own;
	struct rrl_table *rrl; /* this worker's rate limiting buckets */
	uint32_t now_sec;      /* answer_ctx_tick */
	uint64_t now_ms;
	uint8_t cookie[COOKIE_REPLY_LEN]; /* the COOKIE option of the response */
	/* The query has DO=1 and the zone being answered from is signed: RRSIGs and
	 * proofs go with the answer (RFC 4035 section 3.1). */
	bool dnssec;
	struct answer_note *note; /* dnstap is on: record steering decisions here */
};

/* How the response turns out; filled by the resolution functions. */
struct reply {
	unsigned rcode; /* 12-bit extended RCODE */
	bool aa;
	bool echo_ecs;     /* answered from zone data: echo the ECS option */
	uint8_t ecs_scope; /* SCOPE PREFIX-LENGTH for that echo; 0 = valid for everyone */
};

/* Counters have one writer (this worker) and are read by the stats/metrics code on
 * other threads: relaxed atomic stores keep that free of data races at the cost of a
 * plain load and store. Readers use __atomic_load_n(..., __ATOMIC_RELAXED). */
static inline void stat_inc(uint64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

struct answer_ctx *answer_ctx_new(void)
{
	struct answer_ctx *ctx = xcalloc(1, sizeof(struct answer_ctx));
	ctx->rrl = rrl_table_new();
	ctx->rot = &ctx->rot_own;
	steer_count_attach(&ctx->counts);
	return ctx;
}

void answer_ctx_share_rotation(struct answer_ctx *ctx, struct answer_ctx *with)
{
	ctx->rot = with->rot;
}

void answer_ctx_set_note(struct answer_ctx *ctx, struct answer_note *note)
{
	ctx->note = note;
}

void answer_ctx_count_dnstap_full(struct answer_ctx *ctx)
{
	stat_inc(&ctx->stats.dnstap_full);
}

void answer_ctx_count_dnstap_done(struct answer_ctx *ctx, bool written, uint64_t n)
{
	uint64_t *c = written ? &ctx->stats.dnstap_written : &ctx->stats.dnstap_lost;
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
	c = &ctx->stats.dnstap_sent;
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

void answer_ctx_free(struct answer_ctx *ctx)
{
	if (!ctx)
		return;
	rrl_table_free(ctx->rrl);
	steer_count_detach(&ctx->counts);
	free(ctx);
}

void answer_ctx_tick(struct answer_ctx *ctx)
{
	struct timespec wall, mono;
	clock_gettime(CLOCK_REALTIME_COARSE, &wall);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
	answer_ctx_set_time(ctx, (uint32_t)wall.tv_sec,
	                    (uint64_t)mono.tv_sec * 1000u + (uint64_t)mono.tv_nsec / 1000000u);
}

void answer_ctx_set_time(struct answer_ctx *ctx, uint32_t unix_sec, uint64_t mono_ms)
{
	ctx->now_sec = unix_sec;
	ctx->now_ms = mono_ms;
}

const struct answer_stats *answer_ctx_stats(const struct answer_ctx *ctx)
{
	return &ctx->stats;
}

/* Copies name (an rdata name in zone-file case) into ctx->name_lc, lowercased; returns
 * its length. */
static size_t lower_copy(struct answer_ctx *ctx, const uint8_t *name)
{
	size_t len = dname_len(name);
	wire_copy_lower(ctx->name_lc, name, len);
	return len;
}

/* True when name_lc (lowercase, len bytes) is z's origin or lies below it. */
static bool in_zone(const uint8_t *name_lc, size_t len, const struct zone *z)
{
	if (len < z->origin_len)
		return false;
	size_t p = 0, at = len - z->origin_len;
	while (p < at)
		p += name_lc[p] + 1u;
	return p == at && memcmp(name_lc + at, z->origin, z->origin_len) == 0;
}

/* RFC 2308 section 3: NXDOMAIN and NODATA carry the zone's SOA in the authority
 * section, with the negative-caching TTL (section 5) as its TTL. */
static inline __attribute__((always_inline)) void add_soa_sec(struct answer_ctx *ctx,
                                                              const struct zone *z, const bool sec)
{
	render_rrset(&ctx->r, RENDER_AUTHORITY, z->origin, z->soa, z->neg_ttl);
	if (GS_UNLIKELY(sec))
		dnssec_sigs(&ctx->r, RENDER_AUTHORITY, z->origin, z->soa, z->neg_ttl);
}

static void add_soa(struct answer_ctx *ctx, const struct zone *z)
{
	add_soa_sec(ctx, z, ctx->dnssec);
}

/* Writes set at owner in the answer section, with its RRSIGs when the answer is signed
 * (sec: ctx->dnssec, a constant where the caller is specialised for it). */
static inline __attribute__((always_inline)) void add_answer(struct answer_ctx *ctx,
                                                             const uint8_t *owner,
                                                             const struct zone_rrset *set,
                                                             const bool sec)
{
	render_rrset(&ctx->r, RENDER_ANSWER, owner, set, set->ttl);
	if (GS_UNLIKELY(sec))
		dnssec_sigs(&ctx->r, RENDER_ANSWER, owner, set, set->ttl);
}

/* True when the query asked for DNSSEC records (RFC 3225: the DO bit of its OPT). */
static bool wants_dnssec(const struct query *q)
{
	return q->edns.present && q->edns.do_bit;
}

static bool node_is(const struct zone_node *n, const uint8_t *name_lc, size_t name_len)
{
	return n->name_len == name_len && memcmp(n->name, name_lc, name_len) == 0;
}

/* A steered answer while no datacenter of the client's list is up, by the service's
 * all_down policy (design rule 2): open answers as if every one were up (the caller
 * goes on with the fail-open decision, false here), servfail is SERVFAIL, nodata is
 * NOERROR with the SOA (a zone geosteer signs refuses nodata: its NSEC bitmap lists
 * the steered types). Cold: only when everything is down. */
static GS_NOINLINE bool answer_all_down(struct answer_ctx *ctx, const struct zone *z,
                                        const struct steer_name *sn, struct reply *rep)
{
	uint8_t policy = sn->svc->all_down;
	stat_inc(&ctx->stats.all_down[policy < 3 ? policy : 0]);
	switch (policy) {
	case CFG_ALL_DOWN_SERVFAIL:
		rep->rcode = DNS_RCODE_SERVFAIL;
		rep->aa = false;
		return true;
	case CFG_ALL_DOWN_NODATA:
		add_soa(ctx, z);
		if (GS_UNLIKELY(ctx->dnssec) && sn->node)
			dnssec_nodata(&ctx->r, z, sn->node);
		return true;
	default:
		return false;
	}
}

/* dnstap is on: keeps the decision for the message written after the answer. */
static GS_NOINLINE void note_steered(struct answer_note *n, const struct snapshot *snap,
                                     const struct steer_service *svc,
                                     const struct steer_decision *dec, enum steer_type ty)
{
	n->svc = svc;
	n->steer = snap->steer;
	n->gen = snap->generation;
	n->dec = *dec;
	n->ty = (uint8_t)ty;
}

/* Answers the question at steered name svc (owner: the name as it is to be written,
 * qname or a CNAME target) when its type is one steering decides: A or AAAA, and ANY,
 * for which RFC 8482 4.1 lets us pick one RRset: the steered A set for this client, or
 * the AAAA set when no datacenter of the client's list has an A address. Sets the ECS
 * scope to that of the client's list (design rule 3), also for NODATA: another client's
 * list may have addresses of the type. Returns false when the zone answers instead. */
static bool answer_steered(const struct snapshot *snap, struct answer_ctx *ctx,
                           const struct zone *z, const struct steer_name *sn, const uint8_t *owner,
                           struct reply *rep)
{
	const struct steer_service *svc = sn->svc;
	uint16_t qtype = ctx->q.qtype;
	enum steer_type ty;
	if (qtype == DNS_TYPE_A || qtype == DNS_TYPE_ANY)
		ty = STEER_A;
	else if (qtype == DNS_TYPE_AAAA)
		ty = STEER_AAAA;
	else
		return false;
	struct steer_client client;
	steer_locate(&ctx->q.edns, !snap->ecs_ignored, ctx->src, &client);
	struct steer_decision dec;
	steer_decide(snap->steer, svc, &client, ty, &dec);
	if (!dec.dc && qtype == DNS_TYPE_ANY) {
		ty = STEER_AAAA;
		steer_decide(snap->steer, svc, &client, ty, &dec);
	}
	rep->ecs_scope = dec.scope;
	if (GS_UNLIKELY(ctx->note != NULL) && !ctx->note->svc)
		note_steered(ctx->note, snap, svc, &dec, ty);
	if (GS_UNLIKELY(dec.fail_open) && answer_all_down(ctx, z, sn, rep))
		return true;
	if (!dec.dc) {
		if (qtype == DNS_TYPE_ANY)
			return false; /* no addresses at all: the zone's RRsets, if any */
		add_soa(ctx, z);      /* design rule 2: NODATA */
		if (GS_UNLIKELY(ctx->dnssec) && sn->node)
			dnssec_nodata(&ctx->r, z, sn->node);
		return true;
	}
	/* Counted once addresses go out: fail open is 2, failover 1, normal 0, plus 3 times
	 * the weighted pick, by the kind of rule the geo lookup found too, in the same
	 * counter (steer_count.h). */
	steer_count_add(&ctx->counts, dec.dc->count,
	                STEER_COUNT_CELL(((unsigned)dec.failover | (unsigned)dec.fail_open << 1) +
	                                         STEER_COUNT_DECISIONS * (unsigned)dec.pick,
	                                 dec.hit.rule));
	/* The worker's round-robin position, shared by its UDP and TCP threads. */
	uint32_t rot = __atomic_load_n(ctx->rot, __ATOMIC_RELAXED);
	__atomic_store_n(ctx->rot, rot + 1, __ATOMIC_RELAXED);
	if (GS_UNLIKELY(ctx->dnssec) && sn->sigs && dec.dc->n[ty] <= STEER_SIGN_ADDRS_MAX) {
		/* The set served and its signature, made at load for exactly that set (or the
		 * largest signed set of addresses that are up: steer_sigs_pick). The RRSIG
		 * goes out with the TTL of the set, which may be below its original TTL. */
		uint64_t mask = steer_served_mask(snap->steer, &dec, ty);
		const struct zone_rrset *sig = steer_sigs_pick(
		        &sn->sigs[(size_t)(dec.dc - svc->dcs) * STEER_N_TYPES + ty], &mask);
		steer_render_mask(&dec, ty, &ctx->r, RENDER_ANSWER, owner, rot, mask);
		if (sig)
			render_rrset(&ctx->r, RENDER_ANSWER, owner, sig, dec.ttl);
		return true;
	}
	steer_render(snap->steer, &dec, ty, &ctx->r, RENDER_ANSWER, owner, rot);
	return true;
}

/* The rest of an answer at a name of the steering hash once answer_steered has
 * declined it (a type steering does not decide), given how the zone matched the name
 * (m): the zone's node when there is one, NODATA otherwise -- never NXDOMAIN and never
 * a wildcard synthesis, since the name exists (RFC 4592 2.2.2, RFC 8020); that holds
 * for the empty non-terminals above steered names too. Returns false when the caller
 * answers from the zone as usual. */
static bool answer_steer_name(struct answer_ctx *ctx, const struct zone *z, enum zone_match m)
{
	/* steer_build.c refuses steered names at or below a cut, so DELEGATION only comes
	 * from an empty non-terminal's own lookup, which the zone answers. */
	if (m == ZONE_MATCH_DELEGATION || m == ZONE_MATCH_EXACT)
		return false;
	add_soa(ctx, z);
	return true;
}

/* RFC 4592 3.3.1: a wildcard answers only for names whose closest encloser is its
 * parent. A name of the steering hash between name_lc and the wildcard's parent is a
 * closer encloser the zone file does not know of, with no wildcard below it, so
 * name_lc does not exist. Only called for wildcard matches in zones with steering. */
static bool steer_hides_wildcard(const struct steer_table *t, const uint8_t *name_lc,
                                 const struct zone_node *wild)
{
	unsigned parent = dname_labels(wild->name) - 1u;
	for (unsigned keep = dname_labels(name_lc) - 1u; keep > parent; keep--) {
		const uint8_t *up = dname_suffix(name_lc, keep);
		if (steer_find(t, up, dname_len(up)))
			return true;
	}
	return false;
}

/* The lookup of a name that answer_in and follow_cname share: steering first, then the
 * zone. Returns true when that has answered already: a steered A/AAAA set (or its
 * NODATA), or NODATA at a name of the steering hash. Otherwise returns false with *m
 * and *hit the zone's match for name_lc, where a wildcard that a steered name hides
 * (steer_hides_wildcard) has become NXDOMAIN. owner is the name as it is to be written
 * (qname or a CNAME target), name_lc its lowercase copy of name_len bytes; off and
 * labels are its label offsets when the caller has them (the question), off is NULL
 * otherwise. fe: the question's steered entry of the fast table, which knows the steering
 * entry already (NULL: look it up). Inlined, so that each caller keeps its own zone
 * lookup without a test. */
static inline __attribute__((always_inline)) bool
lookup_with_steering(const struct snapshot *snap, struct answer_ctx *ctx, const struct zone *z,
                     const uint8_t *owner, const uint8_t *name_lc, size_t name_len,
                     const uint8_t *off, unsigned labels, const struct fast_name *fe,
                     struct reply *rep, struct zone_hit *hit, enum zone_match *m)
{
	const struct steer_name *sn = fe            ? fe->steer
	                              : snap->steer ? steer_find(snap->steer, name_lc, name_len)
	                                            : NULL;
	if (sn && sn->svc && answer_steered(snap, ctx, z, sn, owner, rep))
		return true;
	enum zone_match found = off ? zone_lookup_split(z, name_lc, name_len, off, labels, hit)
	                            : zone_lookup(z, name_lc, hit);
	*m = found;
	if (sn)
		return answer_steer_name(ctx, z, found);
	if (GS_UNLIKELY(found == ZONE_MATCH_WILDCARD) && snap->steer &&
	    steer_hides_wildcard(snap->steer, name_lc, hit->node))
		*m = ZONE_MATCH_NXDOMAIN;
	return false;
}

/* Follows a CNAME chain from target (the rdata of the CNAME just written, in zone-file
 * case) through every zone of the snapshot (RFC 1034 4.3.2 step 3a, applied across the
 * zones we are authoritative for, since the answer is authoritative data either way).
 * Stops when the target leaves our zones or reaches a delegation (the resolver follows
 * those itself), at ANSWER_CNAME_MAX records, or when the chain comes back to a node
 * already answered. A chain ending in a name that does not exist is NXDOMAIN (RFC 6604
 * section 3); one ending in NODATA carries that zone's SOA. */
static void follow_cname(const struct snapshot *snap, struct answer_ctx *ctx, const uint8_t *target,
                         const struct zone_node *first, struct reply *rep)
{
	const struct zone_node *seen[ANSWER_CNAME_MAX + 1];
	unsigned n_seen = 0, n_cname = 1;
	uint16_t qtype = ctx->q.qtype;
	if (first)
		seen[n_seen++] = first;
	for (;;) {
		size_t lc_len = lower_copy(ctx, target);
		const uint8_t *lc = ctx->name_lc;
		const struct zone *z = zoneset_find(&snap->zones, lc);
		if (!z)
			return;
		if (z->origin != ctx->r.origin)
			render_origin_forget(&ctx->r); /* its name_above count from z's origin */
		ctx->dnssec = z->dnssec && wants_dnssec(&ctx->q);
		/* A target that is steered is answered for this client, with the scope of
		 * that decision (docs/design.md rule 3). */
		struct zone_hit hit;
		enum zone_match m;
		if (lookup_with_steering(snap, ctx, z, target, lc, lc_len, NULL, 0, NULL, rep, &hit,
		                         &m))
			return;
		if (m == ZONE_MATCH_NXDOMAIN) {
			rep->rcode = DNS_RCODE_NXDOMAIN;
			add_soa(ctx, z);
			if (GS_UNLIKELY(ctx->dnssec))
				dnssec_nxdomain(&ctx->r, z, lc, lc_len, hit.encloser);
			return;
		}
		if (m == ZONE_MATCH_DELEGATION)
			return;
		const struct zone_node *node = hit.node;
		bool is_wild = m == ZONE_MATCH_WILDCARD;
		if (m == ZONE_MATCH_EXACT) {
			for (unsigned i = 0; i < n_seen; i++)
				if (seen[i] == node)
					return; /* loop */
			seen[n_seen++] = node;
		}
		const struct zone_rrset *set = zone_node_rrset(node, qtype);
		if (set) {
			add_answer(ctx, target, set, ctx->dnssec);
			if (GS_UNLIKELY(ctx->dnssec && is_wild))
				dnssec_wildcard(&ctx->r, z, lc, lc_len, node, false);
			return;
		}
		const struct zone_rrset *cname = zone_node_rrset(node, DNS_TYPE_CNAME);
		if (!cname) {
			add_soa(ctx, z);
			if (GS_UNLIKELY(ctx->dnssec)) {
				if (is_wild)
					dnssec_wildcard(&ctx->r, z, lc, lc_len, node, true);
				else
					dnssec_nodata(&ctx->r, z, node);
			}
			return;
		}
		if (n_cname == ANSWER_CNAME_MAX)
			return;
		add_answer(ctx, target, cname, ctx->dnssec);
		if (GS_UNLIKELY(ctx->dnssec && is_wild))
			dnssec_wildcard(&ctx->r, z, lc, lc_len, node, false);
		n_cname++;
		target = cname->rdata[0].data;
	}
}

/* Answers from node (qname itself, or the wildcard that synthesises it: the owner is
 * always qname, RFC 4592 section 3.4). sec is ctx->dnssec, a constant in each of the two
 * copies answer_zone makes, so that unsigned answers test nothing for DNSSEC. */
static inline __attribute__((always_inline)) void
answer_node(const struct snapshot *snap, struct answer_ctx *ctx, const struct zone *z,
            const struct zone_node *node, bool exact, struct reply *rep, const bool sec)
{
	const struct query *q = &ctx->q;
	if (q->qtype == DNS_TYPE_ANY) {
		/* RFC 8482 section 4.1: answer ANY with a subset of the node's RRsets. We
		 * send exactly one, the one with the lowest type number (the node keeps
		 * them sorted) other than the RRSIGs (signatures of other sets, sent with
		 * the one chosen when DO=1), over UDP and TCP alike: predictable, cheap,
		 * and never a large amplifier. An empty non-terminal is NODATA. */
		if (node->n_rrsets == 0) {
			add_soa_sec(ctx, z, sec);
			if (GS_UNLIKELY(sec))
				dnssec_nodata(&ctx->r, z, node);
			return;
		}
		const struct zone_rrset *any = &node->rrsets[0];
		if (GS_UNLIKELY(any->type == DNS_TYPE_RRSIG) && node->n_rrsets > 1)
			any++;
		add_answer(ctx, q->qname, any, sec);
		if (GS_UNLIKELY(sec) && !exact)
			dnssec_wildcard(&ctx->r, z, q->qname_lc, q->qname_len, node, false);
		return;
	}
	const struct zone_rrset *set = zone_node_rrset(node, q->qtype);
	if (set) {
		add_answer(ctx, q->qname, set, sec);
		if (GS_UNLIKELY(sec) && !exact)
			dnssec_wildcard(&ctx->r, z, q->qname_lc, q->qname_len, node, false);
		return;
	}
	const struct zone_rrset *cname =
	        q->qtype == DNS_TYPE_CNAME ? NULL : zone_node_rrset(node, DNS_TYPE_CNAME);
	if (cname) {
		add_answer(ctx, q->qname, cname, sec);
		if (GS_UNLIKELY(sec) && !exact)
			dnssec_wildcard(&ctx->r, z, q->qname_lc, q->qname_len, node, false);
		follow_cname(snap, ctx, cname->rdata[0].data, exact ? node : NULL, rep);
		return;
	}
	add_soa_sec(ctx, z, sec); /* NODATA: NOERROR, no answer */
	if (GS_UNLIKELY(sec)) {
		if (exact)
			dnssec_nodata(&ctx->r, z, node);
		else
			dnssec_wildcard(&ctx->r, z, q->qname_lc, q->qname_len, node, true);
	}
}

/* RFC 1034 4.3.2 step 3b: a referral. Not authoritative; the cut's NS RRset in the
 * authority section, and the addresses of the name servers that live inside this zone
 * (glue, found even below the cut) in the additional section. Glue that does not fit
 * makes the response truncated as a whole (render rolls back), which is what RFC 9471
 * requires for in-domain glue. */
static void referral(struct answer_ctx *ctx, const struct zone *z, const struct zone_node *cut,
                     struct reply *rep)
{
	rep->aa = false;
	const struct zone_rrset *ns = zone_node_rrset(cut, DNS_TYPE_NS);
	if (!ns)
		return; /* not a cut after all; zone_lookup never says so */
	render_rrset(&ctx->r, RENDER_AUTHORITY, cut->name, ns, ns->ttl);
	if (GS_UNLIKELY(ctx->dnssec)) {
		/* RFC 4035 3.1.4: the DS RRset with its RRSIG, or the proof that the child
		 * is unsigned. */
		const struct zone_rrset *ds = zone_node_rrset(cut, DNS_TYPE_DS);
		if (ds) {
			render_rrset(&ctx->r, RENDER_AUTHORITY, cut->name, ds, ds->ttl);
			dnssec_sigs(&ctx->r, RENDER_AUTHORITY, cut->name, ds, ds->ttl);
		} else {
			dnssec_no_ds(&ctx->r, z, cut);
		}
	}
	for (uint16_t k = 0; k < ns->count; k++) {
		const uint8_t *target = ns->rdata[k].data;
		size_t target_len = lower_copy(ctx, target);
		const uint8_t *target_lc = ctx->name_lc;
		if (!in_zone(target_lc, target_len, z))
			continue;
		const struct zone_node *glue = zone_find(z, target_lc);
		if (!glue)
			continue;
		const struct zone_rrset *a = zone_node_rrset(glue, DNS_TYPE_A);
		const struct zone_rrset *aaaa = zone_node_rrset(glue, DNS_TYPE_AAAA);
		if (a)
			render_rrset(&ctx->r, RENDER_ADDITIONAL, target, a, a->ttl);
		if (aaaa)
			render_rrset(&ctx->r, RENDER_ADDITIONAL, target, aaaa, aaaa->ttl);
	}
}

/* The answer from zone z for the question (answer_in has found z). sec: ctx->dnssec, a
 * constant in each of the two copies. */
static inline __attribute__((always_inline)) void
answer_zone(const struct snapshot *snap, struct answer_ctx *ctx, const struct zone *z,
            const struct fast_name *fe, struct reply *rep, const bool sec)
{
	const struct query *q = &ctx->q;
	/* A steered A/AAAA query needs no zone lookup: steer_build.c made sure that the
	 * zone neither delegates the name away nor holds addresses or a CNAME for it. */
	struct zone_hit hit;
	enum zone_match m;
	if (lookup_with_steering(snap, ctx, z, q->qname, q->qname_lc, q->qname_len, q->qname_off,
	                         q->qname_labels, fe, rep, &hit, &m))
		return;
	switch (m) {
	case ZONE_MATCH_EXACT:
		answer_node(snap, ctx, z, hit.node, true, rep, sec);
		break;
	case ZONE_MATCH_WILDCARD:
		answer_node(snap, ctx, z, hit.node, false, rep, sec);
		break;
	case ZONE_MATCH_DELEGATION:
		if (q->qtype == DNS_TYPE_DS && node_is(hit.node, q->qname_lc, q->qname_len)) {
			const struct zone_rrset *ds = zone_node_rrset(hit.node, DNS_TYPE_DS);
			if (ds) {
				add_answer(ctx, q->qname, ds, sec);
			} else {
				add_soa_sec(ctx, z, sec);
				if (GS_UNLIKELY(sec))
					dnssec_no_ds(&ctx->r, z, hit.node);
			}
			break;
		}
		referral(ctx, z, hit.node, rep);
		break;
	case ZONE_MATCH_NXDOMAIN:
		rep->rcode = DNS_RCODE_NXDOMAIN;
		add_soa_sec(ctx, z, sec);
		if (GS_UNLIKELY(sec))
			dnssec_nxdomain(&ctx->r, z, q->qname_lc, q->qname_len, hit.encloser);
		break;
	}
}

/* Class IN: the zones. fe: the question's steered entry of the fast table (its zone
 * and steering entry known), or NULL. */
static void answer_in(const struct snapshot *snap, struct answer_ctx *ctx,
                      const struct fast_name *fe, struct reply *rep)
{
	const struct query *q = &ctx->q;
	/* Zone transfers are not offered (no secondaries to serve); RFC 5936 section 3.2
	 * lets a server refuse them. */
	if (q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR || !snap) {
		rep->rcode = DNS_RCODE_REFUSED;
		return;
	}
	const struct zone *z = fe ? fe->zone
	                          : zoneset_find_split(&snap->zones, q->qname_lc, q->qname_len,
	                                               q->qname_off, q->qname_labels);
	if (!z) {
		rep->rcode = DNS_RCODE_REFUSED; /* not ours; no AA (RFC 1035 4.1.1) */
		return;
	}
	/* DS lives on the parent side of a cut (RFC 4035 section 3.1.4.1): at a zone's
	 * apex, answer from the enclosing zone when we have it and it delegates here;
	 * otherwise the zone itself answers (NODATA). */
	if (q->qtype == DNS_TYPE_DS && q->qname_len == z->origin_len && q->qname_labels > 0) {
		const struct zone *parent =
		        zoneset_find(&snap->zones, q->qname_lc + q->qname_lc[0] + 1);
		struct zone_hit cut;
		if (parent && zone_lookup(parent, q->qname_lc, &cut) == ZONE_MATCH_DELEGATION &&
		    node_is(cut.node, q->qname_lc, q->qname_len))
			z = parent;
	}
	rep->aa = true;
	rep->echo_ecs = true;
	render_origin(&ctx->r, z->origin, z->origin_len,
	              z->origin_labels); /* qname is at or below it */
	if (GS_UNLIKELY(z->dnssec != NULL) && wants_dnssec(q)) {
		ctx->dnssec = true;
		answer_zone(snap, ctx, z, fe, rep, true);
	} else {
		ctx->dnssec = false;
		answer_zone(snap, ctx, z, fe, rep, false);
	}
}

/* Class CH: id.server. and hostname.bind. when an identity is configured. Other types
 * at those names get an empty NOERROR; everything else in CH is REFUSED. */
static void answer_ch(const struct snapshot *snap, struct answer_ctx *ctx, struct reply *rep)
{
	const struct query *q = &ctx->q;
	if (!snap || !snap->identity || !chaos_is_identity_name(q->qname_lc)) {
		rep->rcode = DNS_RCODE_REFUSED;
		return;
	}
	rep->aa = true;
	if (q->qtype == DNS_TYPE_TXT || q->qtype == DNS_TYPE_ANY)
		chaos_render(&ctx->r, q->qname, snap->identity, snap->identity_len);
}

/* The UDP response size limit: RFC 6891 6.2.3 (the requestor's payload size, never
 * less than 512, 6.2.5) capped at what we are willing to send; 512 without EDNS
 * (RFC 1035 4.2.1). TCP takes anything that fits the buffer and the 16-bit length. */
static size_t size_limit(const struct query *q, bool tcp, size_t out_cap)
{
	size_t limit;
	if (tcp) {
		limit = ANSWER_TCP_MAX;
	} else if (q->edns.present) {
		limit = q->edns.payload < ANSWER_UDP_MIN ? ANSWER_UDP_MIN : q->edns.payload;
		if (limit > ANSWER_UDP_MAX)
			limit = ANSWER_UDP_MAX;
	} else {
		limit = ANSWER_UDP_MIN;
	}
	return limit < out_cap ? limit : out_cap;
}

/* Fills in the COOKIE option of the response (RFC 7873 5.2, server cookie as in RFC
 * 9018): the client cookie with our server cookie, whether the query had none, a valid
 * one or one that is not valid. We never require cookies, so a missing or invalid
 * server cookie changes nothing else in the response (RFC 7873 5.2.3 and 5.2.4 for a
 * server that does not enforce them) and BADCOOKIE is never sent. Returns true for a
 * valid server cookie. A malformed COOKIE option makes the response FORMERR instead
 * (cookies on; without them it is an unknown option). */
static bool answer_cookie(struct answer_ctx *ctx, const uint8_t *secret, const struct sockaddr *src,
                          bool tcp, struct edns_reply *opt, struct reply *rep)
{
	struct answer_stats *st = &ctx->stats;
	const struct query *q = &ctx->q;
	if (q->edns.cookie_bad) {
		if (rep->rcode == DNS_RCODE_NOERROR)
			rep->rcode = DNS_RCODE_FORMERR; /* RFC 7873 5.2.2 */
		return false;
	}
	if (tcp)
		answer_ctx_tick(ctx); /* the UDP loop ticks once per batch */
	enum cookie_state cs = cookie_answer(secret, q->edns.cookie, q->edns.cookie_len, src,
	                                     ctx->now_sec, ctx->cookie);
	if (cs == COOKIE_VALID)
		stat_inc(&st->cookie_valid);
	else if (cs == COOKIE_INVALID)
		stat_inc(&st->cookie_invalid);
	else
		stat_inc(&st->cookie_new);
	opt->cookie = ctx->cookie;
	opt->cookie_len = COOKIE_REPLY_LEN;
	return cs == COOKIE_VALID;
}

/* Accounts the response to the rate limiter, keyed as rrl.h describes: answers by
 * question name and type, NXDOMAIN by zone, errors by client network alone. */
static enum rrl_action rate_limit(const struct snapshot *snap, struct answer_ctx *ctx,
                                  const struct reply *rep, const struct sockaddr *src)
{
	const struct query *q = &ctx->q;
	enum rrl_kind kind = RRL_KIND_ERROR;
	uint64_t name = 0;
	if (rep->rcode == DNS_RCODE_NOERROR) {
		kind = RRL_KIND_ANSWER;
		if (q->has_question)
			name = rrl_name_hash(q->qname_lc, q->qname_len, q->qtype);
	} else if (rep->rcode == DNS_RCODE_NXDOMAIN) {
		/* Looked up again rather than remembered by answer_in, so that queries
		 * without rate limiting pay nothing for it. */
		kind = RRL_KIND_NXDOMAIN;
		const struct zone *z = zoneset_find(&snap->zones, q->qname_lc);
		if (z)
			name = rrl_name_hash(z->origin, z->origin_len, 0);
	}
	return rrl_account(ctx->rrl, snap->rrl, src, kind, name, ctx->now_ms);
}

/* True when q is a question the fast table (fast.h) may answer: class IN, not a zone
 * transfer, and nothing in its OPT record that the pre-rendered answers ignore (DO is
 * judged per entry: fast_name.signed_zone). */
static inline bool fast_usable(const struct snapshot *snap, const struct query *q)
{
	if (q->qclass != DNS_CLASS_IN || q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR)
		return false;
	return !q->edns.present ||
	       !(q->edns.version > 0 || (q->edns.want_nsid && snap->identity) ||
	         ((q->edns.has_cookie | q->edns.cookie_bad) && snap->cookie_secret));
}

/* Suffixes of a missing name looked up for its closest enclosing entry: a name deeper
 * than that below an existing one takes the general path, so that a long made-up name
 * costs a few lookups, not one per label. */
#define FAST_WALK_MAX 4u

/* For a name the fast table does not hold: the answer below its closest enclosing
 * entry, found by walking up the question's suffixes, when that entry has one and the
 * label under it allows it (fast_below_fits); NULL otherwise. */
static const struct fast_below *fast_below_find(const struct fast_table *t, const struct query *q)
{
	unsigned n = q->qname_labels < FAST_WALK_MAX + 1u ? q->qname_labels : FAST_WALK_MAX + 1u;
	for (unsigned i = 1; i < n; i++) {
		const struct fast_name *e =
		        fast_find(t, q->qname_lc + q->qname_off[i], q->qname_len - q->qname_off[i]);
		if (!e)
			continue;
		if (q->edns.do_bit && e->signed_zone)
			return NULL;
		if (e->below && q->qname_labels <= e->below->max_labels &&
		    fast_below_fits(e->below, q->qname_lc + q->qname_off[i - 1]))
			return e->below;
		return NULL;
	}
	return NULL;
}

/* Writes the response to q from blob: the question as the client sent it, the body
 * when it fits (otherwise TC and no records, as render_rollback leaves it), the OPT
 * record and the header. below: the blob answers names below an entry (struct
 * fast_below), its pointers to be moved by the length of q's name; NULL otherwise.
 * The bytes answer_packet's general path would write; 0 when rate limiting drops the
 * response, SIZE_MAX when the general path must decide. */
static size_t fast_write(struct answer_ctx *ctx, const struct snapshot *snap,
                         const struct fast_blob *blob, const struct fast_below *below,
                         const uint8_t *q_msg, const struct sockaddr *src, bool tcp, uint8_t *out,
                         size_t out_cap)
{
	struct answer_stats *st = &ctx->stats;
	const struct query *q = &ctx->q;
	size_t limit = size_limit(q, tcp, out_cap);
	struct edns_reply opt = {.do_bit = q->edns.do_bit};
	size_t opt_len = 0;
	if (q->edns.present) {
		opt.ecs = q->edns.has_ecs && !snap->ecs_ignored ? &q->edns.ecs : NULL;
		opt_len = edns_reply_len(&opt);
	}
	size_t qsec = q->qname_len + 4u;
	size_t pos = DNS_HEADER_LEN + qsec;
	if (pos + opt_len > limit)
		return SIZE_MAX; /* the general path decides */
	uint16_t flags =
	        (uint16_t)(DNS_FLAG_QR | blob->flags |
	                   (q->flags & (DNS_FLAG_OPCODE_MASK | DNS_FLAG_RD | DNS_FLAG_CD)));
	memcpy(out + DNS_HEADER_LEN, q_msg + DNS_HEADER_LEN, qsec);
	uint16_t an = 0, ns = 0, ar = 0;
	bool body = pos + blob->len + opt_len <= limit;
	if (!body) {
		flags |= DNS_FLAG_TC;
		if (!tcp)
			stat_inc(&st->truncated);
	}
	/* Rate limiting as answer_packet does it (a query with a cookie, which might
	 * exempt it, never gets here while cookies are on). */
	if (!tcp && snap->rrl) {
		struct reply rep = {.rcode = blob->flags & DNS_FLAG_RCODE_MASK};
		enum rrl_action act = rate_limit(snap, ctx, &rep, src);
		if (act == RRL_DROP) {
			stat_inc(&st->rrl_dropped);
			return 0;
		}
		if (act == RRL_SLIP) {
			body = false;
			flags |= DNS_FLAG_TC;
			stat_inc(&st->rrl_slipped);
		}
	}
	if (body) {
		memcpy(out + pos, blob->body, blob->len);
		if (below) {
			uint16_t d = (uint16_t)(q->qname_len - below->qlen);
			for (unsigned i = 0; i < below->n_ptrs; i++) {
				uint8_t *p = out + pos + below->ptrs[i];
				wire_put_u16(p, (uint16_t)(wire_get_u16(p) + d));
			}
		}
		pos += blob->len;
		an = blob->count[0];
		ns = blob->count[1];
		ar = blob->count[2];
	}
	if (q->edns.present) {
		struct wire_wr w;
		wire_wr_init(&w, out, limit);
		w.pos = pos;
		edns_write(&w, &opt, ANSWER_UDP_MAX);
		pos = w.pos;
		ar++;
	}
	stat_inc(&st->rcode[blob->flags & DNS_FLAG_RCODE_MASK]);
	wire_put_u16(out, q->id);
	wire_put_u16(out + 2, flags);
	wire_put_u16(out + 4, 1);
	wire_put_u16(out + 6, an);
	wire_put_u16(out + 8, ns);
	wire_put_u16(out + 10, ar);
	return pos;
}

/* The RCODE of a query query_parse did not pass as QUERY_ANSWER. */
static unsigned verdict_rcode(const struct snapshot *snap, const struct query *q,
                              enum query_verdict verdict)
{
	if (verdict == QUERY_NOTIMP)
		return DNS_RCODE_NOTIMP;
	if (verdict == QUERY_COOKIE && snap && snap->cookie_secret)
		return q->edns.version > 0 ? DNS_RCODE_BADVERS : DNS_RCODE_NOERROR;
	/* Malformed, or a cookie request with cookies off (RFC 9619: one question). */
	return DNS_RCODE_FORMERR;
}

/* Sets aside the room of the OPT record of the response, before any record is written,
 * so that records can be dropped for it and never the other way round; fills opt. It
 * holds NSID when asked and known, and the ECS echo when the query had one (reserved
 * even if this turns out to be an answer that does not echo it; 8 to 24 bytes), and a
 * server cookie (*cookie_ok: the client's cookie proves its address). Returns the OPT
 * record's length (0 without EDNS). Inlined: it runs for every query. */
static inline __attribute__((always_inline)) size_t
reserve_opt(const struct snapshot *snap, struct answer_ctx *ctx, const struct sockaddr *src,
            bool tcp, size_t base_len, size_t limit, struct edns_reply *opt, struct reply *rep,
            bool *cookie_ok)
{
	const struct query *q = &ctx->q;
	if (!q->edns.present)
		return 0;
	if (q->edns.want_nsid && snap && snap->identity) {
		opt->nsid = snap->identity;
		opt->nsid_len = snap->identity_len;
	}
	/* RFC 7871 7.2.1: a server that has not enabled ECS ignores the option and MUST
	 * NOT send one back (geoip.client_subnet: false). */
	opt->ecs = q->edns.has_ecs && !(snap && snap->ecs_ignored) ? &q->edns.ecs : NULL;
	if (GS_UNLIKELY(q->edns.has_cookie | q->edns.cookie_bad) && snap && snap->cookie_secret)
		*cookie_ok = answer_cookie(ctx, snap->cookie_secret, src, tcp, opt, rep);
	size_t opt_len = edns_reply_len(opt);
	if (base_len + opt_len > limit && opt->nsid) {
		opt->nsid = NULL; /* a long identity must not crowd out the question */
		opt_len = edns_reply_len(opt);
	}
	return opt_len;
}

/* Response rate limiting of one UDP response (server/query/rrl.h): returns false when
 * it is dropped; a slipped one loses its records (back to after_question) and gets TC,
 * small, and a real client retries over TCP. */
static bool apply_rrl(const struct snapshot *snap, struct answer_ctx *ctx, const struct reply *rep,
                      const struct sockaddr *src, const struct render_mark *after_question,
                      uint16_t *flags)
{
	struct answer_stats *st = &ctx->stats;
	enum rrl_action act = rate_limit(snap, ctx, rep, src);
	if (act == RRL_DROP) {
		stat_inc(&st->rrl_dropped);
		return false;
	}
	if (act == RRL_SLIP) {
		render_rollback(&ctx->r, after_question);
		*flags |= DNS_FLAG_TC;
		stat_inc(&st->rrl_slipped);
	}
	return true;
}

size_t answer_packet(const struct snapshot *snap, struct answer_ctx *ctx, const uint8_t *q_msg,
                     size_t qlen, const struct sockaddr *src, bool tcp, uint8_t *out,
                     size_t out_cap)
{
	struct answer_stats *st = &ctx->stats;
	struct query *q = &ctx->q;
	struct render *r = &ctx->r;
	stat_inc(&st->queries);
	if (tcp)
		stat_inc(&st->tcp);
	else
		stat_inc(&st->udp);

	q->edns.ignore_ecs = snap && snap->ecs_ignored;
	enum query_verdict verdict = query_parse(q, q_msg, qlen);
	if (verdict == QUERY_DROP || out_cap < DNS_HEADER_LEN) {
		stat_inc(&st->dropped);
		return 0;
	}
	if (q->edns.present)
		stat_inc(&st->edns);
	if (q->edns.has_ecs)
		stat_inc(&st->ecs);
	const struct fast_name *fe = NULL; /* a steered name's entry, for answer_in */
	if (GS_LIKELY(verdict == QUERY_ANSWER) && snap && snap->fast && fast_usable(snap, q)) {
		fe = fast_find(snap->fast, q->qname_lc, q->qname_len);
		const struct fast_below *below = NULL;
		const struct fast_blob *blob;
		if (fe) {
			blob = q->edns.do_bit && fe->signed_zone ? NULL
			                                         : fast_blob_of(fe, q->qtype);
		} else {
			below = fast_below_find(snap->fast, q);
			blob = below ? below->blob : NULL;
		}
		if (blob) {
			size_t len =
			        fast_write(ctx, snap, blob, below, q_msg, src, tcp, out, out_cap);
			if (len != SIZE_MAX)
				return len;
		}
		if (fe && !fe->steer)
			fe = NULL;
	}

	struct reply rep = {.rcode = DNS_RCODE_NOERROR};
	if (GS_UNLIKELY(verdict != QUERY_ANSWER))
		rep.rcode = verdict_rcode(snap, q, verdict);
	else if (q->edns.present && q->edns.version > 0)
		rep.rcode = DNS_RCODE_BADVERS; /* RFC 6891 6.1.3, no answer */

	size_t limit = size_limit(q, tcp, out_cap);
	struct edns_reply opt = {.do_bit = q->edns.do_bit};
	size_t base_len = DNS_HEADER_LEN + (q->has_question ? q->qname_len + 4u : 0u);
	bool cookie_ok = false; /* a valid server cookie: the source address is genuine */
	size_t opt_len = reserve_opt(snap, ctx, src, tcp, base_len, limit, &opt, &rep, &cookie_ok);
	if (base_len + opt_len > limit) {
		stat_inc(&st->dropped); /* cannot even echo the question; out_cap below contract */
		return 0;
	}

	render_init(r, out, limit - opt_len);
	if (q->has_question)
		render_question(r, q->qname, q->qname_len, q->qname_off, q->qname_labels, q->qtype,
		                q->qclass);
	struct render_mark after_question = render_mark(r);
	if (verdict == QUERY_ANSWER && rep.rcode == DNS_RCODE_NOERROR) {
		ctx->src = src;
		if (q->qclass == DNS_CLASS_IN)
			answer_in(snap, ctx, fe, &rep);
		else if (q->qclass == DNS_CLASS_CH)
			answer_ch(snap, ctx, &rep);
		else
			rep.rcode = DNS_RCODE_REFUSED;
	}

	uint16_t flags =
	        (uint16_t)(DNS_FLAG_QR |
	                   (q->flags & (DNS_FLAG_OPCODE_MASK | DNS_FLAG_RD | DNS_FLAG_CD)));
	if (render_is_full(r)) {
		/* RFC 2181 section 9 / RFC 6891 7: never a partial RRset; over UDP the
		 * client retries over TCP. Only a >64 KiB answer gets here over TCP. */
		render_rollback(r, &after_question);
		flags |= DNS_FLAG_TC;
		if (!tcp)
			stat_inc(&st->truncated);
	}
	if (rep.aa)
		flags |= DNS_FLAG_AA;
	flags |= (uint16_t)(rep.rcode & DNS_FLAG_RCODE_MASK);
	/* Rate limiting: UDP only (a TCP client's address is proven by the handshake), and
	 * not for a client whose valid server cookie proves the same for this datagram. */
	if (!tcp && snap && snap->rrl && !cookie_ok &&
	    !apply_rrl(snap, ctx, &rep, src, &after_question, &flags))
		return 0;

	if (q->edns.present) {
		opt.ext_rcode = (uint8_t)(rep.rcode >> 4);
		if (!rep.echo_ecs)
			opt.ecs = NULL;
		opt.ecs_scope = rep.ecs_scope;
		render_opt(r, limit, &opt, ANSWER_UDP_MAX);
	}
	if (rep.rcode < GS_ARRAY_LEN(st->rcode))
		stat_inc(&st->rcode[rep.rcode]);
	return render_finish(r, q->id, flags, q->has_question ? 1 : 0);
}

static uint64_t load_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void answer_stats_sum(struct answer_ctx *const *ctx, unsigned n, struct answer_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < n; i++) {
		const struct answer_stats *st = answer_ctx_stats(ctx[i]);
		sum->queries += load_u64(&st->queries);
		sum->dropped += load_u64(&st->dropped);
		sum->truncated += load_u64(&st->truncated);
		sum->udp += load_u64(&st->udp);
		sum->tcp += load_u64(&st->tcp);
		sum->edns += load_u64(&st->edns);
		sum->ecs += load_u64(&st->ecs);
		sum->rrl_dropped += load_u64(&st->rrl_dropped);
		sum->rrl_slipped += load_u64(&st->rrl_slipped);
		sum->cookie_new += load_u64(&st->cookie_new);
		sum->cookie_valid += load_u64(&st->cookie_valid);
		sum->cookie_invalid += load_u64(&st->cookie_invalid);
		sum->dnstap_sent += load_u64(&st->dnstap_sent);
		sum->dnstap_full += load_u64(&st->dnstap_full);
		sum->dnstap_written += load_u64(&st->dnstap_written);
		sum->dnstap_lost += load_u64(&st->dnstap_lost);
		for (size_t p = 0; p < GS_ARRAY_LEN(sum->all_down); p++)
			sum->all_down[p] += load_u64(&st->all_down[p]);
		for (size_t r = 0; r < GS_ARRAY_LEN(sum->rcode); r++)
			sum->rcode[r] += load_u64(&st->rcode[r]);
	}
}

const char *answer_rcode_name(unsigned r)
{
	/* RFC 1035 section 4.1.1, RFC 2136 section 2.2, RFC 6891 section 9 (BADVERS). */
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                                    "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	                                    "NXRRSET", "NOTAUTH", "NOTZONE"};
	if (r < GS_ARRAY_LEN(names))
		return names[r];
	return r == 16 ? "BADVERS" : NULL;
}
