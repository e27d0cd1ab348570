# SPDX-License-Identifier: GPL-2.0
# strongSwan's charon in a network namespace, keyed through the kipsec
# plugin (tools/strongswan, LD_PRELOADed: nothing is installed) or, with
# plugin=xfrm, through stock kernel-netlink on the kernel's XFRM, or, with
# plugin=installed:ROOT, as installed into ROOT by make install-strongswan
# and loaded by Debian's own configuration (/etc/strongswan.conf's
# load_modular, the plugin directory and strongswan.d/charon, with ROOT's
# files bound into both within charon's mount namespace). Each
# charon has a mount namespace of its own with a private /run (its pid file
# path is compiled in), its own STRONGSWAN_CONF and vici socket, all under
# $charon_dir/NS, and is driven with swanctl over that socket.
#   charon_start NS [plugin=kipsec|xfrm|installed:ROOT] [STRONGSWAN.CONF LINES...]
#   charon_conf NS <<EOF ... EOF     swanctl.conf of NS, loaded
#   charon_gw_conf NS ...            a gateway's connection, loaded
#   charon_certs NS=ADDR...          a CA and certificates for them
#   charon_swanctl NS ARGS...        swanctl against NS's charon
#   charon_stop_all                  every charon started, killed
#   charon_log NS...                 their charon logs
#   charon_logged PATTERN NS...      whether one of them has PATTERN

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
	[[ $plugin != kipsec || -f $charon_plugin ]] ||
		fail "charon_start: no $charon_plugin (make with strongSwan's source: scripts/install-deps)"
	rm -rf "$d"
	mkdir -p "$d"
	load="random nonce openssl aes sha1 sha2 hmac gcm pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp kdf kernel-netlink socket-default vici"
	[[ $plugin == kipsec ]] && load="kipsec $load"
	local loading="load_modular = no
	load = $load" binds=
	if [[ $plugin == installed:* ]]; then
		# Debian's plugin directory and strongswan.d/charon, plus ROOT's
		# files, bound over the originals in charon's mount namespace
		local root=${plugin#installed:}
		[[ -f $root/usr/lib/ipsec/plugins/libstrongswan-kipsec.so &&
			-f $root/etc/strongswan.d/charon/kipsec.conf ]] ||
			fail "charon_start: nothing installed in $root"
		mkdir -p "$d/plugins" "$d/charon.d"
		cp /usr/lib/ipsec/plugins/* "$root/usr/lib/ipsec/plugins/"* "$d/plugins/"
		cp /etc/strongswan.d/charon/* "$root/etc/strongswan.d/charon/"* "$d/charon.d/"
		binds="mount --bind $d/plugins /usr/lib/ipsec/plugins && mount --bind $d/charon.d /etc/strongswan.d/charon && "
		loading="load_modular = yes"
		plugin=installed
	fi
	cat >"$d/strongswan.conf" <<EOF
charon {
	$loading
	install_routes = no
	retransmit_tries = 3
	retransmit_timeout = 2
	plugins {
		$([[ $plugin == installed ]] && echo "include /etc/strongswan.d/charon/*.conf")
		vici {
			socket = unix://$d/charon.vici
		}
	}
	filelog {
		log {
			path = $d/charon.log
			flush_line = yes
			time_format = %T
			time_add_ms = yes
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
	ip netns exec "$ns" unshare -m sh -c "$binds"'mount -t tmpfs tmpfs /run && exec env STRONGSWAN_CONF="$1" LD_PRELOAD="$2" /usr/lib/ipsec/charon' \
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
	nsx "$ns" env SWANCTL_DIR="$charon_dir/$ns" swanctl "$cmd" \
		--uri "unix://$charon_dir/$ns/charon.vici" "$@"
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
#                CHILD_LINES [LOCAL_ADDRS] [AUTH] [IKE_LINES]: NS's
# connection "gw" to REMOTE (IKEv2, identities gw-ADDRESS with AUTH psk,
# the default, or the addresses themselves with pubkey: charon_certs made
# the certificates), its child "net" between LOCAL_TS and REMOTE_TS (or
# "dynamic"), started by hand (swanctl --initiate).
charon_gw_conf() {
	local auth=${10:-psk} lid=gw-$2 rid=gw-$3 cred
	cred="ike-gw {
		id-a = gw-$2
		id-b = gw-$3
		secret = \"kipsec-test-psk-0123456789\"
	}"
	[[ $auth == psk ]] || lid=$2 rid=$3 cred=
	charon_conf "$1" <<EOF
connections {
	gw {
		version = 2
		local_addrs = ${9:-$2}
		remote_addrs = $3
		proposals = aes128-sha256-modp2048
		${11:-}
		local {
			auth = $auth
			id = $lid
			$([[ $auth == pubkey ]] && echo "certs = cert.pem")
		}
		remote {
			auth = $auth
			id = $rid
			$([[ $auth == pubkey ]] && echo "cacerts = ca.pem")
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
	$cred
}
EOF
}

# charon_certs NS=ADDRESS...: a CA, and for each NS a key and a
# certificate for ADDRESS (its identity and subjectAltName), made with pki
# for charon_gw_conf's pubkey authentication, in NS's swanctl directory
# (x509ca/ca.pem, ecdsa/key.pem, x509/cert.pem); the CA's key is thrown
# away.
charon_certs() {
	local kv ns d ca=$charon_dir/ca
	mkdir -p "$ca"
	pki --gen --type ecdsa --size 256 --outform pem >"$ca/key.pem"
	pki --self --ca --lifetime 2 --in "$ca/key.pem" --type ecdsa \
		--dn "CN=kipsec test CA" --outform pem >"$ca/ca.pem"
	for kv in "$@"; do
		ns=${kv%%=*} d=$charon_dir/${kv%%=*}
		mkdir -p "$d/x509ca" "$d/x509" "$d/ecdsa"
		cp "$ca/ca.pem" "$d/x509ca/"
		pki --gen --type ecdsa --size 256 --outform pem >"$d/ecdsa/key.pem"
		pki --pub --in "$d/ecdsa/key.pem" --type ecdsa |
			pki --issue --lifetime 2 --cacert "$ca/ca.pem" \
				--cakey "$ca/key.pem" --dn "CN=${kv#*=}" \
				--san "${kv#*=}" --outform pem >"$d/x509/cert.pem" ||
			fail "pki could not issue $ns's certificate"
	done
	rm -rf "$ca"
}

# charon_log NS...: the charon logs of NS...
charon_log() {
	local ns
	for ns in "$@"; do
		cat "$charon_dir/$ns/charon.log" 2>/dev/null
	done
}

# charon_logged PATTERN NS...: one of NS's charon logs has a line with
# PATTERN (grep reads the files: "charon_log | grep -q" fails under
# pipefail when grep leaves before cat has written everything).
charon_logged() {
	local pat=$1 ns files=()
	shift
	for ns in "$@"; do
		files+=("$charon_dir/$ns/charon.log")
	done
	grep -qs -- "$pat" "${files[@]}"
}

charon_stop_all() {
	local ns
	for ns in "${!charon_pids[@]}"; do
		# a test may have stopped it (SIGSTOP)
		kill -CONT "${charon_pids[$ns]}" 2>/dev/null || true
		kill "${charon_pids[$ns]}" 2>/dev/null || true
	done
	for ns in "${!charon_pids[@]}"; do
		wait "${charon_pids[$ns]}" 2>/dev/null || true
	done
	charon_pids=()
}
