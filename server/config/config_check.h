/* SPDX-License-Identifier: MIT
 * config_check.h -- cross-checks between configuration sections that need no zone or
 * GeoIP data. Private to server/config*.c. Load thread only. */
#ifndef GS_CONFIG_CHECK_H
#define GS_CONFIG_CHECK_H

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"

/* Records in d every inconsistency between sections of c: duplicate zones, services
 * naming unknown maps or checks, map rules naming datacenters a service lacks, steered
 * names outside every zone or claimed twice, rules that need a GeoIP database that is not
 * configured. Warns about datacenters no map rule can reach. */
void config_check_all(const struct cfg *c, struct diag *d) GS_NONNULL;

#endif
