# kipsec's verdicts against XFRM's, side by side: the same configuration in
# a kipsec namespace and in an XFRM namespace (the kernel's own IPsec, as
# net/xfrm/xfrm_policy.c of Linux 6.1 decides), the same packets into both,
# and what each delivers compared. XFRM is the reference: when XFRM does
# not behave as a test's comment says, the test says so ("XFRM control")
# and the test itself is wrong, not kipsec.
#
# Most scenarios use vworld: one sender (kt-s, no addresses: scapy writes
# frames on its veths) wired to two receivers that look the same from the
# wire:
#
#   kt-k (kipsec)  k0 10.0.0.1 fd00::1 --- sk  kt-s  sx --- x0 10.0.0.1 fd00::1  kt-x (XFRM)
#
# Each receiver runs a listener (sockets: UDP, raw IPv6, multicast) that
# counts per socket and source what reaches it, and the highest
# SO_INCOMING_NAPI_ID it saw. The forwarding cases (dev selector) use two
# router chains instead (router_pair).

VD=/tmp/kt-verdict
MAC_R=02:6b:74:00:00:01	# k0 and x0: separate links, one MAC
MAC_S=02:6b:74:00:00:02	# sk and sx
GCM=rfc4106\(gcm\(aes\)\)

# both ARGS...: one "ip xfrm" command in kt-k with kipsec and in kt-x with
# ip xfrm (the same grammar).
both() {
	nsx kt-k kipsec "$@"
	nsx kt-x ip xfrm "$@"
}

vworld() {
	load_module
	load_xfrm
	rm -rf "$VD"
	mkdir -p "$VD"
	write_py
	ip -b - <<-EOF
	netns add kt-s
	netns add kt-k
	netns add kt-x
	link add sk address $MAC_S netns kt-s type veth peer name k0 address $MAC_R netns kt-k
	link add sx address $MAC_S netns kt-s type veth peer name x0 address $MAC_R netns kt-x
	EOF
	ip -n kt-s -b - <<-EOF
	link set lo up
	link set sk addrgenmode none
	link set sx addrgenmode none
	link set sk up
	link set sx up
	EOF
	local ns d
	for ns in kt-k kt-x; do
		d=${ns#kt-}0
		ip -n $ns -b - <<-EOF
		link set lo up
		addr add 10.0.0.1/24 dev $d
		addr add fd00::1/64 dev $d nodad
		link set $d up
		neigh replace 10.0.0.2 lladdr $MAC_S dev $d nud permanent
		neigh replace fd00::2 lladdr $MAC_S dev $d nud permanent
		route add 10.9.0.0/24 dev $d
		EOF
	done
	KEY=$(hexkey 20)
}

# sa_in SPI [WORD...]: the SA 10.0.0.2 -> 10.0.0.1 (or fd00::2 -> fd00::1
# with "6" first) SPI, AES-GCM with $KEY, in both receivers.
sa_in() {
	local s=10.0.0.2 d=10.0.0.1
	if [[ $1 == 6 ]]; then
		s=fd00::2 d=fd00::1
		shift
	fi
	local spi=$1
	shift
	both state add src $s dst $d proto esp spi "$spi" "$@" aead "$GCM" "$KEY" 128
}

# A dummy SA (nothing uses it): kipsec's hooks are registered in a
# namespace once it has an SA.
sa_dummy() {
	nsx "$1" kipsec state add src 10.0.0.3 dst 10.0.0.4 proto esp spi 0x999 \
		aead "$GCM" "$(hexkey 20)" 128
}

# listen NAME SPEC...: a listener in kt-k and one in kt-x (results in
# $VD/NAME.k and $VD/NAME.x). SPEC: udp4/PORT, udp6/PORT, raw6/PROTO,
# mc4/GROUP/PORT/IFADDR.
listen() {
	local name=$1 w i
	shift
	for w in k x; do
		rm -f "$VD/$name.$w"*
		nsx kt-$w /usr/bin/python3 "$VD/listen.py" "$VD/$name.$w" "$@" \
			>"$VD/$name.$w.log" 2>&1 &
	done
	for ((i = 0; i < 200; i++)); do
		[[ -e $VD/$name.k.ready && -e $VD/$name.x.ready ]] && return 0
		sleep 0.1
	done
	fail "listeners not ready: $(cat "$VD/$name".*.log)"
}

# listen_stop NAME: stops both listeners, waits for their results.
listen_stop() {
	local i
	sleep 1
	touch "$VD/$1.k.stop" "$VD/$1.x.stop"
	for ((i = 0; i < 100; i++)); do
		[[ -e $VD/$1.k && -e $VD/$1.x ]] && return 0
		sleep 0.1
	done
	fail "listeners gave no result: $(cat "$VD/$1".*.log)"
}

# got NAME W KEY: how many packets listener W (k or x) counted for KEY
# ("SPEC@SOURCE"); napi NAME W KEY: the highest SO_INCOMING_NAPI_ID.
got() {
	local k c n
	while read -r k c n; do
		[[ $k == "$3" ]] && { echo "$c"; return; }
	done <"$VD/$1.$2"
	echo 0
}
napi() {
	local k c n
	while read -r k c n; do
		[[ $k == "$3" ]] && { echo "$n"; return; }
	done <"$VD/$1.$2"
	echo 0
}

# send CASE...: scapy builds each case's packets and writes them on sk and
# sx alike (one scapy start for all).
send() {
	nsx kt-s /usr/bin/python3 "$VD/send.py" "$KEY" "$@" >"$VD/send.log" 2>&1 ||
		fail "scapy sender failed: $(tail -n 3 "$VD/send.log" | tr '\n' ' ')"
}

# compare NAME WHAT KEY XFRM_WANT: the packets of KEY (one per case) must
# reach kipsec's listener as many times as XFRM's, and XFRM's count must be
# XFRM_WANT (the control). Collects one line per mismatch in $diffs.
compare() {
	local k x
	k=$(got "$1" k "$3")
	x=$(got "$1" x "$3")
	((x == $4)) || fail "XFRM control: $2: XFRM delivered $x, the test expects $4 (test is wrong)"
	((k == x)) || diffs+="$2: kipsec delivered $k, XFRM $x; "
}

# sa_decrypted W SPI [6]: packets the inbound SA SPI of receiver W decrypted.
sa_decrypted() {
	local s=10.0.0.2 d=10.0.0.1
	[[ ${3:-} == 6 ]] && s=fd00::2 d=fd00::1
	if [[ $1 == k ]]; then
		sa_packets kt-k dst $d proto esp spi "$2"
	else
		nsx kt-x ip -s xfrm state get src $s dst $d proto esp spi "$2" |
			awk '/lifetime current:/ { getline; sub(/.*, /, ""); sub(/\(packets\).*/, ""); print; exit }'
	fi
}

# kipsec_drops: kipsec's non-zero netns counters in kt-k, for a failure
# line ("in-policy 2, ...").
kipsec_drops() {
	nsx kt-k kipsec -j stats | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(", ".join("%s %s" % (k, v) for k, v in d.items() if v and not k.endswith("count")) or "none")'
}

# vfail WHY: fail with kipsec's counters appended.
vfail() {
	fail "$1 [kipsec counters: $(kipsec_drops)]"
}

write_py() {
	cat >"$VD/listen.py" <<'PY'
import json, os, select, socket, struct, sys, time
out, specs = sys.argv[1], sys.argv[2:]
socks = {}
for sp in specs:
    kind, *a = sp.split('/')
    if kind == 'udp4':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('', int(a[0])))
    elif kind == 'udp6':
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(('::', int(a[0])))
    elif kind == 'byp4':	# an IKE daemon's socket: an XFRM bypass policy
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('', int(a[0])))
        sel = bytes(32) + struct.pack('=5H3B', 0, 0, 0, 0, socket.AF_INET, 0, 0, 0) + \
            bytes(3) + struct.pack('=iI', 0, 0)
        pol = sel + bytes(64 + 32) + struct.pack('=IIBBBB', 0, 0, 0, 0, 0, 0) + bytes(4)
        s.setsockopt(socket.IPPROTO_IP, 17, pol)	# IP_XFRM_POLICY, dir in, allow
    elif kind == 'raw6':
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, int(a[0]))
    elif kind == 'mc4':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('', int(a[1])))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(a[0]) + socket.inet_aton(a[2]))
    s.setblocking(False)
    socks[s] = sp
