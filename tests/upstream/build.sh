#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kernel's own networking selftests that tests/vlo_upstream.sh
# runs, twice: once as the kernel ships them (they use lo), once changed
# only where they name the loopback device or its addresses (they use the
# vlo device and the addresses of tests/upstream/params.sh).
#
#   tests/upstream/build.sh OUTDIR [LINUX_SOURCE_TARBALL]
#
# OUTDIR gets src/ (the extracted sources, untouched), src-vlo/ (the
# patched copy), lo/ and vlo/ (the programs) and a stamp file. Nothing of
# the kernel's sources goes into the repository: they are read from the
# linux-source tarball here, at build time.
#
# Every change is a sed expression that must change the file: if a newer
# source no longer has the line, the build stops instead of running a
# program that still talks to lo.
#
# One change is made to both builds, lo's included: so_txtime's tolerance
# for the arrival time (4 ms, fixed in the source) may be widened through
# the environment (SO_TXTIME_VARIANCE_US), because a TCG guest cannot keep
# it. Without the variable the program is as shipped.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=params.sh
. "$HERE/params.sh"

OUT=${1:?usage: build.sh OUTDIR [LINUX_SOURCE_TARBALL]}
TARBALL=${2:-}
if [[ -z $TARBALL ]]; then
	for TARBALL in /usr/src/linux-source-6.1.tar.xz /usr/src/linux-source-*.tar.xz; do
		[[ -f $TARBALL ]] && break
	done
fi
if [[ ! -f $TARBALL ]]; then
	echo "upstream: need /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.1)" >&2
	exit 1
fi

# The programs, and the extra files they need from the selftests folder.
PROGS=(psock_snd psock_fanout psock_tpacket txring_overwrite txtimestamp
	rxtimestamp so_txtime msg_zerocopy tcp_inq ipv6_flowlabel)
EXTRA=(psock_lib.h)
CC=${CC:-gcc}
CFLAGS=(-Wall -O2 -g)
declare -A LDLIBS=([tcp_inq]=-lpthread)

echo "  UPSTREAM ${PROGS[*]} from ${TARBALL##*/}"

# ------------------------------------------------------------ extraction

mkdir -p "$OUT"
tmp=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# One pass over the tarball, whatever its top folder is called.
members=("*/tools/testing/selftests/kselftest.h")
for f in "${PROGS[@]/%/.c}" "${EXTRA[@]}"; do
	members+=("*/tools/testing/selftests/net/$f")
done
# Layout as in the kernel tree: net/*.c include "../kselftest.h".
mkdir -p "$tmp/src"
tar -xJf "$TARBALL" -C "$tmp/src" --strip-components=4 --wildcards \
	"${members[@]}"

# ------------------------------------------------------------ the changes

# C spellings of the addresses of params.sh.
hex4()
{
	local -a o

	IFS=. read -ra o <<<"$1"
	printf '0x%02x%02x%02x%02x' "${o[@]}"
}
in6()
{
	python3 -c 'import ipaddress, sys
b = ipaddress.ip_address(sys.argv[1]).packed
print("{ .s6_addr = { " + ", ".join("0x%02x" % x for x in b) + " } }")' "$1"
}
A4=$(hex4 "$UP_A4")
B4=$(hex4 "$UP_B4")
B6=$(in6 "$UP_B6")
IFIDX="if_nametoindex(\"$UP_DEV\")"

# change FILE SED-EXPRESSION...: apply each expression in turn; each must
# change the file.
change()
{
	local f=$1 e

	shift
	for e in "$@"; do
		cp "$f" "$f.old"
		sed -i -e "$e" "$f"
		if cmp -s "$f" "$f.old"; then
			echo "upstream: ${f##*/}: '$e' matched nothing: source changed?" >&2
			exit 1
		fi
		rm -f "$f.old"
	done
}

