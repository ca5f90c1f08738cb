#!/usr/bin/env bash
# AWS end to end against moto's server, with signature checking on: native ECR login
# (GetAuthorizationToken), push --create-repository (DescribeRepositories, CreateRepository),
# immutable tags, and deploy (DescribeServices, DescribeTaskDefinition, RegisterTaskDefinition,
# UpdateService), each with static credentials and with session credentials from STS
# AssumeRole; a wrong secret or session token is refused with a sentence that names it.
#
# The ECR registry host <account>.dkr.ecr.us-east-1.amazonaws.com is sent, by
# CONVOY_HTTP_CONNECT_TO, to a real registry on loopback (behind faultproxy, which plays ECR's
# refusal to move an immutable tag) whose htpasswd holds moto's deterministic token
# (moto/ecr/responses.py: "AWS:<account>-auth-token"). Nothing leaves 127.0.0.1.
#
# moto does not simulate rollouts: its DescribeServices keeps the deployment made by
# CreateService (task definition :1, PRIMARY, COMPLETED) whatever UpdateService does, so a
# deploy can never see its own deployment COMPLETED (it reads the list as ECS's own rollback to
# :1). The test asserts what convoy did (the task definition registered with the new image, the
# service updated) and that deploy says it failed (status rolled-back, or failed with
# --no-rollback), never "deployed".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need htpasswd

source "$(dirname "$0")/lib_moto.sh" # an extra suite: exits 77 (skipped) without moto
start_moto
field() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if k.isdigit() else d[k]
print(d)' "$1"; }

HOST="$MOTO_ACCOUNT.dkr.ecr.us-east-1.amazonaws.com"
TOKEN="$MOTO_ACCOUNT-auth-token"
htpasswd -Bbn AWS "$TOKEN" >"$T/htpasswd"
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
export AWS_ENDPOINT_URL="$MOTO" AWS_REGION=us-east-1 CONVOY_HTTP_CONNECT_TO="$HOST:80:127.0.0.1:$PROXY_PORT"
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10 CONVOY_HTTP_BACKOFF_MS=10
mkdir -p "$T/docker" && export DOCKER_CONFIG="$T/docker" # no other registry credentials
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
export AWS_SHARED_CREDENTIALS_FILE="$T/no-such-credentials"
mkimage "$T/img2" --seed 2

creds() { # static | session
	if [ "$1" = static ]; then
		export AWS_ACCESS_KEY_ID=$MOTO_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET
		unset AWS_SESSION_TOKEN
	else
		export AWS_ACCESS_KEY_ID=$MOTO_SESSION_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SESSION_SECRET \
			AWS_SESSION_TOKEN=$MOTO_SESSION_TOKEN
	fi
}
# The step's output without the ::add-mask:: lines (which name the secrets by design).
visible() { grep -v '^::add-mask::' "$T/out" || true; }
no_secrets() { # what
	local v; v=$(visible)
	assert_not_contains "$v" "$MOTO_SECRET" "$1: secret access key printed"
	assert_not_contains "$v" "$MOTO_SESSION_SECRET" "$1: session secret printed"
	assert_not_contains "$v" "$MOTO_SESSION_TOKEN" "$1: session token printed"
	assert_not_contains "$v" "$TOKEN" "$1: ECR password printed"
}
push() { actions_env; "$CONVOY" push --insecure-registry "$HOST" "$@" >"$T/out" 2>&1; }

