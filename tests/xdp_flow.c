// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_flow.c - XDP program for tests/vlo_route.sh: proves that a flow
 * between two local addresses is received on a vlo device by counting its
 * ICMP echo requests and replies (IPv4 and IPv6) in an array map, read
 * back with bpftool. When user space sets slot 0 of the map to 1
 * (bpftool map update), it drops the echo requests, so that the test can
 * also show that XDP's verdict applies.
 *
 * Built with libbpf's headers: clang -O2 -g -target bpf -c.
 * Loaded by iproute2's libbpf loader: ip link set DEV xdpgeneric obj F sec xdp
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/*
 * <linux/icmp.h> pulls in libc headers that a BPF target cannot use: the
 * first bytes of ICMP and ICMPv6 headers are all that is needed.
 */
struct icmp_start {
	__u8 type;
	__u8 code;
	__sum16 checksum;
};

#define ICMP_ECHOREPLY		0
#define ICMP_ECHO		8
#define ICMPV6_ECHO_REQUEST	128
#define ICMPV6_ECHO_REPLY	129

/* Map slots; tests/vlo_route.sh uses them by index. */
enum {
	CFG_DROP,		/* set by user space: drop echo requests */
	CNT_ECHO4_REQ,
	CNT_ECHO4_REP,
	CNT_ECHO6_REQ,
	CNT_ECHO6_REP,
	CNT_PACKETS,		/* every frame seen */
	CNT_MAX
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xdp_flow_cnt SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *val = bpf_map_lookup_elem(&xdp_flow_cnt, &slot);

	if (val)
		__sync_fetch_and_add(val, 1);
}

/* Map slot of an ICMP/ICMPv6 echo request or reply, or -1. */
static __always_inline int classify(void *data, void *end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		struct icmp_start *icmp;

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_ICMP)
			return -1;
		icmp = (void *)ip + ip->ihl * 4;
		if ((void *)(icmp + 1) > end)
			return -1;
		if (icmp->type == ICMP_ECHO)
			return CNT_ECHO4_REQ;
		if (icmp->type == ICMP_ECHOREPLY)
			return CNT_ECHO4_REP;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct icmp_start *icmp6 = (void *)(ip6 + 1);

		if ((void *)(icmp6 + 1) > end || ip6->nexthdr != IPPROTO_ICMPV6)
			return -1;
		if (icmp6->type == ICMPV6_ECHO_REQUEST)
			return CNT_ECHO6_REQ;
		if (icmp6->type == ICMPV6_ECHO_REPLY)
			return CNT_ECHO6_REP;
	}
	return -1;
}

SEC("xdp")
int xdp_flow(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	int slot = classify(data, end);

	__u32 cfg = CFG_DROP;
	__u64 *drop;

	count(CNT_PACKETS);
	if (slot < 0)
		return XDP_PASS;
	count(slot);
	drop = bpf_map_lookup_elem(&xdp_flow_cnt, &cfg);
	if (drop && *drop && (slot == CNT_ECHO4_REQ || slot == CNT_ECHO6_REQ))
		return XDP_DROP;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
