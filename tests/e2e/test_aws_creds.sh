#!/usr/bin/env bash
# The AWS credential chain (aws/provider.h), source by source, against the stand-in
# (tools/aws_standin.py: signatures checked by botocore; it plays the GitHub runner's ID token
# endpoint, STS AssumeRole and AssumeRoleWithWebIdentity, the container credentials endpoint
# and IMDSv2). For each source a `convoy deploy` (scenario success) runs with ONLY that source
# configured (every other AWS_* variable unset, HOME an empty temp dir) and the stand-in's log
# shows which key signed the ECS calls: the session key the source issued. Every secret
# (session secret and token, the JWT, the runner's and container's request tokens, static
# secrets) appears in the output only in ::add-mask:: lines, and each of them is masked.
# role-to-assume also drives a push to ECR (CreateRepository and the native login, into a real
# registry behind the ECR host name, checked with skopeo).
# Then: refresh of expiring credentials (counted requests, no waiting), and the errors (no
# id-token permission, a wrong runner token, a role of another account, a wrong external ID,
# credential_process failing, a source_profile loop, no credentials anywhere). First of all the
# stand-in refuses a forged, tampered or wrong-audience token and metadata without a token.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
source "$(dirname "$0")/lib_aws.sh"
need python3
need htpasswd
need skopeo

IMG="reg.example/app@sha256:$(printf 'c%.0s' $(seq 64))"
KEY_ID="AKIA$(printf '%04X' $RANDOM $RANDOM $RANDOM $RANDOM)"
SECRET="static-secret-$RANDOM$RANDOM$RANDOM"
RUNNER_TOKEN="runner-request-token-$RANDOM$RANDOM"
CONTAINER_TOKEN="container-auth-token-$RANDOM$RANDOM"
EXT_ID="ext-$RANDOM$RANDOM"
ECRPW="standin-ecr-$RANDOM$RANDOM$RANDOM"
ROLE="arn:aws:iam::$AWS_ACCOUNT:role/deployer"
start_aws success --key "$KEY_ID:$SECRET" --runner-token "$RUNNER_TOKEN" \
	--container-token "$CONTAINER_TOKEN" --external-id "ext-role:$EXT_ID" --ecr-password "$ECRPW"
actions_env

lines() { if [ -f "$LOG" ]; then wc -l <"$LOG"; else echo 0; fi; }

# only VAR=VALUE... [-- args]: convoy "${CMD[@]}" (default: a deploy) with only these AWS
# settings (besides the
# stand-in's endpoint and, unless given, the region); every other AWS_* and ACTIONS_ID_TOKEN_*
# variable unset, HOME a fresh empty directory ($H), instance metadata disabled unless given.
only() {
	local envs=() unsets=() v
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\|ACTIONS_ID_TOKEN_[A-Z_]*\)=.*/\1/p'); do
		unsets+=(-u "$v")
	done
	FROM=$(($(lines) + 1))
	: >"$T/gh/output"
	env "${unsets[@]}" HOME="$H" AWS_ENDPOINT_URL="$AWS_URL" AWS_EC2_METADATA_DISABLED=true \
		CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10 CONVOY_HTTP_BACKOFF_MS=10 \
		"${envs[@]}" "$CONVOY" "${CMD[@]}" "$@" >"$T/out" 2>&1
}
CMD=(deploy --cluster c --service web --image "$IMG")
newhome() { H="$T/home-$1"; mkdir -p "$H/.aws"; }