# Both builds: so_txtime's tolerance from the environment (see above).
change "$tmp/src/net/so_txtime.c" \
	'/^static void parse_opts/,/^}/s/^\tint c;$/&\n\n\tif (getenv("SO_TXTIME_VARIANCE_US"))\n\t\tcfg_variance_us = atoi(getenv("SO_TXTIME_VARIANCE_US"));/'

cp -a "$tmp/src" "$tmp/src-vlo"
v=$tmp/src-vlo/net

# Packet sockets: the device by name (or lo's ifindex, 1), and the
# addresses of the UDP pair that feeds the rings and fanout groups.
change "$v/psock_snd.c" \
	"s/cfg_ifname = \"lo\"/cfg_ifname = \"$UP_DEV\"/" \
	"s/dev lo /dev $UP_DEV /g" \
	"s/conf\\.lo\\./conf.$UP_DEV./"
change "$v/psock_lib.h" \
	"s/saddr\\.sin_addr\\.s_addr = htonl(INADDR_LOOPBACK)/saddr.sin_addr.s_addr = htonl($A4)/" \
	"s/daddr\\.sin_addr\\.s_addr = htonl(INADDR_LOOPBACK)/daddr.sin_addr.s_addr = htonl($B4)/"
change "$v/psock_fanout.c" "s/if_nametoindex(\"lo\")/$IFIDX/"
change "$v/psock_tpacket.c" "s/if_nametoindex(\"lo\")/$IFIDX/g" \
	"s/ip->saddr = htonl(INADDR_LOOPBACK)/ip->saddr = htonl($A4)/" \
	"s/ip->daddr = htonl(INADDR_LOOPBACK)/ip->daddr = htonl($B4)/"
change "$v/txring_overwrite.c" "s/if_nametoindex(\"lo\")/$IFIDX/" \
	"s/htonl(INADDR_LOOPBACK + 1)/htonl($B4)/" \
	"s/htonl(INADDR_LOOPBACK)/htonl($A4)/"
# Timestamps: txtimestamp takes its address on the command line, but
# sends its PF_PACKET case to ifindex 1 (lo).
change "$v/txtimestamp.c" \
	"s/laddr\\.sll_ifindex\\t= 1;/laddr.sll_ifindex\\t= $IFIDX;/"
# Programs that listen on and connect to the loopback address: B.
change "$v/rxtimestamp.c" \
	"s/htonl(INADDR_LOOPBACK)/htonl($B4)/" \
	"s/sin6_addr = in6addr_loopback;/sin6_addr = (struct in6_addr)$B6;/"
change "$v/tcp_inq.c" \
	"s/htonl(INADDR_LOOPBACK)/htonl($B4)/" \
	"s/sin6_addr = in6addr_loopback;/sin6_addr = (struct in6_addr)$B6;/"
change "$v/ipv6_flowlabel.c" \
	"s/\\.sin6_addr = IN6ADDR_LOOPBACK_INIT,/.sin6_addr = $B6,/"
# so_txtime and msg_zerocopy take every address on the command line.

# ------------------------------------------------------------ build

for variant in lo vlo; do
	src=$tmp/src/net
	[[ $variant == vlo ]] && src=$tmp/src-vlo/net
	mkdir -p "$tmp/$variant"
	for p in "${PROGS[@]}"; do
		# shellcheck disable=SC2086 # LDLIBS is a word list
		"$CC" "${CFLAGS[@]}" -o "$tmp/$variant/$p" "$src/$p.c" ${LDLIBS[$p]:-}
	done
done

rm -rf "$OUT/src" "$OUT/src-vlo" "$OUT/lo" "$OUT/vlo"
mv "$tmp/src" "$tmp/src-vlo" "$tmp/lo" "$tmp/vlo" "$OUT/"
diff -ru "$OUT/src" "$OUT/src-vlo" >"$OUT/changes.diff" || true
{
	echo "source=${TARBALL##*/}"
	echo "cc=$("$CC" --version | head -n 1)"
	echo "progs=${PROGS[*]}"
} >"$OUT/stamp"
