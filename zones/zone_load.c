/* SPDX-License-Identifier: MIT
 * zone_load.c -- reads RFC 1035 zone files record by record, so that every problem gets
 * its file and line and the parse goes on after a bad record. Handles the $ORIGIN, $TTL
 * and $INCLUDE directives itself and feeds each record to zone_compile.c. Load thread
 * only; no ldns object outlives zone_load().
 *
 * Two readers share the work: our own (zone_text.c, zone_rdata.c) reads each entry as
 * ldns would and turns the records of the common types into wire format directly; every
 * entry it declines (directives, other types, anything unusual or wrong) is read by
 * ldns_rr_new_frm_fp_l from the same place, as before, so results and messages are
 * ldns's. Both end in record_add(). The previous owner and the origin are kept in step
 * between the two.
 *
 * Each file is read whole into memory and parsed through fmemopen(), so the byte range
 * ldns consumed for an entry is known exactly (ftell is cheap there): that is how a
 * record's first line is found (ldns only counts lines up to the record's end) and how
 * the text of a directive is read back (ldns drops the $INCLUDE file name). */
#include "zones/zone_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ldns/ldns.h>

#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/err.h"
#include "server/base/rfile.h"
#include "server/base/xalloc.h"
#include "zones/zone_compile.h"
#include "zones/zone_keys.h"
#include "zones/zone_signer.h"
#include "zones/zone_signing_impl.h"
#include "zones/zone_rdata.h"
#include "zones/zone_text.h"

/* $INCLUDE depth beyond which we assume a loop (a file including itself). */
#define INCLUDE_DEPTH_MAX 16
/* Largest zone file read (a mistake such as a database passed by accident beyond it). */
#define ZONE_FILE_MAX ((size_t)1 << 30)
/* $INCLUDE files read in all, counting repeats: a file that includes another one twice,
 * which includes a third twice, ... doubles the work at each level. */
#define INCLUDE_TOTAL_MAX 4096
/* How much of a bad record is quoted back in a syntax error. */
#define QUOTE_MAX 60
/* Directive arguments we look at ($INCLUDE FILE ORIGIN, plus one to detect extras). */
#define ARGS_MAX 4
/* RFC 2181 section 8: a TTL is an unsigned 31-bit number. */
#define TTL_MAX 2147483647u
/* How much of a bad TTL is quoted back. */
#define TTL_QUOTE_MAX 32

struct loader {
	struct zone_compile zc;
	char *dir;           /* owned: folder of the main zone file, "" for the current one */
	uint32_t ttl;        /* $TTL in force; 0 lets ldns use its default (3600) */
	bool has_ttl;        /* a $TTL was seen: it applies even when it is 0 */
	uint32_t last_ttl;   /* the last TTL a record stated, for files without $TTL */
	bool has_last;       /* some record stated a TTL (or took the SOA MINIMUM) */
	unsigned n_includes; /* $INCLUDE files read so far */
	/* The files being read, outermost first, to refuse an include loop at once. */
	struct {
		dev_t dev;
		ino_t ino;
	} open[INCLUDE_DEPTH_MAX];
};

bool zone_load_ldns_only = false;

/* One zone file being parsed (the main file or an $INCLUDE). */
struct source {
	const char *buf; /* owned by load_file() */
	size_t len;
	uint16_t file; /* zone_compile file index */
	const char *path;
	uint8_t origin[DNAME_MAX]; /* $ORIGIN in force, lowercase */
	size_t scan_off;           /* line counting: buf[0..scan_off) holds scan_line - 1 '\n' */
	unsigned scan_line;
};

static int load_file(struct loader *ld, uint16_t file, const uint8_t *origin, unsigned depth,
                     struct srcpos from);

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Skips blanks, newlines and comments from p; returns the offset of the first token at
 * or after p and before end, or end when there is none. */
static size_t skip_blank(const char *buf, size_t p, size_t end)
{
	while (p < end) {
		if (buf[p] == ';') {
			const char *nl = memchr(buf + p, '\n', end - p);
			if (!nl)
				return end;
			p = (size_t)(nl - buf);
		} else if (is_space(buf[p])) {
			p++;
		} else {
			return p;
		}
	}
	return end;
}

