# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of vlo's stress, fuzz and security tests.

Raw rtnetlink (build, send, parse RTM_*LINK), the ethtool ioctl
(SIOCETHTOOL) and network namespace switching, with nothing but the Python
standard library: the tests run in a QEMU guest whose root is the host's,
and must not depend on pyroute2 or similar being installed.
"""

import ctypes
import errno
import fcntl
import os
import socket
import struct

# ------------------------------------------------------------- netlink

SOL_NETLINK = 270
NETLINK_ROUTE = 0
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_SETLINK = 19

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_ECHO = 0x8
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_APPEND = 0x800
NLM_F_DUMP = 0x300
# Flags of an NLMSG_ERROR message.
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSGERR_ATTR_MSG = 1

NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff

IFLA_ADDRESS = 1
IFLA_BROADCAST = 2
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_LINK = 5
IFLA_QDISC = 6
IFLA_STATS = 7
IFLA_MASTER = 10
IFLA_PROTINFO = 12
IFLA_TXQLEN = 13
IFLA_MAP = 14
IFLA_OPERSTATE = 16
IFLA_LINKMODE = 17
IFLA_LINKINFO = 18
IFLA_NET_NS_PID = 19
IFLA_IFALIAS = 20
IFLA_VFINFO_LIST = 22
IFLA_AF_SPEC = 26
IFLA_GROUP = 27
IFLA_NET_NS_FD = 28
IFLA_EXT_MASK = 29
IFLA_PROMISCUITY = 30
IFLA_NUM_TX_QUEUES = 31
IFLA_NUM_RX_QUEUES = 32
IFLA_CARRIER = 33
IFLA_LINK_NETNSID = 37
IFLA_PROTO_DOWN = 39
IFLA_GSO_MAX_SEGS = 40
IFLA_GSO_MAX_SIZE = 41
IFLA_XDP = 43
IFLA_TARGET_NETNSID = 46
IFLA_MIN_MTU = 50
IFLA_MAX_MTU = 51
IFLA_ALT_IFNAME = 53
IFLA_PROTO_DOWN_REASON = 55
IFLA_GRO_MAX_SIZE = 58
IFLA_TSO_MAX_SIZE = 59
IFLA_TSO_MAX_SEGS = 60
IFLA_STATS64 = 23
IFLA_MAX_6_1 = 60

IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
IFLA_INFO_XSTATS = 3
IFLA_INFO_SLAVE_KIND = 4
IFLA_INFO_SLAVE_DATA = 5

IFF_UP = 0x1
IFF_BROADCAST = 0x2
IFF_DEBUG = 0x4
IFF_LOOPBACK = 0x8
IFF_POINTOPOINT = 0x10
IFF_NOTRAILERS = 0x20
IFF_RUNNING = 0x40
IFF_NOARP = 0x80
IFF_PROMISC = 0x100
IFF_ALLMULTI = 0x200
IFF_MASTER = 0x400
IFF_SLAVE = 0x800
IFF_MULTICAST = 0x1000
IFF_PORTSEL = 0x2000
IFF_AUTOMEDIA = 0x4000
IFF_DYNAMIC = 0x8000
IFF_LOWER_UP = 0x10000
IFF_DORMANT = 0x20000
IFF_ECHO = 0x40000

ARPHRD_ETHER = 1


def nla(atype, payload):
    """One netlink attribute, padded to 4 bytes."""
    hdr = struct.pack('=HH', 4 + len(payload), atype)
    pad = b'\0' * (-len(payload) % 4)
    return hdr + payload + pad


def nla_u32(atype, value):
    return nla(atype, struct.pack('=I', value & 0xffffffff))


def nla_u8(atype, value):
    return nla(atype, struct.pack('=B', value & 0xff))


def nla_str(atype, text):
    if isinstance(text, str):
        text = text.encode()
    return nla(atype, text + b'\0')


def nla_nest(atype, *attrs):
    return nla(atype | NLA_F_NESTED, b''.join(attrs))


def ifinfomsg(family=0, dev_type=0, index=0, flags=0, change=0):
    return struct.pack('=BxHiII', family, dev_type, index, flags, change)


def nlmsg(msg_type, flags, seq, payload, length=None):
    """A netlink message; length overrides nlmsg_len (to send lies)."""
    if length is None:
        length = 16 + len(payload)
    return struct.pack('=IHHII', length & 0xffffffff, msg_type, flags, seq,
                       0) + payload


def parse_attrs(data, offset=0):
    """{type: payload} of the attributes in data[offset:] (last one wins)."""
    attrs = {}
    while offset + 4 <= len(data):
        alen, atype = struct.unpack_from('=HH', data, offset)
        if alen < 4 or offset + alen > len(data):
            break
        attrs[atype & NLA_TYPE_MASK] = data[offset + 4:offset + alen]
        offset += (alen + 3) & ~3
    return attrs


def cstr(payload):
    return payload.split(b'\0', 1)[0].decode(errors='replace')


class Link:
    """What RTM_NEWLINK says about one device."""

    def __init__(self, payload):
        (self.family, self.type, self.index, self.flags,
         _change) = struct.unpack_from('=BxHiII', payload, 0)
        a = parse_attrs(payload, 16)
        self.attrs = a
        self.name = cstr(a[IFLA_IFNAME]) if IFLA_IFNAME in a else None
        # Names are bytes to the kernel: any but '/', ':' and whitespace.
        self.name_raw = (a[IFLA_IFNAME].split(b'\0', 1)[0]
                         if IFLA_IFNAME in a else None)
        self.mtu = self._u32(IFLA_MTU)
        self.min_mtu = self._u32(IFLA_MIN_MTU)
        self.max_mtu = self._u32(IFLA_MAX_MTU)
        self.txqlen = self._u32(IFLA_TXQLEN)
        self.group = self._u32(IFLA_GROUP)
        self.address = a.get(IFLA_ADDRESS)
        self.broadcast = a.get(IFLA_BROADCAST)
        self.operstate = a[IFLA_OPERSTATE][0] if IFLA_OPERSTATE in a else None
        self.kind = None
        if IFLA_LINKINFO in a:
            li = parse_attrs(a[IFLA_LINKINFO])
            if IFLA_INFO_KIND in li:
                self.kind = cstr(li[IFLA_INFO_KIND])
        self.stats64 = None
        if IFLA_STATS64 in a and len(a[IFLA_STATS64]) >= 64:
            self.stats64 = struct.unpack_from('=8Q', a[IFLA_STATS64], 0)

    def _u32(self, atype):
        v = self.attrs.get(atype)
        return struct.unpack('=I', v[:4])[0] if v and len(v) >= 4 else None

    # rtnl_link_stats64 starts: rx_packets, tx_packets, rx_bytes, tx_bytes,
    # rx_errors, tx_errors, rx_dropped, tx_dropped.
    STATS = ('rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes',
             'rx_errors', 'tx_errors', 'rx_dropped', 'tx_dropped')

    def stats(self):
        return dict(zip(self.STATS, self.stats64)) if self.stats64 else None


class NetlinkError(Exception):
    def __init__(self, err, msg=''):
        super().__init__('%s%s' % (errno.errorcode.get(err, err),
                                   ': ' + msg if msg else ''))
        self.errno = err
        self.msg = msg


class Rtnl:
    """A NETLINK_ROUTE socket in the caller's current network namespace."""

    def __init__(self, rcvbuf=1 << 20):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_ROUTE)
        self.sock.bind((0, 0))
        # Error messages without the request echoed, with extack text.
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # RCVBUFFORCE
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.seq = 1000

    def close(self):
        self.sock.close()

    def next_seq(self):
        self.seq = (self.seq + 1) & 0x7fffffff or 1
        return self.seq

    @staticmethod
    def _ack(data, off, length):
        """(errno, extack text) of the NLMSG_ERROR message at data[off:]."""
        flags = struct.unpack_from('=H', data, off + 6)[0]
        err = -struct.unpack_from('=i', data, off + 16)[0]
        text = ''
        if flags & NLM_F_ACK_TLVS:
            inner = struct.unpack_from('=I', data, off + 20)[0]
            tlv = off + 20 + (16 if flags & NLM_F_CAPPED else inner)
            a = parse_attrs(data[:off + length], tlv)
            if NLMSGERR_ATTR_MSG in a:
                text = cstr(a[NLMSGERR_ATTR_MSG])
        return err, text

    def recv_until(self, seq, collect=None):
        """Read replies to seq up to its ack (or NLMSG_DONE).

        Returns (errno, extack); messages of seq other than the ack go to
        collect(type, payload). Replies to other sequence numbers (earlier
        requests the kernel answered late or not at all) are skipped.
        """
        while True:
            # 64 KiB: a dump part fits, and a buffer this size comes from
            # the heap, not from a fresh mmap() per call.
            data = self.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype, _flags, mseq, _pid = struct.unpack_from(
                    '=IHHII', data, off)
                if length < 16:
                    break
                if mseq == seq:
                    if mtype == NLMSG_ERROR:
                        return self._ack(data, off, length)
                    if mtype == NLMSG_DONE:
                        return 0, ''
                    if collect:
                        collect(mtype, data[off + 16:off + length])
                off += (length + 3) & ~3

    def request(self, msg_type, flags, payload, collect=None):
        """Send one request with NLM_F_ACK; return (errno, extack)."""
        seq = self.next_seq()
        self.sock.send(nlmsg(msg_type, flags | NLM_F_REQUEST | NLM_F_ACK,
                             seq, payload))
        return self.recv_until(seq, collect)

    def sync(self):
        """A request that always fails, to re-synchronise after requests
        the kernel may drop without an answer (bad lengths)."""
        return self.request(RTM_DELLINK, 0, ifinfomsg(index=0))

    def links(self, index=0, name=None):
        """Links of the namespace (a dump), or the one given by index/name
        ([] when it does not exist)."""
        out = []

        def collect(mtype, payload):
            if mtype == RTM_NEWLINK:
                out.append(Link(payload))

        if index or name:
            attrs = nla_str(IFLA_IFNAME, name) if name else b''
            err, _ = self.request(RTM_GETLINK, 0,
                                  ifinfomsg(index=index) + attrs, collect)
            if err in (errno.ENODEV, errno.EINVAL):
                return []
        else:
            err, _ = self.request(RTM_GETLINK, NLM_F_DUMP, ifinfomsg(),
                                  collect)
        if err:
            raise NetlinkError(err, 'RTM_GETLINK')
        return out

    def indexes(self):
        """ifindex of every link of the namespace (a dump, unparsed)."""
        out = []

        def collect(mtype, payload):
            if mtype == RTM_NEWLINK:
                out.append(struct.unpack_from('=i', payload, 4)[0])

        # IFLA_EXT_MASK 0 and no stats: the smallest dump there is.
        err, _ = self.request(RTM_GETLINK, NLM_F_DUMP, ifinfomsg(), collect)
        if err:
            raise NetlinkError(err, 'RTM_GETLINK')
        return out

    def link(self, index=0, name=None):
        found = self.links(index, name)
        return found[0] if found else None

    def new_vlo(self, name=None, index=0, flags=0, extra=b'',
                nl_flags=NLM_F_CREATE | NLM_F_EXCL):
        attrs = nla_nest(IFLA_LINKINFO, nla_str(IFLA_INFO_KIND, 'vlo'))
        if name:
            attrs = nla_str(IFLA_IFNAME, name) + attrs
        return self.request(RTM_NEWLINK, nl_flags,
                            ifinfomsg(index=index, flags=flags,
                                      change=flags) + extra + attrs)

    def del_link(self, index=0, name=None):
        attrs = nla_str(IFLA_IFNAME, name) if name else b''
        return self.request(RTM_DELLINK, 0, ifinfomsg(index=index) + attrs)


