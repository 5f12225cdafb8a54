/* SPDX-License-Identifier: MIT
 * daemon.c -- the daemon's life cycle after loading: sockets, privileges, health state,
 * snapshot publication, the control plane (control socket, reload, monitor: control.h),
 * the metrics endpoint (metrics.h), the file watcher (watch.h), worker threads,
 * the service manager (readiness, STATUS= lines, watchdog pings while every worker is
 * alive), signals, re-signing signed zones in time, orderly shutdown. Main thread only;
 * the workers and the control thread are started and stopped from here. */
#include <config.h> /* first: _GNU_SOURCE for sched_getaffinity and CPU_COUNT */

#include "server/daemon.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "server/query/answer.h"
#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/rfile_set.h"
#include "server/base/timefmt.h"
#include "server/base/xalloc.h"
#include "server/ctl/control.h"
#include "server/dnstap/dnstap.h"
#include "server/fleet/fleet.h"
#include "server/health/health.h"
#include "server/health/state_file.h"
#include "server/load/reload.h"
#include "server/listen.h"
#include "server/ctl/metrics.h"
#include "server/sdnotify.h"
#include "server/signer.h"
#include "server/tcp.h"
#include "server/ctl/watch.h"
#include "server/worker.h"

unsigned daemon_thread_count(const struct cfg *cfg)
{
	if (cfg->threads > 0)
		return cfg->threads;
	long n = 0;
	cpu_set_t set;
	/* The CPUs we may run on (cgroups, taskset), not every CPU of the host. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	if (n > DAEMON_MAX_AUTO_THREADS)
		n = DAEMON_MAX_AUTO_THREADS;
	return (unsigned)n;
}

void daemon_check_user(const struct cfg *cfg, struct diag *d)
{
	/* Warnings only: --check often runs on a build or CI machine that has no such
	 * account or group; starting the daemon without them fails (drop_privileges, and
	 * the read-only control socket's group in control_new). */
	const char *group = cfg->control_readonly.group;
	errno = 0;
	if (group && cfg->control_readonly.socket && !getgrnam(group))
		diag_warn(d, cfg->control_readonly.group_pos,
		          "group %s does not exist on this machine%s%s", group, errno ? ": " : "",
		          errno ? strerror(errno) : "");
	if (!cfg->user)
		return;
	errno = 0;
	if (!getpwnam(cfg->user))
		diag_warn(d, cfg->pos_of[CFG_SEC_USER],
		          "user %s does not exist on this machine%s%s", cfg->user,
		          errno ? ": " : "", errno ? strerror(errno) : "");
}

/* Switches to cfg->user once the sockets are bound (ports below 1024 need root).
 * Supplementary groups go first, then the group, then the user: once the user is set we
 * could no longer change the others. Returns GS_OK or an error (logged). */
static int drop_privileges(const struct cfg *cfg)
{
	if (!cfg->user)
		return GS_OK;
	struct srcpos pos = cfg->pos_of[CFG_SEC_USER];
	const char *file = pos.file ? pos.file : cfg->path;
	errno = 0;
	const struct passwd *pw = getpwnam(cfg->user);
	if (!pw) {
		log_err("%s:%u: user %s does not exist", file, pos.line, cfg->user);
		return GS_EINVAL;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (geteuid() != 0) {
		/* Started as that user already (systemd User= with CAP_NET_BIND_SERVICE):
		 * nothing to switch. */
		if (geteuid() == uid && getegid() == gid) {
			log_info("already running as user %s", cfg->user);
			return GS_OK;
		}
		log_err("%s:%u: cannot switch to user %s: geosteerd is not running as root", file,
		        pos.line, cfg->user);
		return GS_EINVAL;
	}
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		log_err("%s:%u: cannot switch to user %s: %s", file, pos.line, cfg->user,
		        strerror(errno));
		return GS_EIO;
	}
	/* Paranoia: if root could be regained, the switch did not happen. */
	if (uid != 0 && setuid(0) == 0) {
		log_err("cannot drop root privileges: setuid(0) still succeeds");
		return GS_EIO;
	}
	log_info("running as user %s (uid %u, gid %u)", cfg->user, (unsigned)uid, (unsigned)gid);
	return GS_OK;
}

/* Blocks the signals the main thread handles, in every thread created from now on
 * (workers inherit the mask), and returns a signalfd that reads them. */
