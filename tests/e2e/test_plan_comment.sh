#!/usr/bin/env bash
# convoy plan-comment against tests/e2e/tools/github_api.js: a stateful local GitHub API that
# validates every request against @octokit/openapi. Sticky create/update, stacks, pagination,
# recreate, skip-unchanged, push lookup, injection, errors, no violations, token never printed.
source "$(dirname "$0")/lib.sh"
need node
[ -f "$CONVOY_SRC/node_modules/@octokit/openapi/generated/api.github.com.json" ] || fail "node_modules/@octokit/openapi missing (run npm ci)"
EX="$CONVOY_SRC/node_modules/@octokit/webhooks-examples/api.github.com/index.json"
[ -f "$EX" ] || fail "node_modules/@octokit/webhooks-examples missing (run npm ci)"
TOK=ghs_secret_plan2_token
port=$(free_port)
node "$CONVOY_SRC/tests/e2e/tools/github_api.js" --port "$port" --token "$TOK" >"$T/api.log" 2>&1 & pid=$!
at_exit "kill $pid"
wait_port "$port" "$pid"
API="http://127.0.0.1:$port"
node -e 'const d=require(process.argv[1]);const e=d.find(x=>x.name==="pull_request").examples.find(x=>x.action==="opened");require("fs").writeFileSync(process.argv[2],JSON.stringify(e))' "$EX" "$T/pr.json"
REPO=$(node -e 'console.log(require(process.argv[1]).repository.full_name)' "$T/pr.json")
PRN=$(node -e 'console.log(require(process.argv[1]).number)' "$T/pr.json")
PLANS="$CONVOY_SRC/tests/data/plans"
P1=$(ls "$PLANS"/dflook_10_* | head -1); P2=$(ls "$PLANS"/dflook_12_* | head -1)
ctl() { curl -sf "$API/__control/$1" "${@:2}"; }
comments() { ctl "comments?repo=$REPO&issue=$PRN"; }
jq_() { node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{const v=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"; }
run() { # run EVENT [args...]: env for a pull_request run; stdout+stderr in $T/log, rc in $rc
	actions_env
	export GITHUB_EVENT_NAME="${EV:-pull_request}" GITHUB_EVENT_PATH="${EVP:-$T/pr.json}" GITHUB_API_URL="$API" \
		GITHUB_REPOSITORY="$REPO" GITHUB_SHA="${SHA:-0123456789abcdef0123456789abcdef01234567}" \
		GITHUB_SERVER_URL=https://github.com GITHUB_RUN_ID=42
	set +e; env "INPUT_GITHUB-TOKEN=${TK-$TOK}" "$CONVOY" plan-comment "$@" >"$T/log" 2>&1; rc=$?; set -e
	# ::add-mask:: is consumed by the runner (it is how the secret gets masked); nothing else may show it
	! grep -v '^::add-mask::' "$T/log" "$GITHUB_OUTPUT" "$GITHUB_STEP_SUMMARY" | grep -q "$TOK" || fail "token printed: $(cat "$T/log")"
	! grep -q "Sanitizer\|runtime error:" "$T/log" || fail "sanitizer report: $(cat "$T/log")"
}
ok() { run "$@"; [ "$rc" = 0 ] || fail "plan-comment $*: rc $rc: $(cat "$T/log")"; }
# exit 2 for a usage error (E_USAGE), 1 for a failure at run time (main.c's exit_status)
bad() { local want=$1; shift; run "$@"; [ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "want exit 1 or 2 for $*: rc $rc: $(cat "$T/log")"
	grep -q "^::error::.*$want" "$T/log" || fail "no ::error:: naming '$want': $(cat "$T/log")"; }

ok --plan-file "$P1" --name app
id1=$(gh_output comment-id); [ -n "$id1" ] || fail "no comment-id"
assert_eq "$(comments | jq_ 'v.length')" 1 "first run creates"
assert_contains "$(comments | jq_ 'v[0].body')" '<!-- convoy:plan:app -->' "marker"
pass "first run creates comment $id1"

ok --plan-file "$P2" --name app
assert_eq "$(gh_output comment-id)" "$id1" "second run updates the same comment"
assert_eq "$(comments | jq_ 'v.length')" 1 "still one comment"
b2=$(comments | jq_ 'v[0].id+" "+v[0].body.includes("replace")'); assert_eq "$b2" "$id1 true" "body updated"
pass "second run updates the same comment"

ok --plan-file "$P1" --name db
id2=$(gh_output comment-id); [ "$id2" != "$id1" ] || fail "second stack reused comment"
assert_eq "$(comments | jq_ 'v.length')" 2 "second stack gets its own comment"
pass "second stack has its own comment"

ok --plan-file "$P1" --name db --skip-unchanged
assert_eq "$(gh_output comment-id)" "$id2" "skip-unchanged keeps id"
n=$(ctl requests | jq_ 'v.filter(r=>r.method==="PATCH"||r.method==="POST").length')
ok --plan-file "$P1" --name db --skip-unchanged
assert_eq "$(ctl requests | jq_ 'v.filter(r=>r.method==="PATCH"||r.method==="POST").length')" "$n" "skip-unchanged writes nothing"
pass "skip-unchanged"

ctl seed -X POST -H 'content-type: application/json' -d "{\"repo\":\"$REPO\",\"issue\":$PRN,\"count\":150}" >/dev/null
ok --plan-file "$P2" --name app
assert_eq "$(gh_output comment-id)" "$id1" "found on page 1 among 150+"
ok --plan-file "$P2" --name app --recreate
id3=$(gh_output comment-id); [ "$id3" != "$id1" ] || fail "recreate kept id"
assert_eq "$(comments | jq_ 'v.length+" "+v[v.length-1].id+" "+v.filter(c=>c.body.includes("convoy:plan:app")).length')" "152 $id3 1" "recreate moves to bottom"
ok --plan-file "$P2" --name app
assert_eq "$(gh_output comment-id)" "$id3" "found on the last page (Link pagination)"
assert_contains "$(ctl requests | jq_ 'v.map(r=>r.path).join(" ")')" "page=2" "paginated"
pass "pagination over 150+ comments, recreate"

SHA=aaaabbbbccccddddeeeeffff0000111122223333
ctl pulls -X POST -H 'content-type: application/json' -d "{\"repo\":\"$REPO\",\"sha\":\"$SHA\",\"pulls\":[{\"number\":77}]}" >/dev/null
echo '{"ref":"refs/heads/main"}' >"$T/push.json"
EV=push EVP="$T/push.json" SHA=$SHA ok --plan-file "$P1" --name app
assert_eq "$(ctl "comments?repo=$REPO&issue=77" | jq_ 'v.length')" 1 "push finds PR via commits/{sha}/pulls"
EV=push EVP="$T/push.json" SHA=bbbbbbbbccccddddeeeeffff0000111122223333 bad "pull request" --plan-file "$P1"
pass "push: PR from commits/{sha}/pulls; none found is an error"

INJ="$PLANS/convoy_20_injection.txt"
ok --plan-file "$INJ" --name inj
python3 - "$T/log" <<'PY' || fail "workflow command injection: $(cat "$T/log")"
import sys, re
lines = open(sys.argv[1]).read().split("\n"); stop = None
for l in lines:
    if stop is None:
        m = re.match(r"^::stop-commands::(.+)$", l)
        if m: stop = m.group(1); continue
        if l.startswith(("::error", "::set-output", "::add-mask::nothing")): sys.exit("injected outside stop-commands: " + l)
    elif l == "::%s::" % stop: stop = None
if stop is not None: sys.exit("stop-commands never resumed")
PY
grep -q '^::stop-commands::' "$T/log" || fail "plan echoed without ::stop-commands::"
pass "plan text cannot inject workflow commands"

TK= bad "github-token" --plan-file "$P1"
bad "plan-file" --plan-file "$T/nope.txt"
: >"$T/empty.txt"; bad "empty" --plan-file "$T/empty.txt"
TK=wrong bad "401" --plan-file "$P1"
for s in 403 404 422; do
	ctl fail -X POST -H 'content-type: application/json' -d "{\"status\":$s,\"times\":1}" >/dev/null
	bad "$s" --plan-file "$P1" --name err$s
done
pass "clear errors: no token, plan missing/empty, 401/403/404/422, no PR"

v=$(ctl violations); assert_eq "$v" "[]" "OpenAPI violations"
pass "zero OpenAPI violations"
