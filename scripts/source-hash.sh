#!/bin/sh
# Prints a short SHA-256 over the files the binary is built from (src/ and the build files),
# so `convoy --version` names its sources and a stale dist/ binary can be detected.
cd "$(dirname "$0")/.." || exit 1
find src CMakeLists.txt -type f \( -name '*.c' -o -name '*.h' -o -name 'CMakeLists.txt' \) -print \
  | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
