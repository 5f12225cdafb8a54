/* SPDX-License-Identifier: MIT
 * etcd.c -- etcd v3 HTTP/JSON gateway client (etcd.h): one blocking curl easy handle
 * per call, member failover, token authentication, base64 keys, and the newline-
 * delimited JSON stream of /v3/watch. Fleet threads and the control thread. */
#include <config.h> /* first: _GNU_SOURCE */
#include "server/fleet/etcd.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"

/* A member that does not accept a connection within this long counts as down: on
 * loopback or a LAN a connect takes well under a millisecond, and a whole call must
 * fit the fleet thread's tick several times over. */
#define CONNECT_TIMEOUT_MS 500
/* An answer (or a watch stream) larger than this is refused: the fleet's keys are
 * small, a few hundred bytes each. */
#define BODY_MAX (16u << 20)
/* Idle watch streams are kept alive by TCP keepalives: a member that vanished without
 * closing is noticed after about IDLE + 3 x INTVL seconds. */
#define WATCH_KEEPIDLE_S  5
#define WATCH_KEEPINTVL_S 2

struct etcd {
	char **urls; /* owned */
	size_t n_urls;
	atomic_size_t cur; /* the member that answered last */
	char *ca, *cert, *key, *user, *password;
	pthread_mutex_t mu; /* token */
	char *token;        /* owned or NULL */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		log_err("fleet: curl_global_init failed");
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct etcd *etcd_new(const struct cfg_fleet *cf, const char *password)
{
	pthread_once(&curl_once, curl_init_once);
	struct etcd *e = xcalloc(1, sizeof(*e));
	e->urls = xcalloc(cf->n_etcd ? cf->n_etcd : 1, sizeof(char *));
	for (size_t i = 0; i < cf->n_etcd; i++)
		e->urls[i] = xstrdup(cf->etcd[i]);
	e->n_urls = cf->n_etcd;
	e->ca = dup_or_null(cf->ca_file);
	e->cert = dup_or_null(cf->cert_file);
	e->key = dup_or_null(cf->key_file);
	e->user = dup_or_null(cf->user);
	e->password = dup_or_null(password);
	pthread_mutex_init(&e->mu, NULL);
	return e;
}

void etcd_free(struct etcd *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_urls; i++)
		free(e->urls[i]);
	free(e->urls);
	free(e->ca);
	free(e->cert);
	free(e->key);
	free(e->user);
	if (e->password)
		explicit_bzero(e->password, strlen(e->password));
	free(e->password);
	free(e->token);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

const char *etcd_current_url(const struct etcd *e)
{
	return e->n_urls ? e->urls[atomic_load(&e->cur) % e->n_urls] : "";
}

size_t etcd_current_index(const struct etcd *e)
{
	return e->n_urls ? atomic_load(&e->cur) % e->n_urls : 0;
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *etcd_b64_encode(const void *in, size_t len)
{
	const unsigned char *p = in;
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

char *etcd_b64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text);
	if (n % 4)
		return NULL;
	char *out = xmalloc(n / 4 * 3 + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int j = 0; j < 4; j++) {
			v[j] = text[i + j] == '=' && i + 4 == n && j >= 2 ? 0
			                                                  : b64_val(text[i + j]);
			if (v[j] < 0) {
				free(out);
				return NULL;
			}
		}
		unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
		             (unsigned)v[3];
		out[k++] = (char)(w >> 16);
		if (text[i + 2] != '=')
			out[k++] = (char)(w >> 8 & 255);
		if (text[i + 3] != '=')
			out[k++] = (char)(w & 255);
	}
	out[k] = '\0';
	*len = k;
	return out;
}

char *etcd_prefix_end(const char *prefix)
{
	char *end = xstrdup(prefix);
	size_t n = strlen(end);
	/* The prefix is printable text (config_fleet.c): its last byte can be raised. */
	if (n)
		end[n - 1]++;
	return end;
}

/* ---- transport ---- */

struct body {
	char *buf;
	size_t len, cap;
	bool too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	if (b->len + n + 1 > BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->buf = xrealloc(b->buf, b->cap);
	}
	memcpy(b->buf + b->len, ptr, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/* A handle for url + path with TLS and the token header set (*hdrs to free). */
static CURL *easy_for(struct etcd *e, const char *url, const char *path, const char *post,
                      struct curl_slist **hdrs)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	char *full = NULL;
	if (asprintf(&full, "%s%s", url, path) < 0) {
		curl_easy_cleanup(h);
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, full);
	free(full);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	if (e->ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, e->ca);
	if (e->cert) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, e->cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, e->key);
	}
	*hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	pthread_mutex_lock(&e->mu);
	if (e->token) {
		char *line = NULL;
		if (asprintf(&line, "Authorization: %s", e->token) >= 0) {
			*hdrs = curl_slist_append(*hdrs, line);
			free(line);
		}
	}
	pthread_mutex_unlock(&e->mu);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	return h;
}

