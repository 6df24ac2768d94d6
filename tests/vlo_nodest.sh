#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Frames whose sender gives no destination. On vlo every neighbour is the
# device itself, so a header built with no destination (a bound packet
# socket's SOCK_DGRAM send()) names the device's own MAC and the frame is
# received as PACKET_HOST, where eth_header() would have written
# 00:00:00:00:00:00 and the frame come back PACKET_OTHERHOST (dropped by
# IPv4). Programs written for lo send to lo's address 00:00:00:00:00:00: a
# vlo device may take that address (`ip link set DEV address
# 00:00:00:00:00:00`, also at creation), and then receives their frames,
# whole (SOCK_RAW) or with the header built by the device (SOCK_DGRAM), as
# its own. Multicast addresses stay refused. Counted by the receiving
# sockets.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip python3
require_vlo_pkt
vlo_ensure_loaded

N=10
PORT=47013
ZERO=00:00:00:00:00:00
UDP4=(python3 "$TESTDIR/vlo_udp4.py")
T=$(tmpdir)
ns_create NS
vlo_add nd0
in_ns ip addr add 10.9.9.1/24 dev nd0

# received_by_udp NAME SEND-ARGS...: datagrams a UDP socket on 10.9.9.1 got
# while vlo_udp4.py sent N of them on nd0 with SEND-ARGS.
received_by_udp()
{
	local name=$1

	shift
	in_ns "${UDP4[@]}" count -d 10.9.9.1 -p "$PORT" -n "$N" -t 30 -r "$T/$name.ready" \
		>"$T/$name.count" &
	bg_track $!
	wait_for 20 test -f "$T/$name.ready" || die "receiver did not start"
	in_ns "${UDP4[@]}" send -i nd0 -n "$N" -s 10.9.9.2 -d 10.9.9.1 \
		-p "$PORT" "$@" >/dev/null
	wait $!
	cat "$T/$name.count"
}

check_eq "SOCK_DGRAM send() with no address: datagrams received" "$N" \
	"$(received_by_udp bound --bound)"
out=$(pkt loop -i nd0 -n "$N")
check_eq "frames to the device's MAC: received as host" "$N" "$(kv host "$out")"
out=$(pkt loop -i nd0 -n "$N" -d "$ZERO")
check_eq "frames to $ZERO on a device with another MAC: other host" \
	"$N" "$(kv otherhost "$out")"

check_ok "lo's address $ZERO can be set" in_ns ip link set nd0 address "$ZERO"
check_eq "address read back" "$ZERO" "$(in_ns cat /sys/class/net/nd0/address)"
out=$(pkt loop -i nd0 -n "$N" -d "$ZERO")
check_eq "frames to $ZERO, device has $ZERO: received as host" "$N" "$(kv host "$out")"
check_eq "UDP in frames to $ZERO: datagrams received" "$N" \
	"$(received_by_udp zero --dmac "$ZERO")"
check_eq "SOCK_DGRAM send() with no address, device has $ZERO" "$N" \
	"$(received_by_udp zero-bound --bound)"
check_eq "SOCK_DGRAM sendto() $ZERO, device has $ZERO" "$N" \
	"$(received_by_udp zero-dest --zero-dest)"
in_ns ip link set nd0 down
check_ok "up again with $ZERO" in_ns ip link set nd0 up

check_ok "created with $ZERO" in_ns ip link add nd1 address "$ZERO" type vlo
check_eq "nd1's address" "$ZERO" "$(in_ns cat /sys/class/net/nd1/address)"
check_ok "nd1 comes up" in_ns ip link set nd1 up
check_err "multicast address refused" "" \
	in_ns ip link set nd0 address 01:00:5e:00:00:01
check_err "multicast address refused at creation" "unicast" \
	in_ns ip link add nd2 address 01:00:5e:00:00:01 type vlo
check_eq "nd0's address unchanged" "$ZERO" "$(in_ns cat /sys/class/net/nd0/address)"

vlo_exit
