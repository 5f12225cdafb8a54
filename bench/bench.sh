#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/bench.sh -- geosteerd against gdnsd 3 (and NSD for static data) in one run, on
# loopback, with one worker thread each, printing one table with geosteer/gdnsd ratios:
#   - instructions per query (callgrind on the whole daemon, user space) for four mixes:
#     one static name (A of mail), a static mix (10 queries: apex SOA, NS, MX, A and AAAA,
#     NXDOMAIN, NODATA, CNAME, referral), steered names without ECS, steered names with a
#     different ECS subnet per query (subnets the world database places in about 110
#     countries), each at a fixed
#     4,000 queries/s (dnsperf -Q 4000: every datagram wakes the server on its own) and
#     at full rate (dnsperf -q 200: the server always has a batch waiting). One callgrind
#     run per daemon: before each measurement its counters are zeroed and after it
#     dumped (callgrind_control), N1 and then N2 queries, and
#     (Ir(N2) - Ir(N1)) / (answered(N2) - answered(N1)) cancels the fixed costs;
#   - UDP queries/s at full rate and TCP queries/s with pipelining (dnsperf -m tcp,
#     20 connections, 200 queries in flight), static mix, without callgrind;
#   - the floor: bench/reflector, which only turns each datagram around (recvmmsg,
#     set QR, sendmmsg), measured like the servers (instructions per query for one
#     name at both rates, UDP queries/s), in the table's last column;
#   - the configuration alone (the small zones and the maps compiled against the world
#     database): --check (gdnsd: checkconf) CPU time;
#   - loading a zone of 100,000 and 1,000,000 records (scripts/gen-zone.sh): --check
#     (gdnsd: checkconf) wall and CPU time, time from start to the first answer, and
#     resident memory once serving.
# Before measuring, every query of the static and steered mixes is asked with dig of
# each server and the answers compared (NSD too for static): a difference fails the run.
#
# Usage: bench/bench.sh [BUILD_DIR]        (default build; run from anywhere)
# Environment: SECS (throughput runs, default 5), N1/N2 (default 1000/5000 queries),
# ZONE_SIZES (default "100000 1000000"), GS_SHARED (default ../shared: the world
# database and Wikimedia's gdnsd maps; without them the steered rows are skipped),
# PARTS (default "queries load": "load" alone skips the instruction and throughput
# runs), LOAD_RUNS (default 3: each loading figure is the best of that many runs,
# geosteerd and gdnsd alternating), ONLY=ir (instructions per query alone: no
# throughput and no loading rows), SERVERS (default "geosteerd gdnsd reflector": the
# programs whose instructions are counted), KEEP=1 (keep the work folder, callgrind dumps included, for
# callgrind_annotate).
# Installs gdnsd, nsd, dnsperf, valgrind, dnsutils, python3-dnspython and
# libmaxmind-db-reader-perl with apt-get when missing (as root). Takes about 4 minutes.
# The daemons are pinned to CPU 1 and dnsperf to CPU 0 when there are two CPUs or more.
# Every process it starts is stopped here, by PID.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
geosteerd=$build/server/geosteerd
reflector=$build/bench/reflector
shared=${GS_SHARED:-$top/../shared}
world=$shared/testdata/world.mmdb
wm=$shared/realworld/wikimedia
SECS=${SECS:-5}
N1=${N1:-1000}
N2=${N2:-5000}
ZONE_SIZES=${ZONE_SIZES:-100000 1000000}
PARTS=${PARTS:-queries load}
LOAD_RUNS=${LOAD_RUNS:-3}
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
py=/usr/bin/python3
tools=$top/bench/bench_tools.py

need=()
command -v gdnsd >/dev/null || need+=(gdnsd)
command -v nsd >/dev/null || [ -x /usr/sbin/nsd ] || need+=(nsd)
command -v dnsperf >/dev/null || need+=(dnsperf)
command -v valgrind >/dev/null || need+=(valgrind)
command -v dig >/dev/null || need+=(bind9-dnsutils)
"$py" -c 'import dns.message' 2>/dev/null || need+=(python3-dnspython)
perl -MMaxMind::DB::Reader -e 1 2>/dev/null || need+=(libmaxmind-db-reader-perl)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench.sh: missing ${need[*]}: apt-get install them (or run as root)" >&2
		exit 2
	fi
	apt-get install -y -q "${need[@]}" >/dev/null
