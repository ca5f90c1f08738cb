#!/usr/bin/env python3
"""token_issuer: the Docker token flow's auth server for tests, on 127.0.0.1.

usage: token_issuer.py PORT KEY_PEM CERT_PEM USERS LOG
USERS is "user:password:actions;..." (actions "pull,push" or "pull"). GET /token with Basic
auth answers a JWT (RS256, x5c = CERT_PEM, signed with `openssl dgst`) granting, per requested
scope, the actions the user has. Unknown users or wrong passwords get 401. Each request is
logged (user, scope, granted) so tests can count token fetches.
"""
import base64, http.server, json, os, subprocess, sys, time, urllib.parse

PORT, KEY, CERT, USERS, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
users = {}
for u in USERS.split(";"):
    name, pw, acts = u.split(":", 2)
    users[name] = (pw, acts.split(","))
der = subprocess.run(["openssl", "x509", "-in", CERT, "-outform", "DER"], capture_output=True, check=True).stdout


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(claims):
    head = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    msg = (b64(json.dumps(head).encode()) + "." + b64(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=msg, capture_output=True, check=True).stdout
    return msg.decode() + "." + b64(sig)


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        auth = self.headers.get("Authorization", "")
        user = None
        if auth.startswith("Basic "):
            name, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            if name in users and users[name][0] == pw:
                user = name
        if auth and user is None:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            open(LOG, "a").write("refused\n")
            return
        access = []
        for scope in q.get("scope", []):
            for one in scope.split(" "):
                typ, _, rest = one.partition(":")
                name, _, acts = rest.rpartition(":")
                have = users[user][1] if user else []
                granted = [a for a in acts.split(",") if a in have]
                access.append({"type": typ, "name": name, "actions": granted})
        now = int(time.time())
        tok = sign({"iss": "convoy-test", "sub": user or "", "aud": q.get("service", [""])[0],
                    "exp": now + 300, "nbf": now - 10, "iat": now, "jti": b64(os.urandom(9)),
                    "access": access})
        body = json.dumps({"token": tok, "access_token": tok, "expires_in": 300}).encode()
        open(LOG, "a").write("%s %s %s\n" % (user, q.get("scope", [""]), json.dumps(access)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
