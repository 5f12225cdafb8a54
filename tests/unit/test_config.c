/* SPDX-License-Identifier: MIT
 * test_config.c -- unit tests for the YAML configuration loader: every file in
 * tests/data/config/bad/ must produce exactly the diagnostics its "# expect: LINE: message"
 * header lists (LINE 0 means the file as a whole); the files in good/ must parse to the
 * values asserted field by field below. Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <unistd.h>

#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/netaddr.h"
#include "server/config/config.h"
#include "tests/unit/testlib.h"

/* The fixture folder. */
static const char *data_dir(void)
{
	return TL_SRC("tests/data/config");
}

static void fixture(char out[4096], const char *rel)
{
	int n = snprintf(out, 4096, "%s/%s", data_dir(), rel);
	assert_true(n > 0 && n < 4096);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the "# expect: LINE: message" lines at the top of path into full diagnostic
 * texts (with the path prefix, as diag formats them). Returns the count. */
static size_t read_expect(const char *path, char ***out)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char line[2048];
	char **v = NULL;
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '#')
			break;
		if (strncmp(line, "# expect: ", 10) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		char *rest;
		unsigned long ln = strtoul(line + 10, &rest, 10);
		assert_true(rest[0] == ':' && rest[1] == ' ');
		char full[16384];
		if (ln == 0)
			snprintf(full, sizeof(full), "%s: %s", path, rest + 2);
		else
			snprintf(full, sizeof(full), "%s:%lu: %s", path, ln, rest + 2);
		v = realloc(v, (n + 1) * sizeof(*v));
		assert_non_null(v);
		v[n] = strdup(full);
		assert_non_null(v[n]);
		n++;
	}
	fclose(f);
	*out = v;
	return n;
}

/* Loads one bad fixture and compares its diagnostics with the header. Returns true when
 * they match exactly (same texts, same order) and the load result agrees. */
static bool check_bad_file(const char *path)
{
	char **want;
	size_t n_want = read_expect(path, &want);
	bool ok = true;
	if (n_want == 0) {
		print_error("%s: no '# expect:' lines\n", path);
		ok = false;
	}
	bool want_error = false;
	for (size_t i = 0; i < n_want; i++)
		if (!strstr(want[i], ": warning: "))
			want_error = true;

	struct diag d;
	diag_init(&d);
	struct cfg *c = NULL;
	int rc = cfg_load(path, &d, &c);
	if (want_error && rc != GS_EPARSE) {
		print_error("%s: cfg_load returned %d, expected GS_EPARSE\n", path, rc);
		ok = false;
	}
	if (!want_error && rc != GS_OK) {
		print_error("%s: cfg_load returned %d, expected GS_OK (warnings only)\n", path, rc);
		ok = false;
	}
	if (rc != GS_OK && c != NULL) {
		print_error("%s: *out was set although the load failed\n", path);
		ok = false;
	}
	for (size_t i = 0; i < n_want || i < d.n; i++) {
		const char *w = i < n_want ? want[i] : "(nothing)";
		const char *g = i < d.n ? d.v[i].text : "(nothing)";
		if (strcmp(w, g) != 0) {
			print_error("%s: diagnostic %zu differs\n  expected: %s\n  got:      %s\n",
			            path, i + 1, w, g);
			ok = false;
		}
	}
	cfg_free(c);
	diag_free(&d);
	for (size_t i = 0; i < n_want; i++)
		free(want[i]);
	free(want);
	return ok;
}

static void test_bad_files(void **state)
{
	(void)state;
	char dir[4096];
	fixture(dir, "bad");
	DIR *dh = opendir(dir);
	assert_non_null(dh);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dh))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n++] = strdup(e->d_name);
	}
	closedir(dh);
	qsort(names, n, sizeof(*names), name_cmp);
	/* A floor on the count catches a fixture folder that went missing from a tarball. */
	assert_true(n >= 60);
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!check_bad_file(path))
			failed++;
		free(names[i]);
	}
	free(names);
	if (failed)
		print_error("%zu of %zu bad fixtures did not match\n", failed, n);
	assert_int_equal(failed, 0);
}

static struct cfg *load_good(const char *rel, char path[4096])
{
	struct diag d;
	diag_init(&d);
	struct cfg *c = NULL;
	fixture(path, rel);
	int rc = cfg_load(path, &d, &c);
	for (size_t i = 0; i < d.n; i++)
		print_error("%s\n", d.v[i].text);
	assert_int_equal(rc, GS_OK);
	assert_int_equal(d.n, 0);
	assert_non_null(c);
	diag_free(&d);
	return c;
}

