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
if grep -q INTERP <<<"$(readelf -l "$BIN")" || grep -q NEEDED <<<"$(readelf -d "$BIN" 2>/dev/null)"; then
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

[ -x /usr/bin/time ] || fail "GNU time (Debian package time) is not installed: run scripts/deps.sh"
# Peak memory of `tags` (the shipped binary, in the empty root): without a request, and with
# the repository data read from a GitHub API stand-in over TLS (its certificate appended to the
# root's whole CA bundle, so the bundle is parsed as on a runner). Measured as the child's
# ru_maxrss; the issue's bound is 10 MiB. The description label proves the TLS request was made.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || fail "openssl could not make a certificate"
cat "$T/tls.crt" >>"$root/etc/ssl/certs/ca-certificates.crt"
api_port=$(free_port)
/usr/bin/python3 - "$api_port" "$T/tls.crt" "$T/tls.key" <<'PY' &
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/repos/octo/app" and self.headers.get("Authorization") == "Bearer tok-rss"
        body = json.dumps({"name": "app", "description": "over TLS", "html_url": "https://github.com/octo/app",
                           "default_branch": "main", "license": {"spdx_id": "MIT"}}).encode() if ok else b"{}"
        self.send_response(200 if ok else 404); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
api_pid=$!
at_exit "kill $api_pid"
wait_port "$api_port" "$api_pid"
# peak_rss OUT ARGS...: run convoy in the root with ARGS; prints its peak RSS in KiB (GNU time's
# %M, the child's ru_maxrss: time is a small C program, so its own pages before the exec are few)
peak_rss() {
	local out=$1; shift
	: >"$root/work/out"
	/usr/bin/time -f %M -o "$T/rss" env -i GITHUB_ACTIONS=true GITHUB_OUTPUT=/work/out GITHUB_STEP_SUMMARY=/work/summary \
		GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH=/work/event.json GITHUB_REF=refs/heads/main \
		GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 GITHUB_REPOSITORY=octo/app \
		GITHUB_API_URL="https://127.0.0.1:$api_port" $jail "$root" /bin/convoy "$@" >"$out" 2>&1 || return 1
	tail -1 "$T/rss"
}
rss_none=$(peak_rss "$T/rss1.out" tags --images app --tags type=sha) || { cat "$T/rss1.out"; fail "tags without a request"; }
rss_tls=$(peak_rss "$T/rss2.out" tags --images app --tags type=sha --github-token tok-rss) || { cat "$T/rss2.out"; fail "tags with the GitHub API over TLS"; }
assert_contains "$(gh_output labels "$root/work/out")" "org.opencontainers.image.description=over TLS" "the TLS request was made"
echo "peak RSS of tags: $rss_none KiB without a request, $rss_tls KiB with the GitHub API over TLS"
[ "$rss_tls" -lt 10240 ] || fail "tags with the GitHub API over TLS peaked at $rss_tls KiB (bound: 10 MiB)"
pass "dist__tags_peak_rss_under_10MiB_with_the_github_api ($rss_tls KiB)"
