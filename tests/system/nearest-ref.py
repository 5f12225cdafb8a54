#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# nearest-ref.py -- the reference of tests/system/nearest.sh, computed here without
# geosteer's code: reads the test database's source text (tests/data/geo/nearest.txt)
# and the map of the test (datacenter coordinates in configuration order, country
# rules, default list), orders the datacenters by haversine distance for every located
# record, and derives each client's ordered list and the ECS scope the answer must
# carry (the widest aligned network around the client over which the list is the same,
# RFC 7871 / docs/design.md rule 3).
#
# Usage: nearest-ref.py DB.txt MAP.json
#   MAP.json: {"default": [...], "countries": {"GB": [...]},
#              "coordinates": [["us-east", 39.0, -77.5], ...]}
# Prints one line per client: "SUBNET KIND SCOPE DC,DC,... KM,KM,..." where KIND is
# nearest, countries:CC or default, and KM the distances (nearest only, else "-").
# Clients: the first /24 (IPv4) or /48 (IPv6) of each record's network, the second /24
# of every wider IPv4 network, and one IPv4 and one IPv6 network the database lacks.

import ipaddress
import json
import math
import sys

EARTH_KM = 6371.0088  # mean Earth radius (IUGG)

# IPv6 ranges located through IPv4 (geosteer's geo.h): inside them the IPv6 table
# holds markers, never a list, so a native IPv6 scope never spans them.
EMBEDDED = ["::/96", "::ffff:0:0/96", "64:ff9b::/96", "2002::/16", "2001::/32"]


def haversine(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(min(h, 1.0)))


def read_db(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        net, *kv = line.split()
        rows.append((ipaddress.ip_network(net), dict(x.split("=", 1) for x in kv)))
    return rows


def decide(fields, m):
    """The list, kind and distances for one record, by design rules 1 and 7."""
    cc = fields.get("country")
    if cc and cc in m["countries"]:
        return tuple(m["countries"][cc]), "countries:" + cc, None
    if "lat" in fields and "lon" in fields:
        lat, lon = float(fields["lat"]), float(fields["lon"])
        ranked = sorted(
            ((haversine(lat, lon, dlat, dlon), i, dc)
             for i, (dc, dlat, dlon) in enumerate(m["coordinates"])))
        return tuple(dc for _, _, dc in ranked), "nearest", [km for km, _, _ in ranked]
    return tuple(m["default"]), "default", None


def scope(addr, parts, bits):
    """Shortest prefix length L such that addr's aligned /L network lies where one list
    holds. parts: [(first, last, value)] covering the family's space."""
    x = int(addr)
    val = next(v for f, l, v in parts if f <= x <= l)
    for plen in range(0, bits + 1):
        host = (1 << (bits - plen)) - 1
        lo, hi = x & ~host, x | host
        if all(v == val for f, l, v in parts if f <= hi and l >= lo):
            return plen
    return bits


def partition(rows, version, m, extra):
    """Sorted, gap-filled ranges of one family: value = the ordered list (lists are
    compared by content, as geosteer interns them)."""
    bits = 32 if version == 4 else 128
    spans = [(int(n.network_address), int(n.broadcast_address), decide(f, m)[0])
             for n, f in rows if n.version == version]
    spans += extra
    spans.sort()
    out, at = [], 0
    dflt = tuple(m["default"])
    for f, l, v in spans:
        if f > at:
            out.append((at, f - 1, dflt))
        out.append((f, l, v))
        at = l + 1
    if at <= (1 << bits) - 1:
        out.append((at, (1 << bits) - 1, dflt))
    return out


def main():
    rows = read_db(sys.argv[1])
    m = json.load(open(sys.argv[2], encoding="utf-8"))
    marks = []
    for i, e in enumerate(EMBEDDED):
        n = ipaddress.ip_network(e)
        marks.append((int(n.network_address), int(n.broadcast_address), ("embedded", i)))
    parts = {4: partition(rows, 4, m, []), 6: partition(rows, 6, m, marks)}

    clients = []
    for net, fields in rows:
        first = 24 if net.version == 4 else 48
        subs = list(net.subnets(new_prefix=first)) if net.prefixlen < first else [net]
        picked = subs[:2] if net.version == 4 else subs[:1]
        clients += [(s, fields) for s in picked]
    clients.append((ipaddress.ip_network("11.1.0.0/24"), {}))
    clients.append((ipaddress.ip_network("2400:cb01::/48"), {}))

    for sub, fields in clients:
        lst, kind, kms = decide(fields, m)
        sc = scope(sub.network_address, parts[sub.version], 32 if sub.version == 4 else 128)
        km = ",".join("%.1f" % k for k in kms) if kms else "-"
        print(sub, kind, sc, ",".join(lst), km)


if __name__ == "__main__":
    main()
