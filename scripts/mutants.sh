#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Does the suite catch a broken driver? Build deliberately broken copies of
# vlo ("mutants"), run the selftests in the VM against each, and report
# which mutants the suite caught and which it missed.
#
#   scripts/mutants.sh [--only "xmit-drops mtu-unchecked"] [--tests "vlo_link" | --full]
#                      [--debug] [--list]
#
#   --only   these mutants (default: all but the debug-only ones)
#   --tests  run these tests of the suite for every mutant (default: the
#            tests listed for each mutant)
#   --full   run the whole suite for every mutant (about 15 min each)
#   --debug  boot the debug kernel (scripts/debug-kernel.sh) instead of
#            Debian's 6.1: KASAN, lockdep and kmemleak then judge too, and
#            the debug-only mutants (leaks) are in the default set
#   --list   print the mutants and what each breaks
#
# How a run decides:
#   1. Every test name (the table's or --tests) must be one the suite has
#      (tests/run_tests.sh --list); an unknown name stops the run.
#   2. Baseline: the unmodified driver, built the same way, runs the union
#      of the tests the selected mutants will run. Every one of them must
#      report "ok" (a skip is noted: it cannot catch anything); otherwise
#      the run stops, as a verdict on the mutants would mean nothing.
#   3. A mutant is caught only when one of the tests it ran reports
#      "not ok" in KTAP. A mutant marked "--by kernel" (a leak, a
#      reference never dropped) is also caught when the guest kernel
#      reported a problem (vm-run / check-debug exit 121), as the baseline
#      run was clean. A guest that did not boot or died, a VM timeout or
#      results that do not name the tests run are errors of the run,
#      never "caught".
#
# Each mutant is one substitution in one source file, applied to a copy of
# the module's sources in ${VLO_CACHE:-/var/cache/vlo}/mutants/<name>/; the
# tree itself is never touched. A substitution that no longer matches the
# source is an error, not a silent pass. Logs: <name>/test.log (the
# baseline's: baseline/test.log).
# Exit status: 0 when every mutant was caught, 1 when one was missed,
# 2 on a usage, build, baseline or run error.
set -euo pipefail

# One block: bash reads it all before running, so edits during a run are safe.
{
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${VLO_CACHE:-/var/cache/vlo}
WORK=$CACHE/mutants

msg() { echo "mutants: $*" >&2; }
die() { msg "$*"; exit 2; }

# ------------------------------------------------------------ the table
#
# mutant NAME --file FILE --find PERL-REGEX --replace TEXT --tests "TESTS"
#        --breaks "WHAT" [--by kernel] [--debug-only]
#
#   --find     matched once in FILE (perl, /s); must match, or the run stops
#   --replace  the text put in its place (taken literally, one line of C)
#   --tests    the tests meant to catch it ("all": the whole suite)
#   --by kernel  also caught by a kernel report (leaks, stuck references)
#   --debug-only only a debug kernel can see it (run with --debug)
NAMES=()
declare -A M_FILE=() M_FIND=() M_REPLACE=() M_TESTS=() M_BREAKS=() M_BY=() M_DEBUG=()
mutant()
{
	local name=$1

	shift
	[[ -z ${M_FILE[$name]:-} ]] || die "mutant $name is defined twice"
	M_BY[$name]=tests
	M_DEBUG[$name]=0
	while (($#)); do
		case $1 in
		--file) M_FILE[$name]=$2; shift 2 ;;
		--find) M_FIND[$name]=$2; shift 2 ;;
		--replace) M_REPLACE[$name]=$2; shift 2 ;;
		--tests) M_TESTS[$name]=$2; shift 2 ;;
		--breaks) M_BREAKS[$name]=$2; shift 2 ;;
		--by) M_BY[$name]=$2; shift 2 ;;
		--debug-only) M_DEBUG[$name]=1; shift ;;
		*) die "mutant $name: unknown field $1" ;;
		esac
	done
	[[ -n ${M_FILE[$name]:-} && -n ${M_FIND[$name]:-} && -n ${M_TESTS[$name]:-} &&
		-n ${M_BREAKS[$name]:-} && -v M_REPLACE[$name] ]] ||
		die "mutant $name: --file, --find, --replace, --tests and --breaks are required"
	[[ ${M_BY[$name]} == tests || ${M_BY[$name]} == kernel ]] ||
		die "mutant $name: --by takes 'kernel'"
	NAMES+=("$name")
}

