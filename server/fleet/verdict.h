/* SPDX-License-Identifier: MIT
 * verdict.h -- the fleet's decision for one monitored address (docs/design.md rule 6):
 * from the fresh observations of the nodes that run the same check on it, and the
 * quorum rule, whether the fleet decides (and what), or this node falls back to its own
 * check because too few nodes observe the address. Pure functions: no I/O, no lock. */
#ifndef GS_VERDICT_H
#define GS_VERDICT_H

#include <stdbool.h>

#include "server/base/compiler.h"
#include "server/config/config_fleet.h"

/* Why a target's state is what it is. */
enum verdict_source {
	VERDICT_FLEET,        /* the quorum of fresh observations decided */
	VERDICT_NO_QUORUM,    /* too few nodes observe it: this node's own check decides */
	VERDICT_DISCONNECTED, /* etcd unreachable or this node's lease lost: own check */
};

/* Decides for one address: n_voters nodes (this one included) have a fresh result of
 * the same check definition, n_down of them say down; n_nodes nodes are alive in the
 * fleet. The fleet decides when more than half of the live nodes vote (a node that
 * has no result yet, or runs another definition, does not); then *up follows the rule:
 * majority: down when more than half of the voters say down; any: down when one does;
 * all: down when every voter does. Returns VERDICT_FLEET (with *up) or
 * VERDICT_NO_QUORUM (*up untouched). */
enum verdict_source verdict_decide(enum cfg_quorum q, unsigned n_voters, unsigned n_down,
                                   unsigned n_nodes, bool *up) GS_NONNULL;

/* "fleet", "own (no quorum)", "own (disconnected)": for status and explain. */
const char *verdict_source_text(enum verdict_source s);
/* "fleet", "no_quorum", "disconnected": a metrics label value. */
const char *verdict_source_label(enum verdict_source s);

#endif
