/* SPDX-License-Identifier: MIT
 * control.c -- the daemon's control plane (control.h): the control sockets, the line
 * protocol on the connection server (connsrv.h: its own thread and libev loop, so a
 * slow or stuck client never touches a worker; a bounded request size and a timeout
 * for each direction), and the commands (status, health, force, stats, reload,
 * explain, help). `reload` runs synchronously on the control thread through
 * server/load/reload.c, off the query path. */
#include <config.h>

#include "server/ctl/control.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "geoip/geo.h"
#include "geoip/geodb.h"
#include "server/query/answer.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/netaddr.h"
#include "server/base/timefmt.h"
#include "server/base/xalloc.h"
#include "server/ctl/connsrv.h"
#include "server/ctl/ctl_proto.h"
#include "server/ctl/explain.h"
#include "server/ctl/ctl_health_json.h"
#include "server/base/kv.h"
#include "server/fleet/fleet.h"
#include "server/health/state_file.h"
#include "server/load/reload.h"
#include "server/query/snapshot.h"
#include "server/query/steer.h"

/* One listening socket: the control socket (every command) or the read-only one. */
struct ctl_sock {
	struct control *c;
	int fd; /* -1 without one */
	bool is_readonly;
	char *path;
	dev_t dev;
	ino_t ino;
};

struct control {
	const struct cfg *cfg; /* the start configuration */
	struct health *health;
	/* Reloads, the monitor, and the lock that keeps the published snapshot alive while
	 * status and explain read it (borrowed). */
	struct reload *rl;
	struct fleet *fleet; /* NULL without fleet: */
	/* explain's own handle on the GeoIP databases, opened at the first explain of a
	 * generation. */
	struct geo_db *ex_db;
	uint64_t ex_db_generation;

	time_t started;
	struct timespec started_mono;

	/* The control socket, then the read-only one. */
	struct ctl_sock socks[2];

	/* Serves both sockets on its thread; NULL when it does not run. */
	struct connsrv *srv;
	struct answer_ctx *const *actx; /* the workers' answer contexts, for their counters */
	unsigned n_ctx;
	unsigned n_workers;
	/* The uid of the client whose request is being answered (SO_PEERCRED), -1 when
	 * unknown. Control thread: set before each command runs. */
	long long peer_uid;
};

/* ---------------------------------------------------------------- commands */

/* A command's records (kv.h), rendered as text lines or, after the word --json, as one
 * JSON object; either way sent as data lines. */
struct kv_reply {
	FILE *f;
	char *text;
	size_t len;
	struct kv *kv;
};

/* Starts r for a command whose only optional word w[1] is --json. Returns false (and
 * answers ERR) when it is another word or memory runs out. */
static bool reply_open(struct kv_reply *r, char **w, size_t n, struct ctl_out *o, int width)
{
	bool json = n > 1;
	if (json && strcmp(w[1], "--json") != 0) {
		ctl_out_err(o, "%s: unknown option '%.64s' (only --json)", w[0], w[1]);
		return false;
	}
	*r = (struct kv_reply){0};
	r->f = open_memstream(&r->text, &r->len);
	if (!r->f) {
		ctl_out_err(o, "%s: out of memory", w[0]);
		return false;
	}
	r->kv = kv_new(json ? KV_JSON : KV_TEXT, r->f, width);
	return true;
}

/* Ends r: its lines as data lines, then OK. */
static void reply_close(struct kv_reply *r, struct ctl_out *o)
{
	kv_finish(r->kv);
	fclose(r->f);
	ctl_out_text(o, r->text);
	free(r->text);
	ctl_out_ok(o, "%s", "");
}

static void cmd_help(struct control *c, char **w, size_t n, struct ctl_out *o);

/* The signing of a zone geosteer signs (name: its origin as text): when, until when,
 * when it is re-signed, and one line per key. */
static void status_dnssec(struct kv *o, const struct zone *z, const char *name)
{
	static const char *const roles[] = {
	        [ZONE_KEY_KSK] = "KSK",
	        [ZONE_KEY_ZSK] = "ZSK",
	        [ZONE_KEY_CSK] = "CSK",
	        [ZONE_KEY_PUBLISHED] = "published (signs nothing)",
	};
	char at[TIMEFMT_UTC_MAX], until[TIMEFMT_UTC_MAX], due[TIMEFMT_UTC_MAX];
	timefmt_utc((time_t)z->signed_at, at);
	timefmt_utc((time_t)z->sig_expires, until);
	timefmt_utc((time_t)(z->sig_expires - (z->sig_expires - z->signed_at) / 4), due);
	kv_item(o, "dnssec",
	        KV_F(KV_STR("zone", name), KV_STR("signed", at), KV_STR("expires", until),
	             KV_STR("resign_from", due)),
	        "%s signed %s, signatures expire %s, re-signed from %s", name, at, until, due);
	for (size_t k = 0; k < z->n_keys; k++) {
		const struct zone_key_info *ki = &z->keys[k];
		const char *role = ki->role < GS_ARRAY_LEN(roles) ? roles[ki->role] : "?";
		kv_item(o, "key",
		        KV_F(KV_STR("zone", name), KV_UINT("tag", ki->tag),
		             KV_UINT("algorithm", ki->algorithm), KV_UINT("flags", ki->flags),
		             KV_STR("role", role)),
		        "%s tag %u, algorithm %u, flags %u, %s", name, ki->tag, ki->algorithm,
		        ki->flags, role);
	}
}