mutant xmit-drops --file src/vlo_netdev.c \
	--find 'vlo_netif_rx\(skb\) == NET_RX_SUCCESS' \
	--replace '(kfree_skb(skb), NET_RX_SUCCESS) == NET_RX_SUCCESS' \
	--tests 'vlo_reflect vlo_capture' \
	--breaks 'xmit frees every frame instead of looping it, and counts it as looped'
mutant no-rx-count --file src/vlo_netdev.c \
	--find 'vlo_count_looped\(priv, len\);' --replace '(void)len;' \
	--tests 'vlo_reflect vlo_backlog vlo_ethtool' \
	--breaks 'looped frames are not counted'
mutant no-drop-count --file src/vlo_netdev.c \
	--find 'vlo_count_backlog_drop\(priv, len\);' --replace '(void)len;' \
	--tests 'vlo_backlog vlo_stress_backlog' \
	--breaks 'frames the backlog refuses are not counted'
mutant mtu-unchecked --file src/vlo_main.c \
	--find 'if \(mtu < VLO_MIN_MTU \|\| mtu > VLO_MAX_MTU\)' \
	--replace 'if (mtu > 1u << 31)' \
	--tests 'vlo_link vlo_netlink_test' \
	--breaks "a new device's MTU is not checked by vlo (no extack message)"
mutant mac-unchecked --file src/vlo_main.c \
	--find 'if \(is_multicast_ether_addr\(nla_data\(tb\[IFLA_ADDRESS\]\)\)\)' \
	--replace 'if (0)' \
	--tests 'vlo_link vlo_netlink_test' \
	--breaks 'multicast MACs accepted at creation'
mutant keep-dst --file src/vlo_netdev.c \
	--find 'skb_dst_drop\(skb\);' --replace ';' \
	--tests vlo_dst \
	--breaks 'an output route kept for a classifier reaches the receive side (issue 13.1)'
mutant stale-pkttype --file src/vlo_netdev.c \
	--find 'skb->pkt_type = PACKET_HOST;' --replace ';' \
	--tests vlo_redirect \
	--breaks "redirected frames keep their first device's packet type (issue 13.2)"
mutant no-csum-fixup --file src/vlo_netdev.c \
	--find 'skb_postpull_rcsum\(skb, eth_hdr\(skb\), ETH_HLEN\);' --replace ';' \
	--tests vlo_redirect \
	--breaks 'CHECKSUM_COMPLETE keeps the pulled Ethernet header: computed again in software (issue 13.3)'
mutant mcast-twice --file src/vlo_netdev.c \
	--find 'vlo_stack_loops_it\(skb\)\)' --replace '0)' \
	--tests vlo_mcast \
	--breaks 'multicast and broadcast the IP stack loops itself are looped again: twice (issue 13.5)'
mutant mcast-lost --file src/vlo_mcast.c \
	--find 'if \(skb->skb_iif\)' --replace 'if (!skb->skb_iif) return true; if (skb->skb_iif)' \
	--tests vlo_mcast \
	--breaks 'multicast the stack does not loop (IP_MULTICAST_LOOP off) is not looped by vlo either (issue 13.5)'
mutant bridge-port --file src/vlo_netdev.c \
	--find 'IFF_DISABLE_NETPOLL \| IFF_DONT_BRIDGE;' --replace 'IFF_DISABLE_NETPOLL;' \
	--tests vlo_ports \
	--breaks 'bridges take vlo as a port: two ports make a broadcast storm (issue 13.6)'
mutant no-dest-zero --file src/vlo_netdev.c \
	--find 'daddr \?: dev->dev_addr' --replace 'daddr' \
	--tests vlo_nodest \
	--breaks 'headers built with no destination get 00:00:00:00:00:00 (issue 13.7)'
