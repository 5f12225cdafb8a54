/* SPDX-License-Identifier: MIT
 * query.c -- parses a query message in place (RFC 1035 4.1): header, question, and a
 * validating walk over the remaining sections that picks up the OPT record.
 * Worker threads; no allocation, no logging. */
#include "server/query/query.h"

#include <string.h>

#include "server/base/err.h"
#include "server/query/wire.h"

/* Section indexes for the walk after the question. */
enum { SEC_AN, SEC_NS, SEC_AR, SEC_COUNT };

/* Reads the question at offset 12. The name must be plain labels: a compression pointer
 * in the first name of a message could only point into the header, so it is refused
 * rather than followed. Returns false when the question does not parse. */
static bool parse_question(struct query *q, struct wire_rd *r)
{
	const uint8_t *msg = r->base;
	size_t start = r->pos, p = start, end = r->len;
	/* The name ends before the message does and within DNAME_MAX bytes. */
	size_t lim = end - start < DNAME_MAX ? end : start + DNAME_MAX;
	unsigned labels = 0;
	/* Labels are checked first and copied in one go afterwards. p stays below lim at
	 * the top of the loop: a label must leave room after it for at least the root's
	 * length byte, so one compare per label covers both its own end and the next
	 * length byte. */
	if (p >= lim)
		return false;
	for (;;) {
		uint8_t l = msg[p];
		if (l == 0)
			break;
		if (l & 0xc0)
			return false; /* pointer or extended label type */
		if (lim - p <= l + 1u)
			return false;
		q->qname_off[labels++] = (uint8_t)(p - start);
		p += l + 1u;
	}
	p++;
	size_t o = p - start;
	wire_copy_lower(q->qname_lc, msg + start, o);
	q->qname = msg + start;
	q->qname_len = (uint8_t)o;
	q->qname_labels = (uint8_t)labels;
	if (end - p < 4) {
		r->bad = true;
		return false;
	}
	q->qtype = wire_get_u16(msg + p);
	q->qclass = wire_get_u16(msg + p + 2);
	r->pos = p + 4;
	return true;
}

/* Validates the records of the answer, authority and additional sections. Their content
 * is ignored except for OPT (RFC 6891 6.1.1: at most one, in the additional section,
 * owned by the root). Returns false when the message is malformed. Inlined into
 * query_parse, as it was when query_parse was its only caller: a call costs every
 * query with EDNS about 10 instructions. */
static inline __attribute__((always_inline)) bool walk_sections(struct query *q, struct wire_rd *r,
                                                                const uint16_t count[SEC_COUNT])
{
	if ((count[SEC_AN] | count[SEC_NS] | count[SEC_AR]) == 0)
		return r->pos == r->len; /* the common case: a question alone */
	if ((count[SEC_AN] | count[SEC_NS]) == 0 && count[SEC_AR] == 1) {
		/* The common EDNS query: one OPT record, owned by the root, ending the
		 * message. Read in place; anything else takes the walk below. */
		const uint8_t *p = r->base + r->pos;
		size_t left = r->len - r->pos;
		if (left >= EDNS_OPT_FIXED_LEN && p[0] == 0 &&
		    wire_get_u16(p + 1) == DNS_TYPE_OPT &&
		    left == EDNS_OPT_FIXED_LEN + wire_get_u16(p + 9)) {
			uint32_t ttl = (uint32_t)wire_get_u16(p + 5) << 16 | wire_get_u16(p + 7);
			if (edns_parse_opt(&q->edns, wire_get_u16(p + 3), ttl,
			                   p + EDNS_OPT_FIXED_LEN, wire_get_u16(p + 9)) != GS_OK) {
				q->opt_bad = true;
				return false;
			}
			r->pos = r->len;
			return true;
		}
	}
	uint8_t name[DNAME_MAX];
	size_t name_len;
	for (unsigned sec = SEC_AN; sec < SEC_COUNT; sec++) {
		for (unsigned i = 0; i < count[sec]; i++) {
			if (dname_read_wire(r->base, r->len, &r->pos, name, &name_len) != GS_OK)
				return false;
			uint16_t type = wire_rd_u16(r);
			uint16_t rclass = wire_rd_u16(r);
			uint32_t ttl = wire_rd_u32(r);
			uint16_t rdlen = wire_rd_u16(r);
			const uint8_t *rdata = wire_rd_take(r, rdlen);
			if (r->bad)
				return false;
			if (type != DNS_TYPE_OPT)
				continue;
			bool dup = q->edns.present;
			int rc = edns_parse_opt(&q->edns, rclass, ttl, rdata, rdlen);
			if (dup || sec != SEC_AR || name_len != 1 || rc != GS_OK) {
				q->opt_bad = true;
				return false;
			}
		}
	}
	return r->pos == r->len; /* trailing bytes after the counted records */
}

