#!/usr/bin/env bash
# promote: dev -> qa in one repository (no blob bytes uploaded, per the registry's request log),
# qa -> prod across two real registries, a multi-platform index, history newest first; outputs
# parsed from GITHUB_OUTPUT and digests confirmed with skopeo.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
start_registry A; start_registry B
RA=127.0.0.1:$A_PORT RB=127.0.0.1:$B_PORT
mkimage "$T/img1" --seed 1 --layers 2
mkimage "$T/multi" --seed 2 --platforms linux/amd64,linux/arm64
skopeo copy -q --dest-tls-verify=false "oci:$T/img1" "docker://$RA/app:dev"
skopeo copy -q --dest-tls-verify=false "docker://$RA/app:dev" "docker://$RA/app:v1" --src-tls-verify=false
cat >"$T/convoy.yml" <<EOC
stages:
  - name: dev
    repository: $RA/app
    tags: [dev]
  - name: qa
    repository: $RA/app
    tags: [qa]
  - name: prod
    repository: $RB/app
    tags: [prod, "{{version}}"]
EOC
C() { "$CONVOY" "$@" --pipeline-file "$T/convoy.yml" --insecure-registry "$RA" --insecure-registry "$RB"; }
D1=$(digest_of "$RA/app:dev")
[ -n "$D1" ] || fail "seed image not in the dev registry"

# dev -> qa, same repository: mounts/manifest put only, no blob bytes.
actions_env
before=$(wc -l <"$A_LOG")
C promote --to qa >"$T/out1" 2>&1 || { cat "$T/out1"; fail "promote --to qa"; }
assert_eq "$(gh_output digest)" "$D1" "digest output (qa)"
assert_eq "$(gh_output image)" "$RA/app@$D1" "image output (qa)"
assert_eq "$(gh_output from)" "dev" "from output (qa)"
assert_eq "$(gh_output to)" "qa" "to output (qa)"
assert_eq "$(gh_output previous-digest)" "" "previous-digest output (qa)"
assert_eq "$(gh_output tags)" "$RA/app:qa" "tags output (qa)"
assert_eq "$(digest_of "$RA/app:qa")" "$D1" "qa tag in the registry"
# Request log of this promotion: no PATCH, no PUT to /blobs/uploads/ (those carry bytes), and
# every POST to /blobs/uploads/ is a cross-repository mount. The ledger artifact is the only
# exception: it uploads its own config and record blobs (monolithic POST + PUT ?digest=); the
# uploaded digests must be exactly the blobs of the one ledger manifest whose subject is D1.
tail -n +"$((before + 1))" "$A_LOG" | grep -oE '"(GET|HEAD|PUT|POST|PATCH|DELETE) [^ ]+ HTTP' >"$T/req1" || true
[ -s "$T/req1" ] || fail "registry log shows no requests for the promotion"
if grep -q '^"PATCH' "$T/req1"; then cat "$T/req1"; fail "same-registry promotion sent PATCH (blob bytes)"; fi
python3 - "$T/req1" "$T/img1" "$RA" "$D1" <<'PY' || fail "same-registry promotion uploaded image blob bytes"
import sys, os, re, json, subprocess
reqs = open(sys.argv[1]).read().splitlines()
image_blobs = set("sha256:" + f for f in os.listdir(sys.argv[2] + "/blobs/sha256"))
reg, subject = sys.argv[3], sys.argv[4]
uploaded = []
for r in reqs:
    if r.startswith('"PUT ') and "/blobs/uploads/" in r:
        d = re.search(r"digest=sha256(?:%3A|:)([0-9a-f]{64})", r)
        if not d: sys.exit("blob upload without a digest (chunked bytes?): " + r)
        uploaded.append("sha256:" + d.group(1))
for d in uploaded:
    if d in image_blobs: sys.exit("image blob %s uploaded" % d)
