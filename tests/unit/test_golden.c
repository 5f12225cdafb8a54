/* SPDX-License-Identifier: MIT
 * test_golden.c -- replays the golden answer files (tests/golden/NAME.case) in process: each
 * file's configuration is loaded with cfg_load and snapshot_build as the daemon loads
 * it, its forces go to a health object installed over the snapshot's health table, and
 * every query runs through answer_packet(); the response is read back with ldns (an
 * independent parser) and compared with the expectation. A mismatch prints the case's
 * FILE:LINE, what was expected and what came back, then the test of that file fails.
 * The format is described in tests/golden/README.md; tests/system/golden.sh replays the
 * same files against the real daemon over UDP and TCP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <glob.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "server/query/answer.h"
#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/base/netaddr.h"
#include "server/config/config.h"
#include "server/health/health.h"
#include "server/load/snapshot_build.h"
#include "server/query/snapshot.h"
#include "tests/unit/testlib.h"

#define GOLDEN_DIR TL_SRC("tests/golden")
#define QID        0x6f6cu
#define OPT_ECS    8u /* RFC 7871 option code */

/* Flags a case names on its `flags` line; every other one of these must be clear. */
enum { GF_AA = 1, GF_TC = 2, GF_AD = 4, GF_RA = 8 };
/* The three record sections a case lists. */
enum { SEC_ANSWER, SEC_AUTHORITY, SEC_ADDITIONAL, N_SEC };
static const char *const sec_name[N_SEC] = {"answer", "authority", "additional"};
static const ldns_pkt_section sec_ldns[N_SEC] = {LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
                                                 LDNS_SECTION_ADDITIONAL};

/* One query of a case file and what its response must be. */
struct gquery {
	const char *file;
	unsigned line;
	bool tcp;
	struct sockaddr_storage from;
	char text[512]; /* the query line, for messages */
	char name[256];
	ldns_rr_type type;
	char ecs[64]; /* "" when the query carries no ECS option */
	bool do_bit, rd;
	unsigned bufsize; /* EDNS payload size, 0 when not asked */
	int rcode;        /* -1 until the `rcode` line */
	int flags;        /* GF_* bits, -1 until the `flags` line */
	ldns_rr_list *rrs[N_SEC];
	long count[N_SEC]; /* `count SECTION N`, -1 when the records are listed */
	int scope;         /* -2 not given, -1 `scope none`, else the scope prefix length */
};

/* Everything one case file runs against. */
struct gfile {
	const char *path;
	char *dir; /* temporary folder of the rewritten configuration */
	struct cfg *cfg;
	struct snapshot *snap;
	struct health *health;
	struct answer_ctx *ctx;
	unsigned failures;
	uint8_t out[ANSWER_TCP_MAX];
};

/* ---- reading the file ------------------------------------------------------------- */

/* A syntax error in the case file itself: FILE:LINE and the reason, then the test fails. */
#define case_error(file, line, ...)                                                                \
	do {                                                                                       \
		fprintf(stderr, "%s:%u: ", (file), (line));                                        \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		fail_msg("bad case file");                                                         \
	} while (0)

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot open", path);
	char *text = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	assert_true(n >= 0);
	return text;
}

