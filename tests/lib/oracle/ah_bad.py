# SPDX-License-Identifier: GPL-2.0
"""AH bad input: ICV failures, mutable fields changed on the way,
truncated AH, wrong AH lengths, unknown SPIs; added to bad.BAD_CASES."""

import struct

from .ah import AHPeer, AH_HDR, ah_icv, ip_fix, v4_option, v6_option
from .bad import BAD_CASES
from .case import tag
from .common import OUTER, PORT_A, PORT_B, SPI_IN, load_scapy
from .wire import ah_offset


def ah_udp(b, v4opts=(), v6ext=()):
    """A fresh datagram (payload, packet, outer options) whose (outer) IP
    header carries @v4opts (scapy IPv4 options) or @v6ext (IPv6 extension
    headers; transport mode only)."""
    S = load_scapy()
    P = b.peer
    d, pkt = b.udp()
    oo = None
    if P.mode == 'tunnel':
        if P.outer == 4 and v4opts:
            oo = list(v4opts)
    elif P.outer == 4 and v4opts:
        pkt[S.IP].options = list(v4opts)
    elif P.outer == 6 and v6ext:
        ip = pkt[S.IPv6]
        rest = ip.payload
        ip.remove_payload()
        for h in v6ext:
            ip = ip / h
        pkt = ip / rest
    return d, pkt, oo


def ah_hdr_opts(b):
    """ah_udp's arguments for a header with options: IPv4 router alert
    and record route; IPv6 hop-by-hop (router alert, a "may change"
    option) and destination options (an immutable and a "may change"
    option)."""
    S = load_scapy()
    return dict(
        v4opts=[S.IPOption_Router_Alert(),
                S.IPOption_RR(pointer=4, routers=['0.0.0.0'] * 2),
                S.IPOption_Timestamp(flg=0, pointer=5)],
        v6ext=[S.IPv6ExtHdrHopByHop(options=[
            S.RouterAlert(), S.HBHOptUnknown(otype=0x3e, optdata=b'\xaa\xbb')]),
            S.IPv6ExtHdrDestOpt(options=[
                S.HBHOptUnknown(otype=0x1e, optdata=b'1234'),
                S.HBHOptUnknown(otype=0x3e, optdata=b'9999')])])


def ah_edit(f, fn):
    """@f changed by @fn(bytearray, AH offset), lengths and IPv4 header
    checksum made valid again (as a router changing a field does)."""
    x = bytearray(f)
    fn(x, ah_offset(f))
    return ip_fix(x)


