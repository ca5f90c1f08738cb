#!/usr/bin/env bash
# promote, more cases against one real registry: a stage with several tags (every tag moves, all
# listed in the `tags` output), qa -> prod across repositories of one registry (every blob,
# the ledger's empty blob included, mounted from the source repository, per the registry's
# request log: no byte uploaded), a re-promotion of the same digest (no tag written, no bytes),
# --dry-run (GET and HEAD only, tags and ledger unchanged, outputs written), a concurrent tag
# move between convoy's tag PUT and its read-back, and a concurrent writer of the ledger index
# (tests/e2e/tools/faultproxy.py, action then_put).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
start_registry A
R=127.0.0.1:$A_PORT
EMPTY=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
mkimage "$T/img1" --seed 41 --layers 3
mkimage "$T/img2" --seed 42 --layers 2
skopeo copy -q --dest-tls-verify=false "oci:$T/img1" "docker://$R/app:dev"
S="dev=$R/app:dev; qa=$R/app:qa,qa-stable; prod=$R/prod/app:prod"
C() { "$CONVOY" "$@" --stages "$S" --insecure-registry "$R"; }
tags_of() { skopeo list-tags --tls-verify=false "docker://$1" 2>/dev/null | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"])))'; }
D1=$(digest_of "$R/app:dev")
[ -n "$D1" ] || fail "seed image not in the registry"

# dev -> qa, a stage with two tags in one repository.
actions_env
before=$(wc -l <"$A_LOG")
C promote --to qa >"$T/qa.out" 2>&1 || { cat "$T/qa.out"; fail "promote --to qa"; }
requests_since "$before" >"$T/req-qa"
assert_eq "$(gh_output digest)" "$D1" "digest output (qa)"
assert_eq "$(gh_output tags)" "$R/app:qa
$R/app:qa-stable" "tags output lists every tag of the stage"
assert_eq "$(gh_output previous-digest)" "" "previous-digest output (qa, first promotion)"
assert_eq "$(digest_of "$R/app:qa")" "$D1" "first tag of qa in the registry"
assert_eq "$(digest_of "$R/app:qa-stable")" "$D1" "second tag of qa in the registry"
pass "promote__multi_tag_stage_moves_every_tag"

# The ledger is in the source repository (app): its empty blob is not looked for first; the
# first record is refused for want of it, the 2 bytes go up, the record again.
n_head=$(grep -c "HEAD /v2/app/blobs/$EMPTY" "$T/req-qa" || true)
n_up=$(grep -cE "\"PUT /v2/app/blobs/uploads/[^ ]*digest=sha256(%3A|:)${EMPTY#sha256:}[^ ]* HTTP/1.1\" 201" "$T/req-qa" || true)
n_rec=$(grep -cE '"PUT /v2/app/manifests/sha256:[0-9a-f]{64} HTTP/1.1" (201|400|404)' "$T/req-qa" || true)
[ "$n_head/$n_up/$n_rec" = "0/1/2" ] ||
	{ cat "$T/req-qa"; fail "first record in app: want no HEAD, 1 upload, 2 record PUTs; got $n_head/$n_up/$n_rec"; }
pass "promote__first_record_uploads_the_empty_blob_after_a_refusal"

# qa -> prod, another repository of the same registry: every blob mounted from app, the
# ledger's empty blob included.
actions_env
before=$(wc -l <"$A_LOG")
C promote --to prod >"$T/prod.out" 2>&1 || { cat "$T/prod.out"; fail "promote --to prod"; }
requests_since "$before" >"$T/req-prod"
[ -s "$T/req-prod" ] || fail "registry log shows no requests for the prod promotion"
assert_eq "$(gh_output digest)" "$D1" "digest output (prod)"
assert_eq "$(gh_output image)" "$R/prod/app@$D1" "image output (prod)"
assert_eq "$(gh_output tags)" "$R/prod/app:prod" "tags output (prod)"
assert_eq "$(digest_of "$R/prod/app:prod")" "$D1" "prod tag in the registry"
skopeo copy -q --src-tls-verify=false "docker://$R/prod/app@$D1" "oci:$T/pulled" >/dev/null \
	|| fail "the promoted image cannot be pulled whole from prod/app"
mounted=$(sed -nE 's/^blobs: ([0-9]+) mounted.*/\1/p' "$T/prod.out")
[ -n "$mounted" ] || { cat "$T/prod.out"; fail "no 'blobs: N mounted' line in the log"; }
python3 - "$T/req-prod" "$T/img1" "$EMPTY" "$mounted" <<'PY' || { cat "$T/req-prod"; fail "cross-repository promotion did not mount every blob"; }
import sys, json, os, re
reqs = open(sys.argv[1]).read().splitlines()
layout, empty, mounted = sys.argv[2], sys.argv[3], int(sys.argv[4])
def load(d): return json.load(open(os.path.join(layout, "blobs", *d.split(":"))))
m = load(json.load(open(os.path.join(layout, "index.json")))["manifests"][0]["digest"])
image = {m["config"]["digest"]} | {l["digest"] for l in m["layers"]}
if empty in image: sys.exit("test image unexpectedly contains the empty blob")
parsed = []
for r in reqs:
    g = re.match(r'"(\w+) (\S+) HTTP/[0-9.]+" (\d+)$', r)
    parsed.append((g.group(1), g.group(2), int(g.group(3))))
if any(meth == "PATCH" for meth, _, _ in parsed): sys.exit("PATCH sent: blob bytes uploaded in chunks")
mounts, plain_posts, uploads = {}, 0, []
for meth, path, st in parsed:
    if meth == "POST" and path.startswith("/v2/prod/app/blobs/uploads/"):
        q = re.search(r"[?&]mount=sha256(?:%3A|:)([0-9a-f]{64})", path)
        if not q:
            plain_posts += 1
            continue
        frm = re.search(r"[?&]from=([^&]+)", path)
        if not frm or frm.group(1) != "app": sys.exit("mount not from 'app': " + path)
        mounts["sha256:" + q.group(1)] = st
    elif meth == "PUT" and "/blobs/uploads/" in path:
        q = re.search(r"[?&]digest=sha256(?:%3A|:)([0-9a-f]{64})", path)
        uploads.append("sha256:" + q.group(1) if q else path)
for d in sorted(image):
    if mounts.get(d) != 201: sys.exit("image blob %s: mount answered %s, want 201" % (d, mounts.get(d)))
# The ledger's empty blob too: app has it (qa's record), so it is mounted, not uploaded, and
# not looked for first.
if uploads or plain_posts: sys.exit("blob bytes uploaded: %s (%d plain POSTs)" % (uploads, plain_posts))
if mounts.get(empty) != 201: sys.exit("the ledger's empty blob: mount answered %s, want 201" % mounts.get(empty))
if [p for meth, p, _ in parsed if meth == "HEAD" and p.endswith("/blobs/" + empty)]:
    sys.exit("HEAD of the empty blob before mounting it")
if mounted != len(image): sys.exit("log says %d mounted, the image has %d blobs" % (mounted, len(image)))
PY
pass "promote__cross_repository_mounts_every_blob"

# A source repository without the ledger's empty blob (nothing was ever promoted into it): the
# mount of the empty blob is refused (202) and the 2 bytes go up through the session that
# refusal opened: one POST, one PUT, no HEAD.
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$R/fresh/src:dev"
before=$(wc -l <"$A_LOG")
"$CONVOY" promote --stages "dev=$R/fresh/src:dev; qa=$R/fresh/dst:qa" --insecure-registry "$R" \
	--to qa >"$T/fresh.out" 2>&1 || { cat "$T/fresh.out"; fail "promotion from a repository without the empty blob"; }
requests_since "$before" >"$T/req-fresh"
e=${EMPTY#sha256:}
n_post=$(grep -cE "\"POST /v2/fresh/dst/blobs/uploads/\\?mount=sha256(%3A|:)$e&from=fresh(%2F|/)src HTTP/1.1\" 202" "$T/req-fresh" || true)
n_put=$(grep -cE "\"PUT /v2/fresh/dst/blobs/uploads/[^ ]*digest=sha256(%3A|:)$e[^ ]* HTTP/1.1\" 201" "$T/req-fresh" || true)
n_head=$(grep -c "HEAD /v2/fresh/dst/blobs/$EMPTY" "$T/req-fresh" || true)
n_plain=$(grep -cE '"POST /v2/fresh/dst/blobs/uploads/ HTTP' "$T/req-fresh" || true)
[ "$n_post/$n_put/$n_head/$n_plain" = "1/1/0/0" ] ||
	{ cat "$T/req-fresh"; fail "empty blob: want 1 refused mount, 1 PUT, no HEAD, no plain POST; got $n_post/$n_put/$n_head/$n_plain"; }
pass "promote__empty_blob_uploaded_through_refused_mount"

# qa again with the digest it already has: success, no tag written, no blob touched.
actions_env
before=$(wc -l <"$A_LOG")
C promote --to qa >"$T/again.out" 2>&1 || { cat "$T/again.out"; fail "re-promotion of the same digest"; }
requests_since "$before" >"$T/req-again"
assert_eq "$(gh_output digest)" "$D1" "digest output (re-promotion)"
assert_eq "$(gh_output previous-digest)" "$D1" "previous-digest output (re-promotion)"
assert_eq "$(gh_output tags)" "$R/app:qa
$R/app:qa-stable" "tags output (re-promotion)"
assert_eq "$(digest_of "$R/app:qa")" "$D1" "qa after the re-promotion"
assert_eq "$(digest_of "$R/app:qa-stable")" "$D1" "qa-stable after the re-promotion"
if grep -E '^"PUT /v2/app/manifests/(qa|qa-stable) ' "$T/req-again"; then fail "re-promotion rewrote a tag"; fi
if grep -E '^"(POST|PUT|PATCH) [^ ]*/blobs/' "$T/req-again"; then fail "re-promotion touched blobs"; fi
# Nothing moved, so nothing is recorded: a record whose previous digest is its own digest
# would send a later rollback nowhere.
if grep -E '^"(PUT|POST|PATCH|DELETE) ' "$T/req-again"; then fail "re-promotion wrote to the registry (a ledger record?)"; fi
assert_contains "$(cat "$T/again.out")" "unchanged: $D1 -> $R/app:qa" "re-promotion says unchanged"
grep -q '^blobs: 0 mounted, 0 copied, 0 already there; 0 manifest puts' "$T/again.out" \
	|| { cat "$T/again.out"; fail "re-promotion reports work done"; }
pass "promote__repromotion_of_same_digest_writes_no_tag"

# --dry-run with a new digest in dev: says what would change, writes outputs, changes nothing.
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$R/app:dev"
D2=$(digest_of "$R/app:dev")
actions_env
C history --stage qa >"$T/hist-before" 2>&1 || { cat "$T/hist-before"; fail "history before the dry run"; }
app_tags=$(tags_of "$R/app"); prod_tags=$(tags_of "$R/prod/app")
actions_env
before=$(wc -l <"$A_LOG")
C promote --to qa --dry-run >"$T/dry.out" 2>&1 || { cat "$T/dry.out"; fail "promote --dry-run"; }
requests_since "$before" >"$T/req-dry"
[ -s "$T/req-dry" ] || fail "registry log shows no requests for the dry run"
out=$(cat "$T/dry.out")
assert_contains "$out" "would promote $D2 -> $R/app:qa (was $D1)" "dry-run log (qa)"
assert_contains "$out" "would promote $D2 -> $R/app:qa-stable (was $D1)" "dry-run log (qa-stable)"
if grep -q '^promoted ' "$T/dry.out"; then cat "$T/dry.out"; fail "dry run says it promoted"; fi
assert_eq "$(gh_output digest)" "$D2" "digest output (dry run)"
assert_eq "$(gh_output previous-digest)" "$D1" "previous-digest output (dry run)"
assert_eq "$(gh_output to)" "qa" "to output (dry run)"
assert_eq "$(gh_output tags)" "$R/app:qa
$R/app:qa-stable" "tags output (dry run)"
grep -q '(dry run)' "$T/gh/summary" || fail "job summary does not say dry run: $(cat "$T/gh/summary")"
if grep -vE '^"(GET|HEAD) ' "$T/req-dry"; then fail "the dry run sent requests that change the registry"; fi
assert_eq "$(digest_of "$R/app:qa")" "$D1" "qa after the dry run"
assert_eq "$(digest_of "$R/app:qa-stable")" "$D1" "qa-stable after the dry run"
assert_eq "$(tags_of "$R/app")" "$app_tags" "app tags after the dry run"
assert_eq "$(tags_of "$R/prod/app")" "$prod_tags" "prod/app tags after the dry run"
actions_env
C history --stage qa >"$T/hist-after" 2>&1 || { cat "$T/hist-after"; fail "history after the dry run"; }
assert_eq "$(cat "$T/hist-after")" "$(cat "$T/hist-before")" "history of qa after the dry run"
assert_not_contains "$(cat "$T/hist-after")" "$D2" "history of qa after the dry run"
pass "promote__dry_run_changes_nothing"

# A concurrent run moves qa right after convoy's tag PUT landed (the proxy puts app:other under
# the same path before answering convoy): the read-back sees it and convoy fails, naming the tag
# and where it is now; the promotion itself is recorded in the ledger.
PROXY=$(free_port)
echo '[]' >"$T/rules.json"
: >"$T/proxy.log"
python3 "$CONVOY_SRC/tests/e2e/tools/faultproxy.py" "$PROXY" "http://$R" "$T/rules.json" "$T/proxy.log" &
at_exit "kill $!"
wait_port "$PROXY" "$!"
P=127.0.0.1:$PROXY # convoy goes through the proxy; skopeo checks the registry itself
mkimage "$T/img3" --seed 43 --layers 1
mkimage "$T/img4" --seed 44 --layers 1
skopeo copy -q --dest-tls-verify=false "oci:$T/img3" "docker://$R/race/app:dev"
skopeo copy -q --dest-tls-verify=false "oci:$T/img4" "docker://$R/race/app:other"
D3=$(digest_of "$R/race/app:dev"); DO=$(digest_of "$R/race/app:other")
[ "$D3" != "$DO" ] || fail "the two race images have the same digest"
echo '[{"method":"PUT","path":"^/v2/race/app/manifests/qa$","action":"then_put","ref":"other"}]' >"$T/rules.json"
actions_env
set +e
"$CONVOY" promote --stages "dev=$P/race/app:dev; qa=$P/race/app:qa" --insecure-registry "$P" --to qa \
	>"$T/race.out" 2>&1
rc=$?
set -e
echo '[]' >"$T/rules.json"
# The concurrent PUT landed, and convoy's read-back of qa came after it.
python3 - "$T/proxy.log" <<'PY2' || { cat "$T/proxy.log"; fail "the proxy did not move qa before the read-back"; }
import sys
log = [l.split() for l in open(sys.argv[1]).read().splitlines()]
moved = [i for i, f in enumerate(log) if f[:2] == ["PUT", "/v2/race/app/manifests/qa"] and f[3:] == ["201", "put_over"]]
reads = [i for i, f in enumerate(log) if f[0] in ("HEAD", "GET") and f[1] == "/v2/race/app/manifests/qa" and f[4] == "-"]
if len(moved) != 1: sys.exit("want one concurrent PUT of qa, got %d" % len(moved))
if not [i for i in reads if i > moved[0]]: sys.exit("no read-back of qa after the concurrent PUT")
PY2
assert_eq "$rc" 1 "exit code when a concurrent run moved the tag"
out=$(cat "$T/race.out")
grep -q '^::error::' "$T/race.out" || { cat "$T/race.out"; fail "concurrent move without ::error::"; }
assert_contains "$out" "a concurrent run moved 1 tag after this promotion wrote it: $P/race/app:qa now at $DO" \
	"error names the tag and where it is now"
assert_contains "$out" "-> $P/race/app:qa (was unset); now at $DO (moved by a concurrent run)" \
	"the log line of the tag says where it is now"
grep -q "^::warning title=tag moved concurrently::$P/race/app:qa now at $DO" "$T/race.out" ||
	{ cat "$T/race.out"; fail "no warning annotation for the moved tag"; }
sum=$(cat "$T/gh/summary")
assert_contains "$sum" "Moved by a concurrent run" "the job summary says a tag was moved"
assert_contains "$sum" "$P/race/app:qa now at $DO" "the job summary names the moved tag"
assert_contains "$sum" "\`${DO:0:19}\` ⚠️ moved" "the summary's digest after is the read-back one"
assert_contains "$out" "the promotion of $D3 is recorded" "error says the promotion is recorded"
assert_eq "$(digest_of "$R/race/app:qa")" "$DO" "qa is where the concurrent run left it"
# Recorded: the ledger (referrers tag schema on this registry) holds a record of this promotion,
# read with skopeo; `convoy history --stage qa` finds it through the ledger listing (qa is at a
# digest no promotion recorded) and warns.
python3 - "$R" race/app "$D3" <<'PY2' || fail "the promotion of $D3 is not in the ledger"
import sys, json, subprocess
reg, repo, digest = sys.argv[1:]
def raw(ref):
    return json.loads(subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://%s/%s%s" % (reg, repo, ref)],
                                     check=True, capture_output=True).stdout)
index = raw(":sha256-" + digest.split(":")[1])
recs = [m for m in index.get("manifests", []) if m.get("artifactType") == "application/vnd.convoy.promotion.v1+json"]
if len(recs) != 1: sys.exit("want one ledger record for the digest, got %d" % len(recs))
a = recs[0].get("annotations", {})
if a.get("dev.convoy.promotion.digest") != digest or a.get("dev.convoy.promotion.to") != "qa":
    sys.exit("ledger record is not the promotion of the digest to qa: %s" % a)
if raw("@" + recs[0]["digest"]).get("subject", {}).get("digest") != digest:
    sys.exit("ledger record manifest does not have the promoted digest as subject")
PY2
"$CONVOY" history --stages "dev=$R/race/app:dev; qa=$R/race/app:qa" --insecure-registry "$R" --stage qa \
	>"$T/race-hist" 2>&1 || { cat "$T/race-hist"; fail "history of qa after the concurrent move"; }
assert_contains "$(cat "$T/race-hist")" "$D3" "history of qa lists the promotion the concurrent run overwrote"
assert_contains "$(cat "$T/race-hist")" "which no convoy promotion recorded" "history warns that qa was moved"
pass "promote__concurrent_tag_move_detected_by_read_back"

# Two promotions of one digest into one repository at the same time both read the ledger's
# tag schema index, append their record and put it back: the later PUT would drop the other's
# record. Here the proxy plays the other writer: right after convoy's index PUT it puts back
# the index as it was before (without convoy's record). convoy reads the tag back, sees
# another index, reads it again, appends its record and puts it once more.
mkimage "$T/img5" --seed 45 --layers 1
skopeo copy -q --dest-tls-verify=false "oci:$T/img5" "docker://$R/lost/app:dev"
D5=$(digest_of "$R/lost/app:dev")
LS="dev=$P/lost/app:dev; qa=$P/lost/app:qa; prod=$P/lost/app:prod"
echo '[]' >"$T/rules.json"
"$CONVOY" promote --stages "$LS" --insecure-registry "$P" --to qa >"$T/lost1.out" 2>&1 ||
	{ cat "$T/lost1.out"; fail "promotion to qa"; }
X1=$(digest_of "$R/lost/app:sha256-${D5#sha256:}")
# (the proxy counts rules by position: the race's rule, spent, stays first)
printf '[{"method":"NONE","path":"^$"},{"method":"PUT","path":"^/v2/lost/app/manifests/sha256-%s$","action":"then_put","ref":"%s"}]' \
	"${D5#sha256:}" "$X1" >"$T/rules.json"
: >"$T/proxy.log"
"$CONVOY" promote --stages "$LS" --insecure-registry "$P" --to prod >"$T/lost2.out" 2>&1 ||
	{ cat "$T/lost2.out"; fail "promotion to prod while another writer reverts the ledger index"; }
echo '[]' >"$T/rules.json"
n=$(grep -E "^PUT /v2/lost/app/manifests/sha256-${D5#sha256:} [0-9]+ 201 " "$T/proxy.log" | grep -vc put_over || true)
assert_eq "$n" 2 "convoy put the ledger index again after the other writer dropped its record"
grep -q "put_over" "$T/proxy.log" || { cat "$T/proxy.log"; fail "the proxy did not revert the index"; }
python3 - "$R" lost/app "$D5" <<'PY2' || fail "a ledger record was lost"
import sys, json, subprocess
reg, repo, digest = sys.argv[1:]
out = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false",
                      "docker://%s/%s:sha256-%s" % (reg, repo, digest.split(":")[1])],
                     check=True, capture_output=True).stdout