/* Line number of offset off (which never moves backwards between calls). */
static unsigned line_at(struct source *src, size_t off)
{
	const char *p = src->buf + src->scan_off, *end = src->buf + off;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		src->scan_line++;
		p++;
	}
	src->scan_off = off;
	return src->scan_line;
}

/* Copies the first line of the text at buf[off..end) into out for quoting in messages:
 * blank runs become one space, at most QUOTE_MAX characters ("..." when cut). */
static void quote_line(const char *buf, size_t off, size_t end, char out[QUOTE_MAX + 4])
{
	size_t o = 0;
	for (size_t p = off; p < end && buf[p] != '\n' && buf[p] != '\r'; p++) {
		if (o == QUOTE_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (!is_space(buf[p]))
			out[o++] = buf[p];
		else if (o && out[o - 1] != ' ')
			out[o++] = ' ';
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* Splits the directive line at buf[off..end) into words (a "quoted" word may hold
 * blanks), stopping at a comment or at the end of the line unless inside parentheses.
 * Writes into line (NUL-separated words); returns the number of words (at most
 * ARGS_MAX are kept). */
static unsigned split_directive(const char *buf, size_t off, size_t end, char *line,
                                size_t line_cap, char *argv[ARGS_MAX])
{
	unsigned argc = 0;
	size_t o = 0;
	size_t p = off;
	int parens = 0;
	while (p < end && o + 1 < line_cap) {
		char c = buf[p];
		if (c == ';') {
			while (p < end && buf[p] != '\n')
				p++;
			continue;
		}
		if (c == '\n' && parens == 0)
			break;
		if (c == '(' || c == ')') {
			parens += c == '(' ? 1 : -1;
			p++;
			continue;
		}
		if (is_space(c)) {
			p++;
			continue;
		}
		char *word = line + o;
		if (c == '"') {
			p++;
			while (p < end && buf[p] != '"' && buf[p] != '\n' && o + 1 < line_cap)
				line[o++] = buf[p++];
			p++; /* the closing quote */
		} else {
			while (p < end && !is_space(buf[p]) && buf[p] != ';' && buf[p] != '(' &&
			       buf[p] != ')' && o + 1 < line_cap)
				line[o++] = buf[p++];
		}
		line[o++] = '\0';
		if (argc < ARGS_MAX)
			argv[argc] = word;
		argc++;
	}
	return argc;
}

/* Replaces ldns's origin with ours (ldns resolves a relative $ORIGIN against the root,
 * RFC 1035 section 5.1 says against the current origin). */
static void set_ldns_origin(ldns_rdf **origin_rdf, const uint8_t *origin)
{
	if (*origin_rdf)
		ldns_rdf_deep_free(*origin_rdf);
	*origin_rdf = ldns_dname_new_frm_data((uint16_t)dname_len(origin), origin);
}

/* Reads the TTL text s[0..len): seconds, or BIND's units (1w2d3h4m5s, in any
 * combination, upper or lower case; a number without a unit counts seconds). ldns reads
 * TTLs too, but wraps past 2^32 and ignores a trailing unit it does not know, so the text
 * is read again here. Returns GS_OK and sets *out, GS_EPARSE for text that is not a TTL,
 * or GS_ERANGE past TTL_MAX. */
static int parse_ttl(const char *s, size_t len, uint32_t *out)
{
	uint64_t total = 0, n = 0;
	bool digits = false;
	if (len == 0 || s[0] < '0' || s[0] > '9')
		return GS_EPARSE;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			n = n * 10u + (uint64_t)(c - '0');
			if (n > TTL_MAX)
				n = (uint64_t)TTL_MAX + 1u; /* stays above the limit, never wraps */
			digits = true;
			continue;
		}
		uint64_t unit = zone_rdata_unit(c);
		if (!unit)
			return GS_EPARSE;
		if (!digits)
			return GS_EPARSE; /* a unit needs a number before it */
		total += n * unit;
		if (total > TTL_MAX)
			total = (uint64_t)TTL_MAX + 1u;
		n = 0;
		digits = false;
	}
	total += n;
	if (total > TTL_MAX)
		return GS_ERANGE;
	*out = (uint32_t)total;
	return GS_OK;
}

/* Reports a TTL that parse_ttl refused with rc; what is "TTL" or "$TTL". */
static void bad_ttl(struct diag *d, struct srcpos pos, const char *what, const char *s, size_t len,
                    int rc)
{
	int n = len > TTL_QUOTE_MAX ? TTL_QUOTE_MAX : (int)len;
	const char *cut = len > TTL_QUOTE_MAX ? "..." : "";
	if (rc == GS_ERANGE)
		diag_err(d, pos,
		         "%s %.*s%s is out of range: a TTL is at most %u seconds (RFC 2181 section "
		         "8)",
		         what, n, s, cut, TTL_MAX);
	else
		diag_err(d, pos, "bad %s \"%.*s%s\": expected seconds, or units like 1h30m", what,
		         n, s, cut);
}

/* Handles a $ directive at buf[tok..end). ttl_before is the $TTL before ldns saw it. */
static void directive(struct loader *ld, struct source *src, size_t tok, size_t end, unsigned line,
                      ldns_rdf **origin_rdf, uint32_t ttl_before, unsigned depth)
{
	struct diag *d = ld->zc.d;
	struct srcpos pos = {src->path, line};
	char words[1024];
	char *argv[ARGS_MAX] = {NULL};
	unsigned argc = split_directive(src->buf, tok, end, words, sizeof(words), argv);
	const char *kw = argv[0];

	if (strcasecmp(kw, "$ORIGIN") == 0) {
		/* RFC 1035 section 5.1: $ORIGIN <domain-name> */
		uint8_t name[DNAME_MAX];
		size_t len;
		if (argc != 2)
			diag_err(d, pos, "$ORIGIN needs exactly one domain name");
		else if (dname_from_text(argv[1], src->origin, name, &len) != GS_OK)
			diag_err(d, pos, "$ORIGIN: bad domain name \"%s\"", argv[1]);
		else
			memcpy(src->origin, name, len);
		dname_lower(src->origin);
		set_ldns_origin(origin_rdf, src->origin);
	} else if (strcasecmp(kw, "$TTL") == 0) {
		/* RFC 2308 section 4: $TTL <TTL>, in seconds or BIND's 1h30m units. */
		uint32_t v = 0;
		int rc = argc == 2 ? parse_ttl(argv[1], strlen(argv[1]), &v) : GS_EPARSE;
		if (rc == GS_ERANGE) {
			bad_ttl(d, pos, "$TTL", argv[1], strlen(argv[1]), rc);
			ld->ttl = ttl_before;
		} else if (rc != GS_OK) {
			char q[QUOTE_MAX + 4];
			quote_line(src->buf, tok + strlen(kw), end, q);
			diag_err(d, pos,
			         "bad $TTL \"%s\": expected one TTL (seconds, or units like 1h30m)",
			         q);
			ld->ttl = ttl_before;
		} else {
			ld->ttl = v;
			ld->has_ttl = true;
		}
	} else if (strcasecmp(kw, "$INCLUDE") == 0) {
		/* RFC 1035 section 5.1: $INCLUDE <file-name> [<domain-name>]. Relative file
		 * names are taken from the main zone file's folder. */
		uint8_t origin[DNAME_MAX];
		size_t len;
		memcpy(origin, src->origin, dname_len(src->origin));
		if (argc < 2 || argc > 3) {
			diag_err(d, pos, "$INCLUDE needs a file name and optionally an origin");
			return;
		}
		if (argc == 3) {
			if (dname_from_text(argv[2], src->origin, origin, &len) != GS_OK) {
				diag_err(d, pos, "$INCLUDE: bad origin \"%s\"", argv[2]);
				return;
			}
			dname_lower(origin);
		}
		if (depth + 1 >= INCLUDE_DEPTH_MAX) {
			diag_err(d, pos,
			         "$INCLUDE nested more than %d deep (does a file include itself?)",
			         INCLUDE_DEPTH_MAX);
			return;
		}
		if (ld->n_includes >= INCLUDE_TOTAL_MAX) {
			diag_err(d, pos, "more than %d $INCLUDE files read in all",
			         INCLUDE_TOTAL_MAX);
			return;
		}
		ld->n_includes++;
		if (ld->zc.n_files >= UINT16_MAX) {
			diag_err(d, pos, "too many $INCLUDE files (at most %u)", UINT16_MAX - 1);
			return;
		}
		char *path;
		if (argv[1][0] == '/' || ld->dir[0] == '\0')
			path = xstrdup(argv[1]);
		else {
			size_t dl = strlen(ld->dir), n = dl + strlen(argv[1]) + 2;
			path = xmalloc(n);
			snprintf(path, n, "%s%s%s", ld->dir, ld->dir[dl - 1] == '/' ? "" : "/",
			         argv[1]);
		}
		uint16_t file = zone_compile_file(&ld->zc, path);
		free(path);
		uint32_t ttl = ld->ttl;
		bool has_ttl = ld->has_ttl;
		(void)load_file(ld, file, origin, depth + 1, pos);
		/* A $TTL in the included file stays there, like its $ORIGIN. */
		ld->ttl = ttl;
		ld->has_ttl = has_ttl;
	} else {
		diag_err(d, pos, "unsupported directive %s (only $ORIGIN, $TTL and $INCLUDE)", kw);
	}
}

/* Zone files carry data only: no meta or question types (RFC 6895 section 3.1). */
static bool type_allowed(uint16_t type)
{
	switch (type) {
	case 0:
	case LDNS_RR_TYPE_OPT:
	case LDNS_RR_TYPE_TKEY:
	case LDNS_RR_TYPE_TSIG:
	case LDNS_RR_TYPE_IXFR:
	case LDNS_RR_TYPE_AXFR:
	case LDNS_RR_TYPE_MAILB:
	case LDNS_RR_TYPE_MAILA:
	case LDNS_RR_TYPE_ANY:
		return false;
	default:
		return true;
	}
}

/* Finds the TTL the record at buf[tok..end) states, if any: sets *ttl_off and *ttl_len
 * and returns true. RFC 1035 section 5.1: [<domain-name>] [<TTL>] [<class>] <type>
 * <RDATA>, TTL and class in either order; the owner is there unless the line starts with
 * a blank. */
static bool stated_ttl(const char *buf, size_t tok, size_t end, size_t *ttl_off, size_t *ttl_len)
{
	char word[3][8];
	size_t off[3], len_of[3];
	unsigned n = 0;
	size_t p = tok;
	bool has_owner = tok == 0 || buf[tok - 1] == '\n';
	while (n < 3 && p < end) {
		while (p < end && (is_space(buf[p]) || buf[p] == '(' || buf[p] == ')'))
			p++;
		size_t len = 0;
		off[n] = p;
		while (p < end && !is_space(buf[p]) && buf[p] != '(' && buf[p] != ')') {
			if (len < sizeof(word[0]) - 1)
				word[n][len++] = buf[p];
			p++;
		}
		len_of[n] = p - off[n];
		word[n++][len] = '\0';
	}
	unsigned i = has_owner ? 1 : 0;
	if (i >= n)
		return false;
	if (!(word[i][0] >= '0' && word[i][0] <= '9')) {
		if (!(i + 1 < n && ldns_get_rr_class_by_name(word[i]) != 0 &&
		      word[i + 1][0] >= '0' && word[i + 1][0] <= '9'))
			return false;
		i++;
	}
	*ttl_off = off[i];
	*ttl_len = len_of[i];
	return true;
}

/* Checks one record (its text is buf[tok..end); owner and rdata in wire format, the
 * class IN) and hands it to the compiler. soa_min is the SOA MINIMUM when the record is
 * an SOA with all seven fields. Both readers end here, so a record means the same
 * whichever read it. */
static void record_add(struct loader *ld, struct source *src, const uint8_t *owner, uint16_t type,
                       const uint8_t *rdata, size_t len, const uint32_t *soa_min, unsigned line,
                       size_t tok, size_t end)
{
	struct srcpos pos = {src->path, line};
	/* Which TTL a record without one gets: the $TTL in force (RFC 2308 section 4);
	 * without a $TTL, the last TTL stated on a record (RFC 1035 section 5.1); and when
	 * there is none yet either, an SOA takes its own MINIMUM, like BIND does, with a
	 * warning. Any other record is refused then: guessing a TTL (ldns would say 3600)
	 * could pin a wrong answer in caches for an hour. */
	uint32_t ttl = 0;
	size_t ttl_off, ttl_len;
	if (stated_ttl(src->buf, tok, end, &ttl_off, &ttl_len)) {
		/* ldns's reading of the TTL wraps and skips junk: read it again. */
		int rc = parse_ttl(src->buf + ttl_off, ttl_len, &ttl);
		if (rc != GS_OK) {
			bad_ttl(ld->zc.d, pos, "TTL", src->buf + ttl_off, ttl_len, rc);
			return;
		}
		ld->last_ttl = ttl;
		ld->has_last = true;
	} else if (ld->has_ttl) {
		ttl = ld->ttl;
	} else if (ld->has_last) {
		ttl = ld->last_ttl;
	} else if (type == LDNS_RR_TYPE_SOA && soa_min) {
		ttl = *soa_min;
		if (ttl > TTL_MAX) {
			diag_err(ld->zc.d, pos,
			         "no TTL given and no $TTL before, and the SOA MINIMUM (%u) is out "
			         "of range for a TTL (at most %u, RFC 2181 section 8)",
			         (unsigned)ttl, TTL_MAX);
			return;
		}
		ld->last_ttl = ttl;
		ld->has_last = true;
		diag_warn(ld->zc.d, pos,
		          "no TTL given and no $TTL before: using the SOA MINIMUM (%u) as the "
		          "TTL",
		          (unsigned)ttl);
	} else {
		diag_err(ld->zc.d, pos,
		         "no TTL given and no $TTL before: add a $TTL line (RFC 2308 section 4) "
		         "or a TTL to this record");
		return;
	}
	if (type == LDNS_RR_TYPE_RRSIG)
		ld->zc.presigned = true;
	zone_compile_add(&ld->zc, owner, type, ttl, rdata, len, src->file, line);
}

/* Checks one record that ldns parsed (its text is buf[tok..end)) and hands it on. */
static void record(struct loader *ld, struct source *src, const ldns_rr *rr, unsigned line,
                   size_t tok, size_t end)
{
	struct srcpos pos = {src->path, line};
	ldns_rr_class cls = ldns_rr_get_class(rr);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	if (cls != LDNS_RR_CLASS_IN) {
		char *name = ldns_rr_class2str(cls);
		diag_err(ld->zc.d, pos, "class %s is not supported (only IN)", name ? name : "?");
		free(name);
		return;
	}
	if (!type_allowed(type)) {
		char *name = ldns_rr_type2str(type);
		diag_err(ld->zc.d, pos, "record type %s cannot appear in a zone file",
		         name ? name : "?");
		free(name);
		return;
	}
	uint8_t rdata[UINT16_MAX];
	size_t len = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		size_t n = ldns_rdf_size(f);
		if (n > sizeof(rdata) - len) {
			diag_err(ld->zc.d, pos, "record data longer than %zu bytes", sizeof(rdata));
			return;
		}
		memcpy(rdata + len, ldns_rdf_data(f), n);
		len += n;
	}
	uint32_t soa_min = 0;
	bool has_min = type == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7;
	if (has_min)
		soa_min = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
	record_add(ld, src, ldns_rdf_data(ldns_rr_owner(rr)), type, rdata, len,
	           has_min ? &soa_min : NULL, line, tok, end);
}

