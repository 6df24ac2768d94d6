#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a vlo device may be a port of. A bridge port that loops would send
# every flooded frame straight back into the bridge (with two such ports:
# a broadcast storm), so bridges refuse vlo with a message, as they refuse
# lo. Devices that only receive through vlo (macvlan, bond) and a VRF take
# it. After the refusals the device still loops frames, counted by the
# receiving packet socket.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip
require_vlo_pkt
vlo_ensure_loaded

N=10
ns_create NS
vlo_add po0
vlo_add po1

if have_kmod bridge; then
	in_ns ip link add br0 type bridge
	in_ns ip link set br0 up
	check_err "bridge refuses vlo, with the reason" \
		"Device does not allow enslaving to a bridge" \
		in_ns ip link set po0 master br0
	check_err "bridge refuses a second vlo too" \
		"Device does not allow enslaving to a bridge" \
		in_ns ip link set po1 master br0
	check_eq "bridge ports" "" "$(in_ns ls /sys/class/net/br0/brif 2>/dev/null | tr '\n' ' ')"
else
	skip_check "bridge: no bridge module in this kernel"
fi

if have_kmod bonding; then
	in_ns ip link add bo0 type bond
	in_ns ip link set po0 down
	check_ok "bond takes vlo" in_ns ip link set po0 master bo0
	check_match "po0's master is bo0" "master bo0" "$(in_ns ip -o link show dev po0)"
	in_ns ip link set po0 nomaster
	in_ns ip link set po0 up
else
	skip_check "bond: no bonding module in this kernel"
fi

if have_kmod macvlan; then
	check_ok "macvlan on vlo" in_ns ip link add mv0 link po0 type macvlan
	in_ns ip link del mv0
else
	skip_check "macvlan: no macvlan module in this kernel"
fi

if have_kmod vrf; then
	in_ns ip link add vrf0 type vrf table 10
	in_ns ip link set vrf0 up
	check_ok "a VRF takes vlo as a member" in_ns ip link set po1 master vrf0
	check_match "po1's master is vrf0" "master vrf0" "$(in_ns ip -o link show dev po1)"
	out=$(pkt loop -i po1 -n "$N")
	check_eq "frames looped on po1 inside the VRF" "$N" "$(kv received "$out")"
else
	skip_check "VRF: no vrf module in this kernel"
fi

out=$(pkt loop -i po0 -n "$N")
check_eq "frames looped on po0 after the refusals" "$N" "$(kv received "$out")"

vlo_exit
