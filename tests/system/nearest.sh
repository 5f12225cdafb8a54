#!/bin/bash
# SPDX-License-Identifier: MIT
# nearest.sh -- nearest-first lists (a map's `coordinates`, docs/design.md rule 7) on a small
# City-shaped database (tests/data/geo/nearest.txt, built into nearest.mmdb: cities on
# five continents, records without a location). The expected lists and ECS scopes are
# computed by nearest-ref.py from the database's source text with its own haversine,
# not by geosteer. Checked over real DNS (kdig with ECS): every client's first
# datacenter and scope; the full order, by forcing each client's datacenters down one
# after another through the control socket and seeing the next one answer; explain's
# list and distances; an explicit country rule still wins; an unlocated client and an
# address the database lacks get `default`; two datacenters at the same place keep
# configuration order; `geosteerctl diff` after a datacenter moved. Then `--check`
# refusals with FILE:LINE: a latitude out of range, a longitude that is not a number, a
# datacenter the service lacks, a Country-shaped database, no default, no geoip.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh" # sq, expect_dc, expect_scope; DC_A is this test's own

NEAR_DB="$top_builddir/tests/data/geo/nearest.mmdb"
NEAR_TXT="$top_srcdir/tests/data/geo/nearest.txt"
COUNTRY_DB="$top_builddir/tests/data/geo/country4.mmdb"
REF="$top_srcdir/tests/system/nearest-ref.py"
if [ ! -f "$NEAR_DB" ] || [ ! -f "$COUNTRY_DB" ]; then
	if [ "${GS_MMDB_WRITER:-}" = no ]; then
		echo "SKIP: the test databases are not built: configure found no Perl MaxMind::DB::Writer"
		exit 77
	fi
	echo "FATAL: $NEAR_DB is not built: run 'make check' (it builds the test databases)" >&2
	exit 99
fi

# The map: datacenters in configuration order with their places. fra2 and fra1 stand at
# the same place, fra2 listed first: every client must see fra2 before fra1.
COORDS=(
	"us-east 39.04 -77.49"
	"us-west 45.60 -121.18"
	"fra2 50.11 8.68"
	"fra1 50.11 8.68"
	"sa-east -23.55 -46.63"
	"ap-northeast 35.68 139.69"
	"ap-southeast 1.35 103.82"
)
unset DC_A DC_AAAA
declare -A DC_AAAA=()
declare -A DC_A=([us-east]=192.0.2.1 [us-west]=192.0.2.2 [fra2]=192.0.2.3 [fra1]=192.0.2.4
	[sa-east]=192.0.2.5 [ap-northeast]=192.0.2.6 [ap-southeast]=192.0.2.7 [fallback]=192.0.2.8)

# map_yaml: the map's coordinates lines (indented 6), from COORDS.
coords_yaml() {
	local c dc lat lon
	for c in "${COORDS[@]}"; do
		read -r dc lat lon <<<"$c"
		echo "      $dc: [$lat, $lon]"
	done
}

cat >"$T/geo.test.zone" <<'EOF2'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF2

MPORT=$("$PY" "$RAWDNS" freeport) || fatal "no free port for metrics"
# body DB [MAP_EXTRA]: the configuration after listen/control.
body() {
	local dc
	echo "metrics: 127.0.0.1:$MPORT"
	zones_yaml
	cat <<EOF2
  - name: geo.test.
    file: $T/geo.test.zone
geoip:
  database: $1
  client_subnet: true
maps:
  near:
    default: [fallback, fra1]
    countries: {GB: [us-east, fra1]}
    coordinates:
$(coords_yaml)
${2:-}
services:
  www:
    names: [www.geo.test.]
    map: near
    ttl: 60
    failover_ttl: 20
    datacenters:
EOF2
	for dc in "${!DC_A[@]}"; do
		echo "      $dc: [${DC_A[$dc]}]"
	done
}

