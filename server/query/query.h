/* SPDX-License-Identifier: MIT
 * query.h -- reading a DNS query message in place: header, the one question, a walk
 * over the other sections that validates them and finds the OPT record. The result is
 * a struct query and a verdict; no response is written here. Worker threads; no
 * allocation. */
#ifndef GS_QUERY_H
#define GS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/query/edns.h"

enum query_verdict {
	QUERY_ANSWER,  /* well-formed QUERY: resolve it */
	QUERY_DROP,    /* no response at all: too short for a header, or QR=1 */
	QUERY_FORMERR, /* malformed; has_question says whether the question can be echoed */
	QUERY_NOTIMP,  /* opcode other than QUERY */
	QUERY_COOKIE,  /* QDCOUNT 0 with a COOKIE option: asks for a server cookie only */
};

/* A parsed query. Pointers point into the message, which must outlive the struct. */
struct query {
	uint16_t id;
	uint16_t flags; /* header FLAGS word as received */
	uint8_t opcode;
	bool has_question;    /* qname..qclass are valid */
	const uint8_t *qname; /* the question name in the client's case, at offset 12 */
	uint8_t qname_len;    /* wire length including the root label */
	uint8_t qname_labels;
	uint16_t qtype, qclass;
	uint8_t qname_lc[DNAME_MAX]; /* lowercase copy, for lookups */
	/* Where each of the qname_labels labels (root excluded) starts in qname and
	 * qname_lc, so that the zone choice and lookup need not split the name again. */
	uint8_t qname_off[DNAME_MAX / 2];
	struct edns_query edns;
	bool opt_bad; /* the OPT record itself was malformed (FORMERR carries an OPT) */
};

/* Parses msg[0..len) into q. QUERY_FORMERR covers (RFC 1035 4.1, RFC 9619, RFC 6891
 * 6.1.1): QDCOUNT other than 1 for opcode QUERY, a truncated or compressed question
 * name, a truncated message or trailing bytes after the last counted record, a record
 * name that does not decompress (loops, forward pointers), two OPT records, an OPT
 * record with a non-root owner or outside the additional section, and a malformed OPT
 * (edns_parse_opt). Opcodes other than QUERY get QUERY_NOTIMP, with the question when
 * it parses. The one QUERY without a question that is not malformed is a COOKIE
 * request (RFC 7873 5.4): QDCOUNT 0, otherwise well-formed, with a COOKIE option of a
 * valid length, which gets QUERY_COOKIE (the caller decides whether cookies are on). Content of
 * answer/authority records in a query is otherwise ignored. A QUERY_FORMERR still has
 * q->edns when the message held an OPT record that could be read, even past a question
 * that is malformed or not one question, so that the FORMERR carries an OPT record
 * (RFC 6891 section 7). */
enum query_verdict query_parse(struct query *q, const uint8_t *msg, size_t len) GS_NONNULL GS_HOT;

#endif
