/* SPDX-License-Identifier: MIT
 * test_base.c -- unit tests for server/base: names, addresses, diagnostics, arena, source
 * sets (whole-file reads recorded and replayed), hex digits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/hex.h"
#include "server/base/netaddr.h"
#include "server/base/rfile.h"
#include "server/base/rfile_set.h"

static void roundtrip(const char *text, const char *expect)
{
	uint8_t wire[DNAME_MAX];
	size_t len;
	char out[DNAME_TEXT_MAX];
	assert_int_equal(dname_from_text(text, NULL, wire, &len), GS_OK);
	assert_int_equal(len, dname_len(wire));
	dname_to_text(wire, out);
	assert_string_equal(out, expect);
}

static void test_dname_text(void **state)
{
	(void)state;
	roundtrip("www.Example.COM.", "www.Example.COM.");
	roundtrip("www.example.com", "www.example.com.");
	roundtrip(".", ".");
	roundtrip("a\\.b.c.", "a\\.b.c.");
	roundtrip("\\065bc.", "Abc.");
	roundtrip("\\000x.", "\\000x.");

	uint8_t wire[DNAME_MAX], origin[DNAME_MAX];
	size_t len, olen;
	assert_int_equal(dname_from_text("geo.example.", NULL, origin, &olen), GS_OK);
	assert_int_equal(dname_from_text("www", origin, wire, &len), GS_OK);
	assert_memory_equal(wire, "\3www\3geo\7example", 17);
	assert_int_equal(dname_from_text("@", origin, wire, &len), GS_OK);
	assert_int_equal(len, olen);

	/* Malformed: empty labels, a 64-byte label, a name over 255 bytes. */
	assert_int_equal(dname_from_text("a..b.", NULL, wire, &len), GS_EINVAL);
	assert_int_equal(dname_from_text(".a.", NULL, wire, &len), GS_EINVAL);
	char big[400];
	memset(big, 'a', 64);
	strcpy(big + 64, ".");
	assert_int_equal(dname_from_text(big, NULL, wire, &len), GS_EINVAL);
	for (int i = 0; i < 64; i++)
		memcpy(big + i * 4, "abc.", 4);
	big[256] = '\0';
	assert_int_equal(dname_from_text(big, NULL, wire, &len), GS_EINVAL);
	assert_int_equal(dname_from_text("\\256.", NULL, wire, &len), GS_EINVAL);
}

static void test_dname_compare(void **state)
{
	(void)state;
	const uint8_t *a = (const uint8_t *)"\3WWW\7example\0";
	const uint8_t *b = (const uint8_t *)"\3www\7EXAMPLE\0";
	const uint8_t *p = (const uint8_t *)"\7example\0";
	assert_true(dname_equal(a, b));
	assert_true(dname_is_subdomain(a, p));
	assert_true(dname_is_subdomain(p, p));
	assert_false(dname_is_subdomain(p, a));
	assert_int_equal(dname_labels(a), 2);
	assert_int_equal(dname_compare(a, b), 0);
	assert_true(dname_compare(p, a) < 0); /* parent sorts first (RFC 4034 6.1) */
	assert_true(dname_compare((const uint8_t *)"\1a\7example\0",
	                          (const uint8_t *)"\1Z\7example\0") < 0);
	assert_true(dname_compare((const uint8_t *)"\1z\7example\0",
	                          (const uint8_t *)"\2aa\7example\0") > 0);
	uint8_t n[] = "\3WwW\7ExAmPlE";
	dname_lower(n);
	assert_memory_equal(n, "\3www\7example", 13);
	assert_ptr_equal(dname_suffix(a, 1), a + 4);
}

static void test_dname_wire(void **state)
{
	(void)state;
	/* header(12) + "\3www\7example\0" at 12, then "\4mail" + pointer to 16. */
	uint8_t pkt[64] = {0};
	size_t n = 12;
	memcpy(pkt + n, "\3www\7example", 13); /* 13 bytes with the root label */
	n += 13;
	size_t second = n;
	memcpy(pkt + n, "\4mail\xc0\x10", 7);
	n += 7;
	uint8_t out[DNAME_MAX];
	size_t len, pos = 12;
	assert_int_equal(dname_read_wire(pkt, n, &pos, out, &len), GS_OK);
	assert_int_equal(pos, 25);
	pos = second;
	assert_int_equal(dname_read_wire(pkt, n, &pos, out, &len), GS_OK);
	assert_int_equal(pos, n);
	assert_memory_equal(out, "\4mail\7example\0", 14);

	/* A pointer to itself, a forward pointer, and a two-pointer loop are refused. */
	uint8_t loop[16] = {0};
	loop[12] = 0xc0;
	loop[13] = 12;
	pos = 12;
	assert_int_equal(dname_read_wire(loop, 14, &pos, out, &len), GS_EPARSE);
	loop[13] = 14;
	loop[14] = 0;
	pos = 12;
	assert_int_equal(dname_read_wire(loop, 15, &pos, out, &len), GS_EPARSE);
	uint8_t loop2[20] = {0};
	loop2[12] = 0xc0, loop2[13] = 14, loop2[14] = 0xc0, loop2[15] = 12;
	pos = 14;
	assert_int_equal(dname_read_wire(loop2, 16, &pos, out, &len), GS_EPARSE);
	/* Truncated label, and the reserved 0x40 label type. */
	uint8_t trunc[] = {3, 'w', 'w'};
	pos = 0;
	assert_int_equal(dname_read_wire(trunc, sizeof(trunc), &pos, out, &len), GS_EPARSE);
	uint8_t ext[] = {0x41, 0};
	pos = 0;
	assert_int_equal(dname_read_wire(ext, sizeof(ext), &pos, out, &len), GS_EPARSE);
}

