/* SPDX-License-Identifier: MIT
 * config_yaml.c -- walking a libyaml document: key tables, duplicate and unknown keys,
 * and readers for every kind of scalar the configuration uses. Nothing here knows the
 * schema; server/config/config_schema.c does. Load thread only. */
#include "server/config/config_yaml.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"

struct srcpos config_yaml_pos(const struct config_yaml *y, const yaml_node_t *n)
{
	/* libyaml marks are 0-based (checked against 0.2.5). */
	struct srcpos p = {y->c->path, (unsigned)n->start_mark.line + 1};
	return p;
}

/* A plain scalar that YAML reads as null: nothing at all, "~" or "null". */
static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

const char *config_yaml_kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return is_null(n) ? "nothing" : "a single value";
	default:
		return "nothing";
	}
}

void config_yaml_join(char out[CONFIG_WHERE_MAX], const char *parent, const char *key)
{
	if (parent[0] == '\0')
		snprintf(out, CONFIG_WHERE_MAX, "%s", key);
	else
		snprintf(out, CONFIG_WHERE_MAX, "%s.%s", parent, key);
}

bool config_yaml_is_map(struct config_yaml *y, yaml_node_t *n, const char *where)
{
	if (n->type == YAML_MAPPING_NODE)
		return true;
	diag_err(y->d, config_yaml_pos(y, n), "%s: expected a mapping, found %s", where,
	         config_yaml_kind_name(n));
	return false;
}

/* Pays for walking n more nodes; false once the budget is spent (reported once). */
static bool charge(struct config_yaml *y, size_t n)
{
	if (y->over_budget)
		return false;
	y->visits += n;
	if (y->visits <= y->budget)
		return true;
	y->over_budget = true;
	diag_err(y->d, (struct srcpos){y->c->path, 0},
	         "the configuration expands to more than %zu values through YAML aliases; "
	         "refusing to read it",
	         y->budget);
	return false;
}

bool config_yaml_is_list(struct config_yaml *y, yaml_node_t *n, const char *where)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return charge(y, config_yaml_n_items(n) + 1);
	diag_err(y->d, config_yaml_pos(y, n), "%s: expected a list, found %s", where,
	         config_yaml_kind_name(n));
	return false;
}

const char *config_yaml_scalar(struct config_yaml *y, yaml_node_t *n, const char *where)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		diag_err(y->d, config_yaml_pos(y, n), "%s: expected a value, found %s", where,
		         config_yaml_kind_name(n));
		return NULL;
	}
	const char *v = (const char *)n->data.scalar.value;
	if (v[0] == '\0') {
		diag_err(y->d, config_yaml_pos(y, n), "%s: the value is empty", where);
		return NULL;
	}
	if (strlen(v) != n->data.scalar.length) {
		diag_err(y->d, config_yaml_pos(y, n), "%s: the value contains a NUL character",
		         where);
		return NULL;
	}
	return v;
}

int config_yaml_word(struct config_yaml *y, yaml_node_t *n, const char *where, const char *what,
                     const char *const *words, size_t n_words)
{
	const char *s = config_yaml_scalar(y, n, where);
	if (!s)
		return -1;
	char known[256] = "";
	size_t at = 0;
	for (size_t i = 0; i < n_words; i++) {
		if (strcmp(s, words[i]) == 0)
			return (int)i;
		int w = snprintf(known + at, sizeof(known) - at, "%s%s", i ? ", " : "", words[i]);
		if (w > 0 && (size_t)w < sizeof(known) - at)
			at += (size_t)w;
	}
	diag_err(y->d, config_yaml_pos(y, n), "%s: unknown %s '%s' (known: %s)", where, what, s,
	         known);
	return -1;
}

yaml_node_t *config_yaml_item(struct config_yaml *y, yaml_node_t *list, size_t idx)
{
	return yaml_document_get_node(y->doc, list->data.sequence.items.start[idx]);
}

