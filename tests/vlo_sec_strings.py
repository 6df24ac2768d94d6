#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""vlo_sec_strings - what vlo's ethtool answers hand to userspace, byte by byte.

  vlo_sec_strings.py -i DEV [--fresh | --expect NAME=VALUE,...]

Raw SIOCETHTOOL requests into buffers pre-filled with 0xa5, so that a
byte the kernel left unset, or wrote past the end, shows:
  - ETHTOOL_GSTRINGS for the stats and the private flags: the expected
    names, each 32-byte slot NUL-terminated and zero after the NUL,
    nothing written after the last slot;
  - ETHTOOL_GDRVINFO: every string field zero after its NUL, the
    reserved bytes zero, the counts right;
  - ETHTOOL_GSTATS: one value per name, nothing after them; with --fresh (a device
    that never carried a frame) every value is 0; with --expect, the
    values the caller counted outside the driver (frames its sender sent
    and its receiver got), e.g. tx_packets=20,rx_packets=20.
Several of these hold for any driver: the core zero-fills the buffers it
hands to the driver (GSTRINGS, GSTATS: vzalloc; GDRVINFO: memset) and
copies back only what the driver declared. Those checks are named
'core: ...' and counted apart (core=N): they guard the core's behaviour
for vlo's answers, they are no evidence about vlo. vlo's own are the
names, the counts, the values and the version field (the core fills it
with the kernel release before vlo writes it: only vlo's strscpy_pad()
clears its tail).
Works without privileges (these requests need none). Prints '# ok:' and
'# FAIL:' lines and a last line checks=N failed=N core=N; exit 1 on a
failure.
"""

import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vlo_stress_lib as nl  # noqa: E402

STATS = ['tx_packets', 'tx_bytes', 'rx_packets', 'rx_bytes',
         'rx_backlog_drops', 'tx_looped_by_stack', 'tx_carrier_drops',
         'tx_header_drops', 'rx_queue_drops', 'tx_xdp_xmit',
         'tx_xdp_xmit_errors'] + [
             'rx0_' + n for n in ('packets', 'bytes', 'xdp_xmit', 'xdp_pass',
                                  'xdp_drop',
                                  'xdp_tx', 'xdp_redirect', 'xdp_aborted',
                                  'xdp_errors')]
FILL = 0xa5

checks = 0
failed = 0
core = 0


def check(desc, ok, detail='', by_core=False):
    global checks, failed, core
    checks += 1
    if by_core:
        core += 1
        desc = 'core: ' + desc
    if ok:
        print('# ok: %s' % desc)
    else:
        failed += 1
        print('# FAIL: %s%s' % (desc, ': ' + detail if detail else ''))


def padded(field):
    """A C string field: NUL-terminated, zero after the NUL."""
    z = field.find(b'\0')
    return z >= 0 and field[z:] == bytes(len(field) - z)


def strings(eth, sset, names, label):
    length, raw = eth.strings_raw(sset, fill=bytes([FILL]))
    check('%s: %d strings' % (label, len(names)), length == len(names),
          'got %d' % length)
    got = []
    for i in range(length):
        slot = raw[i * 32:(i + 1) * 32]
        got.append(nl.cstr(slot))
        check('%s string %d (%s): zero after its NUL' % (label, i,
                                                        got[-1]),
              padded(slot), slot.hex(), by_core=True)
    check('%s names' % label, got == names, '%s' % got)
    tail = raw[length * 32:length * 32 + 32]
    check('%s: nothing written after the last string' % label,
          tail == bytes([FILL]) * 32, tail.hex(), by_core=True)


def drvinfo(eth):
    raw = eth.drvinfo_raw(fill=bytes([FILL]))
    fields = {}
    off = 4
    for name in ('driver', 'version', 'fw_version', 'bus_info',
                 'erom_version'):
        fields[name] = raw[off:off + 32]
        off += 32
    reserved = raw[off:off + 12]
    off += 12
    counts = struct.unpack_from('=5I', raw, off)
    # The core fills version with the kernel release before it calls
    # the driver (ethtool_get_drvinfo()); vlo writes its fields with
    # strscpy_pad(), so every byte after the NUL is zero, not the tail of
    # that release.
    for name, f in fields.items():
        check('drvinfo %s (%r): zero after its NUL' % (name, nl.cstr(f)),
              padded(f), f.hex(), by_core=name != 'version')
    check('drvinfo driver', nl.cstr(fields['driver']) == 'vlo')
    check('drvinfo version', nl.cstr(fields['version']) == '0.3.0',
          nl.cstr(fields['version']))
    check('drvinfo bus_info empty', nl.cstr(fields['bus_info']) == '')
    check('drvinfo reserved bytes zero', reserved == bytes(12),
          reserved.hex(), by_core=True)
    # n_priv_flags, n_stats, testinfo_len, eedump_len, regdump_len
    check('drvinfo counts (priv flags, stats, test, eeprom, regs)',
          counts == (0, len(STATS), 0, 0, 0), '%s' % (counts,))


def stats(eth, fresh, expect):
    n_stats = len(STATS)
    end = 8 + 8 * n_stats
    buf = eth.cmd(struct.pack('=II', nl.ETHTOOL_GSTATS, 0) +
                  bytes([FILL]) * (end + 8), end + 16)
    raw = bytes(buf)
    n, = struct.unpack_from('=I', raw, 4)
    check('GSTATS n_stats', n == n_stats, '%d' % n)
    values = struct.unpack_from('=%dQ' % n_stats, raw, 8)
    check('GSTATS: nothing written after %d values' % n_stats,
          raw[end:end + 16] == bytes([FILL]) * 16, raw[end:end + 16].hex(),
          by_core=True)
    if fresh:
        check('GSTATS on a fresh device: all zero',
              values == (0,) * n_stats,
              '%s' % (values,))
    got = dict(zip(STATS, values))
    for name, want in expect.items():
        check('GSTATS %s = %d, as counted outside the driver' % (name, want),
              got.get(name) == want, 'got %s' % got.get(name))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('-i', dest='ifname', required=True)
    p.add_argument('--fresh', action='store_true')
    p.add_argument('--expect', default='')
    a = p.parse_args()
    expect = {}
    for item in filter(None, a.expect.split(',')):
        k, v = item.split('=')
        if k not in STATS:
            p.error('--expect: no statistic %s' % k)
        expect[k] = int(v)
    eth = nl.Ethtool(a.ifname)
    strings(eth, nl.ETH_SS_STATS, STATS, 'stats')
    check('no private flags (capture-once is gone)',
          eth.sset_count(nl.ETH_SS_PRIV_FLAGS) in (None, 0))
    drvinfo(eth)
    stats(eth, a.fresh, expect)
    print('checks=%d failed=%d core=%d' % (checks, failed, core))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
