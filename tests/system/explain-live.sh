#!/bin/bash
# SPDX-License-Identifier: MIT
# explain-live.sh -- `geosteerctl explain` without --offline: the running daemon
# explains from the data it serves and its live health states. The same keys in the
# same order as explain --offline; a datacenter forced down with `geosteerctl force`
# shows as down (forced), the choice fails over with failover_ttl, and the answer line
# is the one dig gets; a backend whose check fails shows as down (checked); every
# datacenter down fails open; bad arguments get a usage error over the socket.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

# live_explain: explains www.geo.test A for client 127.0.0.1 through the daemon;
# sets C_RC, C_OUT, C_ERR.
live_explain() {
	ctl explain www.geo.test A --client 127.0.0.1 "$@"
}
# line KEY: the value of the first line with KEY in C_OUT.
line() {
	local l
	while IFS= read -r l; do
		if [[ $l == "$1"* ]]; then
			l=${l#"$1"}
			echo "${l#"${l%%[! ]*}"}"
			return
		fi
	done <<<"$C_OUT"
}
# expect_matches_dig: the explanation's answer line is what dig gets now.
expect_matches_dig() {
	local want got
	q udp www.geo.test. A
	got=$(r_section ANSWER)
	got=${got%$'\n'}
	want=$(line "answer:")
	expect_eq "$1: explain's answer line is dig's answer" "$got" "$want"
}

be_start us
be_start eu
gs_start < <(steer_yaml web <<<"  web: {type: tcp, port: $BE_PORT, interval: 300ms, timeout: 250ms, rise: 1, fall: 1}")
# Up by a check result, not the initial "up (initial)" that comes before any: explain
# says "(checked)" only once a result is in.
wait_health "^web +$US +up +[^(]" 10 || fail "us-east's backend not up by a check"
wait_health "^web +$EU +up +[^(]" 10 || fail "eu-central's backend not up by a check"

section "everything up"
live_explain
expect_rc 0
expect_text out '^health: +live: '
expect_text out "^dc: +us-east: chosen; A $US up \\(checked\\)"
expect_text out '^chosen: +us-east '
expect_text out '^ttl: +60 '
expect_matches_dig "everything up"
# Same keys, in the same order, as explain --offline on the same configuration.
live_keys=$(cut -c1-12 <<<"$C_OUT" | tr -d ' ' | tr '\n' ' ')
C_OUT=$("$GSCTL" -c "$CFG" explain --offline www.geo.test A --client 127.0.0.1 2>&1)
offline_keys=$(cut -c1-12 <<<"$C_OUT" | tr -d ' ' | tr '\n' ' ')
expect_eq "live and offline keys" "$offline_keys" "$live_keys"

section "a datacenter forced down"
ctl force us-east down
expect_rc 0
live_explain
expect_rc 0
expect_text out "^dc: +us-east: skipped \\(every address down\\); A $US down \\(forced\\)"
expect_text out "^dc: +eu-central: chosen; A $EU up \\(checked\\)"
expect_text out '^chosen: +eu-central '
expect_text out '^ttl: +20 \(failover_ttl: a datacenter ahead of the chosen one is down\)'
expect_eq "answer while us-east is forced down" "$EU 20" "$(www_a; echo "$ANS")"
expect_matches_dig "us-east forced down"
# With ECS over TCP too.
live_explain --subnet 127.0.0.0/24 --tcp
expect_rc 0
expect_text out '^transport: +tcp$'
expect_text out '^ecs: +127\.0\.0\.0/24 sent'
expect_text out '^chosen: +eu-central '

section "a backend whose check fails, every datacenter down: fail open"
be_stop eu
wait_health "^web +$EU +down " 10 || fail "eu-central's backend not down"
live_explain
expect_rc 0
expect_text out "^dc: +eu-central: .*A $EU down \\(checked\\)"
expect_text out '^chosen: +us-east \(no datacenter with an A address is up: fail open'
expect_text out '^ttl: +20 \(failover_ttl: every datacenter is down'
expect_matches_dig "fail open"

section "back to the checks"
ctl force us-east auto
expect_rc 0
live_explain
expect_text out "^dc: +us-east: chosen; A $US up \\(checked\\)"
expect_text out '^ttl: +60 '
expect_matches_dig "us-east back"

section "other names and errors"
ctl explain static.geo.test A --client 127.0.0.1
expect_rc 0
expect_text out '^service: +none \(not a steered name'
expect_text out '^answer: +static\.geo\.test\. 3600 IN A 192\.0\.2\.80$'
ctl explain 'bad..name' --client 127.0.0.1
expect_rc 1
expect_text err 'not a valid domain name'
# The daemon checks the arguments itself (scripts may talk to the socket directly).
RAW=$("$PY" - "$T/control.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b"explain www.geo.test A\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
EOF
)
expect_eq "explain without --client over the socket" \
	"ERR explain: --client IP is required (usage: explain NAME [TYPE] --client IP [--subnet CIDR] [--tcp] [--json])" "$RAW"
gs_alive "the explain checks"

finish
