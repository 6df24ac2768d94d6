#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Link properties and their bounds: ip link add/del, kind vlo, Ethernet
# type, flags BROADCAST,MULTICAST,NOARP and never LOOPBACK, qdisc noqueue,
# MTU default and range (with the exact error texts), random valid MAC,
# MAC change while up (and that the data path uses it), invalid MACs at
# creation and on change, custom names, no VLANs on top.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip
vlo_ensure_loaded

ns_create NS

link_json()
{
	in_ns ip -d -j link show dev "$1"
}

# jfield DEV KEY: one field of `ip -d -j link show DEV`.
jfield()
{
	jget "$2" "$(link_json "$1")"
}

exists()
{
	dev_exists "$1"
}

check_absent()
{
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if exists "$1"; then
		fail "$1 exists after a failed 'ip link add'"
		in_ns ip link del "$1"
	else
		log "ok: $1 not created"
	fi
}

# --- a fresh device ----------------------------------------------------------
vlo_add vt0
J=$(link_json vt0)
log "$J"
check_eq "kind" vlo "$(jget info_kind "$J")"
check_eq "link_type" ether "$(jget link_type "$J")"
flags=$(jget flags "$J")
for f in BROADCAST MULTICAST NOARP UP LOWER_UP; do
	check_match "flag $f" "(^|,)$f(,|$)" "$flags"
done
check_nomatch "no LOOPBACK flag" "LOOPBACK" "$flags"
check_eq "qdisc" noqueue "$(jget qdisc "$J")"
check_eq "default mtu" 65536 "$(jget mtu "$J")"
check_eq "min_mtu" 68 "$(jget min_mtu "$J")"
check_eq "max_mtu" 65536 "$(jget max_mtu "$J")"
check_eq "gso_max_size" 65536 "$(jget gso_max_size "$J")"
# IFLA_TSO_MAX_SIZE exists since 6.2: older kernels report nothing, for
# vlo as for lo.
if [ "$(jget tso_max_size "$(in_ns ip -d -j link show dev lo)")" != MISSING ]; then
	check_eq "tso_max_size" 524280 "$(jget tso_max_size "$J")"
else
	skip_check "tso_max_size 524280: this kernel does not report it (no IFLA_TSO_MAX_SIZE before 6.2)"
	check_eq "tso_max_size absent as for lo" MISSING "$(jget tso_max_size "$J")"
fi
# inetdev_event gives a LOOPBACK device 127.0.0.1/8 on up: not this one.
check_eq "no IPv4 address on up" "" "$(in_ns ip -4 -o addr show dev vt0)"

