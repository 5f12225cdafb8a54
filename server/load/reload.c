/* SPDX-License-Identifier: MIT
 * reload.c -- reload orchestration (reload.h): load, cross-check against the start
 * configuration, build, install the health table, publish, count; when the signatures
 * of signed zones are due to be made again; and the health monitor's life cycle. Runs on whichever
 * thread reloads (control, main, watcher), serialised by r->mu, off the query path: workers keep
 * answering from the old snapshot until the new one is published. */
#include <config.h>

#include "server/load/reload.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/mono.h"
#include "server/base/rfile_set.h"
#include "server/base/timefmt.h"
#include "server/base/xalloc.h"
#include "server/config/config_fleet.h"
#include "server/health/monitor.h"
#include "server/load/snapshot_build.h"
#include "server/query/snapshot.h"

struct reload {
	const struct cfg *cfg; /* the start configuration */
	struct health *health;
	struct monitor *monitor; /* NULL while nothing is monitored */
	/* reload_set_signer: attaches each new snapshot's signing state, or NULL. */
	void (*attach)(void *arg, struct steer_resign *r);
	void *attach_arg;
	/* Serialises reloads and the readers of the published snapshot (reload_lock): a
	 * snapshot is only freed by a publication, and every publication after the first
	 * happens under mu. */
	pthread_mutex_t mu;
	/* Written under mu, read with relaxed atomic loads by the metrics thread
	 * (reload_counters), which must not wait for a reload. */
	uint64_t n_reload_ok, n_reload_failed;
	int64_t last_success, last_failure;    /* wall clock, 0 when none yet */
	uint64_t n_resign_ok, n_resign_failed; /* re-signs: not counted as reloads */
	int64_t last_resign;                   /* wall clock of the last good one, or 0 */
	int wake_fd; /* eventfd: written at each publication (reload_wake_fd), or -1 */
	/* The files the data being served was loaded from (rfile_set.h), replaced at each
	 * successful reload (not by a re-sign, which rebuilds from them), and the
	 * generation that load published. */
	struct rfile_set *src;
	uint64_t src_generation;
	/* GeoIP database paths of the serving configuration. */
	char *db_path, *asn_db_path;
	/* Called at the end of every reload (reload_on_done); set before threads run. */
	void (*on_reload)(void *arg);
	void *on_reload_arg;
};

/* Notes the GeoIP database paths of the serving configuration (for `status` and
 * explain). Their type and build epoch are the published snapshot's (s->geoip): what
 * was read when it was built; the files are not opened again here. */
static void note_db(struct reload *r, const struct cfg_geoip *g)
{
	free(r->db_path);
	free(r->asn_db_path);
	r->db_path = NULL;
	r->asn_db_path = NULL;
	if (!g->enabled || !g->database)
		return;
	r->db_path = xstrdup(g->database);
	r->asn_db_path = g->asn_database ? xstrdup(g->asn_database) : NULL;
}

static bool needs_monitor(const struct snapshot *s)
{
	return s && s->health && health_table_n_targets(s->health) > 0;
}

static bool str_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool listen_same(const struct cfg *a, const struct cfg *b)
{
	if (a->n_listen != b->n_listen)
		return false;
	for (size_t i = 0; i < a->n_listen; i++) {
		if (a->listen[i].ss_len != b->listen[i].ss_len ||
		    memcmp(&a->listen[i].ss, &b->listen[i].ss, a->listen[i].ss_len) != 0)
			return false;
	}
	return true;
}

