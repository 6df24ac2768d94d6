#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Backlog overflow accounting. With net.core.netdev_max_backlog=4 and a
# netem qdisc that holds frames and releases them together (a 100 ms slot:
# up to dev_tx_weight frames leave in one qdisc run, each handed to
# netif_rx before the backlog is drained), most of a burst is refused by
# the per-CPU backlog. Every frame must be accounted for exactly:
#   tx_packets = rx_packets + rx_backlog_drops,
#   rx_dropped (core) = rx_backlog_drops,
#   frames the socket got = rx_packets,
# in sysfs, `ip -s -j link` and `ethtool -S`.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc sysctl ethtool
require_vlo_pkt
vlo_ensure_loaded

N=200
SIZE=100
ns_create NS
vlo_add vb0

# netdev_max_backlog exists only in the initial namespace; it is global.
orig=$(sysctl -n net.core.netdev_max_backlog)
defer sysctl -qw "net.core.netdev_max_backlog=$orig"

in_ns tc qdisc add dev vb0 root netem slot 100ms 100ms limit 10000 ||
	skip "netem with slot unavailable (CONFIG_NET_SCH_NETEM)"

# Sanity first: with the default backlog the same burst loses nothing.
before=$(counters vb0)
out=$(pkt loop -i vb0 -n "$N" -s $SIZE -w 5000)
after=$(counters vb0)
log "backlog $orig: received $(kv received "$out") of $N"
check_eq "backlog $orig: no drops" 0 \
	"$(delta eth_rx_backlog_drops "$before" "$after")"
check_eq "backlog $orig: all received" "$N" "$(kv received "$out")"

sysctl -qw net.core.netdev_max_backlog=4
before=$(counters vb0)
out=$(pkt loop -i vb0 -n "$N" -s $SIZE -w 3000 -l 500)
after=$(counters vb0)
sysctl -qw "net.core.netdev_max_backlog=$orig"

tx=$(delta sys_tx_packets "$before" "$after")
rx=$(delta sys_rx_packets "$before" "$after")
drops=$(delta eth_rx_backlog_drops "$before" "$after")
got=$(kv received "$out")
log "backlog 4: sent $(kv sent "$out"), tx $tx, rx $rx, backlog drops $drops, socket got $got"

check_eq "all frames sent" "$N" "$(kv sent "$out")"
check_ge "backlog drops happened" 1 "$drops"
check_eq "tx_packets" "$N" "$tx"
check_eq "tx_packets = rx_packets + rx_backlog_drops" "$tx" $((rx + drops))
check_eq "socket received = rx_packets" "$rx" "$got"
check_eq "socket drops" 0 "$(kv sock_drops "$out")"
check_eq "received frames intact" "0 0" "$(kv bad "$out") $(kv dup "$out")"
check_deltas "$before" "$after" \
	sys_tx_bytes=$((N * SIZE)) sys_rx_bytes=$((rx * SIZE)) \
	sys_rx_dropped="$drops" sys_tx_dropped=0 \
	ip_tx_packets="$N" ip_rx_packets="$rx" ip_rx_dropped="$drops" \
	eth_tx_packets="$N" eth_rx_packets="$rx" \
	eth_tx_bytes=$((N * SIZE)) eth_rx_bytes=$((rx * SIZE)) \
	eth_tx_carrier_drops=0 eth_tx_header_drops=0

vlo_exit