/* How many forces there are, how many of them are timed, and when the next one ends
 * (`health` lists them). */
static void status_forces(struct control *c, struct kv *o)
{
	struct health_entry *v = NULL;
	size_t n = 0, n_forces = 0, n_timed = 0;
	if (health_list(c->health, &v, &n) != GS_OK)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].force == HEALTH_FORCE_AUTO)
			continue;
		/* An address monitored under two checks has two rows, one force. */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !v[i].dc[0] && !v[j].dc[0] && v[j].force != HEALTH_FORCE_AUTO &&
			       strcmp(v[i].addr, v[j].addr) == 0;
		if (seen)
			continue;
		n_forces++;
		n_timed += v[i].info.until != 0;
	}
	free(v);
	time_t next = health_next_expiry(c->health);
	char t[TIMEFMT_UTC_MAX];
	timefmt_utc(next, t);
	kv_put(o, "forces",
	       KV_F(KV_UINT("count", n_forces), KV_UINT("timed", n_timed),
	            KV_STR("next_end", n_timed ? t : NULL)),
	       "%zu (%zu timed%s%s)", n_forces, n_timed, n_timed ? ", next ends " : "",
	       n_timed ? t : "");
}

/* How long the load, reload or re-sign that made s took, and its zone-file and
 * steering parts (JSON numbers in seconds, to the microsecond). */
static void status_load_time(struct kv *k, const struct snapshot *s)
{
	char total[32], zones[32], steer[32];
	snprintf(total, sizeof(total), "%.6f", s->load_s);
	snprintf(zones, sizeof(zones), "%.6f", s->zones_s);
	snprintf(steer, sizeof(steer), "%.6f", s->steer_s);
	kv_put(k, "load_time",
	       KV_F(KV_RAW("seconds", total), KV_RAW("zone_files_seconds", zones),
	            KV_RAW("steering_seconds", steer)),
	       "%.3f s (zone files %.3f s, steering %.3f s)", s->load_s, s->zones_s, s->steer_s);
}

static void cmd_status(struct control *c, char **w, size_t n, struct ctl_out *o)
{
	struct kv_reply rp;
	if (!reply_open(&rp, w, n, o, 12))
		return;
	struct kv *k = rp.kv;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	char t[TIMEFMT_UTC_MAX];
	reload_lock(c->rl);
	const struct snapshot *s = snapshot_current();
	const char *db_path = reload_db_path(c->rl);
	struct reload_counters rc;
	reload_counters(c->rl, &rc);
	kv_put(k, "version",
	       KV_F(KV_STR("program", "geosteerd"), KV_STR("number", PACKAGE_VERSION)),
	       "geosteerd %s", PACKAGE_VERSION);
	kv_put(k, "pid", KV_F(KV_INT("", getpid())), "%ld", (long)getpid());
	timefmt_utc(c->started, t);
	long long up = (long long)(now.tv_sec - c->started_mono.tv_sec);
	kv_put(k, "uptime", KV_F(KV_INT("seconds", up), KV_STR("started", t)),
	       "%lld s (started %s)", up, t);
	kv_put(k, "config", KV_F(KV_STR("", c->cfg->path)), "%s", c->cfg->path);
	if (s) {
		timefmt_utc(s->loaded_at, t);
		kv_put(k, "generation", KV_F(KV_UINT("number", s->generation), KV_STR("loaded", t)),
		       "%llu (loaded %s)", (unsigned long long)s->generation, t);
		status_load_time(k, s);
	}
	timefmt_utc(rc.last_failure, t);
	kv_put(k, "reloads",
	       KV_F(KV_UINT("ok", rc.ok), KV_UINT("failed", rc.failed),
	            KV_STR("last_failure", rc.failed ? t : NULL)),
	       "%llu ok, %llu failed%s%s", (unsigned long long)rc.ok, (unsigned long long)rc.failed,
	       rc.failed ? ", last failure " : "", rc.failed ? t : "");
	timefmt_utc(rc.last_resign, t);
	kv_put(k, "re-signs",
	       KV_F(KV_UINT("ok", rc.resign_ok), KV_UINT("failed", rc.resign_failed),
	            KV_STR("last", rc.resign_ok ? t : NULL)),
	       "%llu ok, %llu failed%s%s", (unsigned long long)rc.resign_ok,
	       (unsigned long long)rc.resign_failed, rc.resign_ok ? ", last " : "",
	       rc.resign_ok ? t : "");
	kv_put(k, "workers", KV_F(KV_UINT("", c->n_workers)), "%u", c->n_workers);
	if (s) {
		size_t records = snapshot_count_records(s);
		kv_put(k, "zones", KV_F(KV_UINT("count", s->zones.n), KV_UINT("records", records)),
		       "%zu (%zu records)", s->zones.n, records);
		kv_array(k, "zone");
		for (size_t i = 0; i < s->zones.n; i++) {
			const struct zone *z = s->zones.zones[i];
			char name[DNAME_TEXT_MAX];
			dname_to_text(z->origin, name);
			kv_item(k, "zone",
			        KV_F(KV_STR("name", name), KV_UINT("serial", z->serial),
			             KV_UINT("records", z->n_records), KV_STR("file", z->file)),
			        "%s serial %u, %zu records, %s", name, (unsigned)z->serial,
			        z->n_records, z->file);
			if (z->signed_at)
				status_dnssec(k, z, name);
		}
	}
	if (!db_path) {
		kv_put(k, "geoip", KV_F(KV_STR("path", NULL)), "none");
	} else if (s && s->geoip.epoch) {
		timefmt_utc((time_t)s->geoip.epoch, t);
		const char *type = s->geoip.type[0] ? s->geoip.type : "?";
		kv_put(k, "geoip",
		       KV_F(KV_STR("path", db_path), KV_STR("type", type),
		            KV_UINT("epoch", s->geoip.epoch), KV_STR("built", t)),
		       "%s (%s), build epoch %llu (%s)", db_path, type,
		       (unsigned long long)s->geoip.epoch, t);
	} else {
		kv_put(k, "geoip", KV_F(KV_STR("path", db_path), KV_RAW("epoch", "null")),
		       "%s (build epoch unknown)", db_path);
	}
	size_t n_targets = s && s->health ? health_table_n_targets(s->health) : 0;
	if (reload_has_monitor(c->rl))
		kv_put(k, "monitor",
		       KV_F(KV_BOOL("running", true), KV_UINT("addresses", n_targets)),
		       "running, %zu monitored address%s", n_targets, n_targets == 1 ? "" : "es");
	else
		kv_put(k, "monitor", KV_F(KV_BOOL("running", false), KV_UINT("addresses", 0)),
		       "off (no service has a check)");
	status_forces(c, k);
	kv_put(k, "state_file", KV_F(KV_STR("path", c->cfg->state_file)), "%s",
	       c->cfg->state_file ? c->cfg->state_file : "none (forces last until exit)");
	reload_unlock(c->rl);
	if (c->fleet)
		fleet_status_kv(c->fleet, k);
	reply_close(&rp, o);
}

