/* SPDX-License-Identifier: MIT
 * fleet.c -- the fleet thread and the watch thread (fleet.h): lease, publication of this
 * node's observations, the mirror of everything under the prefix, verdicts into the
 * health table, forces mirrored into the health forces, degraded mode, and the text
 * of status, metrics and explain. */
#include <config.h> /* first: _GNU_SOURCE */
#include "server/fleet/fleet.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/thread.h"
#include "server/base/netaddr.h"
#include "server/base/rfile.h"
#include "server/base/kv.h"
#include "server/base/timefmt.h"
#include "server/base/xalloc.h"
#include "server/fleet/etcd.h"
#include "server/fleet/verdict.h"

/* The fleet thread looks at its targets this often (and at once on a watch event): a
 * changed own result reaches etcd, and a verdict the health table, within it. */
#define TICK_MS 100
/* Deadline of one etcd call on the fleet thread, per member. */
#define CALL_TIMEOUT_MS 1000
/* Deadline of a force's calls on the control thread, per member: the operator waits. */
#define FORCE_TIMEOUT_MS 1500
/* Reconnect back-off: doubles from the first to the last after each failure, so that a
 * dead cluster costs a few calls a second and a returning one is found within 2 s. */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 2000
/* A timed force's key outlives its expiry by this much, so that a node whose clock is
 * a little behind still sees it end by its own `until` rather than by the key's
 * deletion. */
#define FORCE_LEASE_SLACK_S 2
/* Longest password read from password_file. */
#define PASSWORD_MAX 1024

/* What a node published for one (check, address). */
struct fobs {
	char *node, *check, *addr; /* owned */
	bool up, initial;
	long long since; /* wall clock of its last state change */
	char def[17];    /* check definition hash, hex */
};

/* A live node: PREFIX/node/NAME, renewed with its lease. */
struct fnode {
	char *name; /* owned */
	long long at;
};

/* A force of the fleet. */
struct fforce {
	bool is_dc;
	char *name; /* owned: datacenter name or address text */
	enum health_force f;
	struct health_force_info info;
	char node[CFG_FLEET_NODE_MAX + 1]; /* where it was set */
};

/* One of this node's targets as last computed: for status, metrics and explain. */
struct tinfo {
	char check[64];
	char addr[NETADDR_TEXT_MAX];
	char def[17];
	bool own_up, own_initial, verdict_up;
	long long own_since;
	enum verdict_source src;
	unsigned n_voters, n_down, n_nodes, n_conflicts;
};

/* What this node last wrote for one of its targets. */
struct pub {
	char *key;  /* owned, full key */
	char *sig;  /* owned: "up|initial|def", rewritten only when it changes */
	char *json; /* owned: the value to write */
	bool seen;  /* still a target (fleet thread, per tick) */
};

struct fleet {
	struct health *h;
	struct etcd *etcd;
	char *prefix, *node;
	enum cfg_quorum quorum;
	unsigned stale_ms;

	pthread_t thr;
	bool thr_started;
	pthread_mutex_t mu; /* everything from here to "fleet thread only" */
	pthread_cond_t cond;
	bool stop, kick;
	/* The mirror of PREFIX (fresh by etcd's leases). */
	struct fobs *obs;
	size_t n_obs;
	struct fnode *nodes;
	size_t n_nodes;
	struct fforce *forces;
	size_t n_forces;
	bool forces_dirty;
	/* Watch thread. */
	pthread_t wthr;
	bool wthr_started, watch_ended;
	atomic_bool wstop;
	int64_t watch_from;
	size_t watch_member; /* the member the watch stream is on */
	char watch_why[ETCD_WHY_MAX];
	/* State for status and metrics. */
	bool connected;
	bool ever_connected;
	bool since_logged;      /* the first "degraded" is logged */
	char why[ETCD_WHY_MAX]; /* why degraded */
	time_t since;           /* of the current state */
	struct tinfo *ti;
	size_t n_ti;
	unsigned n_conflicts;

	/* Fleet thread only. */
	int64_t lease;
	long long renew_at_ms, retry_at_ms;
	unsigned backoff_ms;
	struct pub *pub;
	size_t n_pub;
	char **conflicts; /* "node check addr" already logged */
	size_t n_conflicts_logged;
};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the mirror (under mu) ---- */

static void fobs_free(struct fobs *o)
{
	free(o->node);
	free(o->check);
	free(o->addr);
}

static void store_clear(struct fleet *f)
{
	for (size_t i = 0; i < f->n_obs; i++)
		fobs_free(&f->obs[i]);
	f->n_obs = 0;
	for (size_t i = 0; i < f->n_nodes; i++)
		free(f->nodes[i].name);
	f->n_nodes = 0;
	for (size_t i = 0; i < f->n_forces; i++)
		free(f->forces[i].name);
	f->n_forces = 0;
	f->forces_dirty = true;
}

static long long jget_ll(struct json_object *o, const char *name)
{
	struct json_object *v;
	return o && json_object_object_get_ex(o, name, &v) ? (long long)json_object_get_int64(v)
	                                                   : 0;
}

static bool jget_bool(struct json_object *o, const char *name)
{
	struct json_object *v;
	return o && json_object_object_get_ex(o, name, &v) && json_object_get_boolean(v);
}

static const char *jget_str(struct json_object *o, const char *name)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

/* Splits rest "A/B/C" into n parts at '/', in place; false when the count differs. */
static bool split(char *rest, char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		parts[i] = rest;
		char *slash = strchr(rest, '/');
		if (i + 1 < n) {
			if (!slash)
				return false;
			*slash = '\0';
			rest = slash + 1;
		} else if (slash) {
			return false;
		}
	}
	return parts[n - 1][0] != '\0';
}

