#!/bin/bash
# bench/compare.sh -- geosteerd against gdnsd on the same static zone, in one run:
#   1. instructions per query (callgrind; stable on a noisy machine): each daemon is run
#      twice under callgrind, with N1 and N2 queries, and (Ir(N2) - Ir(N1)) / (N2 - N1)
#      cancels start-up, zone loading and shutdown;
#   2. throughput with dnsperf over UDP, one worker thread each, bounded to a few seconds;
#   3. throughput over TCP with pipelining (dnsperf -m tcp, 20 connections, 200 queries
#      in flight), each daemon with its default TCP settings, and the queries lost.
# Usage: bench/compare.sh [BUILD_DIR]   (needs gdnsd, dnsperf, valgrind: apt-get install)
# Loopback only; every daemon started here is stopped here, by PID.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
geosteerd=$build/server/geosteerd
zone=$top/examples/zones/geo.example.zone
N1=${N1:-2000}
N2=${N2:-22000}
SECS=${SECS:-8}
work=$(mktemp -d /tmp/gs-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
for t in gdnsd dnsperf valgrind; do
	command -v $t >/dev/null || { echo "compare.sh: $t is missing (apt-get install $t)" >&2; exit 1; }
done

# The query mix: positive answers of several types, NXDOMAIN, NODATA, CNAME, referral.
cat >"$work/queries" <<'Q'
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
Q
nq=$(wc -l <"$work/queries")

port_gs=$((20000 + RANDOM % 20000))
port_gd=$((port_gs + 1))
mkdir -p "$work/gs/zones" "$work/gd/zones" "$work/gd/run" "$work/gd/state"
cp "$zone" "$work/gs/zones/geo.example.zone"
cp "$zone" "$work/gd/zones/geo.example"
cat >"$work/gs/geosteer.yaml" <<Y
listen: ["127.0.0.1:$port_gs"]
threads: 1
zones:
  - name: geo.example.
    file: zones/geo.example.zone
Y
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

wait_port() { # PORT: until an SOA query is answered (bounded, 60 s for valgrind)
	for _ in $(seq 1 120); do
		dig +time=1 +tries=1 @127.0.0.1 -p "$1" geo.example SOA >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	echo "compare.sh: nothing answers on port $1" >&2
	return 1
}
start() { # NAME PORT [valgrind args...]: starts the named daemon, sets $pid
	local name=$1 port=$2
	shift 2
	case $name in
	geosteerd) "$@" "$geosteerd" -c "$work/gs/geosteer.yaml" >"$work/$name.log" 2>&1 & ;;
	gdnsd) "$@" gdnsd -c "$work/gd" start >"$work/$name.log" 2>&1 & ;;
	esac
	pid=$!
	pids+=("$pid")
	wait_port "$port"
}
stop() {
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
}
send() { # PORT COUNT: sends COUNT queries of the mix, sequential windows of 20
	local runs=$(($2 / nq))
	dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries" -n "$runs" -q 20 -t 5 >"$work/dnsperf.out" 2>&1
	grep -q "Queries lost: *0 " "$work/dnsperf.out" || grep "Queries lost" "$work/dnsperf.out" >&2
}
ir_run() { # NAME PORT COUNT: total instructions of one callgrind run
	local out=$work/cg.$1.$3
	start "$1" "$2" valgrind --tool=callgrind --callgrind-out-file="$out" --trace-children=no
	send "$2" "$3"
	stop
	awk '/^(summary|totals):/ {print $2; exit}' "$out"
}

echo "geosteer bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, query mix of $nq names"
for name in geosteerd gdnsd; do
	port=$port_gs
	[ $name = gdnsd ] && port=$port_gd
	a=$(ir_run $name $port $N1)
	b=$(ir_run $name $port $N2)
	echo "$name: $(((b - a) / (N2 - N1))) instructions per query (callgrind, userspace, $N1 vs $N2 queries)"
done
for name in geosteerd gdnsd; do
	port=$port_gs
	[ $name = gdnsd ] && port=$port_gd
	start $name $port
	dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries" -l "$SECS" -c 4 -q 200 >"$work/perf.$name" 2>&1
	stop
	qps=$(awk '/Queries per second/ {print int($4)}' "$work/perf.$name")
	lost=$(awk '/Queries lost/ {print $3}' "$work/perf.$name")
	echo "$name: $qps queries/s over UDP (dnsperf -c 4 -q 200 -l $SECS, 1 worker thread, $lost lost)"
done
for round in 1 2; do
	for name in geosteerd gdnsd; do
		port=$port_gs
		[ $name = gdnsd ] && port=$port_gd
		start $name $port
		dnsperf -m tcp -s 127.0.0.1 -p "$port" -d "$work/queries" -l "$SECS" -c 20 -q 200 \
		        >"$work/tcp.$name" 2>&1
		stop
		qps=$(awk '/Queries per second/ {print int($4)}' "$work/tcp.$name")
		lost=$(awk '/Queries lost/ {print $3}' "$work/tcp.$name")
		echo "$name: $qps queries/s over TCP, round $round (dnsperf -m tcp -c 20 -q 200 -l $SECS, default tcp settings, $lost lost)"
	done
done
