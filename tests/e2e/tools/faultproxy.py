#!/usr/bin/env python3
"""faultproxy: a reverse proxy on 127.0.0.1 in front of a real registry that injects faults.

usage: faultproxy.py LISTEN_PORT UPSTREAM_URL RULES_JSON LOG_FILE

RULES_JSON is re-read on every request: a list of rules, each
  {"method": "PUT", "path": "regex", "times": 1, "action": ..., ...}
applied to the first `times` matching requests (then spent). Actions:
  status      answer {"status": 503, "headers": {"Retry-After": "1"}} without forwarding
  reset       close the connection before answering (request not forwarded)
  reset_mid   forward, then send half of the response body and reset
  reset_body  read half of the request body, then reset (a drop mid-upload)
  truncate    forward, announce the full Content-Length, send half the body and close
  stall       sleep `seconds` before answering (longer than the client's timeout)
  bad_digest  forward, but replace Docker-Content-Digest with a wrong one
  redirect    answer 307 to `location` (another host), request not forwarded
  then_put    forward; when upstream accepted it (2xx), put the manifest `ref` (a tag or digest
              in the same repository, read from upstream) under the matched path, then answer:
              a concurrent writer that lands right after the client's PUT, before it reads back
              (the proxy's own GET and PUT are logged with the action put_over)
Every request is logged as one line: METHOD PATH REQUEST_BYTES STATUS ACTION.
"""
import http.client, http.server, json, re, socket, sys, threading, time, urllib.parse

PORT, UPSTREAM, RULES, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
up = urllib.parse.urlparse(UPSTREAM)
lock = threading.Lock()
spent = {}
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
                  "application/vnd.docker.distribution.manifest.v2+json",
                  "application/vnd.docker.distribution.manifest.list.v2+json")


def pick(method, path):
    try:
        rules = json.load(open(RULES))
    except (OSError, ValueError):
        rules = []
    with lock:
        for i, r in enumerate(rules):
            if r.get("method", method) != method or not re.search(r.get("path", ""), path):
                continue
            if spent.get(i, 0) >= r.get("times", 1):
                continue
            spent[i] = spent.get(i, 0) + 1
            return r
    return None


def log(*fields):
    with lock, open(LOG, "a") as f:
        f.write(" ".join(str(x) for x in fields) + "\n")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_any(self):
        rule = pick(self.command, self.path)
        action = rule["action"] if rule else "-"
        n = int(self.headers.get("Content-Length") or 0)
        if action == "reset_body":
            self.rfile.read(n // 2)
            log(self.command, self.path, n // 2, 0, action)
            self.reset()
            return
        body = self.rfile.read(n) if n else b""
        if action == "reset":
            log(self.command, self.path, len(body), 0, action)
            self.reset()
            return
        if action == "stall":
            time.sleep(rule.get("seconds", 30))
        if action == "status":
            data = rule.get("body", "").encode()
            self.send_response(rule["status"])
            for k, v in rule.get("headers", {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            log(self.command, self.path, len(body), rule["status"], action)
            return
        if action == "redirect":
            self.send_response(307)
            self.send_header("Location", rule["location"] + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            log(self.command, self.path, len(body), 307, action)
            return
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        headers["Host"] = "%s:%s" % (self.server.server_address[0], PORT)
        conn.request(self.command, self.path, body=body if n or self.command in ("PUT", "POST", "PATCH") else None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if action == "then_put" and 200 <= resp.status < 300:
            self.put_over(rule["ref"], headers)  # before the client hears its PUT succeeded
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in ("transfer-encoding", "connection", "content-length"):
                continue
            if k.lower() == "location":
                v = v.replace(UPSTREAM, "http://127.0.0.1:%d" % PORT)
            if k.lower() == "docker-content-digest" and action == "bad_digest":
                v = "sha256:" + "0" * 64
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        log(self.command, self.path, len(body), resp.status, action)
        if self.command == "HEAD":
            return
        if action in ("reset_mid", "truncate") and data:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            if action == "reset_mid":
                self.reset()
            else:
                self.close_connection = True
            return
        self.wfile.write(data)

    def put_over(self, ref, headers):
        """Reads /v2/<repo>/manifests/<ref> upstream and puts it under self.path (same repo)."""
        path = self.path.split("?", 1)[0]
        src = path[: path.rindex("/manifests/") + len("/manifests/")] + ref
        h = {k: v for k, v in headers.items() if k.lower() in ("host", "authorization")}
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        conn.request("GET", src, headers=dict(h, Accept=", ".join(MANIFEST_TYPES)))
        got = conn.getresponse()
        data = got.read()
        log("GET", src, 0, got.status, "put_over")
        if got.status != 200:
            return
        conn.request("PUT", path, body=data, headers=dict(h, **{"Content-Type": got.getheader("Content-Type")}))
        put = conn.getresponse()
        put.read()
        log("PUT", path, len(data), put.status, "put_over")
        conn.close()

    def reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.close_connection = True
        self.connection.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()
