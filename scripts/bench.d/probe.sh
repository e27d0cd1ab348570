#!/bin/bash
modprobe -a aesni_intel ghash_clmulni_intel chacha_x86_64 poly1305_x86_64 sha256_ssse3 authenc chacha20poly1305 gcm
time modprobe kipsec_bench_aead alg='rfc4106(gcm(aes))' klen=20 assoclen=16
time modprobe kipsec_bench_aead alg='rfc7539esp(chacha20,poly1305)' klen=36 assoclen=16
time modprobe kipsec_bench_aead alg='authenc(hmac(sha256),cbc(aes))' klen=16 aklen=32 assoclen=8
time modprobe tcrypt mode=213 sec=1
dmesg | grep -E "kipsec_bench|testing speed|1420 byte"
