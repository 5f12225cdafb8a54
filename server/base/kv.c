/* SPDX-License-Identifier: MIT
 * kv.c -- the record emitter of kv.h: text lines written at once, or JSON values kept
 * per key and written as one object by kv_finish. */
#include "server/base/kv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/xalloc.h"

/* One key of the JSON object: its values in order (JSON text each). */
struct kv_key {
	char *name;
	bool is_array;
	char **vals;
	size_t n;
};

struct kv {
	enum kv_mode mode;
	FILE *out;
	int width;
	struct kv_key *keys;
	size_t n_keys;
	struct kv_json transcript; /* every record as its text line, in both modes */
};

struct kv *kv_new(enum kv_mode mode, FILE *out, int width)
{
	struct kv *k = xcalloc(1, sizeof(*k));
	k->mode = mode;
	k->out = out;
	k->width = width;
	return k;
}

bool kv_is_json(const struct kv *k)
{
	return k->mode == KV_JSON;
}

/* ---- JSON text ---- */

static void grow(struct kv_json *j, size_t more)
{
	if (j->len + more + 1 <= j->cap)
		return;
	size_t cap = j->cap ? j->cap : 64;
	while (cap < j->len + more + 1)
		cap *= 2;
	j->buf = xrealloc(j->buf, cap);
	j->cap = cap;
}

static void vraw(struct kv_json *j, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n <= 0)
		return;
	grow(j, (size_t)n);
	vsnprintf(j->buf + j->len, (size_t)n + 1, fmt, ap);
	j->len += (size_t)n;
}

void kv_json_raw(struct kv_json *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vraw(j, fmt, ap);
	va_end(ap);
}

void kv_json_str(struct kv_json *j, const char *s)
{
	if (!s) {
		kv_json_raw(j, "null");
		return;
	}
	grow(j, strlen(s) * 6 + 2);
	char *p = j->buf + j->len;
	*p++ = '"';
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\') {
			*p++ = '\\';
			*p++ = (char)*c;
		} else if (*c < 0x20 || *c == 0x7f) {
			p += sprintf(p, "\\u%04x", *c);
		} else {
			*p++ = (char)*c;
		}
	}
	*p++ = '"';
	*p = '\0';
	j->len = (size_t)(p - j->buf);
}

const char *kv_json_text(const struct kv_json *j)
{
	return j->buf ? j->buf : "";
}

void kv_json_free(struct kv_json *j)
{
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
}

static void field_value(struct kv_json *j, const struct kv_field *f)
{
	switch (f->type) {
	case KV_T_STR:
		kv_json_str(j, f->s);
		break;
	case KV_T_INT:
		kv_json_raw(j, "%lld", f->i);
		break;
	case KV_T_UINT:
		kv_json_raw(j, "%llu", f->u);
		break;
	case KV_T_BOOL:
		kv_json_raw(j, "%s", f->b ? "true" : "false");
		break;
	case KV_T_STRS:
		kv_json_raw(j, "[");
		for (size_t i = 0; i < f->n; i++) {
			kv_json_raw(j, "%s", i ? ", " : "");
			kv_json_str(j, f->sv[i]);
		}
		kv_json_raw(j, "]");
		break;
	case KV_T_RAW:
		kv_json_raw(j, "%s", f->s && f->s[0] ? f->s : "null");
		break;
	}
}

/* The JSON value of a record (kv.h): its text, its one unnamed field, or an object. */
static char *record_value(const struct kv_field *f, size_t n, const char *text)
{
	struct kv_json j = {0};
	if (n == 0) {
		kv_json_str(&j, text);
	} else if (n == 1 && f[0].name[0] == '\0') {
		field_value(&j, &f[0]);
	} else {
		kv_json_raw(&j, "{");
		for (size_t i = 0; i < n; i++) {
			kv_json_str(&j, f[i].name);
			kv_json_raw(&j, ": ");
			field_value(&j, &f[i]);
			kv_json_raw(&j, ", ");
		}
		kv_json_raw(&j, "\"text\": ");
		kv_json_str(&j, text);
		kv_json_raw(&j, "}");
	}
	return j.buf ? j.buf : xstrdup("\"\"");
}

