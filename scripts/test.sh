#!/bin/sh
# scripts/test.sh -- installs what is missing, builds with warnings as errors (gcc, and
# clang as a second compiler), checks the formatting, and runs the whole test suite
# three ways: unit and system tests against the real daemon (build/), the same again on
# an AddressSanitizer + UBSan build (build-asan/), and `make distcheck` (the release
# tarball builds and passes its tests out of tree, with a read-only source folder); then
# builds and checks the Debian package (tests/deb.sh).
# This is what CI runs (.ci/run). GS_SKIP_ASAN=1, GS_SKIP_DISTCHECK=1 or GS_SKIP_DEB=1
# leave one out.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
GS_BUILD_DIR=build-clang sh scripts/build.sh CC=clang
make -s -C build format-check

jobs=$(nproc)
failed=
n_pass=0
n_fail=0
n_skip=0

# summary DIR NAME STATUS: one plain line from DIR/test-suite.log, and the tail of the
# log of every test that failed.
summary() {
	log=$1/test-suite.log
	[ -f "$log" ] || return 0
	pass=$(sed -n 's/^# PASS: *//p' "$log")
	skip=$(sed -n 's/^# SKIP: *//p' "$log")
	fail=$(sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$log" | awk '{s += $1} END {print s + 0}')
	echo "$2: ${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
	n_pass=$((n_pass + ${pass:-0}))
	n_fail=$((n_fail + ${fail:-0}))
	n_skip=$((n_skip + ${skip:-0}))
	if [ "$3" -ne 0 ]; then
		# Only the harness's own lines name a test (a test's output may say FAIL too).
		for f in $(sed -n 's/^\(FAIL\|ERROR\): \(tests\/[^ ]*\)$/\2/p' "$log"); do
			echo "---- $1/$f.log"
			tail -n 40 "$1/$f.log" 2>/dev/null || true
		done
	fi
}

status=0
make -C build -j"$jobs" check || status=$?
summary build tests "$status"
[ "$status" -eq 0 ] || failed="$failed tests"

if [ "${GS_SKIP_ASAN:-0}" != 1 ]; then
	# The same tests with AddressSanitizer and UBSan in every binary (valgrind.sh skips:
	# it cannot run a sanitized daemon). Any report fails the test that triggered it.
	status=0
	GS_BUILD_DIR=build-asan sh scripts/build.sh --enable-sanitizers || status=$?
	if [ "$status" -eq 0 ]; then
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			make -C build-asan -j"$jobs" check || status=$?
		summary build-asan "tests under ASan+UBSan" "$status"
	fi
	[ "$status" -eq 0 ] || failed="$failed asan"
fi

if [ "${GS_SKIP_DISTCHECK:-0}" != 1 ]; then
	status=0
	make -C build -j"$jobs" distcheck >build/distcheck.out 2>&1 || status=$?
	if [ "$status" -eq 0 ]; then
		echo "distcheck: $(grep -m1 'archives ready for distribution' -A1 build/distcheck.out | tail -n 1)"
	else
		echo "distcheck failed:"
		tail -n 60 build/distcheck.out
		failed="$failed distcheck"
	fi
fi

if [ "${GS_SKIP_DEB:-0}" != 1 ]; then
	# The .deb from a clean copy of the committed tree: contents, lintian, the packaged
	# configuration checked and served, the unit verified (skips without the tools).
	status=0
	bash tests/deb.sh >build/deb.out 2>&1 || status=$?
	if [ "$status" -eq 0 ]; then
		tail -n 1 build/deb.out
	else
		echo "deb failed:"
		tail -n 60 build/deb.out
		failed="$failed deb"
	fi
fi

if [ -n "$failed" ]; then
	echo "FAILED:$failed"
fi
# One closing line over every test run above (distcheck's own run is not counted).
echo "total: $n_pass passed, $n_fail failed, $n_skip skipped"
[ -z "$failed" ]
