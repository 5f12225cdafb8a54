/* SPDX-License-Identifier: MIT
 * cfgdiff.c -- `geosteerctl diff OLD NEW`: loads both configurations (no zones), opens
 * each one's GeoIP databases, compiles every map, and compares per service: the
 * networks whose ordered datacenter list changes (geo_diff_walk over both compiled
 * maps), how many addresses move per country and continent (located in the new
 * configuration's database, else the old one's), and the settings that differ (TTLs,
 * check, addresses, ...); then the checks' own settings. Output: cfgdiff_print.c.
 * Single-threaded tool code. */
#include <config.h>

#include "tools/cfgdiff.h"
#include "tools/cfgdiff_weight.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "geoip/geo_diff.h"
#include "geoip/geodb.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/base/netaddr.h"
#include "server/base/xalloc.h"

enum { DIFF_SAME = 0, DIFF_CHANGED = 1, DIFF_ERROR = 2 };

/* One configuration, loaded and compiled. */
struct side {
	struct cfg *cfg;
	struct geo_db *db;
	struct arena *arena;
	const struct geo_map **maps; /* one per cfg->maps[i] */
};

static void side_free(struct side *s)
{
	free(s->maps);
	arena_destroy(s->arena);
	geodb_close(s->db);
	cfg_free(s->cfg);
}

/* Loads path (relative names against base, or its own folder) and compiles its maps.
 * Problems go to d. Returns GS_OK or an error. */
static int side_load(const char *path, const char *base, struct diag *d, struct side *s)
{
	int rc = cfg_load_in(path, base, d, &s->cfg);
	if (rc != GS_OK)
		return rc;
	if (s->cfg->geoip.enabled && geodb_open(&s->cfg->geoip, d, &s->db) != GS_OK)
		return GS_EPARSE;
	s->arena = arena_new();
	s->maps = xcalloc(s->cfg->n_maps ? s->cfg->n_maps : 1, sizeof(*s->maps));
	for (size_t i = 0; i < s->cfg->n_maps; i++) {
		if (geo_map_compile(&s->cfg->maps[i], s->db, s->arena, d, &s->maps[i]) != GS_OK)
			rc = GS_EPARSE;
	}
	return rc;
}

static const struct geo_map *side_map(const struct side *s, const char *name)
{
	for (size_t i = 0; i < s->cfg->n_maps; i++)
		if (strcmp(s->cfg->maps[i].name, name) == 0)
			return s->maps[i];
	return NULL;
}

static const struct cfg_service *find_service(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	return NULL;
}

/* ---- Settings. ---- */

static char *fmt(const char *f, ...) GS_PRINTF(1, 2);
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s = NULL;
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		perror("geosteerctl");
		exit(DIFF_ERROR);
	}
	return s;
}

/* Records what: old_v -> new_v (both owned, either NULL) unless they are equal. */
static void add_change(struct cfgdiff_change **v, size_t *n, const char *what, char *old_v,
                       char *new_v)
{
	if ((!old_v && !new_v) || (old_v && new_v && strcmp(old_v, new_v) == 0)) {
		free(old_v);
		free(new_v);
		return;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] = (struct cfgdiff_change){.what = xstrdup(what), .old_v = old_v, .new_v = new_v};
	(*n)++;
}

static char *dur(unsigned ms)
{
	return ms % 1000 ? fmt("%ums", ms) : fmt("%us", ms / 1000);
}

static char *names_text(const struct cfg_service *s)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < s->n_names; i++) {
		char name[DNAME_TEXT_MAX];
		dname_to_text(s->names[i].wire, name);
		char *t = fmt("%s%s%s", out, i ? " " : "", name);
		free(out);
		out = t;
	}
	return out;
}

static char *addrs_text(const struct cfg_datacenter *dc)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < dc->n_addrs; i++) {
		char a[NETADDR_TEXT_MAX];
		netaddr_format(&dc->addrs[i], a);
		char *t = fmt("%s%s%s", out, i ? " " : "", a);
		free(out);
		out = t;
	}
	return out;
}

