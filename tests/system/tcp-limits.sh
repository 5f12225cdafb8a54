#!/bin/bash
# SPDX-License-Identifier: MIT
# tcp-limits.sh -- the tcp: limits of the config (RFC 7766 section 6.2.3 and 10):
# idle_timeout (a silent connection is closed by the server after it, a busy one is not),
# max_queries (answers on one connection, then the server closes it; queries pipelined
# before the close are still answered), max_connections and max_per_client (a new
# connection at a full cap is served: the oldest idle connection is closed with FIN to
# make room, the others keep working; a connection whose client stopped reading its
# answers goes first). One daemon per set of limits. The deadlines that
# stop slow senders are in tcp-deadlines.sh, the pipelining close in tcp-close.sh.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

section "idle_timeout 1s, max_queries 5"
gs_start <<EOF
tcp: {idle_timeout: 1s, max_queries: 5}
$(zones_yaml)
EOF
# Closed after about a second of silence: not before 0.5 s, and surely by 4 s.
raw_batch <<EOF
--tcp tcp-idle --min 0.5 --max 4
--tcp tcp-idle --query --min 0.5 --max 4
# Activity resets the timer: 4 queries 0.6 s apart span 1.8 s on one connection.
--tcp tcp-active --interval 0.6 --duration 2.0
# Five answers, then the server closes the connection (pipelined: the ten queries
# sent in one write had all arrived, and all are answered before the close).
--tcp tcp-maxq --limit 5
--tcp tcp-maxq --limit 5 --pipelined
# UDP is not limited by any of this.
burst --count 20
EOF
gs_stop

section "max_connections 4 (one worker thread)"
gs_start <<EOF
threads: 1
tcp: {max_connections: 4, max_per_client: 4, idle_timeout: 10s}
$(zones_yaml)
EOF
raw --tcp tcp-cap --limit 4 --extra 3
gs_alive "the connection cap"
gs_stop

# One worker thread: a worker makes room among its own connections.
section "max_per_client 2 (one worker thread)"
gs_start <<EOF
threads: 1
tcp: {max_connections: 100, max_per_client: 2, idle_timeout: 10s}
$(zones_yaml)
EOF
# Another client (::1 is another address) is served while 127.0.0.1 is at its cap.
raw --tcp tcp-cap --limit 2 --extra 2 ${HAVE_V6:+--other-client ::1}
gs_alive "the per-client cap"
gs_stop

# A connection whose client stopped reading its answers gives way before one that owes
# nothing, even one with an older query (server/tcp_room.c).
section "max_connections 3: the stalled reader gives way"
gs_start <<EOF
threads: 1
tcp: {max_connections: 3, max_per_client: 3, idle_timeout: 30s}
$(zones_yaml)
EOF
LAST_CMD="tcp-clients.py stalled-gives-way"
OUT=$("$PY" "$top_srcdir/tests/system/tcp-clients.py" -p "$PORT" stalled-gives-way 2>&1 | tail -n 1)
expect_eq "stalled reader: the new connection is answered" "d=answered" "$(grep -o 'd=[a-z]*' <<<"$OUT")"
expect_eq "stalled reader: it is the one closed" "a=closed" "$(grep -o 'a=[a-z]*' <<<"$OUT" | sed 's/=eof\|=reset/=closed/')"
expect_eq "stalled reader: B stays open" "b=open" "$(grep -o 'b=[a-z]*' <<<"$OUT")"
expect_eq "stalled reader: C stays open" "c=open" "$(grep -o 'c=[a-z]*' <<<"$OUT")"
gs_alive "a stalled reader at the cap"

finish
