#!/bin/bash
# SPDX-License-Identifier: MIT
# failover-dnssec.sh -- what DNSSEC costs a failover: the setup of failover.sh (real
# HTTP backends for us-east 127.0.0.10 and eu-central 127.0.0.20, checks every 1 s,
# timeout 500 ms, rise 2, fall 2; ttl 60, failover_ttl 20) run twice, with geo.test
# unsigned and with geo.test signed by geosteer (NSEC3, an ECDSA P-256 CSK made with
# ldns-keygen; every answer asked with DO=1 must carry the RRSIG of its set). Each
# run measures the failover when the US backend stops and the recovery when it comes
# back (bounded as failover.sh bounds them), and the time from `geosteerctl force
# us-east down` (and `auto`) returning to the first answer that shows it, polled as
# fast as dig runs. Signatures are made at load, so a forced failover with DNSSEC may
# take at most 100 ms more than without (the fastest of three tries each, so that a
# busy machine's slow fork does not decide). Every figure is printed as "measured:".
# Skipped (77) when ldns-keygen is missing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

if ! command -v ldns-keygen >/dev/null 2>&1; then
	echo "SKIP: ldns-keygen is not installed (apt-get install ldnsutils)"
	exit 77
fi
NOMINAL=2500
mkdir -p "$T/keys"
key=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k geo.test.) || fatal "ldns-keygen failed"

# forced_ms WHAT "ADDRESS TTL": polls without pause (at most 5 s) from T0_MS until the
# answer is ADDRESS TTL; sets FORCED_MS.
forced_ms() {
	local t
	FORCED_MS=
	while :; do
		www_a
		t=$(now_ms)
		if [ "$ANS" = "$2" ]; then
			FORCED_MS=$((t - T0_MS))
			ok "$1: answer '$2' after $FORCED_MS ms"
			echo "measured: $1 $FORCED_MS ms"
			return 0
		fi
		if [ $((t - T0_MS)) -gt 5000 ]; then
			fail "$1: answer still '$ANS' after 5 s, expected '$2'"
			return 1
		fi
	done
}

declare -A FORCE_DOWN FORCE_UP
# one_run LABEL: starts geosteerd (signed when FO_KEY is set) and measures.
one_run() {
	local label=$1
	be_start us
	be_start eu
	gs_start < <(steer_yaml web <<EOF
  web: {type: http, port: $BE_PORT, path: /healthz, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
EOF
	)
	section "$label: both backends up"
	if wait_health "^web +$US +up +[^(]" 10 && wait_health "^web +$EU +up +[^(]" 10; then
		ok "geosteerctl health: both addresses up after their first checks"
	else
		fail "geosteerctl health: expected both addresses up, got:"
		printf '%s\n' "$C_OUT" | sed 's/^/    | /'
	fi
	expect_answer "$US 60" "$label, both up"

	section "$label: the US backend stops, then comes back"
	be_stop us
	T0_MS=$(now_ms)
	expect_within "$label http failover" "$EU 20" $NOMINAL
	be_start us
	T0_MS=$(now_ms)
	expect_within "$label http recovery" "$US 60" $NOMINAL

	section "$label: geosteerctl force us-east down, then auto (three times, the fastest counts)"
	local i
	FORCE_DOWN[$label]=99999
	FORCE_UP[$label]=99999
	for i in 1 2 3; do
		ctl force us-east down
		T0_MS=$(now_ms)
		expect_rc 0
		forced_ms "$label forced failover" "$EU 20"
		[ "${FORCED_MS:-99999}" -ge "${FORCE_DOWN[$label]}" ] || FORCE_DOWN[$label]=$FORCED_MS
		ctl force us-east auto
		T0_MS=$(now_ms)
		expect_rc 0
		forced_ms "$label forced recovery" "$US 60"
		[ "${FORCED_MS:-99999}" -ge "${FORCE_UP[$label]}" ] || FORCE_UP[$label]=$FORCED_MS
	done
	gs_stop
	be_stop us
	be_stop eu
}

FO_KEY=
one_run unsigned
FO_KEY="$T/keys/$key"
one_run signed

section "DNSSEC adds at most 100 ms to a forced failover or recovery"
for dir in DOWN UP; do
	declare -n fig=FORCE_$dir
	if [ "${fig[signed]}" -le $((${fig[unsigned]} + 100)) ]; then
		ok "force $dir: signed ${fig[signed]} ms, unsigned ${fig[unsigned]} ms"
	else
		fail "force $dir: signed ${fig[signed]} ms, more than 100 ms over unsigned ${fig[unsigned]} ms"
	fi
	unset -n fig
done

finish
