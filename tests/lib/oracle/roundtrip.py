# SPDX-License-Identifier: GPL-2.0
"""The commands roundtrip (both directions against scapy, with counters),
ivcapture, ivcheck and stats, and what every command shares: its options
(common_args), its peer (make_peer, sa_labels) and the helper's self-check
(self_check)."""

import argparse
import json
import os
import socket
import struct
import subprocess
import sys

from .ah import AHPeer, AHSuite, ah_in_options, ah_out_options, ah_self_check
from .case import Case, Listener, tag
from .common import (AH_SUITES, IPPROTO_AH, NS_A, PORT_A_SRC, PORT_B, SPI_IN,
                     SPI_OUT, SUITES, load_scapy, out)
from .counters import Counters, Genl
from .esp import Peer, Suite
from .wire import Wire, esp_offset, setns


def common_args(p):
    p.add_argument('--suite', required=True,
                   choices=sorted(SUITES) + sorted(AH_SUITES))
    p.add_argument('--ekey', help='ESP suites only (required there)')
    p.add_argument('--akey')
    p.add_argument('--mode', default='transport', choices=('transport', 'tunnel'))
    p.add_argument('--outer', type=int, default=4, choices=(4, 6))
    p.add_argument('--inner', type=int, default=None, choices=(4, 6))
    p.add_argument('--esn', action='store_true')
    p.add_argument('--in-top', type=lambda x: int(x, 0), default=0,
                   help='highest sequence number the inbound SA has seen')
    p.add_argument('--out-start', type=lambda x: int(x, 0), default=0,
                   help='last sequence number the outbound SA sent')
    p.add_argument('--encap', action='store_true',
                   help='ESP in UDP (RFC 3948), port 4500 to 4500')


def make_peer(a):
    inner = a.inner or a.outer
    if a.suite in AH_SUITES:
        return AHPeer(AHSuite(a.suite, a.akey), a.mode, a.outer, inner, a.esn)
    if not a.ekey:
        raise SystemExit('FAIL: --ekey is required for ESP suite ' + a.suite)
    suite = Suite(a.suite, a.ekey, a.akey)
    return Peer(suite, a.mode, a.outer, inner, a.esn, encap=a.encap)


def sa_labels(peer):
    return {'in': (peer.ob, peer.oa, SPI_IN), 'out': (peer.oa, peer.ob, SPI_OUT)}


def self_check(peer, c):
    """The hand-made ESP must be byte-identical to scapy's for the same IV
    (else a failure below would be the helper's). AH: see ah_self_check."""
    if peer.protonum == IPPROTO_AH:
        return ah_self_check(peer, c)
    S = load_scapy()
    for n in (0, 1, 2, 3, 17):
        pkt = peer.udp(b'x' * n)
        iv = os.urandom(peer.suite.iv)
        a = peer.encrypt(pkt, 7 | (5 << 32 if peer.esn else 0), iv=iv)
        b = peer.manual(pkt, 7 | (5 << 32 if peer.esn else 0), iv=iv)
        if a != b:
            c.fail('helper-self-check', 'hand-made ESP differs from scapy '
                   'for a %d-byte payload' % n, [a, b])
            return False
    return True


