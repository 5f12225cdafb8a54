#!/bin/bash
# SPDX-License-Identifier: MIT
# malformed.sh -- what is not a plain query: opcodes other than QUERY get NOTIMP;
# FORMERR for QDCOUNT 0 and 2 (RFC 9619), for two OPT records (RFC 6891 6.1.1) and for a
# compression loop in the additional section, with an OPT record when the query had a
# readable one (RFC 6891 section 7); QR=1 packets get no reply; junk (random
# bytes, 1 and 11 bytes, 4 kB, bad names, lying counts) is dropped or FORMERR'd and never
# stops the server: every group ends by checking that normal queries still work.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

gs_start <<EOF
$(zones_yaml)
EOF

section "opcodes other than QUERY: NOTIMP"
raw_batch <<EOF
$(for op in 1 2 3 4 5 6 15; do
	echo "query a.test. SOA --opcode $op --id 4321 -e rcode=NOTIMP -e qr=1 -e opcode=$op -e id=4321 -e an=0"
done)
--tcp query a.test. SOA --opcode 2 -e rcode=NOTIMP -e opcode=2
--tcp query a.test. SOA --opcode 5 -e rcode=NOTIMP -e opcode=5
EOF
q udp +opcode=status a.test. SOA
expect_status NOTIMP
expect_out 'opcode: STATUS'
q udp +opcode=notify a.test. SOA
expect_status NOTIMP
q tcp +opcode=update a.test. SOA
expect_status NOTIMP
gs_alive "other opcodes"

for t in "" --tcp; do
	section "FORMERR ${t:-udp}"
	raw_batch <<EOF
# RFC 9619: exactly one question.
$t query a.test. SOA --qdcount 0 --id 77 -e rcode=FORMERR -e qr=1 -e id=77
$t query a.test. SOA --qdcount 2 --id 78 -e rcode=FORMERR -e qr=1 -e id=78
# RFC 6891 section 7: a FORMERR carries an OPT record when the query had one that
# can be read, wherever the format error is; none when the query had none.
$t query a.test. SOA --qdcount 0 --edns 1232 -e rcode=FORMERR -e edns=1 -e qd=0
$t query a.test. SOA --qdcount 2 --edns 1232 --nsid -e rcode=FORMERR -e edns=1 -e udp=1232
$t query a.test. SOA --qdcount 0 -e rcode=FORMERR -e edns=0
$t query a.test. SOA --qdcount 2 -e rcode=FORMERR -e edns=0
# A compressed question name (pointing at the header's root byte) with an OPT.
$t hex 1234 0000 0001 0000 0000 0001 c004 0001 0001 00 0029 04d0 00000000 0000 -e rcode=FORMERR -e id=4660 -e edns=1
$t hex 1234 0000 0001 0000 0000 0000 c004 0001 0001 -e rcode=FORMERR -e edns=0
# An OPT that is itself malformed (an option overrunning it) is still echoed.
$t hex 1234 0000 0001 0000 0000 0001 0161 0474 6573 7400 0001 0001 00 0029 04d0 00000000 0004 0008 0009 -e rcode=FORMERR -e edns=1
# RFC 6891 6.1.1: more than one OPT is a format error.
$t query www.a.test. A --two-opt -e rcode=FORMERR -e an=0
# An additional record whose owner name points at itself.
$t query www.a.test. A --ar-loop -e rcode=FORMERR -e an=0
$t query www.a.test. A --edns 1232 --ar-loop -e rcode=FORMERR -e an=0
EOF
	gs_alive "FORMERR cases over ${t:-udp}"
done

section "QR=1: no reply"
raw_batch <<EOF
query www.a.test. A --qr --noreply
query www.a.test. A --qr --edns 1232 --noreply
query www.a.test. A --qr --opcode 2 --noreply
--tcp query www.a.test. A --qr --noreply
EOF
gs_alive "QR=1 packets"

section "junk over UDP: dropped or FORMERR"
KINDS="header-only truncated-question qname-loop qname-forward label-too-long name-too-long
bad-label-type ancount opt-truncated"
raw_batch <<EOF
junk empty --noreply
junk short1 --noreply
junk short11 --noreply
# Seed 1: 24 of the 40 are queries (QR=0, 12 bytes or more); each gets a reply, but
# UDP may lose some on a loaded machine, so at least half of them.
--timeout 1 junk random --count 40 --bulk --min-replies 12 -e qr=1
junk huge -e qr=1
$(for kind in $KINDS; do echo "junk $kind -e rcode=FORMERR -e qr=1"; done)
# Trailing bytes after the counted records: whatever the answer, the ID is echoed.
junk trailing -e qr=1
EOF
gs_alive "UDP junk"

section "junk in bulk"
raw_batch <<EOF
# Seed 7: 154 of the 300 are queries; seed 8: 8 of the 10 (TCP loses none, but a
# reply slower than the timeout counts as missing).
--timeout 1 junk random --count 300 --seed 7 --bulk --min-replies 77 -e qr=1
--tcp --timeout 2 junk random --count 10 --seed 8 --min-replies 4 -e qr=1
EOF
gs_alive "bulk junk"

finish
