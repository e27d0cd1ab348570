# SPDX-License-Identifier: GPL-2.0
"""ESP, by hand and by scapy: a suite with its keys (Suite: the crypto
is espcrypto's), the peer scapy plays (Peer: SPI_IN sent, SPI_OUT
received) and the check of an ESP packet kipsec sent (check_esp_out)."""

import os
import socket
import struct

from cryptography.exceptions import InvalidTag

from .common import (INNER, IPPROTO_ESP, NATT_PORT, OUTER, PORT_A, PORT_B,
                     SPI_IN, SPI_OUT, SUITES, load_scapy)
from .espcrypto import EspCrypto, split_trailer
from .wire import esp_offset


class BadICV(Exception):
    pass


class Suite(EspCrypto):
    """An ESP suite of SUITES with its keys (hex), as EspCrypto reads it."""

    def __init__(self, name, ekey, akey=None):
        self.name = name
        self.__dict__.update(SUITES[name])
        self.ekey = bytes.fromhex(ekey[2:] if ekey.startswith('0x') else ekey)
        self.akey = (bytes.fromhex(akey[2:] if akey.startswith('0x') else akey)
                     if akey else b'')
        if len(self.ekey) != SUITES[name]['ekey'] or \
           len(self.akey) != SUITES[name]['akey']:
            raise ValueError('wrong key length for ' + name)

    def other_keys(self):
        """The same suite with different keys (for the wrong-key case)."""
        flip = lambda k: bytes(b ^ 0x5a for b in k)
        s = Suite(self.name, flip(self.ekey).hex(),
                  flip(self.akey).hex() if self.akey else None)
        return s

    # Encryption and ICV by hand (RFC 4106, 7634, 3602 + 4868, 3686 + 2404):
    # EspCrypto's seal(), cipher(), icv_of() and trailer().
    def open(self, esp, hi, esn):
        """The plaintext (payload and trailer) of ESP bytes."""
        try:
            return super().open(esp, hi, esn)
        except InvalidTag:
            raise BadICV('AEAD tag does not verify' if self.aead else
                         'HMAC does not verify')


def ip_version(b):
    return b[0] >> 4


