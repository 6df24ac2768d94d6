#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the debug kernel that `make check-debug` boots: Debian's
# linux-source-6.1 with a small config (allnoconfig + scripts/debug-kernel.config)
# carrying KASAN, lockdep, kmemleak, DEBUG_OBJECTS, fault injection, ...
#
# Usage: scripts/debug-kernel.sh [--config-only] [--print-env] [--jobs N]
#   --config-only  extract and configure, verify the config, stop
#   --print-env    print VLO_DEBUG_* shell assignments of a finished build
#                  (exit 1 if there is none) and build nothing
#   --jobs N       parallel make jobs (default 2; the host has 2 shared cores)
# On success the last lines on stdout are the VLO_DEBUG_* assignments, so a
# caller can `eval "$(scripts/debug-kernel.sh | grep ^VLO_DEBUG_)"`:
#   VLO_DEBUG_KERNEL   the bzImage to boot
#   VLO_DEBUG_MODULES  its module tree (INSTALL_MOD_PATH, for vm-run --modules)
#   VLO_DEBUG_KDIR     the build tree: build vlo with KDIR=<this>
#   VLO_DEBUG_RELEASE  its release string
#
# The cache, ${VLO_CACHE:-/var/cache/vlo}/debug-kernel/:
#   tree-<src>/linux  the build tree, one per source package version and
#                     compiler (<src> hashes them). Its path never changes:
#                     after a change to the fragment Kbuild recompiles only
#                     what the changed options touch (a moved tree would
#                     rebuild objtool, and with it every object).
#   <key>/            the outputs of one build: bzImage, modules/, config,
#                     build.log, info (inputs, release, wall and CPU time).
#                     <key> hashes the fragment and <src>: the kernel is
#                     rebuilt only when one of those changes.
# A build is usable while the tree still holds it (tree-<src>/key = <key>);
# outputs of other keys and trees of other sources are removed.

set -euo pipefail

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
FRAGMENT=$SRCDIR/scripts/debug-kernel.config
TARBALL=/usr/src/linux-source-6.1.tar.xz
SRCPKG=linux-source-6.1
CACHE=${VLO_CACHE:-/var/cache/vlo}/debug-kernel
# Bump when this script changes how the kernel is built (not just configured).
RECIPE=2

JOBS=2
MODE=build

say() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() { awk 'NR > 3 && !/^#/ { exit } NR > 3 { sub(/^# ?/, ""); print }' "$0"; }

while [ $# -gt 0 ]; do
	case $1 in
	--config-only) MODE=config ;;
	--print-env) MODE=print-env ;;
	--jobs) JOBS=${2:?--jobs needs a number}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

# What a kernel build needs beyond vlo's own build (flex, bison, libelf, ...).
if [ "$MODE" != print-env ]; then
	"$SRCDIR/scripts/deps.sh" --debug-kernel >&2 ||
		die "could not install the kernel build dependencies"
fi
[ -f "$TARBALL" ] || die "$TARBALL missing: apt-get install $SRCPKG"
[ -f "$FRAGMENT" ] || die "$FRAGMENT missing"

SRCVER=$(dpkg-query -W -f='${Version}' "$SRCPKG" 2>/dev/null) ||
	die "package $SRCPKG is not installed"
CCVER=$(gcc --version | head -n1)
SRC=$(printf '%s\n' "$SRCPKG $SRCVER" "$CCVER" "recipe $RECIPE" |
	sha256sum | cut -c1-12)
KEY=$( { cat "$FRAGMENT"; echo "$SRC"; } | sha256sum | cut -c1-16)
TOP=$CACHE/tree-$SRC
TREE=$TOP/linux
DIR=$CACHE/$KEY

# The tree holds this key's build and its outputs are complete.
built() {
	[ -f "$DIR/.done" ] && [ "$(cat "$TOP/key" 2>/dev/null)" = "$KEY" ]
}

print_env() {
	local rel
	rel=$(cat "$DIR/release")
	# Everything is built in, so modules_install leaves no kernel/ folder;
	# scripts/vm-run takes a --modules tree only when it has one.
	mkdir -p "$DIR/modules/lib/modules/$rel/kernel" 2>/dev/null || true
	echo "VLO_DEBUG_KERNEL=$DIR/bzImage"
	echo "VLO_DEBUG_MODULES=$DIR/modules"
	echo "VLO_DEBUG_KDIR=$TREE"
	echo "VLO_DEBUG_RELEASE=$rel"
}

if [ "$MODE" = print-env ]; then
	built || { say "no finished build for key $KEY in $CACHE"; exit 1; }
	print_env
	exit 0
fi

mkdir -p "$CACHE"
# One builder at a time per cache; a second caller waits and then reuses.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
	say "another build holds $CACHE/.lock, waiting"
	flock 9
fi

if [ "$MODE" = build ] && built; then
	say "cached: $DIR ($(cat "$DIR/release"))"
	ln -sfn "$KEY" "$CACHE/current"
	print_env
	exit 0
fi

if [ "$MODE" = config ] && built; then
	say "key $KEY is built; its config: $DIR/config"
	exit 0
fi

