#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# same_answers.py -- the engine of bench/same-answers.sh: runs two geosteerd binaries
# (OLD and NEW) side by side on loopback with the same configuration, sends both the
# same queries (same bytes, same query ID, same order, one at a time) and compares the
# responses byte for byte. A check that a change keeps every answer, not a test.
#
# Configurations ("sets"), each served by one OLD and one NEW daemon:
#   fixtures  the zones of tests/data/system, tests/data/answer and the loadable ones of
#             tests/data/zones (rdata.test, example.), identity (CHAOS, NSID), cookies,
#             the tiny City database with client_subnet on (ECS on static names);
#   zones2    tests/data/zones/example.com.zone ($INCLUDE) and its delegated child;
#   steer     the steering fixture of tests/data/steer (services web and v4 of the unit
#             tests' map) against the tiny City and ASN databases;
#   example   examples/geosteer.yaml with the demo database (threads set to 1);
#   wikimedia tests/data/wikimedia/excerpt.yaml with its City database and a small zone.
# Queries: every owner name of the zones (and every steered name), a missing child of
# each and a mixed-case spelling (and per zone a few missing names that the SOA's names
# or a long question make interesting for compression), times A AAAA NS SOA MX TXT
# CNAME DS ANY and a type no zone has, without EDNS, with EDNS, with DO + NSID and a 512-byte buffer; an ECS
# and a client cookie on some; steered names with ECS subnets taken from the test
# databases and the maps (and their wider and narrower neighbours, embedded-IPv4
# forms, source prefix 0, malformed options); CHAOS, other classes and meta types,
# opcodes, header flags, EDNS versions and options, cookies (client only, valid,
# invalid, bad lengths), malformed and junk packets; every steered query again after
# forcing datacenters down (when the builds have geosteerctl). A sample is also sent
# over TCP, plus framing errors.
#
# Time-dependent bytes: a fresh server cookie carries the current time and a hash of
# it (RFC 9018), so in a response's COOKIE option the Timestamp and Hash of the
# server cookie (bytes 12-23 of the option data) are masked before comparing; the
# rest of the option (client cookie, version, reserved) is compared. Such responses
# are counted as "identical after masking". A valid server cookie that a query sends
# back is taken from OLD and is echoed unchanged by both. Rate limiting and health
# checks are time-dependent and not configured; the dropped-packet paths are compared
# by sending a probe query after each malformed one (a response that arrives before
# the probe's belongs to the malformed query; "no response" is a result too).
import argparse
import ipaddress
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import dns.message

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33, "NAPTR": 35, "OPT": 41, "DS": 43, "RRSIG": 46, "NSEC": 47,
         "DNSKEY": 48, "CAA": 257, "IXFR": 251, "AXFR": 252, "MAILB": 253, "MAILA": 254,
         "ANY": 255, "TSIG": 250, "SPF": 99}
NAME_TYPES = ["A", "AAAA", "NS", "SOA", "MX", "TXT", "CNAME", "DS", "ANY", 65280]
STEER_TYPES = ["A", "AAAA", "TXT", "ANY", "CNAME"]


def die(msg):
    print("same-answers: " + msg, file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------- wire

def name_wire(text):
    """Wire form of a dotted name, case kept (no escapes in our fixtures)."""
    text = text.rstrip(".")
    out = b""
    if text:
        for label in text.split("."):
            b = label.encode()
            out += bytes([len(b)]) + b
    return out + b"\0"


def opt_rr(size=1232, do=False, version=0, rcode_hi=0, options=(), owner=b"\0", zflags=0):
    rdata = b"".join(struct.pack("!HH", c, len(d)) + d for c, d in options)
    ttl = (rcode_hi << 24) | (version << 16) | (0x8000 if do else 0) | zflags
    return owner + struct.pack("!HHIH", 41, size, ttl, len(rdata)) + rdata


def query(qid, name, qtype, qclass=1, flags=0, opt=None, qd=None, extra=b"", arcount=None):
    qtype = TYPES[qtype] if isinstance(qtype, str) else qtype
    question = name_wire(name) + struct.pack("!HH", qtype, qclass) if qd is None else qd
    ar = (1 if opt is not None else 0) if arcount is None else arcount
    head = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, ar)
    return head + question + (opt or b"") + extra


def ecs(addr, prefix, scope=0, family=None, raw=None):
    if raw is not None:
        return (8, raw)
    ip = ipaddress.ip_address(addr)
    fam = family if family is not None else (1 if ip.version == 4 else 2)
    nbytes = (prefix + 7) // 8
    return (8, struct.pack("!HBB", fam, prefix, scope) + ip.packed[:nbytes])


def ecs_net(text, scope=0):
    net = ipaddress.ip_network(text, strict=False)
    return ecs(str(net.network_address), net.prefixlen, scope)


CLIENT_COOKIE = bytes.fromhex("0123456789abcdef")


