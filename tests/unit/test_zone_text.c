/* SPDX-License-Identifier: MIT
 * test_zone_text.c -- unit tests for the loader's own master-file reader
 * (zones/zone_text.h, zones/zone_rdata.c): the logical line of an entry (parentheses,
 * comments, quotes, line ends), names (escapes, 63-byte labels, 255-byte names, @ and
 * relative names), TTL and class words, the rdata of each type it reads, what it leaves
 * to ldns, and whole zone files ($ORIGIN, $TTL, $INCLUDE nesting, blank owners, errors)
 * loaded once with it and once with ldns alone, which must agree exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "zones/zone.h"
#include "zones/zone_load.h"
#include "zones/zone_text.h"
#include "tests/fuzz/zone_same.h"
#include "tests/unit/testlib.h"

static uint8_t origin[DNAME_MAX];
static struct zone_text_rr rr;
static char line[ZONE_TEXT_LINE_MAX];

static int setup(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(dname_from_text("example.com.", NULL, origin, &len), GS_OK);
	return 0;
}

/* Reads text as one entry; returns what zone_text_record made of it. */
static enum zone_text_result read1(const char *text, const uint8_t *prev)
{
	size_t len = 0, end = 0;
	assert_true(zone_text_line(text, strlen(text), 0, line, &len, &end));
	return zone_text_record(line, len, origin, prev, &rr);
}

#define EXPECT_RDATA(text, lit) expect_rdata(text, lit, sizeof(lit) - 1)

static void expect_rdata(const char *text, const void *want, size_t want_len)
{
	assert_int_equal(read1(text, NULL), ZONE_TEXT_RECORD);
	assert_int_equal(rr.rdlen, want_len);
	assert_memory_equal(rr.rdata, want, want_len);
}

static void test_line(void **state)
{
	(void)state;
	size_t len, end;
	const char *t = "a ( 1 ; one\n 2 ) ; c\n\n\nb A 1.2.3.4";
	assert_true(zone_text_line(t, strlen(t), 0, line, &len, &end));
	assert_string_equal(line, "a  1  2  ");      /* a comment and its line end vanish */
	assert_string_equal(t + end, "b A 1.2.3.4"); /* the empty lines went with it */
	/* Quotes keep ';' and parentheses; CR is a blank; an escaped '(' is text. */
	t = "x TXT \"a;(b\" \\( c\r\nnext";
	assert_true(zone_text_line(t, strlen(t), 0, line, &len, &end));
	assert_string_equal(line, "x TXT \"a;(b\" \\( c ");
	assert_string_equal(t + end, "next");
	/* ')' glues the words around it, as in ldns. */
	t = "a (b)c\n";
	assert_true(zone_text_line(t, strlen(t), 0, line, &len, &end));
	assert_string_equal(line, "a bc");
	/* A ')' closed by the '(' right after it is nothing; a ')' without '(' and a NUL
	 * byte are ldns's to judge (it ends the line there and loses a character). */
	t = "a )(b c\n";
	assert_true(zone_text_line(t, strlen(t), 0, line, &len, &end));
	assert_string_equal(line, "a b c");
	assert_false(zone_text_line("x NSEC n)ec.x. A\n", 17, 0, line, &len, &end));
	assert_false(zone_text_line("a ) b\n", 6, 0, line, &len, &end));
	assert_false(zone_text_line("a \0 b\n", 6, 0, line, &len, &end));
}

