#!/usr/bin/env bash
# The newer deploy paths against moto's server with signature checking on, where moto supports
# the calls (the same paths run against the project's stand-in in test_deploy_shapes.sh and
# test_deploy_alarms.sh): a deploy that keeps the task definition's tags; env, secrets, the base
# revision and desired-count reaching RegisterTaskDefinition and UpdateService; a service under the
# CODE_DEPLOY controller refused before anything is registered; CloudWatch alarms checked
# before registering (one in ALARM, one that does not exist). An extra suite: skipped (77)
# without moto.
#
# Not here: the credential chain's STS calls. With signatures checked, moto 5.2 refuses even
# boto3's own AssumeRole for a user whose policy allows "*" (AccessDenied) and answers
# AssumeRoleWithWebIdentity with a 500; test_aws_creds.sh runs them against the stand-in.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_moto.sh"
start_moto
field() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if k.isdigit() else d[k]
print(d)' "$1"; }

export AWS_ENDPOINT_URL="$MOTO" AWS_REGION=us-east-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
export HOME="$T/home" AWS_SHARED_CREDENTIALS_FILE="$T/no-such-credentials" AWS_CONFIG_FILE="$T/no-such-config"
IMG="reg.example/app@sha256:$(printf 'b%.0s' $(seq 64))"
visible() { grep -v '^::add-mask::' "$T/out" || true; }

export AWS_ACCESS_KEY_ID=$MOTO_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET

# The task definition's tags travel to the new revision (moto keeps what it is given).
actions_env
"$CONVOY" deploy --cluster c --service tagged --image "$IMG" --no-rollback --wait-timeout 1 >"$T/out" 2>&1 || true
new="arn:aws:ecs:us-east-1:$MOTO_ACCOUNT:task-definition/tagged:2"
assert_contains "$(visible)" "registered $new" "tags: registered"
assert_eq "$(show task-definition-tags "$new" | python3 -c 'import json,sys; print(sorted((t["key"], t["value"]) for t in json.load(sys.stdin)))')" \
	"[('cost-center', '42'), ('team', 'payments')]" "tags: the new revision's tags"
pass "aws_moto_more__deploy_keeps_the_task_definitions_tags"

# CODE_DEPLOY: refused, nothing registered.
before=$(show task-definitions app)
actions_env; rc=0
"$CONVOY" deploy --cluster c --service web-cd --image "$IMG" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "code deploy: exit code"
assert_contains "$(cat "$T/out")" "CODE_DEPLOY" "code deploy: the controller is named"
assert_eq "$(show task-definitions app)" "$before" "code deploy: a task definition was registered"
pass "aws_moto_more__code_deploy_controller_refused_before_registering"

# Alarms, read from CloudWatch before anything is registered.
before=$(show task-definitions app)
actions_env; rc=0
"$CONVOY" deploy --cluster c --service web --image "$IMG" --alarms cpu-high >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "alarm in ALARM: exit code"
assert_contains "$(cat "$T/out")" "cpu-high" "alarm in ALARM: named"
assert_contains "$(cat "$T/out")" "set by the test" "alarm in ALARM: its StateReason, as moto's CloudWatch answered it"
actions_env; rc=0
"$CONVOY" deploy --cluster c --service web --image "$IMG" --alarms "cpu-ok, no-such-alarm" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "unknown alarm: exit code"
assert_contains "$(cat "$T/out")" "no-such-alarm" "unknown alarm: named"
assert_eq "$(show task-definitions app)" "$before" "alarms: a task definition was registered"
pass "aws_moto_more__alarms_checked_before_registering"

# Overrides and UpdateService options: env and secrets on the container, the base revision by
# family:revision, desired-count; moto keeps what it is given.
actions_env
"$CONVOY" deploy --cluster c --service web --image "$IMG" --task-definition app:1 --env LOG_LEVEL=debug \
	--secret DB_PASSWORD=arn:aws:secretsmanager:us-east-1:$MOTO_ACCOUNT:secret:db --desired-count 3 \
	--no-rollback --wait-timeout 1 >"$T/out" 2>&1 || true
new=$(sed -n 's/.*registered \(arn:aws:ecs:[^ ]*task-definition\/app:[0-9]*\).*/\1/p' "$T/out" | head -1)
[ -n "$new" ] || { cat "$T/out"; fail "overrides: nothing registered"; }
td=$(show task-definition "$new")
assert_eq "$(field containerDefinitions.0.environment.0.name <<<"$td")=$(field containerDefinitions.0.environment.0.value <<<"$td")" \
	"LOG_LEVEL=debug" "overrides: the environment"
assert_eq "$(field containerDefinitions.0.secrets.0.valueFrom <<<"$td")" \
	"arn:aws:secretsmanager:us-east-1:$MOTO_ACCOUNT:secret:db" "overrides: the secret"
assert_eq "$(field containerDefinitions.0.image <<<"$td")" "$IMG" "overrides: the image"
assert_eq "$(show service | field desiredCount)" 3 "overrides: desired-count reached UpdateService"
pass "aws_moto_more__env_secrets_base_revision_and_desired_count"