def skip_name(m, i):
    while True:
        if i >= len(m):
            raise ValueError("name runs past the end")
        n = m[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        if n & 0xC0:
            raise ValueError("bad label")
        i += 1 + n


def mask_cookies(m):
    """The response with the time-dependent part of a server cookie zeroed (see the
    file's comment), and whether anything was masked. Unparseable: unchanged."""
    try:
        qd, an, ns, ar = struct.unpack("!HHHH", m[4:12])
        i = 12
        for _ in range(qd):
            i = skip_name(m, i) + 4
        for k in range(an + ns + ar):
            i = skip_name(m, i)
            rtype, _, _, rdlen = struct.unpack("!HHIH", m[i:i + 10])
            i += 10
            if rtype == 41 and k >= an + ns:
                j, end = i, i + rdlen
                while j + 4 <= end:
                    code, olen = struct.unpack("!HH", m[j:j + 4])
                    if code == 10 and olen >= 24:
                        data = j + 4
                        m = m[:data + 12] + b"\0" * (olen - 12) + m[data + olen:]
                        return m, True
                    j += 4 + olen
            i += rdlen
    except (ValueError, struct.error, IndexError):
        pass
    return m, False


def as_text(m):
    if m is None:
        return "(no response)"
    try:
        return dns.message.from_wire(m, ignore_trailing=True).to_text()
    except Exception as e:  # any parse failure is shown as such, with the hex
        return "(not parseable by dnspython: %s)" % e


# ---------------------------------------------------------------------------- zones

def zone_owners(path, origin, seen=None):
    """Owner names of a zone file: first-column owners, $ORIGIN and $INCLUDE handled,
    parentheses and quoted strings respected. Lowercase is not applied."""
    seen = seen if seen is not None else set()
    owners = []
    cur_origin = origin
    last = origin
    depth = 0
    base = os.path.dirname(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            out, q = "", False
            for ch in line:
                if ch == '"':
                    q = not q
                if ch == ";" and not q:
                    break
                out += ch
            starts_owner = depth == 0 and out[:1] not in ("", " ", "\t")
            depth += out.count("(") - out.count(")")
            if not out.strip():
                continue
            if not starts_owner:
                continue
            tok = out.split()
            if tok[0].upper() == "$ORIGIN":
                cur_origin = tok[1] if tok[1].endswith(".") else tok[1] + "." + cur_origin
                continue
            if tok[0].upper() == "$INCLUDE":
                inc = tok[1] if os.path.isabs(tok[1]) else os.path.join(base, tok[1])
                inc_origin = tok[2] if len(tok) > 2 else cur_origin
                if inc not in seen:
                    seen.add(inc)
                    owners += zone_owners(inc, inc_origin, seen)
                continue
            if tok[0].startswith("$"):
                continue
            o = tok[0]
            if o == "@":
                o = cur_origin
            elif not o.endswith("."):
                o = o + "." + cur_origin
            last = o
            owners.append(o)
    return owners or [last]


def mixed_case(name):
    return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(name))


# ---------------------------------------------------------------------------- sets

def geo_nets(txt):
    nets = []
    with open(txt) as f:
        for line in f:
            line = re.sub(r"(^|\s)#.*", "", line).strip()
            if line:
                nets.append(line.split()[0])
    return nets


def yaml_nets(text):
    return re.findall(r'"?([0-9a-fA-F.:]+/\d+)"?\s*:', text)


def ecs_variants(nets):
    """ECS subnets for steered names: each network, a host, a /24 or /48 inside it and a
    wider prefix around it, plus embedded-IPv4 forms and prefix 0."""
    out = []
    for text in nets:
        try:
            n = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        out.append(str(n))
        host = n.network_address + (1 if n.num_addresses > 2 else 0)
        out.append("%s/%d" % (host, n.max_prefixlen))
        inner = 24 if n.version == 4 else 48
        if n.prefixlen < inner:
            out.append(str(ipaddress.ip_network("%s/%d" % (host, inner), strict=False)))
        if n.prefixlen >= 4:
            out.append(str(n.supernet(prefixlen_diff=4)))
        if n.version == 4:
            v = int(n.network_address)
            out.append("::ffff:%s/%d" % (n.network_address, 96 + n.prefixlen))
            out.append("64:ff9b::%s/%d" % (n.network_address, 96 + n.prefixlen))
            out.append(str(ipaddress.ip_network(((0x2002 << 112) | (v << 80), 16 + n.prefixlen))))
            teredo = (0x20010000 << 96) | ((~int(host)) & 0xFFFFFFFF)
            out.append("%s/128" % ipaddress.IPv6Address(teredo))
    out += ["0.0.0.0/0", "::/0", "127.0.0.0/8", "10.0.0.0/8", "2001:db8::/32", "192.0.2.0/24"]
    seen, res = set(), []
    for o in out:
        if o not in seen:
            seen.add(o)
            res.append(o)
    return res


BAD_ECS = [
    ("family 3", (8, struct.pack("!HBB", 3, 24, 0) + b"\1\0\10")),
    ("v4 prefix 33", (8, struct.pack("!HBB", 1, 33, 0) + b"\1\0\10\0\0")),
    ("v6 prefix 129", (8, struct.pack("!HBB", 2, 129, 0) + b"\x20\1\x0d\xb8" + b"\0" * 13)),
    ("host bits", (8, struct.pack("!HBB", 1, 23, 0) + b"\1\0\11")),
    ("address too long", (8, struct.pack("!HBB", 1, 24, 0) + b"\1\0\10\0")),
    ("address too short", (8, struct.pack("!HBB", 1, 24, 0) + b"\1\0")),
    ("scope in query", (8, struct.pack("!HBB", 1, 24, 24) + b"\1\0\10")),
    ("option of 3 bytes", (8, b"\0\1\30")),
    ("prefix 0 with address", (8, struct.pack("!HBB", 1, 0, 0) + b"\1")),
    ("family 0 prefix 0", (8, struct.pack("!HBB", 0, 0, 0))),
]


def sets_for(top, work, only):
    geo = os.path.join(work, "geo")
    os.makedirs(geo, exist_ok=True)
    mk = os.path.join(top, "tests/data/geo/mkmmdb.pl")
    for src, dst in [("tests/data/geo/city.txt", "city.mmdb"), ("tests/data/geo/asn.txt", "asn.mmdb"),
                     ("examples/demo-geoip.txt", "demo.mmdb"),
                     ("tests/data/wikimedia/excerpt-city.txt", "excerpt.mmdb")]:
        r = subprocess.run(["perl", mk, os.path.join(top, src), os.path.join(geo, dst)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            die("mkmmdb.pl %s failed (libmaxmind-db-writer-perl?): %s" % (src, r.stderr.strip()))
    d = lambda p: os.path.join(top, p)
    sets = []

    zones = [("a.test.", "tests/data/system/a.test.zone"),
             ("sub.a.test.", "tests/data/system/sub.a.test.zone"),
             ("b.test.", "tests/data/system/b.test.zone"),
             ("example.com.", "tests/data/answer/example.com.zone"),
             ("island.example.com.", "tests/data/answer/island.example.com.zone"),
             ("deep.example.com.", "tests/data/answer/deep.example.com.zone"),
             ("other.test.", "tests/data/answer/other.test.zone"),
             ("rdata.test.", "tests/data/zones/rdata.zone"),
             ("example.", "tests/data/zones/rfc4592.zone")]
    body = ("identity: ns1.same-answers.test\n"
            "cookies: {secret: 000102030405060708090a0b0c0d0e0f}\n"
            "geoip: {database: %s/city.mmdb, client_subnet: true}\n" % geo)
    sets.append(dict(name="fixtures", zones=zones, body=body, steered=[], nets=[],
                     ecs_static=True))

    zones = [("example.com.", "tests/data/zones/example.com.zone"),
             ("sub.example.com.", "tests/data/zones/sub.example.com.zone")]
    sets.append(dict(name="zones2", zones=zones, body="", steered=[], nets=[], ecs_static=False))

    steer_maps = ("maps:\n"
                  "  regional:\n"
                  "    default: [eu, us]\n"
                  "    continents: {NA: [us, eu], AS: [ap, us]}\n"
                  "    countries: {FR: [us, eu]}\n"
                  "    subdivisions: {US-NY: [eu, us]}\n"
                  "    asns: {64503: [ap, us]}\n"
                  "    networks: {1.0.8.0/24: [ap, eu], \"2001:db8:ff::/48\": [us]}\n"
                  "services:\n"
                  "  web:\n"
                  "    names: [www.geo.example., API.geo.example., x.deep.geo.example.]\n"
                  "    map: regional\n"
                  "    ttl: 60\n"
                  "    failover_ttl: 20\n"
                  "    datacenters:\n"
                  "      us: [192.0.2.10, 192.0.2.11, \"2001:db8:10::10\"]\n"
                  "      eu: [198.51.100.10, \"2001:db8:20::10\"]\n"
                  "      ap: [203.0.113.10]\n"
                  "  v4:\n"
                  "    names: [v4.geo.example.]\n"
                  "    map: regional\n"
                  "    ttl: 30\n"
                  "    failover_ttl: 10\n"
                  "    datacenters:\n"
                  "      us: [192.0.2.20]\n"
                  "      eu: [198.51.100.20]\n"
                  "      ap: [203.0.113.20]\n")
    body = ("identity: ns1.geo.example\n"
            "cookies: {secret: 0f0e0d0c0b0a09080706050403020100}\n"
            "geoip: {database: %s/city.mmdb, asn_database: %s/asn.mmdb, client_subnet: true}\n"
            % (geo, geo)) + steer_maps
    zones = [("geo.example.", "tests/data/steer/geo.example.zone"),
             ("other.test.", "tests/data/steer/other.test.zone")]
    sets.append(dict(name="steer", zones=zones, body=body,
                     steered=["www.geo.example.", "API.geo.example.", "x.deep.geo.example.",
                              "v4.geo.example.", "cdn.other.test."],
                     nets=geo_nets(d("tests/data/geo/city.txt")) + geo_nets(d("tests/data/geo/asn.txt"))
                     + yaml_nets(steer_maps),
                     dcs=["us", "eu", "ap"], ecs_static=True))

    with open(d("examples/geosteer.yaml")) as f:
        ex = f.read()
    ex = re.sub(r"(?m)^listen:.*\n", "", ex)
    ex = re.sub(r"(?m)^threads:.*$", "threads: 1", ex)
    ex = ex.replace("database: demo.mmdb", "database: %s/demo.mmdb" % geo)
    ex = ex.replace("file: zones/geo.example.zone", "file: %s" % d("examples/zones/geo.example.zone"))
    ex = re.sub(r"(?ms)^zones:\n.*?(?=^\S)", "", ex)
    sets.append(dict(name="example", zones=[("geo.example.", "examples/zones/geo.example.zone")],
                     body=ex, steered=["www.geo.example."],
                     nets=geo_nets(d("examples/demo-geoip.txt")) + yaml_nets(ex),
                     dcs=["us-east", "eu-central"], ecs_static=True))

    with open(d("tests/data/wikimedia/excerpt.yaml")) as f:
        wm = f.read().replace("@T@/excerpt.mmdb", "%s/excerpt.mmdb" % geo)
    wzone = os.path.join(work, "wikimedia.test.zone")
    with open(wzone, "w") as f:
        f.write("$ORIGIN wikimedia.test.\n$TTL 3600\n"
                "@ IN SOA ns0 hostmaster 1 7200 3600 1209600 600\n"
                "@ IN NS ns0\nns0 IN A 192.0.2.53\nns0 IN AAAA 2001:db8::53\n"
                "www IN CNAME text-addrs\nupload IN CNAME upload-addrs\n")
    names = re.findall(r"names: \[([^\]]*)\]", wm)
    steered = [n.strip() for ns in names for n in ns.split(",")]
    dcs = sorted(set(re.findall(r"(?m)^      ([a-z-]+): \[", wm)))
    sets.append(dict(name="wikimedia", zones=[("wikimedia.test.", wzone)], body=wm,
                     steered=steered,
                     nets=geo_nets(d("tests/data/wikimedia/excerpt-city.txt")) + yaml_nets(wm),
                     dcs=dcs, ecs_static=True))
    if only:
        sets = [s for s in sets if s["name"] in only]
    for s in sets:
        s["zones"] = [(o, p if os.path.isabs(p) else d(p)) for o, p in s["zones"]]
    return sets


def config_text(s, port, v6):
    listen = '"127.0.0.1:%d"' % port + (', "[::1]:%d"' % port if v6 else "")
    out = "# written by bench/same_answers.py (set %s)\n" % s["name"]
    out += "listen: [%s]\ncontrol: control.sock\n" % listen
    out += "threads: 1\n" if not re.search(r"(?m)^threads:", s["body"]) else ""
    out += "tcp: {max_connections: 64, max_per_client: 64, idle_timeout: 30s, max_queries: 0}\n" \
        if not re.search(r"(?m)^tcp:", s["body"]) else ""
    out += s["body"].rstrip("\n") + "\n"
    out += "zones:\n" + "".join("  - {name: %s, file: %s}\n" % z for z in s["zones"])
    return out


# ---------------------------------------------------------------------------- queries

class Q:
    __slots__ = ("label", "wire", "tcp", "probe", "v6")

    def __init__(self, label, wire, tcp=False, probe=False, v6=False):
        self.label, self.wire, self.tcp, self.probe, self.v6 = label, wire, tcp, probe, v6


def build_queries(s, server_cookie, v6):
    """The whole query list of a set (deterministic)."""
    qs = []
    nid = [0]

    def add(label, fn, **kw):
        nid[0] += 1
        qs.append(Q(label, fn(nid[0] & 0xFFFF), **kw))

    names = []
    for origin, path in s["zones"]:
        for n in zone_owners(path, origin):
            names.append(n)
            # and the empty non-terminals between it and the origin
            while n.lower() != origin.lower() and n.lower().endswith("." + origin.lower()):
                n = n.split(".", 1)[1]
                names.append(n)
    names += s["steered"]
    seen, uniq = set(), []
    for n in names:
        if n.lower() not in seen:
            seen.add(n.lower())
            uniq.append(n)
    variants = []
    for n in uniq:
        variants += [n, "zz-nx." + n, mixed_case(n)]
    # Missing names whose label under the apex is one the SOA's names use (RFC 2142's
    # hostmaster), so that the answer's SOA may point into the question, and one of 120
    # labels (the compression table nearly full of the question's suffixes).
    for origin, _ in s["zones"]:
        variants += ["hostmaster." + origin, "HostMaster.zz-nx." + origin,
                     "ns1.zz-nx." + origin, "x." * 120 + origin]
    cookie_opt = (10, CLIENT_COOKIE)
    for n in variants:
        for t in NAME_TYPES:
            tl = t if isinstance(t, str) else "TYPE%d" % t
            add("%s %s" % (n, tl), lambda i: query(i, n, t, flags=0x0100))
            add("%s %s +edns" % (n, tl), lambda i: query(i, n, t, opt=opt_rr(1232)))
            add("%s %s +dnssec +nsid +bufsize=512" % (n, tl),
                lambda i: query(i, n, t, opt=opt_rr(512, do=True, options=[(3, b"")])))
        for t in ["A", "AAAA", "TXT", "ANY"]:
            add("%s %s +subnet=1.0.8.0/24 +cookie" % (n, t),
                lambda i: query(i, n, t, opt=opt_rr(1232, options=[ecs("1.0.8.0", 24), cookie_opt])))

    ecs_list = ecs_variants(s["nets"]) if s["steered"] else []
    for n in s["steered"]:
        for sub in ecs_list:
            for t in STEER_TYPES if sub == ecs_list[0] else ["A", "AAAA"]:
                add("%s %s +subnet=%s" % (n, t, sub),
                    lambda i: query(i, n, t, opt=opt_rr(1232, options=[ecs_net(sub)])))
        for t in STEER_TYPES:
            add("%s %s +noedns (source address)" % (n, t), lambda i: query(i, n, t))
            add("%s %s +subnet=0 (v4)" % (n, t), lambda i: query(i, n, t, opt=opt_rr(1232, options=[ecs("0.0.0.0", 0)])))
            add("%s %s +subnet=0 (v6)" % (n, t), lambda i: query(i, n, t, opt=opt_rr(1232, options=[ecs("::", 0)])))
            if v6:
                add("%s %s over ::1" % (n, t), lambda i: query(i, n, t, opt=opt_rr(1232)), v6=True)
                add("%s %s over ::1 +subnet=2a00::/16" % (n, t),
                    lambda i: query(i, n, t, opt=opt_rr(1232, options=[ecs_net("2a00::/16")])), v6=True)
        for what, opt in BAD_ECS:
            add("%s A bad ECS: %s" % (n, what), lambda i: query(i, n, "A", opt=opt_rr(1232, options=[opt])))
        add("%s A two ECS options" % n,
            lambda i: query(i, n, "A", opt=opt_rr(1232, options=[ecs_net("1.0.8.0/24"), ecs_net("2.0.0.0/16")])))
    if s.get("ecs_static"):
        for origin, _ in s["zones"]:
            for sub in ["1.0.8.0/24", "2a00::/16", "8.8.8.0/24", "0.0.0.0/0"]:
                add("%s SOA +subnet=%s" % (origin, sub),
                    lambda i: query(i, origin, "SOA", opt=opt_rr(1232, options=[ecs_net(sub)])))
            for what, opt in BAD_ECS[:4]:
                add("%s SOA bad ECS: %s" % (origin, what),
                    lambda i: query(i, origin, "SOA", opt=opt_rr(1232, options=[opt])))

    apex = s["zones"][0][0]
    misc_queries(add, apex, server_cookie)

    # A TCP sample: every 7th of the above, and every ANY (the large answers).
    udp = [q for q in qs if not q.probe and not q.v6]
    for k, q in enumerate(udp):
        if k % 7 == 0 or " ANY" in q.label:
            qs.append(Q(q.label + " (TCP)", q.wire, tcp=True))
    return qs


def misc_queries(add, apex, server_cookie):
    for nm in ["id.server.", "hostname.bind.", "version.bind.", "version.server.", "authors.bind.",
               "ID.Server.", "nothing.bind."]:
        for t in ["TXT", "ANY", "A"]:
            add("CH %s %s" % (nm, t), lambda i: query(i, nm, t, qclass=3))
            add("CH %s %s +edns" % (nm, t), lambda i: query(i, nm, t, qclass=3, opt=opt_rr(1232)))
        add("IN %s TXT" % nm, lambda i: query(i, nm, "TXT"))
    for cl in [2, 3, 4, 254, 255, 0, 65280]:
        add("%s SOA class %d" % (apex, cl), lambda i: query(i, apex, "SOA", qclass=cl))
    for t in ["AXFR", "IXFR", "OPT", "TSIG", "RRSIG", "NSEC", "DNSKEY", "MAILA", "MAILB", "PTR",
              "SRV", "NAPTR", "CAA", "HINFO", "SPF", 0, 65535, 128, 249]:
        add("%s %s" % (apex, t), lambda i: query(i, apex, t))
        add("%s %s +edns" % (apex, t), lambda i: query(i, apex, t, opt=opt_rr(1232)))
    for out in [".", "com.", "test.", "example.net.", "x.invalid.", "arpa.", "a" * 63 + "." + apex]:
        for t in ["A", "NS", "SOA"]:
            add("%s %s" % (out, t), lambda i: query(i, out, t))
    for opcode in range(1, 16):
        add("opcode %d" % opcode, lambda i: query(i, apex, "SOA", flags=opcode << 11))
        add("opcode %d +edns" % opcode, lambda i: query(i, apex, "SOA", flags=opcode << 11, opt=opt_rr()))
    for fl, what in [(0x0400, "AA"), (0x0200, "TC"), (0x0100, "RD"), (0x0080, "RA"), (0x0040, "Z"),
                     (0x0020, "AD"), (0x0010, "CD"), (0x0003, "rcode 3"), (0x000F, "rcode 15"),
                     (0x0730, "AA TC AD CD")]:
        add("%s SOA flag %s" % (apex, what), lambda i: query(i, apex, "SOA", flags=fl))
    edns = [("version 1", opt_rr(version=1)), ("version 255 DO", opt_rr(version=255, do=True)),
            ("bufsize 0", opt_rr(0)), ("bufsize 511", opt_rr(511)), ("bufsize 65535", opt_rr(65535)),
            ("bufsize 100", opt_rr(100)), ("ext rcode", opt_rr(rcode_hi=1)),
            ("Z flags", opt_rr(zflags=0x7FFF)), ("unknown option", opt_rr(options=[(65001, b"xyz")])),
            ("NSID with data", opt_rr(options=[(3, b"abc")])), ("padding", opt_rr(options=[(12, b"\0" * 20)])),
            ("keepalive", opt_rr(options=[(11, b"")])), ("expire", opt_rr(options=[(9, b"")])),
            ("chain", opt_rr(options=[(13, b"\0")])), ("owner not root", opt_rr(owner=b"\1a\0")),
            ("option past rdata", opt_rr()[:-2] + b"\0\4" + b"\0\3\0\10"),
            ("cookie client only", opt_rr(options=[(10, CLIENT_COOKIE)])),
            ("cookie valid", opt_rr(options=[(10, CLIENT_COOKIE + server_cookie)])),
            ("cookie wrong client", opt_rr(options=[(10, b"\xff" * 8 + server_cookie)])),
            ("cookie invalid server", opt_rr(options=[(10, CLIENT_COOKIE + b"\1\0\0\0" + b"\7" * 12)])),
            ("cookie server 8 bytes", opt_rr(options=[(10, CLIENT_COOKIE + b"\5" * 8)])),
            ("cookie server 32 bytes", opt_rr(options=[(10, CLIENT_COOKIE + b"\5" * 32)])),
            ("cookie 5 bytes", opt_rr(options=[(10, b"\1" * 5)])),
            ("cookie 41 bytes", opt_rr(options=[(10, b"\1" * 41)])),
            ("cookie 12 bytes", opt_rr(options=[(10, b"\1" * 12)])),
            ("two cookies", opt_rr(options=[(10, CLIENT_COOKIE), (10, CLIENT_COOKIE)])),
            ("cookie + nsid + ecs", opt_rr(do=True, options=[(10, CLIENT_COOKIE + server_cookie), (3, b""),
                                                            ecs_net("2.0.0.0/16")]))]
    for what, opt in edns:
        for t in ["SOA", "ANY"]:
            add("%s %s EDNS %s" % (apex, t, what), lambda i: query(i, apex, t, opt=opt))
    add("two OPT records", lambda i: query(i, apex, "SOA", opt=opt_rr() + opt_rr(), arcount=2))
    add("OPT in the answer section",
        lambda i: struct.pack("!HHHHHH", i, 0, 1, 1, 0, 0) + name_wire(apex) + b"\0\6\0\1" + opt_rr())
    # Malformed and junk: each followed by a probe, see the file's comment.
    q = name_wire(apex) + b"\0\6\0\1"
    junk = [("empty", lambda i: b""), ("1 byte", lambda i: b"\1"), ("11 bytes", lambda i: b"\0" * 11),
            ("header only, QDCOUNT 1", lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 0, 0)),
            ("QDCOUNT 0", lambda i: struct.pack("!HHHHHH", i, 0, 0, 0, 0, 0)),
            ("QDCOUNT 0 +edns", lambda i: struct.pack("!HHHHHH", i, 0, 0, 0, 0, 1) + opt_rr()),
            ("QDCOUNT 2", lambda i: struct.pack("!HHHHHH", i, 0, 2, 0, 0, 0) + q + q),
            ("QR set", lambda i: struct.pack("!HHHHHH", i, 0x8000, 1, 0, 0, 0) + q),
            ("QR set, opcode 5", lambda i: struct.pack("!HHHHHH", i, 0x8000 | 5 << 11, 1, 0, 0, 0) + q),
            ("truncated type", lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 0, 0) + name_wire(apex) + b"\0"),
            ("unterminated name", lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 0, 0) + b"\3abc\3de"),
            ("pointer in question", lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1"),
            ("label 64", lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 0, 0) + b"\x40" + b"a" * 64 + b"\0\0\1\0\1"),
            ("name 256", lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 0, 0)
             + (b"\x3f" + b"a" * 63) * 4 + b"\0\0\1\0\1"),
            ("name 255", lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 0, 0)
             + (b"\x3f" + b"a" * 63) * 3 + b"\x3d" + b"a" * 61 + b"\0\0\1\0\1"),
            ("trailing bytes", lambda i: query(i, apex, "SOA") + b"junk"),
            ("trailing bytes +edns", lambda i: query(i, apex, "SOA", opt=opt_rr()) + b"junk"),
            ("ARCOUNT 1, nothing", lambda i: query(i, apex, "SOA", arcount=1)),
            ("ANCOUNT 1, junk", lambda i: struct.pack("!HHHHHH", i, 0, 1, 1, 0, 0) + q + b"\0\0\1"),
            ("NSCOUNT 1, A record", lambda i: struct.pack("!HHHHHH", i, 0, 1, 0, 1, 0) + q
             + b"\0\0\1\0\1\0\0\0\1\0\4\1\2\3\4"),
            ("OPT rdlength past end", lambda i: query(i, apex, "SOA", opt=opt_rr()[:-2] + b"\0\x20")),
            ("opcode 15, QDCOUNT 0", lambda i: struct.pack("!HHHHHH", i, 15 << 11, 0, 0, 0, 0)),
            ("NOTIFY", lambda i: struct.pack("!HHHHHH", i, 4 << 11 | 0x0400, 1, 0, 0, 0) + q),
            ("UPDATE", lambda i: struct.pack("!HHHHHH", i, 5 << 11, 1, 0, 0, 0) + q)]
    rnd = random.Random(20241126)
    for k in range(24):
        n = rnd.randrange(12, 120)
        data = bytes(rnd.randrange(256) for _ in range(n))
        junk.append(("random %d (%d bytes)" % (k, n), lambda i, d=data: d))
        hdr = struct.pack("!HHHHHH", rnd.randrange(65536), rnd.randrange(65536) & 0x7FFF, 1,
                          rnd.randrange(3), rnd.randrange(3), rnd.randrange(3))
        junk.append(("random header %d" % k, lambda i, h=hdr: h + q + bytes(rnd.randrange(256) for _ in range(8))))
    for what, fn in junk:
        add("malformed: " + what, fn, probe=True)


