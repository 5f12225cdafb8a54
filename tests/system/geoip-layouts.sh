#!/bin/bash
# SPDX-License-Identifier: MIT
# geoip-layouts.sh -- the GeoIP database layouts operators have (docs/geoip.md): tiny
# databases in MaxMind's GeoLite2 City / Country / ASN, DB-IP's free City Lite /
# Country Lite / ASN Lite, and IPinfo's country_asn and ASN layouts, written at test
# time by tests/data/geo/mkmmdb.pl from tests/data/geo/layouts/*.txt. For each pairing a
# daemon runs a map with a rule of every kind the layout supports, and dig, with an ECS
# subnet in each place, gets the datacenter of the rule kind that must decide (asns,
# subdivisions, countries, continents, networks, default); the kinds a layout cannot
# serve are refused by --check with a message that says why (DB-IP Lite names its
# subdivisions without ISO codes; a Country database has none; no AS numbers).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

LAY="$top_srcdir/tests/data/geo/layouts"
if ! perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
	echo "SKIP: perl MaxMind::DB::Writer::Tree is missing (apt-get install libmaxmind-db-writer-perl)"
	exit 77
fi
for f in "$LAY"/*.txt; do
	b=$(basename "$f" .txt)
	perl "$top_srcdir/tests/data/geo/mkmmdb.pl" "$f" "$T/$b.mmdb" >/dev/null ||
		fatal "mkmmdb.pl $f failed"
done

cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
# One datacenter per rule kind, so that the answer says which kind decided.
declare -A DC_ADDR=([dnet]=192.0.2.1 [dasn]=192.0.2.2 [dsub]=192.0.2.3 [dcty]=192.0.2.4
	[dcont]=192.0.2.5 [ddef]=192.0.2.6)
# config DATABASE ASN_DATABASE|- KINDS...: the daemon's configuration with a map of
# the rule kinds named (networks asns subdivisions countries continents).
config() {
	local db=$1 asn=$2 k
	shift 2
	zones_yaml
	echo "  - name: geo.test."
	echo "    file: $T/geo.test.zone"
	echo "geoip:"
	echo "  database: $T/$db.mmdb"
	[ "$asn" = - ] || echo "  asn_database: $T/$asn.mmdb"
	echo "maps:"
	echo "  m:"
	echo "    default: [ddef, dnet, dasn, dsub, dcty, dcont]"
	for k in "$@"; do
		case $k in
		networks) echo "    networks: {10.9.0.0/16: [dnet, ddef]}" ;;
		asns) echo "    asns: {64500: [dasn, ddef], 64502: [dasn, ddef]}" ;;
		subdivisions) echo "    subdivisions: {GB-ENG: [dsub, ddef], US-CA: [dsub, ddef]}" ;;
		countries) echo "    countries: {DE: [dcty, ddef], GB: [dcty, ddef]}" ;;
		continents) echo "    continents: {AS: [dcont, ddef], OC: [dcont, ddef]}" ;;
		esac
	done
	echo "services:"
	echo "  www:"
	echo "    names: [www.geo.test.]"
	echo "    map: m"
	echo "    ttl: 60"
	echo "    datacenters:"
	for k in "${!DC_ADDR[@]}"; do
		echo "      $k: [${DC_ADDR[$k]}]"
	done
}
# expect_dc SUBNET DC WHY: dig with ECS SUBNET gets DC's address.
expect_dc() {
	q udp +subnet="$1" www.geo.test. A
	local want=${DC_ADDR[$2]}
	if [[ ${R_SEC[ANSWER]:-} == "www.geo.test. 60 IN A $want"* ]] && [ "$(r_count ANSWER)" = 1 ]; then
		ok "$LAYOUT: $1 -> $2 ($3)"
	else
		fail "$LAYOUT: $1: expected $2 ($want: $3), got: ${R_SEC[ANSWER]:-nothing}"
	fi
}
# refused DATABASE ASN_DATABASE|- KIND ERE: --check refuses a map with a KIND rule,
# saying ERE.
refused() {
	local out
	config "$1" "$2" "$3" >"$T/refused.yaml"
	sed -i "1i listen: [\"127.0.0.1:53\"]" "$T/refused.yaml"
	if out=$("$GSD" -c "$T/refused.yaml" --check 2>&1); then
		fail "$1: a $3 rule was accepted"
	elif grep -Eq "$4" <<<"$out"; then
		ok "$1$([ "$2" = - ] || echo " + $2"): $3 rules refused: $(grep -Eo "$4" <<<"$out" | head -1)"
	else
		fail "$1: $3 refused, but not with /$4/: $out"
	fi
}

# layout NAME DATABASE ASN_DATABASE|- KINDS...: a daemon with those rule kinds.
layout() {
	LAYOUT=$1
	section "$LAYOUT"
	shift
	gs_start < <(config "$@")
}

layout "GeoLite2 City + GeoLite2 ASN" geolite2-city geolite2-asn \
	networks asns subdivisions countries continents
expect_dc 10.9.1.0/24 dnet "networks rule"
expect_dc 10.1.0.0/24 dasn "AS64500 (US-CA too: asns come first)"
expect_dc 10.2.0.0/24 dsub "GB-ENG (GB too: subdivisions come first)"
expect_dc 10.3.0.0/24 dcty "DE"
expect_dc 10.4.0.0/24 dcont "AS (JP)"
expect_dc 10.6.0.0/24 dasn "AS64502 (AU, OC)"
expect_dc 10.5.0.0/24 ddef "not in the database"
gs_stop

layout "GeoLite2 Country + GeoLite2 ASN" geolite2-country geolite2-asn \
	networks asns countries continents
expect_dc 10.1.0.0/24 dasn "AS64500"
expect_dc 10.2.0.0/24 dcty "GB"
expect_dc 10.3.0.0/24 dcty "DE"
expect_dc 10.4.0.0/24 dcont "AS (JP)"
expect_dc 10.5.0.0/24 ddef "not in the database"
gs_stop
refused geolite2-country geolite2-asn subdivisions 'has none'

layout "GeoLite2 City alone" geolite2-city - subdivisions countries continents
expect_dc 10.1.0.0/24 dsub "US-CA"
expect_dc 10.2.0.0/24 dsub "GB-ENG"
expect_dc 10.6.0.0/24 dcont "OC (AU)"
gs_stop
refused geolite2-city - asns 'asns rules need AS numbers'

layout "DB-IP City Lite + DB-IP ASN Lite" dbip-city-lite dbip-asn-lite \
	networks asns countries continents
expect_dc 10.9.1.0/24 dnet "networks rule"
expect_dc 10.1.0.0/24 dasn "AS64500"
expect_dc 10.2.0.0/24 dcty "GB"
expect_dc 10.3.0.0/24 dcty "DE"
expect_dc 10.4.0.0/24 dcont "AS (JP)"
expect_dc 10.5.0.0/24 ddef "not in the database"
gs_stop
refused dbip-city-lite dbip-asn-lite subdivisions 'names its subdivisions without codes'

layout "DB-IP Country Lite" dbip-country-lite - countries continents
expect_dc 10.1.0.0/24 ddef "US: no rule"
expect_dc 10.2.0.0/24 dcty "GB"
expect_dc 10.6.0.0/24 dcont "OC (AU)"
gs_stop
refused dbip-country-lite - asns 'asns rules need AS numbers'

layout "IPinfo country_asn (flat fields, AS numbers in the same file)" ipinfo-country-asn - \
	networks asns countries continents
expect_dc 10.9.1.0/24 dnet "networks rule"
expect_dc 10.1.0.0/24 dasn "asn \"AS64500\""
expect_dc 10.2.0.0/24 dcty "country GB"
expect_dc 10.3.0.0/24 dcty "country DE"
expect_dc 10.4.0.0/24 dcont "continent AS"
expect_dc 10.6.0.0/24 dasn "asn \"AS64502\""
expect_dc 10.5.0.0/24 ddef "not in the database"
gs_stop
refused ipinfo-country-asn - subdivisions 'has none'

layout "GeoLite2 Country + IPinfo ASN" geolite2-country ipinfo-asn asns countries
expect_dc 10.1.0.0/24 dasn "asn \"AS64500\" from the ASN file"
expect_dc 10.3.0.0/24 dcty "DE"
gs_stop

section "explain --offline --quiet: no configuration warnings, the same answer"
GSCTL="$top_builddir/tools/geosteerctl"
config geolite2-city - countries | sed 's/countries: {DE:/countries: {FR: [dcty], DE:/' >"$T/warn.yaml"
sed -i "1i listen: [\"127.0.0.1:53\"]" "$T/warn.yaml"
loud=$("$GSCTL" -c "$T/warn.yaml" explain --offline www.geo.test --client 127.0.0.1 \
	--subnet 10.3.0.0/24 2>"$T/loud.err")
quiet=$("$GSCTL" -c "$T/warn.yaml" explain --offline --quiet www.geo.test --client 127.0.0.1 \
	--subnet 10.3.0.0/24 2>"$T/quiet.err")
grep -q "warning: map 'm': countries: FR matches nothing" "$T/loud.err" &&
	ok "without --quiet: the warning is printed" || fail "no warning without --quiet: $(cat "$T/loud.err")"
expect_eq "with --quiet: standard error" "" "$(cat "$T/quiet.err")"
expect_eq "with --quiet: the same explanation" "$loud" "$quiet"
grep -q "^chosen: *dcty " <<<"$quiet" && ok "with --quiet: chosen dcty" || fail "with --quiet: $quiet"

finish
