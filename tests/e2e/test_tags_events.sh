#!/usr/bin/env bash
# convoy tags under GitHub Actions, driven as the runner drives it: INPUT_* variables, a real
# event payload from @octokit/webhooks-examples in GITHUB_EVENT_PATH, GITHUB_OUTPUT parsed back.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tags_lib.sh"

SHA=6113728f27ae82c7b1a177c8d03f9e96e0adf246
payload push 4 "$T/push_branch.json"
payload push 0 "$T/push_tag.json"
payload pull_request 0 "$T/pr.json"
payload release 0 "$T/release.json"
payload workflow_dispatch 0 "$T/dispatch.json"
# schedule has no example payload: the runner sends the cron line and the repository
printf '{"schedule":"0 3 * * *","repository":{"name":"Hello-World","default_branch":"master","html_url":"https://github.com/Codertocat/Hello-World"}}' >"$T/schedule.json"

STD_TAGS='type=schedule
type=ref,event=branch
type=ref,event=tag
type=ref,event=pr
type=semver,pattern={{version}}
type=semver,pattern={{major}}.{{minor}}
type=sha
type=edge'

# push to the default branch: branch tag, edge, sha; no latest; labels from the payload
gh_env push "$T/push_branch.json" refs/heads/master $SHA
export INPUT_IMAGES=$'ghcr.io/Codertocat/Hello-World\nname=docker.io/codertocat/hello,enable=false' INPUT_TAGS="$STD_TAGS"
tags_ok
assert_eq "$(gh_output tags)" $'ghcr.io/codertocat/hello-world:edge\nghcr.io/codertocat/hello-world:master\nghcr.io/codertocat/hello-world:sha-6113728' "push to default branch: tags (edge has priority 700, ref 600)"
assert_eq "$(gh_output version)" edge "push to default branch: version"
assert_eq "$(gh_output tag-names)" $'edge\nmaster\nsha-6113728' "tag-names"
labels=$(gh_output labels)
assert_contains "$labels" "org.opencontainers.image.created=2020-01-10T00:30:00.000Z" "created from SOURCE_DATE_EPOCH"
assert_contains "$labels" "org.opencontainers.image.source=https://github.com/Codertocat/Hello-World" "source label"
assert_contains "$labels" "org.opencontainers.image.title=Hello-World" "title label"
assert_contains "$labels" "org.opencontainers.image.revision=$SHA" "revision label"
assert_eq "$(json_get 'j["tags"][1]')" "ghcr.io/codertocat/hello-world:master" "json tags"
assert_eq "$(json_get 'list(j.keys())')" "['tags', 'tag-names', 'labels', 'annotations']" "json shape"
assert_eq "$(json_get 'j["labels"]["org.opencontainers.image.version"]')" edge "json labels"
assert_eq "$(json_get 'j["annotations"][0].split("=")[0]')" "manifest:org.opencontainers.image.created" "json annotations"
assert_eq "$(gh_output DOCKER_METADATA_OUTPUT_VERSION "$GITHUB_ENV")" edge "env export of version"
assert_eq "$(gh_output DOCKER_METADATA_OUTPUT_TAG_NAMES "$GITHUB_ENV")" $'edge\nmaster\nsha-6113728' "env export of tag-names"
assert_contains "$(cat "$GITHUB_STEP_SUMMARY")" "ghcr.io/codertocat/hello-world:edge" "summary lists the tags"
pass "push to the default branch"

# push to a feature branch with slashes and upper case; separators; run extras
gh_env push "$T/push_branch.json" refs/heads/Feature/Add-Login_v2 $SHA
export INPUT_IMAGES=user/app INPUT_TAGS=$'type=ref,event=branch\ntype=raw,value={{branch}}-{{sha}}\ntype=run\ntype=raw,value=build-{{run_number}}.{{run_attempt}},enable={{is_not_default_branch}}\ntype=raw,value=latest,enable={{is_default_branch}}'
tags_ok INPUT_SEP-TAGS=,
assert_eq "$(gh_output tags)" "user/app:Feature-Add-Login_v2,user/app:Feature-Add-Login_v2-6113728,user/app:build-42.2,user/app:run-42" "feature branch tags"
pass "push to a feature branch"

# semver tag push: full set with latest, flavor prefix, DOCKER_METADATA_SHORT_SHA_LENGTH
gh_env push "$T/push_tag.json" refs/tags/v1.2.3 $SHA
export INPUT_IMAGES=user/app INPUT_TAGS="$STD_TAGS" DOCKER_METADATA_SHORT_SHA_LENGTH=10
tags_ok
assert_eq "$(gh_output tags)" $'user/app:1.2.3\nuser/app:1.2\nuser/app:v1.2.3\nuser/app:sha-6113728f27\nuser/app:latest' "semver tag push"
assert_eq "$(gh_output version)" 1.2.3 "semver version"
unset DOCKER_METADATA_SHORT_SHA_LENGTH
export INPUT_TAGS=$'type=semver,pattern={{major}}\ntype=semver,pattern={{version}}' INPUT_FLAVOR=$'prefix=app-,onlatest=true\nsuffix=-slim'
tags_ok
assert_eq "$(gh_output tags)" $'user/app:app-1-slim\nuser/app:app-1.2.3-slim\nuser/app:app-latest' "flavor prefix/suffix/onlatest"
pass "semver tag push"

