#!/usr/bin/env python3
"""faultproxy: a reverse proxy on 127.0.0.1 in front of a real registry that injects faults.

usage: faultproxy.py LISTEN_PORT UPSTREAM_URL RULES_JSON LOG_FILE

RULES_JSON is re-read on every request: a list of rules, each
  {"method": "PUT", "path": "regex", "times": 1, "action": ..., ...}
applied to the first `times` matching requests (then spent). A rule is counted by its content,
not its position: a new rule written where a spent one was applies afresh, and the same rule
written again stays spent. Actions:
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
  relocate    forward; a Location in the answer (an upload session) is moved to `location`
              (another host), keeping its path and query
  link        forward, adding `Link: <link>; rel="next"` to the answer (a next page elsewhere,
              or back to a page already read)
  drip        forward, then send the body at `rate` bytes/s (default 2.5) for at most
              `seconds`, then the rest; logged as drip_cut when the client hung up first,
              drip_done when it waited to the end
A rule with "after": "regex" applies only once a request whose "METHOD PATH" matches was
answered with a 2xx since the rules file last changed (an outage or a fault that starts right after a write was accepted).
Every request is logged as one line: METHOD PATH REQUEST_BYTES STATUS ACTION.
"""
import http.client, http.server, json, re, socket, sys, threading, time, urllib.parse

PORT, UPSTREAM, RULES, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
up = urllib.parse.urlparse(UPSTREAM)
lock = threading.Lock()
spent = {}
answered = []  # "METHOD PATH" of every request answered with a 2xx
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
                  "application/vnd.docker.distribution.manifest.v2+json",
                  "application/vnd.docker.distribution.manifest.list.v2+json")


last_rules = [None]


def pick(method, path):
    try:
        text = open(RULES).read()
        rules = json.loads(text)
    except (OSError, ValueError):
        text, rules = None, []
    with lock:
        if text != last_rules[0]:  # new rules: "after" counts from now
            last_rules[0] = text
            answered.clear()
        for r in rules:
            if r.get("method", method) != method or not re.search(r.get("path", ""), path):
                continue
            key = json.dumps(r, sort_keys=True)
            if spent.get(key, 0) >= r.get("times", 1):
                continue
            if r.get("after") and not any(re.search(r["after"], a) for a in answered):
                continue
            spent[key] = spent.get(key, 0) + 1
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
                # As a reverse proxy does: the client's own origin (the Host it asked for).
                mine = "http://%s" % (self.headers.get("Host") or "127.0.0.1:%d" % PORT)
                v = v.replace(UPSTREAM, mine).replace("http://127.0.0.1:%d" % PORT, mine)
                if action == "relocate":
                    u = urllib.parse.urlparse(v)
                    v = rule["location"] + u.path + ("?" + u.query if u.query else "")
            if k.lower() == "docker-content-digest" and action == "bad_digest":
                v = "sha256:" + "0" * 64
            self.send_header(k, v)
        if action == "link":
            self.send_header("Link", '<%s>; rel="next"' % rule["link"])
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if 200 <= resp.status < 300:
            with lock:
                answered.append("%s %s" % (self.command, self.path))
        if action != "drip":
            log(self.command, self.path, len(body), resp.status, action)
        if self.command == "HEAD":
            return
        if action == "drip":
            self.drip(data, rule, len(body), resp.status)
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

    def drip(self, data, rule, nbody, status):
        """Sends data at rule["rate"] bytes/s for at most rule["seconds"], then the rest."""
        rate, end = rule.get("rate", 2.5), time.monotonic() + rule.get("seconds", 60)
        sent, t0, outcome = 0, time.monotonic(), "drip_done"
        try:
            while sent < len(data) and time.monotonic() < end:
                due = int((time.monotonic() - t0) * rate) + 1
                if due > sent:
                    self.wfile.write(data[sent:due])
                    self.wfile.flush()
                    sent = due
                time.sleep(0.1)
            self.wfile.write(data[sent:])
            self.wfile.flush()
        except OSError:
            outcome = "drip_cut"
        log(self.command, self.path, nbody, status, outcome)

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
