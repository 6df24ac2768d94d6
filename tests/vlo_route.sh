#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Getting real traffic onto a vlo device, with the tools users run.
#
# scripts/vlo-route makes the traffic between two local addresses A and B
# on vlo0 cross vlo0 instead of lo. Everything runs in a namespace with
# strict rp_filter (which vlo-route must not need to touch), IPv4 and IPv6.
# Two parts, so that each fits the suite's per-test timeout on a slow
# guest; vlo_route_traffic.sh runs the second one:
#
# vlo_route.sh (the helper)
#  - bad input is refused with a message and changes nothing;
#  - add is idempotent, pairs share the moved local rule, show lists them,
#    a pair is routed via one device only;
#  - the kernel's routes (ip route get): a socket that does not bind gets
#    vlo0 and the other address of the pair as source, every other local
#    source keeps lo; an address in two pairs hands over when one goes;
#  - ping A -> B: vlo0's counters carry requests and replies, lo's nothing,
#    a capture of what vlo0 receives holds both directions;
#  - ping B and ping A without -I: nftables on vlo0's ingress counts each
#    request and reply with the pair's addresses, lo receives nothing;
#  - del puts rules, routes and sysctls back exactly as before add, and
#    the flow is on lo again.
# vlo_route_traffic.sh (what users hook on the device)
#  - TCP (iperf3) and UDP between A and B: vlo0's counters grow by at least
#    the bytes transferred, lo's do not, both directions are captured;
#  - TCP connect() and UDP sendto() to B from sockets that do not bind, for
#    A/B (B secondary in A's subnet) and for host addresses D/E (/32,
#    /128): the servers see A (D) as source, nftables on vlo0's ingress
#    counts the bytes both ways, lo receives nothing;
#  - raw frames: an ICMP echo request crafted for B and sent with an
#    AF_PACKET socket on vlo0 is received on vlo0 (a tc ingress filter
#    counts it) and answered by the kernel (the reply is captured);
#  - netem on vlo0 delays A <-> B by both directions' delay, not lo;
#  - an nftables netdev ingress chain on vlo0 counts and drops the flow;
#  - a generic XDP program on vlo0 counts and drops it (a SKIP-CHECK line
#    with the reason without bpftool, or without clang's BPF target when
#    tests/xdp_flow.o was not built).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

VLO_ROUTE=${VLO_ROUTE:-$TESTDIR/../scripts/vlo-route}
[ -x "$VLO_ROUTE" ] || VLO_ROUTE=$(command -v vlo-route || echo "$VLO_ROUTE")
TRAFFIC=$TESTDIR/vlo_route_traffic.py
# Which part: "helper" (this file) or "traffic" (vlo_route_traffic.sh).
PART=${VLO_ROUTE_PART:-helper}

# The body runs inside the test namespace (the script starts itself again
# there): no `ip netns exec` per command, which a TCG guest pays for with
# a second exec of ip each time. The outer run creates and deletes the
# namespace.
if [ -z "${VLO_ROUTE_INNER:-}" ]; then
	require_root
	require_cmd ip tc ping iperf3 tcpdump nft python3 jq ss
	[ -x "$VLO_ROUTE" ] || skip "vlo-route not found (set VLO_ROUTE=path)"
	vlo_ensure_loaded
	ns_create NS ipv6
	rc=0
	ip netns exec "$NS" env VLO_ROUTE_INNER=1 VLO_ROUTE="$VLO_ROUTE" \
		VLO_ROUTE_PART="$PART" VLO_ROUTE_KEEP="${VLO_ROUTE_KEEP:-}" \
		bash "$0" "$@" || rc=$?
	# The inner run has reported its verdict (or why it ended early).
	VLO_EXPLICIT_EXIT=1
	exit "$rc"
fi

A4=10.77.0.1
B4=10.77.0.2
C4=10.77.0.3
A6=fd00:766c::1
B6=fd00:766c::2
C6=fd00:766c::3
# D and E: host addresses (/32, /128), each the only one of its prefix,
# so that an unbound socket to E picks E itself as source without
# vlo-route (B, a secondary address in A's subnet, gets A from IPv4).
D4=10.77.1.1
E4=10.77.1.2
D6=fd00:766c:1::1
E6=fd00:766c:1::2
# Raw frames come "from" P: in the subnet, assigned nowhere.
P4=10.77.0.99
P6=fd00:766c::99

tmpdir >/dev/null
T=$VLO_TMP

# No link-local address on vlo0: no router solicitations or MLD on it.
ip link add vlo0 type vlo
ip link set vlo0 addrgenmode none
ip link set vlo0 up
for a in $A4 $B4 $C4; do
	ip addr add "$a/24" dev vlo0
done
for a in $A6 $B6 $C6; do
	ip -6 addr add "$a/64" dev vlo0 nodad
done
ip addr add $D4/32 dev vlo0
ip addr add $E4/32 dev vlo0
ip -6 addr add $D6/128 dev vlo0 nodad
ip -6 addr add $E6/128 dev vlo0 nodad
# Strict reverse-path filtering, as many distributions set it; accept_local
# stays 0. vlo-route must work without changing either.
echo 1 >/proc/sys/net/ipv4/conf/all/rp_filter
echo 1 >/proc/sys/net/ipv4/conf/vlo0/rp_filter