size_t config_yaml_n_items(const yaml_node_t *list)
{
	return (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
}

/* Duplicate detection sorts (key, index) pairs so that a mapping with thousands of rules
 * (networks lists generated from an IPAM) costs n log n, not n squared. */
struct key_ref {
	const char *key;
	size_t idx;
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

bool config_yaml_each(struct config_yaml *y, yaml_node_t *n, const char *where,
                      config_yaml_pair_fn *fn, void *ctx)
{
	if (!config_yaml_is_map(y, n, where))
		return false;
	yaml_node_pair_t *pairs = n->data.mapping.pairs.start;
	size_t np = (size_t)(n->data.mapping.pairs.top - pairs);
	if (!charge(y, np + 1))
		return false;
	struct key_ref *refs = xcalloc(np, sizeof(*refs));
	/* first[i]: index of the earlier pair with the same key, or SIZE_MAX. */
	size_t *first = xcalloc(np, sizeof(*first));
	size_t nrefs = 0;
	for (size_t i = 0; i < np; i++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, pairs[i].key);
		first[i] = SIZE_MAX;
		if (k->type == YAML_SCALAR_NODE && !is_null(k))
			refs[nrefs++] = (struct key_ref){(const char *)k->data.scalar.value, i};
	}
	qsort(refs, nrefs, sizeof(*refs), key_ref_cmp);
	for (size_t i = 1; i < nrefs; i++)
		if (strcmp(refs[i].key, refs[i - 1].key) == 0)
			first[refs[i].idx] = first[refs[i - 1].idx] != SIZE_MAX
			                             ? first[refs[i - 1].idx]
			                             : refs[i - 1].idx;
	for (size_t i = 0; i < np; i++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, pairs[i].key);
		yaml_node_t *v = yaml_document_get_node(y->doc, pairs[i].value);
		if (k->type != YAML_SCALAR_NODE || is_null(k)) {
			diag_err(y->d, config_yaml_pos(y, k), "%s%sexpected a key name, found %s",
			         where, where[0] ? ": " : "", config_yaml_kind_name(k));
			continue;
		}
		const char *key = (const char *)k->data.scalar.value;
		if (first[i] != SIZE_MAX) {
			yaml_node_t *fk = yaml_document_get_node(y->doc, pairs[first[i]].key);
			if (where[0])
				diag_err(y->d, config_yaml_pos(y, k),
				         "%s: duplicate key '%s' (first at line %u)", where, key,
				         config_yaml_pos(y, fk).line);
			else
				diag_err(y->d, config_yaml_pos(y, k),
				         "duplicate top-level key '%s' (first at line %u)", key,
				         config_yaml_pos(y, fk).line);
			continue;
		}
		fn(y, key, k, v, ctx, where);
	}
	free(first);
	free(refs);
	return true;
}

struct walk_ctx {
	const struct config_yaml_key *keys;
	size_t n_keys;
	void *obj;
	struct srcpos *present;
};

static void allowed_list(const struct config_yaml_key *keys, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; keys[i].name && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", keys[i].name);
}

static void walk_value(struct config_yaml *y, const struct config_yaml_key *k, yaml_node_t *v,
                       void *obj, const char *where)
{
	char *base = obj;
	uint64_t u;
	switch (k->kind) {
	case CONFIG_YAML_UINT:
		if (config_yaml_uint(y, v, where, k->min, k->max, &u))
			*(unsigned *)(void *)(base + k->off) = (unsigned)u;
		break;
	case CONFIG_YAML_DURATION:
		config_yaml_duration(y, v, where, k->min, k->max,
		                     (unsigned *)(void *)(base + k->off));
		break;
	case CONFIG_YAML_BOOL:
		config_yaml_bool(y, v, where, (bool *)(void *)(base + k->off));
		break;
	case CONFIG_YAML_STRING:
	case CONFIG_YAML_PATH: {
		char **slot = (char **)(void *)(base + k->off);
		char *s = k->kind == CONFIG_YAML_PATH ? config_yaml_path(y, v, where)
		                                      : config_yaml_strdup(y, v, where);
		if (s) {
			free(*slot);
			*slot = s;
		}
		break;
	}
	case CONFIG_YAML_CUSTOM:
		k->fn(y, v, obj, where);
		break;
	}
}

static void walk_pair(struct config_yaml *y, const char *key, yaml_node_t *knode, yaml_node_t *v,
                      void *vctx, const char *where)
{
	struct walk_ctx *ctx = vctx;
	for (size_t i = 0; i < ctx->n_keys; i++) {
		if (strcmp(ctx->keys[i].name, key) != 0)
			continue;
		ctx->present[i] = config_yaml_pos(y, knode);
		char sub[CONFIG_WHERE_MAX];
		config_yaml_join(sub, where, key);
		walk_value(y, &ctx->keys[i], v, ctx->obj, sub);
		return;
	}
	char allowed[1024];
	allowed_list(ctx->keys, allowed, sizeof(allowed));
	if (where[0])
		diag_err(y->d, config_yaml_pos(y, knode), "%s: unknown key '%s' (allowed: %s)",
		         where, key, allowed);
	else
		diag_err(y->d, config_yaml_pos(y, knode),
		         "unknown top-level key '%s' (allowed: %s)", key, allowed);
}

