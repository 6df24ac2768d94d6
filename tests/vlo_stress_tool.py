#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""vlo_stress_tool - helpers of the vlo stress tests.

  rxcount  -i DEV [-p PROTO] [--size N] [--ready FILE]
           count the frames of PROTO received on DEV until SIGINT/SIGTERM,
           then print received=N bad_len=N sock_drops=N
  send     -i DEV [-p PROTO] -n N -s SIZE
           send N frames through DEV's qdisc, never blocked by the socket's
           send buffer, or fewer when stopped by SIGINT/SIGTERM; prints
           sent=N send_errors=N (frames the kernel accepted, the sender's
           own count)
  rxstamp  -i DEV -n N [--txtime]
           send N frames on DEV (AF_PACKET) and receive each back on two
           packet sockets, one with SO_TIMESTAMPNS, one with
           SO_TIMESTAMPING (RX_SOFTWARE | SOFTWARE): each frame must
           carry a receive timestamp within [send, receive]
           (CLOCK_REALTIME). --txtime: every frame leaves with SO_TXTIME
           and a transmit time of 1 s after the epoch (CLOCK_TAI) in
           skb->tstamp, which must not come back as a receive timestamp.
           Prints sent=N stamped_ns=N in_window_ns=N stamped=N
           in_window=N
  carrier-race -i DEV [--gap MS]
           open vlo's carrier race: carrier off, wait (10 ms netlink
           polls) for operstate DOWN (the linkwatch worker has parked
           the device), carrier on, GAP ms (default 50) for the worker's
           urgent round, carrier off; all in one process, so that the
           second loss comes well within the second the worker waits
           before its next non-urgent round. Prints down_ms=N off_ms=N
  counters -i DEV -T SEC [--size N] [--sources sysfs,netlink,ethtool]
           read DEV's counters in a loop while others write them; check
           that no value decreases or jumps (a torn read), that byte
           counters stay multiples of the frame size and that the core's
           rx_dropped holds at least vlo's backlog drops (tx - rx); the
           totals are the caller's to compare with what was sent
  churn    --ns A,B --cpu N --cycles N --index-base N [--move-every N]
           [--batch N] [--group G]
           create (up), loop one frame through, sometimes move to the
           next namespace and loop again, delete: N cycles
  fault    --ns NS [--max N] [--mode create|up]
           iterate /proc/thread-self/fail-nth over the allocations of one
           RTM_NEWLINK creating a vlo device (CONFIG_FAULT_INJECTION)

Each prints KEY=VALUE figures on its last line of stdout and '# ' lines
on the way; exit status 0 = nothing wrong seen, 1 = a check failed,
2 = usage or setup error.
"""

import argparse
import ctypes
import errno
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vlo_stress_lib as nl  # noqa: E402

SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_RCVBUFFORCE = 33
ETH_P_VLO = 0x88b5

stop = False


def on_signal(_sig, _frame):
    global stop
    stop = True


def log(msg):
    print('# ' + msg, flush=True)


def packet_socket(ifname, proto, rcvbuf=64 << 20):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if ifname:
        s.bind((ifname, proto))
    return s


def sock_drops(s):
    _packets, drops = struct.unpack(
        '=II', s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
    return drops


# ------------------------------------------------------------- rxcount

def cmd_rxcount(a):
    s = packet_socket(a.ifname, a.proto)
    s.settimeout(0.2)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # PACKET_STATISTICS resets on read: start from zero.
    sock_drops(s)
    if a.ready:
        with open(a.ready, 'w') as f:
            f.write('ready\n')
    received = bad = drops = 0
    while not stop:
        try:
            frame = s.recv(65600)
        except socket.timeout:
            continue
        received += 1
        if a.size and len(frame) != a.size:
            bad += 1
    # Whatever is queued when told to stop was received before the stop.
    s.setblocking(False)
    while True:
        try:
            frame = s.recv(65600)
        except BlockingIOError:
            break
        received += 1
        if a.size and len(frame) != a.size:
            bad += 1
    drops += sock_drops(s)
    print('received=%d bad_len=%d sock_drops=%d' % (received, bad, drops))
    return 0


# ---------------------------------------------------------------- send

def cmd_send(a):
    """Send N frames of one size on a device through its qdisc, with a
    send buffer large enough that frames a qdisc holds never block it."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(a.proto))
    try:
        s.setsockopt(socket.SOL_SOCKET, 32, 256 << 20)  # SO_SNDBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 << 20)
    index = socket.if_nametoindex(a.ifname)
    with open('/sys/class/net/%s/address' % a.ifname) as f:
        mac = bytes.fromhex(f.read().strip().replace(':', ''))
    sll = struct.pack('=HHiHBB8s', socket.AF_PACKET, socket.htons(a.proto),
                      index, 1, 0, 6, mac)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sent = errors = 0
    for i in range(a.count):
        if stop:
            break
        f = mac + mac + struct.pack('!HII', a.proto, 0x564c4f53, i)
        f += bytes(a.size - len(f))
        try:
            _libc_sendto(s.fileno(), f, sll)
            sent += 1
        except OSError:
            errors += 1
    print('sent=%d send_errors=%d' % (sent, errors))
    return 0


