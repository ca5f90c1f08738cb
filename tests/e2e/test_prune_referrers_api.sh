#!/usr/bin/env bash
# prune on the referrers API path: docker-registry behind tools/referrers_proxy.py (the OCI 1.1
# API added), where the ledger records and signatures have no tag of their own. Three images
# go dev -> qa, a fourth stays in dev; the first and the third are signed as referrers only.
# With --keep 1 the first image (untagged, found through the previous digest of the second's
# record) goes with its ledger records and signature, which only the API lists; the second
# (qa's rollback target) and the third's signature stay, and rollback still works.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need openssl
PY=/usr/bin/python3
start_registry A
R=127.0.0.1:$A_PORT
PROXY=$(free_port)
$PY "$CONVOY_SRC/tests/e2e/tools/referrers_proxy.py" "$PROXY" "http://$R" "$T/proxy.log" &
at_exit "kill $!"
wait_port "$PROXY" "$!"
P=127.0.0.1:$PROXY # convoy goes through the proxy; skopeo checks the registry itself
S="dev=$P/app:dev; qa=$P/app:qa"
C() { "$CONVOY" "$@" --stages "$S" --insecure-registry "$P"; }
run() { "$@" >"$T/run.out" 2>&1 || { cat "$T/run.out"; fail "$*"; }; }
exists() { skopeo inspect --raw --tls-verify=false "docker://$R/app@$1" >/dev/null 2>&1; }
# referrers DIGEST: the digests the API lists for DIGEST.
referrers() { $PY -c 'import json,sys,urllib.request
print(" ".join(m["digest"] for m in json.load(urllib.request.urlopen(sys.argv[1]))["manifests"]))' "http://$P/v2/app/referrers/$1"; }
declare -A D
for k in 1 2 3 4; do
	mkimage "$T/img-$k" --seed "prune-api-$k" --layers 1 --layer-size 50000
	skopeo copy -q --dest-tls-verify=false "oci:$T/img-$k" "docker://$R/app:dev"
	D[$k]=$(digest_of "$R/app:dev")
	[ "$k" -le 3 ] && run C promote --to qa
done
assert_contains "$(cat "$T/run.out")" "ledger via the referrers API" "promote used the API"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/k.pem"
openssl ec -in "$T/k.pem" -pubout -out "$T/k.pub" 2>/dev/null
for k in 1 3; do run "$CONVOY" sign --key "$T/k.pem" --signature-storage referrer --image "$P/app@${D[$k]}" --insecure-registry "$P"; done
R1=$(referrers "${D[1]}"); R3=$(referrers "${D[3]}")
[ "$(echo $R1 | wc -w)" = 2 ] || fail "expected D1's record and signature as referrers, got: $R1"
tags=$(skopeo list-tags --tls-verify=false "docker://$R/app")
assert_not_contains "$tags" "sha256-" "no referrers tag schema on the API path"

actions_env
env CONVOY_NOW=2030-01-01T00:00:00Z INPUT_DRY-RUN=false "$CONVOY" prune "$P/app" --keep 1 --stages "$S" \
	--insecure-registry "$P" >"$T/prune.out" 2>&1 || { cat "$T/prune.out"; fail "prune"; }
exists "${D[1]}" && fail "D1 still resolves"
for d in $R1; do exists "$d" && fail "D1's referrer $d (record or signature) still resolves"; done
for k in 2 3 4; do exists "${D[$k]}" || fail "kept D$k is gone"; done
for d in $R3; do exists "$d" || fail "D3's referrer $d is gone"; done
assert_eq "$(gh_output deleted)" 3 "deleted: D1, its record and its signature"
run "$CONVOY" verify --key "$T/k.pub" --image "$P/app@${D[3]}" --insecure-registry "$P"
actions_env
run C rollback --stage qa
assert_eq "$(gh_output digest)" "${D[2]}" "rollback qa"
pass "prune__referrers_api_records_and_signatures_go_with_their_image"