static const char *all_down_name(enum cfg_all_down a)
{
	return a == CFG_ALL_DOWN_SERVFAIL ? "servfail"
	       : a == CFG_ALL_DOWN_NODATA ? "nodata"
	                                  : "open";
}

static const struct cfg_datacenter *find_dc(const struct cfg_service *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_dcs; i++)
		if (strcmp(s->dcs[i].name, name) == 0)
			return &s->dcs[i];
	return NULL;
}

static void dc_change(struct cfgdiff_service *r, const char *name)
{
	const struct cfg_datacenter *o = find_dc(r->o, name), *n = find_dc(r->n, name);
	char what[300];
	snprintf(what, sizeof(what), "datacenter %s", name);
	add_change(&r->changes, &r->n_changes, what, o ? addrs_text(o) : NULL,
	           n ? addrs_text(n) : NULL);
}

/* The settings of a service present on both sides, or of one present on one side only
 * ("service": the names it answers). */
static void service_settings(struct cfgdiff_service *r)
{
	const struct cfg_service *o = r->o, *n = r->n;
	if (!o || !n) {
		add_change(&r->changes, &r->n_changes, "service", o ? names_text(o) : NULL,
		           n ? names_text(n) : NULL);
		return;
	}
	struct cfgdiff_change **v = &r->changes;
	size_t *k = &r->n_changes;
	add_change(v, k, "names", names_text(o), names_text(n));
	add_change(v, k, "map", xstrdup(o->map), xstrdup(n->map));
	add_change(v, k, "ttl", fmt("%u", o->ttl), fmt("%u", n->ttl));
	add_change(v, k, "failover_ttl", fmt("%u", o->failover_ttl), fmt("%u", n->failover_ttl));
	add_change(v, k, "check", o->check ? xstrdup(o->check) : NULL,
	           n->check ? xstrdup(n->check) : NULL);
	add_change(v, k, "all_down", xstrdup(all_down_name(o->all_down)),
	           xstrdup(all_down_name(n->all_down)));
	if (r->om && r->nm && (r->om->lists.n_groups || r->nm->lists.n_groups))
		add_change(v, k, "weight_prefix",
		           fmt("%u/%u", r->om->weight_prefix4, r->om->weight_prefix6),
		           fmt("%u/%u", r->nm->weight_prefix4, r->nm->weight_prefix6));
	for (size_t i = 0; i < o->n_dcs; i++)
		dc_change(r, o->dcs[i].name);
	for (size_t i = 0; i < n->n_dcs; i++)
		if (!find_dc(o, n->dcs[i].name))
			dc_change(r, n->dcs[i].name);
}

static const char *check_type_name(enum cfg_check_type t)
{
	switch (t) {
	case CFG_CHECK_HTTP:
		return "http";
	case CFG_CHECK_HTTPS:
		return "https";
	case CFG_CHECK_TCP:
		return "tcp";
	default:
		return "exec";
	}
}

static char *expect_text(const struct cfg_check *c)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < c->n_expect; i++) {
		char *t = fmt("%s%s%u", out, i ? " " : "", c->expect[i]);
		free(out);
		out = t;
	}
	return out;
}

static char *command_text(const struct cfg_check *c)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < c->n_command; i++) {
		char *t = fmt("%s%s%s", out, i ? " " : "", c->command[i]);
		free(out);
		out = t;
	}
	return out;
}

