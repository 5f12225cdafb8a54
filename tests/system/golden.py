#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# golden.py -- replays one golden answer file (tests/golden/NAME.case, format in
# tests/golden/README.md) against a running geosteerd over real UDP and TCP sockets,
# with dnspython as the client: the query is sent from the case's client address
# (bound on loopback), `force` lines go through geosteerctl, and every response is
# compared with the expectation as tests/unit/test_golden.c compares it in process.
# Queries whose client address is not a loopback address cannot be sent from that
# address: they are skipped and counted (the in-process test covers them).
#
# Usage: golden.py --port PORT --ctl "GEOSTEERCTL -s SOCKET" [--server ADDR] CASEFILE
# Prints FILE:LINE, expected and actual for every mismatch; exit 0 when all match, 1
# when some do not, 2 when the case file is malformed.

import argparse
import ipaddress
import shlex
import subprocess
import sys

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

SECTIONS = ("answer", "authority", "additional")
FLAGS = {"aa": dns.flags.AA, "tc": dns.flags.TC, "ad": dns.flags.AD, "ra": dns.flags.RA}
TIMEOUT = 5.0  # seconds per query: generous for a loaded machine, bounded


class CaseError(Exception):
    pass


def record_key(name, ttl, rdclass, rdata):
    """What two records must share to be the same: owner (case-blind), TTL, class, type
    and data in canonical wire form."""
    return (name.canonicalize(), ttl, rdclass, rdata.rdtype, rdata.to_digestable())


def parse_record(text, where):
    w = text.split()
    try:
        name = dns.name.from_text(w[0])
        ttl = int(w[1])
        rdclass = dns.rdataclass.from_text(w[2])
        rdtype = dns.rdatatype.from_text(w[3])
        rdata = dns.rdata.from_text(rdclass, rdtype, " ".join(w[4:]))
    except Exception as e:  # every parse error of a record line is the file's fault
        raise CaseError(f"{where}: not a record ({e}): {text}")
    return record_key(name, ttl, rdclass, rdata), text


class Query:
    def __init__(self, words, line, text):
        self.line, self.text = line, text
        if len(words) < 6 or words[1] not in ("udp", "tcp") or words[2] != "from":
            raise CaseError("expected: query udp|tcp from ADDRESS NAME TYPE [OPTIONS]")
        self.tcp = words[1] == "tcp"
        self.source = words[3]
        self.name, self.type = words[4], dns.rdatatype.from_text(words[5])
        self.ecs, self.do, self.bufsize, self.rd = None, False, 0, False
        i = 6
        while i < len(words):
            if words[i] == "ecs" and i + 1 < len(words):
                self.ecs = words[i + 1]
                i += 1
            elif words[i] == "bufsize" and i + 1 < len(words):
                self.bufsize = int(words[i + 1])
                i += 1
            elif words[i] == "do":
                self.do = True
            elif words[i] == "rd":
                self.rd = True
            else:
                raise CaseError(f"unknown query option {words[i]}")
            i += 1
        self.rcode = self.flags = self.scope = None
        self.records = {s: [] for s in SECTIONS}
        self.count = {s: None for s in SECTIONS}

    def expect(self, words, rest, where):
        if words[0] in SECTIONS:
            self.records[words[0]].append(parse_record(rest, where))
        elif words[0] == "rcode" and len(words) == 2:
            self.rcode = dns.rcode.from_text(words[1])
        elif words[0] == "flags":
            self.flags = 0
            for f in words[1:]:
                if f.lower() not in FLAGS:
                    raise CaseError(f"flags: only aa, tc, ad, ra, not {f}")
                self.flags |= FLAGS[f.lower()]
        elif words[0] == "count" and len(words) == 3 and words[1] in SECTIONS:
            self.count[words[1]] = int(words[2])
        elif words[0] == "scope" and len(words) == 2:
            self.scope = -1 if words[1] == "none" else int(words[1])
        else:
            raise CaseError(f"unknown line: {words[0]}")

    def local(self):
        return ipaddress.ip_address(self.source).is_loopback

    def message(self):
        edns = self.ecs is not None or self.do or self.bufsize > 0
        options = []
        if self.ecs:
            addr, plen = self.ecs.split("/")
            options.append(dns.edns.ECSOption(addr, int(plen)))
        q = dns.message.make_query(self.name, self.type, use_edns=0 if edns else False,
                                   want_dnssec=self.do, payload=self.bufsize or 1232,
                                   options=options)
        q.flags = dns.flags.RD if self.rd else 0
        return q


def read_case(path):
    """(config, steps): steps are ("force", words, line) and ("query", Query)."""
    config, steps, current = None, [], None
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            where = f"{path}:{n}"
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            words = text.split()
            rest = text[len(words[0]):].strip()
            try:
                if words[0] == "config":
                    config = words[1]
                elif config is None:
                    raise CaseError("the file must start with `config FILE`")
                elif words[0] == "force":
                    if len(words) != 3:
                        raise CaseError("expected: force DATACENTER|ADDRESS up|down|auto")
                    current = None
                    steps.append(("force", words, n))
                elif words[0] == "query":
                    current = Query(words, n, text)
                    steps.append(("query", current))
                elif current is None:
                    raise CaseError("expectation before the first query")
                else:
                    current.expect(words, rest, where)
            except CaseError as e:
                raise CaseError(f"{where}: {e}")
            except (ValueError, dns.exception.DNSException) as e:
                raise CaseError(f"{where}: {e}")
    return config, steps