static int signals_take(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* A client closing its TCP connection must not kill us; sends use MSG_NOSIGNAL too. */
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void notify(const char *state)
{
	if (sdnotify_send(state) != GS_OK)
		log_warn("cannot notify the service manager: %s", strerror(errno));
}

static uint64_t mono_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* What the main thread tells the service manager while it serves: STATUS= lines that
 * say what is served and whether the last reload failed (whichever thread reloaded),
 * and the watchdog pings, sent only while every worker's heartbeat moves. */
struct supervise {
	struct worker **workers;
	unsigned n;
	uint64_t *seen;     /* each worker's heartbeats at the last liveness check */
	uint64_t watchdog;  /* $WATCHDOG_USEC, 0 without a watchdog */
	uint64_t tick;      /* the main loop's timer period in microseconds, 0: none */
	uint64_t next_ping; /* monotonic time of the next liveness check */
	bool is_stuck;      /* a worker missed the last check (logged once) */
	size_t n_addrs;
	struct reload *rl;
	char status[512]; /* the STATUS= line sent last */
};

/* Longest period of the main loop's timer: how late a STATUS= line may be after a reload
 * by the control socket or the watcher. */
#define SUPERVISE_STATUS_USEC 1000000u

static void supervise_init(struct supervise *sv, struct worker **workers, unsigned n,
                           size_t n_addrs, struct reload *rl)
{
	memset(sv, 0, sizeof(*sv));
	sv->workers = workers;
	sv->n = n;
	sv->seen = xcalloc(n ? n : 1, sizeof(*sv->seen));
	sv->n_addrs = n_addrs;
	sv->rl = rl;
	sv->watchdog = sdnotify_watchdog_usec();
	if (sdnotify_is_open())
		sv->tick = SUPERVISE_STATUS_USEC;
	if (sv->watchdog) {
		/* Pings at half the interval; each worker beats four times per ping, so one
		 * late timer does not cost a ping. */
		if (sv->watchdog / 2 < sv->tick)
			sv->tick = sv->watchdog / 2 ? sv->watchdog / 2 : 1;
		/* The first check half an interval from now: the workers have beaten by then
		 * (systemd arms the watchdog at READY=1, a little later). */
		sv->next_ping = mono_usec() + sv->watchdog / 2;
		double beat = (double)sv->watchdog / 8e6;
		for (unsigned i = 0; i < n; i++)
			worker_heartbeat_start(workers[i], beat > 0.001 ? beat : 0.001);
		log_info("service watchdog: %.3f s; pinging while every worker thread is alive",
		         (double)sv->watchdog / 1e6);
	}
}

/* Sends STATUS= when what it says changed: zones, records and generation served, and
 * whether the last reload failed. */
static void supervise_status(struct supervise *sv)
{
	if (!sdnotify_is_open())
		return;
	struct reload_counters rc;
	reload_lock(sv->rl);
	const struct snapshot *s = snapshot_current();
	size_t n_zones = s ? s->zones.n : 0, n_records = s ? snapshot_count_records(s) : 0;
	unsigned long long gen = s ? (unsigned long long)s->generation : 0;
	reload_counters(sv->rl, &rc);
	reload_unlock(sv->rl);
	char failed[128] = "";
	if (rc.failed && rc.last_failure > rc.last_success) {
		char t[TIMEFMT_UTC_MAX];
		timefmt_utc(rc.last_failure, t);
		snprintf(failed, sizeof(failed), "; the last reload FAILED (%s, see the log)", t);
	}
	char line[sizeof(sv->status)];
	snprintf(line, sizeof(line),
	         "STATUS=serving %zu zone%s (%zu records, generation %llu) on %zu address%s%s",
	         n_zones, n_zones == 1 ? "" : "s", n_records, gen, sv->n_addrs,
	         sv->n_addrs == 1 ? "" : "es", failed);
	if (strcmp(line, sv->status) == 0)
		return;
	snprintf(sv->status, sizeof(sv->status), "%s", line);
	notify(line);
}

/* The watchdog: WATCHDOG=1 when every worker's heartbeat moved since the last check. A
 * worker that did not is stuck in a callback (its loop would have run the timer): no
 * ping, and the service manager restarts us once the interval runs out. */
static void supervise_watchdog(struct supervise *sv, uint64_t now)
{
	if (!sv->watchdog || now < sv->next_ping)
		return;
	sv->next_ping = now + sv->watchdog / 2;
	unsigned stuck = sv->n;
	for (unsigned i = 0; i < sv->n; i++) {
		uint64_t b = worker_beats(sv->workers[i]);
		if (b == sv->seen[i] && stuck == sv->n)
			stuck = i;
		sv->seen[i] = b;
	}
	if (stuck < sv->n) {
		if (!sv->is_stuck)
			log_err("worker thread %u has not run its event loop for %.1f s: no "
			        "watchdog "
			        "ping while it is stuck",
			        stuck, (double)sv->watchdog / 2e6);
		sv->is_stuck = true;
		return;
	}
	if (sv->is_stuck)
		log_warn("every worker thread runs again: watchdog pings resume");
	sv->is_stuck = false;
	notify("WATCHDOG=1");
}

/* The main loop's timer: a timerfd firing every sv->tick, or -1 when none is needed. */
static int supervise_timer(const struct supervise *sv)
{
	if (!sv->tick)
		return -1;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0) {
		log_warn("timerfd: %s: no watchdog pings nor status updates", strerror(errno));
		return -1;
	}
	struct itimerspec its = {0};
	its.it_interval.tv_sec = (time_t)(sv->tick / 1000000u);
	its.it_interval.tv_nsec = (long)(sv->tick % 1000000u) * 1000;
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		log_warn("timerfd: %s: no watchdog pings nor status updates", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* SIGHUP: reload as the control socket's `reload` does, logging the result. */
static void reload_on_signal(struct supervise *sv)
{
	char state[128];
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	         (unsigned long long)mono_usec());
	notify(state);
	sv->status[0] = '\0';
	struct diag d;
	diag_init(&d);
	char summary[512];
	int rc = reload_run(sv->rl, &d, summary, sizeof(summary));
	diag_log(&d);
	diag_free(&d);
	if (rc == GS_OK)
		log_info("SIGHUP: %s", summary);
	else
		log_err("SIGHUP: %s", summary);
	notify("READY=1");
	supervise_status(sv);
}

/* Signs the zones again (plan: why now), logging the outcome. Returns true on success;
 * on failure the old signatures keep serving, and the error says until when. */
static bool resign(struct reload *rl, const struct reload_resign_plan *plan)
{
	struct diag d;
	diag_init(&d);
	char summary[512], t[TIMEFMT_UTC_MAX];
	timefmt_utc(plan->expires, t);
	log_info("re-signing: the signatures of zone %s expire at %s", plan->zone, t);
#ifdef GS_TEST_HOOKS
	/* Only in the test build of the daemon (tests/system/local.mk), never installed: a
	 * re-sign reads nothing from disk, so no file can make one fail; while the file
	 * named by $GS_TEST_RESIGN_FAIL_FILE exists, each one fails with this error, as it
	 * would if signing failed, to show the retries. */
	const char *fail = getenv("GS_TEST_RESIGN_FAIL_FILE");
	if (fail && access(fail, F_OK) == 0)
		diag_err(&d, (struct srcpos){fail, 0},
		         "test hook: re-signs fail while this file exists");
#endif
	int rc = reload_resign(rl, &d, summary, sizeof(summary));
	diag_log(&d);
	diag_free(&d);
	if (rc == GS_OK) {
		log_info("%s", summary);
		return true;
	}
	long long left = (long long)(plan->expires - time(NULL));
	if (left > 0)
		log_err("%s; the signatures of zone %s expire at %s (in %lld s); trying again in "
		        "%u s",
		        summary, plan->zone, t, left, plan->retry_s);
	else
		log_err("%s; the signatures of zone %s EXPIRED at %s: validating resolvers reject "
		        "its answers; trying again in %u s",
		        summary, plan->zone, t, plan->retry_s);
	return false;
}

/* The longest wait between two looks at the re-sign time: a clock set forward, or a
 * host that slept, is noticed within it. */
#define RESIGN_WAIT_MAX_S 3600

/* The longest wait between two looks at the next force expiry (a clock set forward is
 * noticed within it), and the wait when no eventfd tells of new forces. */
#define FORCE_WAIT_MAX_MS   60000
#define FORCE_WAIT_BLIND_MS 1000

/* Ends the timed forces that are due; lowers *timeout_ms to the wait for the next. */
static void expire_forces(struct health *health, int *timeout_ms)
{
	int wait = health_wake_fd(health) >= 0 ? -1 : FORCE_WAIT_BLIND_MS;
	time_t next = health_next_expiry(health);
	if (next) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec >= next) {
			(void)health_expire(health, now.tv_sec);
			next = health_next_expiry(health);
		}
	}
	if (next) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		long long ms = ((long long)next - now.tv_sec) * 1000 - now.tv_nsec / 1000000;
		ms = ms < 1 ? 1 : ms > FORCE_WAIT_MAX_MS ? FORCE_WAIT_MAX_MS : ms;
		if (wait < 0 || ms < wait)
			wait = (int)ms;
	}
	if (wait >= 0 && (*timeout_ms < 0 || wait < *timeout_ms))
		*timeout_ms = wait;
}