static void assert_sockaddr(const struct sockaddr_storage *ss, const char *text)
{
	char out[NETADDR_TEXT_MAX];
	netaddr_format_sockaddr((const struct sockaddr *)ss, out);
	assert_string_equal(out, text);
}

static void assert_addr(const struct netaddr *a, const char *text)
{
	char out[NETADDR_TEXT_MAX];
	netaddr_format(a, out);
	assert_string_equal(out, text);
}

static void assert_prefix(const struct netprefix *p, const char *text)
{
	char out[NETADDR_TEXT_MAX + 8];
	char a[NETADDR_TEXT_MAX];
	netaddr_format(&p->a, a);
	snprintf(out, sizeof(out), "%s/%u", a, p->len);
	assert_string_equal(out, text);
}

static void assert_name(const uint8_t *wire, const char *text)
{
	char out[DNAME_TEXT_MAX];
	dname_to_text(wire, out);
	assert_string_equal(out, text);
}

/* Asserts an ordered datacenter list given as "a,b,c", and its line. */
static void assert_dclist(const struct cfg_dclist *l, const char *csv, unsigned line)
{
	char buf[512] = "";
	for (size_t i = 0; i < l->n; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, l->dcs[i]);
	}
	assert_string_equal(buf, csv);
	assert_int_equal(l->pos.line, line);
}

static void assert_in_dir(const char *got, const char *rel)
{
	char want[8192];
	snprintf(want, sizeof(want), "%s/%s", data_dir(), rel);
	assert_string_equal(got, want);
}

static void test_good_minimal(void **state)
{
	(void)state;
	char path[4096];
	struct cfg *c = load_good("good/minimal.yaml", path);
	assert_string_equal(c->path, path);
	assert_in_dir(c->dir, "good");
	assert_int_equal(c->n_listen, 2);
	assert_sockaddr(&c->listen[0].ss, "0.0.0.0:53");
	assert_int_equal(c->listen[0].ss_len, sizeof(struct sockaddr_in));
	assert_sockaddr(&c->listen[1].ss, "[::]:53");
	assert_int_equal(c->listen[1].ss_len, sizeof(struct sockaddr_in6));
	assert_int_equal(c->threads, 0);
	assert_null(c->user);
	assert_string_equal(c->control, CFG_DEFAULT_CONTROL);
	assert_false(c->has_metrics);
	assert_null(c->state_file);
	assert_null(c->identity);
	assert_false(c->watch);
	assert_int_equal(c->tcp.max_connections, 1024);
	assert_int_equal(c->tcp.max_per_client, 32);
	assert_int_equal(c->tcp.idle_timeout_ms, 10000);
	assert_int_equal(c->tcp.message_timeout_ms, 5000);
	assert_int_equal(c->tcp.lifetime_ms, 120000);
	assert_int_equal(c->tcp.max_queries, 0);
	assert_false(c->rate_limit.enabled);
	assert_false(c->has_cookies);
	assert_false(c->geoip.enabled);
	assert_true(c->geoip.client_subnet);
	assert_int_equal(c->n_zones, 1);
	assert_name(c->zones[0].name, "geo.example.");
	assert_int_equal(c->zones[0].name_len, 13);
	assert_in_dir(c->zones[0].file, "good/zones/geo.example.zone");
	assert_int_equal(c->zones[0].pos.line, 3);
	assert_ptr_equal(c->zones[0].pos.file, c->path);
	assert_int_equal(c->n_checks + c->n_maps + c->n_services, 0);
	for (unsigned s = 0; s < CFG_SEC_COUNT; s++)
		assert_int_equal(c->pos_of[s].line, s == CFG_SEC_ZONES ? 2 : 0);
	cfg_free(c);
}

