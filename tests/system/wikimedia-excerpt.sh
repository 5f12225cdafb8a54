#!/bin/bash
# SPDX-License-Identifier: MIT
# wikimedia-excerpt.sh -- tools/gdnsd-map-convert on a committed, hand-cut excerpt of
# Wikimedia's gdnsd geoip configuration (tests/data/wikimedia/excerpt: real lines of
# geo-maps and geo-resources plus SYNTHETIC edge-* files for the gdnsd features the
# production map does not use), served by geosteerd against a tiny City-shaped
# database built here (tests/data/wikimedia/excerpt-city.txt, with mkmmdb.pl):
#   - the YAML and the report equal the hand-checked tests/data/wikimedia/excerpt.yaml
#     and excerpt.report;
#   - geosteerd --check accepts it; inputs the converter must refuse exit 1;
#   - answers, read off the excerpt text by hand (the CASES table below): US states and
#     Canadian provinces (subdivisions), countries under a continent with and without a
#     default, region-only ranges, nested nets, a nets entry with host bits and one in
#     the IPv4-compatible form, skip_first (text-next), a resource without some of the
#     map's datacenters (edge-partial), multifo-style address hashes (edge-plain).
# Runs everywhere the system tests run (needs Debian's libmaxmind-db-writer-perl, as
# the unit tests' databases do).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"

CONVERT=$top_srcdir/tools/gdnsd-map-convert
FIX=$top_srcdir/tests/data/wikimedia
ZONE=wikimedia.test
TTL=180
if ! perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
	echo "SKIP: perl MaxMind::DB::Writer::Tree is missing (apt-get install libmaxmind-db-writer-perl)"
	exit 77
fi
perl "$top_srcdir/tests/data/geo/mkmmdb.pl" "$FIX/excerpt-city.txt" "$T/excerpt.mmdb" >/dev/null ||
	fatal "mkmmdb.pl $FIX/excerpt-city.txt failed"

# convert OUT [ARGS...]: the converter run from the fixture folder (so that the report
# and the YAML comments name excerpt/FILE:LINE), with $T written as @T@ in both.
convert() {
	local out=$1 rc
	shift
	(cd "$FIX" && "$PY" "$CONVERT" --config excerpt/config --database "$T/excerpt.mmdb" \
		--zone "$ZONE" --ttl "$TTL" -o "$T/$out.raw" "$@" 2>"$T/$out.report.raw")
	rc=$?
	sed "s|$T|@T@|g" "$T/$out.report.raw" >"$T/$out.report"
	[ -f "$T/$out.raw" ] && sed "s|$T|@T@|g" "$T/$out.raw" >"$T/$out.yaml"
	return $rc
}

section "the converter's output and report equal the hand-checked ones"
convert excerpt
expect_eq "gdnsd-map-convert exit status" 0 "$?"
for f in yaml report; do
	if diff -u "$FIX/excerpt.$f" "$T/excerpt.$f" >"$T/diff.out"; then
		ok "output equals tests/data/wikimedia/excerpt.$f"
	else
		fail "output differs from tests/data/wikimedia/excerpt.$f:"
		sed 's/^/    | /' "$T/diff.out"
	fi
done

section "geosteerd --check accepts it"
{
	echo "listen: [\"127.0.0.1:53\"]"
	cat "$T/excerpt.raw"
	printf 'zones:\n  - name: %s.\n    file: %s\n' "$ZONE" "$T/$ZONE.zone"
} >"$T/check.yaml"
convert zone --zone-file "$T/$ZONE.zone" --omit-zones || fatal "converter with --zone-file failed"
out=$("$GSD" -c "$T/check.yaml" --check 2>&1)
expect_eq "geosteerd --check exit status" 0 "$?"
expect_eq "geosteerd --check: errors" 0 "$(printf '%s\n' "$out" | grep -v ': OK: ' | grep -vc ': warning: ')"
# The OK line says where the time went: zone files, then the steering (the maps).
expect_eq "geosteerd --check: time split" 1 \
	"$(printf '%s\n' "$out" | grep -cE ': OK: 1 zone, [0-9]+ records in [0-9.]+ s \(zone files [0-9.]+ s, steering [0-9.]+ s\)$')"

