#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XDP_REDIRECT on vlo, both ways, counted outside the driver: by sockets in
# other namespaces, by the XDP programs of the other devices
# (tests/xdp_verdict.c counts what it sees), by tests/vlo_xsk (AF_XDP)
# and by the core's xdp trace events. vlo's ethtool -S counters are only
# compared with those.
#
# Out of vlo (the program on vlo rd0, UDP from A to B across rd0 made by
# vlo-route; the veth peers vb, wb in namespaces NB, NC carry rd0's MAC
# and address B, so their sockets take the frames):
#  - bpf_redirect(ifindex of veth va): NB's socket gets N, each once; vb's
#    program sees N; the stack of rd0 gets none;
#  - devmap: the same;
#  - devmap broadcast (BPF_F_EXCLUDE_INGRESS) to va, wa and rd0 itself:
#    NB and NC get N each, rd0 (the ingress device) none;
#  - cpumap: the stack of rd0 gets them (N, each once), on the CPU's
#    kthread;
#  - xskmap: an AF_XDP socket bound in copy mode to queue 0 gets N, each
#    once, and the stack none; without a socket in the map the redirect is
#    refused; a zero-copy bind is refused, so is a queue that does not
#    exist.
# Into vlo (the driver-mode program on veth va redirects frames that vb
# sends to rd0's ifindex, i.e. vlo's ndo_xdp_xmit):
#  - without a program on rd0: the stack of rd0 gets N (a socket on A);
#  - with one: it sees them and its verdicts apply (PASS, DROP, TX: the
#    socket gets N, 0, N each once);
#  - rd0 without carrier: refused (socket 0; xdp_devmap_xmit trace counts
#    N drops; rd0's tx_xdp_xmit_errors N); carrier back: delivered again;
#  - a frame of rd0's MTU + 14 bytes is delivered; longer ones up to
#    MTU + 18 are refused by vlo (xdp:xdp_devmap_xmit drops, counted in
#    tx_xdp_xmit_errors), longer still by the core (xdp:xdp_redirect_err);
#  - rd0 down: refused (xdp:xdp_redirect_err).
# xdp-trafficgen udp into a vlo device (it sends through ndo_xdp_xmit):
# N IPv6 datagrams reach a socket, with and without a program on vlo (a
# SKIP-CHECK where the tool cannot run: xdp-tools 1.3.1 on Debian's 6.1).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/xdp_lib.sh"
set -euo pipefail

require_root
require_cmd ip ethtool python3
require_vlo_pkt
xdp_require
[ -x "$VLO_XSK" ] || skip "$VLO_XSK not built (run: make -C tests)"
VLO_ROUTE=${VLO_ROUTE:-$TESTDIR/../scripts/vlo-route}
[ -x "$VLO_ROUTE" ] || VLO_ROUTE=$(command -v vlo-route || echo "$VLO_ROUTE")
[ -x "$VLO_ROUTE" ] || skip "vlo-route not found (set VLO_ROUTE=path)"
vlo_ensure_loaded
require_kmod veth

N=20
PORT=47030
A=10.9.31.1
B=10.9.31.2
P=10.9.31.99	# "sender" of the frames vb sends: in the subnet, nowhere
T=$(tmpdir)

XV_OBJ=$(xdp_build xdp_verdict)
ns_create NS
ns_create NB
ns_create NC
vlo_add rd0 mtu 1500
in_ns ip link set rd0 addrgenmode none 2>/dev/null || true
in_ns ip addr add $A/24 dev rd0
in_ns ip addr add $B/24 dev rd0
in_ns "$VLO_ROUTE" add rd0 $A $B >/dev/null
RD0_MAC=$(in_ns cat /sys/class/net/rd0/address)
RD0_IDX=$(in_ns cat /sys/class/net/rd0/ifindex)