# The reference, from the same map (JSON for nearest-ref.py).
{
	printf '{"default": ["fallback", "fra1"], "countries": {"GB": ["us-east", "fra1"]},\n'
	printf ' "coordinates": ['
	sep=
	for c in "${COORDS[@]}"; do
		read -r dc lat lon <<<"$c"
		printf '%s["%s", %s, %s]' "$sep" "$dc" "$lat" "$lon"
		sep=', '
	done
	printf ']}\n'
} >"$T/map.json"
"$PY" "$REF" "$NEAR_TXT" "$T/map.json" >"$T/ref.txt" || fatal "nearest-ref.py failed"
echo "reference (subnet kind scope list distances):"
sed 's/^/    /' "$T/ref.txt"
n_nearest=$(grep -c ' nearest ' "$T/ref.txt")
[ "$n_nearest" -ge 8 ] || fatal "the reference has only $n_nearest located clients"

body "$NEAR_DB" >"$T/body.yaml"
gs_start <"$T/body.yaml"

# ---------------------------------------------------------------- first choice
section "each client's first datacenter and ECS scope (kdig +subnet)"
while read -r subnet kind scope list kms; do
	first=${list%%,*}
	sq kdig udp www.geo.test. A "$subnet"
	if [ "$R_STATUS" != NOERROR ]; then
		fail "$LAST_CMD: expected NOERROR, got '${R_STATUS:-no answer}'"
		show_last
		continue
	fi
	expect_dc "$first" A
	expect_scope "$scope"
done <"$T/ref.txt"

# Every answer of that sweep counted once, by the kind of rule that chose its list:
# the located clients no rule matched as nearest (geosteer_steered_answers_by_rule_total).
section "metrics: answers by rule kind, nearest among them"
m=$(curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics")
for k in nearest countries default; do
	want=$(awk -v k="$k" '$2 == k || ($2 ~ /^countries:/ && k == "countries")' "$T/ref.txt" | wc -l)
	got=$(awk -v k="$k" 'index($0, "geosteer_steered_answers_by_rule_total{") == 1 &&
		index($0, "rule=\"" k "\"") { n += $NF } END { print n + 0 }' <<<"$m")
	expect_eq "answers with rule=\"$k\"" "$want" "$got"
done

# Checks the reference itself makes visible: the located clients really spread over
# several first choices, the tie kept configuration order, Boston and Philadelphia
# share one network.
firsts=$(awk '$2 == "nearest" {split($4, a, ","); print a[1]}' "$T/ref.txt" | sort -u | wc -l)
[ "$firsts" -ge 4 ] && ok "located clients have $firsts different nearest datacenters" ||
	fail "located clients have only $firsts different nearest datacenters"
if awk '$2 == "nearest" && index($4, "fra1,fra2") {bad = 1} END {exit bad}' "$T/ref.txt"; then
	ok "reference: fra2 before fra1 (same place) in every nearest list"
else
	fail "reference: fra1 before fra2 somewhere"
fi

# ---------------------------------------------------------------- explain
if [ "$GS_CONTROL_OK" = yes ]; then
	section "explain (live): the rule, the list and the distances"
	while read -r subnet kind scope list kms; do
		ctl_capture -s "$T/control.sock" explain www.geo.test. A --client 127.0.0.1 \
			--subnet "$subnet"
		[ "$C_RC" = 0 ] || {
			fail "$LAST_CMD: exit $C_RC: $C_ERR"
			continue
		}
		got_list=$(sed -n 's/^list: *//p' <<<"$C_OUT")
		expect_eq "explain $subnet: list" "${list//,/ }" "$got_list"
		rule=$(sed -n 's/^rule: *//p' <<<"$C_OUT")
		case $kind in
		nearest)
			# "nearest: DC 1,234 km, DC 5 km, ...": names in the reference's order,
			# each distance within 1 km of the reference's.
			got=$(sed 's/^nearest: //; s/ km//g; s/\([0-9]\),\([0-9]\)/\1\2/g; s/, /\n/g' <<<"$rule")
			if [[ $rule == nearest:* ]] &&
				"$PY" - "$list" "$kms" "$got" <<'EOF2'; then
import sys
names, kms = sys.argv[1].split(","), [float(k) for k in sys.argv[2].split(",")]
got = [l.split() for l in sys.argv[3].splitlines()]
ok = len(got) == len(names) and all(
    g[0] == n and abs(float(g[1]) - k) <= 1.0 for g, n, k in zip(got, names, kms))
sys.exit(0 if ok else 1)
EOF2
				ok "explain $subnet: $rule"
			else
				fail "explain $subnet: rule '$rule', expected nearest: with $list ($kms km)"
			fi
			;;
		countries:*)
			expect_eq "explain $subnet: rule" "countries: ${kind#countries:}" "$rule"
			;;
		default)
			expect_eq "explain $subnet: rule" "default" "$rule"
			;;
		esac
		grep -q '^mismatch:' <<<"$C_OUT" && fail "explain $subnet: $(grep '^mismatch:' <<<"$C_OUT")"
	done <"$T/ref.txt"
	# One nearest-first client in the JSON form: kind nearest, the distances typed
	# (each within 1 km of the reference's is checked on the text line above).
	read -r subnet kind scope list kms < <(awk '$2 == "nearest"' "$T/ref.txt")
	IFS=, read -r -a names <<<"$list"
	ctl_json explain-nearest "" "$T/control.sock" explain www.geo.test. A --client 127.0.0.1 \
		--subnet "$subnet" <<EOF
