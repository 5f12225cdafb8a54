#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/gdnsd-agreement.sh -- does geosteer answer as gdnsd does with the same map?
# Runs Debian's gdnsd 3 with Wikimedia's original geo-maps and geo-resources
# (../shared/realworld/wikimedia) and geosteerd with their translation by
# tools/gdnsd-map-convert, both against ../shared/testdata/world.mmdb on loopback, asks
# both the same questions with dig +subnet, and compares the answers (the address of
# text-addrs, the map's first choice, and of text-next, its second) and the ECS
# scopes. Every difference is printed with what gdnsd_geoip_test says about the subnet
# (gdnsd's full ordered list) and what `geosteerctl explain --offline` says.
#
# Usage: bench/gdnsd-agreement.sh [BUILD_DIR] [N_SUBNETS]   (defaults: build, 400)
# Environment: GS_SHARED (default ../shared), SEED (default 1).
# Bounded: N_SUBNETS x 2 names x 2 servers queries (dig batch mode, 1 s timeout, one
# try), about 30 s in all. Loopback only; both daemons are stopped here, by PID.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
n=${2:-400}
shared=${GS_SHARED:-$top/../shared}
wm=$shared/realworld/wikimedia
world=$shared/testdata/world.mmdb
seed=${SEED:-1}
for t in gdnsd gdnsd_geoip_test dig; do
	command -v $t >/dev/null || { echo "gdnsd-agreement: $t is missing (apt-get install gdnsd bind9-dnsutils)" >&2; exit 1; }
done
for f in "$wm/geo-maps" "$wm/geo-resources" "$world" "$build/server/geosteerd" "$build/tools/geosteerctl"; do
	[ -e "$f" ] || { echo "gdnsd-agreement: $f is missing" >&2; exit 1; }
