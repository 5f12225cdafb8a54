/* SPDX-License-Identifier: MIT
 * verdict.c -- the quorum rule over fresh observations (verdict.h). Fleet thread and
 * tests. */
#include "server/fleet/verdict.h"

enum verdict_source verdict_decide(enum cfg_quorum q, unsigned n_voters, unsigned n_down,
                                   unsigned n_nodes, bool *up)
{
	/* This node counts as alive even before its own node key came back from etcd. */
	if (n_nodes == 0)
		n_nodes = 1;
	if (n_voters == 0 || n_voters * 2 <= n_nodes || n_down > n_voters)
		return VERDICT_NO_QUORUM;
	switch (q) {
	case CFG_QUORUM_ANY:
		*up = n_down == 0;
		break;
	case CFG_QUORUM_ALL:
		*up = n_down < n_voters;
		break;
	case CFG_QUORUM_MAJORITY:
	default:
		*up = n_down * 2 <= n_voters;
		break;
	}
	return VERDICT_FLEET;
}

const char *verdict_source_text(enum verdict_source s)
{
	switch (s) {
	case VERDICT_FLEET:
		return "fleet";
	case VERDICT_NO_QUORUM:
		return "own (no quorum)";
	case VERDICT_DISCONNECTED:
		break;
	}
	return "own (disconnected)";
}

const char *verdict_source_label(enum verdict_source s)
{
	switch (s) {
	case VERDICT_FLEET:
		return "fleet";
	case VERDICT_NO_QUORUM:
		return "no_quorum";
	case VERDICT_DISCONNECTED:
		break;
	}
	return "disconnected";
}
