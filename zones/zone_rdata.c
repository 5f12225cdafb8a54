/* SPDX-License-Identifier: MIT
 * zone_rdata.c -- presentation-format rdata of the common types to wire format, for
 * zone_text.c. Each field reader accepts what ldns 1.8's reader of that field accepts
 * with the same result, or declines (numbers with signs or out of range, RFC 3597 "\#"
 * data, unbalanced quotes, ...) so that ldns reads the record and says what it thinks of
 * it. Pure functions, any thread. */
#include "zones/zone_rdata.h"

#include <arpa/inet.h>
#include <string.h>

#include <ldns/ldns.h>

#include "server/base/dns.h"
#include "server/base/hex.h"

/* Longest address text handed to inet_pton (IPv6 with an IPv4 tail is 45). */
#define ADDR_TEXT_MAX 64
/* A <character-string> holds at most 255 bytes (RFC 1035 section 3.3). */
#define STRING_MAX 255u

/* Types that server/base/dns.h has no name for. */
enum { TYPE_SRV = 33, TYPE_DNAME = 39, TYPE_CAA = 257 };

static const struct {
	const char *name;
	uint16_t type;
} known_types[] = {
        {"A", DNS_TYPE_A},
        {"AAAA", DNS_TYPE_AAAA},
        {"NS", DNS_TYPE_NS},
        {"CNAME", DNS_TYPE_CNAME},
        {"PTR", DNS_TYPE_PTR},
        {"DNAME", TYPE_DNAME},
        {"MX", DNS_TYPE_MX},
        {"TXT", DNS_TYPE_TXT},
        {"SOA", DNS_TYPE_SOA},
        {"SRV", TYPE_SRV},
        {"CAA", TYPE_CAA},
        /* DNSSEC, for zones signed elsewhere (zone_dnssec.c). */
        {"DS", DNS_TYPE_DS},
        {"DNSKEY", DNS_TYPE_DNSKEY},
        {"RRSIG", DNS_TYPE_RRSIG},
        {"NSEC", DNS_TYPE_NSEC},
        {"NSEC3", DNS_TYPE_NSEC3},
        {"NSEC3PARAM", DNS_TYPE_NSEC3PARAM},
};

bool zone_rdata_type(const char *p, const char *end, uint16_t *type)
{
	size_t n = (size_t)(end - p);
	for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++) {
		const char *w = known_types[i].name;
		if (strlen(w) != n)
			continue;
		size_t j = 0;
		while (j < n && (p[j] == w[j] || p[j] == w[j] + 32))
			j++;
		if (j == n) {
			*type = known_types[i].type;
			return true;
		}
	}
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

