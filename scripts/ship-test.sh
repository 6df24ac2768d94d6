#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CI test of shipping vlo (run after `make check`, as root, on the build
# machine): the man pages, `make deb` and the vlo-dkms package installed
# with apt and built by DKMS for the installed 6.1 headers, that module
# autoloaded in the VM by `ip link add x type vlo`, the package removed
# again; `make install`/`make uninstall` into a DESTDIR; `make dkms-install`
# and `scripts/dkms.sh remove`; `make sign`.
#
# It changes the live system (apt, /usr/src, /var/lib/dkms, /lib/modules)
# and puts it back: every vlo file it installs is removed again, also when
# a step fails or the run is interrupted, and the last test compares the
# machine with a snapshot taken at the start. It refuses to start on a
# machine where vlo is already installed. The packages it needs (dkms,
# groff, man-db, openssl, lintian) are installed when missing and stay,
# like those of scripts/deps.sh.
#
# Output: KTAP-like "ok N ..." / "not ok N ..." lines, diagnostics as
# "# ..." lines, and a last line "N passed, N failed, N skipped" (a test
# that cannot run here, "ok N ... # SKIP reason", is not a pass). Exit
# status 0 only if no test failed.
#
#   scripts/ship-test.sh            the test (KERNELRELEASE: which kernel;
#                                   default the newest 6.1 with headers)
#   scripts/ship-test.sh --guest V  the checks run inside the VM (internal)

set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC" || exit 1

vlo_version() {
	sed -n 's/^#define VLO_VERSION "\(.*\)"$/\1/p' "$SRC/src/vlo.h"
}

# Render a man page with man-db and groff: non-empty, and no warning from
# either (groff -ww enables them all).
man_renders() {
	local page=$1 out err
	err=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
	out=$(MANWIDTH=80 man -l "$page" 2>/dev/null | cat)
	if [ -n "$err" ]; then
		echo "man -l $page: $err"
		return 1
	fi
	if [ "$(printf '%s\n' "$out" | grep -c .)" -lt 20 ] ||
	   ! printf '%s\n' "$out" | grep '^NAME' >/dev/null; then
		echo "man -l $page rendered almost nothing:"
		printf '%s\n' "$out" | head -5
		return 1
	fi
	case $page in
	*.gz) err=$(zcat "$page" | groff -man -ww -z 2>&1) ;;
	*) err=$(groff -man -ww -z "$page" 2>&1) ;;
	esac
	if [ -n "$err" ]; then
		echo "groff -man -ww $page: $err"
		return 1
	fi
}

# ---------------------------------------------------------------------------
# In the guest: the installed module must load by itself, from the tree
# that DKMS installed to. Prints its own "ok"/"not ok" lines.
vlo_loaded() { grep -q '^vlo ' /proc/modules; }
vlo_absent() { ! vlo_loaded; }
lsmod_has_vlo() { lsmod | grep '^vlo ' >/dev/null; }
is_vlo_dev() { ip -d link show "$1" | grep -w vlo >/dev/null; }
# The shipped modprobe.d example as the only configuration: vlo0..vlo3.
modprobe_example() {
	local i
	modprobe -C examples/modprobe.d vlo || return 1
	for i in 0 1 2 3; do
		ip link show "vlo$i" >/dev/null || return 1
	done
	! ip link show vlo4 >/dev/null 2>&1
}
unload_deletes_devs() { modprobe -r vlo && ! ip link show vlo0 >/dev/null 2>&1; }
# The shipped systemd-networkd example, as at boot: udevd announces vlo0
# (networkd waits for udev), networkd gives it the example's addresses.
networkd_example() {
	local i ok=1 nd=/usr/lib/systemd/systemd-networkd pid
	/lib/systemd/systemd-udevd --daemon || return 1
	modprobe vlo || return 1
	udevadm trigger --subsystem-match=net --action=add
	udevadm settle -t 20
	mkdir -p /run/systemd/network
	cp examples/systemd-networkd/50-vlo0.network /run/systemd/network/
	"$nd" >/tmp/networkd.log 2>&1 &
	pid=$!
	for i in $(seq 1 60); do
		ip addr show vlo0 | grep 'inet 192.0.2.2/24' >/dev/null &&
			ip addr show vlo0 | grep 'inet6 2001:db8::2/64' >/dev/null && ok=0 && break
		sleep 0.5
	done
	ip addr show vlo0
	kill "$pid"
	wait "$pid"
	udevadm control --exit
	[ $ok = 0 ] || { cat /tmp/networkd.log; return 1; }
	modprobe -r vlo
}
helper_runs() { vlo-route --help | grep 'vlo-route add DEV' >/dev/null; }

