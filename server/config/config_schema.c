/* SPDX-License-Identifier: MIT
 * config_schema.c -- the key tables of the geosteer configuration (docs/configuration.md)
 * and the code that reads each section into struct cfg: types, bounds, defaults and the
 * rules that involve one section only. Rules that tie sections together (maps against
 * services, names against zones) live in config_check.c. Load thread only. */
#include "server/config/config_schema.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "server/base/err.h"
#include "server/base/hex.h"
#include "server/base/xalloc.h"
#include "server/config/config_coords.h"
#include "server/config/config_weight.h"
#include "server/config/config_fleet.h"

#define DNS_PORT     53
#define METRICS_PORT 9153        /* the port Prometheus exporters of DNS servers customarily use */
#define TTL_MAX      2147483647u /* RFC 2181 section 8: TTLs are 31-bit */
#define HOUR_MS      3600000u

/* Grows an array by one zeroed element and returns a pointer to it. */
static void *grow(void **arr, size_t *n, size_t size)
{
	*arr = xrealloc(*arr, (*n + 1) * size);
	char *slot = (char *)*arr + *n * size;
	memset(slot, 0, size);
	(*n)++;
	return slot;
}

void config_schema_defaults(struct cfg *c)
{
	c->control = xstrdup(CFG_DEFAULT_CONTROL);
	/* Defaults (docs/configuration.md); 10s idle is RFC 7766 6.2.3's "a few seconds". */
	c->tcp.max_connections = 1024;
	c->tcp.max_per_client = 32;
	c->tcp.idle_timeout_ms = 10000;
	c->tcp.message_timeout_ms = 5000;
	c->tcp.lifetime_ms = 120000;
	c->tcp.max_queries = 0;
	c->geoip.client_subnet = true;
}

/* ---- top-level scalars ---- */

static void parse_listen(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	if (n == 0) {
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected at least one address", where);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = config_yaml_item(y, v, i);
		const char *s = config_yaml_scalar(y, it, where);
		if (!s)
			continue;
		struct cfg_listen l = {.pos = config_yaml_pos(y, it)};
		const char *why = "not an address";
		if (netaddr_parse_endpoint(s, DNS_PORT, &l.ss, &l.ss_len, &why) != GS_OK) {
			diag_err(y->d, l.pos, "%s: bad address '%s': %s", where, s, why);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < c->n_listen && !dup; j++) {
			if (c->listen[j].ss_len == l.ss_len &&
			    memcmp(&c->listen[j].ss, &l.ss, l.ss_len) == 0) {
				diag_err(y->d, l.pos, "%s: '%s' is listed twice (first at line %u)",
				         where, s, c->listen[j].pos.line);
				dup = true;
			}
		}
		if (!dup)
			*(struct cfg_listen *)grow((void **)&c->listen, &c->n_listen, sizeof(l)) =
			        l;
	}
}

static void parse_threads(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s)
		return;
	if (strcmp(s, "auto") == 0) {
		c->threads = 0;
		return;
	}
	char *end;
	unsigned long n = (s[0] >= '0' && s[0] <= '9') ? strtoul(s, &end, 10) : 0;
	if (n < 1 || n > 256 || *end != '\0') {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: expected 'auto' or a number from 1 to 256, found '%s'", where, s);
		return;
	}
	c->threads = (unsigned)n;
}

/* A Unix socket path (made absolute); NULL, reported, when it does not fit sun_path with
 * its terminating NUL. */
static char *socket_path(struct config_yaml *y, yaml_node_t *v, const char *where)
{
	char *p = config_yaml_path(y, v, where);
	if (!p)
		return NULL;
	size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
	if (strlen(p) > max) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: the socket path '%s' is longer than %zu bytes, the limit for a "
		         "Unix socket",
		         where, p, max);
		free(p);
		return NULL;
	}
	return p;
}

static void parse_control(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	char *p = socket_path(y, v, where);
	if (!p)
		return;
	free(c->control);
	c->control = p;
}

static void parse_ro_socket(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_control_readonly *ro = obj;
	char *p = socket_path(y, v, where);
	if (!p)
		return;
	free(ro->socket);
	ro->socket = p;
	ro->socket_pos = config_yaml_pos(y, v);
}

static const struct config_yaml_key control_readonly_keys[] = {
        {.name = "socket", .kind = CONFIG_YAML_CUSTOM, .required = true, .fn = parse_ro_socket},
        {.name = "group",
         .kind = CONFIG_YAML_STRING,
         .off = offsetof(struct cfg_control_readonly, group)},
        {.name = NULL},
};

/* control_readonly: PATH, or {socket: PATH, group: NAME}. */
static void parse_control_readonly(struct config_yaml *y, yaml_node_t *v, void *obj,
                                   const char *where)
{
	struct cfg *c = obj;
	struct cfg_control_readonly *ro = &c->control_readonly;
	if (v->type != YAML_MAPPING_NODE) {
		parse_ro_socket(y, v, ro, where);
		return;
	}
	struct srcpos present[GS_ARRAY_LEN(control_readonly_keys)];
	if (config_yaml_walk(y, v, where, control_readonly_keys, ro, present))
		ro->group_pos = present[1];
}

static void parse_dnstap_socket(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_dnstap *dt = obj;
	char *p = socket_path(y, v, where);
	if (!p)
		return;
	free(dt->socket);
	dt->socket = p;
}

static const struct config_yaml_key dnstap_keys[] = {
        {.name = "socket", .kind = CONFIG_YAML_CUSTOM, .fn = parse_dnstap_socket},
        {.name = "file", .kind = CONFIG_YAML_PATH, .off = offsetof(struct cfg_dnstap, file)},
        {.name = "identity",
         .kind = CONFIG_YAML_STRING,
         .off = offsetof(struct cfg_dnstap, identity)},
        {.name = NULL},
};

/* dnstap: {socket: PATH | file: PATH, identity: TEXT}. */
static void parse_dnstap(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	struct srcpos present[GS_ARRAY_LEN(dnstap_keys)];
	if (!config_yaml_walk(y, v, where, dnstap_keys, &c->dnstap, present))
		return;
	if (!c->dnstap.socket == !c->dnstap.file)
		diag_err(y->d, config_yaml_pos(y, v),
		         "dnstap: give exactly one of socket (a collector's Unix socket) and file");
}

