#!/bin/bash
# SPDX-License-Identifier: MIT
# dnstap.sh -- dnstap (docs/dnstap.md): with a real collector (fstrm_capture) on the
# configured Unix socket, every answer over UDP and TCP arrives as an AUTH_RESPONSE
# message with its query and response (read back with dnstap-ldns) and, for a steered
# name, the decision in `extra`. The collector killed: every query is still answered
# at once, the messages are counted as dropped in `geosteerctl stats` and /metrics;
# a new collector on the socket: messages flow again without a restart. A stopped
# collector under a burst of queries: every query is answered in time, drops counted.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
GSCTL="$top_builddir/tools/geosteerctl"
for tool in fstrm_capture:fstrm-bin dnstap-ldns:dnstap-ldns; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		fatal "${tool%%:*} not found: apt-get install ${tool##*:} (scripts/deps.sh)"
done
SOCK="$T/tap.sock"
CAP_PID=

cap_start() { # FILE: a collector on $SOCK writing FILE
	rm -f "$SOCK"
	fstrm_capture -t protobuf:dnstap.Dnstap -u "$SOCK" -w "$1" >"$1.log" 2>&1 &
	CAP_PID=$!
	wait_until 10 test -S "$SOCK" || fatal "fstrm_capture did not create $SOCK"
}
# cap_drained: the collector has read everything sent to it (its sockets' receive
# queues are empty; ss from iproute2). "Written" on the daemon's side only means handed
# to the socket: a collector stopped before it read the last frames would lose them.
cap_drained() {
	local q
	q=$(ss -xpn 2>/dev/null | awk -v pid="pid=$CAP_PID," 'index($0, pid) { s += $3 } END { print s + 0 }')
	[ "$q" = 0 ]
}
cap_stop() { # SIGNAL: stops the collector and waits for it (it writes out on TERM)
	[ -n "$CAP_PID" ] || return 0
	kill "-$1" "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
}
connected_at_least() { # N: geosteerd has connected to a collector N times
	[ "$(grep -c 'dnstap: connected' "$T/gs.log")" -ge "$1" ]
}
stat_at_least() { # KEY N
	ctl_stats S
	[ "${S[$1]:-0}" -ge "$2" ]
}
# all_written N: at least N messages handed to the writer, and none still pending in
# it: every one written out, or discarded while no collector was there (counted in
# dnstap_dropped). Its queues flush by batch or after a second idle, so the written
# count alone may lag behind the last queries and still include earlier ones.
all_written() {
	ctl_stats S
	[ "${S[dnstap_sent]:-0}" -ge "$1" ] &&
		[ $((${S[dnstap_written]:-0} + ${S[dnstap_dropped]:-0})) -ge "${S[dnstap_sent]:-0}" ]
}

cat >"$T/geo.test.zone" <<'EOF2'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
plain   IN A    192.0.2.99
EOF2
cap_start "$T/one.fstrm"
gs_start <<EOF
identity: ns-test
dnstap: {socket: $SOCK}
$(zones_yaml)
  - name: geo.test.
    file: $T/geo.test.zone
maps:
  m:
    networks: {127.0.0.0/8: [west, east]}
    default: [east, west]
services:
  www:
    names: [www.geo.test.]
    map: m
    ttl: 60
    failover_ttl: 20
    datacenters:
      east: [192.0.2.10]
      west: [198.51.100.10]
EOF
[ "$GS_CONTROL_OK" = yes ] || fatal "this build has no control socket"
wait_until 10 connected_at_least 1 || fatal "geosteerd did not connect to the collector"

section "N queries over UDP and TCP: N AUTH_RESPONSE messages with the decision"
"$GSCTL" -s "$T/control.sock" force west down >/dev/null || fail "force west down"
ctl_stats S0
N=10
for i in $(seq 1 $N); do
	q udp www.geo.test. A
	expect_rr ANSWER '^www\.geo\.test\. 20 IN A 192\.0\.2\.10$' >/dev/null
	q tcp plain.geo.test. A
	expect_rr ANSWER '^plain\.geo\.test\. 3600 IN A 192\.0\.2\.99$' >/dev/null
done
ok "$N UDP and $N TCP queries answered"
# Written: the daemon's writer has sent them to the collector, which writes its file
# out when it stops.
wait_until 15 all_written $((S0[dnstap_sent] + 2 * N)) ||
	fail "dnstap_sent/written: expected $((S0[dnstap_sent] + 2 * N)) sent, all written; got ${S[dnstap_sent]}/${S[dnstap_written]}"
wait_until 15 cap_drained || fail "the collector did not read everything sent to it"
cap_stop TERM
dnstap-ldns -q -r "$T/one.fstrm" >"$T/one.txt" 2>&1 || fail "dnstap-ldns -r one.fstrm"
"$PY" "$top_srcdir/tests/system/dnstap_extra.py" "$T/one.fstrm" >"$T/one.extra" ||
	fail "dnstap_extra.py"
