// SPDX-License-Identifier: GPL-2.0
/*
 * vlo_bench_gen - packet-rate load generator for scripts/bench.sh.
 *
 * Two rates that iperf3 and sockperf do not measure the way the benchmark
 * needs them:
 *
 *   udp  -S A -D B   small UDP datagrams from A to B, received by a socket
 *                    bound to B (unconnected, like most servers; -c connects
 *                    it to the sender so that early demux applies);
 *   raw  -i TX -r RX frames sent with AF_PACKET on TX and received by an
 *                    AF_PACKET socket bound to their ethertype on RX (TX ==
 *                    RX for vlo, the two ends of a pair for veth);
 *   xdptx -i TX -r RX
 *                    XDP frames into TX's ndo_xdp_xmit: a four-instruction
 *                    XDP program that redirects to TX, run by BPF_PROG_RUN
 *                    in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES, Linux
 *                    >= 5.18: what xdp-trafficgen does), on a 64-byte frame
 *                    addressed to RX (TX itself for vlo, the peer for veth);
 *                    nothing receives them but RX's XDP program: use -x;
 *   xdp  -x MAPID    the count of an XDP program of scripts/bench/xdp_bench.c
 *                    (its per-CPU map, read by id): with -T, wait up to -w
 *                    seconds for the count to move (a sender started
 *                    elsewhere, e.g. xdp-trafficgen), then measure its rate
 *                    over -T seconds; without -T, print it once.
 *
 * A child process receives and counts; the parent sends in batches
 * (sendmmsg) for -T seconds, waits a moment for the frames in flight and
 * stops the child. One line of KEY=VALUE pairs goes to stdout:
 *
 *   sent=N received=N seconds=S pps=R tx_errors=N
 *   tx_cpu_ns=N rx_cpu_ns=N
 *
 * pps is received/seconds: what the receiving application got. With
 * -x MAPID, udp and raw also read that XDP program's count just before the
 * first send and after the drain, and add
 *
 *   xdp_packets=N xdp_bytes=N xdp_pps=R
 *
 * (xdp_pps = xdp_packets/seconds: frames the program saw while we sent).
 * The xdp mode prints "xdp_packets=N xdp_bytes=N" and, with -T,
 * "seconds=S xdp_pps=R". The seconds are measured with CLOCK_MONOTONIC,
 * which under QEMU -icount is guest instruction time.
 *
 * Exit status: 0 when the run completed, 1 on a setup error, 2 on usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH		32
#define BUF_LEN		2048
#define ETHERTYPE	0x88b5		/* IEEE local experimental */
#define RCVBUF		(8 << 20)
#define UDP_PORT	9099
#define DRAIN_MS	50
#define LIVE_REPEAT	8192	/* frames per BPF_PROG_RUN call (xdptx) */

struct opts {
	const char *mode;
	const char *saddr;
	const char *daddr;
	const char *txif;
	const char *rxif;
	unsigned int size;
	double seconds;
	double wait;
	unsigned int map_id;
	bool connect_rx;
};

/* One slot of scripts/bench/xdp_bench.c's map, summed over the CPUs. */
struct xdp_count {
	uint64_t packets;
	uint64_t bytes;
};

static volatile sig_atomic_t stop;

