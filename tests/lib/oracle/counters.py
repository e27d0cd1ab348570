# SPDX-License-Identifier: GPL-2.0
"""kipsec's counters in kt-a: read over generic netlink (Genl: GET_STATS,
GET_SA), snapshot and compared with what a case expects (Counters), and
cross-checked once with what the kipsec tool shows."""

import json
import os
import re
import socket
import struct
import subprocess
import time

from .common import IPPROTO_AH, IPPROTO_ESP, NS_A, UAPI, out
from .wire import setns


def uapi_enum(text, name):
    m = re.search(r'enum\s+%s\s*\{(.*?)\};' % name, text, re.S)
    body = re.sub(r'/\*.*?\*/', '', m.group(1), flags=re.S)
    vals, n = {}, 0
    for item in body.split(','):
        item = item.strip()
        if not item:
            continue
        if '=' in item:
            k, v = (x.strip() for x in item.split('=', 1))
            n = int(v, 0)
        else:
            k = item
        vals[k] = n
        n += 1
    return vals


class Genl:
    """KIPSEC_CMD_GET_STATS, read from the netns this was created in."""

    def __init__(self):
        text = open(UAPI).read()
        self.cmd = uapi_enum(text, 'kipsec_cmd')
        self.attr = uapi_enum(text, 'kipsec_attr')
        st = uapi_enum(text, 'kipsec_stats_attr')
        self.sa_attr = uapi_enum(text, 'kipsec_sa_attr')
        self.cur_attr = uapi_enum(text, 'kipsec_cur_attr')
        self.names = {v: k[len('KIPSEC_STATS_A_'):].lower().replace('_', '-')
                      for k, v in st.items()
                      if k not in ('KIPSEC_STATS_A_UNSPEC', 'KIPSEC_STATS_A_PAD')
                      and not k.startswith('__')}
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.sock.bind((0, 0))
        self.seq = 1
        reply = self.request(0x10, struct.pack('BBH', 3, 1, 0) +
                             self.nla(2, b'kipsec\0'))
        self.family = struct.unpack('H', self.attrs(reply[4:])[1][:2])[0]

    @staticmethod
    def nla(t, data):
        n = 4 + len(data)
        return struct.pack('HH', n, t) + data + b'\0' * (-n % 4)

    @staticmethod
    def attrs(buf):
        a, off = {}, 0
        while off + 4 <= len(buf):
            n, t = struct.unpack('HH', buf[off:off + 4])
            if n < 4:
                break
            a[t & 0x3fff] = buf[off + 4:off + n]
            off += (n + 3) & ~3
        return a

    def request(self, mtype, payload):
        self.seq += 1
        msg = struct.pack('IHHII', 16 + len(payload), mtype, 1, self.seq, 0)
        self.sock.send(msg + payload)
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                n, t, _, seq, _ = struct.unpack('IHHII', data[off:off + 16])
                body = data[off + 16:off + n]
                off += (n + 3) & ~3
                if seq != self.seq:
                    continue
                if t == 2:
                    err = struct.unpack('i', body[:4])[0]
                    raise OSError(-err, 'netlink: %s' % os.strerror(-err))
                return body

    def stats(self):
        """The netns counters, named as "kipsec -j stats" names them
        (the uapi name in lower case, '-' for '_')."""
        body = self.request(self.family, struct.pack(
            'BBH', self.cmd['KIPSEC_CMD_GET_STATS'], 1, 0))
        return self.counters(self.attrs(body[4:])[self.attr['KIPSEC_A_STATS']])

    def counters(self, nest):
        return {self.names[t]: struct.unpack('Q', v)[0]
                for t, v in self.attrs(nest).items() if t in self.names}

    def sa(self, daddr, spi, proto=50):
        """KIPSEC_CMD_GET_SA: (drop counters, lifetime packets)."""
        fam = socket.AF_INET6 if ':' in daddr else socket.AF_INET
        a = self.sa_attr
        nest = (self.nla(a['KIPSEC_SA_A_FAMILY'], struct.pack('H', fam)) +
                self.nla(a['KIPSEC_SA_A_DADDR'], socket.inet_pton(fam, daddr)) +
                self.nla(a['KIPSEC_SA_A_SPI'], struct.pack('!I', spi)) +
                self.nla(a['KIPSEC_SA_A_PROTO'], struct.pack('B', proto)))
        body = self.request(self.family, struct.pack(
            'BBH', self.cmd['KIPSEC_CMD_GET_SA'], 1, 0) +
            self.nla(self.attr['KIPSEC_A_SA'] | 0x8000, nest))
        sa = self.attrs(self.attrs(body[4:])[self.attr['KIPSEC_A_SA']])
        # An SA's STATS nest carries only non-zero counters: absent is 0.
        st = dict({n: 0 for n in self.names.values()},
                  **self.counters(sa.get(a['KIPSEC_SA_A_STATS'], b'')))
        cur = self.attrs(sa.get(a['KIPSEC_SA_A_CUR'], b''))
        pk = cur.get(self.cur_attr['KIPSEC_CUR_A_PACKETS'])
        return st, struct.unpack('Q', pk)[0] if pk else 0


