#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make bench`: runs inside one VM boot (scripts/vm-run) and
# measures every case on vlo and on its anchor, interleaved. It only
# records raw outputs; scripts/bench/report.py turns them into figures on
# the host.
#
#   guest.sh --out DIR --gen PATH --iplib DIR [--bpf DIR] [--rounds N]
#            [--duration S] [--cases "tcp1 tcp4 ..."] [--scale "1000:3 10000:1"]
#            [--profile 0|1|2] [--label NAME] [--plan]
#
# --scale lists device counts, each with its number of rounds. --profile 1
# counts route lookups per packet (perf stat on tracepoints), 2 adds a
# sampled profile (perf record). --plan only prints the work units the
# run would take (bench.sh uses it for the ETA) and exits. --iplib names
# the folder holding link_vlo.so (scripts/bench/link_vlo.c); --bpf the
# folder holding the XDP programs of scripts/bench/xdp_bench.c
# (xdp_bench_drop.o, xdp_bench_pass.o, xdp_bench_pass_frags.o), needed by
# the x* cases (see "XDP cases" below).
#
# Files written to DIR:
#   runs.csv           one line per measurement: case, variant, round, start
#                      and end time (guest clock), /proc/stat cpu line
#                      before and after, tx_packets of the devices in play
#   <case>.<variant>.r<round>.out   the tool's own output (iperf3 -J,
#                      sockperf text, vlo_bench_gen KEY=VALUE)
#   scale.csv          device creation/deletion/rmmod times and meminfo
#   xdp.csv            one line per measurement of an XDP case: where and
#                      how the program was attached (or why not), what it
#                      counted in its map, vlob's own XDP counters (ethtool
#                      -S deltas) and its GSO state while attached
#   <case>.<variant>.r<round>.attach   ip's messages when an attach failed
#   <case>.<variant>.r<round>.tg       xdp-trafficgen's own output
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
BPF=
ROUNDS=5
DUR=3
CASES="tcp1 tcp4 tcp_rr udp_rr udp_rral udp64 udp64c udp64al raw64 mtu1500 mtu9000 xdrop xdropudp xtgen xpass1500 xpass65536"
SCALE="1000:3 10000:1"
PROFILE=1
LABEL=wall
PLAN=0

while (($#)); do
	case $1 in
	--out) OUT=$2 ;;
	--gen) GEN=$2 ;;
	--iplib) IPLIB=$2 ;;
	--bpf) BPF=$2 ;;
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
if ((!PLAN)) && [[ " $CASES " == *" x"* && ! -r $BPF/xdp_bench_drop.o ]]; then
	echo "guest.sh: the XDP cases need --bpf DIR with xdp_bench_*.o" >&2
	exit 2
fi

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
	x*)
		run_xdp_case "$c" "$v" "$r"
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

# ------------------------------------------------------------ XDP cases
#
# Each measurement of an XDP case attaches a fresh program (so its count
# starts at 0), measures, reads the program's count and vlob's own XDP
# counters, and detaches. The programs are scripts/bench/xdp_bench.c's;
# the rate is always counted by the program, in its map, outside the
# driver. Cases and variants:
#   xdrop      64 B frames sent by an AF_PACKET socket (vlo_bench_gen raw)
#              and dropped by xdp_bench_drop.o. vlo: driver mode on vlob,
#              sent on vlob; vlogen: the same program in generic mode
#              (xdpgeneric) on vlob; veth: driver mode on vbrx, sent on its
#              peer vbtx. Rate: frames the program counted per second of
#              sending (vlo_bench_gen -x: map read before the first send
#              and after the drain).
#   xdropudp   the same with 64 B UDP datagrams of a local socket pair
#              routed over vlob by vlo-route: vlo (driver) vs vlogen.
#   xtgen      frames that arrive as XDP frames: 64 B frames built in the
#              kernel by BPF_PROG_RUN in live-frames mode and redirected
#              into DEV's ndo_xdp_xmit. vlo: into vlob, dropped by vlob's
#              driver-mode program; veth: into vbtx, which queues them to
#              its peer vbrx, dropped by vbrx's driver-mode program. The
#              sender is `xdp-trafficgen udp DEV` when it works on this
#              kernel (setup probes it once: xdp-tools before 1.5.4 probe
#              the kernel with a 4-byte packet, which kernels with the
#              ETH_HLEN minimum in bpf_test_init, 6.1's stable updates
#              among them, refuse; it then says "Kernel doesn't support
#              live packet mode"), otherwise `vlo_bench_gen xdptx`, which
#              does the same with a 64-byte frame (info.txt:
#              xdp_sender). xdp-trafficgen's start-up is not measured:
#              once the program's count moves, vlo_bench_gen xdp counts
#              over DUR seconds; vlo_bench_gen xdptx counts like raw.
#   xpass1500  TCP throughput (iperf3 over the vlo pair, as mtu1500) with
#              vlob at MTU 1500. vlo: xdp_bench_pass.o (XDP_PASS) attached
#              in driver mode; vlonoxdp: no program; vlonogso: no program,
#              but GSO and TSO off as the driver turns them off while a
#              program is attached (tells the program's own cost from the
#              offloads').
#   xpass65536 the same at vlob's default MTU 65536 with
#              xdp_bench_pass_frags.o (section xdp.frags, multi-buffer).
# The drop cases run with vlob at MTU 1500 in both modes (a program
# without frags support needs MTU <= 3506; the veth is at 1500 anyway).
XDP_TGEN_WAIT=30
XDP_SENDER=vlo_bench_gen
XDP_DRV_KEYS="rx_ring_full rxq_xdp_pass rxq_xdp_drop rxq_xdp_tx rxq_xdp_redirect rxq_xdp_aborted rxq_xdp_errors tx_xdp_xmit tx_xdp_xmit_errors rx_backlog_drops rxq_packets"
XDP_PROG=
XDP_MAP=