recs = [m for m in json.loads(out).get("manifests", [])
        if m.get("artifactType") == "application/vnd.convoy.promotion.v1+json"]
got = sorted(m["annotations"]["dev.convoy.promotion.to"] for m in recs)
if got != ["prod", "qa"]: sys.exit("want the records of qa and prod, got %s" % got)
PY2
"$CONVOY" history --stages "$LS" --insecure-registry "$R" --stage prod >"$T/lost-hist" 2>&1 ||
	{ cat "$T/lost-hist"; fail "history of prod"; }
assert_contains "$(cat "$T/lost-hist")" "$D5" "history of prod shows the promotion"
pass "promote__ledger_index_lost_update_repaired"

# The ledger refuses the record after the tags moved (403 on the record's PUT by digest): every
# promotion is recorded, so the tags go back. qa existed (at D6): back at D6. qa-new did not:
# the registry API cannot delete it, the error names it and says to run the promotion again,
# and the run again records it (the tags are at the digest already; nothing else is written).
mkimage "$T/img6" --seed 46 --layers 1
mkimage "$T/img7" --seed 47 --layers 1
skopeo copy -q --dest-tls-verify=false "oci:$T/img6" "docker://$R/unrec/app:dev"
D6=$(digest_of "$R/unrec/app:dev")
US="dev=$P/unrec/app:dev; qa=$P/unrec/app:qa"
echo '[]' >"$T/rules.json"
"$CONVOY" promote --stages "$US" --insecure-registry "$P" --to qa >"$T/unrec0.out" 2>&1 ||
	{ cat "$T/unrec0.out"; fail "first promotion to qa"; }
