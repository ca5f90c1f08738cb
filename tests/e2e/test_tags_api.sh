#!/usr/bin/env bash
# convoy tags with github-token: description and licence come from GET /repos/{owner}/{repo}
# (a local fake API on 127.0.0.1 that also checks the token it receives).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tags_lib.sh"

port=$(free_port)
cat >"$T/api.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/repos/octocat/Hello-World" or self.headers.get("Authorization") != "Bearer tok123":
            self.send_response(404); self.end_headers(); return
        body = json.dumps({"name": "Hello-World", "description": "This your first repo!",
                           "html_url": "https://github.com/octocat/Hello-World",
                           "default_branch": "main", "license": {"spdx_id": "MIT"}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$T/api.py" "$port" & pid=$!
at_exit "kill $pid"
wait_port "$port" "$pid"

payload push 4 "$T/push.json"
gh_env push "$T/push.json" refs/heads/main 860c1904a1ce19322e91ac35af1ab07466440c37
export GITHUB_REPOSITORY=octocat/Hello-World GITHUB_API_URL="http://127.0.0.1:$port" INPUT_IMAGES=user/app \
	INPUT_TAGS=$'type=edge\ntype=ref,event=branch' INPUT_LABELS=$'maintainer=me\norg.opencontainers.image.title=Custom'
tags_ok "INPUT_GITHUB-TOKEN=tok123"
assert_eq "$(gh_output labels)" "maintainer=me
org.opencontainers.image.created=2020-01-10T00:30:00.000Z
org.opencontainers.image.description=This your first repo!
org.opencontainers.image.licenses=MIT
org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37
org.opencontainers.image.source=https://github.com/octocat/Hello-World
org.opencontainers.image.title=Custom
org.opencontainers.image.url=https://github.com/octocat/Hello-World
org.opencontainers.image.version=edge" "labels from the API, custom labels merged and sorted"
# edge's default branch comes from the API (main), not from the payload (master)
assert_eq "$(gh_output tags)" $'user/app:edge\nuser/app:main' "edge from the API's default branch"
pass "repository data from the GitHub API"
