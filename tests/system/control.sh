#!/bin/bash
# SPDX-License-Identifier: MIT
# control.sh -- the control socket (docs/control.md): the line protocol spoken raw
# (help, unknown commands, bad arguments, empty, over-long (answered without a reset,
# even at 100 KB), control characters, NUL,
# too many words, CRLF, end of input without a newline, a client that sends nothing
# is timed out while others are served), the commands through geosteerctl (status,
# stats counting real queries), reload with a broken zone and a broken configuration
# (FILE:LINE reported, the old data keeps serving), a good reload and one by SIGHUP,
# settings that need a restart, and the socket's life: mode 0660, a second daemon on
# the same socket refused, a stale socket file replaced, a missing folder created,
# a file that is not a socket left alone, the socket removed at exit.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

# raw_ctl SOCKET PYTHON-BYTES [shut]: sends the bytes (a Python bytes expression) on a new
# connection (then shuts down writing when "shut" is given) and reads the response
# until the server closes, at most 10 s. Sets RAW (the response).
raw_ctl() {
	RAW=$("$PY" - "$1" "$2" "${3:-}" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(eval(sys.argv[2]))  # the test's own expression
if sys.argv[3] == "shut":
    s.shutdown(socket.SHUT_WR)
out = b""
while True:
    try:
        b = s.recv(65536)
    except (socket.timeout, ConnectionResetError):
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode("utf-8", "replace"))
EOF
)
	LAST_CMD="raw control request $2"
}
# expect_raw ERE: the raw response has a line matching ERE.
expect_raw() {
	if grep_lines "$1" "$RAW"; then
		ok "$LAST_CMD: response has /$1/"
	else
		fail "$LAST_CMD: expected /$1/ in the response, got:"
		printf '%s\n' "$RAW" | sed 's/^/    | /'
	fi
}
# expect_raw_last ERE: the last line (the status line) matches.
expect_raw_last() {
	local last=${RAW%$'\n'}
	last=${last##*$'\n'}
	if [[ $last =~ $1 ]]; then
		ok "$LAST_CMD: status line '$last'"
	else
		fail "$LAST_CMD: expected a status line matching /$1/, got:"
		printf '%s\n' "$RAW" | sed 's/^/    | /'
	fi
}

# `threads: 2` sits in the body so that the restart-only warning can be provoked.
be_start us
be_start eu
gs_start < <(
	echo "threads: 2"
	steer_yaml web <<<"  web: {type: tcp, port: $BE_PORT, interval: 1s, timeout: 500ms}"
)
S="$T/control.sock"

section "the socket"
expect_eq "socket mode" 660 "$(stat -c %a "$S")"
expect_eq "socket type" socket "$(stat -c %F "$S")"

section "raw protocol"
raw_ctl "$S" "b'help\\n'"
expect_raw '^\. status \[--json\] +version'
expect_raw '^\. force DC\|ADDRESS up\|down\|auto'
expect_raw_last '^OK$'
# Every line before the status line is a data line.
bad=$(printf '%s\n' "$RAW" | sed '$d' | grep -cv '^\.\( \|$\)')
expect_eq "help: lines that are not data lines before the status" 0 "$bad"
raw_ctl "$S" "b'frobnicate now\\n'"
expect_raw_last "^ERR unknown command 'frobnicate' \(commands: "
raw_ctl "$S" "b'force us-east\\n'"
expect_raw_last '^ERR force: expected at least 2 arguments, got 1 \(usage: force DC\|ADDRESS up\|down\|auto \[for=SECONDS\] \[reason=TEXT\]\)$'
raw_ctl "$S" "b'force us-east down for=soon\\n'"
expect_raw_last "^ERR force: 'soon' is not a number of seconds from 1 to [0-9]+$"
raw_ctl "$S" "b'force us-east down reason=bad%zz\\n'"
expect_raw_last '^ERR force: bad reason= \(percent-encoded text of at most 199 bytes\)$'
raw_ctl "$S" "b'force us-east down until=5\\n'"
expect_raw_last "^ERR force: unknown option 'until=5' \(expected for=SECONDS or reason=TEXT\)$"
raw_ctl "$S" "b'force us-east down reason=%0a\\n'"
expect_raw_last '^ERR force: the reason holds a control character$'
raw_ctl "$S" "b'force us-east sideways\\n'"
expect_raw_last "^ERR force: 'sideways' is not up, down or auto$"
raw_ctl "$S" "b'status now\\n'"
expect_raw_last "^ERR status: unknown option 'now' \(only --json\)"
raw_ctl "$S" "b'\\n'"
expect_raw_last '^ERR empty request'
raw_ctl "$S" "b'  \\t \\r\\n'"
expect_raw_last '^ERR empty request'
raw_ctl "$S" "b'status\\x01\\n'"
expect_raw_last '^ERR the request holds a control character$'
raw_ctl "$S" "b'status\\x00 x\\n'"
expect_raw_last '^ERR the request holds a NUL byte$'
raw_ctl "$S" "b'a ' * 17 + b'\\n'"
expect_raw_last '^ERR too many words in the request \(at most 16\)$'
raw_ctl "$S" "b'x' * 5000"
expect_raw_last '^ERR line too long \(max 1023 bytes\)$'

section "an over-long line is read to its end, answered, and closed without a reset"
# long_line BYTES END: sends BYTES bytes of one line, then END (nl: a newline; shut: the
# end of input), then reads to the end; prints the status line, or how it failed.
long_line() {
	"$PY" - "$S" "$1" "$2" <<'EOF2'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
try:
    s.sendall(b"status " + b"x" * int(sys.argv[2]) + (b"\n" if sys.argv[3] == "nl" else b""))
    if sys.argv[3] == "shut":
        s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError as e:
    print("client error: %s" % e)
    sys.exit(0)
print(out.decode("utf-8", "replace").strip())
EOF2
}
for case in "100000 nl" "300000 shut" "1100 nl"; do
	set -- $case
	expect_eq "a line of $1 bytes ending with '$2'" "ERR line too long (max 1023 bytes)" \
		"$(long_line "$1" "$2")"
done
ctl status
expect_rc 0
raw_ctl "$S" "b'stats\\r\\n'"
expect_raw '^\. queries: [0-9]+$'
expect_raw_last '^OK$'
raw_ctl "$S" "b'health'" shut
expect_raw '^\. CHECK +ADDRESS/DC +STATE'
expect_raw_last '^OK$'
# Only the first line counts: one request per connection.
raw_ctl "$S" "b'frobnicate\\nstatus\\n'"
expect_raw_last "^ERR unknown command 'frobnicate'"
n=$(printf '%s\n' "$RAW" | grep -c .)
expect_eq "lines answered to two request lines" 1 "$n"

section "a client that sends nothing is dropped, and does not block others"
"$PY" - "$S" "$T/stuck.ready" >"$T/stuck.out" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(15)
s.connect(sys.argv[1])
t = time.monotonic()
open(sys.argv[2], "w").close()
out = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    out += b
print("%.1f %s" % (time.monotonic() - t, out.decode().strip()))
EOF
STUCK=$!
# Only once the silent client is connected: the socket's backlog is first in, first
# out, so the daemon takes it before the status request below. Bounded: 20 s.
wait_until 20 test -e "$T/stuck.ready" ||
	fail "the silent client did not connect: $(cat "$T/stuck.out")"
t0=$(now_ms)
ctl status
t1=$(now_ms)
expect_rc 0
if [ $((t1 - t0)) -lt 2000 ]; then
	ok "status answered in $((t1 - t0)) ms while a silent client is connected"
else
	fail "status took $((t1 - t0)) ms while a silent client is connected"
fi
wait "$STUCK"
read -r secs msg <"$T/stuck.out"
expect_eq "silent client's answer" "ERR timeout: no complete request line within 5000 ms" "$msg"
case $secs in
4.* | 5.* | 6.*) ok "silent client dropped after ${secs} s (timeout 5 s)" ;;
*) fail "silent client dropped after '${secs}' s, expected about 5 s: $(cat "$T/stuck.out")" ;;
esac