skopeo copy -q --dest-tls-verify=false "oci:$T/img7" "docker://$R/unrec/app:dev"
D7=$(digest_of "$R/unrec/app:dev")
# (the proxy counts rules by position: the earlier rules, spent, stay first)
printf '[{"method":"NONE","path":"^$"},{"method":"NONE","path":"^$"},{"method":"PUT","path":"^/v2/unrec/app/manifests/sha256:","action":"status","status":403,"times":100}]' >"$T/rules.json"
set +e
"$CONVOY" promote --stages "$US" --insecure-registry "$P" --to qa >"$T/unrec1.out" 2>&1; rc=$?
"$CONVOY" promote --stages "dev=$P/unrec/app:dev; qa=$P/unrec/app:qa,qa-new" --insecure-registry "$P" \
	--to qa >"$T/unrec2.out" 2>&1; rc2=$?
set -e
echo '[]' >"$T/rules.json"
assert_eq "$rc" 1 "exit code when the ledger refuses the record"
assert_contains "$(cat "$T/unrec1.out")" "the promotion could not be recorded, so the tags were put back where they were (nothing changed)" \
	"the error says the tags were put back"
assert_eq "$rc2" 1 "exit code when the ledger refuses the record (a new tag)"
assert_contains "$(cat "$T/unrec2.out")" "$P/unrec/app:qa-new did not exist before and stays at $D7" \
	"the error names the new tag that stays"
