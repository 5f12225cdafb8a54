/* SPDX-License-Identifier: MIT
 * geosteerctl.c -- the operator's command-line tool: talks to a running geosteerd over
 * its control socket (status, reload, health, force, stats, explain), or, with
 * `explain --offline`, loads a configuration itself and explains one answer without a
 * daemon (server/ctl/explain.c), or, with `diff`, compares two configurations
 * (tools/cfgdiff.c). Single-threaded program. The control-socket client is
 * tools/ctl_client.c (protocol: server/ctl/ctl_proto.h, docs/control.md). */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/base/netaddr.h"
#include "server/base/xalloc.h"
#include "server/config/config.h"
#include "server/ctl/explain.h"
#include "server/health/health.h"
#include "server/health/state_file.h"
#include "tools/cfgdiff.h"
#include "tools/ctl_client.h"

/* Exit statuses (documented in --help). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_MISMATCH = 3,
};

static void print_help(FILE *out)
{
	fprintf(out,
	        "NAME\n"
	        "    geosteerctl - control and inspect geosteerd, the geo-steering DNS server\n"
	        "\n"
	        "SYNOPSIS\n"
	        "    geosteerctl [-s SOCKET | -c FILE [-r]] [--json] status\n"
	        "    geosteerctl [-s SOCKET | -c FILE] reload\n"
	        "    geosteerctl [-s SOCKET | -c FILE [-r]] [--json] health\n"
	        "    geosteerctl [-s SOCKET | -c FILE] force DC|ADDRESS up|down [--for DURATION]\n"
	        "                [--reason TEXT]\n"
	        "    geosteerctl [-s SOCKET | -c FILE] force DC|ADDRESS auto\n"
	        "    geosteerctl [-s SOCKET | -c FILE [-r]] [--json] stats\n"
	        "    geosteerctl [-s SOCKET | -c FILE [-r]] [--json] explain NAME [TYPE]\n"
	        "                --client IP [--subnet CIDR] [--tcp]\n"
	        "    geosteerctl -c FILE [--json] explain --offline [--quiet] NAME [TYPE]\n"
	        "                --client IP [--subnet CIDR] [--tcp]\n"
	        "    geosteerctl diff [--json] [--old-base DIR] [--new-base DIR] OLD.yaml "
	        "NEW.yaml\n"
	        "    geosteerctl -h | -V\n"
	        "\n"
	        "DESCRIPTION\n"
	        "    geosteerctl sends commands to a running geosteerd over its control socket,\n"
	        "    and explains the answers geosteerd gives. `explain --offline` needs no\n"
	        "    daemon: it loads the configuration, its zones and its GeoIP databases\n"
	        "    itself, so that a zone repository's CI can check answers before a merge.\n"
	        "\n"
	        "    The daemon's answer is printed on standard output; an error it reports, or\n"
	        "    a socket that cannot be reached, on standard error (exit 1). Without\n"
	        "    --offline, `explain` asks the running daemon, which answers from the data\n"
	        "    it serves and the health states it has now (checks and forces).\n"
	        "\n"
	        "OPTIONS\n"
	        "    -s SOCKET, --socket SOCKET\n"
	        "        The daemon's control socket. Default: the `control:` path of the\n"
	        "        configuration given with -c, else %s.\n"
	        "    -c FILE, --config FILE\n"
	        "        The daemon's configuration file: where the control socket is, and what\n"
	        "        `explain --offline` loads.\n"
	        "    -r, --readonly\n"
	        "        With -c FILE: use the read-only control socket of the configuration\n"
	        "        (`control_readonly:`), which answers status, health, stats and\n"
	        "        explain, and refuses force and reload. (-s SOCKET takes either\n"
	        "        socket's path.)\n"
	        "    -j, --json\n"
	        "        status, health, stats and explain print one JSON object instead of\n"
	        "        lines: the same facts, typed (numbers, booleans, null), each with the\n"
	        "        text of its line (docs/control.md lists the fields). It may also come\n"
	        "        after the command. With diff it is diff's own --json.\n"
	        "    -h, --help\n"
	        "        Print this help and exit.\n"
	        "    -V, --version\n"
	        "        Print the version and exit.\n"
	        "\n"
	        "COMMANDS\n"
	        "    status\n"
	        "        The daemon's version, uptime, configuration generation and zones;\n"
	        "        for the zones it signs, their keys and when their signatures were\n"
	        "        made, expire and are renewed.\n"
	        "    reload\n"
	        "        Load the configuration, zones and GeoIP databases again; on any error\n"
	        "        the daemon keeps serving the old ones, the errors are printed and the\n"
	        "        exit status is 1 (what makes `systemctl reload geosteerd` fail).\n"
	        "    health\n"
	        "        The health state of every monitored address, per datacenter.\n"
	        "    force DC|ADDRESS up|down|auto\n"
	        "        Override the health of a whole datacenter or of one address (up or\n"
	        "        down), or return it to its checks (auto). Overrides are kept in the\n"
	        "        state file across restarts, with the uid of the caller, the time,\n"
	        "        the reason and the expiry, all shown by `health`.\n"
	        "      --for DURATION\n"
	        "        The force ends by itself after DURATION: a whole number and a unit,\n"
	        "        s, m, h or d (30s, 5m, 2h, 1d); also across restarts (a force that\n"
	        "        expired while the daemon was stopped is not applied at start).\n"
	        "      --reason TEXT\n"
	        "        Why (at most 199 bytes, no control characters): logged, kept and\n"
	        "        shown with the force.\n"
	        "    stats\n"
	        "        Query and response counters, summed over the worker threads.\n"
	        "    explain NAME [TYPE] --client IP [--subnet CIDR]\n"
	        "        Answer the question NAME TYPE (default A, class IN) as if it came from\n"
	        "        the address IP, with an EDNS Client Subnet option (RFC 7871) for CIDR\n"
	        "        when --subnet is given, and say why: which service, which map rule,\n"
	        "        which ordered datacenter list, which datacenter and health states,\n"
	        "        which addresses, TTL and ECS scope. TYPE is a mnemonic (A, AAAA, TXT,\n"
	        "        MX...) or TYPEnnn. CIDR is ADDRESS/LENGTH (bits beyond LENGTH are\n"
	        "        cleared, as dig +subnet does) or a bare address (a host prefix).\n"
	        "      --offline\n"
	        "        Do not ask the daemon: load -c FILE and answer through the server's own\n"
	        "        query path in this process. No health monitor runs: an address is up\n"
	        "        unless the configuration's state_file forces it (or its datacenter)\n"
	        "        down, as when geosteerd starts.\n"
	        "      --quiet\n"
	        "        With --offline: do not print the configuration's warnings (errors\n"
	        "        still go to standard error), for a CI job that explains many\n"
	        "        subnets.\n"
	        "      --tcp\n"
	        "        Ask as over TCP (never truncated). By default the question is asked as\n"
	        "        over UDP and, when the answer is truncated, again as over TCP.\n"
	        "    diff OLD.yaml NEW.yaml\n"
	        "        Compare two configurations, no daemon needed: compile the maps of each\n"
	        "        against its own GeoIP databases (zones are not loaded) and print, per\n"
	        "        service, every network whose ordered datacenter list changes (merged to\n"
	        "        the widest networks, old and new list), the IPv4 addresses and IPv6 /48s\n"
	        "        that move per country and continent, and changed TTLs, checks and\n"
	        "        addresses; \"no change\" when nothing does. Exit 0: no change, 1:\n"
	        "        changes, 2: errors (FILE:LINE: message) or a bad command line.\n"
	        "      --json\n"
	        "        One JSON object instead of lines (its schema: docs/diff.md).\n"
	        "      --old-base DIR\n"
	        "        Resolve the relative file names of OLD.yaml (databases) against DIR\n"
	        "        instead of OLD.yaml's own folder: for a copy taken out of git.\n"
	        "      --new-base DIR\n"
	        "        The same for NEW.yaml.\n"
	        "\n"
	        "EXPLAIN OUTPUT\n"
	        "    One fact per line, \"KEY: VALUE\", the key padded to 12 columns; the keys\n"
	        "    come in this order, those in brackets only when they apply, dc: answer:\n"
	        "    and authority: once per item. Scripts can rely on the keys and on the\n"
	        "    first word of each value.\n"
	        "      query:      NAME IN TYPE\n"
	        "      transport:  udp | tcp | udp, truncated (TC=1), then tcp\n"
	        "      client:     IP (the query's source address)\n"
	        "      ecs:        CIDR sent | none\n"
	        "      [target:    NAME (after the CNAME records in the answer)]\n"
	        "      service:    NAME (map MAP, ttl N, failover_ttl N) | none (...)\n"
	        "      [located:   ADDRESS by the ECS subnet|the source address: DB ANSWER]\n"
	        "      [rule:      default | continents: EU | countries: GB | subdivisions: US-CA\n"
	        "                  | asns: 64500 | networks: 203.0.113.0/24]\n"
	        "      [list:      DC DC ...]\n"
	        "      [health:    where the health states come from]\n"
	        "      [dc:        DC: chosen|skipped (why)|not needed; A ADDRESS up ...]\n"
	        "      [chosen:    DC (why) | none: ... (NODATA)]\n"
	        "      answer:     RECORD | none\n"
	        "      [authority: RECORD]\n"
	        "      ttl:        N (why) | none (...)\n"
	        "      scope:      N (ECS option in the response: ...) | none (why)\n"
	        "      rcode:      NOERROR | NXDOMAIN | REFUSED | ... | none (...)\n"
	        "      [mismatch:  what in the response disagrees with the configuration]\n"
	        "\n"
	        "EXIT STATUS\n"
	        "    0   The command succeeded; for explain, the question was answered and the\n"
	        "        answer is what the configuration says; for diff, nothing changes.\n"
	        "    1   The configuration, a zone or a GeoIP database has errors (printed as\n"
	        "        FILE:LINE: message on standard error), or the control socket cannot be\n"
	        "        reached. diff: the configurations differ.\n"
	        "    2   Bad command line; diff: also a configuration or database error.\n"
	        "    3   explain: answered, but the response disagrees with the decision the\n"
	        "        configuration describes (see the mismatch: lines): a bug to report.\n"
	        "\n"
	        "FILES\n"
	        "    %s\n"
	        "        The default control socket.\n"
	        "\n"
	        "EXAMPLES\n"
	        "    Which datacenter does a client of a German resolver get?\n"
	        "        geosteerctl -c build/examples/geosteer.yaml explain --offline \\\n"
	        "            www.geo.example A --client 127.0.0.1 --subnet 81.169.145.0/24\n"
	        "    The same for an IPv6 client, AAAA, without ECS:\n"
	        "        geosteerctl -c build/examples/geosteer.yaml explain --offline \\\n"
	        "            www.geo.example AAAA --client 2a00:1450:4001::1\n"
	        "    In CI, fail the build when a US resolver would not get us-east:\n"
	        "        geosteerctl -c geosteer.yaml explain --offline www.geo.example \\\n"
	        "            --client 8.8.8.8 | grep -q '^chosen: *us-east '\n"
	        "    In CI, show what a change does to clients against the main branch (the\n"
	        "    copy's relative paths resolved in the repository):\n"
	        "        git show main:geosteer.yaml > /tmp/old.yaml\n"
	        "        geosteerctl diff --old-base . /tmp/old.yaml geosteer.yaml\n"
	        "\n"
	        "SEE ALSO\n"
	        "    geosteerd(8), geosteer.yaml(5), dig(1)\n",
	        CFG_DEFAULT_CONTROL, CFG_DEFAULT_CONTROL);
}

static int usage_error(const char *fmt, ...) GS_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("geosteerctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'geosteerctl --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

/* -r: the read-only socket of the configuration. */
static bool use_readonly;
/* --json before the command: status, health, stats and explain answer in JSON. */
static bool use_json;

