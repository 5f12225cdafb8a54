#!/bin/bash
# SPDX-License-Identifier: MIT
# dnssec-steer.sh -- steered answers in zones geosteer signs, checked by real validators.
# Two zones with a `dnssec:` block: sn.test (NSEC, a KSK and a ZSK, ECDSA P-256) and
# s3.test (NSEC3, one Ed25519 CSK), keys made with ldns-keygen when the test runs. Each
# holds steered names (the test map of ecs-lib.sh: North America -> us-east, Europe ->
# eu-central, the rest -> fallback; loopback sources 127.0.0.2 and 127.0.0.3 by the
# networks rule), a CNAME to a steered name, a wildcard and a delegation to an unsigned
# child. geosteerd is asked directly (the RRSIG of the set served, its original TTL,
# failover_ttl below it, NODATA proofs at steered names, geosteerctl explain naming the
# signature); then unbound, validating (subnetcache validator iterator, each zone's DS
# as a trust anchor, ECS forwarded), must set AD on: the apex SOA, NS and DNSKEY, a US and
# an EU answer, the answer while the preferred datacenter is forced down (failover_ttl),
# while one address of a datacenter is down, while every datacenter is down (fail open),
# in a datacenter too large to have every subset signed (two addresses down: the set
# up, signed after the change), a CNAME to a steered name,
# NXDOMAIN, NODATA (steered name and its empty parent), a wildcard, and the DS denial
# of the unsigned child, whose own data (geosteerd serves the child zone unsigned)
# comes back through unbound without AD. delv, with each zone's DS as its trust
# anchor, fully validates the US and EU answers (asked from the loopback sources the
# networks rule places) and calls the child's data an unsigned answer.
# Skipped (77) when ldns-keygen, unbound or delv is missing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"
. "$(dirname "$0")/unbound-lib.sh"

ub_require ldns-keygen ldns-key2ds delv
need_demo_mmdb
ZONES="sn.test s3.test"
US=8.8.8.0/24
EU=81.169.145.0/24
OTHER=200.160.0.0/20
BIG="203.0.113.10 203.0.113.11 203.0.113.12 203.0.113.13 203.0.113.14 203.0.113.15"

# ---------------------------------------------------------------- zones and keys

zone_text() {
	cat <<EOF
\$ORIGIN $1.
\$TTL 300
@        IN SOA  ns1 hostmaster 1 3600 600 86400 60
@        IN NS   ns1
ns1      IN A    127.0.0.1
www      IN TXT  "steered by geosteer"
alias    IN CNAME www
*.wild   IN A    192.0.2.9
child    IN NS   ns.child
ns.child IN A    192.0.2.53
EOF
}

mkdir -p "$T/keys"
declare -A KEYS
# sn.test: KSK + ZSK, ECDSA P-256; s3.test: one Ed25519 CSK.
ksk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k sn.test.) || fatal "ldns-keygen failed"
zsk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 sn.test.) || fatal "ldns-keygen failed"
KEYS[sn.test]="$T/keys/$ksk, $T/keys/$zsk"
cp "$T/keys/$ksk.ds" "$T/sn.test.ds"
csk=$(cd "$T/keys" && ldns-keygen -a ED25519 -k s3.test.) || fatal "ldns-keygen failed"
KEYS[s3.test]="$T/keys/$csk"
cp "$T/keys/$csk.ds" "$T/s3.test.ds"
for z in $ZONES; do
	zone_text "$z" >"$T/$z.zone"
	# The unsigned child, served by geosteerd too, so that a validator reaches it.
	cat >"$T/child.$z.zone" <<EOF
\$ORIGIN child.$z.
\$TTL 300
@   IN SOA ns hostmaster 1 3600 600 86400 60
@   IN NS  ns
ns  IN A   192.0.2.53
www IN A   192.0.2.77
EOF
done

names() {
	local n out=
	for n in "$@"; do
		for z in $ZONES; do
			out+="${out:+, }$n.$z."
		done
	done
	echo "$out"
}

gs_start <<EOF
$(zones_yaml)
  - name: sn.test.
    file: $T/sn.test.zone
    dnssec:
      keys: [${KEYS[sn.test]}]
      denial: nsec
  - name: s3.test.
    file: $T/s3.test.zone
    dnssec:
      keys: [${KEYS[s3.test]}]
      denial: nsec3
  - name: child.sn.test.
    file: $T/child.sn.test.zone
  - name: child.s3.test.
    file: $T/child.s3.test.zone
