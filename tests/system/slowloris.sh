#!/bin/bash
# SPDX-License-Identifier: MIT
# slowloris.sh -- slow TCP senders cannot lock out other clients, with the default tcp:
# limits (max_connections 1024, max_per_client 32, message_timeout 5s). One python
# process holds 1,024 connections from 32 loopback addresses (127.0.0.1 .. 127.0.0.32,
# 32 each), each trickling a query that never completes, one byte every 4 s, and opens
# a new connection whenever the server closes one. For 60 s, a new client (dig +tcp
# from 127.0.0.100) asks a query every second or so: every one must be answered within
# dig's 2 s timeout. The holder must keep (nearly) every slot busy meanwhile, or the test
# would prove nothing. This is the suite's one long test (about 70 s).
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
CLIENTS="$top_srcdir/tests/system/tcp-clients.py"
DURATION=${GS_SLOWLORIS_SECONDS:-60}

gs_start <<EOF
$(zones_yaml)
EOF

section "1,024 slow connections from 32 addresses, a new client every second for ${DURATION}s"
"$PY" "$CLIENTS" -p "$PORT" slowloris --conns 1024 --sources 32 --duration $((DURATION + 20)) \
	--ready "$T/held" >"$T/slow.out" 2>&1 &
HOLDER=$!
for _ in $(seq 1 300); do
	[ -e "$T/held" ] && break
	kill -0 "$HOLDER" 2>/dev/null || break
	sleep 0.1
done
[ -e "$T/held" ] || fatal "the slow senders never held 1024 connections: $(cat "$T/slow.out")"
ok "1024 slow connections open"

n=0 bad=0 end=$((SECONDS + DURATION))
while [ $SECONDS -lt $end ] && [ $n -lt $((DURATION * 3)) ]; do
	n=$((n + 1))
	t0=$EPOCHREALTIME
	dig +tcp +norec +time=2 +tries=1 -b 127.0.0.100 @127.0.0.1 -p "$PORT" a.test. SOA >"$T/dig.out" 2>&1
	rc=$?
	ms=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
	if [ $rc -ne 0 ] || ! grep -q 'status: NOERROR' "$T/dig.out"; then
		bad=$((bad + 1))
		echo "probe $n: not answered (dig exit $rc, ${ms} ms): $(grep -m1 -E 'status|error|reset|timed out' "$T/dig.out")"
	fi
	sleep 0.8
done
if [ $bad -eq 0 ] && [ $n -ge $((DURATION / 3)) ]; then
	ok "$n TCP queries from a new client over ${DURATION}s, all answered within 2 s"
else
	fail "$bad of $n TCP queries from a new client were not answered within 2 s"
fi

kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
sed 's/^/    | /' "$T/slow.out"
# Killed before its own end, it has not printed its summary: the last "open" line tells
# how busy the slots were. The server must have kept closing slow connections (the
# message deadline, and making room), and the holder kept them (nearly) all open.
last=$(grep -E '^open [0-9]+' "$T/slow.out" | tail -n 1)
if [[ $last =~ ^open\ ([0-9]+),\ closed\ by\ the\ server\ so\ far\ ([0-9]+) ]] &&
	[ "${BASH_REMATCH[1]}" -ge 900 ]; then
	ok "the slow senders still held ${BASH_REMATCH[1]} connections near the end"
else
	fail "the slow senders did not keep the slots busy (last report: '${last:-none}')"
fi
gs_alive "the slow senders"

finish
