/* SPDX-License-Identifier: MIT
 * nettree.c -- builds the immutable range table described in nettree.h. Load thread;
 * the lookups are inline in the header. */
#include "geoip/nettree.h"

#include <stdbool.h>

#include "server/base/err.h"

#define POP2(b) (b), (b) + 1, (b) + 1, (b) + 2
#define POP4(b) POP2(b), POP2((b) + 1), POP2((b) + 1), POP2((b) + 2)
#define POP6(b) POP4(b), POP4((b) + 1), POP4((b) + 1), POP4((b) + 2)
const uint8_t nettree_pop8[256] = {POP6(0), POP6(1), POP6(1), POP6(2)};

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
	t->run_index = NULL;
	t->run_bound = NULL;
	if (n_runs > NETTREE_RUNS_MAX)
		return GS_EINVAL;
	if (n_runs) {
		/* Each run [i, j): its ranges are marked, its first one in run_index. */
		size_t n_groups = (n + 7) / 8;
		uint32_t *index = arena_alloc(a, n_groups * sizeof(*index));
		uint32_t *bound = arena_alloc(a, 2 * n_runs * sizeof(*bound));
		size_t r = 0;
		for (size_t i = 0; i < n;) {
			size_t j = i + 1;
			while (j < n && (vals[j] & same_mask) == (vals[i] & same_mask))
				j++;
			if (j - i > 1) {
				for (size_t k = i; k < j; k++)
					val[k] |= NETTREE_RUN;
				index[i / 8] |= 1u << (i % 8);
				bound[2 * r] = (uint32_t)i;
				bound[2 * r + 1] = (uint32_t)(j - 1);
				r++;
			}
			i = j;
		}
		uint32_t before = 0;
		for (size_t g = 0; g < n_groups; g++) {
			uint32_t bits8 = index[g];
			index[g] = before << 8 | bits8;
			before += nettree_pop8[bits8];
		}
		t->run_index = index;
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