static void die(const char *what)
{
	fprintf(stderr, "vlo_bench_gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vlo_bench_gen udp -S SRC -D DST [-s PAYLOAD] [-T SEC] [-c]\n"
		"       vlo_bench_gen raw -i TXIF -r RXIF [-s FRAME] [-T SEC]\n"
		"       vlo_bench_gen xdptx -i TXIF -r RXIF [-s FRAME] [-T SEC] [-x MAPID]\n"
		"       vlo_bench_gen xdp -x MAPID [-T SEC [-w SEC]]\n"
		"  -s  udp: payload bytes (default 64); raw: frame bytes incl.\n"
		"      the 14-byte header (default 64, min 60)\n"
		"  -T  seconds of sending (default 3); xdp: of measuring\n"
		"  -c  udp: connect the receiving socket to the sender\n"
		"  -x  id of the map of an xdp_bench.c program: count its frames\n"
		"  -w  xdp: seconds to wait for the count to move (default 30)\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t rusage_ns(const struct rusage *ru)
{
	return (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) *
		1000000000ull +
		(uint64_t)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void big_rcvbuf(int fd)
{
	int val = RCVBUF;

	/* FORCE needs CAP_NET_ADMIN; the plain option is capped by rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &val, sizeof(val)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &val, sizeof(val));
}

static void inet_addr_of(const char *s, uint16_t port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, s, &sin->sin_addr) != 1) {
		fprintf(stderr, "vlo_bench_gen: bad IPv4 address '%s'\n", s);
		exit(2);
	}
}

static int if_index(const char *name, unsigned char *mac)
{
	struct ifreq ifr;
	int fd, idx;

	idx = if_nametoindex(name);
	if (!idx)
		die(name);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return idx;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Possible CPUs: the number of values a per-CPU map lookup returns. */
static int possible_cpus(void)
{
	int lo, hi, n = 0, len;
	char buf[256], *p;
	FILE *f;

	f = fopen("/sys/devices/system/cpu/possible", "r");
	if (!f)
		die("/sys/devices/system/cpu/possible");
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	while (p && *p && *p != '\n') {
		if (sscanf(p, "%d-%d%n", &lo, &hi, &len) == 2)
			n += hi - lo + 1;
		else if (sscanf(p, "%d%n", &lo, &len) == 1)
			n++;
		else
			break;
		p += len;
		if (*p == ',')
			p++;
	}
	if (n < 1) {
		fprintf(stderr, "vlo_bench_gen: cannot parse possible CPUs\n");
		exit(1);
	}
	return n;
}

struct xdp_map {
	int fd;
	int ncpus;		/* 1 for a plain array */
	unsigned int stride;	/* bytes per CPU in a lookup's value */
	unsigned char *buf;
};

static void xdp_map_open(struct xdp_map *m, unsigned int id)
{
	struct bpf_map_info info;
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_id = id;
	m->fd = sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr);
	if (m->fd < 0)
		die("BPF_MAP_GET_FD_BY_ID");
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = m->fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(unsigned long)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr))
		die("BPF_OBJ_GET_INFO_BY_FD");
	if (info.value_size < sizeof(struct xdp_count) ||
	    (info.type != BPF_MAP_TYPE_PERCPU_ARRAY &&
	     info.type != BPF_MAP_TYPE_ARRAY)) {
		fprintf(stderr, "vlo_bench_gen: map %u is not xdp_bench.c's count\n",
			id);
		exit(1);
	}
	m->ncpus = info.type == BPF_MAP_TYPE_PERCPU_ARRAY ? possible_cpus() : 1;
	m->stride = (info.value_size + 7) & ~7u;
	m->buf = calloc(m->ncpus, m->stride);
	if (!m->buf)
		die("calloc");
}

static struct xdp_count xdp_map_read(const struct xdp_map *m)
{
	struct xdp_count sum = { 0 }, one;
	union bpf_attr attr;
	uint32_t key = 0;
	int i;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = m->fd;
	attr.key = (uint64_t)(unsigned long)&key;
	attr.value = (uint64_t)(unsigned long)m->buf;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr))
		die("BPF_MAP_LOOKUP_ELEM");
	for (i = 0; i < m->ncpus; i++) {
		memcpy(&one, m->buf + (size_t)i * m->stride, sizeof(one));
		sum.packets += one.packets;
		sum.bytes += one.bytes;
	}
	return sum;
}

/*
 * xdp mode: a sender runs elsewhere. Wait until the count moves (the
 * sender's start-up is not measured), then measure over o->seconds.
 */
