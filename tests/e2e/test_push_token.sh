#!/usr/bin/env bash
# push with the Bearer token flow: the real registry in token mode and a test token issuer
# (tools/token_issuer.py, RS256 JWTs). Tokens are fetched once per scope and reused; a user
# without push permission gets a clear error and no tag moves; a wrong password is refused
# without being printed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need openssl

start_token_registry TOK 'pusher:Tok-Pa55-w0rd:pull,push;reader:Read-Pa55-w0rd:pull'
R=127.0.0.1:$TOK_PORT
mkimage "$T/img" --layers 4 --seed 41
mkimage "$T/img2" --layers 2 --seed 42

actions_env
: >"$TOK_TOKENS"
"$CONVOY" push --source "$T/img" --tag-list "$R/app:1,$R/app:2" --username pusher --password 'Tok-Pa55-w0rd' \
	>"$T/out" 2>&1 || { cat "$T/out"; fail "token push"; }
# 5 blobs and 3 manifest writes, 4 workers: still one token per distinct scope (counted before
# skopeo's own checks fetch theirs).
n=$(wc -l <"$TOK_TOKENS")
[ "$n" -le 2 ] || { cat "$TOK_TOKENS"; fail "fetched $n tokens for one repository (want one per scope)"; }
d=$(gh_output digest)
for t in 1 2; do
	assert_eq "$(digest_of "$R/app:$t" --creds pusher:Tok-Pa55-w0rd)" "$d" "app:$t after a token push"
done
pass "push__bearer_token_flow_one_token_per_scope ($n tokens)"

# A reader may pull but not push: clear error, existing tags untouched.
actions_env
if "$CONVOY" push --source "$T/img2" --tag-list "$R/app:1" --username reader --password 'Read-Pa55-w0rd' >"$T/out" 2>&1; then
	fail "push without push permission succeeded"
fi
assert_contains "$(cat "$T/out")" "::error::" "permission error"
assert_contains "$(cat "$T/out")" "permission" "permission error names the problem"
assert_eq "$(digest_of "$R/app:1" --creds pusher:Tok-Pa55-w0rd)" "$d" "tag moved by a refused push"
assert_not_contains "$(grep -v '^::add-mask::' "$T/out")" "Read-Pa55-w0rd" "password printed"
pass "push__missing_push_permission_is_clear_and_changes_nothing"

# A wrong password: the issuer refuses; the message says so; the password is never printed.
actions_env
if "$CONVOY" push --source "$T/img2" --tag-list "$R/app:3" --username pusher --password 'Wr0ng-Tok-9' >"$T/out" 2>&1; then
	fail "wrong password accepted"
fi
assert_contains "$(cat "$T/out")" "credentials" "wrong password message"
assert_not_contains "$(grep -v '^::add-mask::' "$T/out" "$GITHUB_STEP_SUMMARY")" "Wr0ng-Tok-9" "password printed"
assert_eq "$(digest_of "$R/app:3" --creds pusher:Tok-Pa55-w0rd)" "" "tag created by a refused push"
pass "push__wrong_token_credentials"

# promote in the token registry: every round of parallel requests starts without credentials
# (lazy auth) and learns the challenge from the 401s; same repository and cross repository
# (mounts need the pull scope of the source too); history reads the ledger back.
actions_env
: >"$TOK_TOKENS"
"$CONVOY" promote --username pusher --password 'Tok-Pa55-w0rd' --to qa \
	--stages "dev=$R/app:1; qa=$R/app:qa; prod=$R/prod-app:prod" >"$T/out" 2>&1 || { cat "$T/out"; fail "token promote qa"; }
n=$(wc -l <"$TOK_TOKENS") # before skopeo fetches its own
assert_eq "$(digest_of "$R/app:qa" --creds pusher:Tok-Pa55-w0rd)" "$d" "app:qa after a token promote"
: >"$TOK_TOKENS"
actions_env
"$CONVOY" promote --username pusher --password 'Tok-Pa55-w0rd' --to prod \
	--stages "dev=$R/app:1; qa=$R/app:qa; prod=$R/prod-app:prod" >"$T/out" 2>&1 || { cat "$T/out"; fail "token promote prod"; }
n2=$(wc -l <"$TOK_TOKENS")
assert_eq "$(digest_of "$R/prod-app:prod" --creds pusher:Tok-Pa55-w0rd)" "$d" "prod-app:prod after a token promote"
assert_contains "$(cat "$T/out")" "5 mounted" "cross-repository promotion mounted every blob"
# One token per scope and process: pull + push of app for qa; pull of app (source, gate),
# push of prod-app and the mount scope (prod-app push + app pull) for prod, however many
# requests run in parallel.
[ "$n" -le 2 ] || fail "fetched $n tokens promoting to qa (want one per scope: 2)"
[ "$n2" -le 4 ] || { cat "$TOK_TOKENS"; fail "fetched $n2 tokens promoting to prod (want one per scope: at most 4)"; }
actions_env
"$CONVOY" history --username pusher --password 'Tok-Pa55-w0rd' --stage prod \
	--stages "dev=$R/app:1; qa=$R/app:qa; prod=$R/prod-app:prod" >"$T/out" 2>&1 || { cat "$T/out"; fail "token history"; }
assert_contains "$(cat "$T/out")" "$d" "history lists the promotion"
assert_not_contains "$(grep -v '^::add-mask::' "$T/out")" "Tok-Pa55-w0rd" "password printed"
pass "promote__bearer_token_flow_same_and_cross_repository ($n + $n2 tokens)"
