#!/bin/bash
# SPDX-License-Identifier: MIT
# failover-exec.sh -- an exec check that flips (docs/health-checks.md): the command
# fails while the file down-ADDRESS exists (%a is the address under test) and hangs
# past the timeout while hang-ADDRESS exists. Flipping the US file moves the answer to
# eu-central with failover_ttl within fall x interval + timeout and back with ttl
# within rise x interval + timeout; a hanging command is killed at the timeout and
# counts as a failure. No backend process is needed: the files are the backends.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

NOMINAL=2500
F="$T/flags"
mkdir -p "$F"
# The command's only argument with %a in it is the shell script; the address is
# substituted inside it.
gs_start < <(steer_yaml probe <<EOF
  probe:
    type: exec
    command: ["/bin/sh", "-c", "if [ -e $F/hang-%a ]; then sleep 5.25; fi; if [ -e $F/down-%a ]; then echo '%a is flagged down'; exit 3; fi; echo fine"]
    interval: 1s
    timeout: 500ms
    rise: 2
    fall: 2
EOF
)

section "exec: both up"
if wait_health "^probe +$US +up +.*exit status 0|^probe +$US +up +[^(]" 10 &&
	wait_health "^probe +$EU +up +[^(]" 10; then
	ok "both addresses up after their first checks"
else
	fail "expected both addresses up, got:"
	printf '%s\n' "$C_OUT" | sed 's/^/    | /'
fi
expect_answer "$US 60" "exec, both up"

section "exec: the US flag goes down"
touch "$F/down-$US"
T0_MS=$(now_ms)
expect_within "exec failover to eu-central" "$EU 20" $NOMINAL
ctl health
expect_text out "^probe +$US +down .*exit status 3.*$US is flagged down"
expect_text out "^probe +$EU +up "

section "exec: the US flag comes back"
rm -f "$F/down-$US"
T0_MS=$(now_ms)
expect_within "exec recovery to us-east" "$US 60" $NOMINAL

section "exec: a command that hangs is killed at the timeout and counts as a failure"
touch "$F/hang-$US"
T0_MS=$(now_ms)
expect_within "exec timeout failover to eu-central" "$EU 20" $NOMINAL
ctl health
expect_text out "^probe +$US +down .*timeout after 500 ms"
rm -f "$F/hang-$US"
T0_MS=$(now_ms)
expect_within "exec recovery after the timeouts" "$US 60" $NOMINAL
# No check child outlives its timeout: no "sleep 5.25" of ours is left running.
left=$(pgrep -f "^sleep 5\.25$" || true)
expect_eq "exec children left behind" "" "$left"

finish
