#!/bin/bash
# SPDX-License-Identifier: MIT
# watch.sh -- `watch: true`: the daemon reloads by itself when a configured file
# changes. A zone edited by atomic rename (as editors and deploy tools do) and then in
# place: the new serial and record are answered within a bounded time, one reload per
# edit (debounced); a broken edit logs FILE:LINE and the old data keeps serving; the
# fixed edit is picked up; the configuration file itself is watched too (a zone added
# there is served, and its file is watched from then on); a file that is not
# configured changing in the same folder does not reload.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

# How long an edit may take to be served: the debounce (500 ms) plus a reload, with
# room for a slow machine.
LIMIT_MS=5000

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# zone SERIAL [EXTRA-LINES]: the text of w.test's zone.
zone() {
	cat <<EOF
\$ORIGIN w.test.
\$TTL 300
@       IN SOA  ns1 hostmaster $1 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
old     IN A    192.0.2.1
EOF
	[ $# -ge 2 ] && printf '%s\n' "$2"
}

# watched_files: how many files the watcher's last rescan found (0 before any).
watched_files() {
	local n
	n=$(grep -o 'watch: [0-9]* files in' "$T/gs.log" | tail -n 1 | tr -dc '0-9')
	echo "${n:-0}"
}
# reloads: how many reloads the watcher has logged so far (ok and failed).
reloads() {
	grep -c 'watch: a configured file changed; reloading' "$T/gs.log"
}

# wait_for NAME TYPE WANT: polls NAME TYPE (every 100 ms, at most LIMIT_MS from T0)
# until the answer section has a line matching WANT. Reports the time it took.
wait_for() {
	local t
	while :; do
		q udp "$1" "$2"
		t=$(now_ms)
		if grep_lines "$3" "${R_SEC[ANSWER]:-}"; then
			ok "$4: $1 $2 answered after $((t - T0)) ms (limit $LIMIT_MS ms)"
			echo "measured: $4 $((t - T0)) ms"
			return 0
		fi
		if [ $((t - T0)) -gt $LIMIT_MS ]; then
			fail "$4: $1 $2 not answered with /$3/ within $LIMIT_MS ms"
			show_last
			tail -n 20 "$T/gs.log" | sed 's/^/    log| /'
			return 1
		fi
		sleep 0.1
	done
}

ZF="$T/w.test.zone"
zone 2024010101 >"$ZF"
# -v: the watcher logs each rescan of the configured files (debug), which the test
# waits for before editing a file that a reload added.
GS_ARGS=-v
gs_start <<EOF
watch: true
$(zones_yaml)
  - name: w.test.
    file: $ZF
EOF
grep -q 'watch: reloading by itself' "$T/gs.log" && ok "the watcher started" || fail "no watcher in the log"
q udp w.test. SOA
expect_rr ANSWER ' 2024010101 '

section "edit by atomic rename"
n0=$(reloads)
zone 2024010102 'new1    IN A    192.0.2.11' >"$ZF.tmp"
T0=$(now_ms)
mv "$ZF.tmp" "$ZF"
wait_for new1.w.test. A '192\.0\.2\.11$' "rename"
q udp w.test. SOA
expect_rr ANSWER ' 2024010102 '
sleep 0.8 # a second reload, if the debounce failed, would come by now
expect_eq "reloads for one rename" $((n0 + 1)) "$(reloads)"

section "edit in place"
n0=$(reloads)
T0=$(now_ms)
zone 2024010103 'new2    IN A    192.0.2.12' >"$ZF"
wait_for new2.w.test. A '192\.0\.2\.12$' "in-place write"
q udp new1.w.test. A
expect_status NXDOMAIN
sleep 0.8
expect_eq "reloads for one in-place write" $((n0 + 1)) "$(reloads)"

section "a file nobody configured changes: no reload"
n0=$(reloads)
echo hello >"$T/unrelated.txt"
mv "$T/unrelated.txt" "$T/unrelated2.txt"
sleep 1
expect_eq "reloads after an unrelated file changed" "$n0" "$(reloads)"

section "a broken edit keeps the old data serving and logs FILE:LINE"
# Line 7 is the broken one.
zone 2024010104 'new3    IN A    192.0.2.300' >"$ZF.tmp"
mv "$ZF.tmp" "$ZF"
deadline=$((SECONDS + 5))
while ! grep -q "$ZF:7: " "$T/gs.log" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
if grep -q "$ZF:7: " "$T/gs.log"; then
	ok "the log has $(grep -m1 "$ZF:7: " "$T/gs.log")"
else
	fail "no '$ZF:7: ' line in the log"
	tail -n 20 "$T/gs.log" | sed 's/^/    log| /'
fi
grep -q 'watch: reload of .* failed' "$T/gs.log" && ok "the failed reload is logged" || fail "no failed reload in the log"
q udp w.test. SOA
expect_rr ANSWER ' 2024010103 '
q udp new2.w.test. A
expect_rr ANSWER '192\.0\.2\.12$'

section "the fixed edit is picked up"
T0=$(now_ms)
zone 2024010105 'new3    IN A    192.0.2.13' >"$ZF.tmp"
mv "$ZF.tmp" "$ZF"
wait_for new3.w.test. A '192\.0\.2\.13$' "fixed edit"
q udp w.test. SOA
expect_rr ANSWER ' 2024010105 '

section "the configuration file is watched too"
cat >"$T/x.test.zone" <<'EOF'
$ORIGIN x.test.
$TTL 300
@       IN SOA  ns1 hostmaster 1 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
www     IN A    192.0.2.21
EOF
cp "$CFG" "$CFG.new"
printf '  - name: x.test.\n    file: %s\n' "$T/x.test.zone" >>"$CFG.new"
nf=$(watched_files)
T0=$(now_ms)
mv "$CFG.new" "$CFG"
wait_for www.x.test. A '192\.0\.2\.21$' "zone added to the configuration"
# The new zone's file is watched from then on: once the watcher's rescan after that
# reload has counted one file more (it follows the reload; bounded at 10 s).
watched_more() { [ "$(watched_files)" -gt "$nf" ]; }
wait_until 10 watched_more && ok "the rescan after the reload watches $(watched_files) files" ||
	fail "the watcher never rescanned to more than $nf files"
T0=$(now_ms)
sed -i 's/^www .*/www     IN A    192.0.2.22/; s/ 1 7200 / 2 7200 /' "$T/x.test.zone"
wait_for www.x.test. A '192\.0\.2\.22$' "edit of the zone the reload added"
gs_alive "the watch checks"

finish
