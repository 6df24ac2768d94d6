#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make bench`: runs inside one VM boot (scripts/vm-run) and
# measures every case on vlo and on its anchor, interleaved. It only
# records raw outputs; scripts/bench/report.py turns them into figures on
# the host.
#
#   guest.sh --out DIR --gen PATH --iplib DIR [--rounds N] [--duration S]
#            [--cases "tcp1 tcp4 ..."] [--scale "1000:3 10000:1"]
#            [--profile 0|1|2] [--label NAME] [--plan]
#
# --scale lists device counts, each with its number of rounds. --profile 1
# counts route lookups per packet (perf stat on tracepoints), 2 adds a
# sampled profile (perf record). --plan only prints the work units the
# run would take (bench.sh uses it for the ETA) and exits. --iplib names
# the folder holding link_vlo.so (scripts/bench/link_vlo.c).
#
# Files written to DIR:
#   runs.csv           one line per measurement: case, variant, round, start
#                      and end time (guest clock), /proc/stat cpu line
#                      before and after, tx_packets of the devices in play
#   <case>.<variant>.r<round>.out   the tool's own output (iperf3 -J,
#                      sockperf text, vlo_bench_gen KEY=VALUE)
#   scale.csv          device creation/deletion/rmmod times and meminfo
#   prof.*             perf stat / perf report of the profile phase
#   info.txt           guest facts (kernel, CPUs, tool versions)
#
# Progress goes to stdout as "@@progress DONE TOTAL TEXT" lines in work
# units (about one second of measuring each); bench.sh renders them.
set -euo pipefail

# One block: bash reads it all before running, so edits during a run are safe.
{
OUT=
GEN=
IPLIB=
ROUNDS=5
DUR=3
CASES="tcp1 tcp4 tcp_rr udp_rr udp_rral udp64 udp64c udp64al raw64 mtu1500 mtu9000"
SCALE="1000:3 10000:1"
PROFILE=1
LABEL=wall
PLAN=0

while (($#)); do
	case $1 in
	--out) OUT=$2 ;;
	--gen) GEN=$2 ;;
	--iplib) IPLIB=$2 ;;
	--rounds) ROUNDS=$2 ;;
	--duration) DUR=$2 ;;
	--cases) CASES=$2 ;;
	--scale) SCALE=$2 ;;
	--profile) PROFILE=$2 ;;
	--label) LABEL=$2 ;;
	--plan) PLAN=1; shift; continue ;;
	*) echo "guest.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
[[ $PLAN == 1 || (-d $OUT && -x $GEN && -r $IPLIB/link_vlo.so && -r ${VLO_KO:-}) ]] || {
	echo "guest.sh: need --out DIR, --gen PATH, --iplib DIR and VLO_KO" >&2
	exit 2
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Addresses: the vlo pair is routed over vlob by vlo-route; the anchor pair
# sits on lo and takes the kernel's ordinary local path. Both pairs see the
# same policy rules before the local rule (the lo pair passes vlo-route's
# four IPv4 rules, the vlo pair matches at its first two), so the only
# difference is the device that carries the packets.
VA=10.199.0.1
VB=10.199.0.2
LA=10.198.0.1
LB=10.198.0.2
IPERF_PORT=5201
TCP_RR_PORT=11111
UDP_RR_PORT=11112
# sockperf leaves the first 400 ms (warm-up) out of its statistics: with
# -t 1 too few round trips remain under TCG.
SP_DUR=$((DUR < 2 ? 2 : DUR))

# ----------------------------------------------------------- bookkeeping

UNITS_DONE=0
UNITS_TOTAL=0

progress()
{
	UNITS_DONE=$((UNITS_DONE + $1))
	echo "@@progress $UNITS_DONE $UNITS_TOTAL $LABEL: $2"
}

now_ns()
{
	local t=${EPOCHREALTIME/./}

	echo "${t}000"
}

# First line of /proc/stat without a fork: "cpu user nice system ...".
cpu_line()
{
	local l

	read -r l </proc/stat
	echo "${l#cpu  }"
}

txp()
{
	local v=0

	[[ -r /sys/class/net/$1/statistics/tx_packets ]] &&
		read -r v <"/sys/class/net/$1/statistics/tx_packets"
	echo "$v"
}

# Device whose counters prove where a variant's packets went.
dev_of()
{
	case $1 in
	vlo) echo vlob ;;
	lo) echo lo ;;
	veth) echo vbtx ;;
	esac
}

