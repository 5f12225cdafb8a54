#!/bin/bash
# SPDX-License-Identifier: MIT
# unbound.sh -- end to end with a real recursive resolver in front: Debian's unbound,
# started by this test on a free loopback port with a throw-away configuration
# (subnetcache module, stub-zone geo.test. to geosteerd, ECS sent to 127.0.0.1).
# Clients asking unbound with a US subnet get the US addresses, with a German subnet
# the EU ones, without ECS (unbound then sends its client's 127.0.0.0/24) the default
# list; the second region is not served from the first one's cache (geosteerd's scopes
# keep the cache entries apart), while a client inside a cached scope is -- counted
# with unbound's own num.query.subnet_cache statistic over a private control socket.
# Skipped (77) when unbound is not installed (scripts/deps.sh installs it).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"
. "$(dirname "$0")/unbound-lib.sh"

ub_require
need_demo_mmdb

gs_start < <(geo_yaml "$DEMO_MMDB")

# No DNSSEC validation (no trust anchor to fetch); the subnet cache in front, ECS sent
# to geosteerd, a local control socket (no certificates) for the subnet cache counters.
UB_MODULES="subnetcache iterator"
UB_ECS=1
UB_STUBS=geo.test
UB_PROBE="geo.test. SOA"
UB_SERVER="    extended-statistics: yes"
UB_TAIL="remote-control:
    control-enable: yes
    control-interface: \"$T/unbound/control.sock\"
    control-use-cert: no"

# rq TOOL PROTO NAME TYPE SUBNET|-: a recursive query to unbound (RD set).
rq() {
	local tool=$1 proto=$2 name=$3 type=$4 subnet=$5 extra=()
	[ "$proto" = tcp ] && extra=(+tcp)
	[ "$subnet" = - ] || extra+=("+subnet=$subnet")
	case $tool in
	dig) extra=(+rec +time=3 +tries=1 "${extra[@]}") ;;
	kdig) extra=(+rec +time=3 +retry=0 "${extra[@]}") ;;
	esac
	LAST_CMD="$tool ${extra[*]} @127.0.0.1 -p $UPORT $name $type"
	"$tool" "${extra[@]}" @127.0.0.1 -p "$UPORT" "$name" "$type" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
	r_ecs
}

# via_unbound TOOL PROTO TYPE SUBNET DC: the answer through unbound is DC's address.
via_unbound() {
	rq "$1" "$2" www.geo.test "$3" "$4"
	if [ "$R_STATUS" != NOERROR ]; then
		fail "$LAST_CMD: expected NOERROR, got '${R_STATUS:-no answer (exit $DIG_RC)}'"
		show_last
		return
	fi
	expect_dc "$5" "$3"
}

# ub_cache_hits: answers unbound's subnet cache gave so far (num.query.subnet_cache of
# unbound-control stats_noreset), in HITS.
ub_cache_hits() {
	local line
	HITS=
	while IFS= read -r line; do
		[[ $line =~ ^num\.query\.subnet_cache=([0-9]+)$ ]] && HITS=${BASH_REMATCH[1]}
	done < <(unbound-control -c "$T/unbound/unbound.conf" stats_noreset 2>&1)
	[ -n "$HITS" ] || fatal "no num.query.subnet_cache in unbound-control stats_noreset"
}

# expect_hits_delta N WHAT: the subnet cache answered N more queries since the last call.
expect_hits_delta() {
	local before=$HITS
	ub_cache_hits
	expect_eq "$2: subnet cache answers" "$1" "$((HITS - before))"
}

ub_start

section "US and German clients through unbound get the US and EU answers"
ub_cache_hits
via_unbound dig udp A 8.8.8.0/24 us-east
expect_hits_delta 0 "first US query (asked geosteerd)"
# Unbound passes geosteerd's scope back to its client (RFC 7871 7.2.2: at most the
# source prefix); geosteerd gave 24 for this subnet (explain says so).
explain www.geo.test A 127.0.0.1 8.8.8.0/24
expect_eq "scope unbound returns for 8.8.8.0/24" "${X[scope_n]}" "${R_SCOPE:-none}"
# Straight after the US answer is cached: a German client must not get it, and must
# not be answered from the cache at all.
via_unbound dig udp A 81.169.145.0/24 eu-central
expect_hits_delta 0 "first German query after the US one (asked geosteerd)"
# Now both are cached, each for its own scope.
via_unbound dig udp A 8.8.8.0/24 us-east
expect_hits_delta 1 "US again (from the subnet cache)"
via_unbound dig udp A 81.169.145.0/24 eu-central
expect_hits_delta 1 "German again (from the subnet cache)"
via_unbound dig tcp A 81.169.145.0/24 eu-central
via_unbound kdig udp A 8.8.8.0/24 us-east
via_unbound kdig tcp A 81.169.145.0/24 eu-central

section "inside a cached scope: the cached answer; other regions: their own"
# 8.8.8.77/32 is inside 8.8.8.0/24, where geosteerd's answer holds (scope 24); unbound
# also truncates it to /24 (max-client-subnet-ipv4) either way.
ub_cache_hits
via_unbound dig udp A 8.8.8.77/32 us-east
expect_hits_delta 1 "8.8.8.77/32 inside the cached 8.8.8.0/24 (from the subnet cache)"
via_unbound dig udp A 193.0.0.0/21 eu-central
via_unbound dig udp A 200.160.0.0/20 fallback
via_unbound dig udp A 8.8.4.0/24 us-east

section "IPv6 subnets through unbound"
via_unbound dig udp AAAA 2001:4860::/32 us-east
via_unbound dig udp AAAA 2a00:1450::/29 eu-central
via_unbound dig tcp A 2a00:1450::/29 eu-central

section "no ECS from the client: unbound sends 127.0.0.0/24, the default list"
via_unbound dig udp A - fallback
via_unbound dig udp A 8.8.8.0/24 us-east

section "the CNAME into the steered name, resolved through unbound"
rq dig udp alias.geo.test A 81.169.145.0/24
expect_status NOERROR
expect_rr ANSWER '^alias\.geo\.test\. [0-9]+ IN CNAME www\.geo\.test\.$'
expect_dc eu-central A www.geo.test.
rq dig udp alias.geo.test A 8.8.8.0/24
expect_dc us-east A www.geo.test.

ub_stop
if grep -qiE 'error|fatal' "$T/unbound/unbound.log"; then
	echo "--- unbound log (errors):"
	grep -iE 'error|fatal' "$T/unbound/unbound.log" | head -n 20
fi
finish
