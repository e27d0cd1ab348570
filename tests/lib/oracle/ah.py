# SPDX-License-Identifier: GPL-2.0
"""AH (RFC 4302), by hand and by scapy: AES-XCBC-MAC (RFC 3566, which
scapy 2.5 lacks), the suites and their ICV by hand (ah_clear_mutable,
ah_icv), the AH peer (AHPeer), roundtrip's AH-only steps (IP options,
extension headers, fragments) and the IP fragment helpers."""

import socket
import struct
import time

from .case import tag
from .common import (AH_SUITES, IPPROTO_AH, PORT_A, PORT_A_SRC, PORT_B,
                     SPI_OUT, load_scapy)
from .esp import Peer, ip_version
from .wire import ah_offset


# scapy's SecurityAssociation(AH) builds what the peer sends and verifies
# what kipsec sends; every ICV it computes or checks is computed again by
# hand here (ah_icv), from RFC 4302 section 3.3.3 and Appendix A, so that
# scapy's own mutable-field handling (a known weak spot) cannot pass or
# fail a test unnoticed: a disagreement is reported as ScapyDiffers.

AH_HDR = 12			# next header ... sequence number
# IPv4 options RFC 4302 Appendix A.1 calls immutable (besides EOL, NOP):
# security, extended security, commercial security, router alert, SDBM.
AH_IMMUTABLE_V4 = (0x82, 0x85, 0x86, 0x94, 0x95)

# RFC 3566 section 4, key 000102...0f, message bytes(range(n)).
XCBC_VECTORS = [(0, '75f0251d528ac01c4573dfd584d79f29'),
                (3, '5b376580ae2f19afe7219ceef172756f'),
                (16, 'd2a246fa349b68a79998a4394ff7a263'),
                (20, '47f51b4564966215b8985c63055ed308'),
                (32, 'f54f0ec8d2b9f3d36807734bd5283fd4'),
                (34, 'becbb3bccdb518a30677d5481fb6b4d8')]


class ScapyDiffers(Exception):
    pass


def aes_xcbc_mac(key, data):
    """AES-XCBC-MAC (RFC 3566), all 128 bits."""
    S = load_scapy()

    def ecb(k):
        return S.Cipher(S.algorithms.AES(k), S.modes.ECB()).encryptor()

    def xor(x, y):
        return bytes(i ^ j for i, j in zip(x, y))

    e = ecb(key)
    k1 = e.update(b'\x01' * 16)
    k2 = e.update(b'\x02' * 16)
    k3 = e.update(b'\x03' * 16)
    e1 = ecb(k1)
    n = (len(data) - 1) // 16 * 16 if data else 0
    body, last = data[:n], data[n:]
    if len(last) == 16:
        last = xor(last, k2)
    else:
        last = xor(last + b'\x80' + bytes(15 - len(last)), k3)
    c = bytes(16)
    for i in range(0, n, 16):
        c = e1.update(xor(c, body[i:i + 16]))
    return e1.update(xor(c, last))


class XcbcMac:
    """AES-XCBC-MAC the way scapy's AuthAlgo uses a MAC."""

    def __init__(self, key, _digestmod=None, _backend=None):
        self.key, self.data = key, b''

    def update(self, data):
        self.data += data

    def finalize(self):
        return aes_xcbc_mac(self.key, self.data)


def register_xcbc():
    """scapy 2.5 has no AES-XCBC-MAC-96 (RFC 3566): ours, under that name,
    so that scapy's AH code does the rest as for its own algorithms."""
    from scapy.layers import ipsec
    if 'AES-XCBC-MAC-96' not in ipsec.AUTH_ALGOS:
        ipsec.AUTH_ALGOS['AES-XCBC-MAC-96'] = ipsec.AuthAlgo(
            'AES-XCBC-MAC-96', mac=XcbcMac, digestmod=lambda: None,
            icv_size=12, key_size=(16,))


