/* SPDX-License-Identifier: MIT
 * answer_bench.c -- answer-bench: times answer_packet() on a fixed mix of queries
 * against the fixture zones in tests/data/answer/ (a benchmark, not a test). For an
 * instruction count per query run it under callgrind:
 *   top_srcdir=S valgrind --tool=callgrind ./server/answer-bench 100000
 *   callgrind_annotate --inclusive=yes callgrind.out.* | grep answer_packet
 * and divide answer_packet's inclusive Ir by the number of calls (queries printed + 1
 * per mix entry run). A second argument N runs only entry N of the mix.
 * Single-threaded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "server/answer.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/snapshot.h"
#include "zones/zone_load.h"
#include "zones/zoneset.h"

struct bench_query {
	const char *label;
	const char *name;
	uint16_t type;
	bool edns;
};

/* A mix shaped like authoritative traffic: mostly positive A/AAAA with EDNS, some
 * negative answers, a CNAME, a wildcard, a referral. */
static const struct bench_query mix[] = {
        {"A www +edns", "www.example.com.", 1, true},
        {"AAAA www +edns", "www.example.com.", 28, true},
        {"A www", "www.example.com.", 1, false},
        {"A nxdomain", "nothere.example.com.", 1, true},
        {"TXT nodata", "www.example.com.", 16, true},
        {"A cname", "alias.example.com.", 1, true},
        {"A wildcard", "foo.wild.example.com.", 1, true},
        {"A referral", "www.sub.example.com.", 1, true},
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t build_query(uint8_t *buf, const struct bench_query *bq)
{
	static const uint8_t header[12] = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(buf, header, sizeof(header));
	size_t n = sizeof(header), len;
	if (dname_from_text(bq->name, NULL, buf + n, &len) != GS_OK)
		abort();
	n += len;
	buf[n++] = 0;
	buf[n++] = (uint8_t)bq->type;
	buf[n++] = 0;
	buf[n++] = 1;
	if (bq->edns) {
		buf[11] = 1;
		/* root, OPT, payload 1232, TTL 0, RDLENGTH 0 */
		static const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
		memcpy(buf + n, opt, sizeof(opt));
		n += sizeof(opt);
	}
	return n;
}

static const struct zone *load(struct arena *a, const char *top, const char *file,
                               const char *origin_text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/answer/%s", top, file);
	uint8_t origin[DNAME_MAX];
	size_t olen;
	struct diag d;
	diag_init(&d);
	const struct zone *z = NULL;
	if (dname_from_text(origin_text, NULL, origin, &olen) != GS_OK ||
	    zone_load(path, origin, a, &d, &z) != GS_OK) {
		diag_print(&d, stderr);
		fprintf(stderr, "answer-bench: cannot load %s (set top_srcdir)\n", path);
		exit(1);
	}
	diag_free(&d);
	return z;
}

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	/* Optional second argument: run only that entry of the mix (0-based). */
	size_t only = argc > 2 ? strtoul(argv[2], NULL, 10) : SIZE_MAX;
	const char *top = getenv("top_srcdir");
	if (!top)
		top = ".";
	struct snapshot snap = {.arena = arena_new()};
	const struct zone **zones = arena_alloc(snap.arena, 3 * sizeof(*zones));
	zones[0] = load(snap.arena, top, "example.com.zone", "example.com.");
	zones[1] = load(snap.arena, top, "other.test.zone", "other.test.");
	zones[2] = load(snap.arena, top, "deep.example.com.zone", "deep.example.com.");
	zoneset_build(&snap.zones, snap.arena, zones, 3);

	struct answer_ctx *ctx = answer_ctx_new();
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = {htonl(0x7f000001)}};
	static uint8_t qbuf[GS_ARRAY_LEN(mix)][512];
	size_t qlen[GS_ARRAY_LEN(mix)];
	static uint8_t out[ANSWER_UDP_MAX];
	for (size_t i = 0; i < GS_ARRAY_LEN(mix); i++)
		qlen[i] = build_query(qbuf[i], &mix[i]);

	size_t sink = 0;
	double total_t0 = now_s();
	unsigned long n = 0;
	for (size_t i = 0; i < GS_ARRAY_LEN(mix); i++) {
		if (only != SIZE_MAX && i != only)
			continue;
		n += rounds;
		double t0 = now_s();
		for (unsigned long k = 0; k < rounds; k++)
			sink += answer_packet(&snap, ctx, qbuf[i], qlen[i],
			                      (const struct sockaddr *)&src, false, out,
			                      sizeof(out));
		double dt = now_s() - t0;
		printf("%-16s %7.1f ns/query  (%zu-byte response)\n", mix[i].label,
		       dt * 1e9 / (double)rounds,
		       answer_packet(&snap, ctx, qbuf[i], qlen[i], (const struct sockaddr *)&src,
		                     false, out, sizeof(out)));
	}
	double total = now_s() - total_t0;
	printf("mix: %lu queries, %.1f ns/query, %.2f Mqps on one thread (sink %zu)\n", n,
	       total * 1e9 / (double)n, (double)n / total / 1e6, sink);
	answer_ctx_free(ctx);
	arena_destroy(snap.arena);
	return 0;
}
