#!/bin/bash
# SPDX-License-Identifier: MIT
# ctl-json.sh -- `geosteerctl --json` for status, health, stats and explain (live and
# --offline), read with Python's json parser (json-expect.py): every field there with
# its type and the value the daemon has (the pid, the zones, the monitored addresses);
# health shows the force set with `geosteerctl force` (state, uid, until, reason);
# stats counts what dig asked; explain's datacenter, rule, TTL, answer and scope are
# those of the DNS answer dig gets; and the text form of each command says exactly
# what the JSON form's "text" values say (one source for both).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

JX="$top_srcdir/tests/system/json-expect.py"

# jx NAME: checks $T/NAME.json against the expectations on stdin (json-expect.py).
jx() {
	local out
	if out=$("$PY" "$JX" "$T/$1.json" 2>&1); then
		ok "$1 --json: $(grep -c '^ok' <<<"$out") fields as expected"
	else
		fail "$1 --json:"
		sed 's/^/    | /' <<<"$out"
	fi
}
# both NAME WIDTH ARGS...: runs geosteerctl ARGS with --json into $T/NAME.json and
# without into $T/NAME.txt (both must exit 0), and checks that they say the same
# (but for uptime, which may have moved on between the two requests).
both() {
	local name=$1 width=$2 out
	shift 2
	ctl --json "$@"
	expect_rc 0
	printf '%s\n' "$C_OUT" >"$T/$name.json"
	ctl "$@"
	expect_rc 0
	printf '%s\n' "$C_OUT" >"$T/$name.txt"
	if out=$("$PY" "$JX" --same-as-text "$T/$name.txt" "$width" "$T/$name.json" uptime 2>&1); then
		ok "$name: the text form and the JSON form agree"
	else
		fail "$name: the text form and the JSON form differ:"
		sed 's/^/    | /' <<<"$out"
	fi
}

be_start us
be_start eu
# Nothing here takes a backend down: a slow probe on a loaded machine must not either.
gs_start < <(steer_yaml web <<<"  web: {type: tcp, port: $BE_PORT, interval: 1s, timeout: 900ms, rise: 1, fall: 5}")
wait_health "^web +$US +up +[^(]" 10 || fail "us-east's backend not up by a check"
wait_health "^web +$EU +up +[^(]" 10 || fail "eu-central's backend not up by a check"

section "status"
both status 12 status
jx status <<EOF
version.program str geosteerd
version.number str *
pid int $GS_PID
uptime.seconds int *
uptime.started str *
config str $CFG
generation.number int 1
load_time.seconds num *
load_time.zone_files_seconds num *
load_time.steering_seconds num *
reloads.ok int 0
reloads.failed int 0
reloads.last_failure null
workers int *
zones.count int $(grep -c '^ *- name:' "$CFG")
zones.records int *
zone[name=geo.test.].serial int 2024060101
zone[name=geo.test.].records int 4
zone[name=geo.test.].file str $T/geo.test.zone
geoip.path null
monitor.running bool true
monitor.addresses int 2
forces.count int 0
forces.timed int 0
forces.next_end null
state_file.path str $T/state
EOF
# The option after the command works as well as before it.
ctl status --json
expect_rc 0
printf '%s\n' "$C_OUT" >"$T/status2.json"
jx status2 <<<"generation.number int 1"

section "health, with a timed force"
ctl force us-east down --for 1h --reason 'planned maintenance'
expect_rc 0
ctl --json health
expect_rc 0
printf '%s\n' "$C_OUT" >"$T/health.json"
jx health <<EOF
entries list 3
entries[address=$US].check str web
entries[address=$US].datacenter null
entries[address=$US].up bool true
entries[address=$US].state str up
entries[address=$US].initial bool false
entries[address=$US].checks int *
entries[address=$US].last_result str *
entries[address=$US].since str *
entries[address=$US].force null
entries[address=$EU].check str web
entries[address=$EU].up bool true
entries[datacenter=us-east].check null
entries[datacenter=us-east].address null
entries[datacenter=us-east].state str down (forced)
entries[datacenter=us-east].force.state str down
entries[datacenter=us-east].force.by int $(id -u)
entries[datacenter=us-east].force.until str *
entries[datacenter=us-east].force.at str *
entries[datacenter=us-east].force.reason str planned maintenance
datacenters list 2
datacenters[datacenter=us-east].service str www
datacenters[datacenter=us-east].family str ipv4
datacenters[datacenter=us-east].up bool false
datacenters[datacenter=us-east].addresses int 1
datacenters[datacenter=us-east].addresses_up int 0
datacenters[datacenter=eu-central].up bool true
datacenters[datacenter=eu-central].addresses_up int 1
EOF
ctl health --bogus
expect_rc 2
ctl --json reload
expect_rc 2
expect_text err 'only status, health, stats, explain and diff'

