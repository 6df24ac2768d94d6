#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures while a vlo device is made.
#
# /proc/thread-self/fail-nth makes the Nth fault-injection point the task
# passes fail (Documentation/fault-injection/fault-injection.rst). The
# helper (vlo_stress_tool.py fault) arms it with N = 1, 2, 3, ... right
# before it sends one RTM_NEWLINK that creates a vlo device (up, MTU 9000,
# a given address: what `ip link add vf0 address A mtu 9000 type vlo &&
# ip link set vf0 up` asks), so every allocation of that request fails
# once, in turn, until a request runs clean: the netlink skb,
# rtnl_newlink(), alloc_netdev, vlo's per-CPU counters, the kobjects and
# sysfs files, the notifiers (IPv4), dev_open(), the ack.
# Two passes: slab allocations only (failslab), then slab and page
# allocations (fail_page_alloc, order 0 included). After each request:
#   - refused: an errno came back and no vf0 exists (rtnetlink, sysfs);
#   - accepted: vf0 is there and whole (kind, MTU, address, sysfs);
#   - the namespace holds exactly the devices it held before.
# At the end a kmemleak scan (debug kernel) must find nothing.
#
# Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB (and FAIL_PAGE_ALLOC)
# with CONFIG_FAULT_INJECTION_DEBUG_FS: not in Debian's kernel, where the
# test is skipped. Run it on the debug kernel:
#   scripts/check-debug.sh -- bash tests/vlo_fault.sh

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip python3
[ -e /proc/self/fail-nth ] ||
	skip "kernel without CONFIG_FAULT_INJECTION (no /proc/self/fail-nth); run: scripts/check-debug.sh -- bash tests/vlo_fault.sh"
vlo_ensure_loaded

DBG=/sys/kernel/debug
if ! mountpoint -q "$DBG"; then
	mount -t debugfs none "$DBG" || skip "cannot mount debugfs"
	defer umount "$DBG"
fi
[ -d "$DBG/failslab" ] ||
	skip "no $DBG/failslab (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)"

TOOL=$TESTDIR/vlo_stress_tool.py
MAX=${VLO_FAULT_MAX:-3000}
T=$(tmpdir)

# knob ATTR FILE VALUE: set a fault attribute, restore it at exit.
knob()
{
	local f=$DBG/$1/$2

	[ -e "$f" ] || return 0
	defer sh -c "echo '$(cat "$f")' > '$f'"
	echo "$3" >"$f"
}

# Quiet reports (verbose=0: no stack dump per injected failure, which
# the kernel-log scan would count as a problem); no probability-driven
# failures for anybody (fail-nth needs none).
for a in failslab fail_page_alloc; do
	knob "$a" verbose 0
	knob "$a" probability 0
	knob "$a" times 0
done
# fail-nth only counts the points that pass an attribute's own filters:
# failslab skips sleeping (GFP_KERNEL) allocations by default.
knob failslab ignore-gfp-wait N

kmemleak=$DBG/kmemleak
if [ -w "$kmemleak" ]; then
	# Forget what was reported before this test.
	echo scan >"$kmemleak" 2>/dev/null || true
	echo clear >"$kmemleak" 2>/dev/null || true
else
	kmemleak=
	log "no kmemleak in this kernel: leaks are not looked for"
fi

ns_create NS
before=$(vlo_list)

# pass NAME: one sweep over the allocations of the request.
pass()
{
	local name=$1 out rc=0

	out=$(ip netns exec "$NS" python3 "$TOOL" fault --ns "$NS" --max "$MAX" \
		2>&1) || rc=$?
	sed "s/^/# $name: /; s/^# $name: # /# $name: /" <<<"$out"
	check_eq "$name: every failure refused cleanly or fully applied" 0 "$rc"
	log "$name: FIGURES $(tail -n 1 <<<"$out")"
	check_ge "$name: allocations failed in turn" 20 \
		"$(kv points "$(tail -n 1 <<<"$out")")"
	check_eq "$name: devices left in the namespace" "$before" \
		"$(NS=$NS vlo_list)"
}

# The core reports some allocation failures with a stack dump:
# __register_sysctl_table() (fs/proc/proc_sysctl.c) prints "sysctl could
# not get directory: ..." and calls dump_stack(), so the log gets "Call
# Trace" blocks that are no bug. Say so in the log, and below check that
# every stack dump in this window is one of those and that nothing else
# (WARN, BUG, KASAN, lockdep, refcount, ...) was reported.
echo "vlo_fault: injecting allocation failures: dump_stack() after 'sysctl could not get directory' is expected until 'vlo_fault: injection over'" >/dev/kmsg
kmsg_mark
defer sh -c "echo 'vlo_fault: injection over' > /dev/kmsg"

pass slab
if [ -d "$DBG/fail_page_alloc" ]; then
	knob fail_page_alloc ignore-gfp-wait N
	knob fail_page_alloc ignore-gfp-highmem N
	knob fail_page_alloc min-order 0
	pass slab+page
else
	log "no fail_page_alloc (CONFIG_FAIL_PAGE_ALLOC): slab pass only"
fi

klog=$(kmsg_since)
echo "vlo_fault: injection over" >/dev/kmsg
reports=$(grep -a -E 'WARNING|(^|[^A-Z])BUG|KASAN|UBSAN|Oops|general protection|circular locking|lock held|inconsistent lock|suspicious RCU|refcount_t|ref_tracker|corruption|ODEBUG|to become free|unreferenced object|INFO: task|stall' <<<"$klog" || true)
check_eq "kernel reports during injection" "" "$reports"
dumps=$(grep -a -c 'Call Trace' <<<"$klog" || true)
explained=$(grep -a -c 'sysctl could not get directory' <<<"$klog" || true)
log "FIGURES stack dumps $dumps, after sysctl registration failures $explained;" \
	"other allocation failure messages: $(grep -a -c -E 'failed|-12' <<<"$klog" || true)"
check_eq "every stack dump follows a sysctl registration failure" \
	"$explained" "$dumps"

if [ -n "$kmemleak" ]; then
	# kmemleak reports objects unreferenced for 5 s, after two scans.
	sleep 6
	echo scan >"$kmemleak"
	sleep 1
	echo scan >"$kmemleak"
	cat "$kmemleak" >"$T/kmemleak"
	leaks=$(grep -c 'unreferenced object' "$T/kmemleak" || true)
	if [ "$leaks" -gt 0 ]; then
		quote_lines "$(head -n 60 "$T/kmemleak")"
	fi
	check_eq "kmemleak: unreferenced objects" 0 "$leaks"
fi

vlo_exit
