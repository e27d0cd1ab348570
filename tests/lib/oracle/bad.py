# SPDX-License-Identifier: GPL-2.0
"""ESP bad input (the "bad" command): Bad runs the steps against kipsec's
inbound SA; one function per case of BAD_CASES (ah_bad.py adds AH's)."""

import argparse
import os
import struct
import time

from .case import Case, Listener, tag
from .common import (NATT_PORT, NS_A, OUTER, PORT_A, PORT_B, SPI_IN,
                     load_scapy, out)
from .counters import Counters
from .esp import Peer, dst_addr, fix_lengths, ip_version, udp_checksum
from .roundtrip import common_args, make_peer, sa_labels, self_check
from .wire import Wire, esp_offset, setns


class GiveUp(Exception):
    pass


class Bad:
    """Runs bad-input steps against kipsec's inbound SA in kt-a. After
    MAX_FAILS failed steps the rest is skipped (each failed step waits
    seconds: a badly broken kipsec would otherwise run into the test's
    time limit before saying anything)."""

    MAX_FAILS = 3

    def __init__(self, a, name, extra_sas=None):
        self.peer = make_peer(a)
        self.c = Case(name)
        self.ok = self_check(self.peer, self.c)
        if os.environ.get('ORACLE_DEBUG'):
            out('debug: self_check %.1fs' % (time.monotonic() - self.c.t0))
        self.wire = Wire()
        sas = sa_labels(self.peer)
        sas.update(extra_sas or {})
        self.cnt = Counters(sas, self.peer.protonum)
        self.cnt.cross_check(self.c)
        fam = self.peer.inner if a.mode == 'tunnel' else a.outer
        self.lis = Listener(fam, '0.0.0.0' if fam == 4 else '::')
        self.n = 0
        # Sequence numbers above what the inbound SA saw (0 unless set).
        self.base = a.in_top
        self.udp_mib = False	# step() checks the kernel's UDP counters

    def s(self, n):
        """Sequence number @n of the current group of steps (0 stays 0)."""
        return self.base + n if n else 0

    def step(self, what, frames, expect, delivered=(), not_delivered=(),
             udp=None):
        """Sends @frames; @expect: counter deltas; @delivered payloads must
        arrive, @not_delivered must not; @udp: deltas of the kernel's UDP
        counters in kt-a (udp_mib(); with @udp or self.udp_mib set, those
        not named must not move)."""
        fam = ip_version(frames[0])
        mib = udp_mib(fam) if udp or self.udp_mib else None
        before = self.cnt.snap()
        for f in frames:
            self.wire.send(f)
        arrived = self.lis.wait(delivered) if delivered else True
        bad = self.cnt.expect(before, expect)
        end, want = time.monotonic() + 3, udp or {}
        while mib:
            now = udp_mib(fam)
            bad_udp = ['Udp%s%s %+d (want %+d)' % (
                '' if fam == 4 else '6', k, now[k] - mib[k], want.get(k, 0))
                for k in UDP_MIB if now[k] - mib[k] != want.get(k, 0)]
            if not bad_udp or time.monotonic() > end:
                bad += bad_udp
                break
            time.sleep(0.2)
        leaked = [d for d in not_delivered if self.lis.has(d)]
        why = []
        if bad:
            why.append('counter deltas: ' + ', '.join(bad))
        if not arrived:
            why.append('valid packet not delivered')
        if leaked:
            why.append('delivered %d packet(s) that must be dropped' % len(leaked))
        self.c.check(what, not why, '; '.join(why), frames)
        if self.c.fails >= self.MAX_FAILS:
            raise GiveUp()

    def udp(self, src=None):
        """A fresh datagram for the peer's inner addresses: (payload, pkt)."""
        self.n += 1
        data = tag(self.c.name, self.n)
        return data, self.peer.udp(data, src=src)


# The kernel's UDP drop counters (/proc/net/snmp's Udp, snmp6's Udp6) a
# step checks: what kipsec's encapsulation socket never sees.
UDP_MIB = ('InErrors', 'InCsumErrors', 'NoPorts')


