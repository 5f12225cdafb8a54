/* SPDX-License-Identifier: MIT
 * fast_build.c -- builds the table of pre-rendered responses (fast.h) by asking answer_packet
 * itself, over TCP so that nothing is truncated, one question per name and distinct
 * type; the part after the question is kept. The answers are then the general path's
 * own bytes. Load thread only; allocates in the snapshot's arena. */
#include <config.h>

#include "server/load/fast_build.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"
#include "server/query/answer.h"
#include "server/query/fast.h"
#include "server/query/render.h"
#include "server/query/snapshot.h"
#include "server/query/steer.h"
#include "server/query/wire.h"
#include "zones/zone.h"
#include "zones/zoneset.h"

/* Most CNAME records a chain is followed for here; answer.c stops at the same count. */
#define FAST_CHAIN_MAX 8u
/* Most distinct types per name: a name with more is left to the general path. */
#define FAST_TYPES_MAX 64u

/* One distinct byte string of the table (a blob, a pointer list, a label list, a
 * below-answer), so that equal ones are stored once: NODATA and NXDOMAIN bodies differ
 * between names only by the question's length. */
struct interned {
	const void *p; /* arena */
	size_t len;
	uint64_t hash;
};

struct fast_builder {
	const struct snapshot *snap;
	struct arena *a;
	struct interned *set; /* open addressing, mask + 1 slots, at most half full */
	size_t set_mask, set_n;
	struct fast_blob *scratch; /* a blob being made: room for ANSWER_TCP_MAX bytes */
	bool any_signed;           /* some zone of the snapshot is signed */
	struct answer_ctx *ctx;
	struct answer_note note;
	struct sockaddr_in src;
	uint8_t query[DNS_HEADER_LEN + DNAME_MAX + 4];
	uint8_t *out; /* ANSWER_TCP_MAX bytes */
	size_t bytes;
};

static uint64_t bytes_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a 64 */
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return h;
}

/* The arena copy of p[0..len), shared with every equal string interned before. */
static const void *intern(struct fast_builder *b, const void *p, size_t len)
{
	if (2 * (b->set_n + 1) > b->set_mask + 1) {
		size_t n_slots = b->set_mask ? 2 * (b->set_mask + 1) : 1024;
		struct interned *set = xcalloc(n_slots, sizeof(*set));
		for (size_t i = 0; b->set_mask && i <= b->set_mask; i++) {
			if (!b->set[i].p)
				continue;
			size_t k = b->set[i].hash & (n_slots - 1);
			while (set[k].p)
				k = (k + 1) & (n_slots - 1);
			set[k] = b->set[i];
		}
		free(b->set);
		b->set = set;
		b->set_mask = n_slots - 1;
	}
	uint64_t h = bytes_hash(p, len);
	size_t k = h & b->set_mask;
	for (; b->set[k].p; k = (k + 1) & b->set_mask)
		if (b->set[k].hash == h && b->set[k].len == len && memcmp(b->set[k].p, p, len) == 0)
			return b->set[k].p;
	const void *copy = arena_memdup(b->a, p, len);
	b->set[k] = (struct interned){.p = copy, .len = len, .hash = h};
	b->set_n++;
	b->bytes += len;
	return copy;
}

/* Adds type to set[0..*n) unless it is there; false when the set is full. */
static bool type_add(uint16_t *set, unsigned *n, uint16_t type)
{
	for (unsigned i = 0; i < *n; i++)
		if (set[i] == type)
			return true;
	if (*n == FAST_TYPES_MAX)
		return false;
	set[(*n)++] = type;
	return true;
}

static bool node_types_add(const struct zone_node *node, uint16_t *set, unsigned *n)
{
	for (uint16_t i = 0; i < node->n_rrsets; i++)
		if (!type_add(set, n, node->rrsets[i].type))
			return false;
	return true;
}

/* The types whose answer at node may differ from that of any other type: its own, the
 * ones answer.c treats apart (CNAME, DS, ANY), and those of every name its CNAME chain
 * reaches (the chain ends in the set of the asked type there). False when the answer
 * depends on the client (the chain reaches a name of the steering hash) or the set
 * outgrows FAST_TYPES_MAX. */