/* text with every @SRCDIR@ and @BUILDDIR@ replaced by the source and build trees. */
static char *substitute(const char *text)
{
	static const char *const from[] = {"@SRCDIR@", "@BUILDDIR@"};
	static const char *const to[] = {GS_TEST_SRCDIR, GS_TEST_BUILDDIR};
	size_t cap = strlen(text) * 8 + 1024, n = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	for (const char *p = text; *p;) {
		bool done = false;
		for (size_t i = 0; i < 2 && !done; i++) {
			size_t fl = strlen(from[i]), tl = strlen(to[i]);
			if (strncmp(p, from[i], fl) == 0) {
				assert_true(n + tl < cap);
				memcpy(out + n, to[i], tl);
				n += tl;
				p += fl;
				done = true;
			}
		}
		if (!done) {
			assert_true(n + 1 < cap);
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

/* Loads the configuration named by a `config` line (relative to the case file) as the
 * daemon does. Returns false (the file is skipped) when its GeoIP database is not built. */
static bool load_config(struct gfile *g, const char *rel, unsigned line)
{
	char path[2048];
	const char *slash = strrchr(g->path, '/');
	snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - g->path), g->path, rel);
	char *raw = read_text(path);
	char *text = substitute(raw);
	free(raw);
	g->dir = tl_tmpdir("test_golden");
	char *cfg_path = tl_write_file(g->dir, "geosteer.yaml", text);
	free(text);
	struct diag d;
	diag_init(&d);
	int rc = cfg_load(cfg_path, &d, &g->cfg);
	free(cfg_path);
	if (rc == GS_OK && g->cfg->geoip.enabled && access(g->cfg->geoip.database, R_OK) != 0) {
		printf("SKIP %s: %s is not built (no Perl MaxMind::DB::Writer)\n", g->path,
		       g->cfg->geoip.database);
		diag_free(&d);
		return false;
	}
	if (rc == GS_OK)
		rc = snapshot_build(g->cfg, &d, &g->snap);
	if (rc != GS_OK || diag_has_errors(&d)) {
		diag_print(&d, stderr);
		case_error(g->path, line, "configuration %s does not load", rel);
	}
	diag_free(&d);
	if (g->snap->health) {
		diag_init(&d);
		assert_int_equal(health_new(NULL, &d, &g->health), GS_OK);
		diag_free(&d);
		assert_null(health_install(g->health, g->snap->health));
	}
	return true;
}

/* `force TARGET up|down|auto`: TARGET is a datacenter name or an address. */
static void apply_force(struct gfile *g, char **w, size_t n, unsigned line)
{
	enum health_force how;
	if (n != 3 || health_force_parse(w[2], &how) != GS_OK)
		case_error(g->path, line, "expected: force DATACENTER|ADDRESS up|down|auto");
	if (!g->health)
		case_error(g->path, line, "force: the configuration has no steered addresses");
	struct netaddr a;
	int rc = netaddr_parse(w[1], &a) == GS_OK ? health_force_addr(g->health, &a, how)
	                                          : health_force_dc(g->health, w[1], how);
	if (rc != GS_OK)
		case_error(g->path, line, "force %s %s: %s", w[1], w[2], gs_strerror(rc));
}

static bool parse_from(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40000);
		return true;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(40000);
		return true;
	}
	return false;
}

/* `query udp|tcp from ADDRESS NAME TYPE [ecs SUBNET] [do] [bufsize N] [rd]` */
static void parse_query(struct gfile *g, struct gquery *q, char **w, size_t n, const char *text,
                        unsigned line)
{
	memset(q, 0, sizeof(*q));
	q->file = g->path;
	q->line = line;
	q->rcode = -1;
	q->flags = -1;
	q->scope = -2;
	snprintf(q->text, sizeof(q->text), "%s", text);
	for (int s = 0; s < N_SEC; s++) {
		q->rrs[s] = ldns_rr_list_new();
		q->count[s] = -1;
	}
	if (n < 6 || (strcmp(w[1], "udp") != 0 && strcmp(w[1], "tcp") != 0) ||
	    strcmp(w[2], "from") != 0)
		case_error(g->path, line,
		           "expected: query udp|tcp from ADDRESS NAME TYPE [OPTIONS]");
	q->tcp = strcmp(w[1], "tcp") == 0;
	if (!parse_from(w[3], &q->from))
		case_error(g->path, line, "not an address: %s", w[3]);
	snprintf(q->name, sizeof(q->name), "%s", w[4]);
	q->type = ldns_get_rr_type_by_name(w[5]);
	if (q->type == 0)
		case_error(g->path, line, "unknown type %s", w[5]);
	for (size_t i = 6; i < n; i++) {
		if (strcmp(w[i], "ecs") == 0 && i + 1 < n)
			snprintf(q->ecs, sizeof(q->ecs), "%s", w[++i]);
		else if (strcmp(w[i], "bufsize") == 0 && i + 1 < n)
			q->bufsize = (unsigned)strtoul(w[++i], NULL, 10);
		else if (strcmp(w[i], "do") == 0)
			q->do_bit = true;
		else if (strcmp(w[i], "rd") == 0)
			q->rd = true;
		else
			case_error(g->path, line, "unknown query option %s", w[i]);
	}
}

static int section_of(const char *word)
{
	for (int s = 0; s < N_SEC; s++)
		if (strcmp(word, sec_name[s]) == 0)
			return s;
	return -1;
}

