#!/usr/bin/env bash
# The verify gate's attestations (pipeline `verify: {attestations: [...]}`) against the real
# registry: an SPDX SBOM attached as an OCI 1.1 artifact (as `oras attach` does) and a SLSA v1
# provenance statement in a DSSE envelope signed by the OpenSSL command line (not by convoy),
# both referrers of the image. Missing ones are refused by name, moving nothing; a DSSE
# envelope signed by a listed key is "verified"; one that names a listed key but was tampered
# is refused; mode warn lets a missing one through with a warning; a malformed list is a usage
# error naming its line.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need openssl
PY=/usr/bin/python3
start_registry A
R=127.0.0.1:$A_PORT
mkimage "$T/img" --seed 91
skopeo copy -q --dest-tls-verify=false "oci:$T/img" "docker://$R/app:dev"
D=$(digest_of "$R/app:dev")
openssl ecparam -name prime256v1 -genkey -noout -out "$T/k1.pem"
openssl ec -in "$T/k1.pem" -pubout -out "$T/k1.pub" 2>/dev/null
KID="sha256:$(openssl ec -pubin -in "$T/k1.pub" -outform DER 2>/dev/null | sha256sum | cut -c1-16)"
pipeline() { # $1 file, $2 mode, $3 attestations
	printf 'stages:\n  - name: dev\n    repository: %s/app\n    tags: [dev]\n  - name: qa\n    repository: %s/app\n    tags: [qa]\n    verify: {keys: [%s], mode: %s, attestations: [%s]}\n' \
		"$R" "$R" "$T/k1.pub" "$2" "$3" >"$1"
}
pipeline "$T/req.yml" require "slsa-provenance, spdx"
pipeline "$T/warn.yml" warn "slsa-provenance, spdx"
C() { "$CONVOY" "$@"; }
attach() { $PY "$CONVOY_SRC/tests/e2e/tools/attach.py" "$R" app "$D" "$@"; }
"$CONVOY" sign --key "$T/k1.pem" "$R/app@$D" >"$T/sign.out" 2>&1 || { cat "$T/sign.out"; fail "sign"; }

refused() { # $1 name, $2 wanted text
	actions_env
	set +e; C promote --pipeline-file "$T/req.yml" --to qa >"$T/$1.out" 2>&1; local rc=$?; set -e
	assert_eq "$rc" 1 "$1: exit code"
	assert_contains "$(grep '::error::' "$T/$1.out")" "$2" "$1: what was wrong"
	assert_contains "$(cat "$T/$1.out")" "nothing was changed" "$1: says nothing moved"
	assert_eq "$(digest_of "$R/app:qa")" "" "$1: qa was written"
}
refused none "no slsa-provenance attestation refers to it; no spdx attestation refers to it"

# warn: through, with the warning.
actions_env
C promote --pipeline-file "$T/warn.yml" --to qa --dry-run >"$T/warn.out" 2>&1 || { cat "$T/warn.out"; fail "warn"; }
assert_contains "$(grep '::warning' "$T/warn.out")" "no spdx attestation refers to it" "warn: the warning"
pass "gate_attest__missing_attestations_are_refused_by_name"

# The SBOM alone: provenance still missing.
printf '{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app","dataLicense":"CC0-1.0","documentNamespace":"https://example.com/app","creationInfo":{"created":"2026-12-07T00:00:00Z","creators":["Tool: test"]},"packages":[]}' >"$T/sbom.spdx.json"
attach application/spdx+json "$T/sbom.spdx.json" >/dev/null
refused sbom_only "no slsa-provenance attestation refers to it"
assert_not_contains "$(grep '::error::' "$T/sbom_only.out")" "no spdx" "sbom_only: the SBOM was not found"

