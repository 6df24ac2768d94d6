#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-debug.sh - run vlo's test suite on the debug kernel (`make check-debug`).
#
#   scripts/check-debug.sh                 the whole suite (tests/run_tests.sh)
#   scripts/check-debug.sh -- CMD [ARGS]   CMD instead (a stress test, a shell)
#
# Builds the debug kernel when there is none (scripts/debug-kernel.sh:
# KASAN, lockdep, kmemleak, DEBUG_OBJECTS, fault injection; cached per
# machine), builds vlo against that kernel's tree in a separate folder,
# boots it with scripts/vm-run and runs the command with VLO_KO set. After
# the command a kmemleak scan runs. Any KASAN, UBSAN, lockdep, kmemleak,
# WARN, BUG, refcount or hung-task report fails the run and is printed in
# full. The console log, kernel log and kmemleak report are kept in the
# results folder.
#
# Environment:
#   VLO_CACHE            cache root (default /var/cache/vlo)
#   VLO_DEBUG_TIMEOUT    seconds for the whole guest run (default 5400)
#   VLO_DEBUG_MEM        guest memory in MB (default 2048; KASAN needs room)
#   VLO_DEBUG_CPUS       guest CPUs (default 2)
#   VLO_TEST_TIMEOUT     per-test timeout of the suite (default 2400 s)
#   VLO_DEBUG_RESULTS    results folder (default <repo>/results/check-debug)
#   VLO_DEBUG_SRC        build vlo from this copy of the sources instead of
#                        the repository's (scripts/mutants.sh --debug)
#   VLO_DEBUG_PANIC_ON_WARN=1  stop at the first WARN/KASAN report instead
#                        of collecting all of them
#
# Exit status: the command's, or 121 when the kernel reported a problem,
# 124 on timeout, 125 when the guest died (see scripts/vm-run --help).

set -euo pipefail

# One block: bash reads it all before running, so edits during a run are safe.
{
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VLO_CACHE:-/var/cache/vlo}
BUILD=$CACHE/build/debug
TIMEOUT=${VLO_DEBUG_TIMEOUT:-5400}
MEM=${VLO_DEBUG_MEM:-2048}
CPUS=${VLO_DEBUG_CPUS:-2}
RESULTS=${VLO_DEBUG_RESULTS:-$REPO/results/check-debug}
# Per-test timeout of tests/run_tests.sh: KASAN and lockdep make the guest
# several times slower than the stock kernel the settings file is for.
export VLO_TEST_TIMEOUT=${VLO_TEST_TIMEOUT:-2400}

say() { printf 'check-debug: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 125; }
usage() { awk 'NR > 3 && !/^#/ { exit } NR > 3 { sub(/^# ?/, ""); print }' "$0"; }

while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; exit 2 ;;
	esac
done
if [ $# -gt 0 ]; then
	CMD=("$@")
else
	CMD=(tests/run_tests.sh)
	[ -x "$REPO/tests/run_tests.sh" ] || die "tests/run_tests.sh is missing"
fi

t_start=$SECONDS

# ---------------------------------------------------------------- kernel

if ! env_lines=$("$REPO/scripts/debug-kernel.sh" --print-env 2>/dev/null); then
	say "no debug kernel for this config yet: building it now" \
		"(about 20 min on 2 cores; later runs reuse it)"
	t0=$SECONDS
	env_lines=$("$REPO/scripts/debug-kernel.sh" | grep '^VLO_DEBUG_') ||
		die "building the debug kernel failed"
	say "debug kernel built in $(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s"
fi
VLO_DEBUG_KERNEL="" VLO_DEBUG_MODULES="" VLO_DEBUG_KDIR="" VLO_DEBUG_RELEASE=""
while IFS='=' read -r name value; do
	case $name in
	VLO_DEBUG_KERNEL) VLO_DEBUG_KERNEL=$value ;;
	VLO_DEBUG_MODULES) VLO_DEBUG_MODULES=$value ;;
	VLO_DEBUG_KDIR) VLO_DEBUG_KDIR=$value ;;
	VLO_DEBUG_RELEASE) VLO_DEBUG_RELEASE=$value ;;
	esac
done <<<"$env_lines"
if [ -z "$VLO_DEBUG_KDIR" ] || [ ! -f "$VLO_DEBUG_KERNEL" ]; then
	die "scripts/debug-kernel.sh gave no usable kernel"
fi
say "debug kernel $VLO_DEBUG_RELEASE ($VLO_DEBUG_KERNEL)"

# ------------------------------------------------------------------- vlo