static void cmd_health(struct control *c, char **w, size_t n, struct ctl_out *o)
{
	if (n > 1) {
		/* JSON: the rows of the table as objects (ctl_health_json.c). */
		struct kv_reply rp;
		if (!reply_open(&rp, w, n, o, 0))
			return;
		if (!kv_is_json(rp.kv) || ctl_health_json(c->health, rp.kv) != GS_OK) {
			kv_finish(rp.kv);
			fclose(rp.f);
			free(rp.text);
			ctl_out_err(o, "cannot list the health states");
			return;
		}
		/* What answers see per datacenter, from the snapshot served now. */
		reload_lock(c->rl);
		const struct snapshot *s = snapshot_current();
		ctl_health_json_dcs(s ? s->steer : NULL, rp.kv);
		reload_unlock(c->rl);
		reply_close(&rp, o);
		return;
	}
	char *text = NULL;
	if (health_format(c->health, &text) != GS_OK) {
		ctl_out_err(o, "cannot list the health states");
		return;
	}
	ctl_out_text(o, text);
	free(text);
	ctl_out_ok(o, "%s", "");
}

/* Reads force's optional words w[0 .. n): for=SECONDS and reason=PERCENT-ENCODED, into
 * info (its until from now). Returns NULL, or what is wrong (in why). */
static const char *force_options(char **w, size_t n, enum health_force f, time_t now,
                                 struct health_force_info *info, char *why, size_t cap)
{
	for (size_t i = 0; i < n; i++) {
		if (strncmp(w[i], "for=", 4) == 0) {
			const char *v = w[i] + 4;
			char *end;
			errno = 0;
			long long secs = strtoll(v, &end, 10);
			if (*v < '0' || *v > '9' || *end || errno || secs < 1 ||
			    secs > HEALTH_FORCE_FOR_MAX) {
				snprintf(why, cap,
				         "'%.64s' is not a number of seconds from 1 to %lld", v,
				         HEALTH_FORCE_FOR_MAX);
				return why;
			}
			if (f == HEALTH_FORCE_AUTO) {
				snprintf(why, cap, "auto removes the force: it takes no for=");
				return why;
			}
			info->until = now + (time_t)secs;
		} else if (strncmp(w[i], "reason=", 7) == 0) {
			if (!state_file_decode(w[i] + 7, info->reason, sizeof(info->reason))) {
				snprintf(why, cap,
				         "bad reason= (percent-encoded text of at most %d bytes)",
				         HEALTH_REASON_MAX - 1);
				return why;
			}
			for (const char *p = info->reason; *p; p++) {
				if ((unsigned char)*p < 0x20 || *p == 0x7f) {
					snprintf(why, cap, "the reason holds a control character");
					return why;
				}
			}
		} else {
			snprintf(why, cap,
			         "unknown option '%.64s' (expected for=SECONDS or reason=TEXT)",
			         w[i]);
			return why;
		}
	}
	return NULL;
}

