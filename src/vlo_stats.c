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
	unsigned int i;
	int cpu;

	memset(counters, 0, VLO_NR_COUNTERS * sizeof(*counters));
	for_each_possible_cpu(cpu) {
		const struct vlo_pcpu_stats *s = per_cpu_ptr(priv->stats, cpu);
		u64 lp, lb, dp, db, sp, sb, cd, hd, rp, rb, rf, st, xp, xb, xe;
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
			rp = u64_stats_read(&s->ring_packets);
			rb = u64_stats_read(&s->ring_bytes);
			rf = u64_stats_read(&s->ring_full);
			st = u64_stats_read(&s->stop_drops);
			xp = u64_stats_read(&s->xdp_xmit_packets);
			xb = u64_stats_read(&s->xdp_xmit_bytes);
			xe = u64_stats_read(&s->xdp_xmit_errors);
		} while (vlo_stats_fetch_retry(&s->syncp, start));

		/* Ring-full drops count as sent, as backlog drops do. */
		counters[VLO_TX_PACKETS] += lp + dp + sp + rp + rf + xp;
		counters[VLO_TX_BYTES] += lb + db + sb + rb + xb;
		counters[VLO_RX_PACKETS] += lp;
		counters[VLO_RX_BYTES] += lb;
		counters[VLO_RX_BACKLOG_DROPS] += dp;
		counters[VLO_TX_LOOPED_BY_STACK] += sp;
		counters[VLO_TX_CARRIER_DROPS] += cd;
		counters[VLO_TX_HEADER_DROPS] += hd;
		counters[VLO_RX_QUEUE_DROPS] += rf + st;
		counters[VLO_TX_XDP_XMIT] += xp;
		counters[VLO_TX_XDP_XMIT_ERRORS] += xe;
	}
	/* Frames received by the queues' NAPI polls (vlo_xdp.c). */
	for (i = 0; i < dev->num_rx_queues && priv->rq; i++) {
		u64 q[VLO_RQ_NR_COUNTERS];

		vlo_read_rq_counters(&priv->rq[i], q);
		counters[VLO_RX_PACKETS] += q[VLO_RQ_PACKETS];
		counters[VLO_RX_BYTES] += q[VLO_RQ_BYTES];
	}
}