def udp_mib(fam):
    """kt-a's UDP counters of family @fam: {name: value} for UDP_MIB."""
    setns(NS_A)
    if fam == 4:
        rows = [l.split() for l in open('/proc/self/net/snmp')
                if l.startswith('Udp:')]
        d = dict(zip(rows[0][1:], (int(x) for x in rows[1][1:])))
    else:
        d = {}
        for l in open('/proc/self/net/snmp6'):
            k, v = l.split()
            if k.startswith('Udp6'):
                d[k[4:]] = int(v)
    return {k: d[k] for k in UDP_MIB}


def cmd_bad(argv):
    """bad CASE[,CASE...] OPTIONS: bad-input cases, one after the other
    against the same SAs (each case's sequence numbers 10000 above the
    previous one's)."""
    p = argparse.ArgumentParser(prog='bad')
    p.add_argument('cases')
    common_args(p)
    p.add_argument('--larval-spi', type=lambda x: int(x, 0))
    a = p.parse_args(argv)
    cases = a.cases.split(',')
    for name in cases:
        if name not in BAD_CASES:
            out('FAIL: no bad-input case %r (have %s)' % (name, ', '.join(BAD_CASES)))
            return 2
    extra = {}
    if a.larval_spi:
        o = OUTER[a.outer]
        extra['larval'] = (o[1], o[0], a.larval_spi)
    t0 = time.monotonic()
    b = Bad(a, 'bad-%s' % a.suite, extra)
    if os.environ.get('ORACLE_DEBUG'):
        out('debug: setup %.1fs' % (time.monotonic() - t0))
    if b.ok:
        try:
            for name in cases:
                b.c.name = 'bad-%s/%s' % (a.suite, name)
                BAD_CASES[name](b, a)
                b.base += 10000
        except GiveUp:
            out('FAIL: %s: %d steps failed, the rest skipped' %
                (b.c.name, b.c.fails))
    return b.c.done()


def bad_auth(b, a):
    """ICV failures: wrong key, flipped ICV/ciphertext/IV bits, a sequence
    number other than the one the ICV covers; window must not move."""
    P = b.peer
    d, pkt = b.udp()
    wrong = Peer(P.suite.other_keys(), P.mode, P.outer, P.inner, P.esn)
    b.step('wrong-key', [wrong.encrypt(pkt, b.s(1))], {'in.in-auth': 1},
           not_delivered=[d])
    # All with sequence number 2: a packet failing its ICV must not mark
    # its number as seen.
    for what, pos in (('flipped-icv-bit', -1),
                      ('flipped-ciphertext-bit', -P.suite.icv - 3),
                      ('flipped-iv-bit', None)):
        d, pkt = b.udp()
        f = bytearray(P.encrypt(pkt, b.s(2)))
        if pos is None:
            pos = esp_offset(f) + 8 + 1
        f[pos] ^= 0x01
        b.step(what, [bytes(f)], {'in.in-auth': 1}, not_delivered=[d])
    # The sequence number field changed: the ICV covers another one; a
    # forged high number must not move the window either.
    d, pkt = b.udp()
    f = bytearray(P.encrypt(pkt, b.s(3)))
    off = esp_offset(f)
    f[off + 4:off + 8] = struct.pack('!I', b.s(1000))
    b.step('forged-sequence-number', [bytes(f)], {'in.in-auth': 1},
           not_delivered=[d])
    d, pkt = b.udp()
    b.step('valid-after-forged', [P.encrypt(pkt, b.s(2))], {'in.pkts': 1},
           delivered=[d])