/* The error etcd put in a JSON answer ({"error": ..., "message": ...}), or NULL. */
static const char *json_error(struct json_object *o)
{
	struct json_object *v;
	if (json_object_object_get_ex(o, "message", &v) ||
	    json_object_object_get_ex(o, "error", &v))
		return json_object_get_string(v);
	return NULL;
}

static bool is_auth_error(const char *msg)
{
	return msg && (strstr(msg, "auth token") || strstr(msg, "user name is empty"));
}

enum outcome { OUT_OK, OUT_NEXT_MEMBER, OUT_AUTH, OUT_FAIL };

/* One POST to one member. */
static enum outcome post_once(struct etcd *e, const char *url, const char *path, const char *req,
                              unsigned timeout_ms, struct json_object **resp, char *why)
{
	struct curl_slist *hdrs = NULL;
	CURL *h = easy_for(e, url, path, req, &hdrs);
	if (!h) {
		snprintf(why, ETCD_WHY_MAX, "cannot create a curl handle");
		return OUT_FAIL;
	}
	struct body b = {0};
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	enum outcome out = OUT_OK;
	struct json_object *o = NULL;
	if (rc != CURLE_OK) {
		snprintf(why, ETCD_WHY_MAX, "%s: %s", url,
		         errbuf[0] ? errbuf : curl_easy_strerror(rc));
		out = OUT_NEXT_MEMBER;
		goto out;
	}
	o = b.buf ? json_tokener_parse(b.buf) : NULL;
	const char *msg = o ? json_error(o) : NULL;
	if (status == 401 || is_auth_error(msg)) {
		snprintf(why, ETCD_WHY_MAX, "%s: authentication: %s", url, msg ? msg : "refused");
		out = OUT_AUTH;
	} else if (status >= 500 || (o && msg)) {
		/* No leader, a member cut off from the others, or a refusal: another member
		 * may do better. */
		snprintf(why, ETCD_WHY_MAX, "%s: HTTP %ld: %.160s", url, status,
		         msg ? msg : "server error");
		out = OUT_NEXT_MEMBER;
	} else if (status != 200 || !o) {
		snprintf(why, ETCD_WHY_MAX, "%s: HTTP %ld%s", url, status,
		         o ? "" : ", not a JSON answer");
		out = OUT_NEXT_MEMBER;
	}
out:
	if (out == OUT_OK)
		*resp = o;
	else if (o)
		json_object_put(o);
	free(b.buf);
	return out;
}

/* Gets a new token from the member at url (user and password). */
static bool authenticate(struct etcd *e, const char *url, unsigned timeout_ms, char *why)
{
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "name", json_object_new_string(e->user));
	json_object_object_add(req, "password", json_object_new_string(e->password));
	char *text = xstrdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	pthread_mutex_lock(&e->mu);
	free(e->token);
	e->token = NULL;
	pthread_mutex_unlock(&e->mu);
	struct json_object *resp = NULL;
	enum outcome out = post_once(e, url, "/v3/auth/authenticate", text, timeout_ms, &resp, why);
	explicit_bzero(text, strlen(text));
	free(text);
	if (out != OUT_OK)
		return false;
	struct json_object *tok;
	bool ok = json_object_object_get_ex(resp, "token", &tok);
	if (ok) {
		pthread_mutex_lock(&e->mu);
		e->token = xstrdup(json_object_get_string(tok));
		pthread_mutex_unlock(&e->mu);
	} else {
		snprintf(why, ETCD_WHY_MAX, "%s: authentication: no token in the answer", url);
	}
	json_object_put(resp);
	return ok;
}

int etcd_call(struct etcd *e, const char *path, struct json_object *req, unsigned timeout_ms,
              struct json_object **resp, char *why)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t start = atomic_load(&e->cur);
	snprintf(why, ETCD_WHY_MAX, "no etcd member configured");
	for (size_t k = 0; k < e->n_urls; k++) {
		size_t i = (start + k) % e->n_urls;
		const char *url = e->urls[i];
		bool need_auth;
		pthread_mutex_lock(&e->mu);
		need_auth = e->user && !e->token;
		pthread_mutex_unlock(&e->mu);
		if (need_auth && !authenticate(e, url, timeout_ms, why))
			continue;
		enum outcome out = post_once(e, url, path, text, timeout_ms, resp, why);
		if (out == OUT_AUTH && e->user && authenticate(e, url, timeout_ms, why))
			out = post_once(e, url, path, text, timeout_ms, resp, why);
		if (out == OUT_OK) {
			atomic_store(&e->cur, i);
			return GS_OK;
		}
	}
	return GS_EIO;
}

