#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/deb.sh -- the Debian package: builds geosteer_*.deb with `dpkg-buildpackage -us
# -uc -b` in a clean copy of the committed tree (git archive HEAD; tests skipped there
# with nocheck, CI runs them elsewhere), then checks it without installing it:
#   - dpkg-deb -I / -c: the programs, manual pages, unit, /etc/geosteer configuration
#     (a conffile), examples; the maintainer scripts create the user and do not start
#     the service; purge removes the state folder and the user;
#   - lintian reports no error (its output is printed);
#   - the extracted geosteerd passes --check on the extracted /etc/geosteer/geosteer.yaml
#     (its /var/lib and /run paths moved into the scratch folder), then serves it on a
#     free loopback port and answers;
#   - the extracted unit passes `systemd-analyze verify` (its manual pages found in the
#     package) with a `systemd-analyze security` exposure of at most 3.0.
# Skips, saying so, when dpkg-buildpackage, debhelper or lintian are missing (scripts/
# deps.sh installs them). Run by scripts/test.sh: bash tests/deb.sh
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N_PASS=0
N_FAIL=0
ok() {
	N_PASS=$((N_PASS + 1))
	echo "ok - $*"
}
fail() {
	N_FAIL=$((N_FAIL + 1))
	echo "FAIL: $*"
}
finish() {
	echo "deb: $N_PASS passed, $N_FAIL failed"
	[ "$N_FAIL" -eq 0 ]
	exit $?
}

for tool in dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian git:git; do
	if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
		echo "deb: skipped: ${tool%%:*} not found (apt-get install ${tool##*:}, or scripts/deps.sh)"
		exit 0
	fi
done

