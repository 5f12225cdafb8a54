/* SPDX-License-Identifier: MIT
 * testlib.c -- the shared helpers of the unit tests (see testlib.h): temporary folders,
 * the DNS message builder, and responses read back with ldns. */
#include <config.h> /* first: _GNU_SOURCE for nftw */
#include "tests/unit/testlib.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/base/dname.h"
#include "server/base/err.h"

/* ---- Temporary folders. ---- */

char *tl_tmpdir(const char *name)
{
	char *dir = NULL;
	assert_true(asprintf(&dir, "/tmp/%s.XXXXXX", name) > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tl_rmtree(const char *dir)
{
	assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

char *tl_write_file(const char *dir, const char *name, const char *text)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* ---- Building messages. ---- */

void tl_put8(struct tl_msg *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

void tl_put16(struct tl_msg *m, unsigned v)
{
	tl_put8(m, v >> 8);
	tl_put8(m, v & 0xff);
}

void tl_put32(struct tl_msg *m, uint32_t v)
{
	tl_put16(m, v >> 16);
	tl_put16(m, v & 0xffff);
}

void tl_putbytes(struct tl_msg *m, const void *p, size_t n)
{
	assert_true(n <= sizeof(m->b) - m->n);
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

void tl_put_name(struct tl_msg *m, const char *text)
{
	uint8_t w[DNAME_MAX];
	size_t len;
	assert_int_equal(dname_from_text(text, NULL, w, &len), GS_OK);
	tl_putbytes(m, w, len);
}

void tl_header(struct tl_msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
               unsigned ar)
{
	m->n = 0;
	tl_put16(m, id);
	tl_put16(m, flags);
	tl_put16(m, qd);
	tl_put16(m, an);
	tl_put16(m, ns);
	tl_put16(m, ar);
}

void tl_question(struct tl_msg *m, const char *name, unsigned type, unsigned cls)
{
	tl_put_name(m, name);
	tl_put16(m, type);
	tl_put16(m, cls);
}

void tl_opt(struct tl_msg *m, const struct tl_edns *e)
{
	tl_put8(m, 0);
	tl_put16(m, LDNS_RR_TYPE_OPT);
	tl_put16(m, e->payload);
	tl_put32(m, (uint32_t)e->version << 16 | (e->do_bit ? 0x8000u : 0));
	tl_put16(m, (unsigned)e->opts_len);
	if (e->opts_len)
		tl_putbytes(m, e->opts, e->opts_len);
}

void tl_query(struct tl_msg *m, unsigned id, const char *name, unsigned type, unsigned cls,
              unsigned flags, const struct tl_edns *e)
{
	bool edns = e && e->present;
	tl_header(m, id, flags, 1, 0, 0, edns ? 1 : 0);
	tl_question(m, name, type, cls);
	if (edns)
		tl_opt(m, e);
}

size_t tl_ecs_option(uint8_t *p, const char *subnet)
{
	char addr[64];
	const char *slash = strchr(subnet, '/');
	assert_non_null(slash);
	assert_true((size_t)(slash - subnet) < sizeof(addr));
	memcpy(addr, subnet, (size_t)(slash - subnet));
	addr[slash - subnet] = 0;
	unsigned len = (unsigned)atoi(slash + 1);
	uint8_t bytes[16];
	bool v6 = strchr(addr, ':') != NULL;
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, addr, bytes), 1);
	assert_true(len <= (v6 ? 128u : 32u));
	unsigned n = (len + 7) / 8;
	p[0] = 0;
	p[1] = 8; /* option code: Client Subnet */
	p[2] = 0;
	p[3] = (uint8_t)(4 + n);
	p[4] = 0;
	p[5] = v6 ? 2 : 1; /* address family */
	p[6] = (uint8_t)len;
	p[7] = 0; /* scope: zero in a query */
	memcpy(p + 8, bytes, n);
	return 8 + n;
}

/* ---- Reading responses. ---- */

ldns_pkt *tl_parse(const uint8_t *wire, size_t len)
{
	assert_true(len >= LDNS_HEADER_SIZE);
	ldns_pkt *p = NULL;
	assert_int_equal(ldns_wire2pkt(&p, wire, len), LDNS_STATUS_OK);
	/* ldns ignores bytes after the last record: walk the records to find the end. */
	size_t pos = LDNS_HEADER_SIZE;
	static const ldns_pkt_section sections[4] = {LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER,
	                                             LDNS_SECTION_AUTHORITY,
	                                             LDNS_SECTION_ADDITIONAL};
	for (unsigned s = 0; s < 4; s++) {
		unsigned count = (unsigned)(wire[4 + 2 * s] << 8 | wire[5 + 2 * s]);
		for (unsigned i = 0; i < count; i++) {
			ldns_rr *rr = NULL;
			assert_int_equal(ldns_wire2rr(&rr, wire, len, &pos, sections[s]),
			                 LDNS_STATUS_OK);
			ldns_rr_free(rr);
		}
	}
	assert_int_equal(pos, len);
	return p;
}

/* The presentation form of rr with single spaces and no newline (free() it). */
static char *rr_text(const ldns_rr *rr)
{
	char *t = ldns_rr2str(rr);
	assert_non_null(t);
	for (char *c = t; *c; c++)
		if (*c == '\t')
			*c = ' ';
	size_t len = strlen(t);
	if (len && t[len - 1] == '\n')
		t[len - 1] = '\0';
	return t;
}

void tl_check_section(ldns_pkt *p, ldns_pkt_section s, const char *const *expect)
{
	ldns_rr_list *l = ldns_pkt_get_section_clone(p, s);
	size_t n = l ? ldns_rr_list_rr_count(l) : 0, n_exp = 0;
	while (expect[n_exp])
		n_exp++;
	char *got[256];
	assert_true(n < 256);
	for (size_t i = 0; i < n; i++)
		got[i] = rr_text(ldns_rr_list_rr(l, i));
	bool ok = n == n_exp;
	for (size_t e = 0; ok && e < n_exp; e++) {
		bool found = false;
		for (size_t i = 0; i < n && !found; i++)
			found = strcmp(got[i], expect[e]) == 0;
		ok = found;
	}
	if (!ok) {
		fprintf(stderr, "section %d: got %zu records:\n", (int)s, n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", got[i]);
		fprintf(stderr, "expected %zu:\n", n_exp);
		for (size_t e = 0; e < n_exp; e++)
			fprintf(stderr, "  %s\n", expect[e]);
	}
	for (size_t i = 0; i < n; i++)
		free(got[i]);
	ldns_rr_list_deep_free(l);
	assert_true(ok);
}

const uint8_t *tl_edns_option(ldns_pkt *p, uint16_t code, size_t *len)
{
	ldns_rdf *d = ldns_pkt_edns_data(p);
	if (!d)
		return NULL;
	const uint8_t *o = ldns_rdf_data(d);
	size_t n = ldns_rdf_size(d), pos = 0;
	while (pos + 4 <= n) {
		uint16_t c = (uint16_t)(o[pos] << 8 | o[pos + 1]);
		uint16_t l = (uint16_t)(o[pos + 2] << 8 | o[pos + 3]);
		assert_true(pos + 4 + l <= n);
		if (c == code) {
			*len = l;
			return o + pos + 4;
		}
		pos += 4u + l;
	}
	return NULL;
}
