# SPDX-License-Identifier: MIT
# lib.sh -- shared harness of the system tests, sourced by every tests/system/*.sh.
#
# Starts the real geosteerd on a free random loopback port with a config written into a
# per-test temporary folder, waits (bounded) until it answers, wraps the DNS clients
# (dig from bind9-dnsutils, kdig from knot-dnsutils, drill from ldnsutils, and our own
# rawdns.py), and provides assertions that print what was expected and what came back.
# On exit the daemon is stopped with SIGTERM; a crash, an early death or an exit status
# other than 0 fails the test. Needs bash (each script re-executes itself under bash).
#
# Environment: top_srcdir, top_builddir (exported by `make check`; top_srcdir defaults
# to this checkout), GS_KEEP=1 keeps the temporary folder, GS_WRAPPER runs the daemon
# under a command (valgrind), GS_ARGS adds daemon options (-v), GS_START_TIMEOUT /
# GS_STOP_TIMEOUT in seconds.

set -u

TEST_NAME=$(basename "$0" .sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
if [ -z "${top_builddir:-}" ]; then
	echo "FATAL: top_builddir is not set (run through make check, or export it)" >&2
	exit 99
fi
GSD="$top_builddir/server/geosteerd"
DATA="$top_srcdir/tests/data/system"
PY=/usr/bin/python3
RAWDNS="$top_srcdir/tests/system/rawdns.py"
: "${GS_START_TIMEOUT:=10}"
: "${GS_STOP_TIMEOUT:=10}"
: "${GS_WRAPPER:=}"
: "${GS_ARGS:=}"

if [ ! -x "$GSD" ]; then
	echo "FATAL: $GSD is not built: run 'make server/geosteerd' (make check builds it first)" >&2
	exit 99
fi
for tool in dig:bind9-dnsutils kdig:knot-dnsutils drill:ldnsutils "$PY":python3; do
	if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
		echo "FATAL: ${tool%%:*} not found: apt-get install ${tool##*:} (scripts/deps.sh)" >&2
		exit 99
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/gs-$TEST_NAME.XXXXXX") || exit 99
N_PASS=0
N_FAIL=0
GS_PID=
GS_JOB=
PORT=
# IPv6 loopback is used where the machine has it (the tests that need it check HAVE_V6).
HAVE_V6=
if "$PY" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	HAVE_V6=1
fi

gs_cleanup() {
	if [ -n "$GS_PID" ]; then
		kill -TERM "$GS_PID" 2>/dev/null
		local i=0
		while [ ! -f "$T/gs.status" ] && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		[ -f "$T/gs.status" ] || kill -KILL "$GS_PID" 2>/dev/null
		wait "$GS_JOB" 2>/dev/null
	fi
	# Any helper still running in the background (port holders, idle clients).
	local j
	for j in $(jobs -p); do
		kill "$j" 2>/dev/null
	done
	if [ "${GS_KEEP:-}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
}
trap gs_cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- results

ok() {
	N_PASS=$((N_PASS + 1))
	echo "ok - $*"
}

fail() {
	N_FAIL=$((N_FAIL + 1))
	echo "FAIL: $*"
}

fatal() {
	echo "FATAL: $*"
	echo "$TEST_NAME: $N_PASS passed, $((N_FAIL + 1)) failed"
	exit 1
}

# section TITLE: a heading in the log, to find one's way in it.
section() {
	echo
	echo "== $*"
}

# finish: stops the daemon (checking its exit status), prints the closing line, exits.
finish() {
	gs_stop
	echo "elapsed: ${SECONDS}s"
	echo "$TEST_NAME: $N_PASS passed, $N_FAIL failed"
	[ "$N_FAIL" -eq 0 ]
	exit $?
}

# ---------------------------------------------------------------- the daemon

# zones_yaml: the zones section serving every fixture zone.
zones_yaml() {
	cat <<EOF
zones:
  - name: a.test.
    file: $DATA/a.test.zone
  - name: sub.a.test.
    file: $DATA/sub.a.test.zone
  - name: b.test.
    file: $DATA/b.test.zone
EOF
}

# gs_control_probe: sets GS_CONTROL_OK=yes when this build accepts the control: key. Each test
# daemon gets its own control socket then, so that parallel tests do not share the
# default path; a build that does not have the control socket yet rejects the key.
GS_CONTROL_OK=
gs_control_probe() {
	[ -z "$GS_CONTROL_OK" ] || return 0
	printf 'listen: ["127.0.0.1:53"]\ncontrol: %s/probe.sock\n' "$T" >"$T/probe.yaml"
	if "$GSD" -c "$T/probe.yaml" --check 2>&1 | grep -q 'not supported'; then
		GS_CONTROL_OK=no
	else
		GS_CONTROL_OK=yes
	fi
}

# gs_start < BODY: writes listen/control plus BODY (YAML from stdin) into $T/geosteerd.yaml,
# starts geosteerd on a free port and waits until it answers over UDP and TCP. Sets PORT,
# GS_PID, CFG. Retries with another port when the one picked was taken meanwhile.
gs_start() {
	local body attempt hosts=127.0.0.1 listen
	body=$(cat)
	[ -n "$HAVE_V6" ] && hosts=127.0.0.1,::1
	CFG="$T/geosteerd.yaml"
	gs_control_probe
	for attempt in 1 2 3 4 5; do
		PORT=$("$PY" "$RAWDNS" freeport --hosts "$hosts") || fatal "no free port"
		listen="\"127.0.0.1:$PORT\""
		[ -n "$HAVE_V6" ] && listen="$listen, \"[::1]:$PORT\""
		{
			echo "# written by tests/system/$TEST_NAME.sh"
			echo "listen: [$listen]"
			[ "$GS_CONTROL_OK" = yes ] && echo "control: $T/control.sock"
			printf '%s\n' "$body"
		} >"$CFG"
		rm -f "$T/gs.status" "$T/gs.pid"
		# The subshell records the daemon's exit status; the inner sh records its PID
		# and becomes the daemon (or its wrapper) by exec.
		(
			# shellcheck disable=SC2086
			sh -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1"; shift; exec "$@"' sh "$T/gs.pid" \
				$GS_WRAPPER "$GSD" $GS_ARGS -c "$CFG" </dev/null >"$T/gs.log" 2>&1
			echo $? >"$T/gs.status.tmp"
			mv "$T/gs.status.tmp" "$T/gs.status"
		) &
		GS_JOB=$!
		local i=0
		while [ ! -f "$T/gs.pid" ] && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		GS_PID=$(cat "$T/gs.pid" 2>/dev/null)
		[ -n "$GS_PID" ] || fatal "geosteerd did not start"
		local deadline=$((SECONDS + GS_START_TIMEOUT)) up=
		while [ $SECONDS -lt $deadline ] && [ ! -f "$T/gs.status" ]; do
			if dig +tries=1 +time=1 +norec @127.0.0.1 -p "$PORT" a.test. SOA >/dev/null 2>&1 &&
				dig +tries=1 +time=1 +norec +tcp @127.0.0.1 -p "$PORT" a.test. SOA >/dev/null 2>&1; then
				up=1
				break
			fi
			sleep 0.2
		done
		if [ -n "$up" ]; then
			echo "geosteerd pid $GS_PID listening on 127.0.0.1:$PORT${HAVE_V6:+ and [::1]:$PORT}"
			return 0
		fi
		if [ -f "$T/gs.status" ]; then
			local st
			st=$(cat "$T/gs.status")
			wait "$GS_JOB" 2>/dev/null
			GS_PID=
			if grep -qi 'in use' "$T/gs.log"; then
				echo "port $PORT taken meanwhile, retrying"
				continue
			fi
			echo "--- config:"
			cat "$CFG"
			echo "--- daemon output:"
			cat "$T/gs.log"
			fatal "geosteerd exited with status $st before answering"
		fi
		echo "--- daemon output:"
		cat "$T/gs.log"
		fatal "geosteerd did not answer on port $PORT within ${GS_START_TIMEOUT}s"
	done
	fatal "could not find a port geosteerd could bind"
}

# gs_stop: SIGTERM, bounded wait, and the exit status must be 0 (the contract: SIGTERM
# stops it cleanly). A daemon that died on its own before this point is a failure too.
gs_stop() {
	[ -n "$GS_PID" ] || return 0
	local pid=$GS_PID st
	GS_PID=
	if [ -f "$T/gs.status" ]; then
		st=$(cat "$T/gs.status")
		wait "$GS_JOB" 2>/dev/null
		echo "--- daemon output:"
		tail -n 50 "$T/gs.log"
		fail "geosteerd died before it was stopped (exit status $st; 128+N means signal N)"
		return 1
	fi
	kill -TERM "$pid"
	local deadline=$((SECONDS + GS_STOP_TIMEOUT))
	while [ ! -f "$T/gs.status" ] && [ $SECONDS -lt $deadline ]; do
		sleep 0.1
	done
	if [ ! -f "$T/gs.status" ]; then
		kill -KILL "$pid" 2>/dev/null
		wait "$GS_JOB" 2>/dev/null
		fail "geosteerd did not exit within ${GS_STOP_TIMEOUT}s of SIGTERM (killed)"
		return 1
	fi
	st=$(cat "$T/gs.status")
	wait "$GS_JOB" 2>/dev/null
	if [ "$st" = 0 ]; then
		ok "geosteerd exited 0 on SIGTERM"
	else
		echo "--- daemon output:"
		tail -n 50 "$T/gs.log"
		fail "geosteerd exit status after SIGTERM: expected 0, got $st"
		return 1
	fi
}

# gs_alive LABEL: the daemon still answers a normal query over UDP and TCP (every
# malformed-input check ends with this).
gs_alive() {
	local p st
	for p in udp tcp; do
		q "$p" a.test. SOA
		st=$R_STATUS
		if [ "$st" = NOERROR ] && has_flag aa; then
			ok "still answers over $p after $1"
		else
			fail "after $1: $LAST_CMD: expected NOERROR with aa, got '${st:-no answer}' ($(r_flags))"
			[ -f "$T/gs.status" ] && fatal "geosteerd died (status $(cat "$T/gs.status")) after $1"
		fi
	done
}

# ---------------------------------------------------------------- clients

# q udp|tcp|udp6|tcp6 DIG-ARGS...: one dig query; the output is kept in $T/dig.out for
# the r_* readers and expect_* checks. RD is off unless DIG-ARGS say +rec.
q() {
	local proto=$1 server=127.0.0.1
	shift
	local extra=()
	case $proto in
	udp) ;;
	tcp) extra=(+tcp) ;;
	udp6) server=::1 ;;
	tcp6) server=::1 extra=(+tcp) ;;
	*) fatal "q: unknown transport $proto" ;;
	esac
	LAST_CMD="dig +norec +time=2 +tries=1 ${extra[*]} @$server -p $PORT $*"
	dig +norec +time=2 +tries=1 "${extra[@]}" @"$server" -p "$PORT" "$@" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
}

