/* SPDX-License-Identifier: MIT
 * watch.c -- `watch: true` (watch.h): the watcher thread, a libev loop (evthread.h).
 * inotify watches on the folders of the configured files (an ev_io on the inotify
 * descriptor), a name filter per folder, a debounce timer (ev_timer), and reload_run()
 * when it expires. The set of files is read from the configuration file at start and
 * again after every reload (an ev_async from whichever thread reloaded). Watcher
 * thread, except watch_new/start/stop/free (main thread). */
#include <config.h>

#include "server/ctl/watch.h"

#include <errno.h>
#include <ev.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/base/evthread.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/load/reload.h"

/* Events that mean a name in a watched folder may now hold other content: written
 * and closed, modified in place, renamed onto or away, created, removed, or its
 * attributes changed (a touch). */
#define WATCH_EVENTS                                                                               \
	(IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |        \
	 IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

/* One watched folder and the names in it that matter. */
struct wdir {
	int wd; /* -1 when the folder could not be watched */
	char *path;
	char **names;
	size_t n_names;
};

struct watch {
	struct reload *rl;
	char *config; /* the configuration file's path */
	int ifd;      /* inotify */
	struct wdir *dirs;
	size_t n_dirs;
	struct evthread thr;
	ev_io inotify_w;
	ev_timer reload_w; /* runs while a change is pending */
	ev_async rescan_w; /* a reload ended, on any thread */
	ev_tstamp first;   /* the pending change's first event (loop time), 0 when none */
	bool want_rescan;  /* a watched folder went away (watcher thread) */
};

/* reload_on_done's hook, on the thread that reloaded: the files may have changed with
 * the configuration. */
static void on_reload(void *arg)
{
	struct watch *w = arg;
	ev_async_send(w->thr.loop, &w->rescan_w);
}

static void dirs_clear(struct watch *w)
{
	for (size_t i = 0; i < w->n_dirs; i++) {
		struct wdir *d = &w->dirs[i];
		if (d->wd >= 0)
			inotify_rm_watch(w->ifd, d->wd);
		for (size_t j = 0; j < d->n_names; j++)
			free(d->names[j]);
		free(d->names);
		free(d->path);
	}
	free(w->dirs);
	w->dirs = NULL;
	w->n_dirs = 0;
}

/* Adds file (a path) to the set: its folder is watched, its last component is one of
 * the names that matter there. */
static void add_file(struct watch *w, const char *file)
{
	if (!file || !*file)
		return;
	const char *slash = strrchr(file, '/');
	char *dir =
	        slash ? xstrndup(file, slash == file ? 1 : (size_t)(slash - file)) : xstrdup(".");
	const char *name = slash ? slash + 1 : file;
	struct wdir *d = NULL;
	for (size_t i = 0; i < w->n_dirs && !d; i++)
		if (strcmp(w->dirs[i].path, dir) == 0)
			d = &w->dirs[i];
	if (d) {
		free(dir);
	} else {
		w->dirs = xrealloc(w->dirs, (w->n_dirs + 1) * sizeof(*w->dirs));
		d = &w->dirs[w->n_dirs++];
		*d = (struct wdir){.wd = -1, .path = dir};
	}
	for (size_t j = 0; j < d->n_names; j++)
		if (strcmp(d->names[j], name) == 0)
			return;
	d->names = xrealloc(d->names, (d->n_names + 1) * sizeof(*d->names));
	d->names[d->n_names++] = xstrdup(name);
}

/* Adds file, and the file a symbolic link there points to (its folder may be where
 * the replacing happens). */
static void add_file_and_target(struct watch *w, const char *file)
{
	add_file(w, file);
	char *real = file ? realpath(file, NULL) : NULL;
	if (real && strcmp(real, file) != 0)
		add_file(w, real);
	free(real);
}

static void add_cfg_files(struct watch *w, const struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_zones; i++)
		add_file_and_target(w, cfg->zones[i].file);
	if (cfg->geoip.enabled) {
		add_file_and_target(w, cfg->geoip.database);
		add_file_and_target(w, cfg->geoip.asn_database);
	}
}

/* (Re)builds the watches from cfg, or, when NULL, from the configuration file as it
 * is now; when that does not load, the previous set is kept (with the configuration
 * file, whose fix will come). */
static void rescan(struct watch *w, const struct cfg *cfg)
{
	struct cfg *loaded = NULL;
	if (!cfg) {
		struct diag d;
		diag_init(&d);
		if (cfg_load(w->config, &d, &loaded) != GS_OK) {
			diag_free(&d);
			log_debug("watch: %s does not load; the watched files stay as they were",
			          w->config);
			return;
		}
		diag_free(&d);
		cfg = loaded;
	}
	dirs_clear(w);
	add_file_and_target(w, w->config);
	add_cfg_files(w, cfg);
	size_t n_files = 0;
	for (size_t i = 0; i < w->n_dirs; i++) {
		struct wdir *d = &w->dirs[i];
		n_files += d->n_names;
		d->wd = inotify_add_watch(w->ifd, d->path, WATCH_EVENTS | IN_ONLYDIR);
		if (d->wd < 0)
			log_warn(
			        "watch: cannot watch the folder %s: %s; changes there are not seen",
			        d->path, strerror(errno));
	}
	log_debug("watch: %zu files in %zu folders", n_files, w->n_dirs);
	cfg_free(loaded);
}

