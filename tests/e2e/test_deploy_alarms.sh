#!/usr/bin/env bash
# deploy's CloudWatch alarm watch, against the AWS stand-in (CloudWatch DescribeAlarms signed as
# "monitoring", checked by botocore): an alarm in ALARM during the rollout or the bake fails the
# deploy and rolls back; all OK -> deployed after the bake, the alarms polled during it; an
# unknown alarm is refused before anything is registered; ECS's own deployment alarms are
# reported and their rollback is ECS's; alarms and bake-time from the stage's deploy block;
# bad bake-time is a usage error.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
need python3
IMG="reg.example/app@sha256:$(printf 'c%.0s' $(seq 64))"
ARN1="arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1"
ARN2="arn:aws:ecs:eu-west-1:123456789012:task-definition/app:2"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10

run() { actions_env; "$CONVOY" deploy --cluster c --service web --image "$IMG" "$@" >"$T/out" 2>&1; }
# The task definitions UpdateService was called with, in order.
updates() {
	"$AWS_PY" -c 'import json, sys
print(" ".join(r["body"]["taskDefinition"] for r in map(json.loads, open(sys.argv[1])) if r["action"] == "UpdateService"))' "$LOG"
}
# The log's actions, one a line (signed DescribeAlarms calls that the stand-in accepted).
actions() {
	"$AWS_PY" -c 'import json, sys
for r in map(json.loads, open(sys.argv[1])):
    ok = r["status"] == 200
    if r["service"] == "cloudwatch":
        assert ok and r["key"] == "AKIDTEST", r
        assert r["body"]["AlarmTypes"] == ["MetricAlarm", "CompositeAlarm"], r
    print(r["action"] if ok else r["action"] + "!" + str(r.get("error")))' "$LOG"
}
alarm_names() { # of the first DescribeAlarms
	"$AWS_PY" -c 'import json, sys
r = next(r for r in map(json.loads, open(sys.argv[1])) if r["action"] == "DescribeAlarms")
print(" ".join(r["body"]["AlarmNames"]))' "$LOG"
}

# ALARM on the 3rd DescribeAlarms: the 1st is before registering, the 2nd and 3rd are rollout
# polls (slow: the rollout is not done before the 4th).
start_aws slow --alarm cpu-high:OK,OK,ALARM
if run --alarms cpu-high; then cat "$T/out"; fail "deploy with an alarm in ALARM succeeded"; fi
assert_eq "$(updates)" "$ARN2 $ARN1" "UpdateService back to revision 1"
out=$(cat "$T/out")
assert_contains "$out" "alarm cpu-high is in ALARM: Threshold Crossed: 3 <request>" "alarm and reason"
assert_contains "$out" "); rolled back to $ARN1" "rolled back"
assert_contains "$out" "::error" "the step fails"
assert_eq "$(gh_output status)" rolled-back "status"
assert_eq "$(actions | grep -c DescribeAlarms)" 3 "three alarm checks, none after the failure"
summary=$(cat "$T/gh/summary")
assert_contains "$summary" "| Alarms | cpu-high (bake 0 s) |" "summary names the alarms"
assert_contains "$summary" "| failed: alarm cpu-high is in ALARM: Threshold Crossed: 3 <request> |" "summary names alarm and reason"
pass "deploy_alarms__alarm_during_rollout_rolls_back"

# --no-rollback: the service stays on the new revision.
start_aws slow --alarm cpu-high:OK,ALARM
if run --alarms cpu-high --no-rollback; then fail "alarm with --no-rollback succeeded"; fi
assert_eq "$(updates)" "$ARN2" "--no-rollback: no second UpdateService"
assert_contains "$(cat "$T/out")" "alarm cpu-high is in ALARM" "no-rollback message names the alarm"
assert_eq "$(gh_output status)" failed "no-rollback status"
pass "deploy_alarms__no_rollback_leaves_the_service"

# ALARM on the 4th: before (1), the rollout's only poll (2), the bake's 1st (3) and 2nd (4).
start_aws success --alarm cpu-high:OK,OK,OK,ALARM
if run --alarms cpu-high --bake-time 600; then fail "alarm during the bake succeeded"; fi
assert_eq "$(updates)" "$ARN2 $ARN1" "bake alarm: UpdateService back to revision 1"
out=$(cat "$T/out")
assert_contains "$out" "rollout complete" "the rollout itself completed"
assert_contains "$out" "during the bake: alarm cpu-high is in ALARM: Threshold Crossed: 4 <request>" "bake alarm named"
assert_eq "$(gh_output status)" rolled-back "bake status"
pass "deploy_alarms__alarm_during_bake_rolls_back"

# All OK (or INSUFFICIENT_DATA) through the rollout and a 1 s bake: deployed, and the alarms
# were polled after the rollout's last DescribeServices (the bake).
start_aws success --alarm cpu-high:OK --alarm errors:INSUFFICIENT_DATA
run --alarms "cpu-high, errors" --bake-time 1 || { cat "$T/out"; fail "deploy with OK alarms failed"; }
assert_eq "$(gh_output status)" deployed "OK status"
assert_eq "$(updates)" "$ARN2" "no rollback"
assert_eq "$(alarm_names)" "cpu-high errors" "comma list of alarms"
"$AWS_PY" -c 'import sys
acts = sys.stdin.read().split()
last = max(i for i, a in enumerate(acts) if a == "DescribeServices")
sys.exit(0 if "DescribeAlarms" in acts[last + 1:] else 1)' <<<"$(actions)" ||
	fail "no DescribeAlarms after the rollout (the bake did not poll)"
assert_contains "$(cat "$T/gh/summary")" "none in ALARM" "summary: bake done"
pass "deploy_alarms__ok_alarms_deploy_after_the_bake"

