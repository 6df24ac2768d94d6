#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Probe the target kernel's headers for the APIs vlo uses whose presence
# does not follow the version number (distributions backport them), and
# print one -DVLO_HAVE_* flag per API found. Kbuild passes $(srctree).
# include/vlo_compat.h turns these flags into the wrappers src/ calls.

srctree=${1:?usage: compat-probe.sh SRCTREE}
inc=$srctree/include

# has FLAG PATTERN FILE...: print -DFLAG when an extended regex matches in
# any of the files that exist.
has() {
	flag=$1 pattern=$2
	shift 2
	for f in "$@"; do
		if [ -f "$inc/$f" ] && grep -Eq "$pattern" "$inc/$f"; then
			printf ' -D%s' "$flag"
			return
		fi
	done
}

# 5.18: netif_rx() became callable from any context; __netif_rx() is the
# variant for callers that already run with bottom halves disabled.
has VLO_HAVE___NETIF_RX '^int __netif_rx\(' linux/netdevice.h
# 5.18: skb->tstamp can hold a delivery time; clearing goes through a helper.
has VLO_HAVE_SKB_CLEAR_TSTAMP 'void skb_clear_tstamp\(' linux/skbuff.h
# 6.0: TSO/GSO limits split into a driver maximum and an admin setting.
has VLO_HAVE_TSO_MAX_SIZE 'void netif_set_tso_max_size\(' linux/netdevice.h
# 5.17 onwards: kfree_skb_reason() and the drop reasons vlo uses.
has VLO_HAVE_DROP_REASON_DEV_READY 'SKB_DROP_REASON_DEV_READY,' \
	net/dropreason-core.h net/dropreason.h linux/skbuff.h
has VLO_HAVE_DROP_REASON_PKT_TOO_SMALL 'SKB_DROP_REASON_PKT_TOO_SMALL,' \
	net/dropreason-core.h net/dropreason.h linux/skbuff.h
# Until 6.2 (removed later): counter reads that disable interrupts where
# 32-bit uniprocessor kernels need it.
has VLO_HAVE_U64_STATS_FETCH_IRQ 'u64_stats_fetch_begin_irq\(' \
	linux/u64_stats_sync.h
# 6.5 / 6.6: IP_MULTICAST_LOOP and IPV6_MULTICAST_LOOP moved from
# bitfields to inet_flags bits.
has VLO_HAVE_INET_FLAGS_MC_LOOP 'INET_FLAGS_MC_LOOP[[:space:]]*=' net/inet_sock.h
has VLO_HAVE_INET_FLAGS_MC6_LOOP 'INET_FLAGS_MC6_LOOP[[:space:]]*=' net/inet_sock.h
echo