section "status"
"$GSCTL" -c "$CFG" status >"$T/status.out" 2>&1
expect_eq "geosteerctl -c CFG status (socket from control:)" 0 $?
ctl status
expect_rc 0
expect_text out "^version: +geosteerd [0-9]"
expect_text out "^pid: +$GS_PID$"
expect_text out "^uptime: +[0-9]+ s \(started "
expect_text out "^generation: +1 \(loaded "
expect_text out "^workers: +2$"
expect_text out "^zone: +a\.test\. serial 2024010101, [0-9]+ records, "
expect_text out "^zone: +geo\.test\. serial 2024060101, "
expect_text out "^geoip: +none$"
expect_text out "^monitor: +running, 2 monitored addresses$"
expect_text out "^state_file: +$T/state$"

section "stats count real queries"
ctl stats
expect_rc 0
declare -A S0
while IFS=': ' read -r k v; do S0[$k]=$v; done <<<"$C_OUT"
for i in 1 2 3 4 5; do q udp static.geo.test. A; done
q tcp static.geo.test. A
q udp nope.geo.test. A
ctl stats
declare -A S1
while IFS=': ' read -r k v; do S1[$k]=$v; done <<<"$C_OUT"
# The readiness probes and other tests' traffic do not reach this daemon; only ours.
expect_eq "stats: queries counted" 7 $((S1[queries] - S0[queries]))
expect_eq "stats: udp counted" 6 $((S1[udp] - S0[udp]))
expect_eq "stats: tcp counted" 1 $((S1[tcp] - S0[tcp]))
expect_eq "stats: NXDOMAIN counted" 1 $((S1[rcode.NXDOMAIN] - S0[rcode.NXDOMAIN]))
expect_eq "stats: NOERROR counted" 6 $((S1[rcode.NOERROR] - S0[rcode.NOERROR]))

