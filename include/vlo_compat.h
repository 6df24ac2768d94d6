/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one home of kernel-version differences for vlo. src/ calls only the
 * vlo_* wrappers below; each picks the target kernel's API from a
 * VLO_HAVE_* flag that include/compat-probe.sh found in its headers, or,
 * where an API cannot have been backported, from a macro it defines.
 */
#ifndef VLO_COMPAT_H
#define VLO_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <net/inet_sock.h>
#include <linux/ipv6.h>
#include <linux/filter.h>
#include <linux/etherdevice.h>
#include <linux/netlink.h>
#include <net/xdp.h>
#ifdef VLO_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

#if KERNEL_VERSION(5, 10, 0) > LINUX_VERSION_CODE
#error "vlo supports Linux 5.10 and later"
#endif

/* Hand a frame to this CPU's backlog from ndo_start_xmit (BHs are off). */
static inline int vlo_netif_rx(struct sk_buff *skb)
{
#ifdef VLO_HAVE___NETIF_RX
	return __netif_rx(skb);
#else
	return netif_rx(skb);
#endif
}

static inline void vlo_clear_tstamp(struct sk_buff *skb)
{
#ifdef VLO_HAVE_SKB_CLEAR_TSTAMP
	skb_clear_tstamp(skb);
#else
	skb->tstamp = 0;
#endif
}

