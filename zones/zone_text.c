/* SPDX-License-Identifier: MIT
 * zone_text.c -- the loader's own master-file reader (zone_text.h): the logical line of
 * an entry, and a record's owner, TTL, class and type. The rdata of each known type is
 * read by zone_rdata.c. Everything here follows what ldns 1.8 does with the same text,
 * down to its odd corners (an owner that starts with '@' is the origin, a ')' glues the
 * words around it); where following it would take more than a few lines, the entry is
 * left to ldns instead. Pure functions, any thread. */
#include "zones/zone_text.h"

#include <string.h>

#include "zones/zone_rdata.h"

/* ldns reads an owner of at most this many characters, a TTL (or whatever word stands
 * there) of fewer than TTL_WORD_MAX, a class or type of fewer than CLASS_WORD_MAX, and
 * rdata text of fewer than RDATA_TEXT_MAX. */
#define OWNER_WORD_MAX 255u
#define TTL_WORD_MAX   21u
#define CLASS_WORD_MAX 16u
#define RDATA_TEXT_MAX 65535u

/* Characters that the line reader copies without a second look: printable ASCII and
 * bytes above it, blanks, but none of ( ) ; " \\ and no other control character. */
static const bool plain[256] = {
        ['\t'] = true,        [' '] = true,         ['!'] = true,         ['#' ... '\''] = true,
        ['*' ... ':'] = true, ['<' ... '['] = true, [']' ... '~'] = true, [0x80 ... 0xff] = true,
};

bool zone_text_line(const char *buf, size_t len, size_t pos, char *line, size_t *line_len,
                    size_t *end)
{
	size_t i = pos, o = 0, n = 0; /* o: bytes written, n: characters counted */
	int paren = 0;
	bool comment = false, quoted = false;
	unsigned char prev = 0;
	while (i < len) {
		if (comment) {
			/* Nothing counts inside a comment until its line ends. */
			const char *nl = memchr(buf + i, '\n', len - i);
			if (!nl)
				break;
			i = (size_t)(nl - buf);
		} else if (paren >= 0) {
			/* Runs of ordinary characters are copied as they are (after more ')'
			 * than '(', each character is looked at: ldns stops at the next). */
			size_t run = i;
			while (run < len && plain[(unsigned char)buf[run]])
				run++;
			if (run > i) {
				size_t k = run - i;
				if (o + k >= ZONE_TEXT_LINE_MAX)
					return false;
				memcpy(line + o, buf + i, k);
				o += k;
				n += k;
				prev = (unsigned char)buf[run - 1];
				i = run;
				if (i == len)
					break;
			}
		}
		unsigned char c = (unsigned char)buf[i++];
		if (c == '\0')
			return false;
		if (c == '\r')
			c = ' ';
		if ((c == '(' || c == ')') && prev != '\\' && !quoted) {
			if (!comment)
				paren += c == '(' ? 1 : -1;
			prev = c;
			continue;
		}
		if (paren < 0)
			return false; /* ldns ends the line here and loses this character */
		if (c == ';' && !quoted && prev != '\\')
			comment = true;
		if (c == '"' && !comment && prev != '\\')
			quoted = !quoted;
		if (c == '\n' && comment) {
			comment = false;
			if (paren == 0 && n > 0)
				goto done;
			prev = c;
			continue;
		}
		if (comment) {
			prev = c;
			continue;
		}
		if (c == '\n' && paren != 0 && o > 0) {
			if (o + 1 >= ZONE_TEXT_LINE_MAX)
				return false;
			line[o++] = ' '; /* a line break inside parentheses */
			prev = c;
			continue;
		}
		if ((c == '\n' || c == '\f' || c == '\v') && n > 0 && prev != '\\' && paren == 0)
			goto done;
		if (c != '\n') {
			/* Other control characters are ldns's to judge (\f and \v are
			 * blanks to some of its readers and not to others). */
			if ((c < 0x20 && c != '\t') || o + 1 >= ZONE_TEXT_LINE_MAX)
				return false;
			line[o++] = (char)c;
			n++;
		}
		prev = c == '\\' && prev == '\\' ? 0 : c;
	}
	*end = len;
	line[o] = '\0';
	*line_len = o;
	return true;
done:
	/* The line breaks after a line are skipped with it. */
	while (i < len && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\f' || buf[i] == '\v'))
		i++;
	*end = i;
	line[o] = '\0';
	*line_len = o;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True when the word [p, end) has a quote, parenthesis or semicolon that is not
 * escaped: those change how ldns splits the rest of the line. */
static bool word_has_special(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"' || *p == '(' || *p == ')' || *p == ';')
			return true;
	}
	return false;
}

static bool word_is(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(end - p) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (c != w[i])
			return false;
	}
	return true;
}

