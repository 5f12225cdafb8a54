#!/bin/bash
# SPDX-License-Identifier: MIT
# metrics.sh -- the `metrics:` endpoint (docs/metrics.md): GET /metrics answers 200
# with the Prometheus text format 0.0.4, checked line by line by a strict parser of
# our own (HELP and TYPE once per family and before its samples, samples of a family
# together, names and label names valid, label values escaped, counters ending in
# _total, no series twice, every value a number); the query counters move by exactly
# the queries sent (by transport and by RCODE); zones and serials, health states and
# datacenter forces, reload counters; the standard process_* metrics (memory, fds,
# CPU, start time) and how long the serving data's load took (in /metrics, in
# `status` and its JSON, and in the reload's own summary, all one number); promtool
# check metrics when installed; 404, 405, 505, 431, HEAD; a client that
# connects and says nothing does not block a scrape and is answered 408 after the
# timeout; connections over the cap get 503 at once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

command -v curl >/dev/null || fatal "curl not found: apt-get install curl"

# The strict exposition parser (prom-check.py): "ERROR: ..." lines for every problem,
# else one "SERIES VALUE" line per sample.
PROM_CHECK="$top_srcdir/tests/system/prom-check.py"

# scrape: GET /metrics; sets M_CODE, M_TYPE (Content-Type), M_BODY, M_PARSED (the
# parser's output).
scrape() {
	M_CODE=$(curl -sS --max-time 5 -o "$T/m.body" -D "$T/m.head" -w '%{http_code}' \
		"http://127.0.0.1:$MPORT/metrics")
	M_TYPE=$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$T/m.head" | tr -d '\r')
	M_BODY=$(<"$T/m.body")
	M_PARSED=$("$PY" "$PROM_CHECK" <"$T/m.body")
}
# val SERIES: the value of SERIES (as written: 'geosteer_x{a="b"}') in the last scrape.
val() {
	local l
	while IFS= read -r l; do
		if [ "${l% *}" = "$1" ]; then
			echo "${l##* }"
			return
		fi
	done <<<"$M_PARSED"
	echo missing
}
# is_num VALUE: VALUE is a plain decimal number (not "missing").
is_num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
# expect_num DESC AWK-CONDITION NAME=VALUE...: every VALUE is a number and the
# condition over the NAMEs holds.
expect_num() {
	local desc=$1 cond=$2 kv args=()
	shift 2
	for kv in "$@"; do
		if ! is_num "${kv#*=}"; then
			fail "$desc: ${kv%%=*} is '${kv#*=}', not a number"
			return
		fi
		args+=(-v "$kv")
	done
	if awk "${args[@]}" "BEGIN { exit !($cond) }"; then
		ok "$desc ($*)"
	else
		fail "$desc: not $cond with $*"
	fi
}
# load_time_agrees WHEN: the serving data's load time in /metrics (a fresh scrape)
# is the one `status` shows, in its text and its JSON form; sets LOAD_TEXT (the text
# form's total, "0.004").
load_time_agrees() {
	scrape
	local total zf st
	total=$(val geosteer_snapshot_load_duration_seconds)
	zf=$(val 'geosteer_snapshot_load_phase_duration_seconds{phase="zone_files"}')
	st=$(val 'geosteer_snapshot_load_phase_duration_seconds{phase="steering"}')
	expect_num "$1: load duration above 0" "t > 0 && t < 60" t="$total"
	expect_num "$1: zone files and steering within the total" \
		"z >= 0 && s >= 0 && z + s <= t + 0.000002" z="$zf" s="$st" t="$total"
	ctl status
	expect_rc 0
	LOAD_TEXT=$(sed -n 's/^load_time: *\([0-9.]*\) s (zone files [0-9.]* s, steering [0-9.]* s)$/\1/p' <<<"$C_OUT")
	expect_eq "$1: status's load_time line, as /metrics rounded" \
		"$(printf '%.3f s (zone files %.3f s, steering %.3f s)' "$total" "$zf" "$st")" \
		"$(sed -n 's/^load_time: *//p' <<<"$C_OUT")"
	ctl status --json
	expect_rc 0
	expect_eq "$1: status --json load_time, as /metrics says" "$total $zf $st" \
		"$("$PY" -c 'import json, sys
l = json.loads(sys.stdin.read())["load_time"]
print(" ".join("%.6f" % l[k] for k in ("seconds", "zone_files_seconds", "steering_seconds")))' <<<"$C_OUT")"
}
# http_code METHOD PATH [CURL-ARGS]: the status code of one request.
http_code() {
	curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X "$1" "${@:3}" \
		"http://127.0.0.1:$MPORT$2"
}
# raw_http PYTHON-BYTES: sends the bytes on a new connection and prints the first
# line of the response (read until the server closes, at most 10 s).
raw_http() {
	"$PY" - "$MPORT" "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(eval(sys.argv[2]))  # the test's own expression
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except (socket.timeout, ConnectionResetError):
    pass
print(out.split(b"\r\n", 1)[0].decode("latin-1"))
EOF
}