section "inputs the converter must refuse (exit 1, FILE:LINE message)"
# refuse NAME EXPECTED-MESSAGE < GDNSD-MAPS: a maps file with a one-resource resources file.
refuse() {
	local name=$1 want=$2 out rc
	cat >"$T/bad-maps"
	printf 'r => { map => m, dcmap => { a => 192.0.2.1, b => 192.0.2.2 } }\n' >"$T/bad-res"
	out=$("$PY" "$CONVERT" --maps "$T/bad-maps" --resources "$T/bad-res" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 1 ] && [[ $out == *"$want"* ]]; then
		ok "$name: exit 1, '$want'"
	else
		fail "$name: expected exit 1 and '$want', got exit $rc:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
}
refuse "unknown datacenter in a list" \
	"bad-maps:1: error: maps.m.map.default: datacenter 'c' is not in the map's datacenters list" \
	<<<'m => { datacenters => [a, b], map => { default => [a, c] } }'
refuse "duplicate key" "bad-maps:3: duplicate key 'DE' (first at $T/bad-maps:2)" <<'EOF'
m => { datacenters => [a, b], map => { EU => {
	DE => [a, b]
	DE => [b, a] } } }
EOF
refuse "the same network twice" "error: maps.m.nets.10.0.0.1/8: the same network as" \
	<<<'m => { datacenters => [a, b], nets => { 10.0.0.0/8 => a, 10.0.0.1/8 => b } }'
refuse "a v4-mapped network" "inside the IPv4-mapped space" \
	<<<'m => { datacenters => [a, b], nets => { "::ffff:10.0.0.0/104" => a } }'
refuse "unterminated hash" "bad-maps:2: end of file inside the hash opened at $T/bad-maps:1 ('}' missing)" <<<'m => { datacenters => [a, b]'
refuse "resource without undefined_datacenters_ok" \
	"error: resources.r: map 'm' names datacenter 'c', which the dcmap lacks" \
	<<<'m => { datacenters => [a, b, c], map => { default => [c, a, b] } }'
out=$(cd "$FIX" && "$PY" "$CONVERT" --config excerpt/config --strict 2>&1 >/dev/null)
rc=$?
if [ $rc = 1 ] && [[ $out == *"error: not translated: maps.edge-map.city_no_region"* ]]; then
	ok "--strict: what is not translated is an error (exit 1)"
else
	fail "--strict: expected exit 1 with 'error: not translated:', got $rc"
fi

section "the daemon"
gs_start < <(
	zones_yaml
	printf '  - name: %s.\n    file: %s\n' "$ZONE" "$T/$ZONE.zone"
	grep -v '^#' "$T/zone.raw"
)

