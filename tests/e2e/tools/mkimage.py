#!/usr/bin/env python3
"""mkimage.py: writes a small OCI image layout for tests (stdlib only).

  mkimage.py DIR [--seed S] [--layers N] [--layer-size BYTES] [--platforms linux/amd64,linux/arm64]
             [--variants N] [--platform OS/ARCH[/VARIANT]] [--docker] [--annotation K=V]...

Each layer is a real gzip'd tar holding one file of deterministic pseudo-random bytes derived
from the seed, so different seeds give different digests and the same seed the same image.
With --platforms, an OCI index with one image per platform is written. The layout's index.json
names the image under the tag "latest" (skopeo: oci:DIR:latest). Prints the top digest.
With --variants N (one platform only), N more images share its layers and differ in one config
label: tags v1..vN, one new digest each for the price of a config blob (bench rounds).
--platform sets the single image's os/architecture/variant in its config (default linux/amd64);
--docker writes Docker v2 schema 2 media types instead of OCI ones (single image only).
--annotation K=V (repeatable) puts annotations on the top manifest (as BuildKit does with
metadata-action's annotations output); without it the bytes are as before.
--attestations (with --platforms) adds, as BuildKit does by default, one attestation manifest
per platform after the platforms: an OCI image manifest whose layers are in-toto statements
(application/vnd.in-toto+json, annotation in-toto.io/predicate-type: SLSA provenance v0.2 and
an SPDX document) about that platform's manifest, listed in the index with platform
unknown/unknown and the annotations vnd.docker.reference.type=attestation-manifest,
vnd.docker.reference.digest=<the platform manifest's digest> (docs.docker.com, "Image
attestation storage"). Without it the bytes are as before.
"""
import argparse, gzip, hashlib, io, json, os, random, tarfile

def blob(root, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d

def layer(seed, i, size):
    rnd = random.Random("%s-%d" % (seed, i))
    content = bytes(rnd.getrandbits(8) for _ in range(size))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo("data/%s-%d.bin" % (seed, i))
        ti.size, ti.mtime, ti.mode = len(content), 0, 0o644
        t.addfile(ti, io.BytesIO(content))
    tar = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
        g.write(tar)
    return gz.getvalue(), "sha256:" + hashlib.sha256(tar).hexdigest()

OCI = {"layer": "application/vnd.oci.image.layer.v1.tar+gzip",
       "config": "application/vnd.oci.image.config.v1+json",
       "manifest": "application/vnd.oci.image.manifest.v1+json"}
DOCKER = {"layer": "application/vnd.docker.image.rootfs.diff.tar.gzip",
          "config": "application/vnd.docker.container.image.v1+json",
          "manifest": "application/vnd.docker.distribution.manifest.v2+json"}

ANNOTATIONS = {}

def image(root, seed, nlayers, size, os_, arch, variants=0, cpu=None, mt=OCI):
    layers, diffs = [], []
    for i in range(nlayers):
        gz, diff = layer("%s-%s-%s" % (seed, os_, arch), i, size)
        layers.append({"mediaType": mt["layer"], "digest": blob(root, gz), "size": len(gz)})
        diffs.append(diff)
    return [manifest(root, seed, layers, diffs, os_, arch, v, cpu, mt) for v in range(variants + 1)]

def manifest(root, seed, layers, diffs, os_, arch, variant, cpu=None, mt=OCI):
    labels = {"seed": str(seed)}
    if variant:
        labels["variant"] = str(variant)
    c = {"architecture": arch, "os": os_, "created": "2026-01-01T00:00:00Z",
         "config": {"Labels": labels}, "rootfs": {"type": "layers", "diff_ids": diffs}}
    if cpu:
        c["variant"] = cpu
    cfg = json.dumps(c, sort_keys=True).encode()
    m = {"schemaVersion": 2, "mediaType": mt["manifest"],
         "config": {"mediaType": mt["config"], "digest": blob(root, cfg), "size": len(cfg)},
         "layers": layers}
    if ANNOTATIONS and not variant:
        m["annotations"] = ANNOTATIONS
    man = json.dumps(m, sort_keys=True).encode()
    return {"mediaType": mt["manifest"],
            "digest": blob(root, man), "size": len(man),
            "platform": {"os": os_, "architecture": arch}}

PREDICATES = (("https://slsa.dev/provenance/v0.2",
               {"buildType": "https://mobyproject.org/buildkit@v1", "builder": {"id": ""}}),
              ("https://spdx.dev/Document",
               {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "sbom"}))

def attestation(root, seed, desc):
    """The attestation manifest BuildKit writes for the platform manifest desc."""
    layers = []
    for ptype, pred in PREDICATES:
        st = json.dumps({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": ptype,
                         "subject": [{"name": "pkg:docker/test@%s" % seed,
                                      "digest": {"sha256": desc["digest"][7:]}}],
                         "predicate": pred}, sort_keys=True).encode()
        layers.append({"mediaType": "application/vnd.in-toto+json", "digest": blob(root, st),
                       "size": len(st), "annotations": {"in-toto.io/predicate-type": ptype}})
    cfg = json.dumps({"architecture": "unknown", "os": "unknown", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}},
                     sort_keys=True).encode()
    m = json.dumps({"schemaVersion": 2, "mediaType": OCI["manifest"],
                    "config": {"mediaType": OCI["config"], "digest": blob(root, cfg),
                               "size": len(cfg)},
                    "layers": layers}, sort_keys=True).encode()
    return {"mediaType": OCI["manifest"], "digest": blob(root, m), "size": len(m),
            "annotations": {"vnd.docker.reference.digest": desc["digest"],
                            "vnd.docker.reference.type": "attestation-manifest"},
            "platform": {"architecture": "unknown", "os": "unknown"}}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seed", default="0")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--layer-size", type=int, default=1024)
    ap.add_argument("--platforms", default="")
    ap.add_argument("--variants", type=int, default=0)
    ap.add_argument("--platform", default="linux/amd64")
    ap.add_argument("--docker", action="store_true")
    ap.add_argument("--annotation", action="append", default=[])
    ap.add_argument("--attestations", action="store_true")
    a = ap.parse_args()
    if a.attestations and not a.platforms:
        ap.error("--attestations needs --platforms (BuildKit writes them into an index)")
    for kv in a.annotation:
        k, _, v = kv.partition("=")
        ANNOTATIONS[k] = v
    if a.variants and a.platforms:
        ap.error("--variants makes single-platform images only")
    os.makedirs(a.dir, exist_ok=True)
    with open(os.path.join(a.dir, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    if a.platforms:
        descs = [image(a.dir, a.seed, a.layers, a.layer_size, *p.split("/", 1))[0]
                 for p in a.platforms.split(",")]
        if a.attestations:
            descs += [attestation(a.dir, a.seed, d) for d in list(descs)]
        idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                          "manifests": descs}, sort_keys=True).encode()
        top = {"mediaType": "application/vnd.oci.image.index.v1+json",
               "digest": blob(a.dir, idx), "size": len(idx)}
        extra = []
    else:
        p = (a.platform.split("/") + [None])[:3]
        descs = image(a.dir, a.seed, a.layers, a.layer_size, p[0], p[1], a.variants, p[2],
                      DOCKER if a.docker else OCI)
        for d in descs:
            d.pop("platform")
        top, extra = descs[0], descs[1:]
    top["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    for v, d in enumerate(extra, 1):
        d["annotations"] = {"org.opencontainers.image.ref.name": "v%d" % v}
    with open(os.path.join(a.dir, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [top] + extra}, f)
    print(top["digest"])

main()
