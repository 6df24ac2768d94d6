#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Software TX timestamps: an AF_PACKET socket with SO_TIMESTAMPING
# (SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE) gets one
# timestamp per frame sent on a vlo device from the driver's
# skb_tx_timestamp(), on its error queue, and each lies between the send
# and the read (CLOCK_REALTIME). Also with PACKET_QDISC_BYPASS and with a
# qdisc in the way.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc
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

stamps "noqueue"
stamps "QDISC_BYPASS" -b
in_ns tc qdisc add dev vs0 root pfifo
stamps "pfifo"

vlo_exit