# Built out of the source tree, so the clone's own vlo.ko (stock kernel)
# and this one (debug kernel, KASAN-instrumented) never overwrite each other.
say "building vlo against the debug tree in $BUILD"
mkdir -p "$BUILD"
rm -rf "${BUILD:?}/src" "${BUILD:?}/include"
SRC=${VLO_DEBUG_SRC:-$REPO}
cp -a "$SRC/Kbuild" "$SRC/Makefile" "$SRC/src" "$SRC/include" "$BUILD/"
# Objects of a build for another kernel must not be reused.
find "$BUILD/src" -name '*.o' -delete -o -name '.*.cmd' -delete
if ! make -C "$VLO_DEBUG_KDIR" M="$BUILD" W=1 modules >"$BUILD/build.log" 2>&1; then
	cat "$BUILD/build.log" >&2
	die "building vlo against the debug kernel failed"
fi
grep -E 'warning:|error:' "$BUILD/build.log" >&2 || true
VLO_KO=$BUILD/vlo.ko
vermagic=$(modinfo -F vermagic "$VLO_KO" | cut -d' ' -f1)
[ "$vermagic" = "$VLO_DEBUG_RELEASE" ] ||
	die "vlo.ko is for '$vermagic', the debug kernel is '$VLO_DEBUG_RELEASE'"

# Test helpers that the suite compiles on the host (same as `make check`).
if [ "${CMD[0]}" = tests/run_tests.sh ] && [ -f "$REPO/tests/Makefile" ]; then
	make -s -C "$REPO/tests" >&2 || die "building the test helpers failed"
fi

# ------------------------------------------------------------------- run

mkdir -p "$RESULTS"
rm -f "$RESULTS"/vm-console-*.log "$RESULTS/vm-dmesg.txt" \
	"$RESULTS/kmemleak.txt" "$RESULTS/status"

# log_buf_len: the suite is long and a debug kernel chatty; the log is read
# once at the end. panic_on_warn=0 (vm-run sets 1) and kasan_multi_shot keep
# the guest running after a report, so one run shows every problem, not
# only the first; an Oops still panics (oops=panic). pci=noacpi: on this
# kernel under TCG, ACPI's interpreter needs over 30 s for QEMU's PCI _PRT
# method and gives up, three times per boot; the MP table and MSI-X do the
# job without it.
append="log_buf_len=16M kasan_multi_shot pci=noacpi"
if [ "${VLO_DEBUG_PANIC_ON_WARN:-0}" != 1 ]; then
	append+=" panic_on_warn=0"
fi

# Runs in the guest: the command, then the kmemleak scan (twice, as objects
# younger than 5 s are never reported), results into the --out folder.
# Done here rather than by vm-run (VLO_VM_KMEMLEAK) because one scan of
# this kernel takes about 40 s and vm-run gives the guest 60 s after the
# command to finish. The command's own exit status goes to a file too:
# vm-run replaces it with 121 when it flags the kernel log.
# shellcheck disable=SC2016 # expanded in the guest
GUEST='rc=0; "$@" || rc=$?
echo "$rc" >"$VLO_DEBUG_OUT/status"
kl=/sys/kernel/debug/kmemleak
if [ -w "$kl" ]; then
	echo "check-debug: kmemleak scan..." >&2
	echo scan >"$kl"; sleep 5; echo scan >"$kl"
	cat "$kl" >"$VLO_DEBUG_OUT/kmemleak.txt"
else
	echo "check-debug: this kernel has no kmemleak" >&2
fi
exit "$rc"'

