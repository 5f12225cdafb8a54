/* SPDX-License-Identifier: MIT
 * cfgdiff_print.c -- the result of `geosteerctl diff` as text (one fact per line,
 * "service NAME: ..." and "check NAME: ...") or as one JSON object (docs/diff.md). */
#include <config.h>

#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "server/base/netaddr.h"
#include "tools/cfgdiff.h"

static void net_text(const struct cfgdiff_net *n, char out[NETADDR_TEXT_MAX + 4])
{
	struct netaddr a = {.family = n->family};
	unsigned bytes = n->family == AF_INET ? 4 : 16;
	for (unsigned i = 0; i < bytes; i++)
		a.addr[i] = (uint8_t)(n->start >> (8 * (bytes - 1 - i)));
	char t[NETADDR_TEXT_MAX];
	netaddr_format(&a, t);
	snprintf(out, NETADDR_TEXT_MAX + 4, "%s/%u", t, n->len);
}

/* A list as text: "[a, b, c]". */
static void list_text(FILE *out, const struct geo_map *m, uint16_t id)
{
	size_t n = 0;
	const uint16_t *l = geo_map_list(m, id, &n);
	fputc('[', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", geo_map_dc_name(m, l[i]));
	fputc(']', out);
}

static void counts_text(FILE *out, const struct cfgdiff_area *a)
{
	fprintf(out, "%" PRIu64 " IPv4 address%s, %" PRIu64 " IPv6 /48%s\n", a->v4,
	        a->v4 == 1 ? "" : "es", a->v6, a->v6 == 1 ? "" : "s");
}

static void changes_text(FILE *out, const char *kind, const char *name,
                         const struct cfgdiff_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s %s: %s: %s -> %s\n", kind, name, v[i].what,
		        v[i].old_v ? v[i].old_v : "(none)", v[i].new_v ? v[i].new_v : "(none)");
}

void cfgdiff_print_text(const struct cfgdiff *d, FILE *out)
{
	if (!d->n_svcs && !d->n_checks) {
		fputs("no change\n", out);
		return;
	}
	for (size_t i = 0; i < d->n_svcs; i++) {
		const struct cfgdiff_service *s = &d->svcs[i];
		for (size_t k = 0; k < s->n_nets; k++) {
			char net[NETADDR_TEXT_MAX + 4];
			net_text(&s->nets[k], net);
			fprintf(out, "service %s: network %s: ", s->name, net);
			list_text(out, s->om, s->nets[k].old_list);
			fputs(" -> ", out);
			list_text(out, s->nm, s->nets[k].new_list);
			fputc('\n', out);
			if (s->nets[k].weighted)
				fprintf(out,
				        "service %s: share %s: %.1f %% of its /%u networks get "
				        "another "
				        "first datacenter\n",
				        s->name, net, 100 * s->nets[k].moves,
				        s->nets[k].family == AF_INET ? s->nm->weight_prefix4
				                                     : s->nm->weight_prefix6);
		}
		for (size_t k = 0; s->n_nets && k < CFGDIFF_N_COUNTRIES; k++) {
			const struct cfgdiff_area *a = &s->countries[k];
			if (!a->used)
				continue;
			fprintf(out, "service %s: country %s (%s): ", s->name,
			        a->code[0] ? a->code : "--", a->continent[0] ? a->continent : "--");
			counts_text(out, a);
		}
		for (size_t k = 0; s->n_nets && k < CFGDIFF_N_CONTINENTS; k++) {
			const struct cfgdiff_area *a = &s->continents[k];
			if (!a->used)
				continue;
			fprintf(out, "service %s: continent %s: ", s->name,
			        a->code[0] ? a->code : "--");
			counts_text(out, a);
		}
		changes_text(out, "service", s->name, s->changes, s->n_changes);
	}
	for (size_t i = 0; i < d->n_checks; i++)
		changes_text(out, "check", d->checks[i].name, d->checks[i].changes,
		             d->checks[i].n_changes);
}

/* ---- JSON. ---- */

static void json_str(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void list_json(FILE *out, const struct geo_map *m, uint16_t id)
{
	size_t n = 0;
	const uint16_t *l = geo_map_list(m, id, &n);
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		json_str(out, geo_map_dc_name(m, l[i]));
	}
	fputc(']', out);
}

static void changes_json(FILE *out, const struct cfgdiff_change *v, size_t n)
{
	fputs("\"changes\": [", out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n        {\"what\": " : "\n        {\"what\": ", out);
		json_str(out, v[i].what);
		fputs(", \"old\": ", out);
		json_str(out, v[i].old_v);
		fputs(", \"new\": ", out);
		json_str(out, v[i].new_v);
		fputc('}', out);
	}
	fputs("]", out);
}

static void areas_json(FILE *out, const char *key, const struct cfgdiff_area *v, size_t n,
                       bool countries)
{
	fprintf(out, "\"%s\": [", key);
	bool first = true;
	for (size_t k = 0; k < n; k++) {
		if (!v[k].used)
			continue;
		fputs(first ? "\n        {" : ",\n        {", out);
		first = false;
		fputs(countries ? "\"country\": " : "\"continent\": ", out);
		json_str(out, v[k].code);
		if (countries) {
			fputs(", \"continent\": ", out);
			json_str(out, v[k].continent);
		}
		fprintf(out, ", \"ipv4\": %" PRIu64 ", \"ipv6_48\": %" PRIu64 "}", v[k].v4,
		        v[k].v6);
	}
	fputs("]", out);
}

void cfgdiff_print_json(const struct cfgdiff *d, FILE *out)
{
	fprintf(out, "{\"changed\": %s,\n \"services\": [",
	        d->n_svcs || d->n_checks ? "true" : "false");
	for (size_t i = 0; i < d->n_svcs; i++) {
		const struct cfgdiff_service *s = &d->svcs[i];
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", out);
		json_str(out, s->name);
		fputs(",\n   \"networks\": [", out);
		for (size_t k = 0; k < s->n_nets; k++) {
			char net[NETADDR_TEXT_MAX + 4];
			net_text(&s->nets[k], net);
			fputs(k ? ",\n        {\"network\": " : "\n        {\"network\": ", out);
			json_str(out, net);
			fputs(", \"old\": ", out);
			list_json(out, s->om, s->nets[k].old_list);
			fputs(", \"new\": ", out);
			list_json(out, s->nm, s->nets[k].new_list);
			fprintf(out, ", \"moves\": %.4f}", s->nets[k].moves);
		}
		fputs("],\n   ", out);
		if (s->n_nets) {
			areas_json(out, "countries", s->countries, CFGDIFF_N_COUNTRIES, true);
			fputs(",\n   ", out);
		} else {
			fputs("\"countries\": [],\n   ", out);
		}
		areas_json(out, "continents", s->continents, CFGDIFF_N_CONTINENTS, false);
		fputs(",\n   ", out);
		changes_json(out, s->changes, s->n_changes);
		fputc('}', out);
	}
	fputs("],\n \"checks\": [", out);
	for (size_t i = 0; i < d->n_checks; i++) {
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", out);
		json_str(out, d->checks[i].name);
		fputs(", ", out);
		changes_json(out, d->checks[i].changes, d->checks[i].n_changes);
		fputc('}', out);
	}
	fputs("]}\n", out);
}