assert_eq "$(digest_of "$R/unrec/app:qa")" "$D6" "qa is back where it was"
assert_eq "$(digest_of "$R/unrec/app:qa-new")" "$D7" "qa-new stays (no tag deletion in the API)"
# Run again without the fault, the stage being qa-new alone: it is at the digest already, with
# no record of it: recorded now, and no tag written.
: >"$T/proxy.log"
"$CONVOY" promote --stages "dev=$P/unrec/app:dev; qa=$P/unrec/app:qa-new" --insecure-registry "$P" \
	--to qa >"$T/unrec4.out" 2>&1 || { cat "$T/unrec4.out"; fail "promotion to qa-new again"; }
assert_contains "$(cat "$T/unrec4.out")" "unchanged: $D7" "the tag is at the digest already"
assert_contains "$(cat "$T/unrec4.out")" "no promotion to qa was recorded: recorded now" \
	"the missing record is written"
if grep -E "^PUT /v2/unrec/app/manifests/qa-new " "$T/proxy.log"; then fail "qa-new was written again"; fi
grep -qE "^PUT /v2/unrec/app/manifests/sha256-${D7#sha256:} [0-9]+ 201" "$T/proxy.log" ||
	{ cat "$T/proxy.log"; fail "the record of $D7 was not published"; }
