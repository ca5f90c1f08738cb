#!/bin/sh
# Installs what convoy needs to build and test on Debian bookworm: C libraries (-dev packages),
# the real CNCF registry and skopeo for the registry tests, and the npm test tools.
set -eu
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s libgit2-dev curl libcurl4-openssl-dev libjansson-dev libyaml-dev docker-registry skopeo \
	apache2-utils libclang-rt-14-dev clang cmake pkg-config git valgrind >/dev/null 2>&1; then
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends \
		build-essential cmake pkg-config git ca-certificates curl \
		libgit2-dev libcurl4-openssl-dev libssl-dev libjansson-dev libyaml-dev zlib1g-dev \
		docker-registry skopeo apache2-utils \
		clang libclang-rt-14-dev valgrind >/dev/null
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
if [ ! -d node_modules/@octokit/webhooks-examples ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
# moto's server + boto3 (tests/e2e/test_aws_moto.sh) come with the machine image's Python 3.11:
# PyPI is not reachable from CI and Debian has no moto package, so they are checked, not installed.
moto_ok=""
for py in ${CONVOY_MOTO_PYTHON:-} /root/.pyenv/versions/3.11.7/bin/python3 python3; do
	if "$py" -c 'import moto.server, boto3' >/dev/null 2>&1; then moto_ok=$py; break; fi
done
if [ -z "$moto_ok" ]; then
	echo "deps: moto's server and boto3 are missing (expected in the machine image's Python 3.11," \
		"/root/.pyenv/versions/3.11.7/bin/python3; or set CONVOY_MOTO_PYTHON): test_aws_moto needs them" >&2
	exit 1
fi