const char *zone_rdata_skip_blank(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

const char *zone_rdata_word(const char *p, const char *end)
{
	while (p < end && !is_blank(*p)) {
		if (*p == '\\' && p + 1 < end)
			p++; /* an escaped character never ends a word */
		p++;
	}
	return p;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool zone_rdata_escape(const char *p, const char *end, const char **next, uint8_t *out)
{
	if (p >= end)
		return false;
	if (!is_digit(*p)) {
		*out = (uint8_t)*p;
		*next = p + 1;
		return true;
	}
	if (end - p < 3 || !is_digit(p[1]) || !is_digit(p[2]))
		return false;
	unsigned v = (unsigned)(p[0] - '0') * 100u + (unsigned)(p[1] - '0') * 10u +
	             (unsigned)(p[2] - '0');
	if (v > 255)
		return false;
	*out = (uint8_t)v;
	*next = p + 3;
	return true;
}

bool zone_rdata_name(const char *p, const char *end, const uint8_t *origin, bool at_is_origin,
                     uint8_t out[DNAME_MAX], size_t *out_len)
{
	size_t n = (size_t)(end - p);
	/* ldns_str2rdf_dname's limits: text of at most 4 * 255 characters, at most 254
	 * of them after escapes (253 when relative), labels of 1 to 63 bytes. */
	if (n == 0 || n > 4u * DNAME_MAX)
		return false;
	if (n == 1 && *p == '.') {
		out[0] = 0;
		*out_len = 1;
		return true;
	}
	uint8_t buf[DNAME_MAX + 1];
	size_t q = 1, lab = 0, label_len = 0;
	bool absolute = false;
	while (p < end) {
		if (q >= DNAME_MAX)
			return false;
		if (*p == '.') {
			if (label_len > DNAME_LABEL_MAX || label_len == 0)
				return false;
			buf[lab] = (uint8_t)label_len;
			lab = q++;
			label_len = 0;
			absolute = true;
			p++;
			continue;
		}
		absolute = false;
		if (*p == '\\') {
			if (!zone_rdata_escape(p + 1, end, &p, &buf[q]))
				return false;
		} else {
			buf[q] = (uint8_t)*p++;
		}
		q++;
		label_len++;
	}
	size_t len;
	if (absolute) {
		buf[lab] = 0;
		len = q;
	} else {
		if (q >= DNAME_MAX || label_len > DNAME_LABEL_MAX || label_len == 0)
			return false;
		buf[lab] = (uint8_t)label_len;
		buf[q] = 0;
		len = q + 1;
	}
	size_t olen = dname_len(origin);
	/* In rdata, ldns takes any name whose first label is "@" for the origin. */
	if (at_is_origin && buf[0] == 1 && buf[1] == '@') {
		memcpy(out, origin, olen);
		*out_len = olen;
		return true;
	}
	if (!absolute) {
		/* ldns appends the origin without a length check: longer names are
		 * left to it. */
		if (len - 1 + olen > DNAME_MAX)
			return false;
		memcpy(out, buf, len - 1);
		memcpy(out + len - 1, origin, olen);
		*out_len = len - 1 + olen;
		return true;
	}
	memcpy(out, buf, len);
	*out_len = len;
	return true;
}

unsigned zone_rdata_unit(char c)
{
	switch (c) {
	case 's':
	case 'S':
		return 1;
	case 'm':
	case 'M':
		return 60;
	case 'h':
	case 'H':
		return 3600;
	case 'd':
	case 'D':
		return 86400;
	case 'w':
	case 'W':
		return 604800;
	default:
		return 0;
	}
}

/* The rdata being written and the text still to read. */
struct rd {
	const char *p, *end;
	const uint8_t *origin;
	uint8_t *out;
	size_t len;
};

static bool put(struct rd *r, const void *data, size_t n)
{
	if (n > UINT16_MAX - r->len)
		return false;
	memcpy(r->out + r->len, data, n);
	r->len += n;
	return true;
}

/* The next field as a word: false when there is none, or when it holds something that
 * makes ldns read the line differently (a quote, an unescaped parenthesis or semicolon)
 * or is RFC 3597's "\#" (unknown-type rdata, left to ldns). */
static bool field(struct rd *r, const char **w, const char **w_end)
{
	const char *p = zone_rdata_skip_blank(r->p, r->end);
	const char *e = zone_rdata_word(p, r->end);
	if (e == p || (e - p >= 2 && p[0] == '\\' && p[1] == '#'))
		return false;
	for (const char *q = p; q < e; q++) {
		if (*q == '\\')
			q++;
		else if (*q == '"' || *q == '(' || *q == ')' || *q == ';')
			return false;
	}
	*w = p;
	*w_end = e;
	r->p = e;
	return true;
}

/* Plain decimal digits worth at most max (ldns's strtol/strtoul readers also take signs,
 * blanks and out-of-range values, which they wrap: those are left to ldns). */
static bool decimal(const char *p, const char *end, uint32_t max, uint32_t *out)
{
	if (p == end || end - p > 10)
		return false;
	uint64_t v = 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10u + (uint64_t)(*p - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool field_int(struct rd *r, unsigned bytes)
{
	const char *p, *e;
	uint32_t v;
	uint32_t max = bytes == 1 ? 0xffu : bytes == 2 ? 0xffffu : 0xffffffffu;
	if (!field(r, &p, &e) || !decimal(p, e, max, &v))
		return false;
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return put(r, b + 4 - bytes, bytes);
}

/* ldns_str2period: digits, each run optionally followed by a unit (s, m, h, d, w), a run
 * without a unit counting seconds. Declines what would wrap ldns's 32-bit sums. */
static bool field_period(struct rd *r)
{
	const char *p, *e;
	if (!field(r, &p, &e))
		return false;
	uint64_t total = 0, n = 0;
	for (; p < e; p++) {
		uint64_t unit = zone_rdata_unit(*p);
		if (!unit) {
			if (*p < '0' || *p > '9')
				return false;
			n = n * 10u + (uint64_t)(*p - '0');
			if (n > UINT32_MAX)
				return false;
			continue;
		}
		if (n * unit > UINT32_MAX)
			return false;
		total += n * unit;
		n = 0;
		if (total > UINT32_MAX)
			return false;
	}
	total += n;
	if (total > UINT32_MAX)
		return false;
	uint8_t b[4] = {(uint8_t)(total >> 24), (uint8_t)(total >> 16), (uint8_t)(total >> 8),
	                (uint8_t)total};
	return put(r, b, 4);
}

static bool field_name(struct rd *r)
{
	const char *p, *e;
	uint8_t name[DNAME_MAX];
	size_t len;
	return field(r, &p, &e) && zone_rdata_name(p, e, r->origin, true, name, &len) &&
	       put(r, name, len);
}

static bool field_addr(struct rd *r, int af)
{
	const char *p, *e;
	char text[ADDR_TEXT_MAX];
	uint8_t addr[16];
	if (!field(r, &p, &e) || (size_t)(e - p) >= sizeof(text))
		return false;
	memcpy(text, p, (size_t)(e - p));
	text[e - p] = '\0';
	if (inet_pton(af, text, addr) != 1)
		return false;
	return put(r, addr, af == AF_INET ? 4 : 16);
}

/* Decodes the escapes of [p, end) (ldns_str2rdf_str, _long_str) after a length byte when
 * with_len; at most max bytes. */
static bool put_string(struct rd *r, const char *p, const char *end, size_t max, bool with_len)
{
	size_t start = r->len;
	if (with_len && !put(r, "", 1))
		return false;
	while (p < end) {
		uint8_t c;
		if (*p == '\\') {
			if (!zone_rdata_escape(p + 1, end, &p, &c))
				return false;
		} else {
			c = (uint8_t)*p++;
		}
		if (r->len - start - with_len >= max || !put(r, &c, 1))
			return false;
	}
	if (with_len)
		r->out[start] = (uint8_t)(r->len - start - 1);
	return true;
}

/* A quoted string at r->p: its text between the quotes (an escaped quote does not end
 * it). False when it is not quoted or not closed. */
static bool quoted(struct rd *r, const char **s, const char **s_end)
{
	const char *p = zone_rdata_skip_blank(r->p, r->end);
	if (p == r->end || *p != '"')
		return false;
	const char *q = ++p;
	while (q < r->end && *q != '"') {
		if (*q == '\\' && q + 1 < r->end)
			q++;
		q++;
	}
	if (q == r->end)
		return false;
	*s = p;
	*s_end = q;
	r->p = q + 1;
	return true;
}

/* TXT: one or more <character-string>s, quoted or single words. */
static bool rdata_txt(struct rd *r)
{
	unsigned n = 0;
	for (;;) {
		r->p = zone_rdata_skip_blank(r->p, r->end);
		if (r->p == r->end)
			break;
		const char *s, *e;
		if (*r->p == '"') {
			if (!quoted(r, &s, &e))
				return false;
		} else if (!field(r, &s, &e)) {
			return false;
		}
		if (!put_string(r, s, e, STRING_MAX, true))
			return false;
		n++;
	}
	return n > 0;
}

/* CAA (RFC 8659): flags, an alphanumeric tag, and a quoted value of any length. */
static bool rdata_caa(struct rd *r)
{
	const char *p, *e;
	if (!field_int(r, 1) || !field(r, &p, &e) || e - p > (ptrdiff_t)STRING_MAX)
		return false;
	for (const char *q = p; q < e; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9')))
			return false;
	uint8_t n = (uint8_t)(e - p);
	if (!put(r, &n, 1) || !put(r, p, n))
		return false;
	return quoted(r, &p, &e) && put_string(r, p, e, UINT16_MAX, false);
}

/* ---- DNSSEC fields ---- */

/* The rest of the rdata as one field (ldns reads a last base64, hex or type-list field
 * to the end of the line, blanks included): false when it holds a quote, an unescaped
 * parenthesis or semicolon, a backslash, or starts with "\#". */
static bool field_rest(struct rd *r, const char **w, const char **w_end)
{
	const char *p = zone_rdata_skip_blank(r->p, r->end);
	if (p == r->end)
		return false;
	for (const char *q = p; q < r->end; q++)
		if (*q == '"' || *q == '(' || *q == ')' || *q == ';' || *q == '\\')
			return false;
	*w = p;
	*w_end = r->end;
	r->p = r->end;
	return true;
}

/* Hex digits, blanks between them ignored; an even number of digits (ldns would
 * take a last odd digit as a high nibble: left to it). */
static bool put_hex(struct rd *r, const char *p, const char *end)
{
	int hi = -1;
	for (; p < end; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		int v = hex_digit_value(*p);
		if (v < 0)
			return false;
		if (hi < 0) {
			hi = v;
			continue;
		}
		uint8_t b = (uint8_t)(hi << 4 | v);
		if (!put(r, &b, 1))
			return false;
		hi = -1;
	}
	return hi < 0;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Base64 (RFC 4648 section 4), blanks anywhere ignored, padded to whole quads, unused
 * bits zero (ldns_b64_pton's rules); "-" or "0" alone is empty, as in ldns. */
static bool field_b64(struct rd *r)
{
	const char *p, *e;
	if (!field_rest(r, &p, &e))
		return false;
	if (e - p == 1 && (*p == '-' || *p == '0'))
		return true;
	uint32_t acc = 0;
	unsigned n = 0, pad = 0;
	size_t start = r->len;
	for (; p < e; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		int v = b64_value(*p);
		if (v < 0 || pad)
			return false;
		acc = acc << 6 | (uint32_t)v;
		if (++n % 4 == 0) {
			uint8_t b[3] = {(uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc};
			if (!put(r, b, 3))
				return false;
			acc = 0;
		}
	}
	unsigned left = n % 4;
	if ((left == 0 && pad != 0) || (left == 2 && (pad != 2 || (acc & 0xf))) ||
	    (left == 3 && (pad != 1 || (acc & 0x3))) || left == 1)
		return false;
	if (left == 2) {
		uint8_t b = (uint8_t)(acc >> 4);
		if (!put(r, &b, 1))
			return false;
	} else if (left == 3) {
		uint8_t b[2] = {(uint8_t)(acc >> 10), (uint8_t)(acc >> 2)};
		if (!put(r, b, 2))
			return false;
	}
	/* ldns keeps the decoded length in an int16_t and reads 65535 as an error. */
	return r->len - start < 32768;
}

/* An algorithm number (ldns also takes mnemonics: left to it). */
static bool field_alg(struct rd *r)
{
	return field_int(r, 1);
}

/* A type mnemonic or TYPEn, as ldns_get_rr_type_by_name reads it (unknown words are
 * type 0 there, as here). */
static bool type_word(const char *p, const char *e, uint16_t *type)
{
	char w[32];
	if ((size_t)(e - p) >= sizeof(w))
		return false;
	for (const char *q = p; q < e; q++)
		if (*q == '\\' || *q == '"')
			return false;
	memcpy(w, p, (size_t)(e - p));
	w[e - p] = '\0';
	*type = (uint16_t)ldns_get_rr_type_by_name(w);
	return true;
}

static bool field_type(struct rd *r)
{
	const char *p, *e;
	uint16_t t;
	if (!field(r, &p, &e) || !type_word(p, e, &t))
		return false;
	uint8_t b[2] = {(uint8_t)(t >> 8), (uint8_t)t};
	return put(r, b, 2);
}

/* RRSIG times: YYYYMMDDHHmmSS (UTC, fields checked as ldns checks them, the day not
 * against its month), or seconds since 1970. */
static bool field_time(struct rd *r)
{
	const char *p, *e;
	if (!field(r, &p, &e))
		return false;
	for (const char *q = p; q < e; q++)
		if (*q < '0' || *q > '9')
			return false;
	uint64_t v = 0;
	if (e - p == 14) {
		int f[6], w[6] = {4, 2, 2, 2, 2, 2};
		for (int i = 0; i < 6; i++) {
			f[i] = 0;
			for (int k = 0; k < w[i]; k++)
				f[i] = f[i] * 10 + (*p++ - '0');
		}
		int year = f[0], mon = f[1] - 1, mday = f[2];
		if (year < 1970 || mon < 0 || mon > 11 || mday < 1 || mday > 31 || f[3] > 23 ||
		    f[4] > 59 || f[5] > 59)
			return false;
		static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		int64_t y1 = 1969, y2 = year - 1;
		int64_t days = 365 * (int64_t)(year - 1970) + (y2 / 4 - y1 / 4) -
		               (y2 / 100 - y1 / 100) + (y2 / 400 - y1 / 400);
		for (int i = 0; i < mon; i++)
			days += mdays[i];
		bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
		if (mon > 1 && leap)
			days++;
		days += mday - 1;
		v = (uint64_t)(((days * 24 + f[3]) * 60 + f[4]) * 60 + f[5]) & 0xffffffffu;
	} else {
		uint32_t secs;
		if (!decimal(p, e, UINT32_MAX, &secs))
			return false;
		v = secs;
	}
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return put(r, b, 4);
}

/* A type bitmap (RFC 4034 section 4.1.2) from the rest of the line, or none when the
 * line ends here (optional in ldns's NSEC and NSEC3). */
static bool field_bitmap(struct rd *r)
{
	const char *p, *e;
	r->p = zone_rdata_skip_blank(r->p, r->end);
	if (r->p == r->end)
		return true;
	if (!field_rest(r, &p, &e))
		return false;
	uint8_t map[256][32];
	int top[256];
	for (int i = 0; i < 256; i++)
		top[i] = -1;
	while ((p = zone_rdata_skip_blank(p, e)) < e) {
		const char *w = zone_rdata_word(p, e);
		uint16_t t;
		if (!type_word(p, w, &t))
			return false;
		int win = t >> 8, bit = t & 0xff;
		if (top[win] < 0)
			memset(map[win], 0, sizeof(map[win]));
		if (bit / 8 > top[win])
			top[win] = bit / 8;
		map[win][bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
		p = w;
	}
	for (int i = 0; i < 256; i++) {
		if (top[i] < 0)
			continue;
		uint8_t h[2] = {(uint8_t)i, (uint8_t)(top[i] + 1)};
		if (!put(r, h, 2) || !put(r, map[i], (size_t)top[i] + 1))
			return false;
	}
	return true;
}

/* NSEC3 salt: "-" for none, else an even number of hex digits (at most 255 bytes). */
static bool field_salt(struct rd *r)
{
	const char *p, *e;
	if (!field(r, &p, &e))
		return false;
	size_t n = (size_t)(e - p);
	if (n == 1 && *p == '-')
		return put(r, "", 1);
	if (n % 2 || n > 2 * 255)
		return false;
	uint8_t len = (uint8_t)(n / 2);
	return put(r, &len, 1) && put_hex(r, p, e);
}

/* NSEC3 next hashed owner: base32 with the extended hex alphabet (RFC 4648 section 7),
 * unpadded, in whole groups of 8 characters; a length byte first. */
static bool field_b32hex(struct rd *r)
{
	const char *p, *e;
	if (!field(r, &p, &e))
		return false;
	size_t n = (size_t)(e - p);
	if (n == 0 || n % 8 || n * 5 / 8 > 255)
		return false;
	uint8_t len = (uint8_t)(n * 5 / 8);
	if (!put(r, &len, 1))
		return false;
	for (; p < e; p += 8) {
		uint64_t acc = 0;
		for (int i = 0; i < 8; i++) {
			char c = p[i];
			int v = c >= '0' && c <= '9'   ? c - '0'
			        : c >= 'a' && c <= 'v' ? c - 'a' + 10
			        : c >= 'A' && c <= 'V' ? c - 'A' + 10
			                               : -1;
			if (v < 0)
				return false;
			acc = acc << 5 | (uint64_t)v;
		}
		uint8_t b[5] = {(uint8_t)(acc >> 32), (uint8_t)(acc >> 24), (uint8_t)(acc >> 16),
		                (uint8_t)(acc >> 8), (uint8_t)acc};
		if (!put(r, b, 5))
			return false;
	}
	return true;
}

bool zone_rdata_read(uint16_t type, const char *p, const char *end, const uint8_t *origin,
                     uint8_t out[UINT16_MAX], uint16_t *rdlen)
{
	struct rd r = {.p = p, .end = end, .origin = origin, .out = out, .len = 0};
	bool ok;
	switch (type) {
	case DNS_TYPE_A:
		ok = field_addr(&r, AF_INET);
		break;
	case DNS_TYPE_AAAA:
		ok = field_addr(&r, AF_INET6);
		break;
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
	case TYPE_DNAME:
		ok = field_name(&r);
		break;
	case DNS_TYPE_MX:
		ok = field_int(&r, 2) && field_name(&r);
		break;
	case DNS_TYPE_TXT:
		ok = rdata_txt(&r);
		break;
	case DNS_TYPE_SOA:
		ok = field_name(&r) && field_name(&r) && field_int(&r, 4) && field_period(&r) &&
		     field_period(&r) && field_period(&r) && field_period(&r);
		break;
	case TYPE_SRV:
		ok = field_int(&r, 2) && field_int(&r, 2) && field_int(&r, 2) && field_name(&r);
		break;
	case TYPE_CAA:
		ok = rdata_caa(&r);
		break;
	case DNS_TYPE_DS: {
		const char *h, *he;
		ok = field_int(&r, 2) && field_alg(&r) && field_int(&r, 1) &&
		     field_rest(&r, &h, &he) && put_hex(&r, h, he);
		break;
	}
	case DNS_TYPE_DNSKEY:
		ok = field_int(&r, 2) && field_int(&r, 1) && field_alg(&r) && field_b64(&r);
		break;
	case DNS_TYPE_RRSIG:
		ok = field_type(&r) && field_alg(&r) && field_int(&r, 1) && field_int(&r, 4) &&
		     field_time(&r) && field_time(&r) && field_int(&r, 2) && field_name(&r) &&
		     field_b64(&r);
		break;
	case DNS_TYPE_NSEC:
		ok = field_name(&r) && field_bitmap(&r);
		break;
	case DNS_TYPE_NSEC3:
		ok = field_int(&r, 1) && field_int(&r, 1) && field_int(&r, 2) && field_salt(&r) &&
		     field_b32hex(&r) && field_bitmap(&r);
		break;
	case DNS_TYPE_NSEC3PARAM:
		ok = field_int(&r, 1) && field_int(&r, 1) && field_int(&r, 2) && field_salt(&r);
		break;
	default:
		ok = false;
	}
	/* Anything left over is ldns's "superfluous text" error. */
	if (!ok || zone_rdata_skip_blank(r.p, r.end) != r.end)
		return false;
	*rdlen = (uint16_t)r.len;
	return true;
}
