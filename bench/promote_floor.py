#!/usr/bin/env python3
"""bench/promote_floor.py: the registry's floor for a same-repository promotion.

Sends the requests a promotion that keeps the issue's promises cannot do without, with nothing
else: no argument parsing, no configuration, no output, no retries, persistent connections
opened once per worker, in the same dependency order as convoy's rounds:

  A  GET the source tag's manifest | HEAD the target tag (its previous digest)
  C  PUT the target tag | PUT the ledger record (subject: the digest) | GET the ledger index
  D  HEAD the target tag back (concurrent moves) | PUT the ledger index (lists the record)
  E  HEAD the ledger index back (a concurrent promotion of the same digest did not drop it)

and, for comparison, the bare copy a tool without a ledger or read-back needs (A, then the tag
PUT). One promotion of each kind per call, into new tags named after NAME. Only the requests
are timed: the process start of a real command line tool (about a millisecond here for
/bin/true) is not in these numbers, so the floor is lower than any tool can reach. Prints three
times in microseconds: ledger, ledger up to step D (no index read-back: the issue asks for the
tag read-back only; the index one is convoy's guard against a lost record), bare.

With --server-time NAME SOURCE_TAG, reads the registry's log of such a call on stdin instead and prints
the registry's own time along the ledger promotion's dependent steps (the slowest request of each
step, as the registry logged it): no client of any kind can be faster than that.

Usage: promote_floor.py HOST:PORT REPO SOURCE_TAG NAME
       promote_floor.py --server-time NAME SOURCE_TAG <registry.log
"""
import hashlib
import http.client
import json
import re
import sys
import threading
import time

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX,
                    "application/vnd.docker.distribution.manifest.v2+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json"])


def go_duration(s):
    """A Go duration as the registry logs it (1.5ms, 890.2µs, 1.2s) in microseconds."""
    m = re.fullmatch(r"([\d.]+)(ns|µs|us|ms|s)", s)
    return float(m.group(1)) * {"ns": 1e-3, "µs": 1, "us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]


def server_time(name, src_tag):
    """The ledger promotion's requests come first in the log (the bare one starts after it)."""
    reqs = []
    for line in sys.stdin:
        if "response completed" not in line:
            continue
        method = re.search(r"http\.request\.method=(\S+)", line).group(1)
        uri = re.search(r'http\.request\.uri="?([^" ]+)', line).group(1)
        took = re.search(r'http\.response\.duration="?([^" ]+)', line).group(1)
        reqs.append((method, uri.rsplit("/", 1)[-1], go_duration(took)))
    tag = name + "-ledger"
    heads = [t for m, u, t in reqs if m == "HEAD" and u == tag]
    one = lambda pred: max(t for m, u, t in reqs if pred(m, u))
    first_get = next(t for m, u, t in reqs if m == "GET" and u == src_tag)
    steps = [max(first_get, heads[0]),
             max(one(lambda m, u: m == "PUT" and u == tag),
                 one(lambda m, u: m == "PUT" and u.startswith("sha256:")),
                 one(lambda m, u: m == "GET" and u.startswith("sha256-"))),
             max(heads[1], one(lambda m, u: m == "PUT" and u.startswith("sha256-"))),
             one(lambda m, u: m == "HEAD" and u.startswith("sha256-"))]
    print(int(sum(steps)))


if sys.argv[1] == "--server-time":
    server_time(sys.argv[2], sys.argv[3])
    sys.exit(0)
host, repo, src_tag, name = sys.argv[1:5]
local = threading.local()


def conn():
    if not hasattr(local, "c"):
        local.c = http.client.HTTPConnection(host)
    return local.c


def req(method, path, body=None, headers=None):
    c = conn()
    c.request(method, "/v2/%s/%s" % (repo, path), body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    if r.status >= 300 and not (r.status == 404 and method in ("GET", "HEAD")):
        raise SystemExit("floor: %s %s -> %d %s" % (method, path, r.status, data[:200]))
    return r, data


class Pool:
    """Long-lived workers, one persistent connection each (a tool's pool after its start)."""

    def __init__(self, n):
        self.jobs, self.cv = [], threading.Condition()
        self.threads = [threading.Thread(target=self.work, daemon=True) for _ in range(n)]
        for t in self.threads:
            t.start()

    def work(self):
        while True:
            with self.cv:
                while not self.jobs:
                    self.cv.wait()
                fn, out, i, done = self.jobs.pop()
            out[i] = fn()
            done.release()

    def round(self, *fns):
        out, done = [None] * len(fns), threading.Semaphore(0)
        with self.cv:
            for i, fn in enumerate(fns):
                self.jobs.append((fn, out, i, done))
            self.cv.notify_all()
        for _ in fns:
            done.acquire()
        return out


def record(digest, size, media_type, n):
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
         "artifactType": "application/vnd.convoy.promotion.v1+json",
         "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": EMPTY, "size": 2},
         "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": EMPTY, "size": 2}],
         "subject": {"mediaType": media_type, "digest": digest, "size": size},
         "annotations": {"dev.convoy.promotion.to": "qa", "dev.convoy.promotion.from": "dev",
                         "org.opencontainers.image.created": "%.6f-%s" % (time.time(), n)}}
    return json.dumps(m, separators=(",", ":")).encode()


