# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the kernel's selftests are pointed at when they run against vlo:
# sourced by tests/upstream/build.sh (which writes these values into the
# programs) and by tests/vlo_upstream.sh (which sets the namespace up with
# them), so both always agree.

# The vlo device the patched programs name instead of "lo".
UP_DEV=vlo0
# Two addresses on it, routed through it by scripts/vlo-route (TEST-NET-2
# and the IPv6 documentation prefix). A is the client's side, B the
# server's: where a program uses the loopback address for both its
# listener and its connect(), the vlo build listens on and connects to B.
UP_A4=198.51.100.1
UP_B4=198.51.100.2
UP_A6=2001:db8::1
UP_B6=2001:db8::2