static void cmd_force(struct control *c, char **w, size_t n, struct ctl_out *o)
{
	const char *what = w[1];
	enum health_force f;
	if (health_force_parse(w[2], &f) != GS_OK) {
		ctl_out_err(o, "force: '%s' is not up, down or auto", w[2]);
		return;
	}
	/* Rounded up to the next second: a force for N seconds lasts at least N. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	time_t now = ts.tv_sec + (ts.tv_nsec > 0);
	struct health_force_info info = {.by = c->peer_uid, .at = ts.tv_sec};
	char why[160];
	if (c->fleet)
		snprintf(info.node, sizeof(info.node), "%s", fleet_node(c->fleet));
	if (force_options(w + 3, n - 3, f, now, &info, why, sizeof(why))) {
		ctl_out_err(o, "force: %s", why);
		return;
	}
	struct netaddr a;
	bool is_addr = netaddr_parse(what, &a) == GS_OK;
	/* With fleet:, etcd first: every node applies it, this one too (below). */
	char text[NETADDR_TEXT_MAX];
	if (is_addr)
		netaddr_format(&a, text);
	if (c->fleet && fleet_force(c->fleet, is_addr ? text : what, is_addr, f, &info, why,
	                            sizeof(why)) != GS_OK) {
		ctl_out_err(o,
		            "force: %s: not forced (with fleet:, a force goes through etcd so "
		            "that every node applies it)",
		            why);
		return;
	}
	int rc = is_addr ? health_force_addr_info(c->health, &a, f, &info)
	                 : health_force_dc_info(c->health, what, f, &info);
	/* A name no service has does not stay in etcd for the other nodes. */
	if (c->fleet && f != HEALTH_FORCE_AUTO && (rc == GS_ENOENT || rc == GS_EINVAL) &&
	    fleet_force(c->fleet, is_addr ? text : what, is_addr, HEALTH_FORCE_AUTO, &info, why,
	                sizeof(why)) != GS_OK)
		log_warn("control: force: cannot take back the force of '%s' from etcd: %s", what,
		         why);
	char state[96];
	if (f == HEALTH_FORCE_AUTO) {
		snprintf(state, sizeof(state), "auto (back to its checks)");
	} else if (info.until) {
		char until[TIMEFMT_UTC_MAX];
		timefmt_utc(info.until, until);
		snprintf(state, sizeof(state), "%s until %s", w[2], until);
	} else {
		snprintf(state, sizeof(state), "%s", w[2]);
	}
	switch (rc) {
	case GS_OK:
		ctl_out_ok(o, "%s %s forced %s", is_addr ? "address" : "datacenter", what, state);
		break;
	case GS_ENOENT:
		if (is_addr)
			ctl_out_err(o, "force: no service lists the address %s", what);
		else
			ctl_out_err(o, "force: no service has a datacenter named '%s'", what);
		break;
	case GS_EINVAL:
		ctl_out_err(o, "force: '%s' is neither a datacenter name nor an address", what);
		break;
	case GS_EIO:
		ctl_out_err(o,
		            "%s forced %s, but the state file %s could not be written (see the "
		            "daemon's log): the force will not survive a restart",
		            what, state, c->cfg->state_file ? c->cfg->state_file : "?");
		break;
	default:
		ctl_out_err(o, "force: %s", gs_strerror(rc));
		break;
	}
}

/* One counter of stats: "NAME: N", in JSON a number. */
static void stat_put(struct kv *k, const char *name, uint64_t v)
{
	kv_put(k, name, KV_F(KV_UINT("", v)), "%llu", (unsigned long long)v);
}

static void cmd_stats(struct control *c, char **w, size_t n, struct ctl_out *o)
{
	struct kv_reply rp;
	if (!reply_open(&rp, w, n, o, 0))
		return;
	struct kv *k = rp.kv;
	struct answer_stats sum;
	answer_stats_sum(c->actx, c->n_ctx, &sum);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long up = (long long)(now.tv_sec - c->started_mono.tv_sec);
	kv_put(k, "uptime", KV_F(KV_INT("", up)), "%lld", up);
	stat_put(k, "workers", c->n_workers);
	stat_put(k, "queries", sum.queries);
	stat_put(k, "udp", sum.udp);
	stat_put(k, "tcp", sum.tcp);
	stat_put(k, "truncated", sum.truncated);
	stat_put(k, "dropped", sum.dropped);
	stat_put(k, "edns", sum.edns);
	stat_put(k, "ecs", sum.ecs);
	stat_put(k, "rrl_dropped", sum.rrl_dropped);
	stat_put(k, "rrl_slipped", sum.rrl_slipped);
	stat_put(k, "cookie_new", sum.cookie_new);
	stat_put(k, "cookie_valid", sum.cookie_valid);
	stat_put(k, "cookie_invalid", sum.cookie_invalid);
	stat_put(k, "all_down_open", sum.all_down[CFG_ALL_DOWN_OPEN]);
	stat_put(k, "all_down_servfail", sum.all_down[CFG_ALL_DOWN_SERVFAIL]);
	stat_put(k, "all_down_nodata", sum.all_down[CFG_ALL_DOWN_NODATA]);
	stat_put(k, "dnstap_sent", sum.dnstap_sent);
	stat_put(k, "dnstap_written", sum.dnstap_written);
	stat_put(k, "dnstap_dropped", sum.dnstap_full + sum.dnstap_lost);
	for (unsigned r = 0; r < GS_ARRAY_LEN(sum.rcode); r++) {
		const char *name = answer_rcode_name(r);
		/* The common ones always (scripts can rely on them), others when seen. */
		if (r <= 5 || sum.rcode[r] > 0) {
			char key[32];
			if (name)
				snprintf(key, sizeof(key), "rcode.%s", name);
			else
				snprintf(key, sizeof(key), "rcode.%u", r);
			stat_put(k, key, sum.rcode[r]);
		}
	}
	reply_close(&rp, o);
}

