#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own networking selftests as the judge: programs from
# tools/testing/selftests/net that exercise a loopback device run against
# lo and against a vlo device, in the same guest, and vlo must pass every
# case that lo passes. The programs' own exit status (their KSFT/error()
# output is quoted on failure) is the verdict: a picture of vlo that this
# project did not write.
#
# tests/upstream/build.sh (make -C tests) extracts them from the
# linux-source tarball into ${VLO_CACHE:-/var/cache/vlo}/upstream-selftests
# and builds each twice: as shipped (lo/) and changed only where the source
# names the loopback device or its addresses (vlo/, see changes.diff there):
# "lo" becomes the vlo device, 127.0.0.1 and ::1 become the addresses of
# tests/upstream/params.sh, routed through the device by scripts/vlo-route.
# The cases and their arguments are those of the kernel's own wrapper
# scripts (psock_snd.sh, txtimestamp.sh, so_txtime.sh, msg_zerocopy.sh,
# ipv6_flowlabel.sh, ...), without their namespace and veth plumbing.
#
# Every case runs in a namespace of its program's: for lo, a fresh
# namespace; for vlo, one with the vlo device (with the all-zero MAC that
# lo has when the driver accepts it), both address pairs routed through it,
# and clients that do not bind sent from the other address of the pair.
# An nftables ingress counter on each device shows where the traffic went:
# on vlo, a case that put frames on lo gets them on the vlo device, and
# lo sees none.
#
# Timing: under a hypervisor (a TCG guest) the tolerances of the timing
# programs are widened, the same for lo and vlo (txtimestamp -t,
# so_txtime's SO_TXTIME_VARIANCE_US and start delay). VLO_UPSTREAM_SLOW=0/1
# overrides the detection. VLO_UPSTREAM_DIR overrides where the programs
# are; VLO_UPSTREAM_ONLY=REGEX runs only the programs whose name matches;
# VLO_UPSTREAM_FULL=1 runs every case of the kernel's scripts, not one of
# each kind (about three times as long).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
# shellcheck source=upstream/params.sh
source "$TESTDIR/upstream/params.sh"
set -euo pipefail

UP_DIR=${VLO_UPSTREAM_DIR:-${VLO_CACHE:-/var/cache/vlo}/upstream-selftests}
VLO_ROUTE=$TESTDIR/../scripts/vlo-route
# Table and preference of the rules that send unbound clients through the
# device (see unbound_via_dev).
UNBOUND_TABLE=7601
UNBOUND_PREF=10

require_root
require_cmd ip nft tc timeout
[ -f "$UP_DIR/stamp" ] || skip "upstream selftests not built in $UP_DIR (run: make -C tests)"
[ -x "$VLO_ROUTE" ] || die "$VLO_ROUTE missing"
vlo_ensure_loaded

SLOW=${VLO_UPSTREAM_SLOW:-}
if [ -z "$SLOW" ]; then
	SLOW=0
	any_line_matches '^flags.* hypervisor( |$)' "$(</proc/cpuinfo)" && SLOW=1
fi
if [ "$SLOW" = 1 ]; then
	TS_TOL=50000		# txtimestamp -t (default 500 us)
	TXTIME_VAR=50000	# so_txtime variance (default 4000 us)
	TXTIME_LEAD=1		# so_txtime start, seconds ahead (.sh: 0.1)
	CASE_TIMEOUT=40
else
	TS_TOL=500
	TXTIME_VAR=4000
	TXTIME_LEAD=0.1
	CASE_TIMEOUT=20
fi
log "build: $(tr '\n' ' ' <"$UP_DIR/stamp")"
log "slow guest: $SLOW (txtimestamp -t $TS_TOL, so_txtime variance $TXTIME_VAR us, start +$TXTIME_LEAD s, $CASE_TIMEOUT s per case)"

# ---------------------------------------------------------------- setup

ZERO_MAC=untried

