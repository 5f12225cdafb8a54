/* SPDX-License-Identifier: MIT
 * config_schema.h -- the configuration schema: which keys exist at each level, their
 * types, bounds and defaults, and the per-section rules. Private to server/config*.c.
 * Load thread only. */
#ifndef GS_CONFIG_SCHEMA_H
#define GS_CONFIG_SCHEMA_H

#include <yaml.h>

#include "server/base/compiler.h"
#include "server/config/config_yaml.h"

/* Sets every default that does not depend on what the file says. */
void config_schema_defaults(struct cfg *c) GS_NONNULL;
/* Walks the top-level mapping root into y->c, recording every problem in y->d, then fills
 * the defaults that depend on other keys (listen, failover_ttl, check timeouts). */
void config_schema_apply(struct config_yaml *y, yaml_node_t *root) GS_NONNULL;
/* The top-level key that indexes cfg.pos_of[s]. */
const char *config_schema_section_name(enum cfg_section s);

#endif
