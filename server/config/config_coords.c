/* SPDX-License-Identifier: MIT
 * config_coords.c -- a map's `coordinates`: datacenter -> [latitude, longitude] (see
 * config_coords.h). Load thread only. */
#include "server/config/config_coords.h"

#include <stdlib.h>
#include <string.h>

#include "server/base/xalloc.h"

/* Reads a plain decimal number ("50.1", "-77", "+8.75"): an optional sign, digits, and
 * an optional fraction. Exponents, hex floats, "nan" and "inf" that strtod would also
 * take are refused: a coordinate is written as a map shows it. */
static bool parse_degrees(const char *s, double *out)
{
	size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	size_t digits = 0;
	bool dot = false;
	for (; s[i]; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && !dot)
			dot = true;
		else
			return false;
	}
	if (digits == 0 || digits > 20)
		return false;
	/* The daemon never calls setlocale, so strtod reads '.' as the decimal point. */
	*out = strtod(s, NULL);
	return true;
}

/* One coordinate of the pair: item idx of v, within [-max, max]. */
static bool read_degrees(struct config_yaml *y, yaml_node_t *v, size_t idx, const char *what,
                         double max, const char *where, double *out)
{
	yaml_node_t *it = config_yaml_item(y, v, idx);
	const char *s = config_yaml_scalar(y, it, where);
	if (!s)
		return false;
	if (!parse_degrees(s, out)) {
		diag_err(y->d, config_yaml_pos(y, it),
		         "%s: %s '%s' is not a decimal number of degrees", where, what, s);
		return false;
	}
	if (*out < -max || *out > max) {
		diag_err(y->d, config_yaml_pos(y, it), "%s: %s %s is outside -%g..%g", where, what,
		         s, max, max);
		return false;
	}
	return true;
}

static void parse_coord(struct config_yaml *y, const char *key, yaml_node_t *knode, yaml_node_t *v,
                        void *ctx, const char *where)
{
	struct cfg_map *m = ctx;
	struct cfg_coord c = {.pos = config_yaml_pos(y, knode)};
	char sub[CONFIG_WHERE_MAX];
	config_yaml_join(sub, where, key);
	if (!config_yaml_ident(y, c.pos, "datacenter", key, where))
		return;
	if (!config_yaml_is_list(y, v, sub))
		return;
	if (config_yaml_n_items(v) != 2) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: expected [latitude, longitude] in degrees, found %zu value(s)", sub,
		         config_yaml_n_items(v));
		return;
	}
	bool ok = read_degrees(y, v, 0, "latitude", 90.0, sub, &c.lat);
	ok = read_degrees(y, v, 1, "longitude", 180.0, sub, &c.lon) && ok;
	if (!ok)
		return;
	c.dc = xstrdup(key);
	m->coords = xrealloc(m->coords, (m->n_coords + 1) * sizeof(*m->coords));
	m->coords[m->n_coords++] = c;
}

void config_coords_parse(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_map *m = obj;
	m->coords_pos = config_yaml_pos(y, v);
	/* Only then does the database walk keep every record's coordinates (geodb.h). */
	y->c->geoip.locations = true;
	if (!config_yaml_each(y, v, where, parse_coord, m))
		return;
	if (v->data.mapping.pairs.top == v->data.mapping.pairs.start)
		diag_err(y->d, m->coords_pos,
		         "%s: expected at least one datacenter with [latitude, longitude]", where);
}
