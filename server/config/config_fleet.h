/* SPDX-License-Identifier: MIT
 * config_fleet.h -- the `fleet:` section (docs/design.md rule 6; operator page
 * docs/fleet.md): the etcd cluster that several nameservers share their health
 * observations and forces through. Read by config_schema.c into cfg.fleet; used by
 * server/fleet. Load thread only. */
#ifndef GS_CONFIG_FLEET_H
#define GS_CONFIG_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"

struct config_yaml;

/* How many fresh observations of "down" make an address down for the whole fleet. */
enum cfg_quorum {
	CFG_QUORUM_MAJORITY, /* more than half of the nodes that observe it */
	CFG_QUORUM_ANY,      /* one is enough */
	CFG_QUORUM_ALL,      /* every node that observes it */
};

struct cfg_fleet {
	char **etcd; /* owned: http:// or https:// base URLs, without a trailing slash */
	size_t n_etcd;
	char *prefix; /* owned: starts and ends with '/' */
	char *node;   /* owned or NULL: this node's name (default: identity, then host name) */
	enum cfg_quorum quorum;
	unsigned stale_after_ms;
	/* TLS to etcd (https:// URLs): CA bundle, client certificate and key; owned or
	 * NULL, absolute paths. */
	char *ca_file, *cert_file, *key_file;
	/* etcd's own authentication (user and password, or a file holding the password):
	 * owned or NULL. The password is never logged. */
	char *user, *password, *password_file;
	struct srcpos pos;
};

/* Longest node name: it is a path element of etcd keys and a metrics label. */
#define CFG_FLEET_NODE_MAX 63

/* Reads `fleet:` (value node v) into a new struct cfg_fleet at *(struct cfg_fleet **)obj
 * (obj is &cfg->fleet), recording every problem as FILE:LINE. A config_yaml_fn. */
void config_fleet_parse(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where);
/* Frees f; accepts NULL. */
void config_fleet_free(struct cfg_fleet *f);
/* True when a and b (either may be NULL) configure the same fleet. */
bool config_fleet_same(const struct cfg_fleet *a, const struct cfg_fleet *b);
/* "majority", "any" or "all". */
const char *config_fleet_quorum_name(enum cfg_quorum q);

#endif
