#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Frames redirected into vlo (tc mirred from another device's ingress) are
# received as fresh frames of the vlo device:
#  - a frame that was PACKET_OTHERHOST on its first device but is addressed
#    to vlo's MAC is delivered (eth_type_trans() never sets PACKET_HOST, so
#    the driver must); its mark is kept, as lo keeps it;
#  - a frame whose checksum is CHECKSUM_COMPLETE (here: the inner frame of a
#    VXLAN packet whose outer UDP checksum was checked in software) had the
#    Ethernet header added to its csum by mirred; vlo must take it out when
#    it pulls the header, or the sum is wrong: the stack computes it again
#    in software (and with hardware sums reports "hw csum failure").
# Counted by the receiving UDP sockets, a tc filter on the vlo device and
# a kprobe on __skb_checksum_complete.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc ethtool python3
vlo_ensure_loaded
require_kmod veth sch_ingress act_mirred act_skbedit cls_matchall cls_fw

N=10
PORT=47012
T=$(tmpdir)

UDP4=(python3 "$TESTDIR/vlo_udp4.py")

# udp_count ADDR SECONDS READY: count datagrams to ADDR:PORT in $NS.
udp_count()
{
	in_ns "${UDP4[@]}" count -d "$1" -p "$PORT" -n "$N" -t "$2" -r "$3"
}

# ------------------------------------------------- OTHERHOST, mark kept
ns_create NS
vlo_add rd0
in_ns ip addr add 10.9.6.1/24 dev rd0
in_ns ip link add ra type veth peer name rb
in_ns ip link set ra up
in_ns ip link set rb up
rd0_mac=$(in_ns cat /sys/class/net/rd0/address)
in_ns tc qdisc add dev ra clsact
in_ns tc filter add dev ra ingress matchall \
	action skbedit mark 42 pipe action mirred egress redirect dev rd0
in_ns tc qdisc add dev rd0 clsact
in_ns tc filter add dev rd0 ingress pref 1 protocol ip handle 42 fw action pass

udp_count 10.9.6.1 30 "$T/ready1" >"$T/count1" &
bg_track $!
wait_for 20 test -f "$T/ready1" || die "receiver did not start"
# IPv4/UDP frames from rb to ra, addressed to rd0's MAC: not ra's.
in_ns "${UDP4[@]}" send -i rb -n "$N" -s 10.9.6.2 -d 10.9.6.1 -p "$PORT" \
	--dmac "$rd0_mac" >/dev/null
wait
got=$(<"$T/count1")
check_eq "OTHERHOST on ra, redirected to rd0's MAC: datagrams received" "$N" "$got"
marked=$(in_ns tc -s filter show dev rd0 ingress | awk '/Sent/ { print $4; exit }')
check_eq "frames arriving on rd0 with the mark set on ra (cls_fw)" "$N" "$marked"

# ------------------------------------------------- CHECKSUM_COMPLETE
if ! have_kmod vxlan; then
	skip_check "CHECKSUM_COMPLETE: no vxlan module in this kernel"
	vlo_exit
fi
# The kernel computes a checksum in software where the sum it was given
# does not match (__skb_checksum_complete). On real hardware a wrong
# CHECKSUM_COMPLETE also logs "hw csum failure"; here the sum was made in
# software, so the extra computations are what shows it: counted by a
# kprobe, the same for N datagrams that cross vlo as for N that do not.
TRACE=/sys/kernel/tracing
[ -f $TRACE/kprobe_events ] || mount -t tracefs nodev $TRACE 2>/dev/null || true
csum_probe=0
if [ -w $TRACE/kprobe_events ] &&
	echo 'p:vlo_csum __skb_checksum_complete' >>$TRACE/kprobe_events 2>/dev/null; then
	defer sh -c "echo '-:vlo_csum' >>$TRACE/kprobe_events"
	echo 1 >$TRACE/events/kprobes/vlo_csum/enable
	defer sh -c "echo 0 >$TRACE/events/kprobes/vlo_csum/enable"
	csum_probe=1
else
	skip_check "software checksum count: no kprobe events in this kernel"
fi
csum_calls()
{
	if [ "$csum_probe" = 1 ]; then
		awk '$1 == "vlo_csum" { print $2 }' $TRACE/kprobe_profile
	else
		echo 0
	fi
}

ns_create NB
in_ns ip link add xa type veth peer name xb netns "$NB"
in_ns ip addr add 10.9.7.1/24 dev xa
in_ns ip link set xa up
ip -n "$NB" addr add 10.9.7.2/24 dev xb
ip -n "$NB" link set xb up
# Outer checksums made and checked in software: the receiver then turns
# the checked outer UDP checksum into CHECKSUM_COMPLETE for the inner frame.
ip netns exec "$NB" ethtool -K xb tx off >/dev/null
in_ns ethtool -K xa rx off >/dev/null
in_ns ip link add vxa type vxlan id 42 remote 10.9.7.2 dstport 4789 udpcsum
in_ns ip addr add 10.9.11.1/24 dev vxa
in_ns ip link set vxa up
ip -n "$NB" link add vxb type vxlan id 42 remote 10.9.7.1 dstport 4789 udpcsum
ip -n "$NB" addr add 10.9.11.2/24 dev vxb
ip -n "$NB" addr add 10.9.8.2/24 dev vxb
ip -n "$NB" link set vxb up
ip -n "$NB" neigh add 10.9.11.1 lladdr "$(in_ns cat /sys/class/net/vxa/address)" dev vxb
ip -n "$NB" neigh add 10.9.8.1 lladdr "$rd0_mac" dev vxb
in_ns ip addr add 10.9.8.1/24 dev rd0

# through_vxlan NAME ADDR: N datagrams from NB to ADDR over the VXLAN;
# prints "received software_checksums".
through_vxlan()
{
	local c0

	udp_count "$2" 30 "$T/$1.ready" >"$T/$1.count" &
	bg_track $!
	wait_for 20 test -f "$T/$1.ready" || die "receiver did not start"
	c0=$(csum_calls)
	ip netns exec "$NB" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"vlo-udp4 %d" % i, (sys.argv[3], int(sys.argv[2])))
' "$N" "$PORT" "$2"
	wait $!
	echo "$(<"$T/$1.count") $(($(csum_calls) - c0))"
}

read -r got base <<<"$(through_vxlan direct 10.9.11.1)"
check_eq "VXLAN, delivered on vxa itself: datagrams received" "$N" "$got"
log "software checksums for $N datagrams delivered on vxa: $base"

kmsg_mark
in_ns tc qdisc add dev vxa clsact
in_ns tc filter add dev vxa ingress matchall action mirred egress redirect dev rd0
read -r got redirected <<<"$(through_vxlan redirect 10.9.8.1)"
check_eq "VXLAN inner frames redirected to rd0: datagrams received" "$N" "$got"
check_le "software checksums for $N datagrams redirected to rd0 (vs $base direct)" \
	$((base + N / 2)) "$redirected"
check_nomatch "no checksum fault reported" "hw csum failure" "$(kmsg_since)"

vlo_exit
