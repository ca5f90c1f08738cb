#!/usr/bin/env bash
# promote carries the referrers (issue 21). A two-platform image in dev (registry A, no
# referrers API: the sha256-<hex> tag schema) carries: a convoy signature of the index (the
# .sig tag and a referrer), an in-toto SLSA v1 provenance referrer on the index, an SPDX SBOM
# referrer on the amd64 manifest, and a convoy signature of the SBOM (tag and referrer: the
# referrers of a referrer). dev -> qa (another repository of A: mounts, tag schema) -> prod
# (registry B behind tools/referrers_proxy.py, which adds the referrers API and here lists in
# pages of one). skopeo and curl-like reads of the registries check every artifact arrived,
# cosign_check.py accepts the carried signature in prod, the ledger's own records are not
# carried, --referrers none carries nothing, a filtered list only what it names, an artifact
# already there is skipped, and a referrer that cannot be read fails before any tag moves.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need openssl
PY=/usr/bin/python3
start_registry A
start_registry B
RA=127.0.0.1:$A_PORT
RB=127.0.0.1:$B_PORT
PROXY=$(free_port)
PLOG=$T/proxy.log
: >"$PLOG"
$PY "$CONVOY_SRC/tests/e2e/tools/referrers_proxy.py" "$PROXY" "http://$RB" "$PLOG" 1 &
at_exit "kill $!"
wait_port "$PROXY" "$!"
P=127.0.0.1:$PROXY
LEDGER=application/vnd.convoy.promotion.v1+json
SIGT=application/vnd.dev.cosign.artifact.sig.v1+json
SPDX=application/spdx+json
INTOTO=application/vnd.in-toto+json
S="dev=$RA/app:dev; qa=$RA/qa/app:qa; prod=$P/prod/app:prod; mirror=$RA/mirror/app:mirror"
C() { "$CONVOY" "$@" --insecure-registry "$RA" --insecure-registry "$P"; }
openssl ecparam -name prime256v1 -genkey -noout -out "$T/k.pem"
openssl ec -in "$T/k.pem" -pubout -out "$T/k.pub" 2>/dev/null
mkdir -p "$T/regd"; echo 'default-docker: {use-sigstore-attachments: true}' >"$T/regd/default.yaml"
words_sorted() { $PY -c 'import sys; print(" ".join(sorted(sys.argv[1:])))' "$@"; }
tags_of() { skopeo list-tags --tls-verify=false "docker://$1" 2>/dev/null | $PY -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"])))' 2>/dev/null || true; }

# attach REG REPO SUBJECT ARTIFACT_TYPE FILE: an OCI 1.1 artifact whose subject is SUBJECT,
# listed in the subject's sha256-<hex> index (tools/attach.py). Prints its digest.
attach() { $PY "$CONVOY_SRC/tests/e2e/tools/attach.py" "$@"; }

# referrers_of BASE REPO DIGEST: "artifactType digest" per referrer, sorted; BASE http://host
# reads the referrers API, tag:host the sha256-<hex> index of the registry itself.
referrers_of() {
	$PY - "$@" <<'PY'
import sys, json, urllib.request, urllib.error
base, repo, digest = sys.argv[1:]
INDEX = "application/vnd.oci.image.index.v1+json"
out = []
if base.startswith("tag:"):
    url = "http://%s/v2/%s/manifests/sha256-%s" % (base[4:], repo, digest.split(":")[1])
    r = urllib.request.Request(url, headers={"Accept": INDEX})
    try:
        with urllib.request.urlopen(r) as resp: out = json.loads(resp.read())["manifests"]
    except urllib.error.HTTPError as e:
        if e.code != 404: raise
else:
    url = "%s/v2/%s/referrers/%s" % (base, repo, digest)
    while url:
        with urllib.request.urlopen(url) as resp:
            out += json.loads(resp.read())["manifests"]
            link = resp.headers.get("Link")
        url = base + link.split(">")[0].lstrip("<") if link else None
for d in sorted(out, key=lambda d: (d.get("artifactType", ""), d["digest"])):
    print(d.get("artifactType", "-"), d["digest"])
PY
}

# The image: an index of two platforms in dev.
mkimage "$T/img" --seed 71 --platforms linux/amd64,linux/arm64
skopeo copy -q --all --dest-tls-verify=false "oci:$T/img" "docker://$RA/app:dev"
DI=$(digest_of "$RA/app:dev")
DAMD=$(skopeo inspect --raw --tls-verify=false "docker://$RA/app:dev" | $PY -c 'import json,sys; print([m["digest"] for m in json.load(sys.stdin)["manifests"] if m["platform"]["architecture"] == "amd64"][0])')
[ -n "$DI" ] && [ -n "$DAMD" ] || fail "seed index not in dev"
actions_env
"$CONVOY" sign --key "$T/k.pem" --image "$RA/app@$DI" >"$T/sign.out" 2>&1 || { cat "$T/sign.out"; fail "convoy sign (index)"; }
cat >"$T/sbom.json" <<EOF
{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "app", "documentNamespace": "https://example.invalid/app-71", "creationInfo": {"created": "2026-12-07T00:00:00Z", "creators": ["Tool: test"]}, "packages": [{"SPDXID": "SPDXRef-app", "name": "app", "downloadLocation": "NOASSERTION"}]}
EOF
cat >"$T/prov.json" <<EOF
{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "$RA/app", "digest": {"sha256": "${DI#sha256:}"}}], "predicateType": "https://slsa.dev/provenance/v1", "predicate": {"buildDefinition": {"buildType": "https://example.invalid/test", "externalParameters": {}}, "runDetails": {"builder": {"id": "https://example.invalid/builder"}}}}
EOF
DSBOM=$(attach "$RA" app "$DAMD" "$SPDX" "$T/sbom.json") || fail "attaching the SBOM"
DPROV=$(attach "$RA" app "$DI" "$INTOTO" "$T/prov.json") || fail "attaching the provenance"
actions_env
"$CONVOY" sign --key "$T/k.pem" --image "$RA/app@$DSBOM" >"$T/sign2.out" 2>&1 || { cat "$T/sign2.out"; fail "convoy sign (SBOM)"; }
SIG_I=sha256-${DI#sha256:}.sig
SIG_S=sha256-${DSBOM#sha256:}.sig
# What dev has, as the registry lists it: the wanted state of every target.
referrers_of "tag:$RA" app "$DI" >"$T/dev-index"
referrers_of "tag:$RA" app "$DAMD" >"$T/dev-amd"
referrers_of "tag:$RA" app "$DSBOM" >"$T/dev-sbom"
[ "$(awk '{print $1}' "$T/dev-index" | tr '\n' ' ')" = "$SIGT $INTOTO " ] || { cat "$T/dev-index"; fail "dev: the index's referrers are not set up"; }
[ "$(awk '{print $1}' "$T/dev-amd")" = "$SPDX" ] || fail "dev: the SBOM is not set up"
[ "$(awk '{print $1}' "$T/dev-sbom")" = "$SIGT" ] || fail "dev: the SBOM's signature is not set up"

# 1. dev -> qa: another repository of registry A (tag schema). Everything arrives, each
# listed in qa's sha256-<hex> index next to qa's own ledger record, and the .sig tags too.
actions_env
C promote --stages "$S" --to qa >"$T/qa.out" 2>&1 || { cat "$T/qa.out"; fail "promote --to qa"; }
grep -q '^referrers: 6 copied (signature, in-toto, spdx)$' "$T/qa.out" || { cat "$T/qa.out"; fail "qa: the referrers line"; }
assert_eq "$(gh_output referrers)" 6 "referrers output (qa)"
assert_contains "$(cat "$T/gh/summary")" "Referrers: 6 copied (signature, in-toto, spdx)" "qa: job summary"
assert_eq "$(digest_of "$RA/qa/app:qa")" "$DI" "qa tag"
referrers_of "tag:$RA" qa/app "$DI" | grep -v "^$LEDGER " >"$T/qa-index"
assert_eq "$(cat "$T/qa-index")" "$(cat "$T/dev-index")" "qa: the referrers of the index"
assert_eq "$(referrers_of "tag:$RA" qa/app "$DI" | grep -c "^$LEDGER ")" 1 "qa: one ledger record (its own)"
assert_eq "$(referrers_of "tag:$RA" qa/app "$DAMD")" "$(cat "$T/dev-amd")" "qa: the referrers of the amd64 manifest"
assert_eq "$(referrers_of "tag:$RA" qa/app "$DSBOM")" "$(cat "$T/dev-sbom")" "qa: the referrers of the SBOM"
for t in "$SIG_I" "$SIG_S"; do
	assert_eq "$(digest_of "$RA/qa/app:$t")" "$(digest_of "$RA/app:$t")" "qa: legacy tag $t"
done
for d in $(awk '{print $2}' "$T/dev-index" "$T/dev-amd" "$T/dev-sbom"); do
	skopeo inspect --raw --tls-verify=false "docker://$RA/qa/app@$d" >/dev/null 2>&1 || fail "qa: artifact $d is not there"
done
pass "promote__carries_referrers_across_repositories_tag_schema"

# 2. qa -> prod: across registries, into the referrers API (paginated by one). qa's ledger
# record (a referrer of the digest in qa) is not carried: prod lists only its own.
actions_env
mark=$(wc -l <"$PLOG")
C promote --stages "$S" --to prod --sign-key "$T/k.pem" >"$T/prod.out" 2>&1 || { cat "$T/prod.out"; fail "promote --to prod"; }
tail -n +"$((mark + 1))" "$PLOG" >"$T/req-prod"
grep -q '^referrers: 6 copied (signature, in-toto, spdx)$' "$T/prod.out" || { cat "$T/prod.out"; fail "prod: the referrers line"; }
assert_eq "$(digest_of "$RB/prod/app:prod")" "$DI" "prod tag (registry B itself)"
referrers_of "http://$P" prod/app "$DI" >"$T/prod-index"
grep -v "^$LEDGER " "$T/prod-index" | grep -v "^$SIGT " >"$T/prod-index-other"
assert_eq "$(cat "$T/prod-index-other")" "$(grep -v "^$SIGT " "$T/dev-index")" "prod: the provenance"
grep -q "^$SIGT $(awk -v t="$SIGT" '$1 == t {print $2}' "$T/dev-index")$" "$T/prod-index" || { cat "$T/prod-index"; fail "prod: the carried signature referrer"; }
assert_eq "$(grep -c "^$LEDGER " "$T/prod-index")" 1 "prod: one ledger record"
$PY - "$P" "$DI" "$LEDGER" <<'PY' || fail "prod's ledger record is not its own"
import sys, json, urllib.request
p, d, art = sys.argv[1:]
ms = json.loads(urllib.request.urlopen("http://%s/v2/prod/app/referrers/%s?artifactType=%s" % (p, d, art.replace("+", "%2B"))).read())["manifests"]
if [m["annotations"]["dev.convoy.promotion.to"] for m in ms] != ["prod"]: sys.exit("ledger records in prod: %s" % ms)
PY
assert_eq "$(referrers_of "http://$P" prod/app "$DAMD")" "$(cat "$T/dev-amd")" "prod: the referrers of the amd64 manifest"
assert_eq "$(referrers_of "http://$P" prod/app "$DSBOM")" "$(cat "$T/dev-sbom")" "prod: the referrers of the SBOM"
case " $(tags_of "$RB/prod/app") " in *" sha256-${DI#sha256:} "*) fail "prod has the API but a tag schema index was written" ;; esac
assert_eq "$(digest_of "$RB/prod/app:$SIG_S")" "$(digest_of "$RA/app:$SIG_S")" "prod: the SBOM's .sig tag"
# The index's .sig tag: dev's signature carried, then --sign-key appended prod's own.
rm -rf "$T/dir-prod"
skopeo copy -q --all --registries.d "$T/regd" --src-tls-verify=false "docker://$RB/prod/app@$DI" "dir:$T/dir-prod" >/dev/null \
	|| fail "skopeo cannot fetch prod's image with its signatures"
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-prod" "$T/k.pub" "$RA/app" --digest "$DI" >"$T/chk-dev" || { cat "$T/chk-dev"; fail "cosign_check: the carried dev signature in prod"; }
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-prod" "$T/k.pub" "$P/prod/app" --digest "$DI" >"$T/chk-prod" || { cat "$T/chk-prod"; fail "cosign_check: prod's own signature (--sign-key)"; }
pass "promote__carries_referrers_across_registries_into_the_referrers_api"
pass "promote__carried_signature_accepted_by_cosign_check"

# 2b. prod -> mirror: from the referrers API (in pages of one descriptor: every page must be
# followed) into the tag schema of registry A. prod's ledger record stays behind.
actions_env
mark=$(wc -l <"$PLOG")
C promote --stages "$S" --to mirror >"$T/mirror.out" 2>&1 || { cat "$T/mirror.out"; fail "promote --to mirror"; }
tail -n +"$((mark + 1))" "$PLOG" >"$T/req-mirror"
grep -q '^referrers: 7 copied (' "$T/mirror.out" || { cat "$T/mirror.out"; fail "mirror: the referrers line"; }
grep -qE "^GET /v2/prod/app/referrers/$DI\?page=2 200$" "$T/req-mirror" || { cat "$T/req-mirror"; fail "the paginated listing was not followed to its third page"; }
assert_eq "$(referrers_of "tag:$RA" mirror/app "$DI" | grep -v "^$LEDGER ")" "$(grep -v "^$LEDGER " "$T/prod-index")" "mirror: the referrers of the index"
assert_eq "$(referrers_of "tag:$RA" mirror/app "$DI" | grep -c "^$LEDGER ")" 1 "mirror: one ledger record (its own)"
assert_eq "$(referrers_of "tag:$RA" mirror/app "$DAMD")" "$(cat "$T/dev-amd")" "mirror: the SBOM"
assert_eq "$(referrers_of "tag:$RA" mirror/app "$DSBOM")" "$(cat "$T/dev-sbom")" "mirror: the SBOM's signature"
assert_eq "$(digest_of "$RA/mirror/app:$SIG_I")" "$(digest_of "$RB/prod/app:$SIG_I")" "mirror: the index's .sig tag (both signatures)"
pass "promote__carries_paginated_referrers_api_into_tag_schema"

# 2c. --dry-run says what it would carry, and writes nothing.
actions_env
C promote --stages "dev=$RA/app:dev; x=$RA/dry/app:x" --to x --dry-run >"$T/dry.out" 2>&1 || { cat "$T/dry.out"; fail "promote --dry-run"; }
grep -q '^referrers: would carry 6 (signature, in-toto, spdx)$' "$T/dry.out" || { cat "$T/dry.out"; fail "dry run: the referrers line"; }
assert_eq "$(gh_output referrers)" 6 "referrers output (dry run)"
assert_eq "$(tags_of "$RA/dry/app")" "" "the dry run wrote nothing"
skopeo inspect --raw --tls-verify=false "docker://$RA/dry/app@$DSBOM" >/dev/null 2>&1 && fail "the dry run carried the SBOM"
pass "promote__dry_run_says_which_referrers_it_would_carry"

# 3. --referrers none: nothing but the ledger record.
actions_env
C promote --stages "dev=$RA/app:dev; x=$RA/none/app:x" --to x --referrers none >"$T/none.out" 2>&1 || { cat "$T/none.out"; fail "promote --referrers none"; }
grep -q '^referrers: not carried (--referrers none)$' "$T/none.out" || { cat "$T/none.out"; fail "none: the referrers line"; }
assert_eq "$(gh_output referrers)" 0 "referrers output (none)"
assert_eq "$(referrers_of "tag:$RA" none/app "$DI" | awk '{print $1}')" "$LEDGER" "none: only the ledger record"
assert_eq "$(referrers_of "tag:$RA" none/app "$DAMD")" "" "none: no SBOM"
assert_eq "$(tags_of "$RA/none/app")" "sha256-${DI#sha256:} x" "none: no .sig tag"
pass "promote__referrers_none_carries_nothing"

# 4. A filtered list: the SPDX SBOM and cosign's .sig tags (of the index and of the SBOM);
# not the signature referrers, not the provenance.
actions_env
C promote --stages "dev=$RA/app:dev; x=$RA/filt/app:x" --to x --referrers 'spdx, sig' >"$T/filt.out" 2>&1 || { cat "$T/filt.out"; fail "promote --referrers spdx,sig"; }
grep -q '^referrers: 3 copied (signature, spdx)$' "$T/filt.out" || { cat "$T/filt.out"; fail "filtered: the referrers line"; }
assert_eq "$(referrers_of "tag:$RA" filt/app "$DI" | awk '{print $1}')" "$LEDGER" "filtered: the index has no signature or provenance referrer"
assert_eq "$(referrers_of "tag:$RA" filt/app "$DAMD")" "$(cat "$T/dev-amd")" "filtered: the SBOM"
assert_eq "$(referrers_of "tag:$RA" filt/app "$DSBOM")" "" "filtered: no signature referrer on the SBOM"
assert_eq "$(tags_of "$RA/filt/app")" "$(words_sorted "$SIG_I" "$SIG_S" "sha256-${DAMD#sha256:}" "sha256-${DI#sha256:}" x)" "filtered: the tags"
pass "promote__referrers_filter_carries_only_the_kinds_listed"

# 5. Into the same repository again under another stage: what filt has is skipped, the rest
# is added (listed once in each index).
actions_env
C promote --stages "dev=$RA/app:dev; y=$RA/filt/app:y" --to y >"$T/again.out" 2>&1 || { cat "$T/again.out"; fail "promote all into filt"; }
grep -q '^referrers: 3 copied (signature, in-toto, spdx), 3 already there$' "$T/again.out" || { cat "$T/again.out"; fail "again: the referrers line"; }
assert_eq "$(referrers_of "tag:$RA" filt/app "$DI" | grep -v "^$LEDGER ")" "$(cat "$T/dev-index")" "again: the index's referrers"
assert_eq "$(referrers_of "tag:$RA" filt/app "$DAMD")" "$(cat "$T/dev-amd")" "again: the SBOM listed once"
assert_eq "$(referrers_of "tag:$RA" filt/app "$DSBOM")" "$(cat "$T/dev-sbom")" "again: the SBOM's signature"
pass "promote__referrers_already_there_are_skipped"

# 5b. A target whose .sig tag holds a signature of its own: the carried one is appended, the
# target's kept (cosign keeps every signature of a digest as a layer of the one manifest).
skopeo copy -q --all --src-tls-verify=false --dest-tls-verify=false "docker://$RA/app:dev" "docker://$RA/merge/app:pre"
actions_env
"$CONVOY" sign --key "$T/k.pem" --image "$RA/merge/app@$DI" --signature-storage tag >"$T/sign3.out" 2>&1 || { cat "$T/sign3.out"; fail "convoy sign (merge/app)"; }
before_sig=$(digest_of "$RA/merge/app:$SIG_I")
actions_env
C promote --stages "dev=$RA/app:dev; x=$RA/merge/app:x" --to x --referrers sig >"$T/merge.out" 2>&1 || { cat "$T/merge.out"; fail "promote into merge/app"; }
[ "$(digest_of "$RA/merge/app:$SIG_I")" != "$before_sig" ] || fail "merge: the .sig tag did not change"
rm -rf "$T/dir-merge"
skopeo copy -q --all --registries.d "$T/regd" --src-tls-verify=false "docker://$RA/merge/app@$DI" "dir:$T/dir-merge" >/dev/null || fail "skopeo cannot fetch merge/app"
assert_eq "$(ls "$T/dir-merge" | grep -c '^signature-')" 2 "merge: two signatures under the .sig tag"
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-merge" "$T/k.pub" "$RA/app" --digest "$DI" >/dev/null || fail "merge: the carried signature"
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-merge" "$T/k.pub" "$RA/merge/app" --digest "$DI" >/dev/null || fail "merge: the target's own signature was lost"
pass "promote__legacy_sig_tag_merged_with_the_targets_own"

# 5c. A stage of two repositories (one per registry): each gets every referrer.
cat >"$T/multi.yml" <<EOC
stages:
  - name: dev
    repository: $RA/app
    tags: [dev]
  - name: multi
    repositories:
      - {repository: $RA/multi/app, tags: [m]}
      - {repository: $P/multi/app, tags: [m]}
EOC
actions_env
C promote --pipeline-file "$T/multi.yml" --to multi >"$T/multi.out" 2>&1 || { cat "$T/multi.out"; fail "promote into a stage of two repositories"; }
grep -q '^referrers: 12 copied (signature, in-toto, spdx)$' "$T/multi.out" || { cat "$T/multi.out"; fail "multi: the referrers line"; }
assert_eq "$(referrers_of "tag:$RA" multi/app "$DI" | grep -v "^$LEDGER ")" "$(cat "$T/dev-index")" "multi (A): the index's referrers"
assert_eq "$(referrers_of "http://$P" multi/app "$DI")" "$(cat "$T/dev-index")" "multi (B, API): the index's referrers (the ledger is in the first repository only)"
for repo in "tag:$RA" "http://$P"; do
	assert_eq "$(referrers_of "$repo" multi/app "$DAMD")" "$(cat "$T/dev-amd")" "multi ($repo): the SBOM"
	assert_eq "$(referrers_of "$repo" multi/app "$DSBOM")" "$(cat "$T/dev-sbom")" "multi ($repo): the SBOM's signature"
done
assert_eq "$(digest_of "$RB/multi/app:$SIG_I")" "$(digest_of "$RA/app:$SIG_I")" "multi (B): the .sig tag"
assert_eq "$(digest_of "$RA/multi/app:$SIG_S")" "$(digest_of "$RA/app:$SIG_S")" "multi (A): the SBOM's .sig tag"
pass "promote__carries_referrers_into_every_repository_of_a_stage"

# 6. Bad input: exit 2, nothing written.
actions_env
set +e; C promote --stages "dev=$RA/app:dev; z=$RA/bad/app:z" --to z --referrers 'spdx,sboms' >"$T/bad.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 2 "an unknown kind is a usage error"
assert_contains "$(cat "$T/bad.out")" "input 'referrers': 'sboms' is not a kind of referrer" "usage message"
assert_eq "$(tags_of "$RA/bad/app")" "" "bad input wrote nothing"
pass "promote__referrers_unknown_kind_is_a_usage_error"

# 7. A referrer the source lists but cannot serve whole (its layer deleted from the source
# repository): the promotion fails before any tag moves, and says so.
mkimage "$T/img2" --seed 72
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$RA/broken/app:dev"
D2=$(digest_of "$RA/broken/app:dev")
echo '{"spdxVersion": "SPDX-2.3", "name": "broken"}' >"$T/sbom2.json"
attach "$RA" broken/app "$D2" "$SPDX" "$T/sbom2.json" >/dev/null || fail "attaching the SBOM (broken)"
LAYER=sha256:$(sha256sum "$T/sbom2.json" | cut -d' ' -f1)
$PY - "$RA" "$LAYER" <<'PY' || fail "could not delete the SBOM's layer"
import sys, urllib.request
reg, d = sys.argv[1:]
urllib.request.urlopen(urllib.request.Request("http://%s/v2/broken/app/blobs/%s" % (reg, d), method="DELETE"))
PY
actions_env
set +e; C promote --stages "dev=$RA/broken/app:dev; x=$RA/broken2/app:x" --to x >"$T/broken.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "a referrer that cannot be copied fails the promotion"
assert_contains "$(cat "$T/broken.out")" "carrying the referrers of $D2 (no stage tag was changed)" "the error says no tag moved"
assert_eq "$(digest_of "$RA/broken2/app:x")" "" "no tag moved"
pass "promote__referrer_that_cannot_be_copied_fails_before_tags_move"
