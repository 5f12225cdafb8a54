#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# weights.py -- the client side of tests/system/weights.sh: many ECS queries through
# dnspython over UDP, one per client network, and the comparisons the test asserts on.
#
# Usage:
#   weights.py -p PORT sweep NAME TYPE NETWORK PREFIX OUT [--host] [--dc NAME=ADDR ...]
#       one query for each PREFIX-long network inside NETWORK (ECS source PREFIX, or
#       with --host the full address with random host bits, so that another address of
#       the same network asks); writes "NETWORK DC SCOPE TTL" per line to OUT, DC being
#       the datacenter whose address answered (by --dc), "?" for anything else
#   weights.py share FILE DC            prints the share of networks that got DC
#   weights.py same A B                 exit 0 when every network got the same DC in both
#   weights.py moved A B DOWN [TTL]     exit 0 when exactly the networks that had DOWN in A
#                                       have another DC in B (and no network has DOWN);
#                                       with TTL, the moved ones answer with TTL and the
#                                       others with their TTL of A
#   weights.py differ A B LOW HIGH      exit 0 when the share of networks whose DC differs
#                                       between A and B lies in [LOW, HIGH]
#   weights.py scope FILE MIN           exit 0 when every scope is at least MIN
#   weights.py ttl FILE DC TTL          exit 0 when every answer from DC has TTL
# Queries are sent 64 at a time on one socket; a reply is matched by ID and question,
# a lost one asked again (at most 5 times), and the whole sweep is bounded in time.

import argparse
import ipaddress
import random
import select
import socket
import sys
import time

import dns.edns
import dns.exception
import dns.message
import dns.rdatatype

WINDOW = 64
RETRIES = 5
TIMEOUT = 2.0  # seconds before a query without a reply is sent again
DEADLINE = 120.0  # the whole sweep


def networks(net, prefix, host):
    """Every PREFIX-long network of NET, as (network text, ECS address, ECS length)."""
    base = ipaddress.ip_network(net)
    bits = base.max_prefixlen
    for sub in base.subnets(new_prefix=prefix):
        if host:
            span = 1 << (bits - prefix)
            addr = sub.network_address + random.randrange(span)
            yield str(sub), str(addr), bits
        else:
            yield str(sub), str(sub.network_address), prefix