static void parse_metrics(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s)
		return;
	const char *why = "not an address";
	if (netaddr_parse_endpoint(s, METRICS_PORT, &c->metrics, &c->metrics_len, &why) != GS_OK) {
		diag_err(y->d, config_yaml_pos(y, v), "%s: bad address '%s': %s", where, s, why);
		return;
	}
	c->has_metrics = true;
}

static void parse_identity(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s)
		return;
	/* Answered as one TXT character-string: at most 255 bytes (RFC 1035 3.3.14). */
	if (strlen(s) > 255) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: %zu bytes is too long (a TXT string holds at most 255)", where,
		         strlen(s));
		return;
	}
	free(c->identity);
	c->identity = xstrdup(s);
}

/* ---- tcp ---- */

static const struct config_yaml_key tcp_keys[] = {
        {.name = "max_connections",
         .kind = CONFIG_YAML_UINT,
         .off = offsetof(struct cfg_tcp, max_connections),
         .min = 1,
         .max = 1000000},
        {.name = "max_per_client",
         .kind = CONFIG_YAML_UINT,
         .off = offsetof(struct cfg_tcp, max_per_client),
         .min = 1,
         .max = 65535},
        {.name = "idle_timeout",
         .kind = CONFIG_YAML_DURATION,
         .off = offsetof(struct cfg_tcp, idle_timeout_ms),
         .min = 100,
         .max = HOUR_MS},
        {.name = "message_timeout",
         .kind = CONFIG_YAML_DURATION,
         .off = offsetof(struct cfg_tcp, message_timeout_ms),
         .min = 100,
         .max = HOUR_MS},
        {.name = "max_lifetime",
         .kind = CONFIG_YAML_DURATION,
         .off = offsetof(struct cfg_tcp, lifetime_ms),
         .max = 24 * HOUR_MS},
        {.name = "max_queries",
         .kind = CONFIG_YAML_UINT,
         .off = offsetof(struct cfg_tcp, max_queries),
         .max = 1000000},
        {.name = NULL},
};

static void parse_tcp(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	struct srcpos present[GS_ARRAY_LEN(tcp_keys)];
	if (!config_yaml_walk(y, v, where, tcp_keys, &c->tcp, present))
		return;
	if (c->tcp.max_per_client > c->tcp.max_connections)
		diag_err(y->d, present[1].line ? present[1] : present[0],
		         "%s.max_per_client: %u is more than max_connections (%u)", where,
		         c->tcp.max_per_client, c->tcp.max_connections);
}

/* ---- rate_limit ---- */

static void parse_exempt(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_rate_limit *rl = obj;
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	for (size_t i = 0; i < n; i++) {
		struct netprefix p;
		if (config_yaml_prefix(y, config_yaml_item(y, v, i), where, &p))
			*(struct netprefix *)grow((void **)&rl->exempt, &rl->n_exempt, sizeof(p)) =
			        p;
	}
}

static const struct config_yaml_key rate_limit_keys[] = {
        {.name = "responses_per_second",
         .kind = CONFIG_YAML_UINT,
         .off = offsetof(struct cfg_rate_limit, responses_per_second),
         .min = 1,
         .max = 1000000,
         .required = true},
        {.name = "slip",
         .kind = CONFIG_YAML_UINT,
         .off = offsetof(struct cfg_rate_limit, slip),
         .max = 10},
        {.name = "ipv4_prefix",
         .kind = CONFIG_YAML_UINT,
         .off = offsetof(struct cfg_rate_limit, ipv4_prefix),
         .min = 1,
         .max = 32},
        {.name = "ipv6_prefix",
         .kind = CONFIG_YAML_UINT,
         .off = offsetof(struct cfg_rate_limit, ipv6_prefix),
         .min = 1,
         .max = 128},
        {.name = "exempt", .kind = CONFIG_YAML_CUSTOM, .fn = parse_exempt},
        {.name = NULL},
};

static void parse_rate_limit(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	c->rate_limit.enabled = true;
	c->rate_limit.slip = 2;
	c->rate_limit.ipv4_prefix = 24;
	c->rate_limit.ipv6_prefix = 56;
	config_yaml_walk(y, v, where, rate_limit_keys, &c->rate_limit, NULL);
}

/* ---- cookies ---- */

static void parse_secret(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s)
		return;
	/* The secret itself is never echoed: diagnostics end up in logs. */
	size_t len = strlen(s);
	if (len != 2 * sizeof(c->cookie_secret)) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: expected 32 hexadecimal digits (a 128-bit secret), found %zu "
		         "characters",
		         where, len);
		return;
	}
	uint8_t out[sizeof(c->cookie_secret)];
	for (size_t i = 0; i < sizeof(out); i++) {
		int hi = hex_digit_value(s[2 * i]), lo = hex_digit_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			diag_err(y->d, config_yaml_pos(y, v),
			         "%s: expected 32 hexadecimal digits (a 128-bit secret), found a "
			         "character that is not 0-9 or a-f",
			         where);
			return;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(c->cookie_secret, out, sizeof(out));
	c->has_cookies = true;
}

static const struct config_yaml_key cookie_keys[] = {
        {.name = "secret", .kind = CONFIG_YAML_CUSTOM, .required = true, .fn = parse_secret},
        {.name = NULL},
};

static void parse_cookies(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	config_yaml_walk(y, v, where, cookie_keys, obj, NULL);
}

/* ---- geoip ---- */

static const struct config_yaml_key geoip_keys[] = {
        {.name = "database",
         .kind = CONFIG_YAML_PATH,
         .off = offsetof(struct cfg_geoip, database),
         .required = true},
        {.name = "asn_database",
         .kind = CONFIG_YAML_PATH,
         .off = offsetof(struct cfg_geoip, asn_database)},
        {.name = "client_subnet",
         .kind = CONFIG_YAML_BOOL,
         .off = offsetof(struct cfg_geoip, client_subnet)},
        {.name = NULL},
};

