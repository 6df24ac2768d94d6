// SPDX-License-Identifier: GPL-2.0
/*
 * Summing vlo's per-CPU counters for ip -s link and ethtool -S.
 */

#include <linux/netdevice.h>
#include <linux/string.h>

#include "vlo_compat.h"
#include "vlo.h"

void vlo_read_counters(struct net_device *dev, u64 *counters)
{
	struct vlo_priv *priv = netdev_priv(dev);
	int cpu;

	memset(counters, 0, VLO_NR_COUNTERS * sizeof(*counters));
	for_each_possible_cpu(cpu) {
		const struct vlo_pcpu_stats *s = per_cpu_ptr(priv->stats, cpu);
		u64 lp, lb, dp, db, sp, sb, cd, hd;
		unsigned int start;

		do {
			start = vlo_stats_fetch_begin(&s->syncp);
			lp = u64_stats_read(&s->looped_packets);
			lb = u64_stats_read(&s->looped_bytes);
			dp = u64_stats_read(&s->backlog_drops);
			db = u64_stats_read(&s->backlog_drop_bytes);
			sp = u64_stats_read(&s->stack_looped_packets);
			sb = u64_stats_read(&s->stack_looped_bytes);
			cd = u64_stats_read(&s->carrier_drops);
			hd = u64_stats_read(&s->header_drops);
		} while (vlo_stats_fetch_retry(&s->syncp, start));

		counters[VLO_TX_PACKETS] += lp + dp + sp;
		counters[VLO_TX_BYTES] += lb + db + sb;
		counters[VLO_RX_PACKETS] += lp;
		counters[VLO_RX_BYTES] += lb;
		counters[VLO_RX_BACKLOG_DROPS] += dp;
		counters[VLO_TX_LOOPED_BY_STACK] += sp;
		counters[VLO_TX_CARRIER_DROPS] += cd;
		counters[VLO_TX_HEADER_DROPS] += hd;
	}
}
