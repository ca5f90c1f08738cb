#!/bin/sh
# Builds the fully static, stripped convoy binaries in dist/:
#   convoy-linux-x86_64   native, preset static, deps in .static-work/prefix
#   convoy-linux-aarch64  cross-compiled with Debian's gcc-aarch64-linux-gnu against Debian's
#                         arm64 libraries (multiarch), preset static-aarch64 (toolchain file
#                         cmake/aarch64-linux-gnu.cmake), deps in .static-work/prefix-aarch64
# Usage: scripts/build-static.sh [x86_64|aarch64]   (no argument: both)
# Debian's static libcurl/libgit2 pull in GSSAPI/LDAP/RTMP (no static archives), so minimal
# libcurl (HTTP/HTTPS, OpenSSL, zlib, nghttp2, threaded resolver) and libgit2 (no network
# transports) are built from Debian's own source packages into each prefix.
# Idempotent: packages are installed only when missing, deps rebuilt only when a prefix is missing.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$ROOT/.static-work
JOBS=-j2
LIMIT=10485760

case $# in
0) arches="x86_64 aarch64" ;;
1) case $1 in x86_64 | aarch64) arches=$1 ;; *) arches="" ;; esac ;;
*) arches="" ;;
esac
if [ -z "$arches" ]; then
  echo "build-static: unknown target '$*': expected x86_64, aarch64 or no argument (both)" >&2
  exit 2
fi

# install_missing PKG...: apt-get installs those not installed yet (PKG may be name:arch; a bare
# name is ambiguous to dpkg -s once the arm64 instance is installed too, so also ask name:native).
NATIVE=$(dpkg --print-architecture)
install_missing() {
  missing=""
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || dpkg -s "$p:$NATIVE" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
  fi
}

install_missing build-essential cmake pkg-config dpkg-dev libssl-dev zlib1g-dev libnghttp2-dev \
  libjansson-dev libyaml-dev libsodium-dev libpcre2-dev libhttp-parser-dev file binutils
case " $arches " in
*" aarch64 "*)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    apt-get update -q
  fi
  # libhttp-parser-dev is not Multi-Arch: same (its arm64 package would replace the host's, and
  # libgit2-dev with it): its arm64 archive is unpacked into the prefix instead (deps_aarch64).
  install_missing gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user-static \
    libssl-dev:arm64 zlib1g-dev:arm64 libnghttp2-dev:arm64 libjansson-dev:arm64 \
    libyaml-dev:arm64 libsodium-dev:arm64 libpcre2-dev:arm64
  ;;
esac

