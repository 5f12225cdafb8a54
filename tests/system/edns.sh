#!/bin/bash
# SPDX-License-Identifier: MIT
# edns.sh -- EDNS (RFC 6891), message sizes, truncation and name compression: OPT only
# when asked, BADVERS for version 1, the advertised UDP size (1232), payload sizes under
# 512 treated as 512, TC over UDP when the answer does not fit and the full answer over
# TCP (a 64-record A RRset, a 1.7 kB TXT RRset), the DO bit copied (RFC 3225), unknown
# options ignored, and compression pointers in answers with many names (RFC 1035 4.1.4).
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

gs_start <<EOF
$(zones_yaml)
EOF

for p in udp tcp; do
	t=
	[ $p = tcp ] && t=--tcp
	section "$p: OPT only when asked, BADVERS"
	q $p +noedns www.a.test. A
	expect_status NOERROR
	expect_no_out 'OPT PSEUDOSECTION'
	expect_count ADDITIONAL 0
	q $p +edns=0 www.a.test. A
	expect_status NOERROR
	expect_out '^; EDNS: version: 0, flags:; udp: 1232$'
	q $p +edns=1 +noednsnegotiation www.a.test. A
	expect_status BADVERS
	expect_count ANSWER 0
	expect_out '^; EDNS: version: 0, '
	raw_batch <<EOF
$t query www.a.test. A -e rcode=NOERROR -e edns=0 -e ar=0
$t query www.a.test. A --edns 4096 -e rcode=NOERROR -e edns=1 -e ver=0 -e udp=1232 -e n_opt=1
# Negative answers and refusals carry OPT too when asked, and only then.
$t query nope.a.test. A --edns 1232 -e rcode=NXDOMAIN -e edns=1
$t query www.example.org. A --edns 1232 -e rcode=REFUSED -e edns=1
$t query nope.a.test. A -e rcode=NXDOMAIN -e edns=0
# BADVERS (RFC 6891 6.1.3): no answer, our own version 0 in the OPT.
$t query www.a.test. A --edns-version 1 -e rcode=BADVERS -e an=0 -e edns=1 -e ver=0
$t query www.a.test. A --edns-version 255 -e rcode=BADVERS -e an=0
# DO copied (RFC 3225 section 3), unknown options ignored (RFC 6891 6.1.2).
$t query www.a.test. A --do -e rcode=NOERROR -e do=1 -e an=1
$t query www.a.test. A --edns 1232 -e do=0
$t query www.a.test. A --option 65001:c0ffee -e rcode=NOERROR -e an=1 -e edns=1
# Name compression: 16 MX records, each owner and each exchange's a.test. suffix a pointer.
$t query mx.a.test. MX -e rcode=NOERROR -e an=16 -e ptrs>=32 -e saved>=200
$t query a.test. NS -e rcode=NOERROR -e an=2 -e ptrs>=4
$t query big.a.test. A --edns 1232 -e an=64 -e ptrs>=64
EOF
done

section "UDP: 64-record A RRset (about 1.1 kB)"
# Without EDNS the limit is 512 bytes: TC, and nothing over the limit.
q udp +noedns +ignore big.a.test. A
expect_status NOERROR
expect_flag tc
expect_flag aa
q udp +bufsize=1232 big.a.test. A
expect_noflag tc
expect_count ANSWER 64
# Payload sizes under 512 count as 512 (RFC 6891 6.2.5): still TC for the big answer,
q udp +bufsize=100 +ignore big.a.test. A
expect_flag tc
# but a 200-byte answer is not truncated to fit 100 bytes.
q udp +bufsize=100 +ignore medium.a.test. A
expect_noflag tc
expect_count ANSWER 10
raw_batch <<EOF
query big.a.test. A -e tc=1 -e len<=512 -e rcode=NOERROR
# With room for it, all 64 over UDP.
query big.a.test. A --edns 1232 -e tc=0 -e an=64 -e len<=1232
# A payload size between 512 and the answer's size is honoured: TC.
query big.a.test. A --edns 800 -e tc=1 -e len<=800
query big.a.test. A --edns 100 -e tc=1 -e len<=512 -e edns=1
query medium.a.test. A --edns 100 -e tc=0 -e an=10
query medium.a.test. A -e tc=0 -e an=10 -e edns=0
EOF

section "TCP: the whole 64-record RRset"
q tcp +noedns big.a.test. A
expect_status NOERROR
expect_noflag tc
expect_count ANSWER 64
run_tool kdig +tcp +norec +noedns @127.0.0.1 -p "$PORT" big.a.test. A
expect_out '^;; Flags: qr aa;'
expect_out 'ANSWER: 64;'
raw_batch <<EOF
--tcp query big.a.test. A -e tc=0 -e an=64 -e aa=1
--tcp query big.a.test. A --edns 512 -e tc=0 -e an=64
EOF

section "an answer larger than the UDP maximum (8 TXT x 200 bytes)"
q udp +bufsize=4096 +ignore huge.a.test. TXT
expect_flag tc
q tcp huge.a.test. TXT
expect_noflag tc
expect_count ANSWER 8
# dig's default behaviour: TC over UDP, then the same query over TCP gets it all.
q udp +bufsize=1232 huge.a.test. TXT
expect_out 'Truncated, retrying in TCP mode'
expect_count ANSWER 8
raw_batch <<EOF
# UDP never goes over 1232 bytes whatever the client offers.
query huge.a.test. TXT --edns 4096 -e tc=1 -e len<=1232 -e udp=1232
query huge.a.test. TXT --edns 65535 -e tc=1 -e len<=1232
query huge.a.test. TXT -e tc=1 -e len<=512
# Over TCP all of it.
--tcp query huge.a.test. TXT --edns 4096 -e tc=0 -e an=8 -e len>1232
EOF

gs_alive "EDNS checks"
finish
