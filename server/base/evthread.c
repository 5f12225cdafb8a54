/* SPDX-License-Identifier: MIT
 * evthread.c -- a thread running its own libev loop, with start and stop
 * (evthread.h). */
#include <config.h>

#include "server/base/evthread.h"

#include <signal.h>
#include <string.h>

#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/thread.h"

int evthread_init(struct evthread *t, const char *what)
{
	*t = (struct evthread){.what = what};
	t->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	if (!t->loop) {
		log_err("%s: cannot create an event loop", what);
		return GS_EIO;
	}
	return GS_OK;
}

static void on_stop(struct ev_loop *loop, ev_async *a, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void *evthread_main(void *arg)
{
	struct evthread *t = arg;
	if (t->enter)
		t->enter(t->data);
	ev_run(t->loop, 0);
	if (t->leave)
		t->leave(t->data);
	return NULL;
}

int evthread_start(struct evthread *t, evthread_hook enter, evthread_hook leave, void *data)
{
	t->enter = enter;
	t->leave = leave;
	t->data = data;
	ev_async_init(&t->stop_w, on_stop);
	ev_async_start(t->loop, &t->stop_w);
	int rc = thread_spawn(&t->thread, evthread_main, t);
	if (rc != 0) {
		log_err("%s: cannot start its thread: %s", t->what, strerror(rc));
		ev_async_stop(t->loop, &t->stop_w);
		return GS_EIO;
	}
	t->is_running = true;
	return GS_OK;
}

void evthread_stop(struct evthread *t)
{
	if (!t->is_running)
		return;
	ev_async_send(t->loop, &t->stop_w);
	pthread_join(t->thread, NULL);
	t->is_running = false;
	ev_async_stop(t->loop, &t->stop_w);
}

void evthread_fini(struct evthread *t)
{
	evthread_stop(t);
	if (t->loop)
		ev_loop_destroy(t->loop);
	t->loop = NULL;
}
