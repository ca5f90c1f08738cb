#!/usr/bin/env bash
# deploy's health check and automatic rollback, against the AWS stand-in and a scripted
# health endpoint: retries until healthy; unhealthy -> UpdateService back to the previous
# revision, waited for, step fails saying so, status/summary say rolled-back; --no-rollback
# leaves the service; --health-body; the circuit breaker with and without ECS's own rollback;
# a rollback that never completes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
need python3
IMG="reg.example/app@sha256:$(printf 'b%.0s' $(seq 64))"
ARN1="arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1"
ARN2="arn:aws:ecs:eu-west-1:123456789012:task-definition/app:2"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10 CONVOY_DEPLOY_HEALTH_BACKOFF_MS=5

ecs() { start_aws "$@"; } # scenario
health() { # scenario
	local port; port=$(free_port); HLOG="$T/health-$1-$RANDOM.log"; : >"$HLOG"
	python3 "$CONVOY_SRC/tests/e2e/tools/health_server.py" "$port" "$1" "$HLOG" & local pid=$!
	at_exit "kill $pid"; wait_port "$port" "$pid"
	HURL="http://127.0.0.1:$port/health"
}
run() { actions_env; "$CONVOY" deploy --cluster c --service web --image "$IMG" --health-url "$HURL" "$@" >"$T/out" 2>&1; }
# The task definitions UpdateService was called with, in order.
updates() {
	python3 -c 'import json, sys
print(" ".join(r["body"]["taskDefinition"] for r in map(json.loads, open(sys.argv[1])) if r["action"] == "UpdateService"))' "$LOG"
}
# Whether the service was polled after the last UpdateService (the rollback was waited for).
polled_after_last_update() {
	python3 -c 'import json, sys
acts = [json.loads(l)["action"] for l in open(sys.argv[1])]
last = max(i for i, a in enumerate(acts) if a == "UpdateService")
sys.exit(0 if "DescribeServices" in acts[last + 1:] else 1)' "$LOG"
}

ecs success; health flaky
run || { cat "$T/out"; fail "flaky health: deploy failed"; }
assert_eq "$(gh_output status)" deployed "flaky status"
assert_eq "$(tr '\n' ' ' <"$HLOG")" "GET /health -> 503 GET /health -> 503 GET /health -> 200 " "health attempts"
assert_eq "$(updates)" "$ARN2" "no rollback after a passing health check"
assert_contains "$(cat "$T/gh/summary")" "health check $HURL passed (HTTP 200)" "summary timeline"
pass "deploy_health__passes_after_retries"

ecs success; health down
if run --health-retries 2; then fail "unhealthy deploy succeeded"; fi
assert_eq "$(updates)" "$ARN2 $ARN1" "UpdateService back to the previous revision"
polled_after_last_update || fail "the rollback was not waited for"
assert_eq "$(grep -c . "$HLOG")" 3 "1 + 2 retries"
out=$(cat "$T/out")
assert_contains "$out" "health check $HURL: failed 3 of 3 attempts, last: HTTP 500, expected 200" "what failed"
assert_contains "$out" "::error" "the step reports an error"
assert_contains "$out" "); rolled back to $ARN1" "what was done about it"
assert_eq "$(gh_output status)" rolled-back "status on failure"
assert_eq "$(gh_output previous-task-definition-arn)" "$ARN1" "previous on failure"
assert_eq "$(gh_output task-definition-arn)" "$ARN2" "tried revision on failure"
summary=$(cat "$T/gh/summary")
assert_contains "$summary" "### convoy deploy: rolled-back" "summary heading"
assert_contains "$summary" "| rolling back to $ARN1 |" "summary: rollback started"
assert_contains "$summary" "| rolled back to $ARN1 |" "summary: rollback done"
pass "deploy_health__failure_rolls_back_and_waits"

ecs success; health down
if run --health-retries 0 --no-rollback; then fail "unhealthy deploy succeeded (--no-rollback)"; fi
assert_eq "$(updates)" "$ARN2" "--no-rollback: no second UpdateService"
assert_contains "$(cat "$T/out")" "--no-rollback: the service was left as it is" "no-rollback message"
assert_eq "$(gh_output status)" failed "no-rollback status"
pass "deploy_health__no_rollback_leaves_the_service"

ecs success; health wrongbody
run --health-retries 1 || { cat "$T/out"; fail "200 without --health-body refused"; }
assert_eq "$(gh_output status)" deployed "status without body match"
ecs success; health wrongbody
if run --health-retries 1 --health-body ok; then fail "wrong body accepted"; fi
assert_contains "$(cat "$T/out")" "HTTP 200 but the body does not contain 'ok'" "body message"
assert_eq "$(updates)" "$ARN2 $ARN1" "wrong body rolls back"
assert_eq "$(gh_output status)" rolled-back "wrong body status"
ecs success; health ok
run --health-body ok || { cat "$T/out"; fail "matching body refused"; }
assert_eq "$(gh_output status)" deployed "matching body status"
pass "deploy_health__body_must_match"

# ECS's circuit breaker rolls back by itself: convoy waits for that rollback, adds none.
ecs circuit
actions_env
if "$CONVOY" deploy --cluster c --service web --image "$IMG" >"$T/out" 2>&1; then fail "circuit breaker succeeded"; fi
out=$(cat "$T/out")
assert_contains "$out" "the rollout FAILED: ECS deployment circuit breaker" "circuit reason"
assert_contains "$out" "ECS's circuit breaker rolled back to $ARN1" "circuit outcome"
assert_eq "$(updates | tr ' ' '\n' | sort -u | tr '\n' ' ')" "$ARN2 " "no UpdateService of our own after ECS's rollback"
polled_after_last_update || fail "ECS's rollback was not waited for"
assert_eq "$(gh_output status)" rolled-back "circuit status"
assert_contains "$(cat "$T/gh/summary")" "ECS is rolling back to $ARN1" "circuit summary"
pass "deploy_circuit__ecs_rollback_is_waited_for_and_reported"

# The circuit breaker without rollback: the failed deployment stays; convoy rolls back.
ecs breaker
actions_env
if "$CONVOY" deploy --cluster c --service web --image "$IMG" >"$T/out" 2>&1; then fail "breaker succeeded"; fi
assert_eq "$(updates)" "$ARN2 $ARN1" "convoy rolls back"
assert_contains "$(cat "$T/out")" "circuit breaker: tasks failed to start.); rolled back to $ARN1" "breaker message"
assert_eq "$(gh_output status)" rolled-back "breaker status"
pass "deploy_circuit__without_ecs_rollback_convoy_rolls_back"

# A rollback that never completes is reported as such.
ecs stuck-rollback; health down
if run --health-retries 0 --wait-timeout 1; then fail "stuck rollback succeeded"; fi
assert_eq "$(updates)" "$ARN2 $ARN1" "rollback attempted"
assert_contains "$(cat "$T/out")" "the rollback to $ARN1 did not complete: not done after the 1 s wait timeout" "stuck message"
assert_eq "$(gh_output status)" rollback-failed "stuck status"
assert_contains "$(cat "$T/gh/summary")" "### convoy deploy: rollback-failed" "stuck summary"
pass "deploy_rollback__incomplete_rollback_is_reported"
