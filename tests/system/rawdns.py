#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# rawdns.py -- DNS packet helper for the system tests.
#
# Builds queries with dnspython and sends them over UDP or TCP to a server on loopback,
# decodes the reply with dnspython and checks expectations given on the command line.
# Raw bytes are used only where a test needs what dnspython will not produce or does
# not report: malformed and hand-made messages (junk, hex, a second OPT record, a
# compression loop), the TCP framing and the split writes, and the wire facts of a
# reply (compression pointers, uncompressed size, the question bytes as sent). Also
# holds the TCP behaviour checks of RFC 7766 (pipelining, idle timeout, connection cap,
# queries per connection) and a few utilities for lib.sh (free port, port holder).
#
# Usage: rawdns.py [-s ADDR] -p PORT [--tcp] [--timeout SEC] COMMAND ...
#   query NAME TYPE [build options] [--expect K=V ...] [--noreply]
#   hex HEXBYTES [--expect ...] [--noreply]         send these exact bytes
#   junk KIND [--expect ...]                        random|short1|short11|huge|...
#   pipeline --count N | --split-length | --split-message
#   tcp-idle --min S --max S [--query] [--ready F]  seconds until the server closes
#   tcp-active --interval S --duration S            queries spaced out stay served
#   tcp-cap --limit N --extra M                  M more make room (oldest idle closed)
#   tcp-maxq --limit N [--pipelined]
#   burst --count N                                 many queries, replies checked
#   steady NAME TYPE --until FILE --max S [--do] [--interval S]
#                                                   one query after another (UDP) until
#                                                   FILE exists or S seconds have passed;
#                                                   each must get NOERROR with answers
#   freeport                                        prints a free UDP+TCP port
#   hold PORT SECONDS                               binds UDP+TCP on PORT, prints "held"
#   batch                                           one command line per stdin line
# Expectations: K=V, K!=V, K<V, K>V, K<=V, K>=V over the keys printed in the summary
# line (id qr opcode aa tc rd ra ad cd rcode qd an ns ar len ulen ptrs qname qtype
# qecho edns udp ver do nsid ans_types ...). Exit status: 0 all met, 1 not met, 2 usage.

import argparse
import io
import os
import random
import shlex
import socket
import struct
import sys
import time

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.wire

# What dnspython raises on a message it cannot decode.
UNPARSEABLE = (dns.exception.DNSException, ValueError)

# RDATA that may carry compressed names (RFC 1035 section 4.1.4, RFC 3597 section 4):
# type -> (bytes before the first name, names in a row).
RDATA_NAMES = {
    dns.rdatatype.NS: (0, 1), dns.rdatatype.CNAME: (0, 1), dns.rdatatype.PTR: (0, 1),
    dns.rdatatype.MX: (2, 1), dns.rdatatype.SOA: (0, 2),
}


def rdclass(text):
    """A class by name (IN, CH, CLASS42) or by number (42)."""
    return int(text) if text.isdigit() else dns.rdataclass.from_text(text)


def pointers_at(wire, off):
    """Compression pointers followed (every hop) to read the name at off. Only called on
    a message dnspython has accepted, so the name is known to be well formed."""
    hops = 0
    while wire[off]:
        if wire[off] >= 0xC0:
            hops += 1
            off = (wire[off] & 0x3F) << 8 | wire[off + 1]
        else:
            off += wire[off] + 1
    return hops


def wire_facts(wire, n_questions, n_records):
    """(ptrs, ulen): the compression pointers in the message and its size without
    compression. dnspython decodes names but does not say how they were encoded, so the
    message is walked again here (with dnspython's own wire reader) for the names:
    owners, and the names inside the RDATA types that may be compressed."""
    p = dns.wire.Parser(wire, 12)
    ptrs, ulen = 0, len(wire)

    def name():
        nonlocal ptrs, ulen
        start = p.current
        ptrs += pointers_at(wire, start)
        ulen += len(p.get_name().to_wire()) - (p.current - start)

    for _ in range(n_questions):
        name()
        p.get_struct("!HH")
    for _ in range(n_records):
        name()
        rtype, _, _, rdlen = p.get_struct("!HHIH")
        end = p.current + rdlen
        skip, names = RDATA_NAMES.get(rtype, (0, 0))
        if names:
            p.get_bytes(skip)
            for _ in range(names):
                name()
        p.seek(end)
    return ptrs, ulen


def first_question(wire):
    """The bytes of the first question as they are on the wire, or None (no question, or
    one that cannot be read). Raw because dnspython compares names ignoring case, and
    qecho checks that the server echoes the question byte for byte."""
    try:
        if struct.unpack("!H", wire[4:6])[0] == 0:
            return None
        p = dns.wire.Parser(wire, 12)
        p.get_name()
        p.get_struct("!HH")
        return bytes(wire[12:p.current])
    except (struct.error,) + UNPARSEABLE:
        return None


def type_names(rrsets):
    return ",".join(sorted({dns.rdatatype.to_text(r.rdtype) for r in rrsets})) or "-"