static void parse_geoip(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	struct srcpos present[GS_ARRAY_LEN(geoip_keys)];
	c->geoip.enabled = true;
	if (!config_yaml_walk(y, v, where, geoip_keys, &c->geoip, present))
		return;
	c->geoip.database_pos = present[0];
	c->geoip.asn_database_pos = present[1];
}

/* ---- zones ---- */

static void parse_zone_name(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_zone *z = obj;
	config_yaml_dname(y, v, where, false, z->name, &z->name_len);
}

/* dnssec.keys: a list of key pair paths (PATH.key + PATH.private), made absolute. */
static void parse_dnssec_keys(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_dnssec *ds = obj;
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	if (n == 0) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: expected at least one key (a KSK and a ZSK, or one CSK)", where);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = config_yaml_item(y, v, i);
		char *path = config_yaml_path(y, it, where);
		if (!path)
			continue;
		struct srcpos pos = config_yaml_pos(y, it);
		bool dup = false;
		for (size_t j = 0; j < ds->n_keys && !dup; j++) {
			if (strcmp(ds->keys[j], path) == 0) {
				diag_err(y->d, pos, "%s: '%s' is listed twice (first at line %u)",
				         where, (const char *)it->data.scalar.value,
				         ds->key_pos[j].line);
				dup = true;
			}
		}
		if (dup) {
			free(path);
			continue;
		}
		ds->keys = xrealloc(ds->keys, (ds->n_keys + 1) * sizeof(*ds->keys));
		ds->key_pos = xrealloc(ds->key_pos, (ds->n_keys + 1) * sizeof(*ds->key_pos));
		ds->keys[ds->n_keys] = path;
		ds->key_pos[ds->n_keys] = pos;
		ds->n_keys++;
	}
}

static void parse_dnssec_denial(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_dnssec *ds = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s)
		return;
	if (strcmp(s, "nsec3") == 0)
		ds->denial = CFG_DENIAL_NSEC3;
	else if (strcmp(s, "nsec") == 0)
		ds->denial = CFG_DENIAL_NSEC;
	else
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected nsec or nsec3, found '%s'",
		         where, s);
}

/* Signature lifetimes run to weeks, beyond what the millisecond durations hold:
 * a whole number with the unit s, m, h or d (a bare number means seconds). Lifetimes
 * under an hour are accepted with a warning: they exist to watch re-signing happen in
 * a test, and leave too little margin for clocks and caches in production. */
#define VALIDITY_MIN_S  60u
#define VALIDITY_WARN_S 3600u
#define VALIDITY_MAX_S  (366u * 86400u)
static void parse_dnssec_validity(struct config_yaml *y, yaml_node_t *v, void *obj,
                                  const char *where)
{
	struct cfg_dnssec *ds = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s)
		return;
	uint64_t n = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++)
		if (n <= VALIDITY_MAX_S) /* past it, stop growing: out of range either way */
			n = n * 10u + (uint64_t)(*p - '0');
	uint64_t scale = 0;
	if (p != s) {
		if (strcmp(p, "") == 0 || strcmp(p, "s") == 0)
			scale = 1;
		else if (strcmp(p, "m") == 0)
			scale = 60;
		else if (strcmp(p, "h") == 0)
			scale = 3600;
		else if (strcmp(p, "d") == 0)
			scale = 86400;
	}
	if (scale == 0) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: bad duration '%s' (write a whole number followed by s, m, h or d, "
		         "as in 14d or 36h)",
		         where, s);
		return;
	}
	if (n > VALIDITY_MAX_S || n * scale < VALIDITY_MIN_S || n * scale > VALIDITY_MAX_S) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: duration %s is out of range (1m to 366d)", where, s);
		return;
	}
	if (n * scale < VALIDITY_WARN_S)
		diag_warn(y->d, config_yaml_pos(y, v),
		          "%s: %s is under an hour: fit for tests only (the zone is re-signed "
		          "when a quarter of it is left, and a validator whose clock runs that "
		          "much ahead rejects the signatures)",
		          where, s);
	ds->validity_s = (uint32_t)(n * scale);
}

static const struct config_yaml_key dnssec_keys[] = {
        {.name = "keys", .kind = CONFIG_YAML_CUSTOM, .required = true, .fn = parse_dnssec_keys},
        {.name = "denial", .kind = CONFIG_YAML_CUSTOM, .fn = parse_dnssec_denial},
        {.name = "signature_validity", .kind = CONFIG_YAML_CUSTOM, .fn = parse_dnssec_validity},
        {.name = NULL},
};

static void parse_zone_dnssec(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_zone *z = obj;
	struct cfg_dnssec *ds = &z->dnssec;
	ds->enabled = true;
	ds->denial = CFG_DENIAL_NSEC3;
	ds->validity_s = 14u * 86400u;
	ds->pos = config_yaml_pos(y, v);
	config_yaml_walk(y, v, where, dnssec_keys, ds, NULL);
}

static const struct config_yaml_key zone_keys[] = {
        {.name = "name", .kind = CONFIG_YAML_CUSTOM, .required = true, .fn = parse_zone_name},
        {.name = "file",
         .kind = CONFIG_YAML_PATH,
         .off = offsetof(struct cfg_zone, file),
         .required = true},
        {.name = "dnssec", .kind = CONFIG_YAML_CUSTOM, .fn = parse_zone_dnssec},
        {.name = NULL},
};

static void parse_zones(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = config_yaml_item(y, v, i);
		struct cfg_zone z = {.pos = config_yaml_pos(y, it)};
		if (config_yaml_walk(y, it, where, zone_keys, &z, NULL))
			*(struct cfg_zone *)grow((void **)&c->zones, &c->n_zones, sizeof(z)) = z;
	}
}

/* ---- checks ---- */

/* A check being read, with what the key handlers learnt about its type. */
struct check_build {
	struct cfg_check ck;
	bool type_ok;
};

static const char *const check_type_names[] = {"http", "https", "tcp", "exec"};

