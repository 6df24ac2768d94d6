# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers for the vlo selftests. Sourced by every tests/vlo_*.sh.
#
# Conventions (as in tools/testing/selftests/net):
#  - diagnostics are "# ..." lines (KTAP comments);
#  - exit 0 = pass, 1 = fail, 4 = skip ($ksft_skip);
#  - every test works in namespaces it creates (ns_create) and cleans up on
#    any exit through the EXIT trap installed here;
#  - check_* helpers record a failure and go on, so one run shows every
#    wrong figure; vlo_exit turns the record into the exit status.
#
# Environment:
#  VLO_KO   path to vlo.ko to insmod; unset: `modprobe vlo`, or ../vlo.ko
#           next to this directory when the module is not installed.
#  VLO_PKT  path to the vlo_pkt tool (default: next to this file).

ksft_pass=0
ksft_fail=1
ksft_skip=4

TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST_NAME=$(basename "$0" .sh)
VLO_PKT=${VLO_PKT:-$TESTDIR/vlo_pkt}
# Ethertype for test frames: IEEE 802 "local experimental ethertype 1".
# shellcheck disable=SC2034 # used by the tests that source this file
ETYPE=88b5

# Current namespace of the helpers that take none (in_ns, stat_of, ...).
NS=

VLO_FAILED=0
VLO_CHECKS=0
VLO_SKIPPED_CHECKS=0
VLO_NETNS=()
VLO_PIDS=()
VLO_DEFER=()
VLO_TMP=

log()
{
	echo "# $*"
}

# quote_lines TEXT: TEXT as indented KTAP comment lines.
quote_lines()
{
	local l

	while IFS= read -r l; do
		echo "#   | $l"
	done <<<"$1"
}

fail()
{
	echo "# FAIL: $*"
	VLO_FAILED=1
}

# skip_check REASON: one check cannot run here (a tool or kernel feature
# is missing); the test goes on. The line is counted by make check's
# closing line, so a partial skip is never hidden inside a pass.
skip_check()
{
	echo "# SKIP-CHECK: $*"
	VLO_SKIPPED_CHECKS=$((VLO_SKIPPED_CHECKS + 1))
}

skip()
{
	echo "# SKIP: $*"
	VLO_EXPLICIT_EXIT=1
	exit "$ksft_skip"
}

# Abort the test right away (setup went wrong: nothing else can be checked).
die()
{
	echo "# FAIL: $*"
	VLO_EXPLICIT_EXIT=1
	exit "$ksft_fail"
}

vlo_exit()
{
	VLO_EXPLICIT_EXIT=1
	if [ "$VLO_FAILED" -ne 0 ]; then
		log "$TEST_NAME: FAILED ($VLO_CHECKS checks)"
		exit "$ksft_fail"
	fi
	log "$TEST_NAME: all $VLO_CHECKS checks passed, $VLO_SKIPPED_CHECKS skipped"
	exit "$ksft_pass"
}

# ---------------------------------------------------------------- cleanup

# defer CMD [ARGS...]: run CMD at exit (last deferred runs first).
defer()
{
	VLO_DEFER+=("$(printf '%q ' "$@")")
}

# bg_track PID: kill PID (if still alive) at exit.
bg_track()
{
	VLO_PIDS+=("$1")
}

vlo_cleanup()
{
	local rc=$? i pid ns

	trap - ERR
	set +e
	# Only skip, die and vlo_exit choose the exit status. Anything else
	# that ends the test (set -e, a signal, a plain exit) is a failure,
	# also when the failing command happened to return 4 (the skip
	# status) or 0 with a failed check on record.
	if [ -z "${VLO_EXPLICIT_EXIT:-}" ]; then
		if [ "$rc" -ne 0 ]; then
			echo "# FAIL: $TEST_NAME ended early with exit status $rc"
			rc=$ksft_fail
		elif [ "$VLO_FAILED" -ne 0 ]; then
			echo "# FAIL: $TEST_NAME ended without vlo_exit after a failed check"
			rc=$ksft_fail
		fi
	fi
	for pid in "${VLO_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for ((i = ${#VLO_DEFER[@]} - 1; i >= 0; i--))
	do
		eval "${VLO_DEFER[i]}" >/dev/null 2>&1
	done
	for ns in "${VLO_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$VLO_TMP" ] && rm -rf "$VLO_TMP"
	exit "$rc"
}
trap vlo_cleanup EXIT
# With set -e a failing command ends the test: say which one, also inside
# functions (-E).
set -E
trap 'echo "# FAIL: line $LINENO: \"$BASH_COMMAND\" exited with $?"' ERR
# A signal (the runner's timeout sends TERM) must still run the EXIT trap.
trap 'exit 1' INT TERM HUP

