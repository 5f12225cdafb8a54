#!/bin/bash
# SPDX-License-Identifier: MIT
# dnssec-sign.sh -- geosteer signs a zone at load (a `dnssec:` block). Keys are made
# now with ldns-keygen in the test's folder (none is committed). For NSEC and NSEC3,
# ECDSA P-256 and Ed25519, KSK+ZSK and a CSK, the zone as loaded is printed by
# bench/zone-dump and checked by two independent verifiers, ldns-verify-zone and
# kzonecheck, which must find nothing wrong (and do find a record changed after
# signing). What the signed zone holds is asserted too: DNSKEY, CDS (the DS ldns-key2ds
# makes) and CDNSKEY, NSEC3PARAM 1 0 0 -, the steered names in the denial chain with
# the address types their services have, no signature over glue or delegation NS, a
# signed DS, who signs what, the signature lifetime. Bad keys are --check errors at the
# key's line of the configuration; a reload with a broken key keeps the old zone. A
# steered answer whose RRSIGs do not fit in the client's UDP size is truncated (TC=1,
# no records) and complete over TCP.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

DUMP="$top_builddir/bench/zone-dump"
[ -x "$DUMP" ] || fatal "$DUMP is not built (make check builds it)"
for tool in ldns-keygen:ldnsutils ldns-verify-zone:ldnsutils ldns-key2ds:ldnsutils \
	kzonecheck:knot-dnssecutils; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		fatal "${tool%%:*} not found: apt-get install ${tool##*:} (scripts/deps.sh)"
done

# The zone: the system tests' main fixture, plus a DS at a delegation, a TXT at a
# steered name and data below a delegation that must stay unsigned.
cp "$DATA/a.test.zone" "$T/a.test.zone"
cat >>"$T/a.test.zone" <<'EOF'
deleg           IN DS    12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
geo             IN TXT   "steered, and a TXT of its own"
EOF

section "keys made with ldns-keygen"
mkdir -p "$T/keys"
keygen() { (cd "$T/keys" && ldns-keygen "$@" a.test); }
E_KSK=$(keygen -a ECDSAP256SHA256 -k) && E_ZSK=$(keygen -a ECDSAP256SHA256) &&
	D_KSK=$(keygen -a ED25519 -k) && D_ZSK=$(keygen -a ED25519) ||
	fatal "ldns-keygen failed"
tag() { echo "${1##*+}" | sed 's/^0*//'; }
ok "keys $E_KSK $E_ZSK $D_KSK $D_ZSK"

# config NAME DENIAL KEY...: a configuration with a.test signed by the keys, and
# services steering names in it (one with both families, one IPv4 only).
config() {
	local name=$1 denial=$2 keys="" k
	shift 2
	for k in "$@"; do keys="$keys${keys:+, }keys/$k"; done
	cat >"$T/$name.yaml" <<EOF
listen: ["127.0.0.1:53"]
zones:
  - name: a.test.
    file: a.test.zone
    dnssec:
      keys: [$keys]
      denial: $denial
      signature_validity: 3d
  - name: sub.a.test.
    file: $DATA/sub.a.test.zone
maps:
  m: {default: [one, two]}
services:
  geo:
    names: [geo.a.test., steer.deep.new.a.test., in.sub.a.test.]
    map: m
    ttl: 60
    datacenters:
      one: [192.0.2.10]
      two: ["2001:db8::10"]
  v4:
    names: [v4only.a.test.]
    map: m
    ttl: 30
    datacenters:
      one: [192.0.2.11]
      two: [192.0.2.12]
EOF
}

# verify FILE LABEL: both verifiers accept the zone file.
verify() {
	local out
	if out=$(ldns-verify-zone "$1" 2>&1) && [[ $out == *"Zone is verified and complete"* ]]; then
		ok "$2: ldns-verify-zone finds nothing wrong"
	else
		fail "$2: ldns-verify-zone: $out"
	fi
	if out=$(kzonecheck -o a.test. -d on "$1" 2>&1); then
		ok "$2: kzonecheck finds nothing wrong"
	else
		fail "$2: kzonecheck: $out"
	fi
}