static void parse_check_type(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct check_build *b = obj;
	int i = config_yaml_word(y, v, where, "check type", check_type_names,
	                         GS_ARRAY_LEN(check_type_names));
	if (i >= 0) {
		b->ck.type = (enum cfg_check_type)i;
		b->type_ok = true;
	}
}

static void parse_check_path(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct check_build *b = obj;
	const char *s = config_yaml_scalar(y, v, where);
	if (!s)
		return;
	bool ok = s[0] == '/';
	for (const char *p = s; ok && *p; p++)
		ok = *p > ' ' && *p != 0x7f;
	if (!ok) {
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: '%s' is not an HTTP path (it must start with '/' and contain no "
		         "spaces or control characters)",
		         where, s);
		return;
	}
	free(b->ck.path);
	b->ck.path = xstrdup(s);
}

static void parse_check_host(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct check_build *b = obj;
	uint8_t wire[DNAME_MAX];
	size_t len;
	if (!config_yaml_dname(y, v, where, false, wire, &len))
		return;
	free(b->ck.host);
	b->ck.host = xstrdup((const char *)v->data.scalar.value);
}

static void parse_check_expect(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct check_build *b = obj;
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	if (n == 0) {
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected at least one status code",
		         where);
		return;
	}
	free(b->ck.expect);
	b->ck.expect = xcalloc(n, sizeof(*b->ck.expect));
	b->ck.n_expect = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t code;
		/* HTTP status codes are three digits, 100 to 599 (RFC 9110 section 15). */
		if (config_yaml_uint(y, config_yaml_item(y, v, i), where, 100, 599, &code))
			b->ck.expect[b->ck.n_expect++] = (unsigned)code;
	}
}

static void parse_check_command(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct check_build *b = obj;
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	if (n == 0) {
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected the program and its arguments",
		         where);
		return;
	}
	char **argv = xcalloc(n + 1, sizeof(*argv));
	size_t got = 0;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = config_yaml_item(y, v, i);
		const char *s = config_yaml_scalar(y, it, where);
		if (!s)
			continue;
		if (i == 0 && s[0] != '/') {
			diag_err(y->d, config_yaml_pos(y, it),
			         "%s: the program '%s' must be given as an absolute path", where,
			         s);
			continue;
		}
		argv[got++] = xstrdup(s);
	}
	if (got != n) {
		for (size_t i = 0; i < got; i++)
			free(argv[i]);
		free(argv);
		return;
	}
	b->ck.command = argv;
	b->ck.n_command = n;
}

enum {
	CK_TYPE,
	CK_PORT,
	CK_PATH,
	CK_HOST,
	CK_EXPECT,
	CK_INTERVAL,
	CK_TIMEOUT,
	CK_RISE,
	CK_FALL,
	CK_TLS_VERIFY,
	CK_COMMAND,
	CK_COUNT
};

static const struct config_yaml_key check_keys[] = {
        [CK_TYPE] = {.name = "type",
                     .kind = CONFIG_YAML_CUSTOM,
                     .required = true,
                     .fn = parse_check_type},
        [CK_PORT] = {.name = "port",
                     .kind = CONFIG_YAML_UINT,
                     .off = offsetof(struct check_build, ck.port),
                     .min = 1,
                     .max = 65535},
        [CK_PATH] = {.name = "path", .kind = CONFIG_YAML_CUSTOM, .fn = parse_check_path},
        [CK_HOST] = {.name = "host", .kind = CONFIG_YAML_CUSTOM, .fn = parse_check_host},
        [CK_EXPECT] = {.name = "expect", .kind = CONFIG_YAML_CUSTOM, .fn = parse_check_expect},
        [CK_INTERVAL] = {.name = "interval",
                         .kind = CONFIG_YAML_DURATION,
                         .off = offsetof(struct check_build, ck.interval_ms),
                         .min = 100,
                         .max = HOUR_MS,
                         .dflt = 5000},
        [CK_TIMEOUT] = {.name = "timeout",
                        .kind = CONFIG_YAML_DURATION,
                        .off = offsetof(struct check_build, ck.timeout_ms),
                        .min = 10,
                        .max = HOUR_MS},
        [CK_RISE] = {.name = "rise",
                     .kind = CONFIG_YAML_UINT,
                     .off = offsetof(struct check_build, ck.rise),
                     .min = 1,
                     .max = 100,
                     .dflt = 2},
        [CK_FALL] = {.name = "fall",
                     .kind = CONFIG_YAML_UINT,
                     .off = offsetof(struct check_build, ck.fall),
                     .min = 1,
                     .max = 100,
                     .dflt = 3},
        [CK_TLS_VERIFY] = {.name = "tls_verify",
                           .kind = CONFIG_YAML_BOOL,
                           .off = offsetof(struct check_build, ck.tls_verify),
                           .dflt = true},
        [CK_COMMAND] = {.name = "command", .kind = CONFIG_YAML_CUSTOM, .fn = parse_check_command},
        [CK_COUNT] = {.name = NULL},
};

/* Which keys each check type accepts, as bits of (1u << CK_x). */
static const unsigned check_type_keys[] = {
        [CFG_CHECK_HTTP] = 1u << CK_PORT | 1u << CK_PATH | 1u << CK_HOST | 1u << CK_EXPECT,
        [CFG_CHECK_HTTPS] = 1u << CK_PORT | 1u << CK_PATH | 1u << CK_HOST | 1u << CK_EXPECT |
                            1u << CK_TLS_VERIFY,
        [CFG_CHECK_TCP] = 1u << CK_PORT,
        [CFG_CHECK_EXEC] = 1u << CK_COMMAND,
};
#define CHECK_COMMON_KEYS                                                                          \
	(1u << CK_TYPE | 1u << CK_INTERVAL | 1u << CK_TIMEOUT | 1u << CK_RISE | 1u << CK_FALL)

