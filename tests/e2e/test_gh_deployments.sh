#!/usr/bin/env bash
# Promotions, rollbacks and deploys shown on GitHub as deployments, against
# tests/e2e/tools/github_api.js (every request checked against @octokit/openapi): the
# environment is the stage, the ref the image's revision (else GITHUB_SHA), the payload the
# digest and tags; statuses in_progress (deploy), success or failure, with log_url (the run)
# and environment_url (the stage's health URL); the deployment a success replaces goes
# inactive. github-deployments: false opts out; a token without the permission is a warning
# that names it, never a failed promotion. No violations; the token is never printed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
source "$(dirname "$0")/lib_aws.sh"
need node
need jq
[ -f "$CONVOY_SRC/node_modules/@octokit/openapi/generated/api.github.com.json" ] || fail "node_modules/@octokit/openapi missing (run npm ci)"
TOK=ghs_deployments_secret_token
gport=$(free_port)
node "$CONVOY_SRC/tests/e2e/tools/github_api.js" --port "$gport" --token "$TOK" >"$T/api.log" 2>&1 & gpid=$!
at_exit "kill $gpid"
wait_port "$gport" "$gpid"
API="http://127.0.0.1:$gport"
ctl() { curl -sf "$API/__control/$1" "${@:2}"; }
deps() { ctl deployments; }
dbg() { deps | jq -c "[.[] | {environment, ref, production_environment, sha, desc: .description, states: [.statuses[].state]}]"; } # every deployment, oldest first, with its statuses (oldest first)

start_registry REG
R=127.0.0.1:$REG_PORT
HPORT=$(free_port)
python3 "$CONVOY_SRC/tests/e2e/tools/health_server.py" "$HPORT" ok "$T/health.log" & hpid=$!
at_exit "kill $hpid"
wait_port "$HPORT" "$hpid"
HURL="http://127.0.0.1:$HPORT/health"
REV=1111111111111111111111111111111111111111
SHA=2222222222222222222222222222222222222222
mkimage "$T/img1" --seed 81 --annotation "org.opencontainers.image.revision=$REV"
mkimage "$T/img2" --seed 82
cat >"$T/convoy.yml" <<EOC
stages:
  - name: dev
    repository: $R/app
    tags: [dev]
  - name: qa
    repository: $R/app
    tags: [qa]
    deploy: {cluster: c, service: web, container: app, health-url: "$HURL"}
  - name: prod
    repository: $R/app
    tags: [prod]
EOC
gh() { # the Actions environment of a workflow_dispatch run of octo/app
	actions_env
	export GITHUB_REPOSITORY=octo/app GITHUB_SHA=$SHA GITHUB_API_URL=$API GITHUB_SERVER_URL=https://github.com \
		GITHUB_RUN_ID=4242 GITHUB_ACTOR=alice GITHUB_TOKEN=$TOK
}
C() { "$CONVOY" "$@" --pipeline-file "$T/convoy.yml" >"$T/out" 2>&1; }
no_token() { assert_not_contains "$(grep -v '^::add-mask::' "$T/out")" "$TOK" "$1: the token was printed"; }

# The image carries its revision (BuildKit writes metadata-action's or convoy tags'
# annotations into the manifest): that is the ref.
gh; "$CONVOY" push --source "$T/img1" --tag-list "$R/app:dev" >"$T/out" 2>&1 ||
	{ cat "$T/out"; fail "push"; }
D1=$(digest_of "$R/app:dev")
gh; C promote --to qa || { cat "$T/out"; fail "promote --to qa"; }
no_token "promote qa"
jq -e --arg d "$D1" --arg rev "$REV" --arg url "$HURL" '
	length == 1 and (.[0] | .environment == "qa" and .ref == $rev and .payload.digest == $d
	and .payload.tags == ["'"$R"'/app:qa"] and .payload.from == "dev" and .production_environment == false
	and .request.auto_merge == false and .request.required_contexts == []
	and ([.statuses[].state] == ["success"])
	and .statuses[0].log_url == "https://github.com/octo/app/actions/runs/4242"
	and .statuses[0].environment_url == $url)' <<<"$(deps)" >/dev/null ||
	{ dbg; fail "the promotion's deployment"; }
assert_contains "$(cat "$T/out")" "GitHub deployment" "promote: the log names the deployment"
pass "gh_deployments__promotion_is_a_deployment_of_the_stage"