/* Reads the whole file; returns NULL and sets *why on failure. Only regular files are
 * read, and opening never waits (rfile.h): "$INCLUDE /dev/zero" would otherwise grow
 * the buffer until memory runs out, and a FIFO would block the load forever. */
static char *read_file(const char *path, size_t *len_out, struct stat *st_out, const char **why)
{
	char *buf;
	if (rfile_read(path, ZONE_FILE_MAX, &buf, len_out, st_out, why) != 0) {
		if (errno == EFBIG)
			*why = "larger than 1 GiB";
		return NULL;
	}
	return buf;
}

/* The previous owner (for lines that start with a blank) as both readers see it: ours
 * in wire format, and ldns's rdf, brought up to date only before ldns reads a record. */
struct prev_owner {
	uint8_t name[DNAME_MAX];
	bool has;        /* some line named an owner */
	bool ldns_stale; /* ours changed since ldns's was set */
	bool unusable;   /* ldns's is not a name we can hold (ldns reads on its own then) */
	ldns_rdf *rdf;
};

/* Before ldns reads an entry: gives it our previous owner. */
static void prev_to_ldns(struct prev_owner *po)
{
	if (!po->ldns_stale)
		return;
	ldns_rdf_deep_free(po->rdf);
	po->rdf = po->has ? ldns_dname_new_frm_data((uint16_t)dname_len(po->name), po->name) : NULL;
	po->ldns_stale = false;
}