# ---------------------------------------------------------------------------- daemons

def free_port(v6):
    for _ in range(50):
        p = random.randrange(20000, 60000)
        socks = []
        try:
            for fam, host in [(socket.AF_INET, "127.0.0.1")] + ([(socket.AF_INET6, "::1")] if v6 else []):
                for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    so = socket.socket(fam, typ)
                    socks.append(so)
                    so.bind((host, p))
            return p
        except OSError:
            continue
        finally:
            for so in socks:
                so.close()
    die("no free port")


class Daemon:
    def __init__(self, role, binary, s, work, v6):
        self.role, self.binary = role, binary
        self.dir = os.path.join(work, s["name"], role)
        os.makedirs(self.dir, exist_ok=True)
        self.cfg = os.path.join(self.dir, "geosteer.yaml")
        self.log = os.path.join(self.dir, "geosteerd.log")
        self.proc = None
        apex = s["zones"][0][0]
        for attempt in range(5):
            self.port = free_port(v6)
            with open(self.cfg, "w") as f:
                f.write(config_text(s, self.port, v6))
            with open(self.log, "w") as lf:
                self.proc = subprocess.Popen([binary, "-c", self.cfg], stdout=lf, stderr=subprocess.STDOUT)
            if self.wait_ready(apex):
                return
            self.stop()
        with open(self.log) as lf:
            die("%s (%s) did not start for set %s:\n%s" % (role, binary, s["name"], lf.read()[-2000:]))

    def wait_ready(self, apex):
        deadline = time.monotonic() + 30
        so = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        so.connect(("127.0.0.1", self.port))
        so.settimeout(0.2)
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    return False
                so.send(query(0xBEEF, apex, "SOA"))
                try:
                    while True:
                        if so.recv(65535)[:2] == b"\xbe\xef":
                            return True
                except socket.timeout:
                    pass
                except ConnectionRefusedError:  # not bound yet: poll again shortly
                    time.sleep(0.05)
            return False
        finally:
            so.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    """UDP (127.0.0.1 and ::1) and TCP sockets to one daemon."""

    def __init__(self, port, v6):
        self.port = port
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.connect(("127.0.0.1", port))
        self.udp6 = None
        if v6:
            self.udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            self.udp6.connect(("::1", port))
        self.tcp = None
        self.tcp_used = 0

    def tcp_sock(self):
        if self.tcp is None or self.tcp_used >= 50:
            if self.tcp:
                self.tcp.close()
            self.tcp = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            self.tcp_used = 0
        self.tcp_used += 1
        return self.tcp

    def close(self):
        for so in (self.udp, self.udp6, self.tcp):
            if so:
                so.close()