def bad_ah_auth(b, a):
    """ICV failures: "failed" +1 each, nothing delivered."""
    P = b.peer
    o4 = P.outer == 4
    d, pkt = b.udp()
    wrong = AHPeer(P.suite.other_keys(), P.mode, P.outer, P.inner, P.esn)
    b.step('wrong-key', [wrong.encrypt(pkt, b.s(1))], {'in.in-auth': 1},
           not_delivered=[d])

    def setb(pos, val):
        def fn(x, o):
            x[pos(x, o)] = val(x[pos(x, o)])
        return fn

    def opt(otype, delta):
        """The byte @delta after option @otype in the (outer) header."""
        find = v4_option if o4 else v6_option
        return lambda x, o: find(bytes(x), otype) + delta

    icv = P.suite.icv
    # (label, header options wanted, edit)
    edits = [
        ('flipped-icv-bit', False, setb(lambda x, o: o + AH_HDR + icv - 1,
                                        lambda v: v ^ 1)),
        ('flipped-payload-byte', False, setb(lambda x, o: len(x) - 1,
                                             lambda v: v ^ 0x20)),
        ('ah-reserved-field', False, setb(lambda x, o: o + 3, lambda v: v | 1)),
        ('ah-next-header', False, setb(lambda x, o: o, lambda v: v ^ 0x80)),
    ]
    if o4:
        edits += [
            ('ipv4-identification', False, setb(lambda x, o: 5,
                                                lambda v: (v + 1) & 0xff)),
            ('ipv4-source-address', False, setb(lambda x, o: 15,
                                                lambda v: v ^ 1)),
            ('ipv4-router-alert-value', True, setb(opt(0x94, 3),
                                                   lambda v: v ^ 1)),
        ]
    else:
        edits += [
            ('ipv6-source-address', False, setb(lambda x, o: 23,
                                                lambda v: v ^ 1)),
        ]
        if P.mode == 'transport':
            edits += [
                ('ipv6-router-alert-value', True, setb(opt(0x05, 3),
                                                       lambda v: v ^ 1)),
                ('ipv6-immutable-dest-option-data', True,
                 setb(opt(0x1e, 2), lambda v: v ^ 1)),
                ('ipv6-immutable-option-type', True,
                 setb(opt(0x1e, 0), lambda v: 0x1d)),
            ]
    if P.mode == 'tunnel':
        # The inner header is payload: even its "mutable" fields count.
        hl = 8 if P.inner == 4 else 7
        edits += [
            ('inner-%s' % ('ttl' if P.inner == 4 else 'hop-limit'), False,
             setb(lambda x, o: o + (x[o + 1] + 2) * 4 + hl, lambda v: v - 1)),
        ]
    # All with sequence number 2: a packet failing its ICV must not mark
    # its number as seen.
    for what, opts, fn in edits:
        d, pkt, oo = ah_udp(b, **(ah_hdr_opts(b) if opts else {}))
        f = ah_edit(P.encrypt(pkt, b.s(2), outer_options=oo), fn)
        b.step(what, [f], {'in.in-auth': 1}, not_delivered=[d])
    # The sequence number field changed: a forged high number must not
    # move the window either.
    d, pkt = b.udp()
    f = ah_edit(P.encrypt(pkt, b.s(3)),
                lambda x, o: x.__setitem__(slice(o + 8, o + 12),
                                           struct.pack('!I', b.s(1000) & 0xffffffff)))
    b.step('forged-sequence-number', [f], {'in.in-auth': 1}, not_delivered=[d])
    d, pkt = b.udp()
    b.step('valid-after-forged', [P.encrypt(pkt, b.s(2))], {'in.pkts': 1},
           delivered=[d])
    if P.esn:
        # ESN: the ICV covers another high half than the one kipsec infers.
        seq = b.s(4)
        hi = seq >> 32
        other = (hi - 1 if hi else hi + 1) << 32 | (seq & 0xffffffff)
        d, pkt = b.udp()
        b.step('esn-wrong-high-half', [P.encrypt(pkt, other)],
               {'in.in-auth': 1}, not_delivered=[d])
        d, pkt = b.udp()
        b.step('esn-right-high-half', [P.encrypt(pkt, seq)], {'in.pkts': 1},
               delivered=[d])


