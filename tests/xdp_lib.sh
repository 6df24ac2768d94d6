# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the vlo XDP selftests (tests/vlo_xdp*.sh), sourced after
# lib.sh. The tests count what XDP did outside the driver: the program's
# own map counters (tests/xdp_verdict.c, read with bpftool), receiving
# sockets (tests/vlo_xdp_udp.py, tests/vlo_xsk), other devices' programs
# and tc/nftables counters, and the core's trace events. The driver's
# ethtool -S counters are only compared with those.
#
# Parsing is done with bash builtins (no jq per read): every process costs
# a TCG guest tens to hundreds of milliseconds.

# Actions and config slots of tests/xdp_verdict.c (keep in sync).
# shellcheck disable=SC2034 # used by the tests that source this file
declare -A XV_ACT=([pass]=0 [drop]=1 [tx]=2 [aborted]=3 [redirect]=4
	[devmap]=5 [bcast]=6 [cpumap]=7 [xsk]=8 [raw]=9 [pong]=10)
declare -A XV_CFG=([action]=0 [port]=1 [etype]=2 [arg]=3)
XV_CNT_NAMES=(seen other matched pass drop tx aborted redirect refused raw
	bytes multibuf pong maxlen)
XV_QUEUE_SLOT=16

UDP=(python3 "$TESTDIR/vlo_xdp_udp.py")
UDP4=(python3 "$TESTDIR/vlo_udp4.py")
VLO_XSK=${VLO_XSK:-$TESTDIR/vlo_xsk}
TRACE=/sys/kernel/tracing

# Per device (key: DEV, or NS/DEV for another namespace): the attached
# program's id and its maps' ids.
declare -A XDP_PROG=() XDP_MAP=()

# xdp_require: skip the whole test, saying why, when the XDP tool chain is
# missing (bpftool to read maps, clang with the BPF target and the kernel
# UAPI headers to build the program, ip with libbpf).
xdp_require()
{
	require_cmd bpftool clang
	grep -qw bpf <<<"$(clang -print-targets 2>/dev/null)" ||
		skip "clang has no BPF target"
	[ -e /usr/include/linux/bpf.h ] || skip "no <linux/bpf.h> (linux-libc-dev)"
	[ -e /usr/include/bpf/bpf_helpers.h ] || skip "no <bpf/bpf_helpers.h> (libbpf-dev)"
	grep -q xdpdrv <<<"$(ip link help 2>&1)" ||
		skip "ip cannot attach XDP programs"
	[[ $(ip -V) == *libbpf* ]] ||
		skip "ip is built without libbpf (BTF-defined maps)"
	# The temporary folder, made here in the test's own shell: helpers
	# that run in $(...) subshells find it in VLO_TMP.
	tmpdir >/dev/null
}

# xdp_build NAME: build tests/NAME.c into the test's temporary folder (a
# checkout may be read-only) unless make -C tests left a newer NAME.o;
# prints the object's path. A build failure fails the test: the tools are
# there (xdp_require), so the program is wrong.
xdp_build()
{
	local name=$1 arch out

	if [ "$TESTDIR/$name.o" -nt "$TESTDIR/$name.c" ]; then
		echo "$TESTDIR/$name.o"
		return
	fi
	out="$VLO_TMP/$name.o"
	if [ ! -f "$out" ]; then
		arch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
		clang -O2 -g -Wall -target bpf -I"/usr/include/$arch" \
			-c "$TESTDIR/$name.c" -o "$out" >&2 ||
			die "clang could not build tests/$name.c"
	fi
	echo "$out"
}

# xdp_key DEV: the key of DEV in XDP_PROG / XDP_MAP ($NS/DEV).
xdp_key()
{
	echo "${NS:-}/$1"
}

# xdp_info DEV: "MODE PROG_ID" of DEV's XDP program in $NS, from ip -j -d
# link (modes: 1 driver, 2 generic, 3 offload; "0 0": none).
xdp_info()
{
	local j re='"xdp":\{"mode":([0-9]+),"prog":\{"id":([0-9]+)'

	j=$(in_ns ip -j -d link show dev "$1")
	if [[ $j =~ $re ]]; then
		echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	else
		echo "0 0"
	fi
}

