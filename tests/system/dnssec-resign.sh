#!/bin/bash
# SPDX-License-Identifier: MIT
# dnssec-resign.sh -- the life cycle of a zone geosteerd signs itself (docs/dnssec.md):
# with signature_validity: 1m, geosteerd re-signs the zone by itself when a quarter of
# the lifetime is left (no reload asked for): `geosteerctl status` and /metrics show a
# later signing time and expiry, the RRSIG over the SOA gets a new inception and
# expiration, the re-sign is counted apart from reloads. A re-sign signs the data being
# served, from memory, never what is on disk: before it, the zone file gets a new
# record and a line that does not parse, the configuration a longer lifetime, and the
# ZSK's private key is moved away; the re-sign succeeds anyway, the new record is not
# served (NXDOMAIN, validated), the lifetime stays 1m, and a reload then refuses the
# broken disk and, once it is fixed, applies the edit. The first try is made to fail
# with the test build's hook (tests/system/geosteerd-hooks: while the file named by
# $GS_TEST_RESIGN_FAIL_FILE exists every re-sign fails, as one would on a signing
# error): it is logged with the expiry and counted, and once the file is gone a retry
# succeeds before the first signatures expire. A
# validating unbound (trust anchor: the KSK's DS, a stub-zone to geosteerd, no leeway
# past expiration) answers with AD all along, past the expiry of the first signatures,
# and a client querying geosteerd back to back meanwhile loses no query. Then the rollovers of docs/dnssec.md "Rolling keys", one reload per
# step, unbound validating after each: a ZSK pre-published from the zone file, then
# signing next to the old one (both ZSKs sign), then alone with the old one still
# published, then the old one gone; a KSK double-signature rollover, during which
# unbound's trust anchor (the parent's DS) moves from the old KSK to the new one.
# Status and /metrics (strict exposition parser, prom-check.py) list each key's tag,
# algorithm and role. Skipped (77) when ldns-keygen, unbound or curl is missing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unbound-lib.sh"

ub_require ldns-keygen curl
# The test build of the daemon: the one with the hook that makes re-signs fail.
HOOKS="$top_builddir/tests/system/geosteerd-hooks"
[ -x "$HOOKS" ] || fatal "$HOOKS is not built (make check builds it)"
if grep -q GS_TEST_RESIGN_FAIL_FILE "$GSD"; then
	fail "$GSD contains the test hook GS_TEST_RESIGN_FAIL_FILE"
else
	ok "the installed daemon has no re-sign failure hook"
fi
GSD=$HOOKS
export GS_TEST_RESIGN_FAIL_FILE="$T/resign-fail"
PROM_CHECK="$top_srcdir/tests/system/prom-check.py"
ZONE=geo.test
# How long the wait for the first re-sign may last: due 45 s after signing (a quarter
# of 1m left), plus the expiry of the first signatures, plus margin for a loaded machine.
RESIGN_LIMIT=120

# ---------------------------------------------------------------- keys and zone