enum zone_text_result zone_text_record(char *line, size_t line_len, const uint8_t *origin,
                                       const uint8_t *prev, struct zone_text_rr *rr)
{
	const char *p = line, *end = line + line_len;
	/* ldns reads $ORIGIN, $TTL and $INCLUDE lines itself (and zone_load.c handles
	 * every line that starts with '$'). */
	if (line_len && line[0] == '$')
		return ZONE_TEXT_LDNS;
	/* ldns_strip_ws: nothing but blanks is an empty line; trailing blanks go, except
	 * an escaped one and the last two characters. */
	const char *s = zone_rdata_skip_blank(p, end);
	if (s == end)
		return ZONE_TEXT_EMPTY;
	while (end > s + 2 && is_blank(end[-1]) && end[-2] != '\\')
		end--;

	/* Owner: none when the line starts with a blank (the previous one, else the
	 * origin); "@..." is the origin; else a name, relative to the origin. */
	if (is_blank(*p)) {
		const uint8_t *o = prev ? prev : origin;
		memcpy(rr->owner, o, dname_len(o));
		rr->owner_named = false;
	} else {
		const char *w = zone_rdata_word(p, end);
		if ((size_t)(w - p) >= OWNER_WORD_MAX || word_has_special(p, w))
			return ZONE_TEXT_LDNS;
		size_t olen;
		if (*p == '@')
			memcpy(rr->owner, origin, dname_len(origin));
		else if (!zone_rdata_name(p, w, origin, false, rr->owner, &olen))
			return ZONE_TEXT_LDNS;
		rr->owner_named = true;
		p = w;
	}

	/* [TTL] [IN] TYPE, or IN before the TYPE alone. The TTL itself is read again by
	 * zone_load.c from the text, as it is for records that ldns reads. Another class
	 * is no type of ours, so it goes to ldns (which says what is wrong with it). */
	p = zone_rdata_skip_blank(p, end);
	const char *w = zone_rdata_word(p, end);
	if (w == p || (size_t)(w - p) >= TTL_WORD_MAX || word_has_special(p, w))
		return ZONE_TEXT_LDNS;
	bool ttl_first = is_digit(*p);
	if (ttl_first || word_is(p, w, "IN")) {
		p = zone_rdata_skip_blank(w, end);
		w = zone_rdata_word(p, end);
		if ((size_t)(w - p) >= CLASS_WORD_MAX)
			return ZONE_TEXT_LDNS;
		if (ttl_first && word_is(p, w, "IN")) {
			p = zone_rdata_skip_blank(w, end);
			w = zone_rdata_word(p, end);
			if ((size_t)(w - p) >= CLASS_WORD_MAX)
				return ZONE_TEXT_LDNS;
		}
	}
	if (w == p || !zone_rdata_type(p, w, &rr->type))
		return ZONE_TEXT_LDNS;
	p = zone_rdata_skip_blank(w, end);
	if ((size_t)(end - p) >= RDATA_TEXT_MAX)
		return ZONE_TEXT_LDNS;
	return zone_rdata_read(rr->type, p, end, origin, rr->rdata, &rr->rdlen) ? ZONE_TEXT_RECORD
	                                                                        : ZONE_TEXT_LDNS;
}
