#!/bin/bash
# SPDX-License-Identifier: MIT
# answers.sh -- authoritative answers from zone files (docs/design.md rule 4),
# each over UDP and TCP: SOA at the apex with AA, NXDOMAIN and NODATA with the SOA in
# authority (negative TTL per RFC 2308), CNAME chains followed within the zone, wildcard
# synthesis (RFC 4592), delegations answered as referrals with glue, out-of-zone names
# REFUSED, RD copied and RA never set, case-insensitive lookup with the question's case
# kept, several zones at once with the most specific one winning, IPv6 transport.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

gs_start <<EOF
identity: ns1.systest.example
$(zones_yaml)
EOF

# RFC 2308 section 3/5: the negative answer's SOA carries min(SOA TTL, MINIMUM) = 300.
NEG_SOA_A='^a\.test\. 300 IN SOA ns1\.a\.test\. hostmaster\.a\.test\. 2024010101 '

for p in udp tcp; do
	section "$p: apex SOA, positive answers"
	q $p a.test. SOA
	expect_status NOERROR
	expect_flag qr
	expect_flag aa
	expect_noflag tc
	expect_count ANSWER 1
	expect_rr ANSWER "^a\.test\. 3600 IN SOA ns1\.a\.test\. hostmaster\.a\.test\. 2024010101 7200 900 1209600 300$"

	q $p www.a.test. A
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 1
	expect_rr ANSWER '^www\.a\.test\. 3600 IN A 192\.0\.2\.80$'

	q $p www.a.test. AAAA
	expect_rr ANSWER '^www\.a\.test\. 3600 IN AAAA 2001:db8::80$'

	q $p a.test. NS
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 2
	expect_rr ANSWER '^a\.test\. 3600 IN NS ns1\.a\.test\.$'
	expect_rr ANSWER '^a\.test\. 3600 IN NS ns2\.a\.test\.$'

	section "$p: NXDOMAIN and NODATA"
	q $p nope.a.test. A
	expect_status NXDOMAIN
	expect_flag aa
	expect_count ANSWER 0
	expect_rr AUTHORITY "$NEG_SOA_A"

	q $p deeper.nope.a.test. TXT
	expect_status NXDOMAIN
	expect_rr AUTHORITY "$NEG_SOA_A"

	q $p www.a.test. MX
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 0
	expect_rr AUTHORITY "$NEG_SOA_A"

	# An empty non-terminal exists (RFC 8020): NODATA, not NXDOMAIN.
	q $p wild.a.test. A
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 0
	expect_rr AUTHORITY "$NEG_SOA_A"

	section "$p: CNAME"
	q $p chain.a.test. A
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 3
	expect_rr ANSWER '^chain\.a\.test\. 3600 IN CNAME alias\.a\.test\.$'
	expect_rr ANSWER '^alias\.a\.test\. 3600 IN CNAME www\.a\.test\.$'
	expect_rr ANSWER '^www\.a\.test\. 3600 IN A 192\.0\.2\.80$'

	# Asking for the CNAME itself gives only the CNAME.
	q $p alias.a.test. CNAME
	expect_status NOERROR
	expect_count ANSWER 1
	expect_rr ANSWER '^alias\.a\.test\. 3600 IN CNAME www\.a\.test\.$'

	# A target outside every zone: the CNAME alone, NOERROR.
	q $p external.a.test. A
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 1
	expect_rr ANSWER '^external\.a\.test\. 3600 IN CNAME www\.example\.net\.$'

	# A target that does not exist in the zone: RFC 6604, the RCODE is the last name's.
	q $p dangling.a.test. A
	expect_status NXDOMAIN
	expect_flag aa
	expect_rr ANSWER '^dangling\.a\.test\. 3600 IN CNAME nowhere\.a\.test\.$'
	expect_rr AUTHORITY "$NEG_SOA_A"

	# A target with no data of the type: the CNAME, then NODATA's SOA.
	q $p alias.a.test. MX
	expect_status NOERROR
	expect_rr ANSWER '^alias\.a\.test\. 3600 IN CNAME www\.a\.test\.$'
	expect_count ANSWER 1

	section "$p: wildcards (RFC 4592)"
	q $p foo.wild.a.test. A
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 1
	expect_rr ANSWER '^foo\.wild\.a\.test\. 3600 IN A 192\.0\.2\.99$'

	# More than one label below the wildcard's parent is still covered.
	q $p x.y.wild.a.test. TXT
	expect_status NOERROR
	expect_rr ANSWER '^x\.y\.wild\.a\.test\. 3600 IN TXT "wildcard"$'

	# The wildcard owner has no MX: NODATA (synthesized from the wildcard).
	q $p foo.wild.a.test. MX
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 0
	expect_rr AUTHORITY "$NEG_SOA_A"

	# A name that exists is never synthesized: host.wild has A but no TXT.
	q $p host.wild.a.test. A
	expect_rr ANSWER '^host\.wild\.a\.test\. 3600 IN A 192\.0\.2\.98$'
	q $p host.wild.a.test. TXT
	expect_status NOERROR
	expect_count ANSWER 0
	expect_rr AUTHORITY "$NEG_SOA_A"

	# Below an existing name with no wildcard of its own: the closest encloser is
	# host.wild, and *.host.wild does not exist, so NXDOMAIN (RFC 4592 section 3.3.1).
	q $p sub.host.wild.a.test. A
	expect_status NXDOMAIN
	expect_rr AUTHORITY "$NEG_SOA_A"

	# b.wild is an empty non-terminal (a.b.wild exists): it blocks the wildcard
	# (RFC 4592 section 2.2.2), and so does everything below it.
	q $p b.wild.a.test. A
	expect_status NOERROR
	expect_count ANSWER 0
	q $p c.b.wild.a.test. A
	expect_status NXDOMAIN

	# Asking for the wildcard owner itself.
	q $p '*.wild.a.test.' A
	expect_status NOERROR
	expect_rr ANSWER '^\*\.wild\.a\.test\. 3600 IN A 192\.0\.2\.99$'

	# A wildcard CNAME is synthesized with the query name as owner, then followed.
	q $p foo.wc.a.test. A
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 2
	expect_rr ANSWER '^foo\.wc\.a\.test\. 3600 IN CNAME www\.a\.test\.$'
	expect_rr ANSWER '^www\.a\.test\. 3600 IN A 192\.0\.2\.80$'

	section "$p: delegation (referral with glue)"
	for name in www.deleg.a.test. deleg.a.test. ns.deleg.a.test.; do
		q $p $name A
		expect_status NOERROR
		expect_noflag aa
		expect_count ANSWER 0
		expect_rr AUTHORITY '^deleg\.a\.test\. 3600 IN NS ns\.deleg\.a\.test\.$'
		expect_rr AUTHORITY '^deleg\.a\.test\. 3600 IN NS ns\.elsewhere\.example\.$'
		expect_rr ADDITIONAL '^ns\.deleg\.a\.test\. 3600 IN A 192\.0\.2\.53$'
		expect_no_rr AUTHORITY ' SOA '
	done
	# NS at the cut is a referral too (the parent is not authoritative for it).
	q $p deleg.a.test. NS
	expect_noflag aa
	expect_count ANSWER 0
	expect_rr AUTHORITY '^deleg\.a\.test\. 3600 IN NS ns\.deleg\.a\.test\.$'
	# DS lives on the parent side of the cut (RFC 4035 section 3.1.4.1): authoritative
	# NODATA from a.test., not a referral.
	q $p deleg.a.test. DS
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 0
	expect_rr AUTHORITY "$NEG_SOA_A"

	section "$p: several zones, the most specific wins"
	q $p www.sub.a.test. A
	expect_status NOERROR
	expect_flag aa
	expect_rr ANSWER '^www\.sub\.a\.test\. 600 IN A 192\.0\.2\.180$'
	q $p sub.a.test. SOA
	expect_status NOERROR
	expect_flag aa
	expect_rr ANSWER '^sub\.a\.test\. 600 IN SOA ns1\.sub\.a\.test\. hostmaster\.a\.test\. 7 '
	q $p nope.sub.a.test. A
	expect_status NXDOMAIN
	expect_flag aa
	expect_rr AUTHORITY '^sub\.a\.test\. 60 IN SOA ns1\.sub\.a\.test\. '
	q $p www.b.test. A
	expect_status NOERROR
	expect_flag aa
	expect_rr ANSWER '^www\.b\.test\. 300 IN A 192\.0\.2\.201$'

	section "$p: names outside every zone"
	for name in www.example.org. test. . c.test. xa.test.; do
		q $p "$name" A
		expect_status REFUSED
		expect_noflag aa
		expect_count ANSWER 0
	done

	section "$p: RD copied, RA never set"
	q $p +rec www.a.test. A
	expect_status NOERROR
	expect_flag rd
	expect_noflag ra
	q $p +norec www.a.test. A
	expect_noflag rd
	expect_noflag ra
	q $p +rec nope.example.org. A
	expect_status REFUSED
	expect_flag rd
	expect_noflag ra

	section "$p: case-insensitive lookup, question case kept"
	q $p WwW.A.TeSt. A
	expect_status NOERROR
	expect_flag aa
	expect_rr QUESTION '^;WwW\.A\.TeSt\. IN A$'
	expect_rr ANSWER ' IN A 192\.0\.2\.80$'
	q $p NoPe.A.tEsT. A
	expect_status NXDOMAIN
	expect_rr QUESTION '^;NoPe\.A\.tEsT\. IN A$'
	q $p FOO.WILD.A.TEST. A
	expect_rr ANSWER ' IN A 192\.0\.2\.99$'
