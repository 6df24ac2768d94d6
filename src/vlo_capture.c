// SPDX-License-Identifier: GPL-2.0
/*
 * capture-once: show each looped frame once to ETH_P_ALL taps (tcpdump).
 *
 * Taps see a looped frame twice: as it leaves (dev_queue_xmit_nit) and as
 * it comes back. libpcap hides the first copy only on the device named
 * "lo". With the flag on, vlo_xmit() marks the returning copy
 * PACKET_LOOPBACK, which packet sockets skip, and the receive handler
 * below restores its real type before any protocol sees it (TCP drops
 * anything that is not PACKET_HOST). The handler runs after the taps and
 * tc ingress, before the protocol handlers, so packet sockets bound to
 * one ethertype still get the frame. The cost: the device's rx_handler
 * slot, which bridge, bond and macvlan also want.
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "vlo.h"

/* The type eth_type_trans() gave the frame before vlo_xmit() hid it. */
static unsigned char vlo_frame_type(const struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);

	if (is_multicast_ether_addr(eth->h_dest))
		return is_broadcast_ether_addr(eth->h_dest) ?
			PACKET_BROADCAST : PACKET_MULTICAST;
	return ether_addr_equal(eth->h_dest, skb->dev->dev_addr) ?
		PACKET_HOST : PACKET_OTHERHOST;
}

static rx_handler_result_t vlo_capture_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;

	if (skb->pkt_type == PACKET_LOOPBACK)
		skb->pkt_type = vlo_frame_type(skb);
	return RX_HANDLER_PASS;
}

/*
 * Only while the device is down: then no frame is being marked in xmit
 * and none in flight can miss the handler that restores it.
 */
int vlo_capture_set(struct net_device *dev, bool on)
{
	struct vlo_priv *priv = netdev_priv(dev);
	int err;

	ASSERT_RTNL();
	if (on == priv->capture_once)
		return 0;
	if (netif_running(dev)) {
		netdev_err(dev, "capture-once can only change while the device is down\n");
		return -EBUSY;
	}
	if (on) {
		err = netdev_rx_handler_register(dev, vlo_capture_rx, NULL);
		if (err) {
			netdev_err(dev, "capture-once needs the receive handler, which a bridge, bond or macvlan holds (%d)\n",
				   err);
			return err;
		}
	} else {
		netdev_rx_handler_unregister(dev);
	}
	priv->capture_once = on;
	return 0;
}

/* On unregister, under RTNL: give the handler slot back. */
void vlo_capture_release(struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);

	if (priv->capture_once) {
		netdev_rx_handler_unregister(dev);
		priv->capture_once = false;
	}
}
