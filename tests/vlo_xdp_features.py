#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The XDP feature flags a device declares, from the kernel's netdev
generic netlink family (kernels >= 6.3), for tests/vlo_xdp.sh.

    vlo_xdp_features.py DEV

Prints features=NAME,NAME,... (names as in the family's spec: basic,
redirect, ndo-xmit, xsk-zerocopy, hw-offload, rx-sg, ndo-xmit-sg), or
family=absent when this kernel has no netdev family (before 6.3). Plain
sockets: no ynl or pyroute2 on the test machine.
"""

import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NETDEV_CMD_DEV_GET = 1
NETDEV_A_DEV_IFINDEX = 1
NETDEV_A_DEV_XDP_FEATURES = 3
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
FEATURES = ["basic", "redirect", "ndo-xmit", "xsk-zerocopy", "hw-offload",
            "rx-sg", "ndo-xmit-sg"]


def attr(kind, payload):
    a = struct.pack("=HH", 4 + len(payload), kind) + payload
    return a + b"\0" * (-len(a) % 4)


def attrs(buf):
    out = {}
    while len(buf) >= 4:
        alen, kind = struct.unpack("=HH", buf[:4])
        if alen < 4:
            break
        out[kind & 0x3fff] = buf[4:alen]
        buf = buf[(alen + 3) & ~3:]
    return out


def request(s, family, cmd, payload):
    msg = struct.pack("=BBH", cmd, 1, 0) + payload
    s.send(struct.pack("=IHHII", 16 + len(msg), family, NLM_F_REQUEST, 1, 0)
           + msg)
    reply = s.recv(65536)
    _, kind = struct.unpack("=IH", reply[:6])
    if kind == NLMSG_ERROR:
        err = struct.unpack("=i", reply[16:20])[0]
        return None, -err
    return attrs(reply[20:]), 0


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ifindex = socket.if_nametoindex(sys.argv[1])
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    s.bind((0, 0))
    got, err = request(s, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                       attr(CTRL_ATTR_FAMILY_NAME, b"netdev\0"))
    if got is None:
        print("family=absent")
        return 0
    family = struct.unpack("=H", got[CTRL_ATTR_FAMILY_ID][:2])[0]
    got, err = request(s, family, NETDEV_CMD_DEV_GET,
                       attr(NETDEV_A_DEV_IFINDEX, struct.pack("=I", ifindex)))
    if got is None:
        sys.exit("netdev dev-get %s: %s" % (sys.argv[1], os.strerror(err)))
    bits = struct.unpack("=Q", got[NETDEV_A_DEV_XDP_FEATURES][:8])[0]
    names = [n for i, n in enumerate(FEATURES) if bits & (1 << i)]
    unknown = bits >> len(FEATURES)
    if unknown:
        names.append("0x%x" % (unknown << len(FEATURES)))
    print("features=" + ",".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
