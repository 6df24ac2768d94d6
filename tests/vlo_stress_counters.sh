#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counters read while they are written.
#
# Writers, all with 200-byte frames on one device:
#   - vlo_pkt floods with PACKET_QDISC_BYPASS, one pinned to each CPU
#     (vlo_xmit on every CPU at once: looped frames);
#   - pktgen (else a packet socket) through a netem slot qdisc, with
#     net.core.netdev_max_backlog=16, so bursts overflow the backlog
#     (backlog drops counted at the same time).
# Readers: vlo_stress_tool.py counters, one pinned to each CPU, reading
# sysfs, RTM_GETLINK (IFLA_STATS64) and ETHTOOL_GSTATS in a loop. Each
# checks every snapshot: no counter ever decreases or jumps by 2^31 (a
# torn 64-bit value), byte counters stay multiples of 200, and the core's
# rx_dropped (netlink) holds at least vlo's backlog drops (tx - rx).
# Receivers: two packet sockets on the device (the floods' ethertype and
# IPv4, pktgen's), counting what they get and what they had to drop.
# At the end every counter is compared with counts taken outside the
# driver, which exist whatever the kernel has:
#   frames the writers sent (their own counts) = tx_packets,
#     = frames the sockets got or dropped + softnet_stat dropped;
#   frames the sockets got or dropped = rx_packets;
#   /proc/net/softnet_stat dropped = rx_backlog_drops > 0;
#   bytes = frames * 200.
# A counter that loses updates when several CPUs write it (shared, not
# per CPU, or not atomic) falls short of what the writers sent.
#
# VLO_STRESS_COUNTERS_SECONDS  how long readers read (default 20)
# VLO_STRESS_COUNTERS_SOURCE   pktgen (default, when available) or python

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip jq tc sysctl ethtool python3 taskset
require_vlo_pkt
vlo_ensure_loaded

SECONDS_READ=${VLO_STRESS_COUNTERS_SECONDS:-20}
SIZE=200
TOOL=$TESTDIR/vlo_stress_tool.py
T=$(tmpdir)
cpus=$(nproc)

ns_create NS
vlo_add vc0
require_kmod sch_netem
in_ns tc qdisc add dev vc0 root netem slot 1s 1s limit 1000000 ||
	die "tc qdisc add netem slot failed"

orig_backlog=$(sysctl -n net.core.netdev_max_backlog)
defer sysctl -qw "net.core.netdev_max_backlog=$orig_backlog"
sysctl -qw net.core.netdev_max_backlog=16

# --- receivers: every looped frame is one of these two types
rx_pids=()
for proto in 0x$ETYPE 0x0800; do
	rm -f "$T/ready-$proto"
	ip netns exec "$NS" python3 "$TOOL" rxcount -i vc0 -p "$proto" \
		--ready "$T/ready-$proto" >"$T/rx-$proto" 2>&1 &
	rx_pids+=($!)
	bg_track $!
	wait_for 30 test -f "$T/ready-$proto" ||
		die "packet socket for $proto did not start"
done

before=$(counters vc0)
sd0=$(softnet_dropped)

# --- writers
flood_pids=()
for ((cpu = 0; cpu < cpus && cpu < 4; cpu++)); do
	ip netns exec "$NS" taskset -c "$cpu" "$VLO_PKT" flood -i vc0 -b \
		-s $SIZE -T 600 >"$T/flood-$cpu" 2>&1 &
	flood_pids+=($!)
	bg_track $!
done

burst=python
pktgen_loaded=0
[ -d /sys/module/pktgen ] && pktgen_loaded=1
if [ "${VLO_STRESS_COUNTERS_SOURCE:-pktgen}" = pktgen ] &&
		modprobe pktgen 2>/dev/null && in_ns test -w /proc/net/pktgen/pgctrl; then
	burst=pktgen
	[ "$pktgen_loaded" -eq 1 ] || defer modprobe -r pktgen
	defer in_ns sh -c "echo rem_device_all > /proc/net/pktgen/kpktgend_0"
	mac=$(in_ns cat /sys/class/net/vc0/address)
	for c in "rem_device_all" "add_device vc0"; do
		in_ns sh -c "echo '$c' > /proc/net/pktgen/kpktgend_0"
	done
	for c in "count 0" "clone_skb 0" "delay 0" "pkt_size $SIZE" \
		"xmit_mode queue_xmit" "dst_mac $mac" "dst 192.0.2.1"; do
		in_ns sh -c "echo '$c' > /proc/net/pktgen/vc0"
		in_ns grep -aq '^Result: OK' /proc/net/pktgen/vc0 ||
			die "pktgen '$c': $(in_ns grep -a '^Result' /proc/net/pktgen/vc0)"
	done
	# "start" returns when pktgen is stopped.
	ip netns exec "$NS" sh -c 'echo start > /proc/net/pktgen/pgctrl' &
	pg_pid=$!
	bg_track "$pg_pid"
	defer in_ns sh -c 'echo stop > /proc/net/pktgen/pgctrl'
