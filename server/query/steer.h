/* SPDX-License-Identifier: MIT
 * steer.h -- steered names on the query path (docs/design.md, rules 1-3): the
 * compiled form of the `services` section, which client address to locate, the choice
 * of datacenter for one query, and writing the chosen addresses.
 *
 * The compiled form (struct steer_table and everything it points to) is built by
 * steer_build.c on the load thread inside the snapshot arena and is immutable afterwards;
 * only the health cells it points to change, written by the health monitor and control
 * threads with relaxed atomic stores. Everything declared here that takes a table runs
 * on worker threads (and in geosteerctl explain): no allocation, no lock, no
 * libmaxminddb, one geo table walk per decision.
 *
 * Names. Every steered name (lowercase wire format) is in one open-addressing hash,
 * together with the names between it and its zone's apex (the empty non-terminals
 * that the steered name brings into existence, RFC 8020: they answer NODATA, never
 * NXDOMAIN). A steered name answers A and AAAA from its service; every other type at
 * it comes from the zone file, NODATA when the zone has nothing there.
 *
 * Addresses. Per datacenter of a service, the A and AAAA addresses are kept as their
 * rdata (4 or 16 bytes each, in configuration order) with the health cell of each, so
 * that an answer is a copy of pre-rendered bytes. */
#ifndef GS_STEER_H
#define GS_STEER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "geoip/geo.h"
#include "server/base/compiler.h"
#include "server/base/dname.h"
#include "server/base/netaddr.h"
#include "server/query/edns.h"
#include "server/health/health.h"
#include "server/query/render.h"
#include "server/query/steer_count.h"
#include "zones/zone.h"

/* The two address types a steered name answers, as indices. */
enum steer_type { STEER_A = 0, STEER_AAAA = 1, STEER_N_TYPES };

/* Sentinel of steer_service.dc_of: a map datacenter the service lacks (configuration
 * validation refuses that, so this is only a guard). */
#define STEER_NO_DC 0xffffu
/* Sentinel of steer_service.dc_of: the position is a weighted group (steer_weight.h). */
#define STEER_GROUP 0xfffeu

/* One datacenter of one service. */
struct steer_dc {
	const char *name;                     /* arena */
	const uint8_t *rdata[STEER_N_TYPES];  /* n[t] addresses, 4 (A) or 16 (AAAA) bytes each */
	const uint32_t *cells[STEER_N_TYPES]; /* health cell index of each address */
	uint16_t n[STEER_N_TYPES];
	struct steer_count_ref count; /* its answer counters (steer_count.h) */
};

struct steer_service {
	const char *name; /* arena */
	const struct geo_map *map;
	const uint16_t *dc_of; /* map datacenter index -> index into dcs, or STEER_NO_DC */
	const struct steer_dc *dcs;
	uint16_t n_dcs;
	uint32_t ttl, failover_ttl;
	uint8_t all_down; /* enum cfg_all_down: the answer when nothing is up */
	bool weighted;    /* the map has weighted groups: steer_weight_decide walks */
};

/* DNSSEC: the signatures of one datacenter's addresses of one type at one steered name
 * of a zone geosteer signs (made at snapshot build by server/load/steer_sign.c). A set
 * of addresses is a bit set over the datacenter's addresses of the type (bit i: the
 * i-th in configuration order); its signature is an RRSIG set ready to be written. */
struct steer_signed_set {
	uint64_t mask;
	const struct zone_rrset *sig;
};

struct steer_sigs {
	/* dense: every non-empty set is signed, sets[mask] (sets[0] unused), masks NULL.
	 * Otherwise n_sets signed sets masks[i] with sets[i], larger sets first. */
	const uint64_t *masks;
	const struct zone_rrset *const *sets;
	uint32_t n_sets;
	bool dense;
	/* Not dense, while the snapshot keeps its keys: the set health left up, signed
	 * after the build by the signer thread (server/load/steer_resign.c), or NULL until
	 * then. Read with one acquire load; the signer replaces it and frees the old one
	 * after an RCU grace period. NULL (no slot) in any other case. */
	_Atomic(const struct steer_signed_set *) *slot;
};

/* Most addresses of one type a datacenter may have in a zone geosteer signs (the set
 * served is a 64-bit mask there). */
#define STEER_SIGN_ADDRS_MAX 64u

/* A hash entry: a steered name, or an empty non-terminal above one (svc NULL). */
struct steer_name {
	const uint8_t *name; /* lowercase wire format, arena */
	uint8_t len;
	const struct steer_service *svc;
	/* In a zone geosteer signs: the name's node (for the NSEC/NSEC3 proof of a NODATA
	 * answer) and the signatures of the steered sets, svc->n_dcs * STEER_N_TYPES
	 * entries indexed [dc * STEER_N_TYPES + type]. Both NULL in any other zone. */
	const struct zone_node *node;
	const struct steer_sigs *sigs;
};

struct steer_table {
	const struct steer_name *names; /* n_names entries */
	size_t n_names;
	const uint32_t *slots; /* mask + 1 slots; value = index into names + 1, 0 = empty */
	size_t mask;
	const struct steer_service *services;
	size_t n_services;
	/* Health cells (server/health/health.h), one per (datacenter, address, check); borrowed
	 * from the snapshot's health table, which lives as long as the snapshot. */
	const _Atomic uint8_t *cells;
};