START=$(date +%s)
for denial in nsec nsec3; do
	for set in "ecdsa-split $E_KSK $E_ZSK" "ecdsa-csk $E_KSK" "ed25519-split $D_KSK $D_ZSK" \
		"ed25519-csk $D_KSK"; do
		read -r label k1 k2 <<<"$set"
		section "$denial, $label"
		# shellcheck disable=SC2086
		config "$label-$denial" "$denial" $k1 $k2
		if "$DUMP" -c "$T/$label-$denial.yaml" a.test. >"$T/$label-$denial.zone" 2>"$T/dump.err"; then
			ok "zone-dump signs a.test ($(wc -l <"$T/$label-$denial.zone") records)"
		else
			fail "zone-dump: $(cat "$T/dump.err")"
			continue
		fi
		verify "$T/$label-$denial.zone" "$denial $label"
	done
done
END=$(date +%s)

section "a configured key the zone file publishes too is one DNSKEY"
cp "$T/a.test.zone" "$T/a.test.zone.orig"
grep -v '^;' "$T/keys/$E_ZSK.key" >>"$T/a.test.zone"
config "published" nsec "$E_KSK" "$E_ZSK"
if "$DUMP" -c "$T/published.yaml" a.test. >"$T/published.zone" 2>"$T/dump.err"; then
	expect_eq "DNSKEY records at the apex (KSK and ZSK, the ZSK also in the file)" 2 \
		"$(awk '$1 == "a.test." && $4 == "DNSKEY"' "$T/published.zone" | wc -l)"
	verify "$T/published.zone" "ZSK published in the file"
else
	fail "zone-dump: $(cat "$T/dump.err")"
fi
mv "$T/a.test.zone.orig" "$T/a.test.zone"

section "the verifiers notice a record changed after signing"
sed 's/^\(mail\.a\.test\.\t[0-9]*\tIN\tA\t\)192\.0\.2\.25$/\1192.0.2.26/' \
	"$T/ecdsa-split-nsec3.zone" >"$T/tampered.zone"
cmp -s "$T/ecdsa-split-nsec3.zone" "$T/tampered.zone" && fail "the sed changed nothing"
ldns-verify-zone "$T/tampered.zone" >/dev/null 2>&1 && fail "ldns-verify-zone accepts a changed A" ||
	ok "ldns-verify-zone refuses a changed A"
kzonecheck -o a.test. -d on "$T/tampered.zone" >/dev/null 2>&1 && fail "kzonecheck accepts a changed A" ||
	ok "kzonecheck refuses a changed A"