static void test_good_full(void **state)
{
	(void)state;
	char path[4096];
	struct cfg *c = load_good("good/full.yaml", path);

	assert_int_equal(c->n_listen, 2);
	assert_sockaddr(&c->listen[0].ss, "127.0.0.1:5353");
	assert_sockaddr(&c->listen[1].ss, "[::1]:5353");
	assert_int_equal(c->listen[1].pos.line, 3);
	assert_int_equal(c->threads, 0);
	assert_string_equal(c->user, "geosteer");
	assert_string_equal(c->control, "/run/geosteer/control.sock");
	assert_true(c->has_metrics);
	assert_sockaddr(&c->metrics, "127.0.0.1:9153");
	assert_string_equal(c->state_file, "/var/lib/geosteer/state");
	assert_string_equal(c->identity, "ns1.geo.example");
	assert_false(c->watch);

	assert_int_equal(c->tcp.max_connections, 1000);
	assert_int_equal(c->tcp.max_per_client, 16);
	assert_int_equal(c->tcp.idle_timeout_ms, 500);
	assert_int_equal(c->tcp.message_timeout_ms, 2000);
	assert_int_equal(c->tcp.lifetime_ms, 60000);
	assert_int_equal(c->tcp.max_queries, 0);

	assert_true(c->rate_limit.enabled);
	assert_int_equal(c->rate_limit.responses_per_second, 20);
	assert_int_equal(c->rate_limit.slip, 2);
	assert_int_equal(c->rate_limit.ipv4_prefix, 24);
	assert_int_equal(c->rate_limit.ipv6_prefix, 56);
	assert_int_equal(c->rate_limit.n_exempt, 2);
	assert_prefix(&c->rate_limit.exempt[0], "192.0.2.53/32");
	assert_prefix(&c->rate_limit.exempt[1], "2001:db8:53::/48");
	assert_int_equal(c->rate_limit.pos.line, 13);

	assert_true(c->has_cookies);
	static const uint8_t secret[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	                                   0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	assert_memory_equal(c->cookie_secret, secret, 16);

	assert_true(c->geoip.enabled);
	assert_string_equal(c->geoip.database, "/var/lib/GeoIP/GeoLite2-Country.mmdb");
	assert_in_dir(c->geoip.asn_database, "good/GeoLite2-ASN.mmdb");
	assert_false(c->geoip.client_subnet);
	assert_int_equal(c->geoip.pos.line, 21);
	assert_int_equal(c->geoip.database_pos.line, 22);
	assert_int_equal(c->geoip.asn_database_pos.line, 23);

	assert_int_equal(c->n_zones, 2);
	assert_name(c->zones[0].name, "geo.example.");
	assert_in_dir(c->zones[0].file, "good/zones/geo.example.zone");
	assert_name(c->zones[1].name, "other.example.");
	assert_string_equal(c->zones[1].file, "/srv/zones/other.example.zone");
	assert_int_equal(c->zones[1].pos.line, 29);

	assert_int_equal(c->n_checks, 3);
	const struct cfg_check *web = &c->checks[0];
	assert_string_equal(web->name, "web");
	assert_int_equal(web->type, CFG_CHECK_HTTP);
	assert_int_equal(web->port, 80);
	assert_string_equal(web->path, "/healthz");
	assert_string_equal(web->host, "www.geo.example");
	assert_int_equal(web->n_expect, 2);
	assert_int_equal(web->expect[0], 200);
	assert_int_equal(web->expect[1], 204);
	assert_int_equal(web->interval_ms, 5000);
	assert_int_equal(web->timeout_ms, 2000);
	assert_int_equal(web->rise, 2);
	assert_int_equal(web->fall, 3);
	assert_true(web->tls_verify);
	assert_null(web->command);
	assert_int_equal(web->pos.line, 32);
	const struct cfg_check *db = &c->checks[1];
	assert_string_equal(db->name, "db");
	assert_int_equal(db->type, CFG_CHECK_EXEC);
	assert_int_equal(db->n_command, 2);
	assert_string_equal(db->command[0], "/usr/lib/geosteer/check-db");
	assert_string_equal(db->command[1], "%a");
	assert_null(db->command[2]);
	assert_int_equal(db->interval_ms, 120000);
	assert_int_equal(db->timeout_ms, 3000);
	assert_int_equal(db->rise, 1);
	assert_int_equal(db->fall, 100);
	assert_null(db->path);
	assert_int_equal(db->n_expect, 0);
	const struct cfg_check *tls = &c->checks[2];
	assert_string_equal(tls->name, "tls");
	assert_int_equal(tls->type, CFG_CHECK_HTTPS);
	assert_int_equal(tls->port, 443);
	assert_string_equal(tls->path, "/");
	assert_null(tls->host);
	assert_int_equal(tls->n_expect, 1);
	assert_int_equal(tls->expect[0], 200);
	assert_int_equal(tls->interval_ms, 3600000);
	assert_int_equal(tls->timeout_ms, 30000);
	assert_false(tls->tls_verify);

	assert_int_equal(c->n_maps, 1);
	const struct cfg_map *m = &c->maps[0];
	assert_string_equal(m->name, "regional");
	assert_int_equal(m->pos.line, 50);
	assert_dclist(&m->dflt, "eu-central,us-east", 51);
	assert_int_equal(m->n_continents, 2);
	assert_string_equal(m->continents[0].key, "NA");
	assert_dclist(&m->continents[0].list, "us-east,eu-central", 52);
	assert_string_equal(m->continents[1].key, "SA");
	assert_dclist(&m->continents[1].list, "us-east,eu-central", 52);
	assert_int_equal(m->n_countries, 1);
	assert_string_equal(m->countries[0].key, "GB");
	assert_dclist(&m->countries[0].list, "eu-central,us-east", 53);
	assert_int_equal(m->n_subdivisions, 1);
	assert_string_equal(m->subdivisions[0].key, "US-CA");
	assert_dclist(&m->subdivisions[0].list, "us-west,us-east,eu-central", 54);
	assert_int_equal(m->n_asns, 2);
	assert_string_equal(m->asns[0].key, "64500");
	assert_int_equal(m->asns[0].asn, 64500);
	assert_int_equal(m->asns[1].asn, 4294967295u);
	assert_dclist(&m->asns[1].list, "eu-central", 57);
	assert_int_equal(m->n_networks, 2);
	assert_prefix(&m->networks[0].net, "203.0.113.0/24");
	assert_dclist(&m->networks[0].list, "us-east", 59);
	assert_string_equal(m->networks[1].key, "2001:db8:ff::/48");
	assert_prefix(&m->networks[1].net, "2001:db8:ff::/48");

	assert_int_equal(c->n_services, 2);
	const struct cfg_service *s = &c->services[0];
	assert_string_equal(s->name, "www");
	assert_int_equal(s->pos.line, 63);
	assert_int_equal(s->n_names, 2);
	assert_name(s->names[0].wire, "www.geo.example.");
	assert_int_equal(s->names[0].len, 17);
	assert_name(s->names[1].wire, "web.geo.example.");
	assert_int_equal(s->names[1].pos.line, 64);
	assert_string_equal(s->map, "regional");
	assert_int_equal(s->map_pos.line, 65);
	assert_int_equal(s->ttl, 60);
	assert_int_equal(s->failover_ttl, 20);
	assert_string_equal(s->check, "web");
	assert_int_equal(s->check_pos.line, 68);
	assert_int_equal(s->n_dcs, 3);
	assert_string_equal(s->dcs[0].name, "us-east");
	assert_int_equal(s->dcs[0].n_addrs, 2);
	assert_addr(&s->dcs[0].addrs[0], "192.0.2.10");
	assert_addr(&s->dcs[0].addrs[1], "2001:db8:1::10");
	assert_int_equal(s->dcs[0].addr_pos[1].line, 70);
	assert_string_equal(s->dcs[1].name, "eu-central");
	assert_addr(&s->dcs[1].addrs[0], "198.51.100.10");
	assert_string_equal(s->dcs[2].name, "us-west");
	assert_int_equal(s->dcs[2].n_addrs, 1);
	assert_addr(&s->dcs[2].addrs[0], "192.0.2.20");
	assert_int_equal(s->dcs[2].pos.line, 72);

	const struct cfg_service *api = &c->services[1];
	assert_string_equal(api->name, "api");
	assert_name(api->names[0].wire, "api.other.example.");
	assert_int_equal(api->ttl, 300);
	assert_int_equal(api->failover_ttl, 300); /* defaults to ttl */
	assert_null(api->check);
	assert_int_equal(api->check_pos.line, 0);

	for (unsigned i = 0; i < CFG_SEC_COUNT; i++)
		assert_true(c->pos_of[i].line > 0);
	assert_int_equal(c->pos_of[CFG_SEC_LISTEN].line, 2);
	assert_int_equal(c->pos_of[CFG_SEC_SERVICES].line, 62);
	assert_string_equal(c->control_readonly.socket, "/run/geosteer/control-ro.sock");
	assert_string_equal(c->control_readonly.group, "adm");
	assert_int_equal(c->control_readonly.group_pos.line, 81);
	cfg_free(c);
}

static void test_section_names(void **state)
{
	(void)state;
	assert_string_equal(cfg_section_name(CFG_SEC_RATE_LIMIT), "rate_limit");
	assert_string_equal(cfg_section_name(CFG_SEC_CONTROL_READONLY), "control_readonly");
	assert_string_equal(cfg_section_name(CFG_SEC_SERVICES), "services");
	assert_string_equal(cfg_section_name(CFG_SEC_COUNT), "?");
}

static void test_missing_file(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct cfg *c = NULL;
	assert_int_equal(cfg_load("/nonexistent/geosteer.yaml", &d, &c), GS_EIO);
	assert_null(c);
	cfg_free(NULL); /* accepted, like free() */
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].text, "/nonexistent/geosteer.yaml: cannot open the "
	                                 "configuration: No such file or directory");
	diag_free(&d);
}

