/* SPDX-License-Identifier: MIT
 * dnstap_enc.c -- the parts of every dnstap frame that never change (dnstap_enc.h),
 * encoded once per thread kind into a template. The per-answer part is inline in the
 * header. */
#include <config.h>

#include "server/dnstap/dnstap_enc.h"

#include <string.h>

void dnstap_enc_tmpl(struct dnstap_enc_tmpl *t, const char *identity, const char *version, bool tcp)
{
	memset(t, 0, sizeof(*t));
	uint8_t *p = t->pre + 4; /* after the Frame Streams length, written per frame */
	if (identity) {
		size_t n = strlen(identity);
		p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_IDENTITY, identity,
		                     n < DNSTAP_ENC_NAME_MAX ? n : DNSTAP_ENC_NAME_MAX);
	}
	size_t n = strlen(version);
	p = dnstap_put_bytes(p, DNSTAP_ENC_TAG_VERSION, version,
	                     n < DNSTAP_ENC_NAME_MAX ? n : DNSTAP_ENC_NAME_MAX);
	*p++ = DNSTAP_ENC_TAG_DNSTAP_TYPE;
	*p++ = DNSTAP_ENC_DNSTAP_TYPE_MESSAGE;
	*p++ = DNSTAP_ENC_TAG_MESSAGE; /* its length follows, per frame */
	t->pre_len = (size_t)(p - t->pre);

	uint8_t proto = tcp ? DNSTAP_ENC_PROTOCOL_TCP : DNSTAP_ENC_PROTOCOL_UDP;
	static const uint8_t family[3] = {0, DNSTAP_ENC_FAMILY_INET, DNSTAP_ENC_FAMILY_INET6};
	static const uint8_t addr_len[3] = {0, 4, 16};
	for (unsigned f = 0; f < 3; f++) {
		uint8_t *h = t->mhead[f];
		*h++ = DNSTAP_ENC_TAG_TYPE;
		*h++ = DNSTAP_ENC_MESSAGE_TYPE_AUTH_RESPONSE;
		if (f) {
			*h++ = DNSTAP_ENC_TAG_SOCKET_FAMILY;
			*h++ = family[f];
		}
		*h++ = DNSTAP_ENC_TAG_SOCKET_PROTOCOL;
		*h++ = proto;
		if (f) {
			*h++ = DNSTAP_ENC_TAG_QUERY_ADDRESS;
			*h++ = addr_len[f];
		}
		t->mhead_len[f] = (uint8_t)(h - t->mhead[f]);
		t->mleast[f] = (uint8_t)(t->mhead_len[f] + (f ? addr_len[f] + 2 : 0) + 2 + 2);
	}
}
