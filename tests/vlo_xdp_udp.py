#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""UDP datagrams from and to sockets, counted one by one, for the vlo XDP tests.

    vlo_xdp_udp.py send -d DST -p PORT -n N [-b SRC] [-s SIZE] [-g GAP_MS] [-o FIRST]
    vlo_xdp_udp.py recv -d ADDR -p PORT -n N -t SECONDS -r READY_FILE
    vlo_xdp_udp.py xfer -b SRC -d DST -p PORT -n N -t SECONDS [-s SIZE]

Payloads are "vlo-udp4 <seq>" (as tests/vlo_udp4.py sends them from packet
sockets, and tests/vlo_xsk parses them), padded with "x" to SIZE bytes.
send: from a UDP socket (bound to SRC if given: vlo-route pairs), GAP_MS
between two datagrams, sequence numbers from FIRST (default 0); prints
sent=N errors=E (sendto() failures).
recv: a UDP socket bound to ADDR:PORT (IPv4 or IPv6) with a large buffer
creates READY_FILE, then counts datagrams until N distinct ones arrived
(and 0.5 s more, for extra copies) or SECONDS passed. Prints
received=K distinct=D dup=X other=O: each datagram is counted once per
copy, so that a frame delivered twice (an XDP_TX looped once too often) is
seen; other: payloads of another form.
xfer: both in one process (one Python start less on a slow guest): the
receiving socket on DST:PORT, then N datagrams from SRC, then the count;
prints sent=N errors=E received=K distinct=D dup=X other=O.
"""

import argparse
import socket
import sys
import time

PREFIX = b"vlo-udp4 "


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def send_all(a):
    s = socket.socket(family(a.dst), socket.SOCK_DGRAM)
    if a.src:
        s.bind((a.src, 0))
    sent = errors = 0
    for i in range(a.first, a.first + a.count):
        data = b"%s%d " % (PREFIX, i)
        data += b"x" * max(0, a.size - len(data))
        try:
            s.sendto(data, (a.dst, a.port))
            sent += 1
        except OSError:
            errors += 1
        if a.gap:
            time.sleep(a.gap / 1000.0)
    return sent, errors


def send(a):
    print("sent=%d errors=%d" % send_all(a))
    return 0


def rx_socket(a):
    s = socket.socket(family(a.dst), socket.SOCK_DGRAM)
    try:
        # SO_RCVBUFFORCE (33): root may go above rmem_max; a slow guest
        # must not lose datagrams in the socket.
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.bind((a.dst, a.port))
    return s


def count(s, a):
    s.settimeout(0.1)
    seen = set()
    received = dup = other = 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        try:
            data = s.recv(70000)
        except socket.timeout:
            continue
        received += 1
        if not data.startswith(PREFIX):
            other += 1
            continue
        seq = data[len(PREFIX):].split(b" ", 1)[0]
        if seq in seen:
            dup += 1
        else:
            seen.add(seq)
            if len(seen) == a.expect:
                end = min(end, time.monotonic() + 0.5)
    return "received=%d distinct=%d dup=%d other=%d" % (received, len(seen),
                                                        dup, other)


def recv(a):
    s = rx_socket(a)
    open(a.ready, "w").close()
    print(count(s, a))
    return 0


def xfer(a):
    s = rx_socket(a)
    sent, errors = send_all(a)
    a.expect = a.count
    print("sent=%d errors=%d %s" % (sent, errors, count(s, a)))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("send")
    xp = sub.add_parser("xfer")
    for p in sp, xp:
        p.add_argument("-d", dest="dst", required=True)
        p.add_argument("-p", dest="port", type=int, required=True)
        p.add_argument("-n", dest="count", type=int, default=10)
        p.add_argument("-b", dest="src")
        p.add_argument("-s", dest="size", type=int, default=0)
        p.add_argument("-g", dest="gap", type=float, default=0)
        p.add_argument("-o", dest="first", type=int, default=0)
    xp.add_argument("-t", dest="seconds", type=float, required=True)
    rp = sub.add_parser("recv")
    rp.add_argument("-d", dest="dst", required=True)
    rp.add_argument("-p", dest="port", type=int, required=True)
    rp.add_argument("-n", dest="expect", type=int, required=True)
    rp.add_argument("-t", dest="seconds", type=float, required=True)
    rp.add_argument("-r", dest="ready", required=True)
    a = ap.parse_args()
    return {"send": send, "recv": recv, "xfer": xfer}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