geoip:
  database: $DEMO_MMDB
  client_subnet: true
maps:
  steer:
    default: [fallback, eu-central, us-east]
    continents: {NA: [us-east, eu-central], EU: [eu-central, us-east]}
    networks: {127.0.0.2/32: [us-east], 127.0.0.3/32: [eu-central]}
services:
  www:
    names: [$(names www fail sub open)]
    map: steer
    ttl: 60
    failover_ttl: 20
    datacenters:
      us-east: [192.0.2.10, "2001:db8:1::10"]
      eu-central: [198.51.100.10, 198.51.100.11, "2001:db8:2::10"]
      fallback: [$(echo $BIG | sed 's/ /, /g')]
  many:
    names: [$(names many)]
    map: steer
    ttl: 60
    failover_ttl: 20
    datacenters:
      us-east: [192.0.2.10]
      eu-central: [198.51.100.10]
      fallback: [$(echo $BIG | sed 's/ /, /g')]
  v4:
    names: [$(names v4)]
    map: steer
    ttl: 30
    failover_ttl: 10
    datacenters:
      us-east: [192.0.2.11]
      eu-central: [198.51.100.11]
      fallback: [203.0.113.11]
EOF

# force WHAT STATE: geosteerctl force.
force() {
	ctl_capture -s "$T/control.sock" force "$1" "$2"
	[ "$C_RC" = 0 ] || fatal "$LAST_CMD failed: $C_OUT $C_ERR"
}

# sdq NAME TYPE SUBNET|-: geosteerd directly, DO=1, with an ECS option for SUBNET.
sdq() {
	local extra=(+dnssec +norec +time=2 +tries=1)
	[ "$3" = - ] || extra+=("+subnet=$3")
	LAST_CMD="dig ${extra[*]} @127.0.0.1 -p $PORT $1 $2"
	dig "${extra[@]}" @127.0.0.1 -p "$PORT" "$1" "$2" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
	r_ecs
}

# ---------------------------------------------------------------- geosteerd directly

