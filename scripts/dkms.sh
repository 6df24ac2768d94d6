#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Register vlo with DKMS from this checkout, so that it is rebuilt for every
# kernel installed later (the .deb from `make deb` does the same, packaged).
#
#   scripts/dkms.sh install   what `make dkms-install` runs: copy the sources
#                             to /usr/src/vlo-<version>, then dkms add, build
#                             and install for $KERNELRELEASE
#   scripts/dkms.sh remove    dkms remove --all for every vlo version this
#                             script registered, and delete its /usr/src copy
#
# KERNELRELEASE: default the running kernel if its headers are installed,
# else the newest kernel under /lib/modules that has headers.

set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
NAME=vlo

die() { echo "dkms.sh: $*" >&2; exit 1; }
note() { echo "dkms.sh: $*"; }

# shellcheck source=scripts/lib-kernel.sh
. "$(dirname "$0")/lib-kernel.sh"

vlo_version() {
	sed -n 's/^#define VLO_VERSION "\(.*\)"$/\1/p' "$SRC/src/vlo.h"
}

need_root_and_dkms() {
	[ "$(id -u)" = 0 ] || die "must run as root (writes /usr/src, /var/lib/dkms, /lib/modules)"
	command -v dkms >/dev/null ||
		die "dkms is not installed (Debian: apt-get install dkms)"
}

# A /usr/src/vlo-* tree that belongs to the vlo-dkms package is dpkg's to
# remove: touching it would leave dpkg's database wrong.
owned_by_package() {
	dpkg-query -S "$1" >/dev/null 2>&1
}

do_install() {
	need_root_and_dkms
	local ver krel dest
	ver=$(vlo_version)
	[ -n "$ver" ] || die "no VLO_VERSION in $SRC/src/vlo.h"
	krel=${KERNELRELEASE:-$(default_krel)}
	[ -f "/lib/modules/$krel/build/Makefile" ] ||
		die "no headers for $krel (install linux-headers-$krel, or set KERNELRELEASE)"
	dest=/usr/src/$NAME-$ver
	if owned_by_package "$dest"; then
		die "$dest belongs to a package ($(dpkg-query -S "$dest" | cut -d: -f1)); remove that first"
	fi

	# Re-running replaces the previous registration of this version.
	if [ -n "$(dkms status -m "$NAME" -v "$ver")" ]; then
		note "replacing the registered $NAME/$ver"
		dkms remove -m "$NAME" -v "$ver" --all
	fi
	rm -rf "$dest"
	install -d "$dest/src" "$dest/include"
	# What the module build needs, nothing else (no tests/, no build output).
	install -m 0644 "$SRC/Makefile" "$SRC/Kbuild" "$dest/"
	install -m 0644 "$SRC"/src/*.c "$SRC"/src/*.h "$dest/src/"
	cp -p "$SRC"/include/* "$dest/include/"
	[ -f "$SRC/LICENSE" ] && install -m 0644 "$SRC/LICENSE" "$dest/"
	sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$ver\"/" "$SRC/dkms.conf" >"$dest/dkms.conf"

	dkms add -m "$NAME" -v "$ver"
	if ! dkms build -m "$NAME" -v "$ver" -k "$krel"; then
		cat "/var/lib/dkms/$NAME/$ver/build/make.log" >&2 || true
		die "dkms build failed for $krel (log above)"
	fi
	dkms install -m "$NAME" -v "$ver" -k "$krel"
	dkms status -m "$NAME" -v "$ver"
}

do_remove() {
	need_root_and_dkms
	local line ver found=0
	# dkms status lines look like "vlo/0.1.0, 6.1.0-56-amd64, x86_64: installed"
	# (older dkms: "vlo, 0.1.0, ..."): take every registered version.
	for ver in $(dkms status -m "$NAME" | sed -n 's#^'"$NAME"'[/,] *\([^,:]*\).*#\1#p' | sort -u); do
		found=1
		if owned_by_package "/usr/src/$NAME-$ver"; then
			note "$NAME/$ver belongs to a package: leaving it (apt-get remove --purge vlo-dkms)"
			continue
		fi
		dkms remove -m "$NAME" -v "$ver" --all
		rm -rf "/usr/src/$NAME-$ver"
		note "removed $NAME/$ver"
	done
	# A copy left by an interrupted install (never added) is ours too.
	for line in /usr/src/"$NAME"-*; do
		[ -d "$line" ] || continue
		grep -q "^PACKAGE_NAME=\"$NAME\"" "$line/dkms.conf" 2>/dev/null || continue
		owned_by_package "$line" && continue
		found=1
		rm -rf "$line"
		note "removed $line"
	done
	[ "$found" = 1 ] || note "nothing to remove"
}

case "${1:-}" in
install) do_install ;;
remove) do_remove ;;
*)
	echo "usage: $0 install|remove   (env: KERNELRELEASE)" >&2
	exit 2
	;;
esac
