# SPDX-License-Identifier: GPL-2.0
"""What every case uses: its checks and report (Case: "ok ..." and
"FAIL: ..." lines, with a hexdump of the packets), the UDP socket in kt-a
that sees what kipsec delivered (Listener) and tagged payloads (tag)."""

import select
import socket
import subprocess
import time

from .common import NS_A, PORT_A, out
from .wire import setns


def hexdump(b):
    return '\n'.join('    %04x  %s' % (i, b[i:i + 16].hex(' '))
                     for i in range(0, len(b), 16))


class Case:
    def __init__(self, name):
        self.name, self.fails = name, 0
        self.t0 = time.monotonic()

    def ok(self, what):
        out('ok   %s/%s (%.1fs)' % (self.name, what, time.monotonic() - self.t0))

    def fail(self, what, why, frames=()):
        self.fails += 1
        out('FAIL: %s/%s: %s' % (self.name, what, why))
        for f in frames:
            out('    packet (%d bytes):\n%s' % (len(f), hexdump(f)))

    def check(self, what, cond, why, frames=()):
        if cond:
            self.ok(what)
        else:
            self.fail(what, why, frames)
        return cond

    def done(self):
        if self.fails:
            r = subprocess.run(['dmesg'], stdout=subprocess.PIPE,
                               universal_newlines=True)
            tail = r.stdout.splitlines()[-8:]
            if tail:
                out('    kernel log (tail):')
                for l in tail:
                    out('    ' + l)
        return 1 if self.fails else 0


class Listener:
    """A UDP socket in kt-a: what kipsec delivered."""

    def __init__(self, fam, addr, port=PORT_A):
        setns(NS_A)
        self.s = socket.socket(socket.AF_INET if fam == 4 else socket.AF_INET6,
                               socket.SOCK_DGRAM)
        self.s.bind((addr, port))
        self.s.setblocking(False)
        self.got = []		# (payload, source address, source port)

    def poll(self, timeout):
        r, _, _ = select.select([self.s], [], [], timeout)
        while r:
            try:
                data, src = self.s.recvfrom(65536)
            except BlockingIOError:
                break
            self.got.append((data, src[0], src[1]))
        return bool(r)

    def wait(self, payloads, timeout=6.0):
        """True once every payload in @payloads was received."""
        end = time.monotonic() + timeout
        while not set(payloads) <= {g[0] for g in self.got}:
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.poll(left)
        return True

    def has(self, payload):
        self.poll(0)
        return any(g[0] == payload for g in self.got)


def tag(case, i, size=48):
    t = ('kipsec-oracle %s #%d ' % (case, i)).encode()
    return (t * (size // len(t) + 1))[:size] if size >= len(t) else t[:size]