tmpdir()
{
	if [ -z "$VLO_TMP" ]; then
		VLO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vlo-$TEST_NAME.XXXXXX")
	fi
	echo "$VLO_TMP"
}

# --------------------------------------------------------------- requires

require_root()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "command '$c' not found"
	done
}

require_vlo_pkt()
{
	[ -x "$VLO_PKT" ] || skip "$VLO_PKT not built (run: make -C tests)"
}

# --------------------------------------------------------------- module

vlo_loaded()
{
	[ -d /sys/module/vlo ]
}

# Which vlo.ko to use: $VLO_KO, else the installed module, else ../vlo.ko.
vlo_ko()
{
	if [ -n "${VLO_KO:-}" ]; then
		echo "$VLO_KO"
	elif modinfo -n vlo >/dev/null 2>&1; then
		echo vlo
	elif [ -f "$TESTDIR/../vlo.ko" ]; then
		echo "$TESTDIR/../vlo.ko"
	else
		echo vlo
	fi
}

# vlo_load [PARAM=VALUE...]: load the module (insmod or modprobe).
# shellcheck disable=SC2120 # callers pass parameters or none
vlo_load()
{
	local ko

	ko=$(vlo_ko)
	if [ "$ko" = vlo ]; then
		modprobe vlo "$@"
	else
		insmod "$ko" "$@"
	fi
}

vlo_unload()
{
	vlo_loaded || return 0
	rmmod vlo
}

vlo_ensure_loaded()
{
	vlo_loaded && return 0
	# shellcheck disable=SC2119 # default parameters on purpose
	vlo_load || skip "cannot load vlo ($(vlo_ko)); set VLO_KO or install it"
}

# modinfo of the module that vlo_load would load.
vlo_modinfo()
{
	modinfo "$(vlo_ko)" "$@"
}

# --------------------------------------------------------------- kernel log

# kmsg_mark: put a unique marker line in the kernel log; kmsg_since prints
# what the kernel logged after it.
kmsg_mark()
{
	VLO_KMSG_MARK="vlo-selftest-mark-$$-$RANDOM$RANDOM"
	echo "$VLO_KMSG_MARK" > /dev/kmsg
}

kmsg_since()
{
	dmesg | sed -n "/$VLO_KMSG_MARK/,\$p" | tail -n +2
}

# --------------------------------------------------------------- namespaces

# in_ns CMD...: run CMD in the current namespace $NS (or here if none).
# ip and tc switch namespace themselves (-n): one exec less than
# `ip netns exec`, which counts on a slow guest.
in_ns()
{
	if [ -z "$NS" ]; then
		"$@"
		return
	fi
	case "$1" in
	ip | tc)
		"$1" -n "$NS" "${@:2}"
		;;
	*)
		ip netns exec "$NS" "$@"
		;;
	esac
}

# ns_create VAR [ipv6]: create a network namespace, store its name in VAR,
# bring its lo up and delete it at exit. IPv6 is disabled in it unless
# "ipv6" is given: autoconf would put RS/MLD frames on every device that
# comes up and spoil exact counter deltas.
ns_create()
{
	local var=$1 name

	name="vlo-${TEST_NAME#vlo_}-$$-${#VLO_NETNS[@]}"
	ip netns add "$name" || die "ip netns add $name"
	VLO_NETNS+=("$name")
	ip -n "$name" link set lo up
	if [ "${2:-}" != ipv6 ]; then
		ip netns exec "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
	fi
	printf -v "$var" '%s' "$name"
}

