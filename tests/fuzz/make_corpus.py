#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# make_corpus.py -- writes the seed corpus for tests/fuzz/fuzz_query.c: one raw DNS
# message per file, covering the paths tests/unit/test_answer.c checks (answers, CNAME
# chains, wildcards, referrals, EDNS/ECS/NSID, CHAOS, and malformed messages). Run from
# anywhere; rewrites tests/fuzz/corpus/. Standard library only.
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")


def name(text):
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(flags=0, qd=1, an=0, ns=0, ar=0, qid=0x4242):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def question(qname, qtype=1, qclass=1):
    return name(qname) + struct.pack("!HH", qtype, qclass)


def opt(payload=1232, version=0, do=False, options=b""):
    ttl = (version << 16) | (0x8000 if do else 0)
    return b"\0" + struct.pack("!HHIH", 41, payload, ttl, len(options)) + options


def option(code, data):
    return struct.pack("!HH", code, len(data)) + data


def query(qname, qtype=1, qclass=1, flags=0, edns=None):
    msg = header(flags, 1, 0, 0, 1 if edns is not None else 0) + question(qname, qtype, qclass)
    return msg + (edns if edns is not None else b"")


ecs4 = option(8, struct.pack("!HBB", 1, 24, 0) + bytes([192, 0, 2]))
ecs6 = option(8, struct.pack("!HBB", 2, 56, 0) + bytes([0x20, 0x01, 0x0d, 0xb8, 0, 0x12, 0x34]))
seeds = {
    "a_www": query("www.example.com.", 1),
    "a_www_case": query("WwW.ExAmPlE.CoM.", 1, flags=0x0110),
    "aaaa_chain": query("chain1.example.com.", 28),
    "a_dangling": query("dangling.example.com."),
    "a_crosszone": query("crosszone.example.com."),
    "a_loop": query("loop1.example.com."),
    "a_hops": query("hop1.example.com."),
    "a_wild": query("x.y.wild.example.com."),
    "a_wcname": query("x.wcname.example.com."),
    "a_referral": query("www.sub.example.com."),
    "ds_cut": query("sub.example.com.", 43),
    "ds_deep": query("deep.example.com.", 43),
    "any_apex": query("example.com.", 255),
    "mx_apex": query("example.com.", 15),
    "srv": query("_sip._tcp.example.com.", 33),
    "nx": query("nothere.example.com."),
    "refused": query("www.example.org."),
    "axfr": query("example.com.", 252),
    "big_edns": query("big.example.com.", 1, edns=opt(4096)),
    "big_small_payload": query("big.example.com.", 1, edns=opt(100)),
    "edns_do_nsid": query("www.example.com.", 1, edns=opt(do=True, options=option(3, b""))),
    "edns_ecs4": query("www.example.com.", 1, edns=opt(options=ecs4)),
    "edns_ecs6": query("www.example.com.", 28, edns=opt(options=ecs6 + option(3, b""))),
    "edns_badvers": query("www.example.com.", 1, edns=opt(version=1)),
    "edns_ecs_bad": query("www.example.com.", 1,
                          edns=opt(options=option(8, struct.pack("!HBB", 1, 20, 0) + bytes([192, 0, 2])))),
    "edns_overrun": query("www.example.com.", 1, edns=opt(options=b"\0\x0a\0\x08\1\2")),
    "chaos_id": query("id.server.", 16, 3),
    "chaos_hostname": query("HOSTNAME.BIND.", 16, 3, edns=opt(options=option(3, b""))),
    "notify": query("example.com.", 6, flags=4 << 11),
    "qd0": header(qd=0),
    "qd2": header(qd=2) + question("a.example.com.") + question("b.example.com."),
    "two_opt": header(ar=2) + question("www.example.com.") + opt() + opt(),
    "ptr_loop_ar": header(ar=1) + question("www.example.com.") + b"\xc0\x21" +
                   struct.pack("!HHIH", 1, 1, 0, 4) + b"\1\2\3\4",
    "an_ns_records": header(an=1, ns=1) + question("www.example.com.") +
                     (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\1\2\3\4") * 2,
    "trailing": query("www.example.com.") + b"\0",
    "truncated": query("www.example.com.")[:20],
    "response": query("www.example.com.", flags=0x8000),
}

os.makedirs(OUT, exist_ok=True)
for old in os.listdir(OUT):
    os.unlink(os.path.join(OUT, old))
for key, msg in sorted(seeds.items()):
    with open(os.path.join(OUT, key), "wb") as f:
        f.write(msg)
print(f"wrote {len(seeds)} seeds to {OUT}")
