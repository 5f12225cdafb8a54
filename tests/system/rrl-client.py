#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# rrl-client.py -- client side of the cookies.sh and rrl.sh system tests (messages built
# and parsed with dnspython).
#
# Usage: rrl-client.py -p PORT [-s SERVER] [--source ADDR] COMMAND ...
#   cookie NAME TYPE [--client HEX] [--server HEX] [--qdcount0] [--tcp]
#       one query with a COOKIE option; prints "rcode=R qd=N an=N tc=T cookie=HEX"
#       (cookie= is the option data of the reply, empty when there is none)
#   burst NAME TYPE --count N [--client HEX --server HEX] [--wait S] [--random]
#       N identical queries over UDP as fast as they go (with --random each asks for
#       another random name below NAME), then collects replies until none arrived for
#       --wait seconds; prints "sent=N full=F truncated=T none=D rcodes=R,... tcrr=X"
#       where full counts replies without TC and tcrr truncated ones with records
#   tcp NAME TYPE --count N
#       N queries over one TCP connection; prints "sent=N full=F truncated=T none=D"
# Every loop is bounded by --count (at most 2000) and by time.
import argparse
import random
import socket
import struct
import sys
import time

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

COOKIE = 10


def cookie_option(args):
    val = b""
    if args.client:
        val += bytes.fromhex(args.client)
    if getattr(args, "server", None):
        val += bytes.fromhex(args.server)
    return [dns.edns.GenericOption(COOKIE, val)] if args.client else []


def query(name, qtype, qid, options=(), question=True):
    """The wire form of a query with EDNS (payload 1232) and these options; without
    question, a query that has none (QDCOUNT 0)."""
    if question:
        m = dns.message.make_query(name, dns.rdatatype.from_text(qtype), use_edns=0,
                                   payload=1232, options=list(options))
        m.flags = 0
    else:
        m = dns.message.Message()
        m.use_edns(0, payload=1232, options=list(options))
    m.id = qid
    return m.to_wire()


def parse(wire):
    """The reply as a dict: rcode (text), tc, qd, an, ns (record counts), opts."""
    m = dns.message.from_wire(wire)
    return {
        "rcode": dns.rcode.to_text(m.rcode()),
        "tc": 1 if m.flags & dns.flags.TC else 0,
        "qd": len(m.question),
        "an": sum(len(r) for r in m.answer),
        "ns": sum(len(r) for r in m.authority),
        "opts": [(o.otype, o.to_wire()) for o in m.options],
    }


def udp_socket(args):
    fam = socket.AF_INET6 if ":" in args.server_addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if args.source:
        s.bind((args.source, 0))
    s.connect((args.server_addr, args.port))
    return s


def reply_cookie(m):
    for code, val in m.get("opts", []):
        if code == COOKIE:
            return val.hex()
    return ""


def describe(m):
    return "rcode=%s qd=%d an=%d tc=%d cookie=%s" % (
        m["rcode"], m["qd"], m["an"], m["tc"], reply_cookie(m))


def tcp_exchange(args, msgs):
    fam = socket.AF_INET6 if ":" in args.server_addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    if args.source:
        s.bind((args.source, 0))
    s.connect((args.server_addr, args.port))
    out = []
    for msg in msgs:
        s.sendall(struct.pack("!H", len(msg)) + msg)
        hdr = recv_exact(s, 2)
        if hdr is None:
            out.append(None)
            break
        body = recv_exact(s, struct.unpack("!H", hdr)[0])
        out.append(body)
    s.close()
    return out


def recv_exact(s, n):
    buf = b""
    try:
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
    except socket.timeout:
        return None
    return buf


def cmd_cookie(args):
    msg = query(args.name, args.type, random.randrange(65536), cookie_option(args),
                question=not args.qdcount0)
    if args.tcp:
        reply = tcp_exchange(args, [msg])[0]
    else:
        s = udp_socket(args)
        s.settimeout(2)
        s.send(msg)
        try:
            reply = s.recv(65535)
        except socket.timeout:
            reply = None
    if reply is None:
        print("no reply")
        return 1
    print(describe(parse(reply)))
    return 0


def tally(replies, sent):
    full = trunc = tcrr = 0
    rcodes = set()
    for r in replies:
        m = parse(r)
        rcodes.add(m["rcode"])
        if m["tc"]:
            trunc += 1
            tcrr += m["an"] + m["ns"] > 0
        else:
            full += 1
    print("sent=%d full=%d truncated=%d none=%d rcodes=%s tcrr=%d" % (
        sent, full, trunc, sent - len(replies), ",".join(sorted(rcodes)), tcrr))
    return 0


def cmd_burst(args):
    count = min(args.count, 2000)
    s = udp_socket(args)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    opts = cookie_option(args)
    rng = random.Random(1)
    names = ["r%08x.%s" % (rng.getrandbits(32), args.name) if args.random else args.name
             for _ in range(count)]
    msgs = [query(names[i], args.type, i, opts) for i in range(count)]
    for msg in msgs:
        s.send(msg)
    replies = []
    s.settimeout(args.wait)
    deadline = time.monotonic() + 10
    while len(replies) < count and time.monotonic() < deadline:
        try:
            replies.append(s.recv(65535))
        except socket.timeout:
            break
    return tally(replies, count)


def cmd_tcp(args):
    count = min(args.count, 2000)
    msgs = [query(args.name, args.type, i) for i in range(count)]
    replies = [r for r in tcp_exchange(args, msgs) if r is not None]
    return tally(replies, count)


def main():
    ap = argparse.ArgumentParser(prog="rrl-client.py")
    ap.add_argument("-s", dest="server_addr", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--source", help="local address to send from")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cookie")
    b = sub.add_parser("burst")
    t = sub.add_parser("tcp")
    for p in (c, b, t):
        p.add_argument("name")
        p.add_argument("type")
    for p in (c, b):
        p.add_argument("--client")
        p.add_argument("--server")
    c.add_argument("--qdcount0", action="store_true")
    c.add_argument("--tcp", action="store_true")
    b.add_argument("--count", type=int, default=200)
    b.add_argument("--wait", type=float, default=0.5)
    b.add_argument("--random", action="store_true")
    t.add_argument("--count", type=int, default=20)
    args = ap.parse_args()
    return {"cookie": cmd_cookie, "burst": cmd_burst, "tcp": cmd_tcp}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
