# CMake toolchain: cross-compiles for 64-bit Arm Linux with Debian's gcc-aarch64-linux-gnu against
# Debian's multiarch arm64 libraries (dpkg --add-architecture arm64; the -dev:arm64 packages put
# headers in /usr/include/aarch64-linux-gnu and archives in /usr/lib/aarch64-linux-gnu).
# Used by scripts/build-static.sh for libcurl, libgit2 and the static-aarch64 preset.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_STRIP aarch64-linux-gnu-strip CACHE FILEPATH "strip for aarch64")
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# pkgconf's cross personality: only the arm64 .pc files (never the host's x86_64 ones).
set(PKG_CONFIG_EXECUTABLE aarch64-linux-gnu-pkg-config CACHE FILEPATH "pkg-config for aarch64")
# Only target libraries and headers; programs (perl, pkg-config) come from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