class AHSuite:
    def __init__(self, name, akey):
        self.name = name
        self.__dict__.update(AH_SUITES[name])
        if not akey:
            raise SystemExit('FAIL: --akey is required for ' + name)
        self.akey = bytes.fromhex(akey[2:] if akey.startswith('0x') else akey)
        if len(self.akey) != AH_SUITES[name]['akey']:
            raise ValueError('wrong key length for ' + name)

    def other_keys(self):
        return AHSuite(self.name, bytes(b ^ 0x5a for b in self.akey).hex())

    def mac(self, data):
        """The ICV of @data, by hand (RFC 2404, 4868, 4494, 3566)."""
        S = load_scapy()
        if self.hash:
            h = S.hmac.HMAC(self.akey, getattr(S.hashes, self.hash)())
            h.update(data)
            return h.finalize()[:self.icv]
        if self.name == 'ah-cmac':
            from cryptography.hazmat.primitives.cmac import CMAC
            m = CMAC(S.algorithms.AES(self.akey))
            m.update(data)
            return m.finalize()[:self.icv]
        return aes_xcbc_mac(self.akey, data)[:self.icv]

    def ahlen(self, fam):
        """The AH header's length as RFC 4302 (and kipsec) has it: the
        ICV padded to 32 bits over IPv4, 64 over IPv6."""
        al = 4 if fam == 4 else 8
        return -(-(AH_HDR + self.icv) // al) * al


def ah_clear_mutable(hdr):
    """@hdr (the IP header with its options, or the IPv6 header and the
    extension headers before AH) as RFC 4302 3.3.3.1 and Appendix A
    have the ICV see it at the receiver: IPv4 DSCP/ECN, flags and fragment
    offset, TTL, checksum and every option but EOL, NOP, the security
    options, router alert and SDBM zero (the whole option); IPv6 traffic
    class, flow label, hop limit and the data of options whose "may
    change" bit (0x20) is set zero. Source routes (IPv4 LSRR/SSRR, an IPv6
    routing header with segments left) are not modelled: ValueError."""
    h = bytearray(hdr)
    if h[0] >> 4 == 4:
        h[1] = 0
        h[6:9] = b'\0\0\0'
        h[10:12] = b'\0\0'
        off, end = 20, (h[0] & 15) * 4
        while off < end:
            t = h[off]
            if t == 0:
                break
            if t == 1:
                off += 1
                continue
            n = h[off + 1] if off + 1 < end else 0
            if n < 2 or off + n > end:
                raise ValueError('malformed IPv4 option at %d' % off)
            if t in (0x83, 0x89):
                raise ValueError('IPv4 source route not modelled')
            if t not in AH_IMMUTABLE_V4:
                h[off:off + n] = bytes(n)
            off += n
        return bytes(h)
    h[0] = 0x60
    h[1:4] = b'\0\0\0'
    h[7] = 0
    nh, off = h[6], 40
    while off < len(h):
        n = (h[off + 1] + 1) * 8
        if nh in (0, 60):
            i = off + 2
            while i < off + n:
                if h[i] == 0:
                    i += 1
                    continue
                ol = h[i + 1] + 2
                if h[i] & 0x20:
                    h[i + 2:i + ol] = bytes(ol - 2)
                i += ol
        elif nh == 43:
            if h[off + 3]:
                raise ValueError('IPv6 routing header with segments left '
                                 'not modelled')
        else:
            raise ValueError('IPv6 next header %d before AH' % nh)
        nh, off = h[off], off + n
    return bytes(h)


def ah_icv(suite, ip, hi=None):
    """(the ICV @ip carries, the ICV computed by hand) for the AH packet
    @ip; @hi: the ESN high half (None without ESN), appended to the hashed
    data (RFC 4302 3.3.3.2.1). Padding after the ICV is hashed as it is."""
    off = ah_offset(ip)
    data = (ah_clear_mutable(ip[:off]) + ip[off:off + AH_HDR] +
            bytes(suite.icv) + ip[off + AH_HDR + suite.icv:])
    if hi is not None:
        data += struct.pack('!I', hi)
    return ip[off + AH_HDR:off + AH_HDR + suite.icv], suite.mac(data)


def ip_checksum(h):
    s = sum(struct.unpack('!%dH' % (len(h) // 2), bytes(h)))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_fix(b):
    """@b (a bytearray: an IP packet) with its length field(s) and IPv4
    header checksum made right for its size and content, as a router
    rewriting a field leaves them."""
    if b[0] >> 4 == 4:
        hl = (b[0] & 15) * 4
        b[2:4] = struct.pack('!H', len(b))
        b[10:12] = b'\0\0'
        b[10:12] = struct.pack('!H', ip_checksum(b[:hl]))
    else:
        b[4:6] = struct.pack('!H', len(b) - 40)
    return bytes(b)


def ip_addrs(ip):
    if ip_version(ip) == 4:
        return (socket.inet_ntop(socket.AF_INET, ip[12:16]),
                socket.inet_ntop(socket.AF_INET, ip[16:20]))
    return (socket.inet_ntop(socket.AF_INET6, ip[8:24]),
            socket.inet_ntop(socket.AF_INET6, ip[24:40]))


def v4_option(ip, otype):
    """Offset of the first IPv4 option @otype in @ip, or None."""
    off, end = 20, (ip[0] & 15) * 4
    while off < end and ip[off] != 0:
        if ip[off] == otype:
            return off
        off += 1 if ip[off] == 1 else ip[off + 1]
    return None


def v6_option(ip, otype):
    """Offset of the first IPv6 hop-by-hop / destination option @otype
    before AH in @ip, or None."""
    nh, off = ip[6], 40
    while nh in (0, 43, 60):
        n = (ip[off + 1] + 1) * 8
        i = off + 2
        while nh != 43 and i < off + n:
            if ip[i] == otype:
                return i
            i += 1 if ip[i] == 0 else ip[i + 1] + 2
        nh, off = ip[off], off + n
    return None


class AHPeer(Peer):
    """The far end for AH: scapy's SecurityAssociation(AH, ...) with the
    same geometry as Peer (SPI_IN sent, SPI_OUT received)."""

    proto, protonum = 'AH', IPPROTO_AH

    def _sa(self, spi, tunnel_header):
        S = load_scapy()
        kw = {}
        if self.mode == 'tunnel':
            kw['tunnel_header'] = tunnel_header
        return S.SecurityAssociation(S.AH, spi=spi, auth_algo=self.suite.auth,
                                     auth_key=self.suite.akey,
                                     esn_en=self.esn, **kw)

    def hi(self, seq):
        return seq >> 32 if self.esn else None

    def encrypt(self, pkt, seq, iv=None, outer_options=None):
        """Bytes of @pkt in AH built by scapy with sequence number @seq;
        tunnel mode over IPv4: @outer_options in the outer header. Its ICV
        must be the one computed by hand (else ScapyDiffers)."""
        S = load_scapy()
        sa = self.tx
        if outer_options is not None:
            sa = self._sa(sa.spi, S.IP(src=self.ob, dst=self.oa,
                                       options=outer_options))
        sa.seq_num, sa.esn = seq & 0xffffffff, seq >> 32
        f = S.raw(sa.encrypt(pkt.__class__(S.raw(pkt))))
        got, mine = ah_icv(self.suite, f, self.hi(seq))
        if got != mine:
            raise ScapyDiffers('scapy signed %s with ICV %s, by hand %s: %r'
                               % (self.suite.auth, got.hex(), mine.hex(), pkt))
        return f

    def decrypt(self, ip, seq):
        """The captured AH packet @ip verified by scapy (ICV with @seq's
        high half under ESN), as an IP(v6) packet: the inner packet in
        tunnel mode, the packet without AH in transport mode."""
        S = load_scapy()
        sa = self.rx
        sa.esn = seq >> 32
        d = S.raw(sa.decrypt((S.IP if ip_version(ip) == 4 else S.IPv6)(ip)))
        return (S.IP if ip_version(d) == 4 else S.IPv6)(d)

    def check_out(self, c, ip, seq, what):
        """An AH packet from kipsec: addresses, SPI, sequence number, the
        AH length RFC 4302 wants, reserved field zero, and the ICV
        computed by hand."""
        off = ah_offset(ip)
        _, plen, rsv, spi, lo = struct.unpack('!BBHII', ip[off:off + AH_HDR])
        src, dst = ip_addrs(ip)
        if not c.check(what + '-header', (src, dst, spi, lo) ==
                       (self.oa, self.ob, SPI_OUT, seq & 0xffffffff),
                       'AH %s -> %s spi 0x%x seq 0x%x, want %s -> %s spi 0x%x '
                       'seq 0x%x' % (src, dst, spi, lo, self.oa, self.ob,
                                     SPI_OUT, seq & 0xffffffff), [ip]):
            return
        want = self.suite.ahlen(self.outer)
        if not c.check(what + '-ah-length', (plen + 2) * 4 == want and
                       rsv == 0 and len(ip) >= off + want,
                       'AH header of %d bytes (payload length %d), reserved '
                       '0x%x; want %d bytes (a %d-byte ICV padded to %d bits '
                       'over IPv%d), reserved 0' %
                       ((plen + 2) * 4, plen, rsv, want, self.suite.icv,
                        32 if self.outer == 4 else 64, self.outer), [ip]):
            return
        got, mine = ah_icv(self.suite, ip, self.hi(seq))
        c.check(what + '-icv', got == mine, 'ICV %s, computed by hand %s '
                '(seq 0x%x)' % (got.hex(), mine.hex(), seq), [ip])

    def reframe(self, f, length, hi, reserved=0):
        """@f (an AH packet the peer built) with an AH header of @length
        bytes: the ICV field cut to @length - 12 bytes or padded with
        0xa5 (RFC 4302 2.6: the padding's content is the sender's choice;
        3.4.4: it is hashed as it is), the reserved field @reserved, the IP
        lengths fixed and the ICV computed by hand over that."""
        off = ah_offset(f)
        old = (f[off + 1] + 2) * 4
        ah = bytearray(f[off:off + AH_HDR])
        ah[1] = length // 4 - 2
        ah[2:4] = struct.pack('!H', reserved)
        n = min(self.suite.icv, length - AH_HDR)
        pad = b'\xa5' * (length - AH_HDR - n)
        f = ip_fix(bytearray(f[:off] + bytes(ah) + bytes(n) + pad + f[off + old:]))
        data = ah_clear_mutable(f[:off]) + f[off:]
        if hi is not None:
            data += struct.pack('!I', hi)
        icv = self.suite.mac(data)[:n]
        return f[:off + AH_HDR] + icv + f[off + AH_HDR + n:]


def ah_option_packets(peer, prefix):
    """(label, packet, outer options) from the peer to kt-a's UDP port
    with IPv4 options (router alert, record route and timestamp with free
    slots, which kt-a's own IP input fills before kipsec sees the packet)
    or IPv6 hop-by-hop and destination options (with and without the "may
    change" bit); tunnel mode over IPv4 also with outer options."""
    S = load_scapy()
    fam = peer.inner if peer.mode == 'tunnel' else peer.outer
    res = []

    def pkt(what, ip):
        data = ('%s %s' % (prefix, what)).encode()
        return ip / S.UDP(sport=PORT_B, dport=PORT_A) / S.Raw(data)

    if fam == 4:
        def rr():
            return S.IPOption_RR(pointer=4, routers=['0.0.0.0'] * 3)
        ra = S.IPOption_Router_Alert()
        for what, opts in (
                ('ipv4-router-alert', [ra]),
                ('ipv4-record-route', [rr()]),
                ('ipv4-ra-nop-rr-timestamp', [ra, S.IPOption_NOP(), rr(),
                                              S.IPOption_Timestamp(flg=0, pointer=5)])):
            res.append((what, pkt(what, S.IP(src=peer.b, dst=peer.a, ttl=64,
                                              options=opts)), None))
    else:
        def hbh():
            return S.IPv6ExtHdrHopByHop(options=[
                S.RouterAlert(), S.HBHOptUnknown(otype=0x3e, optdata=b'\xaa\xbb')])

        def dst():
            return S.IPv6ExtHdrDestOpt(options=[
                S.HBHOptUnknown(otype=0x1e, optdata=b'1234'),
                S.HBHOptUnknown(otype=0x3e, optdata=b'9999')])
        ip6 = S.IPv6(src=peer.b, dst=peer.a, hlim=64)
        res += [('ipv6-hop-by-hop', pkt('ipv6-hop-by-hop', ip6 / hbh()), None),
                ('ipv6-destination-options',
                 pkt('ipv6-destination-options', ip6 / dst()), None),
                ('ipv6-hbh-and-dest-options',
                 pkt('ipv6-hbh-and-dest-options', ip6 / hbh() / dst()), None)]
    if peer.mode == 'tunnel' and peer.outer == 4:
        res.append(('outer-ipv4-ra-rr', pkt('outer-ipv4-ra-rr', peer.inner_ip()),
                    [S.IPOption_Router_Alert(),
                     S.IPOption_RR(pointer=4, routers=['0.0.0.0'] * 2)]))
    return res


def ah_self_check(peer, c):
    """scapy's AH and the hand-made ICV agree, both directions, on every
    packet shape the tests send; and a flipped bit fails both (else a
    failure below would be the helper's, or scapy's)."""
    kip = AHPeer(peer.suite, peer.mode, peer.outer, peer.inner, peer.esn,
                 mirror=True)
    seq = 7 | (5 << 32 if peer.esn else 0)
    shapes = [('plain', peer.udp(b'x' * 5), None)] + \
        ah_option_packets(peer, 'self-check')
    for what, pkt, oo in shapes:
        try:
            f = peer.encrypt(pkt, seq, outer_options=oo)
            kip.decrypt(f, seq)
            g = kip.encrypt(kip.udp(b'y' * 9, sport=PORT_A_SRC, dport=PORT_B),
                            seq)
            peer.decrypt(g, seq)
        except Exception as e:
            c.fail('helper-self-check', '%s: scapy and the hand-made ICV '
                   'disagree: %s: %s' % (what, e.__class__.__name__, e))
            return False
        bad = bytearray(f)
        bad[-1] ^= 1
        got, mine = ah_icv(peer.suite, bytes(bad), peer.hi(seq))
        try:
            kip.decrypt(bytes(bad), seq)
            rejected = False
        except Exception:
            rejected = True
        if got == mine or not rejected:
            c.fail('helper-self-check', '%s: a flipped bit passes (by hand: '
                   '%s, scapy: %s)' % (what, got == mine, not rejected), [f])
            return False
    return True


def ah_in_options(c, peer, wire, lis, in_seqs):
    """roundtrip, AH: scapy-built AH carrying datagrams with IPv4 options
    or IPv6 extension headers (ah_option_packets) must be delivered. The
    record route and timestamp slots are filled by kt-a's own IP input
    before kipsec sees the packet: the ICV must leave them out. And a
    3000-byte datagram whose AH packet is sent in fragments (kipsec sees
    it reassembled: the fragment fields, or header, must not count); in
    tunnel mode also one whose inner packet is fragmented, each fragment
    in an AH packet of its own.
    Returns the sequence numbers used (above @in_seqs: every one is
    fresh)."""
    top = max(in_seqs)
    seqs, sent = [], []
    for i, (what, pkt, oo) in enumerate(ah_option_packets(peer, c.name)):
        seq = top + 1 + i
        f = peer.encrypt(pkt, seq, outer_options=oo)
        wire.send(f)
        seqs.append(seq)
        sent.append((what, udp_payload(pkt), f))
    seq = top + 1 + len(seqs)
    data = tag(c.name + ' in-fragmented', 0, 3000)
    f = peer.encrypt(peer.udp(data), seq)
    frags = fragment_ip(f, 1232, 0x4b49)
    for x in frags:
        wire.send(x)
    seqs.append(seq)
    sent.append(('udp-3000-in-%d-fragments' % len(frags), data, frags[0]))
    if peer.mode == 'tunnel':
        # The inner packet fragmented before AH (as kipsec and XFRM send
        # IPv6), each fragment in an AH packet of its own.
        data = tag(c.name + ' in-inner-fragments', 0, 3000)
        inner = peer.udp(data)
        frags = fragment_ip(load_scapy().raw(inner), 1232, 0x4b4a)
        for x in frags:
            seq = top + 1 + len(seqs)
            seqs.append(seq)
            wire.send(peer.encrypt(inner.__class__(x), seq))
        sent.append(('udp-3000-inner-fragments-in-%d-ah-packets' % len(frags),
                     data, frags[0]))
    lis.wait([d for _, d, _ in sent])
    for what, data, f in sent:
        src = [g for g in lis.got if g[0] == data]
        c.check('in-' + what, src and src[0][1:] == (peer.b, PORT_B),
                'scapy-built AH (%s) not delivered to the UDP socket' % what,
                [f])
    return seqs


def udp_payload(pkt):
    S = load_scapy()
    return S.raw(pkt[S.UDP].payload)


# Socket options for ah_out_options: IPv4 router alert, record route (two
# slots, the first filled by kt-a), NOP; IPv6 hop-by-hop (router alert, a
# "may change" option, PadN) and destination options (an immutable one).
V4_OUT_OPTIONS = bytes([148, 4, 0, 0, 7, 11, 4] + [0] * 8 + [1])
V6_OUT_HBH = bytes([0, 1, 5, 2, 0, 0, 0x3e, 2, 0xaa, 0xbb, 1, 4, 0, 0, 0, 0])
V6_OUT_DST = bytes([0, 0, 0x1e, 4, 1, 2, 3, 4])


def ah_out_options(c, peer, wire, tx, oseq):
    """roundtrip, AH: kt-a sends a datagram with IPv4 options (router
    alert, record route) or IPv6 hop-by-hop and destination options, and
    DSCP EF (copied to the outer header in tunnel mode); kipsec's AH must
    verify (by hand and by scapy) with them, and they must arrive. Then
    ah_out_large. Returns the number of packets kipsec sent."""
    S = load_scapy()
    fam = peer.inner if peer.mode == 'tunnel' else peer.outer
    data = tag(c.name + ' out-options', 0, 40)
    wire.drain()
    if fam == 4:
        tx.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, V4_OUT_OPTIONS)
        tx.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0xb8)
        tx.sendto(data, (peer.b, PORT_B))
        tx.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b'')
        tx.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0)
    else:
        tx.sendmsg([data], [(socket.IPPROTO_IPV6, 54, V6_OUT_HBH),	# HOPOPTS
                            (socket.IPPROTO_IPV6, 59, V6_OUT_DST),	# DSTOPTS
                            (socket.IPPROTO_IPV6, 67,			# TCLASS
                             struct.pack('i', 0xb8))],
                   0, (peer.b, PORT_B))
    ip = wire.recv_esp(10, SPI_OUT, IPPROTO_AH)
    seq = oseq + 1
    what = 'out-udp-options'
    if not c.check(what + '-sent', ip is not None,
                   'kipsec sent no AH for a datagram with IP options / '
                   'extension headers'):
        return 0
    peer.check_out(c, ip, seq, what)
    try:
        d = peer.decrypt(ip, seq)
    except Exception as e:
        c.fail(what, 'scapy cannot verify it (seq %d): %s' % (seq, e), [ip])
        return 1
    if fam == 4:
        opts = S.raw(d)[20:(S.raw(d)[0] & 15) * 4]
        has = opts[:4] == bytes([148, 4, 0, 0]) and opts[4] == 7 and \
            d.tos == 0xb8
    else:
        has = d.haslayer(S.IPv6ExtHdrHopByHop) and \
            d.haslayer(S.IPv6ExtHdrDestOpt) and d.tc == 0xb8
    c.check(what, S.UDP in d and S.raw(d[S.UDP].payload) == data and
            (d.src, d.dst) == (peer.a, peer.b) and has,
            'scapy verified it as %r, want %r from %s to %s with the options '
            'sent' % (d, data, peer.a, peer.b), [ip])
    return 1 + ah_out_large(c, peer, wire, tx, seq)


