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
	const struct vlo_rq *rqs;
	unsigned int i;
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

	/*
	 * Native XDP (vlo_xdp.c): a frame through a queue's ring counts as
	 * sent and received when its poll takes it, as a looped frame does
	 * when the backlog takes it; those lost on the way count as sent.
	 */
	counters[VLO_RX_QUEUE_DROPS] = atomic64_read(&priv->ring_full) +
				       atomic64_read(&priv->stop_drops);
	counters[VLO_TX_PACKETS] += counters[VLO_RX_QUEUE_DROPS];
	counters[VLO_TX_XDP_XMIT_ERRORS] = atomic64_read(&priv->xdp_xmit_errors);
	/* Published once by the first ndo_open, freed with the device. */
	rqs = smp_load_acquire(&priv->rq);
	for (i = 0; rqs && i < dev->num_rx_queues; i++) {
		u64 q[VLO_RQ_NR_COUNTERS];

		vlo_read_rq_counters(&rqs[i], q);
		counters[VLO_TX_PACKETS] += q[VLO_RQ_PACKETS];
		counters[VLO_TX_BYTES] += q[VLO_RQ_BYTES];
		counters[VLO_RX_PACKETS] += q[VLO_RQ_PACKETS];
		counters[VLO_RX_BYTES] += q[VLO_RQ_BYTES];
		counters[VLO_TX_XDP_XMIT] += q[VLO_RQ_XDP_XMIT];
	}
}
