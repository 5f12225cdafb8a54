#!/bin/bash
# SPDX-License-Identifier: MIT
# fleet.sh -- one view of health and forces across nameservers, on etcd (docs/fleet.md):
# a 3-member etcd cluster and 3 geosteerd nodes on loopback ports, each node with an
# exec check of the US stack whose result this test sets per node (the file
# down-ADDRESS in the node's own flag folder, named by $GS_FLEET_FLAGS in its
# environment: the check definition is the same text on every node). Shows:
#   - quorum majority: one node's probe down, all 3 still answer US; two down, all 3
#     answer EU within fall x interval + 2 s; the probes recover, all 3 back to US;
#   - `force us-east down --for 5s --reason test` on one node: all 3 answer EU within
#     1 s, and US again after the 5 s by themselves; health shows who/when/why/until;
#   - one etcd member killed: the same still works;
#   - every etcd member stopped: each node answers from its own checks, says it is
#     degraded (status, metrics, log), and converges when etcd is back;
#   - a node whose lease is revoked publishes again under a new one; a frozen etcd
#     (SIGSTOP: calls hang until their deadline) makes the nodes degraded, not slow;
#   - another node's observation with a different check definition is reported (status,
#     log, metric) and not counted; a force of an unknown name is not left in etcd;
#   - a node restarted while etcd is down keeps a fleet force it learned before;
#   - dnsperf at a fixed rate against every node during all of it: 0 queries lost.
# Skipped (77) when etcd is not installed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
if ! command -v etcd >/dev/null 2>&1; then
	echo "SKIP: etcd is not installed (apt-get install etcd-server)"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
command -v dnsperf >/dev/null 2>&1 || fatal "dnsperf not found: apt-get install dnsperf"
command -v curl >/dev/null 2>&1 || fatal "curl not found: apt-get install curl"
GSCTL="$top_builddir/tools/geosteerctl"

US=127.0.0.10
EU=127.0.0.20
# Exec check timing: fall x interval = 1 s, the nominal time for a failover.
INTERVAL_MS=500
FALL=2
RISE=2
QPS=50

freeport() { "$PY" "$RAWDNS" freeport --hosts 127.0.0.1; }
declare -A USED=()
# uniqport: sets PORT to a free port not handed out before in this test. Called
# directly, not in $(...): USED must remember the port in this shell.
uniqport() {
	local p i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		p=$(freeport) || fatal "no free port"
		if [ -z "${USED[$p]:-}" ]; then
			USED[$p]=1
			PORT=$p
			return 0
		fi
	done
	fatal "no unused free port"
}

# ---------------------------------------------------------------- etcd

declare -A ECP EPP EPID=()
# etcd_ports: new client and peer ports for the three members.
etcd_ports() {
	local i
	for i in 1 2 3; do
		uniqport
		ECP[$i]=$PORT
		uniqport
		EPP[$i]=$PORT
	done
	CLUSTER="e1=http://127.0.0.1:${EPP[1]},e2=http://127.0.0.1:${EPP[2]},e3=http://127.0.0.1:${EPP[3]}"
	ENDPOINTS="\"http://127.0.0.1:${ECP[1]}\", \"http://127.0.0.1:${ECP[2]}\", \"http://127.0.0.1:${ECP[3]}\""
}
etcd_ports

# etcd_start I: starts member I (its data folder survives a stop).
etcd_start() {
	local i=$1
	etcd --name "e$i" --data-dir "$T/etcd$i" \
		--listen-client-urls "http://127.0.0.1:${ECP[$i]}" \
		--advertise-client-urls "http://127.0.0.1:${ECP[$i]}" \
		--listen-peer-urls "http://127.0.0.1:${EPP[$i]}" \
		--initial-advertise-peer-urls "http://127.0.0.1:${EPP[$i]}" \
		--initial-cluster "$CLUSTER" --initial-cluster-state new \
		--initial-cluster-token "gs-fleet-$$" \
		--heartbeat-interval 100 --election-timeout 1500 \
		>>"$T/etcd$i.log" 2>&1 &
	EPID[$i]=$!
}
# etcd_stop I [SIGNAL]: stops member I and waits for it.
etcd_stop() {
	local i=$1 sig=${2:-TERM}
	[ -n "${EPID[$i]:-}" ] || return 0
	kill "-$sig" "${EPID[$i]}" 2>/dev/null
	wait "${EPID[$i]}" 2>/dev/null
	EPID[$i]=
}
etcd_healthy() {
	curl -s --max-time 1 "http://127.0.0.1:${ECP[$1]}/health" | grep -q '"health":"true"'
}
# etcd_settled I: member I answers healthy, or it failed to bind a port.
etcd_settled() {
	etcd_healthy "$1" || grep -q "address already in use" "$T/etcd$1.log" 2>/dev/null
}
etcd_wait() {
	local i
	for i in "$@"; do
		wait_until 30 etcd_healthy "$i" || fatal "etcd member $i not healthy within 30 s: $(tail -5 "$T/etcd$i.log")"
	done
	ok "etcd members $* healthy"
}