/* A QUERY whose question section is not one question that parses: FORMERR. The rest of
 * the message is still read past the question(s) for an OPT record, so that the FORMERR
 * carries one when the query had one (RFC 6891 section 7: a requestor that sent OPT
 * gets OPT back, and can tell a server without EDNS from a format error); without a
 * readable one the FORMERR has none. r is at the first question; qdcount names, each
 * with its type and class, are skipped (compression pointers followed, as in any
 * other record).
 * Also the one QUERY without a question that is not malformed (RFC 7873 5.4): QDCOUNT
 * 0 and nothing but an OPT record with a COOKIE option, which asks for a server
 * cookie. Kept off the common path. */
static GS_COLD GS_NOINLINE enum query_verdict parse_bad_question(struct query *q, struct wire_rd *r,
                                                                 unsigned qdcount,
                                                                 const uint16_t count[SEC_COUNT])
{
	uint8_t name[DNAME_MAX];
	size_t name_len;
	bool ok = true;
	for (unsigned i = 0; ok && i < qdcount; i++) {
		ok = dname_read_wire(r->base, r->len, &r->pos, name, &name_len) == GS_OK &&
		     wire_rd_take(r, 4) != NULL && !r->bad;
	}
	ok = ok && walk_sections(q, r, count);
	if (qdcount == 0 && ok && count[SEC_AN] == 0 && count[SEC_NS] == 0 && count[SEC_AR] == 1 &&
	    q->edns.has_cookie)
		return QUERY_COOKIE;
	return QUERY_FORMERR;
}

enum query_verdict query_parse(struct query *q, const uint8_t *msg, size_t len)
{
	q->has_question = false;
	q->opt_bad = false;
	edns_query_reset(&q->edns);
	if (len < DNS_HEADER_LEN)
		return QUERY_DROP;

	struct wire_rd r;
	wire_rd_init(&r, msg, len);
	q->id = wire_rd_u16(&r);
	q->flags = wire_rd_u16(&r);
	uint16_t qdcount = wire_rd_u16(&r);
	uint16_t count[SEC_COUNT];
	count[SEC_AN] = wire_rd_u16(&r);
	count[SEC_NS] = wire_rd_u16(&r);
	count[SEC_AR] = wire_rd_u16(&r);
	q->opcode = (uint8_t)((q->flags & DNS_FLAG_OPCODE_MASK) >> DNS_FLAG_OPCODE_SHIFT);
	if (q->flags & DNS_FLAG_QR)
		return QUERY_DROP; /* a response: answering it could start a loop */

	bool is_query = q->opcode == DNS_OPCODE_QUERY;
	/* RFC 9619: a QUERY carries exactly one question. Other opcodes are not ours to
	 * judge; they get NOTIMP, with the question echoed when there is one. */
	if (qdcount != 1)
		return is_query ? parse_bad_question(q, &r, qdcount, count) : QUERY_NOTIMP;
	if (!parse_question(q, &r)) {
		if (!is_query)
			return QUERY_NOTIMP;
		r.pos = DNS_HEADER_LEN;
		r.bad = false;
		return parse_bad_question(q, &r, 1, count);
	}
	q->has_question = true;
	if (!walk_sections(q, &r, count)) {
		if (is_query)
			return QUERY_FORMERR;
		/* NOTIMP for a malformed non-QUERY: do not trust its OPT. */
		edns_query_reset(&q->edns);
		return QUERY_NOTIMP;
	}
	return is_query ? QUERY_ANSWER : QUERY_NOTIMP;
}
