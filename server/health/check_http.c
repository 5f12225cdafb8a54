/* SPDX-License-Identifier: MIT
 * check_http.c -- http and https probes through libcurl's multi interface, driven by the
 * loop's libev watchers (curl_multi_socket_action from ev_io and ev_timer callbacks).
 * One GET per probe on a fresh connection to the target address; `host` gives the Host
 * header and the TLS SNI name (and the name the certificate is verified against);
 * success is a status listed in `expect`. Redirects are not followed, proxies are not
 * used, and libcurl enforces the timeout. Runs on the loop's thread. */
#include <config.h> /* first: _GNU_SOURCE */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/health/monitor.h"

/* A socket libcurl asked us to watch. */
struct curl_sock {
	ev_io io;
	struct monitor_loop *ml;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		log_err("health: curl_global_init failed; http checks will fail");
}

void check_http_global_init(void)
{
	pthread_once(&global_once, global_init);
}

static void http_finish(struct monitor_loop *ml, CURL *easy, CURLcode res);

/* Collects finished transfers and reports them. */
static void drain_done(struct monitor_loop *ml)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(ml->curl_multi, &left)) != NULL) {
		if (msg->msg == CURLMSG_DONE)
			http_finish(ml, msg->easy_handle, msg->data.result);
	}
}

static void on_curl_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct curl_sock *cs = w->data;
	int action = ((revents & EV_READ) ? CURL_CSELECT_IN : 0) |
	             ((revents & EV_WRITE) ? CURL_CSELECT_OUT : 0);
	int running;
	struct monitor_loop *ml = cs->ml; /* socket_action may free cs (CURL_POLL_REMOVE) */
	curl_multi_socket_action(ml->curl_multi, w->fd, action, &running);
	drain_done(ml);
}

static void on_curl_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct monitor_loop *ml = w->data;
	int running;
	curl_multi_socket_action(ml->curl_multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain_done(ml);
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching a socket. */
static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct monitor_loop *ml = userp;
	struct curl_sock *cs = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (cs) {
			ev_io_stop(ml->loop, &cs->io);
			curl_multi_assign(ml->curl_multi, s, NULL);
			free(cs);
		}
		return 0;
	}
	if (!cs) {
		cs = xcalloc(1, sizeof(*cs));
		cs->ml = ml;
		ev_init(&cs->io, on_curl_io);
		cs->io.data = cs;
		curl_multi_assign(ml->curl_multi, s, cs);
	} else {
		ev_io_stop(ml->loop, &cs->io);
	}
	int events =
	        ((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	ev_io_set(&cs->io, s, events);
	ev_io_start(ml->loop, &cs->io);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: (re)arm or disarm the single multi timer. libcurl forbids
 * calling socket_action from here, so a 0 ms timeout fires from the loop. */
static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct monitor_loop *ml = userp;
	ev_timer_stop(ml->loop, &ml->curl_timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&ml->curl_timer, timeout_ms / 1000.0, 0.);
		ev_timer_start(ml->loop, &ml->curl_timer);
	}
	return 0;
}

static CURLM *multi_get(struct monitor_loop *ml)
{
	if (ml->curl_multi)
		return ml->curl_multi;
	CURLM *multi = curl_multi_init();
	if (!multi)
		return NULL;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, ml);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, ml);
	ev_init(&ml->curl_timer, on_curl_timer);
	ml->curl_timer.data = ml;
	ml->curl_multi = multi;
	return multi;
}

void check_http_loop_free(struct monitor_loop *ml)
{
	if (!ml->curl_multi)
		return;
	ev_timer_stop(ml->loop, &ml->curl_timer);
	curl_multi_cleanup(ml->curl_multi);
	ml->curl_multi = NULL;
}

/* The body is not looked at; discard it. */
static size_t discard_body(char *ptr, size_t size, size_t n, void *userdata)
{
	return size * n;
}

/* Formats an address for a URL or CONNECT_TO: IPv6 in brackets. */
static void url_addr(const struct netaddr *a, char out[NETADDR_TEXT_MAX + 2])
{
	char t[NETADDR_TEXT_MAX];
	netaddr_format(a, t);
	if (a->family == AF_INET6)
		snprintf(out, NETADDR_TEXT_MAX + 2, "[%s]", t);
	else
		snprintf(out, NETADDR_TEXT_MAX + 2, "%s", t);
}