# envelope STATEMENT_FILE KEY KEYID OUT: a DSSE envelope over the statement, its signature made
# by openssl (ECDSA P-256, SHA-256, DER) over PAE(payloadType, payload).
envelope() {
	$PY - "$1" "$T/pae" <<'PY'
import sys
body = open(sys.argv[1], "rb").read(); t = b"application/vnd.in-toto+json"
open(sys.argv[2], "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
PY
	openssl dgst -sha256 -sign "$2" -out "$T/sig.der" "$T/pae"
	$PY - "$1" "$T/sig.der" "$3" "$4" <<'PY'
import base64, json, sys
body, sig = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
json.dump({"payloadType": "application/vnd.in-toto+json", "payload": base64.b64encode(body).decode(),
           "signatures": [{"keyid": sys.argv[3], "sig": base64.b64encode(sig).decode()}]}, open(sys.argv[4], "w"))
PY
}
statement() { # statement BUILDER_ID OUT
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"%s/app","digest":{"sha256":"%s"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1","externalParameters":{}},"runDetails":{"builder":{"id":"%s"}}}}' \
		"$R" "${D#sha256:}" "$1" >"$2"
}

# A tampered envelope: signed, then its payload changed; it names k1's key id.
statement https://github.com/actions/runner "$T/st.json"
envelope "$T/st.json" "$T/k1.pem" "$KID" "$T/env.json"
$PY - "$T/env.json" <<'PY'
import base64, json, sys
e = json.load(open(sys.argv[1])); st = json.loads(base64.b64decode(e["payload"]))
st["predicate"]["runDetails"]["builder"]["id"] = "https://evil.example/builder"
e["payload"] = base64.b64encode(json.dumps(st).encode()).decode(); json.dump(e, open(sys.argv[1], "w"))
PY
attach application/vnd.dsse.envelope.v1+json "$T/env.json" >/dev/null
refused tampered "its slsa-provenance attestation names key $KID but its signature does not verify"
pass "gate_attest__a_tampered_provenance_is_refused"

# With a valid envelope beside the tampered one, the tampered one is still told: refused.
statement https://github.com/actions/runner/v2 "$T/st2.json"
envelope "$T/st2.json" "$T/k1.pem" "$KID" "$T/env2.json"
attach application/vnd.dsse.envelope.v1+json "$T/env2.json" >/dev/null
refused both "does not verify"
pass "gate_attest__tampered_is_told_even_beside_a_valid_one"

# Another image with the SBOM and a valid provenance only: the gate passes and says which is
# verified by which key.
mkimage "$T/img2" --seed 92
skopeo copy -q --dest-tls-verify=false "oci:$T/img2" "docker://$R/app:dev"
D=$(digest_of "$R/app:dev")
"$CONVOY" sign --key "$T/k1.pem" "$R/app@$D" >"$T/sign.out" 2>&1 || { cat "$T/sign.out"; fail "sign 2"; }
attach application/spdx+json "$T/sbom.spdx.json" >/dev/null
statement https://github.com/actions/runner/v2 "$T/st3.json"
envelope "$T/st3.json" "$T/k1.pem" "$KID" "$T/env3.json"
attach application/vnd.dsse.envelope.v1+json "$T/env3.json" >/dev/null
actions_env
C promote --pipeline-file "$T/req.yml" --to qa >"$T/ok.out" 2>&1 || { cat "$T/ok.out"; fail "promote with both attestations"; }
assert_eq "$(digest_of "$R/app:qa")" "$D" "qa after the gate passed"
assert_contains "$(cat "$T/gh/summary")" "slsa-provenance attestation signed by key $KID" "the summary: provenance verified"
assert_contains "$(cat "$T/gh/summary")" "spdx attestation present (not signed by a listed key)" "the summary: the SBOM is there"
pass "gate_attest__present_and_verified_pass"

# A malformed list: a usage error naming the line.
pipeline "$T/bad.yml" require "slsa, spdx"
actions_env; set +e; C promote --pipeline-file "$T/bad.yml" --to qa >"$T/bad.out" 2>&1; rc=$?; set -e
assert_eq "$rc" 2 "bad attestation name: exit code"
assert_contains "$(cat "$T/bad.out")" "bad.yml:8: verify attestation 'slsa' (expected slsa-provenance, spdx, cyclonedx, sbom, or a predicate type URI)" "bad attestation name: message"
pass "gate_attest__bad_names_are_usage_errors"
