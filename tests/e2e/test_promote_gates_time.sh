#!/usr/bin/env bash
# Time and health gates from the ledger, against the real registry: soak counts from the
# ledger record of the promotion into the previous stage; require-healthy reads the last
# deploy record there (written by convoy deploy against the ECS stand-in); freeze spans (dates,
# and weekly in a zone with its own offset) refuse, --override passes them for an allowed
# actor only, and the record keeps who and why; a rollback is never held. Every refusal
# leaves the tags where they were and says why; every verdict is a summary row and a field of
# the record. CONVOY_NOW sets the clock (an ISO instant), so no test waits.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
source "$(dirname "$0")/lib_aws.sh"
need jq
start_registry REG
R=127.0.0.1:$REG_PORT
mkimage "$T/img1" --seed 71
mkimage "$T/img2" --seed 72
skopeo copy -q --dest-tls-verify=false "oci:$T/img1" "docker://$R/app:dev"
D1=$(digest_of "$R/app:dev")

cat >"$T/soak.yml" <<EOC
stages:
  - name: dev
    repository: $R/app
    tags: [dev]
  - name: qa
    repository: $R/app
    tags: [qa]
    deploy: {cluster: c, service: web, container: app}
  - name: prod
    repository: $R/app
    tags: [prod]
    soak: 24h
    require-healthy: true
EOC
C() { local f=$1; shift; "$CONVOY" "$@" --pipeline-file "$T/$f.yml"; }
at() { export CONVOY_NOW=$1; }
tag() { digest_of "$R/app:$1"; }

at 2030-03-04T10:00:00Z
actions_env; C soak promote --to qa >"$T/out" 2>&1 || { cat "$T/out"; fail "promote --to qa"; }

# 10 hours later: soak refuses, and says when the digest may enter prod.
at 2030-03-04T20:00:00Z
actions_env; rc=0; C soak promote --to prod >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "soak refusal: exit code"
err=$(grep '::error::' "$T/out")
assert_contains "$err" "soak: in qa for 10h of 24h, since 2030-03-04T10:00:00.000Z; it may enter prod at 2030-03-05 10:00 UTC" "soak refusal: message"
assert_contains "$err" "nothing was changed" "soak refusal: says nothing changed"
assert_eq "$(tag prod)" "" "soak refusal: prod was written"
assert_contains "$(cat "$T/gh/summary")" "| soak | **refused** |" "soak refusal: summary row"
assert_eq "$(cat "$GITHUB_OUTPUT")" "" "soak refusal: outputs"
pass "gates__soak_refuses_before_its_time"

# A day later, soak passes; but no deploy of the digest in qa is recorded.
at 2030-03-05T10:00:01Z
actions_env; rc=0; C soak promote --to prod >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "healthy refusal: exit code"
assert_contains "$(grep '::error::' "$T/out")" "healthy: no deploy of $D1 in qa is recorded" "healthy refusal: message"
assert_contains "$(cat "$T/gh/summary")" "| soak | **passed** | in qa for 1d since 2030-03-04T10:00:00.000Z (needs 24h) |" "healthy refusal: the soak row"
assert_eq "$(tag prod)" "" "healthy refusal: prod was written"
pass "gates__require_healthy_refuses_without_a_recorded_deploy"

# A deploy that the circuit breaker rolled back does not count as healthy.
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10
start_aws circuit
actions_env; C soak deploy --stage qa --image "$R/app@$D1" >"$T/out" 2>&1 && fail "the circuit deploy succeeded"
assert_contains "$(cat "$T/out")" "ledger: deploy recorded" "the failed deploy is recorded"
actions_env; rc=0; C soak promote --to prod >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "rolled-back refusal: exit code"
assert_contains "$(grep '::error::' "$T/out")" "healthy: the last deploy of $D1 in qa" "rolled-back refusal: message"
assert_not_contains "$(grep '::error::' "$T/out")" "recorded as deployed" "rolled-back refusal: status"
assert_eq "$(tag prod)" "" "rolled-back refusal: prod was written"

