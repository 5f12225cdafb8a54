/* SPDX-License-Identifier: MIT
 * watch.c -- `watch: true` (watch.h): the watcher thread. inotify watches on the
 * folders of the configured files, a name filter per folder, a debounce timer, and
 * reload_run() when it expires. The set of files is read from the configuration
 * file at start and again after every reload (on this thread). Watcher thread, except
 * watch_new/start/stop/free (main thread). */
#include <config.h>

#include "server/ctl/watch.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "server/base/err.h"
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
	int ifd, efd; /* inotify, and the eventfd that wakes the thread */
	struct wdir *dirs;
	size_t n_dirs;
	atomic_bool stop, rescan;
	pthread_t thread;
	bool is_running;
};

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void wake(struct watch *w)
{
	uint64_t one = 1;
	(void)!write(w->efd, &one, sizeof(one));
}

/* reload_on_done's hook: the files may have changed with the configuration. */
static void on_reload(void *arg)
{
	struct watch *w = arg;
	atomic_store(&w->rescan, true);
	wake(w);
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
					atomic_store(&w->rescan, true);
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

static void *watch_main(void *arg)
{
	struct watch *w = arg;
	int64_t first = 0, last = 0; /* pending change: first and last event, 0 = none */
	while (!atomic_load(&w->stop)) {
		if (atomic_exchange(&w->rescan, false))
			rescan(w, NULL);
		int timeout = -1;
		if (last) {
			int64_t due = last + WATCH_DEBOUNCE_MS;
			if (due > first + WATCH_MAX_DELAY_MS)
				due = first + WATCH_MAX_DELAY_MS;
			int64_t left = due - now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		struct pollfd p[2] = {{.fd = w->ifd, .events = POLLIN},
		                      {.fd = w->efd, .events = POLLIN}};
		int n = poll(p, 2, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("watch: poll: %s; no longer watching", strerror(errno));
			break;
		}
		if (n > 0 && (p[1].revents & POLLIN)) {
			uint64_t v;
			(void)!read(w->efd, &v, sizeof(v));
		}
		if (n > 0 && (p[0].revents & POLLIN) && read_events(w)) {
			last = now_ms();
			if (!first)
				first = last;
		}
		if (n == 0 && last) {
			first = last = 0;
			reload(w); /* its hook asks for a rescan */
		}
	}
	return NULL;
}

int watch_new(const struct cfg *cfg, struct reload *rl, struct watch **out)
{
	*out = NULL;
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ifd < 0 || efd < 0) {
		log_err("watch: %s: %s", ifd < 0 ? "inotify" : "eventfd", strerror(errno));
		if (ifd >= 0)
			close(ifd);
		if (efd >= 0)
			close(efd);
		return GS_EIO;
	}
	struct watch *w = xcalloc(1, sizeof(*w));
	w->rl = rl;
	w->config = xstrdup(cfg->path);
	w->ifd = ifd;
	w->efd = efd;
	atomic_init(&w->stop, false);
	atomic_init(&w->rescan, false);
	rescan(w, cfg);
	reload_on_done(rl, on_reload, w);
	log_info("watch: reloading by itself when a configured file changes (%zu folder%s)",
	         w->n_dirs, w->n_dirs == 1 ? "" : "s");
	*out = w;
	return GS_OK;
}

int watch_start(struct watch *w)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&w->thread, NULL, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_err("watch: cannot start its thread: %s", strerror(rc));
		return GS_EIO;
	}
	w->is_running = true;
	return GS_OK;
}

void watch_stop(struct watch *w)
{
	if (!w->is_running)
		return;
	atomic_store(&w->stop, true);
	wake(w);
	pthread_join(w->thread, NULL);
	w->is_running = false;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	if (w->is_running)
		watch_stop(w);
	reload_on_done(w->rl, NULL, NULL);
	dirs_clear(w);
	close(w->ifd);
	close(w->efd);
	free(w->config);
	free(w);
}
