#!/bin/sh
# Builds dist/convoy-linux-x86_64: a fully static, stripped convoy.
# Debian's static libcurl/libgit2 pull in GSSAPI/LDAP/RTMP (no static archives), so minimal
# libcurl (HTTP/HTTPS, OpenSSL, zlib, nghttp2, threaded resolver) and libgit2 (no network
# transports) are built from Debian's own source packages into .static-work/prefix.
# Idempotent: the deps are rebuilt only when the prefix is missing.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$ROOT/.static-work
PREFIX=$WORK/prefix
JOBS=-j2

need_pkgs="build-essential cmake pkg-config dpkg-dev libssl-dev zlib1g-dev libnghttp2-dev libjansson-dev libyaml-dev libsodium-dev libpcre2-dev libhttp-parser-dev file binutils"
missing=""
for p in $need_pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then apt-get update -q && apt-get install -y -q $missing; fi

if [ ! -f "$PREFIX/lib/libcurl.a" ] || [ ! -f "$PREFIX/lib/libgit2.a" ]; then
  src=/etc/apt/sources.list.d/convoy-src.sources
  if [ ! -f "$src" ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src"
    apt-get update -q
  fi
  mkdir -p "$WORK" && cd "$WORK"
  # The newest source version the mirror really serves (security updates may be unreachable).
  fetch_source() {
    for v in $(apt-cache showsrc "$1" | sed -n 's/^Version: //p' | sort -rV); do
      apt-get source -q "$1=$v" && return 0
    done
    echo "build-static: no source package of $1 could be fetched" >&2; return 1
  }
  [ -n "$(ls -d curl-*/ 2>/dev/null)" ] || fetch_source curl
  [ -n "$(ls -d libgit2-*/ 2>/dev/null)" ] || fetch_source libgit2
  curl_dir=$(ls -d "$WORK"/curl-*/ | head -1)
  git2_dir=$(ls -d "$WORK"/libgit2-*/ | head -1)

  rm -rf "$WORK/build-curl" "$WORK/build-git2"
  cmake -S "$curl_dir" -B "$WORK/build-curl" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DBUILD_LIBCURL_DOCS=OFF -DBUILD_MISC_DOCS=OFF -DENABLE_CURL_MANUAL=OFF \
    -DCURL_USE_OPENSSL=ON -DCURL_ZLIB=ON -DUSE_NGHTTP2=ON -DENABLE_THREADED_RESOLVER=ON \
    -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON -DUSE_LIBRTMP=OFF \
    -DCURL_USE_GSSAPI=OFF -DCURL_USE_LIBPSL=OFF -DUSE_LIBIDN2=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF \
    -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DUSE_NGTCP2=OFF -DUSE_QUICHE=OFF -DENABLE_ARES=OFF \
    -DCURL_DISABLE_NTLM=ON -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none
  cmake --build "$WORK/build-curl" $JOBS && cmake --install "$WORK/build-curl"

  cmake -S "$git2_dir" -B "$WORK/build-git2" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTS=OFF -DBUILD_CLI=OFF -DBUILD_CLAR=OFF -DBUILD_EXAMPLES=OFF \
    -DUSE_HTTPS=OFF -DUSE_SSH=OFF -DUSE_NTLMCLIENT=OFF -DUSE_GSSAPI=OFF -DUSE_HTTP_PARSER=system \
    -DREGEX_BACKEND=regcomp -DUSE_BUNDLED_ZLIB=OFF -DUSE_BUNDLED_ZLIB=OFF -DUSE_SHA1=CollisionDetection
  cmake --build "$WORK/build-git2" $JOBS && cmake --install "$WORK/build-git2"
  cd "$ROOT"
fi

cmake --preset static
cmake --build --preset static
mkdir -p dist
cp build-static/convoy dist/convoy-linux-x86_64
strip dist/convoy-linux-x86_64
if ldd dist/convoy-linux-x86_64 2>&1 | grep -qv 'not a dynamic executable'; then
  echo "build-static: dist binary is dynamic" >&2; exit 1
fi
size=$(stat -c %s dist/convoy-linux-x86_64)
[ "$size" -lt 10485760 ] || { echo "build-static: binary is $size bytes (limit 10 MB)" >&2; exit 1; }
file dist/convoy-linux-x86_64
dist/convoy-linux-x86_64 --version
