/* SPDX-License-Identifier: MIT
 * render.h -- the response writer: header, question, resource records with name
 * compression (RFC 1035 4.1.4), a size limit with all-or-nothing rollback for
 * truncation, and the final header counts. Worker threads; no allocation: struct render
 * lives in the per-worker answer context and writes into the caller's buffer. */
#ifndef GS_RENDER_H
#define GS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/base/dns.h"
#include "server/query/edns.h"
#include "server/query/wire.h"
#include "zones/zone.h"

/* Compression table size. Each entry is a label spelt out in the response (not via a
 * pointer), linked to the entry of the suffix that follows it, so the table is a trie of
 * the suffixes written so far; a referral with a dozen NS names and glue uses about 40.
 * When the table is full, later names are still compressed against the entries already
 * there, just not recorded themselves. */
#define RENDER_COMP_MAX 128

/* Names remembered by source address (struct render.recent_src). */
#define RENDER_RECENT 4

/* Largest offset a compression pointer can express (14 bits). */
#define RENDER_PTR_MAX 0x3fffu

enum render_section { RENDER_ANSWER, RENDER_AUTHORITY, RENDER_ADDITIONAL, RENDER_N_SECTIONS };

struct render_comp {
	uint16_t off;   /* where the label (and so the suffix) starts in the response */
	uint8_t parent; /* entry of the rest of the suffix: index + 1, 0 = the root */
	uint8_t len;    /* the label's length byte */
};

/* Writer state. Records are written after the question; count[] becomes ANCOUNT,
 * NSCOUNT and ARCOUNT. Once a record does not fit (w.bad), the caller rolls back. */
struct render {
	struct wire_wr w;
	uint16_t count[RENDER_N_SECTIONS];
	unsigned n_comp;
	struct render_comp comp[RENDER_COMP_MAX];
	/* The last names written, by source address: the records of one RRset all pass
	 * the same owner pointer, answers pass the question's own bytes, and glue owners
	 * pass the NS record's target, so most names become a pointer without searching
	 * the table. NULL = no entry; filled round-robin. */
	const uint8_t *recent_src[RENDER_RECENT];
	uint16_t recent_off[RENDER_RECENT];
	unsigned recent_next;
	/* The question's name and offset. Its suffixes go into the table only when a
	 * name is first searched for: answers whose owners all point at the question
	 * never pay for it. */
	const uint8_t *q_name;
	const uint8_t *q_label_off; /* where each label starts, from the parse */
	uint16_t q_off;
	uint8_t q_len;
	uint8_t q_labels;
	bool q_pending;
	/* The origin of the question's zone (render_origin), NULL when not known, and the
	 * table entry of the question's copy of it (index + 1; 0 for the root). */
	const uint8_t *origin;
	uint8_t origin_len;
	unsigned origin_entry;
};

/* A point to roll back to: everything written after it is forgotten, including the
 * compression entries that point into it. */
struct render_mark {
	size_t pos;
	unsigned n_comp;
	uint16_t count[RENDER_N_SECTIONS];
};

/* Starts a response in buf; limit is the most the records may use (the caller keeps
 * room for the OPT record outside it). Leaves room for the 12-byte header. */
static inline void render_init(struct render *r, uint8_t *buf, size_t limit)
{
	wire_wr_init(&r->w, buf, limit);
	if (limit < DNS_HEADER_LEN)
		r->w.bad = true;
	else
		r->w.pos = DNS_HEADER_LEN;
	for (unsigned i = 0; i < RENDER_N_SECTIONS; i++)
		r->count[i] = 0;
	r->n_comp = 0;
	for (unsigned i = 0; i < RENDER_RECENT; i++)
		r->recent_src[i] = NULL;
	r->recent_next = 0;
	r->q_name = NULL;
	r->q_pending = false;
	r->origin = NULL;
	r->origin_entry = 0;
}

/* Copies the question (the name as the client spelt it) and records its suffixes for
 * compression, so answer owners become a pointer to offset 12 and keep the client's
 * case. qname has no compression pointers (query_parse refused them); label_off[i] is
 * where its label i starts (labels of them, root excluded: struct query.qname_off),
 * read when the suffixes are recorded, so it must stay valid until render_finish. */