td_arn=$MOTO_TD_ARN revision=1 # moto's deployment list stays on :1 (see the top)
for mode in static session; do
	creds $mode
	repo="team/app-$mode"

	# ECR login + CreateRepository, as the repository does not exist yet.
	push --source "$T/img1" --tag-list "$HOST/$repo:1.0" --create-repository --immutable-tags ||
		{ cat "$T/out"; fail "$mode: push --create-repository failed"; }
	digest=$(gh_output digest)
	assert_contains "$(visible)" "created ECR repository $HOST/$repo (tags immutable, scan on push on)" "$mode: created"
	r=$(show repository "$repo")
	assert_eq "$(field imageTagMutability <<<"$r")" IMMUTABLE "$mode: tag mutability"
	assert_eq "$(field imageScanningConfiguration.scanOnPush <<<"$r")" True "$mode: scan on push"
	assert_eq "$(digest_of "127.0.0.1:$ECR_PORT/$repo:1.0" --creds "AWS:$TOKEN")" "$digest" "$mode: tag in the registry"
	grep -q "PUT /v2/$repo/manifests/1.0 " "$T/proxy.log" || fail "$mode: the push did not go through the ECR host name"
	no_secrets "$mode push"
	pass "aws_moto__${mode}_ecr_login_and_create_repository"

	# The same manifest under the existing immutable tag: success, nothing moved.
	push --source "$T/img1" --tag-list "$HOST/$repo:1.0" --create-repository --immutable-tags ||
		{ cat "$T/out"; fail "$mode: identical re-push under an immutable tag failed"; }
	assert_contains "$(visible)" "ECR repository $HOST/$repo exists" "$mode: exists"
	assert_contains "$(visible)" "unchanged $repo:1.0" "$mode: tag unchanged"

	# Another manifest under it: ECR's refusal (played by faultproxy: the CNCF registry has no
	# immutable tags), reported as such; the tag stays. (faultproxy counts "times" per rule
	# index across rewrites of the rules file, hence no "times": 1.)
	cat >"$T/rules.json" <<-EOF
	[{"method": "PUT", "path": "^/v2/$repo/manifests/1\\\\.0\$", "times": 1000, "action": "status",
	  "status": 400, "headers": {"Content-Type": "application/json"},
	  "body": "{\"errors\":[{\"code\":\"TAG_INVALID\",\"message\":\"The image tag '1.0' already exists in the '$repo' repository and cannot be overwritten because the repository is immutable.\"}]}"}]
	EOF
	if push --source "$T/img2" --tag-list "$HOST/$repo:1.0"; then fail "$mode: immutable tag moved"; fi
	assert_contains "$(visible)" "the tag already exists and the repository's tags are immutable (ECR ImageTagAlreadyExistsException)" "$mode: immutable message"
	assert_eq "$(digest_of "127.0.0.1:$ECR_PORT/$repo:1.0" --creds "AWS:$TOKEN")" "$digest" "$mode: tag kept"
	echo '[]' >"$T/rules.json"
	pass "aws_moto__${mode}_immutable_tag_repush_and_refusal"

	# deploy: the task definition is registered with the new image, the service updated;
	# moto never reports the new deployment, so deploy must not say "deployed".
	image="$HOST/$repo@$digest"
	revision=$((revision + 1))
	new_arn="arn:aws:ecs:us-east-1:$MOTO_ACCOUNT:task-definition/app:$revision"
	actions_env
	if [ $mode = static ]; then
		if "$CONVOY" deploy --cluster c --service web --image "$image" >"$T/out" 2>&1; then
			cat "$T/out"; fail "$mode: deploy reported success without a COMPLETED rollout"
		fi
		assert_contains "$(visible)" "registered $new_arn (container web -> $image)" "$mode: registered"
		# moto's unchanged deployment list reads as ECS's own rollback to :1, so convoy
		# waits for that instead of issuing a second UpdateService.
		assert_contains "$(visible)" "rolled back to $td_arn" "$mode: rolled back"
		assert_eq "$(gh_output status)" rolled-back "$mode: status"
	else
		if "$CONVOY" deploy --cluster c --service web --image "$image" --no-rollback \
			--wait-timeout 1 >"$T/out" 2>&1; then
			cat "$T/out"; fail "$mode: deploy reported success without a COMPLETED rollout"
		fi
		assert_contains "$(visible)" "deployment $new_arn is gone" "$mode: honest failure"
		assert_contains "$(visible)" "--no-rollback" "$mode: no rollback"
		assert_eq "$(gh_output status)" failed "$mode: status"
	fi
	assert_eq "$(show service | field taskDefinition)" "$new_arn" "$mode: UpdateService took effect"
	td=$(show task-definition "$new_arn")
	assert_eq "$(field containerDefinitions.0.image <<<"$td")" "$image" "$mode: new image"
	assert_eq "$(field containerDefinitions.0.memory <<<"$td")" 128 "$mode: memory kept"
	assert_eq "$(field networkMode <<<"$td")" bridge "$mode: network mode kept"
	assert_eq "$(show task-definition "$MOTO_TD_ARN" | field containerDefinitions.0.image)" \
		old.example/app:1 "$mode: the old revision unchanged"
	no_secrets "$mode deploy"
	pass "aws_moto__${mode}_deploy_registers_and_updates_but_never_claims_completion"
done

# Refused credentials: named, and the secret never printed.
creds static
WRONG="wrong-secret-$RANDOM$RANDOM"
export AWS_SECRET_ACCESS_KEY=$WRONG
unset GITHUB_ACTIONS
if "$CONVOY" push --insecure-registry "$HOST" --source "$T/img1" --tag-list "$HOST/team/app-static:1.0" >"$T/out" 2>&1; then
	fail "ECR login with a wrong secret succeeded"
fi
assert_contains "$(cat "$T/out")" "native ECR login to $HOST" "wrong secret: login named"
assert_contains "$(cat "$T/out")" "AWS rejected the request signature: the secret access key does not belong to access key ID $MOTO_KEY_ID" "wrong secret: push message"
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
pass "aws_moto__wrong_secret_refused_clearly"

creds session
export AWS_SESSION_TOKEN="${MOTO_SESSION_TOKEN%????}AAAA"
if "$CONVOY" deploy --cluster c --service web --image "$HOST/team/app-static@$digest" >"$T/out" 2>&1; then
	fail "deploy with a wrong session token succeeded"
fi
assert_contains "$(cat "$T/out")" "AWS does not accept access key ID $MOTO_SESSION_KEY_ID or its session token" "wrong token message"
assert_not_contains "$(cat "$T/out")" "$AWS_SESSION_TOKEN" "wrong token printed"
pass "aws_moto__wrong_session_token_refused_clearly"
