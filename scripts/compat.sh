#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make compat`: build vlo against every kernel of the matrix (Debian 5.10,
# 6.1, 6.12 and sid's 7.x) with W=1, boot each kernel in the VM with its own
# modules and run the selftest suite there, then print one table.
#
#   scripts/compat.sh [--build-only] [--kernels "5.10 6.12"] [--timeout SEC]
#                     [--tests "vlo_link vlo_netns"]
#
# --tests runs only those tests of the suite (default: all of them).
#
# Kernels are fetched and cached by scripts/kernels.sh. Each kernel's build
# happens in a copy of the sources, ${VLO_CACHE}/build/<suite>/, so the
# repository's own vlo.ko stays the one for the host's 6.1. Logs:
# ${VLO_CACHE}/build/<suite>/{build,test}.log.
#
# Exit status: non-zero if any build fails or warns, or any test fails.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
VLO_CACHE=${VLO_CACHE:-/var/cache/vlo}
export VLO_CACHE
ALL_LABELS="5.10 6.1 6.12 7.x"

labels=$ALL_LABELS
build_only=0
timeout=1800
tests_sel=""

usage() { sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--build-only) build_only=1; shift ;;
	--kernels) labels=${2:?--kernels needs a list}; shift 2 ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
	--tests) tests_sel=${2:?--tests needs a list}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "compat: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done

log() { printf 'compat: %s\n' "$*" >&2; }

suite_of() {
	case $1 in
	5.10) echo bullseye ;; 6.1) echo bookworm ;;
	6.12) echo bookworm-backports ;; 7.x|sid) echo sid ;;
	esac
}

# Fresh copy of what Kbuild needs, so no object of another kernel leaks in.
copy_sources() {
	local dst=$1
	rm -rf "$dst"
	mkdir -p "$dst"
	cp -a "$REPO/Kbuild" "$REPO/Makefile" "$REPO/src" "$REPO/include" "$dst/"
	find "$dst" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete
}

# build_one ENVFILE BUILDDIR: make modules W=1; output in BUILDDIR/build.log.
build_one() {
	local env=$1 bdir=$2
	(
		# shellcheck disable=SC1090
		. "$env"
		# Through the project's Makefile, as a user would build for
		# another kernel (make KDIR=...).
		local mk=(nice -n 10 make -C "$bdir" KDIR="$KDIR" CC="$CC" KBUILD_ARGS=W=1 modules)
		if [ -z "$CHROOT" ]; then
			"${mk[@]}"
		else
			# sid's kbuild binaries need sid's glibc: build in its
			# chroot, with the headers and the build copy bind-mounted
			# at the same paths. A private mount namespace drops the
			# mounts when the build ends, whatever happens.
			unshare -m /bin/sh -ec '
				ch=$1 kroot=$2 bdir=$3
				shift 3
				for d in "$kroot" "$bdir"; do
					mkdir -p "$ch$d"
					mount --bind "$d" "$ch$d"
				done
				mount -t proc proc "$ch/proc"
				mount --rbind /dev "$ch/dev"
				exec chroot "$ch" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root "$@"
			' sh "$CHROOT" "$MODROOT" "$bdir" "${mk[@]}"
		fi
	) >"$bdir/build.log" 2>&1
}

# Totals from the suite's KTAP output: the kselftest "# Totals:" line when
# there is one, else count the top-level result lines.
parse_totals() {
	local f=$1 line p fl s
	line=$(grep -E '^# Totals: ' "$f" | tail -n1 || true)
	if [ -n "$line" ]; then
		p=$(sed -n 's/.* pass:\([0-9]*\).*/\1/p' <<<"$line")
		fl=$(sed -n 's/.* fail:\([0-9]*\).*/\1/p' <<<"$line")
		s=$(sed -n 's/.* skip:\([0-9]*\).*/\1/p' <<<"$line")
		local e
		e=$(sed -n 's/.* error:\([0-9]*\).*/\1/p' <<<"$line")
		fl=$((fl + ${e:-0}))
	else
		s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$f" || true)
		p=$(grep -E '^ok [0-9]+' "$f" | grep -cvE '# *SKIP' || true)
		fl=$(grep -cE '^not ok [0-9]+' "$f" || true)
	fi
	echo "${p:-0} ${fl:-0} ${s:-0}"
}


