#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Device churn from two CPUs at once, across namespaces.
#
# Two workers (vlo_stress_tool.py churn), each pinned to its own CPU, run
# create-up / loop a frame / delete cycles over raw rtnetlink: one
# RTM_NEWLINK creates the device already up, one frame sent on it with
# AF_PACKET must come back on it, and the device is deleted. In two
# cycles of 25 the device moves to another namespace before the delete,
# comes up there and loops a frame again.
#
# The workers share a namespace (they create, move and delete in it at
# the same time); one cycle in four of each worker runs there, the others
# in the worker's own. The shared one has IPv6 on: every device that
# comes up there also sends the kernel's own MLD/ND frames, whose timers
# and queued frames are still around when it is deleted. Meanwhile a
# reader dumps the links with their counters in a loop.
#
# Devices are deleted in rounds of 50: one with its own RTM_DELLINK, the
# others by group (one RTM_DELLINK per namespace, one unregister batch,
# as netns exit and rmmod do). A single delete waits for RCU grace
# periods, ~30 ms under TCG, which alone would make 10,000 cycles take
# five minutes.
#
# Checks: every cycle completed (no create/delete error, no lost frame),
# no vlo device left anywhere, and the kernel log stays clean (vm-run).
# Prints cycles, frames, moves and cycles/s.
#
# VLO_STRESS_CHURN_CYCLES  total cycles, split over the two workers
#                          (default 10000)

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip jq python3 taskset
vlo_ensure_loaded

CYCLES=${VLO_STRESS_CHURN_CYCLES:-10000}
TOOL=$TESTDIR/vlo_stress_tool.py
T=$(tmpdir)
cpus=$(nproc)
cpu1=$((1 % cpus))
[ "$cpus" -ge 2 ] || log "one CPU only: both workers run on CPU 0"

ns_create A
ns_create S ipv6
ns_create B
ip netns exec "$S" sysctl -qw net.ipv6.conf.default.disable_ipv6=0 \
	net.ipv6.conf.all.disable_ipv6=0

vlo_in()
{
	ip -n "$1" -d -j link show | jq -r '[.[] |
		select(.linkinfo.info_kind == "vlo") | .ifname] | join(",")'
}

# The reader: link dumps with stats, in the shared namespace, until killed.
(
	n=0
	trap 'echo "dumps=$n" > "$T/dumps"; exit 0' TERM
	while :; do
		ip -n "$S" -s -d link show >/dev/null 2>&1 || true
		n=$((n + 1))
		echo "dumps=$n" > "$T/dumps"
		sleep 0.2
	done
) &
reader=$!
bg_track "$reader"

half=$((CYCLES / 2))
start=$(date +%s%N)
python3 "$TOOL" churn --ns "$A,$S" --cpu 0 --cycles "$half" \
	--index-base 10000 --prefix ca --group 100 >"$T/w0" 2>&1 &
w0=$!
bg_track "$w0"
python3 "$TOOL" churn --ns "$B,$S" --cpu "$cpu1" --cycles $((CYCLES - half)) \
	--index-base 20000 --prefix cb --group 200 >"$T/w1" 2>&1 &
w1=$!
bg_track "$w1"

rc0=0
rc1=0
wait "$w0" || rc0=$?
wait "$w1" || rc1=$?
ms=$((($(date +%s%N) - start) / 1000000))
kill "$reader" 2>/dev/null || true
wait "$reader" 2>/dev/null || true

sed 's/^# /# worker 0: /; /^#/!s/^/# worker 0: /' "$T/w0"
sed 's/^# /# worker 1: /; /^#/!s/^/# worker 1: /' "$T/w1"
out0=$(tail -n 1 "$T/w0")
out1=$(tail -n 1 "$T/w1")
done_cycles=$(($(kv cycles "$out0") + $(kv cycles "$out1")))
looped=$(($(kv looped "$out0") + $(kv looped "$out1")))
moved=$(($(kv moved "$out0") + $(kv moved "$out1")))
lost=$(($(kv lost_frames "$out0") + $(kv lost_frames "$out1")))
log "FIGURES cycles=$done_cycles frames_looped=$looped moves=$moved" \
	"lost=$lost link_dumps=$(kv dumps "$(cat "$T/dumps")") time_ms=$ms" \
	"cycles_per_s=$((done_cycles * 1000 / (ms > 0 ? ms : 1)))"

check_eq "worker 0 exit status" 0 "$rc0"
check_eq "worker 1 exit status" 0 "$rc1"
check_eq "cycles completed" "$CYCLES" "$done_cycles"
# One frame per cycle, one more per move.
check_eq "frames looped" $((CYCLES + moved)) "$looped"
check_ge "moves between namespaces" $((CYCLES * 2 / 25 - 4)) "$moved"
for ns in "$A" "$S" "$B"; do
	check_eq "no vlo device left in $ns" "" "$(vlo_in "$ns")"
done

vlo_exit
