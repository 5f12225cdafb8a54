#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# prom-check.py -- a strict parser of the Prometheus text exposition (format 0.0.4),
# for the system tests that scrape /metrics (metrics.sh, dnssec-resign.sh). Reads a
# scrape on stdin; prints "ERROR: ..." lines for every problem (HELP and TYPE once per
# family and before its samples, samples of a family together, names and label names
# valid, label values escaped, counters ending in _total, no series twice, every value
# a number, every name prefixed geosteer_ but the standard process_* ones), else one
# "SERIES VALUE" line per sample (SERIES as written).
import re, sys
NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*$')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*$')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
# The client libraries' standard process metrics: the only names without the prefix.
PROCESS = {"process_cpu_seconds_total", "process_resident_memory_bytes",
           "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
           "process_start_time_seconds"}
text = sys.stdin.read()
errors, out = [], []
if not text.endswith("\n"):
    errors.append("the body does not end with a newline")
helps, types, done, seen = {}, {}, set(), set()
current = None
def parse_labels(s, lineno):
    """s is what is between the braces; returns the list of (name, value)."""
    labels, i = [], 0
    while i < len(s):
        m = re.match(r'([a-zA-Z_][a-zA-Z0-9_]*)="', s[i:])
        if not m:
            errors.append("line %d: bad label at %r" % (lineno, s[i:]))
            return labels
        name, i, val = m.group(1), i + m.end(), ""
        while True:
            if i >= len(s):
                errors.append("line %d: unterminated label value" % lineno)
                return labels
            c = s[i]
            if c == "\\":
                if i + 1 >= len(s) or s[i + 1] not in '\\"n':
                    errors.append("line %d: bad escape in a label value" % lineno)
                    return labels
                val += {"\\": "\\", '"': '"', "n": "\n"}[s[i + 1]]
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                errors.append("line %d: raw newline in a label value" % lineno)
                return labels
            else:
                val += c
                i += 1
        if name in [l[0] for l in labels]:
            errors.append("line %d: label %s twice" % (lineno, name))
        labels.append((name, val))
        if i < len(s):
            if s[i] != ",":
                errors.append("line %d: expected ',' between labels" % lineno)
                return labels
            i += 1
    return labels
for lineno, line in enumerate(text.split("\n")[:-1], 1):
    if line == "":
        errors.append("line %d: empty line" % lineno)
        continue
    if line.startswith("#"):
        m = re.match(r'# (HELP|TYPE) (\S+) (.+)$', line)
        if not m:
            errors.append("line %d: a comment that is not HELP or TYPE: %r" % (lineno, line))
            continue
        kind, name, rest = m.groups()
        if not NAME.match(name):
            errors.append("line %d: bad metric name %r" % (lineno, name))
        if name in done:
            errors.append("line %d: %s comes back after another family" % (lineno, name))
        table = helps if kind == "HELP" else types
        if name in table:
            errors.append("line %d: second %s for %s" % (lineno, kind, name))
        table[name] = rest
        if kind == "TYPE":
            if rest not in TYPES:
                errors.append("line %d: unknown type %r" % (lineno, rest))
            if rest == "counter" and not name.endswith("_total"):
                errors.append("line %d: counter %s does not end in _total" % (lineno, name))
            if any(s.startswith(name + " ") or s.startswith(name + "{") for s in seen):
                errors.append("line %d: TYPE of %s after its samples" % (lineno, name))
        if current and current != name:
            done.add(current)
        current = name
        continue
    m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
    if not m:
        errors.append("line %d: not a sample: %r" % (lineno, line))
        continue
    name, _, lab, value = m.groups()
    if name in done or (current and name != current):
        errors.append("line %d: sample of %s outside its family" % (lineno, name))
    if name not in types:
        errors.append("line %d: %s has no TYPE line" % (lineno, name))
    if name not in helps:
        errors.append("line %d: %s has no HELP line" % (lineno, name))
    if not name.startswith("geosteer_") and name not in PROCESS:
        errors.append("line %d: %s is not prefixed geosteer_" % (lineno, name))
    labels = parse_labels(lab, lineno) if lab else []
    try:
        float(value)
    except ValueError:
        errors.append("line %d: value %r is not a number" % (lineno, value))
    key = name + "{" + ",".join('%s="%s"' % l for l in sorted(labels)) + "}"
    if key in seen:
        errors.append("line %d: series %s twice" % (lineno, key))
    seen.add(key)
    out.append("%s %s" % (line.rsplit(" ", 1)[0], value))
for name in types:
    if name not in helps:
        errors.append("%s has TYPE but no HELP" % name)
if errors:
    print("\n".join("ERROR: " + e for e in errors))
else:
    print("\n".join(out))
