#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""UDP datagrams from and to sockets, counted one by one, for the vlo XDP tests.

    vlo_xdp_udp.py send -d DST -p PORT -n N [-b SRC] [-s SIZE] [-g GAP_MS]
    vlo_xdp_udp.py recv -d ADDR -p PORT -n N -t SECONDS -r READY_FILE

Payloads are "vlo-udp4 <seq>" (as tests/vlo_udp4.py sends them from packet
sockets, and tests/vlo_xsk parses them), padded with "x" to SIZE bytes.
send: from a UDP socket (bound to SRC if given: vlo-route pairs), GAP_MS
between two datagrams; prints sent=N errors=E (sendto() failures).
recv: a UDP socket bound to ADDR:PORT (IPv4 or IPv6) with a large buffer
creates READY_FILE, then counts datagrams until N distinct ones arrived
(and 0.5 s more, for extra copies) or SECONDS passed. Prints
received=K distinct=D dup=X other=O: each datagram is counted once per
copy, so that a frame delivered twice (an XDP_TX looped once too often) is
seen; other: payloads of another form.
"""

import argparse
import socket
import sys
import time

PREFIX = b"vlo-udp4 "


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def send(a):
    s = socket.socket(family(a.dst), socket.SOCK_DGRAM)
    if a.src:
        s.bind((a.src, 0))
    sent = errors = 0
    for i in range(a.count):
        data = b"%s%d " % (PREFIX, i)
        data += b"x" * max(0, a.size - len(data))
        try:
            s.sendto(data, (a.dst, a.port))
            sent += 1
        except OSError:
            errors += 1
        if a.gap:
            time.sleep(a.gap / 1000.0)
    print("sent=%d errors=%d" % (sent, errors))
    return 0


def recv(a):
    s = socket.socket(family(a.dst), socket.SOCK_DGRAM)
    try:
        # SO_RCVBUFFORCE (33): root may go above rmem_max; a slow guest
        # must not lose datagrams in the socket.
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.bind((a.dst, a.port))
    open(a.ready, "w").close()
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
    print("received=%d distinct=%d dup=%d other=%d"
          % (received, len(seen), dup, other))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("send")
    sp.add_argument("-d", dest="dst", required=True)
    sp.add_argument("-p", dest="port", type=int, required=True)
    sp.add_argument("-n", dest="count", type=int, default=10)
    sp.add_argument("-b", dest="src")
    sp.add_argument("-s", dest="size", type=int, default=0)
    sp.add_argument("-g", dest="gap", type=float, default=0)
    rp = sub.add_parser("recv")
    rp.add_argument("-d", dest="dst", required=True)
    rp.add_argument("-p", dest="port", type=int, required=True)
    rp.add_argument("-n", dest="expect", type=int, required=True)
    rp.add_argument("-t", dest="seconds", type=float, required=True)
    rp.add_argument("-r", dest="ready", required=True)
    a = ap.parse_args()
    return send(a) if a.cmd == "send" else recv(a)


if __name__ == "__main__":
    sys.exit(main())