if ! git -C "$top" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	echo "deb: skipped: $top is not a git checkout (the package is built from its HEAD)"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/gs-deb.XXXXXX") || exit 99
GS_PID=
cleanup() {
	[ -n "$GS_PID" ] && kill "$GS_PID" 2>/dev/null && wait "$GS_PID" 2>/dev/null
	if [ "${GS_KEEP:-}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build (git archive HEAD into $T/src)"
mkdir -p "$T/src"
git -C "$top" archive --format=tar HEAD | tar -x -C "$T/src" || {
	echo "FATAL: git archive failed"
	exit 1
}
cd "$T/src" || exit 99
if ! dpkg-checkbuilddeps -Pnocheck >"$T/deps.out" 2>&1; then
	cat "$T/deps.out"
	fail "build dependencies missing (apt-get build-dep ./ in the sources)"
	finish
fi
start=$SECONDS
if DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" DEB_BUILD_PROFILES=nocheck \
	dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($((SECONDS - start)) s)"
else
	tail -n 40 "$T/build.log"
	fail "dpkg-buildpackage failed"
	finish
fi
deb=$(ls "$T"/geosteer_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
[ -n "$deb" ] || {
	fail "no geosteer_*.deb"
	finish
}
echo "built $(basename "$deb")"

echo "== contents"
dpkg-deb -I "$deb" >"$T/info" && dpkg-deb -c "$deb" >"$T/contents" || {
	fail "dpkg-deb cannot read $deb"
	finish
}
grep -q '^ Package: geosteer$' "$T/info" && ok "Package: geosteer" || fail "not package geosteer"
grep -Eq '^ Depends: .*\badduser\b' "$T/info" && ok "depends on adduser" || fail "no adduser in Depends"
for f in ./usr/sbin/geosteerd ./usr/bin/geosteerctl ./usr/bin/gdnsd-map-convert \
	./usr/share/man/man8/geosteerd.8.gz ./usr/share/man/man8/geosteerctl.8.gz \
	./usr/share/man/man5/geosteer.yaml.5.gz ./lib/systemd/system/geosteerd.service \
	./etc/geosteer/geosteer.yaml ./etc/geosteer/zones/example.test.zone \
	./usr/share/doc/geosteer/examples/geosteer.yaml ./usr/share/doc/geosteer/README.md.gz \
	./usr/share/doc/geosteer/copyright; do
	grep -q " $f\$" "$T/contents" && ok "ships $f" || fail "does not ship $f"
done
mkdir -p "$T/ctl"
dpkg-deb -e "$deb" "$T/ctl"
grep -qx /etc/geosteer/geosteer.yaml "$T/ctl/conffiles" && ok "the configuration is a conffile" ||
	fail "/etc/geosteer/geosteer.yaml is not in conffiles"
grep -q 'adduser --system' "$T/ctl/postinst" && ok "postinst creates the system user" ||
	fail "postinst does not create the user"
grep -q 'deb-systemd-helper.* enable\|deb-systemd-helper enable' "$T/ctl/postinst" &&
	ok "postinst enables the unit" || fail "postinst does not enable the unit"
if grep -Eq 'deb-systemd-invoke (start|restart)|invoke-rc.d .*start' "$T/ctl/postinst"; then
	fail "postinst starts the service"
else
	ok "postinst does not start the service"
fi
grep -q 'rm -rf /var/lib/geosteer' "$T/ctl/postrm" && grep -q 'deluser --system' "$T/ctl/postrm" &&
	ok "postrm purge removes the state folder and the user" || fail "postrm purge leaves things behind"

echo "== lintian"
lintian --info "$deb" >"$T/lintian.out" 2>&1
sed 's/^/    /' "$T/lintian.out"
if grep -q '^E: ' "$T/lintian.out"; then
	fail "lintian reports errors"
else
	ok "lintian: no error ($(grep -c '^W: ' "$T/lintian.out") warnings)"
fi

echo "== the extracted daemon and configuration"
R="$T/root"
dpkg-deb -x "$deb" "$R"
mkdir -p "$R/var/lib/geosteer" "$T/run"
# The packaged paths, moved into the scratch folder; and a free port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|/var/lib/geosteer|$R/var/lib/geosteer|g" -e "s|/run/geosteer|$T/run|g" \
	"$R/etc/geosteer/geosteer.yaml" >"$R/etc/geosteer/geosteer.yaml.test"
if out=$("$R/usr/sbin/geosteerd" -c "$R/etc/geosteer/geosteer.yaml.test" --check 2>&1); then
	ok "geosteerd --check on the packaged configuration: $out"
else
	fail "geosteerd --check on the packaged configuration: $out"
fi
grep -q '"127.0.0.1:5353"' "$R/etc/geosteer/geosteer.yaml" && ok "it listens on 127.0.0.1:5353" ||
	fail "the packaged configuration does not listen on 127.0.0.1:5353"
sed -i "s|127.0.0.1:5353|127.0.0.1:$port|" "$R/etc/geosteer/geosteer.yaml.test"
"$R/usr/sbin/geosteerd" -c "$R/etc/geosteer/geosteer.yaml.test" >"$T/gs.log" 2>&1 &
GS_PID=$!
answered=
for _ in $(seq 1 50); do
	if dig +short +tries=1 +time=1 @127.0.0.1 -p "$port" www.example.test A 2>/dev/null | grep -qx 192.0.2.1; then
		answered=1
		break
	fi
	kill -0 "$GS_PID" 2>/dev/null || break
	sleep 0.2
done
[ -n "$answered" ] && ok "the extracted geosteerd answers www.example.test A 192.0.2.1" ||
	{
		cat "$T/gs.log"
		fail "the extracted geosteerd did not answer"
	}
kill "$GS_PID" 2>/dev/null && wait "$GS_PID" 2>/dev/null
GS_PID=

echo "== the unit"
if command -v systemd-analyze >/dev/null 2>&1; then
	unit="$T/geosteerd.service"
	sed -e "s|/usr/sbin/|$R/usr/sbin/|g" -e "s|/usr/bin/|$R/usr/bin/|g" \
		"$R/lib/systemd/system/geosteerd.service" >"$unit"
	if v=$(MANPATH="$R/usr/share/man" systemd-analyze verify "$unit" 2>&1); then
		ok "systemd-analyze verify (manual pages included)"
	else
		fail "systemd-analyze verify: $v"
	fi
	s=$(systemd-analyze security --offline=true --threshold=30 "$unit" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && ok "$(tail -n 1 <<<"$s")" || fail "$(tail -n 1 <<<"$s") (above 3.0)"
else
	echo "systemd-analyze not found: the unit is not verified"
fi
finish
