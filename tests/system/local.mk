# tests/system: shell tests that start the real daemon on loopback.
# Each script sources lib.sh, starts server/geosteerd on a free random port and checks
# its answers with dig, kdig, drill and rawdns.py. `make check` builds the daemon first
# (it is in sbin_PROGRAMS, built by `all`); a script run without it fails loudly (99).
# One alone: make check TESTS=tests/system/answers.sh
# or: top_builddir=$PWD bash $(top_srcdir)/tests/system/answers.sh
# Longest first, so that `make -j2 check` overlaps it with the rest.
GS_SYSTEM_TESTS = \
	tests/system/dnssec-resign.sh \
	tests/system/slowloris.sh \
	tests/system/valgrind.sh \
	tests/system/answers.sh \
	tests/system/edns.sh \
	tests/system/tcp.sh \
	tests/system/tcp-limits.sh \
	tests/system/tcp-deadlines.sh \
	tests/system/tcp-fd-limit.sh \
	tests/system/all-down.sh \
	tests/system/dnstap.sh \
	tests/system/tcp-close.sh \
	tests/system/udp-threads.sh \
	tests/system/malformed.sh \
	tests/system/special.sh \
	tests/system/lifecycle.sh

TESTS += $(GS_SYSTEM_TESTS)
EXTRA_DIST += $(GS_SYSTEM_TESTS) tests/system/lib.sh tests/system/rawdns.py \
	tests/system/tcp-clients.py \
	tests/data/system

# The golden answer files (tests/golden: configurations, .case files, README.md)
# replayed against the daemon over UDP and TCP; tests/unit/golden.mk replays them in
# process.
GS_SYSTEM_TESTS += tests/system/golden.sh
EXTRA_DIST += tests/system/golden.py tests/golden

# Steering (ECS, explain, a resolver in front); ecs-lib.sh is their shared part.
GS_SYSTEM_TESTS += \
	tests/system/ecs.sh \
	tests/system/ecs-world.sh \
	tests/system/explain.sh \
	tests/system/diff.sh \
	tests/system/weights.sh \
	tests/system/explain-truncate.sh \
	tests/system/fifo.sh \
	tests/system/unbound.sh
EXTRA_DIST += tests/system/ecs-lib.sh tests/system/weights.py
# unbound-lib.sh: the unbound of unbound.sh and the dnssec-*.sh tests that validate.
EXTRA_DIST += tests/system/unbound-lib.sh

# Nearest-first lists (a map's coordinates) on tests/data/geo/nearest.mmdb; the expected
# orders and scopes come from nearest-ref.py.
GS_SYSTEM_TESTS += tests/system/nearest.sh
EXTRA_DIST += tests/system/nearest-ref.py

# Health checks with real backends on loopback (probes.sh: every kind of probe), the
# control socket, forces across a restart; failover-lib.sh and failover-backend.py are
# their shared part.
GS_SYSTEM_TESTS += \
	tests/system/probes.sh \
	tests/system/failover.sh \
	tests/system/control.sh \
	tests/system/control-readonly.sh \
	tests/system/failover-exec.sh \
	tests/system/exec-strays.sh \
	tests/system/force-restart.sh \
	tests/system/force-timed.sh \
	tests/system/state-file.sh \
	tests/system/metrics.sh \
	tests/system/steer-metrics.sh \
	tests/system/explain-live.sh \
	tests/system/ctl-json.sh
EXTRA_DIST += tests/system/failover-lib.sh tests/system/failover-backend.py \
	tests/system/prom-check.py tests/system/json-expect.py

# GeoIP layouts (GeoLite2, DB-IP Lite, IPinfo): their tiny databases are written by the
# test itself from tests/data/geo/layouts/*.txt with mkmmdb.pl.
GS_SYSTEM_TESTS += tests/system/geoip-layouts.sh tests/system/convert-paths.sh \
	tests/system/journal-stream.sh
EXTRA_DIST += tests/data/geo/layouts

# fleet: a 3-member etcd cluster and 3 nodes sharing observations and forces (skipped
# without etcd).
GS_SYSTEM_TESTS += tests/system/fleet.sh tests/system/fleet-tls.sh

# watch: true (reloads by itself on file changes).
GS_SYSTEM_TESTS += tests/system/watch.sh tests/system/watch-geoip.sh

# DNS Cookies and response rate limiting; rrl-client.py is their client.
GS_SYSTEM_TESTS += tests/system/cookies.sh tests/system/rrl.sh tests/system/rrl-reload.sh
EXTRA_DIST += tests/system/rrl-client.py tests/system/dnstap_extra.py

# gdnsd migration: tools/gdnsd-map-convert on Wikimedia's production map (skipped
# without ../shared) and on a small excerpt fixture with its own tiny database.
GS_SYSTEM_TESTS += tests/system/wikimedia.sh tests/system/wikimedia-excerpt.sh
# Knot DNS and PowerDNS migration: the converters' translations answer as the real
# servers do (skipped without knotd / pdns_server).
GS_SYSTEM_TESTS += tests/system/knot-convert.sh tests/system/pdns-convert.sh
EXTRA_DIST += tests/system/convert-agree.py tests/data/convert tools/knot-geo-convert \
	tools/pdns-geo-convert
EXTRA_DIST += tools/gdnsd-map-convert tests/data/wikimedia

# DNSSEC signing at load: keys made at test time, the signed zone (bench/zone-dump)
# checked by ldns-verify-zone and kzonecheck, bad keys, a reload with a broken key.
GS_SYSTEM_TESTS += tests/system/dnssec-sign.sh
# DNSSEC: zones signed elsewhere (ldns-signzone), served and checked by validators.
GS_SYSTEM_TESTS += tests/system/dnssec-presigned.sh
# DNSSEC: steered answers in zones geosteer signs, validated by unbound (ECS) and delv.
GS_SYSTEM_TESTS += tests/system/dnssec-steer.sh
GS_SYSTEM_TESTS += tests/system/dnssec-steer-big.sh
# DNSSEC: failover and forced failover times with the steered zone signed and not.
GS_SYSTEM_TESTS += tests/system/failover-dnssec.sh
EXTRA_DIST += tests/system/answer-watch.py
# DNSSEC life cycle (re-signing by itself, key rollovers) is dnssec-resign.sh, listed
# first above: it waits about 70 s for a re-sign.

# Under a service manager: $NOTIFY_SOCKET (notify-listen.py), the watchdog, STATUS=.
# geosteerd-hooks is geosteerd built with GS_TEST_HOOKS (a worker can be stalled on
# purpose); it is a check program, never installed.
GS_SYSTEM_TESTS += tests/system/sdnotify.sh
EXTRA_DIST += tests/system/notify-listen.py
check_PROGRAMS += tests/system/geosteerd-hooks
tests_system_geosteerd_hooks_SOURCES = server/main.c $(server_libdaemon_a_SOURCES)
tests_system_geosteerd_hooks_CPPFLAGS = $(AM_CPPFLAGS) -DGS_TEST_HOOKS
tests_system_geosteerd_hooks_CFLAGS = $(server_libdaemon_a_CFLAGS)
tests_system_geosteerd_hooks_LDADD = $(GS_DAEMON_DEPS)
