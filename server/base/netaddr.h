/* SPDX-License-Identifier: MIT
 * netaddr.h -- IP addresses, prefixes and "host:port" endpoints: parsing with precise
 * errors, formatting. Pure functions, any thread. */
#ifndef GS_NETADDR_H
#define GS_NETADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/base/compiler.h"

#define NETADDR_TEXT_MAX 64 /* "[ffff:...:ffff]:65535" and "a.b.c.d/32" fit */

struct netaddr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 uses the first 4 bytes */
};

struct netprefix {
	struct netaddr a;
	uint8_t len; /* prefix length in bits */
};

/* Parses an IPv4 or IPv6 address. Returns GS_OK or GS_EINVAL. */
int netaddr_parse(const char *text, struct netaddr *out) GS_NONNULL GS_WUR;
/* Parses "ADDR/LEN" (or a bare address, meaning a host prefix). Sets *why to a static
 * explanation on failure ("host bits set", "prefix length out of range", ...).
 * Returns GS_OK or GS_EINVAL. */
int netprefix_parse(const char *text, struct netprefix *out, const char **why) GS_NONNULL GS_WUR;
/* Parses a listen endpoint "1.2.3.4:53", "[::1]:53", "1.2.3.4" or "[::1]" (port
 * default_port). Returns GS_OK or GS_EINVAL with *why set. */
int netaddr_parse_endpoint(const char *text, uint16_t default_port, struct sockaddr_storage *ss,
                           socklen_t *ss_len, const char **why) GS_NONNULL GS_WUR;
/* Formats an address ("192.0.2.1", "2001:db8::1"). */
void netaddr_format(const struct netaddr *a, char out[NETADDR_TEXT_MAX]) GS_NONNULL;
/* Formats a sockaddr as "1.2.3.4:53" or "[::1]:53". */
void netaddr_format_sockaddr(const struct sockaddr *sa, char out[NETADDR_TEXT_MAX]) GS_NONNULL;
/* Converts a sockaddr (AF_INET/AF_INET6) to a netaddr; false for other families. */
bool netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out) GS_NONNULL;
/* Bits in the address family: 32 or 128. */
static inline unsigned netaddr_bits(const struct netaddr *a)
{
	return a->family == AF_INET ? 32u : 128u;
}
/* True when any bit at position >= len is set. */
bool netaddr_has_bits_beyond(const struct netaddr *a, unsigned len) GS_NONNULL;

#endif