def ask(q, server, port):
    msg = q.message()
    if q.tcp:
        return msg, dns.query.tcp(msg, server, timeout=TIMEOUT, port=port, source=q.source)
    return msg, dns.query.udp(msg, server, timeout=TIMEOUT, port=port, source=q.source,
                              raise_on_truncation=False)


def compare(q, msg, r):
    """Every difference between response r to msg and what q expects, as text lines."""
    bad = []
    if r.id != msg.id or not r.flags & dns.flags.QR:
        bad.append("not a response to the query (id, QR)")
    if r.rcode() != q.rcode:
        bad.append(f"rcode: expected {dns.rcode.to_text(q.rcode)}, "
                   f"got {dns.rcode.to_text(r.rcode())}")
    got_flags = r.flags & (dns.flags.AA | dns.flags.TC | dns.flags.AD | dns.flags.RA)
    if got_flags != q.flags:
        def names(v):
            return " ".join(k for k, f in FLAGS.items() if v & f) or "(none)"
        bad.append(f"flags: expected {names(q.flags)}, got {names(got_flags)}")
    if bool(r.flags & dns.flags.RD) != q.rd:
        bad.append("RD not copied from the query")
    if (r.edns >= 0) != (msg.edns >= 0):
        bad.append("OPT record " + ("missing" if msg.edns >= 0 else "not asked for"))
    elif msg.edns >= 0 and bool(r.ednsflags & dns.flags.DO) != q.do:
        bad.append("DO bit not copied (RFC 3225)")
    for sec, rrsets in zip(SECTIONS, (r.answer, r.authority, r.additional)):
        got = [(record_key(rs.name, rs.ttl, rs.rdclass, rd), f"{rs.name} {rs.ttl} "
                f"{dns.rdataclass.to_text(rs.rdclass)} {dns.rdatatype.to_text(rd.rdtype)} "
                f"{rd.to_text()}") for rs in rrsets for rd in rs]
        if q.count[sec] is not None:
            if len(got) != q.count[sec]:
                bad.append(f"{sec}: expected {q.count[sec]} records, got {len(got)}")
        elif sorted(k for k, _ in got) != sorted(k for k, _ in q.records[sec]):
            bad.append(f"{sec} section differs; expected:")
            bad += ["    " + t for _, t in q.records[sec]]
            bad.append("  got:")
            bad += ["    " + t for _, t in got]
    ecs = [o for o in r.options if isinstance(o, dns.edns.ECSOption)]
    want = q.scope if q.scope is not None else -1
    if want < 0 and ecs:
        bad.append(f"scope: expected no ECS option, got scope {ecs[0].scopelen}")
    elif want >= 0 and not ecs:
        bad.append(f"scope: expected {want}, got no ECS option")
    elif want >= 0:
        sent = [o for o in msg.options if isinstance(o, dns.edns.ECSOption)][0]
        if (ecs[0].address, ecs[0].srclen) != (sent.address, sent.srclen):
            bad.append("ECS: family, source prefix or address not echoed")
        if ecs[0].scopelen != want:
            bad.append(f"scope: expected {want}, got {ecs[0].scopelen}")
    return bad


def main():
    ap = argparse.ArgumentParser(prog="golden.py")
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ctl", required=True, help="geosteerctl command with its -s option")
    ap.add_argument("case")
    a = ap.parse_args()
    try:
        _, steps = read_case(a.case)
    except CaseError as e:
        print(e)
        return 2
    n_ok = n_bad = n_skip = 0
    for step in steps:
        if step[0] == "force":
            words, line = step[1], step[2]
            cmd = shlex.split(a.ctl) + ["force", words[1], words[2]]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            if p.returncode != 0:
                print(f"{a.case}:{line}: {' '.join(cmd)} failed: {p.stdout}{p.stderr}")
                n_bad += 1
            continue
        q = step[1]
        if q.rcode is None or q.flags is None or (q.ecs and q.scope is None):
            print(f"{a.case}:{q.line}: a query needs rcode and flags (and scope with ecs)")
            return 2
        if not q.local():
            n_skip += 1
            continue
        try:
            msg, r = ask(q, a.server, a.port)
            bad = compare(q, msg, r)
        except Exception as e:  # a timeout or an unparseable reply is a mismatch too
            bad = [f"no usable response: {type(e).__name__}: {e}"]
        if bad:
            n_bad += 1
            print(f"{a.case}:{q.line}: {q.text}: the response differs:")
            for b in bad:
                print(f"{a.case}:{q.line}:   {b}")
        else:
            n_ok += 1
    print(f"{a.case}: {n_ok} matched, {n_bad} differ, {n_skip} skipped "
          "(client address not on loopback)")
    return 1 if n_bad or n_ok == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