static void store_obs(struct fleet *f, bool del, char *rest, struct json_object *v)
{
	char *p[3];
	if (!split(rest, p, 3))
		return;
	size_t i = 0;
	while (i < f->n_obs &&
	       !(strcmp(f->obs[i].node, p[0]) == 0 && strcmp(f->obs[i].check, p[1]) == 0 &&
	         strcmp(f->obs[i].addr, p[2]) == 0))
		i++;
	if (del) {
		if (i < f->n_obs) {
			fobs_free(&f->obs[i]);
			f->obs[i] = f->obs[--f->n_obs];
		}
		return;
	}
	if (!v)
		return;
	if (i == f->n_obs) {
		f->obs = xrealloc(f->obs, (f->n_obs + 1) * sizeof(*f->obs));
		f->obs[i] = (struct fobs){
		        .node = xstrdup(p[0]), .check = xstrdup(p[1]), .addr = xstrdup(p[2])};
		f->n_obs++;
	}
	struct fobs *o = &f->obs[i];
	o->up = jget_bool(v, "up");
	o->initial = jget_bool(v, "initial");
	o->since = jget_ll(v, "since");
	snprintf(o->def, sizeof(o->def), "%s", jget_str(v, "def"));
}

static void store_node(struct fleet *f, bool del, const char *name, struct json_object *v)
{
	if (!name[0] || strchr(name, '/'))
		return;
	size_t i = 0;
	while (i < f->n_nodes && strcmp(f->nodes[i].name, name) != 0)
		i++;
	if (del) {
		if (i < f->n_nodes) {
			free(f->nodes[i].name);
			f->nodes[i] = f->nodes[--f->n_nodes];
		}
		return;
	}
	if (i == f->n_nodes) {
		f->nodes = xrealloc(f->nodes, (f->n_nodes + 1) * sizeof(*f->nodes));
		f->nodes[i] = (struct fnode){.name = xstrdup(name)};
		f->n_nodes++;
	}
	f->nodes[i].at = jget_ll(v, "at");
}

static void store_force(struct fleet *f, bool del, char *rest, struct json_object *v)
{
	char *p[2];
	if (!split(rest, p, 2) || (strcmp(p[0], "dc") != 0 && strcmp(p[0], "addr") != 0))
		return;
	bool is_dc = p[0][0] == 'd';
	size_t i = 0;
	while (i < f->n_forces &&
	       !(f->forces[i].is_dc == is_dc && strcmp(f->forces[i].name, p[1]) == 0))
		i++;
	f->forces_dirty = true;
	enum health_force hf = HEALTH_FORCE_AUTO;
	if (!del && v && health_force_parse(jget_str(v, "state"), &hf) != GS_OK)
		hf = HEALTH_FORCE_AUTO;
	if (del || hf == HEALTH_FORCE_AUTO) {
		if (i < f->n_forces) {
			free(f->forces[i].name);
			f->forces[i] = f->forces[--f->n_forces];
		}
		return;
	}
	if (i == f->n_forces) {
		f->forces = xrealloc(f->forces, (f->n_forces + 1) * sizeof(*f->forces));
		f->forces[i] = (struct fforce){.is_dc = is_dc, .name = xstrdup(p[1])};
		f->n_forces++;
	}
	struct fforce *fo = &f->forces[i];
	fo->f = hf;
	fo->info = (struct health_force_info){.by = jget_ll(v, "by"),
	                                      .at = (time_t)jget_ll(v, "at"),
	                                      .until = (time_t)jget_ll(v, "until")};
	struct json_object *tmp;
	if (!json_object_object_get_ex(v, "by", &tmp))
		fo->info.by = -1;
	snprintf(fo->info.reason, sizeof(fo->info.reason), "%s", jget_str(v, "reason"));
	snprintf(fo->node, sizeof(fo->node), "%s", jget_str(v, "node"));
	snprintf(fo->info.node, sizeof(fo->info.node), "%s", fo->node);
}

/* Applies one key of a range or a watch event to the mirror. Under mu. */
static void store_apply(struct fleet *f, bool del, const char *key, const char *value)
{
	size_t plen = strlen(f->prefix);
	if (strncmp(key, f->prefix, plen) != 0)
		return;
	char *rest = xstrdup(key + plen);
	struct json_object *v = del ? NULL : json_tokener_parse(value);
	if (!del && !v) {
		log_debug("fleet: ignoring %s: its value is not JSON", key);
	} else if (strncmp(rest, "obs/", 4) == 0) {
		store_obs(f, del, rest + 4, v);
	} else if (strncmp(rest, "node/", 5) == 0) {
		store_node(f, del, rest + 5, v);
	} else if (strncmp(rest, "force/", 6) == 0) {
		store_force(f, del, rest + 6, v);
	}
	json_object_put(v);
	free(rest);
}

/* etcd_kv_fn for the watch (takes mu). */ static void
on_watch_kv(void *arg, bool del, const char *key, const char *value)
{
	struct fleet *f = arg;
	pthread_mutex_lock(&f->mu);
	store_apply(f, del, key, value);
	f->kick = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
}

/* ---- the watch thread ---- */

