#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything CI runs, in order.
#
#   1. install missing packages (scripts/deps.sh)
#   2. build vlo.ko against Debian's 6.1 headers with W=1 and -Werror
#   3. sparse (C=2) - any warning in vlo's own files fails
#   4. checkpatch --strict (scripts/checkpatch.sh)
#   5. build the selftests (make -C tests)
#   6. boot the 6.1 kernel in QEMU and run tests/run_tests.sh (KTAP)
#   7. summary: the KTAP results, then the two closing lines
#        checks: N passed, N failed, N skipped
#        tests: N passed, N failed, N skipped
#      (the last line is the one CI reads; a skipped check is one a test
#      could not run here and said so, "# SKIP-CHECK: reason", or a skipped
#      case of a C test)
#
# Exit status 0 only if every step passed, no test failed and the guest
# kernel reported nothing (WARN, BUG, lockdep, ...). The tests meant to run
# are listed on the host first (tests/run_tests.sh --list): a guest that
# leaves no results, or results for fewer tests or other tests than that
# list, fails the run with the reason. A lint failure does not stop the
# run (the tests still run), a build failure does.
# Environment: VLO_CHECK_TIMEOUT (seconds for the VM step, default 3600),
# VLO_CACHE (default /var/cache/vlo).
set -euo pipefail

