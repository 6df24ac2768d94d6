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

#endif /* VLO_COMPAT_H */