route()
{
	"$VLO_ROUTE" "$@"
}

# Everything vlo-route could touch: rules, routes of all tables, sysctls.
snapshot()
{
	printf '%s\n' "rule show" "route show table all" | ip -4 -d -batch -
	printf '%s\n' "rule show" "route show table all" | ip -6 -d -batch -
	# The sysctls a route helper could need: every ipv4/ipv6 conf entry
	# of every device, and forwarding (one grep, not sysctl -a: fast).
	grep -r . /proc/sys/net/ipv4/conf /proc/sys/net/ipv6/conf \
		/proc/sys/net/ipv4/ip_forward 2>/dev/null || true
}

# check_same DESC FILE-BEFORE: the snapshot now equals FILE-BEFORE.
check_same()
{
	local d

	snapshot >"$T/now"
	d=$(diff "$2" "$T/now" || true)
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if [ -z "$d" ]; then
		log "ok: $1 ($(wc -l <"$2") lines of rules, routes, sysctls identical)"
	else
		fail "$1: differs:"
		quote_lines "$d"
	fi
}

# The counters mark and moved compare (read with builtins: no exec).
STATS=(vlo0/statistics/rx_packets vlo0/statistics/tx_packets
	vlo0/statistics/rx_bytes vlo0/statistics/tx_bytes
	lo/statistics/rx_packets lo/statistics/rx_bytes)
read_stats()
{
	local f v

	REPLY=()
	for f in "${STATS[@]}"; do
		read -r v <"/sys/class/net/$f"
		REPLY+=("$v")
	done
}

# mark: remember vlo0's and lo's counters; moved DESC: log the deltas since
# and set D_VLO_RXP, D_VLO_TXP, D_VLO_RXB, D_VLO_TXB, D_LO_RXP, D_LO_RXB.
mark()
{
	read_stats
	M=("${REPLY[@]}")
}

moved()
{
	read_stats
	D_VLO_RXP=$((REPLY[0] - M[0]))
	D_VLO_TXP=$((REPLY[1] - M[1]))
	D_VLO_RXB=$((REPLY[2] - M[2]))
	D_VLO_TXB=$((REPLY[3] - M[3]))
	D_LO_RXP=$((REPLY[4] - M[4]))
	D_LO_RXB=$((REPLY[5] - M[5]))
	log "$1: vlo0 rx ${D_VLO_RXP} pkts/${D_VLO_RXB} B, tx ${D_VLO_TXP} pkts/${D_VLO_TXB} B; lo rx ${D_LO_RXP} pkts/${D_LO_RXB} B"
}

# ping_ok DESC SRC DST [COUNT]: COUNT pings SRC -> DST all answered.
ping_ok()
{
	local out n=${4:-5}

	out=$(ping -n -q -c "$n" -i 0.2 -W 2 -I "$2" "$3" 2>&1 || true)
	check_match "$1: $n pings answered" " $n received" "$out"
}

# ping_fails DESC SRC DST: 2 pings, none answered.
ping_fails()
{
	local out rc=0

	out=$(ping -n -q -c 2 -i 0.2 -W 1 -I "$2" "$3" 2>&1) || rc=$?
	check_ne "$1: ping exit status" 0 "$rc"
	check_match "$1: no answer" " 0 received" "$out"
}

# ping_unbound DESC DST: 5 pings to DST from a socket that does not bind
# (no -I: the kernel picks the source), all answered.
ping_unbound()
{
	local out

	out=$(ping -n -q -c 5 -i 0.2 -W 2 "$2" 2>&1 || true)
	check_match "$1: 5 pings answered" " 5 received" "$out"
}

# count_start NAME|MATCH...: a netdev table with, on vlo0's ingress, one
# named counter per flow (nftables expression MATCH); count_read sets
# COUNT[NAME] to "PACKETS BYTES" of each; count_stop removes the table.
declare -A COUNT=()
count_start()
{
	local f objs="" rules=""

	COUNT=()
	for f in "$@"; do
		# (Until read: no figure.)
		COUNT[${f%%|*}]="- -"
		objs+="	counter ${f%%|*} {}"$'\n'
		rules+="		${f#*|} counter name ${f%%|*}"$'\n'
	done
	nft -f - <<NFT
table netdev vlo_route_count {
$objs
	chain in {
		type filter hook ingress device "vlo0" priority 0;
$rules
	}
}
NFT
}

count_read()
{
	local name p b

	while read -r name p b; do
		COUNT[$name]="$p $b"
	done < <(nft -j list counters table netdev vlo_route_count |
		jq -r '.nftables[] | .counter? // empty | "\(.name) \(.packets) \(.bytes)"')
}

count_stop()
{
	nft delete table netdev vlo_route_count
}

# rtt_min SRC DST: smallest round trip (ms, integer) of 3 pings.
rtt_min()
{
	{ ping -n -q -c 3 -i 0.2 -W 2 -I "$1" "$2" || true; } |
		sed -n 's|^rtt [^=]*= \([0-9]*\)\.[0-9]*/.*|\1|p'
}