/* Warns, at the new file's key, about every setting a reload cannot apply. */
static void warn_restart_only(const struct cfg *old, const struct cfg *nc, struct diag *d)
{
	struct {
		enum cfg_section sec;
		bool same;
	} v[] = {
	        {CFG_SEC_LISTEN, listen_same(old, nc)},
	        {CFG_SEC_THREADS, old->threads == nc->threads},
	        {CFG_SEC_USER, str_same(old->user, nc->user)},
	        {CFG_SEC_CONTROL, str_same(old->control, nc->control)},
	        {CFG_SEC_CONTROL_READONLY,
	         str_same(old->control_readonly.socket, nc->control_readonly.socket) &&
	                 str_same(old->control_readonly.group, nc->control_readonly.group)},
	        {CFG_SEC_STATE_FILE, str_same(old->state_file, nc->state_file)},
	        {CFG_SEC_TCP, memcmp(&old->tcp, &nc->tcp, sizeof(old->tcp)) == 0},
	        {CFG_SEC_METRICS,
	         old->has_metrics == nc->has_metrics && old->metrics_len == nc->metrics_len &&
	                 memcmp(&old->metrics, &nc->metrics, old->metrics_len) == 0},
	        {CFG_SEC_WATCH, old->watch == nc->watch},
	        {CFG_SEC_DNSTAP, str_same(old->dnstap.socket, nc->dnstap.socket) &&
	                                 str_same(old->dnstap.file, nc->dnstap.file) &&
	                                 str_same(old->dnstap.identity, nc->dnstap.identity)},
	        {CFG_SEC_FLEET, config_fleet_same(old->fleet, nc->fleet)},
	};
	for (size_t i = 0; i < GS_ARRAY_LEN(v); i++) {
		if (v[i].same)
			continue;
		struct srcpos pos = nc->pos_of[v[i].sec];
		if (!pos.file)
			pos = (struct srcpos){nc->path, 0};
		diag_warn(d, pos,
		          "'%s' changed: a reload does not apply it; the value loaded at start "
		          "stays in effect until geosteerd restarts",
		          cfg_section_name(v[i].sec));
	}
}

/* Logs, for each zone of s geosteer signs, until when its new signatures are valid. */
static void log_resigned(const struct snapshot *s)
{
	for (size_t i = 0; i < s->zones.n; i++) {
		const struct zone *z = s->zones.zones[i];
		if (!z->signed_at)
			continue;
		char name[DNAME_TEXT_MAX], t[TIMEFMT_UTC_MAX];
		dname_to_text(z->origin, name);
		timefmt_utc((time_t)z->sig_expires, t);
		log_info("re-signed zone %s: signatures valid until %s", name, t);
	}
}

/* Keeps src as the source set of s, the snapshot loaded from it, when s has a zone
 * geosteer signs: only those are re-signed. Otherwise src is freed (NULL then). */
static void keep_sources(struct reload *r, struct rfile_set *src, const struct snapshot *s)
{
	rfile_set_free(r->src);
	r->src = NULL;
	for (size_t i = 0; src && i < s->zones.n; i++) {
		if (s->zones.zones[i]->signed_at) {
			r->src = src;
			r->src_generation = s->generation;
			return;
		}
	}
	rfile_set_free(src);
}

/* reload_run and reload_resign: the same work, counted apart. A reload reads the files
 * from disk and keeps what it read as the new source set; a re-sign reads them from the
 * serving data's source set and shares its compiled maps, so that it makes new
 * signatures over exactly the data being served, whatever the disk holds now. */
