#!/usr/bin/env bash
# The cases of issue 19, each against the real registry (with Basic auth) behind
# tests/e2e/tools/faultproxy.py: credentials stay with their origin (a foreign upload Location,
# a foreign or looping Link: rel="next"), a tag's state is told truthfully (read-back failures,
# an outage right after a write, wrong Docker-Content-Digest headers), blob upload errors keep
# their cause, every operation is bounded (--timeout, --retries, the low-speed limit), and
# hostile sources (a size that lies, a symlink out of the layout) are refused before anything is
# sent. skopeo checks the registry itself, never through the proxy. Prints the matrix.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"

need htpasswd
PW='Fault-Pa55-i19'
htpasswd -Bbn ci "$PW" >"$T/htpasswd"
start_registry UP "$T/htpasswd"

# A host that must never see the credentials: it logs every request and answers 404.
EVIL=$(free_port)
python3 - "$EVIL" "$T/evil.log" <<'PY' &
import http.server, sys
port, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def any(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        with open(log, "a") as f:
            f.write("%s %s auth=%s\n" % (self.command, self.path, self.headers.get("Authorization", "-")))
        self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = any
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
at_exit "kill $!"
wait_port "$EVIL"
: >"$T/evil.log"

PROXY=$(free_port)
echo '[]' >"$T/rules.json"
: >"$T/proxy.log"
python3 "$CONVOY_SRC/tests/e2e/tools/faultproxy.py" "$PROXY" "http://127.0.0.1:$UP_PORT" "$T/rules.json" "$T/proxy.log" &
at_exit "kill $!"
wait_port "$PROXY"
R=127.0.0.1:$PROXY
U=127.0.0.1:$UP_PORT
SK=(--creds "ci:$PW")
CREDS=(--username ci --password "$PW")
# Another origin for the same loopback machine: "localhost" is not "127.0.0.1".
FOREIGN="http://localhost:$EVIL"

mkimage "$T/old" --layers 1 --seed 91
mkimage "$T/new" --layers 2 --seed 92

export CONVOY_HTTP_BACKOFF_MS=50 CONVOY_HTTP_LOW_SPEED_TIME=2 CONVOY_HTTP_RETRIES=3
MARGIN=20 # seconds over a deadline a command may take (process start, the last attempt's cut)

results=()
row() { results+=("$(printf '| %-26s | %-8s | %-8s |' "$1" "$2" "$3")"); }
rules() { echo "$1" >"$T/rules.json"; }
no_password() { assert_not_contains "$(grep -v '^::add-mask::' "$1")" "$PW" "$2: password in output"; }
evil_saw_no_credentials() {
	local n
	n=$(grep -c 'auth=Basic\|auth=Bearer' "$T/evil.log" || true)
	assert_eq "$n" 0 "$1: credentials reached another origin ($(cat "$T/evil.log"))"
}
# elapsed_ok START DEADLINE NAME: the command returned within its deadline plus the margin.
elapsed_ok() {
	local took=$(($(date +%s) - $1))
	[ "$took" -le $(($2 + MARGIN)) ] || fail "$3: took ${took}s, deadline ${2}s + ${MARGIN}s"
}
seed_push() { # seed_push LAYOUT REF...: outside the faults
	local src=$1 a=()
	shift
	for r in "$@"; do a+=(--tag-list "$r"); done
	rules '[]'
	actions_env
	"$CONVOY" push "${CREDS[@]}" --source "$src" "${a[@]}" >"$T/seed.out" 2>&1 ||
		{ cat "$T/seed.out"; fail "seeding $*"; }
}

# ---- credentials stay with their origin ----

# An upload session Location on another host: the PUT (and the DELETE) go there without
# credentials (containerd strips its authorizer there too).
rules "[{\"method\":\"POST\",\"path\":\"/blobs/uploads/\$\",\"action\":\"relocate\",\"location\":\"$FOREIGN\",\"times\":99}]"
actions_env
rc=0
"$CONVOY" push "${CREDS[@]}" --source "$T/new" --tag-list "$R/c-loc:stable" >"$T/out" 2>&1 || rc=$?
rules '[]'
grep -q '^PUT \|^PATCH ' "$T/evil.log" || { cat "$T/out"; fail "upload_location_foreign: the upload did not go to the Location"; }
evil_saw_no_credentials upload_location_foreign
if [ "$rc" != 0 ]; then
	assert_contains "$(cat "$T/out")" "::error::" "upload_location_foreign: failure without a clear error"
	assert_eq "$(digest_of "$U/c-loc:stable" "${SK[@]}")" "" "upload_location_foreign: tag written by a failed push"
fi
no_password "$T/out" upload_location_foreign
row upload_location_foreign push "$([ "$rc" = 0 ] && echo success || echo failure)"

# A tag list's next page on another host (history scans the tags when the stage's digest has no
# record): not followed, and a clear error; nothing goes there.
seed_push "$T/old" "$R/c-link/app:qa"
: >"$T/evil.log"
rules "[{\"method\":\"GET\",\"path\":\"/tags/list\",\"action\":\"link\",\"link\":\"$FOREIGN/v2/c-link/app/tags/list?n=1000&last=x\",\"times\":99}]"
actions_env
rc=0
"$CONVOY" history "${CREDS[@]}" --stages "dev=$R/c-link/app:dev; qa=$R/c-link/app:qa" --stage qa >"$T/out" 2>&1 || rc=$?
rules '[]'
evil_saw_no_credentials next_page_foreign
assert_eq "$(cat "$T/evil.log")" "" "next_page_foreign: a page on another host was requested"
assert_eq "$rc" 1 "next_page_foreign: exit code"
assert_contains "$(cat "$T/out")" "next page is on another host or scheme" "next_page_foreign: the error says why"
no_password "$T/out" next_page_foreign
row next_page_foreign history failure

# A loop of next pages (the page points back to itself): stops at the first repeated URL with an
# error, instead of reading 1,000 pages and passing a partial list off as the whole.
rules '[{"method":"GET","path":"/c-link/app/tags/list","action":"link","link":"/v2/c-link/app/tags/list?n=1000","times":99}]'
: >"$T/proxy.log"
actions_env
rc=0
"$CONVOY" history "${CREDS[@]}" --stages "dev=$R/c-link/app:dev; qa=$R/c-link/app:qa" --stage qa >"$T/out" 2>&1 || rc=$?
rules '[]'
assert_eq "$rc" 1 "next_page_loop: exit code"
assert_contains "$(cat "$T/out")" "was read already (a loop of Link: rel=\"next\")" "next_page_loop: the error names the loop"
assert_eq "$(grep -c '^GET /v2/c-link/app/tags/list' "$T/proxy.log")" 1 "next_page_loop: pages read before stopping"
row next_page_loop history failure

# ---- blob upload errors keep their cause ----
rules '[{"method":"PUT","path":"/blobs/uploads/","action":"status","status":400,"body":"{\"errors\":[{\"code\":\"BLOB_UPLOAD_INVALID\",\"message\":\"the proxy refuses this upload\"}]}","times":99}]'
actions_env
rc=0
"$CONVOY" push "${CREDS[@]}" --source "$T/new" --tag-list "$R/c-cause:stable" >"$T/out" 2>&1 || rc=$?
rules '[]'
assert_eq "$rc" 1 "upload_error_cause: exit code"
assert_contains "$(grep '::error::' "$T/out")" "the proxy refuses this upload" "upload_error_cause: the registry's reason is in the error"
row upload_error_cause push failure

# ---- bounded in time ----

# A stalled upload POST (each stall bounded at 30 s by the proxy): with --timeout 5 the push
# fails within 5 s + the margin, not after attempts x retries x the low-speed time.
rules '[{"method":"POST","path":"/blobs/uploads/$","action":"stall","seconds":30,"times":99}]'
actions_env
rc=0
t0=$(date +%s)
"$CONVOY" push "${CREDS[@]}" --timeout 5 --source "$T/new" --tag-list "$R/t-stall:stable" >"$T/out" 2>&1 || rc=$?
elapsed_ok "$t0" 5 stall_post_deadline
rules '[]'
assert_eq "$rc" 1 "stall_post_deadline: exit code"
assert_contains "$(grep '::error::' "$T/out")" "deadline (--timeout)" "stall_post_deadline: the error names the deadline"
assert_eq "$(digest_of "$U/t-stall:stable" "${SK[@]}")" "" "stall_post_deadline: tag written by a failed push"
row stall_post_deadline push failure

# Retries are counted once across layers: with --retries 2, a POST that always answers 503 is
# sent 3 times in all (not upload attempts x HTTP attempts).
rules '[{"method":"POST","path":"/blobs/uploads/$","action":"status","status":503,"times":999}]'
: >"$T/proxy.log"
actions_env
rc=0
"$CONVOY" push "${CREDS[@]}" --retries 2 --concurrency 1 --source "$T/old" --tag-list "$R/t-retries:stable" >"$T/out" 2>&1 || rc=$?
rules '[]'
assert_eq "$rc" 1 "retries_counted_once: exit code"
# Each blob is one operation: 3 POSTs for each blob whose upload started (1 or 2 of them).
n=$(grep -c '^POST /v2/t-retries/blobs/uploads/ ' "$T/proxy.log" || true)
case "$n" in 3|6) ;; *) cat "$T/proxy.log"; fail "retries_counted_once: $n POSTs with --retries 2 (want 3 per blob)" ;; esac
row retries_counted_once push failure