/* ---- kv and lease ---- */

/* An int64 field that the gateway writes as a string (or a number): 0 when absent. */
static int64_t get_i64(struct json_object *o, const char *name)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, name, &v))
		return 0;
	return json_object_get_int64(v);
}

static struct json_object *b64_string(const char *s)
{
	char *enc = etcd_b64_encode(s, strlen(s));
	struct json_object *o = json_object_new_string(enc);
	free(enc);
	return o;
}

/* Calls path with req (consumed) and drops the answer. */
static int call_drop(struct etcd *e, const char *path, struct json_object *req, unsigned timeout_ms,
                     char *why)
{
	struct json_object *resp = NULL;
	int rc = etcd_call(e, path, req, timeout_ms, &resp, why);
	json_object_put(req);
	json_object_put(resp);
	return rc;
}

int etcd_lease_grant(struct etcd *e, long ttl_s, unsigned timeout_ms, int64_t *id, char *why)
{
	struct json_object *req = json_object_new_object(), *resp = NULL;
	json_object_object_add(req, "TTL", json_object_new_int64(ttl_s));
	int rc = etcd_call(e, "/v3/lease/grant", req, timeout_ms, &resp, why);
	json_object_put(req);
	if (rc != GS_OK)
		return rc;
	*id = get_i64(resp, "ID");
	json_object_put(resp);
	if (*id == 0) {
		snprintf(why, ETCD_WHY_MAX, "lease grant: no ID in the answer");
		return GS_EIO;
	}
	return GS_OK;
}

int etcd_lease_keepalive(struct etcd *e, int64_t id, unsigned timeout_ms, long *ttl_s, char *why)
{
	struct json_object *req = json_object_new_object(), *resp = NULL, *res;
	json_object_object_add(req, "ID", json_object_new_int64(id));
	int rc = etcd_call(e, "/v3/lease/keepalive", req, timeout_ms, &resp, why);
	json_object_put(req);
	if (rc != GS_OK)
		return rc;
	/* A stream of one message: {"result": {..., "TTL": "N"}}; no TTL: the lease is gone. */
	*ttl_s = json_object_object_get_ex(resp, "result", &res) ? (long)get_i64(res, "TTL") : 0;
	json_object_put(resp);
	return GS_OK;
}

int etcd_lease_revoke(struct etcd *e, int64_t id, unsigned timeout_ms, char *why)
{
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "ID", json_object_new_int64(id));
	return call_drop(e, "/v3/lease/revoke", req, timeout_ms, why);
}

int etcd_put(struct etcd *e, const char *key, const char *value, int64_t lease, unsigned timeout_ms,
             char *why)
{
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "key", b64_string(key));
	json_object_object_add(req, "value", b64_string(value));
	if (lease)
		json_object_object_add(req, "lease", json_object_new_int64(lease));
	return call_drop(e, "/v3/kv/put", req, timeout_ms, why);
}

int etcd_delete(struct etcd *e, const char *key, unsigned timeout_ms, char *why)
{
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "key", b64_string(key));
	return call_drop(e, "/v3/kv/deleterange", req, timeout_ms, why);
}

/* Reports one {"key": B64, "value": B64} of a range or an event. */
static void report_kv(struct json_object *kv, bool is_delete, etcd_kv_fn fn, void *arg)
{
	struct json_object *k, *v;
	if (!json_object_object_get_ex(kv, "key", &k))
		return;
	size_t klen, vlen = 0;
	char *key = etcd_b64_decode(json_object_get_string(k), &klen);
	char *val = NULL;
	if (!is_delete && json_object_object_get_ex(kv, "value", &v))
		val = etcd_b64_decode(json_object_get_string(v), &vlen);
	if (key && strlen(key) == klen)
		fn(arg, is_delete, key, val ? val : "");
	free(key);
	free(val);
}

int etcd_range_prefix(struct etcd *e, const char *prefix, unsigned timeout_ms, etcd_kv_fn fn,
                      void *arg, int64_t *revision, char *why)
{
	char *end = etcd_prefix_end(prefix);
	struct json_object *req = json_object_new_object(), *resp = NULL, *kvs, *hdr;
	json_object_object_add(req, "key", b64_string(prefix));
	json_object_object_add(req, "range_end", b64_string(end));
	free(end);
	int rc = etcd_call(e, "/v3/kv/range", req, timeout_ms, &resp, why);
	json_object_put(req);
	if (rc != GS_OK)
		return rc;
	*revision = json_object_object_get_ex(resp, "header", &hdr) ? get_i64(hdr, "revision") : 0;
	if (json_object_object_get_ex(resp, "kvs", &kvs) &&
	    json_object_is_type(kvs, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(kvs); i++)
			report_kv(json_object_array_get_idx(kvs, i), false, fn, arg);
	}
	json_object_put(resp);
	return GS_OK;
}