def recv_udp(so, qid, deadline):
    """The first datagram whose ID is qid, or None at the deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        so.settimeout(left)
        try:
            m = so.recv(65535)
        except socket.timeout:
            return None
        except ConnectionRefusedError:
            return None
        if m[:2] == qid:
            return m


def recv_until_probe(so, probe_id, deadline):
    """Datagrams that arrive before the probe's response (joined), or None for none."""
    got = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            got.append(b"(probe unanswered)")
            break
        so.settimeout(left)
        try:
            m = so.recv(65535)
        except (socket.timeout, ConnectionRefusedError):
            continue
        if len(m) >= 12 and m[:2] == probe_id and m[2] & 0x80 and m[12:15] == b"\1p\0":
            break
        got.append(m)
    return b"\n--next datagram--\n".join(got) if got else None


def recv_exact(so, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        so.settimeout(left)
        chunk = so.recv(n - len(buf))
        if not chunk:
            raise ConnectionResetError()
        buf += chunk
    return buf


def ask_tcp(cl, wire):
    try:
        so = cl.tcp_sock()
        so.sendall(struct.pack("!H", len(wire)) + wire)
        deadline = time.monotonic() + 5
        n = struct.unpack("!H", recv_exact(so, 2, deadline))[0]
        return recv_exact(so, n, deadline)
    except (OSError, socket.timeout):
        if cl.tcp:
            cl.tcp.close()
        cl.tcp = None
        return b"(TCP connection closed or timed out)"


def tcp_framing_cases(port, apex):
    """Framing errors over TCP, each on its own connection: what comes back before the
    server closes or 2 s pass (bounded)."""
    good = query(77, apex, "SOA")
    cases = [("length 0", b"\0\0" + struct.pack("!H", len(good)) + good),
             ("length 1 byte too long, then close", struct.pack("!H", len(good) + 1) + good),
             ("length 11 (short message)", b"\0\x0b" + b"\0" * 11),
             ("junk of 40 bytes", b"\0\x28" + bytes(range(40))),
             ("two pipelined queries", (struct.pack("!H", len(good)) + good) * 2),
             ("QR set", struct.pack("!H", len(good)) + bytes([good[0], good[1], 0x80]) + good[3:])]
    def one(data, close):
        got = b""
        try:
            so = socket.create_connection(("127.0.0.1", port), timeout=5)
            so.sendall(data)
            if close:
                so.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                so.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    chunk = so.recv(65535)
                except socket.timeout:
                    break
                if not chunk:
                    got += b"(closed)"
                    break
                got += chunk
            so.close()
        except OSError as e:
            got += ("(%s)" % type(e).__name__).encode()
        return got

    return [("TCP framing: " + what, data, lambda d=data, c=what.endswith("then close"): one(d, c))
            for what, data in cases]


# ---------------------------------------------------------------------------- main

class Result:
    def __init__(self, show):
        self.total = self.same = self.masked = self.diff = 0
        self.show, self.shown = show, []
        self.rcodes = {}

    def compare(self, set_name, label, wire, a, b):
        self.total += 1
        # What OLD said, so that a run where nothing answers cannot pass unnoticed.
        if a is None:
            kind = "no response"
        elif len(a) < 12 or b"\n--next datagram--\n" in a or a.startswith(b"(") or label.startswith("TCP framing"):
            kind = "other (junk answers, TCP framing)"
        else:
            kind = "rcode %d%s" % (a[3] & 15, " TC" if a[2] & 2 else "")
        self.rcodes[kind] = self.rcodes.get(kind, 0) + 1
        if a == b:
            self.same += 1
            return
        if a is not None and b is not None:
            ma, fa = mask_cookies(a)
            mb, fb = mask_cookies(b)
            if fa and fb and ma == mb:
                self.masked += 1
                return
        self.diff += 1
        if len(self.shown) < self.show:
            self.shown.append((set_name, label, wire, a, b))


def gsctl_for(binary):
    p = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(binary))), "tools", "geosteerctl")
    return p if os.access(p, os.X_OK) else None