bool config_yaml_walk(struct config_yaml *y, yaml_node_t *n, const char *where,
                      const struct config_yaml_key *keys, void *obj, struct srcpos *present)
{
	size_t nk = 0;
	while (keys[nk].name)
		nk++;
	struct srcpos *seen = present ? present : xcalloc(nk ? nk : 1, sizeof(*seen));
	memset(seen, 0, nk * sizeof(*seen));
	for (size_t i = 0; i < nk; i++) {
		/* Defaults first; a key that is present overwrites its own. */
		if (!keys[i].dflt)
			continue;
		char *field = (char *)obj + keys[i].off;
		if (keys[i].kind == CONFIG_YAML_UINT || keys[i].kind == CONFIG_YAML_DURATION)
			*(unsigned *)(void *)field = (unsigned)keys[i].dflt;
		else if (keys[i].kind == CONFIG_YAML_BOOL)
			*(bool *)(void *)field = true;
	}
	struct walk_ctx ctx = {keys, nk, obj, seen};
	bool ok = config_yaml_each(y, n, where, walk_pair, &ctx);
	for (size_t i = 0; ok && i < nk; i++)
		if (keys[i].required && seen[i].line == 0 && where[0])
			diag_err(y->d, config_yaml_pos(y, n), "%s: missing required key '%s'",
			         where, keys[i].name);
		else if (keys[i].required && seen[i].line == 0)
			diag_err(y->d, config_yaml_pos(y, n), "missing required top-level key '%s'",
			         keys[i].name);
	if (!present)
		free(seen);
	return ok;
}

/* Parses a run of decimal digits without sign; false on anything else or overflow. */
static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned dgt = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - dgt) / 10)
			return false;
		v = v * 10 + dgt;
	}
	*end = s;
	*out = v;
	return true;
}

