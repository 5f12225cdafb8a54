#!/bin/bash
# SPDX-License-Identifier: MIT
# special.sh -- queries that are not plain IN lookups: CHAOS TXT id.server and
# hostname.bind answered from `identity` (REFUSED when it is unset), NSID (RFC 5001)
# answered from identity, other classes (HS, unassigned) REFUSED, AXFR and IXFR
# REFUSED, ANY answered with a small answer per RFC 8482 instead of the whole node.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

ID=ns1.systest.example
gs_start <<EOF
identity: $ID
$(zones_yaml)
EOF

for p in udp tcp; do
	t=
	[ $p = tcp ] && t=--tcp
	section "$p: CHAOS identity"
	for name in id.server. hostname.bind. ID.SERVER.; do
		q $p CH TXT $name
		expect_status NOERROR
		expect_count ANSWER 1
		expect_rr ANSWER "^$(echo "$name" | sed 's/\./\\./g') [0-9]+ CH TXT \"$ID\"\$"
	done

	section "$p: NSID"
	q $p +nsid www.a.test. A
	expect_status NOERROR
	expect_rr ANSWER '^www\.a\.test\. 3600 IN A 192\.0\.2\.80$'
	expect_out "^; NSID: .*\(\"$ID\"\)\$"
	# Not asked, not given.
	q $p +edns=0 www.a.test. A
	expect_no_out 'NSID'

	section "$p: other classes"
	q $p -c HS a.test. SOA
	expect_status REFUSED
	expect_count ANSWER 0

	section "$p: CHAOS, NSID, classes, ANY (RFC 8482), IXFR (rawdns.py)"
	raw_batch <<EOF
$t query id.server. TXT --class CH -e rcode=NOERROR -e an=1 -e qecho=1
$t query www.a.test. A --nsid -e rcode=NOERROR -e nsid=$ID
$t query nope.a.test. A --nsid -e rcode=NXDOMAIN -e nsid=$ID
$t query a.test. SOA --class 42 -e rcode=REFUSED -e an=0 -e qecho=1
# The zones are IN: a CHAOS query for a zone name is not answered from them.
$t query a.test. SOA --class CH -e rcode=REFUSED -e an=0
# www.a.test. has A, AAAA and TXT: one small answer, not all of them.
$t query www.a.test. ANY -e rcode=NOERROR -e aa=1 -e an>=1 -e n_ans_types<=1
$t query a.test. ANY -e rcode=NOERROR -e aa=1 -e an>=1
$t query nope.a.test. ANY -e rcode=NXDOMAIN -e an=0
$t query www.deleg.a.test. ANY -e rcode=NOERROR -e aa=0 -e an=0 -e auth_types=NS
$t query www.example.org. ANY -e rcode=REFUSED
$t query a.test. IXFR --ixfr-serial 2024010100 -e rcode=REFUSED -e an=0
EOF
done

q udp www.a.test. ANY
expect_status NOERROR
expect_flag aa
n=$(r_section ANSWER | awk '{print $4}' | sort -u | wc -l)
expect_eq "dig www.a.test. ANY over UDP: distinct types in the answer (RFC 8482)" 1 "$n"

section "AXFR and IXFR (TCP)"
raw_batch <<EOF
--tcp query a.test. AXFR -e rcode=REFUSED -e an=0
--tcp query sub.a.test. AXFR -e rcode=REFUSED -e an=0
EOF
q tcp a.test. AXFR
expect_no_out 'IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
expect_out 'Transfer failed'
run_tool kdig +time=2 +retry=0 @127.0.0.1 -p "$PORT" a.test. AXFR
expect_out 'REFUSED'
q tcp a.test. IXFR=2024010100
expect_no_out 'IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
gs_alive "transfers"
gs_stop

section "identity unset: CHAOS REFUSED"
gs_start <<EOF
$(zones_yaml)
EOF
for p in udp tcp; do
	for name in id.server. hostname.bind.; do
		q $p CH TXT $name
		expect_status REFUSED
		expect_count ANSWER 0
	done
	q $p +nsid www.a.test. A
	expect_status NOERROR
	expect_no_out "\"$ID\""
done

finish