# xdp_learn DEV: remember the ids of DEV's program and of its maps.
xdp_learn()
{
	local dev=$1 key mode id j obj ids re_ids='"map_ids":\[([0-9,]+)\]'
	local re_map='^([0-9]+),"type":"[^"]*","name":"([^"]*)"'

	key=$(xdp_key "$dev")
	read -r mode id <<<"$(xdp_info "$dev")"
	[ "$id" != 0 ] || die "no XDP program on $dev (mode $mode)"
	XDP_PROG[$key]=$id
	j=$(bpftool -j prog show id "$id")
	[[ $j =~ $re_ids ]] || die "bpftool lists no maps for program $id: $j"
	ids=",${BASH_REMATCH[1]},"
	j=$(bpftool -j map show)
	while IFS= read -r obj; do
		[[ $obj =~ $re_map ]] || continue
		[[ $ids == *",${BASH_REMATCH[1]},"* ]] || continue
		XDP_MAP[$key:${BASH_REMATCH[2]}]=${BASH_REMATCH[1]}
	done <<<"${j//'{"id":'/$'\n'}"
	[ -n "${XDP_MAP[$key:xv_cnt]:-}" ] || die "program $id on $dev has no xv_cnt map"
}

# xdp_attach DEV MODE [SEC [OBJ]]: attach OBJ's program SEC (default:
# xdp_verdict.o, "xdp") to DEV in $NS in MODE (xdp, xdpdrv, xdpgeneric),
# with ip -force (replaces a program); dies if ip fails. Then learns its
# ids. Use check_ok/check_err around `in_ns ip link set ...` instead when
# the attach itself is what is checked.
xdp_attach()
{
	local dev=$1 mode=$2 sec=${3:-xdp} obj=${4:-$XV_OBJ} out

	out=$(in_ns ip -force link set dev "$dev" "$mode" obj "$obj" sec "$sec" 2>&1) ||
		die "attach $obj ($sec) to $dev in $mode mode: $out"
	xdp_learn "$dev"
}

# xdp_map DEV NAME: the id of DEV's program's map NAME.
xdp_map()
{
	local id=${XDP_MAP[$(xdp_key "$1"):$2]:-}

	[ -n "$id" ] || die "no map $2 known for $1 (xdp_learn first)"
	echo "$id"
}

# le_bytes VALUE N: VALUE as N little-endian bytes, as bpftool takes them.
le_bytes()
{
	local v=$1 i bytes=()

	for ((i = 0; i < $2; i++)); do
		bytes+=($(((v >> (8 * i)) & 255)))
	done
	echo "${bytes[*]}"
}

# xdp_map_set DEV MAP KEY VALUE [VALUE_BYTES]: one element of a map.
# bpftool runs in $NS: a devmap takes the ifindex in the namespace of the
# process that updates it.
xdp_map_set()
{
	local id

	id=$(xdp_map "$1" "$2")
	# shellcheck disable=SC2046 # the bytes are separate arguments
	in_ns bpftool map update id "$id" key $(le_bytes "$3" 4) \
		value $(le_bytes "$4" "${5:-4}") ||
		die "bpftool map update $2 ($id) key $3 value $4"
}

# xdp_set DEV NAME=VALUE...: the program's configuration (names of
# XV_CFG; action takes a name of XV_ACT or a number), one bpftool batch.
xdp_set()
{
	local dev=$1 id kv k v batch=""

	shift
	id=$(xdp_map "$dev" xv_cfg)
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		[ -n "${XV_CFG[$k]:-}" ] || die "xdp_set: no config slot $k"
		[ "$k" = action ] && [ -n "${XV_ACT[$v]:-}" ] && v=${XV_ACT[$v]}
		batch+="map update id $id key $(le_bytes "${XV_CFG[$k]}" 4) value $(le_bytes "$v" 8)"$'\n'
	done
	bpftool batch file - <<<"$batch" >/dev/null || die "xdp_set $dev $*"
}

# xdp_counts DEV: the program's counters as one line of KEY=VALUE (names
# of XV_CNT_NAMES, q0..q15 per RX queue), for lib.sh's kv/delta/check_deltas.
# xdp_counts_id MAP_ID: the same from the counter map with that id (a map
# that outlives its program, pinned).
xdp_counts()
{
	xdp_counts_id "$(xdp_map "$1" xv_cnt)"
}

xdp_counts_id()
{
	local j obj i out="" re='"formatted":\{"key":([0-9]+),"value":([0-9]+)\}'
	local -a v=()

	j=$(bpftool -j map dump id "$1")
	while IFS= read -r obj; do
		[[ $obj =~ $re ]] && v[BASH_REMATCH[1]]=${BASH_REMATCH[2]}
	done <<<"${j//'},{'/$'\n'}"
	for i in "${!XV_CNT_NAMES[@]}"; do
		out+=" ${XV_CNT_NAMES[i]}=${v[i]:-MISSING}"
	done
	for ((i = 0; i < 16; i++)); do
		out+=" q$i=${v[XV_QUEUE_SLOT + i]:-MISSING}"
	done
	echo "$out"
}

