#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vlo's native XDP over time: programs come and go under traffic, a
# program that sends every frame back, and a device that disappears (its
# namespace deleted, the module removed) with a program attached. Counted
# outside the driver: a receiving UDP socket that also sees duplicates,
# the program's own map (tests/xdp_verdict.c; pinned where it must
# outlive its program), vlo_pkt's send and receive counts, bpftool's view
# of the program.
#
#  - under a steady UDP flow A -> B across lf0 (vlo-route): attach, replace
#    and detach a passing program again and again: every datagram arrives,
#    once;
#  - the same with a program that drops for a while: received + the
#    program's drops = sent, exactly;
#  - an always-XDP_TX program (every frame) delivers each UDP datagram and
#    each vlo_pkt frame exactly once to the stack and sees each once; a
#    vlo_pkt flood through it ends when the sender stops (the program's
#    count stands still afterwards: no frame loops forever), and every
#    frame vlo took was seen by the program or counted as a full ring
#    (program + rx_queue_drops = sent); a ping still works after it;
#  - the same bound for a program that redirects every frame to lf0 itself;
#  - a namespace deleted while its vlo device has a program and traffic:
#    the program is freed (bpftool no longer knows it);
#  - rmmod vlo while devices have programs and traffic: it succeeds, the
#    programs are freed, the module loads again.
# The guest's kernel log must stay clean (scripts/vm-run fails the run on
# warnings, lockups and leaked devices).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/xdp_lib.sh"
set -euo pipefail

require_root
require_cmd ip ethtool python3 ping
require_vlo_pkt
xdp_require
VLO_ROUTE=${VLO_ROUTE:-$TESTDIR/../scripts/vlo-route}
[ -x "$VLO_ROUTE" ] || VLO_ROUTE=$(command -v vlo-route || echo "$VLO_ROUTE")
[ -x "$VLO_ROUTE" ] || skip "vlo-route not found (set VLO_ROUTE=path)"
vlo_ensure_loaded

PORT=47040
A=10.9.32.1
B=10.9.32.2
T=$(tmpdir)
XV_OBJ=$(xdp_build xdp_verdict)
ns_create NS
vlo_add lf0 mtu 1500
in_ns ip link set lf0 addrgenmode none 2>/dev/null || true
in_ns ip addr add $A/24 dev lf0
in_ns ip addr add $B/24 dev lf0
in_ns "$VLO_ROUTE" add lf0 $A $B >/dev/null

# A private bpffs: a map pinned there outlives its program.
mkdir "$T/bpffs"
mount -t bpf bpf "$T/bpffs" || die "cannot mount a bpf file system"
defer umount "$T/bpffs"

# sender_start M GAP_MS: M datagrams A -> B in the background, one every
# GAP_MS; sender_alive: still sending.
sender_start()
{
	in_ns "${UDP[@]}" send -b $A -d $B -p $PORT -n "$1" -g "$2" >"$T/send.out" 2>&1 &
	SENDER=$!
	bg_track $SENDER
}

sender_alive()
{
	kill -0 "$SENDER" 2>/dev/null
}

# ------------------------------------------------- changes under traffic
log "--- [${SECONDS}s] attach, replace, detach under traffic"
M=400
udp_recv_start r $B $PORT $M 120
sender_start $M 10
steps=0
while sender_alive; do
	case $((steps % 3)) in
	0) in_ns ip link set dev lf0 xdpdrv obj "$XV_OBJ" sec xdp ||
		die "attach (step $steps) under traffic" ;;
	1) in_ns ip -force link set dev lf0 xdpdrv obj "$XV_OBJ" sec xdp ||
		die "replace (step $steps) under traffic" ;;
	2) in_ns ip link set dev lf0 xdpdrv off ||
		die "detach (step $steps) under traffic" ;;
	esac
	steps=$((steps + 1))
	sleep 0.2
done
wait "$SENDER" || true
got=$(udp_recv_wait r)
log "attach/replace/detach: $steps changes while $(<"$T/send.out"); receiver: $got"
check_ge "program changes during the flow" 3 $steps
check_eq "all datagrams received once (received distinct dup)" "$M $M 0" \
	"$(received "$got")"
[ "$(xdp_info lf0)" = "0 0" ] || xdp_detach lf0

log "--- [${SECONDS}s] a program drops for a while under traffic"
M=600
udp_recv_start r $B $PORT $M 60
sender_start $M 10
xdp_attach lf0 xdpdrv
DROP_CNT=$(xdp_map lf0 xv_cnt)
bpftool map pin id "$DROP_CNT" "$T/bpffs/drop_cnt" || die "bpftool map pin"
xdp_set lf0 port=$PORT
sleep 0.5
xdp_set lf0 action=drop
sleep 0.5
xdp_set lf0 action=pass
sleep 0.3
in_ns ip -force link set dev lf0 xdpdrv obj "$XV_OBJ" sec xdp
sleep 0.3
xdp_detach lf0
wait "$SENDER" || true
got=$(udp_recv_wait r)
c=$(xdp_counts_id "$DROP_CNT")
drops=$(kv drop "$c")
log "drops for a while: $(<"$T/send.out"); receiver: $got; dropping program: $c"
check_eq "sender: all sent" "sent=$M errors=0" "$(<"$T/send.out")"
check_ge "the program dropped some" 1 "$drops"
check_eq "received + dropped by the program = sent" $M \
	$(($(kv distinct "$got") + drops))
check_eq "no datagram twice" 0 "$(kv dup "$got")"

