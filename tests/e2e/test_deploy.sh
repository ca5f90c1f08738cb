#!/usr/bin/env bash
# deploy against the AWS stand-in (tools/aws_standin.py, signatures checked by botocore):
# success, slow success, a service without rolloutState, circuit breaker (fails and is reported
# as such), timeout, throttling then success, an expired session token, bad input, --dry-run,
# --stage (the pipeline's deploy block) and its errors, the deploy recorded in the stage's
# promotion ledger (a real registry). Health checks and rollbacks: test_deploy_rollback.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
source "$(dirname "$0")/lib_aws.sh"
need python3
IMG="reg.example/app@sha256:$(printf 'a%.0s' $(seq 64))"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10

start() { start_aws "$@"; } # scenario
run() { actions_env; "$CONVOY" deploy --cluster c --service web --image "$IMG" "$@" >"$T/out" 2>&1; }

for sc in success slow throttle norollout; do
	start $sc
	run || { cat "$T/out"; fail "$sc: deploy failed"; }
	assert_eq "$(gh_output status)" deployed "$sc status"
	assert_eq "$(gh_output task-definition-arn)" "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:2" "$sc arn"
	assert_eq "$(gh_output previous-task-definition-arn)" "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1" "$sc prev"
	reg=$(grep RegisterTaskDefinition "$LOG" | tail -1)
	assert_contains "$reg" "\"image\": \"$IMG\"" "$sc: image changed"
	assert_not_contains "$reg" "revision" "$sc: read-only fields stripped"
	assert_contains "$(cat "$T/gh/summary")" "rollout complete" "$sc summary timeline"
	case $sc in
	throttle) assert_contains "$(cat "$T/out")" "throttled by AWS" "throttle retried" ;;
	norollout) assert_contains "$(cat "$T/out")" "rollout (no state)" "norollout: waited"
		assert_contains "$(cat "$T/out")" "2/2 tasks running, the only deployment (no rolloutState)" "norollout: done" ;;
	esac
	pass "deploy $sc"
done

start circuit
if run; then fail "circuit breaker rollback reported as success"; fi
assert_contains "$(cat "$T/out")" "circuit breaker" "circuit message"
pass "circuit breaker is a failed deploy"

start timeout
if run --wait-timeout 1 --no-rollback; then fail "timeout succeeded"; fi
assert_contains "$(cat "$T/out")" "wait timeout" "timeout message"
pass "timeout"

# The stand-in's STS issues the session already expired (no waiting for it to run out).
start expired
if (aws_assume_role && run); then fail "expired token succeeded"; fi
assert_contains "$(cat "$T/out")" "the AWS session token has expired (ExpiredTokenException" "expired message"
assert_eq "$(grep -c '"error": "ExpiredTokenException"' "$LOG")" 1 "refused by the stand-in"
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
# The stage's repository is a real registry: the deploy is recorded in its ledger.
start_registry REG
RR=127.0.0.1:$REG_PORT
mkimage "$T/img" --layers 1 --seed 61
actions_env
"$CONVOY" push --source "$T/img" --tag-list "$RR/app:prod" >"$T/out" 2>&1 || { cat "$T/out"; fail "seeding prod"; }
SIMG="$RR/app@$(gh_output digest)"
mkdir -p "$T/repo/.github"
cat >"$T/repo/.github/convoy.yml" <<YML
stages:
  - name: qa
    repository: $RR/app
    tags: [qa]
  - name: prod
    repository: $RR/app
    tags: [prod]
    deploy: {cluster: prod-cluster, service: web, container: app, health-url: "http://127.0.0.1:$HPORT/health"}
YML
described() { # the cluster/service of the first DescribeServices call
	python3 -c 'import json, sys
r = next(r for r in map(json.loads, open(sys.argv[1])) if r["action"] == "DescribeServices")
print(r["body"]["cluster"], r["body"]["services"][0])' "$LOG"
}
start success
(cd "$T/repo" && actions_env && "$CONVOY" deploy --stage prod --image "$SIMG" >"$T/out" 2>&1) ||
	{ cat "$T/out"; fail "deploy --stage prod failed"; }
