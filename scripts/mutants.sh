#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Does the suite catch a broken driver? Build deliberately broken copies of
# vlo ("mutants"), run the selftests in the VM against each, and report
# which mutants the suite caught (some test failed, or the guest kernel
# reported a problem) and which it missed.
#
#   scripts/mutants.sh [--only "xmit-drops mtu-unchecked"] [--tests "vlo_link" | --full]
#                      [--debug] [--list]
#
#   --only   these mutants (default: all but the debug-only ones)
#   --tests  run these tests of the suite for every mutant (default: the
#            tests listed for each mutant, the whole suite for xmit-drops)
#   --full   run the whole suite for every mutant (about 15 min each)
#   --debug  boot the debug kernel (scripts/debug-kernel.sh) instead of
#            Debian's 6.1: KASAN, lockdep and kmemleak then judge too, and
#            the debug-only mutants (leaks) are in the default set
#   --list   print the mutants and what each breaks
#
# Each mutant is one substitution in one source file, applied to a copy of
# the module's sources in ${VLO_CACHE:-/var/cache/vlo}/mutants/<name>/; the
# tree itself is never touched. A substitution that no longer matches the
# source is an error, not a silent pass. Logs: <name>/test.log.
# Exit status: 0 when every mutant run was caught, 1 when one was missed,
# 2 on a usage or build error.
set -euo pipefail

