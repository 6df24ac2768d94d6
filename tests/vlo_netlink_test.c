// SPDX-License-Identifier: GPL-2.0
/*
 * vlo control interface at the syscall level (kselftest harness).
 *
 * `ip` prints an extack message instead of the errno when there is one, so
 * the shell tests cannot tell EINVAL from EADDRNOTAVAIL. Here every
 * refused request is checked for both: the exact errno and the exact
 * extack text, straight from rtnetlink; and the ethtool ioctls for driver
 * info and the absence of private flags. After every
 * MTU or address request, accepted or refused, the value is read back
 * (SIOCGIFMTU, SIOCGIFHWADDR): an answer of 0 that changed nothing, or a
 * refusal that changed something anyway, fails.
 *
 * Each test runs in a new network namespace of its own (the harness forks
 * one process per test). Needs root and the vlo module loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define BUF_SIZE	8192

struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[1024];
};

/* What the kernel answered: errno (0 = success) and the extack message. */
struct nl_answer {
	int err;
	char msg[256];
};

static struct rtattr *add_attr(struct nl_req *req, unsigned short type,
			       const void *data, unsigned short len)
{
	struct rtattr *rta = (struct rtattr *)((char *)req +
					       NLMSG_ALIGN(req->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) +
			    RTA_ALIGN(rta->rta_len);
	return rta;
}

static void end_nest(struct nl_req *req, struct rtattr *nest)
{
	nest->rta_len = (char *)req + req->nh.nlmsg_len - (char *)nest;
}

static void init_req(struct nl_req *req, int type, int flags, int ifindex)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req->nh.nlmsg_type = type;
	req->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	req->nh.nlmsg_seq = 1;
	req->ifi.ifi_family = AF_UNSPEC;
	req->ifi.ifi_index = ifindex;
}

/* Send @req, read the ACK: errno and the NLMSGERR_ATTR_MSG text. */
static void transact(int fd, struct nl_req *req, struct nl_answer *ans)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e;
	struct rtattr *rta;
	int len, rem;

	memset(ans, 0, sizeof(*ans));
	ans->err = -1;
	if (send(fd, req, req->nh.nlmsg_len, 0) < 0)
		return;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < (int)NLMSG_LENGTH(sizeof(*e)) || nh->nlmsg_type != NLMSG_ERROR)
		return;
	e = NLMSG_DATA(nh);
	ans->err = -e->error;
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* NETLINK_CAP_ACK: the TLVs follow the echoed header only. */
	rta = (struct rtattr *)((char *)e + sizeof(*e));
	rem = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*e));
	for (; RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
		if (rta->rta_type == NLMSGERR_ATTR_MSG)
			snprintf(ans->msg, sizeof(ans->msg), "%s",
				 (char *)RTA_DATA(rta));
	}
}

/* RTM_NEWLINK kind vlo, with optional MTU (0: none) and address. */
static void create_vlo(int fd, const char *name, unsigned int mtu,
		       const unsigned char *addr, int alen,
		       struct nl_answer *ans)
{
	struct rtattr *linkinfo;
	struct nl_req req;