mutant zero-mac-refused --file src/vlo_netdev.c \
	--find 'if \(is_multicast_ether_addr\(sa->sa_data\)\)' --replace 'if (!is_valid_ether_addr(sa->sa_data))' \
	--tests vlo_nodest \
	--breaks "lo's address 00:00:00:00:00:00 refused: programs written for lo fail (issue 13.7)"
mutant idle-chatter --file src/vlo_inet.c \
	--find 'WRITE_ONCE\(idev->cnf.addr_gen_mode, IN6_ADDR_GEN_MODE_NONE\);' --replace ';' \
	--tests vlo_idle \
	--breaks 'a link-local address, RS and MLD on an idle device (issue 13.8)'
mutant carrier-ignored --file src/vlo_netdev.c \
	--find 'unlikely\(!netif_carrier_ok\(dev\)\)' --replace 'unlikely(0)' \
	--tests vlo_carrier \
	--breaks 'frames reaching vlo without carrier are looped'
mutant no-tstamp --file src/vlo_netdev.c \
	--find 'skb_tx_timestamp\(skb\);' --replace ';' \
	--tests 'vlo_timestamp vlo_ethtool' \
	--breaks 'no software TX timestamps'
mutant hold-on-open --file src/vlo_netdev.c \
	--find 'return vlo_rings_start\(dev\);' \
	--replace 'dev_hold(dev); return vlo_rings_start(dev);' \
	--tests vlo_reflect --by kernel \
	--breaks 'ndo_open takes a device reference that is never dropped: a deleted device is never freed'
mutant leak-netdev --file src/vlo_netdev.c \
	--find 'dev->needs_free_netdev = true;' --replace 'dev->needs_free_netdev = false;' \
	--tests vlo_link --by kernel --debug-only \
	--breaks "every deleted device's memory leaks"

mutant xdp-mtu-unchecked --file src/vlo_xdp.c \
	--find 'if \(prog && !frags && dev->mtu > VLO_XDP_MTU_MAX\) \{' \
	--replace 'if (0) {' \
	--tests vlo_xdp \
	--breaks 'a single-buffer program attaches at MTU 65536, where frames do not fit its page (issue 15)'
mutant xdp-self-loop --file src/vlo_xdp.c \
	--find 'if \(rq && rq->dev == dev\) \{' --replace 'if (0) {' \
	--tests vlo_xdp_life \
	--breaks "a redirect from vlo's program to vlo goes back through the program: frames loop for ever (issue 15)"
mutant xdp-csum-partial --file src/vlo_xdp.c \
	--find 'skb->ip_summed == CHECKSUM_PARTIAL &&\s*skb_csum_hwoffload_help\(skb, 0\)' \
	--replace '0' \
	--tests vlo_xdp_redirect \
	--breaks 'programs, AF_XDP and redirect targets get local frames with checksums left to the hardware (issue 15)'
mutant xdp-gso-on --file src/vlo_netdev.c \
	--find 'features &= ~NETIF_F_GSO_SOFTWARE;' --replace ';' \
	--tests vlo_xdp \
	--breaks 'TSO stays on with a program attached: the kernel does not cut GSO frames before vlo (issue 15)'

# ------------------------------------------------------------ options

ONLY=""
TESTS=""
DEBUG=0

usage()
{
	sed -n '4,41p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

list()
{
	local name flags

	for name in "${NAMES[@]}"; do
		flags=""
		[[ ${M_BY[$name]} == tests ]] || flags+=", also by a kernel report"
		((M_DEBUG[$name] == 0)) || flags+=", debug kernel only"
		printf '%-20s %-18s %s [%s%s]\n' "$name" "${M_FILE[$name]}" \
			"${M_BREAKS[$name]}" "${M_TESTS[$name]}" "$flags"
	done
	exit 0
}

while (($#)); do
	case $1 in
	--only) ONLY=${2:?--only needs names}; shift 2 ;;
	--tests) TESTS=${2:?--tests needs names}; shift 2 ;;
	--full) TESTS=all; shift ;;
	--debug) DEBUG=1; shift ;;
	--list) list ;;
	-h | --help) usage 0 ;;
	*) msg "unknown option $1"; usage 2 >&2 ;;
	esac
