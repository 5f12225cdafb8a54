#!/bin/bash
# SPDX-License-Identifier: MIT
# tcp-deadlines.sh -- the deadlines that keep slow TCP clients from holding connections,
# with short values: tcp.message_timeout (a query trickled byte by byte is cut, even
# though every byte arrives well within idle_timeout; a complete query before the cut
# is still answered), tcp.max_lifetime (a connection busy with queries is closed with
# FIN at its age limit, every query answered until then), and the largest messages
# TCP can frame (65535 bytes) are answered. Closes are FIN, never reset.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
CLIENTS="$top_srcdir/tests/system/tcp-clients.py"

# clients ARGS...: runs tcp-clients.py against the daemon; its last line into OUT.
clients() {
	LAST_CMD="tcp-clients.py $*"
	OUT=$("$PY" "$CLIENTS" -p "$PORT" "$@" 2>&1 | tail -n 1)
}
# field NAME: the value of NAME=VALUE in OUT.
field() {
	[[ " $OUT " =~ \ $1=([^ ]*)\  ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}
# expect_between DESC LOW HIGH VALUE (seconds, decimals allowed)
expect_between() {
	if "$PY" -c "import sys; sys.exit(0 if $2 <= float('$4') <= $3 else 1)" 2>/dev/null; then
		ok "$1: $4 s (between $2 and $3)"
	else
		fail "$1: expected between $2 and $3 s, got '${4:-nothing}' ($LAST_CMD: $OUT)"
	fi
}

section "message_timeout 1s, idle_timeout 3s, max_lifetime 4s"
gs_start <<EOF
tcp: {idle_timeout: 3s, message_timeout: 1s, max_lifetime: 4s}
$(zones_yaml)
EOF

# One byte every 0.3 s: each arrives well within idle_timeout, but the message takes
# too long from its first byte; cut at about 1 s (a timer can be late on a loaded machine).
clients slow-message --gap 0.3 --bytes 40
expect_between "a query sent a byte every 0.3 s is cut by message_timeout" 0.8 4.5 "$(field closed_after)"
expect_eq "$LAST_CMD: the cut is a FIN" eof "$(field close)"

# A complete query then 3 bytes of the next one: the first is answered, the unfinished
# one is cut at message_timeout, with FIN.
clients partial-after
expect_eq "$LAST_CMD: the complete query is answered before the cut" 1 "$(field answered)"
expect_between "$LAST_CMD: an unfinished message is cut by message_timeout" 0.8 2.9 "$(field closed_after)"
expect_eq "$LAST_CMD: the cut is a FIN" eof "$(field close)"

# A query every 0.5 s never trips idle or message deadlines; the lifetime closes it at
# about 4 s, and every query sent is answered up to then.
clients lifetime --every 0.5 --max 10
expect_between "$LAST_CMD: a busy connection ends at max_lifetime" 3.8 7 "$(field closed_after)"
expect_eq "$LAST_CMD: closed with FIN" eof "$(field close)"
sent=$(field sent) answered=$(field answered)
if [ -n "$sent" ] && [ "${answered:-0}" -ge 7 ] && [ "$answered" -ge $((sent - 1)) ]; then
	ok "$LAST_CMD: $answered of $sent queries answered (the last may cross the FIN)"
else
	fail "$LAST_CMD: expected every query but maybe the last answered, got $OUT"
fi

section "messages up to 65535 bytes"
for size in 16383 40000 65535; do
	clients large-query --size "$size"
	expect_eq "$LAST_CMD: the large query and the one after it are answered" \
		"size=$size replies=20817:NOERROR:an=1 21074:NOERROR:an=1" "$OUT"
done
gs_alive "large queries"

finish
