#!/usr/bin/env bash
# history and rollback when a stage's tag was moved outside convoy (skopeo copy straight onto
# app:qa), against one real registry (referrers tag schema). X then Y are promoted dev -> qa;
# while the chain of records is intact, history walks it without listing tags (per the
# registry's request log). Then qa is moved to Z: history still lists Y and X (found by listing
# the repository's tags and reading its sha256-<hex> ledger indexes; through a proxy that pages
# the tag list, by following its Link header) and warns that no convoy promotion put Z there;
# rollback goes back to Y, the image convoy last promoted to qa, and says so; history then
# starts with that rollback. Last, a chain broken further back (Z moved in by hand between two
# promotions) is continued from the ledger too.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
start_registry A
R=127.0.0.1:$A_PORT
mkimage "$T/x" --seed 61 --layers 1
mkimage "$T/y" --seed 62 --layers 1
mkimage "$T/z" --seed 63 --layers 1
S="dev=$R/app:dev; qa=$R/app:qa"
C() { "$CONVOY" "$@" --stages "$S" --insecure-registry "$R"; }
# records FILE: the digest and kind of each record line of history's text output, in order.
records() { sed -nE 's/^[0-9]{4}-[0-9T:.-]+Z  ([a-z]+) +[^ ]+ -> [^ ]+  (sha256:[0-9a-f]{64})  .*/\2 \1/p' "$1"; }

skopeo copy -q --dest-tls-verify=false "oci:$T/x" "docker://$R/app:dev"
DX=$(digest_of "$R/app:dev")
C promote --to qa >"$T/px.out" 2>&1 || { cat "$T/px.out"; fail "promote X to qa"; }
skopeo copy -q --dest-tls-verify=false "oci:$T/y" "docker://$R/app:dev"
DY=$(digest_of "$R/app:dev")
C promote --to qa >"$T/py.out" 2>&1 || { cat "$T/py.out"; fail "promote Y to qa"; }
assert_eq "$(digest_of "$R/app:qa")" "$DY" "qa after the two promotions"

# The chain is intact (qa at Y, recorded; Y's record names X; X was the first): two ledger
# reads, no tag listing.
actions_env
before=$(wc -l <"$A_LOG")
C history --stage qa >"$T/h0.out" 2>&1 || { cat "$T/h0.out"; fail "history with an intact chain"; }
requests_since "$before" >"$T/req-h0"
[ -s "$T/req-h0" ] || fail "registry log shows no requests for history"
assert_eq "$(records "$T/h0.out" | tr '\n' ' ')" "$DY promote $DX promote " "history with an intact chain"
assert_not_contains "$(cat "$T/h0.out")" "warning" "history with an intact chain warns"
if grep -E '^"GET /v2/app/tags/list' "$T/req-h0"; then fail "history listed tags though the chain is intact"; fi
pass "history__intact_chain_lists_no_tags"

# Somebody moves qa outside convoy, onto Z.
skopeo copy -q --dest-tls-verify=false "oci:$T/z" "docker://$R/app:qa"
DZ=$(digest_of "$R/app:qa")
[ "$DZ" != "$DY" ] && [ "$DZ" != "$DX" ] || fail "Z has the digest of X or Y"

actions_env
before=$(wc -l <"$A_LOG")
C history --stage qa >"$T/h1.out" 2>&1 || { cat "$T/h1.out"; fail "history after qa was moved outside convoy"; }
requests_since "$before" >"$T/req-h1"
assert_eq "$(records "$T/h1.out" | tr '\n' ' ')" "$DY promote $DX promote " \
	"history after the move lists the ledger's records, newest first"
grep -q "^::warning::qa's tag points at $DZ, which no convoy promotion recorded (moved outside convoy?); the records below are the ledger's$" "$T/h1.out" ||
	{ cat "$T/h1.out"; fail "no warning naming Z's digest"; }
assert_eq "$(gh_output digest)" "$DZ" "digest output (where qa is now)"
assert_eq "$(gh_output records | python3 -c 'import json,sys; print(" ".join(r["digest"] for r in json.load(sys.stdin)))')" \
	"$DY $DX" "records output"
