#!/usr/bin/env bash
# merge (issue 17): a matrix build's platforms, each pushed with `push --by-digest` (no tag),
# joined by `convoy merge` into one OCI image index against the real CNCF registry. The index is
# checked with skopeo (raw, per-platform resolution, copy --all to a second registry) and
# against the image-spec's JSON schema (tests/data/oci-schema, Debian's python3-jsonschema);
# every refusal leaves the repository without a new tag; the index promotes like any digest.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "Debian's python3 is required"
"$PY" -c 'import jsonschema' 2>/dev/null ||
	fail "python3-jsonschema is not installed (scripts/deps.sh installs it)"
start_registry A; start_registry B
R=127.0.0.1:$A_PORT RB=127.0.0.1:$B_PORT

# tags_of REPO: its tags sorted, one line; "" when it has none (the registry answers 404 for
# a repository with manifests and no tag). Any other failure fails the test.
tags_of() {
	local out
	if out=$(skopeo list-tags --tls-verify=false "docker://$1" 2>"$T/lt.err"); then
		echo "$out" | "$PY" -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"] or [])))'
	elif grep -q '404 (Not Found)' "$T/lt.err"; then
		echo ""
	else
		cat "$T/lt.err" >&2; fail "skopeo list-tags $1"
	fi
}
raw() { skopeo inspect --raw --tls-verify=false "docker://$1"; }

mkimage "$T/amd64" --seed m --platform linux/amd64
mkimage "$T/arm64" --seed m --platform linux/arm64/v8
mkimage "$T/amd64b" --seed other --platform linux/amd64
mkimage "$T/docker" --seed d --platform linux/s390x --docker
mkimage "$T/multi" --seed x --platforms linux/ppc64le,linux/riscv64

# push --by-digest: manifests and blobs, no tag; digest and platform outputs.
declare -A DIG
for img in amd64 arm64 amd64b docker multi; do
	actions_env
	"$CONVOY" push --by-digest --source "$T/$img" --images "$R/app" >"$T/push-$img.out" 2>&1 ||
		{ cat "$T/push-$img.out"; fail "push --by-digest $img"; }
	DIG[$img]=$(gh_output digest)
	assert_eq "$(gh_output tags)" "" "tags output of push --by-digest ($img)"
	raw "$R/app@${DIG[$img]}" >/dev/null || fail "$img is not in the registry by digest"
	case $img in
	amd64) assert_eq "$(gh_output platform)" "linux/amd64" "platform output (amd64)" ;;
	arm64) assert_eq "$(gh_output platform)" "linux/arm64/v8" "platform output (arm64)" ;;
	multi) assert_eq "$(gh_output platform)" "linux/ppc64le,linux/riscv64" "platform output (multi)" ;;
	esac
done
assert_eq "$(tags_of "$R/app")" "" "tags after five pushes by digest"
pass "push__by_digest_writes_no_tag_and_outputs_platform"

actions_env
rc=0
"$CONVOY" push --by-digest --source "$T/amd64" --tag-list "$R/app:v1" >"$T/bd.out" 2>&1 || rc=$?
assert_eq "$rc" 2 "push --by-digest with a tagged tag-list entry"
assert_contains "$(cat "$T/bd.out")" "input 'tag-list'" "by-digest refusal names the input"
assert_eq "$(tags_of "$R/app")" "" "tags after a refused push --by-digest"
pass "push__by_digest_refuses_a_tag"

# merge from a digests file (as matrix jobs upload them) with tags and an annotation.
printf '# one digest a line\n%s\n\n%s\n' "${DIG[arm64]}" "${DIG[amd64]}" >"$T/digests"
actions_env
"$CONVOY" merge "$R/app" --digests-file "$T/digests" --tag-list "$R/app:v1" \
	--tag-list "$R/app:latest" --annotations "manifest:org.opencontainers.image.title=demo" \
	>"$T/merge.out" 2>&1 || { cat "$T/merge.out"; fail "merge"; }
DI=$(gh_output digest)
assert_eq "$(gh_output tags)" "$R/app:v1
$R/app:latest" "tags output of merge"
assert_eq "$(gh_output platforms)" "linux/amd64
linux/arm64/v8" "platforms output of merge"
assert_outputs_in_action_yml "$GITHUB_OUTPUT"
assert_eq "$(tags_of "$R/app")" "latest v1" "tags after merge"
raw "$R/app:v1" >"$T/index.json" || fail "no index at app:v1"
assert_eq "$(sha256sum <"$T/index.json" | awk '{print "sha256:"$1}')" "$DI" "digest of app:v1"
"$PY" - "$T/index.json" "${DIG[amd64]}" "${DIG[arm64]}" <<'PY' || fail "index content"
import json, sys
ix = json.load(open(sys.argv[1]))
assert ix["schemaVersion"] == 2 and ix["mediaType"] == "application/vnd.oci.image.index.v1+json", ix
got = {(m["platform"]["os"], m["platform"]["architecture"], m["platform"].get("variant")): m
       for m in ix["manifests"]}