# measure CASE VARIANT ROUND CMD...: run CMD, keep its output, log the
# run. A failed run is recorded (rc column) and the benchmark goes on.
measure()
{
	local c=$1 v=$2 r=$3 f t0 t1 s0 s1 d0 d1 l0 l1 rc=0

	shift 3
	f=$OUT/$c.$v.r$r.out
	s0=$(cpu_line)
	d0=$(txp vlob)
	l0=$(txp lo)
	t0=$(now_ns)
	timeout $((DUR * 4 + 30)) "$@" >"$f" 2>"$f.err" || rc=$?
	t1=$(now_ns)
	s1=$(cpu_line)
	d1=$(txp vlob)
	l1=$(txp lo)
	echo "$c,$v,$r,$rc,$t0,$t1,$s0,$s1,$((d1 - d0)),$((l1 - l0))" >>"$OUT/runs.csv"
	[[ -s $f.err ]] || rm -f "$f.err"
	((rc == 0)) || echo "guest.sh: $c $v round $r failed (rc $rc)" >&2
}

# ------------------------------------------------------------ the cases

# Source and destination of a variant.
pair()
{
	case $1 in
	vlo) echo "$VA $VB" ;;
	*) echo "$LA $LB" ;;
	esac
}

# One measurement of CASE on VARIANT in ROUND.
run_case()
{
	local c=$1 v=$2 r=$3 base=$1 src dst dev mtu

	read -r src dst <<<"$(pair "$v")"
	# *al: the same case with accept_local=1 on vlob. With rp_filter 0
	# that lets fib_validate_source() skip its route lookup for packets
	# from local sources (vlo-route sets no sysctl, so it is not the
	# default).
	if [[ $c == *al ]]; then
		base=${c%al}
		[[ $v != vlo ]] || sysctl -qw net.ipv4.conf.vlob.accept_local=1
	fi
	case $base in
	tcp1 | mtu*)
		if [[ $c == mtu* ]]; then
			mtu=${c#mtu}
			dev=$(dev_of "$v")
			ip link set "$dev" mtu "$mtu"
		fi
		measure "$c" "$v" "$r" iperf3 -c "$dst" -B "$src" -p $IPERF_PORT \
			-t "$DUR" -J
		[[ -z ${mtu:-} ]] || ip link set "$dev" mtu 65536
		;;
	tcp4)
		measure "$c" "$v" "$r" iperf3 -c "$dst" -B "$src" -p $IPERF_PORT \
			-t "$DUR" -P 4 -J
		;;
	tcp_rr)
		measure "$c" "$v" "$r" sockperf ping-pong --tcp -i "$dst" \
			-p $TCP_RR_PORT --client_ip "$src" -m 64 -t "$SP_DUR" --no-rdtsc
		;;
	udp_rr)
		measure "$c" "$v" "$r" sockperf ping-pong -i "$dst" \
			-p $UDP_RR_PORT --client_ip "$src" -m 64 -t "$SP_DUR" --no-rdtsc
		;;
	udp64)
		measure "$c" "$v" "$r" "$GEN" udp -S "$src" -D "$dst" -s 64 -T "$DUR"
		;;
	udp64c)
		measure "$c" "$v" "$r" "$GEN" udp -S "$src" -D "$dst" -s 64 -T "$DUR" -c
		;;
	raw64)
		if [[ $v == vlo ]]; then
			measure "$c" "$v" "$r" "$GEN" raw -i vlob -r vlob -s 64 -T "$DUR"
		else
			measure "$c" "$v" "$r" "$GEN" raw -i vbtx -r vbrx -s 64 -T "$DUR"
		fi
		;;
	*)
		echo "guest.sh: unknown case $c" >&2
		return 1
		;;
	esac
	[[ $c != *al ]] || sysctl -qw net.ipv4.conf.vlob.accept_local=0
}

anchor_of()
{
	case $1 in
	raw64) echo veth ;;
	*) echo lo ;;
	esac
}

# ---------------------------------------------------------------- setup