/* Hash of a lowercase wire name (dname_hash_mix, folded), then linear probing from
 * hash & mask. Shared by the builder (steer_build.c) and steer_find; it runs on every
 * query of a snapshot with steering, so it is kept short. */
static inline uint32_t steer_hash(const uint8_t *name_lc, size_t len)
{
	uint64_t h = dname_hash_mix(name_lc, len);
	return (uint32_t)(h ^ h >> 29);
}

/* Returns the entry for name_lc (lowercase wire name of len bytes), or NULL. */
const struct steer_name *steer_find(const struct steer_table *t, const uint8_t *name_lc,
                                    size_t len) GS_NONNULL GS_HOT;

/* The address to locate for one query. */
struct steer_client {
	struct netaddr addr;
	unsigned source_prefix; /* bits of addr that count (32 / 128 for a source address) */
	bool known;             /* false: no usable address (not IP); the default list applies */
	bool scope_zero;        /* the answer must claim SCOPE 0 (ECS source prefix 0) */
};

/* RFC 7871 7.2.1, design rules 1/3: the ECS address when use_ecs, the query carried a
 * valid option and its source prefix is not 0; otherwise the query's source address
 * src (with scope_zero when the option said source prefix 0, RFC 7871 7.1.2). */
void steer_locate(const struct edns_query *e, bool use_ecs, const struct sockaddr *src,
                  struct steer_client *out) GS_NONNULL;

/* How a weighted group chose the datacenter of a decision (steer_weight.h). */
enum steer_pick {
	STEER_PICK_NONE = 0,   /* not a group's member */
	STEER_PICK_HASH = 1,   /* the member the client network's hash names */
	STEER_PICK_REPICK = 2, /* that one is down: another, by weight among those up */
	STEER_PICK_ZERO = 3,   /* a member of weight 0: every other one is down */
	STEER_PICK_KINDS = 4
};

/* One decision: docs/design.md rule 2. */
struct steer_decision {
	struct geo_hit hit;        /* ordered list and scope from the geo table */
	uint8_t scope;             /* SCOPE PREFIX-LENGTH to answer with (0 for scope_zero) */
	const struct steer_dc *dc; /* chosen datacenter; NULL when no datacenter of the list
	                            * has an address of the type (NODATA) */
	uint16_t pos;              /* dc's position in the list */
	uint32_t ttl;
	bool failover;  /* a datacenter ahead of dc was skipped because it is down */
	bool fail_open; /* no datacenter was up for the type: dc answers with every address */
	uint8_t pick;   /* enum steer_pick: dc is a weighted group's member, and why */
};

/* Locates c in s's map and walks the list for type ty: the first datacenter with at
 * least one address of ty that is up wins (ttl, or failover_ttl when one ahead of it
 * was skipped for being down; one lacking the type is simply passed over); when none
 * is up, the first one that has the type, all addresses, failover_ttl; when none has
 * the type, dc is NULL. */
void steer_decide(const struct steer_table *t, const struct steer_service *s,
                  const struct steer_client *c, enum steer_type ty,
                  struct steer_decision *out) GS_NONNULL GS_HOT;

/* True when address i of type ty of dc is served by decision dec (up, or fail open). */
static inline bool steer_addr_served(const struct steer_table *t, const struct steer_decision *dec,
                                     enum steer_type ty, uint16_t i)
{
	return dec->fail_open || health_cell_is_up(t->cells, dec->dc->cells[ty][i]);
}

/* The addresses of type ty decision dec (dec->dc not NULL, at most 64 addresses of ty)
 * serves, as a bit set: read once, so that what is written and the signature chosen for
 * it agree even while health changes. */
uint64_t steer_served_mask(const struct steer_table *t, const struct steer_decision *dec,
                           enum steer_type ty) GS_NONNULL GS_HOT;

/* The signature for the served set *mask (not 0): that set's when it is signed (at
 * build, or since by the signer thread: sg->slot); otherwise the largest signed set
 * inside it, to which *mask is then narrowed (every address of it is still up). NULL,
 * *mask unchanged, when none is signed. */
const struct zone_rrset *steer_sigs_pick(const struct steer_sigs *sg,
                                         uint64_t *mask) GS_NONNULL GS_HOT;

/* steer_render for the addresses of mask (bit i: address i of type ty of dec->dc). */
void steer_render_mask(const struct steer_decision *dec, enum steer_type ty, struct render *r,
                       enum render_section sec, const uint8_t *owner, uint32_t rot,
                       uint64_t mask) GS_NONNULL GS_HOT;

/* Writes the records of decision dec (dec->dc not NULL) with the given owner into sec:
 * every served address of type ty, starting at the (rot mod count)-th, wrapping round
 * (round-robin rotation; rot is the caller's per-worker counter). */
void steer_render(const struct steer_table *t, const struct steer_decision *dec, enum steer_type ty,
                  struct render *r, enum render_section sec, const uint8_t *owner,
                  uint32_t rot) GS_NONNULL GS_HOT;

#endif
