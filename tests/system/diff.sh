#!/bin/bash
# SPDX-License-Identifier: MIT
# diff.sh -- `geosteerctl diff OLD NEW` against the small City-shaped test database
# (tests/data/geo/city.txt, built into city.mmdb): identical configurations (exit 0,
# "no change"); one country moved (exactly that country's networks, the address counts
# computed here from the database's source text); a datacenter renamed; a networks rule
# inside a country (only that network); TTL, check and address changes; --json read by
# python3; errors as FILE:LINE with exit 2; --old-base for a copy taken out of git.
# With ../shared/testdata/world.mmdb (or GS_WORLD_MMDB), also Germany moved on a real
# database: counts plausible and the same on a second run.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

GSCTL="$top_builddir/tools/geosteerctl"
CITY="$top_builddir/tests/data/geo/city.mmdb"
CITY_TXT="$top_srcdir/tests/data/geo/city.txt"
if [ ! -f "$CITY" ]; then
	if [ "${GS_MMDB_WRITER:-}" = no ]; then
		echo "SKIP: $CITY is not built: configure found no Perl MaxMind::DB::Writer"
		exit 77
	fi
	echo "FATAL: $CITY is not built: run 'make check' (it builds the test databases)" >&2
	exit 99
fi

# conf FILE DATABASE [EXTRA_RULES [EU_DC [TTL]]]: a configuration with two services on
# one map; EXTRA_RULES are more lines of the map (indented 4), EU_DC the name of the
# European datacenter.
conf() {
	local file=$1 db=$2 extra=${3:-} eu=${4:-eu-central} ttl=${5:-60}
	cat >"$file" <<EOF2
zones:
  - name: geo.test.
    file: geo.test.zone
geoip:
  database: $db
checks:
  web: {type: tcp, port: 80, interval: 5s}
maps:
  steer:
    default: [fallback, $eu, us-east]
    continents: {NA: [us-east, $eu], EU: [$eu, us-east]}
    networks: {198.18.0.0/15: [us-east], "2001:db8:ff::/48": [$eu]}
$extra
services:
  www:
    names: [www.geo.test.]
    map: steer
    ttl: $ttl
    failover_ttl: 20
    check: web
    datacenters:
      us-east: [192.0.2.10, "2001:db8:1::10"]
      $eu: [198.51.100.10, "2001:db8:2::10"]
      fallback: [203.0.113.10, "2001:db8:3::10"]
  v4:
    names: [v4.geo.test.]
    map: steer
    ttl: 30
    failover_ttl: 10
    datacenters:
      us-east: [192.0.2.11]
      $eu: [198.51.100.11]
      fallback: [203.0.113.11]
EOF2
}

diff_run() {
	ctl_capture diff "$@"
}

# nets SERVICE: the networks the last text output lists for SERVICE, one per line.
nets() {
	printf '%s\n' "$C_OUT" | sed -n "s|^service $1: network \([^ ]*\): .*|\1|p"
}

# same_space NAME NETS_A NETS_B: the two newline-separated network lists cover exactly
# the same addresses.
same_space() {
	local got
	got=$("$PY" - "$2" "$3" <<'PY'
import ipaddress, sys
def space(text):
    nets = [ipaddress.ip_network(l) for l in text.split() if l]
    v4 = list(ipaddress.collapse_addresses(n for n in nets if n.version == 4))
    v6 = list(ipaddress.collapse_addresses(n for n in nets if n.version == 6))
    return [str(n) for n in v4 + v6]
a, b = space(sys.argv[1]), space(sys.argv[2])
print("same" if a == b else "differ: %s vs %s" % (a, b))
PY
)
	expect_eq "$1" same "$got"
}

# country_nets CC: the networks city.txt gives country CC.
country_nets() {
	awk -v cc="$1" '!/^#/ && NF && $0 ~ ("country=" cc "( |$)") { print $1 }' "$CITY_TXT"
}

# country_counts CC: "IPV4 V6_48S" for country CC from city.txt (IPv4 addresses; IPv6
# /48s, a network longer than /48 counting as one).
country_counts() {
	country_nets "$1" | "$PY" -c '
import ipaddress, sys
v4 = v6 = 0
for l in sys.stdin.read().split():
    n = ipaddress.ip_network(l)
    if n.version == 4:
        v4 += n.num_addresses
    else:
        v6 += 2 ** (48 - n.prefixlen) if n.prefixlen <= 48 else 1
print(v4, v6)'
}

