#!/bin/bash
# SPDX-License-Identifier: MIT
# cookies.sh -- DNS Cookies (RFC 7873, server cookies as in RFC 9018) with cookies:
# configured: every response to a query with a COOKIE option carries the client cookie
# and our server cookie (version 1, the current time); a server cookie sent back is
# accepted (echoed unchanged while young), one that was tampered with or comes from
# another client address gets a fresh one and the query is still answered; COOKIE
# options of a bad length are FORMERR (RFC 7873 5.2.2); QDCOUNT 0 with a cookie gets
# NOERROR and a cookie (5.4). Without cookies: configured, the option is ignored.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

CLIENT="$top_srcdir/tests/system/rrl-client.py"
SECRET=0123456789abcdef0123456789abcdef

# rc ARGS...: runs rrl-client.py against the daemon; its output is in $RC_OUT.
rc() {
	RC_OUT=$("$PY" "$CLIENT" -p "$PORT" "$@" 2>&1)
}

# cookie_of: the COOKIE hex string in the last dig output ("" when none).
cookie_of() {
	local line
	line=$(grep_lines_print '^; COOKIE: ')
	line=${line#; COOKIE: }
	printf '%s\n' "${line%% *}"
}
grep_lines_print() {
	local line
	while IFS= read -r line; do
		[[ $line =~ $1 ]] && printf '%s\n' "$line" && return 0
	done <<<"$R_LINES"
	return 1
}

gs_start <<EOF
threads: 2
cookies: {secret: $SECRET}
$(zones_yaml)
EOF

for p in udp tcp; do
	section "$p: a client cookie gets our server cookie"
	q $p +cookie www.a.test. A
	expect_status NOERROR
	expect_count ANSWER 1
	expect_out '^; COOKIE: [0-9a-f]{48} \(good\)$'
	ck=$(cookie_of)
	now=$(date +%s)
	# Client cookie (16 hex), version 01, reserved 000000, timestamp, hash.
	expect_eq "$p: server cookie version and reserved bytes" 01000000 "${ck:16:8}"
	ts=$((16#${ck:24:8}))
	if [ $((now - ts)) -ge -5 ] && [ $((now - ts)) -le 5 ]; then
		ok "$p: server cookie timestamp $ts is now ($now)"
	else
		fail "$p: server cookie timestamp $ts is not now ($now)"
	fi

	section "$p: the cookie sent back is accepted"
	q $p +cookie="$ck" www.a.test. A
	expect_status NOERROR
	expect_count ANSWER 1
	expect_out '^; COOKIE: [0-9a-f]{48} \(good\)$'
	expect_eq "$p: a valid young server cookie comes back unchanged" "$ck" "$(cookie_of)"

	section "$p: a tampered server cookie is replaced, the query still answered"
	last=${ck:47:1}
	[ "$last" = 0 ] && bad=${ck:0:47}1 || bad=${ck:0:47}0
	q $p +cookie="$bad" www.a.test. A
	expect_status NOERROR
	expect_count ANSWER 1
	expect_out '^; COOKIE: [0-9a-f]{48} \(good\)$'
	got=$(cookie_of)
	if [ "$got" != "$bad" ] && [ "${got:0:24}" = "${ck:0:24}" ]; then
		ok "$p: fresh server cookie ${got:16} for the tampered one"
	else
		fail "$p: expected a fresh server cookie, got '$got' for '$bad'"
	fi
done

section "the server cookie is bound to the client's address"
rc --source 127.0.0.1 cookie www.a.test. A --client 1122334455667788
ck1=${RC_OUT##*cookie=}
expect_eq "cookie length from 127.0.0.1" 48 "${#ck1}"
rc --source 127.0.0.1 cookie www.a.test. A --client 1122334455667788 --server "${ck1:16}"
expect_eq "sent back from the same address: echoed" "$ck1" "${RC_OUT##*cookie=}"
rc --source 127.0.0.2 cookie www.a.test. A --client 1122334455667788 --server "${ck1:16}"
got=${RC_OUT##*cookie=}
if [[ $RC_OUT == "rcode=NOERROR qd=1 an=1 "* ]] && [ "$got" != "$ck1" ] && [ ${#got} = 48 ]; then
	ok "from another address: answered, with a fresh server cookie ($RC_OUT)"
else
	fail "from another address: expected an answer and a new cookie, got '$RC_OUT' (sent ${ck1:16})"
fi
# A server cookie of another length (8 to 32 bytes are well-formed, ours are 16): answered.
rc cookie www.a.test. A --client 1122334455667788 --server 0102030405060708
if [[ $RC_OUT == "rcode=NOERROR qd=1 an=1 tc=0 cookie=1122334455667788"* ]]; then
	ok "an 8-byte foreign server cookie: answered with ours ($RC_OUT)"
else
	fail "an 8-byte foreign server cookie: got '$RC_OUT'"
fi

section "malformed COOKIE options: FORMERR (RFC 7873 5.2.2)"
raw_batch <<EOF
query www.a.test. A --edns 1232 --option 10:00112233 -e rcode=FORMERR -e edns=1
query www.a.test. A --edns 1232 --option 10: -e rcode=FORMERR
query www.a.test. A --edns 1232 --option 10:112233445566778899 -e rcode=FORMERR
query www.a.test. A --edns 1232 --option 10:1122334455667788aabbccddeeff00 -e rcode=FORMERR
query www.a.test. A --edns 1232 --option 10:$(printf '%082d' 0) -e rcode=FORMERR
--tcp query www.a.test. A --edns 1232 --option 10:00112233 -e rcode=FORMERR
# Two COOKIE options: two clients' cookies in one message.
query www.a.test. A --edns 1232 --option 10:1122334455667788 --option 10:1122334455667788 -e rcode=FORMERR
# Well-formed lengths are answered: 8, 8+8, 8+32.
query www.a.test. A --edns 1232 --option 10:1122334455667788 -e rcode=NOERROR -e an=1
query www.a.test. A --edns 1232 --option 10:11223344556677880000000000000000 -e rcode=NOERROR -e an=1
query www.a.test. A --edns 1232 --option 10:1122334455667788$(printf '%064d' 0) -e rcode=NOERROR -e an=1
EOF

section "QDCOUNT 0 with a cookie: NOERROR and a server cookie (RFC 7873 5.4)"
q udp +header-only +cookie
expect_status NOERROR
expect_count QUESTION 0
expect_count ANSWER 0
expect_out '^; COOKIE: [0-9a-f]{48} \(good\)$'
rc cookie ignored. A --client 0102030405060708 --qdcount0
if [[ $RC_OUT =~ ^rcode=NOERROR\ qd=0\ an=0\ tc=0\ cookie=0102030405060708010000[0-9a-f]{26}$ ]]; then
	ok "QDCOUNT 0 + cookie over UDP: $RC_OUT"
else
	fail "QDCOUNT 0 + cookie over UDP: got '$RC_OUT'"
fi
rc cookie ignored. A --client 0102030405060708 --qdcount0 --tcp
if [[ $RC_OUT =~ ^rcode=NOERROR\ qd=0\ an=0\ tc=0\ cookie=0102030405060708010000 ]]; then
	ok "QDCOUNT 0 + cookie over TCP: $RC_OUT"
else
	fail "QDCOUNT 0 + cookie over TCP: got '$RC_OUT'"
fi
raw_batch <<EOF
# Without a cookie, or with a malformed one, no question is still malformed.
query ignored. A --qdcount 0 -e rcode=FORMERR -e qd=0
query ignored. A --qdcount 0 --edns 1232 -e rcode=FORMERR -e qd=0
query ignored. A --qdcount 0 --edns 1232 --option 10:0011 -e rcode=FORMERR -e qd=0
EOF

section "geosteerctl stats: the cookie counters move by exactly the queries sent"
rc --source 127.0.0.6 cookie www.a.test. A --client 99aabbccddeeff00
ck6=${RC_OUT##*cookie=}
expect_eq "cookie length from 127.0.0.6" 48 "${#ck6}"
[ "${ck6:46}" = 00 ] && bad6=${ck6:16:30}11 || bad6=${ck6:16:30}00
ctl_stats ST0
rc --source 127.0.0.6 burst www.a.test. A --count 20 --client 99aabbccddeeff00
expect_eq "20 with a client cookie only" "sent=20 full=20 truncated=0 none=0 rcodes=NOERROR tcrr=0" "$RC_OUT"
rc --source 127.0.0.6 burst www.a.test. A --count 30 --client 99aabbccddeeff00 --server "${ck6:16}"
expect_eq "30 with the valid server cookie" "sent=30 full=30 truncated=0 none=0 rcodes=NOERROR tcrr=0" "$RC_OUT"
rc --source 127.0.0.6 burst www.a.test. A --count 40 --client 99aabbccddeeff00 --server "$bad6"
expect_eq "40 with a tampered server cookie" "sent=40 full=40 truncated=0 none=0 rcodes=NOERROR tcrr=0" "$RC_OUT"
rc --source 127.0.0.6 cookie www.a.test. A --client 99aabbccddeeff00 --server "${ck6:16}" --tcp
expect_eq "1 over TCP with the valid server cookie" "$ck6" "${RC_OUT##*cookie=}"
# Malformed (FORMERR) and cookie-less queries count in none of the three.
raw_batch <<EOF2
query www.a.test. A --edns 1232 --option 10:00112233 -e rcode=FORMERR
query www.a.test. A --edns 1232 -e rcode=NOERROR
EOF2
ctl_stats ST1
for k in cookie_new:20 cookie_valid:31 cookie_invalid:40 queries:93 rrl_dropped:0 rrl_slipped:0; do
	expect_eq "stats: ${k%:*} moved by" "${k#*:}" $((${ST1[${k%:*}]:-0} - ${ST0[${k%:*}]:-0}))
done

section "without cookies: configured, the option is ignored"
gs_stop
gs_start <<EOF
$(zones_yaml)
EOF
q udp +cookie www.a.test. A
expect_status NOERROR
expect_count ANSWER 1
expect_no_out '^; COOKIE: '
raw_batch <<EOF
query www.a.test. A --edns 1232 --option 10:00112233 -e rcode=NOERROR -e an=1
query ignored. A --qdcount 0 --edns 1232 --option 10:1122334455667788 -e rcode=FORMERR
EOF

finish
