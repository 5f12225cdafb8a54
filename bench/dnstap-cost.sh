#!/bin/bash
# bench/dnstap-cost.sh -- instructions per query with dnstap off and on (to a file), by
# the method of bench/compare.sh: geosteerd under callgrind with N1 and N2 queries from
# dnsperf, (Ir(N2) - Ir(N1)) / (N2 - N1), whole process (the dnstap writer thread
# included), at QPS queries a second (default 2000: a rate the writer keeps up with
# under valgrind, so that every message is made and written: the run stops if one is
# dropped). Half the queries are for a steered name (the decision goes into extra).
# Each figure is the median of REPEAT (default 3) such pairs, off and on alternating, to
# even out the start-up noise (a few tens of instructions per query between runs).
# Usage: bench/dnstap-cost.sh [BUILD_DIR]   (needs dnsperf, valgrind, dnstap-ldns).
# Loopback only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
N1=${N1:-2000}
N2=${N2:-12000}
work=$(mktemp -d /tmp/gs-dtcost.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/z.zone" <<'Z'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
plain   IN A    192.0.2.99
Z
printf 'www.geo.test A\nplain.geo.test A\n' >"$work/queries"
config() { # PORT DNSTAP-LINE
	cat <<Y
listen: ["127.0.0.1:$1"]
threads: 1
control: $work/ctl.sock
$2
zones: [{name: geo.test., file: $work/z.zone}]
maps: {m: {networks: {127.0.0.0/8: [west, east]}, default: [east, west]}}
services:
  www:
    names: [www.geo.test.]
    map: m
    datacenters: {east: [192.0.2.10], west: [198.51.100.10]}
Y
}
ir_run() { # DNSTAP-LINE COUNT: total instructions of one callgrind run
	local port=$((20000 + RANDOM % 20000))
	config "$port" "$1" >"$work/c.yaml"
	rm -f "$work/out.dnstap"
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
		"$build/server/geosteerd" -c "$work/c.yaml" >"$work/gs.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" plain.geo.test A >/dev/null 2>&1 && break
		sleep 0.2
	done
	dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries" -n $(($2 / 2)) -q 20 -t 5 -Q "${QPS:-2000}" >"$work/perf" 2>&1
	local dropped
	dropped=$("$build/tools/geosteerctl" -s "$work/ctl.sock" stats | awk '/dnstap_dropped/ {print $2}')
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
	if [ -n "$1" ]; then
		# Every answer (the queries and the readiness probe) is in the file.
		local frames
		frames=$(dnstap-ldns -r "$work/out.dnstap" | wc -l)
		if [ "${dropped:-0}" != 0 ] || [ "$frames" -lt "$2" ]; then
			echo "dnstap: $dropped dropped, $frames of $2 written: lower QPS" >&2
			exit 1
		fi
	fi
	awk '/^summary:|^totals:/ {print $2; exit}' "$work/cg.out"
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: >"$work/off"
: >"$work/on"
for _ in $(seq 1 "${REPEAT:-3}"); do
	for mode in off on; do
		line=""
		[ $mode = on ] && line="dnstap: {file: $work/out.dnstap}"
		a=$(ir_run "$line" $N1)
		b=$(ir_run "$line" $N2)
		echo $(((b - a) / (N2 - N1))) >>"$work/$mode"
	done
done
off=$(median <"$work/off")
on=$(median <"$work/on")
echo "dnstap off: $off instructions per query (runs: $(tr '\n' ' ' <"$work/off"))"
echo "dnstap on:  $on instructions per query (runs: $(tr '\n' ' ' <"$work/on"))"
echo "dnstap cost: $((on - off)) instructions per query (callgrind, medians of ${REPEAT:-3}, $N1 vs $N2 queries at ${QPS:-2000}/s)"
