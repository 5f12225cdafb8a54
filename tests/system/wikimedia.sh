#!/bin/bash
# SPDX-License-Identifier: MIT
# wikimedia.sh -- Wikimedia's production gdnsd geoip map (../shared/realworld/wikimedia:
# 7 datacenters, 201 countries, 783 nets) translated by tools/gdnsd-map-convert and
# served by geosteerd against ../shared/testdata/world.mmdb (GeoIP2-Country shape):
#   - the converter exits 0 and reports what does not carry over (pseudo-countries AP
#     and EU, the bh/ref pseudo-datacenters, skip_first, the missing discovery files,
#     the US/Canada subdivisions a Country database cannot match);
#   - `geosteerd --check` accepts the result with no error and no warning;
#   - for real client subnets (a country rule, a country under a continent without a
#     default, region-only ranges, continent defaults, nested nets overrides, IPv6),
#     the datacenter each service answers with is the one read off the gdnsd map text
#     by this script's own small parser (not the converter's), its addresses are the
#     ones in geo-resources, the TTL is --ttl, the ECS scope is above 0 and equal to
#     what `geosteerctl explain --offline` computes, and explain names the rule a
#     reader of the gdnsd map expects.
# Skipped (77) without the shared folder. GS_SHARED overrides ../shared.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"

: "${GS_SHARED:=$top_srcdir/../shared}"
WM=$GS_SHARED/realworld/wikimedia
WORLD=${GS_WORLD_MMDB:-$GS_SHARED/testdata/world.mmdb}
for f in "$WM/config" "$WM/geo-maps" "$WM/geo-resources" "$WORLD"; do
	if [ ! -f "$f" ]; then
		echo "SKIP: no $f (set GS_SHARED to the folder holding realworld/ and testdata/)"
		exit 77
	fi
done
CONVERT=$top_srcdir/tools/gdnsd-map-convert
ZONE=wikimedia.test
TTL=180

# ---------------------------------------------------------------- the gdnsd text, read here
# GM["map EU DE"], GM["map default"], GM["nets 8.0.12.0/22"]: the datacenter list of each
# entry of geo-maps, by brace nesting below `generic-map`; RS["text-addrs eqiad"]: the
# "V4 V6" addresses of each datacenter of geo-resources.
declare -A GM RS
while IFS='|' read -r path list; do
	GM[$path]=$list
