#!/bin/bash
# SPDX-License-Identifier: MIT
# lifecycle.sh -- the daemon as a program: `--check` exits 0 on a good config and 1 on a
# bad config or a bad zone, printing each problem as FILE:LINE: message, without binding
# a socket (it still passes while another process holds the listen port); a bad config
# or zone makes the daemon itself exit 1 with the same messages; a taken port makes it
# fail; SIGTERM stops it with status 0, also with an idle TCP client connected, and the
# port is free again afterwards.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

# run_gsd TIMEOUT ARGS...: runs geosteerd in the foreground, bounded; sets RC and OUT.
run_gsd() {
	local limit=$1
	shift
	LAST_CMD="geosteerd $*"
	timeout -k 2 "$limit" "$GSD" "$@" >"$T/run.out" 2>&1 </dev/null
	RC=$?
	cp "$T/run.out" "$T/dig.out"
	parse_out
}

expect_rc() {
	if [ "$RC" = "$1" ]; then
		ok "$LAST_CMD: exit status $1"
	else
		fail "$LAST_CMD: expected exit status $1, got $RC (124 = still running at the timeout)"
		sed 's/^/    | /' "$T/run.out"
	fi
}

# expect_line PREFIX: an output line starts with exactly PREFIX (FILE:LINE: ...);
# expect_has TEXT: some output line contains TEXT (the daemon may prefix its log lines).
expect_line() {
	if awk -v p="$1" 'index($0, p) == 1 { f = 1 } END { exit !f }' "$T/run.out"; then
		ok "$LAST_CMD: a line starts with '$1'"
	else
		fail "$LAST_CMD: expected a line starting with '$1', got:"
		sed 's/^/    | /' "$T/run.out"
	fi
}
expect_has() {
	if grep -qF -- "$1" "$T/run.out"; then
		ok "$LAST_CMD: output has '$1'"
	else
		fail "$LAST_CMD: expected '$1' in the output, got:"
		sed 's/^/    | /' "$T/run.out"
	fi
}

section "--check on the shipped fixtures"
run_gsd 20 -c "$DATA/good.yaml" --check
expect_rc 0
run_gsd 20 --check -c "$DATA/good.yaml"
expect_rc 0
run_gsd 20 -c "$DATA/bad-config.yaml" --check
expect_rc 1
expect_line "$DATA/bad-config.yaml:3: "
expect_line "$DATA/bad-config.yaml:4: "
expect_line "$DATA/bad-config.yaml:8: "
run_gsd 20 -c "$DATA/bad-zone.yaml" --check
expect_rc 1
expect_line "$DATA/bad.zone:7: "
run_gsd 20 -c "$T/does-not-exist.yaml" --check
expect_rc 1
expect_out "does-not-exist\.yaml"

section "the daemon itself refuses bad input with exit 1"
# Copies of the fixtures on a free port (same lines), so that nothing else matters.
FREE=$("$PY" "$RAWDNS" freeport) || fatal "no free port"
for f in bad-config bad-zone; do
	sed "s|127.0.0.1:53|127.0.0.1:$FREE|; s|file: |file: $DATA/|" "$DATA/$f.yaml" >"$T/$f.yaml"
done
run_gsd 20 -c "$T/bad-config.yaml"
expect_rc 1
expect_has "$T/bad-config.yaml:3: "
expect_has "$T/bad-config.yaml:4: "
run_gsd 20 -c "$T/bad-zone.yaml"
expect_rc 1
expect_has "$DATA/bad.zone:7: "

section "--check does not bind"
HELD=$("$PY" "$RAWDNS" freeport) || fatal "no free port"
"$PY" "$RAWDNS" hold "$HELD" 60 >"$T/hold.out" 2>&1 &
HOLDER=$!
for _ in $(seq 1 50); do
	grep -q held "$T/hold.out" && break
	sleep 0.1
done
grep -q held "$T/hold.out" || fatal "could not hold port $HELD: $(cat "$T/hold.out")"
gs_control_probe
{
	echo "listen: [\"127.0.0.1:$HELD\"]"
	[ "$GS_CONTROL_OK" = yes ] && echo "control: $T/held.sock"
	zones_yaml
} >"$T/held.yaml"
run_gsd 20 -c "$T/held.yaml" --check
expect_rc 0
# A config error in a file next to it is still found, at its line.
{
	cat "$T/held.yaml"
	echo "no_such_key: 1"
} >"$T/held-bad.yaml"
LINE=$(wc -l <"$T/held-bad.yaml")
run_gsd 20 -c "$T/held-bad.yaml" --check
expect_rc 1
expect_line "$T/held-bad.yaml:$LINE: "
# ...and the port really is taken: the daemon proper cannot start there.
run_gsd 20 -c "$T/held.yaml"
if [ "$RC" != 0 ] && [ "$RC" != 124 ]; then
	ok "$LAST_CMD: fails (status $RC) while port $HELD is held"
else
	fail "$LAST_CMD: expected a non-zero exit while port $HELD is held, got $RC"
	sed 's/^/    | /' "$T/run.out"
fi
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null

section "SIGTERM with an idle TCP client connected"
gs_start <<EOF
tcp: {idle_timeout: 30s}
$(zones_yaml)
EOF
q udp www.a.test. A
expect_status NOERROR
"$PY" "$RAWDNS" -p "$PORT" --tcp tcp-idle --query --ready "$T/idle.ready" --min 0 --max 20 \
	>"$T/idle.out" 2>&1 &
IDLE=$!
# Stop only once the client is connected and answered (python can take seconds to start
# on a loaded machine); bounded at 20 s.
for _ in $(seq 1 200); do
	[ -e "$T/idle.ready" ] && break
	kill -0 "$IDLE" 2>/dev/null || break
	sleep 0.1
done
[ -e "$T/idle.ready" ] || fail "the idle TCP client never got its first answer: $(cat "$T/idle.out")"
t0=$SECONDS
STOP_PORT=$PORT
gs_stop
expect_eq "SIGTERM took at most 5 s with an idle client" yes "$([ $((SECONDS - t0)) -le 5 ] && echo yes || echo "no ($((SECONDS - t0)) s)")"
wait "$IDLE"
expect_eq "the idle client saw its connection closed" 0 "$?"
if "$PY" "$RAWDNS" hold --reuseaddr "$STOP_PORT" 0 >/dev/null 2>&1; then
	ok "port $STOP_PORT is free again after the daemon exited"
else
	fail "port $STOP_PORT is still bound after the daemon exited"
fi

section "start, serve, SIGTERM, start again"
for round in 1 2; do
	gs_start <<EOF
threads: 2
$(zones_yaml)
EOF
	q tcp a.test. SOA
	expect_status NOERROR
	gs_stop
done

finish
