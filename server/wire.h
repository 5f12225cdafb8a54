/* SPDX-License-Identifier: MIT
 * wire.h -- bounds-checked cursors over fixed buffers, for reading DNS messages and
 * writing responses. Both carry a sticky error flag: once a read or write would cross
 * the end, the cursor stays "bad", every further call is a no-op returning 0, and the
 * caller checks the flag once after a run of calls. Header only; worker threads; no
 * allocation. */
#ifndef GS_WIRE_H
#define GS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Reader over base[0..len). pos is an offset so that names (which may point backwards
 * with compression pointers) can be read with dname_read_wire() on the whole message. */
struct wire_rd {
	const uint8_t *base;
	size_t len;
	size_t pos;
	bool bad;
};

static inline void wire_rd_init(struct wire_rd *r, const uint8_t *base, size_t len)
{
	r->base = base;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

static inline size_t wire_rd_left(const struct wire_rd *r)
{
	return r->bad ? 0 : r->len - r->pos;
}

static inline bool wire_rd_need(struct wire_rd *r, size_t n)
{
	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return false;
	}
	return true;
}

static inline uint8_t wire_rd_u8(struct wire_rd *r)
{
	if (!wire_rd_need(r, 1))
		return 0;
	return r->base[r->pos++];
}

static inline uint16_t wire_rd_u16(struct wire_rd *r)
{
	if (!wire_rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->base[r->pos] << 8 | r->base[r->pos + 1]);
	r->pos += 2;
	return v;
}

static inline uint32_t wire_rd_u32(struct wire_rd *r)
{
	if (!wire_rd_need(r, 4))
		return 0;
	const uint8_t *p = r->base + r->pos;
	r->pos += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Returns a pointer to the next n bytes and skips them, or NULL (and bad) when short. */
static inline const uint8_t *wire_rd_take(struct wire_rd *r, size_t n)
{
	if (!wire_rd_need(r, n))
		return NULL;
	const uint8_t *p = r->base + r->pos;
	r->pos += n;
	return p;
}

/* Writer into base[0..cap). */
struct wire_wr {
	uint8_t *base;
	size_t cap;
	size_t pos;
	bool bad;
};

static inline void wire_wr_init(struct wire_wr *w, uint8_t *base, size_t cap)
{
	w->base = base;
	w->cap = cap;
	w->pos = 0;
	w->bad = false;
}

static inline bool wire_wr_need(struct wire_wr *w, size_t n)
{
	if (w->bad || w->cap - w->pos < n) {
		w->bad = true;
		return false;
	}
	return true;
}

static inline void wire_wr_u8(struct wire_wr *w, uint8_t v)
{
	if (wire_wr_need(w, 1))
		w->base[w->pos++] = v;
}

static inline void wire_wr_u16(struct wire_wr *w, uint16_t v)
{
	if (!wire_wr_need(w, 2))
		return;
	w->base[w->pos] = (uint8_t)(v >> 8);
	w->base[w->pos + 1] = (uint8_t)v;
	w->pos += 2;
}

static inline void wire_wr_u32(struct wire_wr *w, uint32_t v)
{
	if (!wire_wr_need(w, 4))
		return;
	uint8_t *p = w->base + w->pos;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	w->pos += 4;
}

static inline void wire_wr_bytes(struct wire_wr *w, const void *src, size_t n)
{
	if (n == 0 || !wire_wr_need(w, n))
		return;
	memcpy(w->base + w->pos, src, n);
	w->pos += n;
}

/* Overwrites a 16-bit value already written at offset at (a length or a count). */
static inline void wire_wr_put_u16(struct wire_wr *w, size_t at, uint16_t v)
{
	if (at + 2 > w->pos)
		return;
	w->base[at] = (uint8_t)(v >> 8);
	w->base[at + 1] = (uint8_t)v;
}

/* Big-endian loads and stores on raw bytes the caller has already bounds-checked. */
static inline uint16_t wire_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wire_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