/* The control socket path: -s, else the config's control: (control_readonly: with -r),
 * else the default. Returns EXIT_OK, or EXIT_FAIL when the configuration does not load
 * (or has no read-only socket while -r asks for it). */
static int socket_path(const char *sock, const char *config, char **out)
{
	if (sock) {
		*out = strdup(sock);
		return EXIT_OK;
	}
	if (!config) {
		*out = strdup(CFG_DEFAULT_CONTROL);
		return EXIT_OK;
	}
	struct diag d;
	diag_init(&d);
	struct cfg *c = NULL;
	int rc = cfg_load(config, &d, &c);
	diag_print(&d, stderr);
	diag_free(&d);
	if (rc != GS_OK)
		return EXIT_FAIL;
	if (use_readonly && !c->control_readonly.socket) {
		fprintf(stderr, "geosteerctl: -r: %s has no control_readonly: socket\n", config);
		cfg_free(c);
		return EXIT_FAIL;
	}
	*out = strdup(use_readonly ? c->control_readonly.socket : c->control);
	cfg_free(c);
	return EXIT_OK;
}

/* Commands served by the daemon: words[0 .. n) is the request (command first). */
static int control_command(const char *sock, const char *config, int n, char **words)
{
	char *path = NULL;
	if (socket_path(sock, config, &path) != EXIT_OK)
		return EXIT_FAIL;
	if (!path) {
		perror("geosteerctl");
		return EXIT_FAIL;
	}
	unsigned timeout = strcmp(words[0], "reload") == 0 ? CTL_CLIENT_RELOAD_TIMEOUT_MS
	                                                   : CTL_CLIENT_TIMEOUT_MS;
	int rc = ctl_client_run(path, words, n, timeout, stdout, stderr);
	free(path);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

static int cmd_explain(int argc, char **argv, const char *sock, const char *config)
{
	enum { OPT_OFFLINE = 256, OPT_CLIENT, OPT_SUBNET, OPT_TCP, OPT_JSON, OPT_QUIET };
	static const struct option longopts[] = {
	        {"offline", no_argument, NULL, OPT_OFFLINE},
	        {"quiet", no_argument, NULL, OPT_QUIET},
	        {"json", no_argument, NULL, OPT_JSON},
	        {"client", required_argument, NULL, OPT_CLIENT},
	        {"subnet", required_argument, NULL, OPT_SUBNET},
	        {"tcp", no_argument, NULL, OPT_TCP},
	        {NULL, 0, NULL, 0},
	};
	struct explain_req req = {.config = config, .qtype = LDNS_RR_TYPE_A, .json = use_json};
	bool offline = false, has_client = false;
	int opt;
	optind = 0; /* 0: GNU getopt starts afresh (permuting again); argv[0] is "explain" */
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_OFFLINE:
			offline = true;
			break;
		case OPT_CLIENT:
			if (netaddr_parse(optarg, &req.client) != GS_OK)
				return usage_error("--client: '%s' is not an IPv4 or IPv6 address",
				                   optarg);
			has_client = true;
			break;
		case OPT_SUBNET:
			if (!explain_parse_subnet(optarg, &req.subnet))
				return usage_error("--subnet: '%s' is not ADDRESS/LENGTH", optarg);
			req.has_subnet = true;
			break;
		case OPT_TCP:
			req.tcp = true;
			break;
		case OPT_JSON:
			req.json = true;
			break;
		case OPT_QUIET:
			req.quiet = true;
			break;
		default:
			return usage_error("explain: bad option");
		}
	}
	int left = argc - optind;
	if (left < 1)
		return usage_error("explain: which NAME?");
	if (left > 2)
		return usage_error("explain: unexpected argument '%s'", argv[optind + 2]);
	req.name = argv[optind];
	if (left == 2 && !explain_parse_type(argv[optind + 1], &req.qtype))
		return usage_error("explain: '%s' is not a record type", argv[optind + 1]);
	if (!has_client)
		return usage_error("explain: --client IP is required");
	if (req.quiet && !offline)
		return usage_error("explain: --quiet goes with --offline (the daemon prints no "
		                   "configuration warnings)");
	if (!offline) {
		/* The daemon renders the JSON (its records are the text form's). */
		char **words = xcalloc((size_t)argc + 1, sizeof(*words));
		int n = 0;
		for (int i = 0; i < argc; i++)
			if (strcmp(argv[i], "--json") != 0)
				words[n++] = argv[i];
		if (req.json)
			words[n++] = "--json";
		int rc = control_command(sock, config, n, words);
		free(words);
		return rc;
	}
	if (!config)
		return usage_error("explain --offline needs the configuration: -c FILE");
	switch (explain_offline(&req, stdout, stderr)) {
	case EXPLAIN_ANSWERED:
		return EXIT_OK;
	case EXPLAIN_MISMATCH:
		return EXIT_MISMATCH;
	default:
		return EXIT_FAIL;
	}
}