def run_set(s, old, new, work, v6, res, steps):
    d_old = Daemon("old", old, s, work, v6)
    try:
        d_new = Daemon("new", new, s, work, v6)
    except SystemExit:
        d_old.stop()
        raise
    try:
        cl = [Client(d_old.port, v6), Client(d_new.port, v6)]
        apex = s["zones"][0][0]
        # A valid server cookie for 127.0.0.1, from OLD (the secret is shared).
        cl[0].udp.send(query(0xC00C, apex, "SOA", opt=opt_rr(options=[(10, CLIENT_COOKIE)])))
        r = recv_udp(cl[0].udp, b"\xc0\x0c", time.monotonic() + 5) or b""
        k = r.find(b"\0\x0a\0\x18" + CLIENT_COOKIE)
        server_cookie = r[k + 12:k + 28] if k >= 0 else b"\1\0\0\0" + b"\0" * 12
        qs = build_queries(s, server_cookie, v6)
        phases = [("", qs)]
        ctl = [gsctl_for(old), gsctl_for(new)]
        if s["steered"] and s.get("dcs") and all(ctl):
            steered = [q for q in qs if any(q.label.startswith(n + " ") for n in s["steered"])]
            dcs = s["dcs"]
            phases.append(("[%s down] " % dcs[0], steered, [(dcs[0], "down")]))
            phases.append(("[all down] ", steered, [(dc, "down") for dc in dcs[1:]]))
            phases.append(("[%s up] " % dcs[-1], steered, [(dcs[-1], "up")]))
        elif s["steered"]:
            steps.append("set %s: failover phases skipped (no tools/geosteerctl next to the builds)"
                         % s["name"])
        probe = query(0, "p.", "SOA")
        for phase in phases:
            prefix, plist = phase[0], phase[1]
            for dc, state in (phase[2] if len(phase) > 2 else []):
                for c, dmn in zip(ctl, (d_old, d_new)):
                    subprocess.run([c, "-s", os.path.join(dmn.dir, "control.sock"), "force", dc, state],
                                   stdout=subprocess.DEVNULL, check=True, timeout=10)
            for q in plist:
                if q.tcp:
                    a, b = ask_tcp(cl[0], q.wire), ask_tcp(cl[1], q.wire)
                elif q.probe:
                    pid = struct.pack("!H", (len(q.wire) * 7919 + 1) & 0xFFFF)
                    pw = pid + probe[2:]
                    for c in cl:
                        c.udp.send(q.wire) if q.wire else c.udp.send(b"")
                        c.udp.send(pw)
                    dl = time.monotonic() + 5
                    a, b = recv_until_probe(cl[0].udp, pid, dl), recv_until_probe(cl[1].udp, pid, dl)
                else:
                    so = [c.udp6 if q.v6 else c.udp for c in cl]
                    so[0].send(q.wire)
                    so[1].send(q.wire)
                    dl = time.monotonic() + 3
                    a, b = recv_udp(so[0], q.wire[:2], dl), recv_udp(so[1], q.wire[:2], dl)
                res.compare(s["name"], prefix + q.label, q.wire, a, b)
        # Framing errors wait for the server to close or for 2 s: all at once, in threads.
        jobs = tcp_framing_cases(d_old.port, apex) + tcp_framing_cases(d_new.port, apex)
        got = [None] * len(jobs)

        def run(k):
            got[k] = jobs[k][2]()
        threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        half = len(jobs) // 2
        for k in range(half):
            res.compare(s["name"], jobs[k][0], jobs[k][1], got[k], got[half + k])
        for c in cl:
            c.close()
        for dmn in (d_old, d_new):
            if dmn.proc.poll() is not None:
                res.diff += 1
                res.shown.append((s["name"], "%s daemon exited (code %s)" % (dmn.role, dmn.proc.returncode),
                                  b"", None, None))
    finally:
        d_old.stop()
        d_new.stop()
    return len(qs)