# The peers take rd0's MAC and address B: what rd0's program sends them
# is for them. Each runs a counting XDP_PASS program (driver mode), which
# also makes veth accept redirected frames (its NAPI).
for pair in va:vb:"$NB" wa:wb:"$NC"; do
	IFS=: read -r here there ns <<<"$pair"
	in_ns ip link add "$here" mtu 3000 type veth peer name "$there" mtu 3000 netns "$ns"
	in_ns ip link set "$here" up
	ip -n "$ns" link set "$there" address "$RD0_MAC"
	ip -n "$ns" addr add $B/24 dev "$there"
	ip -n "$ns" link set "$there" up
	NS=$ns xdp_attach "$there" xdpdrv
	NS=$ns xdp_set "$there" port=$PORT
done
VA_IDX=$(in_ns cat /sys/class/net/va/ifindex)
WA_IDX=$(in_ns cat /sys/class/net/wa/ifindex)

xdp_attach rd0 xdpdrv
xdp_set rd0 port=$PORT

# ------------------------------------------------------------ out of vlo
# secs WANT: how long a receiver waits: not long when nothing should come.
secs()
{
	if [ "$1" = 0 ]; then
		echo 2
	else
		echo 30
	fi
}

# out_case DESC ACTION ARG WANT_NB WANT_NC WANT_STACK [ETHTOOL-KEY=N...]:
# N datagrams A -> B with rd0's program set to ACTION ARG; the sockets on B
# in NB, NC and on rd0 itself must get WANT_* of them, each once; rd0's
# program must have counted N redirects, vb's and wb's programs what their
# sockets got.
out_case()
{
	local desc=$1 action=$2 arg=$3 wnb=$4 wnc=$5 wst=$6 c0 c1 b0 b1 w0 w1 e0 e1
	local gnb gnc gst

	shift 6
	xdp_set rd0 action="$action" arg="$arg"
	c0=$(xdp_counts rd0)
	b0=$(NS=$NB xdp_counts vb)
	w0=$(NS=$NC xdp_counts wb)
	e0=$(eth_counts rd0)
	NS=$NB udp_recv_begin nb $B $PORT $N "$(secs "$wnb")"
	NS=$NC udp_recv_begin nc $B $PORT $N "$(secs "$wnc")"
	udp_recv_begin st $B $PORT $N "$(secs "$wst")"
	udp_recv_ready nb nc st
	in_ns "${UDP[@]}" send -b $A -d $B -p $PORT -n $N >/dev/null
	gnb=$(udp_recv_wait nb)
	gnc=$(udp_recv_wait nc)
	gst=$(udp_recv_wait st)
	c1=$(xdp_counts rd0)
	b1=$(NS=$NB xdp_counts vb)
	w1=$(NS=$NC xdp_counts wb)
	e1=$(eth_counts rd0)
	log "$desc: NB $gnb; NC $gnc; rd0's stack $gst"
	log "$desc: rd0's program: $(xdp_deltas "$c0" "$c1"); vb's: $(xdp_deltas "$b0" "$b1"); wb's: $(xdp_deltas "$w0" "$w1")"
	check_eq "$desc: NB's socket (received distinct dup)" "$wnb $wnb 0" "$(received "$gnb")"
	check_eq "$desc: NC's socket (received distinct dup)" "$wnc $wnc 0" "$(received "$gnc")"
	check_eq "$desc: rd0's own socket (received distinct dup)" "$wst $wst 0" "$(received "$gst")"
	check_deltas "$c0" "$c1" seen=$N matched=$N redirect=$N refused=0
	check_deltas "$b0" "$b1" matched="$wnb"
	check_deltas "$w0" "$w1" matched="$wnc"
	check_deltas "$e0" "$e1" eth_rx0_xdp_redirect=$N eth_rx0_xdp_errors=0 "$@"
}

log "--- [${SECONDS}s] redirects out of rd0"
out_case "bpf_redirect to va" redirect "$VA_IDX" $N 0 0
xdp_map_set rd0 xv_devmap 0 "$VA_IDX"
out_case "devmap[0] = va" devmap 0 $N 0 0
# Broadcast to every entry but the ingress device: rd0 is one of them.
xdp_map_set rd0 xv_devmap 1 "$WA_IDX"
xdp_map_set rd0 xv_devmap 2 "$RD0_IDX"
# BPF_F_BROADCAST and BPF_F_EXCLUDE_INGRESS came with 5.14.
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
if [ "$kmaj" -lt 5 ] || { [ "$kmaj" -eq 5 ] && [ "$kmin" -lt 14 ]; }; then
	skip_check "devmap broadcast: no BPF_F_BROADCAST before 5.14 (kernel $(uname -r))"
