/* SPDX-License-Identifier: MIT
 * zone_keys.c -- reads the key pairs a zone is signed with, with ldns, checks that each
 * .key and .private belong together and to this zone, and gives every key its role
 * (KSK, ZSK or CSK). Load thread only. */
#include <config.h> /* first: _GNU_SOURCE for explicit_bzero */

#include "zones/zone_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/rfile.h"
#include "server/base/xalloc.h"

/* Algorithms geosteer signs with (RFC 8624 section 3.1: the ones to use for signing,
 * RSASHA512 excepted only because nobody should start with it). */
static const char *algorithm_name(unsigned alg)
{
	switch (alg) {
	case LDNS_RSASHA256:
		return "RSASHA256";
	case LDNS_ECDSAP256SHA256:
		return "ECDSAP256SHA256";
	case LDNS_ECDSAP384SHA384:
		return "ECDSAP384SHA384";
	case LDNS_ED25519:
		return "ED25519";
	case LDNS_ED448:
		return "ED448";
	default:
		return NULL;
	}
}

/* A key file is a few lines; anything larger is not one. */
#define KEY_FILE_MAX (1u << 20)

/* Opens the key file at path as a stream over its text, read whole through rfile_read
 * (a FIFO or a folder is refused, and a re-sign reads the copy kept with the data being
 * served, rfile_set.h). *text: to free after fclose. Returns NULL and fills why. */
static FILE *open_key_file(const char *path, char **text, char *why, size_t why_len)
{
	size_t len = 0;
	const char *reason;
	*text = NULL;
	if (rfile_read(path, KEY_FILE_MAX, text, &len, NULL, &reason) != 0) {
		snprintf(why, why_len, "cannot open %s: %s", path, reason);
		return NULL;
	}
	FILE *fp = len ? fmemopen(*text, len, "r") : NULL;
	if (!fp) {
		snprintf(why, why_len, "cannot read %s: %s", path,
		         len ? strerror(errno) : "the file is empty");
		free(*text);
		*text = NULL;
	}
	return fp;
}

#define ALGORITHMS_SUPPORTED                                                                       \
	"8 RSASHA256, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519, 16 ED448"

/* Reads the first DNSKEY record of the file at path into *out. Returns NULL when fine,
 * or a reason (static, or written into why). */
static const char *read_dnskey(const char *path, ldns_rr **out, char *why, size_t why_len)
{
	*out = NULL;
	char *text;
	FILE *fp = open_key_file(path, &text, why, why_len);
	if (!fp)
		return why;
	uint32_t ttl = 3600;
	ldns_rdf *origin = NULL, *prev = NULL;
	const char *res = NULL;
	/* Comment lines (dnssec-keygen writes some) read as empty records: skip them. A key
	 * file is one record; the bound only stops a file of blank lines early. */
	for (int i = 0; i < 64; i++) {
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_fp(&rr, fp, &ttl, &origin, &prev);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN) {
			if (feof(fp))
				break;
			continue;
		}
		if (st != LDNS_STATUS_OK) {
			snprintf(why, why_len, "%s: %s", path, ldns_get_errorstr_by_id(st));
			res = why;
			break;
		}
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY || ldns_rr_rd_count(rr) != 4) {
			ldns_rr_free(rr);
			snprintf(why, why_len, "%s holds a record that is not a DNSKEY", path);
			res = why;
			break;
		}
		*out = rr;
		break;
	}
	if (!*out && !res) {
		snprintf(why, why_len, "%s holds no DNSKEY record", path);
		res = why;
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(fp);
	free(text);
	return res;
}

/* Loads one key pair into k, or reports why not at pos. */
static bool load_pair(const char *base, struct srcpos pos, const uint8_t *origin, struct diag *d,
                      struct zone_key *k)
{
	size_t n = strlen(base) + sizeof(".private");
	char *kpath = xmalloc(n), *ppath = xmalloc(n);
	snprintf(kpath, n, "%s.key", base);
	snprintf(ppath, n, "%s.private", base);
	bool ok = false;
	ldns_rr *pub = NULL, *derived = NULL;
	ldns_key *key = NULL;
	char why[1024];

