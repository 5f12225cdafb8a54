#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# answer-watch.py -- asks one question over UDP back to back (each query waits for its
# reply, or a timeout) and logs every answer with the wall-clock time it came back, so
# that a test can tell, to the millisecond and without forking a client per query, when
# an answer changed (tests/system/failover-dnssec.sh: the time from a health change to
# the first answer that shows it).
#
# Usage: answer-watch.py -p PORT [-s ADDR] NAME TYPE --until FILE --max S --log FILE [--do]
# Each log line: "TIME ADDRESSES TTL RRSIGS": TIME in milliseconds since the epoch (with
# microseconds, comparable with bash's EPOCHREALTIME), ADDRESSES the A/AAAA addresses of
# the answer section sorted and comma-joined ("-" when none), TTL that of the first one
# (0 when none), RRSIGS the number of RRSIG records in the answer section. A query that
# gets no reply within 1 s is logged as "TIME lost 0 0". Stops once FILE exists or after
# S seconds. Exit status 0, or 2 on bad usage.

import argparse
import os
import socket
import sys
import time

import dns.flags
import dns.message
import dns.rdatatype


def main(argv):
    ap = argparse.ArgumentParser(prog="answer-watch.py")
    ap.add_argument("-s", "--server", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("name")
    ap.add_argument("type")
    ap.add_argument("--until", required=True, metavar="FILE")
    ap.add_argument("--max", type=float, required=True)
    ap.add_argument("--log", required=True, metavar="FILE")
    ap.add_argument("--do", action="store_true", help="EDNS with the DO bit")
    args = ap.parse_args(argv)
    fam = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((args.server, args.port))
    s.settimeout(1.0)
    addr_types = (dns.rdatatype.A, dns.rdatatype.AAAA)
    start = time.monotonic()
    qid = 0
    with open(args.log, "w", buffering=1) as log:
        while time.monotonic() - start < args.max and not os.path.exists(args.until):
            qid = (qid + 1) & 0xFFFF
            q = dns.message.make_query(args.name, args.type, flags=0)
            q.id = qid
            if args.do:
                q.use_edns(0, dns.flags.DO, 1232)
            s.send(q.to_wire())
            reply = None
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                try:
                    wire = s.recv(65535)
                except socket.timeout:
                    break
                m = dns.message.from_wire(wire, one_rr_per_rrset=True)
                if m.id == qid:
                    reply = m
                    break
            now_ms = time.time() * 1000.0
            if reply is None:
                log.write("%.3f lost 0 0\n" % now_ms)
                continue
            addrs, ttl, sigs = [], 0, 0
            for rrset in reply.answer:
                if rrset.rdtype in addr_types:
                    ttl = ttl or rrset.ttl
                    addrs.extend(rd.address for rd in rrset)
                elif rrset.rdtype == dns.rdatatype.RRSIG:
                    sigs += len(rrset)
            log.write("%.3f %s %d %d\n" % (now_ms, ",".join(sorted(addrs)) or "-", ttl, sigs))
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