# check SOURCE_SERVICE SOURCE_ACTION ISSUES: the log from line $FROM on: exactly ISSUES
# requests of SOURCE_SERVICE/ACTION issued keys, the deploy's ECS calls (all of them
# accepted) were each signed with one of them, and every secret the stand-in handed out, the
# request tokens and the static secret appear in convoy's output only in ::add-mask:: lines,
# each of them masked. Prints "ISSUED-KEY ECS-CALLS".
check() {
	"$AWS_PY" - "$LOG" "$FROM" "$T/out" "$1" "$2" "$3" "$SECRET $RUNNER_TOKEN $CONTAINER_TOKEN ${EXTRA_SECRETS:-}" <<-'PY'
	import json, sys
	log, start, out, svc, action, n, extra = sys.argv[1:]
	recs = [json.loads(l) for l in open(log)][int(start) - 1:]
	issues = [r for r in recs if r["service"] == svc and r["action"] == action and r.get("issued")]
	if len(issues) != int(n):
	    sys.exit("%d %s %s issues, expected %s: %s" % (len(issues), svc, action, n, recs))
	keys = {r["issued"] for r in issues}
	ecs = [r for r in recs if r["service"] == "ecs"]
	acts = [r["action"] for r in ecs]
	if "UpdateService" not in acts or any(r["status"] != 200 for r in ecs):
	    sys.exit("the deploy's ECS calls did not all pass: %s" % ecs)
	if any(r["key"] not in keys for r in ecs):
	    sys.exit("ECS calls not signed with the issued key %s: %s" % (keys, [r["key"] for r in ecs]))
	text = open(out).read().split("\n")
	masks = [l[len("::add-mask::"):] for l in text if l.startswith("::add-mask::")]
	rest = "\n".join(l for l in text if not l.startswith("::add-mask::"))
	secrets = [s for r in recs for s in (r.get("secret"), r.get("token"), r.get("jwt")) if s]
	for s in secrets + extra.split():
	    if s in rest:
	        sys.exit("a secret is printed: %s..." % s[:6])
	for s in secrets:
	    if s not in masks:
	        sys.exit("a secret is never masked: %s..." % s[:6])
	print(" ".join(sorted(keys)), len(ecs))
	PY
}
deployed() { grep -q "::error" "$T/out" && { cat "$T/out"; fail "$1: deploy failed"; }; assert_eq "$(gh_output status)" deployed "$1: status"; }

# ---- the stand-in's checks are not vacuous.
post_sts() { # FORM: an unsigned STS query-protocol POST; prints "STATUS CODE"
	"$AWS_PY" - "$AWS_URL" "$1" <<-'PY'
	import re, sys, urllib.request, urllib.error
	req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
	    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
	try:
	    urllib.request.urlopen(req); print("200 -")
	except urllib.error.HTTPError as e:
	    print(e.code, re.search(r"<Code>(.*?)</Code>", e.read().decode()).group(1))
	PY
}
get() { # URL [HEADER: VALUE]: prints the status, then the body
	"$AWS_PY" - "$@" <<-'PY'
	import sys, urllib.request, urllib.error
	h = dict([sys.argv[2].split(": ", 1)]) if len(sys.argv) > 2 else {}
	try:
	    r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], headers=h)); print(r.status); print(r.read().decode())
	except urllib.error.HTTPError as e:
	    print(e.code)
	PY
}
jwt_for() { get "$AWS_URL/_runner/idtoken?api-version=2.0&audience=$1${2:+&ttl=$2}" "Authorization: Bearer $RUNNER_TOKEN" | sed -n 2p |
	"$AWS_PY" -c 'import json, sys; print(json.load(sys.stdin)["value"])'; }
