/* SPDX-License-Identifier: MIT
 * dnstap_extra.h -- the steering decision behind an answer as the text of the dnstap
 * `extra` field ("service=www map=world rule=matched dc=fra list=ams,fra,iad
 * skipped_down=ams scope=24 ttl=20 failover"), with a per-thread cache of the texts
 * already made.
 *
 * The text is a function of the snapshot (its generation), the service, the client's
 * ordered list, the chosen datacenter and its position, the scope, the TTL and the
 * failover flags: a decision seen before by the thread (the common case: a thread
 * answers a handful of decisions per service) is one hash, one key comparison and a
 * pointer to the text; only a new one is formatted. The generation in the key keeps a
 * text from outliving its snapshot even when a new snapshot reuses the old one's
 * addresses. */
#ifndef GS_DNSTAP_EXTRA_H
#define GS_DNSTAP_EXTRA_H

#include <stddef.h>

#include "server/base/compiler.h"

struct answer_note;
struct dnstap_extra;

/* The longest text; a decision that does not fit is cut short. */
#define DNSTAP_EXTRA_MAX 480u

/* A cache for one thread. Never NULL. */
struct dnstap_extra *dnstap_extra_new(void) GS_WUR;
void dnstap_extra_free(struct dnstap_extra *x);
/* The text of note n (n->svc set): *len bytes, valid until the next call on x. */
const char *dnstap_extra_text(struct dnstap_extra *x, const struct answer_note *n,
                              size_t *len) GS_NONNULL;
/* Formats the text of n into buf[DNSTAP_EXTRA_MAX] without the cache; returns its
 * length. */
size_t dnstap_extra_format(const struct answer_note *n, char *buf) GS_NONNULL;

#endif
