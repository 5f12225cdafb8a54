#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# bench/tcp_conns.py -- does making room for a new TCP connection cost more when many
# connections are open? It must not: the work per new connection may not grow with
# the number of open ones (nothing quadratic). Run by bench/tcp-conns.sh; see there.
#
# For each SIZE: geosteerd (one worker thread) serves a small zone with
# tcp: {max_connections: SIZE + 1000, max_per_client: CAP}. SIZE idle connections are
# opened from SIZE different loopback addresses (127.1.x.y), then one client
# (127.0.0.2) opens CAP connections, one query each, which fills its per-client cap.
# Then it opens NEW more connections one after another, each with one query whose
# answer it waits for: every one of them finds the client's cap full, and the server
# makes the client's connection with the oldest query give way. Prints the time per
# new connection and the daemon's CPU time per new connection (from /proc); neither
# may grow with SIZE.
import argparse
import os
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import time

QUERY_ID = 0x4242


def query_wire(name):
    q = struct.pack(">HHHHHH", QUERY_ID, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)  # A IN
    return struct.pack(">H", len(q)) + q


def recv_exact(s, n, deadline):
    buf = b""
    while len(buf) < n:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise RuntimeError("connection closed before the answer")
        buf += chunk
    return buf


def ask(src, port, wire):
    """A new connection from src, one query, its answer; returns the open socket."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(wire)
    deadline = time.monotonic() + 5
    (n,) = struct.unpack(">H", recv_exact(s, 2, deadline))
    msg = recv_exact(s, n, deadline)
    if struct.unpack(">H", msg[:2])[0] != QUERY_ID or not msg[2] & 0x80:
        raise RuntimeError("not an answer to the query")
    return s


def cpu_seconds(pid):
    """User + system CPU time of process pid (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run_size(args, size, work):
    port = free_port()
    zone = os.path.join(work, "t.zone")
    with open(zone, "w") as f:
        f.write("$TTL 300\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n")
    conf = os.path.join(work, "g.yaml")
    with open(conf, "w") as f:
        f.write(f'listen: ["127.0.0.1:{port}"]\nthreads: 1\n'
                f"tcp: {{max_connections: {size + 1000}, max_per_client: {args.cap}, "
                f"idle_timeout: 120s, max_lifetime: 10m}}\n"
                f"zones:\n  - name: t.test.\n    file: {zone}\n")
    log = open(os.path.join(work, f"geosteerd.{size}.log"), "w")
    d = subprocess.Popen([args.geosteerd, "-c", conf], stdout=log, stderr=log)
    idle, hot = [], []
    wire = query_wire("www.t.test.")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ask("127.0.0.3", port, wire).close()
                break
            except OSError:
                if time.monotonic() > deadline or d.poll() is not None:
                    raise RuntimeError("geosteerd did not start")
                time.sleep(0.05)
        t0 = time.monotonic()
        for i in range(size):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((f"127.1.{i >> 8}.{i & 255}", 0))
            s.connect(("127.0.0.1", port))
            idle.append(s)
        # The idle ones are accepted once a query on another connection is answered
        # after them (one worker: the loop takes the listener in order).
        ask("127.0.0.3", port, wire).close()
        t_idle = time.monotonic() - t0
        for _ in range(args.cap):
            hot.append(ask("127.0.0.2", port, wire))
        t0, c0 = time.monotonic(), cpu_seconds(d.pid)
        for _ in range(args.new):
            hot.append(ask("127.0.0.2", port, wire))
            hot.pop(0).close()  # the one that gave way (the oldest query)
        per = (time.monotonic() - t0) / args.new
        cpu = (cpu_seconds(d.pid) - c0) / args.new
        # Nothing was lost: every idle connection is still open on the server's side.
        lost = 0
        for s in idle[:: max(1, size // 50)]:
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    lost += 1
            except BlockingIOError:
                pass
        return t_idle, per, cpu, lost
    finally:
        for s in idle + hot:
            s.close()
        d.terminate()
        try:
            d.wait(20)
        except subprocess.TimeoutExpired:
            d.kill()
            d.wait()
        log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("geosteerd")
    ap.add_argument("--sizes", default="500,2000,8000")
    ap.add_argument("--cap", type=int, default=8)
    ap.add_argument("--new", type=int, default=2000)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = max(sizes) + args.cap + 200
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
        sys.exit(f"tcp_conns.py: needs {need} file descriptors (ulimit -n)")
    print(f"{args.geosteerd}: a new connection at a full per-client cap ({args.cap}), "
          f"{args.new} in a row, with SIZE idle connections open")
    with tempfile.TemporaryDirectory() as work:
        for size in sizes:
            t_idle, per, cpu, lost = run_size(args, size, work)
            print(f"  SIZE {size:6d}: {per * 1e6:7.1f} us per new connection, "
                  f"{cpu * 1e6:6.1f} us of geosteerd's CPU "
                  f"(opening the idle ones: {t_idle:.2f} s; idle ones closed: {lost})")
            if lost:
                sys.exit("tcp_conns.py: an idle connection was closed")


if __name__ == "__main__":
    main()