# SUBNET|TYPE|SERVICE|ADDRESSES (all of the answer)|RULE (explain names it)|what[|0: scope 0]
CASES=(
	"81.169.1.0/24|A|text-addrs|185.15.59.224|countries: DE|Germany: esams"
	"90.1.0.0/16|A|text-addrs|185.15.58.224|countries: FR|France: drmrs"
	"1.0.64.0/24|A|text-addrs|185.15.59.224|continents: EU|EU region only: EU default, esams (the EU pseudo-country is gone)"
	"43.208.1.0/24|A|text-addrs|103.102.166.224|continents: AS|AP region only: AS default, eqsin"
	"126.1.0.0/16|A|text-addrs|103.102.166.224|countries: JP|Japan: eqsin"
	"88.240.1.0/24|A|text-addrs|185.15.58.224|countries: TR|Turkey (AS in the database) filed under EU: geosteer matches it (gdnsd would not: reported)"
	"8.8.8.0/24|A|text-addrs|198.35.26.224|subdivisions: US-CA|California: ulsfo"
	"4.1.0.0/16|A|text-addrs|208.80.154.224|subdivisions: US-NY|New York: eqiad"
	"12.1.0.0/16|A|text-addrs|208.80.154.224|default|US without a state: no US or NA default, the top one"
	"24.1.0.0/16|A|text-addrs|208.80.154.224|subdivisions: CA-ON|Ontario: eqiad"
	"24.64.1.0/24|A|text-addrs|198.35.26.224|subdivisions: CA-BC|British Columbia: ulsfo"
	"24.80.1.0/24|A|text-addrs|208.80.154.224|default|Quebec, not in the excerpt: the top default"
	"189.1.0.0/16|A|text-addrs|208.80.153.224|countries: MX|Mexico: codfw"
	"190.4.1.0/24|A|text-addrs|208.80.154.224|default|Guatemala: NA has no default"
	"190.80.1.0/24|A|text-addrs|208.80.154.224|continents: SA|Guyana: SA default, eqiad"
	"190.80.1.0/24|A|text-next|208.80.153.224|continents: SA|Guyana, skip_first: codfw"
	"200.160.1.0/24|A|text-addrs|195.200.68.224|countries: BR|Brazil: magru"
	"200.160.1.0/24|A|text-next|208.80.154.224|countries: BR|Brazil, skip_first: eqiad"
	"1.1.1.0/24|A|upload-addrs|103.102.166.240|countries: AU|Australia: eqsin (upload addresses)"
	"41.1.0.0/16|A|text-addrs|185.15.58.224|countries: ZA|South Africa: drmrs"
	"41.33.0.0/16|A|text-addrs|185.15.59.224|continents: AF|Egypt, not in the excerpt: AF default, esams"
	"8.0.13.0/24|A|text-addrs|208.80.153.224|networks: 8.0.12.0/22|Level3 Dallas net inside a Texas range: codfw"
	"31.13.66.0/24|A|text-addrs|208.80.154.224|networks: 31.13.66.0/24|Meta /24 inside the /18: eqiad"
	"31.13.65.0/24|A|text-addrs|208.80.153.224|networks: 31.13.64.0/18|Meta /18: codfw"
	"10.132.0.0/24|A|text-next|208.80.154.224|networks: 10.132.0.0/24|eqsin rack 603, skip_first: eqiad"
	"10.132.1.0/24|A|text-next|208.80.153.224|networks: 10.132.1.0/24|eqsin rack 604, skip_first: codfw"
	"10.132.9.0/24|A|text-addrs|103.102.166.224|networks: 10.132.0.0/16|eqsin aggregate: eqsin"
	"198.51.100.0/24|A|text-addrs|198.35.26.224|networks: 198.51.100.0/24|net written with host bits: ulsfo"
	"192.0.2.0/24|A|text-next|208.80.154.224|networks: 192.0.2.0/24|net written IPv4-compatible, skip_first: eqiad"
	"203.0.113.0/24|A|text-next|195.200.68.224|networks: 203.0.113.0/24|one-datacenter net: skip_first has no effect"
	"2a03:2880:f808::/48|AAAA|text-addrs|2a02:ec80:300:ed1a::1|networks: 2a03:2880:f808::/48|Meta DE-HE: esams"
	"2a03:2880:1::/48|AAAA|text-addrs|2620:0:860:ed1a::1|networks: 2a03:2880::/32|Meta /32: codfw"
	"2001:db8:2::/48|AAAA|text-addrs|2620:0:860:ed1a::1|subdivisions: US-TX|Texas over IPv6: codfw"
	"2a00:1450:1::/48|AAAA|text-addrs|2a02:ec80:300:ed1a::1|continents: EU|Ireland, not in the excerpt: EU default"
	"81.169.1.0/24|A|edge-plain|192.0.2.2|countries: DE|edge-map DE: dc-b"
	"81.169.1.0/24|A|edge-partial|192.0.2.11 192.0.2.12|countries: DE|edge-partial lacks dc-b and dc-c: dc-a, both addresses; every rule of its map says [dc-a], so the scope is 0|0"
	"192.0.2.0/25|A|edge-plain|192.0.2.3 192.0.2.4|networks: 192.0.2.0/25|multifo-style hash: dc-c's two addresses"
	"90.1.0.0/16|A|edge-plain|192.0.2.1|default|FR's empty list was dropped (gdnsd: NODATA): the default, dc-a"
)

for c in "${CASES[@]}"; do
	IFS='|' read -r subnet type svc addrs rule what zero <<<"$c"
	section "$svc $type $subnet: $what"
	explain "$svc.$ZONE" "$type" 127.0.0.1 "$subnet"
	explain_ok
	expect_eq "explain $svc $subnet: rule" "$rule" "${X[rule]:-}"
	sq dig udp "$svc.$ZONE" "$type" "$subnet"
	expect_status NOERROR
	read -r -a want <<<"$addrs"
	expect_count ANSWER "${#want[@]}"
	for a in "${want[@]}"; do
		expect_rr ANSWER "^${svc}\\.${ZONE//./\\.}\\. $TTL IN $type ${a//./\\.}\$"
	done
	expect_scope "${X[scope_n]}"
	if [ "$zero" = 0 ]; then
		expect_scope 0
	elif [[ $R_SCOPE =~ ^[0-9]+$ ]] && [ "$R_SCOPE" -gt 0 ]; then
		ok "$LAST_CMD: scope $R_SCOPE > 0"
	else
		fail "$LAST_CMD: expected a scope above 0, got '${R_SCOPE:-none}'"
	fi
done

section "a resource with no address at all is no service"
sq dig udp "edge-cnames.$ZONE" A -
expect_status NXDOMAIN

finish