# ---------------------------------------------------------------- nodes

declare -A NPORT NPID NJOB MPORT DPPID
cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
printf 'www.geo.test. A\n' >"$T/queries"

node_yaml() {
	local i=$1
	cat <<EOF
# written by tests/system/fleet.sh (node n$i)
listen: ["127.0.0.1:${NPORT[$i]}"]
control: $T/n$i/control.sock
metrics: 127.0.0.1:${MPORT[$i]}
state_file: $T/n$i/state
identity: n$i
EOF
	zones_yaml
	cat <<EOF
  - name: geo.test.
    file: $T/geo.test.zone
checks:
  probe:
    type: exec
    command: ["/bin/sh", "-c", "test ! -e \"\$GS_FLEET_FLAGS/down-%a\""]
    interval: ${INTERVAL_MS}ms
    timeout: 400ms
    rise: $RISE
    fall: $FALL
maps:
  steer:
    default: [eu-central, us-east]
    networks: {127.0.0.0/8: [us-east, eu-central]}
services:
  www:
    names: [www.geo.test.]
    map: steer
    ttl: 60
    failover_ttl: 20
    check: probe
    datacenters:
      us-east: [$US]
      eu-central: [$EU]
fleet:
  etcd: [$ENDPOINTS]
  prefix: /geosteer/test/
  node: n$i
  quorum: majority
  stale_after: 3s
EOF
}

# node_start I: starts node I (its port kept across restarts) and waits until it
# answers.
node_start() {
	local i=$1 d="$T/n$1"
	mkdir -p "$d/flags"
	if [ -z "${NPORT[$i]:-}" ]; then
		uniqport
		NPORT[$i]=$PORT
	fi
	if [ -z "${MPORT[$i]:-}" ]; then
		uniqport
		MPORT[$i]=$PORT
	fi
	node_yaml "$i" >"$d/geosteerd.yaml"
	rm -f "$d/status" "$d/pid"
	(
		# shellcheck disable=SC2086
		GS_FLEET_FLAGS="$d/flags" sh -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1"; shift; exec "$@"' \
			sh "$d/pid" $GS_WRAPPER "$GSD" $GS_ARGS -c "$d/geosteerd.yaml" </dev/null >>"$d/log" 2>&1
		echo $? >"$d/status.tmp"
		mv "$d/status.tmp" "$d/status"
	) &
	NJOB[$i]=$!
	wait_until 10 test -f "$d/pid" || fatal "node n$i did not start"
	NPID[$i]=$(cat "$d/pid")
	node_answers() { dig +tries=1 +time=1 +norec @127.0.0.1 -p "${NPORT[$1]}" a.test. SOA >/dev/null 2>&1; }
	if ! wait_until "$GS_START_TIMEOUT" node_answers "$i"; then
		tail -20 "$d/log"
		fatal "node n$i does not answer on port ${NPORT[$i]}"
	fi
	echo "node n$i pid ${NPID[$i]} on 127.0.0.1:${NPORT[$i]}"
}
# node_stop I: SIGTERM; it must exit 0 within GS_STOP_TIMEOUT.
node_stop() {
	local i=$1 d="$T/n$1"
	[ -n "${NPID[$i]:-}" ] || return 0
	kill -TERM "${NPID[$i]}"
	if wait_until "$GS_STOP_TIMEOUT" test -f "$d/status"; then
		expect_eq "node n$i exit status after SIGTERM" 0 "$(cat "$d/status")"
	else
		kill -KILL "${NPID[$i]}" 2>/dev/null
		fail "node n$i did not exit within ${GS_STOP_TIMEOUT}s of SIGTERM"
	fi
	wait "${NJOB[$i]}" 2>/dev/null
	NPID[$i]=
}

