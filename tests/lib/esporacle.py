#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
esporacle: an independent ESP and AH peer for kipsec's VM tests.

kipsec runs in netns kt-a; this helper plays the peer on the other end of
the veth (kt-b, whose own IP stack is left without addresses so that it
never answers). It builds ESP with scapy's SecurityAssociation (and, for
what scapy cannot express -- bad padding, dummy packets, ESN with HMAC --
with the same primitives from python3-cryptography, cross-checked against
scapy first), injects it on vb with an AF_PACKET socket, captures what
kipsec sends on vb and decrypts it, and reads kipsec's counters (per SA
and per netns) over generic netlink, GET_SA and GET_STATS, checking once
per case that "kipsec -j -s state get" and "kipsec -j stats" show the
same.

AH (RFC 4302, tests/vm/ah-oracle.sh and tests/vm/ah-badinput.sh) uses
the same machinery: scapy's SecurityAssociation(AH, ...) builds and
verifies, and every ICV scapy computes or checks is also computed by hand
(ah_clear_mutable(), the RFC 4302 Appendix A rules) so that a fault in
scapy's own mutable-field handling shows up as such (ScapyDiffers,
"helper-self-check"), not as a kipsec failure. scapy 2.5 has no
AES-XCBC-MAC-96: the helper registers its own (RFC 3566, checked against
the RFC's test vectors).

Importing scapy costs tens of seconds in the emulated guest, so one helper
process serves a whole VM boot: "serve DIR" imports scapy once and then
forks a child per request written to the FIFO DIR/req (see
tests/lib/esporacle.sh, the bash client). "run CMD ..." runs one command
directly (slow start, for debugging); "selftest" checks the builders on
any machine.

Commands print "ok ..." lines and, for each failed check, one line
"FAIL: <what>: <expected vs observed>" (tests/vm/run reports the first),
and exit non-zero if any check failed.
"""

import os
import sys

# The parts are in tests/lib/oracle/ (see its __init__.py), which imports
# suites.py from here.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle.common import out	# noqa: E402
from oracle.selftest import cmd_selftest	# noqa: E402
from oracle.server import dispatch, serve	# noqa: E402


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == 'serve':
        idle = float(sys.argv[3]) if len(sys.argv) > 3 else 900
        return serve(sys.argv[2], idle)
    if len(sys.argv) >= 2 and sys.argv[1] == 'run':
        return dispatch(sys.argv[2:])
    if len(sys.argv) >= 2 and sys.argv[1] == 'selftest':
        return cmd_selftest(sys.argv[2:])
    out(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main())
