/* SPDX-License-Identifier: MIT
 * test_rrl.c -- unit tests for SipHash-2-4 (server/query/siphash.c), RFC 9018 server cookies
 * (server/query/cookie.c) and response rate limiting (server/query/rrl.c) with a controlled clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "server/base/err.h"
#include "server/base/netaddr.h"
#include "server/query/cookie.h"
#include "server/query/rrl.h"
#include "server/query/siphash.h"

static void from_hex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(s), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void test_siphash_vectors(void **state)
{
	(void)state;
	/* Key 00..0f, message 00..(n-1): the setting of the paper's test vectors. */
	uint8_t key[16], msg[64];
	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	/* Appendix A of the paper: the 15-byte message. */
	assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
	/* The empty message, one byte, one whole word (no tail), and a word and a tail,
	 * as bytes in wire (little-endian) order. */
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
	        {0, "310e0edd47db6f72"},
	        {1, "fd67dc93c539f874"},
	        {8, "6224939a79f5f593"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t want[8], got[8];
		from_hex(v[i].hex, want, 8);
		siphash24_bytes(got, key, msg, v[i].len);
		assert_memory_equal(got, want, 8);
	}
	/* Another key gives another hash. */
	key[0] ^= 1;
	assert_true(siphash24(key, msg, 15) != 0xa129ca6149be45e5ull);
}

static struct sockaddr_in v4(const char *addr)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, addr, &s.sin_addr), 1);
	return s;
}

static struct sockaddr_in6 v6(const char *addr)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, addr, &s.sin6_addr), 1);
	return s;
}

#define SA(x) ((const struct sockaddr *)&(x))

/* RFC 9018 Appendix A.1: a client learning a new server cookie. */
static void test_cookie_rfc9018_vector(void **state)
{
	(void)state;
	uint8_t secret[16], client[8], want[16], got[16];
	from_hex("e5e973e5a6b2a43f48e7dc849e37bfcf", secret, 16);
	from_hex("2464c4abcf10c957", client, 8);
	from_hex("010000005cf79f111f8130c3eee29480", want, 16);
	struct sockaddr_in src = v4("198.51.100.100");
	cookie_make(got, secret, client, SA(src), 1559731985u);
	assert_memory_equal(got, want, 16);
}

/* Builds the option data client | server. */
static size_t opt_of(uint8_t opt[40], const uint8_t client[8], const uint8_t *server,
                     size_t server_len)
{
	memcpy(opt, client, 8);
	if (server)
		memcpy(opt + 8, server, server_len);
	return 8 + server_len;
}