guest() {
	local ver=$1 want n fails=0
	want=/lib/modules/$(uname -r)/updates/dkms/vlo.ko
	g() {
		local d=$1
		shift
		if "$@"; then
			echo "=> guest: ok $d"
		else
			echo "=> guest: not ok $d"
			fails=$((fails + 1))
		fi
	}
	g "vlo not loaded at boot" vlo_absent
	g "ip link add x type vlo (no insmod)" ip link add x type vlo
	g "lsmod shows vlo (autoloaded via rtnl-link-vlo)" lsmod_has_vlo
	n=$(modinfo -n vlo 2>&1)
	g "modinfo -n vlo is the DKMS module ($n)" test "$n" = "$want"
	g "loaded version is $ver" test "$(cat /sys/module/vlo/version 2>&1)" = "$ver"
	g "x is a vlo device" is_vlo_dev x
	g "ip link del x" ip link del x
	g "modprobe -r vlo" modprobe -r vlo
	g "vlo unloaded" vlo_absent
	g "modprobe with examples/modprobe.d makes vlo0..vlo3" modprobe_example
	g "numdevs=4 from modprobe.d" test "$(cat /sys/module/vlo/parameters/numdevs 2>&1)" = 4
	g "modprobe -r vlo removes vlo0..vlo3" unload_deletes_devs
	if [ -x /usr/lib/systemd/systemd-networkd ] && [ -x /lib/systemd/systemd-udevd ]; then
		g "systemd-networkd example configures vlo0's addresses" networkd_example
	else
		echo "=> guest: ok systemd-networkd example # SKIP systemd-networkd not installed"
	fi
	g "man -l renders the installed vlo(4)" man_renders /usr/share/man/man4/vlo.4.gz
	g "man -l renders the installed vlo-route(8)" man_renders /usr/share/man/man8/vlo-route.8.gz
	g "installed vlo-route --help" helper_runs
	[ "$fails" = 0 ]
}

if [ "${1:-}" = "--guest" ]; then
	guest "${2:?}"
	exit
fi

# ---------------------------------------------------------------------------
# On the host.

T0=$(date +%s)
NUM=0
PASSED=0
FAILED=0
SKIPPED=0
LOG=$(mktemp /tmp/vlo-ship-test.XXXXXX)
WORK=$(mktemp -d /tmp/vlo-ship-work.XXXXXX)

# run DESCRIPTION FUNCTION [ARGS]: one test; its output is shown as
# diagnostics when it fails (and its last lines when it passes, for the
# interesting ones that print a summary with "=>").
run() {
	local desc=$1 rc t
	shift
	NUM=$((NUM + 1))
	t=$(date +%s)
	"$@" >"$LOG" 2>&1
	rc=$?
	t=$(($(date +%s) - t))
	if [ $rc = 0 ]; then
		PASSED=$((PASSED + 1))
		echo "ok $NUM $desc"
		grep '^=>' "$LOG" | sed 's/^=> */# /'
	else
		FAILED=$((FAILED + 1))
		echo "not ok $NUM $desc"
		tail -n 40 "$LOG" | sed 's/^/# /'
	fi
	echo "# ${t} s"
}

skip() {
	NUM=$((NUM + 1))
	SKIPPED=$((SKIPPED + 1))
	echo "ok $NUM $1 # SKIP $2"
}

# The 6.1 kernel whose headers are installed (the host may run another).
pick_krel() {
	local d
	for d in $(find /lib/modules -mindepth 1 -maxdepth 1 -name '6.1.*' -printf '%f\n' | sort -rV); do
		if [ -f "/lib/modules/$d/build/Makefile" ] && [ -f "/boot/vmlinuz-$d" ]; then
			echo "$d"
			return
		fi
	done
}

VER=$(vlo_version)
KREL=${KERNELRELEASE:-$(pick_krel)}
DEB=$SRC/build/vlo-dkms_${VER}_all.deb
APT=(apt-get -o DPkg::Lock::Timeout=600 -y --no-install-recommends)
export DEBIAN_FRONTEND=noninteractive

echo "KTAP version 1"
echo "1..13"
echo "# vlo $VER, kernel $KREL"

