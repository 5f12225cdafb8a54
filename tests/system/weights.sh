#!/bin/bash
# SPDX-License-Identifier: MIT
# weights.sh -- weighted groups (docs/design.md rule 7) against the test
# database tests/data/geo/weights.txt (North America: 23.0.0.0/12 and 2600:1f00::/32),
# with ECS queries through dnspython (weights.py), one per client network:
# - the 4,096 /24s of 23.0.0.0/12 split 3:1 over {us-east: 3, us-west: 1} as 75 % +- 3 %,
#   and the 4,096 /48s of 2600:1f00::/36 too; every scope is at least weight_prefix;
# - every network gets the same member again, asked from another address of it, after a
#   reload, and after a restart (the hash has no seed);
# - in a group {us-east: 2, us-west: 1, us-central: 1, spare: 0}: us-west down moves its
#   networks (to us-east and us-central, with failover_ttl) and no other network; three
#   members down leave everything to spare (weight 0); all four down hand over to the
#   next position of the list; back up, every network returns to its member;
# - explain says the same as the daemon; /metrics counts the members' answers by pick;
# - geosteerctl diff says which share of the networks a weight change moves (3:1 -> 1:1:
#   25 %), and the daemon, reloaded with the change, moves that share;
# - a list without a group in the same map keeps its scope.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

GSCTL="$top_builddir/tools/geosteerctl"
WPY="$top_srcdir/tests/system/weights.py"
MMDB="$top_builddir/tests/data/geo/weights.mmdb"
if [ ! -f "$MMDB" ]; then
	if [ "${GS_MMDB_WRITER:-}" = no ]; then
		echo "SKIP: $MMDB is not built (no Perl MaxMind::DB::Writer)"
		exit 77
	fi
	echo "FATAL: $MMDB is not built: run 'make check' (it builds the test databases)" >&2
	exit 99
fi
command -v curl >/dev/null || fatal "curl not found: apt-get install curl"

cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
MPORT=$("$PY" "$RAWDNS" freeport) || fatal "no free port for metrics"
config() {
	cat <<EOF
metrics: 127.0.0.1:$MPORT
$(zones_yaml)
  - name: geo.test.
    file: $T/geo.test.zone
geoip:
  database: $MMDB
maps:
  split:
    default: [fallback]
    continents:
      NA: [{us-east: 3, us-west: 1}, fallback]
      EU: [eu-central, fallback]
  four:
    default: [fallback]
    continents: {NA: [{us-east: 2, us-west: 1, us-central: 1, spare: 0}, fallback]}
services:
  www:
    names: [www.geo.test.]
    map: split
    ttl: 60
    failover_ttl: 20
    datacenters:
      us-east: [192.0.2.10, "2001:db8:1::10"]
      us-west: [192.0.2.20, "2001:db8:2::10"]
      eu-central: [198.51.100.10]
      fallback: [203.0.113.10]
  app:
    names: [app.geo.test.]
    map: four
    ttl: 60
    failover_ttl: 20
    datacenters:
      us-east: [192.0.2.11]
      us-west: [192.0.2.21]
      us-central: [192.0.2.31]
      spare: [192.0.2.41]
      fallback: [203.0.113.11]
EOF
}
gs_start < <(config)
DCS=(--dc us-east=192.0.2.10 --dc us-west=192.0.2.20 --dc us-east=2001:db8:1::10
	--dc us-west=2001:db8:2::10 --dc fallback=203.0.113.10 --dc eu-central=198.51.100.10
	--dc us-east=192.0.2.11 --dc us-west=192.0.2.21 --dc us-central=192.0.2.31
	--dc spare=192.0.2.41 --dc fallback=203.0.113.11)
ctl() { "$GSCTL" -s "$T/control.sock" "$@" >/dev/null || fail "geosteerctl $*"; }

