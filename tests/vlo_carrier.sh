#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Carrier. `ip link set DEV carrier off`: NO-CARRIER, operstate DOWN,
# ethtool "Link detected: no", the qdisc becomes noop. Frames sent the
# normal way are discarded by the core before the driver: nothing comes
# back and no counter of the device moves. With PACKET_QDISC_BYPASS the
# core's direct xmit refuses them (ENOBUFS) and counts tx_dropped once per
# frame, still without reaching the driver. `carrier on` restores
# everything and frames loop again with exact counters.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip jq ethtool
require_vlo_pkt
vlo_ensure_loaded

N=25
ns_create NS
vlo_add vk0

jfield()
{
	in_ns ip -j link show dev vk0 | jq -r ".[0] | $1"
}

# state_is OPERSTATE-REGEX QDISC (called through wait_for)
# shellcheck disable=SC2317
state_is()
{
	[[ "$(jfield .operstate)" =~ ^($1)$ ]] && [ "$(jfield .qdisc)" = "$2" ]
}

ALL_ZERO=(sys_tx_packets=0 sys_rx_packets=0 sys_tx_bytes=0 sys_rx_bytes=0
	  sys_rx_dropped=0 eth_tx_packets=0 eth_rx_packets=0
	  eth_rx_backlog_drops=0 eth_tx_carrier_drops=0 eth_tx_header_drops=0)

out=$(pkt loop -i vk0 -n 5)
check_eq "carrier on: frames loop" 5 "$(kv received "$out")"
log "carrier on: operstate $(jfield .operstate), qdisc $(jfield .qdisc)"

# --- carrier off -------------------------------------------------------------------
check_ok "carrier off" in_ns ip link set vk0 carrier off
# The qdisc swap and operstate are done by the linkwatch worker, which may
# take up to a second for a carrier loss.
VLO_CHECKS=$((VLO_CHECKS + 1))
if wait_for 10 state_is DOWN noop; then
	log "ok: operstate DOWN, qdisc noop"
else
	fail "after carrier off: operstate $(jfield .operstate), qdisc $(jfield .qdisc)"
fi
check_match "flag NO-CARRIER" "(^|,)NO-CARRIER(,|$)" "$(jfield '.flags | join(",")')"
check_eq "sysfs carrier" 0 "$(in_ns cat /sys/class/net/vk0/carrier)"
check_match "ethtool: no link" 'Link detected: no' "$(in_ns ethtool vk0)"

before=$(counters vk0)
out=$(pkt loop -i vk0 -n "$N" -w 1000)
after=$(counters vk0)
check_eq "off, normal path: sendto succeeds" "$N 0" \
	"$(kv sent "$out") $(kv send_errors "$out")"
check_eq "off, normal path: nothing comes back" 0 "$(kv received "$out")"
check_deltas "$before" "$after" "${ALL_ZERO[@]}" sys_tx_dropped=0

before=$(counters vk0)
out=$(pkt loop -i vk0 -n "$N" -b -w 1000)
after=$(counters vk0)
check_eq "off, QDISC_BYPASS: every send refused with ENOBUFS" "0 $N ENOBUFS" \
	"$(kv sent "$out") $(kv send_errors "$out") $(kv send_errno "$out")"
check_eq "off, QDISC_BYPASS: nothing comes back" 0 "$(kv received "$out")"
check_deltas "$before" "$after" "${ALL_ZERO[@]}" sys_tx_dropped="$N" \
	ip_tx_dropped="$N"

# --- carrier on ----------------------------------------------------------------------
check_ok "carrier on" in_ns ip link set vk0 carrier on
VLO_CHECKS=$((VLO_CHECKS + 1))
if wait_for 10 state_is 'UNKNOWN|UP' noqueue; then
	log "ok: operstate $(jfield .operstate), qdisc noqueue"
else
	fail "after carrier on: operstate $(jfield .operstate), qdisc $(jfield .qdisc)"
fi
check_nomatch "no NO-CARRIER flag" "NO-CARRIER" "$(jfield '.flags | join(",")')"
check_match "ethtool: link" 'Link detected: yes' "$(in_ns ethtool vk0)"
for mode in normal bypass; do
	args=()
	[ "$mode" = bypass ] && args=(-b)
	before=$(counters vk0)
	out=$(pkt loop -i vk0 -n "$N" "${args[@]}")
	after=$(counters vk0)
	check_eq "on again, $mode: frames loop" "$N" "$(kv received "$out")"
	check_deltas "$before" "$after" sys_tx_packets="$N" sys_rx_packets="$N" \
		sys_tx_dropped=0 eth_tx_packets="$N" eth_tx_carrier_drops=0
done

# Carrier off while down, then up: still no carrier.
in_ns ip link set vk0 down
in_ns ip link set vk0 carrier off
in_ns ip link set vk0 up
check_match "up with carrier off: NO-CARRIER" "NO-CARRIER" \
	"$(jfield '.flags | join(",")')"
in_ns ip link set vk0 carrier on

vlo_exit