fi
nsd=$(command -v nsd || echo /usr/sbin/nsd)
[ -x "$geosteerd" ] || { echo "bench.sh: $geosteerd is missing (make -C $build)" >&2; exit 2; }
[ -x "$reflector" ] || make -s -C "$build" bench/reflector >/dev/null ||
	{ echo "bench.sh: cannot build $reflector" >&2; exit 2; }
steer=1
[ -e "$world" ] && [ -e "$wm/geo-maps" ] || steer=
pin_srv=() pin_cli=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	pin_srv=(taskset -c 1) pin_cli=(taskset -c 0)
fi

work=$(mktemp -d /tmp/gs-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
	echo "bench.sh: $*" >&2
	exit 1
}
t_start=$SECONDS

port=$((20000 + RANDOM % 20000))
port_gs=$port port_gd=$((port + 1)) port_nsd=$((port + 2)) port_rf=$((port + 3))

# ------------------------------------------------------------------ configuration
# The same zones for every server: geo.example (static) and wikimedia.test, whose
# text-addrs and text-next are steered by Wikimedia's gdnsd maps (geosteer: their
# translation by tools/gdnsd-map-convert).
static_zone=$top/examples/zones/geo.example.zone
gs=$work/gs gd=$work/gd ns=$work/nsd
mkdir -p "$gs" "$gd/zones" "$gd/run" "$gd/state" "$gd/geoip" "$ns"
cp "$static_zone" "$gs/geo.example.zone"
cp "$static_zone" "$gd/zones/geo.example"
cp "$static_zone" "$ns/geo.example.zone"
gd_plugins=
if [ -n "$steer" ]; then
	cp "$wm/geo-maps" "$wm/geo-resources" "$gd/"
	ln -s "$world" "$gd/geoip/GeoIP2-City.mmdb" # the name geo-maps asks for
	gd_plugins="plugins => { geoip => { undefined_datacenters_ok = true,
  maps => { \$include{geo-maps} }, resources => { \$include{geo-resources} } } }"
	cat >"$gd/zones/wikimedia.test" <<'Z'
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
  IN NS ns1
ns1 IN A 192.0.2.53
text-addrs 180 IN DYNA geoip!text-addrs
text-next 180 IN DYNA geoip!text-next
Z
	"$py" "$top/tools/gdnsd-map-convert" --config "$wm/config" --database "$world" \
		--zone wikimedia.test --zone-file "$gs/wikimedia.test.zone" --ttl 180 \
		-o "$gs/maps.yaml" 2>"$work/convert.log" || fail "gdnsd-map-convert failed"
fi
gs_config() { # PORT EXTRA_ZONE_LINES...: geosteer.yaml on stdout
	local p=$1
	shift
	echo "listen: [\"127.0.0.1:$p\"]"
	echo "threads: 1"
	echo "control: $gs/control.$p.sock"
	if [ -n "$steer" ]; then
		sed -n '1,/^zones:/p' "$gs/maps.yaml"
	else
		echo "zones:"
	fi
	printf '  - name: geo.example.\n    file: %s\n' "$gs/geo.example.zone"
	for z in "$@"; do printf '%s\n' "$z"; done
	[ -n "$steer" ] && sed -n '/^zones:/,$p' "$gs/maps.yaml" | sed 1d
	return 0
}
gs_config "$port_gs" >"$gs/geosteer.yaml"
cat >"$gd/config" <<C
options => {
  listen => [ 127.0.0.1 ]
  dns_port => $port_gd
  udp_threads => 1
  tcp_threads => 1
  run_dir => $gd/run
  state_dir => $gd/state
}
$gd_plugins
C
cat >"$ns/nsd.conf" <<C
server:
  ip-address: 127.0.0.1@$port_nsd
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "$ns"
  database: ""
  zonelistfile: "$ns/zone.list"
  xfrdfile: "$ns/xfrd.state"
  xfrdir: "$ns"
  pidfile: "$ns/nsd.pid"
  logfile: "$ns/nsd.log"
  verbosity: 0
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: geo.example
  zonefile: geo.example.zone
