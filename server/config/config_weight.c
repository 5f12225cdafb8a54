/* SPDX-License-Identifier: MIT
 * config_weight.c -- parsing weighted groups in map lists and a map's weight_prefix
 * (see config_weight.h). Load thread only. */
#include "server/config/config_weight.h"

#include <stddef.h>
#include <string.h>

#include "server/base/xalloc.h"

struct group_ctx {
	struct cfg_dclist *out;
	uint16_t group;   /* this group's number in the list, from 1 */
	size_t first;     /* index of its first member in out->dcs */
	uint64_t total;   /* sum of its weights */
	bool any_problem; /* a member was refused */
};

static void group_member(struct config_yaml *y, const char *name, yaml_node_t *knode,
                         yaml_node_t *v, void *vctx, const char *where)
{
	struct group_ctx *g = vctx;
	struct cfg_dclist *out = g->out;
	struct srcpos pos = config_yaml_pos(y, knode);
	char sub[CONFIG_WHERE_MAX];
	config_yaml_join(sub, where, name);
	if (!config_yaml_ident(y, pos, "datacenter", name, where)) {
		g->any_problem = true;
		return;
	}
	uint64_t w;
	if (!config_yaml_uint(y, v, sub, 0, CFG_WEIGHT_MAX, &w)) {
		g->any_problem = true;
		return;
	}
	if (out->n - g->first >= CFG_GROUP_MAX) {
		diag_err(y->d, pos, "%s: a weighted group has at most %u members", where,
		         CFG_GROUP_MAX);
		g->any_problem = true;
		return;
	}
	/* Members inside one group repeat only as duplicate keys, which
	 * config_yaml_each refuses; this catches a datacenter that is also a position of
	 * its own or a member of another group of the list. */
	for (size_t j = 0; j < out->n; j++) {
		if (strcmp(out->dcs[j], name) == 0) {
			diag_err(y->d, pos, "%s: datacenter '%s' appears twice in this list", where,
			         name);
			g->any_problem = true;
			return;
		}
	}
	out->dcs[out->n] = xstrdup(name);
	out->group[out->n] = g->group;
	out->weight[out->n] = (uint32_t)w;
	out->n++;
	g->total += w;
}

void config_weight_group(struct config_yaml *y, yaml_node_t *v, const char *where,
                         struct cfg_dclist *out)
{
	uint16_t last = 0;
	for (size_t i = 0; i < out->n; i++)
		last = out->group[i] > last ? out->group[i] : last;
	struct group_ctx g = {.out = out, .group = (uint16_t)(last + 1), .first = out->n};
	struct srcpos pos = config_yaml_pos(y, v);
	if (!config_yaml_each(y, v, where, group_member, &g))
		return;
	if (out->n == g.first && !g.any_problem)
		diag_err(y->d, pos, "%s: a weighted group needs at least one datacenter", where);
	else if (out->n > g.first && g.total == 0 && !g.any_problem)
		diag_err(y->d, pos,
		         "%s: every weight of this group is 0; at least one must be above 0 "
		         "(weight 0 means: only when every other member is down)",
		         where);
}

void config_weight_prefix(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	/* Narrower than /8 (IPv4) or /16 (IPv6) would hand a whole continent's networks
	 * to one member; /32 and /128 split by single addresses. */
	static const struct config_yaml_key keys[] = {
	        {.name = "ipv4",
	         .kind = CONFIG_YAML_UINT,
	         .off = offsetof(struct cfg_map, weight_prefix4),
	         .min = 8,
	         .max = 32,
	         .dflt = 24},
	        {.name = "ipv6",
	         .kind = CONFIG_YAML_UINT,
	         .off = offsetof(struct cfg_map, weight_prefix6),
	         .min = 16,
	         .max = 128,
	         .dflt = 48},
	        {.name = NULL},
	};
	config_yaml_walk(y, v, where, keys, obj, NULL);
}
