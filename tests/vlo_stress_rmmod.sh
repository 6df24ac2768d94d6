#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tearing vlo devices down while they carry traffic from every CPU.
#
# Each round (VLO_STRESS_RMMOD_ROUNDS, default 1):
#   - vlo loads with numdevs=2 (vlo0, vlo1 in the initial netns; vlo1 has
#     a netem qdisc holding 200 ms of frames); netns X has x0 and x1, Y
#     has y0, Z has z0 fed from the initial netns through a veth pair and
#     a tc mirred redirect (so nothing in Z keeps Z alive);
#   - every device is flooded by one vlo_pkt process per CPU (taskset),
#     y0 also by pktgen when the kernel has it, z0 by a flood on the
#     veth's far end;
#   - `ip link del x1` while flooded: x1 goes, its flooders stop;
#   - `ip netns del Z` while traffic flows into z0: the namespace is
#     dismantled (the veth end in the initial netns disappears with it);
#   - `rmmod vlo` while the rest is flooded: it returns within 60 s, every
#     vlo device in every namespace is gone, every flooder and pktgen stop
#     within 10 s, no task is left in D state.
# Then the module loads again and a new device loops frames. Timings are
# printed; the kernel log must stay clean (vm-run, check-debug).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip jq tc rmmod taskset timeout
require_vlo_pkt

ROUNDS=${VLO_STRESS_RMMOD_ROUNDS:-1}
RMMOD_BOUND=60
STOP_BOUND=30	# nice-19 flooders on a loaded TCG host were seen to need more than 10 s
BUSY_MIN=100	# frames each device sends before the teardown starts
BUSY_BOUND=120	# seconds allowed for that
cpus=$(nproc)
T=$(tmpdir)

vlo_unload || die "rmmod vlo failed before the test"
# Whatever happens, leave the module loaded with default parameters.
defer vlo_load
defer vlo_unload

have_pktgen=0
pktgen_loaded=0
[ -d /sys/module/pktgen ] && pktgen_loaded=1
if modprobe pktgen 2>/dev/null; then
	have_pktgen=1
	[ "$pktgen_loaded" -eq 1 ] || defer modprobe -r pktgen
else
	log "no pktgen (CONFIG_NET_PKTGEN): vlo_pkt floods only"
fi
have_mirred=1
modprobe act_mirred 2>/dev/null || true
modprobe cls_matchall 2>/dev/null || true
modprobe sch_ingress 2>/dev/null || true

vlo_devs()
{
	ip "$@" -d -j link show 2>/dev/null | jq -r '[.[] |
		select(.linkinfo.info_kind == "vlo") | .ifname] | join(",")'
}

ms_since()
{
	echo $((($(date +%s%N) - $1) / 1000000))
}

# flood TAG NETNS DEV: one flooder per CPU on DEV; pids in FLOOD_<TAG>.
declare -A FLOODS
flood()
{
	local tag=$1 where=$2 dev=$3 cpu pids=""

	# nice 19: the flooders take every cycle the teardown leaves, but do
	# not starve it. Twelve of them on two CPUs at nice 0 left ip(8) and
	# the netns cleanup worker a twelfth of a CPU each: on the debug
	# kernel, where a teardown costs seconds of CPU, ip link del took
	# 171 s and the netns was not gone after 60 s, testing the scheduler
	# rather than vlo.
	for ((cpu = 0; cpu < cpus; cpu++)); do
		if [ -n "$where" ]; then
			ip netns exec "$where" nice -n 19 taskset -c "$cpu" "$VLO_PKT" \
				flood -i "$dev" -T 300 -s 300 >"$T/flood-$tag-$cpu" 2>&1 &
		else
			nice -n 19 taskset -c "$cpu" "$VLO_PKT" flood -i "$dev" -T 300 \
				-s 300 >"$T/flood-$tag-$cpu" 2>&1 &
		fi
		bg_track $!
		pids+=" $!"
	done
	FLOODS[$tag]=$pids
}

# stopped TAG: all flooders of TAG end within STOP_BOUND seconds.
stopped()
{
	local pid n=0 alive=0

	for pid in ${FLOODS[$1]}; do
		n=$((n + 1))
		timeout "$STOP_BOUND" tail --pid="$pid" -f /dev/null ||
			alive=$((alive + 1))
	done
	check_eq "$1: flooders stopped ($n)" 0 "$alive"
}

# sent_on NETNS DEV: tx_packets of DEV.
sent_on()
{
	ip ${1:+-n "$1"} -j -s link show dev "$2" | jq '.[0].stats64.tx.packets'
}

# busy NS DEV: DEV (in netns NS, "" for the initial one) has sent
# BUSY_MIN frames.
# shellcheck disable=SC2317 # called through wait_for
busy()
{
	[ "$(sent_on "$1" "$2")" -ge "$BUSY_MIN" ]
}

# gone DEV: DEV no longer exists in the initial netns (not through
# `ip link show dev`, whose fallback makes the kernel run modprobe).
# shellcheck disable=SC2317 # called through wait_for
gone()
{
	! NS='' dev_exists "$1"
}