static bool distinct_types(const struct fast_builder *b, const struct zone_node *node,
                           uint16_t *set, unsigned *n)
{
	*n = 0;
	/* Without a node (a name of the steering hash alone), every type answer.c treats
	 * apart; with one, CNAME only differs when the node has one (its own type), DS
	 * only at a cut, below one, or at an apex (the parent's side), ANY only when the
	 * node has an RRset. The default answer covers the others. */
	if (!node)
		return type_add(set, n, DNS_TYPE_CNAME) && type_add(set, n, DNS_TYPE_DS) &&
		       type_add(set, n, DNS_TYPE_ANY);
	if ((node->flags & (ZONE_NODE_APEX | ZONE_NODE_CUT | ZONE_NODE_OCCLUDED)) &&
	    !type_add(set, n, DNS_TYPE_DS))
		return false;
	if (node->n_rrsets && !type_add(set, n, DNS_TYPE_ANY))
		return false;
	if (!node_types_add(node, set, n))
		return false;
	const struct zone_rrset *cname = zone_node_rrset(node, DNS_TYPE_CNAME);
	uint8_t lc[DNAME_MAX];
	for (unsigned hop = 0; cname && hop < FAST_CHAIN_MAX; hop++) {
		const uint8_t *target = cname->rdata[0].data;
		size_t len = dname_len(target);
		wire_copy_lower(lc, target, len);
		if (b->snap->steer && steer_find(b->snap->steer, lc, len))
			return false;
		const struct zone *z = zoneset_find(&b->snap->zones, lc);
		if (!z)
			return true;
		struct zone_hit hit;
		enum zone_match m = zone_lookup(z, lc, &hit);
		if (m != ZONE_MATCH_EXACT && m != ZONE_MATCH_WILDCARD)
			return true;
		if (!node_types_add(hit.node, set, n))
			return false;
		cname = zone_node_rrset(hit.node, DNS_TYPE_CNAME);
	}
	return true;
}

/* answer_packet's response to (name, type) over TCP, as a blob; NULL when it cannot be
 * reused for every client (truncated, steered, not answered). */
static const struct fast_blob *render(struct fast_builder *b, const uint8_t *name, size_t name_len,
                                      uint16_t type)
{
	uint8_t *q = b->query;
	memset(q, 0, DNS_HEADER_LEN);
	wire_put_u16(q + 4, 1); /* QDCOUNT */
	memcpy(q + DNS_HEADER_LEN, name, name_len);
	size_t qlen = DNS_HEADER_LEN + name_len;
	wire_put_u16(q + qlen, type);
	wire_put_u16(q + qlen + 2, DNS_CLASS_IN);
	qlen += 4;
	b->note.svc = NULL;
	size_t len = answer_packet(b->snap, b->ctx, q, qlen, (const struct sockaddr *)&b->src, true,
	                           b->out, ANSWER_TCP_MAX);
	if (len < qlen || b->note.svc)
		return NULL;
	uint16_t flags = wire_get_u16(b->out + 2);
	if ((flags & DNS_FLAG_TC) || wire_get_u16(b->out + 4) != 1)
		return NULL;
	size_t body = len - qlen;
	struct fast_blob *blob = b->scratch;
	blob->flags = (uint16_t)(flags & (DNS_FLAG_AA | DNS_FLAG_RCODE_MASK));
	for (unsigned i = 0; i < 3; i++)
		blob->count[i] = wire_get_u16(b->out + 6 + 2 * i);
	blob->len = (uint16_t)body;
	memcpy(blob->body, b->out + qlen, body);
	return intern(b, blob, sizeof(*blob) + body);
}

/* Most compression pointers and labels a below-answer (struct fast_below) may have. */
#define FAST_PTRS_MAX   64u
#define FAST_LABELS_MAX 255u

/* What parse_body found in a below-answer. */
struct below_scan {
	unsigned spelt; /* labels written out, not by pointer: compression entries */
	uint16_t ptrs[FAST_PTRS_MAX];
	unsigned n_ptrs;
	uint8_t labels[FAST_LABELS_MAX];
	unsigned labels_len;
};

/* Notes the pointer at msg[pos] (a name's end) as body offset pos - body. */
static bool scan_ptr(struct below_scan *sc, size_t pos, size_t body)
{
	if (sc->n_ptrs == FAST_PTRS_MAX)
		return false;
	sc->ptrs[sc->n_ptrs++] = (uint16_t)(pos - body);
	return true;
}

/* Reads the name at msg[*pos] of the probe response msg[0..len): notes its pointer, if
 * it ends in one, and when the whole name lies below parent (parent_len bytes, lowercase),
 * the label right above parent. Advances *pos. */
