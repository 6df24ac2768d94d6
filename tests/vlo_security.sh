#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may do what to a vlo device, and what ethtool hands out.
#
#  1. A process without CAP_NET_ADMIN (user nobody with no capabilities,
#     and root with CAP_NET_ADMIN dropped) cannot create a vlo device, nor
#     change one (MTU, address, up/down, carrier, name, namespace, private
#     flags, features), nor delete it; the device is unchanged after each
#     attempt. It can still read the counters. These refusals are the
#     core's (rtnetlink and ethtool check the capability before any
#     driver is asked): any driver passes them, so they are named
#     "core: ..." and are no evidence about vlo; they guard against vlo
#     ever doing something without that check.
#  2. Root of a user namespace (unshare -Ur) is refused the same on the
#     initial namespace's devices; in a network namespace it owns
#     (unshare -Urn) it creates, configures, uses and deletes vlo devices,
#     but cannot push one into the initial namespace nor enter that one.
#     The same for an unprivileged user's own user+net namespace, when the
#     kernel allows those (kernel.unprivileged_userns_clone).
#  3. ethtool strings (stats, private flags), driver info and stats carry
#     no uninitialized byte: raw SIOCETHTOOL buffers, checked byte by byte
#     (vlo_sec_strings.py, which names the checks any driver passes
#     "core: ..."), as root and as nobody; the statistics nobody reads
#     are the frames vlo_pkt sent and got back. The scripts are copied
#     where nobody can read them: the checkout may be in a 0700 folder.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip ethtool setpriv capsh unshare python3 nsenter
require_vlo_pkt
vlo_ensure_loaded

shared_copy SHARED "$TESTDIR/vlo_sec_strings.py" "$TESTDIR/vlo_stress_lib.py"
STR=$SHARED/vlo_sec_strings.py
MAC=02:5e:c0:00:00:01

# The init-netns device everybody tries to touch. No IPv6 on it: router
# solicitations would spoil the exact statistics checked at the end.
ip link add sa0 address $MAC mtu 9000 type vlo
defer ip link del sa0
sysctl -qw net.ipv6.conf.sa0.disable_ipv6=1 2>/dev/null || true
ip link set sa0 up

state()
{
	local d=/sys/class/net/sa0

	echo "mtu=$(cat $d/mtu) addr=$(cat $d/address) flags=$(cat $d/flags)" \
		"carrier=$(cat $d/carrier) tso=$(ethtool -k sa0 |
		awk '/^tcp-segmentation-offload/ { print $2 }')"
}
ref=$(state)
log "sa0: $ref"

# denied WHO DESC CMD...: CMD run as WHO must fail and leave sa0 as it was.
denied()
{
	local who=$1 desc=$2 out rc=0

	shift 2
	VLO_CHECKS=$((VLO_CHECKS + 1))
	case $who in
	nobody)
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all --bounding-set=-all --no-new-privs \
			"$@" 2>&1) || rc=$?
		;;
	rootnocap)
		out=$(capsh --drop=cap_net_admin -- -c '"$@"' sh "$@" 2>&1) ||
			rc=$?
		;;
	userns)
		out=$(unshare -Ur "$@" 2>&1) || rc=$?
		;;
	esac
	if [ "$rc" -eq 0 ]; then
		fail "core: $who: $desc: '$*' succeeded"
	elif ! grep -qiE 'not permitted|permission denied|EPERM|EACCES' <<<"$out"; then
		fail "core: $who: $desc: '$*' failed (rc=$rc) but not for lack of permission: $out"
	else
		log "ok: core: $who: $desc refused: $(head -n 1 <<<"$out")"
	fi
	check_eq "core: $who: sa0 unchanged after '$desc'" "$ref" "$(state)"
	check_ok "core: $who: sa0 still there" test -d /sys/class/net/sa0
}

for who in nobody rootnocap userns; do
	denied $who "create" ip link add su0 type vlo
	check_eq "core: $who: no su0 made" no \
		"$(test -d /sys/class/net/su0 && echo yes || echo no)"
	denied $who "set mtu" ip link set sa0 mtu 1500
	denied $who "set address" ip link set sa0 address 02:00:00:00:00:99
	denied $who "set down" ip link set sa0 down
	denied $who "set carrier off" ip link set sa0 carrier off
	denied $who "rename" ip link set sa0 name sz0
	denied $who "set private flag" ethtool --set-priv-flags sa0 capture-once on
	denied $who "ethtool -K" ethtool -K sa0 tso off
	denied $who "delete" ip link del sa0
