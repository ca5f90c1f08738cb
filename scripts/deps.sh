#!/bin/sh
# Installs what convoy needs to build and test on Debian bookworm: C libraries (-dev packages),
# the real CNCF registry and skopeo for the registry tests, qemu-user-static to run the arm64
# dist/ binary (tests/e2e/test_dist_aarch64.sh), python3-botocore for the AWS stand-in
# (tests/e2e/tools/aws_standin.py: SigV4 checked by botocore), and the npm test tools.
set -eu
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# One package a line: what the build, the tests and their independent verifiers need.
pkgs="
	build-essential
	cmake
	pkg-config
	git
	ca-certificates
	curl
	libgit2-dev
	libcurl4-openssl-dev
	libssl-dev
	libjansson-dev
	libyaml-dev
	libsodium-dev
	zlib1g-dev
	docker-registry
	skopeo
	apache2-utils
	python3-botocore
	python3-yaml
	python3-jsonschema
	clang
	libclang-rt-14-dev
	valgrind
	qemu-user-static
	time
	jq
"
# shellcheck disable=SC2086
if ! dpkg -s $pkgs >/dev/null 2>&1; then
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi
# Node (test tools) and Python 3 (test servers): Debian's, unless the machine has its own.
missing=""
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# npm ci again whenever the lock file changed since node_modules was made.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.convoy-lock 2>/dev/null)" != "$lock_sum" ]; then
	npm ci --no-audit --no-fund --loglevel=error
	echo "$lock_sum" >node_modules/.convoy-lock
fi
# moto (tests/e2e/test_aws_moto.sh, an extra suite) is not a dependency: Debian has no package
# for it, and that suite reports itself skipped where it is not installed.
