#!/bin/bash
# SPDX-License-Identifier: MIT
# state-file.sh -- the state file (forces that survive restarts): `geosteerd --check`
# refuses an unusable state_file location exactly as start-up does, at the state_file
# key's FILE:LINE (a folder in its place, a missing or read-only folder); and geosteerd
# killed with SIGKILL while it writes the file leaves no temporary file behind once it
# has started again.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

GSCTL="$top_builddir/tools/geosteerctl"
LIMIT=10

# body STATE_FILE: a configuration with one steered service of two datacenters.
body() {
	cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 1 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
	zones_yaml
	cat <<EOF
  - name: geo.test.
    file: $T/geo.test.zone
maps:
  m: {default: [one, two]}
services:
  www:
    names: [www.geo.test.]
    map: m
    ttl: 60
    datacenters: {one: [192.0.2.1], two: [192.0.2.2]}
state_file: $1
EOF
}

# check_and_start LABEL STATE_FILE ERE: --check and start-up both exit 1 with a line
# matching ERE at the state_file key.
check_and_start() {
	local label=$1 out rc port
	port=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
	{
		echo "listen: [\"127.0.0.1:$port\"]"
		echo "control: $T/refused.sock"
		body "$2"
	} >"$T/refused.yaml"
	local line
	line=$(grep -n '^state_file:' "$T/refused.yaml" | cut -d: -f1)
	for mode in --check start-up; do
		if [ "$mode" = --check ]; then
			out=$(timeout "$LIMIT" "$GSD" -c "$T/refused.yaml" --check 2>&1 </dev/null)
		else
			out=$(timeout "$LIMIT" "$GSD" -c "$T/refused.yaml" 2>&1 </dev/null)
		fi
		rc=$?
		expect_eq "$label: $mode exit status" 1 "$rc"
		if grep_lines "$T/refused.yaml:$line: state_file: $3" "$out"; then
			ok "$label: $mode names $T/refused.yaml:$line"
		else
			fail "$label: $mode: expected /$T/refused.yaml:$line: state_file: $3/, got:"
			printf '%s\n' "$out" | sed 's/^/    | /'
		fi
	done
}

section "state_file locations start-up cannot use: --check refuses them too"
mkdir "$T/folder"
check_and_start "state_file is a folder" "$T/folder" "cannot use $T/folder: it is a folder"
check_and_start "its folder is missing" "$T/missing/state" \
	"cannot use the folder $T/missing: No such file or directory"
touch "$T/plain"
check_and_start "its folder is a file" "$T/plain/state" "$T/plain is not a folder"
mkdir "$T/ro"
if [ "$(id -u)" != 0 ]; then
	chmod 555 "$T/ro"
	check_and_start "its folder is read-only" "$T/ro/state" "the folder $T/ro is not writable"
	chmod 755 "$T/ro"
else
	echo "# skipped the read-only folder case: root may write anywhere"
fi

section "SIGKILL while the state file is written, then a restart: no temporary file"
mkdir "$T/st"
STATE="$T/st/state"
# hammer: forces one datacenter down and back as fast as geosteerctl goes; each force
# rewrites the state file. Bounded by its count; killed early by the test.
hammer() {
	local i
	for ((i = 0; i < 2000; i++)); do
		"$GSCTL" -s "$T/control.sock" force one down >/dev/null 2>&1 || return
		"$GSCTL" -s "$T/control.sock" force one auto >/dev/null 2>&1 || return
	done
}
TRIES=15
for ((try = 1; try <= TRIES; try++)); do
	gs_start < <(body "$STATE")
	# Several at once, so that the daemon spends much of its time writing.
	hpids=
	for h in 1 2 3 4; do
		hammer &
		hpids="$hpids $!"
	done
	# Kill once a few writes have happened: the state file exists and has been
	# replaced at least once more (its inode changes with every rename).
	deadline=$((SECONDS + LIMIT))
	while [ ! -f "$STATE" ] && [ $SECONDS -lt $deadline ]; do
		sleep 0.01
	done
	ino=$(stat -c %i "$STATE" 2>/dev/null)
	while [ "$(stat -c %i "$STATE" 2>/dev/null)" = "$ino" ] && [ $SECONDS -lt $deadline ]; do
		sleep 0.01
	done
	sleep "0.0$((RANDOM % 10))"
	kill -KILL "$GS_PID"
	wait "$GS_JOB" 2>/dev/null
	GS_PID=
	# shellcheck disable=SC2086
	kill $hpids 2>/dev/null
	# shellcheck disable=SC2086
	wait $hpids 2>/dev/null
done
echo "after $TRIES kills: $(ls "$T/st" | tr '\n' ' ')"
gs_start < <(body "$STATE")
gs_stop
left=$(cd "$T/st" && ls -A | grep -v '^state$' | tr '\n' ' ')
expect_eq "files beside the state file after a restart" "" "$left"
grep -q '^force' "$STATE" 2>/dev/null || [ -f "$STATE" ] ||
	fail "the state file itself is gone"

finish