static void http_release(struct monitor_probe *p)
{
	if (p->easy) {
		curl_multi_remove_handle(p->ml->curl_multi, p->easy);
		curl_easy_cleanup(p->easy);
		p->ml->n_http--;
	}
	curl_slist_free_all(p->connect_to);
	p->easy = NULL;
	p->connect_to = NULL;
	p->running = false;
}

int check_http_start(struct monitor_probe *p, char *text, size_t cap)
{
	const struct health_check *c = p->check;
	bool tls = c->type == CFG_CHECK_HTTPS;
	CURLM *multi = multi_get(p->ml);
	CURL *easy = multi ? curl_easy_init() : NULL;
	if (!easy) {
		snprintf(text, cap, "cannot create an HTTP transfer");
		return GS_ENOMEM;
	}
	char addr[NETADDR_TEXT_MAX + 2];
	url_addr(&p->addr, addr);
	/* With a host name, the URL names it (Host header, SNI, certificate name) and
	 * CONNECT_TO sends the connection to the target address without any DNS lookup.
	 * Without one, the URL holds the address itself. */
	const char *name = c->host ? c->host : addr;
	size_t ulen = strlen(name) + strlen(c->path) + 32;
	char *url = xmalloc(ulen);
	snprintf(url, ulen, "%s://%s:%u%s", tls ? "https" : "http", name, c->port, c->path);
	p->connect_to = NULL;
	if (c->host) {
		size_t clen = strlen(c->host) + sizeof(addr) + 32;
		char *ct = xmalloc(clen);
		snprintf(ct, clen, "%s:%u:%s:%u", c->host, c->port, addr, c->port);
		p->connect_to = curl_slist_append(NULL, ct);
		free(ct);
		curl_easy_setopt(easy, CURLOPT_CONNECT_TO, p->connect_to);
	}
	p->errbuf[0] = '\0';
	curl_easy_setopt(easy, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, p);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_PROXY, ""); /* ignore http_proxy & co. */
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	/* A fresh connection each time: a reused one would not test that the address
	 * still accepts connections, and must never serve another target's check. */
	curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "geosteer-health/" PACKAGE_VERSION);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
	if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
		curl_easy_cleanup(easy);
		curl_slist_free_all(p->connect_to);
		p->connect_to = NULL;
		snprintf(text, cap, "cannot start an HTTP transfer");
		return GS_EIO;
	}
	p->easy = easy;
	p->ml->n_http++;
	p->running = true;
	return GS_OK;
}

static void expect_text(const struct health_check *c, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < c->n_expect && k + 8 < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s%u", i ? ", " : "", c->expect[i]);
}

static void http_finish(struct monitor_loop *ml, CURL *easy, CURLcode res)
{
	struct monitor_probe *p = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&p);
	if (!p)
		return;
	const struct health_check *c = p->check;
	char text[HEALTH_RESULT_MAX];
	bool ok = false;
	if (res == CURLE_OK) {
		long code = 0;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
		for (size_t i = 0; i < c->n_expect; i++)
			ok = ok || (long)c->expect[i] == code;
		if (ok) {
			snprintf(text, sizeof(text), "HTTP %ld", code);
		} else {
			char exp[64];
			expect_text(c, exp, sizeof(exp));
			snprintf(text, sizeof(text), "HTTP %ld (expected %s)", code, exp);
		}
	} else if (res == CURLE_OPERATION_TIMEDOUT) {
		curl_off_t connected = 0;
		curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected);
		snprintf(text, sizeof(text), "%s timeout after %u ms",
		         connected > 0 ? "response" : "connect", c->timeout_ms);
	} else {
		const char *why = p->errbuf[0] ? p->errbuf : curl_easy_strerror(res);
		bool is_tls = res == CURLE_PEER_FAILED_VERIFICATION ||
		              res == CURLE_SSL_CONNECT_ERROR || res == CURLE_SSL_CERTPROBLEM ||
		              res == CURLE_SSL_CACERT_BADFILE;
		snprintf(text, sizeof(text), "%s%.140s", is_tls ? "TLS: " : "", why);
	}
	http_release(p);
	p->done(p, ok, text);
}

void check_http_cancel(struct monitor_probe *p)
{
	if (!p->running)
		return;
	http_release(p);
}
