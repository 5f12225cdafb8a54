#!/bin/sh
# SPDX-License-Identifier: MIT
# sign-fixtures.sh -- remakes nsec.example.signed and nsec3.example.signed, the signed
# fixture zones of bench/answer-bench's DO=1 entries: one template zone, signed with
# fresh ECDSA P-256 keys (thrown away) by ldns-signzone, with NSEC and with NSEC3 (no
# extra iterations, no salt), signatures valid until 2090.
# Usage: sh tests/data/answer/sign-fixtures.sh   (needs ldnsutils)
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for origin in nsec.example nsec3.example; do
	cat >"$tmp/$origin.zone" <<ZONE
\$ORIGIN $origin.
\$TTL 300
@               IN SOA   ns1 hostmaster 1 3600 600 86400 60
@               IN NS    ns1
ns1             IN A     192.0.2.53
www             IN A     192.0.2.1
www             IN AAAA  2001:db8::1
alias           IN CNAME www
*.wild          IN A     192.0.2.9
host.deep.ent   IN TXT   "below two empty non-terminals"
sub             IN NS    ns.sub
ns.sub          IN A     192.0.2.54
ZONE
	ksk=$(cd "$tmp" && ldns-keygen -a ECDSAP256SHA256 -k "$origin.")
	zsk=$(cd "$tmp" && ldns-keygen -a ECDSAP256SHA256 "$origin.")
	flags=
	[ "$origin" = nsec3.example ] && flags="-n -t 0"
	# shellcheck disable=SC2086
	ldns-signzone $flags -i 20260101000000 -e 20900101000000 -f "$tmp/$origin.signed" \
		"$tmp/$origin.zone" "$tmp/$ksk" "$tmp/$zsk"
	{
		echo "; $origin signed by tests/data/answer/sign-fixtures.sh (do not edit)"
		cat "$tmp/$origin.signed"
	} >"$dir/$origin.signed"
done