def kipsec(*args):
    """Runs the kipsec tool in kt-a; its JSON output, parsed."""
    setns(NS_A)
    r = subprocess.run(('kipsec', '-j') + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode:
        raise RuntimeError('kipsec %s: %s' % (' '.join(args), r.stderr.strip()))
    return json.loads(r.stdout)


class Counters:
    """Snapshots of kipsec's counters in kt-a, read over generic netlink:
    "<sa>.<name>" per SA (its drop counters and "pkts", lifetime packets),
    "ns.<name>" per netns; names as "kipsec -j stats" has them
    (passthrough, in-auth, in-replay, ...). cross_check() compares them
    once with what the tool shows."""

    NS_SKIP = ('sa-count', 'policy-count', 'events-lost')
    # "kipsec -j -s state get" names of the per-SA counters.
    CLI_SA = {'replay': 'in-replay', 'failed': 'in-auth',
              'padding': 'in-padding', 'malformed': 'in-malformed',
              'policy': 'in-policy', 'selector': 'in-selector',
              'larval': 'in-larval', 'tfc': 'in-tfc', 'no-sa': 'out-no-sa',
              'seq-overflow': 'out-seq-overflow', 'no-memory': 'no-memory',
              'expired': 'expired', 'encap-mismatch': 'in-encap-mismatch'}

    def __init__(self, sas, proto=IPPROTO_ESP):
        self.sas = sas		# label -> (src, dst, spi)
        self.proto = proto
        setns(NS_A)
        self.genl = Genl()

    def sa(self, label):
        """The SA as "kipsec -j -s state get" shows it."""
        src, dst, spi = self.sas[label]
        return kipsec('-s', 'state', 'get', 'src', src, 'dst', dst, 'proto',
                      'ah' if self.proto == IPPROTO_AH else 'esp',
                      'spi', '0x%x' % spi)

    def snap(self):
        c = {}
        for label, (src, dst, spi) in self.sas.items():
            st, pkts = self.genl.sa(dst, spi, self.proto)
            for k, v in st.items():
                c['%s.%s' % (label, k)] = v
            c[label + '.pkts'] = pkts
        for k, v in self.genl.stats().items():
            if k not in self.NS_SKIP:
                c['ns.' + k] = v
        return c

    def cross_check(self, c):
        """The tool shows what netlink says (read around it: traffic may
        still move the counters)."""
        a = self.snap()
        cli = {'ns.' + k: v for k, v in kipsec('stats').items()
               if k not in self.NS_SKIP}
        for label in self.sas:
            j = self.sa(label)
            for k, v in j.get('stats', {}).items():
                cli['%s.%s' % (label, self.CLI_SA.get(k, k))] = v
            cli[label + '.pkts'] = j.get('lifetime', {}).get('packets', 0)
        b = self.snap()
        bad = ['%s: tool %s, netlink %s..%s' % (k, cli.get(k), a.get(k), b.get(k))
               for k in sorted(cli)
               if k not in a or not a[k] <= cli[k] <= b[k]]
        c.check('tool-counters-match-netlink', not bad, '; '.join(bad))
        hidden = sorted(k for k in b if k not in cli and b[k])
        if hidden:
            out('note: non-zero counters the tool does not show: '
                + ', '.join('%s %d' % (k, b[k]) for k in hidden))

    @staticmethod
    def with_netns(e):
        """@e plus, for every drop counted on an SA, the same drop in the
        netns (kipsec counts both; unless @e says otherwise)."""
        e = dict(e)
        for k, v in list(e.items()):
            label, name = k.split('.', 1)
            if label == 'ns' or name == 'pkts' or 'ns.' + name in e:
                continue
            total = [e[x] for x in e if x.split('.', 1)[0] != 'ns' and
                     x.split('.', 1)[1] == name]
            e['ns.' + name] = None if None in total else sum(total)
        return e

    @classmethod
    def diff(cls, before, now, expect):
        """Mismatches between the deltas and @expect (one dict, or a list
        of acceptable dicts); a key missing from @expect must not move, a
        key mapped to None may do anything."""
        alts = expect if isinstance(expect, list) else [expect]
        best = None
        for e in alts:
            e = cls.with_netns(e)
            bad = []
            for k in sorted(set(before) | set(now) | set(e)):
                if k in e and e[k] is None:
                    continue
                d = now.get(k, 0) - before.get(k, 0)
                if d != e.get(k, 0):
                    bad.append('%s %+d (want %+d)' % (k, d, e.get(k, 0)))
            if not bad:
                return []
            if best is None:
                best = bad
        return best

    def expect(self, before, expect, timeout=6.0):
        """Waits until the deltas since @before are @expect, then checks
        that they stay so; returns the mismatches (empty if none)."""
        end = time.monotonic() + timeout
        while True:
            bad = self.diff(before, self.snap(), expect)
            if not bad or time.monotonic() > end:
                break
            time.sleep(0.2)
        if not bad:
            time.sleep(0.3)
            bad = self.diff(before, self.snap(), expect)
        return bad