static void cmd_reload(struct control *c, char **w, size_t n, struct ctl_out *o)
{
	struct diag d;
	diag_init(&d);
	char summary[512];
	int rc = reload_run(c->rl, &d, summary, sizeof(summary));
	/* The daemon's log gets the same lines as the client. */
	diag_log(&d);
	for (size_t i = 0; i < d.n; i++)
		ctl_out_text(o, d.v[i].text);
	if (rc == GS_OK) {
		log_info("control: %s", summary);
		ctl_out_ok(o, "%s", summary);
	} else {
		log_err("control: %s", summary);
		ctl_out_err(o, "%s", summary);
	}
	diag_free(&d);
}

/* True when m and n describe the same read of the same file. */
static bool same_db_file(const struct geodb_meta *m, const struct geodb_meta *n)
{
	return m->dev == n->dev && m->ino == n->ino && m->size == n->size &&
	       m->mtime.tv_sec == n->mtime.tv_sec && m->mtime.tv_nsec == n->mtime.tv_nsec &&
	       m->epoch == n->epoch && strcmp(m->type, n->type) == 0;
}

/* explain's GeoIP data for snapshot s, read once per generation (under reload_lock) into
 * private memory (geodb.h: nothing of it maps the file). NULL without a database,
 * when it cannot be read, or when the file is no longer the one s was built from (then
 * the rule behind a list is named from the map's networks and default only, as
 * geo_map_explain does, and the log says why). */
static const struct geo_db *explain_db(struct control *c, const struct snapshot *s)
{
	if (c->ex_db_generation == s->generation)
		return c->ex_db;
	geodb_close(c->ex_db);
	c->ex_db = NULL;
	c->ex_db_generation = s->generation;
	const char *db_path = reload_db_path(c->rl);
	if (!db_path)
		return NULL;
	/* geodb_open only reads g; the paths stay the reload state's. Coordinates are read
	 * when a map of s has them (nearest-first lists, explained with distances). */
	bool places = false;
	for (size_t i = 0; s->steer && i < s->steer->n_services; i++)
		places |= s->steer->services[i].map && s->steer->services[i].map->n_sites > 0;
	struct cfg_geoip g = {.enabled = true,
	                      .database = (char *)db_path,
	                      .asn_database = (char *)reload_asn_db_path(c->rl),
	                      .client_subnet = !s->ecs_ignored,
	                      .locations = places};
	struct diag d;
	diag_init(&d);
	if (geodb_open(&g, &d, &c->ex_db) != GS_OK) {
		diag_log(&d);
		log_warn("control: explain: cannot read the GeoIP database %s", db_path);
		c->ex_db = NULL;
	} else if (!same_db_file(geodb_meta(c->ex_db), &s->geoip)) {
		log_warn("control: explain: the GeoIP database %s changed since generation %llu "
		         "was loaded; reload to explain with it",
		         db_path, (unsigned long long)s->generation);
		geodb_close(c->ex_db);
		c->ex_db = NULL;
	}
	diag_free(&d);
	return c->ex_db;
}

/* explain_req.tail: the fleet's verdict and each node's observation of every monitored
 * address the explanation shows. */
static void explain_fleet(void *arg, struct kv *out)
{
	struct control *c = arg;
	fleet_explain_kv(c->fleet, kv_transcript(out), out);
}

static void cmd_explain(struct control *c, char **w, size_t n, struct ctl_out *o)
{
	struct explain_req req;
	char why[256];
	if (explain_parse_words(w + 1, n - 1, &req, why, sizeof(why)) != GS_OK) {
		ctl_out_err(o, "explain: %s (usage: %s)", why, EXPLAIN_USAGE);
		return;
	}
	if (c->fleet) {
		req.tail = explain_fleet;
		req.tail_arg = c;
	}
	char *text = NULL, *etext = NULL;
	size_t len = 0, elen = 0;
	FILE *out = open_memstream(&text, &len);
	FILE *err = open_memstream(&etext, &elen);
	if (!out || !err) {
		if (out)
			fclose(out);
		if (err)
			fclose(err);
		free(text);
		free(etext);
		ctl_out_err(o, "explain: out of memory");
		return;
	}
	int st = EXPLAIN_LOAD_ERROR;
	/* No reload can publish (and so free) the snapshot meanwhile. */
	reload_lock(c->rl);
	const struct snapshot *s = snapshot_current();
	if (s) {
		const struct geo_db *db = explain_db(c, s);
		char note[256];
		snprintf(note, sizeof(note),
		         "live: geosteerd's states now, generation %llu (%s; forces apply)%s",
		         (unsigned long long)s->generation,
		         reload_has_monitor(c->rl) ? "checks run" : "no service has a check",
		         reload_db_path(c->rl) && !db
		                 ? "; the GeoIP database file cannot be read or changed "
		                   "since this generation was loaded (see the log): "
		                   "reload to explain its rules"
		                 : "");
		st = explain_snapshot(&req, s, db, note, out, err);
	} else {
		fputs("explain: no data is loaded\n", err);
	}
	reload_unlock(c->rl);
	fclose(out);
	fclose(err);
	ctl_out_text(o, text);
	if (st == EXPLAIN_ANSWERED)
		ctl_out_ok(o, "%s", "");
	else if (st == EXPLAIN_MISMATCH)
		ctl_out_err(o, "explain: the response disagrees with the decision (see the "
		               "mismatch: lines): a bug to report");
	else
		ctl_out_err(o, "%s", elen ? etext : "explain failed");
	free(text);
	free(etext);
}

