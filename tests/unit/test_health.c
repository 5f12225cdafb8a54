/* SPDX-License-Identifier: MIT
 * test_health.c -- unit tests for server/health: the rise/fall state machine with exact
 * counts, forces (datacenter over address over monitor), the cell table, the state file
 * and its diagnostics, carrying states to a new layout, the exec argv substitution, and
 * the monitor thread end to end with exec checks (scripts this test writes), and the
 * state file written outside the health mutex and in order (this program is linked with
 * --wrap=state_file_save, so a test can hold a write). The probes themselves (http,
 * https, tcp, exec) are tested against the real daemon by tests/system/probes.sh. Every
 * wait is a bounded poll on the monotonic clock. */
#include <config.h> /* first: _GNU_SOURCE */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/base/log.h"
#include "server/health/health.h"
#include "server/health/state_file.h"
#include "server/health/monitor.h"
#include "tests/unit/testlib.h"

/* ---- Helpers. ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static struct netaddr addr_of(const char *text)
{
	struct netaddr a;
	assert_int_equal(netaddr_parse(text, &a), GS_OK);
	return a;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	free(tl_write_file(dir, name, text));
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A check filled by hand, as the YAML loader would (strings borrowed from literals). */
struct check_spec {
	struct cfg_check c;
	unsigned expect[4];
	char *argv[8];
};

static void spec_init(struct check_spec *s, const char *name, enum cfg_check_type type,
                      unsigned port)
{
	memset(s, 0, sizeof(*s));
	s->c.name = (char *)name;
	s->c.type = type;
	s->c.port = port;
	s->expect[0] = 200;
	s->c.expect = s->expect;
	s->c.n_expect = 1;
	s->c.interval_ms = 200;
	s->c.timeout_ms = 1000;
	s->c.rise = 1;
	s->c.fall = 1;
	s->c.tls_verify = true;
	s->c.path = "/";
	s->c.command = s->argv;
}

/* Builds a one-cell table for spec and returns its only check. */
static const struct health_check *one_check(struct health_table **t, const struct cfg_check *c)
{
	*t = health_table_new();
	uint32_t idx;
	struct netaddr a = addr_of("127.0.0.1");
	assert_int_equal(health_table_add_cell(*t, "lo", &a, c, &idx), GS_OK);
	return health_table_target(*t, 0)->check;
}

/* ---- State machine, forces, listing. ---- */

static uint8_t cell(struct health_table *t, uint32_t i)
{
	return atomic_load_explicit(&health_table_cells(t)[i], memory_order_relaxed);
}

static void test_rise_fall(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct health *h;
	assert_int_equal(health_new(NULL, &d, &h), GS_OK);
	struct check_spec s;
	spec_init(&s, "web", CFG_CHECK_HTTP, 80);
	s.c.rise = 2;
	s.c.fall = 3;
	struct health_table *t = health_table_new();
	struct netaddr a = addr_of("192.0.2.10");
	uint32_t i0, i1, i2;
	assert_int_equal(health_table_add_cell(t, "us-east", &a, &s.c, &i0), GS_OK);
	assert_int_equal(health_table_add_cell(t, "us-west", &a, &s.c, &i1), GS_OK);
	assert_int_equal(health_table_add_cell(t, "us-east", &a, &s.c, &i2), GS_OK);
	assert_int_equal(i2, i0); /* same key, same cell */
	assert_int_equal(health_table_n_cells(t), 2);
	assert_int_equal(health_table_n_targets(t), 1); /* one target for both cells */
	assert_null(health_install(h, t));

	/* Initial: up, flagged initial. */
	assert_true(health_cell_is_up(health_table_cells(t), i0));
	assert_int_equal(cell(t, i0), HEALTH_CELL_UP | HEALTH_CELL_CHECKED | HEALTH_CELL_INITIAL);

	/* fall = 3: two failures keep it up, the third takes it (both cells) down. */
	assert_false(health_record(h, t, 0, false, "HTTP 503 (expected 200)"));
	assert_int_equal(cell(t, i0), HEALTH_CELL_UP | HEALTH_CELL_CHECKED);
	assert_false(health_record(h, t, 0, false, "HTTP 503 (expected 200)"));
	assert_true(health_cell_is_up(health_table_cells(t), i1));
	assert_true(health_record(h, t, 0, false, "HTTP 503 (expected 200)"));
	assert_false(health_cell_is_up(health_table_cells(t), i0));
	assert_false(health_cell_is_up(health_table_cells(t), i1));
	assert_false(health_record(h, t, 0, false, "HTTP 503 (expected 200)"));

	/* rise = 2: a success then a failure resets the count; two in a row bring it up. */
	assert_false(health_record(h, t, 0, true, "HTTP 200"));
	assert_false(health_cell_is_up(health_table_cells(t), i0));
	assert_false(health_record(h, t, 0, false, "connect timeout after 2000 ms"));
	assert_false(health_record(h, t, 0, true, "HTTP 200"));
	assert_false(health_cell_is_up(health_table_cells(t), i0));
	assert_true(health_record(h, t, 0, true, "HTTP 200"));
	assert_true(health_cell_is_up(health_table_cells(t), i0));
	assert_true(health_cell_is_up(health_table_cells(t), i1));

	/* Two failures and a success: still up, the failure count starts over. */
	assert_false(health_record(h, t, 0, false, "x"));
	assert_false(health_record(h, t, 0, false, "x"));
	assert_false(health_record(h, t, 0, true, "HTTP 200"));
	assert_false(health_record(h, t, 0, false, "x"));
	assert_false(health_record(h, t, 0, false, "x"));
	assert_true(health_cell_is_up(health_table_cells(t), i0));
	assert_true(health_record(h, t, 0, false, "x"));

	struct health_target *tg = health_table_target(t, 0);
	assert_int_equal(tg->n_checks, 14);
	assert_string_equal(tg->last_result, "x");

	/* Results for a table that is not installed are ignored. */
	struct health_table *other = health_table_new();
	uint32_t oi;
	assert_int_equal(health_table_add_cell(other, "x", &a, &s.c, &oi), GS_OK);
	assert_false(health_record(h, other, 0, false, "x"));
	assert_int_equal(health_table_target(other, 0)->n_checks, 0);
	health_table_free(other);

	assert_ptr_equal(health_install(h, NULL), t);
	health_table_free(t);
	health_free(h);
	diag_free(&d);
}

