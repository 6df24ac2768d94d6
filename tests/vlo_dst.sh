#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vlo never hands its output route to the receive side. A classifier that
# needs the route on transmit (tc `flow`, here: netif_keep_dst()) clears
# IFF_XMIT_DST_RELEASE for good, so frames reach vlo_xmit with their output
# dst attached; looped with it they would skip input routing and be
# discarded (IPv4: dst_discard) or forwarded back out (IPv6 with forwarding
# on: round and round until the hop limit runs out). Pings between a
# vlo-route pair must all be answered with the filter in place, after the
# qdisc is gone, and with IPv6 forwarding on; the device must carry exactly
# one request and one reply per ping, counted by a tc filter on ingress.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip tc ping
vlo_ensure_loaded
VLO_ROUTE=${VLO_ROUTE:-$TESTDIR/../scripts/vlo-route}
[ -x "$VLO_ROUTE" ] || VLO_ROUTE=$(command -v vlo-route || echo "$VLO_ROUTE")
[ -x "$VLO_ROUTE" ] || skip "vlo-route not found (set VLO_ROUTE=path)"
require_kmod sch_prio cls_flow cls_flower sch_ingress

N=4
ns_create NS ipv6
vlo_add kd0
in_ns ip addr add 10.9.5.1/32 dev kd0
in_ns ip addr add 10.9.5.2/32 dev kd0
in_ns ip addr add 2001:db8:5::1/128 dev kd0 nodad
in_ns ip addr add 2001:db8:5::2/128 dev kd0 nodad
in_ns "$VLO_ROUTE" add kd0 10.9.5.1 10.9.5.2 >/dev/null
in_ns "$VLO_ROUTE" add kd0 2001:db8:5::1 2001:db8:5::2 >/dev/null
# The ingress count: echo requests and replies that arrive on kd0, as the
# stack sees them (not MLD: IPv6 forwarding joins all-routers groups).
in_ns tc qdisc add dev kd0 clsact
in_ns tc filter add dev kd0 ingress pref 1 protocol ip flower ip_proto icmp action pass
for t in 128 129; do
	in_ns tc filter add dev kd0 ingress pref $((t - 126)) protocol ipv6 \
		flower ip_proto icmpv6 type $t action pass
done

arrived()
{
	in_ns tc -s filter show dev kd0 ingress |
		awk '/Sent/ { n += $4 } END { print n + 0 }'
}

# pings DESC FROM TO: N pings, all answered, 2 frames each on kd0.
pings()
{
	local desc=$1 before out got

	before=$(arrived)
	out=$(in_ns ping -q -c "$N" -i 0.2 -W 2 -I "$2" "$3" 2>&1 || true)
	got=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' <<<"$out")
	check_eq "$desc: replies to $N pings" "$N" "${got:-none}"
	check_eq "$desc: frames that arrived on kd0 (request + reply each)" \
		$((2 * N)) $(($(arrived) - before))
}

pings "IPv4, no qdisc" 10.9.5.1 10.9.5.2
pings "IPv6, no qdisc" 2001:db8:5::1 2001:db8:5::2

# The issue's reproduction: a flow classifier under a root prio qdisc.
in_ns tc qdisc add dev kd0 root handle 1: prio
in_ns tc filter add dev kd0 parent 1: protocol ip prio 1 handle 1 \
	flow hash keys dst divisor 4 baseclass 1:1
in_ns tc filter add dev kd0 parent 1: protocol ipv6 prio 2 handle 2 \
	flow hash keys dst divisor 4 baseclass 1:1
pings "IPv4, flow filter keeps the route" 10.9.5.1 10.9.5.2
pings "IPv6, flow filter keeps the route" 2001:db8:5::1 2001:db8:5::2

in_ns sysctl -qw net.ipv6.conf.all.forwarding=1
pings "IPv6 with forwarding on, flow filter" 2001:db8:5::1 2001:db8:5::2
in_ns sysctl -qw net.ipv6.conf.all.forwarding=0

# netif_keep_dst() is never undone: the qdisc's removal must not matter.
in_ns tc qdisc del dev kd0 root
pings "IPv4, after the qdisc is deleted" 10.9.5.1 10.9.5.2
pings "IPv6, after the qdisc is deleted" 2001:db8:5::1 2001:db8:5::2

vlo_exit
