#!/usr/bin/env bash
# deploy against the scripted ECS server: success, slow success, circuit breaker (fails and is
# reported as such), timeout, throttling then success, expired token, bad input, --dry-run,
# --stage (the pipeline's deploy block) and its errors. Health checks and rollbacks:
# test_deploy_rollback.sh.
source "$(dirname "$0")/lib.sh"
need python3
IMG="reg.example/app@sha256:$(printf 'a%.0s' $(seq 64))"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10

start() { # scenario
	PORT=$(free_port); LOG="$T/$1.$PORT.log"
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

# --dry-run: the task definition that would be registered, on stdout; nothing changes.
start success
env -u GITHUB_ACTIONS "$CONVOY" deploy --cluster c --service web --image "$IMG" --dry-run >"$T/dry" 2>"$T/dry.err" ||
	{ cat "$T/dry.err"; fail "dry run failed"; }
python3 - "$T/dry" "$IMG" <<'PY' || fail "dry-run JSON"
import json, sys
td, _ = json.JSONDecoder().raw_decode(open(sys.argv[1]).read())
img = sys.argv[2]
assert td["containerDefinitions"] == [{"name": "app", "image": img}], td["containerDefinitions"]
assert td["family"] == "app" and td["cpu"] == "256", td
ro = {"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
      "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt"}
assert not ro & set(td), ro & set(td)
PY
assert_contains "$(cat "$LOG")" '"action": "DescribeTaskDefinition"' "dry run read the task definition"
assert_not_contains "$(cat "$LOG")" RegisterTaskDefinition "dry run registered"
assert_not_contains "$(cat "$LOG")" UpdateService "dry run updated the service"
run --dry-run || { cat "$T/out"; fail "dry run (Actions) failed"; }
assert_eq "$(gh_output status)" dry-run "dry-run status"
assert_not_contains "$(cat "$LOG")" UpdateService "dry run (Actions) updated the service"
pass "deploy__dry_run_prints_the_task_definition_and_changes_nothing"

# --stage: cluster, service, container and health URL from the stage's deploy block.
HPORT=$(free_port); HLOG="$T/health.log"; : >"$HLOG"
python3 "$CONVOY_SRC/tests/e2e/tools/health_server.py" "$HPORT" ok "$HLOG" & hpid=$!
at_exit "kill $hpid"; wait_port "$HPORT" "$hpid"
mkdir -p "$T/repo/.github"
cat >"$T/repo/.github/convoy.yml" <<YML
stages:
  - name: qa
    repository: reg.example/app
    tags: [qa]
  - name: prod
    repository: reg.example/app
    tags: [prod]
    deploy: {cluster: prod-cluster, service: web, container: app, health-url: "http://127.0.0.1:$HPORT/health"}
YML
described() { # the cluster/service of the first DescribeServices call
	python3 -c 'import json, sys
r = next(r for r in map(json.loads, open(sys.argv[1])) if r["action"] == "DescribeServices")
print(r["body"]["cluster"], r["body"]["services"][0])' "$LOG"
}
start success
(cd "$T/repo" && actions_env && "$CONVOY" deploy --stage prod --image "$IMG" >"$T/out" 2>&1) ||
	{ cat "$T/out"; fail "deploy --stage prod failed"; }
assert_eq "$(described)" "prod-cluster web" "cluster and service from the stage"
assert_eq "$(cat "$HLOG")" "GET /health -> 200" "health URL from the stage"
assert_contains "$(cat "$T/out")" "(container app -> $IMG)" "container from the stage"
assert_eq "$(gh_output status)" deployed "stage status"
start success
actions_env
"$CONVOY" deploy --pipeline-file "$T/repo/.github/convoy.yml" --stage prod --cluster other \
	--image "$IMG" >"$T/out" 2>&1 || { cat "$T/out"; fail "deploy --stage --cluster failed"; }
assert_eq "$(described)" "other web" "--cluster wins over the stage"
pass "deploy__stage_reads_the_deploy_block_flags_win"

start success
for args in "--stage nope|no stage 'nope' in $T/repo/.github/convoy.yml (stages: qa, prod)" \
	"--stage qa|stage 'qa' in $T/repo/.github/convoy.yml (line 2) has no 'deploy:' block" \
	"--service web|input 'cluster' is required" ; do
	if "$CONVOY" deploy --pipeline-file "$T/repo/.github/convoy.yml" ${args%%|*} --image "$IMG" >"$T/out" 2>&1; then
		fail "accepted: ${args%%|*}"
	fi
	assert_contains "$(cat "$T/out")" "${args#*|}" "message for ${args%%|*}"
done
if "$CONVOY" deploy --pipeline-file "$T/none.yml" --stage prod --image "$IMG" >"$T/out" 2>&1; then fail "missing pipeline file accepted"; fi
assert_contains "$(cat "$T/out")" "$T/none.yml" "missing file named"
[ ! -s "$LOG" ] || fail "an ECS call for a bad stage: $(cat "$LOG")"
pass "deploy__stage_errors_are_clear"
