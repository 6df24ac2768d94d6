#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the cases of one kernel selftest program inside the network
# namespace that tests/vlo_upstream.sh prepared (one `ip netns exec` for
# all of them: process creation is what a TCG guest pays for).
#
#   run_cases.sh OUTDIR < CASES
#
# CASES: lines "PROG<TAB>RETRY<TAB>ARGS<TAB>SNIPPET". SNIPPET runs in bash
# with the helpers below, $B the build (lo/ or vlo/), $DEV the device,
# $S4 $D4 $S6 $D6 the client and server addresses (all from the
# environment), bounded by $CASE_TIMEOUT seconds. RETRY=1: a failed case
# runs once more (programs that measure time, on a busy TCG host).
#
# Per case, one line on stdout:
#   N<TAB>PROG<TAB>RESULT<TAB>ARGS<TAB>EXIT<TAB>DEV_IN<TAB>LO_IN<TAB>SECONDS<TAB>NOTE
# with the frames the nftables table "netdev vlo_upstream" counted into the
# device under test (counter dev_in) and into lo (lo_in; 0 if absent) while
# the case ran; its output goes to OUTDIR/N.out.

OUT=$1

# shellcheck disable=SC2016 # expanded by the case's shell
PRELUDE='
set -u
# xfail CMD...: the program must fail as the kernel script expects (its
# error() exit, 1; not a crash or a timeout).
xfail() { "$@"; local rc=$?; echo "exit status $rc (expected: 1)"; [ $rc -eq 1 ]; }
# so_txtime.sh do_test: receiver and sender at a common start time. The
# sender connects to -S and sends to -D; so_txtime.sh gives the one
# address of lo for both. Here both are the server address: the connected
# sender then gets the other address of the pair as its source
# (vlo-route), as a client on lo gets 127.0.0.1.
txtime() {
	local ip=$1 clock=$2 tx=$3 rx=$4 s=$D4 d=$D4 start rc pid
	[ "$ip" = 6 ] && s=$D6 d=$D6
	start=$(date +%s%N --date="+ $TXTIME_LEAD seconds")
	"$B/so_txtime" -$ip -c $clock -t $start -S $s -D $d $rx -r & pid=$!
	"$B/so_txtime" -$ip -c $clock -t $start -S $s -D $d $tx; rc=$?
	wait $pid || rc=1
	return $rc
}
# with_fq CMD...: CMD with fq as the root qdisc of $DEV (so_txtime.sh).
with_fq() {
	local rc
	tc qdisc replace dev $DEV root fq || return 1
	"$@"; rc=$?
	tc qdisc del dev $DEV root
	return $rc
}
# no_time_wait CMD...: CMD with no TCP TIME_WAIT in the namespace, so that
# a second run can bind the fixed ports of the first (rxtimestamp).
no_time_wait() {
	local old rc
	old=$(sysctl -n net.ipv4.tcp_max_tw_buckets)
	sysctl -q -w net.ipv4.tcp_max_tw_buckets=0 || return 1
	"$@"; rc=$?
	sysctl -q -w net.ipv4.tcp_max_tw_buckets=$old
	return $rc
}
# msg_zerocopy.sh do_test: receiver, then sender.
zc() {
	local ip=$1 mode=$2 s=$S4 d=$D4 rc pid
	shift 2
	[ "$ip" = 6 ] && s=$S6 d=$D6
	"$B/msg_zerocopy" -$ip -i $DEV -t 2 -C 2 -S $s -D $d "$@" -r $mode & pid=$!
	sleep 0.2
	"$B/msg_zerocopy" -$ip -i $DEV -t 1 -C 3 -S $s -D $d "$@" $mode; rc=$?
	wait $pid || rc=1
	return $rc
}
'

# counters: "DEV_IN LO_IN" since the last call (nft reset prints, then
# zeroes).
counters()
{
	local c re_d='counter dev_in \{[^}]*packets ([0-9]+)'
	local re_l='counter lo_in \{[^}]*packets ([0-9]+)' d=0 l=0

	c=$(timeout 30 nft reset counters table netdev vlo_upstream 2>&1)
	[[ $c =~ $re_d ]] && d=${BASH_REMATCH[1]}
	[[ $c =~ $re_l ]] && l=${BASH_REMATCH[1]}
	echo "$d $l"
}

# one ARGS SNIPPET N NOTE: run a case, print its line.
one()
{
	local args=$1 snippet=$2 n=$3 note=$4 rc=0 t0=$SECONDS d l res=PASS

	timeout -k 5 "$CASE_TIMEOUT" bash -c "$PRELUDE$snippet" </dev/null \
		>"$OUT/$n.out" 2>&1 || rc=$?
	read -r d l < <(counters)
	[ "$rc" -eq 0 ] || res=FAIL
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$prog" "$res" \
		"$args" "$rc" "$d" "$l" \
		$((SECONDS - t0)) "$note"
	[ "$res" = PASS ]
}

counters >/dev/null
n=0
while IFS=$'\t' read -r prog retry args snippet; do
	[ -n "$prog" ] || continue
	n=$((n + 1))
	if ! one "$args" "$snippet" "$n" "" >"$OUT/$n.res" && [ "$retry" = 1 ]; then
		# Keep the first failure's output next to the retry's.
		mv "$OUT/$n.out" "$OUT/$n.first.out"
		IFS=$'\t' read -r _ _ _ _ rc _ <"$OUT/$n.res"
		one "$args" "$snippet" "$n" "failed once (exit $rc)" >"$OUT/$n.res"
	fi
	cat "$OUT/$n.res"
done
exit 0
