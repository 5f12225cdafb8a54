#!/bin/bash
# SPDX-License-Identifier: MIT
# pdns-convert.sh -- tools/pdns-geo-convert against the real PowerDNS: Debian's
# pdns_server with the geoip backend serves tests/data/convert/pdns-geo.yaml on a
# loopback port; geosteerd serves the converter's translation of it; both use the same
# database (random networks built here with mkmmdb.pl, seeded); 1,200 client /24s
# (most inside the database's networks, some in its gaps) are asked for A and AAAA
# with ECS on both, and every answer must agree. ECS scopes are counted, not required
# equal (PowerDNS scopes a database record's network, /32 for an unknown client;
# geosteer the widest network with the same list). Skips (77) without pdns_server.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

AGREE=$top_srcdir/tests/system/convert-agree.py
FIX=$top_srcdir/tests/data/convert
if ! command -v pdns_server >/dev/null 2>&1 && [ ! -x /usr/sbin/pdns_server ]; then
	echo "SKIP: pdns_server is missing (apt-get install pdns-server pdns-backend-geoip)"
	exit 77
fi
PDNS=$(command -v pdns_server || echo /usr/sbin/pdns_server)
if ! ls /usr/lib/*/pdns/libgeoipbackend.so >/dev/null 2>&1; then
	echo "SKIP: the PowerDNS geoip backend is missing (apt-get install pdns-backend-geoip)"
	exit 77
fi
if ! perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
	echo "SKIP: perl MaxMind::DB::Writer::Tree is missing (apt-get install libmaxmind-db-writer-perl)"
	exit 77
fi
"$PY" "$AGREE" db "$T/db.txt" 7 || fatal "database description"
perl "$top_srcdir/tests/data/geo/mkmmdb.pl" "$T/db.txt" "$T/db.mmdb" >/dev/null || fatal "mkmmdb.pl"
"$PY" "$AGREE" subnets "$T/db.txt" 1200 7 >"$T/subnets" || fatal "subnets"

section "the converter"
mkdir -p "$T/zones"
"$PY" "$top_srcdir/tools/pdns-geo-convert" "$FIX/pdns-geo.yaml" --database "$T/db.mmdb" \
	--zone-dir "$T/zones" --omit-zones -o "$T/conv.yaml" 2>"$T/conv.report"
expect_eq "pdns-geo-convert exit status" 0 "$?"
sed 's/^/    | /' "$T/conv.report"
printf 'x: [1\n' >"$T/bad.yaml"
out=$("$PY" "$top_srcdir/tools/pdns-geo-convert" "$T/bad.yaml" 2>&1 >/dev/null)
expect_eq "a YAML syntax error: exit status" 1 "$?"
cat >"$T/bad.yaml" <<'EOF'
domains:
- domain: geo.example
  ttl: 60
  records:
    a.www.geo.example:
      - a: 192.0.2.1
  services:
    www.geo.example: '%as.www.geo.example'
EOF
out=$("$PY" "$top_srcdir/tools/pdns-geo-convert" "$T/bad.yaml" 2>&1 >/dev/null)
rc=$?
if [ $rc = 1 ] && [[ $out == *"bad.yaml:8: error: template '%as.www.geo.example': placeholder %as"* ]]; then
	ok "an unsupported placeholder: exit 1 with FILE:LINE"
else
	fail "an unsupported placeholder: exit $rc: $out"
fi

section "PowerDNS"
PPORT=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
cat >"$T/pdns.conf" <<EOF
launch=geoip
geoip-database-files=$T/db.mmdb
geoip-zones-file=$FIX/pdns-geo.yaml
local-address=127.0.0.1
local-port=$PPORT
socket-dir=$T
edns-subnet-processing=yes
cache-ttl=0
query-cache-ttl=0
negquery-cache-ttl=0
security-poll-suffix=
disable-syslog=yes
daemon=no
guardian=no
write-pid=no
EOF
"$PDNS" --config-dir="$T" >"$T/pdns.log" 2>&1 &
PDNS_PID=$!
# answers PORT: the server on PORT answers for the zone.
answers() { [ -n "$(dig +tries=1 +time=1 @127.0.0.1 -p "$1" geo.example SOA +short 2>/dev/null)" ]; }
if wait_until 10 answers "$PPORT"; then
	ok "pdns_server pid $PDNS_PID answers on 127.0.0.1:$PPORT"
else
	cat "$T/pdns.log"
	fatal "pdns_server did not answer within 10 s"
fi

section "geosteerd on the translation"
gs_start < <(
	zones_yaml
	echo "  - name: geo.example."
	echo "    file: $T/zones/geo.example.zone"
	grep -v '^#' "$T/conv.yaml"
)

section "answers and scopes, subnet by subnet"
"$PY" "$AGREE" compare "$PORT" "$PPORT" "$T/subnets" www.geo.example A AAAA >"$T/agree.out"
rc=$?
sed 's/^/    | /' "$T/agree.out"
expect_eq "every answer agrees with PowerDNS" 0 "$rc"
kill "$PDNS_PID" 2>/dev/null
wait "$PDNS_PID" 2>/dev/null
finish
