// SPDX-License-Identifier: GPL-2.0
/*
 * vlo_pkt - syscall-level frame tool for the vlo selftests.
 *
 * The shell tests need to put an exact number of known frames on a device
 * and see what comes back: how many, with which pkt_type, with the payload
 * intact, after how long. Every subcommand prints one line of KEY=VALUE
 * pairs on stdout for the shell to parse; diagnostics go to stderr.
 *
 * Frames carry a header after the Ethernet header (magic, run id, sequence
 * number, length, send time) and a pattern derived from the sequence number,
 * so that frames of another run (or of a concurrent flood) are never counted
 * and a corrupted or truncated frame is noticed.
 *
 * Exit status: 0 when the command ran (the counts say what happened),
 * 1 on a setup error, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/errqueue.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define VLO_MAGIC	0x564c4f50u	/* "VLOP" */
#define HDR_LEN		(ETH_HLEN + 24)	/* Ethernet + struct vlo_hdr */
#define MAX_FRAME	(65536 + ETH_HLEN + 64)
#define RCVBUF		(8 << 20)

/* Follows the Ethernet header in every frame; network byte order. */
struct vlo_hdr {
	__u32 magic;
	__u32 run;
	__u32 seq;
	__u32 len;
	__u64 sent_ns;	/* CLOCK_MONOTONIC at send */
};

struct opts {
	const char *ifname;
	int ifindex;
	unsigned int count;
	unsigned int ethertype;
	unsigned int size;
	unsigned char dst[ETH_ALEN];
	unsigned char src[ETH_ALEN];
	bool bypass;
	bool rx_all;
	bool rx_same;
	unsigned int wait_ms;
	unsigned int linger_ms;
	unsigned int gap_us;
	unsigned int seconds;
	const char *proto;
	const char *saddr;
	const char *daddr;
};

struct rx_stats {
	unsigned int received;
	unsigned int host;
	unsigned int broadcast;
	unsigned int multicast;
	unsigned int otherhost;
	unsigned int outgoing;
	unsigned int foreign;
	unsigned int bad;
	unsigned int dup;
	__u64 lat_min_ns;
	__u64 lat_max_ns;
	__u64 lat_sum_ns;
};

static __u32 run_id;
/*
 * Set by the signal handler; the flood loop calls sendto() on every pass,
 * so the compiler reloads it each time.
 */
static sig_atomic_t stop;

static void print_usage(void)
{
	fprintf(stderr,
		"usage: vlo_pkt COMMAND [options]\n"
		"commands:\n"
		"  loop    send frames on -i IF and receive them back on IF\n"
		"  send    send frames on -i IF, no receiver\n"
		"  flood   send frames on -i IF for -T seconds or until the device goes\n"
		"  tstamp  send frames with SO_TIMESTAMPING, count TX software timestamps\n"
		"  raw     send -n frames of -s zero bytes on -i IF (any size)\n"
		"  stream  -p udp|tcp: move -n messages of -s bytes from -S ADDR to -D ADDR\n"
		"options:\n"
		"  -i IF     interface\n"
		"  -n N      number of frames or messages (default 10)\n"
		"  -t TYPE   ethertype (default 0x88b5)\n"
		"  -s SIZE   frame size including the 14-byte header (default 100, min %d)\n"
		"  -d MAC    destination: self (default), bcast, or aa:bb:cc:dd:ee:ff\n"
		"  -b        PACKET_QDISC_BYPASS on the sending socket\n"
		"  -a        receive with a socket bound to ETH_P_ALL instead of TYPE\n"
		"  -1        receive on the sending socket itself\n"
		"  -w MS     wait for frames this long after the last send (default 2000)\n"
		"  -l MS     linger this long once all frames arrived (default 200)\n"
		"  -g US     gap between two sends (default 0)\n"
		"  -T SEC    flood duration (default 10)\n"
		"  -N NETNS  enter network namespace /run/netns/NETNS first\n",
		HDR_LEN);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "vlo_pkt: %s: %s\n", what, strerror(errno));
	exit(1);
}