def bad_ah_mutable(b, a):
    """Fields RFC 4302 calls mutable, changed on the way as routers change
    them: every packet delivered, "pkts" +1, nothing else. The hand-made
    ICV must still verify each changed packet (else the case is wrong)."""
    P = b.peer
    o4 = P.outer == 4

    def put(pos, val):
        def fn(x, o):
            x[pos] = val(x[pos])
        return fn

    def at_opt(otype, delta, val):
        def fn(x, o):
            i = (v4_option if o4 else v6_option)(bytes(x), otype) + delta
            x[i] = val(x[i])
        return fn

    if o4:
        edits = [
            ('ipv4-ttl-1', False, put(8, lambda v: 1)),
            ('ipv4-ttl-255', False, put(8, lambda v: 255)),
            ('ipv4-dscp-ecn', False, put(1, lambda v: 0xba)),
            ('ipv4-df-set', False, put(6, lambda v: v | 0x40)),
            ('ipv4-df-cleared', False, put(6, lambda v: v & ~0x40)),
            # A router recorded its address in the first free slot.
            ('ipv4-record-route-filled', True,
             lambda x, o: (x.__setitem__(slice(v4_option(bytes(x), 7) + 3,
                                               v4_option(bytes(x), 7) + 7),
                                         bytes([192, 0, 2, 1])),
                           x.__setitem__(v4_option(bytes(x), 7) + 2, 8))),
            ('ipv4-timestamp-filled', True,
             lambda x, o: (x.__setitem__(slice(v4_option(bytes(x), 0x44) + 4,
                                               v4_option(bytes(x), 0x44) + 8),
                                         b'\x01\x02\x03\x04'),
                           x.__setitem__(v4_option(bytes(x), 0x44) + 2, 9))),
        ]
    else:
        edits = [
            ('ipv6-hop-limit-1', False, put(7, lambda v: 1)),
            ('ipv6-hop-limit-255', False, put(7, lambda v: 255)),
            ('ipv6-traffic-class', False,
             lambda x, o: (x.__setitem__(0, 0x6b),
                           x.__setitem__(1, (x[1] & 0x0f) | 0xa0))),
            ('ipv6-flow-label', False,
             lambda x, o: x.__setitem__(slice(1, 4), bytes(
                 [(x[1] & 0xf0) | 0x0a, 0xbc, 0xde]))),
        ]
        if P.mode == 'transport':
            edits += [
                ('ipv6-hbh-may-change-option-data', True,
                 at_opt(0x3e, 2, lambda v: v ^ 0xff)),
                ('ipv6-dest-may-change-option-data', True,
                 dest_mutable_edit),
            ]
    for i, (what, opts, fn) in enumerate(edits):
        seq = b.s(1 + i)
        d, pkt, oo = ah_udp(b, **(ah_hdr_opts(b) if opts else {}))
        f = ah_edit(P.encrypt(pkt, seq, outer_options=oo), fn)
        got, mine = ah_icv(P.suite, f, P.hi(seq))
        if not b.c.check(what + '-still-verifies-by-hand', got == mine,
                         'the changed packet no longer verifies by hand: the '
                         'case is wrong', [f]):
            continue
        b.step(what, [f], {'in.pkts': 1}, delivered=[d])


def dest_mutable_edit(x, o):
    """The "may change" option in the destination options header (not
    the one in hop-by-hop) gets other data."""
    nh, off = x[6], 40
    while nh != 60:
        nh, off = x[off], off + (x[off + 1] + 1) * 8
    i = off + 2
    while x[i] != 0x3e:
        i += 1 if x[i] == 0 else x[i + 1] + 2
    x[i + 2:i + 2 + x[i + 1]] = bytes(v ^ 0x55 for v in x[i + 2:i + 2 + x[i + 1]])


def bad_ah_truncated(b, a):
    """AH cut short (IP lengths fixed)."""
    P = b.peer
    d, pkt = b.udp()
    full = P.encrypt(pkt, b.s(1))
    off = ah_offset(full)
    ahlen = (full[off + 1] + 2) * 4

    def cut(n):
        return ip_fix(bytearray(full[:off + n]))

    # No complete SPI: no SA to count it, the netns does.
    b.step('ah-of-3-bytes', [cut(3)], {'ns.in-malformed': 1}, not_delivered=[d])
    b.step('ah-of-7-bytes', [cut(7)], {'ns.in-malformed': 1}, not_delivered=[d])
    b.step('ah-without-sequence-number', [cut(8)], {'in.in-malformed': 1},
           not_delivered=[d])
    b.step('ah-header-without-icv', [cut(AH_HDR)], {'in.in-malformed': 1},
           not_delivered=[d])
    b.step('icv-one-byte-short', [cut(AH_HDR + P.suite.icv - 1)],
           {'in.in-malformed': 1}, not_delivered=[d])
    if ahlen > AH_HDR + P.suite.icv:
        b.step('padding-one-byte-short', [cut(ahlen - 1)],
               {'in.in-malformed': 1}, not_delivered=[d])
    if P.outer == 6 and P.mode == 'transport':
        # Destination options before AH are kipsec's to parse: an option
        # running past the end of its header is malformed.
        d2, pkt2, _ = ah_udp(b, **ah_hdr_opts(b))
        f = ah_edit(P.encrypt(pkt2, b.s(2)), lambda x, o: x.__setitem__(
            v6_option(bytes(x), 0x1e) + 1, 0x20))
        b.step('dest-option-past-its-header', [f], {'in.in-malformed': 1},
               not_delivered=[d2])
    # Whole AH header, payload missing or short: the ICV does not verify.
    b.step('ah-without-payload', [cut(ahlen)], {'in.in-auth': 1},
           not_delivered=[d])
    b.step('payload-one-byte-short', [cut(len(full) - off - 1)],
           {'in.in-auth': 1}, not_delivered=[d])
    b.step('valid-after-truncated', [full], {'in.pkts': 1}, delivered=[d])


