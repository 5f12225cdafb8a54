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
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/query/answer.h"

struct dnstap_extra;

/* The longest text; a decision that does not fit is cut short. */
#define DNSTAP_EXTRA_MAX 480u
/* Cache slots (a power of two, direct mapped) and the longest text a slot keeps (a
 * longer one is formatted on every use). 256 x 208 B = 52 KiB per thread. */
#define DNSTAP_EXTRA_SLOTS     256u
#define DNSTAP_EXTRA_SLOT_TEXT 160u

/* Everything the text depends on, as five words: the snapshot's generation, the
 * service, the datacenter, ttl | list << 32 | pos << 48, scope | ty << 8 | failover
 * << 16 | fail_open << 24. Generation 0 (never a snapshot's) marks an empty slot. */
#define DNSTAP_EXTRA_KEY_WORDS 5

struct dnstap_extra_slot {
	uint64_t key[DNSTAP_EXTRA_KEY_WORDS];
	uint16_t len;
	char text[DNSTAP_EXTRA_SLOT_TEXT];
};

struct dnstap_extra {
	struct dnstap_extra_slot slot[DNSTAP_EXTRA_SLOTS];
	char scratch[DNSTAP_EXTRA_MAX]; /* a text too long for a slot */
};

/* A cache for one thread. Never NULL. */
struct dnstap_extra *dnstap_extra_new(void) GS_WUR;
void dnstap_extra_free(struct dnstap_extra *x);
/* Formats the text of n into buf[DNSTAP_EXTRA_MAX] without the cache; returns its
 * length. */
size_t dnstap_extra_format(const struct answer_note *n, char *buf) GS_NONNULL;
/* A text not in the cache: formats it into slot s (or the scratch buffer). */
const char *dnstap_extra_miss(struct dnstap_extra *x, struct dnstap_extra_slot *s,
                              const uint64_t *key, const struct answer_note *n,
                              size_t *len) GS_NONNULL;

/* The text of note n (n->svc set): *len bytes, valid until the next call on x. Inline:
 * a decision seen before is one hash and five compared words. */
static inline const char *dnstap_extra_text(struct dnstap_extra *x, const struct answer_note *n,
                                            size_t *len)
{
	const struct steer_decision *dec = &n->dec;
	uint64_t w[DNSTAP_EXTRA_KEY_WORDS] = {
	        n->gen,
	        (uintptr_t)n->svc,
	        (uintptr_t)dec->dc,
	        dec->ttl | (uint64_t)dec->hit.list << 32 | (uint64_t)dec->pos << 48,
	        dec->scope | (uint64_t)n->ty << 8 | (uint64_t)dec->failover << 16 |
	                (uint64_t)dec->fail_open << 24 | (uint64_t)dec->pick << 32,
	};
	uint64_t h = (w[1] ^ w[2] >> 4 ^ w[3] ^ w[4] << 7) * 0x9e3779b97f4a7c15u;
	struct dnstap_extra_slot *s = &x->slot[h >> 56 & (DNSTAP_EXTRA_SLOTS - 1)];
	if (GS_LIKELY(((s->key[0] ^ w[0]) | (s->key[1] ^ w[1]) | (s->key[2] ^ w[2]) |
	               (s->key[3] ^ w[3]) | (s->key[4] ^ w[4])) == 0)) {
		*len = s->len;
		return s->text;
	}
	return dnstap_extra_miss(x, s, w, n, len);
}

#endif
