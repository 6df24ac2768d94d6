#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Software TX timestamps: an AF_PACKET socket with SO_TIMESTAMPING
# (SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE) gets one
# timestamp per frame sent on a vlo device from the driver's
# skb_tx_timestamp(), on its error queue, and each lies between the send
# and the read (CLOCK_REALTIME). Also with PACKET_QDISC_BYPASS and with a
# qdisc in the way. (The stack makes no software TX timestamp of its own
# for a packet socket: without vlo's call none arrives.)
#
# Software RX timestamps: frames looped on the device reach two packet
# sockets, one with SO_TIMESTAMPNS, one with SO_TIMESTAMPING
# (RX_SOFTWARE | SOFTWARE); every frame carries a receive timestamp within
# [send, receive]. Then the same with frames sent with SO_TXTIME and a
# transmit time of 1970 in skb->tstamp: vlo must clear it before the
# receive path, or it comes back as the frame's receive timestamp.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc python3
require_vlo_pkt
vlo_ensure_loaded

N=20
ns_create NS
vlo_add vs0

stamps()
{
	local desc=$1 out

	shift
	out=$(pkt tstamp -i vs0 -n "$N" "$@")
	check_eq "$desc: frames sent" "$N" "$(kv sent "$out")"
	check_eq "$desc: TX software timestamps" "$N" "$(kv tstamps "$out")"
	check_eq "$desc: timestamps within send..read" "$N" \
		"$(kv tstamps_in_window "$out")"
}

rxstamps()
{
	local desc=$1 out

	shift
	out=$(in_ns python3 "$TESTDIR/vlo_stress_tool.py" rxstamp -i vs0 \
		-n "$N" "$@")
	quote_lines "$out"
	out=$(tail -n 1 <<<"$out")
	check_eq "$desc: frames sent" "$N" "$(kv sent "$out")"
	check_eq "$desc: SO_TIMESTAMPNS RX timestamps within send..receive" \
		"$N $N" "$(kv stamped_ns "$out") $(kv in_window_ns "$out")"
	check_eq "$desc: SO_TIMESTAMPING RX software timestamps within send..receive" \
		"$N $N" "$(kv stamped "$out") $(kv in_window "$out")"
}

stamps "noqueue"
stamps "QDISC_BYPASS" -b
rxstamps "RX"
rxstamps "RX, sent with SO_TXTIME" --txtime
in_ns tc qdisc add dev vs0 root pfifo || die "tc qdisc add pfifo failed"
stamps "pfifo"

vlo_exit
