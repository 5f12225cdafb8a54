/* SPDX-License-Identifier: MIT
 * main.c -- geosteerd's entry point: command line, loading and checking the
 * configuration and zones (--check stops there), then daemon_run(). Main thread. */
#include <config.h> /* first */

#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/mono.h"
#include "server/base/rfile_set.h"
#include "server/config/config.h"
#include "server/daemon.h"
#include "server/load/snapshot_build.h"
#include "server/query/snapshot.h"
#include "server/health/health.h"
#include "server/health/state_file.h"

/* Exit statuses (documented in --help). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,  /* bad configuration or zones, or the daemon could not start */
	EXIT_USAGE = 2, /* bad command line */
};

static void print_version(void)
{
	printf("geosteerd %s\n", PACKAGE_VERSION);
}

static void print_help(FILE *out)
{
	fprintf(out,
	        "NAME\n"
	        "    geosteerd - authoritative DNS server for geographic traffic steering\n"
	        "\n"
	        "SYNOPSIS\n"
	        "    geosteerd -c FILE [-v]\n"
	        "    geosteerd -c FILE --check [-v]\n"
	        "    geosteerd -h | -V\n"
	        "\n"
	        "DESCRIPTION\n"
	        "    geosteerd answers DNS queries for the zones named in its YAML configuration,\n"
	        "    over UDP and TCP, on every address in its `listen:` list. It runs in the\n"
	        "    foreground and logs to standard error (journald priorities when started by\n"
	        "    systemd); it suits a systemd unit with Type=notify, as it reports READY=1\n"
	        "    on $NOTIFY_SOCKET once it serves, STATUS= lines saying what it serves and\n"
	        "    whether the last reload failed, and STOPPING=1 when it stops. Under\n"
	        "    WatchdogSec= it sends WATCHDOG=1 while every worker thread is alive.\n"
	        "\n"
	        "    At start it loads the configuration and every zone file and reports every\n"
	        "    problem it finds as FILE:LINE: message; any error stops it before it binds\n"
	        "    a socket. It then binds its sockets (one UDP and one TCP socket per address\n"
	        "    and worker thread, with SO_REUSEPORT), switches to `user:` if one is set,\n"
	        "    and starts `threads:` worker threads.\n"
	        "\n"
	        "    This version acts on every section of the configuration: listen,\n"
	        "    threads, user, control, control_readonly, metrics, state_file, identity,\n"
	        "    watch, tcp, rate_limit, cookies, zones, geoip, checks, maps and services.\n"
	        "\n"
	        "    Health checks run on a monitor thread when some service has `check:`.\n"
	        "    Operator overrides (geosteerctl force) are kept in `state_file:` and read\n"
	        "    again at start. geosteerctl talks to the daemon over the Unix socket\n"
	        "    `control:` (default %s, mode 0660; its folder is\n"
	        "    created when missing). The daemon refuses to start when another geosteerd\n"
	        "    answers on that socket, and removes a stale socket file. An optional\n"
	        "    second socket, `control_readonly:` (mode 0660, its own `group:` if set),\n"
	        "    answers status, health, stats and explain, and refuses force and reload.\n"
	        "\n"
	        "OPTIONS\n"
	        "    -c FILE, --config FILE\n"
	        "        The configuration file (required). Relative zone file names in it are\n"
	        "        relative to the folder that holds FILE.\n"
	        "    --check\n"
	        "        Load and validate the configuration and every zone, print each problem\n"
	        "        as FILE:LINE: message on standard error, print a one-line summary on\n"
	        "        standard output when all is well, and exit. Binds no socket, changes no\n"
	        "        user, and needs no privileges beyond reading the files.\n"
	        "    -v, --verbose\n"
	        "        Also log debug messages.\n"
	        "    -h, --help\n"
	        "        Print this help and exit.\n"
	        "    -V, --version\n"
	        "        Print the version and exit.\n"
	        "\n"
	        "EXIT STATUS\n"
	        "    0   --check found no error; or the daemon stopped cleanly on a signal.\n"
	        "    1   The configuration or a zone has errors, or the daemon could not start\n"
	        "        (an address in use, a port below 1024 without privileges, `user:`\n"
	        "        without root, ...). The reason is on standard error.\n"
	        "    2   Bad command line.\n"
	        "\n"
	        "SIGNALS\n"
	        "    SIGTERM, SIGINT\n"
	        "        Stop: finish the packets in hand, close every socket and exit with 0.\n"
	        "    SIGHUP\n"
	        "        Reload: load the configuration file, its zones and GeoIP databases\n"
	        "        again and serve them; on any error log every FILE:LINE problem and\n"
	        "        keep serving the old ones (as `geosteerctl reload` does). listen,\n"
	        "        threads, user, control, control_readonly, state_file and tcp need a\n"
	        "        restart.\n"
	        "\n"
	        "TCP\n"
	        "    Connections follow RFC 7766: pipelined queries are answered in order. A\n"
	        "    connection is closed after tcp.idle_timeout without traffic, when a query\n"
	        "    takes longer than tcp.message_timeout from its first byte to its last,\n"
	        "    after tcp.max_lifetime in all, and after tcp.max_queries queries if set\n"
	        "    (default 0, no limit: a limit makes pipelining clients resend). Before\n"
	        "    such a close, every query already received is answered, then FIN is sent.\n"
	        "    At tcp.max_connections (all workers together) or tcp.max_per_client (per\n"
	        "    client address), a new connection makes the worker close one of its\n"
	        "    connections: one whose client has read no answer for a second, else the\n"
	        "    one idle the longest (or still sending its first query); only when none\n"
	        "    can give way is the new one reset at once. Queries up to 65535 bytes are\n"
	        "    read. While a client does not read its answers, its further queries are\n"
	        "    not read either.\n"
	        "\n"
	        "FILES\n"
	        "    /etc/geosteer/geosteer.yaml\n"
	        "        The usual configuration file (no default: pass it with -c).\n"
	        "    build/examples/geosteer.yaml\n"
	        "        The quick-start configuration: `make` copies examples/geosteer.yaml and\n"
	        "        its zone into the build folder, next to the demo GeoIP database it\n"
	        "        builds (the source tree's copy names a database that is not there).\n"
	        "\n"
	        "ENVIRONMENT\n"
	        "    NOTIFY_SOCKET\n"
	        "        Set by systemd: where readiness is reported (a path, or @name for an\n"
	        "        abstract socket).\n"
	        "    WATCHDOG_USEC\n"
	        "        Set by systemd with WatchdogSec=: the watchdog interval; WATCHDOG=1 is\n"
	        "        sent at half of it while every worker thread still runs its loop.\n"
	        "\n"
	        "EXAMPLE\n"
	        "    geosteerd -c build/examples/geosteer.yaml --check\n"
	        "    geosteerd -c build/examples/geosteer.yaml &\n"
	        "    dig @127.0.0.1 -p 5353 geo.example SOA\n"
	        "    kill -TERM %%1\n"
	        "\n"
	        "SEE ALSO\n"
	        "    geosteerctl(8), geosteer.yaml(5), dig(1), systemd.service(5)\n",
	        CFG_DEFAULT_CONTROL);
}

