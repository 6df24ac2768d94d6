// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_count.c - a first XDP program for a vlo device (README, "XDP on
 * vlo"). It counts the frames it sees by kind in the array map "counts"
 * (0: IPv4 ICMP, 1: IPv6 ICMPv6, 2: other IPv4, 3: other IPv6, 4: not IP)
 * and passes them all, unless slot 5 of the map is set to 1: then it
 * drops IPv4 and IPv6 ICMP (ping stops getting answers) and counts those
 * drops in slot 6.
 *
 *   clang -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu \
 *         -c xdp_count.c -o xdp_count.o
 *   ip link set dev vlo0 xdpdrv obj xdp_count.o sec xdp
 *   bpftool map dump name counts
 *   bpftool map update name counts key 5 0 0 0 value 1 0 0 0 0 0 0 0
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

enum { ICMP4, ICMP6, OTHER4, OTHER6, NOT_IP, DROP_ICMP, DROPPED, NR_SLOTS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &slot);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Which slot a frame belongs in; every access is bounds-checked first. */
static __always_inline __u32 kind(void *data, void *end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return NOT_IP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return OTHER4;
		return ip->protocol == IPPROTO_ICMP ? ICMP4 : OTHER4;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return OTHER6;
		return ip6->nexthdr == IPPROTO_ICMPV6 ? ICMP6 : OTHER6;
	}
	return NOT_IP;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	__u32 k = kind((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	__u32 drop_slot = DROP_ICMP;
	__u64 *drop;

	count(k);
	drop = bpf_map_lookup_elem(&counts, &drop_slot);
	if (drop && *drop && (k == ICMP4 || k == ICMP6)) {
		count(DROPPED);
		return XDP_DROP;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