done

# ------------------------------------------------------------ the kernel

cd "$REPO"
if ((DEBUG)); then
	# check-debug.sh builds each copy against the debug tree itself.
	scripts/debug-kernel.sh --print-env >/dev/null ||
		die "no debug kernel built yet: run scripts/debug-kernel.sh"
	KDIR=""
else
	KDIR=$(scripts/deps.sh --kdir)
	REL=${KDIR#/lib/modules/}
	REL=${REL%/build}
fi
make -s -C tests >/dev/null || die "the selftests do not build (make -C tests)"

# ------------------------------------------------------------ selection

for name in $ONLY; do
	[[ -n ${M_FILE[$name]:-} ]] || die "no mutant $name (see --list)"
done

selected()
{
	local name=$1

	if [[ -n $ONLY ]]; then
		[[ " $ONLY " == *" $name "* ]]
	elif ((M_DEBUG[$name])); then
		((DEBUG))
	fi
}

# tests_of SEL: the test files SEL names ("all": the suite), one per line,
# as run_tests.sh names them in KTAP. An unknown name is an error.
tests_of()
{
	local -a sel=()

	[[ $1 == all ]] || read -ra sel <<<"$1"
	tests/run_tests.sh --list "${sel[@]}" || die "unknown test name in '$1'"
}

RUN=()
declare -A RUN_TESTS=()
declare -A UNION=()
for name in "${NAMES[@]}"; do
	selected "$name" || continue
	RUN+=("$name")
	list=$(tests_of "${TESTS:-${M_TESTS[$name]}}") || exit 2
	[[ -n $list ]] || die "$name: no tests to run"
	RUN_TESTS[$name]=$list
	while IFS= read -r t; do
		UNION[$t]=1
	done <<<"$list"
done
((${#RUN[@]})) || die "no mutant selected"

# ------------------------------------------------------------ one run

# build NAME [FILE FIND REPLACE]: copy the module's sources to $WORK/NAME,
# apply the substitution (none for the baseline), build as make check does.
build()
{
	local name=$1 file=${2:-} re=${3:-} rep=${4:-} dir=$WORK/$1

	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a Kbuild Makefile src include "$dir/"
	find "$dir" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' \
		-o -name '*.mod*' \) -delete
	if [[ -n $file ]]; then
		RE=$re REP=$rep perl -0pi -e \
			'$n = s/$ENV{RE}/$ENV{REP}/s; END { exit($n ? 0 : 3) }' \
			"$dir/$file" || die "$name: the pattern no longer matches $file: update the mutant"
		diff -u "$file" "$dir/$file" >"$dir/mutant.diff" || true
	fi
	[[ -n $KDIR ]] || return 0
	make -s -C "$dir" KDIR="$KDIR" >"$dir/build.log" 2>&1 ||
		die "$name: does not build (see $dir/build.log)"
}

# run NAME TESTS...: the tests on the copy in $WORK/NAME; the exit status of
# vm-run (check-debug.sh with --debug); output in $WORK/NAME/test.log.
run()
{
	local name=$1 dir=$WORK/$1 rc=0

	shift
	if ((DEBUG)); then
		VLO_DEBUG_SRC=$dir VLO_DEBUG_RESULTS=$dir/results \
			scripts/check-debug.sh -- tests/run_tests.sh "$@" \
			>"$dir/test.log" 2>&1 || rc=$?
	else
		VLO_KO=$dir/vlo.ko scripts/vm-run --kernel "/boot/vmlinuz-$REL" \
			--timeout 2400 --out "$dir" -- tests/run_tests.sh "$@" \
			>"$dir/test.log" 2>&1 || rc=$?
	fi
	return "$rc"
}

# results NAME: "TEST VERDICT" for every top-level KTAP result of the run,
# VERDICT one of ok, skip, fail.
results()
{
	sed -n -E 's/^(not ok|ok) [0-9]+ selftests: vlo: ([^ ]+)( # SKIP)?.*/\2 \1\3/p' \
		"$WORK/$1/test.log" |
		sed -e 's/ ok # SKIP$/ skip/' -e 's/ not ok$/ fail/'
}

# ------------------------------------------------------------ baseline

T0=$SECONDS
mapfile -t base_tests < <(printf '%s\n' "${!UNION[@]}" | sort)
msg "baseline: the unmodified driver on ${base_tests[*]}"
build baseline
rc=0
run baseline "${base_tests[@]}" || rc=$?
declare -A BASE=()
while read -r t v; do
	BASE[$t]=$v
done < <(results baseline)
bad=()
for t in "${base_tests[@]}"; do
	case ${BASE[$t]:-none} in
	ok) ;;
	skip) msg "baseline: $t skips here: it cannot catch a mutant" ;;
	fail) bad+=("$t: not ok") ;;
	none) bad+=("$t: no result") ;;
	esac