# ------------------------------------------------------------- rxstamp

SO_TIMESTAMPNS = 35
SO_TIMESTAMPING = 37
SO_TXTIME = 61
SCM_TXTIME = SO_TXTIME
SOF_TIMESTAMPING_RX_SOFTWARE = 1 << 3
SOF_TIMESTAMPING_SOFTWARE = 1 << 4
CLOCK_TAI = 11


def cmd_rxstamp(a):
    index = socket.if_nametoindex(a.ifname)
    with open('/sys/class/net/%s/address' % a.ifname) as f:
        mac = bytes.fromhex(f.read().strip().replace(':', ''))
    ns = packet_socket(a.ifname, ETH_P_VLO, 1 << 20)
    ns.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    ts = packet_socket(a.ifname, ETH_P_VLO, 1 << 20)
    ts.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING,
                  SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                       socket.htons(ETH_P_VLO))
    tx.bind((a.ifname, ETH_P_VLO))
    anc = []
    if a.txtime:
        # struct sock_txtime { clockid_t clockid; __u32 flags; }
        tx.setsockopt(socket.SOL_SOCKET, SO_TXTIME,
                      struct.pack('=iI', CLOCK_TAI, 0))
        anc = [(socket.SOL_SOCKET, SCM_TXTIME, struct.pack('=Q', 10**9))]
    c = {'sent': 0, 'stamped_ns': 0, 'in_window_ns': 0, 'stamped': 0,
         'in_window': 0}
    tag = os.getpid() & 0xffffffff
    for i in range(a.count):
        f = mac + mac + struct.pack('!HIII', ETH_P_VLO, 0x564c4f54, tag, i)
        f += bytes(100 - len(f))
        t0 = time.clock_gettime_ns(time.CLOCK_REALTIME)
        tx.sendmsg([f], anc)
        c['sent'] += 1
        for s, kind in ((ns, 'ns'), (ts, 'ing')):
            s.settimeout(2)
            while True:
                try:
                    data, cmsgs, _fl, _addr = s.recvmsg(256, 256)
                except socket.timeout:
                    log('FAIL: frame %d not received (%s)' % (i, kind))
                    break
                if data[:len(f)] != f:
                    continue
                t1 = time.clock_gettime_ns(time.CLOCK_REALTIME)
                for level, typ, d in cmsgs:
                    if level != socket.SOL_SOCKET:
                        continue
                    if kind == 'ns' and typ == SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack('=qq', d[:16])
                        key = '_ns'
                    elif kind == 'ing' and typ == SO_TIMESTAMPING:
                        # struct scm_timestamping: ts[0] is software
                        sec, nsec = struct.unpack('=qq', d[:16])
                        if sec == 0 and nsec == 0:
                            continue
                        key = ''
                    else:
                        continue
                    t = sec * 10**9 + nsec
                    c['stamped' + key] += 1
                    if t0 <= t <= t1:
                        c['in_window' + key] += 1
                    elif c['stamped' + key] - c['in_window' + key] <= 3:
                        log('frame %d (%s): timestamp %d not in [%d, %d]' %
                            (i, kind, t, t0, t1))
                break
    print(' '.join('%s=%d' % kv for kv in c.items()))
    return 0


