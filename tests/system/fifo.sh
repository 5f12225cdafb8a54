#!/bin/bash
# SPDX-License-Identifier: MIT
# fifo.sh -- a FIFO (named pipe, no writer) in place of the configuration, a zone file,
# an $INCLUDEd file or the GeoIP database never blocks geosteerd: `--check` and start-up
# fail at once naming the file and what it is, and a reload fails the same way while
# the daemon stays responsive (`status` answers, DNS is served from the old data, a
# later good reload works, SIGHUP is acted on and SIGTERM stops it within 2 s).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"

if [ ! -f "$DEMO_MMDB" ]; then
	echo "FATAL: $DEMO_MMDB is not built: run 'make' (all builds it)" >&2
	exit 99
fi
# Every command that could block gets this many seconds before it counts as hung.
LIMIT=10
FIFO_WHY='it is a FIFO, not a regular file'

# ctl ARGS...: geosteerctl on this test's socket, bounded by LIMIT; sets C_RC (124 when
# it hung), C_OUT, C_ERR.
ctl() {
	LAST_CMD="geosteerctl $*"
	C_OUT=$(timeout "$LIMIT" "$GSCTL" -s "$T/control.sock" "$@" 2>"$T/ctl.err")
	C_RC=$?
	C_ERR=$(<"$T/ctl.err")
}

# The files, all regular to begin with: geosteerd.yaml (written by gs_start) names
# geo.test.zone, which $INCLUDEs inc.zone, and copy.mmdb.
DB="$T/copy.mmdb"
cp "$DEMO_MMDB" "$DB"
geo_yaml "$DB" >"$T/body.yaml"
printf '$INCLUDE %s/inc.zone\n' "$T" >>"$T/geo.test.zone"
printf 'included IN A 192.0.2.81\n' >"$T/inc.zone"
for f in geo.test.zone inc.zone copy.mmdb; do
	cp "$T/$f" "$T/$f.good"
done

# fifo_in FILE: replaces $T/FILE by a FIFO; good_in FILE: puts the regular file back.
fifo_in() {
	rm -f "$T/$1"
	mkfifo "$T/$1"
}
good_in() {
	rm -f "$T/$1"
	cp "$T/$1.good" "$T/$1"
}
# what FILE: the message expected for a FIFO in place of $T/FILE (an ERE).
what() {
	case $1 in
	standalone.yaml | geosteerd.yaml) echo "(^|error: )$T/$1: cannot open the configuration: $FIFO_WHY" ;;
	geo.test.zone) echo "(^|error: )$T/geo.test.zone: cannot open: $FIFO_WHY" ;;
	inc.zone) echo "(^|error: )$T/geo.test.zone:[0-9]+: cannot open \\\$INCLUDE file $T/inc.zone: $FIFO_WHY" ;;
	copy.mmdb) echo "(^|error: )$T/[a-z]+\\.yaml:[0-9]+: database: cannot read $T/copy.mmdb: $FIFO_WHY" ;;
	esac
}

# run_bounded LABEL CMD...: runs CMD with LIMIT; sets RUN_RC (124: hung) and RUN_OUT.
run_bounded() {
	local label=$1
	shift
	RUN_OUT=$(timeout "$LIMIT" "$@" 2>&1 </dev/null)
	RUN_RC=$?
	if [ "$RUN_RC" = 124 ]; then
		fail "$label: still blocked after ${LIMIT}s (killed)"
	fi
}
expect_run() {
	local label=$1 rc=$2 re=$3
	if [ "$RUN_RC" = "$rc" ]; then
		ok "$label: exit $rc"
	else
		fail "$label: expected exit $rc, got $RUN_RC"
	fi
	if grep_lines "$re" "$RUN_OUT"; then
		ok "$label: says /$re/"
	else
		fail "$label: expected /$re/, got:"
		printf '%s\n' "$RUN_OUT" | sed 's/^/    | /'
	fi
}

# A configuration of its own for --check and start-up (gs_start writes the one the
# running daemon uses).
SPORT=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
{
	echo "listen: [\"127.0.0.1:$SPORT\"]"
	echo "control: $T/standalone.sock"
	cat "$T/body.yaml"
} >"$T/standalone.yaml"
cp "$T/standalone.yaml" "$T/standalone.yaml.good"
run_bounded "--check, every file regular" "$GSD" -c "$T/standalone.yaml" --check
expect_run "--check, every file regular" 0 ': OK: '

for f in standalone.yaml geo.test.zone inc.zone copy.mmdb; do
	section "a FIFO in place of $f: --check and start-up"
	fifo_in "$f"
	run_bounded "--check with $f a FIFO" "$GSD" -c "$T/standalone.yaml" --check
	expect_run "--check with $f a FIFO" 1 "$(what "$f")"
	run_bounded "start-up with $f a FIFO" "$GSD" -c "$T/standalone.yaml"
	expect_run "start-up with $f a FIFO" 1 "$(what "$f")"
	good_in "$f"
done

section "a FIFO at reload: the reload fails, the daemon stays responsive"
gs_start <"$T/body.yaml"
for f in geosteerd.yaml geo.test.zone inc.zone copy.mmdb; do
	cp "$T/$f" "$T/$f.good"
	fifo_in "$f"
	ctl reload
	expect_rc 1
	expect_text err "$(what "$f")"
	ctl status
	expect_rc 0
	expect_text out '^reloads: +0 ok'
	gs_alive "a reload with $f a FIFO"
	good_in "$f"
done
q udp included.geo.test. A
expect_rr ANSWER '^included\.geo\.test\. [0-9]+ IN A 192\.0\.2\.81$'

section "SIGHUP with a FIFO in place of a zone file, then a good reload"
fifo_in geo.test.zone
kill -HUP "$GS_PID"
deadline=$((SECONDS + LIMIT))
while [ $SECONDS -lt $deadline ]; do
	ctl status
	[[ $C_OUT =~ reloads:\ +0\ ok,\ 5\ failed ]] && break
	sleep 0.1
done
expect_text out '^reloads: +0 ok, 5 failed'
good_in geo.test.zone
ctl reload
expect_rc 0

section "SIGTERM while the configuration is a FIFO: stopped within 2 s"
fifo_in geosteerd.yaml
ctl reload
expect_rc 1
pid=$GS_PID
GS_PID=
kill -TERM "$pid"
deadline=$((SECONDS + 3))
start=$(date +%s%N)
while [ ! -f "$T/gs.status" ] && [ $SECONDS -lt $deadline ]; do
	sleep 0.05
done
took=$((($(date +%s%N) - start) / 1000000))
if [ -f "$T/gs.status" ] && [ "$took" -le 2000 ]; then
	ok "stopped ${took} ms after SIGTERM, exit status $(cat "$T/gs.status")"
	expect_eq "exit status after SIGTERM" 0 "$(cat "$T/gs.status")"
else
	fail "not stopped within 2 s of SIGTERM (${took} ms)"
	kill -KILL "$pid" 2>/dev/null
fi
wait "$GS_JOB" 2>/dev/null

finish
