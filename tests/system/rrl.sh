#!/bin/bash
# SPDX-License-Identifier: MIT
# rrl.sh -- response rate limiting (rate_limit) over UDP: a bounded burst of identical
# queries from one client at 5 responses per second with slip 2 gets a handful of
# answers, about half of the rest truncated (TC=1, no records) and the others dropped;
# the same client over TCP is answered in full; an exempt address and a client sending
# a valid server cookie (RFC 7873: its address is not spoofed) are never limited;
# another name has its own bucket, while random names that do not exist share the
# zone's. Each client uses its own loopback address (ipv4_prefix 32).
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

CLIENT="$top_srcdir/tests/system/rrl-client.py"
N=200

# rc ARGS...: runs rrl-client.py against the daemon; its output is in $RC_OUT.
rc() {
	RC_OUT=$("$PY" "$CLIENT" -p "$PORT" "$@" 2>&1)
}

# field NAME: the value of NAME=... in $RC_OUT.
field() {
	local f=" $RC_OUT "
	f=${f#* $1=}
	printf '%s\n' "${f%% *}"
}

# check_between WHAT VALUE LOW HIGH
check_between() {
	if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		ok "$1: $2 (expected $3 to $4)"
	else
		fail "$1: $2, expected $3 to $4 ($RC_OUT)"
	fi
}

gs_start <<EOF
threads: 2
rate_limit:
  responses_per_second: 5
  slip: 2
  ipv4_prefix: 32
  exempt: [127.0.0.2/32]
cookies: {secret: 00112233445566778899aabbccddeeff}
$(zones_yaml)
EOF

# stat_delta KEY: how much counter KEY of `geosteerctl stats` moved from ST0 to ST1.
stat_delta() {
	echo $((${ST1[$1]:-0} - ${ST0[$1]:-0}))
}

section "a burst of $N identical queries from one client"
ctl_stats ST0
rc --source 127.0.0.3 burst www.a.test. A --count $N
echo "    $RC_OUT"
full=$(field full) trunc=$(field truncated) none=$(field none)
ctl_stats ST1
# 5 per second of burst, plus what refills while the burst lasts (well under a second).
check_between "answered in full" "$full" 5 12
limited=$((N - full))
check_between "truncated (slip 2: every second limited response)" "$trunc" \
	$((limited / 2 - 3)) $((limited / 2 + 3))
check_between "dropped" "$none" $((limited / 2 - 3)) $((limited / 2 + 3))
expect_eq "truncated responses carrying records" 0 "$(field tcrr)"
# Loopback loses nothing: every reply missing is one the limiter dropped.
expect_eq "stats: rrl_dropped moved by the replies missing" "$none" "$(stat_delta rrl_dropped)"
expect_eq "stats: rrl_slipped moved by the truncated replies" "$trunc" "$(stat_delta rrl_slipped)"
expect_eq "stats: queries moved by the burst" $N "$(stat_delta queries)"
expect_eq "stats: truncated (TC for size) did not move" 0 "$(stat_delta truncated)"
expect_eq "stats: dropped (no response: malformed) did not move" 0 "$(stat_delta dropped)"

section "TCP is never limited"
rc --source 127.0.0.3 tcp www.a.test. A --count 30
expect_eq "TCP answers in full, right after the burst" "sent=30 full=30 truncated=0 none=0 rcodes=NOERROR tcrr=0" \
	"$RC_OUT"

section "another name or type has its own bucket"
rc --source 127.0.0.3 burst www.a.test. AAAA --count 5
expect_eq "5 AAAA queries" "sent=5 full=5 truncated=0 none=0 rcodes=NOERROR tcrr=0" "$RC_OUT"

section "names that do not exist share the zone's bucket"
rc --source 127.0.0.5 burst a.test. A --random --count 60
echo "    $RC_OUT"
check_between "random names answered in full" "$(field full)" 5 10
expect_eq "rcodes" NXDOMAIN "$(field rcodes)"

section "an exempt address is never limited"
rc --source 127.0.0.2 burst www.a.test. A --count $N
expect_eq "exempt burst" "sent=$N full=$N truncated=0 none=0 rcodes=NOERROR tcrr=0" "$RC_OUT"

section "a valid server cookie exempts the client"
rc --source 127.0.0.4 cookie www.a.test. A --client 0102030405060708
sc=${RC_OUT##*cookie=}
expect_eq "server cookie length" 48 "${#sc}"
ctl_stats ST0
rc --source 127.0.0.4 burst www.a.test. A --count $N --client 0102030405060708 --server "${sc:16}"
expect_eq "burst with a valid server cookie" "sent=$N full=$N truncated=0 none=0 rcodes=NOERROR tcrr=0" \
	"$RC_OUT"
ctl_stats ST1
expect_eq "stats: cookie_valid moved by the burst" $N "$(stat_delta cookie_valid)"
expect_eq "stats: rrl_dropped did not move" 0 "$(stat_delta rrl_dropped)"
expect_eq "stats: rrl_slipped did not move" 0 "$(stat_delta rrl_slipped)"
# The same client without it, and with a tampered one, is limited as usual.
bad=${sc:16:30}$([ "${sc:46}" = 00 ] && echo 11 || echo 00)
rc --source 127.0.0.4 burst www.a.test. A --count 50 --client 0102030405060708 --server "$bad"
echo "    $RC_OUT"
check_between "burst with a tampered server cookie, answered in full" "$(field full)" 0 8
rc --source 127.0.0.4 burst www.a.test. A --count 50 --client 0102030405060708
check_between "burst with a client cookie only, answered in full" "$(field full)" 0 8

finish
