#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Carrier. `ip link set DEV carrier off`: NO-CARRIER, operstate DOWN,
# ethtool "Link detected: no", the kernel swaps the queue's qdisc for noop
# (not visible: `ip link` shows the root qdisc, still noqueue). Frames sent the
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
	jget "$1" "$(in_ns ip -j link show dev vk0)"
}

# operstate_is REGEX (called through wait_for)
# shellcheck disable=SC2317
operstate_is()
{
	[[ "$(jfield operstate)" =~ ^($1)$ ]]
}

# probe_until N: send one frame at a time until N (0 or 1) come back. The
# linkwatch worker sets operstate first and swaps the qdisc (noop on carrier
# loss, the real one back on carrier on) after: only traffic tells when the
# swap is done.
probe_until()
{
	local i out

	for i in $(seq 30); do
		out=$(pkt loop -i vk0 -n 1 -w 500 -l 0 2>/dev/null)
		if [ "$(kv received "$out")" = "$1" ]; then
			log "probe: $1 frame back after $i tries"
			return 0
		fi
		sleep 0.2
	done
	return 1
}

ALL_ZERO=(sys_tx_packets=0 sys_rx_packets=0 sys_tx_bytes=0 sys_rx_bytes=0
	  sys_rx_dropped=0 eth_tx_packets=0 eth_rx_packets=0
	  eth_rx_backlog_drops=0 eth_tx_carrier_drops=0 eth_tx_header_drops=0)

out=$(pkt loop -i vk0 -n 5)
check_eq "carrier on: frames loop" 5 "$(kv received "$out")"
log "carrier on: operstate $(jfield operstate), qdisc $(jfield qdisc)"
check_eq "sysfs carrier" 1 "$(in_ns cat /sys/class/net/vk0/carrier)"

# --- carrier off -------------------------------------------------------------------
check_ok "carrier off" in_ns ip link set vk0 carrier off
# operstate and the qdisc swap are the linkwatch worker's, which may take
# up to a second for a carrier loss.
VLO_CHECKS=$((VLO_CHECKS + 2))
if wait_for 10 operstate_is DOWN; then
	log "ok: operstate DOWN"
else
	fail "after carrier off: operstate $(jfield operstate)"
fi
if probe_until 0; then
	log "ok: frames no longer come back"
else
	fail "frames still come back 6 s after carrier off"
fi
check_match "flag NO-CARRIER" "(^|,)NO-CARRIER(,|$)" "$(jfield flags)"
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
VLO_CHECKS=$((VLO_CHECKS + 2))
if wait_for 10 operstate_is 'UNKNOWN|UP'; then
	log "ok: operstate $(jfield operstate)"
else
	fail "after carrier on: operstate $(jfield operstate)"
fi
if probe_until 1; then
	log "ok: frames come back again"
else
	fail "frames still lost 6 s after carrier on"
fi
check_nomatch "no NO-CARRIER flag" "NO-CARRIER" "$(jfield flags)"
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
	"$(jfield flags)"
in_ns ip link set vk0 carrier on

vlo_exit
