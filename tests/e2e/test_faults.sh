#!/usr/bin/env bash
# push and promote under injected faults (tests/e2e/tools/faultproxy.py in front of the real registry,
# with Basic auth). Each case may end in exactly one of two ways: success with the right digest
# under the tag, or failure with a clear ::error:: and the tag exactly where it was. Faults that
# retries must absorb (5xx, 429, resets, truncation, stalls) are required to succeed; a wrong
# Docker-Content-Digest is required to fail; credentials must never follow a redirect to
# another host. Prints the matrix.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"

need htpasswd
htpasswd -Bbn ci 'Fault-Pa55-q1' >"$T/htpasswd"
start_registry UP "$T/htpasswd"

# A host that must never see the credentials (redirect target).
EVIL=$(free_port)
python3 - "$EVIL" "$T/evil.log" <<'PY' &
import http.server, sys
port, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def any(self):
        with open(log, "a") as f:
            f.write("%s %s auth=%s\n" % (self.command, self.path, self.headers.get("Authorization", "-")))
        self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = any
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
at_exit "kill $!"
wait_port "$EVIL"
: >"$T/evil.log"

PROXY=$(free_port)
echo '[]' >"$T/rules.json"
python3 "$CONVOY_SRC/tests/e2e/tools/faultproxy.py" "$PROXY" "http://127.0.0.1:$UP_PORT" "$T/rules.json" "$T/proxy.log" &
at_exit "kill $!"
wait_port "$PROXY"
R=127.0.0.1:$PROXY
U=127.0.0.1:$UP_PORT # skopeo checks the registry itself, never through the proxy
SKOPEO_CREDS=(--creds ci:Fault-Pa55-q1)

mkimage "$T/old" --layers 1 --seed 21
mkimage "$T/new" --layers 3 --seed 22

export CONVOY_HTTP_BACKOFF_MS=50 CONVOY_HTTP_LOW_SPEED_TIME=2 CONVOY_HTTP_RETRIES=3
CREDS=(--username ci --password 'Fault-Pa55-q1')

# case NAME EXPECT(success|failure|either) RULES_JSON
results=()
case_run() {
	local name=$1 expect=$2 rules=$3 repo="f-$1" before after out rc=0 outcome
	echo '[]' >"$T/rules.json"
	actions_env
	"$CONVOY" push "${CREDS[@]}" --source "$T/old" --tag-list "$R/$repo:stable" >/dev/null 2>&1 || fail "$name: seeding"
	before=$(digest_of "$U/$repo:stable" "${SKOPEO_CREDS[@]}")
	echo "$rules" >"$T/rules.json"
	actions_env
	"$CONVOY" push "${CREDS[@]}" --source "$T/new" --tag-list "$R/$repo:stable" --tag-list "$R/$repo:next" >"$T/out" 2>&1 || rc=$?
	echo '[]' >"$T/rules.json"
	after=$(digest_of "$U/$repo:stable" "${SKOPEO_CREDS[@]}")
	out=$(cat "$T/out")
	if [ "$rc" = 0 ]; then
		assert_eq "$after" "$(gh_output digest)" "$name: tag after success"
		assert_eq "$(digest_of "$U/$repo:next" "${SKOPEO_CREDS[@]}")" "$after" "$name: second tag after success"
		# every blob complete: skopeo copies the image to a dir: and checks each digest
		rm -rf "$T/copy"
		skopeo copy -q --src-tls-verify=false --src-creds ci:Fault-Pa55-q1 "docker://$U/$repo:stable" "dir:$T/copy" >"$T/copy.out" 2>&1 ||
			{ cat "$T/copy.out"; fail "$name: the pushed image is not complete"; }
		assert_contains "$(cat "$T/gh/summary")" "$after" "$name: the summary names the digest"
		outcome=success
	else
		assert_contains "$out" "::error::" "$name: failure without a clear error"
		assert_eq "$after" "$before" "$name: tag moved by a failed push"
		assert_eq "$(digest_of "$U/$repo:next" "${SKOPEO_CREDS[@]}")" "" "$name: new tag created by a failed push"
		assert_eq "$(cat "$GITHUB_OUTPUT")" "" "$name: outputs of a failed push"
		outcome=failure
	fi
	assert_not_contains "$(grep -v '^::add-mask::' "$T/out")" "Fault-Pa55-q1" "$name: password in output"
	if [ "$expect" != either ] && [ "$expect" != "$outcome" ]; then
		cat "$T/out"
		fail "$name: expected $expect, got $outcome"
	fi
	results+=("$(printf '| %-22s | push    | %-8s |' "$name" "$outcome")")
}

