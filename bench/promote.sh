#!/usr/bin/env bash
# bench/promote.sh: the same promotions with `convoy promote` and with
# `skopeo copy docker://... docker://...`, in one run, against two local registries
# (docker-registry on 127.0.0.1, its shipped configuration's blob descriptor cache): same
# repository (dev -> qa), cross repository in one registry (qa -> prod/app, mounts), and across
# registries (streamed). Every round promotes a new digest to fresh tags and repositories, so
# neither tool finds the work already done. Prints the median and the mean wall time per
# promotion, the ratio skopeo/convoy of the medians (a registry that stalls on fsync now and
# then skews a mean), and the HTTP requests each made (from the registries' access logs, so both
# are counted the same way). Target: >= 5x same- and cross-repository. Then the registry's floor
# for the same-repository case (bench/promote_floor.py): what the requests alone cost, and so
# the best ratio any tool that keeps the ledger and the read-backs can reach on this machine.
# Last, across registries with 3 referrers on the digest (a signature, an SPDX SBOM, an in-toto
# provenance): convoy carrying them, convoy with --referrers none, and skopeo copy, which does
# not carry them (so it does less work: its ratio is not like for like).
# Usage: bench/promote.sh [path/to/convoy]
# env: ROUNDS (7), LAYERS (4), LAYER_SIZE (4 MiB), BENCH_DIR (/tmp: where the registries store
# blobs; /dev/shm takes the disk's fsync time out and leaves the tools' own cost),
# BENCH_STORAGE (filesystem; inmemory: docker-registry's test driver, no files at all)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
# Default: the static binary the action ships (dist/), else the build tree's.
DEFAULT=$SRC/dist/convoy-linux-x86_64; [ -x "$DEFAULT" ] || DEFAULT=$SRC/build/convoy
CONVOY=${1:-${CONVOY:-$DEFAULT}}
ROUNDS=${ROUNDS:-7} LAYERS=${LAYERS:-4} LAYER_SIZE=${LAYER_SIZE:-4194304}
[ -x "$CONVOY" ] || { echo "no convoy binary at $CONVOY" >&2; exit 1; }
for p in docker-registry skopeo python3; do
	command -v "$p" >/dev/null || { echo "bench: $p is not installed" >&2; exit 1; }
done
T=$(mktemp -d "${BENCH_DIR:-/tmp}/convoy-bench.XXXXXX")
chmod 711 "$T" # skopeo may run as nobody (below) and needs to reach its HOME in here
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
registry() { # registry NAME -> sets NAME (host:port); log in $T/NAME.log
	local p; p=$(port)
	local store="filesystem: {rootdirectory: $T/$1-data}"
	[ "${BENCH_STORAGE:-filesystem}" = inmemory ] && store="inmemory: {}"
	printf 'version: 0.1\nlog: {level: info, formatter: text}\nstorage: {cache: {blobdescriptor: inmemory}, %s}\nhttp: {addr: 127.0.0.1:%s}\n' \
		"$store" "$p" >"$T/$1.yml"
	docker-registry serve "$T/$1.yml" >"$T/$1.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
	printf -v "$1" '127.0.0.1:%s' "$p"
}
registry A; registry B
# One image per round (shared layers, its own config): every round promotes a digest nobody
# promoted before, as a pipeline does with each build. The same digest promoted again and again
# would grow its ledger index by a record per round, and docker-registry checks every entry of
# an index on each PUT.
python3 "$SRC/tests/e2e/tools/mkimage.py" --seed 7 --layers "$LAYERS" --layer-size "$LAYER_SIZE" \
	--variants "$ROUNDS" "$T/img" >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$T/img:latest" "docker://$A/app:dev"
size=$(du -sb "$T/img/blobs" | cut -f1)

