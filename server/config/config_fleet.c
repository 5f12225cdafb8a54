/* SPDX-License-Identifier: MIT
 * config_fleet.c -- reading and checking the `fleet:` section (config_fleet.h): etcd
 * URLs, key prefix, node name, quorum, staleness, TLS files and etcd credentials. Load
 * thread only. */
#include "server/config/config_fleet.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/xalloc.h"
#include "server/config/config_yaml.h"

/* etcd refuses leases shorter than its minimum (1.5 election timeouts, 2 s with the
 * defaults), and an observation that lives an hour is no longer a health check. */
#define STALE_MIN_MS 2000u
#define STALE_MAX_MS 3600000u
#define ETCD_MAX     16

static const char *const quorums[] = {
        [CFG_QUORUM_MAJORITY] = "majority",
        [CFG_QUORUM_ANY] = "any",
        [CFG_QUORUM_ALL] = "all",
};

const char *config_fleet_quorum_name(enum cfg_quorum q)
{
	return (unsigned)q < GS_ARRAY_LEN(quorums) ? quorums[q] : "?";
}

/* A URL etcd's gateway answers on: scheme, host, optional port, no path. */
static const char *url_problem(const char *s)
{
	const char *rest;
	if (strncmp(s, "http://", 7) == 0)
		rest = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		rest = s + 8;
	else
		return "expected an http:// or https:// URL";
	if (!*rest || *rest == '/' || *rest == ':')
		return "no host after the scheme";
	const char *slash = strchr(rest, '/');
	if (slash && slash[1] != '\0')
		return "a path after the host (give the base URL, e.g. http://10.0.0.1:2379)";
	for (const char *p = rest; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == '@' || *p == '?' || *p == '#')
			return "a character that has no place in a base URL";
	}
	return NULL;
}

static void parse_etcd(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_fleet *f = obj;
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	if (n == 0 || n > ETCD_MAX) {
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected 1 to %d URLs of etcd members",
		         where, ETCD_MAX);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = config_yaml_item(y, v, i);
		const char *s = config_yaml_scalar(y, it, where);
		if (!s)
			continue;
		const char *why = url_problem(s);
		if (why) {
			diag_err(y->d, config_yaml_pos(y, it), "%s: bad URL '%s': %s", where, s,
			         why);
			continue;
		}
		f->etcd = xrealloc(f->etcd, (f->n_etcd + 1) * sizeof(*f->etcd));
		char *u = xstrdup(s);
		size_t len = strlen(u);
		if (u[len - 1] == '/')
			u[len - 1] = '\0';
		f->etcd[f->n_etcd++] = u;
	}
}

static void parse_prefix(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_fleet *f = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s)
		return;
	size_t len = strlen(s);
	if (s[0] != '/' || s[len - 1] != '/' || len > 200) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: '%s': expected a key prefix that starts and ends with '/' (at most "
		         "200 bytes), such as /geosteer/prod/",
		         where, s);
		return;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			diag_err(y->d, config_yaml_pos(y, v),
			         "%s: the prefix holds a blank or control character", where);
			return;
		}
	}
	free(f->prefix);
	f->prefix = xstrdup(s);
}

static void parse_node(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_fleet *f = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s || !config_yaml_ident(y, config_yaml_pos(y, v), "node", s, where))
		return;
	free(f->node);
	f->node = xstrdup(s);
}

static void parse_quorum(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_fleet *f = obj;
	int i = config_yaml_word(y, v, where, "quorum", quorums, GS_ARRAY_LEN(quorums));
	if (i >= 0)
		f->quorum = (enum cfg_quorum)i;
}

