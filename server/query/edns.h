/* SPDX-License-Identifier: MIT
 * edns.h -- EDNS(0) (RFC 6891): reading the OPT record of a query, its NSID (RFC 5001),
 * Client Subnet (RFC 7871) and COOKIE (RFC 7873) options, and writing the OPT record
 * of a response.
 * Worker threads; pure functions, no allocation. */
#ifndef GS_EDNS_H
#define GS_EDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/base/dns.h"
#include "server/query/wire.h"

/* Fixed part of an OPT record: root owner (1), TYPE, CLASS, TTL, RDLENGTH. */
#define EDNS_OPT_FIXED_LEN 11u

/* A validated Client Subnet option. addr holds the first ceil(source/8) bytes as sent
 * (RFC 7871 section 6 requires the bits beyond the source prefix to be zero, which
 * edns_parse_opt checks), the rest zero. */
struct edns_ecs {
	uint16_t family; /* DNS_ECS_FAMILY_IPV4 or DNS_ECS_FAMILY_IPV6 */
	uint8_t source;  /* SOURCE PREFIX-LENGTH */
	uint8_t addr_len;
	uint8_t addr[16];
};

/* What the query's OPT record asked for. */
struct edns_query {
	bool present;          /* the query carried an OPT record */
	bool do_bit;           /* DNSSEC OK, RFC 3225 */
	bool want_nsid;        /* an empty NSID option, RFC 5001 section 2.1 */
	bool has_ecs;          /* a valid ECS option, in ecs */
	bool has_cookie;       /* a well-formed COOKIE option, at cookie */
	bool cookie_bad;       /* a COOKIE option of a length RFC 7873 5.2.2 refuses, or two */
	uint8_t cookie_len;    /* 8 (client cookie only) or 16 to 40 */
	const uint8_t *cookie; /* the option's data, inside the query message */
	uint8_t version;       /* EDNS VERSION; > 0 is answered with BADVERS */
	uint16_t payload;      /* requestor's UDP payload size, as sent */
	struct edns_ecs ecs;
	/* Set by the caller before parsing (not reset by it): the server does not do ECS
	 * (geoip.client_subnet false), so the option is skipped like any unknown option,
	 * unvalidated and never echoed (RFC 7871 7.1.3). */
	bool ignore_ecs;
};

/* Forgets what an earlier query's OPT record said: no OPT record, no options. The
 * fields these flags guard are left as they are, and so is ignore_ecs (the caller's). */
static inline void edns_query_reset(struct edns_query *q)
{
	q->present = false;
	q->want_nsid = false;
	q->has_ecs = false;
	q->has_cookie = false;
	q->cookie_bad = false;
}

/* Parses the fixed fields (CLASS = payload, TTL = extended RCODE, version, flags) and
 * the options of an OPT record. Unknown options are ignored (RFC 6891 6.1.2). Returns
 * GS_OK, or GS_EPARSE for an option overrunning the rdata, a malformed ECS option
 * (RFC 7871 section 7.2.1: unknown family, prefix longer than the address, wrong
 * address length, bits set beyond the prefix; section 6: a SCOPE PREFIX-LENGTH other
 * than 0) or a second ECS option. On error, q
 * still says present, version and do_bit. A COOKIE option is not judged here (cookies
 * may be off, and then it is an unknown option): a bad one sets cookie_bad. */
int edns_parse_opt(struct edns_query *q, uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
                   uint16_t rdlen) GS_NONNULLX(1) GS_WUR;

/* The OPT record of a response. */
struct edns_reply {
	uint8_t ext_rcode;   /* upper 8 bits of the 12-bit RCODE (BADVERS 16 -> 1) */
	bool do_bit;         /* echoed from the query, RFC 3225 section 3 */
	const uint8_t *nsid; /* NSID payload, or NULL for no NSID option */
	uint8_t nsid_len;
	const struct edns_ecs *ecs; /* echoed ECS option, or NULL */
	uint8_t ecs_scope;          /* SCOPE PREFIX-LENGTH to put in the echo */
	const uint8_t *cookie;      /* COOKIE option data (client | server cookie), or NULL */
	uint8_t cookie_len;
};

/* Bytes edns_write() will append for r. */
size_t edns_reply_len(const struct edns_reply *r) GS_NONNULL;
/* Appends the OPT record for r to w, advertising payload as our UDP payload size. */
void edns_write(struct wire_wr *w, const struct edns_reply *r, uint16_t payload) GS_NONNULL;

#endif