/* A relative config path: relative file names still come out absolute, and messages
 * keep the path as the operator typed it. */
static void test_relative_path(void **state)
{
	(void)state;
	char old[4096], cwd[4096];
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(data_dir()), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	struct diag d;
	diag_init(&d);
	struct cfg *c = NULL;
	assert_int_equal(cfg_load("./good/minimal.yaml", &d, &c), GS_OK);
	char want[8192];
	snprintf(want, sizeof(want), "%s/good/zones/geo.example.zone", cwd);
	assert_string_equal(c->zones[0].file, want);
	assert_string_equal(c->path, "./good/minimal.yaml");
	cfg_free(c);

	c = NULL;
	assert_int_equal(cfg_load("bad/unknown-top-key.yaml", &d, &c), GS_EPARSE);
	assert_null(c);
	assert_true(d.n >= 1);
	assert_true(strncmp(d.v[0].text, "bad/unknown-top-key.yaml:", 25) == 0);
	diag_free(&d);
	assert_int_equal(chdir(old), 0);
}

/* Loading the same struct diag twice accumulates; a second good load after a bad one
 * still succeeds (the error count is per call). */
static void test_diag_reuse(void **state)
{
	(void)state;
	char bad[4096], good[4096];
	fixture(bad, "bad/unknown-top-key.yaml");
	fixture(good, "good/minimal.yaml");
	struct diag d;
	diag_init(&d);
	struct cfg *c = NULL;
	assert_int_equal(cfg_load(bad, &d, &c), GS_EPARSE);
	size_t n = d.n;
	assert_true(n > 0);
	assert_int_equal(cfg_load(good, &d, &c), GS_OK);
	assert_int_equal(d.n, n);
	cfg_free(c);
	diag_free(&d);
}