# ================================================================ sections

section_refusals()
{
	log "--- [${SECONDS}s] refused input changes nothing"
	snapshot >"$T/pristine"
	ip link add vlo1 type vlo		# stays down
	check_err "wrong argument count" "needs exactly" route add vlo0 $A4
	check_err "unknown device" "unknown device" route add nosuch0 $A4 $B4
	check_err "device not vlo" "not a vlo device" route add lo $A4 $B4
	check_err "device down" "is down" route add vlo1 $A4 $B4
	check_err "address not local" "is not assigned" route add vlo0 $A4 10.77.0.50
	check_err "A == B, other spelling" "same address" \
		route add vlo0 $A6 fd00:766c:0:0::0001
	check_err "mixed families" "different families" route add vlo0 $A4 $B6
	check_err "malformed IPv4" "malformed address" route add vlo0 10.77.0.256 $B4
	check_err "malformed IPv6, two ::" "malformed address" route add vlo0 fd00::1::2 $B6
	check_err "loopback address" "loopback" route add vlo0 127.0.0.1 $A4
	check_err "del of a pair never added" "no pair" route del vlo0 $A4 $B4
	ip link del vlo1
	check_same "state after refused commands" "$T/pristine"
}

# add_pairs: A <-> B for both families (the state before is $T/before).
add_pairs()
{
	snapshot >"$T/before"
	check_ok "add IPv4 pair" route add vlo0 $A4 $B4
	check_ok "add IPv6 pair" route add vlo0 $A6 $B6
}

# check_lookups "DESC;REGEX;ARGS"...: the kernel's route for a locally
# generated packet (ip route get ARGS; without `from`, what a socket that
# did not bind gets from connect() or sendto()) matches REGEX. One ip
# process for all (each costs a TCG guest about a second).
check_lookups()
{
	local e desc re args i=0 cmds=""
	local -a out

	for e in "$@"; do
		IFS=';' read -r _ _ args <<<"$e"
		cmds+="route get $args"$'\n'
	done
	mapfile -t out < <(ip -o -force -batch - <<<"$cmds" 2>&1 || true)
	for e in "$@"; do
		IFS=';' read -r desc re _ <<<"$e"
		check_match "route: $desc" "$re" "${out[i]:-}"
		i=$((i + 1))
	done
}

section_add()
{
	local rules show

	log "--- [${SECONDS}s] add"
	add_pairs
	snapshot >"$T/added"
	check_ok "add IPv4 pair again (swapped)" route add vlo0 $B4 $A4
	check_ok "add IPv6 pair again (other spelling)" route add vlo0 $A6 fd00:766c:0::2
	check_same "add is idempotent" "$T/added"
	rules=$(ip -d rule show; ip -6 -d rule show)
	quote_lines "$rules"
	check_match "local rule moved (v4 and v6)" \
		"^13:.*from all lookup local proto 118" "$rules"
	check_nomatch "nothing at preference 0" "^0:" "$rules"
	check_eq "rules of the two pairs" 4 "$(grep -c "^10:.* iif lo lookup .* proto 118" <<<"$rules" || true)"
	check_eq "rules for unbound sockets (to A, to B; v4 and v6)" 4 \
		"$(grep -c "^12:.* iif lo lookup .* proto 118" <<<"$rules" || true)"
	check_eq "IPv6 rules for sources that are set" 2 \
		"$(grep -cE "^11:	from (::|8000::)/1 iif lo lookup local proto 118" <<<"$rules" || true)"
	show=$(route show vlo0)
	quote_lines "$show"
	check_eq "show vlo0" "vlo0 $A4 $B4|vlo0 $A6 $B6" "${show//$'\n'/|}"

	# The routes for locally generated packets (what connect() sees):
	# unbound to B takes vlo0 with source A, and the other way round;
	# every other source keeps lo.
	check_lookups \
		"unbound IPv4 to B;^$B4 dev vlo0 .*src $A4( |$);$B4" \
		"unbound IPv4 to A;^$A4 dev vlo0 .*src $B4( |$);$A4" \
		"unbound IPv6 to B;^$B6 from :: dev vlo0 .*src $A6 ;$B6" \
		"unbound IPv6 to A;^$A6 from :: dev vlo0 .*src $B6 ;$A6" \
		"IPv4 A to B;^$B4 from $A4 dev vlo0 ;$B4 from $A4" \
		"IPv6 A to B;^$B6 from $A6 dev vlo0 ;$B6 from $A6" \
		"IPv4 C to B stays on lo;^local $B4 from $C4 dev lo ;$B4 from $C4" \
		"IPv6 C to B stays on lo;^local $B6 from $C6 dev lo ;$B6 from $C6" \
		"IPv4 B to B stays on lo;^local $B4 from $B4 dev lo ;$B4 from $B4" \
		"IPv6 B to B stays on lo;^local $B6 from $B6 dev lo ;$B6 from $B6" \
		"unbound IPv4 to C (no pair) stays on lo;^local $C4 dev lo ;$C4" \
		"unbound IPv6 to C (no pair) stays on lo;^local $C6 from :: dev lo ;$C6"

	# A second pair sharing A: its own rules and route for C, the rest
	# shared; deleting it leaves the first pair as it was.
	check_ok "add second IPv4 pair" route add vlo0 $A4 $C4
	check_ok "add second IPv6 pair" route add vlo0 $C6 $A6
	show=$(route show)
	check_eq "show: 4 pairs" 4 "$(grep -c . <<<"$show" || true)"
	check_lookups \
		"unbound IPv4 to C, second pair;^$C4 dev vlo0 .*src $A4( |$);$C4" \
		"unbound IPv6 to C, second pair;^$C6 from :: dev vlo0 .*src $A6 ;$C6" \
		"unbound IPv4 to A: source from the first pair;^$A4 dev vlo0 .*src $B4( |$);$A4" \
		"unbound IPv6 to A: source from the first pair;^$A6 from :: dev vlo0 .*src $B6 ;$A6"
	ip link add vlo2 type vlo
	ip link set vlo2 up
	check_err "same pair via another device" "already routed via vlo0" \
		route add vlo2 $A4 $B4
	ip link del vlo2
	# The first pair goes while the second has A: unbound sockets to A
	# get C as source, B is an ordinary local address again.
	check_ok "del first IPv4 pair, second left" route del vlo0 $A4 $B4
	check_ok "del first IPv6 pair, second left" route del vlo0 $A6 $B6
	check_lookups \
		"unbound IPv4 to A, second pair only;^$A4 dev vlo0 .*src $C4( |$);$A4" \
		"unbound IPv6 to A, second pair only;^$A6 from :: dev vlo0 .*src $C6 ;$A6" \
		"unbound IPv4 to B, its pair gone;^local $B4 dev lo ;$B4" \
		"unbound IPv6 to B, its pair gone;^local $B6 from :: dev lo ;$B6"
	check_ok "add first IPv4 pair back" route add vlo0 $A4 $B4
	check_ok "add first IPv6 pair back" route add vlo0 $A6 $B6
	check_ok "del second IPv4 pair" route del vlo0 $C4 $A4
	check_ok "del second IPv6 pair" route del vlo0 $A6 $C6
	check_same "after del of the second pairs: as with the first pairs only" "$T/added"
}