open(out + '.ready', 'w').close()
counts, napi = {}, {}
def drain(t):
    r, _, _ = select.select(list(socks), [], [], t)
    for s in r:
        while True:
            try:
                data, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            key = socks[s] + '@' + addr[0]
            counts[key] = counts.get(key, 0) + 1
            napi[key] = max(napi.get(key, 0), s.getsockopt(socket.SOL_SOCKET, 56))
t0 = time.time()	# a test that failed early never stops it: 120 s at most
while not os.path.exists(out + '.stop') and time.time() - t0 < 120:
    drain(0.2)
drain(0)
with open(out + '.tmp', 'w') as f:
    for k in counts:
        f.write('%s %d %d\n' % (k, counts[k], napi[k]))
os.rename(out + '.tmp', out)
PY
	cat >"$VD/send.py" <<'PY'
import struct, sys, time
from scapy.all import (Ether, IP, IPv6, UDP, TCP, Raw, sendp,
                       IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting)
from scapy.layers.ipsec import SecurityAssociation, ESP
MAC_R, MAC_S = '02:6b:74:00:00:01', '02:6b:74:00:00:02'
key = bytes.fromhex(sys.argv[1][2:])
A4, B4, A6, B6 = '10.0.0.1', '10.0.0.2', 'fd00::1', 'fd00::2'

def sa(spi, tunnel=None):
    kw = dict(crypt_algo='AES-GCM', crypt_key=key)
    if tunnel is not None:
        kw['tunnel_header'] = tunnel
    return SecurityAssociation(ESP, spi=spi, **kw)

def esp4(spi, inner, n=1, tunnel=False):
    s = sa(spi, IP(src=B4, dst=A4) if tunnel else None)
    return [s.encrypt(inner, seq_num=i + 1) for i in range(n)]

def esp6_bytes(spi, payload):
    e = sa(spi).encrypt(IPv6(src=B6, dst=A6) / payload, seq_num=1)
    return bytes(e[ESP])

def ah_tcp():
    tcp = bytes(TCP(sport=40000, dport=80, flags='S'))
    # AH: next header TCP, length 4 (24 bytes), SPI 0x777, seq 1, 12-byte ICV
    return struct.pack('!BBHII', 6, 4, 0, 0x777, 1) + bytes(12) + tcp

