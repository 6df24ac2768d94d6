#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install or remove vlo by hand (without DKMS or the .deb):
#
#   scripts/install.sh install     what `make install` runs
#   scripts/install.sh uninstall   what `make uninstall` runs
#
# Installs exactly these files, and removes exactly these:
#   $DESTDIR/lib/modules/$KERNELRELEASE/extra/vlo.ko   (kbuild modules_install)
#   $DESTDIR$PREFIX/sbin/vlo-route
#   $DESTDIR$PREFIX/share/man/man4/vlo.4.gz
#   $DESTDIR$PREFIX/share/man/man8/vlo-route.8.gz
# then runs depmod so that `modprobe vlo` and `ip link add X type vlo`
# (module alias rtnl-link-vlo) find the module.
#
# Environment (make passes its command-line variables through):
#   KERNELRELEASE  kernel to install for (default: the running kernel if its
#                  headers are installed, else the newest kernel that has them)
#   KDIR           its build tree (default /lib/modules/$KERNELRELEASE/build)
#   DESTDIR        staging root for packagers (default: none, the live system)
#   PREFIX         for the helper and man pages (default /usr)

set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr}
# Where kbuild puts out-of-tree modules below lib/modules/<release>/. DKMS
# uses updates/dkms, so a hand install and a DKMS install never overwrite
# each other's file.
MOD_DIR=extra

die() { echo "install.sh: $*" >&2; exit 1; }
note() { echo "install.sh: $*"; }

# shellcheck source=scripts/lib-kernel.sh
. "$(dirname "$0")/lib-kernel.sh"

# The release a build tree builds for: UTS_RELEASE, what vermagic and
# `uname -r` say. (Debian's headers put the upstream version, not the
# package's release, in include/config/kernel.release.)
kdir_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null
}

# A KDIR given alone names the kernel; otherwise KERNELRELEASE does.
if [ -z "${KERNELRELEASE:-}" ] && [ -n "${KDIR:-}" ]; then
	KERNELRELEASE=$(kdir_release "$KDIR")
fi
KERNELRELEASE=${KERNELRELEASE:-$(default_krel)}
KDIR=${KDIR:-/lib/modules/$KERNELRELEASE/build}
MODDIR=$DESTDIR/lib/modules/$KERNELRELEASE

run_depmod() {
	if [ -z "$DESTDIR" ]; then
		# (kbuild's own depmod step is skipped without a System.map.)
		note "depmod -a $KERNELRELEASE"
		depmod -a "$KERNELRELEASE"
	elif [ -f "$MODDIR/modules.builtin" ]; then
		# A complete root tree (an image being assembled): index it.
		depmod -b "$DESTDIR" -a "$KERNELRELEASE"
	else
		# A packaging stage holds only vlo: indexes generated here would
		# describe vlo alone and overwrite the target's when unpacked.
		note "DESTDIR is a staging tree: skipping depmod; run 'depmod -a $KERNELRELEASE' on the target"
	fi
}