assert_eq "$(get "$AWS_URL/_runner/idtoken?audience=sts.amazonaws.com" "Authorization: Bearer wrong")" 401 "runner: a wrong request token"
GOOD=$(jwt_for sts.amazonaws.com)
form() { printf 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s&RoleSessionName=e2e&WebIdentityToken=%s' "$ROLE" "$1"; }
assert_eq "$(post_sts "$(form "$GOOD")")" "200 -" "a token of the runner for sts.amazonaws.com is taken"
assert_eq "$(post_sts "$(form "$(jwt_for other.example)")")" "400 InvalidIdentityToken" "another audience"
payload=${GOOD#*.}; payload=${payload%%.*}
forged=$("$AWS_PY" - "$GOOD" <<-'PY'
	import base64, json, sys
	h, p, s = sys.argv[1].split(".")
	c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
	c["sub"] = "repo:evil/app:ref:refs/heads/main"
	print(h + "." + base64.urlsafe_b64encode(json.dumps(c).encode()).rstrip(b"=").decode() + "." + s)
	PY
)
assert_eq "$(post_sts "$(form "$forged")")" "400 InvalidIdentityToken" "a changed claim (signature no longer matches)"
assert_eq "$(post_sts "$(form "x.y.z")")" "400 InvalidIdentityToken" "not a JWT"
assert_eq "$(post_sts "$(form "$(jwt_for sts.amazonaws.com -10)")")" "400 ExpiredTokenException" "an expired token"
assert_eq "$(get "$AWS_URL/latest/meta-data/iam/security-credentials/")" 401 "IMDS: a GET without a token"
assert_eq "$(get "$AWS_URL/latest/meta-data/iam/security-credentials/" "X-aws-ec2-metadata-token: made-up")" 401 "IMDS: a token it never issued"
assert_eq "$(get "$AWS_URL/_container/creds" "Authorization: wrong")" 401 "container: a wrong token"
pass "aws_creds__standin_refuses_forged_tokens_and_tokenless_metadata"

# ---- 0. role-to-assume: GitHub OIDC, nothing else.
newhome oidc
only ACTIONS_ID_TOKEN_REQUEST_URL="$AWS_URL/_runner/idtoken?api-version=2.0" \
	ACTIONS_ID_TOKEN_REQUEST_TOKEN="$RUNNER_TOKEN" AWS_REGION=eu-west-1 -- --role-to-assume "$ROLE" ||
	{ cat "$T/out"; fail "deploy with role-to-assume failed"; }
deployed oidc
r=$(check sts AssumeRoleWithWebIdentity 1) || fail "oidc: $r"
assert_contains "$(cat "$T/out")" "AWS credentials: GitHub OIDC (role $ROLE), expiring" "oidc: the source is logged"
"$AWS_PY" - "$LOG" "$FROM" "$ROLE" <<-'PY' || fail "oidc: the token and STS requests"
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1:]
	runner = [r for r in recs if r["service"] == "runner"]
	assert [r["body"]["audience"] for r in runner] == ["sts.amazonaws.com"], runner
	sts = [r for r in recs if r["service"] == "sts"][0]
	assert sts["key"] is None and sts["body"]["RoleArn"] == sys.argv[3], sts
	assert sts["body"]["RoleSessionName"] == "convoy" and sts["body"]["DurationSeconds"] == 3600, sts
	assert sts["body"]["WebIdentityToken"] == runner[0]["jwt"], "the runner's token is the one sent"
	PY
only ACTIONS_ID_TOKEN_REQUEST_URL="$AWS_URL/_runner/idtoken?api-version=2.0" \
	ACTIONS_ID_TOKEN_REQUEST_TOKEN="$RUNNER_TOKEN" AWS_REGION=eu-west-1 INPUT_ROLE-TO-ASSUME="$ROLE" \
	INPUT_ROLE-SESSION-NAME=run-42 INPUT_ROLE-DURATION-SECONDS=900 || { cat "$T/out"; fail "deploy with INPUT_ROLE-* failed"; }
r=$(check sts AssumeRoleWithWebIdentity 1) || fail "oidc inputs: $r"
assert_contains "$(tail -n +"$FROM" "$LOG" | grep AssumeRoleWithWebIdentity)" '"RoleSessionName": "run-42", "DurationSeconds": 900' "session name and duration sent"
pass "aws_creds__role_to_assume_uses_the_github_oidc_token"

# ---- role-to-assume for push: ECR's CreateRepository and the native ECR login, into a real
# registry behind the ECR host name (CONVOY_HTTP_CONNECT_TO; nothing leaves loopback).
HOST="$AWS_ACCOUNT.dkr.ecr.eu-west-1.amazonaws.com"
htpasswd -Bbn AWS "$ECRPW" >"$T/htpasswd"
start_registry ECR "$T/htpasswd"
mkimage "$T/img" --seed 7
mkdir -p "$T/docker"
CMD=(push --insecure-registry "$HOST" --source "$T/img" --tag-list "$HOST/team/oidc:1.0" --create-repository)
only ACTIONS_ID_TOKEN_REQUEST_URL="$AWS_URL/_runner/idtoken?api-version=2.0" \
	ACTIONS_ID_TOKEN_REQUEST_TOKEN="$RUNNER_TOKEN" DOCKER_CONFIG="$T/docker" \
	CONVOY_HTTP_CONNECT_TO="$HOST:80:127.0.0.1:$ECR_PORT" -- --role-to-assume "$ROLE" ||
	{ cat "$T/out"; fail "push with role-to-assume failed"; }
CMD=(deploy --cluster c --service web --image "$IMG")
"$AWS_PY" - "$LOG" "$FROM" "$T/out" "$ECRPW" <<-'PY' || fail "push: the ECR calls"
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1:]
	issued = {r["issued"] for r in recs if r["service"] == "sts" and r["action"] == "AssumeRoleWithWebIdentity"}
	ecr = [r for r in recs if r["service"] == "ecr"]
	# one OIDC exchange for the run: CreateRepository's client and the ECR login share it
	assert len(issued) == 1 and len([r for r in recs if r["service"] == "runner"]) == 1, recs
	assert [r["action"] for r in ecr] == ["DescribeRepositories", "CreateRepository", "GetAuthorizationToken"], ecr
	assert all(r["key"] in issued for r in ecr), (issued, ecr)
	out = open(sys.argv[3]).read()
	assert sys.argv[4] not in out.replace("::add-mask::" + sys.argv[4], ""), "the ECR password is printed"
	PY
