/* SPDX-License-Identifier: MIT
 * explain.h -- `geosteerctl explain`: answers one question the way the server would,
 * and says why. explain_snapshot() does it on a given snapshot: the daemon's published
 * one with its live health cells (the control thread, for `explain` over the control
 * socket), or, for `explain --offline` (explain_offline()), one that geosteerctl loads
 * itself (cfg_load + snapshot_build; no monitor runs, so every steered address is up
 * unless the state file forces it down). Either way it sends a real DNS query
 * through answer_packet() -- the server's own query path -- with the given client as
 * the source address, and prints the response together with the decision behind it:
 * the service, the map rule (geo_map_explain), the ordered datacenter list, each
 * datacenter's addresses and health, the chosen one, the TTL and the ECS scope -- that
 * decision taken again by the query path's own functions (steer.h) and checked
 * against the response.
 * Main thread of geosteerctl, or the daemon's control thread; uses ldns, libmaxminddb
 * and the heap freely, never runs on a worker. Output format: see explain_offline(). */
#ifndef GS_EXPLAIN_H
#define GS_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "server/base/compiler.h"
#include "server/base/netaddr.h"

struct snapshot;
struct geo_db;

struct kv;

struct explain_req {
	const char *config; /* configuration file */
	const char *name;   /* query name, presentation format (made absolute) */
	uint16_t qtype;     /* query type (A, AAAA, TXT, ...) */
	struct netaddr client;
	bool has_subnet; /* send an ECS option (RFC 7871) with subnet */
	struct netprefix subnet;
	bool tcp;   /* ask as over TCP (no truncation) instead of UDP */
	bool json;  /* write one JSON object (server/base/kv.h) instead of the lines */
	bool quiet; /* explain_offline: configuration warnings are not printed (errors are) */
	/* When set: called with the explanation's records (kv_transcript) once the answer
	 * is explained without a mismatch, to add records of its own (the fleet's view of
	 * the addresses shown, in the daemon). */
	void (*tail)(void *arg, struct kv *out);
	void *tail_arg;
};

/* The arguments of `explain` over the control socket. */
#define EXPLAIN_USAGE "explain NAME [TYPE] --client IP [--subnet CIDR] [--tcp] [--json]"

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
 * With req->json the same records make one JSON object instead (server/base/kv.h): each
 * key above is a member, the repeating ones (dc, answer, authority, mismatch, note,
 * signature) arrays, and most values objects with typed fields plus "text", the line's
 * value; docs/control.md lists them. New lines go through the same kv_put / kv_item
 * call, so both forms always carry them.
 *
 * Diagnostics (FILE:LINE: message) go to err. Returns an enum explain_status. */
int explain_offline(const struct explain_req *req, FILE *out, FILE *err) GS_NONNULL GS_WUR;

/* The same explanation on snap (req->config is not read): the health states are those
 * of snap's cells as they are now, db (may be NULL) is the GeoIP handle that names the
 * rule behind a list, and health_note is the text of the "health:" line (where those
 * states come from). Returns an enum explain_status (EXPLAIN_LOAD_ERROR for a name
 * that does not parse). The caller keeps snap alive (the daemon: under the control
 * mutex, which every publication takes). */
int explain_snapshot(const struct explain_req *req, const struct snapshot *snap,
                     const struct geo_db *db, const char *health_note, FILE *out, FILE *err)
        GS_NONNULLX(1, 2, 4, 5, 6) GS_WUR;

/* "ADDR/LEN" or "ADDR" (a host prefix); bits beyond LEN are cleared, as dig +subnet
 * does. Returns false when text is neither. */
bool explain_parse_subnet(const char *text, struct netprefix *out) GS_NONNULL;
/* A type mnemonic (A, AAAA, MX...) or TYPEnnn. */
bool explain_parse_type(const char *text, uint16_t *out) GS_NONNULL;

/* Parses the arguments of `explain` as the control socket receives them:
 * w[0 .. n) = NAME [TYPE] --client IP [--subnet CIDR] [--tcp] [--json], in any order, an option's
 * value as the next word or after '='. req->name points into w. Returns GS_OK, or
 * GS_EINVAL with why set to what is wrong. */
int explain_parse_words(char *const *w, size_t n, struct explain_req *req, char *why,
                        size_t cap) GS_NONNULL GS_WUR;

#endif
