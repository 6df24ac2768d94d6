// SPDX-License-Identifier: GPL-2.0
/*
 * vlo module: the rtnetlink kind "vlo" and the devices made at load.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/stringify.h>
#include <net/rtnetlink.h>

#include "vlo.h"

#define VLO_MAX_NUMDEVS 4096

static unsigned int numdevs = 1;

static int vlo_numdevs_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > VLO_MAX_NUMDEVS) {
		pr_err("numdevs must be between 0 and %u (got \"%s\")\n",
		       VLO_MAX_NUMDEVS, val);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops vlo_numdevs_ops = {
	.set = vlo_numdevs_set,
	.get = param_get_uint,
};

module_param_cb(numdevs, &vlo_numdevs_ops, &numdevs, 0444);
MODULE_PARM_DESC(numdevs, "Number of vlo devices made at load, vlo0 upwards (0-"
		 __stringify(VLO_MAX_NUMDEVS) ", default 1)");

/* Checks what the core does not before it builds the device. */
static int vlo_validate(struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "MAC address must be 6 bytes");
			return -EINVAL;
		}
		/* 00:00:00:00:00:00 is allowed: lo's (vlo_netdev.c). */
		if (is_multicast_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "MAC address must be unicast");
			return -EADDRNOTAVAIL;
		}
	}
	if (tb[IFLA_MTU]) {
		u32 mtu = nla_get_u32(tb[IFLA_MTU]);

		if (mtu < VLO_MIN_MTU || mtu > VLO_MAX_MTU) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MTU],
					    "MTU must be between " __stringify(VLO_MIN_MTU)
					    " and " __stringify(VLO_MAX_MTU));
			return -EINVAL;
		}
	}
	return 0;
}

struct rtnl_link_ops vlo_link_ops __read_mostly = {
	.kind		= KBUILD_MODNAME,
	.priv_size	= sizeof(struct vlo_priv),
	.setup		= vlo_setup,
	.validate	= vlo_validate,
};

static int __init vlo_create_one(void)
{
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(struct vlo_priv), "vlo%d", NET_NAME_ENUM,
			   vlo_setup);
	if (!dev)
		return -ENOMEM;
	/* Marks it as ours, so rmmod and netns exit delete it like the rest. */
	dev->rtnl_link_ops = &vlo_link_ops;
	err = register_netdevice(dev);
	if (err)
		free_netdev(dev);
	return err;
}

static int __init vlo_init(void)
{
	unsigned int i;
	int err;

	vlo_xdp_init();
	/* First, so the devices made below get their IP settings too. */
	err = vlo_inet_defaults_register();
	if (err)
		return err;
	err = rtnl_link_register(&vlo_link_ops);
	if (err) {
		vlo_inet_defaults_unregister();
		return err;
	}

	rtnl_lock();
	for (i = 0; i < numdevs && !err; i++) {
		err = vlo_create_one();
		cond_resched();
	}
	rtnl_unlock();

	if (err) {
		pr_err("creating vlo%u failed (%d)\n", i - 1, err);
		/* Also deletes the devices made before the failure. */
		rtnl_link_unregister(&vlo_link_ops);
		vlo_inet_defaults_unregister();
	}
	return err;
}

/* Deletes every vlo device in every namespace, up or not. */
static void __exit vlo_exit(void)
{
	rtnl_link_unregister(&vlo_link_ops);
	vlo_inet_defaults_unregister();
}

module_init(vlo_init);
module_exit(vlo_exit);

MODULE_DESCRIPTION("Loopback-style virtual network devices");
MODULE_AUTHOR("The vlo developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VLO_VERSION);
MODULE_ALIAS_RTNL_LINK("vlo");