def build(case):
    u = UDP(sport=40000, dport=5000) / Raw(b'verdict')
    if case == 'nh59':		# A(a): bare next header 59, no payload
        return [IPv6(src='fd00::101', dst=A6, nh=59)]
    if case == 'nh59data':	# A(b): next header 59 and 16 bytes after it
        return [IPv6(src='fd00::102', dst=A6, nh=59) / Raw(bytes(16))]
    if case == 'hbhtrunc':	# A(c): hop-by-hop claiming 16 bytes, 8 there
        return [IPv6(src='fd00::103', dst=A6, nh=0) /
                Raw(bytes([59, 1, 1, 4, 0, 0, 0, 0]))]
    if case == 'nh59ctl':	# A control: uncovered source
        return [IPv6(src='fd00::3', dst=A6, nh=59) / Raw(bytes(16))]
    if case == 'ahtcp':		# A(d): AH then TCP, two sources
        return [IPv6(src=s, dst=A6, nh=51) / Raw(ah_tcp())
                for s in ('fd00::201', 'fd00::202')]
    if case.startswith('rh'):	# C: ESP behind routing headers, one SA each
        out = [IPv6(src=B6, dst=A6, nh=50) / Raw(esp6_bytes(0x3001, u))]
        srh = lambda sl, spi: IPv6(src=B6, dst=A6, nh=43) / IPv6ExtHdrSegmentRouting(
            nh=50, addresses=['fd00::99', A6], segleft=sl, lastentry=1) / Raw(esp6_bytes(spi, u))
        out.append(srh(0, 0x3002))
        out.append(srh(1, 0x3003))
        out.append(IPv6(src=B6, dst=A6, nh=43) / IPv6ExtHdrRouting(
            nh=50, type=0, addresses=['fd00::99'], segleft=1) / Raw(esp6_bytes(0x3004, u)))
        return out if case == 'rh' else [out[int(case[2:])]]
    if case == 'default':	# D: ESP to a covered and an uncovered port, clear
        return (esp4(0x2002, IP(src=B4, dst=A4) / UDP(sport=40000, dport=5001) / Raw(b'd'), 2) +
                [sa(0x2002).encrypt(IP(src=B4, dst=A4) / UDP(sport=40000, dport=5002) / Raw(b'd'),
                                    seq_num=3 + i) for i in range(2)] +
                [IP(src=B4, dst=A4) / UDP(sport=40000, dport=5003) / Raw(b'd')])
    if case == 'bcast':		# E: tunnel mode, inner multicast, broadcast, unicast
        s = sa(0x2002, IP(src=B4, dst=A4))
        inner = [IP(src='10.9.0.2', dst='224.1.1.1', ttl=1) / UDP(sport=40000, dport=5001) / Raw(b'm'),
                 IP(src='10.9.0.2', dst='255.255.255.255', ttl=1) / UDP(sport=40000, dport=5002) / Raw(b'b'),
                 IP(src='10.9.0.2', dst=A4) / UDP(sport=40000, dport=5003) / Raw(b'u')]
        return [s.encrypt(p, seq_num=i + 1) for i, p in enumerate(inner * 2)]
    if case == 'napi':		# F: transport (UDP 5001) and tunnel (UDP 5002)
        return (esp4(0x2002, IP(src=B4, dst=A4) / UDP(sport=40000, dport=5001) / Raw(b'n'), 3) +
                esp4(0x2003, IP(src='10.9.0.2', dst=A4) / UDP(sport=40000, dport=5002) / Raw(b'n'), 3, True))
    if case == 'carry':	# G: F's ESP, then the same flows in the clear
        return (build('napi') +
                [IP(src=B4, dst=A4) / UDP(sport=40001, dport=5001) / Raw(b'c')] * 2 +
                [IP(src='10.9.0.2', dst=A4) / UDP(sport=40001, dport=5002) / Raw(b'c')] * 2)
    if case == 'nested':	# H: XFRM's tunnel 0x4001 inside tunnel SA 0x2003
        inner = sa(0x4001, IP(src='10.9.0.2', dst=A4))
        return [sa(0x2003, IP(src=B4, dst=A4)).encrypt(
                    inner.encrypt(IP(src='10.7.0.2', dst=A4) / UDP(sport=40000, dport=port) / Raw(b'h'),
                                  seq_num=i + 1), seq_num=i + 1)
                for i, port in enumerate((5005, 5005, 5005, 5006, 5006, 5006))]
    if case == 'through':	# G: tunnel SA 0x2003 to a host behind the receiver
        return esp4(0x2003, IP(src='10.9.0.2', dst='10.8.0.2') / UDP(sport=40000, dport=5003) / Raw(b't'), 3, True)
    raise SystemExit('unknown case ' + case)

pkts = []
for c in sys.argv[2:]:
    pkts += [Ether(src=MAC_S, dst=MAC_R) / p for p in build(c)]
for p in pkts:
    for i in ('sk', 'sx'):
        sendp(p, iface=i, verbose=0)
    time.sleep(0.05)
print('sent', len(pkts))
PY
}

# --- A (item 5): IPv6 fail-closed decoding --------------------------------
# An "in" policy requiring ESP covers fd00::100/120 (any protocol), and
# fd00::201 proto tcp, fd00::202 proto 51 (AH). Cleartext that XFRM's
# decode_session6 decodes as proto 0 (nothing after the header) or stops at
# (next header 59, AH) is still covered by the any-protocol policy and so
# dropped; a raw IPv6 socket (proto 59, 51) in the receiver sees what each
# delivers (rawv6_rcv is where XFRM checks the policy).
ipv6_decode_setup() {
	vworld
	sa_dummy kt-k
	both policy add src fd00::100/120 dst fd00::1/128 dir in \
		tmpl proto esp mode transport
	both policy add src fd00::201/128 dst fd00::1/128 proto tcp dir in \
		tmpl proto esp mode transport
	both policy add src fd00::202/128 dst fd00::1/128 proto 51 dir in \
		tmpl proto esp mode transport
	listen a raw6/59 raw6/51
}

# (a) bare next header 59, (b) next header 59 with payload, (c) truncated
# hop-by-hop (the IPv6 stack drops it before any hook: both deliver
# nothing), and a control from an uncovered source (both deliver it).
t_ipv6_undecodable_cleartext_dropped() {
	local diffs=
	ipv6_decode_setup
	send nh59 nh59data hbhtrunc nh59ctl
	listen_stop a
	compare a "control (NH 59 from uncovered fd00::3)" raw6/59@fd00::3 1
	compare a "(a) bare NH 59" raw6/59@fd00::101 0
	compare a "(b) NH 59 + payload" raw6/59@fd00::102 0
	compare a "(c) truncated HBH" raw6/59@fd00::103 0
	[[ -z $diffs ]] || vfail "fails open: $diffs"
}

