#!/bin/bash
# SPDX-License-Identifier: MIT
# udp-threads.sh -- UDP is served by one thread per socket that waits in recvmmsg: with
# `threads: 3` (and ::1 beside 127.0.0.1 when the host has IPv6) every query sent from
# 40 source ports, a few at a time, is answered while 10 reloads run, each reload
# finishing promptly (an idle UDP thread does not hold it up); `stats` counts every one
# of those queries over UDP (the counters of all the threads are summed) and still says
# 3 workers; SIGTERM stops the daemon at once although its UDP threads are blocked.
# Loopback only; bounded in count and time.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

gs_start <<EOF
threads: 3
$(zones_yaml)
EOF

ctl_stats ST0
[ "${ST0[workers]:-}" = 3 ] && ok "stats: 3 workers" || fail "stats: workers '${ST0[workers]:-}', expected 3"

section "queries from many ports while reloading"
# The client: 40 sockets (so SO_REUSEPORT spreads them over the threads), 10 rounds of
# one query per socket, for each address; every query must be answered within 2 s.
"$PY" - "$PORT" "${HAVE_V6:+::1}" >"$T/client.out" 2>&1 <<'PY' &
import socket, struct, sys, time
port, hosts = int(sys.argv[1]), ['127.0.0.1'] + [h for h in sys.argv[2:] if h]
q = lambda i: struct.pack('!HHHHHH', i & 0xffff, 0, 1, 0, 0, 0) + b'\x01a\x04test\x00\x00\x06\x00\x01'
sent = answered = 0
for host in hosts:
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(40)]
    for s in socks:
        s.settimeout(2)
    for rnd in range(10):
        for i, s in enumerate(socks):
            s.sendto(q(rnd * 40 + i), (host, port))
            sent += 1
        for i, s in enumerate(socks):
            try:
                r = s.recv(512)
                if r[:2] == q(rnd * 40 + i)[:2] and r[3] & 0xf == 0:
                    answered += 1
            except socket.timeout:
                pass
        time.sleep(0.02)
print('sent=%d answered=%d' % (sent, answered))
PY
client=$!
n_ok=0
slow=
for i in $(seq 1 10); do
	t0=$SECONDS
	ctl_capture -s "$T/control.sock" reload
	[ "$C_RC" = 0 ] && n_ok=$((n_ok + 1))
	[ $((SECONDS - t0)) -le 5 ] || slow="reload $i took $((SECONDS - t0)) s"
done
expect_eq "reloads that succeeded" 10 "$n_ok"
[ -z "$slow" ] && ok "every reload finished within 5 s" || fail "$slow"
wait "$client"
out=$(cat "$T/client.out")
sent=${out#sent=}
sent=${sent%% *}
expect_eq "queries answered (NOERROR, same ID)" "sent=$sent answered=$sent" "$out"

ctl_stats ST1
expect_eq "stats: UDP queries counted" "$sent" $((${ST1[udp]:-0} - ${ST0[udp]:-0}))
expect_eq "stats: workers after reloads" 3 "${ST1[workers]:-}"

section "SIGTERM with every UDP thread waiting"
GS_STOP_TIMEOUT=3
finish
