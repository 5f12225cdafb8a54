# SPDX-License-Identifier: MIT
# unbound-lib.sh -- a throw-away unbound in front of geosteerd, for the system tests
# that resolve through a real recursive resolver (unbound.sh, dnssec-presigned.sh,
# dnssec-steer.sh, dnssec-resign.sh). Sourced after lib.sh. ub_start writes the
# configuration into $T/unbound, starts Debian's unbound in the foreground (-d) as a
# background job on a free loopback port (UPORT), with a stub-zone to geosteerd for
# each zone asked for, and waits (bounded) until it resolves a probe question;
# ub_stop ends it by PID (SIGTERM, bounded wait, SIGKILL and a failure if it lingers).
# delv_anchor and delv_expect run BIND's delv, the other validator of these tests.
#
# Set before ub_start:
#   UB_STUBS    zones sent to geosteerd (127.0.0.1@$PORT), space-separated
#   UB_PROBE    "NAME TYPE" that must come back NOERROR once unbound is ready
#   UB_MODULES  module-config (default "validator iterator")
#   UB_ANCHORS  DS files used as trust anchors; when set, unbound validates with
#               failures logged (val-log-level 2) and DNSSEC stripping refused
#   UB_ECS=1    send ECS to geosteerd (the client's, or unbound's client's address),
#               at most /24 for IPv4 and /56 for IPv6
#   UB_SERVER   more lines for the server: clause (each indented by four spaces)
#   UB_TAIL     more clauses after the server: clause
[ -n "${BASH_VERSION:-}" ] || {
	echo "unbound-lib.sh needs bash" >&2
	exit 99
}

UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
: "${GS_UNBOUND_TIMEOUT:=15}"
UB_PID=
UB_JOB=
UPORT=
UB_STUBS=
UB_PROBE=
UB_MODULES="validator iterator"
UB_ANCHORS=
UB_ECS=
UB_SERVER=
UB_TAIL=

# ub_require TOOL...: skips the test (77) unless unbound and every TOOL are installed.
ub_require() {
	local tool
	for tool in unbound-checkconf "$UNBOUND" "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "SKIP: $tool is not installed (apt-get install unbound ldnsutils bind9-dnsutils curl;" \
				"scripts/deps.sh)"
			exit 77
		fi
	done
}

# ub_conf: the configuration for the current settings, on stdout.
ub_conf() {
	local dir="$T/unbound" f z
	cat <<EOF
# written by tests/system/$TEST_NAME.sh
server:
    interface: 127.0.0.1
    port: $UPORT
    do-ip4: yes
    do-ip6: no
    do-udp: yes
    do-tcp: yes
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: 1
    chroot: ""
    username: ""
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    num-threads: 1
    so-reuseport: no
    access-control: 127.0.0.0/8 allow
    # geosteerd is on loopback: allow asking it.
    do-not-query-localhost: no
    module-config: "$UB_MODULES"
    qname-minimisation: no
    # test. is one of the names unbound answers locally by default (RFC 6761).
    local-zone: "test." nodefault
    prefetch: no
EOF
	if [ -n "$UB_ANCHORS" ]; then
		cat <<EOF
    # The zones are signed by the test: its own trust anchors, no root, no time skew.
    val-log-level: 2
    harden-dnssec-stripped: yes
EOF
		for f in $UB_ANCHORS; do
			echo "    trust-anchor-file: \"$f\""
		done
	fi
	if [ -n "$UB_ECS" ]; then
		cat <<EOF
    # RFC 7871: send the client's subnet (from its ECS option, or its own address)
    # to this authority, at most a /24 (IPv4) or /56 (IPv6).
    send-client-subnet: 127.0.0.1
    client-subnet-always-forward: yes
    max-client-subnet-ipv4: 24
    max-client-subnet-ipv6: 56
EOF
	fi
	[ -z "$UB_SERVER" ] || printf '%s\n' "$UB_SERVER"
	[ -z "$UB_TAIL" ] || printf '%s\n' "$UB_TAIL"
	for z in $UB_STUBS; do
		printf 'stub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n' "$z" "$PORT"
	done
}