static const struct config_yaml_key fleet_keys[] = {
        {.name = "etcd", .kind = CONFIG_YAML_CUSTOM, .required = true, .fn = parse_etcd},
        {.name = "prefix", .kind = CONFIG_YAML_CUSTOM, .required = true, .fn = parse_prefix},
        {.name = "node", .kind = CONFIG_YAML_CUSTOM, .fn = parse_node},
        {.name = "quorum", .kind = CONFIG_YAML_CUSTOM, .fn = parse_quorum},
        {.name = "stale_after",
         .kind = CONFIG_YAML_DURATION,
         .off = offsetof(struct cfg_fleet, stale_after_ms),
         .min = STALE_MIN_MS,
         .max = STALE_MAX_MS,
         .dflt = 15000},
        {.name = "ca", .kind = CONFIG_YAML_PATH, .off = offsetof(struct cfg_fleet, ca_file)},
        {.name = "cert", .kind = CONFIG_YAML_PATH, .off = offsetof(struct cfg_fleet, cert_file)},
        {.name = "key", .kind = CONFIG_YAML_PATH, .off = offsetof(struct cfg_fleet, key_file)},
        {.name = "user", .kind = CONFIG_YAML_STRING, .off = offsetof(struct cfg_fleet, user)},
        {.name = "password",
         .kind = CONFIG_YAML_STRING,
         .off = offsetof(struct cfg_fleet, password)},
        {.name = "password_file",
         .kind = CONFIG_YAML_PATH,
         .off = offsetof(struct cfg_fleet, password_file)},
        {.name = NULL},
};

/* Rows of fleet_keys, for the positions of present[]. */
enum {
	K_ETCD,
	K_PREFIX,
	K_NODE,
	K_QUORUM,
	K_STALE,
	K_CA,
	K_CERT,
	K_KEY,
	K_USER,
	K_PASSWORD,
	K_PWFILE
};

void config_fleet_parse(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_fleet **slot = obj;
	struct cfg_fleet *f = xcalloc(1, sizeof(*f));
	f->pos = config_yaml_pos(y, v);
	struct srcpos present[GS_ARRAY_LEN(fleet_keys)];
	if (!config_yaml_walk(y, v, where, fleet_keys, f, present)) {
		config_fleet_free(f);
		return;
	}
	bool any_https = false;
	for (size_t i = 0; i < f->n_etcd; i++)
		any_https |= strncmp(f->etcd[i], "https://", 8) == 0;
	if (!f->cert_file != !f->key_file)
		diag_err(y->d, present[f->cert_file ? K_CERT : K_KEY],
		         "%s: give both cert and key (a client certificate and its key), or "
		         "neither",
		         where);
	if ((f->ca_file || f->cert_file) && !any_https)
		diag_err(y->d, present[f->ca_file ? K_CA : K_CERT],
		         "%s: TLS files are given but every etcd URL is http://", where);
	if (f->password && f->password_file)
		diag_err(y->d, present[K_PWFILE], "%s: give password or password_file, not both",
		         where);
	if (f->user && !f->password && !f->password_file)
		diag_err(y->d, present[K_USER], "%s: user needs password or password_file", where);
	if (!f->user && (f->password || f->password_file))
		diag_err(y->d, present[f->password ? K_PASSWORD : K_PWFILE],
		         "%s: a password without user", where);
	if (f->user && strchr(f->user, '"'))
		diag_err(y->d, present[K_USER], "%s: user holds a '\"'", where);
	config_fleet_free(*slot);
	*slot = f;
}

void config_fleet_free(struct cfg_fleet *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_etcd; i++)
		free(f->etcd[i]);
	free(f->etcd);
	free(f->prefix);
	free(f->node);
	free(f->ca_file);
	free(f->cert_file);
	free(f->key_file);
	free(f->user);
	if (f->password) /* not left behind in freed memory */
		explicit_bzero(f->password, strlen(f->password));
	free(f->password);
	free(f->password_file);
	free(f);
}

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool config_fleet_same(const struct cfg_fleet *a, const struct cfg_fleet *b)
{
	if (!a || !b)
		return a == b;
	if (a->n_etcd != b->n_etcd || a->quorum != b->quorum ||
	    a->stale_after_ms != b->stale_after_ms)
		return false;
	for (size_t i = 0; i < a->n_etcd; i++) {
		if (strcmp(a->etcd[i], b->etcd[i]) != 0)
			return false;
	}
	return str_same(a->prefix, b->prefix) && str_same(a->node, b->node) &&
	       str_same(a->ca_file, b->ca_file) && str_same(a->cert_file, b->cert_file) &&
	       str_same(a->key_file, b->key_file) && str_same(a->user, b->user) &&
	       str_same(a->password, b->password) && str_same(a->password_file, b->password_file);
}