# pre-release: {{version}} only, no latest, no partials
gh_env push "$T/push_tag.json" refs/tags/v2.0.0-rc.1 $SHA
export INPUT_IMAGES=user/app INPUT_TAGS="$STD_TAGS"
tags_ok
assert_eq "$(gh_output tags)" $'user/app:2.0.0-rc.1\nuser/app:v2.0.0-rc.1\nuser/app:sha-6113728' "pre-release tags"
assert_not_contains "$(gh_output tags)" latest "no latest for a pre-release"
pass "pre-release tag push"

# non-semver tag: ref tag and latest (auto), semver warns
gh_env push "$T/push_tag.json" refs/tags/simple-tag $SHA
export INPUT_IMAGES=user/app INPUT_TAGS="$STD_TAGS"
tags_ok
assert_eq "$(gh_output tags)" $'user/app:simple-tag\nuser/app:sha-6113728\nuser/app:latest' "non-semver tag"
assert_contains "$(cat "$T/log")" "::warning::simple-tag is not a valid semver" "semver warning"
pass "non-semver tag push"

# pull_request: pr-N from the ref; DOCKER_METADATA_PR_HEAD_SHA takes the head sha
gh_env pull_request "$T/pr.json" refs/pull/2/merge 1111111111111111111111111111111111111111
export INPUT_IMAGES=user/app INPUT_TAGS=$'type=ref,event=pr\ntype=sha\ntype=raw,value=into-{{base_ref}}'
tags_ok
assert_eq "$(gh_output tags)" $'user/app:pr-2\nuser/app:into-master\nuser/app:sha-1111111' "pull_request tags"
export DOCKER_METADATA_PR_HEAD_SHA=true
tags_ok
assert_eq "$(gh_output tags)" $'user/app:pr-2\nuser/app:into-master\nuser/app:sha-ec26c3e' "PR head sha"
assert_contains "$(gh_output labels)" "revision=ec26c3e57ca3a959ca5aad62de7213c562f8c821" "PR head sha label"
unset DOCKER_METADATA_PR_HEAD_SHA
pass "pull_request"

# pull_request_target: GITHUB_REF is the base branch; the ref becomes refs/pull/N/merge
gh_env pull_request_target "$T/pr.json" refs/heads/master $SHA
export INPUT_IMAGES=user/app INPUT_TAGS=$'type=ref,event=pr\ntype=ref,event=branch'
tags_ok
assert_eq "$(gh_output tags)" "user/app:pr-2" "pull_request_target tags"
pass "pull_request_target"

# workflow_dispatch on the default branch
gh_env workflow_dispatch "$T/dispatch.json" refs/heads/main $SHA
export INPUT_IMAGES=user/app INPUT_TAGS=$'type=edge,branch=main\ntype=raw,value=default,enable={{is_default_branch}}'
tags_ok
assert_eq "$(gh_output tags)" $'user/app:edge\nuser/app:default' "workflow_dispatch"
pass "workflow_dispatch"

# schedule: nightly and a dated pattern in a zone
gh_env schedule "$T/schedule.json" refs/heads/master $SHA
export INPUT_IMAGES=user/app INPUT_TAGS=$'type=schedule\ntype=schedule,pattern={{date \'YYYYMMDD-HHmm\' tz=\'Asia/Tokyo\'}}\ntype=ref,event=branch'
tags_ok
assert_eq "$(gh_output tags)" $'user/app:nightly\nuser/app:20200110-0930\nuser/app:master' "schedule"
assert_eq "$(gh_output version)" nightly "schedule version"
pass "schedule"

# release: the runner sets GITHUB_REF to the release tag
gh_env release "$T/release.json" refs/tags/0.0.1 $SHA
export INPUT_IMAGES=user/app INPUT_TAGS=$'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=pep440,pattern={{version}}'
tags_ok
assert_eq "$(gh_output tags)" $'user/app:0.0.1\nuser/app:0.0\nuser/app:latest' "release"
pass "release"

# the default tag set, no images: bare tags
gh_env push "$T/push_branch.json" refs/heads/master $SHA
tags_ok
assert_eq "$(gh_output tags)" master "default tags without images"
pass "default tag set"

# an over-long branch is shortened deterministically with a hash, with a warning
gh_env push "$T/push_branch.json" "refs/heads/feature/$(printf 'x%.0s' $(seq 1 150))" $SHA
export INPUT_IMAGES=user/app
tags_ok
t1=$(gh_output tags)
tags_ok
assert_eq "$(gh_output tags)" "$t1" "shortening is deterministic"
tag=${t1#user/app:}
[ ${#tag} -eq 128 ] || fail "shortened tag has ${#tag} characters"
assert_contains "$(cat "$T/log")" "::warning::tag 'feature-xxx" "shortening warns"
pass "long branch shortened"
