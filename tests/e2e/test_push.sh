#!/usr/bin/env bash
# push: a hand-made OCI layout pushed to the real CNCF registry (no auth) under two
# repositories; digests checked with skopeo; a re-push uploads nothing (request count).
source "$(dirname "$0")/lib.sh"
need docker-registry; need skopeo
P=$(free_port)
cat >"$T/cfg.yml" <<EOC
version: 0.1
storage: {filesystem: {rootdirectory: $T/data}}
http: {addr: 127.0.0.1:$P}
EOC
docker-registry serve "$T/cfg.yml" >"$T/reg.log" 2>&1 &
REG=$!; at_exit "kill $REG"
wait_port "$P" "$REG"
WANT=$(python3 - "$T/oci" <<'PY'
import os,sys,json,hashlib,gzip
d=sys.argv[1]; os.makedirs(d+"/blobs/sha256")
def put(b):
    h=hashlib.sha256(b).hexdigest(); open(f"{d}/blobs/sha256/{h}","wb").write(b); return "sha256:"+h,len(b)
ld,ls=put(gzip.compress(os.urandom(100000),mtime=0))
cd,cs=put(json.dumps({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}).encode())
md,ms=put(json.dumps({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":cd,"size":cs},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":ld,"size":ls}]}).encode())
open(d+"/index.json","w").write(json.dumps({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":md,"size":ms}]}))
open(d+"/oci-layout","w").write('{"imageLayoutVersion":"1.0.0"}')
print(md)
PY
)
actions_env
"$CONVOY" push --source "$T/oci" --tag-list "127.0.0.1:$P/app:v1" --tag-list "127.0.0.1:$P/other:v1"
assert_eq "$(gh_output digest)" "$WANT" "digest output"
for r in app:v1 other:v1; do
	got=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$P/$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
	assert_eq "$got" "$WANT" "digest of $r in the registry"
done
pass "push__oci_layout_to_two_repositories"
n=$(CONVOY_HTTP_VERBOSE=1 "$CONVOY" push --verbose --source "$T/oci" --tag-list "127.0.0.1:$P/app:v1" 2>&1 | grep -c '^http: ' || true)
[ "$n" -le 4 ] || fail "re-push made $n requests, expected at most 4"
pass "push__repush_uploads_nothing ($n requests)"
# --verbose traces every request, but not the values in a URL's query that grant access (the
# registry's upload state; a signed blob storage redirect): only names like digest= show.
"$CONVOY" push --verbose --source "$T/oci" --tag-list "127.0.0.1:$P/traced:v1" >"$T/traced.out" 2>&1 ||
	{ cat "$T/traced.out"; fail "verbose push"; }
grep -qE '^http: \+[0-9.]+ms [0-9.]+ms PUT [^ ]*/blobs/uploads/[^ ]*_state=\*\*\*&digest=sha256:[0-9a-f]{64} -> 201' "$T/traced.out" ||
	{ cat "$T/traced.out"; fail "no traced blob upload with its state redacted"; }
if grep -E '_state=[^*]' "$T/traced.out"; then fail "an upload state was traced"; fi
pass "push__verbose_trace_redacts_url_query_values"
