#!/bin/bash
# SPDX-License-Identifier: MIT
# knot-convert.sh -- tools/knot-geo-convert against the real Knot DNS: Debian's knotd
# with mod-geoip (geodb mode) serves tests/data/convert/knot-geo.conf and its zone on a
# loopback port; geosteerd serves the converter's translation; both use the same
# database (random networks built here with mkmmdb.pl, seeded); 1,200 client /24s
# (most inside the database's networks, some in its gaps) are asked for A and AAAA
# with ECS on both, and every answer must agree. ECS scopes are counted, not required
# equal (Knot scopes the database record's network; geosteer the widest network with
# the same list). Skips (77) without knotd or its geoip module.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

AGREE=$top_srcdir/tests/system/convert-agree.py
FIX=$top_srcdir/tests/data/convert
KNOTD=$(command -v knotd || echo /usr/sbin/knotd)
if [ ! -x "$KNOTD" ]; then
	echo "SKIP: knotd is missing (apt-get install knot knot-module-geoip)"
	exit 77
fi
if ! ls /usr/lib/*/knot/modules-*/geoip.so >/dev/null 2>&1; then
	echo "SKIP: Knot's geoip module is missing (apt-get install knot-module-geoip)"
	exit 77
fi
if ! perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
	echo "SKIP: perl MaxMind::DB::Writer::Tree is missing (apt-get install libmaxmind-db-writer-perl)"
	exit 77
fi
"$PY" "$AGREE" db "$T/db.txt" 11 || fatal "database description"
perl "$top_srcdir/tests/data/geo/mkmmdb.pl" "$T/db.txt" "$T/db.mmdb" >/dev/null || fatal "mkmmdb.pl"
"$PY" "$AGREE" subnets "$T/db.txt" 1200 11 >"$T/subnets" || fatal "subnets"
KPORT=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
mkdir -p "$T/knot" "$T/zones"
cat >"$T/knot.conf" <<EOF
server:
  rundir: $T/knot
  listen: 127.0.0.1@$KPORT
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
  edns-client-subnet: on
database:
  storage: $T/knot
log:
  - target: stderr
    any: info
mod-geoip:
  - id: geo
    config-file: $FIX/knot-geo.conf
    ttl: 60
    mode: geodb
    geodb-file: $T/db.mmdb
    geodb-key: [continent/code, country/iso_code]
zone:
  - domain: geo.example
    file: $FIX/knot-geo.example.zone
    module: mod-geoip/geo
EOF

section "the converter"
"$PY" "$top_srcdir/tools/knot-geo-convert" "$T/knot.conf" --zone-dir "$T/zones" --omit-zones \
	-o "$T/conv.yaml" 2>"$T/conv.report"
expect_eq "knot-geo-convert exit status" 0 "$?"
sed 's/^/    | /' "$T/conv.report"
sed -e "s|config-file: .*|config-file: $T/bad-geo.conf|" "$T/knot.conf" >"$T/bad.conf"
printf 'www.geo.example:\n  - geo: "EU"\n    A: 192.0.2.1\n    TXT: "x"\n' >"$T/bad-geo.conf"
out=$("$PY" "$top_srcdir/tools/knot-geo-convert" "$T/bad.conf" 2>&1 >/dev/null)
rc=$?
if [ $rc = 1 ] && [[ $out == *"bad-geo.conf:4: error: www.geo.example.: TXT records in a view"* ]]; then
	ok "an unsupported record type: exit 1 with FILE:LINE"
else
	fail "an unsupported record type: exit $rc: $out"
fi

section "Knot DNS"
"$KNOTD" -c "$T/knot.conf" >"$T/knot.log" 2>&1 &
KNOT_PID=$!
# answers PORT: the server on PORT answers for the zone.
answers() { [ -n "$(dig +tries=1 +time=1 @127.0.0.1 -p "$1" geo.example SOA +short 2>/dev/null)" ]; }
if wait_until 10 answers "$KPORT"; then
	ok "knotd pid $KNOT_PID answers on 127.0.0.1:$KPORT"
else
	cat "$T/knot.log"
	fatal "knotd did not answer within 10 s"
fi

section "geosteerd on the translation"
gs_start < <(
	zones_yaml
	echo "  - name: geo.example."
	echo "    file: $T/zones/geo.example.zone"
	grep -v '^#' "$T/conv.yaml"
)

section "answers and scopes, subnet by subnet"
"$PY" "$AGREE" compare "$PORT" "$KPORT" "$T/subnets" www.geo.example A AAAA >"$T/agree.out"
rc=$?
sed 's/^/    | /' "$T/agree.out"
expect_eq "every answer agrees with Knot DNS" 0 "$rc"
kill "$KNOT_PID" 2>/dev/null
wait "$KNOT_PID" 2>/dev/null
finish
