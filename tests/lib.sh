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

skip()
{
	echo "# SKIP: $*"
	exit "$ksft_skip"
}

# Abort the test right away (setup went wrong: nothing else can be checked).
die()
{
	echo "# FAIL: $*"
	exit "$ksft_fail"
}

vlo_exit()
{
	if [ "$VLO_FAILED" -ne 0 ]; then
		log "$TEST_NAME: FAILED ($VLO_CHECKS checks)"
		exit "$ksft_fail"
	fi
	log "$TEST_NAME: all $VLO_CHECKS checks passed"
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
	local i pid ns

	set +e
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
}
trap vlo_cleanup EXIT
# With set -e a failing command ends the test: say which one.
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
in_ns()
{
	if [ -n "$NS" ]; then
		ip netns exec "$NS" "$@"
	else
		"$@"
	fi
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
# (ip_*) and `ethtool -S` (eth_*), as KEY=VALUE lines.
counters()
{
	local dev=$1 s

	for s in tx_packets rx_packets tx_bytes rx_bytes tx_dropped rx_dropped; do
		echo "sys_$s=$(stat_of "$dev" "$s")"
	done
	in_ns ip -s -j link show dev "$dev" | jq -r '.[0].stats64 |
		(.tx | to_entries[] | "ip_tx_\(.key)=\(.value)"),
		(.rx | to_entries[] | "ip_rx_\(.key)=\(.value)")'
	in_ns ethtool -S "$dev" | awk 'NR > 1 { sub(":", "", $1); print "eth_" $1 "=" $2 }'
}

# kv KEY TEXT: the value of KEY=VALUE in TEXT (lines or one line of pairs).
kv()
{
	local v

	v=$(tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | tail -n 1)
	echo "${v:-MISSING}"
}

# delta KEY BEFORE AFTER: AFTER's KEY minus BEFORE's.
delta()
{
	local a b

	b=$(kv "$1" "$2")
	a=$(kv "$1" "$3")
	if [ "$a" = MISSING ] || [ "$b" = MISSING ]; then
		echo "MISSING($1)"
		return
	fi
	echo $((a - b))
}

# check_deltas BEFORE AFTER KEY=EXPECTED...: check counter deltas.
check_deltas()
{
	local before=$1 after=$2 kvp

	shift 2
	for kvp in "$@"; do
		check_eq "delta ${kvp%%=*}" "${kvp#*=}" \
			"$(delta "${kvp%%=*}" "$before" "$after")"
	done
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

# check_match DESC EXTENDED-REGEX TEXT
check_match()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if grep -Eq -- "$2" <<<"$3"; then
		log "ok: $1: matches /$2/"
	else
		fail "$1: expected /$2/ in:"
		quote_lines "$3"
	fi
}

check_nomatch()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if ! grep -Eq -- "$2" <<<"$3"; then
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
	elif ! grep -qF -- "$want" <<<"$out"; then
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

# pkt CMD ARGS...: run vlo_pkt in $NS; prints its KEY=VALUE line and logs it.
pkt()
{
	local out

	out=$(in_ns "$VLO_PKT" "$@") || die "vlo_pkt $* failed: $out"
	echo "# vlo_pkt $*: $out" >&2
	echo "$out"
}

# capture_start DEV FILE [TCPDUMP-ARGS...]: tcpdump on DEV in $NS into FILE
# until capture_stop. --immediate-mode: without it frames still in the
# TPACKET_V3 block at SIGINT are lost and counts come out short.
capture_start()
{
	local dev=$1 file=$2 i

	shift 2
	# -Z root: Debian's tcpdump drops to user tcpdump before opening FILE.
	in_ns tcpdump --immediate-mode -Z root -U -n -i "$dev" -w "$file" "$@" \
		2>"$file.err" &
	VLO_CAPTURE_PID=$!
	bg_track "$VLO_CAPTURE_PID"
	for i in $(seq 300); do
		grep -q "listening on" "$file.err" 2>/dev/null && return 0
		kill -0 "$VLO_CAPTURE_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$file.err" >&2
	die "tcpdump did not start on $dev"
}

capture_stop()
{
	kill -INT "$VLO_CAPTURE_PID" 2>/dev/null
	wait "$VLO_CAPTURE_PID" 2>/dev/null || true
	sed 's/^/# tcpdump: /' "$1.err"
}

# pcap_count FILE [FILTER...]: packets in FILE matching FILTER.
pcap_count()
{
	local file=$1

	shift
	tcpdump -n -r "$file" "$@" 2>/dev/null | wc -l
}
