#!/bin/sh
# Runs every unit test binary of a build (default build/) under valgrind memcheck; any error
# or leak report fails.
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
# The same environment CTest gives the unit tests.
export CONVOY_TESTDATA="$PWD/tests/data"
status=0
for t in "$dir"/tests/test_*; do
	[ -x "$t" ] || continue
	if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$t" >/dev/null 2>"$t.valgrind"; then
		echo "ok   valgrind $(basename "$t")"
	else
		echo "FAIL valgrind $(basename "$t")"; cat "$t.valgrind"; status=1
	fi
done
exit $status