C

# ------------------------------------------------------------------ query mixes
# static: positive answers of several types, NXDOMAIN, NODATA, CNAME, referral.
cat >"$work/q.static" <<'Q'
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
echo "mail.geo.example A" >"$work/q.name"
printf 'text-addrs.wikimedia.test A\ntext-next.wikimedia.test A\n' >"$work/q.steer"
n_countries=0
if [ -n "$steer" ]; then
	read -r n_countries subnets < <("$py" "$tools" ecs-queries "$world" "$N1" "$N2" "$work/q.ecs")
fi

wait_port() { # PORT: until an SOA query is answered (bounded: 120 s, for valgrind)
	for _ in $(seq 1 240); do
		dig +time=1 +tries=1 @127.0.0.1 -p "$1" geo.example SOA >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	fail "nothing answers on port $1"
}
start() { # NAME [WRAPPER...]: starts a server on its port, sets $pid
	local name=$1
	shift
	case $name in
	geosteerd) "${pin_srv[@]}" "$@" "$geosteerd" -c "$gs/geosteer.yaml" >"$work/$name.log" 2>&1 & ;;
	gdnsd) "${pin_srv[@]}" "$@" gdnsd -c "$gd" start >"$work/$name.log" 2>&1 & ;;
	nsd) "${pin_srv[@]}" "$@" "$nsd" -d -c "$ns/nsd.conf" >"$work/$name.log" 2>&1 & ;;
	reflector) "${pin_srv[@]}" "$@" "$reflector" 127.0.0.1 "$port_rf" >"$work/$name.log" 2>&1 & ;;
	esac
	pid=$!
	pids+=("$pid")
	wait_port "$(port_of "$name")"
}
stop() { # stops $pid and waits until it has exited (it may not be our child)
	kill -TERM "$pid" 2>/dev/null || return 0
	wait "$pid" 2>/dev/null || true
	for _ in $(seq 1 400); do
		[ -e /proc/"$pid" ] || return 0
		grep -q '^State:.*Z' /proc/"$pid"/status 2>/dev/null && return 0
		sleep 0.05
	done
	fail "process $pid did not stop within 20 s"
}
port_of() {
	case $1 in
	geosteerd) echo "$port_gs" ;; gdnsd) echo "$port_gd" ;; nsd) echo "$port_nsd" ;; reflector) echo "$port_rf" ;;
	esac
}

# ------------------------------------------------------------------ answers first
# Status and answer section (sorted; without TTLs: gdnsd gives the SOA record the
# TTL of its minimum field) of each query, per server; any difference fails.
answers() { # PORT FILE: dig batch output reduced to "status | sorted answer"
	dig +norec +time=2 +tries=1 @127.0.0.1 -p "$1" -f "$2" 2>&1 |
		awk '/^;; ->>HEADER<<-/ { if (n++) print st " |" ans; ans = ""; match($0, /status: [A-Z]+/); st = substr($0, RSTART + 8, RLENGTH - 8); next }
		     /^;; ANSWER SECTION:/ { inans = 1; next }
		     /^$/ { inans = 0; next }
		     inans && !/^;/ { ans = ans " " $1 "/" $4 "/" $5 "=" $6 $7 $8 }
		     END { if (n) print st " |" ans }' | sort
}
sed 's/^/+noedns /' "$work/q.static" >"$work/dig.static"
: >"$work/dig.steer"
if [ -n "$steer" ]; then
	cp "$work/q.steer" "$work/dig.steer"
	for s in $subnets; do
		echo "+subnet=$s text-addrs.wikimedia.test A"
		echo "+subnet=$s text-next.wikimedia.test A"
	done >>"$work/dig.steer"