static void *watch_main(void *arg)
{
	struct fleet *f = arg;
	char why[ETCD_WHY_MAX];
	if (etcd_watch(f->etcd, f->prefix, f->watch_from, on_watch_kv, NULL, f, &f->wstop, why) ==
	    GS_OK)
		log_debug("fleet: watch stopped");
	pthread_mutex_lock(&f->mu);
	snprintf(f->watch_why, sizeof(f->watch_why), "%s", why);
	f->watch_ended = true;
	f->kick = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static void watch_stop(struct fleet *f)
{
	if (!f->wthr_started)
		return;
	atomic_store(&f->wstop, true);
	pthread_join(f->wthr, NULL);
	f->wthr_started = false;
	atomic_store(&f->wstop, false);
	pthread_mutex_lock(&f->mu);
	f->watch_ended = false;
	pthread_mutex_unlock(&f->mu);
}

/* Keys and values read by a range, before they replace the mirror. */
struct kvlist {
	char **kv; /* key, value, key, value, ... (owned) */
	size_t n;
};

static void on_range_kv(void *arg, bool del, const char *key, const char *value)
{
	struct kvlist *l = arg;
	l->kv = xrealloc(l->kv, (l->n + 2) * sizeof(char *));
	l->kv[l->n++] = xstrdup(key);
	l->kv[l->n++] = xstrdup(value);
}

/* Reads everything under the prefix and, once that worked, makes it the mirror and
 * starts a watch from there. A failed read leaves the mirror as it was. */
static int resync(struct fleet *f, char *why)
{
	watch_stop(f);
	struct kvlist l = {0};
	int64_t rev = 0;
	int rc = etcd_range_prefix(f->etcd, f->prefix, CALL_TIMEOUT_MS, on_range_kv, &l, &rev, why);
	if (rc == GS_OK) {
		pthread_mutex_lock(&f->mu);
		store_clear(f);
		for (size_t i = 0; i + 1 < l.n; i += 2)
			store_apply(f, false, l.kv[i], l.kv[i + 1]);
		pthread_mutex_unlock(&f->mu);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.kv[i]);
	free(l.kv);
	if (rc != GS_OK)
		return rc;
	f->watch_from = rev + 1;
	f->watch_member = etcd_current_index(f->etcd);
	int prc = thread_spawn(&f->wthr, watch_main, f);
	if (prc != 0) {
		snprintf(why, ETCD_WHY_MAX, "cannot start the watch thread: %s", strerror(prc));
		return GS_EIO;
	}
	f->wthr_started = true;
	return GS_OK;
}

/* ---- this node's targets ---- */

/* FNV-1a, 64 bits, over the fields of a check definition. */
static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 1099511628211ull;
	}
}