static char *opt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void check_settings(const struct cfg_check *o, const struct cfg_check *n,
                           struct cfgdiff_check *r)
{
	struct cfgdiff_change **v = &r->changes;
	size_t *k = &r->n_changes;
	if (!o || !n) {
		add_change(v, k, "check", o ? xstrdup(check_type_name(o->type)) : NULL,
		           n ? xstrdup(check_type_name(n->type)) : NULL);
		return;
	}
	add_change(v, k, "type", xstrdup(check_type_name(o->type)),
	           xstrdup(check_type_name(n->type)));
	add_change(v, k, "port", fmt("%u", o->port), fmt("%u", n->port));
	add_change(v, k, "path", opt_dup(o->path), opt_dup(n->path));
	add_change(v, k, "host", opt_dup(o->host), opt_dup(n->host));
	add_change(v, k, "expect", expect_text(o), expect_text(n));
	add_change(v, k, "command", command_text(o), command_text(n));
	add_change(v, k, "interval", dur(o->interval_ms), dur(n->interval_ms));
	add_change(v, k, "timeout", dur(o->timeout_ms), dur(n->timeout_ms));
	add_change(v, k, "rise", fmt("%u", o->rise), fmt("%u", n->rise));
	add_change(v, k, "fall", fmt("%u", o->fall), fmt("%u", n->fall));
	add_change(v, k, "tls_verify", xstrdup(o->tls_verify ? "true" : "false"),
	           xstrdup(n->tls_verify ? "true" : "false"));
}

/* ---- Networks. ---- */

/* What one service's walk needs. */
struct walk {
	struct cfgdiff_service *r;
	const struct geo_db *db; /* where moved addresses are located, or NULL */
	int family;              /* of the walk in progress */
};

/* Lists old of the old map and new of the new map name the same datacenters in the
 * same order. */
static bool same_list(void *ctx, uint16_t old_list, uint16_t new_list)
{
	const struct walk *w = ctx;
	size_t no = 0, nn = 0;
	const uint16_t *lo = geo_map_list(w->r->om, old_list, &no);
	const uint16_t *ln = geo_map_list(w->r->nm, new_list, &nn);
	if (no != nn)
		return false;
	for (size_t i = 0; i < no; i++)
		if (strcmp(geo_map_dc_name(w->r->om, lo[i]), geo_map_dc_name(w->r->nm, ln[i])) != 0)
			return false;
	/* Weighted groups with another weight_prefix: the same list picks anew. */
	return !cfgdiff_weight_involved(w->r->om, old_list, w->r->nm, new_list) ||
	       cfgdiff_weight_same_prefix(w->r->om, w->r->nm, w->family);
}

static unsigned continent_index(const char *c)
{
	static const char *const codes[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
	for (unsigned i = 0; i < 7; i++)
		if (strcmp(c, codes[i]) == 0)
			return i + 1;
	return 0;
}

static unsigned country_index(const char *c)
{
	if (c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2])
		return 0;
	return 1 + (unsigned)(c[0] - 'A') * 26 + (unsigned)(c[1] - 'A');
}

static void count(struct cfgdiff_area *a, const char *code, const char *continent, int family,
                  unsigned __int128 first, unsigned __int128 last)
{
	if (!a->used) {
		a->used = true;
		snprintf(a->code, sizeof(a->code), "%s", code);
		snprintf(a->continent, sizeof(a->continent), "%s", continent);
	}
	if (family == AF_INET)
		a->v4 += (uint64_t)(last - first) + 1;
	else
		a->v6 += (uint64_t)((last >> 80) - (first >> 80)) + 1;
}

/* Where the current range's piece [first, last] lies: fn of geo_diff_locate. */
struct piece {
	struct cfgdiff_service *r;
	int family;
};

static void count_piece(void *ctx, const struct geo_loc *loc, unsigned __int128 first,
                        unsigned __int128 last)
{
	const struct piece *p = ctx;
	unsigned ci = country_index(loc->country);
	count(&p->r->countries[ci], ci ? loc->country : "", loc->continent, p->family, first, last);
	unsigned ki = continent_index(loc->continent);
	count(&p->r->continents[ki], ki ? loc->continent : "", "", p->family, first, last);
}

