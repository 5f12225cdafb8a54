# SPDX-License-Identifier: MIT
# ecs-lib.sh -- shared by the steering system tests (ecs.sh, ecs-world.sh, explain.sh,
# unbound.sh), sourced after lib.sh: a steered test zone and configuration, queries
# with dig/kdig +subnet, the ECS option of the last answer, and geosteerctl explain
# --offline as the reference for the scope a response must carry.
#
# The test map sends North America to us-east, Europe to eu-central and every other
# client (unknown addresses included) to a third datacenter, fallback, so that each of
# the three answers is told apart by its address:
#   us-east    192.0.2.10     2001:db8:1::10
#   eu-central 198.51.100.10  2001:db8:2::10
#   fallback   203.0.113.10   2001:db8:3::10
# v4.geo.test. is a second service with IPv4 addresses only (AAAA there is NODATA).

GSCTL="$top_builddir/tools/geosteerctl"
DEMO_MMDB="$top_builddir/examples/demo.mmdb"
# need_demo_mmdb: exits 77 (skipped) when configure found no Perl writer to build the
# demo database, 99 when it should have been built but was not.
need_demo_mmdb() {
	[ -f "$DEMO_MMDB" ] && return 0
	if [ "${GS_MMDB_WRITER:-}" = no ]; then
		echo "SKIP: $DEMO_MMDB is not built: configure found no Perl MaxMind::DB::Writer (apt-get install libmaxmind-db-writer-perl, then configure again)"
		exit 77
	fi
	echo "FATAL: $DEMO_MMDB is not built: run 'make' (all builds it)" >&2
	exit 99
}
if [ ! -x "$GSCTL" ]; then
	echo "FATAL: $GSCTL is not built: run 'make tools/geosteerctl' (make builds it)" >&2
	exit 99
fi

declare -A DC_A=([us-east]=192.0.2.10 [eu-central]=198.51.100.10 [fallback]=203.0.113.10)
declare -A DC_AAAA=([us-east]=2001:db8:1::10 [eu-central]=2001:db8:2::10 [fallback]=2001:db8:3::10)

# geo_yaml DATABASE [CLIENT_SUBNET]: the geoip, maps, services and zones sections (the
# lib.sh fixture zones, so that gs_start's readiness probe answers, plus geo.test).
geo_yaml() {
	local db=$1 cs=${2:-true}
	cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
www     IN TXT  "steered by geosteer"
alias   IN CNAME www
static  IN A    192.0.2.80
EOF
	zones_yaml
	cat <<EOF
  - name: geo.test.
    file: $T/geo.test.zone
geoip:
  database: $db
  client_subnet: $cs
maps:
  steer:
    default: [fallback, eu-central, us-east]
    continents: {NA: [us-east, eu-central], EU: [eu-central, us-east]}
    networks: {198.18.0.0/15: [us-east], "2001:db8:ff::/48": [eu-central]}
services:
  www:
    names: [www.geo.test.]
    map: steer
    ttl: 60
    failover_ttl: 20
    datacenters:
      us-east: [${DC_A[us-east]}, "${DC_AAAA[us-east]}"]
      eu-central: [${DC_A[eu-central]}, "${DC_AAAA[eu-central]}"]
      fallback: [${DC_A[fallback]}, "${DC_AAAA[fallback]}"]
  v4:
    names: [v4.geo.test.]
    map: steer
    ttl: 30
    failover_ttl: 10
    datacenters:
      us-east: [192.0.2.11]
      eu-central: [198.51.100.11]
      fallback: [203.0.113.11]
EOF
}

# r_ecs: reads the ECS option of the last output (dig "; CLIENT-SUBNET: A/S/SCOPE",
# kdig ";; CLIENT-SUBNET: A/S/SCOPE") into R_ECS ("A/S/SCOPE") and R_SCOPE; both empty
# when the response has none.
r_ecs() {
	R_ECS= R_SCOPE=
	if [[ $R_LINES =~ CLIENT-SUBNET:\ ([0-9a-fA-F.:]+/[0-9]+/([0-9]+)) ]]; then
		R_ECS=${BASH_REMATCH[1]}
		R_SCOPE=${BASH_REMATCH[2]}
	fi
}

# sq dig|kdig udp|tcp|udp6|tcp6 NAME TYPE SUBNET|- [SERVER_PORT]: one query, with an ECS
# option for SUBNET, to geosteerd (or to the given port); output parsed as by q().
sq() {
	local tool=$1 proto=$2 name=$3 type=$4 subnet=$5 port=${6:-$PORT} server=127.0.0.1
	local extra=()
	case $proto in
	udp) ;;
	tcp) extra=(+tcp) ;;
	udp6) server=::1 ;;
	tcp6) server=::1 extra=(+tcp) ;;
	*) fatal "sq: unknown transport $proto" ;;
	esac
	[ "$subnet" = - ] || extra+=("+subnet=$subnet")
	case $tool in
	dig) extra=(+norec +time=2 +tries=1 "${extra[@]}") ;;
	kdig) extra=(+norec +time=2 +retry=0 "${extra[@]}") ;;
	*) fatal "sq: unknown client $tool" ;;
	esac
	LAST_CMD="$tool ${extra[*]} @$server -p $port $name $type"
	"$tool" "${extra[@]}" @"$server" -p "$port" "$name" "$type" >"$T/dig.out" 2>&1
	DIG_RC=$?
	parse_out
	r_ecs
}

