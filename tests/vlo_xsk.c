// SPDX-License-Identifier: GPL-2.0
/*
 * vlo_xsk - AF_XDP receiver for the vlo XDP selftests.
 *
 * Counts, outside the driver, the frames an XDP program sent to an AF_XDP
 * socket (XDP_REDIRECT into an XSKMAP), and shows which bind modes a
 * device takes. Raw AF_XDP syscalls (no libxdp: its default program and
 * bpffs use would get in the way of the test's own program); libbpf only
 * for the map update. The socket joins the test's program through its
 * XSKMAP, given by id (bpftool prog show lists the program's maps).
 *
 *   vlo_xsk rx -i IF -q QUEUE -m MAP_ID [-n N] [-t SEC] [-r READY] [-N NETNS]
 *	Binds a copy-mode socket (XDP_COPY) to QUEUE of IF, stores it in
 *	the XSKMAP under key QUEUE, creates the file READY, then counts
 *	frames until N arrived (and 300 ms more, for extra copies) or SEC
 *	seconds (default 10) passed. Prints
 *	received=K distinct=D dup=X other=O bytes=B
 *	distinct/dup: by the sequence number in "vlo-udp4 <seq>" UDP
 *	payloads (tests/vlo_udp4.py, vlo_xdp_udp.py); other: frames without
 *	one.
 *   vlo_xsk bind -i IF -q QUEUE -M copy|zerocopy|any [-N NETNS]
 *	Only tries the bind; prints bind=ok or bind=refused errno=NAME.
 *
 * Exit status: 0 when the command ran (the printed counts say what
 * happened), 1 on a setup error, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define NUM_FRAMES	2048	/* UMEM chunks; also every ring's size */
#define FRAME_SIZE	4096	/* a whole 1500-byte frame plus headroom */
#define MAX_SEQ		65536
#define PREFIX		"vlo-udp4 "
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct ring {
	__u32 *producer;
	__u32 *consumer;
	void *desc;
};

struct opts {
	const char *ifname;
	unsigned int queue;
	int map_id;
	unsigned int expect;
	double seconds;
	const char *ready;
	const char *mode;
};

static void die(const char *what)
{
	fprintf(stderr, "vlo_xsk: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: vlo_xsk rx -i IF -q QUEUE -m MAP_ID [-n N] [-t SEC] [-r READY] [-N NETNS]\n"
		"       vlo_xsk bind -i IF -q QUEUE -M copy|zerocopy|any [-N NETNS]\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (setns(fd, CLONE_NEWNET))
		die("setns");
	close(fd);
}

/*
 * An AF_XDP socket with its UMEM, fill and completion rings and an RX
 * ring: what a bind needs (both UMEM rings, at least one of RX/TX).
 */
static int xsk_socket(void **umem)
{
	struct xdp_umem_reg mr = { 0 };
	int fd, n = NUM_FRAMES;

	fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_XDP)");
	*umem = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE,
		     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*umem == MAP_FAILED)
		die("mmap(umem)");
	mr.addr = (__u64)(unsigned long)*umem;
	mr.len = (__u64)NUM_FRAMES * FRAME_SIZE;
	mr.chunk_size = FRAME_SIZE;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)))
		die("XDP_UMEM_REG");
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n)))
		die("ring sizes");
	return fd;
}

static void map_ring(int fd, const struct xdp_ring_offset *off, size_t desc_size,
		     off_t pgoff, struct ring *r)
{
	size_t len = off->desc + (size_t)NUM_FRAMES * desc_size;
	char *m;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 fd, pgoff);
	if (m == MAP_FAILED)
		die("mmap(ring)");
	r->producer = (__u32 *)(m + off->producer);
	r->consumer = (__u32 *)(m + off->consumer);
	r->desc = m + off->desc;
}

/* bind() with FLAGS; 0 or the errno. */
static int xsk_bind(int fd, int ifindex, unsigned int queue, __u16 flags)
{
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP,
		.sxdp_ifindex = ifindex,
		.sxdp_queue_id = queue,
		.sxdp_flags = flags,
	};

	return bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) ? errno : 0;
}

static const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EINVAL, "EINVAL" },
		{ EBUSY, "EBUSY" }, { ENETDOWN, "ENETDOWN" },
		{ ENODEV, "ENODEV" }, { EPERM, "EPERM" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].e == e)
			return names[i].name;
	return strerror(e);
}

static int cmd_bind(const struct opts *o, int ifindex)
{
	__u16 flags = 0;
	void *umem;
	int fd, err;

	if (!o->mode)
		print_usage();
	if (!strcmp(o->mode, "copy"))
		flags = XDP_COPY;
	else if (!strcmp(o->mode, "zerocopy"))
		flags = XDP_ZEROCOPY;
	else if (strcmp(o->mode, "any"))
		print_usage();
	fd = xsk_socket(&umem);
	err = xsk_bind(fd, ifindex, o->queue, flags);
	if (err)
		printf("bind=refused errno=%s\n", errno_name(err));
	else
		printf("bind=ok\n");
	return 0;
}