static __u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __u64 htonll(__u64 v)
{
	return ((__u64)htonl(v & 0xffffffffu) << 32) | htonl(v >> 32);
}

static unsigned char pattern(__u32 seq, unsigned int i)
{
	return (seq * 7 + i) & 0xff;
}

static void parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[ETH_ALEN];
	char end;
	int i;

	if (!strcmp(s, "bcast")) {
		memset(mac, 0xff, ETH_ALEN);
		return;
	}
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6) {
		fprintf(stderr, "vlo_pkt: bad MAC address '%s'\n", s);
		exit(2);
	}
	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = b[i];
}

static void build_frame(const struct opts *o, unsigned char *buf, __u32 seq)
{
	struct vlo_hdr h;
	unsigned int i;

	memcpy(buf, o->dst, ETH_ALEN);
	memcpy(buf + ETH_ALEN, o->src, ETH_ALEN);
	buf[12] = o->ethertype >> 8;
	buf[13] = o->ethertype & 0xff;
	h.magic = htonl(VLO_MAGIC);
	h.run = htonl(run_id);
	h.seq = htonl(seq);
	h.len = htonl(o->size);
	h.sent_ns = htonll(now_ns(CLOCK_MONOTONIC));
	memcpy(buf + ETH_HLEN, &h, sizeof(h));
	for (i = HDR_LEN; i < o->size; i++)
		buf[i] = pattern(seq, i);
}

static void sockaddr_for(const struct opts *o, struct sockaddr_ll *sll,
			 unsigned int proto)
{
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(proto);
	sll->sll_ifindex = o->ifindex;
	sll->sll_halen = ETH_ALEN;
	memcpy(sll->sll_addr, o->dst, ETH_ALEN);
}

/*
 * A packet socket created with protocol 0 receives nothing until it is
 * bound, so binding (protocol, ifindex) right away means it never sees a
 * frame from another interface.
 */