static const struct command {
	const char *name;
	size_t min_args, max_args;
	const char *usage;
	void (*fn)(struct control *c, char **w, size_t n, struct ctl_out *o);
	const char *what;
	bool changes; /* changes what is served: refused on the read-only socket */
} commands[] = {
        {"status", 0, 1, "status [--json]", cmd_status,
         "version, pid, uptime, generation, zones and serials, DNSSEC keys and signature "
         "times, GeoIP database, monitor",
         false},
        {"health", 0, 1, "health [--json]", cmd_health, "health state of every monitored address",
         false},
        {"force", 2, 4, "force DC|ADDRESS up|down|auto [for=SECONDS] [reason=TEXT]", cmd_force,
         "override the health of a datacenter or an address, for a time; TEXT "
         "percent-encoded (not on the read-only socket)",
         true},
        {"stats", 0, 1, "stats [--json]", cmd_stats, "query counters of all workers", false},
        {"reload", 0, 0, "reload", cmd_reload,
         "load the configuration and zones again; keep the old ones on error (not on the "
         "read-only socket)",
         true},
        {"explain", 1, CTL_WORDS_MAX - 1, EXPLAIN_USAGE, cmd_explain,
         "which answer a client gets, and why (live health states)", false},
        {"help", 0, 0, "help", cmd_help, "this list", false},
};

/* The names of the commands, in table order, those that change what is served left out
 * when read_only: "a, b, c" (with " and " before the last when and_last). */
static void command_names(bool read_only, bool and_last, char *buf, size_t cap)
{
	size_t n = 0, len = 0, total = 0;
	for (size_t i = 0; i < GS_ARRAY_LEN(commands); i++)
		total += !(read_only && commands[i].changes);
	buf[0] = 0;
	for (size_t i = 0; i < GS_ARRAY_LEN(commands) && len < cap; i++) {
		if (read_only && commands[i].changes)
			continue;
		const char *sep = n == 0 ? "" : and_last && n + 1 == total ? " and " : ", ";
		int k = snprintf(buf + len, cap - len, "%s%s", sep, commands[i].name);
		if (k < 0)
			break;
		len += (size_t)k;
		n++;
	}
}

static void cmd_help(struct control *c, char **w, size_t n, struct ctl_out *o)
{
	for (size_t i = 0; i < GS_ARRAY_LEN(commands); i++)
		ctl_out_data(o, "%-32s %s", commands[i].usage, commands[i].what);
	ctl_out_ok(o, "%s", "");
}

/* Answers one request line (NUL-terminated, newline removed) into o; is_readonly: it
 * came through the read-only socket. */
static void dispatch(struct control *c, char *line, bool is_readonly, long long peer_uid,
                     struct ctl_out *o)
{
	char *w[CTL_WORDS_MAX];
	size_t n;
	int rc = ctl_split(line, w, CTL_WORDS_MAX, &n);
	if (rc == GS_EINVAL) {
		ctl_out_err(o, "the request holds a control character");
		return;
	}
	if (rc == GS_ERANGE) {
		ctl_out_err(o, "too many words in the request (at most %d)", CTL_WORDS_MAX);
		return;
	}
	if (n == 0) {
		ctl_out_err(o, "empty request: send a command (help lists them)");
		return;
	}
	for (size_t i = 0; i < GS_ARRAY_LEN(commands); i++) {
		const struct command *cmd = &commands[i];
		if (strcmp(w[0], cmd->name) != 0)
			continue;
		if (cmd->changes && is_readonly) {
			const char *full = c->socks[0].path;
			char names[128];
			command_names(true, true, names, sizeof(names));
			ctl_out_err(o,
			            "%s: not allowed on the read-only control socket (it answers "
			            "%s)%s%s",
			            cmd->name, names, full ? "; use the control socket " : "",
			            full ? full : "");
			return;
		}
		size_t n_args = n - 1;
		if (n_args < cmd->min_args || n_args > cmd->max_args) {
			ctl_out_err(o, "%s: expected %s%zu argument%s, got %zu (usage: %s)",
			            cmd->name, cmd->min_args == cmd->max_args ? "" : "at least ",
			            cmd->min_args, cmd->min_args == 1 ? "" : "s", n_args,
			            cmd->usage);
			return;
		}
		log_debug("control: %s", cmd->name);
		c->peer_uid = peer_uid;
		cmd->fn(c, w, n, o);
		return;
	}
	char names[128];
	command_names(false, false, names, sizeof(names));
	ctl_out_err(o, "unknown command '%.64s' (commands: %s)", w[0], names);
}

/* ---------------------------------------------------------------- connections */