else
	out_case "devmap broadcast to va, wa, rd0 (excluding the ingress rd0)" bcast 0 $N $N 0
fi
# A CPU map entry: queue size 192, no program on the CPU.
xdp_map_set rd0 xv_cpumap 0 192
out_case "cpumap to CPU 0" cpumap 0 0 0 $N
if [ "$(nproc)" -ge 2 ]; then
	xdp_map_set rd0 xv_cpumap 1 192
	out_case "cpumap to CPU 1" cpumap 1 0 0 $N
else
	skip_check "cpumap to a second CPU: this machine has one"
fi

log "--- [${SECONDS}s] AF_XDP (xskmap) on rd0"
check_eq "AF_XDP zero-copy bind to rd0 queue 0: refused" "bind=refused" \
	"$("$VLO_XSK" bind -i rd0 -q 0 -M zerocopy -N "$NS" | cut -d' ' -f1)"
check_eq "AF_XDP copy-mode bind to rd0 queue 1 (rd0 has 1 RX queue): refused" \
	"bind=refused errno=EINVAL" "$("$VLO_XSK" bind -i rd0 -q 1 -M copy -N "$NS")"
check_eq "AF_XDP bind without a mode to rd0 queue 0 (falls back to copy)" \
	"bind=ok" "$("$VLO_XSK" bind -i rd0 -q 0 -M any -N "$NS")"
xdp_set rd0 action=xsk
c0=$(xdp_counts rd0)
in_ns "${UDP[@]}" send -b $A -d $B -p $PORT -n $N >/dev/null
c1=$(xdp_counts rd0)
check_deltas "$c0" "$c1" matched=$N redirect=0 refused=$N
rm -f "$T/xsk.ready"
"$VLO_XSK" rx -i rd0 -q 0 -m "$(xdp_map rd0 xv_xskmap)" -n $N -t 300 \
	-r "$T/xsk.ready" -N "$NS" >"$T/xsk.out" 2>&1 &
xsk_pid=$!
bg_track $xsk_pid
wait_for 120 test -f "$T/xsk.ready" || { cat "$T/xsk.out"; die "vlo_xsk did not start"; }
udp_recv_start st $B $PORT $N 3
c0=$(xdp_counts rd0)
e0=$(eth_counts rd0)
in_ns "${UDP[@]}" send -b $A -d $B -p $PORT -n $N >/dev/null
wait $xsk_pid || true
gst=$(udp_recv_wait st)
c1=$(xdp_counts rd0)
e1=$(eth_counts rd0)
xsk=$(<"$T/xsk.out")
log "AF_XDP: vlo_xsk: $xsk; rd0's stack: $gst; program: $(xdp_deltas "$c0" "$c1")"
check_eq "AF_XDP copy mode, queue 0: frames (received distinct dup other)" \
	"$N $N 0 0" "$(kv received "$xsk") $(kv distinct "$xsk") $(kv dup "$xsk") $(kv other "$xsk")"
check_eq "AF_XDP: rd0's stack got none" "0 0 0" "$(received "$gst")"
check_deltas "$c0" "$c1" matched=$N redirect=$N refused=0
check_deltas "$e0" "$e1" eth_rx0_xdp_redirect=$N

