/* SPDX-License-Identifier: MIT
 * mmdb_walk.c -- one pass over a MaxMind database's whole search tree into range
 * partitions (see mmdb_walk.h). Load thread only. */
#include "geoip/mmdb_walk.h"

#include <inttypes.h>
#include <stdio.h>

#include "geoip/geo_embed.h"
#include "server/base/err.h"

struct walk {
	const MMDB_s *mmdb;
	mmdb_walk_leaf_fn leaf;
	void *ctx;
	struct geopart *out;
	unsigned bits;    /* 32 while walking IPv4, 128 for IPv6 */
	bool skip_v4;     /* IPv6 walk: do not follow links to v4_node inside embeds */
	uint32_t v4_node; /* the node at ::/96 */
	uint64_t visits, max_visits;
	char *why;
	size_t why_len;
};

static int walk_node(struct walk *w, uint32_t node, unsigned __int128 start, unsigned depth);

/* One record of a node: the network start/len. */
static int walk_record(struct walk *w, uint64_t rec, uint8_t type, MMDB_entry_s *entry,
                       unsigned __int128 start, unsigned len)
{
	uint32_t val = 0;
	int rc;
	switch (type) {
	case MMDB_RECORD_TYPE_EMPTY:
		geopart_push(w->out, start, 0);
		return GS_OK;
	case MMDB_RECORD_TYPE_DATA:
		rc = w->leaf(w->ctx, entry, &val, w->why, w->why_len);
		if (rc != GS_OK)
			return rc;
		geopart_push(w->out, start, val);
		return GS_OK;
	case MMDB_RECORD_TYPE_SEARCH_NODE:
		if (len >= w->bits) {
			snprintf(w->why, w->why_len, "corrupt search tree: deeper than %u bits",
			         w->bits);
			return GS_EPARSE;
		}
		if (w->skip_v4 && rec == w->v4_node && geo_embed_of(start, len) >= 0) {
			/* ::/96 itself or an alias of it: located through IPv4. */
			geopart_push(w->out, start, 0);
			return GS_OK;
		}
		return walk_node(w, (uint32_t)rec, start, len);
	default:
		snprintf(w->why, w->why_len, "corrupt search tree: invalid record %" PRIu64, rec);
		return GS_EPARSE;
	}
}

static int walk_node(struct walk *w, uint32_t node, unsigned __int128 start, unsigned depth)
{
	if (++w->visits > w->max_visits) {
		snprintf(w->why, w->why_len,
		         "search tree visits more than %" PRIu64 " nodes: it loops, or links the "
		         "IPv4 tree from unexpected places",
		         w->max_visits);
		return GS_EPARSE;
	}
	MMDB_search_node_s n;
	int rc = MMDB_read_node(w->mmdb, node, &n);
	if (rc != MMDB_SUCCESS) {
		snprintf(w->why, w->why_len, "corrupt search tree: node %u: %s", node,
		         MMDB_strerror(rc));
		return GS_EPARSE;
	}
	rc = walk_record(w, n.left_record, n.left_record_type, &n.left_record_entry, start,
	                 depth + 1);
	if (rc != GS_OK)
		return rc;
	unsigned __int128 bit = (unsigned __int128)1 << (w->bits - depth - 1);
	return walk_record(w, n.right_record, n.right_record_type, &n.right_record_entry,
	                   start | bit, depth + 1);
}

int mmdb_walk(const MMDB_s *mmdb, mmdb_walk_leaf_fn leaf, void *ctx, struct geopart *v4,
              struct geopart *v6, char *why, size_t why_len)
{
	struct walk w = {.mmdb = mmdb, .leaf = leaf, .ctx = ctx, .why = why, .why_len = why_len};
	uint32_t nodes = mmdb->metadata.node_count;
	/* A tree visits each node once; the slack allows a few links into the IPv4 tree
	 * outside the embedded ranges, which are followed like libmaxminddb would. */
	w.max_visits = 2 * (uint64_t)nodes + 256;
	if (nodes == 0) {
		snprintf(why, why_len, "empty search tree");
		return GS_EPARSE;
	}
	if (mmdb->metadata.ip_version == 4) {
		w.bits = 32;
		w.out = v4;
		int rc = walk_node(&w, 0, 0, 0);
		geopart_push(v6, 0, 0);
		return rc;
	}
	if (mmdb->metadata.ip_version != 6) {
		snprintf(why, why_len, "unsupported ip_version %u", mmdb->metadata.ip_version);
		return GS_EPARSE;
	}
	/* Follow 96 zero bits to the IPv4 tree, as libmaxminddb does for IPv4 lookups. */
	uint32_t node = 0;
	bool v4_is_node = true;
	for (unsigned depth = 0; depth < 96; depth++) {
		MMDB_search_node_s n;
		int rc = MMDB_read_node(mmdb, node, &n);
		if (rc != MMDB_SUCCESS) {
			snprintf(why, why_len, "corrupt search tree: node %u: %s", node,
			         MMDB_strerror(rc));
			return GS_EPARSE;
		}
		if (n.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE) {
			/* All of IPv4 lies in one record of a wider network. */
			w.bits = 32;
			w.out = v4;
			int rc2 = walk_record(&w, n.left_record, n.left_record_type,
			                      &n.left_record_entry, 0, 0);
			if (rc2 != GS_OK)
				return rc2;
			v4_is_node = false;
			break;
		}
		node = (uint32_t)n.left_record;
	}
	if (v4_is_node) {
		w.bits = 32;
		w.out = v4;
		int rc = walk_node(&w, node, 0, 0);
		if (rc != GS_OK)
			return rc;
		w.v4_node = node;
		w.skip_v4 = true;
	}
	w.bits = 128;
	w.out = v6;
	return walk_node(&w, 0, 0, 0);
}
