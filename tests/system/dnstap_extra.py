#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# dnstap_extra.py FILE -- prints the `extra` field of every dnstap message in a Frame
# Streams file, one line per message in file order ("-" when absent), so that a test
# can pair them with the lines `dnstap-ldns -q -r FILE` prints (it does not show extra).
import struct
import sys


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def extra_of(msg):
    i = 0
    while i < len(msg):
        key, i = varint(msg, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, i = varint(msg, i)
        elif wire == 2:
            n, i = varint(msg, i)
            if field == 3:
                return msg[i:i + n].decode()
            i += n
        elif wire == 5:
            i += 4
        elif wire == 1:
            i += 8
        else:
            raise ValueError("bad wire type %d" % wire)
    return "-"


data = open(sys.argv[1], "rb").read()
i = 0
while i + 4 <= len(data):
    (n,) = struct.unpack_from(">I", data, i)
    i += 4
    if n == 0:  # control frame: its length, then the frame
        (c,) = struct.unpack_from(">I", data, i)
        i += 4 + c
        continue
    print(extra_of(data[i:i + n]))
    i += n
