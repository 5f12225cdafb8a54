/* SPDX-License-Identifier: MIT
 * metrics.c -- the `metrics:` endpoint (metrics.h): a listening TCP socket served by
 * the connection server (connsrv.h: its own thread and libev loop); a small HTTP/1.x
 * request reader on it (request line and headers only, bounded in size and time); the
 * Prometheus text exposition (format 0.0.4) of the daemon's counters and states.
 * Endpoint thread only, except metrics_new/start/stop/free (main thread). Nothing here
 * runs on the query path. */
#include <config.h>

#include "server/ctl/metrics.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "server/query/answer.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/netaddr.h"
#include "server/base/xalloc.h"
#include "server/ctl/connsrv.h"
#include "server/ctl/procstat.h"
#include "server/load/reload.h"
#include "server/fleet/fleet.h"
#include "server/health/health.h"
#include "server/query/snapshot.h"
#include "server/query/steer.h"
#include "server/query/steer_count.h"

struct metrics {
	int fd;
	struct metrics_source src;
	struct connsrv *srv; /* serves fd on its thread; NULL when it does not run */
};

/* ---------------------------------------------------------------- exposition */

/* Writes s as a label value: backslash, double quote and newline escaped (exposition
 * format 0.0.4). */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample with up to two labels (NULL names leave them out). */
static void sample2(FILE *f, const char *name, const char *l1, const char *v1, const char *l2,
                    const char *v2, unsigned long long value)
{
	fputs(name, f);
	if (l1) {
		fprintf(f, "{%s=\"", l1);
		put_label(f, v1);
		fputc('"', f);
		if (l2) {
			fprintf(f, ",%s=\"", l2);
			put_label(f, v2);
			fputc('"', f);
		}
		fputc('}', f);
	}
	fprintf(f, " %llu\n", value);
}

static void sample(FILE *f, const char *name, unsigned long long value)
{
	sample2(f, name, NULL, NULL, NULL, NULL, value);
}

/* One sample with a fractional value (seconds), to the microsecond; l1 may be NULL. */
static void sample_f(FILE *f, const char *name, const char *l1, const char *v1, double value)
{
	fputs(name, f);
	if (l1) {
		fprintf(f, "{%s=\"", l1);
		put_label(f, v1);
		fputs("\"}", f);
	}
	fprintf(f, " %.6f\n", value);
}

/* One sample with n labels: names l[0], l[2], ..., values l[1], l[3], ... */
static void sample_n(FILE *f, const char *name, const char *const *l, size_t n,
                     unsigned long long value)
{
	fputs(name, f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%c%s=\"", i ? ',' : '{', l[2 * i]);
		put_label(f, l[2 * i + 1]);
		fputc('"', f);
	}
	fprintf(f, "%s %llu\n", n ? "}" : "", value);
}

/* A zone geosteer signs, as read from the snapshot (copied: the snapshot may go once
 * the read-side section ends). */
struct signed_zone {
	char name[DNAME_TEXT_MAX];
	int64_t signed_at, expires;
	struct zone_key_info *keys; /* heap */
	size_t n_keys;
};

static const char *const role_names[] = {
        [ZONE_KEY_KSK] = "KSK",
        [ZONE_KEY_ZSK] = "ZSK",
        [ZONE_KEY_CSK] = "CSK",
        [ZONE_KEY_PUBLISHED] = "published",
};

/* What is read of the snapshot inside the RCU read-side section. */
struct snap_facts {
	bool loaded;
	unsigned long long generation;
	time_t loaded_at;
	double load_s, zones_s, steer_s; /* what the snapshot's build took */
	size_t n_zones;
	FILE *zones; /* the zone samples, written while the snapshot is held */
	char **dcs;  /* datacenter names of every service (heap, deduplicated) */
	size_t n_dcs;
	struct signed_zone *sz; /* the zones geosteer signs (heap) */
	size_t n_sz;
	FILE *dc_up;   /* the geosteer_datacenter_up samples */
	char **served; /* "SERVICE\0DC" of every datacenter of every service (heap) */
	size_t n_served;
};

static void add_dc(struct snap_facts *sf, const char *name)
{
	for (size_t i = 0; i < sf->n_dcs; i++)
		if (strcmp(sf->dcs[i], name) == 0)
			return;
	sf->dcs = xrealloc(sf->dcs, (sf->n_dcs + 1) * sizeof(*sf->dcs));
	sf->dcs[sf->n_dcs++] = xstrdup(name);
}