/* ---- watch ---- */

struct watch_ctx {
	struct body b;
	etcd_kv_fn fn;
	void (*started)(void *arg);
	void *arg;
	const atomic_bool *stop;
	char *why;
	bool failed; /* etcd said why the watch ended (canceled, compacted) */
};

/* Handles one complete JSON message of the stream. */
static void watch_message(struct watch_ctx *w, const char *line)
{
	struct json_object *o = json_tokener_parse(line), *res, *evs, *v;
	if (!o)
		return;
	const char *msg = json_error(o);
	if (msg) {
		snprintf(w->why, ETCD_WHY_MAX, "watch: %.200s", msg);
		w->failed = true;
	} else if (json_object_object_get_ex(o, "result", &res)) {
		if (json_object_object_get_ex(res, "created", &v) && json_object_get_boolean(v) &&
		    w->started)
			w->started(w->arg);
		if (json_object_object_get_ex(res, "canceled", &v) && json_object_get_boolean(v)) {
			snprintf(w->why, ETCD_WHY_MAX,
			         "watch canceled by etcd (compacted revision %lld)",
			         (long long)get_i64(res, "compact_revision"));
			w->failed = true;
		}
		if (json_object_object_get_ex(res, "events", &evs) &&
		    json_object_is_type(evs, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(evs); i++) {
				struct json_object *ev = json_object_array_get_idx(evs, i), *kv, *t;
				bool del = json_object_object_get_ex(ev, "type", &t) &&
				           strcmp(json_object_get_string(t), "DELETE") == 0;
				if (json_object_object_get_ex(ev, "kv", &kv))
					report_kv(kv, del, w->fn, w->arg);
			}
		}
	}
	json_object_put(o);
}

static size_t on_watch_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct watch_ctx *w = arg;
	size_t n = size * nmemb;
	if (on_body(ptr, size, nmemb, &w->b) != n)
		return 0;
	/* Messages end with a newline; a partial one waits for the rest. */
	char *start = w->b.buf, *nl;
	while ((nl = memchr(start, '\n', w->b.len - (size_t)(start - w->b.buf)))) {
		*nl = '\0';
		watch_message(w, start);
		start = nl + 1;
	}
	size_t left = w->b.len - (size_t)(start - w->b.buf);
	memmove(w->b.buf, start, left);
	w->b.len = left;
	w->b.buf[left] = '\0';
	return w->failed ? 0 : n;
}

static int on_watch_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const struct watch_ctx *w = arg;
	return atomic_load(w->stop) ? 1 : 0;
}

int etcd_watch(struct etcd *e, const char *prefix, int64_t start_revision, etcd_kv_fn fn,
               void (*started)(void *arg), void *arg, const atomic_bool *stop, char *why)
{
	char *end = etcd_prefix_end(prefix);
	struct json_object *req = json_object_new_object(), *cr = json_object_new_object();
	json_object_object_add(cr, "key", b64_string(prefix));
	json_object_object_add(cr, "range_end", b64_string(end));
	json_object_object_add(cr, "start_revision", json_object_new_int64(start_revision));
	json_object_object_add(req, "create_request", cr);
	free(end);
	const char *url = etcd_current_url(e);
	struct curl_slist *hdrs = NULL;
	CURL *h = easy_for(e, url, "/v3/watch",
	                   json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), &hdrs);
	int rc = GS_EIO;
	if (!h) {
		snprintf(why, ETCD_WHY_MAX, "cannot create a curl handle");
		goto out;
	}
	struct watch_ctx w = {.fn = fn, .started = started, .arg = arg, .stop = stop, .why = why};
	char errbuf[CURL_ERROR_SIZE] = "";
	why[0] = '\0';
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_watch_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &w);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_watch_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &w);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, (long)WATCH_KEEPIDLE_S);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, (long)WATCH_KEEPINTVL_S);
	CURLcode cr_rc = curl_easy_perform(h);
	if (atomic_load(stop)) {
		snprintf(why, ETCD_WHY_MAX, "stopped");
		rc = GS_OK;
	} else if (!w.failed) {
		snprintf(why, ETCD_WHY_MAX, "%s: watch stream ended: %s", url,
		         cr_rc != CURLE_OK ? (errbuf[0] ? errbuf : curl_easy_strerror(cr_rc))
		                           : "closed by the member");
	}
	free(w.b.buf);
	curl_easy_cleanup(h);
out:
	curl_slist_free_all(hdrs);
	json_object_put(req);
	return rc;
}