	init_req(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	add_attr(&req, IFLA_IFNAME, name, strlen(name) + 1);
	if (mtu)
		add_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	if (addr)
		add_attr(&req, IFLA_ADDRESS, addr, alen);
	linkinfo = add_attr(&req, IFLA_LINKINFO, NULL, 0);
	add_attr(&req, IFLA_INFO_KIND, "vlo", 3);
	end_nest(&req, linkinfo);
	transact(fd, &req, ans);
}

static void set_link(int fd, int ifindex, unsigned int mtu,
		     const unsigned char *addr, int alen, struct nl_answer *ans)
{
	struct nl_req req;

	init_req(&req, RTM_NEWLINK, 0, ifindex);
	if (mtu)
		add_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
	if (addr)
		add_attr(&req, IFLA_ADDRESS, addr, alen);
	transact(fd, &req, ans);
}

static void set_up(int fd, int ifindex, bool up, struct nl_answer *ans)
{
	struct nl_req req;

	init_req(&req, RTM_NEWLINK, 0, ifindex);
	req.ifi.ifi_change = IFF_UP;
	req.ifi.ifi_flags = up ? IFF_UP : 0;
	transact(fd, &req, ans);
}

/* The SIOCGIF* request @cmd on the device, into @ifr: 0 or -errno. */
static int ifreq_get(const char *name, unsigned long cmd, struct ifreq *ifr)
{
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	ret = ioctl(fd, cmd, ifr) ? -errno : 0;
	close(fd);
	return ret;
}

/* The device's MTU as the kernel reports it now; -errno on failure. */
static int get_mtu(const char *name)
{
	struct ifreq ifr;
	int ret = ifreq_get(name, SIOCGIFMTU, &ifr);

	return ret ? ret : ifr.ifr_mtu;
}

/* Whether the device's address is now @addr (6 bytes): 1, 0, or -errno. */
static int has_addr(const char *name, const unsigned char *addr)
{
	struct ifreq ifr;
	int ret = ifreq_get(name, SIOCGIFHWADDR, &ifr);

	return ret ? ret : !memcmp(ifr.ifr_hwaddr.sa_data, addr, 6);
}

static int ethtool_ioctl(const char *name, void *cmd)
{
	struct ifreq ifr;
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_data = cmd;
	ret = ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
	close(fd);
	return ret;
}

FIXTURE(vlo) {
	int nl;
};

FIXTURE_SETUP(vlo)
{
	int one = 1;

	if (access("/sys/module/vlo", F_OK))
		SKIP(return, "vlo module not loaded");
	if (unshare(CLONE_NEWNET))
		SKIP(return, "unshare(CLONE_NEWNET): %s", strerror(errno));
	self->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ASSERT_LE(0, self->nl);
	ASSERT_EQ(0, setsockopt(self->nl, SOL_NETLINK, NETLINK_EXT_ACK, &one,
				sizeof(one)));
	ASSERT_EQ(0, setsockopt(self->nl, SOL_NETLINK, NETLINK_CAP_ACK, &one,
				sizeof(one)));
}

FIXTURE_TEARDOWN(vlo)
{
	if (self->nl > 0)
		close(self->nl);
}

TEST_F(vlo, create_and_delete)
{
	struct nl_answer ans;
	struct nl_req req;
	int ifindex;

	create_vlo(self->nl, "nl0", 0, NULL, 0, &ans);
	ASSERT_EQ(0, ans.err) TH_LOG("create: %s", ans.msg);
	ifindex = if_nametoindex("nl0");
	ASSERT_LT(0, ifindex);

	create_vlo(self->nl, "nl0", 0, NULL, 0, &ans);
	EXPECT_EQ(EEXIST, ans.err);

	init_req(&req, RTM_DELLINK, 0, ifindex);
	transact(self->nl, &req, &ans);
	EXPECT_EQ(0, ans.err);
	EXPECT_EQ(0U, if_nametoindex("nl0"));
}

TEST_F(vlo, mtu_at_creation)
{
	static const unsigned int bad[] = { 67, 65537, 1 };
	struct nl_answer ans;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		create_vlo(self->nl, "nl0", bad[i], NULL, 0, &ans);
		EXPECT_EQ(EINVAL, ans.err) TH_LOG("mtu %u", bad[i]);
		EXPECT_STREQ("MTU must be between 68 and 65536", ans.msg);
		EXPECT_EQ(0U, if_nametoindex("nl0"));
	}
	create_vlo(self->nl, "nl68", 68, NULL, 0, &ans);
	EXPECT_EQ(0, ans.err) TH_LOG("mtu 68: %s", ans.msg);
	EXPECT_EQ(68, get_mtu("nl68"));
	create_vlo(self->nl, "nl65536", 65536, NULL, 0, &ans);
	EXPECT_EQ(0, ans.err) TH_LOG("mtu 65536: %s", ans.msg);
	EXPECT_EQ(65536, get_mtu("nl65536"));
	create_vlo(self->nl, "nl0", 0, NULL, 0, &ans);
	EXPECT_EQ(0, ans.err) TH_LOG("no mtu: %s", ans.msg);
	EXPECT_EQ(65536, get_mtu("nl0"));
}

TEST_F(vlo, mtu_change)
{
	struct nl_answer ans;
	int ifindex;

	create_vlo(self->nl, "nl0", 0, NULL, 0, &ans);
	ASSERT_EQ(0, ans.err);
	ifindex = if_nametoindex("nl0");

	/* Away from the default first, so that "unchanged" is telling. */
	set_link(self->nl, ifindex, 1500, NULL, 0, &ans);
	EXPECT_EQ(0, ans.err);
	EXPECT_EQ(1500, get_mtu("nl0"));
	set_link(self->nl, ifindex, 67, NULL, 0, &ans);
	EXPECT_EQ(EINVAL, ans.err);
	EXPECT_STREQ("mtu less than device minimum", ans.msg);
	EXPECT_EQ(1500, get_mtu("nl0"));
	set_link(self->nl, ifindex, 65537, NULL, 0, &ans);
	EXPECT_EQ(EINVAL, ans.err);
	EXPECT_STREQ("mtu greater than device maximum", ans.msg);
	EXPECT_EQ(1500, get_mtu("nl0"));
	set_link(self->nl, ifindex, 68, NULL, 0, &ans);
	EXPECT_EQ(0, ans.err);
	EXPECT_EQ(68, get_mtu("nl0"));
	set_link(self->nl, ifindex, 65536, NULL, 0, &ans);
	EXPECT_EQ(0, ans.err);
	EXPECT_EQ(65536, get_mtu("nl0"));
}