section "what the signed zone holds (nsec3, ECDSA KSK + ZSK)"
Z=$(tr -s '\t ' '  ' <"$T/ecdsa-split-nsec3.zone")
has() {
	if grep -Eq "$1" <<<"$Z"; then ok "has /$1/"; else fail "expected a line matching /$1/"; fi
}
hasnt() {
	if grep -Eq "$1" <<<"$Z"; then
		fail "expected no line matching /$1/, found: $(grep -E "$1" <<<"$Z" | head -3)"
	else
		ok "has no /$1/"
	fi
}
count() {
	local n
	n=$(grep -Ec "$2" <<<"$Z")
	expect_eq "lines matching /$2/" "$1" "$n"
}
KT=$(tag "$E_KSK") ZT=$(tag "$E_ZSK")
count 2 '^a\.test\. [0-9]+ IN DNSKEY '
has "^a\\.test\\. 3600 IN DNSKEY 257 3 13 "
has "^a\\.test\\. 3600 IN DNSKEY 256 3 13 "
count 1 '^a\.test\. [0-9]+ IN CDNSKEY 257 3 13 '
count 1 '^a\.test\. [0-9]+ IN CDS '
DS=$(ldns-key2ds -n -2 "$T/keys/$E_KSK.key" | tr -s '\t ' '  ' | sed 's/.* DS //')
has "^a\\.test\\. 3600 IN CDS ${DS,,}\$"
has '^a\.test\. 300 IN NSEC3PARAM 1 0 0 - ?$'
count 0 '^[^ ]+ [0-9]+ IN NSEC3 [^1]|IN NSEC3 1 [^0]|IN NSEC3 1 0 [^0]'
# Who signs what: the ZSK the data, the KSK only the key RRsets.
has "^a\\.test\\. 3600 IN RRSIG SOA 13 2 3600 [0-9]+ [0-9]+ $ZT a\\.test\\. "
hasnt "IN RRSIG SOA 13 2 3600 [0-9]+ [0-9]+ $KT "
has "^a\\.test\\. 3600 IN RRSIG DNSKEY 13 2 3600 [0-9]+ [0-9]+ $KT a\\.test\\. "
hasnt "IN RRSIG DNSKEY 13 2 3600 [0-9]+ [0-9]+ $ZT "
has "^a\\.test\\. 3600 IN RRSIG CDS 13 2 3600 [0-9]+ [0-9]+ $KT "
# Delegations: DS signed; NS and glue not; nothing below the cut in the chain.
has '^deleg\.a\.test\. 3600 IN RRSIG DS '
hasnt '^deleg\.a\.test\. [0-9]+ IN RRSIG NS '
hasnt '^ns\.deleg\.a\.test\. [0-9]+ IN RRSIG '
hasnt '^ns1\.sub\.a\.test\. [0-9]+ IN RRSIG '
# RFC 4034 section 3.1.3: the labels field does not count the wildcard's "*".
has '^\*\.wild\.a\.test\. 3600 IN RRSIG A 13 3 '
# Every NSEC3 of the chain is signed, and there is one per name (51 of them here:
# the zone's names, its empty non-terminals, delegations, the steered names).
N3=$(grep -c ' IN NSEC3 ' <<<"$Z")
expect_eq "one RRSIG per NSEC3" "$N3" "$(grep -c ' IN RRSIG NSEC3 ' <<<"$Z")"
# The signature lifetime: from an hour before signing to 3 days after.
read -r exp inc <<<"$(grep -E '^a\.test\. 3600 IN RRSIG SOA ' <<<"$Z" | cut -d' ' -f9,10)"
exp_s=$(date -u -d "${exp:0:8} ${exp:8:2}:${exp:10:2}:${exp:12:2}" +%s)
inc_s=$(date -u -d "${inc:0:8} ${inc:8:2}:${inc:10:2}:${inc:12:2}" +%s)
expect_eq "expiration - inception (3d + 1h)" $((3 * 86400 + 3600)) $((exp_s - inc_s))
if [ "$inc_s" -ge $((START - 3600)) ] && [ "$inc_s" -le $((END - 3600)) ]; then
	ok "inception is an hour before signing"
else
	fail "inception $inc_s is not an hour before the signing ($START..$END)"
fi

section "steered names in the denial chain (nsec, Ed25519 CSK)"
Z=$(tr -s '\t ' '  ' <"$T/ed25519-csk-nsec.zone")
has '^geo\.a\.test\. 300 IN NSEC [^ ]+ A TXT AAAA RRSIG NSEC ?$'
has '^v4only\.a\.test\. 300 IN NSEC [^ ]+ A RRSIG NSEC ?$'
has '^steer\.deep\.new\.a\.test\. 300 IN NSEC [^ ]+ A AAAA RRSIG NSEC ?$'
# The delegation's NSEC: NS, DS and the NSEC's own RRSIG; not the glue's A.
has '^deleg\.a\.test\. 300 IN NSEC [^ ]+ NS DS RRSIG NSEC ?$'
has '^sub\.a\.test\. 300 IN NSEC [^ ]+ NS RRSIG NSEC ?$'
# A name of the child zone sub.a.test is not in the parent's chain.
hasnt '^in\.sub\.a\.test\. '
# A CSK signs everything.
has "^a\\.test\\. 3600 IN RRSIG SOA 15 2 3600 [0-9]+ [0-9]+ $(tag "$D_KSK") "
has "^a\\.test\\. 3600 IN RRSIG DNSKEY 15 2 3600 [0-9]+ [0-9]+ $(tag "$D_KSK") "

section "bad keys: --check errors at the key's line"
cp "$T/keys/$E_KSK.key" "$T/keys/Kmix.key"
cp "$T/keys/$E_ZSK.private" "$T/keys/Kmix.private"
(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k other.test >"$T/other.name") || fatal "keygen"
OTHER=$(cat "$T/other.name")
(cd "$T/keys" && ldns-keygen -a RSASHA1 -b 1024 a.test >"$T/sha1.name") || fatal "keygen"
SHA1=$(cat "$T/sha1.name")
printf 'a.test. 3600 IN A 192.0.2.1\n' >"$T/keys/Kjunk.key"
cp "$T/keys/$E_ZSK.private" "$T/keys/Kjunk.private"
cat >"$T/bad.yaml" <<EOF
zones:
  - name: a.test.
    file: a.test.zone
    dnssec:
      keys:
        - keys/Knone
        - keys/Kmix
        - keys/$SHA1
        - keys/$OTHER
        - keys/Kjunk
  - name: b.test.
    file: $DATA/b.test.zone
    dnssec:
      keys: [keys/$E_KSK]
  - name: sub.a.test.
    file: $DATA/sub.a.test.zone
    dnssec:
      keys:
        - keys/$E_ZSK
