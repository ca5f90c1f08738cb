#!/usr/bin/env bash
# dist/convoy-linux-aarch64: the committed arm64 binary, run under qemu-aarch64-static (user-mode
# emulation invoked directly, no binfmt): it is an AArch64 executable built from exactly these
# sources, static and small, and in an otherwise empty root (the binary, the static qemu, a CA
# bundle, /etc/hosts) it computes tags, pushes to a loopback registry and promotes the pushed
# image into a second registry; skopeo confirms what the registries hold.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
BIN="$CONVOY_SRC/dist/convoy-linux-aarch64"
[ -x "$BIN" ] || fail "dist/convoy-linux-aarch64 is missing: run scripts/build-static.sh aarch64"
QEMU=$(command -v qemu-aarch64-static) || fail "qemu-aarch64-static is not installed (Debian package qemu-user-static: run scripts/deps.sh)"
need readelf

readelf -h "$BIN" | grep -Eq 'Machine:[[:space:]]+AArch64' || fail "dist/convoy-linux-aarch64 is not an AArch64 executable"
want=$(sh "$CONVOY_SRC/scripts/source-hash.sh")
got=$("$QEMU" "$BIN" --version | sed -n 's/.*(source \([0-9a-f]*\)).*/\1/p')
assert_eq "$got" "$want" "arm64 dist binary source hash (stale dist/: rebuild with scripts/build-static.sh aarch64)"
pass "dist_aarch64__built_from_current_sources"
if grep -q INTERP <<<"$(readelf -l "$BIN")" || grep -q NEEDED <<<"$(readelf -d "$BIN" 2>/dev/null)"; then
	fail "arm64 dist binary is dynamically linked"
fi
size=$(stat -c %s "$BIN")
[ "$size" -lt 10000000 ] || fail "arm64 dist binary is $size bytes (limit 10 MB)"
pass "dist_aarch64__static_and_under_10MB ($size bytes)"

# An empty root: the binary, qemu-aarch64-static (itself static), a CA bundle and /etc/hosts.
grep -q INTERP <<<"$(readelf -l "$QEMU")" && fail "$QEMU is dynamically linked (it cannot run in an empty root)"
root="$T/root"
mkdir -p "$root/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/work"
cp "$BIN" "$root/bin/convoy"
cp "$QEMU" "$root/bin/qemu-aarch64-static"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
start_registry A; start_registry B
RA=127.0.0.1:$A_PORT RB=127.0.0.1:$B_PORT
mkimage "$root/work/img" --layers 2 --seed 61
echo '{"repository":{"default_branch":"main"}}' >"$root/work/event.json"
cat >"$root/work/convoy.yml" <<EOC
stages:
  - name: dev
    repository: $RA/app
    tags: [dev]
  - name: prod
    repository: $RB/app
    tags: [prod]
EOC
# As root, chroot itself; otherwise a user namespace makes chroot possible (as in test_dist.sh).
if [ "$(id -u)" = 0 ]; then jail="$(command -v chroot)"; else jail="$(command -v unshare) -r -m $(command -v chroot)"; fi
run_in_root() {
	: >"$root/work/out"
	env -i GITHUB_ACTIONS=true GITHUB_OUTPUT=/work/out GITHUB_STEP_SUMMARY=/work/summary \
		GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH=/work/event.json GITHUB_REF=refs/heads/main \
		GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 GITHUB_REPOSITORY=octo/app \
		$jail "$root" /bin/qemu-aarch64-static /bin/convoy "$@"
}
run_in_root tags --images "$RA/app" --tags type=sha >"$T/tags.out" 2>&1 || { cat "$T/tags.out"; fail "tags in an empty root"; }
assert_eq "$(gh_output tags "$root/work/out")" "$RA/app:sha-0123456" "tags in an empty root"
pass "dist_aarch64__tags_in_an_empty_root"

run_in_root push --source /work/img --images "$RA/app" --tags type=raw,value=dev >"$T/push.out" 2>&1 \
	|| { cat "$T/push.out"; fail "push in an empty root"; }
D=$(gh_output digest "$root/work/out")
[ -n "$D" ] || fail "push wrote no digest output"
assert_eq "$(digest_of "$RA/app:dev")" "$D" "pushed digest (skopeo)"
skopeo copy -q --src-tls-verify=false "docker://$RA/app:dev" "oci:$T/pulled-dev" >/dev/null \
	|| fail "the pushed image cannot be pulled whole from registry A"
pass "dist_aarch64__push_in_an_empty_root"

run_in_root promote --to prod --pipeline-file /work/convoy.yml --insecure-registry "$RA" \
	--insecure-registry "$RB" >"$T/promote.out" 2>&1 || { cat "$T/promote.out"; fail "promote in an empty root"; }
assert_eq "$(gh_output digest "$root/work/out")" "$D" "promote digest output"
assert_eq "$(gh_output from "$root/work/out")" "dev" "promote from output"
assert_eq "$(digest_of "$RB/app:prod")" "$D" "promoted prod tag in registry B (skopeo)"
skopeo copy -q --src-tls-verify=false "docker://$RB/app@$D" "oci:$T/pulled-prod" >/dev/null \
	|| fail "the promoted image cannot be pulled whole from registry B"
pass "dist_aarch64__promote_across_registries_in_an_empty_root"
