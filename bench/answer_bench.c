/* SPDX-License-Identifier: MIT
 * answer_bench.c -- answer-bench: times answer_packet() on a fixed mix of queries
 * against the fixture zones in tests/data/answer/, and on static and steered answers
 * of a snapshot built from a configuration with maps and services (tests/data/steer/
 * zone, the world database ../shared/testdata/world.mmdb when it exists, else the
 * tiny tests/data/geo/city.mmdb of the build folder; GS_BENCH_MMDB overrides), and
 * on the signed fixture zones nsec.example and nsec3.example, with DO=1 and without,
 * and on the steering configuration again with its zone signed by geosteer. A
 * benchmark, not a test. For an instruction count per query run it under callgrind:
 *   top_srcdir=S valgrind --tool=callgrind --callgrind-out-file=cg.answer \
 *       ./bench/answer-bench 100000
 * Each mix entry's loop is dumped on its own (cg.answer.N, "desc: Trigger: Client
 * Request: LABEL"), so its "totals:" line divided by the rounds is the instructions
 * per query of that entry, loop overhead included (about 10). A second argument N
 * runs only entry N of the mix. Single-threaded.
 * GS_BENCH_RRL=1 turns rate limiting on in both snapshots (a rate no entry reaches, so
 * every query pays the accounting and is answered); GS_BENCH_COOKIES=client adds a
 * client cookie to every EDNS query (a fresh server cookie each time), =server a valid
 * server cookie too (checked and echoed), with cookies on in both snapshots. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>

#include "server/query/answer.h"
#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/config/config.h"
#include "server/query/cookie.h"
#include "server/query/rrl.h"
#include "server/load/snapshot_build.h"
#include "server/query/snapshot.h"
#include "zones/zone_load.h"
#include "zones/zoneset.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_CALLGRIND 1
#endif
#endif
#ifndef BENCH_CALLGRIND
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(label) ((void)(label))
#endif

enum bench_snap {
	SNAP_FIXTURES,
	SNAP_STEER,
	SNAP_SIGNED,
	SNAP_STEER_SIGNED,
	SNAP_WEIGHTED, /* the steering configuration with North America as a weighted group */
	N_SNAPS
};

struct bench_query {
	const char *label;
	const char *name;
	uint16_t type;
	bool edns;
	enum bench_snap snap;
	const char *ecs; /* Client Subnet option to send ("ADDR/LEN"), or NULL */
	bool do_bit;     /* DNSSEC OK (needs edns) */
};

/* A mix shaped like authoritative traffic: mostly positive A/AAAA with EDNS, some
 * negative answers, a CNAME, a wildcard, a referral. */
