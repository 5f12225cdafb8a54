/* SPDX-License-Identifier: MIT
 * etcd.h -- a small client for etcd's v3 HTTP/JSON gateway (etcd 3.4 and later: POST
 * /v3/kv/range, /v3/kv/put, /v3/kv/deleterange, /v3/lease/grant, /v3/lease/keepalive,
 * /v3/lease/revoke, /v3/watch, /v3/auth/authenticate) over libcurl and json-c. Keys
 * and values travel base64-encoded, as the gateway wants; 64-bit numbers come back as
 * JSON strings.
 *
 * Every call has a deadline and tries the cluster's members in turn, starting with the
 * one that answered last, so one dead member costs one connect timeout, once. With
 * user/password the client authenticates and sends the token, authenticating again
 * when etcd says the token expired. Calls block: they run on the fleet threads and the
 * control thread, never on a worker. Thread-safe (each call has its own curl handle). */
#ifndef GS_ETCD_H
#define GS_ETCD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/config/config_fleet.h"

struct json_object;
struct etcd;

/* Longest error text a call leaves in why (with its NUL). */
#define ETCD_WHY_MAX 256

/* Creates the client for the members and credentials of cf (copied). password: the
 * password when cf has user (read from password_file by the caller), else NULL. Never
 * NULL. */
struct etcd *etcd_new(const struct cfg_fleet *cf, const char *password) GS_NONNULLX(1);
/* Frees e; accepts NULL. */
void etcd_free(struct etcd *e);
/* The URL of the member that answered last (borrowed until etcd_free), and its index
 * in the configured list. */
const char *etcd_current_url(const struct etcd *e) GS_NONNULL;
size_t etcd_current_index(const struct etcd *e) GS_NONNULL;

/* POSTs the JSON req to path (e.g. "/v3/kv/put") within timeout_ms per member and
 * returns the parsed answer in *resp (owned: json_object_put). GS_OK, or GS_EIO with
 * the reason in why (every member failed; the last member's error). */
int etcd_call(struct etcd *e, const char *path, struct json_object *req, unsigned timeout_ms,
              struct json_object **resp, char *why) GS_NONNULLX(1, 2, 3, 6) GS_WUR;

/* Grants a lease of ttl_s seconds: *id. GS_OK or GS_EIO. */
int etcd_lease_grant(struct etcd *e, long ttl_s, unsigned timeout_ms, int64_t *id,
                     char *why) GS_NONNULL GS_WUR;
/* Renews lease id: *ttl_s is what is left, 0 when the lease no longer exists (it
 * expired: everything put with it is gone). GS_OK or GS_EIO. */
int etcd_lease_keepalive(struct etcd *e, int64_t id, unsigned timeout_ms, long *ttl_s,
                         char *why) GS_NONNULL GS_WUR;
/* Revokes lease id (its keys go at once). GS_OK or GS_EIO. */
int etcd_lease_revoke(struct etcd *e, int64_t id, unsigned timeout_ms, char *why) GS_NONNULL GS_WUR;
/* Puts key = value with lease (0: none). GS_OK or GS_EIO. */
int etcd_put(struct etcd *e, const char *key, const char *value, int64_t lease, unsigned timeout_ms,
             char *why) GS_NONNULL GS_WUR;
/* Deletes key. GS_OK or GS_EIO. */
int etcd_delete(struct etcd *e, const char *key, unsigned timeout_ms, char *why) GS_NONNULL GS_WUR;

/* One key of a range or one event of a watch. */
typedef void (*etcd_kv_fn)(void *arg, bool is_delete, const char *key, const char *value);

/* Reads every key under prefix: fn(arg, false, key, value) for each, then *revision is
 * the store's revision the read saw (watch from revision + 1). GS_OK or GS_EIO. */
int etcd_range_prefix(struct etcd *e, const char *prefix, unsigned timeout_ms, etcd_kv_fn fn,
                      void *arg, int64_t *revision, char *why) GS_NONNULLX(1, 2, 4, 6, 7) GS_WUR;

/* Watches every key under prefix from start_revision on, calling fn for each event
 * (value "" for a delete) and started(arg) once etcd confirmed the watch, until the
 * stream ends, fails, or *stop becomes true (looked at every ~100 ms). Always returns
 * with the reason in why (GS_EIO; GS_OK when stopped). Blocks: its own thread. */
int etcd_watch(struct etcd *e, const char *prefix, int64_t start_revision, etcd_kv_fn fn,
               void (*started)(void *arg), void *arg, const atomic_bool *stop, char *why)
        GS_NONNULLX(1, 2, 4, 7, 8) GS_WUR;

/* Base64 (RFC 4648, with padding) of len bytes of in: owned, NUL-terminated. */
char *etcd_b64_encode(const void *in, size_t len) GS_NONNULL;
/* Decodes text into an owned NUL-terminated buffer (*len bytes before the NUL), or
 * NULL when text is not base64. */
char *etcd_b64_decode(const char *text, size_t *len) GS_NONNULL;
/* The key just after every key that starts with prefix (etcd's range_end): owned. */
char *etcd_prefix_end(const char *prefix) GS_NONNULL;

#endif