# -------------------------------------------------------- carrier-race

IF_OPER_DOWN = 2


def cmd_carrier_race(a):
    rtnl = nl.Rtnl()
    index = socket.if_nametoindex(a.ifname)

    def carrier(on):
        err, text = rtnl.request(nl.RTM_NEWLINK, 0,
                                 nl.ifinfomsg(index=index) +
                                 nl.nla_u8(nl.IFLA_CARRIER, on))
        if err:
            raise SystemExit('carrier %d: %s %s' % (on, nl.errname(err),
                                                    text))

    t0 = time.monotonic()
    carrier(0)
    while rtnl.link(index=index).operstate != IF_OPER_DOWN:
        if time.monotonic() - t0 > 10:
            log('FAIL: operstate not DOWN 10 s after carrier off')
            return 1
        time.sleep(0.01)
    t1 = time.monotonic()
    carrier(1)
    time.sleep(a.gap / 1000)
    carrier(0)
    t2 = time.monotonic()
    print('down_ms=%d off_ms=%d' % ((t1 - t0) * 1000, (t2 - t0) * 1000))
    return 0


# ------------------------------------------------------------ counters

ETH_NAMES = ('tx_packets', 'tx_bytes', 'rx_packets', 'rx_bytes',
             'rx_backlog_drops', 'tx_looped_by_stack', 'tx_carrier_drops',
             'tx_header_drops', 'rx_queue_drops', 'tx_xdp_xmit',
             'tx_xdp_xmit_errors') + tuple(
                 'rx0_' + n for n in ('packets', 'bytes', 'xdp_xmit', 'xdp_pass',
                                      'xdp_drop', 'xdp_tx', 'xdp_redirect',
                                      'xdp_aborted', 'xdp_errors'))


class Monotonic:
    """Per-key last value; counts reads, decreases and implausible jumps."""

    def __init__(self, name, max_step):
        self.name = name
        self.max_step = max_step
        self.last = {}
        self.reads = 0
        self.errors = []

    def see(self, values):
        self.reads += 1
        for k, v in values.items():
            old = self.last.get(k)
            if old is not None:
                if v < old:
                    self.err('%s %s decreased: %d -> %d' % (self.name, k,
                                                            old, v))
                elif v - old > self.max_step:
                    self.err('%s %s jumped: %d -> %d' % (self.name, k, old,
                                                         v))
            self.last[k] = v

    def err(self, text):
        if len(self.errors) < 20:
            log('FAIL: ' + text)
        self.errors.append(text)


