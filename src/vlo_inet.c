// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6's settings for a vlo device, as lo gets them from its IFF_LOOPBACK
 * flag, which vlo cannot have: no link-local address (addrgenmode none).
 * lo has none; with one, the kernel sends router solicitations and MLD
 * reports on an idle device. NOARP already keeps vlo out of DAD and
 * solicited-node groups, so an idle device carries nothing the user did
 * not send.
 *
 * IPv6 makes a device's settings afresh, from the namespace's defaults,
 * when the device is registered in a namespace (made, or moved in) and
 * when its MTU comes back to 1280 or more after being below it; vlo sets
 * addrgenmode each time, after IPv6 did its part. The user may change it
 * afterwards. (Coming back to 1280 while the device is up, IPv6 adds its
 * link-local address in the same step, before vlo can act: a down and up
 * removes it.)
 */

#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/addrconf.h>

#include "vlo.h"

static void vlo_ipv6_defaults(struct net_device *dev)
{
	struct vlo_priv *priv = netdev_priv(dev);
#if IS_ENABLED(CONFIG_IPV6)
	struct inet6_dev *idev = __in6_dev_get(dev);

	/* None when IPv6 is disabled or the MTU is below IPv6's minimum. */
	if (idev)
		WRITE_ONCE(idev->cnf.addr_gen_mode, IN6_ADDR_GEN_MODE_NONE);
	priv->ipv6_defaults_pending = !idev && dev->mtu < IPV6_MIN_MTU;
#else
	priv->ipv6_defaults_pending = false;
#endif
}

static int vlo_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct vlo_priv *priv;

	if (dev->rtnl_link_ops != &vlo_link_ops)
		return NOTIFY_DONE;
	priv = netdev_priv(dev);
	switch (event) {
	case NETDEV_REGISTER:
		vlo_ipv6_defaults(dev);
		break;
	case NETDEV_CHANGEMTU:
		/* Below 1280 IPv6 drops the device's settings; back, anew. */
		if (priv->ipv6_defaults_pending || dev->mtu < IPV6_MIN_MTU)
			vlo_ipv6_defaults(dev);
		break;
	}
	return NOTIFY_DONE;
}

/*
 * Same priority as IPv6's notifier and registered after it, so called
 * after it: the settings exist. (With IPv6 built as a module and loaded
 * after vlo, IPv6 keeps its own defaults.)
 */
static struct notifier_block vlo_netdev_notifier = {
	.notifier_call = vlo_netdev_event,
};

int vlo_inet_defaults_register(void)
{
	return register_netdevice_notifier(&vlo_netdev_notifier);
}

void vlo_inet_defaults_unregister(void)
{
	unregister_netdevice_notifier(&vlo_netdev_notifier);
}