MPORT=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
be_start us
be_start eu
gs_start < <(
	echo "metrics: 127.0.0.1:$MPORT"
	steer_yaml web <<<"  web: {type: tcp, port: $BE_PORT, interval: 500ms, timeout: 400ms, rise: 1, fall: 1}"
)

section "format"
scrape
expect_eq "GET /metrics status" 200 "$M_CODE"
expect_eq "Content-Type" "text/plain; version=0.0.4; charset=utf-8" "$M_TYPE"
if grep_lines '^ERROR' "$M_PARSED" || [ -z "$M_PARSED" ]; then
	fail "the exposition does not parse strictly:"
	printf '%s\n' "$M_PARSED" | sed 's/^/    | /'
else
	ok "the exposition parses strictly ($(wc -l <<<"$M_PARSED") samples)"
fi
# The simple rule of the brief too: every line a comment or NAME{LABELS} VALUE.
bad=$(grep -Ev '^(# .*|[a-z_:][a-z0-9_:]*(\{[^}]*\})? [0-9.e+-]+)$' "$T/m.body" | head -3)
expect_eq "lines that are neither a comment nor a sample" "" "$bad"
for fam in geosteer_queries_total geosteer_responses_total geosteer_queries_dropped_total \
	geosteer_responses_truncated_total geosteer_queries_edns_total geosteer_queries_ecs_total \
	geosteer_tcp_connections geosteer_snapshot_generation geosteer_reloads_total \
	geosteer_reload_last_success_timestamp_seconds geosteer_zone_serial geosteer_health_up \
	geosteer_datacenter_forced geosteer_uptime_seconds geosteer_process_start_time_seconds; do
	if grep -q "^# TYPE $fam " "$T/m.body"; then ok "family $fam"; else fail "family $fam missing"; fi
done
expect_eq "zone serial of a.test." 2024010101 "$(val 'geosteer_zone_serial{zone="a.test."}')"
expect_eq "zone serial of geo.test." 2024060101 "$(val 'geosteer_zone_serial{zone="geo.test."}')"
expect_eq "generation" 1 "$(val geosteer_snapshot_generation)"
start=$(val geosteer_process_start_time_seconds)
now=$(date +%s)
if [ "$start" != missing ] && [ "$start" -le "$now" ] && [ "$start" -gt $((now - 120)) ]; then
	ok "process start time $start is within the last two minutes"
else
	fail "process start time '$start', now $now"
fi

section "process metrics"
for fam in process_cpu_seconds_total process_resident_memory_bytes \
	process_virtual_memory_bytes process_open_fds process_max_fds process_start_time_seconds \
	geosteer_snapshot_load_duration_seconds geosteer_snapshot_load_phase_duration_seconds; do
	if grep -q "^# TYPE $fam " "$T/m.body"; then ok "family $fam"; else fail "family $fam missing"; fi
