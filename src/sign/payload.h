/*
 * sign/payload: cosign's simple-signing payload (cosign specs/SIGNATURE_SPEC.md, "Simple
 * Signing"; the format is containers/image's containers-signature(5) JSON), the bytes a cosign
 * signature signs:
 *   {"critical":{"identity":{"docker-reference":"host/repo"},
 *                "image":{"docker-manifest-digest":"sha256:..."},
 *                "type":"cosign container image signature"},"optional":null}
 * Pure: building and parsing only. Payloads come from registries: parsing is strict and
 * bounded (fuzzed, tests/fuzz/fuzz_sign.c).
 */
#ifndef CONVOY_SIGN_PAYLOAD_H
#define CONVOY_SIGN_PAYLOAD_H

#include <stddef.h>

#include "util/buf.h"

#define SIGN_PAYLOAD_MEDIA_TYPE "application/vnd.dev.cosign.simplesigning.v1+json"
#define SIGN_PAYLOAD_TYPE "cosign container image signature"
#define SIGN_ANNOTATION_SIGNATURE "dev.cosignproject.cosign/signature"
#define SIGN_PAYLOAD_MAX (64 * 1024)

struct sign_payload {
	char *reference; /* critical.identity.docker-reference */
	char *digest;    /* critical.image.docker-manifest-digest */
};

/* The payload signing digest for the image reference (host/repo, no tag) into out. */
int sign_payload_build(struct buf *out, const char *reference, const char *digest);
/* Parses a payload: valid JSON, critical.type the cosign type, a sha256 digest and a string
 * identity. E_USAGE with the reason otherwise. */
int sign_payload_parse(struct sign_payload *out, const char *data, size_t len);
void sign_payload_free(struct sign_payload *p);

/* Whether s is "sha256:" and 64 lower-case hex digits. */
int sign_digest_valid(const char *s);

#endif