EOF
"$GSD" -c "$T/bad.yaml" --check >"$T/check.out" 2>&1
RC=$?
expect_eq "--check exit status" 1 "$RC"
K="$T/keys"
cat >"$T/check.want" <<EOF
$T/bad.yaml:6: dnssec key: cannot open $K/Knone.key: No such file or directory
$T/bad.yaml:7: dnssec key: $K/Kmix.key and $K/Kmix.private are not one key pair (the private key does not belong to the public key with tag $KT)
$T/bad.yaml:8: dnssec key: $K/$SHA1.key is of algorithm 5, which geosteer does not sign with (supported: 8 RSASHA256, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519, 16 ED448)
$T/bad.yaml:9: dnssec key: $K/$OTHER.key is a key of other.test., not of the zone a.test.
$T/bad.yaml:10: dnssec key: $K/Kjunk.key holds a record that is not a DNSKEY
$T/bad.yaml:14: dnssec key: $K/$E_KSK.key is a key of a.test., not of the zone b.test.
$T/bad.yaml:19: dnssec key: $K/$E_ZSK.key is a key of a.test., not of the zone sub.a.test.
EOF
if diff "$T/check.want" "$T/check.out" >"$T/check.diff"; then
	ok "--check reports each bad key at its line"
else
	fail "--check output differs:"
	sed 's/^/    | /' "$T/check.diff"
fi

# The roles: a KSK without a ZSK of its algorithm; only ZSKs.
cat >"$T/roles.yaml" <<EOF
zones:
  - name: a.test.
    file: a.test.zone
    dnssec:
      keys: [keys/$E_KSK, keys/$D_ZSK]
  - name: b.test.
    file: $DATA/b.test.zone
    dnssec: {keys: [keys/$E_ZSK]}
EOF
"$GSD" -c "$T/roles.yaml" --check >"$T/check.out" 2>&1
cat >"$T/check.want" <<EOF
$T/roles.yaml:5: dnssec key: $K/$E_KSK.key is a KSK (flags 257) of algorithm 13 without a ZSK (flags 256) of that algorithm: add one, or list only keys with flags 257 to use them as CSKs
$T/roles.yaml:5: dnssec key: $K/$D_ZSK.key is a ZSK (flags 256) of algorithm 15 without a KSK (flags 257) of that algorithm
$T/roles.yaml:8: dnssec key: $K/$E_ZSK.key is a key of a.test., not of the zone b.test.
EOF
if diff "$T/check.want" "$T/check.out" >"$T/check.diff"; then
	ok "--check reports a KSK without a ZSK and a ZSK without a KSK"
else
	fail "--check output differs:"
	sed 's/^/    | /' "$T/check.diff"
fi
printf 'zones:\n  - name: a.test.\n    file: a.test.zone\n    dnssec:\n      keys: [keys/%s]\n' \
	"$E_ZSK" >"$T/zsk.yaml"
"$GSD" -c "$T/zsk.yaml" --check >"$T/check.out" 2>&1
echo "$T/zsk.yaml:5: dnssec: no key has flags 257: a zone needs a KSK (with a ZSK) or a CSK, whose DS the parent zone publishes (ldns-keygen -k makes one)" >"$T/check.want"
diff "$T/check.want" "$T/check.out" >"$T/check.diff" && ok "--check refuses ZSKs alone" ||
	{ fail "--check output differs:"; sed 's/^/    | /' "$T/check.diff"; }

