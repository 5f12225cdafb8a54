/* SPDX-License-Identifier: MIT
 * zone_bench.c -- zone-bench: times zone_load() on a zone file and zone_lookup() on its
 * names, or dumps the compiled zone (--dump). A benchmark and debugging aid, not a test;
 * see docs/performance.md. Single-threaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "zones/zone.h"
#include "zones/zone_load.h"

/* Wall-clock time, and CPU time of this process (steadier on a busy machine). */
static double now_s(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *match_name(enum zone_match m)
{
	switch (m) {
	case ZONE_MATCH_EXACT:
		return "exact";
	case ZONE_MATCH_WILDCARD:
		return "wildcard";
	case ZONE_MATCH_DELEGATION:
		return "delegation";
	case ZONE_MATCH_NXDOMAIN:
		return "nxdomain";
	}
	return "?";
}

/* Each record's wire rdata in hex, with its embedded-name offsets. */
static void dump_rdata(const struct zone_rrset *s)
{
	for (unsigned k = 0; k < s->count; k++) {
		const struct zone_rdata *r = &s->rdata[k];
		printf("    [%u %u %u %u] ", r->name_off[0], r->name_off[1], r->name_above[0],
		       r->name_above[1]);
		for (unsigned b = 0; b < r->len; b++)
			printf("%02x", r->data[b]);
		printf("\n");
	}
}

static void dump(const struct zone *z)
{
	char name[DNAME_TEXT_MAX];
	printf("serial %u neg_ttl %u nodes %zu records %zu slots %zu\n", z->serial, z->neg_ttl,
	       z->n_nodes, z->n_records, z->hash_mask + 1);
	for (size_t i = 0; i < z->n_nodes; i++) {
		const struct zone_node *n = &z->nodes[i];
		dname_to_text(n->name, name);
		printf("%s flags=%#x rrsets=%u\n", name, n->flags, n->n_rrsets);
		for (unsigned j = 0; j < n->n_rrsets; j++) {
			const struct zone_rrset *s = &n->rrsets[j];
			printf("  type %u ttl %u count %u line %u\n", s->type, s->ttl, s->count,
			       s->line);
			dump_rdata(s);
			if (s->sigs) {
				printf("  sigs ttl %u count %u line %u\n", s->sigs->ttl,
				       s->sigs->count, s->sigs->line);
				dump_rdata(s->sigs);
			}
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: zone-bench ZONEFILE ORIGIN [RUNS | --dump]\n");
		return 2;
	}
	uint8_t origin[DNAME_MAX];
	size_t olen;
	if (dname_from_text(argv[2], NULL, origin, &olen) != GS_OK) {
		fprintf(stderr, "bad origin %s\n", argv[2]);
		return 2;
	}
	dname_lower(origin);
	bool is_dump = argc > 3 && strcmp(argv[3], "--dump") == 0;
	int runs = argc > 3 && !is_dump ? atoi(argv[3]) : 5;
	if (runs < 1)
		runs = 1;

	double best = 1e9, best_cpu = 1e9;
	for (int r = 0; r < runs; r++) {
		struct arena *a = arena_new();
		struct diag d;
		diag_init(&d);
		const struct zone *z = NULL;
		double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
		int rc = zone_load(argv[1], origin, a, &d, &z);
		double t = now_s(CLOCK_MONOTONIC) - t0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		diag_print(&d, stderr);
		diag_free(&d);
		if (rc != GS_OK) {
			fprintf(stderr, "zone_load: %s\n", gs_strerror(rc));
			arena_destroy(a);
			return 1;
		}
		if (is_dump) {
			dump(z);
			arena_destroy(a);
			return 0;
		}
		if (t < best)
			best = t;
		if (cpu < best_cpu)
			best_cpu = cpu;
		printf("run %d: zone_load %.3f s wall, %.3f s CPU (%zu records, %zu nodes, %.1f "
		       "MiB "
		       "arena)\n",
		       r + 1, t, cpu, z->n_records, z->n_nodes, (double)arena_used(a) / 1048576.0);
		if (r == runs - 1) {
			/* Lookup every node name (and a missing child of each) a few times. */
			size_t counts[4] = {0}, n = 0;
			uint8_t q[DNAME_MAX];
			double l0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			for (int rep = 0; rep < 10; rep++)
				for (size_t i = 0; i < z->n_nodes; i++) {
					const struct zone_node *node = &z->nodes[i];
					struct zone_hit hit;
					counts[zone_lookup(z, node->name, &hit)]++;
					if (node->name_len + 5u <= DNAME_MAX) {
						memcpy(q, "\4nope", 5);
						memcpy(q + 5, node->name, node->name_len);
						counts[zone_lookup(z, q, &hit)]++;
					}
					n += 2;
				}
			double lt = now_s(CLOCK_PROCESS_CPUTIME_ID) - l0;
			printf("zone_lookup: %zu lookups in %.3f s CPU, %.0f ns each", n, lt,
			       lt * 1e9 / (double)n);
			for (int m = 0; m < 4; m++)
				printf(", %s %zu", match_name((enum zone_match)m), counts[m]);
			printf("\n");
		}
		arena_destroy(a);
	}
	printf("best zone_load of %d runs: %.3f s wall, %.3f s CPU\n", runs, best, best_cpu);
	return 0;
}