mac0=$(jget address "$J")
check_match "MAC format" '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$mac0"
first=$((16#${mac0:0:2}))
check_eq "MAC is unicast (I/G bit clear)" 0 $((first & 1))
check_eq "MAC is locally administered (random)" 2 $((first & 2))
check_ne "random MAC is not zero" "00:00:00:00:00:00" "$mac0"
check_eq "addr_assign_type random" 1 \
	"$(in_ns cat /sys/class/net/vt0/addr_assign_type)"

vlo_add vt1
check_ne "second device gets another MAC" "$mac0" "$(jfield vt1 address)"

# --- MTU ---------------------------------------------------------------------
for m in 67 65537 0; do
	check_err "add with mtu $m" "Error: MTU must be between 68 and 65536." \
		in_ns ip link add vm0 mtu "$m" type vlo
	check_absent vm0
done
for m in 68 65536; do
	check_ok "add with mtu $m" in_ns ip link add "vm$m" mtu "$m" type vlo
	check_eq "mtu of vm$m" "$m" "$(jfield "vm$m" mtu)"
	in_ns ip link del "vm$m"
done

check_err "set mtu 67" "Error: mtu less than device minimum." \
	in_ns ip link set vt0 mtu 67
check_err "set mtu 65537" "Error: mtu greater than device maximum." \
	in_ns ip link set vt0 mtu 65537
check_eq "mtu unchanged after refused sets" 65536 "$(jfield vt0 mtu)"
for m in 68 1500 65536; do
	check_ok "set mtu $m while up" in_ns ip link set vt0 mtu "$m"
	check_eq "mtu now" "$m" "$(jfield vt0 mtu)"
done

# --- MAC at creation -----------------------------------------------------------
check_ok "add with address" \
	in_ns ip link add va0 address 02:11:22:33:44:55 type vlo
check_eq "given address" 02:11:22:33:44:55 "$(jfield va0 address)"
check_eq "addr_assign_type set" 3 \
	"$(in_ns cat /sys/class/net/va0/addr_assign_type)"
in_ns ip link del va0
for a in 01:00:5e:00:00:01 ff:ff:ff:ff:ff:ff; do
	check_err "add with address $a" \
		"Error: MAC address must be unicast." \
		in_ns ip link add va0 address "$a" type vlo
	check_absent va0
done
# lo's address is a vlo address too (programs written for lo send to it).
check_ok "add with lo's address 00:00:00:00:00:00" \
	in_ns ip link add va0 address 00:00:00:00:00:00 type vlo
check_eq "given zero address" 00:00:00:00:00:00 "$(jfield va0 address)"
in_ns ip link del va0
for a in 02:11:22:33:44 02:11:22:33:44:55:66; do
	check_err "add with address $a" "Error: MAC address must be 6 bytes." \
		in_ns ip link add va0 address "$a" type vlo
	check_absent va0
done

# --- MAC change while up ---------------------------------------------------------
check_ok "set address while up" in_ns ip link set vt0 address 02:aa:bb:cc:dd:ee
check_eq "address now" 02:aa:bb:cc:dd:ee "$(jfield vt0 address)"
check_eq "addr_assign_type after set" 3 \
	"$(in_ns cat /sys/class/net/vt0/addr_assign_type)"
check_match "still up" "(^|,)UP(,|$)" "$(jfield vt0 flags)"
for a in 01:00:5e:00:00:01 ff:ff:ff:ff:ff:ff; do
	check_err "set address $a" "Cannot assign requested address" \
		in_ns ip link set vt0 address "$a"
done
check_eq "address unchanged after refused sets" 02:aa:bb:cc:dd:ee \
	"$(jfield vt0 address)"

# eth_type_trans compares with the device address: a frame to the new MAC
# must come back as PACKET_HOST, one to the old MAC as PACKET_OTHERHOST.
if [ -x "$VLO_PKT" ]; then
	out=$(pkt loop -i vt0 -n 5 -d 02:aa:bb:cc:dd:ee)
	check_eq "frames to new MAC received as host" 5 "$(kv host "$out")"
	out=$(pkt loop -i vt0 -n 5 -d "$mac0")
	check_eq "frames to old MAC received as otherhost" 5 \
		"$(kv otherhost "$out")"
else
	skip_check "data path after MAC change: vlo_pkt not built (make -C tests)"
fi

# --- names, duplicates, deletion --------------------------------------------------
check_ok "add foo0" in_ns ip link add foo0 type vlo
check_ok "add bar-1" in_ns ip link add bar-1 type vlo
check_eq "foo0 kind" vlo "$(jfield foo0 info_kind)"
check_eq "bar-1 kind" vlo "$(jfield bar-1 info_kind)"
check_err "add foo0 twice" "File exists" in_ns ip link add foo0 type vlo
check_ok "del foo0" in_ns ip link del foo0
check_eq "foo0 gone" no "$(exists foo0 && echo yes || echo no)"
check_err "del foo0 again" "Cannot find device" in_ns ip link del foo0
check_ok "del bar-1" in_ns ip link del bar-1
check_eq "vlo devices left" "vt0,vt1" "$(vlo_list)"

# --- no VLANs on top (vlan_challenged, like lo) ------------------------------------
if vout=$(in_ns ip link add vv0 type veth peer name vv1 2>&1 &&
	  in_ns ip link add link vv0 name vv0.10 type vlan id 10 2>&1); then
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if in_ns ip link add link vt0 name vt0.10 type vlan id 10 2>/dev/null; then
		fail "a VLAN could be added on top of vt0"
	else
		log "ok: VLAN on vt0 refused (VLAN on veth works)"
	fi
else
	skip_check "VLAN refusal: 8021q or veth unavailable: $vout"
fi

vlo_exit