bool config_yaml_uint(struct config_yaml *y, yaml_node_t *n, const char *where, uint64_t min,
                      uint64_t max, uint64_t *out)
{
	const char *s = config_yaml_scalar(y, n, where);
	if (!s)
		return false;
	const char *end;
	uint64_t v;
	if (!parse_u64(s, &end, &v) || *end != '\0') {
		diag_err(y->d, config_yaml_pos(y, n), "%s: expected a whole number, found '%s'",
		         where, s);
		return false;
	}
	if (v < min || v > max) {
		diag_err(y->d, config_yaml_pos(y, n), "%s: %s is out of range (%llu to %llu)",
		         where, s, (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

void config_yaml_fmt_ms(uint64_t ms, char out[32])
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(out, 32, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(out, 32, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(out, 32, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(out, 32, "%llums", (unsigned long long)ms);
}

bool config_yaml_duration(struct config_yaml *y, yaml_node_t *n, const char *where, uint64_t min_ms,
                          uint64_t max_ms, unsigned *out_ms)
{
	const char *s = config_yaml_scalar(y, n, where);
	if (!s)
		return false;
	const char *unit;
	uint64_t v, scale = 0;
	if (parse_u64(s, &unit, &v)) {
		if (strcmp(unit, "") == 0 || strcmp(unit, "s") == 0)
			scale = 1000;
		else if (strcmp(unit, "ms") == 0)
			scale = 1;
		else if (strcmp(unit, "m") == 0)
			scale = 60000;
		else if (strcmp(unit, "h") == 0)
			scale = 3600000;
	}
	if (scale == 0) {
		diag_err(y->d, config_yaml_pos(y, n),
		         "%s: bad duration '%s' (write a whole number followed by ms, s, m or h, "
		         "as in 500ms, 5s, 2m, 1h; a bare number means seconds)",
		         where, s);
		return false;
	}
	if (v > UINT64_MAX / scale || v * scale < min_ms || v * scale > max_ms) {
		char lo[32], hi[32];
		config_yaml_fmt_ms(min_ms, lo);
		config_yaml_fmt_ms(max_ms, hi);
		diag_err(y->d, config_yaml_pos(y, n), "%s: duration %s is out of range (%s to %s)",
		         where, s, lo, hi);
		return false;
	}
	*out_ms = (unsigned)(v * scale);
	return true;
}

bool config_yaml_bool(struct config_yaml *y, yaml_node_t *n, const char *where, bool *out)
{
	const char *s = config_yaml_scalar(y, n, where);
	if (!s)
		return false;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0) {
		*out = false;
		return true;
	}
	diag_err(y->d, config_yaml_pos(y, n), "%s: expected true or false, found '%s'", where, s);
	return false;
}

char *config_yaml_strdup(struct config_yaml *y, yaml_node_t *n, const char *where)
{
	const char *s = config_yaml_scalar(y, n, where);
	return s ? xstrdup(s) : NULL;
}

char *config_yaml_path(struct config_yaml *y, yaml_node_t *n, const char *where)
{
	const char *s = config_yaml_scalar(y, n, where);
	if (!s)
		return NULL;
	if (s[0] == '/')
		return xstrdup(s);
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	const char *dir = y->c->dir;
	const char *sep = dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/";
	size_t len = strlen(dir) + 1 + strlen(s) + 1;
	if (len > PATH_MAX) {
		diag_err(y->d, config_yaml_pos(y, n), "%s: the file name is too long", where);
		return NULL;
	}
	char *out = xmalloc(len);
	snprintf(out, len, "%s%s%s", dir, sep, s);
	return out;
}

const char *config_yaml_hostname_problem(const char *text)
{
	size_t len = strlen(text);
	if (len > 0 && text[len - 1] == '.')
		len--;
	if (len == 0)
		return "the root name is not allowed here";
	if (len + 2 > DNAME_MAX)
		return "longer than 255 bytes";
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		char ch = i < len ? text[i] : '.';
		if (ch == '.') {
			if (label == 0)
				return "empty label";
			label = 0;
			continue;
		}
		if (++label > DNAME_LABEL_MAX)
			return "label longer than 63 characters";
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return "only letters, digits, '-' and '_' may appear in a label";
	}
	return NULL;
}

bool config_yaml_dname(struct config_yaml *y, yaml_node_t *n, const char *where,
                       bool must_be_absolute, uint8_t out[DNAME_MAX], size_t *out_len)
{
	const char *s = config_yaml_scalar(y, n, where);
	if (!s)
		return false;
	const char *why = config_yaml_hostname_problem(s);
	if (why) {
		diag_err(y->d, config_yaml_pos(y, n), "%s: bad domain name '%s': %s", where, s,
		         why);
		return false;
	}
	size_t len = strlen(s);
	if (must_be_absolute && s[len - 1] != '.') {
		diag_err(y->d, config_yaml_pos(y, n),
		         "%s: '%s' must be an absolute name ending with a dot ('%s.')", where, s,
		         s);
		return false;
	}
	/* No origin: a name without the final dot is taken relative to the root. */
	if (dname_from_text(s, NULL, out, out_len) != GS_OK) {
		diag_err(y->d, config_yaml_pos(y, n), "%s: bad domain name '%s'", where, s);
		return false;
	}
	dname_lower(out);
	return true;
}

bool config_yaml_addr(struct config_yaml *y, yaml_node_t *n, const char *where, struct netaddr *out)
{
	const char *s = config_yaml_scalar(y, n, where);
	if (!s)
		return false;
	if (netaddr_parse(s, out) != GS_OK) {
		diag_err(y->d, config_yaml_pos(y, n), "%s: bad address '%s': not an IP address",
		         where, s);
		return false;
	}
	return true;
}

bool config_yaml_prefix(struct config_yaml *y, yaml_node_t *n, const char *where,
                        struct netprefix *out)
{
	const char *s = config_yaml_scalar(y, n, where);
	if (!s)
		return false;
	const char *why = "not a network";
	if (netprefix_parse(s, out, &why) != GS_OK) {
		diag_err(y->d, config_yaml_pos(y, n), "%s: bad network '%s': %s", where, s, why);
		return false;
	}
	return true;
}

bool config_yaml_ident(struct config_yaml *y, struct srcpos pos, const char *what, const char *name,
                       const char *where)
{
	size_t len = strlen(name);
	bool ok = len >= 1 && len <= 63;
	for (size_t i = 0; ok && i < len; i++) {
		char ch = name[i];
		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		     (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
	}
	if (!ok)
		diag_err(y->d, pos,
		         "%s: bad %s name '%s' (use 1 to 63 letters, digits, '-', '_' or '.')",
		         where, what, name);
	return ok;
}