/* The sequence number of a "vlo-udp4 <seq>" UDP payload, or -1. */
static long seq_of(const unsigned char *p, __u32 len)
{
	const struct ethhdr *eth = (const void *)p;
	const unsigned char *end = p + len, *pl;
	char buf[16];
	size_t n;

	if (len < sizeof(*eth))
		return -1;
	if (eth->h_proto == htons(ETH_P_IP)) {
		const struct iphdr *ip = (const void *)(eth + 1);

		if ((const unsigned char *)(ip + 1) > end || ip->protocol != 17)
			return -1;
		pl = (const unsigned char *)ip + ip->ihl * 4 + sizeof(struct udphdr);
	} else if (eth->h_proto == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6 = (const void *)(eth + 1);

		if ((const unsigned char *)(ip6 + 1) > end || ip6->nexthdr != 17)
			return -1;
		pl = (const unsigned char *)(ip6 + 1) + sizeof(struct udphdr);
	} else {
		return -1;
	}
	if (pl + strlen(PREFIX) >= end || memcmp(pl, PREFIX, strlen(PREFIX)))
		return -1;
	pl += strlen(PREFIX);
	n = end - pl < (long)sizeof(buf) - 1 ? (size_t)(end - pl) : sizeof(buf) - 1;
	memcpy(buf, pl, n);
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static int cmd_rx(const struct opts *o, int ifindex)
{
	unsigned long received = 0, distinct = 0, dup = 0, other = 0, bytes = 0;
	static unsigned char seen[MAX_SEQ];
	struct xdp_mmap_offsets off;
	socklen_t optlen = sizeof(off);
	struct ring fill, rx;
	double end, quiet_end = 0;
	void *umem;
	int fd, map_fd, err;
	__u32 i, key = o->queue, val;

	if (o->map_id <= 0)
		print_usage();
	fd = xsk_socket(&umem);
	if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen))
		die("XDP_MMAP_OFFSETS");
	map_ring(fd, &off.fr, sizeof(__u64), XDP_UMEM_PGOFF_FILL_RING, &fill);
	map_ring(fd, &off.rx, sizeof(struct xdp_desc), XDP_PGOFF_RX_RING, &rx);
	/* Every chunk to the kernel before the first frame can come. */
	for (i = 0; i < NUM_FRAMES; i++)
		((__u64 *)fill.desc)[i] = (__u64)i * FRAME_SIZE;
	__atomic_store_n(fill.producer, NUM_FRAMES, __ATOMIC_RELEASE);

	err = xsk_bind(fd, ifindex, o->queue, XDP_COPY);
	if (err) {
		errno = err;
		die("bind(XDP_COPY)");
	}
	map_fd = bpf_map_get_fd_by_id(o->map_id);
	if (map_fd < 0)
		die("bpf_map_get_fd_by_id");
	val = fd;
	if (bpf_map_update_elem(map_fd, &key, &val, BPF_ANY))
		die("bpf_map_update_elem(xskmap)");
	if (o->ready) {
		int rfd = open(o->ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (rfd < 0)
			die(o->ready);
		close(rfd);
	}

	end = now() + o->seconds;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		__u32 cons, prod, fprod;
		double t = now();

		if (t >= end || (quiet_end && t >= quiet_end))
			break;
		poll(&pfd, 1, 50);
		cons = *rx.consumer;
		prod = __atomic_load_n(rx.producer, __ATOMIC_ACQUIRE);
		fprod = *fill.producer;
		for (; cons != prod; cons++) {
			const struct xdp_desc *d = (const struct xdp_desc *)rx.desc +
						   (cons & (NUM_FRAMES - 1));
			long seq = seq_of((unsigned char *)umem + d->addr, d->len);

			received++;
			bytes += d->len;
			if (seq < 0 || seq >= MAX_SEQ)
				other++;
			else if (seen[seq]++)
				dup++;
			else
				distinct++;
			/* The chunk goes back to the kernel (its start). */
			((__u64 *)fill.desc)[fprod++ & (NUM_FRAMES - 1)] =
				d->addr - d->addr % FRAME_SIZE;
		}
		__atomic_store_n(fill.producer, fprod, __ATOMIC_RELEASE);
		__atomic_store_n(rx.consumer, cons, __ATOMIC_RELEASE);
		if (o->expect && received >= o->expect && !quiet_end)
			quiet_end = now() + 0.3;
	}
	/* Out of the map before the socket goes: nothing is redirected to it. */
	bpf_map_delete_elem(map_fd, &key);
	printf("received=%lu distinct=%lu dup=%lu other=%lu bytes=%lu\n",
	       received, distinct, dup, other, bytes);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .seconds = 10 };
	const char *cmd, *netns = NULL;
	int c, ifindex;

	if (argc < 2)
		print_usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "i:q:m:n:t:r:M:N:")) != -1) {
		switch (c) {
		case 'i':
			o.ifname = optarg;
			break;
		case 'q':
			o.queue = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			o.map_id = atoi(optarg);
			break;
		case 'n':
			o.expect = strtoul(optarg, NULL, 0);
			break;
		case 't':
			o.seconds = atof(optarg);
			break;
		case 'r':
			o.ready = optarg;
			break;
		case 'M':
			o.mode = optarg;
			break;
		case 'N':
			netns = optarg;
			break;
		default:
			print_usage();
		}
	}
	if (!o.ifname)
		print_usage();
	if (netns)
		enter_netns(netns);
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex)
		die(o.ifname);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "rx"))
		return cmd_rx(&o, ifindex);
	if (!strcmp(cmd, "bind"))
		return cmd_bind(&o, ifindex);
	print_usage();
	return 2;
}