def parse(wire):
    """Decodes a whole message with dnspython into the summary keys; raises one of
    UNPARSEABLE (bad names or pointers, truncation, trailing bytes, OPT misplaced or
    twice, RDATA that does not fit its type)."""
    # dnspython refuses the opcodes it does not know (ValueError) and decodes UPDATE by
    # rules of its own; replies to such queries are checked too, so the opcode is read
    # from the header and the message decoded with that field cleared (QUERY).
    opcode = wire[2] >> 3 & 15 if len(wire) > 2 else 0
    plain = wire[:2] + bytes([wire[2] & 0x87]) + wire[3:] if len(wire) > 2 else wire
    # One RR per RRset: dnspython would otherwise merge RRs of one RRset (and drop
    # duplicates), and an/ns/ar must be the counts the server sent.
    msg = dns.message.from_wire(plain, one_rr_per_rrset=True)
    flags = msg.flags
    m = {
        "id": msg.id, "qr": int(bool(flags & dns.flags.QR)), "opcode": opcode,
        "aa": int(bool(flags & dns.flags.AA)), "tc": int(bool(flags & dns.flags.TC)),
        "rd": int(bool(flags & dns.flags.RD)), "ra": int(bool(flags & dns.flags.RA)),
        "ad": int(bool(flags & dns.flags.AD)), "cd": int(bool(flags & dns.flags.CD)),
        "rcode": dns.rcode.to_text(msg.rcode()),
        "qd": len(msg.question), "an": len(msg.answer), "ns": len(msg.authority),
        # dnspython keeps the OPT and TSIG records out of the additional section.
        "ar": len(msg.additional) + (msg.opt is not None) + (msg.tsig is not None),
        "len": len(wire),
        # dnspython refuses a second OPT record (BadEDNS): a reply with two is unparseable.
        "edns": int(msg.opt is not None), "n_opt": int(msg.opt is not None),
    }
    m["ptrs"], m["ulen"] = wire_facts(wire, m["qd"], m["an"] + m["ns"] + m["ar"])
    m["saved"] = m["ulen"] - m["len"]
    if msg.opt is not None:
        m["udp"] = msg.payload
        m["ver"] = msg.edns
        m["do"] = int(bool(msg.ednsflags & dns.flags.DO))
        for o in msg.options:
            if o.otype == dns.edns.NSID:
                m["nsid"] = o.to_wire().decode("latin-1")
    if msg.question:
        q = msg.question[0]
        m["qname"] = q.name.to_text()
        m["qtype"] = dns.rdatatype.to_text(q.rdtype)
        m["qclass"] = int(q.rdclass)
        m["question"] = first_question(wire)
    m["ans_types"] = type_names(msg.answer)
    m["ans_owners"] = ",".join(sorted({r.name.to_text() for r in msg.answer})) or "-"
    m["n_ans_types"] = len({r.rdtype for r in msg.answer})
    m["auth_types"] = type_names(msg.authority)
    return m


SUMMARY_KEYS = ("id", "qr", "opcode", "aa", "tc", "rd", "ra", "ad", "cd", "rcode", "qd", "an",
                "ns", "ar", "len", "ulen", "ptrs", "qname", "qtype", "qecho", "edns", "udp",
                "ver", "do", "n_opt", "nsid", "saved", "n_ans_types", "ans_types", "ans_owners",
                "auth_types")


def summary(m):
    return " ".join("%s=%s" % (k, m[k]) for k in SUMMARY_KEYS if k in m)


def check(m, expects):
    """Returns a list of failed expectations, each 'K: expected OP V, got X'."""
    bad = []
    for e in expects:
        for op in ("!=", "<=", ">=", "=", "<", ">"):
            if op in e:
                k, v = e.split(op, 1)
                break
        else:
            raise SystemExit("rawdns: bad expectation %r" % e)
        got = m.get(k)
        if got is None:
            bad.append("%s: expected %s%s, key absent" % (k, op, v))
            continue
        if op in ("<", ">", "<=", ">="):
            g, w = float(got), float(v)
            ok = {"<": g < w, ">": g > w, "<=": g <= w, ">=": g >= w}[op]
        elif op == "=":
            ok = str(got) == v
        else:
            ok = str(got) != v
        if not ok:
            bad.append("%s: expected %s%s, got %s" % (k, op, v, got))
    return bad


def with_additional(wire, rr):
    """wire with the record rr (raw bytes) added at the end of the additional section."""
    ar = struct.unpack("!H", wire[10:12])[0]
    return wire[:10] + struct.pack("!H", ar + 1) + wire[12:] + rr


