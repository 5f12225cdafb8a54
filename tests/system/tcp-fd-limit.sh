#!/bin/bash
# SPDX-License-Identifier: MIT
# tcp-fd-limit.sh -- out of file descriptors: the daemon runs with a limit of 64 open
# files while 100 TCP clients connect and stay. Accepting pauses (100 ms at a time) and
# resumes by itself; the warning about it is logged once, not at every pause (a pause
# every 100 ms per worker used to fill the log), and once the clients are gone a new
# TCP client is answered again. The clients stay for about 1.5 s, long enough for a
# dozen pauses: the log is read after that window. Loopback only; bounded in time.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

command -v prlimit >/dev/null || {
	echo "SKIP: prlimit (util-linux) not found"
	exit 77
}
GS_WRAPPER="prlimit --nofile=64:64"
gs_start <<EOF
threads: 1
tcp: {max_connections: 1000, max_per_client: 1000}
$(zones_yaml)
EOF

warnings() { grep -c 'out of file descriptors' "$T/gs.log"; }
has_warning() { [ "$(warnings)" -ge 1 ]; }

"$PY" - "$PORT" "$T/held" <<'EOF' &
import socket, sys, time
port, flag = int(sys.argv[1]), sys.argv[2]
held = []
for _ in range(100):
    try:
        held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        break
open(flag, "w").write(str(len(held)))
time.sleep(1.5)
for s in held:
    s.close()
EOF
HOLDER=$!
wait_until 10 test -s "$T/held" || fail "the clients did not connect"
ok "$(cat "$T/held") clients connected"
wait_until 10 has_warning || fail "no 'out of file descriptors' warning: the limit was never reached"
wait "$HOLDER"
expect_eq "warnings about the descriptor shortage in about 1.5 s of it" 1 "$(warnings)"
grep 'out of file descriptors' "$T/gs.log" | head -n 3 | sed 's/^/    /'

# The clients are gone: accepting resumes by itself (at the latest 100 ms after a pause).
q tcp www.a.test. A
expect_status NOERROR
gs_alive "the descriptor shortage"
finish
