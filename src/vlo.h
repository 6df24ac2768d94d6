/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vlo: loopback-style network devices. Everything a vlo device transmits
 * is received again on the same device, through the same per-CPU backlog
 * that carries lo's traffic.
 */
#ifndef VLO_H
#define VLO_H

#include <linux/netdevice.h>
#include <linux/ptr_ring.h>
#include <linux/u64_stats_sync.h>
#include <net/rtnetlink.h>
#include <net/xdp.h>

#define VLO_VERSION "0.3.0"

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

/*
 * Counters of one RX queue's NAPI path. Only the queue's poll writes them
 * (it runs on one CPU at a time), so they need no per-CPU copies.
 */
struct vlo_rq_stats {
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t xdp_xmit;
	u64_stats_t xdp_pass;
	u64_stats_t xdp_drop;
	u64_stats_t xdp_tx;
	u64_stats_t xdp_redirect;
	u64_stats_t xdp_aborted;
	u64_stats_t xdp_errors;
	struct u64_stats_sync syncp;
};

enum vlo_rq_counter {
	VLO_RQ_PACKETS,
	VLO_RQ_BYTES,
	VLO_RQ_XDP_XMIT,
	VLO_RQ_XDP_PASS,
	VLO_RQ_XDP_DROP,
	VLO_RQ_XDP_TX,
	VLO_RQ_XDP_REDIRECT,
	VLO_RQ_XDP_ABORTED,
	VLO_RQ_XDP_ERRORS,
	VLO_RQ_NR_COUNTERS
};

/*
 * One RX queue. With a program attached, frames wait in the ring for the
 * queue's NAPI poll, which runs the program on them: the XDP model of a
 * NIC's RX ring. The ring and NAPI exist while the device is up, program
 * or not, so that other devices' programs can always redirect to vlo.
 */
struct vlo_rq {
	struct napi_struct napi;
	struct net_device *dev;
	struct ptr_ring ring;
	/* Set while the poll is scheduled: producers skip napi_schedule. */
	bool kicked;
	struct xdp_rxq_info xdp_rxq;
	/* vlo's own memory model: frame redirects overwrite xdp_rxq.mem. */
	struct xdp_mem_info xdp_mem;
	struct vlo_rq_stats stats;
} ____cacheline_aligned_in_smp;

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
	VLO_RX_QUEUE_DROPS,
	VLO_TX_XDP_XMIT,
	VLO_TX_XDP_XMIT_ERRORS,
	VLO_NR_COUNTERS
};

struct vlo_priv {
	struct vlo_pcpu_stats __percpu *stats;
	/*
	 * dev->num_rx_queues of them, from the first ndo_open on (a device
	 * never up costs nothing); rings and NAPI live while up.
	 */
	struct vlo_rq *rq;
	bool rings_up;
	/* Rare: frames lost between vlo and a ring, outside the hot path. */
	atomic64_t ring_full;
	atomic64_t stop_drops;
	atomic64_t xdp_xmit_errors;
	struct bpf_prog __rcu *xdp_prog;
	/* IPv6 dropped its settings (MTU < 1280): apply ours when it is back. */
	bool ipv6_defaults_pending;
};

extern struct rtnl_link_ops vlo_link_ops;
extern const struct ethtool_ops vlo_ethtool_ops;

void vlo_setup(struct net_device *dev);
void vlo_read_counters(struct net_device *dev, u64 *counters);
void vlo_read_rq_counters(const struct vlo_rq *rq, u64 *counters);
void vlo_free_rqs(struct net_device *dev);

int vlo_rings_start(struct net_device *dev);
void vlo_rings_stop(struct net_device *dev);
bool vlo_xdp_attached(const struct vlo_priv *priv);
netdev_tx_t vlo_xdp_queue_skb(struct net_device *dev, struct sk_buff *skb);
int vlo_bpf(struct net_device *dev, struct netdev_bpf *bpf);
void vlo_xdp_init(void);
int vlo_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		 u32 flags);

bool vlo_stack_loops_it(const struct sk_buff *skb);

int vlo_inet_defaults_register(void);
void vlo_inet_defaults_unregister(void);

#endif /* VLO_H */