def build_query(name, qtype, qclass=dns.rdataclass.IN, qid=None, opcode=0, rd=False,
                qr=False, cd=False, qdcount=None, edns=None, edns_version=0, nsid=False,
                do=False, extra_opt=False, ar_loop=False, options=(), ixfr_serial=None):
    """The wire form of a query (a random id unless qid). qdcount repeats the question
    (0: none); extra_opt and ar_loop add what dnspython cannot write: a second OPT
    record, and an additional record whose owner name is a pointer to itself."""
    msg = dns.message.make_query(name, qtype, qclass, flags=0)
    if qid is not None:
        msg.id = qid
    msg.flags = ((dns.flags.QR if qr else 0) | (dns.flags.RD if rd else 0) |
                 (dns.flags.CD if cd else 0))
    msg.set_opcode(opcode)
    if qdcount is not None:
        msg.question = msg.question * qdcount
    if ixfr_serial is not None:
        # RFC 1995 section 3: the client's SOA goes in the authority section.
        soa = dns.rdata.from_text(qclass, dns.rdatatype.SOA, "ns.%s h.%s %d 3600 600 86400 60"
                                  % (name, name, ixfr_serial))
        msg.authority.append(dns.rrset.from_rdata(name, 0, soa))
    if edns is not None:
        opts = [dns.edns.GenericOption(dns.edns.NSID, b"")] if nsid else []
        opts += [dns.edns.GenericOption(code, val) for code, val in options]
        msg.use_edns(edns_version, dns.flags.DO if do else 0, edns, options=opts)
    wire = msg.to_wire()
    if extra_opt:
        # dnspython holds one OPT record per message: the same one once more, by hand.
        opt = io.BytesIO()
        msg.opt.to_wire(opt)
        wire = with_additional(wire, opt.getvalue())
    if ar_loop:
        # An A record whose owner name is a pointer to its own offset.
        wire = with_additional(wire, struct.pack("!HHHIH", 0xC000 | len(wire), 1, 1, 0, 4) +
                               b"\x7f\x00\x00\x01")
    return wire


class Conn:
    """One transport: UDP socket or TCP connection to the server."""

    def __init__(self, args, server=None):
        self.args = args
        server = server or args.server
        fam = socket.AF_INET6 if ":" in server else socket.AF_INET
        self.addr = (server, args.port)
        if args.tcp:
            self.s = socket.create_connection(self.addr, timeout=args.timeout)
            self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            self.s = socket.socket(fam, socket.SOCK_DGRAM)
            self.s.connect(self.addr)
        self.s.settimeout(args.timeout)
        self.rbuf = b""

    def send(self, msg):
        if self.args.tcp:
            self.s.sendall(struct.pack("!H", len(msg)) + msg)
        else:
            self.s.send(msg)

    def recv(self, timeout=None):
        """One message, None on timeout, b'' on EOF/reset (TCP)."""
        self.s.settimeout(self.args.timeout if timeout is None else timeout)
        try:
            if not self.args.tcp:
                return self.s.recv(65535)
            while True:
                if len(self.rbuf) >= 2:
                    n = struct.unpack("!H", self.rbuf[:2])[0]
                    if len(self.rbuf) >= 2 + n:
                        msg = self.rbuf[2:2 + n]
                        self.rbuf = self.rbuf[2 + n:]
                        return msg
                chunk = self.s.recv(65537)
                if not chunk:
                    return b""
                self.rbuf += chunk
        except socket.timeout:
            return None
        except ConnectionError:
            return b""

    def close(self):
        self.s.close()


def report(args, query, reply, expects, noreply):
    """Prints the reply summary and checks it; returns the exit status."""
    if reply is None or reply == b"":
        what = "no reply" if reply is None else "connection closed"
        if noreply:
            print("OK %s" % what)
            return 0
        print("FAIL: %s within %.1fs (expected a reply)" % (what, args.timeout))
        return 1
    if noreply:
        print("FAIL: got a %d-byte reply, expected none: %s" % (len(reply), reply[:64].hex()))
        return 1
    try:
        m = parse(reply)
    except UNPARSEABLE as e:
        print("FAIL: unparseable reply (%s): %s" % (why(e), reply[:64].hex()))
        return 1
    if query is not None and len(query) >= 2:
        qid = struct.unpack("!H", query[:2])[0]
        if m["id"] != qid:
            print("FAIL: reply id %d != query id %d" % (m["id"], qid))
            return 1
        sent = first_question(query)
        if sent is not None and m.get("question") is not None:
            m["qecho"] = int(m["question"] == sent)
    print(summary(m))
    bad = check(m, expects)
    for b in bad:
        print("FAIL: " + b)
    return 1 if bad else 0


def why(e):
    """A dnspython exception on one line (some have no message of their own)."""
    text = " ".join(str(e).split())
    return "%s: %s" % (type(e).__name__, text) if text else type(e).__name__


def exchange(args, msg):
    c = Conn(args)
    try:
        c.send(msg)
        return c.recv()
    finally:
        c.close()


def cmd_query(args):
    options = []
    for o in args.option:
        code, _, val = o.partition(":")
        options.append((int(code), bytes.fromhex(val)))
    if args.edns is None and (args.nsid or args.edns_version or args.two_opt or args.do or options):
        args.edns = 1232
    msg = build_query(args.name, args.type, rdclass(args.qclass), args.id,
                      args.opcode, args.rd, args.qr, args.cd, args.qdcount, args.edns,
                      args.edns_version, args.nsid, args.do, args.two_opt, args.ar_loop,
                      options, args.ixfr_serial)
    return report(args, msg, exchange(args, msg), args.expect, args.noreply)