say "running on the debug kernel: ${CMD[*]}"
t_run=$SECONDS
vmrc=0
# The suite runs from the repository; a given CMD from where it was typed.
rundir=$PWD
[ $# -gt 0 ] || rundir=$REPO
(cd "$rundir" && VLO_KO=$VLO_KO VLO_DEBUG_OUT=$RESULTS "$REPO/scripts/vm-run" \
	--kernel "$VLO_DEBUG_KERNEL" --modules "$VLO_DEBUG_MODULES" \
	--mem "$MEM" --cpus "$CPUS" --timeout "$TIMEOUT" \
	--append "$append" --out "$RESULTS" -- \
	bash -c "$GUEST" check-debug "${CMD[@]}") || vmrc=$?
t_run=$((SECONDS - t_run))

# ---------------------------------------------------------------- report

dmesg=$RESULTS/vm-dmesg.txt
rc=$vmrc
status=$(cat "$RESULTS/status" 2>/dev/null || true)
if [ -n "$status" ] && { [ "$vmrc" -eq "$status" ] || [ "$vmrc" -eq 121 ]; }; then
	# The command finished; the kernel log decides the rest (below).
	rc=$status
elif [ -z "$status" ] && { [ "$vmrc" -eq 0 ] || [ "$vmrc" -eq 121 ]; }; then
	rc=125
	say "the command's exit status never came back from the guest"
fi
# Otherwise a timeout (124) or a dead guest (125) after the command: as is.

# Kernel reports, as extended regexps: vm-run's list and more (a device
# whose references never drop, RCU stalls, slab corruption, reference
# tracker leaks, DEBUG_OBJECTS findings). vm-run's own scan knows nothing
# of the dumps vlo_fault announces (below): its 121 is not taken as is.
REPORTS='cut here|WARNING: (CPU:|at |possible|suspicious)|(^|[^A-Z_])BUG[: ]'
REPORTS+='|KASAN|UBSAN|Oops|general protection|Kernel panic|kernel BUG'
REPORTS+='|Call Trace|circular locking|inconsistent lock state|lock held'
REPORTS+='|suspicious RCU usage|possible recursive locking|DEBUG_LOCKS_WARN_ON'
REPORTS+='|sleeping function called from invalid context|soft lockup|INFO: task'
REPORTS+='|detected stall|to become free|Bad page|Redzone|Poison overwritten'
REPORTS+='|ref_tracker|refcount_t|leaked|ODEBUG|list_(add|del) corruption'
REPORTS+='|unreferenced object|suspected memory leak|stack-protector'
# Boot-time lines of this kernel that match the above but report nothing.
BENIGN='ODEBUG: [0-9]+ of [0-9]+ active objects replaced'
BENIGN+='|loading out-of-tree module taints kernel|module verification failed'

# The kernel's lines, numbered, less the stack dumps that tests/vlo_fault.sh
# announces: while it injects allocation failures (between its markers
# "vlo_fault: injecting allocation failures" and "vlo_fault: injection
# over"), a failed sysctl registration prints "sysctl could not get
# directory" and a dump_stack() (CPU:, Hardware name:, Call Trace:, the
# frames, </TASK>). Only such a dump, starting on the very next line, is
# left out; any other line in that window is scanned like the rest.
kernel_lines() {
	awk '
	/\] vlo_fault: injecting allocation failures/ { win = 1 }
	/\] vlo_fault: injection over$/ { win = 0 }
	!/^kern / { next }
	dump == 1 {
		if ($0 ~ /\] CPU: [0-9]+ PID: /) { dump = 2; skipped++; next }
		dump = 0
	}
	dump == 2 { if ($0 ~ /<\/TASK>/) dump = 0; next }
	win && /sysctl could not get directory/ { dump = 1 }
	{ print NR ":" $0 }
	END { if (skipped) printf "%d dumps skipped\n", skipped > "/dev/stderr" }
	' "$1"
}

findings=""
if [ -f "$dmesg" ]; then
	findings=$(kernel_lines "$dmesg" 2>"$RESULTS/expected-dumps" |
		grep -a -E "$REPORTS" | grep -a -v -E "$BENIGN" || true)
	if [ -s "$RESULTS/expected-dumps" ]; then
		say "left out: $(cat "$RESULTS/expected-dumps") (the stack dumps" \
			"vlo_fault announces after failed sysctl registrations)"
	fi
fi
leaks=0
if [ -s "$RESULTS/kmemleak.txt" ]; then
	leaks=$(grep -c 'unreferenced object' "$RESULTS/kmemleak.txt" || true)
fi

if [ -n "$findings" ]; then
	# Print every kernel line from a few lines before the first report on:
	# the reports are multi-line (stack traces, lock chains, allocation
	# and free stacks) and the context matters.
	first=$(printf '%s\n' "$findings" | head -n 1 | cut -d: -f1)
	say "kernel reports (from $dmesg):"
	tail -n +"$(( first > 5 ? first - 5 : 1 ))" "$dmesg" | grep -a '^kern ' |
		head -n 2000 | sed 's/^/  | /' >&2
	[ "$rc" -ne 0 ] || rc=121
fi
if [ "$leaks" -gt 0 ]; then
	say "kmemleak: $leaks unreferenced object(s):"
	head -n 2000 "$RESULTS/kmemleak.txt" | sed 's/^/  | /' >&2
	[ "$rc" -ne 0 ] || rc=121
elif [ -f "$RESULTS/kmemleak.txt" ]; then
	say "kmemleak: no leaks"
else
	say "kmemleak: no report (the guest did not get to the scan)"
fi
if [ "$vmrc" -eq 121 ] && [ -z "$findings" ] && [ "$leaks" -eq 0 ]; then
	say "vm-run flagged the kernel log, but nothing in it is a report" \
		"(vm-run's lines are above); exit status is the command's"
fi
if [ ! -f "$dmesg" ] && [ -f "$RESULTS/status" ]; then
	say "the guest wrote no kernel log; see the console log in $RESULTS"
	[ "$rc" -ne 0 ] || rc=125
fi

say "results: ${RESULTS}; guest run $((t_run / 60)) min $((t_run % 60)) s," \
	"total $(( (SECONDS - t_start) / 60 )) min $(( (SECONDS - t_start) % 60 )) s"
if [ "$rc" -eq 0 ]; then
	say "PASS: ${CMD[*]} on $VLO_DEBUG_RELEASE, no kernel reports"
else
	say "FAIL (exit $rc): ${CMD[*]} on $VLO_DEBUG_RELEASE"
fi
exit "$rc"
}
