#!/bin/bash
# SPDX-License-Identifier: MIT
# tcp-close.sh -- a pipelining client never loses a query the server received (RFC 7766
# sections 6.2.3 and 6.2.4): with tcp.max_queries 50, a client sends several hundred
# queries on one connection; every query that reached the server before it decided to
# close is answered, the answers come in order and the connection ends with FIN, not a
# reset. The daemon's own TCP query counter (geosteerctl stats) must equal the answers
# the client got: no answer is lost. Queries sent after the server's FIN are the
# client's to resend.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
CLIENTS="$top_srcdir/tests/system/tcp-clients.py"

clients() {
	LAST_CMD="tcp-clients.py $*"
	OUT=$("$PY" "$CLIENTS" -p "$PORT" "$@" 2>&1 | tail -n 1)
}
field() {
	[[ " $OUT " =~ \ $1=([^ ]*)\  ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}
tcp_count() {
	ctl_stats ST
	printf '%s\n' "${ST[tcp]:-}"
}

section "max_queries 50, pipelining"
gs_start <<EOF
tcp: {max_queries: 50}
$(zones_yaml)
EOF
[ "$GS_CONTROL_OK" = yes ] || fatal "this build has no control socket (needed for the stats)"

# 300 queries in one write: all had reached the server when it reached its limit.
before=$(tcp_count)
clients pipeline-close --count 300
after=$(tcp_count)
expect_eq "$LAST_CMD: answers (all 300 were received before the limit)" 300 "$(field answers)"
expect_eq "$LAST_CMD: the connection ends with FIN" eof "$(field close)"
expect_eq "$LAST_CMD: answers in order, none twice" "ok 0" "$(field order) $(field dup)"
expect_eq "$LAST_CMD: queries the daemon answered = answers the client got" \
	"$(field answers)" "$((after - before))"

# 400 queries in 4 writes 0.3 s apart: the first write is answered in full (it was all
# received when the limit was reached), the answers are a prefix of what was sent, and
# whatever came after the FIN is not answered, without a reset.
before=$(tcp_count)
clients pipeline-close --count 400 --writes 4 --gap 0.3
after=$(tcp_count)
n=$(field answers)
if [ -n "$n" ] && [ "$n" -ge 100 ] && [ "$n" -le 400 ] && [ "$(field first_unanswered)" = "$n" ]; then
	ok "$LAST_CMD: the first $n queries answered, none after a gap ($OUT)"
else
	fail "$LAST_CMD: expected the first K >= 100 queries answered and no other, got $OUT"
fi
expect_eq "$LAST_CMD: the connection ends with FIN" eof "$(field close)"
expect_eq "$LAST_CMD: queries the daemon answered = answers the client got" "$n" "$((after - before))"

section "the default: no max_queries"
gs_stop
gs_start <<EOF
$(zones_yaml)
EOF
clients --timeout 2 pipeline-close --count 600
expect_eq "$LAST_CMD: 600 answers" 600 "$(field answers)"
expect_eq "$LAST_CMD: the connection stays open" open "$(field close)"

section "shutdown with queries received but not yet answered"
# 20,000 queries in one write, and the client reads nothing: the answers back up, the
# server stops reading, and the rest of the queries wait in its socket buffer. Then
# SIGTERM; once the daemon says it is stopping, the client reads. Every query it had
# sent was received, so every one is answered before the FIN.
"$PY" "$CLIENTS" -p "$PORT" --timeout 20 pipeline-close --count 20000 --ready "$T/sent" \
	--hold "$T/go" >"$T/shutdown.out" 2>&1 &
CLIENT=$!
wait_until 20 test -e "$T/sent" || fail "the client did not send its queries"
kill -TERM "$GS_PID"
stopping() { grep -q 'received, stopping' "$T/gs.log"; }
wait_until 10 stopping || fail "the daemon did not log that it is stopping"
touch "$T/go"
wait "$CLIENT"
OUT=$(tail -n 1 "$T/shutdown.out")
LAST_CMD="tcp-clients.py pipeline-close --count 20000 (SIGTERM before reading)"
expect_eq "$LAST_CMD: answers" 20000 "$(field answers)"
expect_eq "$LAST_CMD: the connection ends with FIN" eof "$(field close)"
expect_eq "$LAST_CMD: answers in order, none twice" "ok 0" "$(field order) $(field dup)"
wait_until 10 test -f "$T/gs.status" || fail "the daemon did not exit after SIGTERM"
expect_eq "geosteerd exit status after SIGTERM" 0 "$(cat "$T/gs.status" 2>/dev/null)"
wait "$GS_JOB" 2>/dev/null
GS_PID=

finish