flow_ping()
{
	local fam=$1 a=$2 b=$3

	mark
	ping_ok "ping $fam $a -> $b" "$a" "$b"
	moved "ping $fam"
	# 5 requests and 5 replies, each sent and received on vlo0.
	check_ge "ping $fam: vlo0 rx packets" 10 $D_VLO_RXP
	check_ge "ping $fam: vlo0 tx packets" 10 $D_VLO_TXP
	check_le "ping $fam: lo rx packets" 0 $D_LO_RXP
}

# flow_tcp FAM A B PORT: iperf3 for 1 s at up to 200 Mbit/s (enough bytes,
# a capture that decodes fast) from A to the server on B:PORT.
flow_tcp()
{
	local fam=$1 a=$2 b=$3 port=$4 json sent recvd mbits err i

	mark
	# The server may still be starting: retry the connection.
	for i in $(seq 20); do
		json=$(iperf3 -c "$b" -B "$a" -p "$port" -t 1 -b 200M -J) && break
		grep -q "unable to connect" <<<"$json" || break
		sleep 0.5
	done
	moved "TCP $fam"
	IFS=$'\t' read -r sent recvd mbits err < <(jq -r '[.end.sum_sent.bytes // 0,
		.end.sum_received.bytes // 0,
		((.end.sum_received.bits_per_second // 0) / 1e6 | floor),
		.error // "-"] | @tsv' <<<"$json" || echo "0	0	0	no JSON")
	[ "$err" = - ] || die "iperf3 -c $b -B $a failed: $err"
	log "TCP $fam: iperf3 $a -> $b: sent $sent B, received $recvd B, $mbits Mbit/s"
	check_ge "TCP $fam: bytes received by iperf3" 1000000 "$recvd"
	check_ge "TCP $fam: vlo0 rx bytes >= bytes transferred" "$recvd" $D_VLO_RXB
	check_ge "TCP $fam: vlo0 tx bytes >= bytes transferred" "$recvd" $D_VLO_TXB
	# Nothing of the flow on lo (not even its ACKs or the control
	# connection): allow 1% for anything unrelated.
	check_le "TCP $fam: lo rx bytes" $((recvd / 100)) $D_LO_RXB
}

# flow_udp FAM A B: 100 datagrams of 1000 bytes from A to B:7777, each
# echoed back to A (one python process holds both sockets).
flow_udp()
{
	local fam=$1 a=$2 b=$3 n=100 size=1000 out

	mark
	out=$(python3 "$TRAFFIC" udp-pair "$a" "$b" 7777 $n $size || true)
	moved "UDP $fam"
	log "UDP $fam: $out"
	check_eq "UDP $fam: all datagrams echoed" "sent $n echoed $n bytes $((2 * n * size))" "$out"
	check_ge "UDP $fam: vlo0 rx bytes >= bytes transferred" $((2 * n * size)) $D_VLO_RXB
	check_ge "UDP $fam: vlo0 tx bytes >= bytes transferred" $((2 * n * size)) $D_VLO_TXB
	check_le "UDP $fam: lo rx bytes" $((n * size / 100)) $D_LO_RXB
}

# tc_hits PREF: packets counted by the action of ingress filter PREF.
tc_hits()
{
	tc -s -j filter show dev vlo0 ingress |
		jq "[.[] | select(.pref == $1) | .options.actions[]?.stats.packets] | add // 0"
}

section_raw()
{
	local fam p b out

	log "--- [${SECONDS}s] raw frames: AF_PACKET on vlo0 comes back in on vlo0"
	tc qdisc add dev vlo0 clsact
	tc filter add dev vlo0 ingress protocol ip pref 1 u32 \
		match ip src $P4/32 action ok
	tc filter add dev vlo0 ingress protocol ipv6 pref 2 u32 \
		match ip6 src $P6/128 action ok
	for fam in 4 6; do
		if [ $fam = 4 ]; then p=$P4 b=$B4; else p=$P6 b=$B6; fi
		out=$(python3 "$TRAFFIC" raw-ping vlo0 $p $b 3 || true)
		log "raw IPv$fam echo request $p -> $b on vlo0: $out"
		check_eq "raw IPv$fam: kernel's echo replies came back on vlo0" \
			"sent 3 replies 3" "$out"
		check_eq "raw IPv$fam: tc ingress filter counted the crafted frames" \
			3 "$(tc_hits $((fam == 4 ? 1 : 2)))"
	done
	tc qdisc del dev vlo0 clsact
}

# check_capture FLOW...: stop the capture and check that it holds, for each
# FLOW "DESC|MIN|FORWARD-REGEX|REVERSE-REGEX", at least MIN packets each way
# ("." in the regexes is literal).
check_capture()
{
	local f what min fwd rev i=0
	local -a pats=() found

	sleep 0.5
	capture_stop "$T/vlo0.pcap"
	log "--- [${SECONDS}s] capture on vlo0 (tcpdump -Q in: what vlo0 received)"
	# One decoding pass, one counting pass (awk counts every pattern).
	tcpdump -n -r "$T/vlo0.pcap" >"$T/vlo0.txt" 2>/dev/null || true
	# VLO_ROUTE_KEEP=DIR keeps the capture (e.g. a vm-run --out folder).
	if [ -n "${VLO_ROUTE_KEEP:-}" ]; then
		cp "$T/vlo0.pcap" "$VLO_ROUTE_KEEP/$TEST_NAME.pcap"
		cp "$T/vlo0.txt" "$VLO_ROUTE_KEEP/$TEST_NAME.txt"
	fi
	log "capture: $(wc -l <"$T/vlo0.txt") packets received on vlo0"
	for f in "$@"; do
		IFS='|' read -r _ _ fwd rev <<<"$f"
		pats+=("${fwd//./\\.}" "${rev//./\\.}")
	done
	read -ra found <<<"$(awk -v n=${#pats[@]} '
		BEGIN { for (i = 1; i <= n; i++) { p[i] = ARGV[i]; c[i] = 0; ARGV[i] = "" } }
		{ for (i = 1; i <= n; i++) if ($0 ~ p[i]) c[i]++ }
		END { for (i = 1; i <= n; i++) printf "%d ", c[i]; print "" }
	' "${pats[@]}" "$T/vlo0.txt")"
	for f in "$@"; do
		IFS='|' read -r what min _ _ <<<"$f"
		log "capture: $what: ${found[i]} packets one way, ${found[i + 1]} the other"
		check_ge "capture: $what, A -> B" "$min" "${found[i]}"
		check_ge "capture: $what, B -> A" "$min" "${found[i + 1]}"
		i=$((i + 2))
	done
	log "capture excerpt (tcpdump -n -r, first packet of each direction):"
	quote_lines "$(grep -E "(ICMP|ICMP6,) echo .*seq 1,|UDP, length 1000|Flags \[S" "$T/vlo0.txt" |
		awk '!seen[$2 $3 $4 $5 $6]++' | head -n 16)"
}

PING_FLOWS=(
	"ping IPv4|5|IP $A4 > $B4: ICMP echo request|IP $B4 > $A4: ICMP echo reply"
	"ping IPv6|5|IP6 $A6 > $B6: ICMP6, echo request|IP6 $B6 > $A6: ICMP6, echo reply"
)
TRAFFIC_FLOWS=(
	"TCP IPv4|10|IP $A4.[0-9]+ > $B4.5201: |IP $B4.5201 > $A4.[0-9]+: "
	"TCP IPv6|10|IP6 $A6.[0-9]+ > $B6.5202: |IP6 $B6.5202 > $A6.[0-9]+: "
	"UDP IPv4|100|IP $A4.[0-9]+ > $B4.7777: UDP|IP $B4.7777 > $A4.[0-9]+: UDP"
	"UDP IPv6|100|IP6 $A6.[0-9]+ > $B6.7777: UDP|IP6 $B6.7777 > $A6.[0-9]+: UDP"
	"raw IPv4 echo|3|IP $P4 > $B4: ICMP echo request|IP $B4 > $P4: ICMP echo reply"
	"raw IPv6 echo|3|IP6 $P6 > $B6: ICMP6, echo request|IP6 $B6 > $P6: ICMP6, echo reply"
)

section_netem()
{
	local fam a b l rtt

	log "--- [${SECONDS}s] netem delay 50ms on vlo0: A <-> B takes 2 x 50 ms, lo stays fast"
	tc qdisc add dev vlo0 root netem delay 50ms
	for fam in 4 6; do
		if [ $fam = 4 ]; then a=$A4 b=$B4 l=127.0.0.1; else a=$A6 b=$B6 l=::1; fi
		rtt=$(rtt_min $a $b)
		log "IPv$fam: RTT $a -> $b over vlo0 with netem: min ${rtt:-?} ms"
		check_ge "IPv$fam: RTT A -> B (ms), both directions delayed" 90 "${rtt:-x}"
		rtt=$(rtt_min $l $l)
		log "IPv$fam: RTT $l over lo: min ${rtt:-?} ms"
		check_le "IPv$fam: RTT over lo (ms)" 49 "${rtt:-x}"
	done
	tc qdisc del dev vlo0 root
}

section_nft()
{
	local counts

	log "--- [${SECONDS}s] nftables: a netdev ingress chain on vlo0 counts and drops A <-> B"
	nft -f - <<NFT
table netdev vlo_route_test {
	chain in {
		type filter hook ingress device "vlo0" priority 0;
		ip saddr $A4 ip daddr $B4 icmp type echo-request counter
		ip saddr $B4 ip daddr $A4 icmp type echo-reply counter
		ip6 saddr $A6 ip6 daddr $B6 icmpv6 type echo-request counter
		ip6 saddr $B6 ip6 daddr $A6 icmpv6 type echo-reply counter
	}
}
NFT
	ping_ok "nft: IPv4" $A4 $B4
	ping_ok "nft: IPv6" $A6 $B6
	counts=$(nft -j list chain netdev vlo_route_test in |
		jq -r '[.nftables[].rule? // empty | .expr[].counter? // empty | .packets] | join(" ")')
	log "nft counters (v4 request, v4 reply, v6 request, v6 reply): $counts"
	check_eq "nft ingress counters on vlo0" "5 5 5 5" "$counts"
	nft add rule netdev vlo_route_test in ip saddr $A4 ip daddr $B4 drop
	nft add rule netdev vlo_route_test in ip6 saddr $A6 ip6 daddr $B6 drop
	ping_fails "nft drop: IPv4" $A4 $B4
	ping_fails "nft drop: IPv6" $A6 $B6
	nft delete table netdev vlo_route_test
	ping_ok "nft rules removed: IPv4" $A4 $B4 2
	ping_ok "nft rules removed: IPv6" $A6 $B6 2
}

# Why XDP cannot be checked here, or nothing.
xdp_missing()
{
	# (grep reads a variable, not a pipe: pipefail and grep -q's early
	# exit do not mix.)
	command -v bpftool >/dev/null || { echo "bpftool not installed"; return; }
	grep -q xdpgeneric <<<"$(ip link help 2>&1)" ||
		{ echo "ip cannot attach XDP programs"; return; }
	# A program built with the tests (make -C tests) is used as is.
	[ "$TESTDIR/xdp_flow.o" -nt "$TESTDIR/xdp_flow.c" ] && return
	command -v clang >/dev/null || { echo "clang not installed"; return; }
	grep -qw bpf <<<"$(clang -print-targets 2>/dev/null)" ||
		{ echo "clang has no BPF target"; return; }
	[ -e /usr/include/linux/bpf.h ] ||
		{ echo "no <linux/bpf.h> (linux-libc-dev)"; return; }
}

# xdp_obj: print the path of the BPF object, building it if needed.
xdp_obj()
{
	local arch

	if [ "$TESTDIR/xdp_flow.o" -nt "$TESTDIR/xdp_flow.c" ]; then
		echo "$TESTDIR/xdp_flow.o"
		return
	fi
	arch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
	clang -O2 -g -target bpf -I"/usr/include/$arch" \
		-c "$TESTDIR/xdp_flow.c" -o "$T/xdp_flow.o" >&2
	echo "$T/xdp_flow.o"
}

# xdp_slots FIRST LAST: values of those map slots, space separated.
xdp_slots()
{
	bpftool -j map dump id "$XDP_MAP" |
		jq -r "[.[] | .formatted // . | select(.key >= $1 and .key <= $2) | .value] | join(\" \")"
}

section_xdp()
{
	local why obj prog counts

	log "--- [${SECONDS}s] generic XDP on vlo0 sees A <-> B"
	why=$(xdp_missing)
	if [ -n "$why" ]; then
		skip_check "XDP checks on vlo0: $why"
		return
	fi
	if ! obj=$(xdp_obj 2>"$T/clang.err"); then
		fail "building tests/xdp_flow.c failed:"
		quote_lines "$(cat "$T/clang.err")"
		return
	fi
	check_ok "attach generic XDP program to vlo0" \
		ip link set dev vlo0 xdpgeneric obj "$obj" sec xdp
	prog=$(ip -j -d link show dev vlo0 | jq '.[0].xdp.prog.id')
	XDP_MAP=$(bpftool -j prog show id "$prog" | jq '.map_ids[0]')
	log "XDP: $obj, prog id $prog (generic), map id $XDP_MAP"
	ping_ok "XDP: IPv4" $A4 $B4
	ping_ok "XDP: IPv6" $A6 $B6
	counts=$(xdp_slots 1 4 || true)
	log "XDP map (v4 request, v4 reply, v6 request, v6 reply): $counts;" \
		"frames seen: $(xdp_slots 5 5 || true)"
	check_eq "XDP program counted the pings on vlo0" "5 5 5 5" "$counts"
	check_ok "tell the program to drop echo requests" \
		bpftool map update id "$XDP_MAP" key 0 0 0 0 value 1 0 0 0 0 0 0 0
	ping_fails "XDP drop: IPv4" $A4 $B4
	ping_fails "XDP drop: IPv6" $A6 $B6
	check_eq "XDP map after the drops" "7 5 7 5" "$(xdp_slots 1 4 || true)"
	check_ok "detach XDP" ip link set dev vlo0 xdpgeneric off
	ping_ok "XDP detached: IPv4" $A4 $B4 2
}

# Sockets that do not bind: the kernel picks the source when it routes,
# and vlo-route's rules give them the other address of the pair and vlo0.
# Counted by nftables on vlo0's ingress; lo must see none of it.
section_unbound_ping()
{
	local fam a b

	log "--- [${SECONDS}s] ping without -I (no bind) between A and B crosses vlo0, not lo"
	count_start \
		"req4_ab|ip saddr $A4 ip daddr $B4 icmp type echo-request" \
		"rep4_ba|ip saddr $B4 ip daddr $A4 icmp type echo-reply" \
		"req4_ba|ip saddr $B4 ip daddr $A4 icmp type echo-request" \
		"rep4_ab|ip saddr $A4 ip daddr $B4 icmp type echo-reply" \
		"req6_ab|ip6 saddr $A6 ip6 daddr $B6 icmpv6 type echo-request" \
		"rep6_ba|ip6 saddr $B6 ip6 daddr $A6 icmpv6 type echo-reply" \
		"req6_ba|ip6 saddr $B6 ip6 daddr $A6 icmpv6 type echo-request" \
		"rep6_ab|ip6 saddr $A6 ip6 daddr $B6 icmpv6 type echo-reply"
	for fam in 4 6; do
		if [ $fam = 4 ]; then a=$A4 b=$B4; else a=$A6 b=$B6; fi
		mark
		ping_unbound "unbound ping IPv$fam to B" $b
		moved "unbound ping IPv$fam to B"
		check_le "unbound ping IPv$fam to B: lo rx packets" 0 $D_LO_RXP
		mark
		ping_unbound "unbound ping IPv$fam to A" $a
		moved "unbound ping IPv$fam to A"
		check_le "unbound ping IPv$fam to A: lo rx packets" 0 $D_LO_RXP
	done
	count_read
	count_stop
	for fam in 4 6; do
		log "unbound ping IPv$fam, packets on vlo0 ingress (nft): to B: A -> B" \
			"request ${COUNT[req${fam}_ab]% *}, B -> A reply ${COUNT[rep${fam}_ba]% *};" \
			"to A: B -> A request ${COUNT[req${fam}_ba]% *}, A -> B reply ${COUNT[rep${fam}_ab]% *}"
		check_eq "unbound ping IPv$fam to B: requests from A seen on vlo0 ingress (nft)" \
			5 "${COUNT[req${fam}_ab]% *}"
		check_eq "unbound ping IPv$fam to B: replies to A seen on vlo0 ingress (nft)" \
			5 "${COUNT[rep${fam}_ba]% *}"
		check_eq "unbound ping IPv$fam to A: requests from B seen on vlo0 ingress (nft)" \
			5 "${COUNT[req${fam}_ba]% *}"
		check_eq "unbound ping IPv$fam to A: replies to B seen on vlo0 ingress (nft)" \
			5 "${COUNT[rep${fam}_ab]% *}"
	done
}

# flow_unbound FAM A B PORT: TCP connect() and UDP sendto() to B:PORT
# from sockets that do not bind; the servers on B must see A as the peer,
# nftables on vlo0's ingress count the bytes both ways, lo sees nothing.
flow_unbound()
{
	local fam=$1 a=$2 b=$3 port=$4 n=10 size=1000 out ip=ip p b_ab b_ba min d
	local -a flows=()

	[ "$fam" = IPv4 ] || ip=ip6
	d="unbound $fam to $b"
	for p in tcp udp; do
		flows+=("${p}_ab|$ip saddr $a $ip daddr $b $p dport $port"
			"${p}_ba|$ip saddr $b $ip daddr $a $p sport $port")
	done
	count_start "${flows[@]}"
	mark
	out=$(python3 "$TRAFFIC" unbound "$b" "$port" $n $size || true)
	moved "$d"
	log "$d: $out"
	check_eq "$d: source address the TCP and UDP servers saw is $a" \
		"tcp from $a bytes $((n * size)) udp from $a echoed $n" "$out"
	count_read
	count_stop
	for p in tcp udp; do
		b_ab=${COUNT[${p}_ab]#* }
		b_ba=${COUNT[${p}_ba]#* }
		log "$d: ${p^^} on vlo0 ingress (nft): to $b $b_ab B, back $b_ba B"
		check_ge "$d: ${p^^} $a -> $b bytes on vlo0 ingress (nft)" $((n * size)) "$b_ab"
		# UDP: every datagram echoed; TCP: at least the handshake.
		min=1
		[ $p = tcp ] || min=$((n * size))
		check_ge "$d: ${p^^} $b -> $a bytes on vlo0 ingress (nft)" $min "$b_ba"
	done
	check_le "$d: lo rx packets" 0 $D_LO_RXP
}

# del_pairs: remove both pairs; rules, routes and sysctls as before add.
del_pairs()
{
	check_ok "del IPv4 pair (swapped)" route del vlo0 $B4 $A4
	check_ok "del IPv6 pair" route del vlo0 $A6 $B6
	check_same "rules, routes and sysctls as before add" "$T/before"
}

section_del()
{
	local ino fam a b

	log "--- [${SECONDS}s] del: everything as before add, the flow back on lo"
	del_pairs
	check_eq "show after del" "" "$(route show)"
	ino=$(stat -L -c %i /proc/self/ns/net)
	check_eq "no state left in /run/vlo-route" no \
		"$([ -e "/run/vlo-route/netns-$ino" ] && echo yes || echo no)"
	check_err "del again" "no pair" route del vlo0 $A4 $B4
	check_lookups \
		"after del: unbound IPv4 to B on lo;^local $B4 dev lo ;$B4" \
		"after del: unbound IPv6 to B on lo;^local $B6 from :: dev lo ;$B6"
	for fam in 4 6; do
		if [ $fam = 4 ]; then a=$A4 b=$B4; else a=$A6 b=$B6; fi
		mark
		ping_ok "after del: IPv$fam" $a $b
		moved "after del: ping IPv$fam"
		check_ge "after del: IPv$fam ping on lo (rx packets)" 10 $D_LO_RXP
		check_le "after del: IPv$fam ping not on vlo0 (rx packets)" 0 $D_VLO_RXP
	done
}

# ==================================================================== run

case $PART in
helper)
	section_refusals
	section_add
	log "--- [${SECONDS}s] ping between A and B crosses vlo0, not lo"
	# -Q in: what vlo0 received, each packet once whichever way it goes.
	capture_start vlo0 "$T/vlo0.pcap" -Q in
	flow_ping IPv4 $A4 $B4
	flow_ping IPv6 $A6 $B6
	check_capture "${PING_FLOWS[@]}"
	section_unbound_ping
	section_del
	;;
traffic)
	log "--- [${SECONDS}s] add"
	add_pairs
	# The iperf3 servers start first and listen by the time the
	# capture runs (the client retries anyway).
	iperf3 -s -1 -B $B4 -p 5201 >"$T/iperf3-4.log" 2>&1 &
	bg_track $!
	iperf3 -s -1 -B $B6 -p 5202 >"$T/iperf3-6.log" 2>&1 &
	bg_track $!
	log "--- [${SECONDS}s] TCP and UDP between A and B cross vlo0, not lo"
	# -Q in: what vlo0 received, each packet once whichever way it goes.
	capture_start vlo0 "$T/vlo0.pcap" -Q in
	flow_tcp IPv4 $A4 $B4 5201
	flow_tcp IPv6 $A6 $B6 5202
	flow_udp IPv4 $A4 $B4
	flow_udp IPv6 $A6 $B6
	log "--- [${SECONDS}s] TCP and UDP without bind to B cross vlo0 with source A"
	flow_unbound IPv4 $A4 $B4 7001
	flow_unbound IPv6 $A6 $B6 7001
	log "--- [${SECONDS}s] the same between host addresses (/32, /128) D and E"
	check_ok "add IPv4 pair of /32 addresses" route add vlo0 $D4 $E4
	check_ok "add IPv6 pair of /128 addresses" route add vlo0 $D6 $E6
	flow_unbound IPv4 $D4 $E4 7001
	flow_unbound IPv6 $D6 $E6 7001
	check_ok "del IPv4 pair of /32 addresses" route del vlo0 $D4 $E4
	check_ok "del IPv6 pair of /128 addresses" route del vlo0 $D6 $E6
	section_raw
	check_capture "${TRAFFIC_FLOWS[@]}"
	section_netem
	section_nft
	section_xdp
	log "--- [${SECONDS}s] del"
	del_pairs
	;;
*)
	die "VLO_ROUTE_PART must be helper or traffic, not '$PART'"
	;;
esac

vlo_exit