static int packet_socket(const struct opts *o, int proto)
{
	struct sockaddr_ll sll;
	int fd, val = RCVBUF;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	if (proto >= 0) {
		sockaddr_for(o, &sll, proto);
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
			die("bind(AF_PACKET)");
		/* FORCE needs CAP_NET_ADMIN in the initial user namespace. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &val, sizeof(val)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &val, sizeof(val));
	}
	return fd;
}

/* The sending socket: unbound, optionally around the qdisc. */
static int tx_socket(const struct opts *o)
{
	int fd = packet_socket(o, -1), one = 1;

	if (o->bypass &&
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		die("PACKET_QDISC_BYPASS");
	return fd;
}

static void resolve_if(struct opts *o)
{
	struct ifreq ifr;
	int fd;

	if (!o->ifname) {
		fprintf(stderr, "vlo_pkt: -i IF is required\n");
		exit(2);
	}
	o->ifindex = if_nametoindex(o->ifname);
	if (!o->ifindex)
		die(o->ifname);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, o->ifname, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");
	memcpy(o->src, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
}

/* Account one frame read from the receiving socket. */
static void account(const struct opts *o, struct rx_stats *st,
		    unsigned char *seen, const unsigned char *buf, ssize_t len,
		    const struct sockaddr_ll *from)
{
	struct vlo_hdr h;
	__u32 seq;
	__u64 lat;
	unsigned int i;

	if (len < HDR_LEN ||
	    (unsigned int)((buf[12] << 8) | buf[13]) != o->ethertype) {
		st->foreign++;
		return;
	}
	memcpy(&h, buf + ETH_HLEN, sizeof(h));
	if (ntohl(h.magic) != VLO_MAGIC || ntohl(h.run) != run_id) {
		st->foreign++;
		return;
	}
	if (from->sll_pkttype == PACKET_OUTGOING) {
		st->outgoing++;
		return;
	}
	seq = ntohl(h.seq);
	if (seq >= o->count || ntohl(h.len) != (__u32)len ||
	    memcmp(buf, o->dst, ETH_ALEN) ||
	    memcmp(buf + ETH_ALEN, o->src, ETH_ALEN)) {
		st->bad++;
		return;
	}
	for (i = HDR_LEN; i < (unsigned int)len; i++) {
		if (buf[i] != pattern(seq, i)) {
			st->bad++;
			return;
		}
	}
	if (seen[seq]) {
		st->dup++;
		return;
	}
	seen[seq] = 1;
	st->received++;
	switch (from->sll_pkttype) {
	case PACKET_HOST:
		st->host++;
		break;
	case PACKET_BROADCAST:
		st->broadcast++;
		break;
	case PACKET_MULTICAST:
		st->multicast++;
		break;
	case PACKET_OTHERHOST:
		st->otherhost++;
		break;
	}
	lat = now_ns(CLOCK_MONOTONIC) - htonll(h.sent_ns);
	if (!st->lat_min_ns || lat < st->lat_min_ns)
		st->lat_min_ns = lat;
	if (lat > st->lat_max_ns)
		st->lat_max_ns = lat;
	st->lat_sum_ns += lat;
}

/* Read what is queued on @fd, waiting at most @timeout_ms for the first. */
static void drain(const struct opts *o, int fd, struct rx_stats *st,
		  unsigned char *seen, unsigned char *buf, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_ll from;
	socklen_t alen;
	ssize_t len;

	if (timeout_ms > 0 && poll(&pfd, 1, timeout_ms) <= 0)
		return;
	for (;;) {
		alen = sizeof(from);
		len = recvfrom(fd, buf, MAX_FRAME, MSG_DONTWAIT | MSG_TRUNC,
			       (struct sockaddr *)&from, &alen);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			die("recvfrom");
		}
		if (len > MAX_FRAME)
			st->bad++;	/* truncated: bigger than any frame */
		else
			account(o, st, seen, buf, len, &from);
	}
}

static void print_common(unsigned int sent, unsigned int errors, int err)
{
	printf("sent=%u send_errors=%u send_errno=%s", sent, errors,
	       err ? strerrorname_np(err) : "0");
}

static int cmd_loop(struct opts *o, bool receive)
{
	struct tpacket_stats tps = { 0 };
	struct rx_stats st = { 0 };
	unsigned int sent = 0, errors = 0, i;
	unsigned char *buf, *rbuf, *seen;
	struct sockaddr_ll sll;
	socklen_t tlen = sizeof(tps);
	int tx, rx = -1, val = 1, err = 0;
	__u64 deadline, now;

	buf = calloc(1, MAX_FRAME);
	rbuf = calloc(1, MAX_FRAME);
	seen = calloc(1, o->count + 1);
	if (!buf || !rbuf || !seen)
		die("calloc");

	if (receive && o->rx_same) {
		tx = packet_socket(o, o->rx_all ? ETH_P_ALL : (int)o->ethertype);
		rx = tx;
		if (o->bypass &&
		    setsockopt(tx, SOL_PACKET, PACKET_QDISC_BYPASS, &val,
			       sizeof(val)))
			die("PACKET_QDISC_BYPASS");
	} else {
		if (receive)
			rx = packet_socket(o, o->rx_all ? ETH_P_ALL :
					   (int)o->ethertype);
		tx = tx_socket(o);
	}

	sockaddr_for(o, &sll, o->ethertype);
	for (i = 0; i < o->count; i++) {
		build_frame(o, buf, i);
		if (sendto(tx, buf, o->size, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) == (ssize_t)o->size) {
			sent++;
		} else {
			errors++;
			err = errno;
		}
		if (rx >= 0)
			drain(o, rx, &st, seen, rbuf, 0);
		if (o->gap_us)
			usleep(o->gap_us);
	}

	/* Wait for the rest, then linger to catch duplicates or extras. */
	deadline = now_ns(CLOCK_MONOTONIC) + o->wait_ms * 1000000ull;
	while (rx >= 0 && (now = now_ns(CLOCK_MONOTONIC)) < deadline) {
		if (st.received >= sent && now + o->linger_ms * 1000000ull <
					   deadline)
			deadline = now + o->linger_ms * 1000000ull;
		drain(o, rx, &st, seen, rbuf, (deadline - now) / 1000000 + 1);
	}

	print_common(sent, errors, err);
	if (rx >= 0) {
		if (getsockopt(rx, SOL_PACKET, PACKET_STATISTICS, &tps, &tlen))
			die("PACKET_STATISTICS");
		printf(" received=%u host=%u broadcast=%u multicast=%u otherhost=%u",
		       st.received, st.host, st.broadcast, st.multicast,
		       st.otherhost);
		printf(" outgoing=%u foreign=%u bad=%u dup=%u sock_drops=%u",
		       st.outgoing, st.foreign, st.bad, st.dup, tps.tp_drops);
		printf(" lat_min_us=%llu lat_avg_us=%llu lat_max_us=%llu",
		       (unsigned long long)st.lat_min_ns / 1000,
		       (unsigned long long)(st.received ?
			st.lat_sum_ns / st.received / 1000 : 0),
		       (unsigned long long)st.lat_max_ns / 1000);
	}
	printf("\n");
	return 0;
}

/*
 * Send N frames of SIZE zero bytes, no header of ours: for frames shorter
 * than an Ethernet header, on devices without one (tun), whose egress a tc
 * action redirects to a vlo device.
 */
static int cmd_raw(struct opts *o)
{
	unsigned int sent = 0, errors = 0, i;
	struct sockaddr_ll sll;
	unsigned char *buf;
	int fd, err = 0;

	buf = calloc(1, o->size);
	if (!buf)
		die("calloc");
	fd = tx_socket(o);
	sockaddr_for(o, &sll, o->ethertype);
	for (i = 0; i < o->count; i++) {
		if (sendto(fd, buf, o->size, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) == (ssize_t)o->size) {
			sent++;
		} else {
			errors++;
			err = errno;
		}
	}
	print_common(sent, errors, err);
	printf("\n");
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Send as fast as possible. Errors that a busy or vanishing device gives
 * are expected (the unload test removes the device under us): ENOBUFS is
 * counted, ENXIO/ENODEV/ENETDOWN end the flood.
 */
static int cmd_flood(struct opts *o)
{
	unsigned long long sent = 0, errors = 0;
	unsigned char *buf;
	struct sockaddr_ll sll;
	__u64 end;
	__u32 seq = 0;
	int fd, err = 0;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	buf = calloc(1, MAX_FRAME);
	if (!buf)
		die("calloc");
	fd = tx_socket(o);
	sockaddr_for(o, &sll, o->ethertype);
	end = now_ns(CLOCK_MONOTONIC) + o->seconds * 1000000000ull;
	while (!stop && now_ns(CLOCK_MONOTONIC) < end) {
		build_frame(o, buf, seq++ % o->count);
		if (sendto(fd, buf, o->size, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) == (ssize_t)o->size) {
			sent++;
			continue;
		}
		errors++;
		err = errno;
		if (err == ENXIO || err == ENODEV || err == ENETDOWN)
			break;
	}
	printf("sent=%llu send_errors=%llu send_errno=%s gone=%d\n", sent,
	       errors, err ? strerrorname_np(err) : "0",
	       err == ENXIO || err == ENODEV || err == ENETDOWN);
	return 0;
}

/*
 * SO_TIMESTAMPING with SOF_TIMESTAMPING_TX_SOFTWARE: the driver's
 * skb_tx_timestamp() queues a copy of each sent frame on the socket's error
 * queue with a software timestamp, which must lie between the send call and
 * the read (both on CLOCK_REALTIME).
 */
static int cmd_tstamp(struct opts *o)
{
	int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	unsigned int sent = 0, errors = 0, stamps = 0, sane = 0, i;
	struct pollfd pfd;
	struct sockaddr_ll sll;
	unsigned char *buf, ctrl[512];
	__u64 t0, t1, ts, deadline;
	int fd, err = 0;

	buf = calloc(1, MAX_FRAME);
	if (!buf)
		die("calloc");
	fd = tx_socket(o);
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)))
		die("SO_TIMESTAMPING");
	sockaddr_for(o, &sll, o->ethertype);
	t0 = now_ns(CLOCK_REALTIME);
	for (i = 0; i < o->count; i++) {
		build_frame(o, buf, i);
		if (sendto(fd, buf, o->size, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) == (ssize_t)o->size) {
			sent++;
		} else {
			errors++;
			err = errno;
		}
	}

	pfd.fd = fd;
	pfd.events = POLLERR;
	deadline = now_ns(CLOCK_MONOTONIC) + o->wait_ms * 1000000ull;
	while (stamps < sent && now_ns(CLOCK_MONOTONIC) < deadline) {
		struct iovec iov = { .iov_base = buf, .iov_len = MAX_FRAME };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct scm_timestamping *tss;
		struct cmsghdr *cm;

		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno != EAGAIN)
				die("recvmsg(MSG_ERRQUEUE)");
			poll(&pfd, 1, 50);
			continue;
		}
		t1 = now_ns(CLOCK_REALTIME);
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_TIMESTAMPING)
				continue;
			tss = (struct scm_timestamping *)CMSG_DATA(cm);
			ts = (__u64)tss->ts[0].tv_sec * 1000000000ull +
			     tss->ts[0].tv_nsec;
			stamps++;
			if (ts >= t0 && ts <= t1)
				sane++;
		}
	}
	print_common(sent, errors, err);
	printf(" tstamps=%u tstamps_in_window=%u\n", stamps, sane);
	return 0;
}