done < <(awk '
	{ sub(/#.*/, "") }
	/=>?[ \t]*\{[ \t]*$/ { k = $1; stack[++d] = k; next }
	/^[ \t]*\},?[ \t]*$/ { d--; next }
	/=>?[ \t]*\[/ {
		k = $1; l = $0; sub(/^[^[]*\[/, "", l); sub(/\].*/, "", l); gsub(/[ \t,]+/, " ", l)
		sub(/^ /, "", l); sub(/ $/, "", l)
		p = ""; for (i = 2; i <= d; i++) p = p stack[i] " "
		print p k "|" l
	}' "$WM/geo-maps")
res=
while IFS= read -r line; do
	if [[ $line =~ ^([a-z0-9-]+)\ =\>\ \{ ]]; then
		res=${BASH_REMATCH[1]}
	elif [[ $line =~ ^\ +([a-z]+)\ +=\>\ \{\ addrs_v4\ =\>\ ([0-9.]+),\ +addrs_v6\ =\>\ ([0-9a-f:]+)\ \} ]]; then
		RS["$res ${BASH_REMATCH[1]}"]="${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
	fi
done <"$WM/geo-resources"

section "the gdnsd text as this script reads it"
n_countries=0 n_nets=0
for k in "${!GM[@]}"; do
	[[ $k =~ ^map\ [A-Z]{2}\ [A-Z]{2}$ ]] && n_countries=$((n_countries + 1))
	[[ $k == nets\ * ]] && n_nets=$((n_nets + 1))
done
expect_eq "geo-maps: country entries with a list (AP and EU pseudo-countries included)" 199 "$n_countries"
expect_eq "geo-maps: nets entries" 783 "$n_nets"
expect_eq "geo-resources: text-addrs eqiad" "208.80.154.224 2620:0:861:ed1a::1" "${RS[text-addrs eqiad]:-}"
# The map's inheritance that the cases below rely on: NA, US and CA have no default.
for k in "map NA default" "map NA US default" "map NA CA default" "map SA GY" "map NA GT"; do
	expect_eq "geo-maps has no '$k' entry" "" "${GM[$k]:-}"
done

# ---------------------------------------------------------------- the converter
section "gdnsd-map-convert on the production files"
"$PY" "$CONVERT" --config "$WM/config" --database "$WORLD" --zone "$ZONE" \
	--zone-file "$T/$ZONE.zone" --ttl "$TTL" -o "$T/converted.yaml" 2>"$T/convert.log"
rc=$?
expect_eq "gdnsd-map-convert exit status" 0 "$rc"
sed 's/^/    | /' "$T/convert.log"
report=$(cat "$T/convert.log")
for want in \
	'map generic-map: 7 datacenters named, default, 5 continents, 197 countries, 0 subdivisions, 783 networks' \
	"geo-maps:73: note: maps.generic-map.map.AS.AP: 'AP' is a GeoIP1-era pseudo-country" \
	"geo-maps:142: note: maps.generic-map.map.EU.EU: 'EU' is a GeoIP1-era pseudo-country" \
	'not translated: dcmap.bh (127.0.0.1, ::1) of resources text-addrs, text-next,' \
	"not translated: dcmap.ref (a reference to another plugin's resource (%reflect!dns))" \
	"resources.text-next: skip_first = true; translated as map 'generic-map.skip-first'" \
	'not translated: maps.generic-map: 64 subdivision rules (US-AK' \
	'not translated: $include{discovery-map}: no such file' \
	'not translated: plugins.metafo:' \
	'service text-next: map generic-map.skip-first, 7 datacenters' \
	'0 errors, '; do
	if [[ $report == *"$want"* ]]; then
		ok "converter report says: $want"
	else
		fail "converter report lacks: $want"
	fi
done

section "geosteerd --check accepts the whole translated map"
{
	echo "listen: [\"127.0.0.1:53\"]"
	cat "$T/converted.yaml"
} >"$T/check.yaml"
out=$("$GSD" -c "$T/check.yaml" --check 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
expect_eq "geosteerd --check exit status" 0 "$rc"
expect_eq "geosteerd --check: errors and warnings" 0 "$(printf '%s\n' "$out" | grep -vc ': OK: ')"

# The daemon: the lib.sh fixture zones (its readiness probe asks a.test.) plus the
# converted zone, maps and services.
"$PY" "$CONVERT" --config "$WM/config" --database "$WORLD" --zone "$ZONE" \
	--zone-file "$T/$ZONE.zone" --omit-zones --ttl "$TTL" -o "$T/maps.yaml" 2>/dev/null ||
	fatal "gdnsd-map-convert --omit-zones failed"
GS_START_TIMEOUT=$((GS_START_TIMEOUT < 60 ? 60 : GS_START_TIMEOUT))
gs_start < <(
	zones_yaml
	printf '  - name: %s.\n    file: %s\n' "$ZONE" "$T/$ZONE.zone"
	grep -v '^#' "$T/maps.yaml"
)

# ---------------------------------------------------------------- the cases
# SUBNET|TYPE|gdnsd entry (GM key)|rule explain must name|why
CASES=(
	"81.169.145.0/24|A|map EU DE|countries: DE|Germany"
	"8.8.8.0/24|A|map default|default|US: only states under US, no default in US or NA"
	"190.4.1.0/24|A|map default|default|Guatemala: NA has no default, the top one applies"
	"43.208.1.0/24|A|map AS default|continents: AS|a range registered to AP (continent AS, no country)"
	"200.240.1.0/24|A|map EU default|continents: EU|a range registered to EU (no country)"
	"190.80.1.0/24|A|map SA default|continents: SA|Guyana: not listed, SA's default"
	"200.160.0.0/20|A|map SA BR|countries: BR|Brazil"
	"1.1.1.0/24|A|map OC AU|countries: AU|Australia"
	"2a00:1450:4001::/48|AAAA|map EU IE|countries: IE|Ireland, IPv6"
	"8.0.13.0/24|A|nets 8.0.12.0/22|networks: 8.0.12.0/22|Level3 Dallas resolvers"
	"31.13.66.0/24|A|nets 31.13.66.0/24|networks: 31.13.66.0/24|Meta US-VA /24 inside the /18"
	"31.13.65.0/24|A|nets 31.13.64.0/18|networks: 31.13.64.0/18|Meta /18 around it"
	"10.132.1.0/24|A|nets 10.132.1.0/24|networks: 10.132.1.0/24|eqsin rack inside the /16"
	"2a03:2880:f808::/48|AAAA|nets 2a03:2880:f808::/48|networks: 2a03:2880:f808::/48|Meta DE-HE, IPv6"
	"2620:0:863:ed1a::/64|AAAA|nets 2620:0:863::/48|networks: 2620:0:863::/48|Wikimedia ulsfo"
)

# answer_check SERVICE TYPE SUBNET DC: dig +subnet gets DC's address of SERVICE (from
# geo-resources) and nothing else, with TTL $TTL and a scope above 0 equal to X[scope_n].
answer_check() {
	local svc=$1 type=$2 subnet=$3 dc=$4 addrs addr
	addrs=${RS["$svc $dc"]:-}
	[ -n "$addrs" ] || fatal "geo-resources has no $svc $dc"
	if [ "$type" = A ]; then addr=${addrs% *}; else addr=${addrs#* }; fi
	sq dig udp "$svc.$ZONE" "$type" "$subnet"
	if [ "$R_STATUS" != NOERROR ]; then
		fail "$LAST_CMD: expected NOERROR, got '${R_STATUS:-no answer (exit $DIG_RC)}'"
		show_last
		return
	fi
	expect_count ANSWER 1
	expect_rr ANSWER "^${svc//./\\.}\\.${ZONE//./\\.}\\. $TTL IN $type ${addr//./\\.}\$"
	expect_scope "${X[scope_n]}"
	if [[ $R_SCOPE =~ ^[0-9]+$ ]] && [ "$R_SCOPE" -gt 0 ]; then
		ok "$LAST_CMD: scope $R_SCOPE > 0"
	else
		fail "$LAST_CMD: expected a scope above 0, got '${R_SCOPE:-none}'"
	fi
}

for c in "${CASES[@]}"; do
	IFS='|' read -r subnet type key rule why <<<"$c"
	section "$subnet ($why): gdnsd '$key' = [${GM[$key]:-}]"
	read -r -a list <<<"${GM[$key]:-}"
	[ ${#list[@]} -ge 2 ] || fatal "geo-maps has no list at '$key'"
	first=${list[0]} second=${list[1]}

	explain "text-addrs.$ZONE" "$type" 127.0.0.1 "$subnet"
	explain_ok
	expect_eq "explain text-addrs $subnet: rule" "$rule" "${X[rule]:-}"
	expect_eq "explain text-addrs $subnet: list" "${GM[$key]}" "${X[list]:-}"
	expect_eq "explain text-addrs $subnet: chosen" "$first" "${X[chosen_dc]}"
	answer_check text-addrs "$type" "$subnet" "$first"
	# upload-addrs shares the map: same datacenter, its own addresses (and scope).
	answer_check upload-addrs "$type" "$subnet" "$first"
	# text-next (skip_first): the map's second choice. Its derived map can merge
	# neighbours differently, so its scope comes from its own explain.
	explain "text-next.$ZONE" "$type" 127.0.0.1 "$subnet"
	expect_eq "explain text-next $subnet: chosen" "$second" "${X[chosen_dc]}"
	answer_check text-next "$type" "$subnet" "$second"
done

section "no ECS: 127.0.0.1 is in no nets entry and not in the database, the top default"
read -r -a list <<<"${GM[map default]}"
sq dig udp "gerrit-addrs.$ZONE" A -
addr=${RS["gerrit-addrs ${list[0]}"]% *}
expect_rr ANSWER "^gerrit-addrs\\.${ZONE//./\\.}\\. $TTL IN A ${addr//./\\.}\$"
expect_scope none

finish