plural() { [ "$1" = 1 ] && printf '%s' "$2" || printf '%s' "$3"; }
# counts_text V4 V6: the counts as the text output writes them.
counts_text() {
	printf '%s IPv4 %s, %s IPv6 /48%s' "$1" "$(plural "$1" address addresses)" "$2" \
		"$(plural "$2" "" s)"
}

conf "$T/base.yaml" "$CITY"

section "identical configurations"
diff_run "$T/base.yaml" "$T/base.yaml"
expect_rc 0
expect_eq "output" "no change" "$C_OUT"
diff_run --json "$T/base.yaml" "$T/base.yaml"
expect_rc 0
got=$(printf '%s' "$C_OUT" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["changed"], len(d["services"]), len(d["checks"]))')
expect_eq "json of no change" "False 0 0" "$got"

section "one country moved (DE to us-east first)"
conf "$T/de.yaml" "$CITY" '    countries: {DE: [us-east, eu-central]}'
diff_run "$T/base.yaml" "$T/de.yaml"
expect_rc 1
same_space "www: the networks listed are DE's in city.txt" "$(country_nets DE)" "$(nets www)"
same_space "v4: the networks listed are DE's in city.txt" "$(country_nets DE)" "$(nets v4)"
expect_text out '^service www: network 1\.0\.0\.0/23: \[eu-central, us-east\] -> \[us-east, eu-central\]$'
read -r v4 v6 < <(country_counts DE)
expect_text out "^service www: country DE \(EU\): $(counts_text "$v4" "$v6")\$"
expect_text out "^service www: continent EU: $(counts_text "$v4" "$v6")\$"
expect_text out "^service v4: country DE \(EU\): $(counts_text "$v4" "$v6")\$"
expect_eq "countries summarised" 2 "$(printf '%s\n' "$C_OUT" | grep -c ': country ')"
expect_eq "no setting changes" 0 "$(printf '%s\n' "$C_OUT" | grep -vc ': network \|: country \|: continent ')"
# And back: the same networks, the lists the other way round.
diff_run "$T/de.yaml" "$T/base.yaml"
expect_rc 1
expect_text out '^service www: network 1\.0\.0\.0/23: \[us-east, eu-central\] -> \[eu-central, us-east\]$'

section "a datacenter renamed (eu-central to eu-west)"
conf "$T/renamed.yaml" "$CITY" "" eu-west
diff_run "$T/base.yaml" "$T/renamed.yaml"
expect_rc 1
# Every list names the European datacenter but the one of 198.18.0.0/15: everything
# else moves. Embedded-IPv4 ranges of IPv6 are counted once, as IPv4.
expect_text out '^service www: network 0\.0\.0\.0/8: \[fallback, eu-central, us-east\] -> \[fallback, eu-west, us-east\]$'
expect_text out '^service www: network 2001:db8:ff::/48: \[eu-central\] -> \[eu-west\]$'
expect_eq "198.18.0.0/15 is not listed" "" "$(nets www | grep '^198\.1[89]\.')"
same_space "www: the networks listed are all but 198.18.0.0/15 and the embedded ranges" \
	"$("$PY" -c '
