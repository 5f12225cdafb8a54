/* SPDX-License-Identifier: MIT
 * render.c -- writes responses: question, records, name compression, header.
 * Worker threads; no allocation. */
#include "server/render.h"

#include "server/base/dname.h"

#define HEADER_LEN 12u /* RFC 1035 4.1.1 */
#define CLASS_IN   1u

void render_init(struct render *r, uint8_t *buf, size_t limit)
{
	wire_wr_init(&r->w, buf, limit);
	if (limit < HEADER_LEN)
		r->w.bad = true;
	else
		r->w.pos = HEADER_LEN;
	for (unsigned i = 0; i < RENDER_N_SECTIONS; i++)
		r->count[i] = 0;
	r->n_comp = 0;
	r->last_src = NULL;
	r->last_off = 0;
}

static inline void comp_add(struct render *r, size_t off, unsigned labels)
{
	if (r->n_comp < RENDER_COMP_MAX && off <= RENDER_PTR_MAX) {
		r->comp[r->n_comp].off = (uint16_t)off;
		r->comp[r->n_comp].labels = (uint8_t)labels;
		r->n_comp++;
	}
}

/* Records where each label of name[0..prefix_len) was just written (at start), given
 * that name has `labels` labels in all. */
static void comp_add_labels(struct render *r, size_t start, const uint8_t *name, size_t prefix_len,
                            unsigned labels)
{
	size_t i = 0;
	while (i < prefix_len) {
		comp_add(r, start + i, labels--);
		i += name[i] + 1u;
	}
}

/* True when the name written at buf[off] (following our own pointers, which always
 * point backwards) equals the uncompressed name s, ignoring ASCII case (RFC 4343). */
static bool written_name_equals(const uint8_t *buf, size_t off, const uint8_t *s)
{
	for (;;) {
		uint8_t c = buf[off];
		while ((c & 0xc0) == 0xc0) {
			off = (size_t)(c & 0x3f) << 8 | buf[off + 1];
			c = buf[off];
		}
		if (c != *s)
			return false;
		if (c == 0)
			return true;
		for (unsigned i = 1; i <= c; i++)
			if (dname_lower_byte(buf[off + i]) != dname_lower_byte(s[i]))
				return false;
		off += c + 1u;
		s += c + 1u;
	}
}

void render_question(struct render *r, const uint8_t *qname, size_t qname_len, uint16_t qtype,
                     uint16_t qclass)
{
	size_t start = r->w.pos;
	wire_wr_bytes(&r->w, qname, qname_len);
	wire_wr_u16(&r->w, qtype);
	wire_wr_u16(&r->w, qclass);
	if (!r->w.bad) {
		comp_add_labels(r, start, qname, qname_len - 1, dname_labels(qname));
		r->last_src = qname;
		r->last_off = (uint16_t)start;
	}
}

void render_name(struct render *r, const uint8_t *name)
{
	if (r->w.bad)
		return;
	if (name == r->last_src && name[0] != 0) {
		wire_wr_u16(&r->w, (uint16_t)(0xc000u | r->last_off));
		return;
	}
	unsigned labels = dname_labels(name);
	const uint8_t *s = name;
	unsigned rem = labels;
	int ptr = -1;
	/* Longest suffix first: the first hit is the best pointer. The root alone is
	 * never worth a pointer (1 byte against 2). */
	for (; rem > 0 && ptr < 0; rem--, s += *s + 1u) {
		for (unsigned i = 0; i < r->n_comp; i++) {
			if (r->comp[i].labels == rem &&
			    written_name_equals(r->w.base, r->comp[i].off, s)) {
				ptr = r->comp[i].off;
				break;
			}
		}
		if (ptr >= 0)
			break;
	}
	size_t prefix_len = (size_t)(s - name);
	size_t start = r->w.pos;
	wire_wr_bytes(&r->w, name, prefix_len);
	if (ptr >= 0)
		wire_wr_u16(&r->w, (uint16_t)(0xc000u | (unsigned)ptr));
	else
		wire_wr_u8(&r->w, 0);
	if (r->w.bad)
		return;
	comp_add_labels(r, start, name, prefix_len, labels);
	/* Remember where this name can be pointed at as a whole. */
	size_t whole = prefix_len ? start : (size_t)ptr;
	if (whole <= RENDER_PTR_MAX && labels > 0) {
		r->last_src = name;
		r->last_off = (uint16_t)whole;
	}
}

/* Writes owner, type, class, TTL and a placeholder RDLENGTH; returns where RDLENGTH is. */
static size_t rr_head(struct render *r, const uint8_t *owner, uint16_t type, uint16_t rclass,
                      uint32_t ttl)
{
	render_name(r, owner);
	wire_wr_u16(&r->w, type);
	wire_wr_u16(&r->w, rclass);
	wire_wr_u32(&r->w, ttl);
	size_t at = r->w.pos;
	wire_wr_u16(&r->w, 0);
	return at;
}

void render_rrset(struct render *r, enum render_section sec, const uint8_t *owner,
                  const struct zone_rrset *set, uint32_t ttl)
{
	for (uint16_t k = 0; k < set->count; k++) {
		const struct zone_rdata *rd = &set->rdata[k];
		size_t len_at = rr_head(r, owner, set->type, CLASS_IN, ttl);
		size_t start = r->w.pos;
		size_t done = 0;
		for (unsigned j = 0; j < GS_ARRAY_LEN(rd->name_off); j++) {
			uint16_t off = rd->name_off[j];
			if (off == ZONE_NO_NAME)
				break;
			wire_wr_bytes(&r->w, rd->data + done, off - done);
			render_name(r, rd->data + off);
			done = off + dname_len(rd->data + off);
		}
		wire_wr_bytes(&r->w, rd->data + done, rd->len - done);
		if (r->w.bad)
			return;
		wire_wr_put_u16(&r->w, len_at, (uint16_t)(r->w.pos - start));
		r->count[sec]++;
	}
}

void render_rr(struct render *r, enum render_section sec, const uint8_t *owner, uint16_t type,
               uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t len_at = rr_head(r, owner, type, rclass, ttl);
	wire_wr_bytes(&r->w, rdata, rdlen);
	if (r->w.bad)
		return;
	wire_wr_put_u16(&r->w, len_at, rdlen);
	r->count[sec]++;
}

size_t render_finish(struct render *r, uint16_t id, uint16_t flags, uint16_t qdcount)
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
