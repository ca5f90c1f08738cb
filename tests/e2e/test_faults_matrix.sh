#!/usr/bin/env bash
# The fault matrix over every promotion path: promote in one repository, across repositories
# of one registry (mounts) and across registries (streamed blobs), and rollback; each under a
# transient error on a write, a reset read, a tag write the registry keeps refusing, and an
# outage that starts right after the tag write was accepted. Two real registries with Basic
# auth, each behind tests/e2e/tools/faultproxy.py (one rules file for both); skopeo and the
# ledger are read directly, never through a proxy.
#
# Every cell ends one of two ways, and the test checks all of it:
#   success: the tag is at the digest, every blob of the image is complete (skopeo copies it to
#            a dir: and checks each digest), the ledger's newest record has the right kind,
#            digest and previous digest, GITHUB_OUTPUT has the digest, the summary names it;
#   failure: an ::error::, and every tag's real state told: unmoved and not claimed moved, or
#            moved and the error saying where it is; GITHUB_OUTPUT empty.
# No cell takes longer than its --timeout plus a margin. Prints the matrix.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
need htpasswd
need jq

PW='Fault-Pa55-mx'
htpasswd -Bbn ci "$PW" >"$T/htpasswd"
start_registry UP1 "$T/htpasswd"
start_registry UP2 "$T/htpasswd"
echo '[]' >"$T/rules.json"
: >"$T/proxy1.log"; : >"$T/proxy2.log"
P1=$(free_port)
python3 "$CONVOY_SRC/tests/e2e/tools/faultproxy.py" "$P1" "http://127.0.0.1:$UP1_PORT" "$T/rules.json" "$T/proxy1.log" &
at_exit "kill $!"
wait_port "$P1"
P2=$(free_port)
python3 "$CONVOY_SRC/tests/e2e/tools/faultproxy.py" "$P2" "http://127.0.0.1:$UP2_PORT" "$T/rules.json" "$T/proxy2.log" &
at_exit "kill $!"
wait_port "$P2"
R1=127.0.0.1:$P1 R2=127.0.0.1:$P2
declare -A UPSTREAM=(["$R1"]="127.0.0.1:$UP1_PORT" ["$R2"]="127.0.0.1:$UP2_PORT")
SK=(--creds "ci:$PW")
CREDS=(--username ci --password "$PW")
DEADLINE=20 MARGIN=15
export CONVOY_HTTP_BACKOFF_MS=50

mkimage "$T/old" --layers 1 --seed 61
mkimage "$T/new" --layers 3 --seed 62

