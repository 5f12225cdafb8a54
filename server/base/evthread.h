/* SPDX-License-Identifier: MIT
 * evthread.h -- a thread that runs its own libev loop until told to stop: the loop
 * created first (so that the owner can add its watchers before the thread runs), the
 * thread started with every signal blocked (signals are the main thread's), optional
 * hooks that run on the thread before and after the loop, and a stop that wakes the
 * loop from another thread and joins it. Used by the control and metrics servers, the
 * file watcher and the health monitor.
 *
 * Threads: evthread_init, evthread_start, evthread_stop and evthread_fini on the
 * owner's thread (the main one); the hooks and every watcher callback on the new
 * thread. */
#ifndef GS_EVTHREAD_H
#define GS_EVTHREAD_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>

#include "server/base/compiler.h"

typedef void (*evthread_hook)(void *data);

struct evthread {
	struct ev_loop *loop; /* the thread's loop, from evthread_init to evthread_fini */
	/* Private. */
	const char *what;
	evthread_hook enter, leave;
	void *data;
	ev_async stop_w;
	pthread_t thread;
	bool is_running;
};

/* Creates t's loop; what names the thread in the log ("metrics", say; borrowed until
 * evthread_fini). Returns GS_OK or GS_EIO (logged). */
int evthread_init(struct evthread *t, const char *what) GS_NONNULL GS_WUR;

/* Starts the thread: enter(data) (when not NULL), the loop until evthread_stop, then
 * leave(data) (when not NULL) with the loop still there, its watchers to stop. Returns
 * GS_OK or GS_EIO (logged; nothing ran). */
int evthread_start(struct evthread *t, evthread_hook enter, evthread_hook leave, void *data)
        GS_NONNULLX(1) GS_WUR;

/* Breaks the loop and joins the thread (after leave); a no-op when it does not run. */
void evthread_stop(struct evthread *t) GS_NONNULL;

/* Stops the thread when it runs and destroys the loop; a no-op on a zeroed t or a
 * finished one. */
void evthread_fini(struct evthread *t) GS_NONNULL;

#endif