def cmd_counters(a):
    sources = a.sources.split(',')
    # A torn 64-bit read would jump by ~2^32; real traffic moves a counter
    # by far less than this between two reads.
    max_step = 1 << 31
    mons = {s: Monotonic(s, max_step) for s in sources}
    rtnl = nl.Rtnl() if 'netlink' in sources else None
    eth = nl.Ethtool(a.ifname) if 'ethtool' in sources else None
    index = socket.if_nametoindex(a.ifname)
    sysdir = '/sys/class/net/%s/statistics/' % a.ifname
    sysfiles = ('tx_packets', 'rx_packets', 'tx_bytes', 'rx_bytes',
                'rx_dropped', 'tx_dropped')
    fds = {f: os.open(sysdir + f, os.O_RDONLY) for f in sysfiles}
    if eth:
        names = eth.strings(nl.ETH_SS_STATS)
        if tuple(names) != ETH_NAMES:
            log('FAIL: ethtool -S names %s' % names)
            return 1
    size = a.size
    end = time.monotonic() + a.seconds
    fail = []

    def check(cond, text, mon):
        if not cond:
            mon.err(text)

    while time.monotonic() < end:
        if 'sysfs' in sources:
            v = {f: int(os.pread(fd, 32, 0)) for f, fd in fds.items()}
            m = mons['sysfs']
            m.see(v)
            if size:
                for f in ('tx_bytes', 'rx_bytes'):
                    check(v[f] % size == 0,
                          'sysfs %s=%d not a multiple of %d' %
                          (f, v[f], size), m)
        if rtnl:
            link = rtnl.link(index=index)
            s = link.stats()
            m = mons['netlink']
            m.see(s)
            # The core counts each backlog refusal in rx_dropped
            # (enqueue_to_backlog) before vlo learns of it, and reads it
            # after vlo's counters: it holds at least vlo's drops. (Not
            # tx >= rx: vlo computes tx from rx, that cannot fail.)
            check(s['rx_dropped'] >= s['tx_packets'] - s['rx_packets'],
                  'netlink rx_dropped %d < tx-rx %d' %
                  (s['rx_dropped'], s['tx_packets'] - s['rx_packets']), m)
            if size:
                check(s['tx_bytes'] == s['tx_bytes'] // size * size and
                      s['rx_bytes'] % size == 0,
                      'netlink bytes not multiples of %d: %d %d' %
                      (size, s['tx_bytes'], s['rx_bytes']), m)
        if eth:
            v = dict(zip(ETH_NAMES, eth.stats(len(ETH_NAMES))))
            m = mons['ethtool']
            m.see(v)
            if size:
                check(v['tx_bytes'] % size == 0 and v['rx_bytes'] % size == 0,
                      'ethtool bytes not multiples of %d: %d %d' %
                      (size, v['tx_bytes'], v['rx_bytes']), m)
    for name in sources:
        m = mons[name]
        fail += m.errors
        log('%s: %d snapshots, %d problems, last %s' % (
            name, m.reads, len(m.errors),
            ' '.join('%s=%d' % kv for kv in sorted(m.last.items()))))
    print(' '.join('%s_reads=%d' % (n, mons[n].reads) for n in sources) +
          ' problems=%d' % len(fail))
    return 1 if fail else 0


# --------------------------------------------------------------- churn

def frame(dst, src, seq, size):
    body = struct.pack('!IIQ', 0x564c4f43, os.getpid(), seq)  # "VLOC"
    f = dst + src + struct.pack('!H', ETH_P_VLO) + body
    return f + bytes(size - len(f))


def loop_one(psock, ifindex, mac, seq, size, timeout):
    """Send one frame on ifindex and wait for it to come back on it."""
    f = frame(mac, mac, seq, size)
    psock.send_on(ifindex, f)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        psock.sock.settimeout(left)
        try:
            data, addr = psock.sock.recvfrom(65600)
        except socket.timeout:
            return False
        # addr: (ifname, proto, pkttype, hatype, hwaddr)
        if data == f and addr[2] == socket.PACKET_HOST:
            return True


