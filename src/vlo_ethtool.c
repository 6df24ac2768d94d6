// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool for vlo: driver info, link, software timestamping, channels
 * (RX and TX queues) and the driver's counters, device-wide and per RX
 * queue.
 */

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/string.h>

#include "vlo.h"

/* Fixed-width and zero-padded, so no byte reaches userspace unset. */
static const char vlo_counter_names[VLO_NR_COUNTERS][ETH_GSTRING_LEN] = {
	[VLO_TX_PACKETS]	= "tx_packets",
	[VLO_TX_BYTES]		= "tx_bytes",
	[VLO_RX_PACKETS]	= "rx_packets",
	[VLO_RX_BYTES]		= "rx_bytes",
	[VLO_RX_BACKLOG_DROPS]	= "rx_backlog_drops",
	[VLO_TX_LOOPED_BY_STACK] = "tx_looped_by_stack",
	[VLO_TX_CARRIER_DROPS]	= "tx_carrier_drops",
	[VLO_TX_HEADER_DROPS]	= "tx_header_drops",
	[VLO_RX_QUEUE_DROPS]	= "rx_queue_drops",
	[VLO_TX_XDP_XMIT]	= "tx_xdp_xmit",
	[VLO_TX_XDP_XMIT_ERRORS] = "tx_xdp_xmit_errors",
};

/* Per RX queue N, as "rxN_<name>". */
static const char * const vlo_rq_counter_names[VLO_RQ_NR_COUNTERS] = {
	[VLO_RQ_PACKETS]	= "packets",
	[VLO_RQ_BYTES]		= "bytes",
	[VLO_RQ_XDP_XMIT]	= "xdp_xmit",
	[VLO_RQ_XDP_PASS]	= "xdp_pass",
	[VLO_RQ_XDP_DROP]	= "xdp_drop",
	[VLO_RQ_XDP_TX]		= "xdp_tx",
	[VLO_RQ_XDP_REDIRECT]	= "xdp_redirect",
	[VLO_RQ_XDP_ABORTED]	= "xdp_aborted",
	[VLO_RQ_XDP_ERRORS]	= "xdp_errors",
};

static void vlo_get_drvinfo(struct net_device *dev,
			    struct ethtool_drvinfo *info)
{
	/*
	 * The core put the kernel release in version first: pad, so none
	 * of it is left behind the shorter string.
	 */
	strscpy_pad(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy_pad(info->version, VLO_VERSION, sizeof(info->version));
}

static int vlo_get_sset_count(struct net_device *dev, int sset)
{
	switch (sset) {
	case ETH_SS_STATS:
		return VLO_NR_COUNTERS +
		       dev->real_num_rx_queues * VLO_RQ_NR_COUNTERS;
	default:
		return -EOPNOTSUPP;
	}
}

static void vlo_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	unsigned int q, i;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, vlo_counter_names, sizeof(vlo_counter_names));
	data += sizeof(vlo_counter_names);
	for (q = 0; q < dev->real_num_rx_queues; q++) {
		for (i = 0; i < VLO_RQ_NR_COUNTERS; i++) {
			/* Zero-padded: no byte reaches userspace unset. */
			memset(data, 0, ETH_GSTRING_LEN);
			snprintf(data, ETH_GSTRING_LEN, "rx%u_%s", q,
				 vlo_rq_counter_names[i]);
			data += ETH_GSTRING_LEN;
		}
	}
}

static void vlo_get_ethtool_stats(struct net_device *dev,
				  struct ethtool_stats *stats, u64 *data)
{
	struct vlo_priv *priv = netdev_priv(dev);
	unsigned int q;

	vlo_read_counters(dev, data);
	data += VLO_NR_COUNTERS;
	/* Zeros until the first ndo_open makes the queues (under RTNL). */
	for (q = 0; q < dev->real_num_rx_queues; q++) {
		if (priv->rq)
			vlo_read_rq_counters(&priv->rq[q], data);
		else
			memset(data, 0, VLO_RQ_NR_COUNTERS * sizeof(*data));
		data += VLO_RQ_NR_COUNTERS;
	}
}

/* RX and TX queues separately, up to what the device was made with. */
static void vlo_get_channels(struct net_device *dev,
			     struct ethtool_channels *ch)
{
	ch->max_rx = dev->num_rx_queues;
	ch->max_tx = dev->num_tx_queues;
	ch->rx_count = dev->real_num_rx_queues;
	ch->tx_count = dev->real_num_tx_queues;
}

/*
 * Every RX queue has its ring and NAPI while the device is up, used or
 * not, so the counts can change at any time: frames already in a ring
 * that is no longer used are still received.
 */
static int vlo_set_channels(struct net_device *dev,
			    struct ethtool_channels *ch)
{
	unsigned int old_rx = dev->real_num_rx_queues;
	int err;

	if (!ch->rx_count || !ch->tx_count)
		return -EINVAL;
	err = netif_set_real_num_rx_queues(dev, ch->rx_count);
	if (err)
		return err;
	err = netif_set_real_num_tx_queues(dev, ch->tx_count);
	if (err)
		netif_set_real_num_rx_queues(dev, old_rx);
	return err;
}

const struct ethtool_ops vlo_ethtool_ops = {
	.get_drvinfo		= vlo_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_ts_info		= ethtool_op_get_ts_info,
	.get_sset_count		= vlo_get_sset_count,
	.get_strings		= vlo_get_strings,
	.get_ethtool_stats	= vlo_get_ethtool_stats,
	.get_channels		= vlo_get_channels,
	.set_channels		= vlo_set_channels,
};