static void emit_range(void *ctx, const struct geo_diff_range *g)
{
	struct walk *w = ctx;
	struct cfgdiff_service *r = w->r;
	unsigned bits = g->family == AF_INET ? 32 : 128;
	unsigned __int128 at = g->first;
	bool weighted = cfgdiff_weight_involved(r->om, g->old_list, r->nm, g->new_list);
	double moves = cfgdiff_weight_moves(r->om, g->old_list, r->nm, g->new_list, g->family);
	for (;;) {
		unsigned len = geo_diff_cidr(at, g->last, bits);
		if (r->n_nets == r->cap_nets) {
			r->cap_nets = r->cap_nets ? 2 * r->cap_nets : 64;
			r->nets = xrealloc(r->nets, r->cap_nets * sizeof(*r->nets));
		}
		r->nets[r->n_nets++] = (struct cfgdiff_net){
		        .family = g->family,
		        .start = at,
		        .len = len,
		        .old_list = g->old_list,
		        .new_list = g->new_list,
		        .weighted = weighted,
		        .moves = moves,
		};
		unsigned __int128 end = at | geopart_hostmask(bits, len);
		if (end >= g->last)
			break;
		at = end + 1;
	}
	struct piece p = {.r = r, .family = g->family};
	if (w->db)
		geo_diff_locate(w->db, g->family, g->first, g->last, count_piece, &p);
	else
		count_piece(&p, &(struct geo_loc){0}, g->first, g->last);
}

static void service_networks(struct cfgdiff_service *r, const struct geo_db *db)
{
	if (!r->om || !r->nm)
		return;
	r->countries = xcalloc(CFGDIFF_N_COUNTRIES, sizeof(*r->countries));
	struct walk w = {.r = r, .db = db};
	w.family = AF_INET;
	geo_diff_walk(r->om, r->nm, AF_INET, same_list, emit_range, &w);
	w.family = AF_INET6;
	geo_diff_walk(r->om, r->nm, AF_INET6, same_list, emit_range, &w);
}

/* ---- The whole comparison. ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted union of the names of both sides (names[i] borrowed); sets *n. */
static const char **union_names(const char *const *a, size_t na, const char *const *b, size_t nb,
                                size_t *n)
{
	const char **v = xcalloc(na + nb + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < na; i++)
		v[k++] = a[i];
	for (size_t i = 0; i < nb; i++) {
		bool dup = false;
		for (size_t j = 0; j < na && !dup; j++)
			dup = strcmp(a[j], b[i]) == 0;
		if (!dup)
			v[k++] = b[i];
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = k;
	return v;
}

static void compare(const struct side *o, const struct side *n, struct cfgdiff *out)
{
	const struct geo_db *db = n->db ? n->db : o->db;
	const char **on = xcalloc(o->cfg->n_services + 1, sizeof(*on));
	const char **nn = xcalloc(n->cfg->n_services + 1, sizeof(*nn));
	for (size_t i = 0; i < o->cfg->n_services; i++)
		on[i] = o->cfg->services[i].name;
	for (size_t i = 0; i < n->cfg->n_services; i++)
		nn[i] = n->cfg->services[i].name;
	size_t k = 0;
	const char **names = union_names(on, o->cfg->n_services, nn, n->cfg->n_services, &k);
	out->svcs = xcalloc(k + 1, sizeof(*out->svcs));
	for (size_t i = 0; i < k; i++) {
		struct cfgdiff_service *r = &out->svcs[out->n_svcs];
		r->name = names[i];
		r->o = find_service(o->cfg, names[i]);
		r->n = find_service(n->cfg, names[i]);
		r->om = r->o ? side_map(o, r->o->map) : NULL;
		r->nm = r->n ? side_map(n, r->n->map) : NULL;
		service_settings(r);
		service_networks(r, db);
		if (r->n_nets || r->n_changes) {
			out->n_svcs++;
		} else {
			free(r->countries);
			memset(r, 0, sizeof(*r));
		}
	}
	free(names);
	free(on);
	free(nn);

	on = xcalloc(o->cfg->n_checks + 1, sizeof(*on));
	nn = xcalloc(n->cfg->n_checks + 1, sizeof(*nn));
	for (size_t i = 0; i < o->cfg->n_checks; i++)
		on[i] = o->cfg->checks[i].name;
	for (size_t i = 0; i < n->cfg->n_checks; i++)
		nn[i] = n->cfg->checks[i].name;
	names = union_names(on, o->cfg->n_checks, nn, n->cfg->n_checks, &k);
	out->checks = xcalloc(k + 1, sizeof(*out->checks));
	for (size_t i = 0; i < k; i++) {
		struct cfgdiff_check *r = &out->checks[out->n_checks];
		r->name = names[i];
		check_settings(cfg_find_check(o->cfg, names[i]), cfg_find_check(n->cfg, names[i]),
		               r);
		if (r->n_changes)
			out->n_checks++;
	}
	free(names);
	free(on);
	free(nn);
}

static void free_changes(struct cfgdiff_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].what);
		free(v[i].old_v);
		free(v[i].new_v);
	}
	free(v);
}