static void test_fall_one_from_initial(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct health *h;
	assert_int_equal(health_new(NULL, &d, &h), GS_OK);
	struct check_spec s;
	spec_init(&s, "db", CFG_CHECK_TCP, 5432);
	s.c.rise = 3;
	s.c.fall = 1;
	struct health_table *t = health_table_new();
	struct netaddr a = addr_of("2001:db8::5");
	uint32_t i;
	assert_int_equal(health_table_add_cell(t, "eu", &a, &s.c, &i), GS_OK);
	health_install(h, t);
	assert_true(health_record(h, t, 0, false, "connect to port 5432: Connection refused"));
	assert_false(health_cell_is_up(health_table_cells(t), i));
	assert_false(health_record(h, t, 0, true, "ok"));
	assert_false(health_record(h, t, 0, true, "ok"));
	assert_false(health_cell_is_up(health_table_cells(t), i));
	assert_true(health_record(h, t, 0, true, "ok"));
	assert_true(health_cell_is_up(health_table_cells(t), i));
	health_install(h, NULL);
	health_table_free(t);
	health_free(h);
	diag_free(&d);
}

static void test_forces(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct health *h;
	assert_int_equal(health_new(NULL, &d, &h), GS_OK);
	struct check_spec s;
	spec_init(&s, "web", CFG_CHECK_HTTP, 80);
	struct health_table *t = health_table_new();
	struct netaddr a = addr_of("192.0.2.10"), b = addr_of("198.51.100.10"),
	               c = addr_of("203.0.113.7");
	uint32_t ea, wa, wb, ec;
	assert_int_equal(health_table_add_cell(t, "us-east", &a, &s.c, &ea), GS_OK);
	assert_int_equal(health_table_add_cell(t, "eu-central", &a, &s.c, &wa), GS_OK);
	assert_int_equal(health_table_add_cell(t, "eu-central", &b, &s.c, &wb), GS_OK);
	assert_int_equal(health_table_add_cell(t, "us-east", &c, NULL, &ec), GS_OK); /* no check */
	health_install(h, t);
	const _Atomic uint8_t *cells = health_table_cells(t);
	assert_int_equal(cell(t, ec), HEALTH_CELL_UP);

	/* Monitor: a down (fall 1). */
	assert_true(health_record(h, t, 0, false, "HTTP 503 (expected 200)"));
	assert_false(health_cell_is_up(cells, ea));
	assert_false(health_cell_is_up(cells, wa));
	assert_true(health_cell_is_up(cells, wb));

	/* Address force over monitor, in every datacenter. */
	assert_int_equal(health_force_addr(h, &a, HEALTH_FORCE_UP), GS_OK);
	assert_true(health_cell_is_up(cells, ea));
	assert_true(health_cell_is_up(cells, wa));
	assert_int_equal(cell(t, ea), HEALTH_CELL_UP | HEALTH_CELL_FORCED | HEALTH_CELL_CHECKED);

	/* Datacenter force over address force. */
	assert_int_equal(health_force_dc(h, "eu-central", HEALTH_FORCE_DOWN), GS_OK);
	assert_false(health_cell_is_up(cells, wa));
	assert_false(health_cell_is_up(cells, wb));
	assert_true(health_cell_is_up(cells, ea));
	assert_int_equal(health_force_dc(h, "us-east", HEALTH_FORCE_UP), GS_OK);
	assert_int_equal(health_force_addr(h, &a, HEALTH_FORCE_DOWN), GS_OK);
	assert_true(health_cell_is_up(cells, ea)); /* dc up wins over addr down */
	assert_true(health_cell_is_up(cells, ec));

	/* The datacenter test of the answer path. */
	uint32_t eu[] = {wa, wb}, us[] = {ea, ec};
	assert_false(health_cells_any_up(cells, eu, 2));
	assert_true(health_cells_any_up(cells, us, 2));
	assert_false(health_cells_any_up(cells, us, 0));

	/* Auto removes: back to the address force (down), then to the monitor (down). */
	assert_int_equal(health_force_dc(h, "us-east", HEALTH_FORCE_AUTO), GS_OK);
	assert_false(health_cell_is_up(cells, ea));
	assert_int_equal(health_force_addr(h, &a, HEALTH_FORCE_AUTO), GS_OK);
	assert_false(health_cell_is_up(cells, ea));
	assert_int_equal(cell(t, ea), HEALTH_CELL_CHECKED);
	assert_true(health_record(h, t, 0, true, "HTTP 200"));
	assert_true(health_cell_is_up(cells, ea));
	assert_int_equal(health_force_dc(h, "eu-central", HEALTH_FORCE_AUTO), GS_OK);
	assert_true(health_cells_any_up(cells, eu, 2));

	/* A unchecked address is forced like any other. */
	assert_int_equal(health_force_addr(h, &c, HEALTH_FORCE_DOWN), GS_OK);
	assert_false(health_cell_is_up(cells, ec));
	assert_int_equal(health_force_addr(h, &c, HEALTH_FORCE_AUTO), GS_OK);

	/* Unknown names, bad names; auto on nothing is not an error worth a file write. */
	struct netaddr z = addr_of("192.0.2.99");
	assert_int_equal(health_force_dc(h, "mars", HEALTH_FORCE_DOWN), GS_ENOENT);
	assert_int_equal(health_force_dc(h, "mars", HEALTH_FORCE_AUTO), GS_ENOENT);
	assert_int_equal(health_force_addr(h, &z, HEALTH_FORCE_UP), GS_ENOENT);
	assert_int_equal(health_force_dc(h, "bad name", HEALTH_FORCE_UP), GS_EINVAL);
	enum health_force f;
	assert_int_equal(health_force_parse("down", &f), GS_OK);
	assert_int_equal(f, HEALTH_FORCE_DOWN);
	assert_int_equal(health_force_parse("Down", &f), GS_EINVAL);

	health_install(h, NULL);
	health_table_free(t);
	health_free(h);
	diag_free(&d);
}

static void test_table_errors(void **state)
{
	(void)state;
	struct health_table *t = health_table_new();
	struct netaddr a = addr_of("192.0.2.1");
	uint32_t i;
	struct check_spec s, s2;
	spec_init(&s, "web", CFG_CHECK_HTTP, 80);
	assert_int_equal(health_table_add_cell(t, "", &a, &s.c, &i), GS_EINVAL);
	assert_int_equal(health_table_add_cell(t, "a b", &a, &s.c, &i), GS_EINVAL);
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s.c, &i), GS_OK);
	const struct health_check *hc = health_table_target(t, 0)->check;
	assert_int_equal(hc->port, 80);
	assert_string_equal(hc->path, "/");
	/* Defaults are the configuration reader's: a check without them is refused. */
	spec_init(&s2, "v", CFG_CHECK_HTTP, 0);
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_EINVAL);
	spec_init(&s2, "v", CFG_CHECK_HTTP, 80);
	s2.c.path = "healthz";
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_EINVAL);
	spec_init(&s2, "v", CFG_CHECK_HTTP, 80);
	s2.c.n_expect = 0;
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_EINVAL);
	spec_init(&s2, "v", CFG_CHECK_TCP, 80);
	s2.c.interval_ms = 0;
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_EINVAL);
	/* Same name, different definition. */
	spec_init(&s2, "web", CFG_CHECK_HTTP, 8080);
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_EEXIST);
	spec_init(&s2, "x", CFG_CHECK_EXEC, 0); /* exec without command */
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_EINVAL);
	spec_init(&s2, "y", CFG_CHECK_TCP, 0); /* tcp without port */
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_EINVAL);
	spec_init(&s2, "z", CFG_CHECK_HTTPS, 443);
	s2.c.path = "/healthz";
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_OK);
	assert_int_equal(i, 1);
	assert_int_equal(health_table_target(t, 1)->check->port, 443);
	assert_string_equal(health_table_target(t, 1)->check->path, "/healthz");
	/* The key is (dc, address, check): the same key finds cell 1 again, the same
	 * address without a check is a cell of its own. */
	assert_int_equal(health_table_add_cell(t, "dc", &a, &s2.c, &i), GS_OK);
	assert_int_equal(i, 1);
	assert_int_equal(health_table_add_cell(t, "dc", &a, NULL, &i), GS_OK);
	assert_int_equal(i, 2);
	assert_int_equal(health_table_n_cells(t), 3);
	assert_int_equal(health_table_n_targets(t), 2);
	health_table_free(t);
}

