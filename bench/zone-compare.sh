#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/zone-compare.sh -- checks that two builds load zones alike: runs
# `zone-bench FILE ORIGIN --dump` (every node, RRset and record's wire rdata, plus
# every message) of OLD and NEW on every zone file under tests/data and examples,
# each with its own name as origin and with example.com., and on a zone of RECORDS
# records from scripts/gen-zone.sh, and compares the outputs byte for byte.
#
# usage: bench/zone-compare.sh OLD_ZONE_BENCH NEW_ZONE_BENCH [RECORDS]   (default 100000)
# Both must print rdata in --dump (bench/zone_bench.c from commit e1e25ce on): to
# compare against an older loader, build that tree with this zone_bench.c.
# Prints the number of loads compared and the files that differ; exits 1 on any
# difference. Takes a few seconds; scratch files go to a temporary folder, removed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
old=$(realpath "$1")
new=$(realpath "$2")
records=${3:-100000}
work=$(mktemp -d /tmp/zone-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
sh "$top/scripts/gen-zone.sh" "$records" bench.example. >"$work/gen.zone"
n=0
bad=0
compare() { # FILE ORIGIN
	dir=$(dirname "$1")
	(cd "$dir" && "$old" "$1" "$2" --dump) >"$work/old" 2>&1 || true
	(cd "$dir" && "$new" "$1" "$2" --dump) >"$work/new" 2>&1 || true
	n=$((n + 1))
	if ! cmp -s "$work/old" "$work/new"; then
		echo "differs: $1 (origin $2)"
		diff "$work/old" "$work/new" | head -10
		bad=$((bad + 1))
	fi
}
find "$top/tests/data" "$top/examples" -type f \
	\( -name '*.zone' -o -name '*.signed' -o -name '*.inc' \) | sort >"$work/files"
while read -r f; do
	b=$(basename "$f")
	o=${b%.zone}
	o=${o%.signed}
	o=${o%.inc}
	compare "$f" "$o."
	compare "$f" example.com.
done <"$work/files"
compare "$work/gen.zone" bench.example.
echo "zone-compare: $n loads compared, $bad differ"
[ "$bad" -eq 0 ]