assert_eq "$(described)" "prod-cluster web" "cluster and service from the stage"
assert_eq "$(cat "$HLOG")" "GET /health -> 200" "health URL from the stage"
assert_contains "$(cat "$T/out")" "(container app -> $SIMG)" "container from the stage"
assert_eq "$(gh_output status)" deployed "stage status"
assert_contains "$(cat "$T/out")" "ledger: deploy recorded in $RR/app (stage prod)" "deploy recorded"
start success
actions_env
"$CONVOY" deploy --pipeline-file "$T/repo/.github/convoy.yml" --stage prod --cluster other \
	--image "$SIMG" >"$T/out" 2>&1 || { cat "$T/out"; fail "deploy --stage --cluster failed"; }
assert_eq "$(described)" "other web" "--cluster wins over the stage"
pass "deploy__stage_reads_the_deploy_block_flags_win"

# Both deploys are in the stage's ledger, newest first, as deploy records of the digest.
actions_env
"$CONVOY" history --pipeline-file "$T/repo/.github/convoy.yml" --stage prod >"$T/out" 2>&1 || { cat "$T/out"; fail "history"; }
python3 - "$(gh_output records)" "${SIMG#*@}" <<'PY' || fail "deploy records in the ledger"
import json, sys
recs, digest = json.loads(sys.argv[1]), sys.argv[2]
deploys = [r for r in recs if r.get("kind") == "deploy"]
assert [r["deploy-target"] for r in deploys] == ["ecs:other/web", "ecs:prod-cluster/web"], deploys
for r in deploys:
    assert r["digest"] == digest and r["to"] == "prod" and r["status"] == "deployed", r
    assert r["task-definition"].endswith("task-definition/app:2"), r
PY
assert_contains "$(cat "$T/out")" "ecs:prod-cluster/web  deployed" "history prints the deploy"
# --no-ledger writes nothing; a digest that is not in the stage's repository is a warning.
n0=$(grep -c 'PUT /v2/app/manifests' "$REG_LOG" || true)
start success
actions_env
"$CONVOY" deploy --pipeline-file "$T/repo/.github/convoy.yml" --stage prod --no-ledger \
	--image "$SIMG" >"$T/out" 2>&1 || { cat "$T/out"; fail "deploy --no-ledger failed"; }
assert_eq "$(grep -c 'PUT /v2/app/manifests' "$REG_LOG" || true)" "$n0" "--no-ledger wrote a record"
start success
actions_env
"$CONVOY" deploy --pipeline-file "$T/repo/.github/convoy.yml" --stage prod \
	--image "$RR/app@sha256:$(printf 'b%.0s' $(seq 64))" >"$T/out" 2>&1 || { cat "$T/out"; fail "deploy of an unknown digest failed"; }
assert_eq "$(gh_output status)" deployed "the deploy itself succeeded"
assert_contains "$(cat "$T/out")" "::warning" "unrecorded deploy is a warning"
assert_contains "$(cat "$T/out")" "is not in $RR/app, the repository of stage 'prod'" "warning names the cause"
pass "deploy__recorded_in_the_stage_ledger"

start success
for args in "--stage nope|no stage 'nope' in $T/repo/.github/convoy.yml (stages: qa, prod)" \
	"--stage qa|stage 'qa' in $T/repo/.github/convoy.yml (line 2) has no 'deploy:' block" \
	"--cluster c|input 'service' is required" ; do
	if "$CONVOY" deploy --pipeline-file "$T/repo/.github/convoy.yml" ${args%%|*} --image "$IMG" >"$T/out" 2>&1; then
		fail "accepted: ${args%%|*}"
	fi
	assert_contains "$(cat "$T/out")" "${args#*|}" "message for ${args%%|*}"
done
if "$CONVOY" deploy --pipeline-file "$T/none.yml" --stage prod --image "$IMG" >"$T/out" 2>&1; then fail "missing pipeline file accepted"; fi
assert_contains "$(cat "$T/out")" "$T/none.yml" "missing file named"
[ ! -s "$LOG" ] || fail "an ECS call for a bad stage: $(cat "$LOG")"
pass "deploy__stage_errors_are_clear"
