/* SPDX-License-Identifier: MIT
 * kv.h -- the one emitter behind the text and the JSON form of geosteerctl's status,
 * stats and explain, the fleet's lines among them (and anything else that prints
 * "KEY: VALUE" facts). A command
 * writes each fact once, as a record: its key, its text (printf-style; the text form
 * prints exactly "KEY: TEXT") and, optionally, typed fields for the JSON form. So the
 * two forms cannot drift: a line added for the text form is in the JSON form too.
 *
 * Text form: each record is written at once as "KEY:" (padded to the width given to
 * kv_new, or followed by one blank with width 0), the text and a newline.
 *
 * JSON form: records are kept until kv_finish, which writes one object. Its members
 * come in the order of each key's first record. A record's value is
 *   - its text, a JSON string, when it has no fields;
 *   - the field's value, when it has exactly one field named "" (a bare number, say);
 *   - otherwise an object of its fields plus "text" (the text form's value).
 * A key written with kv_item is a JSON array of such values (one per record, also
 * when there is a single one, or none: kv_array declares an empty one). Field names
 * and keys are plain identifiers; strings are escaped as JSON (RFC 8259).
 *
 * Single-threaded per struct kv; heap memory. Control thread (the fleet's lines too)
 * or geosteerctl. In server/base so that any layer can write its facts through it. */
#ifndef GS_KV_H
#define GS_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "server/base/compiler.h"

enum kv_mode { KV_TEXT, KV_JSON };

enum kv_type {
	KV_T_STR,  /* s (NULL: JSON null) */
	KV_T_INT,  /* i */
	KV_T_UINT, /* u */
	KV_T_BOOL, /* b */
	KV_T_STRS, /* n strings at sv: a JSON array of strings */
	KV_T_RAW,  /* s is JSON text already (an array of objects, say: kv_json_*) */
};

struct kv_field {
	const char *name;
	enum kv_type type;
	const char *s;
	const char *const *sv;
	long long i;
	unsigned long long u;
	size_t n;
	bool b;
};

#define KV_STR(nm, x) ((struct kv_field){.name = (nm), .type = KV_T_STR, .s = (x)})
#define KV_INT(nm, x) ((struct kv_field){.name = (nm), .type = KV_T_INT, .i = (long long)(x)})
#define KV_UINT(nm, x)                                                                             \
	((struct kv_field){.name = (nm), .type = KV_T_UINT, .u = (unsigned long long)(x)})
#define KV_BOOL(nm, x)    ((struct kv_field){.name = (nm), .type = KV_T_BOOL, .b = (x)})
#define KV_STRS(nm, v, c) ((struct kv_field){.name = (nm), .type = KV_T_STRS, .sv = (v), .n = (c)})
#define KV_RAW(nm, x)     ((struct kv_field){.name = (nm), .type = KV_T_RAW, .s = (x)})

/* The fields of one record, for kv_put and kv_item: KV_F(KV_STR("dc", name), ...). */
#define KV_F(...)                                                                                  \
	(const struct kv_field[]){__VA_ARGS__},                                                    \
	        GS_ARRAY_LEN(((const struct kv_field[]){__VA_ARGS__}))
/* No fields: the JSON value is the text. */
#define KV_NONE NULL, 0

struct kv;

/* A new emitter writing to out (borrowed; it must outlive kv_finish). width: the
 * column the text starts at in the text form ("%-*s" of "KEY:"), 0 for "KEY: TEXT".
 * Never NULL. */
struct kv *kv_new(enum kv_mode mode, FILE *out, int width) GS_NONNULL GS_WUR;
/* JSON form: writes the object; frees k either way. Accepts NULL. */
void kv_finish(struct kv *k);
bool kv_is_json(const struct kv *k) GS_NONNULL;

/* One record of key (its only one: a later record of the same key replaces it in the
 * JSON form), with n fields f (may be 0) and the text fmt. */
void kv_put(struct kv *k, const char *key, const struct kv_field *f, size_t n, const char *fmt, ...)
        GS_PRINTF(5, 6) GS_NONNULLX(1, 2, 5);
/* One record of key that may repeat (a JSON array). */
void kv_item(struct kv *k, const char *key, const struct kv_field *f, size_t n, const char *fmt,
             ...) GS_PRINTF(5, 6) GS_NONNULLX(1, 2, 5);
/* kv_put and kv_item whose text form shows label instead of key, for the lines whose
 * key is no identifier: the JSON form still uses key, which is label without leading
 * blanks and with '_' for the inner ones ("fleet forces" -> fleet_forces, "  node" ->
 * node), so that a reader can match the two forms. */
void kv_put_as(struct kv *k, const char *key, const char *label, const struct kv_field *f, size_t n,
               const char *fmt, ...) GS_PRINTF(6, 7) GS_NONNULLX(1, 2, 3, 6);
void kv_item_as(struct kv *k, const char *key, const char *label, const struct kv_field *f,
                size_t n, const char *fmt, ...) GS_PRINTF(6, 7) GS_NONNULLX(1, 2, 3, 6);
/* Every record so far as its text line ("KEY: TEXT\n", unpadded), in either mode: what
 * the text form shows, for a caller that looks for something in it (owned by k). */
const char *kv_transcript(const struct kv *k) GS_NONNULL;
/* JSON form: key is an array even if no kv_item follows (text form: nothing). */
void kv_array(struct kv *k, const char *key) GS_NONNULL;
/* An array key with no items: the text form says so ("answer: none"), the JSON form
 * has an empty array (or the items of key written before or after). */
void kv_empty(struct kv *k, const char *key, const char *text) GS_NONNULL;

/* JSON text helpers for KV_RAW values: a growable buffer (heap) holding JSON text. */
struct kv_json {
	char *buf;
	size_t len, cap;
};
/* Appends literal JSON text (punctuation, numbers, keys the caller quoted). */
void kv_json_raw(struct kv_json *j, const char *fmt, ...) GS_PRINTF(2, 3) GS_NONNULL;
/* Appends s as a JSON string (NULL: null). */
void kv_json_str(struct kv_json *j, const char *s) GS_NONNULLX(1);
/* The text so far ("" when empty); owned by j. */
const char *kv_json_text(const struct kv_json *j) GS_NONNULL;
void kv_json_free(struct kv_json *j);

#endif
