#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# notify-listen.py -- a stand-in for systemd's notification socket, for the system tests.
#
#   notify-listen.py listen SOCKET LOG   receive sd_notify datagrams on the AF_UNIX
#                                        datagram socket SOCKET, one line per datagram
#                                        appended to LOG: "MONOTONIC-SECONDS MESSAGE"
#                                        (newlines in MESSAGE shown as '|'); stops after
#                                        10 minutes or on SIGTERM.
#   notify-listen.py quiet LOG SECONDS   exit 0 when the last WATCHDOG=1 in LOG is older
#                                        than SECONDS (or there is none), 1 otherwise.
#   notify-listen.py count LOG PATTERN   print how many lines of LOG contain PATTERN.
import os
import socket
import sys
import time


def listen(path, log):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(1.0)
    deadline = time.monotonic() + 600
    with open(log, "a", buffering=1) as out:
        while time.monotonic() < deadline:
            try:
                data = s.recv(4096)
            except socket.timeout:
                continue
            text = data.decode("utf-8", "replace").replace("\n", "|")
            out.write("%.3f %s\n" % (time.monotonic(), text))


def lines(log):
    try:
        with open(log) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def quiet(log, seconds):
    last = None
    for line in lines(log):
        t, _, msg = line.partition(" ")
        if "WATCHDOG=1" in msg.split("|"):
            last = float(t)
    return last is None or time.monotonic() - last >= seconds


def main():
    cmd = sys.argv[1]
    if cmd == "listen":
        listen(sys.argv[2], sys.argv[3])
    elif cmd == "quiet":
        sys.exit(0 if quiet(sys.argv[2], float(sys.argv[3])) else 1)
    elif cmd == "count":
        print(sum(1 for l in lines(sys.argv[2]) if sys.argv[3] in l))
    else:
        sys.exit("usage: notify-listen.py listen|quiet|count ...")


if __name__ == "__main__":
    main()