section "stats"
ctl_stats before
for i in 1 2 3; do q udp www.geo.test. A; done
q tcp static.geo.test. A
both stats 0 stats
jx stats <<EOF
queries int $((before[queries] + 4))
udp int $((before[udp] + 3))
tcp int $((before[tcp] + 1))
'rcode.NOERROR' int $((before[rcode.NOERROR] + 4))
'rcode.NXDOMAIN' int ${before[rcode.NXDOMAIN]}
workers int ${before[workers]}
uptime int *
ecs int *
EOF

section "explain, live: us-east forced down"
q udp +subnet=127.0.0.0/24 www.geo.test. A
dig_ans=$(r_section ANSWER)
[[ $dig_ans =~ ^www\.geo\.test\.\ ([0-9]+)\ IN\ A\ ([0-9.]+) ]] || fail "dig: no answer: $dig_ans"
dig_ttl=${BASH_REMATCH[1]} dig_addr=${BASH_REMATCH[2]}
[[ $R_LINES =~ CLIENT-SUBNET:\ 127\.0\.0\.0/24/([0-9]+) ]] || fail "dig: no ECS option"
dig_scope=${BASH_REMATCH[1]}
expect_eq "dig answers eu-central with failover_ttl" "$EU 20" "$dig_addr $dig_ttl"
both explain 12 explain www.geo.test A --client 127.0.0.1 --subnet 127.0.0.0/24
jx explain <<EOF
query.name str www.geo.test.
query.type str A
transport str udp
client.address str 127.0.0.1
ecs.subnet str 127.0.0.0/24
service.name str www
service.map str steer
service.ttl int 60
service.failover_ttl int 20
located.by str ecs
rule.kind str networks
rule.key str 127.0.0.0/8
list list 2
list.0 str us-east
list.1 str eu-central
dc list 2
dc[datacenter=us-east].state str skipped
dc[datacenter=us-east].addresses.0.address str $US
dc[datacenter=us-east].addresses.0.up bool false
dc[datacenter=us-east].addresses.0.state str down (forced)
dc[datacenter=eu-central].state str chosen
dc[datacenter=eu-central].addresses.0.up bool true
chosen.datacenter str eu-central
chosen.failover bool true
chosen.fail_open bool false
answer list 1
answer.0.name str www.geo.test.
answer.0.type str A
answer.0.data str $dig_addr
answer.0.ttl int $dig_ttl
ttl.value int $dig_ttl
scope.value int $dig_scope
scope.source int 24
rcode str NOERROR
mismatch list 0
EOF
# The datacenter the JSON names is the one whose address dig got.
chosen=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["chosen"]["datacenter"])' "$T/explain.json")
expect_eq "explain's datacenter is dig's" "$EU" "$([ "$chosen" = eu-central ] && echo "$dig_addr")"

section "explain, a name from the zone file"
both static 12 explain static.geo.test --client 127.0.0.1
jx static <<EOF
service.name null
answer.0.data str 192.0.2.80
answer.0.ttl int 3600
ttl.value int 3600
scope.value null
rcode str NOERROR
EOF

section "explain --offline (the state file's force applies)"
both offline 12 -c "$CFG" explain --offline www.geo.test AAAA --client 127.0.0.1
jx offline <<EOF
query.type str AAAA
chosen.datacenter null
answer list 0
authority list 1
authority.0.type str SOA
ttl.value null
rcode str NOERROR
EOF
both offline-a 12 -c "$CFG" explain --offline www.geo.test --client 127.0.0.1
jx offline-a <<EOF
chosen.datacenter str eu-central
chosen.failover bool true
answer.0.data str $EU
answer.0.ttl int 20
EOF
ctl force us-east auto
expect_rc 0

gs_alive "the JSON checks"
finish