# fetch_sources: Debian's curl and libgit2 source packages, unpacked once into $WORK.
fetch_sources() {
  src=/etc/apt/sources.list.d/convoy-src.sources
  if [ ! -f "$src" ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src"
    apt-get update -q
  fi
  mkdir -p "$WORK"
  # The newest source version the mirror really serves (security updates may be unreachable).
  fetch_source() {
    for v in $(apt-cache showsrc "$1" | sed -n 's/^Version: //p' | sort -rV); do
      if (cd "$WORK" && apt-get source -q "$1=$v"); then return 0; fi
    done
    echo "build-static: no source package of $1 could be fetched" >&2; return 1
  }
  [ -n "$(ls -d "$WORK"/curl-*/ 2>/dev/null)" ] || fetch_source curl
  [ -n "$(ls -d "$WORK"/libgit2-*/ 2>/dev/null)" ] || fetch_source libgit2
  curl_dir=$(ls -d "$WORK"/curl-*/ | head -1)
  git2_dir=$(ls -d "$WORK"/libgit2-*/ | head -1)
}

# build_deps SUFFIX PREFIX [CMAKE-ARGS...]: minimal libcurl and libgit2 into PREFIX, built in
# $WORK/build-curl$SUFFIX and $WORK/build-git2$SUFFIX.
build_deps() {
  sfx=$1 prefix=$2; shift 2
  rm -rf "$WORK/build-curl$sfx" "$WORK/build-git2$sfx"
  cmake -S "$curl_dir" -B "$WORK/build-curl$sfx" "$@" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DBUILD_LIBCURL_DOCS=OFF -DBUILD_MISC_DOCS=OFF -DENABLE_CURL_MANUAL=OFF \
    -DCURL_USE_OPENSSL=ON -DCURL_ZLIB=ON -DUSE_NGHTTP2=ON -DENABLE_THREADED_RESOLVER=ON \
    -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON -DUSE_LIBRTMP=OFF \
    -DCURL_USE_GSSAPI=OFF -DCURL_USE_LIBPSL=OFF -DUSE_LIBIDN2=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF \
    -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DUSE_NGTCP2=OFF -DUSE_QUICHE=OFF -DENABLE_ARES=OFF \
    -DCURL_DISABLE_NTLM=ON -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none
  cmake --build "$WORK/build-curl$sfx" $JOBS
  cmake --install "$WORK/build-curl$sfx"

  cmake -S "$git2_dir" -B "$WORK/build-git2$sfx" "$@" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTS=OFF -DBUILD_CLI=OFF -DBUILD_CLAR=OFF -DBUILD_EXAMPLES=OFF \
    -DUSE_HTTPS=OFF -DUSE_SSH=OFF -DUSE_NTLMCLIENT=OFF -DUSE_GSSAPI=OFF -DUSE_HTTP_PARSER=system \
    -DREGEX_BACKEND=regcomp -DUSE_BUNDLED_ZLIB=OFF -DUSE_BUNDLED_ZLIB=OFF -DUSE_SHA1=CollisionDetection
  cmake --build "$WORK/build-git2$sfx" $JOBS
  cmake --install "$WORK/build-git2$sfx"
}

# deps_aarch64 PREFIX: Debian's arm64 libhttp_parser.a and its header (from the .deb, unpacked
# without installing it), then the deps cross-compiled with the toolchain file.
deps_aarch64() {
  prefix=$1
  debs=$WORK/debs-aarch64
  rm -rf "$debs" && mkdir -p "$debs/root" "$prefix/lib" "$prefix/include"
  (cd "$debs" && apt-get download -q libhttp-parser-dev:arm64)
  dpkg-deb -x "$debs"/libhttp-parser-dev_*_arm64.deb "$debs/root"
  cp "$debs/root/usr/include/http_parser.h" "$prefix/include/"
  cp "$debs/root/usr/lib/aarch64-linux-gnu/libhttp_parser.a" "$prefix/lib/"
  build_deps -aarch64 "$prefix" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/aarch64-linux-gnu.cmake" \
    -DCMAKE_PREFIX_PATH="$prefix"
}

# finish BUILT OUT STRIP: copies the built binary to dist/OUT, strips it, checks it is static
# (no program interpreter, no NEEDED libraries) and under the size limit.
finish() {
  mkdir -p dist
  cp "$1" "dist/$2"
  "$3" "dist/$2"
  if readelf -l "dist/$2" | grep -q INTERP || readelf -d "dist/$2" 2>/dev/null | grep -q NEEDED; then
    echo "build-static: dist/$2 is dynamic" >&2; exit 1
  fi
  size=$(stat -c %s "dist/$2")
  [ "$size" -lt "$LIMIT" ] || { echo "build-static: dist/$2 is $size bytes (limit 10 MB)" >&2; exit 1; }
  file "dist/$2"
}

for arch in $arches; do
  case $arch in
  x86_64)
    if [ ! -f "$WORK/prefix/lib/libcurl.a" ] || [ ! -f "$WORK/prefix/lib/libgit2.a" ]; then
      fetch_sources
      build_deps "" "$WORK/prefix"
    fi
    cmake --preset static
    cmake --build --preset static
    finish build-static/convoy convoy-linux-x86_64 strip
    dist/convoy-linux-x86_64 --version
    ;;
  aarch64)
    if [ ! -f "$WORK/prefix-aarch64/lib/libcurl.a" ] || [ ! -f "$WORK/prefix-aarch64/lib/libgit2.a" ]; then
      fetch_sources
      deps_aarch64 "$WORK/prefix-aarch64"
    fi
    cmake --preset static-aarch64
    cmake --build --preset static-aarch64
    finish build-static-aarch64/convoy convoy-linux-aarch64 aarch64-linux-gnu-strip
    qemu-aarch64-static dist/convoy-linux-aarch64 --version
    ;;
  esac
done
