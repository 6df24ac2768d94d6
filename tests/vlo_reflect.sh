#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The data path: every frame sent on a vlo device with AF_PACKET comes back
# on that device, once, intact, with the pkt_type its destination MAC calls
# for (HOST for the device's own MAC, OTHERHOST for another unicast MAC,
# BROADCAST, MULTICAST); and the counters move by exactly that much in
# sysfs, `ip -s -j link` and `ethtool -S` (bytes include the 14-byte
# Ethernet header). Frame sizes from small to MTU + header, with and without
# PACKET_QDISC_BYPASS; a frame over MTU + header is refused by the core.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip ethtool
require_vlo_pkt
vlo_ensure_loaded

ns_create NS
vlo_add vr0
mac=$(in_ns cat /sys/class/net/vr0/address)
last=

# reflect DESC N SIZE KIND VLO_PKT-ARGS...: send N frames of SIZE bytes,
# expect N back as pkt_type KIND and exact counter deltas everywhere.
reflect()
{
	local desc=$1 n=$2 size=$3 kind=$4 before after out bytes

	shift 4
	log "--- $desc: $n frames of $size bytes"
	# Nothing else moves the counters (own netns, no IPv6): the previous
	# case's final reading is this one's starting point.
	before=${last:-$(counters vr0)}
	out=$(pkt loop -i vr0 -n "$n" -s "$size" "$@")
	after=$(counters vr0)
	last=$after
	bytes=$((n * size))

	check_eq "$desc: sent" "$n" "$(kv sent "$out")"
	check_eq "$desc: received" "$n" "$(kv received "$out")"
	check_eq "$desc: received as $kind" "$n" "$(kv "$kind" "$out")"
	check_eq "$desc: corrupted or truncated" 0 "$(kv bad "$out")"
	check_eq "$desc: duplicates" 0 "$(kv dup "$out")"
	check_eq "$desc: other frames" 0 "$(kv foreign "$out")"
	check_eq "$desc: socket drops" 0 "$(kv sock_drops "$out")"
	check_deltas "$before" "$after" \
		sys_tx_packets="$n" sys_rx_packets="$n" \
		sys_tx_bytes="$bytes" sys_rx_bytes="$bytes" \
		sys_tx_dropped=0 sys_rx_dropped=0 \
		ip_tx_packets="$n" ip_rx_packets="$n" \
		ip_tx_bytes="$bytes" ip_rx_bytes="$bytes" \
		ip_tx_dropped=0 ip_rx_dropped=0 \
		eth_tx_packets="$n" eth_rx_packets="$n" \
		eth_tx_bytes="$bytes" eth_rx_bytes="$bytes" \
		eth_rx_backlog_drops=0 eth_tx_carrier_drops=0 \
		eth_tx_header_drops=0
}

reflect "own MAC" 50 100 host -d self
reflect "other unicast MAC" 50 100 otherhost -d 02:00:00:00:00:01
reflect "broadcast" 50 100 broadcast -d bcast
reflect "multicast" 50 100 multicast -d 01:00:5e:00:00:fb
reflect "minimum size" 50 60 host
reflect "1514 bytes" 30 1514 host
reflect "MTU + header" 5 65550 host
reflect "QDISC_BYPASS" 50 100 host -b
reflect "QDISC_BYPASS, MTU + header" 5 65550 host -b

# A frame one byte over MTU + header never reaches the device: AF_PACKET
# refuses it (the core's check, against vlo's MTU).
before=$last
out=$(pkt send -i vr0 -n 1 -s 65551)
after=$(counters vr0)
check_eq "core: oversized frame refused" "1 EMSGSIZE" \
	"$(kv send_errors "$out") $(kv send_errno "$out")"
check_deltas "$before" "$after" sys_tx_packets=0 sys_rx_packets=0 \
	eth_tx_packets=0

# Smaller MTU: the limit follows it.
in_ns ip link set vr0 mtu 1500
last=
reflect "mtu 1500, MTU + header" 10 1514 host
out=$(pkt send -i vr0 -n 1 -s 1515)
check_eq "mtu 1500: 1515-byte frame refused" "1 EMSGSIZE" \
	"$(kv send_errors "$out") $(kv send_errno "$out")"

log "device MAC $mac"
vlo_exit
