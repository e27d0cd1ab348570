# SPDX-License-Identifier: GPL-2.0
"""ESP's cryptography by hand (RFC 4303), for every kind of suite in
tests/lib/suites.tsv: encryption, ICV (ESN high half included), IV and
padding, with python3-cryptography alone (no scapy). The oracle's Suite
(esp.py) builds and reads ESP with it; the host-side wire checker
(tests/tools/iop-wire) verifies captured ESP with it."""

import hmac
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

# suites.tsv's kinds whose ICV is the AEAD's tag; cbc, ctr and null
# authenticate with HMAC.
AEAD_KINDS = ('gcm', 'chacha', 'gmac')


class EspCrypto:
    """One SA's ESP transform: kind (gcm chacha gmac cbc ctr null), iv and
    icv (bytes on the wire), hash (the HMAC's hashlib name), align (the
    padding's) as suites.tsv has them, aead (kind in AEAD_KINDS), and the
    keys ekey (with the salt or nonce as its last 4 bytes: gcm, chacha,
    gmac, ctr) and akey, as bytes."""

    def __init__(self, kind, iv, icv, hash, align, ekey, akey):
        self.kind, self.iv, self.icv, self.hash = kind, iv, icv, hash
        self.align, self.aead = align, kind in AEAD_KINDS
        self.ekey, self.akey = ekey, akey

    @classmethod
    def of(cls, suite, ekey, akey):
        """For a suite as tests/lib/suites.py reads it, and its keys."""
        return cls(suite['kind'], suite['iv'], suite['icv'], suite['hash'],
                   suite['align'], ekey, akey)

    # Encryption and ICV by hand (RFC 4106, 7634, 4543; 3602, 3686 and
    # the NULL cipher with 2404, 4868).
    def cipher(self, iv, encrypt, data):
        """CBC, CTR (the key's last 4 bytes are the nonce) or NULL."""
        if self.kind == 'cbc':
            c = Cipher(algorithms.AES(self.ekey), modes.CBC(iv))
        elif self.kind == 'ctr':
            block = self.ekey[-4:] + iv + b'\0\0\0\1'
            c = Cipher(algorithms.AES(self.ekey[:-4]), modes.CTR(block))
        else:
            return data
        x = c.encryptor() if encrypt else c.decryptor()
        return x.update(data) + x.finalize()

    def icv_of(self, data, hi, esn):
        """The HMAC ICV of @data, ESN's high half @hi appended under ESN
        (RFC 4303 2.2.1)."""
        msg = data + (struct.pack('!I', hi) if esn else b'')
        return hmac.new(self.akey, msg, self.hash).digest()[:self.icv]

    def _gcm(self, iv, tag=None):
        """AES-GCM (gcm, gmac) with the salt and @iv as nonce; @tag to
        decrypt (as many bytes as the ICV has)."""
        return Cipher(algorithms.AES(self.ekey[:-4]),
                      modes.GCM(self.ekey[-4:] + iv, tag,
                                min_tag_length=self.icv))

    def _aead_seal(self, iv, aad, plain):
        if self.kind == 'chacha':
            return ChaCha20Poly1305(self.ekey[:-4]).encrypt(
                self.ekey[-4:] + iv, plain, aad)
        e = self._gcm(iv).encryptor()
        if self.kind == 'gmac':
            # RFC 4543: the IV and the payload are authenticated only.
            e.authenticate_additional_data(aad + iv + plain)
            e.finalize()
            return plain + e.tag[:self.icv]
        e.authenticate_additional_data(aad)
        c = e.update(plain) + e.finalize()
        return c + e.tag[:self.icv]

    def _aead_open(self, iv, aad, data):
        if self.kind == 'chacha':
            return ChaCha20Poly1305(self.ekey[:-4]).decrypt(
                self.ekey[-4:] + iv, data, aad)
        if len(data) < self.icv:
            raise InvalidTag()
        body, tag = data[:len(data) - self.icv], data[len(data) - self.icv:]
        d = self._gcm(iv, tag).decryptor()
        if self.kind == 'gmac':
            d.authenticate_additional_data(aad + iv + body)
            d.finalize()
            return body
        d.authenticate_additional_data(aad)
        return d.update(body) + d.finalize()

    def seal(self, spi, seq, esn, iv, plain):
        """ESP (header to ICV) carrying @plain (payload and trailer)."""
        lo, hi = seq & 0xffffffff, seq >> 32
        hdr = struct.pack('!II', spi, lo)
        if self.aead:
            aad = struct.pack('!III', spi, hi, lo) if esn else hdr
            return hdr + iv + self._aead_seal(iv, aad, plain)
        body = hdr + iv + self.cipher(iv, True, plain)
        return body + self.icv_of(body, hi, esn)

    def open(self, esp, hi, esn):
        """The plaintext (payload and trailer) of ESP bytes (SPI to ICV);
        @hi: ESN's high half. InvalidTag if the ICV does not verify."""
        spi, lo = struct.unpack('!II', esp[:8])
        iv = esp[8:8 + self.iv]
        if self.aead:
            aad = struct.pack('!III', spi, hi, lo) if esn else esp[:8]
            return self._aead_open(iv, aad, esp[8 + self.iv:])
        body, icv = esp[:-self.icv], esp[-self.icv:]
        if not hmac.compare_digest(self.icv_of(body, hi, esn), icv):
            raise InvalidTag()
        return self.cipher(iv, False, body[8 + self.iv:])

    def trailer(self, payload_len, nh, extra=0):
        """RFC 4303 padding 1, 2, 3, ... to the suite's alignment (plus
        @extra bytes more), pad length and next header."""
        n = -(payload_len + 2) % self.align + extra
        return bytes(range(1, n + 1)) + bytes([n, nh])


def split_trailer(plain):
    """(payload, padding, next header) of a decrypted ESP payload, the
    padding as long as its pad length byte says (not checked)."""
    n = plain[-2]
    return plain[:-2 - n], plain[-2 - n:-2], plain[-1]