# expect_dc DC TYPE [OWNER]: the answer holds DC's address of TYPE (at OWNER, default
# www.geo.test.) and no other datacenter's.
expect_dc() {
	local dc=$1 type=$2 owner=${3:-www.geo.test.} other addr
	owner=${owner%.}.
	local -n tab=DC_$type
	addr=${tab[$dc]}
	expect_rr ANSWER "^${owner//./\\.} [0-9]+ IN $type ${addr//./\\.}\$"
	for other in "${!tab[@]}"; do
		[ "$other" = "$dc" ] && continue
		addr=${tab[$other]}
		expect_no_rr ANSWER " IN $type ${addr//./\\.}\$"
	done
}

# expect_scope WANT: the response's ECS scope is WANT ("none": no ECS option).
expect_scope() {
	if [ "$1" = none ]; then
		if [ -z "$R_ECS" ]; then
			ok "$LAST_CMD: no ECS option in the response"
		else
			fail "$LAST_CMD: expected no ECS option, got CLIENT-SUBNET $R_ECS"
		fi
	elif [ "$R_SCOPE" = "$1" ]; then
		ok "$LAST_CMD: ECS scope $1 ($R_ECS)"
	else
		fail "$LAST_CMD: expected ECS scope $1, got '${R_ECS:-no ECS option}'"
		show_last
	fi
}

# explain NAME TYPE CLIENT SUBNET|- [CONFIG]: geosteerctl explain --offline on the
# daemon's own configuration. Sets X_RC, X_OUT and X[KEY] for the first line of each
# key (X[scope] is the value's first word: "24", or "none").
declare -A X
explain() {
	local name=$1 type=$2 client=$3 subnet=$4 cfg=${5:-$CFG} args=() line key
	[ "$subnet" = - ] || args=(--subnet "$subnet")
	X_CMD="geosteerctl -c $cfg explain --offline $name $type --client $client ${args[*]}"
	X_OUT=$("$GSCTL" -c "$cfg" explain --offline "$name" "$type" --client "$client" "${args[@]}" 2>&1)
	X_RC=$?
	X=()
	while IFS= read -r line; do
		[[ $line =~ ^([a-z]+):\ +(.*)$ ]] || continue
		key=${BASH_REMATCH[1]}
		[ -n "${X[$key]+set}" ] || X[$key]=${BASH_REMATCH[2]}
	done <<<"$X_OUT"
	X[scope_n]=${X[scope]:-}
	X[scope_n]=${X[scope_n]%% *}
	X[chosen_dc]=${X[chosen]:-}
	X[chosen_dc]=${X[chosen_dc]%% *}
}

# explain_ok: the last explain exited 0 (else its output is shown).
explain_ok() {
	if [ "$X_RC" = 0 ]; then
		ok "$X_CMD: exit 0 (chosen ${X[chosen_dc]:-n/a}, scope ${X[scope_n]:-n/a})"
	else
		fail "$X_CMD: exit $X_RC"
		printf '%s\n' "$X_OUT" | sed 's/^/    | /'
	fi
}

# steer_check TOOL PROTO NAME TYPE SUBNET DC [positive]: one query; the answer is DC's
# address, the ECS scope equals what explain --offline says for the same client and
# subnet (the explain run of the caller, in X), and with "positive" it is above 0.
steer_check() {
	local tool=$1 proto=$2 name=$3 type=$4 subnet=$5 dc=$6 positive=${7:-}
	sq "$tool" "$proto" "$name" "$type" "$subnet"
	if [ "$R_STATUS" != NOERROR ]; then
		fail "$LAST_CMD: expected NOERROR, got '${R_STATUS:-no answer (exit $DIG_RC)}'"
		show_last
		return
	fi
	expect_dc "$dc" "$type" "$name"
	if [ "$subnet" = - ]; then
		expect_scope none
		return
	fi
	expect_scope "${X[scope_n]}"
	if [ -n "$positive" ]; then
		if [[ $R_SCOPE =~ ^[0-9]+$ ]] && [ "$R_SCOPE" -gt 0 ]; then
			ok "$LAST_CMD: scope $R_SCOPE > 0"
		else
			fail "$LAST_CMD: expected a scope above 0, got '${R_SCOPE:-none}'"
		fi
	fi
}