# (d) AH followed by TCP: XFRM stops at AH (proto 51), so the "proto tcp"
# policy does not cover it (delivered to the raw socket) and the "proto 51"
# one does (dropped).
t_ipv6_ah_stops_decoding() {
	local diffs=
	ipv6_decode_setup
	send ahtcp
	listen_stop a
	compare a "AH+TCP under a proto tcp policy" raw6/51@fd00::201 1
	compare a "AH+TCP under a proto 51 policy" raw6/51@fd00::202 0
	[[ -z $diffs ]] || vfail "decodes past AH: $diffs"
}

# --- B (item 6): the dev selector per direction ---------------------------
# Two router chains, one per implementation:
#   kt-h1W eth0 10.1.0.2 -- ri 10.1.0.1  kt-rW  ro 10.2.0.1 -- eth0 10.2.0.2 kt-h2W
# Block policies for 10.1.0.2 -> 10.2.0.2 (the echo requests only; the
# replies are not covered) show whether a dev selector matches.
router_pair() {
	load_module
	load_xfrm
	local w
	for w in k x; do
		ip -b - <<-EOF
		netns add kt-h1$w
		netns add kt-r$w
		netns add kt-h2$w
		link add eth0 netns kt-h1$w type veth peer name ri netns kt-r$w
		link add eth0 netns kt-h2$w type veth peer name ro netns kt-r$w
		EOF
		ip -n kt-h1$w -b - <<-EOF
		link set lo up
		addr add 10.1.0.2/24 dev eth0
		link set eth0 up
		route add default via 10.1.0.1
		EOF
		ip -n kt-h2$w -b - <<-EOF
		link set lo up
		addr add 10.2.0.2/24 dev eth0
		link set eth0 up
		route add default via 10.2.0.1
		EOF
		ip -n kt-r$w -b - <<-EOF
		link set lo up
		addr add 10.1.0.1/24 dev ri
		addr add 10.2.0.1/24 dev ro
		link set ri up
		link set ro up
		EOF
		nsx kt-r$w sysctl -qw net.ipv4.ip_forward=1
	done
	sa_dummy kt-rk
	# Neighbours first (and the path works with no policy).
	probe_both 10.2.0.2
	[[ $PK == ok && $PX == ok ]] || fail "no path through the routers: kipsec $PK, XFRM $PX"
}

# rpol ARGS...: one policy in both routers (kipsec / ip xfrm).
rpol() {
	nsx kt-rk kipsec policy "$@"
	nsx kt-rx ip xfrm policy "$@"
}

# probe_both DST: a ping from h1 in each chain, in parallel; $PK, $PX: ok
# or blocked.
probe_both() {
	local w
	for w in k x; do
		(nsx kt-h1$w ping -c 1 -W 2 "$1" >/dev/null 2>&1 && echo ok || echo blocked) \
			>"/tmp/kt-verdict-probe.$w" &
	done
	wait
	PK=$(<"/tmp/kt-verdict-probe.k")
	PX=$(<"/tmp/kt-verdict-probe.x")
}

# dev_case WHAT DST XFRM_WANT POLICY...: the policy alone in both routers,
# a ping to DST; XFRM must give XFRM_WANT, kipsec the same.
dev_case() {
	local what=$1 dst=$2 want=$3
	shift 3
	rpol flush
	rpol add "$@"
	probe_both "$dst"
	[[ $PX == "$want" ]] || fail "XFRM control: $what: XFRM $PX, the test expects $want (test is wrong)"
	[[ $PK == "$PX" ]] || diffs+="$what: kipsec $PK, XFRM $PX; "
}

# fwd: XFRM matches dev against the outgoing interface (skb_dst's device).
t_dev_fwd_matches_outgoing() {
	local diffs=
	router_pair
	dev_case "fwd dev ro(out) block" 10.2.0.2 blocked \
		src 10.1.0.2 dst 10.2.0.2 dev ro dir fwd action block
	dev_case "fwd dev ri(in) block" 10.2.0.2 ok \
		src 10.1.0.2 dst 10.2.0.2 dev ri dir fwd action block
	[[ -z $diffs ]] || fail "$diffs"
}

# out, for forwarded traffic: also the outgoing interface.
t_dev_out_forwarded_matches_outgoing() {
	local diffs=
	router_pair
	dev_case "out dev ro(out) block" 10.2.0.2 blocked \
		src 10.1.0.2 dst 10.2.0.2 dev ro dir out action block
	dev_case "out dev ri(in) block" 10.2.0.2 ok \
		src 10.1.0.2 dst 10.2.0.2 dev ri dir out action block
	[[ -z $diffs ]] || fail "$diffs"
}

# in: the local route's device, lo (no VRF): dev ri never matches.
t_dev_in_is_loopback() {
	local diffs=
	router_pair
	dev_case "in dev ri block (ping the router)" 10.1.0.1 ok \
		src 10.1.0.2 dst 10.1.0.1 dev ri dir in action block
	dev_case "in dev lo block (ping the router)" 10.1.0.1 blocked \
		src 10.1.0.2 dst 10.1.0.1 dev lo dir in action block
	[[ -z $diffs ]] || fail "$diffs"
}

