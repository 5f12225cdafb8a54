/* SPDX-License-Identifier: MIT
 * testlib.h -- what several cmocka unit tests share: fixture paths, temporary folders,
 * a byte-level DNS message builder (well-formed queries as well as deliberately broken
 * ones), and reading responses back with ldns, an independent parser. Failures are
 * cmocka assertions in the calling test. */
#ifndef GS_TESTLIB_H
#define GS_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* ---- Fixture paths. ---- */

/* The source and build trees, compiled in by tests/local.mk. */
#ifndef GS_TEST_SRCDIR
#define GS_TEST_SRCDIR "."
#endif
#ifndef GS_TEST_BUILDDIR
#define GS_TEST_BUILDDIR "."
#endif
/* String literals: TL_SRC("tests/data/answer") is that folder of the source tree;
 * TL_BUILD for files that the build makes (the test GeoIP databases). */
#define TL_SRC(rel)   GS_TEST_SRCDIR "/" rel
#define TL_BUILD(rel) GS_TEST_BUILDDIR "/" rel

/* ---- Temporary folders. ---- */

/* Creates a fresh folder /tmp/NAME.XXXXXX; returns it (free() it). */
char *tl_tmpdir(const char *name);
/* Removes dir and everything under it. */
void tl_rmtree(const char *dir);
/* Writes text to dir/name; returns the path (free() it). */
char *tl_write_file(const char *dir, const char *name, const char *text);

/* ---- Building messages. ---- */

#define TL_MSG_MAX 2048
struct tl_msg {
	uint8_t b[TL_MSG_MAX];
	size_t n;
};

void tl_put8(struct tl_msg *m, unsigned v);
void tl_put16(struct tl_msg *m, unsigned v);
void tl_put32(struct tl_msg *m, uint32_t v);
void tl_putbytes(struct tl_msg *m, const void *p, size_t n);
/* A name from text, in the case given, uncompressed. */
void tl_put_name(struct tl_msg *m, const char *text);

/* Starts m over with a header. */
void tl_header(struct tl_msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
               unsigned ar);
void tl_question(struct tl_msg *m, const char *name, unsigned type, unsigned cls);

/* The OPT record of a query; an all-zero struct means "no OPT record". */
struct tl_edns {
	bool present;
	uint16_t payload;
	uint8_t version;
	bool do_bit;
	const uint8_t *opts; /* raw option bytes (code, length, data)... */
	size_t opts_len;
};
void tl_opt(struct tl_msg *m, const struct tl_edns *e);

/* A query: header (one question, ARCOUNT 1 with EDNS), question, and OPT when e is
 * present. */
void tl_query(struct tl_msg *m, unsigned id, const char *name, unsigned type, unsigned cls,
              unsigned flags, const struct tl_edns *e);

/* Writes a Client Subnet option (code, length, data) for "ADDR/LEN" into p (at least 24
 * bytes; the address bits beyond LEN must be zero, as in a valid option) and returns
 * its length. */
size_t tl_ecs_option(uint8_t *p, const char *subnet);

/* ---- Reading responses. ---- */

/* Parses wire with ldns and asserts that it parses and that its records end exactly
 * where the message does. Free with ldns_pkt_free(). */
ldns_pkt *tl_parse(const uint8_t *wire, size_t len);

/* Asserts that section s of p holds exactly the records in expect (NULL-terminated,
 * ldns presentation format with single spaces), in any order; prints both lists when
 * not. */
void tl_check_section(ldns_pkt *p, ldns_pkt_section s, const char *const *expect);
#define TL_SECTION(p, s, ...) tl_check_section((p), (s), (const char *const[]){__VA_ARGS__, NULL})
#define TL_EMPTY(p, s)        tl_check_section((p), (s), (const char *const[]){NULL})

/* The EDNS option `code` of p's OPT record (its length in *len), or NULL. */
const uint8_t *tl_edns_option(ldns_pkt *p, uint16_t code, size_t *len);

#endif