static const struct bench_query mix[] = {
        {"A www +edns", "www.example.com.", 1, true, SNAP_FIXTURES, NULL, false},
        {"AAAA www +edns", "www.example.com.", 28, true, SNAP_FIXTURES, NULL, false},
        {"A www", "www.example.com.", 1, false, SNAP_FIXTURES, NULL, false},
        {"A nxdomain", "nothere.example.com.", 1, true, SNAP_FIXTURES, NULL, false},
        {"TXT nodata", "www.example.com.", 16, true, SNAP_FIXTURES, NULL, false},
        {"A cname", "alias.example.com.", 1, true, SNAP_FIXTURES, NULL, false},
        {"A wildcard", "foo.wild.example.com.", 1, true, SNAP_FIXTURES, NULL, false},
        {"A referral", "www.sub.example.com.", 1, true, SNAP_FIXTURES, NULL, false},
        /* One snapshot for the four below, so that the static answer pays what steering
         * adds to every query (the steered-name lookup). */
        {"A static (steer)", "static.geo.example.", 1, true, SNAP_STEER, NULL, false},
        {"A steered", "www.geo.example.", 1, true, SNAP_STEER, NULL, false},
        {"A steered +ecs", "www.geo.example.", 1, true, SNAP_STEER, "8.8.8.0/24", false},
        {"AAAA steered +ecs", "www.geo.example.", 28, true, SNAP_STEER, "2a00:1450:4001::/48",
         false},
        /* Signed zones (tests/data/answer/nsec*.example.signed): DO=0 costs what an
         * unsigned zone does; DO=1 adds RRSIGs and NSEC/NSEC3 proofs. */
        {"A signed", "www.nsec.example.", 1, true, SNAP_SIGNED, NULL, false},
        {"A signed +do", "www.nsec.example.", 1, true, SNAP_SIGNED, NULL, true},
        {"A nxdomain nsec +do", "nothere.nsec.example.", 1, true, SNAP_SIGNED, NULL, true},
        {"A nxdomain nsec3 +do", "nothere.nsec3.example.", 1, true, SNAP_SIGNED, NULL, true},
        {"TXT nodata nsec +do", "www.nsec.example.", 16, true, SNAP_SIGNED, NULL, true},
        {"TXT nodata nsec3 +do", "www.nsec3.example.", 16, true, SNAP_SIGNED, NULL, true},
        {"A wildcard nsec +do", "x.wild.nsec.example.", 1, true, SNAP_SIGNED, NULL, true},
        {"A wildcard nsec3 +do", "x.wild.nsec3.example.", 1, true, SNAP_SIGNED, NULL, true},
        {"A referral nsec3 +do", "www.sub.nsec3.example.", 1, true, SNAP_SIGNED, NULL, true},
        /* The steering configuration with geo.example. signed by geosteer (a key made
         * when the bench starts): a steered answer with DO=1 carries the RRSIG made at
         * load for the set served. Each +do entry follows the same query without DO. */
        {"A steered signed +ecs", "www.geo.example.", 1, true, SNAP_STEER_SIGNED, "8.8.8.0/24",
         false},
        {"A steered signed +ecs +do", "www.geo.example.", 1, true, SNAP_STEER_SIGNED, "8.8.8.0/24",
         true},
        {"AAAA steered signed +ecs", "www.geo.example.", 28, true, SNAP_STEER_SIGNED,
         "2a00:1450:4001::/48", false},
        {"AAAA steered signed +ecs +do", "www.geo.example.", 28, true, SNAP_STEER_SIGNED,
         "2a00:1450:4001::/48", true},
        {"A steered signed", "www.geo.example.", 1, true, SNAP_STEER_SIGNED, NULL, false},
        {"A steered signed +do", "www.geo.example.", 1, true, SNAP_STEER_SIGNED, NULL, true},
        {"MX steered nodata +do", "www.geo.example.", 15, true, SNAP_STEER_SIGNED, NULL, true},
        /* Weighted groups (docs/performance.md): the same questions with North America's
         * list [{us: 3, eu: 1}, ap] instead of [us, eu] (both members have as many
         * addresses, so the records cost the same whichever one the hash picks), and a
         * list without a group in that map. */
        {"AAAA steered +ecs NA", "www.geo.example.", 28, true, SNAP_STEER, "2001:4860:4860::/48",
         false},
        {"A weighted +ecs", "www.geo.example.", 1, true, SNAP_WEIGHTED, "8.8.8.0/24", false},
        {"AAAA weighted +ecs", "www.geo.example.", 28, true, SNAP_WEIGHTED, "2001:4860:4860::/48",
         false},
        {"A weighted map, plain list +ecs", "www.geo.example.", 1, true, SNAP_WEIGHTED,
         "81.169.145.0/24", false},
};

/* The steering configuration; %s: the database, the zone file, the zone's dnssec
 * block ("" or ", dnssec: {keys: [...]}"), North America's list. */