section "reload with a broken zone: FILE:LINE, the old data keeps serving"
cp "$T/geo.test.zone" "$T/geo.test.zone.good"
# Line 7: an address that does not parse.
echo "broken  IN A    300.1.2.3" >>"$T/geo.test.zone"
ctl reload
expect_rc 1
expect_text err "^$T/geo\\.test\\.zone:7: "
expect_text err "reload of .* failed \(1 error\): still serving generation 1"
q udp static.geo.test. A
expect_rr ANSWER '^static\.geo\.test\. 3600 IN A 192\.0\.2\.80$'
expect_answer "$US 60" "steering after the failed reload"
grep -q "geo.test.zone:7: " "$T/gs.log" && ok "the daemon's log has the FILE:LINE too" ||
	fail "the daemon's log lacks geo.test.zone:7"
ctl status
expect_text out "^generation: +1 "
expect_text out "^reloads: +0 ok, 1 failed, last failure "

section "reload with a broken configuration"
cp "$CFG" "$CFG.good"
echo "bogus_key: 1" >>"$CFG"
nl=$(wc -l <"$CFG")
ctl reload
expect_rc 1
expect_text err "^$CFG:$nl: "
q udp static.geo.test. A
expect_rr ANSWER '^static\.geo\.test\. 3600 IN A 192\.0\.2\.80$'
cp "$CFG.good" "$CFG"

section "a good reload"
sed 's/2024060101/2024060102/; s/192\.0\.2\.80/192.0.2.81/' "$T/geo.test.zone.good" >"$T/geo.test.zone"
ctl reload
expect_rc 0
expect_text out "^reloaded $CFG: generation 2, 4 zones, "
q udp static.geo.test. A
expect_rr ANSWER '^static\.geo\.test\. 3600 IN A 192\.0\.2\.81$'
ctl status
expect_text out "^generation: +2 "
expect_text out "^zone: +geo\.test\. serial 2024060102, "
expect_text out "^reloads: +1 ok, 2 failed"
# The monitor carries on with the new health table.
ctl health
expect_text out "^web +$US +up "

section "reload by SIGHUP"
sed 's/2024060101/2024060103/; s/192\.0\.2\.80/192.0.2.82/' "$T/geo.test.zone.good" >"$T/geo.test.zone"
kill -HUP "$GS_PID"
deadline=$((SECONDS + 10))
while :; do
	ctl status
	grep_lines "^generation: +3 " "$C_OUT" && break
	[ $SECONDS -ge $deadline ] && break
	sleep 0.1
done
expect_text out "^generation: +3 "
q udp static.geo.test. A
expect_rr ANSWER '^static\.geo\.test\. 3600 IN A 192\.0\.2\.82$'
grep -q "SIGHUP: reloaded $CFG: generation 3" "$T/gs.log" && ok "SIGHUP reload logged" ||
	fail "no 'SIGHUP: reloaded' line in the log"