reqs() { cat "$T/A.log" "$T/B.log" | grep -cE '"(GET|HEAD|PUT|POST|PATCH|DELETE) [^ ]+ HTTP'; }
export GITHUB_OUTPUT="$T/out" GITHUB_STEP_SUMMARY="$T/summary"
SK=(skopeo copy -q --src-tls-verify=false --dest-tls-verify=false)
# run CASE TOOL ROUND: one promotion; prints nothing, records time and requests.
declare -A TIME REQ
run() {
	local case=$1 tool=$2 i=$3 src dst stages r0 t0 t1
	case $case in
	same)  src=$A/app; dst=$A/app ;;
	repo)  src=$A/app; dst=$A/prod$i-$tool ;;
	reg)   src=$A/app; dst=$B/prod$i-$tool ;;
	ref|refnone) src=$A/app; dst=$B/$case$i-$tool ;;
	esac
	local carry=()
	[ "$case" = refnone ] && carry=(--referrers none)
	stages="dev=$src:dev; qa=$dst:qa-$tool-$i"
	# Time from bash's own clock (microseconds, no subshell): a `date` process per reading
	# would add its fork and exec (about a millisecond) to every measurement of both tools.
	r0=$(reqs); t0=${EPOCHREALTIME/[.,]/}000
	if [ "$tool" = convoy ]; then
		"$CONVOY" promote --to qa --stages "$stages" --insecure-registry "$A" --insecure-registry "$B" "${carry[@]}" >"$T/out.log" 2>"$T/err" \
			|| { cat "$T/err" >&2; exit 1; }
	else
		# A cold blob-info cache per copy, as on a fresh CI runner: skopeo otherwise
		# remembers which repositories of the target got the blobs in an earlier round and
		# mounts from there, and an across-registries round would move no bytes at all.
		# Its cache is $HOME/.local/share/containers/cache, except for root, whose cache
		# is /var/lib/containers/cache whatever HOME says: as root, skopeo runs as nobody.
		mkdir -p "$T/home-$case-$i"
		if [ "$(id -u)" = 0 ]; then
			chmod 777 "$T/home-$case-$i"
			setpriv --reuid=65534 --regid=65534 --clear-groups \
				env HOME="$T/home-$case-$i" XDG_RUNTIME_DIR="$T/home-$case-$i" \
				"${SK[@]}" "docker://$src:dev" "docker://$dst:qa-$tool-$i" >/dev/null
		else
			HOME="$T/home-$case-$i" "${SK[@]}" "docker://$src:dev" "docker://$dst:qa-$tool-$i" >/dev/null
		fi
	fi
	t1=${EPOCHREALTIME/[.,]/}000
	TIME[$case-$tool]="${TIME[$case-$tool]:-} $(( t1 - t0 ))"
	REQ[$case-$tool]=$(( ${REQ[$case-$tool]:-0} + $(reqs) - r0 ))
}
openssl ecparam -name prime256v1 -genkey -noout -out "$T/k.pem" 2>/dev/null
echo '{"spdxVersion": "SPDX-2.3", "name": "bench", "packages": []}' >"$T/sbom.json"
echo '{"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1", "predicate": {}}' >"$T/prov.json"
# refer I: 3 referrers on round I's digest in dev (untimed), after the rows without them.
refer() {
	local d
	d=sha256:$(skopeo inspect --raw --tls-verify=false "docker://$A/app:dev" | sha256sum | cut -d' ' -f1)
	"$CONVOY" sign --key "$T/k.pem" --image "$A/app@$d" --signature-storage referrer >/dev/null 2>"$T/err" \
		|| { cat "$T/err" >&2; exit 1; }
	python3 "$SRC/tests/e2e/tools/attach.py" "$A" app "$d" application/spdx+json "$T/sbom.json" >/dev/null
	python3 "$SRC/tests/e2e/tools/attach.py" "$A" app "$d" application/vnd.in-toto+json "$T/prov.json" >/dev/null
}
FLOOR_LEDGER="" FLOOR_NOREAD="" FLOOR_BARE="" FLOOR_SERVER=""
for i in $(seq 1 "$ROUNDS"); do
	skopeo copy -q --dest-tls-verify=false "oci:$T/img:v$i" "docker://$A/app:dev" # untimed
	for case in same repo reg; do run "$case" convoy "$i"; run "$case" skopeo "$i"; done
	n0=$(wc -l <"$T/A.log")
	read -r l d b < <(python3 "$SRC/bench/promote_floor.py" "$A" app dev "floor-$i")
	# and the registry's own time along the same dependent steps, from its log
	s=$(tail -n +$((n0 + 1)) "$T/A.log" | python3 "$SRC/bench/promote_floor.py" --server-time "floor-$i" dev)
	FLOOR_LEDGER+=" $l" FLOOR_NOREAD+=" $d" FLOOR_BARE+=" $b" FLOOR_SERVER+=" $s"
	refer
	run ref convoy "$i"
	grep -q '^referrers: 3 copied' "$T/err" || { echo "bench: convoy did not carry the 3 referrers:" >&2; cat "$T/err" >&2; exit 1; }
	run refnone convoy "$i"; run ref skopeo "$i"
