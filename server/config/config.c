/* SPDX-License-Identifier: MIT
 * config.c -- cfg_load(): reads the YAML file with libyaml's document API, hands the tree
 * to the schema walk (config_schema.c) and the cross-checks (config_check.c), and owns
 * the life cycle of struct cfg. Load thread and tools only. */
#include "server/config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "server/base/err.h"
#include "server/base/rfile.h"
#include "server/base/xalloc.h"
#include "server/config/config_check.h"
#include "server/config/config_fleet.h"
#include "server/config/config_schema.h"
#include "server/config/config_yaml.h"

/* A configuration is a few kilobytes; anything this large is a mistake (a zone file or
 * database passed by accident), and refusing it keeps libyaml's tree bounded. */
#define CFG_FILE_MAX (16u << 20)

const char *cfg_section_name(enum cfg_section s)
{
	return config_schema_section_name(s);
}

const struct cfg_map *cfg_find_map(const struct cfg *c, const char *name)
{
	for (size_t i = 0; name && i < c->n_maps; i++)
		if (strcmp(c->maps[i].name, name) == 0)
			return &c->maps[i];
	return NULL;
}

const struct cfg_check *cfg_find_check(const struct cfg *c, const char *name)
{
	for (size_t i = 0; name && i < c->n_checks; i++)
		if (strcmp(c->checks[i].name, name) == 0)
			return &c->checks[i];
	return NULL;
}

/* The absolute folder of path, for resolving relative file names. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	if (!slash)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if (dir[0] == '/')
		return dir;
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return dir; /* keep it relative rather than guess */
	const char *rest = strcmp(dir, ".") == 0 ? "" : dir;
	while (rest[0] == '.' && rest[1] == '/')
		rest += 2;
	size_t len = strlen(cwd) + 1 + strlen(rest) + 1;
	char *abs = xmalloc(len);
	if (rest[0] == '\0')
		snprintf(abs, len, "%s", cwd);
	else
		snprintf(abs, len, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", rest);
	free(dir);
	return abs;
}

/* Reads the whole file into a NUL-terminated buffer (owned by the caller). Only a
 * regular file is read, and opening it never waits (rfile.h). */
static int read_file(struct cfg *c, struct diag *d, char **out, size_t *out_len)
{
	struct srcpos whole = {c->path, 0};
	const char *why;
	if (rfile_read(c->path, CFG_FILE_MAX, out, out_len, NULL, &why) == 0)
		return GS_OK;
	if (errno == EFBIG) {
		diag_err(d, whole, "the configuration is larger than %u MiB", CFG_FILE_MAX >> 20);
		return GS_EPARSE;
	}
	diag_err(d, whole, "cannot open the configuration: %s", why);
	return GS_EIO;
}

/* libyaml's reader errors carry a byte offset rather than a mark. */
static unsigned line_at(const char *buf, size_t len, size_t offset)
{
	unsigned line = 1;
	for (size_t i = 0; i < offset && i < len; i++)
		line += buf[i] == '\n';
	return line;
}

static void syntax_error(struct cfg *c, struct diag *d, const yaml_parser_t *p, const char *buf,
                         size_t len)
{
	struct srcpos pos = {c->path, (unsigned)p->problem_mark.line + 1};
	const char *problem = p->problem ? p->problem : "cannot parse";
	if (p->error == YAML_READER_ERROR) {
		pos.line = line_at(buf, len, p->problem_offset);
		diag_err(d, pos, "YAML syntax error: %s", problem);
	} else if (p->context) {
		diag_err(d, pos, "YAML syntax error: %s (%s at line %u)", problem, p->context,
		         (unsigned)p->context_mark.line + 1);
	} else {
		diag_err(d, pos, "YAML syntax error: %s", problem);
	}
}

/* Deepest nesting of lists and mappings accepted. libyaml's scanner costs time in
 * proportion to the depth for every token, so a file of a million '[' took half an hour
 * to refuse; the schema itself never goes deeper than a handful of levels. */
#define CFG_DEPTH_MAX 64

/* A first pass over libyaml's events that stops as soon as the nesting goes deeper than
 * CFG_DEPTH_MAX, before the scanner gets slow. Syntax errors are left to the real load.
 * Returns false (with the error in d) when the file is nested too deeply. */
static bool depth_ok(struct cfg *c, struct diag *d, const char *buf, size_t len)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return true; /* the load reports it */
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	unsigned depth = 0;
	bool ok = true, done = false;
	while (ok && !done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev))
			break;
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > CFG_DEPTH_MAX) {
				diag_err(d,
				         (struct srcpos){c->path, (unsigned)ev.start_mark.line + 1},
				         "lists and mappings nested more than %d levels deep",
				         CFG_DEPTH_MAX);
				ok = false;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return ok;
}

