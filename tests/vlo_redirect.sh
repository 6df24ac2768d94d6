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
#    it pulls the header, or the stack reports "hw csum failure".
# Counted by the receiving UDP sockets and a tc filter on the vlo device.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc ethtool python3
vlo_ensure_loaded
for m in veth sch_ingress act_mirred act_skbedit cls_matchall cls_fw; do
	modprobe -q "$m" 2>/dev/null || [ -d "/sys/module/$m" ] ||
		skip "this kernel has no $m module"
done

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
if ! modprobe -q vxlan 2>/dev/null && ! [ -d /sys/module/vxlan ]; then
	skip_check "CHECKSUM_COMPLETE: no vxlan module in this kernel"
	vlo_exit
fi
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
in_ns ip link set vxa up
ip -n "$NB" link add vxb type vxlan id 42 remote 10.9.7.1 dstport 4789 udpcsum
ip -n "$NB" addr add 10.9.8.2/24 dev vxb
ip -n "$NB" link set vxb up
ip -n "$NB" neigh add 10.9.8.1 lladdr "$rd0_mac" dev vxb
in_ns ip addr add 10.9.8.1/24 dev rd0
in_ns tc qdisc add dev vxa clsact
in_ns tc filter add dev vxa ingress matchall action mirred egress redirect dev rd0

kmsg_mark
udp_count 10.9.8.1 30 "$T/ready2" >"$T/count2" &
bg_track $!
wait_for 20 test -f "$T/ready2" || die "receiver did not start"
ip netns exec "$NB" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"vlo-udp4 %d" % i, ("10.9.8.1", int(sys.argv[2])))
' "$N" "$PORT"
wait
check_eq "VXLAN inner frames redirected to rd0: datagrams received" "$N" "$(<"$T/count2")"
check_nomatch "no checksum fault reported" "hw csum failure" "$(kmsg_since)"

vlo_exit