assert_eq "$(digest_of "127.0.0.1:$ECR_PORT/team/oidc:1.0" --creds "AWS:$ECRPW")" "$(gh_output digest)" "push: the tag is in the registry (skopeo)"
assert_contains "$(aws_state)" '"team/oidc"' "push: the repository was created"
assert_eq "$(grep -c 'AWS credentials: GitHub OIDC' "$T/out")" 1 "push: the source logged once"
pass "aws_creds__role_to_assume_for_push_to_ecr"

# ---- 1. web identity from the environment (EKS IRSA style).
newhome webid
jwt_for sts.amazonaws.com >"$T/webid.jwt"
EXTRA_SECRETS=$(cat "$T/webid.jwt") only AWS_ROLE_ARN="$ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$T/webid.jwt" \
	AWS_ROLE_SESSION_NAME=irsa AWS_REGION=eu-west-1 || { cat "$T/out"; fail "web identity deploy failed"; }
deployed webid
r=$(EXTRA_SECRETS=$(cat "$T/webid.jwt") check sts AssumeRoleWithWebIdentity 1) || fail "webid: $r"
assert_contains "$(cat "$T/out")" "AWS credentials: web identity (role $ROLE)" "webid: the source"
assert_contains "$(tail -n +"$FROM" "$LOG" | grep AssumeRoleWithWebIdentity)" '"RoleSessionName": "irsa"' "AWS_ROLE_SESSION_NAME sent"
jwt_for other.example >"$T/webid.jwt"
if EXTRA_SECRETS=$(cat "$T/webid.jwt") only AWS_ROLE_ARN="$ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$T/webid.jwt" AWS_REGION=eu-west-1; then
	fail "a token for another audience was accepted"
fi
assert_contains "$(cat "$T/out")" "STS AssumeRoleWithWebIdentity: role $ROLE's account does not accept the web identity token (InvalidIdentityToken: Incorrect token audience)" "wrong audience: the sentence"
jwt_for sts.amazonaws.com -10 >"$T/webid.jwt"
if EXTRA_SECRETS=$(cat "$T/webid.jwt") only AWS_ROLE_ARN="$ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$T/webid.jwt" AWS_REGION=eu-west-1; then
	fail "an expired web identity token was accepted"
