#!/usr/bin/env bash
# deploy against the scripted ECS server: success, slow success, circuit breaker (fails and is
# reported as such), timeout, throttling then success, expired token, bad input.
source "$(dirname "$0")/lib.sh"
need python3
IMG="reg.example/app@sha256:$(printf 'a%.0s' $(seq 64))"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10

start() { # scenario
	PORT=$(free_port); LOG="$T/$1.log"
	python3 "$CONVOY_SRC/tests/e2e/tools/ecs_server.py" "$PORT" "$1" "$LOG" & local pid=$!
	at_exit "kill $pid"; wait_port "$PORT" "$pid"
	export AWS_ENDPOINT_URL_ECS="http://127.0.0.1:$PORT"
}
run() { actions_env; "$CONVOY" deploy --cluster c --service web --image "$IMG" "$@" >"$T/out" 2>&1; }

for sc in success slow throttle; do
	start $sc
	run || { cat "$T/out"; fail "$sc: deploy failed"; }
	assert_eq "$(gh_output status)" deployed "$sc status"
	assert_eq "$(gh_output task-definition-arn)" "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:2" "$sc arn"
	assert_eq "$(gh_output previous-task-definition-arn)" "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1" "$sc prev"
	reg=$(grep RegisterTaskDefinition "$LOG" | tail -1)
	assert_contains "$reg" "\"image\": \"$IMG\"" "$sc: image changed"
	assert_not_contains "$reg" "revision" "$sc: read-only fields stripped"
	assert_contains "$(cat "$T/gh/summary")" "rollout complete" "$sc summary timeline"
	pass "deploy $sc"
done
assert_contains "$(cat "$T/out")" "throttled by AWS" "throttle retried"

start circuit
if run; then fail "circuit breaker rollback reported as success"; fi
assert_contains "$(cat "$T/out")" "circuit breaker" "circuit message"
pass "circuit breaker is a failed deploy"

start timeout
if run --wait-timeout 1 --no-rollback; then fail "timeout succeeded"; fi
assert_contains "$(cat "$T/out")" "wait timeout" "timeout message"
pass "timeout"

start expired
if run; then fail "expired token succeeded"; fi
assert_contains "$(cat "$T/out")" "session token has expired" "expired message"
pass "expired token"

if "$CONVOY" deploy --cluster c --service web --image nodigest >"$T/out" 2>&1; then fail "bad image accepted"; fi
assert_contains "$(cat "$T/out")" "input 'image'" "bad image message"
pass "bad input"