/* The effective state of every datacenter of every service by address family (what
 * answers see: checks and forces), and the pairs served. Inside the read-side section. */
static void read_steering(struct snap_facts *sf, const struct steer_table *t)
{
	static const char *const fam[STEER_N_TYPES] = {"ipv4", "ipv6"};
	for (size_t i = 0; i < t->n_services; i++) {
		const struct steer_service *svc = &t->services[i];
		if (!svc->name)
			continue; /* a service that did not build (never published) */
		for (uint16_t k = 0; k < svc->n_dcs; k++) {
			const struct steer_dc *dc = &svc->dcs[k];
			size_t ls = strlen(svc->name), ld = strlen(dc->name);
			char *pair = xmalloc(ls + ld + 2);
			memcpy(pair, svc->name, ls + 1);
			memcpy(pair + ls + 1, dc->name, ld + 1);
			sf->served = xrealloc(sf->served, (sf->n_served + 1) * sizeof(*sf->served));
			sf->served[sf->n_served++] = pair;
			for (unsigned ty = 0; ty < STEER_N_TYPES; ty++) {
				if (dc->n[ty] == 0)
					continue;
				const char *l[] = {"service", svc->name, "datacenter",
				                   dc->name,  "family",  fam[ty]};
				sample_n(sf->dc_up, "geosteer_datacenter_up", l, 3,
				         health_cells_any_up(t->cells, dc->cells[ty], dc->n[ty]));
			}
		}
	}
}

/* Whether a (service, datacenter) row is exported: served now, or it has counted
 * something (a pair a reload removed keeps its last values). */
static bool row_shown(const struct steer_count_row *row, const struct snap_facts *sf)
{
	for (size_t j = 0; j < sf->n_served; j++) {
		const char *p = sf->served[j];
		if (strcmp(p, row->service) == 0 && strcmp(p + strlen(p) + 1, row->dc) == 0)
			return true;
	}
	for (unsigned k = 0; k < STEER_COUNT_KINDS; k++)
		if (row->n[k])
			return true;
	return false;
}

/* Steered answers by service, datacenter and decision, and by service, datacenter and
 * the kind of map rule that chose the list (two views of the same counters): every
 * pair served now, and any other that has counted something. Then the answers of
 * weighted groups' members by pick, for the pairs that have any. */
static void render_steered(FILE *f, const struct snap_facts *sf)
{
	static const char *const kind[STEER_COUNT_DECISIONS] = {"normal", "failover", "fail_open"};
	static const char *const pick[STEER_COUNT_PICKS] = {"", "hash", "repick", "weight_zero"};
	struct steer_count_row *rows;
	size_t n;
	steer_count_rows(&rows, &n);
	family(f, "geosteer_steered_answers_total", "counter",
	       "Steered answers that carried addresses, by service, datacenter and decision: "
	       "normal (the first datacenter of the list with the type was up), failover (one "
	       "ahead was skipped for being down), fail_open (none was up)");
	for (size_t i = 0; i < n; i++) {
		if (!row_shown(&rows[i], sf))
			continue;
		uint64_t by[STEER_COUNT_DECISIONS] = {0};
		for (unsigned k = 0; k < STEER_COUNT_KINDS; k++)
			by[k % STEER_COUNT_DECISIONS] += rows[i].n[k];
		for (unsigned k = 0; k < STEER_COUNT_DECISIONS; k++) {
			const char *l[] = {"service",  rows[i].service, "datacenter",
			                   rows[i].dc, "decision",      kind[k]};
			sample_n(f, "geosteer_steered_answers_total", l, 3, by[k]);
		}
	}
	family(f, "geosteer_weighted_answers_total", "counter",
	       "Steered answers of a weighted group's member, by service, datacenter and pick: "
	       "hash (the member the client network's hash names), repick (that one was down: "
	       "another by weight), weight_zero (a member of weight 0: all others were down)");
	for (size_t i = 0; i < n; i++) {
		uint64_t by[STEER_COUNT_PICKS] = {0}, any = 0;
		for (unsigned k = STEER_COUNT_DECISIONS; k < STEER_COUNT_KINDS; k++) {
			by[k / STEER_COUNT_DECISIONS] += rows[i].n[k];
			any |= rows[i].n[k];
		}
		for (unsigned p = 1; any && p < STEER_COUNT_PICKS; p++) {
			const char *l[] = {"service",  rows[i].service, "datacenter",
			                   rows[i].dc, "pick",          pick[p]};
			sample_n(f, "geosteer_weighted_answers_total", l, 3, by[p]);
		}
	}
	family(f, "geosteer_steered_answers_by_rule_total", "counter",
	       "Steered answers that carried addresses, by service, datacenter and the kind of "
	       "map rule that chose the client's list: networks, asns, subdivisions, countries, "
	       "continents, nearest (a located client no rule matched, given the map's "
	       "nearest-first list) or default (no rule matched)");
	for (size_t i = 0; i < n; i++) {
		if (!row_shown(&rows[i], sf))
			continue;
		for (unsigned g = 0; g < STEER_COUNT_RULES; g++) {
			const char *l[] = {"service",  rows[i].service, "datacenter",
			                   rows[i].dc, "rule",          geo_hit_rule_name(g)};
			sample_n(f, "geosteer_steered_answers_by_rule_total", l, 3,
			         rows[i].by_rule[g]);
		}
	}
	steer_count_rows_free(rows, n);
}

