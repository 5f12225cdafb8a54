/* SPDX-License-Identifier: MIT
 * render.c -- writes responses: question, records, name compression, header.
 * Worker threads; no allocation. */
#include "server/query/render.h"

#include <string.h>

#include "server/base/dname.h"
#include "server/base/dns.h"

/* Labels in a wire name, root excluded: at most 127 (RFC 1035 2.3.4, 255 bytes). */
#define LABELS_MAX (DNAME_MAX / 2)

/* Fills off[] with where each label of name starts; returns the label count (root
 * excluded) and sets *len to the name's length in bytes. */
static inline unsigned split_labels(const uint8_t *name, uint8_t off[LABELS_MAX], size_t *len)
{
	unsigned n = 0;
	size_t p = 0;
	while (name[p] && n < LABELS_MAX) {
		off[n++] = (uint8_t)p;
		p += name[p] + 1u;
	}
	*len = p + 1;
	return n;
}

/* Records labels [0, n) of name, just written at start and followed by the suffix of
 * entry parent (0: the root). The root-most label goes first, so that every entry's
 * parent is in the table before it; when the last label lies beyond pointer reach,
 * none of them is recorded (their parents could not be). */
static void comp_record(struct render *r, size_t start, const uint8_t *name, const uint8_t *off,
                        unsigned n, unsigned parent)
{
	if (n == 0 || start + off[n - 1] > RENDER_PTR_MAX)
		return;
	/* As many as fit, root-most first; the bound is taken once, not per label. */
	unsigned room = RENDER_COMP_MAX - r->n_comp;
	unsigned stop = n > room ? n - room : 0;
	struct render_comp *c = &r->comp[r->n_comp];
	for (unsigned i = n; i-- > stop; c++) {
		c->off = (uint16_t)(start + off[i]);
		c->parent = (uint8_t)parent;
		c->len = name[off[i]];
		parent = ++r->n_comp;
	}
}
/* True when the n bytes at a and b are the same, compared a word at a time. */
static inline bool bytes_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;
	for (; n - i >= 8; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	if (n - i >= 4) {
		uint32_t x, y;
		memcpy(&x, a + i, 4);
		memcpy(&y, b + i, 4);
		if (x != y)
			return false;
		i += 4;
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* True when the label written at w equals label (same length byte, checked by the
 * caller), ignoring ASCII case (RFC 4343). Labels usually match byte for byte, so that
 * is tried first. */
static inline bool label_equal(const uint8_t *w, const uint8_t *label)
{
	if (bytes_equal(w, label, label[0] + 1u))
		return true;
	for (unsigned i = 1; i <= label[0]; i++)
		if (dname_lower_byte(w[i]) != dname_lower_byte(label[i]))
			return false;
	return true;
}

/* The entry (index + 1) for label followed by the suffix of entry parent, or 0. An
 * entry is recorded after its parent, so the search starts there. */
static inline unsigned comp_find(const struct render *r, unsigned parent, const uint8_t *label)
{
	for (unsigned i = parent; i < r->n_comp; i++) {
		const struct render_comp *c = &r->comp[i];
		if (c->parent == parent && c->len == label[0] &&
		    label_equal(r->w.base + c->off, label))
			return i + 1;
	}
	return 0;
}

/* Remembers that name (never the root) can be pointed at, as a whole, at off. */
static inline void recent_add(struct render *r, const uint8_t *name, size_t off)
{
	r->recent_src[r->recent_next] = name;
	r->recent_off[r->recent_next] = (uint16_t)off;
	r->recent_next = (r->recent_next + 1u) % RENDER_RECENT;
}

/* Writes a pointer to name when it is one of the recent names; false otherwise. */
static inline bool put_recent(struct render *r, const uint8_t *name)
{
	/* Unrolled: this runs for every owner name, and the loop's own bookkeeping cost
	 * as much as the four compares. */
	_Static_assert(RENDER_RECENT == 4, "put_recent compares four entries");
	const uint8_t *const *s = r->recent_src;
	unsigned i;
	if (s[0] == name)
		i = 0;
	else if (s[1] == name)
		i = 1;
	else if (s[2] == name)
		i = 2;
	else if (s[3] == name)
		i = 3;
	else
		return false;
	wire_wr_u16(&r->w, (uint16_t)(0xc000u | r->recent_off[i]));
	return true;
}

/* Records the question's suffixes, before the first search of the table. The question
 * is the first thing recorded (n_comp is 0 here, render_rollback keeps it so), it
 * starts at offset 12, well within pointer reach, and has fewer labels than the table
 * has entries: entry i is the label i + 1 places from the root, from the parse's label
 * offsets, with no split of the name and no bound checks. */
static void comp_question(struct render *r)
{
	_Static_assert(DNAME_MAX / 2 <= RENDER_COMP_MAX, "the question's labels fit the table");
	const uint8_t *off = r->q_label_off;
	unsigned n = r->q_labels;
	for (unsigned i = 0; i < n; i++) {
		struct render_comp *c = &r->comp[i];
		unsigned at = off[n - 1 - i];
		c->off = (uint16_t)(r->q_off + at);
		c->parent = (uint8_t)i;
		c->len = r->q_name[at];
	}
	r->n_comp = n;
	r->q_pending = false;
}

/* Writes name, whose labels [0, keep) are at off[] and still to be searched for below
 * the suffix of entry parent, and returns len (its uncompressed length). The search
 * walks the trie from the root-most of those labels towards the first; the root alone
 * is never worth a pointer (1 byte against 2). */
static size_t put_labels(struct render *r, const uint8_t *name, const uint8_t *off, unsigned keep,
                         unsigned parent, size_t len)
{
	if (r->q_pending)
		comp_question(r);
	while (keep > 0) {
		unsigned e = comp_find(r, parent, name + off[keep - 1]);
		if (!e)
			break;
		parent = e;
		keep--;
	}
	size_t prefix_len = keep ? off[keep - 1] + name[off[keep - 1]] + 1u : 0;
	size_t start = r->w.pos;
	wire_wr_bytes(&r->w, name, prefix_len);
	if (parent)
		wire_wr_u16(&r->w, (uint16_t)(0xc000u | r->comp[parent - 1].off));
	else
		wire_wr_u8(&r->w, 0);
	if (r->w.bad)
		return len;
	comp_record(r, start, name, off, keep, parent);
	if (keep == 0 && parent == 0)
		return len; /* the root name */
	/* Remember where this name can be pointed at as a whole. */
	size_t whole = keep ? start : r->comp[parent - 1].off;
	if (whole <= RENDER_PTR_MAX) {
		recent_add(r, name, whole);
	}
	return len;
}

/* Writes name compressed and returns its uncompressed length. */
static size_t put_name(struct render *r, const uint8_t *name)
{
	uint8_t off[LABELS_MAX];
	size_t len;
	unsigned n = split_labels(name, off, &len);
	if (r->w.bad)
		return len;
	if (n > 0 && put_recent(r, name))
		return len;
	return put_labels(r, name, off, n, 0, len);
}

/* put_name for a name of the zone at r->origin with `above` labels above it: only those
 * labels are split off and searched for, below the question's copy of the origin. */
static size_t put_name_above(struct render *r, const uint8_t *name, unsigned above)
{
	uint8_t off[LABELS_MAX];
	size_t p = 0;
	for (unsigned i = 0; i < above; i++) {
		off[i] = (uint8_t)p;
		p += name[p] + 1u;
	}
	size_t len = p + r->origin_len;
	if (r->w.bad)
		return len;
	if (put_recent(r, name))
		return len;
	return put_labels(r, name, off, above, r->origin_entry, len);
}

void render_name(struct render *r, const uint8_t *name)
{
	if (r->w.bad)
		return;
	if (put_recent(r, name))
		return;
	if (name == r->origin && r->origin_entry) {
		/* The origin ends the question: a pointer there, where comp_question will
		 * record it (entry origin_entry), with no need to record it now. */
		size_t at = (size_t)r->q_off + r->q_len - r->origin_len;
		wire_wr_u16(&r->w, (uint16_t)(0xc000u | at));
		if (!r->w.bad)
			recent_add(r, name, at);
		return;
	}
	put_name(r, name);
}

/* Writes owner, type, class, TTL and a placeholder RDLENGTH; returns where RDLENGTH is. */
static size_t rr_head(struct render *r, const uint8_t *owner, uint16_t type, uint16_t rclass,
                      uint32_t ttl)
{
	render_name(r, owner);
	if (!wire_wr_need(&r->w, 10))
		return r->w.pos;
	uint8_t *p = r->w.base + r->w.pos;
	wire_put_u16(p, type);
	wire_put_u16(p + 2, rclass);
	wire_put_u32(p + 4, ttl);
	wire_put_u16(p + 8, 0);
	r->w.pos += 10;
	return r->w.pos - 2;
}

void render_rrset(struct render *r, enum render_section sec, const uint8_t *owner,
                  const struct zone_rrset *set, uint32_t ttl)
{
	for (uint16_t k = 0; k < set->count; k++) {
		const struct zone_rdata *rd = &set->rdata[k];
		size_t len_at = rr_head(r, owner, set->type, DNS_CLASS_IN, ttl);
		size_t start = r->w.pos;
		size_t done = 0;
		for (unsigned j = 0; j < GS_ARRAY_LEN(rd->name_off); j++) {
			uint16_t off = rd->name_off[j];
			if (off == ZONE_NO_NAME)
				break;
			wire_wr_bytes(&r->w, rd->data + done, off - done);
			if (r->origin && rd->name_above[j] != ZONE_NAME_OUTSIDE)
				done = off + put_name_above(r, rd->data + off, rd->name_above[j]);
			else
				done = off + put_name(r, rd->data + off);
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