static int inet_socket(const char *addr, int type, struct sockaddr_storage *ss,
		       socklen_t *slen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST }, *ai;
	int fd, one = 1;

	if (getaddrinfo(addr, "0", &hints, &ai)) {
		fprintf(stderr, "vlo_pkt: bad address '%s'\n", addr);
		exit(2);
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*slen = ai->ai_addrlen;
	freeaddrinfo(ai);
	fd = socket(ss->ss_family, type, 0);
	if (fd < 0)
		die("socket(inet)");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, *slen))
		die(addr);
	if (getsockname(fd, (struct sockaddr *)ss, slen))
		die("getsockname");
	return fd;
}

static void fill_msg(unsigned char *buf, unsigned int len, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = pattern(n, i);
}

/*
 * Move n messages of size bytes from saddr to daddr over UDP or TCP and
 * verify every byte. Which device carries them is the routing's business;
 * the shell test checks the device counters.
 */
static int cmd_stream(struct opts *o)
{
	bool tcp = !strcmp(o->proto, "tcp");
	unsigned long long total = (unsigned long long)o->count * o->size;
	unsigned long long wr = 0, rd = 0, bad = 0;
	unsigned int msgs = 0;
	struct sockaddr_storage sa, da;
	socklen_t salen, dalen;
	unsigned char *buf, *rbuf;
	int s, d, c = -1;
	__u64 deadline;
	ssize_t n;

	if (!o->proto || !o->saddr || !o->daddr ||
	    (!tcp && strcmp(o->proto, "udp")) || !o->size || o->size > 65000)
		print_usage();
	buf = malloc(o->size);
	rbuf = malloc(o->size);
	if (!buf || !rbuf)
		die("malloc");

	d = inet_socket(o->daddr, tcp ? SOCK_STREAM : SOCK_DGRAM, &da, &dalen);
	s = inet_socket(o->saddr, tcp ? SOCK_STREAM : SOCK_DGRAM, &sa, &salen);
	if (tcp && listen(d, 1))
		die("listen");
	if (connect(s, (struct sockaddr *)&da, dalen))
		die("connect");
	if (tcp) {
		c = accept(d, NULL, NULL);
		if (c < 0)
			die("accept");
		fcntl(c, F_SETFL, O_NONBLOCK);
	}
	fcntl(s, F_SETFL, O_NONBLOCK);

	deadline = now_ns(CLOCK_MONOTONIC) + o->wait_ms * 1000000ull;
	while ((tcp ? rd < total : msgs < o->count) &&
	       now_ns(CLOCK_MONOTONIC) < deadline) {
		struct pollfd p[2] = {
			{ .fd = s, .events = wr < total ? POLLOUT : 0 },
			{ .fd = tcp ? c : d, .events = POLLIN },
		};

		poll(p, 2, 100);
		if (wr < total && (p[0].revents & POLLOUT)) {
			unsigned int off = wr % o->size;

			fill_msg(buf, o->size, wr / o->size);
			n = send(s, buf + off, o->size - off, 0);
			if (n < 0 && errno != EAGAIN)
				die("send");
			if (n > 0)
				wr += n;
		}
		if (!(p[1].revents & POLLIN))
			continue;
		if (tcp) {
			unsigned int off = rd % o->size;

			n = recv(c, rbuf, o->size - off, MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN)
				die("recv");
			if (n <= 0)
				continue;
			fill_msg(buf, o->size, rd / o->size);
			if (memcmp(rbuf, buf + off, n))
				bad++;
			rd += n;
		} else {
			n = recv(d, rbuf, o->size, MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN)
				die("recv");
			if (n <= 0)
				continue;
			fill_msg(buf, o->size, msgs);
			if (n != (ssize_t)o->size || memcmp(rbuf, buf, n))
				bad++;
			msgs++;
			rd += n;
		}
	}
	printf("proto=%s bytes_sent=%llu bytes_received=%llu bad=%llu\n",
	       o->proto, wr, rd, bad);
	return 0;
}