	if (read_dnskey(kpath, &pub, why, sizeof(why))) {
		diag_err(d, pos, "dnssec key: %s", why);
		goto out;
	}
	uint8_t owner[DNAME_MAX];
	const ldns_rdf *o = ldns_rr_owner(pub);
	if (ldns_rdf_size(o) == 0 || ldns_rdf_size(o) > DNAME_MAX) {
		diag_err(d, pos, "dnssec key: %s: bad owner name", kpath);
		goto out;
	}
	memcpy(owner, ldns_rdf_data(o), ldns_rdf_size(o));
	dname_lower(owner);
	if (!dname_equal(owner, origin)) {
		char on[DNAME_TEXT_MAX], zn[DNAME_TEXT_MAX];
		dname_to_text(owner, on);
		dname_to_text(origin, zn);
		diag_err(d, pos, "dnssec key: %s is a key of %s, not of the zone %s", kpath, on,
		         zn);
		goto out;
	}
	uint16_t flags = ldns_rdf2native_int16(ldns_rr_rdf(pub, 0));
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rdf(pub, 2));
	if (flags != (ZONE_KEY_FLAG_ZONE | ZONE_KEY_FLAG_SEP) && flags != ZONE_KEY_FLAG_ZONE) {
		diag_err(d, pos,
		         "dnssec key: %s has flags %u: expected 257 (a KSK or CSK) or 256 (a ZSK)",
		         kpath, flags);
		goto out;
	}
	if (!algorithm_name(alg)) {
		diag_err(d, pos,
		         "dnssec key: %s is of algorithm %u, which geosteer does not sign with "
		         "(supported: " ALGORITHMS_SUPPORTED ")",
		         kpath, alg);
		goto out;
	}

	char *text;
	FILE *fp = open_key_file(ppath, &text, why, sizeof(why));
	if (!fp) {
		diag_err(d, pos, "dnssec key: %s", why);
		goto out;
	}
	int line = 0;
	ldns_status st = ldns_key_new_frm_fp_l(&key, fp, &line);
	fclose(fp);
	/* The private key's text: wiped before it goes back to the heap. */
	explicit_bzero(text, strlen(text));
	free(text);
	if (st != LDNS_STATUS_OK) {
		key = NULL;
		diag_err(d, pos, "dnssec key: %s:%d: %s", ppath, line, ldns_get_errorstr_by_id(st));
		goto out;
	}
	if ((unsigned)ldns_key_algorithm(key) != alg) {
		diag_err(d, pos, "dnssec key: %s and %s are not one key pair (algorithm %u and %u)",
		         kpath, ppath, alg, (unsigned)ldns_key_algorithm(key));
		goto out;
	}
	ldns_key_set_pubkey_owner(key, ldns_rdf_clone(o));
	ldns_key_set_flags(key, flags);
	derived = ldns_key2rr(key);
	if (!derived || ldns_rdf_compare(ldns_rr_rdf(derived, 3), ldns_rr_rdf(pub, 3)) != 0) {
		diag_err(d, pos,
		         "dnssec key: %s and %s are not one key pair (the private key does not "
		         "belong to the public key with tag %u)",
		         kpath, ppath, ldns_calc_keytag(pub));
		goto out;
	}
	ldns_key_set_keytag(key, ldns_calc_keytag(pub));

	size_t len = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(pub); i++)
		len += ldns_rdf_size(ldns_rr_rdf(pub, i));
	k->dnskey = xmalloc(len);
	len = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(pub); i++) {
		const ldns_rdf *f = ldns_rr_rdf(pub, i);
		memcpy(k->dnskey + len, ldns_rdf_data(f), ldns_rdf_size(f));
		len += ldns_rdf_size(f);
	}
	k->dnskey_len = (uint16_t)len;
	k->key = key;
	key = NULL;
	k->flags = flags;
	k->tag = ldns_calc_keytag(pub);
	k->algorithm = alg;
	ok = true;
