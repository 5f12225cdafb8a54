#!/bin/bash
# SPDX-License-Identifier: MIT
# fleet-tls.sh -- the fleet's connection to etcd with TLS and authentication
# (docs/fleet.md, "TLS and authentication"): a one-member etcd on https with client
# certificates (a CA, server and client certificates made here with openssl); a node
# with ca/cert/key connects and its force reaches etcd, a node without a client
# certificate is degraded. Then etcd's own users: with `auth enable`, a node with user
# and password_file connects, a wrong password leaves it degraded saying
# "authentication", and the password is in no log, status or metrics output.
# Skipped (77) when etcd is not installed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
if ! command -v etcd >/dev/null 2>&1 || ! command -v etcdctl >/dev/null 2>&1; then
	echo "SKIP: etcd is not installed (apt-get install etcd-server etcd-client)"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null 2>&1 || fatal "openssl not found"
command -v curl >/dev/null 2>&1 || fatal "curl not found"
GSCTL="$top_builddir/tools/geosteerctl"
PW="s3cret-$$-pw"

section "certificates"
C="$T/tls"
mkdir -p "$C"
mk() { openssl "$@" >>"$C/openssl.log" 2>&1 || fatal "openssl $1 failed: $(tail -3 "$C/openssl.log")"; }
mk req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ca-key.pem" \
	-out "$C/ca.pem" -days 2 -subj /CN=geosteer-test-ca
for who in server client; do
	mk req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$who-key.pem" \
		-out "$C/$who.csr" -subj "/CN=$who"
	if [ $who = server ]; then
		# clientAuth too: with --client-cert-auth, etcd's own gateway presents the
		# server certificate to etcd's gRPC side.
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >"$C/$who.ext"
	else
		printf 'extendedKeyUsage=clientAuth\n' >"$C/$who.ext"
	fi
	mk x509 -req -in "$C/$who.csr" -CA "$C/ca.pem" -CAkey "$C/ca-key.pem" -CAcreateserial \
		-out "$C/$who.pem" -days 2 -extfile "$C/$who.ext"
done
ok "a CA, a server and a client certificate"