/* The snapshot builder's way of filling a table: one health_table_add_cell() per
 * (service, datacenter, address), the service's check with it. Two services that list
 * the same addresses under the same check share their cells. (A service naming an
 * unknown check never gets here: the configuration reader refuses it, see
 * tests/data/config/bad/unknown-check.yaml.) */
static void test_add_cells(void **state)
{
	(void)state;
	struct check_spec s;
	spec_init(&s, "web", CFG_CHECK_HTTP, 80);
	struct netaddr ue[2] = {addr_of("192.0.2.10"), addr_of("2001:db8:1::10")};
	struct netaddr eu[1] = {addr_of("198.51.100.10")};
	struct {
		const char *dc;
		const struct netaddr *addrs;
		size_t n;
	} dcs[2] = {{"us-east", ue, 2}, {"eu-central", eu, 1}};
	struct health_table *t = health_table_new();
	uint32_t idx[2][2];
	for (int svc = 0; svc < 2; svc++) { /* www, then api with the same layout */
		for (size_t k = 0; k < 2; k++) {
			for (size_t a = 0; a < dcs[k].n; a++) {
				uint32_t i;
				assert_int_equal(health_table_add_cell(t, dcs[k].dc,
				                                       &dcs[k].addrs[a], &s.c, &i),
				                 GS_OK);
				if (svc == 0)
					idx[k][a] = i;
				else
					assert_int_equal(i, idx[k][a]); /* the same cells again */
			}
		}
		assert_int_equal(health_table_n_cells(t), 3);
		assert_int_equal(health_table_n_targets(t), 3);
	}
	assert_int_equal(idx[1][0], 2); /* eu-central's address: the third cell */
	health_table_free(t);
}

static void test_carry_over(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct health *h;
	assert_int_equal(health_new(NULL, &d, &h), GS_OK);
	struct check_spec web, db, db2;
	spec_init(&web, "web", CFG_CHECK_HTTP, 80);
	spec_init(&db, "db", CFG_CHECK_TCP, 5432);
	struct netaddr a = addr_of("192.0.2.10"), b = addr_of("192.0.2.11");
	struct health_table *t1 = health_table_new();
	uint32_t i;
	assert_int_equal(health_table_add_cell(t1, "east", &a, &web.c, &i), GS_OK);
	assert_int_equal(health_table_add_cell(t1, "east", &a, &db.c, &i), GS_OK);
	assert_int_equal(health_table_add_cell(t1, "east", &b, &web.c, &i), GS_OK);
	health_install(h, t1);
	assert_true(health_record(h, t1, 0, false, "HTTP 500 (expected 200)")); /* web a */
	assert_true(health_record(h, t1, 1, false, "connect timeout after 1000 ms"));
	assert_true(health_record(h, t1, 2, false, "HTTP 500 (expected 200)")); /* web b */
	assert_int_equal(health_force_dc(h, "east", HEALTH_FORCE_UP), GS_OK);

	/* New layout: another order, a new datacenter, db's port changed (not carried),
	 * web's interval changed (carried), b gone, c new. */
	spec_init(&db2, "db", CFG_CHECK_TCP, 5433);
	web.c.interval_ms = 999;
	struct netaddr c = addr_of("192.0.2.12");
	struct health_table *t2 = health_table_new();
	uint32_t nc, na, nd, nw;
	assert_int_equal(health_table_add_cell(t2, "west", &c, &web.c, &nc), GS_OK);
	assert_int_equal(health_table_add_cell(t2, "west", &a, &web.c, &nw), GS_OK);
	assert_int_equal(health_table_add_cell(t2, "east", &a, &web.c, &na), GS_OK);
	assert_int_equal(health_table_add_cell(t2, "east", &a, &db2.c, &nd), GS_OK);
	assert_ptr_equal(health_install(h, t2), t1);
	health_table_free(t1);
	const _Atomic uint8_t *cells = health_table_cells(t2);
	assert_true(health_cell_is_up(cells, na));  /* forced: east up carried by name */
	assert_false(health_cell_is_up(cells, nw)); /* web a carried: down */
	assert_true(health_cell_is_up(cells, nc));  /* new: up (initial) */
	assert_int_equal(cell(t2, nc), HEALTH_CELL_UP | HEALTH_CELL_CHECKED | HEALTH_CELL_INITIAL);
	assert_true(health_cell_is_up(cells, nd)); /* db definition changed: initial */
	assert_int_equal(health_force_dc(h, "east", HEALTH_FORCE_AUTO), GS_OK);
	assert_false(health_cell_is_up(cells, na));
	struct health_target *tw = health_table_target(t2, 1);
	assert_string_equal(tw->last_result, "HTTP 500 (expected 200)");
	assert_int_equal(tw->n_checks, 1);

	/* carry_over alone, for the count. */
	struct health_table *t3 = health_table_new();
	assert_int_equal(health_table_add_cell(t3, "x", &a, &web.c, &i), GS_OK);
	assert_int_equal(health_table_add_cell(t3, "x", &b, &web.c, &i), GS_OK);
	assert_int_equal(health_table_carry_over(t3, t2), 1);
	health_table_free(t3);

	health_install(h, NULL);
	health_table_free(t2);
	health_free(h);
	diag_free(&d);
}