# dev_exists DEV: whether DEV exists in $NS. Not `ip link show dev DEV`:
# for a missing name, ip falls back to SIOCGIFINDEX, whose dev_load() runs
# modprobe netdev-DEV in the kernel, seconds on a slow guest.
dev_exists()
{
	local l

	while IFS= read -r l; do
		[[ $l =~ ^[0-9]+:\ ([^:@]+)[:@] ]] && [ "${BASH_REMATCH[1]}" = "$1" ] &&
			return 0
	done <<<"$(in_ns ip -o link show)"
	return 1
}

# vlo_list: the vlo devices in $NS, comma-separated, in ifindex order. From
# the detailed JSON dump (`ip link show type vlo` would list every device
# once the module is gone: the kernel ignores a kind it does not know).
vlo_list()
{
	local j obj found=() re_name='"ifname":"([^"]+)"'

	j=$(in_ns ip -d -j link show)
	while IFS= read -r obj; do
		[[ $obj =~ $re_name ]] || continue
		[[ $obj == *'"info_kind":"vlo"'* ]] && found+=("${BASH_REMATCH[1]}")
	done <<<"${j//'{"ifindex":'/$'\n'}"
	local IFS=,
	echo "${found[*]}"
}

# vlo_add DEV [ARGS...]: create a vlo device in $NS and bring it up.
vlo_add()
{
	local dev=$1

	shift
	in_ns ip link add "$dev" "$@" type vlo || die "ip link add $dev type vlo $*"
	in_ns ip link set "$dev" up || die "ip link set $dev up"
}

# --------------------------------------------------------------- counters

# stat_of DEV NAME: /sys/class/net/DEV/statistics/NAME in $NS.
stat_of()
{
	in_ns cat "/sys/class/net/$1/statistics/$2"
}

# ethtool_stat DEV NAME: one value of `ethtool -S DEV` in $NS.
ethtool_stat()
{
	in_ns ethtool -S "$1" | awk -v n="$2" '$1 == n ":" { print $2 }'
}

# counters DEV: every counter of DEV, from sysfs (sys_*), `ip -s -j link`
# (ip_rx_*, ip_tx_*) and `ethtool -S` (eth_*), as one line of KEY=VALUE.
# One process in the namespace and bash builtins for the parsing: process
# creation is what costs on a TCG guest.
# shellcheck disable=SC2016 # the script is expanded by the inner bash
COUNTERS_SH='
d=$1
out=
for s in tx_packets rx_packets tx_bytes rx_bytes tx_dropped rx_dropped; do
	read -r v < "/sys/class/net/$d/statistics/$s"
	out+=" sys_$s=$v"
done
j=$(ip -s -j link show dev "$d")
for dir in rx tx; do
	re="\"$dir\":\\{([^}]*)\\}"
	[[ $j =~ $re ]] || continue
	IFS=, read -ra parts <<<"${BASH_REMATCH[1]}"
	for p in "${parts[@]}"; do
		k=${p%%:*}
		out+=" ip_${dir}_${k//\"/}=${p#*:}"
	done
done
while read -r k v; do
	[[ $k == *: ]] && out+=" eth_${k%:}=$v"
done < <(ethtool -S "$d")
echo "$out"
'
counters()
{
	in_ns bash -c "$COUNTERS_SH" counters "$1"
}