assert_outputs_in_action_yml "$GITHUB_OUTPUT" # records and digest: a workflow can read them
sum=$(cat "$T/gh/summary")
assert_contains "$sum" "Now: \`$DZ\`" "summary names where qa is now"
assert_contains "$sum" "No convoy promotion recorded this digest in qa" "summary notes the untracked digest"
assert_eq "$(grep -cE '^"GET /v2/app/tags/list\?' "$T/req-h1" || true)" 1 "tag listings (one page)"
pass "history__tag_moved_outside_convoy_lists_ledger_and_warns"

# A registry that pages its tag list: this registry (distribution 2.8) ignores `n`, so a proxy
# in front of it answers tags/list 100 at a time with a Link header to the next page (as
# distribution 3, Docker Hub or GHCR do) and forwards the rest. 250 more tags sort before the
# ledger's sha256-<hex> tags, so the ledger is on the third page.
python3 - "$R" <<'PY' || fail "could not add the filler tags"
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1])
types = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
c.request("GET", "/v2/app/manifests/qa", headers={"Accept": types})
r = c.getresponse(); body = r.read(); ct = r.getheader("Content-Type")
if r.status != 200: sys.exit("GET qa: %d" % r.status)
for i in range(250):
    c.request("PUT", "/v2/app/manifests/fill-%03d" % i, body=body, headers={"Content-Type": ct})
    r = c.getresponse(); r.read()
    if r.status != 201: sys.exit("PUT fill-%03d: %d" % (i, r.status))
