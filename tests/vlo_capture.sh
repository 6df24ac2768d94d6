#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Capture. Default (priv flag capture-once off): tcpdump -i DEV shows every
# looped frame twice (outgoing + received), -Q in and -Q out once each; an
# ETH_P_ALL socket sees both copies. With capture-once on: tcpdump shows
# each frame once, -Q in nothing; a socket bound to the ethertype still
# receives every frame; an ETH_P_ALL socket sees only the outgoing copy, and
# none at all of the frames it sent itself; ICMP, UDP and TCP between two
# addresses routed over the device work and are captured once per packet.
# The flag can only change while the device is down (EBUSY, logged).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip jq ethtool tcpdump ping
require_vlo_pkt
vlo_ensure_loaded

N=20
ns_create NS
vlo_add vc0
T=$(tmpdir)

flag()
{
	local l

	while read -r l; do
		if [[ $l =~ ^capture-once\ *:\ *([a-z]+)$ ]]; then
			echo "${BASH_REMATCH[1]}"
			return
		fi
	done <<<"$(in_ns ethtool --show-priv-flags vc0)"
	echo MISSING
}

# captured NAME [TCPDUMP-ARGS...]: capture on vc0 while N test frames are
# sent and received back; prints how many test frames the capture holds.
captured()
{
	local name=$1 f

	shift
	f=$T/$name.pcap
	capture_start vc0 "$f" "$@"
	pkt loop -i vc0 -n "$N" >/dev/null
	sleep 0.5
	capture_stop "$f" >&2
	pcap_count "$f" ether proto 0x$ETYPE
}

# --- capture-once off (default) ----------------------------------------------
check_eq "capture-once default" off "$(flag)"
check_eq "tcpdump: every frame twice" $((2 * N)) "$(captured off-all)"
check_eq "tcpdump -Q in: once" "$N" "$(captured off-in -Q in)"
check_eq "tcpdump -Q out: once" "$N" "$(captured off-out -Q out)"
# libpcap's direction filter combined with a BPF filter expression.
check_eq "tcpdump -Q in with a filter: once" "$N" \
	"$(captured off-in-filter -Q in ether proto 0x$ETYPE)"

out=$(pkt loop -i vc0 -n "$N" -a)
check_eq "off: ETH_P_ALL socket, received copies" "$N" "$(kv received "$out")"
check_eq "off: ETH_P_ALL socket, outgoing copies" "$N" "$(kv outgoing "$out")"
out=$(pkt loop -i vc0 -n "$N" -a -1)
check_eq "off: sending ETH_P_ALL socket, received copies" "$N" \
	"$(kv received "$out")"
check_eq "off: sending ETH_P_ALL socket, own outgoing copies" 0 \
	"$(kv outgoing "$out")"

# --- changing the flag --------------------------------------------------------
kmsg_mark
check_err "set capture-once while up" "Device or resource busy" \
	in_ns ethtool --set-priv-flags vc0 capture-once on
check_match "kernel log says why" "vc0|capture-once" "$(kmsg_since)"
check_eq "flag unchanged" off "$(flag)"
in_ns ip link set vc0 down
check_ok "set capture-once while down" \
	in_ns ethtool --set-priv-flags vc0 capture-once on
in_ns ip link set vc0 up
check_eq "capture-once now" on "$(flag)"

# --- capture-once on ------------------------------------------------------------
check_eq "on: tcpdump: every frame once" "$N" "$(captured on-all)"
check_eq "on: tcpdump -Q in: none" 0 "$(captured on-in -Q in)"
check_eq "on: tcpdump -Q out: once" "$N" "$(captured on-out -Q out)"

before=$(counters vc0)
out=$(pkt loop -i vc0 -n "$N")
after=$(counters vc0)
check_eq "on: ethertype socket receives all" "$N" "$(kv received "$out")"
check_eq "on: ethertype socket, as host" "$N" "$(kv host "$out")"
check_eq "on: payload intact" 0 "$(kv bad "$out")"
check_deltas "$before" "$after" sys_tx_packets="$N" sys_rx_packets="$N" \
	sys_rx_dropped=0 eth_rx_packets="$N"

out=$(pkt loop -i vc0 -n "$N" -a)
check_eq "on: ETH_P_ALL socket, received copies" 0 "$(kv received "$out")"
check_eq "on: ETH_P_ALL socket, outgoing copies" "$N" "$(kv outgoing "$out")"
out=$(pkt loop -i vc0 -n "$N" -a -1)
check_eq "on: sending ETH_P_ALL socket sees no copy" "0 0" \
	"$(kv received "$out") $(kv outgoing "$out")"

# --- IP over the device with capture-once on -------------------------------------
# Two addresses on vc0. Traffic between local addresses normally takes lo;
# policy routing sends it out of vc0 (the local table is consulted after a
# table that routes the peer address out of vc0, for locally generated
# packets only) and accept_local lets the looped packets in.
A=10.77.0.1
B=10.77.0.2
in_ns ip addr add $A/24 dev vc0
in_ns ip addr add $B/24 dev vc0
in_ns ip rule add pref 1000 lookup local
in_ns ip rule del pref 0
in_ns ip rule add pref 100 iif lo to $A lookup 100
in_ns ip rule add pref 101 iif lo to $B lookup 100
in_ns ip route add $A dev vc0 table 100
in_ns ip route add $B dev vc0 table 100
in_ns sysctl -qw net.ipv4.conf.all.accept_local=1 \
	net.ipv4.conf.vc0.accept_local=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.vc0.rp_filter=0
log "route to $B: $(in_ns ip route get $B from $A | head -n 1)"

f=$T/on-icmp.pcap
capture_start vc0 "$f"
tx0=$(stat_of vc0 tx_packets)
check_ok "on: ping $A -> $B over vc0" in_ns ping -c 5 -i 0.2 -W 5 -I $A $B
tx1=$(stat_of vc0 tx_packets)
sleep 0.5
capture_stop "$f"
check_eq "on: ping packets through vc0" 10 $((tx1 - tx0))
check_eq "on: tcpdump shows each ICMP packet once" 10 "$(pcap_count "$f" icmp)"

for proto in udp tcp; do
	tx0=$(stat_of vc0 tx_packets)
	out=$(pkt stream -p $proto -S $A -D $B -n 50 -s 1000 -w 20000)
	tx1=$(stat_of vc0 tx_packets)
	check_eq "on: $proto bytes received" 50000 "$(kv bytes_received "$out")"
	check_eq "on: $proto payload intact" 0 "$(kv bad "$out")"
	check_ge "on: $proto packets through vc0" 2 $((tx1 - tx0))
done

# Back to off while down.
in_ns ip link set vc0 down
check_ok "clear capture-once while down" \
	in_ns ethtool --set-priv-flags vc0 capture-once off
in_ns ip link set vc0 up
check_eq "capture-once after clearing" off "$(flag)"
out=$(pkt loop -i vc0 -n "$N" -a)
check_eq "off again: ETH_P_ALL socket, received copies" "$N" \
	"$(kv received "$out")"

vlo_exit
