#!/usr/bin/env bash
# scripts/demo.sh, as a newcomer runs it: it succeeds against its own registry, and the lines it
# prints itself (not convoy's) are sentences that say what each step does, ending with what was
# achieved and what to run next, naming the digest that history shows in prod.
source "$(dirname "$0")/lib.sh"
need docker-registry
CONVOY="$CONVOY" bash "$CONVOY_SRC/scripts/demo.sh" >"$T/demo.out" 2>&1 || { cat "$T/demo.out"; fail "the demo failed"; }
out=$(cat "$T/demo.out")
! grep -q '^== ' "$T/demo.out" || fail "terse '== ' headings left: $(grep '^== ' "$T/demo.out")"
for n in 1 2 3 4 5; do
	grep -qE "^Step $n of 5, convoy [a-z]+[^:]*: [a-z].*[a-z0-9)']:$" "$T/demo.out" || fail "no sentence introducing step $n: $out"
done
assert_contains "$out" "Started a registry on 127.0.0.1:" "the registry line says what it is"
assert_contains "$out" "The job summary GitHub would show under these steps (markdown):" "the summary is introduced"
digest=$(sed -nE 's/^stage prod: now (sha256:[0-9a-f]{64})$/\1/p' "$T/demo.out")
[ -n "$digest" ] || fail "history shows no digest in prod: $out"
grep -qxF "Done: one image, $digest, was pushed once to dev and promoted to qa and prod without a rebuild." "$T/demo.out" ||
	fail "no closing sentence naming prod's digest: $out"
grep -qE "^To run it on Amazon ECS: convoy deploy --stage prod --image 127\.0\.0\.1:[0-9]+/prod/app@$digest " "$T/demo.out" ||
	fail "no next step naming the image: $out"
pass "demo__summary_lines_are_sentences"