def promotion(pool, ledger):
    """Runs one promotion; returns when step D ended (the ledger kind), else None."""
    tag = "%s-%s" % (name, "ledger" if ledger else "bare")
    src, _ = pool.round(lambda: req("GET", "manifests/" + src_tag, headers={"Accept": ACCEPT}),
                           lambda: req("HEAD", "manifests/" + tag, headers={"Accept": ACCEPT}))
    r, body = src
    media_type = r.getheader("Content-Type")
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    put_tag = lambda: req("PUT", "manifests/" + tag, body, {"Content-Type": media_type})
    if not ledger:
        pool.round(put_tag)
        return None
    rec = record(digest, len(body), media_type, name)
    rec_digest = "sha256:" + hashlib.sha256(rec).hexdigest()
    index_tag = digest.replace(":", "-")
    _, _, (ir, idata) = pool.round(
        put_tag,
        lambda: req("PUT", "manifests/" + rec_digest, rec, {"Content-Type": OCI_MANIFEST}),
        lambda: req("GET", "manifests/" + index_tag, headers={"Accept": OCI_INDEX}))
    index = json.loads(idata) if ir.status == 200 else {
        "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
    index["manifests"].append({"mediaType": OCI_MANIFEST, "digest": rec_digest, "size": len(rec),
                               "artifactType": "application/vnd.convoy.promotion.v1+json"})
    ibody = json.dumps(index, separators=(",", ":")).encode()
    pool.round(lambda: req("HEAD", "manifests/" + tag, headers={"Accept": ACCEPT}),
               lambda: req("PUT", "manifests/" + index_tag, ibody, {"Content-Type": OCI_INDEX}))
    d_done = time.perf_counter()
    pool.round(lambda: req("HEAD", "manifests/" + index_tag, headers={"Accept": OCI_INDEX}))
    return d_done


def main():
    # The ledger's empty blob, as any earlier promotion into the repository leaves it.
    c = http.client.HTTPConnection(host)
    c.request("POST", "/v2/%s/blobs/uploads/" % repo)
    r = c.getresponse()
    r.read()
    loc = r.getheader("Location")
    loc = loc[loc.index("/v2/"):] if "/v2/" in loc else loc
    c.request("PUT", "%s%sdigest=%s" % (loc, "&" if "?" in loc else "?", EMPTY), body=b"{}",
              headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse()
    r.read()
    if r.status != 201:
        raise SystemExit("floor: uploading the empty blob answered %d" % r.status)
    out = []
    for ledger in (True, False):
        pool = Pool(3)  # as in a fresh process: new threads, new connections
        t0 = time.perf_counter()
        d_done = promotion(pool, ledger)
        out.append(int((time.perf_counter() - t0) * 1e6))
        if ledger:  # and where it would end without the index read-back (step E)
            out.append(int((d_done - t0) * 1e6))
    print(*out)

main()