section "settings a reload cannot apply are reported"
sed -i 's/^threads: 2$/threads: 3/' "$CFG"
ctl reload
expect_rc 0
expect_text out "^$CFG:[0-9]+: warning: 'threads' changed: a reload does not apply it"
ctl status
expect_text out "^workers: +2$"

section "status names the GeoIP database and its build epoch"
DEMO_MMDB="$top_builddir/examples/demo.mmdb"
if [ -f "$DEMO_MMDB" ]; then
	printf 'geoip:\n  database: %s\n' "$DEMO_MMDB" >>"$CFG"
	ctl reload
	expect_rc 0
	ctl status
	expect_text out "^geoip: +$DEMO_MMDB \\(.*\\), build epoch [0-9]+ \\("
	epoch=0
	[[ $C_OUT =~ build\ epoch\ ([0-9]+) ]] && epoch=${BASH_REMATCH[1]}
	# The writer stamps the time it wrote the file: within a minute of its mtime.
	mtime=$(stat -c %Y "$DEMO_MMDB")
	diff=$((epoch - mtime))
	if [ ${diff#-} -le 60 ]; then
		ok "build epoch $epoch matches the file's mtime $mtime"
	else
		fail "build epoch $epoch is far from the file's mtime $mtime"
	fi
elif [ "${GS_MMDB_WRITER:-}" = no ]; then
	echo "skipped: $DEMO_MMDB is not built (configure found no Perl MaxMind::DB::Writer)"
else
	fail "$DEMO_MMDB is not built (make builds it)"
fi

section "a second daemon on the same control socket is refused"
# run_second NAME CONTROL: a copy of the configuration on another port with control:
# CONTROL, run in the foreground for at most 10 s.
run_second() {
	local port
	port=$("$PY" "$RAWDNS" freeport) || fatal "no free port"
	sed "s|^listen: .*|listen: [\"127.0.0.1:$port\"]|; s|^control: .*|control: $2|" \
		"$CFG" >"$T/$1.yaml"
}
run_second second "$S"
timeout -k 2 10 "$GSD" -c "$T/second.yaml" >"$T/second.log" 2>&1 </dev/null
expect_eq "second daemon's exit status" 1 $?
grep -q "another geosteerd answers on it" "$T/second.log" && ok "second daemon says why" ||
	fail "second daemon's output: $(cat "$T/second.log")"
ctl status
expect_rc 0
expect_text out "^pid: +$GS_PID$"

section "a file that is not a socket is left alone"
echo keep >"$T/plain"
run_second plain "$T/plain"
timeout -k 2 10 "$GSD" -c "$T/plain.yaml" >"$T/plain.log" 2>&1 </dev/null
expect_eq "daemon on a plain file's path: exit status" 1 $?
expect_eq "the plain file" keep "$(cat "$T/plain")"

section "a stale socket is replaced, a missing folder created, the socket removed at exit"
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/stale.sock"
expect_eq "stale socket file exists" socket "$(stat -c %F "$T/stale.sock")"
for case in "stale $T/stale.sock" "newdir $T/new/dir/c.sock"; do
	read -r name sock <<<"$case"
	run_second "$name" "$sock"
	"$GSD" -c "$T/$name.yaml" >"$T/$name.log" 2>&1 </dev/null &
	pid=$!
	deadline=$((SECONDS + 10))
	until "$GSCTL" -s "$sock" status >"$T/$name.status" 2>&1 || [ $SECONDS -ge $deadline ]; do
		sleep 0.1
	done
	if grep -q "^pid: *$pid$" "$T/$name.status"; then
		ok "$name: the daemon serves $sock"
	else
		fail "$name: no status from $sock: $(cat "$T/$name.status" "$T/$name.log")"
	fi
	kill -TERM "$pid"
	wait "$pid"
	expect_eq "$name: exit status after SIGTERM" 0 $?
	[ -e "$sock" ] && fail "$name: $sock is still there after exit" ||
		ok "$name: socket removed at exit"
done
grep -q "removed a stale socket file" "$T/stale.log" && ok "stale socket removal logged" ||
	fail "stale: $(cat "$T/stale.log")"

finish
