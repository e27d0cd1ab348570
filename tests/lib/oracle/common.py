# SPDX-License-Identifier: GPL-2.0
"""What every part of the oracle shares: the namespaces, addresses, SPIs
and ports tests/lib/esporacle.sh sets up, the suites (tests/lib/suites.tsv's
"oracle" set), scapy and python3-cryptography loaded once (load_scapy) and
out()."""

import os

# tests/lib/suites.py: tests/lib is on sys.path, as this package needs.
import suites as suite_table

from .espcrypto import AEAD_KINDS

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
UAPI = os.path.join(REPO, 'uapi', 'linux', 'kipsec.h')

NS_A, NS_B = 'kt-a', 'kt-b'
DEV_A, DEV_B = 'va', 'vb'
# Addresses as peer_hosts and kipsec_side (tests/lib/esporacle.sh) set
# them: outer (the veth) and inner (tunnel mode: on kt-a's lo).
OUTER = {4: ('10.0.0.1', '10.0.0.2'), 6: ('fd00::1', 'fd00::2')}
INNER = {4: ('10.9.0.1', '10.9.0.2'), 6: ('fd09::1', 'fd09::2')}
SPI_OUT, SPI_IN = 0x1001, 0x2002	# kipsec's A->B and B->A SAs
PORT_A, PORT_A_SRC, PORT_B = 5555, 5556, 7777
# ESP in UDP (RFC 3948): kipsec's encapsulation port (kipsec config set
# encap-port) and its SAs' ports (encap espinudp 4500 4500).
NATT_PORT = 4500
IPPROTO_ESP, IPPROTO_AH = 50, 51
ETH_P_ALL, ETH_P_IP, ETH_P_IPV6 = 0x0003, 0x0800, 0x86DD
PACKET_OUTGOING = 4
CLONE_NEWNET = 0x40000000

# Loaded by load_scapy(): the server does it once, before forking. The
# other modules call load_scapy() (or read common.S): "from .common import
# S" would copy the None it starts as.
S = None

# Suites: tests/lib/suites.tsv's "oracle" set (what kipsec calls them,
# what scapy 2.5 calls them and their geometry; kind and hash are what
# espcrypto.EspCrypto, which Suite is, reads). AES-XCBC-MAC-96 is not
# scapy's: register_xcbc() adds it.
SUITES = {
    s['name']: dict(aead=s['kind'] in AEAD_KINDS, kind=s['kind'],
                    hash=s['hash'], crypt=s['scapy_crypt'],
                    auth=s['scapy_auth'], ekey=s['ekey'], akey=s['akey'],
                    salt=s['salt'], iv=s['iv'], align=s['align'],
                    icv=s['icv'])
    for s in suite_table.in_set('oracle') if s['proto'] == 'esp'}
AH_SUITES = {
    s['name']: dict(auth=s['scapy_auth'], akey=s['akey'], icv=s['icv'],
                    hash=s['hash'].upper() if s['hash'] else None)
    for s in suite_table.in_set('oracle') if s['proto'] == 'ah'}


def load_scapy():
    global S
    if S is not None:
        return S
    import types
    from scapy.compat import raw
    from scapy.layers.inet import IP, UDP, ICMP
    from scapy.layers.inet6 import IPv6, ICMPv6EchoRequest, ICMPv6EchoReply
    from scapy.layers.ipsec import SecurityAssociation, ESP, AH
    from scapy.layers.inet import (IPOption_Router_Alert, IPOption_RR,
                                   IPOption_NOP, IPOption_Timestamp)
    from scapy.layers.inet6 import (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                                    HBHOptUnknown, RouterAlert,
                                    IPv6ExtHdrFragment)
    from scapy.packet import Raw
    from scapy.utils import hexdump
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import (
        AESGCM, ChaCha20Poly1305)
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.exceptions import InvalidTag
    S = types.SimpleNamespace(**locals())
    # AH's (ah.py imports this module: imported here, not at the top).
    from .ah import register_xcbc
    register_xcbc()
    return S


def out(*a):
    print(*a, flush=True)
