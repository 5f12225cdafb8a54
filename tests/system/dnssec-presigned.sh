#!/bin/bash
# SPDX-License-Identifier: MIT
# dnssec-presigned.sh -- zones signed elsewhere (ldns-signzone), served by geosteerd and
# checked by real validators. Keys are made with ldns-keygen (ECDSA P-256, a KSK and a
# ZSK per zone) in the test's folder; one template zone (a delegation to an unsigned
# child, one to a child with a DS, a wildcard, a CNAME chain, empty non-terminals, a
# large TXT set) is signed three times: NSEC, NSEC3 (0 extra iterations, no salt) and
# NSEC3 with opt-out. One geosteerd serves the three; unbound, validating with each
# zone's KSK DS as its trust anchor and a stub-zone to geosteerd, must set AD on every
# kind of answer (positive, CNAME, NXDOMAIN, NODATA, empty non-terminal, wildcard,
# wildcard NODATA, DS denial at an insecure delegation). delv (bind9-dnsutils) checks
# an A record on its own. geosteerd is also asked directly: the referral's DS or its
# denial, DO=0 answers without DNSSEC records, TC over UDP when the RRSIGs do not fit and
# the full answer over TCP, NXDOMAIN for an NSEC3 owner name. Last, --check: a steered
# name in a pre-signed zone is an error at its line, an expired signature and an
# unsigned RRset are warnings naming the first one.
# Skipped (77) when ldns-keygen, ldns-signzone, unbound or delv is missing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
for tool in ldns-keygen ldns-signzone delv unbound-checkconf "$UNBOUND"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (apt-get install ldnsutils unbound bind9-dnsutils)"
		exit 77
	fi
done
: "${GS_UNBOUND_TIMEOUT:=15}"
ZONES="nsec.test nsec3.test optout.test"

# ---------------------------------------------------------------- zones and keys

# zone_text ORIGIN: the template zone.
zone_text() {
	cat <<EOF
\$ORIGIN $1.
\$TTL 300
@               IN SOA   ns1 hostmaster 1 3600 600 86400 60
@               IN NS    ns1
ns1             IN A     127.0.0.1
www             IN A     192.0.2.1
www             IN AAAA  2001:db8::1
alias           IN CNAME www
chain           IN CNAME alias
*.wild          IN A     192.0.2.9
*.wild          IN TXT   "from the wildcard"
host.deep.ent   IN TXT   "below two empty non-terminals"
child           IN NS    ns.child
ns.child        IN A     192.0.2.53
secure          IN NS    ns.secure
secure          IN DS    12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.secure       IN A     192.0.2.54
big             IN TXT   "$(printf 'a%.0s' {1..100})" "$(printf 'b%.0s' {1..100})" "$(printf 'c%.0s' {1..100})"
big             IN TXT   "$(printf 'd%.0s' {1..70})"
EOF
}

# sign ORIGIN FLAGS...: keys for ORIGIN (KSK, ZSK) and $T/ORIGIN.signed; the KSK's DS in
# $T/ORIGIN.ds. Signatures valid from an hour ago for 30 days.
sign() {
	local origin=$1 ksk zsk now
	shift
	mkdir -p "$T/keys"
	zone_text "$origin" >"$T/$origin.zone"
	ksk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$origin.") || fatal "ldns-keygen (KSK) failed"
	zsk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 "$origin.") || fatal "ldns-keygen (ZSK) failed"
	cp "$T/keys/$ksk.ds" "$T/$origin.ds"
	now=$(date +%s)
	if ! ldns-signzone "$@" -i $((now - 3600)) -e $((now + 30 * 86400)) -f "$T/$origin.signed" \
		"$T/$origin.zone" "$T/keys/$ksk" "$T/keys/$zsk" >"$T/sign.out" 2>&1; then
		cat "$T/sign.out"
		fatal "ldns-signzone $* failed for $origin"
	fi
	KSK[$origin]=$T/keys/$ksk
	ZSK[$origin]=$T/keys/$zsk
}

declare -A KSK ZSK
sign nsec.test
sign nsec3.test -n -t 0
sign optout.test -n -t 0 -p
grep -q 'NSEC3PARAM[[:space:]]*1 0 0 -' "$T/nsec3.test.signed" ||
	fatal "nsec3.test.signed has no NSEC3PARAM with 0 iterations and no salt"
grep -q 'NSEC3[[:space:]]*1 1 0 -' "$T/optout.test.signed" ||
	fatal "optout.test.signed has no opt-out NSEC3 records"

gs_start <<EOF
$(zones_yaml)
  - name: nsec.test.
    file: $T/nsec.test.signed
  - name: nsec3.test.
    file: $T/nsec3.test.signed
  - name: optout.test.
    file: $T/optout.test.signed
