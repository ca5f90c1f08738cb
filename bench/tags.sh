#!/usr/bin/env bash
# bench/tags.sh: times a cold `convoy tags` process under an Actions-like environment (real
# push payload, a git workspace) and prints the mean in ms. Target: well under 20 ms.
# Usage: bench/tags.sh [path/to/convoy]  (hyperfine when installed, else a loop)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
CONVOY=${1:-${CONVOY:-$SRC/build/convoy}}
[ -x "$CONVOY" ] || { echo "no convoy binary at $CONVOY" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
node -e 'const d=require(process.argv[1]);require("fs").writeFileSync(process.argv[2],JSON.stringify(d.find(e=>e.name==="push").examples[4]))' \
	"$SRC/node_modules/@octokit/webhooks-examples/api.github.com/index.json" "$T/push.json"
export GITHUB_ACTIONS=true GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$T/push.json" \
	GITHUB_REF=refs/heads/master GITHUB_SHA=6113728f27ae82c7b1a177c8d03f9e96e0adf246 \
	GITHUB_REPOSITORY=Codertocat/Hello-World GITHUB_RUN_NUMBER=1 GITHUB_WORKSPACE="$SRC" \
	GITHUB_OUTPUT="$T/out" GITHUB_ENV="$T/env" GITHUB_STEP_SUMMARY="$T/summary" \
	INPUT_IMAGES=ghcr.io/org/app
export INPUT_TAGS=$'type=ref,event=branch\ntype=semver,pattern={{version}}\ntype=sha\ntype=raw,value={{date \'YYYYMMDD\'}}'
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N --warmup 5 --runs 100 --export-json "$T/h.json" "$CONVOY tags" >/dev/null
	mean=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["mean"]*1000))' "$T/h.json")
else
	n=100
	for _ in 1 2 3 4 5; do "$CONVOY" tags >/dev/null; done
	start=$(date +%s%N)
	for _ in $(seq $n); do "$CONVOY" tags >/dev/null; done
	end=$(date +%s%N)
	mean=$(python3 -c "print('%.2f' % (($end - $start) / $n / 1e6))")
fi
echo "convoy tags (cold process): mean ${mean} ms"