/* Reads the published snapshot: online only for this. */
static void read_snapshot(struct snap_facts *sf, FILE *serials, FILE *records)
{
	rcu_thread_online();
	rcu_read_lock();
	const struct snapshot *s = snapshot_current();
	if (s) {
		sf->loaded = true;
		sf->generation = s->generation;
		sf->loaded_at = s->loaded_at;
		sf->load_s = s->load_s;
		sf->zones_s = s->zones_s;
		sf->steer_s = s->steer_s;
		sf->n_zones = s->zones.n;
		for (size_t i = 0; i < s->zones.n; i++) {
			const struct zone *z = s->zones.zones[i];
			char name[DNAME_TEXT_MAX];
			dname_to_text(z->origin, name);
			sample2(serials, "geosteer_zone_serial", "zone", name, NULL, NULL,
			        z->serial);
			sample2(records, "geosteer_zone_records", "zone", name, NULL, NULL,
			        z->n_records);
			if (!z->signed_at)
				continue;
			sf->sz = xrealloc(sf->sz, (sf->n_sz + 1) * sizeof(*sf->sz));
			struct signed_zone *d = &sf->sz[sf->n_sz++];
			memcpy(d->name, name, sizeof(name));
			d->signed_at = z->signed_at;
			d->expires = z->sig_expires;
			d->n_keys = z->n_keys;
			d->keys = xmalloc((z->n_keys ? z->n_keys : 1) * sizeof(*d->keys));
			if (z->n_keys)
				memcpy(d->keys, z->keys, z->n_keys * sizeof(*d->keys));
		}
		const struct steer_table *t = s->steer;
		for (size_t i = 0; t && i < t->n_services; i++)
			for (uint16_t k = 0; k < t->services[i].n_dcs; k++)
				add_dc(sf, t->services[i].dcs[k].name);
		if (t)
			read_steering(sf, t);
	}
	rcu_read_unlock();
	rcu_thread_offline();
}

/* Appends the text of a memstream (closed here) to f. */
static void splice(FILE *f, FILE *part, char **buf, size_t *len)
{
	fclose(part); /* sets *buf and *len */
	if (*buf)
		fwrite(*buf, 1, *len, f);
	free(*buf);
	*buf = NULL;
}