# setdefault fwd block (item 10's other direction): forwarded cleartext no
# policy covers is dropped; with fwd allow policies both ways it passes.
t_default_fwd_block_forwarded() {
	local diffs=
	router_pair
	rpol setdefault fwd block
	probe_both 10.2.0.2
	[[ $PX == blocked ]] || fail "XFRM control: fwd default block, no policy: XFRM $PX (test is wrong)"
	[[ $PK == "$PX" ]] || diffs+="fwd default block, no policy: kipsec $PK, XFRM $PX; "
	rpol add src 10.1.0.2 dst 10.2.0.2 dir fwd
	rpol add src 10.2.0.2 dst 10.1.0.2 dir fwd
	probe_both 10.2.0.2
	[[ $PX == ok ]] || fail "XFRM control: fwd default block, allow policies: XFRM $PX (test is wrong)"
	[[ $PK == "$PX" ]] || diffs+="fwd default block, allow policies: kipsec $PK, XFRM $PX; "
	[[ -z $diffs ]] || fail "$diffs"
}

# --- C (item 8): ESP behind a routing header ------------------------------
# One SA per packet (SPIs 0x3001-0x3004): plain ESP, ESP behind an SRH with
# segments left 0 (at its final destination: decrypted), an SRH with
# segments left 1 and a type 0 routing header with segments left 1 (not
# the final destination: XFRM never decrypts, the routing header is
# processed first and the packet goes on or is dropped). Each SA's packet
# counter says what was decrypted; a UDP socket on 5000 what was delivered
# (only the first two, from fd00::2).
t_esp_behind_routing_header() {
	vworld
	local ns d w spi k x diffs=
	for ns in kt-k kt-x; do
		d=${ns#kt-}0
		nsx $ns sysctl -qw net.ipv6.conf.all.seg6_enabled=1 \
			"net.ipv6.conf.$d.seg6_enabled=1"
		# The ICMPv6 errors the routing headers and the dropped
		# packets cause stay in the receiver: hashing one for the
		# veth's transmit queue would use up a DO_ONCE static key (the
		# flow dissector's secret) in the middle of the boot
		# (scripts/vm/pin-static-keys).
		ip -n $ns -6 route add blackhole fd00::2/128
	done
	for spi in 0x3001 0x3002 0x3003 0x3004; do
		sa_in 6 $spi
	done
	listen c udp6/5000
	send rh
	listen_stop c
	local what=([0x3001]="plain ESP" [0x3002]="SRH segleft 0" [0x3003]="SRH segleft 1" [0x3004]="RH0 segleft 1")
	local want=([0x3001]=1 [0x3002]=1 [0x3003]=0 [0x3004]=0)
	for spi in 0x3001 0x3002 0x3003 0x3004; do
		k=$(sa_decrypted k $spi 6)
		x=$(sa_decrypted x $spi 6)
		((x == ${want[$spi]})) ||
			fail "XFRM control: ${what[$spi]}: XFRM decrypted $x, the test expects ${want[$spi]} (test is wrong)"
		((k == x)) || diffs+="${what[$spi]}: kipsec decrypted $k, XFRM $x; "
	done
	compare c "plaintext delivered (plain, SRH segleft 0 only)" udp6/5000@fd00::2 2
	[[ -z $diffs ]] || vfail "$diffs"
}

# --- D (item 10): setdefault in block --------------------------------------
# Transport-mode ESP to UDP 5001 (an "in" policy covers it: delivered) and
# to UDP 5002 (no policy: the default, block, drops it after decryption);
# cleartext to UDP 5003 (no policy: dropped).
t_default_in_block_after_decrypt() {
	local diffs=
	vworld
	sa_in 0x2002
	both policy add src 10.0.0.2 dst 10.0.0.1 proto udp dport 5001 dir in \
		tmpl proto esp mode transport
	both policy setdefault in block fwd block
	listen d udp4/5001 udp4/5002 udp4/5003
	send default
	listen_stop d
	compare d "ESP, covered (5001)" udp4/5001@10.0.0.2 2
	compare d "ESP, no policy (5002)" udp4/5002@10.0.0.2 0
	compare d "clear, no policy (5003)" udp4/5003@10.0.0.2 0
	[[ -z $diffs ]] || vfail "$diffs"
}

# --- E (item 11): inner broadcast/multicast against "in" -------------------
# Tunnel mode from 10.0.0.2; the inner packets (from 10.9.0.2) go to a
# group the receiver joined on its link, to 255.255.255.255 and to
# 10.0.0.1 (the control). The "in" policy allows them (with the SA). These
# are all local deliveries, so XFRM checks "in" only and delivers all,
# whatever "fwd" says.
# inner_bcast [fwd-block]: with fwd-block, a "fwd" block policy covers
# them too and the fwd default is block; without, there is no fwd policy
# at all (a fwd check would reject tunnel-mode traffic no policy covers).
inner_bcast() {
	local diffs=
	vworld
	sa_in 0x2002 mode tunnel
	both policy add src 10.9.0.2/32 dst 0.0.0.0/0 dir in \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel
	if [[ ${1:-} == fwd-block ]]; then
		both policy add src 10.9.0.2/32 dst 0.0.0.0/0 dir fwd action block
		both policy setdefault fwd block
	fi
	listen e mc4/224.1.1.1/5001/10.0.0.1 udp4/5002 udp4/5003
	send bcast
	listen_stop e
	compare e "inner unicast (control)" udp4/5003@10.9.0.2 2
	compare e "inner multicast 224.1.1.1" mc4/224.1.1.1/5001/10.0.0.1@10.9.0.2 2
	compare e "inner broadcast 255.255.255.255" udp4/5002@10.9.0.2 2
	[[ -z $diffs ]] || vfail "$diffs"
}

t_inner_broadcast_in_policy_not_fwd_block() {
	inner_bcast fwd-block
}

t_inner_broadcast_in_policy_no_fwd_policy() {
	inner_bcast
}

# --- F (item 7): no busy-pollable NAPI id on decrypted traffic -------------
# UDP sockets receiving decrypted transport-mode (5001) and tunnel-mode
# (5002) traffic: SO_INCOMING_NAPI_ID stays 0 (XFRM's gro_cells are
# NAPI_STATE_NO_BUSY_POLL; a socket must not busy-poll kipsec's cells).
t_decrypted_no_napi_id() {
	vworld
	sa_in 0x2002
	sa_in 0x2003 mode tunnel
	# XFRM drops tunnel-mode traffic that no "in" policy covers.
	both policy add src 10.9.0.2/32 dst 10.0.0.1/32 dir in \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel
	listen f udp4/5001 udp4/5002
	send napi
	listen_stop f
	local key w c n bad=
	for key in udp4/5001@10.0.0.2 udp4/5002@10.9.0.2; do
		for w in x k; do
			c=$(got f $w "$key")
			n=$(napi f $w "$key")
			((c == 3)) || fail "$w: $key received $c of 3 datagrams"
			[[ $w == k ]] || ((n == 0)) ||
				fail "XFRM control: $key: XFRM's socket has NAPI id $n, the test expects 0 (test is wrong)"
			[[ $w == x ]] || ((n == 0)) || bad+="$key: SO_INCOMING_NAPI_ID $n (XFRM 0); "
		done
	done
	[[ -z $bad ]] || fail "kipsec's NAPI id reaches the socket: $bad"
}

# --- G (item 9): the verdict travels with the packet ------------------------
# Decrypted traffic (F's: transport SA 0x2002 to UDP 5001, tunnel SA 0x2003
# to UDP 5002, three datagrams each) must reach the socket however the
# stack queues it after kipsec handed it back, and the same flows in the
# clear (two datagrams each), which the "in" policies want protected, must
# still be dropped: each listener counts exactly 3 per flow.
NFQ_ACCEPT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/nfq-accept

carry_setup() {
	vworld
	sa_in 0x2002
	sa_in 0x2003 mode tunnel
	both policy add src 10.0.0.2/32 dst 10.0.0.1/32 proto udp dport 5001 \
		dir in tmpl proto esp mode transport
	both policy add src 10.9.0.2/32 dst 10.0.0.1/32 dir in \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel
}

# carry_run NAME WHAT: sends the carry case and compares both receivers.
carry_run() {
	local diffs=
	listen "$1" udp4/5001 udp4/5002
	send carry
	listen_stop "$1"
	compare "$1" "transport (3 decrypted, 2 in the clear)" udp4/5001@10.0.0.2 3
	compare "$1" "tunnel (3 decrypted, 2 in the clear)" udp4/5002@10.9.0.2 3
	[[ -z $diffs ]] || vfail "$2: $diffs"
}

# RPS on the receiving interface: every packet the stack receives on it,
# the decrypted ones included, goes through a CPU's backlog first.
t_decrypted_with_rps() {
	carry_setup
	local mask w
	mask=$(printf %x $(((1 << $(nproc)) - 1)))
	for w in k x; do
		nsx kt-$w sh -c "echo $mask >/sys/class/net/${w}0/queues/rx-0/rps_cpus" ||
			fail "cannot turn RPS on for ${w}0"
	done
	carry_run g "with RPS on (cpus $mask)"
}

# An ifb ingress redirect (traffic shaping of what a link receives): the
# receiving interface's ingress goes through ifb0 and back.
t_decrypted_through_ifb() {
	carry_setup
	modprobe -a ifb sch_ingress cls_matchall act_mirred
	local w
	for w in k x; do
		ip -n kt-$w link add ifb0 type ifb
		ip -n kt-$w link set ifb0 up
		tc -n kt-$w qdisc add dev ${w}0 handle ffff: ingress
		tc -n kt-$w filter add dev ${w}0 parent ffff: matchall \
			action mirred egress redirect dev ifb0
	done
	carry_run g "through ifb"
	local n
	n=$(tc -n kt-k -s qdisc show dev ifb0 | awk '/Sent/ { print $4; exit }')
	((n >= 10)) || fail "ifb0 in kt-k passed $n packets, not all 10 (test is wrong)"
}

# NFQUEUE at INPUT (before kipsec's LOCAL_IN hook) and a listener that
# accepts everything: the packets come back from another context.
t_decrypted_through_nfqueue() {
	carry_setup
	modprobe -a nfnetlink_queue nft_queue
	local w i
	for w in k x; do
		nsx kt-$w nft -f - <<-EOF
		table inet kq {
			chain in {
				type filter hook input priority 0;
				meta l4proto udp queue num 3
			}
		}
		EOF
		rm -f "$VD/nfq.$w.ready"
		nsx kt-$w "$NFQ_ACCEPT" 3 "$VD/nfq.$w.ready" >"$VD/nfq.$w.out" 2>&1 &
	done
	for ((i = 0; i < 100; i++)); do
		[[ -e $VD/nfq.k.ready && -e $VD/nfq.x.ready ]] && break
		sleep 0.1
	done
	[[ -e $VD/nfq.k.ready && -e $VD/nfq.x.ready ]] ||
		fail "queue listeners not ready: $(cat "$VD"/nfq.*.out)"
	carry_run g "through NFQUEUE"
	pkill -TERM -f "$NFQ_ACCEPT" || true
	wait
	for w in k x; do
		grep -qx "accepted 10" "$VD/nfq.$w.out" ||
			fail "kt-$w's queue listener: $(cat "$VD/nfq.$w.out") (all 10 UDP datagrams should pass it; test is wrong)"
	done
}

# counters NS: the packet counts of the iptables INPUT rules, then of the
# nft "counter"s, in rule order, on one line.
counters() {
	echo "$(nsx "$1" iptables -w -L INPUT -v -n -x | awk 'NR > 2 { printf "%s ", $1 }')$(nft_counts "$1")"
}

# nft_counts NS: the packet counts of NS's table inet fw, in rule order.
nft_counts() {
	nsx "$1" nft list table inet fw | grep -o 'counter packets [0-9]*' | awk '{ printf "%s ", $3 }'
}

# What firewall rules see, as README.md's table says: iptables -m policy
# --dir in --pol ipsec with the SA's values and --pol none for the
# cleartext, nft "meta secpath exists" and "ipsec in spi" as for XFRM's
# traffic; one difference: kipsec's secpath entries all say transport
# mode (secpath.c says why), so the tunnel-mode rules (iptables --mode
# tunnel --tunnel-src/--tunnel-dst, nft "ipsec in ip saddr") match XFRM's
# tunnel traffic and not kipsec's. (iptables 1.8.9's --spi matches
# nothing, XFRM's traffic included: nft tests the SPI.)
t_firewall_sees_secpath() {
	carry_setup
	modprobe -a xt_policy nft_xfrm nft_compat
	local w k x
	for w in k x; do
		nsx kt-$w iptables -w -A INPUT -p udp --dport 5001 -m policy --dir in \
			--pol ipsec --proto esp --mode transport
		nsx kt-$w iptables -w -A INPUT -p udp --dport 5002 -m policy --dir in \
			--pol ipsec --proto esp --mode tunnel \
			--tunnel-src 10.0.0.2 --tunnel-dst 10.0.0.1
		nsx kt-$w iptables -w -A INPUT -p udp -m policy --dir in --pol none
		nsx kt-$w nft -f - <<-EOF
		table inet fw {
			chain in {
				type filter hook input priority 10;
				udp dport 5001-5002 meta secpath exists counter
				udp dport 5002 ipsec in ip saddr 10.0.0.2 ipsec in ip daddr 10.0.0.1 counter
				udp dport 5001 ipsec in spi 0x2002 counter
				udp dport 5002 ipsec in spi 0x2003 counter
			}
		}
		EOF
	done
	carry_run g "with firewall rules"
	k=$(counters kt-k)
	x=$(counters kt-x)
	[[ $x == "3 3 4 6 3 3 3 " ]] ||
		fail "XFRM control: the rules counted $x, the test expects 3 3 4 6 3 3 3 (test is wrong)"
	[[ $k == "3 0 4 6 0 3 3 " ]] ||
		fail "rules (iptables transport, tunnel, none; nft secpath, tunnel addresses, spi, spi) counted $k for kipsec, want 3 0 4 6 0 3 3 (XFRM $x)"
}

# An update that changes an SA's reqid (kipsec's in-place update; XFRM's
# keeps the old reqid, so kipsec alone here) changes what firewall rules
# see from the next packet on: the secpath's stand-in state is replaced.
# Replay window 0: the same packets are sent twice.
t_firewall_sees_reqid_update() {
	vworld
	modprobe nft_xfrm
	nsx kt-k kipsec state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x2002 \
		reqid 7 replay-window 0 aead "$GCM" "$KEY" 128
	nsx kt-k nft -f - <<-EOF
	table inet fw {
		chain in {
			type filter hook input priority 10;
			udp dport 5001 ipsec in reqid 7 counter
			udp dport 5001 ipsec in reqid 8 counter
		}
	}
	EOF
	local c
	send napi
	c=$(nft_counts kt-k)
	[[ $c == "3 0 " ]] || fail "reqid 7: rules for reqid 7 and 8 counted $c, want 3 0"
	nsx kt-k kipsec state update dst 10.0.0.1 proto esp spi 0x2002 reqid 8
	send napi
	c=$(nft_counts kt-k)
	[[ $c == "3 3 " ]] ||
		fail "after the update to reqid 8: rules for reqid 7 and 8 counted $c, want 3 3 (the secpath still says reqid 7)"
}

# The verdict stays in its namespace: tunnel traffic decrypted and
# forwarded to a host namespace behind the receiver arrives there without a
# secpath, so that namespace's own "in" policy (ESP required) drops it.
t_secpath_cleared_across_netns() {
	vworld
	sa_in 0x2003 mode tunnel
	both policy add src 10.9.0.2/32 dst 10.8.0.2/32 dir fwd \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel
	local w
	for w in k x; do
		ip netns add kt-${w}d
		ip -n kt-$w link add d0 type veth peer name eth0 netns kt-${w}d
		ip -n kt-$w addr add 10.8.0.1/24 dev d0
		ip -n kt-$w link set d0 up
		nsx kt-$w sysctl -qw net.ipv4.ip_forward=1
		ip -n kt-${w}d -b - <<-EOF
		link set lo up
		addr add 10.8.0.2/24 dev eth0
		link set eth0 up
		route add default via 10.8.0.1
		EOF
		nsx kt-${w}d nft -f - <<-EOF
		table inet fw {
			chain in {
				type filter hook input priority 0;
				udp dport 5003 counter
				udp dport 5003 meta secpath exists counter
			}
		}
		EOF
	done
	nsx kt-kd kipsec policy add src 10.9.0.2/32 dst 10.8.0.2/32 dir in \
		tmpl proto esp mode transport
	nsx kt-xd ip xfrm policy add src 10.9.0.2/32 dst 10.8.0.2/32 dir in \
		tmpl proto esp mode transport
	send through
	sleep 1
	local k x
	k=$(nsx kt-kd nft list ruleset | grep -o 'counter packets [0-9]*' | awk '{ printf "%s ", $3 }')
	x=$(nsx kt-xd nft list ruleset | grep -o 'counter packets [0-9]*' | awk '{ printf "%s ", $3 }')
	[[ $x == "3 0 " ]] ||
		fail "XFRM control: behind XFRM, arrived and with a secpath: $x; the test expects 3 0 (test is wrong)"
	[[ $k == "$x" ]] || fail "behind kipsec, arrived and with a secpath: $k (XFRM: $x)"
	local drops
	drops=$(nsx kt-kd kipsec -j stats | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin).get("in-policy", 0))')
	((drops == 3)) || fail "the host namespace's kipsec dropped $drops of the 3 as cleartext its policy wants protected"
}

