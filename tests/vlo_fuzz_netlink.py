#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""vlo_fuzz_netlink - hostile RTM_NEWLINK/RTM_SETLINK and ethtool requests.

  vlo_fuzz_netlink.py netlink [-n N] [--seed S]
  vlo_fuzz_netlink.py ethtool -i DEV [-n N] [--seed S]

Run inside a network namespace of its own (the caller makes one). The
netlink fuzzer keeps four vlo devices as targets and sends N requests
(default 100,000), each one of:

  setlink   SETLINK or NEWLINK on a target, well-formed attributes with
            random values: MTUs around and past 68..65536, addresses of
            every length, unicast, multicast and zero, names valid and
            not, txqlen, group, alias, carrier, flags/change masks;
  soup      random attributes of every IFLA type (and unknown ones),
            random payloads and lengths, nested flags where none belong;
  linkinfo  IFLA_LINKINFO with kind vlo (or variants), random INFO_DATA,
            slave kind/data, unknown and non-nested members;
  create    RTM_NEWLINK with NLM_F_CREATE and kind vlo, random
            attributes, index, name, queue counts, flags;
  badlen    lies in nlmsg_len, truncated headers, attributes whose
            nla_len is short, odd or runs past the message.

Every request must be answered by an error, or applied consistently:
after an accepted request the device read back has what was asked (MTU,
address, name, txqlen, group, the flags in the change mask, carrier),
and after every request every vlo device in the namespace still has an
MTU in 68..65536, a unicast address (lo's all-zero one included), type
ether, no LOOPBACK. A
refused create must leave no device behind (checked on the namespace's
device list every 100 requests and at the end).

The ethtool fuzzer sends raw SIOCETHTOOL requests: private flags with
every bit pattern (up and down), string sets and stats of random set
ids, unknown commands.

Last line: KEY=VALUE figures (requests, accepted, refused, by errno).
Exit status 0 when nothing inconsistent was seen, 1 otherwise.
"""

import argparse
import errno
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vlo_stress_lib as nl  # noqa: E402
from vlo_stress_lib import nla, nla_u32, nla_u8, nla_str, nla_nest  # noqa

MIN_MTU = 68
MAX_MTU = 65536
NTARGETS = 4
TARGET_BASE = 100
# Flags userspace can set through ifi_flags/ifi_change (the rest are
# volatile or ignored, see __dev_change_flags()).
SETTABLE = (nl.IFF_UP | nl.IFF_DEBUG | nl.IFF_NOTRAILERS | nl.IFF_NOARP |
            nl.IFF_PROMISC | nl.IFF_ALLMULTI | nl.IFF_MULTICAST |
            nl.IFF_PORTSEL | nl.IFF_AUTOMEDIA | nl.IFF_DYNAMIC)
# Flags whose changes are cheap (no dev_open/dev_close with its RCU wait).
CHEAP = SETTABLE & ~nl.IFF_UP
GROUP_JUNK = 7777
# Unknown kinds make the kernel run modprobe for rtnl-link-<kind>: a few.
UNKNOWN_KIND_BUDGET = 8

MTUS = (0, 1, 67, 68, 69, 576, 1280, 1500, 9000, 65535, 65536, 65537,
        0x7fffffff, 0x80000000, 0xffffffff)
NAMES_BAD = (b'', b'.', b'..', b'a/b', b'a b', b'a:b', b'x' * 16,
             b'x' * 40, b'\xff\xfe', b'lo\0', b'%d%d', b'\t', b'a\nb')


def log(msg):
    print('# ' + msg, flush=True)


class Fuzzer:
    def __init__(self, seed, verbose):
        self.rnd = random.Random(seed)
        self.rtnl = nl.Rtnl(rcvbuf=4 << 20)
        self.verbose = verbose
        self.known = {}          # ifindex -> name of every vlo device
        self.targets = []
        self.counts = {'requests': 0, 'accepted': 0, 'refused': 0,
                       'no_answer': 0, 'created': 0, 'checked': 0}
        self.by_kind = {}
        self.by_errno = {}
        self.extack = {}
        self.problems = []
        self.unknown_kinds = 0
        self.recent = []
        self.time_by_kind = {}

    # ------------------------------------------------------------ setup

    def setup(self):
        for i in range(NTARGETS):
            idx = TARGET_BASE + i
            err, text = self.rtnl.new_vlo(name='fz%d' % i, index=idx)
            if err:
                raise SystemExit('cannot create fz%d: %s %s' % (
                    i, nl.errname(err), text))
            self.known[idx] = b'fz%d' % i
            self.targets.append(idx)
        # Two of the four up, as most devices are.
        for idx in self.targets[:2]:
            self.rtnl.request(nl.RTM_NEWLINK, 0, nl.ifinfomsg(
                index=idx, flags=nl.IFF_UP, change=nl.IFF_UP))

    # ----------------------------------------------------------- values

    def r(self, n):
        return self.rnd.randrange(n)

    def chance(self, p):
        return self.rnd.random() < p

    def rbytes(self, n):
        return self.rnd.getrandbits(8 * n).to_bytes(n, 'little') if n else b''

    def mac(self):
        k = self.r(6)
        if k == 0:
            return b'\0' * 6
        if k == 1:
            return b'\xff' * 6
        m = bytearray(self.rbytes(6))
        if k == 2:
            m[0] |= 1          # multicast
        else:
            m[0] = (m[0] & 0xfe) | 2
        return bytes(m)

    def mtu(self):
        if self.chance(0.7):
            return self.rnd.choice(MTUS)
        return self.r(1 << 17)

    def fresh_name(self):
        return ('fn%d' % self.r(40)).encode()

    def name(self):
        k = self.r(10)
        if k < 4:
            return self.fresh_name()
        if k < 6:
            return self.known[self.rnd.choice(self.targets)]
        if k < 7:
            return ('fn%d%%d' % self.r(10)).encode()
        return self.rnd.choice(NAMES_BAD)

    def flags(self):
        """(ifi_flags, ifi_change), mostly cheap bits, UP rarely."""
        k = self.r(10)
        if k < 4:
            return 0, 0
        bits = self.rnd.getrandbits(32)
        if k < 8:
            change = self.rnd.getrandbits(16) & CHEAP
            if self.chance(0.08):
                change |= nl.IFF_UP
            return bits & (change | self.rnd.getrandbits(32)), change
        if k < 9:
            # ifi_change == 0: ifi_flags replaces every settable flag.
            flags = (bits & CHEAP) | nl.IFF_UP | nl.IFF_MULTICAST
            return flags, 0
        return bits, self.rnd.getrandbits(32)

    # -------------------------------------------------------- attributes

    def attr_soup(self, n, avoid=()):
        out = []
        for _ in range(n):
            t = self.r(nl.IFLA_MAX_6_1 + 10)
            if t not in avoid:
                out.append(self.random_attr(t))
        return b''.join(out)

    def random_attr(self, t):
        # Attributes that would move the device out of the namespace, or
        # name a process or a file, get safe values.
        if t == nl.IFLA_NET_NS_PID:
            return nla_u32(t, self.rnd.choice((os.getpid(), 0x7ffffff0, 0)))
        if t == nl.IFLA_NET_NS_FD:
            return nla_u32(t, self.rnd.choice((0xffffffff, 0, 1, 2, 999)))
        if t == nl.IFLA_IFNAME:
            return nla(t, self.name() + (b'\0' if self.chance(0.8) else b''))
        if t in (nl.IFLA_LINKINFO, nl.IFLA_XDP, nl.IFLA_AF_SPEC,
                 nl.IFLA_VFINFO_LIST, nl.IFLA_PROTO_DOWN_REASON) and \
                self.chance(0.7):
            return nla_nest(t, self.attr_nested())
        k = self.r(8)
        if k < 3:
            payload = struct.pack('=I', self.rnd.getrandbits(32))
        elif k < 4:
            payload = struct.pack('=B', self.r(256))
        elif k < 5:
            payload = b''
        else:
            payload = self.rbytes(self.r(40))
        if self.chance(0.1):
            t |= nl.NLA_F_NESTED
        return nla(t, payload)

    def attr_nested(self, depth=0):
        out = []
        for _ in range(self.r(4)):
            t = self.r(12)
            if depth < 2 and self.chance(0.3):
                out.append(nla_nest(t, self.attr_nested(depth + 1)))
            elif self.chance(0.3):
                out.append(nla_u32(t, self.rnd.getrandbits(32)))
            else:
                out.append(nla(t, self.rbytes(self.r(24))))
        return b''.join(out)

    def kind(self):
        k = self.r(20)
        if k < 14:
            return b'vlo\0'
        if k < 16:
            return b'vlo\0junk'
        if k < 17:
            return b'vlo'            # no NUL: nla_strscpy copes
        if self.unknown_kinds < UNKNOWN_KIND_BUDGET:
            self.unknown_kinds += 1
            return self.rnd.choice((b'vl\0', b'VLO\0', b'vlo0\0', b'\0',
                                    b'x' * 60, b'vlo-fuzz\0'))
        return b'vlo\0'

    def linkinfo(self):
        members = []
        if self.chance(0.9):
            members.append(nla(nl.IFLA_INFO_KIND, self.kind()))
        k = self.r(6)
        if k == 0:
            members.append(nla_nest(nl.IFLA_INFO_DATA, self.attr_nested()))
        elif k == 1:
            members.append(nla(nl.IFLA_INFO_DATA, self.rbytes(self.r(16))))
        elif k == 2:
            members.append(nla(nl.IFLA_INFO_SLAVE_KIND,
                               self.rnd.choice((b'bridge\0', b'bond\0',
                                                b'vlo\0', b''))))
            if self.chance(0.5):
                members.append(nla_nest(nl.IFLA_INFO_SLAVE_DATA,
                                        self.attr_nested()))
        elif k == 3:
            members.append(nla(self.r(16), self.rbytes(self.r(12))))
        self.rnd.shuffle(members)
        body = b''.join(members)
        if self.chance(0.1):
            return nla(nl.IFLA_LINKINFO, body)      # nested flag missing
        return nla_nest(nl.IFLA_LINKINFO, body)

    # ---------------------------------------------------------- requests

    def req_setlink(self):
        """A target, well-formed attributes with random values."""
        idx = self.rnd.choice(self.targets)
        exp = {}
        attrs = []
        by_name = self.chance(0.2)
        if by_name:
            # A refused request may still have renamed it (do_setlink()
            # applies attributes one by one): the name as it is now.
            link = self.rtnl.link(index=idx)
            if link is not None:
                self.known[idx] = link.name_raw
            attrs.append(nla(nl.IFLA_IFNAME, self.known[idx] + b'\0'))
        # Each attribute type once: with two, the kernel keeps the last.
        for k in self.rnd.sample((0, 3, 5, 6, 7, 8, 9, 10), 1 + self.r(3)):
            if k < 3:
                v = self.mtu()
                if self.chance(0.05):
                    attrs.append(nla(nl.IFLA_MTU, struct.pack('=H', v & 0xffff)))
                    continue
                attrs.append(nla_u32(nl.IFLA_MTU, v))
                exp['mtu'] = v
            elif k < 5:
                n = self.rnd.choice((0, 1, 5, 6, 6, 6, 7, 8, 32))
                a = self.mac() + self.rbytes(max(0, n - 6))
                attrs.append(nla(nl.IFLA_ADDRESS, a[:n]))
                exp['address'] = a[:6] if n >= 6 else None
            elif k == 5 and not by_name:
                name = self.name()
                attrs.append(nla(nl.IFLA_IFNAME, name + b'\0'))
                exp['name'] = name.split(b'\0')[0]
            elif k == 6:
                v = self.rnd.choice((0, 1, 1000, 0xffffffff,
                                     self.rnd.getrandbits(32)))
                attrs.append(nla_u32(nl.IFLA_TXQLEN, v))
                exp['txqlen'] = v
            elif k == 7:
                v = self.rnd.choice((0, 1, 42, self.rnd.getrandbits(32)))
                attrs.append(nla_u32(nl.IFLA_GROUP, v))
                exp['group'] = v
            elif k == 8:
                v = self.r(3)
                attrs.append(nla_u8(nl.IFLA_CARRIER, v))
                exp['carrier'] = v
            elif k == 9:
                attrs.append(nla(nl.IFLA_IFALIAS,
                                 self.rbytes(self.r(300))))
            else:
                attrs.append(nla(nl.IFLA_BROADCAST,
                                 self.rbytes(self.rnd.choice((0, 6, 32)))))
        flags, change = self.flags()
        exp['flags'] = (flags, change)
        self.rnd.shuffle(attrs)
        mtype = nl.RTM_SETLINK if self.chance(0.5) else nl.RTM_NEWLINK
        body = b''.join(attrs)
        if mtype == nl.RTM_NEWLINK and self.chance(0.5):
            body += nla_nest(nl.IFLA_LINKINFO,
                             nla_str(nl.IFLA_INFO_KIND, 'vlo'))
        hdr = nl.ifinfomsg(index=0 if by_name else idx, flags=flags,
                           change=change)
        nlf = self.rnd.choice((0, 0, 0, nl.NLM_F_EXCL, nl.NLM_F_REPLACE,
                               nl.NLM_F_CREATE))
        return mtype, nlf, hdr + body, ('target', idx, exp)

    def req_soup(self):
        k = self.r(4)
        if k < 2:
            idx = self.rnd.choice(self.targets)
        elif k == 2:
            idx = 0
        else:
            idx = self.rnd.choice((-1, 1 << 30, 5000 + self.r(100)))
        flags, change = self.flags()
        hdr = nl.ifinfomsg(family=self.rnd.choice((0, 0, 0, self.r(256))),
                           dev_type=self.rnd.choice((0, 0, self.r(65536))),
                           index=idx, flags=flags, change=change)
        body = self.attr_soup(1 + self.r(6))
        if self.chance(0.3):
            body += self.linkinfo()
        mtype = self.rnd.choice((nl.RTM_SETLINK, nl.RTM_NEWLINK))
        nlf = self.rnd.getrandbits(12)
        return mtype, nlf, hdr + body, ('any', idx, None)

    def req_linkinfo(self):
        create = self.chance(0.5)
        idx = 0 if create else self.rnd.choice(self.targets)
        body = self.linkinfo()
        if self.chance(0.5):
            body += self.attr_soup(self.r(3))
        if create and self.chance(0.7):
            body = nla(nl.IFLA_IFNAME, self.name() + b'\0') + body
        nlf = (nl.NLM_F_CREATE | nl.NLM_F_EXCL) if create else 0
        return nl.RTM_NEWLINK, nlf, nl.ifinfomsg(index=idx) + body, \
            ('any', idx, None)

    def req_create(self):
        exp = {}
        attrs = []
        if self.chance(0.8):
            name = self.name()
            attrs.append(nla(nl.IFLA_IFNAME, name + b'\0'))
            exp['name'] = name.split(b'\0')[0]
        if self.chance(0.4):
            v = self.mtu()
            attrs.append(nla_u32(nl.IFLA_MTU, v))
            exp['mtu'] = v
        if self.chance(0.4):
            n = self.rnd.choice((0, 5, 6, 6, 6, 7, 32))
            a = (self.mac() + self.rbytes(32))[:n]
            attrs.append(nla(nl.IFLA_ADDRESS, a))
            exp['address'] = a if n == 6 else None
        if self.chance(0.2):
            v = self.rnd.choice((1000, 0, self.rnd.getrandbits(32)))
            attrs.append(nla_u32(nl.IFLA_TXQLEN, v))
            exp['txqlen'] = v
        if self.chance(0.2):
            v = self.r(100)
            attrs.append(nla_u32(nl.IFLA_GROUP, v))
            exp['group'] = v
        if self.chance(0.1):
            # Many queues are legal but costly (sysfs per queue).
            attrs.append(nla_u32(nl.IFLA_NUM_TX_QUEUES,
                                 self.rnd.choice((0, 1, 2, 4097,
                                                  0xffffffff))))
        if self.chance(0.1):
            attrs.append(nla_u32(nl.IFLA_NUM_RX_QUEUES,
                                 self.rnd.choice((0, 1, 3, 4097))))
        if self.chance(0.1):
            attrs.append(nla_u8(nl.IFLA_OPERSTATE, self.r(8)))
        if self.chance(0.1):
            attrs.append(self.attr_soup(1, avoid=(
                nl.IFLA_IFNAME, nl.IFLA_MTU, nl.IFLA_ADDRESS, nl.IFLA_TXQLEN,
                nl.IFLA_GROUP, nl.IFLA_LINKINFO)))
        attrs.append(nla_nest(nl.IFLA_LINKINFO,
                              nla_str(nl.IFLA_INFO_KIND, 'vlo')))
        self.rnd.shuffle(attrs)
        idx = self.rnd.choice((0, 0, 0, -5, self.rnd.choice(self.targets),
                               3000 + self.r(1000)))
        exp['index'] = idx
        flags, change = self.flags()
        exp['flags'] = (flags, change)
        nlf = nl.NLM_F_CREATE | self.rnd.choice((nl.NLM_F_EXCL, 0, 0))
        return (nl.RTM_NEWLINK, nlf,
                nl.ifinfomsg(index=idx, flags=flags, change=change) +
                b''.join(attrs), ('create', idx, exp))

    def req_badlen(self):
        mtype, nlf, payload, what = self.rnd.choice(
            (self.req_setlink, self.req_create, self.req_soup))()
        k = self.r(6)
        length = None
        if k == 0:
            payload = payload[:self.r(16)]          # truncated ifinfomsg
        elif k == 1:
            length = 16 + len(payload) + 1 + self.r(64)    # claims more
        elif k == 2:
            length = self.r(16)                     # shorter than a header
        elif k == 3 and len(payload) > 20:
            # An attribute whose nla_len is short, odd or too long.
            b = bytearray(payload)
            struct.pack_into('=H', b, 16, self.rnd.choice(
                (0, 1, 2, 3, 5, 0xffff, len(payload) - 15)))
            payload = bytes(b)
        elif k == 4:
            payload = payload + self.rbytes(1 + self.r(3))  # trailing junk
        else:
            payload = payload[:16 + self.r(max(1, len(payload) - 16))]
        return mtype, nlf, payload, ('any', 0, None), length

    # --------------------------------------------------------- execution

    def send(self, mtype, nlf, payload, length=None):
        seq = self.rtnl.next_seq()
        msg = nl.nlmsg(mtype, nlf | nl.NLM_F_REQUEST | nl.NLM_F_ACK, seq,
                       payload, length)
        self.rtnl.sock.send(msg)
        if length is not None or len(payload) < 16:
            # The kernel may drop it unanswered: a request that is sure
            # to be answered tells when this one is done.
            sseq = self.rtnl.next_seq()
            self.rtnl.sock.send(nl.nlmsg(
                nl.RTM_DELLINK, nl.NLM_F_REQUEST | nl.NLM_F_ACK, sseq,
                nl.ifinfomsg(index=0)))
            return self._recv_either(seq, sseq)
        return self.rtnl.recv_until(seq)

    def _recv_either(self, seq, sseq):
        """The answer to seq if there is one before the sync's; None
        (no answer) otherwise."""
        answer = None
        while True:
            data = self.rtnl.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype, _f, mseq, _p = struct.unpack_from(
                    '=IHHII', data, off)
                if length < 16:
                    break
                if mtype == nl.NLMSG_ERROR:
                    if mseq == seq:
                        answer = nl.Rtnl._ack(data, off, length)
                    elif mseq == sseq:
                        return answer if answer else (None, '')
                off += (length + 3) & ~3

    def problem(self, text):
        self.problems.append(text)
        if len(self.problems) <= 30:
            log('FAIL: %s' % text)
            for r in self.recent[-3:]:
                log('  recent request: %s type=%d flags=%#x len=%s '
                    'payload=%s' % (r[0], r[1], r[2], r[3], r[4].hex()))

    def run(self, n):
        kinds = (('setlink', self.req_setlink, 30),
                 ('soup', self.req_soup, 30),
                 ('linkinfo', self.req_linkinfo, 12),
                 ('create', self.req_create, 8),
                 ('badlen', self.req_badlen, 15))
        table = []
        for name, fn, w in kinds:
            table += [(name, fn)] * w
        t0 = time.monotonic()
        for i in range(n):
            name, fn = self.rnd.choice(table)
            t1 = time.monotonic()
            req = fn()
            length = req[4] if len(req) > 4 else None
            mtype, nlf, payload, what = req[:4]
            # Kept raw, formatted only when a problem is shown.
            self.recent.append((name, mtype, nlf, length, payload))
            if len(self.recent) > 8:
                del self.recent[:-4]
            try:
                err, text = self.send(mtype, nlf, payload, length)
            except OSError as e:
                self.problem('request %d (%s): socket error %s' % (
                    i, name, e))
                break
            self.account(name, err, text)
            if err == 0:
                # A NEWLINK with NLM_F_CREATE naming no existing device
                # creates one, whatever the request was meant for.
                if (what[0] != 'create' and mtype == nl.RTM_NEWLINK and
                        nlf & nl.NLM_F_CREATE):
                    self.register_new()
                self.check_applied(what)
            self.time_by_kind[name] = (self.time_by_kind.get(name, 0) +
                                       time.monotonic() - t1)
            if i % 100 == 99:
                t1 = time.monotonic()
                self.check_all()
                self.time_by_kind['sweeps'] = (
                    self.time_by_kind.get('sweeps', 0) + time.monotonic() - t1)
            if i % 10000 == 9999:
                log('%d requests, %.0f s' % (i + 1, time.monotonic() - t0))
            if len(self.problems) > 30:
                break
        self.check_all()
        self.counts['seconds'] = int(time.monotonic() - t0)

    def account(self, kind, err, text):
        c = self.counts
        c['requests'] += 1
        k = self.by_kind.setdefault(kind, [0, 0])
        if err is None:
            c['no_answer'] += 1
            name = 'none'
        elif err == 0:
            c['accepted'] += 1
            k[0] += 1
            name = None
        else:
            c['refused'] += 1
            k[1] += 1
            name = nl.errname(err)
        if name:
            self.by_errno[name] = self.by_errno.get(name, 0) + 1
        if text:
            self.extack[text] = self.extack.get(text, 0) + 1

    # ------------------------------------------------------------ checks

    def invariants(self, link, where):
        bad = []
        if link.mtu is None or not MIN_MTU <= link.mtu <= MAX_MTU:
            bad.append('mtu %s' % link.mtu)
        if not nl.is_vlo_address(link.address):
            bad.append('address %s' % (link.address.hex()
                                       if link.address else None))
        if link.type != nl.ARPHRD_ETHER:
            bad.append('type %d' % link.type)
        if link.flags & nl.IFF_LOOPBACK:
            bad.append('LOOPBACK set')
        if link.min_mtu != MIN_MTU or link.max_mtu != MAX_MTU:
            bad.append('min/max mtu %s/%s' % (link.min_mtu, link.max_mtu))
        if bad:
            self.problem('%s: %s (%d): %s' % (where, link.name, link.index,
                                              ', '.join(bad)))

    def expect(self, link, exp, where, new):
        c = self.counts
        c['checked'] += 1
        bad = []
        if 'mtu' in exp and link.mtu != exp['mtu']:
            bad.append('mtu %s, asked %s' % (link.mtu, exp['mtu']))
        elif new and 'mtu' not in exp and link.mtu != MAX_MTU:
            bad.append('default mtu %s' % link.mtu)
        if exp.get('address') and link.address != exp['address']:
            bad.append('address %s, asked %s' % (
                link.address.hex(), exp['address'].hex()))
        # An empty name renames nothing; "%d" asks for the next free one.
        name = exp.get('name')
        if name and b'%' not in name and link.name_raw != name:
            bad.append('name %r, asked %r' % (link.name_raw, name))
        if 'txqlen' in exp and link.txqlen != exp['txqlen']:
            bad.append('txqlen %s, asked %s' % (link.txqlen, exp['txqlen']))
        if 'group' in exp and link.group != exp['group']:
            bad.append('group %s, asked %s' % (link.group, exp['group']))
        flags, change = exp.get('flags', (0, 0))
        if change:
            mask = change & SETTABLE
        elif flags:
            mask = SETTABLE
        else:
            mask = 0
        if new:
            base = nl.IFF_BROADCAST | nl.IFF_MULTICAST | nl.IFF_NOARP
            want = ((flags & mask) | (base & ~mask)) & SETTABLE
            mask = SETTABLE
        else:
            want = flags & mask
        if (link.flags & mask) != want:
            bad.append('flags %#x, asked %#x in mask %#x' % (
                link.flags & mask, want, mask))
        if 'carrier' in exp and link.flags & nl.IFF_UP:
            if bool(link.flags & nl.IFF_LOWER_UP) != bool(exp['carrier']):
                bad.append('LOWER_UP %s, carrier asked %s' % (
                    bool(link.flags & nl.IFF_LOWER_UP), exp['carrier']))
        if bad:
            self.problem('%s: %s (%d) read back: %s' % (
                where, link.name, link.index, '; '.join(bad)))

    def check_applied(self, what):
        mode, idx, exp = what
        if mode == 'target':
            link = self.rtnl.link(index=idx)
            if link is None:
                self.problem('target %d vanished' % idx)
                self.targets.remove(idx)
                self.known.pop(idx, None)
                return
            self.known[idx] = link.name_raw
            self.invariants(link, 'accepted setlink')
            self.expect(link, exp, 'accepted setlink', False)
        elif mode == 'create':
            new = [self.rtnl.link(index=i) for i in self.rtnl.indexes()
                   if i not in self.known and i != 1]
            new = [l for l in new if l is not None and l.kind == 'vlo']
            if not new:
                # NEWLINK without EXCL on an existing device: a setlink.
                return
            if len(new) != 1:
                self.problem('one create made %d devices' % len(new))
            for link in new:
                self.counts['created'] += 1
                self.known[link.index] = link.name_raw
                self.invariants(link, 'created')
                if exp['index'] > 0 and link.index != exp['index']:
                    self.problem('created with index %d, asked %d' % (
                        link.index, exp['index']))
                self.expect(link, exp, 'created', True)
        else:
            # Anything else accepted: at least nothing is broken now.
            if idx > 0 and idx in self.known:
                link = self.rtnl.link(index=idx)
                if link is not None:
                    self.known[idx] = link.name_raw
                    self.invariants(link, 'accepted request')

    def register_new(self):
        """After an accepted NEWLINK with NLM_F_CREATE of random content:
        whatever it created is known from now on, and must be sound."""
        for idx in self.rtnl.indexes():
            if idx in self.known or idx == 1:
                continue
            link = self.rtnl.link(index=idx)
            if link is not None and link.kind == 'vlo':
                self.counts['created'] += 1
                self.known[link.index] = link.name_raw
                self.invariants(link, 'created (random request)')

    def check_all(self):
        links = self.rtnl.links()
        vlo = {l.index: l for l in links if l.kind == 'vlo'}
        for idx, link in vlo.items():
            if idx in self.known:
                self.known[idx] = link.name_raw
            else:
                self.problem('device %s (%d) nobody created' % (link.name,
                                                               idx))
                self.known[idx] = link.name_raw
            self.invariants(link, 'sweep')
        for idx in list(self.known):
            if idx not in vlo:
                self.problem('device %s (%d) vanished' % (self.known[idx],
                                                          idx))
                del self.known[idx]
                if idx in self.targets:
                    self.targets.remove(idx)
        extra = [i for i in vlo if i not in self.targets]
        if len(extra) > 16:
            self.reap(extra)

    def reap(self, extra):
        """Delete devices made by accepted creates, in one batch: put them
        in one group, delete the group."""
        for idx in extra:
            err, text = self.rtnl.request(
                nl.RTM_SETLINK, 0,
                nl.ifinfomsg(index=idx) + nla_u32(nl.IFLA_GROUP, GROUP_JUNK))
            if err:
                self.problem('regroup %d: %s %s' % (idx, nl.errname(err),
                                                   text))
        for idx in self.targets:
            link = self.rtnl.link(index=idx)
            if link is not None and link.group == GROUP_JUNK:
                self.rtnl.request(nl.RTM_SETLINK, 0, nl.ifinfomsg(
                    index=idx) + nla_u32(nl.IFLA_GROUP, 0))
        err, text = self.rtnl.request(
            nl.RTM_DELLINK, 0, nl.ifinfomsg() +
            nla_u32(nl.IFLA_GROUP, GROUP_JUNK))
        if err:
            self.problem('group delete: %s %s' % (nl.errname(err), text))
        for idx in extra:
            self.known.pop(idx, None)

    def report(self):
        for kind, (acc, ref) in sorted(self.by_kind.items()):
            log('%-9s accepted %6d refused %6d, %5.1f s' % (
                kind, acc, ref, self.time_by_kind.get(kind, 0)))
        log('sweeps and reaping: %.1f s' % self.time_by_kind.get('sweeps', 0))
        top = sorted(self.extack.items(), key=lambda kv: -kv[1])[:12]
        for text, n in top:
            log('extack %6d x "%s"' % (n, text))
        c = self.counts
        print(' '.join('%s=%d' % kv for kv in c.items()) +
              ' unknown_kinds=%d problems=%d errnos=%s' % (
                  self.unknown_kinds, len(self.problems),
                  ','.join('%s:%d' % kv for kv in sorted(
                      self.by_errno.items(), key=lambda kv: -kv[1]))))


# ------------------------------------------------------------- ethtool

def fuzz_ethtool(a):
    rnd = random.Random(a.seed)
    rtnl = nl.Rtnl()
    eth = nl.Ethtool(a.ifname)
    index = socket.if_nametoindex(a.ifname)
    counts = {'requests': 0, 'accepted': 0, 'refused': 0}
    by_errno = {}
    problems = []

    def call(fn):
        counts['requests'] += 1
        try:
            r = fn()
            counts['accepted'] += 1
            return 0, r
        except OSError as e:
            counts['refused'] += 1
            by_errno[nl.errname(e.errno)] = by_errno.get(
                nl.errname(e.errno), 0) + 1
            return e.errno, None

    def set_up(up):
        rtnl.request(nl.RTM_NEWLINK, 0, nl.ifinfomsg(
            index=index, flags=nl.IFF_UP if up else 0, change=nl.IFF_UP))

    NSTATS = eth.sset_count(nl.ETH_SS_STATS)
    # vlo has no private flags (capture-once is gone): both ioctls must be
    # refused with EOPNOTSUPP, whatever the bits and the device's state.
    if eth.sset_count(nl.ETH_SS_PRIV_FLAGS):
        problems.append('private flags reported: vlo has none')
    for i in range(a.count):
        k = rnd.randrange(10)
        if k < 4:
            if rnd.random() < 0.1:
                set_up(rnd.random() < 0.5)
            v = rnd.choice((0, 1, 2, 3, 0x80000000, 0xffffffff,
                            rnd.getrandbits(32)))
            err, _ = call(lambda: eth.set_value(nl.ETHTOOL_SPFLAGS, v))
            if err != errno.EOPNOTSUPP:
                problems.append('SPFLAGS %#x: %s, not EOPNOTSUPP'
                                % (v, nl.errname(err)))
            err, _ = call(lambda: eth.get_value(nl.ETHTOOL_GPFLAGS))
            if err != errno.EOPNOTSUPP:
                problems.append('GPFLAGS: %s, not EOPNOTSUPP'
                                % nl.errname(err))
        elif k < 6:
            sset = rnd.choice((0, 1, 2, 3, 31, 32, 63, 64, 0x7fffffff,
                               rnd.getrandbits(32)))
            err, r = call(lambda: eth.strings_raw(sset))
            if err == 0:
                length, raw = r
                for j in range(length):
                    s = raw[j * 32:(j + 1) * 32]
                    z = s.find(b'\0')
                    if z < 0 or s[z:] != bytes(32 - z):
                        problems.append('set %d string %d not NUL-padded: '
                                        '%s' % (sset, j, s.hex()))
                if raw[length * 32:length * 32 + 32] != b'\xa5' * 32:
                    problems.append('set %d: written past %d strings' % (
                        sset, length))
        elif k < 7:
            mask = rnd.getrandbits(64)
            err, buf = call(lambda: eth.cmd(
                struct.pack('=IIQ', nl.ETHTOOL_GSSET_INFO, 0, mask),
                16 + 4 * 64))
        elif k < 8:
            # A caller's n_stats that is neither 0 nor the count gets
            # n_stats 0 and no data (6.1 stable and later).
            n = rnd.choice((0, 1, NSTATS, NSTATS, NSTATS + 1, 1000,
                            0xffffffff))
            # Room for every value and 32 bytes that must stay untouched.
            room = 8 * NSTATS + 32
            err, buf = call(lambda: eth.cmd(
                struct.pack('=II', nl.ETHTOOL_GSTATS, n) + b'\xa5' * room,
                8 + room))
            if err == 0:
                got = struct.unpack_from('=I', buf, 4)[0]
                data = bytes(buf)[8:]
                end = 8 * NSTATS
                if got not in (0, NSTATS) or (got == 0 and n in (0, NSTATS)):
                    problems.append('GSTATS n=%d: n_stats %d' % (n, got))
                elif got == 0 and data != b'\xa5' * room:
                    problems.append('GSTATS n=%d: data written' % n)
                elif got == NSTATS and data[end:] != b'\xa5' * (room - end):
                    problems.append('GSTATS: written past %d values' % NSTATS)
        else:
            cmd = rnd.choice((0, 0x4d, 0x60, 0xff, 0x1000,
                              rnd.getrandbits(32)))
            err, _ = call(lambda: eth.cmd(struct.pack('=II', cmd, 0) +
                                          bytes(64)))
        if len(problems) > 20:
            break
    set_up(True)
    for p in problems[:20]:
        log('FAIL: ' + p)
    print(' '.join('%s=%d' % kv for kv in counts.items()) +
          ' problems=%d errnos=%s' % (len(problems), ','.join(
              '%s:%d' % kv for kv in sorted(by_errno.items()))))
    return 1 if problems else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    n = sub.add_parser('netlink')
    n.add_argument('-n', dest='count', type=int, default=100000)
    n.add_argument('--seed', type=int, default=None)
    n.add_argument('-v', dest='verbose', action='store_true')
    e = sub.add_parser('ethtool')
    e.add_argument('-i', dest='ifname', required=True)
    e.add_argument('-n', dest='count', type=int, default=5000)
    e.add_argument('--seed', type=int, default=None)
    a = p.parse_args()
    if a.seed is None:
        a.seed = int.from_bytes(os.urandom(4), 'little')
    log('seed %d (repeat with --seed %d)' % (a.seed, a.seed))
    if a.cmd == 'ethtool':
        return fuzz_ethtool(a)
    f = Fuzzer(a.seed, a.verbose)
    f.setup()
    f.run(a.count)
    f.report()
    return 1 if f.problems else 0


if __name__ == '__main__':
    sys.exit(main())
