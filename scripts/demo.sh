#!/bin/bash
# The demo of the main job, on an embedded default: starts a registry on loopback, generates a
# small example image, then tags -> push to dev -> promote to qa -> promote to prod, and prints
# the job summary and the prod history, each step introduced by a sentence that says what it does
# and why. Everything lives in a temp dir removed at exit.
# CONVOY=/path/to/convoy skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CONVOY:-}" ]; then
	cmake --preset dev >/dev/null && cmake --build --preset dev >/dev/null
	CONVOY=$PWD/build/convoy
fi
command -v docker-registry >/dev/null || { echo "demo: docker-registry is not installed (run scripts/deps.sh)" >&2; exit 1; }

D=$(mktemp -d /tmp/convoy-demo.XXXXXX)
REG_PID=
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
R=127.0.0.1:$PORT
cat >"$D/registry.yml" <<EOC
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $D/data}}
http: {addr: $R}
EOC
docker-registry serve "$D/registry.yml" >"$D/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 1 200); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	kill -0 "$REG_PID" 2>/dev/null || { cat "$D/registry.log" >&2; exit 1; }
	sleep 0.1
done
echo "Started a registry on $R for this demo (its files are in $D, removed at the end)."

python3 tests/e2e/tools/mkimage.py --seed 42 --layers 2 "$D/image" >/dev/null
cat >"$D/convoy.yml" <<EOC
stages:
  - name: dev
    repository: $R/example/app
    tags: [dev]
  - name: qa
    repository: $R/example/app
    tags: [qa]
  - name: prod
    repository: $R/prod/app
    tags: [prod, "{{version}}"]
EOC
export GITHUB_ACTIONS=true GITHUB_OUTPUT="$D/output" GITHUB_STEP_SUMMARY="$D/summary"
: >"$GITHUB_OUTPUT"; : >"$GITHUB_STEP_SUMMARY"
# A push to main of this checkout, as GitHub Actions would describe it.
SHA=$(git rev-parse HEAD 2>/dev/null || echo 0000000000000000000000000000000000000000)
export GITHUB_EVENT_NAME=push GITHUB_REF=refs/heads/main GITHUB_REF_NAME=main GITHUB_SHA=$SHA \
	GITHUB_REPOSITORY=example/app GITHUB_ACTOR=demo GITHUB_SERVER_URL=https://github.com \
	GITHUB_RUN_ID=1 GITHUB_RUN_ATTEMPT=1
# out NAME: the last value of a heredoc-form output.
out() { awk -v n="$1" 'index($0, n "<<")==1 { d=substr($0, length(n)+3); v=""; while ((getline l) > 0 && l != d) v = v (v=="" ? "" : "\n") l; r=v } END { print r }' "$GITHUB_OUTPUT"; }

echo
echo "Step 1 of 5, convoy tags: the image tags for this commit, as a push to main would get them:"
"$CONVOY" tags --images "$R/example/app" --tags $'type=raw,value=dev\ntype=sha' >"$D/tags.log"
TAGS=$(out tags)
printf '%s\n' "$TAGS"
VERSION=$(printf '%s\n' "$TAGS" | sed -n 's/.*:\(sha-[0-9a-f]*\)$/\1/p' | head -1)
[ -n "$VERSION" ] || { echo "demo: tags computed no sha- tag" >&2; exit 1; }
echo
echo "Step 2 of 5, convoy push: the example image goes to the dev stage ($R/example/app) under those tags:"
args=(); while IFS= read -r t; do args+=(--tag-list "$t"); done <<<"$TAGS"
"$CONVOY" push --source "$D/image" "${args[@]}"
P=(--pipeline-file "$D/convoy.yml")
echo
echo "Step 3 of 5, convoy promote --to qa: the digest dev has now becomes qa's; same repository, so no bytes move:"
"$CONVOY" promote --to qa "${P[@]}"
echo
echo "Step 4 of 5, convoy promote --to prod --version $VERSION: the same digest goes to prod, in another repository (its layers are mounted, not uploaded again):"
"$CONVOY" promote --to prod --version "$VERSION" "${P[@]}"
IMAGE=$(out image)
echo
echo "The job summary GitHub would show under these steps (markdown):"
cat "$GITHUB_STEP_SUMMARY"
echo
echo "Step 5 of 5, convoy history --stage prod: the promotions into prod, read from the ledger that convoy keeps in the registry itself:"
"$CONVOY" history --stage prod "${P[@]}"
echo
echo "Done: one image, ${IMAGE#*@}, was pushed once to dev and promoted to qa and prod without a rebuild."
echo "To run it on Amazon ECS: convoy deploy --stage prod --image $IMAGE (with a deploy: block in the pipeline file)."
echo "After the next promotion into prod, convoy rollback --stage prod puts this one back."