# A zone file signed already cannot be signed again: its RRSIG and NSEC3PARAM records
# are refused at their lines.
cp "$T/a.test.zone" "$T/presigned.zone"
tr -s '\t ' '  ' <"$T/ecdsa-split-nsec3.zone" | grep -m1 ' IN RRSIG ' >>"$T/presigned.zone"
tr -s '\t ' '  ' <"$T/ecdsa-split-nsec3.zone" | grep -m1 ' IN NSEC3PARAM ' >>"$T/presigned.zone"
L=$(wc -l <"$T/presigned.zone")
sed "s|file: a.test.zone|file: presigned.zone|" "$T/ecdsa-split-nsec3.yaml" >"$T/presigned.yaml"
"$GSD" -c "$T/presigned.yaml" --check >"$T/check.out" 2>&1
RC=$?
expect_eq "--check exit status (pre-signed file)" 1 "$RC"
for want in "$((L - 1)): RRSIG" "$L: NSEC3PARAM"; do
	if grep -q "^$T/presigned.zone:$want record in a zone that geosteer signs (dnssec: in the configuration)" "$T/check.out"; then
		ok "the file's ${want#*: } is refused at its line"
	else
		fail "expected $T/presigned.zone:$want record ...; got: $(cat "$T/check.out")"
	fi
done

section "the daemon serves the signed zone; a reload with a broken key keeps it"
mkdir -p "$T/live"
cp "$T/keys/$E_KSK".* "$T/keys/$E_ZSK".* "$T/live/"
gs_start <<EOF
zones:
  - name: a.test.
    file: $T/a.test.zone
    dnssec:
      keys: [live/$E_KSK, live/$E_ZSK]
EOF
q udp a.test. DNSKEY
expect_status NOERROR
expect_count ANSWER 2
expect_rr ANSWER "^a\\.test\\. 3600 IN DNSKEY 257 3 13 "
q tcp +nosplit a.test. CDS
expect_rr ANSWER "^a\\.test\\. 3600 IN CDS ${DS^^}\$"
if [ "$GS_CONTROL_OK" = yes ]; then
	# The ZSK's private half replaced by another key's: the pair no longer matches.
	cp "$T/keys/$D_ZSK.private" "$T/live/$E_ZSK.private"
	ctl_capture -s "$T/control.sock" reload
	expect_rc 1
	re=$(sed 's/[.+]/\\&/g' <<<"$T/live/$E_ZSK")
	expect_text err "^$CFG:8: dnssec key: $re\\.key and $re\\.private are not one key pair"
	expect_text err "still serving generation 1"
	q udp a.test. DNSKEY
	expect_count ANSWER 2
	expect_rr ANSWER "^a\\.test\\. 3600 IN DNSKEY 256 3 13 "
	cp "$T/keys/$E_ZSK.private" "$T/live/$E_ZSK.private"
	ctl_capture -s "$T/control.sock" reload
	expect_rc 0
else
	fail "this build has no control socket: the reload case was not run"
fi
gs_stop

section "a steered answer too large for UDP with its RRSIGs: TC=1, complete over TCP"
# 16 AAAA addresses (about 490 bytes of answer) fit in 512 bytes alone; the RRSIGs of
# two ZSKs (ECDSA P-256 and Ed25519, each with its KSK) do not.
wide=
for i in $(seq 1 16); do wide="$wide${wide:+, }\"2001:db8:77::$i\""; done
gs_start <<EOF
zones:
  - name: a.test.
    file: $T/a.test.zone
    dnssec:
      keys: [live/$E_KSK, live/$E_ZSK, $T/keys/$D_KSK, $T/keys/$D_ZSK]
maps:
  m: {default: [one]}
services:
  wide:
    names: [wide.a.test.]
    map: m
    ttl: 60
    datacenters:
      one: [$wide]
EOF
q udp +bufsize=512 +ignore wide.a.test. AAAA
expect_noflag tc
expect_count ANSWER 16
q udp +dnssec +bufsize=512 +ignore wide.a.test. AAAA
expect_flag tc
expect_count ANSWER 0
q udp +dnssec +bufsize=512 +ignore +subnet=8.8.8.0/24 wide.a.test. AAAA
expect_flag tc
expect_count ANSWER 0
q tcp +dnssec wide.a.test. AAAA
expect_noflag tc
expect_count ANSWER 18
expect_rr ANSWER "^wide\\.a\\.test\\. 60 IN RRSIG AAAA 13 3 60 [0-9]+ [0-9]+ $(tag "$E_ZSK") "
expect_rr ANSWER "^wide\\.a\\.test\\. 60 IN RRSIG AAAA 15 3 60 [0-9]+ [0-9]+ $(tag "$D_ZSK") "
# The same over UDP when the client allows enough.
q udp +dnssec +bufsize=1232 wide.a.test. AAAA
expect_noflag tc
expect_count ANSWER 18
finish