/* Every byte: the 22 hex digits have their value, nothing else is one. */
static void test_hex_digit(void **state)
{
	(void)state;
	const char *digits = "0123456789abcdef";
	unsigned n = 0;
	for (int c = -128; c < 128; c++) {
		int v = hex_digit_value((char)c);
		if (v < 0)
			continue;
		n++;
		assert_true(v < 16);
		assert_int_equal(digits[v], c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
	}
	assert_int_equal(n, 22);
	assert_int_equal(hex_digit_value('7'), 7);
	assert_int_equal(hex_digit_value('b'), 11);
	assert_int_equal(hex_digit_value('F'), 15);
	assert_int_equal(hex_digit_value('g'), -1);
	assert_int_equal(hex_digit_value('\0'), -1);
}

static void test_netaddr(void **state)
{
	(void)state;
	struct netprefix p;
	const char *why = NULL;
	assert_int_equal(netprefix_parse("203.0.113.0/24", &p, &why), GS_OK);
	assert_int_equal(p.len, 24);
	assert_int_equal(netprefix_parse("2001:db8:ff::/48", &p, &why), GS_OK);
	assert_int_equal(p.a.family, AF_INET6);
	assert_int_equal(netprefix_parse("203.0.113.1/24", &p, &why), GS_EINVAL);
	assert_string_equal(why, "host bits set");
	assert_int_equal(netprefix_parse("203.0.113.0/33", &p, &why), GS_EINVAL);
	assert_string_equal(why, "prefix length out of range");
	assert_int_equal(netprefix_parse("203.0.113/24", &p, &why), GS_EINVAL);
	assert_string_equal(why, "not an IP address");
	assert_int_equal(netprefix_parse("192.0.2.1", &p, &why), GS_OK);
	assert_int_equal(p.len, 32);

	struct sockaddr_storage ss;
	socklen_t sl;
	char text[NETADDR_TEXT_MAX];
	assert_int_equal(netaddr_parse_endpoint("127.0.0.1:5353", 53, &ss, &sl, &why), GS_OK);
	netaddr_format_sockaddr((struct sockaddr *)&ss, text);
	assert_string_equal(text, "127.0.0.1:5353");
	assert_int_equal(netaddr_parse_endpoint("[::1]:5353", 53, &ss, &sl, &why), GS_OK);
	netaddr_format_sockaddr((struct sockaddr *)&ss, text);
	assert_string_equal(text, "[::1]:5353");
	assert_int_equal(netaddr_parse_endpoint("0.0.0.0", 53, &ss, &sl, &why), GS_OK);
	netaddr_format_sockaddr((struct sockaddr *)&ss, text);
	assert_string_equal(text, "0.0.0.0:53");
	assert_int_equal(netaddr_parse_endpoint("::1:53", 53, &ss, &sl, &why), GS_EINVAL);
	assert_int_equal(netaddr_parse_endpoint("127.0.0.1:0", 53, &ss, &sl, &why), GS_EINVAL);
	assert_int_equal(netaddr_parse_endpoint("127.0.0.1:x", 53, &ss, &sl, &why), GS_EINVAL);
	assert_int_equal(netaddr_parse_endpoint("localhost:53", 53, &ss, &sl, &why), GS_EINVAL);
}

static void test_diag(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	diag_err(&d, (struct srcpos){"a.yaml", 3}, "bad %s", "thing");
	diag_warn(&d, (struct srcpos){"a.yaml", 0}, "note");
	assert_int_equal(d.n, 2);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.v[0].text, "a.yaml:3: bad thing");
	assert_string_equal(d.v[1].text, "a.yaml: warning: note");
	diag_free(&d);
}

static void test_arena(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	for (int i = 0; i < 10000; i++) {
		uint8_t *p = arena_alloc(a, (size_t)(i % 100) + 1);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_int_equal(p[0], 0);
		p[0] = 1;
	}
	void *big = arena_alloc(a, 1 << 20);
	assert_non_null(big);
	assert_string_equal(arena_strdup(a, "x"), "x");
	assert_true(arena_used(a) >= (1 << 20));
	arena_destroy(a);
}