# nctl I ARGS...: geosteerctl on node I (C_RC, C_OUT, C_ERR).
nctl() {
	local i=$1
	shift
	ctl_capture -s "$T/n$i/control.sock" "$@"
}
# answer I: www.geo.test A from node I ("" when not exactly one address). A query that
# gets no answer is asked again, up to 3 times of 2 s each: on a host loaded far past its
# cores, dig itself can be kept off the CPU past its timeout (its timer then fires before
# it reads the answer that waits in its socket). That no query of the server is lost or
# slow is dnsperf's to show (a fixed rate all along, 0 lost, the slowest reported).
answer() {
	local try out
	for try in 1 2 3; do
		out=$(dig +norec +short +time=2 +tries=1 @127.0.0.1 -p "${NPORT[$1]}" www.geo.test. A 2>/dev/null)
		[[ $out == ';;'* ]] || break
	done
	[[ $out == ';;'* ]] && out=
	printf '%s' "$out" | tr '\n' ' ' | sed 's/ $//'
}
# all_answer ADDR: every node answers ADDR right now. Sets GOT ("n1=.. n2=.. n3=..").
all_answer() {
	local i a good=0
	GOT=
	for i in 1 2 3; do
		a=$(answer "$i")
		GOT+="n$i=${a:-none} "
		[ "$a" = "$1" ] && good=$((good + 1))
	done
	[ $good = 3 ]
}
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}
fmt_ms() { printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000)); }
# expect_all ADDR LIMIT_MS WHAT: polls (every 50 ms) until every node answers ADDR,
# within LIMIT_MS of T0_MS.
expect_all() {
	local want=$1 limit=$2 what=$3 t
	while :; do
		all_answer "$want" && break
		t=$(now_ms)
		if [ $((t - T0_MS)) -gt "$limit" ]; then
			fail "$what: not all nodes answer $want within $(fmt_ms "$limit"): $GOT"
			return 1
		fi
		sleep 0.05
	done
	t=$(now_ms)
	WAITED_MS=$((t - T0_MS))
	ok "$what: all 3 nodes answer $want after $(fmt_ms "$WAITED_MS") (limit $(fmt_ms "$limit"))"
	echo "measured: $what $(fmt_ms "$WAITED_MS")"
}
# keep_all_try ADDR MS: every node answers ADDR at every look for MS milliseconds
# (N_LOOKS looks; GOT holds the answers of the first look that differed).
keep_all_try() {
	local want=$1 ms=$2 end
	N_LOOKS=0
	end=$(($(now_ms) + ms))
	while [ "$(now_ms)" -lt $end ]; do
		all_answer "$want" || return 1
		N_LOOKS=$((N_LOOKS + 1))
	done
}
# keep_all ADDR MS WHAT: keep_all_try, as a test result.
keep_all() {
	local want=$1 ms=$2 what=$3
	if keep_all_try "$want" "$ms"; then
		ok "$what: all 3 nodes answered $want at each of $N_LOOKS looks over $(fmt_ms "$ms")"
	else
		fail "$what: expected every node to answer $want, got $GOT"
	fi
}
# unasked_downs NODES...: how many times the US probe of these nodes (whose flag the
# test has not set) went down, by their logs.
unasked_downs() {
	local i n=0 c
	for i in "$@"; do
		c=$(grep -c "health: probe $US down after" "$T/n$i/log")
		n=$((n + c))
	done
	echo "$n"
}
# keep_all_unasked ADDR MS WHAT READY NODES...: every node answers ADDR at every look for
# MS milliseconds, once READY I holds for every node. The test has set the probes so that
# ADDR is the only right answer; but an exec probe can also fail by itself on a host
# loaded far past its cores (its command not ending within the check's timeout: "down
# after 2 failures: timeout" in the log), and then another answer is right. A window in
# which the US probe of one of NODES (those the test keeps up) went down shows nothing
# and is looked at again, at most 5 times; a wrong answer in a window without such a
# failure fails the test, as does a window that never comes.
keep_all_unasked() {
	local want=$1 ms=$2 what=$3 ready=$4 try before
	shift 4
	for try in 1 2 3 4 5; do
		before=$(unasked_downs "$@")
		wait_all "$what: ready (try $try)" "$ready" || return 1
		if keep_all_try "$want" "$ms"; then
			ok "$what: all 3 nodes answered $want at each of $N_LOOKS looks over $(fmt_ms "$ms")"
			return 0
		fi
		if [ "$(unasked_downs "$@")" = "$before" ]; then
			fail "$what: expected every node to answer $want, got $GOT"
			return 1
		fi
		echo "note: $what: a US probe the test keeps up went down by itself meanwhile (load): the window is looked at again"
	done
	fail "$what: no window of $(fmt_ms "$ms") without a probe failing by itself in 5 tries"
}
# one_down_view I: node I's fleet sees what the test set: n1 alone says US is down.
one_down_view() {
	nctl "$1" explain www.geo.test A --client 127.0.0.1
	grep_lines "^fleet: +check probe $US: up by the fleet \(quorum majority: 1 of 3 fresh observations say down" "$C_OUT"
}
# own_up_view I: node I is degraded and its own US probe says up.
own_up_view() {
	degraded "$1" && own_state "$1" up
}
# own_state I up|down: node I's own monitor says so (geosteerctl health).
# (While the fleet decides otherwise, health says "down (fleet; own check up)".)
own_state() {
	nctl "$1" health
	grep_lines "^probe +$US +($2( |$)|(up|down) \(fleet; own check $2\))" "$C_OUT"
}
# health_json I < EXPECTATIONS: node I's `health --json` against json-expect.py lines.
health_json() {
	local out
	nctl "$1" --json health
	printf '%s\n' "$C_OUT" >"$T/health$1.json"
	if out=$("$PY" "$top_srcdir/tests/system/json-expect.py" "$T/health$1.json" 2>&1); then
		ok "n$1 health --json: $(grep -c '^ok' <<<"$out") fields as expected"
	else
		fail "n$1 health --json:"
		sed 's/^/    | /' <<<"$out"
	fi
}
# connected I [NODES]: node I's status says connected (and NODES alive).
connected() {
	nctl "$1" status
	grep_lines '^fleet: +connected' "$C_OUT" || return 1
	[ -z "${2:-}" ] || grep_lines "^nodes: +$2 alive" "$C_OUT"
}
degraded() {
	nctl "$1" status
	grep_lines '^fleet: +DEGRADED' "$C_OUT"
}
# fleet_decides I: node I's verdict for the US address comes from the fleet.
fleet_decides() {
	nctl "$1" explain www.geo.test A --client 127.0.0.1
	grep_lines "^fleet: +check probe $US: (up|down) by the fleet" "$C_OUT"
}
# wait_all WHAT FN [ARGS...]: FN I ARGS... comes true for every node (20 s each).
wait_all() {
	local what=$1 fn=$2 i
	shift 2
	for i in 1 2 3; do
		if ! wait_until 20 "$fn" "$i" "$@"; then
			fail "$what: node n$i: $(printf '%s' "$C_OUT" | tr '\n' '|')"
			return 1
		fi
	done
	ok "$what: all 3 nodes"
}
flag() { touch "$T/n$1/flags/down-$US"; }
unflag() { rm -f "$T/n$1/flags/down-$US"; }