static int run_xdp(const struct opts *o)
{
	struct xdp_count c0, c1;
	struct xdp_map m;
	uint64_t t0, t1, give_up;

	xdp_map_open(&m, o->map_id);
	c0 = xdp_map_read(&m);
	if (o->seconds <= 0) {
		printf("xdp_packets=%llu xdp_bytes=%llu\n",
		       (unsigned long long)c0.packets,
		       (unsigned long long)c0.bytes);
		return 0;
	}
	give_up = now_ns() + (uint64_t)(o->wait * 1e9);
	for (;;) {
		usleep(10000);
		c1 = xdp_map_read(&m);
		if (c1.packets != c0.packets)
			break;
		if (now_ns() > give_up) {
			fprintf(stderr, "vlo_bench_gen: map %u: no frame in %.0f s\n",
				o->map_id, o->wait);
			return 1;
		}
	}
	c0 = xdp_map_read(&m);
	t0 = now_ns();
	usleep((useconds_t)(o->seconds * 1e6));
	c1 = xdp_map_read(&m);
	t1 = now_ns();
	printf("xdp_packets=%llu xdp_bytes=%llu seconds=%.6f xdp_pps=%.1f\n",
	       (unsigned long long)(c1.packets - c0.packets),
	       (unsigned long long)(c1.bytes - c0.bytes), (t1 - t0) / 1e9,
	       (c1.packets - c0.packets) / ((t1 - t0) / 1e9));
	return 0;
}

/*
 * xdptx: the redirect program, loaded with the bpf syscall directly:
 * r1 = ifindex; r2 = 0; r0 = bpf_redirect(r1, r2); exit.
 */
static int redirect_prog(int ifindex)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1,
		  .imm = ifindex },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2,
		  .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (uint64_t)(unsigned long)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uint64_t)(unsigned long)"GPL";
	attr.log_buf = (uint64_t)(unsigned long)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		fprintf(stderr, "vlo_bench_gen: BPF_PROG_LOAD: %s\n%s\n",
			strerror(errno), log);
		exit(1);
	}
	return fd;
}

static int run_xdptx(const struct opts *o)
{
	static unsigned char frame[BUF_LEN];
	unsigned char txmac[ETH_ALEN], rxmac[ETH_ALEN];
	struct xdp_count x0 = { 0 }, x1 = { 0 };
	uint64_t t0, t1, deadline, sent = 0;
	struct xdp_md ctx;
	union bpf_attr attr;
	struct xdp_map map;
	int fd, ifindex;

	ifindex = if_index(o->txif, txmac);
	if_index(o->rxif, rxmac);
	/* Addressed to the receiving device: PACKET_HOST there. */
	memset(frame, 0, sizeof(frame));
	memcpy(frame, rxmac, ETH_ALEN);
	memcpy(frame + ETH_ALEN, txmac, ETH_ALEN);
	frame[12] = ETHERTYPE >> 8;
	frame[13] = ETHERTYPE & 0xff;
	fd = redirect_prog(ifindex);
	if (o->map_id)
		xdp_map_open(&map, o->map_id);

	memset(&ctx, 0, sizeof(ctx));
	ctx.data_end = o->size;
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = fd;
	attr.test.data_in = (uint64_t)(unsigned long)frame;
	attr.test.data_size_in = o->size;
	attr.test.ctx_in = (uint64_t)(unsigned long)&ctx;
	attr.test.ctx_size_in = sizeof(ctx);
	attr.test.repeat = LIVE_REPEAT;
	attr.test.flags = BPF_F_TEST_XDP_LIVE_FRAMES;

	if (o->map_id)
		x0 = xdp_map_read(&map);
	t0 = now_ns();
	deadline = t0 + (uint64_t)(o->seconds * 1e9);
	do {
		if (sys_bpf(BPF_PROG_TEST_RUN, &attr)) {
			if (errno == EINTR)
				continue;
			die("BPF_PROG_TEST_RUN (live frames)");
		}
		sent += LIVE_REPEAT;
	} while (now_ns() < deadline);
	t1 = now_ns();
	usleep(DRAIN_MS * 1000);
	if (o->map_id)
		x1 = xdp_map_read(&map);
	/* sent: frames the program ran on; each was redirected into TX. */
	printf("sent=%llu seconds=%.6f send_pps=%.1f\n",
	       (unsigned long long)sent, (t1 - t0) / 1e9,
	       sent / ((t1 - t0) / 1e9));
	if (o->map_id)
		printf("xdp_packets=%llu xdp_bytes=%llu xdp_pps=%.1f\n",
		       (unsigned long long)(x1.packets - x0.packets),
		       (unsigned long long)(x1.bytes - x0.bytes),
		       (x1.packets - x0.packets) / ((t1 - t0) / 1e9));
	return 0;
}

