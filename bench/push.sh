#!/usr/bin/env bash
# bench/push.sh: `convoy push` against `skopeo copy` into the same local CNCF registry
# (docker-registry, temp storage, started here), for 1 x 200 MiB, 10 x 20 MiB and 60 x 64 KiB
# images, each fresh (a new repository) and repeated (the same repository again). Prints wall
# times, the ratio skopeo/convoy and the HTTP requests each tool made (counted in the registry's
# log; convoy's own count from its --verbose `http:` trace in brackets).
# Usage: bench/push.sh [path/to/convoy]   (a release build: cmake --preset release &&
#        cmake --build --preset release -> build-release/convoy)
# Env: SCALE=0.1 multiplies the two large layer sizes for a quick run (default 1).
# Image data is generated once by tests/e2e/tools/mkimage.py into bench/data/ (gitignored;
# random, incompressible layers) and reused.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
CONVOY=${1:-${CONVOY:-$SRC/build-release/convoy}}
[ -x "$CONVOY" ] || CONVOY=$SRC/build/convoy
[ -x "$CONVOY" ] || { echo "no convoy binary at $CONVOY" >&2; exit 1; }
for t in docker-registry skopeo python3; do
	command -v "$t" >/dev/null || { echo "bench/push.sh needs $t" >&2; exit 1; }
done
SCALE=${SCALE:-1}
MIB=1048576
big=$(python3 -c "print(int(200*$MIB*$SCALE))")
mid=$(python3 -c "print(int(20*$MIB*$SCALE))")
CASES="1:$big 10:$mid 60:65536"

DATA=$SRC/bench/data
mkdir -p "$DATA"
for c in $CASES; do
	n=${c%%:*} size=${c#*:} d=$DATA/${c/:/x}
	if [ ! -f "$d/.done" ]; then
		echo "generating $n x $size bytes into $d ..." >&2
		rm -rf "$d"
		python3 "$SRC/tests/e2e/tools/mkimage.py" --seed "bench-$n-$size" --layers "$n" \
			--layer-size "$size" "$d" >/dev/null
		touch "$d/.done"
	fi
done

T=$(mktemp -d)
REG=
cleanup() { [ -n "$REG" ] && kill "$REG" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat >"$T/config.yml" <<EOC
version: 0.1
log: {level: info, formatter: text, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/storage}}
http: {addr: 127.0.0.1:$P}
EOC
docker-registry serve "$T/config.yml" >"$T/registry.log" 2>&1 &
REG=$!
for _ in $(seq 200); do
	(exec 3<>"/dev/tcp/127.0.0.1/$P") 2>/dev/null && break
	kill -0 "$REG" 2>/dev/null || { echo "registry died:" >&2; cat "$T/registry.log" >&2; exit 1; }
	sleep 0.1
done
# convoy runs outside Actions here: outputs and summary go to throwaway files.
export GITHUB_OUTPUT=$T/gh-output GITHUB_STEP_SUMMARY=$T/gh-summary GITHUB_ENV=$T/gh-env

# Requests the registry has logged so far ("response completed" once per request).
reqs() { grep -c 'response completed' "$T/registry.log" || true; }
now() { date +%s%N; }
# run TOOL DIR REPO: pushes, sets SECS, REQS (registry side) and OWN (convoy's trace count).
run() {
	local tool=$1 dir=$2 repo=$3 before start end
	before=$(reqs)
	start=$(now)
	if [ "$tool" = convoy ]; then
		"$CONVOY" push --verbose --source "$dir" --tag-list "127.0.0.1:$P/$repo:v1" \
			>"$T/out" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
	else
		skopeo copy -q --dest-tls-verify=false "oci:$dir:latest" "docker://127.0.0.1:$P/$repo:v1" \
			>"$T/out" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
	fi
	end=$(now)
	SECS=$(python3 -c "print('%.3f' % (($end - $start) / 1e9))")
	REQS=$(( $(reqs) - before ))
	OWN=-
	[ "$tool" = convoy ] && OWN=$(grep -c '^http: ' "$T/err" || true)
	return 0
}

printf '%-14s %-9s %10s %10s %8s %16s %14s\n' image mode convoy_s skopeo_s ratio convoy_reqs skopeo_reqs
for c in $CASES; do
	n=${c%%:*} size=${c#*:} d=$DATA/${c/:/x}
	label="${n}x$(python3 -c "s=$size; print('%dMiB' % (s>>20) if s >= 1<<20 else '%dKiB' % (s>>10))")"
	id=$(printf '%s' "$c" | tr ':' '-')
	for mode in fresh repeat; do
		run convoy "$d" "bench/convoy-$id"; cs=$SECS cr=$REQS co=$OWN
		run skopeo "$d" "bench/skopeo-$id"; ss=$SECS sr=$REQS
		ratio=$(python3 -c "print('%.2f' % ($ss / $cs))")
		printf '%-14s %-9s %10s %10s %8s %16s %14s\n' "$label" "$mode" "$cs" "$ss" "$ratio" \
			"$cr ($co)" "$sr"
	done
done
echo "registry: docker-registry $(docker-registry --version | awk '{print $3}'), $(skopeo --version)," \
	"convoy: $CONVOY, SCALE=$SCALE"
