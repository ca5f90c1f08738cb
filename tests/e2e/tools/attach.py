#!/usr/bin/python3
"""attach.py: attaches a file to an image as an OCI 1.1 artifact, as `oras attach` does on a
registry without the referrers API (stdlib only; plain HTTP, no auth: for tests and bench/).

  attach.py REG REPO SUBJECT_DIGEST ARTIFACT_TYPE FILE

The artifact is an image manifest: config the OCI empty descriptor, one layer FILE (media type
ARTIFACT_TYPE), `artifactType` ARTIFACT_TYPE, `subject` the subject's descriptor; it is put by
digest, and appended to the subject's referrers tag schema index ("sha256-<hex>"), which
docker-registry 2.8 needs for it to be found. Prints the artifact's digest.
"""
import sys, json, hashlib, urllib.request, urllib.error
reg, repo, subject, at, path = sys.argv[1:]
MAN = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
def req(method, url, body=None, ctype=None, accept=None):
    r = urllib.request.Request(url if url.startswith("http") else "http://%s%s" % (reg, url), data=body, method=method)
    if ctype: r.add_header("Content-Type", ctype)
    r.add_header("Accept", accept or ", ".join([INDEX, MAN]))
    try:
        with urllib.request.urlopen(r) as resp: return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e: return e.code, e.headers, e.read()
def blob(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    st, h, _ = req("POST", "/v2/%s/blobs/uploads/" % repo)
    loc = h["Location"]
    st, _, _ = req("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + d, data, "application/octet-stream")
    if st != 201: sys.exit("blob upload: %s" % st)
    return d
st, h, sb = req("GET", "/v2/%s/manifests/%s" % (repo, subject))
if st != 200: sys.exit("subject %s: %s" % (subject, st))
content = open(path, "rb").read()
m = {"schemaVersion": 2, "mediaType": MAN, "artifactType": at,
     "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": blob(b"{}"), "size": 2},
     "layers": [{"mediaType": at, "digest": blob(content), "size": len(content)}],
     "subject": {"mediaType": h["Content-Type"], "digest": subject, "size": len(sb)},
     "annotations": {"org.opencontainers.image.created": "2026-12-07T00:00:00Z"}}
body = json.dumps(m).encode()
d = "sha256:" + hashlib.sha256(body).hexdigest()
st, _, _ = req("PUT", "/v2/%s/manifests/%s" % (repo, d), body, MAN)
if st != 201: sys.exit("artifact PUT: %s" % st)
tag = "sha256-" + subject.split(":")[1]
st, _, ib = req("GET", "/v2/%s/manifests/%s" % (repo, tag))
index = json.loads(ib) if st == 200 else {"schemaVersion": 2, "mediaType": INDEX, "manifests": []}
index["manifests"].append({"mediaType": MAN, "digest": d, "size": len(body), "artifactType": at})
st, _, _ = req("PUT", "/v2/%s/manifests/%s" % (repo, tag), json.dumps(index).encode(), INDEX)
if st != 201: sys.exit("tag schema index PUT: %s" % st)
print(d)