/* After ldns read an entry: takes back its previous owner (it sets it as soon as it
 * has read a named owner, even when the rest of the record then fails). */
static void prev_from_ldns(struct prev_owner *po)
{
	po->has = po->rdf != NULL;
	po->unusable = false;
	if (!po->rdf)
		return;
	const uint8_t *d = ldns_rdf_data(po->rdf);
	size_t n = ldns_rdf_size(po->rdf), p = 0;
	while (p < n && d[p])
		p += d[p] + 1u;
	if (n > DNAME_MAX || p + 1 != n) {
		po->unusable = true;
		return;
	}
	memcpy(po->name, d, n);
}

/* True when ldns's origin is src's $ORIGIN (an odd line such as "($ORIGIN x)" changes
 * ldns's alone; from then on ldns reads every line of that file, as before). */
static bool origin_agrees(const ldns_rdf *origin_rdf, const struct source *src)
{
	size_t n = dname_len(src->origin);
	return origin_rdf && ldns_rdf_size(origin_rdf) == n &&
	       memcmp(ldns_rdf_data(origin_rdf), src->origin, n) == 0;
}

/* Our own reader (zone_text.h) on the entry at *pos: returns true, and moves *pos past
 * it, when it read it (a record of a common type, or nothing); false leaves the entry
 * to ldns. */