# A slow drip (2.5 bytes/s, bounded at 20 s by the proxy) is cut by the low-speed limit
# (1 KiB/s over CONVOY_HTTP_LOW_SPEED_TIME=2 s here), and the retry succeeds.
seed_push "$T/new" "$R/t-drip:stable"
rules '[{"method":"GET","path":"/v2/t-drip/manifests/stable$","action":"drip","rate":2.5,"seconds":20}]'
: >"$T/proxy.log"
actions_env
rc=0
t0=$(date +%s)
"$CONVOY" promote "${CREDS[@]}" --timeout 60 --stages "dev=$R/t-drip:stable; qa=$R/t-drip:qa" --to qa >"$T/out" 2>&1 || rc=$?
elapsed_ok "$t0" 60 slow_drip
rules '[]'
# The proxy logs the drip when its write fails or the drip ends: wait for that line (an event).
for _ in $(seq 1 300); do grep -q 'drip_' "$T/proxy.log" && break; sleep 0.1; done
grep -q 'drip_cut' "$T/proxy.log" || { cat "$T/proxy.log"; fail "slow_drip: the client waited for the drip to end instead of cutting it"; }
assert_eq "$rc" 0 "slow_drip: the retry after the cut succeeds"
assert_eq "$(digest_of "$U/t-drip:qa" "${SK[@]}")" "$(digest_of "$U/t-drip:stable" "${SK[@]}")" "slow_drip: qa promoted"
row slow_drip promote success

