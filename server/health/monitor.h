/* SPDX-License-Identifier: MIT
 * monitor.h -- the health monitor thread: its own libev loop runs every target of the
 * installed health table on a jittered timer, through the probes of check_http.c
 * (libcurl multi), check_tcp.c (nonblocking connect) and check_exec.c (a child in its
 * own process group), and feeds each result to health_record(). The lower half of this
 * header is the probe interface shared by those three files; it runs on the monitor
 * thread, which owns the loop.
 *
 * Life cycle, from the daemon's point of view (the snapshot owns its table and frees
 * it in snapshot_free, after the RCU grace period):
 *
 *   health_new(cfg->state_file, &d, &h);    load thread, once
 *   snapshot_build(cfg, ...) -> next        builds next->health: health_table_new(), then
 *                                           health_table_add_cell() per steered address
 *   first load:  health_install(h, next->health); snapshot_publish(next);
 *                monitor_start(h, &m);      monitors whatever table is installed
 *   reload:      monitor_install(m, next->health);   BEFORE publishing, so the monitor
 *                                           has left the old table when it is freed
 *                snapshot_publish(next);    frees the old snapshot and its table
 *   failed reload: snapshot_free(next)      (never installed)
 *   shutdown:    monitor_stop(m);           cancels every probe (exec children killed
 *                                           and reaped) and joins the thread; then the
 *                                           last snapshot may go, then health_free(h).
 *
 * Once the monitor runs, tables are installed only through monitor_install.
 *
 * The monitor thread blocks every signal; children get an empty mask and default
 * dispositions. Exec children are created so that they never raise SIGCHLD and are
 * invisible to waitpid(-1) (clone exit signal 0): a libev default loop elsewhere in the
 * daemon, which reaps with waitpid(-1), cannot steal their exit status. */
#ifndef GS_MONITOR_H
#define GS_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

#include "server/base/compiler.h"
#include "server/health/health.h"

struct monitor;

/* Starts the monitor thread for h. Returns GS_OK and sets *out, or GS_EIO (thread or
 * loop creation failed; logged). Main/load thread. */
int monitor_start(struct health *h, struct monitor **out) GS_NONNULL GS_WUR;
/* Installs t on the monitor thread: cancels the running probes, calls
 * health_install(h, t) there (so the carried-over states are exact), schedules t's
 * targets with fresh random offsets, and returns the previous table once all that is
 * done. The caller frees that table after the snapshot grace period. Control/load
 * thread; blocks for as long as cancelling takes (milliseconds). */
struct health_table *monitor_install(struct monitor *m, struct health_table *t) GS_NONNULLX(1);
/* Cancels every probe, stops and joins the thread, frees m; accepts NULL. */
void monitor_stop(struct monitor *m);

/* ---- Probe interface (monitor.c, check_http.c, check_tcp.c, check_exec.c). ---- */

/* Per-loop state the probes share: the loop, and libcurl's multi handle with the
 * watchers that drive it (created on first use by check_http). */
struct monitor_loop {
	struct ev_loop *loop;
	void *curl_multi; /* CURLM *, or NULL */
	ev_timer curl_timer;
	size_t n_http; /* transfers in the multi handle */
};

struct monitor_probe;
typedef void (*monitor_done_fn)(struct monitor_probe *p, bool ok, const char *text);

/* One probe in flight (or idle). The owner sets ml, check, addr, done and data, then
 * calls check_X_start(); exactly one done() call follows unless check_X_cancel() comes
 * first. done() may start the probe again. */
struct monitor_probe {
	struct monitor_loop *ml;
	const struct health_check *check; /* borrowed from its table */
	struct netaddr addr;
	monitor_done_fn done;
	void *data; /* the owner's */
	bool running;
	ev_tstamp started;
	/* tcp and exec */
	ev_timer timer;
	ev_io io; /* tcp socket; exec output pipe */
	int fd;
	/* exec */
	ev_io pid_io; /* pidfd readable: the child exited */
	int pidfd;
	pid_t pid;
	bool timed_out;
	char out[96]; /* first bytes of the child's stdout+stderr */
	size_t out_len;
	/* http */
	void *easy;       /* CURL * */
	void *connect_to; /* struct curl_slist * */
	char errbuf[256]; /* CURL_ERROR_SIZE */
};

/* Start a probe: GS_OK (done() will be called later), or an error with a reason in
 * text (then done() is not called and the caller records a failure). */
int check_http_start(struct monitor_probe *p, char *text, size_t cap) GS_NONNULL GS_WUR;
int check_tcp_start(struct monitor_probe *p, char *text, size_t cap) GS_NONNULL GS_WUR;
int check_exec_start(struct monitor_probe *p, char *text, size_t cap) GS_NONNULL GS_WUR;
/* Stop a running probe without calling done(); no-op when idle. Exec children are
 * killed with their process group and reaped. */
void check_http_cancel(struct monitor_probe *p) GS_NONNULL;
void check_tcp_cancel(struct monitor_probe *p) GS_NONNULL;
void check_exec_cancel(struct monitor_probe *p) GS_NONNULL;
/* Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so that a
 * process an exec check leaves behind, even in a session of its own, is re-parented
 * to us rather than to init. Process-wide; monitor_start calls it. GS_OK or GS_EIO. */
int check_exec_adopt_strays(void) GS_WUR;
/* Kills (SIGKILL) and reaps every child of this process outside its own process
 * group, except the processes and process groups in keep[0 .. n_keep) (the running
 * exec probes). No-op before
 * check_exec_adopt_strays. Scans /proc: call it when probes end, not per packet. */
void check_exec_kill_strays(const pid_t *keep, size_t n_keep);
/* Frees the loop's curl state once no http probe runs. */
void check_http_loop_free(struct monitor_loop *ml) GS_NONNULL;
/* Initialises libcurl once per process; called by monitor_start. */
void check_http_global_init(void);

/* Fills the expanded argv of an exec check for addr: every "%a" inside an argument is
 * replaced by the address text. argv and its strings are owned by the caller (free
 * each, then argv). Exposed for tests. */
char **check_exec_argv(const struct health_check *c, const struct netaddr *addr) GS_NONNULL;

#endif