static void test_cookie_validate(void **state)
{
	(void)state;
	uint8_t secret[16], other_secret[16], client[8], opt[40], reply[COOKIE_REPLY_LEN];
	from_hex("0123456789abcdef0123456789abcdef", secret, 16);
	memcpy(other_secret, secret, 16);
	other_secret[15] ^= 0x80;
	from_hex("1122334455667788", client, 8);
	struct sockaddr_in src = v4("192.0.2.1"), other = v4("192.0.2.2");
	const uint32_t t0 = 1700000000u;

	/* Client cookie only: a fresh server cookie for now. */
	size_t n = opt_of(opt, client, NULL, 0);
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0, reply), COOKIE_CLIENT_ONLY);
	assert_memory_equal(reply, client, 8);
	uint8_t sc[16];
	cookie_make(sc, secret, client, SA(src), t0);
	assert_memory_equal(reply + 8, sc, 16);
	assert_int_equal(reply[8], 1);
	assert_int_equal(reply[9] | reply[10] | reply[11], 0);
	assert_int_equal((uint32_t)reply[12] << 24 | (uint32_t)reply[13] << 16 |
	                         (uint32_t)reply[14] << 8 | reply[15],
	                 t0);

	/* Sent back within the window: valid; echoed while younger than half an hour. */
	n = opt_of(opt, client, sc, 16);
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0 + 10, reply), COOKIE_VALID);
	assert_memory_equal(reply + 8, sc, 16);
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0 + 1799, reply), COOKIE_VALID);
	assert_memory_equal(reply + 8, sc, 16);
	/* Older than half an hour: still valid, but renewed with the current time. */
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0 + 1800, reply), COOKIE_VALID);
	uint8_t renewed[16];
	cookie_make(renewed, secret, client, SA(src), t0 + 1800);
	assert_memory_equal(reply + 8, renewed, 16);
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0 + 3600, reply), COOKIE_VALID);
	/* More than an hour old: invalid, and a fresh one is sent. */
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0 + 3601, reply), COOKIE_INVALID);
	cookie_make(renewed, secret, client, SA(src), t0 + 3601);
	assert_memory_equal(reply + 8, renewed, 16);
	/* From up to five minutes in the future (a fleet member's clock ahead): valid. */
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0 - 300, reply), COOKIE_VALID);
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0 - 301, reply), COOKIE_INVALID);

	/* Another secret, another client address, another client cookie: invalid. */
	assert_int_equal(cookie_answer(other_secret, opt, n, SA(src), t0, reply), COOKIE_INVALID);
	assert_int_equal(cookie_answer(secret, opt, n, SA(other), t0, reply), COOKIE_INVALID);
	cookie_make(renewed, secret, client, SA(other), t0);
	assert_memory_equal(reply + 8, renewed, 16);
	opt[0] ^= 1;
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0, reply), COOKIE_INVALID);
	opt[0] ^= 1;
	/* A flipped hash bit, another version, another length: invalid. */
	opt[8 + 15] ^= 4;
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0, reply), COOKIE_INVALID);
	opt[8 + 15] ^= 4;
	opt[8] = 2;
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0, reply), COOKIE_INVALID);
	opt[8] = 1;
	assert_int_equal(cookie_answer(secret, opt, 8 + 8, SA(src), t0, reply), COOKIE_INVALID);
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), t0, reply), COOKIE_VALID);

	/* IPv6 clients hash all 16 bytes. */
	struct sockaddr_in6 a6 = v6("2001:db8::1"), b6 = v6("2001:db8::2");
	cookie_make(sc, secret, client, SA(a6), t0);
	n = opt_of(opt, client, sc, 16);
	assert_int_equal(cookie_answer(secret, opt, n, SA(a6), t0, reply), COOKIE_VALID);
	assert_int_equal(cookie_answer(secret, opt, n, SA(b6), t0, reply), COOKIE_INVALID);

	/* Timestamps wrap (RFC 1982 serial arithmetic). */
	cookie_make(sc, secret, client, SA(src), 0xfffffff0u);
	n = opt_of(opt, client, sc, 16);
	assert_int_equal(cookie_answer(secret, opt, n, SA(src), 0x10u, reply), COOKIE_VALID);

	/* Option lengths, RFC 7873 5.2.2. */
	assert_false(cookie_len_ok(0));
	assert_false(cookie_len_ok(7));
	assert_true(cookie_len_ok(8));
	assert_false(cookie_len_ok(9));
	assert_false(cookie_len_ok(15));
	assert_true(cookie_len_ok(16));
	assert_true(cookie_len_ok(24));
	assert_true(cookie_len_ok(40));
	assert_false(cookie_len_ok(41));
}

static struct rrl_config rrl_cfg(uint32_t rate, uint32_t slip)
{
	struct rrl_config c = {.rate = rate, .slip = slip, .ipv4_prefix = 24, .ipv6_prefix = 56};
	return c;
}

/* Sends n responses at time now and counts the actions. */
static void burst(struct rrl_table *t, const struct rrl_config *c, const struct sockaddr *src,
                  enum rrl_kind kind, uint64_t name, uint64_t now, unsigned n, unsigned count[3])
{
	for (unsigned i = 0; i < n; i++)
		count[rrl_account(t, c, src, kind, name, now)]++;
}

