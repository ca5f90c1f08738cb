#!/usr/bin/env bash
# dist/: the committed static binary is built from exactly these sources (not stale), is static
# and small, and runs in an otherwise empty root (only the binary, a CA bundle, /etc/hosts):
# it computes tags and pushes to the loopback registry with nothing from the runner.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_registry.sh"
BIN="$CONVOY_SRC/dist/convoy-linux-x86_64"
[ -x "$BIN" ] || fail "dist/convoy-linux-x86_64 is missing: run scripts/build-static.sh"
want=$(sh "$CONVOY_SRC/scripts/source-hash.sh")
got=$("$BIN" --version | sed -n 's/.*(source \([0-9a-f]*\)).*/\1/p')
assert_eq "$got" "$want" "dist binary source hash (stale dist/: rebuild with scripts/build-static.sh)"
pass "dist__built_from_current_sources"
if readelf -l "$BIN" | grep -q INTERP || readelf -d "$BIN" 2>/dev/null | grep -q NEEDED; then
	fail "dist binary is dynamically linked"
fi
size=$(stat -c %s "$BIN")
[ "$size" -lt 10000000 ] || fail "dist binary is $size bytes (limit 10 MB)"
pass "dist__static_and_under_10MB ($size bytes)"

# An empty root: the binary, a CA bundle and /etc/hosts only.
root="$T/root"
mkdir -p "$root/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/work"
cp "$BIN" "$root/bin/convoy"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
start_registry REG
mkimage "$root/work/img" --layers 2 --seed 51
echo '{"repository":{"default_branch":"main"}}' >"$root/work/event.json"
# As root, chroot itself; otherwise a user namespace makes chroot possible (a chrooted process,
# such as one inside scripts/fresh-check.sh, may not create one, and needs none as root).
if [ "$(id -u)" = 0 ]; then jail="$(command -v chroot)"; else jail="$(command -v unshare) -r -m $(command -v chroot)"; fi
run_in_root() {
	env -i GITHUB_ACTIONS=true GITHUB_OUTPUT=/work/out GITHUB_STEP_SUMMARY=/work/summary \
		GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH=/work/event.json GITHUB_REF=refs/heads/main \
		GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 GITHUB_REPOSITORY=octo/app \
		$jail "$root" /bin/convoy "$@"
}
: >"$root/work/out"
run_in_root tags --images "127.0.0.1:$REG_PORT/app" --tags type=sha >"$T/tags.out" 2>&1 || { cat "$T/tags.out"; fail "tags in an empty root"; }
assert_eq "$(gh_output tags "$root/work/out")" "127.0.0.1:$REG_PORT/app:sha-0123456" "tags in an empty root"
pass "dist__tags_in_an_empty_root"
: >"$root/work/out"
run_in_root push --source /work/img --images "127.0.0.1:$REG_PORT/app" --tags type=sha >"$T/push.out" 2>&1 \
	|| { cat "$T/push.out"; fail "push in an empty root"; }
assert_eq "$(digest_of "127.0.0.1:$REG_PORT/app:sha-0123456")" "$(gh_output digest "$root/work/out")" "pushed digest"
pass "dist__push_in_an_empty_root"