/* Loads and checks everything: configuration, sections this build supports, the user
 * account, every zone. Diagnostics accumulate in d. Returns GS_OK with *cfg and *snap
 * set (both owned by the caller), or an error with both NULL. When src is not NULL,
 * the files the data is loaded from are kept in it (rfile_set.h: re-signs rebuild the
 * data from them). */
static int load_all(const char *path, struct diag *d, struct cfg **cfg, struct snapshot **snap,
                    struct rfile_set *src)
{
	*cfg = NULL;
	*snap = NULL;
	struct cfg *c = NULL;
	if (src)
		rfile_set_record(src);
	int rc = cfg_load(path, d, &c);
	rfile_set_direct();
	if (rc != GS_OK)
		return rc;
	daemon_check_user(c, d);
	/* Here rather than at start only: --check refuses what start-up would. */
	if (c->state_file)
		(void)state_file_check(c->state_file, c->pos_of[CFG_SEC_STATE_FILE], d);
	struct snapshot *s = NULL;
	/* Only a signed zone is ever re-signed from the set; without one, the zone files
	 * need not be kept (and may then load in parallel). */
	if (src && cfg_signs_zones(c))
		rfile_set_record(src);
	rc = snapshot_build(c, d, &s);
	rfile_set_direct();
	if (rc == GS_OK && diag_has_errors(d)) {
		snapshot_free(s);
		s = NULL;
		rc = GS_EPARSE;
	}
	if (rc != GS_OK) {
		cfg_free(c);
		return rc;
	}
	*cfg = c;
	*snap = s;
	return GS_OK;
}