class Peer:
    """The far end: kt-b's half of kipsec's SA pair, as scapy sees it.
    Sends with SPI_IN (kipsec's inbound SA), receives SPI_OUT. With
    @mirror it plays kipsec's side instead (for selftest). With @encap
    both SAs are ESP in UDP (RFC 3948), port NATT_PORT to NATT_PORT:
    scapy's nat_t_header, the UDP checksum 0 over IPv4 (as scapy sends
    it) and computed over IPv6 (RFC 8200 8.1: kipsec's IPv6 socket
    verifies it)."""

    proto, protonum = 'ESP', IPPROTO_ESP

    def __init__(self, suite, mode, outer, inner, esn, mirror=False,
                 encap=False):
        S = load_scapy()
        self.suite, self.mode, self.esn = suite, mode, esn
        # ESN with HMAC adds the ICV by hand, to ESP on IP only.
        if encap and esn:
            raise ValueError('ESP in UDP with ESN is not supported here')
        self.encap = encap
        self.outer, self.inner = outer, inner
        self.a, self.b = (INNER[inner] if mode == 'tunnel' else OUTER[outer])
        self.oa, self.ob = OUTER[outer]
        spi_tx, spi_rx = SPI_IN, SPI_OUT
        if mirror:
            self.a, self.b, self.oa, self.ob = self.b, self.a, self.ob, self.oa
            spi_tx, spi_rx = spi_rx, spi_tx
        oip = S.IP if outer == 4 else S.IPv6
        self.tx = self._sa(spi_tx, oip(src=self.ob, dst=self.oa))
        self.rx = self._sa(spi_rx, oip(src=self.oa, dst=self.ob))

    def _sa(self, spi, tunnel_header):
        S = load_scapy()
        s = self.suite
        kw = dict(crypt_algo=s.crypt, crypt_key=s.ekey)
        # scapy leaves the ESN high half out of ESP's HMAC: with ESN and
        # HMAC it only encrypts and the ICV is added by hand.
        if s.auth and not self.esn:
            kw.update(auth_algo=s.auth, auth_key=s.akey)
        if self.mode == 'tunnel':
            kw['tunnel_header'] = tunnel_header
        if self.encap:
            kw['nat_t_header'] = S.UDP(sport=NATT_PORT, dport=NATT_PORT)
        return S.SecurityAssociation(S.ESP, spi=spi, esn_en=self.esn, **kw)

    def inner_ip(self, src=None, dst=None):
        S = load_scapy()
        fam = self.inner if self.mode == 'tunnel' else self.outer
        src, dst = src or self.b, dst or self.a
        return S.IP(src=src, dst=dst, ttl=64) if fam == 4 else \
            S.IPv6(src=src, dst=dst, hlim=64)

    def udp(self, payload, src=None, sport=PORT_B, dport=PORT_A):
        S = load_scapy()
        return self.inner_ip(src) / S.UDP(sport=sport, dport=dport) / S.Raw(payload)

    def encrypt(self, pkt, seq, iv=None):
        """Bytes of @pkt protected by scapy with sequence number @seq."""
        S = load_scapy()
        sa = self.tx
        sa.seq_num, sa.esn = seq & 0xffffffff, seq >> 32
        p = sa.encrypt(pkt.__class__(S.raw(pkt)), iv=iv)
        if self.suite.auth and self.esn:
            esp = p[S.ESP]
            esp.data += self.suite.icv_of(S.raw(esp), seq >> 32, True)
            p = fix_lengths(p)
        if self.encap:
            p = udp_checksum(p)
        return S.raw(p)

    def split(self, pkt):
        """(outer header, ESP payload, next header) for protecting @pkt."""
        S = load_scapy()
        raw = S.raw(pkt)
        if self.mode == 'tunnel':
            outer = (S.IP(src=self.ob, dst=self.oa, ttl=64, proto=50)
                     if self.outer == 4 else
                     S.IPv6(src=self.ob, dst=self.oa, hlim=64, nh=50))
            return outer, raw, 4 if ip_version(raw) == 4 else 41
        if ip_version(raw) == 4:
            hl = (raw[0] & 15) * 4
            outer = S.IP(raw[:hl])
            outer.proto = 50
            del outer.len, outer.chksum
            return outer, raw[hl:], raw[9]
        outer = S.IPv6(raw[:40])
        outer.nh = 50
        del outer.plen
        return outer, raw[40:], raw[6]

    def manual(self, pkt, seq, trailer=None, nh=None, iv=None, suite=None,
               tfc=b''):
        """Bytes of @pkt in ESP built by hand: @trailer replaces the RFC
        padding + pad length + next header, @nh the next header, @tfc is
        traffic flow confidentiality padding after the payload."""
        S = load_scapy()
        suite = suite or self.suite
        outer, data, inner_nh = self.split(pkt)
        data += tfc
        nh = inner_nh if nh is None else nh
        plain = data + (trailer if trailer is not None else
                        suite.trailer(len(data), nh))
        iv = iv if iv is not None else os.urandom(suite.iv)
        esp = suite.seal(self.tx.spi, seq, self.esn, iv, plain)
        if self.encap:
            if outer.version == 4:
                outer.proto = 17
            else:
                outer.nh = 17
            return S.raw(udp_checksum(outer / S.UDP(
                sport=NATT_PORT, dport=NATT_PORT, chksum=0) / S.Raw(esp)))
        return S.raw(outer / S.Raw(esp))

    def decrypt(self, ip, seq):
        """What kipsec protected in the captured packet @ip, as scapy
        sees it (the inner IP packet), decrypted by scapy; @seq is the
        full sequence number kipsec should have used."""
        S = load_scapy()
        sa = self.rx
        sa.esn = seq >> 32
        p = (S.IP if ip_version(ip) == 4 else S.IPv6)(ip)
        if self.encap and self.mode == 'transport' and self.outer == 6:
            # scapy 2.5's _decrypt_esp() sets the next header on the
            # layer under ESP, here UDP, which has none: it cannot.
            raise ValueError('scapy cannot decrypt IPv6 transport mode in UDP')
        if self.suite.auth and self.esn:
            esp = p[S.ESP]
            icv = esp.data[-self.suite.icv:]
            esp.data = esp.data[:-self.suite.icv]
            if self.suite.icv_of(S.raw(esp), seq >> 32, True) != icv:
                raise BadICV('ESN HMAC does not verify')
        d = sa.decrypt(p)
        if self.mode == 'transport':
            d = d.__class__(S.raw(d))
        return d

    def plain(self, ip, seq):
        """Decrypted by hand: (payload, padding, next header)."""
        off = esp_offset(ip)
        return split_trailer(self.suite.open(ip[off:], seq >> 32, self.esn))

    def check_out(self, c, ip, seq, what):
        check_esp_out(c, self, ip, seq, what)