# The whole run is one function, read in full before it starts.
main() {
	local t_fetch l suite env kver bdir t0 warn build t_build tests t_test vmlinuz modroot rc p f s
	t_fetch=$SECONDS
	"$REPO/scripts/kernels.sh" --kernels "$labels"
	t_fetch=$((SECONDS - t_fetch))

	# The suite's C helpers run in the guest but are host binaries (the guest's
	# root is the host's): build them once, whatever the kernel.
	if [ "$build_only" = 0 ]; then
		log "building the test helpers (make -C tests)"
		nice -n 10 make -s -C "$REPO/tests" >/dev/null ||
			log "warning: make -C tests failed; tests that need its helpers will fail"
	fi

	# Builds and logs of one cache belong to one run at a time.
	mkdir -p "$VLO_CACHE/build"
	exec 8>"$VLO_CACHE/build/.lock"
	flock -n 8 || { log "waiting for another compat run"; flock 8; }

	rows=()
	md=()
	status=0
	for l in $labels; do
		suite=$(suite_of "$l")
		[ -n "$suite" ] || { log "unknown kernel '$l'"; exit 2; }
		env=$VLO_CACHE/kernels/$suite/kernel.env
		# shellcheck disable=SC1090
		kver=$(. "$env"; echo "$KVER")
		bdir=$VLO_CACHE/build/$suite

		log "$l ($kver): building in $bdir (W=1)"
		copy_sources "$bdir"
		t0=$SECONDS
		if build_one "$env" "$bdir" && [ -f "$bdir/vlo.ko" ]; then
			warn=$(grep -ci 'warning:' "$bdir/build.log" || true)
			build="ok ($warn warnings)"
			[ "$warn" = 0 ] || { status=1; grep -i 'warning:' "$bdir/build.log" | head -n 20 >&2; }
		else
			build="FAILED"
			status=1
			grep -E 'error|Error' "$bdir/build.log" | head -n 20 >&2 || tail -n 20 "$bdir/build.log" >&2
		fi
		t_build=$((SECONDS - t0))
		log "$l: build $build in ${t_build}s"

		tests="-"
		t_test=0
		if [ "$build_only" = 0 ] && [ "$build" != FAILED ]; then
			# shellcheck disable=SC1090
			read -r vmlinuz modroot < <(. "$env"; echo "$VMLINUZ $MODROOT")
			log "$l: booting $vmlinuz and running tests/run_tests.sh (log: $bdir/test.log)"
			t0=$SECONDS
			rc=0
			# shellcheck disable=SC2086 # a list of test names
			(cd "$REPO" && VLO_KO=$bdir/vlo.ko "$REPO/scripts/vm-run" \
				--kernel "$vmlinuz" --modules "$modroot/lib/modules/$kver" \
				--timeout "$timeout" -- tests/run_tests.sh $tests_sel) >"$bdir/test.log" 2>&1 || rc=$?
			t_test=$((SECONDS - t0))
			read -r p f s < <(parse_totals "$bdir/test.log")
			tests="$p/$f/$s"
			if [ "$rc" != 0 ] || [ "$f" != 0 ] || [ "$p" = 0 ]; then
				status=1
				[ "$rc" = 0 ] || tests="$tests (exit $rc)"
				grep -E '^not ok|^# .*(FAIL|SKIP)|vm-run' "$bdir/test.log" | head -n 30 >&2 || true
			fi
			log "$l: tests $tests in ${t_test}s"
		fi
		rows+=("$(printf '%-5s %-24s | %-16s | %-22s | %4ss + %4ss' \
			"$l" "$kver" "$build" "$tests" "$t_build" "$t_test")")
		md+=("| $l | $suite \`linux-image-$kver\` | $build | $tests | ${t_build} s | ${t_test} s |")
	done

	echo
	printf '%-30s | %-16s | %-22s | %s\n' "kernel" "build (warnings)" \
		"passed/failed/skipped" "time (build + tests)"
	printf '%s\n' "-------------------------------+------------------+------------------------+---------------------"
	printf '%s\n' "${rows[@]}"
	echo "(kernel fetch/cache check: ${t_fetch}s)"
	# The same as a Markdown table, for the README's "Supported kernels".
	mkdir -p "$VLO_CACHE/build"
	{
		echo "| kernel | Debian package | build (\`W=1\`) | selftests passed/failed/skipped | build | suite |"
		echo "|---|---|---|---|---|---|"
		printf '%s\n' "${md[@]}"
		echo
		echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), vlo $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')."
	} >"$VLO_CACHE/build/compat.md"
	log "Markdown table: $VLO_CACHE/build/compat.md"
	return "$status"
}

main
