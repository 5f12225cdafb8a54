#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/reload-load.sh -- reloads under load, and latency at a fixed rate:
#   1. geosteerd serves a 100,000-record zone (scripts/gen-zone.sh) beside
#      examples/zones/geo.example.zone, whose www is steered over the world database;
#      dnsperf sends RATE queries/s (static names of the big zone, the static mix and the
#      steered name, with and without ECS) for the whole run while `geosteerctl reload`
#      runs RELOADS times, each one waiting for the previous to finish. Prints the
#      queries sent, answered and lost (no answer within dnsperf's 5 s timeout), how many
#      reloads succeeded and how long they took. A lost query or a failed reload fails
#      the run.
#   2. Latency at RATE queries/s without reloads, geosteerd and gdnsd 3 alternately
#      (one worker thread each, the same static zone, the static mix): dnsperf -v
#      reports each answer's round trip; prints the median, p99 and p99.9.
# Usage: bench/reload-load.sh [BUILD_DIR]      (default build; run from anywhere)
# Environment: RATE (default 20000), RELOADS (default 20; 0: latency only), SECS (latency runs, default
# 5), ROUNDS (latency rounds per daemon, default 2), GS_SHARED (default ../shared: testdata/world.mmdb). Needs dnsperf and gdnsd (the
# latency comparison is skipped without gdnsd). The daemons are pinned to CPU 1 and
# dnsperf to CPU 0 when there are two CPUs or more. Every process it starts is stopped
# here, by PID.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
geosteerd=$build/server/geosteerd
ctl=$build/tools/geosteerctl
shared=${GS_SHARED:-$top/../shared}
world=$shared/testdata/world.mmdb
RATE=${RATE:-20000}
RELOADS=${RELOADS:-20}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-2}
for f in "$geosteerd" "$ctl"; do
	[ -x "$f" ] || { echo "reload-load.sh: $f is missing (make -C $build)" >&2; exit 2; }
done
[ -e "$world" ] || { echo "reload-load.sh: $world is missing" >&2; exit 2; }
command -v dnsperf >/dev/null || { echo "reload-load.sh: dnsperf is missing" >&2; exit 2; }
pin_srv=() pin_cli=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	pin_srv=(taskset -c 1) pin_cli=(taskset -c 0)
fi

work=$(mktemp -d /tmp/gs-reload.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
	echo "reload-load.sh: $*" >&2
	exit 1
}
port=$((20000 + RANDOM % 20000))
port_gd=$((port + 1))

sh "$top/scripts/gen-zone.sh" 100000 bench.example. >"$work/bench.zone"
cp "$top/examples/zones/geo.example.zone" "$work/geo.example.zone"
cat >"$work/geosteer.yaml" <<C
listen: ["127.0.0.1:$port"]
threads: 1
control: $work/control.sock
geoip:
  database: $world
zones:
  - {name: geo.example., file: $work/geo.example.zone}
  - {name: bench.example., file: $work/bench.zone}
maps:
  regional:
    default: [eu-central, us-east]
    continents: {NA: [us-east, eu-central], SA: [us-east, eu-central]}
    countries: {GB: [eu-central, us-east]}
services:
  www:
    names: [www.geo.example.]
    map: regional
    ttl: 60
    datacenters:
      us-east: [192.0.2.10, "2001:db8:1::10"]
      eu-central: [198.51.100.10, "2001:db8:2::10"]
C
# The queries: every 50th owner name of the big zone (A and TXT), the static mix, the
# steered name (dnsperf's ECS option on a part of the run would need a second client;
# without ECS every query is located by its source address).
awk '$1 !~ /^[;$@]/ && NF >= 3 && !seen[$1]++ && ++n % 50 == 0 { print $1 ".bench.example A" }' \
	"$work/bench.zone" >"$work/queries"
cat >>"$work/queries" <<'Q'
geo.example SOA
geo.example NS
geo.example MX
mail.geo.example A
mail.geo.example AAAA
ns1.geo.example A
nonexistent.geo.example A
mail.geo.example TXT
ftp.geo.example A
host.sub.geo.example A
www.geo.example A
www.geo.example AAAA
Q

wait_answer() { # PORT: until an SOA query is answered (bounded: 60 s)
	for _ in $(seq 1 120); do
		dig +time=1 +tries=1 @127.0.0.1 -p "$1" geo.example SOA 2>/dev/null | grep -q 'status: NOERROR' &&
			return 0
		sleep 0.5
	done
	fail "nothing answers on port $1"
}

