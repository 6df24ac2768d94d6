#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Native (driver-mode) XDP on a vlo device: attaching, the MTU rules, the
# features it switches, and every verdict with exact counts taken outside
# the driver. The program is tests/xdp_verdict.c, built here with clang;
# its action is set through its config map and it counts what it did in
# its own map (bpftool reads both). vlo's ethtool -S counters are only
# compared with those counts.
#
# Attaching
#  - at vlo's default MTU (65536) a single-buffer program is refused, in
#    driver mode and with "xdp" (which picks driver mode), with a message
#    that names the MTU that fits (3506 on x86_64, 4 KiB pages);
#  - at MTU 1500: xdpdrv attaches; ip -d link and bpftool net report
#    driver mode and the program id; "xdp" picks driver mode too; a generic
#    program is refused while a driver one runs (and the other way round);
#    ip -force replaces the program; xdpdrv off detaches;
#  - while attached, the MTU may go up to 3506 but not above (the core
#    refuses; ip -d link shows maxmtu 3506); TSO is off (the kernel's own GSO cuts
#    super-frames), and back as before after detach;
#  - a frags program (sec xdp.frags) attaches at MTU 65536 (kernels with
#    XDP multi-buffer, >= 5.18), the MTU may then go anywhere, a plain
#    program cannot replace it there; a 60000-byte UDP datagram reaches
#    the program as one multi-buffer frame of 60042 bytes and the receiver
#    gets it.
# Verdicts (UDP between two addresses of the device, made to cross it by
# vlo-route; N datagrams, counted by the receiving socket, which also
# sees duplicates, and by the program)
#  - XDP_PASS: received N; the program passed N;
#  - XDP_DROP: received 0; dropped N;
#  - XDP_TX: received N, each once; the program ran N times, not 2N (vlo
#    does not run it again on the frames it sent back);
#  - bpf_redirect to vlo itself: as XDP_TX;
#  - XDP_ABORTED and an unknown verdict (99): received 0, counted by the
#    program and by the core's xdp:xdp_exception trace event;
#  - an ICMP echo request turned into a reply and sent back with XDP_TX
#    answers a local ping: the replies arrive, the kernel's ICMP counters
#    show that no request reached the stack, nftables' ingress hook on the
#    device sees the replies only;
#  - frames from packet sockets (tests/vlo_pkt) pass, drop and XDP_TX
#    the same way (vlo_pkt counts what comes back, once each).
#  - each time, vlo's per-queue ethtool counters (rx0_xdp_*) match the
#    program's counts;
#  - no frame longer than MTU + 14 reaches the program (TCP, 256 KiB).
# Feature flags (kernels >= 6.3, netdev netlink family): basic, redirect,
# ndo-xmit, rx-sg; a SKIP-CHECK line on older kernels.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/xdp_lib.sh"
set -euo pipefail

require_root
require_cmd ip ethtool python3 ping nft
require_vlo_pkt
xdp_require
VLO_ROUTE=${VLO_ROUTE:-$TESTDIR/../scripts/vlo-route}
[ -x "$VLO_ROUTE" ] || VLO_ROUTE=$(command -v vlo-route || echo "$VLO_ROUTE")
[ -x "$VLO_ROUTE" ] || skip "vlo-route not found (set VLO_ROUTE=path)"
vlo_ensure_loaded

N=20
PORT=47020
A=10.9.30.1
B=10.9.30.2
XDP_MTU=3506	# PAGE_SIZE - 256 - 320 - 14, x86_64 with 4 KiB pages
if [ "$(getconf PAGESIZE)" != 4096 ] || [ "$(uname -m)" != x86_64 ]; then
	skip "the MTU limits checked here are those of x86_64 with 4 KiB pages"
fi

XV_OBJ=$(xdp_build xdp_verdict)
ns_create NS
vlo_add xd0
in_ns ip link set xd0 addrgenmode none 2>/dev/null || true
in_ns ip addr add $A/24 dev xd0
in_ns ip addr add $B/24 dev xd0
in_ns "$VLO_ROUTE" add xd0 $A $B >/dev/null
IFINDEX=$(in_ns cat /sys/class/net/xd0/ifindex)

