/* SPDX-License-Identifier: MIT
 * wire.h -- bounds-checked cursors over fixed buffers, for reading DNS messages and
 * writing responses. Both carry a sticky error flag: once a read or write would cross
 * the end, the cursor stays "bad", every further call is a no-op returning 0, and the
 * caller checks the flag once after a run of calls. Also big-endian loads and stores on
 * checked bytes and a word-at-a-time lowercasing copy of wire names. Header only; worker
 * threads; no allocation. */
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
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap16(v);
	memcpy(w->base + w->pos, &v, 2);
#else
	w->base[w->pos] = (uint8_t)(v >> 8);
	w->base[w->pos + 1] = (uint8_t)v;
#endif
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

/* Copies n bytes (1 to 16) without a call: two overlapping loads and stores of the
 * widest size that fits. Everything is read before anything is written. */
static inline void wire_copy_small(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n >= 8) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else {
		uint8_t a = s[0], b = s[n / 2], c = s[n - 1];
		d[0] = a;
		d[n / 2] = b;
		d[n - 1] = c;
	}
}

static inline void wire_wr_bytes(struct wire_wr *w, const void *src, size_t n)
{
	if (n == 0 || !wire_wr_need(w, n))
		return;
	uint8_t *d = w->base + w->pos;
	const uint8_t *s = src;
	if (n <= 16) {
		wire_copy_small(d, s, n);
	} else if (n <= 32) {
		/* Names and rdata up to 32 bytes: four overlapping 8-byte words, no call. */
		uint64_t a, b, c, e;
		memcpy(&a, s, 8);
		memcpy(&b, s + 8, 8);
		memcpy(&c, s + n - 16, 8);
		memcpy(&e, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + 8, &b, 8);
		memcpy(d + n - 16, &c, 8);
		memcpy(d + n - 8, &e, 8);
	} else {
		memcpy(d, s, n);
	}
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

/* Network byte order stores; one swapped store each on little-endian hosts (compilers
 * do not always merge the byte stores). */
static inline void wire_put_u16(uint8_t *p, uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap16(v);
	memcpy(p, &v, 2);
#else
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
#endif
}

static inline void wire_put_u32(uint8_t *p, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
#else
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
#endif
}

/* Lowercases eight octets of a wire name at once (ASCII A-Z only, RFC 4343); octets
 * of 0x80 and above are left alone. Length bytes (0..63) lie below 'A' and pass through
 * unchanged, so a whole name can be folded without regard to where its labels start. */
static inline uint64_t wire_lower8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u;
	uint64_t low7 = x & (0x7fu * ones);
	uint64_t ge_a = low7 + (0x80u - 'A') * ones; /* top bit set where >= 'A' */
	uint64_t gt_z = low7 + (0x7fu - 'Z') * ones; /* top bit set where > 'Z' */
	uint64_t upper = ge_a & ~gt_z & ~x & (0x80u * ones);
	return x | upper >> 2; /* 0x80 >> 2 = 0x20, the case bit */
}

/* Copies the n-byte wire name src to dst, lowercased (RFC 4343: ASCII only). */
static inline void wire_copy_lower(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			dst[i] = (uint8_t)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
		return;
	}
	/* Whole words, the last one overlapping the one before it when n is not a
	 * multiple of 8 (folding twice changes nothing). */
	for (size_t i = 0;; i += 8) {
		if (i > n - 8)
			i = n - 8;
		uint64_t x;
		memcpy(&x, src + i, 8);
		x = wire_lower8(x);
		memcpy(dst + i, &x, 8);
		if (i == n - 8)
			break;
	}
}

#endif