static void test_list_format(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	struct health *h;
	assert_int_equal(health_new(NULL, &d, &h), GS_OK);
	struct check_spec web, db;
	spec_init(&web, "web", CFG_CHECK_HTTP, 80);
	spec_init(&db, "db", CFG_CHECK_TCP, 5432);
	struct netaddr a = addr_of("192.0.2.10"), b = addr_of("192.0.2.9"),
	               c = addr_of("192.0.2.50");
	struct health_table *t = health_table_new();
	uint32_t i;
	assert_int_equal(health_table_add_cell(t, "east", &a, &web.c, &i), GS_OK);
	assert_int_equal(health_table_add_cell(t, "east", &b, &web.c, &i), GS_OK);
	assert_int_equal(health_table_add_cell(t, "east", &a, &db.c, &i), GS_OK);
	assert_int_equal(health_table_add_cell(t, "west", &c, NULL, &i), GS_OK);
	health_install(h, t);
	assert_true(health_record(h, t, 0, false, "HTTP 503 (expected 200)"));
	assert_int_equal(health_force_addr(h, &b, HEALTH_FORCE_DOWN), GS_OK);
	assert_int_equal(health_force_addr(h, &c, HEALTH_FORCE_UP), GS_OK);
	assert_int_equal(health_force_dc(h, "west", HEALTH_FORCE_DOWN), GS_OK);

	struct health_entry *v;
	size_t n;
	char st[96];
	assert_int_equal(health_list(h, &v, &n), GS_OK);
	assert_int_equal(n, 5);
	assert_string_equal(v[0].check, "db"); /* sorted by check, then address */
	assert_string_equal(v[0].addr, "192.0.2.10");
	assert_string_equal(health_entry_state(&v[0], st, sizeof(st)), "up (initial)");
	assert_string_equal(v[1].addr, "192.0.2.9");
	assert_string_equal(health_entry_state(&v[1], st, sizeof(st)),
	                    "down (forced; monitor says up, initial)");
	assert_string_equal(v[2].addr, "192.0.2.10");
	assert_string_equal(health_entry_state(&v[2], st, sizeof(st)), "down");
	assert_string_equal(v[2].last_result, "HTTP 503 (expected 200)");
	assert_true(v[2].since > 0 && v[2].last_check >= v[2].since);
	assert_string_equal(v[3].addr, "192.0.2.50"); /* forced, unchecked */
	assert_string_equal(v[3].check, "");
	assert_string_equal(health_entry_state(&v[3], st, sizeof(st)), "up (forced)");
	assert_string_equal(v[4].dc, "west");
	assert_string_equal(health_entry_state(&v[4], st, sizeof(st)), "down (forced)");
	free(v);

	char *text;
	assert_int_equal(health_format(h, &text), GS_OK);
	assert_non_null(strstr(text, "CHECK"));
	assert_non_null(strstr(text, "up (initial)"));
	assert_non_null(strstr(text, "HTTP 503 (expected 200)"));
	assert_non_null(strstr(text, "west"));
	free(text);
	health_install(h, NULL);
	health_table_free(t);
	health_free(h);
	diag_free(&d);
}

/* ---- State file. ---- */

/* Timed forces with their records: the optional KEY=VALUE fields load and are written
 * back, a force already expired is dropped at load, health_expire ends one when due,
 * and the reason's percent-encoding round-trips. */
static void test_state_file_timed(void **state)
{
	(void)state;
	char *dir = tl_tmpdir("gs-health");
	char path[512], text[1024];
	snprintf(path, sizeof(path), "%s/state", dir);
	long long now = (long long)time(NULL);
	snprintf(text, sizeof(text),
	         "dc us-east down until=%lld by=1000 at=%lld reason=planned%%20work%%25\n"
	         "addr 192.0.2.10 down until=%lld by=0 future=1\n"
	         "addr 2001:db8::10 up\n",
	         now + 100, now - 5, now - 1);
	write_file(dir, "state", text);
	struct diag d;
	diag_init(&d);
	struct health *h;
	assert_int_equal(health_new(path, &d, &h), GS_OK);
	assert_int_equal(d.n, 0);
	struct health_table *t = health_table_new();
	struct netaddr a = addr_of("192.0.2.10"), b = addr_of("2001:db8::10");
	uint32_t ia, ib, ic;
	assert_int_equal(health_table_add_cell(t, "us-east", &a, NULL, &ia), GS_OK);
	assert_int_equal(health_table_add_cell(t, "eu-central", &a, NULL, &ib), GS_OK);
	assert_int_equal(health_table_add_cell(t, "eu-central", &b, NULL, &ic), GS_OK);
	health_install(h, t);
	/* us-east forced down; the address force had expired: eu-central serves it. */
	assert_false(health_cell_is_up(health_table_cells(t), ia));
	assert_true(health_cell_is_up(health_table_cells(t), ib));
	assert_int_equal(health_next_expiry(h), (time_t)(now + 100));
	struct health_entry *v;
	size_t n;
	assert_int_equal(health_list(h, &v, &n), GS_OK);
	bool seen = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].dc, "us-east") != 0)
			continue;
		seen = true;
		assert_int_equal(v[i].info.by, 1000);
		assert_int_equal(v[i].info.at, (time_t)(now - 5));
		assert_int_equal(v[i].info.until, (time_t)(now + 100));
		assert_string_equal(v[i].info.reason, "planned work%");
	}
	assert_true(seen);
	free(v);
	/* Nothing due yet; the dropped line is written away all the same. */
	assert_int_equal(health_expire(h, (time_t)now), 0);
	snprintf(text, sizeof(text),
	         "dc us-east down until=%lld by=1000 at=%lld reason=planned%%20work%%25\n"
	         "addr 2001:db8::10 up\n",
	         now + 100, now - 5);
	assert_non_null(strstr(read_file(path), text));
	assert_null(strstr(read_file(path), "192.0.2.10"));
	/* Due: ended, the cells follow, the file forgets it. */
	assert_int_equal(health_expire(h, (time_t)(now + 100)), 1);
	assert_true(health_cell_is_up(health_table_cells(t), ia));
	assert_null(strstr(read_file(path), "us-east"));
	assert_int_equal(health_next_expiry(h), 0);
	/* A force set with a record, then replaced by the same state with another one. */
	struct health_force_info info = {.by = 7, .at = (time_t)now, .until = (time_t)now + 60};
	snprintf(info.reason, sizeof(info.reason), "a b");
	assert_int_equal(health_force_addr_info(h, &b, HEALTH_FORCE_UP, &info), GS_OK);
	assert_non_null(strstr(read_file(path), "addr 2001:db8::10 up until="));
	assert_non_null(strstr(read_file(path), " by=7 "));
	assert_non_null(strstr(read_file(path), "reason=a%20b\n"));
	assert_true(health_cell_is_up(health_table_cells(t), ic));
	health_install(h, NULL);
	health_free(h);

	/* Bad fields: warned about at FILE:LINE, the line ignored. */
	write_file(dir, "state",
	           "dc us-east down until=soon\n"
	           "dc us-east down reason=%zz\n"
	           "dc us-east down by=-3\n"
	           "dc us-east down reason=%0a\n");
	diag_free(&d);
	diag_init(&d);
	assert_int_equal(health_new(path, &d, &h), GS_OK);
	assert_int_equal(d.n, 4);
	assert_non_null(strstr(d.v[0].text, ":1: warning: state file: bad until="));
	assert_non_null(strstr(d.v[1].text, ":2: warning: state file: bad reason="));
	assert_non_null(strstr(d.v[2].text, ":3: warning: state file: bad by="));
	assert_non_null(strstr(d.v[3].text, ":4: warning: state file: bad reason="));
	assert_int_equal(health_next_expiry(h), 0);
	health_free(h);

	char enc[64], dec[64];
	assert_true(state_file_encode("50% off\tnow", enc, sizeof(enc)));
	assert_string_equal(enc, "50%25%20off%09now");
	assert_true(state_file_decode(enc, dec, sizeof(dec)));
	assert_string_equal(dec, "50% off\tnow");
	assert_false(state_file_decode("%2", dec, sizeof(dec)));
	assert_false(state_file_decode("%00", dec, sizeof(dec)));
	assert_false(state_file_encode("too long for this", enc, 8));

	health_table_free(t);
	diag_free(&d);
	tl_rmtree(dir);
	free(dir);
}

