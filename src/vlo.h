/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vlo: loopback-style network devices. Everything a vlo device transmits
 * is received again on the same device, through the same per-CPU backlog
 * that carries lo's traffic.
 */
#ifndef VLO_H
#define VLO_H

#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <net/rtnetlink.h>

#define VLO_VERSION "0.2.0"

/* lo's MTU is the default; the range is what IPv4 and IPv6 can use. */
#define VLO_DEFAULT_MTU 65536
#define VLO_MIN_MTU 68
#define VLO_MAX_MTU 65536

/*
 * Counters kept per CPU by the data path. A looped frame counts once, as
 * both sent and received, like on lo; the reported TX figures add the
 * frames the backlog refused, and the multicast and broadcast that the IP
 * stack delivers locally itself (vlo_mcast.c), to those it took.
 */
struct vlo_pcpu_stats {
	u64_stats_t looped_packets;
	u64_stats_t looped_bytes;
	u64_stats_t backlog_drops;
	u64_stats_t backlog_drop_bytes;
	u64_stats_t stack_looped_packets;
	u64_stats_t stack_looped_bytes;
	u64_stats_t carrier_drops;
	u64_stats_t header_drops;
	struct u64_stats_sync syncp;
};

/* The counters as reported, summed over CPUs; also ethtool -S's order. */
enum vlo_counter {
	VLO_TX_PACKETS,
	VLO_TX_BYTES,
	VLO_RX_PACKETS,
	VLO_RX_BYTES,
	VLO_RX_BACKLOG_DROPS,
	VLO_TX_LOOPED_BY_STACK,
	VLO_TX_CARRIER_DROPS,
	VLO_TX_HEADER_DROPS,
	VLO_NR_COUNTERS
};

struct vlo_priv {
	struct vlo_pcpu_stats __percpu *stats;
	/* IPv6 dropped its settings (MTU < 1280): apply ours when it is back. */
	bool ipv6_defaults_pending;
};

extern struct rtnl_link_ops vlo_link_ops;
extern const struct ethtool_ops vlo_ethtool_ops;

void vlo_setup(struct net_device *dev);
void vlo_read_counters(struct net_device *dev, u64 *counters);

bool vlo_stack_loops_it(const struct sk_buff *skb);

int vlo_inet_defaults_register(void);
void vlo_inet_defaults_unregister(void);

#endif /* VLO_H */
