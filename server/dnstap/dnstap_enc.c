/* SPDX-License-Identifier: MIT
 * dnstap_enc.c -- the part of every dnstap frame that never changes (dnstap_enc.h):
 * the identity and version fields, encoded once. The per-answer part is inline in the
 * header. */
#include <config.h>

#include "server/dnstap/dnstap_enc.h"

#include <string.h>

size_t dnstap_enc_head(uint8_t *out, const char *identity, const char *version)
{
	uint8_t *p = out;
	if (identity) {
		size_t n = strlen(identity);
		p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_IDENTITY, identity,
		                     n < DNSTAP_ENC_NAME_MAX ? n : DNSTAP_ENC_NAME_MAX);
	}
	size_t n = strlen(version);
	p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_VERSION, version,
	                     n < DNSTAP_ENC_NAME_MAX ? n : DNSTAP_ENC_NAME_MAX);
	return (size_t)(p - out);
}

void dnstap_enc_time(struct dnstap_enc_time *t, uint64_t sec, uint32_t nsec)
{
	uint8_t *p;
	if (sec != t->sec || t->len == 0) {
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
