#!/usr/bin/env bash
# Secret hygiene: every command runs with distinctive credentials, on its success and error
# paths; stdout, stderr, GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY are searched for
# them. The only allowed appearance is the ::add-mask:: line, and it comes before any other
# output line.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"

TOKEN='ghs_Zq7SecretTokenValue0001'
PASS='Reg-Pa55-Secret-0002'
AWS_SECRET='aws/Secret+Key0003xyzxyzxyzxyzxyzxyzxyz'
AWS_TOKEN='IQoJb3JpZ2luX2VjSessionTok0004'
need htpasswd
htpasswd -Bbn user "$PASS" >"$T/htpasswd"
start_registry REG "$T/htpasswd"
R=127.0.0.1:$REG_PORT
mkimage "$T/img" --seed 31
DEAD=$(free_port) # nothing listens here: the API-unreachable error paths
echo '{"repository":{"default_branch":"main"},"pull_request":{"number":1,"head":{"sha":"0123456789abcdef0123456789abcdef01234567"}}}' >"$T/event.json"
printf 'Plan: 1 to add, 0 to change, 0 to destroy.\n' >"$T/plan.txt"

check() {
	local name=$1 secret=$2 first
	shift 2
	actions_env
	export GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$T/event.json" GITHUB_REPOSITORY=octo/app \
		GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 GITHUB_REF=refs/pull/1/merge \
		GITHUB_API_URL="http://127.0.0.1:$DEAD" CONVOY_HTTP_RETRIES=0
	"$@" >"$T/stdout" 2>"$T/stderr" || true
	# The secret's mask must precede every line that is not itself a mask.
	first=$(awk '!/^::add-mask::/ {exit} {print}' "$T/stdout" | grep -cxF -- "::add-mask::$secret" || true)
	assert_eq "$first" 1 "$name: ::add-mask:: of the secret before any other output"
	n=$(cat "$T/stdout" "$T/stderr" "$GITHUB_OUTPUT" "$GITHUB_ENV" "$GITHUB_STEP_SUMMARY" \
		| grep -v "^::add-mask::" | grep -cF -- "$secret" || true)
	assert_eq "$n" 0 "$name: secret found in the output"
	pass "secrets__$name"
}

check tags_token "$TOKEN" env "INPUT_GITHUB-TOKEN=$TOKEN" "$CONVOY" tags --images "$R/app"
check push_ok "$PASS" "$CONVOY" push --source "$T/img" --tag-list "$R/app:1" --username user --password "$PASS"
check push_wrong "$PASS-x" "$CONVOY" push --source "$T/img" --tag-list "$R/app:2" --username user --password "$PASS-x"
check push_token_input "$TOKEN" env "INPUT_GITHUB-TOKEN=$TOKEN" "$CONVOY" push --source "$T/img" --images "$R/app" \
	--tags type=raw,value=s --username user --password "$TOKEN-nope"
check promote "$PASS" "$CONVOY" promote --stages "dev=$R/app:1; qa=$R/app:qa" --to qa --username user --password "$PASS"
check history "$PASS" "$CONVOY" history --stages "dev=$R/app:1; qa=$R/app:qa" --stage qa --username user --password "$PASS"
check plan_comment "$TOKEN" "$CONVOY" plan-comment --plan-file "$T/plan.txt" --github-token "$TOKEN"
check deploy_secret "$AWS_SECRET" env AWS_ACCESS_KEY_ID=AKIAEXAMPLE0000 "AWS_SECRET_ACCESS_KEY=$AWS_SECRET" \
	AWS_REGION=us-east-1 "AWS_ENDPOINT_URL=http://127.0.0.1:$DEAD" \
	"$CONVOY" deploy --cluster c --service s --image "$R/app@sha256:$(printf '%064d' 0)"
check deploy_session "$AWS_TOKEN" env AWS_ACCESS_KEY_ID=AKIAEXAMPLE0000 AWS_SECRET_ACCESS_KEY=x \
	"AWS_SESSION_TOKEN=$AWS_TOKEN" AWS_REGION=us-east-1 "AWS_ENDPOINT_URL=http://127.0.0.1:$DEAD" \
	"$CONVOY" deploy --cluster c --service s --image "$R/app@sha256:$(printf '%064d' 0)"
