#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build build/vlo-dkms_<version>_all.deb (what `make deb` runs) with plain
# dpkg-deb from a staged tree, so no debhelper is needed:
#
#   /usr/src/vlo-<version>/    module sources + dkms.conf, built by DKMS
#   /usr/sbin/vlo-route        the routing helper
#   /usr/share/man/man4/vlo.4.gz, /usr/share/man/man8/vlo-route.8.gz
#   /usr/share/doc/vlo-dkms/   copyright, changelog, examples/
#   postinst/prerm             dkms add/build/install, dkms remove --all
#                              (debian/*.in, as dh_dkms would write them)
#
# The version is VLO_VERSION from src/vlo.h. Maintainer: $DEB_MAINTAINER,
# else this repository's git identity. Dates come from SOURCE_DATE_EPOCH,
# else the last commit, so rebuilding the same commit gives the same files.
#
# Install: apt-get install ./build/vlo-dkms_<version>_all.deb
# Environment: OUT (output folder, default ./build), DEB_MAINTAINER,
# SOURCE_DATE_EPOCH, NO_LINTIAN=1.

set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$SRC/build}
PKG=vlo-dkms

die() { echo "mkdeb.sh: $*" >&2; exit 1; }

command -v dpkg-deb >/dev/null || die "dpkg-deb not found (Debian: apt-get install dpkg)"

VERSION=$(sed -n 's/^#define VLO_VERSION "\(.*\)"$/\1/p' "$SRC/src/vlo.h")
[ -n "$VERSION" ] || die "no VLO_VERSION in $SRC/src/vlo.h"
for f in scripts/vlo-route man/vlo.4 man/vlo-route.8 dkms.conf Makefile Kbuild; do
	[ -f "$SRC/$f" ] || die "$f is missing"
done

if [ -z "${DEB_MAINTAINER:-}" ]; then
	name=$(git -C "$SRC" config user.name 2>/dev/null || true)
	email=$(git -C "$SRC" config user.email 2>/dev/null || true)
	if [ -n "$name" ] && [ -n "$email" ]; then
		DEB_MAINTAINER="$name <$email>"
	else
		DEB_MAINTAINER="vlo developers <vlo@localhost.invalid>"
	fi
fi
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH

STAGE=$OUT/stage/$PKG
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN"
# Files are staged 0644/0755 whatever the umask of the checkout.
umask 022

# Templates minus their SPDX comment (control files have no comments).
subst() {
	sed -e '/^# SPDX-License-Identifier/d' -e '/^# (mkdeb.sh drops/d' \
	    -e "s|@VERSION@|$VERSION|g" -e "s|@MAINTAINER@|$DEB_MAINTAINER|g" \
	    -e "s|@DATE@|$(date -u -R -d "@$SOURCE_DATE_EPOCH")|g" \
	    -e "s|@INSTALLED_SIZE@|${INSTALLED_SIZE:-0}|g" "$1"
}

# The module sources, as scripts/dkms.sh installs them.
usrc=$STAGE/usr/src/vlo-$VERSION
install -d "$usrc/src" "$usrc/include"
install -m 0644 "$SRC/Makefile" "$SRC/Kbuild" "$usrc/"
install -m 0644 "$SRC"/src/*.c "$SRC"/src/*.h "$usrc/src/"
for f in "$SRC"/include/*; do
	if [ -x "$f" ]; then mode=0755; else mode=0644; fi
	install -m "$mode" "$f" "$usrc/include/"
done
sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$VERSION\"/" "$SRC/dkms.conf" >"$usrc/dkms.conf"
chmod 0644 "$usrc/dkms.conf"

install -D -m 0755 "$SRC/scripts/vlo-route" "$STAGE/usr/sbin/vlo-route"
install -d "$STAGE/usr/share/man/man4" "$STAGE/usr/share/man/man8"
gzip -9nc "$SRC/man/vlo.4" >"$STAGE/usr/share/man/man4/vlo.4.gz"
gzip -9nc "$SRC/man/vlo-route.8" >"$STAGE/usr/share/man/man8/vlo-route.8.gz"

doc=$STAGE/usr/share/doc/$PKG
install -d "$doc/examples"
subst "$SRC/debian/copyright" >"$doc/copyright"
subst "$SRC/debian/changelog.in" | gzip -9n >"$doc/changelog.gz"
(cd "$SRC/examples" && find . -type f) | while read -r f; do
	install -D -m 0644 "$SRC/examples/$f" "$doc/examples/$f"
done
install -m 0644 "$SRC/README.md" "$doc/README.md"

# Make every file's time the release time, for reproducible archives.
find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

(cd "$STAGE" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
subst "$SRC/debian/control.in" >"$STAGE/DEBIAN/control"
subst "$SRC/debian/postinst.in" >"$STAGE/DEBIAN/postinst"
subst "$SRC/debian/prerm.in" >"$STAGE/DEBIAN/prerm"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/prerm"

DEB=$OUT/${PKG}_${VERSION}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
echo "mkdeb.sh: built $DEB"

# Packaging lint where lintian is installed (not a build dependency);
# NO_LINTIAN=1 skips it (scripts/ship-test.sh runs it as a test of its own).
if [ -z "${NO_LINTIAN:-}" ] && command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$DEB" || echo "mkdeb.sh: lintian reported the above"
fi
