/* SPDX-License-Identifier: MIT
 * dnstap_enc.h -- the protobuf wire form of one dnstap frame, written by hand for the
 * one shape geosteer sends: a Dnstap of type MESSAGE (identity, version, extra) holding
 * a Message of type AUTH_RESPONSE (client address and port, UDP or TCP, response time,
 * query and response). Field numbers are those of dnstap.proto (the published dnstap
 * schema); tests/unit/test_dnstap.c decodes the output with protobuf-c's code generated
 * from that file, so the two cannot drift apart.
 *
 * No allocation, no table walk: the caller bounds the frame's size (dnstap_enc_bound),
 * finds room for it and writes it (dnstap_enc_write). The identity and version fields, the
 * same in every frame, are encoded once (dnstap_enc_head) and copied. */
#ifndef GS_DNSTAP_ENC_H
#define GS_DNSTAP_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/base/compiler.h"

/* Longest identity and version: the head stays small enough to copy per frame. */
#define DNSTAP_ENC_NAME_MAX 255u
#define DNSTAP_ENC_HEAD_MAX (2u * (2u + DNSTAP_ENC_NAME_MAX))

/* What varies from one frame to the next. */
struct dnstap_enc_msg {
	const uint8_t *query, *response;
	size_t query_len, response_len;
	const uint8_t *addr; /* the client's address, addr_len bytes */
	uint8_t addr_len;    /* 4 (IPv4), 16 (IPv6), 0: unknown (no socket family, address
	                      * or port in the frame) */
	uint16_t port;       /* the client's port, host order */
	bool tcp;
	const struct dnstap_enc_time *time; /* response time */
	const char *extra;                  /* the Dnstap extra field; NULL: none */
	size_t extra_len;
	size_t message_len; /* set by dnstap_enc_bound */
};

/* Encodes the response time sec.nsec into *t (the seconds only when they changed). */
void dnstap_enc_time(struct dnstap_enc_time *t, uint64_t sec, uint32_t nsec) GS_NONNULL;
/* Encodes the identity (NULL: none) and version fields, cut to DNSTAP_ENC_NAME_MAX
 * bytes each, into out[DNSTAP_ENC_HEAD_MAX]. Returns the length. */
size_t dnstap_enc_head(uint8_t *out, const char *identity, const char *version) GS_NONNULLX(1, 3);
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

/* A length-delimited field: tag, length, bytes. */
static inline uint8_t *dnstap_put_bytes(uint8_t *p, uint8_t tag, const void *data, size_t len)
{
	*p++ = tag;
	p = dnstap_put_len(p, len);
	memcpy(p, data, len);
	return p + len;
}

/* Notes in m the length of its Message, and returns a bound on the length of the frame
 * for m after a head of head_len bytes (at most 6 bytes more than it will be). */
static inline size_t dnstap_enc_bound(size_t head_len, struct dnstap_enc_msg *m)
{
	size_t n = 2 + 2; /* the Message: type, socket_protocol */
	if (m->addr_len)
		n += 2 + 2 + m->addr_len + 1 +
		     dnstap_varint_len(m->port); /* family, address, port */
	n += 1 + dnstap_varint_len(m->query_len) + m->query_len;
	n += m->time->len; /* response time: seconds, nanoseconds */
	n += 1 + dnstap_varint_len(m->response_len) + m->response_len;
	m->message_len = n;
	/* The Dnstap: message (a length below 2^21: 3 bytes at most), head, extra, type. */
	n += 1 + 3 + head_len + 2;
	if (m->extra)
		n += 1 + 3 + m->extra_len;
	return n;
}

/* Writes the frame for m (as dnstap_enc_bound left it) to out, which has room for the
 * bound; returns its length. Inline: it runs for every answer. */
static inline size_t dnstap_enc_write(uint8_t *out, const uint8_t *head, size_t head_len,
                                      const struct dnstap_enc_msg *m)
{
	/* The Dnstap's fields: message first (any order is valid protobuf; this one needs
	 * the length of nothing but the Message beforehand), then the head (identity and
	 * version), extra and type. */
	uint8_t *p = out;
	*p++ = DNSTAP_ENC_TAG_MESSAGE;
	p = dnstap_put_len(p, m->message_len);
	*p++ = DNSTAP_ENC_TAG_TYPE;
	*p++ = DNSTAP_ENC_MESSAGE_TYPE_AUTH_RESPONSE;
	if (m->addr_len) {
		*p++ = DNSTAP_ENC_TAG_SOCKET_FAMILY;
		*p++ = m->addr_len == 16 ? DNSTAP_ENC_FAMILY_INET6 : DNSTAP_ENC_FAMILY_INET;
	}
	*p++ = DNSTAP_ENC_TAG_SOCKET_PROTOCOL;
	*p++ = m->tcp ? DNSTAP_ENC_PROTOCOL_TCP : DNSTAP_ENC_PROTOCOL_UDP;
	if (m->addr_len) {
		*p++ = DNSTAP_ENC_TAG_QUERY_ADDRESS;
		*p++ = m->addr_len;
		if (m->addr_len == 16)
			memcpy(p, m->addr, 16); /* constant sizes: no call */
		else
			memcpy(p, m->addr, 4);
		p += m->addr_len;
		*p++ = DNSTAP_ENC_TAG_QUERY_PORT;
		p = dnstap_put_len(p, m->port);
	}
	p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_QUERY_MESSAGE, m->query, m->query_len);
	/* A constant size, copied without a call; the bytes past the time are overwritten
	 * by the response message field that follows (at least 14 bytes). */
	memcpy(p, m->time->bytes, DNSTAP_ENC_TIME_MAX);
	p += m->time->len;
	p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_RESPONSE_MESSAGE, m->response, m->response_len);
	memcpy(p, head, head_len);
	p += head_len;
	if (m->extra)
		p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_EXTRA, m->extra, m->extra_len);
	*p++ = DNSTAP_ENC_TAG_DNSTAP_TYPE;
	*p++ = DNSTAP_ENC_DNSTAP_TYPE_MESSAGE;
	return (size_t)(p - out);
}

#endif
