#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Multicast and broadcast sent on a vlo device reach each local receiver
# once, as on lo, IPv4 and IPv6: the stack's own loopback copy
# (dev_loopback_xmit) and the frame vlo reflects must not both arrive.
# The copy delivered is the one that crossed the device: a tc filter that
# drops the frames on the device's egress leaves receivers with nothing.
# Where the original never reaches the device (interface-local IPv6 scope,
# TTL / hop limit 0), the stack's copy is delivered, once. IPv4 with
# accept_local cleared by the user: the reflected copy fails the source
# check, so the stack's copy must stay. Counted by the receiving sockets
# (tests/vlo_mcast.py), not by the driver.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc python3
vlo_ensure_loaded

N=5
MCAST=(python3 "$TESTDIR/vlo_mcast.py")

ns_create NS ipv6
vlo_add mc0
in_ns ip addr add 10.9.4.1/24 brd + dev mc0
in_ns ip addr add 2001:db8:4::1/64 dev mc0 nodad

# once DESC MCAST-ARGS...: every receiver gets every datagram exactly once.
once()
{
	local desc=$1 out

	shift
	out=$(in_ns "${MCAST[@]}" -i mc0 -n "$N" -r 2 "$@")
	log "$desc: $out"
	check_eq "$desc: datagrams received by 2 receivers" "sent=$N received=$((2 * N)) per_datagram=1,1" "$out"
}

once "IPv6 ff15::1234 (the reported case)" -g ff15::1234 -s 2001:db8:4::1
once "IPv6 ff12::1:2 link-local scope" -g ff12::1:2 -s 2001:db8:4::1
once "IPv6 ff05::1:3 site-local scope, hop limit 8" -g ff05::1:3 -t 8
once "IPv6 ff11::1:4 interface-local scope" -g ff11::1:4
once "IPv6 ff15::1234, hop limit 0" -g ff15::1234 -t 0
once "IPv4 239.1.2.3" -g 239.1.2.3 -s 10.9.4.1
once "IPv4 224.0.0.251 link-local group" -g 224.0.0.251 -s 10.9.4.1
once "IPv4 239.1.2.3, TTL 0" -g 239.1.2.3 -s 10.9.4.1 -t 0
once "IPv4 subnet broadcast" -g 10.9.4.255 -s 10.9.4.1
once "IPv4 limited broadcast" -g 255.255.255.255 -s 10.9.4.1

check_eq "accept_local as vlo sets it" 1 \
	"$(in_ns sysctl -n net.ipv4.conf.mc0.accept_local)"
in_ns sysctl -qw net.ipv4.conf.mc0.accept_local=0
once "IPv4 239.1.2.3, accept_local cleared" -g 239.1.2.3 -s 10.9.4.1
once "IPv4 subnet broadcast, accept_local cleared" -g 10.9.4.255 -s 10.9.4.1
in_ns sysctl -qw net.ipv4.conf.mc0.accept_local=1

# UDP dropped on the device's way out (the joins' IGMP/MLD reports pass):
# nothing may arrive.
if ! modprobe -q cls_flower 2>/dev/null && ! [ -d /sys/module/cls_flower ]; then
	skip_check "egress drop: no cls_flower module in this kernel"
else
	in_ns tc qdisc add dev mc0 clsact
	in_ns tc filter add dev mc0 egress protocol ip pref 1 flower ip_proto udp action drop
	in_ns tc filter add dev mc0 egress protocol ipv6 pref 2 flower ip_proto udp action drop
	for g in ff15::1234 239.1.2.3 10.9.4.255; do
		out=$(in_ns "${MCAST[@]}" -i mc0 -n "$N" -g "$g" -w 0.5)
		check_eq "$g dropped on egress by tc: received" "sent=$N received=0 per_datagram=0,0" "$out"
	done
	drops=$(in_ns tc -s filter show dev mc0 egress |
		awk '/Sent/ { n += $4 } END { print n + 0 }')
	check_eq "egress filters' own count of dropped datagrams" $((3 * N)) "$drops"
fi

vlo_exit
