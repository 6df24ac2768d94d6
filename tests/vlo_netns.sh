#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespaces: a vlo device made in one netns keeps its identity (MAC, MTU,
# counters) and works after a move to another; deleting a netns deletes its
# vlo devices (they are not handed back to the initial netns); CAP_NET_ADMIN
# in a netns owned by an unprivileged user namespace is enough to create,
# use and delete one; without CAP_NET_ADMIN creation is refused.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip setpriv unshare
vlo_ensure_loaded

ns_create A
ns_create B
ns_create D

field()
{
	jget "$3" "$(ip -n "$1" -d -j link show dev "$2")"
}

present()
{
	NS=$1 dev_exists "$2" && echo yes || echo no
}

# --- create in A, move to B ------------------------------------------------
NS=$A
vlo_add vm0 mtu 9000 address 02:00:00:00:0a:01
if [ -x "$VLO_PKT" ]; then
	out=$(pkt loop -i vm0 -n 7)
	check_eq "frames looped in A" 7 "$(kv received "$out")"
else
	skip_check "traffic in A: vlo_pkt not built (make -C tests)"
fi
tx_a=$(stat_of vm0 tx_packets)
ifindex_a=$(field "$A" vm0 ifindex)

check_ok "move vm0 from A to B" ip -n "$A" link set vm0 netns "$B"
check_eq "vm0 gone from A" no "$(present "$A" vm0)"
check_eq "vm0 present in B" yes "$(present "$B" vm0)"
check_eq "kind in B" vlo "$(field "$B" vm0 info_kind)"
check_eq "MAC kept" 02:00:00:00:0a:01 "$(field "$B" vm0 address)"
check_eq "MTU kept" 9000 "$(field "$B" vm0 mtu)"
NS=$B
check_eq "tx_packets kept" "$tx_a" "$(stat_of vm0 tx_packets)"
if [ -x "$VLO_PKT" ]; then
	check_eq "tx_packets kept = frames sent in A" 7 "$(stat_of vm0 tx_packets)"
fi
log "ifindex in A $ifindex_a, in B $(field "$B" vm0 ifindex)"

# A move takes the device down: it must come up and loop in B.
check_ok "up in B" ip -n "$B" link set vm0 up
if [ -x "$VLO_PKT" ]; then
	before=$(counters vm0)
	out=$(pkt loop -i vm0 -n 10 -s 200)
	after=$(counters vm0)
	check_eq "frames looped in B" 10 "$(kv received "$out")"
	check_deltas "$before" "$after" sys_tx_packets=10 sys_rx_packets=10 \
		sys_rx_bytes=2000
else
	skip_check "traffic in B: vlo_pkt not built (make -C tests)"
fi
check_ok "move back to A" ip -n "$B" link set vm0 netns "$A"
check_eq "vm0 back in A" yes "$(present "$A" vm0)"

# --- deleting a netns deletes its vlo devices --------------------------------
# A veth pair with one end in the doomed netns C and the other in D tells
# when C's devices have been dismantled: the D end goes with them. By then
# a device the kernel hands back to init_net (netns_refund, or no
# rtnl_link_ops) would already be there.
# Called through wait_for.
# shellcheck disable=SC2317
peer_gone()
{
	[ "$(present "$D" vd0)" = no ]
}

ns_create C
name="vlodel$$"
name=${name:0:15}
NS=$C
vlo_add "$name"
have_veth=no
if ip -n "$C" link add vc0 type veth peer name vd0 netns "$D" 2>/dev/null; then
	have_veth=yes
fi
ip netns del "$C"
if [ "$have_veth" = yes ]; then
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if wait_for 30 peer_gone; then
		log "ok: netns C dismantled (veth peer gone from D)"
	else
		fail "netns C not dismantled within 30 s"
	fi
else
	skip_check "netns C dismantled: no veth (CONFIG_VETH) to tell when; waiting 3 s instead"
	sleep 3
fi
check_eq "$name not handed to init netns" no \
	"$(present "" "$name")"
check_eq "$name not in D" no "$(present "$D" "$name")"

# --- unprivileged user namespace --------------------------------------------
# As nobody: a new user namespace and a netns it owns. CAP_NET_ADMIN there
# must be enough to create, use and delete a vlo device.
# shellcheck disable=SC2016 # expanded by the inner bash
userns_script='
set -e
ip link add u0 type vlo
ip link set u0 up
ip -d link show u0
ip link set u0 mtu 1500
ip link set u0 address 02:00:00:00:0b:01
if [ -x "$1" ]; then "$1" loop -i u0 -n 5; fi
ip link del u0
! ip link show u0 2>/dev/null
'
# vlo_pkt is copied where nobody can run it: the checkout may be in a
# folder only root can enter (a 0700 home directory).
shared_pkt=
if [ -x "$VLO_PKT" ]; then
	shared_copy SHARED "$VLO_PKT"
	shared_pkt=$SHARED/${VLO_PKT##*/}
fi
if (cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare -Urn true 2>/dev/null); then
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if out=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare -Urn bash -c "$userns_script" userns "$shared_pkt" 2>&1); then
		log "ok: create/up/use/delete as nobody in its own userns+netns"
	else
		fail "vlo in an unprivileged user namespace:"
	fi
	quote_lines "$out"
	check_match "kind vlo in userns" "vlo" "$out"
	if [ -n "$shared_pkt" ]; then
		check_match "frames looped in userns" "received=5 host=5" "$out"
	else
		skip_check "traffic in the userns: vlo_pkt not built (make -C tests)"
	fi
else
	skip_check "vlo in an unprivileged user namespace: not available here"
fi

# --- without CAP_NET_ADMIN --------------------------------------------------
# rtnetlink checks the capability before it looks up the kind: any driver
# passes these, they are the core's ("core: ..."), no evidence about vlo.
NS=$A
check_err "core: create without CAP_NET_ADMIN" "Operation not permitted" \
	in_ns setpriv --inh-caps=-all --bounding-set=-net_admin \
	ip link add np0 type vlo
check_eq "core: np0 not created" no "$(present "$A" np0)"
check_err "core: create as nobody in init netns" "Operation not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	ip link add np0 type vlo
check_eq "core: np0 not created in init netns" no \
	"$(present "" np0)"

vlo_exit
