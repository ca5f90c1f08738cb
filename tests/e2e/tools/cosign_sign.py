#!/usr/bin/python3
"""cosign_sign.py: writes a cosign signature the way cosign's spec says (specs/SIGNATURE_SPEC.md),
made by the test itself with the openssl command line, into a registry's
"sha256-<hex>.sig" tag (appended to the signatures there). For the independent checks.

  cosign_sign.py http://HOST:PORT REPO DIGEST KEY.pem IDENTITY [--payload-digest D] [--tamper]

--payload-digest: the payload names D instead of DIGEST (a signature for another digest,
stored under DIGEST's tag). --tamper: the payload is changed after signing (one byte of the
identity), so the signature no longer matches it. Standard library + openssl only.
"""
import base64, hashlib, json, subprocess, sys, urllib.error, urllib.request

MT = "application/vnd.dev.cosign.simplesigning.v1+json"
OCI = "application/vnd.oci.image.manifest.v1+json"


def req(url, data=None, method="GET", headers=None):
    r = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    return urllib.request.urlopen(r)


def put_blob(base, repo, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    loc = req("%s/v2/%s/blobs/uploads/" % (base, repo), b"", "POST").headers["Location"]
    if not loc.startswith("http"):
        loc = base + loc
    loc += ("&" if "?" in loc else "?") + "digest=" + d
    req(loc, data, "PUT", {"Content-Type": "application/octet-stream"})
    return d


def main(a):
    base, repo, digest, key, identity = a[1:6]
    pdigest = a[a.index("--payload-digest") + 1] if "--payload-digest" in a else digest
    payload = json.dumps({"critical": {"identity": {"docker-reference": identity},
                                       "image": {"docker-manifest-digest": pdigest},
                                       "type": "cosign container image signature"},
                          "optional": None}, separators=(",", ":")).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=payload,
                         capture_output=True, check=True).stdout
    if "--tamper" in a:
        payload = payload.replace(identity.encode(), (identity[:-1] + "X").encode())
    tag = "sha256-%s.sig" % digest[7:]
    try:
        old = json.load(req("%s/v2/%s/manifests/%s" % (base, repo, tag), headers={"Accept": OCI}))
        layers = old["layers"]
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
        layers = []
    layers.append({"mediaType": MT, "size": len(payload), "digest": put_blob(base, repo, payload),
                   "annotations": {"dev.cosignproject.cosign/signature": base64.b64encode(sig).decode()}})
    cfg = json.dumps({"architecture": "", "config": {}, "os": "",
                      "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode()
    m = {"schemaVersion": 2, "mediaType": OCI,
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(cfg),
                    "digest": put_blob(base, repo, cfg)}, "layers": layers}
    req("%s/v2/%s/manifests/%s" % (base, repo, tag), json.dumps(m).encode(), "PUT",
        {"Content-Type": OCI})


if __name__ == "__main__":
    main(sys.argv)
