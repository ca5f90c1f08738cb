#!/usr/bin/env bash
# Drop-in for docker/metadata-action (issue 16): a workflow step that only swaps
# `uses: docker/metadata-action@v5` for convoy's `uses:` line, with metadata-action's inputs and
# no `command:`, runs `tags`, and its four bake-file* outputs name files in RUNNER_TEMP that
# hold metadata-action's bake definitions (src/meta.ts getBakeFile / getBakeFileTagsLabels,
# v5 at dc80280): {"target": {"<bake-target>": {...}}} as JSON.stringify(def, null, 2) writes
# it, checked with node's own JSON.stringify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tags_lib.sh"

payload push 4 "$T/push.json"
SHA=6113728f27ae82c7b1a177c8d03f9e96e0adf246
mkdir -p "$T/action/dist" "$T/runner-temp"
ln -s "$CONVOY" "$T/action/dist/convoy-linux-x86_64"

# step WITH_JSON: runs action.yml's step as the runner does for `with:` WITH_JSON: every input
# mapped into env as the step's env block says, unset inputs at their action.yml default
# (`${{ github.token }}` left empty: no API call here).
step() {
	python3 - "$CONVOY_SRC/action.yml" "$1" >"$T/step.env" <<'PY'
import json, re, sys
act = open(sys.argv[1]).read().splitlines()
given = json.loads(sys.argv[2])
section, cur, defaults, env = None, None, {}, {}
for line in act:
    if re.match(r"^(inputs|outputs|runs):", line):
        section = line.split(":")[0]; continue
    m = re.match(r"^  ([a-z][a-z0-9-]*):\s*$", line)
    if m and section == "inputs": cur = m.group(1); continue
    m = re.match(r"^    default: '(.*)'$", line)
    if m and section == "inputs" and "${{" not in m.group(1): defaults[cur] = m.group(1)
    m = re.match(r"^        (INPUT_[A-Z0-9_-]+): \$\{\{ inputs\.([a-z0-9-]+) \}\}$", line)
    if m: env[m.group(1)] = given.get(m.group(2), defaults.get(m.group(2), ""))
for k, v in env.items(): print("%s=%s" % (k, json.dumps(v)))
PY
	local run
	run=$(python3 -c '
s = open("'"$CONVOY_SRC"'/action.yml").read()
print(s[s.index("      run: |") + len("      run: |") + 1:].replace("\n        ", "\n").strip())')
	python3 - "$T/step.env" "$run" >"$T/log" 2>&1 <<'PY' || { cat "$T/log" >&2; fail "the step failed"; }
import json, os, subprocess, sys
env = dict(os.environ)
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("=", 1)
    env[k] = json.loads(v)
sys.exit(subprocess.run(["bash", "-c", sys.argv[2]], env=env).returncode)
PY
}

runner() {
	gh_env push "$T/push.json" refs/heads/master $SHA
	export RUNNER_OS=Linux RUNNER_ARCH=X64 GITHUB_ACTION_PATH="$T/action" RUNNER_TEMP="$T/runner-temp"
}
runner
step '{"images": "ghcr.io/Codertocat/Hello-World\nuser/app", "tags": "type=ref,event=branch\ntype=sha"}'
assert_contains "$(gh_output tags)" "ghcr.io/codertocat/hello-world:master" "tags without command:"
assert_contains "$(gh_output tags)" "user/app:sha-6113728" "tags without command:"
pass "dropin__no_command_runs_tags"

# bake FILE-OUTPUT NAME: the file exists under RUNNER_TEMP, is what JSON.stringify(., null, 2)
# writes (byte for byte), and equals the definition built from the step's other outputs.
bake() {
	local out=$1 kind=$2 target=${3:-docker-metadata-action} path
	path=$(gh_output "$out")
	case "$path" in "$RUNNER_TEMP"/docker-actions-toolkit-*/*) ;; *) fail "$out: $path is not in RUNNER_TEMP" ;; esac
	[ "$(basename "$path")" = "docker-metadata-action-bake${kind:+-$kind}.json" ] || fail "$out: file name $path"
	gh_output tags >"$T/o.tags"; gh_output labels >"$T/o.labels"; gh_output annotations >"$T/o.ann"
	gh_output version >"$T/o.version"
	node - "$path" "$kind" "$target" "$T" <<'JS' || fail "$out: bake definition differs"
const fs = require("fs");
const [path, kind, target, dir] = process.argv.slice(2);
const text = fs.readFileSync(path, "utf8");
const lines = f => fs.readFileSync(dir + "/" + f, "utf8").replace(/\n$/, "").split("\n").filter(x => x);
const tags = lines("o.tags"), version = lines("o.version")[0];
const labels = lines("o.labels").reduce((res, l) => { const m = l.match(/([^=]*)=(.*)/); if (m) res[m[1]] = m[2]; return res; }, {});
const images = [...new Set(tags.map(t => t.slice(0, t.lastIndexOf(":"))))];
const args = { DOCKER_META_IMAGES: images.join(","), DOCKER_META_VERSION: version };
let def;
if (kind === "tags") def = { tags, args };
else if (kind === "labels") def = { labels };
else if (kind === "annotations") def = { annotations: lines("o.ann") };
else def = { tags, labels, args };
const want = JSON.stringify({ target: { [target]: def } }, null, 2);
if (text !== want) { console.error("got:\n" + text + "\nwant:\n" + want); process.exit(1); }
JS
}
bake bake-file-tags tags
bake bake-file-labels labels
bake bake-file-annotations annotations
bake bake-file ""
assert_contains "$(cat "$GITHUB_ENV")" "DOCKER_METADATA_OUTPUT_BAKE_FILE_TAGS<<" "bake-file-tags exported as metadata-action does"
pass "dropin__bake_files_are_metadata_actions_definitions"

runner
step '{"images": "user/app", "tags": "type=raw,value=v1", "bake-target": "meta-helper", "command": "tags"}'
bake bake-file "" meta-helper
bake bake-file-annotations annotations meta-helper
pass "dropin__bake_target_names_the_target"
