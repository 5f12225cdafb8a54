/* SPDX-License-Identifier: MIT
 * signer.c -- the DNSSEC signer thread (signer.h): an ev_async that runs a pass of
 * server/load/steer_resign.c over the published snapshot's state. */
#include <config.h>

#include "server/signer.h"

#include <ev.h>
#include <stdbool.h>
#include <stdlib.h>

#include "server/base/err.h"
#include "server/base/evthread.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"

struct signer {
	struct evthread thr;
	ev_async wake;
	bool started; /* main or reloading thread */
	struct steer_resign_ref ref;
};

static void on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	(void)loop;
	(void)revents;
	struct signer *s = w->data;
	steer_resign_ref_pass(&s->ref);
}

int signer_new(struct signer **out)
{
	struct signer *s = xcalloc(1, sizeof(*s));
	if (evthread_init(&s->thr, "dnssec signer") != GS_OK) {
		free(s);
		return GS_EIO;
	}
	steer_resign_ref_init(&s->ref);
	ev_async_init(&s->wake, on_wake);
	s->wake.data = s;
	ev_async_start(s->thr.loop, &s->wake);
	*out = s;
	return GS_OK;
}

void signer_attach(void *arg, struct steer_resign *r)
{
	struct signer *s = arg;
	steer_resign_attach(&s->ref, r);
	if (r && !s->started) {
		if (evthread_start(&s->thr, NULL, NULL, NULL) != GS_OK)
			log_err("dnssec: the signer thread could not start: address sets health "
			        "leaves up in large datacenters are not signed");
		else
			s->started = true;
	}
	ev_async_send(s->thr.loop, &s->wake);
}

void signer_kick(void *arg)
{
	struct signer *s = arg;
	ev_async_send(s->thr.loop, &s->wake);
}

void signer_free(struct signer *s)
{
	if (!s)
		return;
	evthread_fini(&s->thr);
	steer_resign_ref_fini(&s->ref);
	free(s);
}
