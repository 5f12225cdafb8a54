#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tcp-clients.py -- TCP client behaviours for the system tests that rawdns.py's one-shot
# checks cannot express (queries built and replies parsed with dnspython; the TCP
# framing, the trickling and the partial messages are done by hand here):
#
#   slowloris --conns N --sources K --duration S [--ready FILE] [--interval S]
#       holds N connections from K loopback addresses (127.0.0.1 .. 127.0.0.K), each
#       trickling the bytes of a query that never completes, one byte every --interval
#       seconds; a connection the server closes is opened again at once. One process,
#       nonblocking sockets, bounded by --duration. Writes FILE once N are open, then
#       prints how many were open at the lowest point after that, and how many the
#       server closed. Exit 0 unless it could not open N at all.
#   pipeline-close --count N [--writes W --gap S]
#       sends N queries pipelined on one connection (in W writes, S seconds apart),
#       reads until the server closes, and prints "answers=A first_unanswered=F
#       close=eof|reset|open order=ok|bad dup=D": answers counted by ID.
#   slow-message --gap S --bytes B
#       sends the first B bytes of a query one every S seconds, then prints how long
#       after the first byte the server closed the connection and how (eof or reset).
#   lifetime --every S --max S
#       sends one query every S seconds (each answered) until the server closes the
#       connection; prints the connection's age at the close, how, and the counts.
#   large-query --size N
#       sends a query of exactly N bytes (EDNS padding) and a normal one after it on the
#       same connection; prints "size=N replies=ID:RCODE:an=K ...".
#   partial-after
#       sends one complete query and the first 3 bytes of another in one write; prints
#       whether the first was answered and how the server closed the connection.
#   stalled-gives-way
#       for a server with tcp.max_connections 3 (one worker thread): connection A
#       pipelines queries without reading answers until the server stops taking them
#       (it owes A answers A does not read), B and C ask one query each and stay open,
#       and once A has read nothing for 1.5 s, D connects at the full cap. Prints
#       "d=answered|refused a=eof|reset|open b=open|closed c=open|closed": A, whose
#       client stopped reading, must be the one that gives way, not B (the oldest
#       query of the connections owing nothing).
#
# Usage: tcp-clients.py [-s ADDR] -p PORT COMMAND ...

import argparse
import os
import resource
import selectors
import socket
import struct
import sys
import time

import dns.edns
import dns.message
import dns.rcode


def query(name, qid, options=None):
    """The wire form of an A query without RD; with EDNS (payload 1232) when options is
    a list."""
    if options is None:
        m = dns.message.make_query(name, "A", flags=0)
    else:
        m = dns.message.make_query(name, "A", flags=0, use_edns=0, payload=1232,
                                   options=options)
    m.id = qid
    return m.to_wire(max_size=65535)


def parse(wire):
    return dns.message.from_wire(wire)


def framed(msg):
    return struct.pack("!H", len(msg)) + msg