ECP=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
EPP=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"
[ "$ECP" != "$EPP" ] || EPP=$((EPP + 1))
EPID=
URL="https://127.0.0.1:$ECP"
# etcd_start [EXTRA...]: one member on https (its data survives a restart).
etcd_start() {
	etcd --name e1 --data-dir "$T/etcd" --listen-client-urls "$URL" --advertise-client-urls "$URL" \
		--listen-peer-urls "http://127.0.0.1:$EPP" --initial-advertise-peer-urls "http://127.0.0.1:$EPP" \
		--initial-cluster "e1=http://127.0.0.1:$EPP" --cert-file "$C/server.pem" \
		--key-file "$C/server-key.pem" "$@" >>"$T/etcd.log" 2>&1 &
	EPID=$!
	etcd_up() { curl -s --max-time 1 --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem" "$URL/health" | grep -q '"health":"true"'; }
	wait_until 30 etcd_up || fatal "etcd not healthy: $(tail -5 "$T/etcd.log")"
}
etcd_stop() {
	[ -n "$EPID" ] || return 0
	kill "$EPID" 2>/dev/null
	wait "$EPID" 2>/dev/null
	EPID=
}
trap 'etcd_stop; gs_cleanup' EXIT

cat >"$T/geo.test.zone" <<'EOF'
$ORIGIN geo.test.
$TTL 3600
@       IN SOA  ns1 hostmaster 2024060101 7200 3600 1209600 300
        IN NS   ns1
ns1     IN A    192.0.2.53
EOF
# node_yaml FLEET_EXTRA_LINES: one node with an exec check, fleet on $URL.
node_yaml() {
	zones_yaml
	cat <<EOF
  - name: geo.test.
    file: $T/geo.test.zone
checks:
  probe: {type: exec, command: ["/bin/true"], interval: 500ms, timeout: 400ms}
maps:
  steer: {default: [us-east, eu-central]}
services:
  www:
    names: [www.geo.test.]
    map: steer
    check: probe
    datacenters: {us-east: [127.0.0.10], eu-central: [127.0.0.20]}
fleet:
  etcd: ["$URL"]
  prefix: /geosteer/tls/
  node: t1
  stale_after: 3s
$1
EOF
}
ctl() { ctl_capture -s "$T/control.sock" "$@"; }
connected() {
	ctl status
	grep_lines '^fleet: +connected to etcd https://' "$C_OUT"
}
degraded_with() {
	ctl status
	grep_lines "^fleet: +DEGRADED since .*$1" "$C_OUT"
}
no_password_anywhere() {
	local m
	m=$(curl -s --max-time 2 "http://127.0.0.1:$MPORT/metrics")
	ctl status
	if grep -q -- "$PW" "$T/gs.log" || grep -q -- "$PW" <<<"$C_OUT$m"; then
		fail "$1: the password shows in the log, status or metrics"
	else
		ok "$1: the password is in no log line, status or metrics"
	fi
}
MPORT=$("$PY" "$RAWDNS" freeport --hosts 127.0.0.1) || fatal "no free port"

section "client certificates"
etcd_start --trusted-ca-file "$C/ca.pem" --client-cert-auth
gs_start < <(node_yaml "  ca: $C/ca.pem
  cert: $C/client.pem
  key: $C/client-key.pem")
wait_until 15 connected && ok "connected over https with a client certificate" ||
	fail "not connected: $C_OUT"
ctl force us-east down --for 1m --reason tls
expect_rc 0
got=$(etcdctl --endpoints "$URL" --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem" \
	get --print-value-only /geosteer/tls/force/dc/us-east 2>&1)
[[ $got == *'"reason":"tls"'* ]] && ok "the force is in etcd: $got" || fail "etcd has: $got"
ctl force us-east auto
expect_rc 0
gs_stop

gs_start < <(node_yaml "  ca: $C/ca.pem")
wait_until 15 degraded_with "$URL" && ok "without a client certificate: degraded ($(grep -o 'DEGRADED.*' <<<"$C_OUT" | head -c 160))" ||
	fail "expected degraded: $C_OUT"
ctl force us-east down
expect_rc 1
expect_text err "etcd is unreachable"
gs_stop

section "etcd's users and passwords"
E=(etcdctl --endpoints "$URL" --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem")
"${E[@]}" user add root:root-$$ >/dev/null 2>&1 &&
	"${E[@]}" role add geosteer >/dev/null 2>&1 &&
	"${E[@]}" role grant-permission geosteer --prefix=true readwrite /geosteer/tls/ >/dev/null 2>&1 &&
	"${E[@]}" user add "geosteer:$PW" >/dev/null 2>&1 &&
	"${E[@]}" user grant-role geosteer geosteer >/dev/null 2>&1 &&
	"${E[@]}" auth enable >/dev/null 2>&1 && ok "etcd: user geosteer with a role on the prefix, auth enabled" ||
	fatal "etcdctl could not set up users"
# etcd's gateway ignores a client certificate's name once authentication is on and
# refuses such requests: users and passwords go with server-side TLS only.
etcd_stop
etcd_start
printf '%s\n' "$PW" >"$T/password"
chmod 600 "$T/password"
gs_start < <(node_yaml "  ca: $C/ca.pem
  user: geosteer
  password_file: $T/password"; echo "metrics: 127.0.0.1:$MPORT")
wait_until 15 connected && ok "connected with user and password_file" || fail "not connected: $C_OUT"
ctl force us-east down --for 1m --reason auth
expect_rc 0
ctl health
expect_text out "force: down by uid $(id -u) .* reason: auth$"
no_password_anywhere "right password"
ctl force us-east auto
expect_rc 0
gs_stop

printf 'not-%s\n' "$PW" >"$T/password"
gs_start < <(node_yaml "  ca: $C/ca.pem
  user: geosteer
  password_file: $T/password"; echo "metrics: 127.0.0.1:$MPORT")
wait_until 15 degraded_with "authentication" && ok "a wrong password: degraded, saying authentication" ||
	fail "expected degraded for authentication: $C_OUT"
no_password_anywhere "wrong password"
grep -q -- "not-$PW" "$T/gs.log" && fail "the wrong password is in the log" || ok "the wrong password is not logged either"

finish
