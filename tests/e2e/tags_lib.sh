# tags_lib.sh: helpers shared by the test_tags*.sh end-to-end tests (sourced after lib.sh).
EXAMPLES="$CONVOY_SRC/node_modules/@octokit/webhooks-examples/api.github.com/index.json"
[ -f "$EXAMPLES" ] || fail "webhook examples missing: run npm ci (need @octokit/webhooks-examples)"
need node
need python3

# payload EVENT INDEX OUT: writes a real example payload of EVENT to OUT.
payload() {
	node -e '
const d = require(process.argv[1]);
const e = d.find(x => x.name === process.argv[2]);
if (!e) { console.error("no examples for " + process.argv[2]); process.exit(1); }
require("fs").writeFileSync(process.argv[4], JSON.stringify(e.examples[+process.argv[3]]));
' "$EXAMPLES" "$1" "$2" "$3"
}

# gh_env EVENT PAYLOAD REF SHA: a runner environment for one event (no git repository).
gh_env() {
	actions_env
	mkdir -p "$T/ws"
	export GITHUB_EVENT_NAME="$1" GITHUB_EVENT_PATH="$2" GITHUB_REF="$3" GITHUB_SHA="$4" \
		GITHUB_REPOSITORY=Codertocat/Hello-World GITHUB_RUN_NUMBER=42 GITHUB_RUN_ID=9001 \
		GITHUB_RUN_ATTEMPT=2 GITHUB_WORKSPACE="$T/ws" GITHUB_SERVER_URL=https://github.com \
		SOURCE_DATE_EPOCH=1578616200
	unset INPUT_TAGS INPUT_IMAGES INPUT_FLAVOR INPUT_LABELS INPUT_ANNOTATIONS INPUT_CONTEXT \
		INPUT_GITHUB-TOKEN 2>/dev/null || true
}

# tags_ok [NAME=VALUE...] [ARGS...]: runs convoy tags, which must succeed; log in $T/log.
# Leading NAME=VALUE words go to the environment (bash cannot export INPUT_SEP-TAGS).
tags_ok() {
	local envs=()
	while [ $# -gt 0 ] && [[ "$1" == *=* ]] && [[ "$1" != -* ]]; do envs+=("$1"); shift; done
	env "${envs[@]}" "$CONVOY" tags "$@" >"$T/log" 2>&1 || { cat "$T/log" >&2; fail "convoy tags failed"; }
}

# json_get EXPR: evaluates a Python expression over the parsed `json` output (bound to j).
json_get() {
	gh_output json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