assert set(got) == {("linux", "amd64", None), ("linux", "arm64", "v8")}, got
assert got[("linux", "amd64", None)]["digest"] == sys.argv[2]
assert got[("linux", "arm64", "v8")]["digest"] == sys.argv[3]
for m in ix["manifests"]:
    assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json" and m["size"] > 0, m
assert ix["annotations"] == {"org.opencontainers.image.title": "demo"}, ix.get("annotations")
PY
grep -q '### convoy merge' "$GITHUB_STEP_SUMMARY" && grep -q "$DI" "$GITHUB_STEP_SUMMARY" ||
	{ cat "$GITHUB_STEP_SUMMARY"; fail "job summary row"; }
pass "merge__two_platforms_into_one_tagged_oci_index"

# The image-spec's own schema for an image index (its $refs resolved from the same folder).
"$PY" - "$CONVOY_SRC/tests/data/oci-schema" "$T/index.json" <<'PY' || fail "index does not validate against the OCI image-index schema"
import json, os, sys, jsonschema
d = sys.argv[1]
load = lambda uri: json.load(open(os.path.join(d, uri.rsplit("/", 1)[-1])))
schema = load("image-index-schema.json")
res = jsonschema.RefResolver("file://%s/" % d, schema, handlers={"https": load, "http": load})
jsonschema.Draft4Validator(schema, resolver=res).validate(json.load(open(sys.argv[2])))
# the validator is not vacuous: an index without manifests, or a bad digest, is refused
for bad in ({"schemaVersion": 2}, {"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "nope"}]}):
    try:
        jsonschema.Draft4Validator(schema, resolver=res).validate(bad)
    except jsonschema.ValidationError:
        continue
    sys.exit("schema accepted %r" % bad)
PY
pass "merge__index_validates_against_the_oci_image_index_schema"

# A client picking a platform gets that platform's manifest.
for p in "arm64 v8 arm64" "amd64 '' amd64"; do
	set -- $p
	var=${2//\'/}
	out=$(skopeo inspect --tls-verify=false --override-os linux --override-arch "$1" \
		${var:+--override-variant "$var"} "docker://$R/app:v1") || fail "inspect $1"
	arch=$(echo "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["Architecture"])')
	# Digest is the index's (the reference's); Layers are the resolved image's own.
	layers=$(echo "$out" | "$PY" -c 'import json,sys; print(" ".join(json.load(sys.stdin)["Layers"]))')
	want=$(raw "$R/app@${DIG[$3]}" | "$PY" -c 'import json,sys; print(" ".join(l["digest"] for l in json.load(sys.stdin)["layers"]))')
	assert_eq "$arch" "$3" "Architecture resolved for $1"
	assert_eq "$layers" "$want" "layers of the manifest resolved for $1"
done
raw "$R/app:v1" --override-arch arm64 | cmp -s - "$T/index.json" ||
	fail "inspect --raw --override-arch arm64 does not show the index itself"
pass "merge__platform_resolution_picks_each_manifest"

skopeo copy -q --all --src-tls-verify=false --dest-tls-verify=false \
	"docker://$R/app:v1" "docker://$RB/copy:v1" || fail "skopeo copy --all"
raw "$RB/copy:v1" | cmp -s - "$T/index.json" || fail "copied index differs"
for img in amd64 arm64; do
	raw "$RB/copy@${DIG[$img]}" >/dev/null || fail "$img not copied with the index"
done
pass "merge__skopeo_copy_all_copies_the_whole_index"

# Order of the digests does not matter: same set, same index.
actions_env
"$CONVOY" merge --image "$R/app" --digest "${DIG[amd64]}" --digest "${DIG[arm64]}" \
	--digest "${DIG[amd64]}" --annotations "org.opencontainers.image.title=demo" \
	>"$T/m2.out" 2>&1 || { cat "$T/m2.out"; fail "merge in the other order"; }
assert_eq "$(gh_output digest)" "$DI" "index digest with the digests in another order"
assert_eq "$(tags_of "$R/app")" "latest v1" "tags after a merge without tags"
pass "merge__same_platforms_in_any_order_give_the_same_index"

# Tags computed in the same run, as push computes them (IMAGE stands in for images); the
# tag language's annotations go on the index.
(cd "$CONVOY_SRC" && env -u GITHUB_ACTIONS -u GITHUB_OUTPUT "$CONVOY" merge "$R/app" \
	--digest "${DIG[amd64]}" --digest "${DIG[arm64]}" --tags 'type=raw,value=rc1' \
	--format json) >"$T/m3.json" 2>"$T/m3.err" || { cat "$T/m3.err"; fail "merge with computed tags"; }
"$PY" - "$T/m3.json" "$R/app:rc1" <<'PY' || fail "outputs of merge with computed tags"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["tags"] == [sys.argv[2]], o
assert o["platforms"] == ["linux/amd64", "linux/arm64/v8"], o
PY
raw "$R/app:rc1" | "$PY" -c 'import json,sys; a=json.load(sys.stdin)["annotations"]; assert a["org.opencontainers.image.version"] == "rc1", a' ||
	fail "the computed annotations are not on the index"
assert_eq "$(tags_of "$R/app")" "latest rc1 v1" "tags after merge with computed tags"
pass "merge__tags_computed_like_push_with_image_as_images"

# Refusals: each names the cause, and no tag is written.
refuse() { # refuse WANT-RC MESSAGE-PART ARGS...
	local want=$1 msg=$2 rc=0; shift 2
	actions_env
	"$CONVOY" merge "$R/app" --tag-list "$R/app:bad" "$@" >"$T/refuse.out" 2>&1 || rc=$?
	if [ "$want" = 1 ]; then [ "$rc" = 1 ] || { cat "$T/refuse.out"; fail "exit $rc, want 1: $msg"; }
	else assert_eq "$rc" "$want" "exit status ($msg)"; fi
	assert_contains "$(cat "$T/refuse.out")" "$msg" "refusal message"
	assert_eq "$(tags_of "$R/app")" "latest rc1 v1" "tags after a refusal ($msg)"
}
refuse 1 "both linux/amd64" --digest "${DIG[amd64]}" --digest "${DIG[amd64b]}"
assert_contains "$(cat "$T/refuse.out")" "${DIG[amd64b]}" "duplicate platform names the digest"
pass "merge__refuses_two_images_of_one_platform"
missing=sha256:$(printf 'not pushed' | sha256sum | awk '{print $1}')
refuse 1 "$missing is not in repository $R/app" --digest "${DIG[amd64]}" --digest "$missing"
pass "merge__refuses_a_digest_not_in_the_repository"
refuse 1 "a Docker v2 schema 2 manifest" --digest "${DIG[amd64]}" --digest "${DIG[docker]}"
assert_contains "$(cat "$T/refuse.out")" "an OCI image manifest" "mixed: says which is OCI"
assert_contains "$(cat "$T/refuse.out")" "${DIG[docker]}" "mixed: names the Docker digest"
assert_contains "$(cat "$T/refuse.out")" "OCI image manifests in an OCI index" "mixed: what is expected"
pass "merge__refuses_docker_and_oci_manifests_in_one_index"
refuse 1 "${DIG[multi]} in $R/app is itself an index" --digest "${DIG[amd64]}" --digest "${DIG[multi]}"
pass "merge__refuses_a_digest_that_is_an_index"
refuse 2 "input 'digest': 'sha256:xyz' is not a digest" --digest "${DIG[amd64]}" --digest sha256:xyz
printf '%s\nnot-a-digest\n' "${DIG[amd64]}" >"$T/bad-digests"
refuse 2 "input 'digests-file'" --digests-file "$T/bad-digests"
assert_contains "$(cat "$T/refuse.out")" "'not-a-digest'" "digests-file refusal names the entry"
refuse 2 "input 'tag-list'" --digest "${DIG[amd64]}" --tag-list "$R/other:v1"
refuse 2 "no digests to merge"
pass "merge__malformed_input_exits_2_naming_it"

# Docker schema 2 images alone are joined into a Docker manifest list (no annotations there).
actions_env
"$CONVOY" merge "$R/app" --digest "${DIG[docker]}" --annotations "a=b" >"$T/dl.out" 2>&1 ||
	{ cat "$T/dl.out"; fail "merge of Docker images"; }
assert_contains "$(cat "$T/dl.out")" "has no annotations" "warning about left-out annotations"
raw "$R/app@$(gh_output digest)" | "$PY" -c '
import json, sys
ix = json.load(sys.stdin)
assert ix["mediaType"] == "application/vnd.docker.distribution.manifest.list.v2+json", ix
assert [m["platform"]["architecture"] for m in ix["manifests"]] == ["s390x"] and "annotations" not in ix, ix' ||
	fail "Docker images did not become a Docker manifest list"
pass "merge__docker_images_become_a_docker_manifest_list"

# The merged index promotes like any digest and shows in history.
actions_env
"$CONVOY" promote --stages "dev=$R/app:v1; qa=$R/app:qa" --to qa >"$T/promote.out" 2>&1 ||
	{ cat "$T/promote.out"; fail "promote the merged index"; }
assert_eq "$(gh_output digest)" "$DI" "promoted digest"
raw "$R/app:qa" | cmp -s - "$T/index.json" || fail "app:qa is not the merged index"
env -u GITHUB_ACTIONS -u GITHUB_OUTPUT "$CONVOY" history --stages "dev=$R/app:v1; qa=$R/app:qa" --stage qa --format json \
	>"$T/history.json" 2>"$T/history.err" || { cat "$T/history.err"; fail "history"; }
grep -q "$DI" "$T/history.json" || { cat "$T/history.json"; fail "history does not list the index"; }
pass "merge__index_promotes_and_shows_in_history"
