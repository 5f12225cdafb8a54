#!/bin/bash
# SPDX-License-Identifier: MIT
# failover.sh -- health checks against real backends on loopback (docs/design.md
# rule 2, docs/health-checks.md). us-east (127.0.0.10) and eu-central (127.0.0.20)
# each run a small HTTP server; the client (127.0.0.1) is sent to us-east first.
# Checks: interval 1s, timeout 500ms, rise 2, fall 2; ttl 60, failover_ttl 20.
#   http: stopping the US backend moves the answer to eu-central with TTL 20 within
#         fall x interval + timeout; starting it again brings it back with TTL 60 within
#         rise x interval + timeout (both measured by polling; the limit allows twice
#         that plus 2 s for a slow machine). A 503 from the backend counts as down.
#   tcp:  the same through a reload that switches the check to tcp.
#   https: the same against self-signed HTTPS backends with tls_verify: false; with
#         tls_verify on, the certificates are refused and every datacenter is down.
#   all datacenters down: the fail-open answer, first in the list, with failover_ttl.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/failover-lib.sh"

# fall x interval + timeout = rise x interval + timeout = 2 x 1000 + 500 ms.
NOMINAL=2500

be_start us
be_start eu
gs_start < <(steer_yaml web <<EOF
  web: {type: http, port: $BE_PORT, path: /healthz, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
EOF
)

section "http: both backends up"
expect_answer "$US 60" "both up"
# Every target has a result (not "initial") before anything is measured.
if wait_health "^web +$US +up +[^(]" 10 && wait_health "^web +$EU +up +[^(]" 10; then
	ok "geosteerctl health: both addresses up after their first checks"
else
	fail "geosteerctl health: expected both addresses up, got:"
	printf '%s\n' "$C_OUT" | sed 's/^/    | /'
fi
expect_text out "HTTP 200"
expect_answer "$US 60" "both up, checked"

section "http: the US backend stops"
be_stop us
T0_MS=$(now_ms)
expect_within "http failover to eu-central" "$EU 20" $NOMINAL
ctl health
expect_text out "^web +$US +down +.*(Connection refused|Couldn't connect|connect)"
grep -q "health: web $US down after 2 failures" "$T/gs.log" &&
	ok "the transition is logged with its reason" ||
	fail "no 'health: web $US down after 2 failures' line in the log"

section "http: the US backend comes back"
be_start us
T0_MS=$(now_ms)
expect_within "http recovery to us-east" "$US 60" $NOMINAL
grep -q "health: web $US up after 2 successes" "$T/gs.log" &&
	ok "the recovery is logged" || fail "no 'health: web $US up after 2 successes' line in the log"

section "http: a 503 counts as down"
echo 503 >"$T/be-us/status"
T0_MS=$(now_ms)
expect_within "http 503 failover to eu-central" "$EU 20" $NOMINAL
ctl health
expect_text out "^web +$US +down .*HTTP 503"
rm -f "$T/be-us/status"
T0_MS=$(now_ms)
expect_within "http 200 again" "$US 60" $NOMINAL

section "tcp: the check becomes tcp by a reload"
sed -i "s|^  web: .*|  web: {type: tcp, port: $BE_PORT, interval: 1s, timeout: 500ms, rise: 2, fall: 2}|" "$CFG"
ctl reload
expect_rc 0
expect_text out "^reloaded .*generation 2"
if wait_health "^web +$US +up +.*connected" 10; then
	ok "the tcp check runs after the reload"
else
	fail "no tcp result for $US after the reload:"
	printf '%s\n' "$C_OUT" | sed 's/^/    | /'
fi
expect_answer "$US 60" "tcp, both up"
be_stop us
T0_MS=$(now_ms)
expect_within "tcp failover to eu-central" "$EU 20" $NOMINAL
be_start us
T0_MS=$(now_ms)
expect_within "tcp recovery to us-east" "$US 60" $NOMINAL

section "https: self-signed backends, tls_verify off, by a reload"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=www.geo.test \
	-addext subjectAltName=DNS:www.geo.test -keyout "$T/key.pem" -out "$T/cert.pem" \
	>"$T/openssl.log" 2>&1 || fatal "openssl: $(cat "$T/openssl.log")"
TLS_PORT=$("$PY" "$BACKEND" port "$US" "$EU") || fatal "no second port"
be_start us "$TLS_PORT" "$T/cert.pem" "$T/key.pem"
be_start eu "$TLS_PORT" "$T/cert.pem" "$T/key.pem"
HTTPS="{type: https, port: $TLS_PORT, host: www.geo.test, interval: 1s, timeout: 500ms, rise: 2, fall: 2"
sed -i "s|^  web: .*|  web: $HTTPS, tls_verify: false}|" "$CFG"
ctl reload
expect_rc 0
if wait_health "^web +$US +up +[^(].*HTTP 200" 10; then
	ok "the https check runs after the reload"
else
	fail "no https result for $US after the reload:"
	printf '%s\n' "$C_OUT" | sed 's/^/    | /'
fi
expect_answer "$US 60" "https, both up"
be_stop us-tls
T0_MS=$(now_ms)
expect_within "https failover to eu-central" "$EU 20" $NOMINAL
be_start us "$TLS_PORT" "$T/cert.pem" "$T/key.pem"
T0_MS=$(now_ms)
expect_within "https recovery to us-east" "$US 60" $NOMINAL

section "https: tls_verify on (the default) refuses the self-signed certificates"
sed -i "s|^  web: .*|  web: $HTTPS}|" "$CFG"
ctl reload
expect_rc 0
if wait_health "^web +$US +down .*(certificate|TLS|SSL)" 10 &&
	wait_health "^web +$EU +down .*(certificate|TLS|SSL)" 10; then
	ok "both addresses down: certificate not trusted"
else
	fail "expected both addresses down for their certificates, got:"
	printf '%s\n' "$C_OUT" | sed 's/^/    | /'
fi
expect_answer "$US 20" "every datacenter down (certificates): fail open"
be_stop us-tls
be_stop eu-tls
sed -i "s|^  web: .*|  web: {type: tcp, port: $BE_PORT, interval: 1s, timeout: 500ms, rise: 2, fall: 2}|" "$CFG"
ctl reload
expect_rc 0
wait_health "^web +$US +up +.*connected" 10 && ok "back to the tcp check" ||
	fail "no tcp result after going back to tcp"

section "every datacenter down: fail open"
be_stop us
be_stop eu
if wait_health "^web +$US +down" 10 && wait_health "^web +$EU +down" 10; then
	ok "both addresses down"
else
	fail "expected both addresses down, got:"
	printf '%s\n' "$C_OUT" | sed 's/^/    | /'
fi
# Answered as if all were up: the first of the client's list, with failover_ttl.
expect_answer "$US 20" "all down: fail open to the first in the list"
be_start eu
T0_MS=$(now_ms)
expect_within "eu-central back while us-east is down" "$EU 20" $NOMINAL

finish