# One block: bash reads it all before running, so edits during a run are safe.
{
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${VLO_CACHE:-/var/cache/vlo}
WORK=$CACHE/mutants

# name | file | perl regex (matched once, /s) | replacement | the tests
# meant to catch it ("all": the whole suite) | what it breaks. Tabs
# separate the fields. "(debug)" at the end: only a debug kernel can see it.
MUTANTS=$(cat <<'EOF'
xmit-drops	src/vlo_netdev.c	vlo_netif_rx\(skb\) == NET_RX_SUCCESS	(kfree_skb(skb), NET_RX_SUCCESS) == NET_RX_SUCCESS	all	xmit frees every frame instead of looping it, and counts it as looped
no-rx-count	src/vlo_netdev.c	vlo_count_looped\(priv, len\);	(void)len;	vlo_reflect vlo_backlog vlo_ethtool	looped frames are not counted
no-drop-count	src/vlo_netdev.c	vlo_count_backlog_drop\(priv, len\);	(void)len;	vlo_backlog vlo_stress_backlog	frames the backlog refuses are not counted
mtu-unchecked	src/vlo_main.c	if \(mtu < VLO_MIN_MTU \|\| mtu > VLO_MAX_MTU\)	if (mtu > 1u << 31)	vlo_link vlo_netlink_test	a new device's MTU is not checked by vlo (no extack message)
mac-unchecked	src/vlo_main.c	if \(!is_valid_ether_addr\(nla_data\(tb\[IFLA_ADDRESS\]\)\)\)	if (0)	vlo_link vlo_netlink_test	multicast and zero MACs accepted at creation
capture-no-restore	src/vlo_capture.c	skb->pkt_type = vlo_frame_type\(skb\);	;	vlo_capture	capture-once leaves frames PACKET_LOOPBACK: the stack drops them
carrier-ignored	src/vlo_netdev.c	unlikely\(!netif_carrier_ok\(dev\)\)	unlikely(0)	vlo_carrier	frames reaching vlo without carrier are looped
no-tstamp	src/vlo_netdev.c	skb_tx_timestamp\(skb\);	;	vlo_timestamp vlo_ethtool	no software TX timestamps
leak-netdev	src/vlo_netdev.c	dev->needs_free_netdev = true;	dev->needs_free_netdev = false;	vlo_link	every deleted device's memory leaks (debug)
EOF
)

ONLY=""
TESTS=""
DEBUG=0

msg() { echo "mutants: $*" >&2; }
die() { msg "$*"; exit 2; }

usage()
{
	sed -n '4,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

list()
{
	local name file _re _rep tests what

	while IFS=$'\t' read -r name file _re _rep tests what; do
		printf '%-20s %-18s %s [%s]\n' "$name" "$file" "$what" "$tests"
	done <<<"$MUTANTS"
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

if ((DEBUG)); then
	# check-debug.sh builds each mutant against the debug tree itself.
	"$REPO/scripts/debug-kernel.sh" --print-env >/dev/null ||
		die "no debug kernel built yet: run scripts/debug-kernel.sh"
	KDIR=""
else
	KDIR=$("$REPO/scripts/deps.sh" --kdir)
	REL=${KDIR#/lib/modules/}
	REL=${REL%/build}
fi
make -s -C "$REPO/tests" >/dev/null

# ------------------------------------------------------------ selection

declare -A KNOWN=()
while IFS=$'\t' read -r name _; do
	KNOWN[$name]=1
done <<<"$MUTANTS"
for name in $ONLY; do
	[[ -n ${KNOWN[$name]:-} ]] || die "no mutant $name (see --list)"
done

selected()
{
	local name=$1 what=$2

	if [[ -n $ONLY ]]; then
		[[ " $ONLY " == *" $name "* ]]
	elif [[ $what == *"(debug)" ]]; then
		((DEBUG))
	fi
}

# ------------------------------------------------------------ one mutant

# Copy the module's sources, apply the substitution, build with W=1.
build_mutant()
{
	local name=$1 file=$2 re=$3 rep=$4 dir=$WORK/$1

	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$REPO/Kbuild" "$REPO/Makefile" "$REPO/src" "$REPO/include" "$dir/"
	find "$dir" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' \
		-o -name '*.mod*' \) -delete
	RE=$re REP=$rep perl -0pi -e \
		'$n = s/$ENV{RE}/$ENV{REP}/s; END { exit($n ? 0 : 3) }' \
		"$dir/$file" || die "$name: the pattern no longer matches $file: update the mutant"
	diff -u "$REPO/$file" "$dir/$file" >"$dir/mutant.diff" || true
	[[ -n $KDIR ]] || return 0
	make -s -C "$dir" KDIR="$KDIR" >"$dir/build.log" 2>&1 ||
		die "$name: the mutant does not build (see $dir/build.log)"
}

# Run the suite (or the tests named, "all" for the suite) on the mutant;
# print "rc pass fail skip".
run_mutant()
{
	local name=$1 sel=${TESTS:-$2} dir=$WORK/$1 rc=0 totals
	local -a tests=()

	[[ $sel == all ]] || read -ra tests <<<"$sel"
	if ((DEBUG)); then
		VLO_DEBUG_SRC=$dir VLO_DEBUG_RESULTS=$dir/results \
			"$REPO/scripts/check-debug.sh" -- tests/run_tests.sh "${tests[@]}" \
			>"$dir/test.log" 2>&1 || rc=$?
	else
		VLO_KO=$dir/vlo.ko "$REPO/scripts/vm-run" --kernel "/boot/vmlinuz-$REL" \
			--timeout 2400 --out "$dir" -- tests/run_tests.sh "${tests[@]}" \
			>"$dir/test.log" 2>&1 || rc=$?
	fi
	totals=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) .* skip:\([0-9]*\) .*/\1 \2 \3/p' \
		"$dir/test.log" | tail -n 1)
	echo "$rc ${totals:-? ? ?}"
}

# ------------------------------------------------------------ all of them

cd "$REPO"
declare -a ROWS=()
missed=0
T0=$SECONDS
while IFS=$'\t' read -r name file re rep tests what; do
	selected "$name" "$what" || continue
	t=$SECONDS
	msg "$name: $what"
	build_mutant "$name" "$file" "$re" "$rep"
	read -r rc pass fail skip < <(run_mutant "$name" "$tests")
	case $rc in
	0) verdict="MISSED"; missed=$((missed + 1)) ;;
	1) verdict="caught: $fail test(s) failed" ;;
	121) verdict="caught: the guest kernel reported a problem" ;;
	124) verdict="caught: the VM timed out" ;;
	125) verdict="caught: the guest kernel died" ;;
	*) verdict="caught: run_tests.sh exited $rc" ;;
	esac
	failed_tests=$(sed -n 's/^not ok [0-9]* selftests: vlo: \([^ ]*\).*/\1/p' \
		"$WORK/$name/test.log" | tr '\n' ' ')
	msg "$name: $verdict (pass $pass, fail $fail, skip $skip; $((SECONDS - t)) s) ${failed_tests}"
	ROWS+=("| $name | $what | ${TESTS:-$tests} | $verdict | ${failed_tests:--} |")
done <<<"$MUTANTS"

echo
echo "| mutant | breaks | tests run | result | failing tests |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "${#ROWS[@]} mutant(s), $missed missed, $((SECONDS - T0)) s; logs in $WORK/<mutant>/"
((missed == 0)) || exit 1
exit 0
}