fi
assert_contains "$(cat "$T/out")" "STS AssumeRoleWithWebIdentity: the token presented for role $ROLE has expired (ExpiredTokenException" "expired token: the sentence"
assert_eq "$(grep -v '^::add-mask::' "$T/out" | grep -c "$(cut -c1-40 "$T/webid.jwt")" || true)" 0 "expired token: not printed"
pass "aws_creds__web_identity_token_file"

# ---- 2. ~/.aws/config: a chain of roles, with an external ID, region from the profile.
newhome chain
cat >"$H/.aws/config" <<EOF
[profile ci]
region = eu-west-1
role_arn = $ROLE
source_profile = base
role_session_name = ci-chain
duration_seconds = 1800

[profile base]
role_arn = arn:aws:iam::$AWS_ACCOUNT:role/ext-role
source_profile = keys
external_id = $EXT_ID
s3 =
  max_concurrent_requests = 20
EOF
printf '[keys]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$KEY_ID" "$SECRET" >"$H/.aws/credentials"
only AWS_PROFILE=ci || { cat "$T/out"; fail "profile chain deploy failed"; }
deployed chain
r=$(check sts AssumeRole 2) || fail "chain: $r"
"$AWS_PY" - "$LOG" "$FROM" "$KEY_ID" "$EXT_ID" "$AWS_ACCOUNT" <<-'PY' || fail "chain: the AssumeRole steps"
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1:]
	a, b = [r for r in recs if r["service"] == "sts"]
	assert a["key"] == sys.argv[3] and a["body"]["RoleArn"].endswith(":role/ext-role"), a
	assert a["body"]["ExternalId"] == sys.argv[4], a
	assert b["key"] == a["issued"] and b["body"]["RoleArn"] == "arn:aws:iam::%s:role/deployer" % sys.argv[5], b
	assert b["body"]["RoleSessionName"] == "ci-chain" and b["body"]["DurationSeconds"] == 1800, b
	assert {r["key"] for r in recs if r["service"] == "ecs"} == {b["issued"]}
	PY
assert_contains "$(cat "$T/out")" "AWS credentials: profile ci (role $ROLE, from profile base (role arn:aws:iam::$AWS_ACCOUNT:role/ext-role, from profile keys in $H/.aws/credentials))" "chain: the source"
sed -i "s/^external_id = .*/external_id = wrong-$EXT_ID/" "$H/.aws/config"
if only AWS_PROFILE=ci; then fail "a wrong external ID was accepted"; fi
assert_contains "$(cat "$T/out")" "not allowed to assume role arn:aws:iam::$AWS_ACCOUNT:role/ext-role (AccessDenied" "wrong external ID: the sentence names the role"
pass "aws_creds__config_profile_role_chain_with_external_id"

# ---- 2b. credential_process.
newhome proc
cat >"$T/proc.py" <<EOF
import json
print(json.dumps({"Version": 1, "AccessKeyId": "$KEY_ID", "SecretAccessKey": "$SECRET"}))
EOF
printf '[profile proc]\nregion = eu-west-1\ncredential_process = %s %s\n' "$AWS_PY" "$T/proc.py" >"$H/.aws/config"
only AWS_PROFILE=proc || { cat "$T/out"; fail "credential_process deploy failed"; }
deployed proc
assert_eq "$(tail -n +"$FROM" "$LOG" | "$AWS_PY" -c 'import json, sys
print(" ".join(sorted({json.loads(l)["key"] for l in sys.stdin})))')" "$KEY_ID" "credential_process: its key signed every call"
assert_contains "$(cat "$T/out")" "::add-mask::$SECRET" "its secret is masked"
assert_eq "$(grep -v '^::add-mask::' "$T/out" | grep -c "$SECRET" || true)" 0 "its secret is not printed"
assert_contains "$(cat "$T/out")" "AWS credentials: credential_process of profile proc" "proc: the source"
printf 'import sys\nprint("{\\"Version\\": 1, \\"AccessKeyId\\": \\"%s\\", \\"SecretAccessKey\\": \\"%s\\"}")\nsys.exit(3)\n' "$KEY_ID" "$SECRET" >"$T/proc.py"
if only AWS_PROFILE=proc; then fail "a failing credential_process was accepted"; fi
assert_contains "$(cat "$T/out")" "credential_process of profile proc failed: the command exited with status 3" "failing process: the sentence"
assert_eq "$(grep -c "$SECRET" "$T/out" || true)" 0 "failing process: its output is not shown"
assert_eq "$(tail -n +"$FROM" "$LOG" | wc -l)" 0 "failing process: nothing sent"
pass "aws_creds__credential_process"