def check_esp_out(c, peer, ip, seq, what):
    """An ESP packet from kipsec: addresses, SPI, sequence number, RFC 4303
    padding (1, 2, 3, ...), minimal length."""
    off = esp_offset(ip)
    spi, lo = struct.unpack('!II', ip[off:off + 8])
    if ip_version(ip) == 4:
        src, dst = socket.inet_ntop(socket.AF_INET, ip[12:16]), \
            socket.inet_ntop(socket.AF_INET, ip[16:20])
    else:
        src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), \
            socket.inet_ntop(socket.AF_INET6, ip[24:40])
    if peer.encap:
        check_udp_encap(c, ip, what)
    if not c.check(what + '-header', (src, dst, spi, lo) ==
                   (peer.oa, peer.ob, SPI_OUT, seq & 0xffffffff),
                   'ESP %s -> %s spi 0x%x seq 0x%x, want %s -> %s spi 0x%x seq '
                   '0x%x' % (src, dst, spi, lo, peer.oa, peer.ob, SPI_OUT,
                             seq & 0xffffffff), [ip]):
        return
    try:
        payload, pad, nh = peer.plain(ip, seq)
    except BadICV as e:
        c.fail(what + '-icv', '%s (seq 0x%x)' % (e, seq), [ip])
        return
    n = len(pad)
    c.check(what + '-padding', pad == bytes(range(1, n + 1)) and
            n < peer.suite.align and (len(payload) + n + 2) % peer.suite.align == 0,
            'padding %s for %d bytes of payload, want 1, 2, 3, ... to %d-byte '
            'alignment' % (pad.hex(), len(payload), peer.suite.align), [ip])


def check_udp_encap(c, ip, what):
    """ESP in UDP from kipsec (RFC 3948 2.1): from and to NATT_PORT, the
    UDP length that of the datagram, checksum 0 over IPv4 (3.1.2: kipsec
    sends 0, as XFRM), valid and not 0 over IPv6 (RFC 8200 8.1)."""
    S = load_scapy()
    p = (S.IP if ip_version(ip) == 4 else S.IPv6)(ip)
    u = p.getlayer(S.UDP)
    if not c.check(what + '-in-udp', u is not None, 'not ESP in UDP', [ip]):
        return
    want = 0
    if ip_version(ip) == 6:
        want = udp_checksum(p.__class__(ip))[S.UDP].chksum
    ulen = len(ip) - ((ip[0] & 15) * 4 if ip_version(ip) == 4 else 40)
    c.check(what + '-udp', (u.sport, u.dport, u.len, u.chksum) ==
            (NATT_PORT, NATT_PORT, ulen, want),
            'UDP %d -> %d length %d checksum 0x%04x, want %d -> %d length %d '
            'checksum 0x%04x' % (u.sport, u.dport, u.len, u.chksum, NATT_PORT,
                                 NATT_PORT, ulen, want), [ip])


def udp_checksum(p):
    """@p (IP / UDP / ..., no extension headers) with its UDP length that
    of the datagram and its checksum 0 over IPv4, computed over IPv6.
    (scapy 2.5's nat_t_header over IPv4 says 8, the length of the UDP
    header alone: it builds the IP header before it adds ESP.)"""
    S = load_scapy()
    b = bytearray(S.raw(p))
    off = (b[0] & 15) * 4 if ip_version(b) == 4 else 40
    b[off + 4:off + 8] = struct.pack('!HH', len(b) - off, 0)
    p = p.__class__(bytes(b))
    if p.version == 6:
        del p[S.UDP].chksum
    return p.__class__(S.raw(p))


def fix_lengths(p):
    S = load_scapy()
    if p.version == 4:
        del p.len, p.chksum
    else:
        del p.plen
    return p.__class__(S.raw(p))


def dst_addr(ip):
    if ip_version(ip) == 4:
        return socket.inet_ntop(socket.AF_INET, ip[16:20])
    return socket.inet_ntop(socket.AF_INET6, ip[24:40])