def bad_ah_icvlen(b, a):
    """AH whose payload length field does not match the SA's ICV:
    malformed; over IPv4 a header padded to 64 bits (with padding of the
    sender's choice) is accepted, as is a non-zero reserved field that the
    ICV covers (RFC 4302 2.3: the receiver SHOULD ignore it)."""
    P = b.peer
    std = P.suite.ahlen(P.outer)
    pad8 = P.suite.ahlen(6)
    kip = AHPeer(P.suite, P.mode, P.outer, P.inner, P.esn, mirror=True)
    n = 0
    for what, length, reserved in (
            ('icv-4-bytes-short', std - 4, 0),
            ('ah-4-bytes-longer', std + 4, 0),
            ('ah-8-bytes-longer', std + 8, 0),
            ('reserved-field-nonzero-and-signed', std, 0x1234)):
        accepted = length == std or (P.outer == 4 and length == pad8)
        if accepted and length != std:
            what = 'ipv4-padded-to-64-bits'
        n += 1
        seq = b.s(n)
        d, pkt = b.udp()
        f = P.reframe(P.encrypt(pkt, seq), length, P.hi(seq), reserved)
        if accepted:
            # What the peer built must verify by scapy too.
            try:
                kip.decrypt(f, seq)
            except Exception as e:
                b.c.fail(what, 'scapy rejects the hand-made packet: %s' % e, [f])
                continue
            b.step(what, [f], {'in.pkts': 1}, delivered=[d])
        else:
            b.step(what, [f], {'in.in-malformed': 1}, not_delivered=[d])
    for what, plen in (('payload-length-0', 0), ('payload-length-255', 255)):
        n += 1
        d, pkt = b.udp()
        f = ah_edit(P.encrypt(pkt, b.s(n)),
                    lambda x, o: x.__setitem__(o + 1, plen))
        b.step(what, [f], {'in.in-malformed': 1}, not_delivered=[d])
    d, pkt = b.udp()
    b.step('valid-after-wrong-lengths', [P.encrypt(pkt, b.s(n + 1))],
           {'in.pkts': 1}, delivered=[d])


def bad_ah_unknown_spi(b, a):
    """AH for SAs kipsec does not have: left to the stack ("passthrough"
    +1 each) unless the SA family's transport-mode "in" policy covers it
    as it is (then "in-policy" +1 too, as XFRM judges it); then AH for
    the known SPI is delivered."""
    S = load_scapy()
    P = b.peer
    other_fam = 6 if P.outer == 4 else 4
    for what, fam, spi in (('unknown-spi-ipv4', 4, 0xdeadbeef),
                           ('unknown-spi-ipv6', 6, 0xdeadbeef),
                           ('known-spi-other-family', other_fam, SPI_IN)):
        oa, ob = OUTER[fam]
        ip = S.IP(src=ob, dst=oa) if fam == 4 else S.IPv6(src=ob, dst=oa)
        other = S.SecurityAssociation(S.AH, spi=spi, auth_algo=P.suite.auth,
                                      auth_key=P.suite.akey)
        data = tag(b.c.name + what, 0)
        f = S.raw(other.encrypt(ip / S.UDP(sport=PORT_B, dport=PORT_A) /
                                S.Raw(data)))
        # The stack may answer (ICMP protocol unreachable), through the
        # out SA: out.pkts may move.
        covered = P.mode == 'transport' and fam == P.outer
        b.step(what, [f], {'ns.passthrough': 1, 'out.pkts': None,
                           'ns.in-policy': int(covered)},
               not_delivered=[data])
    d, pkt = b.udp()
    b.step('known-spi-delivered', [P.encrypt(pkt, b.s(1))], {'in.pkts': 1},
           delivered=[d])


BAD_CASES.update({
    'ah-auth': bad_ah_auth,
    'ah-mutable': bad_ah_mutable,
    'ah-truncated': bad_ah_truncated,
    'ah-icvlen': bad_ah_icvlen,
    'ah-unknown-spi': bad_ah_unknown_spi,
})
