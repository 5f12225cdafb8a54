#!/usr/bin/env python3
# check-layers.py -- checks that the C sources include each other in one direction only.
# Folders: the graph of #include "DIR/FILE.h" edges between folders (a file in
# server/query including server/health/health.h is the edge server/query ->
# server/health) must have no cycle. Modules (a FILE.c with its FILE.h): no cycle either,
# except the groups named in ALLOWED, each with its reason. Fails naming the files
# behind every edge of a cycle. Run by `make check`. Usage: check-layers.py [SRCDIR] [--graph]
import os
import re
import sys

DIRS = ("server", "zones", "geoip", "tools", "bench")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Module cycles that are one piece split in files, not layers.
ALLOWED = {
    # config.c is the facade of its parts, which take struct cfg from config.h
    # (config_coords reads one key of the schema: a map's coordinates; config_weight
    # reads the weighted groups of map lists for config_schema; config_fleet the
    # fleet section).
    ("server/config/config", "server/config/config_check", "server/config/config_coords",
     "server/config/config_fleet", "server/config/config_schema",
     "server/config/config_weight", "server/config/config_yaml"),
    # The walk of maps with weighted groups is steer_decide's other half, in a file of
    # its own so that the walk of every other map stays as it was.
    ("server/query/steer", "server/query/steer_weight"),
    # A worker owns its TCP engine, which reaches back to the worker's loop and context
    # (the UDP threads need nothing of the worker's).
    # tcp_room (which connection gives way at a full cap) is the TCP engine's other
    # half; its header holds the connection and worker structs both files use.
    ("server/tcp", "server/tcp_room", "server/worker"),
}


def edges(top, key=os.path.dirname):
    """node -> {node: [file, ...]} for every local include across nodes, where a node is
    key(path without extension): its folder by default."""
    out = {}
    for d in DIRS:
        for root, _, files in os.walk(os.path.join(top, d)):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, f)
                src = key(os.path.relpath(os.path.splitext(path)[0], top))
                with open(path, encoding="utf-8", errors="replace") as fh:
                    for inc in INCLUDE.findall(fh.read()):
                        dst = key(os.path.splitext(inc)[0])
                        if dst and dst != src:
                            rel = os.path.relpath(path, top)
                            out.setdefault(src, {}).setdefault(dst, []).append(rel)
    return out


def cycles(g):
    """Strongly connected components with more than one folder (Tarjan)."""
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(set(g) | {w for e in g.values() for w in e}):
        if v not in index:
            visit(v)
    return comps


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    status = 0
    for what, key, allowed in (("folders", os.path.dirname, set()),
                               ("modules", lambda p: p, ALLOWED)):
        g = edges(top, key)
        if "--graph" in sys.argv:
            for src in sorted(g):
                print(f"{src} -> {' '.join(sorted(g[src]))}")
        bad = [c for c in cycles(g) if tuple(c) not in allowed]
        for comp in bad:
            print(f"include cycle between {what}: " + " <-> ".join(comp))
            for a in comp:
                for b in comp:
                    for f in sorted(set(g.get(a, {}).get(b, []))):
                        print(f"  {a} -> {b}: {f}")
        if bad:
            status = 1
        else:
            print(f"{what}: {len(g)} in the include graph, no cycle "
                  f"(allowed: {len(allowed)} groups)")
    return status


if __name__ == "__main__":
    sys.exit(main())
