/* SPDX-License-Identifier: MIT
 * cfgdiff.h -- `geosteerctl diff OLD NEW`: what changes for clients between two
 * configurations. cfgdiff.c loads and compares them (maps compiled against each
 * configuration's databases, services and checks compared field by field);
 * cfgdiff_print.c writes the result as text or JSON (schema: docs/diff.md). */
#ifndef GS_CFGDIFF_H
#define GS_CFGDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "geoip/geo.h"
#include "server/config/config.h"

/* One network whose ordered datacenter list changes: list ids of each side's map. */
struct cfgdiff_net {
	int family;
	unsigned __int128 start;
	unsigned len;
	uint16_t old_list, new_list;
	bool weighted; /* either list holds a weighted group */
	double moves;  /* share of its weight networks whose first answer changes (0 to 1;
	                * cfgdiff_weight.h) */
};

/* Addresses that move, per country or continent. */
struct cfgdiff_area {
	char code[3];      /* "DE", "EU"; "" when the database does not say */
	char continent[3]; /* countries: the continent the database gives it */
	uint64_t v4;       /* IPv4 addresses */
	uint64_t v6;       /* IPv6 /48 networks (a /48 partly moved counts as one) */
	bool used;
};

/* A setting that differs; old_v or new_v is NULL when absent on that side. */
struct cfgdiff_change {
	char *what; /* "ttl", "datacenter us-east", "interval", ... */
	char *old_v, *new_v;
};

#define CFGDIFF_N_COUNTRIES  (26 * 26 + 1) /* index 0: no country */
#define CFGDIFF_N_CONTINENTS 8             /* AF AN AS EU NA OC SA, and none */

struct cfgdiff_service {
	const char *name;
	const struct cfg_service *o, *n; /* NULL when absent on that side */
	const struct geo_map *om, *nm;   /* their compiled maps */
	struct cfgdiff_net *nets;        /* owned */
	size_t n_nets, cap_nets;
	struct cfgdiff_area *countries; /* owned; CFGDIFF_N_COUNTRIES */
	struct cfgdiff_area continents[CFGDIFF_N_CONTINENTS];
	struct cfgdiff_change *changes; /* owned */
	size_t n_changes;
};

struct cfgdiff_check {
	const char *name;
	struct cfgdiff_change *changes; /* owned */
	size_t n_changes;
};

struct cfgdiff {
	struct cfgdiff_service *svcs; /* owned; services that change, in name order */
	size_t n_svcs;
	struct cfgdiff_check *checks; /* owned; checks that change, in name order */
	size_t n_checks;
};

/* Runs `geosteerctl diff`: argv[0] is "diff". Returns the exit status (0 no change,
 * 1 changes, 2 errors or bad command line). */
int cfgdiff_main(int argc, char **argv);

/* Writes d as text or as JSON to out. */
void cfgdiff_print_text(const struct cfgdiff *d, FILE *out) GS_NONNULL;
void cfgdiff_print_json(const struct cfgdiff *d, FILE *out) GS_NONNULL;

#endif
