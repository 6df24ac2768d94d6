#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""IPv4/UDP datagrams sent through a packet socket, and counted.

    vlo_udp4.py send -i DEV -n N -s SRC -d DST -p PORT \
                (--dmac MAC | --zero-dest | --bound)
    vlo_udp4.py count -d ADDR -p PORT -n N -t SECONDS -r READY_FILE

send, --dmac: SOCK_RAW frames to MAC (the Ethernet header built here);
--zero-dest: SOCK_DGRAM, sendto() lo's address 00:00:00:00:00:00;
--bound: SOCK_DGRAM bound to DEV, send() with no address at all. With
either, the device's header code builds the header. (Not sendto() with an
address of length 0: packet sockets then use the address bytes anyway,
which Python leaves unset.) Payloads are
"vlo-udp4 <i>"; prints sent=N. count: a UDP socket bound to ADDR:PORT
creates READY_FILE once bound, then counts those payloads until N arrived
(and 0.5 s more, for extra copies) or SECONDS passed, and prints the count.
"""

import argparse
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def ip_udp(src, dst, port, data, ident):
    sa, da = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(data)
    uh = struct.pack("!HHHH", 40000, port, ulen, 0)
    uc = csum(sa + da + struct.pack("!BBH", 0, 17, ulen) + uh + data)
    uh = struct.pack("!HHHH", 40000, port, ulen, uc or 0xffff)
    ih = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident & 0xffff,
                     0, 64, 17, 0, sa, da)
    ih = ih[:10] + struct.pack("!H", csum(ih)) + ih[12:]
    return ih + uh + data


def count(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.dst, a.port))
    open(a.ready, "w").close()
    s.settimeout(0.1)
    n, end = 0, time.monotonic() + a.seconds
    while time.monotonic() < end:
        try:
            if s.recv(2048).startswith(b"vlo-udp4 "):
                n += 1
                if n == a.expect:
                    end = min(end, time.monotonic() + 0.5)
        except socket.timeout:
            pass
    print(n)
    return 0


def main():
    if sys.argv[1:2] == ["count"]:
        ap = argparse.ArgumentParser()
        ap.add_argument("-d", dest="dst", required=True)
        ap.add_argument("-p", dest="port", type=int, required=True)
        ap.add_argument("-n", dest="expect", type=int, required=True)
        ap.add_argument("-t", dest="seconds", type=float, required=True)
        ap.add_argument("-r", dest="ready", required=True)
        return count(ap.parse_args(sys.argv[2:]))
    if sys.argv[1:2] != ["send"]:
        sys.exit(__doc__)
    ap = argparse.ArgumentParser()
    ap.add_argument("-i", dest="dev", required=True)
    ap.add_argument("-n", dest="count", type=int, default=10)
    ap.add_argument("-s", dest="src", required=True)
    ap.add_argument("-d", dest="dst", required=True)
    ap.add_argument("-p", dest="port", type=int, required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--dmac")
    g.add_argument("--zero-dest", action="store_true")
    g.add_argument("--bound", action="store_true")
    a = ap.parse_args(sys.argv[2:])

    if a.zero_dest or a.bound:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                          socket.htons(ETH_P_IP))
        if a.bound:
            s.bind((a.dev, ETH_P_IP))
    else:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        dmac = bytes.fromhex(a.dmac.replace(":", ""))
        smac = bytes.fromhex(open("/sys/class/net/%s/address" % a.dev)
                             .read().strip().replace(":", ""))
    for i in range(a.count):
        pkt = ip_udp(a.src, a.dst, a.port, b"vlo-udp4 %d" % i, i)
        if a.bound:
            s.send(pkt)
        elif a.zero_dest:
            s.sendto(pkt, (a.dev, ETH_P_IP, 0, 0, bytes(6)))
        else:
            s.sendto(dmac + smac + struct.pack("!H", ETH_P_IP) + pkt,
                     (a.dev, 0))
    print("sent=%d" % a.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
