#!/bin/sh
# scripts/test.sh -- installs what is missing, builds with warnings as errors, checks the
# formatting and a clang build, and runs the whole test suite (unit and system tests).
# This is what CI runs (.ci/run).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
make -s format-check

# The same sources must build warning-free with clang too (compile only, out of tree).
rm -rf build-clang && mkdir build-clang
(cd build-clang && ../configure --enable-developer CC=clang >/dev/null && make -j"$(nproc)" >/dev/null)
rm -rf build-clang

status=0
make -j"$(nproc)" check || status=$?
# One plain summary line, whatever the harness printed above.
pass=$(grep -h '^# PASS:' test-suite.log 2>/dev/null | awk '{s+=$3} END {print s+0}')
fail=$(grep -h '^# FAIL:\|^# ERROR:\|^# XPASS:' test-suite.log 2>/dev/null | awk '{s+=$3} END {print s+0}')
if [ -f test-suite.log ]; then
	pass=$(sed -n 's/^# PASS: *//p' test-suite.log | head -n 1)
	fail=$(sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' test-suite.log | awk '{s+=$1} END {print s+0}')
fi
echo "tests: ${pass:-0} passed, ${fail:-0} failed"
exit $status