class PacketSock:
    """One ETH_P_VLO packet socket per namespace, not bound to a device:
    frames go out on an ifindex given per send, any device's frames come
    in (each carries its cycle number, so old ones are told apart)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(ETH_P_VLO))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)

    def send_on(self, ifindex, f):
        # sockaddr_ll by hand: Python's AF_PACKET address takes a name,
        # which it resolves through an ioctl per send.
        sll = struct.pack('=HHiHBB8s', socket.AF_PACKET,
                          socket.htons(ETH_P_VLO), ifindex, 1, 0, 6,
                          f[:6])
        _libc_sendto(self.sock.fileno(), f, sll)


def _libc_sendto(fd, data, addr):
    libc = nl._libc
    r = libc.sendto(fd, data, len(data), 0, addr, len(addr))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def cmd_churn(a):
    """Cycles of create (up) / loop a frame / [move, up, loop] / delete.

    Devices are made in rounds of --batch: deleting one device waits for
    RCU grace periods (tens of ms under TCG), deleting a group of them
    waits once, so all but the first of a round go in one RTM_DELLINK by
    group per namespace (the path netns exit and rmmod take too).
    """
    spaces = a.ns.split(',')
    ctx = []
    for name in spaces:
        nl.setns(nl.netns_path(name))
        ctx.append({'name': name, 'rtnl': nl.Rtnl(), 'pkt': PacketSock(),
                    'fd': os.open(nl.netns_path(name), os.O_RDONLY)})
    os.sched_setaffinity(0, {a.cpu})
    counts = {'cycles': 0, 'looped': 0, 'moved': 0, 'create_errors': 0,
              'lost_frames': 0, 'del_errors': 0, 'random_macs': 0}
    errors = []
    t0 = time.monotonic()
    i = 0
    while i < a.cycles and len(errors) <= 20:
        n = min(a.batch, a.cycles - i)
        live = []
        for j in range(n):
            cyc = i + j
            # The first namespace is the worker's own; the others (the
            # shared one, with IPv6 on and so a third dearer to create
            # in) get one cycle in four.
            c = ctx[0] if cyc % 4 or len(ctx) == 1 else ctx[1 + cyc // 4 %
                                                          (len(ctx) - 1)]
            ifindex = a.index_base + j
            name = '%s%d' % (a.prefix, j)
            # One device in ten keeps its random address (and is read
            # back); the others get a known one, which spares a request.
            mac = None
            extra = nl.nla_u32(nl.IFLA_GROUP, a.group)
            if cyc % 10:
                mac = struct.pack('!BBHH', 2, a.cpu, ifindex & 0xffff,
                                  cyc & 0xffff)
                extra += nl.nla(nl.IFLA_ADDRESS, mac)
            err, text = c['rtnl'].new_vlo(name=name, index=ifindex,
                                          flags=nl.IFF_UP, extra=extra)
            if err:
                counts['create_errors'] += 1
                errors.append('cycle %d: create %s in %s: %s %s' % (
                    cyc, name, c['name'], nl.errname(err), text))
                continue
            if mac is None:
                link = c['rtnl'].link(index=ifindex)
                if (link is None or link.kind != 'vlo' or
                        not link.flags & nl.IFF_UP or
                        not nl.is_valid_unicast(link.address)):
                    errors.append('cycle %d: %s not as created' % (cyc, name))
                    continue
                mac = link.address
                counts['random_macs'] += 1
            if loop_one(c['pkt'], ifindex, mac, cyc, 60, a.timeout):
                counts['looped'] += 1
            else:
                counts['lost_frames'] += 1
                errors.append('cycle %d: frame not looped on %s' % (cyc,
                                                                   name))
            # Two moves per move_every cycles: one from each namespace.
            if a.move_every and cyc % a.move_every < 2 and len(ctx) > 1:
                dst = ctx[1] if c is ctx[0] else ctx[0]
                err, text = c['rtnl'].request(
                    nl.RTM_NEWLINK, 0,
                    nl.ifinfomsg(index=ifindex) +
                    nl.nla_u32(nl.IFLA_NET_NS_FD, dst['fd']))
                if err:
                    errors.append('cycle %d: move %s to %s: %s %s' % (
                        cyc, name, dst['name'], nl.errname(err), text))
                else:
                    counts['moved'] += 1
                    c = dst
                    # Moving takes the device down: up, and loop again.
                    err, text = c['rtnl'].request(
                        nl.RTM_NEWLINK, 0,
                        nl.ifinfomsg(index=ifindex, flags=nl.IFF_UP,
                                     change=nl.IFF_UP))
                    if not err and loop_one(c['pkt'], ifindex, mac, cyc, 60,
                                            a.timeout):
                        counts['looped'] += 1
                    else:
                        counts['lost_frames'] += 1
                        errors.append('cycle %d: no loop after move (%s)' %
                                      (cyc, nl.errname(err)))
            live.append((c, ifindex, name))
        if live:
            c, ifindex, name = live[0]
            err, text = c['rtnl'].del_link(index=ifindex)
            if err:
                counts['del_errors'] += 1
                errors.append('delete %s: %s %s' % (name, nl.errname(err),
                                                    text))
        for c in ctx:
            err, text = c['rtnl'].request(
                nl.RTM_DELLINK, 0,
                nl.ifinfomsg() + nl.nla_u32(nl.IFLA_GROUP, a.group))
            if err:
                counts['del_errors'] += 1
                errors.append('delete group %d in %s: %s %s' % (
                    a.group, c['name'], nl.errname(err), text))
            left = [l.name for l in c['rtnl'].links() if l.group == a.group]
            if left:
                errors.append('after cycle %d: %s still in %s' % (
                    i + n - 1, ','.join(left), c['name']))
        counts['cycles'] += len(live)
        i += n
    dt = time.monotonic() - t0
    for e in errors[:20]:
        log('FAIL: ' + e)
    print(' '.join('%s=%d' % kv for kv in counts.items()) +
          ' seconds=%.1f' % dt)
    return 1 if errors else 0


# --------------------------------------------------------------- fault

def cmd_fault(a):
    """Fail the Nth allocation of one RTM_NEWLINK, for N = 1, 2, ...

    fail-nth counts the fault-injection points the task passes
    (failslab and fail_page_alloc, as configured by the caller); writing
    N arms it, and reading 0 back means the Nth one was failed. The
    write is the last thing before sendmsg(), so the failures land in
    the request's own processing (the netlink skb, rtnl_newlink(), the
    device's allocation, vlo's ndo_init, sysfs, notifiers, the ack).
    """
    nl.setns(nl.netns_path(a.ns))
    rtnl = nl.Rtnl()
    fd = os.open('/proc/thread-self/fail-nth', os.O_RDWR)
    name = 'vf0'
    base = sorted(l.name for l in rtnl.links())
    counts = {'iterations': 0, 'refused': 0, 'succeeded': 0, 'ack_lost': 0,
              'send_failed': 0}
    by_errno = {}
    errors = []
    n = 0
    completed = False
    t0 = time.monotonic()
    while n < a.max:
        n += 1
        seq = rtnl.next_seq()
        if a.mode == 'create':
            msg = nl.nlmsg(nl.RTM_NEWLINK, nl.NLM_F_REQUEST | nl.NLM_F_ACK |
                           nl.NLM_F_CREATE | nl.NLM_F_EXCL, seq,
                           nl.ifinfomsg(flags=nl.IFF_UP, change=nl.IFF_UP) +
                           nl.nla_str(nl.IFLA_IFNAME, name) +
                           nl.nla_u32(nl.IFLA_MTU, 9000) +
                           nl.nla(nl.IFLA_ADDRESS, b'\x02\x00\x00\x00\x00\x01') +
                           nl.nla_nest(nl.IFLA_LINKINFO,
                                       nl.nla_str(nl.IFLA_INFO_KIND, 'vlo')))
        else:
            raise SystemExit('unknown mode')
        os.write(fd, b'%d' % n)
        try:
            rtnl.sock.send(msg)
            sent = True
        except OSError as e:
            sent = False
            send_err = e.errno
        left = int(os.pread(fd, 32, 0))
        os.write(fd, b'0')
        counts['iterations'] += 1
        if left:
            # Fewer than n injection points: every allocation was failed
            # once; this one ran clean.
            completed = True
        err = None
        if not sent:
            counts['send_failed'] += 1
            err = send_err
        else:
            try:
                err, _text = rtnl.recv_until(seq)
            except OSError as e:
                # The ack itself could not be allocated (ENOBUFS on the
                # socket): the request's result is only known from state.
                counts['ack_lost'] += 1
                err = None
        link = rtnl.link(name=name)
        if err:
            counts['refused'] += 1
            by_errno[nl.errname(err)] = by_errno.get(nl.errname(err), 0) + 1
            if link is not None:
                errors.append('n=%d: refused with %s but %s exists' % (
                    n, nl.errname(err), name))
        elif err == 0:
            counts['succeeded'] += 1
            if link is None:
                errors.append('n=%d: succeeded but %s missing' % (n, name))
        if link is not None:
            # Present: it must be whole (what was asked, and working).
            if (link.kind != 'vlo' or link.mtu != 9000 or
                    link.address != b'\x02\x00\x00\x00\x00\x01'):
                errors.append('n=%d: %s exists but is not what was asked '
                              '(kind %s mtu %s addr %s)' % (
                                  n, name, link.kind, link.mtu,
                                  link.address.hex() if link.address
                                  else None))
            if not os.path.isdir('/sys/class/net/' + name):
                errors.append('n=%d: %s has no sysfs entry' % (n, name))
            e2, t2 = rtnl.del_link(name=name)
            if e2:
                errors.append('n=%d: delete %s: %s %s' % (
                    n, name, nl.errname(e2), t2))
                break
        else:
            if os.path.exists('/sys/class/net/' + name):
                errors.append('n=%d: no %s in rtnetlink but in sysfs' %
                              (n, name))
        now = sorted(l.name for l in rtnl.links())
        if now != base:
            errors.append('n=%d: devices %s, expected %s' % (n, now, base))
            break
        if completed or len(errors) > 10:
            break
    dt = time.monotonic() - t0
    for e in errors[:20]:
        log('FAIL: ' + e)
    if not completed and not errors:
        errors.append('fail-nth still consumed after %d allocations' % n)
        log('FAIL: ' + errors[-1])
    print(' '.join('%s=%d' % kv for kv in counts.items()) +
          ' points=%d seconds=%.1f errnos=%s' % (
              n - 1 if completed else n, dt,
              ','.join('%s:%d' % kv for kv in sorted(by_errno.items()))
              or '-'))
    return 1 if errors else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('rxcount')
    r.add_argument('-i', dest='ifname', required=True)
    r.add_argument('-p', dest='proto', type=lambda x: int(x, 0),
                   default=0x0800)
    r.add_argument('--size', type=int, default=0)
    r.add_argument('--ready')
    t = sub.add_parser('send')
    t.add_argument('-i', dest='ifname', required=True)
    t.add_argument('-p', dest='proto', type=lambda x: int(x, 0),
                   default=ETH_P_VLO)
    t.add_argument('-n', dest='count', type=int, default=10)
    t.add_argument('-s', dest='size', type=int, default=100)
    x = sub.add_parser('rxstamp')
    x.add_argument('-i', dest='ifname', required=True)
    x.add_argument('-n', dest='count', type=int, default=20)
    x.add_argument('--txtime', action='store_true')
    cr = sub.add_parser('carrier-race')
    cr.add_argument('-i', dest='ifname', required=True)
    cr.add_argument('--gap', type=float, default=50)
    c = sub.add_parser('counters')
    c.add_argument('-i', dest='ifname', required=True)
    c.add_argument('-T', dest='seconds', type=float, default=10)
    c.add_argument('--size', type=int, default=0)
    c.add_argument('--sources', default='sysfs,netlink,ethtool')
    h = sub.add_parser('churn')
    h.add_argument('--ns', required=True)
    h.add_argument('--cpu', type=int, default=0)
    h.add_argument('--cycles', type=int, default=5000)
    h.add_argument('--index-base', type=int, default=10000)
    h.add_argument('--prefix', default='vc')
    h.add_argument('--move-every', type=int, default=25)
    h.add_argument('--batch', type=int, default=50)
    h.add_argument('--group', type=int, default=4242)
    h.add_argument('--timeout', type=float, default=5.0)
    f = sub.add_parser('fault')
    f.add_argument('--ns', required=True)
    f.add_argument('--max', type=int, default=5000)
    f.add_argument('--mode', default='create')
    a = p.parse_args()
    return {'rxcount': cmd_rxcount, 'send': cmd_send,
            'counters': cmd_counters, 'rxstamp': cmd_rxstamp,
            'carrier-race': cmd_carrier_race,
            'churn': cmd_churn, 'fault': cmd_fault}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
