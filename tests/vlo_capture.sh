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
require_cmd ip ethtool tcpdump ping
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

# capture_round NAME: four captures at once on vc0 (everything, -Q in,
# -Q out, -Q in with a filter expression) while N test frames are sent and
# received back; then count_of NAME-KIND says how many test frames each
# holds.
capture_round()
{
	local f

	capture_begin vc0 "$T/$1-all.pcap"
	capture_begin vc0 "$T/$1-in.pcap" -Q in
	capture_begin vc0 "$T/$1-out.pcap" -Q out
	capture_begin vc0 "$T/$1-infilter.pcap" -Q in ether proto 0x$ETYPE
	for f in all in out infilter; do
		capture_ready "$T/$1-$f.pcap"
	done
	pkt loop -i vc0 -n "$N" >/dev/null
	sleep 0.5
	for f in all in out infilter; do
		capture_stop "$T/$1-$f.pcap"
	done
}

count_of()
{
	pcap_count "$T/$1.pcap" ether proto 0x$ETYPE
}

# --- capture-once off (default) ----------------------------------------------
check_eq "capture-once default" off "$(flag)"
capture_round off
check_eq "tcpdump: every frame twice" $((2 * N)) "$(count_of off-all)"
check_eq "tcpdump -Q in: once" "$N" "$(count_of off-in)"
check_eq "tcpdump -Q out: once" "$N" "$(count_of off-out)"
# libpcap's direction filter combined with a BPF filter expression.
check_eq "tcpdump -Q in with a filter: once" "$N" "$(count_of off-infilter)"

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
capture_round on
check_eq "on: tcpdump: every frame once" "$N" "$(count_of on-all)"
check_eq "on: tcpdump -Q in: none" 0 "$(count_of on-in)"
check_eq "on: tcpdump -Q out: once" "$N" "$(count_of on-out)"
check_eq "on: tcpdump -Q in with a filter: none" 0 "$(count_of on-infilter)"

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
	if [ "$proto" = udp ]; then
		check_eq "on: udp datagrams through vc0" 50 $((tx1 - tx0))
	else
		# handshake, data, FIN: at least 5 packets on the wire
		check_ge "on: tcp packets through vc0" 5 $((tx1 - tx0))
	fi
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