/* dnssec: keys made absolute with their lines; denial nsec3 and 14 days by default. */
static void test_good_dnssec(void **state)
{
	(void)state;
	char path[4096], want[4096 + 64];
	struct cfg *c = load_good("good/dnssec.yaml", path);
	assert_int_equal(c->n_zones, 3);
	const struct cfg_dnssec *a = &c->zones[0].dnssec, *b = &c->zones[1].dnssec;
	assert_true(a->enabled);
	assert_int_equal(a->n_keys, 2);
	snprintf(want, sizeof(want), "%s/keys/Ka.example.+013+00001", c->dir);
	assert_string_equal(a->keys[0], want);
	assert_string_equal(a->keys[1], "/etc/keys/Ka.example.+013+00002");
	assert_int_equal(a->key_pos[0].line, 6);
	assert_int_equal(a->denial, CFG_DENIAL_NSEC3);
	assert_int_equal(a->validity_s, 14 * 86400);
	assert_true(b->enabled);
	assert_int_equal(b->n_keys, 1);
	snprintf(want, sizeof(want), "%s/keys/Kb.example.+015+00003", c->dir);
	assert_string_equal(b->keys[0], want);
	assert_int_equal(b->key_pos[0].line, 11);
	assert_int_equal(b->denial, CFG_DENIAL_NSEC);
	assert_int_equal(b->validity_s, 36 * 3600);
	assert_false(c->zones[2].dnssec.enabled);
	cfg_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bad_files),    cmocka_unit_test(test_good_minimal),
	        cmocka_unit_test(test_good_full),    cmocka_unit_test(test_section_names),
	        cmocka_unit_test(test_missing_file), cmocka_unit_test(test_relative_path),
	        cmocka_unit_test(test_diag_reuse),   cmocka_unit_test(test_good_dnssec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
