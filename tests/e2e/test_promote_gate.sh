#!/usr/bin/env bash
# promote gates and recovery against two real registries: a digest never in qa is refused for
# prod (exit 1, clear error, prod tags unchanged), --allow-skip lets it through and is recorded,
# a version that does not exist changes nothing, rollback restores the previous digest as a
# recorded promotion, and a workflow_dispatch payload from @octokit/webhooks-examples drives one.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
start_registry A; start_registry B
RA=127.0.0.1:$A_PORT RB=127.0.0.1:$B_PORT
mkimage "$T/img1" --seed 11
mkimage "$T/img2" --seed 12
skopeo copy -q --dest-tls-verify=false "oci:$T/img1" "docker://$RA/app:dev"
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
    tags: [prod]
EOC
C() { "$CONVOY" "$@" --pipeline-file "$T/convoy.yml" --insecure-registry "$RA" --insecure-registry "$RB"; }
tags_of() { skopeo list-tags --tls-verify=false "docker://$1" 2>/dev/null | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"])))'; }
D1=$(digest_of "$RA/app:dev")
actions_env; C promote --to qa >/dev/null 2>&1 || fail "promote --to qa"
actions_env; C promote --to prod >/dev/null 2>&1 || fail "promote --to prod"
assert_eq "$(digest_of "$RB/app:prod")" "$D1" "prod after the first promotion"

# A new image in dev only: prod from dev is a skip; the gate refuses it.
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$RA/app:dev"
D2=$(digest_of "$RA/app:dev")
prod_tags=$(tags_of "$RB/app")
actions_env
set +e; C promote --to prod --digest "$D2" >"$T/gate.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "exit code of a gate refusal"
grep -q '^::error::' "$T/gate.out" || { cat "$T/gate.out"; fail "gate refusal without ::error::"; }
out=$(cat "$T/gate.out")
assert_contains "$out" "$D2" "gate error names the digest"
assert_contains "$out" "qa" "gate error names the previous stage"
assert_contains "$out" "allow-skip" "gate error says how to skip"
assert_eq "$(digest_of "$RB/app:prod")" "$D1" "prod digest after a refusal"
assert_eq "$(tags_of "$RB/app")" "$prod_tags" "prod tags after a refusal"
[ ! -s "$T/gh/output" ] || fail "a refusal wrote outputs: $(cat "$T/gh/output")"
pass "promote__gate_refuses_digest_never_in_previous_stage"

# --allow-skip: the same promotion goes through, recorded as a skip.
actions_env
C promote --to prod --digest "$D2" --allow-skip >"$T/skip.out" 2>&1 || { cat "$T/skip.out"; fail "promote --allow-skip"; }
assert_eq "$(gh_output digest)" "$D2" "digest output (skip)"
assert_eq "$(gh_output previous-digest)" "$D1" "previous-digest output (skip)"
assert_eq "$(digest_of "$RB/app:prod")" "$D2" "prod after --allow-skip"
grep -qi 'skip' "$T/gh/summary" || fail "job summary does not record the skip: $(cat "$T/gh/summary")"
pass "promote__allow_skip"

# A version that does not exist: clear error, nothing changed.
prod_tags=$(tags_of "$RB/app"); qa_tags=$(tags_of "$RA/app")
actions_env
set +e; C promote --to qa --version sha-0000000 >"$T/nover.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "exit code for a missing version"
out=$(cat "$T/nover.out")
assert_contains "$out" "::error::" "missing version error"
assert_contains "$out" "sha-0000000" "missing version error names the version"
assert_contains "$out" "does not exist" "missing version error says what is wrong"
assert_eq "$(tags_of "$RA/app")" "$qa_tags" "registry A tags after a missing version"
assert_eq "$(tags_of "$RB/app")" "$prod_tags" "registry B tags after a missing version"
assert_eq "$(digest_of "$RA/app:qa")" "$D1" "qa digest after a missing version"
pass "promote__missing_version_changes_nothing"

# rollback --stage prod: back to D1, as a recorded promotion.
actions_env
C rollback --stage prod >"$T/rb.out" 2>&1 || { cat "$T/rb.out"; fail "rollback"; }
assert_eq "$(gh_output digest)" "$D1" "digest output (rollback)"
assert_eq "$(gh_output previous-digest)" "$D2" "previous-digest output (rollback)"
assert_eq "$(digest_of "$RB/app:prod")" "$D1" "prod after rollback"
actions_env
C history --stage prod >"$T/hist" 2>&1 || { cat "$T/hist"; fail "history"; }
python3 - "$T/hist" "$D1" "$D2" <<'PY' || { cat "$T/hist"; fail "history after rollback"; }
import sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if "sha256:" in l]
d1, d2 = sys.argv[2], sys.argv[3]
firsts = [l for l in lines if d1 in l or d2 in l]
if len(firsts) < 3: sys.exit("expected 3 prod records (promote, skip, rollback), got %d" % len(firsts))
if d1 not in firsts[0]: sys.exit("the newest record must be the rollback to %s" % d1)
if d2 not in firsts[1]: sys.exit("the second newest must be the skip to %s" % d2)
PY
pass "rollback__restores_previous_digest_recorded"

# workflow_dispatch: the payload's inputs {to, version} drive a promotion of dev -> qa.
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$RA/app:dev" "docker://$RA/app:sha-2b2b2b2"
node -e '
const x = require(process.argv[1] + "/node_modules/@octokit/webhooks-examples/api.github.com/index.json");
const ev = x.find(e => e.name === "workflow_dispatch").examples[0];
ev.inputs = { to: "qa", version: "sha-2b2b2b2" };
require("fs").writeFileSync(process.argv[2], JSON.stringify(ev));
' "$CONVOY_SRC" "$T/event.json"
actions_env
export GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH="$T/event.json"
C promote >"$T/wd.out" 2>&1 || { cat "$T/wd.out"; fail "promote from a workflow_dispatch payload"; }
unset GITHUB_EVENT_NAME GITHUB_EVENT_PATH
assert_eq "$(gh_output to)" "qa" "to output (workflow_dispatch)"
assert_eq "$(gh_output digest)" "$D2" "digest output (workflow_dispatch)"
assert_eq "$(digest_of "$RA/app:qa")" "$D2" "qa after the workflow_dispatch promotion"
pass "promote__workflow_dispatch_payload"

# A missing pipeline file: exit 1, the error names the file once and says what to give.
actions_env
set +e; "$CONVOY" promote --to qa --pipeline-file "$T/none.yml" >"$T/nofile.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "exit code for a missing pipeline file"
assert_eq "$(grep -o "pipeline file '$T/none.yml' cannot be read" "$T/nofile.out" | wc -l)" 1 "the error names the file exactly once"
assert_contains "$(cat "$T/nofile.out")" "--pipeline-file" "missing pipeline file error says what to give"
pass "promote__missing_pipeline_file"
