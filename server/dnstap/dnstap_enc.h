/* SPDX-License-Identifier: MIT
 * dnstap_enc.h -- the protobuf wire form of one dnstap frame, written by hand for the
 * one shape geosteer sends: a Dnstap of type MESSAGE (identity, version, extra) holding
 * a Message of type AUTH_RESPONSE (client address and port, UDP or TCP, response time,
 * query and response). Field numbers are those of dnstap.proto (the published dnstap
 * schema); tests/unit/test_dnstap.c decodes the output with protobuf-c's code generated
 * from that file, so the two cannot drift apart.
 *
 * No allocation, no table walk: the caller bounds the frame's size (dnstap_enc_bound),
 * finds room for it and writes it (dnstap_enc_frame), Frame Streams length included.
 * What is the same in every frame of a thread is encoded once into a template
 * (dnstap_enc_tmpl): the frame's start (length placeholder, identity, version, Dnstap
 * type, the Message's tag), copied as one block of constant size, and per address
 * family the Message's first fields (type, family, protocol, the address's tag and
 * length), one 8-byte store. The rest is written with inline stores, the query and
 * response (and the decision text) with one memcpy each. */
#ifndef GS_DNSTAP_ENC_H
#define GS_DNSTAP_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/base/compiler.h"

/* Longest identity and version: the frame's start stays small enough to copy. */
#define DNSTAP_ENC_NAME_MAX 255u

/* What varies from one frame to the next. */
struct dnstap_enc_msg {
	const uint8_t *query, *response;
	size_t query_len, response_len;
	const uint8_t *addr; /* the client's address, addr_len bytes */
	uint8_t addr_len;    /* 4 (IPv4), 16 (IPv6), 0: unknown (no socket family, address
	                      * or port in the frame) */
	uint16_t port;       /* the client's port, host order */
	const struct dnstap_enc_time *time; /* response time */
	const char *extra;                  /* the Dnstap extra field; NULL: none */
	size_t extra_len;
};

/* The frame's start as copied: 4 bytes of length, identity and version (at most
 * 2 + 2 + 255 bytes each), the Dnstap type (2) and the Message's tag (1). It is copied as
 * DNSTAP_ENC_PRE_COPY bytes when it is no longer (the common case: a short identity),
 * which may write up to that many bytes past a frame's end: the caller leaves
 * DNSTAP_ENC_SPILL bytes of room after the bound for such stores. */
#define DNSTAP_ENC_PRE_MAX  (4u + 2u * (3u + DNSTAP_ENC_NAME_MAX) + 3u)
#define DNSTAP_ENC_PRE_COPY 64u
#define DNSTAP_ENC_SPILL    64u

/* The constant parts of one thread's frames (UDP or TCP). */
struct dnstap_enc_tmpl {
	uint8_t pre[DNSTAP_ENC_PRE_MAX + DNSTAP_ENC_PRE_COPY]; /* zeros after pre_len */
	size_t pre_len;
	/* By family (0: unknown, 1: IPv4, 2: IPv6): the Message's type, socket family and
	 * protocol, and the address's tag and length, mhead_len[] of the 8 bytes. */
	uint8_t mhead[3][8];
	uint8_t mhead_len[3];
	/* By family: the Message's bytes besides the time, the query and the response
	 * and the varints of the port and their lengths (the head, the address, the tags,
	 * one byte per varint). */
	uint8_t mleast[3];
};

/* Fills *t for frames with identity (NULL: none) and version, cut to
 * DNSTAP_ENC_NAME_MAX bytes each, over TCP or UDP. */
void dnstap_enc_tmpl(struct dnstap_enc_tmpl *t, const char *identity, const char *version, bool tcp)
        GS_NONNULLX(1, 3);
/* Tags: field number << 3 | wire type (0 varint, 2 length-delimited, 5 fixed32). */
enum {
	/* Dnstap */
	DNSTAP_ENC_TAG_IDENTITY = 1 << 3 | 2,
	DNSTAP_ENC_TAG_VERSION = 2 << 3 | 2,
	DNSTAP_ENC_TAG_EXTRA = 3 << 3 | 2,
	DNSTAP_ENC_TAG_MESSAGE = 14 << 3 | 2,
	DNSTAP_ENC_TAG_DNSTAP_TYPE = 15 << 3 | 0,
	/* Message */
	DNSTAP_ENC_TAG_TYPE = 1 << 3 | 0,
	DNSTAP_ENC_TAG_SOCKET_FAMILY = 2 << 3 | 0,
	DNSTAP_ENC_TAG_SOCKET_PROTOCOL = 3 << 3 | 0,
	DNSTAP_ENC_TAG_QUERY_ADDRESS = 4 << 3 | 2,
	DNSTAP_ENC_TAG_QUERY_PORT = 6 << 3 | 0,
	DNSTAP_ENC_TAG_QUERY_MESSAGE = 10 << 3 | 2,
	DNSTAP_ENC_TAG_RESPONSE_TIME_SEC = 12 << 3 | 0,
	DNSTAP_ENC_TAG_RESPONSE_TIME_NSEC = 13 << 3 | 5,
	DNSTAP_ENC_TAG_RESPONSE_MESSAGE = 14 << 3 | 2,
};