# kv KEY TEXT: the value of KEY in a line of KEY=VALUE pairs (MISSING if
# absent). Builtins only.
kv()
{
	local re=" $1=([^ ]*)"

	if [[ " $2" =~ $re ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo MISSING
	fi
}

# delta KEY BEFORE AFTER: AFTER's KEY minus BEFORE's.
delta()
{
	local re=" $1=(-?[0-9]+)( |$)" a b

	[[ " $2" =~ $re ]] || { echo "MISSING($1)"; return; }
	b=${BASH_REMATCH[1]}
	[[ " $3" =~ $re ]] || { echo "MISSING($1)"; return; }
	a=${BASH_REMATCH[1]}
	echo $((a - b))
}

# check_deltas BEFORE AFTER KEY=EXPECTED...: check counter deltas.
check_deltas()
{
	local before=$1 after=$2 kvp key re a b

	shift 2
	for kvp in "$@"; do
		key=${kvp%%=*}
		re=" $key=(-?[0-9]+)( |$)"
		if [[ " $before" =~ $re ]]; then
			b=${BASH_REMATCH[1]}
			if [[ " $after" =~ $re ]]; then
				a=${BASH_REMATCH[1]}
				check_eq "delta $key" "${kvp#*=}" $((a - b))
				continue
			fi
		fi
		check_eq "delta $key" "${kvp#*=}" "MISSING"
	done
}

# jget KEY JSON: the first "KEY": value in JSON text, for scalars and flat
# arrays (as a,b,c); MISSING if absent. Builtins only (jq costs an exec).
jget()
{
	local re="\"$1\":(\"[^\"]*\"|-?[0-9]+|\\[[^]]*\\]|true|false|null)" v

	if [[ $2 =~ $re ]]; then
		v=${BASH_REMATCH[1]//\"/}
		v=${v#[}
		echo "${v%]}"
	else
		echo MISSING
	fi
}

# --------------------------------------------------------------- checks

check_eq()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if [ "$2" == "$3" ]; then
		log "ok: $1: $3"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

check_ne()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if [ "$2" != "$3" ]; then
		log "ok: $1: '$3' (not '$2')"
	else
		fail "$1: expected anything but '$2'"
	fi
}

# check_ge DESC MIN GOT (integers)
check_ge()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if [[ "$3" =~ ^-?[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		log "ok: $1: $3 >= $2"
	else
		fail "$1: expected >= $2, got '$3'"
	fi
}

# check_le DESC MAX GOT (integers)
check_le()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if [[ "$3" =~ ^-?[0-9]+$ ]] && [ "$3" -le "$2" ]; then
		log "ok: $1: $3 <= $2"
	else
		fail "$1: expected <= $2, got '$3'"
	fi
}

# any_line_matches EXTENDED-REGEX TEXT: like grep -Eq, with builtins.
any_line_matches()
{
	local l

	while IFS= read -r l; do
		[[ $l =~ $1 ]] && return 0
	done <<<"$2"
	return 1
}

# check_match DESC EXTENDED-REGEX TEXT: some line of TEXT matches.
check_match()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if any_line_matches "$2" "$3"; then
		log "ok: $1: matches /$2/"
	else
		fail "$1: expected /$2/ in:"
		quote_lines "$3"
	fi
}

check_nomatch()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if ! any_line_matches "$2" "$3"; then
		log "ok: $1: no /$2/"
	else
		fail "$1: unexpected /$2/ in:"
		quote_lines "$3"
	fi
}

# check_ok DESC CMD...: CMD must succeed.
check_ok()
{
	local desc=$1 out

	shift
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if out=$("$@" 2>&1); then
		log "ok: $desc"
	else
		fail "$desc: '$*' failed: $out"
	fi
}

# check_err DESC EXPECTED-TEXT CMD...: CMD must fail and print EXPECTED-TEXT
# (fixed string) on stdout or stderr.
check_err()
{
	local desc=$1 want=$2 out rc=0

	shift 2
	VLO_CHECKS=$((VLO_CHECKS + 1))
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$desc: '$*' succeeded, expected failure with '$want'"
	elif [[ $out != *"$want"* ]]; then
		fail "$desc: '$*' failed (rc=$rc) but printed '$out', expected '$want'"
	else
		log "ok: $desc: rc=$rc, '$want'"
	fi
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for()
{
	local end=$((SECONDS + $1))

	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# --------------------------------------------------------------- traffic

# pkt CMD ARGS...: run vlo_pkt in $NS (it enters it itself: -N); prints
# its KEY=VALUE line and logs it.
pkt()
{
	local out ns=()

	[ -n "$NS" ] && ns=(-N "$NS")
	out=$("$VLO_PKT" "$@" "${ns[@]}") || die "vlo_pkt $* failed: $out"
	echo "# vlo_pkt $*: $out" >&2
	echo "$out"
}

# capture_begin DEV FILE [TCPDUMP-ARGS...]: start tcpdump on DEV in $NS
# writing FILE, until capture_stop FILE; capture_ready FILE waits until it
# listens. Several captures can run at once. --immediate-mode: without it
# frames still in the TPACKET_V3 block at SIGINT are lost. tcpdump is
# started directly (through in_ns, a function, & would fork a subshell and
# $! would be that shell, not tcpdump).
declare -A VLO_CAPTURE=()
capture_begin()
{
	local dev=$1 file=$2 ns=()

	shift 2
	[ -n "$NS" ] && ns=(ip netns exec "$NS")
	# -Z root: Debian's tcpdump drops to user tcpdump before opening FILE.
	# -s 256: immediate mode uses TPACKET_V2, whose ring slots are snaplen
	# sized; with the default 262144 the 2 MB ring holds 8 frames and a
	# slow guest loses frames ("dropped by kernel").
	"${ns[@]}" tcpdump --immediate-mode -s 256 -Z root -U -n -i "$dev" \
		-w "$file" "$@" 2>"$file.err" &
	VLO_CAPTURE[$file]=$!
	bg_track $!
}

capture_ready()
{
	local file=$1 i

	for i in $(seq 300); do
		[[ -f $file.err && $(<"$file.err") == *"listening on"* ]] && return 0
		kill -0 "${VLO_CAPTURE[$file]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$file.err" >&2
	die "tcpdump for $file did not start"
}

# capture_start DEV FILE [TCPDUMP-ARGS...]: capture_begin + capture_ready.
capture_start()
{
	capture_begin "$@"
	capture_ready "$2"
}

# capture_stop FILE: stop that capture (SIGINT makes tcpdump flush FILE)
# and print its statistics as diagnostics.
capture_stop()
{
	local pid=${VLO_CAPTURE[$1]} i

	# tcpdump may be gone already (its device was deleted).
	kill -INT "$pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "tcpdump ignored SIGINT for 10 s, killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	while IFS= read -r i; do
		echo "# tcpdump ${1##*/}: $i"
	done <"$1.err"
}

# pcap_count FILE [FILTER...]: packets in FILE matching FILTER. One line
# per packet starts with its timestamp; tcpdump adds indented hex dump
# lines for ethertypes it does not know.
pcap_count()
{
	local file=$1 n=0 l

	shift
	while IFS= read -r l; do
		[[ $l == [0-9]* ]] && n=$((n + 1))
	done < <(tcpdump -n -r "$file" "$@" 2>/dev/null)
	echo "$n"
}

# --------------------------------------------------------------- kernel features

# require_kmod MODULE...: skip the test, saying which, when this kernel
# lacks a module it needs (modprobe fails: neither built in nor loadable).
# Only that may skip: once the modules are there, a tc or ip command that
# fails is a failure of the test (use `|| die`).
require_kmod()
{
	local m

	for m in "$@"; do
		modprobe -q "$m" 2>/dev/null ||
			skip "this kernel lacks $m (modprobe $m failed)"
	done
}

# have_kmod MODULE: whether modprobe MODULE works (for a skip_check).
have_kmod()
{
	modprobe -q "$1" 2>/dev/null
}

# softnet_dropped: the sum over CPUs of the "dropped" column of
# /proc/net/softnet_stat (frames the per-CPU backlogs refused), a count
# kept by the core, not by the driver.
softnet_dropped()
{
	local l sum=0

	while read -r l; do
		# shellcheck disable=SC2086 # split the line into its columns
		set -- $l
		sum=$((sum + 16#$2))
	done </proc/net/softnet_stat
	echo "$sum"
}

# shared_copy VAR FILE...: copy FILE... into a folder every user can read
# (mode 0755; files 0755 if executable, else 0644), removed at exit; its
# path goes to VAR. For tests that drop privileges: the checkout may live
# where the unprivileged user cannot enter (a 0700 home directory).
shared_copy()
{
	local var=$1 d f

	shift
	d=$(mktemp -d "${TMPDIR:-/tmp}/vlo-shared.XXXXXX")
	defer rm -rf "$d"
	for f in "$@"; do
		cp "$f" "$d/"
		if [ -x "$f" ]; then
			chmod 0755 "$d/${f##*/}"
		else
			chmod 0644 "$d/${f##*/}"
		fi
	done
	chmod 0755 "$d"
	printf -v "$var" '%s' "$d"
}