# ------------------------------------------------------------- into vlo
log "--- [${SECONDS}s] redirects from veth va into rd0 (ndo_xdp_xmit)"
xdp_detach rd0
in_ns ip link set va mtu 3000
xdp_attach va xdpdrv
xdp_set va port=$PORT etype=$((16#$ETYPE)) action=redirect arg="$RD0_IDX"
TRACE_OK=0
if trace_start xdp/xdp_redirect_err xdp/xdp_devmap_xmit; then
	TRACE_OK=1
fi

# trace_drops: dropped frames the xdp_devmap_xmit events to rd0 report.
trace_drops()
{
	local n=0 l re="to_ifindex=$RD0_IDX .*drops=([0-9]+)"

	while IFS= read -r l; do
		[[ $l =~ $re ]] && n=$((n + BASH_REMATCH[1]))
	done <"$VLO_TRACE_INST/trace"
	echo "$n"
}

# in_case DESC WANT [RD0-PROGRAM-KEY=N...] [-- ETHTOOL-KEY=N...]: N
# datagrams P -> A sent by vb (NB) to rd0's MAC; va's program redirects
# them to rd0; the socket on A must get WANT of them, each once.
in_case()
{
	local desc=$1 want=$2 a0 a1 c0="" c1 e0 e1 got
	local -a pk=()

	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		pk+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	a0=$(xdp_counts va)
	[ ${#pk[@]} -gt 0 ] && c0=$(xdp_counts rd0)
	e0=$(eth_counts rd0)
	[ $TRACE_OK = 1 ] && trace_clear
	udp_recv_start st $A $PORT $N "$(secs "$want")"
	NS=$NB in_ns "${UDP4[@]}" send -i vb -n $N -s $P -d $A -p $PORT \
		--dmac "$RD0_MAC" >/dev/null
	got=$(udp_recv_wait st)
	a1=$(xdp_counts va)
	e1=$(eth_counts rd0)
	log "$desc: socket on A: $got; va's program: $(xdp_deltas "$a0" "$a1")"
	check_eq "$desc: datagrams received (received distinct dup)" \
		"$want $want 0" "$(received "$got")"
	check_deltas "$a0" "$a1" matched=$N redirect=$N refused=0
	if [ ${#pk[@]} -gt 0 ]; then
		c1=$(xdp_counts rd0)
		log "$desc: rd0's program: $(xdp_deltas "$c0" "$c1")"
		check_deltas "$c0" "$c1" seen=$N matched=$N "${pk[@]}"
	fi
	[ $# -gt 0 ] && check_deltas "$e0" "$e1" "$@"
	return 0
}

in_case "no program on rd0" $N -- eth_tx_xdp_xmit=$N eth_tx_xdp_xmit_errors=0
xdp_attach rd0 xdpdrv
xdp_set rd0 port=$PORT
xdp_set rd0 action=pass
in_case "rd0's program: XDP_PASS" $N pass=$N -- eth_tx_xdp_xmit=$N eth_rx0_xdp_pass=$N
xdp_set rd0 action=drop
in_case "rd0's program: XDP_DROP" 0 drop=$N -- eth_rx0_xdp_drop=$N
xdp_set rd0 action=tx
in_case "rd0's program: XDP_TX" $N tx=$N -- eth_rx0_xdp_tx=$N
xdp_set rd0 action=pass

in_ns ip link set rd0 carrier off
in_case "rd0 without carrier: refused" 0 -- eth_tx_xdp_xmit_errors=$N eth_tx_xdp_xmit=0
if [ $TRACE_OK = 1 ]; then
	check_eq "no carrier: drops in xdp:xdp_devmap_xmit events to rd0" $N "$(trace_drops)"
else
	skip_check "no carrier: trace count: $VLO_TRACE_WHY"
fi
in_ns ip link set rd0 carrier on
in_case "rd0's carrier back" $N pass=$N -- eth_tx_xdp_xmit=$N

# Frames of vlo_pkt (ethertype $ETYPE), counted by rd0's program. The core
# lets frames up to MTU + 18 through (room for a VLAN tag) and refuses
# longer ones itself (xdp:xdp_redirect_err); vlo refuses those longer than
# MTU + 14 (xdp:xdp_devmap_xmit drops, tx_xdp_xmit_errors).
log "--- [${SECONDS}s] frame length limit of ndo_xdp_xmit (rd0 MTU 1500)"
xdp_set rd0 port=0 etype=$((16#$ETYPE)) action=drop
for size in 1514 1515 1518 1519; do
	c0=$(xdp_counts rd0)
	e0=$(eth_counts rd0)
	[ $TRACE_OK = 1 ] && trace_clear
	NS=$NB pkt send -i vb -n $N -s $size -d "$RD0_MAC" >/dev/null
	sleep 1
	c1=$(xdp_counts rd0)
	e1=$(eth_counts rd0)
	log "frames of $size bytes: rd0's program: $(xdp_deltas "$c0" "$c1")"
	if [ $size = 1514 ]; then
		check_deltas "$c0" "$c1" matched=$N
		check_deltas "$e0" "$e1" eth_tx_xdp_xmit=$N eth_tx_xdp_xmit_errors=0
		continue
	fi
	check_deltas "$c0" "$c1" matched=0
	[ $TRACE_OK = 1 ] || continue
	if [ $size -le 1518 ]; then
		check_eq "frames of $size bytes: refused by vlo (xdp_devmap_xmit drops)" \
			$N "$(trace_drops)"
		check_deltas "$e0" "$e1" eth_tx_xdp_xmit_errors=$N
	else
		check_eq "frames of $size bytes: refused by the core (xdp_redirect_err)" \
			$N "$(trace_count "xdp_redirect_err:")"
	fi
done
xdp_set rd0 port=$PORT etype=0 action=pass

in_ns ip link set rd0 down
in_case "rd0 down: refused" 0
if [ $TRACE_OK = 1 ]; then
	check_eq "rd0 down: xdp:xdp_redirect_err events" $N "$(trace_count "xdp_redirect_err:")"
else
	skip_check "rd0 down: trace count: $VLO_TRACE_WHY"
fi

# ---------------------------------------------------------- xdp-trafficgen
log "--- [${SECONDS}s] xdp-trafficgen udp into a vlo device"
if ! command -v xdp-trafficgen >/dev/null; then
	skip_check "xdp-trafficgen: not installed (xdp-tools)"
	vlo_exit
fi
ns_create NT ipv6
NS=$NT vlo_add tg0 mtu 1500
ip -n "$NT" link set tg0 addrgenmode none 2>/dev/null || true
ip -n "$NT" addr add fd00:31::1/64 dev tg0 nodad
TG0_MAC=$(NS=$NT in_ns cat /sys/class/net/tg0/address)
# tg_case DESC: N datagrams from xdp-trafficgen to [fd00:31::1]:PORT.
tg_case()
{
	local desc=$1 e0 e1 got out rc=0

	e0=$(NS=$NT eth_counts tg0)
	NS=$NT udp_recv_start tg fd00:31::1 $PORT $N 20
	out=$(ip netns exec "$NT" xdp-trafficgen udp tg0 -n $N -t 1 -m "$TG0_MAC" \
		-a fd00:31::1 -A fd00:31::2 -p $PORT 2>&1) || rc=$?
	quote_lines "$out"
	# (xdp-tools 1.3.1 fails its probe of BPF_PROG_RUN live frames on
	# Debian's 6.1, with any device: the tool, not vlo.)
	if [ $rc -ne 0 ] && [[ $out == *"probing kernel support"* ||
		$out == *"support live packet mode"* ]]; then
		skip_check "$desc: xdp-trafficgen cannot run on this kernel: ${out##*$'\n'}"
		udp_recv_wait tg >/dev/null
		return 1
	fi
	check_eq "$desc: xdp-trafficgen exit status" 0 "$rc"
	got=$(udp_recv_wait tg)
	e1=$(NS=$NT eth_counts tg0)
	log "$desc: socket: $got"
	# Its payload is not vlo-udp4's: all "other".
	check_eq "$desc: datagrams received" $N "$(kv received "$got")"
	check_deltas "$e0" "$e1" eth_tx_xdp_xmit=$N
}
if tg_case "xdp-trafficgen, no program on tg0"; then
	NS=$NT xdp_attach tg0 xdpdrv
	NS=$NT xdp_set tg0 port=$PORT
	c0=$(NS=$NT xdp_counts tg0)
	tg_case "xdp-trafficgen, program on tg0" || true
	c1=$(NS=$NT xdp_counts tg0)
	check_deltas "$c0" "$c1" matched=$N pass=$N
fi

vlo_exit