static void test_state_file(void **state)
{
	(void)state;
	char *dir = tl_tmpdir("gs-health");
	char path[512];
	snprintf(path, sizeof(path), "%s/state", dir);
	struct diag d;
	diag_init(&d);

	/* Missing file: no overrides, no diagnostics. */
	struct health *h;
	assert_int_equal(health_new(path, &d, &h), GS_OK);
	assert_int_equal(d.n, 0);
	struct health_table *t = health_table_new();
	struct netaddr a = addr_of("192.0.2.10"), b = addr_of("2001:db8::10");
	uint32_t ia, ib;
	assert_int_equal(health_table_add_cell(t, "us-east", &a, NULL, &ia), GS_OK);
	assert_int_equal(health_table_add_cell(t, "eu-central", &b, NULL, &ib), GS_OK);
	health_install(h, t);
	assert_int_equal(health_force_dc(h, "us-east", HEALTH_FORCE_DOWN), GS_OK);
	assert_int_equal(health_force_addr(h, &b, HEALTH_FORCE_DOWN), GS_OK);
	assert_int_equal(health_force_addr(h, &a, HEALTH_FORCE_UP), GS_OK);
	const char *want = "# geosteer state file: admin overrides, rewritten by geosteerd on "
	                   "every change.\n"
	                   "# One per line: 'dc NAME up|down' or 'addr ADDRESS up|down'.\n"
	                   "dc us-east down\n"
	                   "addr 2001:db8::10 down\n"
	                   "addr 192.0.2.10 up\n";
	assert_string_equal(read_file(path), want);
	assert_int_equal(health_force_addr(h, &b, HEALTH_FORCE_AUTO), GS_OK);
	assert_null(strstr(read_file(path), "2001:db8::10"));
	assert_int_equal(health_force_addr(h, &b, HEALTH_FORCE_DOWN), GS_OK);
	/* No temporary file is left behind. */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	health_install(h, NULL);
	health_free(h);

	/* Loaded at start: the same forces apply to a fresh table. */
	assert_int_equal(health_new(path, &d, &h), GS_OK);
	assert_int_equal(d.n, 0);
	health_install(h, t);
	assert_false(health_cell_is_up(health_table_cells(t), ia));
	assert_false(health_cell_is_up(health_table_cells(t), ib));
	assert_int_equal(health_force_dc(h, "us-east", HEALTH_FORCE_AUTO), GS_OK);
	assert_true(health_cell_is_up(health_table_cells(t), ia)); /* addr up */
	health_install(h, NULL);
	health_free(h);

	/* Corrupt lines: FILE:LINE warnings, skipped; the good lines still count. */
	write_file(dir, "state",
	           "# comment\n"
	           "\n"
	           "dc us-east down\n"
	           "addr 192.0.2.300 down\n"
	           "dc eu-central sideways\n"
	           "host x down\n"
	           "addr 2001:db8::10\n"
	           "   addr   2001:db8::10   down  \r\n"
	           "dc a b c d e\n");
	diag_free(&d);
	diag_init(&d);
	assert_int_equal(health_new(path, &d, &h), GS_OK);
	assert_int_equal(d.n, 5);
	assert_false(diag_has_errors(&d));
	char exp[5][800];
	snprintf(exp[0], 800, "%s:4: warning: state file: bad address '192.0.2.300', line ignored",
	         path);
	snprintf(exp[1], 800,
	         "%s:5: warning: state file: bad state 'sideways' (expected up or down), line "
	         "ignored",
	         path);
	snprintf(exp[2], 800,
	         "%s:6: warning: state file: unknown keyword 'host' (expected dc or addr), line "
	         "ignored",
	         path);
	snprintf(exp[3], 800,
	         "%s:7: warning: state file: expected 'dc NAME up|down' or 'addr ADDRESS up|down', "
	         "line ignored",
	         path);
	snprintf(exp[4], 800,
	         "%s:9: warning: state file: expected 'dc NAME up|down' or 'addr ADDRESS up|down', "
	         "line ignored",
	         path);
	for (size_t k = 0; k < 5; k++)
		assert_string_equal(d.v[k].text, exp[k]);
	health_install(h, t);
	assert_false(health_cell_is_up(health_table_cells(t), ia));
	assert_false(health_cell_is_up(health_table_cells(t), ib));
	health_install(h, NULL);
	health_free(h);

	/* An unwritable folder: the force applies, the caller hears GS_EIO. */
	snprintf(path, sizeof(path), "%s/no/such/dir/state", dir);
	diag_free(&d);
	diag_init(&d);
	assert_int_equal(health_new(path, &d, &h), GS_OK);
	health_install(h, t);
	assert_int_equal(health_force_dc(h, "us-east", HEALTH_FORCE_DOWN), GS_EIO);
	assert_false(health_cell_is_up(health_table_cells(t), ia));
	health_install(h, NULL);
	health_free(h);

	health_table_free(t);
	diag_free(&d);
	tl_rmtree(dir);
	free(dir);
}

/* ---- State file writes: outside the mutex, in order. ---- */

/* The link wraps state_file_save (see health.mk): calls from health.c come here first. An
 * armed hold makes the next call wait, before the real save, until the test releases it
 * or HOLD_MAX_S pass (then it says so in timed_out and goes on, so that a wrong order
 * fails the test instead of hanging it). */
#define HOLD_MAX_S 10

int __real_state_file_save(struct state_file_saver *s, const char *path, const char *text,
                           size_t len, uint64_t gen);
int __wrap_state_file_save(struct state_file_saver *s, const char *path, const char *text,
                           size_t len, uint64_t gen);

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* on CLOCK_MONOTONIC (hold_init) */
	bool ready;        /* mu and cv initialised */
	bool armed;        /* the next call waits */
	bool waiting;      /* a call waits now */
	bool released;
	bool timed_out;
	uint64_t held_gen; /* generation of the held call */
} hold = {.mu = PTHREAD_MUTEX_INITIALIZER};

