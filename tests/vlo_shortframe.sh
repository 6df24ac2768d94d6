#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Frames shorter than an Ethernet header. AF_PACKET refuses them on an
# Ethernet device, but a tc redirect from a device without a link-layer
# header (tun) can hand one to vlo: the driver must drop it and count it in
# tx_dropped and ethtool -S tx_header_drops, not loop it (eth_type_trans on
# fewer than 14 bytes would read past the data). A 14-byte frame on the same
# path is a valid (empty) Ethernet frame and loops.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc ethtool
require_vlo_pkt
vlo_ensure_loaded

N=7
ns_create NS
vlo_add vh0

# Only a missing module skips; once they are there, any failure fails.
# (/dev/net/tun exists only once tun is loaded when no udev made the
# static node, as in the VM: modprobe makes it.)
require_kmod tun sch_ingress cls_matchall act_mirred
in_ns ip tuntap add dev tn0 mode tun || die "ip tuntap add tn0 failed"
in_ns ip link set tn0 up
in_ns tc qdisc add dev tn0 clsact || die "tc qdisc add clsact failed"
in_ns tc filter add dev tn0 egress matchall \
	action mirred egress redirect dev vh0 ||
	die "tc matchall/mirred filter failed"

# AF_PACKET itself refuses a short frame on vlo (min_header_len 14, set
# by ether_setup() for any Ethernet device): the core's check.
out=$(pkt raw -i vh0 -n 1 -s 13)
check_eq "core: 13 bytes via AF_PACKET on vh0 refused" "0 EINVAL" \
	"$(kv sent "$out") $(kv send_errno "$out")"

for size in 1 13; do
	before=$(counters vh0)
	out=$(pkt raw -i tn0 -n $N -s $size)
	after=$(counters vh0)
	check_eq "$size-byte frames sent on tn0" $N "$(kv sent "$out")"
	check_deltas "$before" "$after" sys_tx_dropped=$N ip_tx_dropped=$N \
		eth_tx_header_drops=$N sys_tx_packets=0 sys_rx_packets=0 \
		sys_tx_bytes=0 eth_tx_packets=0 eth_tx_carrier_drops=0 \
		eth_rx_backlog_drops=0
done

before=$(counters vh0)
out=$(pkt raw -i tn0 -n $N -s 14)
after=$(counters vh0)
check_deltas "$before" "$after" sys_tx_packets=$N sys_rx_packets=$N \
	sys_tx_bytes=$((N * 14)) sys_rx_bytes=$((N * 14)) sys_tx_dropped=0 \
	eth_tx_header_drops=0
log "14-byte frames: rx_dropped delta $(delta sys_rx_dropped "$before" "$after") (no protocol handler for them)"

vlo_exit
