#!/bin/bash
# SPDX-License-Identifier: MIT
# explain-truncate.sh -- the GeoIP database file truncated or rewritten in place while
# the daemon runs (an interrupted cp, a full disk) never faults it: a live `geosteerctl
# explain` before and after the truncation answers from data read at load time, DNS
# keeps being answered, a reload refuses the truncated file at its FILE:LINE and keeps
# serving, and once the file differs from the one a generation was built from, explain
# says so instead of explaining with other data.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"

if [ ! -f "$DEMO_MMDB" ]; then
	echo "FATAL: $DEMO_MMDB is not built: run 'make' (all builds it)" >&2
	exit 99
fi

ctl() {
	ctl_capture -s "$T/control.sock" "$@"
}
# explain_us: the live explanation for a client the database puts in North America.
explain_us() {
	ctl explain www.geo.test A --client 8.8.8.8
}

DB="$T/copy.mmdb"
cp "$DEMO_MMDB" "$DB"
gs_start < <(geo_yaml "$DB")

section "live explain with the database intact"
explain_us
expect_rc 0
expect_text out '^rule: +continents: NA'
expect_text out '^chosen: +us-east '

section "the database truncated in place, then live explain again"
truncate -s 0 "$DB"
explain_us
if [ -f "$T/gs.status" ]; then
	fail "geosteerd died at the explain after the truncation (exit status $(cat "$T/gs.status"); 135 is SIGBUS)"
	fatal "geosteerd is gone"
fi
# Either it still explains from what it read at load time, or it says plainly why not.
if [ "$C_RC" = 0 ]; then
	expect_text out '^rule: +continents: NA'
else
	expect_text err 'explain'
fi
gs_alive "a live explain with the database truncated"
expect_eq "steered answer for a North American client" "${DC_A[us-east]}" \
	"$(dig +short +norec @127.0.0.1 -p "$PORT" +subnet=8.8.8.0/24 www.geo.test. A)"

section "a reload with the truncated database fails at geoip.database, the old data serves"
ctl reload
expect_rc 1
expect_text err "^$CFG:[0-9]+: database: .*copy\\.mmdb"
gs_alive "a failed reload"
explain_us
expect_rc 0
expect_text out '^rule: +continents: NA'

section "the file rewritten after a reload: explain does not use data the answers lack"
cp "$DEMO_MMDB" "$DB"
ctl reload
expect_rc 0
# Rewritten in place (same inode, another size) before the first explain of this
# generation reads it.
printf 'not a database any more\n' >"$DB"
explain_us
expect_rc 0
expect_text out 'changed since this generation was loaded'
expect_text out '^chosen: +us-east '
gs_alive "explain after the file changed"

finish
