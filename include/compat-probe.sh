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
# 6.1: netif_napi_add() lost its weight argument (netif_napi_add_weight
# keeps it).
has VLO_HAVE_NAPI_ADD_WEIGHT 'netif_napi_add_weight\(' linux/netdevice.h
# 5.11: the XDP RX queue info learnt its NAPI id (AF_XDP busy polling).
has VLO_HAVE_XDP_RXQ_NAPI_ID 'unsigned int napi_id' net/xdp.h
# 5.17: invalid-verdict warnings name the device and the program.
has VLO_HAVE_WARN_XDP_ACTION_DEV 'bpf_warn_invalid_xdp_action\((const )?struct net_device' \
	linux/filter.h
# 5.12: helpers to set up an xdp_buff and to make an skb of an xdp_frame.
has VLO_HAVE_XDP_INIT_BUFF 'xdp_init_buff\(' net/xdp.h
has VLO_HAVE_XDP_BUILD_SKB_FROM_FRAME 'xdp_build_skb_from_frame\(' net/xdp.h
# 5.12: skbs from the NAPI cache around a buffer.
has VLO_HAVE_NAPI_BUILD_SKB 'napi_build_skb\(' linux/skbuff.h
# 5.18: multi-buffer XDP (programs marked xdp.frags, frames in pages).
has VLO_HAVE_XDP_FRAGS 'xdp_has_frags' linux/bpf.h
has VLO_HAVE_XDP_FRAGS_TRUESIZE 'xdp_frags_truesize' linux/skbuff.h
# 6.5: one call fills a fragment's page, offset and size.
has VLO_HAVE_FRAG_FILL_PAGE_DESC 'void skb_frag_fill_page_desc\(' \
	linux/skbuff.h
# 6.0: a frame's length includes its fragments through a helper.
has VLO_HAVE_XDP_GET_FRAME_LEN 'xdp_get_frame_len\(' net/xdp.h
# 6.3: drivers advertise their XDP features (netdev netlink family).
has VLO_HAVE_XDP_FEATURES 'NETDEV_XDP_ACT_BASIC' uapi/linux/netdev.h
# 6.15: frames carry only their memory type, no longer the whole mem info.
has VLO_HAVE_XDP_FRAME_MEM_TYPE 'enum xdp_mem_type mem_type:32;' net/xdp.h
# 6.5: skb_gso_segment() moved to its own header.
has VLO_HAVE_NET_GSO_H 'skb_gso_segment' net/gso.h
# 6.2: extack messages with printf arguments.
has VLO_HAVE_EXTACK_FMT 'define NL_SET_ERR_MSG_FMT_MOD' linux/netlink.h
echo
