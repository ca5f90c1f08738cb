#!/usr/bin/env bash
# deploy of what teams change, against the AWS stand-in (tools/aws_standin.py; signatures and
# every request's shape checked by botocore): a rich task definition (volumes, placement,
# runtime platform, proxy, tags...) is registered again whole but for the image; CODE_DEPLOY and
# EXTERNAL services are refused before anything is registered; after a rollback the service is
# read back and the revision really running is reported and recorded in the ledger; a
# task-definition file or family:revision as the base; environment, secrets and several
# containers; UpdateService's desired count, forced deployment and tag propagation.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
source "$(dirname "$0")/lib_aws.sh"
need python3
IMG="reg.example/app@sha256:$(printf 'c%.0s' $(seq 64))"
SIDE="reg.example/side@sha256:$(printf 'd%.0s' $(seq 64))"
ARN="arn:aws:ecs:eu-west-1:123456789012:task-definition/app"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10 CONVOY_DEPLOY_HEALTH_BACKOFF_MS=5

# A task definition with every member RegisterTaskDefinition takes, as the CLI writes it.
cat >"$T/rich.json" <<'JSON'
{"taskDefinition": {
  "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1",
  "family": "app", "revision": 1, "status": "ACTIVE",
  "taskRoleArn": "arn:aws:iam::123456789012:role/app-task",
  "executionRoleArn": "arn:aws:iam::123456789012:role/app-exec",
  "networkMode": "awsvpc",
  "containerDefinitions": [
    {"name": "app", "image": "old@sha256:0000000000000000000000000000000000000000000000000000000000000000",
     "cpu": 128, "memory": 256, "essential": true,
     "portMappings": [{"containerPort": 8080, "protocol": "tcp", "name": "http"}],
     "environment": [{"name": "MODE", "value": "prod"}, {"name": "TOKEN", "value": "plain"}],
     "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"}],
     "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": false}],
     "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app"}},
     "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"], "interval": 30, "timeout": 5, "retries": 3}},
    {"name": "envoy", "image": "envoy@sha256:1111111111111111111111111111111111111111111111111111111111111111",
     "essential": true, "user": "1337"},
    {"name": "side", "image": "side@sha256:2222222222222222222222222222222222222222222222222222222222222222",
     "essential": false, "dependsOn": [{"containerName": "app", "condition": "HEALTHY"}]}
  ],
  "volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678", "rootDirectory": "/", "transitEncryption": "ENABLED"}}],
  "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.availability-zone in [eu-west-1a, eu-west-1b]"}],
  "requiresCompatibilities": ["EC2", "FARGATE"],
  "cpu": "1024", "memory": "2048",
  "pidMode": "task", "ipcMode": "none",
  "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [{"name": "ProxyIngressPort", "value": "15000"}, {"name": "IgnoredUID", "value": "1337"}]},
  "inferenceAccelerators": [{"deviceName": "device1", "deviceType": "eia2.medium"}],
  "ephemeralStorage": {"sizeInGiB": 50},
  "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
  "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.task-iam-role"}],
  "compatibilities": ["EC2", "FARGATE"],
  "registeredAt": 1733000000.0, "registeredBy": "arn:aws:iam::123456789012:user/ops"
},
"tags": [{"key": "team", "value": "web"}, {"key": "cost-center", "value": "42"},
         {"key": "aws:cloudformation:stack-name", "value": "web-stack"}]}
JSON

run() { actions_env; "$CONVOY" deploy --cluster c --service web --image "$IMG" "$@" >"$T/out" 2>&1; }
actions_of() { /usr/bin/python3 -c 'import json, sys; print(" ".join(json.loads(l)["action"] for l in open(sys.argv[1])))' "$LOG"; }
# check PY-EXPR: evaluates with st (the stand-in's state), req(action) (the last request body)
check() {
	aws_state >"$T/state.json"
	/usr/bin/python3 - "$T/state.json" "$LOG" "$T/rich.json" "$@" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
log = [json.loads(l) for l in open(sys.argv[2])]
rich = json.load(open(sys.argv[3]))
def req(action):
    return [r["body"] for r in log if r["action"] == action][-1]
def td(n):
    return st["taskDefinitions"]["arn:aws:ecs:eu-west-1:123456789012:task-definition/app:%d" % n]
RO = {"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
      "registeredAt", "registeredBy"}
def same_but(a, b, containers):
    """a == b outside the read-only fields, containers: {name: {key: value}} changed in a."""
    a = {k: v for k, v in a.items() if k not in RO}
    b = json.loads(json.dumps({k: v for k, v in b.items() if k not in RO}))
    for c in b["containerDefinitions"]:
        c.update(containers.get(c["name"], {}))
    assert a == b, "\n%s\n!=\n%s" % (json.dumps(a, sort_keys=True), json.dumps(b, sort_keys=True))
for expr in sys.argv[4:]:
    exec(expr)
PY
}

