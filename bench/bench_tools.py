# SPDX-License-Identifier: MIT
# bench/bench_tools.py -- helpers of bench/bench.sh that the shell does badly:
#   ecs-queries MMDB N1 N2 OUT
#                            N2 A queries for the steered names, each with an ECS option
#                            for a /24 or /48 that the database places in a country, in
#                            dnsperf's binary input format (-B: 2-byte length, message):
#                            the first N1 into OUT.1, all N2 into OUT.2; prints the
#                            number of countries and the first 40 subnets.
#   first-answer PORT NAME LOG CMD...
#                            starts CMD, sends an SOA query for NAME to 127.0.0.1:PORT
#                            every 5 ms until one is answered (at most 120 s), then
#                            prints "SECONDS RSS_KIB PID" (RSS of the started process,
#                            read once it answers); CMD keeps running.
# Needs python3-dnspython; ecs-queries reads the database with perl's
# MaxMind::DB::Reader (libmaxmind-db-reader-perl).
import random
import socket
import struct
import subprocess
import sys
import time

import dns.edns
import dns.message
import dns.rdatatype

PERL_LOCATE = r'''
use strict; use warnings; use MaxMind::DB::Reader;
my $r = MaxMind::DB::Reader->new(file => $ARGV[0]);
while (my $a = <STDIN>) {
    chomp $a;
    my $rec = eval { $r->record_for_address($a) };
    my $cc = $rec && $rec->{country} ? $rec->{country}{iso_code} : "";
    print "$a ", ($cc // ""), "\n";
}
'''


def candidates(rnd, n):
    """Random public IPv4 addresses and IPv6 addresses in the registries' blocks."""
    blocks6 = [(0x2001_0200, 23), (0x2a00, 12), (0x2600, 12), (0x2800, 12),
               (0x2c00, 12), (0x2400, 12)]
    out = []
    for i in range(n):
        if i % 4 != 3:
            while True:
                a = rnd.randrange(1 << 32)
                if 1 <= a >> 24 <= 223 and a >> 24 not in (10, 127, 100, 169, 172, 192):
                    break
            out.append(socket.inet_ntop(socket.AF_INET, struct.pack('!I', a & ~0xff)))
        else:
            top, plen = rnd.choice(blocks6)
            bits = 32 if top > 0xffff else 16
            base = top << (128 - bits)
            a = base | (rnd.randrange(1 << (128 - plen)) & ((1 << (128 - plen)) - 1))
            a &= ~((1 << 80) - 1)  # a /48
            out.append(socket.inet_ntop(socket.AF_INET6, a.to_bytes(16, 'big')))
    return out


def ecs_queries(mmdb, n1, n, out_path):
    rnd = random.Random(1)
    cands = candidates(rnd, n * 2)
    p = subprocess.run(['perl', '-e', PERL_LOCATE, mmdb], input='\n'.join(cands) + '\n',
                       capture_output=True, text=True, check=True)
    located = [line.split() for line in p.stdout.splitlines()]
    located = [(f[0], f[1]) for f in located if len(f) == 2]
    if len(located) < n:
        sys.exit('ecs-queries: only %d of %d addresses located' % (len(located), len(cands)))
    located = located[:n]
    names = ['text-addrs.wikimedia.test.', 'text-next.wikimedia.test.']
    wire = []
    for i, (addr, _) in enumerate(located):
        plen = 48 if ':' in addr else 24
        q = dns.message.make_query(names[i % 2], dns.rdatatype.A, use_edns=0,
                                   options=[dns.edns.ECSOption(addr, plen)])
        q.flags = 0  # no RD, as a resolver asks an authoritative server
        w = q.to_wire()
        wire.append(struct.pack('!H', len(w)) + w)
    with open(out_path + '.1', 'wb') as f:
        f.write(b''.join(wire[:n1]))
    with open(out_path + '.2', 'wb') as f:
        f.write(b''.join(wire))
    countries = sorted({cc for _, cc in located})
    print('%d %s' % (len(countries), ' '.join('%s/%d' % (a, 48 if ':' in a else 24)
                                               for a, _ in located[:40])))


def first_answer(port, name, log, cmd):
    q = dns.message.make_query(name, dns.rdatatype.SOA).to_wire()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.005)
    with open(log, 'wb') as lf:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT)
    while time.monotonic() - t0 < 120:
        if proc.poll() is not None:
            sys.exit('first-answer: %s exited with %d' % (cmd[0], proc.returncode))
        s.sendto(q, ('127.0.0.1', port))
        try:
            data = s.recv(4096)
            if len(data) >= 4 and data[:2] == q[:2]:
                break
        except socket.timeout:
            pass
    else:
        proc.terminate()
        sys.exit('first-answer: no answer on port %d within 120 s' % port)
    elapsed = time.monotonic() - t0
    rss = 0
    with open('/proc/%d/status' % proc.pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                rss = int(line.split()[1])
    print('%.3f %d %d' % (elapsed, rss, proc.pid))
    sys.stdout.flush()


def main():
    if len(sys.argv) >= 6 and sys.argv[1] == 'ecs-queries':
        ecs_queries(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif len(sys.argv) >= 6 and sys.argv[1] == 'first-answer':
        first_answer(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit(__doc__ if __doc__ else 'usage: see the comment at the top')


if __name__ == '__main__':
    main()