round()
{
	local r=$1 X Y Z t0 pg_pid="" pids p dstate

	log "=== round $r"
	vlo_load numdevs=2 || die "cannot load vlo numdevs=2"
	ns_create X
	ns_create Y
	ns_create Z
	ip link set vlo0 up
	ip link set vlo1 up
	tc qdisc add dev vlo1 root netem delay 200ms limit 100000 2>/dev/null ||
		log "netem unavailable: no frames held in a qdisc at unload"
	NS=$X vlo_add x0
	NS=$X vlo_add x1
	NS=$Y vlo_add y0
	NS=$Z vlo_add z0
	ip link add vz0 type veth peer name vz1 netns "$Z"
	ip link set vz0 up
	ip -n "$Z" link set vz1 up
	if ! { tc -n "$Z" qdisc add dev vz1 clsact &&
		tc -n "$Z" filter add dev vz1 ingress matchall \
			action mirred egress redirect dev z0; } 2>/dev/null; then
		have_mirred=0
		log "no tc matchall/mirred: z0 gets no traffic from outside"
	fi

	flood vlo0 "" vlo0
	flood vlo1 "" vlo1
	flood x0 "$X" x0
	flood x1 "$X" x1
	flood y0 "$Y" y0
	flood vz0 "" vz0
	if [ "$have_pktgen" -eq 1 ]; then
		ip netns exec "$Y" sh -c "
			echo rem_device_all > /proc/net/pktgen/kpktgend_0 &&
			echo 'add_device y0' > /proc/net/pktgen/kpktgend_0 &&
			for c in 'count 0' 'clone_skb 0' 'delay 0' 'pkt_size 300' \
				'dst_mac $(ip netns exec "$Y" cat /sys/class/net/y0/address)'; do
				echo \"\$c\" > /proc/net/pktgen/y0 || exit 1
			done &&
			echo start > /proc/net/pktgen/pgctrl" >"$T/pktgen" 2>&1 &
		pg_pid=$!
		bg_track "$pg_pid"
	fi
	# Teardown starts once every device carries traffic: starting twelve
	# flooders takes a slow kernel longer than any fixed pause.
	for p in vlo0 vlo1; do
		wait_for "$BUSY_BOUND" busy "" "$p" || true
		check_ge "$p: frames sent before the teardown" "$BUSY_MIN" \
			"$(sent_on "" "$p")"
	done
	for p in "$X:x0" "$X:x1" "$Y:y0"; do
		wait_for "$BUSY_BOUND" busy "${p%%:*}" "${p#*:}" || true
		check_ge "${p#*:}: frames sent" "$BUSY_MIN" \
			"$(sent_on "${p%%:*}" "${p#*:}")"
	done
	if [ "$have_mirred" -eq 1 ]; then
		wait_for "$BUSY_BOUND" busy "$Z" z0 || true
		check_ge "z0: frames redirected into it" "$BUSY_MIN" \
			"$(sent_on "$Z" z0)"
	fi

	# --- ip link del under traffic
	t0=$(date +%s%N)
	check_ok "ip link del x1 while flooded" ip -n "$X" link del x1
	log "ip link del x1: $(ms_since "$t0") ms"
	check_eq "x0 only left in X" x0 "$(vlo_devs -n "$X")"
	stopped x1

	# --- ip netns del under traffic: nothing holds Z, so it is dismantled
	# and vz0 goes with its peer.
	t0=$(date +%s%N)
	ip netns del "$Z"
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if wait_for 60 gone vz0; then
		log "ok: netns Z dismantled under traffic in $(ms_since "$t0") ms"
	else
		fail "netns Z still not dismantled after 60 s (vz0 still here)"
	fi
	stopped vz0

	# --- rmmod under traffic
	t0=$(date +%s%N)
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if timeout "$RMMOD_BOUND" rmmod vlo; then
		log "ok: rmmod vlo under load took $(ms_since "$t0") ms"
	else
		fail "rmmod vlo under load failed or took more than $RMMOD_BOUND s"
	fi
	check_eq "module gone" no "$(vlo_loaded && echo yes || echo no)"
	check_eq "no vlo device left in init netns" "" "$(vlo_devs)"
	check_eq "no vlo device left in X" "" "$(vlo_devs -n "$X")"
	check_eq "no vlo device left in Y" "" "$(vlo_devs -n "$Y")"
	for p in vlo0 vlo1 x0 y0; do
		stopped "$p"
	done
	if [ -n "$pg_pid" ]; then
		VLO_CHECKS=$((VLO_CHECKS + 1))
		if timeout "$STOP_BOUND" tail --pid="$pg_pid" -f /dev/null; then
			log "ok: pktgen stopped, y0 $(ip netns exec "$Y" test -e /proc/net/pktgen/y0 && echo still || echo no longer) in pktgen"
		else
			fail "pktgen's start did not return within $STOP_BOUND s"
		fi
	fi
	dstate=$(ps -eo stat=,pid=,comm= | awk '$1 ~ /^D/' || true)
	check_eq "no task in D state" "" "$dstate"

	pids=0
	for p in "$T"/flood-*; do
		pids=$((pids + 1))
	done
	log "round $r: FIGURES flooders=$pids sent: $(cat "$T"/flood-* |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^sent=/) s += substr($i, 6) }
		END { print s }') frames; exits: $(cat "$T"/flood-* |
		grep -o 'send_errno=[A-Z0-9]*' | sort | uniq -c | tr -s ' \n' ' ')"
	rm -f "$T"/flood-*
	ip netns del "$X"
	ip netns del "$Y"
}

for ((r = 1; r <= ROUNDS; r++)); do
	round "$r"
done

# --- and back
check_ok "reload" vlo_load
check_eq "vlo0 after reload" vlo0 "$(vlo_devs)"
ns_create W
NS=$W vlo_add w0
NS=$W
out=$(pkt loop -i w0 -n 10)
check_eq "frames loop after reload" 10 "$(kv received "$out")"

vlo_exit