def cmd_hex(args):
    msg = bytes.fromhex("".join(args.bytes))
    return report(args, msg, exchange(args, msg), args.expect, args.noreply)


def junk_bytes(kind, rng):
    q = build_query("www.a.test.", "A", qid=0x4242)
    if kind == "random":
        return bytes(rng.randrange(256) for _ in range(rng.randrange(12, 600)))
    if kind == "short1":
        return b"\x42"
    if kind == "short11":
        return q[:11]
    if kind == "huge":
        return q[:12] + bytes(rng.randrange(256) for _ in range(4000))
    if kind == "huge64k":
        # The largest message TCP can frame (65535 bytes); too big for one datagram.
        return q[:12] + bytes(rng.randrange(256) for _ in range(65535 - 12))
    if kind == "header-only":
        return q[:12]
    if kind == "truncated-question":
        return q[:-3]
    if kind == "trailing":
        return q + b"\x00" * 7
    if kind == "qname-loop":
        # QDCOUNT 1, question name is a pointer to itself.
        return q[:12] + b"\xc0\x0c" + struct.pack("!HH", 1, 1)
    if kind == "qname-forward":
        return q[:12] + b"\xc0\x20" + struct.pack("!HH", 1, 1) + b"\x00" * 20
    if kind == "label-too-long":
        return q[:12] + b"\x40" + b"a" * 64 + b"\x00" + struct.pack("!HH", 1, 1)
    if kind == "name-too-long":
        name = (b"\x3f" + b"a" * 63) * 4 + b"\x00"
        return q[:12] + name + struct.pack("!HH", 1, 1)
    if kind == "bad-label-type":
        return q[:12] + b"\x41abc\x00" + struct.pack("!HH", 1, 1)
    if kind == "ancount":
        # ANCOUNT 5 with nothing behind the question.
        return q[:6] + b"\x00\x05" + q[8:]
    if kind == "empty":
        return b""
    if kind == "opt-truncated":
        return build_query("www.a.test.", "A", qid=0x4242, edns=1232)[:-3]
    raise SystemExit("rawdns: unknown junk kind %r" % kind)


# Written to a TCP connection as they are, without the two-byte length prefix.
UNFRAMED = {
    "unframed-http": b"GET / HTTP/1.0\r\n\r\n",
    "length-only": b"\x00\x64",  # announces 100 bytes that never come
    "partial": b"\x00\x64" + b"\x12\x34\x00\x00\x00\x01" + b"\x00" * 4,
}


def is_query(msg):
    """A message the server answers if anything: a full header with QR=0."""
    return len(msg) >= 12 and not msg[2] & 0x80


def junk_bulk(args, rng):
    """UDP only: sends every packet from one socket, then collects what comes back."""
    sent = {}
    c = Conn(args)
    for i in range(args.count):
        msg = junk_bytes(args.kind, rng)
        if is_query(msg):
            sent.setdefault(msg[:2], msg)
        c.send(msg)
        if i % 50 == 49:
            time.sleep(0.01)
    status = 0
    n = 0
    while True:
        reply = c.recv(timeout=args.timeout)
        if reply is None:
            break
        n += 1
        try:
            m = parse(reply)
        except UNPARSEABLE as e:
            print("FAIL: junk %s: unparseable reply (%s)" % (args.kind, why(e)))
            status = 1
            continue
        bad = check(m, args.expect)
        if reply[:2] not in sent:
            bad.append("id: %d was not the id of any packet sent" % m["id"])
        for b in bad:
            print("FAIL: junk %s: %s [%s]" % (args.kind, b, summary(m)))
            status = 1
    c.close()
    # Replies come only to queries (QR=0, a full header); UDP may lose some under load,
    # but a run with fewer than --min-replies tested nothing.
    if n < args.min_replies:
        print("FAIL: junk %s x%d in bulk: %d replies to %d distinct query ids, expected at "
              "least %d" % (args.kind, args.count, n, len(sent), args.min_replies))
        status = 1
    if status == 0:
        print("OK junk %s x%d in bulk: %d replies to %d distinct query ids, all well-formed" %
              (args.kind, args.count, n, len(sent)))
    return status


def cmd_junk(args):
    rng = random.Random(args.seed)
    if args.bulk and not args.tcp:
        return junk_bulk(args, rng)
    status = 0
    n = 0
    for _ in range(args.count):
        unframed = args.kind in UNFRAMED
        msg = UNFRAMED[args.kind] if unframed else junk_bytes(args.kind, rng)
        c = Conn(args)
        try:
            if unframed and args.tcp:
                c.s.sendall(msg)
                c.s.shutdown(socket.SHUT_WR)
            else:
                c.send(msg)
            reply = c.recv()
        finally:
            c.close()
        if reply is not None and reply != b"":
            n += 1
        if reply is None or reply == b"":
            if args.reply_required:
                print("FAIL: junk %s (%d bytes): no reply, expected %s" %
                      (args.kind, len(msg), " ".join(args.expect)))
                status = 1
            continue
        if args.noreply:
            print("FAIL: junk %s (%d bytes) got a reply, expected none: %s" %
                  (args.kind, len(msg), reply[:32].hex()))
            status = 1
            continue
        try:
            m = parse(reply)
        except UNPARSEABLE as e:
            print("FAIL: junk %s: unparseable reply (%s)" % (args.kind, why(e)))
            status = 1
            continue
        bad = check(m, args.expect)
        if len(msg) >= 2 and m["id"] != struct.unpack("!H", msg[:2])[0]:
            bad.append("id: expected echo %d, got %d" % (struct.unpack("!H", msg[:2])[0], m["id"]))
        for b in bad:
            print("FAIL: junk %s (%d bytes): %s [%s]" % (args.kind, len(msg), b, summary(m)))
            status = 1
    if n < args.min_replies:
        print("FAIL: junk %s x%d: %d replies, expected at least %d" %
              (args.kind, args.count, n, args.min_replies))
        status = 1
    if status == 0:
        print("OK junk %s x%d: %d replies" % (args.kind, args.count, n))
    return status


