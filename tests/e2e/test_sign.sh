#!/usr/bin/env bash
# convoy sign / convoy verify against a real registry, with an independent check: skopeo
# fetches the signatures (registries.d use-sigstore-attachments: Debian's skopeo 1.9.3 has
# sigstore verification compiled out, so it only fetches) and tools/cosign_check.py checks
# them with the openssl command line by cosign's rules. A signature made by the test itself
# to cosign's spec (tools/cosign_sign.py, openssl) is accepted by both; a wrong key, a
# tampered payload and a signature for another digest are refused by both.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need openssl
PY=/usr/bin/python3
start_registry A
RA=127.0.0.1:$A_PORT
for s in 31 32 33 34 35; do mkimage "$T/img$s" --seed $s; skopeo copy -q --dest-tls-verify=false "oci:$T/img$s" "docker://$RA/app:v$s"; done
D1=$(digest_of "$RA/app:v31"); D2=$(digest_of "$RA/app:v32"); D3=$(digest_of "$RA/app:v33")
D4=$(digest_of "$RA/app:v34"); D5=$(digest_of "$RA/app:v35")
openssl ecparam -name prime256v1 -genkey -noout -out "$T/k1.pem"
openssl ec -in "$T/k1.pem" -pubout -out "$T/k1.pub" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/k2.pem" 2>/dev/null # PKCS#8
openssl pkey -in "$T/k2.pem" -pubout -out "$T/k2.pub"
mkdir -p "$T/regd"; echo 'default-docker: {use-sigstore-attachments: true}' >"$T/regd/default.yaml"
fetch() { rm -rf "$T/dir-$2"; skopeo copy -q --registries.d "$T/regd" --src-tls-verify=false "docker://$1" "dir:$T/dir-$2" >/dev/null; }
tags_of() { skopeo list-tags --tls-verify=false "docker://$1" | $PY -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"])))'; }

# convoy sign: a .sig tag and a referrer; skopeo + openssl accept it under k1, not k2.
actions_env
"$CONVOY" sign --key "$T/k1.pem" --image "$RA/app@$D1" >"$T/sign.out" 2>&1 || { cat "$T/sign.out"; fail "convoy sign"; }
assert_eq "$(gh_output digest)" "$D1" "sign: digest output"
assert_contains "$(cat "$T/gh/summary")" "No Rekor" "sign: summary says there is no Rekor entry"
assert_contains "$(tags_of "$RA/app")" "sha256-${D1#sha256:}.sig" "sign: the .sig tag"
skopeo inspect --raw --tls-verify=false "docker://$RA/app:sha256-${D1#sha256:}" | grep -q 'application/vnd.dev.cosign.artifact.sig.v1+json' \
	|| fail "sign: the referrers tag schema index does not list the signature referrer"
fetch "$RA/app@$D1" d1
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-d1" "$T/k1.pub" "$RA/app" >"$T/chk" || { cat "$T/chk"; fail "cosign_check refused convoy's signature"; }
assert_contains "$(cat "$T/chk")" "signature-1: accepted" "cosign_check verdict"
set +e; $PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-d1" "$T/k2.pub" "$RA/app" >"$T/chk2"; rc=$?; set -e
assert_eq "$rc" 1 "cosign_check under another key"
assert_contains "$(cat "$T/chk2")" "does not verify" "cosign_check: wrong key reason"
set +e; $PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-d1" "$T/k1.pub" "$RA/other" >"$T/chk3"; rc=$?; set -e
assert_eq "$rc" 1 "cosign_check with another identity"
pass "sign__cosign_signature_accepted_by_openssl_check_and_refused_under_another_key"

actions_env
"$CONVOY" verify --key "$T/k1.pub" --image "$RA/app@$D1" >"$T/v.out" 2>&1 || { cat "$T/v.out"; fail "convoy verify (k1)"; }
assert_eq "$(gh_output verified)" "true" "verify output"
actions_env
set +e; "$CONVOY" verify --key "$T/k2.pub" --image "$RA/app@$D1" >"$T/v2.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "convoy verify under another key"
assert_contains "$(cat "$T/v2.out")" "not signed by a listed key" "convoy verify: wrong key reason"
actions_env
"$CONVOY" verify --key "$T/k2.pub" --key "$T/k1.pub" --image "$RA/app@$D1" >/dev/null 2>&1 || fail "verify with two keys, one right"
pass "verify__wrong_key_refused_right_key_among_several_accepted"

# A signature made by the test to cosign's spec (openssl): accepted by convoy and the check.
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_sign.py" "http://$RA" app "$D2" "$T/k2.pem" "$RA/app"
fetch "$RA/app@$D2" d2
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-d2" "$T/k2.pub" "$RA/app" >/dev/null || fail "cosign_check refused the test's own signature"
set +e; $PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-d2" "$T/k1.pub" "$RA/app" >/dev/null; rc=$?; set -e
assert_eq "$rc" 1 "cosign_check: the test's signature under another key"
actions_env
"$CONVOY" verify --key "$T/k2.pub" --image "$RA/app@$D2" >"$T/v3.out" 2>&1 || { cat "$T/v3.out"; fail "convoy verify refused a spec-made signature"; }
actions_env
set +e; "$CONVOY" verify --key "$T/k1.pub" --image "$RA/app@$D2" >/dev/null 2>&1; rc=$?; set -e
assert_eq "$rc" 1 "convoy verify: the test's signature under another key"
pass "verify__signature_made_to_cosign_spec_by_openssl_accepted"

# A tampered payload and a signature for another digest: refused by both.
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_sign.py" "http://$RA" app "$D3" "$T/k1.pem" "$RA/app" --tamper
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_sign.py" "http://$RA" app "$D4" "$T/k1.pem" "$RA/app" --payload-digest "$D1"
for c in "d3 $D3 does_not_verify not_signed" "d4 $D4 payload_signs signs_another_digest"; do
	set -- $c
	fetch "$RA/app@$2" "$1"
	set +e; $PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-$1" "$T/k1.pub" "$RA/app" >"$T/chk-$1"; rc=$?; set -e
	assert_eq "$rc" 1 "cosign_check on $1"
	assert_contains "$(cat "$T/chk-$1")" "${3//_/ }" "cosign_check reason on $1"
	actions_env
	set +e; "$CONVOY" verify --key "$T/k1.pub" --image "$RA/app@$2" >"$T/v-$1" 2>&1; rc=$?; set -e
	assert_eq "$rc" 1 "convoy verify on $1"
	assert_contains "$(cat "$T/v-$1")" "${4//_/ }" "convoy verify reason on $1"
done
pass "verify__tampered_payload_and_other_digest_refused_by_both"

# Referrer-only storage, a key from env:// (PKCS#8): convoy finds it through the tag schema.
actions_env
SIGNING_KEY=$(cat "$T/k2.pem") "$CONVOY" sign --key env://SIGNING_KEY --signature-storage referrer --image "$RA/app@$D5" >"$T/s5" 2>&1 || { cat "$T/s5"; fail "sign env:// referrer"; }
assert_not_contains "$(tags_of "$RA/app")" "sha256-${D5#sha256:}.sig" "referrer storage wrote a .sig tag"
actions_env
"$CONVOY" verify --key "$T/k2.pub" --image "$RA/app@$D5" >"$T/v5" 2>&1 || { cat "$T/v5"; fail "verify a referrer signature"; }
key_line=$(sed -n 2p "$T/k2.pem")
assert_not_contains "$(cat "$T/s5" "$T/gh/summary" "$T/gh/output")" "$key_line" "private key material in the log"
pass "sign__referrer_storage_and_env_key"

# Bad input: clear errors, nothing written.
before=$(tags_of "$RA/app")
# A file that is not there fails at run time (1); a value convoy cannot take is a usage error (2).
for c in "--key $T/nope.pem|nope.pem|1" "--key $T/k1.pub|public key cannot sign|2" "--key env://NOPE_VAR|NOPE_VAR|2" "--key $T/k1.pem --signature-storage sideways|sideways|2"; do
	args=${c%%|*}; rest=${c#*|}; want=${rest%|*}; code=${rest##*|}
	actions_env
	set +e; "$CONVOY" sign $args --image "$RA/app@$D3" >"$T/bad" 2>&1; rc=$?; set -e
	assert_eq "$rc" "$code" "sign $args: exit"
	assert_contains "$(cat "$T/bad")" "$want" "sign $args: message"
done
assert_eq "$(tags_of "$RA/app")" "$before" "tags after bad sign inputs"
pass "sign__bad_input_named_nothing_written"

# push --sign-key: the image is signed in the repository it was pushed to, before its tag.
actions_env
"$CONVOY" push --source "$T/img31" --tag-list "$RA/pushed:v1" --sign-key "$T/k1.pem" >"$T/push.out" 2>&1 || { cat "$T/push.out"; fail "push --sign-key"; }
fetch "$RA/pushed:v1" pushed
$PY "$CONVOY_SRC/tests/e2e/tools/cosign_check.py" "$T/dir-pushed" "$T/k1.pub" "$RA/pushed" >"$T/chkp" || { cat "$T/chkp"; fail "independent check of push --sign-key"; }
actions_env
set +e; "$CONVOY" push --source "$T/img32" --tag-list "$RA/pushed:v2" --sign-key "$T/k1.pub" >"$T/pushbad" 2>&1; rc=$?; set -e
assert_eq "$rc" 2 "push with a public key as sign-key"
assert_contains "$(cat "$T/pushbad")" "input 'sign-key'" "push: bad sign-key names the input"
assert_not_contains "$(tags_of "$RA/pushed")" "v2" "push with a bad sign-key wrote a tag"
pass "push__sign_key_signs_before_tagging"