/* Lockless transmit: a feature bit until 6.12, a device field since. */
static inline void vlo_set_lltx(struct net_device *dev)
{
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

/* Accept the largest GSO frames the stack builds, as lo does. */
static inline void vlo_set_gso_max(struct net_device *dev)
{
#ifdef VLO_HAVE_TSO_MAX_SIZE
	netif_set_tso_max_size(dev, GSO_MAX_SIZE);
#else
	netif_set_gso_max_size(dev, GSO_MAX_SIZE);
#endif
}

/* Free a frame the driver refused, with the reason when the kernel has it. */
static inline void vlo_drop_not_ready(struct sk_buff *skb)
{
#ifdef VLO_HAVE_DROP_REASON_DEV_READY
	kfree_skb_reason(skb, SKB_DROP_REASON_DEV_READY);
#else
	kfree_skb(skb);
#endif
}

static inline void vlo_drop_too_small(struct sk_buff *skb)
{
#ifdef VLO_HAVE_DROP_REASON_PKT_TOO_SMALL
	kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
#else
	kfree_skb(skb);
#endif
}

/*
 * Reading per-CPU counters: until 6.2, 32-bit uniprocessor kernels need
 * the _irq variants (interrupts off), as lo uses them, or a read can tear.
 * 6.2 made the plain ones do that and later kernels dropped the _irq ones.
 */
static inline unsigned int
vlo_stats_fetch_begin(const struct u64_stats_sync *syncp)
{
#ifdef VLO_HAVE_U64_STATS_FETCH_IRQ
	return u64_stats_fetch_begin_irq(syncp);
#else
	return u64_stats_fetch_begin(syncp);
#endif
}

static inline bool vlo_stats_fetch_retry(const struct u64_stats_sync *syncp,
					 unsigned int start)
{
#ifdef VLO_HAVE_U64_STATS_FETCH_IRQ
	return u64_stats_fetch_retry_irq(syncp, start);
#else
	return u64_stats_fetch_retry(syncp, start);
#endif
}

/*
 * IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP of a full inet socket, read as
 * sk_mc_loop() reads it (by the socket's family), which cannot be called
 * from ndo_start_xmit: it answers false inside a transmit. Bitfields until
 * 6.5, flag bits since.
 */
static inline bool vlo_sk_mc_loop(const struct sock *sk)
{
	switch (sk->sk_family) {
	case AF_INET:
#ifdef VLO_HAVE_INET_FLAGS_MC_LOOP
		return inet_test_bit(MC_LOOP, sk);
#else
		return inet_sk(sk)->mc_loop;
#endif
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
#ifdef VLO_HAVE_INET_FLAGS_MC6_LOOP
		return inet6_test_bit(MC6_LOOP, sk);
#else
		return inet6_sk(sk)->mc_loop;
#endif
#endif
	default:
		return false;
	}
}

static inline void vlo_netif_napi_add(struct net_device *dev,
				      struct napi_struct *napi,
				      int (*poll)(struct napi_struct *, int))
{
#ifdef VLO_HAVE_NAPI_ADD_WEIGHT
	netif_napi_add(dev, napi, poll);
#else
	netif_napi_add(dev, napi, poll, NAPI_POLL_WEIGHT);
#endif
}

static inline int vlo_xdp_rxq_info_reg(struct xdp_rxq_info *rxq,
				       struct net_device *dev,
				       unsigned int index,
				       struct napi_struct *napi)
{
#ifdef VLO_HAVE_XDP_RXQ_NAPI_ID
	return xdp_rxq_info_reg(rxq, dev, index, napi->napi_id);
#else
	return xdp_rxq_info_reg(rxq, dev, index);
#endif
}

static inline void vlo_warn_invalid_xdp_action(struct net_device *dev,
					       struct bpf_prog *prog, u32 act)
{
#ifdef VLO_HAVE_WARN_XDP_ACTION_DEV
	bpf_warn_invalid_xdp_action(dev, prog, act);
#else
	bpf_warn_invalid_xdp_action(act);
#endif
}

#ifndef VLO_HAVE_XDP_INIT_BUFF
static inline void xdp_init_buff(struct xdp_buff *xdp, u32 frame_sz,
				 struct xdp_rxq_info *rxq)
{
	xdp->frame_sz = frame_sz;
	xdp->rxq = rxq;
}

static inline void xdp_prepare_buff(struct xdp_buff *xdp,
				    unsigned char *hard_start, int headroom,
				    int data_len, const bool meta_valid)
{
	xdp->data_hard_start = hard_start;
	xdp->data = hard_start + headroom;
	xdp->data_end = xdp->data + data_len;
	xdp->data_meta = meta_valid ? xdp->data : xdp->data + 1;
}
#endif

/* Multi-buffer XDP: programs that take frames in several pages. */
static inline bool vlo_prog_has_frags(const struct bpf_prog *prog)
{
#ifdef VLO_HAVE_XDP_FRAGS
	return prog->aux->xdp_has_frags;
#else
	return false;
#endif
}

#ifndef VLO_HAVE_XDP_FRAGS
static inline bool xdp_frame_has_frags(const struct xdp_frame *frame)
{
	return false;
}
#endif

/* Page I of a multi-buffer frame, whole from offset 0 (SIZE bytes used). */
static inline void vlo_xdp_set_frag(struct xdp_buff *xdp, unsigned int i,
				    struct page *page, unsigned int size)
{
#ifdef VLO_HAVE_XDP_FRAGS
	skb_frag_t *frag = &xdp_get_shared_info_from_buff(xdp)->frags[i];

#ifdef VLO_HAVE_FRAG_FILL_PAGE_DESC
	skb_frag_fill_page_desc(frag, page, 0, size);
#else
	__skb_frag_set_page(frag, page);
	skb_frag_off_set(frag, 0);
	skb_frag_size_set(frag, size);
#endif
#else
	/* Unreachable: only multi-buffer programs take frames this long. */
	WARN_ON_ONCE(1);
	put_page(page);
#endif
}

/* The frame has NR pages after its head, SIZE bytes in all. */
static inline void vlo_xdp_set_frags(struct xdp_buff *xdp, unsigned int nr,
				     unsigned int size)
{
#ifdef VLO_HAVE_XDP_FRAGS
	struct skb_shared_info *sinfo = xdp_get_shared_info_from_buff(xdp);

	if (!nr)
		return;
	sinfo->nr_frags = nr;
	sinfo->xdp_frags_size = size;
#ifdef VLO_HAVE_XDP_FRAGS_TRUESIZE
	sinfo->xdp_frags_truesize = nr * PAGE_SIZE;
#endif
	xdp_buff_set_frags_flag(xdp);
#endif
}

/* How many pages follow the head of an xdp_buff. */
static inline unsigned int vlo_xdp_buff_nr_frags(struct xdp_buff *xdp)
{
#ifdef VLO_HAVE_XDP_FRAGS
	if (xdp_buff_has_frags(xdp))
		return xdp_get_shared_info_from_buff(xdp)->nr_frags;
#endif
	return 0;
}

/*
 * An skb around an xdp_buff that vlo filled itself (a head buffer of
 * frame_sz, whole pages after it), from its NAPI poll. build_skb()
 * clears the fragment count, so it is read first.
 */
static inline struct sk_buff *vlo_build_skb_from_buff(struct xdp_buff *xdp)
{
	unsigned int nr = 0, size = 0;
	struct sk_buff *skb;

#ifdef VLO_HAVE_XDP_FRAGS
	if (xdp_buff_has_frags(xdp)) {
		struct skb_shared_info *sinfo = xdp_get_shared_info_from_buff(xdp);

		nr = sinfo->nr_frags;
		size = sinfo->xdp_frags_size;
	}
#endif
#ifdef VLO_HAVE_NAPI_BUILD_SKB
	skb = napi_build_skb(xdp->data_hard_start, xdp->frame_sz);
#else
	skb = build_skb(xdp->data_hard_start, xdp->frame_sz);
#endif
	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, xdp->data - xdp->data_hard_start);
	__skb_put(skb, xdp->data_end - xdp->data);
	if (nr) {
		skb_shinfo(skb)->nr_frags = nr;
		skb->len += size;
		skb->data_len += size;
		skb->truesize += nr * PAGE_SIZE;
	}
	return skb;
}

