#!/bin/bash
# SPDX-License-Identifier: MIT
# steer-metrics.sh -- the decision metrics of /metrics (docs/metrics.md) move by exactly
# what the queries did: geosteer_steered_answers_total per service, datacenter and
# decision (normal, failover, fail_open), geosteer_steered_all_down_total per policy,
# and geosteer_datacenter_up per service, datacenter and family. Datacenters are taken
# down with geosteerctl force; every scrape goes through the strict exposition parser
# (prom-check.py). A reload that keeps a (service, datacenter) pair keeps counting it;
# one that adds a datacenter adds its series at 0.
# geosteer_steered_answers_by_rule_total: the services of map m (default only) count
# every answer as rule="default", as many as their decisions; service geo (map g, one
# rule of each kind against the tiny City and ASN databases, its continents list the
# same as its default so that table ranges mix kinds) counts each ECS subnet under the
# kind the test expects, which is also what `geosteerctl --json explain` says.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
GSCTL="$top_builddir/tools/geosteerctl"
PROM_CHECK="$top_srcdir/tests/system/prom-check.py"
command -v curl >/dev/null || fatal "curl not found: apt-get install curl"

cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
MPORT=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
CITY="$top_builddir/tests/data/geo/city.mmdb"
ASN="$top_builddir/tests/data/geo/asn.mmdb"
if [ ! -f "$CITY" ] || [ ! -f "$ASN" ]; then
	if [ "${GS_MMDB_WRITER:-}" = no ]; then
		echo "SKIP: $CITY is not built: configure found no Perl MaxMind::DB::Writer"
		exit 77
	fi
	fatal "$CITY is not built: run 'make check' (it builds the test databases)"
fi
# service NAME POLICY [EXTRA-DC-LINE]
service() {
	cat <<EOF
  $1:
    names: [$1.geo.test.]
    map: m
    ttl: 60
    failover_ttl: 20
    all_down: $2
    datacenters:
      east: [192.0.2.10, "2001:db8:1::10"]
      west: [198.51.100.10]
$3
EOF
}
config() { # [EXTRA-DC-LINE for web]
	cat <<EOF
metrics: 127.0.0.1:$MPORT
$(zones_yaml)
  - name: geo.test.
    file: $T/geo.test.zone
geoip:
  database: $CITY
  asn_database: $ASN
  client_subnet: true
maps:
  m:
    default: [east, west, south]
  g:
    default: [east, south, west]
    continents: {EU: [east, south, west]}
    countries: {GB: [west, east, south]}
    subdivisions: {US-CA: [south, east, west]}
    asns: {64500: [west, south, east]}
    networks: {10.9.0.0/16: [south, west, east]}
services:
$(service web open "${1:-      south: [203.0.113.10]}")
$(service sf servfail "      south: [203.0.113.20]")
$(service geo open "      south: [203.0.113.30]" | sed 's/map: m/map: g/')
EOF
}
gs_start < <(config)
[ "$GS_CONTROL_OK" = yes ] || fatal "this build has no control socket"
ctl() { "$GSCTL" -s "$T/control.sock" "$@" >/dev/null || fail "geosteerctl $*"; }