bail() {
	echo "Bail out! $*"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
}
[ "$(id -u)" = 0 ] || bail "must run as root (installs packages and modules)"
[ -n "$VER" ] || bail "no VLO_VERSION in src/vlo.h"
[ -n "$KREL" ] || bail "no 6.1 kernel with headers and a /boot image (scripts/deps.sh)"

# Tools this test needs; apt only when one is missing.
need=()
command -v dkms >/dev/null || need+=(dkms)
command -v groff >/dev/null || need+=(groff)
command -v man >/dev/null || need+=(man-db)
command -v openssl >/dev/null || need+=(openssl)
command -v lintian >/dev/null || need+=(lintian)
if [ ${#need[@]} -gt 0 ]; then
	echo "# installing ${need[*]}"
	# A fresh machine may have no package lists yet.
	"${APT[@]}" install "${need[@]}" >"$LOG" 2>&1 ||
		{ apt-get -o DPkg::Lock::Timeout=600 update >>"$LOG" 2>&1 &&
		  "${APT[@]}" install "${need[@]}" >>"$LOG" 2>&1; } ||
		{ sed 's/^/# /' "$LOG"; bail "could not install ${need[*]}"; }
fi

# What "as found" means: vlo absent, and this snapshot unchanged.
snapshot() {
	{
		dpkg-query -W -f='${Package} ${Status}\n' 'vlo*' 2>/dev/null
		dkms status 2>/dev/null
		ls -1 /usr/src /var/lib/dkms 2>/dev/null
		ls -l /usr/sbin/vlo-route /usr/share/man/man4/vlo.4.gz \
			/usr/share/man/man8/vlo-route.8.gz 2>&1
		# The module tree minus the kernel's symlinks to its headers;
		# depmod's indexes by content: they are rebuilt after each removal.
		(cd "/lib/modules/$KREL" && find . -path ./build -prune -o -path ./source -prune -o -print | sort)
		md5sum "/lib/modules/$KREL"/modules.{alias,dep,symbols,softdep,devname} 2>/dev/null
	} | sort
}

leftovers() {
	dpkg-query -W -f='${Status}' vlo-dkms 2>/dev/null | grep 'installed\|config-files' >/dev/null &&
		echo "package vlo-dkms is installed"
	[ -n "$(dkms status -m vlo 2>/dev/null)" ] && echo "dkms has vlo: $(dkms status -m vlo)"
	find /lib/modules -name 'vlo.ko*' -printf '%p\n' 2>/dev/null
	find /usr/src -maxdepth 1 -name 'vlo-*' -printf '%p\n' 2>/dev/null
	[ -e /var/lib/dkms/vlo ] && echo /var/lib/dkms/vlo
	[ -e /usr/sbin/vlo-route ] && echo /usr/sbin/vlo-route
	return 0
}

found=$(leftovers)
if [ -n "$found" ]; then
	printf '# %s\n' "$found"
	bail "vlo is already installed on this machine; remove it first (apt-get remove --purge vlo-dkms; scripts/dkms.sh remove; make uninstall)"
fi
BEFORE=$WORK/before
snapshot >"$BEFORE"
# dkms makes itself a module signing key on its first build; ours to remove
# if it was not there.
MOK_EXISTED=0
[ -e /var/lib/dkms/mok.key ] && MOK_EXISTED=1

cleanup() {
	if dpkg-query -W -f='${Status}' vlo-dkms 2>/dev/null | grep 'installed\|config-files' >/dev/null; then
		"${APT[@]}" remove --purge vlo-dkms >/dev/null 2>&1 || dpkg --purge vlo-dkms >/dev/null 2>&1
	fi
	[ -n "$(dkms status -m vlo 2>/dev/null)" ] && "$SRC/scripts/dkms.sh" remove >/dev/null 2>&1
	if [ $MOK_EXISTED = 0 ]; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
	rm -rf "$WORK" "$LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the tests -------------------------------------------------------------

t_man_source() {
	man_renders man/vlo.4 && man_renders man/vlo-route.8
}

t_make_deb() {
	local f info contents
	rm -f "$SRC"/build/vlo-dkms_*.deb
	make -s deb NO_LINTIAN=1 || return 1
	[ -f "$DEB" ] || { echo "no $DEB"; return 1; }
	info=$(dpkg-deb -f "$DEB") || return 1
	echo "$info"
	for f in "Package: vlo-dkms" "Version: $VER" "Architecture: all" \
		 "Section: kernel" "Priority: optional"; do
		grep -qx "$f" <<<"$info" || { echo "missing field: $f"; return 1; }
	done
	grep -q '^Depends: .*\bdkms\b' <<<"$info" || { echo "no Depends: dkms"; return 1; }
	grep -q '^Maintainer: .*<.*@.*>' <<<"$info" || { echo "no Maintainer"; return 1; }
	grep -q '^Recommends: linux-headers' <<<"$info" || { echo "no Recommends: linux-headers"; return 1; }
	contents=$(dpkg-deb -c "$DEB" | awk '{ print $6 }') || return 1
	for f in ./usr/src/vlo-$VER/dkms.conf ./usr/src/vlo-$VER/Makefile \
		 ./usr/src/vlo-$VER/Kbuild ./usr/src/vlo-$VER/src/vlo.h \
		 ./usr/src/vlo-$VER/include/compat-probe.sh ./usr/sbin/vlo-route \
		 ./usr/share/man/man4/vlo.4.gz ./usr/share/man/man8/vlo-route.8.gz \
		 ./usr/share/doc/vlo-dkms/copyright \
		 ./usr/share/doc/vlo-dkms/examples/modprobe.d/vlo.conf; do
		grep -qx -- "$f" <<<"$contents" || { echo "not in the package: $f"; return 1; }
	done
	dpkg-deb --ctrl-tarfile "$DEB" | tar -tf - | grep '^./postinst$' >/dev/null || { echo "no postinst"; return 1; }
	dpkg-deb --ctrl-tarfile "$DEB" | tar -tf - | grep '^./prerm$' >/dev/null || { echo "no prerm"; return 1; }
	echo "=> $(basename "$DEB"), $(stat -c %s "$DEB") bytes"
}

t_lintian() {
	local out
	out=$(lintian --tag-display-limit 0 "$DEB" 2>&1 | grep -v '^running with root privileges')
	echo "$out"
	! grep -q '^E:' <<<"$out"
}

t_apt_install() {
	"${APT[@]}" install "$DEB"
}

t_dkms_built() {
	local st ko
	st=$(dkms status -m vlo -v "$VER" -k "$KREL")
	echo "dkms status: $st"
	grep -q ": installed" <<<"$st" || return 1
	ko=/lib/modules/$KREL/updates/dkms/vlo.ko
	[ -f "$ko" ] || { echo "no $ko"; find /lib/modules -name 'vlo.ko*'; return 1; }
	modinfo "$ko"
	[ "$(modinfo -F version "$ko")" = "$VER" ] || return 1
	modinfo -F alias "$ko" | grep -x rtnl-link-vlo >/dev/null || return 1
	[ -n "$(modinfo -F description "$ko")" ] || return 1
	[ -n "$(modinfo -F author "$ko")" ] || return 1
	[ "$(modinfo -F license "$ko")" = GPL ] || return 1
	modinfo -F parm "$ko" | grep '^numdevs:.' >/dev/null || return 1
	grep -q '^alias rtnl-link-vlo vlo$' "/lib/modules/$KREL/modules.alias" ||
		{ echo "depmod did not index the alias"; return 1; }
	/usr/sbin/vlo-route --help >/dev/null || return 1
	echo "=> $st"
	echo "=> $ko: $(modinfo -F description "$ko"), version $VER, alias rtnl-link-vlo"
}

t_vm() {
	"$SRC/scripts/vm-run" --kernel "/boot/vmlinuz-$KREL" --timeout 240 -- \
		"$SRC/scripts/ship-test.sh" --guest "$VER"
}

t_apt_remove() {
	local left
	"${APT[@]}" remove --purge vlo-dkms || return 1
	left=$(leftovers)
	if [ -n "$left" ]; then
		echo "left behind: $left"
		return 1
	fi
	if grep -q 'rtnl-link-vlo' "/lib/modules/$KREL/modules.alias"; then
		echo "modules.alias still has vlo"
		return 1
	fi
}

t_make_install_destdir() {
	local d=$WORK/destdir want got
	mkdir -p "$d"
	make -s install DESTDIR="$d" KERNELRELEASE="$KREL" || return 1
	want=$(printf '%s\n' "lib/modules/$KREL/extra/vlo.ko" usr/sbin/vlo-route \
		usr/share/man/man4/vlo.4.gz usr/share/man/man8/vlo-route.8.gz | sort)
	got=$(cd "$d" && find . -type f | sed 's|^\./||' | sort)
	if [ "$want" != "$got" ]; then
		echo "expected files:"; echo "$want"; echo "got:"; echo "$got"
		return 1
	fi
	[ -x "$d/usr/sbin/vlo-route" ] || return 1
	[ "$(modinfo -F version "$d/lib/modules/$KREL/extra/vlo.ko")" = "$VER" ] || return 1
	zcat "$d/usr/share/man/man4/vlo.4.gz" | cmp -s - man/vlo.4 || return 1
	echo "=> $(cd "$d" && find . -type f | sed 's|^\./|/|' | tr '\n' ' ')"
}

t_make_uninstall_destdir() {
	local d=$WORK/destdir left
	make -s uninstall DESTDIR="$d" KERNELRELEASE="$KREL" || return 1
	left=$(cd "$d" && find . -type f)
	[ -z "$left" ] || { echo "left in DESTDIR: $left"; return 1; }
}

t_dkms_install() {
	local st
	make -s dkms-install KERNELRELEASE="$KREL" || return 1
	st=$(dkms status -m vlo -v "$VER" -k "$KREL")
	grep -q ": installed" <<<"$st" || { echo "dkms status: $st"; return 1; }
	[ -f "/lib/modules/$KREL/updates/dkms/vlo.ko" ] || return 1
	[ -f "/usr/src/vlo-$VER/dkms.conf" ] || return 1
	echo "=> $st"
}

t_dkms_remove() {
	local left
	scripts/dkms.sh remove || return 1
	left=$(leftovers)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
}

t_sign() {
	local k=$WORK/sign out
	mkdir -p "$k"
	make -s KERNELRELEASE="$KREL" modules || return 1
	cp vlo.ko "$k/vlo.ko"
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -outform DER \
		-subj "/CN=vlo ship-test key/" -keyout "$k/key.priv" -out "$k/cert.der" 2>/dev/null || return 1
	# Missing key: a clear error, no prompt, nothing signed.
	if out=$(KERNELRELEASE="$KREL" MODULE="$k/vlo.ko" CERT="$k/cert.der" scripts/sign.sh </dev/null 2>&1); then
		echo "sign.sh without KEY succeeded"; return 1
	fi
	grep -q 'no signing key' <<<"$out" || { echo "unclear error: $out"; return 1; }
	make -s sign KERNELRELEASE="$KREL" MODULE="$k/vlo.ko" KEY="$k/key.priv" CERT="$k/cert.der" </dev/null || return 1
	[ "$(modinfo -F signer "$k/vlo.ko")" = "vlo ship-test key" ] || return 1
	# Signing again replaces the signature.
	local size
	size=$(stat -c %s "$k/vlo.ko")
	KERNELRELEASE="$KREL" MODULE="$k/vlo.ko" SIGN_KEY="$k/key.priv" SIGN_CERT="$k/cert.der" scripts/sign.sh </dev/null || return 1
	[ "$(stat -c %s "$k/vlo.ko")" = "$size" ] || { echo "second signature stacked"; return 1; }
	echo "=> signer: $(modinfo -F signer "$k/vlo.ko"), $(modinfo -F sig_hashalgo "$k/vlo.ko")"
}

t_as_found() {
	local after=$WORK/after
	[ $MOK_EXISTED = 0 ] && rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	snapshot >"$after"
	diff "$BEFORE" "$after"
}

run "man pages render (groff -ww, man -l) from man/" t_man_source
run "make deb builds a vlo-dkms package with the expected fields and files" t_make_deb
if command -v lintian >/dev/null; then
	run "lintian reports no errors on the package" t_lintian
else
	skip "lintian reports no errors on the package" "lintian not installed"
fi
run "apt-get install ./build/vlo-dkms_${VER}_all.deb" t_apt_install
run "DKMS built and installed vlo for $KREL; modinfo complete" t_dkms_built
run "VM: ip link add x type vlo autoloads the DKMS module; man -l; modprobe.d example" t_vm
run "apt-get remove --purge vlo-dkms leaves no module, dkms tree or helper" t_apt_remove
run "make install DESTDIR=... KERNELRELEASE=$KREL lays out exactly the expected files" t_make_install_destdir
run "make uninstall DESTDIR=... removes them" t_make_uninstall_destdir
run "make dkms-install KERNELRELEASE=$KREL (dkms add/build/install)" t_dkms_install
run "scripts/dkms.sh remove" t_dkms_remove
run "make sign: error without a key, signs with one, re-signing replaces" t_sign
run "machine left as found" t_as_found

echo "# $(($(date +%s) - T0)) s"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
