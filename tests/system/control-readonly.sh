#!/bin/bash
# SPDX-License-Identifier: MIT
# control-readonly.sh -- the read-only control socket (control_readonly:, docs/control.md):
# created next to the control socket with mode 0660 and its configured group; status,
# health, stats, explain and help answered on it; force and reload refused with a clear
# ERR (and nothing changed); geosteerctl -c FILE -r finds it; the control socket keeps
# every command; both sockets removed at exit; a read-only path equal to the control
# path is a FILE:LINE error.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

# The group the read-only socket gets: one other than the daemon's own when we may give
# it away (root), else our primary group (always allowed).
if [ "$(id -u)" = 0 ] && getent group daemon >/dev/null; then
	GRP=daemon
else
	GRP=$(id -gn)
fi

# raw_req SOCKET LINE: sends LINE and a newline on a new connection, reads the response
# until the server closes (at most 10 s) into RAW.
raw_req() {
	RAW=$(printf '%s\n' "$2" | "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read())
out = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    out += b
sys.stdout.write(out.decode("utf-8", "replace"))' "$1" 2>&1)
}

be_start us
be_start eu
gs_start < <(
	echo "control_readonly: {socket: $T/ro/control-ro.sock, group: $GRP}"
	steer_yaml web <<<"  web: {type: tcp, port: $BE_PORT, interval: 1s, timeout: 500ms}"
)
S="$T/control.sock"
RO="$T/ro/control-ro.sock"

section "the read-only socket"
expect_eq "read-only socket type" socket "$(stat -c %F "$RO" 2>&1)"
expect_eq "read-only socket mode" 660 "$(stat -c %a "$RO" 2>&1)"
expect_eq "read-only socket group" "$GRP" "$(stat -c %G "$RO" 2>&1)"
expect_eq "control socket mode" 660 "$(stat -c %a "$S" 2>&1)"
grep -q "read-only control socket $RO, group $GRP" "$T/gs.log" &&
	ok "the log names the read-only socket and its group" ||
	fail "no 'read-only control socket' line in the log: $(cat "$T/gs.log")"

section "what it answers"
ctl_capture -s "$RO" status
expect_rc 0
expect_text out "^pid: +$GS_PID$"
expect_text out "^generation: +1 "
ctl_capture -s "$RO" health
expect_rc 0
expect_text out "^web +$US +(up|down|unknown)"
ctl_capture -s "$RO" stats
expect_rc 0
expect_text out "^queries: [0-9]+$"
ctl_capture -s "$RO" explain www.geo.test A --client 127.0.0.1
expect_rc 0
expect_text out "^answer: "
ctl_capture -c "$CFG" -r status
expect_rc 0
expect_text out "^pid: +$GS_PID$"

section "what it refuses"
REFUSED="not allowed on the read-only control socket \(it answers status, health, stats, explain and help\); use the control socket $S"
ctl_capture -s "$RO" force us-east down
expect_rc 1
expect_text err "force: $REFUSED"
ctl_capture -c "$CFG" -r reload
expect_rc 1
expect_text err "reload: $REFUSED"
raw_req "$RO" "force us-east down"
[[ $RAW =~ ^ERR\ force:\ not\ allowed\ on\ the\ read-only\ control\ socket ]] &&
	ok "raw force on the read-only socket: $RAW" || fail "raw force on the read-only socket: '$RAW'"
# Nothing was forced and nothing reloaded.
ctl_capture -s "$S" health
expect_no=$(printf '%s\n' "$C_OUT" | grep -c "forced")
expect_eq "forced entries after the refused force" 0 "$expect_no"
ctl_capture -s "$S" status
expect_text out "^generation: +1 "
expect_text out "^reloads: +0 ok, 0 failed"
raw_req "$RO" help
grep_lines '^\. force DC\|ADDRESS up\|down\|auto .*\(not on the read-only socket\)$' "$RAW" &&
	ok "help on the read-only socket marks force" || fail "help on the read-only socket: $RAW"
[[ $RAW =~ (^|$'\n')OK$ ]] && ok "help on the read-only socket: OK" || fail "help: $RAW"
ctl_capture -s "$RO" -r status
expect_rc 2

section "the control socket keeps every command"
ctl_capture -s "$S" force us-east down
expect_rc 0
expect_text out "us-east forced down"
ctl_capture -s "$RO" health
expect_text out "us-east +down \(forced\)"
ctl_capture -s "$S" force us-east auto
expect_rc 0
ctl_capture -s "$S" reload
expect_rc 0
expect_text out "^reloaded $CFG: generation 2"
ctl_capture -s "$RO" status
expect_text out "^generation: +2 "

section "both sockets are removed at exit"
gs_stop
[ -e "$RO" ] && fail "$RO is still there after exit" || ok "read-only socket removed at exit"
[ -e "$S" ] && fail "$S is still there after exit" || ok "control socket removed at exit"

section "the same path twice is an error"
printf 'control: %s/x.sock\ncontrol_readonly: %s/x.sock\nzones: []\n' "$T" "$T" >"$T/same.yaml"
"$GSD" -c "$T/same.yaml" --check >"$T/same.out" 2>&1
expect_eq "--check with the same path twice: exit status" 1 $?
grep -q "^$T/same.yaml:2: control_readonly: '$T/x.sock' is the control socket's path too" "$T/same.out" &&
	ok "the error names FILE:LINE" || fail "--check output: $(cat "$T/same.out")"

finish