/* Reads the pending inotify events. Returns true when one concerns a watched name. */
static bool read_events(struct watch *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	for (;;) {
		ssize_t r = read(w->ifd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return hit;
		for (char *p = buf; p < buf + r;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				hit = true; /* events were lost: assume the worst */
				continue;
			}
			for (size_t i = 0; i < w->n_dirs; i++) {
				const struct wdir *d = &w->dirs[i];
				if (d->wd != ev->wd)
					continue;
				/* A watched folder itself went away or moved: watch again, and
				 * reload (its files may be elsewhere now). IN_IGNORED for a watch
				 * a rescan removed matches no current folder. */
				if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
					w->want_rescan = true;
					hit = true;
					continue;
				}
				if (ev->len == 0)
					continue;
				for (size_t j = 0; j < d->n_names; j++) {
					if (strcmp(d->names[j], ev->name) == 0) {
						log_debug("watch: %s/%s changed (0x%x)", d->path,
						          ev->name, (unsigned)ev->mask);
						hit = true;
					}
				}
			}
		}
	}
}

static void reload(struct watch *w)
{
	struct diag d;
	diag_init(&d);
	char summary[512];
	log_info("watch: a configured file changed; reloading");
	int rc = reload_run(w->rl, &d, summary, sizeof(summary));
	diag_log(&d);
	diag_free(&d);
	if (rc == GS_OK)
		log_info("watch: %s", summary);
	else
		log_err("watch: %s", summary);
}

static void on_rescan(struct ev_loop *loop, ev_async *a, int revents)
{
	rescan(a->data, NULL);
}

/* The pending change is quiet long enough, or has waited long enough: reload. */
static void on_due(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct watch *w = t->data;
	w->first = 0;
	reload(w); /* its hook asks for a rescan */
}

static void on_inotify(struct ev_loop *loop, ev_io *io, int revents)
{
	struct watch *w = io->data;
	bool hit = read_events(w);
	if (w->want_rescan) {
		w->want_rescan = false;
		rescan(w, NULL);
	}
	if (!hit)
		return;
	/* Reload WATCH_DEBOUNCE_MS after the last change, at most WATCH_MAX_DELAY_MS
	 * after the first. */
	ev_tstamp now = ev_now(loop);
	if (!w->first)
		w->first = now;
	ev_tstamp due = now + WATCH_DEBOUNCE_MS / 1000.0;
	if (due > w->first + WATCH_MAX_DELAY_MS / 1000.0)
		due = w->first + WATCH_MAX_DELAY_MS / 1000.0;
	ev_timer_stop(loop, &w->reload_w);
	ev_timer_set(&w->reload_w, due > now ? due - now : 0., 0.);
	ev_timer_start(loop, &w->reload_w);
}

int watch_new(const struct cfg *cfg, struct reload *rl, struct watch **out)
{
	*out = NULL;
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0) {
		log_err("watch: inotify: %s", strerror(errno));
		return GS_EIO;
	}
	struct watch *w = xcalloc(1, sizeof(*w));
	if (evthread_init(&w->thr, "watch") != GS_OK) {
		close(ifd);
		free(w);
		return GS_EIO;
	}
	w->rl = rl;
	w->config = xstrdup(cfg->path);
	w->ifd = ifd;
	ev_io_init(&w->inotify_w, on_inotify, ifd, EV_READ);
	w->inotify_w.data = w;
	ev_io_start(w->thr.loop, &w->inotify_w);
	ev_init(&w->reload_w, on_due);
	w->reload_w.data = w;
	/* Started now: a reload before watch_start is remembered for the thread. */
	ev_async_init(&w->rescan_w, on_rescan);
	w->rescan_w.data = w;
	ev_async_start(w->thr.loop, &w->rescan_w);
	rescan(w, cfg);
	reload_on_done(rl, on_reload, w);
	log_info("watch: reloading by itself when a configured file changes (%zu folder%s)",
	         w->n_dirs, w->n_dirs == 1 ? "" : "s");
	*out = w;
	return GS_OK;
}

int watch_start(struct watch *w)
{
	return evthread_start(&w->thr, NULL, NULL, NULL);
}

void watch_stop(struct watch *w)
{
	evthread_stop(&w->thr);
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	watch_stop(w);
	reload_on_done(w->rl, NULL, NULL);
	evthread_fini(&w->thr);
	dirs_clear(w);
	close(w->ifd);
	free(w->config);
	free(w);
}
