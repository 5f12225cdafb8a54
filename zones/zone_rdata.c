/* SPDX-License-Identifier: MIT
 * zone_rdata.c -- presentation-format rdata of the common types to wire format, for
 * zone_text.c. Each field reader accepts what ldns 1.8's reader of that field accepts
 * with the same result, or declines (numbers with signs or out of range, RFC 3597 "\#"
 * data, unbalanced quotes, ...) so that ldns reads the record and says what it thinks of
 * it. Pure functions, any thread. */
#include "zones/zone_rdata.h"

#include <arpa/inet.h>
#include <string.h>

#include "server/base/dns.h"

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
        {"A", DNS_TYPE_A},         {"AAAA", DNS_TYPE_AAAA}, {"NS", DNS_TYPE_NS},
        {"CNAME", DNS_TYPE_CNAME}, {"PTR", DNS_TYPE_PTR},   {"DNAME", TYPE_DNAME},
        {"MX", DNS_TYPE_MX},       {"TXT", DNS_TYPE_TXT},   {"SOA", DNS_TYPE_SOA},
        {"SRV", TYPE_SRV},         {"CAA", TYPE_CAA},
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
	const char *p = zone_text_skip_blank(r->p, r->end);
	const char *e = zone_text_word(p, r->end);
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
		uint64_t unit;
		switch (*p) {
		case 's':
		case 'S':
			unit = 1;
			break;
		case 'm':
		case 'M':
			unit = 60;
			break;
		case 'h':
		case 'H':
			unit = 3600;
			break;
		case 'd':
		case 'D':
			unit = 86400;
			break;
		case 'w':
		case 'W':
			unit = 604800;
			break;
		default:
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
	return field(r, &p, &e) && zone_text_name(p, e, r->origin, true, name, &len) &&
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
			if (!zone_text_escape(p + 1, end, &p, &c))
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
	const char *p = zone_text_skip_blank(r->p, r->end);
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
		r->p = zone_text_skip_blank(r->p, r->end);
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

bool zone_rdata_read(uint16_t type, const char *p, const char *end, const uint8_t *origin,
                     struct zone_text_rr *rr)
{
	struct rd r = {.p = p, .end = end, .origin = origin, .out = rr->rdata, .len = 0};
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
	default:
		ok = false;
	}
	/* Anything left over is ldns's "superfluous text" error. */
	if (!ok || zone_text_skip_blank(r.p, r.end) != r.end)
		return false;
	rr->rdlen = (uint16_t)r.len;
	return true;
}
