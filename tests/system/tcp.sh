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
raw_batch <<EOF
--tcp pipeline --count 10
--tcp pipeline --count 40
--tcp pipeline --split-length
--tcp pipeline --split-message
EOF
# dig keeps one connection open for several queries too.
q tcp +keepopen www.a.test. A +tcp +keepopen mail.a.test. A
expect_out '^www\.a\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
expect_out '^mail\.a\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.25'

section "many short connections"
raw_batch <<EOF
--tcp burst --count 60
--tcp burst --count 40 --fresh
EOF

section "TCP junk"
raw_batch <<EOF
--tcp junk empty --noreply
--tcp junk short1 --noreply
--tcp junk short11 --noreply
--tcp --timeout 2 junk random --count 10 --seed 11 --min-replies 4 -e qr=1
--tcp junk qname-loop -e rcode=FORMERR
--tcp junk huge -e qr=1
--tcp junk huge64k -e qr=1
--tcp junk unframed-http --noreply
--tcp junk length-only --noreply
--tcp junk partial --noreply
EOF
gs_alive "TCP junk"

finish