PY
cat >"$T/pager.py" <<'PY'
import http.client, http.server, json, sys, urllib.parse
port, upstream, logf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_HEAD(self): self.forward()
    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if not u.path.endswith("/tags/list"): return self.forward()
        with open(logf, "a") as f: f.write("GET %s\n" % self.path)
        q = urllib.parse.parse_qs(u.query)
        c = http.client.HTTPConnection(upstream)
        c.request("GET", u.path, headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        r = c.getresponse(); data = r.read()
        if r.status != 200: return self.answer(r.status, [("Content-Type", "application/json")], data)
        doc = json.loads(data)
        tags = sorted(doc.get("tags") or [])
        if "last" in q: tags = [t for t in tags if t > q["last"][0]]
        n = min(int(q.get("n", ["100"])[0]), 100)
        page, more = tags[:n], len(tags) > n
        hdrs = [("Content-Type", "application/json")]
        if more:
            hdrs.append(("Link", '<%s?n=%d&last=%s>; rel="next"' % (u.path, n, page[-1])))
        self.answer(200, hdrs, json.dumps({"name": doc["name"], "tags": page}).encode())
    def forward(self):
        c = http.client.HTTPConnection(upstream)
        c.request(self.command, self.path, headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        r = c.getresponse(); data = r.read()
        hdrs = [(k, v) for k, v in r.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        self.answer(r.status, hdrs, data, r.getheader("Content-Length"))
    def answer(self, status, hdrs, data, length=None):
        self.send_response(status)
        for k, v in hdrs: self.send_header(k, v)
        self.send_header("Content-Length", length if self.command == "HEAD" and length else str(len(data)))
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(data)
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
PAGER=$(free_port)
: >"$T/pager.log"
python3 "$T/pager.py" "$PAGER" "$R" "$T/pager.log" &
at_exit "kill $!"
wait_port "$PAGER" "$!"
PG=127.0.0.1:$PAGER
"$CONVOY" history --stages "dev=$PG/app:dev; qa=$PG/app:qa" --insecure-registry "$PG" --stage qa \
	>"$T/hp.out" 2>&1 || { cat "$T/hp.out"; fail "history through the paging registry"; }
assert_eq "$(records "$T/hp.out" | tr '\n' ' ')" "$DY promote $DX promote " \
	"history through a registry that pages its tags finds the ledger on the last page"
assert_eq "$(cat "$T/pager.log")" "GET /v2/app/tags/list?n=1000
GET /v2/app/tags/list?n=100&last=fill-098
GET /v2/app/tags/list?n=100&last=fill-198" "tag list pages requested (the Link header followed)"
pass "history__ledger_listing_follows_tag_list_pages"

# Outside Actions the warning goes to the log as a plain line; --limit bounds the fallback too.
(
	unset GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_ENV
	C history --stage qa --limit 1 >"$T/h2.out" 2>"$T/h2.err"
) || { cat "$T/h2.out" "$T/h2.err"; fail "history --limit 1"; }
assert_eq "$(records "$T/h2.out" | tr '\n' ' ')" "$DY promote " "history --limit 1 after the move"
grep -q "^warning: qa's tag points at $DZ, which no convoy promotion recorded" "$T/h2.err" ||
	{ cat "$T/h2.out" "$T/h2.err"; fail "no plain warning line outside Actions"; }
pass "history__limit_bounds_the_ledger_listing"

# rollback: qa goes back to Y, what convoy last put there (not to Y's previous digest X).
actions_env
C rollback --stage qa >"$T/rb.out" 2>&1 || { cat "$T/rb.out"; fail "rollback after the move"; }
assert_eq "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$R/app:qa")" "$DY" "qa after the rollback"
assert_eq "$(gh_output digest)" "$DY" "digest output (rollback)"
assert_eq "$(gh_output previous-digest)" "$DZ" "previous-digest output (rollback)"
grep -q "^::warning::rollback: qa's tag was at $DZ, which no convoy promotion recorded (moved outside convoy?); went back to $DY, the image convoy last promoted to qa$" "$T/rb.out" ||
	{ cat "$T/rb.out"; fail "rollback does not say it went back to the last recorded digest"; }
assert_contains "$(cat "$T/gh/summary")" "the rollback went back to \`$DY\`" "rollback summary"
pass "rollback__tag_moved_outside_convoy_goes_back_to_last_recorded"

actions_env
C history --stage qa >"$T/h3.out" 2>&1 || { cat "$T/h3.out"; fail "history after the rollback"; }
assert_eq "$(records "$T/h3.out" | tr '\n' ' ')" "$DY rollback $DY promote $DX promote " \
	"history after the rollback starts with it"
grep -q "^$(printf '[0-9T:.-]*Z  rollback qa -> qa  %s  (was %s)' "$DY" "$DZ")" "$T/h3.out" ||
	{ cat "$T/h3.out"; fail "the rollback record does not say it replaced Z"; }
assert_not_contains "$(cat "$T/h3.out")" "::warning::" "history after the rollback warns"
pass "history__after_rollback_starts_with_it"

# The chain breaks further back: qa was moved outside convoy between two promotions (X, then
# Z by hand, then Y). History walks Y, finds no record of Z and lists the older X from the
# ledger; qa is at a recorded digest, so there is no warning.
MS="dev=$R/mid/app:dev; qa=$R/mid/app:qa"
skopeo copy -q --dest-tls-verify=false "oci:$T/x" "docker://$R/mid/app:dev"
"$CONVOY" promote --stages "$MS" --insecure-registry "$R" --to qa >"$T/m1.out" 2>&1 || { cat "$T/m1.out"; fail "promote X (mid)"; }
skopeo copy -q --dest-tls-verify=false "oci:$T/z" "docker://$R/mid/app:qa"
skopeo copy -q --dest-tls-verify=false "oci:$T/y" "docker://$R/mid/app:dev"
"$CONVOY" promote --stages "$MS" --insecure-registry "$R" --to qa >"$T/m2.out" 2>&1 || { cat "$T/m2.out"; fail "promote Y (mid)"; }
actions_env
"$CONVOY" history --stages "$MS" --insecure-registry "$R" --stage qa >"$T/m3.out" 2>&1 || { cat "$T/m3.out"; fail "history (mid)"; }
assert_eq "$(records "$T/m3.out" | tr '\n' ' ')" "$DY promote $DX promote " "history across a break in the chain"
grep -q "^[0-9T:.-]*Z  promote  dev -> qa  $DY  (was $DZ)" "$T/m3.out" || { cat "$T/m3.out"; fail "Y's record does not name Z"; }
assert_not_contains "$(cat "$T/m3.out")" "::warning::" "history of a stage at a recorded digest warns"
pass "history__chain_broken_further_back_continues_from_the_ledger"