/* One expectation line (rcode, flags, answer/authority/additional, count, scope). The
 * record text is everything after the first word, as the line has it. */
static void parse_expect(struct gfile *g, struct gquery *q, char **w, size_t n, const char *rest,
                         unsigned line)
{
	int s = section_of(w[0]);
	if (s >= 0) {
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_str(&rr, rest, 0, NULL, NULL);
		if (st != LDNS_STATUS_OK)
			case_error(g->path, line, "%s: not a record: %s",
			           ldns_get_errorstr_by_id(st), rest);
		ldns_rr_list_push_rr(q->rrs[s], rr);
	} else if (strcmp(w[0], "rcode") == 0 && n == 2) {
		ldns_lookup_table *lt = ldns_lookup_by_name(ldns_rcodes, w[1]);
		if (!lt)
			case_error(g->path, line, "unknown rcode %s", w[1]);
		q->rcode = lt->id;
	} else if (strcmp(w[0], "flags") == 0) {
		q->flags = 0;
		for (size_t i = 1; i < n; i++) {
			if (strcasecmp(w[i], "aa") == 0)
				q->flags |= GF_AA;
			else if (strcasecmp(w[i], "tc") == 0)
				q->flags |= GF_TC;
			else if (strcasecmp(w[i], "ad") == 0)
				q->flags |= GF_AD;
			else if (strcasecmp(w[i], "ra") == 0)
				q->flags |= GF_RA;
			else
				case_error(g->path, line, "flags: only aa, tc, ad, ra, not %s",
				           w[i]);
		}
	} else if (strcmp(w[0], "count") == 0 && n == 3 && section_of(w[1]) >= 0) {
		q->count[section_of(w[1])] = strtol(w[2], NULL, 10);
	} else if (strcmp(w[0], "scope") == 0 && n == 2) {
		q->scope = strcmp(w[1], "none") == 0 ? -1 : (int)strtol(w[1], NULL, 10);
	} else {
		case_error(g->path, line, "unknown line: %s", w[0]);
	}
}

/* ---- asking and comparing --------------------------------------------------------- */

static void mismatch(struct gfile *g, const struct gquery *q, bool *first, const char *fmt, ...)
{
	if (*first) {
		fprintf(stderr, "%s:%u: %s: the response differs:\n", q->file, q->line, q->text);
		*first = false;
		g->failures++;
	}
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s:%u:   ", q->file, q->line);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void print_rr(const char *indent, const ldns_rr *rr)
{
	char *t = ldns_rr2str(rr);
	for (char *c = t; *c; c++)
		if (*c == '\t' || *c == '\n')
			*c = ' ';
	fprintf(stderr, "%s%s\n", indent, t);
	free(t);
}

/* True when got holds exactly the records of want (owner, class, type, data and TTL),
 * in any order. */
static bool same_set(const ldns_rr_list *want, const ldns_rr_list *got)
{
	size_t n = ldns_rr_list_rr_count(want);
	if (ldns_rr_list_rr_count(got) != n)
		return false;
	bool used[512] = {false};
	assert_true(n < 512);
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *w = ldns_rr_list_rr(want, i);
		bool found = false;
		for (size_t j = 0; j < n && !found; j++) {
			const ldns_rr *r = ldns_rr_list_rr(got, j);
			if (!used[j] && ldns_rr_compare(w, r) == 0 &&
			    ldns_rr_ttl(w) == ldns_rr_ttl(r))
				found = used[j] = true;
		}
		if (!found)
			return false;
	}
	return true;
}

static void check_section(struct gfile *g, const struct gquery *q, ldns_pkt *p, int s, bool *first)
{
	ldns_rr_list *got = ldns_pkt_get_section_clone(p, sec_ldns[s]);
	if (!got)
		got = ldns_rr_list_new();
	size_t n = ldns_rr_list_rr_count(got);
	if (q->count[s] >= 0) {
		if ((long)n != q->count[s])
			mismatch(g, q, first, "%s: expected %ld records, got %zu", sec_name[s],
			         q->count[s], n);
	} else if (!same_set(q->rrs[s], got)) {
		mismatch(g, q, first, "%s section differs; expected:", sec_name[s]);
		for (size_t i = 0; i < ldns_rr_list_rr_count(q->rrs[s]); i++)
			print_rr("      ", ldns_rr_list_rr(q->rrs[s], i));
		fprintf(stderr, "%s:%u:   got:\n", q->file, q->line);
		for (size_t i = 0; i < n; i++)
			print_rr("      ", ldns_rr_list_rr(got, i));
	}
	ldns_rr_list_deep_free(got);
}