static void test_names(void **state)
{
	(void)state;
	/* Relative owner, case kept; blank owner takes the previous one, else the
	 * origin; '@' is the origin. */
	assert_int_equal(read1("WWW 300 IN A 192.0.2.1", NULL), ZONE_TEXT_RECORD);
	assert_memory_equal(rr.owner, "\3WWW\7example\3com", 17);
	assert_true(rr.owner_named);
	uint8_t prev[DNAME_MAX];
	memcpy(prev, rr.owner, 17);
	assert_int_equal(read1("  A 192.0.2.2", prev), ZONE_TEXT_RECORD);
	assert_memory_equal(rr.owner, prev, 17);
	assert_false(rr.owner_named);
	assert_int_equal(read1("\tA 192.0.2.2", NULL), ZONE_TEXT_RECORD);
	assert_memory_equal(rr.owner, origin, 13);
	assert_int_equal(read1("@ NS ns1", NULL), ZONE_TEXT_RECORD);
	assert_memory_equal(rr.owner, origin, 13);
	assert_memory_equal(rr.rdata, "\3ns1\7example\3com", 17);
	/* Escaped dots and \DDD stay inside a label. */
	assert_int_equal(read1("a\\.b\\046c.x. A 192.0.2.3", NULL), ZONE_TEXT_RECORD);
	assert_memory_equal(rr.owner, "\5a.b.c\1x", 9);
	/* 63-byte labels and a 255-byte name are accepted; one byte more is ldns's. */
	char name[600], text[700];
	memset(name, 'a', 63);
	name[63] = '\0';
	snprintf(text, sizeof(text), "%s A 192.0.2.4", name);
	assert_int_equal(read1(text, NULL), ZONE_TEXT_RECORD);
	assert_int_equal(rr.owner[0], 63);
	memset(name, 'a', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), "%s A 192.0.2.4", name);
	assert_int_equal(read1(text, NULL), ZONE_TEXT_LDNS);
	/* 3 labels of 63 and one of 61: 4 * 64 - 2 + 1 = 255 bytes. */
	snprintf(name, sizeof(name), "%.63s.%.63s.%.63s.%.61s.", text, text, text, text);
	memset(name, 'b', strlen(name) - 1);
	for (int i = 63; i < 250; i += 64)
		name[i] = '.';
	snprintf(text, sizeof(text), "%s A 192.0.2.5", name);
	assert_int_equal(read1(text, NULL), ZONE_TEXT_RECORD);
	assert_int_equal(dname_len(rr.owner), 255);
	snprintf(text, sizeof(text), "b%s A 192.0.2.5", name);
	assert_int_equal(read1(text, NULL), ZONE_TEXT_LDNS);
	/* A relative name that the origin would make longer than 255 bytes. */
	name[strlen(name) - 1] = '\0';
	snprintf(text, sizeof(text), "%s A 192.0.2.5", name);
	assert_int_equal(read1(text, NULL), ZONE_TEXT_LDNS);
	/* Bad escapes, empty labels: ldns says what is wrong. */
	assert_int_equal(read1("a\\25.b. A 192.0.2.6", NULL), ZONE_TEXT_LDNS);
	assert_int_equal(read1("a\\256.b. A 192.0.2.6", NULL), ZONE_TEXT_LDNS);
	assert_int_equal(read1("a..b. A 192.0.2.6", NULL), ZONE_TEXT_LDNS);
	/* In rdata, a first label "@" is the origin (as ldns has it). */
	assert_int_equal(read1("x CNAME @", NULL), ZONE_TEXT_RECORD);
	assert_memory_equal(rr.rdata, origin, 13);
}

static void test_ttl_class_type(void **state)
{
	(void)state;
	const char *ok[] = {"w 300 IN A 192.0.2.1", "w IN A 192.0.2.1", "w 1h30m A 192.0.2.1",
	                    "w 2W in a 192.0.2.1",  "w A 192.0.2.1",    "w 3600 a 192.0.2.1"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(read1(ok[i], NULL), ZONE_TEXT_RECORD);
		assert_int_equal(rr.type, 1);
		assert_memory_equal(rr.rdata, "\xc0\x00\x02\x01", 4);
	}
	/* Class before TTL, other classes, other types, RFC 3597, meta types, missing or
	 * extra fields: all read by ldns. */
	const char *ldns[] = {"w IN 300 A 192.0.2.1",
	                      "w CH A 192.0.2.1",
	                      "w 300 CH TXT x",
	                      "w HINFO a b",
	                      "w TYPE1 192.0.2.1",
	                      "w A \\# 4 c0000201",
	                      "w ANY 192.0.2.1",
	                      "w A",
	                      "w A 192.0.2.1 192.0.2.2",
	                      "w A 192.0.2.256",
	                      "w MX -1 mail",
	                      "w MX 65536 mail",
	                      "w 123456789012345678901 A 192.0.2.1",
	                      "$TTL 300"};
	for (size_t i = 0; i < sizeof(ldns) / sizeof(ldns[0]); i++)
		assert_int_equal(read1(ldns[i], NULL), ZONE_TEXT_LDNS);
	assert_int_equal(read1("   ", NULL), ZONE_TEXT_EMPTY);
}