static struct timespec deadline_in(unsigned s)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += s;
	return ts;
}

int __wrap_state_file_save(struct state_file_saver *s, const char *path, const char *text,
                           size_t len, uint64_t gen)
{
	pthread_mutex_lock(&hold.mu);
	if (hold.ready && hold.armed) {
		hold.armed = false;
		hold.waiting = true;
		hold.held_gen = gen;
		pthread_cond_broadcast(&hold.cv);
		struct timespec dl = deadline_in(HOLD_MAX_S);
		while (!hold.released && !hold.timed_out) {
			if (pthread_cond_timedwait(&hold.cv, &hold.mu, &dl) == ETIMEDOUT)
				hold.timed_out = true;
		}
		hold.waiting = false;
	}
	pthread_mutex_unlock(&hold.mu);
	return __real_state_file_save(s, path, text, len, gen);
}

/* Arms the hold for the next state file write. */
static void hold_arm(void)
{
	pthread_mutex_lock(&hold.mu);
	if (!hold.ready) {
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&hold.cv, &ca);
		pthread_condattr_destroy(&ca);
		hold.ready = true;
	}
	hold.armed = true;
	hold.waiting = hold.released = hold.timed_out = false;
	pthread_mutex_unlock(&hold.mu);
}

/* Waits (at most HOLD_MAX_S) until a write is held; returns whether one is. */
static bool hold_wait_held(void)
{
	pthread_mutex_lock(&hold.mu);
	struct timespec dl = deadline_in(HOLD_MAX_S);
	while (!hold.waiting && pthread_cond_timedwait(&hold.cv, &hold.mu, &dl) != ETIMEDOUT)
		;
	bool held = hold.waiting;
	pthread_mutex_unlock(&hold.mu);
	return held;
}

static void hold_release(void)
{
	pthread_mutex_lock(&hold.mu);
	hold.released = true;
	pthread_cond_broadcast(&hold.cv);
	pthread_mutex_unlock(&hold.mu);
}

struct force_job {
	struct health *h;
	const char *dc;
	enum health_force f;
	unsigned rounds; /* force_toggle: how many down/up pairs before the last down */
	int rc;
};

static void *force_one(void *arg)
{
	struct force_job *j = arg;
	j->rc = health_force_dc(j->h, j->dc, j->f);
	return NULL;
}

/* Forces j->dc down and up j->rounds times, then down; rc is the first failure. */
static void *force_toggle(void *arg)
{
	struct force_job *j = arg;
	j->rc = GS_OK;
	for (unsigned i = 0; i <= 2 * j->rounds; i++) {
		int rc = health_force_dc(j->h, j->dc, i % 2 ? HEALTH_FORCE_UP : HEALTH_FORCE_DOWN);
		if (rc != GS_OK && j->rc == GS_OK)
			j->rc = rc;
	}
	return NULL;
}

/* The saver alone: an older generation never overwrites a newer one, and reports what
 * the newer write returned. */
static void test_state_file_saver(void **state)
{
	(void)state;
	char *dir = tl_tmpdir("gs-health");
	char path[512];
	snprintf(path, sizeof(path), "%s/state", dir);
	struct state_file_saver s;
	state_file_saver_init(&s);
	assert_int_equal(state_file_save(&s, path, "two\n", 4, 2), GS_OK);
	assert_string_equal(read_file(path), "two\n");
	assert_int_equal(state_file_save(&s, path, "one\n", 4, 1), GS_OK);
	assert_int_equal(state_file_save(&s, path, "TWO\n", 4, 2), GS_OK);
	assert_string_equal(read_file(path), "two\n");
	assert_int_equal(state_file_save(&s, path, "three\n", 6, 3), GS_OK);
	assert_string_equal(read_file(path), "three\n");
	state_file_saver_destroy(&s);

	/* A failed newer write: the older text is not written either, and hears GS_EIO. */
	snprintf(path, sizeof(path), "%s/no/such/dir/state", dir);
	state_file_saver_init(&s);
	assert_int_equal(state_file_save(&s, path, "two\n", 4, 2), GS_EIO);
	assert_int_equal(state_file_save(&s, path, "one\n", 4, 1), GS_EIO);
	state_file_saver_destroy(&s);
	tl_rmtree(dir);
	free(dir);
}

/* health.c writes the state file after releasing its mutex, and a write that lost a race
 * to a newer one does not put the older state back. */
static void test_state_file_unlocked(void **state)
{
	(void)state;
	char *dir = tl_tmpdir("gs-health");
	char path[512];
	snprintf(path, sizeof(path), "%s/state", dir);
	struct diag d;
	diag_init(&d);
	struct health *h;
	assert_int_equal(health_new(path, &d, &h), GS_OK);
	struct check_spec web;
	spec_init(&web, "web", CFG_CHECK_TCP, 80);
	struct health_table *t = health_table_new();
	const char *dcs[] = {"a", "b", "c", "d"};
	for (size_t i = 0; i < GS_ARRAY_LEN(dcs); i++) {
		char text[32];
		snprintf(text, sizeof(text), "192.0.2.%zu", i + 1);
		struct netaddr a = addr_of(text);
		uint32_t idx;
		assert_int_equal(health_table_add_cell(t, dcs[i], &a, &web.c, &idx), GS_OK);
	}
	health_install(h, t);

	/* Two forces in a row: the file holds the second. */
	assert_int_equal(health_force_dc(h, "a", HEALTH_FORCE_DOWN), GS_OK);
	assert_int_equal(health_force_dc(h, "a", HEALTH_FORCE_UP), GS_OK);
	assert_non_null(strstr(read_file(path), "\ndc a up\n"));
	assert_null(strstr(read_file(path), "dc a down"));

	/* A force whose write is held: meanwhile a probe result and a listing get the
	 * mutex (were it held, they would wait until the hold gives up: timed_out). */
	hold_arm();
	struct force_job older = {.h = h, .dc = "b", .f = HEALTH_FORCE_DOWN};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, force_one, &older), 0);
	assert_true(hold_wait_held());
	assert_true(health_record(h, t, 0, false, "connection refused"));
	struct health_entry *v;
	size_t n;
	assert_int_equal(health_list(h, &v, &n), GS_OK);
	assert_int_equal(n, GS_ARRAY_LEN(dcs) + 2); /* the targets, then the forces of a and b */
	free(v);
	/* A newer force is written while the older text still waits... */
	assert_int_equal(health_force_dc(h, "a", HEALTH_FORCE_DOWN), GS_OK);
	const char *newest = "\ndc a down\ndc b down\n";
	assert_non_null(strstr(read_file(path), newest));
	/* ...and when the older one goes on, it does not bring back "dc a up". */
	hold_release();
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_false(hold.timed_out);
	assert_int_equal(older.rc, GS_OK);
	assert_non_null(strstr(read_file(path), newest));

	/* Threads racing on their own datacenters: the file ends with every last force. */
	struct force_job jobs[GS_ARRAY_LEN(dcs)];
	pthread_t ths[GS_ARRAY_LEN(dcs)];
	for (size_t i = 0; i < GS_ARRAY_LEN(dcs); i++) {
		jobs[i] = (struct force_job){.h = h, .dc = dcs[i], .rounds = 10};
		assert_int_equal(pthread_create(&ths[i], NULL, force_toggle, &jobs[i]), 0);
	}
	for (size_t i = 0; i < GS_ARRAY_LEN(dcs); i++) {
		assert_int_equal(pthread_join(ths[i], NULL), 0);
		assert_int_equal(jobs[i].rc, GS_OK);
	}
	const char *text = read_file(path);
	for (size_t i = 0; i < GS_ARRAY_LEN(dcs); i++) {
		char line[32];
		snprintf(line, sizeof(line), "\ndc %s down\n", dcs[i]);
		assert_non_null(strstr(text, line));
	}
	assert_null(strstr(text, " up\n"));

	health_install(h, NULL);
	health_free(h);
	health_table_free(t);
	diag_free(&d);
	tl_rmtree(dir);
	free(dir);
}

