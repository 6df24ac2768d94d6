// SPDX-License-Identifier: GPL-2.0
/*
 * What IPv4 and IPv6 assume of a vlo device, set where lo gets it from its
 * IFF_LOOPBACK flag, which vlo cannot have. Applied each time a vlo device
 * is registered in a namespace (made, or moved in: the move gives the
 * device fresh per-device settings), after the protocols made theirs; the
 * user may change either setting afterwards.
 *
 *  - IPv6 makes no link-local address (addrgenmode none). lo has none, and
 *    with one the kernel sends router solicitations and MLD reports on an
 *    idle device. NOARP already keeps vlo out of DAD and solicited-node
 *    groups, so an idle device carries nothing the user did not send.
 *  - IPv4 accepts frames whose source is a local address (accept_local):
 *    everything vlo receives was sent by this host, and the reflected copy
 *    of a multicast or broadcast is the one vlo delivers (vlo_rx.c).
 */

#include <linux/if_link.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/addrconf.h>

#include "vlo.h"

static void vlo_inet_defaults(struct net_device *dev)
{
	struct in_device *in_dev = __in_dev_get_rtnl(dev);
#if IS_ENABLED(CONFIG_IPV6)
	struct inet6_dev *idev = __in6_dev_get(dev);

	/* None when IPv6 is disabled or the MTU is below IPv6's minimum. */
	if (idev)
		WRITE_ONCE(idev->cnf.addr_gen_mode, IN6_ADDR_GEN_MODE_NONE);
#endif
	if (in_dev)
		IN_DEV_CONF_SET(in_dev, ACCEPT_LOCAL, 1);
}

static int vlo_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_REGISTER && dev->rtnl_link_ops == &vlo_link_ops)
		vlo_inet_defaults(dev);
	return NOTIFY_DONE;
}

/*
 * Same priority as IPv4's and IPv6's notifiers and registered after them,
 * so called after them: the per-device settings exist. (With IPv6 built
 * as a module and loaded after vlo, IPv6 keeps its own defaults.)
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