/* The zones geosteer signs: their signatures' times, their keys, the re-signs. */
static void render_dnssec(FILE *f, const struct reload_counters *cc, const struct snap_facts *sf)
{
	family(f, "geosteer_dnssec_last_signed_timestamp_seconds", "gauge",
	       "When the signatures served now were made, for each zone geosteer signs, "
	       "seconds since the Unix epoch");
	for (size_t i = 0; i < sf->n_sz; i++)
		sample2(f, "geosteer_dnssec_last_signed_timestamp_seconds", "zone", sf->sz[i].name,
		        NULL, NULL, (unsigned long long)sf->sz[i].signed_at);
	family(f, "geosteer_dnssec_signature_expiry_timestamp_seconds", "gauge",
	       "When the signatures served now expire, for each zone geosteer signs, seconds "
	       "since the Unix epoch (re-signed when a quarter of their lifetime is left)");
	for (size_t i = 0; i < sf->n_sz; i++)
		sample2(f, "geosteer_dnssec_signature_expiry_timestamp_seconds", "zone",
		        sf->sz[i].name, NULL, NULL, (unsigned long long)sf->sz[i].expires);
	family(f, "geosteer_dnssec_keys", "gauge",
	       "1 for each key in the DNSKEY RRset of a zone geosteer signs, with its role "
	       "(KSK, ZSK, CSK, or published: in the zone file, signing nothing), algorithm "
	       "and key tag");
	for (size_t i = 0; i < sf->n_sz; i++) {
		for (size_t k = 0; k < sf->sz[i].n_keys; k++) {
			const struct zone_key_info *ki = &sf->sz[i].keys[k];
			char alg[8], tag[8];
			snprintf(alg, sizeof(alg), "%u", ki->algorithm);
			snprintf(tag, sizeof(tag), "%u", ki->tag);
			const char *role =
			        ki->role < GS_ARRAY_LEN(role_names) ? role_names[ki->role] : "?";
			const char *l[] = {"zone", sf->sz[i].name, "role", role, "algorithm",
			                   alg,    "tag",          tag};
			sample_n(f, "geosteer_dnssec_keys", l, 4, 1);
		}
	}
	family(f, "geosteer_dnssec_resigns_total", "counter",
	       "Re-signs of the signed zones made by the daemon itself when their signatures "
	       "near expiry (not counted in geosteer_reloads_total), by result");
	sample2(f, "geosteer_dnssec_resigns_total", "result", "ok", NULL, NULL, cc->resign_ok);
	sample2(f, "geosteer_dnssec_resigns_total", "result", "failed", NULL, NULL,
	        cc->resign_failed);
}

static void render_health(FILE *f, const struct metrics_source *src, struct snap_facts *sf)
{
	struct health_entry *e = NULL;
	size_t n = 0;
	if (health_list(src->health, &e, &n) != GS_OK)
		n = 0;
	family(f, "geosteer_health_up", "gauge",
	       "Monitored state of an address under a check: 1 up, 0 down (the checks' "
	       "result; forces are in geosteer_address_forced and geosteer_datacenter_forced)");
	for (size_t i = 0; i < n; i++)
		if (e[i].check[0])
			sample2(f, "geosteer_health_up", "check", e[i].check, "address", e[i].addr,
			        e[i].up);
	family(f, "geosteer_health_checks_total", "counter",
	       "Check results recorded for an address under a check");
	for (size_t i = 0; i < n; i++)
		if (e[i].check[0])
			sample2(f, "geosteer_health_checks_total", "check", e[i].check, "address",
			        e[i].addr, e[i].n_checks);
	family(f, "geosteer_address_forced", "gauge",
	       "1 when an address is forced to the state of the label (geosteerctl force)");
	for (size_t i = 0; i < n; i++) {
		if (e[i].dc[0] || e[i].force == HEALTH_FORCE_AUTO)
			continue;
		/* An address monitored under two checks has two rows: one sample. */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !e[j].dc[0] && e[j].force != HEALTH_FORCE_AUTO &&
			       strcmp(e[j].addr, e[i].addr) == 0;
		if (!seen)
			sample2(f, "geosteer_address_forced", "address", e[i].addr, "state",
			        health_force_name(e[i].force), 1);
	}
	/* Every datacenter of the serving configuration, and any other a force names. */
	for (size_t i = 0; i < n; i++)
		if (e[i].dc[0])
			add_dc(sf, e[i].dc);
	family(f, "geosteer_datacenter_forced", "gauge",
	       "1 when a datacenter is forced to the state of the label, else 0");
	for (size_t k = 0; k < sf->n_dcs; k++) {
		enum health_force force = HEALTH_FORCE_AUTO;
		for (size_t i = 0; i < n; i++)
			if (e[i].dc[0] && strcmp(e[i].dc, sf->dcs[k]) == 0)
				force = e[i].force;
		sample2(f, "geosteer_datacenter_forced", "datacenter", sf->dcs[k], "state", "up",
		        force == HEALTH_FORCE_UP);
		sample2(f, "geosteer_datacenter_forced", "datacenter", sf->dcs[k], "state", "down",
		        force == HEALTH_FORCE_DOWN);
	}
	free(e);
}