import ipaddress
keep = [ipaddress.ip_network(n) for n in ("198.18.0.0/15", "::/96", "::ffff:0:0/96", "64:ff9b::/96", "2001::/32", "2002::/16")]
out = []
for top in (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")):
    rest = [top]
    for k in keep:
        if k.version != top.version:
            continue
        nxt = []
        for r in rest:
            nxt.extend(r.address_exclude(k) if k.subnet_of(r) else [r])
        rest = nxt
    out += rest
print("\n".join(str(n) for n in out))')" "$(nets www)"
total=$(printf '%s\n' "$C_OUT" | sed -n 's/^service www: continent [A-Z-]*: \([0-9]*\) IPv4.*/\1/p' | paste -sd+ | bc)
expect_eq "IPv4 addresses moved, over every continent" $((2 ** 32 - 2 ** 17)) "$total"
expect_text out '^service www: datacenter eu-central: 198\.51\.100\.10 2001:db8:2::10 -> \(none\)$'
expect_text out '^service www: datacenter eu-west: \(none\) -> 198\.51\.100\.10 2001:db8:2::10$'

section "a networks rule inside a country"
conf "$T/net.yaml" "$CITY" '    countries: {}' # an empty countries: changes nothing
sed -i 's|networks: {198.18.0.0/15: \[us-east\],|networks: {1.0.0.128/25: [us-east], 198.18.0.0/15: [us-east],|' "$T/net.yaml"
diff_run "$T/base.yaml" "$T/net.yaml"
expect_rc 1
expect_eq "www: only the rule's network" "1.0.0.128/25" "$(nets www)"
expect_text out '^service www: network 1\.0\.0\.128/25: \[eu-central, us-east\] -> \[us-east\]$'
expect_text out "^service www: country DE \\(EU\\): $(counts_text 128 0)\$"

section "TTL, check and address changes"
conf "$T/ttl.yaml" "$CITY" "" eu-central 45
sed -i 's/198\.51\.100\.10,/198.51.100.12,/; s/interval: 5s/interval: 10s/' "$T/ttl.yaml"
diff_run "$T/base.yaml" "$T/ttl.yaml"
expect_rc 1
expect_eq "no networks" "" "$(nets www)"
expect_text out '^service www: ttl: 60 -> 45$'
expect_text out '^service www: datacenter eu-central: 198\.51\.100\.10 2001:db8:2::10 -> 198\.51\.100\.12 2001:db8:2::10$'
expect_text out '^check web: interval: 5s -> 10s$'
expect_eq "service v4 unchanged" "" "$(printf '%s\n' "$C_OUT" | grep '^service v4:')"
# A service added, a check dropped.
sed '/^  v4:/,$d; s/^    check: web$//; /^checks:/,/^  web:/d' "$T/base.yaml" >"$T/one.yaml"
diff_run "$T/base.yaml" "$T/one.yaml"
expect_rc 1
expect_text out '^service v4: service: v4\.geo\.test\. -> \(none\)$'
expect_text out '^service www: check: web -> \(none\)$'
expect_text out '^check web: check: tcp -> \(none\)$'

section "--json"
diff_run --json "$T/base.yaml" "$T/de.yaml"
expect_rc 1
got=$(printf '%s' "$C_OUT" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
s = {x["name"]: x for x in d["services"]}
w = s["www"]
nets = sorted(n["network"] for n in w["networks"])
one = [n for n in w["networks"] if n["network"] == "1.0.0.0/23"][0]
c = w["countries"][0]
print(d["changed"], sorted(s), nets, one["old"], one["new"], c["country"], c["continent"],
      c["ipv4"], c["ipv6_48"], w["continents"][0]["continent"], w["changes"], d["checks"])')
expect_eq "json of DE moved" "True ['v4', 'www'] ['1.0.0.0/23', '2001:db8:1::/48'] ['eu-central', 'us-east'] ['us-east', 'eu-central'] DE EU $v4 $v6 EU [] []" "$got"
diff_run --json "$T/base.yaml" "$T/ttl.yaml"
got=$(printf '%s' "$C_OUT" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
w = d["services"][0]
print(w["name"], w["networks"], [(c["what"], c["old"], c["new"]) for c in w["changes"] if c["what"] == "ttl"], d["checks"][0]["changes"][0])')
expect_eq "json of settings" "www [] [('ttl', '60', '45')] {'what': 'interval', 'old': '5s', 'new': '10s'}" "$got"

section "errors: exit 2, FILE:LINE"
conf "$T/bad.yaml" "$CITY" '    continents_typo: {EU: [us-east]}'
line=$(grep -n continents_typo "$T/bad.yaml" | cut -d: -f1)
diff_run "$T/base.yaml" "$T/bad.yaml"
expect_rc 2
expect_text err "^$T/bad.yaml:$line: "
expect_eq "nothing on standard output" "" "$C_OUT"
conf "$T/bad2.yaml" "$CITY" '    countries: {DE: [us-east, nowhere]}'
line=$(grep -n nowhere "$T/bad2.yaml" | cut -d: -f1)
diff_run "$T/bad2.yaml" "$T/base.yaml"
expect_rc 2
expect_text err "^$T/bad2.yaml:$line: .*nowhere"
diff_run "$T/base.yaml" "$T/missing.yaml"
expect_rc 2
expect_text err "missing\.yaml"
diff_run "$T/base.yaml"
expect_rc 2
diff_run --frobnicate "$T/base.yaml" "$T/base.yaml"
expect_rc 2

section "--old-base: the old configuration taken out of git"
mkdir -p "$T/repo/geo"
cp "$CITY" "$T/repo/geo/city.mmdb"
conf "$T/repo/geosteer.yaml" geo/city.mmdb
cp "$T/repo/geosteer.yaml" "$T/old.yaml"
conf "$T/repo/geosteer.yaml" geo/city.mmdb '    countries: {DE: [us-east, eu-central]}'
if command -v git >/dev/null 2>&1 && git -C "$T/repo" init -q 2>/dev/null; then
	cp "$T/old.yaml" "$T/repo/geosteer.yaml"
	git -C "$T/repo" add geosteer.yaml &&
		git -C "$T/repo" -c user.name=t -c user.email=t@t commit -qm old
	conf "$T/repo/geosteer.yaml" geo/city.mmdb '    countries: {DE: [us-east, eu-central]}'
	git -C "$T/repo" show HEAD:geosteer.yaml >"$T/old.yaml"
fi
# Without --old-base, geo/city.mmdb is looked for next to the copy: not there.
diff_run "$T/old.yaml" "$T/repo/geosteer.yaml"
expect_rc 2
expect_text err "^$T/old.yaml:[0-9]+: "
diff_run --old-base "$T/repo" "$T/old.yaml" "$T/repo/geosteer.yaml"
expect_rc 1
same_space "the DE networks" "$(country_nets DE)" "$(nets www)"
(cd "$T/repo" && ctl_capture diff --old-base . "$T/old.yaml" geosteer.yaml && echo "$C_RC" >"$T/rc")
expect_eq "relative --old-base . from the repository" 1 "$(cat "$T/rc")"

section "a real database: Germany moved"
WORLD=${GS_WORLD_MMDB:-$top_srcdir/../shared/testdata/world.mmdb}
if [ -f "$WORLD" ]; then
	conf "$T/w-old.yaml" "$WORLD"
	conf "$T/w-new.yaml" "$WORLD" '    countries: {DE: [us-east, eu-central]}'
	diff_run "$T/w-old.yaml" "$T/w-new.yaml"
	expect_rc 1
	first=$C_OUT
	countries=$(printf '%s\n' "$C_OUT" | sed -n 's/^service www: country \([A-Z-]*\) .*/\1/p')
	expect_eq "only DE summarised" DE "$countries"
	dev4=$(printf '%s\n' "$C_OUT" | sed -n 's/^service www: country DE (EU): \([0-9]*\) IPv4.*/\1/p')
	if [ -n "$dev4" ] && [ "$dev4" -gt 50000000 ] && [ "$dev4" -lt 300000000 ]; then
		ok "Germany's IPv4 addresses plausible: $dev4"
	else
		fail "Germany's IPv4 addresses: '$dev4' (expected 50-300 million)"
	fi
	n=$(nets www | wc -l)
	if [ "$n" -gt 1000 ]; then
		ok "$n networks listed"
	else
		fail "only $n networks listed for Germany"
	fi
	diff_run "$T/w-old.yaml" "$T/w-new.yaml"
	expect_eq "the same output on a second run ($n networks)" \
		"$(printf '%s' "$first" | md5sum)" "$(printf '%s' "$C_OUT" | md5sum)"
	# The JSON counts add up: countries to continents, both to the text's.
	diff_run --json "$T/w-old.yaml" "$T/w-new.yaml"
	got=$(printf '%s' "$C_OUT" | "$PY" -c '
import json, sys
w = {s["name"]: s for s in json.load(sys.stdin)["services"]}["www"]
c4 = sum(c["ipv4"] for c in w["countries"]); k4 = sum(c["ipv4"] for c in w["continents"])
print(c4 == k4, c4, len(w["networks"]))')
	expect_eq "json: countries add up to continents, as the text says" "True $dev4 $n" "$got"
else
	echo "SKIP part: no $WORLD (set GS_WORLD_MMDB to a GeoIP2 Country/City database)"
fi

finish
