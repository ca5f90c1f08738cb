#!/usr/bin/env bash
# push of BuildKit's output (issue 17): a two-platform OCI layout with BuildKit's attestation
# manifests (tools/mkimage.py --attestations: platform unknown/unknown, vnd.docker.reference.*
# annotations, in-toto layers of SLSA provenance and SPDX). By default the pushed index lists
# the real platforms only (skopeo reads it from the registry) and each attestation is an OCI
# 1.1 referrer of its platform's manifest: on plain docker-registry (no referrers API) in the
# sha256-<hex> tag schema index, behind tools/referrers_proxy.py through the referrers API.
# keep pushes the layout's index byte for byte, drop pushes no attestation (and says so),
# --platform pushes one manifest alone; bad values exit 2 naming the input and push nothing;
# promote of the referrers-form index carries the provenance to the next stage; --by-digest of
# a single-platform build pushes the platform's manifest, which merge joins. --media-types
# docker converts OCI manifests, config and gzip layers to Docker v2 schema 2 (the referrers
# then refer to the converted manifests), oci the other way; a zstd layer, annotations, and
# keep's in-toto layers are refused with exit 2 before anything is pushed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
PY=/usr/bin/python3
start_registry A
RA=127.0.0.1:$A_PORT
start_registry B
RB=127.0.0.1:$B_PORT
PROXY=$(free_port)
PLOG=$T/proxy.log
: >"$PLOG"
$PY "$CONVOY_SRC/tests/e2e/tools/referrers_proxy.py" "$PROXY" "http://$RB" "$PLOG" &
at_exit "kill $!"
wait_port "$PROXY" "$!"
P=127.0.0.1:$PROXY
INTOTO=application/vnd.in-toto+json
OCIM=application/vnd.oci.image.manifest.v1+json
C() { "$CONVOY" "$@" --insecure-registry "$RA" --insecure-registry "$P"; }
raw() { skopeo inspect --raw --tls-verify=false "docker://$1"; }
# tags_of REPO: its tags, sorted ("" for a repository that does not exist).
tags_of() { skopeo list-tags --tls-verify=false "docker://$1" 2>/dev/null | $PY -c 'import json,sys; t=sys.stdin.read(); print(" ".join(sorted(json.loads(t)["Tags"])) if t.strip() else "")'; }
# referrers_of tag:HOST|http://HOST REPO DIGEST: "artifactType digest" of each referrer, sorted.
referrers_of() {
	$PY - "$@" <<'PY'
import sys, json, urllib.request, urllib.error
base, repo, digest = sys.argv[1:]
INDEX = "application/vnd.oci.image.index.v1+json"
if base.startswith("tag:"):
    url = "http://%s/v2/%s/manifests/sha256-%s" % (base[4:], repo, digest.split(":")[1])
else:
    url = "%s/v2/%s/referrers/%s" % (base, repo, digest)
try:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": INDEX})) as r:
        out = json.loads(r.read())["manifests"]
except urllib.error.HTTPError as e:
    if e.code != 404: raise
    out = []
for d in sorted(out, key=lambda d: d["digest"]):
    print(d.get("artifactType", "-"), d["digest"])
PY
}
# The layout: its index, its platform manifests and its attestation manifests.
DL=$($PY "$CONVOY_SRC/tests/e2e/tools/mkimage.py" "$T/bk" --seed 71 --platforms linux/amd64,linux/arm64 --attestations)
blob() { cat "$T/bk/blobs/sha256/${1#sha256:}"; }
layout() { blob "$DL" | $PY -c "import json,sys; ms=json.load(sys.stdin)['manifests']; $1"; }
DAMD=$(layout 'print([m["digest"] for m in ms if m["platform"]["architecture"]=="amd64"][0])')
DARM=$(layout 'print([m["digest"] for m in ms if m["platform"]["architecture"]=="arm64"][0])')
AAMD=$(layout 'print([m["digest"] for m in ms if m.get("annotations",{}).get("vnd.docker.reference.digest")=="'"$DAMD"'"][0])')
[ "$(layout 'print(len(ms))')" = 4 ] || fail "the layout does not have two platforms and two attestations"
[ -n "$AAMD" ] || fail "the layout has no attestation of amd64"

