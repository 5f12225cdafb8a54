#!/bin/sh
# SPDX-License-Identifier: MIT
# libfuzzer.sh -- builds the three fuzz targets (fuzz_query, fuzz_zone, fuzz_config) with
# clang's libFuzzer, AddressSanitizer and UBSan against the project's own libraries, and
# runs each for a bounded time on a copy of its seed corpus. Not part of `make check`
# (which replays the seeds); run by hand or before a release:
#   sh tests/fuzz/libfuzzer.sh [SECONDS]      (default 60 per target)
# The build goes to build-fuzz/ (GS_FUZZ_DIR overrides); a crash leaves the input that
# caused it in that folder (crash-*) and makes this script fail.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
dir=${GS_FUZZ_DIR:-$top/build-fuzz}
mkdir -p "$dir"
cd "$dir"
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
if [ ! -f Makefile ]; then
	"$top/configure" CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $san" >configure.out 2>&1 || {
		cat configure.out >&2
		exit 1
	}
fi
make -j"$(nproc)" >/dev/null
libs="server/ctl/libctl.a server/load/libload.a server/query/libquery.a zones/libzones.a
geoip/libgeoip.a server/health/libhealth.a server/config/libconfig.a server/base/libbase.a"
ext=$(pkg-config --libs ldns libmaxminddb yaml-0.1 liburcu-qsbr libcurl)
status=0
for t in query zone config; do
	# shellcheck disable=SC2086
	clang -g -O1 -fsanitize=fuzzer $san -DFUZZ_LIBFUZZER -I"$top" -I. \
		$(pkg-config --cflags ldns) "$top/tests/fuzz/fuzz_$t.c" $libs $ext -lev -lpthread \
		-o "fuzz_$t"
	seeds=$top/tests/fuzz/corpus
	[ "$t" = query ] || seeds=$top/tests/fuzz/corpus_$t
	rm -rf "corpus_$t"
	cp -r "$seeds" "corpus_$t"
	echo "fuzz_$t: ${secs}s"
	if ! top_srcdir=$top ./"fuzz_$t" -max_total_time="$secs" -max_len=4096 -timeout=10 \
		-print_final_stats=1 "corpus_$t" >"fuzz_$t.log" 2>&1; then
		status=1
		tail -n 40 "fuzz_$t.log"
	fi
	grep -E "^stat::number_of_executed_units|^#[0-9]+ *DONE" "fuzz_$t.log" || true
done
exit $status