done
ns_create P
denied nobody "move to a netns" ip link set sa0 netns "$P"
denied rootnocap "move to a netns" ip link set sa0 netns "$P"

# Reading is for everybody.
check_ok "nobody reads the counters (sysfs)" setpriv --reuid=65534 \
	--regid=65534 --clear-groups --inh-caps=-all \
	cat /sys/class/net/sa0/statistics/tx_packets
check_ok "nobody reads ethtool -S" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all ethtool -S sa0
check_ok "nobody reads ip -s link" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all ip -s link show sa0

# --- a user namespace's own network namespace
# shellcheck disable=SC2016 # expanded by the inner shell
OWN='
set -e
ip link add u0 type vlo
ip link set u0 mtu 1500
ip link set u0 address 02:00:00:00:00:42
ip link set u0 up
"$1" loop -i u0 -n 5 | grep -q "received=5 "
ip link set u0 down
ethtool -K u0 tso off
ip link set u0 up
echo "made and used: $(cat /sys/class/net/u0/mtu) $(cat /sys/class/net/u0/address)"
if ip link set u0 netns 1 2>/dev/null; then echo "MOVED TO INIT NETNS"; fi
if nsenter --net=/proc/1/ns/net true 2>/dev/null; then echo "ENTERED INIT NETNS"; fi
ip link del u0
echo done
'
# A mount namespace too, for a sysfs of the new network namespace.
out=$(unshare -Urnm sh -c "mount -t sysfs none /sys && $OWN" sh "$VLO_PKT" \
	2>&1) && rc=0 || rc=$?
quote_lines "$out"
check_eq "userns root: create, configure, use, delete in its own netns" 0 "$rc"
check_match "userns root: made it with the asked MTU and address" \
	'made and used: 1500 02:00:00:00:00:42' "$out"
check_nomatch "userns root: cannot move a device to the initial netns" \
	'MOVED TO INIT NETNS' "$out"
check_nomatch "userns root: cannot enter the initial netns" \
	'ENTERED INIT NETNS' "$out"
check_eq "no u0 in the initial netns" no \
	"$(test -d /sys/class/net/u0 && echo yes || echo no)"

clone=$(sysctl -n kernel.unprivileged_userns_clone 2>/dev/null || echo 1)
if [ "$clone" = 1 ]; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all unshare -Urn sh -c \
		'ip link add n0 type vlo && ip link set n0 up &&
		 cat /proc/net/dev | grep -c n0 && ip link del n0' 2>&1) &&
		rc=0 || rc=$?
	quote_lines "$out"
	check_eq "nobody's own user+net namespace: vlo device made and deleted" \
		0 "$rc"
else
	skip_check "nobody's own user+net namespace: kernel.unprivileged_userns_clone=0"
fi

# --- bytes handed out by ethtool
ip link add sf0 type vlo
defer ip link del sf0
out=$(python3 "$STR" -i sf0 --fresh 2>&1) && rc=0 || rc=$?
quote_lines "$(grep -v '^# ok' <<<"$out")"
log "root: $(tail -n 1 <<<"$out")"
check_eq "ethtool answers fully initialized (root, fresh device)" 0 "$rc"
# sa0 has carried nothing yet (no IPv6, every change refused): after
# this its statistics must be exactly what the sender and receiver count.
p=$(NS='' pkt loop -i sa0 -n 20 -s 100)
sent=$(kv sent "$p")
got=$(kv received "$p")
check_eq "frames sent and got back on sa0" "20 20" "$sent $got"
expect="tx_packets=$sent,tx_bytes=$((sent * 100)),rx_packets=$got"
expect+=",rx_bytes=$((got * 100)),rx_backlog_drops=0,tx_carrier_drops=0"
expect+=",tx_header_drops=0"
out=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all python3 "$STR" -i sa0 --expect "$expect" 2>&1) &&
	rc=0 || rc=$?
quote_lines "$(grep -v '^# ok' <<<"$out")"
log "nobody: $(tail -n 1 <<<"$out")"
check_eq "ethtool answers fully initialized and right (nobody, after traffic)" \
	0 "$rc"

vlo_exit