/* The process_* families of the Prometheus client libraries, read now from /proc: a
 * fact that cannot be read is left out (its family too). */
static void render_process(FILE *f)
{
	struct procstat ps;
	procstat_read(&ps);
	if (ps.have_stat) {
		family(f, "process_cpu_seconds_total", "counter",
		       "User and system CPU time of the daemon, every thread, in seconds");
		sample_f(f, "process_cpu_seconds_total", NULL, NULL, ps.cpu_s);
		family(f, "process_resident_memory_bytes", "gauge",
		       "Resident memory of the daemon in bytes");
		sample(f, "process_resident_memory_bytes", ps.rss_bytes);
		family(f, "process_virtual_memory_bytes", "gauge",
		       "Virtual memory of the daemon in bytes");
		sample(f, "process_virtual_memory_bytes", ps.vsize_bytes);
	}
	if (ps.have_start) {
		family(f, "process_start_time_seconds", "gauge",
		       "Start time of the daemon's process, seconds since the Unix epoch");
		sample_f(f, "process_start_time_seconds", NULL, NULL, ps.start_s);
	}
	if (ps.have_fds) {
		family(f, "process_open_fds", "gauge", "File descriptors the daemon has open");
		sample(f, "process_open_fds", ps.open_fds);
	}
	if (ps.have_max_fds) {
		family(f, "process_max_fds", "gauge",
		       "File descriptors the daemon may have open (RLIMIT_NOFILE)");
		sample(f, "process_max_fds", ps.max_fds);
	}
}

/* How long the build of the snapshot served now took: in all, and its parts. */
static void render_load_time(FILE *f, const struct snap_facts *sf)
{
	if (!sf->loaded)
		return;
	family(f, "geosteer_snapshot_load_duration_seconds", "gauge",
	       "Seconds the load, reload or re-sign that made the data served now took, until "
	       "the data was ready to serve");
	sample_f(f, "geosteer_snapshot_load_duration_seconds", NULL, NULL, sf->load_s);
	family(f, "geosteer_snapshot_load_phase_duration_seconds", "gauge",
	       "Seconds of that load spent on a phase: zone_files (reading and indexing the "
	       "zones), steering (the geo maps and the steered names)");
	sample_f(f, "geosteer_snapshot_load_phase_duration_seconds", "phase", "zone_files",
	         sf->zones_s);
	sample_f(f, "geosteer_snapshot_load_phase_duration_seconds", "phase", "steering",
	         sf->steer_s);
}

