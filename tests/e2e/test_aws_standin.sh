#!/usr/bin/env bash
# AWS end to end against the project's stand-in (tools/aws_standin.py), which checks every
# request's SigV4 signature with botocore's signer: what test_aws_moto.sh proves where moto is
# installed, on any Debian machine. Native ECR login (GetAuthorizationToken) and
# push --create-repository (DescribeRepositories, CreateRepository) into a real registry, immutable
# tags, and deploy (DescribeServices, DescribeTaskDefinition, RegisterTaskDefinition,
# UpdateService, the rollout followed to COMPLETED), each with static credentials and with
# session credentials from the stand-in's STS AssumeRole (asked by botocore); a wrong secret or
# session token is refused with a sentence that names it, and never printed. First of all: the
# stand-in itself refuses badly signed requests (botocore-signed with a wrong secret, a body
# changed after signing), so its acceptance of convoy's requests means something.
#
# The ECR registry host <account>.dkr.ecr.eu-west-1.amazonaws.com is sent, by
# CONVOY_HTTP_CONNECT_TO, to a real registry on loopback (behind faultproxy, which plays ECR's
# refusal to move an immutable tag) whose htpasswd holds the password the stand-in's
# GetAuthorizationToken hands out. Nothing leaves 127.0.0.1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
source "$(dirname "$0")/lib_aws.sh"
need htpasswd

KEY_ID="AKIA$(printf '%04X' $RANDOM $RANDOM $RANDOM $RANDOM)"
SECRET="standin-secret-$RANDOM$RANDOM$RANDOM"
ECRPW="standin-ecr-$RANDOM$RANDOM$RANDOM"
start_aws success --key "$KEY_ID:$SECRET" --ecr-password "$ECRPW"
export AWS_REGION=eu-west-1 CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10 CONVOY_HTTP_BACKOFF_MS=10
unset AWS_SESSION_TOKEN AWS_PROFILE
export AWS_SHARED_CREDENTIALS_FILE="$T/no-such-credentials"
field() { "$AWS_PY" -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if k.isdigit() else d[k]
print(json.dumps(d) if isinstance(d, (dict, list)) else d)' "$1"; }
# logged KEY FROM: the actions of stand-in log lines FROM.. (1-based), space-separated; fails
# unless every one of them passed the signature check with access key KEY (its answer may still
# be an error such as RepositoryNotFoundException).
logged() {
	"$AWS_PY" - "$LOG" "$1" "$2" <<-'PY'
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[3]) - 1:]
	bad = [r for r in recs if r["key"] != sys.argv[2]]
	if bad:
	    sys.exit("not accepted with key %s: %s" % (sys.argv[2], bad))
	print(" ".join(r["action"] for r in recs))
	PY
}
lines() { if [ -f "$LOG" ]; then wc -l <"$LOG"; else echo 0; fi; }

# ---- the stand-in's verification is not vacuous: botocore-signed requests it must refuse.
export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
DS='{"cluster": "c", "services": ["web"]}'
assert_eq "$(aws_sign call "$AWS_URL" ecs DescribeServices "$DS" | field status)" 200 "a correct signature is accepted"
r=$(AWS_SECRET_ACCESS_KEY="$SECRET-x" aws_sign call "$AWS_URL" ecs DescribeServices "$DS")
assert_eq "$(field status <<<"$r") $(field code <<<"$r")" "400 InvalidSignatureException" "wrong secret (ECS)"
assert_contains "$(field message <<<"$r")" "does not match the signature you provided" "ECS's message"
r=$(aws_sign call "$AWS_URL" ecs DescribeServices "$DS" --tamper '"web"' '"wex"')
assert_eq "$(field status <<<"$r") $(field code <<<"$r")" "400 InvalidSignatureException" "tampered body (ECS)"
r=$(aws_sign call "$AWS_URL" ecr CreateRepository '{"repositoryName": "team/tampered"}' --tamper tampered tamperex)
assert_eq "$(field status <<<"$r") $(field code <<<"$r")" "400 InvalidSignatureException" "tampered body (ECR)"
assert_eq "$(aws_state | field repositories)" "{}" "a refused CreateRepository created nothing"
r=$(AWS_SECRET_ACCESS_KEY="$SECRET-x" aws_sign call "$AWS_URL" sts AssumeRole \
	"{\"RoleArn\": \"arn:aws:iam::$AWS_ACCOUNT:role/deployer\", \"RoleSessionName\": \"e2e\"}")
