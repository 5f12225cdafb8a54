/* SPDX-License-Identifier: MIT
 * connsrv.h -- a small stream-socket server for request/response protocols with one
 * request per connection: the control sockets and the metrics endpoint. It accepts on
 * one or more listening sockets, caps the connections served at once (one over the cap
 * gets the protocol's "busy" reply and is closed), reads each request into a buffer of
 * bounded size with a timeout, lets the protocol decide after every read (wait for
 * more, answer, close, or drop input up to a delimiter), sends the answer with a fresh
 * timeout, and closes. All of it runs on its own thread and libev loop, never on a
 * worker: a slow or stuck client delays nobody else.
 *
 * Threads: connsrv_new, connsrv_listen, connsrv_start, connsrv_stop and connsrv_free
 * on the main thread; the protocol's callbacks on the server's thread. */
#ifndef GS_CONNSRV_H
#define GS_CONNSRV_H

#include <stdbool.h>
#include <stddef.h>

#include "server/base/compiler.h"

struct connsrv;
struct connsrv_conn;

/* Why the protocol is asked to decide. */
enum connsrv_event {
	CONNSRV_INPUT,     /* bytes arrived: in[fresh .. len) are new */
	CONNSRV_EOF,       /* the client ended its input (nothing new) */
	CONNSRV_FULL,      /* the buffer is full (in_max bytes) and no decision came */
	CONNSRV_DISCARDED, /* the dropping asked for with CONNSRV_DISCARD has ended */
	CONNSRV_TIMEOUT,   /* no decision within the timeout (what had arrived was read) */
};

/* What the protocol decided. CONNSRV_MORE only answers CONNSRV_INPUT and CONNSRV_DISCARD
 * only CONNSRV_INPUT or CONNSRV_FULL; elsewhere either one closes the connection. */
enum connsrv_verdict {
	CONNSRV_MORE,    /* wait for more input */
	CONNSRV_RESPOND, /* send what connsrv_reply set (closes when nothing was), then close */
	CONNSRV_CLOSE,   /* close without an answer */
	/* Read and drop input until a chunk holds the byte discard_end, the input ends, or
	 * discard_max bytes were dropped; then CONNSRV_DISCARDED (also when the timeout
	 * comes first). One read round drops at most discard_round bytes, so that a client
	 * writing without pause cannot hold the thread. */
	CONNSRV_DISCARD,
};

/* A protocol: limits, replies and callbacks (borrowed until connsrv_free). */
struct connsrv_proto {
	const char *name; /* for the log: "control", "metrics" */
	size_t in_max;    /* request bytes kept; the buffer has one more for a NUL */
	int timeout_ms;   /* to receive the request, and again to send the answer */
	unsigned conn_max;
	const char *busy; /* sent to a connection over conn_max before it is closed */
	int discard_end;  /* CONNSRV_DISCARD's delimiter byte */
	size_t discard_max, discard_round;
	/* Decides about k after ev; in[0 .. len) is the request so far, NUL-terminated at
	 * len, and may be changed in place. */
	enum connsrv_verdict (*decide)(struct connsrv_conn *k, enum connsrv_event ev, char *in,
	                               size_t len, size_t fresh);
	/* When not NULL: run on the server's thread before it serves anything, and after
	 * its last connection is closed; get connsrv_new's data. */
	void (*thread_enter)(void *data);
	void (*thread_leave)(void *data);
};

/* Creates a server of protocol p (and its loop; data goes to p's thread hooks).
 * Returns GS_OK and sets *out, or GS_EIO (logged). */
int connsrv_new(const struct connsrv_proto *p, void *data, struct connsrv **out)
        GS_NONNULLX(1, 3) GS_WUR;

/* Serves the listening socket fd (non-blocking; it stays the caller's to close, after
 * connsrv_stop). Its connections carry data (connsrv_listener). Before connsrv_start. */
void connsrv_listen(struct connsrv *s, int fd, void *data) GS_NONNULLX(1);

/* Starts the server's thread. Returns GS_OK or GS_EIO (logged). */
int connsrv_start(struct connsrv *s) GS_NONNULL GS_WUR;

/* Stops and joins the thread, closing every connection (no-op when it does not run). */
void connsrv_stop(struct connsrv *s) GS_NONNULL;

/* Stops the server when it runs and frees it; accepts NULL. */
void connsrv_free(struct connsrv *s);

/* The data of the listening socket k came through. */
void *connsrv_listener(const struct connsrv_conn *k) GS_NONNULL;

/* The uid of the process at the other end of k (SO_PEERCRED; a Unix socket's client as
 * it connected). Returns false when the socket cannot say (not a Unix socket). */
bool connsrv_peer_uid(const struct connsrv_conn *k, long long *uid) GS_NONNULL;

/* Sets k's answer: buf[0 .. len), a heap buffer taken over (free()d when sent), or NULL
 * for none. For the decision that follows: CONNSRV_RESPOND. */
void connsrv_reply(struct connsrv_conn *k, char *buf, size_t len) GS_NONNULLX(1);

#endif
