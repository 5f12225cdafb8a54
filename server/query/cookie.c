/* SPDX-License-Identifier: MIT
 * cookie.c -- RFC 9018 server cookies: making them and checking those clients send
 * back. Worker threads; no allocation. */
#include "server/query/cookie.h"

#include <netinet/in.h>
#include <string.h>

#include "server/query/siphash.h"

/* Client Cookie (8) | Version (1) | Reserved (3) | Timestamp (4) | Client-IP (4 or 16):
 * the hash input of RFC 9018 section 4.4. */
#define COOKIE_HASH_IN_MAX (COOKIE_CLIENT_LEN + 8u + 16u)

/* The hash of RFC 9018 section 4.4 for the first 8 bytes of a server cookie (head). */
static void cookie_hash(uint8_t out[8], const uint8_t secret[COOKIE_SECRET_LEN],
                        const uint8_t client[COOKIE_CLIENT_LEN], const uint8_t head[8],
                        const struct sockaddr *src)
{
	uint8_t in[COOKIE_HASH_IN_MAX];
	size_t n = 0;
	memcpy(in, client, COOKIE_CLIENT_LEN);
	memcpy(in + COOKIE_CLIENT_LEN, head, 8);
	n = COOKIE_CLIENT_LEN + 8u;
	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;
		memcpy(in + n, &s4->sin_addr, 4);
		n += 4;
	} else if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)src;
		memcpy(in + n, &s6->sin6_addr, 16);
		n += 16;
	}
	siphash24_bytes(out, secret, in, n);
}

void cookie_make(uint8_t out[COOKIE_SERVER_LEN], const uint8_t secret[COOKIE_SECRET_LEN],
                 const uint8_t client[COOKIE_CLIENT_LEN], const struct sockaddr *src, uint32_t now)
{
	/* RFC 9018 4.2: Version 1, Reserved zero, Timestamp in network order. */
	out[0] = COOKIE_VERSION;
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(now >> 24);
	out[5] = (uint8_t)(now >> 16);
	out[6] = (uint8_t)(now >> 8);
	out[7] = (uint8_t)now;
	cookie_hash(out + 8, secret, client, out, src);
}

enum cookie_state cookie_answer(const uint8_t secret[COOKIE_SECRET_LEN], const uint8_t *opt,
                                size_t len, const struct sockaddr *src, uint32_t now,
                                uint8_t reply[COOKIE_REPLY_LEN])
{
	enum cookie_state st = COOKIE_CLIENT_ONLY;
	memcpy(reply, opt, COOKIE_CLIENT_LEN);
	if (len > COOKIE_CLIENT_LEN) {
		const uint8_t *sc = opt + COOKIE_CLIENT_LEN;
		st = COOKIE_INVALID;
		/* Another version or length is not one of ours (RFC 9018 4.3): a new one. */
		if (len == COOKIE_REPLY_LEN && sc[0] == COOKIE_VERSION) {
			uint32_t ts = (uint32_t)sc[4] << 24 | (uint32_t)sc[5] << 16 |
			              (uint32_t)sc[6] << 8 | sc[7];
			/* RFC 1982 serial arithmetic: the age may be negative (a clock ahead of
			 * ours in the fleet). */
			int32_t age = (int32_t)(now - ts);
			if (age <= (int32_t)COOKIE_MAX_AGE && age >= -(int32_t)COOKIE_MAX_FUTURE) {
				uint8_t h[8];
				cookie_hash(h, secret, opt, sc, src);
				/* One 64-bit compare: no early exit that would tell a forger
				 * how many leading bytes it got right. */
				uint64_t want, got;
				memcpy(&want, h, 8);
				memcpy(&got, sc + 8, 8);
				if (want == got) {
					st = COOKIE_VALID;
					if (age < (int32_t)COOKIE_RENEW_AGE) {
						memcpy(reply + COOKIE_CLIENT_LEN, sc,
						       COOKIE_SERVER_LEN);
						return st;
					}
				}
			}
		}
	}
	cookie_make(reply + COOKIE_CLIENT_LEN, secret, opt, src, now);
	return st;
}
