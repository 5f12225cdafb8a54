#!/bin/bash
# SPDX-License-Identifier: MIT
# watch-geoip.sh -- `watch: true` picks up a GeoIP database replaced the way
# geoipupdate replaces it: the new file is written next to the configured one and
# renamed over it. The answers follow the new data within a bounded time (no restart,
# no geosteerctl reload), status --json shows the next generation and the new build;
# a broken file renamed in place fails that reload, which the log says, and the data
# before it keeps answering; the next good file is picked up again.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

GSCTL="$top_builddir/tools/geosteerctl"
LIMIT_MS=8000
if ! perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
	echo "SKIP: perl MaxMind::DB::Writer::Tree is missing (apt-get install libmaxmind-db-writer-perl)"
	exit 77
fi

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}
# geodb COUNTRY OUT: a GeoLite2-City-layout database where 10.1.0.0/16 is in COUNTRY.
geodb() {
	cat >"$T/db.txt" <<EOF
# type: GeoLite2-City
# layout: geolite2
10.1.0.0/16   continent=EU country=$1
10.2.0.0/16   continent=NA country=US subdivision=CA
EOF
	perl "$top_srcdir/tests/data/geo/mkmmdb.pl" "$T/db.txt" "$2" >/dev/null ||
		fatal "mkmmdb.pl failed"
}
# wait_answer ADDRESS WHAT: polls www with ECS 10.1.0.0/24 until it answers ADDRESS
# (every 100 ms, at most LIMIT_MS from T0).
wait_answer() {
	local t
	while :; do
		q udp +subnet=10.1.0.0/24 www.geo.test. A
		t=$(now_ms)
		if [[ ${R_SEC[ANSWER]:-} == "www.geo.test. 60 IN A $1"* ]]; then
			ok "$2: answered $1 after $((t - T0)) ms (limit $LIMIT_MS ms)"
			return 0
		fi
		if [ $((t - T0)) -gt $LIMIT_MS ]; then
			fail "$2: not answered with $1 within $LIMIT_MS ms"
			show_last
			tail -n 20 "$T/gs.log" | sed 's/^/    log| /'
			return 1
		fi
		sleep 0.1
	done
}
# status_field EXPR: a value of `geosteerctl --json status` (Python expression on d).
status_field() {
	"$GSCTL" -s "$T/control.sock" --json status |
		"$PY" -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
DB="$T/GeoLite2-City.mmdb"
geodb DE "$DB"
gs_start <<EOF
watch: true
$(zones_yaml)
  - name: geo.test.
    file: $T/geo.test.zone
geoip:
  database: $DB
maps:
  m:
    default: [us]
    countries: {DE: [de, us], FR: [fr, us]}
services:
  www:
    names: [www.geo.test.]
    map: m
    ttl: 60
    datacenters:
      us: [192.0.2.1]
      de: [192.0.2.2]
      fr: [192.0.2.3]
EOF
[ "$GS_CONTROL_OK" = yes ] || fatal "this build has no control socket"
q udp +subnet=10.1.0.0/24 www.geo.test. A
expect_rr ANSWER '^www\.geo\.test\. 60 IN A 192\.0\.2\.2$'
gen0=$(status_field 'd["generation"]["number"]')

section "a new database renamed over the configured one, as geoipupdate does"
geodb FR "$DB.tmp.1234"
T0=$(now_ms)
mv "$DB.tmp.1234" "$DB"
wait_answer 192.0.2.3 "FR after the rename"
expect_eq "generation after the rename" $((gen0 + 1)) "$(status_field 'd["generation"]["number"]')"
expect_eq "the database status names" "$DB GeoLite2-City" "$(status_field 'd["geoip"]["path"], d["geoip"]["type"]' | tr -d "(),'")"

section "a broken file renamed over it: the reload fails, FR keeps answering"
head -c 100 "$DB" >"$DB.tmp.1235"
failed0=$(status_field 'd["reloads"]["failed"]')
T0=$(now_ms)
mv "$DB.tmp.1235" "$DB"
while [ "$(status_field 'd["reloads"]["failed"]')" = "$failed0" ] && [ $(($(now_ms) - T0)) -lt $LIMIT_MS ]; do
	sleep 0.1
done
expect_eq "failed reloads after the broken file" $((failed0 + 1)) "$(status_field 'd["reloads"]["failed"]')"
grep -q "is not a MaxMind DB file" "$T/gs.log" && ok "the log says why" ||
	fail "the log does not say the file is not a MaxMind DB file"
q udp +subnet=10.1.0.0/24 www.geo.test. A
expect_rr ANSWER '^www\.geo\.test\. 60 IN A 192\.0\.2\.3$'

section "the next good file is picked up"
geodb DE "$DB.tmp.1236"
T0=$(now_ms)
mv "$DB.tmp.1236" "$DB"
wait_answer 192.0.2.2 "DE again"

gs_alive "the database replacements"
finish
