/* SPDX-License-Identifier: MIT
 * test_fleet.c -- unit tests for server/fleet and the `fleet:` section: the quorum rule
 * as a table (majority, any, all; too few voters), base64 and prefix ends as etcd's
 * gateway wants them, and the configuration with every key and its defaults. The
 * cluster itself is tested by tests/system/fleet.sh. */
#include <config.h> /* first: _GNU_SOURCE */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/config/config.h"
#include "server/config/config_fleet.h"
#include "server/fleet/etcd.h"
#include "server/fleet/verdict.h"
#include "tests/unit/testlib.h"

struct vcase {
	enum cfg_quorum q;
	unsigned voters, down, nodes;
	enum verdict_source src;
	bool up;
};

static const struct vcase vcases[] = {
        /* 3 nodes, all vote */
        {CFG_QUORUM_MAJORITY, 3, 0, 3, VERDICT_FLEET, true},
        {CFG_QUORUM_MAJORITY, 3, 1, 3, VERDICT_FLEET, true},  /* one vantage point alone */
        {CFG_QUORUM_MAJORITY, 3, 2, 3, VERDICT_FLEET, false}, /* two of three */
        {CFG_QUORUM_MAJORITY, 3, 3, 3, VERDICT_FLEET, false},
        {CFG_QUORUM_ANY, 3, 1, 3, VERDICT_FLEET, false},
        {CFG_QUORUM_ANY, 3, 0, 3, VERDICT_FLEET, true},
        {CFG_QUORUM_ALL, 3, 2, 3, VERDICT_FLEET, true},
        {CFG_QUORUM_ALL, 3, 3, 3, VERDICT_FLEET, false},
        /* an even split is not a majority for down */
        {CFG_QUORUM_MAJORITY, 2, 1, 2, VERDICT_FLEET, true},
        {CFG_QUORUM_MAJORITY, 4, 2, 4, VERDICT_FLEET, true},
        /* too few voters among the live nodes: own check */
        {CFG_QUORUM_MAJORITY, 1, 1, 3, VERDICT_NO_QUORUM, true},
        {CFG_QUORUM_ANY, 1, 1, 2, VERDICT_NO_QUORUM, true},
        {CFG_QUORUM_MAJORITY, 0, 0, 3, VERDICT_NO_QUORUM, true},
        /* alone (nobody else alive, or not seen yet): the fleet of one */
        {CFG_QUORUM_MAJORITY, 1, 1, 1, VERDICT_FLEET, false},
        {CFG_QUORUM_MAJORITY, 1, 0, 0, VERDICT_FLEET, true},
        /* 2 of 3 nodes vote (one has no result yet) */
        {CFG_QUORUM_MAJORITY, 2, 2, 3, VERDICT_FLEET, false},
        {CFG_QUORUM_MAJORITY, 2, 1, 3, VERDICT_FLEET, true},
};

static void test_verdict(void **state)
{
	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		const struct vcase *c = &vcases[i];
		bool up = true;
		enum verdict_source src = verdict_decide(c->q, c->voters, c->down, c->nodes, &up);
		if (src != c->src || (src == VERDICT_FLEET && up != c->up))
			print_error("case %zu: %s %u voters %u down %u nodes: got %s %s\n", i,
			            config_fleet_quorum_name(c->q), c->voters, c->down, c->nodes,
			            verdict_source_text(src), up ? "up" : "down");
		assert_int_equal(src, c->src);
		if (src == VERDICT_FLEET)
			assert_int_equal(up, c->up);
	}
	assert_string_equal(verdict_source_label(VERDICT_DISCONNECTED), "disconnected");
}

/* Nodes whose lease expired (cut off from etcd during a failover, say) take their node
 * key and their observations away together, so both counts shrink. Whatever is left,
 * a node whose own check says up (its own vote is always among the voters) is never
 * overruled by a single other node that says down under quorum majority: the fleet of
 * the remaining nodes says up, or this node keeps its own check. */