# xdp_deltas BEFORE AFTER: the counters of two xdp_counts lines that
# moved, as NAME=DELTA.
xdp_deltas()
{
	local kvp n d out=""

	for kvp in $2; do
		n=${kvp%%=*}
		d=$(delta "$n" "$1" "$2")
		[ "$d" = 0 ] || out+=" $n=$d"
	done
	echo "${out# }"
}

# xdp_detach DEV [MODE]: remove DEV's program (MODE default xdpdrv).
xdp_detach()
{
	in_ns ip link set dev "$1" "${2:-xdpdrv}" off || die "detach XDP from $1"
}

# eth_counts DEV: vlo's ethtool -S counters of DEV in $NS as one line of
# eth_NAME=VALUE (as lib.sh's counters, for less: one process).
eth_counts()
{
	local k v out=""

	while read -r k v; do
		[[ $k == *: ]] && out+=" eth_${k%:}=$v"
	done <<<"$(in_ns ethtool -S "$1")"
	echo "$out"
}

# ----------------------------------------------------------------- traffic

# udp_recv_start NAME ADDR PORT N [SECONDS]: a receiver in $NS for N
# "vlo-udp4 <seq>" datagrams to ADDR:PORT, in the background, ready when
# this returns; udp_recv_wait NAME prints its "received= distinct= dup="
# line once it is done. (It waits for that line, not for the process:
# callers run it in $(...), a subshell, which cannot wait for its
# parent's children.) udp_recv_begin and udp_recv_ready NAME... are the
# two halves, for receivers that start in parallel (Python takes seconds
# to start on a slow guest).
declare -A UDP_RECV_SECS=()
udp_recv_begin()
{
	local name=$1 ns=()

	rm -f "$VLO_TMP/$name.ready" "$VLO_TMP/$name.out"
	[ -n "$NS" ] && ns=(ip netns exec "$NS")
	UDP_RECV_SECS[$name]=${5:-30}
	"${ns[@]}" "${UDP[@]}" recv -d "$2" -p "$3" -n "$4" -t "${5:-30}" \
		-r "$VLO_TMP/$name.ready" >"$VLO_TMP/$name.out" 2>&1 &
	bg_track $!
}

udp_recv_ready()
{
	local name

	for name in "$@"; do
		# Python's start can take long on a loaded debug kernel.
		wait_for 120 test -f "$VLO_TMP/$name.ready" || {
			cat "$VLO_TMP/$name.out" >&2
			die "UDP receiver $name did not start"
		}
	done
}

udp_recv_start()
{
	udp_recv_begin "$@"
	udp_recv_ready "$1"
}

udp_recv_wait()
{
	local f=$VLO_TMP/$1.out

	wait_for $((UDP_RECV_SECS[$1] + 30)) grep -q "^received=" "$f" ||
		echo "# UDP receiver $1 did not report" >&2
	cat "$f"
}

# received N RESULT: "N N 0" means N received, all distinct, no dup.
received()
{
	echo "$(kv received "$1") $(kv distinct "$1") $(kv dup "$1")"
}

# --------------------------------------------------------------- tracing

# trace_start EVENT...: a private tracefs instance recording EVENTs
# (group/name, e.g. xdp/xdp_exception); trace_count REGEX counts the
# recorded lines matching REGEX. Returns 1 with the reason in
# VLO_TRACE_WHY when this kernel has no tracefs or no such event.
VLO_TRACE_INST=
VLO_TRACE_WHY=
trace_start()
{
	local ev inst

	[ -d $TRACE/instances ] || mount -t tracefs nodev $TRACE 2>/dev/null || true
	if [ ! -d $TRACE/instances ]; then
		VLO_TRACE_WHY="no tracefs instances"
		return 1
	fi
	for ev in "$@"; do
		if [ ! -d "$TRACE/events/$ev" ]; then
			VLO_TRACE_WHY="no trace event $ev"
			return 1
		fi
	done
	inst=$TRACE/instances/vlo-$TEST_NAME-$$
	if ! mkdir "$inst"; then
		VLO_TRACE_WHY="cannot make a tracefs instance"
		return 1
	fi
	defer rmdir "$inst"
	defer sh -c "echo 0 > '$inst/tracing_on'"
	echo 4096 >"$inst/buffer_size_kb" || true
	for ev in "$@"; do
		echo 1 >"$inst/events/$ev/enable" || die "cannot enable trace event $ev"
		defer sh -c "echo 0 > '$inst/events/$ev/enable'"
	done
	VLO_TRACE_INST=$inst
}

trace_count()
{
	local n=0 l

	while IFS= read -r l; do
		[[ $l == \#* ]] && continue
		[[ $l =~ $1 ]] && n=$((n + 1))
	done <"$VLO_TRACE_INST/trace"
	echo "$n"
}

trace_clear()
{
	: >"$VLO_TRACE_INST/trace"
}