# vlob's XDP counters (ethtool -S, the per-queue rxN_* summed), in the
# order of XDP_DRV_KEYS; 0 for those the driver does not have. The ring-
# full drops: rx_queue_drops (rx_ring_full in the first spec: read too).
xdp_drv_stats()
{
	{ ethtool -S vlob 2>/dev/null || true; } | awk -v keys="$XDP_DRV_KEYS" '
		/: / {
			k = $1; sub(/:$/, "", k); sub(/^rx[0-9]+_/, "rxq_", k)
			if (k == "rx_queue_drops")
				k = "rx_ring_full"
			s[k] += $2
		}
		END {
			n = split(keys, K, " ")
			for (i = 1; i <= n; i++)
				printf "%s%d", (i > 1 ? " " : ""), s[K[i]]
			print ""
		}'
}

# "on/off"-style GSO/TSO state of vlob.
gso_state()
{
	{ ethtool -k vlob 2>/dev/null || true; } | awk '
		/^generic-segmentation-offload:/ { g = $2 }
		/^tcp-segmentation-offload:/ { t = $2 }
		END { printf "gso %s tso %s\n", g, t }'
}

# xdp_attach DEV MODE OBJ SEC ERRFILE: attach, set XDP_PROG and XDP_MAP.
# On failure ip's messages stay in ERRFILE and nothing is left attached.
xdp_attach()
{
	local dev=$1 mode=$2 obj=$3 sec=$4 err=$5

	XDP_PROG=
	XDP_MAP=
	ip link set dev "$dev" "$mode" obj "$obj" sec "$sec" >"$err" 2>&1 || return 1
	XDP_PROG=$(ip -j -d link show dev "$dev" |
		jq -r '.[0].xdp.prog.id // .[0].xdp.attached[0].prog.id // empty' || true)
	[[ -z $XDP_PROG ]] ||
		XDP_MAP=$(bpftool -j prog show id "$XDP_PROG" | jq -r '.map_ids[0] // empty' || true)
	if [[ -z $XDP_MAP ]]; then
		echo "attached, but found no program id or map id" >>"$err"
		ip link set dev "$dev" "$mode" off 2>>"$err" || true
		return 1
	fi
	rm -f "$err"
}

# The mode ip reports for DEV's program: drv, generic, or none.
xdp_mode_of()
{
	local m

	m=$(ip -j -d link show dev "$1" | jq -r '.[0].xdp.mode // empty' || true)
	case $m in
	1) echo drv ;;
	2) echo generic ;;
	3) echo hw ;;
	*) echo none ;;
	esac
}

# A measurement that could not run: a runs.csv line with RC and no time.
record_fail()
{
	local t

	t=$(now_ns)
	echo "$1,$2,$3,$4,$t,$t,$(cpu_line),$(cpu_line),0,0" >>"$OUT/runs.csv"
	echo "guest.sh: $1 $2 round $3 not measured: $5" >&2
}

# The program's count since it was attached: "PACKETS BYTES".
xdp_count()
{
	local out p=0 b=0 kv

	out=$("$GEN" xdp -x "$XDP_MAP" 2>/dev/null || true)
	for kv in $out; do
		case $kv in
		xdp_packets=*) p=${kv#*=} ;;
		xdp_bytes=*) b=${kv#*=} ;;
		esac
	done
	echo "$p $b"
}

