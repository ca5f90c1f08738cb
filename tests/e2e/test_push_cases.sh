#!/usr/bin/env bash
# push: multi-platform index, OCI archive, tags computed in the same run, Basic auth (good and
# wrong credentials, no secret in any output), and a corrupt blob that must leave every tag
# exactly where it was. Verified with skopeo against the real CNCF registry.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"

start_registry OPEN
R=127.0.0.1:$OPEN_PORT

# Multi-platform: the index and both child manifests land; the tag points at the index.
mkimage "$T/multi" --platforms linux/amd64,linux/arm64 --seed 11
actions_env
"$CONVOY" push --source "$T/multi" --tag-list "$R/multi:1" >"$T/out" 2>&1 || { cat "$T/out"; fail "multi-platform push"; }
want=$(gh_output digest)
assert_eq "$(digest_of "$R/multi:1")" "$want" "multi-platform tag digest"
for arch in amd64 arm64; do
	skopeo inspect --tls-verify=false --override-arch $arch --override-os linux "docker://$R/multi:1" >/dev/null \
		|| fail "platform linux/$arch not pullable"
done
pass "push__multi_platform_index_pushed_whole"

# OCI archive: a tar of a layout gives the same digest as the layout itself.
mkimage "$T/one" --layers 2 --seed 12
(cd "$T/one" && tar -cf "$T/one.tar" .)
actions_env
"$CONVOY" push --source "$T/one.tar" --tag-list "$R/arch:1" >"$T/out" 2>&1 || { cat "$T/out"; fail "OCI archive push"; }
assert_eq "$(digest_of "$R/arch:1")" "$(gh_output digest)" "archive digest"
pass "push__oci_archive"

# docker save (legacy layer.tar layout, as skopeo and docker < 25 write it): layers are
# recompressed deterministically, so two pushes of the same tarball give one digest, and the
# image reads back whole.
skopeo copy -q "oci:$T/one" "docker-archive:$T/saved.tar:app:1"
tar -tf "$T/saved.tar" >"$T/saved.list"
grep -q '/layer.tar$' "$T/saved.list" || fail "skopeo did not write a legacy docker save tarball"
actions_env
"$CONVOY" push --source "$T/saved.tar" --tag-list "$R/saved:1" >"$T/out" 2>&1 || { cat "$T/out"; fail "docker save push"; }
d1=$(gh_output digest)
assert_eq "$(digest_of "$R/saved:1")" "$d1" "docker save digest"
actions_env
"$CONVOY" push --source "$T/saved.tar" --tag-list "$R/saved2:1" >"$T/out" 2>&1 || { cat "$T/out"; fail "docker save push 2"; }
assert_eq "$(gh_output digest)" "$d1" "recompression is not deterministic"
skopeo copy -q --src-tls-verify=false "docker://$R/saved:1" "oci:$T/back" || fail "docker save image does not read back"
pass "push__docker_save_recompressed_deterministically"

# Tags computed as `convoy tags` would, in the same step.
actions_env
export GITHUB_EVENT_NAME=push GITHUB_REF=refs/heads/main GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 \
	GITHUB_REPOSITORY=octo/app GITHUB_EVENT_PATH="$T/event.json"
echo '{"repository":{"default_branch":"main"}}' >"$T/event.json"
"$CONVOY" push --source "$T/one" --images "$R/computed" --tags $'type=ref,event=branch\ntype=sha' >"$T/out" 2>&1 \
	|| { cat "$T/out"; fail "push with computed tags"; }
d=$(gh_output digest)
for tag in main sha-0123456; do
	assert_eq "$(digest_of "$R/computed:$tag")" "$d" "computed tag $tag"
done
pass "push__tags_computed_in_the_same_run"

# A corrupt blob stops the push before any manifest or tag is written.
mkimage "$T/bad" --layers 2 --seed 13
actions_env
"$CONVOY" push --source "$T/one" --tag-list "$R/victim:stable" >/dev/null 2>&1 || fail "seeding victim"
before=$(digest_of "$R/victim:stable")
layer=$(ls -S "$T/bad/blobs/sha256/" | head -1)
printf 'corrupt' | dd of="$T/bad/blobs/sha256/$layer" bs=1 seek=10 conv=notrunc 2>/dev/null
actions_env
if "$CONVOY" push --source "$T/bad" --tag-list "$R/victim:stable" --tag-list "$R/victim:new" >"$T/out" 2>&1; then
	fail "a corrupt blob was pushed"
fi
assert_contains "$(cat "$T/out")" "::error::" "corrupt blob error"
assert_eq "$(digest_of "$R/victim:stable")" "$before" "existing tag moved by a failed push"
assert_eq "$(digest_of "$R/victim:new")" "" "new tag created by a failed push"
assert_eq "$(cat "$GITHUB_OUTPUT")" "" "outputs of a failed push"
pass "push__corrupt_blob_leaves_tags_untouched"

# Basic auth: right credentials work; wrong ones fail clearly and never print the password.
need htpasswd
htpasswd -Bbn pusher 'S3cret-Pa55-x9' >"$T/htpasswd"
start_registry AUTH "$T/htpasswd"
A=127.0.0.1:$AUTH_PORT
actions_env
INPUT_USERNAME=pusher INPUT_PASSWORD='S3cret-Pa55-x9' "$CONVOY" push --source "$T/one" --tag-list "$A/app:1" >"$T/out" 2>&1 \
	|| { cat "$T/out"; fail "basic auth push"; }
assert_contains "$(head -1 "$T/out")" "::add-mask::S3cret-Pa55-x9" "password masked first"
assert_eq "$(digest_of "$A/app:1" --creds pusher:S3cret-Pa55-x9)" "$(gh_output digest)" "basic auth digest"
actions_env
if INPUT_USERNAME=pusher INPUT_PASSWORD='Wr0ng-Pa55-y7' "$CONVOY" push --source "$T/one" --tag-list "$A/app:2" >"$T/out" 2>&1; then
	fail "wrong credentials accepted"
fi
assert_contains "$(cat "$T/out")" "credentials" "wrong credentials message"
n=$(grep -v '^::add-mask::' "$T/out" "$GITHUB_OUTPUT" "$GITHUB_STEP_SUMMARY" | grep -c 'Wr0ng-Pa55-y7' || true)
assert_eq "$n" 0 "password in output"
pass "push__basic_auth_and_wrong_credentials"
