/* SPDX-License-Identifier: MIT
 * test_denial.c -- unit tests for zones/zone_denial.c, the searches behind DNSSEC negative
 * answers: the NSEC3 hash (RFC 5155 appendix A's known answers, and ldns's
 * ldns_nsec3_hash_name for salts, iterations and names of every length), the canonical
 * sort key (RFC 4034 section 6.1's example order, and dname_compare on every pair), and
 * the NSEC and NSEC3 searches for matching and covering records, wrap-around included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "server/base/dname.h"
#include "server/base/err.h"
#include "zones/zone.h"

static void wire(const char *text, uint8_t out[DNAME_MAX], size_t *len)
{
	assert_int_equal(dname_from_text(text, NULL, out, len), GS_OK);
	dname_lower(out);
}

/* base32hex (lowercase) of a SHA-1 hash, as an NSEC3 owner label spells it. */
static void b32hex(const uint8_t hash[ZONE_NSEC3_HASH_LEN], char out[33])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	unsigned bits = 0, n = 0;
	uint32_t acc = 0;
	for (unsigned i = 0; i < ZONE_NSEC3_HASH_LEN; i++) {
		acc = acc << 8 | hash[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = digits[(acc >> bits) & 31];
		}
	}
	out[n] = '\0';
}

static void hash_text(const char *name, uint16_t iterations, const uint8_t *salt, uint8_t salt_len,
                      char out[33])
{
	uint8_t w[DNAME_MAX];
	size_t len;
	wire(name, w, &len);
	struct zone_dnssec d = {.iterations = iterations, .salt = salt, .salt_len = salt_len};
	uint8_t h[ZONE_NSEC3_HASH_LEN];
	zone_denial_nsec3_hash(&d, w, len, h);
	b32hex(h, out);
}