static bool scan_name(struct below_scan *sc, const uint8_t *msg, size_t len, size_t *pos,
                      size_t body, const uint8_t *parent, size_t parent_len)
{
	size_t p = *pos;
	while (p < len && msg[p] != 0 && (msg[p] & 0xc0) == 0) {
		p += msg[p] + 1u;
		sc->spelt++;
	}
	if (p >= len)
		return false;
	if (msg[p] != 0 && (p + 2 > len || !scan_ptr(sc, p, body)))
		return false;
	size_t at = *pos;
	*pos = msg[p] == 0 ? p + 1 : p + 2;
	uint8_t name[DNAME_MAX];
	size_t name_len;
	if (dname_read_wire(msg, len, &at, name, &name_len) != GS_OK)
		return false;
	if (name_len <= parent_len)
		return true;
	uint8_t lc[DNAME_MAX];
	wire_copy_lower(lc, name, name_len);
	size_t q = 0, above = 0;
	while (q < name_len - parent_len) {
		above = q;
		q += lc[q] + 1u;
	}
	if (q != name_len - parent_len || memcmp(lc + q, parent, parent_len) != 0)
		return true;
	unsigned l = lc[above] + 1u;
	if (sc->labels_len + l > FAST_LABELS_MAX)
		return false;
	memcpy(sc->labels + sc->labels_len, lc + above, l);
	sc->labels_len += l;
	return true;
}

/* Finds the compression pointers of the records after the question of msg[0..len)
 * (from body on) and the labels right above parent in their names. Only the types a
 * negative answer or a referral carries are known: false for any other. */
static bool scan_body(struct below_scan *sc, const uint8_t *msg, size_t len, size_t body,
                      const uint8_t *parent, size_t parent_len)
{
	sc->n_ptrs = 0;
	sc->labels_len = 0;
	sc->spelt = 0;
	size_t pos = body;
	while (pos < len) {
		if (!scan_name(sc, msg, len, &pos, body, parent, parent_len) || len - pos < 10)
			return false;
		uint16_t type = wire_get_u16(msg + pos);
		uint16_t rdlen = wire_get_u16(msg + pos + 8);
		pos += 10;
		size_t end = pos + rdlen;
		if (end > len)
			return false;
		switch (type) {
		case DNS_TYPE_A:
		case DNS_TYPE_AAAA:
			break;
		case DNS_TYPE_NS:
			if (!scan_name(sc, msg, end, &pos, body, parent, parent_len))
				return false;
			break;
		case DNS_TYPE_SOA:
			if (!scan_name(sc, msg, end, &pos, body, parent, parent_len) ||
			    !scan_name(sc, msg, end, &pos, body, parent, parent_len))
				return false;
			break;
		default:
			return false;
		}
		pos = end;
	}
	return true;
}

/* True when the label (length byte first) is one of sc's labels, ignoring case. */
static bool scan_has_label(const struct below_scan *sc, const uint8_t *label)
{
	for (unsigned at = 0; at < sc->labels_len; at += sc->labels[at] + 1u)
		if (sc->labels[at] == label[0] &&
		    memcmp(sc->labels + at + 1, label + 1, label[0]) == 0)
			return true;
	return false;
}

/* The answer to the names below node that z does not hold (struct fast_below), or
 * NULL: node has a wildcard child (the answer then depends on the type), or no probe
 * name is free, or the answer is not one whose pointers scan_body can find. */
