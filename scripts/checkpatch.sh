#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's checkpatch.pl (--strict) over vlo's C sources and headers.
#
#   scripts/checkpatch.sh [FILE...]     default: src/*.[ch] include/*.h tests/*.c
#
# checkpatch.pl and the data files it reads come from Debian's kernel source
# tarball (/usr/src/linux-source-6.1.tar.xz, package linux-source-6.1); they
# are extracted once into ${VLO_CACHE:-/var/cache/vlo}/checkpatch. Nothing
# is fetched from the network. Any ERROR, WARNING or CHECK fails the run.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${VLO_CACHE:-/var/cache/vlo}
TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

# Checks that have no meaning for a module kept out of the kernel tree:
#  FILE_PATH_CHANGES  asks for a MAINTAINERS entry when files are added;
#                     vlo has no MAINTAINERS file to update.
#  LINUX_VERSION_CODE "code should be for the version to which it is merged";
#                     an out-of-tree module supports several kernels (vlo
#                     probes features, but a #error on the supported window
#                     uses the version).
IGNORE=FILE_PATH_CHANGES,LINUX_VERSION_CODE

if [[ ! -f $TARBALL ]]; then
	"$REPO/scripts/deps.sh" >&2 || true
	[[ -f $TARBALL ]] || {
		echo "checkpatch.sh: $TARBALL missing (apt-get install linux-source-6.1)" >&2
		exit 1
	}
fi

# One folder per tarball version, so an updated linux-source is re-extracted.
key=$(stat -c '%s-%Y' "$TARBALL")
dir=$CACHE/checkpatch/$key
if [[ ! -x $dir/checkpatch.pl ]]; then
	echo "checkpatch.sh: extracting checkpatch.pl from $TARBALL (once)..." >&2
	mkdir -p "$CACHE/checkpatch"
	tmp=$(mktemp -d "$CACHE/checkpatch/.x.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# The first member names the top folder; stop reading there.
	top=$(tar -tJf "$TARBALL" 2>/dev/null | head -n 1 | cut -d / -f 1) || true
	[[ -n $top ]] || { echo "checkpatch.sh: cannot read $TARBALL" >&2; exit 1; }
	tar -xJf "$TARBALL" -C "$tmp" --strip-components=2 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	trap - EXIT
fi

cd "$REPO"
if [[ $# -eq 0 ]]; then
	shopt -s nullglob
	set -- src/*.c src/*.h include/*.h tests/*.c
	shopt -u nullglob
fi
if [[ $# -eq 0 ]]; then
	echo "checkpatch.sh: no C files to check"
	exit 0
fi

# checkpatch exits non-zero on ERROR/WARNING but not on CHECK: count
# every reported line ourselves. --terse prints one line per problem
# ("file:line: LEVEL: TYPE: message").
out=$("$dir/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore "$IGNORE" -f "$@" 2>&1) || true
problems=$(grep -E ': (ERROR|WARNING|CHECK):' <<<"$out" || true)
if [[ -n $problems ]]; then
	printf '%s\n' "$problems"
	echo "checkpatch.sh: FAILED: $(wc -l <<<"$problems") problem(s) in $# file(s)"
	exit 1
fi
# Anything else checkpatch printed (other than its per-file totals) is
# worth seeing, e.g. a missing spelling.txt.
grep -v -E '^total: 0 errors, 0 warnings, 0 checks' <<<"$out" | sed '/^$/d' || true
echo "checkpatch.sh: $# file(s) clean (--strict)"
