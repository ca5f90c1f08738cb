#!/usr/bin/env bash
# Registries as they really are (issue 21): sign, promote and history against Debian's
# docker-registry behind tools/referrers_proxy.py with a quirk profile each:
#   subject-header-only  OCI-Subject on a PUT, but no referrers API (Docker Hub, ECR once):
#                        convoy must probe with a GET and use the tag schema, not trust the
#                        header (else its records and signatures are listed nowhere).
#   no-index-subject     the referrers API, but a manifest whose subject is an image index is
#                        refused with 405 UNSUPPORTED (ECR, aws/containers-roadmap#2783):
#                        convoy's own records and signatures go without the subject into the
#                        tag schema; a carried referrer (byte-identical or not at all) is named
#                        in a warning as not carried; nothing fails.
# Two rounds: dev and qa (one registry) behind one profile, prod (another registry) behind
# the other, then the other way round. Each round: a multi-platform image and a single one,
# each signed (convoy sign: .sig tag and referrer) with an SBOM attached (tools/attach.py),
# promoted dev -> qa -> prod. What arrived is read from the registries themselves (skopeo,
# HTTP), the ledger from `convoy history`, and the signature from `convoy verify`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need openssl
need curl
PY=/usr/bin/python3
LEDGER=application/vnd.convoy.promotion.v1+json
SIGT=application/vnd.dev.cosign.artifact.sig.v1+json
SPDX=application/spdx+json
openssl ecparam -name prime256v1 -genkey -noout -out "$T/k.pem"
openssl ec -in "$T/k.pem" -pubout -out "$T/k.pub" 2>/dev/null
cat >"$T/sbom.json" <<'EOF'
{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "app"}
EOF

# proxy VAR QUIRK UPSTREAM_PORT LOG: a referrers proxy with that quirk; VAR = its host:port.
# Its listings come one descriptor a page (Link rel="next"): every read of the API pages.
proxy() {
	local port
	port=$(free_port)
	: >"$4"
	$PY "$CONVOY_SRC/tests/e2e/tools/referrers_proxy.py" --quirk "$2" "$port" "http://127.0.0.1:$3" "$4" 1 &
	at_exit "kill $!"
	wait_port "$port" "$!"
	printf -v "$1" '127.0.0.1:%s' "$port"
}
# tag_index UP REPO DIGEST: "artifactType digest" per entry of the registry's own sha256-<hex>
# index (sorted; nothing when the tag is absent).
tag_index() {
	$PY - "$@" <<'PY'
import sys, json, urllib.request, urllib.error
up, repo, digest = sys.argv[1:]
r = urllib.request.Request("http://%s/v2/%s/manifests/sha256-%s" % (up, repo, digest.split(":")[1]),
                           headers={"Accept": "application/vnd.oci.image.index.v1+json"})
try:
    with urllib.request.urlopen(r) as resp: m = json.loads(resp.read())["manifests"]
except urllib.error.HTTPError as e:
    if e.code != 404: raise
    m = []
for d in sorted(m, key=lambda d: (d.get("artifactType", ""), d["digest"])):
    print(d.get("artifactType", "-"), d["digest"])
PY
}
# api_list PROXY REPO DIGEST: the same from the proxy's referrers API (every page).
api_list() {
	$PY - "$@" <<'PY'
import sys, json, urllib.request
proxy, repo, digest = sys.argv[1:]
url, out = "http://%s/v2/%s/referrers/%s" % (proxy, repo, digest), []
while url:
    with urllib.request.urlopen(url) as resp:
        out += json.loads(resp.read())["manifests"]
        link = resp.headers.get("Link")
    url = "http://%s%s" % (proxy, link.split(">")[0].lstrip("<")) if link else None
for d in sorted(out, key=lambda d: (d.get("artifactType", ""), d["digest"])):
    print(d.get("artifactType", "-"), d["digest"])
PY
}
# raw UP REPO REF: the manifest as the registry itself holds it (fails when absent).
raw() { skopeo inspect --raw --tls-verify=false "docker://$1/$2@$3" 2>/dev/null || skopeo inspect --raw --tls-verify=false "docker://$1/$2:$3"; }
has_subject() { $PY -c 'import json,sys; sys.exit(0 if "subject" in json.load(sys.stdin) else 1)'; }
# digest_with TYPE LISTING: the digest of the one entry of that type.
digest_with() { awk -v t="$1" '$1 == t {print $2}' <<<"$2"; }
# history_of STAGE: kind:digest of the stage's records, newest first.
history_of() {
	actions_env
	C history --stage "$1" >"$T/hist-$1.out" 2>&1 || { cat "$T/hist-$1.out"; fail "history --stage $1"; }
	gh_output records | $PY -c 'import json,sys; print(" ".join("%s:%s" % (r.get("kind"), r["digest"]) for r in json.load(sys.stdin)))'
}
# promote_ok TO NAME [ARGS]: promotes, fails on a failure or an ::error::, leaves the log in $T/NAME.out.
promote_ok() {
	actions_env
	C promote --to "$1" "${@:3}" >"$T/$2.out" 2>&1 || { cat "$T/$2.out"; fail "$2: promote --to $1"; }
	if grep -q '^::error::' "$T/$2.out"; then cat "$T/$2.out"; fail "$2: an error was reported"; fi
}