# 1. The rich task definition is registered again whole (tags too, but ECS's aws: ones), only
#    the image changed; DescribeTaskDefinition asked for the tags.
start_aws success --td1 "$T/rich.json"
run --container app || { cat "$T/out"; fail "rich: deploy failed"; }
assert_eq "$(gh_output status)" deployed "rich status"
check 'same_but(td(2), rich["taskDefinition"], {"app": {"image": "'"$IMG"'"}})' \
	'assert st["tags"][td(2)["taskDefinitionArn"]] == [{"key": "team", "value": "web"}, {"key": "cost-center", "value": "42"}], st["tags"]' \
	'assert req("DescribeTaskDefinition")["include"] == ["TAGS"]' ||
	fail "the registered revision differs from the rich one but for the image"
pass "deploy_shapes__every_registrable_field_and_the_tags_are_kept"

# 2. CODE_DEPLOY and EXTERNAL controllers: refused with what to use, nothing registered.
for sc in codedeploy:CODE_DEPLOY:"CodeDeploy deployment" external:EXTERNAL:"the external controller"; do
	IFS=: read -r name type hint <<<"$sc"
	start_aws "$name"
	if run; then fail "$name: deploy succeeded"; fi
	assert_contains "$(cat "$T/out")" "uses the $type deployment controller" "$name: names the controller"
	assert_contains "$(cat "$T/out")" "nothing was registered" "$name: says nothing changed"
	case $name in
	codedeploy) assert_contains "$(cat "$T/out")" "deploy it with a CodeDeploy deployment" "$name: what instead" ;;
	external) assert_contains "$(cat "$T/out")" "deploy it with that controller" "$name: what instead" ;;
	esac
	assert_eq "$(actions_of)" "DescribeServices" "$name: only the service was read"
	assert_eq "$(gh_output status)" failed "$name status"
done
pass "deploy_shapes__code_deploy_and_external_controllers_are_refused_before_registering"

# 3. After a rollback the service is read back: what really runs is the output and the ledger's.
health() { # scenario
	local port; port=$(free_port); HLOG="$T/health-$1-$RANDOM.log"; : >"$HLOG"
	/usr/bin/python3 "$CONVOY_SRC/tests/e2e/tools/health_server.py" "$port" "$1" "$HLOG" & local pid=$!
	at_exit "kill $pid"; wait_port "$port" "$pid"
	HURL="http://127.0.0.1:$port/health"
}
health down
start_registry REG
RR=127.0.0.1:$REG_PORT
mkimage "$T/img" --layers 1 --seed 71
actions_env
"$CONVOY" push --source "$T/img" --tag-list "$RR/app:prod" >"$T/out" 2>&1 || { cat "$T/out"; fail "seeding prod"; }
SIMG="$RR/app@$(gh_output digest)"
cat >"$T/convoy.yml" <<YML
stages:
  - name: prod
    repository: $RR/app
    tags: [prod]
    deploy: {cluster: c, service: web, health-url: "$HURL"}