static bool text_entry(struct loader *ld, struct source *src, struct prev_owner *po, char *text,
                       struct zone_text_rr *rr, size_t *pos)
{
	size_t text_len, end;
	if (!zone_text_line(src->buf, src->len, *pos, text, &text_len, &end))
		return false;
	size_t tok = skip_blank(src->buf, *pos, end);
	if (tok < end && src->buf[tok] == '$')
		return false;
	if (tok < end) {
		enum zone_text_result r = zone_text_record(text, text_len, src->origin,
		                                           po->has ? po->name : NULL, rr);
		if (r == ZONE_TEXT_LDNS)
			return false;
		if (r == ZONE_TEXT_RECORD) {
			unsigned line = line_at(src, tok);
			const uint8_t *d = rr->rdata;
			uint32_t soa_min = 0;
			if (rr->type == LDNS_RR_TYPE_SOA)
				soa_min = (uint32_t)d[rr->rdlen - 4] << 24 |
				          (uint32_t)d[rr->rdlen - 3] << 16 |
				          (uint32_t)d[rr->rdlen - 2] << 8 | d[rr->rdlen - 1];
			if (rr->owner_named) {
				memcpy(po->name, rr->owner, dname_len(rr->owner));
				po->has = true;
				po->ldns_stale = true;
			}
			record_add(ld, src, rr->owner, rr->type, rr->rdata, rr->rdlen,
			           rr->type == LDNS_RR_TYPE_SOA ? &soa_min : NULL, line, tok, end);
		}
	}
	*pos = end;
	return true;
}