/* ---- Exec argv. ---- */

static void test_exec_argv(void **state)
{
	(void)state;
	struct check_spec c;
	spec_init(&c, "x", CFG_CHECK_EXEC, 0);
	c.argv[0] = "/bin/check";
	c.argv[1] = "%a";
	c.argv[2] = "--host=%a:%a";
	c.argv[3] = "100%";
	c.argv[4] = "%b";
	c.c.n_command = 5;
	struct health_table *t;
	const struct health_check *hc = one_check(&t, &c.c);
	struct netaddr a = addr_of("2001:db8::1");
	char **argv = check_exec_argv(hc, &a);
	assert_string_equal(argv[0], "/bin/check");
	assert_string_equal(argv[1], "2001:db8::1");
	assert_string_equal(argv[2], "--host=2001:db8::1:2001:db8::1");
	assert_string_equal(argv[3], "100%");
	assert_string_equal(argv[4], "%b");
	assert_null(argv[5]);
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	health_table_free(t);
}

/* ---- Exec probe deadline on a late loop. ---- */

struct late_result {
	int n_done;
	bool ok;
	char text[HEALTH_RESULT_MAX];
};

static void late_done(struct monitor_probe *p, bool ok, const char *text)
{
	struct late_result *r = p->data;
	r->n_done++;
	r->ok = ok;
	snprintf(r->text, sizeof(r->text), "%s", text);
}

/* Starts a probe of c with a 100 ms timeout, keeps the loop away for 500 ms (a loaded
 * host: the monitor thread is late), then runs the loop to the result. */
static void run_late_probe(struct check_spec *c, struct late_result *r)
{
	c->c.timeout_ms = 100;
	struct health_table *t;
	const struct health_check *hc = one_check(&t, &c->c);
	struct monitor_loop ml = {.loop = ev_loop_new(EVFLAG_AUTO)};
	assert_non_null(ml.loop);
	struct monitor_probe p = {.ml = &ml,
	                          .check = hc,
	                          .addr = addr_of("127.0.0.1"),
	                          .done = late_done,
	                          .data = r,
	                          .fd = -1,
	                          .pidfd = -1};
	*r = (struct late_result){0};
	char text[HEALTH_RESULT_MAX];
	int rc = c->c.type == CFG_CHECK_TCP ? check_tcp_start(&p, text, sizeof(text))
	                                    : check_exec_start(&p, text, sizeof(text));
	assert_int_equal(rc, GS_OK);
	sleep_ms(500);
	ev_run(ml.loop, 0); /* returns once the probe's watchers are stopped */
	assert_int_equal(r->n_done, 1);
	assert_false(p.running);
	ev_loop_destroy(ml.loop);
	health_table_free(t);
}

static void run_late_exec(char **argv, size_t n, struct late_result *r)
{
	struct check_spec c;
	spec_init(&c, "x", CFG_CHECK_EXEC, 0);
	for (size_t i = 0; i < n; i++)
		c.argv[i] = argv[i];
	c.c.n_command = n;
	run_late_probe(&c, r);
}

/* A command that ended before the loop got round to its deadline counts by its exit
 * status (libev runs due timers before the I/O callbacks of the same turn); one that
 * still runs at its deadline is a timeout. The same for a tcp connect that was made in
 * time. */
static void test_probe_late_loop(void **state)
{
	(void)state;
	struct late_result r;
	char *quick[] = {"/bin/sh", "-c", "exit 0"};
	run_late_exec(quick, 3, &r);
	assert_true(r.ok);
	assert_string_equal(r.text, "exit status 0");
	char *failing[] = {"/bin/sh", "-c", "exit 3"};
	run_late_exec(failing, 3, &r);
	assert_false(r.ok);
	assert_string_equal(r.text, "exit status 3");
	char *hung[] = {"/bin/sleep", "5"};
	double t0 = now_s();
	run_late_exec(hung, 2, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.text, "timeout after 100 ms"));
	assert_true(now_s() - t0 < 3.0);
	/* tcp: a listening socket on loopback accepts at once (the kernel completes the
	 * handshake without our accept). */
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ls >= 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	assert_int_equal(bind(ls, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(ls, 4), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sin, &len), 0);
	struct check_spec c;
	spec_init(&c, "x", CFG_CHECK_TCP, ntohs(sin.sin_port));
	run_late_probe(&c, &r);
	assert_true(r.ok);
	assert_non_null(strstr(r.text, "connected to port"));
	close(ls);
}

/* True when no process with this pid exists any more, or only as a zombie that is not
 * ours (a killed grandchild waiting for init). */
static bool gone(pid_t pid)
{
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *st = read_file(path);
	if (!st)
		return true;
	char *rp = strrchr(st, ')');
	return rp && rp[1] == ' ' && rp[2] == 'Z' && getppid() != pid;
}

/* ---- The monitor thread end to end. ---- */

static bool wait_cell(struct health_table *t, uint32_t i, bool up, double max_s)
{
	double deadline = now_s() + max_s;
	while (now_s() < deadline) {
		if (health_cell_is_up(health_table_cells(t), i) == up)
			return true;
		sleep_ms(10);
	}
	return health_cell_is_up(health_table_cells(t), i) == up;
}

/* Two exec checks: "ex" is up while the file up exists; "web" reports the status in
 * the file status (200 when missing or empty) and succeeds only on 200, as an http check of a
 * backend answering that status would. */