# Does xdp-trafficgen work here? One frame into vbtx (nothing receives
# it); its probe of the kernel comes first. Sets XDP_SENDER.
xdp_sender_probe()
{
	local rc=0

	command -v xdp-trafficgen >/dev/null || return 0
	timeout -s INT 30 xdp-trafficgen udp -n 1 vbtx >"$OUT/xdp-trafficgen-probe.txt" 2>&1 ||
		rc=$?
	if ((rc == 0 || rc == 124)) &&
		! grep -q "support live packet mode" "$OUT/xdp-trafficgen-probe.txt"; then
		XDP_SENDER=xdp-trafficgen
	fi
	echo "xdp-trafficgen probe: exit $rc" >>"$OUT/xdp-trafficgen-probe.txt"
}

# Frames into TX's ndo_xdp_xmit (addressed to RX), counted by RX's program.
xdp_tgen()
{
	local c=$1 v=$2 r=$3 f=$OUT/$1.$2.r$3 tx=vlob rx=vlob mac pid i n=0

	[[ $v != veth ]] || { tx=vbtx; rx=vbrx; }
	if [[ $XDP_SENDER != xdp-trafficgen ]]; then
		measure "$c" "$v" "$r" "$GEN" xdptx -i "$tx" -r "$rx" -s 64 -T "$DUR" -x "$XDP_MAP"
		return
	fi
	read -r mac <"/sys/class/net/$rx/address"
	xdp-trafficgen udp "$tx" -m "$mac" -I 1 >"$f.tg" 2>&1 &
	pid=$!
	for ((i = 0; i < XDP_TGEN_WAIT * 5; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		read -r n _ <<<"$(xdp_count)"
		((n == 0)) || break
		sleep 0.2
	done
	if ((n > 0)) && kill -0 "$pid" 2>/dev/null; then
		measure "$c" "$v" "$r" "$GEN" xdp -x "$XDP_MAP" -T "$DUR" -w 5
	else
		record_fail "$c" "$v" "$r" 91 "xdp-trafficgen sent nothing to $tx (see $f.tg)"
	fi
	# SIGINT lets it detach its tracepoints; its sending thread stops at
	# the end of its current BPF_PROG_RUN batch.
	kill -INT "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# One measurement of an XDP case (see above) on VARIANT in ROUND.
run_xdp_case()
{
	local c=$1 v=$2 r=$3 f=$OUT/$1.$2.r$3 dev=vlob mode=xdpdrv obj='' sec=xdp
	local mtu='' s0 s1 pk=0 by=0 gso_on=- gso_off=- amode=none arc=0 msg='' i
	local -a a b d=()

	case $c in
	xdrop | xdropudp | xtgen) obj=$BPF/xdp_bench_drop.o mtu=1500 ;;
	xpass1500) obj=$BPF/xdp_bench_pass.o mtu=1500 ;;
	xpass65536) obj=$BPF/xdp_bench_pass_frags.o sec=xdp.frags ;;
	*) echo "guest.sh: unknown case $c" >&2; return 1 ;;
	esac
	case $v in
	vlogen) mode=xdpgeneric ;;
	veth) dev=vbrx ;;
	vlonoxdp | vlonogso) obj= ;;
	esac
	[[ -z $mtu ]] || ip link set vlob mtu "$mtu" ||
		echo "guest.sh: $c $v round $r: vlob refused MTU $mtu" >&2
	[[ $v != vlonogso ]] || ethtool -K vlob gso off tso off ||
		echo "guest.sh: $c $v round $r: cannot turn vlob's GSO/TSO off" >&2
	if [[ -n $obj ]] && ! xdp_attach "$dev" "$mode" "$obj" "$sec" "$f.attach"; then
		arc=1
		msg=$(grep -v '^$' "$f.attach" | tail -n 1 | tr ',"' ';'"'" || true)
		record_fail "$c" "$v" "$r" 90 "attaching $obj ($mode, sec $sec) to $dev failed: $msg"
	else
		[[ -z $obj ]] || amode=$(xdp_mode_of "$dev")
		gso_on=$(gso_state)
		s0=$(xdp_drv_stats)
		case $c in
		xdrop)
			if [[ $v == veth ]]; then
				measure "$c" "$v" "$r" "$GEN" raw -i vbtx -r vbrx -s 64 -T "$DUR" -x "$XDP_MAP"
			else
				measure "$c" "$v" "$r" "$GEN" raw -i vlob -r vlob -s 64 -T "$DUR" -x "$XDP_MAP"
			fi
			;;
		xdropudp)
			measure "$c" "$v" "$r" "$GEN" udp -S $VA -D $VB -s 64 -T "$DUR" -x "$XDP_MAP"
			;;
		xtgen)
			xdp_tgen "$c" "$v" "$r"
			;;
		xpass*)
			measure "$c" "$v" "$r" iperf3 -c $VB -B $VA -p $IPERF_PORT -t "$DUR" -J
			;;
		esac
		s1=$(xdp_drv_stats)
		[[ -z $obj ]] || read -r pk by <<<"$(xdp_count)"
		read -ra a <<<"$s0"
		read -ra b <<<"$s1"
		for i in "${!a[@]}"; do
			d+=($((b[i] - a[i])))
		done
		[[ -z $obj ]] || ip link set dev "$dev" "$mode" off ||
			echo "guest.sh: $c $v round $r: detaching from $dev failed" >&2
	fi
	[[ $v != vlonogso ]] || ethtool -K vlob gso on tso on ||
		echo "guest.sh: $c $v round $r: cannot turn vlob's GSO/TSO on again" >&2
	# With the program gone, the offloads must be back.
	gso_off=$(gso_state)
	[[ -z $mtu ]] || ip link set vlob mtu 65536 ||
		echo "guest.sh: $c $v round $r: vlob refused MTU 65536 again" >&2
	if ((${#d[@]} == 0)); then
		for i in $XDP_DRV_KEYS; do
			d+=(0)
		done
	fi
	echo "$c,$v,$r,$dev,${obj:+$mode},$arc,$amode,$pk,$by,$gso_on,$gso_off,$(IFS=,; echo "${d[*]}"),$msg" >>"$OUT/xdp.csv"
}

# The variants measured for CASE, the first one in the numerator of the
# ratios (report.py pairs them).
variants_of()
{
	case $1 in
	raw64) echo "vlo veth" ;;
	xdrop) echo "vlo vlogen veth" ;;
	xdropudp) echo "vlo vlogen" ;;
	xtgen) echo "vlo veth" ;;
	xpass*) echo "vlo vlonoxdp vlonogso" ;;
	*) echo "vlo lo" ;;
	esac
}

