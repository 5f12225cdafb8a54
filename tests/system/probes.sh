#!/bin/bash
# SPDX-License-Identifier: MIT
# probes.sh -- every kind of health probe of the real daemon against real servers on
# loopback, read back through `geosteerctl health` (the state and the text of the last
# result of each (check, address) target). One service per check, rise 1 and fall 1, so
# that the first result decides the state.
#   http:  the status list (200 accepted, 503 refused, 503 accepted when listed, a 302
#          not followed), the Host header from `host`, a response timeout, a refused
#          connection, IPv6 (with `host`, the connection still goes to the address);
#   https: a self-signed certificate made here: tls_verify off accepts it and sends
#          `host` as SNI, tls_verify on refuses it, the status list applies over TLS;
#   tcp:   connected, refused, IPv6, and a connect timeout against a full accept queue;
#   exec:  exit codes with %a substituted per address, a missing program,
#          a timeout that kills the command's process group, and a command that exits
#          leaving a background process (killed with the group).
#
#   A   127.0.0.31   HTTP on PORT, HTTPS on TLS_PORT
#   B   127.0.0.32   nothing listens (refused)
#   C   127.0.0.33   a listener with a full accept queue (connect hangs)
#   ::1              HTTP on PORT (when the machine has IPv6 loopback)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

A=127.0.0.31
B=127.0.0.32
C=127.0.0.33
v6_addrs=()
[ -n "$HAVE_V6" ] && v6_addrs=(::1)
HPORT=$("$PY" "$BACKEND" port $A $B "${v6_addrs[@]}") || fatal "no port free on $A, $B ${v6_addrs[*]}"
TLS_PORT=$("$PY" "$BACKEND" port $A) || fatal "no port free on $A"

# serve NAME ADDR PORT [CERT KEY]: a backend of failover-backend.py in $T/NAME, waited for.
serve() {
	local name=$1 dir="$T/$1" i=0
	mkdir -p "$dir"
	"$PY" "$BACKEND" serve "$2" "$3" "$dir" "${@:4}" 2>>"$dir/log" &
	while [ ! -f "$dir/ready" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -f "$dir/ready" ] || fatal "backend $name did not start: $(cat "$dir/log")"
}

# A fresh self-signed certificate for health.test, never committed.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=health.test -addext subjectAltName=DNS:health.test \
	-keyout "$T/key.pem" -out "$T/cert.pem" >"$T/openssl.log" 2>&1 ||
	fatal "openssl: $(cat "$T/openssl.log")"

serve http $A "$HPORT"
serve https $A "$TLS_PORT" "$T/cert.pem" "$T/key.pem"
[ -n "$HAVE_V6" ] && serve http6 ::1 "$HPORT"
mkdir -p "$T/backlog"
"$PY" "$BACKEND" backlog $C "$T/backlog" 2>>"$T/backlog/log" &
wait_until 10 test -f "$T/backlog/ready" || fatal "backlog listener: $(cat "$T/backlog/log")"
QPORT=$(<"$T/backlog/ready")

# The exec commands. check.sh ADDR DIR: exits 0 when DIR/up-ADDR exists.
cat >"$T/check.sh" <<'EOF'
#!/bin/sh
echo "checked $1"
test -e "$2/up-$1"
EOF
# slow.sh: the first run starts a grandchild in its group and records both pids; every
# run outlives the timeout.
cat >"$T/slow.sh" <<EOF
#!/bin/sh
if [ ! -e '$T/slow.pids' ]; then
	sleep 30 &
	echo \$\$ \$! >'$T/slow.pids.tmp'
	mv '$T/slow.pids.tmp' '$T/slow.pids'
fi
exec sleep 30
EOF
# bg.sh: exits 0 at once, leaving a background process (the first run records its pid).
cat >"$T/bg.sh" <<EOF
#!/bin/sh
sleep 30 &
[ -e '$T/bg.pid' ] || { echo \$! >'$T/bg.pid.tmp'; mv '$T/bg.pid.tmp' '$T/bg.pid'; }
exit 0
EOF
chmod +x "$T/check.sh" "$T/slow.sh" "$T/bg.sh"

cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 1 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF

T1="interval: 1s, timeout: 500ms, rise: 1, fall: 1"
# service CHECK ADDRESS...: a service checked by CHECK with one datacenter of ADDRESSes.
service() {
	local check=$1
	shift
	local list
	list=$(printf '"%s", ' "$@")
	cat <<EOF
  s-$check:
    names: [$check.geo.test.]
    map: m
    ttl: 60
    check: $check
    datacenters:
      d: [${list%, }]
EOF
}
v6_too=()
[ -n "$HAVE_V6" ] && v6_too=(::1)
gs_start <<EOF
$(zones_yaml)
  - name: geo.test.
    file: $T/geo.test.zone
