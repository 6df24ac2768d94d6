#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: vlo against lo (and veth, dummy), side by side, in QEMU.
#
#   scripts/bench.sh [--quick] [--xdp-only] [--rounds N] [--duration SEC]
#                    [--cpus N] [--no-icount | --icount-only]
#                    [--scale "1000:3 10000:1"] [--out DIR]
#   scripts/bench.sh --report RUNDIR        redo tables and chart of a run
#   scripts/bench.sh --compare RUN1 RUN2    ratio differences of two runs
#
# A run is two VM boots, each measuring every case on vlo and on its
# anchor in interleaved rounds (scripts/bench/guest.sh):
#   1. "wall":   ordinary TCG; rates and latencies in real time;
#   2. "icount": TCG with -icount shift=2,sleep=on: while the guest CPU
#      runs, its clock advances 4 ns per executed guest instruction, so
#      the same figures become instruction counts, which do not depend on
#      how busy the host is (repeatable to about 1%); idle time (waiting
#      for 9p) passes at real speed. (sleep=off would jump the clock to
#      the next timer whenever the guest waits for the host, and timers
#      such as timeout(1) then fire early.)
# Results go to results/<timestamp>/: results.md, results.csv, ratios.png
# (python3-matplotlib, installed here when missing), raw/<mode>/ (every
# tool's output), meta.txt (machine, load, versions), guest-<mode>.log.
#
# --quick: wall boot only, 3 rounds of 1 s, no udp64c case, only three of
# the XDP cases, 1,000 devices once, no profile: about 6 minutes on an idle
# 2-core host.
# Full (default): 7 rounds of 3 s, 1,000 devices x3 and 10,000 x1, route
# lookup counts; then the icount boot (3 rounds, sampled profiles).
# --xdp-only: only the XDP cases (below), no scale, no profile; with
# --quick one wall boot of 3 rounds of 1 s, about 4 minutes.
#
# XDP cases (method in BENCHMARKS.md, "XDP"; programs: scripts/bench/
# xdp_bench.c, built here with clang -target bpf into RUNDIR/bpf/):
#   xdrop      XDP_DROP of 64 B AF_PACKET frames: vlo driver mode vs vlo
#              generic mode (xdpgeneric) vs a veth's driver mode (sent on
#              its peer); rate = frames the program counted in its map
#              per second of sending
#   xdropudp   the same with 64 B UDP datagrams over vlo-route (driver vs
#              generic)
#   xtgen      XDP frames from xdp-trafficgen (ndo_xdp_xmit) dropped by
#              vlo's driver-mode program vs by a veth's
#   xpass1500, xpass65536
#              iperf3 TCP over vlo-route with an XDP_PASS driver-mode
#              program attached vs none (and vs none with GSO/TSO off),
#              at MTU 1500 (plain program) and 65536 (xdp.frags program)
# Targets: driver mode >= generic; XDP frames dropped >= veth's rate; an
# XDP_PASS program costs TCP <= 5% (ratio >= 0.95). Every ratio is one of
# medians over interleaved rounds, as for the other cases.
#
# Environment: VLO_KO (module to test; default: ./vlo.ko, built when
# missing or older than src/), VLO_CACHE.
set -euo pipefail