/* An skb for the stack around a frame another device redirected to vlo. */
static inline struct sk_buff *
vlo_build_skb_from_frame(struct xdp_frame *frame, struct net_device *dev)
{
#ifdef VLO_HAVE_XDP_BUILD_SKB_FROM_FRAME
	return xdp_build_skb_from_frame(frame, dev);
#else
	void *hard_start = frame->data - frame->headroom - sizeof(*frame);
	struct sk_buff *skb = build_skb(hard_start, frame->frame_sz);

	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, frame->data - hard_start);
	__skb_put(skb, frame->len);
	if (frame->metasize)
		skb_metadata_set(skb, frame->metasize);
	skb->protocol = eth_type_trans(skb, dev);
	xdp_release_frame(frame);
	return skb;
#endif
}

static inline unsigned int vlo_frame_len(const struct xdp_frame *frame)
{
#ifdef VLO_HAVE_XDP_GET_FRAME_LEN
	return xdp_get_frame_len((struct xdp_frame *)frame);
#else
	return frame->len;
#endif
}

/* A frame redirected on from vlo is freed the way its first device said. */
static inline void vlo_rxq_mem_from_frame(struct xdp_rxq_info *rxq,
					  const struct xdp_frame *frame)
{
#ifdef VLO_HAVE_XDP_FRAME_MEM_TYPE
	rxq->mem.type = frame->mem_type;
#else
	rxq->mem = frame->mem;
#endif
}

/*
 * "MTU too large" with the MTU that would fit. Before 6.2 an extack
 * message is a pointer to text that outlives the request: vlo formats it
 * once, at load, into BUF (vlo_format_mtu_msg), and points at it.
 */
static inline void vlo_format_mtu_msg(char *buf, size_t size, unsigned int max)
{
#ifdef VLO_HAVE_XDP_FRAGS
	snprintf(buf, size,
		 "vlo: MTU too large for single-buffer XDP: at most %u, or use xdp.frags",
		 max);
#else
	snprintf(buf, size,
		 "vlo: MTU too large for XDP (no xdp.frags before 5.18): at most %u",
		 max);
#endif
}

static inline void vlo_extack_mtu_too_large(struct netlink_ext_ack *extack,
					    const char *buf, unsigned int max)
{
#ifdef VLO_HAVE_EXTACK_FMT
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "MTU too large for single-buffer XDP: at most %u, or use xdp.frags",
			       max);
#else
	if (extack)
		extack->_msg = buf;
#endif
}

/*
 * Before 5.13 the driver frees the frames its ndo_xdp_xmit refuses; since
 * then the caller does (devmap's bq_xmit_all). The contract changed, not
 * the prototype: only the version tells.
 */
static inline void vlo_xdp_xmit_free_refused(struct xdp_frame **frames, int n)
{
#if KERNEL_VERSION(5, 13, 0) > LINUX_VERSION_CODE
	int i;

	for (i = 0; i < n; i++)
		xdp_return_frame_rx_napi(frames[i]);
#endif
}

/* What vlo's XDP can do, for the netdev netlink family (6.3+). */
static inline void vlo_set_xdp_features(struct net_device *dev)
{
#ifdef VLO_HAVE_XDP_FEATURES
	dev->xdp_features = NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT |
			    NETDEV_XDP_ACT_NDO_XMIT | NETDEV_XDP_ACT_RX_SG |
			    NETDEV_XDP_ACT_NDO_XMIT_SG;
#endif
}

#endif /* VLO_COMPAT_H */
