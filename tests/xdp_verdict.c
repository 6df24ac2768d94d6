// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_verdict.c - XDP program for the vlo XDP selftests (tests/vlo_xdp*.sh).
 *
 * The tests must count what an XDP program did without asking the driver
 * under test: this program keeps its own counts in an array map that the
 * shell reads back with bpftool. What it does with a frame is set from
 * user space too (bpftool map update on the config map), so that one
 * object, loaded once, shows every verdict: the tests change the action
 * between two bursts of traffic instead of loading another program.
 *
 * Which frames: only "test frames" are acted on; everything else passes
 * untouched, counted in CNT_OTHER, so that a stray frame of the kernel's
 * own can never be mistaken for (or dropped instead of) a test frame.
 * A test frame is IPv4 or IPv6 UDP to the configured port, or a frame of
 * the configured ethertype (vlo_pkt's raw frames); with neither set,
 * every frame is one (a counting XDP_PASS program for another device).
 *
 * Two programs share the code and the maps: SEC("xdp") for single-buffer
 * frames and SEC("xdp.frags") (libbpf sets BPF_F_XDP_HAS_FRAGS), which a
 * device accepts at any MTU; that one also counts the frames that came in
 * more than one buffer. Pick one with ip's "sec xdp" or "sec xdp.frags";
 * iproute2 loads only the program of the section it is given.
 *
 * Built with libbpf's headers: clang -O2 -g -target bpf -c.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/*
 * Actions, set in cfg[CFG_ACTION]. 0 is XDP_PASS so that a fresh map
 * (all zero) passes every frame. The tests use these numbers.
 */
enum {
	ACT_PASS,	/* XDP_PASS */
	ACT_DROP,	/* XDP_DROP */
	ACT_TX,		/* XDP_TX, frame unchanged */
	ACT_ABORTED,	/* XDP_ABORTED */
	ACT_REDIRECT,	/* bpf_redirect(cfg[CFG_ARG] = ifindex, 0) */
	ACT_DEVMAP,	/* bpf_redirect_map(devmap, 0, 0) */
	ACT_BCAST,	/* devmap broadcast to every entry but the ingress device */
	ACT_CPUMAP,	/* bpf_redirect_map(cpumap, cfg[CFG_ARG] = cpu, 0) */
	ACT_XSK,	/* bpf_redirect_map(xskmap, rx queue, 0) */
	ACT_RAW,	/* return cfg[CFG_ARG] as is (an unknown verdict) */
	ACT_PONG,	/* ICMP echo request -> echo reply, XDP_TX; others pass */
};

/* Config slots, written by the tests. */
enum {
	CFG_ACTION,
	CFG_PORT,	/* UDP destination port of test frames (0: none) */
	CFG_ETYPE,	/* ethertype of test frames (0: none) */
	CFG_ARG,	/* the action's argument */
	CFG_MAX
};

/*
 * Counter slots. CNT_QUEUE + q counts the test frames seen on RX queue q
 * (ctx->rx_queue_index: the queue the driver says the frame came in on).
 */
enum {
	CNT_SEEN,	/* every frame the program ran on */
	CNT_OTHER,	/* frames that are not test frames (passed) */
	CNT_MATCHED,	/* test frames */
	CNT_PASS,
	CNT_DROP,
	CNT_TX,
	CNT_ABORTED,
	CNT_REDIRECT,	/* test frames the redirect helper accepted */
	CNT_REDIRECT_REFUSED,	/* ... and those it refused (verdict returned) */
	CNT_RAW,	/* test frames given the raw verdict */
	CNT_BYTES,	/* bytes of test frames, all buffers, Ethernet header included */
	CNT_MULTIBUF,	/* test frames in more than one buffer (xdp.frags only) */
	CNT_PONG,	/* echo requests turned into replies */
	CNT_MAXLEN,	/* the longest test frame (bytes, all buffers) */
	CNT_QUEUE = 16,
	CNT_MAX = CNT_QUEUE + 16
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CFG_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xv_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xv_cnt SEC(".maps");

/* Redirect targets, filled by the tests with bpftool. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);	/* ifindex */
} xv_devmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);	/* queue size; no program on the CPU */
} xv_cpumap SEC(".maps");

/* Filled by tests/vlo_xsk with its AF_XDP socket, key = its queue. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} xv_xskmap SEC(".maps");

static __always_inline void count_n(__u32 slot, __u64 n)
{
	__u64 *val = bpf_map_lookup_elem(&xv_cnt, &slot);

	if (val)
		__sync_fetch_and_add(val, n);
}

static __always_inline void count(__u32 slot)
{
	count_n(slot, 1);
}

/* Not atomic: two CPUs may race, the tests send one flow at a time. */
static __always_inline void max_len(__u64 len)
{
	__u32 slot = CNT_MAXLEN;
	__u64 *val = bpf_map_lookup_elem(&xv_cnt, &slot);

	if (val && *val < len)
		*val = len;
}