# dnsperf_start I: a fixed rate of queries to node I until dnsperf_stop I. A query
# without an answer within DP_TIMEOUT seconds counts as lost (2 s: the machines that run
# the suite may be loaded well past their cores by other tests; the slowest answer is
# reported too).
DP_TIMEOUT=2
dnsperf_start() {
	dnsperf -s 127.0.0.1 -p "${NPORT[$1]}" -d "$T/queries" -l 600 -Q $QPS -c 1 -t $DP_TIMEOUT \
		>"$T/dnsperf$1.out" 2>&1 &
	DPPID[$1]=$!
}
# dnsperf_stop I: interrupts it and checks its statistics: queries sent, none lost.
dnsperf_stop() {
	local i=$1 out sent lost maxlat
	kill -INT "${DPPID[$i]}" 2>/dev/null
	wait "${DPPID[$i]}" 2>/dev/null
	DPPID[$i]=
	out=$(grep -v '^\[Timeout\]' "$T/dnsperf$i.out")
	sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' <<<"$out")
	lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' <<<"$out")
	maxlat=$(sed -n 's/.*(min [0-9.]*, max \([0-9.]*\)).*/\1/p' <<<"$out")
	echo "dnsperf against n$i:"
	sed -n '/Statistics:/,$p' <<<"$out" | sed 's/^/    | /'
	if [ -n "$sent" ] && [ "$sent" -gt $((QPS * 5)) ] && [ "$lost" = 0 ]; then
		ok "dnsperf at $QPS qps against n$i: $sent queries sent, 0 lost (${DP_TIMEOUT} s timeout), max latency ${maxlat} s"
		echo "measured: dnsperf n$i sent $sent lost $lost max latency ${maxlat} s"
	else
		fail "dnsperf against n$i: sent '${sent}', lost '${lost}' (expected many sent, 0 lost)"
	fi
}

