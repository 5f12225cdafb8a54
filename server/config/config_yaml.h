/* SPDX-License-Identifier: MIT
 * config_yaml.h -- the generic half of the configuration loader: walking a libyaml
 * document with key tables, and turning scalar nodes into numbers, durations, booleans,
 * strings, file paths, names and addresses, each failure recorded as "FILE:LINE: ...".
 * Private to server/config*.c. Load thread only. */
#ifndef GS_CONFIG_YAML_H
#define GS_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/base/netaddr.h"
#include "server/config/config.h"

/* Room for a dotted key path such as "maps.regional.subdivisions.US-CA". */
#define CONFIG_WHERE_MAX 512

/* One load in progress: the document being walked, the struct being filled, and where
 * problems go. Everything borrowed for the duration of cfg_load(). */
struct config_yaml {
	yaml_document_t *doc;
	struct cfg *c;
	struct diag *d;
	/* YAML aliases let a small file name the same subtree many times over ("billion
	 * laughs"). Every list item and mapping pair walked costs one visit; past budget the
	 * walk stops with one error instead of exhausting memory. */
	size_t visits, budget;
	bool over_budget;
};

/* Visits allowed: generous for any file without aliases, which costs about one visit per
 * node. */
#define CONFIG_YAML_MIN_BUDGET 1000000u

/* How a key's value is read by config_yaml_walk(). */
enum config_yaml_kind {
	CONFIG_YAML_UINT,     /* unsigned at off, within [min, max] */
	CONFIG_YAML_DURATION, /* unsigned milliseconds at off, within [min, max] ms */
	CONFIG_YAML_BOOL,     /* bool at off */
	CONFIG_YAML_STRING,   /* char * at off (owned), non-empty */
	CONFIG_YAML_PATH,     /* char * at off (owned), made absolute against the config folder */
	CONFIG_YAML_CUSTOM,   /* fn does everything */
};

typedef void config_yaml_fn(struct config_yaml *y, yaml_node_t *val, void *obj, const char *where);

/* One row of a key table; tables end with a row whose name is NULL. */
struct config_yaml_key {
	const char *name;
	enum config_yaml_kind kind;
	size_t off;
	uint64_t min, max;
	bool required;
	config_yaml_fn *fn;
	/* UINT, DURATION and BOOL: the value an absent key gets, set by config_yaml_walk.
	 * 0 (false) means none: the field keeps what the caller put there. */
	uint64_t dflt;
};

/* Visits each (key, value) pair of a mapping whose keys are free-form names. */
typedef void config_yaml_pair_fn(struct config_yaml *y, const char *key, yaml_node_t *knode,
                                 yaml_node_t *val, void *ctx, const char *where);

/* Where node n starts (1-based line). */
struct srcpos config_yaml_pos(const struct config_yaml *y, const yaml_node_t *n) GS_NONNULL;
/* "a mapping", "a list" or "a single value", for "expected X, found Y" messages. */
const char *config_yaml_kind_name(const yaml_node_t *n) GS_NONNULL;
/* Joins a parent path and a key into out ("tcp" + "idle_timeout" = "tcp.idle_timeout";
 * an empty parent gives just the key). */
void config_yaml_join(char out[CONFIG_WHERE_MAX], const char *parent, const char *key) GS_NONNULL;

/* Type checks: true when n has the type; otherwise record "WHERE: expected ..., found ..."
 * and return false. */
bool config_yaml_is_map(struct config_yaml *y, yaml_node_t *n, const char *where) GS_NONNULL;
bool config_yaml_is_list(struct config_yaml *y, yaml_node_t *n, const char *where) GS_NONNULL;
/* Returns the scalar's text (borrowed from the document), or NULL after recording an
 * error when n is not a scalar, is empty or holds a NUL byte. */