rules() { echo "$1" >"$T/rules.json"; }
up() { local reg=${1%%/*}; echo "${UPSTREAM[$reg]}/${1#*/}"; } # the upstream of a proxied ref
seed() { # seed LAYOUT REF: outside the faults
	actions_env
	"$CONVOY" push "${CREDS[@]}" --source "$1" --tag-list "$2" >"$T/seed.out" 2>&1 || { cat "$T/seed.out"; fail "seeding $2"; }
}
records() { # records STAGES: the ledger of qa (history's records output), read without faults
	: >"$T/hist.out"
	GITHUB_OUTPUT="$T/hist.out" GITHUB_STEP_SUMMARY="$T/hist.sum" "$CONVOY" history "${CREDS[@]}" \
		--stages "$1" --stage qa >"$T/hist.err" 2>&1 || { cat "$T/hist.err"; fail "history"; }
	gh_output records "$T/hist.out"
}

results=()
# faults_fired: how many requests the proxies answered with a fault so far
faults_fired() { awk '$NF != "-"' "$T/proxy1.log" "$T/proxy2.log" | wc -l; }
# cell CMD PATH FAULT EXPECT RULES: CMD is promote or rollback; PATH same|repo|registry.
cell() {
	local cmd=$1 path=$2 fault=$3 expect=$4 rules=$5 n="$1-$2-$3" dev qa stages want before now rc=0 t0 f0 took out err outcome rec
	case "$path" in
	same) dev="$R1/m-$n:dev" qa="$R1/m-$n:qa" ;;
	repo) dev="$R1/m-$n-dev:dev" qa="$R1/m-$n-qa:qa" ;;
	registry) dev="$R1/m-$n:dev" qa="$R2/m-$n:qa" ;;
	esac
	stages="dev=$dev; qa=$qa"
	seed "$T/old" "$qa"
	seed "$T/new" "$dev"
	if [ "$cmd" = rollback ]; then # qa at new after a recorded promotion; the rollback aims at old
		want=$(digest_of "$(up "$qa")" "${SK[@]}")
		actions_env
		"$CONVOY" promote "${CREDS[@]}" --stages "$stages" --to qa >"$T/seed.out" 2>&1 || { cat "$T/seed.out"; fail "$n: the promotion before the rollback"; }
	else
		want=$(digest_of "$(up "$dev")" "${SK[@]}")
	fi
	before=$(digest_of "$(up "$qa")" "${SK[@]}")
	[ -n "$want" ] && [ -n "$before" ] && [ "$want" != "$before" ] || fail "$n: seeding"
	local qarepo=${qa#*/}
	rules "${rules//QAREPO/${qarepo%:*}}"
	actions_env
	f0=$(faults_fired)
	t0=$(date +%s)
	if [ "$cmd" = rollback ]; then
		"$CONVOY" rollback "${CREDS[@]}" --timeout $DEADLINE --stages "$stages" --stage qa >"$T/out" 2>&1 || rc=$?
	else
		"$CONVOY" promote "${CREDS[@]}" --timeout $DEADLINE --stages "$stages" --to qa >"$T/out" 2>&1 || rc=$?
	fi
	took=$(( $(date +%s) - t0 ))
	rules '[]'
	[ "$(faults_fired)" -gt "$f0" ] || fail "$n: the fault never fired"
	out=$(cat "$T/out")
	err=$(grep '::error::' "$T/out" || true)
	now=$(digest_of "$(up "$qa")" "${SK[@]}")
	assert_not_contains "$(grep -v '^::add-mask::' "$T/out")" "$PW" "$n: password in output"
	[ "$took" -le $((DEADLINE + MARGIN)) ] || fail "$n: took ${took}s (deadline ${DEADLINE}s + ${MARGIN}s)"
	if [ "$rc" = 0 ]; then
		outcome=success
		assert_eq "$now" "$want" "$n: qa after success"
		rm -rf "$T/copy"
		skopeo copy -q --src-tls-verify=false "${SK[@]/--creds/--src-creds}" "docker://$(up "$qa")" "dir:$T/copy" >"$T/copy.out" 2>&1 ||
			{ cat "$T/copy.out"; fail "$n: the image at qa is not complete (skopeo copy)"; }
		rec=$(records "$stages")
		assert_eq "$(jq -r '.[0].kind + " " + .[0].digest + " " + .[0]["previous-digest"]' <<<"$rec")" \
			"$cmd $want $before" "$n: the ledger's newest record"
		assert_eq "$(gh_output digest)" "$want" "$n: the digest output"
		assert_contains "$(cat "$T/gh/summary")" "$want" "$n: the summary names the digest"
	else
		outcome=failure
		[ "$rc" = 1 ] || fail "$n: exit code $rc ($out)"
		[ -n "$err" ] || { echo "$out"; fail "$n: failure without an ::error::"; }
		assert_eq "$(cat "$GITHUB_OUTPUT")" "" "$n: outputs of a failed $cmd"
		assert_not_contains "$err" "were restored" "$n: a blanket restore claimed"
		if [ "$now" = "$before" ]; then
			assert_not_contains "$err" "$qa moved to" "$n: qa is where it was, but the error says it moved"
			assert_not_contains "$err" "$qa could not be put back" "$n: qa is where it was, but the error says it stays moved"
		else
			assert_eq "$now" "$want" "$n: qa is at neither digest"
			case "$err" in
			*"$qa moved to $want"* | *"$qa could not be put back"*"it is at $want"*) ;;
			*) echo "$out"; fail "$n: qa moved to $want, and the error does not say so" ;;
			esac
		fi
	fi
	if [ "$expect" != either ] && [ "$expect" != "$outcome" ]; then
		echo "$out"
		fail "$n: expected $expect, got $outcome"
	fi
	results+=("$(printf '| %-8s | %-8s | %-18s | %-7s | %3ss |' "$cmd" "$path" "$fault" "$outcome" "$took")")
}

# QAREPO is replaced by qa's repository: faults aimed at the target stage's tag.
# (A rule is spent by its content: naming the repository makes each cell's rules its own.)
TRANSIENT='[{"method":"PUT","path":"/v2/QAREPO/manifests/","action":"status","status":503,"times":1}]'
RESET_READ='[{"method":"GET","path":"/v2/QAREPO/manifests/","action":"reset","times":1}]'
REFUSED='[{"method":"PUT","path":"/v2/QAREPO/manifests/qa$","action":"status","status":500,"times":9999}]'
OUTAGE='[{"path":"","after":"^PUT /v2/QAREPO/manifests/qa$","action":"status","status":503,"times":9999}]'
for path in same repo registry; do
	cell promote "$path" transient_write success "$TRANSIENT"
	cell promote "$path" reset_read success "$RESET_READ"
	cell promote "$path" tag_refused failure "$REFUSED"
	cell promote "$path" outage_after_tag failure "$OUTAGE"