def ah_out_large(c, peer, wire, tx, oseq):
    """roundtrip, AH: kt-a sends a 3000-byte datagram, more than the
    1500-byte MTU. kipsec protects it whole and the stack fragments the AH
    packet; except in tunnel mode with an IPv6 inner packet, which kipsec
    fragments before AH (as XFRM and ip6_finish_output would: module/
    output.c), each fragment in an AH packet of its own. Either way every
    AH packet must verify (by hand and by scapy) and what they carry must
    be exactly the datagram sent. Returns the number of AH packets."""
    S = load_scapy()
    data = tag(c.name + ' out-large', 0, 3000)
    inside = peer.mode == 'tunnel' and peer.inner == 6
    what = 'out-udp-3000'
    wire.drain()
    tx.sendto(data, (peer.b, PORT_B))
    outer, inner = Reassembler(), Reassembler()
    pieces, d = [], None
    while d is None and len(pieces) < 8:
        ip, n = recv_ah_whole(wire, 10, reassembler=outer)
        if ip is None:
            break
        pieces.append(n)
        seq = oseq + len(pieces)
        peer.check_out(c, ip, seq, '%s-ah%d' % (what, len(pieces)))
        try:
            p = peer.decrypt(ip, seq)
        except Exception as e:
            c.fail(what, 'scapy cannot verify AH packet %d (seq %d): %s' %
                   (len(pieces), seq, e), [ip[:96]])
            return len(pieces)
        whole, _ = inner.add(S.raw(p))
        if whole is not None:
            d = (S.IP if ip_version(whole) == 4 else S.IPv6)(whole)
    if not c.check(what + '-sent', d is not None, 'kipsec sent %d AH '
                   'packet(s) (from %s piece(s) on the wire) for a 3000-byte '
                   'datagram, not all of it' % (len(pieces), pieces)):
        return len(pieces)
    if inside:
        c.check(what + '-fragmented-before-ah', len(pieces) > 1 and
                set(pieces) == {1}, 'AH packets of %s piece(s) on the wire, '
                'want several unfragmented ones (the IPv6 inner packet '
                'fragmented before AH)' % pieces)
    else:
        c.check(what + '-fragmented-after-ah', len(pieces) == 1 and
                pieces[0] > 1, 'AH packets of %s piece(s) on the wire, want '
                'one AH packet in fragments' % pieces)
    c.check(what, S.UDP in d and S.raw(d[S.UDP].payload) == data and
            (d.src, d.dst) == (peer.a, peer.b),
            'scapy verified it as %r, want %d bytes from %s to %s' %
            (d, len(data), peer.a, peer.b))
    return len(pieces)