# Decrypted, forwarded and protected again by another SA: the packet
# leaves without the secpath of the SA that decrypted it (xfrm_output()
# resets it). A secpath is seen only on the way in, and a device between
# namespaces drops it: the new SA's tunnel ends at the receiver itself,
# so its ESP comes back in on lo, where nft looks at it.
t_secpath_reset_on_output() {
	vworld
	modprobe nft_xfrm
	sa_in 0x2003 mode tunnel
	both policy add src 10.9.0.2/32 dst 10.8.0.2/32 dir fwd \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel
	local w
	for w in k x; do
		ip -n kt-$w link add d0 type dummy
		ip -n kt-$w addr add 10.8.0.1/24 dev d0
		ip -n kt-$w link set d0 up
		nsx kt-$w sysctl -qw net.ipv4.ip_forward=1
		nsx kt-$w nft -f - <<-EOF
		table inet fw {
			chain in {
				type filter hook input priority 0;
				iifname "lo" meta l4proto esp counter
				iifname "lo" meta l4proto esp meta secpath exists counter
			}
		}
		EOF
	done
	both state add src 10.0.0.1 dst 10.0.0.1 proto esp spi 0x3001 \
		mode tunnel aead "$GCM" "$KEY" 128
	both policy add src 10.9.0.2/32 dst 10.8.0.2/32 dir out \
		tmpl src 10.0.0.1 dst 10.0.0.1 proto esp mode tunnel
	send through
	sleep 1
	local k x
	read -ra k <<<"$(nft_counts kt-k)"
	read -ra x <<<"$(nft_counts kt-x)"
	# XFRM decrypts its ESP on lo again and forwards it once more, until
	# the TTL runs out, each pass without a secpath.
	((x[0] >= 3 && x[1] == 0)) ||
		fail "XFRM control: ESP in on lo, with a secpath: ${x[*]}; the test expects 3 or more, 0 (test is wrong)"
	((k[0] == 3 && k[1] == 0)) ||
		vfail "ESP in on lo, with a secpath: ${k[*]}, want 3 0 (XFRM: ${x[*]})"
}

