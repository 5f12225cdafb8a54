#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# failover-backend.py -- the datacenter backends of the health-check system tests
# (failover.sh, failover-exec.sh, force-restart.sh, control.sh):
#
#   failover-backend.py port ADDR...
#       prints a TCP port that is free on every ADDR (loopback addresses such as
#       127.0.0.10 and 127.0.0.20), so that one check `port:` fits every backend
#   failover-backend.py serve ADDR PORT DIR [CERT KEY]
#       an HTTP server on ADDR:PORT (also what a tcp check connects to), HTTPS with
#       CERT and KEY. GET answers with the status number in DIR/status (default 200).
#       It writes DIR/ready once listening, retries the bind for up to 5 s (a restart
#       right after a stop), and exits by itself after 120 s so that a crashed test
#       leaves nothing running.
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port(addrs):
    for _ in range(50):
        first = socket.socket()
        first.bind((addrs[0], 0))
        port = first.getsockname()[1]
        held = [first]
        try:
            for a in addrs[1:]:
                s = socket.socket()
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
            try:
                with open(os.path.join(folder, "status")) as f:
                    status = int(f.read().strip() or "200")
            except (FileNotFoundError, ValueError):
                status = 200
            body = b"ok\n"
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    deadline = time.monotonic() + 5
    while True:
        try:
            srv = ThreadingHTTPServer((addr, port), Handler)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    srv.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    ready = os.path.join(folder, "ready")
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(ready + ".tmp", ready)
    threading.Timer(120, lambda: os._exit(0)).start()
    srv.serve_forever()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "port":
        print(free_port(sys.argv[2:]))
    elif len(sys.argv) in (5, 7) and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    else:
        sys.exit("usage: failover-backend.py port ADDR... | serve ADDR PORT DIR [CERT KEY]")


main()
