/* SPDX-License-Identifier: MIT
 * tcp_room.c -- which TCP connection gives way to a new one when a cap is full
 * (tcp_room.h), chosen in time that does not grow with the number of connections, so a
 * flood of new connections at a full cap costs each one the same.
 *
 * Every open connection of a worker is on one of three lists: counted connections that
 * owe no answer, oldest last complete query first (by_query); counted connections with
 * answers pending, the one whose client last read longest ago first (by_write); and
 * connections that gave way and are closing (gone). The global cap takes the head of
 * by_write when its client has read nothing for TCP_STALLED_S, else the head of
 * by_query: two looks. The per-client cap looks only at the connections of the client's
 * slot, which it keeps on a list of its own: at most max_per_client of them. Worker
 * threads (each worker its own lists). */
#include <config.h>

#include "server/tcp_room.h"

#include <stdlib.h>

#include "server/base/xalloc.h"

static void list_unlink(struct tcp_conn *c)
{
	struct tcp_conn_list *l = c->list;
	if (!l)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	l->n--;
	c->prev = c->next = NULL;
	c->list = NULL;
}

/* Moves c to the tail of l (from whichever list holds it). */
static void list_move_tail(struct tcp_conn *c, struct tcp_conn_list *l)
{
	if (c->list == l && l->tail == c)
		return;
	list_unlink(c);
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->n++;
	c->list = l;
}

static void slot_unlink(struct tcp_conn *c)
{
	struct tcp_conn **head = &c->tw->slot_head[c->slot];
	if (c->slot_prev)
		c->slot_prev->slot_next = c->slot_next;
	else if (*head == c)
		*head = c->slot_next;
	else
		return; /* not on it */
	if (c->slot_next)
		c->slot_next->slot_prev = c->slot_prev;
	c->slot_prev = c->slot_next = NULL;
}

void tcp_room_init(struct tcp_worker *tw)
{
	tw->slot_head = xcalloc(TCP_CLIENT_SLOTS, sizeof(*tw->slot_head));
}

void tcp_room_free(struct tcp_worker *tw)
{
	free(tw->slot_head);
	tw->slot_head = NULL;
}

void tcp_room_add(struct tcp_worker *tw, struct tcp_conn *c)
{
	c->list = NULL;
	c->prev = c->next = NULL;
	c->last_query = c->opened;
	list_move_tail(c, tcp_room_has_pending(c) ? &tw->by_write : &tw->by_query);
	struct tcp_conn **head = &tw->slot_head[c->slot];
	c->slot_prev = NULL;
	c->slot_next = *head;
	if (*head)
		(*head)->slot_prev = c;
	*head = c;
}

void tcp_room_queried(struct tcp_conn *c, ev_tstamp now)
{
	c->last_query = now;
	if (c->list == &c->tw->by_query)
		list_move_tail(c, &c->tw->by_query);
}

void tcp_room_output(struct tcp_conn *c)
{
	struct tcp_worker *tw = c->tw;
	if (c->list == &tw->gone || !c->list)
		return;
	/* Pending: behind the others whose clients read more recently. Drained: owing
	 * nothing, it goes behind the connections that wait for a query (its last answers
	 * have just gone out). */
	list_move_tail(c, tcp_room_has_pending(c) ? &tw->by_write : &tw->by_query);
}

void tcp_room_give_way(struct tcp_conn *c)
{
	slot_unlink(c);
	list_move_tail(c, &c->tw->gone);
}

void tcp_room_remove(struct tcp_conn *c)
{
	slot_unlink(c);
	list_unlink(c);
}

/* Whether c, a counted connection, may give way: it owes nothing, or its client has
 * read nothing for TCP_STALLED_S. */
static bool can_give_way(const struct tcp_conn *c, ev_tstamp now)
{
	return !tcp_room_has_pending(c) || now - c->last_io >= TCP_STALLED_S;
}

struct tcp_conn *tcp_room_victim(struct tcp_worker *tw, bool per_client, unsigned slot,
                                 ev_tstamp now)
{
	if (!per_client) {
		struct tcp_conn *w = tw->by_write.head;
		if (w && can_give_way(w, now))
			return w;
		return tw->by_query.head;
	}
	/* The client's slot: its stalled writer that read last longest ago, else its
	 * connection with the oldest last complete query. */
	struct tcp_conn *best = NULL;
	for (struct tcp_conn *c = tw->slot_head[slot]; c; c = c->slot_next) {
		if (!can_give_way(c, now))
			continue;
		bool c_stalled = tcp_room_has_pending(c);
		if (!best) {
			best = c;
			continue;
		}
		bool b_stalled = tcp_room_has_pending(best);
		if (c_stalled != b_stalled) {
			if (c_stalled)
				best = c;
		} else if (c_stalled ? c->last_io < best->last_io
		                     : c->last_query < best->last_query) {
			best = c;
		}
	}
	return best;
}