TEST_F(vlo, address_at_creation)
{
	static const unsigned char mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	static const unsigned char zero[6];
	static const unsigned char ok[7] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55,
					     0x66 };
	struct nl_answer ans;

	create_vlo(self->nl, "nl0", 0, ok, 5, &ans);
	EXPECT_EQ(EINVAL, ans.err);
	EXPECT_STREQ("MAC address must be 6 bytes", ans.msg);
	create_vlo(self->nl, "nl0", 0, ok, 7, &ans);
	EXPECT_EQ(EINVAL, ans.err);
	EXPECT_STREQ("MAC address must be 6 bytes", ans.msg);
	create_vlo(self->nl, "nl0", 0, mcast, 6, &ans);
	EXPECT_EQ(EADDRNOTAVAIL, ans.err);
	EXPECT_STREQ("MAC address must be unicast", ans.msg);
	EXPECT_EQ(0U, if_nametoindex("nl0"));

	/* lo's address is a vlo address too. */
	create_vlo(self->nl, "nl1", 0, zero, 6, &ans);
	EXPECT_EQ(0, ans.err) TH_LOG("%s", ans.msg);
	EXPECT_EQ(1, has_addr("nl1", zero));

	create_vlo(self->nl, "nl0", 0, ok, 6, &ans);
	EXPECT_EQ(0, ans.err) TH_LOG("%s", ans.msg);
	EXPECT_EQ(1, has_addr("nl0", ok));
}

TEST_F(vlo, address_change_while_up)
{
	static const unsigned char mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	static const unsigned char zero[6];
	static const unsigned char ok[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	struct nl_answer ans;
	int ifindex;

	create_vlo(self->nl, "nl0", 0, NULL, 0, &ans);
	ASSERT_EQ(0, ans.err);
	ifindex = if_nametoindex("nl0");
	set_up(self->nl, ifindex, true, &ans);
	ASSERT_EQ(0, ans.err);

	EXPECT_EQ(0, has_addr("nl0", ok));
	set_link(self->nl, ifindex, 0, ok, 6, &ans);
	EXPECT_EQ(0, ans.err) TH_LOG("%s", ans.msg);
	EXPECT_EQ(1, has_addr("nl0", ok));
	set_link(self->nl, ifindex, 0, mcast, 6, &ans);
	EXPECT_EQ(EADDRNOTAVAIL, ans.err);
	EXPECT_EQ(1, has_addr("nl0", ok));
	set_link(self->nl, ifindex, 0, zero, 6, &ans);
	EXPECT_EQ(0, ans.err) TH_LOG("%s", ans.msg);
	EXPECT_EQ(1, has_addr("nl0", zero));
}

TEST_F(vlo, ethtool_drvinfo)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct nl_answer ans;

	create_vlo(self->nl, "nl0", 0, NULL, 0, &ans);
	ASSERT_EQ(0, ans.err);
	ASSERT_EQ(0, ethtool_ioctl("nl0", &info));
	EXPECT_STREQ("vlo", info.driver);
	EXPECT_STREQ("0.3.0", info.version);
	EXPECT_STREQ("", info.bus_info);
	/* 11 device-wide counters and 9 for its one RX queue (ethtool -S). */
	EXPECT_EQ(20U, info.n_stats);
	EXPECT_EQ(0U, info.n_priv_flags);
}

/* capture-once is gone (its marking was seen by tc and nftables). */
TEST_F(vlo, no_private_flags)
{
	struct ethtool_value get = { .cmd = ETHTOOL_GPFLAGS };
	struct ethtool_value set = { .cmd = ETHTOOL_SPFLAGS, .data = 1 };
	struct nl_answer ans;

	create_vlo(self->nl, "nl0", 0, NULL, 0, &ans);
	ASSERT_EQ(0, ans.err);
	EXPECT_EQ(-EOPNOTSUPP, ethtool_ioctl("nl0", &get));
	EXPECT_EQ(-EOPNOTSUPP, ethtool_ioctl("nl0", &set));
}

TEST_HARNESS_MAIN