out:
	if (key)
		ldns_key_deep_free(key);
	ldns_rr_free(pub);
	ldns_rr_free(derived);
	free(kpath);
	free(ppath);
	return ok;
}

/* Gives every key its role, or reports why the set cannot sign the zone. */
static bool assign_roles(const struct zone_sign_params *p, struct zone_keyset *ks, struct diag *d)
{
	bool any_ksk = false, any_zsk = false;
	for (size_t i = 0; i < ks->n; i++) {
		if (ks->v[i].flags & ZONE_KEY_FLAG_SEP)
			any_ksk = true;
		else
			any_zsk = true;
	}
	if (!any_ksk) {
		diag_err(d, p->pos,
		         "dnssec: no key has flags 257: a zone needs a KSK (with a ZSK) or a CSK, "
		         "whose DS the parent zone publishes (ldns-keygen -k makes one)");
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < ks->n; i++) {
		struct zone_key *k = &ks->v[i];
		bool is_sep = k->flags & ZONE_KEY_FLAG_SEP;
		/* No ZSK at all: every key is a CSK (one, or two in a rollover). */
		k->signs_keys = is_sep || !any_zsk;
		k->signs_data = !is_sep || !any_zsk;
		if (!any_zsk)
			continue;
		/* KSK and ZSK: the zone must be signed with every algorithm its DNSKEY RRset
		 * holds (RFC 4035 section 2.2), so each algorithm needs both roles. */
		bool partner = false;
		for (size_t j = 0; j < ks->n && !partner; j++)
			partner = ks->v[j].algorithm == k->algorithm &&
			          (ks->v[j].flags & ZONE_KEY_FLAG_SEP) !=
			                  (k->flags & ZONE_KEY_FLAG_SEP);
		if (!partner) {
			diag_err(
			        d, p->keys[i].pos,
			        is_sep ? "dnssec key: %s.key is a KSK (flags 257) of algorithm %u "
			                 "without a ZSK (flags 256) of that algorithm: add one, or "
			                 "list only keys with flags 257 to use them as CSKs"
			               : "dnssec key: %s.key is a ZSK (flags 256) of algorithm %u "
			                 "without a KSK (flags 257) of that algorithm",
			        p->keys[i].path, k->algorithm);
			ok = false;
		}
	}
	return ok;
}

int zone_keys_load(const struct zone_sign_params *p, const uint8_t *origin, struct diag *d,
                   struct zone_keyset *out)
{
	memset(out, 0, sizeof(*out));
	struct zone_keyset ks = {.v = xcalloc(p->n_keys ? p->n_keys : 1, sizeof(*ks.v))};
	bool ok = p->n_keys > 0;
	for (size_t i = 0; i < p->n_keys; i++) {
		if (!load_pair(p->keys[i].path, p->keys[i].pos, origin, d, &ks.v[i])) {
			ok = false;
			continue;
		}
		ks.n = i + 1;
		for (size_t j = 0; j < i; j++) {
			if (ks.v[j].key && ks.v[j].dnskey_len == ks.v[i].dnskey_len &&
			    memcmp(ks.v[j].dnskey, ks.v[i].dnskey, ks.v[i].dnskey_len) == 0) {
				diag_err(d, p->keys[i].pos,
				         "dnssec key: %s is the same key as %s (line %u)",
				         p->keys[i].path, p->keys[j].path, p->keys[j].pos.line);
				ok = false;
			}
		}
	}
	ks.n = p->n_keys;
	if (ok)
		ok = assign_roles(p, &ks, d);
	if (!ok) {
		zone_keys_free(&ks);
		return GS_EPARSE;
	}
	*out = ks;
	return GS_OK;
}

void zone_keys_free(struct zone_keyset *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		if (ks->v[i].key)
			ldns_key_deep_free(ks->v[i].key);
		free(ks->v[i].dnskey);
	}
	free(ks->v);
	ks->v = NULL;
	ks->n = 0;
}
