#!/bin/sh
# scripts/test.sh -- installs what is missing, builds with warnings as errors (gcc, and
# clang as a second compiler), checks the formatting, and runs the whole test suite:
# unit tests and system tests against the real daemon. This is what CI runs (.ci/run).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
GS_BUILD_DIR=build-clang sh scripts/build.sh CC=clang
make -s -C build format-check

status=0
make -C build -j"$(nproc)" check || status=$?
log=build/test-suite.log
if [ -f "$log" ]; then
	pass=$(sed -n 's/^# PASS: *//p' "$log")
	fail=$(sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$log" | awk '{s += $1} END {print s + 0}')
	# One plain summary line, whatever the harness printed above.
	echo "tests: ${pass:-0} passed, ${fail:-0} failed"
	if [ "$status" -ne 0 ]; then
		for f in $(sed -n 's/^\(FAIL\|ERROR\): \(.*\)$/\2/p' "$log"); do
			echo "---- build/$f.log"
			tail -n 40 "build/$f.log" 2>/dev/null || true
		done
	fi
fi
exit $status