EOF

# ---------------------------------------------------------------- geosteerd directly

section "DO=0: answers carry no DNSSEC records"
for z in $ZONES; do
	q udp www.$z A
	expect_status NOERROR
	expect_count ANSWER 1
	expect_no_rr ANSWER 'RRSIG'
	q udp nothere.$z A
	expect_status NXDOMAIN
	expect_no_rr AUTHORITY 'NSEC|RRSIG'
done

section "DO=1: RRSIGs with answers, denial records with negative answers"
for z in $ZONES; do
	q udp +dnssec www.$z A
	expect_rr ANSWER "^www\\.$z\\. 300 IN A 192\\.0\\.2\\.1$"
	expect_rr ANSWER "^www\\.$z\\. 300 IN RRSIG A 13 3 300 "
	q udp +dnssec x.y.wild.$z TXT
	expect_rr ANSWER "^x\\.y\\.wild\\.$z\\. 300 IN RRSIG TXT 13 3 300 "
	q udp +dnssec nothere.$z A
	expect_status NXDOMAIN
	expect_rr AUTHORITY "^$z\\. 60 IN RRSIG SOA "
	expect_rr AUTHORITY " IN NSEC3? "
	q udp +dnssec www.$z RRSIG
	expect_rr ANSWER "^www\\.$z\\. [0-9]+ IN RRSIG AAAA "
done

section "referrals: the DS with its RRSIG, or the proof that there is none"
for z in $ZONES; do
	q udp +dnssec host.secure.$z A
	expect_noflag aa
	expect_rr AUTHORITY "^secure\\.$z\\. 300 IN NS ns\\.secure\\.$z\\.$"
	expect_rr AUTHORITY "^secure\\.$z\\. 300 IN DS 12345 13 2 "
	expect_rr AUTHORITY "^secure\\.$z\\. 300 IN RRSIG DS "
	expect_rr ADDITIONAL "^ns\\.secure\\.$z\\. 300 IN A 192\\.0\\.2\\.54$"
	q udp +dnssec host.child.$z A
	expect_rr AUTHORITY "^child\\.$z\\. 300 IN NS "
	expect_no_rr AUTHORITY " IN DS "
	expect_rr AUTHORITY " IN RRSIG NSEC3? "