static int run(struct reload *r, bool resign, struct diag *d, char *summary, size_t cap)
{
	pthread_mutex_lock(&r->mu);
	struct timespec t0 = mono_now();
	const char *what = resign ? "re-sign" : "reload";
	const char *path = r->cfg->path;
	struct cfg *nc = NULL;
	struct snapshot *next = NULL;
	/* Stable until we publish: publications happen under mu. */
	const struct snapshot *cur = snapshot_current();
	struct rfile_set *read = NULL;
	if (resign) {
		/* A re-sign is only due when a zone is signed, and then the set is kept; an
		 * empty one would fail at the configuration file ("not among the files"). */
		if (!r->src)
			r->src = rfile_set_new();
		rfile_set_replay(r->src);
	} else {
		read = rfile_set_new();
		rfile_set_record(read);
	}
	int rc = cfg_load(path, d, &nc);
	if (rc == GS_OK) {
		/* Only a signed zone is ever re-signed from the set (see load_all in main.c). */
		if (!resign && !cfg_signs_zones(nc))
			rfile_set_direct();
		warn_restart_only(r->cfg, nc, d);
		/* Build even after a problem above: one reload reports every problem. */
		int brc = resign && cur ? snapshot_rebuild(nc, cur, d, &next)
		                        : snapshot_build(nc, d, &next);
		if (rc == GS_OK)
			rc = brc;
		if (rc == GS_OK && diag_has_errors(d))
			rc = GS_EPARSE;
	}
	rfile_set_direct();
	if (rc != GS_OK) {
		snapshot_free(next);
		rfile_set_free(read);
		if (resign) {
			__atomic_add_fetch(&r->n_resign_failed, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&r->n_reload_failed, 1, __ATOMIC_RELAXED);
			__atomic_store_n(&r->last_failure, (int64_t)time(NULL), __ATOMIC_RELAXED);
		}
		snprintf(summary, cap,
		         "%s of %s failed (%zu error%s): still serving generation %llu", what, path,
		         d->n_errors, d->n_errors == 1 ? "" : "s",
		         cur ? (unsigned long long)cur->generation : 0ULL);
		goto out;
	}
	/* monitor.h: install before publishing, so that the monitor has left the old table
	 * when the old snapshot (which owns it) is freed by the publication. */
	if (r->monitor)
		(void)monitor_install(r->monitor, next->health);
	else
		(void)health_install(r->health, next->health);
	/* Before the publication frees the old snapshot, which the signer may work on. */
	if (r->attach)
		r->attach(r->attach_arg, next->resign);
	size_t n_zones = next->zones.n, n_records = snapshot_count_records(next);
	uint64_t gen = next->generation;
	char took[96];
	snapshot_took_text(next, took, sizeof(took));
	bool start_monitor = !r->monitor && needs_monitor(next);
	/* Before the publication frees next when the one after it is published. */
	if (!resign)
		keep_sources(r, read, next);
	size_t src_files = r->src ? rfile_set_files(r->src) : 0;
	size_t src_bytes = r->src ? rfile_set_bytes(r->src) : 0;
	/* Until the new data is ready to serve: the swap and the heap trim after it are
	 * not counted, and next is not written once readers may see it. */
	double secs = mono_since(&t0);
	next->load_s = secs;
	snapshot_publish(next);
	note_db(r, &nc->geoip);
	if (resign) {
		__atomic_add_fetch(&r->n_resign_ok, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&r->last_resign, (int64_t)time(NULL), __ATOMIC_RELAXED);
		/* Still ours: publications happen under mu. */
		log_resigned(next);
	} else {
		__atomic_add_fetch(&r->n_reload_ok, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&r->last_success, (int64_t)time(NULL), __ATOMIC_RELAXED);
	}
	if (r->wake_fd >= 0 && eventfd_write(r->wake_fd, 1) != 0)
		log_warn("cannot wake the main thread after a reload");
	if (start_monitor && monitor_start(r->health, &r->monitor) != GS_OK)
		diag_warn(d, (struct srcpos){path, 0},
		          "the health monitor could not be started: checks do not run");
	/* Loading churns the heap (ldns's scratch buffers): give what is free back now,
	 * once, rather than trimming while loading (main.c sets the threshold). */
	malloc_trim(0);
	if (resign)
		snprintf(summary, cap,
		         "re-signed generation %llu's data, read from memory (%zu files, %zu "
		         "bytes), not from disk: generation %llu, %zu zone%s, %zu records in %.3f "
		         "s%s",
		         (unsigned long long)r->src_generation, src_files, src_bytes,
		         (unsigned long long)gen, n_zones, n_zones == 1 ? "" : "s", n_records, secs,
		         took);
	else
		snprintf(summary, cap,
		         "reloaded %s: generation %llu, %zu zone%s, %zu records in %.3f s%s", path,
		         (unsigned long long)gen, n_zones, n_zones == 1 ? "" : "s", n_records, secs,
		         took);
out:
	cfg_free(nc);
	pthread_mutex_unlock(&r->mu);
	if (r->on_reload)
		r->on_reload(r->on_reload_arg);
	return rc;
}

int reload_run(struct reload *r, struct diag *d, char *summary, size_t cap)
{
	return run(r, false, d, summary, cap);
}

int reload_resign(struct reload *r, struct diag *d, char *summary, size_t cap)
{
	return run(r, true, d, summary, cap);
}

