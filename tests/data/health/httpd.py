#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tests/data/health/httpd.py -- a tiny HTTP(S) server for the health-check unit tests,
# started by test_health on 127.0.0.1 with a random port:
#   httpd.py DIR [CERT KEY]
# (on ::1 instead of 127.0.0.1 when GS_HTTPD_BIND=::1 is in the environment)
# It writes its port to DIR/port once listening (DIR/port.tmp, then rename) and answers
#   GET /sleep          after 3 s (for timeouts), status 200
#   GET /host/NAME      200 when the Host header is NAME (port stripped), else 400
#   GET anything else   the status number in DIR/status (default 200)
# With CERT and KEY it speaks TLS and writes the SNI name of each handshake to DIR/sni.
# It exits by itself after 60 s so that a crashed test leaves nothing running.
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        status = 200
        if self.path == "/sleep":
            time.sleep(3)
        elif self.path.startswith("/host/"):
            want = self.path[len("/host/"):]
            got = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            status = 200 if got == want else 400
        else:
            try:
                with open(os.path.join(DIR, "status")) as f:
                    status = int(f.read().strip() or "200")
            except FileNotFoundError:
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


class Server6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def main():
    bind = os.environ.get("GS_HTTPD_BIND", "127.0.0.1")
    cls = Server6 if ":" in bind else ThreadingHTTPServer
    srv = cls((bind, 0), Handler)
    srv.daemon_threads = True
    if len(sys.argv) >= 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])

        def on_sni(sock, name, c):
            with open(os.path.join(DIR, "sni"), "w") as f:
                f.write(name or "")

        ctx.sni_callback = on_sni
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(os.path.join(DIR, "port.tmp"), "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
    threading.Timer(60, lambda: os._exit(0)).start()
    srv.serve_forever()


main()
