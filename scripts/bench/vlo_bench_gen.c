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
 *                    RX for vlo, the two ends of a pair for veth).
 *
 * A child process receives and counts; the parent sends in batches
 * (sendmmsg) for -T seconds, waits a moment for the frames in flight and
 * stops the child. One line of KEY=VALUE pairs goes to stdout:
 *
 *   sent=N received=N seconds=S pps=R tx_errors=N
 *   tx_cpu_ns=N rx_cpu_ns=N
 *
 * pps is received/seconds: what the receiving application got. The
 * seconds are measured with CLOCK_MONOTONIC, which under QEMU -icount is
 * guest instruction time.
 *
 * Exit status: 0 when the run completed, 1 on a setup error, 2 on usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH		32
#define BUF_LEN		2048
#define ETHERTYPE	0x88b5		/* IEEE local experimental */
#define RCVBUF		(8 << 20)
#define UDP_PORT	9099
#define DRAIN_MS	50

struct opts {
	const char *mode;
	const char *saddr;
	const char *daddr;
	const char *txif;
	const char *rxif;
	unsigned int size;
	double seconds;
	bool connect_rx;
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
		"  -s  udp: payload bytes (default 64); raw: frame bytes incl.\n"
		"      the 14-byte header (default 64, min 60)\n"
		"  -T  seconds of sending (default 3)\n"
		"  -c  udp: connect the receiving socket to the sender\n");
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
	int rxfd, txfd, ready[2], result[2], i, n, status;
	unsigned int len;
	pid_t pid;
	char c;

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
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .size = 64, .seconds = 3 };
	int c;

	if (argc < 2)
		usage();
	o.mode = argv[1];
	if (strcmp(o.mode, "udp") && strcmp(o.mode, "raw"))
		usage();
	optind = 2;
	while ((c = getopt(argc, argv, "S:D:i:r:s:T:c")) != -1) {
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
		default:
			usage();
		}
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