done
q udp +dnssec host.child.nsec.test A
expect_rr AUTHORITY '^child\.nsec\.test\. 60 IN NSEC host\.deep\.ent\.nsec\.test\. NS RRSIG NSEC$'
for z in nsec3.test optout.test; do
	# ldns-signzone gives the unsigned child an NSEC3 of its own (with the opt-out flag
	# for optout.test): it matches "child" and lists NS without DS.
	zq=${z//./\\.}
	q udp +dnssec host.child.$z A
	expect_rr AUTHORITY "^[0-9a-v]{32}\\.$zq\\. 60 IN NSEC3 1 [01] 0 - [0-9A-V]{32} NS$"
done

section "NSEC3 owner names do not exist as names (RFC 5155 7.2.8)"
owner=$(awk '$4 == "NSEC3" { print $1; exit }' "$T/nsec3.test.signed")
[ -n "$owner" ] || fatal "no NSEC3 record in nsec3.test.signed"
q udp +dnssec "$owner" NSEC3
expect_status NXDOMAIN

section "truncation: RRSIGs that do not fit make the UDP answer truncated, TCP has it all"
for z in $ZONES; do
	q udp +bufsize=512 +ignore big.$z TXT
	expect_noflag tc
	expect_count ANSWER 2
	q udp +dnssec +bufsize=512 +ignore big.$z TXT
	expect_flag tc
	expect_count ANSWER 0
	q tcp +dnssec big.$z TXT
	expect_noflag tc
	expect_count ANSWER 3
	expect_rr ANSWER "^big\\.$z\\. 300 IN RRSIG TXT "
done

# ---------------------------------------------------------------- unbound validates

UB_PID=
UB_JOB=
ub_stop() {
	[ -n "$UB_PID" ] || return 0
	local pid=$UB_PID i=0
	UB_PID=
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$UB_JOB" 2>/dev/null
}
trap 'ub_stop; gs_cleanup' EXIT

# ub_start: a validating unbound on a free port: each zone's KSK DS as a trust anchor,
# a stub-zone to geosteerd for each; waits (bounded) until it answers for nsec.test.
ub_start() {
	local dir="$T/unbound" attempt z
	mkdir -p "$dir"
	for attempt in 1 2 3; do
		UPORT=$("$PY" "$RAWDNS" freeport) || fatal "no free port for unbound"
		{
			cat <<EOF
# written by tests/system/$TEST_NAME.sh
server:
    interface: 127.0.0.1
    port: $UPORT
    do-ip4: yes
    do-ip6: no
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: 1
    val-log-level: 2
    chroot: ""
    username: ""
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    num-threads: 1
    so-reuseport: no
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "validator iterator"
    qname-minimisation: no
    local-zone: "test." nodefault
    prefetch: no
    # The zones are signed by this test: no root trust anchor, no time skew.
    harden-dnssec-stripped: yes
EOF
			for z in $ZONES; do
				echo "    trust-anchor-file: \"$T/$z.ds\""
			done
			for z in $ZONES; do
				printf 'stub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n' "$z" "$PORT"
			done
		} >"$dir/unbound.conf"
		if ! unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.out" 2>&1; then
			cat "$dir/checkconf.out"
			fatal "unbound-checkconf refused the test configuration"
		fi
		"$UNBOUND" -d -c "$dir/unbound.conf" >"$dir/unbound.log" 2>&1 </dev/null &
		UB_JOB=$!
		UB_PID=$UB_JOB
		local deadline=$((SECONDS + GS_UNBOUND_TIMEOUT))
		while [ $SECONDS -lt $deadline ] && kill -0 "$UB_PID" 2>/dev/null; do
			if dig +tries=1 +time=1 @127.0.0.1 -p "$UPORT" ns1.nsec.test. A 2>/dev/null |
				grep -q 'status: NOERROR'; then
				echo "unbound pid $UB_PID on 127.0.0.1:$UPORT, validating $ZONES"
				return 0
			fi
			sleep 0.2
		done
		if ! kill -0 "$UB_PID" 2>/dev/null && grep -qi 'address already in use' "$dir/unbound.log"; then
			wait "$UB_JOB" 2>/dev/null
			UB_PID=
			echo "port $UPORT taken meanwhile, retrying"
			continue
		fi
		echo "--- unbound log:"
		tail -n 30 "$dir/unbound.log"
		fatal "unbound did not resolve ns1.nsec.test. within ${GS_UNBOUND_TIMEOUT}s"
	done
	fatal "could not find a port for unbound"
}

# vq NAME TYPE STATUS [ANSWER-ERE]: asks unbound with DO=1; the answer must have STATUS,
# the AD flag (validated as secure) and, when given, a matching answer record. In
# optout.test, an answer whose proof rests on an NSEC3 with the opt-out flag covering
# the next closer name (NXDOMAIN, wildcard answers) is insecure by design (RFC 5155
# 9.2): there the answer must come without AD, but come (a bogus one is SERVFAIL).
vq() {
	LAST_CMD="dig +rec +dnssec +time=5 +tries=1 @127.0.0.1 -p $UPORT $1 $2"
	dig +rec +dnssec +time=5 +tries=1 @127.0.0.1 -p "$UPORT" "$1" "$2" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
	expect_status "$3"
	if [[ $1 == *optout.test && ($3 == NXDOMAIN || $1 == *.wild.optout.test) ]]; then
		expect_noflag ad
	else
		expect_flag ad
	fi
	[ -z "${4:-}" ] || expect_rr ANSWER "$4"
}

ub_start

section "unbound validates every kind of answer (AD set)"
for z in $ZONES; do
	zq=${z//./\\.}
	vq $z SOA NOERROR "^$zq\\. [0-9]+ IN SOA "
	vq $z NS NOERROR "^$zq\\. [0-9]+ IN NS ns1\\.$zq\\.$"
	vq $z DNSKEY NOERROR "^$zq\\. [0-9]+ IN DNSKEY 257 3 13 "
	vq www.$z A NOERROR "^www\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.1$"
	vq www.$z AAAA NOERROR "^www\\.$zq\\. [0-9]+ IN AAAA 2001:db8::1$"
	vq chain.$z A NOERROR "^www\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.1$"
	expect_rr ANSWER "^chain\\.$zq\\. [0-9]+ IN CNAME alias\\.$zq\\.$"
	vq nothere.$z A NXDOMAIN
	vq a.b.nothere.$z A NXDOMAIN
	vq www.$z TXT NOERROR
	expect_count ANSWER 0
	vq deep.ent.$z TXT NOERROR
	expect_count ANSWER 0
	vq ent.$z A NOERROR
	expect_count ANSWER 0
	vq host.deep.ent.$z TXT NOERROR "^host\\.deep\\.ent\\.$zq\\. [0-9]+ IN TXT "
	vq x.wild.$z A NOERROR "^x\\.wild\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.9$"
	vq a.b.wild.$z TXT NOERROR "^a\\.b\\.wild\\.$zq\\. [0-9]+ IN TXT \"from the wildcard\"$"
	vq x.wild.$z MX NOERROR
	expect_count ANSWER 0
	vq child.$z DS NOERROR
	expect_count ANSWER 0
	vq secure.$z DS NOERROR "^secure\\.$zq\\. [0-9]+ IN DS 12345 13 2 "
	vq big.$z TXT NOERROR "^big\\.$zq\\. [0-9]+ IN TXT \"d+\"$"
done
vq "$owner" A NXDOMAIN
if grep -qiE 'validation failure|bogus' "$T/unbound/unbound.log"; then
	fail "unbound logged validation failures:"
	grep -iE 'validation failure|bogus' "$T/unbound/unbound.log" | head -n 10 | sed 's/^/    | /'
else
	ok "unbound logged no validation failure"
fi
ub_stop

section "delv, with nsec.test's KSK as its trust anchor, fully validates an A record"
for z in $ZONES; do
	read -r _ _ _ tag alg dt digest <"$T/$z.ds"
	printf 'trust-anchors { "%s." static-ds %s %s %s "%s"; };\n' "$z" "$tag" "$alg" "$dt" \
		"$digest" >"$T/$z.anchor"
	LAST_CMD="delv @127.0.0.1 -p $PORT -a $T/$z.anchor +root=$z www.$z A"
	timeout -k 2 20 delv @127.0.0.1 -p "$PORT" -a "$T/$z.anchor" +root=$z www.$z A \
		>"$T/delv.out" 2>&1
	if grep -q '^; fully validated' "$T/delv.out" &&
		grep -qE "^www\\.$z\\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\\.0\\.2\\.1" "$T/delv.out"; then
		ok "$LAST_CMD: fully validated"
	else
		fail "$LAST_CMD: not fully validated:"
		sed 's/^/    | /' "$T/delv.out"
	fi
done

# ---------------------------------------------------------------- --check

# check_cfg NAME < BODY: runs geosteerd --check on a configuration; C_RC, C_OUT.
check_cfg() {
	{
		echo 'listen: ["127.0.0.1:53"]'
		cat
	} >"$T/$1.yaml"
	LAST_CMD="geosteerd -c $T/$1.yaml --check"
	C_OUT=$("$GSD" -c "$T/$1.yaml" --check 2>&1)
	C_RC=$?
	C_ERR=
}

section "--check: a steered name in a pre-signed zone is an error at its line"
check_cfg steered <<EOF
zones:
  - name: nsec.test.
    file: $T/nsec.test.signed
maps:
  everywhere:
    default: [dc1]
services:
  web:
    names: [steered.nsec.test.]
    map: everywhere
    ttl: 60
    datacenters:
      dc1: [192.0.2.10]
EOF
expect_rc 1
expect_text out "^$T/steered\\.yaml:[0-9]+: .*steered\\.nsec\\.test\\. is in the zone nsec\\.test\\., which is signed in its zone file \\($T/nsec\\.test\\.signed:[0-9]+\\)"

section "--check: expired signatures and unsigned RRsets are warnings naming the first"
zone_text expired.test >"$T/expired.test.zone"
ksk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k expired.test.) || fatal "ldns-keygen failed"
ldns-signzone -i 20200101000000 -e 20200201000000 -f "$T/expired.test.signed" \
	"$T/expired.test.zone" "$T/keys/$ksk" >"$T/sign.out" 2>&1 ||
	fatal "ldns-signzone (expired) failed: $(cat "$T/sign.out")"
check_cfg expired <<EOF
zones:
  - name: expired.test.
    file: $T/expired.test.signed
EOF
expect_rc 0
expect_text out "^$T/expired\\.test\\.signed:[0-9]+: warning: the RRSIG over the [A-Z0-9]+ RRset at [a-z0-9.]*expired\\.test\\. expired on 2020-02-01"
cp "$T/nsec.test.signed" "$T/unsigned.test.signed"
echo 'late.nsec.test. 300 IN TXT "added after signing"' >>"$T/unsigned.test.signed"
check_cfg unsigned <<EOF
zones:
  - name: nsec.test.
    file: $T/unsigned.test.signed
EOF
expect_rc 0
line=$(wc -l <"$T/unsigned.test.signed")
expect_text out "^$T/unsigned\\.test\\.signed:$line: warning: the TXT RRset at late\\.nsec\\.test\\. has no RRSIG"
check_cfg clean <<EOF
zones:
  - name: nsec3.test.
    file: $T/nsec3.test.signed
EOF
expect_rc 0
if grep_lines 'warning' "$C_OUT"; then
	fail "$LAST_CMD: a freshly signed zone got warnings:"
	printf '%s\n' "$C_OUT" | sed 's/^/    | /'
else
	ok "$LAST_CMD: no warning for a freshly signed zone"
fi

finish