static void check_flags(struct gfile *g, const struct gquery *q, ldns_pkt *p, bool *first)
{
	int got = (ldns_pkt_aa(p) ? GF_AA : 0) | (ldns_pkt_tc(p) ? GF_TC : 0) |
	          (ldns_pkt_ad(p) ? GF_AD : 0) | (ldns_pkt_ra(p) ? GF_RA : 0);
	if (got != q->flags)
		mismatch(g, q, first, "flags: expected%s%s%s%s, got%s%s%s%s",
		         q->flags & GF_AA ? " aa" : "", q->flags & GF_TC ? " tc" : "",
		         q->flags & GF_AD ? " ad" : "", q->flags & GF_RA ? " ra" : "",
		         got & GF_AA ? " aa" : "", got & GF_TC ? " tc" : "",
		         got & GF_AD ? " ad" : "", got & GF_RA ? " ra" : "");
	if (ldns_pkt_rd(p) != q->rd)
		mismatch(g, q, first, "RD not copied from the query");
}

/* ECS: the option is echoed (family, source prefix, address) with the expected scope, or
 * absent when the case says `scope none` or the query had none. */
static void check_ecs(struct gfile *g, const struct gquery *q, ldns_pkt *p, const uint8_t *sent,
                      size_t sent_len, bool *first)
{
	size_t len = 0;
	const uint8_t *o = ldns_pkt_edns(p) ? tl_edns_option(p, OPT_ECS, &len) : NULL;
	if (q->scope < 0) {
		if (o)
			mismatch(g, q, first, "scope: expected no ECS option, got scope %u", o[3]);
		return;
	}
	if (!o) {
		mismatch(g, q, first, "scope: expected %d, got no ECS option", q->scope);
		return;
	}
	if (len != sent_len - 4 || memcmp(o, sent + 4, 3) != 0 ||
	    memcmp(o + 4, sent + 8, len - 4) != 0)
		mismatch(g, q, first, "ECS: family, source prefix or address not echoed");
	if (len >= 4 && o[3] != q->scope)
		mismatch(g, q, first, "scope: expected %d, got %u", q->scope, o[3]);
}

static void run_query(struct gfile *g, struct gquery *q)
{
	if (q->rcode < 0 || q->flags < 0)
		case_error(q->file, q->line, "a query needs an `rcode` and a `flags` line");
	if (q->scope == -2)
		q->scope = q->ecs[0] ? -3 : -1;
	if (q->scope == -3)
		case_error(q->file, q->line, "a query with ecs needs a `scope` line");
	uint8_t ecs[32];
	size_t ecs_len = q->ecs[0] ? tl_ecs_option(ecs, q->ecs) : 0;
	struct tl_edns e = {.present = ecs_len || q->do_bit || q->bufsize,
	                    .payload = (uint16_t)(q->bufsize ? q->bufsize : 1232),
	                    .do_bit = q->do_bit,
	                    .opts = ecs,
	                    .opts_len = ecs_len};
	struct tl_msg m;
	tl_query(&m, QID, q->name, q->type, LDNS_RR_CLASS_IN, q->rd ? 0x0100u : 0, &e);
	size_t n = answer_packet(g->snap, g->ctx, m.b, m.n, (const struct sockaddr *)&q->from,
	                         q->tcp, g->out, q->tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX);
	bool first = true;
	ldns_pkt *p = NULL;
	if (n == 0 || ldns_wire2pkt(&p, g->out, n) != LDNS_STATUS_OK) {
		mismatch(g, q, &first, "no parseable response (%zu bytes)", n);
		return;
	}
	if (ldns_pkt_id(p) != QID || !ldns_pkt_qr(p))
		mismatch(g, q, &first, "not a response to the query (id, QR)");
	if ((int)ldns_pkt_get_rcode(p) != q->rcode) {
		ldns_lookup_table *w = ldns_lookup_by_id(ldns_rcodes, q->rcode);
		ldns_lookup_table *r = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(p));
		mismatch(g, q, &first, "rcode: expected %s, got %s", w ? w->name : "?",
		         r ? r->name : "?");
	}
	check_flags(g, q, p, &first);
	if (ldns_pkt_edns(p) != e.present)
		mismatch(g, q, &first, "OPT record %s", e.present ? "missing" : "not asked for");
	else if (e.present && ldns_pkt_edns_do(p) != q->do_bit)
		mismatch(g, q, &first, "DO bit not copied (RFC 3225)");
	for (int s = 0; s < N_SEC; s++)
		check_section(g, q, p, s, &first);
	check_ecs(g, q, p, ecs, ecs_len, &first);
	if (!first) {
		char *all = ldns_pkt2str(p);
		fprintf(stderr, "%s:%u:   the whole response:\n%s\n", q->file, q->line, all);
		free(all);
	}
	ldns_pkt_free(p);
}