static const char steer_config[] =
        "geoip: {database: \"%s\"}\n"
        "zones: [{name: geo.example., file: \"%s\"%s}]\n"
        "maps:\n"
        "  regional:\n"
        "    default: [eu, us]\n"
        "    continents: {NA: %s, SA: [us, eu], AS: [ap, us], OC: [ap, us]}\n"
        "    countries: {GB: [eu, us], DE: [eu, us]}\n"
        "    networks: {203.0.113.0/24: [us]}\n"
        "services:\n"
        "  web:\n"
        "    names: [www.geo.example.]\n"
        "    map: regional\n"
        "    ttl: 60\n"
        "    failover_ttl: 20\n"
        "    datacenters:\n"
        "      us: [192.0.2.10, 192.0.2.11, \"2001:db8:10::10\"]\n"
        "      eu: [198.51.100.10, 198.51.100.11, \"2001:db8:20::10\"]\n"
        "      ap: [203.0.113.10]\n";

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
		/* root, OPT, payload 1232, TTL 0 (or DO), RDLENGTH (below) */
		static const uint8_t opt[9] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0};
		memcpy(buf + n, opt, sizeof(opt));
		if (bq->do_bit)
			buf[n + 7] = 0x80;
		n += sizeof(opt);
		size_t rdlen = n;
		buf[n++] = 0;
		buf[n++] = 0;
		if (bq->ecs) {
			/* RFC 7871 6: ECS, FAMILY, SOURCE, SCOPE 0, ADDRESS (whole bytes). */
			char addr[64];
			snprintf(addr, sizeof(addr), "%s", bq->ecs);
			char *slash = strchr(addr, '/');
			*slash = 0;
			unsigned bits = (unsigned)atoi(slash + 1);
			bool v6 = strchr(addr, ':') != NULL;
			uint8_t a[16];
			if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, a) != 1)
				abort();
			unsigned alen = (bits + 7) / 8;
			uint8_t ecs[8] = {
			        0, 8, 0, (uint8_t)(4 + alen), 0, v6 ? 2 : 1, (uint8_t)bits, 0};
			memcpy(buf + n, ecs, sizeof(ecs));
			n += sizeof(ecs);
			memcpy(buf + n, a, alen);
			n += alen;
			buf[rdlen + 1] = (uint8_t)(8 + alen);
		}
	}
	return n;
}

/* GS_BENCH_COOKIES: appends a COOKIE option to the OPT record (the last record) of the
 * query in buf[0..n), with a valid server cookie when with_server. Returns the new length. */
