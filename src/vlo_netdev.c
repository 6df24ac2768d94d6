// SPDX-License-Identifier: GPL-2.0
/*
 * The vlo device: its setup, its operations and the data path.
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/dst.h>

#include "vlo_compat.h"
#include "vlo.h"

/* What lo offers, less what only the namespace's own lo may have. */
#define VLO_HW_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST |		\
			 NETIF_F_GSO_SOFTWARE | NETIF_F_HW_CSUM |	\
			 NETIF_F_RXCSUM | NETIF_F_SCTP_CRC |		\
			 NETIF_F_HIGHDMA)

static void vlo_count_looped(struct vlo_priv *priv, unsigned int len)
{
	struct vlo_pcpu_stats *s = this_cpu_ptr(priv->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->looped_packets);
	u64_stats_add(&s->looped_bytes, len);
	u64_stats_update_end(&s->syncp);
}

static void vlo_count_backlog_drop(struct vlo_priv *priv, unsigned int len)
{
	struct vlo_pcpu_stats *s = this_cpu_ptr(priv->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->backlog_drops);
	u64_stats_add(&s->backlog_drop_bytes, len);
	u64_stats_update_end(&s->syncp);
}

static void vlo_count_stack_looped(struct vlo_priv *priv, unsigned int len)
{
	struct vlo_pcpu_stats *s = this_cpu_ptr(priv->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->stack_looped_packets);
	u64_stats_add(&s->stack_looped_bytes, len);
	u64_stats_update_end(&s->syncp);
}

/* Frames refused before they are looped: rare, so one helper for both. */
static void vlo_count_refused(struct vlo_priv *priv, bool no_carrier)
{
	struct vlo_pcpu_stats *s = this_cpu_ptr(priv->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(no_carrier ? &s->carrier_drops : &s->header_drops);
	u64_stats_update_end(&s->syncp);
}

/*
 * Runs with bottom halves disabled and, the device being lockless, on
 * several CPUs at once: everything it touches is per CPU or the skb's own.
 */
static netdev_tx_t vlo_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);
	unsigned int len = skb->len;

	/*
	 * Between carrier loss and the stack parking the device behind its
	 * noop qdisc, frames still arrive: a device without carrier
	 * delivers none of them.
	 */
	if (unlikely(!netif_carrier_ok(dev))) {
		vlo_count_refused(priv, true);
		vlo_drop_not_ready(skb);
		return NETDEV_TX_OK;
	}
	/*
	 * Redirects (tc mirred, BPF) may bring frames from devices without a
	 * link-layer header; eth_type_trans() needs a whole one to read.
	 */
	if (unlikely(!pskb_may_pull(skb, ETH_HLEN))) {
		vlo_count_refused(priv, false);
		vlo_drop_too_small(skb);
		return NETDEV_TX_OK;
	}

	skb_tx_timestamp(skb);
	/* Local receivers already have the IP stack's own copy of it. */
	if (unlikely(is_multicast_ether_addr(skb->data)) &&
	    vlo_stack_loops_it(skb)) {
		vlo_count_stack_looped(priv, len);
		consume_skb(skb);
		return NETDEV_TX_OK;
	}
	/* A TX delivery time must not pass for an RX timestamp. */
	vlo_clear_tstamp(skb);
	/* The sender's socket stops paying for a frame it no longer owns. */
	skb_orphan(skb);
	/*
	 * The frame comes back as a new arrival on this device. An output
	 * route kept for a classifier (netif_keep_dst) would skip input
	 * routing, whose dst_discard or ip6_forward it then meets: drop it.
	 * A redirect may bring a packet type its first device gave it;
	 * eth_type_trans() sets only the other types. Extensions (IPsec
	 * state, tc chain, ...) describe the way out, as for veth. Like lo,
	 * the frame keeps its mark, priority and conntrack entry.
	 */
	skb_dst_drop(skb);
	skb_ext_reset(skb);
	skb->pkt_type = PACKET_HOST;
	/* With a program attached, the queue's NAPI poll receives it. */
	if (vlo_xdp_attached(priv) && likely(smp_load_acquire(&priv->rings_up)))
		return vlo_xdp_queue_skb(dev, skb);

	skb->protocol = eth_type_trans(skb, dev);
	/* A frame redirected from ingress has its header in the csum. */
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);

	if (likely(vlo_netif_rx(skb) == NET_RX_SUCCESS))
		vlo_count_looped(priv, len);
	else
		vlo_count_backlog_drop(priv, len);

	return NETDEV_TX_OK;
}

static void vlo_get_stats64(struct net_device *dev,
			    struct rtnl_link_stats64 *stats)
{
	u64 c[VLO_NR_COUNTERS];

	vlo_read_counters(dev, c);
	stats->tx_packets = c[VLO_TX_PACKETS];
	stats->tx_bytes = c[VLO_TX_BYTES];
	stats->rx_packets = c[VLO_RX_PACKETS];
	stats->rx_bytes = c[VLO_RX_BYTES];
	/*
	 * The core already adds backlog refusals to rx_dropped; adding
	 * rx_backlog_drops here would count each of them twice.
	 */
	stats->tx_dropped = c[VLO_TX_CARRIER_DROPS] + c[VLO_TX_HEADER_DROPS] +
			    c[VLO_TX_XDP_XMIT_ERRORS];
	/* Frames lost between a queue's ring and its poll; not the core's. */
	stats->rx_dropped = c[VLO_RX_QUEUE_DROPS];
}