case_run http500_upload  success '[{"method":"POST","path":"/blobs/uploads/$","action":"status","status":500}]'
case_run http502_manifest success '[{"method":"PUT","path":"/manifests/sha256:","action":"status","status":502}]'
case_run http503_head    success '[{"method":"HEAD","path":"/blobs/","action":"status","status":503}]'
case_run http429_after   success '[{"method":"GET","path":"^/v2/$","action":"status","status":429,"headers":{"Retry-After":"1"}}]'
case_run http429_plain   success '[{"method":"PUT","path":"/blobs/uploads/","action":"status","status":429}]'
case_run reset_before    success '[{"method":"PUT","path":"/blobs/uploads/","action":"reset"}]'
case_run reset_mid_blob  success '[{"method":"PUT","path":"/blobs/uploads/","action":"reset_body"}]'
case_run truncated_body  success '[{"method":"GET","path":"^/v2/$","action":"truncate"}]'
case_run stall           success '[{"method":"PUT","path":"/manifests/sha256:","action":"stall","seconds":5}]'
case_run wrong_digest    failure '[{"method":"PUT","path":"/manifests/sha256:","action":"bad_digest","times":9}]'
case_run always_500      failure '[{"method":"PUT","path":"/manifests/sha256:","action":"status","status":500,"times":99}]'
case_run redirect_away   either  "[{\"method\":\"HEAD\",\"path\":\"/blobs/\",\"action\":\"redirect\",\"location\":\"http://localhost:$EVIL\",\"times\":99}]"

# promote under the same faults: qa must end at the promoted digest, or stay where it was.
promote_case() {
	local name=$1 expect=$2 rules=$3 repo="p-$1" before after rc=0 outcome want
	echo '[]' >"$T/rules.json"
	actions_env
	"$CONVOY" push "${CREDS[@]}" --source "$T/old" --tag-list "$R/$repo:qa" >/dev/null 2>&1 || fail "$name: seeding qa"
	"$CONVOY" push "${CREDS[@]}" --source "$T/new" --tag-list "$R/$repo:dev" >/dev/null 2>&1 || fail "$name: seeding dev"
	want=$(digest_of "$U/$repo:dev" "${SKOPEO_CREDS[@]}")
	before=$(digest_of "$U/$repo:qa" "${SKOPEO_CREDS[@]}")
	echo "$rules" >"$T/rules.json"
	actions_env
	"$CONVOY" promote "${CREDS[@]}" --stages "dev=$R/$repo:dev; qa=$R/$repo:qa" --to qa >"$T/out" 2>&1 || rc=$?
	echo '[]' >"$T/rules.json"
	after=$(digest_of "$U/$repo:qa" "${SKOPEO_CREDS[@]}")
	if [ "$rc" = 0 ]; then
		assert_eq "$after" "$want" "$name: qa after a successful promotion"
		outcome=success
	else
		assert_contains "$(cat "$T/out")" "::error::" "$name: failure without a clear error"
		assert_eq "$after" "$before" "$name: qa moved by a failed promotion"
		outcome=failure
	fi
	assert_not_contains "$(grep -v '^::add-mask::' "$T/out")" "Fault-Pa55-q1" "$name: password in output"
	if [ "$expect" != either ] && [ "$expect" != "$outcome" ]; then
		cat "$T/out"
		fail "promote $name: expected $expect, got $outcome"
	fi
	results+=("$(printf '| %-22s | promote | %-8s |' "$name" "$outcome")")
}

promote_case http500_mount   success '[{"method":"POST","path":"mount=","action":"status","status":500}]'
promote_case http503_get     success '[{"method":"GET","path":"/manifests/","action":"status","status":503}]'
promote_case http429_after   success '[{"method":"PUT","path":"/manifests/qa$","action":"status","status":429,"headers":{"Retry-After":"1"}}]'
promote_case reset_before    success '[{"method":"PUT","path":"/manifests/","action":"reset"}]'
promote_case truncated_body  success '[{"method":"GET","path":"/manifests/","action":"truncate"}]'
promote_case stall           success '[{"method":"PUT","path":"/manifests/","action":"stall","seconds":5}]'
promote_case wrong_digest    either  '[{"method":"PUT","path":"/manifests/","action":"bad_digest","times":99}]'
promote_case always_500      failure '[{"method":"PUT","path":"/manifests/qa$","action":"status","status":500,"times":99}]'
promote_case redirect_away   either  "[{\"method\":\"HEAD\",\"path\":\"/blobs/\",\"action\":\"redirect\",\"location\":\"http://localhost:$EVIL\",\"times\":99}]"

n=$(grep -c 'auth=Basic\|auth=Bearer' "$T/evil.log" || true)
assert_eq "$n" 0 "credentials followed a redirect to another host"

echo "| fault                  | cmd     | outcome  |"
echo "|------------------------|---------|----------|"
printf '%s\n' "${results[@]}"
pass "faults__push_and_promote_never_move_tags (${#results[@]} cases)"
