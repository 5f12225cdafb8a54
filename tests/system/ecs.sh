#!/bin/bash
# SPDX-License-Identifier: MIT
# ecs.sh -- steered answers over UDP and TCP with EDNS Client Subnet (RFC 7871), against
# the quick start's demo GeoIP database (built by make from examples/demo-geoip.txt):
# a US subnet gets us-east, a German one eu-central, an unknown source the default list;
# the ECS scope of every answer is the one `geosteerctl explain --offline` computes
# from the same configuration, above 0 for located subnets, 0 for source prefix 0, and
# absent when the query carried no ECS. IPv6 and IPv4-mapped subnets, CNAMEs into a
# steered name, other types at it, NODATA, malformed options and a non-zero SCOPE
# PREFIX-LENGTH in the query (FORMERR), and
# geoip.client_subnet: false. (docs/design.md rules 1-3.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"

need_demo_mmdb

gs_start < <(geo_yaml "$DEMO_MMDB")

section "IPv4 subnets, dig and kdig, UDP and TCP"
# subnet -> datacenter; the scope comes from explain for the same question.
for case in 8.8.8.0/24:us-east 81.169.145.0/24:eu-central 193.0.0.0/21:eu-central \
	8.8.4.0/24:us-east 200.160.0.0/20:fallback; do
	subnet=${case%%:*} dc=${case##*:}
	explain www.geo.test A 127.0.0.1 "$subnet"
	explain_ok
	expect_eq "explain $subnet: chosen" "$dc" "${X[chosen_dc]}"
	for tool in dig kdig; do
		for proto in udp tcp; do
			steer_check "$tool" "$proto" www.geo.test A "$subnet" "$dc" positive
		done
	done
done
explain www.geo.test A 127.0.0.1 8.8.8.0/24
expect_eq "explain 8.8.8.0/24: rule" "continents: NA" "${X[rule]}"
explain www.geo.test A 127.0.0.1 81.169.145.0/24
expect_eq "explain 81.169.145.0/24: rule" "continents: EU" "${X[rule]}"

section "a longer source prefix inside the same network"
explain www.geo.test A 127.0.0.1 8.8.8.8/32
steer_check dig udp www.geo.test A 8.8.8.8/32 us-east positive
[ "${X[scope_n]}" -le 24 ] && ok "8.8.8.8/32: scope ${X[scope_n]} covers the /24 at most" ||
	fail "8.8.8.8/32: scope ${X[scope_n]} wider than expected?"

section "no ECS: the source address 127.0.0.1 (unknown) gets the default list, no echo"
for tool in dig kdig; do
	for proto in udp tcp; do
		steer_check "$tool" "$proto" www.geo.test A - fallback
	done
done
explain www.geo.test A 127.0.0.1 -
expect_eq "explain without ECS: rule" default "${X[rule]}"
expect_eq "explain without ECS: chosen" fallback "${X[chosen_dc]}"

section "source prefix 0: answered by the source address, scope 0"
explain www.geo.test A 127.0.0.1 0.0.0.0/0
expect_eq "explain 0.0.0.0/0: scope" 0 "${X[scope_n]}"
for tool in dig kdig; do
	for proto in udp tcp; do
		steer_check "$tool" "$proto" www.geo.test A 0.0.0.0/0 fallback
		expect_scope 0
	done
done

section "IPv6 subnets and AAAA"
for case in 2001:4860::/32:us-east 2a00:1450::/29:eu-central 2001:67c:2e8::/48:eu-central \
	2001:db8:ff::/48:eu-central 2001:db8:99::/48:fallback; do
	subnet=${case%:*} dc=${case##*:}
	explain www.geo.test AAAA 127.0.0.1 "$subnet"
	explain_ok
	for proto in udp tcp; do
		steer_check dig "$proto" www.geo.test AAAA "$subnet" "$dc" positive
	done
	steer_check kdig udp www.geo.test AAAA "$subnet" "$dc" positive
	steer_check dig udp www.geo.test A "$subnet" "$dc" positive
done
explain www.geo.test AAAA 127.0.0.1 2001:db8:ff::/48
expect_eq "explain 2001:db8:ff::/48: rule" "networks: 2001:db8:ff::/48" "${X[rule]}"

section "IPv4-mapped subnet located as IPv4"
explain www.geo.test A 127.0.0.1 ::ffff:8.8.8.0/120
explain_ok
steer_check dig udp www.geo.test A ::ffff:8.8.8.0/120 us-east positive
[ "${R_SCOPE:-0}" -gt 96 ] && ok "mapped scope $R_SCOPE is inside ::ffff:0:0/96" ||
	fail "mapped scope '${R_SCOPE:-none}' should be longer than 96"

if [ -n "$HAVE_V6" ]; then
	section "over IPv6 without ECS: ::1 is unknown, the default list"
	steer_check dig udp6 www.geo.test AAAA - fallback
	steer_check dig tcp6 www.geo.test A - fallback
	explain www.geo.test AAAA ::1 2a00:1450::/29
	steer_check dig udp6 www.geo.test AAAA 2a00:1450::/29 eu-central positive
fi

section "the networks rule by source address (explain) and by subnet (daemon)"
explain www.geo.test A 198.18.0.1 -
expect_eq "explain --client 198.18.0.1: rule" "networks: 198.18.0.0/15" "${X[rule]}"
expect_eq "explain --client 198.18.0.1: chosen" us-east "${X[chosen_dc]}"
explain www.geo.test A 127.0.0.1 198.18.5.0/24
steer_check dig udp www.geo.test A 198.18.5.0/24 us-east positive
expect_scope 15

section "a CNAME into the steered name carries that decision's scope"
for case in 8.8.8.0/24:us-east 81.169.145.0/24:eu-central; do
	subnet=${case%%:*} dc=${case##*:}
	explain alias.geo.test A 127.0.0.1 "$subnet"
	explain_ok
	expect_eq "explain alias $subnet: target" "www.geo.test. (after the CNAME records in the answer)" "${X[target]}"
	for proto in udp tcp; do
		sq dig "$proto" alias.geo.test A "$subnet"
		expect_status NOERROR
		expect_rr ANSWER '^alias\.geo\.test\. [0-9]+ IN CNAME www\.geo\.test\.$'
		expect_dc "$dc" A www.geo.test.
		expect_scope "${X[scope_n]}"
		[ "${R_SCOPE:-0}" -gt 0 ] && ok "alias $subnet: scope $R_SCOPE > 0" ||
			fail "alias $subnet: scope '${R_SCOPE:-none}', expected above 0"
	done
done

section "other types at a steered name come from the zone, scope 0"
sq dig udp www.geo.test TXT 8.8.8.0/24
expect_status NOERROR
expect_rr ANSWER 'IN TXT "steered by geosteer"'
expect_scope 0
sq kdig tcp www.geo.test MX 81.169.145.0/24
expect_status NOERROR
expect_scope 0

section "a static name: scope 0 whatever the subnet"
sq dig udp static.geo.test A 8.8.8.0/24
expect_status NOERROR
expect_rr ANSWER 'IN A 192\.0\.2\.80$'
expect_scope 0

section "NODATA for a type no datacenter has: SOA, and the decision's scope"
explain v4.geo.test AAAA 127.0.0.1 8.8.8.0/24
explain_ok
for proto in udp tcp; do
	sq dig "$proto" v4.geo.test AAAA 8.8.8.0/24
	expect_status NOERROR
	expect_count ANSWER 0
	expect_rr AUTHORITY '^geo\.test\. [0-9]+ IN SOA '
	expect_scope "${X[scope_n]}"
	sq dig "$proto" v4.geo.test A 8.8.8.0/24
	expect_rr ANSWER '^v4\.geo\.test\. 30 IN A 192\.0\.2\.11$'
done

section "malformed ECS options: FORMERR (RFC 7871 section 7.2.1)"
# OPTION-DATA: FAMILY(2) SOURCE(1) SCOPE(1) ADDRESS; the valid ones first, as controls.
raw query www.geo.test. A --edns 1232 --option 8:00011800080808 -e rcode=NOERROR -e an=1
raw query www.geo.test. A --edns 1232 --option 8:00010000 -e rcode=NOERROR -e an=1
raw query www.geo.test. AAAA --edns 1232 --option 8:0002200020014860 -e rcode=NOERROR -e an=1
raw query www.geo.test. A --edns 1232 --option 8:00031800080808 -e rcode=FORMERR
raw query www.geo.test. A --edns 1232 --option 8:0000180008080808 -e rcode=FORMERR
raw query www.geo.test. A --edns 1232 --option 8:000121000808080800 -e rcode=FORMERR
raw query www.geo.test. AAAA --edns 1232 --option 8:000281002001486000000000000000000000000000 -e rcode=FORMERR
raw query www.geo.test. A --edns 1232 --option 8:000108000808 -e rcode=FORMERR
raw query www.geo.test. A --edns 1232 --option 8:000118000808 -e rcode=FORMERR
raw query www.geo.test. A --edns 1232 --option 8:00011400080808 -e rcode=FORMERR
raw query www.geo.test. A --edns 1232 --option 8:000118 -e rcode=FORMERR
raw --tcp query www.geo.test. A --edns 1232 --option 8:00011400080808 -e rcode=FORMERR
raw --tcp query static.geo.test. A --edns 1232 --option 8:00031800080808 -e rcode=FORMERR
# RFC 7871 section 6: a query's SCOPE PREFIX-LENGTH must be 0; the FORMERR keeps the OPT.
raw query www.geo.test. A --edns 1232 --option 8:00011810080808 -e rcode=FORMERR -e edns=1 -e an=0
raw query www.geo.test. A --edns 1232 --option 8:00010001 -e rcode=FORMERR -e edns=1
raw --tcp query www.geo.test. AAAA --edns 1232 --option 8:0002203020014860 -e rcode=FORMERR -e edns=1
gs_alive "malformed ECS options"

section "geoip.client_subnet: false ignores ECS: located by source, never echoed"
gs_stop
gs_start < <(geo_yaml "$DEMO_MMDB" false)
explain www.geo.test A 127.0.0.1 8.8.8.0/24
explain_ok
expect_eq "explain (client_subnet false) 8.8.8.0/24: chosen" fallback "${X[chosen_dc]}"
for proto in udp tcp; do
	steer_check dig "$proto" www.geo.test A 8.8.8.0/24 fallback
	expect_scope none
done

finish