done
for path in same registry; do
	cell rollback "$path" transient_write success "$TRANSIENT"
	cell rollback "$path" tag_refused failure "$REFUSED"
	cell rollback "$path" outage_after_tag failure "$OUTAGE"
done

# deploy's ledger record (the deploy itself succeeds against the ECS stand-in): written despite
# a transient error, or, when the registry is down right after the rollout, a warning that
# says the deploy is not recorded; the deploy's outputs stand and history shows no record.
source "$(dirname "$0")/lib_aws.sh"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secretkey AWS_REGION=eu-west-1
export CONVOY_DEPLOY_POLL_MS=20 CONVOY_AWS_BACKOFF_MS=10
start_aws success
deploy_cell() { # deploy_cell FAULT RULES RECORDED(yes|no)
	local fault=$1 rules=$2 recorded=$3 repo="m-deploy-$1" rc=0 t0 f0 took digest rec
	seed "$T/new" "$R1/$repo:qa"
	digest=$(digest_of "$(up "$R1/$repo:qa")" "${SK[@]}")
	mkdir -p "$T/$repo"
	printf 'stages:\n  - name: qa\n    repository: %s\n    tags: [qa]\n    deploy: {cluster: c, service: web, container: app}\n' \
		"$R1/$repo" >"$T/$repo/convoy.yml"
	rules "${rules//QAREPO/$repo}"
	actions_env
	f0=$(faults_fired)
	t0=$(date +%s)
	"$CONVOY" deploy "${CREDS[@]}" --timeout $DEADLINE --pipeline-file "$T/$repo/convoy.yml" --stage qa \
		--image "$R1/$repo@$digest" >"$T/out" 2>&1 || rc=$?
	took=$(( $(date +%s) - t0 ))
	rules '[]'
	[ "$(faults_fired)" -gt "$f0" ] || fail "deploy-$fault: the fault never fired"
	[ "$took" -le $((DEADLINE + MARGIN)) ] || fail "deploy-$fault: took ${took}s"
	assert_not_contains "$(grep -v '^::add-mask::' "$T/out")" "$PW" "deploy-$fault: password in output"
	[ "$rc" = 0 ] || { cat "$T/out"; fail "deploy-$fault: the deploy itself succeeded, exit $rc"; }
	assert_eq "$(gh_output status)" deployed "deploy-$fault: status output"
	rec=$(records "qa=$R1/$repo:qa")
	if [ "$recorded" = yes ]; then
		assert_contains "$(cat "$T/out")" "ledger: deploy recorded in $R1/$repo (stage qa)" "deploy-$fault: recorded"
		assert_eq "$(jq -r '.[0].kind + " " + .[0].digest + " " + .[0].status' <<<"$rec")" "deploy $digest deployed" \
			"deploy-$fault: the ledger's deploy record"
		assert_contains "$(cat "$T/gh/summary")" "The deploy is recorded in the ledger of stage qa." "deploy-$fault: the summary"
	else
		assert_contains "$(grep '::warning' "$T/out")" "the deploy was not recorded in the ledger of stage 'qa'" "deploy-$fault: the warning"
		assert_not_contains "$(cat "$T/out")" "ledger: deploy recorded" "deploy-$fault: a record claimed"
		assert_contains "$(cat "$T/gh/summary")" "**The deploy is not recorded** in the ledger of stage qa" "deploy-$fault: the summary"
		assert_eq "$(jq -r '[.[] | select(.kind == "deploy")] | length' <<<"$rec")" 0 "deploy-$fault: a deploy record in the ledger"
	fi
	results+=("$(printf '| %-8s | %-8s | %-18s | %-7s | %3ss |' deploy ledger "$fault" "success" "$took")")
}
deploy_cell transient_write '[{"method":"PUT","path":"/v2/QAREPO/manifests/","action":"status","status":503,"times":1}]' yes
deploy_cell registry_down '[{"path":"/v2/QAREPO/","action":"status","status":503,"times":9999}]' no

echo "| command  | path     | fault              | outcome | time |"
echo "|----------|----------|--------------------|---------|------|"
printf '%s\n' "${results[@]}"
pass "faults_matrix__every_path_truthful_complete_bounded (${#results[@]} cells)"
