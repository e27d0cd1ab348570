# Foundation tests: module lifecycle, the generic netlink family, the tool's
# round trip and the permission model. Run by tests/vm/run inside the VM.

t_family_autoload() {
	unload_module
	# Resolving the family name makes the kernel request the module
	# (MODULE_ALIAS_GENL_FAMILY); the tool must then work at once.
	expect_out '^kipsec tool [0-9.]+, module [0-9.]+ \(ABI 1\)$' kipsec version
	module_loaded || fail "family lookup did not load the module"
}

t_family_present() {
	load_module
	expect_out 'Name: kipsec' genl ctrl get name kipsec
	[[ $last_out =~ events ]] || fail "multicast group \"events\" missing: $last_out"
	[[ $last_out =~ [Vv]ersion:\ 0?x?0*1 ]] || fail "family version is not 1: $last_out"
}

t_version_roundtrip() {
	load_module
	local want
	want="kipsec tool 0.1.0, module $(cat /sys/module/kipsec/version) (ABI 1)"
	expect_out '' kipsec version
	[[ $last_out == "$want" ]] || fail "got \"$last_out\", want \"$want\""
	expect_out '^\{"tool":"0\.1\.0","module":"[0-9.]+","abi":1\}$' kipsec -j version
}

t_load_unload_20() {
	local i
	for i in $(seq 20); do
		modprobe kipsec
		kipsec version >/dev/null
		modprobe -r kipsec
		! module_loaded || fail "round $i: still loaded after modprobe -r"
	done
	kernel_log_clean
}

t_netns_churn() {
	local round i pids
	load_module
	for round in $(seq 5); do
		for i in $(seq 8); do
			ip netns add "kt-churn-$i"
		done
		pids=()
		for i in $(seq 8); do
			kipsec -n "kt-churn-$i" version >/dev/null &
			pids+=($!)
		done
		for i in "${pids[@]}"; do
			wait "$i" || fail "kipsec version failed inside a namespace"
		done
		# Unload and reload with namespaces alive: pernet exit and
		# init must run for namespaces that outlive the module.
		if ((round % 2)); then
			modprobe -r kipsec
			modprobe kipsec
			kipsec -n kt-churn-1 version >/dev/null
		fi
		for i in $(seq 8); do
			ip netns delete "kt-churn-$i"
		done
	done
	# Namespaces created and destroyed in a burst, and by unshare.
	for i in $(seq 20); do
		unshare --net kipsec version >/dev/null
	done
	kernel_log_clean
}

t_not_implemented_says_so() {
	load_module
	# A feature the ABI has but this version lacks answers EOPNOTSUPP
	# with an extack message: one line, exit 2.
	expect_out '^kipsec: nested templates are not supported yet \(Operation not supported\)$' \
		kipsec policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto ah mode tunnel
	((last_rc == 2)) || fail "exit $last_rc, want 2"
}

t_allocspi_larval_expires() {
	load_module
	ip netns add kt-spi
	nsx kt-spi kipsec config set acquire-expires 600
	local spis=() i spi
	for i in $(seq 20); do
		spi=$(nsx kt-spi kipsec -j state allocspi src 10.0.0.1 dst 10.0.0.2 \
			proto esp min 0x1000 max 0x1fff | /usr/bin/python3 -c \
			'import json,sys; print(int(json.load(sys.stdin)["spi"], 16))')
		((spi >= 0x1000 && spi <= 0x1fff)) || fail "SPI $spi outside 0x1000-0x1fff"
		spis+=("$spi")
	done
	[[ $(printf '%s\n' "${spis[@]}" | sort -u | wc -l) == 20 ]] || fail "allocated SPIs repeat"
	expect_out 'larval' nsx kt-spi kipsec -j state list
	# A range of one SPI: taken once, then no space.
	nsx kt-spi kipsec state allocspi dst 10.0.0.2 proto esp min 0x42 max 0x42 >/dev/null
	expect_out 'no free SPI' nsx kt-spi kipsec state allocspi dst 10.0.0.2 proto esp min 0x42 max 0x42
	# Completed by an update, one stays; the others expire.
	nsx kt-spi kipsec state update src 10.0.0.1 dst 10.0.0.2 proto esp \
		spi "${spis[0]}" aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	nsx kt-spi kipsec config set acquire-expires 1
	sleep 3
	[[ $(nsx kt-spi kipsec -j state count | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])') == 1 ]] ||
		fail "larval SAs did not expire: $(nsx kt-spi kipsec state list)"
}

t_eperm_unprivileged_user() {
	load_module
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	expect_out '^kipsec: operation not permitted: changing kipsec state needs CAP_NET_ADMIN in this network namespace$' \
		"${nobody[@]}" kipsec state flush
	((last_rc == 2)) || fail "exit $last_rc, want 2"
	expect_out 'operation not permitted' "${nobody[@]}" kipsec policy flush
	# Reading stays open.
	expect_out '^kipsec tool' "${nobody[@]}" kipsec version
}

t_eperm_user_namespace() {
	load_module
	# Root of a new user namespace has no CAP_NET_ADMIN over this netns.
	expect_out 'operation not permitted' unshare --user --map-root-user kipsec state flush
	((last_rc == 2)) || fail "exit $last_rc, want 2"
	# ... but does over a netns its user namespace owns.
	expect_out '^$' unshare --user --map-root-user --net kipsec state flush
	((last_rc == 0)) || fail "exit $last_rc in an owned netns, want 0"
}

t_kernel_log_clean() {
	unload_module
	kernel_log_clean
}