section "DO=1: a steered set carries the RRSIG made for it (original TTL = ttl)"
for z in $ZONES; do
	zq=${z//./\\.}
	sdq www.$z A $US
	expect_status NOERROR
	expect_flag aa
	expect_count ANSWER 2
	expect_rr ANSWER "^www\\.$zq\\. 60 IN A 192\\.0\\.2\\.10$"
	expect_rr ANSWER "^www\\.$zq\\. 60 IN RRSIG A 1[35] 3 60 [0-9]{14} [0-9]{14} [0-9]+ $zq\\. "
	expect_scope 24
	sdq www.$z AAAA $EU
	expect_rr ANSWER "^www\\.$zq\\. 60 IN AAAA 2001:db8:2::10$"
	expect_rr ANSWER "^www\\.$zq\\. 60 IN RRSIG AAAA 1[35] 3 60 "
	sdq www.$z A $EU
	expect_count ANSWER 3
	expect_rr ANSWER "^www\\.$zq\\. 60 IN RRSIG A 1[35] 3 60 "
	q udp +subnet=$US www.$z A
	expect_count ANSWER 1
	expect_no_rr ANSWER RRSIG
done

section "NODATA at a steered name and its parent: SOA, RRSIG and the NSEC/NSEC3 proof"
for z in $ZONES; do
	zq=${z//./\\.}
	sdq v4.$z AAAA $US
	expect_status NOERROR
	expect_count ANSWER 0
	expect_rr AUTHORITY "^$zq\\. 60 IN RRSIG SOA "
	if [ $z = sn.test ]; then
		expect_rr AUTHORITY "^v4\\.$zq\\. 60 IN NSEC [a-z0-9.*]+ A RRSIG NSEC$"
	else
		expect_rr AUTHORITY "^[0-9a-v]{32}\\.$zq\\. 60 IN NSEC3 1 0 0 - [0-9A-V]{32} A RRSIG$"
	fi
	sdq v4.$z TXT -
	expect_count ANSWER 0
	expect_rr AUTHORITY " IN NSEC3? "
	sdq www.$z MX -
	expect_count ANSWER 0
	if [ $z = sn.test ]; then
		expect_rr AUTHORITY "^www\\.$zq\\. 60 IN NSEC [a-z0-9.*]+ A TXT AAAA RRSIG NSEC$"
	else
		expect_rr AUTHORITY "^[0-9a-v]{32}\\.$zq\\. 60 IN NSEC3 1 0 0 - [0-9A-V]{32} A TXT AAAA RRSIG$"
	fi
	sdq below.v4.$z A -
	expect_status NXDOMAIN
done

section "explain names the signature of a steered answer"
explain www.sn.test A 127.0.0.1 $US
explain_ok
if [[ ${X[signature]:-} =~ ^RRSIG\ A\ algorithm\ 13\ key\ tag\ [0-9]+,\ inception\ [0-9]{14},\ expiration\ [0-9]{14},\ original\ TTL\ 60:\ made\ at\ load\ for\ exactly\ the\ 1\ served\ address$ ]]; then
	ok "$X_CMD: signature: ${X[signature]}"
else
	fail "$X_CMD: no or a wrong signature line:"
	printf '%s\n' "$X_OUT" | sed 's/^/    | /'
fi

# ---------------------------------------------------------------- unbound validates

# A validating unbound with the subnet cache in front (ECS forwarded), each zone's DS
# as a trust anchor and a stub-zone to geosteerd (the unsigned children too: their
# delegation's glue is no real server).
UB_MODULES="subnetcache validator iterator"
UB_ECS=1
UB_STUBS="$ZONES child.sn.test child.s3.test"
UB_PROBE="ns1.sn.test. A"
for z in $ZONES; do
	UB_ANCHORS+=" $T/$z.ds"
done

# vq NAME TYPE SUBNET|- STATUS [ANSWER-ERE...]: asks unbound (RD, DO=1, an ECS option for
# SUBNET); the answer must have STATUS, the AD flag and every ANSWER-ERE.
vq() {
	local name=$1 type=$2 subnet=$3 status=$4 extra=(+rec +dnssec +time=5 +tries=1)
	shift 4
	[ "$subnet" = - ] || extra+=("+subnet=$subnet")
	LAST_CMD="dig ${extra[*]} @127.0.0.1 -p $UPORT $name $type"
	dig "${extra[@]}" @127.0.0.1 -p "$UPORT" "$name" "$type" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
	expect_status "$status"
	expect_flag ad
	local ere
	for ere in "$@"; do
		expect_rr ANSWER "$ere"
	done
}

# addrs_in_answer NAME: the A addresses of NAME in the last answer, sorted, one line.
addrs_in_answer() {
	local line out=()
	while IFS= read -r line; do
		[[ $line =~ ^${1//./\\.}\.\ [0-9]+\ IN\ A\ ([0-9.]+)$ ]] && out+=("${BASH_REMATCH[1]}")
	done <<<"$(r_section ANSWER)"
	printf '%s\n' "${out[@]}" | sort | tr '\n' ' '
}

ub_start

section "unbound validates apex, steered, CNAME, negative, wildcard and referral answers"
for z in $ZONES; do
	zq=${z//./\\.}
	vq $z SOA - NOERROR "^$zq\\. [0-9]+ IN SOA "
	vq $z NS - NOERROR "^$zq\\. [0-9]+ IN NS ns1\\.$zq\\.$"
	vq $z DNSKEY - NOERROR "^$zq\\. [0-9]+ IN DNSKEY 257 3 1[35] "
	vq www.$z A $US NOERROR "^www\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.10$"
	vq www.$z AAAA $US NOERROR "^www\\.$zq\\. [0-9]+ IN AAAA 2001:db8:1::10$"
	vq www.$z A $EU NOERROR "^www\\.$zq\\. [0-9]+ IN A 198\\.51\\.100\\.10$" \
		"^www\\.$zq\\. [0-9]+ IN A 198\\.51\\.100\\.11$"
	vq www.$z AAAA $EU NOERROR "^www\\.$zq\\. [0-9]+ IN AAAA 2001:db8:2::10$"
	vq alias.$z A $US NOERROR "^alias\\.$zq\\. [0-9]+ IN CNAME www\\.$zq\\.$" \
		"^www\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.10$"
	vq alias.$z AAAA $EU NOERROR "^www\\.$zq\\. [0-9]+ IN AAAA 2001:db8:2::10$"
	vq www.$z TXT - NOERROR "^www\\.$zq\\. [0-9]+ IN TXT \"steered by geosteer\"$"
	vq nothere.$z A - NXDOMAIN
	vq below.www.$z A - NXDOMAIN
	vq v4.$z AAAA $US NOERROR
	expect_count ANSWER 0
	vq v4.$z TXT - NOERROR
	expect_count ANSWER 0
	vq www.$z MX - NOERROR
	expect_count ANSWER 0
	vq x.wild.$z A - NOERROR "^x\\.wild\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.9$"
	vq child.$z DS - NOERROR
	expect_count ANSWER 0
	if [ $z = sn.test ]; then
		vq many.$z A $OTHER NOERROR
		expect_eq "many.$z from $OTHER: every address of fallback" "$BIG " \
			"$(addrs_in_answer many.$z)"
	fi
done

section "the unsigned child: its DS denial accepted, its data insecure (no AD), not bogus"
for z in $ZONES; do
	zq=${z//./\\.}
	LAST_CMD="dig +rec +dnssec +time=5 +tries=1 @127.0.0.1 -p $UPORT www.child.$z A"
	dig +rec +dnssec +time=5 +tries=1 @127.0.0.1 -p "$UPORT" www.child.$z A >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
	expect_status NOERROR
	expect_noflag ad
	expect_rr ANSWER "^www\\.child\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.77$"
done

force 198.51.100.11 down
for z in $ZONES; do
	zq=${z//./\\.}
	vq sub.$z A $EU NOERROR "^sub\\.$zq\\. [0-9]+ IN A 198\\.51\\.100\\.10$"
	expect_count ANSWER 2
done

section "a datacenter too large for every subset: two addresses down, the set up signed after"
force 203.0.113.10 down
force 203.0.113.11 down
# many_signed ZONE: the direct answer is the 4 addresses up with their RRSIG.
many_signed() {
	sdq many.$1 A $OTHER
	[ "$(r_count ANSWER)" = 5 ] && r_section ANSWER | grep -q ' IN RRSIG A '
}
for z in $ZONES; do
	if wait_until 5 many_signed $z; then
		ok "many.$z: the 4 addresses up with their RRSIG"
	else
		fail "many.$z: not the 4 addresses up with an RRSIG within 5 s"
		show_last
	fi
	expect_eq "many.$z from $OTHER: the addresses up" \
		"203.0.113.12 203.0.113.13 203.0.113.14 203.0.113.15 " "$(addrs_in_answer many.$z)"
	ctl_capture -s "$T/control.sock" explain many.$z A --client 127.0.0.1 --subnet $OTHER
	expect_rc 0
	expect_text out "^signature: +RRSIG A algorithm 1[35] key tag [0-9]+, .*: made after the health change for exactly the 4 served addresses$"
done
vq many.s3.test A $OTHER NOERROR "^many\\.s3\\.test\\. [0-9]+ IN A 203\\.0\\.113\\.1[2-5]$"
expect_count ANSWER 5
force 203.0.113.10 auto
force 203.0.113.11 auto

section "preferred datacenter forced down: failover_ttl, still validated"
force us-east down
for z in $ZONES; do
	zq=${z//./\\.}
	sdq fail.$z A $US
	expect_rr ANSWER "^fail\\.$zq\\. 20 IN A 198\\.51\\.100\\.10$"
	expect_rr ANSWER "^fail\\.$zq\\. 20 IN RRSIG A 1[35] 3 60 "
	vq fail.$z A $US NOERROR "^fail\\.$zq\\. (20|1[0-9]|[0-9]) IN A 198\\.51\\.100\\.10$"
done

section "every datacenter down: fail open, still validated"
force eu-central down
force fallback down
for z in $ZONES; do
	zq=${z//./\\.}
	vq open.$z A $EU NOERROR "^open\\.$zq\\. (20|1[0-9]|[0-9]) IN A 198\\.51\\.100\\.11$"
	expect_count ANSWER 3
done
for dc in us-east eu-central fallback; do
	force $dc auto
done
force 198.51.100.11 auto

ub_no_validation_failures
ub_stop

section "delv fully validates the US and EU answers (sources placed by the networks rule)"
for z in $ZONES; do
	zq=${z//./\\.}
	delv_anchor $z
	delv_expect $z "fully validated" www.$z A "^www\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.10$" -b 127.0.0.2
	delv_expect $z "fully validated" www.$z A "^www\\.$zq\\. [0-9]+ IN A 198\\.51\\.100\\.10$" -b 127.0.0.3
	# The unsigned child: delv proves it insecure from the parent's DS denial.
	delv_expect $z "unsigned answer" www.child.$z A "^www\\.child\\.$zq\\. [0-9]+ IN A 192\\.0\\.2\\.77$"
done

finish