setup()
{
	ip link set lo up
	insmod "$VLO_KO" numdevs=0
	modprobe veth

	ip link add vlob type vlo
	# No IPv6 autoconf chatter on the measured devices.
	sysctl -qw net.ipv6.conf.vlob.disable_ipv6=1
	ip link set vlob up
	ip addr add $VA/32 dev vlob
	ip addr add $VB/32 dev vlob
	"$REPO/scripts/vlo-route" add vlob $VA $VB
	ip addr add $LA/32 dev lo
	ip addr add $LB/32 dev lo

	ip link add name vbtx type veth peer name vbrx
	sysctl -qw net.ipv6.conf.vbtx.disable_ipv6=1 net.ipv6.conf.vbrx.disable_ipv6=1
	ip link set vbtx up
	ip link set vbrx up

	iperf3 -s -p $IPERF_PORT -D
	local a
	for a in $VB $LB; do
		sockperf server --tcp -i "$a" -p $TCP_RR_PORT >/dev/null 2>&1 &
		# UDP replies leave from the bound address: this is what keeps
		# the vlo pair's replies on vlob.
		sockperf server -i "$a" -p $UDP_RR_PORT >/dev/null 2>&1 &
	done
	sleep 2

	{
		echo "kernel=$(uname -r)"
		echo "cpus=$(nproc)"
		echo "mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
		echo "vlo_srcversion=$(cat /sys/module/vlo/srcversion 2>/dev/null || echo ?)"
		echo "iperf3=$(iperf3 --version | head -n 1)"
		echo "sockperf=$(sockperf --version 2>&1 | head -n 1)"
		echo "rp_filter=$(sysctl -n net.ipv4.conf.all.rp_filter) $(sysctl -n net.ipv4.conf.vlob.rp_filter)"
		echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
		echo "rules=$(ip rule show | tr '\n' ';')"
		echo "route_vlo=$(ip route get $VB from $VA 2>&1 | head -n 1)"
		echo "route_lo=$(ip route get $LB from $LA 2>&1 | head -n 1)"
	} >"$OUT/info.txt"
}

teardown_datapath()
{
	local p

	for p in $(jobs -p); do
		kill "$p" 2>/dev/null || true
	done
	pkill -x iperf3 2>/dev/null || true
	wait 2>/dev/null || true
	"$REPO/scripts/vlo-route" del vlob $VA $VB || true
	ip link del vlob || true
	ip link del vbtx || true
	rmmod vlo
}

# ---------------------------------------------------------------- scale

# Slab, Percpu and MemFree (kB) after dropping reclaimable caches, so that
# dentries of earlier runs do not hide the devices' own memory.
meminfo()
{
	local k v _ slab=0 pcpu=0 free=0

	sync
	echo 3 >/proc/sys/vm/drop_caches
	while read -r k v _; do
		case $k in
		Slab:) slab=$v ;;
		Percpu:) pcpu=$v ;;
		MemFree:) free=$v ;;
		esac
	done </proc/meminfo
	echo "$slab,$pcpu,$free"
}

secs_since()
{
	local d

	d=$(($(now_ns) - $1))
	printf '%d.%06d' $((d / 1000000000)) $((d % 1000000000 / 1000))
}

# Kind "vlo" is created with the empty iproute2 plugin of link_vlo.c
# (why: there), copied to tmpfs so that ip does not load it over 9p; kind
# "vlo-noplugin" is plain iproute2, whose failed plugin open per line then
# costs what it costs on a local disk.
IPLIB_PLUGIN=/tmp/bench-iplib
IPLIB_EMPTY=/tmp/bench-iplib-empty
if ((!PLAN)); then
	mkdir -p "$IPLIB_PLUGIN" "$IPLIB_EMPTY"
	cp "$IPLIB/link_vlo.so" "$IPLIB_PLUGIN/"
fi
export IP_LIB_DIR=$IPLIB_PLUGIN

# scale_files KIND N: the ip -batch files that add and delete N devices.
scale_files()
{
	local kind=$1 n=$2 pfx

	case $kind in
	vlo) pfx=vl ;;
	vlo-noplugin) pfx=vn ;;
	dummy) pfx=dm ;;
	esac
	if [[ ! -f /tmp/scale-add-$kind-$n ]]; then
		seq 0 $((n - 1)) | awk -v p=$pfx -v k="${kind%-noplugin}" \
			'{ printf "link add %s%d type %s\n", p, $1, k }' >"/tmp/scale-add-$kind-$n"
		seq 0 $((n - 1)) | awk -v p=$pfx '{ printf "link del %s%d\n", p, $1 }' \
			>"/tmp/scale-del-$kind-$n"
	fi
}

