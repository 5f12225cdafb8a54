#!/bin/sh
# scripts/deps.sh -- installs the Debian 12 packages geosteer needs to build, test and
# run, and only those that are missing (safe to run any number of times; needs root).
set -eu

# Build: toolchain and libraries. Tests: clients, resolver, valgrind, GeoIP writer,
# groff (the manual page check), prometheus (promtool checks the example alert rules),
# a dnstap collector and reader (tests/system/dnstap.sh; protobuf-c decodes the dnstap
# frames in tests/unit/test_dnstap, the daemon does not link it), BIND's dnssec-signzone
# (an opt-out zone in tests/system/dnssec-presigned.sh), the Debian packaging tools
# (tests/deb.sh), etcd (tests/system/fleet.sh: a 3-member cluster on loopback).
PKGS="build-essential autoconf automake pkg-config clang clang-format
libldns-dev libmaxminddb-dev libev-dev libyaml-dev libcmocka-dev liburcu-dev
libcurl4-openssl-dev libjson-c-dev libssl-dev libfstrm-dev libprotobuf-c-dev protobuf-c-compiler
fstrm-bin dnstap-ldns
mmdb-bin libmaxmind-db-writer-perl
bind9-dnsutils bind9-utils knot-dnsutils knot-dnssecutils ldnsutils unbound dnsperf valgrind python3 python3-dnspython python3-yaml
knot knot-module-geoip pdns-server pdns-backend-geoip etcd-server etcd-client
curl openssl procps iproute2 groff-base prometheus
debhelper devscripts lintian dpkg-dev fakeroot git"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing" >&2
	echo "deps.sh: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The unbound, knot and pdns packages start system servers on port 53; the tests run
# their own (knot-convert.sh and pdns-convert.sh compare them with geosteerd), and of
# the prometheus package only promtool is used. Only a server this run has just
# installed is stopped and disabled: one that was installed before (a machine's own
# resolver, say) is left alone.
if command -v systemctl >/dev/null 2>&1; then
	for pair in unbound:unbound knot:knot pdns-server:pdns prometheus:prometheus; do
		case " $missing " in
		*" ${pair%%:*} "*) systemctl disable --now "${pair#*:}" >/dev/null 2>&1 || true ;;
		esac
	done
fi
