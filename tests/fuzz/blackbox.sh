#!/bin/bash
# SPDX-License-Identifier: MIT
# blackbox.sh -- a black-box mutation run (tests/fuzz/blackbox.py) against a real
# geosteerd serving the system tests' zones and a steered zone with ECS, cookies and a
# control socket. Meant for a sanitizer build: with top_builddir pointing at a build
# configured with --enable-sanitizers (or CC=clang CFLAGS=-fsanitize=...), an
# AddressSanitizer or UBSan report makes the daemon exit non-zero and this run fail.
# Not part of `make check` (it takes minutes); run by hand:
#   top_builddir=$PWD/build-asan bash tests/fuzz/blackbox.sh [COUNT] [SEED]
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/system/lib.sh"
. "$top_srcdir/tests/system/ecs-lib.sh"
COUNT=${1:-100000}
SEED=${2:-1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
if [ ! -f "$DEMO_MMDB" ]; then
	echo "SKIP: no demo GeoIP database in $top_builddir"
	exit 77
fi
GS_START_TIMEOUT=60
gs_start <<YAML
threads: 2
cookies: {secret: 00112233445566778899aabbccddeeff}
identity: fuzz.test
$(geo_yaml "$DEMO_MMDB")
YAML
ctl_stats S0
for addr in 127.0.0.1 ::1; do
	[ "$addr" = ::1 ] && [ -z "$HAVE_V6" ] && continue
	n=$COUNT
	[ "$addr" = ::1 ] && n=$((COUNT / 10))
	if "$PY" "$top_srcdir/tests/fuzz/blackbox.py" "$addr" "$PORT" "$n" "$SEED" www.geo.test. \
		>"$T/blackbox.out" 2>&1; then
		ok "$(tail -n 1 "$T/blackbox.out") ($addr)"
	else
		fail "$(tail -n 3 "$T/blackbox.out") ($addr)"
	fi
done
ctl_stats S1
ok "the server received $((S1[udp] + S1[tcp] - S0[udp] - S0[tcp])) messages (udp $((S1[udp] - S0[udp])), tcp $((S1[tcp] - S0[tcp]))), answered $((S1[queries] - S0[queries] - S1[dropped] + S0[dropped])), dropped $((S1[dropped] - S0[dropped]))"
q udp www.geo.test. A +subnet=8.8.8.0/24
expect_status NOERROR
finish