/* Enum values of dnstap.proto. */
enum {
	DNSTAP_ENC_DNSTAP_TYPE_MESSAGE = 1,
	DNSTAP_ENC_MESSAGE_TYPE_AUTH_RESPONSE = 2,
	DNSTAP_ENC_FAMILY_INET = 1,
	DNSTAP_ENC_FAMILY_INET6 = 2,
	DNSTAP_ENC_PROTOCOL_UDP = 1,
	DNSTAP_ENC_PROTOCOL_TCP = 2,
};

/* The response time field pair (seconds as a varint, nanoseconds as fixed32) as bytes,
 * made once per batch of answers by dnstap_enc_time. Seconds since 1978 take 5 bytes
 * until the year 3058; the space allows 10. */
#define DNSTAP_ENC_TIME_MAX 16u
struct dnstap_enc_time {
	uint64_t sec; /* the seconds encoded */
	uint8_t len;
	uint8_t bytes[DNSTAP_ENC_TIME_MAX];
};

/* Bytes of v as a varint (7 bits a byte). Lengths and ports, below 2^21, take 1 to 3. */
static inline size_t dnstap_varint_len(uint64_t v)
{
	if (GS_LIKELY(v < 1u << 21))
		return v < 1u << 7 ? 1 : v < 1u << 14 ? 2 : 3;
	size_t n = 4;
	for (v >>= 28; v; v >>= 7)
		n++;
	return n;
}

static inline uint8_t *dnstap_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* A varint below 2^21 (a length or a port), without a loop. */
static inline uint8_t *dnstap_put_len(uint8_t *p, size_t v)
{
	if (v < 1u << 7) {
		*p = (uint8_t)v;
		return p + 1;
	}
	p[0] = (uint8_t)(v | 0x80);
	if (v < 1u << 14) {
		p[1] = (uint8_t)(v >> 7);
		return p + 2;
	}
	p[1] = (uint8_t)(v >> 7 | 0x80);
	p[2] = (uint8_t)(v >> 14);
	return p + 3;
}

/* 16 bytes, copied by one load and one store (SSE2's registers on x86-64). */
typedef uint8_t dnstap_v16 __attribute__((vector_size(16)));

/* Copies n bytes: from 16 to 64 (a DNS query or a short answer) without a call, as two
 * or four overlapping 16-byte blocks, every block read before any is written; others
 * with memcpy. */
static inline void dnstap_copy(uint8_t *d, const uint8_t *s, size_t n)
{
	dnstap_v16 a, b, c, e;
	if (GS_LIKELY(n - 16 <= 16)) {
		memcpy(&a, s, 16);
		memcpy(&b, s + n - 16, 16);
		memcpy(d, &a, 16);
		memcpy(d + n - 16, &b, 16);
	} else if (GS_LIKELY(n - 33 <= 31)) {
		memcpy(&a, s, 16);
		memcpy(&b, s + 16, 16);
		memcpy(&c, s + n - 32, 16);
		memcpy(&e, s + n - 16, 16);
		memcpy(d, &a, 16);
		memcpy(d + 16, &b, 16);
		memcpy(d + n - 32, &c, 16);
		memcpy(d + n - 16, &e, 16);
	} else {
		memcpy(d, s, n);
	}
}

/* A length-delimited field: tag, length, bytes. */
static inline uint8_t *dnstap_put_bytes(uint8_t *p, uint8_t tag, const void *data, size_t len)
{
	*p++ = tag;
	p = dnstap_put_len(p, len);
	dnstap_copy(p, data, len);
	return p + len;
}

/* Encodes the response time sec.nsec into *t (the seconds only when they changed).
 * Inline: once per batch of answers. */
static inline void dnstap_enc_time(struct dnstap_enc_time *t, uint64_t sec, uint32_t nsec)
{
	uint8_t *p;
	if (GS_UNLIKELY(sec != t->sec || t->len == 0)) {
		p = t->bytes;
		*p++ = DNSTAP_ENC_TAG_RESPONSE_TIME_SEC;
		p = dnstap_put_varint(p, sec);
		*p++ = DNSTAP_ENC_TAG_RESPONSE_TIME_NSEC; /* fixed32, little-endian */
		t->len = (uint8_t)(p + 4 - t->bytes);
		t->sec = sec;
	} else {
		p = t->bytes + t->len - 4;
	}
	p[0] = (uint8_t)nsec;
	p[1] = (uint8_t)(nsec >> 8);
	p[2] = (uint8_t)(nsec >> 16);
	p[3] = (uint8_t)(nsec >> 24);
}