def is_valid_unicast(mac):
    return (mac is not None and len(mac) == 6 and not mac[0] & 1 and
            mac != b'\0' * 6)


def is_vlo_address(mac):
    """What a vlo device may have: any unicast MAC, lo's all-zero one too."""
    return mac is not None and len(mac) == 6 and not mac[0] & 1


# ---------------------------------------------------------- namespaces

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def setns(path_or_fd, nstype=CLONE_NEWNET):
    """Move the calling thread into a namespace (a /run/netns/NAME path,
    /proc/PID/ns/net, or an fd)."""
    fd = path_or_fd
    if isinstance(path_or_fd, str):
        fd = os.open(path_or_fd, os.O_RDONLY)
    try:
        if _libc.setns(fd, nstype) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
    finally:
        if isinstance(path_or_fd, str):
            os.close(fd)


def netns_path(name):
    return '/run/netns/' + name


# -------------------------------------------------------------- ethtool

SIOCETHTOOL = 0x8946
ETH_GSTRING_LEN = 32
ETH_SS_TEST = 0
ETH_SS_STATS = 1
ETH_SS_PRIV_FLAGS = 2
ETHTOOL_GDRVINFO = 0x03
ETHTOOL_GLINK = 0x0a
ETHTOOL_GSTRINGS = 0x1b
ETHTOOL_GSTATS = 0x1d
ETHTOOL_GPFLAGS = 0x27
ETHTOOL_SPFLAGS = 0x28
ETHTOOL_GSSET_INFO = 0x37
ETHTOOL_GFEATURES = 0x3a
ETHTOOL_SFEATURES = 0x3b
ETHTOOL_GET_TS_INFO = 0x41
DRVINFO_LEN = 196