# One block: bash reads it all before running, so edits during a run are safe.
{
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO/scripts/bench
PROG=bench

QUICK=0
ROUNDS=
DUR=
CPUS=1
MODES="wall icount"
SCALE=auto
OUTBASE=$REPO/results
ICOUNT_OPTS="shift=2,sleep=on,align=off"
XDP_ONLY=0
XDP_CASES="xdrop xdropudp xtgen xpass1500 xpass65536"
QUICK_XDP_CASES="xdrop xtgen xpass1500"
ALL_CASES="tcp1 tcp4 tcp_rr udp_rr udp_rral udp64 udp64c udp64al raw64 mtu1500 mtu9000 $XDP_CASES"
QUICK_CASES="tcp1 tcp4 tcp_rr udp_rr udp64 raw64 mtu1500 mtu9000 $QUICK_XDP_CASES"

# Debian's interpreter: the chart needs Debian's python3-matplotlib, which
# another python3 first in PATH (pyenv, a venv) would not see.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

msg() { echo "$PROG: $*" >&2; }
die() { msg "$*"; exit 1; }

usage()
{
	sed -n '4,52p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while (($#)); do
	case $1 in
	--quick) QUICK=1; shift ;;
	--xdp-only) XDP_ONLY=1; shift ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--duration) DUR=$2; shift 2 ;;
	--cpus) CPUS=$2; shift 2 ;;
	--no-icount) MODES=wall; shift ;;
	--icount-only) MODES=icount; shift ;;
	--scale) SCALE=$2; shift 2 ;;
	--out) OUTBASE=$2; shift 2 ;;
	--report) "$PY" "$BENCH/report.py" "$2"; exit ;;
	--compare) "$PY" "$BENCH/report.py" --compare "$2" "$3"; exit ;;
	-h | --help) usage 0 ;;
	*) msg "unknown option $1"; usage 2 >&2 ;;
	esac
done
# --quick alone is one wall-clock boot; --quick --icount-only is allowed.
if ((QUICK)) && [[ $MODES == "wall icount" ]]; then
	MODES=wall
