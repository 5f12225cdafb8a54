/* SPDX-License-Identifier: MIT
 * nettree.c -- builds the immutable range table described in nettree.h. Load thread;
 * the lookups are inline in the header. */
#include "geoip/nettree.h"

#include <stdbool.h>
#include <string.h>

#include "server/base/err.h"

int nettree_build(struct nettree *t, unsigned bits, const unsigned __int128 *starts,
                  const uint32_t *vals, size_t n, uint32_t same_mask, struct arena *a)
{
	if ((bits != 32 && bits != 128) || n == 0 || n >= UINT32_MAX || starts[0] != 0 ||
	    (vals[0] & NETTREE_RUN))
		return GS_EINVAL;
	size_t n_runs = 0;
	for (size_t i = 1; i < n; i++) {
		if (starts[i] <= starts[i - 1] || vals[i] == vals[i - 1] || (vals[i] & NETTREE_RUN))
			return GS_EINVAL;
		if (bits == 32 && starts[i] > UINT32_MAX)
			return GS_EINVAL;
		bool same = (vals[i] & same_mask) == (vals[i - 1] & same_mask);
		bool after_same = i >= 2 && (vals[i - 1] & same_mask) == (vals[i - 2] & same_mask);
		n_runs += same && !after_same; /* range i - 1 starts a run */
	}
	t->bits = bits;
	t->n = (uint32_t)n;
	uint32_t *val = arena_memdup(a, vals, n * sizeof(*vals));
	t->val = val;
	t->run_start = NULL;
	t->run_rank = NULL;
	t->run_bound = NULL;
	if (n_runs) {
		/* Each run [i, j): its ranges are marked, its first one in run_start. */
		size_t n_words = (n + 63) / 64;
		uint64_t *start = arena_alloc(a, n_words * sizeof(*start));
		uint32_t *rank = arena_alloc(a, n_words * sizeof(*rank));
		uint32_t *bound = arena_alloc(a, 2 * n_runs * sizeof(*bound));
		memset(start, 0, n_words * sizeof(*start));
		size_t r = 0;
		for (size_t i = 0; i < n;) {
			size_t j = i + 1;
			while (j < n && (vals[j] & same_mask) == (vals[i] & same_mask))
				j++;
			if (j - i > 1) {
				for (size_t k = i; k < j; k++)
					val[k] |= NETTREE_RUN;
				start[i / 64] |= UINT64_C(1) << (i % 64);
				bound[2 * r] = (uint32_t)i;
				bound[2 * r + 1] = (uint32_t)(j - 1);
				r++;
			}
			i = j;
		}
		uint32_t before = 0;
		for (size_t w = 0; w < n_words; w++) {
			rank[w] = before;
			before += (uint32_t)__builtin_popcountll(start[w]);
		}
		t->run_start = start;
		t->run_rank = rank;
		t->run_bound = bound;
	}
	if (bits == 32) {
		uint32_t *k = arena_alloc(a, n * sizeof(*k));
		for (size_t i = 0; i < n; i++)
			k[i] = (uint32_t)starts[i];
		t->k4 = k;
		t->k6 = NULL;
	} else {
		t->k6 = arena_memdup(a, starts, n * sizeof(*starts));
		t->k4 = NULL;
	}

	/* jump[b] = index of the range holding b << (bits - 16): the last start <= it. */
	size_t nb = (size_t)1 << NETTREE_JUMP_BITS;
	uint32_t *jump = arena_alloc(a, (nb + 1) * sizeof(*jump));
	unsigned shift = bits - NETTREE_JUMP_BITS;
	size_t i = 0;
	for (size_t b = 0; b < nb; b++) {
		unsigned __int128 first = (unsigned __int128)b << shift;
		while (i + 1 < n && starts[i + 1] <= first)
			i++;
		jump[b] = (uint32_t)i;
	}
	jump[nb] = (uint32_t)(n - 1);
	t->jump = jump;
	return GS_OK;
}