/* Parses buf into c. Returns GS_OK or GS_EPARSE. */
static int load_yaml(struct cfg *c, struct diag *d, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = GS_OK;
	if (!depth_ok(c, d, buf, len))
		return GS_EPARSE;
	if (!yaml_parser_initialize(&parser))
		return GS_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(c, d, &parser, buf, len);
		yaml_parser_delete(&parser);
		return GS_EPARSE;
	}
	struct config_yaml y = {.doc = &doc, .c = c, .d = d};
	size_t n_nodes = (size_t)(doc.nodes.top - doc.nodes.start);
	y.budget = n_nodes * 2 > CONFIG_YAML_MIN_BUDGET ? n_nodes * 2 : CONFIG_YAML_MIN_BUDGET;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		diag_err(d, (struct srcpos){c->path, 0},
		         "the configuration is empty (expected a mapping of settings such as "
		         "'listen' and 'zones')");
		rc = GS_EPARSE;
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		diag_err(d, config_yaml_pos(&y, root),
		         "the top level must be a mapping of settings (like 'listen: ...'), found "
		         "%s",
		         config_yaml_kind_name(root));
		rc = GS_EPARSE;
		goto out;
	}
	/* One file, one document: a second one after "---" would be ignored silently. */
	yaml_document_t next;
	if (!yaml_parser_load(&parser, &next)) {
		syntax_error(c, d, &parser, buf, len);
	} else {
		yaml_node_t *nroot = yaml_document_get_root_node(&next);
		if (nroot)
			diag_err(d, (struct srcpos){c->path, (unsigned)nroot->start_mark.line + 1},
			         "only one YAML document is allowed; this one would be ignored");
		yaml_document_delete(&next);
	}
	config_schema_apply(&y, root);
	if (y.over_budget)
		rc = GS_EPARSE; /* a half-read tree would only produce misleading cross-checks */
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int cfg_load(const char *path, struct diag *d, struct cfg **out)
{
	return cfg_load_in(path, NULL, d, out);
}

int cfg_load_in(const char *path, const char *base, struct diag *d, struct cfg **out)
{
	size_t errors_before = d->n_errors;
	struct cfg *c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	if (base) {
		/* folder_of takes the folder of a file: name one inside base. */
		size_t len = strlen(base) + 3;
		char *inside = xmalloc(len);
		snprintf(inside, len, "%s/x", base);
		c->dir = folder_of(inside);
		free(inside);
	} else {
		c->dir = folder_of(path);
	}
	config_schema_defaults(c);

	char *buf = NULL;
	size_t len = 0;
	int rc = read_file(c, d, &buf, &len);
	if (rc == GS_OK)
		rc = load_yaml(c, d, buf, len);
	free(buf);
	if (rc == GS_OK)
		config_check_all(c, d);
	if (rc == GS_OK && d->n_errors != errors_before)
		rc = GS_EPARSE;
	if (rc != GS_OK) {
		cfg_free(c);
		return rc;
	}
	*out = c;
	return GS_OK;
}

static void free_dclist(struct cfg_dclist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->dcs[i]);
	free(l->dcs);
	free(l->group);
	free(l->weight);
}

static void free_rules(struct cfg_map_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].key);
		free_dclist(&r[i].list);
	}
	free(r);
}

static void free_check(struct cfg_check *ck)
{
	free(ck->name);
	free(ck->path);
	free(ck->host);
	free(ck->expect);
	for (size_t i = 0; i < ck->n_command; i++)
		free(ck->command[i]);
	free(ck->command);
}

static void free_map(struct cfg_map *m)
{
	free(m->name);
	free_dclist(&m->dflt);
	free_rules(m->continents, m->n_continents);
	free_rules(m->countries, m->n_countries);
	free_rules(m->subdivisions, m->n_subdivisions);
	free_rules(m->asns, m->n_asns);
	free_rules(m->networks, m->n_networks);
	for (size_t i = 0; i < m->n_coords; i++)
		free(m->coords[i].dc);
	free(m->coords);
}

static void free_service(struct cfg_service *s)
{
	free(s->name);
	free(s->names);
	free(s->map);
	free(s->check);
	for (size_t i = 0; i < s->n_dcs; i++) {
		free(s->dcs[i].name);
		free(s->dcs[i].addrs);
		free(s->dcs[i].addr_pos);
	}
	free(s->dcs);
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	free(c->listen);
	free(c->user);
	free(c->control);
	free(c->control_readonly.socket);
	free(c->control_readonly.group);
	free(c->state_file);
	free(c->identity);
	free(c->dnstap.socket);
	free(c->dnstap.file);
	free(c->dnstap.identity);
	config_fleet_free(c->fleet);
	free(c->rate_limit.exempt);
	free(c->geoip.database);
	free(c->geoip.asn_database);
	for (size_t i = 0; i < c->n_zones; i++) {
		struct cfg_zone *z = &c->zones[i];
		free(z->file);
		for (size_t k = 0; k < z->dnssec.n_keys; k++)
			free(z->dnssec.keys[k]);
		free(z->dnssec.keys);
		free(z->dnssec.key_pos);
	}
	free(c->zones);
	for (size_t i = 0; i < c->n_checks; i++)
		free_check(&c->checks[i]);
	free(c->checks);
	for (size_t i = 0; i < c->n_maps; i++)
		free_map(&c->maps[i]);
	free(c->maps);
	for (size_t i = 0; i < c->n_services; i++)
		free_service(&c->services[i]);
	free(c->services);
	free(c->dir);
	free(c->path);
	free(c);
}

bool cfg_signs_zones(const struct cfg *c)
{
	for (size_t i = 0; i < c->n_zones; i++)
		if (c->zones[i].dnssec.enabled)
			return true;
	return false;
}
