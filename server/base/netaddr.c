/* SPDX-License-Identifier: MIT
 * netaddr.c -- address, prefix and endpoint parsing and formatting. */
#include "server/base/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/err.h"

int netaddr_parse(const char *text, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(text, ':')) {
		if (inet_pton(AF_INET6, text, out->addr) != 1)
			return GS_EINVAL;
		out->family = AF_INET6;
		return GS_OK;
	}
	if (inet_pton(AF_INET, text, out->addr) != 1)
		return GS_EINVAL;
	out->family = AF_INET;
	return GS_OK;
}

bool netaddr_has_bits_beyond(const struct netaddr *a, unsigned len)
{
	unsigned bits = netaddr_bits(a);
	for (unsigned i = len; i < bits; i++)
		if (a->addr[i / 8] & (0x80u >> (i % 8)))
			return true;
	return false;
}

int netprefix_parse(const char *text, struct netprefix *out, const char **why)
{
	char buf[NETADDR_TEXT_MAX];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen >= sizeof(buf)) {
		*why = "not an IP address";
		return GS_EINVAL;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (netaddr_parse(buf, &out->a) != GS_OK) {
		*why = "not an IP address";
		return GS_EINVAL;
	}
	unsigned bits = netaddr_bits(&out->a);
	if (!slash) {
		out->len = (uint8_t)bits;
		return GS_OK;
	}
	char *end;
	const char *lp = slash + 1;
	if (*lp < '0' || *lp > '9') {
		*why = "prefix length is not a number";
		return GS_EINVAL;
	}
	unsigned long len = strtoul(lp, &end, 10);
	if (*end != '\0') {
		*why = "prefix length is not a number";
		return GS_EINVAL;
	}
	if (len > bits) {
		*why = "prefix length out of range";
		return GS_EINVAL;
	}
	if (netaddr_has_bits_beyond(&out->a, (unsigned)len)) {
		*why = "host bits set";
		return GS_EINVAL;
	}
	out->len = (uint8_t)len;
	return GS_OK;
}

int netaddr_parse_endpoint(const char *text, uint16_t default_port, struct sockaddr_storage *ss,
                           socklen_t *ss_len, const char **why)
{
	char host[NETADDR_TEXT_MAX];
	const char *port_text = NULL;
	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || (size_t)(close - text - 1) >= sizeof(host)) {
			*why = "missing ']' after IPv6 address";
			return GS_EINVAL;
		}
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != '\0') {
			*why = "expected ':PORT' after ']'";
			return GS_EINVAL;
		}
	} else {
		const char *colon = strchr(text, ':');
		if (colon && strchr(colon + 1, ':')) {
			*why = "IPv6 addresses must be written in brackets, as [ADDR]:PORT";
			return GS_EINVAL;
		}
		size_t hlen = colon ? (size_t)(colon - text) : strlen(text);
		if (hlen >= sizeof(host)) {
			*why = "not an IP address";
			return GS_EINVAL;
		}
		memcpy(host, text, hlen);
		host[hlen] = '\0';
		if (colon)
			port_text = colon + 1;
	}
	unsigned long port = default_port;
	if (port_text) {
		char *end;
		if (*port_text < '0' || *port_text > '9') {
			*why = "port is not a number";
			return GS_EINVAL;
		}
		port = strtoul(port_text, &end, 10);
		if (*end != '\0' || port == 0 || port > 65535) {
			*why = "port must be a number from 1 to 65535";
			return GS_EINVAL;
		}
	}
	struct netaddr a;
	if (netaddr_parse(host, &a) != GS_OK) {
		*why = "not an IP address";
		return GS_EINVAL;
	}
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, a.addr, 4);
		*ss_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, a.addr, 16);
		*ss_len = sizeof(*sin6);
	}
	return GS_OK;
}

void netaddr_format(const struct netaddr *a, char out[NETADDR_TEXT_MAX])
{
	if (!inet_ntop(a->family, a->addr, out, NETADDR_TEXT_MAX))
		strcpy(out, "?");
}

bool netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->family = AF_INET;
		memcpy(out->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		out->family = AF_INET6;
		memcpy(out->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

void netaddr_format_sockaddr(const struct sockaddr *sa, char out[NETADDR_TEXT_MAX])
{
	struct netaddr a;
	char host[NETADDR_TEXT_MAX];
	if (!netaddr_from_sockaddr(sa, &a)) {
		strcpy(out, "?");
		return;
	}
	netaddr_format(&a, host);
	if (a.family == AF_INET)
		snprintf(out, NETADDR_TEXT_MAX, "%s:%u", host,
		         ntohs(((const struct sockaddr_in *)sa)->sin_port));
	else
		snprintf(out, NETADDR_TEXT_MAX, "[%s]:%u", host,
		         ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
}