static void test_monitor(void **state)
{
	(void)state;
	char *dir = tl_tmpdir("gs-health");
	write_file(dir, "ok.sh", "#!/bin/sh\ntest -e \"$(dirname \"$0\")/up\"\n");
	write_file(dir, "web.sh",
	           "#!/bin/sh\n"
	           "s=$(cat \"$(dirname \"$0\")/status\" 2>/dev/null)\n"
	           "s=${s:-200}\n"
	           "echo \"status $s\"\n"
	           "test \"$s\" = 200\n");
	char script[600], web_script[600];
	snprintf(script, sizeof(script), "%s/ok.sh", dir);
	snprintf(web_script, sizeof(web_script), "%s/web.sh", dir);
	assert_int_equal(chmod(script, 0755), 0);
	assert_int_equal(chmod(web_script, 0755), 0);

	struct diag d;
	diag_init(&d);
	struct health *h;
	assert_int_equal(health_new(NULL, &d, &h), GS_OK);
	struct check_spec web, ex;
	spec_init(&web, "web", CFG_CHECK_EXEC, 0);
	web.argv[0] = web_script;
	web.c.n_command = 1;
	web.c.interval_ms = 100;
	web.c.timeout_ms = 500;
	web.c.rise = 2;
	web.c.fall = 2;
	spec_init(&ex, "ex", CFG_CHECK_EXEC, 0);
	ex.argv[0] = script;
	ex.c.n_command = 1;
	ex.c.interval_ms = 100;
	ex.c.timeout_ms = 2000;
	struct netaddr lo = addr_of("127.0.0.1");
	struct health_table *t1 = health_table_new();
	uint32_t cw, cx;
	assert_int_equal(health_table_add_cell(t1, "dc1", &lo, &web.c, &cw), GS_OK);
	assert_int_equal(health_table_add_cell(t1, "dc1", &lo, &ex.c, &cx), GS_OK);
	assert_null(health_install(h, t1));
	struct monitor *m;
	assert_int_equal(monitor_start(h, &m), GS_OK);

	/* exec: no flag file, fall 1: down within a few intervals. */
	assert_true(wait_cell(t1, cx, false, 5));
	write_file(dir, "up", "");
	assert_true(wait_cell(t1, cx, true, 5));

	/* web: 503 -> down after 2 failures, 200 -> up after 2 successes. */
	assert_true(health_cell_is_up(health_table_cells(t1), cw));
	struct health_entry *v;
	size_t n;
	assert_int_equal(health_list(h, &v, &n), GS_OK);
	assert_int_equal(n, 2);
	uint64_t checks_before = v[1].n_checks;
	free(v);
	write_file(dir, "status", "503\n");
	assert_true(wait_cell(t1, cw, false, 5));
	assert_int_equal(health_list(h, &v, &n), GS_OK);
	assert_int_equal(n, 2);
	/* fall 2: two results of their own made it down, not one. (Not timed: a probe
	 * started before the file changed may read it, and a late timer may run the next
	 * one right after it on a loaded machine.) */
	assert_true(v[1].n_checks >= checks_before + 2);
	assert_string_equal(v[1].check, "web");
	assert_false(v[1].up);
	assert_string_equal(v[1].last_result, "exit status 1: status 503");
	free(v);
	write_file(dir, "status", "200\n");
	assert_true(wait_cell(t1, cw, true, 5));

	/* Reload: a new layout; web keeps its state, a new target starts up (initial). */
	write_file(dir, "status", "500\n");
	assert_true(wait_cell(t1, cw, false, 5));
	struct check_spec web2;
	spec_init(&web2, "web", CFG_CHECK_EXEC, 0);
	web2.argv[0] = web_script;
	web2.c.n_command = 1;
	web2.c.interval_ms = 100;
	web2.c.timeout_ms = 500;
	web2.c.rise = 2;
	web2.c.fall = 2;
	struct health_table *t2 = health_table_new();
	uint32_t n_new, n_web;
	struct netaddr lo2 = addr_of("127.0.0.2");
	spec_init(&ex, "ex2", CFG_CHECK_EXEC, 0);
	char slow[600], body[1400];
	snprintf(slow, sizeof(slow), "%s/slow.sh", dir);
	snprintf(body, sizeof(body), "#!/bin/sh\necho $$ > '%s/running'\nexec sleep 20\n", dir);
	write_file(dir, "slow.sh", body);
	assert_int_equal(chmod(slow, 0755), 0);
	ex.argv[0] = slow;
	ex.c.n_command = 1;
	ex.c.interval_ms = 100;
	ex.c.timeout_ms = 9000;
	assert_int_equal(health_table_add_cell(t2, "dc2", &lo2, &ex.c, &n_new), GS_OK);
	assert_int_equal(health_table_add_cell(t2, "dc1", &lo, &web2.c, &n_web), GS_OK);
	assert_ptr_equal(monitor_install(m, t2), t1);
	health_table_free(t1);
	assert_false(health_cell_is_up(health_table_cells(t2), n_web)); /* carried: down */
	assert_true(health_cell_is_up(health_table_cells(t2), n_new));
	write_file(dir, "status", "200\n");
	assert_true(wait_cell(t2, n_web, true, 5));

	/* Stop while the slow child runs: it is killed and reaped. */
	char running[700];
	snprintf(running, sizeof(running), "%s/running", dir);
	double deadline = now_s() + 5;
	const char *pid_text;
	while (!(pid_text = read_file(running)) && now_s() < deadline)
		sleep_ms(10);
	assert_non_null(pid_text);
	pid_t slow_pid = (pid_t)atoi(pid_text);
	assert_true(slow_pid > 0);
	double t0 = now_s();
	monitor_stop(m);
	assert_true(now_s() - t0 < 6.0); /* well before the child's 9 s timeout */
	assert_true(gone(slow_pid));
	/* No child of ours is left, reaped or not. */
	assert_int_equal(waitpid(-1, NULL, __WALL | WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	health_install(h, NULL);
	health_table_free(t2);
	health_free(h);
	diag_free(&d);
	tl_rmtree(dir);
	free(dir);
}

int main(void)
{
	/* The transitions are logged; keep the test output readable. */
	log_set_level(LOG_LVL_ERR);
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rise_fall),
	        cmocka_unit_test(test_fall_one_from_initial),
	        cmocka_unit_test(test_forces),
	        cmocka_unit_test(test_table_errors),
	        cmocka_unit_test(test_add_cells),
	        cmocka_unit_test(test_carry_over),
	        cmocka_unit_test(test_list_format),
	        cmocka_unit_test(test_state_file),
	        cmocka_unit_test(test_state_file_timed),
	        cmocka_unit_test(test_state_file_saver),
	        cmocka_unit_test(test_state_file_unlocked),
	        cmocka_unit_test(test_exec_argv),
	        cmocka_unit_test(test_probe_late_loop),
	        cmocka_unit_test(test_monitor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
