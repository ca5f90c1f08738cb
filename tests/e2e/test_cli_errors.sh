#!/usr/bin/env bash
# The newcomer at the terminal (issue 16): one table of command lines, each with the exit code
# it must end with (2: usage error, 1: failure at run time, 0: success) and a fragment its
# stderr must contain. Rows run outside GitHub Actions, in a scratch directory; rows marked
# "git" run in a fresh git repository, the others where there is none.
source "$(dirname "$0")/lib.sh"

actions_env
unset GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_ENV
export SOURCE_DATE_EPOCH=1700000000 CONVOY_HTTP_BACKOFF_MS=1 CONVOY_HTTP_BACKOFF_MAX_MS=1
mkdir -p "$T/nogit" "$T/git"
git -C "$T/git" init -q -b main
git -C "$T/git" -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m one

# no doubled prefix: no "X: X" of the same words anywhere in the last stderr
no_double() {
	python3 - "$T/err" <<'PY' || fail "doubled prefix: $(cat "$T/err")"
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"((?:[\w'.:/-]+ ){1,3}[\w'.:/-]+): \1", t)
sys.exit(1 if m else 0)
PY
}

# row WHERE CODE FRAGMENT -- ARGS...: runs convoy ARGS in $T/WHERE; checks code and stderr.
rows=0
row() {
	local where=$1 want=$2 frag=$3 rc=0; shift 4
	(cd "$T/$where" && "$CONVOY" "$@") >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$want" ] || fail "convoy $*: exit $rc, want $want: $(cat "$T/err")"
	assert_contains "$(cat "$T/err")" "$frag" "convoy $*"
	no_double
	rows=$((rows + 1))
}

# --- usage errors exit 2 and suggest the nearest name ---
row nogit 2 "unknown command 'promot'; did you mean 'promote'?" -- promot --to qa
row nogit 2 "unknown command 'histroy'; did you mean 'history'?" -- histroy
row nogit 2 "unknown command 'xyzzy' (see 'convoy help')" -- xyzzy
row nogit 2 "unknown command 'deplyo'; did you mean 'deploy'?" -- help deplyo
row nogit 2 "unknown option '--imags' for 'tags'; did you mean '--images'?" -- tags --imags x
row nogit 2 "unknown option '--allow-skp' for 'promote'; did you mean '--allow-skip'?" -- promote --to qa --allow-skp
row nogit 2 "unknown option '--colour' for 'push' (see 'convoy help push')" -- push --colour
row nogit 2 "--format: expected 'text' or 'json', got 'yaml'" -- tags --format yaml
row nogit 2 "input 'concurrency': expected a whole number from 1 to 32, got 'many'" -- push --source x --tag-list 127.0.0.1:1/a:b --concurrency many
row nogit 2 "input 'dry-run': expected true or false, got 'maybe'" -- promote --to qa --dry-run=maybe
row nogit 2 "option '--images' needs a value" -- tags --images
row nogit 2 "input 'source' is required" -- push --tag-list 127.0.0.1:1/a:b
row nogit 2 "unexpected argument 'false' after the switch '--allow-skip'" -- promote --to qa --allow-skip false
pass "usage errors exit 2 and name the nearest command or option"

# --- failures at run time exit 1; no message names its context twice ---
port=$(free_port) # nothing listens there
python3 "$CONVOY_SRC/tests/e2e/tools/mkimage.py" "$T/image" >/dev/null
row nogit 1 "convoy push: registry 127.0.0.1:$port is not reachable: " -- push --source "$T/image" --tag-list "127.0.0.1:$port/app:x"
row nogit 1 "convoy promote: 127.0.0.1:$port/app: " -- promote --to qa --stages "dev=127.0.0.1:$port/app:dev; qa=127.0.0.1:$port/app:qa"
row nogit 2 "convoy push: input 'source': $T/missing does not exist" -- push --source "$T/missing" --tag-list 127.0.0.1:1/a:b
pass "failures at run time exit 1, one prefix each"

# --- promote: unknown stages list the ones there are and name the file; --stages is checked ---
mkdir -p "$T/git/.github"
cat >"$T/git/.github/convoy.yml" <<'YML'
stages:
  - {name: dev, repository: 127.0.0.1:1/app, tags: [dev]}
  - {name: qa, repository: 127.0.0.1:1/app, tags: [qa]}
  - {name: prod, repository: 127.0.0.1:1/app, tags: [prod]}
YML
row git 2 "input 'to': no stage 'staging' in .github/convoy.yml (its stages: dev, qa, prod)" -- promote --to staging
row git 2 "input 'to': no stage 'prd' in .github/convoy.yml; did you mean 'prod'? (its stages: dev, qa, prod)" -- promote --to prd
row git 2 "input 'from': no stage 'def' in .github/convoy.yml; did you mean 'dev'?" -- promote --to prod --from def
row git 2 "input 'stage': no stage 'qa2' in .github/convoy.yml; did you mean 'qa'?" -- history --stage qa2
row git 2 "input 'stage': no stage 'stage' in .github/convoy.yml" -- rollback --stage stage
row nogit 2 "input 'to': no stage 'prod' in --stages (its stages: dev, qa)" -- promote --to prod --stages "dev=127.0.0.1:1/app:dev; qa=127.0.0.1:1/app:qa"
row nogit 2 "stage 'dev': 'qa=127.0.0.1:1/app:qa' looks like another stage: separate stages with ';'" -- promote --to qa --stages "dev=127.0.0.1:1/app:dev qa=127.0.0.1:1/app:qa"
row nogit 2 "stage 'dev': '127.0.0.1:1/app:dev,qa=127.0.0.1:1/app:qa' looks like another stage" -- promote --to qa --stages "dev=127.0.0.1:1/app:dev,qa=127.0.0.1:1/app:qa"
row nogit 2 "input 'stages': entry 'qa' is not name=repository:tags" -- promote --to qa --stages "dev=127.0.0.1:1/app:dev; qa"
row nogit 2 "input 'stages': no stage (expected e.g." -- promote --to qa --stages " ; ;"
row nogit 2 "input 'stages': duplicate stage 'dev'" -- promote --to qa --stages "dev=127.0.0.1:1/app:dev; dev=127.0.0.1:1/app:qa"
pass "unknown stages name the file and the stages; a malformed --stages is an error"