def bad_replay(b, a):
    """Replay window 32: duplicates, behind the window, its exact edge."""
    P = b.peer
    sent = {}

    def valid(what, seq, expect, ok):
        d, pkt = b.udp()
        f = P.encrypt(pkt, b.s(seq))
        sent[seq] = (d, f)
        b.step(what, [f], expect, delivered=[d] if ok else [],
               not_delivered=[] if ok else [d])

    def again(what, seq):
        d, f = sent[seq]
        before = len([g for g in b.lis.got if g[0] == d])
        b.step(what, [f], {'in.in-replay': 1})
        b.lis.poll(0.2)
        now = len([g for g in b.lis.got if g[0] == d])
        b.c.check(what + '-not-delivered', now == before,
                  'a replayed packet was delivered again', [f])

    valid('seq-1', 1, {'in.pkts': 1}, True)
    again('replay-seq-1', 1)
    valid('seq-100', 100, {'in.pkts': 1}, True)
    valid('seq-50-behind-window', 50, {'in.in-replay': 1}, False)
    valid('seq-69-last-in-window', 69, {'in.pkts': 1}, True)
    valid('seq-68-first-behind-window', 68, {'in.in-replay': 1}, False)
    again('replay-seq-69', 69)
    again('replay-seq-100', 100)
    valid('seq-0', 0, {'in.in-replay': 1}, False)
    valid('seq-101', 101, {'in.pkts': 1}, True)