/* RFC 5155 appendix A: salt aabbccdd, 12 iterations. */
static void test_nsec3_known_answers(void **state)
{
	(void)state;
	static const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
	static const struct {
		const char *name, *hash;
	} cases[] = {
	        {"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
	        {"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
	        {"ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"},
	        {"ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
	        {"ns2.example.", "q04jkcevqvmu85r014c7dkba38o0ji5r"},
	        {"w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h"},
	        {"*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
	        {"x.w.example.", "b4um86eghhds6nea196smvmlo4ors995"},
	        {"xx.example.", "t644ebqk9bibcna874givr6joj62mlhv"},
	        {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.", "kohar7mbb8dc2ce8a9qvl8hon4k53uhi"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[33];
		hash_text(cases[i].name, 12, salt, sizeof(salt), got);
		assert_string_equal(got, cases[i].hash);
	}
}

/* Against ldns, for names that fill one, two and more SHA-1 blocks. */
static void test_nsec3_against_ldns(void **state)
{
	(void)state;
	static const char *const names[] = {
	        "example.",
	        "*.wild.example.com.",
	        "x.",
	        ".",
	        "a-rather-long-label-of-fifty-five-characters-to-cross.blocks.example.",
	        ("0123456789012345678901234567890123456789012345678901234567890."
	         "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij.example.org.")};
	static const uint8_t salt[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
	static const struct {
		uint16_t iterations;
		uint8_t salt_len;
	} params[] = {{0, 0}, {0, 4}, {1, 0}, {10, 17}, {150, 8}};
	for (size_t p = 0; p < sizeof(params) / sizeof(params[0]); p++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char got[33];
			hash_text(names[i], params[p].iterations, salt, params[p].salt_len, got);
			ldns_rdf *dn = NULL;
			assert_int_equal(ldns_str2rdf_dname(&dn, names[i]), LDNS_STATUS_OK);
			ldns_rdf *h = ldns_nsec3_hash_name(dn, 1, params[p].iterations,
			                                   params[p].salt_len, salt);
			assert_non_null(h);
			char *text = ldns_rdf2str(h);
			assert_non_null(text);
			for (char *c = text; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			assert_int_equal(strlen(text), 33); /* 32 digits and the final dot */
			text[32] = '\0';
			assert_string_equal(got, text);
			free(text);
			ldns_rdf_deep_free(h);
			ldns_rdf_deep_free(dn);
		}
	}
}

/* RFC 4034 section 6.1's example, in canonical order, plus names that need escapes. */
static const char *const canonical[] = {
        "example.",
        "a.example.",
        "yljkjljk.a.example.",
        "Z.a.example.",
        "zABC.a.EXAMPLE.",
        "z.example.",
        "\\000.z.example.",
        "\\001.z.example.",
        "\\001\\000.z.example.",
        "\\001\\001.z.example.",
        "\\002.z.example.",
        "*.z.example.",
        "\\200.z.example.",
};

static void test_key_order(void **state)
{
	(void)state;
	size_t n = sizeof(canonical) / sizeof(canonical[0]);
	uint8_t keys[16][ZONE_DENIAL_KEY_MAX];
	size_t lens[16];
	uint8_t names[16][DNAME_MAX];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		wire(canonical[i], names[i], &len);
		lens[i] = zone_denial_key(names[i], len, 1, keys[i]); /* origin "example." */
	}
	assert_int_equal(lens[0], 0); /* the origin itself */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			size_t m = lens[i] < lens[j] ? lens[i] : lens[j];
			int c = memcmp(keys[i], keys[j], m);
			if (c == 0)
				c = lens[i] < lens[j] ? -1 : lens[i] > lens[j];
			int want = i < j ? -1 : i > j;
			assert_int_equal(c < 0 ? -1 : c > 0, want);
			int dc = dname_compare(names[i], names[j]);
			assert_int_equal(dc < 0 ? -1 : dc > 0, want);
		}
	}
}

/* The NSEC search: the owner itself, or the one before it; entry 0 covers the start. */
static void test_nsec_find(void **state)
{
	(void)state;
	static const char *const owners[] = {"example.", "a.example.", "m.example.", "b.m.example.",
	                                     "z.example."};
	struct zone_nsec chain[5];
	uint8_t keys[5][ZONE_DENIAL_KEY_MAX];
	for (size_t i = 0; i < 5; i++) {
		uint8_t w[DNAME_MAX];
		size_t len;
		wire(owners[i], w, &len);
		chain[i].key_len = (uint16_t)zone_denial_key(w, len, 1, keys[i]);
		chain[i].key = keys[i];
		chain[i].node = (uint32_t)i;
	}
	struct zone_dnssec d = {.denial = ZONE_DENIAL_NSEC, .nsec = chain, .n_nsec = 5};
	static const struct {
		const char *name;
		uint32_t want;
	} cases[] = {
	        {"example.", 0},     {"0.example.", 0}, {"a.example.", 1},   {"x.a.example.", 1},
	        {"b.example.", 1},   {"m.example.", 2}, {"a.m.example.", 2}, {"b.m.example.", 3},
	        {"c.m.example.", 3}, {"n.example.", 3}, {"z.example.", 4},   {"zz.example.", 4},
	        {"a.z.example.", 4},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t w[DNAME_MAX], key[ZONE_DENIAL_KEY_MAX];
		size_t len;
		wire(cases[i].name, w, &len);
		size_t klen = zone_denial_key(w, len, 1, key);
		uint32_t got = zone_denial_nsec_find(&d, key, klen);
		if (got != cases[i].want)
			fail_msg("%s: got entry %u, want %u", cases[i].name, got, cases[i].want);
	}
}

/* The NSEC3 search: a match, a cover, and the wrap of the last record. */
static void test_nsec3_find(void **state)
{
	(void)state;
	struct zone_nsec3 chain[3];
	memset(chain, 0, sizeof(chain));
	chain[0].hash[0] = 0x10;
	chain[1].hash[0] = 0x80;
	chain[2].hash[0] = 0xc0;
	struct zone_dnssec d = {.denial = ZONE_DENIAL_NSEC3, .nsec3 = chain, .n_nsec3 = 3};
	uint8_t h[ZONE_NSEC3_HASH_LEN] = {0};
	h[0] = 0x10;
	assert_int_equal(zone_denial_nsec3_find(&d, h), 0);
	h[0] = 0x80;
	assert_int_equal(zone_denial_nsec3_find(&d, h), 1);
	h[0] = 0xc0;
	assert_int_equal(zone_denial_nsec3_find(&d, h), 2);
	h[0] = 0x11;
	assert_int_equal(zone_denial_nsec3_find(&d, h), 0 | ZONE_SEC_COVER);
	h[0] = 0x80;
	h[19] = 1;
	assert_int_equal(zone_denial_nsec3_find(&d, h), 1 | ZONE_SEC_COVER);
	h[0] = 0xff;
	assert_int_equal(zone_denial_nsec3_find(&d, h), 2 | ZONE_SEC_COVER);
	h[0] = 0x01; /* before the first: the last one's range wraps around to it */
	assert_int_equal(zone_denial_nsec3_find(&d, h), 2 | ZONE_SEC_COVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_nsec3_known_answers),
	        cmocka_unit_test(test_nsec3_against_ldns),
	        cmocka_unit_test(test_key_order),
	        cmocka_unit_test(test_nsec_find),
	        cmocka_unit_test(test_nsec3_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