static inline void render_question(struct render *r, const uint8_t *qname, size_t qname_len,
                                   const uint8_t *label_off, unsigned labels, uint16_t qtype,
                                   uint16_t qclass)
{
	/* Inline: it runs once per query and is mostly stores; a call with seven
	 * arguments cost more than its body. */
	size_t start = r->w.pos;
	wire_wr_bytes(&r->w, qname, qname_len);
	wire_wr_u16(&r->w, qtype);
	wire_wr_u16(&r->w, qclass);
	if (!r->w.bad) {
		r->q_name = qname;
		r->q_label_off = label_off;
		r->q_off = (uint16_t)start;
		r->q_len = (uint8_t)qname_len;
		r->q_labels = (uint8_t)labels;
		r->q_pending = true;
		r->recent_src[r->recent_next] = qname;
		r->recent_off[r->recent_next] = (uint16_t)start;
		r->recent_next = (r->recent_next + 1u) % RENDER_RECENT;
	}
}

/* Declares that the question's name is at or below origin (a zone's struct zone.origin:
 * origin_len bytes, origin_labels labels), after render_question, and that every RRset
 * render_rrset writes from then on is that zone's (until render_origin_forget). The
 * rdata names of those RRsets are compressed starting from the question's copy of the
 * origin (they carry zone_rdata.name_above), and origin itself becomes a pointer into
 * the question. The bytes written are the same as without the declaration, only found
 * sooner. */
static inline void render_origin(struct render *r, const uint8_t *origin, size_t origin_len,
                                 unsigned origin_labels)
{
	if (!r->q_name)
		return;
	/* comp_question records the question's suffixes root-most first, so the one with
	 * origin_labels labels is entry origin_labels - 1. */
	r->origin = origin;
	r->origin_len = (uint8_t)origin_len;
	r->origin_entry = origin_labels;
}

/* Declares that the RRsets rendered from here on may belong to another zone than the
 * one render_origin named (a CNAME chain that leaves it): their rdata names are then
 * compressed without the origin's help. Again, the bytes written stay the same. */
static inline void render_origin_forget(struct render *r)
{
	r->origin = NULL;
	r->origin_entry = 0;
}

/* Appends name (uncompressed wire format), compressed against what is already written. */
void render_name(struct render *r, const uint8_t *name) GS_NONNULL GS_HOT;

/* Appends every record of set with the given owner and TTL, class IN, compressing the
 * owner and the rdata names listed in zone_rdata.name_off. */
void render_rrset(struct render *r, enum render_section sec, const uint8_t *owner,
                  const struct zone_rrset *set, uint32_t ttl) GS_NONNULL GS_HOT;

/* Appends one record whose rdata is written verbatim (no embedded names to compress). */
void render_rr(struct render *r, enum render_section sec, const uint8_t *owner, uint16_t type,
               uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
        GS_NONNULLX(1, 3);

static inline bool render_is_full(const struct render *r)
{
	return r->w.bad;
}

static inline struct render_mark render_mark(const struct render *r)
{
	struct render_mark m = {.pos = r->w.pos, .n_comp = r->n_comp};
	for (unsigned i = 0; i < RENDER_N_SECTIONS; i++)
		m.count[i] = r->count[i];
	return m;
}

static inline void render_rollback(struct render *r, const struct render_mark *m)
{
	r->w.pos = m->pos;
	r->w.bad = false;
	r->n_comp = m->n_comp;
	/* The question's entries are always the first ones. */
	r->q_pending = r->q_name && r->n_comp == 0;
	for (unsigned i = 0; i < RENDER_N_SECTIONS; i++)
		r->count[i] = m->count[i];
	for (unsigned i = 0; i < RENDER_RECENT; i++)
		if (r->recent_off[i] >= m->pos)
			r->recent_src[i] = NULL;
}

/* Appends the OPT record for opt as the last record of the additional section (RFC
 * 6891 6.1.1), in the room up to cap that the caller kept outside the record limit
 * (cap >= the limit given to render_init, with edns_reply_len(opt) bytes to spare).
 * payload is the UDP payload size the OPT record advertises. */
static inline void render_opt(struct render *r, size_t cap, const struct edns_reply *opt,
                              uint16_t payload)
{
	r->w.cap = cap;
	edns_write(&r->w, opt, payload);
	r->count[RENDER_ADDITIONAL]++;
}

/* Writes the 12-byte header: id, flags (QR and the rest as the caller sets them, RCODE
 * in the low 4 bits), QDCOUNT and the section counts. Returns the response length. */
static inline size_t render_finish(struct render *r, uint16_t id, uint16_t flags, uint16_t qdcount)
{
	uint8_t *h = r->w.base;
	wire_put_u16(h, id);
	wire_put_u16(h + 2, flags);
	wire_put_u16(h + 4, qdcount);
	wire_put_u16(h + 6, r->count[RENDER_ANSWER]);
	wire_put_u16(h + 8, r->count[RENDER_AUTHORITY]);
	wire_put_u16(h + 10, r->count[RENDER_ADDITIONAL]);
	return r->w.pos;
}

#endif