# --- push: upper-case names refused the same way by --images and --tag-list; no tag means
# :latest, as docker push reads it; only raw tags need no git repository ---
source "$CONVOY_SRC/tests/e2e/lib_registry.sh"
start_registry A
R=127.0.0.1:$A_PORT
row nogit 2 "input 'tag-list': image reference '$R/App:x': repository names are lower-case: write 'app' for 'App'" -- push --source "$T/image" --tag-list "$R/App:x"
row nogit 2 "input 'images': '$R/Team/App': repository names are lower-case: write '$R/team/app'" -- push --source "$T/image" --images "$R/Team/App" --tags type=raw,value=x
row nogit 2 "input 'tag-list': '$R/app@sha256:$(printf '0%.0s' $(seq 64))' names a digest: push writes tags, so give repo:tag" -- push --source "$T/image" --tag-list "$R/app@sha256:$(printf '0%.0s' $(seq 64))"
[ -z "$(requests_since 0 | grep -v '/v2/ ' | grep -E '"(PUT|POST|PATCH) ')" ] || fail "a refused push wrote to the registry"
row nogit 0 "" -- push --source "$T/image" --tag-list "$R/app"
[ -n "$(digest_of "$R/app:latest")" ] || fail "push of '$R/app' did not write app:latest"
assert_contains "$(cat "$T/out")" "$R/app:latest" "the tags output names :latest"
row nogit 0 "" -- push --source "$T/image" --images "$R/raw" --tags $'type=raw,value=1.2\ntype=raw,value=stable'
[ "$(digest_of "$R/raw:1.2")" = "$(digest_of "$R/raw:stable")" ] && [ -n "$(digest_of "$R/raw:1.2")" ] || fail "raw tags outside git were not pushed"
row nogit 1 "input 'context': git: no git repository" -- push --source "$T/image" --images "$R/raw" --tags 'type=raw,value={{branch}}'
pass "push: lower-case names, :latest by default, raw tags without git"

# --- tags prints its result once (stdout), and --format json gives JSON values ---
row git 0 "" -- tags --images user/app --tags type=raw,value=v1
assert_contains "$(cat "$T/out")" "user/app:v1" "tags on stdout"
assert_not_contains "$(cat "$T/err")" "user/app:v1" "tags printed a second time on stderr"
assert_not_contains "$(cat "$T/err")" "org.opencontainers.image" "labels printed a second time on stderr"
row git 0 "" -- tags --images user/app --tags type=raw,value=v1 --format json
python3 - "$T/out" <<'PY' || fail "--format json: $(cat "$T/out")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["version"] == "v1", j
assert j["tags"] == ["user/app:v1"] and j["tag-names"] == ["v1"], j
assert j["labels"]["org.opencontainers.image.version"] == "v1", j["labels"]
assert "manifest:org.opencontainers.image.version=v1" in j["annotations"], j
assert j["json"]["tags"] == ["user/app:v1"] and isinstance(j["json"]["labels"], dict), j
PY
pass "tags prints once; --format json has arrays and objects, not JSON in strings"

# --- the tag language is checked whole before anything runs, whatever the event: a semver
# pattern is an error on a branch build, where it is never rendered; an unknown name renders
# empty (metadata-action's result) with a warning naming it and the nearest known name ---
row git 2 "input 'tags': entry 'type=semver,pattern={{version': expression '{{version': unclosed '{{'" -- tags --images user/app --tags 'type=semver,pattern={{version'
row git 2 "input 'flavor': entry 'suffix': expression '-{{sha': unclosed '{{'" -- tags --images user/app --flavor 'suffix=-{{sha'
row git 2 "input 'tags': entry 'type=raw,value=d-{{date}}': {{date}} needs a format" -- tags --images user/app --tags 'type=raw,value=d-{{date}}'
row git 0 "input 'tags': entry 'type=raw,value=x-{{brnch}}': '{{brnch}}' is not a name defined here and renders empty, as in metadata-action; did you mean '{{branch}}'?" -- tags --images user/app --tags 'type=raw,value=x-{{brnch}}'
assert_contains "$(cat "$T/out")" "user/app:x-" "an unknown name renders empty"
row git 0 "'{{mjor}}' is not a name defined here and renders empty, as in metadata-action; did you mean '{{major}}'?" -- tags --images user/app --tags 'type=semver,pattern={{mjor}}'
pass "the tag language is checked before anything runs; unknown names warn with the nearest"

echo "ok   $rows rows"
