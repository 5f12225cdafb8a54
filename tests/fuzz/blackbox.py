#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# blackbox.py -- black-box mutation run against a running geosteerd: sends COUNT
# hostile packets (mutated real queries, random headers and sections, broken EDNS and
# ECS options, compression loops, truncations, random bytes) over UDP and, one in
# every 20, over TCP with honest, short, long and split length prefixes; every 100
# packets a clean query must be answered (else the run fails: the server died or
# stalled). Loopback only; bounded in count and in time.
# Usage: blackbox.py HOST PORT COUNT [SEED] [NAME]
import random
import socket
import struct
import sys
import time

HOST, PORT, COUNT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else 1
NAME = sys.argv[5] if len(sys.argv) > 5 else "www.a.test."
DEADLINE = time.monotonic() + max(60.0, COUNT / 500.0)
rnd = random.Random(SEED)
TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 43, 46, 47, 48, 50, 65, 255, 251, 252, 0, 65535]


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def opt(options=b"", udp=1232, ver=0, do=False):
    return b"\0" + struct.pack(">HHBBHH", 41, udp, 0, ver, 0x8000 if do else 0, len(options)) + options


def ecs(family, src, scope, addr):
    body = struct.pack(">HBB", family, src, scope) + addr
    return struct.pack(">HH", 8, len(body)) + body


def query(qid=None):
    qid = rnd.randrange(65536) if qid is None else qid
    labels = NAME.rstrip(".").split(".")
    if rnd.random() < 0.3:
        labels = [rnd.choice(["x", "*", "sub", "www", "a" * rnd.randrange(1, 64)])] + labels
    name = wire_name(".".join(labels))
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name
    q += struct.pack(">HH", rnd.choice(TYPES), rnd.choice([1, 1, 1, 3, 254, 255]))
    if rnd.random() < 0.6:
        opts = b""
        for _ in range(rnd.randrange(3)):
            kind = rnd.random()
            if kind < 0.4:
                fam = rnd.choice([1, 2, 3, 0])
                src = rnd.randrange(0, 140)
                alen = rnd.randrange(0, 18)
                opts += ecs(fam, src, rnd.choice([0, 0, 0, 24, 255]), bytes(rnd.randrange(256) for _ in range(alen)))
            elif kind < 0.7:
                body = bytes(rnd.randrange(256) for _ in range(rnd.choice([8, 16, 24, 40, 41, 7])))
                opts += struct.pack(">HH", 10, len(body)) + body
            else:
                body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 30)))
                opts += struct.pack(">HH", rnd.randrange(65536), max(0, len(body) + rnd.choice([0, 0, 1, -1]))) + body
        q = q[:10] + struct.pack(">H", 1) + q[12:] + opt(opts, rnd.choice([0, 512, 1232, 4096, 65535]), rnd.choice([0, 0, 1]), rnd.random() < 0.5)
    return q


def mutate(p):
    p = bytearray(p)
    for _ in range(rnd.randrange(1, 6)):
        op = rnd.random()
        if op < 0.35 and p:
            i = rnd.randrange(len(p))
            p[i] ^= 1 << rnd.randrange(8)
        elif op < 0.5 and p:
            p[rnd.randrange(len(p))] = rnd.randrange(256)
        elif op < 0.6:
            p[rnd.randrange(len(p) + 1):rnd.randrange(len(p) + 1)] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 8)))
        elif op < 0.7 and len(p) > 1:
            i = rnd.randrange(len(p))
            del p[i:i + rnd.randrange(1, 8)]
        elif op < 0.8:
            p = p[: rnd.randrange(len(p) + 1)]
        elif op < 0.9 and len(p) > 12:
            i = rnd.randrange(12, len(p))
            p[i:i] = bytes([0xC0 | rnd.randrange(64), rnd.randrange(256)])  # compression pointer
        else:
            if len(p) >= 12:
                p[4:12] = bytes(rnd.randrange(256) for _ in range(8))  # counts
    return bytes(p)


def packet():
    r = rnd.random()
    if r < 0.75:
        return mutate(query())
    if r < 0.9:
        return query()
    return bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 600)))


def probe(udp):
    q = struct.pack(">HHHHHH", 0xBEEF, 0x0100, 1, 0, 0, 0) + wire_name(NAME) + struct.pack(">HH", 6, 1)
    for _ in range(5):
        udp.sendto(q, (HOST, PORT))
        end = time.monotonic() + 2
        while time.monotonic() < end:
            udp.settimeout(max(0.01, end - time.monotonic()))
            try:
                data, _ = udp.recvfrom(65535)
            except socket.timeout:
                break
            if data[:2] == b"\xbe\xef":
                return True
    return False


def tcp_send(p):
    try:
        s = socket.create_connection((HOST, PORT), timeout=2)
    except OSError:
        return
    try:
        kind = rnd.random()
        if kind < 0.5:
            data = struct.pack(">H", len(p)) + p
        elif kind < 0.7:
            data = struct.pack(">H", rnd.randrange(65536)) + p
        elif kind < 0.85:
            data = b"".join(struct.pack(">H", len(x)) + x for x in (p, packet(), packet()))
        else:
            data = struct.pack(">H", len(p)) + p
            for i in range(0, len(data), 3):
                s.sendall(data[i:i + 3])
            data = b""
        if data:
            s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(0.5)
        while s.recv(65535):
            pass
    except OSError:
        pass
    finally:
        s.close()


def main():
    fam = socket.AF_INET6 if ":" in HOST else socket.AF_INET
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    ctl = socket.socket(fam, socket.SOCK_DGRAM)
    sent = tcp = 0
    for i in range(COUNT):
        if time.monotonic() > DEADLINE:
            print(f"blackbox: time is up after {sent} packets")
            break
        p = packet()
        if i % 20 == 19:
            tcp_send(p)
            tcp += 1
        else:
            try:
                udp.sendto(p, (HOST, PORT))
            except OSError:
                pass
        sent += 1
        if i % 100 == 99:
            # drain answers so the socket buffer never fills
            udp.setblocking(False)
            try:
                while udp.recv(65535):
                    pass
            except OSError:
                pass
            udp.setblocking(True)
            if not probe(ctl):
                print(f"blackbox: FAIL: no answer to a clean query after {sent} packets")
                return 1
    ok = probe(ctl)
    print(f"blackbox: {sent} packets ({tcp} over TCP), seed {SEED}; server answering: {ok}")
    return 0 if ok else 1


sys.exit(main())