# sweep OUT NAME TYPE NETWORK PREFIX [--host]: one ECS query per network into $T/OUT.
sweep() {
	local out=$1
	shift
	if "$PY" "$WPY" -p "$PORT" sweep "$1" "$2" "$3" "$4" "$T/$out" "${@:5}" "${DCS[@]}"; then
		ok "sweep $*: every network answered"
	else
		fail "sweep $*: not every network answered"
	fi
}
# check LABEL weights.py-ARGS...: the comparison must hold (exit 0); its line is shown.
check() {
	local label=$1 line
	shift
	if line=$("$PY" "$WPY" "$@"); then
		ok "$label: $line"
	else
		fail "$label: $line"
	fi
}
# share FILE DC LOW HIGH: the share of networks that got DC lies in [LOW, HIGH].
share() {
	local s
	s=$("$PY" "$WPY" share "$T/$1" "$2")
	if awk -v s="${s%% *}" -v lo="$3" -v hi="$4" 'BEGIN { exit !(s >= lo && s <= hi) }'; then
		ok "$1: share of $2 ${s%% *} within [$3, $4] ($s)"
	else
		fail "$1: share of $2 ${s%% *} outside [$3, $4] ($s)"
	fi
}

section "3:1 over the 4,096 /24s of one continent, and over 4,096 IPv6 /48s"
sweep v4.base www.geo.test A 23.0.0.0/12 24
share v4.base us-east 0.72 0.78
share v4.base us-west 0.22 0.28
check "IPv4 scopes >= 24" scope "$T/v4.base" 24
check "IPv4 answers carry ttl 60" ttl "$T/v4.base" us-east 60
sweep v6.base www.geo.test AAAA 2600:1f00::/36 48
share v6.base us-east 0.72 0.78
check "IPv6 scopes >= 48" scope "$T/v6.base" 48

section "the same network, the same member: another address of it, a reload, a restart"
sweep v4.host www.geo.test A 23.0.0.0/12 24 --host
check "an address of each /24 instead of the /24" same "$T/v4.base" "$T/v4.host"
check "an address of each /24: scopes >= 24" scope "$T/v4.host" 24
ctl reload
sweep v4.reload www.geo.test A 23.0.0.0/12 24
check "after geosteerctl reload" same "$T/v4.base" "$T/v4.reload"
gs_stop
gs_start < <(config)
sweep v4.restart www.geo.test A 23.0.0.0/12 24
check "after a restart (a new process)" same "$T/v4.base" "$T/v4.restart"
sweep v6.restart www.geo.test AAAA 2600:1f00::/36 48
check "IPv6 after a restart" same "$T/v6.base" "$T/v6.restart"

section "explain agrees with the daemon"
for net in 23.0.0.0/24 23.0.7.0/24 23.15.255.0/24; do
	want=$(awk -v n="$net" '$1 == n { print $2 }' "$T/v4.base")
	ctl_capture -s "$T/control.sock" explain www.geo.test A --client 127.0.0.1 --subnet "$net"
	expect_text out "^chosen: +$want \(weighted group at position 1: the member the client network's hash picks\)"
	expect_text out "^weight: +network ${net%/*}/24, hash [0-9a-f]{16}, bucket [0-3] of 0-3: $want "
	expect_text out "^scope: +24 "
done

# The same lines in the JSON form, with typed fields (server/base/kv.h).
want=$(awk '$1 == "23.0.0.0/24" { print $2 }' "$T/v4.base")
ctl_json explain-weight "" "$T/control.sock" explain www.geo.test A --client 127.0.0.1 \
	--subnet 23.0.0.0/24 <<EOF
dc.0.datacenter str {us-east: 3, us-west: 1}
dc.0.weighted bool true
dc.0.state str chosen
weight.0.group str {us-east: 3, us-west: 1}
weight.0.network str 23.0.0.0
weight.0.prefix int 24
weight.0.buckets int 4
weight.0.member str $want
weight.0.hash str *
member list 2
member[datacenter=us-east].weight int 3
member[datacenter=us-west].weight int 1
member[datacenter=$want].state str chosen
member[datacenter=$want].hashed bool true
member[datacenter=$want].addresses list 1
pick.0.datacenter str $want
pick.0.reason str hash
chosen.datacenter str $want
chosen.pick str hash
chosen.group_position int 1
scope.value int 24
EOF

