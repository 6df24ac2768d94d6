#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod while busy: vlo devices in the initial netns and in two other
# netns, all up, flooded with frames from processes on both CPUs, one with
# frames held in a netem qdisc, one with tcpdump bound to it. rmmod must
# succeed within a bound, take every vlo device with it in every netns, and
# the flooding processes must see their device go. Then the module loads
# again and works.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip rmmod taskset timeout
require_vlo_pkt

RMMOD_BOUND=60
cpus=$(nproc)
T=$(tmpdir)

vlo_unload || die "rmmod vlo failed before the test"
vlo_load numdevs=3 || die "cannot load vlo numdevs=3"
# Whatever happens, leave the module loaded with default parameters.
defer vlo_load
defer vlo_unload

ns_create X
ns_create Y
NS=$X vlo_add ux0
NS=$Y vlo_add uy0
for d in vlo0 vlo1 vlo2; do
	ip link set "$d" up
done
tc qdisc add dev vlo2 root netem delay 500ms limit 100000 2>/dev/null ||
	log "netem unavailable: no frames held in a qdisc at unload"

# flood CPU NETNS DEV: background sender pinned to CPU.
pids=()
flood()
{
	local cpu=$(($1 % cpus)) netns=$2 dev=$3

	taskset -c "$cpu" "$VLO_PKT" flood -i "$dev" -T 120 -s 200 \
		${netns:+-N "$netns"} >"$T/flood-$dev" 2>&1 &
	pids+=($!)
	bg_track $!
}
flood 0 "" vlo0
flood 1 "" vlo1
flood 0 "" vlo2
flood 1 "$X" ux0
flood 0 "$Y" uy0

NS=
# A packet socket bound to vlo1 at unload time; the filter matches none of
# the flood so the capture stays small.
capture_start vlo1 "$T/vlo1.pcap" ether proto 0x0808
sleep 2

# Every device carries traffic before the unload.
for d in vlo0 vlo1 vlo2; do
	check_ge "$d: frames sent before rmmod" 1 "$(stat_of "$d" tx_packets)"
done
NS=$X
check_ge "ux0: frames sent before rmmod" 1 "$(stat_of ux0 tx_packets)"
NS=$Y
check_ge "uy0: frames sent before rmmod" 1 "$(stat_of uy0 tx_packets)"
NS=

start=$(date +%s%N)
VLO_CHECKS=$((VLO_CHECKS + 1))
if timeout "$RMMOD_BOUND" rmmod vlo; then
	log "ok: rmmod vlo under load took $((($(date +%s%N) - start) / 1000000)) ms"
else
	fail "rmmod vlo under load failed or took more than $RMMOD_BOUND s"
fi
check_eq "module gone" no "$(vlo_loaded && echo yes || echo no)"

check_eq "no vlo device left in init netns" "" "$(vlo_list)"
check_eq "no vlo device left in netns X" "" "$(NS=$X vlo_list)"
check_eq "no vlo device left in netns Y" "" "$(NS=$Y vlo_list)"

# The flooders notice their device is gone (ENXIO/ENODEV) and stop.
VLO_CHECKS=$((VLO_CHECKS + 1))
stopped=0
for pid in "${pids[@]}"; do
	if timeout 10 tail --pid="$pid" -f /dev/null; then
		stopped=$((stopped + 1))
	fi
done
if [ "$stopped" -eq "${#pids[@]}" ]; then
	log "ok: all ${#pids[@]} flooders stopped"
else
	fail "$stopped of ${#pids[@]} flooders stopped within 10 s"
fi
for f in "$T"/flood-*; do
	log "${f##*/}: $(cat "$f")"
done
capture_stop "$T/vlo1.pcap"

# --- and back ------------------------------------------------------------------
check_ok "reload" vlo_load
check_eq "vlo0 after reload" vlo0 "$(vlo_list)"
NS=$X
check_ok "create in netns X again" in_ns ip link add ux1 type vlo
in_ns ip link set ux1 up
out=$(pkt loop -i ux1 -n 10)
check_eq "frames loop after reload" 10 "$(kv received "$out")"

vlo_exit