# An IKE daemon's socket has an XFRM bypass policy (IP_XFRM_POLICY, allow,
# no template), so XFRM checks every packet with a secpath that reaches it
# against that policy: a tunnel-mode entry no template accounts for is
# rejected (XFRM drops the datagrams: the control) through the entry's
# x->type->reject. kipsec's entries all say transport mode: delivered, as
# before kipsec attached a secpath, and no oops (a tunnel-mode stand-in
# without a type oopsed here).
t_tunnel_decrypted_to_bypass_socket() {
	carry_setup
	listen h byp4/5002
	send napi
	listen_stop h
	local k x
	k=$(got h k byp4/5002@10.9.0.2)
	x=$(got h x byp4/5002@10.9.0.2)
	((x == 0)) || fail "XFRM control: XFRM delivered $x tunnel-mode datagrams to the bypass socket, the test expects 0 (test is wrong)"
	((k == 3)) || vfail "kipsec delivered $k of 3 tunnel-mode datagrams to the bypass socket"
}

# Only the innermost entry of a secpath vouches for the packet: tunnel SA
# 0x2003 carries another tunnel, 0x4001, which the kernel's IPsec
# decrypts (in kt-k: kipsec's SA outside, XFRM's inside; in kt-x: XFRM's
# both). The datagrams inside go to a flow whose "in" policy wants 0x2003
# alone (UDP 5005): XFRM rejects them (a tunnel the policy's templates do
# not account for, secpath_has_nontransport()), and kipsec must too (a
# datagram XFRM decrypted is cleartext to kipsec: it checked 0x2003's
# inner packet, not what XFRM then delivered). The control (UDP 5006),
# whose policies account for both layers, is delivered by both: in kt-x
# an XFRM policy with both templates (the innermost first, as XFRM
# lists them), in kt-k no kipsec policy and XFRM's own for 0x4001.
t_innermost_entry_vouches() {
	vworld
	sa_in 0x2003 mode tunnel
	both policy add src 10.9.0.2/32 dst 10.0.0.1/32 dir in \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel
	local w
	for w in k x; do
		nsx kt-$w ip xfrm state add src 10.9.0.2 dst 10.0.0.1 proto esp spi 0x4001 \
			mode tunnel aead "$GCM" "$KEY" 128
	done
	both policy add src 10.7.0.2/32 dst 10.0.0.1/32 proto udp dport 5005 dir in \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel
	nsx kt-k ip xfrm policy add src 10.7.0.2/32 dst 10.0.0.1/32 dir in \
		tmpl src 10.9.0.2 dst 10.0.0.1 proto esp mode tunnel
	nsx kt-x ip xfrm policy add src 10.7.0.2/32 dst 10.0.0.1/32 proto udp dport 5006 dir in \
		tmpl src 10.9.0.2 dst 10.0.0.1 proto esp mode tunnel \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel
	local diffs=
	listen h udp4/5005 udp4/5006
	send nested
	listen_stop h
	compare h "wanting 0x2003 alone" udp4/5005@10.7.0.2 0
	compare h "control, both layers accounted for" udp4/5006@10.7.0.2 3
	[[ -z $diffs ]] || vfail "XFRM's tunnel inside kipsec's: $diffs"
	local drops
	drops=$(kstat kt-k in-policy)
	((drops == 3)) || vfail "kipsec counted $drops in-policy drops, want the 3 for UDP 5005"
}
