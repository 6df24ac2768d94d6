#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vlo's queues and which one a frame takes, seen from outside the driver:
# the XDP program counts the test frames per ctx->rx_queue_index
# (tests/xdp_verdict.c), an AF_XDP socket bound to one queue
# (tests/vlo_xsk) gets exactly that queue's frames, and sysfs lists the
# queues the core knows of. vlo's per-queue ethtool -S counters are only
# compared with those.
#
#  - ip link add ... numtxqueues 4 numrxqueues 2 type vlo: ethtool -l says
#    RX 2, TX 4 (maximum and current), no combined or other channels;
#    sysfs has rx-0..1 and tx-0..3; a device made without them has 1 + 1;
#  - ethtool -L rx R tx T within the maximums works up or down, with or
#    without a program; sysfs follows; more than the maximum, combined
#    channels, or zero queues are refused;
#  - a frame the stack sends with queue_mapping Q (tc skbedit on egress)
#    is received on RX queue Q % (RX queues): for every Q of 4 TX queues
#    with 2 RX queues, then with 1; vlo_pkt gets every frame back;
#  - an AF_XDP socket on RX queue 1 gets the frames of queue 1 and none of
#    queue 0 (their redirect to the empty slot 0 of the XSKMAP is refused);
#  - frames another device's XDP program redirects to vlo (ndo_xdp_xmit)
#    go to RX queue (CPU % RX queues): a sender pinned to CPU 0, then to
#    CPU 1 (veth runs its program on the sender's CPU).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/xdp_lib.sh"
set -euo pipefail

require_root
require_cmd ip ethtool tc python3 taskset
require_vlo_pkt
xdp_require
[ -x "$VLO_XSK" ] || skip "$VLO_XSK not built (run: make -C tests)"
vlo_ensure_loaded
require_kmod veth sch_ingress cls_matchall act_skbedit

N=20
T=$(tmpdir)
XV_OBJ=$(xdp_build xdp_verdict)
ns_create NS
vlo_add q0 numtxqueues 4 numrxqueues 2 mtu 1500
vlo_add q1 mtu 1500
Q0_MAC=$(in_ns cat /sys/class/net/q0/address)
Q0_IDX=$(in_ns cat /sys/class/net/q0/ifindex)

# channels DEV: "RXMAX TXMAX OTHERMAX COMBINEDMAX RX TX OTHER COMBINED" of
# ethtool -l (0 where ethtool says n/a).
channels()
{
	local l v out=()

	while IFS= read -r l; do
		[[ $l =~ ^(RX|TX|Other|Combined):[[:space:]]+(.*)$ ]] || continue
		v=${BASH_REMATCH[2]}
		[ "$v" = n/a ] && v=0
		out+=("$v")
	done <<<"$(in_ns ethtool -l "$1")"
	echo "${out[*]}"
}

# queues DEV: the queue folders in sysfs, e.g. "rx-0 rx-1 tx-0".
queues()
{
	in_ns ls "/sys/class/net/$1/queues" | tr '\n' ' ' | sed 's/ $//'
}

log "--- [${SECONDS}s] channels"
check_eq "ethtool -l q0 (max rx tx other combined, current ...)" \
	"2 4 0 0 2 4 0 0" "$(channels q0)"
check_eq "sysfs queues of q0" "rx-0 rx-1 tx-0 tx-1 tx-2 tx-3" "$(queues q0)"
check_eq "ethtool -l q1 (made without queue counts)" "1 1 0 0 1 1 0 0" "$(channels q1)"
check_ok "ethtool -L q0 rx 1 tx 2 (up)" in_ns ethtool -L q0 rx 1 tx 2
check_eq "ethtool -l q0 after -L rx 1 tx 2" "2 4 0 0 1 2 0 0" "$(channels q0)"
check_eq "sysfs queues after -L rx 1 tx 2" "rx-0 tx-0 tx-1" "$(queues q0)"
in_ns ip link set q0 down
check_ok "ethtool -L q0 rx 2 tx 3 (down)" in_ns ethtool -L q0 rx 2 tx 3
check_eq "ethtool -l q0 after -L rx 2 tx 3" "2 4 0 0 2 3 0 0" "$(channels q0)"
in_ns ip link set q0 up
check_err "ethtool -L q0 rx 3 (max 2): refused" "exceeds maximum" in_ns ethtool -L q0 rx 3
check_err "ethtool -L q0 tx 5 (max 4): refused" "exceeds maximum" in_ns ethtool -L q0 tx 5
check_err "ethtool -L q0 combined 1: refused" "exceeds maximum" in_ns ethtool -L q0 combined 1
check_err "ethtool -L q0 rx 0 tx 0: refused" "" in_ns ethtool -L q0 rx 0 tx 0
check_ok "ethtool -L q0 rx 2 tx 4" in_ns ethtool -L q0 rx 2 tx 4

# ----------------------------------------------------- queue of a frame
xdp_attach q0 xdpdrv
# tc skbedit queue_mapping chooses the TX queue only since 5.18
# (netdev_xmit_skip_txqueue); before, the core picks one by flow hash and
# the frames' queue cannot be set from outside.
IFS=. read -r qmaj qmin _ <<<"$(uname -r)"
if [ "$qmaj" -lt 5 ] || { [ "$qmaj" -eq 5 ] && [ "$qmin" -lt 18 ]; }; then
	skip_check "RX queue = queue_mapping % RX queues: tc skbedit cannot choose the TX queue before 5.18 (kernel $(uname -r))"
	skip_check "AF_XDP socket on RX queue 1: needs frames sent on a chosen queue (5.18)"
	skip_txq=1