# Bad --timeout / --retries: a clear error naming the input, nothing sent.
: >"$T/proxy.log"
actions_env
rc=0
"$CONVOY" push "${CREDS[@]}" --timeout 0 --source "$T/old" --tag-list "$R/t-bad:stable" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 2 "bad_timeout: exit code"
assert_contains "$(cat "$T/out")" "input 'timeout': expected a whole number from 1 to 86400, got '0'" "bad_timeout: message"
rc=0
"$CONVOY" promote "${CREDS[@]}" --retries many --stages "dev=$R/t-bad:dev; qa=$R/t-bad:qa" --to qa >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 2 "bad_retries: exit code"
assert_contains "$(cat "$T/out")" "input 'retries': expected a whole number" "bad_retries: message"
assert_eq "$(cat "$T/proxy.log")" "" "bad_timeout/bad_retries: requests sent"
row bad_timeout_retries push/promote failure

# ---- a tag's state is told truthfully (promote in one repository) ----

# p_setup NAME: qa at the old image, dev at the new one; sets REPO, WANT, BEFORE.
p_setup() {
	REPO="p-$1"
	seed_push "$T/old" "$R/$REPO:qa"
	seed_push "$T/new" "$R/$REPO:dev"
	WANT=$(digest_of "$U/$REPO:dev" "${SK[@]}")
	BEFORE=$(digest_of "$U/$REPO:qa" "${SK[@]}")
	[ -n "$WANT" ] && [ -n "$BEFORE" ] || fail "$1: seeding"
}
p_run() { # p_run RULES: promote dev -> qa under the rules, into $T/out, rc in PRC
	rules "$1"
	actions_env
	PRC=0
	"$CONVOY" promote "${CREDS[@]}" --stages "dev=$R/$REPO:dev; qa=$R/$REPO:qa" --to qa >"$T/out" 2>&1 || PRC=$?
	rules '[]'
	no_password "$T/out" "$REPO"
}
ledger_json() { # the ledger of qa (its records output), read without faults
	: >"$T/hist.out"
	GITHUB_OUTPUT="$T/hist.out" GITHUB_STEP_SUMMARY="$T/hist.sum" "$CONVOY" history "${CREDS[@]}" \
		--stages "dev=$R/$REPO:dev; qa=$R/$REPO:qa" --stage qa >"$T/hist.err" 2>&1 ||
		{ cat "$T/hist.err"; fail "$REPO: history"; }
	gh_output records "$T/hist.out"
}