# Unmeasured: N devices of both kinds at once, then both modules out. The
# first kind to create N devices would otherwise pay alone for growing
# the slab caches and populating per-CPU chunks.
scale_warmup()
{
	local n=$1

	scale_files vlo "$n"
	scale_files dummy "$n"
	progress 0 "scale x$n: warm-up"
	insmod "$VLO_KO" numdevs=0
	modprobe dummy numdummies=0
	ip -batch "/tmp/scale-add-vlo-$n"
	ip -batch "/tmp/scale-add-dummy-$n"
	rmmod vlo dummy
	progress $((n / 60)) "scale x$n: warm-up done"
}

# scale_round KIND N ROUND ROUNDS: create N devices of KIND with ip -batch, delete
# them, create them again and unload the module with all N present.
scale_round()
{
	local kind=$1 n=$2 r=$3 what="scale $1 x$2 round $3/$4" t
	local add=/tmp/scale-add-$1-$2 del=/tmp/scale-del-$1-$2
	local m0 m1 m2 m3 tc td tc2 tr mod=${1%-noplugin}
	local -x IP_LIB_DIR=$IPLIB_PLUGIN

	scale_files "$kind" "$n"
	case $mod in
	vlo) insmod "$VLO_KO" numdevs=0 ;;
	dummy) modprobe dummy numdummies=0 ;;
	esac
	[[ $kind != *-noplugin ]] || IP_LIB_DIR=$IPLIB_EMPTY

	m0=$(meminfo)
	progress 0 "$what: create"
	t=$(now_ns)
	ip -batch "$add"
	tc=$(secs_since "$t")
	m1=$(meminfo)
	progress $((n / 125)) "$what: delete"

	t=$(now_ns)
	ip -batch "$del"
	td=$(secs_since "$t")
	m2=$(meminfo)
	progress $((n / 33)) "$what: create again, rmmod"

	t=$(now_ns)
	ip -batch "$add"
	tc2=$(secs_since "$t")
	t=$(now_ns)
	rmmod "$mod"
	tr=$(secs_since "$t")
	m3=$(meminfo)
	progress $((n / 90)) "$what: done"
	echo "$kind,$n,$r,$tc,$td,$tc2,$tr,$m0,$m1,$m2,$m3" >>"$OUT/scale.csv"
}

# ---------------------------------------------------------------- profile

# Per-packet counts of the events that tell the two paths apart, and a
# sampled profile (cpu-clock: the guest has no hardware counters).
PROF_EVENTS="fib:fib_table_lookup net:netif_rx net:netif_receive_skb net:net_dev_xmit"

profile_case()
{
	local c=$1 v=$2 src dst ev=() e

	read -r src dst <<<"$(pair "$v")"
	for e in $PROF_EVENTS; do
		[[ -d /sys/kernel/tracing/events/${e/://} ||
			-d /sys/kernel/debug/tracing/events/${e/://} ]] && ev+=(-e "$e")
	done
	case $c in
	udp64) set -- "$GEN" udp -S "$src" -D "$dst" -s 64 -T "$DUR" ;;
	udp_rr) set -- sockperf ping-pong -i "$dst" -p $UDP_RR_PORT \
		--client_ip "$src" -m 64 -t "$DUR" --no-rdtsc ;;
	tcp_rr) set -- sockperf ping-pong --tcp -i "$dst" -p $TCP_RR_PORT \
		--client_ip "$src" -m 64 -t "$DUR" --no-rdtsc ;;
	tcp1) set -- iperf3 -c "$dst" -B "$src" -p $IPERF_PORT -t "$DUR" -J ;;
	esac
	progress 0 "profile $c $v: event counts"
	perf stat -a -x, -o "$OUT/prof.$c.$v.stat" "${ev[@]}" -- "$@" \
		>"$OUT/prof.$c.$v.stat.out" 2>&1 || true
	progress $((DUR + 2)) "profile $c $v: sampled profile"
	# Sampled profiles only where vlo and lo differ (see BENCHMARKS.md).
	((PROFILE >= 2)) && [[ $c == udp* ]] || return 0
	# No build-id collection: it reads every binary again over 9p.
	perf record -q -N -B -a -g -F 999 -e cpu-clock -o /tmp/perf.data -- "$@" \
		>"$OUT/prof.$c.$v.rec.out" 2>&1 || true
	perf report -i /tmp/perf.data --stdio --no-children --sort sym \
		--percent-limit 0.5 -g none >"$OUT/prof.$c.$v.report.txt" 2>/dev/null || true
	perf report -i /tmp/perf.data --stdio --children --sort sym \
		--percent-limit 2 -g none >"$OUT/prof.$c.$v.children.txt" 2>/dev/null || true
	rm -f /tmp/perf.data
	progress $((DUR + 25)) "profile $c $v: done"
}