PIPE_NAMES = ["www.a.test.", "a.test.", "mail.a.test.", "nope.a.test.", "alias.a.test.",
              "ns1.a.test.", "foo.wild.a.test.", "www.sub.a.test.", "big.a.test.",
              "medium.a.test.", "ns2.a.test.", "host.wild.a.test."]


def read_replies(c, want, deadline):
    got = []
    while len(got) < want and time.monotonic() < deadline:
        r = c.recv(timeout=max(0.05, deadline - time.monotonic()))
        if r is None or r == b"":
            break
        got.append(r)
    return got


def cmd_pipeline(args):
    args.tcp = True
    c = Conn(args)
    status = 0
    if args.split_length or args.split_message:
        msg = build_query("www.a.test.", "A", qid=0x1234)
        framed = struct.pack("!H", len(msg)) + msg
        cut = 1 if args.split_length else 2 + len(msg) // 2
        c.s.sendall(framed[:cut])
        time.sleep(0.3)
        c.s.sendall(framed[cut:])
        r = c.recv()
        if not r:
            print("FAIL: split query (cut at byte %d): no reply" % cut)
            return 1
        m = parse(r)
        bad = check(m, ["id=%d" % 0x1234, "rcode=NOERROR", "an=1", "qname=www.a.test."])
        for b in bad:
            print("FAIL: split query: " + b)
        if not bad:
            print("OK split at byte %d: %s" % (cut, summary(m)))
        return 1 if bad else 0
    queries = {}
    blob = b""
    for i in range(args.count):
        name = PIPE_NAMES[i % len(PIPE_NAMES)]
        qid = 1000 + i
        msg = build_query(name, "A", qid=qid)
        queries[qid] = name.lower()
        blob += struct.pack("!H", len(msg)) + msg
    c.s.sendall(blob)
    replies = read_replies(c, args.count, time.monotonic() + args.timeout + 2)
    c.close()
    seen = set()
    for r in replies:
        m = parse(r)
        if m["id"] not in queries:
            print("FAIL: reply with unknown id %d" % m["id"])
            status = 1
            continue
        if m["id"] in seen:
            print("FAIL: two replies for id %d" % m["id"])
            status = 1
        seen.add(m["id"])
        if m["qname"].lower() != queries[m["id"]] or m["rcode"] not in ("NOERROR", "NXDOMAIN"):
            print("FAIL: id %d: expected an answer for %s, got %s" % (m["id"], queries[m["id"]], summary(m)))
            status = 1
    if len(seen) != args.count:
        print("FAIL: %d pipelined queries in one write, expected %d replies, got %d" %
              (args.count, args.count, len(seen)))
        status = 1
    if status == 0:
        print("OK %d pipelined queries answered" % args.count)
    return status


def wait_closed(c, limit):
    """Seconds until the peer closes the connection, or None if still open at limit."""
    t0 = time.monotonic()
    while True:
        left = limit - (time.monotonic() - t0)
        if left <= 0:
            return None
        r = c.recv(timeout=left)
        if r == b"":
            return time.monotonic() - t0
        if r is None:
            return None
        # an unexpected message: keep waiting for the close


def cmd_tcp_idle(args):
    args.tcp = True
    c = Conn(args)
    if args.query:
        c.send(build_query("www.a.test.", "A", qid=7))
        r = c.recv()
        if not r:
            print("FAIL: no reply to the first query on the connection")
            return 1
    if args.ready:
        # Tells a waiting test that the connection is open (and answered, with --query).
        open(args.ready, "w").close()
    took = wait_closed(c, args.max)
    c.close()
    if took is None:
        print("FAIL: idle connection still open after %.1fs (expected closed within [%.1f, %.1f]s)" %
              (args.max, args.min, args.max))
        return 1
    if took < args.min:
        print("FAIL: idle connection closed after %.2fs, expected at least %.1fs" % (took, args.min))
        return 1
    print("OK idle connection closed by the server after %.2fs" % took)
    return 0