fleet_cleanup() {
	local i
	for i in 1 2 3; do
		[ -n "${DPPID[$i]:-}" ] && kill "${DPPID[$i]}" 2>/dev/null
		[ -n "${NPID[$i]:-}" ] && kill -TERM "${NPID[$i]}" 2>/dev/null
	done
	for i in 1 2 3; do
		[ -n "${NJOB[$i]:-}" ] && wait "${NJOB[$i]}" 2>/dev/null
		[ -n "${EPID[$i]:-}" ] && kill -KILL "${EPID[$i]}" 2>/dev/null
	done
	gs_cleanup
}
trap fleet_cleanup EXIT

# ================================================================ the run

section "a 3-member etcd cluster and 3 nodes"
# A port found free may be taken by another process before etcd binds it (other tests
# run in parallel): then the cluster is started again on new ports, at most 3 times.
for try in 1 2 3; do
	for i in 1 2 3; do etcd_start "$i"; done
	taken=
	for i in 1 2 3; do
		wait_until 30 etcd_settled "$i" || true
		if grep -q "address already in use" "$T/etcd$i.log" 2>/dev/null; then
			taken=$i
			break
		fi
	done
	[ -n "$taken" ] || break
	[ "$try" -lt 3 ] || fatal "etcd member $taken: its port was taken three times"
	echo "# etcd member $taken: port taken by another process; new ports, try $((try + 1))"
	for i in 1 2 3; do
		etcd_stop "$i" KILL
		rm -rf "$T/etcd$i" "$T/etcd$i.log"
	done
	etcd_ports
done
etcd_wait 1 2 3
for i in 1 2 3; do node_start "$i"; done
for i in 1 2 3; do dnsperf_start "$i"; done
wait_all "connected, 3 nodes alive" connected 3
wait_all "own probe of US up" own_state up
wait_all "the fleet decides the US address" fleet_decides
T0_MS=$(now_ms)
expect_all "$US" 5000 "all probes up"
# Every node has a result (none says "no result yet") once all three vote.
three_vote() {
	nctl 1 explain www.geo.test A --client 127.0.0.1
	grep_lines "^fleet: +check probe $US: up by the fleet \(quorum majority: 0 of 3 fresh observations say down, 3 nodes alive\)" "$C_OUT"
}
wait_until 10 three_vote
expect_text out "^fleet: +check probe $US: up by the fleet \(quorum majority: 0 of 3 fresh observations say down, 3 nodes alive\)"
expect_text out "^  node: +n1 \(this node\): up"
expect_text out "^  node: +n2: up, for [0-9]+ s, confirmed [0-9]+ s ago"
expect_text out "^  node: +n3: up"
# The EU address gets its three votes on its own schedule (each node's first probe of it
# may come later than of US): wait for both to be the fleet's before looking.
VERDICTS_RE='^verdicts: +2 addresses: 2 by the fleet, 0 by own checks \(no quorum\), 0 by own checks \(disconnected\)'
both_by_fleet() {
	nctl 2 status
	grep_lines "$VERDICTS_RE" "$C_OUT"
}
wait_until 10 both_by_fleet
nctl 2 status
expect_text out "$VERDICTS_RE"
# The same lines in the JSON form, with typed fields (server/base/kv.h); the nodes'
# ages may move on between the two requests.
ctl_json fleet-explain "node" "$T/n1/control.sock" explain www.geo.test A --client 127.0.0.1 <<EOF
fleet[address=$US].check str probe
fleet[address=$US].by str fleet
fleet[address=$US].up bool true
fleet[address=$US].quorum str majority
fleet[address=$US].observations int 3
fleet[address=$US].down int 0
fleet[address=$US].nodes_alive int 3
node[node=n1].this_node bool true
node[node=n1].up bool true
node[node=n2].this_node bool false
node[node=n2].counted bool true
node[node=n2].confirmed_s_ago int *
node[node=n3].up bool true
EOF
ctl_json fleet-status "" "$T/n2/control.sock" status <<EOF
fleet.connected bool true
fleet.node str n2
fleet.quorum str majority
fleet.etcd str *
nodes.alive int 3
nodes.names list 3
nodes.this_node_seen bool true
verdicts.addresses int 2
verdicts.fleet int 2
verdicts.no_quorum int 0
fleet_forces.count int *
conflict list 0
EOF