fi
[[ -z $ROUNDS || $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a number"
[[ -z $DUR || $DUR =~ ^[1-9][0-9]*$ ]] || die "--duration takes whole seconds"
if ((XDP_ONLY)); then
	ALL_CASES=$XDP_CASES
	QUICK_CASES=$XDP_CASES
	[[ $SCALE != auto ]] || SCALE=""
fi

# ------------------------------------------------------------ tools

need_pkgs=()
for t in iperf3 sockperf python3 gcc ip perf; do
	command -v "$t" >/dev/null || need_pkgs+=("$t")
done
if ((${#need_pkgs[@]})); then
	die "missing: ${need_pkgs[*]} (run scripts/deps.sh; perf is Debian's linux-perf)"
fi
# The XDP cases need a BPF compiler, bpftool and jq (program and map ids)
# and xdp-trafficgen (xdp-tools); without them the other cases still run.
xdp_missing=()
for t in clang bpftool jq xdp-trafficgen; do
	command -v "$t" >/dev/null || xdp_missing+=("$t")
done
[[ -e /usr/include/bpf/bpf_helpers.h ]] || xdp_missing+=("bpf/bpf_helpers.h (libbpf-dev)")
if ((${#xdp_missing[@]})); then
	((!XDP_ONLY)) || die "the XDP cases need: ${xdp_missing[*]} (run scripts/deps.sh)"
	msg "no XDP cases: missing ${xdp_missing[*]} (run scripts/deps.sh)"
	for c in $XDP_CASES; do
		ALL_CASES=${ALL_CASES/ $c/}
		QUICK_CASES=${QUICK_CASES/ $c/}
	done
fi

# The chart needs matplotlib; without it (no root, no network) the tables
# and the CSV are still written.
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
	if [[ $(id -u) == 0 ]]; then
		msg "installing python3-matplotlib for the chart"
		apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
			python3-matplotlib >&2 || msg "could not install python3-matplotlib: no ratios.png"
	else
		msg "python3-matplotlib missing (not root): no ratios.png"
	fi
fi

KDIR=$("$REPO/scripts/deps.sh" --kdir)
if [[ -z ${VLO_KO:-} ]]; then
	VLO_KO=$REPO/vlo.ko
	# Build only when needed: others may be building in this tree.
	if [[ ! -f $VLO_KO || -n $(find "$REPO/src" "$REPO/include" -newer "$VLO_KO" \
		-name '*.[ch]' 2>/dev/null) ]]; then
		msg "building vlo.ko"
		nice -n 10 make -C "$REPO" KDIR="$KDIR" modules >&2
	fi
fi
[[ -r $VLO_KO ]] || die "no module at $VLO_KO"
VLO_KO=$(realpath "$VLO_KO")

# The guest sees the host's / except its tmpfs mounts (/tmp, /run, ...):
# the generator lives in the repository's build folder.
GEN=$REPO/build/bench/vlo_bench_gen
mkdir -p "$(dirname "$GEN")"
if [[ ! -x $GEN || $BENCH/vlo_bench_gen.c -nt $GEN ]]; then
	gcc -Wall -Wextra -Werror -O2 -o "$GEN" "$BENCH/vlo_bench_gen.c"
fi
# iproute2 plugin for the scale cases (see link_vlo.c).
IPLIB=$REPO/build/bench/iplib
mkdir -p "$IPLIB"
if [[ ! -f $IPLIB/link_vlo.so || $BENCH/link_vlo.c -nt $IPLIB/link_vlo.so ]]; then
	gcc -Wall -Wextra -Werror -O2 -shared -fPIC -o "$IPLIB/link_vlo.so" "$BENCH/link_vlo.c"
fi

# ------------------------------------------------------------ run folder

RUN=$OUTBASE/$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN/raw"
T0=$SECONDS

# The XDP programs (scripts/bench/xdp_bench.c), built for this run into
# the run's folder, which the guest sees.
BPFDIR=$RUN/bpf
if ((${#xdp_missing[@]} == 0)); then
	mkdir -p "$BPFDIR"
	arch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
	for spec in "drop:-DVERDICT=XDP_DROP" "pass:-DVERDICT=XDP_PASS" \
		"pass_frags:-DVERDICT=XDP_PASS -DFRAGS"; do
		# shellcheck disable=SC2086
		clang -O2 -g -Wall -Werror -target bpf -I"/usr/include/$arch" ${spec#*:} \
			-c "$BENCH/xdp_bench.c" -o "$BPFDIR/xdp_bench_${spec%%:*}.o" ||
			die "building scripts/bench/xdp_bench.c (${spec#*:}) failed"
	done
fi

read -r load1 load5 load15 _ </proc/loadavg
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)$(
		git -C "$REPO" diff --quiet HEAD -- src include 2>/dev/null || echo ' (src modified)')"
	echo "vlo_ko_sha256=$(sha256sum "$VLO_KO" | cut -c1-16)"
	echo "host_cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
	echo "host_cpus=$(nproc)"
	echo "host_mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)"
	echo "host_load_start=$load1 $load5 $load15"
	echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
	echo "guest_cpus=$CPUS"
	echo "mode=$( ((QUICK)) && echo quick || echo full)$( ((XDP_ONLY)) && echo ' xdp-only')"
	if ((${#xdp_missing[@]} == 0)); then
		echo "clang=$(clang --version | head -n 1)"
		echo "xdp_tools=$(dpkg-query -W -f='${Version}' xdp-tools 2>/dev/null || echo '?')"
	fi
} >"$RUN/meta.txt"

# ------------------------------------------------------------ VM boots

# -icount needs one QEMU option vm-run does not pass through: a wrapper
# named qemu-system-x86_64, first in PATH for that one boot, adds it.
SHIM=
cleanup() { [[ -z $SHIM ]] || rm -rf "$SHIM"; }
trap cleanup EXIT

make_shim()
{
	local real

	real=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found"
	SHIM=$(mktemp -d)
	cat >"$SHIM/qemu-system-x86_64" <<EOF
#!/bin/sh
exec $real "\$@" -icount $ICOUNT_OPTS
EOF
	chmod +x "$SHIM/qemu-system-x86_64"
}

fmt_time()
{
	printf '%d:%02d' $(($1 / 60)) $(($1 % 60))
}

# Render guest.sh's "@@progress DONE TOTAL TEXT" lines on stderr (TEXT
# names the boot, case, variant and round); keep everything else in the
# boot's log.
progress_filter()
{
	local log=$1 line units total text t_start=$SECONDS el eta
	local tty=0

	[[ -t 2 ]] && tty=1
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		@@progress\ *)
			read -r _ units total text <<<"$line"
			el=$((SECONDS - t_start))
			eta="?"
			((units > 0)) && eta=$(fmt_time $((el * (total - units) / units)))
			if ((tty)); then
				printf '\r\033[K%s | %d%% | %s elapsed, ETA %s' \
					"$text" $((units * 100 / (total ? total : 1))) "$(fmt_time "$el")" \
					"$eta" >&2
			elif [[ $text != *" done" ]]; then
				printf '%s | %d%% | ETA %s\n' "$text" \
					$((units * 100 / (total ? total : 1))) "$eta" >&2
			fi
			;;
		@@start\ * | @@done\ *)
			t_start=$SECONDS
			echo "$line" >>"$log"
			;;
		*)
			echo "$line" >>"$log"
			;;
		esac
	done
	((tty)) && echo >&2
	return 0
}

boot()
{
	local mode=$1 i=$2 n=$3 rounds dur cases scale profile units timeout rc=0
	local -a env=(env)

	if [[ $mode == wall ]]; then
		if ((QUICK)); then
			rounds=${ROUNDS:-3} dur=${DUR:-1} cases=$QUICK_CASES
			scale=1000:1 profile=0
			((!XDP_ONLY)) || scale=""
		else
			rounds=${ROUNDS:-7} dur=${DUR:-3} cases=$ALL_CASES
			scale="1000:3 10000:1" profile=1
			((!XDP_ONLY)) || scale="" profile=0
		fi
	else
		# Deterministic: few rounds suffice, guest seconds are short.
		rounds=${ROUNDS:-3} dur=${DUR:-1} cases=$ALL_CASES
		scale=1000:1 profile=2
		((QUICK)) && profile=0
		((!XDP_ONLY)) || scale="" profile=0
		make_shim
		env+=("PATH=$SHIM:$PATH")
	fi
	[[ $SCALE == auto ]] || scale=$SCALE
	mkdir -p "$RUN/raw/$mode"
	printf '%s_rounds=%s\n%s_duration=%s\n%s_scale=%s\n' "$mode" "$rounds" \
		"$mode" "$dur" "$mode" "$scale" >>"$RUN/meta.txt"
	local -a args=(--out "$RUN/raw/$mode" --gen "$GEN" --iplib "$IPLIB" --bpf "$BPFDIR" --rounds "$rounds"
		--duration "$dur" --cases "$cases" --scale "$scale" --profile "$profile"
		--label "$mode $i/$n")
	units=$("$BENCH/guest.sh" "${args[@]}" --plan)
	# Generous: the host may be busy, and -icount runs slower.
	timeout=$((600 + units * 6))
	msg "boot $i/$n ($mode): $cases; $rounds rounds of ${dur}s; scale ${scale:-none}"
	if "${env[@]}" VLO_KO="$VLO_KO" "$REPO/scripts/vm-run" --cpus "$CPUS" --mem 2048 \
		--timeout "$timeout" --out "$RUN" -- "$BENCH/guest.sh" "${args[@]}" |
		progress_filter "$RUN/guest-$mode.log"; then
		rc=0
	else
		rc=${PIPESTATUS[0]}
	fi
	cleanup
	SHIM=
	((rc == 0)) || msg "boot $i/$n ($mode) failed (exit $rc); see $RUN/guest-$mode.log"
	return "$rc"
}

read -ra MODE_LIST <<<"$MODES"
status=0
for i in "${!MODE_LIST[@]}"; do
	boot "${MODE_LIST[$i]}" $((i + 1)) ${#MODE_LIST[@]} || status=1
done

read -r load1 load5 load15 _ </proc/loadavg
{
	echo "host_load_end=$load1 $load5 $load15"
	echo "elapsed_s=$((SECONDS - T0))"
	for m in "${MODE_LIST[@]}"; do
		if [[ -r $RUN/raw/$m/info.txt ]]; then
			sed -n 's/^kernel=/guest_kernel=/p' "$RUN/raw/$m/info.txt"
			break
		fi
	done
	[[ $MODES == *icount* ]] && echo "icount=-icount $ICOUNT_OPTS (guest time = 4 ns per instruction)"
} >>"$RUN/meta.txt"

"$PY" "$BENCH/report.py" "$RUN"
cat "$RUN/results.md"
msg "results in $RUN (took $(fmt_time $((SECONDS - T0))))"
exit "$status"
}