/* The receiving socket, created before the fork so no frame is missed. */
static int rx_socket(const struct opts *o)
{
	struct sockaddr_in src, dst;
	struct sockaddr_ll sll;
	unsigned char mac[ETH_ALEN];
	int fd;

	if (!strcmp(o->mode, "udp")) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			die("socket(udp)");
		inet_addr_of(o->daddr, UDP_PORT, &dst);
		if (bind(fd, (struct sockaddr *)&dst, sizeof(dst)))
			die("bind(udp receiver)");
		if (o->connect_rx) {
			inet_addr_of(o->saddr, UDP_PORT + 1, &src);
			if (connect(fd, (struct sockaddr *)&src, sizeof(src)))
				die("connect(udp receiver)");
		}
	} else {
		fd = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE));
		if (fd < 0)
			die("socket(AF_PACKET)");
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETHERTYPE);
		sll.sll_ifindex = if_index(o->rxif, mac);
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
			die("bind(AF_PACKET receiver)");
	}
	big_rcvbuf(fd);
	return fd;
}

/*
 * Sending socket and the one frame or payload every message carries.
 * A packet socket of protocol 0 receives nothing, so the sender never
 * competes with the receiver for the looped frames.
 */
static int tx_socket(const struct opts *o, unsigned char *buf,
		     unsigned int *len)
{
	struct sockaddr_in src, dst;
	struct sockaddr_ll sll;
	unsigned char rxmac[ETH_ALEN], txmac[ETH_ALEN];
	int fd;

	memset(buf, 0, BUF_LEN);
	if (!strcmp(o->mode, "udp")) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			die("socket(udp)");
		inet_addr_of(o->saddr, UDP_PORT + 1, &src);
		inet_addr_of(o->daddr, UDP_PORT, &dst);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)))
			die("bind(udp sender)");
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)))
			die("connect(udp sender)");
		*len = o->size;
		return fd;
	}

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	if_index(o->rxif, rxmac);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = if_index(o->txif, txmac);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind(AF_PACKET sender)");
	/* Addressed to the receiving device: PACKET_HOST on arrival. */
	memcpy(buf, rxmac, ETH_ALEN);
	memcpy(buf + ETH_ALEN, txmac, ETH_ALEN);
	buf[12] = ETHERTYPE >> 8;
	buf[13] = ETHERTYPE & 0xff;
	*len = o->size;
	return fd;
}

/* Child: count messages until SIGUSR1, report the count through @pipefd. */
static void receiver(int fd, int readyfd, int pipefd)
{
	static unsigned char bufs[BATCH][BUF_LEN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sigaction sa;
	uint64_t count = 0;
	int i, n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: recvmmsg returns */
	sigaction(SIGUSR1, &sa, NULL);
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = BUF_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	if (write(readyfd, "r", 1) != 1)
		die("ready pipe");
	while (!stop) {
		n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n > 0)
			count += n;
		else if (n < 0 && errno != EINTR)
			die("recvmmsg");
	}
	/* What is still queued arrived within the run, too. */
	while ((n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL)) > 0)
		count += n;
	if (write(pipefd, &count, sizeof(count)) != sizeof(count))
		die("result pipe");
	_exit(0);
}

