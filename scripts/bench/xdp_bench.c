// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_bench.c - the XDP programs of `make bench`'s XDP cases.
 *
 * Every program counts each frame it sees (packets and bytes) in a one-slot
 * per-CPU array and returns one fixed verdict. The count is how the bench
 * measures a rate outside the driver: vlo_bench_gen reads the map by id
 * (`-x MAPID`) before and after a run. One source, three objects, built by
 * scripts/bench.sh into the run's folder:
 *
 *   xdp_bench_drop.o        -DVERDICT=XDP_DROP  section "xdp"
 *   xdp_bench_pass.o        -DVERDICT=XDP_PASS  section "xdp"
 *   xdp_bench_pass_frags.o  -DVERDICT=XDP_PASS -DFRAGS  section "xdp.frags"
 *                           (libbpf loads it with BPF_F_XDP_HAS_FRAGS, so a
 *                           driver may attach it above the one-page MTU)
 *
 *   clang -O2 -g -target bpf -I/usr/include/$(gcc -print-multiarch) \
 *         -DVERDICT=XDP_DROP -c xdp_bench.c -o xdp_bench_drop.o
 *
 * Attached with iproute2's libbpf loader:
 *   ip link set DEV xdpdrv|xdpgeneric obj xdp_bench_drop.o sec xdp
 * The programs read no packet data: what they cost is the verdict and one
 * per-CPU counter update, the least any XDP program costs.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef VERDICT
#error "build with -DVERDICT=XDP_DROP or -DVERDICT=XDP_PASS"
#endif

/* Layout read by vlo_bench_gen (struct xdp_count there). */
struct xdp_bench_cnt {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_bench_cnt);
} xdp_bench_cnt SEC(".maps");

#ifdef FRAGS
SEC("xdp.frags")
#else
SEC("xdp")
#endif
int xdp_bench(struct xdp_md *ctx)
{
	struct xdp_bench_cnt *c;
	__u32 key = 0;

	c = bpf_map_lookup_elem(&xdp_bench_cnt, &key);
	if (c) {
		c->packets++;
#ifdef FRAGS
		/* Linear part and fragments alike. */
		c->bytes += bpf_xdp_get_buff_len(ctx);
#else
		c->bytes += ctx->data_end - ctx->data;
#endif
	}
	return VERDICT;
}

char _license[] SEC("license") = "GPL";