/* How often a failed re-sign is tried again: every minute, or every sixteenth of the
 * signature lifetime when that is shorter (lifetimes of minutes, in tests). */
#define RESIGN_RETRY_S 60

bool reload_resign_plan(struct reload *r, struct reload_resign_plan *out)
{
	*out = (struct reload_resign_plan){0};
	bool any = false;
	pthread_mutex_lock(&r->mu);
	const struct snapshot *s = snapshot_current();
	for (size_t i = 0; s && i < s->zones.n; i++) {
		const struct zone *z = s->zones.zones[i];
		if (!z->signed_at || z->sig_expires <= z->signed_at)
			continue;
		int64_t validity = z->sig_expires - z->signed_at;
		/* Re-signed when a quarter of the lifetime is left. */
		time_t due = (time_t)(z->sig_expires - validity / 4);
		int64_t retry = validity / 16;
		if (retry > RESIGN_RETRY_S)
			retry = RESIGN_RETRY_S;
		if (retry < 1)
			retry = 1;
		if (!any || due < out->due)
			out->due = due;
		if (!any || (time_t)z->sig_expires < out->expires) {
			out->expires = (time_t)z->sig_expires;
			dname_to_text(z->origin, out->zone);
		}
		if (!any || (unsigned)retry < out->retry_s)
			out->retry_s = (unsigned)retry;
		any = true;
	}
	pthread_mutex_unlock(&r->mu);
	return any;
}

int reload_wake_fd(struct reload *r)
{
	return r->wake_fd;
}

void reload_on_done(struct reload *r, void (*fn)(void *arg), void *arg)
{
	r->on_reload = fn;
	r->on_reload_arg = arg;
}

void reload_counters(const struct reload *r, struct reload_counters *out)
{
	out->ok = __atomic_load_n(&r->n_reload_ok, __ATOMIC_RELAXED);
	out->failed = __atomic_load_n(&r->n_reload_failed, __ATOMIC_RELAXED);
	out->last_success = (time_t)__atomic_load_n(&r->last_success, __ATOMIC_RELAXED);
	out->last_failure = (time_t)__atomic_load_n(&r->last_failure, __ATOMIC_RELAXED);
	out->resign_ok = __atomic_load_n(&r->n_resign_ok, __ATOMIC_RELAXED);
	out->resign_failed = __atomic_load_n(&r->n_resign_failed, __ATOMIC_RELAXED);
	out->last_resign = (time_t)__atomic_load_n(&r->last_resign, __ATOMIC_RELAXED);
}

int reload_monitor_start(struct reload *r)
{
	pthread_mutex_lock(&r->mu);
	int rc = GS_OK;
	if (!r->monitor && needs_monitor(snapshot_current()))
		rc = monitor_start(r->health, &r->monitor);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

struct reload *reload_new(const struct cfg *cfg, struct health *h, struct rfile_set *src,
                          const struct snapshot *first)
{
	struct reload *r = xcalloc(1, sizeof(*r));
	r->cfg = cfg;
	keep_sources(r, src, first);
	r->health = h;
	pthread_mutex_init(&r->mu, NULL);
	note_db(r, &cfg->geoip);
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return r;
}

void reload_lock(struct reload *r)
{
	pthread_mutex_lock(&r->mu);
}

void reload_unlock(struct reload *r)
{
	pthread_mutex_unlock(&r->mu);
}

const struct cfg *reload_start_cfg(const struct reload *r)
{
	return r->cfg;
}

void reload_set_signer(struct reload *r, void (*attach)(void *arg, struct steer_resign *s),
                       void *arg)
{
	r->attach = attach;
	r->attach_arg = arg;
}

bool reload_has_monitor(const struct reload *r)
{
	return r->monitor != NULL;
}

const char *reload_db_path(const struct reload *r)
{
	return r->db_path;
}

const char *reload_asn_db_path(const struct reload *r)
{
	return r->asn_db_path;
}

void reload_free(struct reload *r)
{
	if (!r)
		return;
	monitor_stop(r->monitor);
	free(r->db_path);
	free(r->asn_db_path);
	rfile_set_free(r->src);
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