def cmd_tcp_active(args):
    args.tcp = True
    c = Conn(args)
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < args.duration:
        c.send(build_query("www.a.test.", "A", qid=n))
        r = c.recv()
        if not r:
            print("FAIL: query %d at %.2fs on a busy connection: %s" %
                  (n, time.monotonic() - t0, "closed" if r == b"" else "no reply"))
            return 1
        n += 1
        time.sleep(args.interval)
    c.close()
    print("OK %d queries spaced %.1fs apart over %.1fs on one connection" % (n, args.interval, args.duration))
    return 0


def served(c, qid):
    """True if the connection answers one query."""
    try:
        c.send(build_query("www.a.test.", "A", qid=qid))
    except OSError:
        return False
    r = c.recv()
    if not r:
        return False
    m = parse(r)
    return m["id"] == qid and m["rcode"] == "NOERROR"


def cmd_tcp_cap(args):
    """N connections fill the cap, each answered once and then idle. Each of M more
    connections must be served too: the server closes its oldest idle connection to make
    room (so the first M see a clean close) while the other N-M keep working."""
    args.tcp = True
    status = 0
    first = []
    for i in range(args.limit):
        c = Conn(args)
        if not served(c, 100 + i):
            print("FAIL: connection %d of %d (within the cap) not served" % (i + 1, args.limit))
            status = 1
        first.append(c)
    extras = []
    for i in range(args.extra):
        c = Conn(args)
        if not served(c, 200 + i):
            print("FAIL: cap %d: connection %d beyond the cap not served while %d idle ones "
                  "held the cap" % (args.limit, i + 1, args.limit))
            status = 1
        extras.append(c)
    if args.other_client:
        # A per-client cap: a client at another address is served meanwhile.
        c = Conn(args, args.other_client)
        if not served(c, 250):
            print("FAIL: a client at %s was refused while %s was at its cap" %
                  (args.other_client, args.server))
            status = 1
        c.close()
    # The oldest idle ones made room: closed by the server, with FIN (not a reset).
    for i, c in enumerate(first[:args.extra]):
        how = close_kind(c, 3.0)
        if how != "eof":
            print("FAIL: cap %d: the oldest idle connection %d should have been closed with "
                  "FIN to make room, got %s" % (args.limit, i + 1, how))
            status = 1
    for i, c in enumerate(first[args.extra:] + extras):
        if not served(c, 300 + i):
            print("FAIL: cap %d: connection %d of the newest %d stopped working" %
                  (args.limit, i + 1, args.limit))
            status = 1
    for c in first + extras:
        c.close()
    if status == 0:
        print("OK cap %d: %d more connections served, the %d oldest idle ones closed to make "
              "room, the others kept working" % (args.limit, args.extra, args.extra))
    return status


def close_kind(c, limit):
    """How the server ends the connection within limit seconds: 'eof' (FIN), 'reset',
    'open' (still open), or 'data' (it sent something instead)."""
    c.s.settimeout(limit)
    try:
        chunk = c.s.recv(65537)
    except socket.timeout:
        return "open"
    except ConnectionError:
        return "reset"
    return "eof" if not chunk else "data"


def cmd_tcp_maxq(args):
    args.tcp = True
    c = Conn(args)
    answered = 0
    attempts = args.limit + 5
    if args.pipelined:
        blob = b""
        for i in range(attempts):
            msg = build_query("www.a.test.", "A", qid=i)
            blob += struct.pack("!H", len(msg)) + msg
        c.s.sendall(blob)
        answered = len(read_replies(c, attempts, time.monotonic() + args.timeout + 1))
        closed = wait_closed(c, 3.0) is not None
    else:
        closed = False
        for i in range(attempts):
            try:
                c.send(build_query("www.a.test.", "A", qid=i))
            except OSError:
                closed = True
                break
            r = c.recv()
            if r == b"":
                closed = True
                break
            if r is None:
                break
            answered += 1
    c.close()
    mode = "pipelined" if args.pipelined else "one at a time"
    # Pipelined queries sent in one write had all reached the server when it reached the
    # limit: every one is answered before the close.
    want = attempts if args.pipelined else args.limit
    if answered != want or not closed:
        print("FAIL: max_queries %d (%s): expected %d answers then close, got %d answers, %s" %
              (args.limit, mode, want, answered, "closed" if closed else "not closed"))
        return 1
    print("OK max_queries %d (%s): %d answers then closed" % (args.limit, mode, answered))
    return 0


BURST = [("www.a.test.", "A"), ("a.test.", "SOA"), ("nope.a.test.", "A"), ("www.a.test.", "MX"),
         ("chain.a.test.", "A"), ("x.wild.a.test.", "TXT"), ("www.deleg.a.test.", "A"),
         ("www.example.org.", "A"), ("mx.a.test.", "MX"), ("big.a.test.", "A"),
         ("huge.a.test.", "TXT"), ("www.a.test.", "ANY"), ("WwW.A.tEsT.", "AAAA")]