static void check_fill(struct config_yaml *y, struct check_build *b, const struct srcpos *present,
                       const char *where)
{
	struct cfg_check *ck = &b->ck;
	const char *tname = check_type_names[ck->type];
	unsigned allowed = check_type_keys[ck->type] | CHECK_COMMON_KEYS;
	for (unsigned k = 0; k < CK_COUNT; k++)
		if (present[k].line && !(allowed & (1u << k)))
			diag_err(y->d, present[k], "%s: '%s' does not apply to %s checks", where,
			         check_keys[k].name, tname);
	if (ck->type == CFG_CHECK_TCP && !present[CK_PORT].line)
		diag_err(y->d, ck->pos, "%s: missing key 'port', which tcp checks need", where);
	if (ck->type == CFG_CHECK_EXEC && !present[CK_COMMAND].line)
		diag_err(y->d, ck->pos, "%s: missing key 'command', which exec checks need", where);
	if (!present[CK_PORT].line && ck->type == CFG_CHECK_HTTP)
		ck->port = 80;
	if (!present[CK_PORT].line && ck->type == CFG_CHECK_HTTPS)
		ck->port = 443;
	if ((ck->type == CFG_CHECK_HTTP || ck->type == CFG_CHECK_HTTPS) && !ck->path)
		ck->path = xstrdup("/");
	if ((ck->type == CFG_CHECK_HTTP || ck->type == CFG_CHECK_HTTPS) && !ck->n_expect) {
		free(ck->expect);
		ck->expect = xcalloc(1, sizeof(*ck->expect));
		ck->expect[0] = 200;
		ck->n_expect = 1;
	}
}

static void parse_check(struct config_yaml *y, const char *name, yaml_node_t *knode, yaml_node_t *v,
                        void *obj, const char *where)
{
	struct cfg *c = obj;
	char sub[CONFIG_WHERE_MAX];
	struct srcpos present[CK_COUNT + 1];
	/* Defaults: interval, rise, fall and tls_verify in check_keys; port, path and
	 * expect by type in check_fill; timeout from the interval below. */
	struct check_build b = {.ck = {.pos = config_yaml_pos(y, knode)}};
	config_yaml_join(sub, where, name);
	config_yaml_ident(y, b.ck.pos, "check", name, where);
	b.ck.name = xstrdup(name);
	if (config_yaml_walk(y, v, sub, check_keys, &b, present)) {
		if (b.type_ok)
			check_fill(y, &b, present, sub);
		/* Default timeout: 2s, or half the interval when that is shorter. */
		if (!present[CK_TIMEOUT].line)
			b.ck.timeout_ms = b.ck.interval_ms / 2 < 2000 ? b.ck.interval_ms / 2 : 2000;
		else if (b.ck.timeout_ms >= b.ck.interval_ms) {
			char t[32], i[32];
			config_yaml_fmt_ms(b.ck.timeout_ms, t);
			config_yaml_fmt_ms(b.ck.interval_ms, i);
			diag_err(y->d, present[CK_TIMEOUT],
			         "%s.timeout: %s must be shorter than the interval (%s)", sub, t,
			         i);
		}
	}
	*(struct cfg_check *)grow((void **)&c->checks, &c->n_checks, sizeof(b.ck)) = b.ck;
}

static void parse_checks(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	config_yaml_each(y, v, where, parse_check, obj);
}

/* ---- maps ---- */

/* Reads an ordered datacenter list into out (whose pos the caller sets). */
static void parse_dclist(struct config_yaml *y, yaml_node_t *v, const char *where,
                         struct cfg_dclist *out)
{
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	if (n == 0) {
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected at least one datacenter",
		         where);
		return;
	}
	size_t n_groups = 0;
	for (size_t i = 0; i < n; i++)
		n_groups += config_yaml_item(y, v, i)->type == YAML_MAPPING_NODE;
	/* Room for every member a group may have (config_weight_group checks the cap). */
	size_t cap = n + n_groups * CFG_GROUP_MAX;
	out->dcs = xcalloc(cap, sizeof(*out->dcs));
	if (n_groups) {
		out->group = xcalloc(cap, sizeof(*out->group));
		out->weight = xcalloc(cap, sizeof(*out->weight));
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = config_yaml_item(y, v, i);
		if (it->type == YAML_MAPPING_NODE) {
			config_weight_group(y, it, where, out);
			continue;
		}
		const char *s = config_yaml_scalar(y, it, where);
		if (!s || !config_yaml_ident(y, config_yaml_pos(y, it), "datacenter", s, where))
			continue;
		bool dup = false;
		for (size_t j = 0; j < out->n && !dup; j++)
			dup = strcmp(out->dcs[j], s) == 0;
		if (dup) {
			diag_err(y->d, config_yaml_pos(y, it),
			         "%s: datacenter '%s' appears twice in this list", where, s);
			continue;
		}
		out->dcs[out->n++] = xstrdup(s);
	}
}

static void parse_default(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_map *m = obj;
	m->dflt.pos = config_yaml_pos(y, v);
	parse_dclist(y, v, where, &m->dflt);
}

enum rule_kind { RULE_CONTINENT, RULE_COUNTRY, RULE_SUBDIVISION, RULE_ASN, RULE_NETWORK };

struct rules_ctx {
	enum rule_kind kind;
	struct cfg_map_rule **rules;
	size_t *n;
};

static bool is_upper(char ch)
{
	return ch >= 'A' && ch <= 'Z';
}