mkdir -p "$T/keys"
keygen() { (cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 "$@" "$ZONE.") || fatal "ldns-keygen $* failed"; }
KSK1=$(keygen -k)
KSK2=$(keygen -k)
ZSK1=$(keygen)
ZSK2=$(keygen)
tag_of() { echo $((10#${1##*+})); }
T_KSK1=$(tag_of "$KSK1") T_KSK2=$(tag_of "$KSK2") T_ZSK1=$(tag_of "$ZSK1") T_ZSK2=$(tag_of "$ZSK2")
echo "keys: KSK $T_KSK1, KSK $T_KSK2, ZSK $T_ZSK1, ZSK $T_ZSK2"
# dnskey_line KEY: the key's DNSKEY record with a TTL of 5 s, for the zone file.
dnskey_line() {
	awk -v z="$ZONE." '$0 !~ /^;/ && NF { for (i = 1; i <= NF; i++) if ($i == "DNSKEY") break;
		printf "%s 5 IN", z; for (; i <= NF; i++) printf " %s", $i; print "" }' "$T/keys/$1.key"
}
# write_zone [KEY...]: the zone file, with the DNSKEYs of KEY... published from it. TTLs
# of 5 s: unbound's cache turns over quickly (the DNSKEY RRset takes the SOA's TTL).
write_zone() {
	{
		cat <<EOF
\$ORIGIN $ZONE.
\$TTL 5
@    IN SOA ns1 hostmaster 1 3600 600 86400 5
@    IN NS  ns1
ns1  IN A   127.0.0.1
www  IN A   192.0.2.1
www  IN AAAA 2001:db8::1
EOF
		local k
		for k in "$@"; do dnskey_line "$k"; done
	} >"$T/$ZONE.zone.tmp"
	mv "$T/$ZONE.zone.tmp" "$T/$ZONE.zone"
}
# A steered name, app.geo.test.: US clients (ECS) get us-east, the others eu-central;
# by continent from a copy of the demo GeoIP database when it is built, else by a
# networks rule. A re-sign signs its address sets again with the same compiled map.
US=8.8.8.0/24 APP_US=192.0.2.10 APP_OTHER=198.51.100.10
DEMO_MMDB="$top_builddir/examples/demo.mmdb"
if [ -f "$DEMO_MMDB" ]; then
	cp "$DEMO_MMDB" "$T/geo.mmdb"
	GEO_YAML="geoip:
  database: $T/geo.mmdb
  client_subnet: true
maps:
  steer:
    default: [eu-central, us-east]
    continents: {NA: [us-east, eu-central]}"
else
	echo "no $DEMO_MMDB: the steered name is steered by a networks rule"
	GEO_YAML="maps:
  steer:
    default: [eu-central, us-east]
    networks: {$US: [us-east, eu-central]}"
fi
# write_config KEY...: the configuration file with these keys in `keys:`.
MPORT=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
zone_yaml() {
	local keys=
	for k in "$@"; do keys="$keys${keys:+, }$T/keys/$k"; done
	cat <<EOF
metrics: 127.0.0.1:$MPORT
zones:
  - name: $ZONE.
    file: $T/$ZONE.zone
    dnssec:
      keys: [$keys]
      denial: nsec3
      signature_validity: 1m
$GEO_YAML
services:
  app:
    names: [app.$ZONE.]
    map: steer
    ttl: 5
    datacenters:
      us-east: [$APP_US]
      eu-central: [$APP_OTHER]
EOF
}
write_config() {
	{
		sed -n '1,/^control:/p' "$CFG"
		zone_yaml "$@"
	} >"$CFG.tmp"
	mv "$CFG.tmp" "$CFG"
}

write_zone
gs_start < <(zone_yaml "$KSK1" "$ZSK1")
[ "$GS_CONTROL_OK" = yes ] || fatal "this build has no control socket"

# ---------------------------------------------------------------- readers

# status: `geosteerctl status`; sets ST_SIGNED, ST_EXPIRES (the dnssec: line's times),
# ST_KEYS (the key: lines, "TAG ROLE" each on one line) and ST_RESIGNS, ST_RELOADS.
status() {
	ctl_capture -s "$T/control.sock" status
	[ "$C_RC" = 0 ] || fail "$LAST_CMD: exit $C_RC: $C_ERR"
	ST_SIGNED='' ST_EXPIRES='' ST_KEYS='' ST_RESIGNS='' ST_RELOADS=''
	local l re_dnssec="^dnssec: +$ZONE\\. signed ([^,]+), signatures expire ([^,]+), re-signed from "
	local re_key="^key: +$ZONE\\. tag ([0-9]+), algorithm 13, flags (256|257), ([A-Za-z]+)"
	while IFS= read -r l; do
		if [[ $l =~ $re_dnssec ]]; then
			ST_SIGNED=${BASH_REMATCH[1]} ST_EXPIRES=${BASH_REMATCH[2]}
		elif [[ $l =~ $re_key ]]; then
			ST_KEYS+="${BASH_REMATCH[1]} ${BASH_REMATCH[3]}"$'\n'
		elif [[ $l =~ ^re-signs:\ +([0-9]+)\ ok,\ ([0-9]+)\ failed ]]; then
			ST_RESIGNS="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
		elif [[ $l =~ ^reloads:\ +([0-9]+)\ ok ]]; then
			ST_RELOADS=${BASH_REMATCH[1]}
		fi
	done <<<"$C_OUT"
}
# expect_keys "TAG ROLE" ...: status lists exactly these keys, in this order.
expect_keys() {
	local want=''
	for k in "$@"; do want+="$k"$'\n'; done
	status
	if [ "$ST_KEYS" = "$want" ]; then
		ok "status lists the keys: ${want//$'\n'/, }"
	else
		fail "status: expected the keys '${want//$'\n'/, }', got '${ST_KEYS//$'\n'/, }':"
		printf '%s\n' "$C_OUT" | sed 's/^/    | /'
	fi
}
# scrape: /metrics through the strict parser; M_PARSED ("SERIES VALUE" lines).
scrape() {
	curl -sS --max-time 5 -o "$T/m.body" "http://127.0.0.1:$MPORT/metrics" ||
		fail "GET /metrics failed"
	M_PARSED=$("$PY" "$PROM_CHECK" <"$T/m.body")
	if grep_lines '^ERROR' "$M_PARSED" || [ -z "$M_PARSED" ]; then
		fail "the exposition does not parse strictly:"
		printf '%s\n' "$M_PARSED" | grep '^ERROR' | sed 's/^/    | /'
	fi
}
val() {
	local l
	while IFS= read -r l; do
		[ "${l% *}" = "$1" ] && { echo "${l##* }"; return; }
	done <<<"$M_PARSED"
	echo missing
}
# sig_tags TYPE: the key tags of the RRSIGs over TYPE in the last answer, sorted.
sig_tags() {
	local l tags=()
	while IFS= read -r l; do
		[[ $l =~ \ IN\ RRSIG\ $1\ 13\ [0-9]+\ [0-9]+\ ([0-9]+)\ ([0-9]+)\ ([0-9]+)\  ]] &&
			tags+=("${BASH_REMATCH[3]}")
	done <<<"${R_SEC[ANSWER]}"
	printf '%s\n' "${tags[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//'
}
sorted() { printf '%s\n' "$@" | sort -n | tr '\n' ' ' | sed 's/ $//'; }
# soa_sig_times: "EXPIRATION INCEPTION" of the RRSIG over the SOA, asked of geosteerd.
soa_sig_times() {
	q udp +dnssec "$ZONE." SOA
	local l
	while IFS= read -r l; do
		if [[ $l =~ \ IN\ RRSIG\ SOA\ 13\ [0-9]+\ [0-9]+\ ([0-9]+)\ ([0-9]+)\  ]]; then
			echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
			return
		fi
	done <<<"${R_SEC[ANSWER]}"
}
reload() {
	ctl_capture -s "$T/control.sock" reload
	expect_rc 0
}

# ---------------------------------------------------------------- unbound

# A validating unbound, a stub-zone to geosteerd, no leeway past a signature's
# expiration (by default some minutes): an answer whose signatures were not renewed in
# time is bogus at once.
UB_STUBS=$ZONE
UB_PROBE="ns1.$ZONE. A"
UB_SERVER="    val-sig-skew-min: 0
    val-sig-skew-max: 0"
# ub_start_with KEY: unbound with KEY's DS as the trust anchor of the zone (what the
# parent would publish).
ub_start_with() {
	UB_ANCHORS="$T/keys/$1.ds"
	ub_start
	echo "trust anchor: the DS of $1"
}

# uq NAME TYPE: asks unbound with DO=1 (R_* readers). validated: the answer is NOERROR
# or NXDOMAIN with AD (quiet: for loops that count).
uq() {
	LAST_CMD="dig +rec +dnssec +time=5 +tries=1 @127.0.0.1 -p $UPORT $1 $2"
	dig +rec +dnssec +time=5 +tries=1 @127.0.0.1 -p "$UPORT" "$1" "$2" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
}
validated() { [[ $R_STATUS == NOERROR || $R_STATUS == NXDOMAIN ]] && has_flag ad; }
# vq NAME TYPE STATUS: asks unbound; STATUS with AD, each an assertion.
vq() {
	uq "$1" "$2"
	expect_status "$3"
	expect_flag ad
}
# validating LABEL: the usual questions through unbound, all with AD.
validating() {
	vq "www.$ZONE." A NOERROR
	vq "www.$ZONE." AAAA NOERROR
	vq "$ZONE." SOA NOERROR
	vq "$ZONE." DNSKEY NOERROR
	vq "nothere.$ZONE." A NXDOMAIN
	vq "www.$ZONE." TXT NOERROR
	vq "app.$ZONE." A NOERROR
}
# app_answers: the steered name answers each client from its datacenter, signed.
app_answers() {
	q udp +dnssec +subnet=$US "app.$ZONE." A
	expect_rr ANSWER "^app\\.$ZONE\\. 5 IN A ${APP_US//./\\.}$"
	expect_rr ANSWER " IN RRSIG A 13 "
	q udp +dnssec "app.$ZONE." A
	expect_rr ANSWER "^app\\.$ZONE\\. 5 IN A ${APP_OTHER//./\\.}$"
	expect_rr ANSWER " IN RRSIG A 13 "
}

# ---------------------------------------------------------------- start

section "at start: keys, signing time and expiry in status and /metrics"
expect_keys "$T_KSK1 KSK" "$T_ZSK1 ZSK"
S0=$ST_SIGNED E0=$ST_EXPIRES
s0=$(date -u -d "$S0" +%s) e0=$(date -u -d "$E0" +%s)
expect_eq "signature lifetime in status (expiry - signing time)" 60 $((e0 - s0))
expect_eq "re-signs at start" "0 0" "$ST_RESIGNS"
scrape
expect_eq "geosteer_dnssec_last_signed_timestamp_seconds" "$s0" \
	"$(val "geosteer_dnssec_last_signed_timestamp_seconds{zone=\"$ZONE.\"}")"
expect_eq "geosteer_dnssec_signature_expiry_timestamp_seconds" "$e0" \
	"$(val "geosteer_dnssec_signature_expiry_timestamp_seconds{zone=\"$ZONE.\"}")"
expect_eq "geosteer_dnssec_keys for the KSK" 1 \
	"$(val "geosteer_dnssec_keys{zone=\"$ZONE.\",role=\"KSK\",algorithm=\"13\",tag=\"$T_KSK1\"}")"
expect_eq "geosteer_dnssec_keys for the ZSK" 1 \
	"$(val "geosteer_dnssec_keys{zone=\"$ZONE.\",role=\"ZSK\",algorithm=\"13\",tag=\"$T_ZSK1\"}")"
expect_eq "geosteer_dnssec_resigns_total ok" 0 "$(val 'geosteer_dnssec_resigns_total{result="ok"}')"
expect_eq "geosteer_dnssec_resigns_total failed" 0 "$(val 'geosteer_dnssec_resigns_total{result="failed"}')"
SOA0=$(soa_sig_times)
[ -n "$SOA0" ] || fail "no RRSIG over the SOA from geosteerd"
expect_eq "the SOA's RRSIG expiration" "$(date -u -d "@$e0" +%Y%m%d%H%M%S)" "${SOA0% *}"
C_OUT=$("$GSD" -c "$CFG" --check 2>&1)
C_RC=$? LAST_CMD="geosteerd -c $CFG --check"
expect_rc 0
expect_text out "signature_validity: 1m is under an hour: fit for tests only"

app_answers
ub_start_with "$KSK1"
validating

# ---------------------------------------------------------------- re-sign

section "re-signing by itself from memory; a failed one is tried again; unbound validates across"
# The disk changes under the daemon, with no reload: a re-sign must not apply any of
# it. A new record and a line that does not parse in the zone file, a longer lifetime
# in the configuration, the ZSK's private key gone.
ZONE_BEFORE=$(cat "$T/$ZONE.zone")
CFG_BEFORE=$(cat "$CFG")
printf 'added IN A 192.0.2.77\nbroken IN A not-an-address\n' >>"$T/$ZONE.zone"
sed -i 's/signature_validity: 1m/signature_validity: 2m/' "$CFG"
grep -q 'signature_validity: 2m' "$CFG" || fatal "the configuration edit did not take"
mv "$T/keys/$ZSK1.private" "$T/keys/$ZSK1.away"
# The GeoIP database, if any, is no database any more.
[ -f "$T/geo.mmdb" ] && echo "not a database" >"$T/geo.mmdb"
q udp "added.$ZONE." A
expect_status NXDOMAIN
rm -f "$T/stop"
"$PY" "$RAWDNS" -p "$PORT" --timeout 2 steady "www.$ZONE." A --do --until "$T/stop" \
	--max $((RESIGN_LIMIT + 10)) --interval 0.005 >"$T/steady.out" 2>&1 &
STEADY=$!
# The first re-sign fails: the hook's file exists. Once status counts the failure, the
# file goes, and a retry (every 3 s with a 1m lifetime) must succeed before the first
# signatures expire, with the disk still as edited above.
touch "$GS_TEST_RESIGN_FAIL_FILE"
# Until the zone was re-signed and the first signatures have expired (unbound must
# then have fetched the new ones), ask unbound over and over; every answer validated.
n_ub=0 n_bad=0 first_bad='' resigned_at='' failed_at=''
deadline=$((SECONDS + RESIGN_LIMIT))
names=("www.$ZONE. A" "$ZONE. SOA" "nothere.$ZONE. A" "$ZONE. DNSKEY" "www.$ZONE. AAAA"
	"app.$ZONE. A")
for ((i = 0; i < 2000 && SECONDS < deadline; i++)); do
	# shellcheck disable=SC2086
	uq ${names[i % ${#names[@]}]}
	n_ub=$((n_ub + 1))
	if ! validated; then
		n_bad=$((n_bad + 1))
		[ -n "$first_bad" ] || first_bad="$LAST_CMD: status ${R_STATUS:-none}, flags $(r_flags)"
	fi
	if [ -z "$resigned_at" ]; then
		status
		[ -n "$ST_SIGNED" ] && [ "$ST_SIGNED" != "$S0" ] && resigned_at=$(date +%s)
		if [ -z "$failed_at" ] && [ "${ST_RESIGNS#* }" != 0 ]; then
			failed_at=$(date +%s)
			rm -f "$GS_TEST_RESIGN_FAIL_FILE"
		fi
	fi
	# Done once re-signed and past the first expiry (plus the zone's 5 s TTLs).
	[ -n "$resigned_at" ] && [ "$(date +%s)" -gt $((e0 + 6)) ] && break
	sleep 0.2 # pacing only: the loop ends on the conditions above
done
touch "$T/stop"
wait "$STEADY"
steady_rc=$?
rm -f "$GS_TEST_RESIGN_FAIL_FILE"
if [ -n "$failed_at" ]; then
	ok "the first re-sign failed $((failed_at - s0)) s after the first signing (due at 45 s)"
else
	fail "no failed re-sign while the hook's file existed"
fi
if [ -n "$resigned_at" ] && [ -n "$failed_at" ]; then
	ok "re-signed by itself $((resigned_at - failed_at)) s after the hook's file went"
else
	fail "no re-sign within ${RESIGN_LIMIT}s (status still says signed $S0)"
fi
re_failed="re-sign of $CFG failed \\(1 error\\): still serving generation 1; the signatures of zone $ZONE\\. expire at [0-9TZ:-]+ \\(in [0-9]+ s\\); trying again in 3 s"
if grep -qE "$re_failed" "$T/gs.log" &&
	grep -F "$GS_TEST_RESIGN_FAIL_FILE" "$T/gs.log" | grep -q "error: .*test hook: re-signs fail"; then
	ok "the log says why and until when: $(grep -m1 -E "$re_failed" "$T/gs.log")"
else
	fail "the log lacks the failed re-sign (/$re_failed/) or its reason:"
	grep -E 're-sign|error' "$T/gs.log" | head -n 5 | sed 's/^/    | /'
fi
# Nothing on disk was read: neither the missing key nor the broken zone file line is
# ever reported, and the log says whose data was re-signed.
if grep -F -e "$ZSK1.private" -e "$ZONE.zone:" "$T/gs.log" | grep 'error: '; then
	fail "a re-sign read the edited disk: the log above reports the key or zone file"
else
	ok "no re-sign reported the missing ZSK private key or the broken zone file line"
fi
re_mem="re-signed generation 1's data, read from memory \\([0-9]+ files, [0-9]+ bytes\\), not from disk: generation [0-9]+"
if grep -qE "$re_mem" "$T/gs.log"; then
	ok "the log says: $(grep -m1 -E "$re_mem" "$T/gs.log")"
else
	fail "the log lacks /$re_mem/:"
	grep -E 're-sign' "$T/gs.log" | head -n 5 | sed 's/^/    | /'
fi
# The data served is the data loaded at start: the record added on disk is not there,
# through unbound too (a validated denial), and the rest answers as before.
q udp +dnssec "added.$ZONE." A
expect_status NXDOMAIN
q udp +dnssec "www.$ZONE." A
expect_rr ANSWER "^www\\.$ZONE\\. 5 IN A 192\\.0\\.2\\.1$"
expect_rr ANSWER " IN RRSIG A 13 "
vq "added.$ZONE." A NXDOMAIN
vq "broken.$ZONE." A NXDOMAIN
# Steered as before, with signatures made by the re-sign (the map was not compiled
# again from the database on disk, which is broken now).
app_answers
if [ "$(sig_tags A)" = "$T_ZSK1" ] && [[ ${R_SEC[ANSWER]} =~ \ IN\ RRSIG\ A\ 13\ [0-9]+\ [0-9]+\ ([0-9]+)\ ([0-9]+)\  ]] &&
	[ "${BASH_REMATCH[1]}" -gt "${SOA0% *}" ]; then
	ok "app.$ZONE. A is signed by the ZSK with a new expiration ${BASH_REMATCH[1]} (first ${SOA0% *})"
else
	fail "app.$ZONE. A: expected an RRSIG by $T_ZSK1 expiring after ${SOA0% *}:"
	r_section ANSWER | sed 's/^/    | /'
fi
if [ "$n_bad" = 0 ] && [ "$n_ub" -gt 0 ]; then
	ok "unbound validated all $n_ub answers (AD), until $(( $(date +%s) - e0 )) s past the first expiry"
else
	fail "unbound: $n_bad of $n_ub answers not validated; first: $first_bad"
fi
if [ "$steady_rc" = 0 ]; then
	ok "geosteerd directly: $(cat "$T/steady.out")"
else
	fail "geosteerd directly: $(cat "$T/steady.out")"
fi
status
s1=$(date -u -d "$ST_SIGNED" +%s) e1=$(date -u -d "$ST_EXPIRES" +%s)
# A lifetime of 60 s, not the 2m the configuration on disk now says.
if [ "$s1" -gt "$s0" ] && [ "$e1" -gt "$e0" ] && [ $((e1 - s1)) = 60 ]; then
	ok "status: signed $ST_SIGNED (was $S0), signatures expire $ST_EXPIRES (was $E0), 60 s apart"
else
	fail "status: expected a later signing and expiry, got signed $ST_SIGNED, expire $ST_EXPIRES (was $S0, $E0)"
fi
n_resigns=${ST_RESIGNS% *} n_failed=${ST_RESIGNS#* }
if [ "${n_resigns:-0}" -ge 1 ] && [ "${n_failed:-0}" -ge 1 ]; then
	ok "status: $n_resigns re-sign(s), $n_failed failed"
else
	fail "status: expected a good re-sign and a failed one, got '$ST_RESIGNS'"
fi
expect_eq "status: operator reloads (a re-sign is not one)" 0 "$ST_RELOADS"
SOA1=$(soa_sig_times)
if [ -n "$SOA1" ] && [ "${SOA1% *}" -gt "${SOA0% *}" ] && [ "${SOA1#* }" -gt "${SOA0#* }" ]; then
	ok "the SOA's RRSIG: expiration ${SOA0% *} -> ${SOA1% *}, inception ${SOA0#* } -> ${SOA1#* }"
else
	fail "the SOA's RRSIG: expected a later expiration and inception than '$SOA0', got '$SOA1'"
fi
scrape
expect_eq "geosteer_reloads_total ok" 0 "$(val 'geosteer_reloads_total{result="ok"}')"
for result in ok failed; do
	got=$(val "geosteer_dnssec_resigns_total{result=\"$result\"}")
	if [ "$got" != missing ] && [ "$got" -ge 1 ]; then
		ok "geosteer_dnssec_resigns_total{result=\"$result\"} $got"
	else
		fail "geosteer_dnssec_resigns_total{result=\"$result\"}: expected at least 1, got $got"
	fi
done
got=$(val "geosteer_dnssec_last_signed_timestamp_seconds{zone=\"$ZONE.\"}")
if [ "$got" != missing ] && [ "$got" -gt "$s0" ]; then
	ok "geosteer_dnssec_last_signed_timestamp_seconds $got (was $s0)"
else
	fail "geosteer_dnssec_last_signed_timestamp_seconds: expected more than $s0, got $got"
fi
got=$(val "geosteer_dnssec_signature_expiry_timestamp_seconds{zone=\"$ZONE.\"}")
if [ "$got" != missing ] && [ "$got" -gt "$e0" ]; then
	ok "geosteer_dnssec_signature_expiry_timestamp_seconds $got (was $e0)"
else
	fail "geosteer_dnssec_signature_expiry_timestamp_seconds: expected more than $e0, got $got"
fi
if grep -qE "re-signed zone $ZONE\\.: signatures valid until [0-9TZ:-]+$" "$T/gs.log"; then
	ok "the log says: $(grep -m1 -E "re-signed zone $ZONE\\." "$T/gs.log")"
else
	fail "the log has no 're-signed zone $ZONE.: signatures valid until ...' line"
fi

section "the edits on disk: a reload refuses the broken ones, then applies the fixed ones"
ctl_capture -s "$T/control.sock" reload
expect_rc 1
expect_text err "$ZONE\\.zone:[0-9]+: .*not-an-address"
[ -f "$T/geo.mmdb" ] && expect_text err "database: .*geo\\.mmdb"
zsk1_re=${ZSK1//./\\.}
expect_text err "cannot open .*${zsk1_re//+/\\+}\\.private"
q udp "added.$ZONE." A
expect_status NXDOMAIN
# Fixed: the key back, the bad line out, the lifetime 1m again; the new record stays.
mv "$T/keys/$ZSK1.away" "$T/keys/$ZSK1.private"
[ -f "$T/geo.mmdb" ] && cp "$DEMO_MMDB" "$T/geo.mmdb"
printf '%s\nadded IN A 192.0.2.77\n' "$ZONE_BEFORE" >"$T/$ZONE.zone"
printf '%s\n' "$CFG_BEFORE" >"$CFG"
reload
q udp +dnssec "added.$ZONE." A
expect_status NOERROR
expect_rr ANSWER "^added\\.$ZONE\\. 5 IN A 192\\.0\\.2\\.77$"
expect_rr ANSWER " IN RRSIG A 13 "
# unbound held the denial for the SOA's 5 s negative TTL.
ub_has_added() {
	uq "added.$ZONE." A
	[ "$R_STATUS" = NOERROR ] && has_flag ad
}
if wait_until 30 ub_has_added; then
	ok "unbound: added.$ZONE. A validated (AD) after the reload"
else
	fail "unbound: added.$ZONE. A not answered NOERROR with AD within 30 s (last: ${R_STATUS:-none}, flags $(r_flags))"
fi
app_answers

# ---------------------------------------------------------------- ZSK rollover

section "ZSK rollover, step 1: the new ZSK published from the zone file (pre-publish)"
write_zone "$ZSK2"
reload
expect_keys "$T_KSK1 KSK" "$T_ZSK1 ZSK" "$T_ZSK2 published"
q udp +dnssec "$ZONE." DNSKEY
expect_count ANSWER 4 # 3 DNSKEYs, 1 RRSIG
q udp +dnssec "$ZONE." SOA
expect_eq "keys signing the SOA" "$T_ZSK1" "$(sig_tags SOA)"
scrape
expect_eq "geosteer_dnssec_keys for the published ZSK" 1 \
	"$(val "geosteer_dnssec_keys{zone=\"$ZONE.\",role=\"published\",algorithm=\"13\",tag=\"$T_ZSK2\"}")"
validating
# The wait of a pre-publish rollover: until resolvers hold the DNSKEY RRset with the new
# key (its TTL); here, until unbound's answer has three DNSKEYs.
ub_has_keys() {
	uq "$ZONE." DNSKEY
	[[ $(grep -c ' IN DNSKEY ' <<<"${R_SEC[ANSWER]}") == "$1" ]]
}
if wait_until 30 ub_has_keys 3; then
	ok "unbound holds the DNSKEY RRset with the new ZSK"
else
	fail "unbound's DNSKEY RRset did not get the new ZSK within 30 s"
fi

section "ZSK rollover, step 2: both ZSKs configured: both sign (double signature)"
write_zone
write_config "$KSK1" "$ZSK1" "$ZSK2"
reload
expect_keys "$T_KSK1 KSK" "$T_ZSK1 ZSK" "$T_ZSK2 ZSK"
q udp +dnssec "$ZONE." SOA
expect_eq "keys signing the SOA" "$(sorted "$T_ZSK1" "$T_ZSK2")" "$(sig_tags SOA)"
q udp +dnssec "www.$ZONE." A
expect_eq "keys signing www A" "$(sorted "$T_ZSK1" "$T_ZSK2")" "$(sig_tags A)"
q udp +dnssec "$ZONE." DNSKEY
expect_eq "keys signing the DNSKEY RRset" "$T_KSK1" "$(sig_tags DNSKEY)"
validating

section "ZSK rollover, step 3: the new ZSK alone signs, the old one stays published"
write_zone "$ZSK1"
write_config "$KSK1" "$ZSK2"
reload
expect_keys "$T_KSK1 KSK" "$T_ZSK2 ZSK" "$T_ZSK1 published"
q udp +dnssec "$ZONE." SOA
expect_eq "keys signing the SOA" "$T_ZSK2" "$(sig_tags SOA)"
validating
# The wait before the old key goes: until answers signed with it have left caches.
ub_signed_by() {
	uq "www.$ZONE." A
	[ "$(sig_tags A)" = "$1" ]
}
if wait_until 30 ub_signed_by "$T_ZSK2"; then
	ok "unbound's www A is signed by the new ZSK only"
else
	fail "unbound's www A still carries the old ZSK's signature after 30 s"
fi

section "ZSK rollover, step 4: the old ZSK removed"
write_zone
reload
expect_keys "$T_KSK1 KSK" "$T_ZSK2 ZSK"
q udp +dnssec "$ZONE." DNSKEY
expect_count ANSWER 3 # 2 DNSKEYs, 1 RRSIG
validating

# ---------------------------------------------------------------- KSK rollover

section "KSK rollover, step 1: both KSKs configured: both sign the DNSKEY RRset"
write_config "$KSK1" "$KSK2" "$ZSK2"
reload
expect_keys "$T_KSK1 KSK" "$T_KSK2 KSK" "$T_ZSK2 ZSK"
q udp +dnssec "$ZONE." DNSKEY
expect_eq "keys signing the DNSKEY RRset" "$(sorted "$T_KSK1" "$T_KSK2")" "$(sig_tags DNSKEY)"
q udp +dnssec "$ZONE." CDS
expect_eq "CDS records (one per KSK)" 2 "$(grep -c ' IN CDS ' <<<"${R_SEC[ANSWER]}")"
expect_eq "keys signing the CDS RRset" "$(sorted "$T_KSK1" "$T_KSK2")" "$(sig_tags CDS)"
q udp +dnssec "$ZONE." SOA
expect_eq "keys signing the SOA" "$T_ZSK2" "$(sig_tags SOA)"
validating

section "KSK rollover, step 2: the parent's DS points at the new KSK"
ub_stop
ub_start_with "$KSK2"
validating

section "KSK rollover, step 3: the old KSK removed"
write_config "$KSK2" "$ZSK2"
reload
expect_keys "$T_KSK2 KSK" "$T_ZSK2 ZSK"
q udp +dnssec "$ZONE." DNSKEY
expect_eq "keys signing the DNSKEY RRset" "$T_KSK2" "$(sig_tags DNSKEY)"
validating
scrape
expect_eq "geosteer_dnssec_keys for the new KSK" 1 \
	"$(val "geosteer_dnssec_keys{zone=\"$ZONE.\",role=\"KSK\",algorithm=\"13\",tag=\"$T_KSK2\"}")"
expect_eq "geosteer_dnssec_keys for the old KSK (gone)" missing \
	"$(val "geosteer_dnssec_keys{zone=\"$ZONE.\",role=\"KSK\",algorithm=\"13\",tag=\"$T_KSK1\"}")"

ub_no_validation_failures
ub_stop
finish