checks:
  h200: {type: http, port: $HPORT, path: /healthz, $T1}
  h503: {type: http, port: $HPORT, path: /status/503, $T1}
  h503ok: {type: http, port: $HPORT, path: /status/503, expect: [200, 503], $T1}
  h302: {type: http, port: $HPORT, path: /status/302, expect: [204, 301], $T1}
  hnohost: {type: http, port: $HPORT, path: /host/www.geo.example, $T1}
  hhost: {type: http, port: $HPORT, path: /host/www.geo.example, host: www.geo.example, $T1}
  hslow: {type: http, port: $HPORT, path: /sleep, interval: 1s, timeout: 300ms, rise: 1, fall: 1}
  hrefused: {type: http, port: $HPORT, $T1}
  tlsoff: {type: https, port: $TLS_PORT, host: health.test, tls_verify: false, $T1}
  tlson: {type: https, port: $TLS_PORT, host: health.test, $T1}
  tls503: {type: https, port: $TLS_PORT, host: health.test, tls_verify: false, path: /status/503, $T1}
  tcpok: {type: tcp, port: $HPORT, $T1}
  tcphang: {type: tcp, port: $QPORT, interval: 1s, timeout: 300ms, rise: 1, fall: 1}
  exflag: {type: exec, command: ["$T/check.sh", "%a", "$T"], $T1}
  extrue: {type: exec, command: ["/bin/true"], $T1}
  exmissing: {type: exec, command: ["/nonexistent/check"], $T1}
  exslow: {type: exec, command: ["$T/slow.sh"], $T1}
  exbg: {type: exec, command: ["$T/bg.sh"], $T1}
maps:
  m: {default: [d]}
services:
$(service h200 $A)
$(service h503 $A)
$(service h503ok $A)
$(service h302 $A)
$(service hnohost $A)
$(service hhost $A "${v6_too[@]}" $B)
$(service hslow $A)
$(service hrefused $B)
$(service tlsoff $A)
$(service tlson $A)
$(service tls503 $A)
$(service tcpok $A "${v6_too[@]}" $B)
$(service tcphang $C)
$(service exflag $A $B)
$(service extrue $A)
$(service exmissing $A)
$(service exslow $A)
$(service exbg $A)
EOF

# expect_health CHECK ADDRESS STATE TEXT_ERE: waits (bounded) until `geosteerctl health`
# shows the target in STATE ("up" or "down", after a result) with a last result that
# matches TEXT_ERE.
expect_health() {
	local re="^$1 +$2 +$3 +[^(].*$4"
	if wait_health "$re" 10; then
		ok "$1 $2: $3, /$4/"
	else
		fail "$1 $2: expected $3 with /$4/, got:"
		printf '%s\n' "$C_OUT" | sed 's/^/    | /'
	fi
}

section "http: the expected status list"
expect_health h200 $A up "HTTP 200$"
expect_health h503 $A down "HTTP 503 \(expected 200\)$"
expect_health h503ok $A up "HTTP 503$"
expect_health h302 $A down "HTTP 302 \(expected 204, 301\)$" # redirects not followed

section "http: the Host header from host:, while the connection goes to the address"
expect_health hnohost $A down "HTTP 400 \(expected 200\)$"
expect_health hhost $A up "HTTP 200$"

section "http: a response timeout, and nothing listening"
# /sleep answers 200 after 3 s: the text proves that the 300 ms timeout fired.
expect_health hslow $A down "response timeout after 300 ms$"
expect_health hrefused $B down "onnect"

section "http over IPv6"
if [ -n "$HAVE_V6" ]; then
	# With host:, the connection goes to [::1], and not to B, where nothing listens.
	expect_health hhost ::1 up "HTTP 200$"
	expect_health hhost $B down "onnect"
else
	echo "skipped: no IPv6 loopback"
fi

section "https: a self-signed certificate"
expect_health tlsoff $A up "HTTP 200$"
expect_eq "SNI name of the https probe (host:)" "health.test" "$(cat "$T/https/sni" 2>/dev/null)"
# Verification on (the default): the self-signed certificate is refused.
expect_health tlson $A down "TLS: .*certificate"
# The expected status list applies over TLS too.
expect_health tls503 $A down "HTTP 503 \(expected 200\)$"

section "tcp"
expect_health tcpok $A up "connected to port $HPORT in [0-9]+ ms$"
expect_health tcpok $B down "connect to port $HPORT: Connection refused$"
if [ -n "$HAVE_V6" ]; then
	expect_health tcpok ::1 up "connected to port $HPORT"
fi
# The queue is full: the SYN is dropped, and without the timeout the kernel would retry
# it for about two minutes.
expect_health tcphang $C down "connect timeout after 300 ms$"

section "exec: exit codes, %a per address"
expect_health exflag $A down "exit status 1: checked $A$"
expect_health exflag $B down "exit status 1: checked $B$"
touch "$T/up-$A"
expect_health exflag $A up "exit status 0: checked $A$"
ctl health
expect_text out "^exflag +$B +down +.* exit status 1: checked $B$"

section "exec: another program, a missing program"
expect_health extrue $A up "exit status 0$"
expect_health exmissing $A down "command not found or not executable: /nonexistent/check$"

# gone PID: no such process, or only a zombie (a killed grandchild waiting for init).
gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "${st:0:1}" = Z ]
}

section "exec: a timeout kills the command's process group"
# The script sleeps 30 s: the text proves the 500 ms timeout fired.
expect_health exslow $A down "timeout after 500 ms \(killed with its process group\)$"
read -r p1 p2 <"$T/slow.pids" || fail "slow.sh did not record its pids"
if [ -n "${p2:-}" ] && wait_until 5 eval "gone $p1 && gone $p2"; then
	ok "the timed-out command ($p1) and its grandchild ($p2) are gone"
else
	fail "the timed-out command ${p1:-?} or its grandchild ${p2:-?} is still running"
fi

section "exec: a command that exits leaves no background process"
expect_health exbg $A up "exit status 0$"
wait_until 5 test -s "$T/bg.pid" || fail "bg.sh did not record its background pid"
p3=$(cat "$T/bg.pid" 2>/dev/null)
if [ -n "$p3" ] && wait_until 5 gone "$p3"; then
	ok "the background process ($p3) died with the command's group"
else
	fail "the background process ${p3:-?} of an exited command is still running"
fi

finish