section "a list without a group keeps its scope"
q udp www.geo.test. A +subnet=81.169.1.0/24
scope=$(grep -o 'CLIENT-SUBNET: [0-9./]*' "$T/dig.out" | awk -F/ '{print $NF}')
expect_eq "EU (81.169.0.0/16, no group): scope" 16 "$scope"
expect_rr ANSWER '^www\.geo\.test\. [0-9]+ IN A 198\.51\.100\.10$'

section "four members: one down moves only its networks"
sweep app.base app.geo.test A 23.0.0.0/12 24
share app.base us-east 0.47 0.53
share app.base us-west 0.22 0.28
share app.base us-central 0.22 0.28
share app.base spare 0 0
ctl force us-west down
sweep app.west app.geo.test A 23.0.0.0/12 24
check "us-west down (moved ones with failover_ttl 20)" moved "$T/app.base" "$T/app.west" us-west 20
share app.west us-west 0 0
share app.west spare 0 0
# Its networks split 2:1 over us-east and us-central: us-east ends near 2/3.
share app.west us-east 0.63 0.70

section "only the weight-0 member up, then none: the next position"
ctl force us-east down
ctl force us-central down
sweep app.spare app.geo.test A 23.0.0.0/12 24
share app.spare spare 1 1
check "weight 0 answers with failover_ttl" ttl "$T/app.spare" spare 20
ctl force spare down
sweep app.none app.geo.test A 23.0.0.0/12 24
share app.none fallback 1 1
check "the next position answers with failover_ttl" ttl "$T/app.none" fallback 20

section "back up: every network returns to its member"
for dc in us-east us-west us-central spare; do
	ctl force "$dc" auto
done
sweep app.back app.geo.test A 23.0.0.0/12 24
check "after every member came back" same "$T/app.base" "$T/app.back"
check "ttl 60 again" ttl "$T/app.back" us-east 60

section "geosteerctl diff: 3:1 -> 1:1 moves 25 % of the networks, and the daemon agrees"
cp "$CFG" "$T/old.yaml"
sed 's/{us-east: 3, us-west: 1}/{us-east: 1, us-west: 1}/' "$T/old.yaml" >"$T/new.yaml"
ctl_capture diff "$T/old.yaml" "$T/new.yaml"
expect_rc 1
expect_text out '^service www: network 23\.0\.0\.0/12: \[\{us-east: 3, us-west: 1\}, fallback\] -> \[\{us-east: 1, us-west: 1\}, fallback\]$'
expect_text out '^service www: share 23\.0\.0\.0/12: 25\.0 % of its /24 networks get another first datacenter$'
cp "$T/new.yaml" "$CFG"
ctl reload
sweep v4.half www.geo.test A 23.0.0.0/12 24
check "networks that moved after the reload (diff said 25.0 %)" differ "$T/v4.base" "$T/v4.half" 0.22 0.28
share v4.half us-east 0.47 0.53

section "metrics: answers of the members by pick"
curl -sS --max-time 5 -o "$T/m.body" "http://127.0.0.1:$MPORT/metrics" || fail "GET /metrics"
if out=$("$PY" "$top_srcdir/tests/system/prom-check.py" <"$T/m.body") && ! grep -q '^ERROR' <<<"$out"; then
	ok "prom-check.py: the exposition parses"
else
	fail "prom-check.py: $(grep '^ERROR' <<<"$out" | head -3)"
fi
for pick in hash repick weight_zero; do
	v=$(awk -v p="$pick" '/^geosteer_weighted_answers_total\{service="app",datacenter="[a-z-]+",pick="/ && index($0, "pick=\"" p "\"") { s += $NF } END { print s + 0 }' "$T/m.body")
	if [ "$v" -gt 0 ]; then ok "geosteer_weighted_answers_total{service=app,pick=$pick}: $v"; else fail "no $pick answers counted for app"; fi
done
v=$(awk '/^geosteer_steered_answers_total\{service="app",datacenter="spare",decision="failover"\}/ { print $NF }' "$T/m.body")
if [ "${v:-0}" -ge 4096 ]; then
	ok "spare's failover answers: $v (4,096 networks asked while it was the only member up)"
else
	fail "spare's failover answers: ${v:-0}, expected at least 4096"
fi

gs_alive "weighted sweeps"
finish