def fragment_ip(ip, size, ident):
    """@ip (no IPv4 options, no IPv6 extension headers) as its sender's IP
    layer would fragment it: payload pieces of @size bytes (a multiple of
    8), IPv4 fragment fields or an IPv6 fragment header (identification
    @ident)."""
    out, v4 = [], ip_version(ip) == 4
    hl = 20 if v4 else 40
    assert not v4 or ip[0] & 15 == 5
    data = ip[hl:]
    for off in range(0, len(data), size):
        more = off + size < len(data)
        h = bytearray(ip[:hl])
        if v4:
            # The identification stays the packet's (the ICV covers it).
            h[6:8] = struct.pack('!H', (0x2000 if more else 0) | off // 8)
        else:
            h[6] = 44
            h += struct.pack('!BBHI', ip[6], 0, off | more, ident)
        out.append(ip_fix(h + data[off:off + size]))
    return out


def frag_info(ip):
    """(key, offset, more, header, payload) of a fragment; key None if
    @ip is not one. IPv6: the header without the fragment header."""
    if ip_version(ip) == 4:
        hl = (ip[0] & 15) * 4
        fo = struct.unpack('!H', ip[6:8])[0]
        off, more = (fo & 0x1fff) * 8, bool(fo & 0x2000)
        if not off and not more:
            return None, 0, False, None, None
        return (4, ip[4:6], ip[12:20], ip[9]), off, more, ip[:hl], ip[hl:]
    nh, prev, off = ip[6], 6, 40
    while nh in (0, 43, 60) and off + 2 <= len(ip):
        nh, prev, off = ip[off], off, off + (ip[off + 1] + 1) * 8
    if nh != 44 or off + 8 > len(ip):
        return None, 0, False, None, None
    nxt, _, offflag, ident = struct.unpack('!BBHI', ip[off:off + 8])
    head = bytearray(ip[:off])
    head[prev] = nxt
    return ((6, ident, ip[8:40]), offflag & ~7, bool(offflag & 1),
            bytes(head), ip[off + 8:])


class Reassembler:
    """IP fragments back into packets (only as far as the tests need: in
    order or not, no overlaps)."""

    def __init__(self):
        self.parts = {}

    def add(self, ip):
        """(the whole packet, number of pieces) once @ip completes one,
        else (None, pieces so far)."""
        key, off, more, head, body = frag_info(ip)
        if key is None:
            return ip, 1
        p = self.parts.setdefault(key, {})
        p[off] = (head, body, more)
        at = 0
        for o in sorted(p):
            if o != at:
                break
            at += len(p[o][1])
            if not p[o][2]:
                h = bytearray(p[0][0])
                if ip_version(h) == 4:
                    h[6:8] = b'\0\0'
                del self.parts[key]
                return ip_fix(h + b''.join(p[x][1] for x in sorted(p))), len(p)
        return None, len(p)


def recv_ah_whole(wire, timeout, spi=SPI_OUT, reassembler=None):
    """The next AH packet of @spi kt-a sent, reassembled if it came in
    fragments: (bytes, number of pieces), or (None, 0)."""
    end = time.monotonic() + timeout
    r = reassembler or Reassembler()
    while True:
        ip = wire.recv_ip(max(0.0, end - time.monotonic()))
        if ip is None:
            return None, 0
        whole, n = r.add(ip)
        if whole is None:
            continue
        a = ah_offset(whole)
        if a is not None and len(whole) >= a + 8 and \
                struct.unpack('!I', whole[a + 4:a + 8])[0] == spi:
            return whole, n