else
	log "no pktgen: bursts from a packet socket through netem"
	ip netns exec "$NS" taskset -c 0 python3 "$TOOL" send -i vc0 \
		-n 2000000 -s $SIZE >"$T/burst" 2>&1 &
	pg_pid=$!
	bg_track "$pg_pid"
fi
log "writers: ${#flood_pids[@]} vlo_pkt floods (one per CPU), $burst bursts through netem"
sleep 1

# --- readers
reader_pids=()
for ((cpu = 0; cpu < cpus && cpu < 2; cpu++)); do
	ip netns exec "$NS" taskset -c "$cpu" python3 "$TOOL" counters -i vc0 \
		-T "$SECONDS_READ" --size $SIZE >"$T/reader-$cpu" 2>&1 &
	reader_pids+=($!)
	bg_track $!
done
rcs=()
for pid in "${reader_pids[@]}"; do
	rc=0
	wait "$pid" || rc=$?
	rcs+=("$rc")
done

# shellcheck disable=SC2317 # called through wait_for
netem_empty()
{
	[ "$(in_ns tc -s -j qdisc show dev vc0 | jq '.[0].qlen')" = 0 ]
}

# --- stop the writers, then account for every frame
if [ "$burst" = pktgen ]; then
	in_ns sh -c 'echo stop > /proc/net/pktgen/pgctrl'
	wait "$pg_pid" || true
	burst_sent=$(in_ns sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' /proc/net/pktgen/vc0)
else
	# The sender prints how many it sent when told to stop.
	kill -TERM "$pg_pid" 2>/dev/null || true
	wait "$pg_pid" || true
	log "burst: $(cat "$T/burst")"
	burst_sent=$(kv sent "$(tail -n 1 "$T/burst")")
fi
for pid in "${flood_pids[@]}"; do
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || true
done
# Frames still held in netem go out at the next slot.
wait_for 30 netem_empty || log "netem did not drain"
quote_lines "$(in_ns tc -s qdisc show dev vc0)"
sleep 1
after=$(counters vc0)
sd=$(($(softnet_dropped) - sd0))
sock_got=0
for pid in "${rx_pids[@]}"; do
	kill -INT "$pid"
	wait "$pid" || true
done
for proto in 0x$ETYPE 0x0800; do
	r=$(tail -n 1 "$T/rx-$proto")
	log "socket $proto: $r"
	sock_got=$((sock_got + $(kv received "$r") + $(kv sock_drops "$r")))
done

flood_sent=0
for f in "$T"/flood-*; do
	log "${f##*/}: $(cat "$f")"
	flood_sent=$((flood_sent + $(kv sent "$(cat "$f")")))
done
for ((i = 0; i < ${#reader_pids[@]}; i++)); do
	sed "s/^/# reader $i: /; s/^# reader $i: # /# reader $i: /" "$T/reader-$i"
	check_eq "reader $i: no inconsistent or decreasing value" 0 "${rcs[i]}"
	out=$(tail -n 1 "$T/reader-$i")
	for src in sysfs netlink ethtool; do
		check_ge "reader $i: $src snapshots" 100 "$(kv "${src}_reads" "$out")"
	done
done

tx=$(delta eth_tx_packets "$before" "$after")
rx=$(delta eth_rx_packets "$before" "$after")
drops=$(delta eth_rx_backlog_drops "$before" "$after")
sent=$((flood_sent + burst_sent))
log "FIGURES seconds=$SECONDS_READ flood_sent=$flood_sent burst_sent=$burst_sent" \
	"sockets_got_or_dropped=$sock_got softnet_dropped=$sd" \
	"tx_packets=$tx rx_packets=$rx rx_backlog_drops=$drops" \
	"reads=$(for i in "${!reader_pids[@]}"; do tail -n 1 "$T/reader-$i"; done | tr '\n' ' ')"
check_ge "backlog drops while read (softnet_stat)" 1 "$sd"
check_eq "frames sent = sockets' frames + softnet_stat dropped" "$sent" \
	$((sock_got + sd))
check_eq "tx_packets = frames the floods and $burst sent" "$sent" "$tx"
check_eq "rx_packets = frames the sockets got or dropped" "$sock_got" "$rx"
check_eq "rx_backlog_drops = softnet_stat dropped" "$sd" "$drops"
check_deltas "$before" "$after" \
	sys_tx_packets="$sent" sys_rx_packets="$sock_got" \
	sys_tx_bytes=$((sent * SIZE)) sys_rx_bytes=$((sock_got * SIZE)) \
	ip_tx_packets="$sent" ip_rx_packets="$sock_got" \
	sys_rx_dropped="$sd" ip_rx_dropped="$sd" \
	eth_tx_bytes=$((sent * SIZE)) eth_rx_bytes=$((sock_got * SIZE))

vlo_exit
