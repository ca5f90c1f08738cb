#!/usr/bin/python3
"""cosign_check.py: an independent check of cosign signatures, as cosign verify --key accepts
them (without Rekor), over what `skopeo copy --registries.d D docker://IMG dir:OUT` fetched
with `use-sigstore-attachments: true` (Debian's skopeo 1.9.3 has sigstore verification
compiled out, and Debian has no cosign: skopeo only fetches, this script checks).

  cosign_check.py OUT PUBKEY.pem IDENTITY [--digest sha256:...]

skopeo's dir: transport keeps each signature as OUT/signature-N: the bytes "\\0sigstore-json\\n"
and JSON {mimeType, payload (base64), annotations}. A signature is accepted when (cosign
specs/SIGNATURE_SPEC.md):
  - mimeType is application/vnd.dev.cosign.simplesigning.v1+json,
  - the annotation dev.cosignproject.cosign/signature holds a base64 signature,
  - `openssl dgst -sha256 -verify PUBKEY` accepts it over the payload bytes (ECDSA-SHA256),
  - the payload is JSON with critical.type "cosign container image signature",
    critical.image.docker-manifest-digest = the digest of OUT/manifest.json (or --digest),
    critical.identity.docker-reference = IDENTITY.
Prints one line per signature; exits 0 when at least one is accepted, 1 when none is, 2 on
bad usage or when OUT has no signature at all. Standard library + the openssl command only.
"""
import base64, binascii, hashlib, json, os, subprocess, sys, tempfile

MT = "application/vnd.dev.cosign.simplesigning.v1+json"
ANN = "dev.cosignproject.cosign/signature"
HDR = b"\x00sigstore-json\n"


def check(sig_path, pubkey, digest, identity):
    raw = open(sig_path, "rb").read()
    if not raw.startswith(HDR):
        return "not a sigstore signature (skopeo format header missing)"
    try:
        sig = json.loads(raw[len(HDR):])
    except ValueError:
        return "not JSON"
    if sig.get("mimeType") != MT:
        return "media type %r is not %s" % (sig.get("mimeType"), MT)
    b64 = (sig.get("annotations") or {}).get(ANN)
    if not isinstance(b64, str):
        return "no %s annotation" % ANN
    try:
        der = base64.b64decode(b64, validate=True)
        payload = base64.b64decode(sig.get("payload", ""), validate=True)
    except (binascii.Error, TypeError):
        return "signature or payload is not base64"
    with tempfile.TemporaryDirectory() as t:
        open(os.path.join(t, "p"), "wb").write(payload)
        open(os.path.join(t, "s"), "wb").write(der)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pubkey, "-signature",
                            os.path.join(t, "s"), os.path.join(t, "p")],
                           capture_output=True, text=True)
    if r.returncode != 0 or "Verified OK" not in r.stdout:
        return "ECDSA-SHA256 signature does not verify with the key (openssl: %s)" % (
            (r.stdout + r.stderr).strip().splitlines() or ["?"])[0]
    try:
        p = json.loads(payload)
        crit = p["critical"]
        typ = crit["type"]
        dig = crit["image"]["docker-manifest-digest"]
        ref = crit["identity"]["docker-reference"]
    except (ValueError, KeyError, TypeError):
        return "payload lacks critical.type, image.docker-manifest-digest or identity"
    if typ != "cosign container image signature":
        return "payload type %r" % typ
    if dig != digest:
        return "payload signs %s, not %s" % (dig, digest)
    if ref != identity:
        return "identity %s, not %s" % (ref, identity)
    return None


def main(argv):
    if len(argv) not in (4, 6) or (len(argv) == 6 and argv[4] != "--digest"):
        print(__doc__, file=sys.stderr)
        return 2
    out, pubkey, identity = argv[1:4]
    if len(argv) == 6:
        digest = argv[5]
    else:
        digest = "sha256:" + hashlib.sha256(open(os.path.join(out, "manifest.json"), "rb").read()).hexdigest()
    sigs = sorted((f for f in os.listdir(out) if f.startswith("signature-")),
                  key=lambda f: int(f.split("-")[-1]) if f.split("-")[-1].isdigit() else 0)
    if not sigs:
        print("no signature in %s" % out)
        return 2
    ok = 0
    for f in sigs:
        why = check(os.path.join(out, f), pubkey, digest, identity)
        print("%s: %s" % (f, "accepted" if why is None else "rejected: " + why))
        ok += why is None
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