static size_t add_cookie(uint8_t *buf, size_t n, bool with_server, const uint8_t *secret,
                         const struct sockaddr *src, uint32_t now)
{
	size_t q_end = 12 + dname_len(buf + 12) + 4u;
	size_t rdlen_at = q_end + 9u; /* root, TYPE, CLASS, TTL */
	static const uint8_t client[COOKIE_CLIENT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint16_t len = with_server ? COOKIE_REPLY_LEN : COOKIE_CLIENT_LEN;
	buf[n++] = 0;
	buf[n++] = 10;
	buf[n++] = 0;
	buf[n++] = (uint8_t)len;
	memcpy(buf + n, client, sizeof(client));
	if (with_server)
		cookie_make(buf + n + COOKIE_CLIENT_LEN, secret, client, src, now);
	n += len;
	unsigned rdlen = (unsigned)buf[rdlen_at] << 8 | buf[rdlen_at + 1];
	rdlen += 4u + len;
	buf[rdlen_at] = (uint8_t)(rdlen >> 8);
	buf[rdlen_at + 1] = (uint8_t)rdlen;
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

/* Writes a fresh ECDSA P-256 key pair with flags 257 (a CSK) for geo.example. as
 * dir/Kbench.key and dir/Kbench.private. Returns false when ldns cannot make one. */
static bool make_key(const char *dir)
{
	ldns_key *key = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
	if (!key)
		return false;
	ldns_rdf *owner = NULL;
	if (ldns_str2rdf_dname(&owner, "geo.example.") != LDNS_STATUS_OK) {
		ldns_key_deep_free(key);
		return false;
	}
	ldns_key_set_pubkey_owner(key, owner);
	ldns_key_set_flags(key, 257);
	ldns_rr *pub = ldns_key2rr(key);
	char path[4096];
	snprintf(path, sizeof(path), "%s/Kbench.key", dir);
	FILE *f = pub ? fopen(path, "w") : NULL;
	bool ok = f != NULL;
	if (f) {
		ldns_rr_print(f, pub);
		ok = fclose(f) == 0;
	}
	snprintf(path, sizeof(path), "%s/Kbench.private", dir);
	f = ok ? fopen(path, "w") : NULL;
	ok = f != NULL;
	if (f) {
		ldns_key_print(f, key);
		ok = fclose(f) == 0;
	}
	ldns_rr_free(pub);
	ldns_key_deep_free(key);
	return ok;
}

/* Builds the steering snapshot the way the daemon does (cfg_load, snapshot_build), from
 * a configuration written to a temporary file; with sign, geo.example. is signed with
 * a key made now. Returns NULL (and says why) when the database is missing. */
static struct snapshot *load_steer(const char *top, bool sign, bool weighted)
{
	char zone[4096], mmdb[4096];
	snprintf(zone, sizeof(zone), "%s/tests/data/steer/geo.example.zone", top);
	const char *env = getenv("GS_BENCH_MMDB");
	if (env)
		snprintf(mmdb, sizeof(mmdb), "%s", env);
	else
		snprintf(mmdb, sizeof(mmdb), "%s/../shared/testdata/world.mmdb", top);
	if (!env && access(mmdb, R_OK) != 0)
		snprintf(mmdb, sizeof(mmdb), "tests/data/geo/city.mmdb");
	if (access(mmdb, R_OK) != 0) {
		fprintf(stderr, "answer-bench: no GeoIP database (%s); steered entries skipped\n",
		        mmdb);
		return NULL;
	}
	char path[] = "/tmp/answer-bench.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		perror("answer-bench: temporary configuration");
		exit(1);
	}
	char keydir[] = "/tmp/answer-bench-keys.XXXXXX", dnssec[4200] = "";
	if (sign) {
		if (!mkdtemp(keydir) || !make_key(keydir)) {
			fprintf(stderr, "answer-bench: cannot make a key in %s\n", keydir);
			exit(1);
		}
		snprintf(dnssec, sizeof(dnssec), ", dnssec: {keys: [\"%s/Kbench\"]}", keydir);
	}
	fprintf(f, steer_config, mmdb, zone, dnssec,
	        weighted ? "[{us: 3, eu: 1}, ap]" : "[us, eu]");
	fclose(f);
	struct diag d;
	diag_init(&d);
	struct cfg *cfg = NULL;
	struct snapshot *s = NULL;
	if (cfg_load(path, &d, &cfg) != GS_OK || snapshot_build(cfg, &d, &s) != GS_OK) {
		diag_print(&d, stderr);
		fprintf(stderr, "answer-bench: cannot build the steering snapshot\n");
		exit(1);
	}
	printf("steering snapshot%s: database %s\n", sign ? " (signed)" : "", mmdb);
	diag_free(&d);
	cfg_free(cfg);
	unlink(path);
	if (sign) {
		char kp[4200];
		snprintf(kp, sizeof(kp), "%s/Kbench.key", keydir);
		unlink(kp);
		snprintf(kp, sizeof(kp), "%s/Kbench.private", keydir);
		unlink(kp);
		rmdir(keydir);
	}
	return s;
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
	struct snapshot signed_snap = {.arena = arena_new()};
	const struct zone **signed_zones = arena_alloc(signed_snap.arena, 2 * sizeof(*zones));
	signed_zones[0] = load(signed_snap.arena, top, "nsec.example.signed", "nsec.example.");
	signed_zones[1] = load(signed_snap.arena, top, "nsec3.example.signed", "nsec3.example.");
	zoneset_build(&signed_snap.zones, signed_snap.arena, signed_zones, 2);
	const struct snapshot *snaps[N_SNAPS] = {&snap, NULL, &signed_snap};
	struct snapshot *steer = load_steer(top, false, false);
	snaps[SNAP_STEER] = steer;
	struct snapshot *steer_signed = steer ? load_steer(top, true, false) : NULL;
	snaps[SNAP_STEER_SIGNED] = steer_signed;
	struct snapshot *weighted = steer ? load_steer(top, false, true) : NULL;
	snaps[SNAP_WEIGHTED] = weighted;

	struct answer_ctx *ctx = answer_ctx_new();
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = {htonl(0x7f000001)}};
	static uint8_t qbuf[GS_ARRAY_LEN(mix)][512];
	size_t qlen[GS_ARRAY_LEN(mix)];
	static uint8_t out[ANSWER_UDP_MAX];
	for (size_t i = 0; i < GS_ARRAY_LEN(mix); i++)
		qlen[i] = build_query(qbuf[i], &mix[i]);

	/* Rate limiting and cookies, when asked for (see the header). */
	static const uint8_t secret[COOKIE_SECRET_LEN] = "geosteer-bench!";
	const uint32_t bench_now = 1700000000u;
	struct rrl_config rrlc = {.rate = 1000000, .slip = 2, .ipv4_prefix = 24, .ipv6_prefix = 56};
	const char *env_rrl = getenv("GS_BENCH_RRL"), *env_ck = getenv("GS_BENCH_COOKIES");
	answer_ctx_set_time(ctx, bench_now, 123456);
	if (env_rrl && *env_rrl == '1') {
		snap.rrl = &rrlc;
		if (steer)
			steer->rrl = steer_signed->rrl = weighted->rrl = &rrlc;
		printf("rate limiting on (rate %u, not reached)\n", rrlc.rate);
	}
	if (env_ck && *env_ck) {
		bool with_server = strcmp(env_ck, "server") == 0;
		snap.cookie_secret = secret;
		if (steer)
			steer->cookie_secret = steer_signed->cookie_secret =
			        weighted->cookie_secret = secret;
		for (size_t i = 0; i < GS_ARRAY_LEN(mix); i++)
			if (mix[i].edns)
				qlen[i] = add_cookie(qbuf[i], qlen[i], with_server, secret,
				                     (const struct sockaddr *)&src, bench_now);
		printf("cookies on: %s\n",
		       with_server ? "client and valid server cookie" : "client cookie only");
	}

	size_t sink = 0;
	double total_t0 = now_s();
	unsigned long n = 0;
	for (size_t i = 0; i < GS_ARRAY_LEN(mix); i++) {
		const struct snapshot *sp = snaps[mix[i].snap];
		if ((only != SIZE_MAX && i != only) || !sp)
			continue;
		n += rounds;
		double t0 = now_s();
		CALLGRIND_ZERO_STATS;
		for (unsigned long k = 0; k < rounds; k++)
			sink += answer_packet(sp, ctx, qbuf[i], qlen[i],
			                      (const struct sockaddr *)&src, false, out,
			                      sizeof(out));
		CALLGRIND_DUMP_STATS_AT(mix[i].label);
		double dt = now_s() - t0;
		printf("%-28s %7.1f ns/query  (%zu-byte response)\n", mix[i].label,
		       dt * 1e9 / (double)rounds,
		       answer_packet(sp, ctx, qbuf[i], qlen[i], (const struct sockaddr *)&src,
		                     false, out, sizeof(out)));
	}
	double total = now_s() - total_t0;
	printf("mix: %lu queries, %.1f ns/query, %.2f Mqps on one thread (sink %zu)\n", n,
	       total * 1e9 / (double)n, (double)n / total / 1e6, sink);
	answer_ctx_free(ctx);
	snapshot_free(steer);
	snapshot_free(steer_signed);
	snapshot_free(weighted);
	arena_destroy(snap.arena);
	arena_destroy(signed_snap.arena);
	return 0;
}
