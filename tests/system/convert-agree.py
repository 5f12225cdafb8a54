#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# convert-agree.py -- the shared half of knot-convert.sh and pdns-convert.sh.
#   convert-agree.py db OUT.txt SEED      a GeoIP2-Country description for mkmmdb.pl:
#                                         random networks of a few countries and
#                                         continent-only ranges, gaps left unknown
#   convert-agree.py subnets DB.txt N SEED  N client /24s: most inside the networks,
#                                         some in the gaps
#   convert-agree.py compare PORT_A PORT_B SUBNETS NAME TYPE...
#                                         asks both servers (dnspython, ECS, UDP, one
#                                         try each, 2 s timeout) and prints the figures:
#                                         answers that agree, scopes that agree
# Exit status 1 when an answer differs (each difference is printed).
import random
import sys

import dns.edns
import dns.message
import dns.query
import dns.rcode

COUNTRIES = [('EU', 'DE'), ('EU', 'FR'), ('EU', 'GB'), ('NA', 'US'), ('NA', 'CA'),
             ('AS', 'JP'), ('AS', 'IN'), ('SA', 'BR'), ('OC', 'AU'), ('AF', 'ZA')]
REGIONS = ['EU', 'AS', 'NA']


def make_db(out, seed):
    rnd = random.Random(seed)
    lines = ["# type: GeoIP2-Country", "# written by tests/system/convert-agree.py"]
    for a in range(11, 60):
        for b in range(0, 256, 64):
            k = rnd.random()
            if k < 0.2:
                continue  # a gap: unknown to the database
            net = "%d.%d.0.0/18" % (a, b)
            if k < 0.3:
                lines.append("%s continent=%s" % (net, rnd.choice(REGIONS)))
            else:
                cn, cc = rnd.choice(COUNTRIES)
                lines.append("%s continent=%s country=%s" % (net, cn, cc))
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def make_subnets(db, n, seed):
    rnd = random.Random(seed)
    nets = [l.split()[0] for l in open(db) if l[:1].isdigit()]
    out = []
    for i in range(n):
        if rnd.random() < 0.85:
            a, b = map(int, rnd.choice(nets).split('.')[:2])
            out.append("%d.%d.%d.0/24" % (a, b, rnd.randrange(64)))  # inside the /18
        else:
            out.append("%d.%d.%d.0/24" % (rnd.randrange(11, 60), rnd.randrange(256),
                                          rnd.randrange(256)))
    print('\n'.join(out))


def ask(port, name, rtype, subnet):
    addr, plen = subnet.split('/')
    q = dns.message.make_query(name, rtype, use_edns=0,
                               options=[dns.edns.ECSOption(addr, int(plen))])
    q.flags &= ~dns.flags.RD
    r = dns.query.udp(q, '127.0.0.1', port=port, timeout=2)
    addrs = sorted(rd.to_text() for rr in r.answer for rd in rr if rr.rdtype in (1, 28))
    scope = None
    for o in r.options:
        if isinstance(o, dns.edns.ECSOption):
            scope = o.scopelen
    return dns.rcode.to_text(r.rcode()), addrs, scope


def compare(port_a, port_b, subnets, name, types):
    subs = [l.strip() for l in open(subnets) if l.strip()]
    total = same = scope_eq = scope_wider = with_addr = 0
    diffs = []
    for s in subs:
        for t in types:
            a = ask(port_a, name, t, s)
            b = ask(port_b, name, t, s)
            total += 1
            if a[:2] == b[:2]:
                same += 1
            else:
                diffs.append("DIFF %s %s: geosteer %s %s | other %s %s" % (
                    s, t, a[0], ','.join(a[1]), b[0], ','.join(b[1])))
            if a[1] and b[1]:
                with_addr += 1
                if a[2] == b[2]:
                    scope_eq += 1
                elif a[2] is not None and b[2] is not None and a[2] < b[2]:
                    scope_wider += 1
    answered = sum(1 for _ in subs) * len(types)
    print("subnets: %d, questions: %d (%s)" % (len(subs), total, ' '.join(types)))
    print("answers agree: %d of %d" % (same, total))
    print("ECS scopes of the %d address answers: equal %d, geosteer's network wider %d, "
          "other %d" % (with_addr, scope_eq, scope_wider, with_addr - scope_eq - scope_wider))
    for d in diffs[:20]:
        print(d)
    return 0 if same == total and answered == total else 1


def main(argv):
    if argv[0] == 'db':
        make_db(argv[1], int(argv[2]))
        return 0
    if argv[0] == 'subnets':
        make_subnets(argv[1], int(argv[2]), int(argv[3]))
        return 0
    if argv[0] == 'compare':
        return compare(int(argv[1]), int(argv[2]), argv[3], argv[4], argv[5:])
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
