#!/usr/bin/env bash
# convoy tags refuses bad input as the runner sees it: one ::error:: naming the input and the
# entry, exit code 2 (a usage error), and nothing in GITHUB_OUTPUT / GITHUB_ENV (no partial outputs).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tags_lib.sh"

payload push 4 "$T/push.json"
SHA=6113728f27ae82c7b1a177c8d03f9e96e0adf246

# expect_error WHAT NEEDLE...: the last run failed with an ::error:: containing every NEEDLE
expect_error() {
	local what=$1 rc=0; shift
	env "${ENVS[@]}" "$CONVOY" tags >"$T/log" 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || { cat "$T/log" >&2; fail "$what: exit code $rc, want 2"; }
	local err
	err=$(grep '^::error' "$T/log" || true)
	[ -n "$err" ] || { cat "$T/log" >&2; fail "$what: no ::error:: line"; }
	for n in "$@"; do assert_contains "$err" "$n" "$what"; done
	[ ! -s "$GITHUB_OUTPUT" ] || fail "$what: GITHUB_OUTPUT is not empty: $(cat "$GITHUB_OUTPUT")"
	[ ! -s "$GITHUB_ENV" ] || fail "$what: GITHUB_ENV is not empty"
	pass "$what"
}

ENVS=()
gh_env push "$T/push.json" refs/heads/master $SHA
export INPUT_IMAGES=user/app

INPUT_TAGS=$'type=ref,event=branch\ntype=nightly' expect_error "unknown type" "input 'tags'" "type=nightly" "unknown type"
INPUT_TAGS='type=raw,value=a,colour=red' expect_error "bad attribute" "input 'tags'" "colour"
INPUT_TAGS='type=ref,event=push' expect_error "bad attribute value" "input 'tags'" "type=ref,event=push" "invalid event"
INPUT_TAGS='type=raw,value=a,enable=yes' expect_error "invalid enable" "input 'tags'" "enable=yes" "enable"
INPUT_TAGS='type=raw,value=a,enable={{branch}}' expect_error "enable expression not boolean" "input 'tags'" "master"
INPUT_TAGS='type=raw,value={{date}}' expect_error "date without a format" "input 'tags'" "needs a format"
INPUT_FLAVOR='latest=sometimes' expect_error "bad flavor" "input 'flavor'" "latest=sometimes"
INPUT_IMAGES='user/app:1.0' expect_error "image name with a tag" "input 'images'" "user/app:1.0"
INPUT_IMAGES='user//app' expect_error "invalid image name" "input 'images'" "user//app"
INPUT_IMAGES='name=user/app,enable=perhaps' expect_error "invalid image enable" "input 'images'" "enable=perhaps"
INPUT_CONTEXT=nowhere expect_error "bad context" "input 'context'" "nowhere"

printf '{"ref": "refs/heads/master", ' >"$T/bad.json"
GITHUB_EVENT_PATH="$T/bad.json" expect_error "malformed payload" "GITHUB_EVENT_PATH" "not valid JSON"
printf '[1,2]' >"$T/array.json"
GITHUB_EVENT_PATH="$T/array.json" expect_error "payload not an object" "GITHUB_EVENT_PATH" "JSON object"
GITHUB_EVENT_PATH="$T/missing.json" expect_error "missing payload file" "GITHUB_EVENT_PATH" "cannot read"
DOCKER_METADATA_SHORT_SHA_LENGTH=seven expect_error "bad short sha length" "DOCKER_METADATA_SHORT_SHA_LENGTH" "seven"
SOURCE_DATE_EPOCH=yesterday expect_error "bad SOURCE_DATE_EPOCH" "SOURCE_DATE_EPOCH" "yesterday"

# the repository API unreachable: still succeeds, with a warning, labels from the payload
port=$(free_port)
tags_ok "INPUT_GITHUB-TOKEN=ghs_secret_value" GITHUB_API_URL="http://127.0.0.1:$port"
assert_contains "$(cat "$T/log")" "::warning::repository data unavailable" "API failure is a warning"
assert_contains "$(cat "$T/log")" "::add-mask::ghs_secret_value" "the token is masked first"
assert_not_contains "$(grep -v '^::add-mask::' "$T/log")" "ghs_secret_value" "the token is never printed"
assert_contains "$(gh_output labels)" "org.opencontainers.image.title=Hello-World" "labels from the payload"
pass "unreachable GitHub API degrades to a warning"
