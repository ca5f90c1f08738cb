#!/usr/bin/env python3
"""referrers_proxy: a reverse proxy on 127.0.0.1 in front of a real registry that adds the OCI
distribution spec 1.1 referrers API, which Debian's docker-registry 2.8 lacks, so that a test
can drive a client's referrers API path against real storage.

usage: referrers_proxy.py [--quirk PROFILE] LISTEN_PORT UPSTREAM_URL LOG_FILE [PAGE_SIZE]

Everything is forwarded to UPSTREAM_URL unchanged (status, headers, body; HEAD answers without
a body; Location headers that name the upstream are rewritten to the proxy), except:
  PUT /v2/<name>/manifests/<ref>  forwarded; when upstream accepts it (2xx) and the JSON body has
        a `subject`, the manifest's descriptor {mediaType, digest (upstream's
        Docker-Content-Digest), size, artifactType (the manifest's own, else, for an image
        manifest, its config.mediaType), annotations} is remembered under (name, subject digest)
        and the answer carries `OCI-Subject: <subject digest>` (spec: "Pushing Manifests with
        Subject").
  DELETE /v2/<name>/manifests/<digest>  forwarded; when upstream accepts it, the manifest is
        dropped from every referrers list of <name>.
  GET|HEAD /v2/<name>/referrers/<digest>[?artifactType=<type>]  answered here (spec: "Listing
        Referrers"): 200 with an OCI image index of the descriptors, in PUT order, Content-Type
        application/vnd.oci.image.index.v1+json; an empty list (never 404) for a digest without
        referrers; with artifactType only the descriptors of that type, and the header
        `OCI-Filters-Applied: artifactType`; 400 for a digest or name of invalid syntax. The
        With PAGE_SIZE, a listing longer than that comes in pages of PAGE_SIZE descriptors,
        each but the last with `Link: </v2/<name>/referrers/<digest>?page=N...>; rel="next"`
        (spec: "the registry MAY paginate"; the other query parameters are kept). The
        client's credentials are checked first with a pull of <name>'s tag list upstream: a 401
        or 403 there is passed back as it is (the referrers are readable by who can pull).
With --quirk PROFILE (anywhere among the arguments) the proxy misbehaves as a real registry
has, so that a client's handling of it can be tested against real storage:
  subject-header-only  a manifest PUT with a `subject` is answered `OCI-Subject` as above, but
        nothing is remembered and GET|HEAD /v2/<name>/referrers/... is forwarded upstream like
        any other path (docker-registry answers 404): the header without the API, as Docker
        Hub (docker/hub-feedback#2372) and ECR (sigstore-js#1183) have sent it.
  no-index-subject     the referrers API as above, but a manifest PUT whose `subject`
        descriptor's mediaType is an image index (OCI index or Docker manifest list) is refused
        with 405 and the body {"errors":[{"code":"UNSUPPORTED","message":...}]}, and nothing
        is stored upstream, as ECR has refused them (aws/containers-roadmap#2783). Every other
        manifest, with or without a subject, is handled as above.
  link-loop            the referrers API as above, paginated (PAGE_SIZE, else 1), but the
        last page's Link rel="next" points back at the first page: a listing that never ends.
The referrers lists live in memory: the proxy lives for one test, in front of a registry that
test started empty. Every request is logged as one line, METHOD PATH STATUS, before it is
answered: a request the client sent after hearing an answer is logged after it.
"""
import hashlib, http.client, http.server, json, re, sys, threading, urllib.parse

QUIRKS = ("subject-header-only", "no-index-subject", "link-loop")
ARGS, QUIRK = list(sys.argv[1:]), None
if "--quirk" in ARGS:
    at = ARGS.index("--quirk")
    QUIRK = ARGS[at + 1] if at + 1 < len(ARGS) else None
    del ARGS[at:at + 2]
    if QUIRK not in QUIRKS:
        sys.exit("referrers_proxy: --quirk must be one of: %s" % ", ".join(QUIRKS))
if len(ARGS) not in (3, 4):
    sys.exit("usage: referrers_proxy.py [--quirk PROFILE] LISTEN_PORT UPSTREAM_URL LOG_FILE [PAGE_SIZE]")
PORT, UPSTREAM, LOG = int(ARGS[0]), ARGS[1].rstrip("/"), ARGS[2]
PAGE = int(ARGS[3]) if len(ARGS) > 3 else (1 if QUIRK == "link-loop" else 0)
up = urllib.parse.urlparse(UPSTREAM)
if up.scheme != "http" or not up.hostname:
    sys.exit("referrers_proxy: UPSTREAM_URL must be http://host:port")
SELF = "http://127.0.0.1:%d" % PORT
INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
# The distribution spec's <name> and the image spec's digest grammar.
NAME = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*"
DIGEST_GRAMMAR = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
REGISTERED = {"sha256": re.compile(r"^[a-f0-9]{64}$"), "sha512": re.compile(r"^[a-f0-9]{128}$")}
REFERRERS = re.compile(r"^/v2/(.+)/referrers/([^/]*)$")
MANIFESTS = re.compile(r"^/v2/(%s)/manifests/([^/]+)$" % NAME)
HOP = ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
       "proxy-authorization", "proxy-authenticate", "content-length", "host")

lock = threading.Lock()
referrers = {}  # (name, subject digest) -> [descriptor], in PUT order


def valid_digest(d):
    """The image spec's digest grammar, and the registered algorithms' encodings."""
    if not isinstance(d, str) or not DIGEST_GRAMMAR.match(d):
        return False
    alg, enc = d.split(":", 1)
    return alg not in REGISTERED or bool(REGISTERED[alg].match(enc))