# A successful deploy in qa: both gates pass, and the record carries the verdicts.
start_aws success
at 2030-03-05T11:00:00Z
actions_env; C soak deploy --stage qa --image "$R/app@$D1" >"$T/out" 2>&1 || { cat "$T/out"; fail "deploy to qa"; }
at 2030-03-05T12:00:00Z
actions_env; C soak promote --to prod >"$T/out" 2>&1 || { cat "$T/out"; fail "promote --to prod after soak and a healthy deploy"; }
assert_eq "$(tag prod)" "$D1" "prod after the gates passed"
assert_contains "$(cat "$T/gh/summary")" "| healthy | **passed** | the last deploy of $D1 in qa (2030-03-05T11:00:00.000Z, ecs:c/web) is recorded as deployed |" "the healthy row"
actions_env; C soak history --stage prod >"$T/out" 2>&1 || { cat "$T/out"; fail "history"; }
assert_eq "$(gh_output records | jq -r '.[0].gates')" \
	"soak: passed: in qa for 1d2h since 2030-03-04T10:00:00.000Z (needs 24h); healthy: passed: the last deploy of $D1 in qa (2030-03-05T11:00:00.000Z, ecs:c/web) is recorded as deployed" \
	"the record's gates"
pass "gates__soak_and_healthy_pass_and_are_recorded"

# ---- freeze ----
cat >"$T/freeze.yml" <<EOC
stages:
  - name: dev
    repository: $R/app
    tags: [dev]
  - name: live
    repository: $R/app
    tags: [live]
    freeze:
      - {from: 2030-03-01, to: 2030-03-10, reason: launch week}
      - {weekly: "Fri 16:00 - Mon 08:00", tz: Europe/Berlin}
    allowed-actors: [alice]
EOC
at 2030-03-05T12:00:00Z
actions_env; export GITHUB_ACTOR=mallory; rc=0; C freeze promote --to live >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "freeze refusal: exit code"
err=$(grep '::error::' "$T/out")
assert_contains "$err" "freeze: stage live is frozen (2030-03-01 to 2030-03-10: launch week) until 2030-03-11 00:00 UTC" "freeze refusal: message"
assert_contains "$err" "--override" "freeze refusal: says how to override"
assert_eq "$(tag live)" "" "freeze refusal: live was written"
actions_env; export GITHUB_ACTOR=mallory; rc=0; C freeze promote --to live --override "hotfix INC-7" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "override by another actor: exit code"
assert_contains "$(grep '::error::' "$T/out")" "'mallory' is not among the stage's allowed-actors (alice)" "override by another actor: message"
assert_eq "$(tag live)" "" "override by another actor: live was written"
actions_env; export GITHUB_ACTOR=alice; C freeze promote --to live --override "hotfix INC-7" >"$T/out" 2>&1 ||
	{ cat "$T/out"; fail "override by an allowed actor"; }
assert_eq "$(tag live)" "$D1" "override: live"
assert_contains "$(cat "$T/out")" "::notice title=freeze overridden::alice: hotfix INC-7" "override: notice"
assert_contains "$(cat "$T/gh/summary")" "| freeze | **passed** |" "override: summary row"
actions_env; C freeze history --stage live >"$T/out" 2>&1 || { cat "$T/out"; fail "history live"; }
assert_eq "$(gh_output records | jq -r '.[0].override')" "alice: hotfix INC-7" "override: the record says who and why"
pass "gates__freeze_refuses_override_by_an_allowed_actor_is_recorded"

