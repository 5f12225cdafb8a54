/* SPDX-License-Identifier: MIT
 * dns.h -- DNS protocol numbers, the one place that spells them: header layout and
 * flag bits, opcodes, RCODEs, classes, RR types, EDNS(0) option codes. Header only;
 * no thread concerns. It lives in the bottom layer because zones/ (the zone compiler)
 * needs the RR types as much as the query path does, and zones/ may not include
 * anything from server/query/, which sits above it. */
#ifndef GS_DNS_H
#define GS_DNS_H

#define DNS_HEADER_LEN 12u

/* RFC 1035 4.1.1 header flag bits, as the 16-bit FLAGS word. */
#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_AA 0x0400u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u
#define DNS_FLAG_RA 0x0080u
#define DNS_FLAG_AD 0x0020u /* RFC 4035 3.2.3 */
#define DNS_FLAG_CD 0x0010u /* RFC 4035 3.2.2 */
/* The OPCODE field (4 bits) and the RCODE field (the low 4 bits of the RCODE). */
#define DNS_FLAG_OPCODE_MASK  0x7800u
#define DNS_FLAG_OPCODE_SHIFT 11u
#define DNS_FLAG_RCODE_MASK   0x000fu

enum dns_opcode { DNS_OPCODE_QUERY = 0 };

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16, /* RFC 6891 6.1.3: extended, needs OPT */
};

enum dns_class { DNS_CLASS_IN = 1, DNS_CLASS_CH = 3 };

/* The RR types the server gives a meaning to (RFC 1035 3.2.2, RFC 3596, RFC 4034,
 * RFC 6891, RFC 1995, RFC 5936, RFC 5155). */
enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_MD = 3,
	DNS_TYPE_MF = 4,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_MB = 7,
	DNS_TYPE_MG = 8,
	DNS_TYPE_MR = 9,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MINFO = 14,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_DS = 43,
	DNS_TYPE_RRSIG = 46,
	DNS_TYPE_NSEC = 47,
	DNS_TYPE_DNSKEY = 48,
	DNS_TYPE_NSEC3 = 50,      /* RFC 5155 */
	DNS_TYPE_NSEC3PARAM = 51, /* RFC 5155 */
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_ANY = 255,
};

/* EDNS(0): the DO bit in the OPT record's TTL (RFC 3225), option codes, and the
 * address families of the Client Subnet option (IANA numbers, RFC 7871 section 6). */
#define DNS_EDNS_FLAG_DO 0x8000u
enum dns_edns_option {
	DNS_EDNS_NSID = 3,    /* RFC 5001 */
	DNS_EDNS_ECS = 8,     /* RFC 7871 */
	DNS_EDNS_COOKIE = 10, /* RFC 7873 */
};
enum dns_ecs_family { DNS_ECS_FAMILY_IPV4 = 1, DNS_ECS_FAMILY_IPV6 = 2 };

#endif