def bad_truncated(b, a):
    """ESP cut short: kipsec must count it malformed."""
    P = b.peer
    d, pkt = b.udp()
    full = P.encrypt(pkt, b.s(1))
    off = esp_offset(full)
    S = load_scapy()

    def cut(n):
        """@full with its ESP cut to @n bytes (IP lengths fixed)."""
        ip = (S.IP if ip_version(full) == 4 else S.IPv6)(full[:off])
        return S.raw(fix_lengths(ip / S.Raw(full[off:off + n])))

    hdr_iv = 8 + P.suite.iv
    b.step('header-only', [cut(8)], {'in.in-malformed': 1}, not_delivered=[d])
    b.step('shorter-than-iv', [cut(8 + P.suite.iv // 2)], {'in.in-malformed': 1},
           not_delivered=[d])
    b.step('shorter-than-icv', [cut(hdr_iv + P.suite.icv - 1)],
           {'in.in-malformed': 1}, not_delivered=[d])
    b.step('trailer-missing', [cut(hdr_iv + P.suite.icv + 1)],
           {'in.in-malformed': 1}, not_delivered=[d])
    # One byte short: the ICV no longer verifies; block ciphers see a
    # ciphertext that is not a whole number of blocks.
    expect = ({'in.in-malformed': 1} if P.suite.align > 4 else
              [{'in.in-auth': 1}, {'in.in-malformed': 1}])
    b.step('one-byte-short', [cut(len(full) - off - 1)], expect,
           not_delivered=[d])
    b.step('valid-after-truncated', [full], {'in.pkts': 1}, delivered=[d])


def bad_padding(b, a):
    """Valid ICV, invalid RFC 4303 padding; dummy packets; long padding."""
    P = b.peer
    al = P.suite.align
    d, pkt = b.udp()
    _, data, nh = P.split(pkt)
    plen = len(data)
    n = -(plen + 2) % al
    n = n if n >= 3 else n + al		# at least 3 pad bytes, still aligned
    pad = bytearray(range(1, n + 1))
    pad[-1] = 0
    b.step('last-pad-byte-wrong',
           [P.manual(pkt, b.s(1), trailer=bytes(pad) + bytes([n, nh]))],
           {'in.in-padding': 1}, not_delivered=[d])
    d, pkt = b.udp()
    pad = bytearray(range(1, n + 1))
    pad[0] = 0xff
    b.step('first-pad-byte-wrong',
           [P.manual(pkt, b.s(2), trailer=bytes(pad) + bytes([n, nh]))],
           {'in.in-padding': 1}, not_delivered=[d])
    d, pkt = b.udp()
    n = -(plen + 2) % al
    b.step('pad-length-beyond-payload',
           [P.manual(pkt, b.s(3), trailer=bytes(range(1, n + 1)) + bytes([250, nh]))],
           {'in.in-padding': 1}, not_delivered=[d])
    d, pkt = b.udp()
    b.step('long-valid-padding',
           [P.manual(pkt, b.s(4), trailer=P.suite.trailer(plen, nh, extra=8 * al))],
           {'in.pkts': 1}, delivered=[d])
    # RFC 4303 2.6: next header 59 is a dummy packet, dropped (not an error).
    d, pkt = b.udp()
    b.step('dummy-packet-nh-59', [P.manual(pkt, b.s(5), nh=59)],
           {'in.in-tfc': 1, 'in.pkts': None}, not_delivered=[d])
    if P.mode == 'tunnel':
        # RFC 4303 2.7: TFC padding after the inner packet is removed.
        d, pkt = b.udp()
        b.step('tfc-padding-after-inner-packet',
               [P.manual(pkt, b.s(6), tfc=bytes(range(100)))], {'in.pkts': 1},
               delivered=[d])
    d, pkt = b.udp()
    b.step('valid-after-bad-padding', [P.encrypt(pkt, b.s(7))], {'in.pkts': 1},
           delivered=[d])


def bad_cleartext(b, a):
    """Cleartext where the "in" policy requires ESP (or AH)."""
    S = load_scapy()
    P = b.peer
    d, pkt = b.udp()
    b.step('cleartext-udp', [S.raw(pkt)], {'ns.in-policy': 1}, not_delivered=[d])
    ping = P.inner_ip() / (S.ICMP(type=8, id=7, seq=1) if P.outer == 4 else
                           S.ICMPv6EchoRequest(id=7, seq=1)) / S.Raw(b'clear')
    b.wire.drain()
    b.step('cleartext-icmp-echo', [S.raw(ping)], {'ns.in-policy': 1})
    # An answer would go to the peer (through the out SA or not).
    ip, end = True, time.monotonic() + 1
    while ip is not None:
        ip = b.wire.recv_ip(max(0, end - time.monotonic()))
        if ip is not None and dst_addr(ip) == P.b:
            break
    b.c.check('cleartext-icmp-not-answered', ip is None,
              'kt-a answered a cleartext echo request it should have dropped',
              [ip] if ip else [])
    d, pkt = b.udp()
    b.step('%s-still-delivered' % P.proto.lower(), [P.encrypt(pkt, b.s(1))],
           {'in.pkts': 1}, delivered=[d])


def bad_tunnel_selector(b, a):
    """Tunnel mode: a valid packet whose inner source is outside the SA's
    selector and every "in" policy: dropped as a selector mismatch."""
    P = b.peer
    out_src = '10.9.0.66' if P.inner == 4 else 'fd09::66'
    d, pkt = b.udp(src=out_src)
    b.step('inner-source-outside-selector', [P.encrypt(pkt, b.s(1))],
           {'in.in-selector': 1, 'ns.in-selector': 1}, not_delivered=[d])
    d, pkt = b.udp()
    b.step('inner-source-inside', [P.encrypt(pkt, b.s(2))], {'in.pkts': 1},
           delivered=[d])


def bad_tunnel_policy(b, a):
    """Tunnel mode, SA without selector: inner source outside every "in"
    policy: dropped as a policy violation."""
    P = b.peer
    out_src = '10.9.0.66' if P.inner == 4 else 'fd09::66'
    d, pkt = b.udp(src=out_src)
    b.step('inner-source-outside-policies', [P.encrypt(pkt, b.s(1))],
           {'in.in-policy': 1, 'ns.in-policy': 1}, not_delivered=[d])
    d, pkt = b.udp()
    b.step('inner-source-inside', [P.encrypt(pkt, b.s(2))], {'in.pkts': 1},
           delivered=[d])


def bad_unknown_spi(b, a):
    """ESP for SAs kipsec does not have: left to the stack, counted as
    pass-through, unless an "in" policy that wants protection covers it
    as it is (protocol ESP; here the transport-mode policy of the SA's
    family): then dropped as a policy violation, as XFRM judges it."""
    S = load_scapy()
    P = b.peer
    for what, fam, spi in (('unknown-spi-ipv4', 4, 0xdeadbeef),
                           ('unknown-spi-ipv6', 6, 0xdeadbeef),
                           ('known-spi-other-daddr', 6, SPI_IN)):
        oa, ob = OUTER[fam]
        ip = S.IP(src=ob, dst=oa) if fam == 4 else S.IPv6(src=ob, dst=oa)
        other = S.SecurityAssociation(S.ESP, spi=spi, crypt_algo=P.suite.crypt,
                                      crypt_key=P.suite.ekey,
                                      auth_algo=P.suite.auth,
                                      auth_key=P.suite.akey or None)
        data = tag(b.c.name + what, 0)
        f = S.raw(other.encrypt(ip / S.UDP(sport=PORT_B, dport=PORT_A) / S.Raw(data)))
        # The stack may answer (ICMP protocol unreachable), through the
        # out SA: out.pkts may move.
        covered = P.mode == 'transport' and fam == P.outer
        b.step(what, [f], {'ns.passthrough': 1, 'out.pkts': None,
                           'ns.in-policy': int(covered)},
               not_delivered=[data])
    d, pkt = b.udp()
    b.step('known-spi-delivered', [P.encrypt(pkt, b.s(1))], {'in.pkts': 1},
           delivered=[d])


def bad_larval(b, a):
    """ESP for an SPI reserved by allocspi but not completed yet."""
    S = load_scapy()
    P = b.peer
    oa, ob = OUTER[P.outer]
    other = S.SecurityAssociation(S.ESP, spi=a.larval_spi, crypt_algo=P.suite.crypt,
                                  crypt_key=P.suite.ekey, auth_algo=P.suite.auth,
                                  auth_key=P.suite.akey or None)
    d, pkt = b.udp()
    f = S.raw(other.encrypt(pkt))
    b.step('larval-sa', [f], {'larval.in-larval': 1, 'ns.in-larval': 1},
           not_delivered=[d])


def bad_short_spi(b, a):
    """An ESP payload too short to hold an SPI: truncated ESP, dropped
    and counted as malformed in the netns (there is no SA to count it)."""
    S = load_scapy()
    P = b.peer
    oa, ob = OUTER[P.outer]
    for n in (0, 3):
        ip = S.IP(src=ob, dst=oa, proto=50) if P.outer == 4 else \
            S.IPv6(src=ob, dst=oa, nh=50)
        f = S.raw(ip / S.Raw(b'\x00\x00\x20\x02'[:n]))
        b.step('esp-of-%d-bytes' % n, [f], {'ns.in-malformed': 1})


def frag_pieces(P, payload, ident, cuts, change=None):
    """The UDP datagram with @payload from the peer, cut into fragments at
    @cuts (byte offsets into what follows the IP header, multiples of 8):
    a list of raw IP packets. @change: (index, bytes) puts other bytes of
    the same length and checksum into fragment index."""
    S = load_scapy()
    raw = S.raw(P.udp(payload))
    v4 = ip_version(raw) == 4
    hl = 20 if v4 else 40
    body = raw[hl:]
    src, dst = P.b, P.a
    bounds = [0] + list(cuts) + [len(body)]
    out_ = []
    for i in range(len(bounds) - 1):
        o, e = bounds[i], bounds[i + 1]
        chunk = body[o:e]
        if change and change[0] == i:
            chunk = change[1]
        more = e < len(body)
        if v4:
            f = S.IP(src=src, dst=dst, ttl=64, id=ident, proto=17,
                     flags='MF' if more else 0, frag=o // 8) / S.Raw(chunk)
        else:
            f = S.IPv6(src=src, dst=dst, hlim=64) / S.IPv6ExtHdrFragment(
                nh=17, offset=o // 8, m=int(more), id=ident) / S.Raw(chunk)
        out_.append(S.raw(f))
    return out_, body


def bad_fragments(b, a):
    """Inner fragments: kipsec reassembles those one SA decrypted, before
    the policy check, never together with cleartext ones (which the stack
    reassembles and the cleartext check judges whole). XFRM hands every
    decrypted fragment to the stack's reassembly, where a cleartext
    fragment joins it (or, sent first, replaces a decrypted one) and the
    datagram carries the decrypted head's verdict. The namespace's
    net.ipv4.ipfrag_time is 2 s (tests/vm/badinput.sh)."""
    P = b.peer
    seq = [0]

    def enc(f):
        seq[0] += 1
        return P.manual(P.inner_ip().__class__(f), b.s(seq[0]))

    cuts = (64, 128)
    ident = [0x4b00 + (os.getpid() & 0xff)]

    def datagram():
        b.n += 1
        ident[0] += 1
        d = tag(b.c.name, b.n, size=200)
        fr, body = frag_pieces(P, d, ident[0], cuts)
        return d, fr, body

    # Any queue the stack or kipsec still holds may time out meanwhile; the
    # stack may answer a cleartext head's timeout (ICMP, through the out SA).
    loose = {'ns.in-frag-timeout': None, 'out.pkts': None}
    d, fr, _ = datagram()
    b.step('incomplete-datagram-times-out', [enc(fr[0])],
           {'in.pkts': 1, 'ns.in-frag-timeout': 1}, not_delivered=[d])
    d, fr, _ = datagram()
    b.step('fragments-reassembled', [enc(f) for f in fr],
           dict(loose, **{'in.pkts': 3, 'ns.in-frag-reasm': 1}), delivered=[d])
    d, fr, _ = datagram()
    b.step('fragments-out-of-order', [enc(fr[2]), enc(fr[0]), enc(fr[1])],
           dict(loose, **{'in.pkts': 3, 'ns.in-frag-reasm': 1}), delivered=[d])
    d, fr, _ = datagram()
    b.step('decrypted-head-cleartext-rest', [enc(fr[0]), fr[1], fr[2]],
           dict(loose, **{'in.pkts': 1}), not_delivered=[d])
    d, fr, _ = datagram()
    b.step('cleartext-head-decrypted-rest', [fr[0], enc(fr[1]), enc(fr[2])],
           dict(loose, **{'in.pkts': 2}), not_delivered=[d])
    # A cleartext middle fragment sent first, with the same length and
    # checksum (its 16-bit words swapped in pairs): the stack would keep it
    # and drop the decrypted one as a duplicate.
    d, fr, body = datagram()
    mid = body[cuts[0]:cuts[1]]
    swapped = b''.join(mid[i + 2:i + 4] + mid[i:i + 2]
                       for i in range(0, len(mid), 4))
    forged = body[:cuts[0]] + swapped + body[cuts[1]:]
    fake, _ = frag_pieces(P, d, ident[0], cuts, change=(1, swapped))
    b.step('cleartext-middle-sent-first', [fake[1]] + [enc(f) for f in fr],
           dict(loose, **{'in.pkts': 3, 'ns.in-frag-reasm': 1}),
           delivered=[d], not_delivered=[forged[8:]])
    # Overlapping fragments: the datagram goes (the last fragment starts a
    # queue of its own, which times out).
    d, fr, _ = datagram()
    over = frag_pieces(P, d, ident[0], (56, 128))[0][1]
    b.step('overlapping-fragments', [enc(fr[0]), enc(over), enc(fr[2])],
           dict(loose, **{'in.pkts': 2, 'in.in-frag-bad': 1}),
           not_delivered=[d])
    d, pkt = b.udp()
    seq[0] += 1
    b.step('%s-still-delivered' % P.proto.lower(),
           [P.encrypt(pkt, b.s(seq[0]))], dict(loose, **{'in.pkts': 1}),
           delivered=[d])


def udp_sum(ip):
    """The UDP checksum @ip (IP / UDP, no extension headers) should carry,
    over the first UDP-length bytes of its datagram (what the kernel sums
    once it trimmed the datagram to that length)."""
    v4 = ip_version(ip) == 4
    off = (ip[0] & 15) * 4 if v4 else 40
    n = struct.unpack('!H', ip[off + 4:off + 6])[0]
    u = bytearray(ip[off:off + n])
    u[6:8] = bytes(2)
    pseudo = (ip[12:20] + struct.pack('!BBH', 0, 17, n) if v4 else
              ip[8:40] + struct.pack('!IxxxB', n, 17))
    b = pseudo + bytes(u) + bytes(len(u) & 1)
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return (~t & 0xffff) or 0xffff


def patch_udp(ip, sport=None, dport=None, ulen=None, csum=None):
    """@ip (IP / UDP, no extension headers) with other UDP ports or length
    field; checksum @csum, or else 0 over IPv4 and computed over IPv6 (of
    the first UDP-length bytes: a datagram the kernel trims to them)."""
    b = bytearray(ip)
    off = (b[0] & 15) * 4 if ip_version(b) == 4 else 40
    for pos, v in ((0, sport), (2, dport), (4, ulen)):
        if v is not None:
            b[off + pos:off + pos + 2] = struct.pack('!H', v)
    if csum is None:
        csum = 0 if ip_version(b) == 4 else udp_sum(bytes(b))
    b[off + 6:off + 8] = struct.pack('!H', csum)
    return bytes(b)


def bad_encap(b, a):
    """ESP in UDP (RFC 3948) to kipsec's encapsulation port, for an SA
    pair with encap espinudp 4500 4500 (tests/vm/natt.sh's
    t_keepalive_marker_short sends the one-byte keepalive, an empty
    payload, 0xff 0xff, 3 bytes, the marker with IKE and zeros for an
    unknown SPI)."""
    S = load_scapy()
    P = b.peer
    if not P.encap:
        raise SystemExit('FAIL: the encap case wants --encap')
    oa, ob = OUTER[P.outer]
    hl = 20 if P.outer == 4 else 40
    b.udp_mib = True

    def raw_udp(payload, sport=NATT_PORT, dport=NATT_PORT):
        ip = S.IP(src=ob, dst=oa) if P.outer == 4 else S.IPv6(src=ob, dst=oa)
        return S.raw(udp_checksum(ip / S.UDP(sport=sport, dport=dport) /
                                  S.Raw(payload)))

    def valid(seq):
        d, pkt = b.udp()
        return d, P.encrypt(pkt, b.s(seq))

    # The UDP header's own faults: the kernel's UDP drops the datagram
    # before kipsec's socket sees it (its counters, not kipsec's); the
    # same ESP with the header right is then delivered (its sequence
    # number was not taken).
    d, f = valid(1)
    ulen = len(f) - hl
    b.step('udp-length-beyond-datagram', [patch_udp(f, ulen=ulen + 8)], {},
           not_delivered=[d], udp={'InErrors': 1})
    b.step('udp-length-below-8', [patch_udp(f, ulen=4)], {},
           not_delivered=[d], udp={'InErrors': 1})
    good = patch_udp(f, csum=udp_sum(f))
    bad_sum = patch_udp(f, csum=udp_sum(f) ^ 0x0101)
    b.step('udp-checksum-wrong', [bad_sum], {}, not_delivered=[d],
           udp={'InErrors': 1, 'InCsumErrors': 1})
    if P.outer == 6:
        # RFC 8200 8.1: no zero checksum over IPv6 (RFC 6935's exception
        # is for tunnels that ask for it; kipsec's socket does not).
        b.step('udp6-checksum-zero', [patch_udp(f, csum=0)], {},
               not_delivered=[d], udp={'InErrors': 1, 'InCsumErrors': 1})
    b.step('valid-with-udp-checksum' if P.outer == 4 else
           'valid-after-bad-udp', [good], {'in.pkts': 1}, delivered=[d])
    # The UDP length short of the datagram: the kernel trims the datagram
    # to it, here to the ESP header alone, which the SA finds malformed
    # (and does not take its sequence number).
    d, f = valid(2)
    b.step('udp-length-esp-header-only', [patch_udp(f, ulen=8 + 8)],
           {'in.in-malformed': 1}, not_delivered=[d])
    b.step('valid-after-trimmed', [f], {'in.pkts': 1}, delivered=[d])

    # Payloads that are no SA's ESP: too short for an ESP header (8
    # bytes), the non-ESP marker (IKE: the module's socket has no reader),
    # 0xff with more (not a keepalive, RFC 3948 2.3: ESP for SPI
    # 0xff......, which nobody has).
    marker = bytes(4)
    spi = struct.pack('!I', SPI_IN)
    for what, payload, expect in (
            ('one-byte-0x00', b'\x00', 'ns.in-malformed'),
            ('keepalive-0xff-and-7-bytes', b'\xff' + bytes(7),
             'ns.in-encap-no-sa'),
            ('keepalive-0xff-and-99-bytes', b'\xff' * 100, 'ns.in-encap-no-sa'),
            # Shorter than the 8 bytes of an ESP header: no SA looked up.
            ('non-esp-marker-alone', marker, 'ns.in-malformed'),
            ('non-esp-marker-and-3-bytes', marker + b'IKE', 'ns.in-malformed'),
            ('non-esp-marker-and-4-bytes', marker + b'IKE!',
             'ns.in-encap-non-esp'),
            ('known-spi-and-3-bytes', spi + bytes(3), 'ns.in-malformed'),
            # An ESP header alone, for the SA: its ESP input says short.
            ('known-spi-esp-header-only', spi + struct.pack('!I', b.s(3)),
             'in.in-malformed')):
        b.step(what, [raw_udp(payload)], {expect: 1})

    # ESP in UDP for an SPI no SA has (kipsec's nor XFRM's): dropped,
    # not passed on.
    other = S.SecurityAssociation(
        S.ESP, spi=0x7e57, crypt_algo=P.suite.crypt, crypt_key=P.suite.ekey,
        auth_algo=P.suite.auth, auth_key=P.suite.akey or None,
        nat_t_header=S.UDP(sport=NATT_PORT, dport=NATT_PORT))
    d, pkt = b.udp()
    f = S.raw(udp_checksum(other.encrypt(pkt)))
    b.step('unknown-spi-in-udp', [f], {'ns.in-encap-no-sa': 1},
           not_delivered=[d])

    # An SA's ESP with a corrupted ICV, and replayed, in UDP.
    d, f = valid(4)
    f = bytearray(f)
    f[-1] ^= 0x01
    b.step('flipped-icv-bit-in-udp', [patch_udp(f)], {'in.in-auth': 1},
           not_delivered=[d])
    d, f = valid(4)
    b.step('valid-in-udp', [f], {'in.pkts': 1}, delivered=[d])
    b.step('replayed-in-udp', [f], {'in.in-replay': 1})

    # Another source port (a NAT's new mapping): taken as XFRM takes it,
    # and reported (MAPPING: tests/vm/badinput.sh reads the monitor).
    d, f = valid(5)
    b.step('other-source-port', [patch_udp(f, sport=31999)], {'in.pkts': 1},
           delivered=[d])
    t_mapping = time.monotonic()
    # Another destination port: not the encapsulation socket's, so plain
    # UDP to kt-a, which the "in" policy wants in ESP.
    d, f = valid(6)
    b.step('other-destination-port', [patch_udp(f, dport=4501)],
           {'ns.in-policy': 1}, not_delivered=[d])
    b.step('valid-after-other-ports', [f], {'in.pkts': 1}, delivered=[d])
    # A replay from yet another port: dropped before it can report a
    # mapping (more than the second MAPPING's limit after the first).
    time.sleep(max(0.0, t_mapping + 1.5 - time.monotonic()))
    d, f = valid(5)
    b.step('replayed-from-other-source-port', [patch_udp(f, sport=31998)],
           {'in.in-replay': 1}, not_delivered=[d])
    d, f = valid(7)
    b.step('valid-at-the-end', [f], {'in.pkts': 1}, delivered=[d])


BAD_CASES = {
    'auth': bad_auth,
    'replay': bad_replay,
    'truncated': bad_truncated,
    'padding': bad_padding,
    'cleartext': bad_cleartext,
    'tunnel-selector': bad_tunnel_selector,
    'tunnel-policy': bad_tunnel_policy,
    'unknown-spi': bad_unknown_spi,
    'larval': bad_larval,
    'short-spi': bad_short_spi,
    'fragments': bad_fragments,
    'encap': bad_encap,
}
