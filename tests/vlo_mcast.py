#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count how often local receivers get each datagram sent to a group.

    vlo_mcast.py -i DEV -g GROUP [-s SRC] [-n N] [-t TTL] [-r RECEIVERS]
                 [-L] [-w SECONDS]

Joins GROUP on DEV with RECEIVERS sockets (IPv4 or IPv6 from GROUP's form;
for an IPv4 broadcast address nothing is joined: SO_BROADCAST), sends N
datagrams of distinct payload to GROUP out of DEV with multicast TTL / hop
limit TTL (-L: with IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP off), waits
until every receiver has every datagram (at most SECONDS) and 0.5 s more
for extra copies, and prints one line: sent=N received=R
per_datagram=min,max where R counts every datagram every receiver got and
per_datagram is the fewest and most copies of one datagram one receiver
got. The count is the receivers' own: nothing is read from the device.
"""

import argparse
import ipaddress
import select
import socket
import struct
import sys
import time

PORT = 47011


def ifindex(name):
    return socket.if_nametoindex(name)


def v4_receiver(dev, group, bcast):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    s.bind((group if not bcast else "", PORT))
    if not bcast:
        mreq = struct.pack("4s4si", socket.inet_aton(group),
                           socket.inet_aton("0.0.0.0"), ifindex(dev))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return s


def v6_receiver(dev, group):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    s.bind(("::", PORT, 0, 0))
    mreq = socket.inet_pton(socket.AF_INET6, group) + \
        struct.pack("@I", ifindex(dev))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    return s


def sender(dev, group, v6, bcast, src, ttl, loop):
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF,
                     ifindex(dev))
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ttl)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, loop)
        if src:
            s.bind((src, 0, 0, 0))
        return s, (group, PORT, 0, ifindex(dev))
    if bcast:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, max(ttl, 1))
    else:
        mreqn = struct.pack("4s4si", socket.inet_aton("0.0.0.0"),
                            socket.inet_aton(src or "0.0.0.0"), ifindex(dev))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, loop)
    if src:
        s.bind((src, 0))
    return s, (group, PORT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-i", dest="dev", required=True)
    ap.add_argument("-g", dest="group", required=True)
    ap.add_argument("-s", dest="src")
    ap.add_argument("-n", dest="count", type=int, default=5)
    ap.add_argument("-t", dest="ttl", type=int, default=1)
    ap.add_argument("-r", dest="receivers", type=int, default=1)
    ap.add_argument("-L", dest="noloop", action="store_true")
    ap.add_argument("-w", dest="wait", type=float, default=20.0,
                    help="seconds to wait for every datagram at most")
    a = ap.parse_args()

    addr = ipaddress.ip_address(a.group)
    v6 = addr.version == 6
    bcast = not v6 and not addr.is_multicast
    rx = [v6_receiver(a.dev, a.group) if v6 else
          v4_receiver(a.dev, a.group, bcast) for _ in range(a.receivers)]
    tx, dest = sender(a.dev, a.group, v6, bcast, a.src, a.ttl,
                      0 if a.noloop else 1)

    for i in range(a.count):
        tx.sendto(b"vlo-mcast %d" % i, dest)
    copies = [dict() for _ in rx]
    end = time.monotonic() + a.wait
    complete = False
    while True:
        if not complete and all(len(c) == a.count for c in copies):
            complete = True
            end = min(end, time.monotonic() + 0.5)
        left = end - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select(rx, [], [], left)
        for s in ready:
            data = s.recv(2048)
            if data.startswith(b"vlo-mcast "):
                c = copies[rx.index(s)]
                c[data] = c.get(data, 0) + 1
    received = sum(sum(c.values()) for c in copies)
    per = [c.get(b"vlo-mcast %d" % i, 0)
           for c in copies for i in range(a.count)]
    print("sent=%d received=%d per_datagram=%d,%d" %
          (a.count, received, min(per), max(per)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