YML
ledger_td() { # the task definition of the newest deploy record of stage prod
	actions_env
	"$CONVOY" history --pipeline-file "$T/convoy.yml" --stage prod >"$T/hist" 2>&1 || { cat "$T/hist"; fail "history"; }
	/usr/bin/python3 -c 'import json, sys
print([r for r in json.loads(sys.argv[1]) if r.get("kind") == "deploy"][0]["task-definition"])' "$(gh_output records)"
}
deploy_stage() { actions_env; "$CONVOY" deploy --pipeline-file "$T/convoy.yml" --stage prod --image "$SIMG" --health-retries 0 "$@" >"$T/out" 2>&1; }
start_aws success
if deploy_stage; then fail "unhealthy deploy succeeded"; fi
assert_eq "$(gh_output status)" rolled-back "rollback status"
assert_eq "$(gh_output task-definition-arn)" "$ARN:2" "the tried revision"
assert_eq "$(gh_output running-task-definition-arn)" "$ARN:1" "the revision running after the rollback"
assert_contains "$(cat "$T/out")" "deploy: the service runs $ARN:1" "read back"
assert_eq "$(actions_of | awk '{print $NF}')" DescribeServices "the service was read back last"
assert_eq "$(ledger_td)" "$ARN:1" "the ledger records the revision running"
# Another deployer overtakes the rollback: convoy reports what runs, not what it planned.
start_aws elsewhere
if deploy_stage; then fail "overtaken deploy succeeded"; fi
assert_eq "$(gh_output status)" rollback-failed "overtaken status"
assert_eq "$(gh_output running-task-definition-arn)" "$ARN:3" "the revision really running"
assert_contains "$(cat "$T/out")" "deploy: the service runs $ARN:3" "read back (overtaken)"
assert_contains "$(cat "$T/gh/summary")" "| Runs now | $ARN:3 |" "the summary says what runs"
assert_eq "$(ledger_td)" "$ARN:3" "the ledger records what really runs"
# A successful deploy runs (and records) the registered revision.
health ok
sed -i "s|health-url: \".*\"|health-url: \"$HURL\"|" "$T/convoy.yml"
start_aws success
deploy_stage || { cat "$T/out"; fail "healthy deploy failed"; }
assert_eq "$(gh_output running-task-definition-arn)" "$ARN:2" "running after success"
assert_eq "$(ledger_td)" "$ARN:2" "the ledger records the new revision"
pass "deploy_shapes__after_a_rollback_the_service_is_read_back_and_recorded"

# 4. task-definition: a file (the CLI's wrapper, or the bare object) or family:revision as the base.
start_aws success
run --container app --task-definition "$T/rich.json" || { cat "$T/out"; fail "file base failed"; }
check 'same_but(td(2), rich["taskDefinition"], {"app": {"image": "'"$IMG"'"}})' \
	'assert st["tags"][td(2)["taskDefinitionArn"]] == [{"key": "team", "value": "web"}, {"key": "cost-center", "value": "42"}]' ||
	fail "the file's task definition was not the base"
assert_not_contains "$(actions_of)" DescribeTaskDefinition "a file base is not described"
assert_eq "$(gh_output previous-task-definition-arn)" "$ARN:1" "previous is still the service's"
/usr/bin/python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["taskDefinition"], open(sys.argv[2], "w"))' "$T/rich.json" "$T/bare.json"
start_aws success
run --container app --task-definition "$T/bare.json" || { cat "$T/out"; fail "bare file base failed"; }
check 'same_but(td(2), rich["taskDefinition"], {"app": {"image": "'"$IMG"'"}})' \
	'assert st["tags"][td(2)["taskDefinitionArn"]] == []' || fail "the bare object was not the base"
# family:revision: app:2 gets a variable; a deploy based on app:1 does not have it.
start_aws success
run --env ADDED=1 || { cat "$T/out"; fail "deploy with --env failed"; }
run --task-definition app:1 || { cat "$T/out"; fail "family:revision base failed"; }
check 'assert td(2)["containerDefinitions"][0]["environment"] == [{"name": "ADDED", "value": "1"}]' \
	'assert "environment" not in td(3)["containerDefinitions"][0], td(3)' \
	'assert req("DescribeTaskDefinition")["taskDefinition"] == "app:1"' || fail "app:1 was not the base"
assert_contains "$(cat "$T/out")" "base: app:1 ($ARN:1)" "the base is named"
# Bad input: exit 2, nothing asked of AWS.
start_aws success
printf '{"taskDefinition": ' >"$T/broken.json"
for args in "$T/none/td.json|is neither a file nor family[:revision]" "app:x|is neither a file nor family[:revision]" \
	"$T/broken.json|$T/broken.json is not JSON" "$T/convoy.yml|is not JSON"; do
	rc=0; run --task-definition "${args%%|*}" || rc=$?
	assert_eq "$rc" 2 "exit code for ${args%%|*}"
	assert_contains "$(cat "$T/out")" "input 'task-definition'" "names the input (${args%%|*})"
	assert_contains "$(cat "$T/out")" "${args#*|}" "says what is wrong (${args%%|*})"
done
[ ! -s "$LOG" ] || fail "AWS was called for a bad task-definition: $(actions_of)"
pass "deploy_shapes__task_definition_file_or_revision_is_the_base"