paste -d'|' "$T/one.txt" "$T/one.extra" >"$T/one.both"
n_udp=$(grep -c ' AR 127\.0\.0\.1 UDP .*"www\.geo\.test\." IN A|' "$T/one.both")
n_tcp=$(grep -c ' AR 127\.0\.0\.1 TCP .*"plain\.geo\.test\." IN A|' "$T/one.both")
expect_eq "AUTH_RESPONSE messages for UDP www.geo.test. A" $N "$n_udp"
expect_eq "AUTH_RESPONSE messages for TCP plain.geo.test. A" $N "$n_tcp"
want='service=www map=m rule=matched dc=east list=west,east skipped_down=west scope=8 ttl=20 failover'
expect_eq "extra of the steered answers" $N "$(grep -cF "\"www.geo.test.\" IN A|$want" "$T/one.both")"
expect_eq "no extra on zone answers" $N "$(grep -c '"plain\.geo\.test\." IN A|-$' "$T/one.both")"
# The query and the response themselves.
dnstap-ldns -y -r "$T/one.fstrm" >"$T/one.yaml" 2>&1
if grep -q 'www\.geo\.test\.	20	IN	A	192\.0\.2\.10' "$T/one.yaml" &&
	grep -q 'identity: "ns-test"' "$T/one.yaml" && grep -q 'type: AUTH_RESPONSE' "$T/one.yaml"; then
	ok "messages carry the identity and the response's answer"
else
	fail "dnstap-ldns -y shows no identity or response answer"
	head -40 "$T/one.yaml" | sed 's/^/    | /'
fi

section "the collector killed: answers go on, drops are counted"
cap_stop KILL
ctl_stats S1
M=20
slow=0
# A worker blocked on the dead collector would leave a query unanswered (dig waits 2 s,
# once); the time dig measured for the exchange itself (not its own start-up, which a
# loaded machine stretches) shows none was held up.
for i in $(seq 1 $M); do
	q udp www.geo.test. A
	[ "$(r_status)" = NOERROR ] || fail "query $i not answered: $(r_status)"
	[[ $R_LINES =~ Query\ time:\ ([0-9]+)\ msec ]] || fail "query $i: no query time from dig"
	[ "${BASH_REMATCH[1]:-0}" -lt 1000 ] || slow=$((slow + 1))
done
expect_eq "queries answered in over a second (dig's query time)" 0 "$slow"
dropped_now() {
	ctl_stats S
	[ "${S[dnstap_dropped]:-0}" -gt "${S1[dnstap_dropped]}" ]
}
if wait_until 15 dropped_now; then
	ok "dnstap_dropped grew from ${S1[dnstap_dropped]} to ${S[dnstap_dropped]}"
else
	fail "dnstap_dropped did not grow: ${S[dnstap_dropped]}"
fi

section "a new collector on the socket: messages flow again"
cap_start "$T/two.fstrm"
wait_until 15 connected_at_least 2 || fatal "geosteerd did not reconnect"
ctl_stats S2
K=5
# AAAA this time: a message of the killed phase that the writer still held and
# delivers after the reconnect (late, not lost) is not counted as one of these.
for i in $(seq 1 $K); do
	q udp www.geo.test. AAAA
	expect_status NOERROR >/dev/null
done
wait_until 15 all_written $((S2[dnstap_sent] + K)) ||
	fail "dnstap_written after reconnecting: expected $((S2[dnstap_written] + K)), got ${S[dnstap_written]}"
wait_until 15 cap_drained || fail "the collector did not read everything sent to it"
cap_stop TERM
n2=$(dnstap-ldns -q -r "$T/two.fstrm" 2>&1 | grep -c ' AR 127\.0\.0\.1 UDP .*"www\.geo\.test\." IN AAAA')
expect_eq "messages at the new collector" $K "$n2"

section "a stopped collector (SIGSTOP) under a burst: every query answered, drops counted"
# The collector stays connected but reads nothing: the writer's sends stall (a second
# at most each), the rings fill or are discarded, and the answering threads go on.
cap_start "$T/three.fstrm"
wait_until 15 connected_at_least 3 || fatal "geosteerd did not connect to the third collector"
kill -STOP "$CAP_PID"
ctl_stats S3
B=12000
# One query at a time, each waiting for its reply (rawdns.py's timeout): a query held
# up behind the stalled collector would count as failed.
raw burst --count $B || fail "queries unanswered while the collector was stopped"
burst_counted() {
	ctl_stats S
	[ $((S[dnstap_sent] + S[dnstap_dropped] - S3[dnstap_sent] - S3[dnstap_dropped])) -ge $B ] &&
		[ "${S[dnstap_dropped]}" -gt "${S3[dnstap_dropped]}" ]
}
if wait_until 30 burst_counted; then
	ok "dnstap_dropped grew by $((S[dnstap_dropped] - S3[dnstap_dropped])) during $B answers (sent $((S[dnstap_sent] - S3[dnstap_sent])))"
else
	fail "drops not counted: sent ${S3[dnstap_sent]} -> ${S[dnstap_sent]}, dropped ${S3[dnstap_dropped]} -> ${S[dnstap_dropped]}"
fi
kill -CONT "$CAP_PID" 2>/dev/null
cap_stop KILL

gs_stop
finish
