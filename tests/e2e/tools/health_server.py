#!/usr/bin/env python3
"""Scripted health endpoint for convoy deploy e2e tests.
usage: health_server.py PORT SCENARIO LOGFILE
SCENARIO: ok (200 "ok") | flaky (503 twice, then 200 "ok") | down (always 500) |
          wrongbody (200 "starting")
Serves GET /health on 127.0.0.1; every request is logged as one line "GET /path -> STATUS"."""
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port, scenario, logpath = int(sys.argv[1]), sys.argv[2], sys.argv[3]
seen = {"n": 0}

class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        seen["n"] += 1
        if self.path != "/health":
            code, body = 404, "not found"
        elif scenario == "flaky" and seen["n"] <= 2:
            code, body = 503, "warming up"
        elif scenario == "down":
            code, body = 500, "broken"
        elif scenario == "wrongbody":
            code, body = 200, "starting"
        else:
            code, body = 200, "ok"
        with open(logpath, "a") as f:  # before replying: the log is complete once convoy has its answer
            f.write("GET %s -> %d\n" % (self.path, code))
        b = body.encode()
        self.send_response(code); self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)

HTTPServer(("127.0.0.1", port), H).serve_forever()