# An alarm CloudWatch does not know: refused before RegisterTaskDefinition.
start_aws success --alarm cpu-high:OK
if run --alarms $'cpu-high\nno-such-alarm'; then fail "unknown alarm accepted"; fi
assert_contains "$(cat "$T/out")" "CloudWatch has no alarm 'no-such-alarm'" "unknown alarm named"
assert_contains "$(cat "$T/out")" "nothing was registered" "says nothing changed"
grep -q RegisterTaskDefinition <<<"$(actions)" && fail "registered despite an unknown alarm"
grep -q UpdateService <<<"$(actions)" && fail "updated despite an unknown alarm"
# Already in ALARM before the deploy: refused the same way.
start_aws success --alarm cpu-high:ALARM
if run --alarms cpu-high; then fail "alarm already in ALARM accepted"; fi
assert_contains "$(cat "$T/out")" "alarm cpu-high is in ALARM: Threshold Crossed: 1 <request> before the deploy started" "pre-existing ALARM"
grep -q RegisterTaskDefinition <<<"$(actions)" && fail "registered despite an alarm in ALARM"
pass "deploy_alarms__unknown_alarm_refused_before_registering"

# ECS's own deployment alarms: reported; when they trip, ECS's rollback is waited for, not
# duplicated; convoy's alarms add to them.
start_aws ecs-alarms --alarm cpu-high:OK
run --alarms cpu-high || { cat "$T/out"; fail "deploy to a service with ECS alarms failed"; }
assert_contains "$(cat "$T/out")" "ECS watches the service's deployment alarms (ecs-cpu) and rolls back by itself" "log says ECS watches"
assert_contains "$(cat "$T/gh/summary")" "ECS watches the service's deployment alarms (ecs-cpu)" "summary says ECS watches"
grep -q DescribeAlarms <<<"$(actions)" || fail "convoy's own alarms not watched beside ECS's"
start_aws ecs-alarms-trip
if run; then fail "ECS alarm rollback reported as success"; fi
assert_eq "$(updates)" "$ARN2" "ECS rolled back: no UpdateService from convoy"
out=$(cat "$T/out")
assert_contains "$out" "Service deployment rolled back because the alarm ecs-cpu was in ALARM." "ECS's reason"
assert_contains "$out" "ECS rolled back (its circuit breaker or its deployment alarms) to $ARN1" "ECS's rollback"
assert_eq "$(gh_output status)" rolled-back "ECS alarm status"
grep -q DescribeAlarms <<<"$(actions)" && fail "DescribeAlarms without alarms named"
pass "deploy_alarms__ecs_deployment_alarms_reported_and_waited_for"

# The stage's deploy block: alarms and bake-time; flags win.
mkdir -p "$T/repo/.github"
cat >"$T/repo/.github/convoy.yml" <<'YML'
stages:
  - name: prod
    repository: reg.example/app
    tags: [prod]
    deploy: {cluster: c, service: web, alarms: [cpu-high], bake-time: 600}
YML
start_aws success --alarm cpu-high:OK,OK,OK,ALARM
if (cd "$T/repo" && run --stage prod --no-ledger); then fail "stage alarm during bake succeeded"; fi
assert_contains "$(cat "$T/out")" "during the bake: alarm cpu-high is in ALARM" "stage alarms and bake-time"
assert_eq "$(updates)" "$ARN2 $ARN1" "stage: rolled back"
start_aws success --alarm cpu-high:OK,OK,OK,ALARM
(cd "$T/repo" && run --stage prod --no-ledger --bake-time 0) || { cat "$T/out"; fail "--bake-time 0 over the stage's"; }
assert_eq "$(gh_output status)" deployed "flag bake-time wins"
pass "deploy_alarms__stage_deploy_block_alarms_and_bake_time"

# Bad input: exit 2, the input named, nothing asked of AWS.
start_aws success
for bad in abc -1 86401 1.5; do
	rc=0; run --alarms cpu-high --bake-time "$bad" || rc=$?
	assert_eq "$rc" 2 "bake-time '$bad' exit code"
	assert_contains "$(cat "$T/out")" "bake-time" "bake-time '$bad' named"
done
[ ! -s "$LOG" ] || fail "AWS was asked on bad input: $(cat "$LOG")"
cat >"$T/repo/.github/convoy.yml" <<'YML'
stages:
  - name: prod
    repository: reg.example/app
    tags: [prod]
    deploy: {cluster: c, service: web, bake-time: soon}
YML
rc=0; (cd "$T/repo" && run --stage prod) || rc=$?
assert_eq "$rc" 2 "pipeline bad bake-time exit code"
assert_contains "$(cat "$T/out")" "convoy.yml:5: " "pipeline error names the line"
assert_contains "$(cat "$T/out")" "'bake-time' 'soon' is not a number of seconds" "pipeline error says what"
cat >"$T/repo/.github/convoy.yml" <<'YML'
stages:
  - name: prod
    repository: reg.example/app
    tags: [prod]
    deploy: {cluster: c, service: web, alarms: []}
YML
rc=0; (cd "$T/repo" && run --stage prod) || rc=$?
assert_eq "$rc" 2 "pipeline empty alarms exit code"
assert_contains "$(cat "$T/out")" "'alarms' must be an alarm name or a non-empty list" "empty alarms"
rc=0; run --alarms $'a\na' || rc=$?
assert_eq "$rc" 2 "duplicate alarm exit code"
assert_contains "$(cat "$T/out")" "input 'alarms': 'a' is named twice" "duplicate alarm"
[ ! -s "$LOG" ] || fail "AWS was asked on bad input: $(cat "$LOG")"
pass "deploy_alarms__bad_bake_time_and_alarms_are_usage_errors"
