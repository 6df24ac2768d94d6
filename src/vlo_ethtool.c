// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool for vlo: driver info, link, software timestamping and the
 * driver's counters.
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
		return VLO_NR_COUNTERS;
	default:
		return -EOPNOTSUPP;
	}
}

static void vlo_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	switch (sset) {
	case ETH_SS_STATS:
		memcpy(data, vlo_counter_names, sizeof(vlo_counter_names));
		break;
	}
}

static void vlo_get_ethtool_stats(struct net_device *dev,
				  struct ethtool_stats *stats, u64 *data)
{
	vlo_read_counters(dev, data);
}

const struct ethtool_ops vlo_ethtool_ops = {
	.get_drvinfo		= vlo_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_ts_info		= ethtool_op_get_ts_info,
	.get_sset_count		= vlo_get_sset_count,
	.get_strings		= vlo_get_strings,
	.get_ethtool_stats	= vlo_get_ethtool_stats,
};