int metrics_render(const struct metrics_source *src, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	char *zs = NULL, *zr = NULL;
	size_t zs_len = 0, zr_len = 0;
	char *zu = NULL;
	size_t zu_len = 0;
	FILE *serials = open_memstream(&zs, &zs_len), *records = open_memstream(&zr, &zr_len);
	FILE *dc_up = open_memstream(&zu, &zu_len);
	if (!f || !serials || !records || !dc_up) {
		if (f)
			fclose(f);
		if (serials)
			fclose(serials);
		if (records)
			fclose(records);
		if (dc_up)
			fclose(dc_up);
		free(zs);
		free(zr);
		free(zu);
		return GS_ENOMEM;
	}
	struct answer_stats st;
	answer_stats_sum(src->actx, src->n_ctx, &st);
	struct reload_counters cc;
	reload_counters(src->reload, &cc);
	struct snap_facts sf = {.dc_up = dc_up};
	read_snapshot(&sf, serials, records);
	time_t now = time(NULL);

	family(f, "geosteer_build_info", "gauge", "Version of geosteerd; the value is always 1");
	sample2(f, "geosteer_build_info", "version", PACKAGE_VERSION, NULL, NULL, 1);
	family(f, "geosteer_process_start_time_seconds", "gauge",
	       "Start time of the daemon, seconds since the Unix epoch");
	sample(f, "geosteer_process_start_time_seconds", (unsigned long long)src->started);
	family(f, "geosteer_uptime_seconds", "gauge", "Seconds since the daemon started");
	sample(f, "geosteer_uptime_seconds",
	       now > src->started ? (unsigned long long)(now - src->started) : 0);
	family(f, "geosteer_workers", "gauge", "Worker threads answering queries");
	sample(f, "geosteer_workers", src->n_workers);
	render_process(f);

	family(f, "geosteer_queries_total", "counter",
	       "DNS messages received, by transport (every message, dropped ones included)");
	sample2(f, "geosteer_queries_total", "transport", "udp", NULL, NULL, st.udp);
	sample2(f, "geosteer_queries_total", "transport", "tcp", NULL, NULL, st.tcp);
	family(f, "geosteer_responses_total", "counter", "DNS responses sent, by RCODE");
	for (unsigned r = 0; r < GS_ARRAY_LEN(st.rcode); r++) {
		if (r > 5 && st.rcode[r] == 0)
			continue;
		const char *name = answer_rcode_name(r);
		char num[16];
		snprintf(num, sizeof(num), "%u", r);
		sample2(f, "geosteer_responses_total", "rcode", name ? name : num, NULL, NULL,
		        st.rcode[r]);
	}
	family(f, "geosteer_queries_dropped_total", "counter",
	       "Messages that got no response (QR set, shorter than a header)");
	sample(f, "geosteer_queries_dropped_total", st.dropped);
	family(f, "geosteer_responses_truncated_total", "counter",
	       "UDP responses sent truncated (TC=1)");
	sample(f, "geosteer_responses_truncated_total", st.truncated);
	family(f, "geosteer_queries_edns_total", "counter", "Queries with an EDNS OPT record");
	sample(f, "geosteer_queries_edns_total", st.edns);
	family(f, "geosteer_queries_ecs_total", "counter",
	       "Queries with an EDNS Client Subnet option");
	sample(f, "geosteer_queries_ecs_total", st.ecs);
	family(f, "geosteer_rrl_responses_total", "counter",
	       "UDP responses over the rate limit (rate_limit), by what was done instead");
	sample2(f, "geosteer_rrl_responses_total", "action", "dropped", NULL, NULL, st.rrl_dropped);
	sample2(f, "geosteer_rrl_responses_total", "action", "truncated", NULL, NULL,
	        st.rrl_slipped);
	family(f, "geosteer_cookie_queries_total", "counter",
	       "Queries with a DNS COOKIE option while cookies are on, by the server cookie sent");
	sample2(f, "geosteer_cookie_queries_total", "server_cookie", "none", NULL, NULL,
	        st.cookie_new);
	sample2(f, "geosteer_cookie_queries_total", "server_cookie", "valid", NULL, NULL,
	        st.cookie_valid);
	sample2(f, "geosteer_cookie_queries_total", "server_cookie", "invalid", NULL, NULL,
	        st.cookie_invalid);
	family(f, "geosteer_steered_all_down_total", "counter",
	       "Steered answers given while no datacenter of the client's list was up, by the "
	       "service's all_down policy");
	sample2(f, "geosteer_steered_all_down_total", "all_down", "open", NULL, NULL,
	        st.all_down[CFG_ALL_DOWN_OPEN]);
	sample2(f, "geosteer_steered_all_down_total", "all_down", "servfail", NULL, NULL,
	        st.all_down[CFG_ALL_DOWN_SERVFAIL]);
	sample2(f, "geosteer_steered_all_down_total", "all_down", "nodata", NULL, NULL,
	        st.all_down[CFG_ALL_DOWN_NODATA]);
	render_steered(f, &sf);
	family(f, "geosteer_dnstap_messages_total", "counter",
	       "dnstap messages: handed to the writer, dropped because its queue was full, "
	       "written to the collector, discarded while no collector was connected");
	sample2(f, "geosteer_dnstap_messages_total", "result", "sent", NULL, NULL, st.dnstap_sent);
	sample2(f, "geosteer_dnstap_messages_total", "result", "queue_full", NULL, NULL,
	        st.dnstap_full);
	sample2(f, "geosteer_dnstap_messages_total", "result", "written", NULL, NULL,
	        st.dnstap_written);
	sample2(f, "geosteer_dnstap_messages_total", "result", "no_collector", NULL, NULL,
	        st.dnstap_lost);
	if (src->tcp_conns) {
		family(f, "geosteer_tcp_connections", "gauge", "DNS TCP connections open now");
		sample(f, "geosteer_tcp_connections",
		       atomic_load_explicit(src->tcp_conns, memory_order_relaxed));
	}

	family(f, "geosteer_snapshot_generation", "gauge",
	       "Successful loads of the configuration and zones (1 is the load at start)");
	sample(f, "geosteer_snapshot_generation", sf.generation);
	family(f, "geosteer_snapshot_loaded_timestamp_seconds", "gauge",
	       "When the data served now was loaded, seconds since the Unix epoch");
	sample(f, "geosteer_snapshot_loaded_timestamp_seconds",
	       (unsigned long long)(sf.loaded ? sf.loaded_at : 0));
	render_load_time(f, &sf);
	family(f, "geosteer_reloads_total", "counter",
	       "Reloads (control socket, SIGHUP, watch) since start, by result");
	sample2(f, "geosteer_reloads_total", "result", "ok", NULL, NULL, cc.ok);
	sample2(f, "geosteer_reloads_total", "result", "failed", NULL, NULL, cc.failed);
	family(f, "geosteer_reload_last_success_timestamp_seconds", "gauge",
	       "Time of the last successful reload, seconds since the Unix epoch; 0 when none");
	sample(f, "geosteer_reload_last_success_timestamp_seconds",
	       (unsigned long long)cc.last_success);
	family(f, "geosteer_reload_last_failure_timestamp_seconds", "gauge",
	       "Time of the last failed reload, seconds since the Unix epoch; 0 when none");
	sample(f, "geosteer_reload_last_failure_timestamp_seconds",
	       (unsigned long long)cc.last_failure);
	family(f, "geosteer_zones", "gauge", "Zones served");
	sample(f, "geosteer_zones", sf.n_zones);
	family(f, "geosteer_zone_serial", "gauge", "SOA serial of each zone served");
	splice(f, serials, &zs, &zs_len);
	family(f, "geosteer_zone_records", "gauge", "Records of each zone served");
	splice(f, records, &zr, &zr_len);

	render_dnssec(f, &cc, &sf);

	render_health(f, src, &sf);
	if (src->fleet) {
		char *ft = fleet_metrics_text(src->fleet);
		fputs(ft, f);
		free(ft);
	}
	family(f, "geosteer_datacenter_up", "gauge",
	       "Effective state of a datacenter of a service for one address family, as "
	       "answers see it (checks and forces): 1 when at least one address is up");
	splice(f, dc_up, &zu, &zu_len);
	for (size_t i = 0; i < sf.n_served; i++)
		free(sf.served[i]);
	free(sf.served);
	for (size_t i = 0; i < sf.n_dcs; i++)
		free(sf.dcs[i]);
	free(sf.dcs);
	for (size_t i = 0; i < sf.n_sz; i++)
		free(sf.sz[i].keys);
	free(sf.sz);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return GS_ENOMEM;
	}
	return GS_OK;
}