# attach_err DESC MODE SEC: attaching fails and names the MTU that fits.
attach_err()
{
	check_err "$1" $XDP_MTU in_ns ip -force link set dev xd0 "$2" obj "$XV_OBJ" sec "$3"
}

# feature NAME: "on", "off", "off [fixed]"... of ethtool -k xd0.
feature()
{
	local l

	while IFS= read -r l; do
		l=${l#"${l%%[![:space:]]*}"}
		if [[ $l == "$1: "* ]]; then
			echo "${l#"$1: "}"
			return
		fi
	done <<<"$(in_ns ethtool -k xd0)"
	echo MISSING
}

# ---------------------------------------------------------------- attaching
log "--- [${SECONDS}s] attach, detach, modes"
check_eq "default MTU" 65536 "$(in_ns cat /sys/class/net/xd0/mtu)"
attach_err "xdpdrv, plain program, MTU 65536: refused" xdpdrv xdp
attach_err "xdp (driver mode by default), plain program, MTU 65536: refused" xdp xdp
check_eq "nothing attached after the refusals" "0 0" "$(xdp_info xd0)"

in_ns ip link set xd0 mtu 1500
gso0=$(feature generic-segmentation-offload)
tso0=$(feature tcp-segmentation-offload)
check_ok "xdpdrv at MTU 1500" \
	in_ns ip link set dev xd0 xdpdrv obj "$XV_OBJ" sec xdp
read -r mode prog <<<"$(xdp_info xd0)"
check_eq "ip -j -d link: XDP mode (1: driver)" 1 "$mode"
link=$(in_ns ip -d link show dev xd0)
check_match "ip link: xdp (driver mode) in the flags line" " mtu 1500 xdp qdisc " "$link"
check_match "ip -d link: prog/xdp with the program id" "prog/xdp id $prog " "$link"
check_match "bpftool net: driver mode, program $prog" \
	"\"devname\":\"xd0\",\"ifindex\":$IFINDEX,\"mode\":\"driver\",\"id\":$prog" \
	"$(in_ns bpftool -j net show dev xd0)"
# TSO (and UDP, SCTP segmentation) off: the kernel's own software GSO
# then cuts super-frames before vlo; generic-segmentation-offload, the
# kernel's switch for that, stays as it was.
check_eq "generic segmentation (the kernel's) unchanged while attached" \
	"$gso0" "$(feature generic-segmentation-offload)"
check_eq "TSO off while a program is attached" off \
	"$(feature tcp-segmentation-offload | cut -d' ' -f1)"
check_err "xdpgeneric while a driver program runs: refused by the core" \
	"at the same time" in_ns ip link set dev xd0 xdpgeneric obj "$XV_OBJ" sec xdp

log "--- [${SECONDS}s] MTU while attached"
check_ok "MTU $XDP_MTU while attached" in_ns ip link set xd0 mtu $XDP_MTU
# The driver lowers the device's maximum MTU while the program is
# attached; the core refuses past it with its own message (ndo_change_mtu
# has no extack), and ip -d link shows the maximum.
check_match "ip -d link: maxmtu $XDP_MTU while attached" "maxmtu $XDP_MTU " \
	"$(in_ns ip -d link show dev xd0)"
check_err "MTU $((XDP_MTU + 1)) while attached: refused" "greater than device maximum" \
	in_ns ip link set xd0 mtu $((XDP_MTU + 1))
check_err "MTU 9000 while attached: refused" "greater than device maximum" \
	in_ns ip link set xd0 mtu 9000
check_eq "MTU after the refusals" $XDP_MTU "$(in_ns cat /sys/class/net/xd0/mtu)"
check_ok "MTU 1500 while attached" in_ns ip link set xd0 mtu 1500

check_ok "ip -force replaces the program" \
	in_ns ip -force link set dev xd0 xdpdrv obj "$XV_OBJ" sec xdp
read -r mode prog2 <<<"$(xdp_info xd0)"
check_eq "after replace: driver mode" 1 "$mode"
check_ne "after replace: another program" "$prog" "$prog2"
check_ok "xdpdrv off" in_ns ip link set dev xd0 xdpdrv off
check_eq "nothing attached after xdpdrv off" "0 0" "$(xdp_info xd0)"
check_eq "GSO as before after detach" "$gso0" "$(feature generic-segmentation-offload)"
check_eq "TSO as before after detach" "$tso0" "$(feature tcp-segmentation-offload)"
check_ok "MTU 9000 after detach" in_ns ip link set xd0 mtu 9000
in_ns ip link set xd0 mtu 1500

check_ok "xdp (no mode) at MTU 1500" in_ns ip link set dev xd0 xdp obj "$XV_OBJ" sec xdp
check_eq "xdp picked driver mode" 1 "$(xdp_info xd0 | cut -d' ' -f1)"
check_ok "xdp off" in_ns ip link set dev xd0 xdp off
check_ok "xdpgeneric still attaches" \
	in_ns ip link set dev xd0 xdpgeneric obj "$XV_OBJ" sec xdp
check_eq "xdpgeneric: generic mode (2)" 2 "$(xdp_info xd0 | cut -d' ' -f1)"
check_err "xdpdrv while a generic program runs: refused by the core" \
	"at the same time" in_ns ip link set dev xd0 xdpdrv obj "$XV_OBJ" sec xdp
check_ok "xdpgeneric off" in_ns ip link set dev xd0 xdpgeneric off
check_eq "nothing attached at the end" "0 0" "$(xdp_info xd0)"

# ---------------------------------------------------------------- verdicts
# One program for all verdicts; only the config changes.
xdp_attach xd0 xdpdrv
xdp_set xd0 port=$PORT
trace_start xdp/xdp_exception || true


# xdp_case DESC ACTION ARG WANT PROGRAM-KEY=N... -- ETHTOOL-KEY=N...: N
# datagrams A -> B across xd0 while the program's action is ACTION (with
# ARG); the receiver must get WANT of them, each once; the program's
# counters and vlo's ethtool counters must move by the given amounts.
xdp_case()
{
	local desc=$1 action=$2 arg=$3 want=$4 c0 c1 e0 e1 got secs=30 exc0=0
	local -a pk=()

	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		pk+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	# Nothing should arrive: do not wait long for it.
	[ "$want" = 0 ] && secs=2

	xdp_set xd0 action="$action" arg="$arg"
	c0=$(xdp_counts xd0)
	e0=$(eth_counts xd0)
	[ -n "$VLO_TRACE_INST" ] && exc0=$(trace_count "ifindex=$IFINDEX")
	got=$(in_ns "${UDP[@]}" xfer -b $A -d $B -p $PORT -n $N -t $secs)
	c1=$(xdp_counts xd0)
	e1=$(eth_counts xd0)
	log "$desc: receiver: $got; program: $(xdp_deltas "$c0" "$c1")"
	check_eq "$desc: datagrams received (received distinct dup)" \
		"$want $want 0" "$(received "$got")"
	# seen: the program ran once per frame, also for XDP_TX.
	check_deltas "$c0" "$c1" seen=$N matched=$N "${pk[@]}"
	[ $# -gt 0 ] && check_deltas "$e0" "$e1" "$@"
	if [[ $action == aborted || $action == raw ]]; then
		if [ -n "$VLO_TRACE_INST" ]; then
			check_eq "$desc: xdp:xdp_exception events on xd0" $N \
				$(($(trace_count "ifindex=$IFINDEX") - exc0))
		else
			skip_check "$desc: xdp_exception count: $VLO_TRACE_WHY"
		fi
	fi
}

log "--- [${SECONDS}s] verdicts, UDP from $A to $B across xd0 (vlo-route)"
xdp_case "XDP_PASS" pass 0 $N pass=$N drop=0 tx=0 -- \
	eth_rx0_xdp_pass=$N eth_rx0_xdp_drop=0 eth_rx0_xdp_errors=0
xdp_case "XDP_DROP" drop 0 0 drop=$N pass=0 -- \
	eth_rx0_xdp_drop=$N eth_rx0_xdp_pass=0
xdp_case "XDP_TX" tx 0 $N tx=$N pass=0 -- \
	eth_rx0_xdp_tx=$N eth_rx0_xdp_errors=0
xdp_case "bpf_redirect to xd0 itself" redirect "$IFINDEX" $N redirect=$N refused=0 -- \
	eth_rx0_xdp_redirect=$N eth_rx0_xdp_errors=0
xdp_case "XDP_ABORTED" aborted 0 0 aborted=$N -- eth_rx0_xdp_aborted=$N
xdp_case "unknown verdict 99" raw 99 0 raw=$N -- eth_rx0_xdp_aborted=$N

# ------------------------------------------------------------- frame size
log "--- [${SECONDS}s] no super-frames while attached: TCP $A -> $B"
# 256 KiB over TCP, both directions across xd0; every frame is a test
# frame (port 0) and passes. The program's longest frame must fit
# MTU + 14, and full-sized segments must have been among them.
xdp_set xd0 action=pass port=0
c0=$(xdp_counts xd0)
moved=$(in_ns python3 -c '
import socket, sys, threading
s = socket.socket()
s.bind((sys.argv[2], 0))
s.listen(1)
c = socket.socket()
c.bind((sys.argv[1], 0))
c.connect(s.getsockname())
a, _ = s.accept()
data = b"x" * 262144
t = threading.Thread(target=c.sendall, args=(data,))
t.start()
n = 0
while n < len(data):
    n += len(a.recv(65536))
t.join()
print(n)' $A $B)
c1=$(xdp_counts xd0)
log "TCP: $moved bytes; program: $(xdp_deltas "$c0" "$c1")"
check_eq "TCP bytes moved" 262144 "$moved"
check_ge "TCP: bytes the program saw" 262144 "$(delta bytes "$c0" "$c1")"
check_le "TCP: longest frame the program saw (MTU 1500 + 14)" 1514 "$(kv maxlen "$c1")"
check_ge "TCP: full-sized segments among them" 1400 "$(kv maxlen "$c1")"
xdp_set xd0 port=$PORT

# ------------------------------------------------------------- XDP_TX ping
log "--- [${SECONDS}s] XDP_TX answers a local ping"
# icmp_stat NAME: a counter of the Icmp lines of /proc/net/snmp in $NS.
icmp_stat()
{
	# shellcheck disable=SC2016 # awk's own $ fields
	in_ns awk -v n="$1" '$1 == "Icmp:" && !h { for (i = 2; i <= NF; i++) c[i] = $i; h = 1; next }
		$1 == "Icmp:" { for (i = 2; i <= NF; i++) if (c[i] == n) print $i }' /proc/net/snmp
}
# Anonymous counters: named ones need nft_objref, which not every kernel
# has (the debug kernel does not).
in_ns nft -f - <<NFT || die "nft table on xd0"
table netdev vlo_xdp {
	chain in {
		type filter hook ingress device "xd0" priority 0;
		ip saddr $A ip daddr $B icmp type echo-request counter
		ip saddr $B ip daddr $A icmp type echo-reply counter
	}
}
NFT
# Every frame is a test frame (port 0): pong passes what is not an echo
# request.
xdp_set xd0 action=pong port=0
c0=$(xdp_counts xd0)
in_echos=$(icmp_stat InEchos)
out_reps=$(icmp_stat OutEchoReps)
in_reps=$(icmp_stat InEchoReps)
out=$(in_ns ping -n -q -c 5 -i 0.2 -W 2 -I $A $B 2>&1 || true)
c1=$(xdp_counts xd0)
check_match "ping $A -> $B answered by the program: 5 replies" " 5 received" "$out"
check_deltas "$c0" "$c1" pong=5
check_eq "echo requests that reached the stack (Icmp InEchos)" 0 \
	$(($(icmp_stat InEchos) - in_echos))
check_eq "echo replies the stack sent (Icmp OutEchoReps)" 0 \
	$(($(icmp_stat OutEchoReps) - out_reps))
check_eq "echo replies the stack received (Icmp InEchoReps)" 5 \
	$(($(icmp_stat InEchoReps) - in_reps))
# shellcheck disable=SC2016 # awk's own $ fields
nftc=$(in_ns nft list chain netdev vlo_xdp in |
	awk '/echo-request|echo-reply/ {
		for (i = 1; i < NF; i++)
			if ($i == "packets")
				print (/echo-request/ ? "req" : "rep"), $(i + 1)
	}' | tr '\n' ' ')
check_eq "nft ingress on xd0: requests, replies" "req 0 rep 5 " "$nftc"
in_ns nft delete table netdev vlo_xdp

# ---------------------------------------------------------- packet sockets
log "--- [${SECONDS}s] frames from packet sockets (vlo_pkt)"
xdp_set xd0 port=0 etype=$((16#$ETYPE))
# pkt_case DESC ACTION WANT WAIT_MS KEY=N...
pkt_case()
{
	local desc=$1 action=$2 want=$3 wait=$4 c0 c1 e0 e1 out

	shift 4
	xdp_set xd0 action="$action"
	c0=$(xdp_counts xd0)
	e0=$(eth_counts xd0)
	out=$(pkt loop -i xd0 -n $N -w "$wait")
	c1=$(xdp_counts xd0)
	e1=$(eth_counts xd0)
	check_eq "$desc: vlo_pkt frames back (received dup bad)" "$want 0 0" \
		"$(kv received "$out") $(kv dup "$out") $(kv bad "$out")"
	check_deltas "$c0" "$c1" seen=$N matched=$N "$@"
	check_deltas "$e0" "$e1" "eth_rx0_xdp_$action=$N"
}
pkt_case "packet socket, XDP_PASS" pass $N 2000 pass=$N
pkt_case "packet socket, XDP_DROP" drop 0 1000 drop=$N
pkt_case "packet socket, XDP_TX" tx $N 2000 tx=$N
xdp_set xd0 action=pass etype=0 port=$PORT

# ------------------------------------------------------------------- frags
log "--- [${SECONDS}s] multi-buffer (xdp.frags) programs"
xdp_detach xd0
in_ns ip link set xd0 mtu 65536
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
if [ "$kmaj" -lt 5 ] || { [ "$kmaj" -eq 5 ] && [ "$kmin" -lt 18 ]; }; then
	skip_check "xdp.frags programs: kernel $(uname -r) has no XDP multi-buffer (5.18)"
else
	check_ok "xdp.frags program at MTU 65536" \
		in_ns ip link set dev xd0 xdpdrv obj "$XV_OBJ" sec xdp.frags
	xdp_learn xd0
	check_eq "frags program: driver mode" 1 "$(xdp_info xd0 | cut -d' ' -f1)"
	check_eq "TSO off with a frags program" off \
		"$(feature tcp-segmentation-offload | cut -d' ' -f1)"
	check_ok "MTU 9000 with a frags program" in_ns ip link set xd0 mtu 9000
	check_ok "MTU 65536 with a frags program" in_ns ip link set xd0 mtu 65536
	attach_err "plain program replacing the frags one at MTU 65536: refused" xdpdrv xdp
	xdp_set xd0 port=$PORT action=pass
	c0=$(xdp_counts xd0)
	udp_recv_start r $B $PORT 6 30
	in_ns "${UDP[@]}" send -b $A -d $B -p $PORT -n 1 -s 60000 >/dev/null
	in_ns "${UDP[@]}" send -b $A -d $B -p $PORT -n 5 -s 1000 -o 1 >/dev/null
	got=$(udp_recv_wait r)
	c1=$(xdp_counts xd0)
	log "frags: receiver: $got; program: $(xdp_deltas "$c0" "$c1")"
	check_eq "frags: datagrams received, 60000 B + 5 x 1000 B (received distinct dup)" \
		"6 6 0" "$(received "$got")"
	# 14 + 20 + 8 bytes of headers each.
	check_deltas "$c0" "$c1" matched=6 pass=6 bytes=$((60042 + 5 * 1042))
	check_ge "frags: multi-buffer frames seen by the program" 1 \
		"$(delta multibuf "$c0" "$c1")"
	xdp_detach xd0
fi

# ---------------------------------------------------------------- features
log "--- [${SECONDS}s] XDP feature flags"
feat=$(in_ns python3 "$TESTDIR/vlo_xdp_features.py" xd0)
if [ "$feat" = family=absent ]; then
	skip_check "XDP feature flags: no netdev netlink family before 6.3 (kernel $(uname -r))"
else
	log "xd0: $feat"
	for f in basic redirect ndo-xmit rx-sg; do
		check_match "feature $f" "^features=(.*,)?$f(,|$)" "$feat"
	done
	check_nomatch "no xsk-zerocopy" "xsk-zerocopy" "$feat"
fi

vlo_exit