# ------------------------------------------------------ always XDP_TX
log "--- [${SECONDS}s] a program that sends every frame back (XDP_TX)"
xdp_attach lf0 xdpdrv
xdp_set lf0 action=tx
N=100
c0=$(xdp_counts lf0)
udp_recv_start r $B $PORT $N 60
in_ns "${UDP[@]}" send -b $A -d $B -p $PORT -n $N >/dev/null
got=$(udp_recv_wait r)
c1=$(xdp_counts lf0)
log "always XDP_TX, UDP: $got; program: $(xdp_deltas "$c0" "$c1")"
check_eq "always XDP_TX: datagrams (received distinct dup)" "$N $N 0" "$(received "$got")"
check_deltas "$c0" "$c1" seen=$N tx=$N
out=$(pkt loop -i lf0 -n $N)
c2=$(xdp_counts lf0)
check_eq "always XDP_TX: vlo_pkt frames back (received dup bad)" "$N 0 0" \
	"$(kv received "$out") $(kv dup "$out") $(kv bad "$out")"
check_deltas "$c1" "$c2" seen=$N tx=$N

# flood_case DESC: 3 s of vlo_pkt flood through lf0. Afterwards the
# program's count stands still (no frame goes round forever), the program
# ran at most once per frame sent, and the frames it did not see were
# counted as refused by a full ring.
flood_case()
{
	local desc=$1 c0 c1 c2 e0 e1 out sent seen full

	c0=$(xdp_counts lf0)
	e0=$(eth_counts lf0)
	out=$(pkt flood -i lf0 -T 3)
	sleep 1
	c1=$(xdp_counts lf0)
	e1=$(eth_counts lf0)
	sleep 1
	c2=$(xdp_counts lf0)
	sent=$(kv sent "$out")
	seen=$(delta seen "$c0" "$c1")
	full=$(delta eth_rx_queue_drops "$e0" "$e1")
	log "$desc: flood $out; program: $(xdp_deltas "$c0" "$c1"); rx_queue_drops $full"
	check_eq "$desc: flood ended, no send error" "0 0" \
		"$(kv send_errors "$out") $(kv gone "$out")"
	check_eq "$desc: program count stands still after the flood" \
		"$(kv seen "$c1")" "$(kv seen "$c2")"
	check_le "$desc: program runs <= frames sent ($sent)" "$sent" "$seen"
	if [[ $full =~ ^[0-9]+$ ]]; then
		check_le "$desc: frames the program did not see <= rx_queue_drops ($full)" \
			"$full" $((sent - seen))
	else
		fail "$desc: no rx_queue_drops in ethtool -S lf0"
	fi
}
flood_case "always XDP_TX"
check_match "always XDP_TX: ping $A -> $B afterwards" " 3 received" \
	"$(in_ns ping -n -q -c 3 -i 0.2 -W 2 -I $A $B 2>&1 || true)"

log "--- [${SECONDS}s] a program that redirects every frame to lf0 itself"
xdp_set lf0 action=redirect arg="$(in_ns cat /sys/class/net/lf0/ifindex)"
c0=$(xdp_counts lf0)
udp_recv_start r $B $PORT $N 60
in_ns "${UDP[@]}" send -b $A -d $B -p $PORT -n $N >/dev/null
got=$(udp_recv_wait r)
c1=$(xdp_counts lf0)
check_eq "redirect to itself: datagrams (received distinct dup)" "$N $N 0" "$(received "$got")"
check_deltas "$c0" "$c1" seen=$N redirect=$N
flood_case "redirect to itself"
xdp_detach lf0

# -------------------------------------------- device goes with a program
log "--- [${SECONDS}s] namespace deleted with a program and traffic"
ns_create NX
NS=$NX vlo_add lx0 mtu 1500
NS=$NX xdp_attach lx0 xdpdrv
NS=$NX xdp_set lx0 action=tx
prog=${XDP_PROG[$NX/lx0]}
# The flood's socket keeps the namespace alive until it ends (3 s): the
# device is then unregistered with its program and a busy ring.
"$VLO_PKT" flood -i lx0 -T 3 -N "$NX" >"$T/flood.out" 2>&1 &
flood=$!
bg_track $flood
sleep 1
ip netns del "$NX"
wait $flood || true
log "flood in the deleted namespace: $(<"$T/flood.out")"
if wait_for 60 sh -c "! bpftool prog show id $prog"; then
	check_eq "program of the deleted namespace's device freed" freed freed
else
	check_eq "program of the deleted namespace's device freed" freed \
		"still loaded: $(bpftool prog show id "$prog" 2>&1 | head -n 1)"
fi

log "--- [${SECONDS}s] rmmod with programs attached and traffic"
ns_create NR
NS=$NR vlo_add lr0 mtu 1500
NS=$NR xdp_attach lr0 xdpdrv
NS=$NR xdp_set lr0 action=pass
xdp_attach lf0 xdpdrv
xdp_set lf0 action=tx
progs="${XDP_PROG[$NR/lr0]} ${XDP_PROG[$NS/lf0]}"
"$VLO_PKT" flood -i lr0 -T 20 -N "$NR" >"$T/flood.out" 2>&1 &
flood=$!
bg_track $flood
sleep 1
check_ok "rmmod vlo with programs attached, under traffic" rmmod vlo
wait $flood || true
log "flood on lr0: $(<"$T/flood.out")"
check_eq "the flood saw its device go" 1 "$(kv gone "$(<"$T/flood.out")")"
for prog in $progs; do
	if wait_for 60 sh -c "! bpftool prog show id $prog"; then
		check_eq "program $prog freed with its device" freed freed
	else
		check_eq "program $prog freed with its device" freed "still loaded"
	fi
done
# shellcheck disable=SC2119 # default parameters on purpose
check_ok "vlo loads again" vlo_load
check_ok "a vlo device again" in_ns ip link add lf1 type vlo

vlo_exit
