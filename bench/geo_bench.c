/* SPDX-License-Identifier: MIT
 * geo_bench.c -- benchmark, not a test: opens a GeoIP database, compiles a realistic
 * map (continents, a few countries, default), reports walk and compile time, arena
 * bytes and peak RSS, then times geo_map_lookup over random addresses. Single thread.
 * With -C the map is nearest-first instead: default, the six countries, and the seven
 * datacenters' coordinates (a City database is needed; docs/performance.md).
 * Usage: geo_bench [-C] [-n LOOKUPS] [-6 PERCENT] DATABASE.mmdb
 * For instructions per lookup run it under callgrind (docs/performance.md). */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "geoip/geo.h"
#include "geoip/geodb.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/err.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall time, and process CPU time (which moves much less on a shared machine). */
static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void list(struct cfg_dclist *l, const char *a, const char *b)
{
	l->dcs = calloc(2, sizeof(char *));
	l->dcs[0] = (char *)a;
	l->dcs[1] = (char *)b;
	l->n = b ? 2 : 1;
}

static void rule(struct cfg_map_rule *r, const char *key, const char *a, const char *b)
{
	r->key = (char *)key;
	list(&r->list, a, b);
}

/* xorshift64: fast, reproducible addresses */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	long n = 10000000, v6_pct = 20;
	bool nearest = false;
	int opt;
	while ((opt = getopt(argc, argv, "Cn:6:")) != -1) {
		if (opt == 'C')
			nearest = true;
		else if (opt == 'n')
			n = atol(optarg);
		else if (opt == '6')
			v6_pct = atol(optarg);
		else
			return 2;
	}
	if (optind + 1 != argc || n <= 0) {
		fprintf(stderr, "usage: %s [-C] [-n LOOKUPS] [-6 PERCENT] DATABASE.mmdb\n",
		        argv[0]);
		return 2;
	}

	/* The map: what a two-continent service with a few special countries looks like. */
	static struct cfg_map_rule continents[7], countries[6];
	static const char *const conts[] = {"NA", "SA", "EU", "AF", "AS", "OC", "AN"};
	static const char *const cont_dc[][2] = {
	        {"us-east", "eu-central"}, {"us-east", "eu-central"}, {"eu-central", "us-east"},
	        {"eu-central", "us-east"}, {"ap-south", "us-west"},   {"ap-south", "us-west"},
	        {"us-east", NULL}};
	for (int i = 0; i < 7; i++)
		rule(&continents[i], conts[i], cont_dc[i][0], cont_dc[i][1]);
	rule(&countries[0], "GB", "eu-west", "eu-central");
	rule(&countries[1], "IE", "eu-west", "eu-central");
	rule(&countries[2], "JP", "ap-north", "ap-south");
	rule(&countries[3], "KR", "ap-north", "ap-south");
	rule(&countries[4], "BR", "sa-east", "us-east");
	rule(&countries[5], "RU", "eu-central", NULL);
	struct cfg_map m = {.name = "regional",
	                    .continents = continents,
	                    .n_continents = 7,
	                    .countries = countries,
	                    .n_countries = 6};
	list(&m.dflt, "eu-central", "us-east");
	/* Places of the seven datacenters (Ashburn, The Dalles, Frankfurt, Dublin, Tokyo,
	 * Mumbai, Sao Paulo). */
	static struct cfg_coord coords[] = {
	        {(char *)"us-east", 39.0, -77.5, {0}},  {(char *)"us-west", 45.6, -121.2, {0}},
	        {(char *)"eu-central", 50.1, 8.7, {0}}, {(char *)"eu-west", 53.3, -6.3, {0}},
	        {(char *)"ap-north", 35.7, 139.7, {0}}, {(char *)"ap-south", 19.1, 72.9, {0}},
	        {(char *)"sa-east", -23.5, -46.6, {0}},
	};
	if (nearest) {
		m.n_continents = 0;
		m.coords = coords;
		m.n_coords = sizeof(coords) / sizeof(coords[0]);
	}

	struct cfg_geoip g = {.enabled = true, .database = argv[optind], .locations = nearest};
	struct diag d;
	diag_init(&d);
	double t0 = now_s(), c0 = cpu_s();
	struct geo_db *db;
	if (geodb_open(&g, &d, &db) != GS_OK) {
		diag_print(&d, stderr);
		return 1;
	}
	double t1 = now_s(), c1 = cpu_s();
	struct arena *a = arena_new();
	const struct geo_map *gm;
	if (geo_map_compile(&m, db, a, &d, &gm) != GS_OK) {
		diag_print(&d, stderr);
		return 1;
	}
	double t2 = now_s(), c2 = cpu_s();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("open+walk  %.3f s wall, %.3f s CPU (%s)\n", t1 - t0, c1 - c0, geodb_path(db));
	printf("compile    %.3f s wall, %.3f s CPU: %u IPv4 ranges, %u IPv6 ranges, %u lists\n",
	       t2 - t1, c2 - c1, gm->v4.n, gm->v6.n, gm->lists.n_lists);
	printf("arena_used %zu bytes (%.1f MiB)\n", arena_used(a), arena_used(a) / 1048576.0);
	printf("peak RSS   %ld KiB (includes the mapped database and the walk's heap)\n",
	       ru.ru_maxrss);
	geodb_close(db);

	/* Addresses: IPv4 uniform; IPv6 inside the allocated 2000::/4 blocks. */
	struct netaddr *addrs = calloc(1u << 16, sizeof(*addrs));
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < (1u << 16); i++) {
		uint64_t r1 = rnd(&s), r2 = rnd(&s);
		if ((long)(r1 % 100) < v6_pct) {
			addrs[i].family = AF_INET6;
			memcpy(addrs[i].addr, &r1, 8);
			memcpy(addrs[i].addr + 8, &r2, 8);
			addrs[i].addr[0] = (uint8_t)(0x20 | (addrs[i].addr[0] & 0x0f));
		} else {
			addrs[i].family = AF_INET;
			memcpy(addrs[i].addr, &r2, 4);
		}
	}
	unsigned long sum = 0;
	double t3 = now_s(), c3 = cpu_s();
	for (long i = 0; i < n; i++) {
		struct geo_hit hit;
		const struct netaddr *x = &addrs[i & 0xffff];
		geo_map_lookup(gm, x, x->family == AF_INET ? 32 : 128, &hit);
		sum += hit.list + hit.scope;
	}
	double t4 = now_s(), c4 = cpu_s();
	printf("lookups    %ld in %.3f s wall, %.3f s CPU: %.1f ns CPU each, %.1f M/s "
	       "(%ld%% IPv6; checksum %lu)\n",
	       n, t4 - t3, c4 - c3, (c4 - c3) * 1e9 / (double)n, (double)n / (c4 - c3) / 1e6,
	       v6_pct, sum);
	free(addrs);
	arena_destroy(a);
	diag_free(&d);
	return 0;
}