do_install() {
	[ -f "$KDIR/Makefile" ] || die "no kernel build tree at KDIR=$KDIR (install linux-headers-$KERNELRELEASE)"
	local kdrel magic
	kdrel=$(kdir_release "$KDIR")
	[ "$kdrel" = "$KERNELRELEASE" ] ||
		die "KDIR=$KDIR is for kernel '$kdrel', not KERNELRELEASE=$KERNELRELEASE"
	[ -f "$SRC/vlo.ko" ] || die "$SRC/vlo.ko not built: run 'make KERNELRELEASE=$KERNELRELEASE' first"
	# A module built for another kernel would install but never load.
	magic=$(modinfo -F vermagic "$SRC/vlo.ko" 2>/dev/null | cut -d' ' -f1)
	[ "$magic" = "$KERNELRELEASE" ] ||
		die "vlo.ko is built for '$magic', not $KERNELRELEASE: run 'make clean; make KERNELRELEASE=$KERNELRELEASE'"
	[ -f "$SRC/scripts/vlo-route" ] || die "$SRC/scripts/vlo-route is missing"

	# With CONFIG_MODULE_SIG_ALL kbuild signs at install time with the
	# kernel's own key. Distribution headers do not ship that key, and
	# sign-file then prints an OpenSSL error that kbuild ignores: skip
	# signing when the key is absent (`make sign` uses a key of your own).
	local nosign=() key
	key=$(sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$/\1/p' "$KDIR/.config" 2>/dev/null || true)
	if [ -n "$key" ] && [ "${key#pkcs11:}" = "$key" ]; then
		[ "${key#/}" != "$key" ] || key=$KDIR/$key
		[ -f "$key" ] || nosign=(CONFIG_MODULE_SIG_ALL=)
	fi
	# KERNELRELEASE given explicitly: kbuild would otherwise take it from
	# include/config/kernel.release (see kdir_release) and install under
	# lib/modules/<upstream version>.
	make -C "$KDIR" M="$SRC" KERNELRELEASE="$KERNELRELEASE" \
		INSTALL_MOD_PATH="$DESTDIR" INSTALL_MOD_DIR="$MOD_DIR" \
		"${nosign[@]}" modules_install
	[ -f "$MODDIR/$MOD_DIR/vlo.ko" ] ||
		die "modules_install did not produce $MODDIR/$MOD_DIR/vlo.ko"
	run_depmod

	install -D -m 0755 "$SRC/scripts/vlo-route" "$DESTDIR$PREFIX/sbin/vlo-route"
	# -n: no timestamp in the gzip header, so repeated builds are identical.
	install -d "$DESTDIR$PREFIX/share/man/man4" "$DESTDIR$PREFIX/share/man/man8"
	gzip -9nc "$SRC/man/vlo.4" >"$DESTDIR$PREFIX/share/man/man4/vlo.4.gz"
	gzip -9nc "$SRC/man/vlo-route.8" >"$DESTDIR$PREFIX/share/man/man8/vlo-route.8.gz"
	chmod 0644 "$DESTDIR$PREFIX/share/man/man4/vlo.4.gz" \
		"$DESTDIR$PREFIX/share/man/man8/vlo-route.8.gz"

	note "installed vlo for $KERNELRELEASE under ${DESTDIR:-/}"
	if [ -z "$DESTDIR" ] && [ -f /sys/module/vlo/version ]; then
		note "an older vlo is loaded: 'modprobe -r vlo && modprobe vlo' to switch"
	fi
}

do_uninstall() {
	local f
	for f in "$MODDIR/$MOD_DIR/vlo.ko" "$MODDIR/$MOD_DIR/vlo.ko.xz" \
		 "$MODDIR/$MOD_DIR/vlo.ko.gz" "$MODDIR/$MOD_DIR/vlo.ko.zst" \
		 "$DESTDIR$PREFIX/sbin/vlo-route" \
		 "$DESTDIR$PREFIX/share/man/man4/vlo.4.gz" \
		 "$DESTDIR$PREFIX/share/man/man8/vlo-route.8.gz"; do
		if [ -e "$f" ]; then
			rm -f -- "$f"
			note "removed $f"
		fi
	done
	# modules_install made extra/ if it was not there; leave others' files.
	[ -d "$MODDIR/$MOD_DIR" ] && rmdir --ignore-fail-on-non-empty "$MODDIR/$MOD_DIR"
	if [ -d "$MODDIR" ]; then
		run_depmod
	fi
	if [ -z "$DESTDIR" ] && [ -f /sys/module/vlo/version ]; then
		note "vlo is still loaded: 'modprobe -r vlo' unloads it"
	fi
}

case "${1:-}" in
install) do_install ;;
uninstall) do_uninstall ;;
*)
	echo "usage: $0 install|uninstall   (env: KERNELRELEASE KDIR DESTDIR PREFIX)" >&2
	exit 2
	;;
esac
