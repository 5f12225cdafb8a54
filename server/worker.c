/* SPDX-License-Identifier: MIT
 * worker.c -- workers: set-up on the main thread, then one TCP thread per worker running
 * a libev loop over the worker's TCP sockets, beside the worker's UDP threads (udp.c).
 * The TCP thread's RCU bookkeeping lives here: it registers with liburcu-qsbr, goes
 * offline before the loop blocks and online again as soon as it wakes, so a snapshot
 * swap never waits for an idle worker, and the TCP handlers announce a quiescent state
 * after each batch they answer. */
#include <config.h> /* first */

#include "server/worker.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "server/query/answer.h"
#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/dnstap/dnstap.h"
#include "server/tcp.h"
#include "server/udp.h"

/* ev_prepare runs just before the loop polls: nothing of ours runs until it returns,
 * so no snapshot pointer is held. */
static void on_rcu_sleep(struct ev_loop *loop, ev_prepare *p, int revents)
{
	rcu_thread_offline();
}

/* ev_check runs right after the poll, at EV_MAXPRI, before any I/O callback. */
static void on_rcu_wake(struct ev_loop *loop, ev_check *c, int revents)
{
	rcu_thread_online();
}

/* The heartbeat: proves that this loop still gets round to its timers. */
static void on_heartbeat(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = t->data;
#ifdef GS_TEST_HOOKS
	/* Only in the test build of the daemon (tests/system/local.mk), never installed:
	 * worker 0 stalls in this callback while the file named by $GS_TEST_STALL_FILE
	 * exists (at most a minute), as a worker stuck in a loop would. */
	const char *stall = getenv("GS_TEST_STALL_FILE");
	for (int i = 0; stall && w->id == 0 && i < 600 && access(stall, F_OK) == 0; i++)
		usleep(100 * 1000);
#endif
	__atomic_add_fetch(&w->beats, 1, __ATOMIC_RELAXED);
}

/* Stopping: TCP connections are first closed gracefully (their
 * received queries answered), and the TCP module leaves the loop once they are. */
static void on_stop(struct ev_loop *loop, ev_async *a, int revents)
{
	struct worker *w = a->data;
	if (!tcp_worker_stop(w->tcp))
		ev_break(loop, EVBREAK_ALL);
}

struct worker *worker_new(unsigned id, const struct listen_set *ls, struct tcp_shared *shared)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	w->id = id;
	/* EVFLAG_NOSIGMASK: libev must not touch the signal mask (the main thread owns
	 * signals, every worker keeps them blocked). */
	w->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	if (!w->loop) {
		log_err("worker %u: cannot create an event loop", id);
		abort();
	}
	w->actx = answer_ctx_new();

	ev_async_init(&w->stop, on_stop);
	w->stop.data = w;
	ev_async_start(w->loop, &w->stop);
	ev_prepare_init(&w->rcu_sleep, on_rcu_sleep);
	ev_set_priority(&w->rcu_sleep, EV_MINPRI);
	ev_prepare_start(w->loop, &w->rcu_sleep);
	ev_check_init(&w->rcu_wake, on_rcu_wake);
	ev_set_priority(&w->rcu_wake, EV_MAXPRI);
	ev_check_start(w->loop, &w->rcu_wake);
	ev_init(&w->heartbeat, on_heartbeat); /* started by worker_heartbeat_start */
	w->heartbeat.data = w;

	size_t base = (size_t)id * ls->n_addrs;
	w->n_udp = ls->n_addrs;
	w->udp = xcalloc(w->n_udp ? w->n_udp : 1, sizeof(*w->udp));
	for (size_t i = 0; i < ls->n_addrs; i++) {
		udp_sock_init(&w->udp[i], id, ls->udp_fds[base + i], ls->addrs[i].is_wildcard);
		answer_ctx_share_rotation(w->udp[i].actx, w->actx);
	}
	w->tcp = tcp_worker_new(w, shared, ls->tcp_fds + base, ls->n_addrs);
	return w;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	rcu_register_thread(); /* online from here on */
	ev_run(w->loop, 0);
	/* ev_run returns from a callback, after on_rcu_wake: the thread is online. */
	rcu_unregister_thread();
	return NULL;
}

size_t worker_n_ctx(const struct worker *w)
{
	return 1 + w->n_udp;
}

void worker_get_ctx(const struct worker *w, struct answer_ctx **out)
{
	out[0] = w->actx;
	for (size_t i = 0; i < w->n_udp; i++)
		out[1 + i] = w->udp[i].actx;
}

void worker_dnstap(struct worker *w, struct dnstap *d, unsigned first)
{
	w->tap = dnstap_thread_new(d, first, w->actx);
	for (size_t i = 0; i < w->n_udp; i++)
		w->udp[i].tap = dnstap_thread_new(d, first + 1 + (unsigned)i, w->udp[i].actx);
}

void worker_heartbeat_start(struct worker *w, double interval)
{
	ev_timer_set(&w->heartbeat, interval, interval);
	ev_timer_start(w->loop, &w->heartbeat);
	for (size_t i = 0; i < w->n_udp; i++)
		udp_sock_heartbeat(&w->udp[i], interval);
}

uint64_t worker_beats(const struct worker *w)
{
	/* The least of its threads' counts: it stops once one thread is stuck (the others
	 * pass it within a beat or two). */
	uint64_t least = __atomic_load_n(&w->beats, __ATOMIC_RELAXED);
	for (size_t i = 0; i < w->n_udp; i++) {
		uint64_t b = udp_sock_beats(&w->udp[i]);
		least = b < least ? b : least;
	}
	return least;
}

int worker_start(struct worker *w)
{
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc == 0) {
		w->is_running = true;
		for (size_t i = 0; i < w->n_udp; i++)
			if (udp_sock_start(&w->udp[i]) != GS_OK) {
				rc = errno;
				break;
			}
	}
	if (rc != 0) {
		worker_stop(w);
		worker_join(w);
		errno = rc;
		return GS_EIO;
	}
	return GS_OK;
}

void worker_stop(struct worker *w)
{
	for (size_t i = 0; i < w->n_udp; i++)
		udp_sock_stop(&w->udp[i]);
	ev_async_send(w->loop, &w->stop);
}

void worker_join(struct worker *w)
{
	for (size_t i = 0; i < w->n_udp; i++)
		udp_sock_join(&w->udp[i]);
	if (!w->is_running)
		return;
	pthread_join(w->thread, NULL);
	w->is_running = false;
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	tcp_worker_free(w->tcp);
	for (size_t i = 0; i < w->n_udp; i++)
		udp_sock_free(&w->udp[i]);
	free(w->udp);
	ev_async_stop(w->loop, &w->stop);
	ev_prepare_stop(w->loop, &w->rcu_sleep);
	ev_check_stop(w->loop, &w->rcu_wake);
	ev_timer_stop(w->loop, &w->heartbeat); /* a no-op when not started */
	ev_loop_destroy(w->loop);
	dnstap_thread_free(w->tap);
	answer_ctx_free(w->actx);
	free(w);
}