static void test_rdata(void **state)
{
	(void)state;
	EXPECT_RDATA("w AAAA 2001:db8::1", "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01");
	EXPECT_RDATA("w MX 10 mail.example.net.", "\0\x0a\4mail\7example\3net\0");
	EXPECT_RDATA("w SRV 1 2 443 t.x.", "\0\1\0\2\1\xbb\1t\1x\0");
	EXPECT_RDATA("w PTR a.b.", "\1a\1b\0");
	EXPECT_RDATA("w DNAME a.b.", "\1a\1b\0");
	expect_rdata("@ SOA ns h.m. 1 1h 2m 3d 1w",
	             "\2ns\7example\3com\0\1h\1m\0"
	             "\0\0\0\1\0\0\x0e\x10\0\0\0\x78\0\x03\xf4\x80\0\x09\x3a\x80",
	             16 + 5 + 20);
	/* TXT: quoted and bare strings, escapes, empty strings, the 255-byte limit. */
	EXPECT_RDATA("w TXT \"a b\" c \"\" \"q\\\"\\059\\\\\"", "\3a b\1c\0\4q\";\\");
	EXPECT_RDATA("w TXT \"(x) ;y\"", "\6(x) ;y");
	char text[700];
	char s255[256];
	memset(s255, 'z', 255);
	s255[255] = '\0';
	snprintf(text, sizeof(text), "w TXT \"%s\"", s255);
	assert_int_equal(read1(text, NULL), ZONE_TEXT_RECORD);
	assert_int_equal(rr.rdlen, 256);
	snprintf(text, sizeof(text), "w TXT \"%sz\"", s255);
	assert_int_equal(read1(text, NULL), ZONE_TEXT_LDNS);
	assert_int_equal(read1("w TXT \"open", NULL), ZONE_TEXT_LDNS);
	/* A long TXT record: many strings in parentheses over several lines. */
	char big[4000] = "w TXT (";
	for (int i = 0; i < 12; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "\n \"%s\"", s255);
	strcat(big, " )");
	assert_int_equal(read1(big, NULL), ZONE_TEXT_RECORD);
	assert_int_equal(rr.rdlen, 12 * 256);
	EXPECT_RDATA("w CAA 0 issue \"ca.example\"", "\0\5issueca.example");
	assert_int_equal(read1("w CAA 0 issue ca.example", NULL), ZONE_TEXT_LDNS);
}

/* Every record of the signed fixtures (ECDSA, NSEC and NSEC3) is read here, not by
 * ldns; the loads of test_files compare the results with ldns's. */