def cmd_burst(args):
    rng = random.Random(args.seed)
    c = Conn(args)
    fails = 0
    for i in range(args.count):
        if args.fresh and i:
            c.close()
            c = Conn(args)
        name, t = BURST[i % len(BURST)]
        edns = rng.choice([None, 512, 1232, 4096])
        msg = build_query(name, t, qid=i, edns=edns)
        try:
            c.send(msg)
            r = c.recv()
        except OSError:
            r = b""
        if r == b"" and args.tcp:
            # The server closed the connection (max_queries, idle): a client retries
            # on a new one (RFC 7766 section 6.2.1).
            c.close()
            c = Conn(args)
            c.send(msg)
            r = c.recv()
        if not r:
            fails += 1
            continue
        m = parse(r)
        if m["id"] != i:
            fails += 1
    c.close()
    if fails:
        print("FAIL: burst of %d %s queries%s: %d without a proper reply" %
              (args.count, "TCP" if args.tcp else "UDP",
               ", one connection each" if args.fresh else "", fails))
        return 1
    print("OK burst of %d %s queries%s" % (args.count, "TCP" if args.tcp else "UDP",
                                         ", one connection each" if args.fresh else ""))
    return 0


def cmd_steady(args):
    """Queries back to back, each waiting for its reply, until args.until exists (looked
    at between queries) or args.max seconds have passed: every one must be answered
    NOERROR with at least one answer record. Prints the counts."""
    c = Conn(args)
    qtype = args.type  # dnspython takes the mnemonic
    sent = good = lost = wrong = 0
    first_bad = None
    start = time.monotonic()
    while time.monotonic() - start < args.max and not os.path.exists(args.until):
        qid = sent & 0xFFFF
        c.send(build_query(args.name, qtype, qid=qid, edns=1232 if args.do else None,
                           do=args.do))
        sent += 1
        deadline = time.monotonic() + args.timeout
        r = None
        while time.monotonic() < deadline:
            r = c.recv(max(0.01, deadline - time.monotonic()))
            if r is None or parse(r)["id"] == qid:
                break
            r = None  # a late reply to an earlier query: not this one's
        if not r:
            lost += 1
            first_bad = first_bad or "query %d: no reply within %.1f s" % (sent, args.timeout)
            continue
        m = parse(r)
        if m["rcode"] != "NOERROR" or m["an"] < 1:
            wrong += 1
            first_bad = first_bad or "query %d: %s with %d answers" % (sent, m["rcode"], m["an"])
            continue
        good += 1
        if args.interval:
            time.sleep(args.interval)
    c.close()
    took = time.monotonic() - start
    line = "%d UDP queries for %s %s in %.1f s: %d answered, %d lost, %d wrong" % (
        sent, args.name, args.type, took, good, lost, wrong)
    if lost or wrong or not sent:
        print("FAIL: %s (%s)" % (line, first_bad or "none sent"))
        return 1
    print("OK %s" % line)
    return 0


def bindable(port, hosts, reuseaddr=False):
    socks = []
    try:
        for h in hosts:
            fam = socket.AF_INET6 if ":" in h else socket.AF_INET
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(fam, kind)
                socks.append(s)
                if reuseaddr and kind == socket.SOCK_STREAM:
                    # Lets a listener bind over TIME_WAIT leftovers, as servers do.
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((h, port))
        return socks
    except OSError:
        for s in socks:
            s.close()
        return None


def cmd_freeport(args):
    hosts = args.hosts.split(",")
    # Below the kernel's ephemeral range (32768-60999) so that clients' source ports
    # do not collide with it.
    lo, hi = 20000, 32000
    rng = random.Random(os.getpid() ^ int(time.time() * 1000))
    for _ in range(200):
        p = rng.randint(lo, hi)
        socks = bindable(p, hosts)
        if socks:
            for s in socks:
                s.close()
            print(p)
            return 0
    print("rawdns: no free port found", file=sys.stderr)
    return 1


def cmd_hold(args):
    # Without SO_REUSEADDR/SO_REUSEPORT unless asked: nobody else can bind it meanwhile.
    socks = bindable(args.hold_port, ["127.0.0.1"], args.reuseaddr)
    if not socks:
        print("rawdns: cannot bind port %d" % args.hold_port, file=sys.stderr)
        return 1
    for s in socks:
        if s.type == socket.SOCK_STREAM:
            s.listen(5)
    print("held", flush=True)
    time.sleep(args.seconds)
    return 0


