#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Multicast and broadcast sent on a vlo device reach each local receiver
# once, as on lo, IPv4 and IPv6: the IP stack's own loopback copy
# (dev_loopback_xmit) and the frame vlo reflects must not both arrive, and
# neither may be lost where the stack's copy would have arrived (source
# checks, rp_filter, carrier off). Every scope, TTL / hop limit 0, a socket
# with IP_MULTICAST_LOOP off (no stack copy: vlo loops it, as lo does).
# The kernel's copy is what local receivers get of what the host sends.
# The frames still cross the device: a tc filter on its egress counts
# each. Frames a packet socket sends to a multicast MAC are looped as any
# other. Counted by the receiving sockets (tests/vlo_mcast.py) and tc.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc python3
require_vlo_pkt
vlo_ensure_loaded
require_kmod sch_ingress cls_flower

N=5
MCAST=(python3 "$TESTDIR/vlo_mcast.py")

ns_create NS ipv6
vlo_add mc0
in_ns ip addr add 10.9.4.1/24 brd + dev mc0
in_ns ip addr add 2001:db8:4::1/64 dev mc0 nodad
# A second device whose address a sender may use.
in_ns ip link add mcd type dummy 2>/dev/null || vlo_add mcd
in_ns ip link set mcd up
in_ns ip addr add 10.9.12.1/24 dev mcd
# The egress count: UDP datagrams that crossed mc0 on the way out.
in_ns tc qdisc add dev mc0 clsact
in_ns tc filter add dev mc0 egress protocol ip pref 1 flower ip_proto udp action pass
in_ns tc filter add dev mc0 egress protocol ipv6 pref 2 flower ip_proto udp action pass

crossed()
{
	in_ns tc -s filter show dev mc0 egress |
		awk '/Sent/ { n += $4 } END { print n + 0 }'
}

# once DESC EXPECT-CROSSED MCAST-ARGS...: 2 receivers get every datagram
# exactly once; EXPECT-CROSSED of them crossed mc0's egress ("-": any).
once()
{
	local desc=$1 want_crossed=$2 out before

	shift 2
	before=$(crossed)
	out=$(in_ns "${MCAST[@]}" -i mc0 -n "$N" -r 2 "$@")
	check_eq "$desc: datagrams received by 2 receivers" \
		"sent=$N received=$((2 * N)) per_datagram=1,1" "$out"
	if [ "$want_crossed" != - ]; then
		check_eq "$desc: datagrams that crossed mc0 (tc egress)" \
			"$want_crossed" $(($(crossed) - before))
	fi
}

once "IPv6 ff15::1234 (the reported case)" $N -g ff15::1234 -s 2001:db8:4::1
once "IPv6 ff12::1:2 link-local scope" $N -g ff12::1:2 -s 2001:db8:4::1
once "IPv6 ff05::1:3 site-local scope, hop limit 8" $N -g ff05::1:3 -t 8
# The stack keeps interface-local scope and hop limit 0 off the wire.
once "IPv6 ff11::1:4 interface-local scope" 0 -g ff11::1:4
once "IPv6 ff15::1234, hop limit 0" 0 -g ff15::1234 -t 0
once "IPv6 ff15::1234, IPV6_MULTICAST_LOOP off" $N -g ff15::1234 -L
once "IPv4 239.1.2.3" $N -g 239.1.2.3 -s 10.9.4.1
once "IPv4 224.0.0.251 link-local group" $N -g 224.0.0.251 -s 10.9.4.1
once "IPv4 239.1.2.3, TTL 0" 0 -g 239.1.2.3 -s 10.9.4.1 -t 0
# No stack copy: vlo loops the frame, as lo does; its local source passes
# IPv4's source check with accept_local (IPv6 has none).
in_ns sysctl -qw net.ipv4.conf.mc0.accept_local=1
once "IPv4 239.1.2.3, IP_MULTICAST_LOOP off, accept_local" $N -g 239.1.2.3 -s 10.9.4.1 -L
in_ns sysctl -qw net.ipv4.conf.mc0.accept_local=0
once "IPv4 subnet broadcast" $N -g 10.9.4.255 -s 10.9.4.1
once "IPv4 limited broadcast" $N -g 255.255.255.255 -s 10.9.4.1

# Where the frame vlo would reflect fails the way in, the stack's copy
# must still arrive.
in_ns sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.mc0.rp_filter=1
once "IPv4 239.1.2.3 from another device's address, strict rp_filter" $N \
	-g 239.1.2.3 -s 10.9.12.1
once "IPv4 subnet broadcast from another device's address, strict rp_filter" $N \
	-g 10.9.4.255 -s 10.9.12.1
in_ns sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.mc0.rp_filter=2
in_ns ip addr flush dev mc0 scope global
in_ns ip addr add 2001:db8:4::1/64 dev mc0 nodad
once "IPv4 239.1.2.3, no IPv4 address on mc0, loose rp_filter" $N \
	-g 239.1.2.3 -s 10.9.12.1
in_ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.mc0.rp_filter=0
in_ns ip addr add 10.9.4.1/24 brd + dev mc0
# (tc's egress hook runs before the noop qdisc that discards the frames.)
in_ns ip link set mc0 carrier off
once "IPv4 239.1.2.3, carrier off" - -g 239.1.2.3 -s 10.9.4.1
once "IPv6 ff15::1234, carrier off" - -g ff15::1234 -s 2001:db8:4::1
in_ns ip link set mc0 carrier on
has_carrier()
{
	[[ $(in_ns ip -o link show dev mc0) != *NO-CARRIER* ]]
}
wait_for 10 has_carrier || die "mc0 did not get its carrier back"

# A packet socket's frames to a multicast MAC: looped like any other.
out=$(pkt loop -i mc0 -n "$N" -d 01:00:5e:01:02:03)
check_eq "packet socket, frames to a multicast MAC: received" "$N" "$(kv received "$out")"
check_eq "packet socket, frames to a multicast MAC: as multicast" "$N" "$(kv multicast "$out")"

vlo_exit
