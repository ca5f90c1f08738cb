# lib.sh: shared helpers for the end-to-end tests (sourced). Each test gets a temp directory
# that is removed on exit, and fails loudly: a missing binary or server is a failure, not a skip.
set -euo pipefail

: "${CONVOY:?CONVOY must point at the built binary (run through ctest)}"
: "${CONVOY_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export CONVOY CONVOY_SRC
# The AWS credential chain ends at EC2 instance metadata (169.254.169.254): no test may reach a
# link-local address. test_aws_creds.sh points it at its stand-in on loopback instead.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_EC2_METADATA_SERVICE_ENDPOINT AWS_CONTAINER_CREDENTIALS_FULL_URI \
	AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE

T=$(mktemp -d /tmp/convoy-e2e.XXXXXX)
_cleanup_fns=()
_on_exit() {
	local rc=$?
	for fn in "${_cleanup_fns[@]}"; do eval "$fn" >/dev/null 2>&1 || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	exit $rc
}
trap _on_exit EXIT
# at_exit 'kill 123': run at the end of the test, even on failure.
at_exit() { _cleanup_fns+=("$1"); }

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok   $*"; }
need() { command -v "$1" >/dev/null 2>&1 || fail "required program '$1' is not installed"; }

# free_port: prints a free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [PID]: waits until something listens on 127.0.0.1:PORT (fails after ~20 s or
# when PID dies). Polls for readiness; never used for timing.
wait_port() {
	local port=$1 pid=${2:-} i
	for i in $(seq 1 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then fail "server (pid $pid) died before listening on $port"; fi
		sleep 0.1
	done
	fail "nothing listens on 127.0.0.1:$port"
}

# actions_env: a clean GitHub Actions environment in the current shell (files under $T/gh).
actions_env() {
	local name _
	mkdir -p "$T/gh"
	: >"$T/gh/output"; : >"$T/gh/summary"; : >"$T/gh/env"
	while IFS='=' read -r name _; do
		case "$name" in GITHUB_*|INPUT_*|RUNNER_*|DOCKER_METADATA_*) unset "$name" ;; esac
	done < <(env)
	export GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh/output" GITHUB_STEP_SUMMARY="$T/gh/summary" \
		GITHUB_ENV="$T/gh/env"
}

# gh_output NAME [FILE]: prints the value of a heredoc-form output from GITHUB_OUTPUT.
gh_output() {
	python3 - "$1" "${2:-$GITHUB_OUTPUT}" <<'PY'
import sys
name, path = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().split("\n")
i, found = 0, None
while i < len(lines):
    line = lines[i]
    if "<<" in line:
        n, d = line.split("<<", 1)
        j = lines.index(d, i + 1)
        if n == name:
            found = "\n".join(lines[i + 1:j])
        i = j + 1
    elif "=" in line:
        n, v = line.split("=", 1)
        if n == name:
            found = v
        i += 1
    else:
        i += 1
if found is None:
    sys.exit("output %s not found in %s" % (name, path))
print(found)
PY
}

# assert_eq GOT WANT MESSAGE
assert_eq() { [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"; }
# assert_contains HAYSTACK NEEDLE MESSAGE
assert_contains() { case "$1" in *"$2"*) ;; *) fail "$3: '$2' not in: $1" ;; esac; }
assert_not_contains() { case "$1" in *"$2"*) fail "$3: '$2' found in: $1" ;; esac; }

# assert_outputs_in_action_yml FILE: every output name in FILE (GITHUB_OUTPUT) is declared in
# action.yml's outputs, so a workflow using the action can read it.
assert_outputs_in_action_yml() {
	python3 - "$1" "$CONVOY_SRC/action.yml" <<'PY' || fail "outputs not declared in action.yml"
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
names, i = [], 0
while i < len(lines):
    l = lines[i]
    if "<<" in l:
        n, d = l.split("<<", 1); names.append(n); i = lines.index(d, i + 1) + 1
    else:
        if "=" in l: names.append(l.split("=", 1)[0])
        i += 1
act = open(sys.argv[2]).read()
declared = set(re.findall(r"^  ([a-z][a-z0-9-]*):\s*$", act[act.index("\noutputs:"):act.index("\nruns:")], re.M))
missing = sorted(set(names) - declared)
if missing: sys.exit("outputs written but not in action.yml: " + " ".join(missing))
if not names: sys.exit("no outputs in " + sys.argv[1])
PY
}