/* ---------------------------------------------------------------- HTTP */

/* Sets k's response: status line, headers, and body (taken over; may be NULL). */
static void http_set(struct connsrv_conn *k, const char *status, const char *extra, char *body,
                     size_t body_len, bool head)
{
	static const char text_type[] = "text/plain; charset=utf-8";
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = open_memstream(&out, &out_len);
	if (!f) {
		free(body);
		return;
	}
	bool ok = strncmp(status, "200", 3) == 0;
	fprintf(f,
	        "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: "
	        "close\r\n\r\n",
	        status, ok ? "text/plain; version=0.0.4; charset=utf-8" : text_type, body_len,
	        extra ? extra : "");
	if (body && !head)
		fwrite(body, 1, body_len, f);
	fclose(f);
	free(body);
	connsrv_reply(k, out, out_len);
}

static void http_error(struct connsrv_conn *k, const char *status, const char *extra, bool head)
{
	char *body = NULL;
	int n = asprintf(&body, "%s\n", status);
	http_set(k, status, extra, n < 0 ? NULL : body, n < 0 ? 0 : (size_t)n, head);
}

/* Answers the request in (request line and headers, NUL-terminated). Only the request
 * line matters (RFC 9112 section 3): METHOD SP TARGET SP HTTP/1.x. */