# unbound_via_dev FAMILY A B: a client that connects to B without binding
# picks B itself as its source and goes over lo. Send it through the device
# from A (a rule matches the unspecified source; the route's preferred
# source picks A), unless vlo-route already does.
unbound_via_dev()
{
	local fam=$1 a=$2 b=$3 out

	out=$(in_ns ip "$fam" route get "$b")
	if [[ $out != *" dev $UP_DEV "* ]]; then
		in_ns ip "$fam" route add "$b" dev "$UP_DEV" src "$a" table "$UNBOUND_TABLE"
		in_ns ip "$fam" rule add pref "$UNBOUND_PREF" iif lo to "$b" lookup "$UNBOUND_TABLE"
		out=$(in_ns ip "$fam" route get "$b")
	fi
	[[ $out == *" dev $UP_DEV "* && $out == *" src $a "* ]] ||
		die "unbound clients to $b do not go via $UP_DEV from $a: $out"
}

# up_ns KIND [ipv6]: the namespace for KIND and IPv6 or not, in NS, made at
# the first call. KIND lo: just lo; vlo: with the vlo device and its
# address pairs. Both get the ingress counters dev_in (the device under
# test) and lo_in (lo, vlo only). The programs share them: deleting a
# namespace per program would leave the kernel cleaning up the old ones
# (under RTNL) while the next is set up, which costs minutes on a busy
# TCG host.
declare -A UP_NS=()
up_ns()
{
	local kind=$1 v6=${2:-} nft

	NS=${UP_NS[$kind$v6]:-}
	[ -z "$NS" ] || return 0
	ns_create NS ${v6:+"$v6"}
	UP_NS[$kind$v6]=$NS
	nft='table netdev vlo_upstream {'
	if [ "$kind" = vlo ]; then
		in_ns ip link add "$UP_DEV" type vlo
		# lo's address is 00:00:00:00:00:00 and programs write it as
		# the destination of their frames: give vlo the same, where
		# the driver takes it.
		if in_ns ip link set "$UP_DEV" address 00:00:00:00:00:00 2>/dev/null; then
			ZERO_MAC=yes
		else
			ZERO_MAC=no
		fi
		in_ns ip link set "$UP_DEV" up ||
			die "$UP_DEV does not come up (address all-zero: $ZERO_MAC)"
		in_ns ip addr add "$UP_A4/24" dev "$UP_DEV"
		in_ns ip addr add "$UP_B4/24" dev "$UP_DEV"
		in_ns "$VLO_ROUTE" add "$UP_DEV" "$UP_A4" "$UP_B4"
		unbound_via_dev -4 "$UP_A4" "$UP_B4"
		if [ -n "$v6" ]; then
			in_ns ip addr add "$UP_A6/64" dev "$UP_DEV" nodad
			in_ns ip addr add "$UP_B6/64" dev "$UP_DEV" nodad
			in_ns "$VLO_ROUTE" add "$UP_DEV" "$UP_A6" "$UP_B6"
			unbound_via_dev -6 "$UP_A6" "$UP_B6"
		fi
		nft+="
	counter dev_in { }
	counter lo_in { }
	chain d { type filter hook ingress device \"$UP_DEV\" priority 0; counter name \"dev_in\"; }
	chain l { type filter hook ingress device \"lo\" priority 0; counter name \"lo_in\"; }"
	else
		nft+='
	counter dev_in { }
	chain d { type filter hook ingress device "lo" priority 0; counter name "dev_in"; }'
	fi
	in_ns nft -f - <<<"$nft
}"
}

# ---------------------------------------------------------------- cases

# Per case (key "PROG|ARGS", with "lo|" or "vlo|" in front): result
# (PASS/FAIL), exit status, frames into the device under test and into lo,
# the file with its output, and whether it needed a second run.
declare -A RES=() RC=() FR_DEV=() FR_LO=() OUTF=() RETRIED=()
CASES=()

# program PROG [ipv6] [retry]: queue the cases of PROG (lines
# "ARGS<TAB>SNIPPET" on stdin; upstream/run_cases.sh explains SNIPPET) for
# the namespace with IPv6 ("ipv6") or the one without. "retry": a case that
# fails runs once more, on either device (programs that measure time, or
# were seen to fail now and then on lo itself under TCG).
declare -A QUEUE=()
program()
{
	local prog=$1 fam=4 retry=0 cases line

	[[ " ${*:2} " == *" ipv6 "* ]] && fam=6
	[[ " ${*:2} " == *" retry "* ]] && retry=1
	cases=$(cat)
	if [ "${VLO_UPSTREAM_FULL:-0}" = 1 ]; then
		# shellcheck disable=SC2001 # per line, not per string
		cases=$(sed 's/^+//' <<<"$cases")
	else
		cases=$(grep -v '^+' <<<"$cases" || true)
	fi
	if [ -n "${VLO_UPSTREAM_ONLY:-}" ] && ! [[ $prog =~ $VLO_UPSTREAM_ONLY ]]; then
		return 0
	fi
	while IFS= read -r line; do
		[ -n "$line" ] && QUEUE[$fam]+="$prog	$retry	$line"$'\n'
	done <<<"$cases"
}

# run_queue FAMILY: the queued cases of that namespace, on lo then on vlo,
# each device's in one runner (one `ip netns exec` for all).
run_queue()
{
	local fam=$1 nsopt="" kind n dev s4 d4 s6 d6 out t0
	local i prog res args rc fd fl secs note key c

	[ -n "${QUEUE[$fam]:-}" ] || return 0
	[ "$fam" = 6 ] && nsopt=ipv6
	n=$(grep -c . <<<"${QUEUE[$fam]}")
	for kind in lo vlo; do
		t0=$SECONDS
		up_ns "$kind" "$nsopt"
		log "$kind: namespace for IPv4${nsopt:+ and IPv6} ready in $((SECONDS - t0)) s"
		dev=lo s4=127.0.0.1 d4=127.0.0.1 s6=::1 d6=::1
		if [ "$kind" = vlo ]; then
			dev=$UP_DEV s4=$UP_A4 d4=$UP_B4 s6=$UP_A6 d6=$UP_B6
		fi
		out=$(tmpdir)/$kind.$fam
		mkdir -p "$out"
		while IFS=$'\t' read -r i prog res args rc fd fl secs note; do
			key="$kind|$prog|$args"
			[ "$kind" = lo ] && CASES+=("$prog|$args")
			RES[$key]=$res RC[$key]=$rc FR_DEV[$key]=$fd FR_LO[$key]=$fl
			OUTF[$key]=$out/$i.out
			[ -z "$note" ] || RETRIED[$key]=$note
			c="frames in: $fd on $dev"
			[ "$kind" = lo ] || c+=", $fl on lo"
			log "$kind: $prog $args: $res (exit $rc, $c; $secs s)${note:+; $note}"
		done < <(timeout $((2 * n * (CASE_TIMEOUT + 10) + 60)) \
			ip netns exec "$NS" env B="$UP_DIR/$kind" DEV="$dev" \
			S4="$s4" D4="$d4" S6="$s6" D6="$d6" \
			CASE_TIMEOUT="$CASE_TIMEOUT" TXTIME_LEAD="$TXTIME_LEAD" \
			SO_TXTIME_VARIANCE_US="$TXTIME_VAR" \
			bash "$TESTDIR/upstream/run_cases.sh" "$out" <<<"${QUEUE[$fam]}")
		log "$kind: IPv${fam} namespace's cases: $((SECONDS - t0)) s in all"
	done
}

START=$SECONDS

# psock_snd.sh's cases: by default one of each kind (each run costs
# seconds on a TCG guest: the program itself runs ip and sysctl three
# times); VLO_UPSTREAM_FULL=1 runs all of them (lines starting with "+").
# Each run adds 172.17.0.1/24 to the device (in_netns.sh gave each a new
# namespace): it is removed first.
# shellcheck disable=SC2016 # expanded by the case's shell
P='ip addr del 172.17.0.1/24 dev $DEV 2>/dev/null; '
program psock_snd <<EOF
-d	${P}\$B/psock_snd -d
-d -b	${P}\$B/psock_snd -d -b
(raw)	${P}\$B/psock_snd
+-b	${P}\$B/psock_snd -b
-q	${P}\$B/psock_snd -q
-V	${P}\$B/psock_snd -V
+-v	${P}\$B/psock_snd -v
-v -c	${P}\$B/psock_snd -v -c
-v -c -C (xfail)	${P}xfail \$B/psock_snd -v -c -C
+-l 0	${P}\$B/psock_snd -l 0
+-l 1472	${P}\$B/psock_snd -l 1472
-l 1473 (xfail)	${P}xfail \$B/psock_snd -l 1473
+-V -l 1473 (xfail)	${P}xfail \$B/psock_snd -V -l 1473
+-d -l 1472	${P}\$B/psock_snd -d -l 1472
+-d -l 1473 (xfail)	${P}xfail \$B/psock_snd -d -l 1473
+-t 24 (xfail)	${P}xfail \$B/psock_snd -t 24
-t 23 (xfail)	${P}xfail \$B/psock_snd -t 23
+-v -c -g -l 1473	${P}\$B/psock_snd -v -c -g -l 1473
-v -c -g -l 65507	${P}\$B/psock_snd -v -c -g -l 65507
+-v -c -g -l 65508 (xfail)	${P}xfail \$B/psock_snd -v -c -g -l 65508
EOF

# run_afpackettests
program psock_fanout <<'EOF'
(all)	$B/psock_fanout
EOF
program psock_tpacket <<'EOF'
(all)	$B/psock_tpacket
EOF
program txring_overwrite <<'EOF'
(all)	$B/txring_overwrite
EOF

# txtimestamp.sh's protocols (tcp, udp, raw, IPPROTO_RAW, PF_PACKET) and
# report modes (setsockopt, cmsg, no data) over both families, each once,
# without its netem delays; -t widens the tolerance under TCG.
program txtimestamp ipv6 retry <<EOF
-4 (tcp)	\$B/txtimestamp -t $TS_TOL -4 -L \$D4
-6 -u -C	\$B/txtimestamp -t $TS_TOL -u -C -6 -L \$D6
-4 -r -n	\$B/txtimestamp -t $TS_TOL -r -n -4 -L \$D4
-6 -R	\$B/txtimestamp -t $TS_TOL -R -6 -L \$D6
-4 -P	\$B/txtimestamp -t $TS_TOL -P -4 -L \$D4
EOF

# Retried: its TCP cases now and then find no SCM_TIMESTAMPNS on the first
# segment, on lo as on vlo (enabling receive timestamps is deferred to a
# work item). Without TIME_WAIT while it runs, so that the second run can
# bind the fixed ports of the first (the program has no port option).
program rxtimestamp ipv6 retry <<'EOF'
--ipv4	no_time_wait $B/rxtimestamp --ipv4
--ipv6	no_time_wait $B/rxtimestamp --ipv6
EOF

# so_txtime.sh's fq cases (three by default), with fq on the sending
# device while each runs.
program so_txtime ipv6 retry <<'EOF'
4 mono a,-1 a,-1	with_fq txtime 4 mono a,-1 a,-1
+6 mono a,0 a,0	with_fq txtime 6 mono a,0 a,0
6 mono a,10 a,10	with_fq txtime 6 mono a,10 a,10
+4 mono a,10,b,20 a,10,b,20	with_fq txtime 4 mono a,10,b,20 a,10,b,20
6 mono a,20,b,10 b,20,a,20	with_fq txtime 6 mono a,20,b,10 b,20,a,20
EOF

# msg_zerocopy.sh's default set: tcp and udp over both families, each
# without and with MSG_ZEROCOPY (two of them by default). Retried: when the
# guest stalls, the sender can start after the receiver's time is up
# ("send: Connection refused", seen on lo).
program msg_zerocopy ipv6 retry <<'EOF'
+4 tcp	zc 4 tcp
4 tcp -z	zc 4 tcp -z
+6 tcp	zc 6 tcp
+6 tcp -z	zc 6 tcp -z
+4 udp	zc 4 udp
+4 udp -z	zc 4 udp -z
+6 udp	zc 6 udp
6 udp -z	zc 6 udp -z
EOF

program tcp_inq ipv6 <<'EOF'
-4	$B/tcp_inq -4
-6	$B/tcp_inq -6
EOF

# ipv6_flowlabel.sh's datapath cases. The script gives each a namespace of
# its own, because a label lingers in the namespace after use; here they
# share one, so each uses a label of its own (-l 1 to 5) and first puts
# back the sysctls the one before changed. Last: the namespace is shared
# with the other IPv6 programs.
# shellcheck disable=SC2016 # expanded by the case's shell
D='sysctl -q -w net.ipv6.auto_flowlabels=1 net.ipv6.flowlabel_reflect=0 net.ipv4.ping_group_range="1 0" && '
program ipv6_flowlabel ipv6 <<EOF
-l 1	${D}sysctl -q -w net.ipv6.auto_flowlabels=0 && \$B/ipv6_flowlabel -l 1
-l 2 (auto)	${D}sysctl -q -w net.ipv6.auto_flowlabels=1 && \$B/ipv6_flowlabel -l 2
-l 3 -p	${D}sysctl -q -w net.ipv6.flowlabel_reflect=4 && sysctl -q -w net.ipv4.ping_group_range="0 2147483647" && \$B/ipv6_flowlabel -l 3 -p
-l 4 -s	${D}\$B/ipv6_flowlabel -l 4 -s
-l 5 -p -s	${D}sysctl -q -w net.ipv6.flowlabel_reflect=4 && sysctl -q -w net.ipv4.ping_group_range="0 2147483647" && \$B/ipv6_flowlabel -l 5 -p -s
EOF

run_queue 4
run_queue 6
log "all cases ran in $((SECONDS - START)) s; vlo's address: $([ "$ZERO_MAC" = yes ] && echo "00:00:00:00:00:00, as lo's" || echo "its own (the driver refuses 00:00:00:00:00:00)")"

# ---------------------------------------------------------------- verdict

# Differences vlo has by design (key "PROG|ARGS" -> "RESULT reason"):
# none so far; README's "The kernel's own tests" lists them when there are.
declare -A BY_DESIGN=()

cell()
{
	local k=$1 dev=$2 extra=""

	[ "${1%%|*}" = vlo ] && extra=", ${FR_LO[$k]:-?} on lo"
	printf '%s (%s in on %s%s)' "${RES[$k]:-MISSING}" "${FR_DEV[$k]:-?}" "$dev" "$extra"
}

log ""
log "$(printf '%-44s | %-24s | %s' "program" "lo" "vlo")"
log "$(printf '%.0s-' {1..110})"
for key in "${CASES[@]}"; do
	log "$(printf '%-44s | %-24s | %s' "${key%%|*} ${key#*|}" \
		"$(cell "lo|$key" lo)" "$(cell "vlo|$key" "$UP_DEV")")"
done
log ""

quote_output()
{
	local f=$1

	[ -f "$f" ] || return 0
	quote_lines "$(tail -n 25 "$f")"
}

# A case the vlo run did not report (its runner died) fails.
for key in "${CASES[@]}"; do
	for kind in lo vlo; do
		: "${RES[$kind|$key]:=MISSING}" "${RC[$kind|$key]:=-}"
		: "${FR_DEV[$kind|$key]:=0}" "${FR_LO[$kind|$key]:=0}"
		: "${OUTF[$kind|$key]:=/dev/null}"
	done
done
[ "${#CASES[@]}" -gt 0 ] || die "no case ran"

for key in "${CASES[@]}"; do
	name="${key%%|*} ${key#*|}"
	if [ -n "${BY_DESIGN[$key]:-}" ]; then
		check_eq "$name: vlo (by design: ${BY_DESIGN[$key]#* })" \
			"${BY_DESIGN[$key]%% *}" "${RES[vlo|$key]}"
		continue
	fi
	for kind in lo vlo; do
		[ -n "${RETRIED[$kind|$key]:-}" ] || continue
		log "$name: $kind ${RETRIED[$kind|$key]}, then ${RES[$kind|$key]}; the first run said:"
		quote_output "${OUTF[$kind|$key]%.out}.first.out"
	done
	if [ "${RES[lo|$key]}" != PASS ]; then
		skip_check "$name: fails on lo itself (exit ${RC[lo|$key]}): no baseline"
		quote_output "${OUTF[lo|$key]}"
		continue
	fi
	check_eq "$name: vlo passes as lo does" PASS "${RES[vlo|$key]}"
	if [ "${RES[vlo|$key]}" != PASS ]; then
		log "output on vlo (exit ${RC[vlo|$key]}):"
		quote_output "${OUTF[vlo|$key]}"
	fi
	# Where the traffic went: what lo received under lo, vlo's device
	# receives under vlo, and lo nothing.
	if [ "${FR_DEV[lo|$key]}" -gt 0 ]; then
		check_ge "$name: frames received on $UP_DEV" 1 "${FR_DEV[vlo|$key]}"
	fi
	check_eq "$name: frames received on lo with vlo" 0 "${FR_LO[vlo|$key]}"
done

vlo_exit
