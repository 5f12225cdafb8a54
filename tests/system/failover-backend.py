#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# failover-backend.py -- the backends of the health-check system tests (failover.sh,
# failover-exec.sh, force-restart.sh, control.sh, probes.sh):
#
#   failover-backend.py port ADDR...
#       prints a TCP port that is free on every ADDR (loopback addresses such as
#       127.0.0.10, 127.0.0.20 or ::1), so that one check `port:` fits every backend
#   failover-backend.py serve ADDR PORT DIR [CERT KEY]
#       an HTTP server on ADDR:PORT (also what a tcp check connects to), HTTPS with
#       CERT and KEY (the SNI name of each handshake is written to DIR/sni). GET answers
#         /status/N     with status N
#         /host/NAME    200 when the Host header (port stripped) is NAME, else 400
#         /sleep        200 after 3 s (for timeouts)
#         anything else the status number in DIR/status (default 200)
#       It writes DIR/ready once listening, retries the bind for up to 5 s (a restart
#       right after a stop), and exits by itself after 120 s so that a crashed test
#       leaves nothing running.
#   failover-backend.py backlog ADDR DIR
#       a listener on ADDR whose accept queue is full (backlog 0, filled by connections
#       of its own, never accepted): a new connection hangs in SYN_SENT. Writes its port
#       to DIR/ready once the queue is full; exits by itself after 120 s.
import os
import select
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def free_port(addrs):
    for _ in range(50):
        first = socket.socket(family(addrs[0]))
        first.bind((addrs[0], 0))
        port = first.getsockname()[1]
        held = [first]
        try:
            for a in addrs[1:]:
                s = socket.socket(family(a))
                held.append(s)
                s.bind((a, port))
            return port
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    sys.exit("no port free on every address")


def serve(addr, port, folder, tls):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def do_GET(self):
            status = 200
            if self.path.startswith("/status/"):
                status = int(self.path[len("/status/"):])
            elif self.path.startswith("/host/"):
                want = self.path[len("/host/"):]
                got = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                status = 200 if got == want else 400
            elif self.path == "/sleep":
                time.sleep(3)
            else:
                try:
                    with open(os.path.join(folder, "status")) as f:
                        status = int(f.read().strip() or "200")
                except (FileNotFoundError, ValueError):
                    pass
            body = b"ok\n"
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    class Server(ThreadingHTTPServer):
        address_family = family(addr)

    deadline = time.monotonic() + 5
    while True:
        try:
            srv = Server((addr, port), Handler)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    srv.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])

        def on_sni(sock, name, c):
            with open(os.path.join(folder, "sni.tmp"), "w") as f:
                f.write(name or "")
            os.rename(os.path.join(folder, "sni.tmp"), os.path.join(folder, "sni"))

        ctx.sni_callback = on_sni
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    ready = os.path.join(folder, "ready")
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(ready + ".tmp", ready)
    threading.Timer(120, lambda: os._exit(0)).start()
    srv.serve_forever()


def backlog(addr, folder):
    lsn = socket.socket(family(addr))
    lsn.bind((addr, 0))
    lsn.listen(0)
    port = lsn.getsockname()[1]
    fill = []
    for _ in range(4):
        c = socket.socket(family(addr))
        c.setblocking(False)
        c.connect_ex((addr, port))
        fill.append(c)
    # The first connection completes and fills the queue (backlog 0 holds one).
    if not select.select([], [fill[0]], [], 10)[1]:
        sys.exit("backlog: the first connection did not complete")
    ready = os.path.join(folder, "ready")
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(ready + ".tmp", ready)
    time.sleep(120)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "port":
        print(free_port(sys.argv[2:]))
    elif len(sys.argv) in (5, 7) and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif len(sys.argv) == 4 and sys.argv[1] == "backlog":
        backlog(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: failover-backend.py port ADDR... | serve ADDR PORT DIR [CERT KEY]"
                 " | backlog ADDR DIR")


main()