/* Parses buf (the text of src) entry by entry: our reader first, ldns for what it
 * declines. */
static void parse(struct loader *ld, struct source *src, unsigned depth)
{
	FILE *fp = fmemopen((void *)src->buf, src->len, "r");
	if (!fp) {
		diag_err(ld->zc.d, (struct srcpos){src->path, 0}, "cannot read: %s",
		         strerror(errno));
		return;
	}
	/* ldns reads the stream one getc() at a time; this FILE never leaves this thread,
	 * so skip stdio's per-call locking. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	ldns_rdf *origin_rdf = NULL;
	struct prev_owner po = {.has = false};
	set_ldns_origin(&origin_rdf, src->origin);
	bool own_reader = !zone_load_ldns_only;
	char *text = own_reader ? xmalloc(ZONE_TEXT_LINE_MAX) : NULL;
	struct zone_text_rr *trr = own_reader ? xmalloc(sizeof(*trr)) : NULL;
	size_t pos = 0;
	while (pos < src->len) {
		if (own_reader && !po.unusable && text_entry(ld, src, &po, text, trr, &pos))
			continue;
		long start = (long)pos;
		if (fseek(fp, start, SEEK_SET) != 0)
			break;
		prev_to_ldns(&po);
		ldns_rr *rr = NULL;
		int ldns_line = 0;
		uint32_t ttl_before = ld->ttl;
		ldns_status st =
		        ldns_rr_new_frm_fp_l(&rr, fp, &ld->ttl, &origin_rdf, &po.rdf, &ldns_line);
		prev_from_ldns(&po);
		long end = ftell(fp);
		if (end < start)
			end = start;
		size_t tok = skip_blank(src->buf, (size_t)start, (size_t)end);
		if (tok < (size_t)end) {
			unsigned line = line_at(src, tok);
			if (src->buf[tok] == '$') {
				directive(ld, src, tok, (size_t)end, line, &origin_rdf, ttl_before,
				          depth);
			} else if (st == LDNS_STATUS_OK) {
				record(ld, src, rr, line, tok, (size_t)end);
			} else if (st != LDNS_STATUS_SYNTAX_EMPTY) {
				char q[QUOTE_MAX + 4];
				quote_line(src->buf, tok, (size_t)end, q);
				diag_err(ld->zc.d, (struct srcpos){src->path, line},
				         "cannot parse \"%s\": %s", q, ldns_get_errorstr_by_id(st));
			}
		}
		ldns_rr_free(rr);
		if (end == start) {
			/* ldns consumed nothing: give up on this file rather than spin. */
			diag_err(ld->zc.d, (struct srcpos){src->path, line_at(src, (size_t)start)},
			         "cannot parse the rest of the file from here");
			break;
		}
		pos = (size_t)end;
		if (own_reader && !origin_agrees(origin_rdf, src))
			own_reader = false;
	}
	free(text);
	free(trr);
	ldns_rdf_deep_free(origin_rdf);
	ldns_rdf_deep_free(po.rdf);
	fclose(fp);
}

