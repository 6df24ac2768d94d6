#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Backlog overflow under a burst, counted to the frame.
#
# A netem qdisc with a long slot (4 s) holds every frame sent during the
# slot and releases all of them at once, in qdisc runs of dev_tx_weight
# frames each; vlo_xmit() hands each one to netif_rx(), and the CPU's
# backlog is drained only after the run. The source is pktgen (an exact
# count, from the kernel thread of one CPU) when the kernel has it, else
# a packet socket (vlo_stress_tool.py send, with a send buffer that frames
# held in netem cannot fill) pinned to that CPU. Two rounds:
#   small    net.core.netdev_max_backlog=16, 100-byte frames;
#   default  netdev_max_backlog left as it is (1000), and
#            net.core.dev_weight_tx_bias raised so that one qdisc run
#            releases more frames than the backlog holds; 1000-byte frames.
# In each round every frame must be accounted for exactly, and each of
# vlo's counters against a count taken outside the driver:
#   frames sent = frames a packet socket received + dropped of
#                 /proc/net/softnet_stat (the backlog's own count), all
#                 the drops on one CPU
#   tx_packets = frames sent (by pktgen or the socket)  (sysfs, ip, ethtool)
#   rx_packets = frames the packet socket received
#   rx_backlog_drops = rx_dropped (the core's count) = softnet_stat dropped
#   bytes = frames * size
# and drops > 0.
#
# VLO_STRESS_BACKLOG_FRAMES  frames per round (default 10000)
# VLO_STRESS_CPU             CPU of the source (default 0)
# VLO_STRESS_BACKLOG_SOURCE  pktgen (default, when available) or python

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip jq tc sysctl ethtool python3 taskset
vlo_ensure_loaded

N=${VLO_STRESS_BACKLOG_FRAMES:-10000}
CPU=${VLO_STRESS_CPU:-0}
SLOT=4s
TOOL=$TESTDIR/vlo_stress_tool.py
T=$(tmpdir)

ns_create NS
vlo_add vb0
require_kmod sch_netem
in_ns tc qdisc add dev vb0 root netem slot $SLOT $SLOT limit 1000000 ||
	die "tc qdisc add netem slot failed"

# The source: pktgen when it exists (Debian's 6.1 has it as a module).
source=python
pktgen_loaded=0
[ -d /sys/module/pktgen ] && pktgen_loaded=1
if [ "${VLO_STRESS_BACKLOG_SOURCE:-pktgen}" = pktgen ] &&
		modprobe pktgen 2>/dev/null && in_ns test -w /proc/net/pktgen/pgctrl; then
	source=pktgen
	[ "$pktgen_loaded" -eq 1 ] || defer modprobe -r pktgen
	defer in_ns sh -c "echo rem_device_all > /proc/net/pktgen/kpktgend_$CPU"
else
	source=python
	log "no pktgen (CONFIG_NET_PKTGEN): a packet socket sends the burst"
fi
log "burst source: $source on CPU $CPU, $N frames per round"

# pgset FILE CMD: one pktgen command in $NS; pktgen says how it went in
# the Result: line of the file it was written to.
pgset()
{
	local res

	in_ns sh -c "echo '$2' > /proc/net/pktgen/$1" 2>/dev/null || true
	res=$(in_ns grep -a '^Result:' "/proc/net/pktgen/$1" 2>/dev/null || true)
	case $1 in
	kpktgend_*|pgctrl) return 0 ;;
	esac
	[[ "$res" == "Result: OK"* ]] || die "pktgen $1 '$2': $res"
}

if [ "$source" = pktgen ]; then
	pgset "kpktgend_$CPU" rem_device_all
	pgset "kpktgend_$CPU" "add_device vb0"
	pgset vb0 "clone_skb 0"
	pgset vb0 "delay 0"
	# Through the qdisc (netem), like any sender: dev_queue_xmit().
	pgset vb0 "xmit_mode queue_xmit"
	pgset vb0 "dst_mac $(in_ns cat /sys/class/net/vb0/address)"
	pgset vb0 "dst 192.0.2.1"
	proto=0x0800
else
	proto=0x$ETYPE
fi

orig_backlog=$(sysctl -n net.core.netdev_max_backlog)
orig_bias=$(sysctl -n net.core.dev_weight_tx_bias)
weight=$(sysctl -n net.core.dev_weight)
defer sysctl -qw "net.core.netdev_max_backlog=$orig_backlog"
defer sysctl -qw "net.core.dev_weight_tx_bias=$orig_bias"

# tx_reached N: vb0 has sent N frames or more.
# shellcheck disable=SC2317 # called through wait_for
tx_reached()
{
	[ "$(stat_of vb0 tx_packets)" -ge "$1" ]
}