/* Writes text to path (replacing it). */
static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Reads path with rfile_read; returns its text (to free) or NULL with *err = errno. */
static char *get(const char *path, int *err)
{
	char *buf;
	size_t len;
	const char *why;
	struct stat st;
	if (rfile_read(path, 1 << 20, &buf, &len, &st, &why) != 0) {
		*err = errno;
		assert_non_null(why);
		return NULL;
	}
	assert_int_equal(strlen(buf), len);
	return buf;
}

/* A recorded load replays the bytes it read, in order, whatever the disk holds now. */
static void test_rfile_set(void **state)
{
	(void)state;
	char dir[] = "/tmp/gs-test-rfile-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char a[64], b[64];
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	put(a, "one");
	put(b, "bee");

	struct rfile_set *s = rfile_set_new();
	rfile_set_record(s);
	int err = 0;
	char *t = get(a, &err);
	assert_string_equal(t, "one");
	free(t);
	put(a, "two"); /* changed between two reads of one load: both are kept */
	t = get(a, &err);
	assert_string_equal(t, "two");
	free(t);
	t = get(b, &err);
	assert_string_equal(t, "bee");
	free(t);
	rfile_set_direct();
	assert_int_equal(rfile_set_files(s), 3);
	assert_int_equal(rfile_set_bytes(s), 9);

	/* The disk changes; not read by the recording thread any more. */
	put(a, "three");
	assert_int_equal(unlink(b), 0);
	t = get(a, &err);
	assert_string_equal(t, "three");
	free(t);

	rfile_set_replay(s);
	t = get(a, &err);
	assert_string_equal(t, "one");
	free(t);
	t = get(a, &err);
	assert_string_equal(t, "two");
	free(t);
	t = get(a, &err); /* read more often than recorded: the last copy again */
	assert_string_equal(t, "two");
	free(t);
	t = get(b, &err); /* gone from disk, still in the set */
	assert_string_equal(t, "bee");
	free(t);
	assert_null(get(dir, &err)); /* never recorded: nothing is opened */
	assert_int_equal(err, ENOENT);
	const char *why;
	assert_int_equal(rfile_open(a, NULL, &why), -1);
	assert_int_equal(errno, ENOENT);
	/* A new replay starts over. */
	rfile_set_replay(s);
	t = get(a, &err);
	assert_string_equal(t, "one");
	free(t);
	rfile_set_direct();
	t = get(a, &err);
	assert_string_equal(t, "three");
	free(t);
	rfile_set_free(s);
	assert_int_equal(unlink(a), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* What zone files loaded in parallel rely on: an arena adopted by another keeps its
 * data until that one is destroyed (ASan would see a use after free or a leak), and
 * messages appended keep their order, kind and error count. */
static void test_adopt_and_append(void **state)
{
	(void)state;
	struct arena *a = arena_new(), *b = arena_new(), *empty = arena_new();
	char *in_b = arena_strdup(b, "kept");
	void *big = arena_alloc(b, 1 << 20);
	char *in_a = arena_strdup(a, "a's own");
	size_t used = arena_used(a) + arena_used(b);
	arena_adopt(a, b);
	arena_adopt(a, empty);
	assert_int_equal(arena_used(a), used);
	assert_string_equal(in_b, "kept");
	assert_string_equal(in_a, "a's own");
	memset(big, 1, 1 << 20);
	assert_string_equal(arena_strdup(a, "after"), "after");
	arena_destroy(a);
	struct arena *fresh = arena_new();
	struct arena *c = arena_new();
	char *in_c = arena_strdup(c, "into an empty arena");
	arena_adopt(fresh, c);
	assert_string_equal(in_c, "into an empty arena");
	arena_destroy(fresh);

	struct diag d, z;
	diag_init(&d);
	diag_init(&z);
	diag_err(&d, (struct srcpos){"a.yaml", 1}, "first");
	diag_warn(&z, (struct srcpos){"z.zone", 2}, "second");
	diag_err(&z, (struct srcpos){"z.zone", 3}, "third");
	diag_append(&d, &z);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.n_errors, 2);
	assert_string_equal(d.v[1].text, "z.zone:2: warning: second");
	assert_true(d.v[1].is_warning);
	assert_string_equal(d.v[2].text, "z.zone:3: third");
	diag_free(&z);
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dname_text), cmocka_unit_test(test_dname_compare),
	        cmocka_unit_test(test_dname_wire), cmocka_unit_test(test_netaddr),
	        cmocka_unit_test(test_diag),       cmocka_unit_test(test_arena),
	        cmocka_unit_test(test_rfile_set),  cmocka_unit_test(test_adopt_and_append),
	        cmocka_unit_test(test_hex_digit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