# And once recorded, a run again writes nothing at all.
: >"$T/proxy.log"
"$CONVOY" promote --stages "dev=$P/unrec/app:dev; qa=$P/unrec/app:qa-new" --insecure-registry "$P" \
	--to qa >"$T/unrec5.out" 2>&1 || { cat "$T/unrec5.out"; fail "promotion to qa-new a third time"; }
assert_not_contains "$(cat "$T/unrec5.out")" "recorded now" "a recorded promotion is not recorded twice"
if grep -vE "^(GET|HEAD) " "$T/proxy.log"; then fail "a run with everything in place wrote to the registry"; fi
pass "promote__unrecorded_promotion_puts_tags_back"

# The ledger index keeps changing (the proxy reverts it after each of convoy's 5 PUTs): convoy
# gives up, says the record may be missing, and leaves the tags (the record may be in another
# writer's index: putting the tags back could leave a record of a promotion that did not
# happen). A run again finds the tags at the digest and writes the record.
mkimage "$T/img8" --seed 48 --layers 1
mkimage "$T/img9" --seed 49 --layers 1
skopeo copy -q --dest-tls-verify=false "oci:$T/img8" "docker://$R/busy/app:dev"
skopeo copy -q --dest-tls-verify=false "oci:$T/img9" "docker://$R/busy/app:prod"
D8=$(digest_of "$R/busy/app:dev")
BS="dev=$P/busy/app:dev; qa=$P/busy/app:qa; prod=$P/busy/app:prod"
echo '[]' >"$T/rules.json"
"$CONVOY" promote --stages "$BS" --insecure-registry "$P" --to qa >"$T/busy0.out" 2>&1 ||
	{ cat "$T/busy0.out"; fail "promotion of $D8 to qa"; }