posts = [r for r in reqs if r.startswith('"POST ') and "/blobs/uploads/" in r and "mount=" not in r]
if len(posts) != len(uploaded): sys.exit("uploads started without a mount: %s" % posts)
# Every uploaded blob belongs to the ledger record, an artifact whose subject is the digest.
# (The first record in a repository is put twice: refused for want of its empty blob, then
# again once the blob is up.)
mput = sorted(set(r.split()[1] for r in reqs if r.startswith('"PUT ') and "/manifests/sha256:" in r))
if len(mput) != 1: sys.exit("expected exactly one ledger manifest put by digest, got %s" % mput)
ref = mput[0].replace("/v2/", "", 1).replace("/manifests/", "@")
raw = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://%s/%s" % (reg, ref)],
                     check=True, capture_output=True).stdout
m = json.loads(raw)
if m.get("subject", {}).get("digest") != subject: sys.exit("ledger record does not refer to the promoted digest")
ledger_blobs = {m["config"]["digest"]} | {l["digest"] for l in m.get("layers", [])}
if set(uploaded) != ledger_blobs: sys.exit("uploads %s are not exactly the ledger blobs %s" % (uploaded, ledger_blobs))
PY
pass "promote__same_repository_moves_no_bytes"

# qa -> prod across registries, with {{version}}.
actions_env
C promote --to prod --version v1 >"$T/out2" 2>&1 || { cat "$T/out2"; fail "promote --to prod"; }
assert_eq "$(gh_output digest)" "$D1" "digest output (prod)"
assert_eq "$(gh_output image)" "$RB/app@$D1" "image output (prod)"
assert_eq "$(gh_output from)" "qa" "from output (prod)"
assert_eq "$(gh_output tags)" "$RB/app:prod
$RB/app:v1" "tags output (prod)"
assert_eq "$(digest_of "$RB/app:prod")" "$D1" "prod tag in registry B"
assert_eq "$(digest_of "$RB/app:v1")" "$D1" "version tag in registry B"
skopeo copy -q --src-tls-verify=false "docker://$RB/app@$D1" "oci:$T/pulled" >/dev/null \
	|| fail "the promoted image cannot be pulled whole from registry B"
pass "promote__across_registries"

# Multi-platform index: dev -> qa -> prod, copied whole.
skopeo copy -q --all --dest-tls-verify=false "oci:$T/multi" "docker://$RA/app:dev"
D2=$(digest_of "$RA/app:dev")
skopeo copy -q --all --src-tls-verify=false --dest-tls-verify=false "docker://$RA/app:dev" "docker://$RA/app:v2"
actions_env
C promote --to qa >"$T/out3" 2>&1 || { cat "$T/out3"; fail "promote multi-platform --to qa"; }
actions_env
C promote --to prod --version v2 >"$T/out4" 2>&1 || { cat "$T/out4"; fail "promote multi-platform --to prod"; }
assert_eq "$(gh_output previous-digest)" "$D1" "previous-digest output (prod, second promotion)"
assert_eq "$(digest_of "$RB/app:prod")" "$D2" "prod tag after the multi-platform promotion"
for arch in amd64 arm64; do
	skopeo inspect --tls-verify=false --override-arch "$arch" --override-os linux "docker://$RB/app:prod" >/dev/null \
		|| fail "platform linux/$arch missing in registry B"
done
pass "promote__multi_platform_index_copied_whole"

# history --stage prod: newest first.
actions_env
C history --stage prod >"$T/hist" 2>&1 || { cat "$T/hist"; fail "history"; }
python3 - "$T/hist" "$D1" "$D2" <<'PY' || { cat "$T/hist"; fail "history order"; }
import sys
text = open(sys.argv[1]).read()
d1, d2 = sys.argv[2], sys.argv[3]
i2, i1 = text.find(d2), text.find(d1)
if i2 < 0 or i1 < 0: sys.exit("both promotions must be listed")
if not i2 < i1: sys.exit("newest (%s) must come first" % d2)
PY
pass "history__newest_first"
