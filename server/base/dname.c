/* SPDX-License-Identifier: MIT
 * dname.c -- wire-format domain name helpers: text conversion, comparison, and reading
 * (possibly compressed) names out of packets. */
#include "server/base/dname.h"

#include <stdio.h>
#include <string.h>

#include "server/base/err.h"

size_t dname_len(const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

unsigned dname_labels(const uint8_t *name)
{
	unsigned n = 0;
	while (*name) {
		name += *name + 1;
		n++;
	}
	return n;
}

void dname_lower(uint8_t *name)
{
	while (*name) {
		uint8_t len = *name++;
		for (uint8_t i = 0; i < len; i++)
			name[i] = dname_lower_byte(name[i]);
		name += len;
	}
}

bool dname_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return false;
		uint8_t len = *a;
		if (len == 0)
			return true;
		a++;
		b++;
		for (uint8_t i = 0; i < len; i++)
			if (dname_lower_byte(a[i]) != dname_lower_byte(b[i]))
				return false;
		a += len;
		b += len;
	}
}

const uint8_t *dname_suffix(const uint8_t *name, unsigned keep)
{
	unsigned skip = dname_labels(name) - keep;
	while (skip--)
		name += *name + 1;
	return name;
}

bool dname_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	unsigned nl = dname_labels(name), pl = dname_labels(parent);
	if (nl < pl)
		return false;
	return dname_equal(dname_suffix(name, pl), parent);
}

/* Collects pointers to the labels of name, root-most last; returns the count. */
static unsigned label_ptrs(const uint8_t *name, const uint8_t *v[128])
{
	unsigned n = 0;
	while (*name && n < 128) {
		v[n++] = name;
		name += *name + 1;
	}
	return n;
}

int dname_compare(const uint8_t *a, const uint8_t *b)
{
	const uint8_t *la[128], *lb[128];
	unsigned na = label_ptrs(a, la), nb = label_ptrs(b, lb);
	while (na && nb) {
		const uint8_t *x = la[--na], *y = lb[--nb];
		unsigned lx = x[0], ly = y[0], m = lx < ly ? lx : ly;
		for (unsigned i = 1; i <= m; i++) {
			uint8_t cx = dname_lower_byte(x[i]), cy = dname_lower_byte(y[i]);
			if (cx != cy)
				return cx < cy ? -1 : 1;
		}
		if (lx != ly)
			return lx < ly ? -1 : 1;
	}
	if (na == nb)
		return 0;
	return na < nb ? -1 : 1;
}

int dname_from_text(const char *text, const uint8_t *origin, uint8_t out[DNAME_MAX],
                    size_t *out_len)
{
	size_t pos = 0;
	const char *s = text;
	if (s[0] == '@' && s[1] == '\0') {
		if (!origin)
			return GS_EINVAL;
		size_t olen = dname_len(origin);
		memcpy(out, origin, olen);
		*out_len = olen;
		return GS_OK;
	}
	if (s[0] == '.' && s[1] == '\0') {
		out[0] = 0;
		*out_len = 1;
		return GS_OK;
	}
	bool absolute = false;
	while (*s) {
		size_t label_at = pos++;
		size_t len = 0;
		if (label_at >= DNAME_MAX)
			return GS_EINVAL;
		while (*s && *s != '.') {
			int c = (unsigned char)*s++;
			if (c == '\\') {
				if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
				    s[2] >= '0' && s[2] <= '9') {
					c = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
					if (c > 255)
						return GS_EINVAL;
					s += 3;
				} else if (*s) {
					c = (unsigned char)*s++;
				} else {
					return GS_EINVAL;
				}
			}
			if (len == DNAME_LABEL_MAX || pos >= DNAME_MAX - 1)
				return GS_EINVAL;
			out[pos++] = (uint8_t)c;
			len++;
		}
		if (len == 0)
			return GS_EINVAL; /* empty label: ".." or a leading dot */
		out[label_at] = (uint8_t)len;
		if (*s == '.') {
			s++;
			if (*s == '\0')
				absolute = true;
		}
	}
	if (pos == 0)
		return GS_EINVAL;
	if (absolute || !origin) {
		out[pos++] = 0;
	} else {
		size_t olen = dname_len(origin);
		if (pos + olen > DNAME_MAX)
			return GS_EINVAL;
		memcpy(out + pos, origin, olen);
		pos += olen;
	}
	*out_len = pos;
	return GS_OK;
}

void dname_to_text(const uint8_t *name, char out[DNAME_TEXT_MAX])
{
	char *o = out;
	if (*name == 0) {
		strcpy(out, ".");
		return;
	}
	while (*name) {
		uint8_t len = *name++;
		for (uint8_t i = 0; i < len; i++) {
			uint8_t c = name[i];
			if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' ||
			    c == '@' || c == '$') {
				*o++ = '\\';
				*o++ = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				o += sprintf(o, "\\%03u", c);
			} else {
				*o++ = (char)c;
			}
		}
		name += len;
		*o++ = '.';
	}
	*o = '\0';
}

int dname_read_wire(const uint8_t *pkt, size_t pkt_len, size_t *pos, uint8_t out[DNAME_MAX],
                    size_t *out_len)
{
	size_t p = *pos, o = 0, end_pos = 0;
	size_t floor = *pos; /* a pointer must point strictly before this */
	bool jumped = false;
	for (;;) {
		if (p >= pkt_len)
			return GS_EPARSE;
		uint8_t len = pkt[p];
		if ((len & 0xc0) == 0xc0) {
			if (p + 1 >= pkt_len)
				return GS_EPARSE;
			size_t target = (size_t)(len & 0x3f) << 8 | pkt[p + 1];
			if (target >= floor)
				return GS_EPARSE; /* forward, self or looping pointer */
			if (!jumped)
				end_pos = p + 2;
			jumped = true;
			floor = target;
			p = target;
			continue;
		}
		if (len & 0xc0)
			return GS_EPARSE; /* 0x40/0x80: extended or reserved label types */
		if (o + len + 1 > DNAME_MAX)
			return GS_EPARSE;
		if (p + 1 + len > pkt_len)
			return GS_EPARSE;
		memcpy(out + o, pkt + p, (size_t)len + 1);
		o += (size_t)len + 1;
		p += (size_t)len + 1;
		if (len == 0)
			break;
	}
	*pos = jumped ? end_pos : p;
	*out_len = o;
	return GS_OK;
}
