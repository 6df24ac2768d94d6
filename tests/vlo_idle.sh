#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An idle vlo device carries nothing the user did not send. IPv6 would give
# an Ethernet device a link-local address on up and then send router
# solicitations and MLD reports on it; lo has no link-local address and
# sends nothing. vlo devices are made with addrgenmode none (also after a
# move to another namespace, which resets per-device settings). Counted by
# tcpdump on the device from before it is ready for IPv6; the same capture after
# `addrgenmode eui64` must see the kernel's frames, so the capture itself
# is shown to work.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tcpdump
vlo_ensure_loaded

# IPv6 solicits after rtr_solicit_delay (1 s), then every 4 s; MLD reports
# go out at once and are repeated within a second.
IDLE=6
T=$(tmpdir)
ns_create NS ipv6
[ -d "/proc/sys/net/ipv6" ] || skip "no IPv6 in this kernel"

# idle_frames DEV: frames on DEV from the moment IPv6 sees it ready (up
# with carrier: tcpdump needs it up, so it comes up without carrier first)
# until IDLE seconds after, nothing sent by the test.
idle_frames()
{
	local f=$T/$1-$RANDOM.pcap

	in_ns ip link set "$1" down
	in_ns ip link set "$1" carrier off
	in_ns ip link set "$1" up
	capture_start "$1" "$f"
	in_ns ip link set "$1" carrier on
	sleep "$IDLE"
	capture_stop "$f" >&2
	pcap_count "$f"
}

in_ns ip link add id0 type vlo
check_match "made with addrgenmode none" "addrgenmode none" \
	"$(in_ns ip -d link show dev id0)"
check_eq "frames on a new device after up" 0 "$(idle_frames id0)"
check_eq "IPv6 addresses on id0" "" "$(in_ns ip -6 -o addr show dev id0)"
in_ns ip addr add 10.9.10.1/24 dev id0
in_ns ip addr add 2001:db8:10::1/64 dev id0
check_eq "frames after up, with IPv4 and IPv6 addresses" 0 "$(idle_frames id0)"

ns_create NS2 ipv6
in_ns ip link set id0 netns "$NS2"
NS=$NS2
check_match "addrgenmode none after a namespace move" "addrgenmode none" \
	"$(in_ns ip -d link show dev id0)"
check_eq "frames after up in the new namespace" 0 "$(idle_frames id0)"

# Below 1280 bytes IPv6 drops the device's settings and makes them anew
# when the MTU is back: vlo's setting must come back with them.
in_ns ip link set id0 down
in_ns ip link set id0 mtu 1200
in_ns ip link set id0 mtu 1500
check_match "addrgenmode none after the MTU dipped below 1280" "addrgenmode none" \
	"$(in_ns ip -d link show dev id0)"
check_eq "frames after up, after the MTU dip" 0 "$(idle_frames id0)"
in_ns ip link add id1 mtu 1000 type vlo
in_ns ip link set id1 mtu 65536
check_match "made with MTU 1000, raised: addrgenmode none" "addrgenmode none" \
	"$(in_ns ip -d link show dev id1)"
check_eq "frames after up, made with MTU 1000" 0 "$(idle_frames id1)"

# The control: with a link-local address the kernel speaks on the device.
in_ns ip link set id0 addrgenmode eui64
check_ge "frames after up with addrgenmode eui64 (RS, MLD)" 1 "$(idle_frames id0)"

vlo_exit
