#!/bin/bash
# SPDX-License-Identifier: MIT
# dnssec-presigned.sh -- zones signed elsewhere (ldns-signzone), served by geosteerd and
# checked by real validators. Keys are made with ldns-keygen (ECDSA P-256, a KSK and a
# ZSK per zone) in the test's folder; one template zone (a delegation to an unsigned
# child, one to a child with a DS, a wildcard, a CNAME chain, empty non-terminals, a
# large TXT set) is signed three times: NSEC, NSEC3 (0 extra iterations, no salt) and
# NSEC3 with opt-out, and once more by BIND's dnssec-signzone with opt-out (-A), which
# leaves the unsigned delegations (one served by geosteerd as an unsigned child zone)
# and the empty non-terminals above them out of the NSEC3 chain. One geosteerd serves
# them all; unbound, validating with each zone's KSK DS as its trust anchor and a
# stub-zone to geosteerd, must set AD on every kind of answer (positive, CNAME,
# NXDOMAIN, NODATA, empty non-terminal, wildcard, wildcard NODATA, DS denial at an
# insecure delegation), except where an opt-out NSEC3 makes the answer insecure by
# design: there it must answer without AD, never SERVFAIL; the unsigned child's data
# comes back through unbound, and delv calls it an "unsigned answer". The opt-out
# referrals and DS denials are checked record by record (the closest provable
# encloser's NSEC3, the opt-out NSEC3 covering the next closer name, hashes by
# ldns-nsec3-hash). delv (bind9-dnsutils) checks an A record on its own. geosteerd is also asked directly: the referral's DS or its
# denial, DO=0 answers without DNSSEC records, TC over UDP when the RRSIGs do not fit and
# the full answer over TCP, NXDOMAIN for an NSEC3 owner name. Last, --check: a steered
# name in a pre-signed zone is an error at its line, an expired signature and an
# unsigned RRset are warnings naming the first one.
# Skipped (77) when ldns-keygen, ldns-signzone, dnssec-signzone, unbound or delv is missing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unbound-lib.sh"

ub_require ldns-keygen ldns-signzone ldns-nsec3-hash dnssec-signzone delv
# BZ: signed by BIND's dnssec-signzone with opt-out, which (unlike ldns-signzone) leaves
# unsigned delegations out of the NSEC3 chain. ISLAND: an unsigned child of BZ that
# geosteerd serves too, so that a validator can reach it.
BZ=bindoptout.test
ISLAND=island.$BZ
ZONES="nsec.test nsec3.test optout.test $BZ"

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

# sign_bind ORIGIN: like sign, with dnssec-signzone: NSEC3 without salt or extra
# iterations, opt-out (-A). Two more delegations without a DS (so without an NSEC3 of
# their own): ISLAND, and a.b.deleg below two empty non-terminals.
sign_bind() {
	local origin=$1 ksk zsk now
	mkdir -p "$T/keys"
	ksk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$origin.") || fatal "ldns-keygen (KSK) failed"
	zsk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 "$origin.") || fatal "ldns-keygen (ZSK) failed"
	cp "$T/keys/$ksk.ds" "$T/$origin.ds"
	{
		zone_text "$origin"
		cat <<EOF
island          IN NS    ns.island
ns.island       IN A     192.0.2.55
a.b.deleg       IN NS    ns.deleg.example.
EOF
		cat "$T/keys/$ksk.key" "$T/keys/$zsk.key"
	} >"$T/$origin.zone"
	now=$(date +%s)
	if ! (cd "$T" && dnssec-signzone -3 - -H 0 -A -o "$origin." -f "$T/$origin.signed" \
		-s "$(date -u -d "@$((now - 3600))" +%Y%m%d%H%M%S)" \
		-e "$(date -u -d "@$((now + 30 * 86400))" +%Y%m%d%H%M%S)" \
		"$T/$origin.zone" "$T/keys/$ksk" "$T/keys/$zsk") >"$T/sign.out" 2>&1; then
		cat "$T/sign.out"
		fatal "dnssec-signzone -A failed for $origin"
	fi
}

# nsec3_hash NAME: NAME's NSEC3 hash (SHA-1, no salt, no extra iteration), upper case,
# by ldns-nsec3-hash.
nsec3_hash() {
	local h
	h=$(ldns-nsec3-hash -t 0 "$1") || fatal "ldns-nsec3-hash $1 failed"
	h=${h%.}
	echo "${h^^}"
}