# ----------------------------------------------------------------- main

read -ra CASE_LIST <<<"$CASES"
read -ra SCALE_LIST <<<"$SCALE"
PROF_CASES=()
((PROFILE)) && PROF_CASES=(udp64 udp_rr tcp_rr tcp1)

# Work units: roughly seconds of a TCG guest on an idle host.
UNITS_TOTAL=$((ROUNDS * ${#CASE_LIST[@]} * 2 * (DUR + 2)))
UNITS_TOTAL=$((UNITS_TOTAL + ${#PROF_CASES[@]} * 2 * (DUR + 2)))
((PROFILE < 2)) || UNITS_TOTAL=$((UNITS_TOTAL + 2 * 2 * (DUR + 25)))
# scale_kinds N: what is created N at a time. Without the plugin only up
# to 1,000 (the cost it shows is per line, the same at any count).
scale_kinds()
{
	if (($1 <= 1000)); then echo "vlo dummy vlo-noplugin"; else echo "vlo dummy"; fi
}
for s in "${SCALE_LIST[@]}"; do
	n=${s%%:*}
	read -ra kinds <<<"$(scale_kinds "$n")"
	UNITS_TOTAL=$((UNITS_TOTAL + n / 60 +
		${s#*:} * ${#kinds[@]} * (n / 125 + n / 33 + n / 90)))
done
if ((PLAN)); then
	echo "$UNITS_TOTAL"
	exit 0
fi

echo "case,variant,round,rc,start_ns,end_ns,cpu_before,cpu_after,vlob_tx_packets,lo_tx_packets" >"$OUT/runs.csv"
echo "kind,n,round,create_s,delete_s,create2_s,rmmod_s,slab0_kb,percpu0_kb,free0_kb,slab1_kb,percpu1_kb,free1_kb,slab2_kb,percpu2_kb,free2_kb,slab3_kb,percpu3_kb,free3_kb" >"$OUT/scale.csv"

setup
echo "@@start $(now_ns)"

# Round-major order: every case's rounds are spread over the whole run,
# so a change in the host's load hits vlo and anchor of all cases alike.
# The first variant alternates (ABBA...), so neither always runs first.
for ((r = 1; r <= ROUNDS; r++)); do
	for c in "${CASE_LIST[@]}"; do
		a=$(anchor_of "$c")
		if ((r % 2)); then order="vlo $a"; else order="$a vlo"; fi
		for v in $order; do
			progress 0 "$c $v round $r/$ROUNDS"
			run_case "$c" "$v" "$r"
			progress $((DUR + 2)) "$c $v round $r/$ROUNDS done"
		done
	done
done

for c in "${PROF_CASES[@]}"; do
	for v in vlo lo; do
		profile_case "$c" "$v"
	done
done

teardown_datapath

for s in "${SCALE_LIST[@]}"; do
	n=${s%%:*}
	scale_warmup "$n"
	for ((r = 1; r <= ${s#*:}; r++)); do
		# ABBA again: the reverse order every other round.
		order=$(scale_kinds "$n")
		((r % 2)) || order=$(echo "$order" | tr ' ' '\n' | tac | xargs)
		for k in $order; do
			scale_round "$k" "$n" "$r" "${s#*:}"
		done
	done
done
echo "@@done $(now_ns)"
exit 0
}