done
[[ $rc -eq 0 ]] || bad+=("the run exited $rc")
if ((${#bad[@]})); then
	msg "baseline FAILED (the unmodified driver; log: $WORK/baseline/test.log):"
	printf '  %s\n' "${bad[@]}" >&2
	msg "no mutant run: a verdict on them would mean nothing"
	exit 2
fi
msg "baseline: ${#base_tests[@]} tests passed ($((SECONDS - T0)) s)"

# ------------------------------------------------------------ the mutants

declare -a ROWS=()
missed=0
errors=0
for name in "${RUN[@]}"; do
	t0=$SECONDS
	msg "$name: ${M_BREAKS[$name]}"
	build "$name" "${M_FILE[$name]}" "${M_FIND[$name]}" "${M_REPLACE[$name]}"
	mapfile -t tests <<<"${RUN_TESTS[$name]}"
	rc=0
	run "$name" "${tests[@]}" || rc=$?
	declare -A got=()
	while read -r t v; do
		got[$t]=$v
	done < <(results "$name")
	caught=() unknown=() silent=()
	for t in "${!got[@]}"; do
		if [[ " ${tests[*]} " != *" $t "* ]]; then
			unknown+=("$t")
		elif [[ ${got[$t]} == fail ]]; then
			caught+=("$t")
		fi
	done
	for t in "${tests[@]}"; do
		[[ -n ${got[$t]:-} ]] || silent+=("$t")
	done
	unset got
	if ((${#unknown[@]})); then
		verdict="ERROR: results for tests not run: ${unknown[*]}"
		errors=$((errors + 1))
	elif ((${#caught[@]})); then
		verdict="caught: not ok ${caught[*]}"
	elif [[ $rc -eq 121 && ${M_BY[$name]} == kernel ]]; then
		verdict="caught: the guest kernel reported a problem"
	elif ((${#silent[@]})) && [[ $rc -eq 0 || $rc -eq 1 ]]; then
		verdict="ERROR: no result from ${silent[*]}"
		errors=$((errors + 1))
	elif [[ $rc -eq 0 || $rc -eq 1 || $rc -eq 121 ]]; then
		# 1 without a "not ok" of the tests run cannot happen; 121 is a
		# kernel report for a mutant the tests should catch.
		verdict="MISSED (exit $rc)"
		[[ $rc -ne 121 ]] || verdict+=": only the kernel log reported it"
		missed=$((missed + 1))
	else
		case $rc in
		124) verdict="ERROR: the VM timed out" ;;
		125) verdict="ERROR: the guest did not boot or died" ;;
		2) verdict="ERROR: run_tests.sh refused the test names" ;;
		*) verdict="ERROR: the run exited $rc" ;;
		esac
		errors=$((errors + 1))
	fi
	msg "$name: $verdict ($((SECONDS - t0)) s)"
	ROWS+=("| $name | ${M_BREAKS[$name]} | ${tests[*]} | $verdict | $((SECONDS - t0)) s |")
done

echo
echo "| mutant | breaks | tests run | result | time |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "${#ROWS[@]} mutant(s): $((${#ROWS[@]} - missed - errors)) caught, $missed missed, $errors errors;" \
	"baseline ${#base_tests[@]} tests; $((SECONDS - T0)) s; logs in $WORK/<mutant>/"
((errors == 0)) || exit 2
((missed == 0)) || exit 1
exit 0
}