/*
 * Enter a named network namespace (as `ip netns exec` would, without the
 * extra process and mount namespace, which a slow guest feels).
 */
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

int main(int argc, char **argv)
{
	struct opts o = {
		.count = 10, .ethertype = 0x88b5, .size = 100,
		.wait_ms = 2000, .linger_ms = 200, .seconds = 10,
	};
	const char *cmd, *dst = "self";
	bool self;
	int c;

	if (argc < 2)
		print_usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "i:n:t:s:d:ba1w:l:g:T:p:S:D:N:")) != -1) {
		switch (c) {
		case 'i':
			o.ifname = optarg;
			break;
		case 'n':
			o.count = strtoul(optarg, NULL, 0);
			break;
		case 't':
			o.ethertype = strtoul(optarg, NULL, 16);
			break;
		case 's':
			o.size = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dst = optarg;
			break;
		case 'b':
			o.bypass = true;
			break;
		case 'a':
			o.rx_all = true;
			break;
		case '1':
			o.rx_same = true;
			break;
		case 'w':
			o.wait_ms = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			o.linger_ms = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			o.gap_us = strtoul(optarg, NULL, 0);
			break;
		case 'T':
			o.seconds = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			o.proto = optarg;
			break;
		case 'S':
			o.saddr = optarg;
			break;
		case 'D':
			o.daddr = optarg;
			break;
		case 'N':
			enter_netns(optarg);
			break;
		default:
			print_usage();
		}
	}
	if (optind != argc || !o.count)
		print_usage();

	srandom(now_ns(CLOCK_REALTIME) ^ getpid());
	run_id = random();
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(cmd, "stream"))
		return cmd_stream(&o);

	if (o.ethertype > 0xffff || o.ethertype < ETH_P_802_3_MIN ||
	    o.size > MAX_FRAME || !o.size)
		print_usage();
	resolve_if(&o);
	if (!strcmp(cmd, "raw"))
		return cmd_raw(&o);
	if (o.size < HDR_LEN)
		print_usage();
	self = !strcmp(dst, "self");
	if (self)
		memcpy(o.dst, o.src, ETH_ALEN);
	else
		parse_mac(dst, o.dst);

	if (!strcmp(cmd, "loop"))
		return cmd_loop(&o, true);
	if (!strcmp(cmd, "send"))
		return cmd_loop(&o, false);
	if (!strcmp(cmd, "flood"))
		return cmd_flood(&o);
	if (!strcmp(cmd, "tstamp"))
		return cmd_tstamp(&o);
	print_usage();
	return 2;
}
