#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: watch vlo carry traffic, without loading anything on this host.
#
# Builds vlo.ko if needed, boots Debian's 6.1 kernel in QEMU (about half a
# minute) and, inside it: loads vlo, brings vlo0 up with two addresses,
# routes the traffic between them over vlo0 (scripts/vlo-route), pings, and
# shows the tcpdump capture and the counters before and after.
# Exits non-zero if no traffic crossed vlo0.
set -euo pipefail

# One block: bash reads it all before running, so edits during a run are safe.
{
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
[[ -t 1 ]] || say() { printf '\n### %s\n' "$*"; }

say "Checking the tools this demo needs (scripts/deps.sh)"
scripts/deps.sh
KDIR=$(scripts/deps.sh --kdir)
REL=$(scripts/deps.sh --release)

# Rebuild when any source is newer than the module (or it was built for
# another kernel).
stale=0
if [[ ! -f vlo.ko ]] || [[ -n $(find src include Kbuild -newer vlo.ko -print -quit) ]]; then
	stale=1
elif ! modinfo -F vermagic vlo.ko 2>/dev/null | grep -q "^$REL "; then
	stale=1
fi
if [[ $stale == 1 ]]; then
	say "Building vlo.ko for $REL"
	nice -n 10 make KDIR="$KDIR"
else
	echo "vlo.ko is up to date (built for $REL)"
fi

say "Booting $REL in QEMU; the commands below run inside it, as root"

# The guest part. Every command is echoed with a '$' before it runs.
read -r -d '' GUEST <<'EOF' || true
set -u
say() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
A=10.77.0.1
B=10.77.0.2

say "1. Load the module: it creates vlo0 (module parameter numdevs=1)"
run insmod "$VLO_KO" || exit 1
run ip link show vlo0 || exit 1
run ethtool -i vlo0

say "2. Bring vlo0 up with two addresses, $A and $B"
echo "(IPv6 off on vlo0 so that only our packets are counted)"
run sysctl -q -w net.ipv6.conf.vlo0.disable_ipv6=1
run ip addr add $A/24 dev vlo0
run ip addr add $B/24 dev vlo0
run ip link set vlo0 up
run ip -br addr show vlo0

say "3. Make the traffic between $A and $B cross vlo0"
echo "Linux sends traffic between two local addresses through 'lo'."
echo "scripts/vlo-route adds policy rules so that it uses vlo0 instead:"
if [ -x "$VLO_REPO/scripts/vlo-route" ]; then
	run "$VLO_REPO/scripts/vlo-route" add vlo0 $A $B || exit 1
	run ip route get $B from $A
	routed=1
else
	echo "(scripts/vlo-route is missing: pinging an absent neighbour on vlo0 instead;"
	echo " the echo requests loop through vlo0, nobody answers)"
	routed=0
fi

say "4. Counters before"
run ip -s link show vlo0
run ethtool -S vlo0

say "5. Capture on vlo0 while pinging"
echo "tcpdump listens on vlo0 in the background while ping sends 3 echo"
echo "requests from $A to $B; the replies come back the same way."
echo "Every frame vlo0 sends comes back into vlo0, so tcpdump prints each"
echo "frame twice: first the copy going out, then the same frame coming in."
echo "(tcpdump -Q in shows it once.)"
echo "No ARP (vlo0 is NOARP): frames carry vlo0's own MAC as destination."
tcpdump -i vlo0 -n -e -l -c 12 > /tmp/capture.txt 2> /tmp/tcpdump.err &
tcpdump_pid=$!
# Start pinging only once tcpdump listens.
for _ in $(seq 50); do
	grep -q 'listening on' /tmp/tcpdump.err && break
	sleep 0.2
done
if [ "$routed" = 1 ]; then
	run ping -c 3 -i 0.3 -I $A $B
else
	run ping -c 3 -i 0.3 -W 1 -I vlo0 10.77.0.9
fi
sleep 1
kill -INT "$tcpdump_pid" 2>/dev/null
wait "$tcpdump_pid" 2>/dev/null
echo
echo "$ tcpdump -i vlo0 -n -e -c 12   (what it printed)"
cat /tmp/capture.txt
grep -v 'listening on' /tmp/tcpdump.err

say "6. Counters after"
run ip -s link show vlo0
run ethtool -S vlo0

frames=$(grep -c 'ICMP echo' /tmp/capture.txt)
tx=$(cat /sys/class/net/vlo0/statistics/tx_packets)
rx=$(cat /sys/class/net/vlo0/statistics/rx_packets)
say "Result"
echo "tcpdump saw $frames ICMP frames on vlo0; vlo0 counted tx_packets=$tx rx_packets=$rx"
if [ "$frames" -eq 0 ] || [ "$tx" -eq 0 ] || [ "$rx" -eq 0 ]; then
	echo "DEMO FAILED: no traffic crossed vlo0"
	exit 1
fi
echo "$tx frames went out of vlo0 and came back into it: tx and rx count"
echo "each frame once, tcpdump saw each twice. That is all vlo does."
rmmod vlo
EOF

rc=0
VLO_KO=$REPO/vlo.ko VLO_REPO=$REPO scripts/vm-run --kernel "/boot/vmlinuz-$REL" \
	--timeout 600 -- bash -c "$GUEST" || rc=$?
if [[ $rc -ne 0 ]]; then
	echo "make demo: FAILED (exit $rc)" >&2
	exit "$rc"
fi
echo
echo "make demo: done. 'make check' runs the full test suite the same way."
exit 0
}
