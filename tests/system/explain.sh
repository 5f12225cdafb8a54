#!/bin/bash
# SPDX-License-Identifier: MIT
# explain.sh -- geosteerctl: its command line (help, usage errors, exit statuses), the
# control-socket commands failing plainly while there is no control socket, and
# `explain --offline`: the documented line format, the decision for each kind of rule,
# other types and names, configuration errors as FILE:LINE, and the answer it prints
# being the one the running daemon gives for the same question (addresses and scope).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ecs-lib.sh"

need_demo_mmdb

# ctl ARGS...: runs geosteerctl (lib.sh's ctl_capture sets C_RC, C_OUT, C_ERR).
ctl() {
	ctl_capture "$@"
}

section "command line"
ctl --help
expect_rc 0
for word in SYNOPSIS status reload health force stats explain --offline --client --subnet \
	'EXIT STATUS' EXAMPLES 'EXPLAIN OUTPUT' '-s SOCKET' '-c FILE'; do
	expect_text out "$word"
done
ctl -V
expect_rc 0
expect_text out '^geosteerctl [0-9]'
ctl
expect_rc 2
ctl frobnicate
expect_rc 2
expect_text err "unknown command 'frobnicate'"
ctl -s "$T/none.sock" force eu-central sideways
expect_rc 2
ctl -s "$T/none.sock" status extra
expect_rc 2
ctl -c "$T/x.yaml" explain --offline www.geo.test
expect_rc 2
expect_text err 'client IP is required'
ctl -c "$T/x.yaml" explain --offline www.geo.test A --client not-an-ip
expect_rc 2
ctl -c "$T/x.yaml" explain --offline www.geo.test NOSUCHTYPE --client 192.0.2.1
expect_rc 2
ctl -c "$T/x.yaml" explain --offline www.geo.test A --client 192.0.2.1 --subnet 192.0.2.0/33
expect_rc 2
ctl explain --offline www.geo.test A --client 192.0.2.1
expect_rc 2
expect_text err 'needs the configuration'

section "control-socket commands with no daemon listening: a plain error, exit 1"
for cmd in status reload health stats "force eu-central down" "force 192.0.2.10 auto" \
	"explain www.geo.test A --client 192.0.2.1"; do
	# shellcheck disable=SC2086
	ctl -s "$T/none.sock" $cmd
	expect_rc 1
	expect_text err "cannot connect to $T/none.sock: No such file or directory"
done
# With -c, the socket path is the configuration's control: key.
printf 'control: %s/cfg.sock\nzones: []\n' "$T" >"$T/control.yaml"
ctl -c "$T/control.yaml" status
expect_rc 1
expect_text err "cannot connect to $T/cfg\\.sock"

section "explain --offline: configuration errors are FILE:LINE, exit 1"
printf 'zones: []\nbogus_key: 1\n' >"$T/bad.yaml"
ctl -c "$T/bad.yaml" explain --offline www.geo.test A --client 192.0.2.1
expect_rc 1
expect_text err "^$T/bad\\.yaml:2: "
ctl -c "$T/missing.yaml" explain --offline www.geo.test A --client 192.0.2.1
expect_rc 1
# A database that is not an mmdb: refused at the geoip key's line.
echo "not a database" >"$T/junk.mmdb"
geo_yaml "$T/junk.mmdb" >"$T/junkdb.yaml"
ctl -c "$T/junkdb.yaml" explain --offline www.geo.test A --client 192.0.2.1
expect_rc 1
expect_text err "^$T/junkdb\\.yaml:[0-9]+: "

section "explain --offline: decisions and the documented format"
gs_start < <(geo_yaml "$DEMO_MMDB")
explain www.geo.test A 127.0.0.1 8.8.8.0/24
explain_ok
# The keys in the documented order (geosteerctl --help, server/ctl/explain.h).
keys=$(while IFS= read -r l; do [[ $l =~ ^([a-z]+): ]] && printf '%s ' "${BASH_REMATCH[1]}"; done <<<"$X_OUT")
expect_eq "explain line keys" \
	"query transport client ecs service located rule list health dc dc chosen answer ttl scope rcode " "$keys"
expect_eq "query" "www.geo.test. IN A" "${X[query]}"
expect_eq "transport" "udp" "${X[transport]}"
expect_eq "ecs" "8.8.8.0/24 sent" "${X[ecs]}"
expect_eq "service" "www (map steer, ttl 60, failover_ttl 20)" "${X[service]}"
expect_eq "located" "8.8.8.0/24 by the ECS subnet: NA/US" "${X[located]}"
expect_eq "rule" "continents: NA" "${X[rule]}"
expect_eq "list" "us-east eu-central" "${X[list]}"
expect_eq "dc (first)" "us-east: chosen; A 192.0.2.10 up (no check)" "${X[dc]}"
expect_eq "chosen" us-east "${X[chosen_dc]}"
expect_eq "answer" "www.geo.test. 60 IN A 192.0.2.10" "${X[answer]}"
expect_eq "ttl" 60 "${X[ttl]%% *}"
expect_eq "rcode" NOERROR "${X[rcode]}"
grep_lines '^dc: +eu-central: not needed; A 198\.51\.100\.10 up' "$X_OUT" &&
	ok "eu-central listed as not needed" || fail "no 'not needed' line for eu-central: $X_OUT"