/* Checks a rule key; on success fills the parsed parts of r. */
static bool rule_key_ok(struct config_yaml *y, enum rule_kind kind, const char *key,
                        struct srcpos pos, const char *where, struct cfg_map_rule *r)
{
	static const char *const continents[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
	size_t len = strlen(key);
	switch (kind) {
	case RULE_CONTINENT:
		for (size_t i = 0; i < GS_ARRAY_LEN(continents); i++)
			if (strcmp(key, continents[i]) == 0)
				return true;
		diag_err(y->d, pos,
		         "%s: unknown continent code '%s' (known: AF, AN, AS, EU, NA, OC, SA)",
		         where, key);
		return false;
	case RULE_COUNTRY:
		if (len == 2 && is_upper(key[0]) && is_upper(key[1]))
			return true;
		diag_err(y->d, pos,
		         "%s: bad country code '%s' (expected two uppercase letters, ISO 3166-1 "
		         "alpha-2, like GB)",
		         where, key);
		return false;
	case RULE_SUBDIVISION: {
		bool ok = len >= 4 && len <= 6 && is_upper(key[0]) && is_upper(key[1]) &&
		          key[2] == '-';
		for (size_t i = 3; ok && i < len; i++)
			ok = is_upper(key[i]) || (key[i] >= '0' && key[i] <= '9');
		if (ok)
			return true;
		diag_err(y->d, pos,
		         "%s: bad subdivision code '%s' (expected ISO 3166-2 CC-XXX: two "
		         "uppercase letters, '-', then 1 to 3 uppercase letters or digits, like "
		         "US-CA)",
		         where, key);
		return false;
	}
	case RULE_ASN: {
		uint64_t v = 0;
		bool ok = len >= 1 && len <= 10 && key[0] >= '1' && key[0] <= '9';
		for (size_t i = 0; ok && i < len; i++) {
			ok = key[i] >= '0' && key[i] <= '9';
			v = v * 10 + (uint64_t)(key[i] - '0');
		}
		if (ok && v <= UINT32_MAX) {
			r->asn = (uint32_t)v;
			return true;
		}
		diag_err(y->d, pos, "%s: bad ASN '%s' (expected a number from 1 to 4294967295)",
		         where, key);
		return false;
	}
	case RULE_NETWORK: {
		const char *why = "not a network";
		if (netprefix_parse(key, &r->net, &why) == GS_OK)
			return true;
		diag_err(y->d, pos, "%s: bad network '%s': %s", where, key, why);
		return false;
	}
	}
	return false;
}

static void parse_rule(struct config_yaml *y, const char *key, yaml_node_t *knode, yaml_node_t *v,
                       void *vctx, const char *where)
{
	struct rules_ctx *ctx = vctx;
	struct cfg_map_rule r = {.list = {.pos = config_yaml_pos(y, knode)}};
	if (!rule_key_ok(y, ctx->kind, key, r.list.pos, where, &r))
		return;
	char sub[CONFIG_WHERE_MAX];
	config_yaml_join(sub, where, key);
	parse_dclist(y, v, sub, &r.list);
	r.key = xstrdup(key);
	*(struct cfg_map_rule *)grow((void **)ctx->rules, ctx->n, sizeof(r)) = r;
}

static int net_rule_cmp(const void *a, const void *b)
{
	const struct cfg_map_rule *x = *(struct cfg_map_rule *const *)a;
	const struct cfg_map_rule *y = *(struct cfg_map_rule *const *)b;
	if (x->net.a.family != y->net.a.family)
		return x->net.a.family < y->net.a.family ? -1 : 1;
	int c = memcmp(x->net.a.addr, y->net.a.addr, sizeof(x->net.a.addr));
	if (c)
		return c;
	if (x->net.len != y->net.len)
		return x->net.len < y->net.len ? -1 : 1;
	return x->list.pos.line < y->list.pos.line ? -1 : x->list.pos.line > y->list.pos.line;
}

/* Two spellings of one network ("2001:db8::/32", "2001:DB8:0::/32") pass the textual
 * duplicate-key check; catch them here. */
static void check_same_networks(struct config_yaml *y, struct cfg_map *m, const char *where)
{
	if (m->n_networks < 2)
		return;
	struct cfg_map_rule **v = xcalloc(m->n_networks, sizeof(*v));
	for (size_t i = 0; i < m->n_networks; i++)
		v[i] = &m->networks[i];
	qsort(v, m->n_networks, sizeof(*v), net_rule_cmp);
	for (size_t i = 1; i < m->n_networks; i++) {
		size_t f = i - 1;
		if (v[f]->net.a.family == v[i]->net.a.family && v[f]->net.len == v[i]->net.len &&
		    memcmp(v[f]->net.a.addr, v[i]->net.a.addr, sizeof(v[i]->net.a.addr)) == 0)
			diag_err(y->d, v[i]->list.pos,
			         "%s: network '%s' is the same as '%s' (line %u)", where, v[i]->key,
			         v[f]->key, v[f]->list.pos.line);
	}
	free(v);
}

#define RULES_FN(fn, kind_, field)                                                                 \
	static void fn(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)        \
	{                                                                                          \
		struct cfg_map *m = obj;                                                           \
		struct rules_ctx ctx = {kind_, &m->field, &m->n_##field};                          \
		config_yaml_each(y, v, where, parse_rule, &ctx);                                   \
	}
RULES_FN(parse_continents, RULE_CONTINENT, continents)
RULES_FN(parse_countries, RULE_COUNTRY, countries)
RULES_FN(parse_subdivisions, RULE_SUBDIVISION, subdivisions)
RULES_FN(parse_asns, RULE_ASN, asns)
RULES_FN(parse_networks, RULE_NETWORK, networks)

static const struct config_yaml_key map_keys[] = {
        {.name = "default", .kind = CONFIG_YAML_CUSTOM, .required = true, .fn = parse_default},
        {.name = "continents", .kind = CONFIG_YAML_CUSTOM, .fn = parse_continents},
        {.name = "countries", .kind = CONFIG_YAML_CUSTOM, .fn = parse_countries},
        {.name = "subdivisions", .kind = CONFIG_YAML_CUSTOM, .fn = parse_subdivisions},
        {.name = "asns", .kind = CONFIG_YAML_CUSTOM, .fn = parse_asns},
        {.name = "networks", .kind = CONFIG_YAML_CUSTOM, .fn = parse_networks},
        {.name = "coordinates", .kind = CONFIG_YAML_CUSTOM, .fn = config_coords_parse},
        {.name = "weight_prefix", .kind = CONFIG_YAML_CUSTOM, .fn = config_weight_prefix},
        {.name = NULL},
};

static void parse_map(struct config_yaml *y, const char *name, yaml_node_t *knode, yaml_node_t *v,
                      void *obj, const char *where)
{
	struct cfg *c = obj;
	char sub[CONFIG_WHERE_MAX];
	struct cfg_map m = {
	        .pos = config_yaml_pos(y, knode), .weight_prefix4 = 24, .weight_prefix6 = 48};
	config_yaml_join(sub, where, name);
	config_yaml_ident(y, m.pos, "map", name, where);
	m.name = xstrdup(name);
	if (config_yaml_walk(y, v, sub, map_keys, &m, NULL)) {
		char nets[CONFIG_WHERE_MAX];
		config_yaml_join(nets, sub, "networks");
		check_same_networks(y, &m, nets);
	}
	*(struct cfg_map *)grow((void **)&c->maps, &c->n_maps, sizeof(m)) = m;
}

static void parse_maps(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	config_yaml_each(y, v, where, parse_map, obj);
}

/* ---- services ---- */

static void parse_names(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_service *s = obj;
	if (!config_yaml_is_list(y, v, where))
		return;
	size_t n = config_yaml_n_items(v);
	if (n == 0) {
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected at least one name", where);
		return;
	}
	s->names = xcalloc(n, sizeof(*s->names));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = config_yaml_item(y, v, i);
		if (config_yaml_dname(y, it, where, true, s->names[s->n_names].wire,
		                      &s->names[s->n_names].len))
			s->names[s->n_names++].pos = config_yaml_pos(y, it);
	}
}

static void parse_dc(struct config_yaml *y, const char *name, yaml_node_t *knode, yaml_node_t *v,
                     void *obj, const char *where)
{
	struct cfg_service *s = obj;
	char sub[CONFIG_WHERE_MAX];
	struct cfg_datacenter dc = {.pos = config_yaml_pos(y, knode)};
	config_yaml_join(sub, where, name);
	if (!config_yaml_ident(y, dc.pos, "datacenter", name, where))
		return;
	/* A datacenter with a bad address list is still recorded, so that the map checks
	 * do not add a second, misleading "not defined" error about it. */
	dc.name = xstrdup(name);
	bool is_list = config_yaml_is_list(y, v, sub);
	size_t n = is_list ? config_yaml_n_items(v) : 0;
	if (is_list && n == 0)
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected at least one address", sub);
	dc.addrs = xcalloc(n ? n : 1, sizeof(*dc.addrs));
	dc.addr_pos = xcalloc(n ? n : 1, sizeof(*dc.addr_pos));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = config_yaml_item(y, v, i);
		struct netaddr a;
		if (!config_yaml_addr(y, it, sub, &a))
			continue;
		size_t j = 0;
		while (j < dc.n_addrs && memcmp(&dc.addrs[j], &a, sizeof(a)) != 0)
			j++;
		if (j < dc.n_addrs) {
			diag_err(y->d, config_yaml_pos(y, it),
			         "%s: address '%s' is listed twice (first at line %u)", sub,
			         (const char *)it->data.scalar.value, dc.addr_pos[j].line);
			continue;
		}
		dc.addrs[dc.n_addrs] = a;
		dc.addr_pos[dc.n_addrs++] = config_yaml_pos(y, it);
	}
	*(struct cfg_datacenter *)grow((void **)&s->dcs, &s->n_dcs, sizeof(dc)) = dc;
}