# majority_round WHAT: one node's probe down keeps US; two switch to EU within
# fall x interval + 2 s; recovery brings US back.
majority_round() {
	local what=$1
	section "$what: one node's probe of US fails"
	flag 1
	wait_until 10 own_state 1 down && ok "$what: n1's own check says down" ||
		fail "$what: n1's own check does not say down: $C_OUT"
	keep_all_unasked "$US" 1500 "$what: one of three says down (quorum majority)" one_down_view 2 3
	nctl 3 explain www.geo.test A --client 127.0.0.1
	expect_text out "^fleet: +check probe $US: up by the fleet \(quorum majority: 1 of 3 fresh observations say down"
	section "$what: a second node's probe fails"
	flag 2
	T0_MS=$(now_ms)
	expect_all "$EU" $((FALL * INTERVAL_MS + 2000)) "$what: two of three say down"
	nctl 3 explain www.geo.test A --client 127.0.0.1
	expect_text out "^fleet: +check probe $US: down by the fleet \(quorum majority: 2 of 3"
	expect_text out "^dc: +us-east: skipped \(every address down\); A $US down \(fleet\)$"
	nctl 3 health
	expect_text out "^probe +$US +down \(fleet; own check up\)"
	health_json 3 <<EOF
entries[address=$US].up bool true
entries[address=$US].fleet_up bool false
entries[address=$US].state str down (fleet; own check up)
EOF
	section "$what: the probes recover"
	unflag 1
	unflag 2
	T0_MS=$(now_ms)
	expect_all "$US" $((RISE * INTERVAL_MS + 2000)) "$what: probes recovered"
}

# timed_force_round NODE SECONDS WHAT
timed_force_round() {
	local n=$1 secs=$2 what=$3 i
	section "$what: force us-east down for ${secs}s on n$n"
	T0_MS=$(now_ms)
	nctl "$n" force us-east down --for "${secs}s" --reason test
	expect_rc 0
	expect_all "$EU" 1000 "$what: a timed force set on n$n"
	for i in 1 2 3; do
		nctl "$i" health
		expect_text out "^ +force: down by uid $(id -u) on node n$n at [0-9T:Z-]+ until [0-9T:Z-]+ \([0-9] s left\) reason: test$"
		health_json "$i" <<EOF
entries[datacenter=us-east].force.state str down
entries[datacenter=us-east].force.node str n$n
entries[datacenter=us-east].force.reason str test
EOF
	done
	expect_all "$US" $((secs * 1000 + 2000)) "$what: the ${secs} s force reverts by itself"
	if [ "$WAITED_MS" -ge $((secs * 1000 - 1000)) ]; then
		ok "$what: not reverted before its time ($(fmt_ms "$WAITED_MS") >= $((secs - 1)) s)"
	else
		fail "$what: reverted after $(fmt_ms "$WAITED_MS"), before the ${secs} s"
	fi
}

majority_round "3 etcd members"
timed_force_round 2 5 "3 etcd members"

section "a node with another definition of the check is reported, not counted"
b64() { printf '%s' "$1" | base64 -w0; }
EURL="http://127.0.0.1:${ECP[2]}"
ckey="/geosteer/test/obs/n9/probe/$US"
lease=$(curl -s --max-time 2 -X POST "$EURL/v3/lease/grant" -d '{"TTL":30}' | sed -n 's/.*"ID":"\([0-9]*\)".*/\1/p')
curl -s --max-time 2 -X POST "$EURL/v3/kv/put" \
	-d "{\"key\":\"$(b64 "$ckey")\",\"value\":\"$(b64 '{"up":false,"initial":false,"since":0,"def":"0123456789abcdef"}')\",\"lease\":\"$lease\"}" >/dev/null
conflict_shown() {
	nctl "$1" status
	grep_lines "^conflict: +check probe for $US: 1 node run another definition \(not counted\)" "$C_OUT"
}
wait_all "status reports the other definition" conflict_shown
ctl_json fleet-conflict "" "$T/n1/control.sock" status <<EOF
conflict list 1
conflict.0.check str probe
conflict.0.address str $US
conflict.0.nodes int 1
EOF
grep -q "fleet: node n9 runs another definition of check probe for $US" "$T/n1/log" &&
	ok "the log names the node with another definition" || fail "no conflict line in n1's log"