declare -A KSK ZSK
sign nsec.test
sign nsec3.test -n -t 0
sign optout.test -n -t 0 -p
sign_bind $BZ
for n in child.$BZ $ISLAND a.b.deleg.$BZ b.deleg.$BZ deleg.$BZ; do
	grep -qi "^$(nsec3_hash "$n")\\.$BZ\\." "$T/$BZ.signed" &&
		fatal "dnssec-signzone -A gave $n an NSEC3 record (expected none: opt-out)"
done
grep -qi "^$(nsec3_hash "secure.$BZ")\\.$BZ\\." "$T/$BZ.signed" ||
	fatal "dnssec-signzone -A gave the secure delegation no NSEC3 record"
cat >"$T/$ISLAND.zone" <<EOF
\$ORIGIN $ISLAND.
\$TTL 300
@               IN SOA   ns hostmaster 1 3600 600 86400 60
@               IN NS    ns
ns              IN A     192.0.2.55
www             IN A     192.0.2.77
EOF
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
  - name: $BZ.
    file: $T/$BZ.signed
  - name: $ISLAND.
    file: $T/$ISLAND.zone
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

section "opt-out: a delegation without an NSEC3 of its own (dnssec-signzone -A)"
# covers OWNER NEXT HASH: the NSEC3 range from OWNER to NEXT holds HASH (RFC 5155 3.1.7;
# the last range wraps around to the first hash).
covers() {
	local LC_ALL=C
	if [[ $1 < $2 ]]; then
		[[ $1 < $3 && $3 < $2 ]]
	else
		[[ $1 < $3 || $3 < $2 ]]
	fi
}
# expect_optout_proof NEXT_CLOSER OTHERS: the last answer's authority section proves that
# the apex of BZ is the closest provable encloser (its NSEC3 matches) and that the next
# closer name NEXT_CLOSER is covered by an NSEC3 with the opt-out flag (RFC 5155 7.2.7
# and 8.9; one record when the apex's NSEC3 also covers it), each NSEC3 with its RRSIG,
# and OTHERS records besides; hashes from ldns-nsec3-hash.
expect_optout_proof() {
	local h_apex h_next line owner flag next apex_ok= cover_ok= bzq=${BZ//./\\.} n3=0 s3=0
	h_apex=$(nsec3_hash "$BZ.")
	h_next=$(nsec3_hash "$1")
	while IFS= read -r line; do
		[[ $line == *" IN RRSIG NSEC3 "* ]] && s3=$((s3 + 1))
		[[ $line =~ ^([0-9a-v]{32})\.$bzq\.\ [0-9]+\ IN\ NSEC3\ 1\ ([01])\ 0\ -\ ([0-9A-V]{32}) ]] || continue
		n3=$((n3 + 1))
		owner=${BASH_REMATCH[1]^^} flag=${BASH_REMATCH[2]} next=${BASH_REMATCH[3]}
		[ "$owner" = "$h_apex" ] && apex_ok=1
		[ "$flag" = 1 ] && covers "$owner" "$next" "$h_next" && cover_ok=1
	done <<<"$(r_section AUTHORITY)"
	if [ -n "$apex_ok" ]; then
		ok "$LAST_CMD: the NSEC3 of the closest provable encloser $BZ. ($h_apex)"
	else
		fail "$LAST_CMD: no NSEC3 matching $BZ. ($h_apex)"
		show_last
	fi
	if [ -n "$cover_ok" ]; then
		ok "$LAST_CMD: an opt-out NSEC3 covers the next closer name $1 ($h_next)"
	else
		fail "$LAST_CMD: no opt-out NSEC3 covering the next closer name $1 ($h_next)"
		show_last
	fi
	expect_eq "$LAST_CMD: RRSIGs over the NSEC3 records" "$n3" "$s3"
	expect_count AUTHORITY $((n3 + s3 + $2))
}
# Referrals: the NS RRset, no DS, the NSEC3 records of the proof and their RRSIGs.
q udp +dnssec host.child.$BZ A
expect_noflag aa
expect_rr AUTHORITY "^child\\.$BZ\\. 300 IN NS ns\\.child\\.$BZ\\.$"
expect_no_rr AUTHORITY " IN DS "
expect_optout_proof "child.$BZ." 1
q udp +dnssec x.a.b.deleg.$BZ A
expect_noflag aa
expect_rr AUTHORITY "^a\\.b\\.deleg\\.$BZ\\. 300 IN NS ns\\.deleg\\.example\\.$"
expect_optout_proof "deleg.$BZ." 1
# NODATA for the DS at such a delegation: the same proof, with the SOA (RFC 5155 7.2.4).
for n in child.$BZ a.b.deleg.$BZ; do
	q udp +dnssec $n DS
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 0
	expect_rr AUTHORITY "^$BZ\\. 60 IN SOA "
	if [ $n = child.$BZ ]; then
		expect_optout_proof "child.$BZ." 2
	else
		expect_optout_proof "deleg.$BZ." 2
	fi
done
# The empty non-terminal above a.b.deleg has no NSEC3 either: its NODATA is the same
# kind of proof.
q udp +dnssec b.deleg.$BZ A
expect_status NOERROR
expect_count ANSWER 0
expect_optout_proof "deleg.$BZ." 2

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

# Each zone's KSK DS as a trust anchor, a stub-zone to geosteerd for each (and for
# ISLAND: geosteerd serves it, its delegation's glue is no real server).
UB_STUBS="$ZONES $ISLAND"
UB_PROBE="ns1.nsec.test. A"
for z in $ZONES; do
	UB_ANCHORS+=" $T/$z.ds"
done

# insecure NAME TYPE STATUS: whether the answer rests on an NSEC3 with the opt-out flag
# covering the next closer name, and so is insecure by design (RFC 5155 9.2): in the
# opt-out zones (optout.test, bindoptout.test) NXDOMAIN and wildcard answers, and in
# bindoptout.test the DS (or any type) at or below a delegation without an NSEC3 and
# the names between it and the apex, and all of the unsigned child ISLAND.
insecure() {
	[[ $1 == *optout.test ]] || return 1
	[[ $3 == NXDOMAIN || $1 == *.wild.*optout.test ]] && return 0
	[[ $1 == child.$BZ || $1 == *deleg.$BZ || $1 == $ISLAND || $1 == *.$ISLAND ]]
}

# vq NAME TYPE STATUS [ANSWER-ERE]: asks unbound with DO=1; the answer must have STATUS,
# the AD flag (validated as secure) and, when given, a matching answer record. An
# insecure answer (see insecure) must come without AD, but come (a bogus one is
# SERVFAIL).
vq() {
	LAST_CMD="dig +rec +dnssec +time=5 +tries=1 @127.0.0.1 -p $UPORT $1 $2"
	dig +rec +dnssec +time=5 +tries=1 @127.0.0.1 -p "$UPORT" "$1" "$2" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
	expect_status "$3"
	if insecure "$1" "$2" "$3"; then
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

section "unbound: the opt-out delegations of $BZ are proven insecure, not bogus"
# ISLAND's DS is denied by the opt-out proof: unbound answers the child's data, without
# AD; a proof it did not accept would make every answer of the child SERVFAIL.
vq www.$ISLAND A NOERROR "^www\\.island\\.${BZ//./\\.}\\. [0-9]+ IN A 192\\.0\\.2\\.77$"
vq $ISLAND SOA NOERROR
vq $ISLAND DS NOERROR
expect_count ANSWER 0
vq a.b.deleg.$BZ DS NOERROR
expect_count ANSWER 0
vq b.deleg.$BZ A NOERROR
expect_count ANSWER 0
# Names that do not exist below those empty non-terminals: NXDOMAIN from the closest
# provable encloser (the apex), insecure as well.
vq x.deleg.$BZ A NXDOMAIN
vq x.b.deleg.$BZ A NXDOMAIN
ub_no_validation_failures
ub_stop

section "delv, with each zone's KSK as its trust anchor, fully validates an A record"
for z in $ZONES; do
	delv_anchor $z
	delv_expect $z "fully validated" www.$z A "^www\\.${z//./\\.}\\. [0-9]+ IN A 192\\.0\\.2\\.1$"
done

section "delv: the unsigned child below an opt-out delegation is an unsigned answer"
# delv, anchored at BZ, proves the child insecure from the opt-out denial of its DS:
# "unsigned answer" (a failed proof is "resolution failed" / "insecurity proof failed").
delv_expect $BZ "unsigned answer" www.$ISLAND A "^www\\.island\\.${BZ//./\\.}\\. [0-9]+ IN A 192\\.0\\.2\\.77$"
# The DS denial itself: delv accepts it (BIND counts an opt-out NODATA for a DS as
# validated; it is no failure either way).
for n in $ISLAND a.b.deleg.$BZ; do
	delv_expect $BZ "negative response, (fully validated|unsigned answer)" $n DS ""
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
