/* SPDX-License-Identifier: MIT
 * explain.h -- `geosteerctl explain --offline`: answers one question the way the
 * server would, and says why. Loads the configuration and builds a snapshot itself
 * (cfg_load + snapshot_build; no monitor runs, so every steered address is up unless
 * the state file forces it down), sends a real DNS query
 * through answer_packet() -- the server's own query path -- with the given client as
 * the source address, and prints the response together with the decision behind it:
 * the service, the map rule (geo_map_explain), the ordered datacenter list, each
 * datacenter's addresses and health, the chosen one, the TTL and the ECS scope -- that
 * decision taken again by the query path's own functions (steer.h) and checked
 * against the response.
 * Tool code (main thread of geosteerctl); uses ldns and libmaxminddb freely, never
 * runs inside the daemon. Output format: see explain_offline() below. */
#ifndef GS_EXPLAIN_H
#define GS_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "server/base/compiler.h"
#include "server/base/netaddr.h"

struct explain_req {
	const char *config; /* configuration file */
	const char *name;   /* query name, presentation format (made absolute) */
	uint16_t qtype;     /* query type (A, AAAA, TXT, ...) */
	struct netaddr client;
	bool has_subnet; /* send an ECS option (RFC 7871) with subnet */
	struct netprefix subnet;
	bool tcp; /* ask as over TCP (no truncation) instead of UDP */
};

/* Exit statuses of explain_offline (geosteerctl passes them on). */
enum explain_status {
	EXPLAIN_ANSWERED = 0,   /* a response was produced and explained */
	EXPLAIN_LOAD_ERROR = 1, /* configuration, zones or GeoIP database: FILE:LINE on err */
	EXPLAIN_MISMATCH = 3,   /* answered, but the response disagrees with the decision
	                         * explain takes again (a bug: reported on out as
	                         * "mismatch:" lines) */
};

/* Loads req->config, answers req's question and writes the explanation to out, one
 * "key: value" line per fact, keys left-aligned in a 12-column field, in this order
 * (keys in brackets appear only when they apply; "dc:" repeats, once per datacenter
 * of the list, in list order; "answer:", "authority:" repeat per record):
 *
 *   query:      NAME CLASS TYPE
 *   transport:  udp | tcp | udp, truncated (TC=1), then tcp
 *   client:     ADDRESS (the query's source address)
 *   ecs:        SUBNET sent | none
 *   [target:    NAME (after following CNAME records)]
 *   service:    NAME (map MAP, ttl N, failover_ttl N) | none (...)
 *   [located:   ADDRESS/LEN by the ECS subnet | the source address: WHERE]
 *   [rule:      default | continents: EU | countries: GB | networks: 203.0.113.0/24 ...]
 *   [list:      DC DC ...]
 *   [health:    where the health states come from]
 *   [dc:        DC: chosen | skipped (why) | not needed; A 192.0.2.10 up (no check), ...]
 *   [chosen:    DC (first in the list with an address of type A up)]
 *   answer:     RR in presentation format | none
 *   [authority: RR]
 *   ttl:        N (why) | none
 *   scope:      N (ECS option in the response: SUBNET/SOURCE/SCOPE) | none (...)
 *   rcode:      NOERROR | NXDOMAIN | ...
 *   [mismatch:  what disagrees]
 *
 * Diagnostics (FILE:LINE: message) go to err. Returns an enum explain_status. */
int explain_offline(const struct explain_req *req, FILE *out, FILE *err) GS_NONNULL GS_WUR;

#endif
