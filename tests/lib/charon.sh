# SPDX-License-Identifier: GPL-2.0
# strongSwan's charon in a network namespace, keyed through the kipsec
# plugin (tools/strongswan, LD_PRELOADed: nothing is installed) or, with
# plugin=xfrm, through stock kernel-netlink on the kernel's XFRM. Each
# charon has a mount namespace of its own with a private /run (its pid file
# path is compiled in), its own STRONGSWAN_CONF and vici socket, all under
# $charon_dir/NS, and is driven with swanctl over that socket.
#   charon_start NS [plugin=kipsec|xfrm] [STRONGSWAN.CONF LINES...]
#   charon_conf NS <<EOF ... EOF     swanctl.conf of NS, loaded
#   charon_gw_conf NS ...            a gateway's PSK connection, loaded
#   charon_swanctl NS ARGS...        swanctl against NS's charon
#   charon_stop_all                  every charon started, killed
#   charon_log NS...                 their charon logs

charon_dir=/tmp/kipsec-charon
charon_plugin=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/strongswan" && pwd)/libstrongswan-kipsec.so
declare -A charon_pids=()

charon_start() {
	local ns=$1 plugin=kipsec d=$charon_dir/$1 i load extra=()
	shift
	if [[ ${1:-} == plugin=* ]]; then
		plugin=${1#plugin=}
		shift
	fi
	extra=("$@")
	[[ $plugin == xfrm || -f $charon_plugin ]] ||
		fail "charon_start: no $charon_plugin (make with strongSwan's source: scripts/install-deps)"
	rm -rf "$d"
	mkdir -p "$d"
	load="random nonce openssl aes sha1 sha2 hmac gcm pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp kdf kernel-netlink socket-default vici"
	[[ $plugin == kipsec ]] && load="kipsec $load"
	cat >"$d/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = $load
	install_routes = no
	retransmit_tries = 3
	retransmit_timeout = 2
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
	filelog {
		log {
			path = $d/charon.log
			flush_line = yes
			time_format = %T
			default = 1
			knl = 2
		}
	}
$(printf '\t%s\n' "${extra[@]}")
}
EOF
	local pre=
	[[ $plugin == kipsec ]] && pre=$charon_plugin
	# one pid from ip to charon (each execs the next): $! is charon's
	ip netns exec "$ns" unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec env STRONGSWAN_CONF="$1" LD_PRELOAD="$2" /usr/lib/ipsec/charon' \
		charon "$d/strongswan.conf" "$pre" >"$d/stdout" 2>&1 &
	charon_pids[$ns]=$!
	for ((i = 0; i < 100; i++)); do
		[[ -S $d/charon.vici ]] && return 0
		kill -0 "${charon_pids[$ns]}" 2>/dev/null || break
		sleep 0.2
	done
	cat "$d/stdout" "$d/charon.log" 2>/dev/null | tail -n 20
	fail "charon in $ns did not start"
}

# charon_swanctl NS COMMAND [ARGS...] (swanctl's options follow its command)
charon_swanctl() {
	local ns=$1 cmd=$2
	shift 2
	nsx "$ns" swanctl "$cmd" --uri "unix://$charon_dir/$ns/charon.vici" "$@"
}

charon_conf() {
	local ns=$1
	cat >"$charon_dir/$ns/swanctl.conf"
	charon_swanctl "$ns" --load-all --noprompt --file "$charon_dir/$ns/swanctl.conf" \
		>"$charon_dir/$ns/load.out" 2>&1 || {
		tail -n 20 "$charon_dir/$ns/load.out"
		fail "swanctl in $ns refused its configuration"
	}
}

# charon_gw_conf NS LOCAL REMOTE LOCAL_TS REMOTE_TS PROPOSAL_LINE MODE
#                CHILD_LINES [LOCAL_ADDRS]: NS's connection "gw" to REMOTE
# (IKEv2, PSK, identities gw-ADDRESS), its child "net" between LOCAL_TS
# and REMOTE_TS (or "dynamic"), started by hand (swanctl --initiate).
charon_gw_conf() {
	charon_conf "$1" <<EOF
connections {
	gw {
		version = 2
		local_addrs = ${9:-$2}
		remote_addrs = $3
		proposals = aes128-sha256-modp2048
		local {
			auth = psk
			id = gw-$2
		}
		remote {
			auth = psk
			id = gw-$3
		}
		children {
			net {
				local_ts = $4
				remote_ts = $5
				$6
				mode = $7
				$([[ $8 == *start_action* ]] || echo "start_action = none")
				$8
			}
		}
	}
}
secrets {
	ike-gw {
		id-a = gw-$2
		id-b = gw-$3
		secret = "kipsec-test-psk-0123456789"
	}
}
EOF
}

# charon_log NS...: the charon logs of NS...
charon_log() {
	local ns
	for ns in "$@"; do
		cat "$charon_dir/$ns/charon.log" 2>/dev/null
	done
}

charon_stop_all() {
	local ns
	for ns in "${!charon_pids[@]}"; do
		kill "${charon_pids[$ns]}" 2>/dev/null || true
	done
	for ns in "${!charon_pids[@]}"; do
		wait "${charon_pids[$ns]}" 2>/dev/null || true
	done
	charon_pids=()
}