m=$(curl -s --max-time 2 "http://127.0.0.1:${MPORT[1]}/metrics")
grep -q '^geosteer_fleet_conflicts 1$' <<<"$m" && ok "metrics: geosteer_fleet_conflicts 1" ||
	fail "metrics: $(grep fleet_conflicts <<<"$m")"
keep_all "$US" 500 "its 'down' is not counted"
curl -s --max-time 2 -X POST "$EURL/v3/kv/deleterange" -d "{\"key\":\"$(b64 "$ckey")\"}" >/dev/null
no_conflict() {
	nctl "$1" status
	! grep_lines '^conflict:' "$C_OUT"
}
wait_all "the conflict is gone with the key" no_conflict

section "a force of a name no service has is refused and not left in etcd"
nctl 1 force nowhere down
expect_rc 1
expect_text err "no service has a datacenter named 'nowhere'"
left=$(curl -s --max-time 2 -X POST "$EURL/v3/kv/range" -d "{\"key\":\"$(b64 /geosteer/test/force/dc/nowhere)\"}")
[[ $left != *'"kvs"'* ]] && ok "etcd holds no force of 'nowhere'" || fail "etcd still holds it: $left"

section "metrics"
m=$(curl -s --max-time 2 "http://127.0.0.1:${MPORT[1]}/metrics")
grep -q '^geosteer_fleet_connected 1$' <<<"$m" && ok "metrics: geosteer_fleet_connected 1" ||
	fail "metrics: no geosteer_fleet_connected 1: $(grep fleet <<<"$m")"
grep -q '^geosteer_fleet_nodes_seen 3$' <<<"$m" && ok "metrics: geosteer_fleet_nodes_seen 3" ||
	fail "metrics: no geosteer_fleet_nodes_seen 3"
grep -q "^geosteer_fleet_verdict_source{check=\"probe\",address=\"$US\",source=\"fleet\"} 1$" <<<"$m" &&
	ok "metrics: the US address is decided by the fleet" || fail "metrics: verdict source: $(grep verdict_source <<<"$m")"

# settled I: node I has been connected, with 3 nodes alive, for 2 s or more (after a
# member's death the others may first elect a leader, and a node may go degraded
# meanwhile).
settled() {
	local since
	connected "$1" 3 || return 1
	since=$(sed -n 's/^fleet: .* since \([0-9TZ:-]*\) .*/\1/p' <<<"$C_OUT")
	[ -n "$since" ] && [ $(($(date +%s) - $(date -d "$since" +%s))) -ge 2 ]
}

section "one etcd member killed"
etcd_stop 1 KILL
wait_until 30 etcd_healthy 2 && wait_until 30 etcd_healthy 3 && ok "etcd members 2 and 3 have a leader" ||
	fail "etcd members 2 and 3 are not healthy"
wait_all "connected through the other members, settled" settled
majority_round "2 etcd members"
timed_force_round 3 2 "2 etcd members"

section "every etcd member stopped"
flag 1
wait_until 10 own_state 1 down || fail "n1's own check does not say down"
keep_all_unasked "$US" 500 "before the stop: n1 alone says down" one_down_view 2 3
etcd_stop 2
etcd_stop 3
wait_all "degraded" degraded
expect_text out "serves from its own checks and the last known forces"
T0_MS=$(now_ms)
wait_until 5 test "$(answer 1)" = "$EU" && ok "degraded n1 answers EU from its own check" ||
	fail "degraded n1 answers '$(answer 1)', expected $EU (its own check)"
expect_eq "degraded n2 answers by its own check" "$US" "$(answer 2)"
expect_eq "degraded n3 answers by its own check" "$US" "$(answer 3)"
m=$(curl -s --max-time 2 "http://127.0.0.1:${MPORT[1]}/metrics")
grep -q '^geosteer_fleet_connected 0$' <<<"$m" && ok "metrics: geosteer_fleet_connected 0" ||
	fail "metrics: $(grep fleet_connected <<<"$m")"
grep -q "^geosteer_fleet_verdict_source{check=\"probe\",address=\"$US\",source=\"disconnected\"} 1$" <<<"$m" &&
	ok "metrics: verdict source disconnected" || fail "metrics: $(grep verdict_source <<<"$m")"