# parse_out: reads the last client output once, with bash builtins only (forking is slow
# in some sandboxes): R_STATUS, R_FLAGS (" qr aa "), R_COUNT[SECTION], R_SEC[SECTION]
# (lines with blanks squeezed to one space, newline-separated), R_LINES (all lines).
declare -A R_COUNT R_SEC
R_STATUS= R_FLAGS= R_LINES= LAST_CMD= DIG_RC=
parse_out() {
	local line sec= n
	R_STATUS= R_FLAGS= R_LINES=
	R_COUNT=()
	R_SEC=([QUESTION]= [ANSWER]= [AUTHORITY]= [ADDITIONAL]= [OPT]=)
	while IFS= read -r line || [ -n "$line" ]; do
		R_LINES+=$line$'\n'
		case $line in
		*'->>HEADER<<-'*)
			if [ -z "$R_STATUS" ] && [[ $line =~ status:\ ([A-Z0-9]+) ]]; then
				R_STATUS=${BASH_REMATCH[1]}
			fi
			;;
		';; flags:'*)
			if [ -z "$R_FLAGS" ] && [[ $line =~ ^';; flags:'([^;]*)';'(.*)$ ]]; then
				R_FLAGS=" ${BASH_REMATCH[1]# } "
				n=${BASH_REMATCH[2]}
				[[ $n =~ QUERY:\ ([0-9]+) ]] && R_COUNT[QUESTION]=${BASH_REMATCH[1]}
				[[ $n =~ ANSWER:\ ([0-9]+) ]] && R_COUNT[ANSWER]=${BASH_REMATCH[1]}
				[[ $n =~ AUTHORITY:\ ([0-9]+) ]] && R_COUNT[AUTHORITY]=${BASH_REMATCH[1]}
				[[ $n =~ ADDITIONAL:\ ([0-9]+) ]] && R_COUNT[ADDITIONAL]=${BASH_REMATCH[1]}
			fi
			;;
		';; OPT PSEUDOSECTION:') sec=OPT ;;
		';; '*' SECTION:')
			sec=${line#;; }
			sec=${sec%% *}
			;;
		'') sec= ;;
		*)
			if [ -n "$sec" ]; then
				line=${line//$'\t'/ }
				while [[ $line == *'  '* ]]; do line=${line//  / }; done
				R_SEC[$sec]+=$line$'\n'
			fi
			;;
		esac
	done <"$T/dig.out"
}

r_status() { printf '%s\n' "$R_STATUS"; }
r_flags() { local f=${R_FLAGS# }; printf '%s\n' "${f% }"; }
r_count() { printf '%s\n' "${R_COUNT[$1]:-}"; }
has_flag() { [[ $R_FLAGS == *" $1 "* ]]; }
# r_section ANSWER|AUTHORITY|ADDITIONAL|QUESTION|OPT: the section's lines.
r_section() { printf '%s' "${R_SEC[$1]:-}"; }
# grep_lines ERE TEXT: some line of TEXT matches (bash regex, no fork).
# wait_until LIMIT_S COMMAND...: runs COMMAND every 50 ms until it succeeds (returns 0)
# or LIMIT_S seconds have passed (returns 1). For waiting on a condition instead of
# sleeping for a time that a loaded machine may not honour.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}

grep_lines() {
	local l re=$1
	while IFS= read -r l; do
		[[ $l =~ $re ]] && return 0
	done <<<"$2"
	return 1
}

show_last() {
	echo "    command: $LAST_CMD"
	sed 's/^/    | /' "$T/dig.out"
}

# expect_status RCODE
expect_status() {
	local got
	got=$R_STATUS
	if [ "$got" = "$1" ]; then
		ok "$LAST_CMD: status $1"
	else
		fail "$LAST_CMD: expected status $1, got '${got:-no answer (dig exit $DIG_RC)}'"
		show_last
	fi
}

# expect_flag FLAG / expect_noflag FLAG (qr aa tc rd ra ad cd)
expect_flag() {
	if has_flag "$1"; then
		ok "$LAST_CMD: flag $1 set"
	else
		fail "$LAST_CMD: expected flag $1 set, flags are '$(r_flags)'"
	fi
}
expect_noflag() {
	if [ -n "$R_FLAGS" ]; then
		if has_flag "$1"; then
			fail "$LAST_CMD: expected flag $1 clear, flags are '$(r_flags)'"
		else
			ok "$LAST_CMD: flag $1 clear"
		fi
	else
		fail "$LAST_CMD: no answer (dig exit $DIG_RC), cannot check flag $1"
	fi
}

# expect_count ANSWER|AUTHORITY|ADDITIONAL N
expect_count() {
	local got
	got=${R_COUNT[$1]:-}
	if [ "$got" = "$2" ]; then
		ok "$LAST_CMD: $1 count $2"
	else
		fail "$LAST_CMD: expected $1 count $2, got '${got:-no answer}'"
		show_last
	fi
}

# expect_rr SECTION ERE: some line of SECTION matches the extended regex (fields are
# separated by single spaces: "www.a.test. 3600 IN A 192.0.2.80").
expect_rr() {
	if grep_lines "$2" "${R_SEC[$1]:-}"; then
		ok "$LAST_CMD: $1 has /$2/"
	else
		fail "$LAST_CMD: expected a line matching /$2/ in $1, got:"
		r_section "$1" | sed 's/^/    | /'
	fi
}
expect_no_rr() {
	if grep_lines "$2" "${R_SEC[$1]:-}"; then
		fail "$LAST_CMD: expected no line matching /$2/ in $1, got:"
		r_section "$1" | sed 's/^/    | /'
	else
		ok "$LAST_CMD: $1 has no /$2/"
	fi
}

# expect_out ERE / expect_no_out ERE: anywhere in the last output.
expect_out() {
	if grep_lines "$1" "$R_LINES"; then
		ok "$LAST_CMD: output has /$1/"
	else
		fail "$LAST_CMD: expected /$1/ in the output"
		show_last
	fi
}
expect_no_out() {
	if grep_lines "$1" "$R_LINES"; then
		fail "$LAST_CMD: expected no /$1/ in the output"
		show_last
	else
		ok "$LAST_CMD: output has no /$1/"
	fi
}

# expect_eq DESCRIPTION EXPECTED GOT
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1: $2"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# raw [--tcp] [--timeout S] COMMAND ARGS...: runs rawdns.py against the daemon; its exit
# status decides (it prints the reply summary and every unmet expectation).
raw() {
	local out rc
	out=$("$PY" "$RAWDNS" -p "$PORT" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "rawdns $*: ${out##*$'\n'}"
	else
		fail "rawdns $*"
		echo "$out" | sed 's/^/    | /'
	fi
	return $rc
}

# raw_batch < LINES: like one `raw LINE` per stdin line (blank lines and # comments are
# skipped), in a single rawdns.py process: a check each, at a fraction of the cost.
raw_batch() {
	local cmds=() line i=0 buf= rc
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		cmds+=("$line")
	done
	printf '%s\n' "${cmds[@]}" | "$PY" "$RAWDNS" -p "$PORT" batch >"$T/raw.out" 2>&1
	while IFS= read -r line; do
		if [[ $line =~ ^@@END\ ([0-9]+)$ ]]; then
			rc=${BASH_REMATCH[1]}
			buf=${buf%$'\n'}
			if [ "$rc" = 0 ]; then
				ok "rawdns ${cmds[i]}: ${buf##*$'\n'}"
			else
				fail "rawdns ${cmds[i]}"
				printf '%s\n' "$buf" | sed 's/^/    | /'
			fi
			i=$((i + 1))
			buf=
		else
			buf+=$line$'\n'
		fi
	done <"$T/raw.out"
	if [ $i -lt ${#cmds[@]} ]; then
		fail "rawdns batch ended after $i of ${#cmds[@]} commands (next: ${cmds[i]})"
		printf '%s' "$buf" | sed 's/^/    | /'
	fi
}

# run_tool CMD...: runs another client (kdig, drill); the output is kept for expect_out.
run_tool() {
	LAST_CMD="$*"
	"$@" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
}

# ---- geosteerctl ------------------------------------------------------------------
# ctl_capture ARGS...: runs geosteerctl ($GSCTL, default the build tree's); sets C_RC,
# C_OUT (stdout), C_ERR (stderr) and LAST_CMD for the assertions below.
ctl_capture() {
	LAST_CMD="geosteerctl $*"
	C_OUT=$("${GSCTL:-$top_builddir/tools/geosteerctl}" "$@" 2>"$T/ctl.err")
	C_RC=$?
	C_ERR=$(<"$T/ctl.err")
}
# ctl_json NAME VOLATILE SOCKET ARGS... < EXPECTATIONS: geosteerctl -s SOCKET ARGS as
# text into $T/NAME.txt and with --json into $T/NAME.json; checks that the two forms
# say the same (json-expect.py --same-as-text, width 12; the keys in VOLATILE, blank
# separated, may change between the two requests) and the JSON against the
# expectations on stdin (json-expect.py: PATH TYPE VALUE per line).
ctl_json() {
	local name=$1 volatile=$2 sock=$3 out
	shift 3
	ctl_capture -s "$sock" "$@" </dev/null
	printf '%s\n' "$C_OUT" >"$T/$name.txt"
	[ "$C_RC" = 0 ] || fail "$LAST_CMD: exit $C_RC: $C_ERR"
	ctl_capture -s "$sock" --json "$@" </dev/null
	printf '%s\n' "$C_OUT" >"$T/$name.json"
	[ "$C_RC" = 0 ] || fail "$LAST_CMD: exit $C_RC: $C_ERR"
	# shellcheck disable=SC2086 # VOLATILE is a list of words
	if out=$("$PY" "$top_srcdir/tests/system/json-expect.py" --same-as-text "$T/$name.txt" 12 \
		"$T/$name.json" uptime $volatile 2>&1); then
		ok "$name: the text form and the JSON form agree"
	else
		fail "$name: the text form and the JSON form differ:"
		sed 's/^/    | /' <<<"$out"
	fi
	if out=$("$PY" "$top_srcdir/tests/system/json-expect.py" "$T/$name.json" 2>&1); then
		ok "$name --json: $(grep -c '^ok' <<<"$out") fields as expected"
	else
		fail "$name --json:"
		sed 's/^/    | /' <<<"$out"
	fi
}
# ctl_stats ARRAY: `geosteerctl stats` on this test's control socket, its KEY: VALUE
# lines into the associative array ARRAY (declared global here); fails the test when
# the command does.
ctl_stats() {
	declare -gA "$1"
	local -n ctl_stats_a=$1
	local k v
	ctl_stats_a=()
	ctl_capture -s "$T/control.sock" stats
	[ "$C_RC" = 0 ] || fail "$LAST_CMD: exit $C_RC: $C_ERR"
	while IFS=': ' read -r k v; do
		[ -n "$k" ] && ctl_stats_a[$k]=$v
	done <<<"$C_OUT"
}
# expect_rc N: the last ctl_capture exited N. (A script may define its own after
# sourcing this file, as lifecycle.sh does for geosteerd itself.)
expect_rc() {
	if [ "$C_RC" = "$1" ]; then
		ok "$LAST_CMD: exit $1"
	else
		fail "$LAST_CMD: expected exit $1, got $C_RC"
		printf '%s\n%s\n' "$C_OUT" "$C_ERR" | sed 's/^/    | /'
	fi
}
# expect_text out|err ERE: some line of the last ctl_capture's stdout or stderr matches.
expect_text() {
	local text=$C_OUT
	[ "$1" = err ] && text=$C_ERR
	if grep_lines "$2" "$text"; then
		ok "$LAST_CMD: std$1 has /$2/"
	else
		fail "$LAST_CMD: expected /$2/ on std$1, got:"
		printf '%s\n' "$text" | sed 's/^/    | /'
	fi
}