done
echo "image: $LAYERS layers, $size bytes of blobs; $ROUNDS rounds each; storage: ${BENCH_STORAGE:-filesystem under ${BENCH_DIR:-/tmp}}"
printf '%-34s %18s %18s %8s %14s %14s\n' case "convoy med/mean" "skopeo med/mean" ratio "convoy reqs" "skopeo reqs"
for case in same repo reg; do
	case $case in same) name="same repository (dev -> qa)" ;; repo) name="cross repository, one registry" ;;
		reg) name="across registries" ;; esac
	python3 - "$name" "${TIME[$case-convoy]}" "${TIME[$case-skopeo]}" \
		"$(( ${REQ[$case-convoy]} / ROUNDS ))" "$(( ${REQ[$case-skopeo]} / ROUNDS ))" <<'PY'
import statistics, sys
name, c, s, cr, sr = sys.argv[1:]
c = [int(x) / 1e6 for x in c.split()]
s = [int(x) / 1e6 for x in s.split()]
cm, sm = statistics.median(c), statistics.median(s)
print("%-34s %7.1f/%6.1fms %7.1f/%6.1fms %7.1fx %14s %14s" % (
    name, cm, statistics.mean(c), sm, statistics.mean(s), sm / cm, cr, sr))
PY
done
# The registry's floor for the same-repository case (bench/promote_floor.py): the requests a
# promotion with the ledger and the read-backs cannot do without, timed without a process around
# them; skopeo's median over it is the best ratio any tool keeping those promises can reach here.
python3 - "${TIME[same-skopeo]}" "$FLOOR_LEDGER" "$FLOOR_NOREAD" "$FLOOR_BARE" "$FLOOR_SERVER" <<'PY'
import statistics, sys
sk, led, nor, bare, srv = (statistics.median(int(x) for x in a.split()) for a in sys.argv[1:])
sk /= 1e6
print("registry floor, same repository (skopeo's median over it: the best ratio a tool can reach):")
for name, us in (("minimal client, ledger and both read-backs", led),
                 ("minimal client, ledger, tag read-back only", nor),
                 ("registry's own time, ledger and both read-backs", srv),
                 ("minimal client, bare GET + tag PUT (no ledger)", bare)):
    print("  %-50s %6.1fms %6.1fx" % (name, us / 1e3, sk / (us / 1e3)))
PY
python3 - "${TIME[ref-convoy]}" "${TIME[refnone-convoy]}" "${TIME[ref-skopeo]}" \
	"$(( ${REQ[ref-convoy]} / ROUNDS ))" "$(( ${REQ[refnone-convoy]} / ROUNDS ))" "$(( ${REQ[ref-skopeo]} / ROUNDS ))" <<'PY'
import statistics, sys
c, n, s = ([int(x) / 1e6 for x in a.split()] for a in sys.argv[1:4])
cr, nr, sr = sys.argv[4:]
cm, nm, sm = statistics.median(c), statistics.median(n), statistics.median(s)
print("across registries, the digest with 3 referrers (signature, spdx, in-toto):")
print("  %-44s %7.1f/%6.1fms %5s reqs" % ("convoy, carrying them (--referrers all)", cm, statistics.mean(c), cr))
print("  %-44s %7.1f/%6.1fms %5s reqs  all/none %.2fx" % ("convoy --referrers none", nm, statistics.mean(n), nr, cm / nm))
print("  %-44s %7.1f/%6.1fms %5s reqs  skopeo/all %.2fx (skopeo does not carry the referrers)" % ("skopeo copy", sm, statistics.mean(s), sr, sm / cm))
PY
echo "machine: $(nproc) cores; docker-registry $(docker-registry --version | awk '{print $3}'), $(skopeo --version), convoy: $CONVOY"