static void test_rrl_bucket_and_slip(void **state)
{
	(void)state;
	struct rrl_table *t = rrl_table_new();
	struct rrl_config c = rrl_cfg(5, 2);
	struct sockaddr_in a = v4("198.51.100.7");
	uint64_t name = rrl_name_hash((const uint8_t *)"\3www\7example\0", 13, 1);
	uint64_t now = 1000000;

	/* A burst of one second's worth, then every second limited response slips. */
	unsigned cnt[3] = {0};
	burst(t, &c, SA(a), RRL_KIND_ANSWER, name, now, 5, cnt);
	assert_int_equal(cnt[RRL_SEND], 5);
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name, now), RRL_DROP);
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name, now), RRL_SLIP);
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name, now), RRL_DROP);
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name, now), RRL_SLIP);
	memset(cnt, 0, sizeof(cnt));
	burst(t, &c, SA(a), RRL_KIND_ANSWER, name, now, 100, cnt);
	assert_int_equal(cnt[RRL_SEND], 0);
	assert_int_equal(cnt[RRL_SLIP], 50);
	assert_int_equal(cnt[RRL_DROP], 50);

	/* Refill: 5 per second is one per 200 ms. */
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name, now + 199) != RRL_SEND,
	                 true);
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name, now + 200), RRL_SEND);
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name, now + 200) != RRL_SEND,
	                 true);
	/* At a steady 5 per second, all are sent. */
	now += 10000;
	memset(cnt, 0, sizeof(cnt));
	for (unsigned i = 0; i < 50; i++)
		cnt[rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name, now + 200u * i)]++;
	assert_int_equal(cnt[RRL_SEND], 50);
	/* After an idle second the bucket is full again, no more than full. */
	now += 20000;
	memset(cnt, 0, sizeof(cnt));
	burst(t, &c, SA(a), RRL_KIND_ANSWER, name, now, 20, cnt);
	assert_int_equal(cnt[RRL_SEND], 5);

	/* Same /24, same name: the same bucket. Another name or another /24: its own. */
	struct sockaddr_in same_net = v4("198.51.100.200"), other_net = v4("198.51.101.7");
	assert_int_equal(rrl_account(t, &c, SA(same_net), RRL_KIND_ANSWER, name, now) != RRL_SEND,
	                 true);
	assert_int_equal(rrl_account(t, &c, SA(other_net), RRL_KIND_ANSWER, name, now), RRL_SEND);
	uint64_t name2 = rrl_name_hash((const uint8_t *)"\3www\7example\0", 13, 28);
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, name2, now), RRL_SEND);
	/* NXDOMAIN and errors have buckets of their own. */
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_NXDOMAIN, name, now), RRL_SEND);
	/* Errors share one bucket per network whatever the name. */
	memset(cnt, 0, sizeof(cnt));
	for (unsigned i = 0; i < 10; i++)
		cnt[rrl_account(t, &c, SA(a), RRL_KIND_ERROR, name + i, now)]++;
	assert_int_equal(cnt[RRL_SEND], 5);
	rrl_table_free(t);
}

static void test_rrl_slip_settings(void **state)
{
	(void)state;
	struct rrl_table *t = rrl_table_new();
	struct sockaddr_in a = v4("203.0.113.1");
	uint64_t now = 5000;
	/* slip 0: all limited responses dropped; slip 1: all truncated; slip 3: a third. */
	static const struct {
		uint32_t slip;
		unsigned slips;
	} cases[] = {{0, 0}, {1, 60}, {3, 20}};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct rrl_config c = rrl_cfg(10, cases[k].slip);
		unsigned cnt[3] = {0};
		burst(t, &c, SA(a), RRL_KIND_ANSWER, 1000 + k, now, 70, cnt);
		assert_int_equal(cnt[RRL_SEND], 10);
		assert_int_equal(cnt[RRL_SLIP], cases[k].slips);
		assert_int_equal(cnt[RRL_DROP], 60 - cases[k].slips);
	}
	rrl_table_free(t);
}

