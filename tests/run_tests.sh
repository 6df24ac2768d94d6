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
#
# Tests load and unload vlo as they need (vlo_load.sh and vlo_unload.sh
# reload it), so nothing else may be using vlo devices while this runs.
# Each test runs with the timeout of tests/settings (VLO_TEST_TIMEOUT=SEC
# overrides it); exit status 4 is a skip,
# whose reason is the test's last "# SKIP: ..." line. Exit status of this
# script: 0 when no test failed, 1 otherwise.

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

echo "TAP version 13"
echo "1..${#tests[@]}"
pass=0
fail=0
skipped=0
num=0
log=$(mktemp "${TMPDIR:-/tmp}/vlo-run.XXXXXX")
trap 'rm -f "$log"' EXIT

for t in "${tests[@]}"; do
	num=$((num + 1))
	name="selftests: vlo: $t"
	echo "# $name"
	start=$SECONDS
	# Every line of the test becomes a KTAP comment (lines that already
	# are stay as they are, except a nested runner's totals), passed on as
	# it comes: a slow guest shows progress.
	if [[ $t == *.sh ]]; then
		cmd=(bash "./$t")
	else
		# A C test cannot load the module itself: lib.sh does it first.
		# shellcheck disable=SC2016 # $0 is for the inner bash
		cmd=(bash -c '. ./lib.sh && vlo_ensure_loaded && exec "$0"' "./$t")
	fi
	timeout -k 10 "$timeout" "${cmd[@]}" 2>&1 </dev/null |
		tee "$log" | sed -u -e '/^# Totals/s/^/# /' -e '/^#/!s/^/# /'
	rc=${PIPESTATUS[0]}
	echo "# $t: exit $rc after $((SECONDS - start)) s"
	if [ "$rc" -eq 0 ]; then
		echo "ok $num $name"
		pass=$((pass + 1))
	elif [ "$rc" -eq "$ksft_skip" ]; then
		reason=$(sed -n 's/^# SKIP: //p' "$log" | tail -n 1)
		echo "ok $num $name # SKIP ${reason:-no reason given}"
		skipped=$((skipped + 1))
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok $num $name # TIMEOUT $timeout seconds"
		fail=$((fail + 1))
	else
		echo "not ok $num $name # exit=$rc"
		fail=$((fail + 1))
	fi
done

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skipped error:0"
[ "$fail" -eq 0 ]
