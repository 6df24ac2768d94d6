#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Capture. tcpdump -i DEV shows every looped frame twice (outgoing +
# received), -Q in and -Q out once each, also with a filter expression;
# an ETH_P_ALL socket sees both copies, the sending one only the received
# copy. What taps, tc and netfilter see on the way in is the frame's real
# packet type: no private marking (the former capture-once flag marked
# received frames PACKET_LOOPBACK, which tc and nftables then saw, and is
# gone: the ethtool flag is refused). ICMP, UDP and TCP between two
# addresses routed over the device are captured once per packet with -Q in.

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

capture_round off
check_eq "tcpdump: every frame twice" $((2 * N)) "$(count_of off-all)"
check_eq "tcpdump -Q in: once" "$N" "$(count_of off-in)"
check_eq "tcpdump -Q out: once" "$N" "$(count_of off-out)"
# libpcap's direction filter combined with a BPF filter expression.
check_eq "tcpdump -Q in with a filter: once" "$N" "$(count_of off-infilter)"

out=$(pkt loop -i vc0 -n "$N" -a)
check_eq "ETH_P_ALL socket, received copies" "$N" "$(kv received "$out")"
check_eq "ETH_P_ALL socket, outgoing copies" "$N" "$(kv outgoing "$out")"
out=$(pkt loop -i vc0 -n "$N" -a -1)
check_eq "sending ETH_P_ALL socket, received copies" "$N" \
	"$(kv received "$out")"
check_eq "sending ETH_P_ALL socket, own outgoing copies" 0 \
	"$(kv outgoing "$out")"

# The flag could be set while the device was down.
in_ns ip link set vc0 down
check_err "no capture-once flag any more" "" \
	in_ns ethtool --set-priv-flags vc0 capture-once on
in_ns ip link set vc0 up

# --- the packet type that tc and nftables see on the way in --------------------
if in_ns nft -f - <<'NFT' 2>/dev/null; then
table netdev vlocap {
	chain in {
		type filter hook ingress device vc0 priority 0;
		meta pkttype host counter
		meta pkttype broadcast counter
		counter
	}
}
NFT
	pkt loop -i vc0 -n "$N" >/dev/null
	pkt loop -i vc0 -n "$N" -d bcast >/dev/null
	nft_counts=$(in_ns nft list chain netdev vlocap in |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | tr '\n' ' ')
	check_eq "nft ingress: host, broadcast, all frames" \
		"$N $N $((2 * N)) " "$nft_counts"
	in_ns nft delete table netdev vlocap
else
	skip_check "nftables netdev ingress hook not available"
fi

# --- IP over the device ------------------------------------------------------------
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

f=$T/icmp.pcap
capture_start vc0 "$f" -Q in
tx0=$(stat_of vc0 tx_packets)
check_ok "ping $A -> $B over vc0" in_ns ping -c 5 -i 0.2 -W 5 -I $A $B
tx1=$(stat_of vc0 tx_packets)
sleep 0.5
capture_stop "$f"
check_eq "ping packets through vc0" 10 $((tx1 - tx0))
check_eq "tcpdump -Q in shows each ICMP packet once" 10 "$(pcap_count "$f" icmp)"

for proto in udp tcp; do
	tx0=$(stat_of vc0 tx_packets)
	out=$(pkt stream -p $proto -S $A -D $B -n 50 -s 1000 -w 20000)
	tx1=$(stat_of vc0 tx_packets)
	check_eq "$proto bytes received" 50000 "$(kv bytes_received "$out")"
	check_eq "$proto payload intact" 0 "$(kv bad "$out")"
	if [ "$proto" = udp ]; then
		check_eq "udp datagrams through vc0" 50 $((tx1 - tx0))
	else
		# handshake, data, FIN: at least 5 packets on the wire
		check_ge "tcp packets through vc0" 5 $((tx1 - tx0))
	fi
done

vlo_exit