assert_eq "$(field status <<<"$r") $(field code <<<"$r")" "403 SignatureDoesNotMatch" "wrong secret (STS, query protocol)"
r=$(AWS_ACCESS_KEY_ID=AKIAUNKNOWNUNKNOWN00 aws_sign call "$AWS_URL" ecr DescribeRepositories '{}')
assert_eq "$(field status <<<"$r") $(field code <<<"$r")" "400 UnrecognizedClientException" "unknown access key"
r=$(env -u AWS_SECRET_ACCESS_KEY "$AWS_PY" -c 'import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], data=b"{}", headers={"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.DescribeServices", "Content-Type": "application/x-amz-json-1.1"})
try: urllib.request.urlopen(req)
except urllib.error.HTTPError as e: print(e.code, e.read().decode())' "$AWS_URL")
assert_contains "$r" '400 {"__type": "MissingAuthenticationTokenException"' "unsigned request"
# botocore-signed, but at a time 20 minutes ago: AWS's 15-minute window
r=$(aws_sign raw "$AWS_URL" ecs AmazonEC2ContainerServiceV20141113.DescribeServices "$DS" \
	--date "$(date -u -d '20 minutes ago' +%Y%m%dT%H%M%SZ)")
assert_eq "$(field status <<<"$r") $(field code <<<"$r")" "400 InvalidSignatureException" "signed 20 minutes ago"
assert_contains "$(field message <<<"$r")" "Signature expired" "skew message"
# correctly signed, but input no SDK could send (botocore's model of ECS refuses it)
TD='{"family": "app", "revision": 3, "containerDefinitions": [{"name": "app", "image": "x"}]}'
r=$(aws_sign raw "$AWS_URL" ecs AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition "$TD")
assert_eq "$(field status <<<"$r") $(field code <<<"$r")" "400 InvalidParameterException" "read-only member refused"
assert_contains "$(field message <<<"$r")" '"revision"' "the member named"
assert_eq "$(aws_state | "$AWS_PY" -c 'import json, sys; print(list(json.load(sys.stdin)["taskDefinitions"]))')" \
	"['arn:aws:ecs:eu-west-1:$AWS_ACCOUNT:task-definition/app:1']" "nothing registered"
r=$(aws_sign raw "$AWS_URL" ecs AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition '{"taskDefinition": "app:1"}')
assert_eq "$(field status <<<"$r")" 200 "a valid raw request is accepted (raw signing works)"
# a session token that is not the one issued with the session key
( aws_assume_role
  r=$(AWS_SESSION_TOKEN="${AWS_SESSION_TOKEN%????}AAAA" aws_sign call "$AWS_URL" ecs DescribeServices "$DS")
  assert_eq "$(field status <<<"$r") $(field code <<<"$r")" "400 UnrecognizedClientException" "wrong session token"
  assert_eq "$(aws_sign call "$AWS_URL" ecs DescribeServices "$DS" | field status)" 200 "the session's own token is accepted" )
pass "aws_standin__refuses_bad_signatures_wrong_keys_and_tokens"

# ---- the registry behind the ECR host name.
HOST="$AWS_ACCOUNT.dkr.ecr.eu-west-1.amazonaws.com"
htpasswd -Bbn AWS "$ECRPW" >"$T/htpasswd"
start_registry ECR "$T/htpasswd"
PROXY_PORT=$(free_port)
echo '[]' >"$T/rules.json"
python3 "$CONVOY_SRC/tests/e2e/tools/faultproxy.py" "$PROXY_PORT" "http://127.0.0.1:$ECR_PORT" \
	"$T/rules.json" "$T/proxy.log" &
pid=$!
at_exit "kill $pid"
wait_port "$PROXY_PORT" "$pid"
# A binary that ignored CONVOY_HTTP_CONNECT_TO would send the ECR host name off loopback: make
# sure it reads it (this probe itself only ever talks to loopback).
mkimage "$T/img1" --seed 1
if CONVOY_HTTP_CONNECT_TO=bogus "$CONVOY" push --source "$T/img1" \
	--tag-list "127.0.0.1:$ECR_PORT/probe:1" >"$T/out" 2>&1; then
	fail "CONVOY_HTTP_CONNECT_TO is ignored: refusing to send $HOST anywhere"
fi
assert_contains "$(cat "$T/out")" "CONVOY_HTTP_CONNECT_TO: 'bogus' is not host:port:address:port" "connect-to parsed"
export CONVOY_HTTP_CONNECT_TO="$HOST:80:127.0.0.1:$PROXY_PORT"
mkdir -p "$T/docker" && export DOCKER_CONFIG="$T/docker" # no other registry credentials
mkimage "$T/img2" --seed 2

STATIC_ID=$KEY_ID
creds() { # static | session
	if [ "$1" = static ]; then
		export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
		unset AWS_SESSION_TOKEN
	else
		export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET
		unset AWS_SESSION_TOKEN
		aws_assume_role
		SESSION_ID=$AWS_ACCESS_KEY_ID SESSION_SECRET=$AWS_SECRET_ACCESS_KEY SESSION_TOKEN=$AWS_SESSION_TOKEN
	fi
}
# The step's output without the ::add-mask:: lines (which name the secrets by design).
visible() { grep -v '^::add-mask::' "$T/out" || true; }
no_secrets() { # what
	local v; v=$(visible)
	assert_not_contains "$v" "$SECRET" "$1: secret access key printed"
	assert_not_contains "$v" "$ECRPW" "$1: ECR password printed"
	if [ -n "${SESSION_SECRET:-}" ]; then
		assert_not_contains "$v" "$SESSION_SECRET" "$1: session secret printed"
		assert_not_contains "$v" "$SESSION_TOKEN" "$1: session token printed"
	fi
}
push() { actions_env; "$CONVOY" push --insecure-registry "$HOST" "$@" >"$T/out" 2>&1; }
ARN1="arn:aws:ecs:eu-west-1:$AWS_ACCOUNT:task-definition/app:1"
revision=1
for mode in static session; do
	creds $mode
	repo="team/app-$mode"

	# ECR login + CreateRepository, as the repository does not exist yet.
	from=$(( $(lines) + 1 ))
	push --source "$T/img1" --tag-list "$HOST/$repo:1.0" --create-repository --immutable-tags ||
		{ cat "$T/out"; fail "$mode: push --create-repository failed"; }
	digest=$(gh_output digest)
	assert_eq "$(logged "$AWS_ACCESS_KEY_ID" $from)" "DescribeRepositories CreateRepository GetAuthorizationToken" \
		"$mode: the ECR calls, signed with the $mode key"
	assert_contains "$(visible)" "created ECR repository $HOST/$repo (tags immutable, scan on push on)" "$mode: created"
	r=$(aws_state | field "repositories.$repo")
	assert_eq "$(field imageTagMutability <<<"$r")" IMMUTABLE "$mode: tag mutability"
	assert_eq "$(field imageScanningConfiguration.scanOnPush <<<"$r")" True "$mode: scan on push"
	assert_eq "$(digest_of "127.0.0.1:$ECR_PORT/$repo:1.0" --creds "AWS:$ECRPW")" "$digest" "$mode: tag in the registry"
	grep -q "PUT /v2/$repo/manifests/1.0 " "$T/proxy.log" || fail "$mode: the push did not go through the ECR host name"
	no_secrets "$mode push"
	pass "aws_standin__${mode}_ecr_login_and_create_repository"

	# The same manifest under the existing immutable tag: success, nothing moved.
	push --source "$T/img1" --tag-list "$HOST/$repo:1.0" --create-repository --immutable-tags ||
		{ cat "$T/out"; fail "$mode: identical re-push under an immutable tag failed"; }
	assert_contains "$(visible)" "ECR repository $HOST/$repo exists" "$mode: exists"
	assert_contains "$(visible)" "unchanged $repo:1.0" "$mode: tag unchanged"

	# Another manifest under it: ECR's refusal (played by faultproxy: the CNCF registry has no
	# immutable tags), reported as such; the tag stays.
	cat >"$T/rules.json" <<-EOF
	[{"method": "PUT", "path": "^/v2/$repo/manifests/1\\\\.0\$", "times": 1000, "action": "status",
	  "status": 400, "headers": {"Content-Type": "application/json"},
	  "body": "{\"errors\":[{\"code\":\"TAG_INVALID\",\"message\":\"The image tag '1.0' already exists in the '$repo' repository and cannot be overwritten because the repository is immutable.\"}]}"}]
	EOF
	if push --source "$T/img2" --tag-list "$HOST/$repo:1.0"; then fail "$mode: immutable tag moved"; fi
	assert_contains "$(visible)" "the tag already exists and the repository's tags are immutable (ECR ImageTagAlreadyExistsException)" "$mode: immutable message"
	assert_eq "$(digest_of "127.0.0.1:$ECR_PORT/$repo:1.0" --creds "AWS:$ECRPW")" "$digest" "$mode: tag kept"
	echo '[]' >"$T/rules.json"
	pass "aws_standin__${mode}_immutable_tag_repush_and_refusal"

	# deploy: the task definition registered with the new image, the service updated, the
	# rollout followed until the stand-in reports it COMPLETED.
	image="$HOST/$repo@$digest"
	revision=$((revision + 1))
	new_arn="arn:aws:ecs:eu-west-1:$AWS_ACCOUNT:task-definition/app:$revision"
	from=$(( $(lines) + 1 ))
	actions_env
	"$CONVOY" deploy --cluster c --service web --image "$image" >"$T/out" 2>&1 ||
		{ cat "$T/out"; fail "$mode: deploy failed"; }
	assert_eq "$(gh_output status)" deployed "$mode: status"
	assert_eq "$(gh_output task-definition-arn)" "$new_arn" "$mode: new revision"
	assert_contains "$(visible)" "registered $new_arn (container app -> $image)" "$mode: registered"
	assert_contains "$(logged "$AWS_ACCESS_KEY_ID" $from)" "DescribeServices DescribeTaskDefinition RegisterTaskDefinition UpdateService DescribeServices" \
		"$mode: the ECS calls, signed with the $mode key"
	state=$(aws_state)
	assert_eq "$(field service.taskDefinition <<<"$state")" "$new_arn" "$mode: UpdateService took effect"
	assert_eq "$(field "taskDefinitions.$new_arn.containerDefinitions.0.image" <<<"$state")" "$image" "$mode: new image"
	assert_eq "$(field "taskDefinitions.$new_arn.cpu" <<<"$state")" 256 "$mode: cpu kept"
	assert_eq "$(field "taskDefinitions.$ARN1.containerDefinitions.0.image" <<<"$state")" \
		"old@sha256:$(printf '0%.0s' $(seq 64))" "$mode: the old revision unchanged"
	no_secrets "$mode deploy"
	pass "aws_standin__${mode}_deploy_registers_updates_and_completes"
done

# Refused credentials: named, and the secret never printed; nothing changed remotely.
creds static
WRONG="wrong-secret-$RANDOM$RANDOM"
export AWS_SECRET_ACCESS_KEY=$WRONG
unset GITHUB_ACTIONS
before=$(aws_state)
if "$CONVOY" push --insecure-registry "$HOST" --source "$T/img1" --tag-list "$HOST/team/app-static:1.0" >"$T/out" 2>&1; then
	fail "ECR login with a wrong secret succeeded"
fi
assert_contains "$(cat "$T/out")" "native ECR login to $HOST" "wrong secret: login named"
assert_contains "$(cat "$T/out")" "AWS rejected the request signature: the secret access key does not belong to access key ID $STATIC_ID" "wrong secret: push message"
assert_not_contains "$(cat "$T/out")" "$WRONG" "wrong secret printed (push)"
if "$CONVOY" push --insecure-registry "$HOST" --source "$T/img1" --tag-list "$HOST/team/new:1" --create-repository >"$T/out" 2>&1; then
	fail "create-repository with a wrong secret succeeded"
fi
assert_contains "$(cat "$T/out")" "ECR DescribeRepositories: AWS rejected the request signature" "wrong secret: create-repository message"
assert_not_contains "$(cat "$T/out")" "$WRONG" "wrong secret printed (create-repository)"
if "$CONVOY" deploy --cluster c --service web --image "$HOST/team/app-static@$digest" >"$T/out" 2>&1; then
	fail "deploy with a wrong secret succeeded"
fi
assert_contains "$(cat "$T/out")" "ECS DescribeServices: AWS rejected the request signature" "wrong secret: deploy message"
assert_not_contains "$(cat "$T/out")" "$WRONG" "wrong secret printed (deploy)"
assert_eq "$(aws_state)" "$before" "nothing changed with a wrong secret"
pass "aws_standin__wrong_secret_refused_clearly"

creds session
export AWS_SESSION_TOKEN="${SESSION_TOKEN%????}AAAA"
if "$CONVOY" deploy --cluster c --service web --image "$HOST/team/app-static@$digest" >"$T/out" 2>&1; then
	fail "deploy with a wrong session token succeeded"
fi
assert_contains "$(cat "$T/out")" "ECS DescribeServices: AWS does not accept access key ID $SESSION_ID or its session token" "wrong token message"
assert_not_contains "$(cat "$T/out")" "$AWS_SESSION_TOKEN" "wrong token printed"
assert_not_contains "$(cat "$T/out")" "$SESSION_SECRET" "session secret printed"
assert_eq "$(aws_state)" "$before" "nothing changed with a wrong token"
pass "aws_standin__wrong_session_token_refused_clearly"