def run(argv):
    """Parses one command line and runs it; returns its exit status."""
    ap = argparse.ArgumentParser(prog="rawdns.py",
                                 description="raw DNS helper for geosteer system tests")
    ap.add_argument("-s", "--server", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=53)
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--timeout", type=float,
                    help="seconds to wait for a reply (2; 1 when no reply is expected)")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def expectations(p):
        p.add_argument("--expect", "-e", action="append", default=[])
        p.add_argument("--noreply", action="store_true", help="expect no reply at all")

    q = sub.add_parser("query")
    q.add_argument("name")
    q.add_argument("type")
    q.add_argument("--class", dest="qclass", default="IN")
    q.add_argument("--id", type=int)
    q.add_argument("--opcode", type=int, default=0)
    q.add_argument("--rd", action="store_true")
    q.add_argument("--qr", action="store_true")
    q.add_argument("--cd", action="store_true")
    q.add_argument("--qdcount", type=int)
    q.add_argument("--edns", type=int)
    q.add_argument("--edns-version", type=int, default=0)
    q.add_argument("--nsid", action="store_true")
    q.add_argument("--do", action="store_true")
    q.add_argument("--two-opt", action="store_true")
    q.add_argument("--ar-loop", action="store_true")
    q.add_argument("--option", action="append", default=[], help="EDNS option CODE:HEX")
    q.add_argument("--ixfr-serial", type=int, help="SOA with this serial in authority")
    expectations(q)
    h = sub.add_parser("hex")
    h.add_argument("bytes", nargs="+")
    expectations(h)
    j = sub.add_parser("junk")
    j.add_argument("kind")
    j.add_argument("--count", type=int, default=1)
    j.add_argument("--seed", type=int, default=1)
    j.add_argument("--reply-required", action="store_true")
    j.add_argument("--min-replies", type=int, default=0,
                   help="fail with fewer replies than this (random junk: most get none)")
    j.add_argument("--bulk", action="store_true", help="UDP: send all, then collect replies")
    expectations(j)
    p = sub.add_parser("pipeline")
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--split-length", action="store_true")
    p.add_argument("--split-message", action="store_true")
    ti = sub.add_parser("tcp-idle")
    ti.add_argument("--min", type=float, required=True)
    ti.add_argument("--max", type=float, required=True)
    ti.add_argument("--query", action="store_true")
    ti.add_argument("--ready", metavar="FILE", help="create FILE once the connection is up")
    ta = sub.add_parser("tcp-active")
    ta.add_argument("--interval", type=float, required=True)
    ta.add_argument("--duration", type=float, required=True)
    tc = sub.add_parser("tcp-cap")
    tc.add_argument("--limit", type=int, required=True)
    tc.add_argument("--extra", type=int, default=3)
    tc.add_argument("--other-client", help="address that must still be served at the cap")
    tm = sub.add_parser("tcp-maxq")
    tm.add_argument("--limit", type=int, required=True)
    tm.add_argument("--pipelined", action="store_true")
    b = sub.add_parser("burst")
    b.add_argument("--count", type=int, default=100)
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--fresh", action="store_true", help="a new connection for each query")
    st = sub.add_parser("steady")
    st.add_argument("name")
    st.add_argument("type")
    st.add_argument("--until", required=True, metavar="FILE", help="stop once FILE exists")
    st.add_argument("--max", type=float, required=True, help="stop after this many seconds")
    st.add_argument("--do", action="store_true", help="EDNS with the DO bit")
    st.add_argument("--interval", type=float, default=0.0, help="pause after each reply")
    f = sub.add_parser("freeport")
    f.add_argument("--hosts", default="127.0.0.1")
    ho = sub.add_parser("hold")
    ho.add_argument("hold_port", type=int)
    ho.add_argument("seconds", type=float)
    ho.add_argument("--reuseaddr", action="store_true", help="TCP: bind over TIME_WAIT")
    bt = sub.add_parser("batch", help="one command line per stdin line; '@@END RC' after each")
    bt.set_defaults(batch=True)
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    if args.cmd == "batch":
        return cmd_batch(argv[:argv.index("batch")])
    if args.timeout is None:
        args.timeout = 1.0 if getattr(args, "noreply", False) else 2.0
    fn = {"query": cmd_query, "hex": cmd_hex, "junk": cmd_junk, "pipeline": cmd_pipeline,
          "tcp-idle": cmd_tcp_idle, "tcp-active": cmd_tcp_active, "tcp-cap": cmd_tcp_cap,
          "tcp-maxq": cmd_tcp_maxq, "burst": cmd_burst, "steady": cmd_steady,
          "freeport": cmd_freeport,
          "hold": cmd_hold}[args.cmd]
    try:
        return fn(args)
    except (ConnectionError, socket.timeout) as e:
        print("FAIL: %s: %s" % (args.cmd, e))
        return 1
    except UNPARSEABLE as e:
        print("FAIL: %s: unparseable reply: %s" % (args.cmd, why(e)))
        return 1


def cmd_batch(common):
    """Runs each stdin line as a command (with the global options given before 'batch'),
    so that a test pays for one interpreter start instead of one per check."""
    status = 0
    for line in sys.stdin:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = shlex.split(line)
        # Global options on the line itself come first, then the shared ones.
        try:
            rc = run(common + words if words[0] not in ("-s", "--server", "-p", "--port",
                                                         "--tcp", "--timeout")
                     else _merge(common, words))
        except Exception as e:  # a helper bug must not hide the other checks
            print("FAIL: %s: %r" % (line, e))
            rc = 1
        print("@@END %d" % rc, flush=True)
        status |= rc
    return status


def _merge(common, words):
    """Puts a line's leading global options after the shared ones (later ones win)."""
    i = 0
    lead = []
    while i < len(words) and words[i].startswith("-"):
        lead.append(words[i])
        if words[i] in ("-s", "--server", "-p", "--port", "--timeout"):
            lead.append(words[i + 1])
            i += 1
        i += 1
    return common + lead + words[i:]


def main():
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