# softnet_drops: the "dropped" column of /proc/net/softnet_stat, one
# decimal number per CPU.
softnet_drops()
{
	local l

	while read -r l; do
		# shellcheck disable=SC2086 # split the line into its columns
		set -- $l
		echo $((16#$2))
	done </proc/net/softnet_stat
}

# round NAME SIZE: one burst of N frames of SIZE bytes, then the checks.
round()
{
	local name=$1 size=$2 before after rx_pid out sent i
	local tx rx drops got cpus_with_drops=0 sum=0 t0
	local -a d0 d1

	log "--- round $name: netdev_max_backlog=$(sysctl -n net.core.netdev_max_backlog)," \
		"dev_tx_weight=$((weight * $(sysctl -n net.core.dev_weight_tx_bias))), $size-byte frames"
	# A fresh slot: the first frame opens it, the rest join it.
	in_ns tc qdisc change dev vb0 root netem slot $SLOT $SLOT limit 1000000 ||
		die "tc qdisc change netem failed"

	rm -f "$T/ready"
	# Not through in_ns: a function in the background is a subshell,
	# and the signal must reach the counter itself.
	ip netns exec "$NS" python3 "$TOOL" rxcount -i vb0 -p "$proto" \
		--size "$size" --ready "$T/ready" >"$T/rx-$name" 2>&1 &
	rx_pid=$!
	bg_track "$rx_pid"
	wait_for 30 test -f "$T/ready" || die "packet socket did not start"

	before=$(counters vb0)
	mapfile -t d0 < <(softnet_drops)
	t0=$(date +%s%N)
	if [ "$source" = pktgen ]; then
		pgset vb0 "count $N"
		pgset vb0 "pkt_size $size"
		in_ns sh -c 'echo start > /proc/net/pktgen/pgctrl'
		out=$(in_ns cat /proc/net/pktgen/vb0)
		sent=$(sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' <<<"$out")
		log "pktgen: $(grep -a -A1 '^Result' <<<"$out" | tr -s ' \n' ' ')"
		check_eq "$name: pktgen errors" 0 \
			"$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)"
	else
		out=$(in_ns taskset -c "$CPU" python3 "$TOOL" send -i vb0 \
			-p "$proto" -n "$N" -s "$size")
		sent=$(kv sent "$out")
	fi
	log "$name: $sent frames queued in $((($(date +%s%N) - t0) / 1000000)) ms"
	check_eq "$name: frames sent by $source" "$N" "$sent"

	# The slot opens, netem lets everything go; wait until it is all
	# through the backlog (tx_packets complete and rx stable).
	wait_for 60 tx_reached $(($(kv sys_tx_packets "$before") + N)) ||
		log "tx_packets did not reach +$N within 60 s"
	sleep 1
	kill -INT "$rx_pid"
	wait "$rx_pid" || true
	after=$(counters vb0)
	mapfile -t d1 < <(softnet_drops)
	got=$(tail -n 1 "$T/rx-$name")
	log "$name: burst done after $((($(date +%s%N) - t0) / 1000000)) ms"

	for i in "${!d1[@]}"; do
		local dd=$((d1[i] - ${d0[i]:-0}))
		sum=$((sum + dd))
		[ "$dd" -gt 0 ] && cpus_with_drops=$((cpus_with_drops + 1))
		log "$name: CPU $i: backlog drops (softnet_stat) +$dd"
	done

	tx=$(delta sys_tx_packets "$before" "$after")
	rx=$(delta sys_rx_packets "$before" "$after")
	drops=$(delta eth_rx_backlog_drops "$before" "$after")
	log "$name: FIGURES sent=$sent tx_packets=$tx rx_packets=$rx" \
		"rx_backlog_drops=$drops softnet_dropped=$sum socket_$got"

	local rcvd
	rcvd=$(kv received "$got")
	check_ge "$name: backlog drops happened (softnet_stat)" 1 "$sum"
	check_eq "$name: frames sent = socket received + softnet_stat dropped" \
		"$sent" $((rcvd + sum))
	check_eq "$name: tx_packets = frames sent" "$sent" "$tx"
	check_eq "$name: rx_packets = frames the socket received" "$rcvd" "$rx"
	check_eq "$name: rx_backlog_drops = softnet_stat dropped" "$sum" "$drops"
	check_eq "$name: drops on one CPU only" 1 "$cpus_with_drops"
	check_eq "$name: socket drops, bad lengths" "0 0" \
		"$(kv sock_drops "$got") $(kv bad_len "$got")"
	check_deltas "$before" "$after" \
		sys_tx_packets="$sent" sys_rx_packets="$rcvd" \
		sys_tx_bytes=$((sent * size)) sys_rx_bytes=$((rcvd * size)) \
		sys_rx_dropped="$sum" sys_tx_dropped=0 \
		ip_tx_packets="$sent" ip_rx_packets="$rcvd" ip_rx_dropped="$sum" \
		ip_tx_bytes=$((sent * size)) ip_rx_bytes=$((rcvd * size)) \
		eth_tx_packets="$sent" eth_rx_packets="$rcvd" \
		eth_tx_bytes=$((sent * size)) eth_rx_bytes=$((rcvd * size)) \
		eth_rx_backlog_drops="$sum" \
		eth_tx_carrier_drops=0 eth_tx_header_drops=0
	local qsent
	qsent=$(in_ns tc -s -j qdisc show dev vb0 | jq '.[0].packets')
	log "$name: netem sent $qsent frames in total"
}

sysctl -qw net.core.netdev_max_backlog=16
round small 100
sysctl -qw "net.core.netdev_max_backlog=$orig_backlog"

# One qdisc run of twice the backlog's size.
sysctl -qw "net.core.dev_weight_tx_bias=$(((2 * (orig_backlog + 1)) / weight + 1))"
round default 1000
sysctl -qw "net.core.dev_weight_tx_bias=$orig_bias"

vlo_exit
