#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Traffic helpers for tests/vlo_route.sh (python3 standard library only).
#
#   udp-pair SRC DST PORT COUNT SIZE
#       send COUNT datagrams of SIZE bytes from SRC to DST:PORT, one at a
#       time; a socket on DST:PORT in the same process echoes each back;
#       prints "sent N echoed M bytes B" (B: both directions)
#   unbound DST PORT COUNT SIZE
#       from sockets that do not bind (the kernel picks their source): a
#       TCP connect() to DST:PORT sending COUNT x SIZE bytes, then COUNT
#       UDP datagrams of SIZE bytes sent with sendto() to DST:PORT, each
#       echoed back; the servers listen on DST:PORT in the same process;
#       prints "tcp from PEER bytes B udp from PEERS echoed M" (PEER: the
#       source address the TCP server saw; PEERS: those the UDP server saw)
#   raw-ping DEV SRC DST COUNT
#       craft COUNT ICMP (IPv4) or ICMPv6 echo requests SRC -> DST in
#       Ethernet frames to DEV's own MAC address, send them with an AF_PACKET
#       socket on DEV and wait for the kernel's echo replies DST -> SRC to
#       come back in on DEV; prints "sent N replies M"

import os
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_pair(src, dst, port, count, size):
    """COUNT datagrams SRC -> DST:PORT, each echoed back DST -> SRC."""
    fam = family(src)
    server = socket.socket(fam, socket.SOCK_DGRAM)
    server.bind((dst, int(port)))
    server.settimeout(2)
    client = socket.socket(fam, socket.SOCK_DGRAM)
    client.bind((src, 0))
    client.settimeout(2)
    payload = (bytes(range(256)) * (int(size) // 256 + 1))[: int(size)]
    sent = echoed = nbytes = 0
    for _ in range(int(count)):
        client.sendto(payload, (dst, int(port)))
        sent += 1
        nbytes += len(payload)
        try:
            data, peer = server.recvfrom(65535)
            server.sendto(data, peer)
            data = client.recv(65535)
        except socket.timeout:
            continue
        if data == payload:
            echoed += 1
            nbytes += len(data)
    print(f"sent {sent} echoed {echoed} bytes {nbytes}")
    return 0 if echoed == sent else 1


def unbound(dst, port, count, size):
    """TCP and UDP to DST:PORT from sockets that never bind."""
    fam, port, count, size = family(dst), int(port), int(count), int(size)
    payload = (bytes(range(256)) * (size // 256 + 1))[:size]

    server = socket.socket(fam, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((dst, port))
    server.listen(1)
    server.settimeout(5)
    client = socket.socket(fam, socket.SOCK_STREAM)
    client.settimeout(5)
    client.connect((dst, port))
    conn, peer = server.accept()
    conn.settimeout(5)
    for _ in range(count):
        client.sendall(payload)
    client.shutdown(socket.SHUT_WR)
    got = 0
    while True:
        data = conn.recv(65536)
        if not data:
            break
        got += len(data)
    conn.close()
    client.close()
    server.close()
    tcp = f"tcp from {peer[0]} bytes {got}"

    server = socket.socket(fam, socket.SOCK_DGRAM)
    server.bind((dst, port))
    server.settimeout(2)
    client = socket.socket(fam, socket.SOCK_DGRAM)
    client.settimeout(2)
    peers = set()
    echoed = 0
    for _ in range(count):
        client.sendto(payload, (dst, port))
        try:
            data, udp_peer = server.recvfrom(65535)
            peers.add(udp_peer[0])
            server.sendto(data, udp_peer)
            data = client.recv(65535)
        except socket.timeout:
            continue
        if data == payload:
            echoed += 1
    udp = f"udp from {','.join(sorted(peers)) or '-'} echoed {echoed}"
    print(f"{tcp} {udp}")
    return 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_frame(dmac, smac, src, dst, ident, seq):
    payload = b"vlo-route raw frame " + bytes(range(44))
    if family(src) == socket.AF_INET:
        icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0,
                         64, socket.IPPROTO_ICMP, 0,
                         socket.inet_pton(socket.AF_INET, src),
                         socket.inet_pton(socket.AF_INET, dst))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return dmac + smac + struct.pack("!H", ETH_P_IP) + ip + icmp
    s6 = socket.inet_pton(socket.AF_INET6, src)
    d6 = socket.inet_pton(socket.AF_INET6, dst)
    icmp = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + payload
    pseudo = s6 + d6 + struct.pack("!I3xB", len(icmp), socket.IPPROTO_ICMPV6)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), socket.IPPROTO_ICMPV6,
                      64) + s6 + d6
    return dmac + smac + struct.pack("!H", ETH_P_IPV6) + ip6 + icmp


def is_reply(frame, src, dst, ident):
    """An echo reply dst -> src with our identifier."""
    etype = struct.unpack("!H", frame[12:14])[0]
    if etype == ETH_P_IP and family(src) == socket.AF_INET:
        ip = frame[14:]
        ihl = (ip[0] & 0xF) * 4
        return (ip[9] == socket.IPPROTO_ICMP and
                ip[12:16] == socket.inet_pton(socket.AF_INET, dst) and
                ip[16:20] == socket.inet_pton(socket.AF_INET, src) and
                ip[ihl] == 0 and
                struct.unpack("!H", ip[ihl + 4:ihl + 6])[0] == ident)
    if etype == ETH_P_IPV6 and family(src) == socket.AF_INET6:
        ip6 = frame[14:]
        return (ip6[6] == socket.IPPROTO_ICMPV6 and
                ip6[8:24] == socket.inet_pton(socket.AF_INET6, dst) and
                ip6[24:40] == socket.inet_pton(socket.AF_INET6, src) and
                ip6[40] == 129 and
                struct.unpack("!H", ip6[44:46])[0] == ident)
    return False


def raw_ping(dev, src, dst, count):
    with open(f"/sys/class/net/{dev}/address") as f:
        dmac = bytes.fromhex(f.read().strip().replace(":", ""))
    smac = bytes.fromhex("020000766c99")
    ident = os.getpid() & 0xFFFF
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_ALL))
    sock.bind((dev, ETH_P_ALL))
    sock.settimeout(0.2)
    sent = replies = 0
    for seq in range(1, int(count) + 1):
        sock.send(echo_frame(dmac, smac, src, dst, ident, seq))
        sent += 1
    deadline = time.monotonic() + 3
    while replies < sent and time.monotonic() < deadline:
        try:
            frame, addr = sock.recvfrom(65535)
        except socket.timeout:
            continue
        # Our own frames and the kernel's reply are seen leaving
        # (PACKET_OUTGOING); only the copy received on DEV counts.
        if addr[2] != PACKET_OUTGOING and is_reply(frame, src, dst, ident):
            replies += 1
    print(f"sent {sent} replies {replies}")
    return 0 if replies == sent else 1


def main(argv):
    cmds = {"udp-pair": (udp_pair, 5), "unbound": (unbound, 4),
            "raw-ping": (raw_ping, 4)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__ or "usage: see the header of this file", file=sys.stderr)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
