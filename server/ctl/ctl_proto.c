/* SPDX-License-Identifier: MIT
 * ctl_proto.c -- the control socket's line protocol (see ctl_proto.h and
 * docs/control.md): request splitting, response building and response line parsing.
 * Shared by the daemon's control thread and geosteerctl; no state, any thread. */
#include <config.h>

#include "server/ctl/ctl_proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/err.h"
#include "server/base/xalloc.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int ctl_split(char *line, char **words, size_t max, size_t *n)
{
	*n = 0;
	size_t len = strlen(line);
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (is_ctrl((unsigned char)line[i]) && !is_blank(line[i]))
			return GS_EINVAL;
	}
	char *p = line;
	for (;;) {
		while (is_blank(*p))
			*p++ = '\0';
		if (!*p)
			return GS_OK;
		if (*n == max)
			return GS_ERANGE;
		words[(*n)++] = p;
		while (*p && !is_blank(*p))
			p++;
	}
}

void ctl_out_init(struct ctl_out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->cap = 0;
}

void ctl_out_free(struct ctl_out *o)
{
	if (!o)
		return;
	free(o->buf);
	ctl_out_init(o);
}

static void put(struct ctl_out *o, const char *p, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		while (cap < o->len + n + 1)
			cap *= 2;
		o->buf = xrealloc(o->buf, cap);
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* Appends p[0..n) with every control character replaced by sub. */
static void put_clean(struct ctl_out *o, const char *p, size_t n, char sub)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_ctrl((unsigned char)p[i]) || p[i] == '\t')
			continue;
		put(o, p + start, i - start);
		put(o, &sub, 1);
		start = i + 1;
	}
	put(o, p + start, n - start);
}

void ctl_out_text(struct ctl_out *o, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n == 0) {
			put(o, ".\n", 2);
		} else {
			put(o, ". ", 2);
			put_clean(o, p, n, '?');
			put(o, "\n", 1);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* Formats into a heap string. */
static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort(); /* out of memory: as xmalloc does */
	return s;
}

void ctl_out_data(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	if (!*s)
		put(o, ".\n", 2); /* an empty line is still a line */
	else
		ctl_out_text(o, s);
	free(s);
}

static void status_line(struct ctl_out *o, const char *word, const char *fmt, va_list ap)
{
	char *s = vformat(fmt, ap);
	put(o, word, strlen(word));
	if (*s) {
		put(o, " ", 1);
		put_clean(o, s, strlen(s), ' ');
	}
	put(o, "\n", 1);
	free(s);
}

void ctl_out_ok(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_line(o, "OK", fmt, ap);
	va_end(ap);
}

void ctl_out_err(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_line(o, "ERR", fmt, ap);
	va_end(ap);
}

/* True when line is word alone or word followed by a blank; sets *rest after it. */
static bool starts_word(const char *line, const char *word, const char **rest)
{
	size_t n = strlen(word);
	if (strncmp(line, word, n) != 0)
		return false;
	if (line[n] == '\0') {
		*rest = line + n;
		return true;
	}
	if (line[n] != ' ')
		return false;
	*rest = line + n + 1;
	return true;
}

enum ctl_line ctl_parse_line(const char *line, const char **text)
{
	if (starts_word(line, ".", text))
		return CTL_LINE_DATA;
	if (starts_word(line, "OK", text))
		return CTL_LINE_OK;
	if (starts_word(line, "ERR", text))
		return CTL_LINE_ERR;
	*text = line;
	return CTL_LINE_BAD;
}