done
work=$(mktemp -d /tmp/gs-agree.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

port_gs=$((20000 + RANDOM % 20000))
port_gd=$((port_gs + 1))
zone=wikimedia.test

# gdnsd: the original files, a minimal main config around them (as Wikimedia's, without
# the discovery includes), and a zone with the DYNA records their templates use.
gd=$work/gdnsd
mkdir -p "$gd/geoip" "$gd/zones" "$gd/run" "$gd/state"
cp "$wm/geo-maps" "$wm/geo-resources" "$gd/"
ln -s "$world" "$gd/geoip/GeoIP2-City.mmdb" # the name geo-maps asks for
cat >"$gd/config" <<C
options => {
  listen => [ 127.0.0.1 ]
  dns_port => $port_gd
  udp_threads => 1
  tcp_threads => 1
  run_dir => $gd/run
  state_dir => $gd/state
}
plugins => {
  geoip => {
    undefined_datacenters_ok = true,
    maps => { \$include{geo-maps} },
    resources => { \$include{geo-resources} },
  },
  reflect => { },
}
C
cat >"$gd/zones/$zone" <<Z
\$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
  IN NS ns1
ns1 IN A 192.0.2.53
text-addrs 180 IN DYNA geoip!text-addrs
text-next 180 IN DYNA geoip!text-next
Z

# geosteer: the converter's translation of the same files.
gs=$work/geosteer
mkdir -p "$gs"
/usr/bin/python3 "$top/tools/gdnsd-map-convert" --config "$wm/config" --database "$world" \
	--zone "$zone" --zone-file "$gs/$zone.zone" --ttl 180 -o "$gs/maps.yaml" 2>"$work/convert.log"
{
	echo "listen: [\"127.0.0.1:$port_gs\"]"
	echo "threads: 1"
	echo "control: $gs/control.sock"
	cat "$gs/maps.yaml"
} >"$gs/geosteer.yaml"

"$build/server/geosteerd" -c "$gs/geosteer.yaml" >"$work/geosteerd.log" 2>&1 &
pids+=($!)
gdnsd -c "$gd" start >"$work/gdnsd.log" 2>&1 &
pids+=($!)
for port in $port_gs $port_gd; do
	up=
	for _ in $(seq 1 120); do
		if dig +time=1 +tries=1 @127.0.0.1 -p "$port" "$zone" SOA >/dev/null 2>&1; then up=1; break; fi
		sleep 0.5
	done
	[ -n "$up" ] || { echo "gdnsd-agreement: nothing answers on port $port" >&2; tail "$work"/*.log >&2; exit 1; }
done

# The subnets: random IPv4 /24s, /24s (or the entry itself) inside the map's nets
# entries, IPv6 /48s inside nets entries and in the regional registries' blocks.
/usr/bin/python3 - "$wm/geo-maps" "$n" "$seed" >"$work/subnets" <<'PY'
import ipaddress, random, re, sys
path, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
nets = [ipaddress.ip_network(m.group(1)) for m in
        re.finditer(r'^\s+([0-9a-fA-F:.]+/\d+)\s+=>', open(path).read(), re.M)]
v4 = [x for x in nets if x.version == 4]
v6 = [x for x in nets if x.version == 6]
def inside(net, plen):
    if net.prefixlen >= plen:
        return net
    k = rnd.randrange(1 << (plen - net.prefixlen))
    return ipaddress.ip_network((int(net.network_address) + (k << (net.max_prefixlen - plen)), plen))
out = []
blocks6 = [ipaddress.ip_network(b) for b in ('2001:200::/23', '2a00::/12', '2600::/12', '2800::/12', '2c00::/12', '2400::/12')]
for i in range(n):
    kind = i % 8
    if kind < 3:   # random public IPv4 /24
        while True:
            a = rnd.randrange(1 << 24) << 8
            if 1 <= a >> 24 <= 223 and a >> 24 not in (10, 127):
                break
        out.append(ipaddress.ip_network((a, 24)))
    elif kind < 5:
        out.append(inside(rnd.choice(v4), 24))
    elif kind < 6:
        out.append(inside(rnd.choice(v6), 48))
    else:
        out.append(inside(rnd.choice(blocks6), 48))
for s in out:
    print(s)
PY

# One dig batch per server: text-addrs and text-next for every subnet.
while read -r s; do
	echo "+subnet=$s text-addrs.$zone A"
	echo "+subnet=$s text-next.$zone A"
done <"$work/subnets" >"$work/batch"
t0=$SECONDS
dig +norec +time=1 +tries=1 @127.0.0.1 -p "$port_gs" -f "$work/batch" >"$work/gs.out" 2>&1 || true
dig +norec +time=1 +tries=1 @127.0.0.1 -p "$port_gd" -f "$work/batch" >"$work/gd.out" 2>&1 || true
echo "queries: $(wc -l <"$work/batch") per server, in $((SECONDS - t0)) s for both"

# gdnsd's own view of every subnet's address (full list and network), for the report.
sed 's|/.*||; s|^|generic-map |' "$work/subnets" | gdnsd_geoip_test -c "$gd" 2>/dev/null >"$work/geoip_test.out" || true

/usr/bin/python3 - "$work" "$build/tools/geosteerctl" "$gs/geosteer.yaml" "$zone" <<'PY'
import re, subprocess, sys
work, gsctl, cfg, zone = sys.argv[1:5]

def parse(path):
    """dig batch output -> [(qname, subnet, address or status, scope)] in order."""
    res, cur = [], None
    for line in open(path):
        if line.startswith(';; ->>HEADER<<-'):
            cur = {'status': re.search(r'status: (\w+)', line).group(1), 'addr': [], 'scope': None}
            res.append(cur)
        elif cur is None:
            continue
        elif 'CLIENT-SUBNET:' in line:
            m = re.search(r'CLIENT-SUBNET: ([0-9a-f.:]+/\d+)/(\d+)', line)
            cur['subnet'], cur['scope'] = m.group(1), int(m.group(2))
        elif re.match(r'^[^;\s]\S*\s+\d+\s+IN\s+A\s', line):
            f = line.split()
            cur['name'] = f[0]
            cur['addr'].append(f[4])
        elif line.startswith(';') and 'IN\tA' in line and 'QUESTION' not in line:
            cur['qname'] = line[1:].split()[0]
    return res

gs, gd = parse(work + '/gs.out'), parse(work + '/gd.out')
subnets = [l.strip() for l in open(work + '/subnets')]
gt = {}
for line in open(work + '/geoip_test.out'):
    m = re.match(r'generic-map => (\S+?)/(\d+) => (.*)$', line.strip())
    if m:
        gt[m.group(1)] = (int(m.group(2)), m.group(3).replace(',', ''))
if len(gs) != len(gd) or len(gs) != 2 * len(subnets):
    print("answers: geosteer %d, gdnsd %d, expected %d" % (len(gs), len(gd), 2 * len(subnets)))
same_addr = same_scope = 0
diffs = []
for i, (a, b) in enumerate(zip(gs, gd)):
    s = subnets[i // 2]
    name = ('text-addrs', 'text-next')[i % 2]
    ok_addr = a['status'] == b['status'] and sorted(a['addr']) == sorted(b['addr'])
    ok_scope = a['scope'] == b['scope']
    same_addr += ok_addr
    same_scope += ok_scope
    if not (ok_addr and ok_scope):
        diffs.append((s, name, a, b))
total = len(gs)
print("answers (address) agree: %d of %d (%.1f%%)" % (same_addr, total, 100.0 * same_addr / max(total, 1)))
print("ECS scopes agree:        %d of %d (%.1f%%)" % (same_scope, total, 100.0 * same_scope / max(total, 1)))
for s, name, a, b in diffs[:40]:
    addr = s.split('/')[0]
    t = gt.get(addr, ('?', '?'))
    x = subprocess.run([gsctl, '-c', cfg, 'explain', '--offline', '%s.%s' % (name, zone), 'A',
                        '--client', '127.0.0.1', '--subnet', s], capture_output=True, text=True).stdout
    keep = [l for l in x.splitlines() if l.split(':')[0] in ('located', 'rule', 'list')]
    print("DIFF %s %s: geosteer %s %s scope %s | gdnsd %s %s scope %s" % (
        s, name, a['status'], ','.join(a['addr']), a['scope'], b['status'], ','.join(b['addr']), b['scope']))
    print("     gdnsd_geoip_test: %s/%s => %s" % (addr, t[0], t[1]))
    for l in keep:
        print("     geosteer " + l)
if len(diffs) > 40:
    print("... %d more differences" % (len(diffs) - 40))
PY
