/* SPDX-License-Identifier: MIT
 * monitor.c -- the monitor thread: one libev loop, one jittered timer and one probe per
 * monitored target of the installed health table; results go to health_record(). The
 * public functions run on the daemon's load/control thread and talk to the monitor
 * thread through an ev_async and a condition variable; the thread itself is an evthread
 * (server/base/evthread.h). */
#include <config.h> /* first: _GNU_SOURCE */
#include "server/health/monitor.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/base/evthread.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"

/* Jitter: each wait is the interval minus up to a tenth of it, so that targets started
 * together drift apart and a target is never probed less often than configured. */
#define JITTER_DIVISOR 10
/* After an exec probe ends, its leftovers are swept this much later (one sweep for
 * every probe that ended meanwhile: a sweep reads all of /proc). */
#define SWEEP_DELAY_S 0.2

struct mon_target {
	struct monitor *m;
	size_t ti; /* index in the installed table */
	ev_timer next;
	struct monitor_probe probe;
};

struct monitor {
	struct health *h;
	struct monitor_loop ml; /* ml.loop is thr's */
	struct evthread thr;
	ev_async wake;
	uint64_t rng;
	/* Installed table and its per-target state (monitor thread only). */
	struct health_table *table;
	struct mon_target *targets;
	size_t n_targets;
	/* Coalesces the sweeps for processes exec checks leave behind. */
	ev_timer sweep;
	/* Requests from other threads, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool want_install;
	struct health_table *install, *previous;
};

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: plenty for spreading timers, and no lock. */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ull;
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static void probe_cancel(struct monitor_probe *p)
{
	switch (p->check->type) {
	case CFG_CHECK_HTTP:
	case CFG_CHECK_HTTPS:
		check_http_cancel(p);
		break;
	case CFG_CHECK_TCP:
		check_tcp_cancel(p);
		break;
	case CFG_CHECK_EXEC:
		check_exec_cancel(p);
		break;
	}
}

/* Starts p; on a synchronous failure returns false with the reason in text. */
static bool probe_start(struct monitor_probe *p, char *text, size_t cap)
{
	int rc = GS_EINVAL;
	snprintf(text, cap, "unknown check type");
	/* The loop's time is that of the start of this loop turn: after slow callbacks
	 * before this one, it would make the probe's timeout (and the next interval)
	 * start in the past. */
	ev_now_update(p->ml->loop);
	p->started = ev_now(p->ml->loop);
	switch (p->check->type) {
	case CFG_CHECK_HTTP:
	case CFG_CHECK_HTTPS:
		rc = check_http_start(p, text, cap);
		break;
	case CFG_CHECK_TCP:
		rc = check_tcp_start(p, text, cap);
		break;
	case CFG_CHECK_EXEC:
		rc = check_exec_start(p, text, cap);
		break;
	}
	return rc == GS_OK;
}

static void schedule(struct mon_target *mt, double delay_s)
{
	ev_timer_stop(mt->m->ml.loop, &mt->next);
	ev_timer_set(&mt->next, delay_s < 0 ? 0 : delay_s, 0.);
	ev_timer_start(mt->m->ml.loop, &mt->next);
}

/* Next probe start: one jittered interval after the previous start. */
static void schedule_next(struct mon_target *mt)
{
	struct monitor *m = mt->m;
	double interval = mt->probe.check->interval_ms / 1000.0;
	double wait = interval - interval / JITTER_DIVISOR * rng_unit(&m->rng);
	double elapsed = ev_now(m->ml.loop) - mt->probe.started;
	schedule(mt, wait - elapsed);
}

/* Kills what exec checks left behind, except the running probes' processes. */
static void sweep_strays(struct monitor *m)
{
	pid_t *keep = xcalloc(m->n_targets ? m->n_targets : 1, sizeof(*keep));
	size_t n = 0;
	for (size_t i = 0; i < m->n_targets; i++) {
		const struct monitor_probe *p = &m->targets[i].probe;
		if (p->running && p->check->type == CFG_CHECK_EXEC && p->pid > 0)
			keep[n++] = p->pid;
	}
	check_exec_kill_strays(keep, n);
	free(keep);
}

static void on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
	sweep_strays(w->data);
}

static void on_probe_done(struct monitor_probe *p, bool ok, const char *text)
{
	struct mon_target *mt = p->data;
	health_record(mt->m->h, mt->m->table, mt->ti, ok, text);
	schedule_next(mt);
	if (p->check->type == CFG_CHECK_EXEC && !ev_is_active(&mt->m->sweep)) {
		ev_timer_set(&mt->m->sweep, SWEEP_DELAY_S, 0.);
		ev_timer_start(mt->m->ml.loop, &mt->m->sweep);
	}
}