# ---- 2c. a source_profile loop.
newhome loop
printf '[profile a]\nregion = eu-west-1\nrole_arn = %s\nsource_profile = b\n[profile b]\nrole_arn = %s\nsource_profile = a\n' "$ROLE" "$ROLE" >"$H/.aws/config"
if only AWS_PROFILE=a; then fail "a source_profile loop was accepted"; fi
assert_contains "$(cat "$T/out")" "AWS profiles a -> b -> a: a source_profile loop in $H/.aws/config" "loop: the sentence"
rc=0; only AWS_PROFILE=a || rc=$?; assert_eq "$rc" 2 "loop: a usage error (exit 2)"
assert_eq "$(tail -n +"$FROM" "$LOG" | wc -l)" 0 "loop: nothing sent"
pass "aws_creds__source_profile_loop_is_an_error"

# ---- 3. the container credentials endpoint.
newhome container
printf '%s\n' "$CONTAINER_TOKEN" >"$T/ctoken"
only AWS_CONTAINER_CREDENTIALS_FULL_URI="$AWS_URL/_container/v2/credentials" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/ctoken" AWS_REGION=eu-west-1 || { cat "$T/out"; fail "container deploy failed"; }
deployed container
r=$(check container credentials 1) || fail "container: $r"
assert_contains "$(cat "$T/out")" "AWS credentials: container credentials $AWS_URL/_container/v2/credentials" "container: the source"
if only AWS_CONTAINER_CREDENTIALS_FULL_URI="$AWS_URL/_container/v2/credentials" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong-token AWS_REGION=eu-west-1; then fail "a wrong container token was accepted"; fi
assert_contains "$(cat "$T/out")" "answered HTTP 401 (the AWS_CONTAINER_AUTHORIZATION_TOKEN is refused)" "container: wrong token"
pass "aws_creds__container_credentials"

# ---- 4. EC2 instance metadata (IMDSv2), on the stand-in.
newhome imds
only AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$AWS_URL" AWS_REGION=eu-west-1 ||
	{ cat "$T/out"; fail "IMDS deploy failed"; }
deployed imds
r=$(check imds "GET /latest/meta-data/iam/security-credentials/convoy-instance" 1) || fail "imds: $r"
assert_eq "$(tail -n +"$FROM" "$LOG" | grep '"imds"' | "$AWS_PY" -c 'import json, sys
print(", ".join("%s %d" % (json.loads(l)["action"], json.loads(l)["status"]) for l in sys.stdin))')" \
	"PUT /latest/api/token 200, GET /latest/meta-data/iam/security-credentials/ 200, GET /latest/meta-data/iam/security-credentials/convoy-instance 200" \
	"imds: token first, then the role, then its credentials"
assert_contains "$(cat "$T/out")" "AWS credentials: EC2 instance metadata (role convoy-instance)" "imds: the source"
pass "aws_creds__ec2_instance_metadata_v2"

# ---- errors of role-to-assume.
newhome err
if only AWS_REGION=eu-west-1 -- --role-to-assume "$ROLE"; then fail "role-to-assume without an ID token accepted"; fi
assert_contains "$(cat "$T/out")" "role-to-assume $ROLE: the job has no GitHub OIDC token to assume it with (ACTIONS_ID_TOKEN_REQUEST_URL is not set): give the job \`permissions: id-token: write\`" "no id-token permission"
assert_eq "$(tail -n +"$FROM" "$LOG" | wc -l)" 0 "no id-token: nothing sent"
if only ACTIONS_ID_TOKEN_REQUEST_URL="$AWS_URL/_runner/idtoken?api-version=2.0" ACTIONS_ID_TOKEN_REQUEST_TOKEN=not-the-token \
	AWS_REGION=eu-west-1 -- --role-to-assume "$ROLE"; then fail "a wrong runner token accepted"; fi