static void parse_all_down(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	struct cfg_service *s = obj;
	const char *text = config_yaml_scalar(y, v, where);
	if (!text)
		return;
	if (strcmp(text, "open") == 0)
		s->all_down = CFG_ALL_DOWN_OPEN;
	else if (strcmp(text, "servfail") == 0)
		s->all_down = CFG_ALL_DOWN_SERVFAIL;
	else if (strcmp(text, "nodata") == 0)
		s->all_down = CFG_ALL_DOWN_NODATA;
	else
		diag_err(y->d, config_yaml_pos(y, v),
		         "%s: expected open, servfail or nodata, found '%s'", where, text);
}

static void parse_datacenters(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	if (config_yaml_each(y, v, where, parse_dc, obj) &&
	    v->data.mapping.pairs.top == v->data.mapping.pairs.start)
		diag_err(y->d, config_yaml_pos(y, v), "%s: expected at least one datacenter",
		         where);
}

enum { SV_NAMES, SV_MAP, SV_CHECK, SV_TTL, SV_FAILOVER_TTL, SV_ALL_DOWN, SV_DATACENTERS, SV_COUNT };

static const struct config_yaml_key service_keys[] = {
        [SV_NAMES] = {.name = "names",
                      .kind = CONFIG_YAML_CUSTOM,
                      .required = true,
                      .fn = parse_names},
        [SV_MAP] = {.name = "map",
                    .kind = CONFIG_YAML_STRING,
                    .off = offsetof(struct cfg_service, map),
                    .required = true},
        [SV_CHECK] = {.name = "check",
                      .kind = CONFIG_YAML_STRING,
                      .off = offsetof(struct cfg_service, check)},
        [SV_TTL] = {.name = "ttl",
                    .kind = CONFIG_YAML_UINT,
                    .off = offsetof(struct cfg_service, ttl),
                    .max = TTL_MAX},
        [SV_FAILOVER_TTL] = {.name = "failover_ttl",
                             .kind = CONFIG_YAML_UINT,
                             .off = offsetof(struct cfg_service, failover_ttl),
                             .max = TTL_MAX},
        [SV_ALL_DOWN] = {.name = "all_down", .kind = CONFIG_YAML_CUSTOM, .fn = parse_all_down},
        [SV_DATACENTERS] = {.name = "datacenters",
                            .kind = CONFIG_YAML_CUSTOM,
                            .required = true,
                            .fn = parse_datacenters},
        [SV_COUNT] = {.name = NULL},
};

static void parse_service(struct config_yaml *y, const char *name, yaml_node_t *knode,
                          yaml_node_t *v, void *obj, const char *where)
{
	struct cfg *c = obj;
	char sub[CONFIG_WHERE_MAX];
	struct srcpos present[SV_COUNT + 1];
	struct cfg_service s = {.pos = config_yaml_pos(y, knode), .ttl = 60};
	config_yaml_join(sub, where, name);
	config_yaml_ident(y, s.pos, "service", name, where);
	s.name = xstrdup(name);
	if (config_yaml_walk(y, v, sub, service_keys, &s, present)) {
		s.map_pos = present[SV_MAP];
		s.check_pos = present[SV_CHECK];
		s.all_down_pos = present[SV_ALL_DOWN];
		/* Without failover_ttl, failover answers keep the normal TTL. */
		if (!present[SV_FAILOVER_TTL].line)
			s.failover_ttl = s.ttl;
		else if (s.failover_ttl > s.ttl)
			diag_warn(
			        y->d, present[SV_FAILOVER_TTL],
			        "%s.failover_ttl: %u is longer than ttl (%u), so failover answers "
			        "are cached longer than normal ones",
			        sub, s.failover_ttl, s.ttl);
	}
	*(struct cfg_service *)grow((void **)&c->services, &c->n_services, sizeof(s)) = s;
}