static void test_rrl_prefixes_and_exempt(void **state)
{
	(void)state;
	struct rrl_table *t = rrl_table_new();
	struct netprefix ex[2];
	const char *why;
	assert_int_equal(netprefix_parse("192.0.2.53/32", &ex[0], &why), GS_OK);
	assert_int_equal(netprefix_parse("2001:db8:53::/48", &ex[1], &why), GS_OK);
	struct rrl_config c = rrl_cfg(2, 2);
	c.exempt = ex;
	c.n_exempt = 2;
	uint64_t now = 777;

	struct sockaddr_in ex4 = v4("192.0.2.53"), near4 = v4("192.0.2.54");
	struct sockaddr_in6 ex6 = v6("2001:db8:53:ffff::1"), near6 = v6("2001:db8:54::1");
	struct sockaddr_in6 mapped = v6("::ffff:192.0.2.53");
	assert_true(rrl_is_exempt(&c, SA(ex4)));
	assert_true(rrl_is_exempt(&c, SA(ex6)));
	assert_true(rrl_is_exempt(&c, SA(mapped)));
	assert_false(rrl_is_exempt(&c, SA(near4)));
	assert_false(rrl_is_exempt(&c, SA(near6)));

	unsigned cnt[3] = {0};
	burst(t, &c, SA(ex4), RRL_KIND_ANSWER, 1, now, 100, cnt);
	assert_int_equal(cnt[RRL_SEND], 100);
	memset(cnt, 0, sizeof(cnt));
	burst(t, &c, SA(ex6), RRL_KIND_ERROR, 1, now, 100, cnt);
	assert_int_equal(cnt[RRL_SEND], 100);
	/* Its neighbour in the same /24 shares the (exhausted) bucket but is limited. */
	memset(cnt, 0, sizeof(cnt));
	burst(t, &c, SA(near4), RRL_KIND_ANSWER, 1, now, 10, cnt);
	assert_int_equal(cnt[RRL_SEND], 0);

	/* IPv6 networks are /56 here: ::1 and ff::1 of one /56 share, the next /56 not. */
	struct sockaddr_in6 p1 = v6("2001:db8:1:100::1"), p2 = v6("2001:db8:1:1ff::2"),
	                    p3 = v6("2001:db8:1:200::1");
	memset(cnt, 0, sizeof(cnt));
	burst(t, &c, SA(p1), RRL_KIND_ANSWER, 9, now, 2, cnt);
	burst(t, &c, SA(p2), RRL_KIND_ANSWER, 9, now, 2, cnt);
	assert_int_equal(cnt[RRL_SEND], 2);
	assert_int_equal(rrl_account(t, &c, SA(p3), RRL_KIND_ANSWER, 9, now), RRL_SEND);
	rrl_table_free(t);
}

/* More keys than one set holds: the stalest entry goes, active ones stay limited. */
static void test_rrl_replacement(void **state)
{
	(void)state;
	struct rrl_table *t = rrl_table_new();
	struct rrl_config c = rrl_cfg(1, 0);
	struct sockaddr_in a = v4("198.51.100.1");
	/* Exhaust one key at t=0. */
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, 42, 0), RRL_SEND);
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, 42, 0), RRL_DROP);
	/* Many other keys, more than the whole table, spread over time but within a second
	 * of our key's last use at the end. */
	for (uint64_t k = 0; k < 3u * RRL_SETS * RRL_WAYS; k++)
		(void)rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, 100000 + k, 10);
	/* Our key was stale-most in its set at some point and got replaced: a full bucket,
	 * which is the documented loosening, never a wrong drop. */
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, 42, 20), RRL_SEND);
	/* A fresh key right after: limited as usual. */
	assert_int_equal(rrl_account(t, &c, SA(a), RRL_KIND_ANSWER, 42, 20), RRL_DROP);
	rrl_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_siphash_vectors),
	        cmocka_unit_test(test_cookie_rfc9018_vector),
	        cmocka_unit_test(test_cookie_validate),
	        cmocka_unit_test(test_rrl_bucket_and_slip),
	        cmocka_unit_test(test_rrl_slip_settings),
	        cmocka_unit_test(test_rrl_prefixes_and_exempt),
	        cmocka_unit_test(test_rrl_replacement),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
