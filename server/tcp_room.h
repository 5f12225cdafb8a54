/* SPDX-License-Identifier: MIT
 * tcp_room.h -- private to server/tcp*.c: a TCP connection and a worker's TCP state, and
 * the lists (server/tcp_room.c) that say which connection gives way to a new one when a
 * cap is full, each kept so that the choice costs the same with ten connections or a
 * million. Worker threads. */
#ifndef GS_TCP_ROOM_H
#define GS_TCP_ROOM_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/query/answer.h"
#include "server/tcp.h"

/* The largest query plus its length prefix: the heap buffer of a long message. */
#define TCP_IN_MAX (2u + TCP_QUERY_MAX)
/* The worker's transmit buffer: room for one largest response plus a batch of small
 * ones, so a read of many pipelined queries is usually answered with one send(). */
#define TCP_TX_CAP (2u + ANSWER_TCP_MAX + 16384u)
/* A connection with answers pending whose client has read nothing for this long can
 * give way to a new connection like an idle one. */
#define TCP_STALLED_S 1.0
/* A doubly linked list of connections, through tcp_conn.prev and next. */
struct tcp_conn_list {
	struct tcp_conn *head, *tail;
	size_t n;
};

struct tcp_conn {
	/* The list of the worker's that holds it (tcp_room.c), or its free list (next). */
	struct tcp_conn *prev, *next;
	struct tcp_conn_list *list; /* NULL on the free list */
	/* Its client slot's list of counted connections on this worker (tcp_room.c). */
	struct tcp_conn *slot_prev, *slot_next;
	struct tcp_worker *tw;
	ev_io io;
	ev_timer timer; /* due at `armed`, the earliest deadline known when it was set */
	int fd;
	int events;    /* what io watches now: EV_READ or EV_WRITE */
	unsigned slot; /* per-client counter slot */
	unsigned n_queries;
	bool is_counted;   /* holds its place under both caps (until closed or made to give way) */
	bool is_eof;       /* the client closed its side */
	bool is_closing;   /* the server decided to close: answers what it had, then FIN */
	bool is_draining;  /* closing, answers sent, FIN sent: discarding input until the client's
	                      FIN */
	ev_tstamp opened;  /* accepted */
	ev_tstamp last_io; /* last byte read or written */
	ev_tstamp last_query; /* last complete query, or when it was accepted */
	ev_tstamp msg_start;  /* first byte of the incomplete message in `in`, or 0 */
	ev_tstamp close_by;   /* closing: closed at this time at the latest */
	ev_tstamp armed;
	size_t read_budget; /* closing: bytes still to read (what the kernel held at the decision)
	                     */
	struct sockaddr_storage peer;
	/* Input: in_small, or big once a message longer than in_small arrives. */
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *big; /* TCP_IN_MAX bytes, or NULL; freed when the connection closes */
	/* Pending output, [out_off, out_len); allocated the first time a send falls short
	 * (TCP_TX_CAP bytes), freed when the connection closes. */
	uint8_t *out;
	size_t out_off, out_len;
	uint8_t in_small[TCP_IN_SMALL];
};

struct tcp_listener {
	ev_io io;
	int fd;
	struct tcp_worker *tw;
};

struct tcp_worker {
	struct worker *w;
	struct tcp_shared *sh;
	struct tcp_listener *ls; /* owned; n_ls entries */
	size_t n_ls;
	ev_timer resume;     /* restarts accepting after a descriptor shortage */
	ev_tstamp warned_at; /* last warning about a descriptor shortage, or 0 */
	unsigned n_unwarned; /* pauses since that warning */
	ev_timer stop;       /* graceful stop: leaves the loop after TCP_CLOSE_GRACE_S */
	bool is_stopping;    /* leaves the loop once the last connection is closed */
	/* Open connections, each on one list (tcp_room.c): counted ones owing no answer
	 * (by_query), counted ones with answers pending (by_write), and those that gave
	 * way and are closing (gone). */
	struct tcp_conn_list by_query, by_write, gone;
	struct tcp_conn **slot_head; /* TCP_CLIENT_SLOTS lists of counted connections */
	struct tcp_conn *free;       /* singly linked through next */
	struct tcp_conn *pool;       /* owned array of n_pool preallocated connections */
	size_t n_pool;
	uint8_t tx[TCP_TX_CAP];
};

static inline bool tcp_room_has_pending(const struct tcp_conn *c)
{
	return c->out_off < c->out_len;
}

/* ---- tcp_room.c: who gives way. ---- */

/* Allocates tw->slot_head; the lists start empty. */
void tcp_room_init(struct tcp_worker *tw) GS_NONNULL;
void tcp_room_free(struct tcp_worker *tw) GS_NONNULL;
/* A new counted connection: the last to give way. */
void tcp_room_add(struct tcp_worker *tw, struct tcp_conn *c) GS_NONNULL;
/* c completed a query at now: the last of its list to give way. */
void tcp_room_queried(struct tcp_conn *c, ev_tstamp now) GS_NONNULL;
/* c's pending output changed: it started, made progress or drained. */
void tcp_room_output(struct tcp_conn *c) GS_NONNULL;
/* c gives way: no longer counted, it closes in the background. */
void tcp_room_give_way(struct tcp_conn *c) GS_NONNULL;
/* c is closed: off every list. */
void tcp_room_remove(struct tcp_conn *c) GS_NONNULL;
/* The connection that gives way to a new one: from the client slot `slot` when
 * per_client (its cap is the one full), else from the whole worker; NULL when none can.
 * A connection can when it owes no answer, or its client has read none for
 * TCP_STALLED_S; among those, the one whose client stopped reading first goes first,
 * then the one with the oldest last complete query. */
struct tcp_conn *tcp_room_victim(struct tcp_worker *tw, bool per_client, unsigned slot,
                                 ev_tstamp now) GS_NONNULL;
/* Open connections on the worker. */
static inline size_t tcp_room_open(const struct tcp_worker *tw)
{
	return tw->by_query.n + tw->by_write.n + tw->gone.n;
}

#endif
