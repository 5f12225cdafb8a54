/* SPDX-License-Identifier: MIT
 * steer_sign.h -- DNSSEC for steered answers: at snapshot build, while the keys of the
 * zones geosteer signs are loaded, signs the A and AAAA address sets that steering may
 * serve at each steered name of such a zone, so that the query path only picks a
 * signature made ahead of time (struct steer_sigs, server/query/steer.h). Load thread
 * only. */
#ifndef GS_STEER_SIGN_H
#define GS_STEER_SIGN_H

#include <stddef.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"
#include "server/query/steer.h"
#include "zones/zone.h"
#include "zones/zone_signing.h"

/* Datacenters with at most this many addresses of a type get every non-empty subset
 * of them signed (2^n - 1 signatures per key); larger ones the full set, every set
 * with one address less, and every single address (2n + 1). */
#define STEER_SIGN_ALL_SUBSETS_MAX 5u

struct steer_resign;

/* A zone geosteer signed, with the keys its load kept, and where to register the sets
 * of large datacenters for signing after the build (NULL: they are not). */
struct steer_signer {
	const struct zone *zone;
	const struct zone_signing *signing;
	struct steer_resign *resign;
};

/* Signs the address sets of entry sn (a steered name of svc, in signer sg's zone) into a
 * and sets sn->node and sn->sigs; registers the datacenters whose subsets are not all
 * signed with sg->resign. Problems go to d at the service's
 * position in cfg: a datacenter with more than STEER_SIGN_ADDRS_MAX addresses of one
 * type, a crypto library failure. Returns GS_OK or GS_EPARSE. */
int steer_sign_name(const struct cfg_service *cfg_svc, struct steer_name *sn,
                    const struct steer_signer *sg, struct arena *a,
                    struct diag *d) GS_NONNULL GS_WUR;

#endif