fi
for name in geosteerd gdnsd nsd; do
	start "$name"
	answers "$(port_of $name)" "$work/dig.static" >"$work/ans.static.$name"
	[ $name = nsd ] || answers "$(port_of $name)" "$work/dig.steer" >"$work/ans.steer.$name"
	stop
done
for name in gdnsd nsd; do
	diff -u "$work/ans.static.geosteerd" "$work/ans.static.$name" >&2 ||
		fail "static answers differ between geosteerd and $name"
done
diff -u "$work/ans.steer.geosteerd" "$work/ans.steer.gdnsd" >&2 ||
	fail "steered answers differ between geosteerd and gdnsd"
grep -q "NOERROR | .*=" "$work/ans.static.geosteerd" || fail "no positive static answer"
n_checked=$(($(wc -l <"$work/dig.static") + $(wc -l <"$work/dig.steer")))
echo "answers checked: $n_checked queries, geosteerd = gdnsd (= NSD for static)" >&2

# ------------------------------------------------------------------ instructions
declare -A R
mixes=(name static)
[ -n "$steer" ] && mixes+=(steer ecs)
# ir_phase NAME MIX RATE PART: zeroes the counters, sends the mix's N1 (PART 1) or N2
# (PART 2) queries, dumps; prints "instructions answered".
ir_phase() {
	local name=$1 mix=$2 rate=$3 part=$4 args=()
	local count=$N1
	[ "$part" = 2 ] && count=$N2
	if [ "$mix" = ecs ]; then
		args=(-B -d "$work/q.ecs.$part" -n 1)
	else
		local lines
		lines=$(wc -l <"$work/q.$mix")
		args=(-d "$work/q.$mix" -n $(((count + lines - 1) / lines)))
	fi
	case $rate in
	4000) args+=(-Q 4000 -q 50) ;;
	full) args+=(-q 200) ;;
	esac
	callgrind_control -z "$pid" >/dev/null 2>&1
	"${pin_cli[@]}" dnsperf -s 127.0.0.1 -p "$(port_of "$name")" "${args[@]}" -t 5 >"$work/dp.out" 2>&1
	callgrind_control -d "$pid" >/dev/null 2>&1
	local f
	f=$(ls -t "$work"/cg.$name.* | head -1)
	echo "$(awk '/^totals:/ {print $2; exit}' "$f") $(awk '/Queries completed/ {print $3}' "$work/dp.out")"
}
for name in ${SERVERS:-geosteerd gdnsd reflector}; do
	want queries || break
	start "$name" valgrind --tool=callgrind --callgrind-out-file="$work/cg.$name.%p" --compress-strings=no \
		--trace-children=no
	name_mixes=("${mixes[@]}")
	[ "$name" = reflector ] && name_mixes=(name) # the same for every question
	for mix in "${name_mixes[@]}"; do
		for rate in 4000 full; do
			read -r ir_a q_a < <(ir_phase "$name" "$mix" "$rate" 1)
			read -r ir_b q_b < <(ir_phase "$name" "$mix" "$rate" 2)
			[ "${q_b:-0}" -gt "${q_a:-0}" ] || fail "$name $mix $rate: no queries answered"
			R[ir.$name.$mix.$rate]=$(((ir_b - ir_a) / (q_b - q_a)))
			echo "  $name $mix $rate: ${R[ir.$name.$mix.$rate]} instructions per query" >&2
		done
	done
	stop
done

# ------------------------------------------------------------------ throughput
[ "${ONLY:-}" = ir ] && ZONE_SIZES=
for name in geosteerd gdnsd nsd reflector; do
	want queries || break
	[ "${ONLY:-}" = ir ] && break
	start "$name"
	"${pin_cli[@]}" dnsperf -s 127.0.0.1 -p "$(port_of $name)" -d "$work/q.static" -l "$SECS" \
		-c 4 -q 200 >"$work/udp.$name" 2>&1
	R[udp.$name]=$(awk '/Queries per second/ {print int($4)}' "$work/udp.$name")
	if [ $name = reflector ]; then # UDP only
		stop
		echo "  $name: UDP ${R[udp.$name]} q/s" >&2
		continue
	fi
	"${pin_cli[@]}" dnsperf -m tcp -s 127.0.0.1 -p "$(port_of $name)" -d "$work/q.static" \
		-l "$SECS" -c 20 -q 200 >"$work/tcp.$name" 2>&1
	stop
	R[tcp.$name]=$(awk '/Queries per second/ {print int($4)}' "$work/tcp.$name")
	R[tcplost.$name]=$(awk '/Queries lost/ {print $3}' "$work/tcp.$name")
	echo "  $name: UDP ${R[udp.$name]} q/s, TCP ${R[tcp.$name]} q/s (${R[tcplost.$name]} lost)" >&2
