#!/usr/bin/env bash
# prune: retention that knows the stages, against docker-registry with deletion enabled. Six
# images go through dev -> qa -> prod (four reach prod, one stops in qa, one in dev), one is
# tagged sha-* outside every stage, one carries a tag outside convoy's patterns; two are
# signed. Prune with --keep 1: the dry run (the default) deletes nothing; the real run deletes
# the two images no stage needs any more (untagged, found through the ledger), their ledger
# records, signatures and referrers indexes, and the sha-* image; then the registry's garbage
# collection frees their blobs. Every stage's tag, the rollback targets, the kept signature
# and the foreign tag survive, and rollback still works. A registry that refuses deletion is
# named before anything is deleted.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need openssl
PY=/usr/bin/python3
start_registry A
A_PID=$! # start_registry's server: stopped for the garbage collection, as its docs ask
grep -q "registry-A/config.yml" "/proc/$A_PID/cmdline" || fail "registry A's pid not found"
RA=127.0.0.1:$A_PORT
cat >"$T/convoy.yml" <<EOC
stages:
  - name: dev
    repository: $RA/app
    tags: [dev]
  - name: qa
    repository: $RA/app
    tags: [qa]
  - name: prod
    repository: $RA/app
    tags: [prod]
EOC
C() { "$CONVOY" "$@" --pipeline-file "$T/convoy.yml" --insecure-registry "$RA"; }
run() { "$@" >"$T/run.out" 2>&1 || { cat "$T/run.out"; fail "$*"; }; }
# Images 1 and 3 are multi-platform indexes: their platform manifests go and stay with them.
push() { local plat=(); case $1 in 1|3) plat=(--platforms linux/amd64,linux/arm64) ;; esac
	mkimage "$T/img-$1" --seed "prune-$1" --layers 2 --layer-size 200000 "${plat[@]}"
	skopeo copy -q --all --dest-tls-verify=false "oci:$T/img-$1" "docker://$RA/app:$2"; }
declare -A D
for k in 1 2 3 4 5 6; do
	push "$k" dev
	D[$k]=$(digest_of "$RA/app:dev")
	[ "$k" -le 5 ] && run C promote --to qa
	[ "$k" -le 4 ] && run C promote --to prod