/* A bound on the bytes dnstap_enc_frame writes for a message with these lengths (extra
 * 0: none), the 4-byte Frame Streams length included; the stores may reach
 * DNSTAP_ENC_SPILL bytes further. */
static inline size_t dnstap_enc_bound(const struct dnstap_enc_tmpl *t, size_t query_len,
                                      size_t response_len, size_t extra_len)
{
	/* The start, the Message's length (3), its head (8), an address (16), the port (4),
	 * the query's and the response's tag and length (4 each), the time, extra's tag and
	 * length (4). */
	return t->pre_len + 3 + 8 + 16 + 4 + 4 + 4 + DNSTAP_ENC_TIME_MAX + 4 + query_len +
	       response_len + extra_len;
}

/* The Message's exact length (family fam: 0 unknown, 1 IPv4, 2 IPv6), for the few
 * sizes where dnstap_enc_frame's estimate leaves the number of its bytes open. */
static inline size_t dnstap_enc_msg_len(const struct dnstap_enc_tmpl *t,
                                        const struct dnstap_enc_msg *m, unsigned fam)
{
	size_t n = t->mhead_len[fam] + 1 + dnstap_varint_len(m->query_len) + m->query_len +
	           m->time->len + 1 + dnstap_varint_len(m->response_len) + m->response_len;
	if (fam)
		n += m->addr_len + 1 + dnstap_varint_len(m->port);
	return n;
}

/* Writes the frame for m to out, which has room for the bound and DNSTAP_ENC_SPILL
 * bytes more: the Frame Streams length (4 bytes, big-endian), then the Dnstap. Returns
 * the bytes of the frame, the length included. Inline: it runs for every answer. */
static inline size_t dnstap_enc_frame(uint8_t *out, const struct dnstap_enc_tmpl *t,
                                      const struct dnstap_enc_msg *m)
{
	/* The family's index from the address's length (0, 4 or 16): one load. */
	static const uint8_t fam_of[32] = {[4] = 1, [16] = 2};
	unsigned fam = fam_of[m->addr_len & 31];
	/* The Dnstap's fields: the constant ones (identity, version, type) first, then
	 * the Message, then extra (any order is valid protobuf). */
	uint8_t *p = out;
	if (GS_LIKELY(t->pre_len <= DNSTAP_ENC_PRE_COPY))
		memcpy(p, t->pre, DNSTAP_ENC_PRE_COPY); /* a constant size: no call */
	else
		memcpy(p, t->pre, t->pre_len);
	p += t->pre_len;
	/* The Message's length: from its size without the varints of the port and the
	 * query's and response's lengths (1 to 3 bytes each), the number of bytes of that
	 * length is nearly always known (below 122: one byte; from 128 to 16,377: two). The
	 * length itself is written when the Message is. */
	size_t least = t->mleast[fam] + m->time->len + m->query_len + m->response_len;
	size_t mlen_len = least < 128 - 6 ? 1 : least >= 128 && least < (1u << 14) - 6 ? 2 : 0;
	if (GS_UNLIKELY(mlen_len == 0))
		mlen_len = dnstap_varint_len(dnstap_enc_msg_len(t, m, fam));
	uint8_t *mlen = p;
	p += mlen_len;
	uint8_t *mstart = p;
	memcpy(p, t->mhead[fam], 8);
	p += t->mhead_len[fam];
	if (fam == 1) {
		memcpy(p, m->addr, 4);
		p += 4;
	} else if (fam == 2) {
		memcpy(p, m->addr, 16);
		p += 16;
	}
	if (fam) {
		*p++ = DNSTAP_ENC_TAG_QUERY_PORT;
		p = dnstap_put_len(p, m->port);
	}
	p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_QUERY_MESSAGE, m->query, m->query_len);
	/* A constant size; the bytes past the time are overwritten by the response field
	 * that follows (at least 14 bytes). */
	memcpy(p, m->time->bytes, DNSTAP_ENC_TIME_MAX);
	p += m->time->len;
	p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_RESPONSE_MESSAGE, m->response, m->response_len);
	(void)dnstap_put_len(mlen, (size_t)(p - mstart));
	if (m->extra)
		p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_EXTRA, m->extra, m->extra_len);
	uint32_t len = (uint32_t)(p - out - 4);
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	return (size_t)(p - out);
}

#endif