say "key $KEY: $SRCPKG $SRCVER, $CCVER"
if [ ! -f "$TOP/.extracted" ]; then
	say "extracting $TARBALL"
	rm -rf "${TOP:?}"
	mkdir -p "$TOP"
	tar -xJf "$TARBALL" -C "$TOP"
	mv "$TOP/$SRCPKG" "$TREE"
	touch "$TOP/.extracted"
fi
# From here on the tree no longer holds the previous key's build.
rm -f "$TOP/key"
rm -rf "${DIR:?}"
mkdir -p "$DIR"

# Compare every CONFIG_ line of the fragment with the final .config. Kconfig
# drops an option whose dependencies are not met without a word: that is
# the failure this catches. Prints the mismatches, fails if there are any.
verify_config() {
	awk '
	FNR == NR {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) {
			i = index($0, "=")
			k = substr($0, 1, i - 1)
			want[k] = substr($0, i + 1); order[n++] = k
		} else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/) {
			want[$2] = "n"; order[n++] = $2
		}
		next
	}
	/^CONFIG_/ { i = index($0, "="); have[substr($0, 1, i - 1)] = substr($0, i + 1) }
	END {
		bad = 0
		for (j = 0; j < n; j++) {
			k = order[j]; h = (k in have) ? have[k] : "n"
			if (h != want[k]) {
				printf "  %s: wanted %s, got %s\n", k, want[k], h
				bad++
			}
		}
		exit bad > 0
	}' "$FRAGMENT" "$TREE/.config"
}

# Kbuild settings shared by every make call: fixed build identity so the
# tree does not depend on who built it.
MAKEVARS=(KBUILD_BUILD_USER=vlo KBUILD_BUILD_HOST=debug-kernel)

say "configuring: allnoconfig + $(basename "$FRAGMENT")"
make -s -C "$TREE" "${MAKEVARS[@]}" KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig >&2
make -s -C "$TREE" "${MAKEVARS[@]}" olddefconfig >&2
if ! missing=$(verify_config); then
	say "options of the fragment not in the final .config (unmet dependencies?):"
	printf '%s\n' "$missing" >&2
	exit 1
fi
say "config verified: every fragment option is set;" \
	"$(grep -c '=y$' "$TREE/.config") options =y," \
	"$(grep -c '=m$' "$TREE/.config" || true) =m"
cp "$TREE/.config" "$DIR/config"
[ "$MODE" = config ] && exit 0

# Print a progress line every minute while make runs: elapsed time, objects
# compiled so far and the last one.
progress() {
	local start=$1 log=$2 n last
	while sleep 60; do
		n=$(grep -c '^  CC ' "$log" 2>/dev/null || true)
		last=$(grep '^  CC ' "$log" 2>/dev/null | tail -n1 | awk '{print $2}')
		say "building: $(( ($(date +%s) - start) / 60 )) min, $n objects, at ${last:-?}"
	done
}

say "building bzImage + modules with make -j$JOBS (nice 15); log: $DIR/build.log"
start=$(date +%s)
progress "$start" "$DIR/build.log" &
progress_pid=$!
trap 'kill "$progress_pid" 2>/dev/null || true' EXIT
if ! nice -n 15 make -C "$TREE" "${MAKEVARS[@]}" -j"$JOBS" bzImage modules \
		>"$DIR/build.log" 2>&1; then
	kill "$progress_pid" 2>/dev/null || true
	tail -n 40 "$DIR/build.log" >&2
	die "kernel build failed (full log: $DIR/build.log)"
fi
kill "$progress_pid" 2>/dev/null || true
secs=$(( $(date +%s) - start ))
# CPU time of make and the compilers (children of this shell): with other
# work on the machine, wall time says little; CPU time / jobs is what the
# build needs on idle cores. (times must run in this shell, not in $(...).)
times >"$DIR/.times"
cpu=$(tail -n 1 "$DIR/.times" | awk '{
	t = 0
	for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
	printf "%d", t }')
objs=$(grep -c '^  CC ' "$DIR/build.log" || true)

release=$(make -s -C "$TREE" kernelrelease)
make -s -C "$TREE" "${MAKEVARS[@]}" INSTALL_MOD_PATH="$DIR/modules" modules_install >&2
cp "$TREE/arch/x86/boot/bzImage" "$DIR/bzImage"
echo "$release" >"$DIR/release"
{
	echo "source: $SRCPKG $SRCVER"
	echo "compiler: $CCVER"
	echo "release: $release"
	echo "options =y: $(grep -c '=y$' "$TREE/.config")"
	echo "objects compiled: $objs"
	echo "build seconds: $secs (make -j$JOBS, nice 15)"
	echo "build cpu seconds: $cpu"
	echo "built: $(date -u +%FT%TZ)"
} >"$DIR/info"
echo "$KEY" >"$TOP/key"
touch "$DIR/.done"
ln -sfn "$KEY" "$CACHE/current"
say "built $release: $objs objects in $((secs / 60)) min $((secs % 60)) s" \
	"($((cpu / 60)) CPU-min: about $((cpu / 60 / JOBS)) min on $JOBS idle cores)"

# Outputs of other keys (their tree is gone) and trees of other sources.
for old in "$CACHE"/*/; do
	old=${old%/}
	case ${old##*/} in
	"$KEY"|"tree-$SRC") continue ;;
	esac
	[ ! -L "$old" ] || continue	# the "current" link
	say "removing $old"
	rm -rf "${old:?}"
done

print_env