done
rss=$(val process_resident_memory_bytes)
vsz=$(val process_virtual_memory_bytes)
fds=$(val process_open_fds)
maxfds=$(val process_max_fds)
cpu0=$(val process_cpu_seconds_total)
pstart=$(val process_start_time_seconds)
expect_num "resident memory above 1 MB" "r > 1048576" r="$rss"
expect_num "virtual memory at least the resident" "v >= r" v="$vsz" r="$rss"
# What the kernel says of the same process, read here: ps's RSS is in kB.
expect_num "resident memory within 3x of ps's" "r > k * 1024 / 3 && r < k * 1024 * 3" \
	r="$rss" k="$(ps -o rss= -p "$GS_PID" | tr -d ' ')"
expect_num "open fds at least 3, under the limit" "f >= 3 && f < m" f="$fds" m="$maxfds"
expect_num "the fd limit is the daemon's own soft limit" "m == l" m="$maxfds" \
	l="$(awk '/^Max open files/ { print $4 }' "/proc/$GS_PID/limits")"
expect_num "CPU time not negative" "c >= 0" c="$cpu0"
expect_num "process start time within the last hour" "s <= n + 1 && s > n - 3600" \
	s="$pstart" n="$(date +%s)"
expect_num "process start time near geosteer_process_start_time_seconds" \
	"s - g < 60 && g - s < 60" s="$pstart" g="$(val geosteer_process_start_time_seconds)"
# Each scrape opens no descriptor it keeps, and CPU time does not go back.
for i in 1 2 3 4 5; do scrape; done
expect_num "open fds after five more scrapes" "g <= f + 1" g="$(val process_open_fds)" f="$fds"
expect_num "CPU time did not go back" "c >= c0" c="$(val process_cpu_seconds_total)" c0="$cpu0"
load_time_agrees "load at start"
if command -v promtool >/dev/null; then
	if out=$(promtool check metrics <"$T/m.body" 2>&1); then
		ok "promtool check metrics: ${out:-no problems}"
	else
		fail "promtool check metrics:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
else
	echo "SKIP: promtool not found (apt-get install prometheus)"
fi

section "counters move by exactly the queries sent"
scrape
udp0=$(val 'geosteer_queries_total{transport="udp"}')
tcp0=$(val 'geosteer_queries_total{transport="tcp"}')
noerr0=$(val 'geosteer_responses_total{rcode="NOERROR"}')
nx0=$(val 'geosteer_responses_total{rcode="NXDOMAIN"}')
edns0=$(val geosteer_queries_edns_total)
ecs0=$(val geosteer_queries_ecs_total)
for i in $(seq 1 12); do q udp a.test. SOA; done
for i in 1 2 3; do q udp nope.a.test. A; done
for i in 1 2 3 4; do q tcp a.test. SOA; done
q udp www.geo.test. A +subnet=192.0.2.0/24
scrape
expect_eq "udp queries after 16 over UDP" $((udp0 + 16)) "$(val 'geosteer_queries_total{transport="udp"}')"
expect_eq "tcp queries after 4 over TCP" $((tcp0 + 4)) "$(val 'geosteer_queries_total{transport="tcp"}')"
expect_eq "NOERROR responses" $((noerr0 + 17)) "$(val 'geosteer_responses_total{rcode="NOERROR"}')"
expect_eq "NXDOMAIN responses" $((nx0 + 3)) "$(val 'geosteer_responses_total{rcode="NXDOMAIN"}')"
expect_eq "EDNS queries (dig sends OPT)" $((edns0 + 20)) "$(val geosteer_queries_edns_total)"
expect_eq "ECS queries" $((ecs0 + 1)) "$(val geosteer_queries_ecs_total)"
# The control socket's stats sum the same counters.
ctl stats
expect_text out "^udp: $((udp0 + 16))\$"