# ------------------------------------------------------------------ reloads under load
reload_part() {
	"${pin_srv[@]}" "$geosteerd" -c "$work/geosteer.yaml" >"$work/geosteerd.log" 2>&1 &
	gs_pid=$!
	pids+=("$gs_pid")
	wait_answer "$port"
	# Long enough for the reloads: about 1 s each on this machine, plus a margin.
	secs=$((RELOADS * 2 + 10))
	"${pin_cli[@]}" dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries" -Q "$RATE" -q 500 -l "$secs" \
		-c 4 >"$work/dnsperf.out" 2>&1 &
	dp_pid=$!
	pids+=("$dp_pid")
	sleep 2 # dnsperf at its rate before the first reload (a start-up delay, not a condition)
	ok=0 t0=$SECONDS
	for i in $(seq 1 "$RELOADS"); do
		if "$ctl" -s "$work/control.sock" reload >"$work/reload.$i" 2>&1; then
			ok=$((ok + 1))
		else
			cat "$work/reload.$i" >&2
		fi
	done
	t_reload=$((SECONDS - t0))
	wait "$dp_pid" || true
	sent=$(awk '/Queries sent/ {print $3}' "$work/dnsperf.out")
	done_=$(awk '/Queries completed/ {print $3}' "$work/dnsperf.out")
	lost=$(awk '/Queries lost/ {print $3}' "$work/dnsperf.out")
	qps=$(awk '/Queries per second/ {print int($4)}' "$work/dnsperf.out")
	gen=$("$ctl" -s "$work/control.sock" status 2>/dev/null | awk '$1 == "generation:" {print $2; exit}')
	kill -TERM "$gs_pid"
	wait "$gs_pid" 2>/dev/null || true
	echo "reloads under load: $RELOADS reloads of a 100,000-record zone and world.mmdb in" \
		"$t_reload s ($ok succeeded, generation ${gen:-?}) while dnsperf sent $sent queries at" \
		"$qps/s: $done_ answered, $lost lost"
	[ "$ok" = "$RELOADS" ] || fail "$((RELOADS - ok)) reloads failed"
	[ "${lost:-1}" = 0 ] || fail "$lost queries lost"
}
[ "$RELOADS" = 0 ] || reload_part

# ------------------------------------------------------------------ latency at RATE
command -v gdnsd >/dev/null || { echo "latency: gdnsd is missing, skipped"; exit 0; }
mkdir -p "$work/gd/zones" "$work/gd/run" "$work/gd/state"
cp "$top/examples/zones/geo.example.zone" "$work/gd/zones/geo.example"
cat >"$work/gd/config" <<C
options => {
  listen => [ 127.0.0.1 ]
  dns_port => $port_gd
  udp_threads => 1
  tcp_threads => 1
  run_dir => $work/gd/run
  state_dir => $work/gd/state
}
C
cat >"$work/static.yaml" <<C
listen: ["127.0.0.1:$port"]
threads: 1
control: $work/control.sock
zones:
  - {name: geo.example., file: $work/geo.example.zone}
C
sed -n '/^geo.example SOA/,/^host.sub/p' "$work/queries" >"$work/q.static"
latency() { # NAME PORT: dnsperf -v for SECS s at RATE; prints "median p99 p99.9" in ms
	"${pin_cli[@]}" dnsperf -v -s 127.0.0.1 -p "$2" -d "$work/q.static" -Q "$RATE" -q 500 \
		-l "$SECS" -c 4 >"$work/lat.$1" 2>&1 || true
	awk '$1 == ">" && $NF ~ /^[0-9.]+$/ { print $NF * 1000 }' "$work/lat.$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - -"; exit }
			printf "%.3f %.3f %.3f %d\n", v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1],
			v[int(NR * 0.999) + 1], NR }'
}
declare -A L
for round in $(seq 1 "$ROUNDS"); do
	for name in geosteerd gdnsd; do
		case $name in
		geosteerd)
			"${pin_srv[@]}" "$geosteerd" -c "$work/static.yaml" >>"$work/geosteerd.log" 2>&1 &
			p=$port ;;
		gdnsd)
			"${pin_srv[@]}" gdnsd -c "$work/gd" start >>"$work/gdnsd.log" 2>&1 &
			p=$port_gd ;;
		esac
		pid=$!
		pids+=("$pid")
		wait_answer "$p"
		L[$name.$round]=$(latency "$name.$round" "$p")
		kill -TERM "$pid"
		wait "$pid" 2>/dev/null || true
	done
done
echo "latency at $RATE queries/s, static mix, ms (median p99 p99.9 answers):"
for name in geosteerd gdnsd; do
	line="  $name:"
	for round in $(seq 1 "$ROUNDS"); do line="$line round $round ${L[$name.$round]};"; done
	echo "${line%;}"
done