static struct kv_key *key_of(struct kv *k, const char *name, bool is_array)
{
	for (size_t i = 0; i < k->n_keys; i++)
		if (strcmp(k->keys[i].name, name) == 0)
			return &k->keys[i];
	k->keys = xrealloc(k->keys, (k->n_keys + 1) * sizeof(*k->keys));
	struct kv_key *e = &k->keys[k->n_keys++];
	*e = (struct kv_key){.name = xstrdup(name), .is_array = is_array};
	return e;
}

/* label: the text form's key (NULL: key). */
static void record(struct kv *k, const char *key, const char *label, bool is_item,
                   const struct kv_field *f, size_t n, const char *fmt, va_list ap)
{
	{
		va_list ap2;
		va_copy(ap2, ap);
		kv_json_raw(&k->transcript, "%s: ", label ? label : key);
		vraw(&k->transcript, fmt, ap2);
		kv_json_raw(&k->transcript, "\n");
		va_end(ap2);
	}
	if (k->mode == KV_TEXT) {
		const char *l = label ? label : key;
		if (k->width > 0)
			fprintf(k->out, "%s:%*s", l,
			        (int)strlen(l) + 1 < k->width ? k->width - (int)strlen(l) - 1 : 0,
			        "");
		else
			fprintf(k->out, "%s: ", l);
		vfprintf(k->out, fmt, ap);
		fputc('\n', k->out);
		return;
	}
	va_list ap2;
	va_copy(ap2, ap);
	int len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *text = xmalloc(len > 0 ? (size_t)len + 1 : 1);
	text[0] = '\0';
	if (len > 0)
		vsnprintf(text, (size_t)len + 1, fmt, ap);
	struct kv_key *e = key_of(k, key, is_item);
	char *v = record_value(f, n, text);
	free(text);
	if (!is_item && e->n == 1) {
		free(e->vals[0]);
		e->vals[0] = v;
		return;
	}
	e->vals = xrealloc(e->vals, (e->n + 1) * sizeof(*e->vals));
	e->vals[e->n++] = v;
}

void kv_put(struct kv *k, const char *key, const struct kv_field *f, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(k, key, NULL, false, f, n, fmt, ap);
	va_end(ap);
}

void kv_put_as(struct kv *k, const char *key, const char *label, const struct kv_field *f, size_t n,
               const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(k, key, label, false, f, n, fmt, ap);
	va_end(ap);
}

void kv_item(struct kv *k, const char *key, const struct kv_field *f, size_t n, const char *fmt,
             ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(k, key, NULL, true, f, n, fmt, ap);
	va_end(ap);
}

void kv_item_as(struct kv *k, const char *key, const char *label, const struct kv_field *f,
                size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(k, key, label, true, f, n, fmt, ap);
	va_end(ap);
}

void kv_array(struct kv *k, const char *key)
{
	if (k->mode == KV_JSON)
		(void)key_of(k, key, true);
}

void kv_empty(struct kv *k, const char *key, const char *text)
{
	if (k->mode == KV_TEXT)
		kv_item(k, key, KV_NONE, "%s", text);
	else
		kv_array(k, key);
}

void kv_finish(struct kv *k)
{
	if (!k)
		return;
	if (k->mode == KV_JSON) {
		struct kv_json j = {0};
		kv_json_raw(&j, "{");
		for (size_t i = 0; i < k->n_keys; i++) {
			const struct kv_key *e = &k->keys[i];
			kv_json_raw(&j, "%s\n  ", i ? "," : "");
			kv_json_str(&j, e->name);
			kv_json_raw(&j, ": ");
			if (e->is_array)
				kv_json_raw(&j, "[");
			for (size_t v = 0; v < e->n; v++)
				kv_json_raw(&j, "%s%s%s", v ? "," : "", e->is_array ? "\n    " : "",
				            e->vals[v]);
			if (e->is_array)
				kv_json_raw(&j, "%s]", e->n ? "\n  " : "");
		}
		kv_json_raw(&j, "\n}\n");
		fputs(kv_json_text(&j), k->out);
		kv_json_free(&j);
	}
	for (size_t i = 0; i < k->n_keys; i++) {
		for (size_t v = 0; v < k->keys[i].n; v++)
			free(k->keys[i].vals[v]);
		free(k->keys[i].vals);
		free(k->keys[i].name);
	}
	free(k->keys);
	kv_json_free(&k->transcript);
	free(k);
}

const char *kv_transcript(const struct kv *k)
{
	return kv_json_text(&k->transcript);
}
