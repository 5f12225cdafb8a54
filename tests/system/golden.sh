#!/bin/bash
# SPDX-License-Identifier: MIT
# golden.sh -- the golden answer files (tests/golden/NAME.case, see its README.md)
# replayed against the real geosteerd: for each file the daemon starts on its
# configuration (the @SRCDIR@/@BUILDDIR@ paths filled in, listen and control added by
# lib.sh), and golden.py sends every query whose client is a loopback address from that
# address over UDP or TCP, applies `force` lines with geosteerctl, and compares each
# response with the expectation. tests/unit/test_golden.c replays the same files in
# process, including the clients a socket cannot send from.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

GSCTL="$top_builddir/tools/geosteerctl"
CITY="$top_builddir/tests/data/geo/city.mmdb"
GOLDEN="$top_srcdir/tests/golden"
[ -x "$GSCTL" ] || fatal "$GSCTL is not built: run 'make tools/geosteerctl'"
gs_control_probe
[ "$GS_CONTROL_OK" = yes ] || fatal "this build has no control socket (needed for force lines)"

n_files=0
for case in "$GOLDEN"/*.case; do
	name=$(basename "$case")
	section "$name"
	config=$(sed -n 's/^[[:space:]]*config[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$case" | head -n 1)
	[ -n "$config" ] || fatal "$case: no config line"
	if grep -q '@BUILDDIR@/tests/data/geo/' "$GOLDEN/$config" && [ ! -f "$CITY" ]; then
		if [ "${GS_MMDB_WRITER:-}" = no ]; then
			echo "SKIP $name: $CITY is not built (no Perl MaxMind::DB::Writer)"
			continue
		fi
		fatal "$CITY is not built: run 'make check' (it builds the test databases)"
	fi
	# Not a pipeline into gs_start: it must run in this shell to set PORT and GS_PID.
	sed -e "s|@SRCDIR@|$top_srcdir|g" -e "s|@BUILDDIR@|$top_builddir|g" "$GOLDEN/$config" \
		>"$T/case.yaml"
	gs_start <"$T/case.yaml"
	if "$PY" "$(dirname "$0")/golden.py" --port "$PORT" --ctl "$GSCTL -s $T/control.sock" \
		"$case" >"$T/golden.out" 2>&1; then
		ok "$(tail -n 1 "$T/golden.out")"
	else
		cat "$T/golden.out"
		fail "$name: some responses differ from the expectation"
	fi
	gs_stop
	n_files=$((n_files + 1))
done
if [ "$n_files" -gt 0 ]; then
	ok "$n_files case files replayed"
else
	fail "no case file was replayed"
fi
finish
