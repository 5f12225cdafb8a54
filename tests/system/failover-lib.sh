# SPDX-License-Identifier: MIT
# failover-lib.sh -- shared by the health-check and control-socket system tests
# (failover.sh, failover-exec.sh, force-restart.sh, control.sh), sourced after lib.sh:
# real backends on loopback addresses, a steered zone whose map sends this test's
# client (127.0.0.1, by a networks rule) to us-east first, geosteerctl on the test
# daemon's control socket, and polling for an answer with a bounded deadline.
#
#   us-east     127.0.0.10   (backend "us")
#   eu-central  127.0.0.20   (backend "eu")
# The map's default list is the other way round, so an answer from us-east proves
# that the networks rule, not the default, chose it.

GSCTL="$top_builddir/tools/geosteerctl"
BACKEND="$top_srcdir/tests/system/failover-backend.py"
if [ ! -x "$GSCTL" ]; then
	echo "FATAL: $GSCTL is not built: run 'make tools/geosteerctl' (make builds it)" >&2
	exit 99
fi
US=127.0.0.10
EU=127.0.0.20
declare -A BE_ADDR=([us]=$US [eu]=$EU) BE_PID=()
BE_PORT=$("$PY" "$BACKEND" port "$US" "$EU") || fatal "no port free on $US and $EU"

# be_start us|eu [PORT CERT KEY]: starts that backend (HTTP on its address and BE_PORT,
# where a tcp check connects too; HTTPS on PORT with CERT and KEY) and waits until it
# listens. A TLS backend is known as us-tls / eu-tls to be_stop.
be_start() {
	local name=$1 dir port=$BE_PORT i=0
	local tls=()
	if [ $# -ge 4 ]; then
		name=$1-tls port=$2 tls=("$3" "$4")
	fi
	dir="$T/be-$name"
	mkdir -p "$dir"
	rm -f "$dir/ready"
	"$PY" "$BACKEND" serve "${BE_ADDR[$1]}" "$port" "$dir" "${tls[@]}" 2>>"$dir/log" &
	BE_PID[$name]=$!
	while [ ! -f "$dir/ready" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -f "$dir/ready" ] || fatal "backend $name did not start: $(cat "$dir/log")"
}

# be_stop us|eu|us-tls|eu-tls: stops it (connections to it are refused from now on).
be_stop() {
	[ -n "${BE_PID[$1]:-}" ] || return 0
	kill "${BE_PID[$1]}" 2>/dev/null
	wait "${BE_PID[$1]}" 2>/dev/null
	BE_PID[$1]=
}

# steer_yaml CHECK_NAME < CHECKS_YAML: the zones (lib.sh's fixtures for the readiness
# probe, plus geo.test), checks (stdin, under `checks:`), the map, the www service
# checked by CHECK_NAME (ttl 60, failover_ttl 20), and the state file $T/state. With
# FO_KEY set (a key pair's base name), geosteer signs geo.test with it, and www_a asks
# with DO=1 and wants the RRSIG of the set with each answer.
FO_KEY=
steer_yaml() {
	cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
static  IN A    192.0.2.80
EOF
	zones_yaml
	echo "  - name: geo.test."
	echo "    file: $T/geo.test.zone"
	[ -z "$FO_KEY" ] || echo "    dnssec: {keys: [$FO_KEY], denial: nsec3}"
	echo "state_file: $T/state"
	echo "checks:"
	cat
	cat <<EOF
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
    check: $1
    datacenters:
      us-east: [$US]
      eu-central: [$EU]
EOF
}

# ctl ARGS...: geosteerctl on the test daemon's socket (lib.sh's ctl_capture sets
# C_RC, C_OUT, C_ERR).
ctl() {
	ctl_capture -s "$T/control.sock" "$@"
}

# www_a: asks www.geo.test A over UDP; sets ANS ("ADDRESS TTL" of the single answer
# record, "" when there is not exactly one).
www_a() {
	local sec want=1
	if [ -n "$FO_KEY" ]; then
		q udp +dnssec www.geo.test. A
		want=2
	else
		q udp www.geo.test. A
	fi
	ANS=
	sec=${R_SEC[ANSWER]:-}
	if [ "${R_COUNT[ANSWER]:-}" = $want ] && [[ $sec =~ ^www\.geo\.test\.\ ([0-9]+)\ IN\ A\ ([0-9.]+) ]]; then
		ANS="${BASH_REMATCH[2]} ${BASH_REMATCH[1]}"
		# Signed: the RRSIG of the set goes with it, with the TTL served.
		[ $want = 1 ] || [[ $sec == *$'\n'"www.geo.test. ${BASH_REMATCH[1]} IN RRSIG A "* ]] ||
			ANS="${ANS} (no RRSIG)"
	fi
}

# now_ms: milliseconds since the epoch, without a fork (bash 5 EPOCHREALTIME).
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# wait_answer "ADDRESS TTL" LIMIT_MS: polls www.geo.test A every 100 ms until the
# answer is ADDRESS with TTL, for at most LIMIT_MS counted from T0_MS (set by the
# caller when the cause happened). Sets WAITED_MS. Returns 0 when it came in time.
wait_answer() {
	local want=$1 limit=$2 t
	while :; do
		www_a
		t=$(now_ms)
		WAITED_MS=$((t - T0_MS))
		[ "$ANS" = "$want" ] && return 0
		[ $WAITED_MS -gt "$limit" ] && return 1
		sleep 0.1
	done
}

# expect_answer "ADDRESS TTL" DESCRIPTION: the current answer, once.
expect_answer() {
	www_a
	expect_eq "$2: www.geo.test A (address ttl)" "$1" "$ANS"
}

# wait_health ERE LIMIT_S: polls `geosteerctl health` until some line matches. Before
# its first result a checked target reads "up (initial)": to wait for a result that
# says up, match "up +[^(]", not "up ".
wait_health() {
	local deadline=$((SECONDS + $2))
	while :; do
		ctl health
		grep_lines "$1" "$C_OUT" && return 0
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# fmt_ms MS: "1.234 s".
fmt_ms() {
	printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000))
}

# expect_within WHAT "ADDRESS TTL" NOMINAL_MS: waits (bounded: twice the nominal time
# plus 2 s, for a slow machine) for the answer, and reports the time it took.
expect_within() {
	local what=$1 want=$2 nominal=$3 limit
	limit=$((nominal * 2 + 2000))
	if wait_answer "$want" "$limit"; then
		ok "$what: answer '$want' after $(fmt_ms "$WAITED_MS") (nominal $(fmt_ms "$nominal"), limit $(fmt_ms "$limit"))"
		echo "measured: $what $(fmt_ms "$WAITED_MS")"
	else
		fail "$what: answer still '$ANS' after $(fmt_ms "$WAITED_MS"), expected '$want' within $(fmt_ms "$limit")"
		ctl health
		printf '%s\n' "$C_OUT" | sed 's/^/    | /'
	fi
}