static void free_query(struct gquery *q)
{
	for (int s = 0; s < N_SEC; s++)
		ldns_rr_list_deep_free(q->rrs[s]);
	q->file = NULL;
}

/* ---- one case file ---------------------------------------------------------------- */

#define MAX_WORDS 64

static void run_case(void **state)
{
	struct gfile g = {.path = *state, .ctx = answer_ctx_new()};
	char *text = read_text(g.path);
	struct gquery q = {0};
	unsigned line = 0, n_queries = 0;
	bool skipped = false;
	for (char *save = NULL, *l = text; !skipped && l; l = save) {
		line++;
		save = strchr(l, '\n');
		if (save)
			*save++ = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '\0' || *l == '#')
			continue;
		char copy[4096], *w[MAX_WORDS];
		size_t n = 0;
		snprintf(copy, sizeof(copy), "%s", l);
		for (char *t = strtok(copy, " \t\r"); t && n < MAX_WORDS; t = strtok(NULL, " \t\r"))
			w[n++] = t;
		const char *rest = l + strcspn(l, " \t");
		rest += strspn(rest, " \t");
		bool is_query = strcmp(w[0], "query") == 0, is_force = strcmp(w[0], "force") == 0;
		if ((is_query || is_force) && q.file) {
			run_query(&g, &q);
			free_query(&q);
		}
		if (strcmp(w[0], "config") == 0) {
			if (n != 2 || g.cfg)
				case_error(g.path, line,
				           "one `config FILE` line, before the queries");
			skipped = !load_config(&g, w[1], line);
		} else if (!g.snap) {
			case_error(g.path, line, "the file must start with `config FILE`");
		} else if (is_force) {
			apply_force(&g, w, n, line);
		} else if (is_query) {
			parse_query(&g, &q, w, n, l, line);
			n_queries++;
		} else if (q.file) {
			parse_expect(&g, &q, w, n, rest, line);
		} else {
			case_error(g.path, line, "expectation before the first query");
		}
	}
	if (q.file) {
		run_query(&g, &q);
		free_query(&q);
	}
	free(text);
	if (!skipped)
		printf("%s: %u queries, %u mismatches\n", g.path, n_queries, g.failures);
	health_free(g.health);
	snapshot_free(g.snap);
	cfg_free(g.cfg);
	answer_ctx_free(g.ctx);
	if (g.dir) {
		tl_rmtree(g.dir);
		free(g.dir);
	}
	if (skipped)
		skip();
	assert_int_equal(g.failures, 0);
	assert_true(n_queries > 0);
}

int main(void)
{
	glob_t gl;
	if (glob(GOLDEN_DIR "/*.case", 0, NULL, &gl) != 0 || gl.gl_pathc == 0) {
		fprintf(stderr, "no case files in %s\n", GOLDEN_DIR);
		return 1;
	}
	struct CMUnitTest *tests = calloc(gl.gl_pathc, sizeof(*tests));
	assert_non_null(tests);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		tests[i].name = strrchr(gl.gl_pathv[i], '/') + 1;
		tests[i].test_func = run_case;
		tests[i].initial_state = gl.gl_pathv[i];
	}
	int rc = _cmocka_run_group_tests("golden", tests, gl.gl_pathc, NULL, NULL);
	free(tests);
	globfree(&gl);
	return rc;
}