/* Hands the response in o over to k (connsrv sends and frees it). */
static enum connsrv_verdict respond(struct connsrv_conn *k, struct ctl_out *o)
{
	connsrv_reply(k, o->buf, o->len);
	return CONNSRV_RESPOND;
}

/* The line protocol on connsrv: a request is one line; a longer one than
 * CTL_REQUEST_MAX is read to its end and dropped (so that the client is not reset while
 * it still writes), then answered with an error. */
static enum connsrv_verdict decide(struct connsrv_conn *k, enum connsrv_event ev, char *in,
                                   size_t len, size_t fresh)
{
	const struct ctl_sock *cs = connsrv_listener(k);
	struct ctl_out o;
	ctl_out_init(&o);
	char *nl = NULL;
	switch (ev) {
	case CONNSRV_INPUT:
		nl = memchr(in + fresh, '\n', len - fresh);
		if (!nl)
			return CONNSRV_MORE;
		*nl = '\0';
		break;
	case CONNSRV_EOF:
		/* End of input ends the line too ("printf status | socat ..."). */
		if (len == 0)
			return CONNSRV_CLOSE;
		break;
	case CONNSRV_FULL:
		return CONNSRV_DISCARD;
	case CONNSRV_DISCARDED:
		ctl_out_err(&o, "line too long (max %d bytes)", CTL_REQUEST_MAX - 1);
		return respond(k, &o);
	case CONNSRV_TIMEOUT:
		ctl_out_err(&o, "timeout: no complete request line within %d ms",
		            CTL_IO_TIMEOUT_MS);
		return respond(k, &o);
	}
	/* A NUL inside the line would hide the rest of it. */
	if (strlen(in) != (size_t)((nl ? nl : in + len) - in))
		ctl_out_err(&o, "the request holds a NUL byte");
	else {
		long long uid;
		if (!connsrv_peer_uid(k, &uid))
			uid = -1;
		dispatch(cs->c, in, cs->is_readonly, uid, &o);
	}
	return respond(k, &o);
}

static const struct connsrv_proto ctl_connsrv = {
        .name = "control",
        .in_max = CTL_REQUEST_MAX,
        .timeout_ms = CTL_IO_TIMEOUT_MS,
        .conn_max = CTL_CONN_MAX,
        .busy = "ERR busy: too many control connections\n",
        .discard_end = '\n',
        .discard_max = CTL_DISCARD_MAX,
        .discard_round = CTL_DISCARD_ROUND,
        .decide = decide,
};

/* ---------------------------------------------------------------- the socket */

/* mkdir -p for the folder of path; sets *created when this made the last folder. */
static int make_parent(const char *path, bool *created)
{
	*created = false;
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (!slash || slash == dir)
		goto out;
	*slash = '\0';
	struct stat st;
	if (stat(dir, &st) == 0)
		goto out;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			rc = -1;
			goto out;
		}
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		rc = -1;
		goto out;
	}
	*created = true;
out:
	free(dir);
	return rc;
}

/* Is a daemon answering on path? Removes a stale socket file. Returns GS_OK (path is
 * free now), GS_EEXIST (a live daemon, or not a socket), or GS_EIO. */
static int claim_path(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? GS_OK : GS_EIO;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control socket %s: the file exists and is not a socket; not replacing it",
		        path);
		errno = EEXIST;
		return GS_EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return GS_EIO;
	int r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int err = errno;
	close(fd);
	if (r == 0) {
		log_err("control socket %s: another geosteerd answers on it; not starting a second "
		        "daemon with the same control socket",
		        path);
		errno = EEXIST;
		return GS_EEXIST;
	}
	if (err != ECONNREFUSED) {
		errno = err;
		return GS_EIO;
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return GS_EIO;
	log_info("control socket %s: removed a stale socket file", path);
	return GS_OK;
}

static void give_to_user(const struct cfg *cfg, const char *path, bool dir_created)
{
	if (!cfg->user || geteuid() != 0)
		return;
	const struct passwd *pw = getpwnam(cfg->user);
	if (!pw)
		return; /* drop_privileges reports it */
	if (chown(path, pw->pw_uid, pw->pw_gid) != 0)
		log_warn("control socket %s: chown to %s: %s", path, cfg->user, strerror(errno));
	if (!dir_created)
		return;
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (chown(dir, pw->pw_uid, pw->pw_gid) != 0)
			log_warn("control socket folder %s: chown to %s: %s", dir, cfg->user,
			         strerror(errno));
	}
	free(dir);
}

static bool is_permission(int err)
{
	return err == EACCES || err == EPERM || err == EROFS;
}

/* Gives the socket at path to group (control_readonly's group:). Returns 0, or -1
 * with errno set. */
static int give_to_group(const char *path, const char *group)
{
	errno = 0;
	const struct group *gr = getgrnam(group);
	if (!gr) {
		if (errno == 0)
			errno = ENOENT;
		return -1;
	}
	return chown(path, (uid_t)-1, gr->gr_gid);
}

/* Creates and binds the socket at path into cs: the control socket, or the read-only
 * one (cs->is_readonly; group, when not NULL, becomes its group). Returns GS_OK (cs->fd
 * set, or -1 when a default path cannot be created and that is tolerated), or an error
 * (logged). */