def sweep(args):
    dcs = {}
    for pair in args.dc:
        name, addr = pair.split("=", 1)
        dcs[addr] = name
    qtype = dns.rdatatype.from_text(args.type)
    todo = list(networks(args.network, args.prefix, args.host))
    results = {}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((args.server, args.port))
    pending = {}  # id -> (index, sent at, tries)
    next_i = 0
    ids = list(range(1, 65536))
    random.shuffle(ids)
    free = ids
    start = time.monotonic()

    def send(i, tries):
        qid = free.pop()
        net, addr, length = todo[i]
        q = dns.message.make_query(args.name, qtype, use_edns=0, payload=1232,
                                   options=[dns.edns.ECSOption(addr, length)])
        q.flags = 0  # no RD: an authoritative question
        q.id = qid
        sock.send(q.to_wire())
        pending[qid] = (i, time.monotonic(), tries)

    while (next_i < len(todo) or pending) and time.monotonic() - start < DEADLINE:
        while next_i < len(todo) and len(pending) < WINDOW:
            send(next_i, 1)
            next_i += 1
        ready, _, _ = select.select([sock], [], [], 0.2)
        if ready:
            wire = sock.recv(65535)
            try:
                r = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue
            got = pending.pop(r.id, None)
            if got is None:
                continue  # a late reply to a query asked again
            free.insert(0, r.id)
            i = got[0]
            dc, ttl = "?", -1
            for rrset in r.answer:
                if rrset.rdtype == qtype:
                    for rd in rrset:
                        dc = dcs.get(rd.address, "?")
                    ttl = rrset.ttl
            scope = -1
            for opt in r.options:
                if isinstance(opt, dns.edns.ECSOption):
                    scope = opt.scopelen
            results[i] = (todo[i][0], dc, scope, ttl)
        now = time.monotonic()
        for qid, (i, at, tries) in list(pending.items()):
            if now - at > TIMEOUT:
                del pending[qid]
                if tries >= RETRIES:
                    results[i] = (todo[i][0], "lost", -1, -1)
                else:
                    send(i, tries + 1)
    if len(results) != len(todo) or any(v[1] == "lost" for v in results.values()):
        print("sweep: %d of %d networks answered" % (
            sum(1 for v in results.values() if v[1] != "lost"), len(todo)))
        return 1
    with open(args.out, "w") as f:
        for i in range(len(todo)):
            f.write("%s %s %d %d\n" % results[i])
    print("sweep: %d networks in %.1f s" % (len(todo), time.monotonic() - start))
    return 0


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            net, dc, scope, ttl = line.split()
            out[net] = (dc, int(scope), int(ttl))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", "--server", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=53)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sweep")
    for a in ("name", "type", "network"):
        p.add_argument(a)
    p.add_argument("prefix", type=int)
    p.add_argument("out")
    p.add_argument("--host", action="store_true")
    p.add_argument("--dc", action="append", default=[])
    p = sub.add_parser("share")
    p.add_argument("file")
    p.add_argument("dc")
    p = sub.add_parser("same")
    p.add_argument("a")
    p.add_argument("b")
    p = sub.add_parser("moved")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("down")
    p.add_argument("ttl", type=int, nargs="?")
    p = sub.add_parser("differ")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("low", type=float)
    p.add_argument("high", type=float)
    p = sub.add_parser("scope")
    p.add_argument("file")
    p.add_argument("min", type=int)
    p = sub.add_parser("ttl")
    p.add_argument("file")
    p.add_argument("dc")
    p.add_argument("ttl", type=int)
    args = ap.parse_args()

    if args.cmd == "sweep":
        return sweep(args)
    if args.cmd == "share":
        r = load(args.file)
        n = sum(1 for v in r.values() if v[0] == args.dc)
        counts = {}
        for v in r.values():
            counts[v[0]] = counts.get(v[0], 0) + 1
        print("%.4f %d %d %s" % (n / len(r), n, len(r),
                                 ",".join("%s=%d" % kv for kv in sorted(counts.items()))))
        return 0
    if args.cmd == "same":
        a, b = load(args.a), load(args.b)
        diff = [n for n in a if a[n][0] != b.get(n, ("missing",))[0]]
        print("%d of %d networks differ%s" % (len(diff), len(a),
                                              (": " + " ".join(diff[:5])) if diff else ""))
        return 0 if not diff and len(a) == len(b) else 1
    if args.cmd == "moved":
        a, b = load(args.a), load(args.b)
        stayed_wrong = [n for n in a if a[n][0] != args.down and b[n][0] != a[n][0]]
        not_moved = [n for n in a if a[n][0] == args.down and b[n][0] == args.down]
        moved = sum(1 for n in a if a[n][0] == args.down)
        to = {}
        for n in a:
            if a[n][0] == args.down:
                to[b[n][0]] = to.get(b[n][0], 0) + 1
        bad_ttl = []
        if args.ttl is not None:
            bad_ttl = [n for n in a if b[n][2] != (args.ttl if a[n][0] == args.down
                                                   else a[n][2])]
        print("%d networks had %s, moved to %s; %d others changed; %d did not move; "
              "%d with another TTL than expected" % (
                  moved, args.down, ",".join("%s=%d" % kv for kv in sorted(to.items())),
                  len(stayed_wrong), len(not_moved), len(bad_ttl)))
        return 0 if moved and not stayed_wrong and not not_moved and not bad_ttl else 1
    if args.cmd == "differ":
        a, b = load(args.a), load(args.b)
        n = sum(1 for k in a if a[k][0] != b[k][0])
        share = n / len(a)
        print("%d of %d networks (%.4f) got another datacenter" % (n, len(a), share))
        return 0 if args.low <= share <= args.high else 1
    if args.cmd == "scope":
        r = load(args.file)
        low = [n for n in r if r[n][1] < args.min]
        print("%d of %d scopes below %d%s; smallest %d" % (
            len(low), len(r), args.min, (": " + " ".join(low[:5])) if low else "",
            min(v[1] for v in r.values())))
        return 0 if not low else 1
    if args.cmd == "ttl":
        r = load(args.file)
        bad = [n for n in r if r[n][0] == args.dc and r[n][2] != args.ttl]
        n = sum(1 for v in r.values() if v[0] == args.dc)
        print("%d answers from %s, %d with a TTL other than %d" % (n, args.dc, len(bad),
                                                                    args.ttl))
        return 0 if n and not bad else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
