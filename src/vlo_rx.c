// SPDX-License-Identifier: GPL-2.0
/*
 * The receive handler: one delivery for multicast and broadcast.
 *
 * IPv4 and IPv6 give local receivers their own copy of multicast and
 * broadcast sent on a device that is not IFF_LOOPBACK (dev_loopback_xmit:
 * a clone marked PACKET_LOOPBACK, fed to netif_rx on the same device),
 * and vlo reflects the original as well: each datagram would arrive twice.
 * lo is spared because the stack makes no copy for it; vlo cannot carry
 * IFF_LOOPBACK (one per namespace), so it drops the stack's copy here and
 * keeps the frame that crossed the device, which the device's qdisc,
 * hooks, taps and counters saw. Where the original never reaches the
 * device, the copy is the only delivery and passes.
 *
 * The handler runs after the taps, tc ingress and netfilter's ingress
 * hook, before the protocols. Holding the device's rx_handler slot also
 * means vlo cannot be a bond, team, macvlan or ipvlan port (EBUSY), as lo
 * cannot.
 */

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/ipv6.h>

#include "vlo.h"

/* Does vlo also deliver the original of this stack copy? Under RCU. */
static bool vlo_original_reflected(const struct sk_buff *skb)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP): {
		struct in_device *in_dev;
		const struct iphdr *iph;
		struct iphdr ip;

		iph = skb_header_pointer(skb, 0, sizeof(ip), &ip);
		if (!iph)
			return false;
		/* ip_mc_output() frees a multicast with TTL 0 after copying. */
		if (ipv4_is_multicast(iph->daddr) && !iph->ttl)
			return false;
		/*
		 * The original's source is local: without accept_local
		 * (vlo_inet.c sets it, the user may clear it) the source
		 * check drops it on arrival, and the copy must stay.
		 */
		in_dev = __in_dev_get_rcu(skb->dev);
		return in_dev && IN_DEV_ACCEPT_LOCAL(in_dev);
	}
	case htons(ETH_P_IPV6): {
		const struct ipv6hdr *ip6h;
		struct ipv6hdr ip6;

		ip6h = skb_header_pointer(skb, 0, sizeof(ip6), &ip6);
		/*
		 * ip6_finish_output2() frees the original after copying it
		 * when the hop limit is 0 or the scope is interface-local.
		 */
		return ip6h && ipv6_addr_is_multicast(&ip6h->daddr) &&
		       ip6h->hop_limit &&
		       IPV6_ADDR_MC_SCOPE(&ip6h->daddr) >
		       IPV6_ADDR_SCOPE_NODELOCAL;
	}
	default:
		return false;
	}
}

static rx_handler_result_t vlo_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;

	if (likely(skb->pkt_type != PACKET_LOOPBACK) ||
	    !vlo_original_reflected(skb))
		return RX_HANDLER_PASS;
	/* Not a loss: the reflected original is delivered instead. */
	consume_skb(skb);
	return RX_HANDLER_CONSUMED;
}

/* From ndo_init, under RTNL: the slot is free on a device being made. */
int vlo_rx_handler_claim(struct net_device *dev)
{
	return netdev_rx_handler_register(dev, vlo_handle_frame, NULL);
}

/*
 * From ndo_uninit. No synchronize_net() per device, as
 * netdev_rx_handler_unregister() would do: unregister_netdevice_many()
 * waits for a grace period after ndo_uninit, before the device goes.
 */
void vlo_rx_handler_release(struct net_device *dev)
{
	ASSERT_RTNL();
	RCU_INIT_POINTER(dev->rx_handler, NULL);
}