grep -q 'fleet: degraded: .*serving from this node' "$T/n1/log" && ok "the log says degraded" ||
	fail "no degraded line in n1's log"
flag 2
wait_until 10 own_state 2 down || fail "n2's own check does not say down"
wait_until 5 test "$(answer 2)" = "$EU" && ok "degraded n2 answers EU from its own check" ||
	fail "degraded n2 answers '$(answer 2)'"
expect_eq "degraded n3 still answers by its own check" "$US" "$(answer 3)"

section "etcd back: the nodes converge"
for i in 1 2 3; do etcd_start "$i"; done
etcd_wait 1 2 3
T0_MS=$(now_ms)
wait_all "connected again, 3 nodes alive" connected 3
expect_all "$EU" 10000 "converged: n3 follows the majority again"
grep -q 'fleet: connected to etcd' "$T/n3/log" && ok "n3 logs the reconnection" || fail "n3: no reconnection line"
unflag 1
unflag 2
T0_MS=$(now_ms)
expect_all "$US" $((RISE * INTERVAL_MS + 2000)) "after convergence the probes recover"

section "this node's lease lost: it publishes again under a new one"
ECTL=(etcdctl --endpoints "http://127.0.0.1:${ECP[1]},http://127.0.0.1:${ECP[2]},http://127.0.0.1:${ECP[3]}")
lease_of() {
	"${ECTL[@]}" get "/geosteer/test/$1" -w json 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["kvs"][0]["lease"] if d.get("kvs") else "")'
}
old_lease=$(lease_of node/n1)
[ -n "$old_lease" ] && ok "n1's node key has lease $old_lease" || fail "n1 has no node key"
"${ECTL[@]}" lease revoke "$(printf '%x' "$old_lease")" >/dev/null 2>&1
new_lease_published() {
	local l
	l=$(lease_of "obs/n1/probe/$US")
	[ -n "$l" ] && [ "$l" != "$old_lease" ]
}
wait_until 10 new_lease_published && ok "n1's observation is back under a new lease" ||
	fail "n1's observation was not published again"
grep -q "fleet: this node's lease expired" "$T/n1/log" && ok "n1 logs the lost lease" ||
	fail "no lease line in n1's log"
wait_all "connected, 3 nodes alive after the lease came back" connected 3

section "a frozen etcd (every member stopped with SIGSTOP): no answer waits for it"
for i in 1 2 3; do kill -STOP "${EPID[$i]}"; done
wait_all "degraded while etcd does not answer" degraded
keep_all_unasked "$US" 500 "answers go on from the nodes' own checks" own_up_view 1 2 3
for i in 1 2 3; do kill -CONT "${EPID[$i]}"; done
wait_all "connected again once etcd answers" connected 3

section "a node restarted while etcd is down keeps the fleet's force"
nctl 1 force us-east down --reason "kept while etcd is down"
expect_rc 0
T0_MS=$(now_ms)
expect_all "$EU" 1000 "an untimed fleet force"
wait_until 5 grep -Eq '^dc us-east down by=[0-9]+ at=[0-9]+ reason=kept%20while%20etcd%20is%20down node=n1$' "$T/n3/state" &&
	ok "n3's state file holds the fleet force, with the node it was set on" ||
	fail "n3's state file: $(cat "$T/n3/state")"
for i in 1 2 3; do etcd_stop "$i"; done
wait_all "degraded" degraded
nctl 2 force us-east auto
expect_rc 1
expect_text err "etcd is unreachable"
dnsperf_stop 3
node_stop 3
node_start 3
expect_eq "restarted n3 answers by the force it knew" "$EU" "$(answer 3)"
wait_until 10 degraded 3 && ok "restarted n3 reports itself degraded" || fail "n3 status: $C_OUT"
nctl 3 health
expect_text out "^ +force: down by uid $(id -u) on node n1 at .* no expiry reason: kept while etcd is down$"
for i in 1 2 3; do etcd_start "$i"; done
etcd_wait 1 2 3
wait_all "connected again" connected 3
T0_MS=$(now_ms)
nctl 2 force us-east auto
expect_rc 0
expect_all "$US" 1000 "force auto through the fleet"

section "dnsperf: no query lost during the whole run"
dnsperf_stop 1
dnsperf_stop 2
for i in 1 2 3; do node_stop "$i"; done
for i in 1 2 3; do etcd_stop "$i"; done
echo "elapsed: ${SECONDS}s"
echo "$TEST_NAME: $N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
