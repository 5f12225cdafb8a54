#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/examples.sh -- the monitoring examples are valid: the Prometheus alert rules
# (examples/prometheus/geosteer-alerts.yml) pass `promtool check rules` (skipped with a
# message when promtool, Debian package prometheus, is not installed), every metric
# they and the Grafana dashboard name is one docs/metrics.md documents, and the
# dashboard (examples/grafana/geosteer.json) is JSON with panels and queries; the
# systemd units of examples/systemd pass systemd-analyze verify where it exists.
# Environment: top_srcdir (set by `make check`).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
RULES="$top_srcdir/examples/prometheus/geosteer-alerts.yml"
DASH="$top_srcdir/examples/grafana/geosteer.json"
DOC="$top_srcdir/docs/metrics.md"
N_PASS=0
N_FAIL=0
ok() {
	N_PASS=$((N_PASS + 1))
	echo "ok - $*"
}
fail() {
	N_FAIL=$((N_FAIL + 1))
	echo "FAIL: $*"
}

PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
if [ -n "$PROMTOOL" ]; then
	if out=$("$PROMTOOL" check rules "$RULES" 2>&1); then
		ok "promtool check rules: $(tr '\n' ' ' <<<"$out")"
	else
		fail "promtool check rules $RULES:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
else
	echo "SKIP: promtool not found (apt-get install prometheus): the rules are not checked by promtool"
fi

out=$(python3 - "$DASH" <<'PYEOF' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
panels = d["panels"]
assert panels, "no panels"
for p in panels:
    assert p.get("title"), "a panel without a title"
    assert p.get("targets"), "panel %r has no query" % p["title"]
    for t in p["targets"]:
        assert t.get("expr"), "panel %r has an empty query" % p["title"]
print(len(panels))
PYEOF
)
if [[ $out =~ ^[0-9]+$ ]]; then
	ok "the Grafana dashboard is JSON with $out panels, each with queries"
else
	fail "the Grafana dashboard: $out"
fi

# Every geosteer_ name of the rules and the dashboard is documented.
for f in "$RULES" "$DASH"; do
	for m in $(grep -o 'geosteer_[a-z_]*' "$f" | sort -u); do
		if grep -q "\`$m\`" "$DOC"; then
			ok "$(basename "$f"): $m is documented"
		else
			fail "$(basename "$f"): $m is not in docs/metrics.md"
		fi
	done
done

# The systemd units for GeoIP updates (examples/systemd/, docs/geoip.md) pass
# `systemd-analyze verify`, where it exists; geoipupdate itself may not be installed.
SYSD="$top_srcdir/examples/systemd"
if command -v systemd-analyze >/dev/null 2>&1; then
	out=$(systemd-analyze verify --man=no "$SYSD"/*.path "$SYSD"/*.service "$SYSD"/*.timer 2>&1)
	rest=$(grep -v 'Command /usr/bin/geoipupdate is not executable' <<<"$out" | grep -v '^$')
	if [ -z "$rest" ]; then
		ok "systemd-analyze verify examples/systemd: ${out:-no warnings}"
	else
		fail "systemd-analyze verify examples/systemd:"
		printf '%s\n' "$rest" | sed 's/^/    | /'
	fi
else
	echo "SKIP: systemd-analyze not found: examples/systemd not verified"
fi

echo "examples: $N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