const char *config_yaml_scalar(struct config_yaml *y, yaml_node_t *n, const char *where) GS_NONNULL;
/* Reads n as one of the n_words words (exact match) and returns its index; otherwise
 * records "WHERE: unknown WHAT 'VALUE' (known: w1, w2, ...)" (or the scalar's own
 * error) and returns -1. */
int config_yaml_word(struct config_yaml *y, yaml_node_t *n, const char *where, const char *what,
                     const char *const *words, size_t n_words) GS_NONNULL;
/* The idx-th item of a list node (idx < number of items). */
yaml_node_t *config_yaml_item(struct config_yaml *y, yaml_node_t *list, size_t idx) GS_NONNULL;
size_t config_yaml_n_items(const yaml_node_t *list) GS_NONNULL;

/* Walks the mapping n with the key table keys, filling obj. Unknown keys, duplicate keys
 * and missing required keys are errors. When present is not NULL it receives, for each
 * table row, where the key was written (line 0 when absent). Returns false when n is not a
 * mapping (nothing was walked). */
bool config_yaml_walk(struct config_yaml *y, yaml_node_t *n, const char *where,
                      const struct config_yaml_key *keys, void *obj, struct srcpos *present)
        GS_NONNULLX(1, 2, 3, 4, 5);
/* Calls fn for every pair of the mapping n, after checking that each key is a non-empty
 * scalar and no key repeats. Returns false when n is not a mapping. */
bool config_yaml_each(struct config_yaml *y, yaml_node_t *n, const char *where,
                      config_yaml_pair_fn *fn, void *ctx) GS_NONNULLX(1, 2, 3, 4);

/* Scalar readers: record an error and return false when the text does not fit. */
bool config_yaml_uint(struct config_yaml *y, yaml_node_t *n, const char *where, uint64_t min,
                      uint64_t max, uint64_t *out) GS_NONNULL;
bool config_yaml_duration(struct config_yaml *y, yaml_node_t *n, const char *where, uint64_t min_ms,
                          uint64_t max_ms, unsigned *out_ms) GS_NONNULL;
bool config_yaml_bool(struct config_yaml *y, yaml_node_t *n, const char *where,
                      bool *out) GS_NONNULL;
/* A non-empty string copy (owned by the caller), or NULL after an error. */
char *config_yaml_strdup(struct config_yaml *y, yaml_node_t *n, const char *where) GS_NONNULL;
/* A file name made absolute against the config file's folder (owned), or NULL. */
char *config_yaml_path(struct config_yaml *y, yaml_node_t *n, const char *where) GS_NONNULL;
/* A domain name in lowercase wire form. must_be_absolute: the text has to end with a dot
 * (steered names); otherwise a missing final dot is implied (zone names, host names). */
bool config_yaml_dname(struct config_yaml *y, yaml_node_t *n, const char *where,
                       bool must_be_absolute, uint8_t out[DNAME_MAX], size_t *out_len) GS_NONNULL;
/* Checks text as a host name without recording anything: NULL when fine, else a static
 * reason. Accepts letters, digits, '-' and '_' in labels of 1 to 63 bytes; the root name
 * is refused. */
const char *config_yaml_hostname_problem(const char *text) GS_NONNULL;
bool config_yaml_addr(struct config_yaml *y, yaml_node_t *n, const char *where,
                      struct netaddr *out) GS_NONNULL;
bool config_yaml_prefix(struct config_yaml *y, yaml_node_t *n, const char *where,
                        struct netprefix *out) GS_NONNULL;
/* A name for a check, map, service or datacenter: 1 to 63 letters, digits, '-', '_', '.'.
 * Records an error at pos and returns false otherwise. */
bool config_yaml_ident(struct config_yaml *y, struct srcpos pos, const char *what, const char *name,
                       const char *where) GS_NONNULL;

/* Formats a millisecond count the way an operator would write it ("1h", "5s", "250ms"). */
void config_yaml_fmt_ms(uint64_t ms, char out[32]) GS_NONNULL;

#endif
