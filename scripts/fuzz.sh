#!/bin/sh
# Builds the libFuzzer targets (clang, fuzz preset) and runs each for a fixed time over its
# committed seed corpus (tests/fuzz/corpus/<name>/). New crashes land in tests/fuzz/artifacts/;
# minimise one, add it to the corpus, and it becomes a regression test (ctest fuzz/<name>).
#   scripts/fuzz.sh [seconds-per-target] [target...]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-30}
[ $# -gt 0 ] && shift
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p tests/fuzz/artifacts
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')}
status=0
for t in $targets; do
	work=$(mktemp -d)
	cp -r "tests/fuzz/corpus/$t/." "$work/" 2>/dev/null || true
	echo "== fuzz_$t for ${secs}s"
	if ! "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=65536 \
		-artifact_prefix=tests/fuzz/artifacts/"$t"- "$work" >"$work.log" 2>&1; then
		echo "fuzz_$t: CRASH (see tests/fuzz/artifacts/, log $work.log)"
		tail -30 "$work.log"
		status=1
	else
		grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units' "$work.log" | tail -1 || true
	fi
	rm -rf "$work"
done
exit $status
