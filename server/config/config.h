/* SPDX-License-Identifier: MIT
 * config.h -- the parsed YAML configuration (schema: docs/configuration.md).
 * Every value remembers where it came from (struct srcpos) so that later cross-checks
 * can report FILE:LINE. Load thread and tools only; a struct cfg is never shared with
 * workers (the snapshot copies what they need). */
#ifndef GS_CONFIG_H
#define GS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/netaddr.h"

#define CFG_DEFAULT_CONTROL "/run/geosteer/control.sock"

struct cfg_fleet;

struct cfg_listen {
	struct sockaddr_storage ss;
	socklen_t ss_len;
	struct srcpos pos;
};

/* How a zone signed by geosteer proves that a name or type does not exist. */
enum cfg_denial { CFG_DENIAL_NSEC3, CFG_DENIAL_NSEC };
/* A service's answer when no datacenter of the client's list is up (all_down:). */
enum cfg_all_down {
	CFG_ALL_DOWN_OPEN,     /* as if every datacenter were up, with failover_ttl */
	CFG_ALL_DOWN_SERVFAIL, /* SERVFAIL */
	CFG_ALL_DOWN_NODATA,   /* NOERROR without records, SOA in authority */
};

/* A zone's `dnssec:` block: geosteer signs the zone at load with these keys. */
struct cfg_dnssec {
	bool enabled;
	/* Key pairs as given (made absolute): each names PATH.key and PATH.private. */
	char **keys;            /* owned */
	struct srcpos *key_pos; /* owned, one per key */
	size_t n_keys;
	enum cfg_denial denial; /* default nsec3 */
	uint32_t validity_s;    /* signature_validity in seconds; default 14 days */
	struct srcpos pos;
};

struct cfg_zone {
	uint8_t name[DNAME_MAX]; /* lowercase wire format */
	size_t name_len;
	char *file; /* owned; made absolute relative to the config file's folder */
	struct cfg_dnssec dnssec;
	struct srcpos pos;
};

struct cfg_tcp {
	unsigned max_connections;    /* default 1024 */
	unsigned max_per_client;     /* default 32 */
	unsigned idle_timeout_ms;    /* default 10000 */
	unsigned message_timeout_ms; /* first to last byte of one query; default 5000 */
	unsigned lifetime_ms;        /* a connection's whole life; default 120000; 0 = none */
	unsigned max_queries;        /* per connection; default 0 = unlimited */
};

struct cfg_rate_limit {
	bool enabled;
	unsigned responses_per_second;
	unsigned slip;
	unsigned ipv4_prefix, ipv6_prefix;
	struct netprefix *exempt; /* owned */
	size_t n_exempt;
	struct srcpos pos;
};

struct cfg_geoip {
	bool enabled;
	char *database;     /* owned, absolute */
	char *asn_database; /* owned, absolute, or NULL */
	bool client_subnet; /* default true */
	bool locations;     /* read location.latitude/longitude: some map has coordinates */
	struct srcpos pos, database_pos, asn_database_pos;
};

enum cfg_check_type { CFG_CHECK_HTTP, CFG_CHECK_HTTPS, CFG_CHECK_TCP, CFG_CHECK_EXEC };

struct cfg_check {
	char *name; /* owned */
	enum cfg_check_type type;
	unsigned port;
	char *path, *host; /* owned or NULL */
	unsigned *expect;  /* owned; default {200} */
	size_t n_expect;
	char **command; /* owned argv (exec), NULL-terminated */
	size_t n_command;
	unsigned interval_ms, timeout_ms, rise, fall;
	bool tls_verify; /* default true */
	struct srcpos pos;
};

/* An ordered datacenter list as written in a map rule. A position may be a weighted
 * group ({us-east: 3, us-west: 1}); dcs holds every datacenter the list names, group
 * members in place, so that checks over the names need not know about groups. */
struct cfg_dclist {
	char **dcs; /* owned */
	size_t n;
	struct srcpos pos;
	/* NULL when the list has no group (the usual case). Otherwise, per dcs[i]:
	 * group[i] is 0 for a position of its own and g >= 1 for a member of the list's
	 * g-th group (members of one group are consecutive), weight[i] its weight (0 for
	 * a position of its own). All owned. */
	uint16_t *group;
	uint32_t *weight;
};

/* Most members of one weighted group, and the largest weight. */
#define CFG_GROUP_MAX  64u
#define CFG_WEIGHT_MAX 1000000u

struct cfg_map_rule {
	char *key;            /* owned: "NA", "GB", "US-CA", "64500", "203.0.113.0/24" */
	struct netprefix net; /* networks rules only */
	uint32_t asn;         /* asns rules only */
	struct cfg_dclist list;
};

/* One datacenter's place under a map's `coordinates` (degrees, in range). */
struct cfg_coord {
	char *dc; /* owned */
	double lat, lon;
	struct srcpos pos;
};

struct cfg_map {
	char *name; /* owned */
	struct cfg_dclist dflt;
	struct cfg_map_rule *continents, *countries, *subdivisions, *asns, *networks;
	size_t n_continents, n_countries, n_subdivisions, n_asns, n_networks;
	struct cfg_coord *coords; /* owned, configuration order; nearest-first lists */
	size_t n_coords;
	struct srcpos coords_pos; /* the `coordinates` key, when present */
	/* weight_prefix: a weighted pick is fixed per network of this length (default
	 * 24 and 48). */
	unsigned weight_prefix4, weight_prefix6;
	struct srcpos pos;
};