static void test_dnssec(void **state)
{
	(void)state;
	const char *files[] = {TL_SRC("tests/data/answer/nsec.example.signed"),
	                       TL_SRC("tests/data/answer/nsec3.example.signed")};
	for (size_t f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "r");
		assert_non_null(fp);
		static char text[1 << 16];
		size_t len = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
		size_t pos = 0, n = 0;
		uint8_t prev[DNAME_MAX];
		bool has_prev = false;
		while (pos < len) {
			size_t line_len, end;
			assert_true(zone_text_line(text, len, pos, line, &line_len, &end));
			enum zone_text_result r = zone_text_record(line, line_len, origin,
			                                           has_prev ? prev : NULL, &rr);
			if (r == ZONE_TEXT_LDNS)
				fail_msg("left to ldns: %s", line);
			if (r == ZONE_TEXT_RECORD && rr.owner_named) {
				memcpy(prev, rr.owner, dname_len(rr.owner));
				has_prev = true;
			}
			n += r == ZONE_TEXT_RECORD;
			pos = end;
		}
		assert_true(n > 20);
	}
	/* Blanks inside base64 and hex, "-" salts, types past the first window, times
	 * as seconds, NSEC without a bitmap. */
	EXPECT_RDATA("w DNSKEY 256 3 13 AQID BA==", "\1\0\3\x0d\1\2\3\4");
	EXPECT_RDATA("w DS 60485 5 1 2BB1 83AF", "\xec\x45\5\1\x2b\xb1\x83\xaf");
	EXPECT_RDATA("w NSEC3PARAM 1 0 10 -", "\1\0\0\x0a\0");
	EXPECT_RDATA("w NSEC3PARAM 1 0 0 AABB", "\1\0\0\0\2\xaa\xbb");
	EXPECT_RDATA("w NSEC a. A TYPE1025 RRSIG", "\1a\0\0\6\x40\0\0\0\0\2\4\1\x40");
	EXPECT_RDATA("w NSEC a.", "\1a\0");
	EXPECT_RDATA("w NSEC3 1 1 0 - 0123456789ABCDEFGHIJKLMNOPQRSTUV A",
	             "\1\1\0\0\0\x14\x00\x44\x32\x14\xc7\x42\x54\xb6\x35\xcf\x84\x65\x3a\x56\xd7"
	             "\xc6\x75\xbe\x77\xdf\0\1\x40");
	EXPECT_RDATA("w RRSIG A 13 2 300 1700000000 20240101000000 1 a. AAAA",
	             "\0\1\x0d\2\0\0\1\x2c\x65\x53\xf1\0\x65\x92\x00\x80\0\1\1a\0\0\0\0");
	/* Bad padding, odd hex, mnemonic algorithms: ldns's. */
	assert_int_equal(read1("w DNSKEY 256 3 13 AQJ=", NULL), ZONE_TEXT_LDNS);
	assert_int_equal(read1("w DNSKEY 256 3 13 AQ", NULL), ZONE_TEXT_LDNS);
	assert_int_equal(read1("w DS 1 5 1 ABC", NULL), ZONE_TEXT_LDNS);
	assert_int_equal(read1("w DS 1 RSASHA1 1 AB", NULL), ZONE_TEXT_LDNS);
	assert_int_equal(read1("w RRSIG A 13 2 300 20241301000000 20240101000000 1 a. AA==", NULL),
	                 ZONE_TEXT_LDNS);
}

/* Writes files (name, text pairs, NULL-terminated) to a temporary folder, loads the
 * first with our reader and with ldns alone, and checks that both agree. Returns the
 * number of records loaded. */