static int socket_open(struct control *c, struct ctl_sock *cs, const char *path, bool is_explicit,
                       const char *group)
{
	const struct cfg *cfg = c->cfg;
	const char *what = cs->is_readonly ? "read-only control socket" : "control socket";
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("%s %s: path longer than %zu bytes", what, path, sizeof(sun.sun_path) - 1);
		return GS_EINVAL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	const char *step = "cannot create its folder";
	bool dir_created;
	int fd = -1, rc;
	if (make_parent(path, &dir_created) != 0)
		goto fail;
	step = "cannot check for another daemon";
	rc = claim_path(path, &sun);
	if (rc == GS_EEXIST)
		return rc;
	if (rc != GS_OK)
		goto fail;
	step = "socket";
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* Created with mode 0660 from the start (no window with a wider mode); umask is
	 * process-wide, but no other thread runs yet. */
	step = "bind";
	mode_t old = umask(0117);
	int br = bind(fd, (const struct sockaddr *)&sun, sizeof(sun));
	int err = errno;
	umask(old);
	errno = err;
	if (br != 0)
		goto fail;
	step = "chmod";
	if (chmod(path, 0660) != 0)
		goto fail;
	step = "listen";
	if (listen(fd, 16) != 0)
		goto fail;
	struct stat st;
	step = "stat";
	if (stat(path, &st) != 0)
		goto fail;
	give_to_user(cfg, path, dir_created);
	step = group ? "cannot give it to group" : step;
	if (group && give_to_group(path, group) != 0)
		goto fail;
	cs->fd = fd;
	cs->path = xstrdup(path);
	cs->dev = st.st_dev;
	cs->ino = st.st_ino;
	log_info("%s %s%s%s", what, path, group ? ", group " : "", group ? group : "");
	return GS_OK;
fail:
	err = errno;
	if (fd >= 0) {
		close(fd);
		if (strcmp(step, "bind") != 0)
			unlink(path);
	}
	if (!is_explicit && is_permission(err)) {
		log_warn("control socket %s: %s: %s; running without a control socket (set "
		         "control: to a path this user may create)",
		         path, step, strerror(err));
		return GS_OK;
	}
	if (group && strcmp(step, "cannot give it to group") == 0)
		log_err("%s %s: cannot give it to group %s: %s", what, path, group,
		        err == ENOENT ? "no such group" : strerror(err));
	else
		log_err("%s %s: %s: %s", what, path, step, strerror(err));
	return GS_EIO;
}

/* ---------------------------------------------------------------- life cycle */

int control_new(const struct control_params *p, struct control **out)
{
	*out = NULL;
	struct control *c = xcalloc(1, sizeof(*c));
	c->cfg = p->cfg;
	c->health = p->health;
	for (size_t i = 0; i < GS_ARRAY_LEN(c->socks); i++) {
		c->socks[i].c = c;
		c->socks[i].fd = -1;
		c->socks[i].is_readonly = i == 1;
	}
	c->rl = p->reload;
	c->fleet = p->fleet;
	c->started = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &c->started_mono);
	if (p->has_socket) {
		const struct cfg *cfg = p->cfg;
		const struct cfg_control_readonly *ro = &cfg->control_readonly;
		int rc = socket_open(c, &c->socks[0], cfg->control,
		                     cfg->pos_of[CFG_SEC_CONTROL].line != 0, NULL);
		if (rc == GS_OK && ro->socket)
			rc = socket_open(c, &c->socks[1], ro->socket, true, ro->group);
		if (rc != GS_OK) {
			control_free(c);
			return rc;
		}
	}
	*out = c;
	return GS_OK;
}

int control_start(struct control *c, struct answer_ctx *const *actx, unsigned n_ctx,
                  unsigned n_workers)
{
	c->actx = actx;
	c->n_ctx = n_ctx;
	c->n_workers = n_workers;
	if (c->socks[0].fd < 0 && c->socks[1].fd < 0)
		return GS_OK;
	int rc = connsrv_new(&ctl_connsrv, NULL, &c->srv);
	if (rc != GS_OK)
		return rc;
	for (size_t i = 0; i < GS_ARRAY_LEN(c->socks); i++)
		if (c->socks[i].fd >= 0)
			connsrv_listen(c->srv, c->socks[i].fd, &c->socks[i]);
	rc = connsrv_start(c->srv);
	if (rc != GS_OK) {
		connsrv_free(c->srv);
		c->srv = NULL;
	}
	return rc;
}

void control_stop(struct control *c)
{
	if (!c->srv)
		return;
	connsrv_free(c->srv);
	c->srv = NULL;
	c->actx = NULL;
	c->n_ctx = 0;
	c->n_workers = 0;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	control_stop(c);
	for (size_t i = 0; i < GS_ARRAY_LEN(c->socks); i++) {
		struct ctl_sock *cs = &c->socks[i];
		if (cs->fd >= 0) {
			close(cs->fd);
			/* Only our own socket: another daemon may have replaced the file
			 * since. */
			struct stat st;
			if (stat(cs->path, &st) == 0 && st.st_dev == cs->dev &&
			    st.st_ino == cs->ino && unlink(cs->path) != 0)
				log_debug("control socket %s: unlink: %s", cs->path,
				          strerror(errno));
		}
		free(cs->path);
	}
	geodb_close(c->ex_db);
	free(c);
}