# scrape NAME: the parsed samples of one scrape into the associative array NAME
# ("SERIES" -> value); a parser error fails the test.
scrape() {
	local -n arr=$1
	arr=()
	curl -sS --max-time 5 -o "$T/m.body" "http://127.0.0.1:$MPORT/metrics" ||
		fatal "GET /metrics failed"
	local out l
	out=$("$PY" "$PROM_CHECK" <"$T/m.body")
	if grep -q '^ERROR' <<<"$out"; then
		fail "prom-check.py: $(grep '^ERROR' <<<"$out" | head -3)"
	fi
	while IFS= read -r l; do
		arr["${l% *}"]=${l##* }
	done <<<"$out"
}
ans() { # SERVICE DC DECISION
	printf 'geosteer_steered_answers_total{service="%s",datacenter="%s",decision="%s"}' "$1" "$2" "$3"
}
RULES="networks asns subdivisions countries continents default"
by_rule() { # SERVICE DC RULE
	printf 'geosteer_steered_answers_by_rule_total{service="%s",datacenter="%s",rule="%s"}' "$1" "$2" "$3"
}
up() { # SERVICE DC FAMILY
	printf 'geosteer_datacenter_up{service="%s",datacenter="%s",family="%s"}' "$1" "$2" "$3"
}
# expect_moves FROM TO: every steered-answer series of FROM and TO moved by what the
# list "SERVICE DC DECISION DELTA ..." in WANT says (0 when not listed).
expect_moves() {
	local -n a=$1 b=$2
	local s d k key want
	for s in web sf; do
		for d in east west south; do
			for k in normal failover fail_open; do
				key=$(ans $s $d $k)
				want=0
				[[ " $WANT " == *" $s $d $k "* ]] && want=$(sed -n "s/.* $s $d $k \\([0-9]*\\).*/\\1/p" <<<" $WANT ")
				if [ -z "${b[$key]:-}" ]; then
					fail "$key: missing"
					continue
				fi
				expect_eq "$key moved" "$want" "$((b[$key] - ${a[$key]:-0}))"
				sum=$((${sum:-0} + want))
			done
			# Map m has only a default: every answer counts as rule="default".
			for g in $RULES; do
				key=$(by_rule $s $d $g)
				want=0
				[ $g = default ] && want=$sum
				if [ -z "${b[$key]:-}" ]; then
					fail "$key: missing"
				else
					expect_eq "$key moved" "$want" "$((b[$key] - ${a[$key]:-0}))"
				fi
			done
			sum=0
		done
	done
}
declare -A M0 M1 M2 M3 M4 M5 M6 M7

section "every datacenter up: normal answers from the first datacenter"
scrape M0
for i in 1 2 3; do
	q udp web.geo.test. A
	expect_rr ANSWER "^web\\.geo\\.test\\. 60 IN A 192\\.0\\.2\\.10$"
done
q tcp web.geo.test. AAAA
expect_rr ANSWER "^web\\.geo\\.test\\. 60 IN AAAA 2001:db8:1::10$"
q udp sf.geo.test. A
# A name that is not steered and a type the zone answers move nothing.
q udp web.geo.test. TXT
q udp ns1.geo.test. A
scrape M1
WANT="web east normal 4 sf east normal 1"
expect_moves M0 M1
expect_eq "$(up web east ipv4)" 1 "${M1[$(up web east ipv4)]:-missing}"
expect_eq "$(up web east ipv6)" 1 "${M1[$(up web east ipv6)]:-missing}"
expect_eq "$(up web west ipv6) (no IPv6 address: no series)" missing "${M1[$(up web west ipv6)]:-missing}"

section "east forced down: failover to west; AAAA, which only east has, fails open"
ctl force east down
q udp web.geo.test. A
expect_rr ANSWER "^web\\.geo\\.test\\. 20 IN A 198\\.51\\.100\\.10$"
q tcp web.geo.test. A
expect_rr ANSWER "^web\\.geo\\.test\\. 20 IN A 198\\.51\\.100\\.10$"
q udp web.geo.test. AAAA
expect_rr ANSWER "^web\\.geo\\.test\\. 20 IN AAAA 2001:db8:1::10$"
scrape M2
WANT="web west failover 2 web east fail_open 1"
expect_moves M1 M2
k='geosteer_steered_all_down_total{all_down="open"}'
expect_eq "$k moved" 1 "$((M2[$k] - M1[$k]))"
expect_eq "$(up web east ipv4)" 0 "${M2[$(up web east ipv4)]}"
expect_eq "$(up sf east ipv6)" 0 "${M2[$(up sf east ipv6)]}"
expect_eq "$(up web west ipv4)" 1 "${M2[$(up web west ipv4)]}"

section "east and west down: failover to south"
ctl force west down
q udp web.geo.test. A
expect_rr ANSWER "^web\\.geo\\.test\\. 20 IN A 203\\.0\\.113\\.10$"
q udp sf.geo.test. A
expect_rr ANSWER "^sf\\.geo\\.test\\. 20 IN A 203\\.0\\.113\\.20$"
scrape M3
WANT="web south failover 1 sf south failover 1"
expect_moves M2 M3

section "every datacenter down: fail open (open) and SERVFAIL (servfail)"
ctl force south down
q udp web.geo.test. A
expect_rr ANSWER "^web\\.geo\\.test\\. 20 IN A 192\\.0\\.2\\.10$"
q udp web.geo.test. A
q udp sf.geo.test. A
expect_status SERVFAIL
q tcp sf.geo.test. A
expect_status SERVFAIL
scrape M4
WANT="web east fail_open 2"
expect_moves M3 M4
for p in open servfail nodata; do
	k="geosteer_steered_all_down_total{all_down=\"$p\"}"
	want=0
	[ $p = open ] && want=2
	[ $p = servfail ] && want=2
	expect_eq "$k moved" $want "$((M4[$k] - M3[$k]))"
done
expect_eq "$(up web south ipv4)" 0 "${M4[$(up web south ipv4)]}"

section "service geo: answers by the kind of map rule that chose the list"
ctl force east auto
ctl force west auto
ctl force south auto
declare -A GEO_WANT GEO_ADDR=([east]=192.0.2.10 [west]=198.51.100.10 [south]=203.0.113.30)
# geo_q SUBNET|- RULE DC N: N queries (ECS SUBNET, or none) answered by DC, decided by a
# rule of kind RULE, which explain --json must say too.
geo_q() {
	local i subnet=() out kind dc
	[ "$1" = - ] || subnet=(+subnet="$1")
	for ((i = 0; i < $4; i++)); do
		q udp "${subnet[@]}" geo.geo.test. A
		expect_rr ANSWER "^geo\\.geo\\.test\\. 60 IN A ${GEO_ADDR[$3]//./\\.}$"
	done
	[ "$1" = - ] || subnet=(--subnet "$1")
	out=$("$GSCTL" -s "$T/control.sock" --json explain geo.geo.test --client 127.0.0.1 \
		"${subnet[@]}" | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
print(d["rule"]["kind"], d["chosen"]["datacenter"])')
	expect_eq "explain --json for ${1}: rule kind and datacenter" "$2 $3" "$out"
	GEO_WANT["$3 $2"]=$((${GEO_WANT["$3 $2"]:-0} + $4))
}
scrape M6
geo_q 10.9.1.0/24 networks south 2
geo_q 1.0.0.0/24 asns west 1       # AS64500, DE-BY
geo_q 1.0.6.0/24 subdivisions south 1
geo_q 1.0.2.0/24 countries west 1  # GB-ENG: no subdivisions rule for it
geo_q 1.0.16.0/24 continents east 3  # FR: EU's list is the default's
geo_q 1.0.12.0/24 default east 1   # CA: NA has no rule (next to FR: one table range)
geo_q 5.0.0.0/24 default east 1    # ZA: AF has no rule
geo_q 8.8.8.0/24 default east 1    # not in the database
geo_q - default east 1             # 127.0.0.1, not in the database
scrape M7
for d in east west south; do
	for g in $RULES; do
		key=$(by_rule geo $d $g)
		expect_eq "$key moved" "${GEO_WANT["$d $g"]:-0}" "$((M7[$key] - ${M6[$key]:-0}))"
	done
done
expect_eq "$(ans geo east normal) moved" 7 "$((M7[$(ans geo east normal)] - ${M6[$(ans geo east normal)]:-0}))"

section "a reload keeps counting by name; a new datacenter starts at 0"
ctl force east auto
ctl force west auto
ctl force south auto
# The daemon's configuration file (lib.sh's $CFG): its first lines (listen, control)
# are kept, the rest is the new configuration.
head -n 3 "$CFG" >"$T/cfg.yaml.new"
config "      south: [203.0.113.10]
      north: [192.0.2.99]" >>"$T/cfg.yaml.new"
sed -i 's/default: \[east, west, south\]/default: [east, west, south, north]/' "$T/cfg.yaml.new"
# sf lacks north: give it one too, so that the map's datacenters exist in both.
sed -i 's/^      south: \[203.0.113.20\]$/      south: [203.0.113.20]\n      north: [192.0.2.98]/' "$T/cfg.yaml.new"
mv "$T/cfg.yaml.new" "$CFG"
"$GSCTL" -s "$T/control.sock" reload >"$T/reload.out" 2>&1 || fail "reload: $(cat "$T/reload.out")"
q udp web.geo.test. A
expect_rr ANSWER "^web\\.geo\\.test\\. 60 IN A 192\\.0\\.2\\.10$"
scrape M5
WANT="web east normal 1"
expect_moves M4 M5
expect_eq "$(ans web north normal) after the reload" 0 "${M5[$(ans web north normal)]:-missing}"
expect_eq "$(up web north ipv4)" 1 "${M5[$(up web north ipv4)]:-missing}"
expect_eq "$(ans web east normal) total since start" 5 "${M5[$(ans web east normal)]}"

gs_alive "decision metrics"
finish