static const struct fast_below *build_below(struct fast_builder *b, const struct zone *z,
                                            const struct zone_node *node)
{
	if (node->name_len + 2u > DNAME_MAX)
		return NULL;
	uint8_t probe[DNAME_MAX];
	memcpy(probe + 2, node->name, node->name_len);
	size_t plen = node->name_len + 2u;
	probe[0] = 1;
	probe[1] = '*';
	if (zone_find(z, probe))
		return NULL;
	static const char letters[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	struct below_scan sc;
	for (const char *c = letters; *c; c++) {
		probe[1] = (uint8_t)*c;
		/* A name of z's that z does not hold: not a node, not steered, not in a
		 * deeper zone of the snapshot. */
		if (zone_find(z, probe) || zoneset_find(&b->snap->zones, probe) != z ||
		    (b->snap->steer && steer_find(b->snap->steer, probe, plen)))
			continue;
		const struct fast_blob *blob = render(b, probe, plen, 65280);
		if (!blob)
			return NULL;
		/* render left the whole response in b->out. */
		size_t body = DNS_HEADER_LEN + plen + 4u;
		if (!scan_body(&sc, b->out, body + blob->len, body, node->name, node->name_len))
			return NULL;
		if (scan_has_label(&sc, probe))
			continue;
		/* Pointers must stay within reach when moved by a longer name. */
		if (body + blob->len + DNAME_MAX > RENDER_PTR_MAX || sc.spelt >= RENDER_COMP_MAX)
			return NULL;
		struct fast_below bl;
		memset(&bl, 0, sizeof(bl)); /* padding too: the struct is interned as bytes */
		bl.blob = blob;
		bl.qlen = (uint8_t)plen;
		/* A question of more labels fills the compression table sooner; while
		 * it and the body's labels fit, the body is compressed as it was here. */
		bl.max_labels = (uint8_t)(RENDER_COMP_MAX - sc.spelt);
		bl.n_ptrs = (uint16_t)sc.n_ptrs;
		bl.ptrs = sc.n_ptrs ? intern(b, sc.ptrs, sc.n_ptrs * sizeof(*sc.ptrs)) : NULL;
		bl.labels_len = (uint16_t)sc.labels_len;
		bl.labels = sc.labels_len ? intern(b, sc.labels, sc.labels_len) : NULL;
		return intern(b, &bl, sizeof(bl));
	}
	return NULL;
}

/* True when type at a steered name is answered for each client (steer.h). */
static bool is_steered_type(uint16_t type)
{
	return type == DNS_TYPE_A || type == DNS_TYPE_AAAA || type == DNS_TYPE_ANY;
}

/* The entry for name (lowercase wire, len bytes), whose node in its zone is node (NULL:
 * none), or NULL when the general path answers it. sn: its steering entry when it is a
 * steered name (its A, AAAA and ANY answers are left to the general path, with the
 * hint), NULL otherwise. */
static struct fast_name *build_name(struct fast_builder *b, const uint8_t *name, size_t len,
                                    const struct zone_node *node, const struct zone *z,
                                    const struct steer_name *sn)
{
	uint16_t set[FAST_TYPES_MAX];
	unsigned n;
	if (!distinct_types(b, node, set, &n))
		return NULL;
	if (sn && (!type_add(set, &n, DNS_TYPE_A) || !type_add(set, &n, DNS_TYPE_AAAA) ||
	           !type_add(set, &n, DNS_TYPE_ANY)))
		return NULL;
	/* The default answer is asked with a private-use type (RFC 6895) the name has not. */
	uint16_t probe = 65280;
	for (unsigned i = 0; i < n; i++)
		if (set[i] == probe) {
			probe++;
			i = (unsigned)-1;
		}
	struct fast_type types[FAST_TYPES_MAX];
	unsigned n_types = 0;
	const struct fast_blob *dflt = render(b, name, len, probe);
	for (unsigned i = 0; i < n; i++) {
		const struct fast_blob *blob =
		        sn && is_steered_type(set[i]) ? NULL : render(b, name, len, set[i]);
		if (blob == dflt)
			continue; /* the default serves it (interned: equal is the same) */
		types[n_types++] = (struct fast_type){.type = set[i], .blob = blob};
	}
	struct fast_name *e = arena_alloc(b->a, sizeof(*e));
	e->name = name;
	e->len = (uint8_t)len;
	e->n_types = (uint8_t)n_types;
	e->types = n_types ? arena_memdup(b->a, types, n_types * sizeof(*types)) : NULL;
	e->dflt = dflt;
	/* A CNAME chain may lead into a signed zone: conservatively, any. So may a zone's
	 * apex: when its parent zone is served here too, the DS question at that name is
	 * the parent's (answered with the parent's proofs when it is signed). */
	e->signed_zone = z->dnssec != NULL ||
	                 (b->any_signed && ((node && zone_node_rrset(node, DNS_TYPE_CNAME)) ||
	                                    (node && (node->flags & ZONE_NODE_APEX))));
	if (sn) {
		e->zone = z;
		e->steer = sn;
	}
	b->bytes += sizeof(*e) + n_types * sizeof(*types);
	return e;
}

/* An entry that only says "the general path answers this name and those below it":
 * for names that build_name declines, so that the walk up from a name below them
 * (fast_below) stops there rather than at an ancestor's answer. */
static struct fast_name *marker(struct fast_builder *b, const uint8_t *name, size_t len)
{
	struct fast_name *e = arena_alloc(b->a, sizeof(*e));
	e->name = name;
	e->len = (uint8_t)len;
	b->bytes += sizeof(*e);
	return e;
}

/* Enters e. A name entered twice (which the loops below should never do) becomes a
 * marker: the general path answers it, whichever entry was right. */
static void table_add(struct fast_builder *b, struct fast_table *t, struct fast_slot *slots,
                      const struct fast_name *e)
{
	uint32_t h = fast_hash(e->name, e->len);
	uint32_t s = h & t->mask;
	for (; slots[s].e; s = (s + 1) & t->mask) {
		if (slots[s].hash == h && slots[s].e->len == e->len &&
		    memcmp(slots[s].e->name, e->name, e->len) == 0) {
			slots[s].e = marker(b, e->name, e->len);
			return;
		}
	}
	slots[s] = (struct fast_slot){.hash = h, .e = e};
	t->n_names++;
}

/* True when the name of node is answered from z: no deeper zone of the snapshot holds
 * it, and it is not in the steering hash (a steered name, or an empty non-terminal
 * above one: added from there). */
static bool answered_here(const struct fast_builder *b, const struct zone *z,
                          const struct zone_node *node)
{
	if (zoneset_find(&b->snap->zones, node->name) != z)
		return false;
	return !b->snap->steer || !steer_find(b->snap->steer, node->name, node->name_len);
}

const struct fast_table *fast_build(const struct snapshot *snap, struct arena *a)
{
	size_t n_names = 0;
	bool any_signed = false;
	for (size_t i = 0; i < snap->zones.n; i++) {
		const struct zone *z = snap->zones.zones[i];
		any_signed |= z->dnssec != NULL;
		if (n_names + z->n_nodes <= FAST_NAMES_MAX)
			n_names += z->n_nodes;
	}
	if (snap->steer)
		n_names += snap->steer->n_names;
	n_names += snap->zones.n; /* the markers of zones over the budget */
	if (n_names == 0)
		return NULL;
	struct fast_builder b = {.snap = snap, .a = a, .any_signed = any_signed};
	b.ctx = answer_ctx_new();
	answer_ctx_set_note(b.ctx, &b.note);
	b.src.sin_family = AF_INET;
	b.src.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b.out = xmalloc(ANSWER_TCP_MAX);
	b.scratch = xmalloc(sizeof(*b.scratch) + ANSWER_TCP_MAX);

	size_t n_slots = 16;
	while (n_slots < 2 * n_names)
		n_slots *= 2;
	struct fast_slot *slots = arena_alloc(a, n_slots * sizeof(*slots));
	struct fast_table *t = arena_alloc(a, sizeof(*t));
	t->mask = (uint32_t)(n_slots - 1);
	t->slots = slots;
	t->any_signed = any_signed;
	size_t budget = FAST_NAMES_MAX;
	for (size_t i = 0; i < snap->zones.n; i++) {
		const struct zone *z = snap->zones.zones[i];
		if (z->n_nodes > budget) {
			table_add(&b, t, slots, marker(&b, z->origin, z->origin_len));
			continue;
		}
		budget -= z->n_nodes;
		for (size_t k = 0; k < z->n_nodes; k++) {
			const struct zone_node *node = &z->nodes[k];
			if (!answered_here(&b, z, node))
				continue;
			struct fast_name *e =
			        build_name(&b, node->name, node->name_len, node, z, NULL);
			if (e)
				e->below = build_below(&b, z, node);
			else
				e = marker(&b, node->name, node->name_len);
			table_add(&b, t, slots, e);
		}
	}
	/* The names of the steering hash, in any zone: a steered name's types other than
	 * A, AAAA and ANY come from the zone, as do all of an empty non-terminal's. */
	for (size_t i = 0; snap->steer && i < snap->steer->n_names; i++) {
		const struct steer_name *sn = &snap->steer->names[i];
		const struct zone *z = zoneset_find(&snap->zones, sn->name);
		if (!z)
			continue;
		struct fast_name *e = build_name(&b, sn->name, sn->len, zone_find(z, sn->name), z,
		                                 sn->svc ? sn : NULL);
		table_add(&b, t, slots, e ? e : marker(&b, sn->name, sn->len));
	}
	t->bytes = b.bytes + n_slots * sizeof(*slots);
	free(b.out);
	free(b.scratch);
	free(b.set);
	answer_ctx_free(b.ctx);
	return t;
}
