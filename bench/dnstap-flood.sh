#!/bin/bash
# bench/dnstap-flood.sh -- answers under a flood with dnstap: dnsperf at full rate
# (-c 4 -q 200, SECS seconds each, default 8) against geosteerd (1 worker thread) with
# dnstap off, with dnstap to a collector that keeps up (fstrm_capture writing a file),
# and with dnstap to a collector that is stopped (SIGSTOP: connected, reading nothing),
# then dnstap off again (the order's own effect on the rates shows).
# For each: queries per second, lost queries, dnsperf's average and maximum latency, and
# the daemon's dnstap counters from /metrics (sent to the writer, dropped because the
# ring was full, written, discarded while no collector took them).
# Usage: bench/dnstap-flood.sh [BUILD_DIR]   (needs dnsperf, fstrm-bin, curl).
# Loopback only; every process started here is stopped here, by PID.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
SECS=${SECS:-8}
work=$(mktemp -d /tmp/gs-dtflood.XXXXXX)
pid=
cap=
cleanup() {
	[ -n "$cap" ] && kill -CONT "$cap" 2>/dev/null && kill -KILL "$cap" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
for t in dnsperf fstrm_capture curl; do
	command -v $t >/dev/null || { echo "$t not found" >&2; exit 1; }
done
cat >"$work/z.zone" <<'Z'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
plain   IN A    192.0.2.99
Z
printf 'www.geo.test A\nplain.geo.test A\n' >"$work/queries"
port=$((20000 + RANDOM % 20000))
mport=$((port + 1))
config() { # DNSTAP-LINE
	cat <<Y
listen: ["127.0.0.1:$port"]
threads: 1
control: $work/ctl.sock
metrics: 127.0.0.1:$mport
$1
zones: [{name: geo.test., file: $work/z.zone}]
maps: {m: {networks: {127.0.0.0/8: [west, east]}, default: [east, west]}}
services:
  www:
    names: [www.geo.test.]
    map: m
    datacenters: {east: [192.0.2.10], west: [198.51.100.10]}
Y
}
collector() { # FILE: a collector on $work/tap.sock
	rm -f "$work/tap.sock"
	fstrm_capture -t protobuf:dnstap.Dnstap -u "$work/tap.sock" -w "$1" >/dev/null 2>&1 &
	cap=$!
	for _ in $(seq 1 50); do
		[ -S "$work/tap.sock" ] && return
		sleep 0.1
	done
	echo "fstrm_capture did not start" >&2
	exit 1
}
metric() { # RESULT: geosteer_dnstap_messages_total{result=RESULT}
	curl -s "http://127.0.0.1:$mport/metrics" |
		awk -v r="result=\"$1\"" 'index($0, "geosteer_dnstap_messages_total{") && index($0, r) {print $2}'
}
run() { # LABEL DNSTAP-LINE
	config "$2" >"$work/c.yaml"
	taskset -c 1 "$build/server/geosteerd" -c "$work/c.yaml" >"$work/gs.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" plain.geo.test A >/dev/null 2>&1 && break
		sleep 0.1
	done
	sleep 1 # connected to the collector (it retries every second)
	taskset -c 0 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries" -c 4 -q 200 -l "$SECS" \
		>"$work/perf" 2>&1
	local qps lost lat maxlat
	qps=$(awk '/Queries per second/ {print int($4)}' "$work/perf")
	lost=$(awk '/Queries lost/ {print $3}' "$work/perf")
	lat=$(awk '/Average Latency/ {printf "%.3f", $4 * 1000}' "$work/perf")
	maxlat=$(awk '/Average Latency/ {gsub(/[(),]/, ""); printf "%.1f", $8 * 1000}' "$work/perf")
	local counts="-"
	[ -n "$2" ] && counts="sent $(metric sent), queue_full $(metric queue_full), written $(metric written), no_collector $(metric no_collector)"
	printf '%-28s %8s q/s  lost %-6s avg %6s ms  max %6s ms  %s\n' "$1" "$qps" "$lost" "$lat" \
		"$maxlat" "$counts"
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
}
echo "dnsperf -c 4 -q 200 -l $SECS, geosteerd on CPU 1 (1 worker), dnsperf on CPU 0; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
run "dnstap off" ""
collector "$work/cap1.fstrm"
run "dnstap, collector reading" "dnstap: {socket: $work/tap.sock}"
kill -TERM "$cap"
wait "$cap" 2>/dev/null || true
collector "$work/cap2.fstrm"
kill -STOP "$cap"
run "dnstap, collector stopped" "dnstap: {socket: $work/tap.sock}"
kill -CONT "$cap"
kill -TERM "$cap"
wait "$cap" 2>/dev/null || true
cap=
run "dnstap off (again)" ""
