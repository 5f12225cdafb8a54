/* SPDX-License-Identifier: MIT
 * nettree.c -- builds the immutable range table described in nettree.h. Load thread;
 * the lookups are inline in the header. */
#include "geoip/nettree.h"

#include <stdbool.h>

#include "server/base/err.h"

int nettree_build(struct nettree *t, unsigned bits, const unsigned __int128 *starts,
                  const uint32_t *vals, size_t n, uint32_t same_mask, struct arena *a)
{
	if ((bits != 32 && bits != 128) || n == 0 || n >= UINT32_MAX || starts[0] != 0 ||
	    (vals[0] & NETTREE_RUN))
		return GS_EINVAL;
	bool runs = false;
	for (size_t i = 1; i < n; i++) {
		if (starts[i] <= starts[i - 1] || vals[i] == vals[i - 1] || (vals[i] & NETTREE_RUN))
			return GS_EINVAL;
		if (bits == 32 && starts[i] > UINT32_MAX)
			return GS_EINVAL;
		runs |= (vals[i] & same_mask) == (vals[i - 1] & same_mask);
	}
	t->bits = bits;
	t->n = (uint32_t)n;
	uint32_t *val = arena_memdup(a, vals, n * sizeof(*vals));
	t->val = val;
	t->run = NULL;
	if (runs) {
		/* Each run [i, j): its ranges are marked and point at its bounds. */
		uint32_t *run = arena_alloc(a, 2 * n * sizeof(*run));
		for (size_t i = 0; i < n;) {
			size_t j = i + 1;
			while (j < n && (vals[j] & same_mask) == (vals[i] & same_mask))
				j++;
			for (size_t k = i; j - i > 1 && k < j; k++) {
				val[k] |= NETTREE_RUN;
				run[2 * k] = (uint32_t)i;
				run[2 * k + 1] = (uint32_t)(j - 1);
			}
			i = j;
		}
		t->run = run;
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
