#!/usr/bin/env bash
# The verify gate (pipeline `verify:`) against two real registries: mode require refuses an
# unsigned digest and a digest signed by another key (exit 1, ::error:: naming what was
# wrong, a job summary row, every tag unchanged, --allow-skip does not help); warn lets it
# through with a warning; record: true needs the previous stage's promotion record signed by
# a listed key. promote --sign-key re-signs in the target repository (prod, another
# registry), where skopeo + tools/cosign_check.py accept it for prod's identity.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need openssl
PY=/usr/bin/python3
start_registry A; start_registry B
RA=127.0.0.1:$A_PORT RB=127.0.0.1:$B_PORT
for s in 41 42 43; do mkimage "$T/img$s" --seed $s; skopeo copy -q --dest-tls-verify=false "oci:$T/img$s" "docker://$RA/app:v$s"; done
D1=$(digest_of "$RA/app:v41"); D2=$(digest_of "$RA/app:v42"); D3=$(digest_of "$RA/app:v43")
for k in k1 k2; do
	openssl ecparam -name prime256v1 -genkey -noout -out "$T/$k.pem"
	openssl ec -in "$T/$k.pem" -pubout -out "$T/$k.pub" 2>/dev/null
done
pipeline() { # $1 file, $2 qa's verify mode
	cat >"$1" <<EOC
stages:
  - name: dev
    repository: $RA/app
    tags: [dev]
  - name: qa
    repository: $RA/app
    tags: [qa]
    verify: {keys: [$T/k1.pub], mode: $2}
  - name: prod
    repository: $RB/app
    tags: [prod]
    verify: {keys: [$T/k1.pub], mode: require, record: true}
EOC
}
pipeline "$T/convoy.yml" require
pipeline "$T/warn.yml" warn
C() { "$CONVOY" "$@" --insecure-registry "$RA" --insecure-registry "$RB"; }
tags_of() { { skopeo list-tags --tls-verify=false "docker://$1" | $PY -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"])))'; } 2>/dev/null || true; }
snapshot() { echo "A: $(tags_of "$RA/app") qa=$(digest_of "$RA/app:qa") B: $(tags_of "$RB/app") prod=$(digest_of "$RB/app:prod")"; }
refused() { # $1 name, $2 wanted text, rest: promote args
	local name=$1 want=$2 before; shift 2
	before=$(snapshot)
	actions_env
	set +e; C promote "$@" >"$T/$name.out" 2>&1; local rc=$?; set -e
	assert_eq "$rc" 1 "$name: exit code"
	local out; out=$(cat "$T/$name.out")
	assert_contains "$out" "::error::" "$name: error annotation"
	assert_contains "$out" "$want" "$name: what was wrong"
	assert_contains "$out" "nothing was changed" "$name: says nothing moved"
	assert_contains "$(cat "$T/gh/summary")" "| signatures" "$name: job summary row"
	assert_contains "$(cat "$T/gh/summary")" "refused" "$name: summary says refused"
	assert_eq "$(snapshot)" "$before" "$name: tags after the refusal"
	[ ! -s "$T/gh/output" ] || fail "$name: a refusal wrote outputs"
}
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$RA/app@$D1" "docker://$RA/app:dev"

refused unsigned "no signature found" --pipeline-file "$T/convoy.yml" --to qa
refused unsigned_skip "no signature found" --pipeline-file "$T/convoy.yml" --to qa --allow-skip
assert_contains "$(cat "$T/unsigned_skip.out")" "allow-skip does not bypass" "allow-skip refusal says why"
pass "gate__require_refuses_unsigned_digest_even_with_allow_skip"

actions_env; "$CONVOY" sign --key "$T/k2.pem" --image "$RA/app@$D1" >/dev/null 2>&1 || fail "sign with k2"
refused otherkey "not signed by a listed key" --pipeline-file "$T/convoy.yml" --to qa
pass "gate__require_refuses_digest_signed_by_another_key"

# warn: an unsigned digest goes through, with a warning and a summary row.
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$RA/app@$D2" "docker://$RA/app:dev"
actions_env
C promote --pipeline-file "$T/warn.yml" --to qa >"$T/warn.out" 2>&1 || { cat "$T/warn.out"; fail "warn promotion"; }
assert_contains "$(cat "$T/warn.out")" "::warning" "warn: a warning annotation"
assert_contains "$(cat "$T/warn.out")" "no signature found" "warn: names what was missing"
assert_contains "$(cat "$T/gh/summary")" "**warning**" "warn: summary row"
assert_eq "$(digest_of "$RA/app:qa")" "$D2" "warn: qa moved"
pass "gate__warn_lets_an_unsigned_digest_through_with_a_warning"

# Signed by k1: qa accepts it; --sign-key signs the record (and qa's identity).
actions_env; "$CONVOY" sign --key "$T/k1.pem" --image "$RA/app@$D1" >/dev/null 2>&1 || fail "sign with k1"
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$RA/app@$D1" "docker://$RA/app:dev"
actions_env
C promote --pipeline-file "$T/convoy.yml" --to qa --sign-key "$T/k1.pem" >"$T/qa.out" 2>&1 || { cat "$T/qa.out"; fail "promote signed to qa"; }
assert_eq "$(digest_of "$RA/app:qa")" "$D1" "qa after a verified promotion"
assert_contains "$(cat "$T/gh/summary")" "**passed**" "verified promotion: summary row"
assert_contains "$(cat "$T/qa.out")" "in-toto statement signed" "verified promotion: record signed"
pass "gate__require_passes_a_digest_signed_by_a_listed_key"

# prod (record: true): qa's record of D1 is signed by k1; prod is re-signed for its identity.
actions_env
C promote --pipeline-file "$T/convoy.yml" --to prod --sign-key "$T/k1.pem" >"$T/prod.out" 2>&1 || { cat "$T/prod.out"; fail "promote to prod"; }
assert_eq "$(digest_of "$RB/app:prod")" "$D1" "prod after a verified promotion"
assert_contains "$(cat "$T/prod.out")" "record into 'qa' is signed by key" "prod: record check"
mkdir -p "$T/regd"; echo 'default-docker: {use-sigstore-attachments: true}' >"$T/regd/default.yaml"
skopeo copy -q --registries.d "$T/regd" --src-tls-verify=false "docker://$RB/app@$D1" "dir:$T/prod-dir" >/dev/null
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/prod-dir" "$T/k1.pub" "$RB/app" >"$T/chk" || { cat "$T/chk"; fail "independent check in prod"; }
pass "gate__record_signed_and_prod_resigned_for_its_identity_independently_checked"

# A digest signed by k1 but promoted to qa without a signing key: prod refuses its record.
actions_env; "$CONVOY" sign --key "$T/k1.pem" --image "$RA/app@$D3" >/dev/null 2>&1 || fail "sign D3"
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$RA/app@$D3" "docker://$RA/app:dev"
actions_env; C promote --pipeline-file "$T/convoy.yml" --to qa >/dev/null 2>&1 || fail "D3 to qa"
refused unsigned_record "is not signed" --pipeline-file "$T/convoy.yml" --to prod
pass "gate__record_true_refuses_an_unsigned_previous_record"

# A broken verify block is an error naming the line.
sed 's/mode: require, record: true/mode: sometimes/' "$T/convoy.yml" >"$T/bad.yml"
actions_env
set +e; C promote --pipeline-file "$T/bad.yml" --to qa >"$T/bad.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 2 "bad verify mode: exit"
assert_contains "$(cat "$T/bad.out")" "bad.yml:" "bad verify mode: names the file and line"
assert_contains "$(cat "$T/bad.out")" "sometimes" "bad verify mode: names the value"
pass "gate__bad_verify_block_named"

# history --verify: which records are signed and valid; a tampered record is not valid.
actions_env
C history --pipeline-file "$T/convoy.yml" --stage qa --verify "$T/k1.pub" >"$T/h.out" 2>&1 || { cat "$T/h.out"; fail "history --verify"; }
gh_output records >"$T/h.json"
$PY - "$T/h.json" "$D1" "$D2" <<'PYC' || { cat "$T/h.json"; fail "history --verify states"; }
import json, sys
recs = {r["digest"]: r for r in json.load(open(sys.argv[1]))}
assert recs[sys.argv[2]]["signature"] == "valid", recs[sys.argv[2]]
assert recs[sys.argv[3]]["signature"] == "unsigned", recs[sys.argv[3]]
PYC
actions_env
set +e; C history --pipeline-file "$T/convoy.yml" --stage qa --verify "$T/k2.pub" >"$T/h2.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "history --verify under another key"
assert_contains "$(cat "$T/h2.out")" "not signed by a listed key" "history --verify: wrong key"
pass "history__verify_shows_signed_valid_and_unsigned_records"

# Tamper with the listed record (the actor in the sha256-<hex> index entry).
$PY - "http://$RA" "$D1" <<'PYC'
import json, sys, urllib.request
base, d = sys.argv[1], sys.argv[2]
mt = "application/vnd.oci.image.index.v1+json"
url = "%s/v2/app/manifests/sha256-%s" % (base, d[7:])
idx = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": mt})))
n = 0
for m in idx["manifests"]:
    a = m.get("annotations") or {}
    if a.get("dev.convoy.promotion.to") == "qa":
        a["dev.convoy.promotion.actor"] = "mallory"; n += 1
assert n == 1, n
urllib.request.urlopen(urllib.request.Request(url, data=json.dumps(idx).encode(), method="PUT", headers={"Content-Type": mt}))
PYC
actions_env
set +e; C history --pipeline-file "$T/convoy.yml" --stage qa --verify "$T/k1.pub" >"$T/h3.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "history --verify on a tampered record"
assert_contains "$(cat "$T/h3.out")" "tampered" "history --verify names the tampering"
assert_contains "$(cat "$T/h3.out")" "signature: invalid" "history --verify lists it as invalid"
# ... and the gate refuses it as the previous stage's record.
refused tampered_record "tampered" --pipeline-file "$T/convoy.yml" --to prod --digest "$D1"
pass "history__verify_refuses_to_call_a_tampered_record_valid"
