/* SPDX-License-Identifier: MIT
 * edns.c -- OPT record parsing and writing (RFC 6891), with the NSID (RFC 5001),
 * Client Subnet (RFC 7871) and COOKIE (RFC 7873) options. Worker threads; no
 * allocation. */
#include "server/query/edns.h"

#include <string.h>

#include "server/base/err.h"
#include "server/query/cookie.h"

/* RFC 7871 section 6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS. The
 * address carries exactly ceil(source / 8) bytes, with the bits past the prefix zero. */
static int parse_ecs(struct edns_ecs *ecs, const uint8_t *p, uint16_t len)
{
	if (len < 4)
		return GS_EPARSE;
	uint16_t family = wire_get_u16(p);
	uint8_t source = p[2];
	/* p[3] is the SCOPE PREFIX-LENGTH, which a query must send as 0 (section 6): a
	 * responder answers anything else with FORMERR. */
	if (p[3] != 0)
		return GS_EPARSE;
	unsigned max_bits;
	if (family == DNS_ECS_FAMILY_IPV4)
		max_bits = 32;
	else if (family == DNS_ECS_FAMILY_IPV6)
		max_bits = 128;
	else
		return GS_EPARSE;
	if (source > max_bits)
		return GS_EPARSE;
	unsigned addr_len = (source + 7u) / 8u;
	if ((unsigned)len - 4u != addr_len)
		return GS_EPARSE;
	if (source % 8u) {
		uint8_t host_mask = (uint8_t)(0xffu >> (source % 8u));
		if (p[4 + addr_len - 1] & host_mask)
			return GS_EPARSE;
	}
	memset(ecs, 0, sizeof(*ecs));
	ecs->family = family;
	ecs->source = source;
	ecs->addr_len = (uint8_t)addr_len;
	memcpy(ecs->addr, p + 4, addr_len);
	return GS_OK;
}

int edns_parse_opt(struct edns_query *q, uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
                   uint16_t rdlen)
{
	/* RFC 6891 6.1.3: TTL = EXTENDED-RCODE (8) | VERSION (8) | DO (1) | Z (15). */
	edns_query_reset(q);
	q->present = true;
	q->payload = rclass;
	q->version = (uint8_t)(ttl >> 16);
	q->do_bit = (ttl & DNS_EDNS_FLAG_DO) != 0;

	size_t pos = 0;
	while (pos < rdlen) {
		if (rdlen - pos < 4)
			return GS_EPARSE;
		uint16_t code = wire_get_u16(rdata + pos);
		uint16_t len = wire_get_u16(rdata + pos + 2);
		pos += 4;
		if (len > rdlen - pos)
			return GS_EPARSE; /* option overruns the rdata */
		const uint8_t *val = rdata + pos;
		pos += len;
		switch (code) {
		case DNS_EDNS_NSID:
			/* RFC 5001 2.1: a requestor sends the option empty; anything else in a
			 * query has no defined meaning, so it is ignored. */
			if (len == 0)
				q->want_nsid = true;
			break;
		case DNS_EDNS_ECS:
			if (q->ignore_ecs)
				break;
			/* One option describes one client; two are contradictory, so the
			 * message is treated as malformed (RFC 7871 7.2.1). */
			if (q->has_ecs)
				return GS_EPARSE;
			if (parse_ecs(&q->ecs, val, len) != GS_OK)
				return GS_EPARSE;
			q->has_ecs = true;
			break;
		case DNS_EDNS_COOKIE:
			/* RFC 7873 5.2.2: a length that holds no client cookie, or a
			 * server cookie outside 8 to 32 bytes, is malformed. Two options
			 * would be two clients' cookies: malformed too. */
			if (q->has_cookie || !cookie_len_ok(len)) {
				q->has_cookie = false;
				q->cookie_bad = true;
			} else if (!q->cookie_bad) {
				q->has_cookie = true;
				q->cookie = val;
				q->cookie_len = (uint8_t)len;
			}
			break;
		default:
			break; /* RFC 6891 6.1.2: unknown options are ignored */
		}
	}
	return GS_OK;
}

size_t edns_reply_len(const struct edns_reply *r)
{
	size_t n = EDNS_OPT_FIXED_LEN;
	if (r->nsid)
		n += 4u + r->nsid_len;
	if (r->ecs)
		n += 4u + 4u + r->ecs->addr_len;
	if (r->cookie)
		n += 4u + r->cookie_len;
	return n;
}

void edns_write(struct wire_wr *w, const struct edns_reply *r, uint16_t payload)
{
	/* One bound check for the whole record, then plain stores: this runs for every
	 * response to an EDNS query. */
	size_t total = edns_reply_len(r);
	if (!wire_wr_need(w, total))
		return;
	uint8_t *p = w->base + w->pos;
	p[0] = 0; /* root owner, RFC 6891 6.1.2 */
	wire_put_u16(p + 1, DNS_TYPE_OPT);
	wire_put_u16(p + 3, payload);
	/* Version 0 is the only one we speak; Z bits other than DO are zero. */
	wire_put_u32(p + 5, (uint32_t)r->ext_rcode << 24 | (r->do_bit ? DNS_EDNS_FLAG_DO : 0u));
	wire_put_u16(p + 9, (uint16_t)(total - EDNS_OPT_FIXED_LEN));
	p += EDNS_OPT_FIXED_LEN;
	if (r->nsid) {
		wire_put_u16(p, DNS_EDNS_NSID);
		wire_put_u16(p + 2, r->nsid_len);
		memcpy(p + 4, r->nsid, r->nsid_len);
		p += 4u + r->nsid_len;
	}
	if (r->ecs) {
		/* RFC 7871 7.2.1: FAMILY, SOURCE PREFIX-LENGTH and ADDRESS as in the query,
		 * SCOPE PREFIX-LENGTH set by the responder. */
		wire_put_u16(p, DNS_EDNS_ECS);
		wire_put_u16(p + 2, (uint16_t)(4u + r->ecs->addr_len));
		wire_put_u16(p + 4, r->ecs->family);
		p[6] = r->ecs->source;
		p[7] = r->ecs_scope;
		memcpy(p + 8, r->ecs->addr, r->ecs->addr_len);
		p += 8u + r->ecs->addr_len;
	}
	if (r->cookie) {
		wire_put_u16(p, DNS_EDNS_COOKIE);
		wire_put_u16(p + 2, r->cookie_len);
		memcpy(p + 4, r->cookie, r->cookie_len);
	}
	w->pos += total;
}