def cmd_roundtrip(argv):
    """Both directions against scapy, with counters; see tests/vm/oracle.sh."""
    p = argparse.ArgumentParser(prog='roundtrip')
    common_args(p)
    a = p.parse_args(argv)
    S = load_scapy()
    peer = make_peer(a)
    c = Case('%s-%s%d%s%s' % (a.suite, a.mode, peer.inner if a.mode == 'tunnel'
                                else a.outer, '-esn' if a.esn else '',
                                '-udp' if a.encap else ''))
    fam = peer.inner if a.mode == 'tunnel' else a.outer
    if not self_check(peer, c):
        return c.done()
    wire = Wire()
    cnt = Counters(sa_labels(peer), peer.protonum)
    cnt.cross_check(c)
    lis = Listener(fam, peer.a)
    before = cnt.snap()
    T = a.in_top
    if a.esn:
        # Across the 2^32 boundary, one of them late (RFC 4303 A2.2 case B).
        hi = (T >> 32) + 1
        in_seqs = [T + 5, hi << 32 | 1, T + 11, hi << 32 | 2, hi << 32 | 3]
    else:
        in_seqs = [T + 1, T + 3, T + 2, T + 4, T + 5]
    oseq = a.out_start

    # 1. scapy -> kipsec: UDP datagrams of several sizes.
    sent = []
    for i, (seq, size) in enumerate(zip(in_seqs[:3], (1, 200, 1200))):
        data = tag(c.name + ' in', i, size)
        f = peer.encrypt(peer.udp(data), seq)
        wire.send(f)
        sent.append((data, f))
    lis.wait([d for d, _ in sent])
    for data, f in sent:
        src = [g for g in lis.got if g[0] == data]
        c.check('in-udp-%d' % len(data), src and src[0][1:] == (peer.b, PORT_B),
                'scapy-built %s (seq %d) not delivered to the UDP socket '
                '(received: %r)' % (peer.proto, in_seqs[sent.index((data, f))],
                                    [(g[0][:24], g[1], g[2]) for g in lis.got]),
                [f])
    if peer.protonum == IPPROTO_AH:
        # 1b. AH only: with IP options / IPv6 extension headers, in
        # fragments.
        in_seqs += ah_in_options(c, peer, wire, lis, in_seqs)

    # 2. scapy's echo request in, kipsec's echo reply out.
    wire.drain()
    ident, pattern = 0x4b49, bytes(range(0x40, 0x40 + 56))
    if fam == 4:
        req = peer.inner_ip() / S.ICMP(type=8, id=ident, seq=1) / S.Raw(pattern)
    else:
        req = peer.inner_ip() / S.ICMPv6EchoRequest(id=ident, seq=1, data=pattern)
    f = peer.encrypt(req, in_seqs[3])
    wire.send(f)
    ip = wire.recv_esp(10, SPI_OUT, peer.protonum)
    oseq += 1
    if c.check('echo-reply-sent', ip is not None,
               'no %s echo reply from kipsec to a scapy-built echo request'
               % peer.proto, [f]):
        peer.check_out(c, ip, oseq, 'echo-reply')
        try:
            d = peer.decrypt(ip, oseq)
            if fam == 4:
                ok = (d.src, d.dst, d.proto) == (peer.a, peer.b, 1) and \
                    d[S.ICMP].type == 0 and d[S.ICMP].id == ident and \
                    d[S.ICMP].seq == 1 and S.raw(d[S.ICMP].payload) == pattern
            else:
                e = d.getlayer(S.ICMPv6EchoReply)
                ok = (d.src, d.dst) == (peer.a, peer.b) and e is not None and \
                    e.id == ident and e.seq == 1 and e.data == pattern
            c.check('echo-reply-content', ok, 'scapy decrypted an unexpected '
                    'reply: %r' % d, [ip])
        except Exception as e:
            c.fail('echo-reply-decrypt', 'scapy cannot decrypt kipsec\'s '
                   'reply (seq %d): %s' % (oseq, e), [ip])

    # 3. kipsec -> scapy: UDP datagrams, decrypted to exactly what was sent.
    setns(NS_A)
    tx = socket.socket(lis.s.family, socket.SOCK_DGRAM)
    tx.bind((peer.a, PORT_A_SRC))
    wire.drain()
    for i, size in enumerate((0, 37, 1000)):
        data = tag(c.name + ' out', i, size)
        tx.sendto(data, (peer.b, PORT_B))
        ip = wire.recv_esp(10, SPI_OUT, peer.protonum)
        oseq += 1
        what = 'out-udp-%d' % size
        if not c.check(what + '-sent', ip is not None,
                       'kipsec sent no %s for a %d-byte datagram' %
                       (peer.proto, size)):
            continue
        peer.check_out(c, ip, oseq, what)
        try:
            d = peer.decrypt(ip, oseq)
        except Exception as e:
            c.fail(what, 'scapy cannot decrypt it (seq %d): %s' % (oseq, e), [ip])
            continue
        u = d[S.UDP]
        fixed = d.__class__(S.raw(d))
        del fixed[S.UDP].chksum
        if fam == 4:
            del fixed.chksum
        fixed = fixed.__class__(S.raw(fixed))
        c.check(what, (d.src, d.dst, u.sport, u.dport) ==
                (peer.a, peer.b, PORT_A_SRC, PORT_B) and
                S.raw(u.payload) == data and
                u.chksum == fixed[S.UDP].chksum and
                (fam == 6 or d.chksum == fixed.chksum),
                'decrypted to %r, want %s:%d -> %s:%d with %r and valid '
                'checksums' % (d, peer.a, PORT_A_SRC, peer.b, PORT_B, data),
                [ip])
    out_pkts = 5
    if peer.protonum == IPPROTO_AH:
        # 3b. AH only: kt-a's datagrams with IP options / extension
        # headers and DSCP, and one of 3000 bytes.
        n = ah_out_options(c, peer, wire, tx, oseq)
        oseq += n
        out_pkts += n
    tx.close()

    # 4. ping -p from kt-a; scapy answers the decrypted request.
    wire.drain()
    pat = 'deadbeef6b6970736563010203040506'
    setns(NS_A)
    ping = subprocess.Popen(['ping', '-%d' % fam, '-c', '1', '-W', '20', '-s',
                             '64', '-p', pat, '-I', peer.a, peer.b],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    ip = wire.recv_esp(20, SPI_OUT, peer.protonum)
    oseq += 1
    if c.check('ping-request-sent', ip is not None, 'kipsec sent no %s for '
               'ping -p %s' % (peer.proto, pat)):
        peer.check_out(c, ip, oseq, 'ping-request')
        try:
            d = peer.decrypt(ip, oseq)
            e = d[S.ICMP] if fam == 4 else d.getlayer(S.ICMPv6EchoRequest)
            data = S.raw(e.payload) if fam == 4 else e.data
            ok = (d.src, d.dst) == (peer.a, peer.b) and \
                e.type == (8 if fam == 4 else 128) and len(data) == 64 and \
                bytes.fromhex(pat) * 2 in data
            c.check('ping-request-content', ok, 'decrypted to %r, want an echo '
                    'request with 64 bytes of pattern %s' % (d, pat), [ip])
            if fam == 4:
                rep = peer.inner_ip() / S.ICMP(type=0, id=e.id, seq=e.seq) / S.Raw(data)
            else:
                rep = peer.inner_ip() / S.ICMPv6EchoReply(id=e.id, seq=e.seq, data=data)
            f = peer.encrypt(rep, in_seqs[4])
            wire.send(f)
        except Exception as e:
            c.fail('ping-request-decrypt', 'scapy cannot decrypt it (seq %d): '
                   '%s' % (oseq, e), [ip])
            f = None
    try:
        pout, _ = ping.communicate(timeout=25)
    except subprocess.TimeoutExpired:
        ping.kill()
        pout, _ = ping.communicate()
    c.check('ping-reply-delivered', ping.returncode == 0,
            'ping did not get scapy\'s %s echo reply: %s' %
            (peer.proto, pout.strip()[-200:]),
            [f] if f else [])

    # 5. ESN: the high half is authenticated (a wrong one fails the ICV).
    expect = {'in.pkts': len(in_seqs), 'out.pkts': out_pkts}
    if a.esn:
        hi = in_seqs[-1] >> 32
        bad_seq = (hi - 1) << 32 | ((in_seqs[-1] + 1) & 0xffffffff)
        data = tag(c.name + ' wrong-hi', 0)
        f = peer.encrypt(peer.udp(data), bad_seq)
        wire.send(f)
        expect['in.in-auth'] = 1
        good = tag(c.name + ' after-wrong-hi', 0)
        f2 = peer.encrypt(peer.udp(good), in_seqs[-1] + 2)
        wire.send(f2)
        expect['in.pkts'] += 1
        lis.wait([good])
        c.check('esn-wrong-high-half', not lis.has(data) and lis.has(good),
                '%s whose ICV covers high half %d instead of %d: delivered %s, '
                'next valid one delivered %s' % (peer.proto, hi - 1, hi, lis.has(data),
                                                 lis.has(good)), [f, f2])
        in_seqs.append(in_seqs[-1] + 2)

    # 6. Counters: what went through, no drop anywhere; in tunnel-mode AH
    # the inner fragments of 1b were reassembled by kipsec (one datagram).
    if peer.protonum == IPPROTO_AH and peer.mode == 'tunnel':
        expect['ns.in-frag-reasm'] = 1
    bad = cnt.expect(before, expect)
    c.check('counters', not bad, 'counter deltas: ' + ', '.join(bad))
    j_in, j_out = cnt.sa('in'), cnt.sa('out')
    top = max(in_seqs)
    got_in = j_in.get('replay-seq-hi', 0) << 32 | j_in.get('replay-seq', 0)
    got_out = j_out.get('replay-oseq-hi', 0) << 32 | j_out.get('replay-oseq', 0)
    c.check('sequence-numbers', got_in == top and got_out == oseq,
            'inbound SA shows highest seq 0x%x (want 0x%x), outbound SA last '
            'sent 0x%x (want 0x%x)' % (got_in, top, got_out, oseq))
    return c.done()


def cmd_ivcapture(argv):
    """kt-a sends COUNT datagrams; prints one JSON line per ESP packet."""
    p = argparse.ArgumentParser(prog='ivcapture')
    common_args(p)
    p.add_argument('--count', type=int, default=32)
    a = p.parse_args(argv)
    S = load_scapy()
    peer = make_peer(a)
    fam = peer.inner if a.mode == 'tunnel' else a.outer
    c = Case('ivcapture-' + a.suite)
    wire = Wire()
    setns(NS_A)
    tx = socket.socket(socket.AF_INET if fam == 4 else socket.AF_INET6,
                       socket.SOCK_DGRAM)
    tx.bind((peer.a, PORT_A_SRC))
    rows = []
    for i in range(a.count):
        data = tag('iv', i, 20 + i)
        tx.sendto(data, (peer.b, PORT_B))
        ip = wire.recv_esp(10, SPI_OUT)
        if ip is None:
            c.fail('capture', 'kipsec sent no ESP for datagram %d' % i)
            break
        off = esp_offset(ip)
        spi, lo = struct.unpack('!II', ip[off:off + 8])
        iv = ip[off + 8:off + 8 + peer.suite.iv]
        try:
            d = peer.decrypt(ip, lo)
            ok = S.raw(d[S.UDP].payload) == data
        except Exception:
            ok = False
        if not ok:
            c.fail('decrypt', 'packet seq %d does not decrypt to datagram %d' %
                   (lo, i), [ip])
        rows.append(dict(spi=spi, seq=lo, iv=iv.hex(), ok=ok))
    for r in rows:
        sys.stdout.write(json.dumps(r) + '\n')
    return c.done()


def cmd_ivcheck(argv):
    """No IV repeats across the captures given (files of ivcapture rows)."""
    c = Case('iv-unique')
    rows = []
    for i, path in enumerate(argv):
        mine = [json.loads(l) for l in open(path) if l.startswith('{')]
        c.check('capture-%d' % i, mine and all(r['ok'] for r in mine) and
                [r['seq'] for r in mine] == list(range(1, len(mine) + 1)),
                'capture %d: %d packets, sequence numbers %s' %
                (i, len(mine), [r['seq'] for r in mine][:8]))
        rows += [(i, r) for r in mine]
    seen = {}
    for i, r in rows:
        if r['iv'] in seen:
            j, q = seen[r['iv']]
            c.fail('iv', 'IV %s used by install %d seq %d and install %d seq %d'
                   % (r['iv'], j, q['seq'], i, r['seq']))
        seen[r['iv']] = (i, r)
    pairs = {(r['seq'], r['iv']) for _, r in rows}
    c.check('iv-unique', len(seen) == len(rows) and len(pairs) == len(rows),
            '%d packets, %d distinct IVs' % (len(rows), len(seen)))
    out('%d packets from %d installs of one key, %d distinct IVs' %
        (len(rows), len(argv), len(seen)))
    return c.done()


def cmd_stats(argv):
    setns(NS_A if not argv else argv[0])
    out(json.dumps(Genl().stats()))
    return 0
