/* SPDX-License-Identifier: MIT
 * steer_sign.c -- signs the A/AAAA sets of steered names in zones geosteer signs, at
 * snapshot build: every subset of a small datacenter's addresses, the full set, the
 * sets with one address less and the single addresses of a large one. The RRSIGs'
 * original TTL is the larger of the service's ttl and failover_ttl, so that either may
 * be served. A large datacenter's sets are registered with the snapshot's signer state
 * (steer_resign.h), which signs the other sets health may leave up later. Load thread
 * only. */
#include "server/load/steer_sign.h"

#include <string.h>

#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/err.h"
#include "server/load/steer_resign.h"
#include "zones/zone.h"

static const uint16_t rr_type[STEER_N_TYPES] = {DNS_TYPE_A, DNS_TYPE_AAAA};
static const uint16_t rr_len[STEER_N_TYPES] = {4, 16};

/* Signs the addresses of mask of dc's type ty at owner. */
static const struct zone_rrset *sign_set(const struct zone_signing *g, const struct zone *z,
                                         struct arena *a, const uint8_t *owner,
                                         const struct steer_dc *dc, enum steer_type ty,
                                         uint32_t ttl, uint64_t mask)
{
	const uint8_t *rd[STEER_SIGN_ADDRS_MAX];
	uint16_t len[STEER_SIGN_ADDRS_MAX];
	size_t n = 0;
	for (unsigned i = 0; i < dc->n[ty] && i < STEER_SIGN_ADDRS_MAX; i++) {
		if (!(mask >> i & 1u))
			continue;
		rd[n] = dc->rdata[ty] + (size_t)i * rr_len[ty];
		len[n++] = rr_len[ty];
	}
	return zone_signing_sign(g, z, a, owner, rr_type[ty], ttl, rd, len, n);
}

/* Fills sg with the signed sets of dc's type ty. Returns false on a crypto failure. */
static bool sign_dc(const struct zone_signing *g, const struct zone *z, struct arena *a,
                    const uint8_t *owner, const struct steer_dc *dc, enum steer_type ty,
                    uint32_t ttl, struct steer_sigs *sg)
{
	unsigned n = dc->n[ty];
	memset(sg, 0, sizeof(*sg));
	if (n == 0)
		return true;
	uint64_t all = n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1u;
	if (n <= STEER_SIGN_ALL_SUBSETS_MAX) {
		size_t count = (size_t)1 << n;
		const struct zone_rrset **sets = arena_alloc(a, count * sizeof(*sets));
		sets[0] = NULL;
		for (uint64_t m = 1; m < count; m++)
			if (!(sets[m] = sign_set(g, z, a, owner, dc, ty, ttl, m)))
				return false;
		sg->sets = sets;
		sg->n_sets = (uint32_t)count;
		sg->dense = true;
		return true;
	}
	/* Largest first: steer_sigs_pick falls back to the first one inside the served
	 * set. */
	size_t count = 1 + 2 * (size_t)n;
	uint64_t *masks = arena_alloc(a, count * sizeof(*masks));
	const struct zone_rrset **sets = arena_alloc(a, count * sizeof(*sets));
	size_t k = 0;
	masks[k++] = all;
	for (unsigned i = 0; i < n; i++)
		masks[k++] = all & ~((uint64_t)1 << i);
	for (unsigned i = 0; i < n; i++)
		masks[k++] = (uint64_t)1 << i;
	for (size_t i = 0; i < count; i++)
		if (!(sets[i] = sign_set(g, z, a, owner, dc, ty, ttl, masks[i])))
			return false;
	sg->masks = masks;
	sg->sets = sets;
	sg->n_sets = (uint32_t)count;
	return true;
}

int steer_sign_name(const struct cfg_service *cfg_svc, struct steer_name *sn,
                    const struct steer_signer *sg, struct arena *a, struct diag *d)
{
	const struct zone *z = sg->zone;
	const struct zone_signing *g = sg->signing;
	const struct steer_service *svc = sn->svc;
	sn->node = zone_find(z, sn->name);
	char text[DNAME_TEXT_MAX];
	for (size_t k = 0; k < svc->n_dcs; k++) {
		for (unsigned ty = 0; ty < STEER_N_TYPES; ty++) {
			if (svc->dcs[k].n[ty] <= STEER_SIGN_ADDRS_MAX)
				continue;
			dname_to_text(sn->name, text);
			diag_err(d, cfg_svc->dcs[k].pos,
			         "services.%s.datacenters.%s: %u %s addresses; %s is in a zone "
			         "geosteer signs, where a datacenter has at most %u of each type",
			         svc->name, svc->dcs[k].name, svc->dcs[k].n[ty],
			         ty == STEER_A ? "IPv4" : "IPv6", text, STEER_SIGN_ADDRS_MAX);
			return GS_EPARSE;
		}
	}
	uint32_t ttl = svc->ttl > svc->failover_ttl ? svc->ttl : svc->failover_ttl;
	struct steer_sigs *sigs =
	        arena_alloc(a, (svc->n_dcs ? svc->n_dcs : 1) * STEER_N_TYPES * sizeof(*sigs));
	for (size_t k = 0; k < svc->n_dcs; k++) {
		for (unsigned ty = 0; ty < STEER_N_TYPES; ty++) {
			struct steer_sigs *one = &sigs[k * STEER_N_TYPES + ty];
			bool ok = sign_dc(g, z, a, sn->name, &svc->dcs[k], ty, ttl, one);
			if (ok && !one->dense && one->n_sets && sg->resign)
				steer_resign_add(sg->resign, a, z, g, sn->name, &svc->dcs[k], ty,
				                 ttl, one);
			if (!ok) {
				dname_to_text(sn->name, text);
				diag_err(d, cfg_svc->pos,
				         "services.%s: signing the addresses of %s failed (crypto "
				         "library error)",
				         svc->name, text);
				return GS_EPARSE;
			}
		}
	}
	sn->sigs = sigs;
	return GS_OK;
}