# 5. Environment, secrets and several containers in one deploy; secret values never printed.
SEC="arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-token-XyZ123"
start_aws success --td1 "$T/rich.json"
run --container app --env MODE=canary --env NEW=a=b --secret TOKEN="$SEC" --container side="$SIDE" ||
	{ cat "$T/out"; fail "overrides failed"; }
check 'same_but(td(2), rich["taskDefinition"], {"app": {"image": "'"$IMG"'",
    "environment": [{"name": "MODE", "value": "canary"}, {"name": "NEW", "value": "a=b"}],
    "secrets": rich["taskDefinition"]["containerDefinitions"][0]["secrets"] + [{"name": "TOKEN", "valueFrom": "'"$SEC"'"}]},
    "side": {"image": "'"$SIDE"'"}})' || fail "the overrides are not what was registered"
assert_contains "$(cat "$T/out")" "::add-mask::$SEC" "the secret is masked"
assert_eq "$(grep -v '::add-mask::' "$T/out" | grep -c -- "$SEC")" 0 "the secret is never printed"
# The action's forms: lines in INPUT_ENVIRONMENT-VARIABLES and INPUT_SECRETS.
start_aws success --td1 "$T/rich.json"
actions_env
env "INPUT_ENVIRONMENT-VARIABLES=MODE=blue
EXTRA=2" "INPUT_SECRETS=TOKEN=$SEC" "INPUT_CONTAINER=app
envoy=$SIDE" "$CONVOY" deploy --cluster c --service web --image "$IMG" >"$T/out" 2>&1 ||
	{ cat "$T/out"; fail "overrides from INPUT_* failed"; }
check 'c = {x["name"]: x for x in td(2)["containerDefinitions"]}' \
	'assert c["app"]["environment"] == [{"name": "MODE", "value": "blue"}, {"name": "EXTRA", "value": "2"}], c["app"]' \
	'assert c["app"]["secrets"][-1] == {"name": "TOKEN", "valueFrom": "'"$SEC"'"}' \
	'assert c["envoy"]["image"] == "'"$SIDE"'" and c["side"]["image"].startswith("side@")' || fail "INPUT_* overrides"
start_aws success --td1 "$T/rich.json"
for args in "--env =x|input 'environment-variables': line 1 is not NAME=VALUE" \
	"--secret NOEQUALS|input 'secrets': line 1 is not NAME=VALUE" \
	"--container app --container envoy|both name the container of 'image'" \
	"--container app --container side=notpinned|input 'container': 'notpinned' is not REPO@sha256:DIGEST" \
	"--container app --container nope=$SIDE|no container 'nope' in the task definition" \
	"--container app --container app=$SIDE|input 'container': 'app' is named twice" \
	"--container app --container side=$SIDE --container side=$SIDE|input 'container': 'side' is named twice"; do
	rc=0; run ${args%%|*} || rc=$?
	assert_eq "$rc" 2 "exit code for ${args%%|*}"
	assert_contains "$(cat "$T/out")" "${args#*|}" "message for ${args%%|*}"
done
assert_not_contains "$(actions_of)" RegisterTaskDefinition "bad overrides registered something"
pass "deploy_shapes__environment_secrets_and_several_containers"

# 6. UpdateService members as amazon-ecs-deploy-task-definition names them; cluster 'default'.
health down
start_aws success
actions_env
"$CONVOY" deploy --service web --image "$IMG" --desired-count 3 --force-new-deployment \
	--enable-ecs-managed-tags --propagate-tags SERVICE --wait-for-minutes 2 --health-url "$HURL" \
	--health-retries 0 >"$T/out" 2>&1 && fail "unhealthy deploy succeeded"
/usr/bin/python3 - "$LOG" <<'PY' || fail "UpdateService members"
import json, sys
ups = [json.loads(l)["body"] for l in open(sys.argv[1]) if json.loads(l)["action"] == "UpdateService"]
assert ups[0] == {"cluster": "default", "service": "web", "taskDefinition": ups[0]["taskDefinition"],
                  "desiredCount": 3, "forceNewDeployment": True, "enableECSManagedTags": True,
                  "propagateTags": "SERVICE"}, ups[0]