class Ethtool:
    """SIOCETHTOOL on one device, through a socket of the current netns.

    The command buffer is a ctypes buffer whose address goes into the
    ifreq, so that the kernel's copy_to_user writes into memory this
    object owns and the raw bytes can be inspected afterwards.
    """

    def __init__(self, ifname):
        self.ifname = ifname.encode()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def close(self):
        self.sock.close()

    def raw(self, buf):
        """ioctl with buf (a ctypes char buffer); returns the ioctl's value
        or raises OSError."""
        ifr = struct.pack('16sP16x', self.ifname, ctypes.addressof(buf))
        arg = bytearray(ifr)
        return fcntl.ioctl(self.sock, SIOCETHTOOL, arg, True)

    def cmd(self, data, size=None):
        buf = ctypes.create_string_buffer(data, size or max(len(data), 8))
        self.raw(buf)
        return buf

    def sset_count(self, sset):
        buf = self.cmd(struct.pack('=IIQ', ETHTOOL_GSSET_INFO, 0, 1 << sset),
                       24)
        mask, = struct.unpack_from('=Q', buf, 8)
        if not mask & (1 << sset):
            return None
        return struct.unpack_from('=I', buf, 16)[0]

    def strings_raw(self, sset, fill=b'\xa5'):
        """(len, raw bytes) of ETHTOOL_GSTRINGS; the user buffer is
        pre-filled with fill and made one string longer, so both bytes
        the kernel left unset and bytes it wrote past the end show."""
        # GSSET_INFO takes a 64-bit mask: larger set ids have no count.
        n = (self.sset_count(sset) or 0) if 0 <= sset < 64 else 0
        size = 12 + (n + 1) * ETH_GSTRING_LEN
        buf = ctypes.create_string_buffer(fill * size, size)
        struct.pack_into('=III', buf, 0, ETHTOOL_GSTRINGS, sset, n)
        self.raw(buf)
        length, = struct.unpack_from('=I', buf, 8)
        return length, bytes(buf.raw[12:])

    def strings(self, sset):
        length, raw = self.strings_raw(sset)
        return [cstr(raw[i * ETH_GSTRING_LEN:(i + 1) * ETH_GSTRING_LEN])
                for i in range(length)]

    def stats(self, n=None):
        """The ETHTOOL_GSTATS values (list of ints)."""
        if n is None:
            n = self.sset_count(ETH_SS_STATS)
        buf = ctypes.create_string_buffer(8 + 8 * n)
        struct.pack_into('=II', buf, 0, ETHTOOL_GSTATS, n)
        self.raw(buf)
        got, = struct.unpack_from('=I', buf, 4)
        return list(struct.unpack_from('=%dQ' % got, buf, 8))

    def get_value(self, cmd):
        buf = self.cmd(struct.pack('=II', cmd, 0))
        return struct.unpack_from('=I', buf, 4)[0]

    def set_value(self, cmd, value):
        return self.raw(ctypes.create_string_buffer(
            struct.pack('=II', cmd, value & 0xffffffff), 8))

    def drvinfo_raw(self, fill=b'\xa5'):
        buf = ctypes.create_string_buffer(fill * DRVINFO_LEN, DRVINFO_LEN)
        struct.pack_into('=I', buf, 0, ETHTOOL_GDRVINFO)
        self.raw(buf)
        return bytes(buf.raw)


def errname(err):
    return errno.errorcode.get(err, str(err)) if err else 'OK'
