#!/bin/bash
# SPDX-License-Identifier: MIT
# force-timed.sh -- timed, audited forces (docs/health-checks.md, "Overrides"):
# `geosteerctl force us-east down --for 2s --reason "test run"` moves the answers to
# eu-central, `geosteerctl health` shows who (the caller's uid), when, why and until
# when, the state file holds the expiry, and the answers come back to us-east by
# themselves once the 2 s are over -- with no health monitor running (no service has a
# check). `force ... auto` ends a timed force early. A timed force that expires while
# the daemon is stopped is gone at the next start (and logged as expired); one that has
# not expired is applied again with the time it has left. A state file in the first
# format (no KEY=VALUE fields) still loads.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

ME=$(id -u)
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
# No check at all: both datacenters are up unless forced, and no monitor thread runs.
yaml() {
	steer_yaml none </dev/null | grep -v -e '^checks:$' -e '^    check: '
}
# state_lines: the state file without its comments.
state_lines() {
	grep -v '^#' "$T/state" 2>/dev/null
}
state_has_no_force() {
	[ -z "$(state_lines)" ]
}

gs_start < <(yaml)
ctl status
expect_text out '^monitor: +off'
expect_text out '^forces: +0 \(0 timed\)'
expect_answer "$US 60" "before any force"

section "refused options"
ctl force us-east down --for 0s
expect_rc 2
ctl force us-east down --for 5x
expect_rc 2
ctl force us-east auto --for 5m
expect_rc 2
expect_text err "auto removes the force"
expect_eq "state file after the refusals" "" "$(state_lines)"

section "a force for 2 s, with a reason"
T0_MS=$(now_ms)
ctl force us-east down --for 2s --reason "test run"
expect_rc 0
expect_text out "^datacenter us-east forced down until $TS$"
if wait_answer "$EU 20" 1000; then
	ok "answer moved to eu-central $(fmt_ms "$WAITED_MS") after the force"
else
	fail "answer still '$ANS' 1 s after the force"
fi
ctl health
expect_text out '^- +us-east +down \(forced\)'
expect_text out "^ +force: down by uid $ME at $TS until $TS \([0-9] s left\) reason: test run$"
ctl status
expect_text out "^forces: +1 \(1 timed, next ends $TS\)"
line=$(state_lines)
if [[ $line =~ ^dc\ us-east\ down\ until=([0-9]+)\ by=$ME\ at=([0-9]+)\ reason=test%20run$ ]]; then
	ok "state file holds the expiry: '$line'"
	until_s=${BASH_REMATCH[1]} at_s=${BASH_REMATCH[2]}
	expect_eq "until - at (2 s, the start rounded up to a whole second)" 1 \
		$(( until_s - at_s == 2 || until_s - at_s == 3 ))
else
	fail "state file: expected 'dc us-east down until=... by=$ME at=... reason=test%20run', got '$line'"
fi
grep -Eq "health: datacenter us-east forced down by uid $ME at $TS until $TS \([0-9] s left\) reason: test run" "$T/gs.log" &&
	ok "the force is logged with who, when, until when and why" ||
	fail "no log line for the force: $(grep 'us-east' "$T/gs.log")"

section "it reverts by itself"
if wait_answer "$US 60" 8000; then
	ok "answer back to us-east $(fmt_ms "$WAITED_MS") after the force was set"
	echo "measured: 2 s force reverted after $(fmt_ms "$WAITED_MS")"
	[ "$WAITED_MS" -ge 2000 ] && ok "not before the 2 s were over" ||
		fail "reverted after $(fmt_ms "$WAITED_MS"), before the 2 s were over"
else
	fail "answer still '$ANS' $(fmt_ms "$WAITED_MS") after a 2 s force"
fi
wait_until 5 state_has_no_force && ok "state file no longer holds the force" ||
	fail "state file still holds '$(state_lines)'"
ctl health
grep_lines 'force:' "$C_OUT" && fail "health still lists a force: $C_OUT" ||
	ok "health lists no force"
grep -Eq "health: datacenter us-east: the force down expired \(by uid $ME .*reason: test run\); back to its checks" "$T/gs.log" &&
	ok "the expiry is logged" || fail "no log line for the expiry"

section "force auto ends a timed force early"
ctl force us-east down --for 1h --reason "planned 100% maintenance"
expect_rc 0
expect_answer "$EU 20" "forced down for an hour"
ctl health
expect_text out "^ +force: down by uid $ME at $TS until $TS \((3599|3600|3601) s left\) reason: planned 100% maintenance$"
expect_eq "state file" "reason=planned%20100%25%20maintenance" "$(state_lines | grep -o 'reason=.*')"
ctl force us-east auto
expect_rc 0
expect_answer "$US 60" "after force auto"
expect_eq "state file after auto" "" "$(state_lines)"
grep -Eq "health: datacenter us-east forced auto by uid $ME: removed the force down" "$T/gs.log" &&
	ok "the removal is logged" || fail "no log line for the removal"

section "a force that expires while the daemon is stopped"
ctl force us-east down --for 2s --reason "short"
expect_rc 0
expect_answer "$EU 20" "forced down for 2 s"
until_s=$(state_lines | grep -Eo 'until=[0-9]+' | cut -d= -f2)
gs_stop
past_expiry() { [ "$(date +%s)" -gt "${until_s:-0}" ]; }
wait_until 10 past_expiry || fail "the clock did not pass $until_s"
grep -q "^dc us-east down until=$until_s " "$T/state" && ok "stopped: the state file still has it" ||
	fail "state file while stopped: $(state_lines)"
gs_start < <(yaml)
expect_answer "$US 60" "first answer after the start: the expired force is not applied"
grep -Eq "health: datacenter us-east: the force down expired while geosteerd was not running .*reason: short" "$T/gs.log" &&
	ok "logged as expired at start" || fail "no expiry in the log: $(cat "$T/gs.log")"
wait_until 5 state_has_no_force && ok "the state file is written without it" ||
	fail "state file still holds '$(state_lines)'"

section "a force that has time left survives a restart"
ctl force us-east down --for 1h --reason "kept across restarts"
expect_rc 0
gs_stop
gs_start < <(yaml)
expect_answer "$EU 20" "first answer after the restart"
ctl health
expect_text out "^ +force: down by uid $ME at $TS until $TS \(3[0-9]{3} s left\) reason: kept across restarts$"
grep -q "forced down" "$T/gs.log" &&
	fail "the restarted daemon re-forced us-east (expected the state file to do it silently)" ||
	ok "the force came from the state file"
ctl force us-east auto
expect_rc 0
expect_answer "$US 60" "after force auto"

section "a state file in the first format"
gs_stop
printf '# written by hand\ndc us-east down\naddr %s up\n' "$EU" >"$T/state"
gs_start < <(yaml)
expect_answer "$EU 20" "first answer with the old state file"
ctl health
expect_text out '^- +us-east +down \(forced\)'
expect_text out '^ +force: down no expiry$'
expect_text out "^ +force: up no expiry$"
grep -q 'warning' "$T/gs.log" && fail "warnings loading the old file: $(grep warning "$T/gs.log")" ||
	ok "the old file loads without a warning"
ctl force us-east auto
expect_rc 0
expect_answer "$US 60" "after force auto"
expect_eq "state file" "addr $EU up" "$(state_lines)"

finish