static int vlo_change_carrier(struct net_device *dev, bool new_carrier)
{
	if (new_carrier)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
	return 0;
}

static int vlo_dev_init(struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);

	priv->stats = netdev_alloc_pcpu_stats(struct vlo_pcpu_stats);
	return priv->stats ? 0 : -ENOMEM;
}

/* Runs once the last reference is gone, so no reader can see freed stats. */
static void vlo_dev_free(struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);

	vlo_free_rqs(dev);
	free_percpu(priv->stats);
	priv->stats = NULL;
}

static int vlo_open(struct net_device *dev)
{
	return vlo_rings_start(dev);
}

static int vlo_stop(struct net_device *dev)
{
	vlo_rings_stop(dev);
	return 0;
}

/* XDP programs see frames as on a wire: no GSO super-frames (vlo_xdp.c). */
static netdev_features_t vlo_fix_features(struct net_device *dev,
					  netdev_features_t features)
{
	if (vlo_xdp_attached(netdev_priv(dev)))
		features &= ~NETIF_F_GSO_SOFTWARE;
	return features;
}

/*
 * Every neighbour of a vlo device is the device itself (NOARP entries carry
 * its own MAC), so a header built with no destination names the device
 * rather than eth_header()'s 00:00:00:00:00:00, which would come back as
 * PACKET_OTHERHOST. An all-zero destination given by the caller stays
 * what it is: a device that wants lo's frames takes lo's address.
 */
static int vlo_header_create(struct sk_buff *skb, struct net_device *dev,
			     unsigned short type, const void *daddr,
			     const void *saddr, unsigned int len)
{
	return eth_header(skb, dev, type, daddr ?: dev->dev_addr, saddr, len);
}

static const struct header_ops vlo_header_ops = {
	.create		= vlo_header_create,
	.parse		= eth_header_parse,
	.cache		= eth_header_cache,
	.cache_update	= eth_header_cache_update,
	.parse_protocol	= eth_header_parse_protocol,
};

/*
 * Any unicast address, and also lo's 00:00:00:00:00:00: programs written
 * for lo send to that address, and a vlo device that has it receives their
 * frames as its own. The MAC is only ever compared with itself.
 */
static int vlo_set_mac_address(struct net_device *dev, void *p)
{
	const struct sockaddr *sa = p;

	if (is_multicast_ether_addr(sa->sa_data))
		return -EADDRNOTAVAIL;
	eth_commit_mac_addr_change(dev, p);
	return 0;
}

static int vlo_validate_addr(struct net_device *dev)
{
	return is_multicast_ether_addr(dev->dev_addr) ? -EADDRNOTAVAIL : 0;
}

static const struct net_device_ops vlo_netdev_ops = {
	.ndo_init		= vlo_dev_init,
	.ndo_open		= vlo_open,
	.ndo_stop		= vlo_stop,
	.ndo_start_xmit		= vlo_xmit,
	.ndo_get_stats64	= vlo_get_stats64,
	.ndo_change_carrier	= vlo_change_carrier,
	.ndo_set_mac_address	= vlo_set_mac_address,
	.ndo_validate_addr	= vlo_validate_addr,
	.ndo_fix_features	= vlo_fix_features,
	.ndo_bpf		= vlo_bpf,
	.ndo_xdp_xmit		= vlo_xdp_xmit,
};

void vlo_setup(struct net_device *dev)
{
	ether_setup(dev);

	dev->netdev_ops = &vlo_netdev_ops;
	dev->header_ops = &vlo_header_ops;
	dev->ethtool_ops = &vlo_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = vlo_dev_free;

	/* Every neighbour is the device itself: nothing to resolve. */
	dev->flags |= IFF_NOARP;
	/* xmit hands the skb on, so it must not be shared (pktgen would). */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	/*
	 * No queue unless the user attaches one; the MAC is only compared
	 * with itself, so it can change while up; netpoll would call xmit
	 * with interrupts off, where the backlog must not be entered. A
	 * bridge port would send every flooded frame straight back into the
	 * bridge (two ports: a storm), so bridges are told no, as lo is.
	 */
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE |
			   IFF_DISABLE_NETPOLL | IFF_DONT_BRIDGE;

	dev->mtu = VLO_DEFAULT_MTU;
	dev->min_mtu = VLO_MIN_MTU;
	dev->max_mtu = VLO_MAX_MTU;

	dev->hw_features = VLO_HW_FEATURES;
	/* Like lo: a looped VLAN tag would need a VLAN device on the far side. */
	dev->features = VLO_HW_FEATURES | NETIF_F_VLAN_CHALLENGED;
	vlo_set_lltx(dev);
	vlo_set_gso_max(dev);
	vlo_set_xdp_features(dev);

	eth_hw_addr_random(dev);
}
