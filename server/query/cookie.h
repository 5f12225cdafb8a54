/* SPDX-License-Identifier: MIT
 * cookie.h -- DNS Cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
 * checking the server cookie a client sends back and making the one we answer with.
 * A server cookie is Version (1) | Reserved (3, zero) | Timestamp (4, Unix seconds,
 * serial arithmetic) | Hash (8), the hash being SipHash-2-4 over Client Cookie |
 * Version | Reserved | Timestamp | Client-IP under the fleet's shared 128-bit secret
 * (RFC 9018 section 4). Worker threads; pure functions, no allocation. */
#ifndef GS_COOKIE_H
#define GS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/base/compiler.h"

#define COOKIE_SECRET_LEN 16u
#define COOKIE_CLIENT_LEN 8u
/* RFC 7873 section 4: a server cookie is 8 to 32 bytes; ours (RFC 9018) are 16. */
#define COOKIE_SERVER_MIN 8u
#define COOKIE_SERVER_MAX 32u
#define COOKIE_SERVER_LEN 16u
/* The option we send: client cookie and our server cookie. */
#define COOKIE_REPLY_LEN (COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN)
#define COOKIE_VERSION   1u

/* RFC 9018 section 4.3: a server cookie more than an hour old or more than five
 * minutes in the future is not valid; one younger than half an hour is sent back as
 * it is, an older one is replaced by a fresh one. */
#define COOKIE_MAX_AGE    3600u
#define COOKIE_MAX_FUTURE 300u
#define COOKIE_RENEW_AGE  1800u

enum cookie_state {
	COOKIE_CLIENT_ONLY, /* no server cookie in the option */
	COOKIE_VALID,       /* our server cookie, for this client, in its time window */
	COOKIE_INVALID,     /* a server cookie that is not ours, stale, or for another client */
};

/* True when an option of len bytes is a well-formed COOKIE option (RFC 7873 5.2.2):
 * a client cookie alone, or a client cookie and a server cookie of 8 to 32 bytes. */
static inline bool cookie_len_ok(size_t len)
{
	return len == COOKIE_CLIENT_LEN || (len >= COOKIE_CLIENT_LEN + COOKIE_SERVER_MIN &&
	                                    len <= COOKIE_CLIENT_LEN + COOKIE_SERVER_MAX);
}

/* Writes our server cookie for the given client cookie, client address (AF_INET or
 * AF_INET6; others hash no address) and time into out. */
void cookie_make(uint8_t out[COOKIE_SERVER_LEN], const uint8_t secret[COOKIE_SECRET_LEN],
                 const uint8_t client[COOKIE_CLIENT_LEN], const struct sockaddr *src,
                 uint32_t now) GS_NONNULL;

/* Looks at the COOKIE option opt[0..len) (cookie_len_ok must hold) of a query from src
 * at time now (Unix seconds) and writes the option data of our reply into
 * reply[0..COOKIE_REPLY_LEN): the client cookie and either the server cookie received
 * (when valid and younger than COOKIE_RENEW_AGE) or a fresh one. Returns what the
 * received server cookie was. */
enum cookie_state cookie_answer(const uint8_t secret[COOKIE_SECRET_LEN], const uint8_t *opt,
                                size_t len, const struct sockaddr *src, uint32_t now,
                                uint8_t reply[COOKIE_REPLY_LEN]) GS_NONNULL GS_HOT;

#endif
