#!/usr/bin/python3
"""Traffic for tests/vm/ah.sh, in one process (each one costs seconds
under TCG): for every pair of addresses given, both ways, UDP datagrams
carrying IP options (IPv4: router alert, record route, both, NOPs) or IPv6
extension headers (hop-by-hop with a "may change" option, destination
options with and without it), each of which must arrive intact, and a TCP
transfer whose content is compared.

  ahtraffic.py NS_A NS_B ADDR_A,ADDR_B [ADDR_A,ADDR_B...]

Prints one line per problem and exits 1 if there was any.
"""
import ctypes
import hashlib
import os
import socket
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
IPV6_HOPOPTS = 54
IPV6_DSTOPTS = 59
TCP_BYTES = 96 * 1024


def setns(name):
    fd = os.open('/run/netns/' + name, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, 'setns %s: %s' % (name, os.strerror(e)))
    finally:
        os.close(fd)


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


# Hop-by-hop: router alert (immutable) and an option with the "may change"
# bit (type 0x3e), PadN to 16 bytes. Destination options: an immutable one
# (0x1e) and a "may change" one (0x3e).
HBH = bytes([0, 1, 5, 2, 0, 0, 0x3e, 2, 0xaa, 0xbb, 1, 4, 0, 0, 0, 0])
DST_FIXED = bytes([0, 0, 0x1e, 4, 1, 2, 3, 4])
DST_CHG = bytes([0, 0, 0x3e, 4, 9, 9, 9, 9])
V6_CASES = [
    [(socket.IPPROTO_IPV6, IPV6_HOPOPTS, HBH)],
    [(socket.IPPROTO_IPV6, IPV6_DSTOPTS, DST_FIXED)],
    [(socket.IPPROTO_IPV6, IPV6_DSTOPTS, DST_CHG)],
    [(socket.IPPROTO_IPV6, IPV6_HOPOPTS, HBH),
     (socket.IPPROTO_IPV6, IPV6_DSTOPTS, DST_FIXED)],
]
V4_CASES = [
    bytes([148, 4, 0, 0]),                          # router alert
    bytes([7, 11, 4] + [0] * 8 + [1]),              # record route, NOP
    bytes([148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0]),  # both
    bytes([1, 1, 1, 0]),                            # NOPs, end
]

problems = []


class Flow:
    """One direction between two addresses: receivers in the destination's
    namespace, senders in the source's."""

    def __init__(self, idx, ns_src, src, ns_dst, dst):
        self.name = '%s -> %s' % (src, dst)
        self.src, self.dst = src, dst
        self.ns_src, self.ns_dst = ns_src, ns_dst
        self.port = 7000 + idx
        self.data = os.urandom(TCP_BYTES)
        setns(ns_dst)
        fam = family(dst)
        self.udp = socket.socket(fam, socket.SOCK_DGRAM)
        self.udp.bind((dst, self.port))
        self.udp.settimeout(0.2)
        self.tcp = socket.socket(fam, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((dst, self.port))
        self.tcp.listen(1)
        self.tcp.settimeout(40)
        self.got = set()
        self.digest = None

    def send(self):
        setns(self.ns_src)
        fam = family(self.dst)
        if fam == socket.AF_INET6:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.bind((self.src, 0))
            for i, anc in enumerate(V6_CASES):
                s.sendmsg([b'ah-%d' % i], anc, 0, (self.dst, self.port))
            s.close()
        else:
            for i, opt in enumerate(V4_CASES):
                s = socket.socket(fam, socket.SOCK_DGRAM)
                s.bind((self.src, 0))
                s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, opt)
                s.sendto(b'ah-%d' % i, (self.dst, self.port))
                s.close()
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.bind((self.src, 0))
        c.settimeout(40)
        return c

    def serve(self):
        try:
            c, _ = self.tcp.accept()
            c.settimeout(40)
            h = hashlib.sha256()
            while True:
                b = c.recv(65536)
                if not b:
                    break
                h.update(b)
            self.digest = h.hexdigest()
        except OSError as e:
            problems.append('%s: TCP receiver: %s' % (self.name, e))

    def collect_udp(self, deadline):
        while len(self.got) < 4 and time.monotonic() < deadline:
            try:
                data, _ = self.udp.recvfrom(2048)
                self.got.add(data)
            except socket.timeout:
                pass


def main():
    ns_a, ns_b = sys.argv[1], sys.argv[2]
    flows = []
    for i, pair in enumerate(sys.argv[3:]):
        a, b = pair.split(',')
        flows.append(Flow(2 * i, ns_a, a, ns_b, b))
        flows.append(Flow(2 * i + 1, ns_b, b, ns_a, a))
    servers = [threading.Thread(target=f.serve) for f in flows]
    for t in servers:
        t.start()
    senders = []
    for f in flows:
        c = f.send()

        def push(f=f, c=c):
            try:
                c.connect((f.dst, f.port))
                c.sendall(f.data)
                c.close()
            except OSError as e:
                problems.append('%s: TCP sender: %s' % (f.name, e))
        senders.append(threading.Thread(target=push))
    for t in senders:
        t.start()
    deadline = time.monotonic() + 30
    for f in flows:
        f.collect_udp(deadline)
    for t in senders + servers:
        t.join(60)
    for f in flows:
        want = {b'ah-%d' % i for i in range(4)}
        if f.got != want:
            problems.append('%s: UDP with options: missing %s' % (
                f.name, ','.join(sorted(x.decode() for x in want - f.got))))
        if f.digest != hashlib.sha256(f.data).hexdigest():
            problems.append('%s: TCP content differs or incomplete' % f.name)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
