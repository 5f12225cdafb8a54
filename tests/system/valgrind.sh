#!/bin/bash
# SPDX-License-Identifier: MIT
# valgrind.sh -- geosteerd under memcheck: a few hundred queries over UDP and TCP
# (answers of every kind, truncation, pipelining, EDNS, CHAOS, malformed packets), then
# SIGTERM. Fails on any memcheck error or any definite or indirect leak (valgrind exits
# 99 then, which lib.sh's gs_stop reports as a non-zero exit status).
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
if [ "${GS_SANITIZERS:-no}" = yes ]; then
	# AddressSanitizer and valgrind cannot share a process; the sanitizer build checks
	# the same memory errors itself.
	echo "SKIP: built with --enable-sanitizers (AddressSanitizer), which valgrind cannot run"
	exit 77
fi
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

command -v valgrind >/dev/null 2>&1 || fatal "valgrind not found: apt-get install valgrind"

VGLOG="$T/valgrind.log"
GS_WRAPPER="valgrind --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=30 \
--log-file=$VGLOG"
GS_START_TIMEOUT=60
GS_STOP_TIMEOUT=60

gs_start <<EOF
threads: 2
identity: ns1.valgrind.test
tcp: {idle_timeout: 2s, max_queries: 50}
$(zones_yaml)
EOF

section "traffic"
raw_batch <<EOF
--timeout 5 burst --count 200
--timeout 5 --tcp burst --count 100
--timeout 5 --tcp pipeline --count 20
--timeout 5 --tcp pipeline --split-message
--timeout 5 query big.a.test. A -e tc=1
--timeout 5 --tcp query huge.a.test. TXT -e an=8
--timeout 5 query www.a.test. A --nsid -e nsid=ns1.valgrind.test
--timeout 5 query id.server. TXT --class CH -e an=1
--timeout 5 query www.a.test. A --edns-version 1 -e rcode=BADVERS
--timeout 5 query www.a.test. ANY -e rcode=NOERROR
--timeout 5 --tcp query a.test. AXFR -e rcode=REFUSED
--timeout 5 query a.test. SOA --opcode 2 -e rcode=NOTIMP
--timeout 5 query a.test. SOA --qdcount 2 -e rcode=FORMERR
--timeout 5 query www.a.test. A --two-opt -e rcode=FORMERR
--timeout 5 query www.a.test. A --ar-loop -e rcode=FORMERR
--timeout 1 query www.a.test. A --qr --noreply
--timeout 2 junk random --count 100 --bulk --min-replies 26 -e qr=1
--timeout 1 junk short11 --noreply
--timeout 5 junk qname-loop -e rcode=FORMERR
--timeout 1 --tcp junk partial --noreply
# A connection left open until the idle timeout closes it.
--tcp tcp-idle --query --min 0.5 --max 20
EOF
gs_alive "the traffic above"

gs_stop
if ! grep -q 'ERROR SUMMARY: 0 errors' "$VGLOG"; then
	fail "valgrind reported errors:"
	sed 's/^/    | /' "$VGLOG"
else
	ok "valgrind: $(grep 'ERROR SUMMARY' "$VGLOG" | sed 's/^==[0-9]*== //')"
	grep -E 'definitely lost|indirectly lost|possibly lost' "$VGLOG" | sed 's/^==[0-9]*== /    /'
fi

finish
