/* SPDX-License-Identifier: MIT
 * config_check.c -- rules that tie configuration sections together: zones, services,
 * maps and checks. Runs after the whole file has been read, so each message can name
 * both ends. The zone-data check (a steered name that also has A/AAAA records in its
 * zone file) is not here: it needs the compiled zones. Load thread only. */
#include "server/config/config_check.h"

#include <stdio.h>
#include <string.h>

#include "server/base/dname.h"

static bool service_has_dc(const struct cfg_service *s, const char *dc)
{
	for (size_t i = 0; i < s->n_dcs; i++)
		if (strcmp(s->dcs[i].name, dc) == 0)
			return true;
	return false;
}

static void check_zones(const struct cfg *c, struct diag *d)
{
	for (size_t i = 0; i < c->n_zones; i++) {
		if (!c->zones[i].name_len)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (c->zones[j].name_len &&
			    dname_equal(c->zones[i].name, c->zones[j].name)) {
				char text[DNAME_TEXT_MAX];
				dname_to_text(c->zones[i].name, text);
				diag_err(d, c->zones[i].pos,
				         "zones: zone '%s' is listed twice (first at line %u)",
				         text, c->zones[j].pos.line);
				break;
			}
		}
	}
}

/* The rule categories of a map in the order they are reported, with their YAML keys. */
struct rule_set {
	const char *key;
	const struct cfg_map_rule *rules;
	size_t n;
};

static size_t map_rule_sets(const struct cfg_map *m, struct rule_set out[5])
{
	out[0] = (struct rule_set){"continents", m->continents, m->n_continents};
	out[1] = (struct rule_set){"countries", m->countries, m->n_countries};
	out[2] = (struct rule_set){"subdivisions", m->subdivisions, m->n_subdivisions};
	out[3] = (struct rule_set){"asns", m->asns, m->n_asns};
	out[4] = (struct rule_set){"networks", m->networks, m->n_networks};
	return 5;
}

static void check_list_dcs(const struct cfg_service *s, const struct cfg_map *m,
                           const struct cfg_dclist *l, const char *where, struct diag *d)
{
	for (size_t i = 0; i < l->n; i++)
		if (!service_has_dc(s, l->dcs[i]))
			diag_err(d, l->pos,
			         "%s: datacenter '%s' is not defined in service '%s', which uses "
			         "map "
			         "'%s'",
			         where, l->dcs[i], s->name, m->name);
}

static bool list_names(const struct cfg_dclist *l, const char *dc)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->dcs[i], dc) == 0)
			return true;
	return false;
}

static bool map_names(const struct cfg_map *m, const char *dc)
{
	struct rule_set sets[5];
	size_t ns = map_rule_sets(m, sets);
	if (list_names(&m->dflt, dc))
		return true;
	for (size_t i = 0; i < m->n_coords; i++)
		if (strcmp(m->coords[i].dc, dc) == 0)
			return true;
	for (size_t k = 0; k < ns; k++)
		for (size_t i = 0; i < sets[k].n; i++)
			if (list_names(&sets[k].rules[i].list, dc))
				return true;
	return false;
}

/* Every datacenter the map can choose must exist in the service, or the answer for that
 * region would be empty. */
static void check_service_map(const struct cfg_service *s, const struct cfg_map *m, struct diag *d)
{
	char where[600];
	struct rule_set sets[5];
	size_t ns = map_rule_sets(m, sets);
	snprintf(where, sizeof(where), "maps.%s.default", m->name);
	check_list_dcs(s, m, &m->dflt, where, d);
	for (size_t k = 0; k < ns; k++) {
		for (size_t i = 0; i < sets[k].n; i++) {
			snprintf(where, sizeof(where), "maps.%s.%s.%s", m->name, sets[k].key,
			         sets[k].rules[i].key);
			check_list_dcs(s, m, &sets[k].rules[i].list, where, d);
		}
	}
	for (size_t i = 0; i < m->n_coords; i++)
		if (!service_has_dc(s, m->coords[i].dc))
			diag_err(d, m->coords[i].pos,
			         "maps.%s.coordinates: datacenter '%s' is not defined in service "
			         "'%s', which uses map '%s'",
			         m->name, m->coords[i].dc, s->name, m->name);
	for (size_t i = 0; i < s->n_dcs; i++)
		if (!map_names(m, s->dcs[i].name))
			diag_warn(d, s->dcs[i].pos,
			          "services.%s.datacenters: '%s' is never answered, because map "
			          "'%s' does not name it",
			          s->name, s->dcs[i].name, m->name);
}