# One block: bash reads it all before running, so edits during a run are safe.
{
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

STEPS=7
FAILED=()          # labels of failed steps, printed before the totals
T0=$SECONDS
RESULTS=$REPO/results/check
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.txt "$RESULTS"/*.log

step()
{
	echo
	echo "==> [$1/$STEPS] $2  (+$((SECONDS - T0))s)"
}

fail_step()
{
	FAILED+=("$1")
	echo "FAILED: $1"
}

# -------------------------------------------------------------------- 1
step 1 "dependencies (scripts/deps.sh)"
scripts/deps.sh
KDIR=$(scripts/deps.sh --kdir)
REL=$(scripts/deps.sh --release)
echo "kernel: $REL, KDIR=$KDIR"

# -------------------------------------------------------------------- 2
step 2 "build vlo.ko for $REL (W=1, -Werror)"
# W=1 and -Werror change the compiler command line, so Kbuild recompiles
# whatever was built without them. If nothing was compiled (an earlier
# identical run), touch the sources once so the warnings are really shown.
build()
{
	nice -n 10 make -j"$(nproc)" KDIR="$KDIR" KBUILD_ARGS="W=1" \
		KCFLAGS=-Werror modules 2>&1 | tee "$RESULTS/build.log"
	return "${PIPESTATUS[0]}"
}
build_ok=1
build || build_ok=0
if [[ $build_ok == 1 ]] && ! grep -q ' CC \[M\]' "$RESULTS/build.log"; then
	echo "(nothing was recompiled: forcing a rebuild to see every warning)"
	touch src/*.c
	build || build_ok=0
fi
if [[ $build_ok != 1 || ! -f vlo.ko ]]; then
	fail_step "build of vlo.ko (see $RESULTS/build.log)"
	build_ok=0
elif grep -E -i 'warning:' "$RESULTS/build.log"; then
	fail_step "build warnings (W=1)"
else
	echo "build: clean"
fi

# -------------------------------------------------------------------- 3
step 3 "sparse (C=2) on vlo's sources"
sparse_ok=1
nice -n 10 make KDIR="$KDIR" sparse > "$RESULTS/sparse.log" 2>&1 || sparse_ok=0
# Kernel headers produce their own sparse noise: only vlo's files count.
ours=$(grep -E "^($REPO/)?(src|include)/[^:]+:[0-9]+(:[0-9]+)?: (warning|error):" \
	"$RESULTS/sparse.log" || true)
if [[ $sparse_ok != 1 ]]; then
	tail -n 20 "$RESULTS/sparse.log"
	fail_step "sparse run (make sparse exited non-zero, see $RESULTS/sparse.log)"
elif [[ -n $ours ]]; then
	printf '%s\n' "$ours"
	fail_step "sparse or W=1 warnings (C=2 build)"
else
	echo "sparse: clean"
fi

# -------------------------------------------------------------------- 4
step 4 "checkpatch --strict"
scripts/checkpatch.sh || fail_step "checkpatch"

# -------------------------------------------------------------------- 5
step 5 "build the selftests (make -C tests)"
tests_ok=1
if [[ -f tests/Makefile ]]; then
	nice -n 10 make -C tests || { tests_ok=0; fail_step "build of the selftests"; }
else
	tests_ok=0
	fail_step "no tests/Makefile"
fi

# -------------------------------------------------------------------- 6
step 6 "run the selftests in a VM ($REL)"
vm_rc=0
# What the run must report on: every test run_tests.sh will start.
expected=()
if [[ -x tests/run_tests.sh ]]; then
	mapfile -t expected < <(tests/run_tests.sh --list)
	echo "tests to run: ${#expected[@]}"
fi
if [[ $build_ok == 1 && $tests_ok == 1 && ${#expected[@]} -gt 0 ]]; then
	# The guest sees this tree read-only; KTAP goes to the writable
	# results folder as well as to the console.
	# shellcheck disable=SC2016  # $1 is expanded by the guest shell
	VLO_KO=$REPO/vlo.ko scripts/vm-run --kernel "/boot/vmlinuz-$REL" \
		--timeout "${VLO_CHECK_TIMEOUT:-3600}" --out "$RESULTS" -- \
		bash -c 'set -o pipefail; tests/run_tests.sh | tee "$1/ktap.txt"' \
		run_tests "$RESULTS" || vm_rc=$?
	case $vm_rc in
	0|1) ;;    # run_tests.sh: 1 = some test failed, counted below
	121) fail_step "the guest kernel reported problems (WARN/BUG/leak...; see above)" ;;
	124) fail_step "the VM timed out" ;;
	125) fail_step "the guest kernel panicked or the VM failed" ;;
	*)   fail_step "tests/run_tests.sh exited $vm_rc" ;;
	esac
else
	echo "skipped: nothing to test (module or tests not built)"
	fail_step "selftests not run"
fi

# -------------------------------------------------------------------- 7
step 7 "summary"
passed=0 failed=0 skipped=0
c_pass=0 c_fail=0 c_skip=0
KTAP=$RESULTS/ktap.txt
if [[ ${#expected[@]} -eq 0 ]]; then
	fail_step "no tests to run (tests/run_tests.sh --list printed nothing)"
elif [[ ! -s $KTAP ]]; then
	# The guest never wrote its results (the output share did not mount,
	# the guest died, the runner never started): nothing passed.
	fail_step "no test results: $KTAP is missing or empty (${#expected[@]} tests were to run)"
	failed=${#expected[@]}
	c_fail=${#expected[@]}
else
	planned=$(sed -n 's/^1\.\.\([0-9]\+\)$/\1/p' "$KTAP" | head -n 1)
	echo "KTAP results:"
	declare -A reported=()
	while IFS= read -r line; do
		echo "  $line"
		t=$(sed -E 's/^(not )?ok [0-9]+ selftests: vlo: ([^ ]+).*/\2/' <<<"$line")
		reported[$t]=1
		if [[ $line == "not ok "* ]]; then
			failed=$((failed + 1))
		elif [[ $line == *" # SKIP"* ]]; then
			skipped=$((skipped + 1))
		else
			passed=$((passed + 1))
		fi
	done < <(grep -E '^(not )?ok [0-9]+ ' "$KTAP" || true)
	# Per-test check counts (run_tests.sh: "# checks: TEST pass:N fail:N skip:N").
	while read -r p f k; do
		c_pass=$((c_pass + p)) c_fail=$((c_fail + f)) c_skip=$((c_skip + k))
	done < <(sed -n 's/^# checks: [^ ]* pass:\([0-9]*\) fail:\([0-9]*\) skip:\([0-9]*\)$/\1 \2 \3/p' "$KTAP")
	ran=$((passed + failed + skipped))
	missing=()
	for t in "${expected[@]}"; do
		[[ -n ${reported[$t]:-} ]] || missing+=("$t")
	done
	if [[ $planned != "${#expected[@]}" ]]; then
		fail_step "the guest planned ${planned:-no} tests (KTAP '1..N'), the host listed ${#expected[@]}"
	fi
	if [[ ${#missing[@]} -gt 0 ]]; then
		echo "  never reported (counted as failed): ${missing[*]}"
		failed=$((failed + ${#missing[@]}))
		c_fail=$((c_fail + ${#missing[@]}))
		fail_step "${#missing[@]} of ${#expected[@]} tests never reported a result: ${missing[*]}"
	fi
	if [[ $ran -ne ${#reported[@]} || $ran -gt ${#expected[@]} ]]; then
		fail_step "$ran results for ${#expected[@]} tests (duplicates or tests not listed)"
	fi
fi
[[ $failed -eq 0 ]] || fail_step "$failed test(s) failed"
echo "results: $RESULTS (ktap.txt, vm-console-*.log, vm-dmesg.txt)"
echo "time: $((SECONDS - T0)) s"
if [[ ${#FAILED[@]} -gt 0 ]]; then
	echo "make check FAILED:"
	printf '  - %s\n' "${FAILED[@]}"
fi
echo "checks: $c_pass passed, $c_fail failed, $c_skip skipped"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[[ ${#FAILED[@]} -eq 0 ]]
exit
}