assert_contains "$(cat "$T/out")" "the runner refused the OIDC token request with HTTP 401" "wrong runner token"
OTHER="arn:aws:iam::999999999999:role/deployer"
if only ACTIONS_ID_TOKEN_REQUEST_URL="$AWS_URL/_runner/idtoken?api-version=2.0" ACTIONS_ID_TOKEN_REQUEST_TOKEN="$RUNNER_TOKEN" \
	AWS_REGION=eu-west-1 -- --role-to-assume "$OTHER"; then fail "a role of another account accepted"; fi
assert_contains "$(cat "$T/out")" "STS AssumeRoleWithWebIdentity: not allowed to assume role $OTHER (AccessDenied" "another account: AccessDenied sentence names the role"
assert_eq "$(tail -n +"$FROM" "$LOG" | grep -c '"ecs"' || true)" 0 "AccessDenied: no ECS call"
assert_eq "$(grep -v '^::add-mask::' "$T/out" | grep -c 'eyJ' || true)" 0 "the JWT is not printed"
if only AWS_REGION=eu-west-1 -- --role-to-assume "deployer"; then fail "a bare role name accepted"; fi
assert_contains "$(cat "$T/out")" "input 'role-to-assume': 'deployer' is not an IAM role ARN" "a malformed ARN"
rc=0; only AWS_REGION=eu-west-1 -- --role-to-assume deployer || rc=$?; assert_eq "$rc" 2 "malformed ARN: exit 2"
if only AWS_REGION=eu-west-1 -- --role-to-assume "$ROLE" --role-duration-seconds 60; then fail "duration 60 accepted"; fi
assert_contains "$(cat "$T/out")" "role-duration-seconds" "the duration input named"
pass "aws_creds__role_to_assume_errors_are_sentences"

# ---- no credentials anywhere: the sentence lists the chain (IMDS: a closed loopback port).
newhome none
if only AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$(free_port)" AWS_REGION=eu-west-1; then
	fail "deploy without credentials succeeded"
fi
assert_contains "$(cat "$T/out")" "no AWS credentials: looked at AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, profile default in ~/.aws/config and ~/.aws/credentials, AWS_CONTAINER_CREDENTIALS_*_URI and EC2 instance metadata (http://127.0.0.1:" "the chain listed"
assert_contains "$(cat "$T/out")" "no answer within 1 s). In GitHub Actions pass role-to-assume" "what to do"
assert_eq "$(grep -c '::error' "$T/out")" 1 "one error"
pass "aws_creds__no_credentials_anywhere_reads_well"

# ---- expiring credentials are refreshed before each call (counted, never waited for).
start_aws expiring --runner-token "$RUNNER_TOKEN"
actions_env
newhome expiring
only ACTIONS_ID_TOKEN_REQUEST_URL="$AWS_URL/_runner/idtoken?api-version=2.0" \
	ACTIONS_ID_TOKEN_REQUEST_TOKEN="$RUNNER_TOKEN" AWS_REGION=eu-west-1 -- --role-to-assume "$ROLE" ||
	{ cat "$T/out"; fail "deploy with expiring credentials failed"; }
deployed expiring
"$AWS_PY" - "$LOG" <<-'PY' || fail "expiring: refreshed before each call"
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])]
	issued = [r["issued"] for r in recs if r["service"] == "sts"]
	ecs = [r for r in recs if r["service"] == "ecs"]
	# the first session already expires within the refresh window: each call gets a new one
	assert len(issued) == len(ecs) + 1, (len(issued), len(ecs))
	assert [r["key"] for r in ecs] == issued[1:], "each call signed with the session just issued"
	PY
assert_contains "$(cat "$T/out")" "AWS credentials: refreshed from GitHub OIDC (role $ROLE)" "the refresh is logged"
pass "aws_creds__expiring_credentials_are_refreshed"