static void http_answer(struct connsrv_conn *k, const struct metrics *m, char *in)
{
	char *line = in;
	line[strcspn(line, "\r\n")] = '\0';
	char *method = line, *sp1 = strchr(line, ' ');
	char *target = sp1 ? sp1 + 1 : NULL, *sp2 = target ? strchr(target, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || sp1 == method || sp2 == target) {
		http_error(k, "400 Bad Request", NULL, false);
		return;
	}
	*sp1 = *sp2 = '\0';
	const char *version = sp2 + 1;
	if (strncmp(version, "HTTP/1.", 7) != 0 || (version[7] != '0' && version[7] != '1') ||
	    version[8]) {
		http_error(k, "505 HTTP Version Not Supported", NULL, false);
		return;
	}
	bool head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		http_error(k, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", false);
		return;
	}
	target[strcspn(target, "?#")] = '\0'; /* the query string is ignored */
	if (strcmp(target, "/metrics") != 0) {
		http_error(k, "404 Not Found", NULL, head);
		return;
	}
	char *body = NULL;
	size_t len = 0;
	if (metrics_render(&m->src, &body, &len) != GS_OK) {
		http_error(k, "500 Internal Server Error", NULL, head);
		return;
	}
	http_set(k, "200 OK", NULL, body, len, head);
}

/* The end of the headers: an empty line (CRLF CRLF, or LF LF from lax clients). */
static bool headers_done(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n' || (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n'))
			return true;
	}
	return false;
}

/* HTTP/1.x on connsrv: the request line and headers are read (no body), one request
 * per connection. */
static enum connsrv_verdict decide(struct connsrv_conn *k, enum connsrv_event ev, char *in,
                                   size_t len, size_t fresh)
{
	switch (ev) {
	case CONNSRV_INPUT:
		break;
	case CONNSRV_FULL:
		http_error(k, "431 Request Header Fields Too Large", NULL, false);
		return CONNSRV_RESPOND;
	case CONNSRV_TIMEOUT:
		http_error(k, "408 Request Timeout", NULL, false);
		return CONNSRV_RESPOND;
	case CONNSRV_EOF: /* gone, or it stopped sending before the end of its headers */
	case CONNSRV_DISCARDED:
	default:
		return CONNSRV_CLOSE;
	}
	if (memchr(in + fresh, '\0', len - fresh)) {
		http_error(k, "400 Bad Request", NULL, false);
		return CONNSRV_RESPOND;
	}
	/* The blank line may straddle two reads: "\n\r" then "\n" needs two bytes back. */
	size_t from = fresh >= 2 ? fresh - 2 : 0;
	if (!headers_done(in + from, len - from))
		return CONNSRV_MORE;
	http_answer(k, connsrv_listener(k), in);
	return CONNSRV_RESPOND;
}

/* Registered for snapshot_current, and offline except while rendering: an offline
 * thread never delays synchronize_rcu in snapshot_publish. */
static void thread_enter(void *data)
{
	rcu_register_thread();
	rcu_thread_offline();
}

static void thread_leave(void *data)
{
	rcu_thread_online();
	rcu_unregister_thread();
}

static const struct connsrv_proto metrics_connsrv = {
        .name = "metrics",
        .in_max = METRICS_REQUEST_MAX,
        .timeout_ms = METRICS_IO_TIMEOUT_MS,
        .conn_max = METRICS_CONN_MAX,
        .busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: "
                "close\r\n\r\n",
        .decide = decide,
        .thread_enter = thread_enter,
        .thread_leave = thread_leave,
};

/* ---------------------------------------------------------------- life cycle */

int metrics_new(const struct sockaddr_storage *addr, socklen_t len, struct metrics **out)
{
	*out = NULL;
	char where[NETADDR_TEXT_MAX];
	netaddr_format_sockaddr((const struct sockaddr *)addr, where);
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (addr->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (const struct sockaddr *)addr, len) != 0 || listen(fd, 64) != 0) {
		log_err("metrics %s: %s", where, strerror(errno));
		if (fd >= 0)
			close(fd);
		return GS_EIO;
	}
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->fd = fd;
	log_info("metrics on http://%s/metrics", where);
	*out = m;
	return GS_OK;
}

int metrics_start(struct metrics *m, const struct metrics_source *src)
{
	m->src = *src;
	int rc = connsrv_new(&metrics_connsrv, NULL, &m->srv);
	if (rc != GS_OK)
		return rc;
	connsrv_listen(m->srv, m->fd, m);
	rc = connsrv_start(m->srv);
	if (rc != GS_OK) {
		connsrv_free(m->srv);
		m->srv = NULL;
	}
	return rc;
}

void metrics_stop(struct metrics *m)
{
	connsrv_free(m->srv);
	m->srv = NULL;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	metrics_stop(m);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}