/* Parses a --for DURATION: a whole number with the unit s, m, h or d (30s, 5m, 2h, 1d;
 * no unit: seconds). Returns false when it is not one, or is 0 or over ten years. */
static bool parse_for(const char *text, long long *secs)
{
	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	char *end;
	long long v = strtoll(text, &end, 10);
	long long unit = 1;
	if (*end == 'm')
		unit = 60;
	else if (*end == 'h')
		unit = 3600;
	else if (*end == 'd')
		unit = 86400;
	else if (*end != 's' && *end != '\0')
		return false;
	if (*end && end[1])
		return false;
	if (errno || v < 1 || v > HEALTH_FORCE_FOR_MAX / unit)
		return false;
	*secs = v * unit;
	return true;
}

/* force DC|ADDRESS up|down|auto [--for DURATION] [--reason TEXT]: sent as
 * "force WHAT STATE [for=SECONDS] [reason=PERCENT-ENCODED]". */
static int cmd_force(int argc, char **argv, const char *sock, const char *config)
{
	enum { OPT_FOR = 256, OPT_REASON };
	static const struct option longopts[] = {
	        {"for", required_argument, NULL, OPT_FOR},
	        {"reason", required_argument, NULL, OPT_REASON},
	        {NULL, 0, NULL, 0},
	};
	long long secs = 0;
	const char *reason = NULL;
	int opt;
	optind = 0; /* 0: GNU getopt starts afresh (permuting again); argv[0] is "force" */
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_FOR:
			if (!parse_for(optarg, &secs))
				return usage_error(
				        "force: --for: '%s' is not a duration such as 30s, "
				        "5m, 2h or 1d (at most ten years)",
				        optarg);
			break;
		case OPT_REASON:
			reason = optarg;
			break;
		default:
			return usage_error("force: bad option");
		}
	}
	if (argc - optind != 2)
		return usage_error("usage: force DC|ADDRESS up|down|auto [--for DURATION] "
		                   "[--reason TEXT]");
	const char *st = argv[optind + 1];
	if (strcmp(st, "up") != 0 && strcmp(st, "down") != 0 && strcmp(st, "auto") != 0)
		return usage_error("force: '%s' is not up, down or auto", st);
	if (secs && strcmp(st, "auto") == 0)
		return usage_error("force: auto removes the force: it takes no --for");
	char for_word[32], reason_word[sizeof("reason=") + 3 * HEALTH_REASON_MAX];
	char *words[5] = {"force", argv[optind], argv[optind + 1]};
	int n = 3;
	if (secs) {
		snprintf(for_word, sizeof(for_word), "for=%lld", secs);
		words[n++] = for_word;
	}
	if (reason) {
		for (const char *p = reason; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return usage_error("force: --reason: no control characters");
		memcpy(reason_word, "reason=", 7);
		if (strlen(reason) >= HEALTH_REASON_MAX ||
		    !state_file_encode(reason, reason_word + 7, sizeof(reason_word) - 7))
			return usage_error("force: --reason: at most %d bytes",
			                   HEALTH_REASON_MAX - 1);
		words[n++] = reason_word;
	}
	return control_command(sock, config, n, words);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"socket", required_argument, NULL, 's'},
	        {"config", required_argument, NULL, 'c'},
	        {"readonly", no_argument, NULL, 'r'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {"json", no_argument, NULL, 'j'},
	        {NULL, 0, NULL, 0},
	};
	const char *sock = NULL, *config = NULL;
	int opt;
	/* "+": options before the command are ours; the command parses the rest. */
	while ((opt = getopt_long(argc, argv, "+s:c:rjhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'r':
			use_readonly = true;
			break;
		case 'j':
			use_json = true;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		case 'V':
			printf("geosteerctl %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			fputs("Try 'geosteerctl --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error(
		        "no command (status, reload, health, force, stats, explain, diff)");
	if (use_readonly && (sock || !config))
		return usage_error("-r takes the read-only socket from -c FILE (with -s, give "
		                   "that socket's path instead)");
	const char *cmd = argv[optind];
	if (strcmp(cmd, "diff") == 0) {
		if (!use_json)
			return cfgdiff_main(argc - optind, argv + optind);
		/* geosteerctl --json diff ... is diff --json ... */
		char **words = xcalloc((size_t)(argc - optind) + 2, sizeof(*words));
		words[0] = argv[optind];
		words[1] = "--json";
		for (int i = optind + 1; i < argc; i++)
			words[i - optind + 1] = argv[i];
		int rc = cfgdiff_main(argc - optind + 1, words);
		free(words);
		return rc;
	}
	if (strcmp(cmd, "explain") == 0)
		return cmd_explain(argc - optind, argv + optind, sock, config);
	if (strcmp(cmd, "force") == 0 && use_json)
		return usage_error("--json: only status, health, stats, explain and diff answer "
		                   "in JSON");
	if (strcmp(cmd, "force") == 0)
		return cmd_force(argc - optind, argv + optind, sock, config);
	static const char *const simple[] = {"status", "reload", "health", "stats"};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(cmd, simple[i]) != 0)
			continue;
		bool json = use_json;
		for (int a = optind + 1; a < argc; a++) {
			if (strcmp(argv[a], "--json") != 0 || strcmp(cmd, "reload") == 0)
				return usage_error("unexpected argument '%s'", argv[a]);
			json = true;
		}
		if (json && strcmp(cmd, "reload") == 0)
			return usage_error("--json: only status, health, stats, explain and diff "
			                   "answer in JSON");
		char *words[] = {(char *)cmd, "--json"};
		return control_command(sock, config, json ? 2 : 1, words);
	}
	return usage_error("unknown command '%s'", cmd);
}
