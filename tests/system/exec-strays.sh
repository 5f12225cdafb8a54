#!/bin/bash
# SPDX-License-Identifier: MIT
# exec-strays.sh -- an exec check whose command starts a process in a session of its
# own (setsid), out of reach of the kill of the check's process group: such leftovers
# do not pile up while geosteerd runs (neither from a command that exits nor from one
# killed at its timeout) and none outlives geosteerd once it is stopped.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

# The leftovers carry this in their argv[0], unique to this run.
MARK="gs-stray-$$-$RANDOM"
# strays: PIDs of the leftovers alive now (zombies excluded).
strays() {
	local pid
	for pid in $(pgrep -f "^$MARK" 2>/dev/null); do
		[ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] || echo "$pid"
	done
}
cleanup_strays() {
	local p
	for p in $(strays); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'cleanup_strays; gs_cleanup' EXIT

# escape.sh KIND: leaves a sleeper in a new session, counts its run in $T/runs.KIND,
# then exits (KIND exits) or outlives the check's timeout (KIND hangs).
cat >"$T/escape.sh" <<EOF
#!/bin/bash
setsid bash -c 'exec -a $MARK-\$1 sleep 1000' x "\$1" </dev/null >/dev/null 2>&1 &
echo run >>"$T/runs.\$1"
[ "\$1" = exits ] && exit 0
exec sleep 30
EOF
chmod +x "$T/escape.sh"

cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 1 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
gs_start <<EOF
$(zones_yaml)
  - name: geo.test.
    file: $T/geo.test.zone
checks:
  exits: {type: exec, command: ["$T/escape.sh", exits], interval: 300ms, timeout: 250ms, rise: 1, fall: 1}
  hangs: {type: exec, command: ["$T/escape.sh", hangs], interval: 300ms, timeout: 200ms, rise: 1, fall: 1}
maps:
  m: {default: [one]}
services:
  a:
    names: [a.geo.test.]
    map: m
    ttl: 60
    check: exits
    datacenters: {one: [$US]}
  b:
    names: [b.geo.test.]
    map: m
    ttl: 60
    check: hangs
    datacenters: {one: [$EU]}
EOF

# runs KIND: how many times the check ran so far.
runs() {
	local n=0
	[ -f "$T/runs.$1" ] && n=$(wc -l <"$T/runs.$1")
	echo "$n"
}

section "while geosteerd runs: leftovers are killed, they do not pile up"
deadline=$((SECONDS + 20))
while { [ "$(runs exits)" -lt 8 ] || [ "$(runs hangs)" -lt 8 ]; } && [ $SECONDS -lt $deadline ]; do
	sleep 0.1
done
[ "$(runs exits)" -ge 8 ] && [ "$(runs hangs)" -ge 8 ] ||
	fail "the checks did not run 8 times each within 20 s (exits $(runs exits), hangs $(runs hangs))"
for kind in exits hangs; do
	n=$(pgrep -fc "^$MARK-$kind" 2>/dev/null)
	# The running probe's leftover and the previous one's, still waiting for its sweep
	# (one more on a loaded machine); without the sweep there is one per run.
	if [ "$n" -le 3 ]; then
		ok "$kind: $n leftover(s) alive after $(runs $kind) runs"
	else
		fail "$kind: $n leftovers alive after $(runs $kind) runs: they pile up"
	fi
done

section "geosteerd stopped: no leftover outlives it"
gs_stop
deadline=$((SECONDS + 5))
while [ -n "$(strays)" ] && [ $SECONDS -lt $deadline ]; do
	sleep 0.1
done
left=$(strays | tr '\n' ' ')
expect_eq "leftovers alive after geosteerd stopped" "" "$left"

finish