static void cfgdiff_free(struct cfgdiff *d)
{
	for (size_t i = 0; i < d->n_svcs; i++) {
		free(d->svcs[i].nets);
		free(d->svcs[i].countries);
		free_changes(d->svcs[i].changes, d->svcs[i].n_changes);
	}
	free(d->svcs);
	for (size_t i = 0; i < d->n_checks; i++)
		free_changes(d->checks[i].changes, d->checks[i].n_changes);
	free(d->checks);
}

static int usage(const char *fmt_, ...) GS_PRINTF(1, 2);
static int usage(const char *fmt_, ...)
{
	va_list ap;
	va_start(ap, fmt_);
	fputs("geosteerctl: diff: ", stderr);
	vfprintf(stderr, fmt_, ap);
	va_end(ap);
	fputs("\nTry 'geosteerctl --help' for more information.\n", stderr);
	return DIFF_ERROR;
}

int cfgdiff_main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_OLD_BASE, OPT_NEW_BASE };
	static const struct option longopts[] = {
	        {"json", no_argument, NULL, OPT_JSON},
	        {"old-base", required_argument, NULL, OPT_OLD_BASE},
	        {"new-base", required_argument, NULL, OPT_NEW_BASE},
	        {NULL, 0, NULL, 0},
	};
	bool json = false;
	const char *old_base = NULL, *new_base = NULL;
	int opt;
	optind = 0; /* GNU getopt starts afresh; argv[0] is "diff" */
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_OLD_BASE:
			old_base = optarg;
			break;
		case OPT_NEW_BASE:
			new_base = optarg;
			break;
		default:
			return usage("bad option");
		}
	}
	if (argc - optind != 2)
		return usage(
		        "usage: diff [--json] [--old-base DIR] [--new-base DIR] OLD.yaml NEW.yaml");
	struct diag d;
	diag_init(&d);
	struct side o = {0}, n = {0};
	int rc = side_load(argv[optind], old_base, &d, &o);
	int rc2 = side_load(argv[optind + 1], new_base, &d, &n);
	diag_print(&d, stderr);
	diag_free(&d);
	int status = DIFF_ERROR;
	if (rc == GS_OK && rc2 == GS_OK) {
		struct cfgdiff res = {0};
		compare(&o, &n, &res);
		if (json)
			cfgdiff_print_json(&res, stdout);
		else
			cfgdiff_print_text(&res, stdout);
		status = res.n_svcs || res.n_checks ? DIFF_CHANGED : DIFF_SAME;
		cfgdiff_free(&res);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			perror("geosteerctl: diff: standard output");
			status = DIFF_ERROR;
		}
	}
	side_free(&o);
	side_free(&n);
	return status;
}