# Weekly, in Europe/Berlin (UTC+1 in March 2030): Friday 15:30 UTC is 16:30 there: frozen; an
# hour earlier it is not. The new digest in dev makes each promotion change something.
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$R/app:dev"
D2=$(digest_of "$R/app:dev")
at 2030-03-15T15:30:00Z
actions_env; export GITHUB_ACTOR=alice; rc=0; C freeze promote --to live >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "weekly freeze: exit code"
assert_contains "$(grep '::error::' "$T/out")" "(Fri 16:00 - Mon 08:00 Europe/Berlin) until 2030-03-18 08:00 Europe/Berlin" "weekly freeze: message"
assert_eq "$(tag live)" "$D1" "weekly freeze: live moved"
at 2030-03-15T14:30:00Z
actions_env; C freeze promote --to live >"$T/out" 2>&1 || { cat "$T/out"; fail "before the weekly freeze"; }
assert_eq "$(tag live)" "$D2" "before the weekly freeze: live"
assert_contains "$(cat "$T/gh/summary")" "| freeze | **passed** | no freeze span holds now |" "before the weekly freeze: row"
# A rollback is never held by a freeze: it is how a bad release is undone.
at 2030-03-16T12:00:00Z
actions_env; C freeze rollback --stage live >"$T/out" 2>&1 || { cat "$T/out"; fail "rollback inside a freeze"; }
assert_eq "$(tag live)" "$D1" "rollback inside a freeze"
pass "gates__weekly_freeze_in_its_zone_and_rollback_is_not_held"

# Bad gate settings are errors naming the line, before anything is read.
bad_gate() { # bad_gate YAML_LINES MESSAGE
	printf 'stages:\n  - name: dev\n    repository: %s/app\n    tags: [dev]\n  - name: prod\n    repository: %s/app\n    tags: [prod]\n%s\n' "$R" "$R" "$1" >"$T/bad.yml"
	actions_env; rc=0; C bad promote --to prod >"$T/out" 2>&1 || rc=$?
	assert_eq "$rc" 2 "bad gate ($2): exit code"
	assert_contains "$(cat "$T/out")" "$2" "bad gate: message"
}
bad_gate "    soak: 24 hours" "bad.yml:8: soak '24 hours' is not a duration (expected a whole number with d, h, m or s"
bad_gate "    freeze: [{weekly: \"Fri 16:00 to Mon\"}]" "is not a weekly span"
bad_gate "    freeze: [{weekly: \"Fri 16:00 - Mon 08:00\", tz: Mars/Olympus}]" "unknown time zone 'Mars/Olympus'"
bad_gate "    freeze: [{from: 2030-03-10, to: 2030-03-01}]" "freeze 'to' (2030-03-01) is not after 'from' (2030-03-10)"
bad_gate "    require-healthy: yes" "require-healthy 'yes' (expected true or false)"
bad_gate "    allowed-actors: [alice]" "the stage has no 'freeze'"
actions_env; rc=0; C soak promote --to qa --override "why" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 2 "override without a freeze: exit code"
assert_contains "$(cat "$T/out")" "input 'override': stage 'qa' has no freeze to override" "override without a freeze"
pass "gates__bad_settings_are_usage_errors"

# history prints the same records as a Markdown table (the job summary's) and as JSON lines.
unset GITHUB_ACTIONS
"$CONVOY" history --pipeline-file "$T/soak.yml" --stage qa --format markdown >"$T/md" 2>"$T/md.err" || { cat "$T/md.err"; fail "history --format markdown"; }
assert_contains "$(cat "$T/md")" "### History of qa" "markdown: the heading"
assert_contains "$(cat "$T/md")" "| Time | Kind |" "markdown: the table"
assert_eq "$(grep -c '^| 2030-' "$T/md")" 3 "markdown: a row per record (a promotion, two deploys)"
"$CONVOY" history --pipeline-file "$T/soak.yml" --stage qa --format jsonl >"$T/jl" 2>"$T/jl.err" || { cat "$T/jl.err"; fail "history --format jsonl"; }
assert_eq "$(wc -l <"$T/jl")" 3 "jsonl: a line per record"
assert_eq "$(jq -r 'select(.kind == "promote") | .digest' "$T/jl")" "$D1" "jsonl: each line a record"
rc=0; "$CONVOY" tags --images app --format jsonl >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 2 "--format jsonl outside history: exit code"
assert_contains "$(cat "$T/out")" "--format: expected 'text' or 'json', got 'jsonl'" "--format jsonl outside history"
pass "history__markdown_and_json_lines"
