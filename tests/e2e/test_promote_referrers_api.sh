#!/usr/bin/env bash
# promote, history and rollback on the ledger's referrers API path: a real registry (Debian's
# docker-registry, which has no referrers API) behind tools/referrers_proxy.py, which adds the
# OCI 1.1 API (OCI-Subject on a manifest PUT with a subject, GET /v2/<name>/referrers/<digest>).
# convoy talks to the proxy; skopeo checks the registry itself. dev -> qa -> prod says "ledger
# via the referrers API" and writes no sha256-<hex> tag; each record is listed by the API (and
# only there) with its annotations; the record is put after the tags; history and rollback read
# the ledger through the API; the gate's ledger branch passes a digest qa held before and refuses
# one qa never held; after qa is moved outside convoy, history and rollback find the ledger
# through the digests of the repository's tags.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
start_registry A
R=127.0.0.1:$A_PORT
PROXY=$(free_port)
PLOG=$T/proxy.log
: >"$PLOG"
python3 "$CONVOY_SRC/tests/e2e/tools/referrers_proxy.py" "$PROXY" "http://$R" "$PLOG" &
at_exit "kill $!"
wait_port "$PROXY" "$!"
P=127.0.0.1:$PROXY # convoy goes through the proxy; skopeo checks the registry itself
ART=application/vnd.convoy.promotion.v1+json
EMPTY=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
S="dev=$P/app:dev; qa=$P/app:qa; prod=$P/prod/app:prod"
C() { "$CONVOY" "$@" --stages "$S" --insecure-registry "$P"; }
tags_of() { skopeo list-tags --tls-verify=false "docker://$1" 2>/dev/null | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"])))'; }
# digest_at REF: the digest skopeo reads for REF in the registry itself.
digest_at() { skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$1"; }
# proxy_since N: the proxy's log lines after line N (METHOD PATH STATUS; each written before its
# request was answered, so complete once convoy has exited).
proxy_since() { tail -n +"$(($1 + 1))" "$PLOG"; }
# no_tag_schema LOGFILE WHAT: the requests in LOGFILE touched no referrers tag.
# (cosign's own tags, sha256-<hex>.sig/.att/.sbom, which carrying the referrers looks for,
# are not the tag schema.)
no_tag_schema() {
	if grep -E '/manifests/sha256-[0-9a-f]{64} ' "$1"; then fail "$2 used the referrers tag schema"; fi
}
for i in 1 2 3 4; do
	mkimage "$T/img$i" --seed "6$i" --layers 2
done
skopeo copy -q --dest-tls-verify=false "oci:$T/img1" "docker://$R/app:dev"
D1=$(digest_of "$R/app:dev")
[ -n "$D1" ] || fail "seed image not in the registry"

# The proxy itself, before convoy relies on it: a digest without referrers lists none (200, not
# 404), an invalid digest is a 400, and a manifest with a subject put through it is answered
# with OCI-Subject and listed (and filtered by artifactType); deleted, it is listed no more.
python3 - "$P" "$D1" <<'PY' || fail "the referrers proxy does not follow the referrers API"
import sys, json, hashlib, urllib.request, urllib.error
p, subject = sys.argv[1:]
INDEX = "application/vnd.oci.image.index.v1+json"
def req(method, path, body=None, ctype=None):
    r = urllib.request.Request("http://%s%s" % (p, path), data=body, method=method)
    if ctype: r.add_header("Content-Type", ctype)
    r.add_header("Accept", "application/vnd.oci.image.manifest.v1+json, " + INDEX)
    try:
        with urllib.request.urlopen(r) as resp: return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e: return e.code, e.headers, e.read()
def listing(path):
    st, h, b = req("GET", path)
    if st != 200 or h.get("Content-Type") != INDEX: sys.exit("%s: %s %s" % (path, st, h.get("Content-Type")))
    j = json.loads(b)
    if j.get("schemaVersion") != 2 or j.get("mediaType") != INDEX: sys.exit("%s: not an index: %s" % (path, j))
    return h, j["manifests"]
none = "sha256:" + "1" * 64
if listing("/v2/app/referrers/" + none)[1] != []: sys.exit("a digest without referrers lists some")
if listing("/v2/no/such/repo/referrers/" + none)[1] != []: sys.exit("an unknown repository lists referrers")
if req("GET", "/v2/app/referrers/sha256:xyz")[0] != 400: sys.exit("an invalid digest is not a 400")
st, h, _ = req("HEAD", "/v2/app/manifests/dev")
if st != 200 or h.get("Docker-Content-Digest") != subject or int(h.get("Content-Length", 0)) == 0:
    sys.exit("HEAD of a manifest through the proxy: %s %s" % (st, dict(h)))
# In a repository of its own (convoy's are left as they were): a referrer with an empty config
# (convoy's record layout) and one whose type is its config's media type.
empty = b"{}"
st, h, _ = req("POST", "/v2/check/blobs/uploads/")
loc = h["Location"]
if not loc.startswith("http://%s/" % p): sys.exit("upload Location not rewritten to the proxy: " + loc)
loc = loc[len("http://%s" % p):]
st, _, _ = req("PUT", loc + ("&" if "?" in loc else "?") + "digest=sha256:" + hashlib.sha256(empty).hexdigest(), empty, "application/octet-stream")
if st != 201: sys.exit("empty blob upload: %s" % st)
ed = {"mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:" + hashlib.sha256(empty).hexdigest(), "size": 2}
st, h, b = req("GET", "/v2/app/manifests/dev")
sub = {"mediaType": h["Content-Type"], "digest": subject, "size": len(b)}
ms = [{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "artifactType": "application/x.test.a",
       "config": ed, "layers": [ed], "subject": sub, "annotations": {"x.test": "a"}},
      {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "config": dict(ed, mediaType="application/x.test.b"), "layers": [ed], "subject": sub}]
digests = []
for m in ms:
    body = json.dumps(m).encode()
    d = "sha256:" + hashlib.sha256(body).hexdigest()
    st, h, _ = req("PUT", "/v2/check/manifests/" + d, body, m["mediaType"])
    if st != 201 or h.get("OCI-Subject") != subject: sys.exit("PUT with a subject: %s, OCI-Subject %s" % (st, h.get("OCI-Subject")))
    digests.append((d, len(body)))
h, got = listing("/v2/check/referrers/" + subject)
want = [{"mediaType": ms[0]["mediaType"], "digest": digests[0][0], "size": digests[0][1], "artifactType": "application/x.test.a", "annotations": {"x.test": "a"}},
        {"mediaType": ms[1]["mediaType"], "digest": digests[1][0], "size": digests[1][1], "artifactType": "application/x.test.b"}]
if got != want: sys.exit("listing:\n%s\nwant:\n%s" % (got, want))
if h.get("OCI-Filters-Applied"): sys.exit("OCI-Filters-Applied on an unfiltered listing")
h, got = listing("/v2/check/referrers/%s?artifactType=application/x.test.b" % subject)
if got != want[1:] or h.get("OCI-Filters-Applied") != "artifactType": sys.exit("filtered listing: %s %s" % (got, dict(h)))
if listing("/v2/app/referrers/" + subject)[1] != []: sys.exit("referrers leak across repositories")
for d, _ in digests:
    if req("DELETE", "/v2/check/manifests/" + d)[0] != 202: sys.exit("DELETE of a referrer refused")
if listing("/v2/check/referrers/" + subject)[1] != []: sys.exit("deleted referrers still listed")
PY
grep -q "^GET /v2/app/referrers/sha256:1111111111111111111111111111111111111111111111111111111111111111 200$" "$PLOG" \
	|| { cat "$PLOG"; fail "the proxy does not log METHOD PATH STATUS"; }
pass "referrers_proxy__follows_the_referrers_api"

# 1. dev -> qa -> prod on the API path: the log says so, and no referrers tag is read or written.
actions_env
mark=$(wc -l <"$PLOG")
C promote --to qa >"$T/qa.out" 2>&1 || { cat "$T/qa.out"; fail "promote --to qa"; }
proxy_since "$mark" >"$T/req-qa"
assert_eq "$(gh_output digest)" "$D1" "digest output (qa)"
assert_eq "$(digest_at "$R/app:qa")" "$D1" "qa tag in the registry"
grep -q '^blobs: .*; ledger via the referrers API$' "$T/qa.out" || { cat "$T/qa.out"; fail "qa: not the referrers API path"; }
actions_env
mark=$(wc -l <"$PLOG")
C promote --to prod >"$T/prod.out" 2>&1 || { cat "$T/prod.out"; fail "promote --to prod"; }
proxy_since "$mark" >"$T/req-prod"
assert_eq "$(gh_output digest)" "$D1" "digest output (prod)"
assert_eq "$(digest_at "$R/prod/app:prod")" "$D1" "prod tag in the registry"
grep -q '^blobs: .*; ledger via the referrers API$' "$T/prod.out" || { cat "$T/prod.out"; fail "prod: not the referrers API path"; }
grep -q "^GET /v2/prod/app/referrers/$EMPTY 200$" "$T/req-prod" || { cat "$T/req-prod"; fail "prod: no probe of the referrers API"; }
no_tag_schema "$T/req-qa" "the promotion to qa"
no_tag_schema "$T/req-prod" "the promotion to prod"
for repo in app prod/app; do
	case " $(tags_of "$R/$repo") " in *" sha256-"*) fail "a referrers tag was written in $repo: $(tags_of "$R/$repo")" ;; esac
done
pass "promote__referrers_api_writes_no_referrers_tag"

# 2. Each record is listed by the referrers API of its repository, as one descriptor of type
# application/vnd.convoy.promotion.v1+json with the record's annotations, is a manifest whose
# subject is the promoted digest, and is found nowhere else (no sha256-<hex> index).
python3 - "$P" "$R" "$D1" "$ART" >"$T/records" <<'PY' || fail "the records are not listed by the referrers API"
import sys, json, subprocess, urllib.parse, urllib.request
p, reg, d1, art = sys.argv[1:]
def refs(repo, digest, q=""):
    with urllib.request.urlopen("http://%s/v2/%s/referrers/%s%s" % (p, repo, digest, q)) as r:
        return r.headers, json.loads(r.read())["manifests"]
def raw(ref):
    out = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://%s/%s" % (reg, ref)], capture_output=True)
    return json.loads(out.stdout) if out.returncode == 0 else None
want = {"app": {"from": "dev", "to": "qa", "repository": p + "/app", "tags": "qa"},
        "prod/app": {"from": "qa", "to": "prod", "repository": p + "/prod/app", "tags": "prod"}}
for repo, w in want.items():
    _, ms = refs(repo, d1)
    if len(ms) != 1: sys.exit("%s: want one referrer of %s, got %s" % (repo, d1, ms))
    m = ms[0]
    if m.get("artifactType") != art or m.get("mediaType") != "application/vnd.oci.image.manifest.v1+json":
        sys.exit("%s: descriptor %s" % (repo, m))
    a = m.get("annotations", {})
    pre = "dev.convoy.promotion."
    for k, v in dict(w, digest=d1, kind="promote").items():
        if a.get(pre + k) != v: sys.exit("%s: annotation %s%s = %r, want %r (%s)" % (repo, pre, k, a.get(pre + k), v, a))
    if pre + "previous-digest" in a: sys.exit("%s: first promotion has a previous digest: %s" % (repo, a))
    if not a.get(pre + "time"): sys.exit("%s: record without a time" % repo)
    man = raw("%s@%s" % (repo, m["digest"]))
    if not man: sys.exit("%s: the listed record %s is not in the registry" % (repo, m["digest"]))
    if man.get("subject", {}).get("digest") != d1 or man.get("annotations") != a or man.get("artifactType") != art:
        sys.exit("%s: the record manifest does not match its descriptor: %s" % (repo, man))
    if raw("%s:sha256-%s" % (repo, d1.split(":")[1])) is not None:
        sys.exit("%s: a referrers tag holds the ledger too" % repo)
    h, fl = refs(repo, d1, "?artifactType=" + urllib.parse.quote(art, safe=""))  # '+' is a space unencoded
    if fl != ms or h.get("OCI-Filters-Applied") != "artifactType": sys.exit("%s: filtered listing %s" % (repo, fl))
    print(repo, m["digest"])
PY
pass "promote__record_listed_by_the_referrers_api"

# 3. On the API path the record goes up only after the tag (with the API a record is visible as
# soon as it is put): every PUT of the record comes after the PUT of the stage's tag.
check_order() { # REQLOG REPO TAG RECORD
	python3 - "$@" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
repo, tag, rec = sys.argv[2:]
tagput = [i for i, l in enumerate(lines) if l == "PUT /v2/%s/manifests/%s 201" % (repo, tag)]
recput = [i for i, l in enumerate(lines) if l.startswith("PUT /v2/%s/manifests/%s " % (repo, rec))]
if len(tagput) != 1: sys.exit("want one PUT of %s:%s, got %d" % (repo, tag, len(tagput)))
if not recput or not lines[recput[-1]].endswith(" 201"): sys.exit("the record %s was not put in %s" % (rec, repo))
if recput[0] < tagput[0]: sys.exit("the record %s was put before the tag %s" % (rec, tag))
PY
}
check_order "$T/req-qa" app qa "$(awk '$1 == "app" {print $2}' "$T/records")" ||
	{ cat "$T/req-qa"; fail "qa: the record was put before the tag"; }
check_order "$T/req-prod" prod/app prod "$(awk '$1 == "prod/app" {print $2}' "$T/records")" ||
	{ cat "$T/req-prod"; fail "prod: the record was put before the tag"; }
pass "promote__referrers_api_record_after_tags"

# 4. A second image to qa; history lists qa's promotions newest first through the API; rollback
# goes back to D1 (per the registry itself) and history then shows the rollback first.
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$R/app:dev"
D2=$(digest_of "$R/app:dev")
actions_env
C promote --to qa >"$T/qa2.out" 2>&1 || { cat "$T/qa2.out"; fail "promote D2 --to qa"; }
grep -q '; ledger via the referrers API$' "$T/qa2.out" || { cat "$T/qa2.out"; fail "qa (D2): not the referrers API path"; }
assert_eq "$(digest_at "$R/app:qa")" "$D2" "qa after the second promotion"
# history_is WANT...: `convoy history --stage qa` lists, newest first, exactly the records WANT
# (kind:digest:previous, "-" for none), read through the referrers API.
history_is() {
	local mark
	actions_env
	mark=$(wc -l <"$PLOG")
	C history --stage qa >"$T/hist.out" 2>&1 || { cat "$T/hist.out"; fail "history --stage qa"; }
	proxy_since "$mark" >"$T/req-hist"
	no_tag_schema "$T/req-hist" "history"
	grep -q "^GET /v2/app/referrers/sha256:[0-9a-f]\{64\} 200$" "$T/req-hist" || { cat "$T/req-hist"; fail "history did not read the referrers API"; }
	gh_output records | python3 -c '
import sys, json
got = ["%s:%s:%s" % (r.get("kind"), r["digest"], r.get("previous-digest") or "-") for r in json.load(sys.stdin)]
if got != sys.argv[1:]: sys.exit("history of qa:\n  %s\nwant:\n  %s" % ("\n  ".join(got), "\n  ".join(sys.argv[1:])))
' "$@" || { cat "$T/hist.out"; fail "history of qa"; }
}
history_is "promote:$D2:$D1" "promote:$D1:-"
assert_contains "$(head -1 "$T/hist.out")" "stage qa: now $D2" "history names qa's digest"
pass "history__referrers_api_newest_first"

actions_env
mark=$(wc -l <"$PLOG")
C rollback --stage qa >"$T/rb.out" 2>&1 || { cat "$T/rb.out"; fail "rollback --stage qa"; }
proxy_since "$mark" >"$T/req-rb"
assert_eq "$(gh_output digest)" "$D1" "digest output (rollback)"
assert_eq "$(gh_output previous-digest)" "$D2" "previous-digest output (rollback)"
assert_eq "$(digest_at "$R/app:qa")" "$D1" "qa after the rollback, per the registry"
grep -q '; ledger via the referrers API$' "$T/rb.out" || { cat "$T/rb.out"; fail "rollback: not the referrers API path"; }
no_tag_schema "$T/req-rb" "rollback"
history_is "rollback:$D1:$D2" "promote:$D2:$D1" "promote:$D1:-"
pass "rollback__referrers_api_previous_digest"

# 5. The gate's ledger branch: qa moves on to D3, then D2 (in qa before, per the ledger read
# through the API, not now) goes to prod by --digest and passes, naming the ledger; D4, never
# in qa, is refused and nothing is written.
skopeo copy -q --dest-tls-verify=false "oci:$T/img3" "docker://$R/app:dev"
D3=$(digest_of "$R/app:dev")
actions_env
C promote --to qa >"$T/qa3.out" 2>&1 || { cat "$T/qa3.out"; fail "promote D3 --to qa"; }
assert_eq "$(digest_at "$R/app:qa")" "$D3" "qa after the third promotion"
actions_env
mark=$(wc -l <"$PLOG")
C promote --to prod --digest "$D2" >"$T/gate.out" 2>&1 || { cat "$T/gate.out"; fail "promote D2 --to prod (in qa's ledger)"; }
proxy_since "$mark" >"$T/req-gate"
grep -q '^gate: passed: the ledger records the digest in the previous stage$' "$T/gate.out" ||
	{ cat "$T/gate.out"; fail "the gate decision does not name the ledger"; }
grep -q "^GET /v2/app/referrers/$D2 200$" "$T/req-gate" || { cat "$T/req-gate"; fail "the gate did not read qa's ledger through the API"; }
no_tag_schema "$T/req-gate" "the gate"
assert_eq "$(gh_output digest)" "$D2" "digest output (gate via the ledger)"
assert_eq "$(digest_at "$R/prod/app:prod")" "$D2" "prod after the gate passed via the ledger"
assert_eq "$(digest_at "$R/app:qa")" "$D3" "qa untouched by the promotion to prod"
pass "promote__gate_passes_digest_in_previous_stage_ledger_via_referrers_api"

skopeo copy -q --dest-tls-verify=false "oci:$T/img4" "docker://$R/app:dev"
D4=$(digest_of "$R/app:dev")
actions_env
mark=$(wc -l <"$PLOG")
set +e; C promote --to prod --digest "$D4" >"$T/refused.out" 2>&1; rc=$?; set -e
proxy_since "$mark" >"$T/req-refused"
assert_eq "$rc" 1 "exit code of a gate refusal"
grep -q "^::error::.*gate: $D4 is not in stage 'qa' and the ledger never recorded it there" "$T/refused.out" ||
	{ cat "$T/refused.out"; fail "the refusal does not say the ledger never recorded the digest in qa"; }
grep -q "^GET /v2/app/referrers/$D4 200$" "$T/req-refused" || { cat "$T/req-refused"; fail "the gate did not read qa's ledger through the API"; }
if grep -vE '^(GET|HEAD) ' "$T/req-refused"; then fail "a refused promotion wrote to the registry"; fi
assert_eq "$(digest_at "$R/prod/app:prod")" "$D2" "prod after the refusal"
pass "promote__gate_refuses_digest_never_in_previous_stage_via_referrers_api"

# 6. qa moved outside convoy (skopeo copy of D4 straight onto app:qa): D4 has no record, so the
# walk back through previous digests cannot start. With the API the records have no tag of
# their own: history finds the subjects among the digests of the repository's tags (the
# images keep version tags, as `convoy push` writes them), lists qa's records and warns;
# rollback goes back to D3, what convoy last promoted to qa.
for i in 1 2 3; do skopeo copy -q --dest-tls-verify=false "oci:$T/img$i" "docker://$R/app:v$i"; done
skopeo copy -q --dest-tls-verify=false "oci:$T/img4" "docker://$R/app:qa"
assert_eq "$(digest_at "$R/app:qa")" "$D4" "qa after the move outside convoy"
actions_env
mark=$(wc -l <"$PLOG")
C history --stage qa >"$T/hist-moved.out" 2>&1 || { cat "$T/hist-moved.out"; fail "history after qa was moved outside convoy"; }
proxy_since "$mark" >"$T/req-hist-moved"
no_tag_schema "$T/req-hist-moved" "history after the move"
grep -q "^GET /v2/app/tags/list" "$T/req-hist-moved" || { cat "$T/req-hist-moved"; fail "history did not list the tags"; }
grep -q "which no convoy promotion recorded" "$T/hist-moved.out" || { cat "$T/hist-moved.out"; fail "history does not warn about the move"; }
gh_output records | python3 -c '
import sys, json
got = ["%s:%s" % (r.get("kind"), r["digest"]) for r in json.load(sys.stdin)]
want = sys.argv[1:]
if got != want: sys.exit("history of qa after the move:\n  %s\nwant:\n  %s" % ("\n  ".join(got), "\n  ".join(want)))
' "promote:$D3" "rollback:$D1" "promote:$D2" "promote:$D1" || { cat "$T/hist-moved.out"; fail "history of qa after the move"; }
pass "history__referrers_api_tag_moved_outside_convoy"

actions_env
C rollback --stage qa >"$T/rb-moved.out" 2>&1 || { cat "$T/rb-moved.out"; fail "rollback after qa was moved outside convoy"; }
assert_eq "$(digest_at "$R/app:qa")" "$D3" "qa after the rollback from an untracked digest"
grep -q "the image convoy last promoted to qa" "$T/rb-moved.out" || { cat "$T/rb-moved.out"; fail "rollback does not say where it went"; }
pass "rollback__referrers_api_tag_moved_outside_convoy"

# Over the whole run: no referrers tag in any repository, none ever touched through the proxy.
no_tag_schema "$PLOG" "a command of this test"
for repo in app prod/app; do
	case " $(tags_of "$R/$repo") " in *" sha256-"*) fail "a referrers tag was written in $repo: $(tags_of "$R/$repo")" ;; esac
done
pass "promote__referrers_api_ledger_has_no_referrers_tags"
