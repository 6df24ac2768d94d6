#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Backlog overflow accounting. With net.core.netdev_max_backlog=4 and a
# netem qdisc that holds frames and releases them together (a 100 ms slot:
# up to dev_tx_weight frames leave in one qdisc run, each handed to
# netif_rx before the backlog is drained), most of a burst is refused by
# the per-CPU backlog. Every frame must be accounted for exactly, each of
# vlo's counters against a count taken outside the driver:
#   tx_packets = frames the sender sent,
#   rx_packets = frames the receiving socket got,
#   rx_backlog_drops = rx_dropped (the core's) = the "dropped" column of
#                      /proc/net/softnet_stat (the backlog's own count),
#   frames sent = frames received + softnet_stat dropped,
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

require_kmod sch_netem
in_ns tc qdisc add dev vb0 root netem slot 100ms 100ms limit 10000 ||
	die "tc qdisc add netem slot failed"

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
sd0=$(softnet_dropped)
out=$(pkt loop -i vb0 -n "$N" -s $SIZE -w 3000 -l 500)
sd=$(($(softnet_dropped) - sd0))
after=$(counters vb0)
sysctl -qw "net.core.netdev_max_backlog=$orig"

tx=$(delta sys_tx_packets "$before" "$after")
rx=$(delta sys_rx_packets "$before" "$after")
drops=$(delta eth_rx_backlog_drops "$before" "$after")
got=$(kv received "$out")
sent=$(kv sent "$out")
log "backlog 4: sent $sent, tx $tx, rx $rx, backlog drops $drops," \
	"socket got $got, softnet_stat dropped $sd"

check_eq "all frames sent" "$N" "$sent"
check_ge "backlog drops happened (softnet_stat)" 1 "$sd"
check_eq "frames sent = socket received + softnet_stat dropped" "$sent" \
	$((got + sd))
check_eq "tx_packets = frames sent" "$sent" "$tx"
check_eq "rx_packets = frames the socket received" "$got" "$rx"
check_eq "rx_backlog_drops = softnet_stat dropped" "$sd" "$drops"
check_eq "socket drops" 0 "$(kv sock_drops "$out")"
check_eq "received frames intact" "0 0" "$(kv bad "$out") $(kv dup "$out")"
check_deltas "$before" "$after" \
	sys_tx_packets="$sent" sys_rx_packets="$got" \
	sys_tx_bytes=$((sent * SIZE)) sys_rx_bytes=$((got * SIZE)) \
	sys_rx_dropped="$sd" sys_tx_dropped=0 \
	ip_tx_packets="$sent" ip_rx_packets="$got" ip_rx_dropped="$sd" \
	eth_tx_packets="$sent" eth_rx_packets="$got" \
	eth_tx_bytes=$((sent * SIZE)) eth_rx_bytes=$((got * SIZE)) \
	eth_rx_backlog_drops="$sd" \
	eth_tx_carrier_drops=0 eth_tx_header_drops=0

vlo_exit