rule.kind str nearest
rule.key null
rule.distances list ${#names[@]}
rule.distances.0.datacenter str ${names[0]}
rule.distances.0.km int *
rule.distances.1.datacenter str ${names[1]}
list list ${#names[@]}
list.0 str ${names[0]}
EOF

	# ------------------------------------------------------------ the full order
	section "the full order over DNS: each client's datacenters forced down in turn"
	# answers_dc SUBNET DC: one query for SUBNET is answered by DC.
	answers_dc() {
		sq kdig udp www.geo.test. A "$1"
		[[ ${R_SEC[ANSWER]:-} == *" IN A ${DC_A[$2]}"* ]]
	}
	declare -A seen_order
	while read -r subnet kind scope list kms; do
		[ "$kind" = nearest ] || continue
		[ -z "${seen_order[$list]:-}" ] || continue
		seen_order[$list]=1
		IFS=, read -r -a order <<<"$list"
		walked=0
		for ((k = 0; k + 1 < ${#order[@]}; k++)); do
			ctl_capture -s "$T/control.sock" force "${order[k]}" down
			[ "$C_RC" = 0 ] || fail "$LAST_CMD: exit $C_RC: $C_ERR"
			if wait_until 5 answers_dc "$subnet" "${order[k + 1]}"; then
				walked=$((walked + 1))
			else
				fail "$subnet with ${order[*]:0:k+1} down: expected ${order[k + 1]}, got:"
				r_section ANSWER | sed 's/^/    | /'
			fi
		done
		[ "$walked" = $((${#order[@]} - 1)) ] &&
			ok "$subnet: answered by each of ${order[*]} in turn as those ahead went down"
		for dc in "${order[@]}"; do
			ctl_capture -s "$T/control.sock" force "$dc" auto
		done
		wait_until 5 answers_dc "$subnet" "${order[0]}" ||
			fail "$subnet: ${order[0]} does not answer again after the forces were lifted"
	done <"$T/ref.txt"
else
	echo "SKIP: explain and the forced walk need the control socket"
fi
gs_stop

# ---------------------------------------------------------------- diff
section "geosteerctl diff: moving a datacenter's coordinates moves the clients it reorders"
{
	echo 'listen: ["127.0.0.1:53"]'
	body "$NEAR_DB"
} >"$T/old.yaml"
sed 's/^      sa-east: \[-23.55, -46.63\]/      sa-east: [38.72, -9.14]/' "$T/old.yaml" >"$T/new.yaml"
sed 's/"sa-east", -23.55, -46.63/"sa-east", 38.72, -9.14/' "$T/map.json" >"$T/map2.json"
"$PY" "$REF" "$NEAR_TXT" "$T/map2.json" >"$T/ref2.txt" || fatal "nearest-ref.py failed"
ctl_capture diff "$T/old.yaml" "$T/old.yaml"
expect_rc 0
ctl_capture diff "$T/old.yaml" "$T/new.yaml"
expect_rc 1
# São Paulo's record: the list before and after, as the reference orders them.
before=$(awk '$1 == "11.0.2.0/24" {print $4}' "$T/ref.txt")
after=$(awk '$1 == "11.0.2.0/24" {print $4}' "$T/ref2.txt")
[ "$before" != "$after" ] || fatal "the reference does not move Sao Paulo"
expect_text out "^service www: network 11\.0\.2\.0/24: \[${before//,/, }\] -> \[${after//,/, }\]\$"
# A client whose order does not involve the move stays out of the diff: Tokyo.
if [ "$(awk '$1 == "11.0.5.0/24" {print $4}' "$T/ref.txt")" = \
	"$(awk '$1 == "11.0.5.0/24" {print $4}' "$T/ref2.txt")" ]; then
	if grep -q 'network 11\.0\.5\.0/24' <<<"$C_OUT"; then
		fail "diff lists 11.0.5.0/24 (Tokyo), whose order does not change"
	else
		ok "diff leaves out 11.0.5.0/24 (Tokyo), whose order does not change"
	fi
fi

# ---------------------------------------------------------------- refusals
section "--check refusals with FILE:LINE"
# check_refuses DESCRIPTION ERE: geosteerd --check on $T/bad.yaml exits 1 and prints a
# line "bad.yaml:LINE: ..." matching ERE at the line holding the text in $want_at.
check_refuses() {
	local out rc line
	out=$("$GSD" -c "$T/bad.yaml" --check 2>&1)
	rc=$?
	line=$(grep -n -m1 -F -- "$want_at" "$T/bad.yaml" | cut -d: -f1)
	if [ "$rc" = 1 ] && grep -Eq "bad\.yaml:$line: .*$2" <<<"$out"; then
		ok "$1: exit 1, bad.yaml:$line: $(grep -E -m1 "bad\.yaml:$line: .*$2" <<<"$out" | sed 's/^.*bad\.yaml:[0-9]*: //')"
	else
		fail "$1: expected exit 1 and bad.yaml:$line: /$2/, got exit $rc:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
}
{
	echo 'listen: ["127.0.0.1:53"]'
	body "$NEAR_DB"
} >"$T/bad.yaml"
out=$("$GSD" -c "$T/bad.yaml" --check 2>&1) &&
	ok "the test configuration passes --check" ||
	fail "the test configuration fails --check: $out"

sed -i 's/^      sa-east: \[-23.55, -46.63\]/      sa-east: [-93.55, -46.63]/' "$T/bad.yaml"
want_at='sa-east: [-93.55' check_refuses "latitude out of range" "latitude -93.55 is outside -90..90"
sed -i 's/^      sa-east: \[-93.55, -46.63\]/      sa-east: [-23.55, west]/' "$T/bad.yaml"
want_at='sa-east: [-23.55, west]' check_refuses "longitude not a number" "longitude 'west' is not a decimal number"
sed -i 's/^      sa-east: \[-23.55, west\]/      sa-east: [-23.55, -46.63]\n      mars: [4.5, 137.4]/' "$T/bad.yaml"
want_at='mars: [4.5' check_refuses "a datacenter the service lacks" "datacenter 'mars' is not defined in service 'www'"
sed -i '/^      mars: /d' "$T/bad.yaml"

sed -i "s|database: $NEAR_DB|database: $COUNTRY_DB|" "$T/bad.yaml"
# A message about the whole `coordinates` mapping names its first line.
want_at='us-east: [39.04' check_refuses "a Country-shaped database" "coordinates need a City-shaped database"
sed -i "s|database: $COUNTRY_DB|database: $NEAR_DB|" "$T/bad.yaml"

sed -i '/^    default: \[fallback, fra1\]/d' "$T/bad.yaml"
want_at='countries: {GB' check_refuses "no default" "missing required key 'default'"
{
	echo 'listen: ["127.0.0.1:53"]'
	body "$NEAR_DB" | sed '/^geoip:/,/^  client_subnet/d; /countries: {GB/d'
} >"$T/bad.yaml"
want_at='us-east: [39.04' check_refuses "no geoip section" "need a City-shaped GeoIP database, but there is no geoip section"

finish