# The read-back after the tag PUT answers 500 every time: the error and the job summary say
# that qa moved, to what and from what, and that the record exists (it does).
p_setup readback_500
p_run "[{\"path\":\"/v2/$REPO/manifests/qa\$\",\"after\":\"^PUT /v2/$REPO/manifests/qa\$\",\"action\":\"status\",\"status\":500,\"times\":999}]"
assert_eq "$PRC" 1 "readback_500: exit code"
assert_eq "$(digest_of "$U/$REPO:qa" "${SK[@]}")" "$WANT" "readback_500: qa is at the promoted digest (the write landed)"
assert_contains "$(grep '::error::' "$T/out")" "$R/$REPO:qa moved to $WANT (was $BEFORE)" "readback_500: the error names the move"
assert_contains "$(grep '::error::' "$T/out")" "the promotion is recorded in the ledger" "readback_500: the error says the record exists"
assert_contains "$(cat "$T/gh/summary")" "| $R/$REPO | qa | \`$BEFORE\` | \`$WANT\` |" "readback_500: the summary names the move"
assert_contains "$(cat "$T/gh/summary")" "The promotion is recorded in the ledger." "readback_500: the summary says the record exists"
rec=$(ledger_json)
assert_eq "$(jq -r '.[0].digest + " " + .[0]["previous-digest"]' <<<"$rec")" "$WANT $BEFORE" "readback_500: the ledger record"
assert_eq "$(cat "$GITHUB_OUTPUT")" "" "readback_500: outputs of a failed promotion"
row readback_500 promote failure

# An outage that starts right after the tag PUT was accepted: the record cannot be written, the
# tags cannot be put back either, and the error says so of qa (never "restored").
p_setup outage_after_put
p_run "[{\"path\":\"\",\"after\":\"^PUT /v2/$REPO/manifests/qa\$\",\"action\":\"status\",\"status\":503,\"times\":9999}]"
assert_eq "$PRC" 1 "outage_after_put: exit code"
now=$(digest_of "$U/$REPO:qa" "${SK[@]}")
err=$(grep '::error::' "$T/out")
if [ "$now" = "$WANT" ]; then
	assert_contains "$err" "$R/$REPO:qa could not be put back" "outage_after_put: the error says qa was not put back"
	assert_contains "$err" "it is at $WANT, was $BEFORE" "outage_after_put: the error names qa's real state"
	assert_not_contains "$err" "put back where they were" "outage_after_put: a restore claimed"
else
	assert_eq "$now" "$BEFORE" "outage_after_put: qa is at neither digest"
	assert_contains "$err" "$R/$REPO:qa put back at $BEFORE" "outage_after_put: the error says qa was put back"
fi
row outage_after_put promote failure

# The same outage on push (tag b's PUT fails, and everything fails once a's was accepted):
# each tag's real state is named.
seed_push "$T/old" "$R/o-push:a" "$R/o-push:b"
OB=$(digest_of "$U/o-push:a" "${SK[@]}")
rules '[{"method":"PUT","path":"/v2/o-push/manifests/b$","action":"status","status":503,"times":9999},{"path":"","after":"^PUT /v2/o-push/manifests/a$","action":"status","status":503,"times":9999}]'
actions_env
rc=0
"$CONVOY" push "${CREDS[@]}" --concurrency 1 --source "$T/new" --tag-list "$R/o-push:a" --tag-list "$R/o-push:b" >"$T/out" 2>&1 || rc=$?
rules '[]'
assert_eq "$rc" 1 "push_outage_after_put: exit code"
err=$(grep '::error::' "$T/out")
for tag in a b; do
	now=$(digest_of "$U/o-push:$tag" "${SK[@]}")
	if [ "$now" = "$OB" ]; then
		case "$err" in *"o-push:$tag put back at $OB"*|*"o-push:$tag: its write failed"*) ;;
		*) fail "push_outage_after_put: $tag is at $OB, the error does not say so: $err" ;; esac
	else
		assert_contains "$err" "o-push:$tag could not be put back" "push_outage_after_put: $tag moved, the error must say it stays"
	fi
done
assert_not_contains "$err" "tags already written were restored" "push_outage_after_put: a restore claimed"
assert_eq "$(cat "$GITHUB_OUTPUT")" "" "push_outage_after_put: outputs of a failed push"
row push_outage_after_put push failure

