/* SPDX-License-Identifier: MIT
 * fuzz_query.c -- fuzz target for the query path: every input is a DNS message handed
 * to answer_packet() over UDP and over TCP against a snapshot of the fixture zones in
 * tests/data/answer/. Checks that every response stays inside its size limit, carries
 * the query's ID with QR set, and parses with ldns (an independent parser).
 *
 * libFuzzer build: `sh tests/fuzz/libfuzzer.sh [SECONDS]` builds this target with clang's
 * libFuzzer and sanitizers against the project's libraries and runs it on a copy of
 * its seed corpus.
 * Without -DFUZZ_LIBFUZZER this file's main() (tests/fuzz/replay.c) replays files (or the
 * seed corpus by default) once each; `make check` runs that. Single-threaded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <netinet/in.h>

#include "server/query/answer.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/query/snapshot.h"
#include "zones/zone_load.h"
#include "zones/zoneset.h"
#include "tests/fuzz/replay.h"

static struct snapshot snap;
static struct answer_ctx *ctx;
static uint8_t out[ANSWER_TCP_MAX];

static const char *top_srcdir(void)
{
	const char *top = getenv("top_srcdir");
	return top ? top : ".";
}

static const struct zone *load(const char *file, const char *origin_text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/answer/%s", top_srcdir(), file);
	uint8_t origin[DNAME_MAX];
	size_t olen;
	struct diag d;
	diag_init(&d);
	const struct zone *z = NULL;
	if (dname_from_text(origin_text, NULL, origin, &olen) != GS_OK ||
	    zone_load(path, origin, snap.arena, &d, &z) != GS_OK) {
		diag_print(&d, stderr);
		fprintf(stderr, "fuzz_query: cannot load %s (set top_srcdir)\n", path);
		exit(2);
	}
	diag_free(&d);
	return z;
}

static void init_once(void)
{
	if (ctx)
		return;
	snap.arena = arena_new();
	const struct zone **zones = arena_alloc(snap.arena, 3 * sizeof(*zones));
	zones[0] = load("example.com.zone", "example.com.");
	zones[1] = load("other.test.zone", "other.test.");
	zones[2] = load("deep.example.com.zone", "deep.example.com.");
	zoneset_build(&snap.zones, snap.arena, zones, 3);
	snap.identity = (const uint8_t *)"fuzz.ns";
	snap.identity_len = 7;
	ctx = answer_ctx_new();
}

static void check(const uint8_t *q, size_t qlen, bool tcp)
{
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = {htonl(0x7f000001)}};
	size_t cap = tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX;
	size_t n = answer_packet(&snap, ctx, q, qlen, (const struct sockaddr *)&src, tcp, out, cap);
	if (n == 0)
		return;
	if (n < 12 || n > cap || (!tcp && n > ANSWER_UDP_MAX) || qlen < 12 ||
	    memcmp(out, q, 2) != 0 || !(out[2] & 0x80))
		abort();
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, out, n) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	check(data, size, false);
	check(data, size, true);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
int main(int argc, char **argv)
{
	int rc = fuzz_replay_main(argc, argv, "fuzz_query", "tests/fuzz/corpus");
	answer_ctx_free(ctx);
	arena_destroy(snap.arena);
	return rc;
}
#endif