def main():
    ap = argparse.ArgumentParser(description="Same queries to two geosteerd builds; byte-compare.")
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--top", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--set", action="append", default=[], help="only this set (repeatable)")
    ap.add_argument("--show", type=int, default=5, help="differences shown in full (default 5)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    a = ap.parse_args()
    for b in (a.old, a.new):
        if not os.access(b, os.X_OK):
            die("%s is not an executable" % b)
    v6 = True
    try:
        so = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        so.bind(("::1", 0))
        so.close()
    except OSError:
        v6 = False
    work = tempfile.mkdtemp(prefix="gs-same.")
    res = Result(a.show)
    notes = []
    t0 = time.monotonic()
    try:
        for s in sets_for(a.top, work, a.set):
            before = (res.total, res.diff)
            run_set(s, a.old, a.new, work, v6, res, notes)
            print("set %-10s %6d queries, %d different" % (s["name"], res.total - before[0],
                                                           res.diff - before[1]))
    finally:
        if a.keep:
            print("work folder kept: " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    for note in notes:
        print(note)
    print("OLD %s\nNEW %s" % (a.old, a.new))
    print("queries %d, identical %d (of which %d after masking cookie timestamps), different %d, %.1f s"
          % (res.total, res.same + res.masked, res.masked, res.diff, time.monotonic() - t0))
    print("OLD's responses: " + ", ".join("%s: %d" % kv for kv in sorted(res.rcodes.items())))
    for set_name, label, wire, x, y in res.shown:
        print("\n=== different: set %s: %s" % (set_name, label))
        if wire:
            print("query hex: " + wire.hex())
            if len(wire) >= 12:
                print("query:\n" + as_text(wire))
        if x and y:
            k = next((k for k in range(min(len(x), len(y))) if x[k] != y[k]), min(len(x), len(y)))
            print("first differing byte: offset %d (lengths %d and %d)" % (k, len(x), len(y)))
        for role, m in (("OLD", x), ("NEW", y)):
            print("--- %s response hex: %s" % (role, m.hex() if m else "(none)"))
            print(as_text(m))
    return 1 if res.diff else 0


if __name__ == "__main__":
    sys.exit(main())
