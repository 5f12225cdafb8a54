#!/bin/bash
# SPDX-License-Identifier: MIT
# dnssec-steer-big.sh -- a failover inside a datacenter of 8 addresses in a zone geosteer
# signs: geosteerd signs at load only the full set, the sets with one address less and
# the single addresses; with two addresses forced down, the signer thread signs the set
# of 6 that is up. Measures the time from the second `geosteerctl force` returning to
# the first DO=1 answer with exactly the 6 addresses and their RRSIG (deadline 5 s, the
# figure is printed), requires the signing itself to take under 50 ms (geosteerd's log),
# that every answer meanwhile is a signed set of up addresses, and that delv (the
# zone's DS as trust anchor) fully validates the 6-address answer. Skipped (77) when
# ldns-keygen or delv is missing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

for tool in ldns-keygen delv; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (apt-get install ldnsutils bind9-dnsutils)"
		exit 77
	fi
done
Z=big.test
ADDRS="203.0.113.1 203.0.113.2 203.0.113.3 203.0.113.4 203.0.113.5 203.0.113.6 203.0.113.7 203.0.113.8"
UP6="203.0.113.1 203.0.113.2 203.0.113.3 203.0.113.4 203.0.113.5 203.0.113.6 "

mkdir -p "$T/keys"
ksk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 -k $Z.) || fatal "ldns-keygen failed"
zsk=$(cd "$T/keys" && ldns-keygen -a ECDSAP256SHA256 $Z.) || fatal "ldns-keygen failed"
cat >"$T/$Z.zone" <<EOF
\$ORIGIN $Z.
\$TTL 300
@    IN SOA ns1 hostmaster 1 3600 600 86400 60
@    IN NS  ns1
ns1  IN A   127.0.0.1
EOF

gs_start <<EOF
$(zones_yaml)
  - name: $Z.
    file: $T/$Z.zone
    dnssec:
      keys: [$T/keys/$ksk, $T/keys/$zsk]
      denial: nsec
maps:
  one:
    default: [big]
services:
  www:
    names: [www.$Z.]
    map: one
    ttl: 60
    failover_ttl: 20
    datacenters:
      big: [$(echo $ADDRS | sed 's/ /, /g')]
EOF

force() {
	ctl_capture -s "$T/control.sock" force "$1" "$2"
	[ "$C_RC" = 0 ] || fatal "$LAST_CMD failed: $C_OUT $C_ERR"
}

# ask: geosteerd directly, DO=1; sets GOT (the A addresses, sorted) and NSIG.
ask() {
	LAST_CMD="dig +dnssec +norec +time=2 +tries=1 @127.0.0.1 -p $PORT www.$Z A"
	dig +dnssec +norec +time=2 +tries=1 @127.0.0.1 -p "$PORT" www.$Z A >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
	local line out=()
	NSIG=0
	while IFS= read -r line; do
		[[ $line =~ ^www\.big\.test\.\ [0-9]+\ IN\ A\ ([0-9.]+)$ ]] && out+=("${BASH_REMATCH[1]}")
		[[ $line == *" IN RRSIG A "* ]] && NSIG=$((NSIG + 1))
	done <<<"$(r_section ANSWER)"
	GOT=$(printf '%s\n' "${out[@]}" | sort -t. -k4n | tr '\n' ' ')
}

section "all 8 up: the full set and its RRSIG"
ask
expect_eq "www.$Z: every address" "$(printf '%s ' $ADDRS)" "$GOT"
expect_eq "www.$Z: one RRSIG per ZSK" 1 "$NSIG"

section "two addresses forced down: the 6 up are signed off the query path"
force 203.0.113.7 down
force 203.0.113.8 down
t0=$(date +%s%N)
BAD=0
N=0
done6=false
deadline=$((SECONDS + 5))
while [ $SECONDS -lt $deadline ] && [ $N -lt 2000 ]; do
	ask
	N=$((N + 1))
	# Meanwhile: never unsigned, never a down address.
	if [ "$NSIG" != 1 ] || [[ " $GOT" == *" 203.0.113.7 "* ]] || [[ " $GOT" == *" 203.0.113.8 "* ]]; then
		BAD=$((BAD + 1))
		show_last
	fi
	if [ "$GOT" = "$UP6" ] && [ "$NSIG" = 1 ]; then
		done6=true
		break
	fi
done
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if $done6; then
	ok "the 6 up addresses with their RRSIG served ${ms} ms after the force returned ($N queries)"
else
	fail "not the 6 up addresses with an RRSIG within 5 s (last: $GOT, $NSIG RRSIG)"
	show_last
fi
expect_eq "answers meanwhile that were unsigned or held a down address" 0 "$BAD"

line=$(grep -E 'dnssec: signed [0-9]+ steered address sets? left up by health in [0-9.]+ ms' "$T/gs.log" | tail -n 1)
if [[ $line =~ signed\ ([0-9]+)\ .*in\ ([0-9]+)\.[0-9]\ ms ]] && [ "${BASH_REMATCH[2]}" -lt 50 ]; then
	ok "geosteerd: ${line#*: }"
else
	fail "no signing under 50 ms in geosteerd's log (last: ${line:-none})"
fi

section "delv fully validates the 6-address answer"
read -r _ _ _ tag alg dt digest <"$T/keys/$ksk.ds"
printf 'trust-anchors { "%s." static-ds %s %s %s "%s"; };\n' "$Z" "$tag" "$alg" "$dt" \
	"$digest" >"$T/$Z.anchor"
LAST_CMD="delv @127.0.0.1 -p $PORT -a $T/$Z.anchor +root=$Z www.$Z A"
timeout -k 2 20 delv @127.0.0.1 -p "$PORT" -a "$T/$Z.anchor" +root=$Z www.$Z A >"$T/delv.out" 2>&1
got=$(grep -E "^www\\.$Z\\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]" "$T/delv.out" |
	awk '{print $5}' | sort -t. -k4n | tr '\n' ' ')
if grep -q '^; fully validated' "$T/delv.out" && [ "$got" = "$UP6" ]; then
	ok "$LAST_CMD: fully validated, $got"
else
	fail "$LAST_CMD: not fully validated with exactly $UP6:"
	sed 's/^/    | /' "$T/delv.out"
fi

section "back up: the full set signed at load again"
force 203.0.113.7 auto
force 203.0.113.8 auto
ask
expect_eq "www.$Z: every address" "$(printf '%s ' $ADDRS)" "$GOT"
expect_eq "www.$Z: one RRSIG" 1 "$NSIG"

finish