static int run(const struct opts *o)
{
	static unsigned char frame[BUF_LEN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	struct rusage ru_rx, ru_tx;
	uint64_t sent = 0, errors = 0, received = 0, t0, t1, deadline;
	struct xdp_count x0 = { 0 }, x1 = { 0 };
	int rxfd, txfd, ready[2], result[2], i, n, status;
	struct xdp_map map;
	unsigned int len;
	pid_t pid;
	char c;

	if (o->map_id)
		xdp_map_open(&map, o->map_id);
	rxfd = rx_socket(o);
	txfd = tx_socket(o, frame, &len);
	if (pipe(ready) || pipe(result))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(txfd);
		receiver(rxfd, ready[1], result[1]);
	}
	close(rxfd);
	if (read(ready[0], &c, 1) != 1)
		die("receiver did not start");

	iov.iov_base = frame;
	iov.iov_len = len;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	if (o->map_id)
		x0 = xdp_map_read(&map);
	t0 = now_ns();
	deadline = t0 + (uint64_t)(o->seconds * 1e9);
	do {
		n = sendmmsg(txfd, msgs, BATCH, 0);
		if (n > 0) {
			sent += n;
		} else if (errno == ENOBUFS || errno == EAGAIN ||
			   errno == ECONNREFUSED) {
			errors++;
		} else {
			die("sendmmsg");
		}
	} while (now_ns() < deadline);
	t1 = now_ns();

	usleep(DRAIN_MS * 1000);
	if (o->map_id)
		x1 = xdp_map_read(&map);
	kill(pid, SIGUSR1);
	if (read(result[0], &received, sizeof(received)) != sizeof(received))
		die("receiver result");
	if (wait4(pid, &status, 0, &ru_rx) < 0)
		die("wait4");
	getrusage(RUSAGE_SELF, &ru_tx);

	printf("sent=%llu received=%llu seconds=%.6f pps=%.1f tx_errors=%llu tx_cpu_ns=%llu rx_cpu_ns=%llu\n",
	       (unsigned long long)sent, (unsigned long long)received,
	       (t1 - t0) / 1e9, received / ((t1 - t0) / 1e9),
	       (unsigned long long)errors,
	       (unsigned long long)rusage_ns(&ru_tx),
	       (unsigned long long)rusage_ns(&ru_rx));
	if (o->map_id)
		printf("xdp_packets=%llu xdp_bytes=%llu xdp_pps=%.1f\n",
		       (unsigned long long)(x1.packets - x0.packets),
		       (unsigned long long)(x1.bytes - x0.bytes),
		       (x1.packets - x0.packets) / ((t1 - t0) / 1e9));
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .size = 64, .seconds = 3, .wait = 30 };
	bool xdp_mode;
	int c;

	if (argc < 2)
		usage();
	o.mode = argv[1];
	if (strcmp(o.mode, "udp") && strcmp(o.mode, "raw") &&
	    strcmp(o.mode, "xdp") && strcmp(o.mode, "xdptx"))
		usage();
	xdp_mode = !strcmp(o.mode, "xdp");
	if (xdp_mode)
		o.seconds = 0;
	optind = 2;
	while ((c = getopt(argc, argv, "S:D:i:r:s:T:cx:w:")) != -1) {
		switch (c) {
		case 'S':
			o.saddr = optarg;
			break;
		case 'D':
			o.daddr = optarg;
			break;
		case 'i':
			o.txif = optarg;
			break;
		case 'r':
			o.rxif = optarg;
			break;
		case 's':
			o.size = strtoul(optarg, NULL, 0);
			break;
		case 'T':
			o.seconds = strtod(optarg, NULL);
			break;
		case 'c':
			o.connect_rx = true;
			break;
		case 'x':
			o.map_id = strtoul(optarg, NULL, 0);
			if (!o.map_id)
				usage();
			break;
		case 'w':
			o.wait = strtod(optarg, NULL);
			break;
		default:
			usage();
		}
	}
	if (xdp_mode) {
		if (!o.map_id || o.seconds < 0 || o.wait <= 0)
			usage();
		return run_xdp(&o);
	}
	if (!strcmp(o.mode, "xdptx")) {
		if (!o.txif || !o.rxif || o.seconds <= 0 || o.size < 60 ||
		    o.size > BUF_LEN)
			usage();
		return run_xdptx(&o);
	}
	if (!strcmp(o.mode, "udp") && (!o.saddr || !o.daddr))
		usage();
	if (!strcmp(o.mode, "raw") && (!o.txif || !o.rxif))
		usage();
	if (o.seconds <= 0 || o.size > BUF_LEN ||
	    (!strcmp(o.mode, "raw") && o.size < 60))
		usage();
	return run(&o);
}
