#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Qdiscs on a vlo device: noqueue by default; netem delay delays the looped
# frames by at least about the delay; tbf shapes them; pfifo passes them;
# every frame still comes back once with exact counters and the qdisc's own
# packet count; deleting the root qdisc gives noqueue back.
#
# Only lower bounds on time are asserted: a slow (TCG) guest can only make
# things later.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc
require_vlo_pkt
vlo_ensure_loaded

ns_create NS
vlo_add vq0

qdisc_kind()
{
	jget qdisc "$(in_ns ip -j link show dev vq0)"
}

# Packets the root qdisc has sent (tc -s).
qdisc_sent()
{
	jget packets "$(in_ns tc -s -j qdisc show dev vq0 root)"
}

# through DESC N SIZE QN [VLO_PKT-ARGS...]: N frames sent with the current
# root qdisc; all come back, counters move by N and the qdisc's count by QN.
through()
{
	local desc=$1 n=$2 size=$3 qn=$4 q0 before after

	shift 4
	q0=$(qdisc_sent)
	before=$(counters vq0)
	out=$(pkt loop -i vq0 -n "$n" -s "$size" "$@")
	after=$(counters vq0)
	check_eq "$desc: received" "$n" "$(kv received "$out")"
	check_eq "$desc: intact" "0 0" "$(kv bad "$out") $(kv dup "$out")"
	check_deltas "$before" "$after" sys_tx_packets="$n" sys_rx_packets="$n" \
		sys_tx_bytes=$((n * size)) sys_rx_bytes=$((n * size)) \
		sys_tx_dropped=0 sys_rx_dropped=0 eth_tx_packets="$n"
	check_eq "$desc: packets counted by the qdisc" "$qn" \
		$(($(qdisc_sent) - q0))
}

check_eq "default qdisc" noqueue "$(qdisc_kind)"
out=$(pkt loop -i vq0 -n 20)
base=$(kv lat_min_us "$out")
log "no qdisc: latency min $base us, max $(kv lat_max_us "$out") us"

# --- netem delay ---------------------------------------------------------------
# Only a kernel without the module skips this part; a tc that fails with
# the module there fails the test.
DELAY_MS=100
if ! have_kmod sch_netem; then
	skip_check "netem delay: this kernel lacks sch_netem (modprobe failed)"
elif ! in_ns tc qdisc add dev vq0 root netem delay ${DELAY_MS}ms; then
	fail "tc qdisc add netem failed with sch_netem present"
else
	check_eq "qdisc with netem" netem "$(qdisc_kind)"
	through "netem delay ${DELAY_MS}ms" 20 100 20 -w 5000
	lat=$(kv lat_min_us "$out")
	log "netem ${DELAY_MS}ms: latency min $lat us, max $(kv lat_max_us "$out") us"
	check_ge "netem: every frame delayed >= 0.8 x ${DELAY_MS} ms (us)" \
		$((DELAY_MS * 800)) "$lat"
	check_ok "delete netem" in_ns tc qdisc del dev vq0 root
	check_eq "qdisc after delete" noqueue "$(qdisc_kind)"
fi

# --- tbf -----------------------------------------------------------------------
# 1 Mbit/s, 5000-byte bucket: 40 frames of 1000 bytes cannot all leave
# before (40000 - 5000) / 125000 s = 280 ms.
if ! have_kmod sch_tbf; then
	skip_check "tbf shaping: this kernel lacks sch_tbf (modprobe failed)"
elif ! in_ns tc qdisc add dev vq0 root tbf rate 1mbit burst 5000 limit 100000; then
	fail "tc qdisc add tbf failed with sch_tbf present"
else
	check_eq "qdisc with tbf" tbf "$(qdisc_kind)"
	through "tbf 1mbit" 40 1000 40 -w 5000
	check_ge "tbf: last frame shaped >= 200 ms (us)" 200000 \
		"$(kv lat_max_us "$out")"
	check_ok "delete tbf" in_ns tc qdisc del dev vq0 root
fi

# --- pfifo ---------------------------------------------------------------------
check_ok "add pfifo" in_ns tc qdisc add dev vq0 root pfifo limit 500
check_eq "qdisc with pfifo" pfifo "$(qdisc_kind)"
through "pfifo" 100 200 100
# PACKET_QDISC_BYPASS goes around the qdisc straight to the driver.
through "pfifo, QDISC_BYPASS" 20 200 0 -b
check_ok "delete pfifo" in_ns tc qdisc del dev vq0 root
check_eq "qdisc after delete" noqueue "$(qdisc_kind)"

vlo_exit
