#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building, linting and testing vlo needs, and nothing else.
#
#   scripts/deps.sh            install missing packages (quiet when none are)
#   scripts/deps.sh --check    only report what is missing (exit 1 if anything)
#   scripts/deps.sh --kdir     print the build tree of the newest Debian 6.1
#                              kernel that has both image and headers
#   scripts/deps.sh --release  print that kernel's release (6.1.0-N-amd64)
#   scripts/deps.sh --debug-kernel
#                              also what building a kernel from linux-source
#                              needs (scripts/debug-kernel.sh)
#
# The tests run in a QEMU guest that boots Debian's 6.1 kernel and uses the
# host's root file system read-only, so every tool a test calls must be
# installed here, on the host.
set -euo pipefail

# Tools, in the order the README lists them. Packages that come with every
# Debian system (coreutils, bash, gzip, ...) are not listed.
PACKAGES=(
	# build and lint
	gcc make perl python3 sparse xz-utils linux-source-6.1
	# the VM
	qemu-system-x86 busybox-static cpio kmod
	# what the tests and the demo call inside the guest
	iproute2 iputils-ping tcpdump ethtool iperf3 sockperf nftables
	procps psmisc util-linux
	# the XDP check of tests/vlo_route.sh and the vlo_xdp*.sh tests: a BPF
	# compiler, libbpf's headers and bpftool to read the program's map;
	# libbpf-dev also links tests/vlo_xsk (AF_XDP receiver)
	clang llvm libbpf-dev bpftool
	# JSON from iperf3 in tests/vlo_route.sh (and program/map ids in the
	# benchmark's XDP cases)
	jq
	# the benchmark's XDP cases and tests/vlo_xdp_redirect.sh:
	# xdp-trafficgen sends XDP frames through a device's ndo_xdp_xmit
	# (clang, libbpf-dev and bpftool above build the programs and find
	# their maps)
	xdp-tools
	# the benchmark's chart
	python3-matplotlib
)
# Building a whole kernel (the debug kernel of make check-debug) also needs
# Kconfig's parser generators, bc for the timeconst header, and libelf and
# OpenSSL headers for objtool and the certificate tools.
DEBUG_KERNEL_PACKAGES=(flex bison bc libelf-dev libssl-dev)
# The kernel the VM boots and the headers vlo.ko is built against. The two
# metapackages are installed together so the image and the headers always
# have the same ABI number (a module built for 6.1.0-57 does not load
# into 6.1.0-56).
KERNEL_PACKAGES=(linux-image-amd64 linux-headers-amd64)

# Newest 6.1 release with both a bootable image and a build tree, or nothing.
kernel_release()
{
	local dir rel best=""

	for dir in /lib/modules/6.1.*-amd64; do
		rel=${dir#/lib/modules/}
		[[ -f $dir/build/Makefile && -f /boot/vmlinuz-$rel ]] || continue
		best+="$rel"$'\n'
	done
	[[ -n $best ]] || return 1
	printf '%s' "$best" | sort -V | tail -n 1
}

missing_packages()
{
	local pkg status

	# One dpkg-query for all names; names it does not know print nothing
	# on stdout, so anything not reported as "ii" is missing.
	declare -A installed=()
	while read -r pkg status; do
		[[ $status == ii* ]] && installed[$pkg]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
			"${PACKAGES[@]}" 2>/dev/null || true)
	for pkg in "${PACKAGES[@]}"; do
		[[ -n ${installed[$pkg]:-} ]] || echo "$pkg"
	done
	if ! kernel_release >/dev/null; then
		printf '%s\n' "${KERNEL_PACKAGES[@]}"
	fi
}

main()
{
	local mode=${1:-install}
	local -a missing sudo=()

	case $mode in
	--kdir)
		local rel
		rel=$(kernel_release) || {
			echo "deps.sh: no Debian 6.1 kernel with headers; run scripts/deps.sh" >&2
			exit 1
		}
		echo "/lib/modules/$rel/build"
		return
		;;
	--release)
		kernel_release || {
			echo "deps.sh: no Debian 6.1 kernel with headers; run scripts/deps.sh" >&2
			exit 1
		}
		return
		;;
	--debug-kernel)
		PACKAGES+=("${DEBUG_KERNEL_PACKAGES[@]}")
		mode=install
		;;
	--check|install) ;;
	-h|--help)
		sed -n '4,16p' "$0"
		return
		;;
	*)
		echo "deps.sh: unknown option '$mode' (see --help)" >&2
		exit 2
		;;
	esac

	mapfile -t missing < <(missing_packages)
	[[ ${#missing[@]} -eq 0 ]] && return 0

	if [[ $mode == --check ]]; then
		echo "deps.sh: missing: ${missing[*]}"
		exit 1
	fi

	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null; then
			sudo=(sudo)
		else
			echo "deps.sh: missing packages and not root; run as root:" >&2
			echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
			exit 1
		fi
	fi

	echo "deps.sh: installing: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Refresh the package lists only now that something is missing, so
	# the common case (all present) stays fast and offline.
	"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 -q update >&2
	"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 -q install -y \
		--no-install-recommends "${missing[@]}" >&2

	mapfile -t missing < <(missing_packages)
	if [[ ${#missing[@]} -ne 0 ]]; then
		echo "deps.sh: still missing after install: ${missing[*]}" >&2
		exit 1
	fi
	echo "deps.sh: done; kernel for tests: $(kernel_release)" >&2
}

main "$@"
