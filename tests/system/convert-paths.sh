#!/bin/bash
# SPDX-License-Identifier: MIT
# convert-paths.sh -- two gdnsd-map-convert cases from the operators' review: with
# -o in another folder, a relative --database is written relative to the output (as
# --zone-file already was), so `geosteerd --check` of the output finds it; and a plain
# dcmap list that mixes IPv4 and IPv6 addresses is refused, as gdnsd refuses it.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

CONVERT=$top_srcdir/tools/gdnsd-map-convert
if ! perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
	echo "SKIP: perl MaxMind::DB::Writer::Tree is missing (apt-get install libmaxmind-db-writer-perl)"
	exit 77
fi
mkdir -p "$T/repo/etc/geoip" "$T/repo/sub"
perl "$top_srcdir/tests/data/geo/mkmmdb.pl" "$top_srcdir/tests/data/geo/layouts/geolite2-city.txt" \
	"$T/repo/etc/geoip/GeoIP2-City.mmdb" >/dev/null || fatal "mkmmdb.pl failed"
# gdnsd_config DC1-ADDRESSES: a gdnsd configuration with one geoip map and resource.
gdnsd_config() {
	cat <<EOF
plugins => {
    geoip => {
        maps => {
            prod => {
                datacenters => [dc1, dc2],
                map => { EU => [dc2, dc1], NA => [dc1, dc2] },
            },
        },
        resources => {
            www => {
                map => prod,
                dcmap => { dc1 => $1, dc2 => 192.0.2.20 },
            },
        },
    },
}
EOF
}

section "-o in another folder: the database path is rewritten relative to the output"
gdnsd_config '[192.0.2.10, 192.0.2.11]' >"$T/repo/etc/config"
(cd "$T/repo" && "$PY" "$CONVERT" --config etc/config --database etc/geoip/GeoIP2-City.mmdb \
	--zone geo.test -o sub/out.yaml 2>"$T/convert.err")
expect_eq "converter exit status" 0 "$?"
grep -q '^  database: "\.\./etc/geoip/GeoIP2-City\.mmdb"$' "$T/repo/sub/out.yaml" &&
	ok "database: ../etc/geoip/GeoIP2-City.mmdb in sub/out.yaml" ||
	fail "database line: $(grep database "$T/repo/sub/out.yaml")"
{
	echo 'listen: ["127.0.0.1:53"]'
	cat "$T/repo/sub/out.yaml"
	printf 'zones:\n  - name: geo.test.\n    file: geo.test.zone\n'
} >"$T/repo/sub/check.yaml"
printf '$ORIGIN geo.test.\n@ 3600 IN SOA ns1 h 1 2 3 4 5\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n' \
	>"$T/repo/sub/geo.test.zone"
out=$("$GSD" -c "$T/repo/sub/check.yaml" --check 2>&1)
expect_eq "geosteerd --check of the output (exit status)" 0 "$?"
grep -q 'cannot read' <<<"$out" && fail "--check: $out" || ok "--check finds the database"

section "a plain dcmap list mixing IPv4 and IPv6 is refused"
gdnsd_config '[192.0.2.10, 2001:db8::4]' >"$T/repo/etc/config"
(cd "$T/repo" && "$PY" "$CONVERT" --config etc/config --zone geo.test -o sub/mixed.yaml \
	2>"$T/mixed.err")
rc=$?
expect_eq "converter exit status" 1 "$rc"
grep -q "resources.www.dcmap.dc1: address '2001:db8::4' is not IPv4 like the first one" "$T/mixed.err" &&
	ok "the report says why" || fail "report: $(cat "$T/mixed.err")"

finish
