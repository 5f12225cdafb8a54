#!/bin/bash
# SPDX-License-Identifier: MIT
# force-restart.sh -- operator overrides (docs/health-checks.md, "Overrides"):
# `geosteerctl force us-east down` moves the answers at once (no check interval to
# wait for), is written to the state file, and survives a daemon restart: after
# SIGTERM and a new start with the same state file, `geosteerctl health` still shows
# it and the very first answers avoid us-east although its backend is healthy.
# `force us-east auto` restores the checks' verdict; address forces work the same way;
# forces of names and addresses the configuration does not use are refused.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

be_start us
be_start eu
CHECKS="  web: {type: http, port: $BE_PORT, interval: 1s, timeout: 500ms, rise: 2, fall: 2}"
gs_start < <(steer_yaml web <<<"$CHECKS")

section "force a datacenter down: at once"
expect_answer "$US 60" "before the force"
ctl force us-east down
expect_rc 0
expect_text out "datacenter us-east forced down"
# "At once": the next query already avoids us-east (1 s allows for a loaded machine).
T0_MS=$(now_ms)
if wait_answer "$EU 20" 1000; then
	ok "answer moved to eu-central $(fmt_ms "$WAITED_MS") after the force"
	echo "measured: force to eu-central $(fmt_ms "$WAITED_MS")"
else
	fail "answer still '$ANS' 1 s after the force"
fi
ctl health
expect_text out "^- +us-east +down \(forced\)"
expect_text out "^web +$US +up "
state=$(grep -v '^#' "$T/state" 2>/dev/null)
# Who set it and when follow the state (force-timed.sh checks them).
expect_eq "state file" "dc us-east down" "${state%% by=*}"

section "the force survives a restart"
gs_stop
gs_start < <(steer_yaml web <<<"$CHECKS")
# Right after start, before any check could matter: us-east is forced down.
expect_answer "$EU 20" "first answer after the restart"
ctl health
expect_rc 0
expect_text out "^- +us-east +down \(forced\)"
grep -q "datacenter us-east forced down" "$T/gs.log" &&
	fail "the restarted daemon re-forced us-east (expected the state file to do it silently)" ||
	ok "the force came from the state file"
# Still down once the checks have run (the US backend is healthy all along).
wait_health "^web +$US +up +[^(]" 10 && ok "the US backend's check says up" ||
	fail "no check result for $US"
expect_answer "$EU 20" "after the checks ran"

section "force auto: back to the checks"
ctl force us-east auto
expect_rc 0
expect_text out "datacenter us-east forced auto"
expect_answer "$US 60" "after force auto"
state=$(grep -v '^#' "$T/state" 2>/dev/null)
expect_eq "state file after auto" "" "$state"

section "address forces"
ctl force "$US" down
expect_rc 0
expect_answer "$EU 20" "address $US forced down"
ctl force "$EU" down
expect_rc 0
# Every datacenter down (by force): fail open to the first in the list.
expect_answer "$US 20" "both addresses forced down: fail open"
ctl health
expect_text out "^web +$US +down \(forced; monitor says up"
ctl force "$US" up
expect_rc 0
expect_answer "$US 60" "$US forced up"
ctl force "$US" auto
ctl force "$EU" auto
expect_rc 0
expect_answer "$US 60" "both addresses auto"

section "forces the configuration does not know"
ctl force nowhere down
expect_rc 1
expect_text err "no service has a datacenter named 'nowhere'"
ctl force 192.0.2.99 down
expect_rc 1
expect_text err "no service lists the address 192.0.2.99"
ctl force us-east sideways
expect_rc 2
state=$(grep -v '^#' "$T/state" 2>/dev/null)
expect_eq "state file after the refusals" "" "$state"

finish
