#!/bin/bash
# SPDX-License-Identifier: MIT
# sdnotify.sh -- geosteerd under a (stand-in) service manager: a Python datagram socket
# as $NOTIFY_SOCKET and $WATCHDOG_USEC=1 s. It must say READY=1 and a STATUS= line
# naming what it serves, ping WATCHDOG=1 while its workers run, stop pinging while one
# worker is stuck and resume once it runs again, report a failed reload in STATUS= while
# `geosteerctl reload` exits 1 and the old data keeps answering, send RELOADING=1 (with
# MONOTONIC_USEC) around a SIGHUP reload, and STOPPING=1 at the end.
#
# A worker is stalled with the test build of the daemon (tests/system/geosteerd-hooks,
# compiled with GS_TEST_HOOKS, never installed): worker 0 blocks in its heartbeat while
# the file named by $GS_TEST_STALL_FILE exists. The installed geosteerd has no such hook
# (checked below).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

HOOKS="$top_builddir/tests/system/geosteerd-hooks"
LISTEN="$top_srcdir/tests/system/notify-listen.py"
[ -x "$HOOKS" ] || fatal "$HOOKS is not built (make check builds it)"

section "the installed daemon cannot be stalled"
if grep -q GS_TEST_STALL_FILE "$GSD"; then
	fail "$GSD contains the test hook GS_TEST_STALL_FILE"
else
	ok "server/geosteerd has no stall hook"
fi
grep -q GS_TEST_STALL_FILE "$HOOKS" && ok "the test build has it" ||
	fail "$HOOKS lacks the stall hook: the stall part below cannot work"

NLOG="$T/notify.log"
"$PY" "$LISTEN" listen "$T/notify.sock" "$NLOG" &
wait_until 5 test -S "$T/notify.sock" || fatal "the notify listener did not start"

# count PATTERN: datagrams received so far that contain PATTERN.
count() { "$PY" "$LISTEN" count "$NLOG" "$1"; }
# last_status: the last STATUS= received.
last_status() { grep -o 'STATUS=[^|]*' "$NLOG" | tail -n 1; }
has_status() { last_status | grep -Eq "$1"; }
# expect_status_line ERE WHAT: the last STATUS= matches ERE within 5 s.
expect_status_line() {
	if wait_until 5 has_status "$1"; then
		ok "$2: $(last_status)"
	else
		fail "$2: no STATUS= matching /$1/; received:"
		sed 's/^/    | /' "$NLOG"
	fi
}
pings_after() { [ "$(count WATCHDOG=1)" -gt "$1" ]; }

export NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 GS_TEST_STALL_FILE="$T/stall"
GSD=$HOOKS
gs_start < <(
	echo "threads: 2"
	zones_yaml
)
unset NOTIFY_SOCKET WATCHDOG_USEC

section "readiness and status"
wait_until 5 grep -q 'READY=1' "$NLOG" && ok "READY=1 received" || fail "no READY=1"
expect_status_line '^STATUS=serving 3 zones \([0-9]+ records, generation 1\) on [0-9]+ address' \
	"status names what is served"
grep -q 'service watchdog: 1.000 s' "$T/gs.log" && ok "the daemon took WATCHDOG_USEC" ||
	fail "no 'service watchdog: 1.000 s' in the log"

section "watchdog pings while every worker runs"
wait_until 10 pings_after 3 && ok "$(count WATCHDOG=1) WATCHDOG=1 pings" ||
	fail "fewer than 4 WATCHDOG=1 pings in 10 s"

section "a stuck worker stops the pings"
touch "$T/stall"
if wait_until 10 grep -q 'worker thread 0 has not run its event loop' "$T/gs.log"; then
	ok "the daemon saw worker 0 stuck"
else
	fail "no 'worker thread 0 has not run its event loop' in the log"
fi
# The verdict: no ping for twice the watchdog interval while the worker is stuck (the
# service manager would have killed the daemon after one interval).
if wait_until 10 "$PY" "$LISTEN" quiet "$NLOG" 2.0; then
	ok "no WATCHDOG=1 for 2 s while worker 0 is stuck"
else
	fail "WATCHDOG=1 pings went on while worker 0 was stuck"
fi
n=$(count WATCHDOG=1)
rm -f "$T/stall"
wait_until 10 pings_after "$n" && ok "pings resume once the worker runs again" ||
	fail "no WATCHDOG=1 after the worker was released"
wait_until 5 grep -q 'watchdog pings resume' "$T/gs.log" && ok "logged: pings resume" ||
	fail "no 'watchdog pings resume' in the log"

section "a failed reload: geosteerctl exits 1, the old data answers, STATUS= says so"
cp "$CFG" "$CFG.good"
echo "bogus_key: 1" >>"$CFG"
ctl_capture -s "$T/control.sock" reload
expect_rc 1
expect_text err "^$CFG:[0-9]+: "
gs_alive "the failed reload"
expect_status_line 'generation 1\) .*; the last reload FAILED' "status reports the failure"

cp "$CFG.good" "$CFG"
ctl_capture -s "$T/control.sock" reload
expect_rc 0
expect_status_line '^STATUS=serving 3 zones \([0-9]+ records, generation 2\) on [0-9]+ addresses?$' \
	"a good reload clears it"

section "SIGHUP: RELOADING=1 then READY=1"
n=$(count READY=1)
kill -HUP "$GS_PID"
wait_until 10 grep -q 'RELOADING=1|MONOTONIC_USEC=[0-9]' "$NLOG" &&
	ok "RELOADING=1 with MONOTONIC_USEC" || fail "no RELOADING=1|MONOTONIC_USEC="
ready_after() { [ "$(count READY=1)" -gt "$n" ]; }
wait_until 10 ready_after && ok "READY=1 after the reload" || fail "no READY=1 after SIGHUP"
expect_status_line 'generation 3\)' "status after SIGHUP"

gs_stop
wait_until 5 grep -q 'STOPPING=1' "$NLOG" && ok "STOPPING=1 received" || fail "no STOPPING=1"
finish
