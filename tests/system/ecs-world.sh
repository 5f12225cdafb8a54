#!/bin/bash
# SPDX-License-Identifier: MIT
# ecs-world.sh -- the issue's acceptance answers against the real-world database
# ../shared/testdata/world.mmdb (GeoIP2-Country shape, ~660,000 ranges; path from
# GS_WORLD_MMDB): +subnet=8.8.8.0/24 gets the US addresses with a scope above 0,
# +subnet=81.169.145.0/24 the EU ones, 127.0.0.1 without ECS the default list, and
# +subnet=0.0.0.0/0 scope 0 -- over UDP and TCP, with dig and kdig, each scope equal
# to what `geosteerctl explain --offline` computes. Skipped (77) without the database.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"

WORLD=${GS_WORLD_MMDB:-$top_srcdir/../shared/testdata/world.mmdb}
if [ ! -f "$WORLD" ]; then
	echo "SKIP: no $WORLD (set GS_WORLD_MMDB to a GeoIP2 Country/City database)"
	exit 77
fi
echo "database: $WORLD"

# Compiling the whole database takes a moment: allow for it (and for slow machines).
GS_START_TIMEOUT=$((GS_START_TIMEOUT < 60 ? 60 : GS_START_TIMEOUT))
gs_start < <(geo_yaml "$WORLD")

section "the database's known answers (its README) through explain"
explain www.geo.test A 8.8.8.8 -
explain_ok
expect_eq "explain --client 8.8.8.8: located" "8.8.8.8/32 by the source address: NA/US" "${X[located]}"
expect_eq "explain --client 8.8.8.8: chosen" us-east "${X[chosen_dc]}"
explain www.geo.test A 81.169.145.1 -
expect_eq "explain --client 81.169.145.1: located" "81.169.145.1/32 by the source address: EU/DE" "${X[located]}"
explain www.geo.test AAAA 2a00:1450:4001:80b::200e -
expect_eq "explain --client 2a00:1450:4001:80b::200e: rule" "continents: EU" "${X[rule]}"
expect_eq "explain --client 2a00:1450:4001:80b::200e: chosen" eu-central "${X[chosen_dc]}"
explain www.geo.test A 1.1.1.1 -
expect_eq "explain --client 1.1.1.1 (OC/AU): rule" default "${X[rule]}"

section "US and EU subnets: the US and EU addresses, scope > 0, as explain says"
for case in 8.8.8.0/24:us-east 81.169.145.0/24:eu-central; do
	subnet=${case%%:*} dc=${case##*:}
	explain www.geo.test A 127.0.0.1 "$subnet"
	explain_ok
	expect_eq "explain $subnet: chosen" "$dc" "${X[chosen_dc]}"
	for tool in dig kdig; do
		for proto in udp tcp; do
			steer_check "$tool" "$proto" www.geo.test A "$subnet" "$dc" positive
		done
	done
	explain www.geo.test AAAA 127.0.0.1 "$subnet"
	steer_check dig udp www.geo.test AAAA "$subnet" "$dc" positive
done

section "IPv6 subnets"
for case in 2a00:1450:4001::/48:eu-central 2001:4860:4860::/48:us-east; do
	subnet=${case%:*} dc=${case##*:}
	explain www.geo.test AAAA 127.0.0.1 "$subnet"
	explain_ok
	for proto in udp tcp; do
		steer_check dig "$proto" www.geo.test AAAA "$subnet" "$dc" positive
	done
done

section "127.0.0.1 without ECS: the default list, no ECS option"
explain www.geo.test A 127.0.0.1 -
expect_eq "explain 127.0.0.1: rule" default "${X[rule]}"
for tool in dig kdig; do
	for proto in udp tcp; do
		steer_check "$tool" "$proto" www.geo.test A - fallback
	done
done

section "+subnet=0.0.0.0/0: by the source address, scope 0"
explain www.geo.test A 127.0.0.1 0.0.0.0/0
expect_eq "explain 0.0.0.0/0: scope" 0 "${X[scope_n]}"
for tool in dig kdig; do
	for proto in udp tcp; do
		steer_check "$tool" "$proto" www.geo.test A 0.0.0.0/0 fallback
		expect_scope 0
	done
done

finish