/* Loads one file; from is where it was included (line 0 for the main zone file).
 * Returns GS_EIO when it cannot be read, GS_OK otherwise (problems go to the diag). */
static int load_file(struct loader *ld, uint16_t file, const uint8_t *origin, unsigned depth,
                     struct srcpos from)
{
	struct source src;
	memset(&src, 0, sizeof(src));
	src.file = file;
	src.path = zone_compile_file_name(&ld->zc, file);
	src.scan_line = 1;
	memcpy(src.origin, origin, dname_len(origin));
	const char *why = NULL;
	struct stat st;
	char *buf = read_file(src.path, &src.len, &st, &why);
	if (!buf) {
		if (from.line)
			diag_err(ld->zc.d, from, "cannot open $INCLUDE file %s: %s", src.path, why);
		else
			diag_err(ld->zc.d, (struct srcpos){src.path, 0}, "cannot open: %s", why);
		return GS_EIO;
	}
	for (unsigned i = 0; i < depth; i++) {
		if (ld->open[i].dev == st.st_dev && ld->open[i].ino == st.st_ino) {
			diag_err(ld->zc.d, from,
			         "$INCLUDE file %s is already being read (it includes itself)",
			         src.path);
			free(buf);
			return GS_OK;
		}
	}
	ld->open[depth].dev = st.st_dev;
	ld->open[depth].ino = st.st_ino;
	src.buf = buf;
	if (src.len)
		parse(ld, &src, depth);
	free(buf);
	return GS_OK;
}

/* The key tag of a DNSKEY's rdata (RFC 4034 appendix B; algorithm 1 is not signed
 * with, so its special case does not arise). */
static uint16_t rdata_key_tag(const uint8_t *rd, size_t len)
{
	uint32_t acc = 0;
	for (size_t i = 0; i < len; i++)
		acc += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	acc += (acc >> 16) & 0xffffu;
	return (uint16_t)(acc & 0xffffu);
}