done

section "byte-exact question echo (rawdns.py)"
raw_batch <<EOF
$(for t in "" --tcp; do
	echo "$t query WwW.A.TeSt. A -e rcode=NOERROR -e aa=1 -e an=1 -e qecho=1 -e qname=WwW.A.TeSt."
	echo "$t query wWw.SuB.a.TEST. A -e rcode=NOERROR -e aa=1 -e qecho=1"
	echo "$t query ExAmPlE.OrG. A -e rcode=REFUSED -e aa=0 -e qecho=1"
done)
EOF

section "other clients: drill (ldnsutils), kdig (knot-dnsutils)"
# drill sets RD by default: it must come back, RA must not.
run_tool drill -p "$PORT" @127.0.0.1 foo.wild.a.test. A
expect_out 'rcode: NOERROR'
expect_out '^;; flags: qr aa rd ;'
expect_out '^foo\.wild\.a\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.99'
run_tool drill -t -p "$PORT" @127.0.0.1 www.deleg.a.test. A
expect_out 'rcode: NOERROR'
expect_out '^;; flags: qr rd ;'
expect_out '^ns\.deleg\.a\.test\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.53'
run_tool kdig +norec +time=2 +retry=0 @127.0.0.1 -p "$PORT" nope.a.test. A
expect_out 'status: NXDOMAIN'
expect_out '^;; Flags: qr aa;'
run_tool kdig +tcp +norec +time=2 +retry=0 @127.0.0.1 -p "$PORT" www.example.org. A
expect_out 'status: REFUSED'

if [ -n "$HAVE_V6" ]; then
	section "IPv6 loopback"
	for p in udp6 tcp6; do
		q $p www.a.test. AAAA
		expect_status NOERROR
		expect_flag aa
		expect_rr ANSWER '^www\.a\.test\. 3600 IN AAAA 2001:db8::80$'
		q $p nope.a.test. A
		expect_status NXDOMAIN
	done
else
	echo "no IPv6 loopback here: IPv6 checks skipped"
fi

finish
