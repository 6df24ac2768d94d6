// SPDX-License-Identifier: GPL-2.0
/*
 * Multicast and broadcast that the host's own IP stack sends.
 *
 * On a device that is not IFF_LOOPBACK, IPv4 and IPv6 hand local
 * receivers their own copy of what they send to a group or a broadcast
 * address (ip_mc_output(), ip6_finish_output2(): a clone fed to netif_rx
 * with the output route attached, so no input route or source check can
 * lose it), and transmit the original. lo is spared the copy because it
 * is IFF_LOOPBACK; vlo cannot be. Were vlo to loop the original as well,
 * every receiver would get each datagram twice. So such a frame is
 * transmitted (taps, qdisc and egress hooks see it, counted in TX) and not
 * looped a second time. Where the stack makes no copy (a socket with
 * IP_MULTICAST_LOOP off, a forwarded or redirected frame, a packet
 * socket's frame), vlo loops the frame as any other.
 */

#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "vlo_compat.h"
#include "vlo.h"

/* Called for frames to a multicast or broadcast MAC, from vlo_xmit(). */
bool vlo_stack_loops_it(const struct sk_buff *skb)
{
	const struct ethhdr *eth = (const struct ethhdr *)skb->data;
	const struct sock *sk = skb->sk;

	/* Received or forwarded here first: the stack made no copy. */
	if (skb->skb_iif)
		return false;
	/* Not sent by IPv4 or IPv6 (a packet socket, for instance). */
	if (sk && (!sk_fullsock(sk) ||
		   (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)))
		return false;

	switch (eth->h_proto) {
	case htons(ETH_P_IP):
		/* ip_mc_output() copies every broadcast, whatever the socket. */
		if (is_broadcast_ether_addr(eth->h_dest))
			return true;
		fallthrough;
	case htons(ETH_P_IPV6):
		/* Packets without a socket (IGMP reports) are copied too. */
		return !sk || vlo_sk_mc_loop(sk);
	default:
		return false;
	}
}