/* Sleeps until SIGTERM or SIGINT, reloading on SIGHUP, re-signing the signed zones
 * when a quarter of their signatures' lifetime is left (a failed re-sign is tried again
 * after plan.retry_s) and ending timed forces when they are due; meanwhile, under a
 * service manager, keeps STATUS= current and pings the watchdog. Returns the signal. */
static int wait_for_stop(int sfd, struct supervise *sv, struct health *health)
{
	int tfd = supervise_timer(sv);
	int sig = SIGTERM;
	time_t retry_at = 0;
	for (;;) {
		int timeout_ms = -1;
		struct reload_resign_plan plan;
		if (reload_resign_plan(sv->rl, &plan)) {
			time_t now = time(NULL), at = plan.due > retry_at ? plan.due : retry_at;
			if (now >= at) {
				retry_at = resign(sv->rl, &plan) ? 0 : time(NULL) + plan.retry_s;
				continue;
			}
			time_t wait = at - now;
			timeout_ms =
			        (int)(wait < RESIGN_WAIT_MAX_S ? wait : RESIGN_WAIT_MAX_S) * 1000;
		}
		expire_forces(health, &timeout_ms);
		struct pollfd pf[4] = {{.fd = sfd, .events = POLLIN},
		                       {.fd = reload_wake_fd(sv->rl), .events = POLLIN},
		                       {.fd = tfd, .events = POLLIN},
		                       {.fd = health_wake_fd(health), .events = POLLIN}};
		int n = poll(pf, 4, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("waiting for signals failed: %s; stopping", strerror(errno));
			break;
		}
		if (pf[1].revents & POLLIN) {
			/* A reload published new data: its re-sign time is looked up again. */
			eventfd_t v;
			(void)eventfd_read(pf[1].fd, &v);
		}
		if (pf[3].revents & POLLIN) {
			/* A force changed: its expiry is looked up again. */
			eventfd_t v;
			(void)eventfd_read(pf[3].fd, &v);
		}
		if (pf[2].revents & POLLIN) {
			uint64_t expirations;
			if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
				log_warn("timerfd: %s", strerror(errno));
			supervise_watchdog(sv, mono_usec());
			supervise_status(sv);
		}
		if (!(pf[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		ssize_t r = read(sfd, &si, sizeof(si));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r != (ssize_t)sizeof(si)) {
			log_err("reading signals failed: %s; stopping", strerror(errno));
			break;
		}
		if (si.ssi_signo == SIGHUP) {
			reload_on_signal(sv);
			continue;
		}
		sig = (int)si.ssi_signo;
		break;
	}
	if (tfd >= 0)
		close(tfd);
	return sig;
}

static void log_totals(struct answer_ctx *const *actx, size_t n_ctx)
{
	struct answer_stats st;
	answer_stats_sum(actx, (unsigned)n_ctx, &st);
	log_info("answered %llu quer%s (%llu over UDP, %llu over TCP)",
	         (unsigned long long)st.queries, st.queries == 1 ? "y" : "ies",
	         (unsigned long long)st.udp, (unsigned long long)st.tcp);
}

/* The optional parts serve() starts and stops with the workers (NULL when off). */
struct extras {
	struct metrics *metrics;
	struct watch *watch;
	struct fleet *fleet; /* with fleet: */
	time_t started;      /* wall clock of the start, for the metrics */
};

/* Starts the metrics endpoint and the watcher once the workers run. */
static int extras_start(const struct extras *x, struct answer_ctx *const *actx, unsigned n_ctx,
                        unsigned n, const struct tcp_shared *shared, const struct reload *rl,
                        struct health *health)
{
	if (x->metrics) {
		struct metrics_source src = {.actx = actx,
		                             .n_ctx = n_ctx,
		                             .n_workers = n,
		                             .tcp_conns = &shared->n_conns,
		                             .reload = rl,
		                             .started = x->started,
		                             .health = health,
		                             .fleet = x->fleet};
		if (metrics_start(x->metrics, &src) != GS_OK)
			return GS_EIO;
	}
	if (x->watch && watch_start(x->watch) != GS_OK)
		return GS_EIO;
	return GS_OK;
}

/* The dnstap identity: dnstap.identity, else identity, else the host name. */
static const char *dnstap_identity(const struct cfg *cfg)
{
	static char host[256];
	if (cfg->dnstap.identity)
		return cfg->dnstap.identity;
	if (cfg->identity && cfg->identity[0])
		return cfg->identity;
	if (gethostname(host, sizeof(host) - 1) != 0)
		return NULL;
	return host;
}

/* Starts n_threads workers on ls, reports readiness, waits for a stop signal on sfd,
 * then stops and frees the workers. Returns the exit status. */
static int serve(const struct cfg *cfg, const struct listen_set *ls, unsigned n_threads,
                 const struct snapshot *snap, int sfd, struct control *ctl, struct reload *rl,
                 struct health *health, const struct extras *x)
{
	int status = 1;
	struct worker **workers = xcalloc(n_threads, sizeof(*workers));
	struct tcp_shared *shared = xmalloc(sizeof(*shared));
	tcp_shared_init(shared, &cfg->tcp, n_threads);
	/* The control plane reads the workers' counters through their answer contexts,
	 * one per thread. */
	size_t n_ctx = 0;
	for (unsigned i = 0; i < n_threads; i++) {
		workers[i] = worker_new(i, ls, shared);
		n_ctx += worker_n_ctx(workers[i]);
	}
	struct answer_ctx **actx = xcalloc(n_ctx, sizeof(*actx));
	for (unsigned i = 0, k = 0; i < n_threads; k += worker_n_ctx(workers[i]), i++)
		worker_get_ctx(workers[i], actx + k);
	struct dnstap *tap = NULL;
	bool tap_ok = true;
	if (cfg->dnstap.socket || cfg->dnstap.file) {
		tap = dnstap_open(&cfg->dnstap, dnstap_identity(cfg), (unsigned)n_ctx);
		tap_ok = tap != NULL;
		for (unsigned i = 0, k = 0; tap && i < n_threads;
		     k += worker_n_ctx(workers[i]), i++)
			worker_dnstap(workers[i], tap, k);
	}
	struct supervise sv;
	supervise_init(&sv, workers, n_threads, ls->n_addrs, rl);
	unsigned n_started = 0;
	while (tap_ok && n_started < n_threads && worker_start(workers[n_started]) == GS_OK)
		n_started++;
	/* Read snap now: once the control thread runs, a reload may free it. */
	size_t n_zones = snap->zones.n, n_records = snapshot_count_records(snap);

	if (!tap_ok) {
		log_err("cannot start dnstap");
	} else if (n_started < n_threads) {
		log_err("cannot start worker thread %u: %s", n_started, strerror(errno));
	} else if (control_start(ctl, actx, (unsigned)n_ctx, n_threads) != GS_OK) {
		log_err("cannot serve the control socket");
	} else if (extras_start(x, actx, (unsigned)n_ctx, n_threads, shared, rl, health) != GS_OK) {
		log_err("cannot start the metrics endpoint or the file watcher");
	} else {
		char where[1024];
		listen_describe(ls, where, sizeof(where));
		log_info("geosteerd %s ready: %zu zone%s (%zu records), listening on %s (UDP and "
		         "TCP), %u worker thread%s",
		         PACKAGE_VERSION, n_zones, n_zones == 1 ? "" : "s", n_records, where,
		         n_threads, n_threads == 1 ? "" : "s");
		notify("READY=1");
		supervise_status(&sv);

		int sig = wait_for_stop(sfd, &sv, health);
		log_info("%s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
		notify("STOPPING=1\nSTATUS=stopping");
		status = 0;
	}

	/* The control thread reads the workers' counters: it goes first, with the metrics
	 * thread; then the watcher (a reload it runs is finished first). */
	control_stop(ctl);
	if (x->metrics)
		metrics_stop(x->metrics);
	if (x->watch)
		watch_stop(x->watch);
	for (unsigned i = 0; i < n_started; i++)
		worker_stop(workers[i]);
	for (unsigned i = 0; i < n_started; i++)
		worker_join(workers[i]);
	if (status == 0)
		log_totals(actx, n_ctx);
	/* What the workers queued is written (or given up) before their buffers go. */
	dnstap_close(tap);
	for (unsigned i = 0; i < n_threads; i++)
		worker_free(workers[i]);
	free(sv.seen);
	free(shared);
	free(workers);
	free(actx);
	return status;
}

/* Creates the health state and loads the state file's overrides (a datacenter forced
 * down before a restart stays down). Returns GS_OK, or GS_EIO when the file exists but
 * cannot be read (logged). */
static int health_open(const struct cfg *cfg, struct health **out)
{
	struct diag d;
	diag_init(&d);
	if (cfg->state_file)
		state_file_remove_temp(cfg->state_file);
	int rc = health_new(cfg->state_file, &d, out);
	diag_log(&d);
	diag_free(&d);
	if (rc != GS_OK)
		log_err("%s: cannot read the state file: not starting", cfg->state_file);
	return rc;
}

int daemon_run(const struct cfg *cfg, struct snapshot *snap, struct rfile_set *src)
{
	int status = 1;
	unsigned n_threads = daemon_thread_count(cfg);
	struct listen_set ls = {0};
	bool is_published = false;
	struct health *health = NULL;
	struct control *ctl = NULL;
	struct reload *rl = NULL;
	struct signer *signer = NULL;
	struct extras x = {.started = time(NULL)};

	int sfd = signals_take();
	if (sfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		goto out;
	}
	if (health_open(cfg, &health) != GS_OK)
		goto out;
	rl = reload_new(cfg, health, src, snap);
	src = NULL; /* the reload state's now */
	/* The signer of steered sets health leaves up (idle until a snapshot needs it). */
	if (signer_new(&signer) != GS_OK)
		goto out;
	health_on_change(health, signer_kick, signer);
	reload_set_signer(rl, signer_attach, signer);
	if (listen_open(&ls, cfg->listen, cfg->n_listen, n_threads) != GS_OK)
		goto out;
	/* Before dropping privileges: fleet.password_file may be root's only. */
	if (cfg->fleet && fleet_new(cfg, health, &x.fleet) != GS_OK)
		goto out;
	/* Before dropping privileges: the socket's folder (/run/geosteer) is root's. */
	struct control_params cp = {
	        .cfg = cfg, .health = health, .reload = rl, .fleet = x.fleet, .has_socket = true};
	if (control_new(&cp, &ctl) != GS_OK)
		goto out;
	/* Before dropping privileges too: the port may be below 1024. */
	if (cfg->has_metrics && metrics_new(&cfg->metrics, cfg->metrics_len, &x.metrics) != GS_OK)
		goto out;
	/* Before dropping privileges: the notification socket may be root's. */
	if (sdnotify_open() != GS_OK)
		log_warn("cannot connect to $NOTIFY_SOCKET (%s): %s", getenv("NOTIFY_SOCKET"),
		         strerror(errno));
	if (drop_privileges(cfg) != GS_OK)
		goto out;
	/* Workers read the snapshot from their first packet on: publish it first, with its
	 * health cells computed from the state file's forces (monitor.h's order: install,
	 * publish, then start the monitor). */
	(void)health_install(health, snap->health);
	signer_attach(signer, snap->resign);
	snapshot_publish(snap);
	is_published = true;
	if (reload_monitor_start(rl) != GS_OK)
		goto out;
	/* After the first install: the fleet publishes this node's targets. */
	if (x.fleet && fleet_start(x.fleet) != GS_OK)
		goto out;
	/* Before any thread that reloads runs (reload_on_done). */
	if (cfg->watch && watch_new(cfg, rl, &x.watch) != GS_OK)
		goto out;
	status = serve(cfg, &ls, n_threads, snap, sfd, ctl, rl, health, &x);
out:
	watch_free(x.watch);
	metrics_free(x.metrics);
	/* Removes the control socket; nothing reloads any more. */
	control_free(ctl);
	/* Before the monitor and the health state it feeds. */
	fleet_free(x.fleet);
	/* Stops the monitor: it must leave the health table before the snapshot that owns
	 * it goes. */
	reload_free(rl);
	listen_close(&ls);
	/* No reader is left: this frees the snapshot at once (the published one may be a
	 * reload's, not snap). */
	if (is_published)
		snapshot_publish(NULL);
	else
		snapshot_free(snap);
	/* After the last snapshot (which detaches from it) and the health state (which
	 * wakes it). */
	health_free(health);
	signer_free(signer);
	rfile_set_free(src); /* NULL once the reload state took it */
	if (sfd >= 0)
		close(sfd);
	sdnotify_close();
	return status;
}