done
push s sha-1234567; D[s]=$(digest_of "$RA/app:sha-1234567")
push k keepme; D[k]=$(digest_of "$RA/app:keepme")
children() { skopeo inspect --raw --tls-verify=false "docker://$RA/app@$1" | $PY -c 'import json,sys; print(" ".join(m["digest"] for m in json.load(sys.stdin)["manifests"]))'; }
P1=$(children "${D[1]}"); P3=$(children "${D[3]}")
[ "$(echo $P1 | wc -w)" = 2 ] && [ "$(echo $P3 | wc -w)" = 2 ] || fail "images 1 and 3 are not two-platform indexes"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/k1.pem"
openssl ec -in "$T/k1.pem" -pubout -out "$T/k1.pub" 2>/dev/null
run "$CONVOY" sign --key "$T/k1.pem" --image "$RA/app@${D[1]}"
run "$CONVOY" sign --key "$T/k1.pem" --image "$RA/app@${D[4]}"
# An orphan: image o is signed, then deleted outside convoy; its .sig tag and referrers index stay.
push o v0.1; D[o]=$(digest_of "$RA/app:v0.1")
run "$CONVOY" sign --key "$T/k1.pem" --image "$RA/app@${D[o]}"
$PY -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="DELETE"))' "http://$RA/v2/app/manifests/${D[o]}"
tags_of() { skopeo list-tags --tls-verify=false "docker://$RA/app" | $PY -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"])))'; }
exists() { skopeo inspect --raw --tls-verify=false "docker://$RA/app@$1" >/dev/null 2>&1; }
state() { tags_of; for d in "${D[@]}"; do exists "$d" && echo "$d"; done | sort; }
# verdict JSON DIGEST: "delete" or "keep: reason" of DIGEST in a plan.
verdict() { $PY -c 'import json,sys
for e in json.loads(sys.argv[1]):
    if e["digest"] == sys.argv[2]: print(e["verdict"] + ": " + e["reason"]); break
else: print("absent")' "$1" "$2"; }
assert_eq "$(digest_of "$RA/app:qa")" "${D[5]}" "qa before prune"
assert_eq "$(digest_of "$RA/app:prod")" "${D[4]}" "prod before prune"
assert_contains "$(tags_of)" "sha256-${D[1]#sha256:}.sig" "D1's signature tag"
assert_contains "$(tags_of)" "sha256-${D[o]#sha256:}.sig" "the orphan's signature tag"
exists "${D[o]}" && fail "the orphan's image was not deleted by the test"

# The dry run is the default: the plan, and nothing changes in the registry.
before=$(state)
C prune "$RA/app" --keep 1 --older-than 30d --format json >"$T/dry.json" 2>"$T/dry.err" \
	|| { cat "$T/dry.err"; fail "prune (dry run)"; }
assert_eq "$(state)" "$before" "dry run: tags and manifests unchanged"
plan=$($PY -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["plan"]))' "$T/dry.json")
assert_eq "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["deleted"])' "$T/dry.json")" 0 "dry run: deleted output"
assert_contains "$(verdict "$plan" "${D[s]}")" "delete: older than 30d" "dry run: the old sha-* image would go"
assert_contains "$(verdict "$plan" "${D[1]}")" "keep: younger than 30d" "dry run: D1 promoted just now is young"
assert_contains "$(cat "$T/dry.err")" "dry run:" "dry run: says so"
pass "prune__dry_run_is_the_default_and_changes_nothing"

# --tag-pattern asks for a tag outside convoy's patterns; under Actions too, no dry-run input
# is a dry run.
actions_env
env CONVOY_NOW=2030-01-01T00:00:00Z "$CONVOY" prune "$RA/app" --keep 1 --older-than 30d --tag-pattern '^keep' \
	--pipeline-file "$T/convoy.yml" --insecure-registry "$RA" >"$T/pat.out" 2>&1 || { cat "$T/pat.out"; fail "prune --tag-pattern"; }
plan=$(gh_output plan)
assert_contains "$(verdict "$plan" "${D[k]}")" "delete" "--tag-pattern: keepme may go"
assert_contains "$(verdict "$plan" "${D[2]}")" "delete: older than 30d" "in 2030, D2 may go"
assert_eq "$(gh_output deleted)" 0 "Actions without dry-run: deleted output"
assert_contains "$(cat "$T/gh/summary")" "(dry run)" "Actions without dry-run: the summary says dry run"
assert_eq "$(state)" "$before" "dry run under Actions: unchanged"
pass "prune__tag_pattern_extends_what_may_go"

# The real run, in the job's clock of 2030: everything is old; the stages decide.
du_before=$(du -sb "$T/registry-A/data" | cut -f1)
actions_env
env CONVOY_NOW=2030-01-01T00:00:00Z INPUT_DRY-RUN=false "$CONVOY" prune "$RA/app" --keep 1 --older-than 30d \
	--pipeline-file "$T/convoy.yml" --insecure-registry "$RA" >"$T/prune.out" 2>&1 \
	|| { cat "$T/prune.out"; fail "prune"; }
plan=$(gh_output plan)
want_del=$($PY -c 'import json,sys; print(sum(e["verdict"] == "delete" for e in json.loads(sys.argv[1])))' "$plan")
assert_eq "$(gh_output deleted)" "$want_del" "deleted output = the plan's deletions"
[ "$want_del" -ge 9 ] || fail "expected the images, records, signatures and indexes of D1, D2 and the sha-* image to go, plan: $plan"
assert_outputs_in_action_yml "$GITHUB_OUTPUT"
assert_not_contains "$(tags_of)" "sha256-${D[o]#sha256:}" "the orphan's signature tag and referrers index are gone"
for k in 1 2 s; do exists "${D[$k]}" && fail "deleted digest $k (${D[$k]}) still resolves"; done
for k in 3 4 5 6 k; do exists "${D[$k]}" || fail "kept digest $k (${D[$k]}) is gone"; done
for d in $P1; do exists "$d" && fail "platform manifest $d of the deleted index 1 still resolves"; done
for d in $P3; do exists "$d" || fail "platform manifest $d of the kept index 3 is gone"; done
assert_eq "$(digest_of "$RA/app:dev")" "${D[6]}" "dev tag after prune"
assert_eq "$(digest_of "$RA/app:qa")" "${D[5]}" "qa tag after prune"
assert_eq "$(digest_of "$RA/app:prod")" "${D[4]}" "prod tag after prune"
assert_eq "$(digest_of "$RA/app:keepme")" "${D[k]}" "the tag outside convoy's patterns survived"
tags=$(tags_of)
assert_not_contains "$tags" "sha256-${D[1]#sha256:}" "D1's referrers index and signature tag are gone"
assert_not_contains "$tags" "sha256-${D[2]#sha256:}" "D2's referrers index is gone"
assert_not_contains "$tags" "sha-1234567" "the sha-* tag is gone"
assert_contains "$tags" "sha256-${D[4]#sha256:}.sig" "the kept digest's signature tag"
assert_contains "$tags" "sha256-${D[3]#sha256:}" "the rollback target's ledger index"
run "$CONVOY" verify --key "$T/k1.pub" --image "$RA/app@${D[4]}"
assert_contains "$(verdict "$plan" "${D[3]}")" "keep: rollback target 1 of prod" "D3's reason"
assert_contains "$(verdict "$plan" "${D[4]}")" "keep: current in prod" "D4's reason"
assert_contains "$(cat "$T/gh/summary")" "| Digest | Tags | Age | Verdict |" "summary table"
pass "prune__deletes_what_no_stage_needs_and_keeps_tags_rollback_targets_and_signatures"

# The registry's garbage collection, with the registry stopped (its documentation: read-only
# or not running), frees the deleted images' blobs; then the registry serves again.
kill "$A_PID"; wait "$A_PID" || true
docker-registry garbage-collect "$T/registry-A/config.yml" >"$T/gc.out" 2>&1 || { cat "$T/gc.out"; fail "garbage-collect"; }
docker-registry serve "$T/registry-A/config.yml" >>"$T/registry-A/log" 2>&1 &
A_PID=$!; at_exit "kill $A_PID"; wait_port "$A_PORT" "$A_PID"
du_after=$(du -sb "$T/registry-A/data" | cut -f1)
[ "$du_after" -lt "$((du_before - 3 * 400000))" ] || fail "storage did not shrink by three images' layers: $du_before -> $du_after bytes"
for k in 3 4 5 6 k; do skopeo copy -q --src-tls-verify=false "docker://$RA/app@${D[$k]}" "dir:$T/pull-$k" || fail "kept image $k not whole after GC"; done
pass "prune__garbage_collection_frees_the_blobs"

# History still lists the kept digests' promotions (the walk ends at the deleted ones).
actions_env
run C history --stage prod
recs=$(gh_output records)
assert_contains "$recs" "${D[4]}" "prod history: D4's promotion"
assert_contains "$recs" "${D[3]}" "prod history: D3's promotion"
pass "prune__history_keeps_the_kept_digests_records"

# Rollback to each stage's kept target still works.
actions_env
run C rollback --stage prod
assert_eq "$(gh_output digest)" "${D[3]}" "rollback prod"
assert_eq "$(digest_of "$RA/app:prod")" "${D[3]}" "prod after rollback"
actions_env
run C rollback --stage qa
assert_eq "$(gh_output digest)" "${D[4]}" "rollback qa"
assert_eq "$(digest_of "$RA/app:qa")" "${D[4]}" "qa after rollback"
pass "prune__rollback_targets_still_roll_back"

# Usage errors (exit 2, nothing deleted).
usage() { set +e; C prune "$@" >"$T/u.out" 2>&1; rc=$?; set -e; assert_eq "$rc" 2 "prune $*"; }
before=$(tags_of)
usage "$RA/app" --older-than 30x; assert_contains "$(cat "$T/u.out")" "older-than" "bad duration names the input"
usage "$RA/other" --dry-run=false; assert_contains "$(cat "$T/u.out")" "in no stage" "a repository of no stage"
usage "$RA/app" --tag-pattern '(' --dry-run=false; assert_contains "$(cat "$T/u.out")" "tag-pattern" "bad regex names the input"
usage "$RA/app" --keep x; assert_contains "$(cat "$T/u.out")" "keep" "bad keep"
assert_eq "$(tags_of)" "$before" "usage errors changed nothing"
pass "prune__bad_input_is_a_usage_error"

# A registry that refuses deletion (docker-registry without storage.delete: 405 UNSUPPORTED)
# is named before anything is deleted.
port=$(free_port); dir="$T/registry-nodelete"; mkdir -p "$dir/data"
printf 'version: 0.1\nlog: {level: info, formatter: text}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' "$dir/data" "$port" >"$dir/config.yml"
docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
pid=$!; at_exit "kill $pid"; wait_port "$port" "$pid"
RB=127.0.0.1:$port
skopeo copy -q --dest-tls-verify=false "oci:$T/img-s" "docker://$RB/app:sha-1234567"
skopeo copy -q --dest-tls-verify=false "oci:$T/img-k" "docker://$RB/app:dev"
actions_env
set +e; CONVOY_NOW=2030-01-01T00:00:00Z "$CONVOY" prune "$RB/app" --stages "dev=$RB/app:dev" --insecure-registry "$RB" --keep 1 --dry-run=false >"$T/nd.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "prune on a registry without deletion"
assert_contains "$(cat "$T/nd.out")" "registry $RB refuses to delete" "the error names the registry"
assert_eq "$(digest_of "$RB/app:sha-1234567")" "${D[s]}" "nothing deleted there"
assert_eq "$(gh_output deleted)" 0 "the deleted output on failure"
assert_contains "$(cat "$T/nd.out")" "::error" "the failure is an error annotation"
pass "prune__registry_refusing_deletion_is_named_before_anything_goes"