# check_referrers_form REF BASE REPO: REF is an index of linux/amd64 and linux/arm64 alone, and
# each platform manifest has one referrer (BASE: tag:host or http://host), an in-toto manifest
# whose subject is that manifest and whose layers are the layout's attestation layers.
check_referrers_form() {
	local ref=$1 base=$2 repo=$3 host=${1%%/*} d at ad
	raw "$ref" >"$T/idx.json" || fail "$ref: not in the registry"
	$PY - "$T/idx.json" "$DAMD" "$DARM" <<'PY' || fail "$ref: the index is not of real platforms only"
import json, sys
idx = json.load(open(sys.argv[1]))
got = [(m["digest"], m["platform"]["os"], m["platform"]["architecture"]) for m in idx["manifests"]]
assert got == [(sys.argv[2], "linux", "amd64"), (sys.argv[3], "linux", "arm64")], got
assert all("vnd.docker.reference.type" not in m.get("annotations", {}) for m in idx["manifests"])
PY
	for d in "$DAMD" "$DARM"; do
		referrers_of "$base" "$repo" "$d" >"$T/refs"
		[ "$(wc -l <"$T/refs")" = 1 ] || { cat "$T/refs"; fail "$ref: $d has not one referrer"; }
		read -r at ad <"$T/refs"
		assert_eq "$at" "$INTOTO" "$ref: the referrer's artifactType"
		raw "$host/$repo@$ad" >"$T/att.json" || fail "$ref: referrer $ad is not in the registry"
		$PY - "$T/att.json" "$d" "$T/bk" "$(layout 'print([m["digest"] for m in ms if m.get("annotations",{}).get("vnd.docker.reference.digest")=="'"$d"'"][0])')" "$OCIM" <<'PY' || fail "$ref: referrer $ad is not the attestation of $d"
import json, sys
m = json.load(open(sys.argv[1]))
src = json.load(open("%s/blobs/sha256/%s" % (sys.argv[3], sys.argv[4][7:])))
assert m["subject"]["digest"] == sys.argv[2] and m["subject"]["mediaType"] == sys.argv[5], m["subject"]
assert m["artifactType"] == "application/vnd.in-toto+json"
assert m["layers"] == src["layers"] and m["config"] == src["config"]
types = [l["annotations"]["in-toto.io/predicate-type"] for l in m["layers"]]
assert types == ["https://slsa.dev/provenance/v0.2", "https://spdx.dev/Document"], types
PY
		for l in $($PY -c 'import json,sys; print(" ".join(l["digest"] for l in json.load(open(sys.argv[1]))["layers"]))' "$T/att.json"); do
			$PY -c 'import sys,urllib.request; urllib.request.urlopen("http://%s/v2/%s/blobs/%s" % tuple(sys.argv[1:]))' "$host" "$repo" "$l" ||
				fail "$ref: the attestation's layer $l is not in the registry"
		done
	done
}

# 1. Default (referrers), plain docker-registry: the tag schema.
actions_env
C push --source "$T/bk" --tag-list "$RA/app:v1" >"$T/p1.out" 2>&1 || { cat "$T/p1.out"; fail "push (default)"; }
DN=$(digest_of "$RA/app:v1")
[ -n "$DN" ] && [ "$DN" != "$DL" ] || fail "push (default): the index pushed is not a new one ($DN)"
assert_eq "$(gh_output digest)" "$DN" "digest output: the new index"
assert_eq "$(gh_output source-digest)" "$DL" "source-digest output: the layout's"
assert_eq "$(gh_output attestations)" referrers "attestations output"
assert_outputs_in_action_yml "$GITHUB_OUTPUT"
assert_contains "$(cat "$T/gh/summary")" "was reshaped before the push (BuildKit's attestations moved out of the index into OCI referrers of their platform's manifest): \`$DN\` is a new digest" "summary says the digest is new"
assert_contains "$(cat "$T/p1.out")" "2 referrers (referrers tag schema" "log: the tag schema"
check_referrers_form "$RA/app:v1" "tag:$RA" app
assert_contains "$(tags_of "$RA/app")" "sha256-${DAMD#sha256:}" "the amd64 manifest's tag schema index"
pass "push__buildkit_attestations_become_referrers_in_the_tag_schema"

# Pushed again: nothing new, the tag schema index not doubled.
actions_env
C push --source "$T/bk" --tag-list "$RA/app:v1" >"$T/p1b.out" 2>&1 || { cat "$T/p1b.out"; fail "push again"; }
assert_eq "$(referrers_of "tag:$RA" app "$DAMD" | wc -l)" 1 "second push: one referrer of amd64"
pass "push__buildkit_again_lists_each_referrer_once"

# 2. Default, behind the referrers API: no sha256-<hex> tag, listed by the API.
actions_env
n=$(wc -l <"$PLOG")
C push --source "$T/bk" --tag-list "$P/app:v1" >"$T/p2.out" 2>&1 || { cat "$T/p2.out"; fail "push (referrers API)"; }
assert_contains "$(cat "$T/p2.out")" "2 referrers (referrers API)" "log: the referrers API"
if tail -n +"$((n + 1))" "$PLOG" | grep -E '/manifests/sha256-[0-9a-f]{64} '; then fail "push used the tag schema on a registry with the API"; fi
assert_eq "$(digest_of "$RB/app:v1")" "$DN" "the same new index on B"
check_referrers_form "$RB/app:v1" "http://$P" app # skopeo reads B itself
pass "push__buildkit_attestations_become_referrers_through_the_referrers_api"

# 3. keep: the layout's index, byte for byte.
actions_env
C push --source "$T/bk" --tag-list "$RA/keep:v1" --attestations keep >"$T/p3.out" 2>&1 || { cat "$T/p3.out"; fail "push --attestations keep"; }
assert_eq "$(digest_of "$RA/keep:v1")" "$DL" "keep: the layout's digest"
raw "$RA/keep:v1" | cmp -s - <(blob "$DL") || fail "keep: the index is not the layout's bytes"
assert_eq "$(gh_output attestations)" kept "keep: attestations output"
assert_eq "$(gh_output source-digest)" "$DL" "keep: source-digest output"
raw "$RA/keep@$AAMD" >/dev/null || fail "keep: the attestation manifest is not there"
assert_not_contains "$(tags_of "$RA/keep")" "sha256-" "keep: no tag schema index"
pass "push__attestations_keep_pushes_the_index_byte_for_byte"

# 4. drop: real platforms only, no referrer, a notice.
actions_env
C push --source "$T/bk" --tag-list "$RA/drop:v1" --attestations drop >"$T/p4.out" 2>&1 || { cat "$T/p4.out"; fail "push --attestations drop"; }
assert_eq "$(digest_of "$RA/drop:v1")" "$DN" "drop: the same index as referrers"
assert_contains "$(cat "$T/p4.out")" "::notice title=attestations::BuildKit's 2 attestation manifests (provenance, SBOM) dropped" "drop: the notice"
assert_eq "$(gh_output attestations)" dropped "drop: attestations output"
assert_eq "$(tags_of "$RA/drop")" "v1" "drop: no tag schema index"
raw "$RA/drop@$AAMD" >/dev/null 2>&1 && fail "drop: the attestation manifest was pushed"
pass "push__attestations_drop_pushes_real_platforms_only_with_a_notice"

# 5. --platform linux/arm64: the manifest alone, with its attestation as a referrer.
actions_env
C push --source "$T/bk" --tag-list "$RA/one:v1" --platform linux/arm64 >"$T/p5.out" 2>&1 || { cat "$T/p5.out"; fail "push --platform"; }
assert_eq "$(digest_of "$RA/one:v1")" "$DARM" "platform: the arm64 manifest's digest"
assert_eq "$(raw "$RA/one:v1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["mediaType"])')" "$OCIM" "platform: a manifest"
assert_eq "$(skopeo inspect --tls-verify=false --format '{{.Architecture}}' "docker://$RA/one:v1")" arm64 "platform: Architecture"
assert_eq "$(gh_output digest)" "$DARM" "platform: digest output"
assert_eq "$(gh_output platform)" linux/arm64 "platform: platform output"
assert_eq "$(referrers_of "tag:$RA" one "$DARM" | awk '{print $1}')" "$INTOTO" "platform: its attestation is its referrer"
assert_eq "$(referrers_of "tag:$RA" one "$DAMD" | wc -l)" 0 "platform: nothing about amd64"
raw "$RA/one@$DAMD" >/dev/null 2>&1 && fail "platform: the amd64 manifest was pushed"
pass "push__platform_pushes_one_manifest_alone"

# 6. Bad values: exit 2 naming the input, nothing pushed.
bad() {
	local want=$1; shift
	set +e; C push --source "$T/bk" --tag-list "$RA/bad:v1" "$@" >"$T/bad.out" 2>&1; rc=$?; set -e
	assert_eq "$rc" 2 "exit code for $*"
	assert_contains "$(cat "$T/bad.out")" "$want" "message for $*"
}
bad "input 'attestations': 'provenance' is not a mode: expected referrers" --attestations provenance
bad "input 'platform': 'linux/s390x' is not a platform of the image" --platform linux/s390x
bad "input 'platform': 'amd64' is not a platform: expected os/arch" --platform amd64
bad "input 'attestations': keep pushes the index as built" --platform linux/amd64 --attestations keep
assert_eq "$(tags_of "$RA/bad")" "" "bad values: nothing pushed"
pass "push__bad_attestations_or_platform_exit_2_naming_the_input"

# 7. promote of the referrers-form index carries the provenance (tag schema to tag schema).
actions_env
C promote --stages "dev=$RA/app:v1; qa=$RA/qa/app:qa" --to qa >"$T/pr.out" 2>&1 || { cat "$T/pr.out"; fail "promote"; }
assert_eq "$(digest_of "$RA/qa/app:qa")" "$DN" "promote: the index"
check_referrers_form "$RA/qa/app:qa" "tag:$RA" qa/app
pass "promote__carries_the_provenance_of_a_pushed_buildkit_index"

# --by-digest of a single-platform BuildKit build (an index of the platform and its
# attestation): the platform's manifest with its referrer, which convoy merge joins.
DS=$($PY "$CONVOY_SRC/tests/e2e/tools/mkimage.py" "$T/one" --seed 75 --platforms linux/arm64 --attestations)
DSA=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$T/one/blobs/sha256/${DS#sha256:}")
actions_env
C push --source "$T/one" --images "$RA/mx" --by-digest >"$T/bd.out" 2>&1 || { cat "$T/bd.out"; fail "push --by-digest"; }
assert_eq "$(gh_output digest)" "$DSA" "by-digest: the platform manifest's digest"
assert_eq "$(referrers_of "tag:$RA" mx "$DSA" | awk '{print $1}')" "$INTOTO" "by-digest: its attestation is its referrer"
actions_env
C merge --image "$RA/mx" --digest "$DSA" --tag-list "$RA/mx:v1" >"$T/mg.out" 2>&1 || { cat "$T/mg.out"; fail "merge of the by-digest push"; }
assert_eq "$(raw "$RA/mx:v1" | $PY -c 'import json,sys; print(" ".join(m["digest"] for m in json.load(sys.stdin)["manifests"]))')" "$DSA" "merge: the index of the platform"
pass "push__by_digest_of_a_single_platform_buildkit_build_is_its_manifest_for_merge"

# 8. --media-types docker: a manifest list of Docker manifests, the referrers on them.
actions_env
C push --source "$T/bk" --tag-list "$RA/dock:v1" --media-types docker >"$T/p8.out" 2>&1 || { cat "$T/p8.out"; fail "push --media-types docker"; }
raw "$RA/dock:v1" >"$T/list.json" || fail "docker: not in the registry"
DD=$(digest_of "$RA/dock:v1")
assert_eq "$(gh_output digest)" "$DD" "docker: digest output"
assert_eq "$(gh_output source-digest)" "$DL" "docker: source-digest output"
$PY - "$T/list.json" <<'PY' || fail "docker: the list is not a Docker manifest list of real platforms"
import json, sys
l = json.load(open(sys.argv[1]))
assert l["mediaType"] == "application/vnd.docker.distribution.manifest.list.v2+json", l["mediaType"]
assert [m["platform"]["architecture"] for m in l["manifests"]] == ["amd64", "arm64"]
assert {m["mediaType"] for m in l["manifests"]} == {"application/vnd.docker.distribution.manifest.v2+json"}
PY
for d in $($PY -c 'import json,sys; print(" ".join(m["digest"] for m in json.load(open(sys.argv[1]))["manifests"]))' "$T/list.json"); do
	raw "$RA/dock@$d" | $PY -c '
import json, sys
m = json.load(sys.stdin)
assert m["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
assert m["config"]["mediaType"] == "application/vnd.docker.container.image.v1+json"
assert {l["mediaType"] for l in m["layers"]} == {"application/vnd.docker.image.rootfs.diff.tar.gzip"}
' || fail "docker: manifest $d is not a Docker v2 schema 2 image"
	referrers_of "tag:$RA" dock "$d" >"$T/drefs"
	[ "$(wc -l <"$T/drefs")" = 1 ] || fail "docker: $d has not one referrer"
	raw "$RA/dock@$(awk '{print $2}' "$T/drefs")" | $PY -c '
import json, sys
m = json.load(sys.stdin)
assert m["subject"]["digest"] == sys.argv[1] and m["subject"]["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json", m["subject"]
' "$d" || fail "docker: the referrer of $d does not refer to the converted manifest"
done
rm -rf "$T/dock-copy"
skopeo copy -q --src-tls-verify=false --all "docker://$RA/dock:v1" "dir:$T/dock-copy" || fail "docker: skopeo cannot copy the converted image"
pass "push__media_types_docker_converts_the_index_manifests_and_layers"

# Docker -> OCI: a Docker single image pushed as OCI.
mkimage "$T/dimg" --seed 72 --docker
actions_env
C push --source "$T/dimg" --tag-list "$RA/tooci:v1" --media-types oci >"$T/p9.out" 2>&1 || { cat "$T/p9.out"; fail "push --media-types oci"; }
raw "$RA/tooci:v1" | $PY -c '
import json, sys
m = json.load(sys.stdin)
assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
assert m["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json"
assert {l["mediaType"] for l in m["layers"]} == {"application/vnd.oci.image.layer.v1.tar+gzip"}
' || fail "oci: not an OCI manifest"
assert_eq "$(skopeo inspect --tls-verify=false --format '{{.Architecture}}' "docker://$RA/tooci:v1")" amd64 "oci: the config is read"
pass "push__media_types_oci_converts_a_docker_image"

# What cannot be converted: exit 2, nothing pushed.
mkimage "$T/zst" --seed 73
$PY - "$T/zst" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(root, "blobs", "sha256", d), "wb").write(data)
    return "sha256:" + d, len(data)
idx = json.load(open(os.path.join(root, "index.json")))
top = idx["manifests"][0]
m = json.load(open(os.path.join(root, "blobs", "sha256", top["digest"][7:])))
m["layers"][1]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+zstd"
top["digest"], top["size"] = put(json.dumps(m, sort_keys=True).encode())
json.dump(idx, open(os.path.join(root, "index.json"), "w"))
PY
mkimage "$T/ann" --seed 74 --annotation org.opencontainers.image.source=https://example.test/app
badmt() {
	local src=$1 want=$2; shift 2
	set +e; C push --source "$src" --tag-list "$RA/badmt:v1" "$@" >"$T/badmt.out" 2>&1; rc=$?; set -e
	assert_eq "$rc" 2 "exit code for $src $*"
	assert_contains "$(cat "$T/badmt.out")" "$want" "message for $src $*"
}
badmt "$T/zst" "input 'media-types': manifest sha256:" --media-types docker
assert_contains "$(cat "$T/badmt.out")" "has a layer of application/vnd.oci.image.layer.v1.tar+zstd: only gzip'd tar layers" "zstd: the reason"
badmt "$T/ann" "has annotations, which Docker v2 schema 2 cannot carry" --media-types docker
badmt "$T/bk" "has a layer of application/vnd.in-toto+json" --media-types docker --attestations keep
badmt "$T/bk" "input 'media-types': 'v2' is not a family of media types: expected docker" --media-types v2
assert_eq "$(tags_of "$RA/badmt")" "" "media-types refused: nothing pushed"
pass "push__media_types_refuses_zstd_annotations_and_attestation_layers_with_exit_2"
