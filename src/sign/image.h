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

/* identity: "host/path" as users write it (the payload's docker-reference). *stored (may be
 * NULL): where it went (sign/store.h). The manifest must exist. */
int sign_image(struct registry *reg, const char *path, const char *identity,
	       const char *digest, const struct sign_key *key, enum sign_storage storage,
	       struct sign_stored *stored);

#endif