static void check_services(const struct cfg *c, struct diag *d)
{
	for (size_t i = 0; i < c->n_services; i++) {
		const struct cfg_service *s = &c->services[i];
		if (s->map) {
			const struct cfg_map *m = cfg_find_map(c, s->map);
			if (!m)
				diag_err(d, s->map_pos, "services.%s.map: unknown map '%s'",
				         s->name, s->map);
			else
				check_service_map(s, m, d);
		}
		if (s->check && !cfg_find_check(c, s->check))
			diag_err(d, s->check_pos, "services.%s.check: unknown check '%s'", s->name,
			         s->check);
	}
}

static bool in_some_zone(const struct cfg *c, const uint8_t *name)
{
	for (size_t i = 0; i < c->n_zones; i++)
		if (c->zones[i].name_len && dname_is_subdomain(name, c->zones[i].name))
			return true;
	return false;
}

/* Each steered name lies in a configured zone and belongs to one service only. */
static void check_names(const struct cfg *c, struct diag *d)
{
	for (size_t i = 0; i < c->n_services; i++) {
		const struct cfg_service *s = &c->services[i];
		for (size_t k = 0; k < s->n_names; k++) {
			char text[DNAME_TEXT_MAX];
			dname_to_text(s->names[k].wire, text);
			if (!in_some_zone(c, s->names[k].wire))
				diag_err(
				        d, s->names[k].pos,
				        "services.%s.names: '%s' is not inside any configured zone",
				        s->name, text);
			bool dup = false;
			for (size_t j = 0; j <= i && !dup; j++) {
				const struct cfg_service *o = &c->services[j];
				size_t end = j == i ? k : o->n_names;
				for (size_t m = 0; m < end && !dup; m++) {
					if (!dname_equal(o->names[m].wire, s->names[k].wire))
						continue;
					dup = true;
					if (j == i)
						diag_err(d, s->names[k].pos,
						         "services.%s.names: '%s' is listed twice "
						         "(first at line %u)",
						         s->name, text, o->names[m].pos.line);
					else
						diag_err(d, s->names[k].pos,
						         "services.%s.names: '%s' is already "
						         "steered by "
						         "service '%s' (line %u)",
						         s->name, text, o->name,
						         o->names[m].pos.line);
				}
			}
		}
	}
}

/* Location rules (and coordinates) need the database that answers them. */
static void check_geo_needs(const struct cfg *c, struct diag *d)
{
	for (size_t i = 0; i < c->n_maps; i++) {
		const struct cfg_map *m = &c->maps[i];
		if (m->n_coords && !c->geoip.enabled)
			diag_err(
			        d, m->coords_pos,
			        "maps.%s.coordinates: nearest-first lists need a City-shaped GeoIP "
			        "database, but there is no geoip section",
			        m->name);
		struct rule_set sets[5];
		size_t ns = map_rule_sets(m, sets);
		for (size_t k = 0; k < ns; k++) {
			if (sets[k].n == 0 || strcmp(sets[k].key, "networks") == 0)
				continue;
			/* asns rules without asn_database are decided against the database
			 * (geo_map_compile): IPinfo's country_asn carries AS numbers itself. */
			if (!c->geoip.enabled)
				diag_err(d, sets[k].rules[0].list.pos,
				         "maps.%s.%s: these rules need a GeoIP database, but there "
				         "is "
				         "no geoip section",
				         m->name, sets[k].key);
		}
	}
}

void config_check_all(const struct cfg *c, struct diag *d)
{
	check_zones(c, d);
	check_geo_needs(c, d);
	check_services(c, d);
	check_names(c, d);
}