round=0
scenario() {
	local QQ=$1 QP=$2 A B PA PB DI DS SIG_I SIG_S SBOM_I SBOM_S out l
	round=$((round + 1))
	start_registry "A$round"; start_registry "B$round"
	A=127.0.0.1:$(eval echo "\$A${round}_PORT"); B=127.0.0.1:$(eval echo "\$B${round}_PORT")
	proxy PA "$QQ" "${A#*:}" "$T/pa$round.log"
	proxy PB "$QP" "${B#*:}" "$T/pb$round.log"
	S="dev=$PA/app:dev; qa=$PA/qa/app:qa; prod=$PB/prod/app:prod"
	C() { "$CONVOY" "$@" --stages "$S" --insecure-registry "$PA" --insecure-registry "$PB"; }
	mkimage "$T/multi$round" --seed "8$round" --platforms linux/amd64,linux/arm64
	mkimage "$T/single$round" --seed "9$round"
	skopeo copy -q --all --dest-tls-verify=false "oci:$T/multi$round" "docker://$A/app:dev"
	skopeo copy -q --dest-tls-verify=false "oci:$T/single$round" "docker://$A/app:single"
	DI=$(digest_of "$A/app:dev"); DS=$(digest_of "$A/app:single")
	[ -n "$DI" ] && [ -n "$DS" ] || fail "$QQ: the images are not in dev"

	# Signing through the proxy: the .sig tag, and the referrer where it can be found.
	for d in "$DI" "$DS"; do
		actions_env
		"$CONVOY" sign --key "$T/k.pem" --image "$PA/app@$d" --insecure-registry "$PA" >"$T/sign.out" 2>&1 ||
			{ cat "$T/sign.out"; fail "$QQ: convoy sign $d"; }
		raw "$A" app "sha256-${d#sha256:}.sig" >/dev/null || fail "$QQ: no .sig tag for $d"
		# The log says where the referrer went.
		if [ "$QQ" = subject-header-only ]; then
			want="(sha256-<hex>.sig tag and referrer, the referrer listed in the sha256-<hex> index: no referrers API)"
		elif [ "$d" = "$DI" ]; then
			want="(sha256-<hex>.sig tag and referrer, the referrer without its subject in the sha256-<hex> index: the registry refuses a subject that is an image index)"
		else
			want="(sha256-<hex>.sig tag and referrer);"
		fi
		assert_contains "$(cat "$T/sign.out")" "$want" "$QQ: the sign log for $d"
	done
	if [ "$QQ" = subject-header-only ]; then
		# OCI-Subject was answered, the API is not there: both are in the tag schema.
		SIG_I=$(digest_with "$SIGT" "$(tag_index "$A" app "$DI")")
		SIG_S=$(digest_with "$SIGT" "$(tag_index "$A" app "$DS")")
		[ -n "$SIG_I" ] && [ -n "$SIG_S" ] || fail "$QQ: a signature referrer is not in the tag schema index (OCI-Subject trusted without the API)"
		raw "$A" app "$SIG_I" | has_subject || fail "$QQ: the signature referrer lost its subject"
	else
		# The index's referrer was refused with its subject: without it, in the tag schema;
		# the single image's is listed by the API, and no tag schema index is written.
		SIG_I=$(digest_with "$SIGT" "$(tag_index "$A" app "$DI")")
		[ -n "$SIG_I" ] || fail "$QQ: the index's signature referrer is not in the tag schema"
		if raw "$A" app "$SIG_I" | has_subject; then fail "$QQ: a referrer with an index subject was stored"; fi
		SIG_S=$(digest_with "$SIGT" "$(api_list "$PA" app "$DS")")
		[ -n "$SIG_S" ] || fail "$QQ: the single image's signature is not listed by the API"
		[ -z "$(tag_index "$A" app "$DS")" ] || fail "$QQ: a tag schema index for the single image (the API has it)"
	fi
	pass "sign__${QQ}__signature_referrers_are_findable"

	# An SBOM on each. The quirk refuses one on the index (checked here: the proxy's own
	# behaviour); that one is attached in the registry itself, as content a registry held
	# before it sat behind ECR's rules.
	SBOM_S=$($PY "$CONVOY_SRC/tests/e2e/tools/attach.py" "$PA" app "$DS" "$SPDX" "$T/sbom.json") || fail "$QQ: attaching the SBOM"
	if [ "$QQ" = no-index-subject ]; then
		set +e; out=$($PY "$CONVOY_SRC/tests/e2e/tools/attach.py" "$PA" app "$DI" "$SPDX" "$T/sbom.json" 2>&1); rc=$?; set -e
		[ "$rc" != 0 ] && [[ "$out" == *"artifact PUT: 405"* ]] || fail "$QQ: the proxy took a subject that is an index: $out"
		grep -q "^PUT /v2/app/manifests/sha256:[0-9a-f]* 405$" "$T/pa$round.log" || fail "$QQ: the proxy did not log the 405"
		SBOM_I=$($PY "$CONVOY_SRC/tests/e2e/tools/attach.py" "$A" app "$DI" "$SPDX" "$T/sbom.json") || fail "attaching the SBOM upstream"
	else
		SBOM_I=$($PY "$CONVOY_SRC/tests/e2e/tools/attach.py" "$PA" app "$DI" "$SPDX" "$T/sbom.json") || fail "$QQ: attaching the SBOM"
	fi

	# dev -> qa (the same registry) and qa -> prod, the index first, then the single image.
	for img in I S; do
		local D SIG SBOM
		if [ $img = S ]; then
			skopeo copy -q --dest-tls-verify=false "oci:$T/single$round" "docker://$A/app:dev"
			D=$DS; SIG=$SIG_S; SBOM=$SBOM_S
		else
			D=$DI; SIG=$SIG_I; SBOM=$SBOM_I
		fi
		for st in qa prod; do
			local Q UP PX PL R name=$st-$round-$img
			if [ $st = qa ]; then Q=$QQ; UP=$A; PX=$PA; PL=$T/pa$round.log; R=qa/app
			else Q=$QP; UP=$B; PX=$PB; PL=$T/pb$round.log; R=prod/app; fi
			local ma mb SQ SR
			ma=$(wc -l <"$T/pa$round.log"); mb=$(wc -l <"$T/pb$round.log")
			# Into an index-refusing prod, the index is signed there too (--sign-key).
			if [ "$Q" = no-index-subject ] && [ $st = prod ] && [ $img = I ]; then
				promote_ok $st "$name" --sign-key "$T/k.pem"
			else
				promote_ok $st "$name"
			fi
			{ tail -n +"$((ma + 1))" "$T/pa$round.log"; tail -n +"$((mb + 1))" "$T/pb$round.log"; } >"$T/$name.req"
			# A source with the API lists the single image's referrers a page each: all read.
			SQ=$QQ; if [ $st = qa ]; then SR=app; else SR=qa/app; fi
			if [ "$SQ" = no-index-subject ] && [ $img = S ]; then
				grep -q "^GET /v2/$SR/referrers/$D?page=1 200$" "$T/$name.req" || { cat "$T/$name.req"; fail "$name: the source's second page was not read"; }
			fi
			assert_eq "$(digest_of "$UP/$R:$st")" "$D" "$name: the $st tag"
			raw "$UP" "$R" "sha256-${D#sha256:}.sig" >/dev/null || fail "$name: the .sig tag was not carried"
			if [ "$Q" = subject-header-only ]; then
				# Probed (404), then the tag schema for everything, the header notwithstanding.
				grep -q "^GET /v2/$R/referrers/sha256:[0-9a-f]\{64\} 404$" "$PL" || fail "$name: the referrers API was not probed"
				grep -q '; ledger via the referrers tag schema$' "$T/$name.out" || { cat "$T/$name.out"; fail "$name: not the tag schema path"; }
				l=$(tag_index "$UP" "$R" "$D")
				[ -n "$(digest_with "$LEDGER" "$l")" ] || { echo "$l"; fail "$name: the ledger record is not in the tag schema index"; }
				[ "$(digest_with "$SIGT" "$l")" = "$SIG" ] || { echo "$l"; fail "$name: the signature referrer is not listed"; }
				if [ "$st" = qa ] || [ "$QQ" = subject-header-only ] || [ $img = S ]; then
					[ "$(digest_with "$SPDX" "$l")" = "$SBOM" ] || { echo "$l"; fail "$name: the SBOM is not listed"; }
				fi
				grep -q '^referrers: [0-9]* copied' "$T/$name.out" || { cat "$T/$name.out"; fail "$name: the referrers line"; }
			elif [ $img = I ]; then
				# The index: the record in the tag schema without its subject; the SBOM (and a
				# signature referrer with the index as subject) not carried, named, no failure.
				grep -q '; ledger via the referrers tag schema (the registry refuses a subject that is an image index)$' "$T/$name.out" ||
					{ cat "$T/$name.out"; fail "$name: the log does not say the subject was refused"; }
				l=$(tag_index "$UP" "$R" "$D")
				rec=$(digest_with "$LEDGER" "$l")
				[ -n "$rec" ] || { echo "$l"; fail "$name: the ledger record is not in the tag schema index"; }
				if raw "$UP" "$R" "$rec" | has_subject; then fail "$name: a record with an index subject"; fi
				grep -q "^::warning::referrers not carried into $PX/$R: .*spdx $SBOM.*the registry refuses a manifest whose subject is an image index" "$T/$name.out" ||
					{ cat "$T/$name.out"; fail "$name: no warning naming the refused SBOM"; }
				grep -q '^referrers: [0-9]* copied (signature), [0-9]* refused by the target (subject is an image index)$' "$T/$name.out" || { cat "$T/$name.out"; fail "$name: the referrers line"; }
				if raw "$UP" "$R" "$SBOM" >/dev/null 2>&1; then fail "$name: the refused SBOM is there"; fi
				if [ "$QQ" = subject-header-only ]; then
					# qa's signature referrer has the index as its subject: refused too.
					grep -q "^::warning::referrers not carried into $PX/$R: .*signature $SIG" "$T/$name.out" || { cat "$T/$name.out"; fail "$name: the refused signature is not named"; }
					# prod's own signature (--sign-key): a referrer without its subject.
					own=$(digest_with "$SIGT" "$l")
					[ -n "$own" ] && [ "$own" != "$SIG" ] || { echo "$l"; fail "$name: prod's own signature referrer is not listed"; }
					if raw "$UP" "$R" "$own" | has_subject; then fail "$name: prod's signature has an index subject"; fi
					grep -q "^signed $PX/$R@$D with key" "$T/$name.out" || { cat "$T/$name.out"; fail "$name: --sign-key did not sign"; }
				else
					# dev's had to go without a subject: carried, and listed in the index.
					[ "$(digest_with "$SIGT" "$l")" = "$SIG" ] || { echo "$l"; fail "$name: the subjectless signature is not listed"; }
				fi
			else
				# A single image: the referrers API, no tag schema at all.
				grep -q '; ledger via the referrers API$' "$T/$name.out" || { cat "$T/$name.out"; fail "$name: not the API path"; }
				l=$(api_list "$PX" "$R" "$D")
				[ -n "$(digest_with "$LEDGER" "$l")" ] || { echo "$l"; fail "$name: the API does not list the record"; }
				[ "$(digest_with "$SIGT" "$l")" = "$SIG" ] || { echo "$l"; fail "$name: the API does not list the signature"; }
				[ "$(digest_with "$SPDX" "$l")" = "$SBOM" ] || { echo "$l"; fail "$name: the API does not list the SBOM"; }
				[ -z "$(tag_index "$UP" "$R" "$D")" ] || fail "$name: a tag schema index on the API path"
			fi
			actions_env
			"$CONVOY" verify --key "$T/k.pub" --image "$PX/$R@$D" --identity "$PA/app" --insecure-registry "$PX" >"$T/verify.out" 2>&1 ||
				{ cat "$T/verify.out"; fail "$name: the signature does not verify in $st"; }
		done
	done
	assert_eq "$(history_of qa)" "promote:$DS promote:$DI" "$QQ: history of qa"
	assert_eq "$(history_of prod)" "promote:$DS promote:$DI" "$QP: history of prod"
	pass "promote__dev_qa_${QQ}__prod_${QP}"

	# The stage behind no-index-subject moved outside convoy: history scans the repository,
	# and finds both kinds of record (the index's in the tag schema, the single image's
	# through the API, found by the digest of a tag it keeps: v1).
	local st UP R
	if [ "$QQ" = no-index-subject ]; then st=qa; UP=$A; R=qa/app; else st=prod; UP=$B; R=prod/app; fi
	skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$UP/$R@$DS" "docker://$UP/$R:v1"
	mkimage "$T/moved$round" --seed "7$round"
	skopeo copy -q --dest-tls-verify=false "oci:$T/moved$round" "docker://$UP/$R:$st"
	assert_eq "$(history_of $st)" "promote:$DS promote:$DI" "$st moved: history"
	grep -q "^::warning::$st's tag points at sha256:[0-9a-f]*, which no convoy promotion recorded" "$T/hist-$st.out" ||
		{ cat "$T/hist-$st.out"; fail "$st moved: no warning"; }
	pass "history__moved_${st}_no-index-subject_finds_both_kinds_of_record"
}