static size_t load_both(const char *const *files, int want_rc)
{
	char *dir = tl_tmpdir("zone_text");
	char *first = NULL;
	char sub[4096];
	snprintf(sub, sizeof(sub), "%s/inc", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (size_t i = 0; files[i]; i += 2) {
		char *p = tl_write_file(dir, files[i], files[i + 1]);
		if (!first)
			first = p;
		else
			free(p);
	}
	struct arena *a = arena_new(), *b = arena_new();
	struct diag da, db;
	diag_init(&da);
	diag_init(&db);
	const struct zone *za = NULL, *zb = NULL;
	int rc = zone_load(first, origin, a, &da, &za);
	zone_load_ldns_only = true;
	int rc2 = zone_load(first, origin, b, &db, &zb);
	zone_load_ldns_only = false;
	if (rc != want_rc)
		diag_print(&da, stderr);
	assert_int_equal(rc, want_rc);
	assert_int_equal(rc2, want_rc);
	assert_true(zone_same(za, &da, zb, &db));
	size_t n = za ? za->n_records : 0;
	diag_free(&da);
	diag_free(&db);
	arena_destroy(a);
	arena_destroy(b);
	free(first);
	tl_rmtree(dir);
	free(dir);
	return n;
}

static void test_files(void **state)
{
	(void)state;
	const char *good[] = {
	        "z.zone",
	        "$TTL 1h\n"
	        "@ IN SOA ns1 hostmaster ( 2024010101 ; serial\n"
	        "   7200 3600 1209600 300 )\n"
	        "  NS ns1\n"
	        "  NS ns2.example.net.\n"
	        "ns1 A 192.0.2.1\n"
	        "www 300 A 192.0.2.2\n"
	        "    AAAA 2001:db8::2 ; blank owner: www\n"
	        "    TXT \"v=spf1 -all\" \"a\\\"b\" (\n"
	        "        \"c;d\" )\n"
	        "$ORIGIN sub.example.com.\n"
	        "    MX 10 mail ; still www.example.com., mail.sub.example.com.\n"
	        "mail A 192.0.2.3\n"
	        "_sip._tcp SRV 0 5 5060 mail\n"
	        "$TTL 2d3h\n"
	        "$INCLUDE inc/one.inc x\n"
	        "    CAA 0 issue \"ca.example\"\n"
	        "a\\.b A 192.0.2.4\n"
	        "wild CNAME @\n"
	        "$origin example.com.\n"
	        "rel PTR host\r\n"
	        "hinfo HINFO \"pc\" \"os\"\n",
	        "inc/one.inc",
	        "$TTL 60\n"
	        "one A 192.0.2.10\n"
	        "  A 192.0.2.11\n"
	        "$INCLUDE two.inc\n",
	        "inc/two.inc",
	        "two 120 IN A 192.0.2.12\n"
	        "two 120 IN TXT plain words\n",
	        NULL,
	};
	/* $INCLUDE names are relative to the main file's folder: "two.inc" from
	 * inc/one.inc is not found (the same message either way). */
	assert_int_equal(load_both(good, GS_EPARSE), 0);
	const char *inc_one = "$TTL 60\n"
	                      "one A 192.0.2.10\n"
	                      "  A 192.0.2.11\n"
	                      "$INCLUDE inc/two.inc\n";
	const char *ok[] = {"z.zone",      good[1], "inc/one.inc", inc_one,
	                    "inc/two.inc", good[5], NULL};
	assert_int_equal(load_both(ok, GS_OK), 19);

	/* Errors: the same messages at the same lines, whichever reader met them. */
	const char *bad[] = {"z.zone",
	                     "$TTL 300\n"
	                     "@ SOA ns1 h 1 2 3 4 5\n"
	                     "@ NS ns1\n"
	                     "ns1 A 192.0.2.1\n"
	                     "x A 192.0.2.300\n"
	                     "x MX ten mail\n"
	                     "x 99999999999 A 192.0.2.1\n"
	                     "x 300x A 192.0.2.1\n"
	                     "x TXT \"unterminated\n"
	                     "x CH A 192.0.2.1\n"
	                     "www.example.org. A 192.0.2.1\n"
	                     "c CNAME a\n"
	                     "c A 192.0.2.1\n"
	                     "x A 192.0.2.1 ) junk\n"
	                     "x AXFR x\n"
	                     "x IN 120 A 192.0.2.12\n",
	                     NULL};
	assert_int_equal(load_both(bad, GS_EPARSE), 0);
	/* No $TTL: the SOA takes its MINIMUM with a warning, later records the last TTL. */
	const char *nottl[] = {"z.zone",
	                       "@ SOA ns1 h 1 2 3 4 1h\n"
	                       "@ NS ns1\n"
	                       "ns1 A 192.0.2.1\n"
	                       "x 5m A 192.0.2.1\n"
	                       "y A 192.0.2.1\n",
	                       NULL};
	assert_int_equal(load_both(nottl, GS_OK), 5);
	/* A zone signed elsewhere, with odd spellings of the DNSSEC fields. */
	const char *dnssec[] = {"z.zone",
	                        "$TTL 300\n"
	                        "@ SOA ns1 h 1 2 3 4 5\n"
	                        "@ NS ns1\n"
	                        "@ DNSKEY 257 3 13 ( AQID\n BAUG )\n"
	                        "@ NSEC3PARAM 1 0 0 -\n"
	                        "@ RRSIG SOA 13 2 300 20900101000000 20260101000000 1 @ AQID\n"
	                        "@ RRSIG NS RSASHA256 2 300 2090010100000 1 1 @ AQID\n"
	                        "ns1 A 192.0.2.1\n"
	                        "sub NS ns1\n"
	                        "sub DS 1 13 2 ( 0102 0304 )\n"
	                        "sub RRSIG DS 13 3 300 4102444800 1767225600 1 @ AQID BA==\n"
	                        "x NSEC ns1 A TYPE65534 RRSIG NSEC BOGUS\n"
	                        "0123456789abcdefghijklmnopqrstuv NSEC3 1 0 0 - "
	                        "0123456789abcdefghijklmnopqrstuv A\n"
	                        "0123456789abcdefghijklmnopqrstuw NSEC3 1 0 0 - 01234567 A\n",
	                        NULL};
	assert_int_equal(load_both(dnssec, GS_OK), 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_line),           cmocka_unit_test(test_names),
	        cmocka_unit_test(test_ttl_class_type), cmocka_unit_test(test_rdata),
	        cmocka_unit_test(test_dnssec),         cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
