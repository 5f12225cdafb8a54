#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/same-answers.sh -- checks that a change keeps every answer: two geosteerd
# binaries (OLD and NEW) each serve the same configurations on their own loopback port,
# get the same queries over UDP (and a sample over TCP) and their responses are
# compared byte for byte. Prints the counts and the first differing queries (hex and
# dig-like text); exits 1 on any difference, 2 when it cannot run. What is covered and
# what is masked: the comment at the top of bench/same_answers.py.
# Usage: bench/same-answers.sh OLD_GEOSTEERD NEW_GEOSTEERD [--set NAME]... [--show N] [--keep]
#   e.g. bench/same-answers.sh ../old/build/server/geosteerd build/server/geosteerd
# The failover part uses tools/geosteerctl of each build (BIN/../../tools/geosteerctl)
# and is skipped, with a note, when one is missing. Needs /usr/bin/python3 with
# dnspython (python3-dnspython) and perl's MaxMind::DB::Writer (libmaxmind-db-writer-perl)
# for the test databases. Every daemon it starts is stopped by its PID.
set -eu
if [ $# -lt 2 ]; then
	sed -n '9,10p' "$0" | sed 's/^# //' >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" -c 'import dns.message' 2>/dev/null || {
	echo "same-answers.sh: python3 needs dnspython (apt-get install python3-dnspython)" >&2
	exit 2
}
exec "$py" "$top/bench/same_answers.py" --top "$top" "$@"
