/* SPDX-License-Identifier: MIT
 * test_dnstap.c -- unit tests for server/dnstap/dnstap_enc.h: frames encoded by hand are
 * decoded with protobuf-c's code generated from dnstap.proto, and every field is
 * checked (present with the value given, or absent), for IPv4 and IPv6 clients, UDP and
 * TCP, with and without identity and extra, and lengths that need 1, 2 and 3 varint
 * bytes. The Frame Streams length in front is the Dnstap's; the frame stays within the
 * bound announced, and nothing is written past the bound and the spill allowed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/dnstap/dnstap_enc.h"
#include "tests/unit/dnstap.pb-c.h"

/* A byte pattern of n bytes starting at seed, to tell fields apart. */
static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *p = malloc(n);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
	return p;
}

static void assert_bytes(ProtobufCBinaryData b, const void *want, size_t len)
{
	assert_int_equal(b.len, len);
	assert_memory_equal(b.data, want, len);
}

/* Encodes m over TCP or UDP with a template of identity/version, decodes it and checks
 * every field. */
static void roundtrip_at(const char *identity, const char *version, struct dnstap_enc_msg *m,
                         bool tcp, struct dnstap_enc_time *t, uint64_t sec, uint32_t nsec)
{
	struct dnstap_enc_tmpl tm;
	dnstap_enc_tmpl(&tm, identity, version, tcp);
	dnstap_enc_time(t, sec, nsec);
	m->time = t;
	size_t bound =
	        dnstap_enc_bound(&tm, m->query_len, m->response_len, m->extra ? m->extra_len : 0);
	enum { GUARD = 64 };
	size_t room = bound + DNSTAP_ENC_SPILL;
	uint8_t *buf = malloc(room + GUARD);
	assert_non_null(buf);
	memset(buf, 0xa5, room + GUARD);
	size_t len = dnstap_enc_frame(buf, &tm, m);
	assert_true(len <= bound);
	for (size_t i = room; i < room + GUARD; i++)
		assert_int_equal(buf[i], 0xa5);
	/* The Frame Streams length: the rest of the frame. */
	assert_true(len > 4);
	uint32_t flen =
	        (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	assert_int_equal(flen, len - 4);

	Dnstap__Dnstap *d = dnstap__dnstap__unpack(NULL, len - 4, buf + 4);
	assert_non_null(d);
	/* protobuf-c packs the same fields to the same size: no byte more or less. */
	assert_int_equal(dnstap__dnstap__get_packed_size(d), len - 4);
	assert_int_equal(d->type, DNSTAP__DNSTAP__TYPE__MESSAGE);
	assert_int_equal(d->has_identity, identity != NULL);
	if (identity)
		assert_bytes(d->identity, identity, strlen(identity));
	assert_true(d->has_version);
	assert_bytes(d->version, version, strlen(version));
	assert_int_equal(d->has_extra, m->extra != NULL);
	if (m->extra)
		assert_bytes(d->extra, m->extra, m->extra_len);

	const Dnstap__Message *msg = d->message;
	assert_non_null(msg);
	assert_int_equal(msg->type, DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE);
	assert_true(msg->has_socket_protocol);
	assert_int_equal(msg->socket_protocol,
	                 tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP);
	bool addr = m->addr_len != 0;
	assert_int_equal(msg->has_socket_family, addr);
	assert_int_equal(msg->has_query_address, addr);
	assert_int_equal(msg->has_query_port, addr);
	if (addr) {
		assert_int_equal(msg->socket_family, m->addr_len == 16
		                                             ? DNSTAP__SOCKET_FAMILY__INET6
		                                             : DNSTAP__SOCKET_FAMILY__INET);
		assert_bytes(msg->query_address, m->addr, m->addr_len);
		assert_int_equal(msg->query_port, m->port);
	}
	assert_true(msg->has_query_message);
	assert_bytes(msg->query_message, m->query, m->query_len);
	assert_true(msg->has_response_message);
	assert_bytes(msg->response_message, m->response, m->response_len);
	assert_true(msg->has_response_time_sec);
	assert_true(msg->has_response_time_nsec);
	assert_true(msg->response_time_sec == sec);
	assert_int_equal(msg->response_time_nsec, nsec);
	/* Never written. */
	assert_false(msg->has_response_address);
	assert_false(msg->has_response_port);
	assert_false(msg->has_query_time_sec);
	assert_false(msg->has_query_time_nsec);
	assert_false(msg->has_query_zone);
	dnstap__dnstap__free_unpacked(d, NULL);
	free(buf);
}

/* The same with a fresh time. */
static void roundtrip(const char *identity, const char *version, struct dnstap_enc_msg *m, bool tcp,
                      uint64_t sec, uint32_t nsec)
{
	struct dnstap_enc_time t = {0};
	roundtrip_at(identity, version, m, tcp, &t, sec, nsec);
}

static void test_udp4_extra(void **state)
{
	(void)state;
	uint8_t *q = pattern(29, 1), *r = pattern(61, 2);
	static const uint8_t a4[4] = {192, 0, 2, 7};
	const char *extra = "service=www map=m rule=matched dc=west list=west,east "
	                    "skipped_down=- scope=8 ttl=60";
	struct dnstap_enc_msg m = {
	        .query = q,
	        .query_len = 29,
	        .response = r,
	        .response_len = 61,
	        .addr = a4,
	        .addr_len = 4,
	        .port = 53124,
	        .extra = extra,
	        .extra_len = strlen(extra),
	};
	roundtrip("ns1", "geosteer 1.0", &m, false, 1796000000u, 123456789u);
	free(q);
	free(r);
}

static void test_tcp6_long(void **state)
{
	(void)state;
	/* A 300-byte query (2-byte length) and a 40000-byte response (3-byte length, and
	 * a Message over 16383 bytes: a 3-byte length too). */
	uint8_t *q = pattern(300, 3), *r = pattern(40000, 4);
	uint8_t a6[16];
	for (unsigned i = 0; i < 16; i++)
		a6[i] = (uint8_t)(0x20 + i);
	struct dnstap_enc_msg m = {
	        .query = q,
	        .query_len = 300,
	        .response = r,
	        .response_len = 40000,
	        .addr = a6,
	        .addr_len = 16,
	        .port = 1,
	};
	roundtrip(NULL, "geosteer 1.0", &m, true, 0, 999999999u);
	free(q);
	free(r);
}

static void test_edges(void **state)
{
	(void)state;
	uint8_t *q = pattern(127, 5), *r = pattern(128, 6), *x = pattern(300, 7);
	for (size_t i = 0; i < 300; i++)
		x[i] = (uint8_t)('a' + x[i] % 26);
	/* No client address; lengths at the 1/2-byte varint edge; port 0 and 65535; a
	 * seconds value past 2^35 (6 varint bytes); a long extra; the longest identity. */
	struct dnstap_enc_msg m = {
	        .query = q,
	        .query_len = 127,
	        .response = r,
	        .response_len = 128,
	        .extra = (const char *)x,
	        .extra_len = 300,
	};
	char ident[DNSTAP_ENC_NAME_MAX + 1];
	memset(ident, 'i', DNSTAP_ENC_NAME_MAX);
	ident[DNSTAP_ENC_NAME_MAX] = '\0';
	roundtrip(ident, "v", &m, false, (uint64_t)1 << 40, 0);
	static const uint8_t a4[4] = {127, 0, 0, 1};
	m.addr = a4;
	m.addr_len = 4;
	m.port = 0;
	roundtrip("a", "v", &m, false, 1, 1);
	m.port = 65535;
	roundtrip("a", "v", &m, true, UINT64_MAX, UINT32_MAX);
	/* One time reused across batches (dnstap_tick): the nanoseconds change alone, then
	 * the seconds too, to a value of another varint length, and back. */
	struct dnstap_enc_time t = {0};
	roundtrip_at("a", "v", &m, true, &t, 1796000000u, 5);
	roundtrip_at("a", "v", &m, true, &t, 1796000000u, 999999999u);
	roundtrip_at("a", "v", &m, true, &t, 100, 7);
	roundtrip_at("a", "v", &m, true, &t, 1796000001u, 0);
	free(q);
	free(r);
	free(x);
}

/* The Message's length takes one byte below 128 and two from 128: dnstap_enc_frame
 * knows which from an estimate but in a narrow band, where it counts exactly. Every
 * Message size around both edges (128 and 16,384 bytes), with ports and lengths of
 * each varint size and no address, must come out as protobuf-c packs it. */
static void test_message_length_edges(void **state)
{
	(void)state;
	uint8_t *q = pattern(200, 8), *r = pattern(16400, 9);
	static const uint8_t a4[4] = {198, 51, 100, 1};
	static const uint16_t ports[] = {5, 300, 40000};
	static const size_t qlens[] = {12, 127, 128};
	for (unsigned fam = 0; fam < 2; fam++) {
		for (unsigned pi = 0; pi < 3; pi++) {
			for (unsigned qi = 0; qi < 3; qi++) {
				struct dnstap_enc_msg m = {
				        .query = q,
				        .query_len = qlens[qi],
				        .response = r,
				        .addr = fam ? a4 : NULL,
				        .addr_len = fam ? 4 : 0,
				        .port = fam ? ports[pi] : 0,
				};
				for (size_t n = 12; n < 16400; n++) {
					/* Both edges of the one-byte length, and of two bytes. */
					if (n == 140)
						n = 16240;
					m.response_len = n;
					roundtrip("a", "v", &m, false, 1796000000u, 1);
				}
			}
		}
	}
	free(q);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_udp4_extra),
	        cmocka_unit_test(test_tcp6_long),
	        cmocka_unit_test(test_edges),
	        cmocka_unit_test(test_message_length_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