static __always_inline __u64 cfg(__u32 slot)
{
	__u64 *val = bpf_map_lookup_elem(&xv_cfg, &slot);

	return val ? *val : 0;
}

/* Whether the frame is a test frame (see the top of the file). */
static __always_inline int is_test_frame(void *data, void *end)
{
	__u64 port = cfg(CFG_PORT), etype = cfg(CFG_ETYPE);
	struct ethhdr *eth = data;
	struct udphdr *udp;

	if (!port && !etype)
		return 1;
	if ((void *)(eth + 1) > end)
		return 0;
	if (etype && eth->h_proto == bpf_htons(etype))
		return 1;
	if (!port)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP ||
		    ip->ihl != 5)
			return 0;
		udp = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP)
			return 0;
		udp = (void *)(ip6 + 1);
	} else {
		return 0;
	}
	if ((void *)(udp + 1) > end)
		return 0;
	return udp->dest == bpf_htons(port);
}

/*
 * ACT_PONG: an IPv4 ICMP echo request becomes the echo reply the kernel
 * would have sent (addresses swapped, type 0, checksums adjusted), sent
 * back with XDP_TX. On vlo that reply is received again, by the stack: a
 * local ping is answered by this program and the peer's kernel never sees
 * the request. Anything else passes.
 */
struct icmp_start {
	__u8 type;
	__u8 code;
	__sum16 checksum;
};

static __always_inline int pong(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct icmp_start *icmp = (void *)(ip + 1);
	unsigned char mac[ETH_ALEN];
	__u32 sum;
	__be32 a;

	if ((void *)(icmp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_ICMP || ip->ihl != 5 || icmp->type != 8 ||
	    icmp->code != 0)
		return XDP_PASS;
	a = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = a;
	/*
	 * Type 8 -> 0: the first 16-bit word goes from 0x0800 to 0x0000.
	 * Incremental update (RFC 1624): HC' = ~(~HC + ~m + m'), where
	 * ~m = ~0x0800 = 0xf7ff and m' = 0.
	 */
	icmp->type = 0;
	sum = (__u16)~bpf_ntohs(icmp->checksum) + 0xf7ff;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->checksum = bpf_htons(~sum & 0xffff);
	/* The IP header checksum stays: its words only changed places. */
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	count(CNT_PONG);
	return XDP_TX;
}

static __always_inline int verdict(struct xdp_md *ctx, int frags)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 len = end - data;
	__u32 q = ctx->rx_queue_index;
	int act;

	count(CNT_SEEN);
	if (!is_test_frame(data, end)) {
		count(CNT_OTHER);
		return XDP_PASS;
	}
	count(CNT_MATCHED);
	if (frags) {
		/* Every buffer's bytes; more than the first: a multi-buffer frame. */
		len = bpf_xdp_get_buff_len(ctx);
		if (len > (__u64)(end - data))
			count(CNT_MULTIBUF);
	}
	count_n(CNT_BYTES, len);
	max_len(len);
	if (q < CNT_MAX - CNT_QUEUE)
		count(CNT_QUEUE + q);

	switch (cfg(CFG_ACTION)) {
	case ACT_DROP:
		count(CNT_DROP);
		return XDP_DROP;
	case ACT_TX:
		count(CNT_TX);
		return XDP_TX;
	case ACT_ABORTED:
		count(CNT_ABORTED);
		return XDP_ABORTED;
	case ACT_REDIRECT:
		act = bpf_redirect(cfg(CFG_ARG), 0);
		break;
	case ACT_DEVMAP:
		act = bpf_redirect_map(&xv_devmap, 0, 0);
		break;
	case ACT_BCAST:
		act = bpf_redirect_map(&xv_devmap, 0,
				       BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
		break;
	case ACT_CPUMAP:
		act = bpf_redirect_map(&xv_cpumap, cfg(CFG_ARG), 0);
		break;
	case ACT_XSK:
		act = bpf_redirect_map(&xv_xskmap, q, 0);
		break;
	case ACT_RAW:
		count(CNT_RAW);
		return cfg(CFG_ARG);
	case ACT_PONG:
		act = pong(data, end);
		if (act == XDP_PASS)
			count(CNT_PASS);
		return act;
	default:
		count(CNT_PASS);
		return XDP_PASS;
	}
	/* The redirect helpers' verdict: XDP_REDIRECT, or (refused) not. */
	count(act == XDP_REDIRECT ? CNT_REDIRECT : CNT_REDIRECT_REFUSED);
	return act;
}

SEC("xdp")
int xdp_verdict(struct xdp_md *ctx)
{
	return verdict(ctx, 0);
}

SEC("xdp.frags")
int xdp_verdict_frags(struct xdp_md *ctx)
{
	return verdict(ctx, 1);
}

char _license[] SEC("license") = "GPL";
