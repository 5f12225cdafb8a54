#!/bin/bash
# SPDX-License-Identifier: MIT
# failover-dnssec.sh -- what DNSSEC costs a failover: the setup of failover.sh (real
# HTTP backends for us-east 127.0.0.10 and eu-central 127.0.0.20, checks every 1 s,
# timeout 500 ms, rise 2, fall 2; ttl 60, failover_ttl 20) run twice, with geo.test
# unsigned and with geo.test signed by geosteer (NSEC3, an ECDSA P-256 CSK made with
# ldns-keygen; every answer asked with DO=1 must carry the RRSIG of its set). Each
# run measures the failover when the US backend stops and the recovery when it comes
# back (bounded as failover.sh bounds them), and the time from `geosteerctl force`
# to the first answer that shows the change: for www (one address per datacenter,
# every set signed at load) `force us-east down` and `auto`; for big (8 addresses in
# us-east, so a set with two addresses down is signed by the signer thread when health
# changes) forcing a second address down, and both back to auto. The answers are
# watched by answer-watch.py, which asks back to back from one process and logs each
# answer with its time, so that a client's start-up does not count; the time runs from
# just before geosteerctl starts. With DNSSEC a forced change may take at most 100 ms
# more than without (the fastest of three tries each, so that a busy machine's
# scheduling does not decide), and no signed answer may lack its RRSIG. Every figure
# is printed as "measured:". Skipped (77) when ldns-keygen is missing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

if ! command -v ldns-keygen >/dev/null 2>&1; then
	echo "SKIP: ldns-keygen is not installed (apt-get install ldnsutils)"
	exit 77
fi
NOMINAL=2500
WATCH="$top_srcdir/tests/system/answer-watch.py"
BIG="127.0.1.1 127.0.1.2 127.0.1.3 127.0.1.4 127.0.1.5 127.0.1.6 127.0.1.7 127.0.1.8"
BIG8=${BIG// /,}
BIG6=127.0.1.1,127.0.1.2,127.0.1.3,127.0.1.4,127.0.1.5,127.0.1.6
mkdir -p "$T/keys"
key=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k geo.test.) || fatal "ldns-keygen failed"

WATCH_PID=
WATCH_LOG=
# watch_start NAME: answer-watch.py asks NAME A back to back (DO=1 when FO_KEY is set)
# into $T/watch-NAME.log (WATCH_LOG); waits (bounded) for its first answer.
watch_start() {
	rm -f "$T/watch.stop"
	WATCH_LOG="$T/watch-$1-${FO_KEY:+signed}.log"
	"$PY" "$WATCH" -p "$PORT" "$1" A --until "$T/watch.stop" --max 300 --log "$WATCH_LOG" \
		${FO_KEY:+--do} 2>"$T/watch.err" &
	WATCH_PID=$!
	wait_until 10 test -s "$WATCH_LOG" || fatal "answer-watch.py logged nothing: $(cat "$T/watch.err")"
}
# watch_stop: ends the watcher (it looks for the stop file between queries).
watch_stop() {
	local i=0
	touch "$T/watch.stop"
	while kill -0 "$WATCH_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=
}

# changed_ms WHAT "ADDRESSES TTL": waits (at most 5 s) for the first answer logged at or
# after T0_MS that is ADDRESSES (sorted, comma-joined) with TTL, and with an RRSIG when
# the zone is signed; sets CHANGED_MS to its time minus T0_MS.
changed_ms() {
	local deadline=$((SECONDS + 5)) t
	CHANGED_MS=
	while :; do
		t=$(awk -v t0="$T0_MS" -v want="$2" -v sig="${FO_KEY:+1}" \
			'$1 >= t0 && $2 " " $3 == want && (sig == "" || $4 > 0) { print int($1 - t0); exit }' \
			"$WATCH_LOG")
		if [ -n "$t" ]; then
			CHANGED_MS=$t
			ok "$1: answer '$2' $CHANGED_MS ms after geosteerctl started"
			echo "measured: $1 $CHANGED_MS ms"
			return 0
		fi
		if [ $SECONDS -ge $deadline ]; then
			fail "$1: no answer '$2' within 5 s; last: $(tail -n 1 "$WATCH_LOG")"
			return 1
		fi
		sleep 0.05
	done
}

# keep_min KEY: FASTEST[KEY] = min(FASTEST[KEY], CHANGED_MS).
declare -A FASTEST
keep_min() {
	[ "${CHANGED_MS:-99999}" -ge "${FASTEST[$1]:-99999}" ] || FASTEST[$1]=$CHANGED_MS
}

# one_run LABEL: starts geosteerd (signed when FO_KEY is set) and measures.
one_run() {
	local label=$1 i
	be_start us
	be_start eu
	gs_start < <(
		steer_yaml web <<EOF
  web: {type: http, port: $BE_PORT, path: /healthz, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
EOF
		cat <<EOF
  big:
    names: [big.geo.test.]
    map: steer
    ttl: 60
    failover_ttl: 20
    datacenters:
      us-east: [${BIG// /, }]
      eu-central: [$EU]
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
	watch_start www.geo.test
	for i in 1 2 3; do
		T0_MS=$(now_ms)
		ctl force us-east down
		expect_rc 0
		changed_ms "$label forced failover" "$EU 20" && keep_min "$label down"
		T0_MS=$(now_ms)
		ctl force us-east auto
		expect_rc 0
		changed_ms "$label forced recovery" "$US 60" && keep_min "$label up"
	done
	watch_stop
	expect_unsigned_none

	section "$label: two of us-east's 8 addresses of big forced down, then auto (three times)"
	watch_start big.geo.test
	for i in 1 2 3; do
		ctl force 127.0.1.7 down
		expect_rc 0
		T0_MS=$(now_ms)
		ctl force 127.0.1.8 down
		expect_rc 0
		changed_ms "$label second address down" "$BIG6 60" && keep_min "$label big down"
		ctl force 127.0.1.7 auto
		expect_rc 0
		T0_MS=$(now_ms)
		ctl force 127.0.1.8 auto
		expect_rc 0
		changed_ms "$label both back" "$BIG8 60" && keep_min "$label big up"
	done
	watch_stop
	expect_unsigned_none
	gs_stop
	be_stop us
	be_stop eu
}

# expect_unsigned_none: in a signed run, every answer the watcher logged had an RRSIG
# and none was lost.
expect_unsigned_none() {
	local n bad lost
	read -r n bad lost < <(awk '{ n++ } $2 == "lost" { lost++; next } $4 == 0 { bad++ }
		END { print n + 0, bad + 0, lost + 0 }' "$WATCH_LOG")
	expect_eq "answers lost of $n asked back to back" 0 "$lost"
	if [ -n "$FO_KEY" ]; then
		expect_eq "signed answers without an RRSIG, of $n" 0 "$bad"
	fi
}

FO_KEY=
one_run unsigned
FO_KEY="$T/keys/$key"
one_run signed

section "DNSSEC adds at most 100 ms to a forced failover or recovery"
for what in down up "big down" "big up"; do
	s=${FASTEST[signed $what]:-99999} u=${FASTEST[unsigned $what]:-99999}
	if [ "$s" -le $((u + 100)) ]; then
		ok "force $what: signed $s ms, unsigned $u ms"
	else
		fail "force $what: signed $s ms, more than 100 ms over unsigned $u ms"
	fi
done

finish