# ub_start: starts unbound (see the top of this file); its log is appended to
# $T/unbound/unbound.log, so a second unbound of the same test keeps the first one's.
ub_start() {
	local dir="$T/unbound" attempt size deadline
	[ -n "$UB_STUBS" ] && [ -n "$UB_PROBE" ] || fatal "ub_start: UB_STUBS and UB_PROBE must be set"
	mkdir -p "$dir"
	touch "$dir/unbound.log"
	for attempt in 1 2 3; do
		UPORT=$("$PY" "$RAWDNS" freeport) || fatal "no free port for unbound"
		ub_conf >"$dir/unbound.conf"
		if ! unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.out" 2>&1; then
			cat "$dir/checkconf.out"
			fatal "unbound-checkconf refused the test configuration"
		fi
		size=$(stat -c %s "$dir/unbound.log")
		"$UNBOUND" -d -c "$dir/unbound.conf" >>"$dir/unbound.log" 2>&1 </dev/null &
		UB_JOB=$!
		UB_PID=$UB_JOB
		deadline=$((SECONDS + GS_UNBOUND_TIMEOUT))
		while [ $SECONDS -lt $deadline ] && kill -0 "$UB_PID" 2>/dev/null; do
			# shellcheck disable=SC2086 # UB_PROBE is "NAME TYPE"
			if dig +tries=1 +time=1 @127.0.0.1 -p "$UPORT" $UB_PROBE 2>/dev/null |
				grep -q 'status: NOERROR'; then
				echo "unbound pid $UB_PID on 127.0.0.1:$UPORT, stub-zones $UB_STUBS -> 127.0.0.1@$PORT${UB_ANCHORS:+, validating}"
				return 0
			fi
			sleep 0.2
		done
		if ! kill -0 "$UB_PID" 2>/dev/null &&
			tail -c +$((size + 1)) "$dir/unbound.log" | grep -qi 'address already in use'; then
			wait "$UB_JOB" 2>/dev/null
			UB_PID=
			echo "port $UPORT taken meanwhile, retrying"
			continue
		fi
		echo "--- unbound log:"
		tail -n 30 "$dir/unbound.log"
		fatal "unbound did not resolve $UB_PROBE within ${GS_UNBOUND_TIMEOUT}s"
	done
	fatal "could not find a port for unbound"
}

# ub_stop: SIGTERM to our unbound, bounded wait, SIGKILL (a failure) if it lingers.
ub_stop() {
	[ -n "$UB_PID" ] || return 0
	local pid=$UB_PID i=0
	UB_PID=
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		fail "unbound (pid $pid) did not stop within 5s of SIGTERM (killed)"
	else
		ok "unbound (pid $pid) stopped"
	fi
	wait "$UB_JOB" 2>/dev/null
}

# ub_no_validation_failures: unbound's log has no validation failure (each an assertion).
ub_no_validation_failures() {
	if grep -qiE 'validation failure|bogus' "$T/unbound/unbound.log"; then
		fail "unbound logged validation failures:"
		grep -iE 'validation failure|bogus' "$T/unbound/unbound.log" | head -n 10 | sed 's/^/    | /'
	else
		ok "unbound logged no validation failure"
	fi
}

# delv_anchor ZONE: $T/ZONE.anchor, a trust-anchors clause for delv made from the DS
# record in $T/ZONE.ds (the test's own KSK of ZONE).
delv_anchor() {
	local tag alg dt digest
	read -r _ _ _ tag alg dt digest <"$T/$1.ds" || fatal "no DS in $T/$1.ds"
	printf 'trust-anchors { "%s." static-ds %s %s %s "%s"; };\n' "$1" "$tag" "$alg" "$dt" \
		"$digest" >"$T/$1.anchor"
}

# delv_expect ZONE VERDICT NAME TYPE ERE [DELV-OPTION...]: delv asks geosteerd for NAME
# TYPE with ZONE's anchor (delv_anchor) as its only trust anchor; it must say
# "; VERDICT" (an ERE: "fully validated", "unsigned answer", ...) and, unless ERE is
# empty, print a record matching ERE (blanks squeezed to one space).
delv_expect() {
	local zone=$1 verdict=$2 name=$3 type=$4 ere=$5
	shift 5
	LAST_CMD="delv @127.0.0.1 -p $PORT $* -a $T/$zone.anchor +root=$zone $name $type"
	timeout -k 2 20 delv @127.0.0.1 -p "$PORT" "$@" -a "$T/$zone.anchor" +root="$zone" \
		"$name" "$type" >"$T/delv.out" 2>&1
	if grep -qE "^; ($verdict)" "$T/delv.out" &&
		{ [ -z "$ere" ] || tr -s ' \t' '  ' <"$T/delv.out" | grep -qE "$ere"; }; then
		ok "$LAST_CMD: $(grep -m1 -E "^; ($verdict)" "$T/delv.out")"
	else
		fail "$LAST_CMD: not '$verdict'${ere:+ with a record matching /$ere/}:"
		sed 's/^/    | /' "$T/delv.out"
	fi
}

trap 'ub_stop >/dev/null; gs_cleanup' EXIT
