#!/bin/sh
# The whole test suite: configure, build and run every unit and end-to-end test with CTest.
#   scripts/test.sh          the dev preset (warnings are errors)
#   scripts/test.sh asan     the same suite under AddressSanitizer + UBSan + LeakSanitizer
set -eu
cd "$(dirname "$0")/.."
preset=${1:-dev}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --preset "$preset"