def log(method, path, status):
    with lock, open(LOG, "a") as f:
        f.write("%s %s %s\n" % (method, path, status))


def subject_media_type(body):
    """The mediaType of a manifest body's subject descriptor, else None."""
    try:
        m = json.loads(body)
    except ValueError:
        return None
    if isinstance(m, dict) and isinstance(m.get("subject"), dict):
        return m["subject"].get("mediaType")
    return None


def descriptor_of(body, content_type, digest):
    """(subject digest, descriptor) of a manifest body with a subject, else None."""
    try:
        m = json.loads(body)
    except ValueError:
        return None
    if not isinstance(m, dict) or not isinstance(m.get("subject"), dict):
        return None
    subject = m["subject"].get("digest")
    if not valid_digest(subject):
        return None
    media_type = m.get("mediaType") or content_type.split(";")[0].strip()
    d = {"mediaType": media_type, "digest": digest, "size": len(body)}
    artifact_type = m.get("artifactType")
    if not artifact_type and media_type not in (INDEX, DOCKER_LIST) and isinstance(m.get("config"), dict):
        artifact_type = m["config"].get("mediaType")  # an image manifest: its config's type
    if artifact_type:
        d["artifactType"] = artifact_type
    if isinstance(m.get("annotations"), dict) and m["annotations"]:
        d["annotations"] = m["annotations"]
    return subject, d


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def upstream(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=120)
        h = headers if headers is not None else {
            k: v for k, v in self.headers.items() if k.lower() not in HOP}
        h["Host"] = "127.0.0.1:%d" % PORT  # the registry builds its Locations from it
        if body is not None:
            h["Content-Length"] = str(len(body))
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def answer(self, status, headers, data, length=None):
        """Logs the request, then answers it (headers: (name, value) pairs)."""
        log(self.command, self.path, status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if not (status < 200 or status in (204, 304)):
            self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)

    def handle_any(self):
        path = urllib.parse.urlsplit(self.path).path
        body = self.read_body()
        m = REFERRERS.match(path)
        if m and QUIRK != "subject-header-only":
            return self.referrers(m.group(1), m.group(2))
        if (QUIRK == "no-index-subject" and self.command == "PUT" and MANIFESTS.match(path)
                and subject_media_type(body) in (INDEX, DOCKER_LIST)):
            data = json.dumps({"errors": [{"code": "UNSUPPORTED", "message":
                "Invalid parameter at 'subject' failed to satisfy constraint: 'The subject "
                "of a manifest must not be an image index'"}]}).encode()
            return self.answer(405, [("Content-Type", "application/json")], data)
        send = body if body or self.command in ("PUT", "POST", "PATCH") else None
        resp, data = self.upstream(self.command, self.path, send)
        headers = []
        for k, v in resp.getheaders():
            if k.lower() in HOP:
                continue
            if k.lower() == "location":
                v = v.replace(UPSTREAM, SELF)
            headers.append((k, v))
        mm = MANIFESTS.match(path)
        if mm and 200 <= resp.status < 300 and self.command == "PUT":
            digest = resp.getheader("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()
            got = descriptor_of(body, self.headers.get("Content-Type", ""), digest)
            if got:
                subject, d = got
                with lock:
                    lst = referrers.setdefault((mm.group(1), subject), [])
                    if QUIRK != "subject-header-only" and not [x for x in lst if x["digest"] == digest]:
                        lst.append(d)
                headers.append(("OCI-Subject", subject))
        elif mm and 200 <= resp.status < 300 and self.command == "DELETE" and valid_digest(mm.group(2)):
            with lock:
                for (name, _), lst in referrers.items():
                    if name == mm.group(1):
                        lst[:] = [x for x in lst if x["digest"] != mm.group(2)]
        length = resp.getheader("Content-Length") if self.command == "HEAD" else None
        self.answer(resp.status, headers, data, length)

    def referrers(self, name, digest):
        def error(status, code, message):
            data = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
            self.answer(status, [("Content-Type", "application/json")], data)

        if self.command not in ("GET", "HEAD"):
            return self.answer(405, [("Allow", "GET, HEAD")], b"")
        if not re.fullmatch(NAME, name):
            return error(400, "NAME_INVALID", "invalid repository name")
        if not valid_digest(digest):
            return error(400, "DIGEST_INVALID", "invalid digest")
        # Who may pull <name> may list its referrers: the upstream decides.
        auth = {k: v for k, v in self.headers.items() if k.lower() == "authorization"}
        resp, data = self.upstream("GET", "/v2/%s/tags/list" % name, None, auth)
        if resp.status in (401, 403):
            return self.answer(resp.status, [(k, v) for k, v in resp.getheaders()
                                             if k.lower() not in HOP], data)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        types = [t for t in query.get("artifactType", []) if t]
        with lock:
            manifests = [dict(d) for d in referrers.get((name, digest), [])]
        headers = [("Content-Type", INDEX), ("Docker-Distribution-Api-Version", "registry/2.0")]
        if types:
            manifests = [d for d in manifests if d.get("artifactType") in types]
            headers.append(("OCI-Filters-Applied", "artifactType"))
        if PAGE:
            page = int((query.get("page") or ["0"])[0])
            last = page * PAGE + PAGE >= len(manifests)
            if not last or (QUIRK == "link-loop" and manifests):
                q = [(k, v) for k, vs in query.items() if k != "page" for v in vs] + [
                    ("page", str(0 if last else page + 1))]
                headers.append(("Link", '<%s?%s>; rel="next"' % (
                    urllib.parse.urlsplit(self.path).path, urllib.parse.urlencode(q))))
            manifests = manifests[page * PAGE:page * PAGE + PAGE]
        index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests}
        self.answer(200, headers, json.dumps(index).encode())

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()