# A deploy to qa: in_progress, then success; the promotion's deployment goes inactive.
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10
start_aws success
gh; C deploy --stage qa --image "$R/app@$D1" ||
	{ cat "$T/out"; fail "deploy --stage qa"; }
no_token "deploy"
jq -e --arg sha "$SHA" '
	(map(select(.environment == "qa")) | length) >= 2 and
	(.[-1] | .ref == $sha and .payload.service == "web" and ([.statuses[].state] == ["in_progress", "success"])) and
	([.[0].statuses[].state] == ["success", "inactive"])' <<<"$(deps)" >/dev/null ||
	{ cat "$T/out"; dbg; fail "the deploy's deployment, and the one it replaces"; }
pass "gh_deployments__deploy_in_progress_then_success_replaces_the_previous"

# prod is the last stage: a production environment.
gh; C promote --to prod || { cat "$T/out"; fail "promote --to prod"; }
jq -e '.[-1] | .environment == "prod" and .production_environment == true and ([.statuses[].state] == ["success"])' <<<"$(deps)" >/dev/null ||
	{ dbg; fail "prod's deployment"; }
# A second digest through to prod, then a rollback of prod: a deployment of its own.
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$R/app:dev"
gh; C promote --to qa || { cat "$T/out"; fail "promote img2 --to qa"; }
gh; C promote --to prod || { cat "$T/out"; fail "promote img2 --to prod"; }
gh; C rollback --stage prod || { cat "$T/out"; fail "rollback prod"; }
jq -e --arg d "$D1" --arg rev "$REV" '
	(map(select(.environment == "prod")) | length) == 3 and
	(.[-1] | .payload.digest == $d and (.description | startswith("rollback of")) and .ref == $rev
	 and ([.statuses[].state] == ["success"])) and
	([map(select(.environment == "prod"))[1].statuses[].state] == ["success", "inactive"])' <<<"$(deps)" >/dev/null ||
	{ dbg; fail "the rollback's deployment"; }
pass "gh_deployments__prod_is_production_and_a_rollback_is_a_deployment"

# A failed deploy (the circuit breaker rolls back): failure, and nothing goes inactive.
start_aws circuit
n=$(deps | jq length)
gh; C deploy --stage qa --image "$R/app@$D1" --no-ledger && fail "the circuit deploy succeeded"
jq -e --argjson n "$n" 'length == $n + 1 and ([.[-1].statuses[].state] == ["in_progress", "failure"])
	and ([.[$n - 1].statuses[].state] | index("inactive") | not)' <<<"$(deps)" >/dev/null ||
	{ cat "$T/out"; dbg; fail "the failed deploy's deployment"; }
pass "gh_deployments__failed_deploy_is_a_failure"

# Opt out; and a token without the permission: a warning naming it, the promotion stands.
skopeo copy -q --dest-tls-verify=false "oci:$T/img1" "docker://$R/app:dev"
n=$(deps | jq length)
gh; C promote --to qa --github-deployments=false || { cat "$T/out"; fail "promote with github-deployments false"; }
assert_eq "$(deps | jq length)" "$n" "github-deployments false: a deployment was created"
ctl fail -X POST -d '{"method":"POST","path":"/deployments$","status":403,"body":{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/deployments/deployments#create-a-deployment","status":"403"}}' >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$R/app:dev"
gh; C promote --to qa || { cat "$T/out"; fail "promote with a token without the permission"; }
assert_eq "$(digest_of "$R/app:qa")" "$(digest_of "$R/app:dev")" "the promotion stands"
assert_contains "$(grep '::warning' "$T/out")" "permissions: deployments: write" "the warning names the permission"
no_token "403"
# Outside Actions (a terminal): nothing is sent.
n=$(deps | jq length)
(unset GITHUB_ACTIONS; export GITHUB_REPOSITORY=octo/app GITHUB_SHA=$SHA GITHUB_API_URL=$API GITHUB_TOKEN=$TOK
	"$CONVOY" rollback --stage qa --pipeline-file "$T/convoy.yml" >"$T/out" 2>&1) || { cat "$T/out"; fail "rollback in a terminal"; }
assert_eq "$(deps | jq length)" "$n" "a terminal run created a deployment"
pass "gh_deployments__opt_out_and_missing_permission_never_fail"

v=$(ctl violations)
assert_eq "$v" "[]" "requests that do not match the GitHub API description"
pass "gh_deployments__every_request_matches_the_openapi_description"