scenario subject-header-only no-index-subject
scenario no-index-subject subject-header-only

# link-loop: a listing whose last page links back to the first never ends. The promotion
# fails, saying so, before any tag moves (an incomplete listing would carry some referrers
# silently); the registry is left as it was.
start_registry L
proxy PL link-loop "$L_PORT" "$T/pl.log"
mkimage "$T/loop" --seed 99
skopeo copy -q --dest-tls-verify=false "oci:$T/loop" "docker://127.0.0.1:$L_PORT/app:dev"
DL=$(digest_of "127.0.0.1:$L_PORT/app:dev")
for f in a b; do
	$PY "$CONVOY_SRC/tests/e2e/tools/attach.py" "$PL" app "$DL" "$SPDX" "$T/sbom.json" >/dev/null || fail "link-loop: attaching"
	echo "$f" >>"$T/sbom.json"
done
actions_env
set +e
"$CONVOY" promote --to qa --stages "dev=$PL/app:dev; qa=$PL/qa/app:qa" --insecure-registry "$PL" >"$T/loop.out" 2>&1
rc=$?
set -e
assert_eq "$rc" 1 "link-loop: promote exit code"
grep -q '^::error::.*a loop of Link: rel="next"); the listing is not complete' "$T/loop.out" || { cat "$T/loop.out"; fail "link-loop: the error does not name the loop"; }
if skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$L_PORT/qa/app:qa" >/dev/null 2>&1; then fail "link-loop: the qa tag was written"; fi
pass "promote__referrers_link_loop_fails_before_any_tag_moves"