static void test_verdict_vanished_nodes(void **state)
{
	for (unsigned nodes = 0; nodes <= 7; nodes++) {
		for (unsigned voters = 2; voters <= (nodes > 2 ? nodes : 2); voters++) {
			bool up = true;
			enum verdict_source src =
			        verdict_decide(CFG_QUORUM_MAJORITY, voters, 1, nodes, &up);
			if (src == VERDICT_FLEET && !up)
				print_error("%u voters (1 down) of %u nodes: down\n", voters,
				            nodes);
			assert_true(src != VERDICT_FLEET || up);
		}
	}
}

static void test_base64(void **state)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
	                                    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"}; /* RFC 4648 10 */
	for (size_t i = 0; i < 7; i++) {
		char *e = etcd_b64_encode(plain[i], strlen(plain[i]));
		assert_string_equal(e, coded[i]);
		size_t len;
		char *d = etcd_b64_decode(e, &len);
		assert_non_null(d);
		assert_int_equal(len, strlen(plain[i]));
		assert_string_equal(d, plain[i]);
		free(e);
		free(d);
	}
	size_t len;
	assert_null(etcd_b64_decode("Zm9", &len));
	assert_null(etcd_b64_decode("Zm9*", &len));
	assert_null(etcd_b64_decode("Z=9v", &len));
	char *end = etcd_prefix_end("/geosteer/prod/");
	assert_string_equal(end, "/geosteer/prod0");
	free(end);
}

static struct cfg *load(const char *rel, struct diag *d)
{
	struct cfg *c = NULL;
	int rc = cfg_load(rel, d, &c);
	for (size_t i = 0; i < d->n; i++)
		print_error("%s\n", d->v[i].text);
	assert_int_equal(rc, GS_OK);
	return c;
}

static void test_config(void **state)
{
	struct diag d;
	diag_init(&d);
	struct cfg *c = load(TL_SRC("tests/data/config/good/fleet.yaml"), &d);
	assert_int_equal(d.n, 0);
	const struct cfg_fleet *f = c->fleet;
	assert_non_null(f);
	assert_int_equal(f->n_etcd, 3);
	assert_string_equal(f->etcd[0], "https://10.0.0.1:2379"); /* trailing slash dropped */
	assert_string_equal(f->etcd[2], "https://[2001:db8::3]:2379");
	assert_string_equal(f->prefix, "/geosteer/prod/");
	assert_string_equal(f->node, "ns1");
	assert_int_equal(f->quorum, CFG_QUORUM_ALL);
	assert_int_equal(f->stale_after_ms, 20000);
	assert_non_null(strstr(f->ca_file, "/tests/data/config/good/tls/etcd-ca.pem"));
	assert_true(f->cert_file[0] == '/' && f->key_file[0] == '/');
	assert_string_equal(f->user, "geosteer");
	assert_null(f->password);
	assert_string_equal(f->password_file, "/etc/geosteer/etcd-password");
	assert_int_equal(c->pos_of[CFG_SEC_FLEET].line, 5);
	assert_string_equal(cfg_section_name(CFG_SEC_FLEET), "fleet");
	assert_true(config_fleet_same(f, f));
	assert_false(config_fleet_same(f, NULL));
	assert_true(config_fleet_same(NULL, NULL));
	cfg_free(c);

	/* Without fleet: nothing is set; the minimal file gets no fleet. */
	c = load(TL_SRC("tests/data/config/good/minimal.yaml"), &d);
	assert_null(c->fleet);
	cfg_free(c);
	diag_free(&d);
}

static void test_config_defaults(void **state)
{
	char *dir = tl_tmpdir("gs-fleet");
	char *path = tl_write_file(dir, "g.yaml",
	                           "zones: [{name: geo.example., file: z}]\n"
	                           "fleet: {etcd: [\"http://127.0.0.1:2379\"], prefix: /g/}\n");
	struct diag d;
	diag_init(&d);
	struct cfg *c = load(path, &d);
	assert_non_null(c->fleet);
	assert_int_equal(c->fleet->quorum, CFG_QUORUM_MAJORITY);
	assert_int_equal(c->fleet->stale_after_ms, 15000);
	assert_null(c->fleet->node);
	cfg_free(c);
	diag_free(&d);
	free(path);
	tl_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_verdict),
	        cmocka_unit_test(test_verdict_vanished_nodes),
	        cmocka_unit_test(test_base64),
	        cmocka_unit_test(test_config),
	        cmocka_unit_test(test_config_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
