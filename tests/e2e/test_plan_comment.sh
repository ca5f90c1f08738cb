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
	# ENVX: extra VAR=value words for env (GITHUB_TOKEN=..., -u GITHUB_ACTIONS for a terminal)
	set +e; env -u GITHUB_TOKEN -u GH_TOKEN ${ENVX:-} "INPUT_GITHUB-TOKEN=${TK-$TOK}" "$CONVOY" plan-comment "$@" \
		>"$T/log" 2>&1 </dev/null; rc=$?; set -e
	# ::add-mask:: is consumed by the runner (it is how the secret gets masked); nothing else may show it
	! grep -q "$TOK" <<<"$(grep -v '^::add-mask::' "$T/log" "$GITHUB_OUTPUT" "$GITHUB_STEP_SUMMARY")" || fail "token printed: $(cat "$T/log")"
	! grep -q "Sanitizer\|runtime error:" "$T/log" || fail "sanitizer report: $(cat "$T/log")"
}
ok() { run "$@"; [ "$rc" = 0 ] || fail "plan-comment $*: rc $rc: $(cat "$T/log")"; }
# exit 2 for a usage error (E_USAGE), 1 for a failure at run time (main.c's exit_status)
bad() { local want=$1; shift; run "$@"; [ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "want exit 1 or 2 for $*: rc $rc: $(cat "$T/log")"
	grep -q "^::error::.*$want" "$T/log" || fail "no ::error:: naming '$want': $(cat "$T/log")"; }
# A bad argument exits as convoy's own usage errors do (an unknown option), whatever main.c maps
# E_USAGE to, and never reaches the API.
set +e; "$CONVOY" plan-comment --no-such-option >/dev/null 2>&1; USAGE_RC=$?; set -e
[ "$USAGE_RC" != 0 ] || fail "an unknown option succeeded"
# outs NAME...: the values of several outputs, space-separated (one python start, not one each)
outs() { python3 - "$GITHUB_OUTPUT" "$@" <<'PY'
import sys
raw, out, i = open(sys.argv[1], encoding="utf-8").read().split("\n"), {}, 0
while i < len(raw):
    if "<<" in raw[i]:
        n, d = raw[i].split("<<", 1); j = raw.index(d, i + 1); out[n] = "\n".join(raw[i + 1:j]); i = j + 1
    else:
        i += 1
print(" ".join(out.get(n, "(unset)") for n in sys.argv[2:]))
PY
}
nreq() { ctl requests | jq_ 'v.length'; }
usage() { local want=$1 before; shift; before=$(nreq); run "$@"
	[ "$rc" = "$USAGE_RC" ] || fail "want the usage exit $USAGE_RC for $*: rc $rc: $(cat "$T/log")"
	grep -q "^::error::.*$want" "$T/log" || fail "no ::error:: naming '$want': $(cat "$T/log")"
	assert_eq "$(nreq)" "$before" "no API request for a bad argument ($*)"; }

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

TK= usage "github-token" --plan-file "$P1"
usage "input 'plan-file': $T/nope.txt: No such file or directory" --plan-file "$T/nope.txt"
: >"$T/empty.txt"; usage "empty" --plan-file "$T/empty.txt"
TK=wrong bad "401" --plan-file "$P1"
for s in 403 404 422; do
	ctl fail -X POST -H 'content-type: application/json' -d "{\"status\":$s,\"times\":1}" >/dev/null
	bad "$s" --plan-file "$P1" --name err$s
done
pass "clear errors: no token, plan missing/empty, 401/403/404/422, no PR"

# Arguments and the plan are checked before the token: without any token, each bad argument is
# reported for itself, not as a missing token.
TK= usage "input 'plan-file': $T/nope.txt: No such file or directory" --plan-file "$T/nope.txt"
TK= usage "input 'plan-file': the plan in $T/empty.txt is empty" --plan-file "$T/empty.txt"
TK= usage "input 'pr': expected a whole number" --plan-file "$P1" --pr seven
TK= usage "input 'recreate': expected true or false, got 'maybe'" --plan-file "$P1" --recreate=maybe
TK= usage "input 'fail-on-error': expected true or false" --plan-file "$P1" --fail-on-error=no
echo '{' >"$T/bad.json"; TK= usage "input 'plan-json'" --plan-file "$P1" --plan-json "$T/bad.json"
TK= usage "input 'plan-json': $T/nope.json" --plan-file "$P1" --plan-json "$T/nope.json"
pass "plan_comment__arguments_and_plan_checked_before_the_token"

# The missing-token message: the YAML under Actions, the flag and variables in a terminal.
TK= usage "github-token" --plan-file "$P1"
assert_contains "$(cat "$T/log")" '%0A  with:%0A    github-token: ${{ secrets.GITHUB_TOKEN }}%0A' "the YAML to add under Actions"
assert_contains "$(cat "$T/log")" 'pull-requests: write' "the permission to add under Actions"
ENVX="-u GITHUB_ACTIONS" TK= run --plan-file "$P1"
[ "$rc" = "$USAGE_RC" ] || fail "no token in a terminal: rc $rc: $(cat "$T/log")"
assert_contains "$(cat "$T/log")" "no GitHub token: give --github-token TOKEN, or set GITHUB_TOKEN or GH_TOKEN" "terminal message"
assert_not_contains "$(cat "$T/log")" 'secrets.GITHUB_TOKEN' "no YAML in a terminal"
pass "plan_comment__missing_token_message_fits_terminal_and_actions"

# The token from GITHUB_TOKEN or GH_TOKEN when no input gives one; the input wins; all masked.
for var in GITHUB_TOKEN GH_TOKEN; do
	ENVX="$var=$TOK" TK= ok --plan-file "$P1" --name "env-$var"
	grep -qxF "::add-mask::$TOK" "$T/log" || fail "$var token not masked: $(cat "$T/log")"
	[ -n "$(gh_output comment-id)" ] || fail "no comment with the token from $var"
done
ENVX="GITHUB_TOKEN=ghs_wrong_token_env GH_TOKEN=ghs_wrong_token_gh" ok --plan-file "$P1" --name env-GITHUB_TOKEN
ENVX="-u GITHUB_ACTIONS GH_TOKEN=$TOK" TK= ok --plan-file "$P1" --name env-GH_TOKEN
pass "plan_comment__token_from_flag_GITHUB_TOKEN_or_GH_TOKEN"

# A one-character token is not masked letter by letter: no ::add-mask::x, and the log's x's stay.
TK=x bad "401" --plan-file "$P1" --name xx-stack
! grep -q '^::add-mask::' "$T/log" || fail "a one-character token was masked: $(cat "$T/log")"
! grep -q '\*\*\*' "$T/log" || fail "letters of the log were masked: $(cat "$T/log")"
TK=abcd bad "401" --plan-file "$P1"
grep -qx '::add-mask::abcd' "$T/log" || fail "a four-character token was not masked: $(cat "$T/log")"
pass "plan_comment__short_token_not_masked_letter_by_letter"

# Every plan of tests/data/plans: add/change/destroy equal the file's own "Plan:" line (read here
# with the ANSI codes removed), import and forget too; replace, import, move, forget are outputs.
for f in "$PLANS"/*.txt; do
	b=$(basename "$f" .txt)
	ok --plan-file "$f" --name "counts-$b" --fail-on-error=false
	python3 - "$f" "$GITHUB_OUTPUT" <<'PY' || fail "$b: outputs differ from the plan's own Plan: line"
import re, sys
t = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", open(sys.argv[1], encoding="utf-8", errors="replace").read())
lines = t.splitlines()
plan = [l for l in lines if l.startswith("Plan: ")]
want = {k: "0" for k in ("add", "change", "destroy", "import", "forget")}
for n, k in re.findall(r"(\d+) to (add|change|destroy|import|forget)", plan[-1] if plan else ""):
    want[k] = n
want["failed"] = "true" if any(re.match(r"^(\S+ )?Error:", l) for l in lines) else "false"
out, raw, i = {}, open(sys.argv[2], encoding="utf-8").read().split("\n"), 0
while i < len(raw):
    if "<<" in raw[i]:
        n, d = raw[i].split("<<", 1); j = raw.index(d, i + 1); out[n] = "\n".join(raw[i + 1:j]); i = j + 1
    else:
        i += 1
got = {k: out.get(k) for k in want}
bad = [k for k in ("replace", "move") if not re.fullmatch(r"\d+", out.get(k, ""))]
if got != want or bad:
    sys.exit("%s (%s): want %s, got %s%s" % (sys.argv[1], "Plan line" if plan else "no Plan line", want, got,
                                            ", missing " + " ".join(bad) if bad else ""))
PY
	[ "$b" != tfcmt_04_replace_and_update_in_place_tf1x ] || assert_outputs_in_action_yml "$GITHUB_OUTPUT"
done
R7=tfcmt_07_import_moved_replace_create_tf1x
ok --plan-file "$PLANS/$R7.txt" --name "counts-$R7"
assert_eq "$(outs add change destroy replace import move forget)" "2 2 1 1 1 3 0" "$R7: counts, replace/import/move of their own"
assert_contains "$(comments | jq_ "v.find(c=>c.body.includes('convoy:plan:counts-$R7')).body")" \
	'2 to add, 2 to change, **1 to destroy** (**1 to replace**, counted in add and destroy), 1 to import, 3 moved' "$R7: result line"
pass "plan_comment__counts_equal_terraforms_plan_line_for_every_plan"

# A failed plan: the comment is written, then the step fails (outputs still written);
# fail-on-error: false lets it pass.
FP="$PLANS/dflook_13_error_tf012.txt"
before=$(comments | jq_ 'v.filter(c=>c.body.includes("convoy:plan:broken")).length')
run --plan-file "$FP" --name broken
[ "$rc" = 1 ] || fail "a failed plan: want exit 1, rc $rc: $(cat "$T/log")"
grep -q "^::error::.*the plan of 'broken' failed: Incorrect attribute value type; the comment shows it: http.*(fail-on-error: false lets the step pass)$" "$T/log" ||
	fail "failed plan message: $(cat "$T/log")"
assert_eq "$before $(comments | jq_ 'v.filter(c=>c.body.includes("convoy:plan:broken") && c.body.includes("Plan failed")).length')" "0 1" "the comment is written before the step fails"
[[ "$(outs failed comment-id)" =~ ^true\ [0-9]+$ ]] || fail "outputs of a failed plan: $(outs failed comment-id)"
ENVX="INPUT_FAIL-ON-ERROR=false" ok --plan-file "$FP" --name broken
assert_eq "$(gh_output failed)" "true" "failed output with fail-on-error: false"
ok --plan-file "$FP" --name broken --no-fail-on-error
pass "plan_comment__failed_plan_fails_the_step_after_the_comment"

v=$(ctl violations); assert_eq "$v" "[]" "OpenAPI violations"
pass "zero OpenAPI violations"