explain www.geo.test A 127.0.0.1 81.169.145.0/24
expect_eq "81.169.145.0/24: rule" "continents: EU" "${X[rule]}"
expect_eq "81.169.145.0/24: list" "eu-central us-east" "${X[list]}"
expect_eq "81.169.145.0/24: chosen" eu-central "${X[chosen_dc]}"
explain www.geo.test A 127.0.0.1 -
expect_eq "no ECS: located" "127.0.0.1/32 by the source address: not in database" "${X[located]}"
expect_eq "no ECS: rule" default "${X[rule]}"
expect_eq "no ECS: scope" "none (no ECS option was sent)" "${X[scope]}"
expect_eq "no ECS: chosen" fallback "${X[chosen_dc]}"
explain www.geo.test A 127.0.0.1 0.0.0.0/0
expect_eq "source prefix 0: located" \
	"127.0.0.1/32 by the source address (ECS source prefix 0): not in database" "${X[located]}"
expect_eq "source prefix 0: scope" 0 "${X[scope_n]}"
explain www.geo.test A 198.18.7.7 -
expect_eq "networks rule: rule" "networks: 198.18.0.0/15" "${X[rule]}"
expect_eq "networks rule: list" "us-east" "${X[list]}"
explain www.geo.test AAAA 2001:db8::1 ::ffff:8.8.8.0/120
expect_eq "mapped subnet: located" "8.8.8.0 (IPv4-mapped) by the ECS subnet: NA/US" "${X[located]}"
expect_eq "mapped subnet: answer" "www.geo.test. 60 IN AAAA 2001:db8:1::10" "${X[answer]}"
explain www.geo.test TXT 127.0.0.1 8.8.8.0/24
explain_ok
expect_eq "TXT: note" "steering decides A and AAAA only: this type comes from the zone" "${X[note]}"
expect_eq "TXT: answer" 'www.geo.test. 3600 IN TXT "steered by geosteer"' "${X[answer]}"
expect_eq "TXT: scope" 0 "${X[scope_n]}"
explain alias.geo.test A 127.0.0.1 81.169.145.0/24
expect_eq "CNAME: target" "www.geo.test. (after the CNAME records in the answer)" "${X[target]}"
expect_eq "CNAME: chosen" eu-central "${X[chosen_dc]}"
explain v4.geo.test AAAA 127.0.0.1 8.8.8.0/24
explain_ok
expect_eq "NODATA: chosen" "none: no datacenter in the list has an AAAA address (NODATA)" "${X[chosen]}"
expect_eq "NODATA: answer" none "${X[answer]}"
grep_lines '^authority: +geo\.test\. [0-9]+ IN SOA ' "$X_OUT" && ok "NODATA: SOA in authority" ||
	fail "NODATA: no SOA line: $X_OUT"
explain static.geo.test A 127.0.0.1 -
expect_eq "static: service" "none (not a steered name: answered from the zone file)" "${X[service]}"
expect_eq "static: answer" "static.geo.test. 3600 IN A 192.0.2.80" "${X[answer]}"
explain nope.geo.test A 127.0.0.1 -
expect_eq "NXDOMAIN: rcode" NXDOMAIN "${X[rcode]}"
explain www.elsewhere.example A 127.0.0.1 -
explain_ok
expect_eq "out of zone: rcode" REFUSED "${X[rcode]}"

section "explain says what the running daemon answers"
for case in "A 8.8.8.0/24" "A 81.169.145.0/24" "A -" "AAAA 2001:4860::/32" "A 0.0.0.0/0" \
	"AAAA 2a00:1450::/29" "A 200.160.0.0/20"; do
	read -r type subnet <<<"$case"
	explain www.geo.test "$type" 127.0.0.1 "$subnet"
	sq dig udp www.geo.test "$type" "$subnet"
	got=$(r_section ANSWER)
	expect_eq "$type $subnet: the daemon's answer is explain's" "${X[answer]}" "${got%$'\n'}"
	expect_eq "$type $subnet: the daemon's scope is explain's" "${X[scope_n]}" "${R_SCOPE:-none}"
done

section "the state file's forces: explain applies them as geosteerd does at start"
gs_stop
printf 'dc us-east down\n' >"$T/state"
gs_start < <(geo_yaml "$DEMO_MMDB"; echo "state_file: $T/state")
explain www.geo.test A 127.0.0.1 8.8.8.0/24
explain_ok
expect_eq "forced down: us-east" "us-east: skipped (every address down); A 192.0.2.10 down (forced)" "${X[dc]}"
expect_eq "forced down: chosen" eu-central "${X[chosen_dc]}"
expect_eq "forced down: ttl" "20 (failover_ttl: a datacenter ahead of the chosen one is down)" "${X[ttl]}"
sq dig udp www.geo.test A 8.8.8.0/24
got=$(r_section ANSWER)
expect_eq "forced down: the daemon's answer is explain's" "${X[answer]}" "${got%$'\n'}"
explain www.geo.test A 127.0.0.1 81.169.145.0/24
expect_eq "forced down, EU client: ttl" "60 (the service's ttl: no datacenter ahead of the chosen one is down)" "${X[ttl]}"

finish