struct cfg_datacenter {
	char *name;              /* owned */
	struct netaddr *addrs;   /* owned */
	struct srcpos *addr_pos; /* owned, one per address */
	size_t n_addrs;
	struct srcpos pos;
};

struct cfg_service {
	char *name; /* owned */
	struct {
		uint8_t wire[DNAME_MAX]; /* lowercase */
		size_t len;
		struct srcpos pos;
	} * names; /* owned */
	size_t n_names;
	char *map;   /* owned */
	char *check; /* owned or NULL */
	unsigned ttl, failover_ttl;
	enum cfg_all_down all_down;
	struct cfg_datacenter *dcs; /* owned */
	size_t n_dcs;
	struct srcpos pos, map_pos, check_pos, all_down_pos;
};

struct cfg {
	char *path;                /* owned; every srcpos.file points here */
	char *dir;                 /* owned; folder of path, for relative file names */
	struct cfg_listen *listen; /* owned; default 0.0.0.0:53 and [::]:53 */
	size_t n_listen;
	unsigned threads; /* 0 = auto (one per CPU) */
	char *user;       /* owned or NULL */
	char *control;    /* owned; default CFG_DEFAULT_CONTROL */
	/* control_readonly: a second socket that answers only the commands that change
	 * nothing (status, health, stats, explain, help). Both owned, NULL when absent. */
	struct cfg_control_readonly {
		char *socket;
		char *group; /* the socket's group; NULL: as the control socket */
		struct srcpos socket_pos, group_pos;
	} control_readonly;
	bool has_metrics;
	struct sockaddr_storage metrics;
	socklen_t metrics_len;
	char *state_file; /* owned or NULL */
	char *identity;   /* owned or NULL */
	bool watch;
	/* dnstap: every answer to a collector on the Unix socket `socket` or into the
	 * file `file` (exactly one of them; both NULL: off). identity: NULL means the
	 * identity above, then the host name. All owned. */
	struct cfg_dnstap {
		char *socket;
		char *file;
		char *identity;
	} dnstap;
	struct cfg_fleet *fleet; /* owned or NULL: fleet: (config_fleet.h) */
	struct cfg_tcp tcp;
	struct cfg_rate_limit rate_limit;
	bool has_cookies;
	uint8_t cookie_secret[16];
	struct cfg_geoip geoip;
	struct cfg_zone *zones; /* owned */
	size_t n_zones;
	struct cfg_check *checks;
	size_t n_checks;
	struct cfg_map *maps;
	size_t n_maps;
	struct cfg_service *services;
	size_t n_services;
	/* Where each top-level key was written (line 0 when absent), so that the daemon can
	 * point at a section it does not support yet. */
	struct srcpos pos_of[32];
};

/* Top-level keys, indexing cfg.pos_of. */
enum cfg_section {
	CFG_SEC_LISTEN,
	CFG_SEC_THREADS,
	CFG_SEC_USER,
	CFG_SEC_CONTROL,
	CFG_SEC_CONTROL_READONLY,
	CFG_SEC_METRICS,
	CFG_SEC_STATE_FILE,
	CFG_SEC_IDENTITY,
	CFG_SEC_WATCH,
	CFG_SEC_TCP,
	CFG_SEC_RATE_LIMIT,
	CFG_SEC_COOKIES,
	CFG_SEC_GEOIP,
	CFG_SEC_ZONES,
	CFG_SEC_CHECKS,
	CFG_SEC_MAPS,
	CFG_SEC_SERVICES,
	CFG_SEC_DNSTAP,
	CFG_SEC_FLEET,
	CFG_SEC_COUNT
};

/* Parses and validates the configuration file at path. Every problem is recorded in d
 * as "PATH:LINE: message" and parsing goes on, so one run reports all of them.
 * Returns GS_OK and sets *out (owned by the caller, free with cfg_free), or GS_EIO /
 * GS_EPARSE. Cross-checks that need zone or GeoIP data are not done here. */
int cfg_load(const char *path, struct diag *d, struct cfg **out) GS_NONNULL GS_WUR;
/* As cfg_load, but relative file names in the file resolve against folder base
 * instead of the file's own folder (base NULL: the file's folder). For a copy of a
 * configuration kept elsewhere, e.g. an older version taken out of git. */
int cfg_load_in(const char *path, const char *base, struct diag *d, struct cfg **out)
        GS_NONNULLX(1, 3, 4) GS_WUR;
/* Frees c and everything it owns; accepts NULL. */
void cfg_free(struct cfg *c);

/* The top-level key for s as written in the file ("listen", "rate_limit", ...), or "?"
 * for a value outside the enum. Static string. */
const char *cfg_section_name(enum cfg_section s);

/* Whether geosteer signs some zone of c (a zone with `dnssec:`). */
bool cfg_signs_zones(const struct cfg *c) GS_NONNULL;

/* The map or check of c called name, or NULL when there is none (or name is NULL). */
const struct cfg_map *cfg_find_map(const struct cfg *c, const char *name) GS_NONNULLX(1);
const struct cfg_check *cfg_find_check(const struct cfg *c, const char *name) GS_NONNULLX(1);

#endif