def connect(args, src=None, timeout=3.0):
    s = socket.socket(socket.AF_INET6 if ":" in args.server else socket.AF_INET)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect((args.server, args.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_close(s, deadline):
    """Reads everything until the server closes: (messages, 'eof'|'reset'|'open')."""
    buf = b""
    how = "open"
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionError:
            how = "reset"
            break
        if not chunk:
            how = "eof"
            break
        buf += chunk
    msgs = []
    while len(buf) >= 2:
        n = struct.unpack("!H", buf[:2])[0]
        if len(buf) < 2 + n:
            break
        msgs.append(buf[2:2 + n])
        buf = buf[2 + n:]
    return msgs, how


# ------------------------------------------------------------------ slowloris

class Slow:
    """One slow connection: announces a 100-byte message and sends a byte at a time."""

    def __init__(self, src):
        self.src = src
        self.s = None
        self.sent = 0
        self.next_at = 0.0
        self.connected = False


def cmd_slowloris(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.conns + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    sel = selectors.DefaultSelector()
    payload = struct.pack("!H", 100) + bytes(100)  # never completed: 2 + 100 bytes
    conns = [Slow("127.0.0.%d" % (1 + i % args.sources)) for i in range(args.conns)]
    t_end = time.monotonic() + args.duration
    closed_by_server = 0
    ready_at = None
    low = None

    def open_conn(c, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((c.src, 0))
        try:
            s.connect((args.server, args.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            c.s = None
            c.next_at = now + 0.2
            return
        c.s = s
        c.sent = 0
        c.connected = False
        c.next_at = now
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    def drop(c, now):
        nonlocal closed_by_server
        if c.connected:
            closed_by_server += 1
        sel.unregister(c.s)
        c.s.close()
        c.s = None
        c.connected = False
        c.next_at = now + 0.05  # open again soon, not in a hot loop

    # Open them in batches so that the listen backlog is not overrun.
    now = time.monotonic()
    for i, c in enumerate(conns):
        c.next_at = now + (i // 64) * 0.02
    next_report = 0.0
    while True:
        now = time.monotonic()
        if now >= t_end:
            break
        for c in conns:
            if c.s is None and now >= c.next_at:
                open_conn(c, now)
        for key, ev in sel.select(timeout=0.05):
            c = key.data
            if c.s is None:
                continue
            if not c.connected and ev & selectors.EVENT_WRITE:
                err = c.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    drop(c, now)
                    continue
                c.connected = True
                sel.modify(c.s, selectors.EVENT_READ, c)
            if ev & selectors.EVENT_READ:
                try:
                    data = c.s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    drop(c, now)
        # Trickle: one byte per connection per interval, spread over the interval.
        for i, c in enumerate(conns):
            if c.s is not None and c.connected and now >= c.next_at and c.sent < len(payload) - 1:
                try:
                    c.s.send(payload[c.sent:c.sent + 1])
                    c.sent += 1
                except BlockingIOError:
                    pass
                except OSError:
                    drop(c, now)
                    continue
                c.next_at = now + args.interval
        n_open = sum(1 for c in conns if c.s is not None and c.connected)
        if ready_at is None and n_open >= args.conns:
            ready_at = now
            if args.ready:
                open(args.ready, "w").close()
            print("all %d connections open after %.1fs" % (args.conns, args.duration - (t_end - now)),
                  flush=True)
        elif ready_at is not None:
            low = n_open if low is None else min(low, n_open)
        if now >= next_report:
            next_report = now + 10
            print("open %d, closed by the server so far %d" % (n_open, closed_by_server), flush=True)
    for c in conns:
        if c.s is not None:
            c.s.close()
    if ready_at is None:
        print("FAIL: could not open %d connections" % args.conns)
        return 1
    print("slowloris: low=%d closed_by_server=%d" % (low if low is not None else args.conns,
                                                     closed_by_server))
    return 0


# ------------------------------------------------------------------ pipelining close

def cmd_pipeline_close(args):
    s = connect(args)
    msgs = [framed(query("www.a.test.", i)) for i in range(args.count)]
    per = (args.count + args.writes - 1) // args.writes
    for w in range(args.writes):
        chunk = b"".join(msgs[w * per:(w + 1) * per])
        if not chunk:
            break
        try:
            s.sendall(chunk)
        except OSError:
            break  # the server has closed: the rest is the client's to retry
        if w + 1 < args.writes:
            time.sleep(args.gap)
    if args.ready:
        open(args.ready, "w").close()
    if args.hold:
        # Read nothing until told: the server's answers back up and the rest of the
        # queries wait, received, in its socket buffer.
        end = time.monotonic() + args.timeout
        while not os.path.exists(args.hold) and time.monotonic() < end:
            time.sleep(0.02)
    replies, how = read_until_close(s, time.monotonic() + args.timeout)
    s.close()
    ids = [parse(r).id for r in replies]
    seen = set(ids)
    first_unanswered = next((i for i in range(args.count) if i not in seen), args.count)
    order = "ok" if ids == sorted(ids) else "bad"
    print("answers=%d first_unanswered=%d close=%s order=%s dup=%d" %
          (len(seen), first_unanswered, how, order, len(ids) - len(seen)))
    return 0


# ------------------------------------------------------------------ deadlines

def close_how(s, limit):
    s.settimeout(limit)
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        return "open"
    except ConnectionError:
        return "reset"
    return "eof" if not chunk else "data"


def cmd_slow_message(args):
    s = connect(args)
    msg = framed(query("www.a.test.", 77))
    t0 = time.monotonic()
    how = "open"
    for i in range(min(args.bytes, len(msg) - 1)):
        try:
            s.send(msg[i:i + 1])
        except OSError:
            how = "reset"
            break
        how = close_how(s, args.gap)
        if how != "open":
            break
    if how == "open":
        how = close_how(s, args.timeout)
    took = time.monotonic() - t0
    s.close()
    print("closed_after=%.2f close=%s" % (took, how))
    return 0


def cmd_lifetime(args):
    s = connect(args)
    t0 = time.monotonic()
    sent = answered = 0
    how = "open"
    while time.monotonic() - t0 < args.max:
        try:
            s.sendall(framed(query("www.a.test.", sent)))
        except OSError:
            how = "reset"
            break
        sent += 1
        replies, how = read_some(s, 1, args.every)
        answered += len(replies)
        if how != "open":
            break
    took = time.monotonic() - t0
    s.close()
    print("closed_after=%.2f close=%s sent=%d answered=%d" % (took, how, sent, answered))
    return 0


def read_some(s, want, wait):
    """Reads up to `want` messages within `wait` seconds, then notices a close within
    what is left of `wait`: (messages, 'open'|'eof'|'reset')."""
    deadline = time.monotonic() + wait
    buf = b""
    msgs = []
    how = "open"
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionError:
            how = "reset"
            break
        if not chunk:
            how = "eof"
            break
        buf += chunk
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            n = struct.unpack("!H", buf[:2])[0]
            msgs.append(buf[2:2 + n])
            buf = buf[2 + n:]
    return msgs, how


def cmd_partial_after(args):
    s = connect(args)
    q1 = framed(query("www.a.test.", 1))
    q2 = framed(query("mail.a.test.", 2))
    t0 = time.monotonic()
    s.sendall(q1 + q2[:3])
    replies, how = read_until_close(s, time.monotonic() + args.timeout)
    took = time.monotonic() - t0
    s.close()
    ids = [parse(r).id for r in replies]
    print("answered=%s closed_after=%.2f close=%s" % (",".join(map(str, ids)) or "none", took, how))
    return 0


def still_open(s):
    """True when the server has not closed s (no EOF or reset waiting on it)."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except ConnectionError:
        return False
    finally:
        s.setblocking(True)


def ask_one(s, qid):
    s.settimeout(5)
    s.sendall(framed(query("www.a.test.", qid)))
    msgs, _ = read_some(s, 1, 5)
    return bool(msgs) and parse(msgs[0]).id == qid


def cmd_stalled_gives_way(args):
    a = socket.socket(socket.AF_INET6 if ":" in args.server else socket.AF_INET)
    a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    a.settimeout(3)
    a.connect((args.server, args.port))
    a.setblocking(False)
    # Queries until the server has taken none for 0.3 s: it owes A answers (A reads
    # none) and has stopped reading. Bounded by 20 s and 1,000,000 queries.
    q = framed(query("www.a.test.", 7)) * 256
    blocked_since = None
    deadline = time.monotonic() + 20
    for _ in range(1000000 // 256):
        if time.monotonic() > deadline:
            print("FAIL: the server kept reading A's queries")
            return 1
        try:
            a.send(q)
            blocked_since = None
        except BlockingIOError:
            now = time.monotonic()
            if blocked_since is None:
                blocked_since = now
            elif now - blocked_since >= 0.3:
                break
            time.sleep(0.01)
    if blocked_since is None:
        print("FAIL: the server kept reading A's queries")
        return 1
    b = connect(args)
    c = connect(args)
    if not (ask_one(b, 1) and ask_one(c, 2)):
        print("FAIL: B or C was not answered")
        return 1
    # A's client has read nothing since before blocked_since; wait until that is 1.5 s.
    while time.monotonic() < blocked_since + 1.5:
        time.sleep(0.05)
    d = connect(args)
    d_ok = False
    try:
        d_ok = ask_one(d, 3)
    except (ConnectionError, socket.timeout):
        pass
    a.setblocking(True)
    _, how_a = read_until_close(a, time.monotonic() + 10)
    print("d=%s a=%s b=%s c=%s" % ("answered" if d_ok else "refused", how_a,
                                   "open" if still_open(b) else "closed",
                                   "open" if still_open(c) else "closed"))
    return 0


def cmd_large_query(args):
    """One query of exactly --size bytes (an EDNS padding option fills it) then a small
    one on the same connection; prints both replies' id and rcode."""
    base = query("www.a.test.", 0x5151, [dns.edns.GenericOption(12, b"")])
    pad = args.size - len(base)
    if pad < 0 or pad > 65535:
        print("FAIL: cannot build a %d-byte query" % args.size)
        return 1
    big = query("www.a.test.", 0x5151, [dns.edns.GenericOption(12, bytes(pad))])
    assert len(big) == args.size
    s = connect(args)
    s.sendall(framed(big) + framed(query("mail.a.test.", 0x5252)))
    replies, how = read_some(s, 2, args.timeout)
    s.close()
    out = []
    for r in replies:
        m = parse(r)
        out.append("%d:%s:an=%d" % (m.id, dns.rcode.to_text(m.rcode()),
                                    sum(len(rrset) for rrset in m.answer)))
    print("size=%d replies=%s" % (len(big), " ".join(out) or "none"))
    return 0


def main():
    ap = argparse.ArgumentParser(prog="tcp-clients.py")
    ap.add_argument("-s", "--server", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=5.0)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sl = sub.add_parser("slowloris")
    sl.add_argument("--conns", type=int, default=1024)
    sl.add_argument("--sources", type=int, default=32)
    sl.add_argument("--duration", type=float, required=True)
    sl.add_argument("--interval", type=float, default=4.0)
    sl.add_argument("--ready")
    pc = sub.add_parser("pipeline-close")
    pc.add_argument("--count", type=int, required=True)
    pc.add_argument("--writes", type=int, default=1)
    pc.add_argument("--gap", type=float, default=0.3)
    pc.add_argument("--ready", help="create this file once every query is sent")
    pc.add_argument("--hold", help="read no answer before this file exists")
    sm = sub.add_parser("slow-message")
    sm.add_argument("--gap", type=float, required=True)
    sm.add_argument("--bytes", type=int, default=40)
    lt = sub.add_parser("lifetime")
    lt.add_argument("--every", type=float, required=True)
    lt.add_argument("--max", type=float, required=True)
    sub.add_parser("partial-after")
    sub.add_parser("stalled-gives-way")
    lq = sub.add_parser("large-query")
    lq.add_argument("--size", type=int, required=True)
    args = ap.parse_args()
    fn = {"slowloris": cmd_slowloris, "pipeline-close": cmd_pipeline_close,
          "slow-message": cmd_slow_message, "lifetime": cmd_lifetime,
          "partial-after": cmd_partial_after, "large-query": cmd_large_query,
          "stalled-gives-way": cmd_stalled_gives_way}[args.cmd]
    try:
        return fn(args)
    except OSError as e:
        print("FAIL: %s: %s" % (args.cmd, os.strerror(e.errno) if e.errno else e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