assert set(ups[1]) == {"cluster", "service", "taskDefinition"}, ups[1]  # the rollback: only the revision
PY
assert_contains "$(cat "$T/out")" "(waiting up to 120 s)" "wait-for-minutes is minutes"
start_aws success
run --enable-ecs-managed-tags=false || { cat "$T/out"; fail "managed tags false"; }
/usr/bin/python3 -c 'import json, sys
u = [json.loads(l)["body"] for l in open(sys.argv[1]) if json.loads(l)["action"] == "UpdateService"][0]
assert u["enableECSManagedTags"] is False and "desiredCount" not in u and "forceNewDeployment" not in u and "propagateTags" not in u, u' "$LOG" ||
	fail "unset members are not sent"
assert_contains "$(cat "$T/out")" "(waiting up to 900 s)" "wait-timeout default"
start_aws success
for args in "--propagate-tags TASK|input 'propagate-tags': 'TASK' is not TASK_DEFINITION, SERVICE or NONE" \
	"--desired-count -1|input 'desired-count'" "--wait-for-minutes 0|input 'wait-for-minutes'" \
	"--force-new-deployment=maybe|input 'force-new-deployment'"; do
	rc=0; run ${args%%|*} || rc=$?
	assert_eq "$rc" 2 "exit code for ${args%%|*}"
	assert_contains "$(cat "$T/out")" "${args#*|}" "message for ${args%%|*}"
done
[ ! -s "$LOG" ] || fail "AWS was called for bad UpdateService input: $(actions_of)"
pass "deploy_shapes__update_service_members_and_the_default_cluster"

# 7. A one-off task of the new revision before the rollout (migrations), networked as the service.
start_aws success
run --run-task --run-task-command '["./manage.py", "migrate", "--noinput"]' || { cat "$T/out"; fail "run-task deploy failed"; }
assert_eq "$(gh_output status)" deployed "run-task status"
assert_eq "$(actions_of)" "DescribeServices DescribeTaskDefinition RegisterTaskDefinition RunTask DescribeTasks DescribeTasks UpdateService DescribeServices" "the task ran, stopped, then the rollout"
check 'r = req("RunTask")' 'assert r == {"cluster": "c", "taskDefinition": "'"$ARN:2"'", "count": 1, "startedBy": "convoy",
    "networkConfiguration": st["service"]["networkConfiguration"], "launchType": "FARGATE", "platformVersion": "LATEST",
    "overrides": {"containerOverrides": [{"name": "app", "command": ["./manage.py", "migrate", "--noinput"]}]}}, r' ||
	fail "RunTask is not networked as the service"
assert_contains "$(gh_output run-task-arn)" "arn:aws:ecs:eu-west-1:123456789012:task/c/" "run-task-arn output"
assert_contains "$(cat "$T/out")" "one-off task done: container app exited with code 0" "the task's end is logged"
for ex in "3|container app exited with code 3 (Essential container in task exited)" \
	"none|container app did not run to an exit code: CannotPullContainerError"; do
	start_aws success --task-exit "${ex%%|*}"
	rc=0; run --run-task || rc=$?
	assert_eq "$rc" 1 "exit code, task exit ${ex%%|*}"
	assert_contains "$(cat "$T/out")" "${ex#*|}" "why, task exit ${ex%%|*}"
	assert_contains "$(cat "$T/out")" "the service was not changed (it runs $ARN:1; $ARN:2 is registered, not deployed)" "what was done, task exit ${ex%%|*}"
	assert_not_contains "$(actions_of)" UpdateService "task exit ${ex%%|*}: the service was updated"
	assert_eq "$(gh_output status)" failed "status, task exit ${ex%%|*}"
	assert_eq "$(gh_output running-task-definition-arn)" "$ARN:1" "still running, task exit ${ex%%|*}"
done
start_aws success
for args in "--run-task --run-task-command notjson|input 'run-task-command': 'notjson' is not a JSON array of strings" \
	"--run-task --run-task-command [1]|input 'run-task-command': element 1 of '[1]' is not a string" \
	"--run-task-command [\"x\"]|input 'run-task-command' is given but 'run-task' is not true"; do
	rc=0; run ${args%%|*} || rc=$?
	assert_eq "$rc" 2 "exit code for ${args%%|*}"
	assert_contains "$(cat "$T/out")" "${args#*|}" "message for ${args%%|*}"
done
[ ! -s "$LOG" ] || fail "AWS was called for bad run-task input: $(actions_of)"
pass "deploy_shapes__one_off_task_before_the_rollout_gates_it"