X8=$(digest_of "$R/busy/app:sha256-${D8#sha256:}")
printf '[{"method":"NONE","path":"^$"},{"method":"NONE","path":"^$"},{"method":"NONE","path":"^$"},{"method":"PUT","path":"^/v2/busy/app/manifests/sha256-%s$","action":"then_put","ref":"%s","times":5}]' \
	"${D8#sha256:}" "$X8" >"$T/rules.json"
set +e
"$CONVOY" promote --stages "$BS" --insecure-registry "$P" --to prod >"$T/busy1.out" 2>&1; rc=$?
set -e
echo '[]' >"$T/rules.json"
assert_eq "$rc" 1 "exit code when the ledger index keeps changing"
assert_contains "$(cat "$T/busy1.out")" "kept changing under concurrent promotions (5 tries)" "the error says why"
assert_eq "$(digest_of "$R/busy/app:prod")" "$D8" "prod stays at the digest (not put back)"
"$CONVOY" promote --stages "$BS" --insecure-registry "$P" --to prod >"$T/busy2.out" 2>&1 ||
	{ cat "$T/busy2.out"; fail "promotion to prod again"; }
assert_contains "$(cat "$T/busy2.out")" "no promotion to prod was recorded: recorded now" "the run again records it"
"$CONVOY" history --stages "$BS" --insecure-registry "$R" --stage prod >"$T/busy-hist" 2>&1 ||
	{ cat "$T/busy-hist"; fail "history of prod"; }
assert_contains "$(cat "$T/busy-hist")" "$D8" "history of prod shows the promotion"
pass "promote__contended_ledger_index_leaves_tags_and_is_recorded_again"
