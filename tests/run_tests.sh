#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the vlo selftests and prints KTAP, like the kernel's kselftest runner.
#
#   In the QEMU guest (what `make check` does):
#     VLO_KO=$PWD/vlo.ko scripts/vm-run -- tests/run_tests.sh
#   On a real machine, with the module loaded, installed (make install) or
#   built next to tests/ (../vlo.ko):
#     make && sudo make -C tests run_tests
#   Only some tests:
#     sudo tests/run_tests.sh vlo_link vlo_reflect.sh
#   The tests a run would start, one per line, nothing run (no root needed;
#   make check compares the results with this list):
#     tests/run_tests.sh --list [TEST...]
#
# Tests load and unload vlo as they need (vlo_load.sh and vlo_unload.sh
# reload it), so nothing else may be using vlo devices while this runs.
# Each test runs with the timeout of tests/settings (VLO_TEST_TIMEOUT=SEC
# overrides it).
#
# Verdicts. Exit status 0 is a pass, 4 a skip only when the test said why
# (a "# SKIP: reason" line, from lib.sh's skip, or kselftest's
# "1..0 # SKIP reason"): a test that exits 4 without one crashed, and
# fails. A C test (kselftest harness) whose every case skipped is a skip,
# not a pass. Any other status fails.
#
# Checks. After each test a line
#   # checks: TEST pass:N fail:N skip:N
# counts its checks: for shell tests the "# ok: ...", "# FAIL: ..." and
# "# SKIP-CHECK: ..." lines (lib.sh's check_* helpers, fail, skip_check);
# for C tests the harness's "ok N", "not ok N" and "ok N # SKIP" cases. A
# failed test counts at least one failed check, a skipped test at least one
# skipped check. The last lines are kselftest's "# Totals: ..." and
# "# Checks: pass:N fail:N skip:N".
# Exit status of this script: 0 when no test failed, 1 otherwise, 2 for an
# unknown test name.

set -uo pipefail

BASE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$BASE_DIR" || exit 1

ksft_skip=4
timeout=120
if [ -r settings ]; then
	# "key=value" lines as in kselftest; only timeout is used.
	timeout=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' settings | tail -n 1)
fi
# Like kselftest's --override-timeout: a slower kernel (the debug kernel
# under TCG) needs more than the settings file gives.
if [ -n "${VLO_TEST_TIMEOUT:-}" ]; then
	timeout=$VLO_TEST_TIMEOUT
fi

# Fixed order first: load tests reload the module, unload comes last. Any
# other vlo_*.sh that exists (e.g. helpers' route or stress tests) and the
# C tests built by the Makefile (vlo_*_test) run in between, sorted by name.
FIRST=(vlo_load.sh)
LAST=(vlo_unload.sh)

all_tests()
{
	local t f skip

	for t in "${FIRST[@]}"; do
		[ -f "$t" ] && echo "$t"
	done
	for f in vlo_*.sh vlo_*_test; do
		skip=0
		for t in "${FIRST[@]}" "${LAST[@]}"; do
			[ "$f" = "$t" ] && skip=1
		done
		[ "$skip" -eq 0 ] && [ -f "$f" ] && echo "$f"
	done
	for t in "${LAST[@]}"; do
		[ -f "$t" ] && echo "$t"
	done
}

LIST=0
if [ "${1:-}" = --list ]; then
	LIST=1
	shift
fi

