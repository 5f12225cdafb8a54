#!/bin/bash
# SPDX-License-Identifier: MIT
# all-down.sh -- a service's all_down policy (docs/configuration.md): when no datacenter
# of the client's list is up, `open` answers as if every one were (the first in the
# list, all its addresses, failover_ttl), `servfail` answers SERVFAIL and `nodata`
# answers NOERROR without records, the SOA in authority. Every datacenter is taken down
# with geosteerctl force; the answers, `geosteerctl stats` and /metrics counters and
# live explain say which policy answered; one datacenter back up ends it.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
GSCTL="$top_builddir/tools/geosteerctl"

cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
service() { # NAME POLICY
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
EOF
}
gs_start <<EOF
$(zones_yaml)
  - name: geo.test.
    file: $T/geo.test.zone
maps:
  m:
    default: [east, west]
services:
$(service open open)
$(service sf servfail)
$(service nd nodata)
EOF
[ "$GS_CONTROL_OK" = yes ] || fatal "this build has no control socket"

section "every datacenter up: every policy answers normally"
for s in open sf nd; do
	q udp $s.geo.test. A
	expect_status NOERROR
	expect_rr ANSWER "^$s\\.geo\\.test\\. 60 IN A 192\\.0\\.2\\.10$"
done

section "every datacenter forced down"
ctl() { "$GSCTL" -s "$T/control.sock" "$@" >/dev/null || fail "geosteerctl $*"; }
ctl force east down
ctl force west down
ctl_stats S0
q udp open.geo.test. A
expect_status NOERROR
expect_rr ANSWER "^open\\.geo\\.test\\. 20 IN A 192\\.0\\.2\\.10$"
q udp sf.geo.test. A
expect_status SERVFAIL
expect_count ANSWER 0
q tcp sf.geo.test. AAAA
expect_status SERVFAIL
q udp nd.geo.test. A
expect_status NOERROR
expect_count ANSWER 0
expect_rr AUTHORITY "^geo\\.test\\. [0-9]+ IN SOA "
q udp nd.geo.test. AAAA
expect_status NOERROR
expect_count ANSWER 0
ctl_stats S1
expect_eq "stats all_down_open" 1 "$((S1[all_down_open] - S0[all_down_open]))"
expect_eq "stats all_down_servfail" 2 "$((S1[all_down_servfail] - S0[all_down_servfail]))"
expect_eq "stats all_down_nodata" 2 "$((S1[all_down_nodata] - S0[all_down_nodata]))"

ctl_capture -s "$T/control.sock" explain sf.geo.test. A --client 192.0.2.99
expect_text out "^chosen: +none: no datacenter with an A address is up, and all_down: servfail answers SERVFAIL"
expect_text out "^rcode: +SERVFAIL"
ctl_capture -s "$T/control.sock" explain open.geo.test. A --client 192.0.2.99
expect_text out "^chosen: +east \\(no datacenter with an A address is up: fail open .*all_down: open"

section "one datacenter back up"
ctl force west auto
q udp sf.geo.test. A
expect_status NOERROR
expect_rr ANSWER "^sf\\.geo\\.test\\. 20 IN A 198\\.51\\.100\\.10$"
q udp nd.geo.test. AAAA
expect_status NOERROR
expect_count ANSWER 0
gs_alive "all_down answers"
finish