static void parse_services(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where)
{
	config_yaml_each(y, v, where, parse_service, obj);
}

/* ---- top level ---- */

/* fleet: lives in config_fleet.c. */
static void config_fleet_parse_at(struct config_yaml *y, yaml_node_t *v, void *obj,
                                  const char *where)
{
	config_fleet_parse(y, v, &((struct cfg *)obj)->fleet, where);
}

/* In enum cfg_section order: present[i] becomes cfg.pos_of[i]. */
static const struct config_yaml_key top_keys[] = {
        [CFG_SEC_LISTEN] = {.name = "listen", .kind = CONFIG_YAML_CUSTOM, .fn = parse_listen},
        [CFG_SEC_THREADS] = {.name = "threads", .kind = CONFIG_YAML_CUSTOM, .fn = parse_threads},
        [CFG_SEC_USER] = {.name = "user",
                          .kind = CONFIG_YAML_STRING,
                          .off = offsetof(struct cfg, user)},
        [CFG_SEC_CONTROL] = {.name = "control", .kind = CONFIG_YAML_CUSTOM, .fn = parse_control},
        [CFG_SEC_CONTROL_READONLY] = {.name = "control_readonly",
                                      .kind = CONFIG_YAML_CUSTOM,
                                      .fn = parse_control_readonly},
        [CFG_SEC_METRICS] = {.name = "metrics", .kind = CONFIG_YAML_CUSTOM, .fn = parse_metrics},
        [CFG_SEC_STATE_FILE] = {.name = "state_file",
                                .kind = CONFIG_YAML_PATH,
                                .off = offsetof(struct cfg, state_file)},
        [CFG_SEC_IDENTITY] = {.name = "identity", .kind = CONFIG_YAML_CUSTOM, .fn = parse_identity},
        [CFG_SEC_WATCH] = {.name = "watch",
                           .kind = CONFIG_YAML_BOOL,
                           .off = offsetof(struct cfg, watch)},
        [CFG_SEC_TCP] = {.name = "tcp", .kind = CONFIG_YAML_CUSTOM, .fn = parse_tcp},
        [CFG_SEC_RATE_LIMIT] = {.name = "rate_limit",
                                .kind = CONFIG_YAML_CUSTOM,
                                .fn = parse_rate_limit},
        [CFG_SEC_COOKIES] = {.name = "cookies", .kind = CONFIG_YAML_CUSTOM, .fn = parse_cookies},
        [CFG_SEC_GEOIP] = {.name = "geoip", .kind = CONFIG_YAML_CUSTOM, .fn = parse_geoip},
        [CFG_SEC_ZONES] = {.name = "zones", .kind = CONFIG_YAML_CUSTOM, .fn = parse_zones},
        [CFG_SEC_CHECKS] = {.name = "checks", .kind = CONFIG_YAML_CUSTOM, .fn = parse_checks},
        [CFG_SEC_MAPS] = {.name = "maps", .kind = CONFIG_YAML_CUSTOM, .fn = parse_maps},
        [CFG_SEC_SERVICES] = {.name = "services", .kind = CONFIG_YAML_CUSTOM, .fn = parse_services},
        [CFG_SEC_DNSTAP] = {.name = "dnstap", .kind = CONFIG_YAML_CUSTOM, .fn = parse_dnstap},
        [CFG_SEC_FLEET] = {.name = "fleet",
                           .kind = CONFIG_YAML_CUSTOM,
                           .off = offsetof(struct cfg, fleet),
                           .fn = config_fleet_parse_at},
        [CFG_SEC_COUNT] = {.name = NULL},
};

_Static_assert(CFG_SEC_COUNT <= GS_ARRAY_LEN(((struct cfg *)NULL)->pos_of),
               "pos_of must have a slot per section");
_Static_assert(CFG_SEC_COUNT <= 32, "sections must fit a 32-bit mask");

const char *config_schema_section_name(enum cfg_section s)
{
	if ((unsigned)s >= CFG_SEC_COUNT)
		return "?";
	return top_keys[s].name;
}

/* The two wildcard addresses DNS servers listen on by default. */
static void default_listen(struct cfg *c)
{
	static const char *const any[] = {"0.0.0.0:53", "[::]:53"};
	for (size_t i = 0; i < GS_ARRAY_LEN(any); i++) {
		struct cfg_listen *l = grow((void **)&c->listen, &c->n_listen, sizeof(*l));
		const char *why;
		int rc = netaddr_parse_endpoint(any[i], DNS_PORT, &l->ss, &l->ss_len, &why);
		(void)rc; /* constant input, always parses */
		l->pos.file = c->path;
	}
}

void config_schema_apply(struct config_yaml *y, yaml_node_t *root)
{
	struct cfg *c = y->c;
	struct srcpos present[CFG_SEC_COUNT + 1];
	if (!config_yaml_walk(y, root, "", top_keys, c, present))
		return;
	for (unsigned i = 0; i < CFG_SEC_COUNT; i++)
		c->pos_of[i] = present[i];
	c->rate_limit.pos = present[CFG_SEC_RATE_LIMIT];
	c->geoip.pos = present[CFG_SEC_GEOIP];
	if (!present[CFG_SEC_LISTEN].line && c->n_listen == 0)
		default_listen(c);
	if (c->control_readonly.socket && strcmp(c->control_readonly.socket, c->control) == 0)
		diag_err(y->d, c->control_readonly.socket_pos,
		         "control_readonly: '%s' is the control socket's path too; the read-only "
		         "socket needs a path of its own",
		         c->control_readonly.socket);
}