tests=()
if [ $# -gt 0 ]; then
	for t in "$@"; do
		t=${t##*/}
		[ -f "$t" ] || t=${t%.sh}.sh
		if [ ! -f "$t" ]; then
			echo "run_tests.sh: no test $t in $BASE_DIR" >&2
			exit 2
		fi
		tests+=("$t")
	done
else
	mapfile -t tests < <(all_tests)
fi

if [ "$LIST" -eq 1 ]; then
	[ ${#tests[@]} -eq 0 ] || printf '%s\n' "${tests[@]}"
	exit 0
fi

echo "TAP version 13"
echo "1..${#tests[@]}"
pass=0
fail=0
skipped=0
num=0
checks_pass=0
checks_fail=0
checks_skip=0
log=$(mktemp "${TMPDIR:-/tmp}/vlo-run.XXXXXX")
trap 'rm -f "$log"' EXIT

# count_lines REGEX: lines of the test's output matching REGEX.
count_lines()
{
	grep -c -E "$1" "$log" || true
}

for t in "${tests[@]}"; do
	num=$((num + 1))
	name="selftests: vlo: $t"
	echo "# $name"
	start=$SECONDS
	# Every line of the test becomes a KTAP comment (lines that already
	# are stay as they are, except a nested runner's totals and lines
	# that look like this runner's own counts), passed on as it comes: a
	# slow guest shows progress.
	if [[ $t == *.sh ]]; then
		cmd=(bash "./$t")
	else
		# A C test cannot load the module itself: lib.sh does it first.
		# shellcheck disable=SC2016 # $0 is for the inner bash
		cmd=(bash -c '. ./lib.sh && vlo_ensure_loaded && exec "$0"' "./$t")
	fi
	timeout -k 10 "$timeout" "${cmd[@]}" 2>&1 </dev/null |
		tee "$log" |
		sed -u -e '/^# \(Totals\|Checks\|checks\):/s/^/# /' -e '/^#/!s/^/# /'
	rc=${PIPESTATUS[0]}
	echo "# $t: exit $rc after $((SECONDS - start)) s"

	if [[ $t == *.sh ]]; then
		cp=$(count_lines '^# ok: ')
		cf=$(count_lines '^# FAIL: ')
		cs=$(count_lines '^# SKIP-CHECK: ')
		reason=$(sed -n 's/^# SKIP: //p' "$log" | tail -n 1)
	else
		# kselftest harness cases: "ok N name", "not ok N name",
		# "ok N # SKIP reason".
		cs=$(count_lines '^ok [0-9]+ .*# SKIP')
		cp=$(( $(count_lines '^ok [0-9]+ ') - cs ))
		cf=$(count_lines '^not ok [0-9]+ ')
		reason=$(sed -n -e 's/^# SKIP: //p' -e 's/^1\.\.0 # SKIP *//p' "$log" |
			tail -n 1)
	fi
	verdict=""
	if [ "$rc" -eq 0 ] && [ "$cf" -gt 0 ]; then
		verdict="not ok $num $name # exit 0 but $cf failed check(s)"
	elif [ "$rc" -eq 0 ] && [[ $t != *.sh ]] && [ "$cs" -gt 0 ] &&
			[ "$cp" -eq 0 ]; then
		reason=$(sed -n 's/^ok [0-9]\+ .*# SKIP *//p' "$log" | head -n 1)
		verdict="ok $num $name # SKIP every case skipped: ${reason:-no reason}"
	elif [ "$rc" -eq 0 ]; then
		verdict="ok $num $name"
	elif [ "$rc" -eq "$ksft_skip" ] && [ -n "$reason" ]; then
		verdict="ok $num $name # SKIP $reason"
	elif [ "$rc" -eq "$ksft_skip" ]; then
		echo "# $t exited $ksft_skip (skip) without a '# SKIP: reason' line: it crashed"
		verdict="not ok $num $name # exit=$rc without a skip reason"
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		verdict="not ok $num $name # TIMEOUT $timeout seconds"
	else
		verdict="not ok $num $name # exit=$rc"
	fi
	case $verdict in
	"not ok "*)
		fail=$((fail + 1))
		[ "$cf" -gt 0 ] || cf=1
		;;
	*"# SKIP "*)
		skipped=$((skipped + 1))
		[ "$cs" -gt 0 ] || [ "$cp" -gt 0 ] || cs=1
		;;
	*)
		pass=$((pass + 1))
		;;
	esac
	checks_pass=$((checks_pass + cp))
	checks_fail=$((checks_fail + cf))
	checks_skip=$((checks_skip + cs))
	echo "# checks: $t pass:$cp fail:$cf skip:$cs"
	echo "$verdict"
done

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skipped error:0"
echo "# Checks: pass:$checks_pass fail:$checks_fail skip:$checks_skip"
[ "$fail" -eq 0 ]