# Work units of one measurement of CASE (attaching and xdp-trafficgen's
# start-up take time too).
units_of()
{
	case $1 in
	xtgen) echo $((DUR + 8)) ;;
	x*) echo $((DUR + 4)) ;;
	*) echo $((DUR + 2)) ;;
	esac
}

# round_order ROUND VARIANT...: the order of this round. Two variants
# alternate (AB BA AB ...); three or more go forwards in odd rounds and
# backwards in even ones, shifted by one every two rounds (abc cba bca
# acb cab bac for three), so none is always first or always last and
# neighbours swap places.
round_order()
{
	local r=$1 i k n
	local -a v o=()

	shift
	v=("$@")
	n=${#v[@]}
	if ((n == 2)); then
		if ((r % 2)); then o=("${v[0]}" "${v[1]}"); else o=("${v[1]}" "${v[0]}"); fi
	else
		k=$((((r - 1) / 2) % n))
		for ((i = 0; i < n; i++)); do
			o+=("${v[(i + k) % n]}")
		done
		if ((r % 2 == 0)); then
			v=("${o[@]}")
			o=()
			for ((i = n - 1; i >= 0; i--)); do
				o+=("${v[i]}")
			done
		fi
	fi
	echo "${o[*]}"
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
	[[ " ${CASES} " != *" xtgen "* ]] || xdp_sender_probe

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
		echo "iproute2=$(ip -V)"
		echo "xdp_trafficgen=$(xdp-trafficgen udp --version 2>&1 | head -n 1 || true)"
		echo "xdp_sender=$XDP_SENDER"
		echo "bpftool=$(bpftool version 2>&1 | head -n 1 || true)"
		echo "vlob_offloads=$(gso_state)"
		echo "vlob_ethtool_stats=$(ethtool -S vlob 2>/dev/null | awk -F: 'NR > 1 { gsub(/ /, "", $1); printf "%s ", $1 }' || true)"
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
UNITS_TOTAL=0
for c in "${CASE_LIST[@]}"; do
	read -ra vs <<<"$(variants_of "$c")"
	UNITS_TOTAL=$((UNITS_TOTAL + ROUNDS * ${#vs[@]} * $(units_of "$c")))
done
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
echo "case,variant,round,dev,mode,attach_rc,attached_mode,prog_packets,prog_bytes,offloads_attached,offloads_after,$(echo "$XDP_DRV_KEYS" | tr ' ' ,),attach_msg" >"$OUT/xdp.csv"

setup
echo "@@start $(now_ns)"

# Round-major order: every case's rounds are spread over the whole run,
# so a change in the host's load hits vlo and anchor of all cases alike.
# The first variant alternates (ABBA...), so neither always runs first.
for ((r = 1; r <= ROUNDS; r++)); do
	for c in "${CASE_LIST[@]}"; do
		# shellcheck disable=SC2046
		order=$(round_order "$r" $(variants_of "$c"))
		for v in $order; do
			progress 0 "$c $v round $r/$ROUNDS"
			run_case "$c" "$v" "$r"
			progress "$(units_of "$c")" "$c $v round $r/$ROUNDS done"
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