# A wrong Docker-Content-Digest once, on the read of qa before the write: the ledger's
# previous-digest is still the digest qa really had (a rollback aims at it). (times 2: the
# first read goes without credentials and is answered 401, with no digest to spoil.)
p_setup wrong_digest_once
p_run "[{\"path\":\"/v2/$REPO/manifests/qa\$\",\"action\":\"bad_digest\",\"times\":2}]"
grep -q "/v2/$REPO/manifests/qa 0 200 bad_digest" "$T/proxy.log" || { cat "$T/proxy.log"; fail "wrong_digest_once: no wrong digest was answered"; }
assert_eq "$PRC" 0 "wrong_digest_once: exit code ($(cat "$T/out"))"
assert_eq "$(gh_output previous-digest)" "$BEFORE" "wrong_digest_once: previous-digest output"
rec=$(ledger_json)
assert_eq "$(jq -r '.[0]["previous-digest"]' <<<"$rec")" "$BEFORE" "wrong_digest_once: the ledger's previous-digest"
assert_eq "$(digest_of "$U/$REPO:qa" "${SK[@]}")" "$WANT" "wrong_digest_once: qa"
row wrong_digest_once promote success

# A persistently wrong Docker-Content-Digest on the read-back: not a "concurrent run moved qa",
# but "the registry answered an inconsistent digest", with qa's move and the record named.
p_setup wrong_digest_readback
p_run "[{\"path\":\"/v2/$REPO/manifests/qa\$\",\"after\":\"^PUT /v2/$REPO/manifests/qa\$\",\"action\":\"bad_digest\",\"times\":999}]"
assert_eq "$PRC" 1 "wrong_digest_readback: exit code"
err=$(grep '::error::' "$T/out")
assert_contains "$err" "the registry answered an inconsistent digest" "wrong_digest_readback: the error says why"
assert_not_contains "$err" "concurrent run" "wrong_digest_readback: a false concurrent move"
assert_contains "$err" "$R/$REPO:qa moved to $WANT (was $BEFORE)" "wrong_digest_readback: the error names the move"
assert_eq "$(digest_of "$U/$REPO:qa" "${SK[@]}")" "$WANT" "wrong_digest_readback: qa"
row wrong_digest_readback promote failure

# ---- hostile sources: refused before anything is sent ----

# hostile LAYOUT MODE: a copy of $T/old whose layer lies about its size (size) or is a symlink
# to a file outside the layout with its digest and size (symlink).
hostile() {
	rm -rf "$1"
	cp -r "$T/old" "$1"
	python3 - "$1" "$2" <<'PY'
import hashlib, json, os, sys
root, mode = sys.argv[1], sys.argv[2]
def path(d): return os.path.join(root, "blobs", "sha256", d.split(":")[1])
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    open(path(d), "wb").write(data)
    return d
idx = json.load(open(os.path.join(root, "index.json")))
top = idx["manifests"][0]
m = json.load(open(path(top["digest"])))
if mode == "size":
    m["layers"][0]["size"] = 10 * 1000 ** 3
else:
    outside = os.path.join(os.path.dirname(root), "outside-secret")
    data = b"root:x:0:0:root:/root:/bin/bash\n" * 60
    open(outside, "wb").write(data)
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    os.symlink(outside, path(d))
    m["layers"][0] = {"mediaType": m["layers"][0]["mediaType"], "digest": d, "size": len(data)}
raw = json.dumps(m).encode()
top["digest"], top["size"] = put(raw), len(raw)
json.dump(idx, open(os.path.join(root, "index.json"), "w"))
PY
}

hostile "$T/liar" size
: >"$T/proxy.log"
actions_env
rc=0
"$CONVOY" push "${CREDS[@]}" --source "$T/liar" --tag-list "$R/h-size:stable" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 2 "size_mismatch: exit code"
assert_contains "$(grep '::error::' "$T/out")" "declares 10000000000; nothing was pushed" "size_mismatch: the error names the sizes"
assert_eq "$(cat "$T/proxy.log")" "" "size_mismatch: requests sent"
row size_mismatch push failure

hostile "$T/linker" symlink
: >"$T/proxy.log"
actions_env
rc=0
"$CONVOY" push "${CREDS[@]}" --source "$T/linker" --tag-list "$R/h-link:stable" >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 2 "symlink_out: exit code"
assert_contains "$(grep '::error::' "$T/out")" "outside-secret, outside the layout directory; refusing to read it" "symlink_out: the error names the link"
assert_eq "$(cat "$T/proxy.log")" "" "symlink_out: requests sent"
assert_eq "$(digest_of "$U/h-link:stable" "${SK[@]}")" "" "symlink_out: tag written"
row symlink_out push failure

echo "| fault                      | cmd      | outcome  |"
echo "|----------------------------|----------|----------|"
printf '%s\n' "${results[@]}"
pass "faults__issue19_credentials_truthful_tags_bounded_time_hostile_sources (${#results[@]} cases)"
