#!/bin/bash
# SPDX-License-Identifier: MIT
# rrl-reload.sh -- rate_limit and cookies follow a reload (docs/configuration.md: "a
# reload keeps the counts; new settings apply from the next response"): a burst from
# one client limited at 5 responses per second is answered in full once a reload
# raised the rate to the maximum, and once another (by SIGHUP) removed rate_limit;
# limited again after going back to 5. A server cookie made under the old secret is
# not valid after a reload changed it (a fresh cookie comes back, cookie_invalid
# moves, and it no longer exempts from the limit); without cookies: no option comes
# back; with the old secret again the old cookie is valid again. Loopback only; every
# burst is bounded in count, every wait in time.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"

CLIENT="$top_srcdir/tests/system/rrl-client.py"
N=100
SECRET1=00112233445566778899aabbccddeeff
SECRET2=ffeeddccbbaa99887766554433221100

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}
rc() {
	RC_OUT=$("$PY" "$CLIENT" -p "$PORT" "$@" 2>&1)
}
field() {
	local f=" $RC_OUT "
	f=${f#* "$1"=}
	printf '%s\n' "${f%% *}"
}
stat_delta() {
	echo $((${ST1[$1]:-0} - ${ST0[$1]:-0}))
}
# cookie_of: the COOKIE hex string in the last dig output ("" when none).
cookie_of() {
	local line
	while IFS= read -r line; do
		if [[ $line == "; COOKIE: "* ]]; then
			line=${line#; COOKIE: }
			printf '%s\n' "${line%% *}"
			return
		fi
	done <<<"$R_LINES"
}

# rate_yaml RATE|none / cookies_yaml SECRET|none: the two sections this test changes.
rate_yaml() {
	[ "$1" = none ] && return
	printf 'rate_limit:\n  responses_per_second: %s\n  slip: 2\n  ipv4_prefix: 32\n' "$1"
}
cookies_yaml() {
	[ "$1" = none ] || printf 'cookies: {secret: %s}\n' "$1"
}

# set_cfg RATE SECRET: rewrites $CFG (gs_start's listen: and control: lines kept).
set_cfg() {
	{
		grep -E '^(#|listen:|control:)' "$CFG"
		echo "threads: 2"
		rate_yaml "$1"
		cookies_yaml "$2"
		zones_yaml
	} >"$CFG.new" && mv "$CFG.new" "$CFG"
}

# reload_ctl: geosteerctl reload, which must succeed.
reload_ctl() {
	ctl_capture -s "$T/control.sock" reload
	expect_rc 0
	GEN=$((GEN + 1))
	expect_text out "^reloaded .*: generation $GEN, "
}

# reload_hup: SIGHUP, then waits (at most 10 s) until status shows the next generation.
reload_hup() {
	GEN=$((GEN + 1))
	kill -HUP "$GS_PID"
	local deadline=$((SECONDS + 10))
	while [ $SECONDS -lt $deadline ]; do
		ctl_capture -s "$T/control.sock" status
		grep_lines "^generation: +$GEN " "$C_OUT" && break
		sleep 0.1
	done
	expect_text out "^generation: +$GEN "
}

# limited WHAT SOURCE: a burst of $N from SOURCE is limited (5 per second of burst,
# plus what refills while it lasts), the missing and truncated replies exactly what the
# stats say. SOURCE must not have been limited in the last second: its bucket starts
# full only then (a second limited burst from the same address within a second starts
# with what refilled since, and would get fewer than 5).
limited() {
	local full trunc none t0 t1 most
	ctl_stats ST0
	t0=$(now_ms)
	rc --source "$2" burst www.a.test. A --count $N
	t1=$(now_ms)
	ctl_stats ST1
	echo "    $RC_OUT"
	full=$(field full) trunc=$(field truncated) none=$(field none)
	# 5 from the full bucket, 1 more per 200 ms the burst lasted (a loaded machine may
	# stretch it), and 1 for rounding.
	most=$((5 + (t1 - t0) / 200 + 1))
	if [ "$full" -ge 5 ] && [ "$full" -le "$most" ]; then
		ok "$1: $full of $N answered in full (expected 5 to $most for $((t1 - t0)) ms)"
	else
		fail "$1: $full of $N answered in full, expected 5 to $most for $((t1 - t0)) ms ($RC_OUT)"
	fi
	if [ "$trunc" -ge 40 ] && [ "$none" -ge 40 ]; then
		ok "$1: $trunc truncated, $none dropped"
	else
		fail "$1: expected about half of the limited replies truncated and half dropped ($RC_OUT)"
	fi
	expect_eq "$1: stats rrl_dropped" "$none" "$(stat_delta rrl_dropped)"
	expect_eq "$1: stats rrl_slipped" "$trunc" "$(stat_delta rrl_slipped)"
}

# unlimited WHAT: the same burst is answered in full, and the stats limited nothing.
unlimited() {
	ctl_stats ST0
	rc --source 127.0.0.7 burst www.a.test. A --count $N
	ctl_stats ST1
	expect_eq "$1" "sent=$N full=$N truncated=0 none=0 rcodes=NOERROR tcrr=0" "$RC_OUT"
	expect_eq "$1: stats rrl_dropped" 0 "$(stat_delta rrl_dropped)"
	expect_eq "$1: stats rrl_slipped" 0 "$(stat_delta rrl_slipped)"
}

gs_start <<EOF
threads: 2
$(rate_yaml 5)
$(cookies_yaml $SECRET1)
$(zones_yaml)
EOF
[ "$GS_CONTROL_OK" = yes ] || fatal "this build has no control socket"
GEN=1

section "rate_limit: 5 per second"
limited "at 5/s" 127.0.0.7

section "reload (geosteerctl) to 1000000 per second: the same burst in full"
set_cfg 1000000 $SECRET1
reload_ctl
unlimited "at 1000000/s, right after being limited"

section "reload (SIGHUP) without rate_limit: in full"
set_cfg none $SECRET1
reload_hup
unlimited "without rate_limit"

section "reload back to 5 per second: limited again"
set_cfg 5 $SECRET1
reload_ctl
# Another address: 127.0.0.7 was limited less than a second ago on a fast machine.
limited "at 5/s again" 127.0.0.9

section "cookies: a server cookie made under the first secret"
q udp +cookie www.a.test. A
expect_out '^; COOKIE: [0-9a-f]{48} \(good\)$'
OLD=$(cookie_of)
q udp +cookie="$OLD" www.a.test. A
expect_eq "sent back under the same secret: echoed unchanged" "$OLD" "$(cookie_of)"
# A valid cookie exempts from the limit (rrl.sh); 127.0.0.8 gets its own one.
rc --source 127.0.0.8 cookie www.a.test. A --client 0102030405060708
OLD8=${RC_OUT##*cookie=}
expect_eq "server cookie length for 127.0.0.8" 48 "${#OLD8}"
rc --source 127.0.0.8 burst www.a.test. A --count $N --client 0102030405060708 --server "${OLD8:16}"
expect_eq "a burst with the valid cookie is not limited" \
	"sent=$N full=$N truncated=0 none=0 rcodes=NOERROR tcrr=0" "$RC_OUT"

section "reload with another secret: the old server cookie is not valid any more"
set_cfg 5 $SECRET2
reload_ctl
ctl_stats ST0
q udp +cookie="$OLD" www.a.test. A
expect_status NOERROR
expect_count ANSWER 1
expect_out '^; COOKIE: [0-9a-f]{48} \(good\)$'
NEW=$(cookie_of)
ctl_stats ST1
if [ ${#NEW} = 48 ] && [ "$NEW" != "$OLD" ] && [ "${NEW:0:16}" = "${OLD:0:16}" ]; then
	ok "the old server cookie ${OLD:16} replaced by ${NEW:16}"
else
	fail "expected a fresh server cookie for the old one '$OLD', got '$NEW'"
fi
expect_eq "stats: cookie_invalid moved by 1" 1 "$(stat_delta cookie_invalid)"
expect_eq "stats: cookie_valid did not move" 0 "$(stat_delta cookie_valid)"
q udp +cookie="$NEW" www.a.test. A
expect_eq "the new one, sent back: echoed unchanged" "$NEW" "$(cookie_of)"
t0=$(now_ms)
rc --source 127.0.0.8 burst www.a.test. A --count $N --client 0102030405060708 --server "${OLD8:16}"
t1=$(now_ms)
echo "    $RC_OUT"
f=$(field full)
# At most the bucket (5), 1 per 200 ms of the burst, and 1 for rounding.
if [ "$f" -ge 1 ] && [ "$f" -le $((5 + (t1 - t0) / 200 + 1)) ]; then
	ok "a burst with the old cookie is limited: $f of $N in full in $((t1 - t0)) ms"
else
	fail "a burst with the old cookie: expected it limited, got $RC_OUT"
fi

section "reload (SIGHUP) without cookies: no COOKIE in responses"
set_cfg 5 none
reload_hup
q udp +cookie="$NEW" www.a.test. A
expect_status NOERROR
expect_no_out '^; COOKIE: '

section "reload with the first secret again: the first cookie is valid again"
set_cfg 5 $SECRET1
reload_ctl
ctl_stats ST0
q udp +cookie="$OLD" www.a.test. A
ctl_stats ST1
expect_eq "the first cookie (still young), echoed unchanged" "$OLD" "$(cookie_of)"
expect_eq "stats: cookie_valid moved by 1" 1 "$(stat_delta cookie_valid)"

finish