static void on_target_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct mon_target *mt = w->data;
	char text[HEALTH_RESULT_MAX];
	if (mt->probe.running)
		return; /* cannot happen: the timer is re-armed only after done() */
	if (!probe_start(&mt->probe, text, sizeof(text))) {
		health_record(mt->m->h, mt->m->table, mt->ti, false, text);
		schedule_next(mt);
	}
}

static void targets_stop(struct monitor *m)
{
	for (size_t i = 0; i < m->n_targets; i++) {
		struct mon_target *mt = &m->targets[i];
		ev_timer_stop(m->ml.loop, &mt->next);
		probe_cancel(&mt->probe);
	}
	free(m->targets);
	m->targets = NULL;
	m->n_targets = 0;
	/* Nothing runs now: whatever a check left behind goes. */
	ev_timer_stop(m->ml.loop, &m->sweep);
	check_exec_kill_strays(NULL, 0);
}

static void targets_start(struct monitor *m, struct health_table *t)
{
	m->table = t;
	m->n_targets = t ? health_table_n_targets(t) : 0;
	m->targets = xcalloc(m->n_targets ? m->n_targets : 1, sizeof(*m->targets));
	for (size_t i = 0; i < m->n_targets; i++) {
		struct mon_target *mt = &m->targets[i];
		const struct health_target *tg = health_table_target(t, i);
		mt->m = m;
		mt->ti = i;
		mt->probe.ml = &m->ml;
		mt->probe.check = tg->check;
		mt->probe.addr = tg->addr;
		mt->probe.done = on_probe_done;
		mt->probe.data = mt;
		mt->probe.fd = -1;
		mt->probe.pidfd = -1;
		ev_init(&mt->next, on_target_timer);
		mt->next.data = mt;
		/* Random first offset within one interval: a (re)load does not fire every
		 * check in the same instant. */
		schedule(mt, tg->check->interval_ms / 1000.0 * rng_unit(&m->rng));
	}
}

static void on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	struct monitor *m = w->data;
	pthread_mutex_lock(&m->mu);
	bool install = m->want_install;
	struct health_table *t = m->install;
	pthread_mutex_unlock(&m->mu);
	struct health_table *prev = NULL;
	if (install) {
		targets_stop(m);
		prev = health_install(m->h, t);
		targets_start(m, t);
	}
	pthread_mutex_lock(&m->mu);
	if (install) {
		m->want_install = false;
		m->previous = prev;
	}
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->mu);
}

/* The end of the monitor thread: every probe and timer stops. */
static void on_leave(void *arg)
{
	struct monitor *m = arg;
	targets_stop(m);
	check_http_loop_free(&m->ml);
}

static uint64_t rng_seed(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s) || s == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid();
	}
	return s ? s : 0x9e3779b97f4a7c15ull;
}

int monitor_start(struct health *h, struct monitor **out)
{
	check_http_global_init();
	struct monitor *m = xcalloc(1, sizeof(*m));
	m->h = h;
	m->rng = rng_seed();
	if (evthread_init(&m->thr, "health monitor") != GS_OK) {
		free(m);
		return GS_EIO;
	}
	m->ml.loop = m->thr.loop;
	if (check_exec_adopt_strays() != GS_OK)
		log_warn("health: cannot become a child subreaper (%s): a process an exec check "
		         "moves to a session of its own may outlive its check",
		         strerror(errno));
	ev_init(&m->sweep, on_sweep);
	m->sweep.data = m;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cond, NULL);
	ev_async_init(&m->wake, on_wake);
	m->wake.data = m;
	ev_async_start(m->ml.loop, &m->wake);
	/* Whatever is installed now is monitored from the start. */
	struct health_table *t = health_installed(h);
	if (t)
		targets_start(m, t);
	if (evthread_start(&m->thr, NULL, on_leave, m) != GS_OK) {
		targets_stop(m);
		evthread_fini(&m->thr);
		pthread_cond_destroy(&m->cond);
		pthread_mutex_destroy(&m->mu);
		free(m);
		return GS_EIO;
	}
	*out = m;
	return GS_OK;
}

struct health_table *monitor_install(struct monitor *m, struct health_table *t)
{
	pthread_mutex_lock(&m->mu);
	m->want_install = true;
	m->install = t;
	ev_async_send(m->ml.loop, &m->wake);
	while (m->want_install)
		pthread_cond_wait(&m->cond, &m->mu);
	struct health_table *prev = m->previous;
	m->previous = NULL;
	pthread_mutex_unlock(&m->mu);
	return prev;
}

void monitor_stop(struct monitor *m)
{
	if (!m)
		return;
	evthread_fini(&m->thr);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->mu);
	free(m);
}
