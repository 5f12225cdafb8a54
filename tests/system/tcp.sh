#!/bin/bash
# SPDX-License-Identifier: MIT
# tcp.sh -- DNS over TCP per RFC 7766 with the default limits: several queries on one
# connection (kdig +keepopen), pipelining (10 length-framed queries in one write, all
# answered, matched by ID), a query split across two writes (inside the length prefix
# and inside the message), many short connections, and TCP junk (empty message, a
# length that never arrives, bytes that are not DNS) after which the server still works.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

gs_start <<EOF
$(zones_yaml)
EOF

section "several queries on one connection (kdig +keepopen)"
run_tool kdig +tcp +keepopen +norec +time=2 +retry=0 @127.0.0.1 -p "$PORT" \
	www.a.test. A mail.a.test. A nope.a.test. A big.a.test. A b.test. SOA
n=$(grep -c -- '->>HEADER<<-' "$T/dig.out")
expect_eq "kdig +keepopen: responses for 5 queries on one connection" 5 "$n"
expect_eq "kdig +keepopen: NOERROR responses" 4 "$(grep -c 'status: NOERROR' "$T/dig.out")"
expect_eq "kdig +keepopen: NXDOMAIN responses" 1 "$(grep -c 'status: NXDOMAIN' "$T/dig.out")"
expect_out 'ANSWER: 64;'
expect_out '^mail\.a\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.25'

section "pipelining (rawdns.py)"
raw --tcp pipeline --count 10
raw --tcp pipeline --count 40
raw --tcp pipeline --split-length
raw --tcp pipeline --split-message
# dig keeps one connection open for several queries too.
q tcp +keepopen www.a.test. A +tcp +keepopen mail.a.test. A
expect_out '^www\.a\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
expect_out '^mail\.a\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.25'

section "many short connections"
raw --tcp burst --count 60
bad=0
for i in $(seq 1 30); do
	"$PY" "$RAWDNS" -p "$PORT" --tcp query "www.a.test." A -e rcode=NOERROR >/dev/null 2>&1 || bad=$((bad + 1))
done
expect_eq "30 one-query TCP connections in a row, unanswered" 0 "$bad"

section "TCP junk"
raw --tcp junk empty --noreply
raw --tcp junk short1 --noreply
raw --tcp junk short11 --noreply
raw --tcp --timeout 0.5 junk random --count 10 -e qr=1
raw --tcp junk qname-loop -e rcode=FORMERR
raw --tcp junk unframed-http --noreply
raw --tcp junk length-only --noreply
raw --tcp junk partial --noreply
gs_alive "TCP junk"

finish