section "health and forces"
deadline=$((SECONDS + 10))
while :; do
	scrape
	[ "$(val "geosteer_health_up{check=\"web\",address=\"$US\"}")" = 1 ] &&
		[ "$(val "geosteer_health_checks_total{check=\"web\",address=\"$US\"}")" != 0 ] && break
	[ $SECONDS -ge $deadline ] && break
	sleep 0.2
done
expect_eq "health_up of $US (backend up)" 1 "$(val "geosteer_health_up{check=\"web\",address=\"$US\"}")"
be_stop us
deadline=$((SECONDS + 10))
while :; do
	scrape
	[ "$(val "geosteer_health_up{check=\"web\",address=\"$US\"}")" = 0 ] && break
	[ $SECONDS -ge $deadline ] && break
	sleep 0.2
done
expect_eq "health_up of $US (backend stopped)" 0 "$(val "geosteer_health_up{check=\"web\",address=\"$US\"}")"
expect_eq "health_up of $EU" 1 "$(val "geosteer_health_up{check=\"web\",address=\"$EU\"}")"
expect_eq "eu-central not forced down" 0 "$(val 'geosteer_datacenter_forced{datacenter="eu-central",state="down"}')"
ctl force eu-central down
expect_rc 0
ctl force "$EU" up
expect_rc 0
scrape
expect_eq "eu-central forced down" 1 "$(val 'geosteer_datacenter_forced{datacenter="eu-central",state="down"}')"
expect_eq "eu-central not forced up" 0 "$(val 'geosteer_datacenter_forced{datacenter="eu-central",state="up"}')"
expect_eq "us-east not forced down" 0 "$(val 'geosteer_datacenter_forced{datacenter="us-east",state="down"}')"
expect_eq "$EU forced up" 1 "$(val "geosteer_address_forced{address=\"$EU\",state=\"up\"}")"
ctl force eu-central auto
ctl force "$EU" auto
scrape
expect_eq "eu-central back to auto" 0 "$(val 'geosteer_datacenter_forced{datacenter="eu-central",state="down"}')"
expect_eq "no address force left" missing "$(val "geosteer_address_forced{address=\"$EU\",state=\"up\"}")"

section "reloads"
ok0=$(val 'geosteer_reloads_total{result="ok"}')
sed -i 's/2024060101/2024060102/' "$T/geo.test.zone"
ctl reload
expect_rc 0
reload_out=$C_OUT
scrape
expect_eq "ok reloads" $((ok0 + 1)) "$(val 'geosteer_reloads_total{result="ok"}')"
expect_eq "generation after a reload" 2 "$(val geosteer_snapshot_generation)"
expect_eq "new serial" 2024060102 "$(val 'geosteer_zone_serial{zone="geo.test."}')"
last=$(val geosteer_reload_last_success_timestamp_seconds)
if [ "$last" -ge $(($(date +%s) - 60)) ] 2>/dev/null; then ok "last success timestamp $last"; else fail "last success timestamp '$last'"; fi
load_time_agrees "after a reload"
expect_eq "the reload's summary says the time status shows" "$LOAD_TEXT" \
	"$(sed -n 's/^reloaded .* records in \([0-9.]*\) s.*/\1/p' <<<"$reload_out")"
echo 'broken line here' >>"$T/geo.test.zone"
ctl reload
expect_rc 1
scrape
expect_eq "failed reloads" 1 "$(val 'geosteer_reloads_total{result="failed"}')"
expect_eq "generation kept after a failed reload" 2 "$(val geosteer_snapshot_generation)"
if [ "$(val geosteer_reload_last_failure_timestamp_seconds)" != 0 ]; then ok "last failure timestamp set"; else fail "last failure timestamp is 0"; fi

section "HTTP"
expect_eq "GET /other" 404 "$(http_code GET /other)"
expect_eq "GET /" 404 "$(http_code GET /)"
expect_eq "POST /metrics" 405 "$(http_code POST /metrics)"
expect_eq "PUT /metrics" 405 "$(http_code PUT /metrics)"
expect_eq "GET /metrics?x=1 (query string ignored)" 200 "$(http_code GET '/metrics?x=1')"
expect_eq "HEAD /metrics" 200 "$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$MPORT/metrics")"
expect_eq "HTTP/1.0" "HTTP/1.1 200 OK" "$(raw_http "b'GET /metrics HTTP/1.0\\r\\n\\r\\n'")"
expect_eq "405 over raw HTTP" "HTTP/1.1 405 Method Not Allowed" "$(raw_http "b'DELETE /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'")"
expect_eq "HTTP/2.0 request line" "HTTP/1.1 505 HTTP Version Not Supported" "$(raw_http "b'GET /metrics HTTP/2.0\\r\\n\\r\\n'")"
expect_eq "junk request line" "HTTP/1.1 400 Bad Request" "$(raw_http "b'hello\\r\\n\\r\\n'")"
expect_eq "headers over 4 kB" "HTTP/1.1 431 Request Header Fields Too Large" \
	"$(raw_http "b'GET /metrics HTTP/1.1\\r\\nX: ' + b'a' * 5000 + b'\\r\\n\\r\\n'")"
expect_eq "a NUL byte" "HTTP/1.1 400 Bad Request" "$(raw_http "b'GET /metrics\\x00 HTTP/1.1\\r\\n\\r\\n'")"

section "a silent client does not block a scrape; it is timed out"
"$PY" - "$MPORT" "$T/silent.ready" >"$T/silent.out" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
t0 = time.monotonic()
open(sys.argv[2], "w").close()
out = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
except socket.timeout:
    pass
print("%.1f %s" % (time.monotonic() - t0, out.split(b"\r\n", 1)[0].decode("latin-1")))
EOF
silent=$!
# Only once the silent client is connected: the accept queue is first in, first out, so
# the daemon takes it before the scrape below. Bounded: 20 s.
wait_until 20 test -e "$T/silent.ready" ||
	fail "the silent client did not connect: $(cat "$T/silent.out")"
t0=$(now_ms)
scrape
t1=$(now_ms)
expect_eq "scrape while a client says nothing" 200 "$M_CODE"
if [ $((t1 - t0)) -lt 2000 ]; then ok "that scrape took $((t1 - t0)) ms"; else fail "that scrape took $((t1 - t0)) ms"; fi
wait "$silent"
read -r secs line <"$T/silent.out"
expect_eq "the silent client's answer" "HTTP/1.1 408 Request Timeout" "$line"
if [[ $secs =~ ^[0-9]+\.[0-9]$ ]] && [ "${secs%.*}" -ge 4 ] && [ "${secs%.*}" -lt 8 ]; then
	ok "timed out after $secs s (limit 5 s)"
else
	fail "the silent client was closed after '$secs' s, expected about 5"
fi

section "connections over the cap get 503 at once"
out=$("$PY" - "$MPORT" <<'EOF'
import socket, sys
port = int(sys.argv[1])
# The accept queue is first in, first out: the daemon takes the 16 held connections
# before the 17th, whenever it gets to them.
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(16)]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
first = s.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
for h in held:
    h.close()
print(first)
EOF
)
expect_eq "17th connection" "HTTP/1.1 503 Service Unavailable" "$out"
# The daemon sees the closes when it gets to them: scrape until 200, bounded.
scrape_ok() {
	scrape
	[ "$M_CODE" = 200 ]
}
wait_until 10 scrape_ok
expect_eq "scrape after the held connections are gone" 200 "$M_CODE"
section "a request whose blank line arrives in pieces"
# Each piece is sent once the daemon has had time to read the one before (it answers
# nothing until the headers end, so the client cannot see that): the end of the
# headers must be found across reads, "\n\r" then "\n" included. Before the fix the
# answer was 408 after the 5 s read timeout.
out=$("$PY" - "$MPORT" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for piece in (b"GET /metrics HTTP/1.1\r\nHost: x\r\n", b"\r", b"\n"):
    s.sendall(piece)
    time.sleep(0.2)
print(s.recv(4096).split(b"\r\n", 1)[0].decode("latin-1"))
EOF
)
expect_eq "split blank line" "HTTP/1.1 200 OK" "$out"
gs_alive "the metrics checks"

finish