static void hash_str(uint64_t *h, const char *s)
{
	hash_bytes(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static void check_def(const struct health_check *c, char out[17])
{
	uint64_t h = 14695981039346656037ull;
	unsigned v[] = {(unsigned)c->type,     c->port, c->tls_verify, c->interval_ms,
	                c->timeout_ms,         c->rise, c->fall,       (unsigned)c->n_expect,
	                (unsigned)c->n_command};
	hash_bytes(&h, v, sizeof(v));
	hash_str(&h, c->path);
	hash_str(&h, c->host);
	for (size_t i = 0; i < c->n_expect; i++)
		hash_bytes(&h, &c->expect[i], sizeof(c->expect[i]));
	for (size_t i = 0; i < c->n_command; i++)
		hash_str(&h, c->command[i]);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* What the visit collects for publication. */
struct want {
	char *key, *sig, *json;
};

struct visit {
	struct fleet *f;
	bool connected;
	struct tinfo *ti;
	size_t n_ti;
	struct want *want;
	size_t n_want;
	unsigned n_nodes, n_conflicts;
	char (*new_conflicts)[256];
	size_t n_new_conflicts;
};

static bool conflict_logged(struct fleet *f, const char *text)
{
	for (size_t i = 0; i < f->n_conflicts_logged; i++) {
		if (strcmp(f->conflicts[i], text) == 0)
			return true;
	}
	return false;
}

/* health_fleet_visit's callback: the verdict for one target (health mu and fleet mu
 * held). */
static void visit_target(void *arg, struct health_target *tg)
{
	struct visit *vs = arg;
	struct fleet *f = vs->f;
	struct tinfo t = {.own_up = tg->up, .own_initial = tg->initial, .own_since = tg->since};
	snprintf(t.check, sizeof(t.check), "%s", tg->check->name);
	memcpy(t.addr, tg->addr_text, sizeof(t.addr));
	check_def(tg->check, t.def);
	t.n_nodes = vs->n_nodes;
	if (!tg->initial) {
		t.n_voters = 1;
		t.n_down = !tg->up;
	}
	for (size_t i = 0; i < f->n_obs; i++) {
		const struct fobs *o = &f->obs[i];
		if (strcmp(o->node, f->node) == 0 || strcmp(o->check, t.check) != 0 ||
		    strcmp(o->addr, t.addr) != 0)
			continue;
		if (strcmp(o->def, t.def) != 0) {
			t.n_conflicts++;
			vs->new_conflicts =
			        xrealloc(vs->new_conflicts,
			                 (vs->n_new_conflicts + 1) * sizeof(*vs->new_conflicts));
			snprintf(vs->new_conflicts[vs->n_new_conflicts++], 256, "%s %s %s", o->node,
			         t.check, t.addr);
			continue;
		}
		if (o->initial)
			continue;
		t.n_voters++;
		t.n_down += !o->up;
	}
	vs->n_conflicts += t.n_conflicts;
	if (!vs->connected) {
		t.src = VERDICT_DISCONNECTED;
	} else {
		t.src = verdict_decide(f->quorum, t.n_voters, t.n_down, t.n_nodes, &t.verdict_up);
	}
	tg->fleet = t.src == VERDICT_FLEET ? (int8_t)t.verdict_up : (int8_t)-1;
	vs->ti = xrealloc(vs->ti, (vs->n_ti + 1) * sizeof(*vs->ti));
	vs->ti[vs->n_ti++] = t;
	/* The observation this node publishes. */
	struct want w;
	if (asprintf(&w.key, "%sobs/%s/%s/%s", f->prefix, f->node, t.check, t.addr) < 0)
		return;
	if (asprintf(&w.sig, "%d|%d|%s", tg->up, tg->initial, t.def) < 0) {
		free(w.key);
		return;
	}
	if (asprintf(&w.json, "{\"up\":%s,\"initial\":%s,\"since\":%lld,\"def\":\"%s\"}",
	             tg->up ? "true" : "false", tg->initial ? "true" : "false",
	             (long long)tg->since, t.def) < 0) {
		free(w.key);
		free(w.sig);
		return;
	}
	vs->want = xrealloc(vs->want, (vs->n_want + 1) * sizeof(*vs->want));
	vs->want[vs->n_want++] = w;
}

static void want_free(struct visit *vs)
{
	for (size_t i = 0; i < vs->n_want; i++) {
		free(vs->want[i].key);
		free(vs->want[i].sig);
		free(vs->want[i].json);
	}
	free(vs->want);
	vs->want = NULL;
	vs->n_want = 0;
}

/* Computes every verdict into the health table and the status, and returns what this
 * node should have published (vs->want). */
static void compute(struct fleet *f, struct visit *vs)
{
	want_free(vs);
	*vs = (struct visit){.f = f};
	pthread_mutex_lock(&f->mu);
	vs->connected = f->connected;
	bool me = false;
	for (size_t i = 0; i < f->n_nodes; i++)
		me |= strcmp(f->nodes[i].name, f->node) == 0;
	vs->n_nodes = (unsigned)f->n_nodes + !me;
	health_fleet_visit(f->h, visit_target, vs);
	free(f->ti);
	f->ti = vs->ti;
	f->n_ti = vs->n_ti;
	vs->ti = NULL;
	f->n_conflicts = vs->n_conflicts;
	pthread_mutex_unlock(&f->mu);
	/* Each disagreement is logged once, when first seen. */
	for (size_t i = 0; i < vs->n_new_conflicts; i++) {
		const char *c = vs->new_conflicts[i];
		if (conflict_logged(f, c))
			continue;
		f->conflicts = xrealloc(f->conflicts, (f->n_conflicts_logged + 1) * sizeof(char *));
		f->conflicts[f->n_conflicts_logged++] = xstrdup(c);
		char node[64] = "", check[64] = "", addr[NETADDR_TEXT_MAX] = "";
		sscanf(c, "%63s %63s %45s", node, check, addr);
		log_warn("fleet: node %s runs another definition of check %s for %s than this node "
		         "(%s): its observations are not counted; make the checks the same",
		         node, check, addr, f->node);
	}
	free(vs->new_conflicts);
	vs->new_conflicts = NULL;
}

static void pub_clear(struct fleet *f)
{
	for (size_t i = 0; i < f->n_pub; i++) {
		free(f->pub[i].key);
		free(f->pub[i].sig);
		free(f->pub[i].json);
	}
	f->n_pub = 0;
}

/* Writes what changed since the last publication; deletes what is no longer a target. */
static int publish(struct fleet *f, const struct visit *vs, char *why)
{
	for (size_t i = 0; i < f->n_pub; i++)
		f->pub[i].seen = false;
	for (size_t i = 0; i < vs->n_want; i++) {
		const struct want *w = &vs->want[i];
		struct pub *p = NULL;
		for (size_t j = 0; j < f->n_pub && !p; j++)
			if (strcmp(f->pub[j].key, w->key) == 0)
				p = &f->pub[j];
		if (p && strcmp(p->sig, w->sig) == 0) {
			p->seen = true;
			continue;
		}
		if (etcd_put(f->etcd, w->key, w->json, f->lease, CALL_TIMEOUT_MS, why) != GS_OK)
			return GS_EIO;
		if (!p) {
			f->pub = xrealloc(f->pub, (f->n_pub + 1) * sizeof(*f->pub));
			p = &f->pub[f->n_pub++];
			*p = (struct pub){.key = xstrdup(w->key)};
		}
		free(p->sig);
		free(p->json);
		p->sig = xstrdup(w->sig);
		p->json = xstrdup(w->json);
		p->seen = true;
	}
	for (size_t j = 0; j < f->n_pub;) {
		if (f->pub[j].seen) {
			j++;
			continue;
		}
		if (etcd_delete(f->etcd, f->pub[j].key, CALL_TIMEOUT_MS, why) != GS_OK)
			return GS_EIO;
		free(f->pub[j].key);
		free(f->pub[j].sig);
		free(f->pub[j].json);
		f->pub[j] = f->pub[--f->n_pub];
	}
	return GS_OK;
}

/* ---- forces: the mirror into the health forces ---- */

static bool info_same(const struct health_force_info *a, const struct health_force_info *b)
{
	return a->by == b->by && a->until == b->until && strcmp(a->reason, b->reason) == 0 &&
	       strcmp(a->node, b->node) == 0;
}

static void reconcile_forces(struct fleet *f)
{
	pthread_mutex_lock(&f->mu);
	/* Only a mirror that is complete and current is the truth: never between a
	 * stream's end and the next full read. */
	bool in_sync = f->wthr_started && !f->watch_ended;
	if (!f->forces_dirty || !f->connected || !in_sync) {
		pthread_mutex_unlock(&f->mu);
		return;
	}
	f->forces_dirty = false;
	size_t n = f->n_forces;
	struct fforce *want = xcalloc(n ? n : 1, sizeof(*want));
	for (size_t i = 0; i < n; i++) {
		want[i] = f->forces[i];
		want[i].name = xstrdup(f->forces[i].name);
	}
	pthread_mutex_unlock(&f->mu);
	time_t now = time(NULL);
	struct health_entry *have = NULL;
	size_t n_have = 0;
	if (health_list(f->h, &have, &n_have) != GS_OK)
		n_have = 0;
	/* Set what etcd holds and this node lacks (or holds otherwise). */
	for (size_t i = 0; i < n; i++) {
		const struct fforce *w = &want[i];
		if (w->info.until && w->info.until <= now)
			continue; /* over: health_expire ends it here too */
		bool same = false;
		for (size_t j = 0; j < n_have && !same; j++) {
			const struct health_entry *e = &have[j];
			const char *name = w->is_dc ? e->dc : e->addr;
			if ((w->is_dc ? e->dc[0] != '\0' : e->dc[0] == '\0') &&
			    strcmp(name, w->name) == 0 && e->force == w->f &&
			    info_same(&e->info, &w->info))
				same = true;
		}
		if (same)
			continue;
		int rc;
		struct netaddr a;
		if (w->is_dc)
			rc = health_force_dc_info(f->h, w->name, w->f, &w->info);
		else if (netaddr_parse(w->name, &a) == GS_OK)
			rc = health_force_addr_info(f->h, &a, w->f, &w->info);
		else
			rc = GS_EINVAL;
		if (rc != GS_OK && rc != GS_EIO)
			log_warn("fleet: cannot apply the fleet's force of %s %s (set on node %s): "
			         "%s",
			         w->is_dc ? "datacenter" : "address", w->name,
			         w->node[0] ? w->node : "?", gs_strerror(rc));
		else
			log_info("fleet: applied the force of %s %s set on node %s",
			         w->is_dc ? "datacenter" : "address", w->name,
			         w->node[0] ? w->node : "?");
	}
	/* Remove what this node holds and etcd no longer does. */
	for (size_t j = 0; j < n_have; j++) {
		const struct health_entry *e = &have[j];
		if (e->force == HEALTH_FORCE_AUTO || (e->info.until && e->info.until <= now))
			continue;
		bool is_dc = e->dc[0] != '\0';
		const char *name = is_dc ? e->dc : e->addr;
		bool found = false;
		for (size_t i = 0; i < n && !found; i++)
			found = want[i].is_dc == is_dc && strcmp(want[i].name, name) == 0;
		if (found)
			continue;
		struct netaddr a;
		const struct health_force_info none = {.by = -1};
		int rc = GS_OK;
		if (is_dc)
			rc = health_force_dc_info(f->h, name, HEALTH_FORCE_AUTO, &none);
		else if (netaddr_parse(name, &a) == GS_OK)
			rc = health_force_addr_info(f->h, &a, HEALTH_FORCE_AUTO, &none);
		if (rc == GS_OK || rc == GS_EIO)
			log_info("fleet: removed the force of %s %s: etcd no longer holds it",
			         is_dc ? "datacenter" : "address", name);
	}
	free(have);
	for (size_t i = 0; i < n; i++)
		free(want[i].name);
	free(want);
}

/* ---- the fleet thread ---- */

static void set_state(struct fleet *f, bool connected, const char *why)
{
	pthread_mutex_lock(&f->mu);
	bool changed = f->connected != connected;
	f->connected = connected;
	if (changed || !f->since)
		f->since = time(NULL);
	if (!connected)
		snprintf(f->why, sizeof(f->why), "%s", why);
	else
		f->forces_dirty = true; /* the mirror is the truth again */
	unsigned n_nodes = (unsigned)f->n_nodes;
	pthread_mutex_unlock(&f->mu);
	if (changed && connected) {
		log_info("fleet: connected to etcd (%s) as node %s: %u node%s alive, verdicts by "
		         "quorum %s",
		         etcd_current_url(f->etcd), f->node, n_nodes, n_nodes == 1 ? "" : "s",
		         config_fleet_quorum_name(f->quorum));
		f->ever_connected = true;
	} else if (changed || !f->since_logged) {
		f->since_logged = true;
		log_warn("fleet: degraded: %s; serving from this node's own checks and the last "
		         "known forces until etcd is back",
		         why);
	}
}

static long lease_ttl_s(const struct fleet *f)
{
	return (long)((f->stale_ms + 999) / 1000);
}

/* The I/O of one tick: lease, node key, watch, publication. False on a failure (why). */
static bool tick_io(struct fleet *f, struct visit *vs, char *why)
{
	long long now = mono_ms();
	bool renewed = false;
	if (!f->lease) {
		if (etcd_lease_grant(f->etcd, lease_ttl_s(f), CALL_TIMEOUT_MS, &f->lease, why) !=
		    GS_OK)
			return false;
		pub_clear(f);
		renewed = true;
		f->renew_at_ms = now + f->stale_ms / 3;
	} else if (now >= f->renew_at_ms) {
		long ttl = 0;
		if (etcd_lease_keepalive(f->etcd, f->lease, CALL_TIMEOUT_MS, &ttl, why) != GS_OK)
			return false;
		if (ttl <= 0) {
			snprintf(why, ETCD_WHY_MAX,
			         "this node's lease expired (etcd unreachable for longer than "
			         "stale_after): publishing again under a new one");
			log_warn("fleet: %s", why);
			f->lease = 0;
			pub_clear(f);
			return false;
		}
		renewed = true;
		f->renew_at_ms = now + f->stale_ms / 3;
	}
	if (renewed) {
		char *key = NULL, *val = NULL;
		int rc = GS_EIO;
		if (asprintf(&key, "%snode/%s", f->prefix, f->node) >= 0 &&
		    asprintf(&val, "{\"at\":%lld,\"version\":\"%s\"}", (long long)time(NULL),
		             PACKAGE_VERSION) >= 0)
			rc = etcd_put(f->etcd, key, val, f->lease, CALL_TIMEOUT_MS, why);
		free(key);
		free(val);
		if (rc != GS_OK)
			return false;
	}
	pthread_mutex_lock(&f->mu);
	bool ended = f->watch_ended;
	if (ended)
		snprintf(why, ETCD_WHY_MAX, "%s", f->watch_why);
	pthread_mutex_unlock(&f->mu);
	/* A watch on a member that the calls had to leave (dead, or cut off from the
	 * others and so silent) moves to the member that answers. */
	bool moved = f->wthr_started && f->watch_member != etcd_current_index(f->etcd);
	if (ended || moved || !f->wthr_started) {
		if (ended)
			log_info("fleet: %s; reading the prefix again", why);
		else if (moved)
			log_info("fleet: etcd calls moved to %s: the watch follows",
			         etcd_current_url(f->etcd));
		if (resync(f, why) != GS_OK)
			return false;
	}
	return publish(f, vs, why) == GS_OK;
}

/* How long a node that lost etcd keeps the fleet's verdicts before it falls back to its
 * own checks: a third of stale_after (one lease renewal), so that a leader election
 * or one dead member does not flip answers, while the verdicts it keeps are never
 * older than the observations' own lifetime. */
static long long grace_ms(const struct fleet *f)
{
	return f->stale_ms / 3;
}

static void *fleet_main(void *arg)
{
	struct fleet *f = arg;
	char why[ETCD_WHY_MAX] = "";
	char last_why[ETCD_WHY_MAX] = "not connected yet";
	bool failing = false;
	long long last_ok_ms = 0;
	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		f->kick = false;
		pthread_mutex_unlock(&f->mu);
		struct visit vs = {0};
		compute(f, &vs);
		long long now = mono_ms();
		if (!failing || now >= f->retry_at_ms) {
			if (tick_io(f, &vs, why)) {
				failing = false;
				last_ok_ms = mono_ms();
				f->backoff_ms = 0;
				f->retry_at_ms = 0;
				if (!f->connected) {
					set_state(f, true, "");
					want_free(&vs);
					compute(f, &vs); /* verdicts at once */
				}
			} else {
				failing = true;
				snprintf(last_why, sizeof(last_why), "%s", why);
				watch_stop(f);
				f->backoff_ms = f->backoff_ms ? f->backoff_ms * 2 : BACKOFF_MIN_MS;
				if (f->backoff_ms > BACKOFF_MAX_MS)
					f->backoff_ms = BACKOFF_MAX_MS;
				f->retry_at_ms = mono_ms() + f->backoff_ms;
				if (f->connected)
					log_info("fleet: etcd call failed (%s); trying again", why);
			}
		}
		bool over = !f->connected || mono_ms() - last_ok_ms >= grace_ms(f);
		if (failing && over && (f->connected || !f->since_logged)) {
			set_state(f, false, last_why);
			want_free(&vs);
			compute(f, &vs); /* own checks at once */
		} else if (failing && !f->connected) {
			pthread_mutex_lock(&f->mu); /* the latest reason, for status */
			snprintf(f->why, sizeof(f->why), "%s", last_why);
			pthread_mutex_unlock(&f->mu);
		}
		want_free(&vs);
		reconcile_forces(f);
		pthread_mutex_lock(&f->mu);
		if (f->stop || f->kick)
			continue;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&f->cond, &f->mu, &ts);
	}
	pthread_mutex_unlock(&f->mu);
	watch_stop(f);
	if (f->lease && etcd_lease_revoke(f->etcd, f->lease, CALL_TIMEOUT_MS / 2, why) != GS_OK)
		log_debug("fleet: revoking the lease at exit: %s", why);
	return NULL;
}

/* ---- life cycle ---- */

static char *read_password(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	const char *why;
	if (rfile_read(path, PASSWORD_MAX, &text, &len, NULL, &why) != 0) {
		log_err("fleet: password_file %s: %s", path, why);
		return NULL;
	}
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	return text;
}

int fleet_new(const struct cfg *cfg, struct health *h, struct fleet **out)
{
	const struct cfg_fleet *cf = cfg->fleet;
	char host[256] = "";
	const char *node = cf->node;
	if (!node && cfg->identity && cfg->identity[0])
		node = cfg->identity;
	if (!node) {
		if (gethostname(host, sizeof(host) - 1) != 0 || !host[0]) {
			log_err("fleet: no node name (set fleet.node)");
			return GS_EIO;
		}
		char *dot = strchr(host, '.');
		if (dot)
			*dot = '\0';
		node = host;
	}
	if (strchr(node, '/') || strlen(node) > CFG_FLEET_NODE_MAX) {
		log_err("fleet: the node name '%s' cannot be a key element (set fleet.node)", node);
		return GS_EIO;
	}
	char *password = cf->password ? xstrdup(cf->password) : NULL;
	if (cf->password_file && !(password = read_password(cf->password_file)))
		return GS_EIO;
	struct fleet *f = xcalloc(1, sizeof(*f));
	f->h = h;
	f->etcd = etcd_new(cf, password);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	f->prefix = xstrdup(cf->prefix);
	f->node = xstrdup(node);
	f->quorum = cf->quorum;
	f->stale_ms = cf->stale_after_ms;
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cond, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(f->why, sizeof(f->why), "not connected yet");
	f->since = time(NULL);
	*out = f;
	return GS_OK;
}

int fleet_start(struct fleet *f)
{
	int rc = thread_spawn(&f->thr, fleet_main, f);
	if (rc != 0) {
		log_err("fleet: cannot start its thread: %s", strerror(rc));
		return GS_EIO;
	}
	f->thr_started = true;
	log_info("fleet: node %s, etcd %s, prefix %s, quorum %s, stale_after %u ms", f->node,
	         etcd_current_url(f->etcd), f->prefix, config_fleet_quorum_name(f->quorum),
	         f->stale_ms);
	return GS_OK;
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	if (f->thr_started) {
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		pthread_cond_signal(&f->cond);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thr, NULL);
	}
	store_clear(f);
	free(f->obs);
	free(f->nodes);
	free(f->forces);
	free(f->ti);
	pub_clear(f);
	free(f->pub);
	for (size_t i = 0; i < f->n_conflicts_logged; i++)
		free(f->conflicts[i]);
	free(f->conflicts);
	etcd_free(f->etcd);
	free(f->prefix);
	free(f->node);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* ---- forces from the control thread ---- */

int fleet_force(struct fleet *f, const char *what, bool is_addr, enum health_force force,
                const struct health_force_info *info, char *why, size_t cap)
{
	char ewhy[ETCD_WHY_MAX];
	char *key = NULL, *val = NULL;
	int rc = GS_EIO;
	if (asprintf(&key, "%sforce/%s/%s", f->prefix, is_addr ? "addr" : "dc", what) < 0) {
		snprintf(why, cap, "out of memory");
		return GS_EIO;
	}
	if (force == HEALTH_FORCE_AUTO) {
		rc = etcd_delete(f->etcd, key, FORCE_TIMEOUT_MS, ewhy);
	} else {
		struct json_object *v = json_object_new_object();
		json_object_object_add(v, "state",
		                       json_object_new_string(health_force_name(force)));
		json_object_object_add(v, "by", json_object_new_int64(info->by));
		json_object_object_add(v, "at", json_object_new_int64((int64_t)info->at));
		json_object_object_add(v, "until", json_object_new_int64((int64_t)info->until));
		json_object_object_add(v, "reason", json_object_new_string(info->reason));
		json_object_object_add(v, "node", json_object_new_string(f->node));
		val = xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		json_object_put(v);
		int64_t lease = 0;
		rc = GS_OK;
		if (info->until) {
			/* The key goes by itself a little after the force ends everywhere. */
			time_t left = info->until - time(NULL);
			rc = etcd_lease_grant(f->etcd,
			                      (long)(left > 0 ? left : 0) + FORCE_LEASE_SLACK_S,
			                      FORCE_TIMEOUT_MS, &lease, ewhy);
		}
		if (rc == GS_OK)
			rc = etcd_put(f->etcd, key, val, lease, FORCE_TIMEOUT_MS, ewhy);
	}
	if (rc == GS_OK) {
		/* The mirror has it now, so that no look at it before the watch event
		 * undoes the local force the caller applies next. */
		pthread_mutex_lock(&f->mu);
		store_apply(f, force == HEALTH_FORCE_AUTO, key, val ? val : "");
		pthread_mutex_unlock(&f->mu);
		log_info("fleet: %s %s forced %s in etcd for every node",
		         is_addr ? "address" : "datacenter", what, health_force_name(force));
	} else {
		snprintf(why, cap, "etcd is unreachable (%s)", ewhy);
	}
	free(key);
	free(val);
	return rc;
}

const char *fleet_node(const struct fleet *f)
{
	return f->node;
}

/* ---- text for status, metrics and explain ---- */

static char *close_text(FILE *m, char **buf)
{
	fclose(m);
	return *buf;
}

static bool has_node(const struct fleet *f, const char *name)
{
	for (size_t i = 0; i < f->n_nodes; i++)
		if (strcmp(f->nodes[i].name, name) == 0)
			return true;
	return false;
}

void fleet_status_kv(struct fleet *f, struct kv *k)
{
	static const char *const src_names[] = {[VERDICT_FLEET] = "fleet",
	                                        [VERDICT_NO_QUORUM] = "no_quorum",
	                                        [VERDICT_DISCONNECTED] = "disconnected"};
	char t[TIMEFMT_UTC_MAX];
	pthread_mutex_lock(&f->mu);
	timefmt_utc(f->since, t);
	const char *url = etcd_current_url(f->etcd);
	const char *quorum = config_fleet_quorum_name(f->quorum);
	if (f->connected)
		kv_put(k, "fleet",
		       KV_F(KV_BOOL("connected", true), KV_STR("etcd", url),
		            KV_STR("node", f->node), KV_STR("since", t), KV_STR("quorum", quorum),
		            KV_UINT("stale_after_ms", f->stale_ms)),
		       "connected to etcd %s as node %s since %s (quorum %s, stale_after %u ms)",
		       url, f->node, t, quorum, f->stale_ms);
	else
		kv_put(k, "fleet",
		       KV_F(KV_BOOL("connected", false), KV_STR("node", f->node),
		            KV_STR("since", t), KV_STR("reason", f->why), KV_STR("quorum", quorum),
		            KV_UINT("stale_after_ms", f->stale_ms)),
		       "DEGRADED since %s: %s; node %s serves from its own checks and the last "
		       "known forces",
		       t, f->why, f->node);
	const char **names = xcalloc(f->n_nodes ? f->n_nodes : 1, sizeof(*names));
	struct kv_json text = {0};
	kv_json_raw(&text, "%zu alive:", f->n_nodes);
	for (size_t i = 0; i < f->n_nodes; i++) {
		names[i] = f->nodes[i].name;
		kv_json_raw(&text, " %s", f->nodes[i].name);
	}
	bool seen = has_node(f, f->node);
	if (!seen)
		kv_json_raw(&text, " (this node %s not seen)", f->node);
	kv_put(k, "nodes",
	       KV_F(KV_UINT("alive", f->n_nodes), KV_STRS("names", names, f->n_nodes),
	            KV_BOOL("this_node_seen", seen)),
	       "%s", kv_json_text(&text));
	kv_json_free(&text);
	free(names);
	size_t n_src[3] = {0};
	for (size_t i = 0; i < f->n_ti; i++)
		n_src[f->ti[i].src]++;
	kv_put(k, "verdicts",
	       KV_F(KV_UINT("addresses", f->n_ti), KV_UINT("fleet", n_src[VERDICT_FLEET]),
	            KV_UINT("no_quorum", n_src[VERDICT_NO_QUORUM]),
	            KV_UINT("disconnected", n_src[VERDICT_DISCONNECTED])),
	       "%zu address%s: %zu by the fleet, %zu by own checks (no quorum), %zu by own "
	       "checks (disconnected)",
	       f->n_ti, f->n_ti == 1 ? "" : "es", n_src[VERDICT_FLEET], n_src[VERDICT_NO_QUORUM],
	       n_src[VERDICT_DISCONNECTED]);
	kv_put_as(k, "fleet_forces", "fleet forces", KV_F(KV_UINT("count", f->n_forces)),
	          "%zu in etcd", f->n_forces);
	kv_array(k, "conflict");
	for (size_t i = 0; i < f->n_ti; i++) {
		const struct tinfo *ti = &f->ti[i];
		if (ti->n_conflicts)
			kv_item(k, "conflict",
			        KV_F(KV_STR("check", ti->check), KV_STR("address", ti->addr),
			             KV_UINT("nodes", ti->n_conflicts),
			             KV_STR("source", src_names[ti->src])),
			        "check %s for %s: %u node%s run another definition (not counted)",
			        ti->check, ti->addr, ti->n_conflicts,
			        ti->n_conflicts == 1 ? "" : "s");
	}
	pthread_mutex_unlock(&f->mu);
}

char *fleet_metrics_text(struct fleet *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	pthread_mutex_lock(&f->mu);
	fprintf(m,
	        "# HELP geosteer_fleet_connected 1 while this node talks to etcd with a live "
	        "lease, 0 while degraded (own checks, last known forces)\n"
	        "# TYPE geosteer_fleet_connected gauge\ngeosteer_fleet_connected %d\n",
	        f->connected ? 1 : 0);
	fprintf(m,
	        "# HELP geosteer_fleet_nodes_seen Nodes whose lease is alive in etcd\n"
	        "# TYPE geosteer_fleet_nodes_seen gauge\ngeosteer_fleet_nodes_seen %zu\n",
	        f->n_nodes);
	fprintf(m,
	        "# HELP geosteer_fleet_conflicts Observations of other nodes not counted because "
	        "their check definition differs\n"
	        "# TYPE geosteer_fleet_conflicts gauge\ngeosteer_fleet_conflicts %u\n",
	        f->n_conflicts);
	fprintf(m, "# HELP geosteer_fleet_verdict_source What decides each monitored address: the "
	           "fleet, or this node's own check (no quorum, disconnected)\n"
	           "# TYPE geosteer_fleet_verdict_source gauge\n");
	for (size_t i = 0; i < f->n_ti; i++) {
		for (int s = VERDICT_FLEET; s <= VERDICT_DISCONNECTED; s++)
			fprintf(m,
			        "geosteer_fleet_verdict_source{check=\"%s\",address=\"%s\",source="
			        "\"%s\"} "
			        "%d\n",
			        f->ti[i].check, f->ti[i].addr, verdict_source_label(s),
			        f->ti[i].src == (enum verdict_source)s);
	}
	fprintf(m, "# HELP geosteer_fleet_observations_down Fresh observations that say down, this "
	           "node's included\n# TYPE geosteer_fleet_observations_down gauge\n");
	for (size_t i = 0; i < f->n_ti; i++)
		fprintf(m, "geosteer_fleet_observations_down{check=\"%s\",address=\"%s\"} %u\n",
		        f->ti[i].check, f->ti[i].addr, f->ti[i].n_down);
	pthread_mutex_unlock(&f->mu);
	return close_text(m, &buf);
}

/* True when addr occurs in text as a whole address (not inside a longer one). */
static bool mentions(const char *text, const char *addr)
{
	size_t n = strlen(addr);
	for (const char *p = strstr(text, addr); p; p = strstr(p + 1, addr)) {
		char before = p == text ? ' ' : p[-1], after = p[n];
		bool edge_b =
		        !(before == '.' || before == ':' || (before >= '0' && before <= '9') ||
		          (before >= 'a' && before <= 'f'));
		bool edge_a = !(after == '.' || after == ':' || (after >= '0' && after <= '9') ||
		                (after >= 'a' && after <= 'f') || after == '/');
		if (edge_b && edge_a)
			return true;
	}
	return false;
}

static long long age_s(long long now, long long then)
{
	return then && now > then ? now - then : 0;
}

void fleet_explain_kv(struct fleet *f, const char *shown, struct kv *k)
{
	long long now = (long long)time(NULL);
	pthread_mutex_lock(&f->mu);
	const char *quorum = config_fleet_quorum_name(f->quorum);
	for (size_t i = 0; i < f->n_ti; i++) {
		const struct tinfo *t = &f->ti[i];
		if (!mentions(shown, t->addr))
			continue;
		if (t->src == VERDICT_FLEET)
			kv_item(k, "fleet",
			        KV_F(KV_STR("check", t->check), KV_STR("address", t->addr),
			             KV_BOOL("up", t->verdict_up), KV_STR("by", "fleet"),
			             KV_STR("quorum", quorum), KV_UINT("down", t->n_down),
			             KV_UINT("observations", t->n_voters),
			             KV_UINT("nodes_alive", t->n_nodes)),
			        "check %s %s: %s by the fleet (quorum %s: %u of %u fresh "
			        "observations "
			        "say down, %u node%s alive)",
			        t->check, t->addr, t->verdict_up ? "up" : "down", quorum, t->n_down,
			        t->n_voters, t->n_nodes, t->n_nodes == 1 ? "" : "s");
		else
			kv_item(k, "fleet",
			        KV_F(KV_STR("check", t->check), KV_STR("address", t->addr),
			             KV_BOOL("up", t->own_up),
			             KV_STR("by", t->src == VERDICT_NO_QUORUM ? "own_no_quorum"
			                                                      : "own_disconnected"),
			             KV_STR("quorum", quorum), KV_UINT("down", t->n_down),
			             KV_UINT("observations", t->n_voters),
			             KV_UINT("nodes_alive", t->n_nodes)),
			        "check %s %s: %s by this node's own check, %s (%u of %u fresh "
			        "observations say down)",
			        t->check, t->addr, t->own_up ? "up" : "down",
			        t->src == VERDICT_NO_QUORUM ? "no quorum" : "etcd not reachable",
			        t->n_down, t->n_voters);
		long long own_for = age_s(now, t->own_since);
		kv_item_as(k, "node", "  node",
		           KV_F(KV_STR("check", t->check), KV_STR("address", t->addr),
		                KV_STR("node", f->node), KV_BOOL("this_node", true),
		                KV_BOOL("up", t->own_up), KV_BOOL("no_result_yet", t->own_initial),
		                KV_BOOL("counted", true), KV_INT("for_s", own_for),
		                KV_INT("confirmed_s_ago", 0)),
		           "%s (this node): %s%s, for %lld s, observed now", f->node,
		           t->own_up ? "up" : "down", t->own_initial ? " (no result yet)" : "",
		           own_for);
		for (size_t j = 0; j < f->n_obs; j++) {
			const struct fobs *o = &f->obs[j];
			if (strcmp(o->node, f->node) == 0 || strcmp(o->check, t->check) != 0 ||
			    strcmp(o->addr, t->addr) != 0)
				continue;
			long long renewed = 0;
			for (size_t n = 0; n < f->n_nodes; n++)
				if (strcmp(f->nodes[n].name, o->node) == 0)
					renewed = f->nodes[n].at;
			bool other_def = strcmp(o->def, t->def) != 0;
			long long o_for = age_s(now, o->since), o_ago = age_s(now, renewed);
			kv_item_as(k, "node", "  node",
			           KV_F(KV_STR("check", t->check), KV_STR("address", t->addr),
			                KV_STR("node", o->node), KV_BOOL("this_node", false),
			                KV_BOOL("up", o->up), KV_BOOL("no_result_yet", o->initial),
			                KV_BOOL("counted", !other_def), KV_INT("for_s", o_for),
			                KV_INT("confirmed_s_ago", o_ago)),
			           "%s: %s%s%s, for %lld s, confirmed %lld s ago", o->node,
			           o->up ? "up" : "down", o->initial ? " (no result yet)" : "",
			           other_def ? " (another check definition: not counted)" : "",
			           o_for, o_ago);
		}
	}
	pthread_mutex_unlock(&f->mu);
}