done

# ------------------------------------------------------------------ loading
# --check (wall and CPU), start to first answer and RSS, for each zone size. The zone
# is bench.example, served beside the others (geosteer: with the steering config).
cpu_time() { # CMD...: runs it, prints "wall cpu" seconds
	/usr/bin/time -f "%e %U %S" -o "$work/time.out" "$@" >/dev/null 2>"$work/time.err" ||
		{ cat "$work/time.err" >&2; fail "$1 failed on the zone"; }
	awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$work/time.out"
}
best() { # VALUES...: the smallest
	printf '%s\n' "$@" | sort -g | head -1
}
# The configuration alone (the small zones, and with steering the maps compiled
# against the world database): --check CPU, best of LOAD_RUNS.
if want load && [ -n "$ZONE_SIZES" ]; then
	declare -A cruns=()
	for _ in $(seq 1 "$LOAD_RUNS"); do
		read -r _ c < <(cpu_time "$geosteerd" -c "$gs/geosteer.yaml" --check)
		cruns[geosteerd]+=" $c"
		read -r _ c < <(cpu_time gdnsd -c "$gd" checkconf)
		cruns[gdnsd]+=" $c"
	done
	# shellcheck disable=SC2086
	R[config.geosteerd]=$(best ${cruns[geosteerd]})
	# shellcheck disable=SC2086
	R[config.gdnsd]=$(best ${cruns[gdnsd]})
	echo "  configuration alone: --check CPU ${R[config.geosteerd]} / ${R[config.gdnsd]} s" \
		"(geosteerd's own split: $("$geosteerd" -c "$gs/geosteer.yaml" --check 2>&1 | grep -o '(zone files.*)'))" >&2
fi
for size in $ZONE_SIZES; do
	want load || break
	sh "$top/scripts/gen-zone.sh" "$size" bench.example. >"$work/bench.zone"
	cp "$work/bench.zone" "$gd/zones/bench.example"
	gs_config "$port_gs" "  - name: bench.example." "    file: $work/bench.zone" >"$gs/geosteer.yaml"
	declare -A runs=()
	for _ in $(seq 1 "$LOAD_RUNS"); do
		for name in geosteerd gdnsd; do
			case $name in
			geosteerd)
				check=("$geosteerd" -c "$gs/geosteer.yaml" --check)
				cmd=("$geosteerd" -c "$gs/geosteer.yaml") ;;
			gdnsd)
				check=(gdnsd -c "$gd" checkconf)
				cmd=(gdnsd -c "$gd" start) ;;
			esac
			read -r w c < <(cpu_time "${check[@]}")
			runs[cw.$name]+=" $w" runs[cc.$name]+=" $c"
			read -r secs rss pid < <("$py" "$tools" first-answer "$(port_of $name)" bench.example. \
				"$work/$name.load.log" "${pin_srv[@]}" "${cmd[@]}") || fail "$name did not start"
			pids+=("$pid")
			stop
			runs[first.$name]+=" $secs" runs[rss.$name]+=" $rss"
		done
	done
	for name in geosteerd gdnsd; do
		# shellcheck disable=SC2086
		R[check.$name.$size]="$(best ${runs[cw.$name]}) $(best ${runs[cc.$name]})"
		# shellcheck disable=SC2086
		R[first.$name.$size]=$(best ${runs[first.$name]})
		# shellcheck disable=SC2086
		R[rss.$name.$size]=$(best ${runs[rss.$name]})
	done
	echo "  $size records: --check (wall CPU) ${R[check.geosteerd.$size]} / ${R[check.gdnsd.$size]}," \
		"first answer ${R[first.geosteerd.$size]} / ${R[first.gdnsd.$size]} s" \
		"(runs: geosteerd CPU${runs[cc.geosteerd]}, gdnsd CPU${runs[cc.gdnsd]};" \
		"first answer geosteerd${runs[first.geosteerd]}, gdnsd${runs[first.gdnsd]})" >&2
	rm -f "$gd/zones/bench.example"
