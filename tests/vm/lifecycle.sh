# Teardown while packets are in flight: module unload and namespace
# deletion with SAs, policies and traffic; the kernel log stays clean.

kipsec_pair() {	# both ends kipsec, AES-GCM transport between kt-a and kt-b
	load_module
	two_hosts
	sa_pairs kt-a kt-b src=10.0.0.1 dst=10.0.0.2 spi=0x10/0x20 \
		in="replay-window 64" -- aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	nsx kt-a ping -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "kipsec to kipsec ping failed"
}

t_unload_under_traffic() {
	kipsec_pair
	nsx kt-a ping -f -w 4 -s 1000 10.0.0.2 >/dev/null 2>&1 &
	local pinger=$!
	sleep 2
	modprobe -r kipsec
	! module_loaded || fail "module still loaded"
	wait "$pinger" || true
	kernel_log_clean
}

t_netns_delete_under_traffic() {
	kipsec_pair
	nsx kt-a ping -f -w 4 -s 1000 10.0.0.2 >/dev/null 2>&1 &
	local pinger=$!
	sleep 2
	ip netns delete kt-b
	ip netns delete kt-a
	wait "$pinger" || true
	sleep 1
	kernel_log_clean
	modprobe -r kipsec
}

t_sa_delete_under_traffic() {
	kipsec_pair
	nsx kt-a ping -f -w 4 -s 1000 10.0.0.2 >/dev/null 2>&1 &
	local pinger=$!
	local i
	for i in $(seq 20); do
		nsx kt-b kipsec state flush
		nsx kt-b kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10 \
			mode transport aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	done
	wait "$pinger" || true
	kernel_log_clean
}

t_sequence_never_wraps_without_esn() {
	kipsec_pair
	# Restart kt-a's outbound SA just below the top of the 32-bit space.
	nsx kt-a kipsec state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10
	nsx kt-b kipsec state flush
	local k
	k=$(hexkey 20)
	nsx kt-a kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10 \
		mode transport aead 'rfc4106(gcm(aes))' "$k" 128 replay-oseq 0xfffffffe
	nsx kt-b kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10 \
		mode transport aead 'rfc4106(gcm(aes))' "$k" 128 replay-window 32 \
		replay-seq 0xfffffff0
	nsx kt-b kipsec state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x20 \
		mode transport aead 'rfc4106(gcm(aes))' "$k" 128
	must_fail nsx kt-a ping -c 4 -i 0.3 -W 1 10.0.0.2 >/dev/null
	local out got
	# One packet went out with 0xffffffff; the next found the counter
	# exhausted (counted, and a hard expiry removed the SA); the last
	# two found no SA at all.
	must_fail nsx kt-a kipsec state get dst 10.0.0.2 proto esp spi 0x10
	out=$(nsx kt-a kipsec stats)
	got=$(awk '$1 == "OutSeqOverflow" || $1 == "OutNoState" { printf "%s=%s ", $1, $2 }' <<<"$out")
	[[ $got == "OutNoState=2 OutSeqOverflow=1 " ]] || fail "kt-a counters: $got (want OutNoState=2 OutSeqOverflow=1)"
	out=$(nsx kt-b kipsec -j -s state get dst 10.0.0.2 proto esp spi 0x10)
	got=$(/usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["replay-seq"], j["lifetime"]["packets"])' <<<"$out")
	[[ $got == "4294967295 1" ]] || fail "receiver saw: $got (want 4294967295 1)"
}
