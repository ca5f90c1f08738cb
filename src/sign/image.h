/*
 * sign/image: signs one image digest in one repository, as `cosign sign --key` does without
 * Rekor (convoy is offline; no transparency log entry is made): the simple-signing payload
 * names the repository (host/path) as identity and the digest; the signature is stored
 * there (sign/store). Used by `convoy sign`, and by push and promote with --sign-key.
 */
#ifndef CONVOY_SIGN_IMAGE_H
#define CONVOY_SIGN_IMAGE_H

#include "registry/client.h"
#include "sign/key.h"
#include "sign/store.h"

/* identity: "host/path" as users write it (the payload's docker-reference). *written (may be
 * NULL) = 0 when the same signature was there already. The manifest must exist. */
int sign_image(struct registry *reg, const char *path, const char *identity,
	       const char *digest, const struct sign_key *key, enum sign_storage storage,
	       int *written);

#endif