/* Records in z, as plain data, the keys it was signed with (ks) and the DNSKEYs of
 * its zone file, which are published only. */
static void note_keys(struct zone *z, const struct zone_keyset *ks, struct arena *a)
{
	const struct zone_rrset *dk = zone_node_rrset(z->apex, DNS_TYPE_DNSKEY);
	size_t n_max = ks->n + (dk ? dk->count : 0);
	struct zone_key_info *v = arena_alloc(a, (n_max ? n_max : 1) * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < ks->n; i++) {
		const struct zone_key *k = &ks->v[i];
		uint8_t role = k->signs_keys && k->signs_data ? ZONE_KEY_CSK
		               : k->signs_keys                ? ZONE_KEY_KSK
		                                              : ZONE_KEY_ZSK;
		v[n++] = (struct zone_key_info){
		        .tag = k->tag, .flags = k->flags, .algorithm = k->algorithm, .role = role};
	}
	for (uint16_t j = 0; dk && j < dk->count; j++) {
		const struct zone_rdata *r = &dk->rdata[j];
		if (r->len < 4)
			continue;
		bool configured = false;
		for (size_t i = 0; i < ks->n && !configured; i++)
			configured = ks->v[i].dnskey_len == r->len &&
			             memcmp(ks->v[i].dnskey, r->data, r->len) == 0;
		if (!configured)
			v[n++] = (struct zone_key_info){
			        .tag = rdata_key_tag(r->data, r->len),
			        .flags = (uint16_t)(r->data[0] << 8 | r->data[1]),
			        .algorithm = r->data[3],
			        .role = ZONE_KEY_PUBLISHED};
	}
	z->keys = v;
	z->n_keys = n;
}

/* Loads the zone; signs it first when sp is not NULL. */
static int load(const char *path, const uint8_t *origin, const struct zone_sign_params *sp,
                struct arena *a, struct diag *d, const struct zone **out,
                struct zone_signing **keep)
{
	struct loader ld;
	memset(&ld, 0, sizeof(ld));
	*out = NULL;
	zone_compile_init(&ld.zc, a, d, origin);
	struct zone_keyset keys = {0};
	/* The keys first: their problems are reported even when the zone file has some. */
	bool keys_ok = !sp || zone_keys_load(sp, ld.zc.origin, d, &keys) == GS_OK;
	const char *slash = strrchr(path, '/');
	ld.dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path)) : xstrdup("");
	uint16_t file = zone_compile_file(&ld.zc, path);
	int rc = load_file(&ld, file, ld.zc.origin, 0, (struct srcpos){path, 0});
	int64_t signed_at = 0, expires = 0;
	if (rc == GS_OK && !keys_ok)
		rc = GS_EPARSE;
	if (rc == GS_OK && sp && d->n_errors == ld.zc.errors_before)
		rc = zone_signer_run(&ld.zc, sp, &keys, &signed_at, &expires);
	if (rc == GS_OK)
		rc = zone_compile_finish(&ld.zc, out);
	if (rc == GS_OK && sp) {
		/* Still ours: built in the arena just now, published by the caller later. */
		struct zone *z = (struct zone *)*out;
		z->signed_at = signed_at;
		z->sig_expires = expires;
		note_keys(z, &keys, a);
		if (keep) {
			struct zone_signing *g = xcalloc(1, sizeof(*g));
			g->ks = keys;
			g->inception = (uint32_t)(signed_at - ZONE_SIGN_INCEPTION_SKEW);
			g->expiration = (uint32_t)expires;
			memset(&keys, 0, sizeof(keys));
			*keep = g;
		}
	}
	zone_keys_free(&keys);
	zone_compile_free(&ld.zc);
	free(ld.dir);
	return rc;
}

int zone_load(const char *path, const uint8_t *origin, struct arena *a, struct diag *d,
              const struct zone **out)
{
	return load(path, origin, NULL, a, d, out, NULL);
}

int zone_load_signed(const char *path, const uint8_t *origin, const struct zone_sign_params *sp,
                     struct arena *a, struct diag *d, const struct zone **out,
                     struct zone_signing **keep)
{
	if (keep)
		*keep = NULL;
	return load(path, origin, sp, a, d, out, keep);
}
