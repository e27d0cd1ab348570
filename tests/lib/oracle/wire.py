# SPDX-License-Identifier: GPL-2.0
"""Namespaces and links: setns() into kt-a or kt-b, and the Wire, kt-b's
end of the veth (inject frames to va, capture what va sends), with where
ESP and AH start in a captured IP packet."""

import ctypes
import os
import select
import socket
import struct
import time

from .common import (CLONE_NEWNET, DEV_A, DEV_B, ETH_P_ALL, ETH_P_IP,
                     ETH_P_IPV6, IPPROTO_AH, NATT_PORT, NS_A, NS_B,
                     PACKET_OUTGOING)


_libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open('/run/netns/' + name, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, 'setns %s: %s' % (name, os.strerror(e)))
    finally:
        os.close(fd)


def mac_of(ns, dev):
    setns(ns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((dev, 0))
    mac = s.getsockname()[4]
    s.close()
    return mac


class Wire:
    """kt-b's end of the veth: inject frames to va, capture what va sends."""

    def __init__(self):
        dst = mac_of(NS_A, DEV_A)
        setns(NS_B)
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.tx.bind((DEV_B, 0))
        src = self.tx.getsockname()[4]
        self.l2 = dst + src
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                socket.htons(ETH_P_ALL))
        self.rx.bind((DEV_B, ETH_P_ALL))
        self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.rx.setblocking(False)

    def send(self, ip):
        et = ETH_P_IP if ip[0] >> 4 == 4 else ETH_P_IPV6
        self.tx.send(self.l2 + struct.pack('!H', et) + ip)

    def drain(self):
        """Forgets everything captured so far."""
        while True:
            try:
                self.rx.recv(65536)
            except BlockingIOError:
                return

    def recv_ip(self, timeout):
        """The next IP packet kt-a sent on the wire, or None."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.rx], [], [], left)
            if not r:
                return None
            try:
                frame, addr = self.rx.recvfrom(65536)
            except BlockingIOError:
                continue
            if addr[2] == PACKET_OUTGOING or len(frame) < 14:
                continue
            et = struct.unpack('!H', frame[12:14])[0]
            ip = frame[14:]
            if et == ETH_P_IP and len(ip) >= 20:
                return ip[:struct.unpack('!H', ip[2:4])[0]]
            if et == ETH_P_IPV6 and len(ip) >= 40:
                return ip[:40 + struct.unpack('!H', ip[4:6])[0]]

    def recv_esp(self, timeout, spi=None, proto=None):
        """The next ESP packet (AH with @proto 51) of @spi kt-a sent, as
        bytes, or None."""
        end = time.monotonic() + timeout
        while True:
            ip = self.recv_ip(max(0.0, end - time.monotonic()))
            if ip is None:
                return None
            if proto == IPPROTO_AH:
                off = ah_offset(ip)
                off = None if off is None else off + 4
            else:
                off = esp_offset(ip)
            if off is None or len(ip) < off + 4:
                continue
            if spi is None or struct.unpack('!I', ip[off:off + 4])[0] == spi:
                return ip


def esp_offset(ip):
    """Where ESP starts in an IP packet (no extension headers), or None;
    in UDP (RFC 3948: from or to port 4500, no non-ESP marker) after the
    UDP header."""
    v4 = ip[0] >> 4 == 4
    off, nh = ((ip[0] & 15) * 4, ip[9]) if v4 else (40, ip[6])
    if nh == 50:
        return off
    if nh == 17 and len(ip) >= off + 12 and \
            NATT_PORT in struct.unpack('!HH', ip[off:off + 4]) and \
            ip[off + 8:off + 12] != bytes(4):
        return off + 8
    return None


def ah_offset(ip):
    """Where AH starts in an IP packet (IPv6: after hop-by-hop, routing
    and destination options headers), or None."""
    if ip[0] >> 4 == 4:
        return (ip[0] & 15) * 4 if len(ip) >= 20 and ip[9] == IPPROTO_AH \
            else None
    if len(ip) < 40:
        return None
    nh, off = ip[6], 40
    while nh in (0, 43, 60) and off + 2 <= len(ip):
        nh, off = ip[off], off + (ip[off + 1] + 1) * 8
    return off if nh == IPPROTO_AH else None