/* Loading a zone allocates and frees ldns's 64 KiB scratch buffers for every record;
 * with glibc's default thresholds the heap grows and is trimmed back (brk) over and over,
 * which cost a fifth of a large zone's load time. Trim only past 64 MiB of free space at
 * the top (each load ends with malloc_trim), and map only blocks of 1 MiB or more
 * (this also stops the thresholds from adjusting themselves). */
static void malloc_tune(void)
{
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

int main(int argc, char **argv)
{
	malloc_tune();
	enum { OPT_CHECK = 256 };
	static const struct option longopts[] = {
	        {"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, OPT_CHECK},
	        {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	bool is_check = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:vhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case OPT_CHECK:
			is_check = true;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		case 'V':
			print_version();
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'geosteerd --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "geosteerd: unexpected argument '%s'\n", argv[optind]);
		fprintf(stderr, "Try 'geosteerd --help' for more information.\n");
		return EXIT_USAGE;
	}
	if (!path) {
		fprintf(stderr, "geosteerd: no configuration file: use -c FILE\n");
		fprintf(stderr, "Try 'geosteerd --help' for more information.\n");
		return EXIT_USAGE;
	}

	struct diag d;
	diag_init(&d);
	struct cfg *cfg = NULL;
	struct snapshot *snap = NULL;
	struct timespec t0 = mono_now();
	struct rfile_set *src = is_check ? NULL : rfile_set_new();
	int rc = load_all(path, &d, &cfg, &snap, src);
	/* As a reload counts it: until the data is ready, the heap trim not included. */
	double load_s = mono_since(&t0);
	if (rc == GS_OK) {
		snap->load_s = load_s; /* not published yet: daemon_run does that */
		malloc_trim(0);        /* what loading freed goes back now, once */
	}
	int status;
	if (is_check) {
		diag_print(&d, stderr);
		if (rc == GS_OK) {
			size_t n = snap->zones.n;
			char took[96];
			snapshot_took_text(snap, took, sizeof(took));
			printf("%s: OK: %zu zone%s, %zu records in %.3f s%s\n", path, n,
			       n == 1 ? "" : "s", snapshot_count_records(snap), load_s, took);
		}
		status = rc == GS_OK ? EXIT_OK : EXIT_FAIL;
		snapshot_free(snap);
	} else {
		diag_log(&d);
		if (rc != GS_OK) {
			log_err("%s: not starting: the configuration has errors", path);
			status = EXIT_FAIL;
		} else {
			size_t n = snap->zones.n;
			char took[96];
			snapshot_took_text(snap, took, sizeof(took));
			log_info("loaded %s: %zu zone%s, %zu records in %.3f s%s", path, n,
			         n == 1 ? "" : "s", snapshot_count_records(snap), load_s, took);
			status = daemon_run(cfg, snap, src); /* takes snap and src */
			src = NULL;
		}
	}
	rfile_set_free(src);
	diag_free(&d);
	cfg_free(cfg);
	return status;
}