else
	skip_txq=0
fi
xdp_set q0 etype=$((16#$ETYPE))
if [ $skip_txq = 0 ]; then
	in_ns tc qdisc add dev q0 clsact

	# set_txq Q: q0's egress filter sets queue_mapping Q (matchall cannot be
	# replaced in place: delete, add).
	set_txq()
	{
		in_ns tc filter del dev q0 egress 2>/dev/null || true
		in_ns tc filter add dev q0 egress pref 1 matchall \
			action skbedit queue_mapping "$1"
	}

	# on_queue DESC TXQ RXQ: N vlo_pkt frames sent with queue_mapping TXQ
	# must be seen by the program on RX queue RXQ (and no other) and all come
	# back; ethtool's rxRXQ_xdp_pass must say the same.
	on_queue()
	{
		local desc=$1 txq=$2 rxq=$3 c0 c1 e0 e1 out i want=()

		set_txq "$txq"
		c0=$(xdp_counts q0)
		e0=$(eth_counts q0)
		out=$(pkt loop -i q0 -n $N)
		c1=$(xdp_counts q0)
		e1=$(eth_counts q0)
		log "$desc: program: $(xdp_deltas "$c0" "$c1")"
		check_eq "$desc: frames back (received dup)" "$N 0" \
			"$(kv received "$out") $(kv dup "$out")"
		for ((i = 0; i < 4; i++)); do
			if [ $i = "$rxq" ]; then
				want+=("q$i=$N")
			else
				want+=("q$i=0")
			fi
		done
		check_deltas "$c0" "$c1" matched=$N pass=$N "${want[@]}"
		check_deltas "$e0" "$e1" "eth_rx${rxq}_xdp_pass=$N"
	}

	log "--- [${SECONDS}s] RX queue = queue_mapping % RX queues"
	for txq in 0 1 2 3; do
		on_queue "4 TX, 2 RX queues: queue_mapping $txq" $txq $((txq % 2))
	done
	check_ok "ethtool -L q0 rx 1 with a program attached" in_ns ethtool -L q0 rx 1
	check_eq "sysfs queues after -L rx 1" "rx-0 tx-0 tx-1 tx-2 tx-3" "$(queues q0)"
	for txq in 1 3; do
		on_queue "4 TX, 1 RX queue: queue_mapping $txq" $txq 0
	done
	check_ok "ethtool -L q0 rx 2 with a program attached" in_ns ethtool -L q0 rx 2
	on_queue "back to 2 RX queues: queue_mapping 3" 3 1

	log "--- [${SECONDS}s] AF_XDP socket on RX queue 1"
	# The core takes queues below max(RX, TX queues) for AF_XDP.
	check_eq "AF_XDP bind to q0 queue 4 (2 RX, 4 TX queues): refused" \
		"bind=refused errno=EINVAL" "$("$VLO_XSK" bind -i q0 -q 4 -M copy -N "$NS")"
	xdp_set q0 action=xsk
	rm -f "$T/xsk.ready"
	"$VLO_XSK" rx -i q0 -q 1 -m "$(xdp_map q0 xv_xskmap)" -n $N -t 300 \
		-r "$T/xsk.ready" -N "$NS" >"$T/xsk.out" 2>&1 &
	xsk_pid=$!
	bg_track $xsk_pid
	wait_for 120 test -f "$T/xsk.ready" || { cat "$T/xsk.out"; die "vlo_xsk did not start"; }
	c0=$(xdp_counts q0)
	for txq in 0 1; do
		set_txq $txq
		pkt send -i q0 -n $N >/dev/null
	done
	wait $xsk_pid || true
	c1=$(xdp_counts q0)
	xsk=$(<"$T/xsk.out")
	log "AF_XDP on queue 1: $xsk; program: $(xdp_deltas "$c0" "$c1")"
	check_eq "AF_XDP socket on queue 1: frames of queue 1 (received other)" "$N $N" \
		"$(kv received "$xsk") $(kv other "$xsk")"
	check_deltas "$c0" "$c1" q0=$N q1=$N redirect=$N refused=$N
	xdp_set q0 action=pass
	in_ns tc qdisc del dev q0 clsact
fi

log "--- [${SECONDS}s] ndo_xdp_xmit: RX queue = CPU % RX queues"
if [ "$(nproc)" -lt 2 ]; then
	skip_check "queue of redirected frames by CPU: this machine has one CPU"
	vlo_exit
fi
ns_create NB
in_ns ip link add va type veth peer name vb netns "$NB"
in_ns ip link set va up
ip -n "$NB" link set vb up
xdp_attach va xdpdrv
xdp_set va etype=$((16#$ETYPE)) action=redirect arg="$Q0_IDX"
for cpu in 0 1; do
	c0=$(xdp_counts q0)
	ip netns exec "$NB" taskset -c $cpu "$VLO_PKT" send -i vb -n $N -d "$Q0_MAC" >/dev/null
	sleep 1
	c1=$(xdp_counts q0)
	log "sender on CPU $cpu: q0's program: $(xdp_deltas "$c0" "$c1")"
	if [ $cpu = 0 ]; then
		check_deltas "$c0" "$c1" matched=$N q0=$N q1=0
	else
		check_deltas "$c0" "$c1" matched=$N q0=0 q1=$N
	fi
done

vlo_exit
