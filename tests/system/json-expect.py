#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# json-expect.py -- checks a JSON document (geosteerctl --json output) with Python's own
# parser, for the system tests.
#
#   json-expect.py JSON_FILE < EXPECTATIONS
#       One expectation per line: PATH TYPE VALUE. PATH is dot-separated: a member
#       name, an array index, or NAME[FIELD=VALUE] for the first element of array NAME
#       whose FIELD is VALUE. TYPE is str, int, num, bool, null, list, object; VALUE is
#       compared with the value (str: exactly, int and num (an integer or a fraction):
#       as a number, bool: true/false,
#       list: its length), or '*' for "any value of that type". A member name with a
#       dot in it is quoted: 'rcode.NOERROR'. A missing member or a wrong type fails. Prints one "ok"/"FAIL" line per expectation; exit 1 if any
#       failed, 2 if the document does not parse.
#   json-expect.py --same-as-text TEXT_FILE WIDTH JSON_FILE [KEY...]
#       The text form and the JSON form say the same: every "KEY: VALUE" line of the
#       text (KEY padded to WIDTH columns, or followed by one blank with WIDTH 0) has
#       the JSON member KEY whose value's text (the string itself, a number, or the
#       object's "text") is VALUE, repeated keys in the same order, and the JSON has
#       no member with a value the text lacks (empty arrays aside; the one text line of
#       an empty array, "answer: none", is its text form). The values of the KEYs named
#       after JSON_FILE may differ (they change between the two requests: uptime);
#       they must be there all the same. A text KEY with blanks is the JSON member
#       with underscores for the inner ones and none at the ends (kv_put_as labels:
#       "fleet forces" is fleet_forces, "  node" is node).
import json
import re
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL {path} does not parse as JSON: {e}")
        sys.exit(2)


def walk(doc, path):
    cur = doc
    for part in re.findall(r"'[^']*'|[^.\[]+(?:\[[^\]]*\])?", path):
        part = part.strip("'")
        m = re.fullmatch(r"([^\[]+)\[([^=\]]+)=([^\]]*)\]", part)
        if m:
            name, field, want = m.groups()
            arr = cur[name]
            hits = [x for x in arr if isinstance(x, dict) and str(x.get(field)) == want]
            if not hits:
                raise KeyError(f"no element of {name} with {field}={want}")
            cur = hits[0]
        elif isinstance(cur, list):
            cur = cur[int(part)]
        else:
            cur = cur[part]
    return cur


TYPES = {"str": str, "int": int, "num": (int, float), "bool": bool, "null": type(None),
         "list": list, "object": dict}


def check(doc, line):
    path, typ, *rest = line.split(None, 2)
    want = rest[0] if rest else "*"
    try:
        v = walk(doc, path)
    except (KeyError, IndexError, ValueError, TypeError) as e:
        return False, f"{path}: missing ({e})"
    t = TYPES[typ]
    # bool is an int in Python: an int must not be a bool, and the reverse.
    if not isinstance(v, t) or (typ in ("int", "num") and isinstance(v, bool)):
        return False, f"{path}: expected {typ}, got {type(v).__name__} {v!r}"
    if want == "*" or typ == "null":
        return True, f"{path}: {typ} {v!r}"
    if typ in ("int", "num") and v != (int(want) if typ == "int" else float(want)):
        return False, f"{path}: expected {want}, got {v}"
    if typ == "str" and v != want:
        return False, f"{path}: expected {want!r}, got {v!r}"
    if typ == "bool" and v != (want == "true"):
        return False, f"{path}: expected {want}, got {v}"
    if typ == "list" and len(v) != int(want):
        return False, f"{path}: expected {want} elements, got {len(v)}"
    return True, f"{path}: {typ} {v!r}"


def text_of(v):
    if isinstance(v, dict):
        return v.get("text")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, str)):
        return str(v)
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return " ".join(v)
    return None


def same_as_text(text_path, width, json_path, *volatile):
    doc = load(json_path)
    width = int(width)
    seen = {}
    bad = 0
    with open(text_path, encoding="utf-8") as f:
        for raw in f.read().splitlines():
            colon = raw.find(":")
            if width and 0 <= colon and colon + 1 >= width:
                # A label as wide as the column: "fleet forces:1 in etcd".
                key, value = raw[: colon + 1], raw[colon + 1 :]
            elif width:
                key, value = raw[:width].rstrip(), raw[width:]
                if len(raw) > width and raw[width - 1] != " ":
                    key, _, value = raw.partition(": ")
                    key += ":"
            else:
                key, _, value = raw.partition(": ")
                key += ":"
            # kv_put_as labels: "fleet forces" is fleet_forces, "  node" is node.
            key = key[:-1].strip().replace(" ", "_")
            if key not in doc:
                print(f"FAIL text key {key!r} is not in the JSON")
                bad += 1
                continue
            v = doc[key]
            i = seen.get(key, 0)
            seen[key] = i + 1
            if v == [] and i == 0:
                continue  # kv_empty: "answer: none" is an empty array
            if isinstance(v, list) and not all(isinstance(x, str) for x in v):
                if i >= len(v):
                    print(f"FAIL {key}: more text lines than JSON elements")
                    bad += 1
                    continue
                v = v[i]
            if key not in volatile and text_of(v) != value:
                print(f"FAIL {key}: text {value!r}, JSON {text_of(v)!r}")
                bad += 1
    for key, v in doc.items():
        n = len(v) if isinstance(v, list) and not all(isinstance(x, str) for x in v) else 1
        if isinstance(v, list) and not v:
            continue
        if seen.get(key, 0) != n:
            print(f"FAIL {key}: {n} JSON value(s), {seen.get(key, 0)} text line(s)")
            bad += 1
    print("ok text and JSON agree" if not bad else f"FAIL {bad} difference(s)")
    return 1 if bad else 0


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "--same-as-text":
        sys.exit(same_as_text(*sys.argv[2:]))
    doc = load(sys.argv[1])
    failed = 0
    for line in sys.stdin:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        good, msg = check(doc, line)
        print(("ok   " if good else "FAIL ") + msg)
        failed += not good
    sys.exit(1 if failed else 0)


main()