done
gs_config "$port_gs" >"$gs/geosteer.yaml"

# ------------------------------------------------------------------ table
set +u # rows left out by ONLY or SERVERS print empty
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "geosteer bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average" \
	"$(cut -d' ' -f1-3 /proc/loadavg), geosteerd $("$geosteerd" -V | cut -d' ' -f2)," \
	"$(gdnsd -V 2>&1 | grep -o 'gdnsd version [^ ]*' | head -1), $("$nsd" -v 2>&1 | head -1)"
echo "one worker thread each; $n_checked answers checked equal first; ECS subnets from" \
	"$n_countries countries; N1=$N1 N2=$N2, SECS=$SECS"
echo
printf '| %-56s | %12s | %12s | %8s | %12s | %10s |\n' measure geosteerd gdnsd ratio NSD floor
printf '| %-56s | %12s | %12s | %8s | %12s | %10s |\n' --- ---: ---: ---: ---: ---:
row() { # LABEL GS GD [NSD [FLOOR]]
	printf '| %-56s | %12s | %12s | %8s | %12s | %10s |\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" \
		"${4:--}" "${5:--}"
}
for mix in "${mixes[@]}"; do
	want queries || break
	case $mix in name) l="one static name" ;; static) l="static mix" ;; steer) l="steered, no ECS" ;; ecs) l="steered, ECS per query" ;; esac
	row "instructions/query, $l, 4,000 q/s" "${R[ir.geosteerd.$mix.4000]}" "${R[ir.gdnsd.$mix.4000]}" - \
		"${R[ir.reflector.name.4000]}"
	row "instructions/query, $l, full rate" "${R[ir.geosteerd.$mix.full]}" "${R[ir.gdnsd.$mix.full]}" - \
		"${R[ir.reflector.name.full]}"
done
if want queries; then
	row "UDP queries/s, static, full rate" "${R[udp.geosteerd]}" "${R[udp.gdnsd]}" "${R[udp.nsd]}" \
		"${R[udp.reflector]}"
	row "TCP queries/s, static, 20 conns x 200 pipelined" "${R[tcp.geosteerd]}" "${R[tcp.gdnsd]}" "${R[tcp.nsd]}"
fi
if want load && [ -n "$ZONE_SIZES" ]; then
	l="configuration alone"
	[ -n "$steer" ] && l="configuration and world.mmdb alone"
	row "$l: --check CPU, s" "${R[config.geosteerd]}" "${R[config.gdnsd]}"
fi
for size in $ZONE_SIZES; do
	want load || break
	read -r gw gc <<<"${R[check.geosteerd.$size]}"
	read -r dw dc <<<"${R[check.gdnsd.$size]}"
	row "$size records: --check wall, s" "$gw" "$dw"
	row "$size records: --check CPU, s" "$gc" "$dc"
	row "$size records: start to first answer, s" "${R[first.geosteerd.$size]}" "${R[first.gdnsd.$size]}"
	row "$size records: RSS serving, MiB" "$((R[rss.geosteerd.$size] / 1024))" "$((R[rss.gdnsd.$size] / 1024))"
done
set -- $ZONE_SIZES
if [ $# -ge 2 ] && want load; then
	per() { echo $(((R[rss.$1.$3] - R[rss.$1.$2]) * 1024 / ($3 - $2))); }
	row "RSS per record ($1 to $2), bytes" "$(per geosteerd "$1" "$2")" "$(per gdnsd "$1" "$2")"
fi
echo
echo "($((SECONDS - t_start)) s in all)"
